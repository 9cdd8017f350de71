/*
 * fuzz_stls.c: libFuzzer target for the protocol across the STLS boundary.
 *
 * The input is two byte streams from the client: what it sends in
 * plaintext (fd 0), and what it sends inside TLS once the handshake is
 * done.  The first two octets (big-endian) are the plaintext part's
 * length; the rest is the TLS part.  Each run serves them through the real
 * main() (pop3d.c built with -Dmain=pop3d_main), with --tls-cert and
 * --tls-key, so that logins before TLS are refused.
 *
 * The cryptography and the privilege separation are not what is fuzzed
 * here, so they are test seams (linker --wrap, see Makefile): pop3d takes
 * itself for root and its monitor for present; the "handshake" switches
 * io.c's transport to a pair of files (the TLS part in, the replies inside
 * TLS out); a login asks a stand-in that knows alice/secret; a good login
 * ends the run where the pre-login process would start relaying.
 *
 * Checked, besides what ASan and UBSan catch:
 *
 *  - no password reaches the monitor before TLS (the stand-in aborts);
 *  - one handshake at most: a second STLS is never accepted;
 *  - nothing is sent in plaintext after "+OK Begin TLS negotiation.";
 *  - CAPA before TLS lists STLS and neither USER nor SASL; inside TLS no
 *    STLS;
 *  - whatever the client sent in plaintext, before STLS or behind it in
 *    the same segment (CVE-2011-0411), the replies inside TLS are exactly
 *    those of a connection whose plaintext part was "STLS\r\n" alone: no
 *    command, USER or count crosses the boundary.
 *
 * When run as root (CI), the process first becomes 65534:65534 for good.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io.h"
#include "../privsep.h"
#include "../privsep_child.h"
#include "../tls.h"
#include "fuzz_common.h"

int pop3d_main(int argc, char *argv[]);

static char dir[4096], users_path[4200], plain_path[4200], tls_in_path[4200],
    plain_out_path[4200], tls_out_path[4200], template[4200];
static int saved_fd[3] = { -1, -1, -1 };
static int in_session;

/* What the seams saw in one run. */
static int tls_in_fd = -1, tls_out_fd = -1;
static int handshakes, tls_on;
/*
 * A signal ended the run early: libFuzzer's own timer (SIGALRM, for
 * -timeout) can fire inside pop3d_main(), whose handler then ends the
 * session as a real signal would.  Such a run is cut short, not wrong.
 */
static int signalled;

/* ---- Test seams (linker --wrap, see Makefile) --------------------------- */

int __real_dup2(int oldfd, int newfd);
uid_t __real_geteuid(void);

/* fd 2 stays the fuzzer's stderr (see fuzz_session.c). */
int
__wrap_dup2(int oldfd, int newfd)
{
	if (in_session && newfd == 2)
		return 2;
	return __real_dup2(oldfd, newfd);
}

const char *
__wrap_crypt_preferred_method(void)
{
	return "$1$";
}

/* pop3d serves TLS only with privilege separation, so only as root. */
uid_t
__wrap_geteuid(void)
{
	return in_session ? 0 : __real_geteuid();
}

/* No certificate is read: nothing here uses it (and main() runs again). */
int
__wrap_tls_chain_read(const char *cert_file, struct tls_chain *chain)
{
	(void)cert_file;
	memset(chain, 0, sizeof(*chain));
	(void)strlcpy(chain->error, "fuzz_stls: no certificate",
	    sizeof(chain->error));
	return -1;
}

/* The pre-login process, with a monitor that the seams below stand in for. */
int
__wrap_privsep_start(const struct privsep_config *config,
    struct privsep_result *result)
{
	FZ_CHECK(config->tls_chain != NULL && config->tls_required,
	    "TLS not configured as required");
	memset(result, 0, sizeof(*result));
	result->role = PRIVSEP_PRELOGIN;
	result->monitor_fd = saved_fd[2];
	return 0;
}

int
__wrap_privsep_tls_start(int fd, struct tls_ticket_key *ticket)
{
	(void)fd;
	ticket->len = 0;
	return 0;
}

static ssize_t
file_read(void *buf, size_t len)
{
	return read(tls_in_fd, buf, len);
}

static ssize_t
file_write(const void *buf, size_t len)
{
	return write(tls_out_fd, buf, len);
}

static const struct io_transport file_transport = { file_read, file_write };

