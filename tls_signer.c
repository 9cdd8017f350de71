/*
 * tls_signer.c: the files that hold TLS's certificate and secrets, and the
 * signer, the one process that holds the private key (tls.c describes the
 * whole design; this file is its root side).
 *
 *   the certificate     read by the original process at each connection
 *                       (it is public), so a renewed one serves the next
 *                       connection with no reload.
 *   the ticket key      read (made if missing) by the login monitor, root,
 *                       from a file only root can read or change.
 *   the signer (root)   a child of the login monitor (privsep.c), started
 *                       when the pre-login process asks for TLS.  It reads
 *                       the key file, checks that the key belongs to the
 *                       certificate, that the certificate is current and
 *                       that the whole chain can be read, then signs at most TLS_SIGNATURES_MAX times and
 *                       exits.  What it can check of a request, it checks:
 *                       GnuTLS hands an external key the whole message only
 *                       for EdDSA, which must be shaped like a TLS 1.3
 *                       server CertificateVerify or a TLS 1.2 ECDHE
 *                       ServerKeyExchange; for RSA and ECDSA it hands over
 *                       the digest, which must be a SHA-2 digest (in a
 *                       PKCS#1 DigestInfo for RSA).  Its memory, where the
 *                       key was, dies with it: the monitor, which forks the
 *                       user's session, never holds the key.
 *
 * Trusts: the certificate, key and ticket-key files (root's); in the signer,
 * nothing of the monitor's requests beyond their shape.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls.h"

/* ---- Files ------------------------------------------------------------- */

/*
 * Reads a whole PEM file of at most TLS_FILE_MAX octets into a buffer of
 * its own.  Returns 0, or -1 with a reason.  A symbolic link is followed:
 * certbot's live/DOMAIN/fullchain.pem and privkey.pem, the names the
 * administrator gives, are links into archive/, moved at each renewal.
 * The administrator names the path; what is read must still be a regular
 * file (O_NONBLOCK: a FIFO does not hang the open), and the key is only
 * used if it belongs to the certificate.
 */
static int
read_pem(const char *path, char **pem_r, size_t *len_r, char *error,
    size_t error_size)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		(void)snprintf(error, error_size, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TLS_FILE_MAX) {
		(void)snprintf(error, error_size, "%s: not a regular file of "
		    "at most %ld octets", path, TLS_FILE_MAX);
		(void)close(fd);
		return -1;
	}
	buf = malloc(TLS_FILE_MAX + 1);
	if (buf == NULL) {
		(void)snprintf(error, error_size, "%s: out of memory", path);
		(void)close(fd);
		return -1;
	}
	for (;;) {
		n = read(fd, buf + len, TLS_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > TLS_FILE_MAX)
			break;
	}
	(void)close(fd);
	if (n == -1 || len > TLS_FILE_MAX || len == 0) {
		(void)snprintf(error, error_size, "%s: %s", path, n == -1 ?
		    strerror(errno) : len == 0 ? "empty" : "too large");
		freezero(buf, TLS_FILE_MAX + 1);
		return -1;
	}
	buf[len] = '\0';
	*pem_r = buf;
	*len_r = len;
	return 0;
}

/*
 * Keeps only the file's certificate blocks, in place, and wipes the rest:
 * the chain goes to the pre-login process, and a file that also holds the
 * private key (the certificate-and-key PEM that haproxy and stunnel take)
 * must not bring the key there.  Each block is moved to a place no later
 * than its own, so nothing is overwritten before it is read.  Returns the
 * octets kept (0: no certificate).
 */
static size_t
keep_certificates(char *pem, size_t len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	char *p = pem, *b, *e;
	size_t kept = 0, n;

	while ((b = strstr(p, begin)) != NULL &&
	    (e = strstr(b + sizeof(begin) - 1, end)) != NULL) {
		p = e + sizeof(end) - 1;
		if (*p == '\n')
			p++;
		n = (size_t)(p - b);
		memmove(pem + kept, b, n);
		kept += n;
	}
	explicit_bzero(pem + kept, len - kept);
	return kept;
}

/* The chain is public: read once per connection, before the split. */
int
tls_chain_read(const char *cert_file, struct tls_chain *chain)
{
	memset(chain, 0, sizeof(*chain));
	if (read_pem(cert_file, &chain->pem, &chain->len, chain->error,
	    sizeof(chain->error)) == -1)
		return -1;
	chain->len = keep_certificates(chain->pem, chain->len);
	if (chain->len == 0) {
		(void)snprintf(chain->error, sizeof(chain->error), "the "
		    "certificate file holds no certificate");
		freezero(chain->pem, TLS_FILE_MAX + 1);
		chain->pem = NULL;
		return -1;
	}
	return 0;
}

/* ---- The session-ticket key (the login monitor, root) ------------------- */

