# UIDL replies (the digest values and their stability are checked by the
# uidl:* and property:* tests in proc_tests.py).
# mailbox: F1.mbox

=== uidl-all-and-one
C: USER alice
C: PASS secret
C: UIDL
C: UIDL 1
C: UIDL 2
C: UIDL 02
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S~ \+OK 1 [0-9a-f]{32}
S~ \+OK 2 [0-9a-f]{32}
S~ \+OK 2 [0-9a-f]{32}
S: +OK Bye.

=== uidl-errors
C: USER alice
C: PASS secret
C: UIDL 0
C: UIDL 3
C: UIDL 1 2
C: UIDL x
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR No such message.
S: -ERR No such message.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Bye.

=== duplicates-get-suffixes
# E95: equal digests get -2, -3 in file order.
# mailbox: same-headers.mbox
C: USER alice
C: PASS secret
C: UIDL
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (194 octets).
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}-2
S~ 3 [0-9a-f]{32}
S~ 4 [0-9a-f]{32}-3
S: .
S: +OK Bye.

=== empty-messages-have-uids
# mailbox: empty-message.mbox
C: USER alice
C: PASS secret
C: UIDL
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (22 octets).
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S~ 3 [0-9a-f]{32}
S~ 4 [0-9a-f]{32}
S: .
S: +OK Bye.
