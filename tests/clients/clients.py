#!/usr/bin/env python3
"""Real POP3 clients against pop3d with a system account.

    clients.py CLIENT [user|debian|stls|pop3s]

As root: a temporary system account (useradd, password by chpasswd, shell
nologin), a spool under a temporary directory, and pop3d WITHOUT -f (so
getpwnam/getspnam) started by systemd-socket-activate on 127.0.0.1 with
-m SPOOL/%u.  Spool variants:
  user    the spool directory belongs to the user (0755), mailbox 0600;
  debian  Debian's /var/mail layout: directory root:mail 2775, mailbox
          USER:mail 0660 (the dotlock needs group mail: works only with
          privilege separation, where the privileged part makes it).
  stls    the user layout, pop3d with a certificate from a CA made here
          (logins refused before STLS); each client verifies it against
          that CA with its own TLS settings for STLS.
  pop3s   the same with --implicit-tls (port 995 style).
Each client runs three times: keep (all four messages saved), keep again
after one delivery (only the new one), then deleting after another delivery
(only the new one, which must be gone from the mailbox, the rest byte for
byte as they were).  Saved messages are compared byte for byte with the
mailbox's after removing only the additions the client documents (and with
line ends made LF where the client stores LF).
"""

import os
import poplib
import re
import shutil
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "launchers"))
import harness as h  # noqa: E402

MSGS = h.all_messages()
BASE, NEW1, NEW2 = MSGS[:4], MSGS[4], MSGS[5]


class Server:
    def __init__(self, cl, res, variant, client):
        self.cl, self.res, self.variant = cl, res, variant
        self.tmp = h.tempdir(cl, "pop3d-clients-%s-%s." % (client.replace("::", "-"), variant))
        # TLS needs pop3d-tls: pop3d has none (tls_none.c).
        self.binary = h.build_pop3d(cl, self.tmp, tls=variant in ("stls", "pop3s"))
        self.acct = h.Account(cl, self.tmp, prefix="p3c")
        self.spool = os.path.join(self.tmp, "spool")
        os.mkdir(self.spool)
        if variant == "debian":
            os.chown(self.spool, 0, h.mail_gid())
            os.chmod(self.spool, 0o2775)
        else:
            os.chown(self.spool, self.acct.uid, self.acct.gid)
            os.chmod(self.spool, 0o755)
        self.mailbox = os.path.join(self.spool, self.acct.name)
        self.port = h.free_port()
        self.errpath = os.path.join(self.tmp, "pop3d.err")
        self.err = open(self.errpath, "wb")
        tls = []
        self.ca = None
        if variant in ("stls", "pop3s"):
            self.ca, cert, key = h.make_ca(self.tmp)
            tls = ["--tls-cert=" + cert, "--tls-key=" + key]
            if variant == "pop3s":
                tls.append("--implicit-tls")
        h.Proc(cl, ["systemd-socket-activate", "-l",
                    "127.0.0.1:%d" % self.port, "--inetd", "-a",
                    self.binary, "-d", "-m", self.spool + "/%u"] +
               h.chroot_args(cl, self.binary, self.tmp) + tls,
               stderr=self.err)
        self.ok = res.ok("%s/%s: pop3d listening" % (client, variant),
                         h.wait_listen(self.port))
        self.runs = 0

    def reset(self, msgs):
        if self.variant == "debian":
            h.write_mailbox(self.mailbox, msgs, self.acct.uid, h.mail_gid(),
                            0o660)
        else:
            h.write_mailbox(self.mailbox, msgs, self.acct.uid,
                            self.acct.gid, 0o600)

    def append(self, msgs):
        h.append_mailbox(self.mailbox, msgs)

    def content(self):
        return open(self.mailbox, "rb").read()

    def log(self):
        return open(self.errpath, "rb").read().decode("utf-8", "replace")

    def outdir(self, name):
        self.runs += 1
        d = os.path.join(self.tmp, "out%d-%s" % (self.runs, name))
        os.mkdir(d)
        return d


def unix(data):
    return data.replace(b"\r\n", b"\n")


def strip_header(data, name, must_contain):
    """Remove the first header field NAME that contains MUST_CONTAIN (a
    client's own trace field, wherever in the header it was inserted)."""
    head, sep, body = data.partition(b"\n\n")
    for m in re.finditer(rb"(?im)^" + re.escape(name) +
                         rb":[^\n]*\n(?:[ \t][^\n]*\n)*", head + b"\n"):
        if must_contain in m.group(0):
            return (head + b"\n")[:m.start()] + \
                (head + b"\n")[m.end():-1] + sep + body
    return data


