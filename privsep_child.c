/*
 * privsep_child.c: what the unprivileged processes ask the monitors for.
 * The session asks the monitor to create, touch and remove its dotlock
 * and to create and remove its journal (privsep_spool, lock.c's
 * operations done by root); the pre-login process asks the login monitor
 * to check a login, to start, sign for and end a TLS handshake, and hands
 * it the input read ahead.
 *
 * Runs unprivileged (the pre-login process, chrooted and boxed; the
 * session, as the user) and trusts the monitors' replies only as far as
 * the message rules go (privsep_msg.c): a reply of the wrong type or
 * length is a failure.  It must not send a descriptor (the monitors
 * refuse any), and the password it sends is wiped here.  The
 * hostile_*() hooks play a compromised child in test builds only.
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "privsep_child.h"
#include "privsep_msg.h"
#include "tls.h"

/*
 * A process left behind by a compromised pre-login process: after the
 * hand-over it would read the user's commands and answer in the server's
 * name.  It must never get to run (sandbox.c) or outlive the hand-over.
 */
static void
hostile_lurker(void)
{
	struct timespec later = { 2, 0 };
	char buf[64];

	if (fork() != 0)
		return;
	(void)nanosleep(&later, NULL);
	(void)read(0, buf, sizeof(buf));
	(void)write(1, "+OK injected\r\n", 14);
	_exit(0);
}

/*
 * A login request garbled as a compromised pre-login process could send
 * it: of a type it never sends first, or an address without
 * --proxy-protocol.
 */
static void
hostile_auth(struct msg *m)
{
	if (hostile("prelogin-bad-type"))
		m->type = 99;
	else if (hostile("prelogin-address"))
		m->type = MSG_CLIENT_ADDRESS;
}

/* A login with the test's password, whatever the protocol state. */
static void
hostile_login(int fd)
{
	char password[] = "secret";

	(void)privsep_login(fd, "alice", password);
}

/* "The handshake is over", then a login: with no handshake at all. */
static void
hostile_claim_tls(int fd)
{
	struct msg m;

	memset(&m, 0, MSG_HEADER);
	m.type = MSG_TLS_DONE;
	m.len = (uint32_t)strlen("tls=stls");
	memcpy(m.data, "tls=stls", m.len);
	if (send_msg(fd, &m, NULL, 0) == 0)
		hostile_login(fd);
}

/*
 * What a compromised pre-login process could ask the signer for, with the
 * key's algorithm: bytes that are no TLS handshake's ('d'), a digest of no
 * TLS hash's length ('h'), a request cut after its kind, one longer than
 * any request, or a second signature after the handshake's.  It tells the
 * client in clear whether it got a signature (the test reads it) and fails
 * the handshake.  1 when it did something.
 */
static int
hostile_sign(int fd, uint32_t algorithm, char kind, const void *data,
    size_t len)
{
	struct msg req, m;
	int got = 0, i, tries = 1;

	memset(&req, 0, sizeof(req));
	req.type = MSG_TLS_SIGN;
	memcpy(req.data, &algorithm, sizeof(algorithm));
	req.data[sizeof(algorithm)] = 'h';
	req.len = sizeof(algorithm) + 1;
	if (hostile("prelogin-sign-data")) {
		req.data[sizeof(algorithm)] = 'd';
		memset(req.data + req.len, 'A', 100);
		req.len += 100;
	} else if (hostile("prelogin-sign-digest")) {
		memset(req.data + req.len, 'A', 20);
		req.len += 20;
	} else if (hostile("prelogin-sign-long"))
		req.len = TLS_SIGN_REQUEST_MAX + 1;
	else if (hostile("prelogin-sign-twice") && len <= 512) {
		req.data[sizeof(algorithm)] = kind;
		memcpy(req.data + req.len, data, len);
		req.len += (uint32_t)len;
		tries = 2;
	} else if (!hostile("prelogin-sign-short"))
		return 0;
	for (i = 0; i < tries; i++) {
		m = req;
		got = send_msg(fd, &m, NULL, 0) == 0 &&
		    recv_msg(fd, &m, NULL) == 0 && m.type == MSG_TLS_SIGN &&
		    m.result == 0 && m.len > 0;
	}
	if (got)
		(void)write(1, "hostile: signed\r\n", 17);
	else
		(void)write(1, "hostile: refused\r\n", 18);
	return 1;
}

