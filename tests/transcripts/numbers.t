# Numbers (section 17 B, LIM-05): digits only, no sign, overflow-checked,
# leading zeros fine, 0 is no message.
# mailbox: F1.mbox

=== zero
# E21
C: USER alice
C: PASS secret
C: RETR 0
C: LIST 0
C: DELE 0
C: UIDL 0
C: TOP 0 0
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR No such message.
S: -ERR No such message.
S: -ERR No such message.
S: -ERR No such message.
S: -ERR No such message.
S: +OK Bye.

=== signs
# E22, E23
C: USER alice
C: PASS secret
C: RETR -1
C: RETR +1
C: LIST -0
C: DELE +2
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Bye.

=== leading-zeros
# E24, including more zeros than any integer type has digits.
C: USER alice
C: PASS secret
C: LIST 01
C: LIST 0000000000000000000000000000000000000002
C: RETR 01
C: TOP 002 0001
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 1 23
S: +OK 2 29
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
S: +OK Bye.

=== overflow
# E25, E26: never wraps to a small number.
C: USER alice
C: PASS secret
C: RETR 99999999999999999999
C: LIST 18446744073709551617
C: LIST 18446744073709551616
C: DELE 36893488147419103233
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Bye.

=== wraps-to-one-in-32-bits
# E26: 4294967297 = 2^32 + 1 must not act as LIST 1 (too big or no such message).
C: USER alice
C: PASS secret
C: LIST 4294967297
C: LIST 4294967296
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S~ -ERR (Syntax error|No such message)\.
S~ -ERR (Syntax error|No such message)\.
S: +OK Bye.

=== noise-after-number
# E27
C: USER alice
C: PASS secret
C: RETR 1x
C: RETR 1.0
C: RETR 0x1
C: RETR 1e0
C: RETR x
C: TOP 1 1x
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
S: +OK Bye.

=== extra-arguments
# E28: DELE 1 1 must not delete anything.
C: USER alice
C: PASS secret
C: RETR 1 2
C: DELE 1 1
C: LIST 1 2
C: UIDL 1 1
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK 2 52
S: +OK Bye.

=== out-of-range
# E35
C: USER alice
C: PASS secret
C: TOP 3 1
C: UIDL 3
C: LIST 3
C: DELE 3
C: RETR 4294967295
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR No such message.
S: -ERR No such message.
S: -ERR No such message.
S: -ERR No such message.
S: -ERR No such message.
S: +OK Bye.
