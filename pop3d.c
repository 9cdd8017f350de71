/*
 * pop3d.c: the POP3 protocol (RFC 1939, 2449, 3206) and the session states.
 *
 * One process serves one connection on fds 0 and 1, as started by inetd,
 * xinetd or systemd (Accept=yes).  Every byte of a command line is
 * untrusted: lines are checked for control and 8-bit bytes before they are
 * parsed, numbers are decimal digits only, and no reply ever echoes client
 * input.  Started as root, this code never runs as root: before login it
 * runs in privsep.c's unprivileged, chrooted pre-login process, after login
 * as the user; the monitor does the few things that need root.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <resolv.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "index.h"
#include "io.h"
#include "mailbox.h"
#include "params.h"
#include "privsep.h"
#include "proxy.h"
#include "sandbox.h"
#include "update.h"
#include "util.h"
#include "tls.h"

#define POP3D_VERSION	"0.1"

enum state {
	STATE_AUTHORIZATION,
	STATE_TRANSACTION,
	STATE_DONE
};

/* How the session ended, for the logout line. */
enum ending {
	END_QUIT,
	END_EOF,
	END_TIMEOUT,
	END_SIGNAL,
	END_ERROR,
	END_UPDATE_FAILED,
	END_AUTH_FAILURES,
	END_BAD_COMMANDS,
	END_HANDOVER,		/* the pre-login process passed the session on */
	END_LOGIN_TIMEOUT	/* not logged in by --login-timeout */
};

struct options {
	const char	*recover;	/* --recover: repair this mailbox, exit */
	const char	*users_file;
	const char	*mailbox_template;
	const char	*privsep_user;
	const char	*chroot_dir;
	const char	*index_dir;	/* NULL: no index */
	const char	*tls_cert;	/* NULL: no TLS */
	const char	*tls_key;
	const char	*tls_priority;
	const char	*tls_ticket_key;	/* NULL: no session tickets */
	int		 implicit_tls;
	int		 allow_plaintext_auth;
	uid_t		 min_uid;
	int		 timeout_sec;
	int		 login_timeout_sec;
	int		 debug;
	int		 trust_env_address;
	enum proxy_mode	 proxy_mode;	/* --proxy-protocol */
	struct proxy_trust proxy_from;	/* --proxy-from */
};

struct session {
	enum state	 state;
	enum ending	 ending;
	const struct options *opt;
	const char	*index_dir;	/* opt's, NULL if the monitor refused it */
	struct auth_config auth;
	char		 user[USER_NAME_MAX + 2];	/* one more: too long */
	int		 have_user;	/* the last reply was USER's +OK */
	int		 had_user;	/* so before this command: PASS may run */
	int		 auth_failures;
	int		 bad_commands;
	char		 rip[64];	/* the client's address, for logs */
	char		 log_user[4 * USER_NAME_MAX + 1];
	int		 monitor_fd;	/* privsep.c's monitor, or -1 */
	const struct tls_chain *tls_chain;	/* read at start, or NULL */
	int		 tls_on;	/* the client talks TLS now */
	int		 tls_refused;	/* the monitor could not start it */
	struct tls_info	 tls_info;	/* for the login line */
	struct tls_ticket_key ticket;	/* from the monitor; for GnuTLS */
	struct mailbox	 mb;
	size_t		 live_count;	/* messages not marked deleted */
	off_t		 live_octets;
	size_t		 retrieved;	/* RETRs answered; see retrieved_sent() */
	unsigned long long sent_at_login;	/* octets before the login reply */
	size_t		 deleted;	/* removed at UPDATE */
	int		 check_holds;	/* pipelined: see cmd_dele() */
	int		 check_holds_next;
	/*
	 * A trusted balancer's PROXY v2 header said it ended TLS
	 * (PP2_TYPE_SSL): for the plaintext-login rule, which is the TLS
	 * code's to apply.
	 */
	int		 proxy_tls;
};

/* A parsed command line: keyword and up to two arguments. */
struct command {
	char		 keyword[5];
	const char	*args[2];
	int		 nargs;		/* 3: too many */
	const char	*rest;		/* everything after "KEYWORD " */
};

static const char reply_syntax[] = "-ERR Syntax error.";
static const char reply_state[] = "-ERR Command not valid in this state.";
static const char reply_no_message[] = "-ERR No such message.";
static const char reply_deleted[] = "-ERR Message is deleted.";
static const char reply_gone[] =
    "-ERR Message was removed from the mailbox since login.";
static const char reply_changed[] =
    "-ERR [SYS/TEMP] Mailbox changed, message unavailable.";
static const char reply_auth_failed[] = "-ERR [AUTH] Authentication failed.";

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

/* ---- Replies ---------------------------------------------------------- */

static int
reply(const char *text)
{
	return io_reply("%s", text);
}

/*
 * A line "N TEXT" of a LIST or UIDL listing, put together by hand: with
 * io_reply's vsnprintf it was most of the cost of listing 100,000
 * messages.
 */
static int
reply_listing(size_t n, const char *text, size_t len)
{
	char line[20 + 1 + UIDL_MAX + 2];
	size_t k;

	if (len >= UIDL_MAX)
		return -1;
	k = format_decimal(line, n);
	line[k++] = ' ';
	memcpy(line + k, text, len);
	k += len;
	line[k++] = '\r';
	line[k++] = '\n';
	return io_write(line, k);
}

