# CAPA: the same list before and after login (CAP-01, CAP-02, E42).
# mailbox: F1.mbox

=== before-login
C: CAPA
C: QUIT
S: +OK POP3 server ready.
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

=== after-login
C: USER alice
C: PASS secret
C: CAPA
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
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

=== between-user-and-pass
# RFC 1939 section 7: PASS only *immediately* after USER; pop3d reads that
# strictly, so a CAPA in between costs the pending USER.
C: USER alice
C: CAPA
C: PASS secret
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
S: -ERR Command not valid in this state.
S: +OK Bye.

=== lower-case-and-trailing-space
C: capa\s
C: QUIT
S: +OK POP3 server ready.
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

=== with-argument
C: CAPA x
C: USER alice
C: PASS secret
C: CAPA SASL
C: QUIT
S: +OK POP3 server ready.
S: -ERR Syntax error.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Syntax error.
S: +OK Bye.
