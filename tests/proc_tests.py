"""Process-level tests for pop3d: properties over every fixture, UIDL rules,
mailbox permissions and locks, signals and timeouts, logging, the command
line, mailbox changes during a session, and a real client (poplib) over
loopback TCP.  Loaded by tests/run, which is __main__ and provides the
helpers (Env, Session, Fail, ...).
"""

import base64
import fcntl
import os
import poplib
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import __main__ as R
from __main__ import (Fail, Skip, Env, Config, test, expect_eq, check_exit, check_no_lock, check_after,
                      fixture, GREETING, LOGIN, login_reply, ERR_AUTH, ERR_PERM, ERR_TEMP, ERR_INUSE,
                      ERR_QUIT_TEMP, ERR_CHANGED, ERR_GONE, CAPA_LINES)

def f1():
    return fixture('F1.mbox')


_cleanup = []
_cleanup_lock = threading.Lock()


def teardown():
    with _cleanup_lock:
        for p in _cleanup:
            R.kill_group(p)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


# ----------------------------------------------------------------- reply parsing

def is_multi(cmd):
    words = cmd.split()
    if not words:
        return False
    k = words[0].upper()
    return k in (b'RETR', b'TOP', b'CAPA') or (k in (b'LIST', b'UIDL') and len(words) == 1)


def parse_replies(out, cmds):
    """Split pipelined output into (status, body-or-None) per command.

    body is the unstuffed content (bytes, CRLF line ends) of a multi-line
    reply.  Checks framing: status lines fit in 512 octets and start with
    +OK/-ERR and a space; no content line starts with a lone '.'.
    """
    pos = 0

    def line():
        nonlocal pos
        i = out.find(b'\r\n', pos)
        if i < 0:
            raise Fail('output ends early (after %d of %d bytes)' % (pos, len(out)), R.esc(out[pos:pos + 300]))
        ln = out[pos:i]
        pos = i + 2
        return ln

    def status():
        s = line()
        if len(s) > 510 or not re.match(rb'^(\+OK|-ERR) \S', s):
            raise Fail('bad status line: %s' % R.esc(s))
        return s

    greeting = status()
    replies = []
    for c in cmds:
        s = status()
        body = None
        if is_multi(c) and s.startswith(b'+OK'):
            parts = []
            while True:
                ln = line()
                if ln == b'.':
                    break
                if ln.startswith(b'.'):
                    if not ln.startswith(b'..'):
                        raise Fail('unstuffed line in reply to %s: %s' % (R.esc(c), R.esc(ln)))
                    ln = ln[1:]
                parts.append(ln + b'\r\n')
            body = b''.join(parts)
        replies.append((s, body))
    return greeting, replies, out[pos:]


def session_replies(env, cmds, **kw):
    data = b''.join(c + b'\r\n' for c in cmds)
    res = env.run(data, **kw)
    if res.timed_out:
        raise Fail('pop3d did not finish', R.esc(res.out[-500:]))
    check_exit(res)
    greeting, replies, rest = parse_replies(res.out, cmds)
    expect_eq('greeting', GREETING, greeting + b'\r\n')
    if rest:
        raise Fail('extra output after the last reply', R.esc(rest[:300]))
    return replies


def login_cmds():
    return [b'USER alice', b'PASS secret']


def uidl_list(env):
    r = session_replies(env, login_cmds() + [b'UIDL', b'QUIT'])
    if not r[1][0].startswith(b'+OK Logged in'):
        raise Fail('login failed: %s' % R.esc(r[1][0]))
    body = r[2][1]
    if body is None:
        raise Fail('UIDL failed: %s' % R.esc(r[2][0]))
    out = []
    for ln in body.split(b'\r\n')[:-1]:
        m = re.fullmatch(rb'([1-9][0-9]*) ([\x21-\x7e]{1,70})', ln)
        if not m:
            raise Fail('bad UIDL line: %s' % R.esc(ln))
        out.append((int(m.group(1)), m.group(2)))
    return out


UID_RE = re.compile(rb'[0-9a-f]{32}(-[1-9][0-9]*)?')

# ----------------------------------------------------------------- the spec, as an oracle

# The From_ line rule of the man page (MAILBOX FORMAT): after the first line
# of the file, a line preceded by an empty line that is "From " SENDER,
# spaces, WEEKDAY, spaces, MONTH, spaces, a day of one or two digits, spaces,
# HH:MM or HH:MM:SS, then anything and four digits (the year); at most 1000
# octets without the LF.  SENDER is a run of octets other than space, or a
# quoted string "..." (spaces allowed inside) directly followed by such a run
# or nothing.  "Spaces" is one or more.  A regular expression matches if any
# reading does, which is what the rule says.
_DAYS = b'Mon|Tue|Wed|Thu|Fri|Sat|Sun'
_MONS = b'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec'
FROM_RE = re.compile(rb'From ([^ \n]+|"[^"\n]*"[^ \n]*) +(' + _DAYS + rb') +(' + _MONS +
                     rb') +[0-9]{1,2} +[0-9]{2}:[0-9]{2}(:[0-9]{2})?[^\n]*[0-9]{4}')
FROM_LINE_MAX = 1000


def is_from_line(ln):
    """Is ln (with its line end, if any) a separator by the man page's rule?"""
    body = ln[:-1] if ln.endswith(b'\n') else ln
    return len(body) <= FROM_LINE_MAX and FROM_RE.match(body) is not None


def _lines(data):
    out, pos = [], 0
    while pos < len(data):
        i = data.find(b'\n', pos)
        if i < 0:
            out.append(data[pos:])
            break
        out.append(data[pos:i + 1])
        pos = i + 1
    return out


def _is_empty(ln):
    return ln in (b'\n', b'\r\n')


def mbox_model(data):
    """[(From_ line without its line end, wire content)] by the spec's rules."""
    L = _lines(data)
    if not L:
        return []
    starts = [0]
    for i in range(2, len(L)):
        if _is_empty(L[i - 1]) and is_from_line(L[i]):
            starts.append(i)
    msgs = []
    for k, st in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(L)
        body = L[st + 1:end]
        if body and _is_empty(body[-1]):
            body = body[:-1]
        wire = b''
        for ln in body:
            if ln.endswith(b'\r\n'):
                ln = ln[:-2]
            elif ln.endswith(b'\n'):
                ln = ln[:-1]
            wire += ln + b'\r\n'
        fl = L[st].rstrip(b'\n')
        if fl.endswith(b'\r'):
            fl = fl[:-1]
        msgs.append((fl, wire))
    return msgs


VOLATILE = {b'status', b'x-status', b'x-uid', b'x-imap', b'x-imapbase', b'x-keywords', b'x-uidl',
            b'content-length'}


def _xxh3_128():
    """XXH3-128 from the system's libxxhash through ctypes, or None."""
    try:
        import ctypes

        class H(ctypes.Structure):
            _fields_ = [('low', ctypes.c_uint64), ('high', ctypes.c_uint64)]
        lib = ctypes.CDLL('libxxhash.so.0')
        lib.XXH3_128bits.restype = H
        lib.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    except (OSError, AttributeError):
        return None

    def digest(b):
        h = lib.XXH3_128bits(b, len(b))
        return b'%016x%016x' % (h.high, h.low)
    return digest


XXH3 = _xxh3_128()


def recipe_digest(from_line, wire):
    """The UIDL digest as pop3d(8) section UIDL defines it: XXH3-128 (seed
    0, canonical big-endian) over the kept header fields (each line ending
    in one LF), the From_ line without its line end, LF, the "UIDL size"
    (LIST size minus the wire octets of the fields left out), LF."""
    header = []
    for ln in wire.split(b'\r\n')[:-1]:
        if ln == b'':
            break
        header.append(ln)
    fields = []
    for ln in header:
        if fields and ln[:1] in (b' ', b'\t'):
            fields[-1].append(ln)
        else:
            fields.append([ln])
    kept, dropped = [], 0
    for f in fields:
        name = f[0].split(b':', 1)[0].lower() if b':' in f[0] else None
        if name in VOLATILE:
            dropped += sum(len(x) + 2 for x in f)
        else:
            kept += f
    head = b''.join(ln + b'\n' for ln in kept)
    return XXH3(head + from_line + b'\n' + b'%d' % (len(wire) - dropped) + b'\n')


def recipe_uids(data):
    seen = {}
    out = []
    for fl, wire in mbox_model(data):
        d = recipe_digest(fl, wire)
        seen[d] = seen.get(d, 0) + 1
        out.append(d if seen[d] == 1 else d + b'-%d' % seen[d])
    return out


# ----------------------------------------------------------------- properties

def headers_of(content):
    """TOP n 0: the header lines and the empty line ending them, if any."""
    out = []
    for ln in content.split(b'\r\n')[:-1]:
        out.append(ln + b'\r\n')
        if ln == b'':
            break
    return b''.join(out)


def property_check(name, data):
    env = Env('prop-' + name)
    env.put_mailbox(data)
    before = env.snapshot()
    r = session_replies(env, login_cmds() + [b'STAT', b'QUIT'])
    m = re.fullmatch(rb'\+OK (\d+) (\d+)', r[2][0])
    if not m:
        raise Fail('STAT reply: %s' % R.esc(r[2][0]))
    n, total = int(m.group(1)), int(m.group(2))
    expect_eq('PASS reply', b'+OK Logged in, %d messages (%d octets).' % (n, total), r[1][0])
    cmds = login_cmds() + [b'LIST', b'UIDL']
    for i in range(1, n + 1):
        cmds += [b'LIST %d' % i, b'UIDL %d' % i, b'RETR %d' % i, b'TOP %d 0' % i,
                 b'TOP %d 999999' % i, b'TOP %d 99999999999999999999' % i]
    cmds.append(b'QUIT')
    r = session_replies(env, cmds)
    expect_eq('LIST status', b'+OK %d messages (%d octets)' % (n, total), r[2][0])
    sizes = []
    for k, ln in enumerate(r[2][1].split(b'\r\n')[:-1], 1):
        m = re.fullmatch(rb'(\d+) (\d+)', ln)
        if not m or int(m.group(1)) != k:
            raise Fail('bad LIST line %d: %s' % (k, R.esc(ln)))
        sizes.append(int(m.group(2)))
    expect_eq('number of LIST lines', n, len(sizes))
    expect_eq('sum of LIST sizes', total, sum(sizes))
    expect_eq('UIDL status', b'+OK Unique-ID listing follows.', r[3][0])
    uids = []
    for k, ln in enumerate(r[3][1].split(b'\r\n')[:-1], 1):
        m = re.fullmatch(rb'(\d+) ([\x21-\x7e]{1,70})', ln)
        if not m or int(m.group(1)) != k:
            raise Fail('bad UIDL line %d: %s' % (k, R.esc(ln)))
        if not UID_RE.fullmatch(m.group(2)):
            raise Fail('UIDL %d is not 32 lowercase hex digits (+ -N): %s' % (k, R.esc(m.group(2))))
        uids.append(m.group(2))
    expect_eq('number of UIDL lines', n, len(uids))
    if len(set(uids)) != len(uids):
        raise Fail('UIDLs are not unique: %r' % uids)
    for i in range(1, n + 1):
        base = 4 + (i - 1) * 6
        lst, uidl, retr, top0, top9, topbig = r[base:base + 6]
        expect_eq('LIST %d' % i, b'+OK %d %d' % (i, sizes[i - 1]), lst[0])
        expect_eq('UIDL %d' % i, b'+OK %d ' % i + uids[i - 1], uidl[0])
        expect_eq('RETR %d status' % i, b'+OK %d octets' % sizes[i - 1], retr[0])
        if len(retr[1]) != sizes[i - 1]:
            raise Fail('RETR %d: %d octets sent (unstuffed), LIST says %d' % (i, len(retr[1]), sizes[i - 1]))
        expect_eq('TOP %d 0 status' % i, b'+OK Top of message follows.', top0[0])
        expect_eq('TOP %d 0' % i, headers_of(retr[1]), top0[1])
        expect_eq('TOP %d 999999 vs RETR' % i, retr[1], top9[1])
        expect_eq('TOP %d 99999999999999999999 vs RETR' % i, retr[1], topbig[1])
    expect_eq('QUIT', b'+OK Bye.', r[-1][0])
    again = uidl_list(env)
    expect_eq('UIDL in a second session', [(k, u) for k, u in enumerate(uids, 1)], again)
    check_no_lock(env)
    check_after(env, 'unchanged', before)
    # the spec's split rule and the man page's UIDL recipe, independently computed
    model = mbox_model(data)
    if len(model) != n:
        raise Fail('pop3d sees %d messages, the spec\'s From_ rule gives %d' % (n, len(model)))
    for i, (fl, wire) in enumerate(model, 1):
        got = r[4 + (i - 1) * 6 + 2][1]
        if got != wire:
            raise Fail('RETR %d differs from the spec\'s reading of the mbox' % i, R.diff(wire, got))
    if XXH3:
        expect_eq('UIDLs vs the man page recipe', recipe_uids(data), uids)


BROKEN = {'garbage-start.mbox', 'blank-start.mbox', 'fromage-start.mbox'}
for _name in sorted(os.listdir(R.FIXTURES)) + sorted(R.GENERATED):
    if _name.endswith('.mbox') and _name not in BROKEN:
        test('property:' + _name, weight=2)(lambda n=_name: property_check(n, fixture(n)))


# ----------------------------------------------------------------- UIDL

@test('uidl:same-headers-get-suffixes')
def _():
    env = Env('uidl-same')
    env.put_mailbox(fixture('same-headers.mbox'))
    u = [x[1] for x in uidl_list(env)]
    if not re.fullmatch(rb'[0-9a-f]{32}', u[0]):
        raise Fail('UIDL 1 is not 32 hex digits: %s' % R.esc(u[0]))
    expect_eq('UIDL 2 (same From_ line, size and headers as 1)', u[0] + b'-2', u[1])
    expect_eq('UIDL 4 (third copy)', u[0] + b'-3', u[3])
    if u[2].startswith(u[0]):
        raise Fail('UIDL 3 (different message) shares the digest of 1: %r' % u)


@test('uidl:volatile-headers-ignored')
def _():
    env = Env('uidl-vol')
    env.put_mailbox(fixture('volatile-headers.mbox'))
    u = [x[1] for x in uidl_list(env)]
    expect_eq('UIDLs of messages differing only in volatile header fields',
              [u[0]] + [u[0] + b'-%d' % k for k in range(2, len(u))], u[:-1])
    if u[-1].startswith(u[0]):
        raise Fail('an ordinary added field (X-Other) did not change the UIDL: %r' % u)


