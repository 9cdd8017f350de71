# AUTH PLAIN (RFC 5034, RFC 4616): initial response, "+ " continuation,
# cancel, authorization identity, malformed responses, the failure limit.
# The base64 strings decode to what each case's first comment says.
# mailbox: F1.mbox

=== initial-response
# "\0alice\0secret"
C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== continuation
# "\0alice\0secret" after the empty "+ " challenge.
C: AUTH PLAIN
C: AGFsaWNlAHNlY3JldA==
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: + 
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== lower-case
C: auth plain AGFsaWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== mechanism-mixed-case
C: AUTH pLaIn AGFsaWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== authzid-equal-to-authcid
# "alice\0alice\0secret"
C: AUTH PLAIN YWxpY2UAYWxpY2UAc2VjcmV0
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== authzid-other-user-refused
# "bob\0alice\0secret": the right password, but acting as bob is not
# offered (RFC 4616 section 2); a failure like any other.
C: AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== wrong-password
# "\0alice\0wrong"
C: AUTH PLAIN AGFsaWNlAHdyb25n
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== unknown-user-same-reply
# "\0nosuch\0x"
C: AUTH PLAIN AG5vc3VjaAB4
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== wrong-password-continuation
C: AUTH PLAIN
C: AGFsaWNlAHdyb25n
C: QUIT
S: +OK POP3 server ready.
S: + 
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== cancel
# RFC 5034 section 4: "*" cancels; the session goes on.
C: AUTH PLAIN
C: *
C: AUTH PLAIN
C: AGFsaWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: + 
S: -ERR Authentication cancelled.
S: + 
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== cancel-is-not-a-login-failure
# Three cancels, then a good login: cancelling never counts as a failure.
C: AUTH PLAIN
C: *
C: AUTH PLAIN
C: *
C: AUTH PLAIN
C: *
C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: + 
S: -ERR Authentication cancelled.
S: + 
S: -ERR Authentication cancelled.
S: + 
S: -ERR Authentication cancelled.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== empty-initial-response
# RFC 5034 section 4: "=" is an empty response, which PLAIN cannot use.
C: AUTH PLAIN =
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== empty-continuation
C: AUTH PLAIN
C: 
C: QUIT
S: +OK POP3 server ready.
S: + 
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== not-base64
C: AUTH PLAIN !!!!
C: AUTH PLAIN
C: AGFs aWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: + 
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== bad-padding-and-stray-bits
# The right credentials with padding missing, then with a nonzero bit in
# the padding: both refused, never "repaired".
C: AUTH PLAIN AGFsaWNlAHNlY3JldA
C: AUTH PLAIN AGFsaWNlAHNlY3JldB==
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== malformed-responses-end-the-connection
# "alicesecret" (no NUL), "\0alice\0" (no password), "\0\0secret" (no
# user): three failures close the connection like three wrong passwords.
# close: server
C: AUTH PLAIN YWxpY2VzZWNyZXQ=
C: AUTH PLAIN AGFsaWNlAA==
C: AUTH PLAIN AABzZWNyZXQ=
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: -ERR [AUTH] Invalid PLAIN response.
S: -ERR [AUTH] Invalid PLAIN response.

=== nul-in-password
# "\0alice\0sec\0ret" and "\0alice\0secret\0"
C: AUTH PLAIN AGFsaWNlAHNlYwByZXQ=
C: AUTH PLAIN AGFsaWNlAHNlY3JldAA=
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== user-name-as-user-accepts-it
# "\0al ice\0secret", "\0al\xe4ce\0secret": names USER could not send.
C: AUTH PLAIN AGFsIGljZQBzZWNyZXQ=
C: AUTH PLAIN AGFs5GNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Invalid PLAIN response.
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== password-with-spaces
# "\0spaced\0a b c"
# mailbox: none
C: AUTH PLAIN AHNwYWNlZABhIGIgYw==
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== password-8bit
# "\0eight\0p\xe4ss\xff"
# mailbox: none
C: AUTH PLAIN AGVpZ2h0AHDkc3P/
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== three-failures-close
# AUTH and PASS failures count together; the third closes the connection.
# close: server
C: AUTH PLAIN AGFsaWNlAHdyb25n
C: USER alice
C: PASS bad
C: AUTH PLAIN
C: AGFsaWNlAHdyb25n
C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
S: +OK POP3 server ready.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: + 
S: -ERR [AUTH] Authentication failed.

=== two-failures-then-success
C: AUTH PLAIN AGFsaWNlAHdyb25n
C: AUTH PLAIN AGFsaWNlAHdyb25n
C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: -ERR [AUTH] Authentication failed.
S: -ERR [AUTH] Authentication failed.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== bare-auth-lists-mechanisms
# RFC 1734 clients send AUTH alone to learn what the server offers.
C: AUTH
C: QUIT
S: +OK POP3 server ready.
S: +OK Mechanisms follow.
S: PLAIN
S: .
S: +OK Bye.

=== unsupported-mechanism
C: AUTH LOGIN
C: AUTH CRAM-MD5
C: AUTH GSSAPI AGFsaWNlAHNlY3JldA==
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unsupported authentication mechanism.
S: -ERR Unsupported authentication mechanism.
S: -ERR Unsupported authentication mechanism.
S: +OK Bye.

=== too-many-arguments
C: AUTH PLAIN AGFsaWNlAHNlY3JldA== x
C: QUIT
S: +OK POP3 server ready.
S: -ERR Syntax error.
S: +OK Bye.

=== continuation-too-long
# A response longer than a command line is refused, and its tail is not
# read as a command.
C: AUTH PLAIN
C: \{600:A}QUIT
C: QUIT
S: +OK POP3 server ready.
S: + 
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== continuation-is-not-a-command
# The line after "+ " is the response, even when it looks like a command.
C: AUTH PLAIN
C: QUIT
C: QUIT
S: +OK POP3 server ready.
S: + 
S: -ERR [AUTH] Invalid PLAIN response.
S: +OK Bye.

=== auth-forgets-user
# A USER before AUTH is forgotten: PASS after a failed AUTH is out of place.
C: USER alice
C: AUTH PLAIN AGFsaWNlAHdyb25n
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== eof-at-continuation
# The client goes away instead of answering "+ ": nothing more is sent.
C: AUTH PLAIN
S: +OK POP3 server ready.
S: + 

=== after-login
C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
C: AUTH
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Logged in, 2 messages (52 octets).
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: +OK 2 52
S: +OK Bye.

=== pipelined-after-continuation
# Commands sent ahead after the response reach the session.
C: AUTH PLAIN
C: AGFsaWNlAHNlY3JldA==
C: LIST
C: QUIT
S: +OK POP3 server ready.
S: + 
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 messages (52 octets)
S: 1 23
S: 2 29
S: .
S: +OK Bye.