/* "+OK N octets", the reply to RETR, put together by hand as above. */
static int
reply_octets(off_t size)
{
	char number[20];

	if (io_write("+OK ", 4) == -1 ||
	    io_write(number, format_decimal(number, (uint64_t)size)) == -1)
		return -1;
	return io_write(" octets\r\n", 9);
}

/* A reply to a command that was wrong, counted towards the limit. */
static int
reply_bad(struct session *s, const char *text)
{
	int limit = s->state == STATE_TRANSACTION ?
	    BAD_COMMANDS_AFTER_LOGIN_MAX : BAD_COMMANDS_BEFORE_LOGIN_MAX;

	if (reply(text) == -1)
		return -1;
	if (++s->bad_commands >= limit) {
		s->ending = END_BAD_COMMANDS;
		s->state = STATE_DONE;
	}
	return 0;
}

static int
reply_mailbox_error(int status, const char *perm, const char *temp)
{
	if (status == MBOX_PERM)
		return reply(perm);
	return reply(temp);
}

/* ---- Parsing ---------------------------------------------------------- */

/*
 * Digits only: no sign, no space, no 0x; overflow is an error, never a
 * wrap (so "LIST 4294967297" is not "LIST 1").
 */
static int
parse_number(const char *s, uint64_t *value_r)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*value_r = v;
	return 0;
}

/*
 * Splits a line into keyword and arguments in place.  Returns 0, or the
 * reply for a line that cannot be a command.  Runs of spaces between
 * arguments and trailing spaces are accepted; a leading space is not.
 */
static const char *
parse_command(char *line, size_t len, struct command *cmd)
{
	size_t i, k;
	char *p, *arg;
	int eight_bit = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f)
			return "-ERR Invalid characters in command.";
		if (c >= 0x80)
			eight_bit = 1;
	}
	memset(cmd, 0, sizeof(*cmd));
	for (k = 0; k < len && line[k] != ' '; k++)
		if (k >= 4 || !((line[k] >= 'A' && line[k] <= 'Z') ||
		    (line[k] >= 'a' && line[k] <= 'z')))
			return "-ERR Unknown command.";
	if (k < 3)
		return "-ERR Unknown command.";
	for (i = 0; i < k; i++)
		cmd->keyword[i] = (char)(line[i] & ~0x20);
	cmd->keyword[k] = '\0';
	cmd->rest = k < len ? line + k + 1 : line + len;
	/* PASS takes the rest of the line as it is: spaces, 8-bit, all. */
	if (strcmp(cmd->keyword, "PASS") == 0)
		return NULL;
	if (eight_bit)
		return "-ERR Invalid characters in command.";
	p = line + k;
	while ((arg = strsep(&p, " ")) != NULL) {
		if (*arg == '\0')
			continue;
		if (cmd->nargs == 2) {
			cmd->nargs = 3;
			break;
		}
		cmd->args[cmd->nargs++] = arg;
	}
	return NULL;
}

/* Resolves a message-number argument; NULL and *i_r, or the reply. */
static const char *
message_arg(struct session *s, const char *arg, size_t *i_r)
{
	uint64_t n;

	if (parse_number(arg, &n) == -1)
		return reply_syntax;
	if (n == 0 || n > s->mb.table.count)
		return reply_no_message;
	if (s->mb.table.msgs[n - 1].flags & MSG_DELETED)
		return reply_deleted;
	if (msg_gone(&s->mb, (size_t)(n - 1)))
		return reply_gone;
	*i_r = (size_t)(n - 1);
	return NULL;
}

/* ---- Sending messages ------------------------------------------------- */

/*
 * Where send_message() puts lines: straight into io.c's output buffer.  A
 * call into io.c per line was a fifth of a download's instructions
 * (callgrind, RETR of 100,000 small messages); io_write() is left for the
 * rare line that does not fit what is free.
 */
struct out_cursor {
	char	*start, *at;
	size_t	 room;
};

static int
cursor_open(struct out_cursor *c)
{
	c->start = c->at = io_space(&c->room);
	return c->start == NULL ? -1 : 0;
}

/* Hands what was copied to io.c; reopen before putting more. */
static void
cursor_close(struct out_cursor *c)
{
	io_commit((size_t)(c->at - c->start));
	c->start = c->at;
	c->room = 0;
}

/* A piece of a line: a stuffing dot, the octets, and CRLF if it ends. */
static int
cursor_put(struct out_cursor *c, int dot, const unsigned char *p, size_t len,
    int crlf)
{
	size_t need = (size_t)(dot != 0) + len + (crlf ? 2 : 0);

	if (need > c->room) {
		cursor_close(c);
		if ((dot && io_write(".", 1) == -1) || io_write(p, len) == -1 ||
		    (crlf && io_write("\r\n", 2) == -1))
			return -1;
		return cursor_open(c);
	}
	if (dot)
		*c->at++ = '.';
	memcpy(c->at, p, len);
	c->at += len;
	if (crlf) {
		c->at[0] = '\r';
		c->at[1] = '\n';
		c->at += 2;
	}
	c->room -= need;
	return 0;
}

/*
 * Streams message i as RFC 1939 section 3 wants it: every line ending in
 * CRLF (a stored CRLF stays one CRLF; a bare CR passes), a leading '.'
 * doubled, a CRLF added if the message does not end in one.  For TOP,
 * max_body_lines limits the lines after the header's empty line.  The
 * octets used are handed to mailbox.c's digest as they go; *pos_r is
 * where they end.
 */
