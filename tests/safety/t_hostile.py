"""Hostile mailboxes and paths (issue 3, items 7 and 8)."""

import os
import random
import subprocess
import tempfile

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED, ERR_PERM, IS_ROOT, UID, GID


def register(test, ctx):
    for name in ('symlink', 'symlink-dangling', 'hard link', 'FIFO', 'directory',
                 'device', 'wrong owner', 'world-writable 0666',
                 'world-writable 0602'):
        test('hostile: %s refused' % name)(lambda name=name: refused(ctx, name))
    test('hostile: 0660 with another group is served')(lambda: mode_0660(ctx))
    test('hostile: garbage journal ignored')(lambda: garbage_journal(ctx))
    test('hostile: journal of another file ignored')(lambda: foreign_journal(ctx, False))
    test('hostile: stale journal, mailbox restored in place from a backup')(
        lambda: foreign_journal(ctx, True))
    test('hostile: journal symlink not followed')(lambda: journal_symlink(ctx))
    for who in ('symlink', 'root', 'other', 'read-only mailbox'):
        test('hostile: journal of %s: [SYS/PERM], mailbox untouched' % who)(
            lambda who=who: journal_foreign(ctx, who))
    test('hostile: journal of another version: [SYS/PERM], kept')(
        lambda: journal_other_version(ctx))
    test('hostile: NUL bytes served and kept')(lambda: special_kept(ctx, 'nul'))
    test('hostile: forged Status: D served and kept')(lambda: special_kept(ctx, 'status'))
    test('hostile: X-IMAP first message served and kept')(lambda: special_kept(ctx, 'ximap'))
    test('hostile: X-UID and lying Content-Length')(lambda: special_kept(ctx, 'clen'))
    test('hostile: CRLF-stored message kept at QUIT')(lambda: special_kept(ctx, 'crlf'))
    test('hostile: 8 MB line')(lambda: special_kept(ctx, 'longline'))
    test('hostile: From_ line across the 1 MiB scan window')(lambda: window_edge(ctx))
    test('hostile: 5 GB sparse file')(lambda: sparse(ctx))
    test('hostile: 200,000 messages, memory bounded')(lambda: many(ctx))


def small_mailbox(n=4, tag='h'):
    rnd = random.Random(5)
    return [lib.gen_msg(i, rnd, lines=(2, 20), tag=tag) for i in range(1, n + 1)]


def refused(ctx, name):
    env = ctx.env('hostile')
    msgs = small_mailbox()
    data = lib.mbox_bytes(msgs)
    other = os.path.join(env.mbox_dir, 'real')
    if name == 'symlink':
        env.write(data, path=other)
        os.symlink('real', env.path)
    elif name == 'symlink-dangling':
        os.symlink('nowhere', env.path)
    elif name == 'hard link':
        env.write(data)
        os.link(env.path, other)
    elif name == 'FIFO':
        os.mkfifo(env.path, 0o600)
        if IS_ROOT:
            os.chown(env.path, UID, GID)
    elif name == 'directory':
        os.mkdir(env.path, 0o700)
        if IS_ROOT:
            os.chown(env.path, UID, GID)
    elif name == 'device':
        if not IS_ROOT:
            raise Skip('mknod needs root')
        os.mknod(env.path, 0o600 | 0o020000, os.makedev(1, 3))
        os.chown(env.path, UID, GID)
    elif name == 'wrong owner':
        if not IS_ROOT:
            raise Skip('chown to another user needs root')
        env.write(data)
        os.chown(env.path, 0, GID)
    elif name.startswith('world-writable'):
        env.write(data, mode=int(name.split()[-1], 8))
    s = env.session()
    try:
        st = s.login()
        expect(st, ERR_PERM, 'PASS on a %s' % name)
        check(s.closed(), 'connection not closed after %s' % lib.short(st))
    finally:
        s.kill()
    if name == 'symlink':
        expect(open(other, 'rb').read(), data, 'symlink target')
    elif name in ('hard link', 'wrong owner') or name.startswith('world'):
        expect(env.read(), data, 'mailbox')
    check(not env.lock_left(), 'dotlock left')
    check(not env.journal_left(), 'journal created')


