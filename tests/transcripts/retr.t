# RETR: exact wire bytes of every kind of message content.
# mailbox: F1.mbox

=== f1-both
# TR-05: From_ lines and separators are not sent; ".dot" is stuffed.
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 23 octets
S: Subject: one
S:
S: hello
S: .
S: +OK 29 octets
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK Bye.

=== retr-does-not-delete
C: USER alice
C: PASS secret
C: RETR 1
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 23 octets
S: Subject: one
S:
S: hello
S: .
S: +OK 2 52
S: +OK Bye.

=== f1-without-final-blank-line
# mailbox: F1-no-final-blank.mbox
C: USER alice
C: PASS secret
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 29 octets
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK Bye.

=== dots
# E68/E69: ".", "..", ".x", "x.", ". ", "..." on the wire.
# mailbox: dots.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (46 octets).
S: +OK 46 octets
S: Subject: dots
S:
S: ..
S: ...
S: ..x
S: x.
S: ..\s
S: ....
S: end
S: .
S: +OK Bye.

=== dot-last-no-newline
# E70: a last line "." without LF ends in "..\r\n.\r\n".
# mailbox: dot-last-no-newline.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (20 octets).
S: +OK 20 octets
S: Subject: d
S:
S: x
S: ..
S: .
S: +OK Bye.

=== no-final-newline
# E71: the CRLF added to "last line" is sent (and counted in the 25).
# mailbox: no-final-newline.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (42 octets).
S: +OK 17 octets
S: Subject: a
S:
S: A
S: .
S: +OK 25 octets
S: Subject: b
S:
S: last line
S: .
S: +OK Bye.

=== crlf
# E72: stored CRLF is sent once, never CR CR LF.
# mailbox: crlf.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: RETR 3
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 3 messages (80 octets).
S: +OK 23 octets
S: Subject: one
S:
S: hello
S: .
S: +OK 29 octets
S: Subject: two
S:
S: ..dot
S: line2
S: .
S: +OK 28 octets
S: Subject: mixed
S:
S: lf
S: crlf
S: .
S: +OK Bye.

=== bare-cr
# E73: a bare CR passes unchanged; "x\r" before a CRLF stays "x\r\r\n".
# mailbox: bare-cr.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (39 octets).
S: +OK 39 octets
S: Subject: cr
S:
S: a\rb
S:
S: x\r
S: \rstart
S: end
S: .
S: +OK Bye.

=== nul-and-8bit
# E74: NUL and 8-bit octets are sent as stored.
# mailbox: nul-8bit.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (51 octets).
S: +OK 51 octets
S: Subject: 8bit
S: X-8bit: caf\xc3\xa9
S:
S: nul:\0:end
S: \xff\xfe\x80
S: \0
S: .
S: +OK Bye.

=== empty-messages
# E76: a 0-octet message is "+OK 0 octets" then "."; message 3 is one empty line.
# mailbox: empty-message.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: RETR 3
C: RETR 4
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (22 octets).
S: +OK 0 octets
S: .
S: +OK 20 octets
S: Subject: b
S:
S: body
S: .
S: +OK 2 octets
S:
S: .
S: +OK 0 octets
S: .
S: +OK Bye.

=== header-only
# E77
# mailbox: header-only.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (41 octets).
S: +OK 20 octets
S: Subject: h
S: X-A: 1
S: .
S: +OK 21 octets
S: Subject: h2
S: X-B: 2
S: .
S: +OK Bye.

=== from-in-body
# E79, E80, E82: unquoted and quoted From lines stay in the body, as stored.
# mailbox: from-in-body.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (218 octets).
S: +OK 196 octets
S: Subject: from lines
S:
S: body start
S: From here on, no empty line before this
S:
S: From my point of view, this is not a separator
S: >From quoted
S: >>From double quoted
S:
S: From nobody in particular
S: end
S: .
S: +OK 22 octets
S: Subject: second
S:
S: x
S: .
S: +OK Bye.

=== two-from-lines
# E89: the second From_ line is the first line of the message.
# mailbox: two-from-lines.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 1 messages (73 octets).
S: +OK 73 octets
S: From b@example.org Mon Jan  8 00:00:01 2024
S: Subject: two froms
S:
S: body
S: .
S: +OK Bye.

