"""TLS tests for pop3d: STLS (RFC 2595) and implicit TLS (RFC 8314) through
a real listener on 127.0.0.1, with a test CA made at run time by openssl;
plaintext logins refused before TLS; the CVE-2011-0411 injection probe;
expired, mismatched and unreadable certificates; the policy (TLS 1.2 and
1.3, AEAD only); the key's absence from every non-root pop3d process; and
real clients (curl, openssl s_client, poplib).  Loaded by tests/run.

TLS needs privilege separation, so these tests need root and skip without.
"""

import base64
import json
import os
import poplib
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import __main__ as R
from __main__ import Fail, Skip, Env, Config, test, expect_eq, check_no_lock, fixture, GREETING
import proc_tests as P

LOGGED_IN = b'+OK Logged in, 2 messages (52 octets).'
ERR_TLS_REQUIRED = b'-ERR [AUTH] TLS is required: send STLS first.'
ERR_TLS_UNAVAILABLE = b'-ERR [SYS/PERM] TLS unavailable, contact your administrator.'
CAPA_PLAIN_REFUSED = ['AUTH-RESP-CODE', 'PIPELINING', 'RESP-CODES', 'STLS', 'TOP', 'UIDL']
CAPA_IN_TLS = ['AUTH-RESP-CODE', 'PIPELINING', 'RESP-CODES', 'SASL', 'TOP', 'UIDL', 'USER']


# ---------------------------------------------------------------- the test CA

class CA:
    """Made once per run in its own directory: a CA, and leaf certificates
    for 127.0.0.1 with ECDSA and RSA keys, one expired, one whose key is
    another's."""
    lock = threading.Lock()
    dir = None

    @classmethod
    def get(cls):
        with cls.lock:
            if cls.dir is None:
                cls.dir = cls._make()
            return cls

    @staticmethod
    def _openssl(*args, cwd):
        r = subprocess.run(['openssl'] + list(args), cwd=cwd, capture_output=True, timeout=60)
        if r.returncode != 0:
            raise Fail('openssl %s failed' % args[0], R.esc(r.stderr, 2000))

    @classmethod
    def _make(cls):
        if not shutil.which('openssl'):
            raise Skip('openssl is not installed')
        d = os.path.join(Config.base, 'tls-ca')
        os.mkdir(d, 0o700)
        o = lambda *a: cls._openssl(*a, cwd=d)
        o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
          '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=pop3d test CA')
        with open(os.path.join(d, 'ext'), 'w') as f:
            # The CRL URI is never fetched; testssl wants a revocation method.
            f.write('subjectAltName=DNS:localhost,IP:127.0.0.1\n'
                    'crlDistributionPoints=URI:http://127.0.0.1/pop3d-test-ca.crl\n')
        for name, newkey, days in (('ec', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '2'),
                                   ('rsa', ['rsa:2048'], '2'),
                                   ('ed25519', ['ed25519'], '2'),
                                   ('long', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '200'),
                                   ('expired', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '-1')):
            o('req', '-newkey', *newkey, '-nodes', '-keyout', name + '.key', '-out', name + '.csr',
              '-subj', '/CN=localhost')
            o('x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
              '-CAcreateserial', '-out', name + '.pem', '-days', days, '-extfile', 'ext')
            os.chmod(os.path.join(d, name + '.key'), 0o600)
        return d

    @classmethod
    def path(cls, name):
        return os.path.join(cls.get().dir, name)

    @classmethod
    def context(cls, **kw):
        ctx = ssl.create_default_context(cafile=cls.path('ca.pem'))
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx


def need_root():
    if not Config.root:
        raise Skip('TLS needs privilege separation: run as root')


def tls_args(cert='ec', key=None, extra=()):
    return ['--tls-cert=' + CA.path(cert + '.pem'), '--tls-key=' + CA.path((key or cert) + '.key')] + list(extra)


class Server:
    """pop3d with TLS options behind a listener, with a mailbox."""

    def __init__(self, name, args, mailbox=None):
        need_root()
        CA.get()
        self.env = Env(name)
        self.env.put_mailbox(mailbox if mailbox is not None else fixture('F1.mbox'))
        self.lst = P.Listener(self.env, args=args)
        self.port = self.lst.port

    def log(self):
        return self.lst.logtext()

    def wait_log(self, pattern, what):
        for _ in range(100):
            m = re.search(pattern, self.log())
            if m:
                return m
            time.sleep(0.05)
        raise Fail('not logged: %s' % what, R.esc(self.log(), 3000))

    def stop(self):
        self.lst.stop()


def raw_connect(port):
    return socket.create_connection(('127.0.0.1', port), timeout=10 * Config.scale)


def read_until_close(sock, limit=1 << 20):
    out = b''
    while len(out) < limit:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        out += chunk
    return out


def read_line(sock):
    out = b''
    while not out.endswith(b'\r\n'):
        c = sock.recv(1)
        if not c:
            raise Fail('connection closed after %r' % out)
        out += c
    return out


# ---------------------------------------------------------------- STLS

@test('tls:stls-poplib', weight=4)
def _():
    """STLS with Python's poplib, verifying against the test CA: before TLS,
    CAPA offers STLS and no login, USER and AUTH are refused; after it, the
    opposite; the login line names the TLS version and cipher."""
    srv = Server('tls-stls', tls_args())
    try:
        c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
        expect_eq('welcome', GREETING.rstrip(b'\r\n'), c.getwelcome())
        expect_eq('capabilities before TLS', CAPA_PLAIN_REFUSED, sorted(c.capa()))
        for cmd in ('USER alice', 'AUTH PLAIN ' + base64.b64encode(b'\0alice\0secret').decode(), 'AUTH'):
            try:
                c._shortcmd(cmd)
                raise Fail('%s accepted before TLS' % cmd.split()[0])
            except poplib.error_proto as e:
                expect_eq('%s before TLS' % cmd.split()[0], ERR_TLS_REQUIRED, e.args[0])
        expect_eq('stls', b'+OK Begin TLS negotiation.', c.stls(CA.context()))
        expect_eq('capabilities in TLS', CAPA_IN_TLS, sorted(c.capa()))
        try:
            c._shortcmd('STLS')
            raise Fail('a second STLS was accepted')
        except poplib.error_proto as e:
            expect_eq('second STLS', b'-ERR Command not valid in this state.', e.args[0])
        expect_eq('user', b'+OK Send your password.', c.user('alice'))
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        expect_eq('capabilities after login', CAPA_IN_TLS, sorted(c.capa()))
        expect_eq('retr 2', (b'+OK 29 octets', [b'Subject: two', b'', b'.dot', b'line2'], 29), c.retr(2))
        expect_eq('quit', b'+OK Bye.', c.quit())
        m = srv.wait_log(rb'login: rip=127\.0\.0\.1 user=alice messages=2 octets=52 index=\w+ '
                         rb'tls=stls version=(TLS1\.[23]) cipher=(\S+)\n', 'the login line with tls=stls')
        if m.group(2) not in (b'AES-128-GCM', b'AES-256-GCM', b'CHACHA20-POLY1305'):
            raise Fail('cipher %r is not AEAD' % m.group(2))
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=1 deleted=0 left=2 sent=\d+ end=quit',
                     'the logout line')
        check_no_lock(srv.env)
    finally:
        srv.stop()


@test('tls:implicit-poplib', weight=4)
def _():
    """--implicit-tls: TLS from the first byte (POP3_SSL), STLS neither
    listed nor accepted, AUTH PLAIN and USER work inside."""
    srv = Server('tls-implicit', tls_args(extra=['--implicit-tls']))
    try:
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
        expect_eq('welcome', GREETING.rstrip(b'\r\n'), c.getwelcome())
        expect_eq('capabilities', CAPA_IN_TLS, sorted(c.capa()))
        try:
            c._shortcmd('STLS')
            raise Fail('STLS accepted on an implicit-TLS connection')
        except poplib.error_proto as e:
            expect_eq('STLS', b'-ERR Command not valid in this state.', e.args[0])
        expect_eq('auth plain', LOGGED_IN, c._shortcmd('AUTH PLAIN ' + base64.b64encode(b'\0alice\0secret').decode()))
        expect_eq('stat', (2, 52), c.stat())
        expect_eq('dele 1', b'+OK Message deleted.', c.dele(1))
        expect_eq('quit', b'+OK Bye.', c.quit())
        srv.wait_log(rb'login: rip=127\.0\.0\.1 user=alice .* tls=implicit version=TLS1\.[23] cipher=\S+\n',
                     'the login line with tls=implicit')
        with open(srv.env.mbox, 'rb') as f:
            expect_eq('mailbox after DELE 1 over TLS', fixture('after/F1-dele1.mbox'), f.read())
    finally:
        srv.stop()


@test('tls:allow-plaintext-auth', weight=3)
def _():
    """--allow-plaintext-auth: USER and SASL listed beside STLS, a plaintext
    login works and is logged tls=none."""
    srv = Server('tls-allow', tls_args(extra=['--allow-plaintext-auth']))
    try:
        c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
        expect_eq('capabilities', sorted(CAPA_IN_TLS + ['STLS']), sorted(c.capa()))
        c.user('alice')
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        expect_eq('capabilities after login', CAPA_IN_TLS, sorted(c.capa()))
        c.quit()
        srv.wait_log(rb'login: rip=127\.0\.0\.1 user=alice .* tls=none\n', 'the login line with tls=none')
    finally:
        srv.stop()


@test('tls:stls-states', weight=3)
def _():
    """STLS only in AUTHORIZATION, before USER, without arguments; without
    a certificate it is an unknown command as before."""
    srv = Server('tls-states', tls_args(extra=['--allow-plaintext-auth']))
    try:
        s = raw_connect(srv.port)
        expect_eq('greeting', GREETING, read_line(s))
        for cmd, want in ((b'STLS now', b'-ERR Syntax error.'),
                          (b'USER alice', b'+OK Send your password.'),
                          (b'STLS', b'-ERR Command not valid in this state.'),
                          (b'PASS secret', b'-ERR Command not valid in this state.'),
                          (b'USER alice', b'+OK Send your password.'),
                          (b'PASS secret', LOGGED_IN),
                          (b'STLS', b'-ERR Command not valid in this state.'),
                          (b'QUIT', b'+OK Bye.')):
            s.sendall(cmd + b'\r\n')
            expect_eq(cmd.decode(), want + b'\r\n', read_line(s))
        s.close()
    finally:
        srv.stop()


@test('tls:stls-injection', weight=3)
def _():
    """CVE-2011-0411: commands sent in plaintext in the same segment as
    STLS are never run inside TLS; a USER among them is forgotten."""
    srv = Server('tls-inject', tls_args())
    try:
        for injected, inside, want in ((b'CAPA\r\n', b'QUIT\r\n', b'+OK Bye.\r\n'),
                                       (b'USER alice\r\n', b'PASS secret\r\nQUIT\r\n',
                                        b'-ERR Command not valid in this state.\r\n+OK Bye.\r\n')):
            s = raw_connect(srv.port)
            expect_eq('greeting', GREETING, read_line(s))
            s.sendall(b'STLS\r\n' + injected)
            expect_eq('STLS', b'+OK Begin TLS negotiation.\r\n', read_line(s))
            t = CA.context().wrap_socket(s, server_hostname='localhost')
            t.sendall(inside)
            expect_eq('replies inside TLS after %r' % injected, want, read_until_close(t))
            t.close()
    finally:
        srv.stop()


@test('tls:handshake-failure', weight=3)
def _():
    """Garbage instead of a ClientHello, or a client that does not trust
    the certificate: the connection closes, never continues in plaintext,
    and the failure is logged."""
    srv = Server('tls-hsfail', tls_args())
    try:
        s = raw_connect(srv.port)
        read_line(s)
        s.sendall(b'STLS\r\n')
        expect_eq('STLS', b'+OK Begin TLS negotiation.\r\n', read_line(s))
        s.sendall(b'CAPA\r\nUSER alice\r\nPASS secret\r\n' + b'x' * 600 + b'\r\n')
        out = read_until_close(s)
        # At most a TLS alert record (content type 21), never a reply.
        if out and (out[0] != 21 or len(out) > 7):
            raise Fail('output after a failed handshake: %r' % out)
        s.close()
        srv.wait_log(rb'rip=127\.0\.0\.1: TLS \(stls\): handshake failed: .*: closing', 'the handshake failure')
        # A client that does not trust the certificate gives up; so does pop3d.
        s = raw_connect(srv.port)
        read_line(s)
        s.sendall(b'STLS\r\n')
        read_line(s)
        try:
            ssl.create_default_context().wrap_socket(s, server_hostname='localhost')
            raise Fail('an untrusted certificate was accepted')
        except ssl.SSLCertVerificationError:
            pass
        s.close()
    finally:
        srv.stop()


