/*
 * monitor_login.c: the login monitor reading the pre-login process: the
 * client's address from a PROXY header, the TLS requests (start, sign,
 * done), the logins, and the hand-over of the input read ahead.
 *
 * Runs as root and reads what the pre-login process, the one that parses
 * the client's bytes, sends: none of it is trusted.  Every request is
 * checked for type, order, length and termination, and one that the
 * pre-login code would never send ends the connection; the pre-login
 * process must also be done by --login-timeout (and a grace period).
 * auth.c checks the passwords, with its failure delay; this file counts
 * the failures.  It must not let a password be checked before TLS when
 * TLS is required, sign anything after a login, or keep a password once
 * checked.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "auth.h"
#include "monitor_login.h"
#include "params.h"
#include "privsep_config.h"
#include "privsep_msg.h"
#include "tls.h"

/*
 * Waits for the pre-login child's next message until the pre-login phase
 * is over: the child ends it itself at --login-timeout, so one still
 * there a few seconds later is not the code it was.  0 or -1.
 */
static int
prelogin_wait(const struct privsep_config *config, int fd,
    const struct timespec *start)
{
	struct pollfd pfd;
	struct timespec now;
	long long left;
	int n;

	for (;;) {
		if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
			return -1;
		left = ((long long)start->tv_sec + config->login_timeout_sec +
		    LOGIN_TIMEOUT_GRACE_SEC - now.tv_sec) * 1000 -
		    now.tv_nsec / 1000000 + start->tv_nsec / 1000000;
		if (left <= 0) {
			syslog(LOG_ERR, "rip=%s: the pre-login process is "
			    "still there past the login timeout: ending the "
			    "connection", config->rip);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n > 0)
			return 0;
	}
}

static int
prelogin_hostile(const struct privsep_config *config, struct msg *m)
{
	explicit_bzero(m, sizeof(*m));
	syslog(LOG_ERR, "rip=%s: descriptors or a truncated message from the "
	    "pre-login process: ending the connection", config->rip);
	return -2;
}

/*
 * Takes the client's address for the logs from the pre-login child, which
 * read it from a PROXY header (only with --proxy-protocol, only once, only
 * before the first login).  The child is not trusted to send anything but
 * an IPv4 or IPv6 address in text form.
 */
static int
monitor_client_address(const struct privsep_config *config,
    const struct msg *m)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (!config->proxy || m->len < 2 || m->len > config->rip_size ||
	    m->data[m->len - 1] != '\0' || strlen(m->data) != m->len - 1 ||
	    (inet_pton(AF_INET, m->data, addr) != 1 &&
	    inet_pton(AF_INET6, m->data, addr) != 1))
		return -1;
	memcpy(config->rip, m->data, m->len);
	return 0;
}

/*
 * The TLS requests of the pre-login child: start (once), sign (the signer
 * limits how often and what), done (the signer is closed, for good).
 * *started: 0 not asked, 1 the signer started, -1 refused (then neither a
 * signature nor "done" is taken: no login may count as over TLS).
 * Returns 0, or -1 for a request out of order.
 */
static int
monitor_tls(const struct privsep_config *config, int fd, struct msg *m,
    struct privsep_result *result, int *signer, int *started)
{
	char error[200], sig[TLS_SIGNATURE_MAX], c;
	struct tls_ticket_key ticket;
	size_t len, i;
	int r;

	switch (m->type) {
	case MSG_TLS_START:
		if (config->tls_chain == NULL || *started != 0)
			return -1;
		if (tls_signer_start(config->tls_chain, config->tls_key_file,
		    signer, error, sizeof(error)) == -1) {
			*started = -1;
			syslog(LOG_ERR, "rip=%s: TLS unavailable: %s",
			    config->rip, error);
			return msg_reply(fd, MSG_TLS_START, -1, EPERM, -1);
		}
		*started = 1;
		/* Without the ticket key: full handshakes, but TLS all the same. */
		ticket.len = 0;
		if (config->tls_ticket_key_file != NULL &&
		    tls_ticket_key_load(config->tls_ticket_key_file, &ticket,
		    error, sizeof(error)) == -1)
			syslog(LOG_ERR, "rip=%s: TLS session tickets "
			    "unavailable: %s", config->rip, error);
		r = msg_reply_data(fd, MSG_TLS_START, 0, ticket.key, ticket.len);
		explicit_bzero(&ticket, sizeof(ticket));
		return r;
	case MSG_TLS_SIGN:
		if (*started != 1 || result->tls ||
		    m->len > TLS_SIGN_REQUEST_MAX)
			return -1;
		if (tls_signer_sign(*signer, m->data, m->len, sig,
		    sizeof(sig), &len) == -1)
			return msg_reply(fd, MSG_TLS_SIGN, -1, EPERM, -1);
		return msg_reply_data(fd, MSG_TLS_SIGN, 0, sig, len);
	case MSG_TLS_DONE:
		if (*started != 1 || result->tls || m->len >= TLS_INFO_MAX)
			return -1;
		tls_signer_stop(signer);
		/* Text for the session's log line: printable, no '%'. */
		for (i = 0; i < m->len; i++) {
			c = m->data[i];
			if (c < 0x20 || c >= 0x7f || c == '%')
				c = '?';
			result->tls_info.text[i] = c;
		}
		result->tls_info.text[m->len] = '\0';
		result->tls = 1;
		return 0;
	default:
		return -1;
	}
}

