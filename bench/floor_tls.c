/*
 * floor_tls: the physical floor of a POP3 download over TLS.  The crlf
 * floor's work (every LF becomes CRLF, a line starting with "." gets a
 * second ".", the same 128 KiB blocks and memchr) with its output encrypted
 * by GnuTLS and sent over a loopback TCP connection: no protocol, no
 * parsing of messages, no privilege separation, no relay, one process.
 * The client is bench/tlsload in "raw" mode (handshake, then read to the
 * end), the same client and library that measure pop3d's TLS download.
 *
 * It listens on 127.0.0.1 on a port the kernel picks, prints "port=N" on
 * stdout, serves one connection (full handshake with CERT and KEY under
 * PRIORITY), sends the converted FILE, closes the TLS session and exits,
 * printing "server_user_ms= server_sys_ms= cipher=" on stdout.
 *
 * Usage: floor_tls CERT KEY PRIORITY FILE
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLOCK (128 * 1024)

static char in[BLOCK];
static char out[2 * BLOCK + 2];

static int send_all(gnutls_session_t s, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = gnutls_record_send(s, p, n);

		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int listen_loopback(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	printf("port=%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

/* The crlf floor's loop, its blocks encrypted and sent. */
static int send_file(gnutls_session_t s, int fd)
{
	int at_line_start = 1;
	ssize_t got;

	while ((got = read(fd, in, sizeof in)) > 0) {
		const char *p = in, *end = in + got;
		char *o = out;

		while (p < end) {
			const char *nl;
			size_t len;

			if (at_line_start && *p == '.')
				*o++ = '.';
			nl = memchr(p, '\n', end - p);
			len = (nl ? nl : end) - p;
			memcpy(o, p, len);
			o += len;
			p += len;
			if (nl) {
				*o++ = '\r';
				*o++ = '\n';
				p++;
				at_line_start = 1;
			} else {
				at_line_start = 0;
			}
		}
		if (send_all(s, out, o - out) < 0)
			return -1;
	}
	return got < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t creds;
	gnutls_session_t s;
	struct rusage ru;
	char *desc;
	int lfd, cfd, fd, r;

	if (argc != 5) {
		fprintf(stderr, "usage: floor_tls CERT KEY PRIORITY FILE\n");
		return 2;
	}
	if ((fd = open(argv[4], O_RDONLY)) < 0) {
		perror(argv[4]);
		return 1;
	}
	if ((r = gnutls_certificate_allocate_credentials(&creds)) < 0 ||
	    (r = gnutls_certificate_set_x509_key_file(creds, argv[1], argv[2],
						      GNUTLS_X509_FMT_PEM)) < 0) {
		fprintf(stderr, "floor_tls: %s\n", gnutls_strerror(r));
		return 1;
	}
	if ((lfd = listen_loopback()) < 0) {
		perror("floor_tls: listen");
		return 1;
	}
	if ((cfd = accept(lfd, NULL, NULL)) < 0) {
		perror("floor_tls: accept");
		return 1;
	}
	close(lfd);
	if ((r = gnutls_init(&s, GNUTLS_SERVER)) < 0 ||
	    (r = gnutls_priority_set_direct(s, argv[3], NULL)) < 0 ||
	    (r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds)) < 0) {
		fprintf(stderr, "floor_tls: %s\n", gnutls_strerror(r));
		return 1;
	}
	gnutls_transport_set_int(s, cfd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && gnutls_error_is_fatal(r) == 0);
	if (r < 0) {
		fprintf(stderr, "floor_tls: handshake: %s\n", gnutls_strerror(r));
		return 1;
	}
	if (send_file(s, fd) < 0) {
		fprintf(stderr, "floor_tls: sending failed\n");
		return 1;
	}
	gnutls_bye(s, GNUTLS_SHUT_WR);
	close(cfd);
	desc = gnutls_session_get_desc(s);
	getrusage(RUSAGE_SELF, &ru);
	printf("server_user_ms=%.3f server_sys_ms=%.3f cipher=%s\n",
	       ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
	       ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3, desc ? desc : "?");
	return 0;
}