int
__wrap_tls_server_start(const struct tls_chain *chain, const char *priority,
    const struct tls_ticket_key *ticket, tls_sign_fn *sign, int monitor_fd,
    int timeout_sec, const char *mode, struct tls_info *info, char *error,
    size_t error_size)
{
	(void)chain;
	(void)priority;
	(void)ticket;
	(void)sign;
	(void)monitor_fd;
	(void)timeout_sec;
	(void)error;
	(void)error_size;
	FZ_CHECK(++handshakes == 1, "a second TLS handshake (%s)", mode);
	(void)snprintf(info->text, sizeof(info->text), "tls=%s", mode);
	io_set_transport(&file_transport);
	tls_on = 1;
	return 0;
}

int
__wrap_privsep_tls_done(int fd, const struct tls_info *info)
{
	(void)fd;
	(void)info;
	return 0;
}

int
__wrap_privsep_login(int fd, const char *name, char *password)
{
	int good;

	(void)fd;
	FZ_CHECK(tls_on, "a password reached the monitor before TLS");
	good = strcmp(name, "alice") == 0 && strcmp(password, "secret") == 0;
	explicit_bzero(password, strlen(password));
	return good ? 0 : -1;
}

/* A good login: the session would take over from here. */
int
__wrap_privsep_handover(int fd, const char *input, size_t len)
{
	(void)fd;
	(void)input;
	(void)len;
	FZ_CHECK(0, "a login without TLS");
	return -1;
}

int
__wrap_privsep_handover_tls(int fd, const char *input, size_t len,
    int *plain_fd_r)
{
	(void)fd;
	(void)input;
	(void)len;
	*plain_fd_r = -1;
	return -1;
}

