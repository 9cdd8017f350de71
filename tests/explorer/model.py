"""The explorer's reference model of a pop3d mailbox (issue 11).

Written from pop3d(8) (MAILBOX FORMAT, UIDL, SAFETY) and the rules in
the issue's semantics note, never from mailbox.c: it knows nothing of
offsets, journals or fault points, only of what a client and the file
may show.  Python 3 standard library only (XXH3-128 comes from the
system's libxxhash through ctypes, as the UIDL recipe names it).

The model is nondeterministic where the rules are: after a crash the
replay may give the file before or after the update, and an update of a
changed file may remove any of several byte-identical copies.  It keeps
a set of "worlds", each a complete state (the file, a crashed update
waiting for its replay, every session's view), and the explorer keeps
only the worlds in which every reply and every file it observed was
acceptable.  No world left means pop3d broke a rule.
"""

import ctypes
import itertools
import re

# ---- the mbox rules (MAILBOX FORMAT) ----------------------------------------

WEEKDAYS = rb'(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
MONTHS = rb'(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
# A separator after an empty line: "From " SENDER, then weekday, month,
# day (1-2 digits), time, each after one or more spaces, then a 4-digit
# year anywhere after the time.  SENDER is non-empty: a quoted string
# (spaces allowed inside) directly followed by a possibly empty run of
# non-space octets, or a run of non-space octets.
SEPARATOR_RE = re.compile(
    rb'From (?:"[^"]*"[^ ]*|[^ ]+) +' + WEEKDAYS + rb' +' + MONTHS +
    rb' +[0-9]{1,2} +[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?P<rest>.*)\Z', re.S)
YEAR_RE = re.compile(rb'(?:\A|[^0-9])[0-9]{4}(?:[^0-9]|\Z)')
LINE_MAX = 1000


def line_body(line):
    """A line without its line end (LF, and a CR just before it)."""
    if line.endswith(b'\r\n'):
        return line[:-2]
    if line.endswith(b'\n'):
        return line[:-1]
    return line


def is_empty_line(line):
    return line in (b'\n', b'\r\n')


def is_separator(line):
    """A From_ line that starts a message after an empty line."""
    if len(line) > LINE_MAX or not line.startswith(b'From '):
        return False
    m = SEPARATOR_RE.match(line_body(line))
    return bool(m) and bool(YEAR_RE.search(m.group('rest')))


def split_lines(data):
    """Lines with their line ends; the last one may have none."""
    out, pos = [], 0
    while pos < len(data):
        k = data.find(b'\n', pos)
        end = len(data) if k == -1 else k + 1
        out.append(data[pos:end])
        pos = end
    return out


def wire_of(content):
    """The octets RETR sends (before dot-stuffing): LF -> CR LF, CR LF
    stays, a last line without a line end gets one."""
    out = []
    for line in split_lines(content):
        out.append(line_body(line) + b'\r\n')
    return b''.join(out)


def key_of(octets):
    """What makes two messages "the same message": their octets, where a
    missing final newline equals one LF (a delivery agent may add it,
    semantics note, scenario 6)."""
    return octets if octets.endswith(b'\n') else octets + b'\n'


class Message:
    """One message of a file: its From_ line, content, identity octets
    (From_ line through its last octet) and region [start, end)."""

    def __init__(self, fline, content, start, end):
        self.fline = fline
        self.content = content
        self.octets = fline + content
        self.key = key_of(self.octets)
        self.start = start
        self.end = end
        self.wire = wire_of(content)
        self.size = len(self.wire)
        self.digest = None

    def __repr__(self):
        return 'Message(%r, %d octets)' % (line_body(self.fline)[:40], self.size)


class NotMbox(Exception):
    pass


def parse(data):
    """The messages of a file, in file order (MAILBOX FORMAT)."""
    if not data:
        return []
    if not data.startswith(b'From '):
        raise NotMbox('first line does not begin with "From "')
    lines = split_lines(data)
    offs, pos = [], 0
    for ln in lines:
        offs.append(pos)
        pos += len(ln)
    starts = [0]
    for i in range(1, len(lines)):
        if is_empty_line(lines[i - 1]) and is_separator(lines[i]):
            starts.append(i)
    msgs = []
    for n, s in enumerate(starts):
        e = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[s + 1:e]
        # the empty line before the next From_ line, or at the end of the
        # file, is not part of the message
        if body and is_empty_line(body[-1]):
            body = body[:-1]
        region_end = offs[e] if e < len(lines) else len(data)
        msgs.append(Message(lines[s], b''.join(body), offs[s], region_end))
    return msgs


