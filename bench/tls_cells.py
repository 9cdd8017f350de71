"""bench/tls_cells.py: the TLS and connection-rate cells of bench/run (issue 14).

Unlike the other cells, these run the servers as network daemons on
127.0.0.1 high ports, as they are deployed:

- pop3d behind `systemd-socket-activate --inetd -a` (a socket unit with
  Accept=yes: one pop3d process tree per connection), started as root;
- Dovecot's own daemon (`dovecot -F -c PRIVATE.conf`: master, login, auth
  and pop3 processes), in its default login mode (a new login process per
  connection) and with login processes reused (`service_count = 0`,
  `process_min_avail` = the number of cores: Dovecot's documented
  high-performance mode).

The client is bench/tlsload (C, GnuTLS), which verifies the certificate
against the bench's own CA as a real client does.  Each server tree runs in
its own cgroup (cpuacct), so the server side's CPU is every process it
started, counted by the kernel, including those that have exited.

Cases:
  rate          16 clients repeating a leave-on-server poll (greeting, [STLS,]
                USER, PASS, STAT, UIDL, QUIT), each client its own user and
                mailbox (the tiny profile), for --rate-seconds; plaintext,
                STLS and implicit TLS, with full handshakes and with the
                client offering its previous session for resumption.
  tls_retr_all  RETR of every message + QUIT over TLS (pipelined), against
                the floor: bench/floor_tls, the crlf floor's output encrypted
                with GnuTLS over loopback, read by the same client.
  tls_stat      one client, login + STAT + QUIT over TLS, one session after
                another: wall time and server CPU per session, full and
                resumed handshakes.
"""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RATE_USERS = 16
RATE_USER_PREFIX = "bench"
# sha256crypt of "secret" (`openssl passwd -5 -salt benchsalt secret`,
# 5,000 rounds of SHA-256: what a Debian system writes by default is
# yescrypt, which Dovecot 2.3 cannot check through passwd-file; this is the
# strongest scheme both servers verify with the same hash).
HASH5 = "$5$benchsalt$iT9YPO8ZUwSPUgzQHMgO9tkCAndXnSKPrRUmfD4VC.A"
# pop3d's built-in default priority (params.h, TLS_PRIORITY_DEFAULT), which
# the floor uses too, so that both encrypt with the same cipher; the report
# shows what each cell negotiated.
FLOOR_PRIORITY = ("SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:"
                  "+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
                  "-MAC-ALL:+AEAD:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:"
                  "+GROUP-SECP384R1:%SERVER_PRECEDENCE")
TLS_SERVERS = ["pop3d", "dovecot", "dovecot-reuse"]
TLS_CASES = {
    "rate": "connection rate: 16 clients polling (USER, PASS, STAT, UIDL, QUIT)",
    "tls_retr_all": "RETR of every message + QUIT over TLS",
    "tls_stat": "tiny TLS session: login + STAT + QUIT, one after another",
}


def log(msg):
    import sys
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class CpuGroup:
    """A cgroup whose CPU counter covers a server and all it starts.
    cgroup v1 cpuacct (nanoseconds) or v2 cpu.stat (microseconds)."""

    def __init__(self, name):
        self.path = None
        for base, kind in (("/sys/fs/cgroup/cpuacct", 1), ("/sys/fs/cgroup/unified", 2),
                           ("/sys/fs/cgroup", 2)):
            probe = os.path.join(base, "cpuacct.usage" if kind == 1 else "cpu.stat")
            if not os.path.exists(probe):
                continue
            path = os.path.join(base, "pop3d-bench-%d-%s" % (os.getpid(), name))
            try:
                os.mkdir(path)
            except FileExistsError:
                pass
            except OSError:
                continue
            self.path, self.kind = path, kind
            break

    def enter(self):
        """In the child before exec: join the group."""
        if self.path:
            with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    def usage_ms(self):
        if not self.path:
            return None
        if self.kind == 1:
            return int(open(os.path.join(self.path, "cpuacct.usage")).read()) / 1e6
        for line in open(os.path.join(self.path, "cpu.stat")):
            k, v = line.split()
            if k == "usage_usec":
                return int(v) / 1e3
        return None

    def pids(self):
        if not self.path:
            return []
        try:
            return [int(x) for x in open(os.path.join(self.path, "cgroup.procs")).read().split()]
        except OSError:
            return []

    def remove(self):
        """Kill what is left in the group (only processes this run started)
        and remove it."""
        if not self.path:
            return
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        try:
            os.rmdir(self.path)
        except OSError as e:
            log("bench: cannot remove cgroup %s: %s" % (self.path, e))
        self.path = None


class Daemon:
    """One running server configuration: where to connect, its CPU group."""

    def __init__(self, name, label, argv, ports, cg, logf, strict):
        self.name, self.label, self.ports, self.cg, self.strict = name, label, ports, cg, strict
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     preexec_fn=cg.enter, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.cg.remove()


