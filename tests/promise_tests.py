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


@test('build:install-layout')
def _():
    # README (Building and installing): what `make install` puts where,
    # with PREFIX and DESTDIR, and the directories it creates.
    dest = os.path.join(R.Config.base, 'stage')
    env = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')}
    p = subprocess.run(['make', '-C', TOP, 'install', 'PREFIX=/usr', 'DESTDIR=' + dest],
                       capture_output=True, env=env, timeout=300)
    if p.returncode != 0:
        raise Fail('make install failed', p.stderr.decode('utf-8', 'replace')[-1500:])
    want = {'usr/sbin/pop3d': 0o755, 'usr/share/man/man8/pop3d.8': 0o644,
            'usr/sbin/pop3d-tls': 0o755,
            'usr/share/doc/pop3d/examples/pop3d.inetd': 0o644,
            'usr/share/doc/pop3d/examples/pop3d.xinetd': 0o644,
            'usr/share/doc/pop3d/examples/pop3d.socket': 0o644,
            'usr/share/doc/pop3d/examples/pop3d@.service': 0o644,
            'usr/share/doc/pop3d/examples/fail2ban/filter.conf': 0o644,
            'usr/share/doc/pop3d/examples/fail2ban/jail.conf': 0o644,
            'var/lib/pop3d': 0o755, 'var/cache/pop3d': 0o711,
            'var/lib/pop3d-tls': 0o700}
    got = {}
    for rel in want:
        try:
            got[rel] = os.stat(os.path.join(dest, rel)).st_mode & 0o7777
        except FileNotFoundError:
            got[rel] = None
    expect_eq('installed files and modes', want, got)
    expect_eq('installed manual page', read_top('man/pop3d.8'),
              open(os.path.join(dest, 'usr/share/man/man8/pop3d.8')).read())
    # pop3d-tls: man pop3d-tls finds the same page.
    expect_eq('pop3d-tls.8', 'pop3d.8',
              os.readlink(os.path.join(dest, 'usr/share/man/man8/pop3d-tls.8')))
    expect_eq('installed pop3d-tls', open(os.path.join(TOP, 'pop3d-tls'), 'rb').read(),
              open(os.path.join(dest, 'usr/sbin/pop3d-tls'), 'rb').read())


@test('docs:make-check-targets')
def _():
    # README (Testing): the list of what `make check` runs is the
    # Makefile's.
    readme = read_top('README.md')
    section = readme[readme.index('## Testing'):readme.index('## Performance')]
    listed = set(re.findall(r'^- `(check-[a-z]+)`', section, re.M))
    expect_eq('README Testing list vs the check target', sorted(make_check_targets()), sorted(listed))


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


# Larger mappings are reserved address space (AddressSanitizer's shadow
# memory is terabytes of it), not data a password could be copied into.
MAPPING_MAX = 256 << 20


def family_pids(pid):
    """pid and every process descended from it, whatever its group (the
    pre-login process has a process group of its own)."""
    children = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d, 'rb') as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(b')') + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def memory_holds(pid, needles):
    """Which of needles are in the writable memory of pid (where a copy
    of a password could be)."""
    found = set()
    with open('/proc/%d/maps' % pid) as f:
        maps = f.read().split('\n')
    fd = os.open('/proc/%d/mem' % pid, os.O_RDONLY)
    try:
        for ln in maps:
            parts = ln.split()
            if len(parts) < 2 or not parts[1].startswith('rw'):
                continue
            lo, hi = (int(x, 16) for x in parts[0].split('-'))
            if hi - lo > MAPPING_MAX:
                continue
            pos = lo
            while pos < hi:
                n = min(hi - pos, 1 << 20)
                try:
                    chunk = os.pread(fd, min(n + 64, hi - pos), pos)
                except OSError:
                    break
                if not chunk:
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
        pids = family_pids(s.p.pid)
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


def proc_ids(pid):
    """(uids, gids, supplementary groups) of a process."""
    with open('/proc/%d/status' % pid) as f:
        st = dict(ln.split(':', 1) for ln in f.read().split('\n') if ':' in ln)
    return ([int(x) for x in st['Uid'].split()], [int(x) for x in st['Gid'].split()],
            sorted(int(x) for x in st['Groups'].split()))


