/*
 * tls.c: TLS for STLS (RFC 2595) and implicit TLS (RFC 8314), with GnuTLS.
 *
 * The private key never enters a process that reads client bytes.  Three
 * parts live here, each in its own process:
 *
 *   the signer (root)   a child of the login monitor (privsep.c), started
 *                       when the pre-login process asks for TLS.  It reads
 *                       the key file, checks that the key belongs to the
 *                       certificate and that the certificate is current,
 *                       then signs at most TLS_SIGNATURES_MAX times and
 *                       exits.  What it can check of a request, it checks:
 *                       GnuTLS hands an external key the whole message only
 *                       for EdDSA, which must be shaped like a TLS 1.3
 *                       server CertificateVerify or a TLS 1.2 ECDHE
 *                       ServerKeyExchange; for RSA and ECDSA it hands over
 *                       the digest, which must be a SHA-2 digest (in a
 *                       PKCS#1 DigestInfo for RSA).  Its memory, where the
 *                       key was, dies with it: the monitor, which forks the
 *                       user's session, never holds the key.
 *   the pre-login side  the handshake and the records.  Its key is a GnuTLS
 *                       "external" key whose sign callback asks the login
 *                       monitor (through the function pop3d.c passes in,
 *                       privsep_tls_sign()), which forwards to the signer.  After the
 *                       handshake the login monitor closes the signer.
 *   the relay           after login the pre-login process stays, decrypting
 *                       the client's records into a socket whose other end is
 *                       the user's session, and encrypting the session's
 *                       replies (kernel TLS would spare the copy, but the
 *                       kernels pop3d targets do not all have the tls module,
 *                       and this one does not).
 *
 * Trusts: the certificate and key files (root's); nothing from the client,
 * and in the signer nothing from the monitor's requests beyond their shape.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
	return gnutls_global_init() < 0 ? -1 : 0;
}

/* ---- Files ------------------------------------------------------------- */

/*
 * Reads a whole PEM file of at most TLS_FILE_MAX octets into a buffer of
 * its own.  Returns 0, or -1 with a reason.
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

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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

/* The chain is public: read once per connection, before the split. */
int
tls_chain_read(const char *cert_file, struct tls_chain *chain)
{
	memset(chain, 0, sizeof(*chain));
	if (read_pem(cert_file, &chain->pem, &chain->len, chain->error,
	    sizeof(chain->error)) == -1)
		return -1;
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
check_pair(gnutls_privkey_t key, const struct tls_chain *chain)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t from_key = NULL, from_crt = NULL;
	gnutls_datum_t pem, a = { NULL, 0 }, b = { NULL, 0 };
	const char *reason = NULL;
	time_t now = time(NULL);

	pem.data = (unsigned char *)chain->pem;
	pem.size = (unsigned int)chain->len;
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0)
		reason = "the certificate file holds no certificate";
	else if (gnutls_x509_crt_get_expiration_time(crt) < now)
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
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
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
			reason = check_pair(key, chain);
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

/* ---- The pre-login process: handshake and records ---------------------- */

static gnutls_session_t session;
static gnutls_certificate_credentials_t credentials;
static gnutls_pcert_st pcerts[TLS_CHAIN_MAX];
static unsigned int npcerts;
static gnutls_pk_algorithm_t key_algorithm;
static unsigned int key_bits;
static int monitor;
static tls_sign_fn *sign_remotely;

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
	(void)ptr;
	return read(0, buf, len);
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

int
tls_active(void)
{
	return session != NULL;
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
				    "timed out");
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
	io_set_transport(&tls_transport);
	return 0;
}

/* ---- The relay after login --------------------------------------------- */

struct relay_buffer {
	char	 data[TLS_RELAY_BYTES];
	size_t	 len;
};

/* Session -> client: records of what the session wrote. */
static int
relay_to_client(struct relay_buffer *b, int *progress)
{
	ssize_t n;

	if (b->len == 0)
		return 0;
	n = gnutls_record_send(session, b->data, b->len);
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return 0;
	if (n < 0)
		return -1;
	memmove(b->data, b->data + n, b->len - (size_t)n);
	b->len -= (size_t)n;
	*progress = 1;
	return 0;
}

/* Client -> session: the plaintext of the client's records. */
static int
relay_from_client(struct relay_buffer *b, int *eof, int *progress)
{
	ssize_t n;

	if (*eof || b->len == sizeof(b->data))
		return 0;
	n = gnutls_record_recv(session, b->data + b->len,
	    sizeof(b->data) - b->len);
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
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

	if (*eof || b->len == sizeof(b->data))
		return 0;
	n = read(fd, b->data + b->len, sizeof(b->data) - b->len);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		*eof = 1;
	b->len += (size_t)n;
	*progress = 1;
	return 0;
}

/*
 * Carries plaintext between the client's TLS session and the user's
 * session on plain_fd until the session ends; the session keeps its own
 * idle timer, so a wait here without progress for longer than that means
 * the client stopped reading.  Returns when done; the caller exits.
 */
int
tls_relay(int plain_fd, int timeout_sec)
{
	static struct relay_buffer up, down;	/* client->session, back */
	struct pollfd pfd[3];
	int client_eof = 0, session_eof = 0, shut = 0, progress, n;

	if (fcntl(plain_fd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	for (;;) {
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
		if (progress || gnutls_record_check_pending(session) > 0)
			continue;
		pfd[0].fd = 0;
		pfd[0].events = (short)(client_eof ||
		    up.len == sizeof(up.data) ? 0 : POLLIN);
		pfd[1].fd = 1;
		pfd[1].events = (short)(down.len > 0 ? POLLOUT : 0);
		pfd[2].fd = plain_fd;
		pfd[2].events = (short)((session_eof ||
		    down.len == sizeof(down.data) ? 0 : POLLIN) |
		    (up.len > 0 ? POLLOUT : 0));
		n = poll(pfd, 3, (timeout_sec + TLS_RELAY_GRACE_SEC) * 1000);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	explicit_bzero(&up, sizeof(up));
	explicit_bzero(&down, sizeof(down));
	return 0;
}