static int
send_message(struct session *s, size_t i, int top, uint64_t max_body_lines,
    off_t *pos_r)
{
	const unsigned char *buf;
	off_t pos = msg_from(&s->mb, i) + (off_t)s->mb.table.msgs[i].from_len;
	off_t end = msg_end(&s->mb, i);
	const unsigned char *p, *q, *lf;
	struct out_cursor out;
	size_t n, len;
	int line_start = 1, in_body = !top, header_end_line = 0, dot = 0;
	int enough = 0;
	uint64_t body_lines = 0;

	*pos_r = pos;
	if (msg_send_start(&s->mb, i) != MBOX_OK || cursor_open(&out) == -1)
		return -1;
	while (pos < end && !enough) {
		n = end - pos < MBOX_WINDOW_BYTES ? (size_t)(end - pos) :
		    MBOX_WINDOW_BYTES;
		if ((buf = mbox_bytes(&s->mb, pos, n)) == NULL) {
			cursor_close(&out);
			return -1;
		}
		p = buf;
		q = buf + n;
		while (p < q) {
			if (line_start) {
				if (top && in_body &&
				    body_lines >= max_body_lines) {
					enough = 1;
					break;
				}
				/* "\r" at the window's end: read on first. */
				if (*p == '\r' && q - p == 1 && pos + 1 < end)
					break;
				if (!in_body && (*p == '\n' ||
				    (*p == '\r' && q - p > 1 && p[1] == '\n')))
					header_end_line = 1;
				if (in_body)
					body_lines++;
				dot = *p == '.';
				line_start = 0;
			}
			lf = memchr(p, '\n', (size_t)(q - p));
			len = (size_t)((lf != NULL ? lf : q) - p);
			if (lf == NULL && len > 0 && p[len - 1] == '\r' &&
			    pos + (off_t)(q - buf) < end) {
				/* Maybe the CR of a CRLF: send it with the LF. */
				len--;
				q = p + len;
			}
			if (lf != NULL && len > 0 && p[len - 1] == '\r')
				len--;
			if (cursor_put(&out, dot, p, len, lf != NULL) == -1)
				return -1;
			dot = 0;
			if (lf == NULL) {
				p = q;
				continue;
			}
			p = lf + 1;
			line_start = 1;
			if (header_end_line)
				in_body = 1;
		}
		msg_send_feed(&s->mb, buf, (size_t)(p - buf));
		pos += (off_t)(p - buf);
		*pos_r = pos;
	}
	cursor_close(&out);
	if (!line_start && io_write("\r\n", 2) == -1)
		return -1;
	return 0;
}

/* ---- Commands --------------------------------------------------------- */

/*
 * With a certificate and without --allow-plaintext-auth, no password may
 * cross before TLS: USER and AUTH are refused, and not listed.
 */
static int
plaintext_refused(const struct session *s)
{
	return s->opt->tls_cert != NULL && !s->tls_on &&
	    !s->opt->allow_plaintext_auth;
}

static int
cmd_capa(struct session *s, struct command *c)
{
	int login = !plaintext_refused(s);
	int stls = s->opt->tls_cert != NULL && !s->tls_on &&
	    s->state == STATE_AUTHORIZATION;

	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	/*
	 * RFC 2449 section 5 lets the list change with the state; it changes
	 * only with TLS: STLS until TLS is on, logins once they are allowed.
	 */
	if (reply("+OK Capability list follows.\r\nTOP\r\nUIDL") == -1 ||
	    (login && reply("USER\r\nSASL PLAIN") == -1) ||
	    (stls && reply("STLS") == -1))
		return -1;
	return reply("RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n.");
}

static int
cmd_quit(struct session *s, struct command *c)
{
	size_t deleted;
	int r;

	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	if (s->state == STATE_AUTHORIZATION) {
		s->state = STATE_DONE;
		s->ending = END_QUIT;
		return reply("+OK Bye.");
	}
	/* RFC 1939 section 6: UPDATE happens here and nowhere else. */
	s->state = STATE_DONE;
	r = mbox_update(&s->mb, &deleted);
	if (r != MBOX_OK) {
		syslog(LOG_ERR, "update failed: rip=%s user=%s: %s", s->rip,
		    s->log_user, s->mb.error);
		s->ending = END_UPDATE_FAILED;
		return reply_mailbox_error(r, "-ERR [SYS/PERM] Deleted "
		    "messages not removed, contact your administrator.",
		    "-ERR [SYS/TEMP] Deleted messages not removed, try again "
		    "later.");
	}
	s->deleted = deleted;
	s->ending = END_QUIT;
	return reply("+OK Bye.");
}

static const char reply_tls_required[] = "-ERR [AUTH] TLS is required: send "
    "STLS first.";

static int
cmd_user(struct session *s, struct command *c)
{
	if (plaintext_refused(s))
		return reply_bad(s, reply_tls_required);
	if (s->had_user)
		return reply_bad(s, reply_state);
	if (c->nargs != 1)
		return reply_bad(s, reply_syntax);
	/* The same answer for every name: no account enumeration. */
	(void)strlcpy(s->user, c->args[0], sizeof(s->user));
	s->have_user = 1;
	return reply("+OK Send your password.");
}

static void
count_live(struct session *s)
{
	size_t i;

	s->live_count = 0;
	s->live_octets = 0;
	for (i = 0; i < s->mb.table.count; i++) {
		if (s->mb.table.msgs[i].flags & MSG_DELETED)
			continue;
		s->live_count++;
		s->live_octets += s->mb.table.msgs[i].wire_size;
	}
}

