"""Dotlocks: stale ones broken, live ones waited for and reported; never
holding one lock while waiting for the other."""

import contextlib
import fcntl
import glob
import os
import random
import re
import socket
import subprocess
import time

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED, ERR_INUSE


def register(test, ctx):
    test('locks: dotlock of a dead pid broken at once')(lambda: dead_pid(ctx))
    test('locks: dotlock without pid, untouched 400 s, broken')(lambda: old_empty(ctx))
    test('locks: dotlock of a live pid -> [IN-USE] after ~10 s')(lambda: live_pid(ctx))
    test('locks: fcntl held: pop3d waits without keeping the dotlock')(
        lambda: fcntl_held(ctx))
    test('locks: dotlock holds PID:HOST, made by link(), no temporary file left')(
        lambda: names_host(ctx))
    test('locks: dotlock of this host (PID:HOST) with a dead pid broken at once')(
        lambda: this_host_dead(ctx))
    test('locks: dotlock of another host with a dead local pid -> [IN-USE]')(
        lambda: other_host_fresh(ctx))
    test('locks: dotlock of another host, untouched 400 s, broken')(
        lambda: other_host_old(ctx))
    test('locks: dotlock age measured by the file system\'s clock, not ours')(
        lambda: fs_clock(ctx))
    test('locks: link() reporting failure after it succeeded (NFS) is judged '
         'by the link count')(lambda: link_lies(ctx))
    test('locks: on NFS a dotlock with a dead pid and no host -> [IN-USE]')(
        lambda: nfs_bare_fresh(ctx))
    test('locks: on NFS a dotlock with a pid and no host, untouched 400 s, broken')(
        lambda: nfs_bare_old(ctx))


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


def this_host():
    return socket.gethostname().encode()


def no_temporaries(env):
    left = [n for n in os.listdir(env.mbox_dir) if n not in ('alice', 'alice.lock',
                                                              '.alice.pop3d-journal')]
    check(not left, 'files left in the mailbox directory: %r' % left)


