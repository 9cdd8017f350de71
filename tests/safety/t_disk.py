"""Full disk at UPDATE on a small tmpfs the test mounts (root only)."""

import os
import random
import subprocess

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED, ERR_QUIT, IS_ROOT, UID, GID

SIZE = 4 * 1024 * 1024


def register(test, ctx):
    ctx.mounts = []
    for binary in ('pop3d', 'pop3d-fault'):
        test('full disk: DELE near the start, QUIT -> [SYS/TEMP], nothing changed (%s)'
             % binary)(lambda binary=binary: full(ctx, binary, 'start'))
    test('full disk: DELE of the last message only needs a truncate')(
        lambda: full(ctx, 'pop3d', 'last'))
    test('full disk: a later session with space removes the message')(
        lambda: full(ctx, 'pop3d', 'retry'))


def mount(ctx, env):
    if not IS_ROOT:
        raise Skip('mounting a tmpfs needs root')
    mnt = os.path.join(env.dir, 'tmpfs')
    os.mkdir(mnt)
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%d,mode=0755,uid=%d,gid=%d'
                        % (SIZE, UID, GID), 'tmpfs', mnt], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        raise Skip('cannot mount a tmpfs: %s' % (r.stderr.strip() or r.returncode))
    ctx.mounts.append(mnt)
    return mnt


def umount(ctx, mnt):
    r = subprocess.run(['umount', mnt], capture_output=True, text=True, timeout=30)
    if r.returncode == 0:
        ctx.mounts.remove(mnt)
    else:
        raise Fail('umount %s: %s' % (mnt, r.stderr.strip()))


def fill_mailbox(env, free_target):
    """Messages filling the tmpfs up to about free_target bytes free."""
    rnd = random.Random(31)
    msgs = [lib.gen_msg(1, rnd, lines=(200, 200), tag='d')]   # ~25 KB, the one deleted
    total = len(msgs[0].region)
    i = 1
    while True:
        i += 1
        m = lib.gen_msg(i, rnd, lines=(500, 1500), tag='d')
        if total + len(m.region) > SIZE - free_target - 64 * 1024:
            break
        msgs.append(m)
        total += len(m.region)
    # pad with one message to get close to the target
    left = SIZE - free_target - total - 200
    if left > 100:
        pad = lib.Msg('dpad', b'Subject: pad\nX-Marker: dpad\n\n' +
                      (b'p' * 99 + b'\n') * (left // 100), lib.from_line('pad', 9))
        msgs.append(pad)
    env.write(lib.mbox_bytes(msgs))
    return msgs


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def full(ctx, binary, kind):
    env = ctx.env('disk')
    mnt = mount(ctx, env)
    try:
        env.set_mailbox_dir(mnt)
        msgs = fill_mailbox(env, 12 * 1024)
        free = free_bytes(mnt)
        check(free < 64 * 1024, 'test bug: %d bytes free' % free)
        data = env.read()
        ino = os.stat(env.path).st_ino
        binpath = ctx.pop3d if binary == 'pop3d' else ctx.fault
        if not os.access(binpath, os.X_OK):
            raise Skip('no %s' % binpath)
        s = env.session(binary=binpath)
        try:
            expect(s.login_ok(), len(msgs), 'messages')
            d = len(msgs) if kind == 'last' else 1
            expect(s.cmd(b'DELE %d' % d)[0], DELETED, 'DELE %d' % d)
            st = s.quit()
        finally:
            s.kill()
        if kind == 'last':
            expect(st, BYE, 'QUIT with a full disk, deleting the last message')
            expect(env.read(), lib.mbox_bytes(msgs[:-1]), 'mailbox')
        else:
            expect(st, ERR_QUIT, 'QUIT with %d bytes free' % free)
            check(env.read() == data, 'mailbox changed by the failed update')
        check(os.stat(env.path).st_ino == ino, 'inode changed')
        check(not env.journal_left(), 'journal left on the full disk')
        check(not env.lock_left(), 'dotlock left')
        if kind == 'retry':
            # make room (an administrator, or an MUA removing the pad)
            os.unlink(env.path)
            small = msgs[:3]
            import time
            for _ in range(50):     # space returns when every pop3d process is gone
                try:
                    env.write(lib.mbox_bytes(small))
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise Fail('%s after removing the mailbox; tmpfs holds %s, %d bytes free'
                           % ('ENOSPC', sorted(os.listdir(mnt)), free_bytes(mnt)))
            s = env.session()
            try:
                expect(s.login_ok(), 3, 'messages')
                expect(s.cmd(b'DELE 1')[0], DELETED, 'DELE 1')
                expect(s.quit(), BYE, 'QUIT with space')
            finally:
                s.kill()
            expect(env.read(), lib.mbox_bytes(small[1:]), 'mailbox')
            check(not env.journal_left(), 'journal left')
        # the next session sees everything (no damage, no leftovers)
        if kind != 'retry':
            payloads = lib.fetch_all(env)
            lib.check_presented(payloads, msgs if kind != 'last' else msgs[:-1], set())
    finally:
        env.set_mailbox_dir(os.path.join(env.dir, 'mail'))
        umount(ctx, mnt)
