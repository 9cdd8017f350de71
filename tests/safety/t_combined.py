"""Two events at once (issue 11): each test crosses a crash, a delivery,
another session, a restore or a coarse clock with an update, the way the
review that found these bugs did.  Every one failed on the code before the
fix it is named after.

  crash+delivery       scenario 1: tail fingerprint over the wrong length
  identical copies     scenario 2: copies counted when deleting by identity
  journal while waiting  scenario 3: journal looked for under the locks
  1-second clock       scenario 4: no decision rests on time stamps
  restore after crash  scenario 5: every step checks the file is ours
  newline added        scenario 6: QUIT's +OK only if the deletion took effect
  moved by another     scenario 7: messages found again by identity
"""

import fcntl
import os
import random
import subprocess
import time

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED
import t_crash


def register(test, ctx):
    test('combined: crash then delivery, deleted octets under 4 KiB')(
        lambda: crash_then_delivery(ctx, small_msgs('t', 6), 3, None))
    test('combined: crash after the cut, then a copy of the cut tail')(
        lambda: crash_then_delivery(ctx, same_size_msgs(4, 700, 's'), 3, 4))
    test('combined: two sessions delete one of two identical copies')(
        lambda: identical_copies(ctx, [1], [1], ['A', 'B']))
    test('combined: two sessions delete different copies of two')(
        lambda: identical_copies(ctx, [1], [2], ['A', 'B']))
    test('combined: copies around another message, delivered copy')(
        lambda: copies_with_delivery(ctx))
    test('combined: a journal appears while a login waits for the locks')(
        lambda: journal_while_waiting(ctx))
    test('combined: 1-second time stamps, DELE elsewhere and same-size mail')(
        lambda: coarse_clock(ctx))
    test('combined: crash, then the mailbox restored in place')(
        lambda: restore_after_crash(ctx, t_crash.crash_mailbox(), False))
    test('combined: crash, then a larger backup of a small mailbox restored')(
        lambda: restore_after_crash(ctx, small_msgs('b', 4), True))
    test('combined: last line without LF, delivery adds it, DELE of it')(
        lambda: newline_added(ctx))
    test('combined: last line without LF, mail joined to it, DELE of it')(
        lambda: mail_joined(ctx))
    test('combined: another session removes a message; UIDL, RETR go on')(
        lambda: moved_by_another(ctx, 4))
    test('combined: another session removes message 1; all move')(
        lambda: moved_by_another(ctx, 1))


def small_msgs(tag, n, seed=5):
    rnd = random.Random(seed)
    return [lib.gen_msg(i, rnd, lines=(3, 6), width=(10, 40), tag=tag)
            for i in range(1, n + 1)]


def crash_then_delivery(ctx, msgs, dele, copy):
    """Scenario 1.  The removed octets are a few hundred; after the crash a
    delivery appends mail (with copy, a byte-identical copy of message
    copy, which after the cut lands exactly where the cut-off tail was);
    the replay must not take the new mail for the tail it expected, nor
    the tail for new mail."""
    ctx.have_fault()
    env = ctx.env('crash-small-tail')
    orig = lib.mbox_bytes(msgs)
    gone = msgs[dele - 1]
    check(len(gone.region) < 4096, 'test mailbox too large')
    kept = [m for m in msgs if m is not gone]
    k = 1
    while k < t_crash.MAX_POINTS:
        env.reset(orig)
        ino = os.stat(env.path).st_ino
        done = t_crash.run_crash(env, msgs, [dele], k)
        ctx.count('crash')
        if done:
            expect(env.read(), lib.mbox_bytes(kept), 'update completed')
            check(k > 2, 'no fault point before the update completed')
            return
        if copy is None:
            y = lib.gen_msg(50 + k, random.Random(k), lines=(2, 4), tag='late')
        else:
            y = copy_of(msgs[copy - 1], 'copy')
        lib.locked_append(env.path, y.delivered)
        ctx.count('delivered')
        label = 'fault point %d, then a delivery' % k
        seq = msgs + [y]
        # The next login replays; the file is then the old mailbox or the
        # updated one, each followed by the new mail, to the octet.
        n = len(lib.fetch_all(env))
        data = env.read()
        if data == lib.mbox_bytes(seq):
            expect(n, len(seq), label + ': messages')
        elif data == lib.mbox_bytes(kept + [y]):
            expect(n, len(kept) + 1, label + ': messages')
        else:
            raise Fail('%s: the file is neither the old nor the updated '
                       'mailbox followed by the new mail (%s)' % (label,
                       lib.match_file(data, seq, {gone.id})))
        check(os.stat(env.path).st_ino == ino, label + ': inode changed')
        check(not env.journal_left(), label + ': journal left')
        k += 1
    raise Fail('update never completed')


