# STAT, LIST and LIST n for every fixture.  Sizes are wire octets, computed
# by hand: stored LF counts 2, stored CRLF 2, bare CR 1, a missing final
# newline +2; the From_ line and the separator empty line are not counted.

=== F1
# the reference view: 23 + 29 = 52; stored bytes are only 20 + 25
# mailbox: F1.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 2 messages (52 octets)
S: 1 23
S: 2 29
S: .
S: +OK 1 23
S: +OK 2 29
S: -ERR No such message.
S: +OK Bye.

=== F1-without-final-blank-line
# MB-11: a last message without the final empty line ends at EOF
# mailbox: F1-no-final-blank.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 2 messages (52 octets)
S: 1 23
S: 2 29
S: .
S: +OK 1 23
S: +OK 2 29
S: -ERR No such message.
S: +OK Bye.

=== three
# "Subject: first" 16 + "" 2 + "1" 3; 17+2+4; 16+2+5
# mailbox: three.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: LIST 4
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (67 octets).
S: +OK 3 67
S: +OK 3 messages (67 octets)
S: 1 21
S: 2 23
S: 3 23
S: .
S: +OK 1 21
S: +OK 2 23
S: +OK 3 23
S: -ERR No such message.
S: +OK Bye.

=== empty-file
# E84 / MB-06: a 0-byte file is an empty maildrop
# mailbox: empty.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK 0 0
S: +OK 0 messages (0 octets)
S: .
S: -ERR No such message.
S: +OK Bye.

=== no-final-newline
# E71: "last line" without LF gets a CRLF that is counted: 12+2+11
# mailbox: no-final-newline.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (42 octets).
S: +OK 2 42
S: +OK 2 messages (42 octets)
S: 1 17
S: 2 25
S: .
S: +OK 1 17
S: +OK 2 25
S: -ERR No such message.
S: +OK Bye.

=== dot-last-no-newline
# E70: "Subject: d" 12 + 2 + "x" 3 + "." 3 (stuffing not counted)
# mailbox: dot-last-no-newline.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (20 octets).
S: +OK 1 20
S: +OK 1 messages (20 octets)
S: 1 20
S: .
S: +OK 1 20
S: -ERR No such message.
S: +OK Bye.

=== crlf
# E72: stored CRLF counts 2, never CR CR LF; message 3 mixes LF and CRLF
# mailbox: crlf.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: LIST 4
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (80 octets).
S: +OK 3 80
S: +OK 3 messages (80 octets)
S: 1 23
S: 2 29
S: 3 28
S: .
S: +OK 1 23
S: +OK 2 29
S: +OK 3 28
S: -ERR No such message.
S: +OK Bye.

=== bare-cr
# E73: 13 + 2 + "a\rb" 5 + CRLF line 2 + "x\r" CRLF 4 + "\rstart" 8 + "end" 5
# mailbox: bare-cr.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (39 octets).
S: +OK 1 39
S: +OK 1 messages (39 octets)
S: 1 39
S: .
S: +OK 1 39
S: -ERR No such message.
S: +OK Bye.

=== dots
# E68/E69: 15 + 2 + 3 + 4 + 4 + 4 + 4 + 5 + 5, dots not counted
# mailbox: dots.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (46 octets).
S: +OK 1 46
S: +OK 1 messages (46 octets)
S: 1 46
S: .
S: +OK 1 46
S: -ERR No such message.
S: +OK Bye.

=== empty-messages
# E76: From_ + separator = 0 octets; a message of one empty line = 2; a From_ line at EOF = 0
# mailbox: empty-message.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: LIST 4
C: LIST 5
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (22 octets).
S: +OK 4 22
S: +OK 4 messages (22 octets)
S: 1 0
S: 2 20
S: 3 2
S: 4 0
S: .
S: +OK 1 0
S: +OK 2 20
S: +OK 3 2
S: +OK 4 0
S: -ERR No such message.
S: +OK Bye.

