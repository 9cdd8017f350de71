"""Dotlocks: stale ones broken, live ones waited for and reported; never
holding one lock while waiting for the other."""

import fcntl
import os
import random
import time

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED, ERR_INUSE


def register(test, ctx):
    test('locks: dotlock of a dead pid broken at once')(lambda: dead_pid(ctx))
    test('locks: dotlock without pid, untouched 400 s, broken')(lambda: old_empty(ctx))
    test('locks: dotlock of a live pid -> [IN-USE] after ~10 s')(lambda: live_pid(ctx))
    test('locks: fcntl held: pop3d waits without keeping the dotlock')(
        lambda: fcntl_held(ctx))


def mailbox(env, n=4):
    rnd = random.Random(11)
    msgs = [lib.gen_msg(i, rnd, lines=(2, 10), tag='l') for i in range(1, n + 1)]
    env.write(lib.mbox_bytes(msgs))
    return msgs


def write_lock(env, content, age=0):
    with open(env.lock, 'wb') as f:
        f.write(content)
    if age:
        t = time.time() - age
        os.utime(env.lock, (t, t))


def login_delete(env, msgs, limit):
    t0 = time.monotonic()
    s = env.session()
    try:
        expect(s.login_ok(), len(msgs), 'messages')
        took = time.monotonic() - t0
        check(took < limit, 'login took %.1fs' % took)
        expect(s.cmd(b'DELE 2')[0], DELETED, 'DELE 2')
        expect(s.quit(), BYE, 'QUIT')
    finally:
        s.kill()
    expect(env.read(), lib.mbox_bytes(msgs[:1] + msgs[2:]), 'mailbox')
    check(not env.lock_left(), 'dotlock left')


def dead_pid(ctx):
    env = ctx.env('lock-dead')
    msgs = mailbox(env)
    write_lock(env, b'%d\n' % lib.dead_pid())
    login_delete(env, msgs, 1.5)


def old_empty(ctx):
    env = ctx.env('lock-old')
    msgs = mailbox(env)
    write_lock(env, b'', age=400)
    login_delete(env, msgs, 1.5)


def live_pid(ctx):
    env = ctx.env('lock-live')
    msgs = mailbox(env)
    data = env.read()
    write_lock(env, b'%d\n' % os.getpid())
    t0 = time.monotonic()
    s = env.session()
    try:
        st = s.login(timeout=40)
        took = time.monotonic() - t0
        expect(st, ERR_INUSE, 'PASS while locked')
        check(8.5 <= took <= 16, '[IN-USE] after %.1fs, want about 10 s' % took)
        check(s.closed(), 'connection not closed after [IN-USE]')
    finally:
        s.kill()
    expect(open(env.lock, 'rb').read(), b'%d\n' % os.getpid(), 'our dotlock')
    expect(env.read(), data, 'mailbox')
    os.unlink(env.lock)


def fcntl_held(ctx):
    """We hold the fcntl lock for 2 s.  pop3d must keep backing off without
    sitting on the dotlock (an MTA taking the dotlock first must get it),
    then log in when we let go."""
    env = ctx.env('lock-fcntl')
    msgs = mailbox(env)
    fd = os.open(env.path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    s = env.session()
    got_dotlock = 0
    tries = 0
    try:
        s.send(b'USER alice')
        s.send(b'PASS secret')
        t_end = time.monotonic() + 2.0
        time.sleep(0.2)
        while time.monotonic() < t_end:
            tries += 1
            try:
                lfd = os.open(env.lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.close(lfd)
                os.unlink(env.lock)
                got_dotlock += 1
            except FileExistsError:
                pass
            time.sleep(0.03)
        fcntl.lockf(fd, fcntl.LOCK_UN)
        os.close(fd)
        fd = -1
        expect(s.readline(), lib.GREETING, 'greeting')
        expect(s.readline(), b'+OK Send your password.\r\n', 'USER')
        st = s.readline(timeout=15)
        check(st.startswith(b'+OK Logged in, %d messages' % len(msgs)),
              'PASS after the fcntl lock was released: %s' % lib.short(st))
        expect(s.quit(), BYE, 'QUIT')
    finally:
        if fd != -1:
            os.close(fd)
        s.kill()
    check(got_dotlock >= tries // 2, 'while pop3d waited for the fcntl lock we got '
          'the dotlock only %d times in %d tries: it holds one lock while waiting '
          'for the other' % (got_dotlock, tries))
    check(not env.lock_left(), 'dotlock left')
