"""Delivery racing: procmail, Postfix-style dotlockfile + fcntl, and
Python's mailbox.mbox deliver in bounded loops while two session loops
log in, RETR, DELE and QUIT (one of them with the 64 KiB-step fault build,
so its UPDATEs are long).  Afterwards every delivered message is there
exactly once and intact, and exactly the deleted ones are gone."""

import os
import random
import shutil
import subprocess
import sys
import threading
import time

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED, ERR_CHANGED, ERR_GONE, ERR_QUIT, ERR_INUSE

HERE = os.path.dirname(os.path.abspath(__file__))
AGENTS = ('procmail', 'dotlockfile', 'pymbox')


def register(test, ctx):
    test('delivery race: procmail, dotlockfile+fcntl, mailbox.mbox racing sessions')(
        lambda: race(ctx))


def have_agents():
    missing = [p for p in ('procmail', 'dotlockfile') if shutil.which(p) is None]
    if not missing:
        return []
    if os.geteuid() == 0 and shutil.which('apt-get'):
        for attempt in range(6):
            r = subprocess.run(['apt-get', 'install', '-y', '-q', 'procmail',
                                'liblockfile-bin'], capture_output=True, text=True,
                               timeout=300, env=dict(os.environ,
                                                     DEBIAN_FRONTEND='noninteractive'))
            if r.returncode == 0:
                break
            if 'lock' in r.stderr:
                time.sleep(10)      # another apt/dpkg holds its lock
                continue
            subprocess.run(['apt-get', 'update', '-q'], capture_output=True, timeout=300)
    return [p for p in ('procmail', 'dotlockfile') if shutil.which(p) is None]


