"""Crash at every fault point of UPDATE, crash during the replay,
pop3d --recover after a crash, and a random kill -9 loop on ~200 MB."""

import os
import random
import signal
import subprocess
import time

import lib
from lib import Fail, Skip, check, expect, BYE, DELETED

MAX_POINTS = 3000


def crash_mailbox():
    """Nine messages, ~1.5 MB: dozens of 64 KiB journal steps."""
    rnd = random.Random(3)
    sizes = [(150, 200), (50, 200), (3000, 4000), (1, 5), (3000, 4000),
             (300, 800), (1, 1), (2000, 3000), (20, 60)]
    return [lib.gen_msg(i, rnd, lines=sz, tag='c') for i, sz in enumerate(sizes, 1)]


def register(test, ctx):
    msgs = crash_mailbox()
    extra = lib.gen_msg(100, random.Random(9), lines=(30, 30), tag='late')
    cases = [
        ('first', [1], False, False),
        ('middle', [5], False, False),
        ('last', [9], False, False),
        ('several', [2, 4, 6, 7], False, False),
        ('all-but-appended', list(range(1, 10)), True, False),
        ('first-then-delivery', [1, 3], False, True),
    ]
    for name, dels, appended, late in cases:
        test('crash: every fault point, delete %s' % name)(
            lambda name=name, dels=dels, appended=appended, late=late:
            crash_every_point(ctx, name, msgs, dels, appended, late))
    test('crash: crash during the replay of a crashed update')(
        lambda: crash_in_replay(ctx, msgs))
    test('crash: pop3d --recover after a crash')(lambda: recover_after_crash(ctx, msgs))
    test('crash: random kill -9 during QUIT on ~200 MB')(lambda: random_kill(ctx))


def run_crash(env, seq, dels, k, append_msg=None, binary=None):
    """One session that deletes dels, optionally gets mail appended between
    login and QUIT, then QUITs under POP3D_FAULT_AFTER=k.  True if it
    completed (+OK Bye.), False if it died at the fault point."""
    s = env.session(binary or env.fault, fault_after=k)
    try:
        n = s.login_ok()
        expect(n, len(seq) - (1 if append_msg else 0), 'messages at login')
        for d in dels:
            st, _ = s.cmd(b'DELE %d' % d)
            expect(st, DELETED, 'DELE %d' % d)
        if append_msg is not None:
            lib.locked_append(env.path, append_msg.delivered)
        st = s.quit()
        if st == BYE:
            s.wait()
            return True
        check(st == b'', 'QUIT at fault point %d: %s' % (k, lib.short(st)))
        # killed (with privilege separation the killed process may be a
        # child; the connection then closes without a reply)
        s.p.wait(30)
        return False
    finally:
        s.kill()


def verify_after(env, seq, dels_ids, full, final, label, ino):
    """The next plain session presents every kept message once; after it
    (it replays the journal) the file is the original or the completed
    update, same inode, no journal or dotlock left."""
    payloads = lib.fetch_all(env)
    try:
        lib.check_presented(payloads, seq, dels_ids)
    except Fail as e:
        raise Fail('%s: %s' % (label, e))
    data = env.read()
    if data != full and data != final:
        p = lib.match_file(data, seq, dels_ids)
        raise Fail('%s: after replay the file is neither the original nor the '
                   'completed update (%s)' % (label, p or 'a partial update'))
    check(os.stat(env.path).st_ino == ino, '%s: mailbox inode changed' % label)
    check(not env.journal_left(), '%s: journal left after the next session' % label)
    check(not env.lock_left(), '%s: dotlock left' % label)


def crash_every_point(ctx, name, msgs, dels, appended, late):
    ctx.have_fault()
    env = ctx.env('crash-' + name)
    orig = lib.mbox_bytes(msgs)
    step = 5 if ctx.quick else 1
    if ctx.quick and name in ('first', 'several'):
        step = 2      # the two cases with the most moves: every other point
    k = 1
    tried = 0
    while k < MAX_POINTS:
        env.reset(orig)
        ino = os.stat(env.path).st_ino
        seq = list(msgs)
        app = None
        if appended:
            app = lib.gen_msg(200 + k, random.Random(k), lines=(5, 50), tag='app')
            seq.append(app)
        dels_ids = {msgs[d - 1].id for d in dels}
        done = run_crash(env, seq, dels, k, app)
        ctx.count('crash')
        tried += 1
        label = 'delete %s, fault point %d' % (dels, k)
        if late and not done:
            y = lib.gen_msg(300 + k, random.Random(k), lines=(5, 50), tag='late')
            lib.locked_append(env.path, y.delivered)
            seq.append(y)
        full = lib.mbox_bytes(seq)
        final = lib.mbox_bytes([m for m in seq if m.id not in dels_ids])
        if done:
            data = env.read()
            if data != final:
                raise Fail('%s: completed update left the wrong file (%s)' % (
                    label, lib.match_file(data, seq, set()) or 'wrong bytes'))
            check(os.stat(env.path).st_ino == ino, '%s: inode changed' % label)
            check(not env.journal_left(), '%s: journal left' % label)
            check(not env.lock_left(), '%s: dotlock left' % label)
            check(tried > 1 or dels == [9], 'no fault point before completion')
            return
        verify_after(env, seq, dels_ids, full, final, label, ino)
        k += step
    raise Fail('update never completed within %d fault points' % MAX_POINTS)


