"""Helpers for the mailbox-safety suite (tests/safety/run).

Python 3 standard library only.  Everything lives under one mkdtemp
directory; every subprocess and every wait is bounded.
"""

import os
import random
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

GREETING = b'+OK POP3 server ready.\r\n'
ERR_PERM = b'-ERR [SYS/PERM] Mailbox unavailable, contact your administrator.\r\n'
ERR_TEMP_LOGIN = b'-ERR [SYS/TEMP] Mailbox temporarily unavailable, try again later.\r\n'
ERR_INUSE = b'-ERR [IN-USE] Mailbox is locked, try again later.\r\n'
ERR_QUIT = b'-ERR [SYS/TEMP] Deleted messages not removed, try again later.\r\n'
ERR_CHANGED = b'-ERR [SYS/TEMP] Mailbox changed, message unavailable.\r\n'
ERR_GONE = b'-ERR Message was removed from the mailbox since login.\r\n'
BYE = b'+OK Bye.\r\n'
DELETED = b'+OK Message deleted.\r\n'

IS_ROOT = os.geteuid() == 0
UID = 65534 if IS_ROOT else os.getuid()
GID = 65534 if IS_ROOT else os.getgid()


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def short(b, n=120):
    r = repr(b)
    return r if len(r) <= n else r[:n] + '...'


def expect(got, want, what):
    if got != want:
        raise Fail('%s: expected %s, got %s' % (what, short(want), short(got)))


# ---- messages and mbox bytes ------------------------------------------------

WEEK = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']