static const char *
index_use_name(enum mbox_index use)
{
	switch (use) {
	case MBOX_INDEX_OFF:
		return "off";
	case MBOX_INDEX_MISS:
		return "miss";
	case MBOX_INDEX_PARTIAL:
		return "partial";
	case MBOX_INDEX_HIT:
		return "hit";
	}
	return "?";
}

/*
 * The user's index (index.c), or NULL to go without: the directory is
 * made here when pop3d runs as the user, by the monitor under privsep.
 */
static const char *
session_index_path(const struct session *s, char *out, size_t size)
{
	if (s->index_dir == NULL ||
	    index_prepare_dir(s->index_dir, getuid(), getgid()) == -1 ||
	    index_path_for(s->index_dir, getuid(), out, size) == -1)
		return NULL;
	return out;
}

/* The login cannot go on for a reason only the administrator can fix. */
static int
session_unavailable(struct session *s, const char *reason)
{
	syslog(LOG_ERR, "rip=%s user=%s: %s", s->rip, s->log_user, reason);
	s->state = STATE_DONE;
	s->ending = END_ERROR;
	return reply("-ERR [SYS/PERM] Mailbox unavailable, contact your "
	    "administrator.");
}

/* After a good password: become the user, then open the maildrop. */
static int
start_transaction(struct session *s, const struct account *a)
{
	char path[MAILBOX_PATH_MAX], index[MAILBOX_PATH_MAX + 64];
	const char *reason;
	int r;

	s->sent_at_login = io_bytes_queued();
	io_set_deadline(0);	/* logged in: -t alone from now on */
	if (auth_become_user(a, &reason) == -1)
		return session_unavailable(s, reason);
	/* Under privilege separation, the session's limits too (sandbox.c). */
	if (s->monitor_fd != -1 && sandbox_session() == -1)
		return session_unavailable(s, "cannot set the session's limits "
		    "and system call filter");
	if (mbox_path_expand(s->opt->mailbox_template, a->name, a->home, path,
	    sizeof(path)) == -1) {
		syslog(LOG_ERR, "rip=%s user=%s: cannot expand mailbox "
		    "template %s (too long, or a name with a slash, a leading "
		    "dot or a .lock end)", s->rip, s->log_user,
		    s->opt->mailbox_template);
		s->state = STATE_DONE;
		s->ending = END_ERROR;
		return reply("-ERR [SYS/PERM] Mailbox unavailable, contact "
		    "your administrator.");
	}
	r = mbox_open(&s->mb, path, getuid(), s->monitor_fd != -1 ?
	    &privsep_spool : &lock_local_spool, s->monitor_fd,
	    session_index_path(s, index, sizeof(index)));
	if (r != MBOX_OK) {
		syslog(LOG_ERR, "rip=%s user=%s: %s", s->rip, s->log_user,
		    s->mb.error);
		/* The process is the user now: no second login here. */
		s->state = STATE_DONE;
		s->ending = END_ERROR;
		if (r == MBOX_IN_USE)
			return reply("-ERR [IN-USE] Mailbox is locked, try "
			    "again later.");
		return reply_mailbox_error(r, "-ERR [SYS/PERM] Mailbox "
		    "unavailable, contact your administrator.",
		    "-ERR [SYS/TEMP] Mailbox temporarily unavailable, try "
		    "again later.");
	}
	count_live(s);
	if (s->mb.capped)
		syslog(LOG_WARNING, "rip=%s user=%s: mailbox %s is over the "
		    "limit of %d messages or %lld octets: serving the first %zu "
		    "messages (%lld of %lld octets)", s->rip, s->log_user,
		    s->mb.spool.path, MBOX_MESSAGES_MAX, (long long)MBOX_BYTES_MAX,
		    s->mb.table.count, (long long)s->mb.table.end,
		    (long long)s->mb.st.st_size);
	s->state = STATE_TRANSACTION;
	s->bad_commands = 0;
	syslog(LOG_INFO, "login: rip=%s user=%s messages=%zu octets=%lld "
	    "index=%s %s", s->rip, s->log_user, s->live_count,
	    (long long)s->live_octets, index_use_name(s->mb.index_use),
	    s->tls_on ? s->tls_info.text : "tls=none");
	return io_reply("+OK Logged in, %zu messages (%lld octets).",
	    s->live_count, (long long)s->live_octets);
}

/*
 * A login that failed, for whatever reason: the third one (or the monitor
 * saying it was the last) ends the connection.
 */
static int
auth_failed(struct session *s, const char *text, int last)
{
	if (++s->auth_failures >= AUTH_FAILURES_MAX || last) {
		s->state = STATE_DONE;
		s->ending = END_AUTH_FAILURES;
	}
	return reply(text);
}

/* The pre-login process is done: the session continues as the user. */
static int
hand_over(struct session *s)
{
	char input[IN_BUFFER_BYTES];
	size_t len;

	int plain_fd;

	if (io_flush() == -1)
		return -1;
	len = io_take_input(input, sizeof(input));
	if (!s->tls_on) {
		if (privsep_handover(s->monitor_fd, input, len) == -1)
			return -1;
	} else {
		/* This process keeps the TLS session: it relays until the end. */
		if (privsep_handover_tls(s->monitor_fd, input, len,
		    &plain_fd) == -1)
			return -1;
		(void)tls_relay(plain_fd, s->opt->timeout_sec);
		(void)close(plain_fd);
	}
	explicit_bzero(input, sizeof(input));
	s->state = STATE_DONE;
	s->ending = END_HANDOVER;
	return 0;
}

