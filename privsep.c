/*
 * privsep.c: privilege separation when pop3d is started as root.
 *
 * Four processes share a connection, and the two that keep root never
 * read from the client:
 *
 *   monitor (root)      the original process.  It never touches
 *                       credentials, so that the session, forked from it,
 *                       starts from a memory image that never held a
 *                       password or another account's hash.  After the
 *                       login it serves the user's session: "create, touch
 *                       or remove the dotlock, create or remove the
 *                       journal", for that one mailbox only, in the
 *                       directory it opened once (monitor_serve()): the
 *                       paths come from the authenticated account, never
 *                       from the session.
 *   login monitor       root, the monitor's child: answers "is this name
 *   (root)              and password good" for the pre-login child (auth.c
 *                       does the work, with the failure delay and the cap
 *                       on attempts), passes a good login's account and
 *                       read-ahead input to the monitor, ends the pre-login
 *                       child and its process group, and exits.
 *   pre-login child     the unprivileged user (pop3d or nobody), chrooted
 *                       to an empty directory, in a box (sandbox.c): greets
 *                       the client and parses everything before login.
 *                       After a good PASS it hands the input it has read
 *                       ahead to the login monitor and exits.
 *   session child       the user, with no other group, in the box that
 *                       fits it: opens the mailbox and serves TRANSACTION.
 *                       Debian's spool is root:mail 2775, so it cannot
 *                       create its own dotlock; the monitor does that for
 *                       it (a setgid helper would not work under
 *                       NoNewPrivileges).
 *
 * With TLS (tls.c) the pre-login child does the handshake and asks the
 * login monitor for the one signature it needs; the login monitor forwards
 * the request to a short-lived signer, its own child and the only process
 * that reads the key (the monitor, which forks the session, never does).
 * After a login over TLS the pre-login child stays, in its box, as a relay
 * between the client's TLS session and the user's session: the login
 * monitor makes a socket pair, gives one end to the pre-login child and
 * the other to the monitor for the session's fds 0 and 1, and stays until
 * the session is over to end the relay's process group then.
 *
 * Trusts: nothing that arrives from the pre-login child or the session;
 * every message is checked for type, length and descriptors, and one that
 * the code they run would never send ends the connection, the sender
 * killed.  The login monitor is root code that parsed only those checked
 * messages; its result is checked for length too.
 */
#include <sys/types.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "index.h"
#include "privsep.h"
#include "sandbox.h"
#include "tls.h"

enum msg_type {
	MSG_AUTH = 1,		/* name NUL password NUL */
	MSG_HANDOVER,		/* input read ahead by the pre-login child */
	MSG_DOTLOCK_CREATE,
	MSG_DOTLOCK_REMOVE,
	MSG_DOTLOCK_TOUCH,
	MSG_JOURNAL_CREATE,	/* the reply carries the journal's fd */
	MSG_JOURNAL_REMOVE,
	MSG_CLIENT_ADDRESS,	/* from a PROXY header: address NUL */
	MSG_ACCOUNT,		/* login monitor to monitor: who logged in */
	MSG_TLS_START,		/* the reply says whether the key is usable */
	MSG_TLS_SIGN,		/* algorithm, kind, data; the signature */
	MSG_TLS_DONE,		/* the handshake is over: text for the log */
	MSG_RELAY		/* login monitor to monitor: the relay's socket */
};

/* Replies to MSG_AUTH. */
#define AUTH_OK		0
#define AUTH_FAILED	(-1)
#define AUTH_FAILED_LAST (-2)	/* and the monitor is done */

struct msg {
	uint32_t	type;
	int32_t		result;
	int32_t		error;		/* errno when result is -1 */
	uint32_t	len;		/* of data */
	char		data[IN_BUFFER_BYTES];
};

#define MSG_HEADER	offsetof(struct msg, data)

/*
 * Test builds (pop3d-fault, -DPOP3D_FAULT_INJECTION): POP3D_HOSTILE=WHAT
 * makes a child do what a compromised one could, to show that the others
 * stay safe (tests/privsep_tests.py).  Never true in pop3d itself.
 */