@test('uidl:crlf-same-as-lf')
def _():
    env = Env('uidl-f1')
    env.put_mailbox(f1())
    u = uidl_list(env)
    env = Env('uidl-crlf')
    env.put_mailbox(fixture('crlf.mbox'))
    expect_eq('crlf.mbox messages 1-2 (F1 with CRLF line ends: line ends do not count)', u, uidl_list(env)[:2])


@test('uidl:man-page-recipe')
def _():
    """The recipe in pop3d(8) section UIDL is a permanent contract: pin it
    with known values (computed by this suite's own implementation of the
    recipe, checked against every fixture by the property tests)."""
    if not XXH3:
        raise Skip('libxxhash.so.0 not loadable through ctypes')
    cases = [
        (b'From alice@example.org Thu Jan  1 00:00:00 2024', b'Subject: one\r\n\r\nhello\r\n',
         b'ac670e7c4d35f3f5491734f0060dcae5'),
        (b'From bob@example.org Thu Jan  1 00:01:00 2024', b'Subject: two\r\n\r\n.dot\r\nline2\r\n',
         b'3b9c9012e5e4a36e93c1f51faffbc0d1'),
    ]
    for fl, wire, want in cases:
        expect_eq('recipe self-check', want, recipe_digest(fl, wire))
    env = Env('uidl-recipe')
    env.put_mailbox(f1())
    expect_eq('F1 UIDLs', [(1, cases[0][2]), (2, cases[1][2])], uidl_list(env))


# ----------------------------------------------------------------- auth policy

def login_result(env, user, password=b'secret', as_user=False):
    res = env.run(b'USER ' + user + b'\r\nPASS ' + password + b'\r\nQUIT\r\n', as_user=as_user)
    check_exit(res)
    return res


def expect_login(env, user, n=0, m=0, as_user=False):
    res = login_result(env, user, as_user=as_user)
    expect_eq('session output for %s' % user.decode(), GREETING + login_reply(n, m) + b'+OK Bye.\r\n', res.out)


