#!/usr/bin/env python3
"""The installed package's units serve mail (run as root, after install).

    units.py [UNITDIR]        (default /lib/systemd/system)

A temporary system account gets a mailbox in /var/mail in Debian's layout
(USER:mail 0660) and curl fetches every message through the installed
pop3d.socket and pop3d@.service: with systemd as PID 1, "systemctl start
pop3d.socket" on port 110; otherwise (a container, this CI) the service's
own ExecStart= under systemd-socket-activate on a loopback port, and the
output says that the socket unit itself was not started and why.  Either
way pop3d runs with the package's defaults: /var/lib/pop3d as the chroot,
the user pop3d, the index in /var/cache/pop3d.  Also checks that the
installed units pass systemd-analyze verify and that nothing is enabled.
"""

import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "launchers"))
import harness as h  # noqa: E402


def exec_start(unitdir):
    svc = open(os.path.join(unitdir, "pop3d@.service")).read()
    m = re.search(r"^ExecStart=(.+)$", svc, re.M)
    return shlex.split(m.group(1)) if m else None


def serve(cl, res, unitdir):
    """Start the installed units; returns the port or None."""
    if os.path.isdir("/run/systemd/system"):
        subprocess.run(["systemctl", "daemon-reload"], check=True)
        cl.add(subprocess.call, ["systemctl", "stop", "pop3d.socket"])
        p = subprocess.run(["systemctl", "start", "pop3d.socket"])
        if not res.ok("systemctl start pop3d.socket", p.returncode == 0):
            return None
        return 110
    print("note: systemd is not PID 1 here, so pop3d.socket itself cannot be "
          "started; running pop3d@.service's ExecStart= under "
          "systemd-socket-activate instead", flush=True)
    argv = exec_start(unitdir)
    if not res.ok("pop3d@.service has ExecStart=", argv):
        return None
    port = h.free_port()
    h.Proc(cl, ["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                "--inetd", "-a"] + argv, stderr=subprocess.DEVNULL)
    res.ok("pop3d listening on 127.0.0.1:%d" % port, h.wait_listen(port))
    return port


def verify_units(res, unitdir):
    if not h.have("systemd-analyze"):
        res.skip("systemd-analyze verify", "systemd-analyze not installed")
        return
    for unit in ("pop3d.socket", "pop3d@.service:pop3d@0.service"):
        p = subprocess.run(["systemd-analyze", "verify",
                            os.path.join(unitdir, unit)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        ours = [l for l in p.stdout.splitlines() if "pop3d" in l]
        res.ok("systemd-analyze verify installed %s" % unit,
               p.returncode == 0 and not ours, p.stdout)


def main():
    unitdir = sys.argv[1] if len(sys.argv) > 1 else "/lib/systemd/system"
    res = h.Results("package-socket")
    if os.geteuid() != 0:
        res.skip("package socket", "needs root (temporary system account)")
        return res.summary()
    cl = h.Cleanup()
    try:
        res.ok("pop3d.socket not enabled by the install", not os.path.exists(
            "/etc/systemd/system/sockets.target.wants/pop3d.socket"))
        verify_units(res, unitdir)
        tmp = h.tempdir(cl, "pop3d-package.")
        acct = h.Account(cl, tmp, prefix="p3p")
        mailbox = "/var/mail/" + acct.name
        cl.add(subprocess.call, ["rm", "-f", mailbox])
        msgs = h.sample_messages()
        h.write_mailbox(mailbox, msgs, acct.uid, h.mail_gid(), 0o660)
        port = serve(cl, res, unitdir)
        if port is None:
            return res.summary()
        for n, (_, body) in enumerate(msgs, 1):
            p = subprocess.run(
                ["curl", "-sS", "--max-time", "20", "-u",
                 "%s:%s" % (acct.name, acct.password),
                 "pop3://127.0.0.1:%d/%d" % (port, n)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            res.eq("curl RETR %d through the installed units" % n,
                   p.stdout, h.wire(body))
        res.eq("mailbox untouched", open(mailbox, "rb").read(),
               h.mbox_bytes(msgs))
        res.ok("index made in /var/cache/pop3d/%d" % acct.uid,
               os.path.exists("/var/cache/pop3d/%d/index" % acct.uid))
    except Exception:
        import traceback
        res.ok("no exception", False, traceback.format_exc())
    finally:
        cl.run()
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