static int
hostile(const char *what)
{
#ifdef POP3D_FAULT_INJECTION
	const char *v = getenv("POP3D_HOSTILE");

	return v != NULL && strcmp(v, what) == 0;
#else
	(void)what;
	return 0;
#endif
}

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
 * What a compromised session could read of its own memory: counts the
 * copies of POP3D_HOSTILE_MARK (another account's hash, in the test) in
 * its writable mappings, the environment's own copy aside.
 */
static void
hostile_memory_scan(void)
{
	const char *mark = getenv("POP3D_HOSTILE_MARK");
	const char *p, *end;
	char line[512], *q;
	unsigned long lo, hi;
	size_t len, found = 0;
	FILE *fp;

	if (mark == NULL || (fp = fopen("/proc/self/maps", "re")) == NULL)
		return;
	len = strlen(mark);
	/* "lo-hi rw-p ...": the writable mappings. */
	while (fgets(line, sizeof(line), fp) != NULL) {
		lo = strtoul(line, &q, 16);
		if (*q != '-')
			continue;
		hi = strtoul(q + 1, &q, 16);
		if (q[0] != ' ' || q[1] != 'r' || q[2] != 'w')
			continue;
		end = (const char *)hi;
		for (p = (const char *)lo; p < end &&
		    (p = memmem(p, (size_t)(end - p), mark, len)) != NULL; p++)
			if (p != mark)
				found++;
	}
	(void)fclose(fp);
	syslog(LOG_ERR, "hostile: the mark is %zu times in the session's "
	    "memory", found);
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

static int send_msg(int, struct msg *, const int *, size_t);

/* "The handshake is over", then a login: with no handshake at all. */
static void
hostile_claim_tls(int fd)
{
	struct msg m;
	char password[] = "secret";

	memset(&m, 0, MSG_HEADER);
	m.type = MSG_TLS_DONE;
	m.len = (uint32_t)strlen("tls=stls");
	memcpy(m.data, "tls=stls", m.len);
	if (send_msg(fd, &m, NULL, 0) == 0)
		(void)privsep_login(fd, "alice", password);
}

/* Sends one message with nfds (at most 3) descriptors. */
static int
send_msg(int fd, struct msg *m, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(3 * sizeof(int))];
	} control;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;

	if (nfds > 3)
		return -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = m;
	iov.iov_len = MSG_HEADER + m->len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)iov.iov_len ? 0 : -1;
}

/*
 * Room for more descriptors than anyone may send, so that the ones sent
 * are received and closed here; past it the kernel drops them and sets
 * MSG_CTRUNC, which ends the connection too.
 */
#define FDS_ROOM	8

/*
 * Receives one message.  With fd_r NULL no descriptor may come with it;
 * otherwise *fd_r gets the one descriptor it may carry, or -1.  Returns 0,
 * -1 when the peer is gone, or -2 for a message that must end the
 * connection: truncated, of the wrong length, or with a control message
 * other than what was asked for.  Every descriptor received is closed
 * unless it is returned.
 */
static int
recv_msg(int fd, struct msg *m, int *fd_r)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(FDS_ROOM * sizeof(int))];
	} control;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;
	size_t i, count;
	int bad, got = -1, passed;

	if (fd_r != NULL)
		*fd_r = -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = m;
	iov.iov_len = sizeof(*m);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return -1;
	bad = n < (ssize_t)MSG_HEADER || (mh.msg_flags & (MSG_TRUNC |
	    MSG_CTRUNC)) != 0 || m->len != (size_t)n - MSG_HEADER;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&passed, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (fd_r != NULL && got == -1) {
				got = passed;
				continue;
			}
			(void)close(passed);
			bad = 1;
		}
	}
	if (bad) {
		if (got != -1)
			(void)close(got);
		return -2;
	}
	if (fd_r != NULL)
		*fd_r = got;
	return 0;
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
	struct msg m;
	size_t len = strlen(info->text);

	memset(&m, 0, MSG_HEADER);
	m.type = MSG_TLS_DONE;
	memcpy(m.data, info->text, len);
	m.len = (uint32_t)len;
	return send_msg(fd, &m, NULL, 0);
}

/* ---- The monitor ------------------------------------------------------ */

/* The child the monitor is waiting for, to pass termination signals on. */
static volatile pid_t current_child;
/*
 * After a login over TLS: the login monitor, which stays until the
 * session is over (it then ends the relay), and the socket to it.
 */
