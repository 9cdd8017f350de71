# USER / PASS: replies, policy refusals, the failure limit.
# Every failed login costs about 1 s (AUTH_FAILURE_DELAY_MSEC).
# mailbox: F1.mbox

=== login-ok
C: USER alice
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== login-lowercase-commands
C: user alice
C: pass secret
C: stat
C: quit
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== wrong-password
C: USER alice
C: PASS wrong
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== unknown-user-same-reply
# E40: USER never reveals whether the account exists; PASS fails identically.
C: USER nosuch
C: PASS x
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== retry-after-failure
# E38: after a failed PASS the USER must be repeated.
C: USER alice
C: PASS wrong
C: PASS secret
C: USER alice
C: PASS secret
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: -ERR Command not valid in this state.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== pass-without-user
# E37
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== second-user-rejected
# RFC 1939 section 7: PASS only immediately after a successful USER.  The
# refused USER bob is a reply other than USER's +OK, so alice is forgotten
# (the requirements' E39 kept her; the RFC and issue 12 do not).
C: USER alice
C: USER bob
C: PASS secret
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== too-long-line-forgets-user
# An over-long PASS line gets -ERR Line too long: the next PASS no longer
# follows USER's +OK.
C: USER alice
C: PASS \{600:x}
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR Line too long.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== user-without-name
C: USER
C: USER\s
C: USER alice
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: -ERR Syntax error.
S: -ERR Syntax error.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK Bye.

=== user-two-words
C: USER alice bob
C: QUIT
S: +OK POP3 server ready.
S: -ERR Syntax error.
S: +OK Bye.

=== user-then-quit
# E43 / AU-08: QUIT in AUTHORIZATION changes nothing.
C: USER alice
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Bye.

=== quit-at-once
C: QUIT
S: +OK POP3 server ready.
S: +OK Bye.

=== quit-with-argument
# E29: QUIT now is a syntax error and the session stays open.
C: QUIT now
C: NOOP
C: QUIT
S: +OK POP3 server ready.
S: -ERR Syntax error.
S: -ERR Command not valid in this state.
S: +OK Bye.

=== password-with-spaces
# GEN-10: PASS takes the rest of the line verbatim.
# mailbox: none
C: USER spaced
C: PASS a b c
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== password-leading-space-is-part-of-it
# "PASS  secret" sends the password " secret".
C: USER alice
C: PASS \ssecret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== password-8bit
# mailbox: none
C: USER eight
C: PASS p\xe4ss\xff
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== password-100-chars
# E18 / GEN-06: judged on the credentials, not the length.
# mailbox: none
C: USER longpw
C: PASS \{100:x}
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== password-with-control-byte
C: USER alice
C: PASS sec\x01ret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR Invalid characters in command.
S: +OK Bye.

=== hash-yescrypt
# mailbox: none
C: USER yes
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== hash-bcrypt
# mailbox: none
C: USER bcrypt
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== hash-sha256
# mailbox: none
C: USER sha256
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Logged in, 0 messages (0 octets).
S: +OK Bye.

=== locked-account
# A "!" before the hash locks the account: the same reply as a wrong password.
C: USER locked
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== star-hash
C: USER star
C: PASS *
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== empty-hash
# An empty hash never matches, not even an empty password.
C: USER nopass
C: PASS\s
C: USER nopass
C: PASS x
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== unparseable-hash
C: USER badhash
C: PASS notahash
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== uid-zero-refused
# Root refuses uid 0; not root, the uid does not match: the same [AUTH] reply.
C: USER rootuid
C: PASS secret
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.

=== three-failures-close
# After the 3rd failed login the connection is closed after the -ERR.
# close: server
C: USER alice
C: PASS bad1
C: USER alice
C: PASS bad2
C: USER nosuch
C: PASS bad3
C: USER alice
C: PASS secret
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.

=== two-failures-then-success
C: USER alice
C: PASS bad1
C: USER alice
C: PASS bad2
C: USER alice
C: PASS secret
C: STAT
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Send your password.
S: +OK Logged in, 2 messages (52 octets).
S: +OK 2 52
S: +OK Bye.

=== long-user-name
# E15: a 255-octet line (USER + 248 characters + CRLF) is accepted.
C: USER \{248:u}
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: +OK Bye.

=== user-8bit
# E14: 8-bit bytes in USER (no UTF8 USER).
C: USER \xe9lodie
C: QUIT
S: +OK POP3 server ready.
S: -ERR Invalid characters in command.
S: +OK Bye.

=== apop-not-offered
# E44: no APOP (the greeting has no '<').
C: APOP alice c4c9334bac560ecc979e58001b3e22fb
C: QUIT
S: +OK POP3 server ready.
S: -ERR Unknown command.
S: +OK Bye.