def mode_0660(ctx):
    env = ctx.env('mode0660')
    msgs = small_mailbox()
    env.write(lib.mbox_bytes(msgs), mode=0o660)
    if IS_ROOT:
        os.chown(env.path, UID, 8)      # group mail on Debian
    s = env.session()
    try:
        expect(s.login_ok(), len(msgs), 'messages')
        expect(s.cmd(b'DELE 1')[0], DELETED, 'DELE 1')
        expect(s.quit(), BYE, 'QUIT')
    finally:
        s.kill()
    expect(env.read(), lib.mbox_bytes(msgs[1:]), 'mailbox')
    expect(oct(os.stat(env.path).st_mode & 0o7777), oct(0o660), 'mode kept')


def login_stat_unchanged(env, msgs):
    payloads = lib.fetch_all(env)
    lib.check_presented(payloads, msgs, set())
    expect(env.read(), lib.mbox_bytes(msgs), 'mailbox')


def garbage_journal(ctx):
    env = ctx.env('garbage-journal')
    msgs = small_mailbox(6)
    env.write(lib.mbox_bytes(msgs))
    env.write(bytes(random.Random(1).getrandbits(8) for _ in range(70000)),
              path=env.journal)
    login_stat_unchanged(env, msgs)


def foreign_journal(ctx, reuse):
    """A real journal left by a crash in another file: must not be replayed
    onto this one.  reuse=False: the crashed file is renamed away (its inode
    stays busy) and a new file with the original bytes takes the path.
    reuse=True: an administrator restores the mailbox from a backup copy
    taken before the crash with cp (same inode, same size, the original
    bytes) and the stale journal is still there."""
    if not os.access(ctx.fault, os.X_OK):
        raise Skip('no fault-injection build')
    env = ctx.env('foreign-journal')
    import t_crash
    msgs = t_crash.crash_mailbox()
    data = lib.mbox_bytes(msgs)
    env.write(data)
    old_ino = os.stat(env.path).st_ino
    done = t_crash.run_crash(env, msgs, [1], 12)
    check(not done and env.journal_left(), 'no journal after a crash at point 12')
    if env.lock_left():
        os.unlink(env.lock)
    if not reuse:
        os.rename(env.path, os.path.join(env.mbox_dir, 'crashed'))
    env.write(data)
    same = os.stat(env.path).st_ino == old_ino
    try:
        login_stat_unchanged(env, msgs)
    except Fail as e:
        raise Fail('%s (%s with the bytes and size the crashed file had; the stale '
                   'journal was applied to it)' % (
                       e, 'the file restored in place' if same else 'a new file'))


def journal_symlink(ctx):
    env = ctx.env('journal-symlink')
    msgs = small_mailbox(5)
    env.write(lib.mbox_bytes(msgs))
    victim = os.path.join(env.mbox_dir, 'victim')
    env.write(b'precious\n', path=victim)
    os.symlink('victim', env.journal)
    s = env.session()
    try:
        st = s.login()
        if st.startswith(b'+OK'):
            expect(s.cmd(b'DELE 1')[0], DELETED, 'DELE 1')
            st = s.quit()
            check(st in (BYE, lib.ERR_QUIT), 'QUIT: %s' % lib.short(st))
            want = lib.mbox_bytes(msgs[1:] if st == BYE else msgs)
        else:
            want = lib.mbox_bytes(msgs)
            check(st.startswith(b'-ERR [SYS/'), 'PASS: %s' % lib.short(st))
    finally:
        s.kill()
    expect(open(victim, 'rb').read(), b'precious\n', 'symlink target of the journal')
    expect(env.read(), want, 'mailbox')


