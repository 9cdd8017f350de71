"""Privilege separation tests (issue 12): what the root monitor does on a
path the user can change, descriptors and processes from a hostile
pre-login process, and the timers that keep a connection from being held
for free.  Loaded by tests/run after proc_tests (same helpers).
"""

import os
import re
import subprocess
import time

import __main__ as R
from __main__ import (Fail, Skip, Env, Config, test, expect_eq, check_exit, check_no_lock, check_after,
                      fixture, GREETING, LOGIN, login_reply)


def f1():
    return fixture('F1.mbox')


def root_only_dir(name):
    """A directory only root may write, outside every test's own directory."""
    d = os.path.join(Config.base, name + '.root-only')
    os.mkdir(d, 0o755)
    return d


def busy_lock_and_stale_victim(directory, name):
    """A dotlock alice.lock in directory, held by a live process (this
    one), and an hour-old empty alice.lock, which the stale rule would
    break, in a root-only directory called name.  Returns the busy lock's
    path, the victim's and the victim's status."""
    busy = os.path.join(directory, 'alice.lock')
    with open(busy, 'wb') as f:
        f.write(b'%d\n' % os.getpid())
    R.chown(busy)
    victim = os.path.join(root_only_dir(name), 'alice.lock')
    with open(victim, 'wb'):
        pass
    old = time.time() - 3600
    os.utime(victim, (old, old))
    return busy, victim, os.stat(victim)


# ----------------------------------------------------------------- the monitor and the user's paths

@test('privsep:symlink-swap-during-lock-wait', weight=3)
def _():
    """-m %h/Mail/%u with ~/Mail a symlink the user swaps while the login
    backs off from a busy dotlock: the monitor must go on working in the
    directory it opened, never in the one the link now names (there, an
    old root-owned alice.lock would look stale and be removed)."""
    if not Config.root:
        raise Skip('needs root (the monitor)')
    env = Env('privsep-swap')
    real = os.path.join(env.dir, 'real')
    os.mkdir(real, 0o755)
    R.chown(real)
    link = os.path.join(env.dir, 'Mail')
    os.symlink('real', link)
    R.chown(link)
    mbox = os.path.join(real, 'alice')
    env.put_mailbox(f1(), path=mbox)
    before = env.snapshot(mbox)
    busy, victim, victim_before = busy_lock_and_stale_victim(real, 'swap')
    victim_dir = os.path.dirname(victim)

    s = env.session(template='%h/Mail/%u')
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(b'+OK Send your password.\r\n')
    time.sleep(1.5)                     # the session is backing off now
    tmp = os.path.join(env.dir, 'Mail.new')
    os.symlink(victim_dir, tmp)
    R.chown(tmp)
    os.rename(tmp, link)                # what the user can do at any time
    os.unlink(busy)                     # the other program lets go
    s.expect(b'+OK Logged in, 2 messages (52 octets).\r\n', timeout=20, what='login after the swap')
    s.send(b'QUIT\r\n')
    s.expect(b'+OK Bye.\r\n')
    check_exit(s.finish())
    if not os.path.exists(victim):
        raise Fail('root removed %s through the swapped symlink' % victim)
    st = os.stat(victim)
    if (st.st_ino, st.st_mtime_ns, st.st_size) != (victim_before.st_ino, victim_before.st_mtime_ns, 0):
        raise Fail('root changed %s through the swapped symlink' % victim)
    left = sorted(os.listdir(victim_dir))
    if left != ['alice.lock']:
        raise Fail('root created files in a directory only root may write: %s' % left)
    if os.path.lexists(busy):
        raise Fail('dotlock left behind in the mailbox directory')
    expect_eq('mailbox', before[0], open(mbox, 'rb').read())


@test('privsep:recover-symlink-swap-during-lock-wait', weight=3)
def _():
    """pop3d --recover run by root on a mailbox under the user's home (the
    log tells the administrator to, for a journal the session cannot use),
    while the user renames ~/Mail away and puts a symlink in its place as
    --recover backs off from a busy dotlock: root must not create, remove
    or judge files in the directory the link names (there, an old
    alice.lock would look stale and be removed).  And as root, a path
    whose directories include a symbolic link is refused, not followed."""
    if not Config.root:
        raise Skip('needs root (--recover as an administrator runs it)')
    env = Env('privsep-recover-swap')
    mail = os.path.join(env.dir, 'Mail')
    os.mkdir(mail, 0o755)
    R.chown(mail)
    mbox = os.path.join(mail, 'alice')
    env.put_mailbox(f1(), path=mbox)
    before = env.snapshot(mbox)
    busy, victim, victim_before = busy_lock_and_stale_victim(mail, 'recover-swap')
    victim_dir = os.path.dirname(victim)

    p = subprocess.Popen(Config.wrapper + [Config.pop3d, '--recover', mbox],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)                     # --recover is backing off now
    moved = os.path.join(env.dir, 'Mail.real')
    os.rename(mail, moved)              # what the user can do at any time
    os.symlink(victim_dir, mail)
    R.chown(mail)
    os.unlink(os.path.join(moved, 'alice.lock'))    # the other program lets go
    try:
        out, err = p.communicate(timeout=20 * Config.scale)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise Fail('pop3d --recover did not exit')
    if not os.path.exists(victim):
        raise Fail('root removed %s through the swapped symlink' % victim,
                   'exit %d, stdout %s, stderr %s' % (p.returncode, R.esc(out), R.esc(err)))
    st = os.stat(victim)
    if (st.st_ino, st.st_mtime_ns, st.st_size) != (victim_before.st_ino, victim_before.st_mtime_ns, 0):
        raise Fail('root changed %s through the swapped symlink' % victim)
    left = sorted(os.listdir(victim_dir))
    if left != ['alice.lock']:
        raise Fail('root created files in a directory only root may write: %s' % left)
    expect_eq('--recover: exit status', 0, p.returncode)
    expect_eq('--recover: output', ('%s: nothing to recover\n' % mbox).encode(), out)
    expect_eq('files left in the mailbox directory', ['alice'], sorted(os.listdir(moved)))
    expect_eq('mailbox', before[0], open(os.path.join(moved, 'alice'), 'rb').read())

    # The path now goes through the user's symbolic link: refused.
    os.unlink(mail)
    os.symlink('Mail.real', mail)
    R.chown(mail)
    p = subprocess.run(Config.wrapper + [Config.pop3d, '--recover', mbox], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=20 * Config.scale)
    expect_eq('--recover through a symbolic link: exit status', 1, p.returncode)
    expect_eq('--recover through a symbolic link: output', b'', p.stdout)
    expect_eq('--recover through a symbolic link: error',
              ('pop3d: mailbox %s: its directory cannot be reached from / without following a '
               'symbolic link: give its real path\n' % mbox).encode(), p.stderr)
    expect_eq('files left in the mailbox directory', ['alice'], sorted(os.listdir(moved)))
    expect_eq('mailbox after the refusal', before[0], open(os.path.join(moved, 'alice'), 'rb').read())
    p = subprocess.run(Config.wrapper + [Config.pop3d, '--recover', 'Mail.real/alice'], cwd=env.dir,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=20 * Config.scale)
    expect_eq('--recover of a relative path: exit status', 1, p.returncode)
    expect_eq('--recover of a relative path: error',
              b'pop3d: mailbox Mail.real/alice: not an absolute path (needed as root)\n', p.stderr)