static pid_t login_child;
static int login_fd = -1;

static void
forward_signal(int sig)
{
	if (current_child > 0)
		(void)kill(current_child, sig);
}

static const int forwarded_signals[3] = { SIGTERM, SIGHUP, SIGINT };
/* The process's own handlers (pop3d.c), for the pre-login process. */
static struct sigaction own_actions[3];

/*
 * The monitor outlives its children to clean up after them: a signal to
 * end the connection goes to the child, which ends the session (without
 * UPDATE), and the monitor then removes what the session left.
 */
static void
monitor_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		(void)sigaction(forwarded_signals[i], &sa, &own_actions[i]);
}

/*
 * The pre-login process has no child to pass a signal to: it ends the
 * connection itself, as the session does.
 */
static void
own_signals(void)
{
	size_t i;

	for (i = 0; i < 3; i++)
		(void)sigaction(forwarded_signals[i], &own_actions[i], NULL);
}

/* Reaps the session; one the filter killed is worth a line (sandbox.c). */
static void
wait_child(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		syslog(LOG_ERR, "the session made a forbidden system call and "
		    "was killed");
}

/*
 * The monitor ends here: it never returns to the protocol code.  It is
 * the original process, so a normal exit() is right (and lets coverage
 * builds write their counts).
 */
static void
monitor_exit(int fd, pid_t child, int status)
{
	int st;

	(void)close(fd);
	if (child > 0)
		wait_child(child);
	/* Its socket closed, the login monitor ends the relay and exits. */
	if (login_fd != -1)
		(void)close(login_fd);
	while (login_child > 0 && waitpid(login_child, &st, 0) == -1 &&
	    errno == EINTR)
		;
	closelog();
	exit(status);
}

static int
reply(int fd, enum msg_type type, int result, int error, int pass_fd)
{
	struct msg m;

	memset(&m, 0, MSG_HEADER);
	m.type = type;
	m.result = result;
	m.error = error;
	return send_msg(fd, &m, &pass_fd, pass_fd != -1);
}

static int
reply_data(int fd, enum msg_type type, int result, const void *data,
    size_t len)
{
	struct msg m;

	memset(&m, 0, MSG_HEADER);
	m.type = type;
	m.result = result;
	memcpy(m.data, data, len);
	m.len = (uint32_t)len;
	return send_msg(fd, &m, NULL, 0);
}

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
			return reply(fd, MSG_TLS_START, -1, EPERM, -1);
		}
		*started = 1;
		/* Without the ticket key: full handshakes, but TLS all the same. */
		ticket.len = 0;
		if (config->tls_ticket_key_file != NULL &&
		    tls_ticket_key_load(config->tls_ticket_key_file, &ticket,
		    error, sizeof(error)) == -1)
			syslog(LOG_ERR, "rip=%s: TLS session tickets "
			    "unavailable: %s", config->rip, error);
		r = reply_data(fd, MSG_TLS_START, 0, ticket.key, ticket.len);
		explicit_bzero(&ticket, sizeof(ticket));
		return r;
	case MSG_TLS_SIGN:
		if (*started != 1 || result->tls ||
		    m->len > TLS_SIGN_REQUEST_MAX)
			return -1;
		if (tls_signer_sign(*signer, m->data, m->len, sig,
		    sizeof(sig), &len) == -1)
			return reply(fd, MSG_TLS_SIGN, -1, EPERM, -1);
		return reply_data(fd, MSG_TLS_SIGN, 0, sig, len);
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
static int
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
		if (reply(fd, MSG_AUTH, failures >= AUTH_FAILURES_MAX ?
		    AUTH_FAILED_LAST : AUTH_FAILED, 0, -1) == -1 ||
		    failures >= AUTH_FAILURES_MAX)
			return -1;
	}
	/* No signing after login, whatever happened to the handshake. */
	tls_signer_stop(signer);
	if (reply(fd, MSG_AUTH, AUTH_OK, 0, -1) == -1)
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

