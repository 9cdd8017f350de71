/*
 * tlsload: the POP3 client of the benchmark's TLS and connection-rate cells.
 *
 * It talks to a server listening on 127.0.0.1 (pop3d behind
 * systemd-socket-activate, Dovecot's own daemon, or bench/floor_tls), in
 * plaintext, with STLS (RFC 2595) or with implicit TLS (RFC 8314), using
 * GnuTLS and verifying the server's certificate against --ca for the name
 * "localhost", as a real client does.  It trusts nothing it receives beyond
 * counting it: every reply must start with "+OK" or the session counts as
 * failed.
 *
 *   tlsload rate -p PORT -s plain|stls|implicit [-c CLIENTS] (-d SEC | -n COUNT)
 *                [-r] [-a CA] [-S poll|stat|quit] [-u USER | -P PREFIX] [-w PASS]
 *     CLIENTS threads (default 16), each repeating a whole session, one
 *     command at a time: greeting, [STLS,] USER, PASS, STAT, UIDL, QUIT
 *     (-S poll; -S stat: USER, PASS, STAT, QUIT; -S quit: QUIT alone, for
 *     the cost of a connection and its handshake), for SEC seconds or COUNT
 *     sessions in all, as USER (default benchuser), or with -P as PREFIX and
 *     the thread's number in two digits (bench00, bench01, ...), so that
 *     each thread polls its own mailbox.  With -r a
 *     thread offers the session of its previous connection for resumption
 *     (a TLS 1.3 ticket, or a TLS 1.2 session) and counts the handshakes the
 *     server resumed.  Prints one line:
 *       sessions= failed= resumed= elapsed_ms= client_user_ms= client_sys_ms=
 *     and the first failure on stderr.
 *
 *   tlsload get -p PORT -s plain|stls|implicit|raw [-a CA] [-i SCRIPT] -o OUT
 *     One session: the greeting (read before STLS, or inside implicit TLS) is
 *     written to OUT, then SCRIPT is sent in one go (pipelined, by a second
 *     thread) while everything the server sends is written to OUT until it
 *     closes.  "raw" is TLS from the first byte with no greeting and no
 *     script (the floor).  Prints: wall_ms= client_user_ms= client_sys_ms=
 *     out_bytes= status=ok|... cipher=(TLS)  Wall time runs from connect() to the end of
 *     the output.
 *
 * A thread's connect() is retried for up to 5 s while the port refuses it
 * (a server still starting).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum sec { PLAIN, STLS, IMPLICIT, RAW };

static int port;
static enum sec security = PLAIN;
static const char *ca_file;
static gnutls_certificate_credentials_t creds;
static const char *user_name = "benchuser";
static const char *user_prefix;		/* -P: thread i is PREFIX%02d */
static const char *password = "secret";
enum script { POLL, STAT_ONLY, QUIT_ONLY };
static enum script script_kind = POLL;	/* -S poll, stat or quit */
static int resume;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long sessions, failed, resumed, quota = -1;
static double deadline;
static char first_failure[256];