def expect_auth_fail(env, user, as_user=False):
    res = login_result(env, user, as_user=as_user)
    expect_eq('session output for %s' % user.decode(),
              GREETING + b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n+OK Bye.\r\n', res.out)


@test('auth:no-uid-field')
def _():
    env = Env('auth-nouid')
    if Config.root:
        expect_auth_fail(env, b'nouid')      # root: a user without uid is refused
    else:
        expect_login(env, b'nouid')          # not root: runs as itself


@test('auth:users-file-ignores-min-uid')
def _():
    # --min-uid is not applied to users-file accounts: uid 999 logs in.
    if not Config.root:
        raise Skip('--min-uid applies only when pop3d runs as root')
    env = Env('auth-lowuid')
    os.chmod(env.dir, 0o777)    # uid 999's session must be able to look in
    env.write_users(b'lowuid:%s:999:999::%s:/bin/sh\n' % (R.H_SECRET.encode(), env.dir.encode()))
    expect_login(env, b'lowuid')


@test('auth:other-uid')
def _():
    if Config.root:
        raise Skip('meaningful when pop3d is not root (see nonroot:other-uid)')
    expect_auth_fail(Env('auth-otheruid'), b'otheruid')


@test('auth:failure-delay-and-dummy-work', weight=3)
def _():
    times = {}
    for user in (b'alice', b'nosuchuser'):
        env = Env('auth-delay')
        s = env.session()
        s.expect(GREETING)
        s.send(b'USER ' + user + b'\r\n')
        s.expect(b'+OK Send your password.\r\n')
        t0 = time.monotonic()
        s.send(b'PASS wrong\r\n')
        s.expect(ERR_AUTH + b'\r\n', timeout=10)
        times[user] = time.monotonic() - t0
        s.send(b'QUIT\r\n')
        s.expect(b'+OK Bye.\r\n')
        check_exit(s.finish())
    for user, t in times.items():
        if t < 0.9:
            raise Fail('failed login for %s answered after %.2fs (< 1 s delay)' % (user.decode(), t))
    if abs(times[b'alice'] - times[b'nosuchuser']) > 0.5 * Config.scale:
        raise Fail('failure timing differs: known %.2fs, unknown %.2fs' % (times[b'alice'], times[b'nosuchuser']))


# Non-root mode.  When the suite runs as root, pop3d is started as the test
# uid so that the not-root code path is exercised too.

@test('nonroot:login-dele-quit')
def _():
    env = Env('nonroot-login')
    env.put_mailbox(f1())
    before = env.snapshot()
    res = env.run(LOGIN + b'STAT\r\nDELE 1\r\nQUIT\r\n', as_user=True)
    check_exit(res)
    expect_eq('session output', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Message deleted.\r\n+OK Bye.\r\n',
              res.out)
    check_no_lock(env)
    check_after(env, 'after/F1-dele1.mbox', before)


@test('nonroot:other-uid')
def _():
    expect_auth_fail(Env('nonroot-otheruid'), b'otheruid', as_user=True)


@test('nonroot:root-uid')
def _():
    expect_auth_fail(Env('nonroot-rootuid'), b'rootuid', as_user=True)


@test('nonroot:no-uid-field')
def _():
    expect_login(Env('nonroot-nouid'), b'nouid', as_user=True)


@test('nonroot:dir-not-writable')
def _():
    env = Env('nonroot-dir')
    env.put_mailbox(f1())
    os.chmod(env.dir, 0o555)
    try:
        expect_pass_error(env, ERR_TEMP, as_user=True)
    finally:
        os.chmod(env.dir, 0o755)


# ----------------------------------------------------------------- logging

@test('log:rip-unknown-and-no-password', weight=2)
def _():
    env = Env('log-rip')
    env.put_mailbox(f1())
    res = env.run(b'USER alice\r\nPASS Wr0ngPassw0rdXYZ\r\nUSER alice\r\nPASS secret\r\nQUIT\r\n', debug=True)
    check_exit(res)
    expect_eq('session output', GREETING + b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n' +
              login_reply(2, 52) + b'+OK Bye.\r\n', res.out)
    if b'rip=unknown' not in res.err:
        raise Fail('log has no rip=unknown for a pipe on stdin', R.esc(res.err, 2000))
    for pw in (b'Wr0ngPassw0rdXYZ', b'secret'):
        if pw in res.err:
            raise Fail('the log contains a password (%s)' % pw.decode(), R.esc(res.err, 2000))


@test('log:refusal-reasons', weight=10)
def _():
    # "Every refusal gives the client the same reply as a wrong password;
    # the log records the real reason."  Three refused logins per
    # connection (the cap), each with its own line.
    env = Env('log-reasons')
    u, g, d = Config.uid, Config.gid, env.dir
    h = R.H_SECRET
    env.write_users(('emptyuid:%s::%d::%s:/bin/sh\n' % (h, g, d) +
                     'emptygid:%s:%d:::%s:/bin/sh\n' % (h, u, d) +
                     'baduid:%s:12x:%d::%s:/bin/sh\n' % (h, g, d) +
                     'uidonly:%s:%d\n' % (h, u) +
                     'nomethod:$9$salt$hash:%d:%d::%s:/bin/sh\n' % (u, g, d)).encode() +
                    b'x=y\\z:%s:%d:%d::%s:/bin/sh\n' % (h.encode(), u, g, d.encode()))
    # A name is logged escaped: '=' and '\\' (other octets outside 0x21 to
    # 0x7e cannot reach a USER command).
    want = [(b'alice', b'wrong password', b'wrong'), (b'x=y\\z', b'wrong password', b'wrong'),
            (b'locked', b'account locked', b'secret'), (b'star', b'account locked', b'secret'),
            (b'nopass', b'no usable password', b''), (b'nomethod', b'unsupported password hash', b'secret'),
            (b'emptyuid', b'no uid for user', b'secret'), (b'emptygid', b'no gid for user', b'secret'),
            (b'baduid', b'bad uid/gid field', b'secret'), (b'uidonly', b'no gid for user', b'secret')]
    if Config.root:
        want += [(b'nouid', b'no uid for user', b'secret'), (b'rootuid', b'uid 0 refused', b'secret')]
    else:
        want += [(b'rootuid', b"uid/gid differ from the server's", b'secret')]
    for k in range(0, len(want), 3):
        group = want[k:k + 3]
        data = b''.join(b'USER %s\r\nPASS %s\r\n' % (n, pw) for n, _, pw in group)
        res = env.run(data, debug=True)
        check_exit(res)
        expect_eq('replies', GREETING + (b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n') * len(group),
                  res.out)
        for name, reason, _ in group:
            name = name.replace(b'\\', b'\\x5c').replace(b'=', b'\\x3d')
            if not re.search(rb'login failed: rip=unknown user=' + re.escape(name) + rb' reason=' +
                             re.escape(reason) + rb'\n', res.err):
                got = re.findall(rb'login failed: rip=unknown user=' + re.escape(name) + rb' reason=[^\n]*',
                                 res.err)
                raise Fail('%s: expected reason=%s in the log' % (name.decode(), reason.decode()),
                           R.esc(b'\n'.join(got) or res.err[-600:], 800))
    argv = env.argv(debug=True)
    argv[argv.index(env.users)] = env.dir + '.no-such-users-file'
    res = env.run(b'USER alice\r\nPASS secret\r\n', argv=argv)
    check_exit(res)
    expect_eq('replies without a users file', GREETING + b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n',
              res.out)
    if b'user=<unknown> reason=users file unreadable\n' not in res.err:
        raise Fail('no reason=users file unreadable in the log', R.esc(res.err[-600:], 800))


def with_system_accounts(env, accounts):
    """argv prefix that runs a command with /etc/passwd and /etc/shadow
    holding the system's accounts plus accounts [(name, uid, shadow fields
    after the name, or None: no shadow entry and the hash in passwd)], in
    a private mount namespace: the machine's files
    are never changed.  A directory of links to the real /etc (bind-mounted
    aside first) with the two files of our own covers /etc, so that a
    useradd elsewhere renaming /etc/passwd meanwhile changes nothing here.
    """
    real, fake = env.dir + '.realetc', env.dir + '.etc'
    os.mkdir(real)
    os.mkdir(fake)
    for name in os.listdir('/etc'):
        if name not in ('passwd', 'shadow'):
            os.symlink(os.path.join(real, name), os.path.join(fake, name))
    with open('/etc/passwd') as f:
        pw = f.read()
    with open(os.path.join(fake, 'passwd'), 'w') as f:
        f.write(pw + ''.join('%s:%s:%d:%d::%s:/usr/sbin/nologin\n' %
                             (n, 'x' if fields is not None else R.H_SECRET, uid, uid, env.dir)
                             for n, uid, fields in accounts))
    with open('/etc/shadow') as f:
        sh = f.read()
    with open(os.path.join(fake, 'shadow'), 'w') as f:
        f.write(sh + ''.join('%s:%s\n' % (n, fields) for n, _, fields in accounts if fields is not None))
    os.chmod(os.path.join(fake, 'shadow'), 0o600)
    return ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
            'mount --bind /etc "$1" && mount --bind "$2" /etc && shift 2 && exec "$@"',
            'sh', real, fake]


@test('auth:system-account-refusals', weight=8)
def _():
    # DESCRIPTION's refusals of system accounts (getpwnam + getspnam): a
    # locked hash (usermod -L), an expiry date passed (chage -E), a password
    # that must be changed (chage -d 0) or has expired (chage -M), a uid
    # below --min-uid; each looks like a wrong password to the client and
    # the log says which it was.  A good account logs in.
    if not Config.root:
        raise Skip('needs root (a private mount namespace over /etc/passwd and /etc/shadow)')
    if not shutil.which('unshare'):
        raise Skip('unshare (util-linux) not installed')
    env = Env('auth-system')
    h = R.H_SECRET
    today = int(time.time() // 86400)
    accounts = [('p3sgood', 1500, '%s:%d:0:99999:7:::' % (h, today - 1)),
                ('p3slocked', 1501, '!%s:%d:0:99999:7:::' % (h, today - 1)),
                ('p3sexpired', 1502, '%s:%d:0:99999:7::%d:' % (h, today - 10, today - 1)),
                ('p3schange', 1503, '%s:0:0:99999:7:::' % h),
                ('p3spwold', 1504, '%s:%d:0:30:7:::' % (h, today - 100)),
                ('p3slowuid', 999, '%s:%d:0:99999:7:::' % (h, today - 1))]
    prefix = with_system_accounts(env, accounts)
    base = Config.wrapper + [Config.pop3d, '-d', '-m', env.dir + '/%u', '--index-dir=none']
    want = [(b'p3slocked', b'account locked'), (b'p3sexpired', b'account expired'),
            (b'p3schange', b'password must be changed'), (b'p3spwold', b'password expired'),
            (b'p3slowuid', b'uid below minimum')]
    for k in range(0, len(want), 3):
        group = want[k:k + 3]
        res = env.run(b''.join(b'USER %s\r\nPASS secret\r\n' % n for n, _ in group), argv=prefix + base)
        check_exit(res)
        expect_eq('replies', GREETING + (b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n') * len(group),
                  res.out)
        for name, reason in group:
            if not re.search(rb'login failed: rip=unknown user=' + name + rb' reason=' + re.escape(reason) + rb'\n',
                             res.err):
                got = re.findall(rb'login failed: rip=unknown user=' + name + rb' reason=[^\n]*', res.err)
                raise Fail('%s: expected reason=%s in the log' % (name.decode(), reason.decode()),
                           R.esc(b'\n'.join(got) or res.err[-600:], 800))
    res = env.run(b'USER p3sgood\r\nPASS secret\r\nQUIT\r\n', argv=prefix + base)
    check_exit(res)
    expect_eq('a good system account', GREETING + login_reply(0, 0) + b'+OK Bye.\r\n', res.out)
    # README: the check works under systemd's NoNewPrivileges=yes.
    res = env.run(b'USER p3sgood\r\nPASS secret\r\nQUIT\r\n', argv=prefix + ['setpriv', '--no-new-privs'] + base)
    check_exit(res)
    expect_eq('a good system account under no_new_privs', GREETING + login_reply(0, 0) + b'+OK Bye.\r\n',
              res.out)
    res = env.run(b'USER p3slowuid\r\nPASS secret\r\nQUIT\r\n', argv=prefix + base + ['--min-uid=999'])
    check_exit(res)
    expect_eq('uid 999 with --min-uid=999', GREETING + login_reply(0, 0) + b'+OK Bye.\r\n', res.out)


@test('auth:system-account-without-shadow-entry', weight=4)
def _():
    # An account with its hash in /etc/passwd and no shadow entry (as
    # pwunconv leaves it) logs in with that hash; a name that is no
    # account is refused like a wrong password and logged as <unknown>.
    if not Config.root:
        raise Skip('needs root (a private mount namespace over /etc/passwd and /etc/shadow)')
    if not shutil.which('unshare'):
        raise Skip('unshare (util-linux) not installed')
    env = Env('auth-noshadow')
    prefix = with_system_accounts(env, [('p3snoshadow', 1505, None)])
    base = Config.wrapper + [Config.pop3d, '-d', '-m', env.dir + '/%u', '--index-dir=none']
    res = env.run(b'USER p3snoshadow\r\nPASS secret\r\nQUIT\r\n', argv=prefix + base)
    check_exit(res)
    expect_eq('an account without a shadow entry', GREETING + login_reply(0, 0) + b'+OK Bye.\r\n', res.out)
    res = env.run(b'USER p3snosuchuser\r\nPASS secret\r\nQUIT\r\n', argv=prefix + base)
    check_exit(res)
    expect_eq('a name that is no account', GREETING + b'+OK Send your password.\r\n' + ERR_AUTH +
              b'\r\n+OK Bye.\r\n', res.out)
    if b'login failed: rip=unknown user=<unknown> reason=no such user\n' not in res.err:
        raise Fail('no log line for the unknown name', R.esc(res.err[-600:], 800))


@test('log:retrieved-counts-messages-sent', weight=2)
def _():
    # DIAGNOSTICS: logout's retrieved= counts messages retrieved, i.e. whose
    # whole reply was sent, not RETRs answered into a buffer that never
    # reached the client; sent= counts the octets.
    env = Env('log-retrieved')
    env.put_mailbox(f1())
    res = env.run(LOGIN + b'RETR 1\r\nTOP 2 0\r\nRETR 2\r\nQUIT\r\n', debug=True)
    check_exit(res)
    m = re.findall(rb'logout: rip=unknown user=alice retrieved=(\d+) deleted=0 left=2 sent=(\d+) end=quit',
                   res.err)
    # sent= counts from the login's reply on, with and without privsep.
    before = len(GREETING + b'+OK Send your password.\r\n')
    expect_eq('retrieved= and sent= after two RETRs and a TOP', [(b'2', b'%d' % (len(res.out) - before))], m)
    # The client stops reading after the login replies, then sends two RETRs.
    s = env.session(debug=True)
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(login_reply(2, 52))
    s.p.stdout.close()
    s.send(b'RETR 1\r\nRETR 2\r\n')
    rc = s.wait()
    if rc is None:
        s.kill()
        raise Fail('pop3d did not end after its writes failed')
    s.close_stdin()
    err = env.stderr()
    m = re.findall(rb'logout: rip=unknown user=alice retrieved=(\d+) deleted=0 left=2 sent=(\d+) end=(\w+)', err)
    sent = len(login_reply(2, 52)) - len(b'+OK Send your password.\r\n')
    expect_eq('retrieved= and sent= when the replies could not be sent', (b'0', b'%d' % sent),
              m[-1][:2] if len(m) == 2 else m)


@test('log:unknown-user-not-logged', weight=2)
def _():
    env = Env('log-unknown')
    res = env.run(b'USER Tr0ub4dor3PasswordTyped\r\nPASS x\r\nQUIT\r\n', debug=True)
    check_exit(res)
    expect_eq('session output', GREETING + b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n+OK Bye.\r\n', res.out)
    if b'user=<unknown>' not in res.err:
        raise Fail('log has no user=<unknown> for a name without an account', R.esc(res.err, 2000))
    if b'Tr0ub4dor3' in res.err:
        raise Fail('the log contains the unknown user name', R.esc(res.err, 2000))


@test('log:nothing-on-stderr-without-d', weight=2)
def _():
    if Config.wrapper:
        raise Skip('the wrapper may write to stderr')
    env = Env('log-quiet')
    env.put_mailbox(f1())
    res = env.run(b'USER alice\r\nPASS bad\r\nUSER alice\r\nPASS secret\r\nRETR 1\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('session output', GREETING + b'+OK Send your password.\r\n' + ERR_AUTH + b'\r\n' +
              login_reply(2, 52) + b'+OK 23 octets\r\nSubject: one\r\n\r\nhello\r\n.\r\n+OK Bye.\r\n', res.out)
    if res.err:
        raise Fail('pop3d wrote to stderr without -d (under inetd that is the client)', R.esc(res.err, 500))


# ----------------------------------------------------------------- command line

def run_cli(args, timeout=10):
    try:
        p = subprocess.run(Config.wrapper + [Config.pop3d] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout * Config.scale)
    except subprocess.TimeoutExpired:
        raise Fail('pop3d %s did not exit' % ' '.join(args))
    if p.returncode < 0:
        raise Fail('pop3d %s died from signal %d' % (' '.join(args), -p.returncode))
    return p


def make_dry_run(targets, args=(), env_flags=None):
    """The commands `make -n -B` would run in the source tree."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'CFLAGS', 'CPPFLAGS', 'LDFLAGS', 'LDLIBS')}
    env.update(env_flags or {})
    top = os.path.dirname(R.HERE)
    p = subprocess.run(['make', '-n', '-B', '-C', top] + list(args) + list(targets), env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise Fail('make -n failed', p.stderr.decode('utf-8', 'replace')[-1500:])
    return [ln for ln in p.stdout.decode().split('\n') if re.match(r'^(cc|gcc|clang)\b', ln)]


@test('build:flags-kept-and-added-to')
def _():
    # README: "CFLAGS, CPPFLAGS and LDFLAGS from the environment or the
    # command line are kept and added to, never replaced" (the build of
    # pop3d: make, make install).
    user = {'CFLAGS': '-O1 -DPROMISE_CFLAGS', 'CPPFLAGS': '-DPROMISE_CPPFLAGS',
            'LDFLAGS': '-Wl,-z,relro'}
    ours_cc = ['-std=c17', '-Wall', '-D_GNU_SOURCE', '-DLIBBSD_OVERLAY']
    ours_ld = ['-std=c17', '-lxxhash', '-lcrypt', '-lbsd']
    for how in ('command line', 'environment'):
        if how == 'command line':
            cmds = make_dry_run(['pop3d'], ['%s=%s' % kv for kv in user.items()])
        else:
            cmds = make_dry_run(['pop3d'], env_flags=user)
        compiles = [c for c in cmds if ' -c ' in c]
        links = [c for c in cmds if ' -c ' not in c]
        # SRCS as make reads it: its lines joined at each backslash.
        makefile = open(os.path.join(os.path.dirname(R.HERE), 'Makefile')).read().replace('\\\n', ' ')
        srcs = re.search(r'^SRCS\s*=(.*)$', makefile, re.M)
        expect_eq('%s: compiler and linker commands' % how, (len(srcs.group(1).split()), 1),
                  (len(compiles), len(links)))
        for c in compiles:
            missing = [w for w in ours_cc + ['-DPROMISE_CPPFLAGS', '-O1', '-DPROMISE_CFLAGS']
                       if w not in c.split()]
            if missing:
                raise Fail('%s: %s missing from: %s' % (how, ' '.join(missing), c))
        missing = [w for w in ours_ld + ['-Wl,-z,relro', '-O1'] if w not in links[0].split()]
        if missing:
            raise Fail('%s: %s missing from: %s' % (how, ' '.join(missing), links[0]))


@test('cli:setup-failure-names-the-cause')
def _():
    # EXIT STATUS and DIAGNOSTICS: a server that cannot set itself up
    # answers [SYS/TEMP] Server unavailable, exits 1, and logs a line that
    # names the problem, then "cannot set up the process" with no stale
    # errno text ("Success", "File exists").
    if not Config.root:
        raise Skip('privilege separation (and its set-up) needs root')
    env = Env('cli-setup')
    bad = env.dir + '.chroot'
    os.mkdir(bad)
    os.chmod(bad, 0o777)
    cases = [(['--privsep-user=p3nosuchuser'], rb'privsep user p3nosuchuser: no such user'),
             (['--privsep-user=root'], rb'privsep user root: must not be root'),
             (['--chroot=' + bad], rb'chroot directory ' + re.escape(bad.encode()) +
              rb': missing, (a symbolic link, )?not owned by root or writable by others')]
    for args, named in cases:
        res = env.run(b'USER alice\r\nPASS secret\r\n', args=args, debug=True)
        expect_eq('%s: reply' % args[0], b'-ERR [SYS/TEMP] Server unavailable.\r\n', res.out)
        expect_eq('%s: exit status' % args[0], 1, res.rc)
        lines = res.err.split(b'\n')
        at = [i for i, ln in enumerate(lines) if re.search(named + rb'$', ln)]
        if not at or at[-1] + 1 >= len(lines) or not lines[at[-1] + 1].endswith(b'cannot set up the process'):
            raise Fail('%s: the log does not name the problem, then "cannot set up the process"' % args[0],
                       R.esc(res.err[-600:], 800))


@test('cli:recover-other-options')
def _():
    # --recover: "The other options are checked as on any command line,
    # then ignored."
    env = Env('cli-recover')
    env.put_mailbox(f1())
    before = env.snapshot()
    p = run_cli(['-t', '5', '-m', '/nonexistent/%u', '--index-dir=none', '-f', '/nonexistent',
                 '--recover', env.mbox])
    expect_eq('--recover with other valid options: exit status', 0, p.returncode)
    expect_eq('--recover with other valid options: output', ('%s: nothing to recover\n' % env.mbox).encode(),
              p.stdout)
    p = run_cli(['-t', '0', '--recover', env.mbox])
    expect_eq('--recover with an invalid -t: exit status', 2, p.returncode)
    expect_eq('--recover with an invalid -t: output', b'', p.stdout)
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('cli:help')
def _():
    p = run_cli(['--help'])
    expect_eq('exit status of --help', 0, p.returncode)
    if b'usage' not in (p.stdout + p.stderr).lower():
        raise Fail('--help prints no usage', R.esc(p.stdout + p.stderr))


@test('cli:version')
def _():
    p = run_cli(['--version'])
    expect_eq('exit status of --version', 0, p.returncode)
    if b'pop3d' not in p.stdout + p.stderr:
        raise Fail('--version does not name pop3d', R.esc(p.stdout + p.stderr))


@test('cli:unknown-option')
def _():
    for args in (['--bogus'], ['-Z']):
        p = run_cli(args)
        if p.returncode == 0:
            raise Fail('pop3d %s exited 0' % args[0])
        if b'usage' not in p.stderr.lower():
            raise Fail('pop3d %s: no usage message on stderr' % args[0], R.esc(p.stderr))
        if p.stdout:
            raise Fail('pop3d %s wrote to stdout (the client)' % args[0], R.esc(p.stdout))


@test('cli:bad-timeout')
def _():
    # An empty value too (util.c parse_number(): no digits is no number).
    for args in (['-t', 'abc'], ['--timeout=12x'], ['-t'], ['-t', ''], ['--timeout=']):
        p = run_cli(args)
        if p.returncode == 0:
            raise Fail('pop3d %s exited 0' % ' '.join(args))
        if args[-1] in ('', '--timeout='):
            expect_eq('pop3d %r: exit status and message' % args, (2, b'pop3d: timeout must be 1 to 86400 seconds\n'),
                      (p.returncode, p.stderr))
        if p.stdout:
            raise Fail('pop3d %s wrote to stdout (the client)' % ' '.join(args), R.esc(p.stdout))


@test('cli:long-options')
def _():
    env = Env('cli-long')
    env.put_mailbox(f1())
    argv = Config.wrapper + [Config.pop3d, '--users=' + env.users, '--mailbox=' + env.dir + '/%u', '--timeout=30']
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n', argv=argv)
    check_exit(res)
    expect_eq('session output', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)


@test('cli:template-home-and-percent')
def _():
    env = Env('cli-tmpl')
    env.put_mailbox(f1(), path=os.path.join(env.dir, 'box%alice'))
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n', template='%h/box%%%u')
    check_exit(res)
    expect_eq('session output (-m %h/box%%%u)', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)


# ----------------------------------------------------------------- timeouts, signals, pipes

@test('proc:idle-timer-reset-by-commands', weight=3)
def _():
    env = Env('idle-reset')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = env.session(args=['-t', '2'])
    s.expect(GREETING)
    s.send(LOGIN + b'DELE 1\r\n')
    s.expect(login_reply(2, 52) + b'+OK Message deleted.\r\n')
    for _ in range(4):
        time.sleep(1.2)
        s.send(b'NOOP\r\n')
        s.expect(b'+OK Nothing to do.\r\n', timeout=5, what='NOOP reply 1.2 s after the last command (-t 2)')
    t0 = time.monotonic()
    rest = s.read_to_eof(timeout=15)
    if rest is None:
        s.kill()
        raise Fail('no idle close within 15 s with -t 2')
    if rest:
        raise Fail('idle close sent a reply', R.esc(rest))
    waited = time.monotonic() - t0
    if waited < 1.5:
        raise Fail('idle close after %.1fs with -t 2' % waited)
    res = s.finish()
    check_exit(res)
    check_no_lock(env)
    check_after(env, 'unchanged', before)


def signal_test(signum, name):
    env = Env('sig-' + name)
    env.put_mailbox(f1())
    before = env.snapshot()
    s = env.session()
    s.expect(GREETING)
    s.send(LOGIN + b'DELE 1\r\n')
    s.expect(login_reply(2, 52) + b'+OK Message deleted.\r\n')
    time.sleep(0.2)
    os.kill(s.p.pid, signum)
    rest = s.read_to_eof(timeout=10)
    if rest is None:
        s.kill()
        raise Fail('pop3d did not exit after %s' % name)
    if rest:
        raise Fail('pop3d replied after %s' % name, R.esc(rest))
    res = s.finish()
    check_exit(res, allow_signal=signum)
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('proc:sigterm-no-update')
def _():
    signal_test(signal.SIGTERM, 'SIGTERM')


@test('proc:sighup-no-update')
def _():
    signal_test(signal.SIGHUP, 'SIGHUP')


def big_mailbox(mb=4):
    line = b'y' * 76 + b'\n'
    body = line * (mb * 1024 * 1024 // len(line))
    return (b'From a@example.org Mon Jan  1 00:00:00 2024\nSubject: big\n\n' + body +
            b'\nFrom b@example.org Mon Jan  1 00:00:01 2024\nSubject: small\n\nsmall\n')


@test('proc:client-closes-during-retr', weight=2)
def _():
    env = Env('epipe')
    env.put_mailbox(big_mailbox())
    before = env.snapshot()
    s = env.session()
    s.expect(GREETING)
    s.send(LOGIN + b'DELE 2\r\nRETR 1\r\n')
    s.lines(4)
    s.read(1000)
    s.p.stdout.close()
    s.close_stdin()
    rc = s.wait(20)
    if rc is None:
        s.kill()
        raise Fail('pop3d still running 20 s after the client closed during RETR')
    if rc == -signal.SIGPIPE:
        raise Fail('pop3d was killed by SIGPIPE (it must ignore SIGPIPE)')
    check_exit(R.Result(b'', env.stderr(), rc, False, 0))
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('proc:write-stall-times-out', weight=5)
def _():
    env = Env('stall')
    env.put_mailbox(big_mailbox(8))
    before = env.snapshot()
    s = env.session(args=['-t', '2'])
    s.send(LOGIN + b'DELE 2\r\nRETR 1\r\n')
    # never read: the pipe fills and pop3d's writes make no progress
    t0 = time.monotonic()
    rc = s.wait(30)
    if rc is None:
        s.kill()
        raise Fail('pop3d did not give up on a client that stopped reading (-t 2, waited 30 s)')
    if time.monotonic() - t0 < 1.5:
        raise Fail('pop3d exited too early (%.1fs) during a stalled RETR' % (time.monotonic() - t0))
    check_exit(R.Result(b'', env.stderr(), rc, False, 0))
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('proc:quit-then-close-without-reading')
def _():
    # E106 / UP-04: QUIT was received, so UPDATE happens even though the
    # client does not read the replies.
    env = Env('e106')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = env.session()
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(login_reply(2, 52))
    s.p.stdout.close()
    s.send(b'DELE 1\r\nQUIT\r\n')
    s.close_stdin()
    if s.wait(20) is None:
        s.kill()
        raise Fail('pop3d did not exit')
    check_no_lock(env)
    check_after(env, 'after/F1-dele1.mbox', before)


# ----------------------------------------------------------------- mailbox permissions and locks

def expect_pass_error(env, err, as_user=False, timeout=30):
    """PASS gets err, then the server closes the connection by itself."""
    res = env.run(LOGIN + b'STAT\r\n', close_stdin=False, as_user=as_user, timeout=timeout)
    expected = GREETING + b'+OK Send your password.\r\n' + err + b'\r\n'
    if res.timed_out:
        raise Fail('server did not close the connection after the PASS failure', R.diff(expected, res.out))
    expect_eq('session output', expected, res.out)
    check_exit(res)
    check_no_lock(env)
    return res


@test('perm:symlink')
def _():
    env = Env('perm-symlink')
    real = os.path.join(env.dir, 'real')
    env.put_mailbox(f1(), path=real)
    os.symlink(real, env.mbox)
    before = env.snapshot(real)
    expect_pass_error(env, ERR_PERM)
    if env.snapshot(real) != before:
        raise Fail('symlink target changed')


@test('perm:symlink-to-other-users-file')
def _():
    if not Config.root:
        raise Skip('needs root to make a file of another user')
    env = Env('perm-symlink-other')
    other = os.path.join(Config.base, 'other-%s' % os.path.basename(env.dir))
    with open(other, 'wb') as f:
        f.write(f1())
    os.chmod(other, 0o644)
    os.symlink(other, env.mbox)
    expect_pass_error(env, ERR_PERM)


@test('perm:directory')
def _():
    env = Env('perm-dir')
    os.mkdir(env.mbox)
    R.chown(env.mbox)
    expect_pass_error(env, ERR_PERM)


@test('perm:fifo')
def _():
    env = Env('perm-fifo')
    os.mkfifo(env.mbox, 0o600)
    R.chown(env.mbox)
    expect_pass_error(env, ERR_PERM)


@test('perm:world-writable')
def _():
    env = Env('perm-ww')
    env.put_mailbox(f1(), mode=0o666)
    before = env.snapshot()
    expect_pass_error(env, ERR_PERM)
    check_after(env, 'unchanged', before)


@test('perm:hard-link')
def _():
    env = Env('perm-nlink')
    env.put_mailbox(f1())
    os.link(env.mbox, os.path.join(env.dir, 'other-name'))
    before = env.snapshot()
    expect_pass_error(env, ERR_PERM)
    check_after(env, 'unchanged', before)


@test('perm:mode-000')
def _():
    env = Env('perm-000')
    env.put_mailbox(f1(), mode=0)
    expect_pass_error(env, ERR_PERM)


@test('perm:owned-by-another-user')
def _():
    if not Config.root:
        raise Skip('needs root to give the mailbox to another user')
    env = Env('perm-owner')
    env.put_mailbox(f1(), mode=0o644)
    os.chown(env.mbox, 0, 0)
    expect_pass_error(env, ERR_PERM)


@test('perm:dir-not-writable')
def _():
    """Not root: the session creates the dotlock itself, so a directory it
    cannot write is [SYS/TEMP].  Root: the monitor creates the dotlock for
    the session (pop3d(8), like Debian's root:mail /var/mail), so the
    session works and the update is done."""
    env = Env('perm-dirnw')
    env.put_mailbox(f1())
    before = env.snapshot()
    if Config.root:
        os.chown(env.dir, 0, 0)
        os.chmod(env.dir, 0o775)
        try:
            res = env.run(LOGIN + b'STAT\r\nDELE 1\r\nQUIT\r\n')
        finally:
            R.chown(env.dir)
        check_exit(res)
        expect_eq('session output in a root-owned mailbox directory',
                  GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Message deleted.\r\n+OK Bye.\r\n', res.out)
        check_no_lock(env)
        check_after(env, 'after/F1-dele1.mbox', before)
        return
    os.chmod(env.dir, 0o555)
    try:
        expect_pass_error(env, ERR_TEMP)
    finally:
        os.chmod(env.dir, 0o755)
    check_after(env, 'unchanged', before)


def stale_lock_test(name, content):
    env = Env('lock-stale-' + name)
    env.put_mailbox(f1())
    before = env.snapshot()
    with open(env.lock, 'wb') as f:
        f.write(content)
    R.chown(env.lock)
    old = time.time() - 600
    os.utime(env.lock, (old, old))
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n', timeout=30)
    check_exit(res)
    expect_eq('session output with a 10-minute-old dotlock (%s)' % name,
              GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('lock:stale-dotlock-dead-pid-removed')
def _():
    stale_lock_test('dead-pid', b'999999\n')


@test('lock:stale-dotlock-empty-removed')
def _():
    stale_lock_test('empty', b'')


@test('lock:stale-dotlock-forms-removed')
def _():
    """LOCKING: the dead pid of an old dotlock may be padded with spaces
    (HDB UUCP's "%10d\n") and followed by ":HOST"; a lock of another host
    is judged by its age alone, its pid meaning nothing here."""
    for name, content in (('hdb-padded', b'    999999\n'),
                          ('pid-then-spaces', b'999999  \n'),
                          ('this-host', b'999999:%s\n' % socket.gethostname().encode()),
                          ('other-host-live-pid', b'%d:elsewhere.example.org\n' % os.getpid())):
        stale_lock_test(name, content)


@test('lock:fresh-dotlock-other-host-in-use', weight=20)
def _():
    # A pid of another host cannot be checked here: a fresh lock of another
    # host is in use even when no process here has its pid.
    fresh_lock_test('other host, pid dead here', b'999999:elsewhere.example.org\n')


def fresh_lock_test(name, content):
    """An MDA holds the dotlock throughout: [IN-USE] after the bounded wait."""
    env = Env('lock-fresh-' + name)
    env.put_mailbox(f1())
    before = env.snapshot()
    with open(env.lock, 'wb') as f:
        f.write(content)
    R.chown(env.lock)
    t0 = time.monotonic()
    res = env.run(LOGIN + b'STAT\r\n', close_stdin=False, timeout=40)
    elapsed = time.monotonic() - t0
    expected = GREETING + b'+OK Send your password.\r\n' + ERR_INUSE + b'\r\n'
    if res.timed_out:
        raise Fail('no [IN-USE] and close within 40 s while a fresh dotlock (%s) is held' % name,
                   R.diff(expected, res.out))
    expect_eq('session output with a fresh dotlock (%s) held' % name, expected, res.out)
    check_exit(res)
    if elapsed < 2:
        raise Fail('gave up after %.1fs: the lock wait should be bounded but not instant' % elapsed)
    if not os.path.exists(env.lock) or open(env.lock, 'rb').read() != content:
        raise Fail("pop3d removed or changed another program's fresh dotlock")
    check_after(env, 'unchanged', before)


@test('lock:fresh-dotlock-live-pid-in-use', weight=20)
def _():
    fresh_lock_test('live pid', b'%d\n' % os.getpid())


@test('lock:fresh-dotlock-no-pid-in-use', weight=20)
def _():
    fresh_lock_test('no pid', b'')


def touching_holder(env, touch_for, hold_for):
    """A dotlock holder (a live pid) that touches the lock every second
    for touch_for seconds, as pop3d does during a long scan or update, and
    removes it after hold_for seconds (never, if None)."""
    with open(env.lock, 'wb') as f:
        f.write(b'%d\n' % os.getpid())
    R.chown(env.lock)
    stop = threading.Event()

    def run():
        t0 = time.monotonic()
        while not stop.wait(1):
            t = time.monotonic() - t0
            if hold_for is not None and t >= hold_for:
                os.unlink(env.lock)
                return
            if t < touch_for:
                os.utime(env.lock)
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return stop, th


@test('lock:waits-while-the-holder-makes-progress', weight=20)
def _():
    # STANDARDS: another session of the same user does not cause [IN-USE]
    # while its scan or update goes on.  A holder that touches the dotlock
    # every second for 14 s and then releases it: the login waits it out.
    env = Env('lock-progress')
    env.put_mailbox(f1())
    stop, th = touching_holder(env, 14, 14)
    t0 = time.monotonic()
    try:
        res = env.run(LOGIN + b'STAT\r\nQUIT\r\n', timeout=40)
    finally:
        stop.set()
        th.join()
    elapsed = time.monotonic() - t0
    check_exit(res)
    expect_eq('session output while the holder makes progress for 14 s',
              GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)
    if elapsed < 13:
        raise Fail('logged in after %.1f s, while the lock was still held' % elapsed)
    check_no_lock(env)


@test('lock:login-waits-while-the-mailbox-is-replaced', weight=3)
def _():
    # SAFETY, Other programs: "the file may be renamed or replaced".  A new
    # file renamed over the mailbox while a login waits for the locks is
    # the mailbox: the login reads it (not the old, unlinked one, whose
    # "0 hard links" made it [SYS/PERM] "contact your administrator").
    env = Env('lock-replaced')
    env.put_mailbox(f1())
    with open(env.lock, 'wb') as f:
        f.write(b'%d\n' % os.getpid())
    R.chown(env.lock)
    s = env.session()
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(b'+OK Send your password.\r\n')
    time.sleep(1.5)                     # the login is backing off now
    new = f1()[:f1().index(b'\n\nFrom ') + 1]
    env.put_mailbox(new, path=env.mbox + '.new')
    os.rename(env.mbox + '.new', env.mbox)
    os.unlink(env.lock)
    s.expect(b'+OK Logged in, 1 messages (%d octets).\r\n' % (len(new) - new.index(b'\n') - 1 + new.count(b'\n') - 1),
             timeout=20, what='login after the mailbox was replaced')
    s.send(b'QUIT\r\n')
    s.expect(b'+OK Bye.\r\n')
    check_exit(s.finish())
    check_no_lock(env)
    expect_eq('mailbox', new, open(env.mbox, 'rb').read())


@test('lock:second-login-waits-for-a-slow-scan', weight=25)
def _():
    # STANDARDS: another POP3 session of the same user does not cause
    # [IN-USE].  Session A's scan of a 4 MB mailbox is slowed to about 12 s
    # (strace delays each 64 KiB pread by 0.2 s); session B logs in while A
    # holds the locks, and must wait for it rather than give up after 10 s.
    if not shutil.which('strace'):
        raise Skip('strace not installed')
    env = Env('lock-slow-scan')
    msg = b'From a@example.org Mon Jan  1 00:00:00 2024\nSubject: x\n\n' + b'y' * 1000 + b'\n'
    data = b'\n'.join([msg] * 3900)
    env.put_mailbox(data)
    n = len(data) // 65536 + 1
    slow = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=pread64',
            '-e', 'inject=pread64:delay_exit=200000'] + env.argv(['--index-dir=none'])
    out = {}

    def session_a():
        out['a'] = env.run(LOGIN + b'STAT\r\nQUIT\r\n', argv=slow, timeout=60)
    ta = threading.Thread(target=session_a)
    ta.start()
    try:
        for _ in range(100):
            if os.path.exists(env.lock):
                break
            time.sleep(0.05)
        else:
            raise Fail('session A never took the dotlock')
        # LOCKING: the dotlock holds its creator's pid, a colon, this host's
        # name and a newline; as root that is the monitor (root, pop3d),
        # which makes it.
        holder = open(env.lock, 'rb').read()
        m = re.fullmatch(rb'([1-9][0-9]*):(.*)\n', holder)
        if not m or m.group(2) != socket.gethostname().encode():
            raise Fail('dotlock content is not PID:HOST and a newline', R.esc(holder))
        with open('/proc/%d/status' % int(m.group(1))) as f:
            st = dict(ln.split(':', 1) for ln in f.read().split('\n') if ':' in ln)
        expect_eq('dotlock holder: name, uid', (os.path.basename(Config.pop3d)[:15], 0 if Config.root else os.getuid()),
                  (st['Name'].strip(), int(st['Uid'].split()[0])))
        t0 = time.monotonic()
        b = env.run(LOGIN + b'STAT\r\nQUIT\r\n', args=['--index-dir=none'], timeout=60)
        elapsed = time.monotonic() - t0
    finally:
        ta.join()
    total = 3900 * len(b'Subject: x\r\n\r\n' + b'y' * 1000 + b'\r\n')
    ok = GREETING + login_reply(3900, total) + b'+OK 3900 %d\r\n+OK Bye.\r\n' % total
    check_exit(out['a'])
    check_exit(b)
    expect_eq('session A (slow scan)', ok, out['a'].out)
    expect_eq('session B, logging in during A\'s scan', ok, b.out)
    if elapsed < 0.2 * n * 0.8:
        raise Fail('session B logged in after %.1f s, before A\'s scan (about %.0f s) could end'
                   % (elapsed, 0.2 * n))


@test('lock:second-login-waits-for-a-scan-whose-clock-stands-still', weight=25)
def _():
    # LOCKING: "A session touches the dotlock it holds every second while it
    # reads or updates the mailbox", whatever the wall clock does.  Session
    # A's scan is slowed to about 12 s as above, under faketime with its
    # wall clock frozen (a clock set back looks the same to it for as long
    # as the step); B must wait for it as for any progressing holder, not
    # give up after 10 s with [IN-USE].
    if not shutil.which('strace') or not shutil.which('faketime'):
        raise Skip('strace or faketime not installed')
    if Config.wrapper:
        raise Skip('faketime under a wrapper')
    with open(Config.pop3d, 'rb') as f:
        if b'__asan_init' in f.read():
            raise Skip('a sanitizer build must come first in LD_PRELOAD; faketime would')
    env = Env('lock-frozen-clock')
    msg = b'From a@example.org Mon Jan  1 00:00:00 2024\nSubject: x\n\n' + b'y' * 1000 + b'\n'
    data = b'\n'.join([msg] * 3900)
    env.put_mailbox(data)
    slow = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=pread64',
            '-e', 'inject=pread64:delay_exit=200000', 'faketime', '-f', '2026-01-01 00:00:00'] + \
        env.argv(['--index-dir=none'])
    out = {}

    def session_a():
        p = env.popen(slow, env={'FAKETIME_DONT_FAKE_MONOTONIC': '1'})
        o, _ = p.communicate(LOGIN + b'STAT\r\nQUIT\r\n', timeout=90 * Config.scale)
        out['a'] = o
    ta = threading.Thread(target=session_a)
    ta.start()
    try:
        for _ in range(200):
            if os.path.exists(env.lock):
                break
            time.sleep(0.05)
        else:
            raise Fail('session A never took the dotlock')
        b = env.run(LOGIN + b'STAT\r\nQUIT\r\n', args=['--index-dir=none'], timeout=60)
    finally:
        ta.join()
    total = 3900 * len(b'Subject: x\r\n\r\n' + b'y' * 1000 + b'\r\n')
    ok = GREETING + login_reply(3900, total) + b'+OK 3900 %d\r\n+OK Bye.\r\n' % total
    check_exit(b)
    expect_eq('session A (slow scan, frozen clock)', ok, out.get('a'))
    expect_eq('session B, logging in during A\'s scan', ok, b.out)
    check_no_lock(env)


@test('lock:gives-up-10s-after-the-last-progress', weight=20)
def _():
    # LOCKING: the wait ends 10 s after the holder's last sign of progress.
    env = Env('lock-stalled')
    env.put_mailbox(f1())
    before = env.snapshot()
    stop, th = touching_holder(env, 5, None)
    t0 = time.monotonic()
    try:
        res = env.run(LOGIN + b'STAT\r\n', close_stdin=False, timeout=40)
    finally:
        stop.set()
        th.join()
    elapsed = time.monotonic() - t0
    check_exit(res)
    expect_eq('session output when the holder stalls', GREETING + b'+OK Send your password.\r\n' +
              ERR_INUSE + b'\r\n', res.out)
    if not 13.5 <= elapsed <= 17 * Config.scale:
        raise Fail('[IN-USE] after %.1f s; expected about 15 s (10 s after the last touch at 5 s)' % elapsed)
    os.unlink(env.lock)
    check_after(env, 'unchanged', before)


@test('lock:fcntl-lock-in-use', weight=20)
def _():
    env = Env('lock-fcntl')
    env.put_mailbox(f1())
    before = env.snapshot()
    fd = os.open(env.mbox, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = env.run(LOGIN + b'STAT\r\n', close_stdin=False, timeout=40)
    finally:
        os.close(fd)
    expected = GREETING + b'+OK Send your password.\r\n' + ERR_INUSE + b'\r\n'
    if res.timed_out:
        raise Fail('no reply / no close within 40 s while an fcntl lock is held', R.diff(expected, res.out))
    expect_eq('session output with an fcntl lock held', expected, res.out)
    check_exit(res)
    check_no_lock(env)
    check_after(env, 'unchanged', before)


@test('lock:quit-while-dotlocked', weight=20)
def _():
    env = Env('lock-quit')
    env.put_mailbox(f1())
    before = env.snapshot()
    s = env.session()
    s.expect(GREETING)
    s.send(LOGIN + b'DELE 1\r\n')
    s.expect(login_reply(2, 52) + b'+OK Message deleted.\r\n')
    with open(env.lock, 'wb') as f:
        f.write(b'%d\n' % os.getpid())
    s.send(b'QUIT\r\n')
    s.expect(ERR_QUIT_TEMP + b'\r\n', timeout=40, what='QUIT reply while the dotlock is held')
    rest = s.read_to_eof(timeout=10)
    if rest is None:
        s.kill()
        raise Fail('connection not closed after the QUIT failure')
    if rest:
        raise Fail('output after the QUIT reply', R.esc(rest))
    check_exit(s.finish())
    if open(env.lock, 'rb').read() != b'%d\n' % os.getpid():
        raise Fail("pop3d changed another program's dotlock")
    os.unlink(env.lock)
    check_after(env, 'unchanged', before)


# ----------------------------------------------------------------- changes during a session

NEW_MAIL = b'From carol@example.org Thu Jan  1 00:02:00 2024\nSubject: three\n\nnew\n\n'


def logged_in_session(env, data=None, args=(), n=2, m=52):
    env.put_mailbox(data if data is not None else f1())
    s = env.session(args=args)
    s.expect(GREETING)
    s.send(LOGIN)
    s.expect(login_reply(n, m))
    return s


@test('update:mail-appended-during-session')
def _():
    env = Env('append')
    s = logged_in_session(env)
    ino = os.stat(env.mbox).st_ino
    with open(env.mbox, 'ab') as f:
        f.write(NEW_MAIL)
    s.send(b'STAT\r\nLIST\r\nRETR 2\r\nDELE 1\r\nQUIT\r\n')
    s.expect(b'+OK 2 52\r\n+OK 2 messages (52 octets)\r\n1 23\r\n2 29\r\n.\r\n'
             b'+OK 29 octets\r\nSubject: two\r\n\r\n..dot\r\nline2\r\n.\r\n'
             b'+OK Message deleted.\r\n+OK Bye.\r\n', what='replies after new mail arrived')
    check_exit(s.finish())
    check_no_lock(env)
    got = open(env.mbox, 'rb').read()
    expect_eq('mailbox after DELE 1 + QUIT with new mail', fixture('after/F1-dele1.mbox') + NEW_MAIL, got)
    expect_eq('inode', ino, os.stat(env.mbox).st_ino)


def quit_outcome(s, env, ok_after, err_after, what):
    """QUIT after another program changed the file.  pop3d removes deleted
    messages by content identity (man page: UPDATE) or refuses with
    [SYS/TEMP]; either way no message that was not deleted may be lost and
    the reply must say which happened."""
    s.send(b'QUIT\r\n')
    reply = s.lines(1, timeout=30)
    check_exit(s.finish())
    check_no_lock(env)
    got = open(env.mbox, 'rb').read()
    if reply == [b'+OK Bye.']:
        expect_eq('mailbox after +OK Bye. (%s)' % what, ok_after, got)
    elif reply == [ERR_QUIT_TEMP]:
        expect_eq('mailbox after [SYS/TEMP] (%s)' % what, err_after, got)
    else:
        raise Fail('QUIT reply (%s): %r' % (what, reply))


@test('update:mailbox-made-unsafe-before-quit')
def _():
    # RESPONSE CODES: QUIT answers [SYS/PERM] when the deletions cannot be
    # carried out because the mailbox now needs an administrator (here it
    # became world-writable during the session); nothing changes.
    env = Env('update-unsafe')
    s = logged_in_session(env)
    s.send(b'DELE 1\r\n')
    s.expect(b'+OK Message deleted.\r\n')
    os.chmod(env.mbox, 0o666)
    before = env.snapshot()
    s.send(b'QUIT\r\n')
    s.expect(b'-ERR [SYS/PERM] Deleted messages not removed, contact your administrator.\r\n', timeout=30)
    check_exit(s.finish())
    check_no_lock(env)
    check_after(env, 'unchanged', before)


def three_messages():
    return b''.join(b'From m%d@example.org Mon Jan  1 00:00:0%d 2024\nSubject: m%d\n\nbody of m%d\n\n' % (i, i, i, i)
                    for i in (1, 2, 3))


def remove_third(env):
    """Another session removes message 3 (the last) and QUITs."""
    res = env.run(LOGIN + b'DELE 3\r\nQUIT\r\n')
    check_exit(res)
    if not res.out.endswith(b'+OK Message deleted.\r\n+OK Bye.\r\n'):
        raise Fail('the other session\'s DELE 3 + QUIT failed', R.esc(res.out))


@test('update:pipelined-commands-after-another-session-removed-a-message')
def _():
    # README (Concurrent sessions): a message whose bytes are gone gets
    # -ERR Message was removed from the mailbox since login., pipelined
    # commands too, and every other message goes on working; QUIT removes
    # what was marked and is still there, never another message.  A DELE
    # checked against the window read ahead at login may still get +OK
    # (nothing is removed for it at QUIT), so both replies are accepted.
    data = three_messages()
    size = len(b'Subject: m1\r\n\r\nbody of m1\r\n')
    msg2 = data[data.index(b'From m2'):data.index(b'From m3')]
    removed = b'-ERR Message was removed from the mailbox since login.\r\n'
    env = Env('pipelined-removed')
    s = logged_in_session(env, data, n=3, m=3 * size)
    remove_third(env)
    s.send(b'DELE 1\r\nDELE 3\r\nQUIT\r\n')
    out = s.read_to_eof(timeout=30)
    check_exit(s.finish())
    if out not in (b'+OK Message deleted.\r\n+OK Message deleted.\r\n+OK Bye.\r\n',
                   b'+OK Message deleted.\r\n' + removed + b'+OK Bye.\r\n'):
        raise Fail('replies to a pipelined DELE of a message another session removed', R.esc(out or b''))
    expect_eq('mailbox: message 2 alone', msg2, open(env.mbox, 'rb').read())
    check_no_lock(env)
    # RETR: message 3 is gone, message 2 is still there.
    env = Env('pipelined-removed-retr')
    s = logged_in_session(env, data, n=3, m=3 * size)
    remove_third(env)
    s.send(b'NOOP\r\nRETR 2\r\nRETR 3\r\nQUIT\r\n')
    out = s.read_to_eof(timeout=30)
    check_exit(s.finish())
    retr2 = b'+OK %d octets\r\nSubject: m2\r\n\r\nbody of m2\r\n.\r\n' % size
    expect_eq('pipelined NOOP, RETR 2, RETR 3 (removed), QUIT',
              b'+OK Nothing to do.\r\n' + retr2 + removed + b'+OK Bye.\r\n', out or b'')
    expect_eq('mailbox after RETRs', data[:data.index(b'From m3')], open(env.mbox, 'rb').read())


@test('update:signals-during-the-update-are-held', weight=10)
def _():
    # SAFETY (Signals): from the moment the update takes its locks, SIGTERM
    # and SIGHUP neither interrupt nor abandon it.  The update of a 4 MB
    # mailbox is slowed by strace (each fdatasync delayed 0.4 s); once its
    # journal exists both signals go to every pop3d process.
    if not shutil.which('strace'):
        raise Skip('strace not installed')
    env = Env('update-signals')
    msgs = [b'From m%d@example.org Mon Jan  1 00:00:00 2024\nSubject: %d\n\n' % (i, i) + b'z' * 1000 + b'\n'
            for i in range(4000)]
    data = b'\n'.join(msgs)
    env.put_mailbox(data)
    slow = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync,fsync',
            '-e', 'inject=fdatasync,fsync:delay_exit=400000'] + env.argv(['--index-dir=none'])
    s = R.Session(env, slow)
    journal = os.path.join(env.dir, '.alice.pop3d-journal')
    try:
        s.expect(GREETING)
        s.send(LOGIN + b'DELE 1\r\n')
        s.lines(3, timeout=30)
        s.send(b'QUIT\r\n')
        for _ in range(500):
            if os.path.exists(journal):
                break
            time.sleep(0.02)
        else:
            raise Fail('no journal appeared: the update was not slow enough to be caught',
                       R.esc(bytes(s.all)))
        comm = os.path.basename(Config.pop3d)[:15]
        pids = [p for p in group_pids(s.p.pid) if open('/proc/%d/comm' % p).read().strip() == comm]
        if not pids:
            raise Fail('no %s process found' % comm)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            for p in pids:
                os.kill(p, sig)
        # A signal whose default is to terminate, to the session alone:
        # blocked, it can only end the process once the update is done.
        session = [p for p in pids if not Config.root or proc_uid(p) != 0]
        os.kill(session[0], signal.SIGUSR1)
    finally:
        res = s.finish(timeout=60)
    lines = [bytes(x) for x in res.out.split(b'\r\n')[1:-1]]
    size = sum(len(b'Subject: %d\r\n\r\n' % i) + 1002 for i in range(4000))
    expect_eq('replies to login and DELE 1', [b'+OK Send your password.', login_reply(4000, size)[25:-2],
                                             b'+OK Message deleted.'], lines[:3])
    check_no_lock(env)
    if os.path.exists(journal):
        raise Fail('journal left behind')
    expect_eq('mailbox after the update', data[len(msgs[0]) + 1:], open(env.mbox, 'rb').read())


def proc_uid(pid):
    with open('/proc/%d/status' % pid) as f:
        return int([ln for ln in f if ln.startswith('Uid:')][0].split()[1])


def group_pids(pgid):
    pids = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                st = open('/proc/%s/stat' % d, 'rb').read()
            except OSError:
                continue
            if int(st[st.rindex(b')') + 2:].split()[2]) == pgid:
                pids.append(int(d))
    return pids


@test('update:dele-all-with-new-mail')
def _():
    # E115: everything deleted, new mail arrived meanwhile: only the new mail stays.
    env = Env('dele-all-new')
    s = logged_in_session(env)
    with open(env.mbox, 'ab') as f:
        f.write(NEW_MAIL)
    s.send(b'DELE 1\r\nDELE 2\r\nQUIT\r\n')
    s.expect(b'+OK Message deleted.\r\n+OK Message deleted.\r\n+OK Bye.\r\n')
    check_exit(s.finish())
    check_no_lock(env)
    expect_eq('mailbox after deleting all with new mail', NEW_MAIL, open(env.mbox, 'rb').read())


@test('update:deleted-message-changed-before-quit')
def _():
    # The message the client deleted was rewritten by another program: it is
    # not the message the client saw, so it must stay.
    env = Env('changed-deleted')
    s = logged_in_session(env)
    s.send(b'DELE 1\r\n')
    s.expect(b'+OK Message deleted.\r\n')
    changed = f1().replace(b'hello', b'HELLO')
    fd = os.open(env.mbox, os.O_WRONLY)
    os.pwrite(fd, changed, 0)
    os.close(fd)
    quit_outcome(s, env, changed, changed, 'deleted message changed')


@test('update:kept-message-changed-before-quit')
def _():
    env = Env('changed-kept')
    s = logged_in_session(env)
    s.send(b'DELE 1\r\n')
    s.expect(b'+OK Message deleted.\r\n')
    changed = f1().replace(b'line2', b'LINE2')
    fd = os.open(env.mbox, os.O_WRONLY)
    os.pwrite(fd, changed, 0)
    os.close(fd)
    quit_outcome(s, env, fixture('after/F1-dele1.mbox').replace(b'line2', b'LINE2'), changed,
                 'kept message changed')


@test('update:earlier-message-expunged-before-quit')
def _():
    # Another program removed message 1; this session deleted message 2,
    # which now sits at another offset.
    env = Env('expunged')
    s = logged_in_session(env, fixture('three.mbox'), n=3, m=67)
    s.send(b'DELE 3\r\n')
    s.expect(b'+OK Message deleted.\r\n')
    with open(env.mbox, 'r+b') as f:
        f.write(fixture('after/three-dele1.mbox'))
        f.truncate()
    quit_outcome(s, env, fixture('after/three-dele13.mbox'), fixture('after/three-dele1.mbox'),
                 'earlier message expunged')


@test('update:mailbox-replaced-before-quit')
def _():
    env = Env('replaced')
    s = logged_in_session(env)
    s.send(b'DELE 1\r\n')
    s.expect(b'+OK Message deleted.\r\n')
    tmp = env.mbox + '.new'
    env.put_mailbox(f1(), path=tmp)
    os.rename(tmp, env.mbox)
    quit_outcome(s, env, fixture('after/F1-dele1.mbox'), f1(), 'mailbox replaced by a copy')


def numbered_message(i, lines):
    """A message of the given number of body lines, with its separator."""
    body = b''.join(b'line %d of message %d, long enough to fill the mailbox quickly\n' % (k, i)
                    for k in range(lines))
    return b'From a@example.org Mon Jan  5 10:00:00 2024\nSubject: %d\n\n' % i + body + b'\n'


def wire_size(message):
    """Its size in LIST: without its From_ line and separator, LF as CR LF."""
    content = message[message.index(b'\n') + 1:-1]
    return len(content) + content.count(b'\n')


@test('update:session-on-a-renamed-mailbox-keeps-the-new-ones-journal')
def _():
    """A session whose mailbox was renamed away (it reads the old file)
    reads it again after a mail reader changed it, while the new file at
    the path has the journal of another session's crashed update: that
    journal is the new file's, and must be left for it, not removed as
    "not matching" the old one (the new file would stay torn for good)."""
    if not Config.fault:
        raise Skip('needs POP3D_FAULT (make pop3d-fault)')
    env = Env('renamed-journal')
    old1, old2 = numbered_message(11, 3), numbered_message(12, 3)
    s = logged_in_session(env, old1 + old2, n=2, m=wire_size(old1) + wire_size(old2))
    moved = env.mbox + '.old'
    os.rename(env.mbox, moved)
    new = numbered_message(1, 300) + numbered_message(2, 300) + numbered_message(3, 300)
    env.put_mailbox(new)
    # Another session deletes message 1 of the new file and dies in the
    # middle of moving the rest down (the 8th write or sync of the update).
    argv = env.argv()
    argv[len(Config.wrapper)] = Config.fault
    crash = env.session(argv=argv, env={'POP3D_FAULT_AFTER': '8'})
    crash.send(LOGIN + b'DELE 1\r\nQUIT\r\n')
    crash.finish()
    journal = os.path.join(env.dir, '.alice.pop3d-journal')
    if not os.path.exists(journal) or open(env.mbox, 'rb').read() == new:
        raise Fail('the crashed update left no journal, or no change to finish: the test proves nothing')
    # A mail reader expunges message 1 of the renamed file, in place.
    with open(moved, 'r+b') as f:
        f.write(old2)
        f.truncate()
    s.send(b'RETR 2\r\nQUIT\r\n')
    wire = old2[old2.index(b'\n') + 1:-1].replace(b'\n', b'\r\n')
    s.expect(b'+OK %d octets\r\n' % len(wire) + wire + b'.\r\n+OK Bye.\r\n', what='RETR 2 from the renamed file')
    check_exit(s.finish())
    if not os.path.exists(journal):
        raise Fail('the session on the renamed file removed the new mailbox\'s journal')
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n')
    check_exit(res)
    finished = numbered_message(2, 300) + numbered_message(3, 300)
    size = wire_size(numbered_message(2, 300)) + wire_size(numbered_message(3, 300))
    expect_eq('next login', GREETING + login_reply(2, size) + b'+OK 2 %d\r\n+OK Bye.\r\n' % size, res.out)
    expect_eq('new mailbox after the replay', finished, open(env.mbox, 'rb').read())
    expect_eq('renamed mailbox', old2, open(moved, 'rb').read())
    check_no_lock(env)


def xxh3_64(data):
    """XXH3-64 (seed 0) from the libxxhash pop3d links, for forging a journal."""
    import ctypes
    lib = ctypes.CDLL('libxxhash.so.0')
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib.XXH3_64bits(bytes(data), len(data))


def forged_truncate_journal(mbox, ino, size_before):
    """A journal (journal_int.h's layout) for mailbox octets mbox whose every
    checksum and digest is right, as the mailbox's owner can make one, with
    one recorded step: the cut of the last 16 octets, phase 1, claiming the
    file was size_before octets long when the update began."""
    size = len(mbox)
    pack = lambda *v: struct.pack('<%dQ' % len(v), *v)
    ranges = pack(0, 16)
    nblocks = (size + 4095) // 4096
    digests = b''.join(pack(xxh3_64(mbox[k:k + 4096])) for k in range(0, size, 4096))
    head = b'pop3d-journal-2\n' + pack(ino, size, 1, 65536, 0, nblocks)
    a, b, d = xxh3_64(head), xxh3_64(ranges), xxh3_64(digests)
    m = (1 << 64) - 1
    check = a ^ ((b * 0x9e3779b97f4a7c15) & m) ^ ((d * 0xc2b2ae3d27d4eb4f) & m)
    hashes_off = 8192
    slots_off = hashes_off + (nblocks * 8 + 4095) // 4096 * 4096
    new_size = size - 16
    below = mbox[new_size // 4096 * 4096:new_size]
    slot = pack(1, 2, 0, 0, 0, 0, 0, size_before, new_size, 1) + b'N' * 16 + \
        pack(16, 0, xxh3_64(below), xxh3_64(b''), xxh3_64(b''), xxh3_64(b''), 0, 0, 0)
    slot += pack(xxh3_64(slot))
    j = bytearray(slots_off + 2 * (4096 + 65536))
    j[0:64] = head
    j[64:72] = pack(check)
    j[4096:4112] = ranges
    j[hashes_off:hashes_off + len(digests)] = digests
    at = slots_off + 4096 + 65536          # step 1 goes into slot 1
    j[at:at + len(slot)] = slot
    return bytes(j)


@test('update:forged-journal-with-a-huge-size-is-dropped')
def _():
    """A journal its owner forged with every checksum right (the user owns
    it; root's --recover replays it too) whose cut claims the file was 2^63
    octets long: its numbers must be checked before any arithmetic (the
    replay computed with them, undefined behaviour in C, and failed every
    login with [SYS/TEMP]); it is not this file's journal and is dropped."""
    env = Env('forged-journal')
    data = f1() * 1
    env.put_mailbox(data)
    journal = os.path.join(env.dir, '.alice.pop3d-journal')
    with open(journal, 'wb') as f:
        f.write(forged_truncate_journal(data, os.stat(env.mbox).st_ino, 1 << 63))
    R.chown(journal)
    os.chmod(journal, 0o600)
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('login with a forged journal', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)
    expect_eq('mailbox', data, open(env.mbox, 'rb').read())
    if os.path.lexists(journal):
        raise Fail('the forged journal was kept')
    check_no_lock(env)


@test('update:copy-kept-had-mail-joined-marked-copy-still-goes')
def _():
    # SAFETY: "in a file that only grew, exactly the marked messages go".
    # Two identical copies; the session marks the first; a writer appends
    # mail joined to the second (no empty line before its From_ line).  The
    # copy the session kept is still there, as the start of the longer
    # last message, so the marked one goes and QUIT says +OK (it said +OK
    # and removed nothing: the joined copy did not count as present).
    env = Env('copy-joined')
    a = b'From a@example.org Mon Jan  5 10:00:00 2024\nSubject: same\n\nbody\n'
    s = logged_in_session(env, a + b'\n' + a, n=2, m=46)
    s.send(b'DELE 1\r\n')
    s.expect(b'+OK Message deleted.\r\n')
    joined = b'From c@example.org Tue Jan  6 10:00:00 2024\nSubject: joined\n\nnew\n'
    with open(env.mbox, 'ab') as f:
        f.write(joined)
    s.send(b'QUIT\r\n')
    s.expect(b'+OK Bye.\r\n')
    check_exit(s.finish())
    check_no_lock(env)
    expect_eq('mailbox', a + joined, open(env.mbox, 'rb').read())


@test('update:truncated-then-retr')
def _():
    env = Env('truncated')
    s = logged_in_session(env)
    os.truncate(env.mbox, 0)
    s.send(b'RETR 1\r\nTOP 2 0\r\nQUIT\r\n')
    # Read again under the locks: both messages are gone from the file.
    s.expect(ERR_GONE + b'\r\n' + ERR_GONE + b'\r\n+OK Bye.\r\n', what='RETR/TOP after truncation')
    check_exit(s.finish())
    check_no_lock(env)
    expect_eq('mailbox size', 0, os.path.getsize(env.mbox))


@test('concurrent:two-sessions-allowed')
def _():
    env = Env('concurrent')
    before_data = f1()
    s = logged_in_session(env)
    before = env.snapshot()
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('second session', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)
    s.send(b'STAT\r\nQUIT\r\n')
    s.expect(b'+OK 2 52\r\n+OK Bye.\r\n')
    check_exit(s.finish())
    check_no_lock(env)
    check_after(env, 'unchanged', before)
    expect_eq('mailbox', before_data, open(env.mbox, 'rb').read())


# ----------------------------------------------------------------- a real client over TCP

def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Listener:
    """pop3d behind socat or systemd-socket-activate on 127.0.0.1."""

    def __init__(self, env, debug=True, args=(), as_user=False, inner=None):
        self.env = env
        self.port = free_port()
        inner = inner or env.argv(args, debug=debug)
        self.log = env.dir + '.listener'
        # Both hand pop3d the TCP socket itself as stdin/stdout (socat needs
        # nofork for that), so getpeername() sees the client.
        prefer = os.environ.get('TEST_LISTENER', '')
        if shutil.which('systemd-socket-activate') and prefer != 'socat':
            # It passes on only the environment it is told to: make
            # coverage's counts directory (Makefile, GCOV_ENV) too.
            keep = [a for name in ('GCOV_PREFIX', 'GCOV_PREFIX_STRIP') if name in os.environ
                    for a in ('-E', name)]
            cmd = ['systemd-socket-activate', '-l', '127.0.0.1:%d' % self.port, '--inetd', '-a'] + keep + inner
            self.kind = 'ssa'
        elif shutil.which('socat'):
            cmd = ['socat', 'TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork' % self.port,
                   'EXEC:' + ' '.join(inner) + ',nofork']
            self.kind = 'socat'
        else:
            raise Skip('neither socat nor systemd-socket-activate is installed')
        kw = {}
        if as_user and Config.root:
            kw = dict(user=Config.uid, group=Config.gid, extra_groups=[])
        with open(self.log, 'wb') as logf:
            self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf,
                                      start_new_session=True, **kw)
        with _cleanup_lock:
            _cleanup.append(self.p)
        for _ in range(100):
            if self.p.poll() is not None:
                raise Fail('listener exited', R.esc(self.logtext(), 1000))
            if self.kind == 'ssa' and b'Listening on' in self.logtext():
                break
            if self.kind == 'socat':
                try:
                    socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                    break
                except OSError:
                    pass
            time.sleep(0.05)
        else:
            raise Fail('listener not ready after 5 s', R.esc(self.logtext(), 1000))

    def logtext(self):
        try:
            return open(self.log, 'rb').read()
        except FileNotFoundError:
            return b''

    def stop(self):
        R.kill_group(self.p)
        self.p.wait()


@test('client:poplib', weight=3)
def _():
    env = Env('poplib')
    env.put_mailbox(f1())
    before = env.snapshot()
    lst = Listener(env)
    try:
        c = poplib.POP3('127.0.0.1', lst.port, timeout=10 * Config.scale)
        expect_eq('welcome', b'+OK POP3 server ready.', c.getwelcome())
        caps = c.capa()
        expect_eq('capabilities', sorted(x.decode().split()[0] for x in CAPA_LINES), sorted(caps))
        expect_eq('user', b'+OK Send your password.', c.user('alice'))
        expect_eq('pass_', b'+OK Logged in, 2 messages (52 octets).', c.pass_('secret'))
        expect_eq('stat', (2, 52), c.stat())
        expect_eq('list', (b'+OK 2 messages (52 octets)', [b'1 23', b'2 29'], 12), c.list())
        resp, uids, _ = c.uidl()
        if len(uids) != 2 or not all(re.fullmatch(rb'[12] [0-9a-f]{32}', u) for u in uids):
            raise Fail('uidl: %r' % uids)
        expect_eq('retr 1', (b'+OK 23 octets', [b'Subject: one', b'', b'hello'], 23), c.retr(1))
        expect_eq('retr 2', (b'+OK 29 octets', [b'Subject: two', b'', b'.dot', b'line2'], 29), c.retr(2))
        expect_eq('top 2 0', [b'Subject: two', b''], c.top(2, 0)[1])
        expect_eq('top 2 1', [b'Subject: two', b'', b'.dot'], c.top(2, 1)[1])
        expect_eq('dele 1', b'+OK Message deleted.', c.dele(1))
        expect_eq('stat after dele', (1, 29), c.stat())
        expect_eq('rset', b'+OK Deletion marks removed.', c.rset())
        expect_eq('stat after rset', (2, 52), c.stat())
        expect_eq('noop', b'+OK Nothing to do.', c.noop())
        expect_eq('dele 2', b'+OK Message deleted.', c.dele(2))
        expect_eq('quit', b'+OK Bye.', c.quit())
        # the session's UPDATE is done before +OK Bye. is sent
        check_after(env, 'after/F1-dele2.mbox', before)
        # a dropped connection never updates
        c = poplib.POP3('127.0.0.1', lst.port, timeout=10 * Config.scale)
        c.user('alice')
        c.pass_('secret')
        c.dele(1)
        c.sock.close()
        c.file.close()
        time.sleep(0.5)
        check_after(env, 'after/F1-dele2.mbox', before)
        # a failed login is logged with the peer address
        c = poplib.POP3('127.0.0.1', lst.port, timeout=10 * Config.scale)
        c.user('alice')
        try:
            c.pass_('Wr0ngTcpPassw0rd')
            raise Fail('pass_ with a wrong password succeeded')
        except poplib.error_proto as e:
            expect_eq('wrong password reply', ERR_AUTH, e.args[0])
        c.quit()
        for _ in range(50):
            if b'rip=127.0.0.1' in lst.logtext():
                break
            time.sleep(0.1)
        else:
            raise Fail("failed login over TCP not logged with rip=127.0.0.1", lst.logtext().decode("utf-8", "replace"))
        if b'Wr0ngTcpPassw0rd' in lst.logtext() or b'secret' in lst.logtext():
            raise Fail('the log contains a password', R.esc(lst.logtext(), 2000))
        check_no_lock(env)
    finally:
        lst.stop()


@test('client:poplib-sasl', weight=3)
def _():
    """AUTH PLAIN from Python's poplib over TCP: listed by CAPA, with an
    initial response and with the continuation; the password in the
    response is never logged."""
    env = Env('poplib-sasl')
    env.put_mailbox(f1())
    lst = Listener(env)
    good = base64.b64encode(b'\0alice\0secret').decode()
    bad = base64.b64encode(b'\0alice\0Wr0ngSaslPassw0rd').decode()
    try:
        c = poplib.POP3('127.0.0.1', lst.port, timeout=10 * Config.scale)
        expect_eq('SASL mechanisms', ['PLAIN'], c.capa().get('SASL'))
        try:
            c._shortcmd('AUTH PLAIN ' + bad)
            raise Fail('AUTH PLAIN with a wrong password succeeded')
        except poplib.error_proto as e:
            expect_eq('wrong password reply', ERR_AUTH, e.args[0])
        c._putcmd('AUTH PLAIN')
        expect_eq('continuation', b'+ ', c._getline()[0])
        expect_eq('login', b'+OK Logged in, 2 messages (52 octets).', c._shortcmd(good))
        expect_eq('stat', (2, 52), c.stat())
        expect_eq('quit', b'+OK Bye.', c.quit())
        c = poplib.POP3('127.0.0.1', lst.port, timeout=10 * Config.scale)
        expect_eq('login with an initial response', b'+OK Logged in, 2 messages (52 octets).',
                  c._shortcmd('AUTH PLAIN ' + good))
        expect_eq('retr 1', (b'+OK 23 octets', [b'Subject: one', b'', b'hello'], 23), c.retr(1))
        expect_eq('quit', b'+OK Bye.', c.quit())
        for _ in range(50):
            if b'login failed: rip=127.0.0.1 user=alice' in lst.logtext():
                break
            time.sleep(0.1)
        else:
            raise Fail('failed AUTH PLAIN not logged', R.esc(lst.logtext(), 2000))
        if b'Wr0ngSaslPassw0rd' in lst.logtext() or b'secret' in lst.logtext() or good.encode() in lst.logtext():
            raise Fail('the log contains a password', R.esc(lst.logtext(), 2000))
        check_no_lock(env)
    finally:
        lst.stop()


# ----------------------------------------------------------------- the index (index.c)
#
# Every test session runs with --index-dir={dir}.index (tests/run).  The
# oracle for a session that used an index is the same session with
# --index-dir=none, on the same bytes: the index may only save work, never
# change a reply.

def index_mailbox(crlf_last=False):
    """Five messages: small ones, one longer than a 64 KiB read window, and
    separators of both kinds; a From_ line in a body is quoted."""
    msgs = []
    for i in range(5):
        body = b'line %d of message %d\n' % (i, i)
        if i == 2:
            body = b''.join(b'%06d %s\n' % (k, b'x' * 70) for k in range(1100))
        if i == 3:
            body += b'>From quoted Mon Jan  1 00:00:00 2024\n.leading dot\n'
        msgs.append(b'From sender%d@example.org Mon Jan  1 00:00:0%d 2024\n'
                    b'Subject: message %d\nMessage-ID: <%d@example.org>\n\n' % (i, i, i, i) + body)
    sep = [b'\n'] * 4
    if crlf_last:
        sep[3] = b'\r\n'
    return b''.join(m + s for m, s in zip(msgs, sep)) + msgs[4] + b'\n'


def index_cmds(n):
    cmds = login_cmds() + [b'STAT', b'LIST', b'UIDL']
    for i in range(1, n + 1):
        cmds += [b'RETR %d' % i, b'TOP %d 0' % i]
    return cmds + [b'QUIT']


def index_run(env, cmds, args=(), as_user=False):
    """Runs a session; returns (output, index=... of the login log line)."""
    res = env.run(b''.join(c + b'\r\n' for c in cmds), args=list(args), debug=True, as_user=as_user)
    check_exit(res)
    # The stderr file collects every session of env: the last line is ours.
    m = re.findall(rb'login: rip=\S+ user=alice messages=\d+ octets=\d+ index=(\w+)', res.err)
    if not m:
        raise Fail('no login line with index=', R.esc(res.err[-1500:]))
    return res.out, m[-1].decode()


def index_expect(env, n, want_use, what):
    """A session with the index gives the oracle's replies, having used it
    as want_use says."""
    cmds = index_cmds(n)
    got, use = index_run(env, cmds)
    oracle, ouse = index_run(env, cmds, ['--index-dir=none'])
    expect_eq('%s: index use' % what, want_use, use)
    expect_eq('%s: index use without an index directory' % what, 'off', ouse)
    expect_eq('%s: replies with the index = replies without' % what, oracle, got)
    return got


def index_file(env):
    uid = Config.uid if Config.root else os.getuid()
    return os.path.join(env.dir + '.index', str(uid), 'index')


@test('index:made-then-used')
def _():
    env = Env('index-used')
    env.put_mailbox(index_mailbox(crlf_last=True))
    first = index_expect(env, 5, 'miss', 'first session')
    path = index_file(env)
    st = os.lstat(path)
    dst = os.lstat(os.path.dirname(path))
    uid = Config.uid if Config.root else os.getuid()
    expect_eq('index file owner and mode', (uid, 0o100600), (st.st_uid, st.st_mode))
    expect_eq('index directory owner and mode', (uid, 0o40700), (dst.st_uid, dst.st_mode))
    if Config.root:
        top = os.lstat(env.dir + '.index')
        expect_eq('index root directory owner and mode (made by the monitor)', (0, 0o40711),
                  (top.st_uid, top.st_mode))
    second = index_expect(env, 5, 'hit', 'second session')
    expect_eq('second session = first', first, second)
    leftovers = [f for f in os.listdir(os.path.dirname(path)) if f != 'index']
    expect_eq('temporary files left in the index directory', [], leftovers)


@test('index:dir-made-under-umask-077')
def _():
    # systemd's UMask=0077: the monitor must still make DIR searchable, or
    # the user's session could never reach DIR/UID.
    if not Config.root:
        raise Skip('the monitor makes DIR only when pop3d is started as root')
    env = Env('index-umask')
    env.put_mailbox(index_mailbox())
    d = env.dir + '.umask-index'
    argv = ['/bin/sh', '-c', 'umask 077 && exec "$@"', 'sh'] + env.argv(['--index-dir=' + d], debug=True)
    cmds = index_cmds(5)
    uses = []
    for _ in range(2):
        res = env.run(b''.join(c + b'\r\n' for c in cmds), argv=argv)
        check_exit(res)
        uses.append(re.findall(rb'index=(\w+)', res.err)[-1].decode())
    expect_eq('index use under umask 077, first and second session', ['miss', 'hit'], uses)
    expect_eq('DIR mode made under umask 077', 0o40711, os.lstat(d).st_mode)


@test('index:unsafe-dir-means-no-index')
def _():
    # --index-dir: as root, DIR must be root's and writable by neither group
    # nor others; "if any of that fails the session goes on without an
    # index".  The monitor's refusal must bind the session, which could
    # otherwise make DIR/UID itself in a directory the user may write.
    if not Config.root:
        raise Skip('the monitor checks DIR only when pop3d is started as root')
    env = Env('index-unsafe')
    env.put_mailbox(index_mailbox())
    cmds = index_cmds(5)
    cases = [('world-writable', 0, 0o777), ('group-writable', 0, 0o775),
             ("the user's", Config.uid, 0o755), ('sticky and world-writable', 0, 0o1777)]
    for what, owner, mode in cases:
        d = env.dir + '.unsafe-index-' + str(mode)
        os.mkdir(d)
        os.chown(d, owner, 0)
        os.chmod(d, mode)
        for i in range(2):
            res = env.run(b''.join(c + b'\r\n' for c in cmds), argv=env.argv(['--index-dir=' + d], debug=True))
            check_exit(res)
            use = re.findall(rb'index=(\w+)', res.err)
            expect_eq('DIR %s, session %d: index use' % (what, i + 1), 'off', use[-1].decode() if use else None)
        if not re.search(rb'index directory ' + re.escape(d.encode()) + rb'/\d+: .* \(going on without\)', res.err):
            raise Fail('DIR %s: no warning in the log' % what, R.esc(res.err[-800:]))
        expect_eq('DIR %s: files made in it' % what, [], os.listdir(d))


@test('index:changed-same-size')
def _():
    # A header changed in place, same length, the file's size kept: the
    # index's digest of message 4 no longer matches; 1 to 3 are taken.
    env = Env('index-samesize')
    data = index_mailbox()
    env.put_mailbox(data)
    index_expect(env, 5, 'miss', 'first session')
    changed = data.replace(b'Subject: message 3', b'Subject: massage 3')
    assert len(changed) == len(data) and changed != data
    env.put_mailbox(changed)
    got = index_expect(env, 5, 'partial', 'after the change')
    if b'massage 3' not in got:
        raise Fail('RETR 4 did not serve the changed bytes')
    index_expect(env, 5, 'hit', 'third session')


@test('index:mail-appended')
def _():
    env = Env('index-append')
    data = index_mailbox()
    env.put_mailbox(data)
    index_expect(env, 5, 'miss', 'first session')
    env.put_mailbox(data + b'\nFrom new@example.org Tue Jan  2 00:00:00 2024\nSubject: new\n\nnew mail\n')
    got = index_expect(env, 6, 'partial', 'after an append')
    if b'+OK 6 ' not in got:
        raise Fail('STAT does not count the appended message', R.esc(got[:400]))
    # Appended with no From_ line: no new message, the last one grows.
    env.put_mailbox(data + b'a line more\n')
    got = index_expect(env, 5, 'partial', 'after an append to the last message')
    if b'+OK 5 ' not in got:
        raise Fail('STAT counts a message that was not appended', R.esc(got[:400]))


@test('index:mailbox-shrunk-or-replaced')
def _():
    env = Env('index-shrunk')
    data = index_mailbox()
    env.put_mailbox(data)
    index_expect(env, 5, 'miss', 'first session')
    fourth = data.index(b'From sender3@')
    env.put_mailbox(data[:fourth - 1])
    index_expect(env, 3, 'partial', 'after truncation to the first three messages')
    second = data.index(b'From sender1@')
    env.put_mailbox(data[:second - 1])
    index_expect(env, 1, 'miss', 'after truncation to the first message')
    env.put_mailbox(f1())
    index_expect(env, 2, 'miss', 'after replacement by other mail')


@test('index:torn-corrupt-or-foreign-is-ignored')
def _():
    env = Env('index-torn')
    data = index_mailbox()
    env.put_mailbox(data)
    index_expect(env, 5, 'miss', 'first session')
    path = index_file(env)
    good = open(path, 'rb').read()

    def put_index(b, mode=0o600):
        with open(path, 'wb') as f:
            f.write(b)
        os.chmod(path, mode)
        R.chown(path)

    put_index(good[:len(good) // 2])
    index_expect(env, 5, 'miss', 'index cut in half')
    expect_eq('index rewritten after a torn one', good, open(path, 'rb').read())
    # One octet of a record changed: the checksum refuses the whole file.
    put_index(good[:-30] + bytes([good[-30] ^ 1]) + good[-29:])
    index_expect(env, 5, 'miss', 'index with a flipped bit')
    put_index(good, 0o666)
    index_expect(env, 5, 'miss', 'index writable by others')
    os.chmod(os.path.dirname(path), 0o777)
    put_index(good)
    index_expect(env, 5, 'off', 'index directory writable by others')
    os.chmod(os.path.dirname(path), 0o700)
    os.unlink(path)
    os.mkfifo(path, 0o600)
    R.chown(path)
    index_expect(env, 5, 'miss', 'a FIFO in the index\'s place (must not hang)')
    os.unlink(path)
    put_index(good)
    # The same user's other mailbox: the index names the file it describes.
    other = os.path.join(env.dir, 'other')
    env.put_mailbox(data, path=other)
    cmds = index_cmds(5)
    got, use = index_run(env, cmds, ['-m', other])
    expect_eq('index of another mailbox: index use', 'miss', use)
    oracle, _ = index_run(env, cmds, ['-m', other, '--index-dir=none'])
    expect_eq('index of another mailbox: replies', oracle, got)


# The index header: magic[8], version (uint32, host order) at 8, the checksum
# (XXH3-128 of the whole file with this field zero, canonical) at 56..72.
INDEX_VERSION_AT = 8
INDEX_CHECKSUM_AT = slice(56, 72)


def index_restamped(data, version):
    """The index data stamped with version and a checksum that fits."""
    b = bytearray(data)
    struct.pack_into('=I', b, INDEX_VERSION_AT, version)
    b[INDEX_CHECKSUM_AT] = bytes(16)
    b[INDEX_CHECKSUM_AT] = bytes.fromhex(XXH3(bytes(b)).decode())
    return bytes(b)


@test('index:older-version-is-ignored')
def _():
    """Issue 11 scenario 8 changed the From_ rule: an index made under the
    old rule (version 1) must never be trusted, even with a good checksum."""
    if not XXH3:
        raise Skip('no libxxhash.so.0 for the checksum')
    env = Env('index-version')
    env.put_mailbox(fixture('from-rule.mbox'))
    index_expect(env, 7, 'miss', 'first session')
    path = index_file(env)
    good = open(path, 'rb').read()
    expect_eq('checksum recomputed by the test = pop3d\'s (the layout is right)', good,
              index_restamped(good, struct.unpack_from('=I', good, INDEX_VERSION_AT)[0]))
    version = struct.unpack_from('=I', good, INDEX_VERSION_AT)[0]
    if version < 2:
        raise Fail('index version %d: not raised for the From_ rule of issue 11' % version)
    for old in range(1, version):
        with open(path, 'wb') as f:
            f.write(index_restamped(good, old))
        index_expect(env, 7, 'miss', 'index stamped with version %d' % old)
        expect_eq('index rewritten after version %d' % old, good, open(path, 'rb').read())
    index_expect(env, 7, 'hit', 'the current version')


@test('index:not-kept-after-an-update')
def _():
    env = Env('index-update')
    data = index_mailbox()
    env.put_mailbox(data)
    index_expect(env, 5, 'miss', 'first session')
    path = index_file(env)
    before = open(path, 'rb').read()
    res = env.run(LOGIN + b'DELE 1\r\nDELE 3\r\nQUIT\r\n')
    check_exit(res)
    if not res.out.endswith(b'+OK Bye.\r\n'):
        raise Fail('update failed', R.esc(res.out))
    expect_eq('index after an update (the old one, never a guess at the new file)', before,
              open(path, 'rb').read())
    index_expect(env, 3, 'miss', 'after the update')
    index_expect(env, 3, 'hit', 'the session after that')


@test('index:off')
def _():
    env = Env('index-off')
    env.put_mailbox(index_mailbox())
    got, use = index_run(env, index_cmds(5), ['--index-dir=none'])
    expect_eq('index use with --index-dir=none', 'off', use)
    if os.path.exists(env.dir + '.index'):
        raise Fail('--index-dir=none made a directory')
    p = run_cli(['--index-dir=relative/dir'])
    expect_eq('exit status with a relative --index-dir', 2, p.returncode)
    if b'absolute' not in p.stderr:
        raise Fail('no reason given for a relative --index-dir', R.esc(p.stderr))


@test('index:nonroot')
def _():
    # Run as the user (no monitor): the session makes DIR and DIR/UID itself.
    env = Env('index-nonroot')
    env.put_mailbox(index_mailbox())
    cmds = index_cmds(5)
    mine = ['--index-dir={dir}/cache']     # a directory the user may write
    first, use1 = index_run(env, cmds, mine, as_user=True)
    second, use2 = index_run(env, cmds, mine, as_user=True)
    oracle, _ = index_run(env, cmds, ['--index-dir=none'], as_user=True)
    expect_eq('index use, first and second session', ('miss', 'hit'), (use1, use2))
    expect_eq('replies with the index = replies without', oracle, second)
    expect_eq('first session = second', first, second)


# ----------------------------------------------------------------- util.c under injected faults (strace)

def injected_argv(env, injects, args=()):
    """pop3d under strace -f with each inject=... applied to every process
    (strace counts each process's calls on its own)."""
    if not shutil.which('strace'):
        raise Skip('strace not installed')
    argv = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=' + ','.join(c for c, _ in injects)]
    for syscall, how in injects:
        argv += ['-e', 'inject=%s:%s' % (syscall, how)]
    return argv + env.argv(args)


F1_SECOND = b'From bob@example.org Thu Jan  1 00:01:00 2024\nSubject: two\n\n.dot\nline2\n\n'


@test('util:interrupted-transfers-go-on', weight=3)
def _():
    """Every file read and write of the session at an offset (pread_full(),
    pwrite_full()) is interrupted once by a signal (strace: EINTR on every
    odd pread64 and pwrite64): each is tried again, so RETR, DELE and QUIT
    give the same replies and the same mailbox as without interruptions."""
    env = Env('util-eintr')
    env.put_mailbox(f1())
    if f1()[-len(F1_SECOND):] != F1_SECOND:
        raise Fail('test bug: F1 changed')
    argv = injected_argv(env, (('pread64', 'error=EINTR:when=3+2'), ('pwrite64', 'error=EINTR:when=1+2')))
    res = env.run(LOGIN + b'RETR 2\r\nDELE 1\r\nQUIT\r\n', argv=argv, timeout=60)
    check_exit(res)
    expect_eq('replies', GREETING + login_reply(2, 52) +
              b'+OK 29 octets\r\nSubject: two\r\n\r\n..dot\r\nline2\r\n.\r\n' +
              b'+OK Message deleted.\r\n+OK Bye.\r\n', res.out)
    expect_eq('mailbox', F1_SECOND, open(env.mbox, 'rb').read())
    check_no_lock(env)


@test('util:write-of-nothing-is-an-error', weight=3)
def _():
    """A pwrite() that writes nothing (strace: the first pwrite64 of each
    process returns 0) is an error, not progress and not a loop: QUIT's
    update fails with [SYS/TEMP], the mailbox is unchanged and unlocked,
    and the next session deletes the message."""
    env = Env('util-write-nothing')
    env.put_mailbox(f1())
    before = env.snapshot()
    argv = injected_argv(env, (('pwrite64', 'retval=0:when=1'),))
    res = env.run(LOGIN + b'DELE 1\r\nQUIT\r\n', argv=argv, timeout=60)
    check_exit(res)
    expect_eq('replies', GREETING + login_reply(2, 52) + b'+OK Message deleted.\r\n' +
              ERR_QUIT_TEMP + b'\r\n', res.out)
    check_after(env, 'unchanged', before)
    check_no_lock(env)
    res = env.run(LOGIN + b'DELE 1\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('mailbox after a second session', F1_SECOND, open(env.mbox, 'rb').read())


@test('index:save-fails-session-unharmed', weight=2)
def _():
    """Saving the index fails (strace: the session's first pwrite64, the
    index header, gets ENOSPC): the session's replies are those of a
    session without an index, the failure is logged once, no index and no
    temporary file stay, and the next session scans (miss) and saves it."""
    env = Env('index-save-fails')
    env.put_mailbox(f1())
    argv = injected_argv(env, (('pwrite64', 'error=ENOSPC:when=1'),), args=['-d'])
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n', argv=argv, timeout=60)
    check_exit(res)
    expect_eq('replies', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)
    log = res.err
    if log.count(b' not saved: No space left on device') != 1 or b'index=miss' not in log:
        raise Fail('no single log line for the index not saved', R.esc(log, 2000))
    path = index_file(env)
    left = os.listdir(os.path.dirname(path)) if os.path.isdir(os.path.dirname(path)) else []
    expect_eq('files in the index directory', [], left)
    index_expect(env, 2, 'miss', 'the next session')
    index_expect(env, 2, 'hit', 'the one after')


# ----------------------------------------------------------------- out of memory (tests/failmalloc.so)

FAILMALLOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'failmalloc.so')


def failmalloc_env(min_octets):
    """The environment that makes every allocation of min_octets or more
    fail in every pop3d process (LD_PRELOAD=tests/failmalloc.so)."""
    if not os.path.exists(FAILMALLOC):
        raise Skip('make tests/failmalloc.so')
    with open(Config.pop3d, 'rb') as f:
        if b'__asan_init' in f.read():
            raise Skip('a sanitizer build keeps its own allocator first')
    return {'LD_PRELOAD': FAILMALLOC, 'POP3D_FAIL_ALLOC_MIN': str(min_octets)}


def oom_session(env, data, min_octets):
    p = env.popen(env.argv(debug=True), env=failmalloc_env(min_octets))
    try:
        out = p.communicate(data, timeout=30 * Config.scale)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Fail('the session did not end within 30 s')
    return p.returncode, out, env.stderr()


@test('oom:scan-at-login', weight=2)
def _():
    """No memory for the scan's read window at login (every allocation of
    64 KiB or more fails): the login gets [SYS/TEMP] with the reason logged
    once, the mailbox and its locks are untouched, and with the memory
    back the next session logs in."""
    env = Env('oom-scan')
    env.put_mailbox(f1())
    before = env.snapshot()
    code, out, err = oom_session(env, LOGIN + b'STAT\r\nQUIT\r\n', 65536)
    expect_eq('exit status', 0, code)
    expect_eq('replies', GREETING + b'+OK Send your password.\r\n' + ERR_TEMP + b'\r\n', out)
    if err.count(b'user=alice: out of memory') != 1:
        raise Fail('the reason is not logged once', R.esc(err, 2000))
    check_after(env, 'unchanged', before)
    check_no_lock(env)
    res = env.run(LOGIN + b'STAT\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('next session', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n+OK Bye.\r\n', res.out)


@test('oom:uidl-and-update', weight=2)
def _():
    """Memory for the session's windows but not for larger buffers (every
    allocation of 256 KiB or more fails): UIDL and QUIT's update fail with
    [SYS/TEMP] and their reasons logged, the other commands are served,
    the mailbox is unchanged and unlocked, no journal stays, and the next
    session deletes the message."""
    env = Env('oom-update')
    env.put_mailbox(f1())
    before = env.snapshot()
    code, out, err = oom_session(env, LOGIN + b'STAT\r\nUIDL\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n', 262144)
    expect_eq('exit status', 0, code)
    expect_eq('replies', GREETING + login_reply(2, 52) + b'+OK 2 52\r\n' + ERR_CHANGED + b'\r\n' +
              b'+OK 23 octets\r\nSubject: one\r\n\r\nhello\r\n.\r\n+OK Message deleted.\r\n' +
              ERR_QUIT_TEMP + b'\r\n', out)
    for line in (b'user=alice: out of memory', b'update failed: Cannot allocate memory'):
        if line not in err:
            raise Fail('not logged: %s' % line.decode(), R.esc(err, 2000))
    check_after(env, 'unchanged', before)
    check_no_lock(env)
    left = [f for f in os.listdir(env.dir) if 'journal' in f]
    expect_eq('journals left', [], left)
    res = env.run(LOGIN + b'DELE 1\r\nQUIT\r\n')
    check_exit(res)
    expect_eq('mailbox after the next session', F1_SECOND, open(env.mbox, 'rb').read())


def oom_mailbox():
    """Three messages, the second about 350 KB (larger than every window)."""
    out = b''
    for i in range(3):
        body = b''.join(b'line %d %s\n' % (k, b'x' * 60) for k in range(5000 if i == 1 else 3))
        out += b'From a@example.org Mon Jan  1 00:00:0%d 2024\nSubject: %d\n\n' % (i, i) + body + b'\n'
    return out


@test('oom:no-allocation-failure-damages-the-mailbox', weight=6)
def _():
    """Whatever size of allocation fails (every one of 1 KiB, 4 KiB, 64 KiB,
    128 KiB, 256 KiB, 512 KiB or 1 MiB and more, in every process), a
    session that lists, retrieves and deletes two messages either succeeds
    or gets [SYS/TEMP] replies: the mailbox is exactly the one without the
    two messages after a +OK to QUIT and unchanged otherwise, no lock and
    no journal stay, and the next session (with memory) sees the right
    mailbox.  Its index, if one was saved, agrees (index_expect())."""
    data = oom_mailbox()
    msgs = data.split(b'\n\nFrom ')
    third = b'From ' + msgs[2]
    cmds = LOGIN + b'STAT\r\nLIST\r\nUIDL\r\nRETR 2\r\nTOP 2 3\r\nDELE 1\r\nDELE 2\r\nQUIT\r\n'
    for min_octets in (1024, 4096, 65536, 131072, 262144, 524288, 1 << 20):
        env = Env('oom-sweep-%d' % min_octets)
        env.put_mailbox(data)
        before = env.snapshot()
        code, out, err = oom_session(env, cmds, min_octets)
        what = 'allocations of %d octets failing' % min_octets
        # Too little for the set-up itself (the privsep user's passwd entry):
        # the process says so and exits 1 (pop3d(8), EXIT STATUS).
        if code == 1:
            expect_eq('%s: output when the set-up fails' % what, b'-ERR [SYS/TEMP] Server unavailable.\r\n', out)
        elif code != 0:
            raise Fail('%s: exit status %r' % (what, code), R.esc(out[-2000:]))
        for line in out.split(b'\r\n'):
            if line.startswith(b'-ERR') and not line.startswith(b'-ERR [SYS/TEMP] '):
                raise Fail('%s: a reply other than [SYS/TEMP]: %r' % (what, line), R.esc(out[-3000:]))
        if out.endswith(b'+OK Bye.\r\n'):
            expect_eq('%s: mailbox after +OK to QUIT' % what, third, open(env.mbox, 'rb').read())
            left = 1
        else:
            check_after(env, 'unchanged', before)
            left = 3
        check_no_lock(env)
        expect_eq('%s: journals left' % what, [], [f for f in os.listdir(env.dir) if 'journal' in f])
        res = env.run(LOGIN + b'STAT\r\nQUIT\r\n')
        check_exit(res)
        if not res.out.startswith(GREETING + b'+OK Send your password.\r\n+OK Logged in, %d messages' % left):
            raise Fail('%s: the next session' % what, R.esc(res.out, 2000))
        index_expect(env, left, 'hit', '%s: the session after' % what)