/*
 * Opens the directory of path from "/" down, one component at a time and
 * without following a symbolic link, and says whether only root can change
 * which directory that is: every directory on the way is root's, and every
 * one before the last is writable by nobody else, or sticky (then others
 * cannot rename root's entries in it).  The last one may be writable by a
 * group (the spool, root:mail 2775): what happens in it is by name, and a
 * name is never followed.  Returns the fd or -1.
 */
static int
spool_dir_walk(const char *path, int *trusted_r)
{
	char dir[MAILBOX_PATH_MAX], *p, *name;
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd, next, trusted;

	*trusted_r = 0;
	if (path[0] != '/' || slash == NULL ||
	    (size_t)(slash - path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	trusted = st.st_uid == 0;
	for (p = dir; (name = strsep(&p, "/")) != NULL;) {
		if (name[0] == '\0' || strcmp(name, ".") == 0)
			continue;
		if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)
			trusted = 0;
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		(void)close(fd);
		if (next == -1)
			return -1;
		fd = next;
		if (fstat(fd, &st) == -1) {
			(void)close(fd);
			return -1;
		}
		if (st.st_uid != 0)
			trusted = 0;
	}
	*trusted_r = trusted;
	return fd;
}

/*
 * The monitor's file system identity becomes the user's (uid, gid, no
 * other group) while it works in a directory that is not root's alone: it
 * can then do there only what the user could.  The real and effective ids
 * stay root, to go back afterwards.
 */
static int
monitor_fs_identity(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) == -1)
		return -1;
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	/* setfsuid() reports no error: read the ids back. */
	if ((gid_t)setfsgid((gid_t)-1) != gid ||
	    (uid_t)setfsuid((uid_t)-1) != uid)
		return -1;
	return 0;
}

/*
 * The directory the monitor works in for the session: opened once, before
 * the first request.  As root when only root can change it; otherwise with
 * the user's identity (a template under the user's home), which follows
 * the user's links with the user's rights only.  Returns the fd or -1.
 */