struct conn {
	int fd;
	gnutls_session_t tls;		/* NULL while plaintext */
	char buf[16384];
	size_t off, len;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&lock);
	if (first_failure[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(first_failure, sizeof first_failure, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&lock);
	return -1;
}

static int dial(void)
{
	struct sockaddr_in sa;
	double give_up = now_ms() + 5000;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return fail("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(fd);
		if (errno != ECONNREFUSED || now_ms() > give_up)
			return fail("connect: %s", strerror(errno));
		usleep(20000);
	}
	/* A POP3 client writes a command and waits: no Nagle delay. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		return close(fd), fail("setsockopt: %s", strerror(errno));
	return fd;
}

static ssize_t conn_read(struct conn *c, char *p, size_t n)
{
	ssize_t r;

	if (!c->tls) {
		do
			r = read(c->fd, p, n);
		while (r < 0 && errno == EINTR);
		return r;
	}
	do
		r = gnutls_record_recv(c->tls, p, n);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	/* A server may close after QUIT without close_notify. */
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return r < 0 ? -1 : r;
}

static int conn_write(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w;

		if (c->tls) {
			w = gnutls_record_send(c->tls, p, n);
			if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
				continue;
		} else {
			w = write(c->fd, p, n);
			if (w < 0 && errno == EINTR)
				continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* One CRLF-terminated line into line (NUL-terminated, CRLF kept). */
static int read_line(struct conn *c, char *line, size_t size)
{
	size_t n = 0;

	for (;;) {
		while (c->off < c->len) {
			char ch = c->buf[c->off++];

			if (n + 1 >= size)
				return fail("reply line too long");
			line[n++] = ch;
			if (ch == '\n') {
				line[n] = '\0';
				return 0;
			}
		}
		ssize_t r = conn_read(c, c->buf, sizeof c->buf);

		if (r <= 0)
			return fail("connection ended before a reply (%zd)", r);
		c->off = 0;
		c->len = r;
	}
}

/* Send one command, read its status line (and body if multi), want +OK. */
static int command(struct conn *c, const char *cmd, int multi)
{
	char line[1024];

	if (cmd && conn_write(c, cmd, strlen(cmd)) < 0)
		return fail("write of %.20s failed", cmd);
	if (read_line(c, line, sizeof line) < 0)
		return -1;
	if (strncmp(line, "+OK", 3) != 0)
		return fail("reply to %.20s: %.100s", cmd ? cmd : "greeting", line);
	while (multi) {
		if (read_line(c, line, sizeof line) < 0)
			return -1;
		if (strcmp(line, ".\r\n") == 0)
			break;
	}
	return 0;
}

static int handshake(struct conn *c, gnutls_datum_t *saved)
{
	int r;

	if ((r = gnutls_init(&c->tls, GNUTLS_CLIENT)) < 0)
		return c->tls = NULL, fail("gnutls_init: %s", gnutls_strerror(r));
	if ((r = gnutls_set_default_priority(c->tls)) < 0 ||
	    (r = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, creds)) < 0 ||
	    (r = gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, "localhost", 9)) < 0)
		return fail("gnutls setup: %s", gnutls_strerror(r));
	gnutls_session_set_verify_cert(c->tls, "localhost", 0);
	if (saved && saved->size > 0 &&
	    (r = gnutls_session_set_data(c->tls, saved->data, saved->size)) < 0)
		return fail("gnutls_session_set_data: %s", gnutls_strerror(r));
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
	do
		r = gnutls_handshake(c->tls);
	while (r < 0 && gnutls_error_is_fatal(r) == 0);
	if (r < 0)
		return fail("handshake: %s", gnutls_strerror(r));
	return 0;
}

/* Up to the point where commands go inside the chosen security. */
static int start(struct conn *c, gnutls_datum_t *saved, char *greeting, size_t size)
{
	if (security == IMPLICIT || security == RAW) {
		if (handshake(c, saved) < 0)
			return -1;
	}
	if (security == RAW)
		return 0;
	if (read_line(c, greeting, size) < 0)
		return -1;
	if (strncmp(greeting, "+OK", 3) != 0)
		return fail("greeting: %.100s", greeting);
	if (security != STLS)
		return 0;
	if (command(c, "STLS\r\n", 0) < 0)
		return -1;
	if (c->off != c->len)
		return fail("bytes after the STLS reply");
	return handshake(c, saved);
}

static void finish(struct conn *c)
{
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int one_session(int id, gnutls_datum_t *saved, int *was_resumed)
{
	struct conn c = { .fd = -1 };
	char cmd[256], user[128], greeting[1024];
	int ok = -1;

	*was_resumed = 0;
	if (user_prefix)
		snprintf(user, sizeof user, "%s%02d", user_prefix, id);
	else
		snprintf(user, sizeof user, "%s", user_name);
	if ((c.fd = dial()) < 0)
		return -1;
	if (start(&c, resume ? saved : NULL, greeting, sizeof greeting) < 0)
		goto out;
	if (script_kind != QUIT_ONLY) {
		snprintf(cmd, sizeof cmd, "USER %s\r\n", user);
		if (command(&c, cmd, 0) < 0)
			goto out;
		snprintf(cmd, sizeof cmd, "PASS %s\r\n", password);
		if (command(&c, cmd, 0) < 0 || command(&c, "STAT\r\n", 0) < 0)
			goto out;
	}
	if (script_kind == POLL && command(&c, "UIDL\r\n", 1) < 0)
		goto out;
	if (command(&c, "QUIT\r\n", 0) < 0)
		goto out;
	ok = 0;
	if (c.tls) {
		*was_resumed = gnutls_session_is_resumed(c.tls) != 0;
		if (resume) {
			/* After the QUIT reply: a TLS 1.3 ticket has arrived by now. */
			gnutls_free(saved->data);
			saved->data = NULL;
			saved->size = 0;
			if (gnutls_session_get_data2(c.tls, saved) < 0)
				saved->size = 0;
		}
	}
out:
	finish(&c);
	return ok;
}

static void *rate_thread(void *arg)
{
	int id = (int)(long)arg;
	gnutls_datum_t saved = { NULL, 0 };

	for (;;) {
		int r, was_resumed;

		pthread_mutex_lock(&lock);
		if (quota == 0 || (quota < 0 && now_ms() >= deadline)) {
			pthread_mutex_unlock(&lock);
			break;
		}
		if (quota > 0)
			quota--;
		pthread_mutex_unlock(&lock);
		r = one_session(id, &saved, &was_resumed);
		pthread_mutex_lock(&lock);
		if (r == 0)
			sessions++;
		else
			failed++;
		resumed += was_resumed;
		pthread_mutex_unlock(&lock);
	}
	gnutls_free(saved.data);
	return NULL;
}

static void print_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf(" client_user_ms=%.3f client_sys_ms=%.3f",
	       ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
	       ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
}

static int run_rate(int clients, double seconds)
{
	pthread_t th[256];
	double t0;
	int i;

	if (clients < 1 || clients > 256)
		return fprintf(stderr, "tlsload: 1 to 256 clients\n"), 2;
	t0 = now_ms();
	deadline = t0 + seconds * 1e3;
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, rate_thread, (void *)(long)i) != 0)
			return fprintf(stderr, "tlsload: pthread_create failed\n"), 1;
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	printf("sessions=%ld failed=%ld resumed=%ld elapsed_ms=%.3f", sessions, failed,
	       resumed, now_ms() - t0);
	print_cpu();
	printf("\n");
	if (first_failure[0])
		fprintf(stderr, "tlsload: first failure: %s\n", first_failure);
	return 0;
}

