# PIPELINING (RFC 2449 6.6): everything in one write, replies in order.
# mailbox: F1.mbox

=== e117-session-in-one-write
# after: after/F1-dele1.mbox
C: USER alice
C: PASS secret
C: STAT
C: LIST
C: RETR 1
C: DELE 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 2 messages (52 octets)
S: 1 23
S: 2 29
S: .
S: +OK 23 octets
S: Subject: one
S:
S: hello
S: .
S: +OK Message deleted.
S: +OK Bye.

=== e118-failed-login-pipelined
C: USER alice
C: PASS wrong
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== gen13-list-1
C: USER alice
C: PASS secret
C: STAT
C: LIST 1
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 1 23
S: +OK Bye.

=== retry-login-pipelined
# The failure delay does not lose the lines queued behind it.
C: USER alice
C: PASS wrong
C: USER alice
C: PASS secret
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== e119-1000-noops
C: USER alice
C: PASS secret
C*1000: NOOP
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S*1000: +OK Nothing to do.
S: +OK Bye.

=== many-mixed-commands
# 300 rounds of STAT / LIST 2 / UIDL / TOP 1 0 in one write.
C: USER alice
C: PASS secret
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: STAT
C: LIST 2
C: TOP 1 0
C: UIDL
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK 2 52
S: +OK 2 29
S: +OK Top of message follows.
S: Subject: one
S:
S: .
S: +OK Unique-ID listing follows.
S~ 1 [0-9a-f]{32}
S~ 2 [0-9a-f]{32}
S: .
S: +OK Bye.

=== dele-quit-then-more-input
# Lines after QUIT are not run; the update happens.
# after: after/F1-dele2.mbox
C: USER alice
C: PASS secret
C: DELE 2
C: QUIT
C: RSET
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: +OK Bye.
