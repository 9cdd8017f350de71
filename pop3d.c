/*
 * pop3d.c: the process and its command loop: main(), the process set-up
 * (descriptors, signals, no core files), the split into privilege-
 * separated processes (privsep.c), the client's address for the logs, and
 * the loop that reads each command line and hands it to the state that
 * may run it (login.c before the login, transaction.c after it).
 *
 * One process serves one connection on fds 0 and 1, as started by inetd,
 * xinetd or systemd (Accept=yes).  Every byte of a command line is
 * untrusted: session.c checks and splits it before it is looked up here,
 * and no reply ever echoes client input.  Started as root, the command
 * loop never runs as root: before login it runs in privsep.c's
 * unprivileged, chrooted pre-login process, after login as the user; the
 * monitor does the few things that need root.  This file must not parse
 * a command's arguments or touch the mailbox but to close it and save its
 * index at the end.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "io.h"
#include "login.h"
#include "mailbox.h"
#include "options.h"
#include "params.h"
#include "privsep.h"
#include "privsep_child.h"
#include "proxy.h"
#include "session.h"
#include "tls.h"
#include "transaction.h"

/* ---- Logging ---------------------------------------------------------- */

/*
 * The launcher's idea of the client, from the environment: systemd sets
 * REMOTE_ADDR, inetutils-inetd TCPREMOTEIP, xinetd and stunnel REMOTE_HOST.
 * Only a numeric address counts.
 */
static int
env_address(char *buf, size_t size)
{
	static const char *const names[] = {
		"REMOTE_ADDR", "TCPREMOTEIP", "REMOTE_HOST"
	};
	unsigned char addr[sizeof(struct in6_addr)];
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = getenv(names[i]);
		if (v == NULL || strlen(v) >= size)
			continue;
		if (inet_pton(AF_INET, v, addr) == 1) {
			(void)strlcpy(buf, v, size);
			return 0;
		}
		if (inet_pton(AF_INET6, v, addr) != 1)
			continue;
		/* IPv4-mapped, as a dual-stack launcher reports it. */
		if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)addr))
			return inet_ntop(AF_INET, addr + 12, buf, size) ==
			    NULL ? -1 : 0;
		(void)strlcpy(buf, v, size);
		return 0;
	}
	return -1;
}

/*
 * The client's address, for logs only: getpeername(0), IPv4-mapped IPv6
 * shown as IPv4.  The environment is believed only when fd 0 is not a TCP
 * socket, or when --trust-env-address says the launcher (stunnel, whose
 * fd 0 is a loopback connection) knows better.
 */
static void
client_address(char *buf, size_t size, int trust_env)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len = sizeof(ss);
	const char *r = NULL;

	if (trust_env && env_address(buf, size) == 0)
		return;
	memset(&ss, 0, sizeof(ss));
	if (getpeername(0, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			r = inet_ntop(AF_INET, &sin->sin_addr, buf, size);
		else if (ss.ss_family == AF_INET6 &&
		    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			r = inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			    buf, size);
		else if (ss.ss_family == AF_INET6)
			r = inet_ntop(AF_INET6, &sin6->sin6_addr, buf, size);
	}
	if (r == NULL && env_address(buf, size) == -1)
		(void)strlcpy(buf, "unknown", size);
}

static const char *
ending_name(enum ending e)
{
	static const char *const names[] = {
		"quit", "eof", "timeout", "signal", "error", "update-failed",
		"auth-failures", "bad-commands", "handover", "login-timeout"
	};

	return names[e];
}

/* ---- The command loop ------------------------------------------------- */

struct command_entry {
	const char	*keyword;
	int		 in_authorization;
	int		 in_transaction;
	int		(*run)(struct session *, struct command *);
};

/* Looked up in order: the commands sent once per message come first. */
static const struct command_entry commands[] = {
	{ "RETR", 0, 1, cmd_retr },
	{ "DELE", 0, 1, cmd_dele },
	{ "TOP", 0, 1, cmd_top },
	{ "USER", 1, 0, cmd_user },
	{ "PASS", 1, 0, cmd_pass },
	{ "AUTH", 1, 0, cmd_auth },
	{ "STLS", 1, 0, cmd_stls },
	{ "QUIT", 1, 1, cmd_quit },
	{ "CAPA", 1, 1, cmd_capa },
	{ "STAT", 0, 1, cmd_stat },
	{ "LIST", 0, 1, cmd_list },
	{ "UIDL", 0, 1, cmd_uidl },
	{ "NOOP", 0, 1, cmd_noop },
	{ "RSET", 0, 1, cmd_rset },
};