class TlsCells:
    def __init__(self, bench, client_script, server_class, warm):
        self.b = bench
        self.client_script, self.Server, self.warm = client_script, server_class, warm
        self.results = []
        self.info = {}

    # ------------------------------------------------------------ setup

    def setup(self):
        b = self.b
        a = b.args
        self.dir = os.path.join(b.work, "tls")
        os.makedirs(self.dir, exist_ok=True)
        self.tlsload = os.path.join(b.build, "tlsload")
        self.floor = os.path.join(b.build, "floor_tls")
        for prog in ("tlsload", "floor_tls"):
            src = os.path.join(HERE, prog + ".c")
            dst = os.path.join(b.build, prog)
            if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
                subprocess.run(["cc", "-O2", "-Wall", "-o", dst, src, "-lgnutls", "-lpthread"],
                               check=True)
        self.certs()
        self.pop3d_tls = False
        self.ticket_key = None
        if b.pop3d:
            h = subprocess.run([b.pop3d_tls, "--help"], capture_output=True, text=True)
            self.pop3d_tls = "--tls-cert" in h.stdout + h.stderr
            # Resumption (issue 14): tickets under a master key in a file
            # pop3d makes if missing, in a directory only root may write.
            self.ticket_key = None
            if "--tls-ticket-key" in h.stdout + h.stderr:
                kd = os.path.join(self.dir, "ticket")
                os.makedirs(kd, mode=0o700, exist_ok=True)
                os.chmod(kd, 0o700)
                self.ticket_key = os.path.join(kd, "key")
            if not self.pop3d_tls:
                b.notes.append("pop3d (%s) has no --tls-cert: its TLS cells were not run."
                               % b.pop3d_tls)
        self.have_dovecot = shutil.which("dovecot") is not None and b.root
        if not self.have_dovecot:
            b.notes.append("Dovecot's daemon (`dovecot`) not installed or not root: its TLS "
                           "and connection-rate cells were not run.")
        self.have_ssa = shutil.which("systemd-socket-activate") is not None
        if not self.have_ssa:
            b.notes.append("systemd-socket-activate not found: pop3d's TLS and rate cells "
                           "were not run.")
        self.ncpu = os.cpu_count() or 1
        self.users_files()
        log_path = os.path.join(self.dir, "pop3d.log")  # the launcher's, this run only
        if os.path.exists(log_path):
            os.unlink(log_path)

    def certs(self):
        """A CA and a leaf for localhost, ECDSA P-256 (certbot's default key
        type), made once; both servers use the same pair."""
        d = self.dir
        self.ca = os.path.join(d, "ca.pem")
        self.cert = os.path.join(d, "cert.pem")
        self.key = os.path.join(d, "key.pem")
        if all(os.path.exists(p) for p in (self.ca, self.cert, self.key)):
            return
        ossl = lambda *args: subprocess.run(["openssl"] + list(args), check=True,
                                            capture_output=True)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        ossl("req", "-x509", *ec, "-keyout", os.path.join(d, "ca.key"), "-out", self.ca,
             "-days", "3650", "-subj", "/CN=pop3d bench CA")
        ossl("req", *ec, "-keyout", self.key, "-out", os.path.join(d, "leaf.csr"),
             "-subj", "/CN=localhost")
        ext = os.path.join(d, "leaf.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
        ossl("x509", "-req", "-in", os.path.join(d, "leaf.csr"), "-CA", self.ca, "-CAkey",
             os.path.join(d, "ca.key"), "-CAcreateserial", "-out", self.cert, "-days", "3650",
             "-extfile", ext)
        os.chmod(self.key, 0o600)

    def users_files(self):
        """The same sha256crypt hash for both servers: pop3d's users file
        and Dovecot's passwd-file (passdb and userdb).  benchuser's home is
        the box directory (its inbox is the mailbox of the other cells);
        bench00..bench15 have their own homes with a copy of the tiny
        mailbox (filled by rate_mailboxes)."""
        b = self.b
        self.rate_dir = os.path.join(self.dir, "homes")
        homes = [("benchuser", b.boxdir)] + [
            ("%s%02d" % (RATE_USER_PREFIX, i), os.path.join(self.rate_dir, "%s%02d" % (RATE_USER_PREFIX, i)))
            for i in range(RATE_USERS)]
        self.pop3d_users = os.path.join(self.dir, "pop3d-users")
        self.dovecot_users = os.path.join(self.dir, "dovecot-users")
        with open(self.pop3d_users, "w") as f:
            for u, h in homes:
                f.write("%s:%s:%d:%d::%s:/bin/sh\n" % (u, HASH5, b.uid, b.gid, h))
        with open(self.dovecot_users, "w") as f:
            for u, h in homes:
                f.write("%s:{SHA256-CRYPT}%s:%d:%d::%s::\n" % (u, HASH5, b.uid, b.gid, h))
        os.chmod(self.pop3d_users, 0o644)
        os.chmod(self.dovecot_users, 0o644)

    def drop_dovecot_index(self):
        """benchuser's Dovecot index goes: it may be another mailbox's, or
        owned by the uid of an earlier run's benchuser (then Dovecot cannot
        open INBOX).  The untimed sessions before the cell rebuild it."""
        shutil.rmtree(os.path.join(self.b.boxdir, "dovecot-index"), ignore_errors=True)

    def rate_mailboxes(self, pristine):
        b = self.b
        os.makedirs(self.rate_dir, exist_ok=True)
        for i in range(RATE_USERS):
            h = os.path.join(self.rate_dir, "%s%02d" % (RATE_USER_PREFIX, i))
            shutil.rmtree(h, ignore_errors=True)
            os.makedirs(os.path.join(h, "mail"))
            shutil.copyfile(pristine, os.path.join(h, "inbox"))
            for p in (h, os.path.join(h, "mail"), os.path.join(h, "inbox")):
                if b.root:
                    os.chown(p, b.uid, b.gid)
            os.chmod(h, 0o700)
            os.chmod(os.path.join(h, "inbox"), 0o600)
            old = time.time() - 3600
            os.utime(os.path.join(h, "inbox"), (old, old))

    # ------------------------------------------------------------ servers

    def start_pop3d(self, security, index=True):
        """pop3d behind systemd-socket-activate; security plain|stls|implicit."""
        b = self.b
        port = free_port()
        argv = ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port, "--inetd", "-a", "--",
                b.pop3d if security == "plain" else b.pop3d_tls,
                "-f", self.pop3d_users, "-m", "%h/inbox",
                "--index-dir=" + (b.index_dir if index else "none")]
        if security != "plain":
            argv += ["--tls-cert=" + self.cert, "--tls-key=" + self.key]
            if self.ticket_key:
                argv.append("--tls-ticket-key=" + self.ticket_key)
        if security == "implicit":
            argv.append("--implicit-tls")
        cg = CpuGroup("pop3d")
        logf = open(os.path.join(self.dir, "pop3d.log"), "ab")
        # An STLS launcher also serves plaintext (before STLS): the baseline
        # of the handshake's cost in the tiny-session cells.
        ports = {security: port, "plain": port} if security == "stls" else {security: port}
        d = Daemon("pop3d", "pop3d", argv, ports, cg, logf, True)
        logf.close()
        self.info["pop3d"] = ("`systemd-socket-activate -l 127.0.0.1:PORT --inetd -a -- %s -f "
                              "USERS -m %%h/inbox --index-dir=DIR|none`, or with TLS `%s ... "
                              "--tls-cert=%s --tls-key=%s%s [--implicit-tls]`, as root" % (
                                  b.pop3d, b.pop3d_tls, self.cert, self.key,
                                  " --tls-ticket-key=" + self.ticket_key if self.ticket_key
                                  else ""))
        return d

    def dovecot_conf(self, reuse, tls):
        b = self.b
        tag = "%s-%s" % ("reuse" if reuse else "default", "tls" if tls else "plain")
        d = os.path.join(self.dir, "dovecot-" + tag)
        for sub in ("run", "state"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        ports = {"plain": free_port(), "implicit": free_port()}
        if tls:
            ports["stls"] = ports["plain"]
        login = ("  service_count = 0\n  process_min_avail = %d\n" % self.ncpu) if reuse else ""
        conf = os.path.join(d, "dovecot.conf")
        with open(conf, "w") as f:
            f.write("# private config of the pop3d benchmark (never /etc/dovecot)\n"
                    "protocols = pop3\n"
                    "listen = 127.0.0.1\n"
                    "base_dir = %(d)s/run\n"
                    "state_dir = %(d)s/state\n"
                    "log_path = %(d)s/dovecot.log\n"
                    "info_log_path = /dev/null\n"
                    "first_valid_uid = 1\n"
                    "auth_mechanisms = plain\n"
                    "disable_plaintext_auth = %(dpa)s\n"
                    "ssl = %(ssl)s\n"
                    "%(certs)s"
                    "mail_location = mbox:~/mail:INBOX=~/inbox:INDEX=~/dovecot-index\n"
                    "passdb {\n  driver = passwd-file\n  args = %(users)s\n}\n"
                    "userdb {\n  driver = passwd-file\n  args = %(users)s\n}\n"
                    "service pop3-login {\n"
                    "  inet_listener pop3 {\n    address = 127.0.0.1\n    port = %(p)d\n  }\n"
                    "  inet_listener pop3s {\n    address = 127.0.0.1\n    port = %(ps)d\n"
                    "    ssl = yes\n  }\n"
                    "%(login)s"
                    "}\n"
                    % dict(d=d, dpa="yes" if tls else "no", ssl="required" if tls else "no",
                           certs=("ssl_cert = <%s\nssl_key = <%s\n" % (self.cert, self.key))
                           if tls else "", users=self.dovecot_users, p=ports["plain"],
                           ps=ports["implicit"] if tls else 0, login=login))
        return conf, ports, d

    def start_dovecot(self, reuse, tls):
        conf, ports, d = self.dovecot_conf(reuse, tls)
        name = "dovecot-reuse" if reuse else "dovecot"
        cg = CpuGroup(name)
        logf = open(os.path.join(d, "stderr.log"), "ab")
        dm = Daemon(name, name, ["dovecot", "-F", "-c", conf], ports, cg, logf, False)
        logf.close()
        self.info[name] = (
            "`dovecot -F -c PRIVATE.conf` as root: protocols = pop3, listeners on 127.0.0.1 "
            "high ports, passdb and userdb passwd-file (the same sha256crypt hash), "
            "mail_location = mbox:~/mail:INBOX=~/inbox:INDEX=~/dovecot-index, "
            "ssl = required with the same certificate (ssl = no and disable_plaintext_auth = "
            "no for plaintext)" + ("; pop3-login service_count = 0, process_min_avail = %d "
                                   "(login processes reused)" % self.ncpu if reuse else
                                   "; login processes in the default mode (one per connection)"))
        return dm

    def servers(self, tls):
        """The servers to measure: pop3d, dovecot, dovecot-reuse (those
        installed and asked for); tls: for the cells that need TLS."""
        b = self.b
        out = []
        # The TLS cells warm pop3d's index through the pipe-run pop3d of
        # the other cells, so they need it; TLS needs pop3d started as root.
        if "pop3d" in b.args.tls_servers and b.pop3d and self.have_ssa and \
                (not tls or (self.pop3d_tls and b.root and "pop3d" in b.servers)):
            out.append("pop3d")
        if self.have_dovecot:
            out += [n for n in ("dovecot", "dovecot-reuse") if n in b.args.tls_servers]
        return out

    def start(self, name, security, index=True):
        if name == "pop3d":
            return self.start_pop3d(security, index)
        return self.start_dovecot(name == "dovecot-reuse", security != "plain")

    # ------------------------------------------------------------ client

    def load(self, args):
        p = subprocess.run([self.tlsload] + args, capture_output=True, text=True,
                           timeout=self.b.args.timeout + 60)
        if p.returncode != 0 or "=" not in p.stdout:
            raise RuntimeError("tlsload %s failed: %s" % (" ".join(args), p.stderr[-500:]))
        res = dict(kv.split("=", 1) for kv in p.stdout.split())
        res["stderr"] = p.stderr.strip()
        return res

    def tls_args(self, security, port):
        return ["-p", str(port), "-s", security] + (["-a", self.ca] if security != "plain" else [])

    # ------------------------------------------------------------ cases

    def run_rate(self, pristine):
        """Sessions per second with 16 concurrent polling clients."""
        b = self.b
        secs = b.args.rate_seconds
        self.rate_mailboxes(pristine)
        for name in self.servers(False):
            # pop3d: one launcher per security (the options differ);
            # Dovecot: one daemon for plaintext (ssl = no), one for TLS
            # (ssl = required; STLS and implicit on two listeners).
            groups = [("plain", [("plain", False)])]
            if name != "pop3d":
                groups.append(("stls", [("stls", False), ("stls", True),
                                        ("implicit", False), ("implicit", True)]))
            elif self.pop3d_tls and b.root:         # TLS needs privilege separation
                groups += [("stls", [("stls", False), ("stls", True)]),
                           ("implicit", [("implicit", False), ("implicit", True)])]
            for security, cells in groups:
                d = self.start(name, security, index=False)
                try:
                    for sec, resume in cells:
                        self.rate_cell(d, sec, resume, secs)
                finally:
                    d.stop()

    def rate_cell(self, d, security, resume, secs):
        b = self.b
        port = d.ports[security]
        common = self.tls_args(security, port) + ["-P", RATE_USER_PREFIX] + (["-r"] if resume else [])
        bg = b.wait_idle()
        check = "ok"
        try:
            # Untimed: every user's mailbox seen once (Dovecot builds its
            # index), the server's processes started.
            self.load(["rate", "-c", str(RATE_USERS), "-d", "1"] + common)
            c0 = d.cg.usage_ms()
            r = self.load(["rate", "-c", str(RATE_USERS), "-d", str(secs)] + common)
            c1 = d.cg.usage_ms()
        except Exception as e:
            log("bench: rate %s %s: %s" % (d.name, security, e))
            self.record("rate", "tiny", d.name, security, resume, None, check="error: %s" % e)
            return
        n, failed, resumed = int(r["sessions"]), int(r["failed"]), int(r["resumed"])
        el = float(r["elapsed_ms"])
        ccpu = float(r["client_user_ms"]) + float(r["client_sys_ms"])
        if failed or n == 0:
            check = "%d of %d sessions failed: %s" % (failed, n + failed, r["stderr"][:120])
            if d.strict:
                b.failures += 1
        share = ccpu / el / self.ncpu if el else 0
        if share > 0.25 and check == "ok":
            # The server side had under three quarters of the machine.
            check = "ok (client used %.0f%% of the CPUs: a bottleneck)" % (100 * share)
        m = dict(sessions=n, failed=failed, resumed=resumed, elapsed_ms=el,
                 rate=n / (el / 1000) if el else None,
                 server_cpu_ms=(c1 - c0) / n if n and c0 is not None else None,
                 client_cpu_ms=ccpu / n if n else None,
                 client_share=ccpu / el / self.ncpu if el else None)
        self.record("rate", "tiny", d.name, security, resume, m, check, bg)

    def record(self, case, size, server, security, resume, m, check="ok", bg=None):
        r = dict(case=case, size=size, server=server, security=security,
                 handshake=("resumed" if resume else "full") if security != "plain" else "–",
                 check=check, background_busy=None if bg is None else round(bg, 3))
        r.update(m or {})
        self.results.append(r)
        b = self.b
        b.report(b.args.results, partial=True)
        if case == "rate":
            log("bench: rate %-13s %-8s %-7s %s sessions/s  server cpu %s ms/session  "
                "client %s%% of the CPUs  resumed %s  %s" % (
                    server, security, r["handshake"], fmt(r.get("rate"), "%.1f"),
                    fmt(r.get("server_cpu_ms"), "%.2f"),
                    fmt(r.get("client_share") and 100 * r["client_share"], "%.0f"),
                    r.get("resumed", "–"), check[:80]))
        else:
            log("bench: %-12s %-8s %-13s %-5s %-8s %-7s wall %s ms  server cpu %s ms  client cpu "
                "%s ms  %s" % (case, size, server, r.get("script", ""), security, r["handshake"],
                               fmt(r.get("wall_ms"), "%.1f"), fmt(r.get("server_cpu_ms"), "%.1f"),
                               fmt(r.get("client_cpu_ms"), "%.1f"), check[:80]))

    def run_tls_stat(self, pristine, idx):
        """A tiny TLS session, one after another: server CPU per session."""
        b = self.b
        count = b.args.tls_stat_sessions
        inbox = os.path.join(b.boxdir, "inbox")
        for name in self.servers(True):
            if name == "pop3d":
                b.prepare(b.servers["pop3d"], "tiny", "stat", pristine, idx)
            else:
                b.restore(self.Server(name, True, inbox, []), "tiny", pristine)
                self.drop_dovecot_index()
            for security in ("stls", "implicit"):
                d = self.start(name, security)
                try:
                    for script in ("stat", "quit"):
                        for resume in (False, True):
                            self.stat_cell(d, security, resume, count, script)
                    if security == "stls":
                        # Greeting + QUIT in plaintext on the same server:
                        # what the TLS rows cost beyond it is the handshake.
                        self.stat_cell(d, "plain", False, count, "quit")
                finally:
                    d.stop()
            if name != "pop3d":
                # Dovecot may have written its headers into the mailbox.
                b.box_state[inbox] = dict(size="tiny", tag="dirty", stat=None)

    def stat_cell(self, d, security, resume, count, script):
        b = self.b
        common = self.tls_args(security, d.ports[security]) + ["-u", "benchuser", "-S", script,
                                                               "-c", "1"]
        common += ["-r"] if resume else []
        bg = b.wait_idle()
        try:
            self.load(["rate", "-n", "3"] + common)         # untimed warm-up
            c0 = d.cg.usage_ms()
            r = self.load(["rate", "-n", str(count)] + common)
            c1 = d.cg.usage_ms()
        except Exception as e:
            self.record("tls_stat", "tiny", d.name, security, resume, dict(script=script),
                        "error: %s" % e)
            return
        n, failed = int(r["sessions"]), int(r["failed"])
        el = float(r["elapsed_ms"])
        ccpu = float(r["client_user_ms"]) + float(r["client_sys_ms"])
        check = "ok"
        if failed or n == 0:
            check = "%d of %d sessions failed: %s" % (failed, n + failed, r["stderr"][:120])
            if d.strict:
                b.failures += 1
        self.record("tls_stat", "tiny", d.name, security, resume, dict(
            script=script, sessions=n, failed=failed, resumed=int(r["resumed"]),
            wall_ms=el / n if n else None,
            server_cpu_ms=(c1 - c0) / n if n and c0 is not None else None,
            client_cpu_ms=ccpu / n if n else None), check, bg)

    def run_retr(self, size, pristine, idx):
        """RETR of every message over TLS: pop3d (STLS, implicit), Dovecot
        (STLS, implicit), and the TLS floor."""
        b = self.b
        self.floor_cell(size, pristine, idx)
        data, expect = self.client_script("retr_all", idx.count, True)
        script = os.path.join(b.shm, "tls-script")
        with open(script, "wb") as f:
            f.write(data)
        for name in self.servers(True):
            if name == "dovecot-reuse":
                continue            # one Dovecot download is enough: the login mode is
                                    # not what a 420 MB download measures
            for security in ("stls", "implicit"):
                d = self.start(name, security)
                try:
                    self.retr_cell(d, size, security, pristine, idx, script, expect)
                finally:
                    d.stop()

    def retr_cell(self, d, size, security, pristine, idx, script, expect):
        b = self.b
        out = os.path.join(b.shm, "out")
        server = self.Server(d.name, True, os.path.join(b.boxdir, "inbox"), [], strict=d.strict)
        runs, checks, target = [], [], b.args.runs
        bg = b.wait_idle()
        primed = False
        while len(runs) < target:
            if d.name == "pop3d":
                b.prepare(b.servers["pop3d"], size, "retr_all", pristine, idx)
            elif not primed:
                b.restore(server, size, pristine)
                self.drop_dovecot_index()
                # Untimed: the session that leaves Dovecot's index warm.
                self.load(["get", "-i", script, "-o", out] + self.tls_args(security,
                                                                          d.ports[security]))
                primed = True
            before = b.box_stat(server.mailbox)
            c0 = d.cg.usage_ms()
            try:
                r = self.load(["get", "-i", script, "-o", out] + self.tls_args(
                    security, d.ports[security]))
            except Exception as e:
                checks.append("error: %s" % e)
                break
            c1 = d.cg.usage_ms()
            res = dict(status="exit:0" if r["status"] == "ok" else r["status"])
            checks.append(b.verify(server, size, "retr_all", idx, pristine, expect, out,
                                   before, res))
            runs.append(dict(wall_ms=float(r["wall_ms"]),
                             server_cpu_ms=(c1 - c0) if c0 is not None else None,
                             client_cpu_ms=float(r["client_user_ms"]) + float(r["client_sys_ms"]),
                             cipher=r.get("cipher", "?")))
            if os.path.exists(out):
                os.unlink(out)
            if len(runs) == 1 and target > 1 and runs[0]["wall_ms"] > 8000:
                target = 1
        if d.name != "pop3d":
            b.box_state[server.mailbox] = dict(size=size, tag="dirty", stat=None)
        self.record_runs("tls_retr_all", size, d.name, security, runs, checks, bg)

    def floor_cell(self, size, pristine, idx):
        b = self.b
        runs, checks = [], []
        out = os.path.join(b.shm, "out")
        bg = b.wait_idle()
        for _ in range(b.args.runs):
            self.warm(pristine)
            p = subprocess.Popen([self.floor, self.cert, self.key, FLOOR_PRIORITY, pristine],
                                 stdout=subprocess.PIPE, text=True)
            try:
                line = p.stdout.readline()
                port = int(line.split("=", 1)[1])
                r = self.load(["get", "-o", out] + self.tls_args("raw", port))
                fin = dict(kv.split("=", 1) for kv in p.stdout.read().split())
            finally:
                if p.poll() is None:
                    p.wait(30)
            nbytes = os.path.getsize(out)
            os.unlink(out)
            checks.append("ok" if r["status"] == "ok" and nbytes >= idx.wire_total and
                          p.returncode == 0 else "floor wrote %d bytes (%s)" % (nbytes,
                                                                                r["status"]))
            runs.append(dict(wall_ms=float(r["wall_ms"]),
                             server_cpu_ms=float(fin["server_user_ms"]) + float(fin["server_sys_ms"]),
                             client_cpu_ms=float(r["client_user_ms"]) + float(r["client_sys_ms"]),
                             cipher=r.get("cipher", "?")))
        self.record_runs("tls_retr_all", size, "floor: tls", "raw", runs, checks, bg)

    def record_runs(self, case, size, server, security, runs, checks, bg):
        med = lambda k: statistics.median([r[k] for r in runs if r[k] is not None]) \
            if runs and all(r[k] is not None for r in runs) else None
        bad = [c for c in checks if not c.startswith("ok")]
        if bad and server == "pop3d":
            self.b.failures += 1
        self.record(case, size, server, security, False, dict(
            runs=len(runs), wall_ms=med("wall_ms"), server_cpu_ms=med("server_cpu_ms"),
            client_cpu_ms=med("client_cpu_ms"), walls=[round(r["wall_ms"], 1) for r in runs],
            cipher=runs[0]["cipher"] if runs else "?"),
            bad[0] if bad else (checks[0] if checks else "no run"), bg)

    # ------------------------------------------------------------ report

    def cell(self, case, server, security, handshake=None, size=None, script=None):
        return next((r for r in self.results if r["case"] == case and r["server"] == server
                     and r["security"] == security and (handshake is None or
                                                        r["handshake"] == handshake)
                     and (script is None or r.get("script", "stat") == script)
                     and (size is None or r["size"] == size) and r["check"].startswith("ok")),
                    None)

    def report(self):
        if not self.results:
            return []
        L = []
        rate = [r for r in self.results if r["case"] == "rate"]
        if rate:
            L.append("## Connection rate: %d clients polling (greeting, [STLS,] USER, PASS, STAT, "
                     "UIDL, QUIT), %g s per cell\n" % (RATE_USERS, self.b.args.rate_seconds))
            L.append("Each client its own user and mailbox (the tiny profile, 10 messages), one "
                     "command at a time, a new TCP connection per session; the same sha256crypt "
                     "hash for every login. Server CPU: all processes of the server (cgroup "
                     "cpuacct) per session. Client: bench/tlsload (C, GnuTLS, one thread per "
                     "client), its CPU per session and its share of the %d CPUs: the server side "
                     "had the rest. `resumed`: handshakes the server resumed when the client "
                     "offered its previous session.\n" % self.ncpu)
            L.append("| server | security | handshake | sessions/s | server CPU ms/session | "
                     "client CPU ms/session | client share of CPUs | sessions | resumed | check |")
            L.append("|---|---|---|--:|--:|--:|--:|--:|--:|---|")
            for r in rate:
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    r["server"], r["security"], r["handshake"], fmt(r.get("rate"), "%.1f"),
                    fmt(r.get("server_cpu_ms"), "%.2f"), fmt(r.get("client_cpu_ms"), "%.2f"),
                    fmt(r.get("client_share") and 100 * r["client_share"], "%.0f%%"),
                    r.get("sessions", "–"), resumed_text(r), r["check"].replace("|", "/")[:140]))
            L.append("")
        retr = [r for r in self.results if r["case"] == "tls_retr_all"]
        if retr:
            L.append("## RETR of every message + QUIT over TLS\n")
            L.append("Pipelined, read by bench/tlsload into /dev/shm and verified as the other "
                     "cells. Floor: bench/floor_tls, the crlf floor's output encrypted by GnuTLS "
                     "(pop3d's default priority string) over loopback to the same client. Server "
                     "CPU: all processes of the server (cgroup; the floor's own getrusage). Wall: "
                     "connect to the end of the output.\n")
            L.append("| size | server | security | wall ms | ×floor | server CPU ms | ×floor | "
                     "client CPU ms | runs | cipher | check |")
            L.append("|---|---|---|--:|--:|--:|--:|--:|--:|---|---|")
            for r in retr:
                fl = self.cell("tls_retr_all", "floor: tls", "raw", size=r["size"])
                ratio = lambda k: "%.2f" % (r[k] / fl[k]) if fl and fl.get(k) and \
                    r.get(k) is not None and r["server"] != "floor: tls" else ""
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    r["size"], r["server"], r["security"], fmt(r.get("wall_ms"), "%.1f"),
                    ratio("wall_ms"), fmt(r.get("server_cpu_ms"), "%.1f"), ratio("server_cpu_ms"),
                    fmt(r.get("client_cpu_ms"), "%.1f"), r.get("runs", 0),
                    r.get("cipher", "?"), r["check"].replace("|", "/")[:140]))
            L.append("")
        st = [r for r in self.results if r["case"] == "tls_stat"]
        if st:
            L.append("## Tiny TLS session: login + STAT + QUIT, one after another\n")
            L.append("One client, %d sessions per cell after 3 untimed ones; the tiny mailbox of "
                     "benchuser. Per session: wall, CPU of all the server's processes (cgroup), "
                     "the client's CPU. Rows `greeting + QUIT` make no login: their server CPU "
                     "less that of the plaintext `greeting + QUIT` row of the same server (run "
                     "by its STLS configuration) is the handshake's cost, shown in the last "
                     "CPU column.\n" % self.b.args.tls_stat_sessions)
            L.append("| server | script | security | handshake | wall ms | server CPU ms | "
                     "client CPU ms | handshake server CPU ms | sessions | resumed | check |")
            L.append("|---|---|---|---|--:|--:|--:|--:|--:|--:|---|")
            for r in st:
                hs = self.handshake_cpu(r["server"], r["security"], r["handshake"]) \
                    if r.get("script") == "quit" else None
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    r["server"], SCRIPTS.get(r.get("script", "stat")), r["security"],
                    r["handshake"], fmt(r.get("wall_ms"), "%.2f"),
                    fmt(r.get("server_cpu_ms"), "%.2f"), fmt(r.get("client_cpu_ms"), "%.2f"),
                    fmt(hs, "%.2f"), r.get("sessions", "–"), resumed_text(r),
                    r["check"].replace("|", "/")[:140]))
            L.append("")
        L += self.targets()
        L.append("## How the TLS and rate cells were run\n")
        for k, v in self.info.items():
            L.append("- **%s**: %s" % (k, v))
        L.append("- Certificate: ECDSA P-256 leaf for localhost signed by the bench's own CA "
                 "(both made with openssl under %s/tls); the client verifies it." % self.b.work)
        L.append("")
        return L

    def handshake_cpu(self, server, security, handshake):
        """Server CPU of a TLS handshake: a greeting + QUIT session over TLS
        less the same session in plaintext on the same server."""
        if security == "plain":
            return None
        t = self.cell("tls_stat", server, security, handshake, script="quit")
        p = self.cell("tls_stat", server, "plain", script="quit")
        if not (t and p) or t.get("server_cpu_ms") is None or p.get("server_cpu_ms") is None:
            return None
        return t["server_cpu_ms"] - p["server_cpu_ms"]

    def targets(self):
        """Issue 14's performance targets against this run."""
        L = ["## Targets of issue 14 (TLS, this run)\n", "| target | measured | met |",
             "|---|---|---|"]
        n = len(L)
        # The target is on large; without it, the largest size run.
        for size in ("large", "manytiny", "small", "tiny"):
            fl = self.cell("tls_retr_all", "floor: tls", "raw", size=size)
            for sec in ("stls", "implicit"):
                p = self.cell("tls_retr_all", "pop3d", sec, size=size)
                dv = self.cell("tls_retr_all", "dovecot", sec, size=size)
                if not (p and fl):
                    continue
                ratio = p["wall_ms"] / fl["wall_ms"]
                ahead = dv is None or p["wall_ms"] < dv["wall_ms"]
                L.append("| RETR of every message over TLS (%s), %s%s: wall <= 1.3 x TLS floor%s "
                         "| %.0f / %.0f ms = %.2f x%s | %s |" % (
                             sec, size, "" if size == "large" else " (issue: large)",
                             ", ahead of Dovecot" if dv else "", p["wall_ms"],
                             fl["wall_ms"], ratio, "; Dovecot %.0f ms" % dv["wall_ms"] if dv else "",
                             "yes" if ratio <= 1.3 and ahead else "**no**"))
            if len(L) > n:
                break                   # the largest size measured carries the target
        for sec in ("stls", "implicit"):
            p = self.cell("tls_stat", "pop3d", sec, "full", script="stat")
            dvs = [c for c in (self.cell("tls_stat", n_, sec, "full", script="stat")
                               for n_ in ("dovecot", "dovecot-reuse")) if c]
            if p and dvs and p.get("server_cpu_ms") is not None:
                best = min(dvs, key=lambda c: c["server_cpu_ms"])
                L.append("| tiny TLS session (%s), full handshake: server CPU <= Dovecot's | "
                         "pop3d %.2f ms, %s %.2f ms | %s |" % (
                             sec, p["server_cpu_ms"], best["server"], best["server_cpu_ms"],
                             "yes" if p["server_cpu_ms"] <= best["server_cpu_ms"] else "**no**"))
            pr = self.cell("tls_stat", "pop3d", sec, "resumed", script="stat")
            hf = self.handshake_cpu("pop3d", sec, "full")
            hr = self.handshake_cpu("pop3d", sec, "resumed")
            qr = self.cell("tls_stat", "pop3d", sec, "resumed", script="quit")
            if hf is not None and hr is not None and qr:
                ok = qr["resumed"] > 0 and hr < hf / 3
                L.append("| resumed handshake (%s): server CPU < 1/3 of a full one (greeting + "
                         "QUIT less plaintext) | %.2f / %.2f ms%s | %s |" % (
                             sec, hr, hf, "" if qr["resumed"] else " (**no resumption**)",
                             "yes" if ok else "**no**"))
            if p and pr and pr.get("server_cpu_ms") is not None:
                L.append("| (context) tiny TLS session (%s), resumed against full: server CPU | "
                         "%.2f / %.2f ms = %.2f x%s | |" % (
                             sec, pr["server_cpu_ms"], p["server_cpu_ms"],
                             pr["server_cpu_ms"] / p["server_cpu_ms"],
                             "" if pr["resumed"] else " (**no resumption**)"))
        for sec in ("stls", "implicit"):
            p = self.cell("rate", "pop3d", sec, "resumed")
            dvs = [c for c in (self.cell("rate", n_, sec, h) for n_ in ("dovecot", "dovecot-reuse")
                               for h in ("full", "resumed")) if c]
            if p and dvs:
                best = max(dvs, key=lambda c: c["rate"])
                L.append("| TLS connection rate (%s) with resumption >= Dovecot's best TLS mode | "
                         "pop3d %.1f/s%s, %s (%s) %.1f/s | %s |" % (
                             sec, p["rate"], "" if p["resumed"] else " (no resumption)",
                             best["server"], best["handshake"], best["rate"],
                             "yes" if p["resumed"] and p["rate"] >= best["rate"] else "**no**"))
        p = self.cell("rate", "pop3d", "plain")
        dvs = [c for c in (self.cell("rate", n_, "plain") for n_ in ("dovecot", "dovecot-reuse"))
               if c]
        if p and dvs:
            best = max(dvs, key=lambda c: c["rate"])
            L.append("| (context) plaintext connection rate: pop3d ahead of Dovecot's best mode "
                     "(issue: 281/s against 225/s) | pop3d %.1f/s, %s %.1f/s = %.2f x | %s |" % (
                         p["rate"], best["server"], best["rate"], p["rate"] / best["rate"],
                         "yes" if p["rate"] >= best["rate"] else "**no**"))
        if len(L) == n:
            return []
        L.append("")
        return L


SCRIPTS = {"stat": "login + STAT + QUIT", "quit": "greeting + QUIT"}


def fmt(v, f):
    return "–" if v is None else f % v


def resumed_text(r):
    if r.get("handshake") != "resumed":
        return str(r.get("resumed", "–")) if r.get("handshake") == "full" else "–"
    if not r.get("resumed"):
        return "**no resumption**"
    return "%d of %d" % (r["resumed"], r.get("sessions", 0))
