# The state machine (ST-08): wrong-state commands, unimplemented commands.
# mailbox: F1.mbox

=== transaction-commands-before-login
# E36 (fewer than 10 in a row: that many bad commands close the connection)
C: STAT
C: LIST
C: RETR 1
C: DELE 1
C: NOOP
C: RSET
C: UIDL
C: TOP 1 1
C: CAPA
C: LIST 1
C: UIDL 1
C: QUIT
S: +OK POP3 server ready.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: +OK Capability list follows.
S: TOP
S: UIDL
S: USER
S: SASL PLAIN
S: RESP-CODES
S: AUTH-RESP-CODE
S: PIPELINING
S: .
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== transaction-commands-between-user-and-pass
C: USER alice
C: STAT
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== auth-commands-after-login
# E41, E46
C: USER alice
C: PASS secret
C: USER alice
C: PASS secret
C: APOP a b
C: AUTH PLAIN
C: AUTH
C: STLS
C: UTF8
C: LANG
C: LANG *
C: LAST
C: RPOP x
C: XTND XMIT
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Unknown command.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: +OK 2 52
S: +OK Bye.

=== unimplemented-before-login
# E44, E46, E121, E124: none of them offered (AUTH is: sasl.t)
C: STLS
C: UTF8
C: LANG
C: LAST
C: RPOP x
C: XTND XMIT
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: -ERR Unknown command.
S: +OK Bye.

=== noop-rset-after-login
C: USER alice
C: PASS secret
C: NOOP
C: RSET
C: NOOP x
C: RSET x
C: STAT x
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Nothing to do.
S: +OK Deletion marks removed.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Bye.

=== quit-with-argument-after-login
# E29: the session stays open, and the DELE is kept until the real QUIT.
# after: after/F1-dele1.mbox
C: USER alice
C: PASS secret
C: DELE 1
C: QUIT now
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S: -ERR Syntax error.
S: +OK 1 29
S: +OK Bye.

=== greeting-only-then-eof
# E45: no '<' (no APOP timestamp) in the greeting; EOF ends silently.
S: +OK POP3 server ready.

=== after-quit-nothing-more
# The server closes after QUIT; commands after it are not answered.
# close: server
C: QUIT
C: NOOP
S: +OK POP3 server ready.
S: +OK Bye.

=== after-quit-in-transaction
# close: server
C: USER alice
C: PASS secret
C: QUIT
C: STAT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.
