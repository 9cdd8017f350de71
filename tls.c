/*
 * tls.c: TLS for STLS (RFC 2595) and implicit TLS (RFC 8314), with GnuTLS.
 *
 * The private key never enters a process that reads client bytes.  Three
 * parts, each in its own process:
 *
 *   the signer (root)   a child of the login monitor that holds the key
 *                       and signs a few handshake messages: tls_signer.c,
 *                       with the certificate and ticket-key files.
 *   the pre-login side  the handshake and the records.  Its key is a GnuTLS
 *                       "external" key whose sign callback asks the login
 *                       monitor (through the function pop3d.c passes in,
 *                       privsep_tls_sign()), which forwards to the signer.
 *                       After the handshake the login monitor closes the
 *                       signer.
 *   the relay           after login the pre-login process stays, decrypting
 *                       the client's records into a socket whose other end is
 *                       the user's session, and encrypting the session's
 *                       replies (kernel TLS would spare the copy, but the
 *                       kernels pop3d targets do not all have the tls module,
 *                       and this one does not).
 *
 * Only pop3d-tls links this file and GnuTLS; pop3d links tls_none.c instead
 * (see there why).
 *
 * Trusts: the certificate chain the original process read (root's file);
 * nothing from the client.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "io.h"
#include "tls.h"

/*
 * GnuTLS sets itself up from a constructor when it is loaded, in every
 * pop3d process, with a certificate or without: about 0.4 ms of CPU per
 * connection.  pop3d skips that and sets it up only when TLS is configured.
 */
GNUTLS_SKIP_GLOBAL_INIT

int
tls_init(void)
{
	int r = gnutls_global_init();

	if (r < 0) {
		syslog(LOG_ERR, "cannot set up GnuTLS: %s", gnutls_strerror(r));
		return -1;
	}
	return 0;
}

/*
 * TLS writes a flight and then, right behind it, the first reply (after a
 * resumed handshake: the session tickets, then the greeting).  With Nagle's
 * algorithm the second small write waits for the client's delayed ACK, 40
 * ms each time (measured: a resumed connection took 63 ms instead of 16).
 * Not a TCP socket (a pipe under -d, a UNIX socket): nothing to do, so the
 * result does not matter.
 */
void
tls_socket_setup(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- The pre-login process: handshake and records ---------------------- */

static gnutls_session_t session;
static gnutls_certificate_credentials_t credentials;
static gnutls_pcert_st pcerts[TLS_CHAIN_MAX];
static unsigned int npcerts;
static gnutls_pk_algorithm_t key_algorithm;
static unsigned int key_bits;
static int monitor;
static tls_sign_fn *sign_remotely;
/*
 * After the handshake, the client's FIN without a close_notify (a script
 * whose input ended, a client that half-closes and reads on) is not given
 * to GnuTLS as an end: GnuTLS takes that for a fatal error and sends
 * nothing more, so the replies to the commands before it would be lost
 * (a pipelined RETR whose message QUIT then removes).  GnuTLS is told
 * "nothing yet" (client_pull()), and the readers see the end here.
 */
static int eof_hidden;
static int client_fin;

/* The external key's signing: the monitor's signer does it. */
static int
remote_sign(char kind, gnutls_sign_algorithm_t algo,
    const gnutls_datum_t *data, gnutls_datum_t *signature)
{
	unsigned char sig[TLS_SIGNATURE_MAX];
	size_t len;

	if (sign_remotely(monitor, (uint32_t)algo, kind, data->data,
	    data->size, sig, sizeof(sig), &len) == -1)
		return GNUTLS_E_PK_SIGN_FAILED;
	signature->data = gnutls_malloc(len);
	if (signature->data == NULL)
		return GNUTLS_E_MEMORY_ERROR;
	memcpy(signature->data, sig, len);
	signature->size = (unsigned int)len;
	return 0;
}

/* EdDSA: GnuTLS hands over the message itself. */
static int
remote_sign_data(gnutls_privkey_t key, gnutls_sign_algorithm_t algo,
    void *userdata, unsigned int flags, const gnutls_datum_t *data,
    gnutls_datum_t *signature)
{
	(void)key;
	(void)userdata;
	(void)flags;
	return remote_sign('d', algo, data, signature);
}

/* RSA and ECDSA: GnuTLS has hashed the message already. */
static int
remote_sign_hash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo,
    void *userdata, unsigned int flags, const gnutls_datum_t *hash,
    gnutls_datum_t *signature)
{
	(void)key;
	(void)userdata;
	(void)flags;
	return remote_sign('h', algo, hash, signature);
}

