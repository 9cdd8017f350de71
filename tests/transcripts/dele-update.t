# DELE, RSET, QUIT and the exact mailbox bytes afterwards.
# mailbox: F1.mbox

=== dele-first
# E102: the file holds message 2 only, with its From_ line, byte-identical.
# after: after/F1-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Bye.

=== dele-last
# after: after/F1-dele2.mbox
C: USER alice
C: PASS secret
C: DELE 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Bye.

=== dele-all-leaves-empty-file
# E115 / UP-09: a 0-byte file that still exists (same inode).
# after: empty
C: USER alice
C: PASS secret
C: DELE 1
C: DELE 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Message deleted.
S: +OK Bye.

=== three-dele-first
# mailbox: three.mbox
# after: after/three-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (67 octets).
S: +OK Message deleted.
S: +OK Bye.

=== three-dele-middle
# mailbox: three.mbox
# after: after/three-dele2.mbox
C: USER alice
C: PASS secret
C: DELE 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (67 octets).
S: +OK Message deleted.
S: +OK Bye.

=== three-dele-last
# mailbox: three.mbox
# after: after/three-dele3.mbox
C: USER alice
C: PASS secret
C: DELE 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (67 octets).
S: +OK Message deleted.
S: +OK Bye.

=== three-dele-first-and-last
# mailbox: three.mbox
# after: after/three-dele13.mbox
C: USER alice
C: PASS secret
C: DELE 3
C: DELE 1
C: LIST
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (67 octets).
S: +OK Message deleted.
S: +OK Message deleted.
S: +OK 1 messages (23 octets)
S: 2 23
S: .
S: +OK Bye.

=== three-dele-all
# mailbox: three.mbox
# after: empty
C: USER alice
C: PASS secret
C: DELE 2
C: DELE 3
C: DELE 1
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (67 octets).
S: +OK Message deleted.
S: +OK Message deleted.
S: +OK Message deleted.
S: +OK 0 0
S: +OK Bye.

=== no-final-newline-dele-first
# The kept last message keeps its missing final newline.
# mailbox: no-final-newline.mbox
# after: after/no-final-newline-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (42 octets).
S: +OK Message deleted.
S: +OK Bye.

=== no-final-newline-dele-last
# mailbox: no-final-newline.mbox
# after: after/no-final-newline-dele2.mbox
C: USER alice
C: PASS secret
C: DELE 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (42 octets).
S: +OK Message deleted.
S: +OK Bye.

=== no-final-blank-dele-first
# mailbox: F1-no-final-blank.mbox
# after: after/F1-no-final-blank-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Bye.

=== no-final-blank-dele-last
# mailbox: F1-no-final-blank.mbox
# after: after/F1-no-final-blank-dele2.mbox
C: USER alice
C: PASS secret
C: DELE 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Bye.

=== crlf-dele-first
# mailbox: crlf.mbox
# after: after/crlf-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (80 octets).
S: +OK Message deleted.
S: +OK Bye.

=== empty-message-dele-first
# mailbox: empty-message.mbox
# after: after/empty-message-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (22 octets).
S: +OK Message deleted.
S: +OK Bye.

=== empty-message-dele-last
# mailbox: empty-message.mbox
# after: after/empty-message-dele4.mbox
C: USER alice
C: PASS secret
C: DELE 4
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (22 octets).
S: +OK Message deleted.
S: +OK Bye.

=== two-blank-lines-dele-first
# mailbox: two-blank-lines.mbox
# after: after/two-blank-lines-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (45 octets).
S: +OK Message deleted.
S: +OK Bye.

=== from-validation-dele-first
# The non-separator From lines go with message 1.
# mailbox: from-validation.mbox
# after: after/from-validation-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (495 octets).
S: +OK Message deleted.
S: +OK Bye.

=== from-rule-dele-first
# Issue 11 scenario 8: the From lines that are not separators by the man
# page's rule (empty sender, unquoted spaces, three-digit day, ...) go with
# message 1; the one with two spaces between weekday and month stays.
# mailbox: from-rule.mbox
# after: after/from-rule-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 7 messages (760 octets).
S: +OK Message deleted.
S: +OK Bye.

=== same-headers-dele-first
# Of two copies with equal UIDL digests, exactly the deleted one goes.
# mailbox: same-headers.mbox
# after: after/same-headers-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (194 octets).
S: +OK Message deleted.
S: +OK Bye.

=== dele-twice
# E98
# after: after/F1-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: -ERR Message is deleted.
S: +OK Bye.

=== deleted-message-unreachable
# E99 / ST-06: numbers stay; every reference to a deleted message fails.
C: USER alice
C: PASS secret
C: DELE 1
C: RETR 1
C: TOP 1 0
C: LIST 1
C: UIDL 1
C: STAT
C: LIST
C: RETR 2
C: LIST 2
C: RSET
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: -ERR Message is deleted.
S: -ERR Message is deleted.
S: -ERR Message is deleted.
S: -ERR Message is deleted.
S: +OK 1 29
S: +OK 1 messages (29 octets)
S: 2 29
S: .
S: +OK 29 octets
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK 2 29
S: +OK Deletion marks removed.
S: +OK Bye.

=== uidl-list-skips-deleted
# after: after/F1-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: UIDL
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Unique-ID listing follows.
S~ 2 [0-9a-f]{32}
S: .
S: +OK Bye.

=== dele-all-then-rset
# E100
C: USER alice
C: PASS secret
C: DELE 1
C: DELE 2
C: STAT
C: LIST
C: UIDL
C: RSET
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Message deleted.
S: +OK 0 0
S: +OK 0 messages (0 octets)
S: .
S: +OK Unique-ID listing follows.
S: .
S: +OK Deletion marks removed.
S: +OK 2 52
S: +OK Bye.

=== rset-then-quit-unchanged
# E101: nothing deleted, nothing written (bytes, mtime and inode unchanged).
C: USER alice
C: PASS secret
C: DELE 1
C: RSET
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Deletion marks removed.
S: +OK Bye.

=== dele-then-eof-no-update
# E103 / ST-05: the client goes away without QUIT.
C: USER alice
C: PASS secret
C: DELE 1
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.

=== dele-then-unterminated-quit
# "QUIT" without a line end before EOF is not a QUIT: no reply, no update.
C: USER alice
C: PASS secret
C: DELE 1
R: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.

=== read-only-session-writes-nothing
# UP-07: RETR, TOP, UIDL, LIST, STAT and QUIT leave bytes, mtime and inode.
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: UIDL
C: RETR 1
C: TOP 2 1
C: NOOP
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 2 messages (52 octets)
S: 1 23
S: 2 29
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 23 octets
S: Subject: one
S:
S: hello
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: .
S: +OK Nothing to do.
S: +OK Bye.

=== empty-file-quit
# mailbox: empty.mbox
# after: empty
C: USER alice
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== missing-mailbox-not-created
# mailbox: none
# after: missing
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: -ERR No such message.
S: +OK Bye.

=== dele-errors
C: USER alice
C: PASS secret
C: DELE
C: DELE 0
C: DELE 3
C: DELE 1 1
C: DELE x
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Syntax error.
S: -ERR No such message.
S: -ERR No such message.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Bye.

=== read-only-mailbox
# A mailbox the user may read but not write: served, DELE refused.
# mode: 400
C: USER alice
C: PASS secret
C: STAT
C: DELE 1
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: -ERR [SYS/PERM] Mailbox is read-only.
S: +OK 23 octets
S: Subject: one
S:
S: hello
S: .
S: +OK Bye.
