#!/usr/bin/env python3
"""The mailbox-safety scenarios with the spool on NFS, two "hosts" being two
mount points of one export.  Not written yet: pop3d's dotlocks are not
NFS-safe across hosts (see pop3d(8), NFS), which comes first.  This file
says which of the two reasons applies on the machine at hand, so the test
output records why the NFS run did not happen.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def kernel_nfs_client():
    try:
        return any(l.split()[-1] in ("nfs", "nfs4")
                   for l in open("/proc/filesystems") if l.strip())
    except OSError:
        return False


def main():
    res = h.Results("nfs")
    if not kernel_nfs_client():
        res.skip("nfs", "this kernel has no NFS client ('nfs' is not in "
                 "/proc/filesystems, and %s), so no export, from a kernel nfsd "
                 "or a user-space server such as nfs-ganesha, can be mounted "
                 "the way hosts would (a FUSE client would not have the "
                 "kernel client's close-to-open and lock semantics that the "
                 "scenarios are about)" % (
                     "there is no module directory to load it from"
                     if not os.path.isdir("/lib/modules") else
                     "it was not loaded"))
    else:
        res.skip("nfs", "the two-host NFS scenarios are not written yet: "
                 "NFS-safe dotlocks (link count, host name) come first")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