class Book:
    """What the sessions saw and did."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deleted = set()
        self.errors = []
        self.sessions = 0
        self.quit_failed = 0
        self.in_use = 0
        self.changed = 0
        self.gone = 0
        self.retrs = 0


def session_loop(ctx, env, binary, book, known, stop, rnd, max_sessions):
    while not stop.is_set() and book.sessions < max_sessions:
        s = env.session(binary=binary)
        try:
            st = s.login(timeout=60)
            if st == ERR_INUSE:
                with book.lock:
                    book.in_use += 1
                continue
            check(st.startswith(b'+OK Logged in, '), 'PASS: %s' % lib.short(st))
            n = int(st.split()[3])
            pending = set()
            for _ in range(rnd.randint(0, 3)):
                if n == 0:
                    break
                k = rnd.randint(1, n)
                st, body = s.cmd(b'RETR %d' % k, multi=True)
                if st == ERR_CHANGED:
                    with book.lock:
                        book.changed += 1
                    continue
                # The other session's QUIT removed it (the manual, SAFETY:
                # "A message whose octets are no longer in the file is gone").
                if st == ERR_GONE:
                    with book.lock:
                        book.gone += 1
                    continue
                check(st.startswith(b'+OK '), 'RETR %d: %s' % (k, lib.short(st)))
                mk = lib.marker_of(body)
                m = known.get(mk)
                if m is not None and body != m.wire:
                    with open(os.path.join(env.dir, 'bad-retr-%d' % book.retrs), 'wb') as f:
                        f.write(body)
                    with open(os.path.join(env.dir, 'want-retr-%d' % book.retrs), 'wb') as f:
                        f.write(m.wire)
                check(m is not None and body == m.wire,
                      'RETR %d returned bytes that are no stored message (marker %s)'
                      % (k, mk))
                check(st == b'+OK %d octets\r\n' % len(body), 'RETR %d: %s for %d '
                      'octets' % (k, lib.short(st), len(body)))
                with book.lock:
                    book.retrs += 1
            for _ in range(rnd.randint(0, 4)):
                if n == 0:
                    break
                k = rnd.randint(1, n)
                st, body = s.cmd(b'TOP %d 0' % k, multi=True)
                if st == ERR_CHANGED:
                    continue
                if st == b'-ERR Message is deleted.\r\n':
                    continue
                if st == ERR_GONE:
                    with book.lock:
                        book.gone += 1
                    continue
                check(st.startswith(b'+OK'), 'TOP %d 0: %s' % (k, lib.short(st)))
                mk = lib.marker_of(body)
                check(mk in known, 'TOP %d 0: unknown message' % k)
                st, _ = s.cmd(b'DELE %d' % k)
                if st == ERR_CHANGED:
                    continue
                if st == ERR_GONE:
                    with book.lock:
                        book.gone += 1
                    continue
                expect(st, DELETED, 'DELE %d' % k)
                pending.add(mk)
            st = s.quit(timeout=120)
            with book.lock:
                book.sessions += 1
                if st == BYE:
                    book.deleted |= pending
                elif st == ERR_QUIT:
                    book.quit_failed += 1
                else:
                    raise Fail('QUIT: %s' % lib.short(st))
            s.wait()
        except Fail as e:
            with book.lock:
                book.errors.append(str(e))
            stop.set()
        finally:
            s.kill()
        time.sleep(rnd.uniform(0, 0.05))


def race(ctx):
    missing = have_agents()
    if missing:
        raise Skip('not installed: %s (apt-get install procmail liblockfile-bin)'
                   % ' '.join(missing))
    env = ctx.env('deliver')
    rnd = random.Random(41)
    orig = [lib.gen_msg(i, rnd, lines=(10, 400), tag='o') for i in range(1, 41)]
    env.write(lib.mbox_bytes(orig))
    per_agent = 30 if ctx.quick else 120
    limit = 60 if ctx.quick else 240
    rc = os.path.join(env.dir, 'procmailrc')
    with open(rc, 'w') as f:
        f.write('SHELL=/bin/sh\nDEFAULT=%s\nLOCKSLEEP=1\nVERBOSE=off\n' % env.path)
    os.chmod(rc, 0o644)
    sys.path.insert(0, HERE)
    import agents
    known = {m.id: m for m in orig}
    delivered_msgs = {}
    for kind in AGENTS:
        for i in range(per_agent):
            m = agents.message(kind, i)
            known[m.id] = m
            delivered_msgs[m.id] = m
    book = Book()
    stop = threading.Event()
    # the agents run as the user, who may not reach this interpreter
    py = sys.executable
    if lib.IS_ROOT and not sys.executable.startswith('/usr/'):
        py = shutil.which('python3', path='/usr/bin:/bin') or sys.executable
    procs = []
    for kind in AGENTS:
        procs.append((kind, subprocess.Popen(
            [py, os.path.join(HERE, 'agents.py'), kind, env.path,
             str(per_agent), str(limit), rc], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, **env.as_user())))
    threads = []
    fault = ctx.fault if os.access(ctx.fault, os.X_OK) else ctx.pop3d
    for i, binary in enumerate((ctx.pop3d, fault)):
        t = threading.Thread(target=session_loop, args=(
            ctx, env, binary, book, known, stop, random.Random(100 + i), 10000))
        t.daemon = True
        t.start()
        threads.append(t)
    ok, failed = set(), {}
    try:
        for kind, p in procs:
            try:
                out, err = p.communicate(timeout=limit + 120)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                book.errors.append('%s agent did not finish' % kind)
            for line in out.decode(errors='replace').splitlines():
                w = line.split(' ', 2)
                if w[0] == 'ok':
                    ok.add(w[1])
                elif w[0] == 'fail':
                    failed[w[1]] = w[2] if len(w) > 2 else ''
            if p.returncode != 0:
                book.errors.append('%s agent exit %d: %s' % (kind, p.returncode,
                                                          err[-300:]))
        # a few more sessions after the last delivery
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(180)
    ctx.count('delivered', len(ok))
    ctx.count('sessions', book.sessions)
    ctx.stats['deliver_detail'] = (len(ok), len(failed), book.sessions, len(book.deleted),
                                   book.quit_failed, book.in_use, book.changed, book.gone)
    if book.errors:
        raise Fail('session: %s' % book.errors[0])
    check(len(failed) <= max(3, len(ok) // 20), '%d deliveries failed, e.g. %s' % (
        len(failed), list(failed.items())[:2]))
    check(len(ok) >= len(AGENTS) * per_agent * 0.5,
          'only %d of %d deliveries done in %ds' % (len(ok), len(AGENTS) * per_agent, limit))
    check(book.sessions >= 10, 'only %d sessions completed' % book.sessions)
    # the final file: every region a known message, byte-exact, once
    data = env.read()
    regions = lib.split_regions(data)
    seen = {}
    for k, r in enumerate(regions, 1):
        mk = lib.marker_of(r)
        m = known.get(mk)
        if m is None or r != m.region:
            raise Fail('mailbox region %d (marker %s, %d bytes) is no delivered message: '
                       'mangled or merged: %s' % (k, mk, len(r), lib.short(r[:200])))
        seen[mk] = seen.get(mk, 0) + 1
    problems = []
    for mk, m in known.items():
        c = seen.get(mk, 0)
        if mk in book.deleted:
            want = (0,)
        elif mk in failed:
            want = (0, 1)
        elif mk in ok or mk.startswith('o'):
            want = (1,)
        else:
            want = (0,)       # never delivered (the loop ran out of time)
        if c not in want:
            problems.append('%s %s %d times' % ('deleted' if mk in book.deleted else
                                               'kept', mk, c))
    check(not problems, '%d wrong: %s' % (len(problems), ', '.join(problems[:5])))
    # and a last session presents exactly that
    payloads = lib.fetch_all(env)
    check(len(payloads) == len(regions), 'last session: %d messages, file has %d' % (
        len(payloads), len(regions)))
    for k, p in enumerate(payloads):
        mk = lib.marker_of(p)
        check(mk in known and known[mk].wire == p, 'last session: message %d wrong' % (k + 1))
    check(not env.lock_left(), 'dotlock left')
    check(not env.journal_left(), 'journal left')