@contextlib.contextmanager
def environment(extra):
    """Variables for the pop3d started inside (Session copies os.environ)."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def in_use(env, msgs):
    """The login waits about 10 s, then [IN-USE]; mailbox and lock untouched."""
    data = env.read()
    lock = open(env.lock, 'rb').read()
    t0 = time.monotonic()
    s = env.session()
    try:
        st = s.login(timeout=40)
        took = time.monotonic() - t0
        expect(st, ERR_INUSE, 'PASS while locked')
        check(8.5 <= took <= 16, '[IN-USE] after %.1fs, want about 10 s' % took)
    finally:
        s.kill()
    expect(open(env.lock, 'rb').read(), lock, 'the other host\'s dotlock')
    expect(env.read(), data, 'mailbox')
    os.unlink(env.lock)


def names_host(ctx):
    """A crash in the update leaves the dotlock as it was written: the
    creator's pid and this host's name.  It was made under a unique name and
    linked, and that name is gone whether the session ended or died."""
    if ctx.fault is None or not os.path.exists(ctx.fault):
        raise Skip('no pop3d-fault')
    env = ctx.env('lock-host')
    msgs = mailbox(env)
    binary = ctx.fault
    if lib.IS_ROOT:
        # Started as root, the monitor holds the dotlock and removes it when
        # the session dies; started as the user, the session holds it.
        binary = os.path.join(env.dir, 'as-user')
        with open(binary, 'w') as f:
            f.write('#!/bin/sh\nexec setpriv --reuid=%d --regid=%d --clear-groups '
                    '%s "$@"\n' % (lib.UID, lib.GID, ctx.fault))
        os.chmod(binary, 0o755)
    s = env.session(binary=binary, fault_after=1)
    try:
        expect(s.login_ok(), len(msgs), 'messages')
        expect(s.cmd(b'DELE 2')[0], DELETED, 'DELE 2')
        s.send(b'QUIT')
        s.p.wait(timeout=30)
        pid = s.p.pid
    finally:
        s.kill()
    check(env.lock_left(), 'no dotlock left by the crash')
    expect(open(env.lock, 'rb').read(), b'%d:%s\n' % (pid, this_host()),
           'dotlock contents')
    no_temporaries(env)
    os.unlink(env.lock)
    login_delete(env, msgs, 5)
    no_temporaries(env)


def this_host_dead(ctx):
    env = ctx.env('lock-host-dead')
    msgs = mailbox(env)
    write_lock(env, b'%d:%s\n' % (lib.dead_pid(), this_host()))
    login_delete(env, msgs, 1.5)


def other_host_fresh(ctx):
    """Another host's process ids mean nothing here: a lock naming another
    host is never broken by a local pid check."""
    env = ctx.env('lock-other-fresh')
    msgs = mailbox(env)
    write_lock(env, b'%d:other-host.example\n' % lib.dead_pid(), age=60)
    in_use(env, msgs)


def other_host_old(ctx):
    env = ctx.env('lock-other-old')
    msgs = mailbox(env)
    write_lock(env, b'%d:other-host.example\n' % os.getpid(), age=400)
    login_delete(env, msgs, 1.5)


def fs_clock(ctx):
    """pop3d's clock an hour behind the file system's: an empty dotlock
    untouched for 400 s by the file system's clock is stale; by pop3d's own
    clock it would be from the future and waited for."""
    lib_ft = glob.glob('/usr/lib/*/faketime/libfaketime.so.1')
    if not lib_ft:
        raise Skip('libfaketime not installed (Debian package faketime)')
    env = ctx.env('lock-fs-clock')
    msgs = mailbox(env)
    write_lock(env, b'', age=400)
    with environment({'LD_PRELOAD': lib_ft[0], 'FAKETIME': '-1h',
                      'NO_FAKE_STAT': '1'}):
        login_delete(env, msgs, 1.5)


LINK_LIES = r'''
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* NFS: the server made the link, its reply was lost, the retry says EEXIST. */
int
linkat(int od, const char *o, int nd, const char *n, int flags)
{
	int (*real)(int, const char *, int, const char *, int) =
	    (int (*)(int, const char *, int, const char *, int))dlsym(RTLD_NEXT, "linkat");

	if (real(od, o, nd, n, flags) == -1)
		return -1;
	errno = EEXIST;
	return -1;
}

int
link(const char *o, const char *n)
{
	return linkat(AT_FDCWD, o, AT_FDCWD, n, 0);
}
'''


NFS_SPOOL = r'''
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/vfs.h>

/* Every file system looks like NFS (NFS_SUPER_MAGIC). */
int
fstatfs(int fd, struct statfs *buf)
{
	int (*real)(int, struct statfs *) =
	    (int (*)(int, struct statfs *))dlsym(RTLD_NEXT, "fstatfs");

	if (real(fd, buf) == -1)
		return -1;
	buf->f_type = 0x6969;
	return 0;
}
'''


def shim(ctx, name, source):
    """A preload library built from source, once per run."""
    so = os.path.join(ctx.base, name + '.so')
    if not os.path.exists(so):
        src = os.path.join(ctx.base, name + '.c')
        with open(src, 'w') as f:
            f.write(source)
        subprocess.run(['cc', '-shared', '-fPIC', '-o', so, src, '-ldl'],
                       check=True, timeout=60)
        os.chmod(so, 0o755)
    return so


def link_lies(ctx):
    env = ctx.env('lock-link-lies')
    msgs = mailbox(env)
    with environment({'LD_PRELOAD': shim(ctx, 'linklies', LINK_LIES)}):
        login_delete(env, msgs, 1.5)
    no_temporaries(env)


def nfs_bare_fresh(ctx):
    """liblockfile's tools on another host write a bare pid: on a shared
    spool it may be another host's, so no local pid check breaks it."""
    env = ctx.env('lock-nfs-fresh')
    msgs = mailbox(env)
    write_lock(env, b'%d\n' % lib.dead_pid(), age=60)
    with environment({'LD_PRELOAD': shim(ctx, 'nfs', NFS_SPOOL)}):
        in_use(env, msgs)


def nfs_bare_old(ctx):
    env = ctx.env('lock-nfs-old')
    msgs = mailbox(env)
    write_lock(env, b'%d\n' % os.getpid(), age=400)
    with environment({'LD_PRELOAD': shim(ctx, 'nfs', NFS_SPOOL)}):
        login_delete(env, msgs, 1.5)


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
