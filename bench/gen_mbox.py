#!/usr/bin/env python3
"""Deterministic generator of realistic mboxo mailboxes for the pop3d benchmark.

Writes OUT (the mailbox, as a Debian MDA such as Postfix local(8) or procmail
writes it: a From_ line in ctime format before each message, body lines that
begin with "From " quoted as ">From ", an empty line after each message) and
OUT.idx, a sidecar that records what an independent parser must find:

    # pop3d-bench-index v1
    # count N
    # file_size BYTES
    # wire_total OCTETS              (sum of RFC 1939 sizes: LF counted as CRLF)
    # md5_retr HEX                   (MD5 of every message's dot-stuffed CRLF form, concatenated)
    # md5_top0 HEX                   (same for the header blocks, blank line included: TOP n 0)
    then one line per message, tab-separated:
    from_off  msg_off  msg_len  hdr_len  wire_size  wire_hdr_size
      from_off  offset of the From_ line
      msg_off   offset of the first header byte
      msg_len   bytes of the message as stored (From_ line and separator excluded)
      hdr_len   bytes of the header block, up to and including the empty line

The output depends only on (profile, seed): Python's random.Random is
specified to be reproducible for a given seed across versions for random(),
randrange() and getrandbits(), which are the only calls used here.

Usage: gen_mbox.py PROFILE OUT [--seed N]
       gen_mbox.py --check OUT     (re-parse OUT independently, compare with OUT.idx)
PROFILE: tiny (10 msgs), small (1,000, ~20 MB), large (20,000, ~400 MB),
manytiny (100,000 of ~1 KB, ~100 MB), or a count N (normal mix).
"""

import base64
import hashlib
import os
import sys

from random import Random

PROFILES = {
    "tiny": (10, "normal"),
    "small": (1000, "normal"),
    "large": (20000, "normal"),
    "manytiny": (100000, "tiny"),
}

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "an", "el",
             "or", "ix", "um", "be", "da", "fe", "go", "hu", "ja", "pe",
             "qu", "ze", "wy", "st", "tr", "ch", "sh", "en", "is", "at")
COMMON = ("the", "and", "of", "to", "a", "in", "is", "that", "for", "it",
          "with", "as", "on", "be", "at", "by", "this", "we", "you", "from",
          "or", "have", "not", "are", "but", "will", "can", "all", "your",
          "please", "meeting", "report", "server", "patch", "release",
          "thanks", "attached", "regards", "tomorrow", "review", "build",
          "mailbox", "invoice", "schedule", "question", "update", "issue")
DOMAINS = ("example.org", "example.com", "example.net", "lists.example.org",
           "mail.example.com", "corp.example", "uni.example.edu")
MTAS = ("Postfix", "Exim 4.96", "Microsoft SMTP Server", "OpenSMTPD",
        "Sendmail 8.17.1/8.17.1")
TYPES = (("application/pdf", "pdf"), ("image/jpeg", "jpg"),
         ("image/png", "png"), ("application/zip", "zip"),
         ("application/vnd.oasis.opendocument.text", "odt"),
         ("application/octet-stream", "bin"))

# Days since 1970-01-01 to a (year, month, day) triple, proleptic Gregorian.
def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d)


def split_time(t):
    days, secs = divmod(t, 86400)
    y, m, d = civil_from_days(days)
    wd = WEEKDAYS[(days + 3) % 7]          # 1970-01-01 was a Thursday
    return y, m, d, wd, secs // 3600, secs // 60 % 60, secs % 60


def ctime_str(t):
    """'Thu Jan  1 00:00:00 2024' as in the From_ line (asctime format)."""
    y, m, d, wd, hh, mm, ss = split_time(t)
    return "%s %s %2d %02d:%02d:%02d %d" % (wd, MONTHS[m - 1], d, hh, mm, ss, y)


def rfc5322_date(t, tz_min):
    y, m, d, wd, hh, mm, ss = split_time(t + tz_min * 60)
    sign = "+" if tz_min >= 0 else "-"
    a = abs(tz_min)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        wd, d, MONTHS[m - 1], y, hh, mm, ss, sign, a // 60, a % 60)