def files(d):
    out = []
    for root, _, names in os.walk(d):
        for n in sorted(names):
            out.append(open(os.path.join(root, n), "rb").read())
    return out


# ------------------------------------------------------------- the clients
# Each fetch(srv, state, mode) runs the real client once; mode is "keep"
# or "delete"; it returns the saved messages, normalised (LF line ends, the
# client's own additions removed), in any order.

def fetch_fetchmail(srv, state, mode):
    out = srv.outdir("fetchmail")
    home = os.path.join(state, "home")
    os.makedirs(home, exist_ok=True)
    rc = os.path.join(state, "fetchmailrc")
    a = srv.acct
    with open(rc, "w") as f:
        f.write(
            "set no bouncemail\n"
            "set no syslog\n"
            "poll 127.0.0.1 service %d protocol pop3 uidl auth password\n"
            "  timeout 30\n"
            "  user \"%s\" there with password \"%s\" is root here\n"
            "  %s\n"
            "  %s\n"
            "  mda \"/bin/sh -c 'cat > %s/msg.$$'\"\n"
            % (srv.port, a.name, a.password,
               "keep" if mode == "keep" else "no keep",
               fetchmail_tls(srv), out))
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=home, FETCHMAILHOME=home)
    p = subprocess.run(["fetchmail", "-f", rc, "-i",
                        os.path.join(state, "fetchids"), "--nodetach"],
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=90)
    # 0: mail retrieved; 1: no new mail.
    srv.res.ok("fetchmail %s run: exit status 0/1" % mode,
               p.returncode in (0, 1), p.stdout)
    # fetchmail adds its own "Received: from 127.0.0.1 [127.0.0.1] by HOST
    # with POP3 (fetchmail-6.x) ..." field after the Return-Path and
    # Delivered-To fields; the MDA gets LF line ends.
    return [strip_header(unix(m), b"Received", b"(fetchmail-")
            for m in files(out)]


def fetchmail_tls(srv):
    """No TLS for the plaintext variants; for STLS fetchmail's defaults
    (it upgrades when CAPA offers STLS, and checks the certificate) with
    only the test CA added; "ssl" for implicit TLS."""
    if srv.ca is None:
        return "sslproto ''"
    return "%ssslcertck sslcertfile \"%s\" sslcommonname localhost" % (
        "ssl " if srv.variant == "pop3s" else "", srv.ca)


def fetch_mpop(srv, state, mode):
    out = srv.outdir("mpop")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(out, sub))
    rc = os.path.join(state, "mpoprc")
    a = srv.acct
    with open(rc, "w") as f:
        if srv.ca is None:
            tls = "tls off\nauth user\n"
        else:
            # mpop's defaults but the trust file: TLS on, STLS on, and
            # "auth on", which picks SASL PLAIN from CAPA.
            tls = "tls on\ntls_starttls %s\ntls_trust_file %s\n" % (
                "on" if srv.variant == "stls" else "off", srv.ca)
        f.write("defaults\n"
                + tls +
                "timeout 30\n"
                "received_header off\n"
                "uidls_file %s/uidls\n"
                "account test\n"
                "host 127.0.0.1\n"
                "port %d\n"
                "user %s\n"
                "password %s\n"
                "delivery maildir %s\n"
                "keep %s\n"
                "only_new on\n"
                % (state, srv.port, a.name, a.password, out,
                   "on" if mode == "keep" else "off"))
    os.chmod(rc, 0o600)
    p = subprocess.run(["mpop", "-C", rc, "-q", "test"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=90)
    srv.res.ok("mpop %s run: exit status 0" % mode, p.returncode == 0,
               p.stdout)
    # Maildir delivery stores LF line ends; received_header off.
    return [unix(m) for m in files(out)]


def fetch_getmail(srv, state, mode):
    out = srv.outdir("getmail")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(out, sub))
    # getmail refuses to deliver as root: the Maildir belongs to the test
    # account and the destination's "user" makes getmail deliver as it.
    for d in (out, out + "/cur", out + "/new", out + "/tmp"):
        os.chown(d, srv.acct.uid, srv.acct.gid)
    gdir = os.path.join(state, "getmail")
    os.makedirs(gdir, exist_ok=True)
    rc = os.path.join(gdir, "getmailrc")
    first = not os.path.exists(os.path.join(state, "getmail-ran"))
    a = srv.acct
    with open(rc, "w") as f:
        f.write("[retriever]\n"
                + ("type = SimplePOP3Retriever\n" if srv.ca is None else
                   "type = SimplePOP3SSLRetriever\nca_certs = %s\n" % srv.ca) +
                "server = 127.0.0.1\n"
                "port = %d\n"
                "username = %s\n"
                "password = %s\n"
                "timeout = 30\n"
                "[destination]\n"
                "type = Maildir\n"
                "path = %s/\n"
                "user = %s\n"
                "[options]\n"
                "verbose = 0\n"
                "read_all = %s\n"
                "delete = %s\n"
                "delivered_to = false\n"
                "received = false\n"
                % (srv.port, a.name, a.password, out, a.name,
                   "true" if first else "false",
                   "false" if mode == "keep" else "true"))
    open(os.path.join(state, "getmail-ran"), "w").close()
    p = subprocess.run(["getmail", "--getmaildir", gdir, "--rcfile", rc],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=90)
    srv.res.ok("getmail %s run (read_all = %s): exit status 0"
               % (mode, "true" if first else "false"), p.returncode == 0,
               p.stdout)
    # delivered_to/received = false: no Delivered-To or Received field;
    # but a Maildir delivery adds "Return-Path: <unknown>" (no envelope
    # sender over POP3) to a message without one.  LF line ends.
    return [strip_header(unix(m), b"Return-Path", b"<unknown>")
            for m in files(out)]


