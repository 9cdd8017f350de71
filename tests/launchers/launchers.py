#!/usr/bin/env python3
"""End-to-end sessions through real launchers on a loopback port.

    launchers.py socket-activate|inetd|inetd-tcpd|xinetd|systemd-verify

Each one (as root) creates a temporary account, a users file (-f) whose
uid/gid are that account's, a mailbox owned by it, and a private /dev/log
(see harness.SyslogSink), starts the real launcher with a private
configuration listening on 127.0.0.1 only, and runs sessions with curl and a
raw socket: the retrieved message is compared byte for byte, the replies
exactly, and the syslog lines must carry rip=127.0.0.1.  The inetd and
xinetd configurations are made from the lines shipped in dist/, so the
shipped files are what is tested.
"""

import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

XINETD_DIR = os.environ.get("XINETD_DIR", "/var/tmp/pop3d-test-xinetd")


class Env:
    """Account, users file, spool, binary, syslog sink."""

    def __init__(self, cl, res, name, tls=False):
        self.cl, self.res = cl, res
        self.tmp = h.tempdir(cl, "pop3d-launch-%s." % name)
        self.binary = h.build_pop3d(cl, self.tmp, tls=tls)
        self.acct = h.Account(cl, self.tmp, prefix="p3l")
        self.spool = os.path.join(self.tmp, "spool")
        os.mkdir(self.spool)
        os.chown(self.spool, self.acct.uid, self.acct.gid)
        os.chmod(self.spool, 0o755)
        self.msgs = h.sample_messages()
        self.mailbox = os.path.join(self.spool, self.acct.name)
        h.write_mailbox(self.mailbox, self.msgs, self.acct.uid,
                        self.acct.gid, 0o600)
        self.users = os.path.join(self.tmp, "users")
        with open(self.users, "w") as f:
            f.write("%s:%s:%d:%d::%s:/usr/sbin/nologin\n" % (
                self.acct.name, h.sha512_hash(self.acct.password),
                self.acct.uid, self.acct.gid, self.acct.home))
        os.chmod(self.users, 0o600)
        self.args = ["-f", self.users, "-m", self.spool + "/%u"] + \
            h.chroot_args(cl, self.binary, self.tmp)
        self.sink = h.SyslogSink(cl, self.tmp)
        self.port = h.free_port()

    def sessions(self, label, logged_mapped=False):
        """The checks every launcher gets."""
        res, a, port = self.res, self.acct, self.port
        before = self.sink.text()
        # 1. curl RETR of each message, byte for byte (curl removes the
        #    dot-stuffing and keeps CRLF).
        for n, (_, body) in enumerate(self.msgs, 1):
            p = subprocess.run(
                ["curl", "-sS", "--max-time", "20", "-u",
                 "%s:%s" % (a.name, a.password),
                 "pop3://127.0.0.1:%d/%d" % (port, n)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            res.eq("%s: curl RETR %d byte for byte" % (label, n),
                   p.stdout, h.wire(body))
        # 2. An exact dialogue: nothing stray on the connection (stderr).
        size = sum(len(h.wire(b)) for _, b in self.msgs)
        got = h.pop3_dialog(port, [
            b"USER " + a.name.encode(), b"PASS " + a.password.encode(),
            b"STAT", b"QUIT"])
        want = (b"+OK POP3 server ready.\r\n"
                b"+OK Send your password.\r\n"
                b"+OK Logged in, %d messages (%d octets).\r\n"
                b"+OK %d %d\r\n"
                b"+OK Bye.\r\n" % (len(self.msgs), size, len(self.msgs),
                                    size))
        res.eq("%s: exact dialogue, nothing else on the connection" % label,
               got, want)
        # 3. A wrong password.
        got = h.pop3_dialog(port, [b"USER " + a.name.encode(),
                                   b"PASS wrong", b"QUIT"])
        res.eq("%s: wrong password" % label, got,
               b"+OK POP3 server ready.\r\n+OK Send your password.\r\n"
               b"-ERR [AUTH] Authentication failed.\r\n+OK Bye.\r\n")
        # 4. The log lines, with the client address.
        name = re.escape(a.name)
        m = self.sink.wait_for(
            r"pop3d\[\d+\]: login: rip=127\.0\.0\.1 user=%s messages=%d "
            r"octets=%d index=(miss|hit) tls=none$" % (name, len(self.msgs), size))
        res.ok("%s: syslog login line with rip=127.0.0.1" % label, m,
               self.sink.text()[len(before):])
        m = self.sink.wait_for(
            r"pop3d\[\d+\]: logout: rip=127\.0\.0\.1 user=%s retrieved=0 "
            r"deleted=0 left=%d sent=\d+ end=quit$" % (name, len(self.msgs)))
        res.ok("%s: syslog logout line with rip=127.0.0.1" % label, m,
               self.sink.text()[len(before):])
        m = self.sink.wait_for(
            r"pop3d\[\d+\]: login failed: rip=127\.0\.0\.1 user=%s "
            r"reason=" % name)
        res.ok("%s: syslog login failed line with rip=127.0.0.1" % label, m,
               self.sink.text()[len(before):])
        m = re.search(r"^<(\d+)>.*pop3d\[\d+\]: login: ", self.sink.text(),
                      re.M)
        res.ok("%s: facility mail (LOG_MAIL|LOG_INFO = <22>)" % label,
               m and m.group(1) == "22", m and m.group(0))
        res.ok("%s: mailbox untouched" % label,
               open(self.mailbox, "rb").read() == h.mbox_bytes(self.msgs))


def socket_activate(cl, res):
    e = Env(cl, res, "sa")
    log = open(os.path.join(e.tmp, "sa.err"), "wb")
    # No -d: stderr must stay silent; everything goes to syslog.
    h.Proc(cl, e.sink.ns_wrap() + [
        "systemd-socket-activate", "-l", "127.0.0.1:%d" % e.port,
        "--inetd", "-a", e.binary] + e.args, stderr=log)
    if not res.ok("socket-activate: listening", h.wait_listen(e.port)):
        return
    e.sessions("socket-activate")
    log.close()
    err = open(os.path.join(e.tmp, "sa.err"), "rb").read()
    stray = [l for l in err.split(b"\n") if l and not re.match(
        rb"(Listening on|Communication attempt|Connection from|Execing|"
        rb"Spawned|Child \d+ died)", l)]
    res.ok("socket-activate: pop3d wrote nothing to stderr without -d",
           not stray, b"\n".join(stray).decode("utf-8", "replace"))


def inetd_line(tcpd):
    """The first active line of dist/pop3d.inetd, or with tcpd removed."""
    for line in open(os.path.join(h.TOP, "dist", "pop3d.inetd")):
        if line.strip() and not line.startswith("#"):
            f = line.split()
            break
    # pop3 stream tcp nowait.400 root /usr/sbin/tcpd /usr/local/sbin/pop3d
    assert f[0] == "pop3" and f[5] == "/usr/sbin/tcpd", f
    if not tcpd:
        f = f[:5] + [f[6], os.path.basename(f[6])]
    return f


def inetd(cl, res, tcpd):
    label = "inetd-tcpd" if tcpd else "inetd"
    if not os.path.exists("/usr/sbin/inetd") and \
            not h.apt_install(["openbsd-inetd", "tcpd"]):
        res.skip(label, "openbsd-inetd cannot be installed")
        return
    if tcpd and not os.path.exists("/usr/sbin/tcpd"):
        res.skip(label, "tcpd not installed")
        return
    e = Env(cl, res, label)
    f = inetd_line(tcpd)
    # Listen on the loopback address and a test port only.
    f[0] = "127.0.0.1:%d" % e.port
    f[2] = "tcp4"  # "tcp" would also try, and log failing, an IPv6 socket
    if tcpd:
        f[6] = e.binary
    else:
        f[5] = e.binary
    conf = os.path.join(e.tmp, "inetd.conf")
    with open(conf, "w") as fh:
        fh.write("\t".join(f + e.args) + "\n")
    binds = []
    if tcpd:
        # A private hosts.allow/hosts.deny, bind-mounted over the system's
        # inside the test's mount namespace.
        allow = os.path.join(e.tmp, "hosts.allow")
        deny = os.path.join(e.tmp, "hosts.deny")
        with open(allow, "w") as fh:
            fh.write("pop3d: 127.0.0.1\n")
        with open(deny, "w") as fh:
            fh.write("ALL: ALL\n")
        for p in (allow, deny):
            os.chmod(p, 0o644)
        binds = [(allow, "/etc/hosts.allow"), (deny, "/etc/hosts.deny")]
    # -d: debug, stays in the foreground; -i: do not daemonize.  The pid
    # file (/run/inetd.pid) is hidden by a private /run in the namespace.
    run = os.path.join(e.tmp, "run")
    os.mkdir(run)
    binds.append((run, "/run"))
    log = open(os.path.join(e.tmp, "inetd.err"), "wb")
    h.Proc(cl, e.sink.ns_wrap(binds) + ["/usr/sbin/inetd", "-d", "-i", conf],
           stderr=subprocess.STDOUT, stdout=log)
    if not res.ok("%s: listening" % label, h.wait_listen(e.port),
                  open(log.name, errors="replace").read()):
        return
    e.sessions(label)
    if tcpd:
        m = e.sink.wait_for(r"pop3d\[\d+\]: connect from 127\.0\.0\.1\b")
        res.ok("inetd-tcpd: tcpd logged the connection (daemon.info)",
               m, e.sink.text())
        # Now deny: tcpd must close the connection before pop3d runs.
        with open(binds[0][0], "w") as fh:
            fh.write("\n")
        with open(binds[1][0], "w") as fh:
            fh.write("pop3d: ALL\n")
        got = h.pop3_dialog(e.port, [b"QUIT"])
        res.eq("inetd-tcpd: hosts.deny refuses the client", got, b"")
        m = e.sink.wait_for(r"pop3d\[\d+\]: refused connect from "
                            r"127\.0\.0\.1\b")
        res.ok("inetd-tcpd: tcpd logged the refusal", m, e.sink.text())


def xinetd_binary(res):
    path = os.path.join(XINETD_DIR, "root", "usr", "sbin", "xinetd")
    if os.path.exists("/usr/sbin/xinetd"):
        return "/usr/sbin/xinetd"
    if os.path.exists(path):
        return path
    # xinetd conflicts with openbsd-inetd as a package: unpack it instead.
    os.makedirs(XINETD_DIR, exist_ok=True)
    os.chmod(XINETD_DIR, 0o755)
    subprocess.run(["apt-get", "download", "xinetd"], cwd=XINETD_DIR,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    debs = [d for d in os.listdir(XINETD_DIR) if d.endswith(".deb")]
    if not debs:
        subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["apt-get", "download", "xinetd"], cwd=XINETD_DIR,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        debs = [d for d in os.listdir(XINETD_DIR) if d.endswith(".deb")]
    if not debs:
        return None
    subprocess.run(["dpkg", "-x", os.path.join(XINETD_DIR, debs[0]),
                    os.path.join(XINETD_DIR, "root")], check=True)
    return path if os.path.exists(path) else None


def xinetd(cl, res):
    binary = xinetd_binary(res)
    if not binary:
        res.skip("xinetd", "cannot get xinetd (apt-get download xinetd)")
        return
    e = Env(cl, res, "xinetd")
    # The shipped service, with the test's port, address and arguments.
    attrs = []
    for line in open(os.path.join(h.TOP, "dist", "pop3d.xinetd")):
        m = re.match(r"\s*(\w+)\s*(\+?=)\s*(.*?)\s*$", line)
        if m:
            attrs.append(list(m.groups()))
    names = [a[0] for a in attrs]
    assert "server" in names and "flags" in names, names
    for a in attrs:
        if a[0] == "server":
            a[2] = e.binary
        if a[0] == "flags" and "IPv6" in a[2].split():
            # Keep the dual-stack socket: bound to the IPv4-mapped loopback
            # address, pop3d sees ::ffff:127.0.0.1 and must log 127.0.0.1.
            bind = "::ffff:127.0.0.1"
            break
    else:
        bind = "127.0.0.1"
    attrs += [["type", "=", "UNLISTED"], ["port", "=", str(e.port)],
              ["bind", "=", bind],
              ["server_args", "=", " ".join(e.args)]]
    conf = os.path.join(e.tmp, "xinetd.conf")
    with open(conf, "w") as fh:
        fh.write("defaults\n{\n}\n\nservice pop3test\n{\n")
        for a in attrs:
            fh.write("\t%s\t%s %s\n" % tuple(a))
        fh.write("}\n")
    run = os.path.join(e.tmp, "run")
    os.mkdir(run)
    log = open(os.path.join(e.tmp, "xinetd.err"), "wb")
    h.Proc(cl, e.sink.ns_wrap([(run, "/run")]) + [
        binary, "-dontfork", "-f", conf, "-pidfile",
        os.path.join(run, "xinetd.pid"), "-filelog",
        os.path.join(e.tmp, "xinetd.log")],
        stderr=subprocess.STDOUT, stdout=log)
    if not res.ok("xinetd: listening (bind %s)" % bind,
                  h.wait_listen(e.port),
                  open(log.name, errors="replace").read()):
        return
    e.sessions("xinetd")
    xl = e.sink.text()
    res.ok("xinetd: its own START line (log_type SYSLOG mail info)",
           re.search(r"^<22>.*xinetd\[\d+\]: START: pop3test pid=\d+ "
                     r"from=(::ffff:)?127\.0\.0\.1$", xl, re.M), xl)


def systemd_verify(cl, res):
    if not h.have("systemd-analyze"):
        res.skip("systemd-analyze verify", "systemd-analyze not installed")
        return
    tmp = h.tempdir(cl, "pop3d-verify.")
    # pop3s runs pop3d-tls (pop3d has no TLS), pop3d the build without.
    binaries = {"pop3d": h.build_pop3d(cl, tmp),
                "pop3s": h.build_pop3d(cl, tmp, tls=True)}
    units = os.path.join(tmp, "units")
    os.mkdir(units)
    for name in ("pop3d", "pop3s"):
        shutil.copy(os.path.join(h.TOP, "dist", name + ".socket"), units)
        svc = open(os.path.join(h.TOP, "dist", name + "@.service")).read()
        m = re.search(r"^ExecStart=(\S+)", svc, re.M)
        want = os.path.basename(binaries[name])
        res.ok("%s@.service has ExecStart=.../%s" % (name, want),
               m and os.path.basename(m.group(1)) == want,
               m.group(0) if m else svc)
        if not m:
            return
        svc = svc.replace("ExecStart=" + m.group(1),
                          "ExecStart=" + binaries[name], 1)
        with open(os.path.join(units, name + "@.service"), "w") as fh:
            fh.write(svc)
    # Documentation=man:pop3d(8): let man(1) find the page in the tree.
    man8 = os.path.join(tmp, "man", "man8")
    os.makedirs(man8)
    shutil.copy(os.path.join(h.TOP, "man", "pop3d.8"), man8)
    env = dict(os.environ, MANPATH=os.path.join(tmp, "man") + ":",
               SYSTEMD_LOG_LEVEL="info")
    for unit in ("pop3d.socket", "pop3d@.service", "pop3d@0.service",
                 "pop3s.socket", "pop3s@.service", "pop3s@0.service"):
        args = [os.path.join(units, unit)] if "@0" not in unit else \
            [os.path.join(units, unit.replace("@0", "@")) + ":" + unit]
        p = subprocess.run(["systemd-analyze", "verify"] + args, env=env,
                           cwd=units, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        # Messages about units of the host (not ours) are not our concern.
        ours = [l for l in p.stdout.splitlines() if "pop3d" in l]
        res.ok("systemd-analyze verify %s: no errors, no warnings" % unit,
               p.returncode == 0 and not ours, p.stdout)
    for svc in ("pop3d@.service", "pop3s@.service"):
        p = subprocess.run(["systemd-analyze", "security", "--offline=true",
                            "--no-pager", os.path.join(units, svc)],
                           env=env, cwd=units, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        m = re.search(r"Overall exposure level for \S+: ([\d.]+) (\S+)",
                      p.stdout)
        res.ok("systemd-analyze security --offline %s: exposure below 5.0 "
               "(%s)" % (svc, m.group(1) + " " + m.group(2) if m else "?"),
               m and float(m.group(1)) < 5.0, p.stdout[-1500:])


def pop3s_tickets(cl, res):
    """dist/pop3s@.service issues TLS session tickets: its ExecStart's
    --tls-ticket-key names a file in its StateDirectory, which systemd makes
    root's with StateDirectoryMode=0700; that ExecStart, run as the unit
    runs it (one pop3d-tls per connection, here under
    systemd-socket-activate, the directory made as systemd makes it), makes
    the key file root's 0600 of 64 octets and resumes a polling client's
    second connection."""
    svc = open(os.path.join(h.TOP, "dist", "pop3s@.service")).read()
    m = re.search(r"^ExecStart=(\S+) (.*)$", svc, re.M)
    state = re.search(r"^StateDirectory=(\S+)$", svc, re.M)
    mode = re.search(r"^StateDirectoryMode=(\S+)$", svc, re.M)
    args = m.group(2).split() if m else []
    keys = [a.split("=", 1)[1] for a in args
            if a.startswith("--tls-ticket-key=")]
    if not res.ok("pop3s@.service: --tls-ticket-key in its StateDirectory "
                  "(mode 0700)",
                  state and mode and mode.group(1) == "0700" and
                  len(keys) == 1 and os.path.dirname(keys[0]) ==
                  "/var/lib/" + state.group(1), svc):
        return
    e = Env(cl, res, "tickets", tls=True)
    ca, cert, key = h.make_ca(e.tmp)
    statedir = os.path.join(e.tmp, "state")
    os.mkdir(statedir, 0o700)
    ticket = os.path.join(statedir, os.path.basename(keys[0]))
    mine = {"--tls-cert": cert, "--tls-key": key, "--tls-ticket-key": ticket}
    argv = [a.split("=")[0] + "=" + mine[a.split("=")[0]]
            if a.split("=")[0] in mine else a for a in args]
    log = open(os.path.join(e.tmp, "tickets.err"), "wb")
    h.Proc(cl, e.sink.ns_wrap() + [
        "systemd-socket-activate", "-l", "127.0.0.1:%d" % e.port,
        "--inetd", "-a", e.binary] + argv + e.args, stderr=log)
    log.close()
    if not res.ok("pop3s tickets: listening", h.wait_listen(e.port)):
        return
    ctx = ssl.create_default_context(cafile=ca)
    a, session, reused, replies = e.acct, None, [], []
    for _ in range(2):
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", e.port),
                                                     timeout=20),
                            server_hostname="localhost", session=session)
        s.sendall(b"USER %s\r\nPASS %s\r\nQUIT\r\n" % (
            a.name.encode(), a.password.encode()))
        got = b""
        while len(got) < 1 << 16:
            d = s.recv(4096)
            if not d:
                break
            got += d
        replies.append(got)
        reused.append(s.session_reused)
        session = s.session
        s.close()
    size = sum(len(h.wire(b)) for _, b in e.msgs)
    want = (b"+OK POP3 server ready.\r\n+OK Send your password.\r\n"
            b"+OK Logged in, %d messages (%d octets).\r\n+OK Bye.\r\n" % (
                len(e.msgs), size))
    res.eq("pop3s tickets: both sessions", replies, [want, want])
    res.eq("pop3s tickets: a full handshake, then a resumed one", reused,
           [False, True])
    try:
        st = os.lstat(ticket)
        got = (stat.S_ISREG(st.st_mode), st.st_uid, oct(st.st_mode & 0o777),
               st.st_size)
    except FileNotFoundError:
        got = None
    res.eq("pop3s tickets: the key file made root's, 0600, 64 octets", got,
           (True, 0, "0o600", 64))
    name = re.escape(a.name)
    m = e.sink.wait_for(r"pop3d\[\d+\]: login: rip=127\.0\.0\.1 user=%s .* "
                        r"tls=implicit version=TLS1\.3 cipher=\S+ resumed$" %
                        name)
    res.ok("pop3s tickets: the login line says resumed", m, e.sink.text())


TESTS = {
    "pop3s-tickets": pop3s_tickets,
    "socket-activate": socket_activate,
    "inetd": lambda cl, res: inetd(cl, res, False),
    "inetd-tcpd": lambda cl, res: inetd(cl, res, True),
    "xinetd": xinetd,
    "systemd-verify": systemd_verify,
}


def main():
    name = sys.argv[1]
    res = h.Results(name)
    if os.geteuid() != 0:
        res.skip(name, "needs root (launchers run pop3d as root, and the "
                 "test makes a temporary account)")
        return res.summary()
    for tool in ("curl", "unshare"):
        if not h.have(tool):
            res.skip(name, "%s not installed" % tool)
            return res.summary()
    if not h.have("systemd-socket-activate") and \
            name in ("socket-activate", "pop3s-tickets"):
        res.skip(name, "systemd-socket-activate not installed "
                 "(package systemd)")
        return res.summary()
    cl = h.Cleanup()
    try:
        TESTS[name](cl, res)
    except SystemExit as e:
        res.ok("%s: finished" % name, False, str(e))
    except Exception:
        import traceback
        res.ok("%s: no exception" % name, False, traceback.format_exc())
    finally:
        cl.run()
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