@test('privsep:process-identities')
def _():
    # README (Deployment) and SECURITY CONSIDERATIONS: started as root, the
    # pre-login process runs as --privsep-user (default pop3d if it exists,
    # else nobody) with its primary group only, chrooted to --chroot (made
    # 0755 if missing); the session runs as the user with no supplementary
    # groups; the monitor stays root.
    if not R.Config.root:
        raise R.Skip('privilege separation needs root')
    import pwd
    try:
        pre = pwd.getpwnam('pop3d')
    except KeyError:
        pre = pwd.getpwnam('nobody')
    env = R.Env('privsep-ids')
    env.put_mailbox(R.fixture('F1.mbox'))
    chroot = env.dir + '.chroot'
    s = env.session(args=['--chroot=' + chroot])
    try:
        s.expect(R.GREETING)
        monitor = s.p.pid
        expect_eq('monitor ids', ([0] * 4, [0] * 4), proc_ids(monitor)[:2])
        unprivileged = [p for p in family_pids(monitor) if proc_ids(p)[0][0] != 0]
        expect_eq('unprivileged processes before the login', 1, len(unprivileged))
        child = unprivileged[0]
        expect_eq('pre-login process ids', ([pre.pw_uid] * 4, [pre.pw_gid] * 4, [pre.pw_gid]), proc_ids(child))
        expect_eq('pre-login process root directory', chroot, os.readlink('/proc/%d/root' % child))
        st = os.stat(chroot)
        expect_eq('chroot directory made: owner, mode', (0, 0o40755), (st.st_uid, st.st_mode))
        s.send(R.LOGIN)
        s.expect(R.login_reply(2, 52))
        unprivileged = [p for p in family_pids(monitor) if proc_ids(p)[0][0] != 0]
        expect_eq('unprivileged processes after the login', 1, len(unprivileged))
        session = unprivileged[0]
        u, g = R.Config.uid, R.Config.gid
        expect_eq('session ids', ([u] * 4, [g] * 4, [g]), proc_ids(session))
        s.send(b'QUIT\r\n')
        s.expect(b'+OK Bye.\r\n')
        R.check_exit(s.finish())
    finally:
        if s.p.poll() is None:
            s.kill()


def logged_rip(env, extra_env, args=(), family=None):
    """The rip= of the login line of a session on a pipe, or on a TCP
    connection over loopback (family AF_INET or AF_INET6 dual-stack)."""
    import socket
    e = {k: v for k, v in os.environ.items() if k not in ('REMOTE_ADDR', 'TCPREMOTEIP', 'REMOTE_HOST')}
    e.update(extra_env)
    argv = env.argv(list(args), debug=True)
    if family is None:
        p = subprocess.run(argv, input=R.LOGIN + b'QUIT\r\n', capture_output=True, env=e, timeout=30)
        out, err = p.stdout, p.stderr
    else:
        lst = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET6:
            lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            lst.bind(('::', 0))
        else:
            lst.bind(('127.0.0.1', 0))
        lst.listen(1)
        cli = socket.create_connection(('127.0.0.1', lst.getsockname()[1]), timeout=30)
        conn, _ = lst.accept()
        lst.close()
        p = subprocess.Popen(argv, stdin=conn, stdout=conn, stderr=subprocess.PIPE, env=e)
        conn.close()
        cli.sendall(R.LOGIN + b'QUIT\r\n')
        out = b''
        while True:
            chunk = cli.recv(65536)
            if not chunk:
                break
            out += chunk
        cli.close()
        err = p.communicate(timeout=30)[1]
    expect_eq('session output', R.GREETING + R.login_reply(2, 52) + b'+OK Bye.\r\n', out)
    m = re.findall(rb'login: rip=(\S+) user=alice ', err)
    if not m:
        raise Fail('no login line', R.esc(err[-600:], 800))
    return m[-1].decode()