/* A request with no data; returns the result, errno set from the reply. */
static int
request(int fd, enum msg_type type, int *fd_r)
{
	static const int client[3] = { 0, 1, 2 };
	struct msg m;

	if (hostile("session-exec"))
		(void)execl("/bin/true", "true", (char *)NULL);

	memset(&m, 0, MSG_HEADER);
	m.type = hostile("session-bad-type") ? 99 : type;
	if (send_msg(fd, &m, client, hostile("session-fds") ? 3 : 0) == -1 ||
	    recv_msg(fd, &m, fd_r) != 0 || m.type != type) {
		errno = EIO;
		return -1;
	}
	if (m.result == -1)
		errno = m.error;
	return m.result;
}

/* ---- The session's side ----------------------------------------------- */

static int
remote_dotlock_create(struct spool *sp)
{
	return request(sp->monitor_fd, MSG_DOTLOCK_CREATE, NULL);
}

static int
remote_dotlock_remove(struct spool *sp)
{
	return request(sp->monitor_fd, MSG_DOTLOCK_REMOVE, NULL);
}

static int
remote_dotlock_touch(struct spool *sp)
{
	return request(sp->monitor_fd, MSG_DOTLOCK_TOUCH, NULL);
}

static int
remote_journal_create(struct spool *sp)
{
	int fd = -1;

	if (request(sp->monitor_fd, MSG_JOURNAL_CREATE, &fd) == -1) {
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	if (fd == -1)
		errno = EIO;
	return fd;
}

static int
remote_journal_remove(struct spool *sp)
{
	return request(sp->monitor_fd, MSG_JOURNAL_REMOVE, NULL);
}

const struct spool_ops privsep_spool = {
	remote_dotlock_create,
	remote_dotlock_remove,
	remote_dotlock_touch,
	remote_journal_create,
	remote_journal_remove
};

/* ---- The pre-login child's side --------------------------------------- */

/*
 * Asks the monitor.  Returns 0 good, -1 refused, -2 refused and no more
 * tries, -3 the monitor is gone.  The password is wiped.
 */
int
privsep_login(int fd, const char *name, char *password)
{
	static const int client[3] = { 0, 1, 2 };
	struct msg m;
	size_t nl = strlen(name), pl = strlen(password);
	int r = -3;

	/* A compromised process would not keep to the login timeout. */
	while (hostile("prelogin-hang"))
		(void)poll(NULL, 0, -1);
	/* Nor stay alone: a process that outlives it could read the session. */
	if (hostile("prelogin-fork"))
		hostile_lurker();
	memset(&m, 0, sizeof(m));
	m.type = MSG_AUTH;
	if (nl + pl + 2 <= sizeof(m.data)) {
		memcpy(m.data, name, nl + 1);
		memcpy(m.data + nl + 1, password, pl + 1);
		m.len = (uint32_t)(nl + pl + 2);
		hostile_auth(&m);
		if (send_msg(fd, &m, client, hostile("prelogin-fds") ? 3 : 0)
		    == 0 && recv_msg(fd, &m, NULL) == 0 &&
		    m.type == MSG_AUTH)
			r = m.result;
	}
	explicit_bzero(&m, sizeof(m));
	explicit_bzero(password, pl);
	return r;
}

int
privsep_handover(int fd, const char *input, size_t len)
{
	static const int client[3] = { 0, 1, 2 };
	struct msg m;

	while (hostile("prelogin-hang-handover"))
		(void)poll(NULL, 0, -1);
	memset(&m, 0, MSG_HEADER);
	m.type = hostile("prelogin-no-handover") ? MSG_AUTH : MSG_HANDOVER;
	if (len > sizeof(m.data))
		return -1;
	memcpy(m.data, input, len);
	m.len = (uint32_t)len;
	return send_msg(fd, &m, client,
	    hostile("prelogin-handover-fds") ? 3 : 0);
}

/*
 * The client's address from the balancer's PROXY header (proxy.c), sent
 * once, before the first MSG_AUTH; no reply.
 */
int
privsep_client_address(int fd, const char *address)
{
	struct msg m;
	size_t len = strlen(address) + 1;

	memset(&m, 0, MSG_HEADER);
	m.type = MSG_CLIENT_ADDRESS;
	if (len > sizeof(m.data))
		return -1;
	memcpy(m.data, address, len);
	m.len = (uint32_t)len;
	return send_msg(fd, &m, NULL, 0);
}

/*
 * With TLS the pre-login process stays after the hand-over: the login
 * monitor's reply carries the socket to relay the session's plaintext
 * over (the one descriptor the pre-login process ever receives).
 */
int
privsep_handover_tls(int fd, const char *input, size_t len, int *plain_fd_r)
{
	struct msg m;

	*plain_fd_r = -1;
	if (privsep_handover(fd, input, len) == -1 ||
	    recv_msg(fd, &m, plain_fd_r) != 0)
		return -1;
	if (m.type != MSG_HANDOVER || *plain_fd_r == -1) {
		if (*plain_fd_r != -1)
			(void)close(*plain_fd_r);
		*plain_fd_r = -1;
		return -1;
	}
	/* A compromised relay would try to leave its box: the filter kills. */
	if (hostile("relay-fork"))
		(void)fork();
	return 0;
}

/*
 * Asks whether TLS can start: the signer reads and checks the key then.
 * The reply may carry the session-ticket key (ticket->len 0: none).
 */
int
privsep_tls_start(int fd, struct tls_ticket_key *ticket)
{
	static const int client[3] = { 0, 1, 2 };
	struct msg m;
	int r = -1;

	ticket->len = 0;
	/* A compromised process would log in in clear where TLS is required. */
	if (hostile("prelogin-login-before-tls"))
		hostile_login(fd);
	memset(&m, 0, MSG_HEADER);
	m.type = MSG_TLS_START;
	if (send_msg(fd, &m, client, hostile("prelogin-tls-fds") ? 3 : 0) ==
	    0 && recv_msg(fd, &m, NULL) == 0 && m.type == MSG_TLS_START &&
	    m.result == 0 && (m.len == 0 || m.len == sizeof(ticket->key))) {
		memcpy(ticket->key, m.data, m.len);
		ticket->len = m.len;
		r = 0;
	}
	explicit_bzero(&m, sizeof(m));
	/* Or ask to start it again (a second signer, more signatures). */
	if (r == 0 && hostile("prelogin-tls-start-twice")) {
		m.type = MSG_TLS_START;
		if (send_msg(fd, &m, NULL, 0) == 0)
			(void)recv_msg(fd, &m, NULL);
	}
	/* A compromised process would claim TLS anyway, to log in in clear. */
	if (r == -1 && hostile("prelogin-claims-tls"))
		hostile_claim_tls(fd);
	return r;
}

/* kind: 'd' the message itself, 'h' its digest (see tls.c). */
int
privsep_tls_sign(int fd, uint32_t algorithm, char kind, const void *data,
    size_t len, void *signature, size_t size, size_t *len_r)
{
	struct msg m;

	if (hostile_sign(fd, algorithm, kind, data, len))
		return -1;
	memset(&m, 0, MSG_HEADER);
	m.type = MSG_TLS_SIGN;
	if (len > TLS_SIGN_REQUEST_MAX - sizeof(algorithm) - 1)
		return -1;
	memcpy(m.data, &algorithm, sizeof(algorithm));
	m.data[sizeof(algorithm)] = kind;
	memcpy(m.data + sizeof(algorithm) + 1, data, len);
	m.len = (uint32_t)(sizeof(algorithm) + 1 + len);
	if (send_msg(fd, &m, NULL, 0) == -1 || recv_msg(fd, &m, NULL) != 0 ||
	    m.type != MSG_TLS_SIGN || m.result != 0 || m.len > size ||
	    m.len == 0)
		return -1;
	memcpy(signature, m.data, m.len);
	*len_r = m.len;
	return 0;
}

/* The handshake is over: no more signatures, and what to log at login. */
int
privsep_tls_done(int fd, const struct tls_info *info)
{
	static const struct tls_info forged = {
	    "tls=stls\nlogin: rip=192.0.2.1 user=root %n" };
	struct msg m;
	size_t len = strlen(info->text);

	memset(&m, 0, MSG_HEADER);
	m.type = MSG_TLS_DONE;
	/* A compromised process would forge a log line with its own. */
	if (hostile("prelogin-tls-info")) {
		info = &forged;
		len = strlen(forged.text);
	}
	memcpy(m.data, info->text, len);
	m.len = (uint32_t)len;
	return send_msg(fd, &m, NULL, 0);
}