static int
spool_dir_open(const char *path, const struct account *a)
{
	char dir[MAILBOX_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, trusted;

	fd = spool_dir_walk(path, &trusted);
	if (fd != -1 && trusted)
		return fd;
	if (fd != -1)
		(void)close(fd);
	if (!a->has_ids || monitor_fs_identity(a->uid, a->gid) == -1) {
		syslog(LOG_ERR, "cannot take the user's identity for %s",
		    path);
		return -1;
	}
	if (slash == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (slash == path)
		(void)strlcpy(dir, "/", sizeof(dir));
	else if ((size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	} else
		return -1;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * Serves the session's requests for its one mailbox until it exits
 * (returns 0) or sends what it never would unless compromised (returns
 * -1, logged: the connection must end).
 */
static int
monitor_serve(int fd, const char *path, const struct account *a)
{
	struct mailbox mb;
	struct msg m;
	int held = 0, r, jfd, hostile_session = 0;

	if (mbox_set_paths(&mb, path) == -1)
		return 0;
	mb.spool.owner = a->uid;
	/* A directory that cannot be opened fails every request below. */
	mb.spool.dir_fd = spool_dir_open(path, a);
	while ((r = recv_msg(fd, &m, NULL)) == 0) {
		errno = 0;
		jfd = -1;
		if (mb.spool.dir_fd == -1 && m.type >= MSG_DOTLOCK_CREATE &&
		    m.type <= MSG_JOURNAL_REMOVE) {
			r = -1;
			errno = EACCES;
		} else switch (m.type) {
		case MSG_DOTLOCK_CREATE:
			r = held ? 1 : lock_local_spool.dotlock_create(&mb.spool);
			if (r == 0)
				held = 1;
			break;
		case MSG_DOTLOCK_REMOVE:
			r = held ? lock_local_spool.dotlock_remove(&mb.spool) : 0;
			held = 0;
			break;
		case MSG_DOTLOCK_TOUCH:
			r = held ? lock_local_spool.dotlock_touch(&mb.spool) : 0;
			break;
		case MSG_JOURNAL_CREATE:
			jfd = lock_local_spool.journal_create(&mb.spool);
			r = jfd == -1 ? -1 : 0;
			break;
		case MSG_JOURNAL_REMOVE:
			r = lock_local_spool.journal_remove(&mb.spool);
			break;
		default:
			syslog(LOG_ERR, "malformed request from the session: "
			    "ending the connection");
			hostile_session = 1;
			goto out;
		}
		if (reply(fd, (enum msg_type)m.type, r, errno, jfd) == -1)
			break;
		if (jfd != -1)
			(void)close(jfd);
	}
	if (r == -2) {
		syslog(LOG_ERR, "descriptors or a truncated message from the "
		    "session: ending the connection");
		hostile_session = 1;
	}
out:
	/* Ended first: a session that is not done must not find it gone. */
	if (hostile_session && current_child > 0)
		(void)kill(current_child, SIGKILL);
	/* The session died holding the dotlock: delivery must go on. */
	if (held)
		(void)lock_local_spool.dotlock_remove(&mb.spool);
	if (mb.spool.dir_fd != -1)
		(void)close(mb.spool.dir_fd);
	/* Root's own identity again, to write what exit() writes. */
	(void)setfsuid(geteuid());
	(void)setfsgid(getegid());
	return hostile_session ? -1 : 0;
}

/* Keeps no copy of the client's connection once the session has it. */
static void
drop_client_fds(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd == -1)
		return;
	(void)dup2(fd, 0);
	(void)dup2(fd, 1);
	if (fd > 1)
		(void)close(fd);
}

/*
 * After a good login: starts the user's session (returns in it) and
 * serves its requests, then exits.
 */
static void
monitor_session(const struct privsep_config *config,
    struct privsep_result *result, int relay_fd)
{
	char path[MAILBOX_PATH_MAX];
	int sv[2];
	pid_t pid;

	if (mbox_path_expand(config->mailbox_template, result->account.name,
	    result->account.home, path, sizeof(path)) == -1)
		path[0] = '\0';	/* the session reports it */
	/*
	 * The user's own directory for the index, which the session checks.
	 * Refused here, the session goes without: it must not make one in a
	 * directory the monitor found unsafe.
	 */
	result->index_dir = config->index_dir;
	if (config->index_dir != NULL && result->account.has_ids &&
	    index_prepare_dir(config->index_dir, result->account.uid,
	    result->account.gid) == -1) {
		syslog(LOG_WARNING, "index directory %s/%lu: %s (going on "
		    "without)", config->index_dir,
		    (unsigned long)result->account.uid, strerror(errno));
		result->index_dir = NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		syslog(LOG_ERR, "socketpair: %s", strerror(errno));
		_exit(1);
	}
	pid = fork();
	if (pid == -1) {
		syslog(LOG_ERR, "fork: %s", strerror(errno));
		_exit(1);
	}
	if (pid == 0) {
		(void)close(sv[0]);
		/* Over TLS the session's client is the relay's plain socket. */
		if (relay_fd != -1 && (dup2(relay_fd, 0) == -1 ||
		    dup2(relay_fd, 1) == -1 || close(relay_fd) == -1)) {
			syslog(LOG_ERR, "session: cannot take the relay's "
			    "socket: %s", strerror(errno));
			_exit(1);
		}
		if (login_fd != -1)
			(void)close(login_fd);
		if (hostile("session-memory"))
			hostile_memory_scan();
		result->role = PRIVSEP_SESSION;
		result->monitor_fd = sv[1];
		return;
	}
	(void)close(sv[1]);
	if (relay_fd != -1)
		(void)close(relay_fd);
	current_child = pid;
	drop_client_fds();
	if (path[0] != '\0')
		(void)monitor_serve(sv[0], path, &result->account);
	monitor_exit(sv[0], pid, 0);
}

/*
 * The login monitor's result for the original process, three messages:
 * the client's address (a PROXY header may have changed it, for the
 * session's logs), the account, and the input read ahead; after a login
 * over TLS a fourth, MSG_RELAY, with the text for the login line and the
 * relay's plain socket (relay_fd), announced by the hand-over's result.
 */
static int
send_login(int fd, const struct privsep_config *config,
    const struct privsep_result *result, int relay_fd)
{
	static const int stray[1] = { 0 };
	struct msg m;
	size_t len = strlen(config->rip) + 1;
	int r, relay[2] = { -1, 0 };

	memset(&m, 0, sizeof(m));
	m.type = MSG_CLIENT_ADDRESS;
	m.len = (uint32_t)len;
	memcpy(m.data, config->rip, len);
	if (send_msg(fd, &m, NULL, 0) == -1)
		return -1;
	m.type = MSG_ACCOUNT;
	m.len = sizeof(result->account);
	memcpy(m.data, &result->account, sizeof(result->account));
	/* A test of the monitor's rule, not a thing root code would do. */
	r = send_msg(fd, &m, stray, hostile("login-fd-on-account") ? 1 : 0);
	explicit_bzero(&m, sizeof(m));
	if (r == -1)
		return -1;
	m.type = MSG_HANDOVER;
	m.result = relay_fd != -1;
	m.len = (uint32_t)result->input_len;
	memcpy(m.data, result->input, result->input_len);
	r = send_msg(fd, &m, NULL, 0);
	explicit_bzero(&m, sizeof(m));
	if (r == -1 || relay_fd == -1)
		return r;
	memset(&m, 0, MSG_HEADER);
	m.type = MSG_RELAY;
	m.len = (uint32_t)strlen(result->tls_info.text);
	memcpy(m.data, result->tls_info.text, m.len);
	relay[0] = relay_fd;
	return send_msg(fd, &m, relay, hostile("login-relay-two-fds") ? 2 : 1);
}

/*
 * One message of the login monitor's result, of the type expected; a
 * descriptor only where fd_r asks for one.  0 or -1 (a message that breaks
 * the rule is logged: root code never sends it).
 */
static int
login_msg(const struct privsep_config *config, int fd, struct msg *m,
    enum msg_type type, int *fd_r)
{
	int r = recv_msg(fd, m, fd_r);

	if (r == -2)
		syslog(LOG_ERR, "rip=%s: descriptors or a truncated message "
		    "from the login monitor: no session", config->rip);
	if (r == 0 && m->type == type)
		return 0;
	if (fd_r != NULL && *fd_r != -1) {
		(void)close(*fd_r);
		*fd_r = -1;
	}
	return -1;
}

/*
 * 0 with the address, the account and the input (and over TLS the relay's
 * socket in *relay_fd_r, the only descriptor the monitor ever accepts, from
 * the login monitor, on MSG_RELAY only), or -1: no login.
 */
static int
receive_login(const struct privsep_config *config, int fd,
    struct privsep_result *result, int *relay_fd_r)
{
	struct msg m;

	*relay_fd_r = -1;
	if (login_msg(config, fd, &m, MSG_CLIENT_ADDRESS, NULL) == -1 ||
	    m.len < 1 || m.len > config->rip_size ||
	    m.data[m.len - 1] != '\0')
		return -1;
	memcpy(config->rip, m.data, m.len);
	if (login_msg(config, fd, &m, MSG_ACCOUNT, NULL) == -1 ||
	    m.len != sizeof(result->account))
		return -1;
	memcpy(&result->account, m.data, sizeof(result->account));
	if (memchr(result->account.name, '\0',
	    sizeof(result->account.name)) == NULL ||
	    memchr(result->account.home, '\0',
	    sizeof(result->account.home)) == NULL ||
	    login_msg(config, fd, &m, MSG_HANDOVER, NULL) == -1 ||
	    m.len > sizeof(result->input) || m.result < 0 || m.result > 1)
		return -1;
	memcpy(result->input, m.data, m.len);
	result->input_len = m.len;
	/* The hand-over's result says whether the relay's socket follows. */
	if (m.result == 0)
		return 0;
	if (config->tls_chain == NULL ||
	    login_msg(config, fd, &m, MSG_RELAY, relay_fd_r) == -1 ||
	    *relay_fd_r == -1 || m.len >= sizeof(result->tls_info.text) ||
	    memchr(m.data, '\0', m.len) != NULL) {
		if (*relay_fd_r != -1)
			(void)close(*relay_fd_r);
		*relay_fd_r = -1;
		return -1;
	}
	memcpy(result->tls_info.text, m.data, m.len);
	result->tls_info.text[m.len] = '\0';
	result->tls = 1;
	return 0;
}

/*
 * Ends the pre-login process and whatever it left behind.  It exits by
 * itself after the hand-over or a failed login (coverage builds then write
 * their counts); after PRELOGIN_EXIT_WAIT_MSEC, everything in its process
 * group is killed, whatever it is doing.  It is reaped last, so that its
 * pid, the group's id, cannot be reused before the kill.
 */
static void
end_prelogin(const struct privsep_config *config, pid_t pid)
{
	struct timespec pause = { 0, 10 * 1000000L };
	siginfo_t si;
	int waited, status;

	for (waited = 0; waited < PRELOGIN_EXIT_WAIT_MSEC; waited += 10) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) == -1 && errno != EINTR)
			break;
		if (si.si_pid == pid)
			break;
		(void)nanosleep(&pause, NULL);
	}
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (si.si_pid == pid && si.si_code == CLD_KILLED &&
	    si.si_status == SIGSYS)
		syslog(LOG_ERR, "rip=%s: the pre-login process made a system "
		    "call outside its allowlist and was killed", config->rip);
}