static int
dispatch(struct session *s, char *line, size_t len)
{
	const struct command_entry *e = NULL;
	struct command c;
	const char *err;
	size_t i;
	int r, allowed;

	/*
	 * RFC 1939 section 7: PASS only immediately after a successful USER.
	 * Every command forgets the USER; only USER's own +OK sets it again.
	 */
	s->had_user = s->have_user;
	s->have_user = 0;
	err = parse_command(line, len, &c);
	if (err != NULL)
		return reply_bad(s, err);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(c.keyword, commands[i].keyword) == 0) {
			e = &commands[i];
			break;
		}
	/* Without a certificate STLS is what it always was: unknown. */
	if (e == NULL || (e->run == cmd_stls && s->opt->tls_cert == NULL))
		return reply_bad(s, "-ERR Unknown command.");
	/* STLS only before USER (RFC 2595 section 4). */
	if (e->run == cmd_stls && s->had_user)
		return reply_bad(s, reply_state);
	allowed = s->state == STATE_TRANSACTION ? e->in_transaction :
	    e->in_authorization;
	if (!allowed) {
		if (e->run == cmd_pass)
			explicit_bzero((char *)c.rest, strlen(c.rest));
		return reply_bad(s, reply_state);
	}
	i = (size_t)s->bad_commands;
	r = e->run(s, &c);
	/* A command that got through resets the run of bad ones. */
	if ((size_t)s->bad_commands == i)
		s->bad_commands = 0;
	return r;
}

static void
session_run(struct session *s)
{
	char line[CMD_LINE_MAX + 1];
	enum io_status st;
	size_t len;

	while (s->state != STATE_DONE) {
		st = io_read_line(line, sizeof(line), &len);
		if (st == IO_TOO_LONG) {
			s->have_user = 0;	/* a reply other than USER's */
			if (reply_bad(s, "-ERR Line too long.") == -1)
				break;
			continue;
		}
		if (st != IO_OK)
			break;
		s->check_holds = s->check_holds_next;
		s->check_holds_next = 0;
		/*
		 * A command the client waited for is checked against the file
		 * as it is now, not against what was read ahead before.
		 */
		if (!s->check_holds && s->state == STATE_TRANSACTION)
			mbox_forget_ahead(&s->mb);
		if (dispatch(s, line, len) == -1)
			break;
		explicit_bzero(line, len);
	}
	explicit_bzero(line, sizeof(line));
	(void)io_flush();
	switch (io_failure()) {
	case IO_OK:
		break;
	case IO_EOF:
		s->ending = END_EOF;
		break;
	case IO_TIMEOUT:
		s->ending = END_TIMEOUT;
		break;
	case IO_DEADLINE:
		s->ending = END_LOGIN_TIMEOUT;
		syslog(LOG_NOTICE, "login timeout: rip=%s: not logged in after "
		    "%d seconds", s->rip, s->opt->login_timeout_sec);
		break;
	case IO_SIGNAL:
		s->ending = END_SIGNAL;
		break;
	default:
		if (s->ending == END_QUIT || s->state != STATE_DONE)
			s->ending = END_ERROR;
		break;
	}
}

/* ---- Process setup ---------------------------------------------------- */

static void
on_signal(int sig)
{
	(void)sig;
	io_signal_received();
}

/*
 * Under inetd fds 0-2 are all the socket.  If any is closed, the next
 * open() would get it, and a stray write could land in the mailbox; and
 * stderr must not be the client, or a library's message becomes a reply.
 */
static int
setup_fds(int debug)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return -1;
	}
	if (!debug) {
		fd = open("/dev/null", O_WRONLY);
		if (fd == -1 || dup2(fd, 2) == -1)
			return -1;
		if (fd != 2)
			(void)close(fd);
	}
	return 0;
}

static int
setup_process(void)
{
	struct sigaction sa;
	struct rlimit rl = { 0, 0 };

	/*
	 * No core files: they would hold passwords and mail.  The limit stops
	 * the kernel's own dumps and the pipe helpers that honour it; not
	 * dumpable, no dump is made at all, even for a core_pattern pipe.
	 */
	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	/* No SA_RESTART: a signal must interrupt poll() and end the wait. */
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGALRM, &sa, NULL) == -1)
		return -1;
	return 0;
}