/*
 * Makes the key file: 64 random octets written to a temporary name in the
 * same directory and linked into place, so that a connection never reads
 * half a key; whoever links first wins and the others read theirs.
 */
static int
ticket_key_make(int dir, const char *name, char *error, size_t error_size)
{
	char tmp[64];
	gnutls_datum_t key = { NULL, 0 };
	unsigned int n;
	ssize_t w;
	int fd, r = -1;

	if (gnutls_rnd(GNUTLS_RND_NONCE, &n, sizeof(n)) < 0)
		return -1;
	(void)snprintf(tmp, sizeof(tmp), ".pop3d-ticket-key.%08x", n);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		(void)snprintf(error, error_size, "cannot make %s: %s", name,
		    strerror(errno));
		return -1;
	}
	if (gnutls_session_ticket_key_generate(&key) >= 0 &&
	    key.size == TLS_TICKET_KEY_BYTES) {
		w = write(fd, key.data, key.size);
		if (w == (ssize_t)key.size && fsync(fd) == 0)
			r = 0;
	}
	if (key.data != NULL) {
		gnutls_memset(key.data, 0, key.size);
		gnutls_free(key.data);
	}
	if (close(fd) == -1)
		r = -1;
	if (r == 0 && linkat(dir, tmp, dir, name, 0) == -1 && errno != EEXIST)
		r = -1;
	if (r == -1)
		(void)snprintf(error, error_size, "cannot make %s: %s", name,
		    strerror(errno));
	(void)unlinkat(dir, tmp, 0);
	return r;
}

/*
 * Reads the session-ticket master key from path, a file of exactly
 * TLS_TICKET_KEY_BYTES octets that only root can read or change: root's,
 * mode 0600 or narrower, in a directory that is root's and writable by no
 * one else; made if missing.  Returns 0, or -1 with the reason (the
 * connection then goes on without tickets).
 */