def bad_certificate(name, cert, key, reason):
    @test('tls:bad-certificate-' + name, weight=3)
    def _():
        """A certificate pair that cannot be used: STLS gets [SYS/PERM] and
        the reason is logged; implicit TLS closes without a byte."""
        args = ['--tls-cert=' + cert(), '--tls-key=' + key()]
        srv = Server('tls-bad-' + name, args)
        try:
            c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
            try:
                c._shortcmd('STLS')
                raise Fail('STLS accepted with an unusable certificate')
            except poplib.error_proto as e:
                expect_eq('STLS', ERR_TLS_UNAVAILABLE, e.args[0])
            # Nothing else changed: still no plaintext login.
            try:
                c.user('alice')
                raise Fail('USER accepted after a failed STLS')
            except poplib.error_proto as e:
                expect_eq('USER', ERR_TLS_REQUIRED, e.args[0])
            c.quit()
            srv.wait_log(rb'rip=127\.0\.0\.1: TLS unavailable: (.*/)?' + re.escape(reason), 'the reason')
        finally:
            srv.stop()
        srv = Server('tls-bad-implicit-' + name, args + ['--implicit-tls'])
        try:
            s = raw_connect(srv.port)
            expect_eq('implicit TLS with an unusable certificate', b'', read_until_close(s))
            s.close()
            srv.wait_log(rb'rip=127\.0\.0\.1: TLS unavailable: (.*/)?' + re.escape(reason), 'the reason (implicit)')
        finally:
            srv.stop()


bad_certificate('expired', lambda: CA.path('expired.pem'), lambda: CA.path('expired.key'),
                b'the certificate has expired')
bad_certificate('mismatched', lambda: CA.path('ec.pem'), lambda: CA.path('rsa.key'),
                b'the key does not belong to the certificate')
bad_certificate('missing-key', lambda: CA.path('ec.pem'), lambda: CA.path('nonexistent.key'),
                b'nonexistent.key: No such file or directory')
bad_certificate('missing-cert', lambda: CA.path('nonexistent.pem'), lambda: CA.path('ec.key'),
                b'nonexistent.pem: No such file or directory')


def odd_file(name, content):
    """A file in the test CA's directory, made on first use."""
    path = CA.path(name)
    if not os.path.exists(path):
        with open(path, 'wb') as f:
            f.write(content)
    return path


def future_certificate():
    """A leaf certificate valid from tomorrow (openssl under faketime)."""
    if not shutil.which('faketime'):
        raise Skip('faketime is not installed')
    d = CA.get().dir
    if not os.path.exists(os.path.join(d, 'future.pem')):
        r = subprocess.run(['faketime', '-f', '+1d', 'openssl', 'x509', '-req', '-in', 'ec.csr', '-CA', 'ca.pem',
                            '-CAkey', 'ca.key', '-out', 'future.pem', '-days', '1', '-extfile', 'ext'],
                           cwd=d, capture_output=True, timeout=60)
        if r.returncode != 0:
            raise Fail('openssl x509 under faketime failed', R.esc(r.stderr, 2000))
    return os.path.join(d, 'future.pem')


bad_certificate('cert-a-directory', lambda: CA.get().dir, lambda: CA.path('ec.key'),
                b'tls-ca: not a regular file of at most')
bad_certificate('cert-empty', lambda: odd_file('empty.pem', b''), lambda: CA.path('ec.key'),
                b'empty.pem: empty')
bad_certificate('cert-not-a-certificate', lambda: odd_file('text.pem', b'not a certificate\n'),
                lambda: CA.path('ec.key'), b'the certificate file holds no certificate')
bad_certificate('not-yet-valid', future_certificate, lambda: CA.path('ec.key'),
                b'the certificate is not valid yet')
bad_certificate('key-not-a-key', lambda: CA.path('ec.pem'), lambda: CA.path('ec.pem'),
                b'ec.pem: no private key in it')
# A good leaf, then an intermediate that is not one (a fullchain.pem cut or
# mangled); and a chain longer than the 8 certificates pop3d takes.
bad_certificate('chain-broken-intermediate',
                lambda: odd_file('broken-chain.pem', open(CA.path('ec.pem'), 'rb').read() +
                                 b'-----BEGIN CERTIFICATE-----\nMIIBxx\n-----END CERTIFICATE-----\n'),
                lambda: CA.path('ec.key'), b'the certificate chain holds a certificate that cannot be read')
bad_certificate('chain-too-long',
                lambda: odd_file('long-chain.pem', open(CA.path('ec.pem'), 'rb').read() +
                                 open(CA.path('ca.pem'), 'rb').read() * 8),
                lambda: CA.path('ec.key'), b'the certificate chain has more than 8 certificates')


@test('tls:refused-twice-then-plaintext', weight=3)
def _():
    """With an unusable pair and --allow-plaintext-auth, a second STLS gets
    the same answer (the signer is asked once) and the session goes on: a
    plaintext login still works, logged tls=none."""
    srv = Server('tls-refused-twice', ['--tls-cert=' + CA.path('expired.pem'),
                                       '--tls-key=' + CA.path('expired.key'), '--allow-plaintext-auth'])
    try:
        c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
        for attempt in ('first', 'second'):
            try:
                c._shortcmd('STLS')
                raise Fail('STLS accepted with an expired certificate')
            except poplib.error_proto as e:
                expect_eq('%s STLS' % attempt, ERR_TLS_UNAVAILABLE, e.args[0])
        c.user('alice')
        expect_eq('plaintext login after the refusals', LOGGED_IN, c.pass_('secret'))
        c.quit()
        srv.wait_log(rb'login: rip=127\.0\.0\.1 user=alice .* tls=none\n', 'the login line')
        if srv.log().count(b'TLS unavailable') != 1:
            raise Fail('the signer was not asked exactly once', R.esc(srv.log(), 3000))
    finally:
        srv.stop()


@test('tls:certificate-read-per-connection', weight=3)
def _():
    """A renewed certificate is used by the next connection, no reload."""
    need_root()
    CA.get()
    env_dir = os.path.join(Config.base, 'tls-renew')
    os.mkdir(env_dir, 0o700)
    cert, key = os.path.join(env_dir, 'cert.pem'), os.path.join(env_dir, 'key.pem')
    shutil.copy(CA.path('ec.pem'), cert)
    shutil.copy(CA.path('ec.key'), key)
    srv = Server('tls-renew', ['--tls-cert=' + cert, '--tls-key=' + key, '--implicit-tls'])
    try:
        for name in ('ec', 'rsa'):
            shutil.copy(CA.path(name + '.pem'), cert)
            shutil.copy(CA.path(name + '.key'), key)
            c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
            der = c.sock.getpeercert(binary_form=True)
            want = ssl.PEM_cert_to_DER_cert(open(CA.path(name + '.pem')).read())
            expect_eq('certificate served after installing %s' % name, want, der)
            c.quit()
    finally:
        srv.stop()


@test('tls:letsencrypt-layout', weight=3)
def _():
    """The README's certbot lines: --tls-cert and --tls-key name
    live/DOMAIN/fullchain.pem and privkey.pem, which certbot makes symbolic
    links into archive/DOMAIN/ (fullchain1.pem, privkey1.pem; a renewal
    adds fullchain2.pem and privkey2.pem and moves the links).  STLS and a
    login work, and after the renewal the next connection gets the new
    certificate."""
    need_root()
    CA.get()
    le = os.path.join(Config.base, 'tls-letsencrypt')
    archive = os.path.join(le, 'archive', 'mail.example.org')
    live = os.path.join(le, 'live', 'mail.example.org')
    os.makedirs(archive, 0o700)
    os.makedirs(live, 0o755)

    def install(n, name):
        shutil.copy(CA.path(name + '.pem'), os.path.join(archive, 'fullchain%d.pem' % n))
        shutil.copy(CA.path(name + '.key'), os.path.join(archive, 'privkey%d.pem' % n))
        os.chmod(os.path.join(archive, 'privkey%d.pem' % n), 0o600)
        for link, target in (('fullchain.pem', 'fullchain%d.pem' % n), ('privkey.pem', 'privkey%d.pem' % n)):
            tmp = os.path.join(live, link + '.new')
            os.symlink(os.path.join('..', '..', 'archive', 'mail.example.org', target), tmp)
            os.rename(tmp, os.path.join(live, link))

    install(1, 'ec')
    srv = Server('tls-letsencrypt', ['--tls-cert=' + os.path.join(live, 'fullchain.pem'),
                                     '--tls-key=' + os.path.join(live, 'privkey.pem')])
    try:
        for n, name in ((1, 'ec'), (2, 'rsa')):
            if n == 2:
                install(2, 'rsa')
            c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
            try:
                got = c.stls(CA.context())
            except poplib.error_proto as e:
                got = e.args[0]
            expect_eq('STLS with certbot\'s links (%s)' % name, b'+OK Begin TLS negotiation.', got)
            der = c.sock.getpeercert(binary_form=True)
            want = ssl.PEM_cert_to_DER_cert(open(CA.path(name + '.pem')).read())
            expect_eq('certificate served after certbot installed %s' % name, want, der)
            c.user('alice')
            expect_eq('login over STLS (%s)' % name, LOGGED_IN, c.pass_('secret'))
            c.quit()
    finally:
        srv.stop()


# ---------------------------------------------------------------- policy

def s_client(port, *args, data=b'QUIT\r\n'):
    """s_client reading until the server closes (-ign_eof)."""
    cmd = ['openssl', 's_client', '-connect', '127.0.0.1:%d' % port, '-CAfile', CA.path('ca.pem'),
           '-verify_return_error', '-servername', 'localhost', '-ign_eof'] + list(args)
    return subprocess.run(cmd, input=data, capture_output=True, timeout=30 * Config.scale)