# ---- sizes and unique-ids (UIDL) --------------------------------------------

VOLATILE = {b'status', b'x-status', b'x-uid', b'x-imap', b'x-imapbase',
            b'x-keywords', b'x-uidl', b'content-length'}


def _load_xxh3():
    class Hash128(ctypes.Structure):
        _fields_ = [('low64', ctypes.c_uint64), ('high64', ctypes.c_uint64)]
    try:
        lib = ctypes.CDLL('libxxhash.so.0')
        fn = lib.XXH3_128bits
    except (OSError, AttributeError):
        return None
    fn.restype = Hash128
    fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t]

    def xxh3_128_hex(b):
        h = fn(b, len(b))
        return '%016x%016x' % (h.high64, h.low64)
    return xxh3_128_hex


XXH3_128 = _load_xxh3()


def uidl_digest(msg):
    """The recipe of pop3d(8) UIDL: kept header fields (line ends as one
    LF), the From_ line without its line end, LF, the UIDL size, LF."""
    lines = split_lines(msg.content)
    header = []
    for ln in lines:
        if is_empty_line(ln):
            break
        header.append(ln)
    fields = []
    for ln in header:
        if ln[:1] in (b' ', b'\t'):
            if fields:
                fields[-1].append(ln)
            else:
                fields.append([ln])      # before any field: a kept one
        else:
            fields.append([ln])
    feed, dropped = [], 0
    for f in fields:
        first = f[0]
        name = first.split(b':', 1)[0].lower() if b':' in first else None
        if name in VOLATILE and first[:1] not in (b' ', b'\t'):
            dropped += sum(len(line_body(x)) + 2 for x in f)
            continue
        feed += [line_body(x) + b'\n' for x in f]
    fl = line_body(msg.fline)
    data = b''.join(feed) + fl + b'\n' + b'%d' % (msg.size - dropped) + b'\n'
    return XXH3_128(data)


def unique_ids(msgs):
    """The unique-id of each message: digest, "-N" for the N-th copy."""
    seen, out = {}, []
    for m in msgs:
        if m.digest is None:
            m.digest = uidl_digest(m)
        seen[m.digest] = seen.get(m.digest, 0) + 1
        n = seen[m.digest]
        out.append(m.digest if n == 1 else '%s-%d' % (m.digest, n))
    return out


def top_of(wire, n):
    """TOP: the header, its empty line and n body lines (of the wire
    form, whose lines all end in CR LF)."""
    lines = [l + b'\r\n' for l in wire.split(b'\r\n')[:-1]]
    for i, l in enumerate(lines):
        if l == b'\r\n':
            return b''.join(lines[:i + 1 + n])
    return wire


# ---- replies ----------------------------------------------------------------

BYE = b'+OK Bye.\r\n'
DELETED = b'+OK Message deleted.\r\n'
IS_DELETED = b'-ERR Message is deleted.\r\n'
NO_SUCH = b'-ERR No such message.\r\n'
RSET_OK = b'+OK Deletion marks removed.\r\n'
NOOP_OK = b'+OK Nothing to do.\r\n'
ERR_QUIT = b'-ERR [SYS/TEMP] Deleted messages not removed, try again later.\r\n'


def logged_in(msgs):
    return b'+OK Logged in, %d messages (%d octets).\r\n' % (
        len(msgs), sum(m.size for m in msgs))