/* What GnuTLS asks about the key: the certificate's public key answers. */
static int
remote_info(gnutls_privkey_t key, unsigned int flags, void *userdata)
{
	(void)key;
	(void)userdata;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO)
		return (int)key_algorithm;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS)
		return (int)key_bits;
	if (flags & GNUTLS_PRIVKEY_INFO_SIGN_ALGO)
		return 0;
	if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO)
		return gnutls_sign_supports_pk_algorithm(
		    GNUTLS_FLAGS_TO_SIGN_ALGO(flags), key_algorithm) ? 1 : 0;
	return -1;
}

static int
credentials_make(const struct tls_chain *chain, char *error,
    size_t error_size)
{
	gnutls_privkey_t key;
	gnutls_datum_t pem;
	int r;

	pem.data = (unsigned char *)chain->pem;
	pem.size = (unsigned int)chain->len;
	npcerts = TLS_CHAIN_MAX;
	r = gnutls_pcert_list_import_x509_raw(pcerts, &npcerts, &pem,
	    GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || npcerts == 0) {
		(void)snprintf(error, error_size, "certificate chain: %s",
		    gnutls_strerror(r));
		return -1;
	}
	key_algorithm = (gnutls_pk_algorithm_t)gnutls_pubkey_get_pk_algorithm(
	    pcerts[0].pubkey, &key_bits);
	if (gnutls_privkey_init(&key) < 0 ||
	    gnutls_privkey_import_ext4(key, NULL, remote_sign_data,
	    remote_sign_hash, NULL, NULL, remote_info,
	    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE) < 0 ||
	    gnutls_certificate_allocate_credentials(&credentials) < 0) {
		(void)snprintf(error, error_size, "cannot set up the key");
		return -1;
	}
	/* The signer has compared them; matching here would sign once more. */
	gnutls_certificate_set_flags(credentials,
	    GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH);
	r = gnutls_certificate_set_key(credentials, NULL, 0, pcerts,
	    (int)npcerts, key);
	if (r < 0) {
		(void)snprintf(error, error_size, "credentials: %s",
		    gnutls_strerror(r));
		return -1;
	}
	return 0;
}

static long long
now_msec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the direction GnuTLS is blocked on, up to deadline. */
static int
wait_direction(long long deadline)
{
	struct pollfd pfd;
	int left, n;

	for (;;) {
		if (io_signal_pending())
			return -1;
		left = (int)(deadline - now_msec());
		if (left <= 0)
			return -1;
		if (gnutls_record_get_direction(session) == 1) {
			pfd.fd = 1;
			pfd.events = POLLOUT;
		} else {
			pfd.fd = 0;
			pfd.events = POLLIN;
		}
		n = poll(&pfd, 1, left);
		if (n == -1 && errno == EINTR)
			continue;
		return n == 1 ? 0 : -1;
	}
}

/*
 * The negotiated parameters, checked after the handshake whatever the
 * priority string said: TLS 1.2 or 1.3, ECDHE (or 1.3's own), AEAD.
 */
static int
policy_holds(void)
{
	gnutls_protocol_t version = gnutls_protocol_get_version(session);
	gnutls_cipher_algorithm_t cipher = gnutls_cipher_get(session);
	gnutls_kx_algorithm_t kx = gnutls_kx_get(session);

	if (version != GNUTLS_TLS1_2 && version != GNUTLS_TLS1_3)
		return 0;
	if (version == GNUTLS_TLS1_2 && kx != GNUTLS_KX_ECDHE_RSA &&
	    kx != GNUTLS_KX_ECDHE_ECDSA)
		return 0;
	return cipher == GNUTLS_CIPHER_AES_128_GCM ||
	    cipher == GNUTLS_CIPHER_AES_256_GCM ||
	    cipher == GNUTLS_CIPHER_CHACHA20_POLY1305 ||
	    cipher == GNUTLS_CIPHER_AES_128_CCM ||
	    cipher == GNUTLS_CIPHER_AES_256_CCM;
}