@test('tls:policy-openssl', weight=4)
def _():
    """openssl s_client -starttls pop3: TLS 1.3 and 1.2 with ECDSA, RSA and
    Ed25519 certificates, AEAD ciphers and ECDHE only; TLS 1.1, RSA key exchange
    and CBC ciphers refused; no compression, no renegotiation."""
    for name in ('ec', 'rsa', 'ed25519'):
        srv = Server('tls-policy-' + name, tls_args(name))
        try:
            for version in ('-tls1_3', '-tls1_2'):
                r = s_client(srv.port, '-starttls', 'pop3', version, data=b'CAPA\r\nQUIT\r\n')
                out = r.stdout
                if b'Verify return code: 0 (ok)' not in out:
                    raise Fail('s_client %s %s failed' % (name, version), R.esc(out + r.stderr, 3000))
                if b'+OK Capability list follows.\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN\r\n' not in out:
                    raise Fail('no CAPA reply inside TLS (%s %s)' % (name, version), R.esc(out, 3000))
                if b'Compression: NONE' not in out or b'+OK Bye.\r\n' not in out:
                    raise Fail('compression', R.esc(out, 3000))
                m = re.search(rb'Cipher is (\S+)', out)
                if not m or not re.search(rb'GCM|CHACHA20', m.group(1)):
                    raise Fail('cipher not AEAD: %r' % (m and m.group(1)), R.esc(out, 3000))
                if version == '-tls1_2' and not m.group(1).startswith(b'ECDHE-'):
                    raise Fail('TLS 1.2 key exchange not ECDHE: %r' % m.group(1))
            for refused in (['-tls1_1'], ['-tls1_2', '-cipher', 'AES128-GCM-SHA256'],
                            ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA256']):
                before = srv.log().count(b'handshake failed')
                r = s_client(srv.port, '-starttls', 'pop3', *refused)
                if b'+OK Bye.' in r.stdout or b'Cipher is (NONE)' not in r.stdout:
                    raise Fail('s_client %s was served' % ' '.join(refused), R.esc(r.stdout, 3000))
                for _ in range(100):
                    if srv.log().count(b'handshake failed') > before:
                        break
                    time.sleep(0.05)
                else:
                    raise Fail('s_client %s: no handshake failure logged' % ' '.join(refused),
                               R.esc(srv.log(), 3000))
            # A client-initiated renegotiation ends the connection with an
            # error, the way testssl.sh checks it: "R" as s_client's only
            # input must not leave it exiting 0 unless the server closed.
            r = subprocess.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % srv.port, '-CAfile',
                                CA.path('ca.pem'), '-starttls', 'pop3', '-tls1_2'], input=b'R\n',
                               capture_output=True, timeout=30 * Config.scale)
            if b'RENEGOTIATING' not in r.stdout + r.stderr:
                raise Fail('s_client did not renegotiate', R.esc(r.stdout + r.stderr, 3000))
            if r.returncode == 0 and not re.search(rb'^closed', b'\n'.join(r.stdout.split(b'\n')[-5:]), re.M):
                raise Fail('renegotiation accepted (s_client exit 0, connection open)', R.esc(r.stdout, 3000))
            p = subprocess.Popen(['openssl', 's_client', '-connect', '127.0.0.1:%d' % srv.port, '-CAfile',
                                  CA.path('ca.pem'), '-starttls', 'pop3', '-tls1_2'],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                time.sleep(1 * Config.scale)
                p.stdin.write(b'R\n')
                p.stdin.flush()
                time.sleep(1 * Config.scale)
                p.stdin.write(b'CAPA\r\n')
                p.stdin.flush()
                time.sleep(1 * Config.scale)
                out = p.communicate(timeout=10 * Config.scale)[0]
            except (BrokenPipeError, subprocess.TimeoutExpired):
                out = b''
            finally:
                if p.poll() is None:
                    p.kill()
                p.wait()
            if b'RENEGOTIATING' not in out and out:
                raise Fail('s_client did not try to renegotiate', R.esc(out, 3000))
            if b'Capability list follows' in out:
                raise Fail('a command was served after a renegotiation', R.esc(out, 3000))
        finally:
            srv.stop()


@test('tls:rsa-pkcs1-signatures', weight=3)
def _():
    """TLS 1.2 clients that offer only RSA PKCS#1 v1.5 signatures (older
    ones do) with SHA-256, -384 or -512: the signer signs the DigestInfo
    GnuTLS hands over (tls.c digest_shaped(), RFC 8017 section 9.2) and
    the client verifies it."""
    srv = Server('tls-rsa-pkcs1', tls_args('rsa'))
    try:
        for hash_name in ('SHA256', 'SHA384', 'SHA512'):
            r = s_client(srv.port, '-starttls', 'pop3', '-tls1_2', '-sigalgs', 'RSA+' + hash_name,
                         data=b'CAPA\r\nQUIT\r\n')
            out = r.stdout
            if b'Verify return code: 0 (ok)' not in out or b'+OK Bye.\r\n' not in out:
                raise Fail('s_client -sigalgs RSA+%s failed' % hash_name, R.esc(out + r.stderr, 3000))
            expect_eq('peer signature (%s)' % hash_name, [b'RSA', hash_name.encode()],
                      [re.search(rb'Peer signature type: (\S+)', out + r.stderr).group(1),
                       re.search(rb'Peer signing digest: (\S+)', out + r.stderr).group(1)])
    finally:
        srv.stop()


# ---------------------------------------------------------------- real clients

@test('tls:curl', weight=4)
def _():
    """curl: pop3s:// (implicit TLS) and pop3:// --ssl-reqd (STLS), each
    verifying the certificate against the test CA."""
    if not shutil.which('curl'):
        raise Skip('curl is not installed')
    for mode, args, url in (('implicit', ['--implicit-tls'], 'pop3s'), ('stls', [], 'pop3')):
        srv = Server('tls-curl-' + mode, tls_args(extra=args))
        try:
            cmd = ['curl', '-sS', '--max-time', '30', '--cacert', CA.path('ca.pem'), '-u', 'alice:secret']
            if mode == 'stls':
                cmd.append('--ssl-reqd')
            r = subprocess.run(cmd + ['%s://127.0.0.1:%d/1' % (url, srv.port)], capture_output=True,
                               timeout=60 * Config.scale)
            expect_eq('curl %s exit status' % mode, 0, r.returncode)
            expect_eq('curl %s RETR 1' % mode, b'Subject: one\r\n\r\nhello\r\n', r.stdout)
            srv.wait_log(rb'login: rip=127\.0\.0\.1 user=alice .* tls=%s version=TLS1\.3' % mode.encode(),
                         'curl %s login' % mode)
        finally:
            srv.stop()


# ---------------------------------------------------------------- the key

def key_secrets(path):
    """The key's secret numbers as `openssl pkey -text` prints them."""
    r = subprocess.run(['openssl', 'pkey', '-in', path, '-noout', '-text'], capture_output=True, timeout=30)
    text = r.stdout.decode()
    out = []
    for label in ('priv', 'privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient'):
        m = re.search(r'^%s:\s*\n((?:\s+[0-9a-f:]+\n)+)' % label, text, re.M)
        if m:
            v = bytes.fromhex(re.sub(r'[\s:]', '', m.group(1))).lstrip(b'\0')
            out.append((label, v))
    if not out:
        raise Fail('no secret numbers parsed from the key', text)
    return out


def needles(path):
    """What would betray the key in memory: each secret number's first 16
    octets in both byte orders (GMP keeps limbs little-endian), and the PEM
    text's first line of base64."""
    out = []
    for label, v in key_secrets(path):
        out.append((label + ' (big-endian)', v[:16]))
        out.append((label + ' (little-endian)', v[::-1][:16]))
    pem_line = open(path, 'rb').read().split(b'\n')[1]
    out.append(('PEM text', pem_line[:40]))
    return out


def scan_memory(pid, needle_list):
    """Names of the needles found in the readable memory of pid."""
    found = set()
    try:
        maps = open('/proc/%d/maps' % pid).read().splitlines()
        mem = open('/proc/%d/mem' % pid, 'rb', 0)
    except OSError:
        return None
    with mem:
        for line in maps:
            fields = line.split()
            if 'r' not in fields[1] or (len(fields) > 5 and fields[5] in ('[vvar]', '[vsyscall]')):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split('-'))
            if hi - lo > 64 << 20:
                continue  # a sanitizer's shadow, not pop3d's data
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for name, n in needle_list:
                if n in data:
                    found.add(name)
    return found


def pop3d_processes(binary):
    """(pid, uid) of every process running the pop3d binary under test."""
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            if os.path.realpath('/proc/%s/exe' % d) != os.path.realpath(binary):
                continue
            uid = int(re.search(r'^Uid:\s+(\d+)', open('/proc/%s/status' % d).read(), re.M).group(1))
        except (OSError, AttributeError):
            continue
        out.append((int(d), uid))
    return out


@test('tls:key-not-in-unprivileged-memory', weight=6)
def _():
    """During a TLS session, before and after login, no non-root pop3d
    process (the pre-login process, which later relays, and the user's
    session) holds the key's secret numbers or its PEM text.  The scanner
    is shown to find them in a process that does hold them."""
    if Config.wrapper:
        raise Skip('the scan looks for the pop3d binary itself, not a wrapper')
    for name in ('rsa', 'ec'):
        needle_list = needles(CA.path(name + '.key'))
        # Positive control: a process with the numbers in memory.
        holder = subprocess.Popen(['python3', '-c', 'import sys, time\nk = open(sys.argv[1], "rb").read()\n'
                                   'import subprocess\nt = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], '
                                   '"-noout", "-text"], capture_output=True).stdout\nsys.stdout.write("ready\\n")\n'
                                   'sys.stdout.flush()\ntime.sleep(30)', CA.path(name + '.key')],
                                  stdout=subprocess.PIPE)
        try:
            holder.stdout.readline()
            got = scan_memory(holder.pid, [n for n in needle_list if n[0] == 'PEM text'])
            if got != {'PEM text'}:
                raise Fail('the scanner does not find the PEM text in a process that holds it: %r' % got)
        finally:
            holder.kill()
            holder.wait()
        srv = Server('tls-memscan-' + name, tls_args(name))
        try:
            c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
            c.stls(CA.context())
            c.capa()
            seen = {}
            for stage in ('before login', 'after login'):
                if stage == 'after login':
                    c.user('alice')
                    expect_eq('pass', LOGGED_IN, c.pass_('secret'))
                    c.stat()
                procs = [(p, u) for p, u in pop3d_processes(Config.pop3d_tls) if u != 0]
                want = 1 if stage == 'before login' else 2
                if len(procs) < want:
                    raise Fail('%s: %d non-root pop3d processes, expected at least %d' % (stage, len(procs), want))
                for pid, uid in procs:
                    found = scan_memory(pid, needle_list)
                    if found is None:
                        continue
                    seen[pid] = uid
                    if found:
                        raise Fail('%s: pop3d process %d (uid %d) holds %s' % (stage, pid, uid,
                                                                             ', '.join(sorted(found))))
            if len(seen) < 2:
                raise Fail('scanned only %d non-root processes' % len(seen))
            c.quit()
        finally:
            srv.stop()


@test('tls:key-in-the-certificate-file', weight=3)
def _():
    """--tls-cert naming a file that also holds the private key (the
    certificate-and-key PEM haproxy and stunnel take, handed over as it
    is): STLS and a login still work, and the key's PEM text reaches no
    non-root pop3d process.  The starting process reads the certificate
    file for the pre-login process, which must get the certificates and
    nothing else from it."""
    if Config.wrapper:
        raise Skip('the scan looks for the pop3d binary itself, not a wrapper')
    needle_list = needles(CA.path('ec.key'))
    combined = odd_file('ec-with-key.pem', open(CA.path('ec.pem'), 'rb').read() +
                        open(CA.path('ec.key'), 'rb').read())
    os.chmod(combined, 0o600)
    srv = Server('tls-combined', ['--tls-cert=' + combined, '--tls-key=' + CA.path('ec.key')])
    try:
        c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
        expect_eq('stls', b'+OK Begin TLS negotiation.', c.stls(CA.context()))
        c.user('alice')
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        procs = [(p, u) for p, u in pop3d_processes(Config.pop3d_tls)
                 if u != 0 and srv.env.dir.encode() in cmdline(p)]
        if len(procs) < 2:
            raise Fail('%d non-root pop3d processes of the connection, expected the relay and the session' % len(procs))
        for pid, uid in procs:
            found = scan_memory(pid, needle_list)
            if found:
                raise Fail('pop3d process %d (uid %d) holds %s' % (pid, uid, ', '.join(sorted(found))))
        c.quit()
    finally:
        srv.stop()


@test('tls:non-root-refused', weight=1)
def _():
    """Started as a normal user there is no monitor to hold the key: pop3d
    refuses to serve rather than read it."""
    need_root()
    CA.get()
    env = Env('tls-nonroot')
    env.put_mailbox(fixture('F1.mbox'))
    res = env.run(b'QUIT\r\n', args=tls_args(), as_user=True, debug=True)
    expect_eq('reply', b'-ERR [SYS/PERM] Server unavailable.\r\n', res.out)
    expect_eq('exit status', 1, res.rc)
    if b'TLS needs privilege separation' not in res.err:
        raise Fail('not logged', R.esc(res.err, 2000))


@test('tls:options', weight=1)
def _():
    """A certificate without a key, or implicit TLS without either, is a
    usage error."""
    env = Env('tls-options')
    for args in (['--tls-cert=/x'], ['--tls-key=/x'], ['--implicit-tls']):
        res = env.run(b'', args=args)
        expect_eq('exit status for %s' % args, 2, res.rc)
        expect_eq('output for %s' % args, b'', res.out)


@test('tls:relay-large', weight=4)
def _():
    """A 3 MB message through the relay (records both ways, the session's
    output larger than any buffer) arrives intact, and DELE+QUIT updates."""
    body = b''.join(b'%07d %s\n' % (i, b'y' * 60) for i in range(48000))
    mbox = b'From a@b Mon Jan  1 00:00:00 2024\nSubject: big\n\n' + body + b'\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: small\n\nx\n'
    srv = Server('tls-relay', tls_args(extra=['--implicit-tls']), mailbox=mbox)
    try:
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=30 * Config.scale, context=CA.context())
        c.user('alice')
        c.pass_('secret')
        resp, lines, octets = c.retr(1)
        expect_eq('RETR 1 lines', [b'Subject: big', b''] + body.rstrip(b'\n').split(b'\n'), lines)
        expect_eq('dele 2', b'+OK Message deleted.', c.dele(2))
        expect_eq('quit', b'+OK Bye.', c.quit())
        with open(srv.env.mbox, 'rb') as f:
            expect_eq('mailbox after DELE 2', mbox[:mbox.index(b'From a@b', 10)], f.read())
    finally:
        srv.stop()