def copy_of(m, mid):
    """A byte-identical copy of m under another id (same octets)."""
    return lib.Msg(mid, m.content, m.fline)


def two_sessions(env, dels1, dels2):
    a, b = env.session(), env.session()
    try:
        a.login_ok()
        b.login_ok()
        for s, dels in ((a, dels1), (b, dels2)):
            for d in dels:
                expect(s.cmd(b'DELE %d' % d)[0], DELETED, 'DELE %d' % d)
        expect(a.quit(), BYE, 'first QUIT')
        a.wait()
        expect(b.quit(), BYE, 'second QUIT')
        b.wait()
    finally:
        a.kill()
        b.kill()


def identical_copies(ctx, dels1, dels2, expect_ids):
    """Scenario 2.  [A][A][B]: each session saw two copies and kept one, so
    together they may remove one copy, never both."""
    env = ctx.env('copies')
    a, b = small_msgs('c', 2)
    a2 = copy_of(a, 'A2')
    env.reset(lib.mbox_bytes([a, a2, b]))
    two_sessions(env, dels1, dels2)
    ctx.count('sessions', 2)
    want = {'A': a, 'B': b}
    expect(env.read(), lib.mbox_bytes([want[i] for i in expect_ids]),
           'mailbox after both sessions')


def copies_with_delivery(ctx):
    """[A][X][A]: the session deletes the second A while a delivery brings a
    third copy; exactly the one it marked goes, not the delivered one."""
    env = ctx.env('copies-delivery')
    a, x = small_msgs('d', 2)
    env.reset(lib.mbox_bytes([a, x, copy_of(a, 'A2')]))
    s = env.session()
    try:
        expect(s.login_ok(), 3, 'messages')
        expect(s.cmd(b'DELE 3')[0], DELETED, 'DELE 3')
        lib.locked_append(env.path, a.delivered)
        expect(s.quit(), BYE, 'QUIT')
        s.wait()
    finally:
        s.kill()
    expect(env.read(), lib.mbox_bytes([a, x, a]), 'mailbox')