# ----------------------------------------------------------------- a hostile child (pop3d-fault)

def hostile_session(env, what, debug=True):
    """pop3d-fault with POP3D_HOSTILE=what: a child that misbehaves as a
    compromised one could (privsep_child.c and privsep.c; the switch is
    privsep_msg.c's hostile())."""
    if not Config.root:
        raise Skip('needs root (privilege separation)')
    if not Config.fault:
        raise Skip('needs POP3D_FAULT (make pop3d-fault)')
    argv = env.argv(debug=debug)
    argv[len(Config.wrapper)] = Config.fault
    return env.session(argv=argv, env={'POP3D_HOSTILE': what})


def expect_cut_after_user(env, s, what, log):
    s.expect(GREETING)
    s.send(b'USER alice\r\n')
    s.expect(b'+OK Send your password.\r\n')
    s.send(b'PASS secret\r\n')
    rest = s.read_to_eof(timeout=10)
    if rest is None:
        s.kill()
        raise Fail('%s: the connection was not ended' % what)
    if rest:
        raise Fail('%s: the connection went on' % what, R.esc(rest))
    check_exit(s.finish())
    if log not in env.stderr():
        raise Fail('%s: no log line "%s"' % (what, log.decode()), R.esc(env.stderr(), 2000))


@test('privsep:hostile-prelogin-passes-descriptors')
def _():
    """A pre-login process that sends the client's fds 0-2 with its login
    request: the monitor accepts descriptors from nobody, closes them all
    and ends the connection (it used to keep two of them and log in)."""
    env = Env('privsep-prelogin-fds')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = hostile_session(env, 'prelogin-fds')
    expect_cut_after_user(env, s, 'descriptors from the pre-login process',
                          b'descriptors or a truncated message from the pre-login process')
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('privsep:hostile-session-passes-descriptors')
def _():
    """The same from the user's session, with its first dotlock request."""
    env = Env('privsep-session-fds')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = hostile_session(env, 'session-fds')
    expect_cut_after_user(env, s, 'descriptors from the session',
                          b'descriptors or a truncated message from the session')
    check_no_lock(env)
    check_after(env, 'unchanged', before)


# ----------------------------------------------------------------- timers

