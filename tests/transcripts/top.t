# TOP msg n: header, the empty line, n body lines; n larger than the body
# (any size) = the whole message; no synthetic empty line.
# mailbox: F1.mbox

=== f1-top-0-1-999
# E33, TR-09
C: USER alice
C: PASS secret
C: TOP 1 0
C: TOP 2 0
C: TOP 2 1
C: TOP 2 2
C: TOP 2 999
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK Bye.

=== huge-line-counts
# E34: any size means the whole message.
C: USER alice
C: PASS secret
C: TOP 2 99999999999999999999
C: TOP 2 9999999999999999999999999999999999999999
C: TOP 2 00
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK Top of message follows.
S: Subject: two
S:
S: .
S: +OK Bye.

=== top-errors
# E31, E32, E35, E21
C: USER alice
C: PASS secret
C: TOP 1
C: TOP 1 -1
C: TOP 1 x
C: TOP 1 +1
C: TOP 1 1 1
C: TOP
C: TOP 3 1
C: TOP 0 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR No such message.
S: -ERR No such message.
S: +OK Bye.

=== header-only
# E77: no empty line in the message, so none is invented.
# mailbox: header-only.mbox
C: USER alice
C: PASS secret
C: TOP 1 0
C: TOP 2 5
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (41 octets).
S: +OK Top of message follows.
S: Subject: h
S: X-A: 1
S: .
S: +OK Top of message follows.
S: Subject: h2
S: X-B: 2
S: .
S: +OK Bye.

=== empty-messages
# mailbox: empty-message.mbox
C: USER alice
C: PASS secret
C: TOP 1 0
C: TOP 3 0
C: TOP 4 10
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (22 octets).
S: +OK Top of message follows.
S: .
S: +OK Top of message follows.
S:
S: .
S: +OK Top of message follows.
S: .
S: +OK Bye.

=== no-final-newline
# E71: TOP with a large n is identical to RETR, added CRLF included.
# mailbox: no-final-newline.mbox
C: USER alice
C: PASS secret
C: TOP 2 0
C: TOP 2 1
C: TOP 2 1000
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (42 octets).
S: +OK Top of message follows.
S: Subject: b
S:
S: .
S: +OK Top of message follows.
S: Subject: b
S:
S: last line
S: .
S: +OK Top of message follows.
S: Subject: b
S:
S: last line
S: .
S: +OK Bye.

=== crlf
# A stored CRLF empty line ends the header too.
# mailbox: crlf.mbox
C: USER alice
C: PASS secret
C: TOP 2 1
C: TOP 3 0
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (80 octets).
S: +OK Top of message follows.
S: Subject: two
S:
S: ..dot
S: .
S: +OK Top of message follows.
S: Subject: mixed
S:
S: .
S: +OK Bye.

=== bare-cr-is-not-a-line-end
# mailbox: bare-cr.mbox
C: USER alice
C: PASS secret
C: TOP 1 1
C: TOP 1 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (39 octets).
S: +OK Top of message follows.
S: Subject: cr
S:
S: a\rb
S: .
S: +OK Top of message follows.
S: Subject: cr
S:
S: a\rb
S:
S: x\r
S: .
S: +OK Bye.

=== dots
# mailbox: dots.mbox
C: USER alice
C: PASS secret
C: TOP 1 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (46 octets).
S: +OK Top of message follows.
S: Subject: dots
S:
S: ..
S: ...
S: ..x
S: .
S: +OK Bye.

=== dot-last-no-newline
# mailbox: dot-last-no-newline.mbox
C: USER alice
C: PASS secret
C: TOP 1 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (20 octets).
S: +OK Top of message follows.
S: Subject: d
S:
S: x
S: ..
S: .
S: +OK Bye.
