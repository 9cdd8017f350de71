"""The PROXY protocol (--proxy-protocol, --proxy-from; proxy.c): pop3d over
loopback TCP behind a listener (proc_tests.Listener), with headers written
here byte by byte from HAProxy's specification.  Good headers: the greeting
follows, the commands sent in the same packet are answered (nothing after
the header was swallowed), and the log names the header's client.  Bad,
truncated, oversized, missing or late headers, and peers not in
--proxy-from: the connection is closed with not one byte sent, and the log
says why.  Loaded by tests/run (see proc_tests.py).
"""

import ipaddress
import socket
import struct
import time

import __main__ as R
from __main__ import Fail, Env, Config, test, expect_eq, check_no_lock, GREETING
from proc_tests import Listener, f1

V2_SIG = b'\r\n\r\n\x00\r\nQUIT\n'
LOGIN_F1 = b'+OK Send your password.\r\n+OK Logged in, 2 messages (52 octets).\r\n'


def v2(cmd=1, fam=0x11, src='192.0.2.7', dst='127.0.0.1', sport=4711, dport=110, tlvs=b'', body=None,
       ver=2):
    if body is None:
        if fam == 0x11:
            body = ipaddress.IPv4Address(src).packed + ipaddress.IPv4Address(dst).packed
        elif fam == 0x21:
            body = ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed
        else:
            body = b''
        if body:
            body += struct.pack('>HH', sport, dport)
        body += tlvs
    return V2_SIG + bytes([ver << 4 | cmd, fam]) + struct.pack('>H', len(body)) + body


def tlv(t, value):
    return bytes([t]) + struct.pack('>H', len(value)) + value


def ssl_tlv(client=1, subs=b''):
    return tlv(0x20, bytes([client]) + b'\x00\x00\x00\x00' + subs)