/* pop3d --recover MAILBOX: finish a crashed update; say what happened. */
static int
recover_main(const char *path)
{
	struct mailbox mb;
	int r;

	r = mbox_recover(&mb, path);
	if (r != MBOX_OK) {
		(void)fprintf(stderr, "pop3d: %s\n", mb.error);
		syslog(LOG_ERR, "recover: %s", mb.error);
		return 1;
	}
	(void)printf("%s: %s\n", path, mb.recovered ?
	    "finished an interrupted update" : "nothing to recover");
	return 0;
}

/*
 * --proxy-protocol: the balancer's header, read before the greeting by
 * the process that parses the client's bytes (the pre-login child, or
 * pop3d run as an ordinary user).  The client's address in it replaces
 * the balancer's in the logs, here and in the monitor, which logs failed
 * logins and starts the session.  A bad or missing header closes the
 * connection without a reply, as the spec asks: a reply would go to the
 * balancer, and nothing is guessed.
 */
static int
session_proxy(struct session *s)
{
	struct proxy_header h;
	const char *why;

	if (s->opt->proxy_mode == PROXY_OFF)
		return 0;
	if (proxy_read(0, s->opt->proxy_mode, PROXY_HEADER_TIMEOUT_SEC, &h,
	    &why) == -1) {
		syslog(LOG_NOTICE, "proxy header refused: rip=%s reason=%s",
		    s->rip, why);
		return -1;
	}
	if (!h.relayed)
		return 0;
	syslog(LOG_INFO, "proxy: rip=%s via=%s tls=%s", h.addr, s->rip,
	    h.tls ? "yes" : "no");
	(void)strlcpy(s->rip, h.addr, sizeof(s->rip));
	s->proxy_tls = h.tls;
	if (s->monitor_fd != -1 &&
	    privsep_client_address(s->monitor_fd, s->rip) == -1)
		return -1;
	return 0;
}

/*
 * Started as root: split (privsep.c) and carry on in whichever child this
 * process becomes.  Returns -1 when the split cannot be made.
 */
static int
start_privsep(struct session *s, const struct options *opt)
{
	struct privsep_config config;
	static struct privsep_result split;

	memset(&config, 0, sizeof(config));
	config.user = opt->privsep_user;
	config.chroot_dir = opt->chroot_dir;
	config.index_dir = opt->index_dir;
	config.mailbox_template = opt->mailbox_template;
	config.auth = &s->auth;
	config.rip = s->rip;
	config.rip_size = sizeof(s->rip);
	config.proxy = opt->proxy_mode != PROXY_OFF;
	config.login_timeout_sec = opt->login_timeout_sec;
	config.timeout_sec = opt->timeout_sec;
	config.tls_chain = s->tls_chain;
	config.tls_key_file = opt->tls_key;
	config.tls_ticket_key_file = opt->tls_ticket_key;
	config.tls_required = opt->tls_cert != NULL && !opt->allow_plaintext_auth;
	if (privsep_start(&config, &split) == -1)
		return -1;
	s->monitor_fd = split.monitor_fd;
	/* The greeting is main()'s, after implicit TLS. */
	if (split.role == PRIVSEP_PRELOGIN) {
		if (session_proxy(s) == -1)
			s->state = STATE_DONE;
		return 0;
	}
	s->index_dir = split.index_dir;
	s->tls_on = split.tls;
	s->tls_info = split.tls_info;
	/* The session: the user now, with the input read ahead. */
	if (setup_process() == -1) {
		syslog(LOG_ERR, "session: %s", strerror(errno));
		return -1;
	}
	io_init(opt->timeout_sec);
	io_give_input(split.input, split.input_len);
	auth_escape_name(split.account.name, s->log_user, sizeof(s->log_user));
	(void)start_transaction(s, &split.account);
	explicit_bzero(&split, sizeof(split));
	return 0;
}

/* TLS cannot be served as configured: no retry helps; exits 1. */
static int
tls_unavailable(const struct options *opt)
{
	if (!opt->implicit_tls)
		(void)reply("-ERR [SYS/PERM] Server unavailable.");
	(void)io_flush();
	return 1;
}

/* The reply of a process that could not set itself up; exits 1. */
static int
server_unavailable(const struct options *opt)
{
	/* Under implicit TLS a plaintext reply would be noise to a client. */
	if (!opt->implicit_tls)
		(void)reply("-ERR [SYS/TEMP] Server unavailable.");
	(void)io_flush();
	return 1;
}