/*
 * Checks s->user's password (the monitor does, under privsep) and either
 * starts the session or counts the failure.  The password is wiped.
 */
static int
login(struct session *s, char *password)
{
	struct account account;
	int r;

	auth_escape_name(s->user, s->log_user, sizeof(s->log_user));
	if (s->monitor_fd == -1) {
		r = auth_login(&s->auth, s->rip, s->user, password, &account);
		if (r == 0)
			return start_transaction(s, &account);
	} else {
		r = privsep_login(s->monitor_fd, s->user, password);
		if (r == 0)
			return hand_over(s);
		if (r == -3) {
			s->state = STATE_DONE;
			s->ending = END_ERROR;
			return reply("-ERR [SYS/TEMP] Server unavailable.");
		}
	}
	/* The monitor counts too, and stops answering past the limit. */
	return auth_failed(s, reply_auth_failed, r == -2);
}

static int
cmd_pass(struct session *s, struct command *c)
{
	char *password = (char *)c->rest;

	if (!s->had_user) {
		explicit_bzero(password, strlen(password));
		return reply_bad(s, reply_state);
	}
	return login(s, password);
}

static int
printable_name(const char *name)
{
	for (; *name != '\0'; name++)
		if (*name <= 0x20 || *name >= 0x7f)
			return 0;
	return 1;
}

/*
 * Decodes a SASL PLAIN response (RFC 4616: authzid NUL authcid NUL passwd)
 * into s->user and password_r.  The base64 decoder is libresolv's
 * b64_pton(), which refuses bad padding and stray bits; it would skip
 * white space, so only the base64 alphabet is let through to it.
 */
static int
sasl_plain_decode(struct session *s, const char *b64, char *password_r,
    size_t size)
{
	unsigned char buf[CMD_LINE_MAX];
	const char *authzid, *authcid, *end;
	size_t zl, cl, pl;
	int n, r = -1;

	if (strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != strlen(b64))
		return -1;
	n = b64_pton(b64, buf, sizeof(buf) - 1);
	if (n <= 0)
		goto out;
	buf[n] = '\0';
	end = (const char *)buf + n;
	authzid = (const char *)buf;
	zl = strlen(authzid);
	if (authzid + zl == end)
		goto out;
	authcid = authzid + zl + 1;
	cl = strlen(authcid);
	/* The names USER accepts: printable ASCII, no space. */
	if (authcid + cl == end || cl == 0 || !printable_name(authcid))
		goto out;
	pl = (size_t)(end - (authcid + cl + 1));
	/* A NUL inside the password, or no room for it. */
	if (strlen(authcid + cl + 1) != pl || pl == 0 || pl >= size)
		goto out;
	/* RFC 4616 section 2: acting as another user is not offered. */
	if (zl != 0 && strcmp(authzid, authcid) != 0)
		goto out;
	(void)strlcpy(s->user, authcid, sizeof(s->user));
	memcpy(password_r, authcid + cl + 1, pl + 1);
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return r;
}

/*
 * AUTH (RFC 5034) with the one mechanism, PLAIN (RFC 4616): the response
 * is the command's second argument or, without one, the line after a "+ "
 * continuation; "*" cancels.  The password is checked exactly as PASS's.
 */
static int
cmd_auth(struct session *s, struct command *c)
{
	char line[CMD_LINE_MAX + 1], password[CMD_LINE_MAX];
	const char *response;
	enum io_status st;
	size_t len = 0;
	int r;

	if (plaintext_refused(s))
		return reply_bad(s, reply_tls_required);
	/* RFC 1734 clients send a bare AUTH to learn the mechanisms. */
	if (c->nargs == 0)
		return reply("+OK Mechanisms follow.\r\nPLAIN\r\n.");
	if (c->nargs > 2)
		return reply_bad(s, reply_syntax);
	if (strcasecmp(c->args[0], "PLAIN") != 0)
		return reply_bad(s, "-ERR Unsupported authentication "
		    "mechanism.");
	if (c->nargs == 2) {
		/* RFC 5034 section 4: "=" is an empty initial response. */
		response = strcmp(c->args[1], "=") == 0 ? "" : c->args[1];
	} else {
		if (io_reply("+ ") == -1)
			return -1;
		st = io_read_line(line, sizeof(line), &len);
		if (st != IO_OK && st != IO_TOO_LONG)
			return -1;
		if (st == IO_TOO_LONG) {
			line[0] = '\0';
			len = 0;
		}
		response = line;
		if (strcmp(response, "*") == 0) {
			explicit_bzero(line, len);
			return reply_bad(s, "-ERR Authentication cancelled.");
		}
	}
	r = sasl_plain_decode(s, response, password, sizeof(password));
	explicit_bzero(line, len);
	if (r == -1)
		return auth_failed(s, "-ERR [AUTH] Invalid PLAIN response.", 0);
	r = login(s, password);
	explicit_bzero(password, sizeof(password));
	return r;
}

/*
 * TLS on the connection (for STLS, or from the first byte for implicit
 * TLS): the monitor's signer checks the key, the handshake runs, and only
 * then may a password cross.  -1 when the connection must close.
 */
static int
start_tls(struct session *s, const char *mode)
{
	char error[256];

	int r;

	r = tls_server_start(s->tls_chain, s->opt->tls_priority, &s->ticket,
	    privsep_tls_sign, s->monitor_fd, s->opt->timeout_sec, mode,
	    &s->tls_info, error, sizeof(error));
	/* GnuTLS has its own copy of the ticket key. */
	explicit_bzero(&s->ticket, sizeof(s->ticket));
	if (r == -1) {
		syslog(LOG_NOTICE, "rip=%s: TLS (%s): %s: closing", s->rip,
		    mode, error);
		return -1;
	}
	if (privsep_tls_done(s->monitor_fd, &s->tls_info) == -1)
		return -1;
	s->tls_on = 1;
	return 0;
}