/*
 * Waits until the monitor closes its end of parent, which it does when
 * the session is over (or it is gone).
 */
static void
wait_session_end(int parent)
{
	struct pollfd pfd;
	char c;

	for (;;) {
		pfd.fd = parent;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		/* The monitor sends nothing: anything but the end is an end. */
		if (recv(parent, &c, 1, MSG_DONTWAIT) == -1 &&
		    (errno == EAGAIN || errno == EINTR))
			continue;
		return;
	}
}

/*
 * After a login over TLS: the pre-login child stays as the relay between
 * the client's TLS session and the user's (tls.c).  The login monitor
 * makes the plaintext socket pair, sends one end to the pre-login child
 * (root to the pre-login child: the other way never carries a descriptor)
 * and the other to the monitor, for the session's fds 0 and 1.  Then it
 * waits for the session to be over: the relay ends on the end of either
 * side, and what is left of its process group is killed then, so that
 * nothing of it outlives the connection.
 */
static void
relay_start(const struct privsep_config *config, int fd, int parent,
    pid_t pid, struct privsep_result *result)
{
	int pv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pv) == -1) {
		syslog(LOG_ERR, "socketpair: %s", strerror(errno));
		explicit_bzero(result, sizeof(*result));
		end_prelogin(config, pid);
		return;
	}
	if (reply(fd, MSG_HANDOVER, 0, 0, pv[0]) == -1)
		syslog(LOG_ERR, "rip=%s: the relay is gone", config->rip);
	(void)close(pv[0]);
	(void)close(fd);
	if (send_login(parent, config, result, pv[1]) == -1)
		syslog(LOG_ERR, "rip=%s: the monitor is gone", config->rip);
	(void)close(pv[1]);
	explicit_bzero(result, sizeof(*result));
	wait_session_end(parent);
	end_prelogin(config, pid);
}