=== header-only
# E77: no empty line, no body; nothing invented
# mailbox: header-only.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (41 octets).
S: +OK 2 41
S: +OK 2 messages (41 octets)
S: 1 20
S: 2 21
S: .
S: +OK 1 20
S: +OK 2 21
S: -ERR No such message.
S: +OK Bye.

=== nul-and-8bit
# E74: NUL and 8-bit octets counted as stored
# mailbox: nul-8bit.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (51 octets).
S: +OK 1 51
S: +OK 1 messages (51 octets)
S: 1 51
S: .
S: +OK 1 51
S: -ERR No such message.
S: +OK Bye.

=== from-in-body
# E79/E80/E82: no split at "From here", "From my point of view", ">From"
# mailbox: from-in-body.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (218 octets).
S: +OK 2 218
S: +OK 2 messages (218 octets)
S: 1 196
S: 2 22
S: .
S: +OK 1 196
S: +OK 2 22
S: -ERR No such message.
S: +OK Bye.

=== two-from-lines
# E89: the second From_ line (no empty line before it) is content
# mailbox: two-from-lines.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (73 octets).
S: +OK 1 73
S: +OK 1 messages (73 octets)
S: 1 73
S: .
S: +OK 1 73
S: -ERR No such message.
S: +OK Bye.

=== from-validation
# only well-formed From_ lines after an empty line split (E81)
# mailbox: from-validation.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: LIST 4
C: LIST 5
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (495 octets).
S: +OK 4 495
S: +OK 4 messages (495 octets)
S: 1 427
S: 2 26
S: 3 20
S: 4 22
S: .
S: +OK 1 427
S: +OK 2 26
S: +OK 3 20
S: +OK 4 22
S: -ERR No such message.
S: +OK Bye.

=== x-imap-served
# the folder-internal X-IMAP message is served like any other
# mailbox: x-imap.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (475 octets).
S: +OK 2 475
S: +OK 2 messages (475 octets)
S: 1 392
S: 2 83
S: .
S: +OK 1 392
S: +OK 2 83
S: -ERR No such message.
S: +OK Bye.

=== status-d-served
# forged Status: D / X-Status: D hide nothing
# mailbox: status-d.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (110 octets).
S: +OK 2 110
S: +OK 2 messages (110 octets)
S: 1 55
S: 2 55
S: .
S: +OK 1 55
S: +OK 2 55
S: -ERR No such message.
S: +OK Bye.

=== content-length-ignored
# E83: Content-Length never decides boundaries
# mailbox: content-length.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (140 octets).
S: +OK 2 140
S: +OK 2 messages (140 octets)
S: 1 95
S: 2 45
S: .
S: +OK 1 95
S: +OK 2 45
S: -ERR No such message.
S: +OK Bye.

=== two-blank-lines
# only the one empty line before a From_ line (or at EOF) is the separator
# mailbox: two-blank-lines.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (45 octets).
S: +OK 2 45
S: +OK 2 messages (45 octets)
S: 1 26
S: 2 19
S: .
S: +OK 1 26
S: +OK 2 19
S: -ERR No such message.
S: +OK Bye.

=== long-line
# E75: a 100000-octet line: 15 + 2 + 100002 + 7
# mailbox: long-line.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: LIST 1
C: LIST 2
C: LIST 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (100048 octets).
S: +OK 2 100048
S: +OK 2 messages (100048 octets)
S: 1 100026
S: 2 22
S: .
S: +OK 1 100026
S: +OK 2 22
S: -ERR No such message.
S: +OK Bye.

=== missing-mailbox
# E85: a missing file is 0 messages and is not created at QUIT.
# mailbox: none
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: UIDL
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK 0 0
S: +OK 0 messages (0 octets)
S: .
S: +OK Unique-ID listing follows.
S: .
S: -ERR No such message.
S: +OK Bye.

=== empty-file-uidl-quit
# E84: UIDL on an empty maildrop; QUIT leaves the 0-byte file as it was.
# mailbox: empty.mbox
C: USER alice
C: PASS secret
C: UIDL
C: TOP 1 0
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Unique-ID listing follows.
S: .
S: -ERR No such message.
S: +OK Bye.