int
main(int argc, char *argv[])
{
	static struct tls_chain chain;
	struct session s;
	struct options opt;

	memset(&s, 0, sizeof(s));
	memset(&opt, 0, sizeof(opt));
	optind = 1;
	if (parse_options(argc, argv, &opt) == -1)
		return 2;
	if (opt.recover != NULL) {
		openlog("pop3d", LOG_PID, LOG_MAIL);
		return recover_main(opt.recover);
	}
	if (setup_fds(opt.debug) == -1)
		return 1;
	openlog("pop3d", LOG_PID | LOG_NDELAY | (opt.debug ? LOG_PERROR : 0),
	    LOG_MAIL);
	/*
	 * The time zone is read now, once: the chrooted pre-login process
	 * could not read it, and would log in UTC, and the session would
	 * read it again for its first log line.
	 */
	tzset();
	s.opt = &opt;
	s.index_dir = opt.index_dir;
	s.state = STATE_AUTHORIZATION;
	s.ending = END_ERROR;
	s.auth.users_file = opt.users_file;
	s.auth.min_uid = opt.min_uid;
	s.monitor_fd = -1;
	s.mb.fd = -1;
	client_address(s.rip, sizeof(s.rip), opt.trust_env_address);
	if (opt.proxy_mode != PROXY_OFF &&
	    !proxy_peer_trusted(0, &opt.proxy_from)) {
		syslog(LOG_NOTICE, "proxy header refused: rip=%s reason=peer "
		    "not in --proxy-from", s.rip);
		return 1;
	}
	io_init(opt.timeout_sec);
	io_set_deadline(opt.login_timeout_sec);
	/*
	 * TLS asked for and not possible: no service at all, never plaintext
	 * in its place.  tls_init() logs why (pop3d, as against pop3d-tls,
	 * has no TLS built in: tls_none.c).
	 */
	if (opt.tls_cert != NULL && tls_init() == -1)
		return tls_unavailable(&opt);
	if (opt.tls_cert != NULL && geteuid() != 0) {
		/* Only the monitor's signer may hold the key: no TLS without. */
		syslog(LOG_ERR, "TLS needs privilege separation: start pop3d "
		    "as root");
		return tls_unavailable(&opt);
	}
	/* The chain is public; the key is read only by the signer. */
	if (opt.tls_cert != NULL) {
		(void)tls_chain_read(opt.tls_cert, &chain);
		s.tls_chain = &chain;
		tls_socket_setup(1);
	}
	if (setup_process() == -1 || auth_init() == -1) {
		syslog(LOG_ERR, "cannot set up the process: %s",
		    strerror(errno));
		return server_unavailable(&opt);
	}
	/* privsep.c has logged what was wrong: errno may be stale here. */
	if (geteuid() == 0 && start_privsep(&s, &opt) == -1) {
		syslog(LOG_ERR, "cannot set up the process");
		return server_unavailable(&opt);
	}
	if (s.monitor_fd == -1 && session_proxy(&s) == -1)
		s.state = STATE_DONE;
	/* RFC 8314: implicit TLS from the first byte, or nothing at all. */
	if (s.state == STATE_AUTHORIZATION && opt.implicit_tls &&
	    (privsep_tls_start(s.monitor_fd, &s.ticket) == -1 ||
	    start_tls(&s, "implicit") == -1))
		return 1;
	if (s.state == STATE_AUTHORIZATION &&
	    reply("+OK POP3 server ready.") == -1)
		s.state = STATE_DONE;
	session_run(&s);
	if (s.ending != END_HANDOVER)
		tls_close();
	io_restore();
	if (s.log_user[0] != '\0' && s.mb.spool.path[0] != '\0')
		syslog(LOG_INFO, "logout: rip=%s user=%s retrieved=%zu "
		    "deleted=%zu left=%zu sent=%llu end=%s", s.rip,
		    s.log_user, retrieved_sent(&s), s.deleted,
		    s.mb.table.count - s.deleted, sent_since_login(&s),
		    ending_name(s.ending));
	if (mbox_save_index(&s.mb) == -1)
		syslog(LOG_WARNING, "rip=%s user=%s: index %s not saved: %s",
		    s.rip, s.log_user, s.mb.index_path, strerror(errno));
	mbox_close(&s.mb);
	closelog();
	return 0;
}