=== from-validation
# Only well-formed From_ lines after an empty line start a message: bad
# weekday, bad month, no time, no year, 2-digit year, lower case, no space
# do not; no seconds, a zone before the year, text after the year do.
# mailbox: from-validation.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: RETR 3
C: RETR 4
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 4 messages (495 octets).
S: +OK 427 octets
S: Subject: v
S:
S: bad weekday:
S:
S: From x@example.org Xyz Jan  9 10:11:12 2024
S: bad month:
S:
S: From x@example.org Tue Foo  9 10:11:12 2024
S: no time:
S:
S: From x@example.org Tue Jan  9 2024
S: no year:
S:
S: From x@example.org Tue Jan  9 10:11:12
S: two-digit year:
S:
S: From x@example.org Tue Jan  9 10:11:12 24
S: lower case:
S:
S: from x@example.org Tue Jan  9 10:11:12 2024
S: no space:
S:
S: Fromx@example.org Tue Jan  9 10:11:12 2024
S: end of first
S: .
S: +OK 26 octets
S: Subject: no seconds
S:
S: 2
S: .
S: +OK 20 octets
S: Subject: zone
S:
S: 3
S: .
S: +OK 22 octets
S: Subject: remote
S:
S: 4
S: .
S: +OK Bye.

=== x-imap-served
# The c-client folder-internal message is message 1, served as stored.
# mailbox: x-imap.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (475 octets).
S: +OK 392 octets
S: Date: Wed, 10 Jan 2024 00:00:00 +0000
S: From: Mail System Internal Data <MAILER-DAEMON@example.org>
S: Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA
S: Message-ID: <1704844800@example.org>
S: X-IMAP: 1704844800 0000000002
S: Status: RO
S:
S: This text is part of the internal format of your mail folder, and is not
S: a real message.  It is created automatically by the mail system software.
S: .
S: +OK 83 octets
S: Subject: real
S: X-UID: 1
S: Status: RO
S: X-Keywords: $Junk
S: Content-Length: 5
S:
S: real
S: .
S: +OK Bye.

=== status-d-served
# mailbox: status-d.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (110 octets).
S: +OK 55 octets
S: Subject: forged
S: Status: D
S: X-Status: D
S:
S: still here
S: .
S: +OK 55 octets
S: Subject: forged2
S: X-Status: DT
S: Status: ROD
S:
S: me too
S: .
S: +OK Bye.

=== content-length-ignored
# E83
# mailbox: content-length.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (140 octets).
S: +OK 95 octets
S: Subject: cl
S: Content-Length: 5
S:
S: this body is longer than five
S:
S: and has a second paragraph
S: .
S: +OK 45 octets
S: Subject: cl2
S: Content-Length: 1000
S:
S: short
S: .
S: +OK Bye.

=== two-blank-lines
# One of the two empty lines before a From_ line belongs to the message.
# mailbox: two-blank-lines.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (45 octets).
S: +OK 26 octets
S: Subject: blank
S:
S: body
S:
S: .
S: +OK 19 octets
S: Subject: b
S:
S: b
S:
S: .
S: +OK Bye.

=== long-line
# E75: a 100000-octet line is sent whole.
# mailbox: long-line.mbox
C: USER alice
C: PASS secret
C: RETR 1
C: RETR 2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (100048 octets).
S: +OK 100026 octets
S: Subject: long
S:
S: \{100000:x}
S: short
S: .
S: +OK 22 octets
S: Subject: after
S:
S: ok
S: .
S: +OK Bye.

=== pipelined-long-retrs
# Several 100 KB replies in one pipelined burst: nothing lost at buffer edges.
# mailbox: long-line.mbox
C: USER alice
C: PASS secret
C*5: RETR 1
C: NOOP
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (100048 octets).
S: +OK 100026 octets
S: Subject: long
S:
S: \{100000:x}
S: short
S: .
S: +OK 100026 octets
S: Subject: long
S:
S: \{100000:x}
S: short
S: .
S: +OK 100026 octets
S: Subject: long
S:
S: \{100000:x}
S: short
S: .
S: +OK 100026 octets
S: Subject: long
S:
S: \{100000:x}
S: short
S: .
S: +OK 100026 octets
S: Subject: long
S:
S: \{100000:x}
S: short
S: .
S: +OK Nothing to do.
S: +OK Bye.