def journal_foreign(ctx, who):
    """A journal the user's session cannot use needs an administrator: the
    login fails with [SYS/PERM], not the [SYS/TEMP] that tells the user to
    wait, and nothing is written.  The manual: root's journal is for
    pop3d --recover as root, which finishes it, and so is the user's own
    beside a mailbox the user cannot write (mode 0400); a symbolic link or
    another user's is not one pop3d wrote, --recover as root refuses it
    too, and both say to inspect it and remove it."""
    if who != 'symlink' and not lib.IS_ROOT:
        raise Skip('needs root to make a journal of another owner')
    env = ctx.env('journal-' + who)
    msgs = small_mailbox(3)
    env.write(lib.mbox_bytes(msgs), mode=0o400 if who == 'read-only mailbox' else 0o600)
    if who == 'symlink':
        os.symlink('nowhere', env.journal)
    else:
        with open(env.journal, 'wb') as f:
            f.write(b'pop3d-journal-2\n' + bytes(4080))
        os.chmod(env.journal, 0o666 if who == 'other' else 0o600)
        uid = {'root': 0, 'other': lib.UID - 1}.get(who, lib.UID)
        os.chown(env.journal, uid, uid)
    out, _ = env.run_script([b'USER alice', b'PASS secret', b'QUIT'])
    expect(out, lib.GREETING + b'+OK Send your password.\r\n' + lib.ERR_PERM,
           'login with a journal of ' + who)
    expect(env.read(), lib.mbox_bytes(msgs), 'mailbox')
    check(os.path.lexists(env.journal), 'the journal was removed')
    if not lib.IS_ROOT:
        return
    r = subprocess.run([env.pop3d, '--recover', env.path], capture_output=True, timeout=60)
    if who in ('root', 'read-only mailbox'):
        # Torn (zeros after the magic): ignored and removed, as at a login.
        expect(r.returncode, 0, '--recover as root: exit status (stderr %s)' % lib.short(r.stderr))
        check(not os.path.lexists(env.journal), '--recover as root left root\'s journal')
    else:
        expect(r.returncode, 1, '--recover as root: exit status')
        check(b'inspect it, then remove it' in r.stderr,
              '--recover as root: %s' % lib.short(r.stderr))
        check(os.path.lexists(env.journal), '--recover as root removed the journal')
    expect(env.read(), lib.mbox_bytes(msgs), 'mailbox after --recover as root')



def journal_other_version(ctx):
    """The manual: a journal written by another version of pop3d is kept,
    not ignored, and needs an administrator (that version's --recover): the
    login fails with [SYS/PERM] and neither file changes.  Its magic is
    this version's but for the number, the rest of it zeros."""
    env = ctx.env('journal-version')
    msgs = small_mailbox(3)
    env.write(lib.mbox_bytes(msgs))
    journal = b'pop3d-journal-1\n' + bytes(4080)
    with open(env.journal, 'wb') as f:
        f.write(journal)
    os.chmod(env.journal, 0o600)
    if lib.IS_ROOT:
        os.chown(env.journal, lib.UID, lib.GID)
    out, _ = env.run_script([b'USER alice', b'PASS secret', b'QUIT'])
    expect(out, lib.GREETING + b'+OK Send your password.\r\n' + lib.ERR_PERM,
           'login with a journal of another version')
    expect(env.read(), lib.mbox_bytes(msgs), 'mailbox')
    check(os.path.lexists(env.journal), 'the journal was removed')
    with open(env.journal, 'rb') as f:
        expect(f.read(), journal, 'journal')


X_IMAP = (b'Date: 01 Jan 2024 00:00:00 +0000\n'
          b'From: Mail System Internal Data <MAILER-DAEMON@example.org>\n'
          b'Subject: DON\'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\n'
          b'Message-ID: <1704067200@example.org>\n'
          b'X-IMAP: 1704067200 0000000042 $Forwarded\n'
          b'Status: RO\n\n'
          b'This text is part of the internal format of your mail folder, and is not\n'
          b'a real message.  It is created automatically by the mail system software.\n'
          b'If deleted, important folder data will be lost, and it will be re-created\n'
          b'with the data reset to initial values.\n')