def slow_tls_client(port, small_segments):
    """An implicit-TLS client that reads slowly: a 4 KiB receive buffer,
    and with small_segments a 536-octet MSS, as on a real link (with
    loopback's 64 KiB segments the server's send buffer would take a whole
    message at once).  Returns the TLS socket and a reader of it, after the
    greeting."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if small_segments:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    s.settimeout(30 * Config.scale)
    s.connect(('127.0.0.1', port))
    t = CA.context().wrap_socket(s, server_hostname='localhost')
    f = t.makefile('rb')
    expect_eq('greeting', GREETING, f.readline())
    return t, f


@test('tls:relay-pipelined-both-ways', weight=4)
def _():
    """60,000 commands (480 KB) sent as fast as the server takes them, by a
    client that reads replies only when it cannot send and keeps a small
    receive buffer: the replies (540 KB) back up through the relay into the
    session, which stops reading, so the relay's writes to it come up short
    and it stops reading the client.  Every reply still comes back, in
    order, and nothing is lost.

    The client is one thread with a non-blocking socket: an ssl.SSLSocket
    used from two threads at once (one sending, one reading) is not safe,
    and was seen to read a false end of stream."""
    mbox = b'From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nx\n'
    srv = Server('tls-pipelined', tls_args(extra=['--implicit-tls']), mailbox=mbox)
    count = 60000
    try:
        t, f = slow_tls_client(srv.port, False)
        t.sendall(b'USER alice\r\nPASS secret\r\n')
        expect_eq('USER', b'+OK', f.readline()[:3])
        expect_eq('PASS', b'+OK', f.readline()[:3])
        f.close()
        got = pipeline(t, b'LIST 1\r\n' * count + b'QUIT\r\n', b'+OK Bye.\r\n', 30 * Config.scale)
        replies = got.split(b'\r\n')
        wrong = [(i, r) for i, r in enumerate(replies[:count]) if r != b'+OK 1 19']
        expect_eq('LIST replies not "+OK 1 19" (first of them)', [], wrong[:1])
        expect_eq('after the LIST replies', [b'+OK Bye.', b''], replies[count:])
        t.close()
    finally:
        srv.stop()


def pipeline(t, data, last, seconds):
    """Send data on the TLS socket t while reading what comes back, in one
    thread, until the reply ends with last or the peer closes; at most
    seconds long.  Returns everything read."""
    t.setblocking(False)
    out = b''
    deadline = time.monotonic() + seconds
    while not out.endswith(last):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail('pipeline: no end after %d s: %d bytes left to send, %d read' % (seconds, len(data), len(out)))
        if not t.pending():
            select.select([t], [t] if data else [], [], left)
        if data:
            # Send as long as the peer takes it, and read only when it does
            # not: the replies then back up behind the commands.
            try:
                data = data[t.send(data[:65536]):]
                continue
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        try:
            chunk = t.recv(65536)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            continue
        if not chunk:
            break
        out += chunk
    t.setblocking(True)
    return out


def shipped_tls_args():
    """The program and the arguments of the TLS lines in dist/:
    pop3s@.service's ExecStart, the pop3s and STLS lines of pop3d.inetd
    (commented there), pop3s.xinetd's server and server_args."""
    top = os.path.dirname(R.HERE)
    out = {}
    svc = open(os.path.join(top, 'dist', 'pop3s@.service')).read()
    m = re.search(r'^ExecStart=(\S+) (.*)$', svc, re.M)
    out['pop3s@.service'] = (m.group(1), m.group(2).split())
    for line in open(os.path.join(top, 'dist', 'pop3d.inetd')):
        f = line.lstrip('#').split()
        if len(f) > 7 and f[0] in ('pop3', 'pop3s'):
            out['pop3d.inetd ' + f[0]] = (f[6], f[7:])
    xi = open(os.path.join(top, 'dist', 'pop3s.xinetd')).read()
    out['pop3s.xinetd'] = (re.search(r'^\s*server\s*=\s*(\S+)$', xi, re.M).group(1),
                           re.search(r'^\s*server_args\s*=\s*(.*)$', xi, re.M).group(1).split())
    return out


@test('tls:shipped-launcher-lines', weight=4)
def _():
    """Each TLS line shipped in dist/ runs pop3d-tls (pop3d has no TLS) and
    serves what it says: implicit TLS for pop3s, STLS with logins refused
    before it for pop3."""
    need_root()
    CA.get()
    lines = shipped_tls_args()
    expect_eq('TLS lines found', ['pop3d.inetd pop3', 'pop3d.inetd pop3s', 'pop3s.xinetd', 'pop3s@.service'],
              sorted(lines))
    expect_eq('their programs', ['/usr/local/sbin/pop3d-tls'] * 4, [p for p, _ in lines.values()])
    tickets = ticket_dir('shipped')
    for name, (_, args) in sorted(lines.items()):
        args = [a.replace('/etc/pop3d/fullchain.pem', CA.path('ec.pem')).replace(
            '/etc/pop3d/privkey.pem', CA.path('ec.key')).replace(
            '/var/lib/pop3d-tls/', tickets + '/') for a in args]
        srv = Server('tls-shipped', args)
        try:
            if '--implicit-tls' in args:
                c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
            else:
                c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
                expect_eq('%s: capabilities before TLS' % name, CAPA_PLAIN_REFUSED, sorted(c.capa()))
                c.stls(CA.context())
            expect_eq('%s: capabilities' % name, CAPA_IN_TLS, sorted(c.capa()))
            c.user('alice')
            expect_eq('%s: login' % name, LOGGED_IN, c.pass_('secret'))
            c.quit()
            # Every line issues session tickets, and the next connection
            # (another process) resumes; checked where the line is implicit.
            expect_eq('%s: session tickets' % name, True,
                      any(a.startswith('--tls-ticket-key=' + tickets + '/') for a in args))
            if '--implicit-tls' in args:
                ctx = CA.context()
                first, _ = tls_session(srv.port, ctx)
                _, reused = tls_session(srv.port, ctx, session=first)
                expect_eq('%s: the next connection resumed' % name, True, reused)
        finally:
            srv.stop()


@test('tls:handshake-timeout', weight=3)
def _():
    """A client that connects to the TLS port and sends nothing is dropped
    after the session timeout (-t), with a log line."""
    srv = Server('tls-timeout', tls_args(extra=['--implicit-tls', '-t', '1']))
    try:
        s = raw_connect(srv.port)
        start = time.monotonic()
        expect_eq('output', b'', read_until_close(s))
        took = time.monotonic() - start
        if took > 5 * Config.scale:
            raise Fail('closed after %.1f s' % took)
        s.close()
        srv.wait_log(rb'TLS \(implicit\): handshake timed out: closing', 'the timeout')
    finally:
        srv.stop()


@test('tls:testssl', weight=40)
def _():
    """testssl.sh against implicit TLS and STLS finds nothing of severity
    MEDIUM or above (with the test CA added and a certificate that names a
    CRL, valid 200 days).  Each port as dist/ runs it: pop3s@.service
    with session tickets (--tls-ticket-key), STLS without."""
    need_root()
    if not shutil.which('testssl'):
        raise Skip('testssl.sh is not installed')
    if Config.wrapper or 'asan' in os.path.basename(Config.pop3d_tls):
        raise Skip('testssl.sh runs against the plain build only (minutes per port)')
    tickets = '--tls-ticket-key=' + os.path.join(ticket_dir('tls-testssl'), 'ticket.key')
    for mode, extra, starttls in (('implicit', ['--implicit-tls', tickets], []),
                                  ('stls', [], ['-t', 'pop3'])):
        srv = Server('tls-testssl-' + mode, tls_args('long', extra=extra))
        try:
            out = os.path.join(srv.env.dir + '.testssl.json')
            # Protocols, cipher categories, forward secrecy, the server's
            # preferences and certificate, and the vulnerability checks;
            # not the client simulation (minutes, and nothing to find).
            r = subprocess.run(['testssl', '--quiet', '--color', '0', '--warnings', 'off',
                                '-p', '-s', '-f', '-P', '-S', '-U', '--add-ca',
                                CA.path('ca.pem'), '--jsonfile', out] + starttls +
                               ['127.0.0.1:%d' % srv.port], capture_output=True, timeout=900)
            try:
                findings = json.load(open(out))
            except (OSError, ValueError):
                raise Fail('testssl.sh (%s) wrote no results' % mode, R.esc(r.stdout + r.stderr, 3000))
            bad = ['%s %s: %s' % (f.get('severity'), f.get('id'), f.get('finding'))
                   for f in findings if f.get('severity') in ('MEDIUM', 'HIGH', 'CRITICAL')]
            if bad or len(findings) < 50:
                raise Fail('testssl.sh (%s): %d findings, MEDIUM or above: %s' % (mode, len(findings),
                                                                              '; '.join(bad)),
                           R.esc(r.stdout, 6000))
            # The tickets were offered and resumed, so they were tested.
            # testssl.sh's own check (two s_client runs whose input is
            # empty) was seen, 1 run in 3 on a loaded machine, to end in
            # "check failed because of connect problem", a WARN: then the
            # resumption is checked here instead, so it is still proved.
            resumption = [f.get('finding') for f in findings if f.get('id') == 'sessionresumption_ticket']
            if mode == 'implicit' and resumption == ['check failed because of connect problem']:
                ctx = CA.context()
                first, _ = tls_session(srv.port, ctx, login=False)
                _, reused = tls_session(srv.port, ctx, session=first, login=False)
                resumption = ['supported' if reused else 'not supported (checked here)']
            expect_eq('testssl.sh (%s): session resumption with tickets' % mode,
                      ['supported' if mode == 'implicit' else 'not supported'], resumption)
        finally:
            srv.stop()


# ---------------------------------------------------------------- TLS and the privilege separation

class FaultServer(Server):
    """pop3d-fault with POP3D_HOSTILE=what behind the listener: a process
    that misbehaves as a compromised one could (privsep_child.c and
    privsep.c; the switch is privsep_msg.c's hostile())."""

    def __init__(self, name, args, what, mailbox=None):
        need_root()
        if not Config.fault:
            raise Skip('needs POP3D_FAULT (make pop3d-fault)')
        CA.get()
        self.env = Env(name)
        self.env.put_mailbox(mailbox if mailbox is not None else fixture('F1.mbox'))
        argv = self.env.argv(args, debug=True)
        argv[len(Config.wrapper)] = Config.fault
        self.lst = P.Listener(self.env, inner=['env', 'POP3D_HOSTILE=' + what] + argv)
        self.port = self.lst.port


def implicit_login(port, what):
    """An implicit-TLS connection that logs in as alice; returns the TLS
    socket and what came after PASS until the server closed (or None if
    it did not within 10 s)."""
    raw = raw_connect(port)
    s = CA.context().wrap_socket(raw, server_hostname='127.0.0.1')
    expect_eq('%s: greeting' % what, GREETING, read_line(s))
    s.sendall(b'USER alice\r\n')
    expect_eq('%s: USER' % what, b'+OK Send your password.\r\n', read_line(s))
    s.sendall(b'PASS secret\r\n')
    s.settimeout(10 * Config.scale)
    try:
        rest = read_until_close(s)
    except socket.timeout:
        rest = None
    return s, rest


def cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read()
    except OSError:
        return b''


def expect_no_pop3d_left(port_log, srv, what):
    """Every pop3d process of the connection is gone within 5 s."""
    for _ in range(100):
        left = pop3d_processes(Config.pop3d_tls) + (pop3d_processes(Config.fault) if Config.fault else [])
        left = [p for p, _ in left if srv.env.dir.encode() in cmdline(p)]
        if not left:
            return
        time.sleep(0.05)
    raise Fail('%s: pop3d processes still there 5 s after the end: %s' % (what, left), R.esc(port_log(), 2000))