/*
 * The pre-login child's identity and root directory, which is opened here
 * (not followed if it is a link) and checked through its descriptor, so
 * that the directory checked is the one entered (*root_r, fchdir then
 * chroot(".")).
 */
static int
prelogin_identity(const struct privsep_config *config, struct account *a,
    int *root_r)
{
	const char *name = config->user;
	struct passwd *pw;
	struct stat st;
	int fd;

	pw = getpwnam(name != NULL ? name : PRIVSEP_USER);
	if (pw == NULL && name == NULL)
		pw = getpwnam(PRIVSEP_USER_FALLBACK);
	if (name == NULL)
		name = pw != NULL ? pw->pw_name : PRIVSEP_USER_FALLBACK;
	if (pw == NULL || pw->pw_uid == 0) {
		syslog(LOG_ERR, "privsep user %s: %s", name, pw == NULL ?
		    "no such user" : "must not be root");
		return -1;
	}
	memset(a, 0, sizeof(*a));
	a->uid = pw->pw_uid;
	a->gid = pw->pw_gid;
	a->has_ids = 1;
	/* An empty directory only root can change; made if missing. */
	if (mkdir(config->chroot_dir, 0755) == -1 && errno != EEXIST) {
		syslog(LOG_ERR, "chroot directory %s: %s", config->chroot_dir,
		    strerror(errno));
		return -1;
	}
	fd = open(config->chroot_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0) {
		syslog(LOG_ERR, "chroot directory %s: missing, a symbolic "
		    "link, not owned by root or writable by others",
		    config->chroot_dir);
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	*root_r = fd;
	return 0;
}

/*
 * The login monitor, a child of the original process: starts the pre-login
 * process, checks its logins (auth.c reads the account databases here and
 * nowhere else) and hands a good login's account and the input read ahead
 * to the original process over parent; then it exits.  Returns only in
 * the pre-login process.
 */
static void
login_monitor(const struct privsep_config *config, int parent, int root,
    const struct account *prelogin, struct privsep_result *result)
{
	const char *reason;
	int sv[2], r, signer = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		syslog(LOG_ERR, "socketpair: %s", strerror(errno));
		monitor_exit(parent, -1, 1);
	}
	pid = fork();
	if (pid == -1) {
		syslog(LOG_ERR, "fork: %s", strerror(errno));
		monitor_exit(parent, -1, 1);
	}
	if (pid == 0) {
		(void)close(sv[0]);
		(void)close(parent);
		/*
		 * Its own session and process group, which the monitor kills
		 * at the hand-over; no controlling terminal, so that reading
		 * a terminal on fd 0 (pop3d -d by hand) does not stop it.
		 */
		own_signals();
		if (setsid() == -1 || fchdir(root) == -1 || chroot(".") == -1 ||
		    close(root) == -1 ||
		    auth_become_user(prelogin, &reason) == -1) {
			syslog(LOG_ERR, "pre-login process: cannot drop "
			    "privileges");
			_exit(1);
		}
		if (sandbox_prelogin(config->tls_chain != NULL) == -1) {
			syslog(LOG_ERR, "pre-login process: cannot set its "
			    "limits and system call filter: %s",
			    strerror(errno));
			_exit(1);
		}
		result->role = PRIVSEP_PRELOGIN;
		result->monitor_fd = sv[1];
		return;
	}
	(void)close(sv[1]);
	(void)close(root);
	current_child = pid;
	drop_client_fds();
	r = monitor_login(config, sv[0], result, &signer);
	tls_signer_stop(&signer);
	if (r == -2)
		(void)kill(pid, SIGKILL);
	if (r == 0 && result->tls) {
		relay_start(config, sv[0], parent, pid, result);
		monitor_exit(parent, -1, 0);
	}
	end_prelogin(config, pid);
	(void)close(sv[0]);
	if (r == 0)
		(void)send_login(parent, config, result, -1);
	explicit_bzero(result, sizeof(*result));
	monitor_exit(parent, -1, 0);
}

