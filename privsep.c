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
 *                       directory it opened once (monitor_serve.c): the
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
 * This file makes the processes and carries each through its life: the
 * split (privsep_start()), the pre-login child's identity and root
 * directory, the login monitor's life (login_monitor()), the result it
 * passes to the monitor, the session's start, the relay's end, signals and
 * exits.  What the processes say to each other is elsewhere: the messages
 * and their descriptor rules in privsep_msg.c, the children's requests in
 * privsep_child.c, the login monitor's checks of the pre-login child's
 * requests in monitor_login.c, and the monitor's service to the session
 * in monitor_serve.c.
 *
 * Trusts: nothing that arrives from the pre-login child or the session;
 * every message is checked for type, length and descriptors, and one that
 * the code they run would never send ends the connection, the sender
 * killed.  The login monitor is root code that parsed only those checked
 * messages; its result is checked for length too (receive_login()).  It
 * must not read a credential in the original process, nor keep a copy of
 * the client's connection once the session has it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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

#include "auth.h"
#include "index.h"
#include "mailbox.h"
#include "monitor_login.h"
#include "monitor_serve.h"
#include "params.h"
#include "privsep.h"
#include "privsep_msg.h"
#include "sandbox.h"
#include "tls.h"

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
	/*
	 * The child is reaped: its pid may be another process's by now.  A
	 * signal from here on goes to the login monitor, which may still be
	 * waiting for the relay to pass on the session's last replies.
	 */
	current_child = login_child;
	/* Its socket closed, the login monitor ends the relay and exits. */
	if (login_fd != -1)
		(void)close(login_fd);
	while (login_child > 0 && waitpid(login_child, &st, 0) == -1 &&
	    errno == EINTR)
		;
	current_child = 0;
	closelog();
	exit(status);
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
		(void)monitor_serve(sv[0], path, &result->account, pid);
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
 * their counts), and the relay once it has passed on the session's last
 * bytes; after wait_msec, everything in its process group is killed,
 * whatever it is doing.  It is reaped last, so that its pid, the group's
 * id, cannot be reused before the kill.
 */
static void
end_prelogin(const struct privsep_config *config, pid_t pid, long wait_msec)
{
	struct timespec pause;
	siginfo_t si;
	long waited_usec = 0, step_usec = 100;
	/* A relay draining to a slow client is looked at ten times a second. */
	long max_step_usec = wait_msec > PRELOGIN_EXIT_WAIT_MSEC ?
	    100 * 1000L : 10 * 1000L;
	int status;

	/*
	 * It exits within a millisecond or so: look again after 0.1 ms, then
	 * twice as long each time up to 10 ms.  A fixed 10 ms pause made
	 * every login wait the whole 10 ms (SIGCHLD does not cut a sleep).
	 */
	memset(&si, 0, sizeof(si));
	while (waited_usec < wait_msec * 1000L) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) == -1 && errno != EINTR)
			break;
		if (si.si_pid == pid)
			break;
		pause.tv_sec = 0;
		pause.tv_nsec = step_usec * 1000L;
		(void)nanosleep(&pause, NULL);
		waited_usec += step_usec;
		step_usec = step_usec * 2 > max_step_usec ? max_step_usec :
		    step_usec * 2;
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
 * nothing of it outlives the connection.  The session's last replies (up
 * to the relay's buffer and the socket pair's, a whole RETR before a
 * pipelined DELE and QUIT) may still be on their way to a slow client:
 * the relay gets the session's idle timeout (and its own grace) to pass
 * them on, as the session would have had; killed sooner, it would cut a
 * message that QUIT has already removed.
 */
static void
relay_start(const struct privsep_config *config, int fd, int parent,
    pid_t pid, struct privsep_result *result)
{
	int pv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pv) == -1) {
		syslog(LOG_ERR, "socketpair: %s", strerror(errno));
		explicit_bzero(result, sizeof(*result));
		/* Its socket closed, the pre-login process gives up at once. */
		(void)close(fd);
		end_prelogin(config, pid, PRELOGIN_EXIT_WAIT_MSEC);
		return;
	}
	if (msg_reply(fd, MSG_HANDOVER, 0, 0, pv[0]) == -1)
		syslog(LOG_ERR, "rip=%s: the relay is gone", config->rip);
	(void)close(pv[0]);
	(void)close(fd);
	if (send_login(parent, config, result, pv[1]) == -1)
		syslog(LOG_ERR, "rip=%s: the monitor is gone", config->rip);
	(void)close(pv[1]);
	explicit_bzero(result, sizeof(*result));
	wait_session_end(parent);
	end_prelogin(config, pid, (config->timeout_sec + TLS_RELAY_GRACE_SEC) *
	    1000L);
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
	end_prelogin(config, pid, PRELOGIN_EXIT_WAIT_MSEC);
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