class Reply:
    """One acceptable reply: an exact status line (or any "-ERR" line when
    status is ERR, or a closed connection when HANGUP) and a body for
    multi-line replies (un-dot-stuffed; None when there is none)."""
    ERR = 'any -ERR line'
    HANGUP = 'connection closed'

    def __init__(self, status, body=None, then=None):
        self.status = status
        self.body = body
        self.then = then            # a function world -> [worlds], or None

    def matches(self, status, body, hung):
        if self.status is Reply.HANGUP:
            return hung
        if hung:
            return False
        if self.status is Reply.ERR:
            return status.startswith(b'-ERR')
        return status == self.status and body == self.body

    def __str__(self):
        if isinstance(self.status, str):
            return '<%s>' % self.status
        s = self.status.decode('latin-1').rstrip('\r\n')
        if self.body is not None:
            s += ' + %d octets' % len(self.body)
        return s


# ---- worlds -----------------------------------------------------------------

class View:
    """A session's view: the messages at its login, their unique-ids and
    the numbers it marked; whether it still runs."""

    def __init__(self, msgs, data):
        self.msgs = msgs
        self.uids = unique_ids(msgs)
        self.login_data = data
        self.marks = frozenset()
        self.alive = True
        # the copies of each content served by RETR/TOP while the file
        # held fewer copies than the view (served_data: that file)
        self.served = {}
        self.served_data = None
        # the mailbox path was given another file (rename) since the login:
        # the session may still read its own, unchanged, file
        self.detached = False

    def copy(self):
        v = View.__new__(View)
        v.__dict__.update(self.__dict__)
        v.served = dict(self.served)
        return v


class World:
    """The file (None while a crashed update waits for its replay), the
    crashed update (pre, post, tail: the file before and after it, and
    what was appended since), whether a stale journal may still lie
    around, and each session's view."""

    def __init__(self, data):
        self.data = data
        self.pending = None
        self.stale_journal = False
        self.views = {}
        self.note = ''

    def copy(self):
        w = World.__new__(World)
        w.__dict__.update(self.__dict__)
        w.views = {k: v.copy() for k, v in self.views.items()}
        return w

    def signature(self):
        return (self.data, self.pending, self.stale_journal,
                tuple(sorted((k, v.login_data, v.marks, v.alive, v.served_data,
                              tuple(sorted(v.served.items())))
                             for k, v in self.views.items())))

    def replayed(self):
        """The worlds after a replay (or none needed): a crashed update
        is finished or undone, and what was appended since is kept."""
        if self.pending is None:
            w = self.copy()
            w.stale_journal = False
            return [w]
        pre, post, tail = self.pending
        out = []
        for base, how in ((post, 'replayed to the updated file'),
                          (pre, 'rolled back to the file before the update')):
            w = self.copy()
            w.data = base + tail
            w.pending = None
            w.stale_journal = False
            w.note = how
            out.append(w)
        return out


def copies(msgs, key):
    return sum(1 for m in msgs if m.key == key)