@test('tls:hostile-prelogin-tls-start-passes-descriptors', weight=3)
def _():
    """A pre-login process that sends the client's fds with its STLS
    request: the login monitor accepts descriptors from it on no message
    (TLS ones included) and ends the connection before any TLS."""
    srv = FaultServer('tls-hostile-start-fds', tls_args(), 'prelogin-tls-fds')
    try:
        s = raw_connect(srv.port)
        expect_eq('greeting', GREETING, read_line(s))
        s.sendall(b'STLS\r\n')
        expect_eq('after STLS', b'', read_until_close(s))
        srv.wait_log(rb'descriptors or a truncated message from the pre-login process', 'the refusal')
        if b'tls=' in srv.log() or b'login:' in srv.log():
            raise Fail('a login after the refusal', R.esc(srv.log(), 2000))
    finally:
        srv.stop()


@test('tls:hostile-login-monitor-descriptor-rule', weight=4)
def _():
    """The monitor accepts a descriptor from the login monitor only on
    MSG_RELAY, only one, and only after a login over TLS: one on
    MSG_ACCOUNT (plaintext and TLS), or two on MSG_RELAY, and no session
    starts (pop3d-fault plays a login monitor that breaks the rule); the
    mailbox is untouched and nothing of the connection stays."""
    cases = (('login-fd-on-account', False), ('login-fd-on-account', True), ('login-relay-two-fds', True))
    for what, tls in cases:
        args = tls_args(extra=['--implicit-tls']) if tls else ['--tls-cert=' + CA.path('ec.pem'),
                                                                '--tls-key=' + CA.path('ec.key'),
                                                                '--allow-plaintext-auth']
        srv = FaultServer('tls-hostile-' + what, args, what)
        try:
            before = srv.env.snapshot()
            label = '%s (%s)' % (what, 'implicit TLS' if tls else 'plaintext')
            if tls:
                s, rest = implicit_login(srv.port, label)
            else:
                s = raw_connect(srv.port)
                expect_eq('%s: greeting' % label, GREETING, read_line(s))
                s.sendall(b'USER alice\r\nPASS secret\r\n')
                expect_eq('%s: USER' % label, b'+OK Send your password.\r\n', read_line(s))
                s.settimeout(10 * Config.scale)
                try:
                    rest = read_until_close(s)
                except socket.timeout:
                    rest = None
            if rest is None:
                raise Fail('%s: the connection was not ended' % label)
            expect_eq('%s: after PASS' % label, b'', rest)
            srv.wait_log(rb'descriptors or a truncated message from the login monitor: no session',
                         '%s: the refusal' % label)
            if b'login: rip=' in srv.log():
                raise Fail('%s: a session started' % label, R.esc(srv.log(), 2000))
            R.check_after(srv.env, 'unchanged', before)
            check_no_lock(srv.env)
            expect_no_pop3d_left(srv.log, srv, label)
        finally:
            srv.stop()


@test('tls:relay-stays-in-its-box', weight=4)
def _():
    """After a login over TLS the pre-login process relays: it is still the
    unprivileged user with its seccomp filter, no new privileges, no
    process, one descriptor slot above its highest; and when the client
    quits, it and the session are gone."""
    srv = Server('tls-relay-box', tls_args(extra=['--implicit-tls']))
    try:
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
        c.user('alice')
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        procs = [(p, u) for p, u in pop3d_processes(Config.pop3d_tls) if srv.env.dir.encode() in cmdline(p)]
        # The pre-login process leads its own session (setsid).
        relay = [p for p, u in procs if u != 0 and os.getsid(p) == p]
        if len(relay) != 1:
            raise Fail('expected one relay (non-root, its own session leader) among %r' % procs)
        st = open('/proc/%d/status' % relay[0]).read()
        for field, want in (('Seccomp', '2'), ('NoNewPrivs', '1')):
            got = re.search(r'^%s:\s+(\S+)' % field, st, re.M)
            expect_eq('relay %s' % field, want, got.group(1) if got else None)
        limits = open('/proc/%d/limits' % relay[0]).read()
        nproc = re.search(r'^Max processes\s+(\S+)\s+(\S+)', limits, re.M).groups()
        expect_eq('relay RLIMIT_NPROC', ('0', '0'), nproc)
        nofile = [int(x) for x in re.search(r'^Max open files\s+(\S+)\s+(\S+)', limits, re.M).groups()]
        fds = sorted(int(f) for f in os.listdir('/proc/%d/fd' % relay[0]))
        expect_eq('relay RLIMIT_NOFILE (soft, hard)', [nofile[0], nofile[0]], nofile)
        if nofile[0] > max(fds) + 1:
            raise Fail('relay RLIMIT_NOFILE %d leaves room past its descriptors %r' % (nofile[0], fds))
        expect_eq('stat', (2, 52), c.stat())
        expect_eq('quit', b'+OK Bye.', c.quit())
        expect_no_pop3d_left(srv.log, srv, 'after QUIT')
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice .*end=quit', 'the logout line')
    finally:
        srv.stop()


@test('tls:relay-ends-with-the-client', weight=3)
def _():
    """A client that drops the TCP connection after a login over TLS
    (no QUIT): the relay passes the end on, the session ends without
    UPDATE, and no process of the connection stays."""
    srv = Server('tls-relay-drop', tls_args(extra=['--implicit-tls']))
    try:
        before = srv.env.snapshot()
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
        c.user('alice')
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        expect_eq('dele 1', b'+OK Message deleted.', c.dele(1))
        c.file.close()
        c.sock.close()
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=0 deleted=0 left=2 sent=\d+ end=eof',
                     'the logout line without update')
        expect_no_pop3d_left(srv.log, srv, 'after the client went')
        R.check_after(srv.env, 'unchanged', before)
        check_no_lock(srv.env)
    finally:
        srv.stop()


@test('tls:hostile-relay-forbidden-call', weight=3)
def _():
    """A relay that tries to leave its box after the login over TLS
    (pop3d-fault POP3D_HOSTILE=relay-fork: fork() once it has the relay's
    socket): the filter kills it, the login monitor logs it, the session
    ends, the mailbox is untouched and nothing of the connection stays."""
    srv = FaultServer('tls-hostile-relay', tls_args(extra=['--implicit-tls']), 'relay-fork')
    try:
        before = srv.env.snapshot()
        s, rest = implicit_login(srv.port, 'relay-fork')
        if rest is None:
            raise Fail('the connection was not ended')
        expect_eq('after PASS', b'', rest)
        srv.wait_log(rb'the pre-login process made a system call outside its allowlist and was killed',
                     'the kill')
        expect_no_pop3d_left(srv.log, srv, 'after the kill')
        R.check_after(srv.env, 'unchanged', before)
        check_no_lock(srv.env)
    finally:
        srv.stop()


@test('tls:proxy-header-then-implicit-tls', weight=3)
def _():
    """--proxy-protocol with --implicit-tls: the PROXY header comes in
    plaintext before the ClientHello (as haproxy sends it with send-proxy
    in front of port 995); the login line names the client from the header
    and tls=implicit.  A client that starts TLS without the header is
    refused before any TLS."""
    srv = Server('tls-proxy', tls_args(extra=['--implicit-tls', '--proxy-protocol=v1',
                                              '--proxy-from=127.0.0.0/8']))
    try:
        raw = raw_connect(srv.port)
        raw.sendall(b'PROXY TCP4 192.0.2.7 127.0.0.1 4711 995\r\n')
        s = CA.context().wrap_socket(raw, server_hostname='127.0.0.1')
        expect_eq('greeting', GREETING, read_line(s))
        s.sendall(b'USER alice\r\nPASS secret\r\n')
        expect_eq('USER', b'+OK Send your password.\r\n', read_line(s))
        expect_eq('PASS', LOGGED_IN + b'\r\n', read_line(s))
        s.sendall(b'QUIT\r\n')
        expect_eq('QUIT', b'+OK Bye.\r\n', read_line(s))
        s.close()
        srv.wait_log(rb'login: rip=192\.0\.2\.7 user=alice .* tls=implicit version=TLS1\.[23] cipher=\S+\n',
                     'the login line with the header\'s address and tls=implicit')
        # No header: the ClientHello is not one.
        raw = raw_connect(srv.port)
        try:
            s = CA.context().wrap_socket(raw, server_hostname='127.0.0.1')
            raise Fail('a TLS handshake without the PROXY header succeeded')
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            pass
        srv.wait_log(rb'proxy header refused: rip=127\.0\.0\.1', 'the refused header')
    finally:
        srv.stop()


@test('tls:hostile-prelogin-over-tls', weight=4)
def _():
    """The hostile pre-login processes of privsep_tests.py, inside implicit
    TLS (where the box is wider: getrandom, shutdown, a descriptor slot):
    one that passes the client's fds with its login request, and one that
    forks to outlive the login; each ends the connection with the log line,
    no login, the mailbox untouched, nothing of the connection left."""
    for what, log in (('prelogin-fds', rb'descriptors or a truncated message from the pre-login process'),
                      ('prelogin-fork', rb'made a system call outside its allowlist and was killed')):
        srv = FaultServer('tls-hostile-' + what, tls_args(extra=['--implicit-tls']), what)
        try:
            before = srv.env.snapshot()
            s, rest = implicit_login(srv.port, what)
            if rest is None:
                raise Fail('%s: the connection was not ended' % what)
            expect_eq('%s: after PASS' % what, b'', rest)
            srv.wait_log(log, '%s: the log line' % what)
            if b'login: rip=' in srv.log():
                raise Fail('%s: a session started' % what, R.esc(srv.log(), 2000))
            expect_no_pop3d_left(srv.log, srv, what)
            R.check_after(srv.env, 'unchanged', before)
            check_no_lock(srv.env)
        finally:
            srv.stop()


@test('tls:handshake-bounded-by-login-timeout', weight=3)
def _():
    """--login-timeout bounds the pre-login phase, the handshake included:
    a client that opens the TLS port and never finishes a handshake is
    dropped then, even with a longer -t."""
    srv = Server('tls-login-timeout', tls_args(extra=['--implicit-tls', '-t', '30', '--login-timeout=2']))
    try:
        s = raw_connect(srv.port)
        s.settimeout(15 * Config.scale)
        start = time.monotonic()
        expect_eq('output', b'', read_until_close(s))
        took = time.monotonic() - start
        if took < 1.5 or took > 6 * Config.scale:
            raise Fail('closed after %.1f s with --login-timeout=2 -t 30' % took)
        s.close()
        srv.wait_log(rb'TLS \(implicit\): handshake timed out: closing', 'the timeout')
    finally:
        srv.stop()


# ---------------------------------------------------------------- resumption

def ticket_dir(name):
    """A directory only root may write, for a ticket key file."""
    d = os.path.join(Config.base, name + '.tickets')
    os.mkdir(d, 0o700)
    return d


def tls_session(port, ctx, session=None, login=True):
    """One implicit-TLS connection (login, QUIT); returns (the TLS session
    for the next connection, whether this one was resumed)."""
    s = ctx.wrap_socket(raw_connect(port), server_hostname='127.0.0.1', session=session)
    expect_eq('greeting', GREETING, read_line(s))
    if login:
        s.sendall(b'USER alice\r\nPASS secret\r\n')
        expect_eq('USER', b'+OK Send your password.\r\n', read_line(s))
        expect_eq('PASS', LOGGED_IN + b'\r\n', read_line(s))
    s.sendall(b'QUIT\r\n')
    expect_eq('QUIT', b'+OK Bye.\r\n', read_line(s))
    read_until_close(s)
    reused = s.session_reused
    got = s.session
    s.close()
    return got, reused