/* ---- Setup ------------------------------------------------------------ */

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_stls: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
drop_root(void)
{
	const uid_t uid = 65534;
	const gid_t gid = 65534;

	if (__real_geteuid() != 0)
		return;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		die("dropping root");
	if (getuid() != uid || __real_geteuid() != uid || setuid(0) != -1) {
		fprintf(stderr, "fuzz_stls: root not dropped\n");
		exit(1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char users[512];
	int fd;

	(void)argc;
	(void)argv;
	drop_root();
	(void)snprintf(dir, sizeof(dir), "%s/fuzz-stls.XXXXXX", fz_tmp_base());
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	(void)snprintf(users_path, sizeof(users_path), "%s/users", dir);
	(void)snprintf(plain_path, sizeof(plain_path), "%s/plain", dir);
	(void)snprintf(tls_in_path, sizeof(tls_in_path), "%s/tls-in", dir);
	(void)snprintf(plain_out_path, sizeof(plain_out_path), "%s/plain-out",
	    dir);
	(void)snprintf(tls_out_path, sizeof(tls_out_path), "%s/tls-out", dir);
	(void)snprintf(template, sizeof(template), "%s/%%u", dir);
	/* The stand-in monitor checks passwords; this only names the user. */
	(void)snprintf(users, sizeof(users), "alice:x:%lu:%lu::%s:/bin/sh\n",
	    (unsigned long)getuid(), (unsigned long)getgid(), dir);
	if (fz_write_file(users_path, users, strlen(users), 0600) == -1)
		die(users_path);
	for (fd = 0; fd <= 2; fd++)
		if ((saved_fd[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10)) == -1)
			die("dup");
	return 0;
}

__attribute__((destructor)) static void
cleanup(void)
{
	if (dir[0] == '\0')
		return;
	(void)unlink(users_path);
	(void)unlink(plain_path);
	(void)unlink(tls_in_path);
	(void)unlink(plain_out_path);
	(void)unlink(tls_out_path);
	(void)rmdir(dir);
}

/* ---- One connection ----------------------------------------------------- */

static const int handled_signals[] = { SIGPIPE, SIGTERM, SIGHUP, SIGINT,
    SIGALRM };

/* Serves plain, then (after a handshake) tls; the two outputs. */
static void
serve(const uint8_t *plain, size_t plain_len, const uint8_t *tls,
    size_t tls_len, struct fz_buf *plain_out, struct fz_buf *tls_out)
{
	struct sigaction sa[sizeof(handled_signals) / sizeof(int)];
	char a0[] = "pop3d", a1[] = "-f", a3[] = "-m", a5[] = "-t", a6[] = "5";
	char a7[4300], a8[4300];
	char *argv[] = { a0, a1, users_path, a3, template, a5, a6, a7, a8,
	    NULL };
	size_t k;
	int in, out, rc;

	(void)snprintf(a7, sizeof(a7), "--tls-cert=%s", users_path);
	(void)snprintf(a8, sizeof(a8), "--tls-key=%s", users_path);
	if (fz_write_file(plain_path, plain, plain_len, 0600) == -1 ||
	    fz_write_file(tls_in_path, tls, tls_len, 0600) == -1)
		die("input");
	in = open(plain_path, O_RDONLY | O_CLOEXEC);
	out = open(plain_out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	tls_in_fd = open(tls_in_path, O_RDONLY | O_CLOEXEC);
	tls_out_fd = open(tls_out_path, O_RDWR | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	if (in == -1 || out == -1 || tls_in_fd == -1 || tls_out_fd == -1)
		die("open");
	handshakes = tls_on = 0;
	for (k = 0; k < sizeof(handled_signals) / sizeof(int); k++)
		(void)sigaction(handled_signals[k], NULL, &sa[k]);
	if (__real_dup2(in, 0) == -1 || __real_dup2(out, 1) == -1)
		die("dup2");
	(void)close(in);
	(void)close(out);
	in_session = 1;
	rc = pop3d_main(9, argv);
	in_session = 0;
	signalled |= io_signal_pending();
	io_set_transport(NULL);
	for (k = 0; k <= 2; k++)
		if (__real_dup2(saved_fd[k], (int)k) == -1)
			die("dup2 back");
	for (k = 0; k < sizeof(handled_signals) / sizeof(int); k++)
		(void)sigaction(handled_signals[k], &sa[k], NULL);
	(void)close(tls_in_fd);
	(void)close(tls_out_fd);
	FZ_CHECK(rc == 0, "pop3d main returned %d", rc);
	if (fz_read_file(plain_out_path, plain_out) == -1 ||
	    fz_read_file(tls_out_path, tls_out) == -1)
		die("output");
}

static int
contains(const struct fz_buf *b, const char *s)
{
	return b->len > 0 && memmem(b->p, b->len, s, strlen(s)) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char begin[] = "+OK Begin TLS negotiation.\r\n";
	static const uint8_t stls_only[] = "STLS\r\n";
	struct fz_buf plain_out = { 0 }, tls_out = { 0 }, ref_plain = { 0 },
	    ref_tls = { 0 };
	const unsigned char *at;
	size_t plain_len;
	int handshake;

	if (size < 2 || size > 65536)
		return -1;
	signalled = 0;
	plain_len = (size_t)data[0] << 8 | data[1];
	if (plain_len > size - 2)
		plain_len = size - 2;
	serve(data + 2, plain_len, data + 2 + plain_len, size - 2 - plain_len,
	    &plain_out, &tls_out);
	handshake = handshakes;
	if (getenv("FUZZ_DUMP") != NULL) {
		(void)fwrite(plain_out.p, 1, plain_out.len, stderr);
		(void)fputs("---- inside TLS ----\n", stderr);
		(void)fwrite(tls_out.p, 1, tls_out.len, stderr);
	}

	at = plain_out.len > 0 ? memmem(plain_out.p, plain_out.len, begin,
	    sizeof(begin) - 1) : NULL;
	FZ_CHECK((at != NULL) == handshake, "a handshake without the STLS "
	    "reply, or the reply without one");
	FZ_CHECK(at == NULL || at + sizeof(begin) - 1 ==
	    plain_out.p + plain_out.len, "plaintext after the STLS reply");
	FZ_CHECK(handshake || tls_out.len == 0, "output inside no TLS");
	FZ_CHECK(!contains(&plain_out, "\r\nUSER\r\n") &&
	    !contains(&plain_out, "\r\nSASL PLAIN\r\n"), "CAPA lists a login "
	    "before TLS");
	FZ_CHECK(!contains(&tls_out, "\r\nSTLS\r\n"), "CAPA lists STLS inside "
	    "TLS");
	FZ_CHECK(!contains(&tls_out, begin), "a second STLS accepted");

	if (handshake) {
		serve(stls_only, sizeof(stls_only) - 1, data + 2 + plain_len,
		    size - 2 - plain_len, &ref_plain, &ref_tls);
		FZ_CHECK(signalled || fz_eq(tls_out.p, tls_out.len, ref_tls.p,
		    ref_tls.len),
		    "the replies inside TLS depend on the plaintext part (%zu "
		    "octets, %zu without it)", tls_out.len, ref_tls.len);
	}
	fz_buf_free(&plain_out);
	fz_buf_free(&tls_out);
	fz_buf_free(&ref_plain);
	fz_buf_free(&ref_tls);
	return 0;
}