def trickle(s, what, interval=0.7, limit=6.0):
    """Sends one byte (never a line end) every interval seconds; returns the
    seconds until the server closed, or fails if it kept the connection
    for limit seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        s.send(b'x')
        got = s.read_to_eof(timeout=interval)
        if got is not None:
            if got:
                raise Fail('%s: a reply to a partial line' % what, R.esc(got))
            return time.monotonic() - t0
    s.kill()
    raise Fail('%s: a byte every %.1f s kept the connection for %.0f s (-t 2)' % (what, interval, limit))


@test('privsep:idle-trickle-before-login', weight=3)
def _():
    """-t promises to end a session that sends no command: a byte at a time,
    never a line end, is no command (the timer used to restart on every
    byte, and before login that held the monitor and the pre-login process
    too)."""
    env = Env('trickle-before')
    s = env.session(args=['-t', '2'])
    s.expect(GREETING)
    s.send(b'CAPA\r\n')
    s.lines(len(R.CAPA_LINES) + 2)  # +OK, the capabilities, "."
    took = trickle(s, 'before login')
    if took < 1.0:
        raise Fail('closed after %.1fs, before -t 2 ran out' % took)
    check_exit(s.finish())


@test('privsep:idle-trickle-after-login', weight=3)
def _():
    env = Env('trickle-after')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = env.session(args=['-t', '2'])
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(login_reply(2, 52))
    trickle(s, 'after login')
    check_exit(s.finish())
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('privsep:login-deadline-capa-every-second', weight=3)
def _():
    """CAPA before login used to restart the idle timer and the bad-command
    count, so a connection could stay unauthenticated for ever, holding a
    launcher slot.  --login-timeout bounds the whole pre-login phase."""
    env = Env('login-deadline')
    s = env.session(args=['-t', '2', '--login-timeout=3'], debug=True)
    s.expect(GREETING)
    t0 = time.monotonic()
    capa = b'+OK Capability list follows.\r\n' + b''.join(c + b'\r\n' for c in R.CAPA_LINES) + b'.\r\n'
    while time.monotonic() - t0 < 8:
        s.send(b'CAPA\r\n')
        got = s.read(len(capa), timeout=1)
        if got != capa:
            break
        time.sleep(0.8)
    rest = s.read_to_eof(timeout=2)
    took = time.monotonic() - t0
    if rest is None:
        s.kill()
        raise Fail('CAPA every second kept an unauthenticated connection for %.0f s (--login-timeout=3)' % took)
    if took < 2.5:
        raise Fail('closed after %.1fs, before --login-timeout=3 ran out' % took)
    if took > 6:
        raise Fail('closed only after %.1fs with --login-timeout=3' % took)
    check_exit(s.finish())
    if b'login timeout: rip=' not in env.stderr():
        raise Fail('no "login timeout" log line', R.esc(env.stderr(), 3000))


@test('privsep:login-deadline-ends-at-login')
def _():
    """The deadline is for the pre-login phase only: a session that logged
    in is bound by -t alone."""
    env = Env('login-deadline-after')
    env.put_mailbox(f1())
    s = env.session(args=['-t', '3', '--login-timeout=2'])
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(login_reply(2, 52))
    for _ in range(3):
        time.sleep(1)
        s.send(b'NOOP\r\n')
        s.expect(b'+OK Nothing to do.\r\n', timeout=5, what='NOOP after --login-timeout passed')
    s.send(b'QUIT\r\n')
    s.expect(b'+OK Bye.\r\n')
    check_exit(s.finish())


@test('privsep:hostile-prelogin-ignores-login-timeout', weight=4)
def _():
    """A pre-login process that never ends the phase (pop3d-fault,
    POP3D_HOSTILE=prelogin-hang: it stops at PASS and waits for ever): the
    monitor ends the connection a few seconds after --login-timeout."""
    env = Env('privsep-hang')
    env.put_mailbox(f1())
    if not Config.root or not Config.fault:
        raise Skip('needs root and POP3D_FAULT')
    argv = env.argv(args=['--login-timeout=1'], debug=True)
    argv[len(Config.wrapper)] = Config.fault
    s = env.session(argv=argv, env={'POP3D_HOSTILE': 'prelogin-hang'})
    s.expect(GREETING)
    s.send(b'USER alice\r\n')
    s.expect(b'+OK Send your password.\r\n')
    t0 = time.monotonic()
    s.send(b'PASS secret\r\n')
    rest = s.read_to_eof(timeout=15)
    took = time.monotonic() - t0
    if rest is None:
        s.kill()
        raise Fail('a pre-login process that hangs kept the connection for 15 s (--login-timeout=1)')
    if rest:
        raise Fail('output after PASS', R.esc(rest))
    check_exit(s.finish())
    if took > 10:
        raise Fail('ended only after %.1fs' % took)
    if b'still there past the login timeout' not in env.stderr():
        raise Fail('no log line from the monitor', R.esc(env.stderr(), 2000))


# ----------------------------------------------------------------- what is a stale dotlock

@test('privsep:account-named-like-a-dotlock', weight=20)
def _():
    """Debian's useradd accepts alice.lock.  Her mailbox is alice's dotlock
    path: alice's login must never remove it as a stale lock (it used to:
    an old file without a pid was taken for an abandoned lock), and
    alice.lock herself cannot log in."""
    env = Env('lock-named-account')
    env.write_users(('alice.lock:%s:%d:%d::%s:/bin/sh\n' % (R.H_SECRET, Config.uid, Config.gid, env.dir)).encode())
    env.put_mailbox(f1())
    before = env.snapshot()
    theirs = b'From bob@example.org Thu Jan  1 00:00:00 2024\nSubject: for alice.lock\n\nhi\n'
    env.put_mailbox(theirs, path=env.lock)
    old = time.time() - 3600
    os.utime(env.lock, (old, old))
    their_before = env.snapshot(env.lock)
    res = env.run(LOGIN + b'STAT\r\n', close_stdin=False, timeout=40)
    expected = GREETING + b'+OK Send your password.\r\n' + R.ERR_INUSE + b'\r\n'
    if env.snapshot(env.lock) != their_before:
        raise Fail("alice's login removed or changed alice.lock's mailbox")
    expect_eq("alice's login while alice.lock's mailbox is where her dotlock goes", expected, res.out)
    check_exit(res)
    check_after(env, 'unchanged', before)
    res = env.run(b'USER alice.lock\r\nPASS secret\r\nQUIT\r\n', debug=True)
    check_exit(res)
    expect_eq('login as alice.lock', GREETING + b'+OK Send your password.\r\n' + R.ERR_AUTH +
              b'\r\n+OK Bye.\r\n', res.out)
    if b'reason=name ends in .lock' not in res.err:
        raise Fail('no log line for the refused name', R.esc(res.err, 2000))
    expect_eq("alice.lock's mailbox", their_before, env.snapshot(env.lock))


@test('privsep:stale-rule-only-a-pid-or-empty', weight=20)
def _():
    """An old file at the dotlock's path that holds anything but a process
    id (here a word, a large file starting with a dead pid, a pid with an
    empty host name, and a pid too large for a long) is not taken for a
    stale lock."""
    for content in (b'hello\n', b'999999\n' + b'x' * 100, b'999999:\n', b'99999999999999999999\n'):
        env = Env('lock-not-a-lock')
        env.put_mailbox(f1())
        before = env.snapshot()
        env.put_mailbox(content, path=env.lock, mode=0o644)
        lock_before = env.snapshot(env.lock)
        res = env.run(LOGIN + b'STAT\r\n', close_stdin=False, timeout=40)
        if env.snapshot(env.lock) != lock_before:
            raise Fail('an old %d-octet file that is no dotlock was removed as a stale one' % len(content))
        expect_eq('login with %s at the dotlock path' % R.esc(content[:10]),
                  GREETING + b'+OK Send your password.\r\n' + R.ERR_INUSE + b'\r\n', res.out)
        check_exit(res)
        check_after(env, 'unchanged', before)


# ----------------------------------------------------------------- containment of the pre-login process

def marked_processes(mark):
    """Processes whose environment holds mark (a test's own marker)."""
    found = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/environ' % pid, 'rb') as f:
                if mark in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


@test('privsep:hostile-prelogin-forks', weight=4)
def _():
    """A pre-login process that forks a process to outlive the hand-over
    (pop3d-fault POP3D_HOSTILE=prelogin-fork: it would read the user's
    commands after login and answer in the server's name).  The fork is a
    system call outside the pre-login allowlist: the process is killed
    (SIGSYS), the monitor says so, the connection ends, and nothing of it
    is left running."""
    if not Config.root or not Config.fault:
        raise Skip('needs root and POP3D_FAULT')
    env = Env('privsep-fork')
    env.put_mailbox(f1())
    before = env.snapshot()
    mark = 'POP3D_TEST_MARK=%s' % os.path.basename(env.dir)
    argv = env.argv(debug=True)
    argv[len(Config.wrapper)] = Config.fault
    s = env.session(argv=argv, env={'POP3D_HOSTILE': 'prelogin-fork', 'POP3D_TEST_MARK': os.path.basename(env.dir)})
    s.expect(GREETING)
    s.send(b'USER alice\r\n')
    s.expect(b'+OK Send your password.\r\n')
    s.send(b'PASS secret\r\n')
    out = s.read_to_eof(timeout=10)
    time.sleep(3)                       # the lurker would have woken up by now
    left = marked_processes(mark.encode())
    for pid in left:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    if out is None:
        s.send(b'STAT\r\n')
        time.sleep(0.5)
        s.kill()
        raise Fail('the connection went on after the pre-login process forked', R.esc(bytes(s.buf)))
    check_exit(s.finish())
    if b'injected' in out:
        raise Fail('a process left by the pre-login process answered the client', R.esc(out))
    if left:
        raise Fail('processes of the pre-login process outlived it: %s' % left)
    if b'outside its allowlist' not in env.stderr():
        raise Fail('no log line for the forbidden system call', R.esc(env.stderr(), 2000))
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('privsep:hostile-session-execs')
def _():
    """The session's filter: a session that runs a program (pop3d-fault
    POP3D_HOSTILE=session-exec, before its first request to the monitor)
    is killed by SIGSYS; the monitor says so and cleans up."""
    env = Env('privsep-session-exec')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = hostile_session(env, 'session-exec')
    expect_cut_after_user(env, s, 'exec in the session', b'the session made a forbidden system call')
    check_no_lock(env)
    check_after(env, 'unchanged', before)


# ----------------------------------------------------------------- the chroot directory

@test('privsep:chroot-symlink-refused')
def _():
    """--chroot is opened without following a link and entered by its
    descriptor (fchdir, chroot(".")): a symbolic link there is refused
    even when it names a good directory (the check used stat(), which
    follows it, and then chrooted by path)."""
    if not Config.root:
        raise Skip('needs root')
    env = Env('privsep-chroot-link')
    good = root_only_dir('chroot-target')
    link = os.path.join(Config.base, 'chroot-link.%s' % os.path.basename(env.dir))
    os.symlink(good, link)
    res = env.run(b'QUIT\r\n', args=['--chroot=' + link], debug=True)
    check_exit(res)
    expect_eq('session with --chroot a symbolic link', b'-ERR [SYS/TEMP] Server unavailable.\r\n', res.out)
    if b'chroot directory' not in res.err:
        raise Fail('no log line naming the chroot directory', R.esc(res.err, 2000))
    res = env.run(b'QUIT\r\n', args=['--chroot=' + good])
    check_exit(res)
    expect_eq('session with --chroot the directory itself', GREETING + b'+OK Bye.\r\n', res.out)


# ----------------------------------------------------------------- the failure delay

SLOW_HASH = '$2b$12$nZivRcz0RGohhUkxtw5n.uoEebBOCrQ6wfCnePJU8hQoBNIBSJfnK'   # "secret", bcrypt cost 12


def failed_login_seconds(env, user, argv):
    s = env.session(argv=argv)
    s.expect(GREETING)
    s.send(b'USER ' + user + b'\r\n')
    s.expect(b'+OK Send your password.\r\n')
    t0 = time.monotonic()
    s.send(b'PASS wrong\r\n')
    s.expect(R.ERR_AUTH + b'\r\n', timeout=20)
    took = time.monotonic() - t0
    s.send(b'QUIT\r\n')
    s.expect(b'+OK Bye.\r\n')
    check_exit(s.finish())
    return took


@test('privsep:dummy-hash-as-slow-as-real-ones', weight=3)
def _():
    """The 1 s failure delay hides whether an account exists only while a
    hash takes less.  With it gone (pop3d-limits), an unknown user must
    still cost what a real account of this server costs: the dummy hash
    is calibrated to the accounts' own method and cost (here bcrypt cost
    12, about 0.25 s, against yescrypt's default of about 0.03 s), the
    first usable one, past entries whose hash shows no setting."""
    if not Config.limits:
        raise Skip('needs POP3D_LIMITS (make pop3d-limits)')
    env = Env('dummy-hash')
    u, g, d = Config.uid, Config.gid, env.dir
    with open(env.users, 'w') as f:
        # Hashes that show no setting to copy come first and are passed
        # over: the bare method "$6$", a setting longer than any hash.
        f.write('odd1:$6$:%d:%d::%s:/bin/sh\n' % (u, g, d))
        f.write('odd2:$y$j9T$%s$h:%d:%d::%s:/bin/sh\n' % ('a' * 390, u, g, d))
        for name in ('slowa', 'slowb'):
            f.write('%s:%s:%d:%d::%s:/bin/sh\n' % (name, SLOW_HASH, u, g, d))
    argv = env.argv()
    argv[len(Config.wrapper)] = Config.limits
    # Interleaved, the best of five each: both see the same machine load.
    known = unknown = float('inf')
    for _ in range(5):
        known = min(known, failed_login_seconds(env, b"slowb", argv))
        unknown = min(unknown, failed_login_seconds(env, b"nosuchuser", argv))
    if unknown < 0.6 * known:
        raise Fail('an unknown user is answered in %.3fs, a real account in %.3fs: the dummy hash shows '
                   'which names exist' % (unknown, known))


# ----------------------------------------------------------------- the session's memory

VICTIM_HASH = '$6$victimsaltsalt$' + 'Q' * 86


@test('privsep:session-memory-holds-no-credentials')
def _():
    """The session must start from a process that never read the account
    databases: forked from the monitor that had checked the password, it
    held the users file's other hashes in freed heap (pop3d-fault
    POP3D_HOSTILE=session-memory counts them in the session's memory)."""
    if not Config.root or not Config.fault:
        raise Skip('needs root and POP3D_FAULT')
    env = Env('privsep-memory')
    env.write_users(('victim:%s:%d:%d::%s:/bin/sh\n' % (VICTIM_HASH, Config.uid, Config.gid, env.dir)).encode())
    env.put_mailbox(f1())
    argv = env.argv(debug=True)
    argv[len(Config.wrapper)] = Config.fault
    s = env.session(argv=argv, env={'POP3D_HOSTILE': 'session-memory', 'POP3D_HOSTILE_MARK': VICTIM_HASH})
    s.expect(GREETING)
    s.send(LOGIN + b'QUIT\r\n')
    s.expect(login_reply(2, 52) + b'+OK Bye.\r\n')
    check_exit(s.finish())
    err = env.stderr()
    m = re.search(rb'hostile: the mark is (\d+) times', err)
    if not m:
        raise Fail('the session did not scan its memory', R.esc(err, 2000))
    if m.group(1) != b'0':
        raise Fail("another account's password hash is %s times in the session's memory" % m.group(1).decode())


# ----------------------------------------------------------------- setting up the split

def expect_unavailable(env, args, log):
    res = env.run(b'QUIT\r\n', args=args, debug=True)
    check_exit(res)
    expect_eq('session with %s' % ' '.join(args), b'-ERR [SYS/TEMP] Server unavailable.\r\n', res.out)
    if log not in res.err:
        raise Fail('no log line "%s"' % log.decode(), R.esc(res.err, 2000))


@test('privsep:privsep-user-refused')
def _():
    """An unknown --privsep-user, or root as one, is refused with a log line
    naming it; nothing is served."""
    if not Config.root:
        raise Skip('needs root')
    env = Env('privsep-user')
    expect_unavailable(env, ['--privsep-user=no-such-user-here'], b'privsep user no-such-user-here: no such user')
    expect_unavailable(env, ['--privsep-user=root'], b'privsep user root: must not be root')


@test('privsep:chroot-refused')
def _():
    """A --chroot directory that is writable by others, not root's, or
    cannot be made is refused with a log line naming it."""
    if not Config.root:
        raise Skip('needs root')
    env = Env('privsep-chroot')
    open_dir = root_only_dir('chroot-0777')
    os.chmod(open_dir, 0o777)
    expect_unavailable(env, ['--chroot=' + open_dir], b'chroot directory ' + open_dir.encode())
    expect_unavailable(env, ['--chroot=' + env.dir], b'chroot directory ' + env.dir.encode())
    missing = os.path.join(env.dir, 'no', 'such')
    expect_unavailable(env, ['--chroot=' + missing], b'chroot directory ' + missing.encode())



# ----------------------------------------------------------------- faults in the root processes (strace)

UNAVAILABLE = b'-ERR [SYS/TEMP] Server unavailable.\r\n'


def faulty_argv(env, syscall, inject, args=()):
    """pop3d under strace -f with one system call failed (or faked) as
    strace's inject=SYSCALL:... says; strace counts each process's calls
    on its own, so when=2 is the monitor's second call of that kind."""
    if not Config.root:
        raise Skip('needs root (privilege separation)')
    if not R.shutil.which('strace'):
        raise Skip('strace not installed')
    return ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=' + syscall,
            '-e', 'inject=%s:%s' % (syscall, inject)] + env.argv(args, debug=True)