/* STLS (RFC 2595 section 4). */
static int
cmd_stls(struct session *s, struct command *c)
{
	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	if (s->tls_on)
		return reply_bad(s, reply_state);
	/* The monitor starts a signer once per connection, and said why not. */
	if (s->tls_refused ||
	    privsep_tls_start(s->monitor_fd, &s->ticket) == -1) {
		s->tls_refused = 1;
		return reply("-ERR [SYS/PERM] TLS unavailable, contact your "
		    "administrator.");
	}
	if (reply("+OK Begin TLS negotiation.") == -1 || io_flush() == -1)
		return -1;
	/* Sent behind STLS in plaintext: never a command (CVE-2011-0411). */
	io_discard_input();
	if (start_tls(s, "stls") == -1) {
		s->state = STATE_DONE;
		s->ending = END_ERROR;
		return -1;
	}
	/* RFC 2595 section 4: nothing learned before TLS is kept. */
	s->have_user = 0;
	explicit_bzero(s->user, sizeof(s->user));
	s->bad_commands = 0;
	return 0;
}

static int
cmd_stat(struct session *s, struct command *c)
{
	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	return io_reply("+OK %zu %lld", s->live_count,
	    (long long)s->live_octets);
}

static int
cmd_list(struct session *s, struct command *c)
{
	char size[20];
	const char *err;
	size_t i, len;

	if (c->nargs > 1)
		return reply_bad(s, reply_syntax);
	if (c->nargs == 1) {
		if ((err = message_arg(s, c->args[0], &i)) != NULL)
			return reply_bad(s, err);
		return io_reply("+OK %zu %lld", i + 1,
		    (long long)s->mb.table.msgs[i].wire_size);
	}
	if (io_reply("+OK %zu messages (%lld octets)", s->live_count,
	    (long long)s->live_octets) == -1)
		return -1;
	for (i = 0; i < s->mb.table.count; i++) {
		if ((s->mb.table.msgs[i].flags & MSG_DELETED) || msg_gone(&s->mb, i))
			continue;
		len = format_decimal(size, (uint64_t)s->mb.table.msgs[i].wire_size);
		if (reply_listing(i + 1, size, len) == -1)
			return -1;
	}
	return reply(".");
}

static int
cmd_uidl(struct session *s, struct command *c)
{
	char uidl[UIDL_MAX];
	const char *err;
	size_t i, len;
	int r;

	if (c->nargs > 1)
		return reply_bad(s, reply_syntax);
	if (c->nargs == 1 && (err = message_arg(s, c->args[0], &i)) != NULL)
		return reply_bad(s, err);
	r = mbox_compute_uidls(&s->mb);
	if (r != MBOX_OK) {
		syslog(LOG_WARNING, "rip=%s user=%s: %s", s->rip, s->log_user,
		    s->mb.error);
		return reply(reply_changed);
	}
	if (c->nargs == 1) {
		if (msg_gone(&s->mb, i))
			return reply(reply_gone);
		msg_uidl(&s->mb, i, uidl);
		return io_reply("+OK %zu %s", i + 1, uidl);
	}
	if (reply("+OK Unique-ID listing follows.") == -1)
		return -1;
	for (i = 0; i < s->mb.table.count; i++) {
		if ((s->mb.table.msgs[i].flags & MSG_DELETED) || msg_gone(&s->mb, i))
			continue;
		len = msg_uidl(&s->mb, i, uidl);
		if (reply_listing(i + 1, uidl, len) == -1)
			return -1;
	}
	return reply(".");
}

/*
 * Before a message is served or marked: where it is now (mailbox.c finds
 * a message another session moved by its octets).  Returns NULL, or the
 * reply for a message that is gone or cannot be had.
 */
static const char *
locate(struct session *s, size_t i)
{
	switch (msg_locate(&s->mb, i)) {
	case MBOX_OK:
		return NULL;
	case MBOX_GONE:
		return reply_gone;
	default:
		syslog(LOG_WARNING, "rip=%s user=%s: %s", s->rip, s->log_user,
		    s->mb.error);
		return reply_changed;
	}
}

/*
 * Where the reply of each of the last RETRs ended in the output, for the
 * logout line: a RETR counts as retrieved once its reply was written.  The
 * replies not yet written are in the output buffer, which holds at most
 * this many of the shortest ("+OK 0 octets", ".").
 */
#define RETR_ENDS_MAX	(OUT_BUFFER_BYTES / 17 + 1)
static unsigned long long retr_ends[RETR_ENDS_MAX];

static void
retrieved_one(struct session *s)
{
	retr_ends[s->retrieved % RETR_ENDS_MAX] = io_bytes_queued();
	s->retrieved++;
}

/* The RETRs whose whole reply was written to the connection. */
static size_t
retrieved_sent(const struct session *s)
{
	unsigned long long sent = io_bytes_written();
	size_t n = s->retrieved;

	while (n > 0 && s->retrieved - n < RETR_ENDS_MAX &&
	    retr_ends[(n - 1) % RETR_ENDS_MAX] > sent)
		n--;
	return n;
}

/*
 * Octets written from the login's reply on: without privilege separation
 * the greeting and the USER reply were this process's too.
 */
