#!/usr/bin/env python3
"""The protocol explorer (issue 11): schedules of concurrent events run
against the real binaries, every reply and every state of the mailbox
file compared with the reference model in model.py.

    tests/explorer/explorer.py [--quick | --long] [options]

    --quick           the deterministic subset `make check` runs (< 90 s)
    --long            the long run of `make torture`
    --case NAME       run the named cases (substring match; repeatable);
                      --list prints the names
    --seed N          one random schedule with seed N (--random COUNT for
                      COUNT seeds from N on)
    --time-limit S    stop starting schedules after S seconds
    --fs ext4-1s      run every schedule on a loop-mounted ext4 image with
                      1-second time stamps (needs root and a loop device;
                      by default only s4 and, with --long, odd random
                      seeds use it)
    --verbose         print every schedule, not only the failing ones
    --keep            keep the temporary directory

Environment: POP3D (default ./pop3d), POP3D_FAULT (./pop3d-fault).

A schedule is a mailbox and a list of events, printed one per line:

    S1 login [fault k]   a pop3d session logs in (pop3d-fault, dying at
                         the k-th write/fsync/truncate of its update)
    S1 DELE 2            a command and its reply (LIST, UIDL, RETR, TOP,
                         DELE, RSET, STAT, NOOP)
    S1 QUIT              the update; with a fault: it may die
    S1 vanish            the client closes the connection
    deliver E by AGENT   a real delivery agent appends message E
                         (procmail, dotlockfile, pymbox, pad)
    append-raw Z         message Z appended without a final newline
    recover              pop3d --recover MAILBOX
    restore R            the file rewritten in place (same inode)
    replace R            a new file renamed over the mailbox
    recreate R           the mailbox removed and created again (the inode
                         number is often reused)
    truncate N           the file cut to its first N messages
    race S1 login / S2 QUIT
                         S1's PASS waits for the locks the explorer holds,
                         then S2's QUIT takes them (scenario 3)
    final                pop3d --recover, then the file must be one the
                         model allows, with no journal and no dotlock

Messages are letters from catalogue() (A..H distinct, S with a Status
field, Y and Z without a final newline, N the size of A, F1 F3 FU FE with
From_ lines the old and new rules disagree on).
After every event the file is compared with the model too.

Cases that fail on the code before the issue-11 fixes are listed in
EXPECTED_FAIL: they are run and reported as "XFAIL" (an unexpected pass
is "XPASS", printed but not a failure).  Remove a name from the list when
its fix lands.  Output ends with "N passed, N failed".
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'safety'))
sys.dont_write_bytecode = True

import lib  # noqa: E402
import model  # noqa: E402
from model import Model, Reply  # noqa: E402

# The cases that fail on the code before the issue-11 fixes (scenario
# number in the name), as far as main has not fixed them yet.  The lead
# removes a name when its fix lands; a case listed here that passes is
# reported as XPASS.  Already removed, since they pass on main (and fail on
# 2871b38, the code before the fixes): s1-crash-then-delivery,
# crash-recover-then-login (bed3255), s3-journal-during-lock-wait
# (52e9123), s2-identical-copies, s4-one-second-timestamps,
# s6-no-final-newline, s7-uidl-after-other-delete (and /index-warm),
# copies-separated, and the families enum-* and random/* (1956e4a),
# s8-from-rule/* (9047d31), restore-during-session and random/seed=158
# (the read-ahead forgotten before a command the client waited for),
# s5-restore-after-crash and s5-recreate-after-crash (each step also
# checks the partial blocks at its edges).
EXPECTED_FAIL = set()


# ---- messages ---------------------------------------------------------------

def _msg(tag, n, body_lines, extra=b'', fline=None, final_newline=True):
    content = (b'Subject: %s\nMessage-ID: <%s@explorer.test>\n%sX-Marker: %s\n\n'
               % (tag.encode(), tag.encode(), extra, tag.encode()))
    content += b''.join(b'%s line %d\n' % (tag.encode(), j) for j in range(body_lines))
    if not final_newline:
        content = content[:-1]
    fl = fline or lib.from_line(tag.lower(), n)
    return lib.Msg(tag, content, fl)


def catalogue():
    c = {}
    for i, tag in enumerate('ABCDEFGH'):
        c[tag] = _msg(tag, i + 1, 2 + 3 * i)
    c['S'] = _msg('S', 20, 4, extra=b'Status: RO\n')
    c['Z'] = _msg('Z', 26, 3, final_newline=False)
    c['Y'] = _msg('Y', 25, 2, final_newline=False)
    # From_ lines: the new rule takes two spaces between weekday and
    # month, and refuses unquoted spaces in the sender or an empty one
    c['F1'] = _msg('F1', 30, 2, fline=b'From bob@example.org Mon  Jan  5 10:00:00 2024')
    # (F1, F3, FU, FE: for scenario 8)
    c['FU'] = lib.Msg('FU', b'Subject: FU\nX-Marker: FU\n\nnotes\n\n'
                      b'From my notes on Mon Jan  5 10:00 2024\nmore notes\n',
                      lib.from_line('fu', 31))
    c['FE'] = lib.Msg('FE', b'Subject: FE\nX-Marker: FE\n\nnotes\n\n'
                      b'From  Mon Jan  5 10:00:00 2024\nend\n', lib.from_line('fe', 33))
    c['F3'] = _msg('F3', 32, 2, fline=b'From "john doe"@example.org Tue Feb 13 08:01 2024')
    # N: same size on disk as A, for a same-size delivery (scenario 4)
    a = c['A']
    n = _msg('N', 1, 2)
    n.content = n.content[:-1]
    pad = len(a.fline) + len(a.content) - len(n.fline) - len(n.content) - 1
    n.content += b'x' * pad + b'\n'
    assert len(n.region) == len(a.region)
    c['N'] = n
    return c


CAT = catalogue()


def mbox_of(letters):
    """The file for a list of letters; a message without a final newline
    is stored without one (it must then be the last)."""
    out = []
    for t in letters:
        m = CAT[t]
        if m.content.endswith(b'\n'):
            out.append(m.region)
        else:
            out.append(m.fline + b'\n' + m.content)
    return b''.join(out)


# ---- events -----------------------------------------------------------------

class Ev:
    """One event: kind, session name, argument; printed as it reads."""

    def __init__(self, kind, who=None, arg=None, fault=None, index=False,
                 same_inode=False):
        self.kind, self.who, self.arg, self.fault, self.index = kind, who, arg, fault, index
        self.same_inode = same_inode    # recreate: retry unless the inode is reused

    def __str__(self):
        k = self.kind
        if k == 'login':
            s = '%s login' % self.who
            if self.fault is not None:
                s += ' [fault %d]' % self.fault
            if self.index:
                s += ' [index]'
            return s
        if k == 'cmd':
            return '%s %s' % (self.who, self.arg)
        if k in ('quit', 'vanish'):
            return '%s %s' % (self.who, 'QUIT' if k == 'quit' else 'vanish')
        if k == 'deliver':
            return 'deliver %s by %s' % (self.arg[1], self.arg[0])
        if k == 'race':
            return 'race %s login / %s QUIT' % self.who
        if k in ('restore', 'replace', 'recreate'):
            return '%s %s%s' % (k, ' '.join(self.arg), ' [same inode number wanted]'
                                if self.same_inode else '')
        if k == 'truncate':
            return 'truncate %d' % self.arg
        if k == 'append-raw':
            return 'append-raw %s' % self.arg
        if k == 'recover':
            return 'recover' + ('' if self.fault is None else ' [fault %d]' % self.fault)
        if k == 'same-second':
            return 'check: still the same second (else the try is repeated)'
        return k


def login(who, fault=None, index=False):
    return Ev('login', who, fault=fault, index=index)


def cmd(who, line):
    return Ev('cmd', who, line)


def quit_(who):
    return Ev('quit', who)


def deliver(letter, agent='dotlockfile'):
    return Ev('deliver', arg=(agent, letter))


class Schedule:
    def __init__(self, name, mailbox, events, fs='usual', family=None, retries=1):
        self.name = name
        self.mailbox = mailbox
        self.events = events
        self.fs = fs
        self.family = family or name
        self.retries = retries

    def __str__(self):
        return '\n'.join(['schedule %s (fs %s)' % (self.name, self.fs),
                          '  mailbox: %s' % ' '.join(self.mailbox)] +
                         ['  %2d. %s' % (i, e) for i, e in enumerate(self.events, 1)])


class Retry(Exception):
    pass


class Mismatch(Exception):
    pass


# ---- the real side ------------------------------------------------------------

class Runner:
    """The binaries, the mailbox and the sessions of one schedule."""

    def __init__(self, ctx, sched, base):
        self.ctx = ctx
        ctx.n += 1
        self.env = lib.Env(base, '%05d' % ctx.n, ctx.pop3d, ctx.fault)
        self.env.write(mbox_of(sched.mailbox))
        self.sessions = {}
        self.rc = os.path.join(self.env.dir, 'procmailrc')
        with open(self.rc, 'w') as f:
            f.write('SHELL=/bin/sh\nDEFAULT=%s\nLOCKSLEEP=1\nVERBOSE=off\n' % self.env.path)
        self.index_dir = os.path.join(self.env.dir, 'index')
        self.holding = None

    def close(self):
        for s in self.sessions.values():
            s.kill()
        self.release()

    # sessions
    def start(self, ev):
        args = ['--index-dir=' + (self.index_dir if ev.index else 'none')]
        binary = self.ctx.fault if ev.fault is not None else self.ctx.pop3d
        s = self.env.session(binary, ev.fault, args)
        self.sessions[ev.who] = s
        g = s.readline(30)
        lib.expect(g, lib.GREETING, 'greeting')
        st, _ = s.cmd(b'USER alice', timeout=30)
        lib.expect(st, b'+OK Send your password.\r\n', 'USER')
        s.send(b'PASS secret')
        return s

    def read_status(self, who, timeout=60):
        s = self.sessions[who]
        st = s.readline(timeout)
        if st == b'':
            self._dead(who)
            return b'', None, True
        return st, None, False

    def _dead(self, who):
        """The connection closed: wait for pop3d to exit (its monitor
        removes a dotlock a dead session left) before going on."""
        s = self.sessions.pop(who)
        try:
            s.wait(30)
        finally:
            s.kill()

    def alive(self, who):
        return who in self.sessions

    def command(self, who, line, multi):
        s = self.sessions[who]
        s.send(line.encode())
        st = s.readline(60)
        if st == b'':
            self._dead(who)
            return b'', None, True
        if not (multi and st.startswith(b'+OK')):
            return st, None, False
        try:
            body = s.read_multi(60)
        except lib.Fail:
            if not s.eof:
                raise
            self._dead(who)     # closed before the final "."
            return st, None, True
        return st, body, False

    def quit(self, who):
        s = self.sessions[who]
        s.send(b'QUIT')
        st = s.readline(120)
        self._dead(who)
        return st, None, st == b''

    def vanish(self, who):
        s = self.sessions.pop(who)
        s.wait(30)
        s.kill()

    # other programs
    def deliver(self, agent, letter):
        m = CAT[letter]
        py = sys.executable
        if os.geteuid() == 0:   # the user may not reach root's Python
            py = shutil.which('python3', path='/usr/bin:/bin') or py
        argv = [py, os.path.join(HERE, 'mda.py'), agent, self.env.path, self.rc]
        r = subprocess.run(argv, input=m.delivered, capture_output=True, timeout=120,
                           **self.env.as_user())
        out = r.stdout.decode(errors='replace').strip()
        if not out.startswith('ok '):
            raise Mismatch('delivery by %s failed: %s %s' % (agent, out, r.stderr[-300:]))
        return int(out.split()[1])

    def hold(self):
        """Both locks, the way a delivery agent takes them."""
        import fcntl
        fd = os.open(self.env.path, os.O_WRONLY | os.O_APPEND)
        deadline = time.monotonic() + 30
        while True:
            try:
                lfd = os.open(self.env.lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(lfd, b'%d\n' % os.getpid())
                os.close(lfd)
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except FileExistsError:
                pass
            except OSError:
                os.unlink(self.env.lock)
            if time.monotonic() > deadline:
                os.close(fd)
                raise Mismatch('explorer could not take the locks')
            time.sleep(0.05)
        self.holding = fd
        return fd

    def release(self):
        import fcntl
        if self.holding is None:
            return
        fcntl.lockf(self.holding, fcntl.LOCK_UN)
        os.close(self.holding)
        self.holding = None
        if os.path.lexists(self.env.lock):
            os.unlink(self.env.lock)

    def append_raw(self, data):
        fd = self.hold()
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            self.release()

    def restore(self, data):
        self.env.write(data)

    def replace(self, data):
        tmp = self.env.path + '.new'
        self.env.write(data, path=tmp)
        os.rename(tmp, self.env.path)

    def recreate(self, data):
        """The mailbox removed, a new file renamed into its place; of up to
        64 new files the one that got the old inode number, if any."""
        ino = os.stat(self.env.path).st_ino
        os.unlink(self.env.path)
        made = []
        for i in range(64):
            tmp = '%s.new%d' % (self.env.path, i)
            self.env.write(data, path=tmp)
            made.append(tmp)
            if os.stat(tmp).st_ino == ino:
                break
        os.rename(made[-1], self.env.path)
        for tmp in made[:-1]:
            os.unlink(tmp)

    def recover(self, fault=None):
        envv = dict(os.environ)
        envv.pop('POP3D_FAULT_AFTER', None)
        binary = self.ctx.pop3d
        if fault is not None:
            envv['POP3D_FAULT_AFTER'] = str(fault)
            binary = self.ctx.fault
        r = subprocess.run([binary, '--recover', self.env.path], capture_output=True,
                           timeout=120, env=envv)
        return r.returncode, r.stdout, r.stderr

    def file(self):
        try:
            data = self.env.read()
        except FileNotFoundError:
            data = None
        return data, self.env.journal_left(), self.env.lock_left()


# ---- running one schedule -----------------------------------------------------

def multi_line(line):
    w = line.split()
    return w[0] in ('RETR', 'TOP') or (w[0] in ('LIST', 'UIDL') and len(w) == 1)


def show(obs):
    st, body, hung = obs
    if hung:
        return '<connection closed>' + (' after %s' % lib.short(st) if st else '')
    s = lib.short(st.rstrip(b'\r\n'), 200)
    if body is not None:
        s += ' + %d octets %s' % (len(body), lib.short(body, 200))
    return s


class Play:
    """One schedule: the model and the runner in step."""

    def __init__(self, ctx, sched, base):
        self.ctx = ctx
        self.sched = sched
        self.run = Runner(ctx, sched, base)
        self.model = Model(mbox_of(sched.mailbox))
        self.log = []
        self.died = False       # a fault-build process died at its point
        self.last_died = False  # ... in the last event that ran one
        # pop3d --recover killed at its fault point leaves its dotlock (no
        # monitor removes it; it holds a dead pid, so it is stale)
        self.stale_lock_ok = False

    def accept(self, ev, obs, replies_of):
        """Keeps the worlds in which obs is an acceptable reply."""
        self.log.append('%s  -> %s' % (ev, show(obs)))
        out, offered = [], []
        for w in self.model.worlds:
            for r in replies_of(w):
                offered.append(str(r))
                if r.matches(*obs):
                    out += r.then(w) if r.then else [w]
        if not out:
            self.log[-1] += '   <-- not allowed by the model'
            raise Mismatch('%s: got %s; the model allows: %s' % (
                ev, show(obs), ' | '.join(sorted(set(offered)))[:1500]))
        self.model.worlds = self.model._dedupe(out)

    def check_file(self, ev, final=False):
        data, journal, lock = self.run.file()
        if lock and self.run.holding is None and not self.stale_lock_ok:
            raise Mismatch('after %s: a dotlock was left' % ev)
        keep = []
        for w in self.model.worlds:
            if w.pending is not None:
                if final:
                    continue
                keep.append(w)
            elif w.data == (data if data is not None else b'') and (
                    not journal or (w.stale_journal and not final)):
                keep.append(w)
        if not keep:
            self.log.append('   <-- the file after this event is not allowed by the model')
            allowed = [w.data for w in self.model.worlds if w.pending is None]
            why = 'journal left' if journal else describe_diff(data, allowed)
            raise Mismatch('after %s: the file is not one the model allows (%s)' % (ev, why))
        self.model.worlds = keep

    def step(self, ev):
        r, m = self.run, self.model
        k = ev.kind
        if ev.who and k in ('cmd', 'quit', 'vanish') and not r.alive(ev.who):
            self.log.append('%s  (skipped: %s is closed)' % (ev, ev.who))
            return
        if k in ('login', 'quit', 'recover', 'final', 'race', 'deliver'):
            self.stale_lock_ok = False
        if k == 'login':
            r.start(ev)
            obs = r.read_status(ev.who)
            self.accept(ev, obs, lambda w: Model.login_replies(
                w, ev.who, ev.fault is not None))
            self.fault_ran(ev.fault is not None, obs[2])
        elif k == 'cmd':
            verb, *args = ev.arg.split()
            obs = r.command(ev.who, ev.arg, multi_line(ev.arg))
            self.accept(ev, obs, lambda w: m.command_replies(w, ev.who, verb, args))
        elif k == 'quit':
            fault = ev.who in self.faulty
            obs = r.quit(ev.who)
            self.accept(ev, obs, lambda w: m.quit_replies(w, ev.who, fault))
            self.fault_ran(fault, obs[2])
        elif k == 'vanish':
            r.vanish(ev.who)
            obs = (b'', None, True)

            def gone(w):
                w = w.copy()
                w.views[ev.who].alive = False
                return [w]
            m.worlds = m.filter(gone)
        elif k == 'deliver':
            agent, letter = ev.arg
            pad = r.deliver(agent, letter)
            obs = (b'ok %d' % pad, None, False)
            self._append(ev, CAT[letter].delivered + b'\n', agent == 'pad', pad)
        elif k == 'append-raw':
            msg = CAT[ev.arg]
            data, _, _ = r.file()
            pad = pad_for(data or b'')
            raw = pad + msg.fline + b'\n' + msg.content
            if not any(w.pending is None for w in m.worlds):
                self.log.append('%s  (skipped: a crashed update is pending)' % ev)
                return
            r.append_raw(raw)
            obs = (b'appended %d' % len(raw), None, False)
            self._append(ev, msg.fline + b'\n' + msg.content, True, len(pad))
        elif k in ('restore', 'replace', 'recreate'):
            data = mbox_of(ev.arg)
            ino = os.stat(r.env.path).st_ino
            getattr(r, k)(data)
            same = os.stat(r.env.path).st_ino == ino
            obs = (b'%d octets written, %s inode number' % (
                len(data), b'same' if same else b'another'), None, False)
            if k == 'recreate' and ev.same_inode and not same:
                raise Retry('the new file got another inode number')

            def put(w):
                w = w.copy()
                if k != 'restore':
                    for v in w.views.values():
                        v.detached = True
                if w.pending is not None:
                    w.stale_journal = True
                w.pending = None
                w.data = data
                return [w]
            m.worlds = m.filter(put)
        elif k == 'truncate':
            if any(w.pending is not None for w in m.worlds):
                self.log.append('%s  (skipped: a crashed update is pending)' % ev)
                return
            data, _, _ = r.file()
            msgs = model.parse(data)
            cut = msgs[ev.arg].start if ev.arg < len(msgs) else len(data)
            os.truncate(r.env.path, cut)
            obs = (b'cut at %d' % cut, None, False)

            def cutw(w):
                w = w.copy()
                w.data = w.data[:cut]
                return [w]
            m.worlds = m.filter(cutw)
        elif k in ('recover', 'final'):
            rc, out, err = r.recover(ev.fault)
            obs = (out, None, rc != 0)
            self.accept(ev, obs, lambda w: recover_replies(w, r.env.path, ev.fault))
            self.fault_ran(ev.fault is not None, obs[2])
            self.stale_lock_ok = obs[2] and ev.fault is not None
            if k == 'final':
                self.check_file(ev, final=True)
        elif k == 'race':
            self.race(ev)
            obs = None
        elif k == 'same-second':
            if not self.same_second():
                raise Retry('the second changed during the schedule')
            obs = (b'same second', None, False)
        else:
            raise ValueError(k)
        if obs is not None and k not in ('login', 'cmd', 'quit', 'recover', 'final'):
            self.log.append('%s  -> %s' % (ev, show(obs)))
        if k not in ('final',):
            self.check_file(ev)

    def fault_ran(self, fault, died):
        if fault:
            self.died |= died
            self.last_died = died

    def _append(self, ev, data, padded, pad):
        def app(w):
            w = w.copy()
            if w.pending is not None:
                pre, post, tail = w.pending
                p = b'\n' * pad if padded else b''
                w.pending = (pre, post, tail + p + data)
                return [w]
            p = pad_for(w.data) if padded else b''
            if padded and len(p) != pad:
                return []
            w.data = w.data + p + data
            return [w]
        m = self.model
        m.worlds = m.filter(app)
        if not m.worlds:
            raise Mismatch('%s: the agent added %d newlines, which no world expects'
                           % (ev, pad))

    def race(self, ev):
        """S_a's PASS waits while the explorer holds the locks; then S_b's
        QUIT is sent the moment they are released, so that it (almost
        always) takes them first.  The model allows both orders; the case
        is repeated if S_a went first."""
        a, b = ev.who
        r, m = self.run, self.model
        r.hold()
        r.start(login(a, fault=None))
        time.sleep(0.2)         # a's PASS reaches the lock wait
        fault = b in self.faulty
        r.release()
        r.sessions[b].send(b'QUIT')   # its first try comes before a's next
        st_b = r.sessions[b].readline(120)
        r._dead(b)
        obs_b = (st_b, None, st_b == b'')
        self.fault_ran(fault, obs_b[2])
        obs_a = r.read_status(a)
        self.log.append('%s  -> %s QUIT: %s; %s PASS: %s' % (ev, b, show(obs_b), a, show(obs_a)))
        out_b_first, out_a_first = [], []
        for w in m.worlds:
            for rb in m.quit_replies(w, b, fault):
                if rb.matches(*obs_b):
                    for w1 in rb.then(w):
                        for ra in Model.login_replies(w1, a, False):
                            if ra.matches(*obs_a):
                                out_b_first += ra.then(w1)
            for ra in Model.login_replies(w, a, False):
                if ra.matches(*obs_a):
                    for w1 in ra.then(w):
                        for rb in m.quit_replies(w1, b, fault):
                            if rb.matches(*obs_b):
                                out_a_first += rb.then(w1)
        if not out_b_first and not out_a_first:
            raise Mismatch('%s: %s QUIT got %s and %s PASS got %s; no order of the two '
                           'gives that in the model' % (ev, b, show(obs_b), a, show(obs_a)))
        if not out_b_first and self.sched.retries > 1:
            raise Retry('%s logged in before %s took the locks' % (a, b))
        m.worlds = m._dedupe(out_b_first + out_a_first)

    def same_second(self):
        st = os.stat(self.run.env.path)
        return st.st_mtime_ns // 10**9 == self.t0 and st.st_ctime_ns // 10**9 == self.t0

    def play(self):
        self.faulty = {e.who: e.fault for e in self.sched.events
                       if e.kind == 'login' and e.fault is not None}
        st = os.stat(self.run.env.path)
        self.t0 = st.st_mtime_ns // 10**9
        try:
            for ev in self.sched.events:
                self.step(ev)
        finally:
            self.run.close()


def pad_for(data):
    if not data or data.endswith(b'\n\n'):
        return b''
    return b'\n' if data.endswith(b'\n') else b'\n\n'


def recover_replies(w, path, fault):
    done = b'%s: finished an interrupted update\n' % path.encode()
    none = b'%s: nothing to recover\n' % path.encode()
    out = []
    for r in w.replayed():
        if w.pending is None and not w.stale_journal:
            out.append(Reply(none, then=lambda x, r=r: [r]))
        else:
            out.append(Reply(done, then=lambda x, r=r: [r]))
            out.append(Reply(none, then=lambda x, r=r: [r]))
    if fault is not None and w.pending is not None:
        out.append(Reply(Reply.HANGUP, then=lambda x: [x]))
    return out


def describe_diff(data, allowed):
    if data is None:
        return 'the mailbox is missing'
    if not allowed:
        return 'no world allows a file now'
    best = min(allowed, key=lambda a: abs(len(a) - len(data)))
    i = 0
    n = min(len(best), len(data))
    while i < n and best[i] == data[i]:
        i += 1
    got = [lib.marker_of(m.octets) or '?' for m in safe_parse(data)]
    want = [lib.marker_of(m.octets) or '?' for m in safe_parse(best)]
    return ('%d octets, messages %s; the nearest allowed file has %d octets, messages %s;'
            ' first difference at octet %d: got %s, allowed %s; %d allowed files' % (
                len(data), ' '.join(got), len(best), ' '.join(want), i,
                lib.short(data[i:i + 60]), lib.short(best[i:i + 60]), len(allowed)))


def safe_parse(data):
    try:
        return model.parse(data)
    except model.NotMbox:
        return []


# ---- the cases ----------------------------------------------------------------

def fault_family(name, mailbox, make, max_k=60, fs='usual', retries=1, quick_step=1):
    """One schedule per fault point k of an update, from k = 1 until the
    update finishes (make(k) builds the events); with --quick only every
    quick_step-th point."""
    return {'name': name, 'make': make, 'mailbox': mailbox,
            'max_k': max_k, 'fs': fs, 'retries': retries, 'quick_step': quick_step}


def scenario_cases():
    C = []
    # 1: small deletion, crash, delivery, replay
    C.append(fault_family('s1-crash-then-delivery', list('ABCD'), lambda k: [
        login('S1', fault=k), cmd('S1', 'DELE 2'), quit_('S1'),
        deliver('E', 'dotlockfile'), login('S2'), cmd('S2', 'LIST'), quit_('S2'),
        Ev('final')]))
    # 2: byte-identical copies, two sessions delete one each
    C.append(Schedule('s2-identical-copies', list('AAB'), [
        login('S1'), login('S2'), cmd('S1', 'DELE 1'), cmd('S2', 'DELE 1'),
        quit_('S1'), quit_('S2'), Ev('final')]))
    # 3: a journal appears while a login waits for the locks
    C.append(fault_family('s3-journal-during-lock-wait', list('ABCDE'), lambda k: [
        login('S2', fault=k), cmd('S2', 'DELE 1'), Ev('race', ('S1', 'S2')),
        cmd('S1', 'LIST'), cmd('S1', 'DELE 4'), quit_('S1'), login('S3'), cmd('S3', 'UIDL'),
        quit_('S3'),
        Ev('final')], retries=4))
    # 4: time stamps of one second: DELE elsewhere plus a same-size delivery
    C.append(Schedule('s4-one-second-timestamps', list('ABCD'), [
        login('S1'), login('S2'), cmd('S2', 'DELE 1'), quit_('S2'),
        deliver('N', 'dotlockfile'), Ev('same-second'),
        cmd('S1', 'RETR 2'), cmd('S1', 'TOP 3 1'), cmd('S1', 'DELE 2'), quit_('S1'),
        Ev('final')], fs='ext4-1s', retries=6))
    # 5: crash, then the mailbox is restored from a backup (one message's
    # Status field differs: same size) in place, or recreated
    C.append(fault_family('s5-restore-after-crash', list('ABCD'), lambda k: [
        login('S1', fault=k), cmd('S1', 'DELE 1'), quit_('S1'),
        Ev('restore', arg=list('HGFE')), Ev('final')]))
    C.append(fault_family('s5-recreate-after-crash', list('ABCD'), lambda k: [
        login('S1', fault=k), cmd('S1', 'DELE 1'), quit_('S1'),
        Ev('recreate', arg=list('HGFE'), same_inode=True), Ev('final')], retries=6))
    # 6: the last message has no final newline; the MDA adds it; DELE it
    C.append(Schedule('s6-no-final-newline', list('ABZ'), [
        login('S1'), cmd('S1', 'DELE 3'), deliver('E', 'pad'), quit_('S1'),
        Ev('final')]))
    # 7: another session removes one message: UIDL of the others
    C.append(Schedule('s7-uidl-after-other-delete', list('ABCDE'), [
        login('S1'), cmd('S1', 'STAT'), login('S2'), cmd('S2', 'DELE 4'), quit_('S2'),
        cmd('S1', 'UIDL'), cmd('S1', 'UIDL 2'), cmd('S1', 'LIST'), cmd('S1', 'RETR 2'),
        cmd('S1', 'DELE 5'), quit_('S1'), Ev('final')]))
    # 7 with a warm index (the same answers are expected)
    C.append(Schedule('s7-uidl-after-other-delete/index-warm', list('ABCDE'), [
        login('S0', index=True), cmd('S0', 'UIDL'), quit_('S0'),
        login('S1', index=True), cmd('S1', 'STAT'), login('S2'), cmd('S2', 'DELE 4'),
        quit_('S2'), cmd('S1', 'UIDL'), cmd('S1', 'UIDL 2'), cmd('S1', 'LIST'),
        cmd('S1', 'RETR 2'), cmd('S1', 'DELE 5'), quit_('S1'), Ev('final')]))
    # 8: From_ lines the old and the new rule disagree on: a body line
    # after an empty line with an unquoted space in the sender, or an empty
    # sender (not separators), and a From_ line with two spaces between
    # weekday and month (a separator); a quoted sender with a space
    for sub, mb in (('unquoted-spaces', 'FU'), ('empty-sender', 'FE'),
                    ('two-spaces', 'F1'), ('quoted-sender', 'F3')):
        C.append(Schedule('s8-from-rule/' + sub, ['A', mb, 'B'], [
            login('S1'), cmd('S1', 'LIST'), cmd('S1', 'UIDL'), cmd('S1', 'RETR 2'),
            cmd('S1', 'DELE 2'), quit_('S1'), Ev('final')]))
    C += from_line_cases()
    return C


# Lines after an empty line in a body, each unambiguous under pop3d(8)
# MAILBOX FORMAT: (name, line, whether it starts a message).
FROM_LINES = [
    ('plain', b'From bob@example.org Thu Nov 14 09:12:31 2024', True),
    ('quoted', b'From "john doe"@example.org  Fri Jan  5 10:00:00 2024', True),
    ('quoted-alone', b'From "john doe" Fri Jan  5 10:00 2024', True),
    ('mailer-daemon', b'From MAILER-DAEMON Fri Jan 05 10:00:00 2024', True),
    ('zone', b'From a Mon Jan 1 00:00 +0000 2024', True),
    ('after-year', b'From a Sun Dec 31 23:59:59 2024 remote from x', True),
    ('space-runs', b'From a   Mon   Jan   1   00:00   2024', True),
    ('unterminated-quote', b'From "abc Mon Jan 5 10:00 2024', True),
    ('empty-sender', b'From  Mon Jan  5 10:00:00 2024', False),
    ('spaced-sender', b'From my notes on Mon Jan  5 10:00 2024', False),
    ('day-3-digits', b'From a Mon Jan 123 10:00 2024', False),
    ('no-time', b'From a Mon Jan 5 2024', False),
    ('no-year', b'From a Mon Jan 5 10:00', False),
    ('lower-weekday', b'From a mon Jan 5 10:00 2024', False),
    ('long-month', b'From a Mon January 5 10:00 2024', False),
    ('tab', b'From a Mon\tJan 5 10:00 2024', False),
    ('year-before-time', b'From a 2024 Mon Jan 5 10:00', False),
    ('too-long', b'From a Mon Jan 5 10:00 2024 ' + b'x' * 1000, False),
]


def from_line_cases():
    """Each line of FROM_LINES after an empty line inside message X of
    [A X B] (and once with CR LF line ends): the model and pop3d must agree
    on where messages start."""
    out = []
    for name, line, starts in FROM_LINES:
        if model.is_separator(line + b'\n') != starts:     # the model's own check
            raise RuntimeError('model.is_separator disagrees with FROM_LINES on ' + name)
        for crlf in (False, True):
            body = b'Subject: edge\nX-Marker: edge\n\nbefore\n\n' + line + b'\nafter\n'
            if crlf:
                body = body.replace(b'\n', b'\r\n')
            tag = 'E-%s%s' % (name, '-crlf' if crlf else '')
            CAT[tag] = lib.Msg(tag, body, lib.from_line('edge', 40))
            out.append(Schedule('from-line/%s%s' % (name, '/crlf' if crlf else ''),
                                ['A', tag, 'B'], [
                                    login('S1'), cmd('S1', 'LIST'), cmd('S1', 'UIDL'),
                                    cmd('S1', 'RETR 2'), cmd('S1', 'TOP 2 0'), quit_('S1'),
                                    Ev('final')]))
    return out


def other_cases():
    """Cases the fixed code must pass too, and that pass before it."""
    C = []
    C.append(Schedule('copies-separated', list('ABAC'), [
        login('S1'), login('S2'), cmd('S1', 'DELE 3'), cmd('S2', 'RETR 1'),
        quit_('S1'), cmd('S2', 'RETR 3'), cmd('S2', 'UIDL'), cmd('S2', 'DELE 1'),
        quit_('S2'), Ev('final')]))
    C.append(Schedule('rset-and-vanish', list('ABC'), [
        login('S1'), cmd('S1', 'DELE 1'), cmd('S1', 'RSET'), cmd('S1', 'DELE 2'),
        Ev('vanish', 'S1'), login('S2'), cmd('S2', 'DELE 3'), quit_('S2'), Ev('final')]))
    C.append(Schedule('agents-during-session', list('AB'), [
        login('S1'), deliver('C', 'procmail'), deliver('D', 'pymbox'),
        deliver('E', 'dotlockfile'), cmd('S1', 'DELE 1'), cmd('S1', 'TOP 2 2'),
        quit_('S1'), login('S2'), cmd('S2', 'UIDL'), quit_('S2'), Ev('final')]))
    C.append(Schedule('truncate-during-session', list('ABCD'), [
        login('S1'), Ev('truncate', arg=2), cmd('S1', 'LIST'), cmd('S1', 'RETR 1'),
        cmd('S1', 'RETR 4'), cmd('S1', 'DELE 2'), cmd('S1', 'DELE 3'), quit_('S1'),
        Ev('final')]))
    C.append(Schedule('restore-during-session', list('ABC'), [
        login('S1'), cmd('S1', 'UIDL'), Ev('restore', arg=list('DD')), cmd('S1', 'TOP 1 1'),
        cmd('S1', 'RETR 2'), cmd('S1', 'LIST'), quit_('S1'), Ev('final')]))
    C.append(Schedule('replace-during-session', list('ABC'), [
        login('S1'), Ev('replace', arg=list('CAD')), cmd('S1', 'RETR 1'),
        cmd('S1', 'DELE 1'), cmd('S1', 'DELE 2'), quit_('S1'), Ev('final')]))
    C.append(Schedule('append-without-newline', list('AB'), [
        login('S1'), Ev('append-raw', arg='Y'), cmd('S1', 'DELE 1'), quit_('S1'),
        login('S2'), cmd('S2', 'RETR 2'), cmd('S2', 'DELE 2'), quit_('S2'),
        Ev('final')]))
    C.append(fault_family('crash-recover-then-login', list('ABCDEF'), lambda k: [
        login('S1', fault=k), cmd('S1', 'DELE 2'), cmd('S1', 'DELE 4'), quit_('S1'),
        deliver('G', 'pymbox'), Ev('recover'), login('S2'), cmd('S2', 'UIDL'),
        quit_('S2'), Ev('final')], quick_step=6))
    # a crash during the replay of a crashed update, at every point of the
    # replay (the update itself dies at its 9th point)
    C.append(fault_family('crash-in-replay', list('ABCDEF'), lambda k: [
        login('S1', fault=9), cmd('S1', 'DELE 1'), cmd('S1', 'DELE 3'), quit_('S1'),
        deliver('G', 'dotlockfile'), Ev('recover', fault=k), login('S2'),
        cmd('S2', 'LIST'), quit_('S2'), Ev('final')], quick_step=3))
    return C


def interleavings(seqs):
    """Every merge of the sequences, each keeping its own order."""
    if not any(seqs):
        yield []
        return
    for i, s in enumerate(seqs):
        if s:
            rest = list(seqs)
            rest[i] = s[1:]
            for tail in interleavings(rest):
                yield [s[0]] + tail


ENUM_MAILBOX = list('ABAC')


def enum_seqs(k, agent):
    """Two sessions and one delivery; S1's update dies at fault point k
    (None: the plain binary)."""
    return [
        [login('S1', fault=k), cmd('S1', 'DELE 1'), quit_('S1')],
        [login('S2'), cmd('S2', 'DELE 2'), cmd('S2', 'UIDL'), quit_('S2')],
        [deliver('D', agent)],
    ]


def random_schedule(seed, fs_alt=False, slow_ok=True):
    """A seeded random schedule of at most 18 events."""
    rnd = random.Random(seed)
    letters = 'ABCDEFGS'
    mb = [rnd.choice(letters[:4]) for _ in range(rnd.randint(1, 6))]
    if rnd.random() < 0.2:
        mb.append('Z')
    names = ['S1', 'S2', 'S3'][:rnd.randint(2, 3)]
    fault_who = rnd.choice(names)
    fault_k = rnd.randint(1, 16)
    state = {n: 'new' for n in names}
    count = {n: 0 for n in names}
    ev = []
    for _ in range(rnd.randint(6, 16)):
        x = rnd.random()
        live = [n for n in names if state[n] == 'in']
        new = [n for n in names if state[n] == 'new']
        if x < 0.25 and new:
            n = rnd.choice(new)
            ev.append(login(n, fault=fault_k if n == fault_who else None,
                            index=rnd.random() < 0.3))
            state[n] = 'in'
            count[n] = len(mb) + 1
        elif x < 0.6 and live:
            n = rnd.choice(live)
            c = rnd.choice(['DELE', 'DELE', 'RETR', 'TOP', 'LIST', 'UIDL', 'UIDL', 'STAT',
                            'RSET', 'LIST1', 'UIDL1'])
            num = rnd.randint(1, count[n])
            line = {'DELE': 'DELE %d', 'RETR': 'RETR %d', 'TOP': 'TOP %d 1',
                    'LIST1': 'LIST %d', 'UIDL1': 'UIDL %d'}.get(c, c)
            ev.append(cmd(n, line % num if '%' in line else line))
        elif x < 0.75 and live:
            n = rnd.choice(live)
            ev.append(quit_(n) if rnd.random() < 0.85 else Ev('vanish', n))
            state[n] = 'done'
        elif x < 0.88:
            agents = ['dotlockfile', 'pymbox', 'pad'] + (['procmail'] if slow_ok else [])
            ev.append(deliver(rnd.choice('EFGH'), rnd.choice(agents)))
        else:
            y = rnd.random()
            if y < 0.3:
                ev.append(Ev('recover'))
            elif y < 0.5:
                ev.append(Ev('restore', arg=[rnd.choice(letters[:5]) for _ in range(3)]))
            elif y < 0.65:
                ev.append(Ev('replace', arg=[rnd.choice(letters[:5]) for _ in range(3)]))
            elif y < 0.8:
                ev.append(Ev('truncate', arg=rnd.randint(0, 3)))
            else:
                ev.append(Ev('append-raw', arg='Y'))
    for n in names:
        if state[n] == 'in':
            ev.append(quit_(n))
    ev.append(Ev('final'))
    return Schedule('random/seed=%d' % seed, mb, ev,
                    fs='ext4-1s' if fs_alt and seed % 2 else 'usual')


# ---- the driver -----------------------------------------------------------------

class Ctx:
    def __init__(self, args):
        self.pop3d = os.path.abspath(os.environ.get('POP3D', './pop3d'))
        self.fault = os.path.abspath(os.environ.get('POP3D_FAULT', './pop3d-fault'))
        self.args = args
        self.base = tempfile.mkdtemp(prefix='pop3d-explorer-')
        os.chmod(self.base, 0o755)
        self.n = 0
        self.mount = None
        self.mount_err = None
        self.schedules = 0
        self.fault_points = 0
        self.passed = self.failed = self.xfail = self.xpass = self.skipped = 0
        self.inconclusive = 0
        self.max_fails = args.max_fails or (3 if args.quick else 20)
        self.t0 = time.monotonic()
        limit = args.time_limit or (70 if args.quick else 1500 if args.long else 600)
        self.deadline = self.t0 + limit

    def base_for(self, fs):
        if fs == 'usual':
            return self.base
        if self.mount is None and self.mount_err is None:
            self.mount, self.mount_err = mount_ext4_1s(self.base)
        if self.mount is None:
            raise SkipCase('no ext4 file system with 1-second time stamps: %s'
                           % self.mount_err)
        return self.mount

    def cleanup(self):
        if self.mount:
            subprocess.run(['umount', self.mount], capture_output=True, timeout=60)
        if not self.args.keep:
            shutil.rmtree(self.base, ignore_errors=True)
        else:
            print('kept %s' % self.base)


class SkipCase(Exception):
    pass


def mount_ext4_1s(base):
    """A loop-mounted ext4 image made with 128-byte inodes, whose time
    stamps have whole seconds.  Returns (mountpoint, None) or (None, why)."""
    if os.geteuid() != 0:
        return None, 'not root'
    if not shutil.which('mkfs.ext4'):
        return None, 'mkfs.ext4 missing'
    img = os.path.join(base, 'ext4-1s.img')
    mnt = os.path.join(base, 'ext4-1s')
    os.mkdir(mnt)
    with open(img, 'wb') as f:
        f.truncate(64 << 20)
    r = subprocess.run(['mkfs.ext4', '-q', '-F', '-I', '128', img], capture_output=True,
                       timeout=120)
    if r.returncode != 0:
        return None, 'mkfs.ext4: %s' % r.stderr.decode(errors='replace').strip()[:200]
    r = subprocess.run(['mount', '-o', 'loop', img, mnt], capture_output=True, timeout=120)
    if r.returncode != 0:
        return None, 'mount -o loop: %s' % r.stderr.decode(errors='replace').strip()[:200]
    os.chmod(mnt, 0o755)
    probe = os.path.join(mnt, 'probe')
    for _ in range(3):
        with open(probe, 'wb') as f:
            f.write(b'x')
        st = os.stat(probe)
        if st.st_mtime_ns % 10**9 or st.st_ctime_ns % 10**9:
            subprocess.run(['umount', mnt], capture_output=True, timeout=60)
            return None, 'time stamps finer than 1 second (%d ns)' % st.st_mtime_ns
        time.sleep(0.01)
    os.unlink(probe)
    return mnt, None


def run_schedule(ctx, sched, family=None):
    """Runs one schedule (with its retries); returns (ok, play, error):
    ok None means inconclusive (every try asked to be repeated)."""
    if ctx.args.fs == 'ext4-1s':
        sched.fs = 'ext4-1s'
    base = ctx.base_for(sched.fs)
    last = None
    for attempt in range(sched.retries):
        p = Play(ctx, sched, base)
        try:
            p.play()
            return True, p, None
        except Retry as e:
            last = e
            continue
        except (Mismatch, lib.Fail) as e:
            return False, p, str(e)
        except Exception as e:      # a bug of the explorer: never expected
            import traceback
            tb = traceback.format_exc().strip().splitlines()
            return False, p, 'HARNESS %s: %s [%s]' % (type(e).__name__, e, tb[-3].strip())
    return None, p, 'inconclusive after %d tries: %s' % (sched.retries, last)


def report(ctx, name, sched, p, err, expect_fail, family=False):
    """One result.  In a family on the EXPECTED_FAIL list (enumerated or
    random schedules) a pass is a plain pass; for a named case it is XPASS."""
    text = '%s\n  observed:\n%s' % (sched, '\n'.join('    ' + l for l in p.log))
    if err is None:
        if expect_fail and not family:
            ctx.xpass += 1
            print('XPASS %s: passes, remove it from EXPECTED_FAIL' % name, flush=True)
        else:
            ctx.passed += 1
            if ctx.args.verbose:
                print('ok   %s' % name, flush=True)
                print(text)
        return
    if expect_fail and not err.startswith('HARNESS'):
        ctx.xfail += 1
        print('XFAIL %s: %s' % (name, err[:300]), flush=True)
        if ctx.args.verbose or ctx.args.case or ctx.args.seed is not None:
            print(text, flush=True)
        return
    ctx.failed += 1
    print('FAIL %s: %s' % (name, err), flush=True)
    print(text, flush=True)


def expected_fail(name):
    return name in EXPECTED_FAIL or name.split('/')[0] in EXPECTED_FAIL


def run_family(ctx, fam, ks=None):
    """A fault family: schedules k = 1, 2, ... until the update finishes.
    The family passes when every k passes; its first failing k is
    reported."""
    name = fam['name']
    first_err = None
    k = 1
    tried = 0
    while k <= fam['max_k']:
        if time.monotonic() > ctx.deadline:
            break
        sched = Schedule('%s/k=%d' % (name, k), fam['mailbox'], fam['make'](k),
                         fs=fam['fs'], retries=fam['retries'])
        ok, p, err = run_schedule(ctx, sched)
        ctx.schedules += 1
        tried += 1
        if ok is None:
            print('  %s: %s (not counted)' % (sched.name, err), flush=True)
            ctx.inconclusive += 1
            err = None
        if err is not None and first_err is None:
            first_err = (sched, p, err)
            if not ctx.args.all_points:
                break
        if not p.last_died:
            break           # the update (or replay) finished before point k
        k += fam['quick_step'] if ctx.args.quick else 1
    ctx.fault_points += tried
    if first_err:
        report(ctx, first_err[0].name, first_err[0], first_err[1], first_err[2],
               expected_fail(name))
    else:
        report(ctx, '%s (%d fault points)' % (name, tried), sched, p, None,
               expected_fail(name))


def run_case(ctx, c):
    try:
        if isinstance(c, dict):
            run_family(ctx, c)
        else:
            ok, p, err = run_schedule(ctx, c)
            ctx.schedules += 1
            if ok is None:
                raise SkipCase(err)
            report(ctx, c.name, c, p, err, expected_fail(c.name))
    except SkipCase as e:
        ctx.skipped += 1
        print('SKIP %s: %s' % (c['name'] if isinstance(c, dict) else c.name, e), flush=True)


def run_enumeration(ctx, label, mailbox, agent, ks, sample=1):
    """Every interleaving of enum_seqs() for each fault point k in ks
    (None: the plain binary); sample = n runs every n-th one only."""
    count = fails = orders = 0
    for k in ks:
        died = False
        for i, order in enumerate(interleavings(enum_seqs(k, agent))):
            orders = max(orders, i + 1)
            if i % sample or time.monotonic() > ctx.deadline:
                continue
            name = '%s/%s/order=%d' % (label, 'plain' if k is None else 'k=%d' % k, i)
            sched = Schedule(name, mailbox, order + [Ev('final')])
            ok, p, err = run_schedule(ctx, sched)
            died |= p.died
            ctx.schedules += 1
            count += 1
            if k is not None:
                ctx.fault_points += 1
            report(ctx, name, sched, p, err, expected_fail(name), family=True)
            if err is not None:
                fails += 1
                if fails >= ctx.max_fails:
                    print('  %s: stopping after %d failures' % (label, fails), flush=True)
                    return
        if k is not None and not died:
            break               # k beyond the last fault point of the update
    print('  %s: %d schedules (%d interleavings, fault settings %s)' % (
        label, count, orders, ', '.join('plain' if k is None else str(k) for k in ks)),
        flush=True)


def run_random(ctx, seeds):
    """Seeded random schedules, odd seeds on the 1-second file system
    when it can be had (--long), until the time limit."""
    done = []
    for seed in seeds:
        if time.monotonic() > ctx.deadline:
            break
        sched = random_schedule(seed, fs_alt=ctx.args.long, slow_ok=ctx.args.long)
        try:
            ok, p, err = run_schedule(ctx, sched)
        except SkipCase:
            sched.fs = 'usual'
            ok, p, err = run_schedule(ctx, sched)
        ctx.schedules += 1
        ctx.fault_points += 1 if p.died else 0
        done.append(seed)
        report(ctx, sched.name, sched, p, err, expected_fail(sched.name), family=True)
    if done:
        print('  random: seeds %d..%d' % (done[0], done[-1]), flush=True)


def main():
    ap = argparse.ArgumentParser(description='pop3d protocol explorer')
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--long', action='store_true')
    ap.add_argument('--case', action='append', default=[])
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--seed', type=int)
    ap.add_argument('--random', type=int, default=1)
    ap.add_argument('--time-limit', type=float)
    ap.add_argument('--all-points', action='store_true',
                    help='in fault families, go on after a failing point')
    ap.add_argument('--fs', choices=['usual', 'ext4-1s'])
    ap.add_argument('--max-fails', type=int,
                    help='failures after which an enumeration stops (3 quick, 20)')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--keep', action='store_true')
    args = ap.parse_args()
    if model.XXH3_128 is None:
        print('SKIP explorer: libxxhash.so.0 not loadable through ctypes')
        print('0 passed, 0 failed')
        return 0
    cases = scenario_cases() + other_cases()
    names = [c['name'] if isinstance(c, dict) else c.name for c in cases]
    if args.list:
        for n in names:
            print(n + ('   (expected to fail before the issue-11 fixes)'
                       if expected_fail(n) else ''))
        for n in ('enum-dotlockfile', 'enum-pymbox', 'enum-procmail', 'random'):
            print('%s/...   (a family%s)' % (n, ', expected to fail before the issue-11 fixes'
                                          if expected_fail(n) else ''))
        return 0
    ctx = Ctx(args)
    for b in (ctx.pop3d, ctx.fault):
        if not os.access(b, os.X_OK):
            print('FAIL setup: no binary at %s (make pop3d pop3d-fault)' % b)
            print('0 passed, 1 failed')
            return 1
    try:
        if args.case:
            for c, n in zip(cases, names):
                if any(x in n for x in args.case):
                    run_case(ctx, c)
        elif args.seed is not None:
            run_random(ctx, range(args.seed, args.seed + args.random))
        elif args.long:
            for c in cases:
                run_case(ctx, c)
            run_enumeration(ctx, 'enum-procmail', ENUM_MAILBOX, 'procmail', [None])
            for agent in ('dotlockfile', 'pymbox'):
                run_enumeration(ctx, 'enum-%s' % agent, ENUM_MAILBOX, agent,
                                [None] + list(range(1, 61)))
            run_random(ctx, range(1, 5001))
        else:
            for c in cases:
                run_case(ctx, c)
            run_enumeration(ctx, 'enum-dotlockfile', ENUM_MAILBOX, 'dotlockfile', [None],
                            sample=7)
            run_enumeration(ctx, 'enum-dotlockfile', ENUM_MAILBOX, 'dotlockfile',
                            [2, 5, 8, 11], sample=56)
            run_random(ctx, range(1, 11))
    finally:
        ctx.cleanup()
    print('numbers: %d schedules, %d with a fault point, %d expected failures (XFAIL), '
          '%d unexpected passes (XPASS), %.0fs' % (
              ctx.schedules, ctx.fault_points, ctx.xfail, ctx.xpass,
              time.monotonic() - ctx.t0))
    line = '%d passed, %d failed' % (ctx.passed + ctx.xpass, ctx.failed)
    if ctx.skipped:
        line += ', %d skipped' % ctx.skipped
    if ctx.xfail:
        line += ', %d expected failures' % ctx.xfail
    print(line)
    return 1 if ctx.failed else 0


if __name__ == '__main__':
    sys.exit(main())