def expect_log(env, what, log):
    if log not in env.stderr():
        raise Fail('%s: no log line "%s"' % (what, log.decode()), R.esc(env.stderr(), 2000))


@test('privsep:fault-split-cannot-start')
def _():
    """The monitor cannot make its socket pair or fork the login monitor:
    the client gets [SYS/TEMP], the log says which call failed."""
    for syscall, inject, log in (('socketpair', 'error=EMFILE:when=1', b'socketpair: Too many open files'),
                                 ('clone', 'error=EAGAIN:when=1', b'fork: Resource temporarily unavailable')):
        env = Env('fault-split')
        env.put_mailbox(f1())
        before = env.snapshot()
        res = env.run(LOGIN + b'QUIT\r\n', argv=faulty_argv(env, syscall, inject))
        check_exit(res)
        expect_eq('reply with %s failed' % syscall, UNAVAILABLE, res.out)
        expect_log(env, syscall, log)
        check_after(env, 'unchanged', before)


@test('privsep:fault-session-cannot-start', weight=2)
def _():
    """After a good login the monitor cannot make the session's socket
    pair or fork it: the connection ends with no reply to PASS (no
    "Logged in" that no session would honour), the mailbox and its locks
    untouched, and the log says which call failed."""
    for syscall, inject, log in (('socketpair', 'error=EMFILE:when=2', b'socketpair: Too many open files'),
                                 ('clone', 'error=EAGAIN:when=2', b'fork: Resource temporarily unavailable')):
        env = Env('fault-session')
        env.put_mailbox(f1())
        before = env.snapshot()
        s = env.session(argv=faulty_argv(env, syscall, inject))
        expect_cut_after_user(env, s, 'session with %s failed' % syscall, log)
        check_no_lock(env)
        check_after(env, 'unchanged', before)