class Model:
    """Turns one event and what was observed into the surviving worlds."""

    MAX_WORLDS = 512

    def __init__(self, data):
        self.worlds = [World(data)]

    # -- helpers
    def _dedupe(self, worlds):
        seen, out = set(), []
        for w in worlds:
            s = w.signature()
            if s not in seen:
                seen.add(s)
                out.append(w)
        if len(out) > self.MAX_WORLDS:
            raise RuntimeError('model: more than %d worlds' % self.MAX_WORLDS)
        return out

    def filter(self, fn):
        """fn(world) -> list of successor worlds (empty: not acceptable)."""
        out = []
        for w in self.worlds:
            out += fn(w)
        return self._dedupe(out)

    # -- sessions
    @staticmethod
    def login_replies(w, name, may_crash):
        """Acceptable replies to PASS in world w: the replay of a crashed
        update first (under the locks), then the file as it is."""
        out = []
        for r in w.replayed():
            msgs = parse(r.data)

            def then(x, r=r, msgs=msgs):
                x = r.copy()
                x.views[name] = View(msgs, r.data)
                return [x]
            out.append(Reply(logged_in(msgs), then=then))
        if may_crash and (w.pending is not None or w.stale_journal):
            def dead(x):
                x = x.copy()
                return [x]
            out.append(Reply(Reply.HANGUP, then=dead))
        return out

    @staticmethod
    def _state(w, v, n):
        """'deleted', 'none', 'present' or 'maybe-gone' for message n."""
        if n < 1 or n > len(v.msgs):
            return 'none'
        if n - 1 in v.marks:
            return 'deleted'
        if w.pending is not None:
            return 'maybe-gone'
        m = v.msgs[n - 1]
        if copies(parse(w.data), m.key) >= copies(v.msgs, m.key):
            return 'present'
        return 'maybe-gone'

    def command_replies(self, w, name, verb, args):
        v = w.views[name]
        same = lambda x: [x]   # noqa: E731
        if verb == 'STAT':
            left = [m for i, m in enumerate(v.msgs) if i not in v.marks]
            return [Reply(b'+OK %d %d\r\n' % (len(left), sum(m.size for m in left)))]
        if verb == 'NOOP':
            return [Reply(NOOP_OK)]
        if verb == 'RSET':
            def then(x):
                x = x.copy()
                x.views[name].marks = frozenset()
                return [x]
            return [Reply(RSET_OK, then=then)]
        if verb in ('LIST', 'UIDL') and not args:
            return self._listing(w, v, verb)
        n = int(args[0])
        st = self._state(w, v, n)
        if st == 'none':
            return [Reply(NO_SUCH)]
        if st == 'deleted':
            return [Reply(IS_DELETED)]
        m = v.msgs[n - 1]
        if verb == 'LIST':
            ok = Reply(b'+OK %d %d\r\n' % (n, m.size))
        elif verb == 'UIDL':
            ok = Reply(b'+OK %d %s\r\n' % (n, v.uids[n - 1].encode()))
        elif verb == 'RETR':
            ok = Reply(b'+OK %d octets\r\n' % m.size, m.wire)
        elif verb == 'TOP':
            ok = Reply(b'+OK Top of message follows.\r\n', top_of(m.wire, int(args[1])))
        elif verb == 'DELE':
            def then(x):
                x = x.copy()
                x.views[name].marks = x.views[name].marks | {n - 1}
                return [x]
            ok = Reply(DELETED, then=then)
        else:
            raise ValueError('model: unknown command %s' % verb)
        if st == 'present':
            return [ok]
        # possibly gone: the exact reply, an -ERR, or (RETR/TOP) a hang-up
        # before the final "."; of the k copies the view has of this
        # content, at most the c in the file may be served (unless the
        # session's file was renamed away: its octets are still the ones
        # the session saw)
        out = [Reply(Reply.ERR)]
        if verb in ('RETR', 'TOP'):
            out.append(Reply(Reply.HANGUP))
            if w.pending is None and not v.detached:
                served = v.served.get(m.key, frozenset()) \
                    if v.served_data == w.data else frozenset()
                c = copies(parse(w.data), m.key)
                if n - 1 not in served and len(served) >= c:
                    return out

                def then(x, served=served):
                    x = x.copy()
                    xv = x.views[name]
                    if xv.served_data != x.data:
                        xv.served = {}
                        xv.served_data = x.data
                    xv.served[m.key] = served | {n - 1}
                    return [x]
                ok.then = then
        return [ok] + out

    def _listing(self, w, v, verb):
        """LIST / UIDL: every message that is not marked and not gone; a
        message that may be gone may be left out.  Returned as one Reply
        with a checker body (see ListingReply)."""
        head = b'+OK Unique-ID listing follows.\r\n' if verb == 'UIDL' else None
        entries = []
        for i, m in enumerate(v.msgs):
            if i in v.marks:
                continue
            st = self._state(w, v, i + 1)
            val = v.uids[i].encode() if verb == 'UIDL' else b'%d' % m.size
            entries.append((b'%d %s\r\n' % (i + 1, val), st == 'present'))
        return [ListingReply(verb, head, entries)]

    # -- QUIT
    @staticmethod
    def quit_results(w, v):
        """The files a QUIT may leave (semantics note, QUIT): for each
        content X with k copies in the view, j of them marked and c in the
        file now, exactly r = min(j, max(0, c - (k - j))) copies go."""
        data = w.data
        fmsgs = parse(data)
        if not v.marks:
            return [data]
        keys = {}
        for i, m in enumerate(v.msgs):
            d = keys.setdefault(m.key, [0, 0])
            d[0] += 1
            if i in v.marks:
                d[1] += 1
        # unchanged since the login, appends allowed: exactly the marked go
        n = len(v.msgs)
        if len(fmsgs) >= n and all(
                f.key == m.key and f.start == m.start
                for f, m in zip(fmsgs, v.msgs)) and data.startswith(
                    v.login_data[:v.msgs[-1].start] if v.msgs else b''):
            drop = set(v.marks)
            return [remove_regions(data, fmsgs, drop)]
        choices = []
        for key, (k, j) in keys.items():
            if j == 0:
                continue
            where = [i for i, f in enumerate(fmsgs) if f.key == key]
            c = len(where)
            r = min(j, max(0, c - (k - j)))
            choices.append(list(itertools.combinations(where, r)))
        out = []
        for combo in itertools.product(*choices):
            drop = set(i for part in combo for i in part)
            out.append(remove_regions(data, fmsgs, drop))
            if len(out) > 64:
                break
        return sorted(set(out))

    def quit_replies(self, w, name, may_crash):
        v = w.views[name]
        out = []
        starts = w.replayed() if v.marks else [w]
        if not v.marks and w.pending is not None:
            starts = [w] + w.replayed()   # may or may not replay
        for r in starts:
            if r.pending is not None:     # did not replay: nothing written
                def then(x, r=r):
                    x = r.copy()
                    x.views[name].alive = False
                    return [x]
                out.append(Reply(BYE, then=then))
                continue
            for result in self.quit_results(r, r.views[name]):
                def then(x, r=r, result=result):
                    x = r.copy()
                    x.data = result
                    x.views[name].alive = False
                    return [x]
                out.append(Reply(BYE, then=then))
                # the fault build may die at any write of the update, even
                # one that turns out to change nothing
                if may_crash:
                    def crashed(x, r=r, result=result):
                        x = r.copy()
                        x.pending = (r.data, result, b'')
                        x.data = None
                        x.views[name].alive = False
                        return [x]
                    out.append(Reply(Reply.HANGUP, then=crashed))
        if may_crash and w.pending is not None:
            def crashed_in_replay(x):
                x = x.copy()
                x.views[name].alive = False
                return [x]
            out.append(Reply(Reply.HANGUP, then=crashed_in_replay))
        if w.pending is not None and v.marks:
            # another session's crashed update is still to be replayed: QUIT
            # may also refuse and leave everything as it is
            def refused(x):
                x = x.copy()
                x.views[name].alive = False
                return [x]
            out.append(Reply(ERR_QUIT, then=refused))
        return out