def hold_locks(path):
    """Takes the dotlock and the fcntl lock as a delivery agent would."""
    fd = os.open(path, os.O_RDWR)
    lfd = os.open(path + '.lock', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(lfd, b'%d\n' % os.getpid())
    os.close(lfd)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def release_locks(path, fd):
    fcntl.lockf(fd, fcntl.LOCK_UN)
    os.close(fd)
    os.unlink(path + '.lock')


def journal_while_waiting(ctx):
    """Scenario 3.  A crashed update's journal appears after the login
    looked and before it got the locks: the login must replay it first,
    not serve the half-updated file."""
    ctx.have_fault()
    env = ctx.env('journal-wait')
    rnd = random.Random(11)
    msgs = [lib.gen_msg(i, rnd, lines=(800, 1200), tag='w') for i in range(1, 6)]
    orig = lib.mbox_bytes(msgs)
    dels = [1]
    final = lib.mbox_bytes(msgs[1:])
    tried = 0
    for k in range(3, 400, 7):
        env.reset(orig)
        if t_crash.run_crash(env, msgs, dels, k):
            break
        check(env.journal_left(), 'no journal after fault point %d' % k)
        half = env.read()
        if half in (orig, final):
            continue            # nothing moved yet: not the interesting case
        hidden = env.journal + '.hidden'
        os.rename(env.journal, hidden)
        fd = hold_locks(env.path)
        s = env.session()
        try:
            expect(s.readline(), lib.GREETING, 'greeting')
            expect(s.cmd(b'USER alice')[0], b'+OK Send your password.\r\n',
                   'USER')
            s.send(b'PASS secret')
            time.sleep(0.6)     # the login looks for a journal, then waits
            os.rename(hidden, env.journal)
            release_locks(env.path, fd)
            fd = None
            st = s.readline()
            check(st.startswith(b'+OK Logged in, '), 'PASS: %s' % lib.short(st))
            n = int(st.split()[3])
            got = []
            for i in range(1, n + 1):
                st, body = s.cmd(b'RETR %d' % i, multi=True)
                check(st.startswith(b'+OK'), 'RETR %d: %s' % (i, lib.short(st)))
                got.append(body)
            expect(s.quit(), BYE, 'QUIT')
            s.wait()
        finally:
            if fd is not None:
                release_locks(env.path, fd)
            s.kill()
        tried += 1
        lib.check_presented(got, msgs, set(msgs[d - 1].id for d in dels))
        data = env.read()
        check(data in (orig, final), 'fault point %d: file neither before nor '
              'after the update (%s)' % (k, lib.match_file(data, msgs, {msgs[0].id})))
    check(tried > 0, 'no fault point left a half-updated file')
    ctx.count('crash', tried)


def same_size_msgs(n, size, tag):
    """n messages whose regions are all exactly size octets long."""
    out = []
    for i in range(1, n + 1):
        fline = lib.from_line(tag + str(i), i)
        head = b'Subject: %s%d\nX-Marker: %s-%d\n\n' % (tag.encode(), i,
                                                       tag.encode(), i)
        pad = size - len(fline) - 1 - len(head) - 1
        check(pad > 1, 'size too small')
        out.append(lib.Msg('%s-%d' % (tag, i), head + b'y' * (pad - 1) + b'\n',
                           fline))
        check(len(out[-1].region) == size, 'size arithmetic')
    return out


def mount_coarse_clock(ctx):
    """A loop-mounted ext4 with 128-octet inodes: 1-second time stamps."""
    if not lib.IS_ROOT:
        raise Skip('needs root for a loop mount')
    img = os.path.join(ctx.base, 'coarse.img')
    mnt = os.path.join(ctx.base, 'coarse')
    os.mkdir(mnt)
    with open(img, 'wb') as f:
        f.truncate(32 << 20)
    r = subprocess.run(['mkfs.ext4', '-q', '-I', '128', '-F', img],
                       capture_output=True, timeout=60)
    if r.returncode != 0:
        raise Skip('mkfs.ext4 failed: %s' % lib.short(r.stderr))
    r = subprocess.run(['mount', '-o', 'loop', img, mnt], capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        raise Skip('no loop mount here: %s' % lib.short(r.stderr))
    ctx.mounts = getattr(ctx, 'mounts', []) + [mnt]
    probe = os.path.join(mnt, 'probe')
    open(probe, 'w').close()
    check(os.stat(probe).st_mtime_ns % 1000000000 == 0,
          'the loop mount has sub-second time stamps')
    return mnt


def coarse_clock(ctx):
    """Scenario 4.  On a file system with 1-second time stamps, another
    session's DELE 1 and a delivery of the same size leave device, inode,
    size, mtime and ctime as the session saw them.  RETR 2 must still
    serve message 2 (found by its octets), and DELE 2 remove message 2."""
    mnt = mount_coarse_clock(ctx)
    env = ctx.env('coarse-clock')
    d = os.path.join(mnt, 'mail')
    os.mkdir(d)
    os.chown(d, lib.UID, lib.GID)
    env.set_mailbox_dir(d)
    m1, m2, m3, m4 = same_size_msgs(4, 600, 'k')
    for attempt in range(6):
        env.reset(lib.mbox_bytes([m1, m2, m3]))
        while time.time() % 1 > 0.2:     # start early in a second
            time.sleep(0.01)
        st0 = os.stat(env.path)
        a = env.session(args=['--index-dir=none'])
        try:
            expect(a.login_ok(), 3, 'messages')
            out, _ = env.run_script([b'USER alice', b'PASS secret', b'DELE 1',
                                     b'QUIT'])
            check(out.endswith(BYE), 'other session: %s' % lib.short(out))
            lib.locked_append(env.path, m4.delivered)
            st1 = os.stat(env.path)
            if (st1.st_mtime_ns, st1.st_ctime_ns, st1.st_size) != (
                    st0.st_mtime_ns, st0.st_ctime_ns, st0.st_size):
                continue        # crossed a second boundary: try again
            st, body = a.cmd(b'RETR 2', multi=True)
            expect(st, b'+OK %d octets\r\n' % len(m2.wire), 'RETR 2')
            expect(body, m2.wire, 'RETR 2 body')
            expect(a.cmd(b'DELE 2')[0], DELETED, 'DELE 2')
            expect(a.quit(), BYE, 'QUIT')
            a.wait()
        finally:
            a.kill()
        expect(env.read(), lib.mbox_bytes([m3, m4]), 'mailbox after QUIT')
        return
    raise Skip('could not keep the three events within one second')


def restored(msgs):
    """A backup of the same size but other octets: every body 'x' is 'z'."""
    out = []
    for m in msgs:
        head, sep, body = m.content.partition(b'\n\n')
        out.append(lib.Msg(m.id + 'r', head + sep + body.replace(b'x', b'z'),
                           m.fline))
    return out


def restore_after_crash(ctx, msgs, larger):
    """Scenario 5.  After a crash at any point, the mailbox is restored
    from a backup in place (same inode), of the same size or (larger)
    with one more message; the next login must leave the restored file
    exactly as it is and drop the journal.  A small mailbox has no whole
    4 KiB block to check: only the pieces at a step's edges tell."""
    ctx.have_fault()
    env = ctx.env('restore')
    orig = lib.mbox_bytes(msgs)
    backup = lib.mbox_bytes(restored(msgs))
    if larger:
        backup += lib.gen_msg(99, random.Random(99), tag='extra').region
    check(len(backup) >= len(orig) and backup != orig, 'backup arithmetic')
    n_backup = len(lib.split_regions(backup))
    step = 3 if ctx.quick else 1
    k = 1
    while k < t_crash.MAX_POINTS:
        env.reset(orig)
        if t_crash.run_crash(env, msgs, [2], k):
            return
        ctx.count('crash')
        if env.journal_left():
            with open(env.path, 'r+b') as f:     # in place: same inode
                f.write(backup)
                f.truncate(len(backup))
            s = env.session()
            try:
                expect(s.login_ok(), n_backup, 'fault point %d: messages after '
                       'the restore' % k)
                expect(s.quit(), BYE, 'QUIT')
                s.wait()
            finally:
                s.kill()
            check(env.read() == backup, 'fault point %d: the restored mailbox '
                  'was changed by the replay' % k)
            check(not env.journal_left(), 'fault point %d: journal kept' % k)
        k += step
    raise Fail('update never completed')


def newline_added(ctx):
    """Scenario 6.  The last message has no final LF; during the session a
    delivery agent ends that line and adds the empty line before its own
    From_ line.  The session deleted the last message: QUIT may say +OK
    only if it is gone."""
    env = ctx.env('newline-added')
    m1, m2 = small_msgs('n', 2)
    last = lib.Msg(m2.id, m2.content.rstrip(b'\n'), m2.fline)
    env.write(lib.mbox_bytes([m1]) + last.fline + b'\n' + last.content)
    y = lib.gen_msg(9, random.Random(9), lines=(2, 3), tag='y')
    s = env.session()
    try:
        expect(s.login_ok(), 2, 'messages')
        expect(s.cmd(b'DELE 2')[0], DELETED, 'DELE 2')
        lib.locked_append(env.path, b'\n\n' + y.delivered)
        st = s.quit()
        s.wait()
    finally:
        s.kill()
    data = env.read()
    if st == BYE:
        expect(data, lib.mbox_bytes([m1, y]), 'QUIT said +OK: the file')
    else:
        expect(st, lib.ERR_QUIT, 'QUIT')
        expect(data, lib.mbox_bytes([m1]) + last.fline + b'\n' + last.content +
               b'\n\n' + y.region, 'QUIT failed: the file')


def mail_joined(ctx):
    """Scenario 6, the other way: a writer ends the line but adds no empty
    line, so its message joins the last one.  The message the session
    marked is still there, grown: QUIT must fail and change nothing."""
    env = ctx.env('mail-joined')
    m1, m2 = small_msgs('j', 2)
    last = lib.Msg(m2.id, m2.content.rstrip(b'\n'), m2.fline)
    before = lib.mbox_bytes([m1]) + last.fline + b'\n' + last.content
    env.write(before)
    y = lib.gen_msg(9, random.Random(9), lines=(2, 3), tag='y')
    s = env.session()
    try:
        expect(s.login_ok(), 2, 'messages')
        expect(s.cmd(b'DELE 2')[0], DELETED, 'DELE 2')
        lib.locked_append(env.path, b'\n' + y.delivered)
        expect(s.quit(), lib.ERR_QUIT, 'QUIT')
        s.wait()
    finally:
        s.kill()
    expect(env.read(), before + b'\n' + y.delivered + b'\n', 'the file')


def uidls(env, args=('--index-dir=none',)):
    s = env.session(args=list(args))
    try:
        s.login_ok()
        st, body = s.cmd(b'UIDL', multi=True)
        expect(st, b'+OK Unique-ID listing follows.\r\n', 'UIDL')
        expect(s.quit(), BYE, 'QUIT')
        s.wait()
    finally:
        s.kill()
    return dict(l.split(b' ') for l in body.split(b'\r\n') if l)


def moved_by_another(ctx, gone):
    """Scenario 7.  Session A logs in (no index); session B deletes message
    `gone` and quits.  A's UIDL lists the rest with the unique-ids A would
    have given before; RETR and DELE of the others work; only the removed
    message gets -ERR."""
    env = ctx.env('moved-%d' % gone)
    msgs = small_msgs('u', 4)
    env.reset(lib.mbox_bytes(msgs))
    before = uidls(env)
    a = env.session(args=['--index-dir=none'])
    try:
        expect(a.login_ok(), 4, 'messages')
        expect(a.cmd(b'STAT')[0], b'+OK 4 %d\r\n' % sum(len(m.wire) for m in msgs),
               'STAT')
        out, _ = env.run_script([b'USER alice', b'PASS secret',
                                 b'DELE %d' % gone, b'QUIT'])
        check(out.endswith(BYE), 'other session: %s' % lib.short(out))
        st, body = a.cmd(b'UIDL', multi=True)
        expect(st, b'+OK Unique-ID listing follows.\r\n', 'UIDL after the change')
        want = b''.join(b'%d %s\r\n' % (i, before[b'%d' % i])
                        for i in range(1, 5) if i != gone)
        expect(body, want, 'UIDL listing after the change')
        keep = 2 if gone != 2 else 3
        expect(a.cmd(b'UIDL %d' % keep)[0], b'+OK %d %s\r\n' % (
            keep, before[b'%d' % keep]), 'UIDL %d' % keep)
        check(a.cmd(b'UIDL %d' % gone)[0].startswith(b'-ERR'),
              'UIDL of the removed message must fail')
        check(a.cmd(b'RETR %d' % gone)[0].startswith(b'-ERR'),
              'RETR of the removed message must fail')
        st, body = a.cmd(b'RETR %d' % keep, multi=True)
        expect(body, msgs[keep - 1].wire, 'RETR %d' % keep)
        expect(a.cmd(b'DELE %d' % keep)[0], DELETED, 'DELE %d' % keep)
        expect(a.quit(), BYE, 'QUIT')
        a.wait()
    finally:
        a.kill()
    expect(env.read(), lib.mbox_bytes([m for i, m in enumerate(msgs, 1)
                                       if i not in (gone, keep)]), 'mailbox')