@test('privsep:fault-prelogin-cannot-drop-root', weight=2)
def _():
    """auth_become_user() checks every step and then that root is gone for
    good.  Each failure (a call refused, or one a kernel pretends to have
    done: inject retval=0 skips the call) ends the pre-login process before
    it reads a byte: the client gets no greeting, the log says why."""
    for syscall, inject in (('setsid', 'error=EPERM'),
                            ('setgroups', 'error=EPERM'),
                            ('setresgid', 'error=EPERM'),
                            ('setresuid', 'retval=0'),        # still root: caught by getresuid
                            ('getresuid', 'error=EPERM'),
                            ('getgroups', 'error=EPERM'),
                            ('setuid', 'retval=0')):          # root could come back
        env = Env('fault-drop')
        env.put_mailbox(f1())
        res = env.run(LOGIN + b'QUIT\r\n', argv=faulty_argv(env, syscall, inject))
        check_exit(res)
        expect_eq('output with %s %s' % (syscall, inject), b'', res.out)
        expect_log(env, '%s %s' % (syscall, inject), b'pre-login process: cannot drop privileges')


@test('privsep:fault-prelogin-without-filter')
def _():
    """A pre-login process whose system-call filter cannot be loaded does
    not run unboxed: it ends before the greeting, with a log line."""
    env = Env('fault-filter')
    res = env.run(b'QUIT\r\n', argv=faulty_argv(env, 'seccomp', 'error=ENOSYS'))
    check_exit(res)
    expect_eq('output without a filter', b'', res.out)
    expect_log(env, 'no filter', b'pre-login process: cannot set its limits and system call filter')