def perl_fetcher(module):
    def fetch(srv, state, mode):
        out = srv.outdir(module.replace("::", "-"))
        p = subprocess.run(["perl", os.path.join(HERE, "pop3get.pl"),
                            module, str(srv.port), srv.acct.name,
                            srv.acct.password, os.path.join(state, "seen"),
                            out, mode] + ([srv.variant, srv.ca] if srv.ca
                                          else []), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=90)
        srv.res.ok("%s %s run: exit status 0" % (module, mode),
                   p.returncode == 0, p.stdout)
        msgs = files(out)
        if module == "Net::POP3" and srv.ca is None:
            # Net::Cmd gives lines with "\n" (CRLF translated) and removes
            # the dot-stuffing: exactly the LF form.
            return msgs
        # Over TLS (IO::Socket::SSL) Net::Cmd leaves the CRLF, as does
        # Mail::POP3Client always: lines as read from the socket.
        return [unix(m) for m in msgs]
    return fetch


def fetch_curl(srv, state, mode):
    """curl has no memory: like a script would, keep the UIDLs seen."""
    a = srv.acct
    base = ["curl", "-sS", "--max-time", "30", "-u",
            "%s:%s" % (a.name, a.password)]
    url = "pop3://127.0.0.1:%d/" % srv.port
    if srv.variant == "stls":
        base += ["--ssl-reqd", "--cacert", srv.ca]
    elif srv.variant == "pop3s":
        base += ["--cacert", srv.ca]
        url = "pop3s://127.0.0.1:%d/" % srv.port
    p = subprocess.run(base + ["-X", "UIDL", url], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    listing = [l.split() for l in p.stdout.decode().splitlines()]
    seenf = os.path.join(state, "seen")
    seen = set(open(seenf).read().split()) if os.path.exists(seenf) else set()
    got = []
    for n, uid in listing:
        if uid in seen:
            continue
        p = subprocess.run(base + [url + n], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        srv.res.ok("curl RETR %s: exit status 0" % n, p.returncode == 0,
                   p.stderr)
        got.append(p.stdout)
        if mode == "delete":
            # A custom command with -I: no transfer expected.
            p = subprocess.run(base + ["-X", "DELE " + n, "-I", url],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            srv.res.ok("curl DELE %s: exit status 0" % n, p.returncode == 0,
                       p.stderr)
        with open(seenf, "a") as f:
            f.write(uid + "\n")
    # curl writes the message as sent, CRLF, dot-stuffing removed: compare
    # the wire form exactly.
    for m in got:
        if b"\r\n" not in m or re.search(rb"(?<!\r)\n", m):
            srv.res.ok("curl keeps CRLF line ends", False, m[:200])
    return [unix(m) for m in got]


# What the deleting run deletes, by the client's documentation: "new" only
# the message it saved in that run; "all" also what earlier runs saved
# (mpop(1), keep: "The default behaviour is to delete mails that have been
# successfully retrieved", in this or an earlier session).
# getmail: "delete" deletes every message with a retrieval timestamp in its
# oldmail file, i.e. retrieved now or earlier (getmail's main loop).
DELETES = {"mpop": "all", "getmail": "all"}

FETCHERS = {
    "fetchmail": (fetch_fetchmail, ["fetchmail"], "fetchmail"),
    "mpop": (fetch_mpop, ["mpop"], "mpop"),
    "getmail": (fetch_getmail, ["getmail6"], "getmail"),
    "curl": (fetch_curl, ["curl"], "curl"),
    "Mail::POP3Client": (perl_fetcher("Mail::POP3Client"),
                         ["libmail-pop3client-perl"], None),
    "Net::POP3": (perl_fetcher("Net::POP3"), ["libnet-perl"], None),
}


def available(name):
    fetch, pkgs, cmd = FETCHERS[name]
    if cmd:
        if h.have(cmd):
            return True
    else:
        if subprocess.call(["perl", "-M" + name, "-e", "1"],
                           stderr=subprocess.DEVNULL) == 0:
            return True
    return h.apt_install(pkgs)


# Clients that cannot do a variant: getmail and Mail::POP3Client have no
# STLS, only implicit TLS.
UNSUPPORTED = {("getmail", "stls"), ("Mail::POP3Client", "stls")}


def scenario(cl, res, name, variant):
    if (name, variant) in UNSUPPORTED:
        res.skip("%s/%s" % (name, variant), "%s has no STLS" % name)
        return
    fetch = FETCHERS[name][0]
    srv = Server(cl, res, variant, name)
    if not srv.ok:
        return
    state = os.path.join(srv.tmp, "state")
    os.mkdir(state)
    L = "%s/%s" % (name, variant)
    bodies = lambda ms: sorted(b for _, b in ms)  # noqa: E731

    srv.reset(BASE)
    orig = srv.content()
    got = fetch(srv, state, "keep")
    res.eq("%s: first run saves the 4 messages byte for byte" % L,
           sorted(got), bodies(BASE))
    res.ok("%s: keep: mailbox unchanged" % L, srv.content() == orig)

    srv.append([NEW1])
    got = fetch(srv, state, "keep")
    res.eq("%s: second run (keep) saves only the new message" % L,
           sorted(got), bodies([NEW1]))
    res.ok("%s: keep: mailbox unchanged" % L,
           srv.content() == h.mbox_bytes(BASE + [NEW1]))

    srv.append([NEW2])
    got = fetch(srv, state, "delete")
    res.eq("%s: third run (delete) saves only the new message" % L,
           sorted(got), bodies([NEW2]))
    if DELETES.get(name, "new") == "all":
        res.eq("%s: all retrieved messages (this and earlier runs) deleted"
               % L, srv.content(), b"")
        left = 0
    else:
        res.eq("%s: exactly that message deleted, the rest byte for byte"
               % L, srv.content(), h.mbox_bytes(BASE + [NEW1]))
        left = 5
    if srv.ca is not None:
        res.ok("%s: every login over TLS (tls=%s)" % (L, srv.variant),
               len(re.findall(r"login: rip=.* tls=%s version=TLS1\.[23] "
                              r"cipher=" % ("stls" if variant == "stls" else
                                            "implicit"), srv.log())) >= 3
               and "tls=none" not in srv.log(), srv.log())
    # pop3d logs the logout after its last reply, which the client may
    # have read and exited on already: wait for the line a little.
    want = (r"logout: rip=127\.0\.0\.1 user=%s retrieved=\d+ deleted=%d "
            r"left=%d sent=\d+ end=quit" % (srv.acct.name, 6 - left, left))
    for _ in range(50):
        if re.search(want, srv.log()):
            break
        time.sleep(0.1)
    res.ok("%s: pop3d logged the deletion" % L, re.search(want, srv.log()),
           srv.log())
    spool_intact(res, L, srv)
    if res.failed:
        print("     | pop3d log:\n" + "\n".join(
            "     | " + l for l in srv.log().splitlines()[-30:]))


def spool_intact(res, L, srv):
    """No dotlock left behind; the mailbox keeps owner, group and mode."""
    st = os.stat(srv.mailbox)
    if srv.variant == "debian":
        want = (srv.acct.uid, h.mail_gid(), 0o660)
    else:
        want = (srv.acct.uid, srv.acct.gid, 0o600)
    res.eq("%s: mailbox owner, group, mode kept" % L,
           (st.st_uid, st.st_gid, st.st_mode & 0o7777), want)
    res.eq("%s: nothing left in the spool but the mailbox" % L,
           sorted(os.listdir(srv.spool)), [srv.acct.name])


# ------------------------------------------------------------- poplib

def connect(srv):
    """poplib, through STLS or implicit TLS for those variants, verifying
    the certificate against the test CA."""
    if srv.ca is None:
        return poplib.POP3("127.0.0.1", srv.port, timeout=30)
    ctx = ssl.create_default_context(cafile=srv.ca)
    if srv.variant == "pop3s":
        return poplib.POP3_SSL("127.0.0.1", srv.port, timeout=30,
                               context=ctx)
    c = poplib.POP3("127.0.0.1", srv.port, timeout=30)
    c.stls(ctx)
    return c


def poplib_all(cl, res, variant):
    """Every poplib method, replies compared with the exact texts."""
    srv = Server(cl, res, variant, "poplib")
    if not srv.ok:
        return
    L = "poplib/%s" % variant
    a = srv.acct
    srv.reset(BASE)
    orig = srv.content()
    sizes = [len(h.wire(b)) for _, b in BASE]
    total = sum(sizes)

    c = connect(srv)
    res.eq("%s: getwelcome" % L, c.getwelcome(), b"+OK POP3 server ready.")
    res.eq("%s: capa" % L, sorted(c.capa()),
           sorted(["TOP", "UIDL", "USER", "SASL", "RESP-CODES",
                   "AUTH-RESP-CODE", "PIPELINING"]))
    res.eq("%s: user" % L, c.user(a.name), b"+OK Send your password.")
    try:
        r = c.pass_(a.password)
    except poplib.error_proto as e:
        res.ok("%s: pass_" % L, False, "%s\n%s" % (e, srv.log()))
        return
    res.eq("%s: pass_" % L, r, b"+OK Logged in, 4 messages (%d octets)."
           % total)
    res.eq("%s: capa after login" % L, sorted(c.capa()),
           sorted(["TOP", "UIDL", "USER", "SASL", "RESP-CODES",
                   "AUTH-RESP-CODE", "PIPELINING"]))
    res.eq("%s: stat" % L, c.stat(), (4, total))
    r = c.list()
    res.eq("%s: list" % L, r[:2], (b"+OK 4 messages (%d octets)" % total,
           [b"%d %d" % (i + 1, s) for i, s in enumerate(sizes)]))
    res.eq("%s: list 2" % L, c.list(2), b"+OK 2 %d" % sizes[1])
    r = c.uidl()
    res.eq("%s: uidl reply" % L, r[0], b"+OK Unique-ID listing follows.")
    uids = [l.split()[1] for l in r[1]]
    res.ok("%s: uidl: 4 distinct UIDs of 1-70 printable characters" % L,
           len(set(uids)) == 4 and [l.split()[0] for l in r[1]] ==
           [b"1", b"2", b"3", b"4"] and all(
               re.fullmatch(rb"[\x21-\x7e]{1,70}", u) for u in uids), r)
    res.eq("%s: uidl 3" % L, c.uidl(3), b"+OK 3 " + uids[2])
    for n, (_, body) in enumerate(BASE, 1):
        r = c.retr(n)
        res.eq("%s: retr %d reply" % (L, n), r[0], b"+OK %d octets" % sizes[n - 1])
        res.eq("%s: retr %d byte for byte" % (L, n),
               b"".join(l + b"\r\n" for l in r[1]), h.wire(body))
    body4 = BASE[3][1]
    head4, _, rest4 = body4.partition(b"\n\n")
    r = c.top(4, 0)
    res.eq("%s: top 4 0 reply" % L, r[0], b"+OK Top of message follows.")
    res.eq("%s: top 4 0 = the header and the empty line" % L,
           b"".join(l + b"\n" for l in r[1]), head4 + b"\n\n")
    r = c.top(4, 3)
    res.eq("%s: top 4 3 (dot-stuffed body lines)" % L,
           b"".join(l + b"\n" for l in r[1]),
           head4 + b"\n\n" + b"".join(rest4.split(b"\n")[i] + b"\n"
                                      for i in range(3)))
    res.eq("%s: noop" % L, c.noop(), b"+OK Nothing to do.")
    res.eq("%s: dele 2" % L, c.dele(2), b"+OK Message deleted.")
    for label, fn in (("retr 2 after dele", lambda: c.retr(2)),
                      ("dele 2 again", lambda: c.dele(2))):
        try:
            fn()
            res.ok("%s: %s fails" % (L, label), False)
        except poplib.error_proto as e:
            res.eq("%s: %s" % (L, label), e.args[0],
                   b"-ERR Message is deleted.")
    try:
        c.retr(9)
        res.ok("%s: retr 9 fails" % L, False)
    except poplib.error_proto as e:
        res.eq("%s: retr 9" % L, e.args[0], b"-ERR No such message.")
    try:
        c.utf8()
        res.ok("%s: utf8 fails" % L, False)
    except poplib.error_proto as e:
        res.eq("%s: utf8 (not offered)" % L, e.args[0],
               b"-ERR Unknown command.")
    res.eq("%s: stat after dele" % L, c.stat(), (3, total - sizes[1]))
    res.eq("%s: rset" % L, c.rset(), b"+OK Deletion marks removed.")
    res.eq("%s: stat after rset" % L, c.stat(), (4, total))
    res.eq("%s: quit" % L, c.quit(), b"+OK Bye.")
    res.ok("%s: nothing deleted: mailbox unchanged" % L,
           srv.content() == orig)

    # Second session: only the new message is new (by UIDL); delete two.
    srv.append([NEW1])
    c = connect(srv)
    c.user(a.name)
    c.pass_(a.password)
    r = c.uidl()
    uids2 = [l.split()[1] for l in r[1]]
    res.eq("%s: UIDs stable across sessions" % L, uids2[:4], uids)
    new = [i + 1 for i, u in enumerate(uids2) if u not in uids]
    res.eq("%s: exactly the delivered message is new" % L, new, [5])
    r = c.retr(5)
    res.eq("%s: retr 5 byte for byte" % L,
           b"".join(l + b"\r\n" for l in r[1]), h.wire(NEW1[1]))
    c.dele(2)
    c.dele(4)
    res.eq("%s: quit with deletions" % L, c.quit(), b"+OK Bye.")
    res.eq("%s: messages 2 and 4 removed, the rest byte for byte" % L,
           srv.content(), h.mbox_bytes([BASE[0], BASE[2], NEW1]))

    # Third session: UIDs of what is left are unchanged.
    c = connect(srv)
    c.user(a.name)
    c.pass_(a.password)
    r = c.uidl()
    res.eq("%s: UIDs unchanged after the deletion" % L,
           [l.split()[1] for l in r[1]], [uids[0], uids[2], uids2[4]])
    c.quit()
    # A wrong password: the same reply as for any refusal.
    c = connect(srv)
    c.user(a.name)
    try:
        c.pass_("not the password")
        res.ok("%s: wrong password refused" % L, False)
    except poplib.error_proto as e:
        res.eq("%s: wrong password" % L, e.args[0],
               b"-ERR [AUTH] Authentication failed.")
    c.quit()
    spool_intact(res, L, srv)
    res.ok("%s: log lines" % L, re.search(
        r"login: rip=127\.0\.0\.1 user=%s messages=4 " % a.name,
        srv.log()) and re.search(
        r"logout: rip=127\.0\.0\.1 user=%s retrieved=1 deleted=2 left=3 "
        % a.name, srv.log()), srv.log())
    if res.failed:
        print("     | pop3d log:\n" + "\n".join(
            "     | " + l for l in srv.log().splitlines()[-30:]))


def main():
    name = sys.argv[1]
    variant = sys.argv[2] if len(sys.argv) > 2 else "user"
    res = h.Results(name)
    label = "%s/%s" % (name, variant)
    if os.geteuid() != 0:
        res.skip(label, "needs root (a temporary system account, pop3d "
                 "as root)")
        return res.summary()
    if not h.have("systemd-socket-activate"):
        res.skip(label, "systemd-socket-activate not installed (systemd)")
        return res.summary()
    if name != "poplib" and not available(name):
        res.skip(label, "%s cannot be installed (%s)" % (
            name, " ".join(FETCHERS[name][1])))
        return res.summary()
    cl = h.Cleanup()
    try:
        if name == "poplib":
            poplib_all(cl, res, variant)
        else:
            scenario(cl, res, name, variant)
    except SystemExit as e:
        res.ok("%s: finished" % label, False, str(e))
    except Exception:
        import traceback
        res.ok("%s: no exception" % label, False, traceback.format_exc())
    finally:
        cl.run()
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