=== retr-errors
# E21, E30, E35
C: USER alice
C: PASS secret
C: RETR 0
C: RETR 3
C: RETR
C: RETR 1 2
C: RETR x
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR No such message.
S: -ERR No such message.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Bye.

=== from-rule
# Issue 11 scenario 8: the From_ rule of the man page, case by case.  Not
# separators (they stay in message 1): an empty sender, a sender with
# unquoted spaces, a three-digit day, an unclosed quote, a space after the
# closing quote, no day.  Separators: two spaces between weekday and month,
# a quoted sender with a space, the layouts of Postfix/procmail (two spaces
# after the sender, day padded with a space), Exim and Dovecot (day padded
# with a zero), runs of spaces everywhere with a zone and no seconds.
# Sizes: every stored line + 2 (CRLF); the From_ line and the empty line
# before the next one are not counted.
# mailbox: from-rule.mbox
C: USER alice
C: PASS secret
C: LIST
C: RETR 1
C: RETR 2
C: RETR 3
C: RETR 4
C: RETR 5
C: RETR 6
C: RETR 7
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 7 messages (760 octets).
S: +OK 7 messages (760 octets)
S: 1 438
S: 2 52
S: 3 42
S: 4 65
S: 5 50
S: 6 52
S: 7 61
S: .
S: +OK 438 octets
S: Subject: not separators
S:
S: empty sender:
S:
S: From  Mon Jan  5 10:00:00 2024
S: unquoted spaces in the sender:
S:
S: From my notes on Mon Jan  5 10:00 2024
S: three-digit day:
S:
S: From x@example.org Mon Jan 005 10:00:00 2024
S: quote not closed:
S:
S: From "john doe Mon Jan  5 10:00:00 2024
S: space after the closing quote:
S:
S: From "john doe" x@example.org Mon Jan  5 10:00:00 2024
S: day missing:
S:
S: From x@example.org Mon Jan 10:00:00 2024
S: end of one
S: .
S: +OK 52 octets
S: Subject: two spaces between weekday and month
S:
S: 2
S: .
S: +OK 42 octets
S: Subject: quoted sender with a space
S:
S: 3
S: .
S: +OK 65 octets
S: Subject: Postfix and procmail: two spaces after the sender
S:
S: 4
S: .
S: +OK 50 octets
S: Subject: Exim tod_bsdinbox: zero-padded day
S:
S: 5
S: .
S: +OK 52 octets
S: Subject: Dovecot: two spaces, zero-padded day
S:
S: 6
S: .
S: +OK 61 octets
S: Subject: runs of spaces everywhere, a zone, no seconds
S:
S: 7
S: .
S: +OK Bye.

=== from-mda
# From_ lines as real MDAs wrote them (captured from procmail 3.22 -f and
# Python 3's mailbox.mbox on Debian 12, see tests/README): procmail puts two
# spaces after the sender and pads the day with a space; the From_ line of
# each message is not sent; ">From" in a body is served as stored.
# mailbox: from-mda.mbox
C: USER alice
C: PASS secret
C: LIST
C: RETR 1
C: RETR 2
C: RETR 3
C: RETR 4
C: RETR 5
C: RETR 6
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 6 messages (551 octets).
S: +OK 6 messages (551 octets)
S: 1 107
S: 2 83
S: 3 93
S: 4 75
S: 5 90
S: 6 103
S: .
S: +OK 107 octets
S: From: Bob <bob@example.org>
S: Subject: procmail, plain sender
S:
S: >From here on, procmail quotes this line.
S: .
S: +OK 83 octets
S: From: "John Doe" <"john doe"@example.org>
S: Subject: procmail, quoted sender
S:
S: hi
S: .
S: +OK 93 octets
S: From: Mail Delivery System <MAILER-DAEMON@example.org>
S: Subject: procmail, bounce
S:
S: bounce
S: .
S: +OK 75 octets
S: From: carol@example.org
S: Subject: Python mailbox, no sender given
S:
S: body
S: .
S: +OK 90 octets
S: From: "john doe"@example.org
S: Subject: Python mailbox, set_from
S:
S: >From the python side
S: .
S: +OK 103 octets
S: Return-Path: <dave@example.org>
S: From: dave@example.org
S: Subject: procmail, null sender as <>
S:
S: last
S: .
S: +OK Bye.
