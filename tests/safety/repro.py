#!/usr/bin/env python3
"""Minimal reproductions of the server bugs the safety suite found.

    python3 tests/safety/repro.py window|retr|journal   (POP3D, POP3D_FAULT as for run)

Each prints what it expected and what it got; exit 1 if the bug shows.
"""
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def window(env):
    """Second From_ line starting 4 bytes before the 1 MiB scan window end."""
    fl, head = lib.from_line('a', 1), b'Subject: a\n\n'
    n = (1 << 20) - 4 - (len(fl) + 1 + len(head) + 1)
    a = lib.Msg('a', head + b'x' * (n - 1) + b'\n', fl)
    b = lib.Msg('b', b'Subject: b\n\nhello\n', lib.from_line('b', 2))
    env.write(a.region + b.region)
    out, _ = env.run_script([b'USER alice', b'PASS secret', b'LIST 2', b'RETR 2', b'QUIT'])
    lines = out.split(b'\r\n')
    print('expected: +OK 2 %d / +OK %d octets' % (len(b.wire), len(b.wire)))
    print('got:     ', lines[3].decode(), '/', lines[4].decode(), '(and %d octets sent)'
          % len(b'\r\n'.join(lines[5:lines.index(b'.', 5)]) + b'\r\n'))
    return lines[3] != b'+OK 2 %d' % len(b.wire)


def retr(env):
    """A RETR blocked on a slow client while another session's UPDATE moves it."""
    rnd = random.Random(2)
    m1 = lib.gen_msg(1, rnd, lines=(5, 5), tag='r')
    m2 = lib.gen_msg(2, rnd, lines=(40000, 40000), width=(50, 150), tag='r')
    m3 = lib.gen_msg(3, rnd, lines=(10, 10), tag='r')
    env.write(lib.mbox_bytes([m1, m2, m3]))
    a = env.session()
    a.login_ok()
    a.send(b'RETR 2')
    st = a.readline()
    time.sleep(0.3)
    b = env.session()
    b.login_ok()
    b.cmd(b'DELE 1')
    b.quit()
    body = a.read_multi()
    a.quit()
    a.kill()
    b.kill()
    print('expected: RETR 2 = the %d octets of message 2 (or -ERR [SYS/TEMP] before any)'
          % len(m2.wire))
    print('got: %s + %d octets, first difference at octet %d' % (
        st.strip().decode(), len(body), len(os.path.commonprefix([body, m2.wire]))))
    return body != m2.wire


def journal(env):
    """Crash at fault point 12; the administrator restores the mailbox
    from a pre-crash backup with cp (same inode, same bytes and size); the
    next login replays the stale journal into the restored file."""
    import t_crash
    msgs = t_crash.crash_mailbox()
    data = lib.mbox_bytes(msgs)
    env.write(data)
    ino = os.stat(env.path).st_ino
    t_crash.run_crash(env, msgs, [1], 12)
    if os.path.lexists(env.lock):
        os.unlink(env.lock)
    env.write(data)             # like cp backup alice: truncate and write
    print('journal left by the crash:', os.path.exists(env.journal),
          '; same inode:', os.stat(env.path).st_ino == ino)
    out, _ = env.run_script([b'USER alice', b'PASS secret', b'QUIT'])
    after = env.read()
    print('expected: the restored file untouched (%d bytes)' % len(data))
    print('got: %s' % ('untouched' if after == data else 'rewritten: ' + str(
        lib.match_file(after, msgs, set()))))
    return after != data


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else 'window'
    base = tempfile.mkdtemp(prefix='pop3d-repro-')
    os.chmod(base, 0o755)
    try:
        env = lib.Env(base, what, os.path.abspath(os.environ.get('POP3D', './pop3d')),
                      os.path.abspath(os.environ.get('POP3D_FAULT', './pop3d-fault')))
        bug = {'window': window, 'retr': retr, 'journal': journal}[what](env)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print('BUG' if bug else 'ok')
    return 1 if bug else 0


if __name__ == '__main__':
    sys.exit(main())