static unsigned long long
sent_since_login(const struct session *s)
{
	unsigned long long sent = io_bytes_written();

	return sent > s->sent_at_login ? sent - s->sent_at_login : 0;
}

/* RETR n, and TOP n lines. */
static int
retrieve(struct session *s, size_t i, int top, uint64_t lines)
{
	const char *err;
	off_t pos;

	if ((err = locate(s, i)) != NULL)
		return reply(err);
	if (top) {
		if (reply("+OK Top of message follows.") == -1)
			return -1;
	} else if (reply_octets(s->mb.table.msgs[i].wire_size) == -1)
		return -1;
	/*
	 * Nothing is locked while a message is sent: if another program or
	 * session moved it meanwhile, the client may have been sent a mix.
	 * What was sent is hashed and compared with the message's digest
	 * (its unsent rest read for it); mid-message there is no way to say
	 * it differs but to hang up before the final ".", so that no client
	 * keeps it.
	 */
	if (send_message(s, i, top, lines, &pos) == -1 ||
	    msg_send_finish(&s->mb, i, pos) != MBOX_OK) {
		if (io_failure() == IO_OK)
			syslog(LOG_ERR, "rip=%s user=%s: mailbox %s: message "
			    "%zu changed or unreadable while it was sent: "
			    "hanging up", s->rip, s->log_user, s->mb.spool.path,
			    i + 1);
		s->state = STATE_DONE;
		s->ending = END_ERROR;
		return -1;
	}
	if (io_write(".\r\n", 3) == -1)
		return -1;
	if (!top)
		retrieved_one(s);
	s->check_holds_next = io_line_waiting();
	return 0;
}

static int
cmd_retr(struct session *s, struct command *c)
{
	const char *err;
	size_t i;

	if (c->nargs != 1)
		return reply_bad(s, reply_syntax);
	if ((err = message_arg(s, c->args[0], &i)) != NULL)
		return reply_bad(s, err);
	return retrieve(s, i, 0, 0);
}

static int
cmd_top(struct session *s, struct command *c)
{
	const char *err;
	uint64_t lines;
	size_t i;
	const char *p;

	if (c->nargs != 2)
		return reply_bad(s, reply_syntax);
	if ((err = message_arg(s, c->args[0], &i)) != NULL)
		return reply_bad(s, err);
	/* RFC 1939 section 7: more lines than there are sends them all. */
	for (p = c->args[1]; *p >= '0' && *p <= '9'; p++)
		;
	if (*p != '\0' || p == c->args[1])
		return reply_bad(s, reply_syntax);
	if (parse_number(c->args[1], &lines) == -1)
		lines = UINT64_MAX;
	return retrieve(s, i, 1, lines);
}

static int
cmd_dele(struct session *s, struct command *c)
{
	const char *err;
	size_t i;
	int r;

	if (c->nargs != 1)
		return reply_bad(s, reply_syntax);
	if ((err = message_arg(s, c->args[0], &i)) != NULL)
		return reply_bad(s, err);
	if (s->mb.read_only)
		return reply("-ERR [SYS/PERM] Mailbox is read-only.");
	/*
	 * The check is skipped for a command that was already waiting
	 * (pipelined) when the previous RETR, TOP or DELE ended: sparing it
	 * is a fifth of a pipelined download of small messages, and the
	 * update finds what DELE marked by its octets in any case.
	 */
	if (!s->check_holds && (err = locate(s, i)) != NULL)
		return reply(err);
	r = msg_mark_deleted(&s->mb, i);
	if (r != MBOX_OK) {
		syslog(LOG_WARNING, "rip=%s user=%s: %s", s->rip, s->log_user,
		    s->mb.error);
		return reply(reply_changed);
	}
	s->live_count--;
	s->live_octets -= s->mb.table.msgs[i].wire_size;
	s->check_holds_next = io_line_waiting();
	return reply("+OK Message deleted.");
}

static int
cmd_noop(struct session *s, struct command *c)
{
	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	return reply("+OK Nothing to do.");
}

static int
cmd_rset(struct session *s, struct command *c)
{
	size_t i;

	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	for (i = 0; i < s->mb.table.count; i++)
		s->mb.table.msgs[i].flags &= ~(uint32_t)MSG_DELETED;
	count_live(s);
	return reply("+OK Deletion marks removed.");
}

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

static void
usage(FILE *fp)
{
	(void)fprintf(fp, "usage: pop3d [-d] [-f users-file] [-m mailbox-template] "
	    "[-t seconds]\n"
	    "             [--login-timeout=seconds] [--privsep-user=user]\n"
	    "             [--chroot=dir] [--min-uid=uid]\n"
	    "             [--trust-env-address] [--index-dir=dir|none]\n"
	    "             [--proxy-protocol=v1|v2|any --proxy-from=net[,net...]]\n"
	    "             [--tls-cert=file --tls-key=file [--implicit-tls]\n"
	    "             [--allow-plaintext-auth] [--tls-priority=string]\n"
	    "             [--tls-ticket-key=file]]\n"
	    "       pop3d --recover mailbox\n");
}

/*
 * A header from anyone would let any client choose the address in the
 * logs (and dodge fail2ban), so --proxy-protocol needs --proxy-from, and
 * the two address sources exclude each other.
 */
