#!/usr/bin/env python3
"""dist/fail2ban against real pop3d log output.

pop3d runs as root under systemd-socket-activate on loopback (with -d, and
with a private /dev/log).  Real clients (curl and Python's poplib) log in
with wrong passwords, an unknown user and correct passwords.  From pop3d's
output three logs are made:
  - stderr (-d) lines with a syslog-file prefix ("Mon DD HH:MM:SS host ");
  - the syslog(3) datagrams as rsyslog writes them to /var/log/mail.log;
  - only the successful sessions (nothing may match there).
fail2ban-regex (with dist/fail2ban/filter.d/pop3d.conf inside a copy of
/etc/fail2ban, which provides common.conf) must match exactly the failed
logins, each with 127.0.0.1.  Then a private fail2ban-server runs the
shipped jail (polling a log file instead of the journal, the dummy action)
and must ban 127.0.0.1 after maxretry failures.
"""

import os
import poplib
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import launchers  # noqa: E402


def syslog_time():
    return time.strftime("%b %e %H:%M:%S")


def regex_run(res, conf, logfile):
    """fail2ban-regex -o ip: the addresses of the matched lines."""
    p = subprocess.run(["fail2ban-regex", "-o", "ip", logfile,
                        os.path.join(conf, "filter.d", "pop3d.conf")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    if p.returncode != 0:
        res.ok("fail2ban-regex runs on %s" % os.path.basename(logfile),
               False, p.stdout)
        return None
    return [l.strip() for l in p.stdout.splitlines() if l.strip()]


def failed_logins(e):
    """Failed logins by real clients; returns how many pop3d must log."""
    a, port = e.acct, e.port
    n = 0
    # curl, wrong password (one attempt per connection), twice.
    for i in range(2):
        subprocess.run(["curl", "-sS", "--max-time", "20", "-u",
                        "%s:wrong%d" % (a.name, i),
                        "pop3://127.0.0.1:%d/1" % port],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30)
        n += 1
    # poplib: three wrong passwords on one connection (pop3d then closes).
    c = poplib.POP3("127.0.0.1", port, timeout=20)
    for i in range(3):
        c.user(a.name)
        try:
            c.pass_("bad guess %d" % i)
        except poplib.error_proto:
            n += 1
    c.close()
    # An unknown user whose name looks like an address field.
    c = poplib.POP3("127.0.0.1", port, timeout=20)
    c.user("rip=192.0.2.66")
    try:
        c.pass_("x")
    except poplib.error_proto:
        n += 1
    c.quit()
    return n


def good_logins(e):
    a, port = e.acct, e.port
    subprocess.run(["curl", "-sS", "--max-time", "20", "-u",
                    "%s:%s" % (a.name, a.password),
                    "pop3://127.0.0.1:%d/1" % port],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=30)
    c = poplib.POP3("127.0.0.1", port, timeout=20)
    c.user(a.name)
    c.pass_(a.password)
    c.stat()
    c.quit()
    return 2


def run(cl, res):
    e = launchers.Env(cl, res, "f2b")
    errpath = os.path.join(e.tmp, "pop3d.err")
    err = open(errpath, "wb")
    h.Proc(cl, e.sink.ns_wrap() + [
        "systemd-socket-activate", "-l", "127.0.0.1:%d" % e.port,
        "--inetd", "-a", e.binary, "-d"] + e.args, stderr=err)
    if not res.ok("pop3d listening", h.wait_listen(e.port)):
        return

    conf = os.path.join(e.tmp, "fail2ban")
    shutil.copytree("/etc/fail2ban", conf, symlinks=True)
    for d in ("filter.d", "jail.d"):
        shutil.copy(os.path.join(h.TOP, "dist", "fail2ban", d, "pop3d.conf"),
                    os.path.join(conf, d))

    nbad = failed_logins(e)
    ngood = good_logins(e)
    if not res.ok("pop3d logged %d failed logins" % nbad,
                  e.sink.wait_for(r"(?s)(login failed: .*?){%d}" % nbad)
                  and h.SyslogSink.wait_for(e.sink, r"(?s)(logout: .*?){%d}"
                                            % ngood), e.sink.text()):
        return
    time.sleep(0.5)
    err.close()

    host = socket.gethostname()
    # 1. stderr (-d) with a syslog-file prefix.
    lines = [l for l in open(errpath, "rb").read().decode(
        "utf-8", "replace").splitlines() if re.match(r"pop3d\[\d+\]: ", l)]
    stamp = syslog_time()
    log1 = os.path.join(e.tmp, "stderr.log")
    with open(log1, "w") as f:
        for l in lines:
            f.write("%s %s %s\n" % (stamp, host, l))
    # 2. the syslog datagrams, as rsyslog writes them to mail.log.
    log2 = os.path.join(e.tmp, "mail.log")
    with open(log2, "w") as f:
        for l in e.sink.text().splitlines():
            m = re.match(r"<\d+>(\w{3} [ \d]\d \d\d:\d\d:\d\d) (.*)$", l)
            if m:
                f.write("%s %s %s\n" % (m.group(1), host, m.group(2)))
    # 3. only the successful sessions.
    log3 = os.path.join(e.tmp, "good.log")
    with open(log1) as f, open(log3, "w") as g:
        good = [l for l in f if " login failed: " not in l]
        g.writelines(good)

    for label, path in (("stderr with syslog prefix", log1),
                        ("rsyslog mail.log", log2)):
        text = open(path).read()
        want = len(re.findall(r" pop3d\[\d+\]: login failed: ", text))
        res.eq("%s: pop3d logged %d failures" % (label, nbad), want, nbad)
        res.ok("%s: successful logins logged too" % label,
               len(re.findall(r" pop3d\[\d+\]: login: ", text)) == ngood,
               text)
        ips = regex_run(res, conf, path)
        if ips is not None:
            res.eq("%s: fail2ban-regex matches exactly the %d failures, "
                   "all from 127.0.0.1" % (label, nbad),
                   ips, ["127.0.0.1"] * nbad)
    ips = regex_run(res, conf, log3)
    res.ok("successful logins and logouts only: no match",
           ips == [] and len(open(log3).readlines()) >= 2 * ngood,
           "%r\n%s" % (ips, open(log3).read()))

    jail_server(cl, res, e, conf, open(log1).readlines())


def jail_server(cl, res, e, conf, lines):
    """The shipped jail in a private fail2ban-server, reading a log file."""
    if not os.path.exists("/usr/bin/fail2ban-server"):
        res.skip("fail2ban-server", "not installed")
        return
    run = os.path.join(e.tmp, "f2brun")
    os.mkdir(run)
    watched = os.path.join(run, "mail.log")
    open(watched, "w").close()
    banned = os.path.join(run, "banned")
    # Only our jail; the Debian default jail (sshd) is dropped.
    for f in os.listdir(os.path.join(conf, "jail.d")):
        if f != "pop3d.conf":
            os.remove(os.path.join(conf, "jail.d", f))
    with open(os.path.join(conf, "fail2ban.local"), "w") as f:
        f.write("[DEFAULT]\nsocket = %s/sock\npidfile = %s/pid\n"
                "dbfile = :memory:\nlogtarget = %s/fail2ban.log\n"
                % (run, run, run))
    # The journal variant cannot run here (no journald): switch the jail
    # to the commented log-file variant, and to the dummy action.
    with open(os.path.join(conf, "jail.local"), "w") as f:
        f.write("[DEFAULT]\nignoreself = false\nignoreip =\n"
                "[pop3d]\nbackend = polling\nlogpath = %s\n"
                "journalmatch =\naction = dummy[target=\"%s\"]\n"
                % (watched, banned))
    p = subprocess.run(["fail2ban-client", "-c", conf, "-d"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    res.ok("fail2ban-client -d reads the jail",
           "['add', 'pop3d', 'polling']" in p.stdout and
           "'maxretry', 6]" in p.stdout, p.stdout[-2000:])
    srv = h.Proc(cl, ["fail2ban-server", "-f", "-x", "-c", conf,
                      "-s", run + "/sock", "-p", run + "/pid"],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = ["fail2ban-client", "-c", conf, "-s", run + "/sock"]
    end = time.time() + 30
    while time.time() < end:
        if subprocess.call(client + ["ping"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0:
            break
        time.sleep(0.5)
    else:
        res.ok("fail2ban-server starts", False,
               open(run + "/fail2ban.log", errors="replace").read()
               if os.path.exists(run + "/fail2ban.log") else "")
        return
    time.sleep(1.5)  # let the poller see the file
    stamp = syslog_time()
    fails = [l for l in lines if " login failed: " in l]
    others = [l for l in lines if " login failed: " not in l]
    with open(watched, "a") as f:
        for l in others:
            f.write(stamp + l[15:])
        for l in fails:
            f.write(stamp + l[15:])
    got = ""
    end = time.time() + 30
    while time.time() < end:
        got = subprocess.run(client + ["status", "pop3d"],
                             stdout=subprocess.PIPE, text=True).stdout
        if "127.0.0.1" in got:
            break
        time.sleep(0.5)
    res.ok("fail2ban-server: jail pop3d banned 127.0.0.1 after %d failures"
           % len(fails),
           re.search(r"Banned IP list:\s+127\.0\.0\.1\s*$", got, re.M) and
           re.search(r"Total failed:\s+%d\b" % len(fails), got), got +
           (open(run + "/fail2ban.log", errors="replace").read()[-3000:]
            if os.path.exists(run + "/fail2ban.log") else ""))
    res.ok("the dummy action recorded the ban",
           os.path.exists(banned) and "+127.0.0.1" in open(banned).read())
    subprocess.call(client + ["stop"], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, timeout=30)
    srv.p.wait(15)


def main():
    res = h.Results("fail2ban")
    if os.geteuid() != 0:
        res.skip("fail2ban", "needs root (pop3d as root, a temporary "
                 "account)")
        return res.summary()
    if not h.have("fail2ban-regex") and not h.apt_install(["fail2ban"]):
        res.skip("fail2ban", "fail2ban cannot be installed")
        return res.summary()
    for tool in ("systemd-socket-activate", "curl", "unshare"):
        if not h.have(tool):
            res.skip("fail2ban", "%s not installed" % tool)
            return res.summary()
    cl = h.Cleanup()
    try:
        run(cl, res)
    except SystemExit as ex:
        res.ok("fail2ban: finished", False, str(ex))
    except Exception:
        import traceback
        res.ok("fail2ban: no exception", False, traceback.format_exc())
    finally:
        cl.run()
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