@test('log:client-address')
def _():
    # ENVIRONMENT and DIAGNOSTICS: the address comes from getpeername() on
    # a TCP socket (an IPv4-mapped address shown as IPv4), else from the
    # first of REMOTE_ADDR, TCPREMOTEIP, REMOTE_HOST that holds a numeric
    # address, else "unknown"; --trust-env-address puts the environment
    # first even on a TCP socket.
    import socket
    env = R.Env('log-rip')
    env.put_mailbox(R.fixture('F1.mbox'))
    cases = [({}, 'unknown'),
             ({'REMOTE_ADDR': '192.0.2.1', 'TCPREMOTEIP': '192.0.2.2', 'REMOTE_HOST': '192.0.2.3'}, '192.0.2.1'),
             ({'TCPREMOTEIP': '192.0.2.2', 'REMOTE_HOST': '192.0.2.3'}, '192.0.2.2'),
             ({'REMOTE_HOST': '2001:db8::1'}, '2001:db8::1'),
             ({'REMOTE_ADDR': 'client.example.org', 'REMOTE_HOST': '192.0.2.3'}, '192.0.2.3'),
             ({'REMOTE_ADDR': '192.0.2.1 ; x'}, 'unknown')]
    for extra, want in cases:
        expect_eq('rip with %r on a pipe' % extra, want, logged_rip(env, extra))
    expect_eq('rip on a TCP socket, REMOTE_ADDR set', '127.0.0.1',
              logged_rip(env, {'REMOTE_ADDR': '192.0.2.9'}, family=socket.AF_INET))
    expect_eq('rip on a TCP socket with --trust-env-address', '192.0.2.9',
              logged_rip(env, {'REMOTE_ADDR': '192.0.2.9'}, ['--trust-env-address'], family=socket.AF_INET))
    expect_eq('rip on a TCP socket with --trust-env-address, nothing in the environment', '127.0.0.1',
              logged_rip(env, {}, ['--trust-env-address'], family=socket.AF_INET))
    if socket.has_ipv6:
        expect_eq('rip of an IPv4-mapped IPv6 peer', '127.0.0.1', logged_rip(env, {}, family=socket.AF_INET6))


def no_core_dumps(as_user):
    env = R.Env('nocore')
    env.put_mailbox(R.fixture('F1.mbox'))
    s = env.session(as_user=as_user)
    try:
        s.expect(R.GREETING)
        s.send(R.LOGIN)
        s.expect(R.login_reply(2, 52))
        pids = family_pids(s.p.pid)
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


# ----------------------------------------------------------------- the map

SUITES = ('run', 'safety', 'launchers', 'clients', 'fuzz', 'make')
REF_RE = re.compile(r'`(%s):([^`]+)`' % '|'.join(SUITES))


def safety_names():
    """The names tests/safety/run registers, from its own registration."""
    code = ('import contextlib, io, runpy\n'
            'ns = runpy.run_path(%r, run_name="safety")\n'
            'with contextlib.redirect_stdout(io.StringIO()):\n'
            '    ns["main"]()\n'
            'print("\\n".join(n for n, _ in ns["TESTS"]))\n') % os.path.join(TOP, 'tests', 'safety', 'run')
    env = dict(os.environ, POP3D=R.Config.pop3d, SAFETY_FILTER='\x01')
    p = subprocess.run(['python3', '-c', code], capture_output=True, env=env, timeout=120,
                       cwd=os.path.join(TOP, 'tests', 'safety'))
    if p.returncode != 0:
        raise Fail('cannot list the safety suite\'s tests', p.stderr.decode('utf-8', 'replace')[-1500:])
    return set(p.stdout.decode().split('\n')) - {''}


def shell_default_list(path, var):
    """The default word list of VAR=${*:-...} in a run script."""
    m = re.search(var + r'=\$\{\*:-([^}]*)\}', read_top(path))
    return set(m.group(1).split()) if m else set()


def make_check_targets():
    m = re.search(r'^check:((?:[^\n]*\\\n)*[^\n]*)', read_top('Makefile'), re.M)
    return set(m.group(1).replace('\\\n', ' ').split()) if m else set()


@test('promises:map-names-existing-tests')
def _():
    # tests/promises.md names, for every promise of README.md and
    # man/pop3d.8, the tests that check it.  A test renamed or removed
    # must not leave a promise pointing at nothing.
    text = read_top('tests/promises.md')
    refs = REF_RE.findall(text)
    if len(refs) < 100:
        raise Fail('tests/promises.md names only %d tests' % len(refs))
    known = {'run': {t[0] for t in R.TESTS}}
    missing = []
    for suite, name in refs:
        if suite == 'safety' and 'safety' not in known:
            known['safety'] = safety_names()
        if suite == 'launchers' and suite not in known:
            known[suite] = shell_default_list('tests/launchers/run', 'tests')
        if suite == 'clients' and suite not in known:
            known[suite] = shell_default_list('tests/clients/run', 'clients')
        if suite == 'make' and suite not in known:
            known[suite] = make_check_targets()
        if suite == 'fuzz':
            ok = os.path.exists(os.path.join(TOP, 'fuzz', name + '.c')) and name in read_top('fuzz/Makefile')
        else:
            ok = name in known[suite]
        if not ok:
            missing.append('%s:%s' % (suite, name))
    if missing:
        raise Fail('tests/promises.md names %d tests that do not exist' % len(missing),
                   '\n'.join(sorted(set(missing))))
