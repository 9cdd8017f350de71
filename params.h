/*
 * params.h: every compile-time limit of pop3d, in one place.
 *
 * Each value is a policy decision; the comment says why it has the value it
 * has.  Values that a site may reasonably want to change are also options
 * (see pop3d(8)); these are the rest.
 */
#ifndef POP3D_PARAMS_H
#define POP3D_PARAMS_H

/* RFC 1939 section 3: an idle timer, if any, must be at least 10 minutes. */
#define IDLE_TIMEOUT_SEC_DEFAULT	600

/*
 * The whole pre-login phase, however busy the client keeps it: a
 * connection that has not logged in by then is closed, so that clients
 * that never log in cannot hold every slot a launcher allows.  A client
 * logs in within a second; a person typing a password is not a POP3
 * client.
 */
#define LOGIN_TIMEOUT_SEC_DEFAULT	60
/*
 * The monitor's own limit is that much later: the pre-login process ends
 * the phase itself, with a log line, unless it is compromised.  The
 * failure delays run in the monitor and count towards both.
 */
#define LOGIN_TIMEOUT_GRACE_SEC		5

/*
 * Longest command line accepted, CRLF included.  RFC 2449 section 4 requires
 * 255; twice that leaves room for long passphrases.  Longer lines get one
 * -ERR and are discarded up to their LF.
 */
#define CMD_LINE_MAX			512

/* RFC 1939 section 3 / RFC 2449 section 4: status and CAPA lines. */
#define REPLY_LINE_MAX			512

/* Bytes read from the client at once; bounds input memory. */
#define IN_BUFFER_BYTES			4096

/*
 * One output buffer serves replies and message data: 64 KiB makes a full
 * download of 400 MB about 7,000 write calls, a few milliseconds, and
 * keeps the buffer in the L2 cache.
 */
#define OUT_BUFFER_BYTES		(64L * 1024)

/*
 * Window for reading the mailbox with pread: bounded memory, few calls.
 * 64 KiB stays in the L2 cache while it is scanned and hashed; 256 KiB
 * measured no faster and cost 0.4 MB more of peak RSS (bench/RESULTS.md).
 */
#define MBOX_WINDOW_BYTES		(64L * 1024)

/* A From_ line longer than this is not a message separator. */
#define FROM_LINE_MAX			1000

/* Login: attempts per connection, and the delay after each failure. */
#define AUTH_FAILURES_MAX		3
#ifndef AUTH_FAILURE_DELAY_MSEC
#define AUTH_FAILURE_DELAY_MSEC		1000
/*
 * PROXY protocol (proxy.c).  A load balancer sends its header at once on
 * connecting, so a few seconds is generous.  A v1 line is at most 107
 * octets with its CRLF (HAProxy's spec, section 2.1); a v2 header is 16
 * octets and the length they announce, which the spec keeps below one TCP
 * segment: 1024 leaves room for HAProxy's TLVs (SSL, ALPN, authority,
 * unique-id), and a longer one is refused, never read.
 */
#define PROXY_HEADER_TIMEOUT_SEC	5
#define PROXY_V1_LINE_MAX		107
#define PROXY_V2_HEADER_MAX		1024
/* Networks in --proxy-from. */
#define PROXY_FROM_MAX			16

#endif

/* Consecutive bad commands before the connection is closed. */
#define BAD_COMMANDS_BEFORE_LOGIN_MAX	10
#define BAD_COMMANDS_AFTER_LOGIN_MAX	20

/* Longest user name; anything longer cannot be an account. */
#define USER_NAME_MAX			64

/* Longest line of a users file (a yescrypt hash is about 73 bytes). */
#define USERS_LINE_MAX			1024

/* Longest mailbox path after template expansion. */
#define MAILBOX_PATH_MAX		1024

/*
 * Symbolic links the root monitor follows on the way to the mailbox's
 * directory, each one only root could have made (Debian's /var/spool/mail).
 */
#define SPOOL_LINKS_MAX			8

/*
 * Locking (Debian Policy 11.6): both locks non-blocking, a random back-off
 * between attempts, and a bounded total wait so a stuck delivery agent
 * produces an answer rather than a hung client.  The wait is
 * LOCK_WAIT_SEC from the last sign of progress of the dotlock's holder
 * (a touch, or a new holder), and LOCK_WAIT_MAX_SEC in all.
 */