@test('tls:resumption-with-tickets', weight=5)
def _():
    """--tls-ticket-key: the login monitor makes the key file (root's,
    0600, 64 octets) and every connection's process encrypts its tickets
    with it, so the next connection, another process, resumes: TLS 1.3
    and 1.2, logged 'resumed'; the relay works after a resumed handshake."""
    need_root()
    d = ticket_dir('tls-resume')
    key = os.path.join(d, 'ticket.key')
    srv = Server('tls-resume', tls_args(extra=['--implicit-tls', '--tls-ticket-key=' + key]))
    try:
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            ctx = CA.context(maximum_version=version)
            first, reused = tls_session(srv.port, ctx)
            expect_eq('%s: first connection resumed' % version.name, False, reused)
            if first is None or not first.has_ticket:
                raise Fail('%s: no ticket from the server' % version.name)
            _, reused = tls_session(srv.port, ctx, session=first)
            expect_eq('%s: second connection resumed' % version.name, True, reused)
        st = os.stat(key)
        expect_eq('key file owner, mode, size', (0, 0o600, 64), (st.st_uid, st.st_mode & 0o7777, st.st_size))
        logins = re.findall(rb'login: rip=127\.0\.0\.1 user=alice .* tls=implicit version=(TLS1\.[23]) '
                            rb'cipher=\S+( resumed)?\n', srv.log())
        expect_eq('login lines', [(b'TLS1.3', b''), (b'TLS1.3', b' resumed'), (b'TLS1.2', b''),
                                  (b'TLS1.2', b' resumed')], logins)
        if os.listdir(d) != ['ticket.key']:
            raise Fail('files left in the key directory: %r' % os.listdir(d))
    finally:
        srv.stop()


@test('tls:resumption-refused-key-files', weight=4)
def _():
    """A ticket key file others could read or change (mode 0644, a
    directory writable by others, a symbolic link, the wrong size), or no
    --tls-ticket-key at all: TLS works with full handshakes only, and the
    reason is logged."""
    need_root()
    d = ticket_dir('tls-resume-bad')
    loose = os.path.join(d, 'loose.key')
    with open(loose, 'wb') as f:
        f.write(os.urandom(64))
    os.chmod(loose, 0o644)
    short = os.path.join(d, 'short.key')
    with open(short, 'wb') as f:
        f.write(os.urandom(48))
    os.chmod(short, 0o600)
    link = os.path.join(d, 'link.key')
    os.symlink(short, link)
    shared = os.path.join(Config.base, 'tls-resume-shared')
    os.mkdir(shared, 0o777)
    os.chmod(shared, 0o1777)
    cases = ((loose, rb'loose\.key: not a file of 64 octets of root\'s, mode 0600'),
             (short, rb'short\.key: not a file of 64 octets of root\'s, mode 0600'),
             (link, rb'link\.key: Too many levels of symbolic links'),
             (os.path.join(shared, 'ticket.key'), rb'its directory is missing, a symbolic link, or not root\'s alone'),
             ('relative.key', rb'relative\.key: not an absolute file name'),
             (None, None))
    for path, reason in cases:
        extra = ['--implicit-tls'] + (['--tls-ticket-key=' + path] if path else [])
        srv = Server('tls-resume-bad', tls_args(extra=extra))
        try:
            ctx = CA.context()
            first, reused = tls_session(srv.port, ctx, login=False)
            _, reused = tls_session(srv.port, ctx, session=first)
            expect_eq('%s: resumed' % path, False, reused)
            if reason is not None:
                srv.wait_log(rb'TLS session tickets unavailable: .*' + reason, 'the reason for %s' % path)
            elif b'tickets unavailable' in srv.log():
                raise Fail('a ticket complaint without --tls-ticket-key', R.esc(srv.log(), 2000))
        finally:
            srv.stop()
    if os.listdir(shared):
        raise Fail('a key file made in a directory others can write: %r' % os.listdir(shared))


@test('tls:hostile-prelogin-claims-tls', weight=3)
def _():
    """A pre-login process whose STLS was refused (the key does not belong to
    the certificate) and that tells the login monitor the handshake is
    over anyway, then logs in with the password in clear (pop3d-fault
    POP3D_HOSTILE=prelogin-claims-tls): the login monitor took no
    handshake to be over, so it ends the connection; no session."""
    srv = FaultServer('tls-hostile-claims', tls_args('ec', key='rsa'), 'prelogin-claims-tls')
    try:
        before = srv.env.snapshot()
        s = raw_connect(srv.port)
        expect_eq('greeting', GREETING, read_line(s))
        s.sendall(b'STLS\r\n')
        s.settimeout(10 * Config.scale)
        try:
            rest = read_until_close(s)
        except socket.timeout:
            raise Fail('the connection went on after a login without a handshake', R.esc(srv.log(), 2000))
        expect_eq('after STLS', b'', rest)
        srv.wait_log(rb'TLS request out of order from the pre-login process: ending the connection',
                     'the refusal')
        if b'login: rip=' in srv.log():
            raise Fail('a session started without a handshake', R.esc(srv.log(), 2000))
        expect_no_pop3d_left(srv.log, srv, 'after the refusal')
        R.check_after(srv.env, 'unchanged', before)
    finally:
        srv.stop()


# ---------------------------------------------------------------- pop3d without TLS (tls_none.c)

@test('tls:pop3d-has-no-tls', weight=2)
def _():
    """pop3d links no TLS library (ldd names no libgnutls: it would cost
    every plaintext connection the loading), and given a TLS option it
    serves nothing: one log line naming pop3d-tls, -ERR [SYS/PERM] on the
    STLS port and nothing at all on the implicit-TLS one, exit 1; never
    plaintext in place of the TLS asked for."""
    if Config.pop3d == Config.pop3d_tls:
        raise Skip('POP3D_TLS is POP3D: no build without TLS to test')
    r = subprocess.run(['ldd', Config.pop3d], capture_output=True, timeout=30)
    if r.returncode != 0 or b'libc.so' not in r.stdout:
        raise Fail('ldd pop3d failed', R.esc(r.stdout + r.stderr, 2000))
    if b'gnutls' in r.stdout:
        raise Fail('pop3d links GnuTLS', R.esc(r.stdout, 2000))
    CA.get()
    env = Env('tls-none')
    env.put_mailbox(fixture('F1.mbox'))
    before = env.snapshot()
    for name, extra, reply in (('stls', [], b'-ERR [SYS/PERM] Server unavailable.\r\n'),
                               ('implicit', ['--implicit-tls'], b''),
                               ('tickets', ['--tls-ticket-key={dir}.ticket'],
                                b'-ERR [SYS/PERM] Server unavailable.\r\n')):
        argv = env.argv(tls_args('ec', extra=extra), debug=True)
        argv[len(Config.wrapper)] = Config.pop3d
        open(env.errfile, 'wb').close()
        p = env.popen(argv)
        out = p.communicate(b'CAPA\r\nUSER alice\r\nPASS secret\r\nQUIT\r\n', timeout=10 * Config.scale)[0]
        expect_eq(name + ': the reply', reply, out)
        expect_eq(name + ': exit status', 1, p.returncode)
        lines = [x for x in env.stderr().split(b'\n') if x]
        want = (b'TLS is not built into this binary: run pop3d-tls for --tls-cert, --tls-key, '
                b'--implicit-tls and --tls-ticket-key')
        if len(lines) != 1 or not lines[0].endswith(want):
            raise Fail(name + ': not the one log line naming pop3d-tls', R.esc(env.stderr(), 2000))
        if os.path.exists(env.dir + '.ticket'):
            raise Fail(name + ': pop3d made a ticket key file')
    R.check_after(env, 'unchanged', before)


# ---------------------------------------------------------------- the signer's rules (pop3d-fault)

def raw_handshake(port):
    """STLS, then a ClientHello driven by hand (memory BIOs), so that every
    octet the server sends after it is seen raw, including what a hostile
    pre-login process writes in clear; returns them all, until the close."""
    s = raw_connect(port)
    try:
        expect_eq('greeting', GREETING, read_line(s))
        s.sendall(b'STLS\r\n')
        expect_eq('STLS', b'+OK Begin TLS negotiation.\r\n', read_line(s))
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = CA.context().wrap_bio(incoming, outgoing, server_hostname='127.0.0.1')
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        s.sendall(outgoing.read())
        s.settimeout(10 * Config.scale)
        try:
            return read_until_close(s)
        except socket.timeout:
            raise Fail('the connection was not ended')
    finally:
        s.close()


@test('tls:hostile-signer-requests', weight=4)
def _():
    """The signer signs what a TLS handshake signs, once, and nothing else.
    A pre-login process that asks it (pop3d-fault POP3D_HOSTILE=prelogin-sign-*)
    for a signature of 100 octets that are no handshake's, of a 20-octet
    digest (no TLS hash has that length), of a request cut after its kind,
    or for a second signature after the handshake's, is refused (it says
    so to the client in clear: "hostile: refused"); the handshake fails,
    nobody logs in, and the mailbox is untouched.  A request longer than
    any request ends the connection at the login monitor, with its log
    line."""
    for what in ('prelogin-sign-data', 'prelogin-sign-digest', 'prelogin-sign-short',
                 'prelogin-sign-twice', 'prelogin-sign-long'):
        srv = FaultServer('tls-hostile-' + what, tls_args(), what)
        try:
            before = srv.env.snapshot()
            out = raw_handshake(srv.port)
            if what == 'prelogin-sign-long':
                if b'hostile: ' in out:
                    raise Fail('%s: the pre-login process got an answer' % what, R.esc(out, 500))
                srv.wait_log(rb'TLS request out of order from the pre-login process: ending the connection',
                             '%s: the refusal' % what)
            else:
                if b'hostile: refused\r\n' not in out:
                    raise Fail('%s: not refused' % what, R.esc(out, 2000))
                srv.wait_log(rb'TLS \(stls\): handshake failed', '%s: the failed handshake' % what)
            if b'login: rip=' in srv.log():
                raise Fail('%s: a session started' % what, R.esc(srv.log(), 2000))
            expect_no_pop3d_left(srv.log, srv, what)
            R.check_after(srv.env, 'unchanged', before)
        finally:
            srv.stop()


@test('tls:hostile-prelogin-tls-order', weight=4)
def _():
    """Where TLS is required, the login monitor takes a login only after a
    handshake it saw, and starts the signer once: a pre-login process that
    sends a login in clear on STLS (pop3d-fault
    POP3D_HOSTILE=prelogin-login-before-tls) or asks for TLS a second time
    (prelogin-tls-start-twice) ends the connection with the log line; no
    session, the mailbox untouched, nothing of the connection left."""
    for what, log in (('prelogin-login-before-tls', rb'login before TLS from the pre-login process: ending '
                                                    rb'the connection'),
                      ('prelogin-tls-start-twice', rb'TLS request out of order from the pre-login process: '
                                                   rb'ending the connection')):
        srv = FaultServer('tls-hostile-' + what, tls_args(), what)
        try:
            before = srv.env.snapshot()
            s = raw_connect(srv.port)
            expect_eq('%s: greeting' % what, GREETING, read_line(s))
            s.sendall(b'STLS\r\n')
            s.settimeout(10 * Config.scale)
            try:
                rest = read_until_close(s)
            except socket.timeout:
                raise Fail('%s: the connection was not ended' % what, R.esc(srv.log(), 2000))
            s.close()
            expect_eq('%s: after STLS' % what, b'', rest)
            srv.wait_log(log, '%s: the refusal' % what)
            if b'login: rip=' in srv.log():
                raise Fail('%s: a session started' % what, R.esc(srv.log(), 2000))
            expect_no_pop3d_left(srv.log, srv, what)
            R.check_after(srv.env, 'unchanged', before)
        finally:
            srv.stop()


@test('tls:hostile-prelogin-forged-tls-text', weight=3)
def _():
    """The text for the login line comes from the pre-login process, so the
    login monitor keeps only printable characters and no '%': one that
    sends a line end and a forged login line in it (pop3d-fault
    POP3D_HOSTILE=prelogin-tls-info) gets them as '?' in its own line; the
    session itself works."""
    srv = FaultServer('tls-hostile-info', tls_args(extra=['--implicit-tls']), 'prelogin-tls-info')
    try:
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
        c.user('alice')
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        expect_eq('stat', (2, 52), c.stat())
        expect_eq('quit', b'+OK Bye.', c.quit())
        srv.wait_log(rb'login: rip=127\.0\.0\.1 user=alice .* tls=stls\?login: rip=192\.0\.2\.1 user=root \?n\n',
                     'the login line with the forged text made harmless')
        if re.search(rb'(^|\n)[^\n]*login: rip=192\.0\.2\.1 user=root %', srv.log()) or \
                re.search(rb'\nlogin: rip=192', srv.log()):
            raise Fail('the forged text reached the log as it was', R.esc(srv.log(), 3000))
        expect_no_pop3d_left(srv.log, srv, 'after QUIT')
    finally:
        srv.stop()


# ---------------------------------------------------------------- faults in the root processes (strace)