@test('privsep:fault-prelogin-without-limits')
def _():
    """A pre-login process whose resource limits cannot be set (strace:
    every process's first prlimit64 fails; the pre-login process's first
    is RLIMIT_NPROC, the original's only reads RLIMIT_STACK) does not run
    unlimited: it ends before the greeting, with a log line."""
    env = Env('fault-limits')
    res = env.run(b'QUIT\r\n', argv=faulty_argv(env, 'prlimit64', 'error=EPERM:when=1'))
    check_exit(res)
    expect_eq('output without limits', b'', res.out)
    expect_log(env, 'no limits', b'pre-login process: cannot set its limits and system call filter: '
                                 b'Operation not permitted')


@test('privsep:fault-monitor-cannot-take-user-identity')
def _():
    """The mailbox directory is the user's (not root's alone), so the
    monitor works there with the user's file system identity, and checks
    it by reading it back.  A setfsuid() that does not stick (the read-back
    faked to 0) leaves the monitor without a directory: every dotlock
    request is refused, the client is told to try later, nothing changes."""
    env = Env('fault-fsuid')
    env.put_mailbox(f1())
    before = env.snapshot()
    res = env.run(LOGIN + b'QUIT\r\n', argv=faulty_argv(env, 'setfsuid', 'retval=0:when=2'))
    check_exit(res)
    expect_eq('reply', GREETING + b'+OK Send your password.\r\n' +
              b'-ERR [SYS/TEMP] Mailbox temporarily unavailable, try again later.\r\n', res.out)
    expect_log(env, 'setfsuid', b"cannot take the user's identity for " + env.mbox.encode())
    check_no_lock(env)
    check_after(env, 'unchanged', before)


# ----------------------------------------------------------------- hostile messages (pop3d-fault)

@test('privsep:hostile-prelogin-malformed-requests')
def _():
    """A pre-login process that sends a request of a type it never sends,
    or a client address without --proxy-protocol: the monitor ends the
    connection and says why."""
    for what, log in (('prelogin-bad-type', b'malformed request from the pre-login process'),
                      ('prelogin-address', b'malformed address from the pre-login process')):
        env = Env('hostile-malformed')
        env.put_mailbox(f1())
        before = env.snapshot()
        s = hostile_session(env, what)
        expect_cut_after_user(env, s, what, log)
        check_no_lock(env)
        check_after(env, 'unchanged', before)


