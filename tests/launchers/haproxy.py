#!/usr/bin/env python3
"""pop3d behind a real HAProxy (Debian package haproxy) on loopback.

    haproxy.py          (root; skips without root or haproxy)

Two pop3d "hosts" share one spool: two systemd-socket-activate listeners
on 127.0.0.1, one started with --proxy-protocol=v2 and one with
--proxy-protocol=v1, both with --proxy-from=127.0.0.1.  HAProxy (mode tcp)
has a frontend for each: "send-proxy-v2" to the first, "send-proxy" to the
second, with health checks that carry a header ("check-send-proxy").
Clients connect from other loopback addresses (127.0.0.2 and 127.0.0.3),
so the logs must show those and never the balancer's 127.0.0.1:

  - curl fetches every message byte for byte through each backend; the
    login, logout, failed-login and proxy lines name the client, and
    fail2ban-regex with the shipped filter finds the client's address;
  - two sessions on the same mailbox, one through each backend, delete
    different messages while a delivery agent (dotlockfile, then append)
    keeps adding mail: afterwards the mailbox is exactly the original
    minus those two messages plus every delivery, in order;
  - a client connecting straight to a backend (no header) and a "balancer"
    at an address not in --proxy-from (127.0.0.5, with a good header) get
    not one byte, and the log says why;
  - HAProxy's health checks (a POP3 check: greeting, QUIT, "+OK", with a
    header) are accepted, and no backend is ever marked DOWN.
"""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

HAPROXY_CFG = """\
global
    maxconn 200

defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend pop3_v2
    bind 127.0.0.1:{f2}
    default_backend hosts_v2

backend hosts_v2
    option tcp-check
    tcp-check expect string +OK
    tcp-check send QUIT\\r\\n
    tcp-check expect string +OK
    server host1 127.0.0.1:{b2} send-proxy-v2 check check-send-proxy inter 1s

frontend pop3_v1
    bind 127.0.0.1:{f1}
    default_backend hosts_v1

backend hosts_v1
    option tcp-check
    tcp-check expect string +OK
    tcp-check send QUIT\\r\\n
    tcp-check expect string +OK
    server host2 127.0.0.1:{b1} send-proxy check check-send-proxy inter 1s
"""


def curl(port, source, user, password, n):
    return subprocess.run(
        ["curl", "-sS", "--max-time", "20", "--interface", source, "-u",
         "%s:%s" % (user, password), "pop3://127.0.0.1:%d/%d" % (port, n)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)


class Client:
    """A raw POP3 connection from a given local address."""

    def __init__(self, port, source):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20,
                                          source_address=(source, 0))
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed; got %r" % self.buf)
            self.buf += d
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def cmd(self, text):
        self.s.sendall(text + b"\r\n")
        return self.line()

    def close(self):
        self.s.close()


def raw(port, source, data):
    """Connect from source, send data, return all the server sent."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20,
                                 source_address=(source, 0))
    out = b""
    try:
        s.sendall(data)
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


def v2_header(src, dst="127.0.0.1", sport=4711, dport=110):
    body = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack(">HH", sport, dport)
    return b"\r\n\r\n\x00\r\nQUIT\n\x21\x11" + struct.pack(">H", len(body)) \
        + body


def delivery(n):
    return (b"From deliver%d@example.org Wed Nov 20 10:00:%02d 2024\n" % (n, n),
            b"From: Delivery %d <deliver%d@example.org>\n"
            b"Subject: delivered during the sessions, number %d\n"
            b"Message-ID: <deliver-%d@example.org>\n"
            b"\n"
            b"Body of delivery %d.\n" % (n, n, n, n, n))


def deliver(mailbox, msg):
    """A delivery agent's way: take the dotlock, append, release."""
    lock = mailbox + ".lock"
    subprocess.run(["dotlockfile", "-l", "-r", "20", lock], check=True,
                   timeout=60)
    try:
        h.append_mailbox(mailbox, [msg])
    finally:
        subprocess.run(["dotlockfile", "-u", lock], check=True, timeout=30)


