#!/usr/bin/env python3
"""One delivery by a real agent, run as the mailbox's user:

    mda.py KIND MAILBOX [PROCMAILRC]   < message (From_ line first, ends in LF)

KIND: procmail | dotlockfile | pymbox (tests/safety/agents.py) | pad:
dotlockfile + fcntl in Postfix's order that first makes the file end in an
empty line (adds the missing newline or two before its From_ line, as the
issue's scenario 6 describes).  Prints "ok PAD" (the newlines added before
the message) or "fail REASON".
"""

import fcntl
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'safety'))
import agents  # noqa: E402


def via_pad(path, data, deadline):
    """Like agents.via_dotlockfile, with the end of the file padded."""
    lock = path + '.lock'
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    try:
        while True:
            if time.monotonic() > deadline:
                return None, 'lock timeout'
            r = subprocess.run(['dotlockfile', '-l', '-r', '0', lock],
                               capture_output=True, timeout=60)
            if r.returncode == 0:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    subprocess.run(['dotlockfile', '-u', lock], timeout=60)
            time.sleep(0.05)
        try:
            size = os.fstat(fd).st_size
            end = os.pread(fd, 2, size - 2) if size >= 2 else os.pread(fd, 2, 0)
            if size == 0 or end == b'\n\n':
                pad = b''
            elif end.endswith(b'\n'):
                pad = b'\n'
            else:
                pad = b'\n\n'
            os.write(fd, pad + data + b'\n')
            os.fsync(fd)
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
            subprocess.run(['dotlockfile', '-u', lock], timeout=60)
    finally:
        os.close(fd)
    return len(pad), None


def main():
    kind, path = sys.argv[1], sys.argv[2]
    rcfile = sys.argv[3] if len(sys.argv) > 3 else None
    data = sys.stdin.buffer.read()
    deadline = time.monotonic() + 60
    pad = 0
    try:
        if kind == 'procmail':
            err = agents.via_procmail(path, data, rcfile)
        elif kind == 'dotlockfile':
            err = agents.via_dotlockfile(path, data, deadline)
        elif kind == 'pymbox':
            err = agents.via_pymbox(path, data, deadline)
        elif kind == 'pad':
            pad, err = via_pad(path, data, deadline)
        else:
            err = 'unknown agent %s' % kind
    except Exception as e:      # reported, judged by the explorer
        err = '%s: %s' % (type(e).__name__, e)
    print('fail %s' % err if err else 'ok %d' % pad, flush=True)


if __name__ == '__main__':
    main()