/*
 * Checks names and passwords until one is good (returns 0 with the account
 * and the input read ahead), the pre-login child gives up or fails too
 * often (returns -1), or sends what it never would unless compromised
 * (returns -2, logged: the connection must end).
 */
int
monitor_login(const struct privsep_config *config, int fd,
    struct privsep_result *result, int *signer)
{
	struct msg m;
	struct timespec start;
	const char *name, *password;
	size_t nl;
	int failures = 0, r, first = 1, started = 0;

	if (clock_gettime(CLOCK_MONOTONIC, &start) == -1)
		return -2;
	for (;;) {
		if (prelogin_wait(config, fd, &start) == -1)
			return -2;
		r = recv_msg(fd, &m, NULL);
		if (r == -2)
			return prelogin_hostile(config, &m);
		if (r == -1)
			return -1;
		if (first && m.type == MSG_CLIENT_ADDRESS) {
			first = 0;
			if (monitor_client_address(config, &m) == 0)
				continue;
			syslog(LOG_ERR, "rip=%s: malformed address from the "
			    "pre-login process: ending the connection",
			    config->rip);
			return -2;
		}
		first = 0;
		if (m.type == MSG_TLS_START || m.type == MSG_TLS_SIGN ||
		    m.type == MSG_TLS_DONE) {
			if (monitor_tls(config, fd, &m, result, signer,
			    &started) == 0)
				continue;
			syslog(LOG_ERR, "rip=%s: TLS request out of order "
			    "from the pre-login process: ending the "
			    "connection", config->rip);
			return -2;
		}
		/* The monitor refuses a plaintext login too, not only pop3d.c. */
		if (m.type == MSG_AUTH && config->tls_required && !result->tls) {
			explicit_bzero(&m, sizeof(m));
			syslog(LOG_ERR, "rip=%s: login before TLS from the "
			    "pre-login process: ending the connection",
			    config->rip);
			return -2;
		}
		if (m.type != MSG_AUTH || m.len < 2 ||
		    m.data[m.len - 1] != '\0' ||
		    (nl = strnlen(m.data, m.len)) >= m.len - 1 ||
		    strlen(m.data + nl + 1) != m.len - nl - 2) {
			explicit_bzero(&m, sizeof(m));
			syslog(LOG_ERR, "rip=%s: malformed request from the "
			    "pre-login process: ending the connection",
			    config->rip);
			return -2;
		}
		name = m.data;
		password = m.data + nl + 1;
		r = auth_login(config->auth, config->rip, name,
		    (char *)password, &result->account);
		explicit_bzero(&m, sizeof(m));
		if (r == 0)
			break;
		failures++;
		if (msg_reply(fd, MSG_AUTH, failures >= AUTH_FAILURES_MAX ?
		    AUTH_FAILED_LAST : AUTH_FAILED, 0, -1) == -1 ||
		    failures >= AUTH_FAILURES_MAX)
			return -1;
	}
	/* No signing after login, whatever happened to the handshake. */
	tls_signer_stop(signer);
	if (msg_reply(fd, MSG_AUTH, AUTH_OK, 0, -1) == -1)
		return -1;
	if (prelogin_wait(config, fd, &start) == -1)
		return -2;
	r = recv_msg(fd, &m, NULL);
	if (r == -2)
		return prelogin_hostile(config, &m);
	if (r == -1 || m.type != MSG_HANDOVER)
		return -1;
	memcpy(result->input, m.data, m.len);
	result->input_len = m.len;
	return 0;
}