class StraceServer(Server):
    """pop3d under strace -f behind the listener, one system call failed
    as inject=SYSCALL:... says; strace counts each process's calls on its
    own, so when=2 is the login monitor's second call of that kind."""

    def __init__(self, name, args, syscall, inject):
        need_root()
        if not shutil.which('strace'):
            raise Skip('strace not installed')
        CA.get()
        self.env = Env(name)
        self.env.put_mailbox(fixture('F1.mbox'))
        self.lst = P.Listener(self.env, inner=['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=' + syscall,
                                               '-e', 'inject=%s:%s' % (syscall, inject)] +
                              self.env.argv(args, debug=True))
        self.port = self.lst.port


@test('tls:fault-signer-cannot-start', weight=4)
def _():
    """The login monitor cannot make the signer's socket pair or fork it:
    STLS gets [SYS/PERM] with the reason logged, and TLS stays required
    (no plaintext login); the session goes on to QUIT."""
    for syscall, inject, reason in (('socketpair', 'error=EMFILE:when=2', b'socketpair: Too many open files'),
                                    ('clone', 'error=EAGAIN:when=2', b'fork: Resource temporarily unavailable')):
        srv = StraceServer('tls-fault-signer-' + syscall, tls_args(), syscall, inject)
        try:
            c = poplib.POP3('127.0.0.1', srv.port, timeout=10 * Config.scale)
            try:
                c._shortcmd('STLS')
                raise Fail('%s: STLS accepted without a signer' % syscall)
            except poplib.error_proto as e:
                expect_eq('%s: STLS' % syscall, ERR_TLS_UNAVAILABLE, e.args[0])
            try:
                c.user('alice')
                raise Fail('%s: USER accepted after a failed STLS' % syscall)
            except poplib.error_proto as e:
                expect_eq('%s: USER' % syscall, ERR_TLS_REQUIRED, e.args[0])
            expect_eq('%s: QUIT' % syscall, b'+OK Bye.', c.quit())
            srv.wait_log(rb'rip=127\.0\.0\.1: TLS unavailable: ' + re.escape(reason), '%s: the reason' % syscall)
        finally:
            srv.stop()


@test('tls:fault-relay-cannot-start', weight=3)
def _():
    """After a good login over TLS the login monitor cannot make the
    relay's socket pair (strace: its third socketpair fails): the
    connection ends with no session, the failure is logged, the mailbox is
    untouched and nothing of the connection stays."""
    srv = StraceServer('tls-fault-relay', tls_args(extra=['--implicit-tls']), 'socketpair', 'error=EMFILE:when=3')
    try:
        before = srv.env.snapshot()
        s, rest = implicit_login(srv.port, 'relay socketpair')
        if rest is None:
            raise Fail('the connection was not ended', R.esc(srv.log(), 2000))
        expect_eq('after PASS', b'', rest)
        srv.wait_log(rb'socketpair: Too many open files', 'the failure')
        if b'login: rip=' in srv.log():
            raise Fail('a session started', R.esc(srv.log(), 2000))
        expect_no_pop3d_left(srv.log, srv, 'after the failure')
        R.check_after(srv.env, 'unchanged', before)
        check_no_lock(srv.env)
    finally:
        srv.stop()


@test('tls:signal-to-the-login-monitor', weight=3)
def _():
    """SIGTERM to the login monitor while it waits for a TLS session to
    end (an administrator's kill of the connection's processes): it passes
    the signal on to the relay, whose end ends the session without UPDATE;
    the mailbox is unchanged and nothing of the connection stays."""
    srv = Server('tls-signal-login-monitor', tls_args(extra=['--implicit-tls']))
    try:
        before = srv.env.snapshot()
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=10 * Config.scale, context=CA.context())
        c.user('alice')
        expect_eq('pass', LOGGED_IN, c.pass_('secret'))
        expect_eq('dele 1', b'+OK Message deleted.', c.dele(1))
        procs = [(p, u) for p, u in pop3d_processes(Config.pop3d_tls) if srv.env.dir.encode() in cmdline(p)]
        relay = [p for p, u in procs if u != 0 and os.getsid(p) == p]
        if len(relay) != 1:
            raise Fail('expected one relay among %r' % procs)
        with open('/proc/%d/stat' % relay[0]) as f:
            login_monitor = int(f.read().rsplit(')', 1)[1].split()[1])
        if (login_monitor, 0) not in procs:
            raise Fail('the relay\'s parent %d is not a root pop3d of the connection: %r' % (login_monitor, procs))
        os.kill(login_monitor, signal.SIGTERM)
        c.sock.settimeout(10 * Config.scale)
        try:
            rest = read_until_close(c.sock)
        except socket.timeout:
            raise Fail('the connection went on after SIGTERM', R.esc(srv.log(), 2000))
        expect_eq('after SIGTERM', b'', rest)
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=0 deleted=0 left=2 sent=\d+ end=eof\n',
                     'the logout line without update')
        expect_no_pop3d_left(srv.log, srv, 'after SIGTERM')
        R.check_after(srv.env, 'unchanged', before)
        check_no_lock(srv.env)
    finally:
        srv.stop()


@test('tls:priority-cannot-widen-the-policy', weight=4)
def _():
    """pop3d(8), --tls-priority: "Whatever it says, a handshake outside that
    policy is refused."  A string that allows CBC ciphers and TLS 1.1
    (NORMAL:+VERS-TLS1.1): a TLS 1.2 client that offers only a CBC suite
    finishes GnuTLS's handshake but pop3d refuses the session and logs
    why; an AEAD suite (ChaCha20-Poly1305) is served.  A string GnuTLS
    cannot parse: the connection ends with the reason logged."""
    srv = Server('tls-priority-wide', tls_args(extra=['--tls-priority=NORMAL:+VERS-TLS1.1']))
    try:
        r = s_client(srv.port, '-starttls', 'pop3', '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA',
                     data=b'CAPA\r\nQUIT\r\n')
        if b'+OK Bye.' in r.stdout or b'Capability list follows' in r.stdout:
            raise Fail('a CBC suite was served', R.esc(r.stdout, 3000))
        srv.wait_log(rb'rip=127\.0\.0\.1: TLS \(stls\): handshake outside the policy: TLS1\.2', 'the refusal')
        r = s_client(srv.port, '-starttls', 'pop3', '-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305',
                     data=b'CAPA\r\nQUIT\r\n')
        if b'+OK Bye.\r\n' not in r.stdout or not re.search(rb'Cipher is ECDHE-ECDSA-CHACHA20-POLY1305', r.stdout):
            raise Fail('ChaCha20-Poly1305 was not served', R.esc(r.stdout + r.stderr, 3000))
    finally:
        srv.stop()
    # A string GnuTLS cannot parse is found before STLS is answered: the
    # same -ERR [SYS/PERM] as a certificate that cannot be used, never a
    # "+OK Begin TLS negotiation." followed by a closed connection.
    srv = Server('tls-priority-bad', tls_args(extra=['--tls-priority=NO-SUCH-PRIORITY']))
    try:
        s = raw_connect(srv.port)
        expect_eq('greeting', GREETING, read_line(s))
        s.sendall(b'STLS\r\nQUIT\r\n')
        expect_eq('after STLS', b'-ERR [SYS/PERM] TLS unavailable, contact your administrator.\r\n'
                  b'+OK Bye.\r\n', read_until_close(s))
        s.close()
        srv.wait_log(rb'rip=127\.0\.0\.1: TLS unavailable: --tls-priority: .* at NO-SUCH-PRIORITY\n',
                     'the reason')
    finally:
        srv.stop()
    srv = Server('tls-priority-bad-implicit',
                 tls_args(extra=['--tls-priority=NO-SUCH-PRIORITY', '--implicit-tls']))
    try:
        s = raw_connect(srv.port)
        expect_eq('implicit TLS: bytes before the close', b'', read_until_close(s))
        s.close()
        srv.wait_log(rb'rip=127\.0\.0\.1: TLS \(implicit\): TLS setup: .* at NO-SUCH-PRIORITY: closing\n',
                     'the reason (implicit)')
    finally:
        srv.stop()


@test('tls:renegotiation-after-login-refused', weight=4)
def _():
    """A TLS 1.2 client that renegotiates after the login, while the relay
    carries the session (openssl s_client's "R"): the relay refuses it with
    a fatal alert and ends; the session ends without UPDATE (the message
    marked deleted stays), no command is served after it, and nothing of
    the connection stays."""
    srv = Server('tls-reneg-relay', tls_args(extra=['--implicit-tls']))
    try:
        before = srv.env.snapshot()
        p = subprocess.Popen(['openssl', 's_client', '-connect', '127.0.0.1:%d' % srv.port, '-CAfile',
                              CA.path('ca.pem'), '-tls1_2', '-crlf'],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        chunks = []
        reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()), daemon=True)
        reader.start()
        try:
            for line, pause in ((b'USER alice\nPASS secret\nDELE 1\n', 1.5), (b'R\n', 1.5), (b'CAPA\n', 1)):
                p.stdin.write(line)
                p.stdin.flush()
                time.sleep(pause * Config.scale)
            p.stdin.close()
        except BrokenPipeError:
            pass
        finally:
            try:
                p.wait(timeout=10 * Config.scale)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            reader.join(10 * Config.scale)
        out = b''.join(chunks)
        if LOGGED_IN not in out or b'+OK Message deleted.' not in out:
            raise Fail('no login before the renegotiation', R.esc(out, 3000))
        if b'RENEGOTIATING' not in out:
            raise Fail('s_client did not renegotiate', R.esc(out, 3000))
        if b'Capability list follows' in out:
            raise Fail('a command was served after a renegotiation', R.esc(out, 3000))
        if not re.search(rb'alert no renegotiation', out):
            raise Fail('no no_renegotiation alert', R.esc(out, 3000))
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=0 deleted=0 left=2 sent=\d+ end=eof\n',
                     'the logout line without update')
        expect_no_pop3d_left(srv.log, srv, 'after the renegotiation')
        R.check_after(srv.env, 'unchanged', before)
        check_no_lock(srv.env)
    finally:
        srv.stop()


@test('tls:signal-during-handshake', weight=3)
def _():
    """SIGTERM to the pre-login process while it waits for the client's
    ClientHello ends the connection at once, as before login in plaintext
    (pop3d(8), Signals), with the handshake's end logged; nothing stays."""
    srv = Server('tls-signal-handshake', tls_args(extra=['--implicit-tls', '-t', '30', '--login-timeout=30']))
    try:
        s = raw_connect(srv.port)
        prelogin = []
        for _ in range(100):
            procs = [(p, u) for p, u in pop3d_processes(Config.pop3d_tls) if srv.env.dir.encode() in cmdline(p)]
            prelogin = [p for p, u in procs if u != 0 and os.getsid(p) == p]
            if prelogin:
                break
            time.sleep(0.05)
        if len(prelogin) != 1:
            raise Fail('expected one pre-login process, found %r' % prelogin)
        time.sleep(0.3 * Config.scale)
        start = time.monotonic()
        os.kill(prelogin[0], signal.SIGTERM)
        s.settimeout(10 * Config.scale)
        try:
            expect_eq('output', b'', read_until_close(s))
        except socket.timeout:
            raise Fail('the connection went on after SIGTERM')
        if time.monotonic() - start > 5 * Config.scale:
            raise Fail('closed %.1f s after SIGTERM' % (time.monotonic() - start))
        s.close()
        srv.wait_log(rb'rip=127\.0\.0\.1: TLS \(implicit\): handshake ended by a signal: closing', 'the end')
        expect_no_pop3d_left(srv.log, srv, 'after SIGTERM')
    finally:
        srv.stop()


def connection_processes(srv):
    """(pid, uid, parent pid) of every pop3d process of srv's connection."""
    out = []
    for binary in [Config.pop3d_tls] + ([Config.fault] if Config.fault else []):
        for p, u in pop3d_processes(binary):
            if srv.env.dir.encode() in cmdline(p):
                try:
                    with open('/proc/%d/stat' % p) as f:
                        ppid = int(f.read().rsplit(')', 1)[1].split()[1])
                except OSError:
                    continue
                out.append((p, u, ppid))
    return out