def dialog(port, data, timeout=10, half_close=False):
    """Connect, send data (then shut down the sending side if half_close),
    read until the server closes; returns the bytes."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout * Config.scale)
    out = b''
    try:
        if data:
            s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        while True:
            try:
                d = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not d:
                break
            out += d
    finally:
        s.close()
    return out


def wait_log(lst, needle, timeout=5):
    end = time.monotonic() + timeout * Config.scale
    while time.monotonic() < end:
        if needle in lst.logtext():
            return
        time.sleep(0.05)
    raise Fail('log lacks %r' % needle, R.esc(lst.logtext(), 3000))


def listener(name, mode='any', nets='127.0.0.0/8', as_user=False):
    env = Env(name)
    env.put_mailbox(f1())
    lst = Listener(env, args=['--proxy-protocol=' + mode, '--proxy-from=' + nets], as_user=as_user)
    return env, lst


SESSION = b'USER alice\r\nPASS secret\r\nSTAT\r\nQUIT\r\n'
SESSION_REPLIES = GREETING + LOGIN_F1 + b'+OK 2 52\r\n+OK Bye.\r\n'


def good_header(name, header, rip, tls='no', mode='any', as_user=False, relayed=True):
    env, lst = listener(name, mode, as_user=as_user)
    try:
        # Header and commands in one write: the commands must survive.
        expect_eq('replies after the header', SESSION_REPLIES, dialog(lst.port, header + SESSION))
        wait_log(lst, b'login: rip=%s user=alice ' % rip)
        wait_log(lst, b'logout: rip=%s user=alice ' % rip)
        if relayed:
            wait_log(lst, b'proxy: rip=%s via=127.0.0.1 tls=%s' % (rip, tls.encode()))
        elif b'proxy: rip=' in lst.logtext():
            raise Fail('a LOCAL/UNKNOWN header logged as relayed', R.esc(lst.logtext(), 2000))
        # A failed login names the header's client (fail2ban's line).
        out = dialog(lst.port, header + b'USER alice\r\nPASS wrong\r\nQUIT\r\n')
        expect_eq('failed login replies', GREETING + b'+OK Send your password.\r\n'
                  b'-ERR [AUTH] Authentication failed.\r\n+OK Bye.\r\n', out)
        wait_log(lst, b'login failed: rip=%s user=alice reason=wrong password' % rip)
        check_no_lock(env)
    finally:
        lst.stop()


@test('proxy:v1-tcp4', weight=2)
def _():
    good_header('v1-tcp4', b'PROXY TCP4 192.0.2.7 127.0.0.1 4711 110\r\n', b'192.0.2.7', mode='v1')


@test('proxy:v1-tcp6', weight=2)
def _():
    good_header('v1-tcp6', b'PROXY TCP6 2001:db8::7 ::1 65535 0\r\n', b'2001:db8::7')


@test('proxy:v1-tcp6-mapped-shown-as-ipv4', weight=2)
def _():
    good_header('v1-mapped', b'PROXY TCP6 ::ffff:192.0.2.9 ::1 1 2\r\n', b'192.0.2.9')


@test('proxy:v1-unknown-keeps-peer', weight=2)
def _():
    good_header('v1-unknown', b'PROXY UNKNOWN\r\n', b'127.0.0.1', relayed=False)
    good_header('v1-unknown2', b'PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\n', b'127.0.0.1',
                relayed=False)


@test('proxy:v2-tcp4', weight=2)
def _():
    good_header('v2-tcp4', v2(), b'192.0.2.7', mode='v2')


@test('proxy:v2-tcp6-ssl-tlv', weight=2)
def _():
    subs = tlv(0x21, b'TLSv1.3') + tlv(0x23, b'TLS_AES_256_GCM_SHA384')
    good_header('v2-tcp6-ssl', v2(fam=0x21, src='2001:db8::7', dst='::1',
                                  tlvs=tlv(0x04, b'') + ssl_tlv(1, subs) + tlv(0x05, b'x' * 128)),
                b'2001:db8::7', tls='yes')


@test('proxy:v2-ssl-tlv-without-client-ssl', weight=2)
def _():
    good_header('v2-ssl-noclient', v2(tlvs=ssl_tlv(0x02)), b'192.0.2.7', tls='no')


@test('proxy:v2-local-keeps-peer', weight=2)
def _():
    good_header('v2-local', v2(cmd=0, fam=0x00), b'127.0.0.1', relayed=False)
    # LOCAL with an address block: skipped whole, as the spec says.
    good_header('v2-local-block', v2(cmd=0, fam=0x11), b'127.0.0.1', relayed=False)


@test('proxy:v2-unspec-and-udp-keep-peer', weight=2)
def _():
    good_header('v2-unspec', v2(fam=0x00, body=b'whatever'), b'127.0.0.1', relayed=False)
    good_header('v2-udp', v2(fam=0x12, body=b'\x01' * 12), b'127.0.0.1', relayed=False)


@test('proxy:v2-as-ordinary-user', weight=2)
def _():
    if not Config.root:
        good_header('v2-user', v2(src='198.51.100.3'), b'198.51.100.3')
        return
    good_header('v2-user', v2(src='198.51.100.3'), b'198.51.100.3', as_user=True)


BAD = [
    # (name, mode, bytes, reason in the log)
    ('no header', 'any', SESSION, 'no PROXY header'),
    ('v2 expected, v1 sent', 'v2', b'PROXY TCP4 192.0.2.7 127.0.0.1 1 2\r\n' + SESSION, 'no v2 header'),
    ('v1 expected, v2 sent', 'v1', v2() + SESSION, 'no v1 header'),
    ('v1 two spaces', 'any', b'PROXY TCP4  192.0.2.7 127.0.0.1 1 2\r\n', 'malformed v1 header'),
    ('v1 bare LF', 'any', b'PROXY TCP4 192.0.2.7 127.0.0.1 1 2\n' + SESSION, 'malformed v1 header'),
    ('v1 no CRLF in 107', 'any', b'PROXY UNKNOWN ' + b'a' * 120 + b'\r\n', 'malformed v1 header'),
    ('v1 IPv6 in TCP4', 'any', b'PROXY TCP4 ::1 127.0.0.1 1 2\r\n', 'malformed v1 header'),
    ('v1 port 65536', 'any', b'PROXY TCP4 192.0.2.7 127.0.0.1 65536 2\r\n', 'malformed v1 header'),
    ('v1 port 01', 'any', b'PROXY TCP4 192.0.2.7 127.0.0.1 01 2\r\n', 'malformed v1 header'),
    ('v1 extra field', 'any', b'PROXY TCP4 192.0.2.7 127.0.0.1 1 2 3\r\n', 'malformed v1 header'),
    ('v1 TCP5', 'any', b'PROXY TCP5 192.0.2.7 127.0.0.1 1 2\r\n', 'malformed v1 header'),
    ('v1 NUL', 'any', b'PROXY TCP4 192.0.2.7\x00 127.0.0.1 1 2\r\n', 'malformed v1 header'),
    ('v2 version 1', 'any', v2(ver=1), 'unknown version or command'),
    ('v2 command 2', 'any', v2(cmd=2), 'unknown version or command'),
    ('v2 family 0x13', 'any', v2(fam=0x13, body=b'\x00' * 12), 'malformed v2 header'),
    ('v2 family 0x41', 'any', v2(fam=0x41, body=b'\x00' * 12), 'malformed v2 header'),
    ('v2 TCP4 short block', 'any', v2(body=b'\x00' * 11), 'malformed v2 header'),
    ('v2 TCP6 short block', 'any', v2(fam=0x21, body=b'\x00' * 35), 'malformed v2 header'),
    ('v2 TLV past the end', 'any', v2(tlvs=b'\x04\x00\x05ab'), 'malformed v2 header'),
    ('v2 TLV header cut', 'any', v2(tlvs=b'\x04\x00'), 'malformed v2 header'),
    ('v2 SSL TLV too short', 'any', v2(tlvs=tlv(0x20, b'\x01\x00\x00\x00')), 'malformed v2 header'),
    ('v2 SSL sub-TLV past its end', 'any', v2(tlvs=tlv(0x20, b'\x01\x00\x00\x00\x00\x21\x00\x09TLS')),
     'malformed v2 header'),
    ('v2 oversized', 'any', v2(body=b'\x00' * 1009), 'longer than pop3d accepts'),
    ('v2 length 65535', 'any', V2_SIG + b'\x21\x11\xff\xff' + b'\x00' * 64, 'longer than pop3d accepts'),
]


@test('proxy:bad-headers-closed-and-logged', weight=4)
def _():
    # One Env each: a listener's log file is named after its Env.
    env, lst = listener('bad', 'any')
    lst_v1 = lst_v2 = None
    try:
        _, lst_v1 = listener('bad-v1', 'v1', nets='127.0.0.1')
        _, lst_v2 = listener('bad-v2', 'v2', nets='127.0.0.1/32,::1')
        for name, mode, data, reason in BAD:
            target = {'any': lst, 'v1': lst_v1, 'v2': lst_v2}[mode]
            before = len(target.logtext())
            out = dialog(target.port, data)
            if out:
                raise Fail('%s: pop3d sent %r' % (name, out[:200]))
            needle = b'proxy header refused: rip=127.0.0.1 reason='
            end = time.monotonic() + 5 * Config.scale
            while time.monotonic() < end:
                new = target.logtext()[before:]
                if needle in new:
                    break
                time.sleep(0.05)
            new = target.logtext()[before:]
            line = [l for l in new.split(b'\n') if needle in l]
            if not line or reason.encode() not in line[0]:
                raise Fail('%s: log line with %r missing' % (name, reason), R.esc(b'\n'.join(line) or new, 2000))
        check_no_lock(env)
        expect_eq('mailbox unchanged', f1(), open(env.mbox, 'rb').read())
    finally:
        for x in (lst, lst_v1, lst_v2):
            if x is not None:
                x.stop()


@test('proxy:truncated-or-late-header', weight=6)
def _():
    env, lst = listener('late', 'any')
    try:
        cases = [('nothing', b'', 'no complete header in time'),
                 ('v2 fixed part cut', v2()[:10], 'no complete header in time'),
                 ('v2 block cut', v2()[:20], 'no complete header in time'),
                 ('v1 without its CRLF', b'PROXY TCP4 192.0.2.7', 'no complete header in time')]
        for name, data, reason in cases:
            s = socket.create_connection(('127.0.0.1', lst.port), timeout=20 * Config.scale)
            start = time.monotonic()
            s.sendall(data)
            out = b''
            while True:
                d = s.recv(100)
                if not d:
                    break
                out += d
            took = time.monotonic() - start
            s.close()
            expect_eq('%s: nothing sent' % name, b'', out)
            if not 4.5 <= took <= 5 + 3 * Config.scale:
                raise Fail('%s: closed after %.1f s, not about 5 s' % (name, took))
            wait_log(lst, ('reason=' + reason).encode())
        # Closed by the client inside the header.
        before = len(lst.logtext())
        expect_eq('cut then closed', b'', dialog(lst.port, v2()[:20], half_close=True))
        wait_log(lst, b'reason=connection closed inside the header')
        if b'reason=connection closed inside the header' not in lst.logtext()[before:]:
            raise Fail('closing inside the header not logged')
    finally:
        lst.stop()


@test('proxy:untrusted-peer-refused', weight=2)
def _():
    env, lst = listener('untrusted', 'any', nets='192.0.2.0/24,2001:db8::/32')
    try:
        # Even a good header from a peer not listed: not a byte sent.
        expect_eq('reply to an untrusted peer', b'', dialog(lst.port, v2() + SESSION))
        wait_log(lst, b'proxy header refused: rip=127.0.0.1 reason=peer not in --proxy-from')
        if b'login' in lst.logtext():
            raise Fail('an untrusted peer got to log in', R.esc(lst.logtext(), 2000))
    finally:
        lst.stop()


@test('cli:proxy-options')
def _():
    bad = [['--proxy-protocol=v1'], ['--proxy-from=127.0.0.1'],
           ['--proxy-protocol=v3', '--proxy-from=127.0.0.1'],
           ['--proxy-protocol=', '--proxy-from=127.0.0.1'],
           ['--proxy-protocol=any', '--proxy-from='],
           ['--proxy-protocol=any', '--proxy-from=10.0.0.1/8'],
           ['--proxy-protocol=any', '--proxy-from=10.0.0.0/33'],
           ['--proxy-protocol=any', '--proxy-from=10.0.0.0/08'],
           ['--proxy-protocol=any', '--proxy-from=::1/129'],
           ['--proxy-protocol=any', '--proxy-from=127.0.0.1,'],
           ['--proxy-protocol=any', '--proxy-from=localhost'],
           ['--proxy-protocol=any', '--proxy-from=' + ','.join(['10.0.0.%d' % i for i in range(17)])],
           ['--proxy-protocol=any', '--proxy-from=127.0.0.1', '--trust-env-address']]
    from proc_tests import run_cli
    for args in bad:
        p = run_cli(args)
        if p.returncode != 2 or b'proxy' not in p.stderr:
            raise Fail('pop3d %s: exit %s, stderr %r' % (' '.join(args), p.returncode, p.stderr))
    # Sixteen networks and both families are fine (stdin is not a socket:
    # the peer check refuses, exit 1, before anything is read).
    good = ['--proxy-protocol=any', '--proxy-from=' + ','.join(['10.0.%d.0/24' % i for i in range(15)]) + ',::1']
    p = run_cli(good)
    expect_eq('16 networks accepted (exit status)', 1, p.returncode)
    expect_eq('nothing on stdout', b'', p.stdout)
