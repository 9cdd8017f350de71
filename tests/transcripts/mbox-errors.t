# Mailboxes pop3d must refuse at PASS, with the connection closed after the
# -ERR and no lock left (ST-02, MB-08, E88).
# close: server

=== garbage-before-first-from
# mailbox: garbage-start.mbox
C: USER alice
C: PASS secret
C: STAT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [SYS/PERM] Mailbox unavailable, contact your administrator.

=== blank-line-before-first-from
# mailbox: blank-start.mbox
C: USER alice
C: PASS secret
C: STAT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [SYS/PERM] Mailbox unavailable, contact your administrator.

=== fromage-is-not-from
# mailbox: fromage-start.mbox
C: USER alice
C: PASS secret
C: STAT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [SYS/PERM] Mailbox unavailable, contact your administrator.

=== wrong-password-reveals-nothing-about-the-mailbox
# A bad mailbox is only looked at after the credentials are accepted.
# mailbox: garbage-start.mbox
# close: client
C: USER alice
C: PASS wrong
C: QUIT
S: +OK POP3 server ready.
S: +OK Send your password.
S: -ERR [AUTH] Authentication failed.
S: +OK Bye.