@test('privsep:hostile-prelogin-bad-handover', weight=3)
def _():
    """After a good PASS the monitor waits for the hand-over and nothing
    else: another message, descriptors with it, or none within the login
    timeout end the connection with no session started."""
    for what, log in (('prelogin-no-handover', None),
                      ('prelogin-handover-fds', b'descriptors or a truncated message from the pre-login process'),
                      ('prelogin-hang-handover', b'still there past the login timeout')):
        if not Config.root or not Config.fault:
            raise Skip('needs root and POP3D_FAULT')
        env = Env('hostile-handover')
        env.put_mailbox(f1())
        before = env.snapshot()
        argv = env.argv(args=['--login-timeout=1'], debug=True)
        argv[len(Config.wrapper)] = Config.fault
        s = env.session(argv=argv, env={'POP3D_HOSTILE': what})
        s.expect(GREETING)
        s.send(b'USER alice\r\n')
        s.expect(b'+OK Send your password.\r\n')
        s.send(b'PASS secret\r\nSTAT\r\n')
        rest = s.read_to_eof(timeout=15)
        if rest is None:
            s.kill()
            raise Fail('%s: the connection was not ended' % what)
        if rest:
            raise Fail('%s: the connection went on' % what, R.esc(rest))
        check_exit(s.finish())
        if log is not None:
            expect_log(env, what, log)
        if b'login: rip=' in env.stderr():
            raise Fail('%s: a session was started' % what, R.esc(env.stderr(), 2000))
        check_no_lock(env)
        check_after(env, 'unchanged', before)


@test('privsep:hostile-session-unknown-request')
def _():
    """A session that sends a request type the monitor does not know: the
    session is killed, the connection ends, the log says so."""
    env = Env('hostile-session-type')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = hostile_session(env, 'session-bad-type')
    expect_cut_after_user(env, s, 'unknown request', b'malformed request from the session: ending the connection')
    check_no_lock(env)
    check_after(env, 'unchanged', before)


# ----------------------------------------------------------------- signals and paths

@test('privsep:sigterm-before-login')
def _():
    """SIGTERM to pop3d (the monitor) before login is passed on through the
    login monitor to the pre-login process: the connection ends without a
    reply and no process of it is left."""
    if not Config.root:
        raise Skip('needs root (privilege separation)')
    env = Env('sigterm-prelogin')
    mark = os.path.basename(env.dir)
    s = env.session(env={'POP3D_TEST_MARK': mark})
    s.expect(GREETING)
    s.send(b'USER alice\r\n')
    s.expect(b'+OK Send your password.\r\n')
    time.sleep(0.2)
    os.kill(s.p.pid, R.signal.SIGTERM)
    rest = s.read_to_eof(timeout=10)
    if rest is None:
        s.kill()
        raise Fail('pop3d did not end the connection after SIGTERM')
    if rest:
        raise Fail('a reply after SIGTERM', R.esc(rest))
    check_exit(s.finish(), allow_signal=R.signal.SIGTERM)
    left = []
    for _ in range(20):
        left = marked_processes(('POP3D_TEST_MARK=' + mark).encode())
        if not left:
            break
        time.sleep(0.1)
    if left:
        raise Fail('processes of the connection left after SIGTERM: %s' % left)


@test('privsep:group-writable-parent-not-trusted')
def _():
    """A mail directory of root's whose parent a group may write is not
    root's alone (the group can rename it away and put another in its
    place): the monitor works there with the user's identity, so the user,
    who may not write there, gets no dotlock from root.  With the parent
    writable by root alone, the same directory is trusted."""
    if not Config.root:
        raise Skip('needs root (the monitor)')
    for mode, expected in ((0o755, b'+OK Logged in, 2 messages (52 octets).\r\n'),
                           (0o775, b'-ERR [SYS/TEMP] Mailbox temporarily unavailable, try again later.\r\n')):
        env = Env('grp-parent')
        parent = root_only_dir('grp-parent-%o-%s' % (mode, os.path.basename(env.dir)))
        os.chmod(parent, mode)
        spool = os.path.join(parent, 'spool')
        os.mkdir(spool, 0o755)
        mbox = os.path.join(spool, 'alice')
        env.put_mailbox(f1(), path=mbox)
        before = env.snapshot(mbox)
        res = env.run(LOGIN + b'QUIT\r\n', template=spool + '/%u', debug=True)
        check_exit(res)
        tail = b'+OK Bye.\r\n' if mode == 0o755 else b''
        expect_eq('login with the parent mode %o' % mode,
                  GREETING + b'+OK Send your password.\r\n' + expected + tail, res.out)
        if mode == 0o775 and b'cannot create dotlock' not in res.err:
            raise Fail('no log line for the refused dotlock', R.esc(res.err, 2000))
        if os.path.lexists(mbox + '.lock'):
            raise Fail('dotlock left behind')
        expect_eq('mailbox', before[0], open(mbox, 'rb').read())


@test('privsep:template-naming-a-dotlock')
def _():
    """A template that makes the mailbox path end in .lock (-m DIR/%u.lock)
    names another mailbox's dotlock: refused, by the monitor and by the
    session, with a log line; the file there is not touched."""
    env = Env('template-lock')
    env.put_mailbox(f1(), path=env.dir + '/alice.lock')
    before = env.snapshot(env.dir + '/alice.lock')
    res = env.run(LOGIN + b'QUIT\r\n', template=env.dir + '/%u.lock', debug=True)
    check_exit(res)
    expect_eq('login with a template ending in .lock', GREETING + b'+OK Send your password.\r\n' +
              b'-ERR [SYS/PERM] Mailbox unavailable, contact your administrator.\r\n', res.out)
    expect_eq('the file at the .lock path', before, env.snapshot(env.dir + '/alice.lock'))