static int
check_proxy_options(const struct options *opt)
{
	if ((opt->proxy_mode != PROXY_OFF) != (opt->proxy_from.count != 0)) {
		(void)fprintf(stderr, "pop3d: --proxy-protocol and "
		    "--proxy-from go together\n");
		return -1;
	}
	if (opt->proxy_mode != PROXY_OFF && opt->trust_env_address) {
		(void)fprintf(stderr, "pop3d: --proxy-protocol and "
		    "--trust-env-address exclude each other\n");
		return -1;
	}
	return 0;
}

static int
parse_options(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "users", required_argument, NULL, 'f' },
		{ "mailbox", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "recover", required_argument, NULL, 'R' },
		{ "privsep-user", required_argument, NULL, 'U' },
		{ "chroot", required_argument, NULL, 'C' },
		{ "min-uid", required_argument, NULL, 'M' },
		{ "trust-env-address", no_argument, NULL, 'E' },
		{ "index-dir", required_argument, NULL, 'I' },
		{ "proxy-protocol", required_argument, NULL, 'P' },
		{ "proxy-from", required_argument, NULL, 'F' },
		{ "login-timeout", required_argument, NULL, 'L' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "tls-priority", required_argument, NULL, 'p' },
		{ "implicit-tls", no_argument, NULL, 'i' },
		{ "allow-plaintext-auth", no_argument, NULL, 'a' },
		{ "tls-ticket-key", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int ch;

	opt->mailbox_template = "/var/mail/%u";
	opt->timeout_sec = IDLE_TIMEOUT_SEC_DEFAULT;
	opt->login_timeout_sec = LOGIN_TIMEOUT_SEC_DEFAULT;
	opt->chroot_dir = PRIVSEP_CHROOT_DIR;
	opt->index_dir = INDEX_DIR_DEFAULT;
	opt->min_uid = MIN_UID_DEFAULT;
	opt->tls_priority = TLS_PRIORITY_DEFAULT;
	while ((ch = getopt_long(argc, argv, "df:m:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			opt->debug = 1;
			break;
		case 'f':
			opt->users_file = optarg;
			break;
		case 'm':
			opt->mailbox_template = optarg;
			break;
		case 't':
			if (parse_number(optarg, &v) == -1 || v == 0 ||
			    v > 86400) {
				(void)fprintf(stderr, "pop3d: timeout must be "
				    "1 to 86400 seconds\n");
				return -1;
			}
			opt->timeout_sec = (int)v;
			break;
		case 'L':
			if (parse_number(optarg, &v) == -1 || v == 0 ||
			    v > 3600) {
				(void)fprintf(stderr, "pop3d: login timeout must "
				    "be 1 to 3600 seconds\n");
				return -1;
			}
			opt->login_timeout_sec = (int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			(void)printf("pop3d %s\n", POP3D_VERSION);
			exit(0);
		case 'R':
			opt->recover = optarg;
			break;
		case 'U':
			opt->privsep_user = optarg;
			break;
		case 'C':
			opt->chroot_dir = optarg;
			break;
		case 'M':
			if (parse_number(optarg, &v) == -1 || v == 0 ||
			    v > 0xfffffffeULL) {
				(void)fprintf(stderr, "pop3d: bad --min-uid\n");
				return -1;
			}
			opt->min_uid = (uid_t)v;
			break;
		case 'E':
			opt->trust_env_address = 1;
			break;
		case 'I':
			if (optarg[0] != '/' && strcmp(optarg, "none") != 0) {
				(void)fprintf(stderr, "pop3d: --index-dir must "
				    "be an absolute path or none\n");
				return -1;
			}
			opt->index_dir = strcmp(optarg, "none") == 0 ? NULL :
			    optarg;
			break;
		case 'P':
			if (proxy_parse_mode(optarg, &opt->proxy_mode) == -1) {
				(void)fprintf(stderr, "pop3d: --proxy-protocol "
				    "must be v1, v2 or any\n");
				return -1;
			}
			break;
		case 'F':
			if (proxy_parse_trust(optarg, &opt->proxy_from) == -1) {
				(void)fprintf(stderr, "pop3d: bad --proxy-from "
				    "(at most %d networks ADDRESS[/BITS], no "
				    "bits set after the prefix)\n",
				    PROXY_FROM_MAX);
				return -1;
			}
			break;
		case 'c':
			opt->tls_cert = optarg;
			break;
		case 'k':
			opt->tls_key = optarg;
			break;
		case 'p':
			opt->tls_priority = optarg;
			break;
		case 'i':
			opt->implicit_tls = 1;
			break;
		case 'a':
			opt->allow_plaintext_auth = 1;
			break;
		case 'T':
			opt->tls_ticket_key = optarg;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if ((opt->tls_cert == NULL) != (opt->tls_key == NULL) ||
	    ((opt->implicit_tls || opt->tls_ticket_key != NULL) &&
	    opt->tls_cert == NULL)) {
		(void)fprintf(stderr, "pop3d: TLS needs both --tls-cert and "
		    "--tls-key\n");
		return -1;
	}
	return check_proxy_options(opt);
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
	if (opt.tls_cert != NULL && geteuid() != 0) {
		/* Only the monitor's signer may hold the key: no TLS without. */
		syslog(LOG_ERR, "TLS needs privilege separation: start pop3d "
		    "as root");
		if (!opt.implicit_tls)
			(void)reply("-ERR [SYS/PERM] Server unavailable.");
		(void)io_flush();
		return 1;
	}
	/* The chain is public; the key is read only by the signer. */
	if (opt.tls_cert != NULL) {
		if (tls_init() == -1) {
			syslog(LOG_ERR, "cannot set up GnuTLS");
			return server_unavailable(&opt);
		}
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