/*
 * Splits the process.  Returns 0 in the pre-login child or, later, in the
 * user's session child, with result->role saying which; -1 (in the
 * original process, nothing forked) when it cannot.  The monitor itself
 * never returns.
 *
 * The original process stays root and never touches credentials: the
 * login monitor, its child, reads the account databases and the password,
 * and exits after the login.  The session is forked from the original, so
 * it starts from a memory image that never held another account's hash or
 * a fragment of /etc/shadow.
 */
int
privsep_start(const struct privsep_config *config,
    struct privsep_result *result)
{
	struct account prelogin;
	int sv[2], r, root, relay_fd;
	pid_t pid;

	memset(result, 0, sizeof(*result));
	if (prelogin_identity(config, &prelogin, &root) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		syslog(LOG_ERR, "socketpair: %s", strerror(errno));
		(void)close(root);
		return -1;
	}
	monitor_signals();
	pid = fork();
	if (pid == -1) {
		syslog(LOG_ERR, "fork: %s", strerror(errno));
		(void)close(root);
		return -1;
	}
	if (pid == 0) {
		(void)close(sv[0]);
		login_monitor(config, sv[1], root, &prelogin, result);
		return 0;
	}
	(void)close(sv[1]);
	(void)close(root);
	current_child = pid;
	r = receive_login(config, sv[0], result, &relay_fd);
	/* Closed first: a login monitor that waits for it must see it go. */
	if (r == -1)
		monitor_exit(sv[0], pid, 0);
	if (relay_fd == -1) {
		wait_child(pid);
		(void)close(sv[0]);
	} else {
		/* It stays until the session is over, to end the relay. */
		login_child = pid;
		login_fd = sv[0];
	}
	monitor_session(config, result, relay_fd);
	return 0;
}