def run(cl, res):
    tmp = h.tempdir(cl, "pop3d-haproxy.")
    binary = h.build_pop3d(cl, tmp)
    acct = h.Account(cl, tmp, prefix="p3h")
    spool = os.path.join(tmp, "spool")
    os.mkdir(spool)
    os.chown(spool, acct.uid, acct.gid)
    os.chmod(spool, 0o755)
    mailbox = os.path.join(spool, acct.name)
    msgs = h.all_messages()[:4]
    h.write_mailbox(mailbox, msgs, acct.uid, acct.gid, 0o600)
    users = os.path.join(tmp, "users")
    with open(users, "w") as f:
        f.write("%s:%s:%d:%d::%s:/usr/sbin/nologin\n" % (
            acct.name, h.sha512_hash(acct.password), acct.uid, acct.gid,
            acct.home))
    os.chmod(users, 0o600)
    sink = h.SyslogSink(cl, tmp)
    args = ["-f", users, "-m", spool + "/%u"] + \
        h.chroot_args(cl, binary, tmp)
    if "--proxy-protocol" not in h.pop3d_help(binary):
        res.skip("haproxy", "this pop3d has no --proxy-protocol")
        return
    b1, b2, f1, f2 = (h.free_port() for _ in range(4))
    for port, mode in ((b2, "v2"), (b1, "v1")):
        h.Proc(cl, sink.ns_wrap() + [
            "systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
            "--inetd", "-a", binary] + args +
            ["--proxy-protocol=" + mode, "--proxy-from=127.0.0.1"],
            stderr=subprocess.DEVNULL)
        res.ok("backend %s listening on %d" % (mode, port),
               h.wait_listen(port))
    cfg = os.path.join(tmp, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(HAPROXY_CFG.format(f1=f1, f2=f2, b1=b1, b2=b2))
    p = subprocess.run(["haproxy", "-c", "-f", cfg], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    if not res.ok("haproxy -c accepts the configuration", p.returncode == 0,
                  p.stdout):
        return
    hlog = open(os.path.join(tmp, "haproxy.log"), "wb")
    hap = h.Proc(cl, ["haproxy", "-db", "-f", cfg], stdout=hlog,
                 stderr=hlog)
    if not res.ok("haproxy listening", h.wait_listen(f1) and
                  h.wait_listen(f2)):
        return
    time.sleep(2.5)  # a few health checks go by

    # 1. Mail through each backend; the client's own address is logged.
    for port, source, label in ((f2, "127.0.0.2", "send-proxy-v2"),
                                (f1, "127.0.0.3", "send-proxy")):
        for n, (_, body) in enumerate(msgs, 1):
            r = curl(port, source, acct.name, acct.password, n)
            res.eq("%s: curl RETR %d byte for byte" % (label, n), r.stdout,
                   h.wire(body))
        name = re.escape(acct.name)
        src = re.escape(source)
        res.ok("%s: login line with rip=%s" % (label, source),
               sink.wait_for(r"pop3d\[\d+\]: login: rip=%s user=%s "
                             % (src, name)), sink.text()[-3000:])
        res.ok("%s: logout line with rip=%s" % (label, source),
               sink.wait_for(r"pop3d\[\d+\]: logout: rip=%s user=%s "
                             % (src, name)), sink.text()[-3000:])
        res.ok("%s: proxy line rip=%s via=127.0.0.1" % (label, source),
               sink.wait_for(r"pop3d\[\d+\]: proxy: rip=%s via=127\.0\.0\.1 "
                             r"tls=no$" % src), sink.text()[-3000:])
        c = Client(port, source)
        c.line()
        c.cmd(b"USER " + acct.name.encode())
        got = c.cmd(b"PASS wrong")
        c.cmd(b"QUIT")
        c.close()
        res.eq("%s: wrong password" % label, got,
               b"-ERR [AUTH] Authentication failed.")
        res.ok("%s: login failed line with rip=%s" % (label, source),
               sink.wait_for(r"pop3d\[\d+\]: login failed: rip=%s user=%s "
                             % (src, name)), sink.text()[-3000:])
    res.ok("no line names the balancer as a client",
           not re.search(r"(login|logout|login failed): rip=127\.0\.0\.1 ",
                         sink.text()), sink.text()[-3000:])
    fail2ban_check(res, tmp, sink)

    # 2. Two sessions, one through each backend, delete different
    #    messages while mail is delivered.
    a = Client(f2, "127.0.0.2")
    b = Client(f1, "127.0.0.3")
    total = sum(len(h.wire(x)) for _, x in msgs)
    login = b"+OK Logged in, 4 messages (%d octets)." % total
    for c, label in ((a, "session A (v2)"), (b, "session B (v1)")):
        c.line()
        c.cmd(b"USER " + acct.name.encode())
        res.eq("%s: login" % label,
               c.cmd(b"PASS " + acct.password.encode()), login)
    res.eq("session A: DELE 1", a.cmd(b"DELE 1"), b"+OK Message deleted.")
    res.eq("session B: DELE 3", b.cmd(b"DELE 3"), b"+OK Message deleted.")
    delivered = []
    errors = []

    def deliver_loop():
        try:
            for n in range(1, 13):
                m = delivery(n)
                deliver(mailbox, m)
                delivered.append(m)
                time.sleep(0.05)
        except Exception as e:  # reported below
            errors.append(repr(e))

    t = threading.Thread(target=deliver_loop)
    t.start()
    time.sleep(0.1)
    res.eq("session A: QUIT during deliveries", a.cmd(b"QUIT"), b"+OK Bye.")
    time.sleep(0.2)
    res.eq("session B: QUIT during deliveries", b.cmd(b"QUIT"), b"+OK Bye.")
    a.close()
    b.close()
    t.join(60)
    res.eq("deliveries without error", errors, [])
    want = h.mbox_bytes([msgs[1], msgs[3]] + delivered)
    res.eq("mailbox: messages 1 and 3 gone, 12 deliveries kept in order",
           open(mailbox, "rb").read(), want)
    res.ok("no dotlock left", not os.path.exists(mailbox + ".lock"))

    # 3. Straight to a backend, and from an address not in --proxy-from.
    before = len(sink.text())
    res.eq("direct connection to the v2 backend: nothing sent",
           raw(b2, "127.0.0.1", b"USER " + acct.name.encode() + b"\r\n"),
           b"")
    res.ok("direct connection logged as refused",
           sink.wait_for(r"proxy header refused: rip=127\.0\.0\.1 "
                         r"reason=no v2 header"), sink.text()[before:])
    res.eq("direct connection to the v1 backend: nothing sent",
           raw(b1, "127.0.0.1", b"USER x\r\n"), b"")
    res.ok("direct v1 connection logged as refused",
           sink.wait_for(r"proxy header refused: rip=127\.0\.0\.1 "
                         r"reason=no v1 header"), sink.text()[before:])
    res.eq("untrusted 127.0.0.5 with a good header: nothing sent",
           raw(b2, "127.0.0.5", v2_header("192.0.2.66") + b"USER x\r\n"),
           b"")
    res.ok("untrusted peer logged as refused",
           sink.wait_for(r"proxy header refused: rip=127\.0\.0\.5 "
                         r"reason=peer not in --proxy-from"),
           sink.text()[before:])
    res.ok("the untrusted header's address never logged",
           "192.0.2.66" not in sink.text(), sink.text()[before:])

    # 4. Health checks: accepted, never refused.
    refused = [l for l in sink.text().splitlines()
               if "proxy header refused" in l and "reason=no " not in l
               and "127.0.0.5" not in l]
    res.eq("health checks never refused", refused, [])
    res.ok("haproxy still running", hap.alive())
    hlog.flush()
    text = open(hlog.name, "rb").read().decode("utf-8", "replace")
    res.ok("haproxy never marked a backend DOWN", "DOWN" not in text, text)


def fail2ban_check(res, tmp, sink):
    """fail2ban-regex with the shipped filter bans the clients' addresses."""
    if not h.have("fail2ban-regex") or not os.path.isdir("/etc/fail2ban"):
        res.skip("fail2ban-regex", "fail2ban not installed")
        return
    conf = os.path.join(tmp, "fail2ban")
    shutil.copytree("/etc/fail2ban", conf, symlinks=True)
    shutil.copy(os.path.join(h.TOP, "dist", "fail2ban", "filter.d",
                             "pop3d.conf"), os.path.join(conf, "filter.d"))
    log = os.path.join(tmp, "mail.log")
    host = socket.gethostname()
    with open(log, "w") as f:
        for l in sink.text().splitlines():
            m = re.match(r"<\d+>(\w{3} [ \d]\d \d\d:\d\d:\d\d) (.*)$", l)
            if m:
                f.write("%s %s %s\n" % (m.group(1), host, m.group(2)))
    p = subprocess.run(["fail2ban-regex", "-o", "ip", log,
                        os.path.join(conf, "filter.d", "pop3d.conf")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    ips = sorted(set(l.strip() for l in p.stdout.splitlines() if l.strip()))
    res.eq("fail2ban-regex finds the clients, not the balancer", ips,
           ["127.0.0.2", "127.0.0.3"])


def main():
    res = h.Results("haproxy")
    if os.geteuid() != 0:
        res.skip("haproxy", "needs root (temporary account, launchers)")
        return res.summary()
    for tool in ("haproxy", "curl", "systemd-socket-activate", "dotlockfile",
                 "unshare"):
        if not h.have(tool):
            res.skip("haproxy", "%s not installed" % tool)
            return res.summary()
    cl = h.Cleanup()
    try:
        run(cl, res)
    except SystemExit as e:
        res.ok("haproxy: finished", False, str(e))
    except Exception:
        import traceback
        res.ok("haproxy: no exception", False, traceback.format_exc())
    finally:
        cl.run()
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