#define LOCK_WAIT_SEC			10
#define LOCK_WAIT_MAX_SEC		600
#define LOCK_BACKOFF_MIN_MSEC		50
#define LOCK_BACKOFF_MAX_MSEC		250
/* liblockfile's rule: a dotlock untouched for 5 minutes is stale. */
#define DOTLOCK_STALE_SEC		300
/*
 * A dotlock holds a process id, maybe with a host name (PID:HOST), or
 * nothing; a larger file at the lock's path is something else and is
 * never broken as a stale lock.  Host names longer than DOTLOCK_HOST_MAX
 * (a DNS label's 63 octets and one) are not written into locks.
 */
#define DOTLOCK_HOST_MAX		64
#define DOTLOCK_SIZE_MAX		80
/*
 * pop3d touches a dotlock it holds this often during a scan or an update:
 * far more often than any breaker's stale rule needs, and often enough
 * that a waiting session sees the progress (LOCK_WAIT_SEC).
 */
#define DOTLOCK_TOUCH_SEC		1

/*
 * Caps on what one session serves.  Past them the first messages up to the
 * cap are served, so the user can still download and delete.
 */
#ifndef MBOX_MESSAGES_MAX
#define MBOX_MESSAGES_MAX		1000000
/*
 * PROXY protocol (proxy.c).  A load balancer sends its header at once on
 * connecting, so a few seconds is generous.  A v1 line is at most 107
 * octets with its CRLF (HAProxy's spec, section 2.1); a v2 header is 16
 * octets and the length they announce, which the spec keeps below one TCP
 * segment: 1024 leaves room for HAProxy's TLVs (SSL, ALPN, authority,
 * unique-id), and a longer one is refused, never read.
 */
#define PROXY_HEADER_TIMEOUT_SEC	5
#define PROXY_V1_LINE_MAX		107
#define PROXY_V2_HEADER_MAX		1024
/* Networks in --proxy-from. */
#define PROXY_FROM_MAX			16

#endif
#ifndef MBOX_BYTES_MAX
#define MBOX_BYTES_MAX			(8LL * 1024 * 1024 * 1024)
/*
 * PROXY protocol (proxy.c).  A load balancer sends its header at once on
 * connecting, so a few seconds is generous.  A v1 line is at most 107
 * octets with its CRLF (HAProxy's spec, section 2.1); a v2 header is 16
 * octets and the length they announce, which the spec keeps below one TCP
 * segment: 1024 leaves room for HAProxy's TLVs (SSL, ALPN, authority,
 * unique-id), and a longer one is refused, never read.
 */
#define PROXY_HEADER_TIMEOUT_SEC	5
#define PROXY_V1_LINE_MAX		107
#define PROXY_V2_HEADER_MAX		1024
/* Networks in --proxy-from. */
#define PROXY_FROM_MAX			16

#endif

/*
 * Bytes copied into the journal per step of an update (journal.c): large
 * enough that the syncs do not dominate, small enough to reserve.  Test
 * builds shrink it to exercise many steps on small mailboxes.
 */
#ifndef JOURNAL_CHUNK_BYTES
#define JOURNAL_CHUNK_BYTES		(16L * 1024 * 1024)
/*
 * PROXY protocol (proxy.c).  A load balancer sends its header at once on
 * connecting, so a few seconds is generous.  A v1 line is at most 107
 * octets with its CRLF (HAProxy's spec, section 2.1); a v2 header is 16
 * octets and the length they announce, which the spec keeps below one TCP
 * segment: 1024 leaves room for HAProxy's TLVs (SSL, ALPN, authority,
 * unique-id), and a longer one is refused, never read.
 */
#define PROXY_HEADER_TIMEOUT_SEC	5
#define PROXY_V1_LINE_MAX		107
#define PROXY_V2_HEADER_MAX		1024
/* Networks in --proxy-from. */
#define PROXY_FROM_MAX			16

#endif

/*
 * Privilege separation: the pre-login process's user (a dedicated system
 * user if the site made one, else nobody) and its root directory, which
 * must be empty and owned by root.
 */
