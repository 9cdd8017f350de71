# Command line syntax: framing, whitespace, bytes (section 17 A, E01-E20).
# mailbox: F1.mbox

=== empty-and-blank-lines
# E01, E02
C:
C: \s\s\s
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: +OK Bye.

=== leading-space
# E03
C: USER alice
C: PASS secret
C: \sSTAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Unknown command.
S: +OK Bye.

=== trailing-and-double-spaces
# E04, E05
C: USER alice\s
C: PASS secret
C: STAT\s
C: LIST\s\s1
C: LIST 1\s\s
C: TOP\s\s2\s\s\s0\s
C: QUIT\s
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 1 23
S: +OK 1 23
S: +OK Top of message follows.
S: Subject: two
S:
S: .
S: +OK Bye.

=== tab-is-invalid
# E06
C: USER alice
C: PASS secret
C: LIST\t1
C: STAT\t
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: +OK Bye.

=== case-insensitive
# E07, GEN-01
C: uSeR alice
C: PaSs secret
C: list 1
C: LiSt 1
C: stat
C: StAt
C: QuIt
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 1 23
S: +OK 1 23
S: +OK 2 52
S: +OK 2 52
S: +OK Bye.

=== wrong-length-keywords
# E08
C: USER alice
C: PASS secret
C: LISTS
C: LI
C: STATX
C: QUITQUIT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: +OK Bye.

=== bare-lf-line-ends
# E09, E10
R: USER alice\nPASS secret\r\nSTAT\nLIST 2\n
R: QUIT\n
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 2 29
S: +OK Bye.

=== bare-cr-inside-line
# E11: one reply; the CR is data, NOOP is not run.
C: USER alice
C: PASS secret
R: STAT\rNOOP\r\n
C: STAT\r
C: \rSTAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: +OK Bye.

=== nul-in-command
# E12, E13: never act on the part before the NUL.
C: ST\0AT
C: USER ali\0ce
C: PASS secret
C: USER alice
C: PASS secret
C: NOOP\0
C: DELE 1\0
C: DELE 1\0junk
C: \0
C: QUIT
S: +OK POP3 server ready.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Command not valid in this state.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: +OK Bye.

=== control-and-8bit-bytes
# E14, E19 / GEN-15: a single -ERR, nothing echoed.
C: \x01FOO\xff
C: STAT\x7f
C: \x1b[31mUSER
C: USER \xe9
C: USER alice\x0b
C: QUIT
S: +OK POP3 server ready.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: -ERR Invalid characters in command.
S: +OK Bye.

=== unicode-digit
# E27: U+0661 ARABIC-INDIC DIGIT ONE is 8-bit, not a number.
C: USER alice
C: PASS secret
C: RETR ١
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Invalid characters in command.
S: +OK Bye.

=== response-code-lookalike
# E20 / RC-02: the reply text never starts with '[' from the input.
C: [IN-USE]
C: [AUTH] x
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: +OK Bye.

=== long-unknown-command
# E19: a 400-character unknown command: one short -ERR, nothing echoed.
C: \{400:Z}
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: +OK Bye.

=== line-of-255-octets
# E15 / GEN-05: USER + 248 characters + CRLF = 255 octets.
C: USER \{248:a}
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Bye.

=== line-of-300-octets
# E16: 300 octets is within pop3d's 512; processed normally, one reply.
C: USER \{293:b}
C: CAPA
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Capability list follows.
S: TOP
S: UIDL
S: USER
S: SASL PLAIN
S: RESP-CODES
S: AUTH-RESP-CODE
S: PIPELINING
S: .
S: +OK Bye.

=== line-of-512-octets-accepted
# 510 octets + CRLF is the longest accepted line.
C: USER \{505:c}
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Bye.

=== line-of-513-octets-too-long
C: USER \{506:c}
C: CAPA
C: QUIT
S: +OK POP3 server ready.
S: -ERR Line too long.
S: +OK Capability list follows.
S: TOP
S: UIDL
S: USER
S: SASL PLAIN
S: RESP-CODES
S: AUTH-RESP-CODE
S: PIPELINING
S: .
S: +OK Bye.

=== line-of-10000-octets
# GEN-12: exactly one -ERR, the rest up to LF discarded, CAPA answered.
C: \{10000:A}
C: CAPA
C: QUIT
S: +OK POP3 server ready.
S: -ERR Line too long.
S: +OK Capability list follows.
S: TOP
S: UIDL
S: USER
S: SASL PLAIN
S: RESP-CODES
S: AUTH-RESP-CODE
S: PIPELINING
S: .
S: +OK Bye.

=== line-of-1-mib
# E17: 1 MiB without LF, then CRLF: one -ERR, memory bounded, CAPA answered.
C: \{1048576:A}
C: CAPA
C: QUIT
S: +OK POP3 server ready.
S: -ERR Line too long.
S: +OK Capability list follows.
S: TOP
S: UIDL
S: USER
S: SASL PLAIN
S: RESP-CODES
S: AUTH-RESP-CODE
S: PIPELINING
S: .
S: +OK Bye.

=== long-line-tail-never-runs
# The tail of an over-long line looks like commands; none of them runs.
C: USER alice
C: PASS secret
C: \{600:A} DELE 1
C: \{600:B}\rDELE 2
C: NOOP\{600:\s}DELE 1
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Line too long.
S: -ERR Line too long.
S: -ERR Line too long.
S: +OK 2 52
S: +OK Bye.

=== long-line-bare-lf
R: \{2000:A}\n
C: NOOP
C: QUIT
S: +OK POP3 server ready.
S: -ERR Line too long.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== long-password-line
# A 1000-octet PASS line is too long (not an authentication failure).
C: USER alice
C: PASS \{1000:p}
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR Line too long.
S: +OK Bye.

=== line-limit-with-bare-lf
# At most 512 octets including the line end: 511 + LF is a line (an unknown
# command), 512 + LF is too long.
R: \{511:A}\n
R: \{512:A}\n
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: -ERR Line too long.
S: +OK Bye.
