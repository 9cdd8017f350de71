# Connection limits: bad commands, idle timer (with -t), failed logins.
# mailbox: F1.mbox

=== ten-bad-commands-before-login-close
# After 10 consecutive bad commands before login, the reply to the 10th is
# sent and the connection closed.
# close: server
C*10: FOO
C: CAPA
S: +OK POP3 server ready.
S*10: -ERR Unknown command.

=== ten-mixed-bad-commands-before-login-close
# close: server
C: FOO
C: STAT
C: USER
C: LIST\t1
C: \{600:x}
C: PASS x
C: RETR 1
C: [X
C: NOOP
C: XYZZY
C: CAPA
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: -ERR Command not valid in this state.
S: -ERR Syntax error.
S: -ERR Invalid characters in command.
S: -ERR Line too long.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Unknown command.
S: -ERR Command not valid in this state.
S: -ERR Unknown command.

=== nine-bad-commands-then-good-resets
C*9: FOO
C: CAPA
C*9: FOO
C: QUIT
S: +OK POP3 server ready.
S*9: -ERR Unknown command.
S: +OK Capability list follows.
S: TOP
S: UIDL
S: USER
S: SASL PLAIN
S: RESP-CODES
S: AUTH-RESP-CODE
S: PIPELINING
S: .
S*9: -ERR Unknown command.
S: +OK Bye.

=== twenty-bad-commands-after-login-close
# E47: 20 after login; the pending DELE is not carried out.
# close: server
C: USER alice
C: PASS secret
C: DELE 1
C*20: FOO
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S*20: -ERR Unknown command.

=== twenty-well-formed-errors-after-login-close
# LIMITS: well-formed commands answered -ERR for the command itself (no such
# message, a deleted message) count like malformed ones.  The DELE that got
# +OK is not carried out.
# close: server
C: USER alice
C: PASS secret
C: DELE 1
C*10: RETR 9
C*5: DELE 1
C*5: TOP 1 0
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.
S*10: -ERR No such message.
S*5: -ERR Message is deleted.
S*5: -ERR Message is deleted.

=== nineteen-bad-commands-after-login
C: USER alice
C: PASS secret
C*19: RETR 9
C: NOOP
C*19: RETR 9
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S*19: -ERR No such message.
S: +OK Nothing to do.
S*19: -ERR No such message.
S: +OK Bye.

=== idle-timeout-after-login
# E104: -t 1, the client stays connected but silent: the server closes
# without a reply and without UPDATE (the DELE is not carried out).
# args: -t 1
# close: server
C: USER alice
C: PASS secret
C: DELE 1
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Message deleted.

=== idle-timeout-before-login
# args: -t 1
# close: server
C: USER alice
S: +OK POP3 server ready.
S: +OK Send your password.

=== idle-timeout-mid-line
# An unterminated line is not a command; the idle timer still runs.
# args: --timeout=1
# close: server
C: USER alice
C: PASS secret
R: DELE 1
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
