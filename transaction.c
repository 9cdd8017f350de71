/*
 * transaction.c: the TRANSACTION state (RFC 1939 section 5) and UPDATE
 * (section 6): opening the user's maildrop after the login, STAT, LIST,
 * UIDL, RETR, TOP, DELE, NOOP, RSET, and QUIT, which removes what DELE
 * marked.
 *
 * Runs as the logged-in user, never as root.  Trusts mailbox.c's table
 * for the messages, but not that the file still holds them: a message is
 * located again before it is served or marked, and what RETR sent is
 * checked against the message's digest.  Message numbers from the client
 * are parsed strictly.  It must not change the mailbox anywhere but in
 * QUIT's update, nor send a message's bytes but through send.c.
 */
#include <sys/types.h>

#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "auth.h"
#include "index.h"
#include "io.h"
#include "lock.h"
#include "mailbox.h"
#include "params.h"
#include "privsep_child.h"
#include "sandbox.h"
#include "send.h"
#include "session.h"
#include "transaction.h"
#include "update.h"
#include "util.h"

static const char reply_no_message[] = "-ERR No such message.";
static const char reply_deleted[] = "-ERR Message is deleted.";
static const char reply_gone[] =
    "-ERR Message was removed from the mailbox since login.";
static const char reply_changed[] =
    "-ERR [SYS/TEMP] Mailbox changed, message unavailable.";

/* ---- Replies ---------------------------------------------------------- */

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

static int
reply_mailbox_error(int status, const char *perm, const char *temp)
{
	if (status == MBOX_PERM)
		return reply(perm);
	return reply(temp);
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

/* ---- Entering the state ----------------------------------------------- */

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
int
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

/* ---- Commands --------------------------------------------------------- */

int
cmd_stat(struct session *s, struct command *c)
{
	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	return io_reply("+OK %zu %lld", s->live_count,
	    (long long)s->live_octets);
}

int
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

int
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
size_t
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
unsigned long long
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
	if (send_message(&s->mb, i, top, lines, &pos) == -1 ||
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

int
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

int
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

int
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

int
cmd_noop(struct session *s, struct command *c)
{
	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	return reply("+OK Nothing to do.");
}

int
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

/* ---- UPDATE ----------------------------------------------------------- */

/* QUIT: in the AUTHORIZATION state only goodbye; after a login, UPDATE. */
int
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