class Generator:
    def __init__(self, seed):
        self.r = Random(seed)
        r = self.r
        self.words = list(COMMON)
        for _ in range(3000):
            n = 1 + r.randrange(4)
            self.words.append("".join(SYLLABLES[r.randrange(len(SYLLABLES))]
                                      for _ in range(n)))
        self.people = []
        for i in range(300):
            first = self.word().capitalize()
            last = self.word().capitalize() + self.word()
            dom = DOMAINS[r.randrange(len(DOMAINS))]
            addr = "%s.%s@%s" % (first.lower(), last.lower(), dom)
            self.people.append((first + " " + last, addr))
        self.text_pool = self.make_text_pool(60000)
        self.text_cum = [0]
        for line in self.text_pool:
            self.text_cum.append(self.text_cum[-1] + len(line))
        raw = r.getrandbits(8 * 3 * 1024 * 1024).to_bytes(3 * 1024 * 1024, "little")
        self.b64_pool = base64.encodebytes(raw)      # 76 chars + LF per line
        self.b64_lines = len(self.b64_pool) // 77

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def word(self):
        return self.words[self.r.randrange(len(self.words))]

    def sentence(self, maxlen):
        r = self.r
        out = []
        n = 0
        target = 20 + r.randrange(max(1, maxlen - 20))
        while n < target:
            w = self.word()
            out.append(w)
            n += len(w) + 1
        s = " ".join(out)
        return s[:1].upper() + s[1:]

    def make_text_pool(self, nlines):
        """Lines (each ending in LF) of plausible mail text: paragraphs,
        quotes, signatures, and the lines mbox and POP3 must handle:
        '>From ' (a quoted 'From '), '.', '..', '.hidden', 'From:'."""
        r = self.r
        pool = []
        while len(pool) < nlines:
            k = r.randrange(100)
            if k < 70:
                for _ in range(1 + r.randrange(6)):
                    pool.append(self.sentence(76) + "\n")
                pool.append("\n")
            elif k < 80:
                for _ in range(1 + r.randrange(4)):
                    pool.append("> " + self.sentence(70) + "\n")
                pool.append("\n")
            elif k < 85:
                # "From " at a line start is quoted by the MDA (mboxo);
                # sometimes right after an empty line, where it would
                # otherwise start a new message.
                pool.append(">From %s %s\n" % (self.word(), self.sentence(40)))
                if r.randrange(2):
                    pool.append("\n")
                    pool.append(">From the desk of %s\n" % self.word())
                pool.append("\n")
            elif k < 90:
                pool.append(self.pick((".\n", "..\n", ".hidden %s\n" % self.word(),
                                      "...and then %s\n" % self.sentence(40),
                                      ". \n")))
            elif k < 94:
                p = self.people[r.randrange(len(self.people))]
                pool.append("-------- Forwarded Message --------\n")
                pool.append("From: %s <%s>\n" % p)
                pool.append("Subject: %s\n" % self.sentence(50))
                pool.append("\n")
            elif k < 97:
                pool.append("-- \n")
                pool.append("%s\n" % self.people[r.randrange(len(self.people))][0])
                pool.append("\n")
            else:
                pool.append("%s\n" % ("=" * (10 + r.randrange(60))))
        # The MDA quotes every "From " at a line start (mboxo).
        return [">" + s if s.startswith("From ") else s for s in pool]

    def text(self, size):
        """About `size` bytes of body text from the pool (whole lines)."""
        r = self.r
        n = len(self.text_pool)
        start = r.randrange(n)
        cum = self.text_cum
        # Find the end line by bisection on cumulative sizes.
        lo, hi = start, n
        goal = cum[start] + size
        if cum[n] < goal:
            start, lo, goal = 0, 0, size
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < goal:
                lo = mid + 1
            else:
                hi = mid
        return "".join(self.text_pool[start:max(lo, start + 1)])

    def b64(self, size):
        nl = max(1, size // 77)
        start = self.r.randrange(self.b64_lines - nl)
        return self.b64_pool[start * 77:(start + nl) * 77]

    def headers(self, t, sender, to, subject, small):
        r = self.r
        h = []
        h.append("Return-Path: <%s>\n" % sender)
        h.append("X-Original-To: %s\n" % to[1])
        h.append("Delivered-To: %s\n" % to[1])
        hops = 1 if small else 2 + r.randrange(4)
        ht = t
        qid = "%X" % r.getrandbits(40)
        for i in range(hops):
            dom = DOMAINS[r.randrange(len(DOMAINS))]
            mta = MTAS[r.randrange(len(MTAS))]
            ip = "192.0.2.%d" % (1 + r.randrange(254))
            h.append("Received: from mx%d.%s (mx%d.%s [%s])\n"
                     "\tby %s (%s) with ESMTPS id %s\n"
                     "\tfor <%s>; %s (UTC)\n"
                     % (i, dom, i, dom, ip,
                        "mail.example.net" if i == 0 else "relay%d.%s" % (i, dom),
                        mta, qid, to[1], rfc5322_date(ht, 0)))
            ht -= 1 + r.randrange(30)
            qid = "%X" % r.getrandbits(40)
        sdom = sender.rpartition("@")[2] or "example.org"
        if not small:
            if r.randrange(3):
                h.append("Authentication-Results: mail.example.net;\n"
                         "\tdkim=pass (2048-bit key) header.d=%s header.i=@%s;\n"
                         "\tspf=pass smtp.mailfrom=%s\n" % (sdom, sdom, sender))
            sig = base64.b64encode(r.getrandbits(256 * 8).to_bytes(256, "little")).decode()
            bh = base64.b64encode(r.getrandbits(256).to_bytes(32, "little")).decode()
            h.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\n"
                     "\ts=sel%d; t=%d; h=from:to:subject:date:message-id;\n"
                     "\tbh=%s;\n" % (sdom, r.randrange(4), t, bh))
            h.append("\tb=" + "\n\t ".join(sig[i:i + 64] for i in range(0, len(sig), 64)) + "\n")
        tz = self.pick((0, 60, 120, -300, -420, 330, 540))
        h.append("Message-ID: <%x.%x@%s>\n" % (t, r.getrandbits(48), sdom))
        h.append("Date: %s\n" % rfc5322_date(ht, tz))
        return h

    def message(self, t, kind):
        """One message as stored (LF line ends); returns (text_bytes, hdr_len)."""
        r = self.r
        if r.randrange(200) == 0:
            sender_name, sender = "Mail Delivery System", "MAILER-DAEMON@mail.example.net"
            env_sender = "MAILER-DAEMON"
        else:
            sender_name, sender = self.people[r.randrange(len(self.people))]
            env_sender = sender
        to = ("Bench User", "benchuser@example.net")
        subject = self.sentence(60)
        small = kind == "tiny"
        h = self.headers(t, sender, to, subject, small)
        h.append("From: %s <%s>\n" % (sender_name, sender))
        h.append("To: %s <%s>\n" % to)
        if not small and r.randrange(4) == 0:
            h.append("Cc: %s <%s>\n" % self.people[r.randrange(len(self.people))])
        if not small and r.randrange(8) == 0:
            h.append("Subject: =?UTF-8?B?%s?=\n"
                     % base64.b64encode(subject[:40].encode()).decode())
        else:
            h.append("Subject: %s%s\n" % (self.pick(("", "", "Re: ", "Fwd: ")), subject))
        if not small and r.randrange(5) == 0:
            h.append("List-Id: <dev.lists.example.org>\n"
                     "List-Unsubscribe: <mailto:dev-unsubscribe@lists.example.org>\n"
                     "Precedence: list\n")
        h.append("MIME-Version: 1.0\n")
        parts = []
        if kind == "tiny":
            size = 100 + r.randrange(300)
            h.append("Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: 8bit\n")
            parts.append(self.text(size))
            big = 0
        else:
            # Size mix: the rest text messages of 2-20 KB (log-uniform),
            # 1 in 48 with a 0.1-2 MB base64 attachment (log-uniform).
            size = int(2048 * 10 ** r.random())
            big = int(102400 * 20 ** r.random()) if r.randrange(48) == 0 else 0
            hsize = sum(len(x) for x in h)
            body = max(200, size - hsize - 200)
            b = "=_%016x" % r.getrandbits(64)
            style = r.randrange(100)
            if big:
                style = 100
            if style < 55:
                h.append("Content-Type: text/plain; charset=utf-8; format=flowed\n"
                         "Content-Transfer-Encoding: 8bit\n")
                parts.append(self.text(body))
            elif style < 80:
                h.append('Content-Type: multipart/alternative; boundary="%s"\n' % b)
                txt = self.text(body // 3)
                html = "<html><body>\n" + txt.replace("\n\n", "\n<p>\n") + "</body></html>\n"
                parts.append("This is a multi-part message in MIME format.\n\n"
                             "--%s\nContent-Type: text/plain; charset=utf-8\n"
                             "Content-Transfer-Encoding: 8bit\n\n%s\n"
                             "--%s\nContent-Type: text/html; charset=utf-8\n"
                             "Content-Transfer-Encoding: 8bit\n\n%s\n--%s--\n"
                             % (b, txt, b, html, b))
            else:
                att = big if big else max(300, body * 2 // 3)
                ctype, ext = TYPES[r.randrange(len(TYPES))]
                name = "%s-%d.%s" % (self.word(), r.randrange(10000), ext)
                h.append('Content-Type: multipart/mixed; boundary="%s"\n' % b)
                txt = self.text(max(100, body - att))
                parts.append("This is a multi-part message in MIME format.\n\n"
                             "--%s\nContent-Type: text/plain; charset=utf-8\n"
                             "Content-Transfer-Encoding: 8bit\n\n%s\n"
                             "--%s\nContent-Type: %s; name=\"%s\"\n"
                             "Content-Disposition: attachment; filename=\"%s\"\n"
                             "Content-Transfer-Encoding: base64\n\n"
                             % (b, txt, b, ctype, name, name))
                parts.append(self.b64(att))
                parts.append("\n--%s--\n" % b)
        hdr = "".join(h).encode() + b"\n"
        body = b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)
        return hdr + body, len(hdr), env_sender


def stuffed_wire(b):
    """RFC 1939 form of stored bytes b (LF only): CRLF line ends, dot-stuffed."""
    w = b.replace(b"\n", b"\r\n")
    w = w.replace(b"\r\n.", b"\r\n..")
    if w[:1] == b".":
        w = b"." + w
    return w


def generate(profile, out, seed):
    if profile in PROFILES:
        count, kind = PROFILES[profile]
    else:
        count, kind = int(profile), "normal"
    g = Generator(seed)
    r = g.r
    t = 1672531200 + r.randrange(86400)        # 2023-01-01
    md5_retr = hashlib.md5()
    md5_top = hashlib.md5()
    wire_total = 0
    rows = []
    off = 0
    chunk = []
    chunk_len = 0
    tmp = out + ".part"
    with open(tmp, "wb") as f:
        for i in range(count):
            t += 1 + r.randrange(3600 if count <= 1000 else 900)
            msg, hdr_len, env = g.message(t, kind)
            from_line = ("From %s %s\n" % (env, ctime_str(t))).encode()
            lf = msg.count(b"\n")
            lf_hdr = msg.count(b"\n", 0, hdr_len)
            wire = len(msg) + lf
            wire_total += wire
            rows.append("%d\t%d\t%d\t%d\t%d\t%d\n" % (
                off, off + len(from_line), len(msg), hdr_len, wire, hdr_len + lf_hdr))
            md5_retr.update(stuffed_wire(msg))
            md5_top.update(stuffed_wire(msg[:hdr_len]))
            chunk.append(from_line)
            chunk.append(msg)
            chunk.append(b"\n")
            n = len(from_line) + len(msg) + 1
            off += n
            chunk_len += n
            if chunk_len >= 8 << 20:
                f.write(b"".join(chunk))
                chunk, chunk_len = [], 0
        f.write(b"".join(chunk))
    with open(out + ".idx.part", "w") as f:
        f.write("# pop3d-bench-index v1\n# profile %s seed %d\n# count %d\n"
                "# file_size %d\n# wire_total %d\n# md5_retr %s\n# md5_top0 %s\n"
                % (profile, seed, count, off, wire_total,
                   md5_retr.hexdigest(), md5_top.hexdigest()))
        f.writelines(rows)
    os.replace(tmp, out)
    os.replace(out + ".idx.part", out + ".idx")
    return count, off


def check(out):
    """Re-parse OUT independently of the generator (pop3d's mbox rules: a
    From_ line at file start or after an empty line, with a ctime-like date;
    the empty line before the next one is not part of the message) and
    compare with OUT.idx.  Returns a list of problems."""
    import re
    with open(out, "rb") as f:
        d = f.read()
    rows = [[int(x) for x in l.split("\t")] for l in open(out + ".idx") if not l.startswith("#")]
    pat = re.compile(rb"(?:\A|(?<=\n\n))From \S+ (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
                     rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d "
                     rb"\d\d:\d\d(?::\d\d)? .*\d{4}\n")
    starts = list(pat.finditer(d))
    problems = []
    if len(starts) != len(rows):
        return ["%d From_ lines parsed, index has %d messages" % (len(starts), len(rows))]
    for i, m in enumerate(starts):
        end = starts[i + 1].start() - 1 if i + 1 < len(starts) else len(d) - 1
        r = rows[i]
        msg = d[m.end():end]
        if (r[0], r[1], r[1] + r[2]) != (m.start(), m.end(), end) or d[end:end + 1] != b"\n":
            problems.append("message %d: boundaries differ" % (i + 1))
        elif r[4] != len(msg) + msg.count(b"\n") or not msg[:r[3]].endswith(b"\n\n"):
            problems.append("message %d: sizes differ" % (i + 1))
        if len(problems) > 5:
            break
    return problems


def main(argv):
    seed = 6
    args = []
    i = 1
    if len(argv) == 3 and argv[1] == "--check":
        problems = check(argv[2])
        for p in problems:
            print(p)
        print("%s: %s" % (argv[2], "index agrees with an independent parse" if not problems
                           else "INDEX WRONG"))
        return 1 if problems else 0
    while i < len(argv):
        if argv[i] == "--seed":
            seed = int(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    count, size = generate(args[0], args[1], seed)
    print("%s: %d messages, %d bytes" % (args[1], count, size))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
