"""Tests that hold the documentation to the code and to the suite: the
systemd example of the README and the manual against dist/, and the
promises map (tests/promises.md) against the tests it names.  Loaded by
tests/run, which is __main__ and provides the helpers.
"""

import os
import re
import subprocess

import __main__ as R
from __main__ import Fail, test, expect_eq

TOP = os.path.dirname(R.HERE)


def read_top(name):
    with open(os.path.join(TOP, name), encoding='utf-8') as f:
        return f.read()


def man_example(unit):
    """The lines of the manual's systemd example under '# UNIT'."""
    man = read_top('man/pop3d.8')
    m = re.search(r'^# ' + re.escape(unit) + r'\n(.*?)(?=^\n|^# |^\.Ed)', man, re.M | re.S)
    if not m:
        raise Fail('no "# %s" example in the manual' % unit)
    return [ln for ln in m.group(1).split('\n') if ln and not ln.startswith('[')]


@test('docs:systemd-capabilities')
def _():
    # README (systemd) and the manual's example name the capabilities that
    # dist/pop3d@.service grants, no more and no fewer.
    unit = read_top('dist/pop3d@.service')
    m = re.search(r'^CapabilityBoundingSet=(.*)$', unit, re.M)
    granted = set(m.group(1).split())
    readme = read_top('README.md')
    bullet = re.search(r'^- \*\*systemd\*\*:(.*?)(?=^- \*\*)', readme, re.M | re.S).group(1)
    expect_eq('README systemd capabilities vs dist/pop3d@.service', sorted(granted),
              sorted(set(re.findall(r'CAP_[A-Z_]+', bullet))))
    example = [ln for ln in man_example('pop3d@.service') if ln.startswith('CapabilityBoundingSet=')]
    expect_eq('manual example capabilities vs dist/pop3d@.service', sorted(granted),
              sorted(example[0].split('=', 1)[1].split()) if example else None)


@test('docs:systemd-example-matches-dist')
def _():
    # Every setting of the manual's example is in the unit files of dist/.
    for unit in ('pop3d.socket', 'pop3d@.service'):
        have = set(read_top('dist/' + unit).split('\n'))
        for ln in man_example(unit):
            if ln not in have:
                raise Fail('manual example line not in dist/%s: %s' % (unit, ln))


# ----------------------------------------------------------------- memory

def group_pids(pgid):
    """The processes of a process group (pop3d and its children)."""
    pids = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d, 'rb') as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(b')') + 2:].split()
        if int(fields[2]) == pgid:
            pids.append(int(d))
    return pids


def memory_holds(pid, needles):
    """Which of needles are in the readable memory of pid."""
    found = set()
    with open('/proc/%d/maps' % pid) as f:
        maps = f.read().split('\n')
    fd = os.open('/proc/%d/mem' % pid, os.O_RDONLY)
    try:
        for ln in maps:
            parts = ln.split()
            if len(parts) < 2 or parts[1][0] != 'r' or (len(parts) > 5 and parts[5] in ('[vvar]', '[vsyscall]')):
                continue
            lo, hi = (int(x, 16) for x in parts[0].split('-'))
            pos = lo
            while pos < hi:
                n = min(hi - pos, 1 << 20)
                try:
                    chunk = os.pread(fd, n + 64, pos) if pos + n < hi else os.pread(fd, n, pos)
                except OSError:
                    break
                for x in needles:
                    if x in chunk:
                        found.add(x)
                pos += n
    finally:
        os.close(fd)
    return found


def passwords_wiped(as_user):
    env = R.Env('wiped')
    env.put_mailbox(R.fixture('F1.mbox'))
    good = b'Wipe-Me-%d-good-qz' % os.getpid()
    bad = b'Wipe-Me-%d-bad-qz' % os.getpid()
    p = subprocess.run(['openssl', 'passwd', '-6', '-salt', 'wipetest', good], capture_output=True, check=True)
    env.write_users(b'wiper:%s:%d:%d::%s:/bin/sh\n' % (p.stdout.strip(), R.Config.uid, R.Config.gid,
                                                       env.dir.encode()))
    s = env.session(as_user=as_user, template=env.dir + '/alice')
    try:
        s.expect(R.GREETING)
        s.send(b'USER wiper\r\nPASS ' + bad + b'\r\n')
        s.expect(b'+OK Send your password.\r\n' + R.ERR_AUTH + b'\r\n')
        s.send(b'USER wiper\r\nPASS ' + good + b'\r\nSTAT\r\n')
        s.expect(b'+OK Send your password.\r\n' + R.login_reply(2, 52)[25:] + b'+OK 2 52\r\n')
        pids = group_pids(s.p.pid)
        if not pids:
            raise Fail('no pop3d process found')
        for pid in pids:
            left = memory_holds(pid, [good, bad])
            if left:
                raise Fail('pid %d (of %d) still holds %s in memory' % (
                    pid, len(pids), ' and '.join(sorted(x.decode() for x in left))))
        s.send(b'QUIT\r\n')
        s.expect(b'+OK Bye.\r\n')
        R.check_exit(s.finish())
    finally:
        if s.p.poll() is None:
            s.kill()


@test('security:passwords-wiped-from-memory')
def _():
    # SECURITY CONSIDERATIONS: "passwords are wiped from memory after use".
    # A wrong and a right password, then the memory of every pop3d process
    # (the monitor and the session, as root) is searched for them.
    if not R.Config.root:
        raise R.Skip('reading another process\'s memory needs root')
    passwords_wiped(as_user=False)


@test('security:passwords-wiped-from-memory-nonroot')
def _():
    if not R.Config.root:
        raise R.Skip('reading another process\'s memory needs root')
    passwords_wiped(as_user=True)


def no_core_dumps(as_user):
    env = R.Env('nocore')
    env.put_mailbox(R.fixture('F1.mbox'))
    s = env.session(as_user=as_user)
    try:
        s.expect(R.GREETING)
        s.send(R.LOGIN)
        s.expect(R.login_reply(2, 52))
        pids = group_pids(s.p.pid)
        expect_eq('pop3d processes after the login', 1 if as_user else 2, len(pids))
        for pid in pids:
            with open('/proc/%d/limits' % pid) as f:
                core = [ln.split()[4:6] for ln in f if ln.startswith('Max core file size')]
            expect_eq('pid %d: RLIMIT_CORE (soft, hard)' % pid, [['0', '0']], core)
            with open('/proc/%d/status' % pid) as f:
                uid = int([ln for ln in f if ln.startswith('Uid:')][0].split()[1])
            # The kernel gives the /proc files of a process that is not
            # dumpable to root: that is how its flag shows from outside.
            if uid != 0:
                expect_eq('pid %d (uid %d): owner of /proc/PID/environ (root: not dumpable)' % (pid, uid),
                          0, os.stat('/proc/%d/environ' % pid).st_uid)
        s.send(b'QUIT\r\n')
        s.expect(b'+OK Bye.\r\n')
        R.check_exit(s.finish())
    finally:
        if s.p.poll() is None:
            s.kill()


@test('security:no-core-dumps')
def _():
    # SECURITY CONSIDERATIONS: no core files (they would hold passwords and
    # mail): every process has RLIMIT_CORE 0 and is not dumpable, so not
    # even a core_pattern pipe gets a dump (unless fs.suid_dumpable is 2).
    if not R.Config.root:
        raise R.Skip('needs root to see the processes of other users')
    no_core_dumps(as_user=False)


@test('security:no-core-dumps-nonroot')
def _():
    if not R.Config.root:
        raise R.Skip('needs root to start pop3d as another user')
    no_core_dumps(as_user=True)
