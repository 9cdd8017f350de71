#!/usr/bin/env python3
"""Delivery loops with the real agents, run as the mailbox's user:

    agents.py KIND MAILBOX COUNT DEADLINE_SECONDS [PROCMAILRC]

KIND: procmail | dotlockfile | pymbox.  Delivers COUNT messages (ids
KIND0..KIND<COUNT-1>, built by lib.gen_msg, tag = KIND), printing
"ok ID" or "fail ID reason" per message, stopping at the deadline.
"""

import fcntl
import mailbox
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402


def message(kind, i):
    return lib.gen_msg(i, random.Random('%s-%d' % (kind, i)), lines=(1, 60), tag=kind)


def via_procmail(path, data, rcfile):
    r = subprocess.run(['procmail', '-m', rcfile], input=data, capture_output=True,
                       timeout=120)
    if r.returncode != 0:
        return 'procmail exit %d %s' % (r.returncode, r.stderr[:200])
    return None


def via_dotlockfile(path, data, deadline):
    """Postfix local(8) order: open, dotlock, fcntl; both without waiting
    on one while holding the other; check the file is still the path's."""
    lock = path + '.lock'
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        while True:
            if time.monotonic() > deadline:
                return 'lock timeout'
            r = subprocess.run(['dotlockfile', '-l', '-r', '0', lock],
                               capture_output=True, timeout=60)
            if r.returncode == 0:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    subprocess.run(['dotlockfile', '-u', lock], timeout=60)
            time.sleep(random.uniform(0.02, 0.12))
        try:
            st, pst = os.fstat(fd), os.lstat(path)
            if st.st_nlink != 1 or (st.st_dev, st.st_ino) != (pst.st_dev, pst.st_ino):
                return 'target file status changed unexpectedly'
            os.write(fd, data + b'\n')
            os.fsync(fd)
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
            subprocess.run(['dotlockfile', '-u', lock], timeout=60)
    finally:
        os.close(fd)
    return None


def via_pymbox(path, data, deadline):
    """Python's mailbox.mbox: lock() is fcntl then dotlock, non-blocking."""
    while True:
        mb = mailbox.mbox(path, create=False)
        try:
            mb.lock()
        except mailbox.ExternalClashError:
            mb.close()
            if time.monotonic() > deadline:
                return 'lock timeout'
            time.sleep(random.uniform(0.02, 0.12))
            continue
        try:
            mb.add(data)
            mb.flush()
        finally:
            mb.unlock()
            mb.close()
        return None


def main():
    kind, path, count, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    end = time.monotonic() + limit
    rcfile = sys.argv[5] if len(sys.argv) > 5 else None
    for i in range(count):
        if time.monotonic() > end:
            break
        m = message(kind, i)
        try:
            if kind == 'procmail':
                err = via_procmail(path, m.delivered, rcfile)
            elif kind == 'dotlockfile':
                err = via_dotlockfile(path, m.delivered, time.monotonic() + 60)
            else:
                err = via_pymbox(path, m.delivered, time.monotonic() + 60)
        except Exception as e:      # reported, judged by the suite
            err = '%s: %s' % (type(e).__name__, e)
        print(('ok %s' % m.id) if err is None else ('fail %s %s' % (m.id, err)),
              flush=True)
        time.sleep(random.uniform(0, 0.02))


if __name__ == '__main__':
    main()