class ListingReply(Reply):
    """A LIST or UIDL listing: entries (line, required) in order; a line
    not required may be missing (its message may be gone)."""

    def __init__(self, verb, head, entries):
        Reply.__init__(self, head)
        self.verb = verb
        self.entries = entries

    def matches(self, status, body, hung):
        if hung or body is None:
            return False
        if self.status is not None and status != self.status:
            return False
        if self.status is None and not status.startswith(b'+OK'):
            return False
        got = split_lines(body)
        i = 0
        for line, required in self.entries:
            if i < len(got) and got[i] == line:
                i += 1
            elif required:
                return False
        if i != len(got):
            return False
        if self.verb == 'LIST':
            # the count of the lines listed, or of the session's messages
            # not marked (as STAT counts them)
            heads = set()
            for lines in (got, [l for l, _ in self.entries]):
                total = sum(int(l.split()[1]) for l in lines)
                heads.add(b'+OK %d messages (%d octets)\r\n' % (len(lines), total))
            return status in heads
        return True

    def __str__(self):
        req = sum(1 for _, r in self.entries if r)
        return '%s listing of %d entries (%d required): %s' % (
            self.verb, len(self.entries), req,
            b''.join(l for l, _ in self.entries).decode('latin-1').replace('\r\n', '; '))


def remove_regions(data, msgs, drop):
    """data without the regions (From_ line up to the next From_ line) of
    the messages whose indexes are in drop."""
    out, pos = [], 0
    for i, m in enumerate(msgs):
        if i in drop:
            out.append(data[pos:m.start])
            pos = m.end
    out.append(data[pos:])
    return b''.join(out)