def special_kept(ctx, kind):
    env = ctx.env('special-' + kind)
    msgs = small_mailbox(5, tag='s')
    fl = lib.from_line('special', 7)
    if kind == 'nul':
        sp = lib.Msg('sp', b'Subject: nul\x00here\nX-Marker: nul\n\nbody\x00\x00 with NULs\n'
                     b'\x00\n\x00\x00\x00\n', fl)
        pos = 2
    elif kind == 'status':
        sp = lib.Msg('sp', b'Subject: forged\nStatus: D\nX-Status: D\nX-Mozilla-Status: 0008\n'
                     b'X-Marker: forged\n\nI am not deleted.\n', fl)
        pos = 2
    elif kind == 'ximap':
        sp = lib.Msg('sp', X_IMAP, lib.from_line('MAILER-DAEMON', 0))
        pos = 0
    elif kind == 'clen':
        sp = lib.Msg('sp', b'Subject: clen\nX-UID: 7\nX-Keywords: $Junk\nStatus: RO\n'
                     b'Content-Length: 3\nX-Marker: clen\n\nmore than three bytes\n\n'
                     b'>From inside the body\nlast\n', fl)
        pos = 2
    elif kind == 'crlf':
        sp = lib.Msg('sp', b'Subject: crlf\r\nX-Marker: crlf\r\n\r\nline one\r\nline two\r\n'
                     b'bare\rcr\r\n', fl)
        pos = 1
    elif kind == 'longline':
        sp = lib.Msg('sp', b'Subject: long\nX-Marker: long\n\n' + b'L' * (8 << 20) + b'\n', fl)
        pos = 3
    seq = msgs[:pos] + [sp] + msgs[pos:]
    env.write(lib.mbox_bytes(seq))
    k = pos + 1
    s = env.session()
    try:
        n = s.login_ok()
        expect(n, len(seq), 'message count (nothing hidden)')
        st, _ = s.cmd(b'LIST %d' % k)
        expect(st, b'+OK %d %d\r\n' % (k, len(sp.wire)), 'LIST %d' % k)
        st, body = s.cmd(b'RETR %d' % k, multi=True)
        expect(st, b'+OK %d octets\r\n' % len(sp.wire), 'RETR %d' % k)
        check(body == sp.wire, 'RETR %d: content differs' % k)
        dels = [i for i in (1, 2, len(seq)) if i != k]
        for d in sorted(set(dels)):
            expect(s.cmd(b'DELE %d' % d)[0], DELETED, 'DELE %d' % d)
        expect(s.quit(), BYE, 'QUIT')
    finally:
        s.kill()
    kept = [m for i, m in enumerate(seq, 1) if i not in dels]
    data = env.read()
    if data != lib.mbox_bytes(kept):
        raise Fail('after deleting %s: %s' % (dels, lib.match_file(data, kept, set())
                                             or 'wrong bytes'))
    # and the next session serves it again, first of what is left
    payloads = lib.fetch_all(env)
    lib.check_presented(payloads, kept, set())