def cpu_ticks(pid):
    """User and system CPU time of pid in clock ticks, or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def wait_processes(srv, pick, what):
    for _ in range(100):
        found = pick(connection_processes(srv))
        if found:
            return found
        time.sleep(0.05)
    raise Fail('not found: %s' % what, repr(connection_processes(srv)))


@test('tls:signer-dies', weight=3)
def _():
    """The signer dies (SIGKILL) after its verdict on the key and before the
    handshake asks it to sign: the login monitor refuses the signature, the
    handshake fails and is logged, nobody logs in, nothing stays."""
    srv = Server('tls-signer-dies', tls_args(extra=['--implicit-tls']))
    try:
        before = srv.env.snapshot()
        raw = raw_connect(srv.port)
        # The pre-login process (not root, its own session) asked for TLS
        # at once; the signer is the login monitor's root child.
        procs = wait_processes(srv, lambda ps: [p for p in ps if p[1] != 0 and os.getsid(p[0]) == p[0]],
                               'the pre-login process')
        login_monitor = procs[0][2]
        signer = wait_processes(srv, lambda ps: [p for p, u, pp in ps if u == 0 and pp == login_monitor],
                                'the signer')
        os.kill(signer[0], signal.SIGKILL)
        for _ in range(100):
            if not [p for p, u, pp in connection_processes(srv) if p == signer[0]]:
                break
            time.sleep(0.05)
        try:
            CA.context().wrap_socket(raw, server_hostname='127.0.0.1')
            raise Fail('a handshake succeeded without a signer')
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            pass
        srv.wait_log(rb'rip=127\.0\.0\.1: TLS \(implicit\): handshake failed: ', 'the failed handshake')
        if b'login: rip=' in srv.log():
            raise Fail('a session started', R.esc(srv.log(), 2000))
        expect_no_pop3d_left(srv.log, srv, 'after the failed handshake')
        R.check_after(srv.env, 'unchanged', before)
    finally:
        srv.stop()


@test('tls:monitor-killed-before-login', weight=4)
def _():
    """The original pop3d process, the monitor, is killed (SIGKILL) while the
    client has not logged in yet: a good login then starts no session (in
    plaintext and over TLS), the login monitor logs that the monitor is
    gone, the client's connection ends, the mailbox is untouched and no
    process of the connection stays."""
    for tls in (False, True):
        label = 'implicit TLS' if tls else 'plaintext'
        args = tls_args(extra=['--implicit-tls']) if tls else ['--tls-cert=' + CA.path('ec.pem'),
                                                                '--tls-key=' + CA.path('ec.key'),
                                                                '--allow-plaintext-auth']
        srv = Server('tls-monitor-killed', args)
        try:
            before = srv.env.snapshot()
            raw = raw_connect(srv.port)
            s = CA.context().wrap_socket(raw, server_hostname='127.0.0.1') if tls else raw
            expect_eq('%s: greeting' % label, GREETING, read_line(s))
            s.sendall(b'USER alice\r\n')
            expect_eq('%s: USER' % label, b'+OK Send your password.\r\n', read_line(s))
            procs = connection_processes(srv)
            pids = [p for p, u, pp in procs]
            monitor = [p for p, u, pp in procs if u == 0 and pp not in pids]
            if len(monitor) != 1:
                raise Fail('%s: expected one monitor among %r' % (label, procs))
            os.kill(monitor[0], signal.SIGKILL)
            time.sleep(0.2 * Config.scale)
            s.sendall(b'PASS secret\r\n')
            s.settimeout(10 * Config.scale)
            try:
                rest = read_until_close(s)
            except socket.timeout:
                raise Fail('%s: the connection went on' % label, R.esc(srv.log(), 2000))
            if b'+OK Logged in' in rest:
                raise Fail('%s: logged in without a monitor' % label, R.esc(rest))
            if tls:
                srv.wait_log(rb'rip=127\.0\.0\.1: the monitor is gone', '%s: the log line' % label)
            if b'login: rip=' in srv.log():
                raise Fail('%s: a session started' % label, R.esc(srv.log(), 2000))
            expect_no_pop3d_left(srv.log, srv, label)
            R.check_after(srv.env, 'unchanged', before)
            check_no_lock(srv.env)
        finally:
            srv.stop()


@test('tls:relay-delivers-after-the-session-ends', weight=4)
def _():
    """A client on a slow link (a small receive buffer and segment size)
    pipelines RETR 1 of a 200 KB message, DELE 1 and QUIT over TLS, sends
    a NOOP once the session has ended, and reads nothing for 3 s.  The
    session writes the whole message into the relay's socket, removes
    message 1 at QUIT and exits, while most of the message is still in the
    relay, which the link does not take yet.  The relay must still deliver every byte the session wrote (the whole
    message, the DELE and QUIT replies) before it ends, whatever the client
    sends meanwhile, and wait for the client without spinning: a message
    deleted at QUIT must have reached the client whole."""
    body = b''.join(b'%07d %s\n' % (i, b'z' * 60) for i in range(3000))
    mbox = (b'From a@b Mon Jan  1 00:00:00 2024\nSubject: big\n\n' + body +
            b'\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: small\n\nx\n')
    msg1 = (b'Subject: big\n\n' + body).replace(b'\n', b'\r\n')
    srv = Server('tls-relay-late', tls_args(extra=['--implicit-tls']), mailbox=mbox)
    try:
        t, f = slow_tls_client(srv.port, True)
        t.sendall(b'USER alice\r\nPASS secret\r\n')
        expect_eq('USER', b'+OK Send your password.\r\n', f.readline())
        expect_eq('PASS', b'+OK Logged in, 2 messages (%d octets).\r\n' % (len(msg1) + 21), f.readline())
        t.sendall(b'RETR 1\r\nDELE 1\r\nQUIT\r\n')
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=1 deleted=1 left=1 .*end=quit',
                     'the session\'s end at QUIT')
        # A command after QUIT has nowhere to go: it must not cost the
        # replies before it.
        t.sendall(b'NOOP\r\n')
        # The relay (the one non-root process left once the session has
        # exited) waits for the client in poll(), not in a loop woken by
        # the session's hang-up.
        relay = wait_processes(srv, lambda ps: (lambda r: r if len(r) == 1 else None)(
            [p for p, u, _ in ps if u != 0]), 'the relay alone')
        before = [cpu_ticks(p) for p in relay]
        time.sleep(3)
        after = [cpu_ticks(p) for p in relay]
        if len(relay) != 1 or None in before or None in after or after[0] - before[0] > 50:
            raise Fail('the relay is not waiting quietly: processes %r, CPU ticks %r then %r'
                       % (relay, before, after))
        want = (b'+OK %d octets\r\n' % len(msg1) + msg1 + b'.\r\n' +
                b'+OK Message deleted.\r\n+OK Bye.\r\n')
        got = f.read()
        expect_eq('what the client read (%d of %d octets)' % (len(got), len(want)), want, got)
        f.close()
        t.close()
        with open(srv.env.mbox, 'rb') as mf:
            expect_eq('mailbox after DELE 1', mbox[mbox.index(b'From a@b', 10):], mf.read())
    finally:
        srv.stop()


@test('tls:relay-waits-for-a-locked-mailbox', weight=3)
def _():
    """A login over TLS with -t 3 while another program holds the mailbox's
    dotlock: the session waits the whole lock wait (LOCKING: about 10 s
    without a sign of progress), longer than -t, writing nothing, and then
    answers -ERR [IN-USE] as it does without TLS.  The relay must not take
    the session's silence for a client that stopped reading and drop the
    connection in the middle of the wait."""
    srv = Server('tls-relay-lockwait', tls_args(extra=['--implicit-tls', '-t', '3']))
    try:
        before = srv.env.snapshot()
        with open(srv.env.lock, 'wb') as f:
            f.write(b'%d\n' % os.getpid())
        R.chown(srv.env.lock)
        c = poplib.POP3_SSL('127.0.0.1', srv.port, timeout=40 * Config.scale, context=CA.context())
        expect_eq('user', b'+OK Send your password.', c.user('alice'))
        t0 = time.monotonic()
        try:
            got = c.pass_('secret')
        except poplib.error_proto as e:
            got = e.args[0]
        elapsed = time.monotonic() - t0
        expect_eq('PASS while the dotlock is held (after %.1f s)' % elapsed, R.ERR_INUSE, got)
        if elapsed < 9:
            raise Fail('[IN-USE] after %.1f s: the lock wait is about 10 s' % elapsed)
        c.close()
        expect_no_pop3d_left(srv.log, srv, 'after [IN-USE]')
        os.unlink(srv.env.lock)
        R.check_after(srv.env, 'unchanged', before)
    finally:
        srv.stop()


@test('tls:signal-while-the-relay-drains', weight=3)
def _():
    """SIGTERM to the connection's first process (the monitor) after the
    session has ended, while the relay still passes its last replies to a
    client that is not reading: the monitor passes it on to the login
    monitor, and from there to the relay, and nothing of the connection
    stays.  (The monitor has reaped the session by then: a signal passed
    to the session's pid would reach nothing, or whatever process has
    been given that pid since.)"""
    body = b''.join(b'%07d %s\n' % (i, b'z' * 60) for i in range(3000))
    mbox = b'From a@b Mon Jan  1 00:00:00 2024\nSubject: big\n\n' + body
    srv = Server('tls-signal-drain', tls_args(extra=['--implicit-tls']), mailbox=mbox)
    try:
        t, f = slow_tls_client(srv.port, True)
        t.sendall(b'USER alice\r\nPASS secret\r\nRETR 1\r\nQUIT\r\n')
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=1 deleted=0 left=1 .*end=quit',
                     'the session\'s end at QUIT')
        # Once the session has exited: the monitor, the login monitor, the relay.
        procs = wait_processes(srv, lambda ps: ps if len(ps) == 3 else None, 'three processes')
        pids = set(p for p, _, _ in procs)
        monitor = [p for p, u, pp in procs if u == 0 and pp not in pids]
        relay = [p for p, u, _ in procs if u != 0]
        if len(monitor) != 1 or len(relay) != 1:
            raise Fail('expected the monitor, the login monitor and the relay: %r' % procs)
        os.kill(monitor[0], signal.SIGTERM)
        expect_no_pop3d_left(srv.log, srv, 'after SIGTERM to the monitor')
        f.close()
        t.close()
    finally:
        srv.stop()


@test('tls:relay-client-half-closes', weight=3)
def _():
    """A client that pipelines USER, PASS, RETR 1, DELE 1 and QUIT over TLS
    and then shuts down its side of the TCP connection (a FIN without a
    close_notify, as a script does when its input ends) and reads: as
    without TLS, it gets every reply, and only then is message 1 removed.
    GnuTLS takes an end without close_notify for a fatal error and will
    not send after it; the relay must still pass the session's replies on,
    never let QUIT remove a message the client was not sent."""
    body = b''.join(b'%07d %s\n' % (i, b'z' * 60) for i in range(3000))
    mbox = (b'From a@b Mon Jan  1 00:00:00 2024\nSubject: big\n\n' + body +
            b'\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: small\n\nx\n')
    msg1 = (b'Subject: big\n\n' + body).replace(b'\n', b'\r\n')
    srv = Server('tls-relay-half-close', tls_args(extra=['--implicit-tls']), mailbox=mbox)
    try:
        t = CA.context().wrap_socket(raw_connect(srv.port), server_hostname='localhost')
        t.sendall(b'USER alice\r\nPASS secret\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n')
        # The TCP socket's own shutdown, under the TLS object: no close_notify.
        with socket.socket(fileno=os.dup(t.fileno())) as raw:
            raw.shutdown(socket.SHUT_WR)
        got = read_until_close(t)
        want = (GREETING + b'+OK Send your password.\r\n+OK Logged in, 2 messages (%d octets).\r\n' % (len(msg1) + 21) +
                b'+OK %d octets\r\n' % len(msg1) + msg1 + b'.\r\n+OK Message deleted.\r\n+OK Bye.\r\n')
        expect_eq('replies after the client\'s FIN (%d of %d octets)' % (len(got), len(want)), want, got)
        t.close()
        srv.wait_log(rb'logout: rip=127\.0\.0\.1 user=alice retrieved=1 deleted=1 left=1 sent=\d+ end=quit\n',
                     'the logout line')
        with open(srv.env.mbox, 'rb') as mf:
            expect_eq('mailbox after DELE 1', mbox[mbox.index(b'From a@b', 10):], mf.read())
        expect_no_pop3d_left(srv.log, srv, 'after the end')
    finally:
        srv.stop()