/*
 * A client's attempt to renegotiate (a ClientHello inside the session)
 * ends the connection with a fatal alert, so the client sees an error
 * rather than a silent close (RFC 5746 servers may refuse; pop3d always
 * does, and the signer would not sign a second time anyway).
 */
static void
refuse_renegotiation(void)
{
	(void)gnutls_alert_send(session, GNUTLS_AL_FATAL,
	    GNUTLS_A_NO_RENEGOTIATION);
}

static ssize_t
tls_read(void *buf, size_t len)
{
	ssize_t n;

	n = gnutls_record_recv(session, buf, len);
	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN && client_fin)
		return 0;	/* the client's FIN (see eof_hidden) */
	if (n == GNUTLS_E_AGAIN)
		errno = EAGAIN;
	else if (n == GNUTLS_E_INTERRUPTED)
		errno = EINTR;
	else if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;	/* closed without close_notify: an EOF */
	else {
		if (n == GNUTLS_E_REHANDSHAKE)
			refuse_renegotiation();
		errno = EPROTO;
	}
	return -1;
}

static ssize_t
tls_write(const void *buf, size_t len)
{
	ssize_t n;

	n = gnutls_record_send(session, buf, len);
	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN)
		errno = EAGAIN;
	else if (n == GNUTLS_E_INTERRUPTED)
		errno = EINTR;
	else
		errno = EPIPE;
	return -1;
}

static const struct io_transport tls_transport = { tls_read, tls_write };

/*
 * GnuTLS's own transport calls recv() and sendmsg(), which fail on a
 * descriptor that is not a socket (pop3d -d on a terminal or a pipe) and
 * would widen the pre-login process's system-call list: plain read() and
 * write() on fds 0 and 1 instead.  errno tells GnuTLS to wait (EAGAIN).
 */
static ssize_t
client_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	ssize_t n;

	(void)ptr;
	n = read(0, buf, len);
	if (n == 0 && eof_hidden) {
		client_fin = 1;
		errno = EAGAIN;
		return -1;
	}
	return n;
}

static ssize_t
client_push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
	(void)ptr;
	return write(1, buf, len);
}

/*
 * A whole flight in one call: written record by record, the last small
 * ones waited for the client's delayed ACK (Nagle), 40 ms a handshake.
 * giovec_t is struct iovec's layout (GnuTLS documents it so).
 */
static ssize_t
client_push_vec(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
	(void)ptr;
	return writev(1, (const struct iovec *)iov, iovcnt);
}

/* The end of a session that ended in this process: a close_notify. */
void
tls_close(void)
{
	if (session == NULL)
		return;
	(void)io_flush();
	(void)gnutls_bye(session, GNUTLS_SHUT_WR);
}

/*
 * Whether GnuTLS can parse the priority string: checked before STLS is
 * answered, so that a string it cannot parse gets -ERR [SYS/PERM] like an
 * unusable certificate, not "+OK" and then a closed connection.
 * Returns 0, or -1 with the reason.
 */
int
tls_priority_check(const char *priority, char *error, size_t error_size)
{
	gnutls_priority_t p;
	const char *where = NULL;
	int r;

	r = gnutls_priority_init(&p, priority, &where);
	if (r < 0) {
		(void)snprintf(error, error_size, "--tls-priority: %s%s%s",
		    gnutls_strerror(r), where != NULL ? " at " : "",
		    where != NULL ? where : "");
		return -1;
	}
	gnutls_priority_deinit(p);
	return 0;
}

/*
 * The handshake on fds 0 and 1, bounded by the session timeout; then io.c
 * reads and writes through the session.  mode is "stls" or "implicit",
 * for the login line.  Returns 0, or -1 with the reason: the caller closes
 * the connection (a failed handshake never continues in plaintext).
 */