#define PRIVSEP_USER			"pop3d"
#define PRIVSEP_USER_FALLBACK		"nobody"
#define PRIVSEP_CHROOT_DIR		"/var/lib/pop3d"
/*
 * How long the monitor lets the pre-login process exit by itself after
 * the hand-over before it kills its process group: it exits at once, and
 * a compromised one gains nothing from the wait.
 */
#define PRELOGIN_EXIT_WAIT_MSEC		1000

/*
 * The children's system-call filters and their descriptor limit's hard
 * value (sandbox.c).  Only the valgrind build (pop3d-valgrind, make
 * check-valgrind) turns them off: valgrind runs its own code inside the
 * process, which no filter written for pop3d allows, and it refuses any
 * change of RLIMIT_NOFILE's hard value.  The other limits stay.
 */
#ifndef SANDBOX_FILTERS
#define SANDBOX_FILTERS			1
#endif

/*
 * Coverage builds only (make coverage): the pre-login process may open
 * and grow files, so that libgcov can write its counts when it exits (in
 * its root directory, where make coverage mounts the counts' directory).
 * Everything else in its box stays (sandbox.c).
 */
#ifndef SANDBOX_COVERAGE
#define SANDBOX_COVERAGE		0
#endif

/*
 * Where each user's index lives (DIR/UID/index): a cache of the message
 * table, checked against the mailbox before use and safe to delete.
 */
#define INDEX_DIR_DEFAULT		"/var/cache/pop3d"

/*
 * TLS (tls.c).  The default policy is Mozilla's "intermediate" profile
 * narrowed to what the issue allows: TLS 1.2 and 1.3, ECDHE key exchange
 * (no RSA key transport, no finite-field DHE), AEAD ciphers only, the
 * server's order; --tls-priority replaces it, and tls.c checks every
 * handshake against the same rules whatever the string says.
 */
#define TLS_PRIORITY_DEFAULT	"SECURE128:-VERS-ALL:+VERS-TLS1.3:" \
	"+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-CIPHER-ALL:" \
	"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:" \
	"-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:" \
	"%SERVER_PRECEDENCE"
/* Certificate and key files: a chain of a few certificates is ~10 KiB. */
#define TLS_FILE_MAX		(64L * 1024)
#define TLS_CHAIN_MAX		8
/*
 * Signatures the key process makes per connection: one handshake makes
 * one (TLS 1.3 CertificateVerify or TLS 1.2 ServerKeyExchange), and there
 * is no renegotiation.
 */
#define TLS_SIGNATURES_MAX	1
/* An RSA-8192 signature; a request is the algorithm and the signed data. */
#define TLS_SIGNATURE_MAX	1024
#define TLS_SIGN_REQUEST_MAX	(4 + 1 + 512)
/* "tls=implicit version=TLS1.3 cipher=CHACHA20-POLY1305", for the log. */
#define TLS_INFO_MAX		96
/*
 * The relay's buffer each way: what the session writes at once (its output
 * buffer), sent on as four full records; 16 KiB took four times the reads.
 */
#define TLS_RELAY_BYTES		(64 * 1024)
/*
 * The session-ticket master key (gnutls_session_ticket_key_generate()'s
 * size): GnuTLS derives the key it encrypts tickets with from it and the
 * time, and moves on to a new one every TLS_TICKET_LIFETIME_SEC.
 */
#define TLS_TICKET_KEY_BYTES	64
#define TLS_TICKET_LIFETIME_SEC	(6 * 3600)
/* The relay outlasts the session's idle timer by this much. */
#define TLS_RELAY_GRACE_SEC	5

/* System accounts below this uid (Debian's system users) cannot log in. */
#define MIN_UID_DEFAULT			1000

/*
 * PROXY protocol (proxy.c).  A load balancer sends its header at once on
 * connecting, so a few seconds is generous.  A v1 line is at most 107
 * octets with its CRLF (HAProxy's spec, section 2.1); a v2 header is 16
 * octets and the length they announce, which the spec keeps below one TCP
 * segment: 1024 leaves room for HAProxy's TLVs (SSL, ALPN, authority,
 * unique-id), and a longer one is refused, never read.
 */
#define PROXY_HEADER_TIMEOUT_SEC	5
#define PROXY_V1_LINE_MAX		107
#define PROXY_V2_HEADER_MAX		1024
/* Networks in --proxy-from. */
#define PROXY_FROM_MAX			16

#endif