def from_line(tag, n=0):
    return ('From %s@example.org Thu Jan  1 %02d:%02d:%02d 2024'
            % (tag, (n // 3600) % 24, (n // 60) % 60, n % 60)).encode()


class Msg:
    """One stored message: its From_ line and content (ending in LF)."""

    def __init__(self, mid, content, fline=None):
        self.id = mid
        self.fline = fline if fline is not None else from_line('a' + str(mid), 0)
        self.content = content

    @property
    def region(self):
        return self.fline + b'\n' + self.content + b'\n'

    @property
    def delivered(self):
        """What a delivery agent is given (it appends the empty line)."""
        return self.fline + b'\n' + self.content

    @property
    def wire(self):
        return to_wire(self.content)


def to_wire(content):
    out = []
    parts = content.split(b'\n')
    for line in parts[:-1]:
        out.append(line + b'\n' if line.endswith(b'\r') else line + b'\r\n')
    if parts[-1]:
        out.append(parts[-1] + b'\r\n')
    return b''.join(out)


def gen_msg(mid, rnd, lines=(1, 40), width=(0, 200), tag='m'):
    """A message with a unique marker; no body line starts with "From "."""
    n = rnd.randint(*lines)
    body = b''.join(b'line %d %d %s\n' % (mid, j, b'x' * rnd.randint(*width))
                    for j in range(n))
    content = (b'Subject: %s%d\nMessage-ID: <%s%d@safety.test>\n'
               b'X-Marker: %s-%d\n\n' % (tag.encode(), mid, tag.encode(), mid,
                                          tag.encode(), mid)) + body
    return Msg('%s-%d' % (tag, mid), content, from_line(tag + str(mid), mid))


def mbox_bytes(msgs):
    return b''.join(m.region for m in msgs)


MARKER_RE = re.compile(rb'X-Marker: ([A-Za-z0-9_-]+)')


def marker_of(data):
    m = MARKER_RE.search(data[:4096])
    return m.group(1).decode() if m else None


def split_regions(data):
    """Splits mbox bytes at From_ lines after an empty line (our files only)."""
    if not data:
        return []
    idx = [0]
    pos = 0
    while True:
        k = data.find(b'\n\nFrom ', pos)
        if k == -1:
            break
        idx.append(k + 2)
        pos = k + 2
    idx.append(len(data))
    return [data[idx[i]:idx[i + 1]] for i in range(len(idx) - 1)]


def match_file(data, seq, optional, extra_ok=()):
    """The file must be exactly the regions of seq in order, each message
    whose id is in optional present or not.  Returns None or a problem."""
    pos = 0
    mv = memoryview(data)
    for m in seq:
        r = m.region
        if mv[pos:pos + len(r)] == r:
            pos += len(r)
        elif m.id in optional:
            continue
        else:
            return 'message %s missing or damaged at offset %d' % (m.id, pos)
    if pos != len(data):
        return 'unexpected %d bytes at offset %d: %s' % (
            len(data) - pos, pos, short(bytes(mv[pos:pos + 80])))
    return None


# ---- the test environment ---------------------------------------------------

_HASH = None


def password_hash():
    global _HASH
    if _HASH is None:
        _HASH = subprocess.run(['openssl', 'passwd', '-6', '-salt', 'safetysalt',
                                'secret'], capture_output=True, text=True,
                               timeout=30, check=True).stdout.strip()
    return _HASH


class Env:
    """A directory holding users file and mailbox DIR/alice for one test."""

    def __init__(self, base, name, pop3d, fault=None):
        self.dir = os.path.join(base, name)
        os.mkdir(self.dir)
        self.pop3d = pop3d
        self.fault = fault
        self.users = os.path.join(self.dir, 'users')
        self.mbox_dir = os.path.join(self.dir, 'mail')
        os.mkdir(self.mbox_dir)
        os.chmod(self.mbox_dir, 0o755)
        if IS_ROOT:
            os.chown(self.mbox_dir, UID, GID)
        with open(self.users, 'w') as f:
            f.write('alice:%s:%d:%d::%s:/bin/sh\n' % (password_hash(), UID, GID,
                                                       self.dir))
        self.path = os.path.join(self.mbox_dir, 'alice')
        self.lock = self.path + '.lock'
        self.journal = os.path.join(self.mbox_dir, '.alice.pop3d-journal')

    def set_mailbox_dir(self, d):
        self.mbox_dir = d
        self.path = os.path.join(d, 'alice')
        self.lock = self.path + '.lock'
        self.journal = os.path.join(d, '.alice.pop3d-journal')

    def reset(self, data):
        """A fresh mailbox (same inode) with no journal or dotlock left."""
        for p in (self.journal, self.lock):
            if os.path.lexists(p):
                os.unlink(p)
        self.write(data)

    def write(self, data, mode=0o600, path=None):
        path = path or self.path
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, mode)
        if IS_ROOT:
            os.chown(path, UID, GID)

    def copy_from(self, src):
        for p in (self.journal, self.lock):
            if os.path.lexists(p):
                os.unlink(p)
        shutil.copyfile(src, self.path)
        os.chmod(self.path, 0o600)
        if IS_ROOT:
            os.chown(self.path, UID, GID)

    def read(self):
        with open(self.path, 'rb') as f:
            return f.read()

    def session(self, binary=None, fault_after=None, args=()):
        return Session(self, binary or self.pop3d, fault_after, args)

    def run_script(self, lines, binary=None, fault_after=None, timeout=120):
        """Non-interactive session: all lines at once; returns stdout."""
        env = dict(os.environ)
        env.pop('POP3D_FAULT_AFTER', None)
        if fault_after is not None:
            env['POP3D_FAULT_AFTER'] = str(fault_after)
        data = b''.join(l + b'\r\n' for l in lines)
        p = subprocess.run([binary or self.pop3d, '-f', self.users, '-m',
                            os.path.join(self.mbox_dir, '%u')], input=data,
                           capture_output=True, env=env, timeout=timeout)
        return p.stdout, p.returncode

    def as_user(self):
        """Keyword arguments for subprocess to run a program as the user."""
        if IS_ROOT:
            return dict(user=UID, group=GID, extra_groups=[])
        return {}

    def journal_left(self):
        return os.path.lexists(self.journal)

    def lock_left(self):
        return os.path.lexists(self.lock)


class Session:
    """An interactive pop3d process on pipes, read with deadlines."""

    def __init__(self, env, binary, fault_after=None, args=()):
        e = dict(os.environ)
        e.pop('POP3D_FAULT_AFTER', None)
        if fault_after is not None:
            e['POP3D_FAULT_AFTER'] = str(fault_after)
        self.p = subprocess.Popen([binary, '-f', env.users, '-m',
                                   os.path.join(env.mbox_dir, '%u')] + list(args),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=e)
        self.fd = self.p.stdout.fileno()
        self.buf = b''
        self.eof = False

    def send(self, line):
        try:
            self.p.stdin.write(line + b'\r\n')
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail('timeout waiting for pop3d (have %s)' % short(self.buf))
        r, _, _ = select.select([self.fd], [], [], left)
        if not r:
            raise Fail('timeout waiting for pop3d (have %s)' % short(self.buf))
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.eof = True
        self.buf += chunk

    def readline(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            k = self.buf.find(b'\n')
            if k != -1:
                line, self.buf = self.buf[:k + 1], self.buf[k + 1:]
                return line
            if self.eof:
                line, self.buf = self.buf, b''
                return line
            self._fill(deadline)

    def read_multi(self, timeout=120):
        """Reads a multi-line body up to ".", returns it un-dot-stuffed."""
        deadline = time.monotonic() + timeout
        start = 0
        while True:
            if self.buf.startswith(b'.\r\n'):
                self.buf = self.buf[3:]
                return b''
            k = self.buf.find(b'\r\n.\r\n', start)
            if k != -1:
                body, self.buf = self.buf[:k + 2], self.buf[k + 5:]
                return undot(body)
            if self.eof:
                raise Fail('EOF inside a multi-line reply')
            start = max(0, len(self.buf) - 4)
            self._fill(deadline)

    def cmd(self, line, multi=False, timeout=60):
        self.send(line)
        st = self.readline(timeout)
        if multi and st.startswith(b'+OK'):
            return st, self.read_multi(max(timeout, 120))
        return st, None

    def login(self, timeout=60):
        g = self.readline(timeout)
        expect(g, GREETING, 'greeting')
        st, _ = self.cmd(b'USER alice', timeout=timeout)
        expect(st, b'+OK Send your password.\r\n', 'USER')
        st, _ = self.cmd(b'PASS secret', timeout=timeout)
        return st

    def login_ok(self, timeout=60):
        st = self.login(timeout)
        check(st.startswith(b'+OK Logged in, '), 'PASS: got %s' % short(st))
        return int(st.split()[3])

    def quit(self, timeout=120):
        st, _ = self.cmd(b'QUIT', timeout=timeout)
        return st

    def closed(self, timeout=10):
        """True if the server closed the connection (EOF) in time."""
        try:
            rest = self.readline(timeout)
        except Fail:
            return False
        return rest == b'' and self.eof

    def wait(self, timeout=30):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail('pop3d did not exit')

    def kill(self):
        if self.p.poll() is None:
            try:
                self.p.kill()
            except OSError:
                pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except OSError:
                pass

    close = kill


def undot(body):
    if b'\r\n.' not in body and not body.startswith(b'.'):
        return body
    lines = body.split(b'\r\n')
    return b'\r\n'.join(l[1:] if l.startswith(b'.') else l for l in lines)


# ---- checking what the next session presents ------------------------------

def fetch_all(env, timeout=300):
    """Plain session: login, RETR every message, QUIT.  Returns payloads."""
    s = env.session()
    try:
        n = s.login_ok(timeout=timeout)
        out = []
        for i in range(1, n + 1):
            st, body = s.cmd(b'RETR %d' % i, multi=True, timeout=timeout)
            check(st.startswith(b'+OK'), 'RETR %d: %s' % (i, short(st)))
            size = int(st.split()[1])
            check(size == len(body), 'RETR %d announced %d octets, sent %d'
                  % (i, size, len(body)))
            out.append(body)
        expect(s.quit(), BYE, 'QUIT of the checking session')
        s.wait()
        return out
    finally:
        s.kill()


def check_presented(payloads, seq, optional):
    """Every message of seq not in optional exactly once, optional ones at
    most once, nothing else, in file order, byte-identical."""
    by_wire = {}
    for m in seq:
        by_wire.setdefault(m.wire, m)
    got = []
    for k, p in enumerate(payloads, 1):
        m = by_wire.get(p)
        if m is None:
            mk = marker_of(p)
            raise Fail('message %d (marker %s, %d octets) is not any message '
                       'stored: torn, merged or mangled' % (k, mk, len(p)))
        got.append(m.id)
    counts = {}
    for g in got:
        counts[g] = counts.get(g, 0) + 1
    for m in seq:
        c = counts.get(m.id, 0)
        if m.id in optional:
            check(c <= 1, 'deleted message %s presented %d times' % (m.id, c))
        else:
            check(c == 1, 'message %s presented %d times' % (m.id, c))
    order = [m.id for m in seq]
    check(got == [i for i in order if i in counts],
          'messages presented out of order')


def spawn_sleeper():
    return subprocess.Popen(['sleep', '600'])


def dead_pid():
    p = subprocess.Popen(['true'])
    p.wait()
    return p.pid


def rss_limit_cmd():
    return os.path.exists('/usr/bin/time')


# ---- a well-behaved delivery from the test process ------------------------

def locked_append(path, data, timeout=30):
    """Postfix-style append: open, dotlock, fcntl (both non-blocking, with
    back-off), append, sync, unlock.  data must end in LF; an empty line
    is added as mbox separator."""
    import fcntl
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    lock = path + '.lock'
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                lfd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(lfd, b'%d\n' % os.getpid())
                os.close(lfd)
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    os.unlink(lock)
            except FileExistsError:
                break_stale(lock)
            if time.monotonic() > deadline:
                raise Fail('could not lock %s for delivery' % path)
            time.sleep(random.uniform(0.02, 0.1))
        try:
            os.write(fd, data + b'\n')
            os.fsync(fd)
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
            os.unlink(lock)
    finally:
        os.close(fd)


def break_stale(lock):
    """liblockfile's rule: a dotlock holding a dead pid is stale; one
    without a pid when untouched for 300 s."""
    try:
        with open(lock, 'rb') as f:
            txt = f.read(32)
        st = os.stat(lock)
    except OSError:
        return
    try:
        pid = int(txt.split()[0]) if txt.split() else 0
    except ValueError:
        pid = 0
    stale = False
    if pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stale = True
        except PermissionError:
            pass
    elif time.time() - st.st_mtime >= 300:
        stale = True
    if stale:
        try:
            os.unlink(lock)
        except OSError:
            pass