int
tls_server_start(const struct tls_chain *chain, const char *priority,
    const struct tls_ticket_key *ticket, tls_sign_fn *sign, int monitor_fd,
    int timeout_sec, const char *mode, struct tls_info *info, char *error,
    size_t error_size)
{
	const char *where = NULL;
	gnutls_datum_t key;
	long long deadline;
	int r;

	monitor = monitor_fd;
	sign_remotely = sign;
	if (credentials_make(chain, error, error_size) == -1)
		return -1;
	r = gnutls_init(&session, GNUTLS_SERVER | GNUTLS_NONBLOCK |
	    (ticket->len == 0 ? GNUTLS_NO_TICKETS : 0));
	/* Tickets: GnuTLS copies the key and rotates what it derives. */
	if (r >= 0 && ticket->len != 0) {
		key.data = (unsigned char *)ticket->key;
		key.size = (unsigned int)ticket->len;
		r = gnutls_session_ticket_enable_server(session, &key);
		if (r >= 0)
			gnutls_db_set_cache_expiration(session,
			    TLS_TICKET_LIFETIME_SEC);
	}
	if (r >= 0)
		r = gnutls_priority_set_direct(session, priority, &where);
	if (r >= 0)
		r = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE,
		    credentials);
	if (r < 0) {
		(void)snprintf(error, error_size, "TLS setup: %s%s%s",
		    gnutls_strerror(r), where != NULL ? " at " : "",
		    where != NULL ? where : "");
		return -1;
	}
	gnutls_transport_set_int2(session, 0, 1);
	gnutls_transport_set_pull_function(session, client_pull);
	gnutls_transport_set_push_function(session, client_push);
	gnutls_transport_set_vec_push_function(session, client_push_vec);
	/* The idle timeout, and the login deadline if it comes first. */
	deadline = now_msec() + (long long)timeout_sec * 1000;
	if (io_deadline() != 0 && io_deadline() < deadline)
		deadline = io_deadline();
	do {
		r = gnutls_handshake(session);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			if (wait_direction(deadline) == -1) {
				(void)snprintf(error, error_size, "handshake "
				    "%s", io_signal_pending() ? "ended by a "
				    "signal" : "timed out");
				return -1;
			}
			continue;
		}
	} while (r < 0 && gnutls_error_is_fatal(r) == 0);
	if (r < 0) {
		(void)snprintf(error, error_size, "handshake failed: %s",
		    gnutls_strerror(r));
		return -1;
	}
	if (!policy_holds()) {
		(void)snprintf(error, error_size, "handshake outside the "
		    "policy: %s", gnutls_protocol_get_name(
		    gnutls_protocol_get_version(session)));
		return -1;
	}
	(void)snprintf(info->text, sizeof(info->text), "tls=%s version=%s "
	    "cipher=%s%s", mode, gnutls_protocol_get_name(
	    gnutls_protocol_get_version(session)),
	    gnutls_cipher_get_name(gnutls_cipher_get(session)),
	    gnutls_session_is_resumed(session) ? " resumed" : "");
	eof_hidden = 1;
	io_set_transport(&tls_transport);
	return 0;
}

/* ---- The relay after login --------------------------------------------- */

/*
 * One direction's bytes in transit.  ready: its source may have bytes to
 * read (poll() said so, or no read has yet found it empty), so that an
 * empty source costs one poll() and not a failed read() per pass.
 */
struct relay_buffer {
	char	 data[TLS_RELAY_BYTES];
	size_t	 len;
	int	 ready;
};

/*
 * Session -> client: what the session wrote, as records (at most 16 KiB
 * each), as many as the socket takes now.
 */
static int
relay_to_client(struct relay_buffer *b, int *progress)
{
	size_t done = 0;
	ssize_t n;

	while (done < b->len) {
		n = gnutls_record_send(session, b->data + done, b->len - done);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		if (n < 0)
			return -1;
		done += (size_t)n;
		*progress = 1;
	}
	memmove(b->data, b->data + done, b->len - done);
	b->len -= done;
	return 0;
}

/* Client -> session: the plaintext of the client's records. */
static int
relay_from_client(struct relay_buffer *b, int *eof, int *progress)
{
	ssize_t n;

	if (gnutls_record_check_pending(session) > 0)
		b->ready = 1;
	if (*eof || !b->ready || b->len == sizeof(b->data))
		return 0;
	n = gnutls_record_recv(session, b->data + b->len,
	    sizeof(b->data) - b->len);
	if (n == GNUTLS_E_AGAIN && client_fin) {
		*eof = 1;	/* the client's FIN (see eof_hidden) */
		*progress = 1;
		return 0;
	}
	if (n == GNUTLS_E_AGAIN) {
		b->ready = 0;
		return 0;
	}
	if (n == GNUTLS_E_INTERRUPTED)
		return 0;
	if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) {
		*eof = 1;
		*progress = 1;
		return 0;
	}
	if (n == GNUTLS_E_REHANDSHAKE)
		refuse_renegotiation();
	if (n < 0)
		return -1;
	b->len += (size_t)n;
	*progress = 1;
	return 0;
}