@test('auth:users-file-odd-entries')
def _():
    """Users file entries that cannot be used: a line longer than the
    limit (its tail, which looks like an entry, matches nothing, and the
    next line is read as usual), a uid past 32 bits, a hash field longer
    than any hash, and a users file that cannot be read (a directory).
    Each is refused like a wrong password, with the reason
    in the log."""
    env = Env('users-odd')
    u, g, d = Config.uid, Config.gid, env.dir
    entry = 'sneaky:%s:%d:%d::%s:/bin/sh' % (R.H_SECRET, u, g, d)
    overlong = 'pad:' + 'x' * 1100 + ':' + entry
    env.write_users(('# a comment, then an empty line\n\n%s\nafter:%s:%d:%d::%s:/bin/sh\nbig:%s:4294967296:%d::%s:/bin/sh\n'
                     'longhash:%s:%d:%d::%s:/bin/sh\n' %
                     (overlong, R.H_SECRET, u, g, d, R.H_SECRET, g, d, 'x' * 400, u, g, d)).encode())
    env.put_mailbox(f1(), path=env.dir + '/after')
    res = env.run(b'USER after\r\nPASS secret\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('login on the line after an over-long one', GREETING + login_reply(2, 52) + b'+OK Bye.\r\n',
              res.out)
    for user, log in ((b'sneaky', b'user=<unknown> reason=no such user'),
                      (b'big', b'user=big reason=bad uid/gid field'),
                      (b'longhash', b'user=longhash reason=no usable password')):
        res = env.run(b'USER ' + user + b'\r\nPASS secret\r\nQUIT\r\n', debug=True)
        check_exit(res)
        expect_eq('login as %s' % user.decode(), GREETING + b'+OK Send your password.\r\n' + R.ERR_AUTH +
                  b'\r\n+OK Bye.\r\n', res.out)
        if log not in res.err:
            raise Fail('%s: no log line "%s"' % (user.decode(), log.decode()), R.esc(res.err, 2000))
    # A users file that opens but cannot be read (a directory: read fails).
    argv = env.argv(debug=True)
    argv[argv.index(env.users)] = env.dir
    res = env.run(b'USER alice\r\nPASS secret\r\nQUIT\r\n', argv=argv)
    check_exit(res)
    expect_eq('login with a directory as the users file', GREETING + b'+OK Send your password.\r\n' +
              R.ERR_AUTH + b'\r\n+OK Bye.\r\n', res.out)
    if b'user=<unknown> reason=users file unreadable\n' not in res.err:
        raise Fail('no reason=users file unreadable in the log', R.esc(res.err, 2000))


@test('privsep:fault-login-monitor-cannot-start', weight=2)
def _():
    """The login monitor cannot make the pre-login process's socket pair
    (a descriptor limit the monitor's own pair still fits under, found by
    trying): the connection ends without a byte, and the log says why."""
    if not Config.root:
        raise Skip('needs root (privilege separation)')
    if Config.wrapper:
        raise Skip('the wrapper needs descriptors of its own')
    env = Env('fault-login-monitor')
    for n in range(4, 12):
        argv = ['prlimit', '--nofile=%d' % n] + env.argv(debug=True)
        open(env.errfile, 'wb').close()
        res = env.run(b'USER alice\r\nPASS secret\r\nQUIT\r\n', argv=argv)
        check_exit(res)
        if res.out == UNAVAILABLE:
            continue                    # the monitor's own pair did not fit
        if res.out.startswith(GREETING):
            raise Fail('no descriptor limit made the login monitor fail and the monitor start', R.esc(res.out))
        expect_eq('output when the login monitor cannot start', b'', res.out)
        expect_log(env, 'login monitor', b'socketpair: Too many open files')
        return
    raise Fail('pop3d failed with every descriptor limit up to 11')


@test('privsep:spool-through-a-root-link', weight=2)
def _():
    """-m through a symbolic link root made in a directory only root may
    write (Debian's /var/spool/mail, a link to /var/mail, whose dotlocks
    only root or group mail may make): the link is one no user can change,
    so the monitor follows it and the session is served as with the real
    path: login, DELE 1, QUIT removes message 1; pop3d --recover as root
    takes the same path.  Root's link in a directory the user may write is
    not followed."""
    if not Config.root:
        raise Skip('needs root (the monitor)')
    env = Env('privsep-root-link')
    spool = root_only_dir('link-spool')
    top = root_only_dir('link-top')
    os.symlink(spool, os.path.join(top, 'mail'))
    mbox = os.path.join(spool, 'alice')
    env.put_mailbox(f1(), path=mbox)
    s = env.session(template=os.path.join(top, 'mail', '%u'))
    s.expect(GREETING)
    s.send(LOGIN + b'DELE 1\r\nQUIT\r\n')
    s.expect(b'+OK Send your password.\r\n')
    s.expect(b'+OK Logged in, 2 messages (52 octets).\r\n', what='login through the link')
    s.expect(b'+OK Message deleted.\r\n')
    s.expect(b'+OK Bye.\r\n')
    s.wait()
    with open(mbox, 'rb') as f:
        expect_eq('mailbox after DELE 1', f1()[f1().index(b'From ', 5):], f.read())
    expect_eq('files in the spool', ['alice'], sorted(os.listdir(spool)))
    r = subprocess.run([Config.pop3d, '--recover', os.path.join(top, 'mail', 'alice')],
                       capture_output=True, timeout=30 * Config.scale)
    expect_eq('--recover as root through the link', (0, os.path.join(top, 'mail', 'alice').encode()
              + b': nothing to recover\n', b''), (r.returncode, r.stdout, r.stderr))
    # Root's link in a directory the user may write (and so rename it
    # away or put another of root's there) is not followed by root.
    users = os.path.join(env.dir, 'links')
    os.mkdir(users, 0o755)
    R.chown(users)
    os.symlink(spool, os.path.join(users, 'mail'))
    path = os.path.join(users, 'mail', 'alice')
    r = subprocess.run([Config.pop3d, '--recover', path], capture_output=True, timeout=30 * Config.scale)
    expect_eq('--recover as root through root\'s link in the user\'s directory',
              (1, b'', ('pop3d: mailbox %s: its directory cannot be reached from / without following a '
                        'symbolic link: give its real path\n' % path).encode()),
              (r.returncode, r.stdout, r.stderr))
