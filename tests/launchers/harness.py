"""Shared helpers for tests/launchers and tests/clients.

Everything a test starts is registered with a Cleanup object and undone in
reverse order, also when the test fails, raises or gets SIGTERM/SIGINT
(the run scripts put a time limit on each test with timeout(1)).
"""

import os
import pwd
import grp
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(TOP, "dist", "sample.mbox")


# ----------------------------------------------------------------- results

class Results:
    """Counts checks; prints one line per check, like tests/run."""

    def __init__(self, name):
        self.name = name
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def ok(self, label, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok   %s" % label, flush=True)
        else:
            self.failed += 1
            self.failures.append(label)
            print("FAIL %s" % label, flush=True)
            if detail:
                for line in str(detail).rstrip("\n").split("\n")[:40]:
                    print("     | " + line, flush=True)
        return cond

    def eq(self, label, got, want):
        if got == want:
            return self.ok(label, True)
        if isinstance(got, list) and isinstance(want, list) and \
                len(got) == len(want):
            for i, (g, w) in enumerate(zip(got, want)):
                if g != w:
                    return self.ok(label, False, "item %d differs:\n%s" % (
                        i, _diff(w, g)))
        if isinstance(got, bytes) and isinstance(want, bytes):
            return self.ok(label, False, _diff(want, got))
        return self.ok(label, False, "want: %r\ngot:  %r" % (
            _short(want), _short(got)))

    def skip(self, label, why):
        self.skipped += 1
        print("skip %s: %s" % (label, why), flush=True)

    def summary(self):
        line = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        print(line, flush=True)
        return 1 if self.failed else 0


def _diff(want, got):
    if not (isinstance(want, bytes) and isinstance(got, bytes)):
        return "want: %r\ngot:  %r" % (_short(want), _short(got))
    import difflib
    d = difflib.unified_diff(
        [repr(l)[2:-1] for l in want.splitlines(True)],
        [repr(l)[2:-1] for l in got.splitlines(True)], "want", "got", n=1,
        lineterm="")
    return "\n".join(list(d)[:40])


def _short(v, n=600):
    r = v if isinstance(v, (bytes, str)) else repr(v)
    if len(r) > n:
        return r[:n // 2] + (b"..." if isinstance(r, bytes) else "...") + \
            r[-n // 2:]
    return r


# ----------------------------------------------------------------- cleanup

class Cleanup:
    def __init__(self):
        self.actions = []
        signal.signal(signal.SIGTERM, self._signal)
        signal.signal(signal.SIGINT, self._signal)
        signal.signal(signal.SIGHUP, self._signal)

    def _signal(self, signum, frame):
        raise SystemExit("killed by signal %d" % signum)

    def add(self, fn, *args):
        self.actions.append((fn, args))

    def run(self):
        # Ignore further signals while undoing.
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        while self.actions:
            fn, args = self.actions.pop()
            try:
                fn(*args)
            except Exception as e:  # keep undoing the rest
                print("cleanup: %s%r: %s" % (fn.__name__, args, e),
                      file=sys.stderr)


def tempdir(cl, prefix):
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(d, 0o755)  # the session user must be able to reach below it
    cl.add(subprocess.call, ["rm", "-rf", "--one-file-system", d])
    return d


# ----------------------------------------------------------------- pop3d

def build_pop3d(cl, tmp, tls=False):
    """Build pop3d, or with tls pop3d-tls (the build with TLS), retrying
    while the lead edits, and copy it to tmp, so a rebuild during the run
    does not change the binary under test.  POP3D / POP3D_TLS: a given
    build instead."""
    name = "pop3d-tls" if tls else "pop3d"
    src = os.environ.get("POP3D_TLS" if tls else "POP3D")
    if not src:
        out = ""
        for attempt in range(6):
            p = subprocess.run(["make", "-C", TOP, name],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            out = p.stdout
            if p.returncode == 0:
                break
            time.sleep(10)
        else:
            raise RuntimeError("make %s failed:\n%s" % (name, out[-2000:]))
        src = os.path.join(TOP, name)
    dst = os.path.join(tmp, name)
    with open(src, "rb") as f, open(dst, "wb") as g:
        g.write(f.read())
    os.chmod(dst, 0o755)
    return dst


def make_ca(tmp):
    """A CA and a certificate for 127.0.0.1 and localhost, made with
    openssl; returns (ca.pem, cert.pem, key.pem)."""
    d = os.path.join(tmp, "tls")
    os.mkdir(d, 0o700)
    run = lambda *a: subprocess.run(["openssl"] + list(a), cwd=d,  # noqa: E731
                                    check=True, capture_output=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out",
        "ca.pem", "-days", "2", "-subj", "/CN=pop3d clients test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem",
        "-out", "req.pem", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey",
        "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext",
        "-out", "cert.pem")
    os.chmod(d, 0o755)
    os.chmod(os.path.join(d, "ca.pem"), 0o644)
    return tuple(os.path.join(d, n) for n in ("ca.pem", "cert.pem",
                                              "key.pem"))


def pop3d_help(binary):
    p = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=10)
    return p.stdout


def chroot_args(cl, binary, tmp):
    """--chroot=EMPTYDIR when the binary knows the option (privilege
    separation has landed), else nothing."""
    if "--chroot" not in pop3d_help(binary):
        return []
    d = os.path.join(tmp, "empty")
    os.mkdir(d)
    os.chown(d, 0, 0)
    os.chmod(d, 0o755)
    return ["--chroot=" + d]


def sha512_hash(password):
    p = subprocess.run(["openssl", "passwd", "-6", "-salt", "pop3dtest",
                        password], stdout=subprocess.PIPE, text=True,
                       check=True)
    return p.stdout.strip()


# ----------------------------------------------------------------- mboxes

def sample_messages():
    """dist/sample.mbox split into (from_line, body) pairs (LF bytes)."""
    data = open(SAMPLE, "rb").read()
    parts = re.split(rb"(?<=\n)\n(?=From )", data)
    msgs = []
    for i, p in enumerate(parts):
        first, _, body = p.partition(b"\n")
        if i == len(parts) - 1:
            assert body.endswith(b"\n\n")
            body = body[:-1]
        msgs.append((first + b"\n", body))
    return msgs


EXTRA = [
    (b"From dave@example.org Sun Nov 17 11:00:00 2024\n",
     b"From: Dave <dave@example.org>\n"
     b"To: someone@example.net\n"
     b"Subject: dots, long lines and 8-bit\n"
     b"Message-ID: <extra-4@example.org>\n"
     b"Date: Sun, 17 Nov 2024 11:00:00 +0000\n"
     b"MIME-Version: 1.0\n"
     b"Content-Type: text/plain; charset=utf-8\n"
     b"Content-Transfer-Encoding: 8bit\n"
     b"\n"
     b".\n"
     b"..\n"
     b".leading dot\n"
     b"caf\xc3\xa9 \xe2\x82\xac\n"
     b">From an escaped line\n"
     + b"x" * 998 + b"\n"
     b"last line\n"),
    (b"From erin@example.org Mon Nov 18 12:00:00 2024\n",
     b"From: Erin <erin@example.org>\n"
     b"To: someone@example.net\n"
     b"Subject: new mail, delivered between two runs\n"
     b"Message-ID: <extra-5@example.org>\n"
     b"Date: Mon, 18 Nov 2024 12:00:00 +0000\n"
     b"\n"
     b"This arrived after the first run.\n"),
    (b"From frank@example.org Tue Nov 19 13:00:00 2024\n",
     b"From: Frank <frank@example.org>\n"
     b"To: someone@example.net\n"
     b"Subject: the third delivery\n"
     b"Message-ID: <extra-6@example.org>\n"
     b"Date: Tue, 19 Nov 2024 13:00:00 +0000\n"
     b"\n"
     b"Another one.\n"),
]


def all_messages():
    """Six messages: the three of dist/sample.mbox and three more."""
    return sample_messages() + EXTRA


def mbox_bytes(msgs):
    return b"".join(f + b + b"\n" for f, b in msgs)


def wire(body):
    """The message as RETR sends it, without dot-stuffing."""
    return body.replace(b"\n", b"\r\n")


def write_mailbox(path, msgs, uid, gid, mode):
    with open(path, "wb") as f:
        f.write(mbox_bytes(msgs))
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def append_mailbox(path, msgs):
    """Deliver as an MTA would: append at the end, same inode."""
    with open(path, "ab") as f:
        f.write(mbox_bytes(msgs))


# ----------------------------------------------------------------- accounts

class Account:
    """A temporary system account with a known password (useradd/chpasswd),
    removed with userdel at cleanup."""

    def __init__(self, cl, tmp, prefix="p3t"):
        self.name = "%s%d" % (prefix, os.getpid() % 100000)
        self.password = "Pw-%d secret" % os.getpid()  # with a space
        self.home = os.path.join(tmp, "home")
        # In case an earlier killed run left it behind.
        subprocess.call(["userdel", "-r", self.name],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["useradd", "-m", "-d", self.home, "-K", "UMASK=022",
                        "-s", "/usr/sbin/nologin", "-c", "pop3d test",
                        self.name], check=True)
        cl.add(self.remove)
        subprocess.run(["chpasswd"], input="%s:%s\n" % (self.name,
                       self.password), text=True, check=True)
        pw = pwd.getpwnam(self.name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def remove(self):
        subprocess.call(["pkill", "-KILL", "-u", self.name])
        subprocess.call(["userdel", "-f", self.name])


def mail_gid():
    return grp.getgrnam("mail").gr_gid


# ----------------------------------------------------------------- network

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10.0, host="127.0.0.1"):
    """Wait until something listens on host:port (a connect succeeds).
    The probe connection is closed at once; the server sees an EOF."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def wait_listen(port, timeout=10.0):
    """Wait for a LISTEN socket on 127.0.0.1:port without connecting."""
    hexport = ":%04X" % port
    end = time.time() + timeout
    while time.time() < end:
        for f in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                for line in open(f).read().splitlines()[1:]:
                    cols = line.split()
                    if cols[1].endswith(hexport) and cols[3] == "0A":
                        return True
            except OSError:
                pass
        time.sleep(0.1)
    return False


def pop3_dialog(port, lines, timeout=20):
    """Send lines (each gets CRLF) after the greeting; return all bytes
    the server sent until it closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    s.sendall(b"".join(l + b"\r\n" for l in lines))
    try:
        while True:
            try:
                d = s.recv(65536)
            except ConnectionResetError:
                break
            if not d:
                break
            out += d
    finally:
        s.close()
    return out


# ----------------------------------------------------------------- processes

class Proc:
    """A background process in its own process group, killed at cleanup."""

    def __init__(self, cl, argv, stdout=None, stderr=None, env=None):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                  stdout=stdout, stderr=stderr, env=env,
                                  start_new_session=True)
        cl.add(self.stop)

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait(5)

    def alive(self):
        return self.p.poll() is None


# ----------------------------------------------------------------- syslog

class SyslogSink:
    """A private /dev/log: a datagram socket collecting syslog(3) lines.
    ns_wrap() returns a command prefix that runs a program in a private
    mount namespace whose /dev/log is this socket (a tmpfs /dev of symlinks
    to the real entries plus "log"), so the host's /dev is untouched."""

    def __init__(self, cl, tmp):
        self.dir = os.path.join(tmp, "syslog")
        os.mkdir(self.dir)
        os.chmod(self.dir, 0o755)
        self.path = os.path.join(self.dir, "log")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        self.lines = []
        self.lock = threading.Lock()
        self.stopping = False
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()
        cl.add(self.stop)

    def _loop(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            with self.lock:
                self.lines.append(d.decode("utf-8", "replace").rstrip("\n"))

    def stop(self):
        self.stopping = True
        self.t.join(2)
        self.sock.close()

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for(self, regex, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(regex, self.text(), re.M)
            if m:
                return m
            time.sleep(0.1)
        return None

    def ns_wrap(self, extra_binds=()):
        """Command prefix; extra_binds: (source, target) file bind mounts
        made inside the namespace too (e.g. a private hosts.allow)."""
        ns = os.path.join(self.dir, "ns")
        old, new = ns + "/olddev", ns + "/newdev"
        binds = "".join("mount --bind '%s' '%s' && " % b for b in extra_binds)
        script = (
            "set -e; mkdir -p '{old}' '{new}'; "
            "mount --rbind /dev '{old}'; "
            "mount -t tmpfs -o mode=755 pop3dtestdev '{new}'; "
            "for e in /dev/* /dev/.[!.]*; do "
            "  [ -e \"$e\" ] || [ -L \"$e\" ] || continue; "
            "  n=${{e#/dev/}}; [ \"$n\" = log ] && continue; "
            "  ln -s '{old}'/\"$n\" '{new}'/\"$n\"; done; "
            "ln -s '{sock}' '{new}/log'; "
            "mount --bind '{new}' /dev; {binds}"
            "exec \"$@\"").format(old=old, new=new, sock=self.path,
                                  binds=binds)
        return ["unshare", "--mount", "--propagation", "private",
                "sh", "-c", script, "sh"]


def have(cmd):
    from shutil import which
    return which(cmd) is not None


def apt_install(pkgs, log=None):
    """apt-get install, waiting for another dpkg user; True on success."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for attempt in range(2):
        for wait in range(12):
            p = subprocess.run(["apt-get", "install", "-y",
                                "--no-install-recommends"] + pkgs,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env)
            if p.returncode == 0:
                return True
            if "lock" not in p.stdout:
                break
            time.sleep(5)
        if attempt == 0:
            subprocess.call(["apt-get", "update"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    if log:
        log(p.stdout[-1000:])
    return False