def count_points(ctx, env, msgs, dels):
    """Fault points of the update: k where the session first completes."""
    orig = lib.mbox_bytes(msgs)
    for k in range(1, MAX_POINTS):
        env.reset(orig)
        if run_crash(env, msgs, dels, k):
            return k - 1
    raise Fail('update never completed')


def crash_in_replay(ctx, msgs):
    """Crash at point k of the update, then crash the next session at each
    point j of its replay; a third, plain session must still see every
    kept message once."""
    ctx.have_fault()
    env = ctx.env('replay-crash')
    dels = [2, 5]
    orig = lib.mbox_bytes(msgs)
    dels_ids = {msgs[d - 1].id for d in dels}
    final = lib.mbox_bytes([m for m in msgs if m.id not in dels_ids])
    n = count_points(ctx, env, msgs, dels)
    ks = [n // 2] if ctx.quick else [n // 4, n // 2, 3 * n // 4]
    jstep = 4 if ctx.quick else 1
    for k in ks:
        j = 1
        while j < MAX_POINTS:
            env.reset(orig)
            ino = os.stat(env.path).st_ino
            check(not run_crash(env, msgs, dels, k), 'point %d did not crash' % k)
            check(env.journal_left(), 'no journal after a crash at point %d' % k)
            out, rc = env.run_script([b'USER alice', b'PASS secret', b'STAT',
                                      b'QUIT'], binary=env.fault, fault_after=j)
            ctx.count('replay_crash')
            label = 'update crashed at %d, replay crashed at %d' % (k, j)
            if b'+OK Logged in, ' in out:
                check(out.endswith(BYE), '%s: replaying session: %s' % (
                    label, lib.short(out)))
                verify_after(env, msgs, dels_ids, orig, final, label, ino)
                break
            expect(out, lib.GREETING + b'+OK Send your password.\r\n',
                   label + ': session killed in the replay')
            verify_after(env, msgs, dels_ids, orig, final, label, ino)
            j += jstep


def recover_after_crash(ctx, msgs):
    ctx.have_fault()
    env = ctx.env('recover')
    probe = subprocess.run([env.pop3d, '--recover', env.path], capture_output=True,
                           timeout=60, **env.as_user())
    if probe.returncode != 0 and b'nothing to recover' not in probe.stdout:
        raise Skip('pop3d --recover not implemented (%s)' % lib.short(
            probe.stdout + probe.stderr))
    dels = [1, 6]
    orig = lib.mbox_bytes(msgs)
    dels_ids = {msgs[d - 1].id for d in dels}
    final = lib.mbox_bytes([m for m in msgs if m.id not in dels_ids])
    step = 4 if ctx.quick else 1
    k = 1
    while k < MAX_POINTS:
        env.reset(orig)
        ino = os.stat(env.path).st_ino
        if run_crash(env, msgs, dels, k):
            return
        had_journal = env.journal_left()
        before = env.read()
        r = subprocess.run([env.pop3d, '--recover', env.path], capture_output=True,
                           timeout=120, **env.as_user())
        ctx.count('recover')
        label = 'crash at %d, then --recover' % k
        check(r.returncode == 0, '%s: exit %d: %s' % (label, r.returncode,
                                                     lib.short(r.stdout + r.stderr)))
        data = env.read()
        check(data in (orig, final), '%s: the file is neither the original nor '
              'the completed update (%s)' % (label, lib.match_file(
                  data, msgs, dels_ids) or 'partial'))
        outs = [env.path.encode() + b': finished an interrupted update\n']
        if data == before:
            outs.append(env.path.encode() + b': nothing to recover\n')
        check(r.stdout in outs, '%s: said %s' % (label, lib.short(r.stdout)))
        check(not env.journal_left(), '%s: journal left' % label)
        check(not env.lock_left(), '%s: dotlock left' % label)
        check(os.stat(env.path).st_ino == ino, '%s: inode changed' % label)
        if not had_journal:
            check(data == orig or data == final, label)
        verify_after(env, msgs, dels_ids, orig, final, label, ino)
        k += step


# ---- random kill -9 on a big mailbox ---------------------------------------

def big_mailbox(path, target):
    """~target bytes of 100-200 KB messages; returns the message list."""
    rnd = random.Random(77)
    msgs = []
    total = 0
    with open(path, 'wb') as f:
        i = 0
        while total < target:
            i += 1
            nl = rnd.randint(600, 1200)
            # cheap distinct bodies: a per-message pattern line repeated
            pat = b'%d %s\n' % (i, bytes(rnd.choice(b'abcdefghij') for _ in range(150)))
            content = (b'Subject: big%d\nX-Marker: big-%d\n\n' % (i, i)) + pat * nl
            m = lib.Msg('big-%d' % i, content, lib.from_line('big%d' % i, i))
            f.write(m.region)
            total += len(m.region)
            msgs.append(m)
    return msgs


def random_kill(ctx):
    env = ctx.env('kill9')
    target = 200 * 1024 * 1024
    tmpl = os.path.join(env.dir, 'template')
    msgs = big_mailbox(tmpl, target)
    size_orig = os.path.getsize(tmpl)
    wire = {m.id: len(m.content) + m.content.count(b'\n') for m in msgs}
    iterations = 3 if ctx.quick else 15
    rnd = random.Random(int(time.time()))
    dels_sets = [[1], [2, len(msgs) // 2], [3, 50, len(msgs) - 1]]
    duration = None
    list_problems = []
    for it in range(iterations + 1):
        dels = dels_sets[it % len(dels_sets)]
        dels_ids = {msgs[d - 1].id for d in dels}
        size_final = size_orig - sum(len(msgs[d - 1].region) for d in dels)
        env.copy_from(tmpl)
        ino = os.stat(env.path).st_ino
        s = env.session()
        try:
            n = s.login_ok(timeout=120)
            expect(n, len(msgs), 'messages at login')
            for d in dels:
                expect(s.cmd(b'DELE %d' % d)[0], DELETED, 'DELE %d' % d)
            t0 = time.monotonic()
            s.send(b'QUIT')
            if duration is None:
                # iteration 0 measures how long the whole update takes
                st = s.readline(300)
                duration = time.monotonic() - t0
                ctx.stats['update_200mb_sec'] = duration
                expect(st, BYE, 'QUIT')
                s.wait(60)
                label = 'uninterrupted update'
                killed = False
            else:
                delay = rnd.uniform(0, duration * 1.1)
                time.sleep(delay)
                killed = s.p.poll() is None
                s.p.send_signal(signal.SIGKILL)
                s.p.wait(30)
                ctx.count('kill9')
                label = 'kill -9 after %.3fs of a %.3fs update (iteration %d)' % (
                    delay, duration, it)
        finally:
            s.kill()
        # the next session replays; then the file must be the original or
        # the completed update, byte for byte, and LIST must agree with it
        s = env.session()
        try:
            n = s.login_ok(timeout=300)
            st, body = s.cmd(b'LIST', multi=True, timeout=120)
            check(st.startswith(b'+OK'), label + ': LIST ' + lib.short(st))
            expect(s.quit(), BYE, label + ': QUIT')
            s.wait()
        finally:
            s.kill()
        with open(env.path, 'rb') as f:
            data = f.read()
        p = lib.match_file(data, msgs, dels_ids)
        if p is not None:
            raise Fail('%s: after the next session the file is damaged: %s' % (label, p))
        if len(data) not in (size_orig, size_final):
            raise Fail('%s: after the next session the file is a partial update '
                       '(kept messages intact, some deleted ones still there)' % label)
        kept = msgs if len(data) == size_orig else [m for m in msgs if m.id not in dels_ids]
        want = b''.join(b'%d %d\r\n' % (i, wire[m.id]) for i, m in enumerate(kept, 1))
        if body != want:
            bl, wl = body.split(b'\r\n'), want.split(b'\r\n')
            i = next((i for i in range(min(len(bl), len(wl))) if bl[i] != wl[i]), None)
            list_problems.append('%s: LIST after the replay does not match the file: line %s: '
                       'got %s, want %s (%d/%d lines)' % (label, i, bl[i] if i is not None
                                                         else '', wl[i] if i is not None else '',
                                                         len(bl), len(wl)))
        check(n == len(kept), label + ': message count')
        check(os.stat(env.path).st_ino == ino, label + ': inode changed')
        check(not env.journal_left(), label + ': journal left')
        check(not env.lock_left(), label + ': dotlock left')
        if not killed and it > 0 or it == 0:
            check(len(data) == size_final, label + ': finished before the kill but '
                  'the file is not the completed update')
        del data
    os.unlink(tmpl)
    if list_problems:
        raise Fail('the file was right every time, but LIST disagreed with it %d '
                   'times; first: %s' % (len(list_problems), list_problems[0]))