static int
plain_write(int fd, struct relay_buffer *b, int *progress)
{
	ssize_t n;

	if (b->len == 0)
		return 0;
	n = write(fd, b->data, b->len);
	/*
	 * The session is gone: no one will read what the client sent, but
	 * the session's last replies may still be on their way to it.
	 */
	if (n == -1 && errno == EPIPE) {
		explicit_bzero(b->data, b->len);
		b->len = 0;
		*progress = 1;
		return 0;
	}
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	memmove(b->data, b->data + n, b->len - (size_t)n);
	b->len -= (size_t)n;
	*progress = 1;
	return 0;
}

static int
plain_read(int fd, struct relay_buffer *b, int *eof, int *progress)
{
	ssize_t n;

	if (*eof || !b->ready || b->len == sizeof(b->data))
		return 0;
	n = read(fd, b->data + b->len, sizeof(b->data) - b->len);
	if (n == -1 && errno == EAGAIN) {
		b->ready = 0;
		return 0;
	}
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		*eof = 1;
	b->len += (size_t)n;
	*progress = 1;
	return 0;
}

/* poll() found bytes (or the end) waiting at a source. */
static int
readable(const struct pollfd *p)
{
	return (p->revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

/*
 * Carries plaintext between the client's TLS session and the user's
 * session on plain_fd until the session ends.  While the session lives,
 * the relay waits as long as it does: the session keeps its own idle
 * timer, and may rightly be silent for longer than that (a login waiting
 * for another program's dotlock, a long update at QUIT).  Once it has
 * ended, a wait here without progress for longer than its timer means the
 * client stopped reading (the login monitor ends the relay then anyway).
 * Returns when done; the caller exits.
 */
int
tls_relay(int plain_fd, int timeout_sec)
{
	static struct relay_buffer up, down;	/* client->session, back */
	struct pollfd pfd[3];
	int client_eof = 0, session_eof = 0, shut = 0, progress, n;

	if (fcntl(plain_fd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	up.ready = down.ready = 1;
	for (;;) {
		/* SIGTERM, SIGHUP (pop3d.c): the end, as in a plain session. */
		if (io_signal_pending())
			break;
		progress = 0;
		if (relay_from_client(&up, &client_eof, &progress) == -1 ||
		    plain_write(plain_fd, &up, &progress) == -1 ||
		    plain_read(plain_fd, &down, &session_eof, &progress) == -1 ||
		    relay_to_client(&down, &progress) == -1)
			break;
		if (client_eof && up.len == 0 && !shut) {
			(void)shutdown(plain_fd, SHUT_WR);
			shut = 1;
		}
		if (session_eof && down.len == 0) {
			(void)gnutls_bye(session, GNUTLS_SHUT_WR);
			break;
		}
		if (progress)
			continue;
		pfd[0].events = (short)(client_eof ||
		    up.len == sizeof(up.data) ? 0 : POLLIN);
		pfd[1].events = (short)(down.len > 0 ? POLLOUT : 0);
		pfd[2].events = (short)((session_eof ||
		    down.len == sizeof(down.data) ? 0 : POLLIN) |
		    (up.len > 0 ? POLLOUT : 0));
		/*
		 * A descriptor with nothing to wait for is left out: poll()
		 * reports a hang-up whatever the events, and the session's
		 * end, seen while the client is not reading, would otherwise
		 * wake every pass and spin.
		 */
		pfd[0].fd = pfd[0].events != 0 ? 0 : -1;
		pfd[1].fd = pfd[1].events != 0 ? 1 : -1;
		pfd[2].fd = pfd[2].events != 0 ? plain_fd : -1;
		n = poll(pfd, 3, session_eof ?
		    (timeout_sec + TLS_RELAY_GRACE_SEC) * 1000 : -1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		up.ready |= readable(&pfd[0]);
		down.ready |= readable(&pfd[2]);
	}
	explicit_bzero(&up, sizeof(up));
	explicit_bzero(&down, sizeof(down));
	return 0;
}
