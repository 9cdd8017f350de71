/*
 * login.c: the AUTHORIZATION state (RFC 1939 section 4): CAPA, USER and
 * PASS, AUTH PLAIN (RFC 5034, 4616) and STLS (RFC 2595), up to a login
 * and the hand-over of the connection to the session.
 *
 * Everything here reads client bytes before anyone is logged in, so it
 * runs in privsep.c's unprivileged, chrooted pre-login process (or as the
 * ordinary user who started pop3d) and trusts nothing the client sends:
 * names are printable ASCII, base64 only the base64 alphabet, and no
 * reply tells one account from another.  It holds no secret but the
 * password on its way to the check, and wipes it.  It must not check a
 * password itself under privilege separation (the monitor does), touch a
 * mailbox, or let a password cross in plaintext when TLS is required.
 */
#include <sys/types.h>

#include <resolv.h>

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "auth.h"
#include "io.h"
#include "login.h"
#include "params.h"
#include "privsep_child.h"
#include "session.h"
#include "tls.h"
#include "transaction.h"

static const char reply_auth_failed[] = "-ERR [AUTH] Authentication failed.";

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

/* CAPA (RFC 2449), in either state: what changes in it is how to log in. */
int
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

static const char reply_tls_required[] = "-ERR [AUTH] TLS is required: send "
    "STLS first.";

int
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

int
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
int
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
int
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
int
cmd_stls(struct session *s, struct command *c)
{
	char error[256];

	if (c->nargs != 0)
		return reply_bad(s, reply_syntax);
	if (s->tls_on)
		return reply_bad(s, reply_state);
	if (!s->tls_refused && tls_priority_check(s->opt->tls_priority,
	    error, sizeof(error)) == -1) {
		syslog(LOG_ERR, "rip=%s: TLS unavailable: %s", s->rip, error);
		s->tls_refused = 1;
	}
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