def window_edge(ctx):
    """The second From_ line starts a few bytes before the 1 MiB scan
    window ends: sizes must still be exact."""
    env = ctx.env('window')
    bad = []
    b = lib.Msg('b', b'Subject: b\nX-Marker: b\n\nhello\n', lib.from_line('b', 2))
    for x in range((1 << 20) - 12, (1 << 20) + 3):
        fl = lib.from_line('a', 1)
        head = b'Subject: a\nX-Marker: a\n\n'
        n = x - (len(fl) + 1 + len(head) + 1)
        a = lib.Msg('a', head + (b'x' * 99 + b'\n') * (n // 100) + b'y' * (n % 100 - 1) + b'\n'
                    if n % 100 else head + (b'x' * 99 + b'\n') * (n // 100), fl)
        check(len(a.region) == x, 'test bug: region %d != %d' % (len(a.region), x))
        env.write(a.region + b.region)
        out, rc = env.run_script([b'USER alice', b'PASS secret', b'LIST', b'RETR 2',
                                  b'QUIT'])
        want = (b'+OK 2 messages (%d octets)\r\n1 %d\r\n2 %d\r\n.\r\n+OK %d octets\r\n'
                % (len(a.wire) + len(b.wire), len(a.wire), len(b.wire), len(b.wire)))
        if want not in out:
            bad.append(x - (1 << 20))
    check(not bad, 'second From_ line at 1 MiB%s: wrong sizes (LIST, RETR "+OK n octets" '
          'one more than sent)' % ','.join('%+d' % (d,) for d in bad))


def sparse(ctx):
    env = ctx.env('sparse')
    # reading 5 GB of holes takes ~30 s on ext4 but ~3 s on tmpfs
    shm = None
    if os.path.isdir('/dev/shm') and os.access('/dev/shm', os.W_OK):
        try:
            shm = tempfile.mkdtemp(prefix='pop3d-safety-', dir='/dev/shm')
            os.chmod(shm, 0o755)
            if IS_ROOT:
                os.chown(shm, UID, GID)
            env.set_mailbox_dir(shm)
        except OSError:
            shm = None
    try:
        sparse_in(ctx, env)
    finally:
        if shm:
            import shutil
            shutil.rmtree(shm, ignore_errors=True)


def sparse_in(ctx, env):
    first = lib.Msg('s1', b'Subject: huge\nX-Marker: huge\n\nzeros follow\n', lib.from_line('s', 1))
    last = lib.Msg('s2', b'Subject: tail\nX-Marker: tail\n\nafter the hole\n',
                   lib.from_line('t', 2))
    off = 5 * 1000 * 1000 * 1000
    try:
        with open(env.path, 'wb') as f:
            f.write(first.fline + b'\n' + first.content)
            f.seek(off)
            f.write(b'\n\n' + last.region)
    except OSError as e:
        raise Skip('cannot make a 5 GB sparse file: %s' % e)
    os.chmod(env.path, 0o600)
    if IS_ROOT:
        os.chown(env.path, UID, GID)
    size = os.path.getsize(env.path)
    # message 1: its content, the hole, the LF at off (CRLF on the wire)
    wire1 = (len(first.content) + first.content.count(b'\n')) + \
        (off - (len(first.fline) + 1 + len(first.content))) + 2
    s = env.session()
    try:
        n = s.login_ok(timeout=240)
        expect(n, 2, 'messages')
        expect(s.cmd(b'STAT')[0], b'+OK 2 %d\r\n' % (wire1 + len(last.wire)), 'STAT')
        expect(s.cmd(b'LIST 1')[0], b'+OK 1 %d\r\n' % wire1, 'LIST 1')
        expect(s.cmd(b'LIST 2')[0], b'+OK 2 %d\r\n' % len(last.wire), 'LIST 2')
        st, body = s.cmd(b'RETR 2', multi=True)
        expect(st, b'+OK %d octets\r\n' % len(last.wire), 'RETR 2')
        check(body == last.wire, 'RETR 2 content')
        st, body = s.cmd(b'TOP 1 0', multi=True, timeout=60)
        expect(body, b'Subject: huge\r\nX-Marker: huge\r\n\r\n', 'TOP 1 0')
        expect(s.cmd(b'DELE 2')[0], DELETED, 'DELE 2')
        expect(s.quit(timeout=240), BYE, 'QUIT')
    finally:
        s.kill()
    check(os.path.getsize(env.path) == off + 2, 'after DELE 2 the file is %d bytes, '
          'want %d' % (os.path.getsize(env.path), off + 2))
    with open(env.path, 'rb') as f:
        head = f.read(len(first.fline) + 1 + len(first.content))
        f.seek(off - 10)
        tail = f.read()
    expect(head, first.fline + b'\n' + first.content, 'start of the file')
    expect(tail, b'\0' * 10 + b'\n\n', 'end of the file')
    del size
    os.unlink(env.path)


def many(ctx):
    env = ctx.env('many')
    n = 200000
    parts = []
    for i in range(1, n + 1):
        parts.append(b'From m%d@x Thu Jan  1 00:00:00 2024\nSubject: %d\n\nb%d\n\n' % (i, i, i))
    data = b''.join(parts)
    env.write(data)
    wire = lambda i: len(b'Subject: %d\r\n\r\nb%d\r\n' % (i, i))
    total = sum(wire(i) for i in range(1, n + 1))
    if not os.access('/usr/bin/time', os.X_OK):
        raise Skip('no /usr/bin/time to measure peak RSS')
    rssf = os.path.join(env.dir, 'rss')
    script = b'USER alice\r\nPASS secret\r\nSTAT\r\nLIST 200000\r\nRETR 123457\r\n' \
        b'UIDL 200000\r\nDELE 1\r\nDELE 100000\r\nDELE 200000\r\nQUIT\r\n'
    p = subprocess.run(['/usr/bin/time', '-f', '%M', '-o', rssf, env.pop3d, '-f', env.users,
                        '-m', os.path.join(env.mbox_dir, '%u')], input=script,
                       capture_output=True, timeout=300)
    out = p.stdout.split(b'\r\n')
    expect(out[2], b'+OK Logged in, %d messages (%d octets).' % (n, total), 'PASS')
    expect(out[3], b'+OK %d %d' % (n, total), 'STAT')
    expect(out[4], b'+OK 200000 %d' % wire(200000), 'LIST 200000')
    expect(out[5:9], [b'+OK %d octets' % wire(123457), b'Subject: 123457', b'', b'b123457'],
           'RETR 123457')
    check(out[10].startswith(b'+OK 200000 '), 'UIDL 200000: %s' % lib.short(out[10]))
    expect(out[11:15], [b'+OK Message deleted.'] * 3 + [b'+OK Bye.'], 'DELE, QUIT')
    rss = int(open(rssf).read().split()[-1])
    check(rss < 64 * 1024, 'peak RSS %d KB >= 64 MB' % rss)
    ctx.stats['rss_200k_kb'] = rss
    want = b''.join(parts[i] for i in range(n) if i + 1 not in (1, 100000, 200000))
    if env.read() != want:
        raise Fail('after DELE 1, 100000, 200000 the mailbox is wrong')