struct sender {
	struct conn *c;
	const char *data;
	size_t len;
	int status;
};

static void *send_script(void *arg)
{
	struct sender *s = arg;

	/* GnuTLS allows one thread to send while another receives. */
	s->status = conn_write(s->c, s->data, s->len);
	return NULL;
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	if ((p = malloc(st.st_size + 1)) == NULL)
		return NULL;
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t r = read(fd, p + *len, st.st_size - *len);

		if (r <= 0)
			return NULL;
		*len += r;
	}
	close(fd);
	return p;
}

static int write_out(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int run_get(const char *script, const char *out)
{
	struct conn c = { .fd = -1 };
	struct sender snd = { &c, "", 0, 0 };
	pthread_t th;
	char greeting[1024];
	char *data = NULL, *desc = NULL;
	long long total = 0;
	double t0;
	int ofd, sending = 0;
	const char *status = "ok";

	if (script && (data = slurp(script, &snd.len)) == NULL)
		return perror(script), 1;
	snd.data = data ? data : "";
	if ((ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return perror(out), 1;
	t0 = now_ms();
	if ((c.fd = dial()) < 0 || start(&c, NULL, greeting, sizeof greeting) < 0) {
		status = "start-failed";
		goto done;
	}
	if (c.tls)
		desc = gnutls_session_get_desc(c.tls);
	if (security != RAW) {
		if (write_out(ofd, greeting, strlen(greeting)) < 0)
			return perror(out), 1;
		total += strlen(greeting);
	}
	if (snd.len > 0) {
		if (pthread_create(&th, NULL, send_script, &snd) != 0)
			return fprintf(stderr, "tlsload: pthread_create failed\n"), 1;
		sending = 1;
	}
	/* Bytes already buffered after the greeting, then the rest. */
	if (c.off < c.len) {
		if (write_out(ofd, c.buf + c.off, c.len - c.off) < 0)
			return perror(out), 1;
		total += c.len - c.off;
	}
	for (;;) {
		ssize_t r = conn_read(&c, c.buf, sizeof c.buf);

		if (r == 0)
			break;
		if (r < 0) {
			status = "read-error";
			break;
		}
		if (write_out(ofd, c.buf, r) < 0)
			return perror(out), 1;
		total += r;
	}
	if (sending) {
		pthread_join(th, NULL);
		if (snd.status < 0 && strcmp(status, "ok") == 0)
			status = "write-error";
	}
done:
	finish(&c);
	printf("wall_ms=%.3f", now_ms() - t0);
	print_cpu();
	printf(" out_bytes=%lld status=%s cipher=%s\n", total, status, desc ? desc : "none");
	gnutls_free(desc);
	if (first_failure[0])
		fprintf(stderr, "tlsload: %s\n", first_failure);
	close(ofd);
	free(data);
	return 0;
}

/* A whole decimal number in [min, max], or exit. */
static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "tlsload: bad number %s (%ld to %ld)\n", s, min, max);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fprintf(stderr, "usage: tlsload rate|get -p PORT -s plain|stls|implicit|raw [-a CA]\n"
		"  rate: [-c CLIENTS] (-d SEC | -n COUNT) [-r] [-S poll|stat|quit]\n"
		"        [-u USER | -P PREFIX] [-w PASS]\n"
		"  get: [-i SCRIPT] -o OUT\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *mode, *script = NULL, *out = NULL;
	double seconds = 0;
	int opt, clients = 16, r;

	if (argc < 2)
		return usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "p:s:a:c:d:n:rS:u:P:w:i:o:")) != -1) {
		switch (opt) {
		case 'p': port = number(optarg, 1, 65535); break;
		case 's':
			if (strcmp(optarg, "plain") == 0) security = PLAIN;
			else if (strcmp(optarg, "stls") == 0) security = STLS;
			else if (strcmp(optarg, "implicit") == 0) security = IMPLICIT;
			else if (strcmp(optarg, "raw") == 0) security = RAW;
			else return usage();
			break;
		case 'a': ca_file = optarg; break;
		case 'c': clients = number(optarg, 1, 256); break;
		case 'd': seconds = number(optarg, 1, 3600); break;
		case 'n': quota = number(optarg, 1, 100000000); break;
		case 'r': resume = 1; break;
		case 'S':
			if (strcmp(optarg, "poll") == 0) script_kind = POLL;
			else if (strcmp(optarg, "stat") == 0) script_kind = STAT_ONLY;
			else if (strcmp(optarg, "quit") == 0) script_kind = QUIT_ONLY;
			else return usage();
			break;
		case 'u': user_name = optarg; break;
		case 'P': user_prefix = optarg; break;
		case 'w': password = optarg; break;
		case 'i': script = optarg; break;
		case 'o': out = optarg; break;
		default: return usage();
		}
	}
	if (port <= 0 || port > 65535)
		return usage();
	if (security != PLAIN) {
		if (!ca_file)
			return fprintf(stderr, "tlsload: TLS needs -a CA\n"), 2;
		if ((r = gnutls_certificate_allocate_credentials(&creds)) < 0 ||
		    (r = gnutls_certificate_set_x509_trust_file(creds, ca_file,
								GNUTLS_X509_FMT_PEM)) < 0)
			return fprintf(stderr, "tlsload: %s: %s\n", ca_file, gnutls_strerror(r)), 1;
	}
	if (strcmp(mode, "rate") == 0) {
		if (security == RAW || (seconds <= 0 && quota < 0))
			return usage();
		return run_rate(clients, seconds);
	}
	if (strcmp(mode, "get") == 0 && out)
		return run_get(script, out);
	return usage();
}