int
tls_ticket_key_load(const char *path, struct tls_ticket_key *key,
    char *error, size_t error_size)
{
	char dirname[1024];
	const char *slash = strrchr(path, '/'), *name;
	struct stat st;
	ssize_t n;
	int dir, fd = -1;

	key->len = 0;
	error[0] = '\0';
	if (path[0] != '/' || slash == NULL || slash[1] == '\0' ||
	    (size_t)(slash - path) >= sizeof(dirname)) {
		(void)snprintf(error, error_size, "%s: not an absolute file "
		    "name", path);
		return -1;
	}
	memcpy(dirname, path, (size_t)(slash - path));
	dirname[slash - path] = '\0';
	name = slash + 1;
	dir = open(slash == path ? "/" : dirname, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (dir == -1 || fstat(dir, &st) == -1 || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0) {
		(void)snprintf(error, error_size, "%s: its directory is "
		    "missing, a symbolic link, or not root's alone", path);
		if (dir != -1)
			(void)close(dir);
		return -1;
	}
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT &&
	    ticket_key_make(dir, name, error, error_size) == 0)
		fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	(void)close(dir);
	if (fd == -1) {
		if (error[0] == '\0')
			(void)snprintf(error, error_size, "%s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0 || st.st_size != TLS_TICKET_KEY_BYTES) {
		(void)snprintf(error, error_size, "%s: not a file of %d octets "
		    "of root's, mode 0600", path, TLS_TICKET_KEY_BYTES);
		(void)close(fd);
		return -1;
	}
	do
		n = read(fd, key->key, sizeof(key->key));
	while (n == -1 && errno == EINTR);
	(void)close(fd);
	if (n != TLS_TICKET_KEY_BYTES) {
		explicit_bzero(key->key, sizeof(key->key));
		(void)snprintf(error, error_size, "%s: cannot read it", path);
		return -1;
	}
	key->len = TLS_TICKET_KEY_BYTES;
	return 0;
}

/* ---- The signer (root, holds the key) ---------------------------------- */

/*
 * Is this what a TLS server signs?  TLS 1.3 (RFC 8446 section 4.4.3): 64
 * spaces, the context string, a zero octet, a transcript hash of 32 or 48
 * octets.  TLS 1.2 ECDHE (RFC 8422 section 5.4): two 32-octet randoms, then
 * named_curve (3), a curve number, and one length-prefixed point.
 */
static int
signable(const unsigned char *p, size_t len)
{
	static const char context[] = "TLS 1.3, server CertificateVerify";
	size_t k;

	if (len == 64 + sizeof(context) + 32 || len == 64 + sizeof(context) + 48) {
		for (k = 0; k < 64; k++)
			if (p[k] != 0x20)
				return 0;
		return memcmp(p + 64, context, sizeof(context)) == 0;
	}
	return len > 68 && p[64] == 3 && (size_t)p[67] + 68 == len;
}

/*
 * A digest GnuTLS asks to have signed: SHA-256, -384 or -512, for RSA in
 * the PKCS#1 DigestInfo that names it (RFC 8017 section 9.2, note 1).
 */
static int
digest_shaped(uint32_t algo, const unsigned char *p, size_t len)
{
	static const unsigned char info[] = { 0x30, 0x00, 0x30, 0x0d, 0x06,
	    0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x00, 0x05,
	    0x00, 0x04, 0x00 };
	size_t k, n;

	if (algo != GNUTLS_SIGN_RSA_RAW)
		return len == 32 || len == 48 || len == 64;
	if (len != sizeof(info) + 32 && len != sizeof(info) + 48 &&
	    len != sizeof(info) + 64)
		return 0;
	n = len - sizeof(info);
	/* The bytes that vary with the hash: lengths and the OID's last. */
	for (k = 0; k < sizeof(info); k++) {
		if (k == 1 && p[k] == n + 17)
			continue;
		if (k == 14 && p[k] == (n == 32 ? 1 : n == 48 ? 2 : 3))
			continue;
		if (k == 18 && p[k] == n)
			continue;
		if (p[k] != info[k])
			return 0;
	}
	return 1;
}

/* Signs one request: algorithm, 'd' (data) or 'h' (digest), bytes. */
static int
sign_request(gnutls_privkey_t key, const unsigned char *request, size_t len,
    gnutls_datum_t *sig)
{
	gnutls_datum_t data;
	uint32_t algo;

	if (len <= sizeof(algo) + 1)
		return -1;
	memcpy(&algo, request, sizeof(algo));
	data.data = (unsigned char *)request + sizeof(algo) + 1;
	data.size = (unsigned int)(len - sizeof(algo) - 1);
	if (request[sizeof(algo)] == 'd')
		return signable(data.data, data.size) &&
		    gnutls_privkey_sign_data2(key, (gnutls_sign_algorithm_t)algo,
		    0, &data, sig) >= 0 ? 0 : -1;
	if (request[sizeof(algo)] != 'h' ||
	    !digest_shaped(algo, data.data, data.size))
		return -1;
	return gnutls_privkey_sign_hash2(key, (gnutls_sign_algorithm_t)algo,
	    algo == GNUTLS_SIGN_RSA_RAW ? GNUTLS_PRIVKEY_SIGN_FLAG_TLS1_RSA : 0,
	    &data, sig) >= 0 ? 0 : -1;
}

/* Checks the key against the leaf certificate; NULL or the reason. */
static const char *
check_pair(gnutls_privkey_t key, gnutls_x509_crt_t crt)
{
	gnutls_pubkey_t from_key = NULL, from_crt = NULL;
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	const char *reason = NULL;
	time_t now = time(NULL);

	if (gnutls_x509_crt_get_expiration_time(crt) < now)
		reason = "the certificate has expired";
	else if (gnutls_x509_crt_get_activation_time(crt) > now)
		reason = "the certificate is not valid yet";
	else if (gnutls_pubkey_init(&from_key) < 0 ||
	    gnutls_pubkey_init(&from_crt) < 0 ||
	    gnutls_pubkey_import_privkey(from_key, key, 0, 0) < 0 ||
	    gnutls_pubkey_import_x509(from_crt, crt, 0) < 0 ||
	    gnutls_pubkey_export2(from_key, GNUTLS_X509_FMT_DER, &a) < 0 ||
	    gnutls_pubkey_export2(from_crt, GNUTLS_X509_FMT_DER, &b) < 0)
		reason = "cannot compare the key with the certificate";
	else if (a.size != b.size || memcmp(a.data, b.data, a.size) != 0)
		reason = "the key does not belong to the certificate";
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (from_key != NULL)
		gnutls_pubkey_deinit(from_key);
	if (from_crt != NULL)
		gnutls_pubkey_deinit(from_crt);
	return reason;
}

/*
 * The chain as the pre-login process will read it, every certificate
 * readable and at most TLS_CHAIN_MAX (found only there, a bad
 * intermediate would get "+OK" to STLS and then a closed connection),
 * then the key against its leaf.  NULL or the reason.
 */
static const char *
check_chain(gnutls_privkey_t key, const struct tls_chain *chain)
{
	gnutls_x509_crt_t *list = NULL;
	gnutls_datum_t pem;
	unsigned int n = 0, i;
	const char *reason;

	pem.data = (unsigned char *)chain->pem;
	pem.size = (unsigned int)chain->len;
	if (gnutls_x509_crt_list_import2(&list, &n, &pem, GNUTLS_X509_FMT_PEM,
	    0) < 0)
		return "the certificate chain holds a certificate that cannot "
		    "be read";
	if (n == 0)
		reason = "the certificate file holds no certificate";
	else if (n > TLS_CHAIN_MAX)
		reason = "the certificate chain has more than 8 certificates";
	else
		reason = check_pair(key, list[0]);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	return reason;
}

/* The signer's life: report on the key, sign a few times, exit. */
static void
signer_main(int fd, const struct tls_chain *chain, const char *key_file)
{
	unsigned char request[TLS_SIGN_REQUEST_MAX];
	gnutls_privkey_t key = NULL;
	gnutls_datum_t pem, sig = { NULL, 0 };
	char error[200];
	const char *reason = NULL;
	char *text = NULL;
	size_t len;
	ssize_t n;
	int signatures = 0;

	if (chain->pem == NULL)
		reason = chain->error;
	else if (read_pem(key_file, &text, &len, error, sizeof(error)) == -1)
		reason = error;
	else {
		pem.data = (unsigned char *)text;
		pem.size = (unsigned int)len;
		if (gnutls_privkey_init(&key) < 0 ||
		    gnutls_privkey_import_x509_raw(key, &pem,
		    GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
			(void)snprintf(error, sizeof(error), "%s: no private "
			    "key in it", key_file);
			reason = error;
		} else
			reason = check_chain(key, chain);
		freezero(text, TLS_FILE_MAX + 1);
	}
	if (reason != NULL) {
		(void)send(fd, reason, strlen(reason), MSG_NOSIGNAL);
		_exit(1);
	}
	/* One NUL: the key is good (an empty read would be a dead signer). */
	if (send(fd, "", 1, MSG_NOSIGNAL) == -1)
		_exit(1);
	while (signatures < TLS_SIGNATURES_MAX) {
		/* MSG_TRUNC: the real length, so a cut request is refused. */
		n = recv(fd, request, sizeof(request), MSG_TRUNC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > sizeof(request))
			break;
		signatures++;
		if (sign_request(key, request, (size_t)n, &sig) == -1 ||
		    sig.size > TLS_SIGNATURE_MAX) {
			(void)send(fd, "", 0, MSG_NOSIGNAL);
			break;
		}
		(void)send(fd, sig.data, sig.size, MSG_NOSIGNAL);
		gnutls_free(sig.data);
		sig.data = NULL;
	}
	/* _exit: no atexit handler of the monitor's may run here. */
	_exit(0);
}

static pid_t signer_pid;

/*
 * The signer has no use for the client's connection (fds 0 and 1 under
 * inetd): it gets /dev/null there, or gives up.
 */
static void
drop_client(int fd)
{
	static const char failed[] = "cannot drop the connection";
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1) {
		(void)send(fd, failed, sizeof(failed) - 1, MSG_NOSIGNAL);
		_exit(1);
	}
	if (null > 1)
		(void)close(null);
}

/*
 * In the monitor: starts the signer and waits for its verdict on the key.
 * Returns 0 with *fd_r to talk to it, or -1 with the reason.
 */
int
tls_signer_start(const struct tls_chain *chain, const char *key_file,
    int *fd_r, char *error, size_t error_size)
{
	int sv[2];
	ssize_t n;
	pid_t pid;

	*fd_r = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		(void)snprintf(error, error_size, "socketpair: %s",
		    strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		(void)snprintf(error, error_size, "fork: %s", strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		(void)close(sv[0]);
		drop_client(sv[1]);
		signer_main(sv[1], chain, key_file);
	}
	(void)close(sv[1]);
	do
		n = recv(sv[0], error, error_size - 1, 0);
	while (n == -1 && errno == EINTR);
	if (n != 1 || error[0] != '\0') {
		if (n <= 0)
			(void)snprintf(error, error_size, "the key process "
			    "failed");
		else
			error[n] = '\0';
		(void)close(sv[0]);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		return -1;
	}
	/* It exits on its own when done or when the socket closes. */
	signer_pid = pid;
	*fd_r = sv[0];
	return 0;
}

/* Forwards one request; 0 with the signature, -1 refused or gone. */
int
tls_signer_sign(int fd, const void *request, size_t len, void *signature,
    size_t size, size_t *len_r)
{
	ssize_t n;

	if (fd == -1 || send(fd, request, len, MSG_NOSIGNAL) !=
	    (ssize_t)len)
		return -1;
	do
		n = recv(fd, signature, size, 0);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return -1;
	*len_r = (size_t)n;
	return 0;
}

/* Closes the signer's socket and reaps it: no signing from now on. */
void
tls_signer_stop(int *fd)
{
	if (*fd == -1)
		return;
	(void)close(*fd);
	*fd = -1;
	/* It is in recv() or exiting: the close ends it at once. */
	while (signer_pid > 0 && waitpid(signer_pid, NULL, 0) == -1 &&
	    errno == EINTR)
		;
	signer_pid = 0;
}
