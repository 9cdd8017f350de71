/*
 * fuzz_session.c: libFuzzer target for a whole POP3 session.
 *
 * The input is the client's byte stream.  Each run serves it, through the
 * real main() (pop3d.c built with -Dmain=pop3d_main), from a file on fd 0,
 * against a fresh copy of fuzz/fixture.mbox and a users file with one
 * account, alice/secret; fd 1 goes to a file.  The transcript is then
 * checked against the spec (pop3d(8) and the exact reply texts):
 *
 *  - every status line starts "+OK " or "-ERR ", is printable ASCII (no
 *    client bytes echoed) and at most 512 octets with its CRLF;
 *  - one reply per command line (over-long lines: "-ERR Line too long."),
 *    none after "+OK Bye.";
 *  - each +OK has the exact text and the right numbers for its command
 *    (STAT, LIST, login), RETR sends exactly the message and as many octets
 *    as it announced, TOP the right prefix, UIDLs are stable and unique;
 *  - no [SYS/...] or [IN-USE] error (nothing else touches the mailbox);
 *  - afterwards no dotlock is left and the mailbox is byte-identical,
 *    unless a QUIT in the TRANSACTION state answered "+OK Bye." after
 *    DELEs answered "+OK Message deleted.": then it is the fixture with
 *    exactly those messages removed.
 * Any violation aborts, so libFuzzer saves the input.
 *
 * When run as root (CI), the process first becomes 65534:65534 for good:
 * pop3d refuses uid 0 logins.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz_common.h"

#ifndef FIXTURE_PATH
#define FIXTURE_PATH "fuzz/fixture.mbox"
#endif

#define NMSG_MAX	8
#define REPLY_MAX	512
/* md5crypt of "secret": cheap, so crypt() does not dominate the run. */
#define ALICE_HASH	"$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"

int pop3d_main(int argc, char *argv[]);

/* The fixture, and its messages as an independent reading finds them. */
static struct fz_buf fixture;
static struct {
	size_t		from, body, end, region_end;
	struct fz_buf	wire;
} msg[NMSG_MAX];
static size_t nmsg;
static uint64_t total_octets;

static char dir[4096], users_path[4200], mbox_path[4200], lock_path[4200],
    journal_path[4200],
    in_path[4200], out_path[4200], mbox_template[4200];
static int saved_fd[3] = { -1, -1, -1 };
static int in_session;

/* ---- Test seams (linker --wrap, see Makefile) --------------------------- */

int __real_dup2(int oldfd, int newfd);

/*
 * pop3d points fd 2 at /dev/null when not in debug mode; in the fuzzer it
 * must stay the fuzzer's stderr, or sanitizer reports vanish.
 */
int
__wrap_dup2(int oldfd, int newfd)
{
	if (in_session && newfd == 2)
		return 2;
	return __real_dup2(oldfd, newfd);
}

/*
 * auth_init() hashes refused logins against a setting of the preferred
 * method (yescrypt: ~30 ms each); md5crypt keeps runs fast.  Only the
 * dummy hash changes: the code path is the same.
 */
const char *
__wrap_crypt_preferred_method(void)
{
	return "$1$";
}

/* ---- Setup ------------------------------------------------------------ */

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_session: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
drop_root(void)
{
	const uid_t uid = 65534;
	const gid_t gid = 65534;

	if (geteuid() != 0)
		return;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		die("dropping root");
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || setuid(0) != -1 || seteuid(0) != -1) {
		fprintf(stderr, "fuzz_session: root not dropped\n");
		exit(1);
	}
}

/* Splits the fixture the simple way: "From " at 0 or after an empty line. */
static void
split_fixture(void)
{
	const unsigned char *f = fixture.p;
	size_t n = fixture.len, i, k;

	for (i = 0; i < n; i++) {
		if (n - i < 5 || memcmp(f + i, "From ", 5) != 0)
			continue;
		if (i != 0 && !(i >= 2 && f[i - 1] == '\n' && f[i - 2] == '\n') &&
		    !(i >= 3 && f[i - 1] == '\n' && f[i - 2] == '\r' &&
		    f[i - 3] == '\n'))
			continue;
		if (nmsg == NMSG_MAX)
			break;
		msg[nmsg++].from = i;
	}
	if (nmsg == 0) {
		fprintf(stderr, "fuzz_session: fixture has no messages\n");
		exit(1);
	}
	for (k = 0; k < nmsg; k++) {
		const unsigned char *lf;
		size_t re = k + 1 < nmsg ? msg[k + 1].from : n, end = re;

		lf = memchr(f + msg[k].from, '\n', re - msg[k].from);
		msg[k].body = lf != NULL ? (size_t)(lf - f) + 1 : re;
		if (re - msg[k].body >= 2 && f[re - 1] == '\n' &&
		    f[re - 2] == '\n')
			end = re - 1;
		else if (re - msg[k].body >= 3 && f[re - 1] == '\n' &&
		    f[re - 2] == '\r' && f[re - 3] == '\n')
			end = re - 2;
		msg[k].end = end;
		msg[k].region_end = re;
		fz_render_wire(f + msg[k].body, end - msg[k].body, &msg[k].wire);
		if (msg[k].wire.len != fz_wire_size(f + msg[k].body,
		    end - msg[k].body)) {
			fprintf(stderr, "fuzz_session: wire size helpers "
			    "disagree\n");
			exit(1);
		}
		total_octets += msg[k].wire.len;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fixture_path = getenv("FUZZ_FIXTURE");
	char users[512];
	int fd;

	(void)argc;
	(void)argv;
	if (fixture_path == NULL)
		fixture_path = FIXTURE_PATH;
	if (fz_read_file(fixture_path, &fixture) == -1)
		die(fixture_path);
	split_fixture();
	drop_root();

	(void)snprintf(dir, sizeof(dir), "%s/fuzz-session.XXXXXX",
	    fz_tmp_base());
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	(void)snprintf(users_path, sizeof(users_path), "%s/users", dir);
	(void)snprintf(mbox_path, sizeof(mbox_path), "%s/alice", dir);
	(void)snprintf(lock_path, sizeof(lock_path), "%s/alice.lock", dir);
	(void)snprintf(journal_path, sizeof(journal_path),
	    "%s/.alice.pop3d-journal", dir);
	(void)snprintf(in_path, sizeof(in_path), "%s/input", dir);
	(void)snprintf(out_path, sizeof(out_path), "%s/output", dir);
	(void)snprintf(mbox_template, sizeof(mbox_template), "%s/%%u", dir);
	(void)snprintf(users, sizeof(users),
	    "alice:%s:%lu:%lu::%s:/bin/sh\n", ALICE_HASH,
	    (unsigned long)getuid(), (unsigned long)getgid(), dir);
	if (fz_write_file(users_path, users, strlen(users), 0600) == -1)
		die(users_path);
	for (fd = 0; fd <= 2; fd++)
		if ((saved_fd[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10)) == -1)
			die("dup");
	return 0;
}

/* Best effort at exit: the directory is per process. */
__attribute__((destructor)) static void
cleanup(void)
{
	if (dir[0] == '\0')
		return;
	(void)unlink(users_path);
	(void)unlink(mbox_path);
	(void)unlink(lock_path);
	(void)unlink(journal_path);
	(void)unlink(in_path);
	(void)unlink(out_path);
	(void)rmdir(dir);
}

/* ---- The client's side ------------------------------------------------ */

/* A command line as io.c must cut it: up to LF, one CR before it dropped. */
struct segment {
	const unsigned char *p;
	size_t		 len;
	int		 too_long;
};

static size_t
cut_lines(const uint8_t *data, size_t size, struct segment *seg)
{
	size_t i = 0, n = 0;

	while (i < size) {
		const uint8_t *lf = memchr(data + i, '\n', size - i);
		size_t len;

		if (lf == NULL)
			break;			/* unterminated: never answered */
		len = (size_t)(lf - (data + i));
		seg[n].p = data + i;
		seg[n].too_long = len + 1 > REPLY_MAX;
		if (len > 0 && data[i + len - 1] == '\r')
			len--;
		seg[n].len = len;
		n++;
		i += (size_t)(lf - (data + i)) + 1;
	}
	return n;
}

/* Keyword (upper case) and up to 3 space-separated arguments. */
struct parsed {
	char		 kw[8];		/* "": cannot be a command */
	char		 arg[3][600];
	int		 nargs;
};

static void
parse_segment(const struct segment *s, struct parsed *c)
{
	size_t i = 0, k;

	memset(c, 0, sizeof(*c));
	for (k = 0; i < s->len && s->p[i] != ' '; i++, k++)
		if (k < sizeof(c->kw) - 1)
			c->kw[k] = (char)(s->p[i] & ~0x20);
	/* Not 3-4 letters, or control bytes anywhere: no command at all. */
	for (k = 0; k < s->len; k++)
		if (s->p[k] < 0x20 || s->p[k] == 0x7f)
			c->kw[0] = '\0';
	for (k = 0; k < 4 && c->kw[k] != '\0'; k++)
		if (c->kw[k] < 'A' || c->kw[k] > 'Z')
			c->kw[0] = '\0';
	if (strlen(c->kw) < 3 || strlen(c->kw) > 4)
		c->kw[0] = '\0';
	while (i < s->len) {
		while (i < s->len && s->p[i] == ' ')
			i++;
		if (i == s->len)
			break;
		for (k = 0; i < s->len && s->p[i] != ' '; i++, k++)
			if (c->nargs < 3 && k < sizeof(c->arg[0]) - 1)
				c->arg[c->nargs][k] = (char)s->p[i];
		if (c->nargs < 3)
			c->nargs++;
	}
}

/* Digits only; saturates at UINT64_MAX; -1 if not a number. */
static int
number(const char *s, uint64_t *v)
{
	*v = 0;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (*v > (UINT64_MAX - 9) / 10)
			*v = UINT64_MAX;
		else
			*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

/* ---- Checking the transcript ----------------------------------------- */

static const char *const known_err[] = {
	"-ERR Unknown command.",
	"-ERR Command not valid in this state.",
	"-ERR Syntax error.",
	"-ERR Invalid characters in command.",
	"-ERR Line too long.",
	"-ERR No such message.",
	"-ERR Message is deleted.",
	"-ERR [AUTH] Authentication failed.",
	"-ERR [AUTH] Invalid PLAIN response.",
	"-ERR Unsupported authentication mechanism.",
	"-ERR Authentication cancelled.",
};

struct session_view {
	int		 transaction;
	int		 deleted[NMSG_MAX];
	char		 uidl[NMSG_MAX][80];
	struct fz_buf	 body;
};

static size_t
live_count(const struct session_view *v, uint64_t *octets)
{
	size_t k, n = 0;

	*octets = 0;
	for (k = 0; k < nmsg; k++)
		if (!v->deleted[k]) {
			n++;
			*octets += msg[k].wire.len;
		}
	return n;
}

/* The message number argument of a +OK reply: must name a live message. */
static size_t
live_arg(const struct session_view *v, const struct parsed *c, int a,
    const char *status)
{
	uint64_t n;

	FZ_CHECK(c->nargs > a && number(c->arg[a], &n) == 0 && n >= 1 &&
	    n <= nmsg, "'%s' to %s without a valid message number", status,
	    c->kw);
	FZ_CHECK(!v->deleted[n - 1], "'%s' to %s of deleted message %lu",
	    status, c->kw, (unsigned long)n);
	return (size_t)(n - 1);
}

static void
check_uidl(struct session_view *v, size_t i, const char *uid, size_t len)
{
	size_t k;

	FZ_CHECK(len >= 1 && len <= 70, "UIDL of message %zu has %zu chars",
	    i + 1, len);
	for (k = 0; k < len; k++)
		FZ_CHECK(uid[k] >= 0x21 && uid[k] <= 0x7e,
		    "UIDL of message %zu has byte 0x%02x", i + 1,
		    (unsigned char)uid[k]);
	if (v->uidl[i][0] == '\0') {
		memcpy(v->uidl[i], uid, len);
		v->uidl[i][len] = '\0';
		for (k = 0; k < nmsg; k++)
			FZ_CHECK(k == i || strcmp(v->uidl[k], v->uidl[i]) != 0,
			    "messages %zu and %zu have the same UIDL", k + 1,
			    i + 1);
	} else
		FZ_CHECK(strlen(v->uidl[i]) == len &&
		    memcmp(v->uidl[i], uid, len) == 0,
		    "UIDL of message %zu changed within the session", i + 1);
}

/* Checks one +OK reply (status without CRLF) to command c. */
static void
check_ok(struct session_view *v, const struct parsed *c, const char *st,
    const unsigned char *o, size_t on, size_t *pos, int *bye, int *update)
{
	char want[REPLY_MAX + 1];
	uint64_t octets, lines;
	size_t i, live = live_count(v, &octets);

#define MULTILINE() FZ_CHECK(fz_read_multiline(o, on, pos, &v->body, \
	    c->kw) == 0, "%s: multi-line reply never ends", c->kw)

	if (strcmp(c->kw, "USER") == 0) {
		FZ_CHECK(!v->transaction && strcmp(st,
		    "+OK Send your password.") == 0, "USER answered '%s'", st);
	} else if (strcmp(c->kw, "AUTH") == 0 && c->nargs == 0) {
		FZ_CHECK(!v->transaction && strcmp(st,
		    "+OK Mechanisms follow.") == 0, "AUTH answered '%s'", st);
		MULTILINE();
		FZ_CHECK(fz_eq(v->body.p, v->body.len, "PLAIN\r\n", 7),
		    "AUTH mechanism list differs");
	} else if (strcmp(c->kw, "PASS") == 0 || strcmp(c->kw, "AUTH") == 0) {
		(void)snprintf(want, sizeof(want),
		    "+OK Logged in, %zu messages (%llu octets).", nmsg,
		    (unsigned long long)total_octets);
		FZ_CHECK(!v->transaction && strcmp(st, want) == 0,
		    "%s answered '%s', expected '%s'", c->kw, st, want);
		v->transaction = 1;
	} else if (strcmp(c->kw, "QUIT") == 0) {
		FZ_CHECK(strcmp(st, "+OK Bye.") == 0, "QUIT answered '%s'", st);
		*bye = 1;
		*update = v->transaction;
	} else if (strcmp(c->kw, "CAPA") == 0) {
		static const char capa[] = "TOP\r\nUIDL\r\nUSER\r\nSASL PLAIN"
		    "\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
		FZ_CHECK(strcmp(st, "+OK Capability list follows.") == 0,
		    "CAPA answered '%s'", st);
		MULTILINE();
		FZ_CHECK(fz_eq(v->body.p, v->body.len, capa, strlen(capa)),
		    "CAPA list differs");
	} else if (!v->transaction) {
		fz_fail("%s answered '%s' before login", c->kw, st);
	} else if (strcmp(c->kw, "STAT") == 0) {
		(void)snprintf(want, sizeof(want), "+OK %zu %llu", live,
		    (unsigned long long)octets);
		FZ_CHECK(strcmp(st, want) == 0,
		    "STAT answered '%s', expected '%s'", st, want);
	} else if (strcmp(c->kw, "LIST") == 0 && c->nargs == 0) {
		struct fz_buf exp = { 0 };
		(void)snprintf(want, sizeof(want),
		    "+OK %zu messages (%llu octets)", live,
		    (unsigned long long)octets);
		FZ_CHECK(strcmp(st, want) == 0,
		    "LIST answered '%s', expected '%s'", st, want);
		MULTILINE();
		for (i = 0; i < nmsg; i++) {
			if (v->deleted[i])
				continue;
			(void)snprintf(want, sizeof(want), "%zu %zu\r\n", i + 1,
			    msg[i].wire.len);
			fz_buf_add(&exp, want, strlen(want));
		}
		FZ_CHECK(fz_eq(exp.p, exp.len, v->body.p, v->body.len),
		    "LIST listing differs");
		fz_buf_free(&exp);
	} else if (strcmp(c->kw, "LIST") == 0) {
		i = live_arg(v, c, 0, st);
		(void)snprintf(want, sizeof(want), "+OK %zu %zu", i + 1,
		    msg[i].wire.len);
		FZ_CHECK(strcmp(st, want) == 0,
		    "LIST n answered '%s', expected '%s'", st, want);
	} else if (strcmp(c->kw, "UIDL") == 0 && c->nargs == 0) {
		size_t off = 0;
		FZ_CHECK(strcmp(st, "+OK Unique-ID listing follows.") == 0,
		    "UIDL answered '%s'", st);
		MULTILINE();
		for (i = 0; i < nmsg; i++) {
			const unsigned char *sp, *cr;
			int w;
			if (v->deleted[i])
				continue;
			w = snprintf(want, sizeof(want), "%zu ", i + 1);
			FZ_CHECK(v->body.len - off > (size_t)w &&
			    memcmp(v->body.p + off, want, (size_t)w) == 0,
			    "UIDL listing: no line for message %zu", i + 1);
			sp = v->body.p + off + w;
			cr = memchr(sp, '\r', v->body.len - off - (size_t)w);
			FZ_CHECK(cr != NULL, "UIDL listing: bad line");
			check_uidl(v, i, (const char *)sp, (size_t)(cr - sp));
			off = (size_t)(cr - v->body.p) + 2;
		}
		FZ_CHECK(off == v->body.len, "UIDL listing: extra lines");
	} else if (strcmp(c->kw, "UIDL") == 0) {
		int w;
		i = live_arg(v, c, 0, st);
		w = snprintf(want, sizeof(want), "+OK %zu ", i + 1);
		FZ_CHECK(strncmp(st, want, (size_t)w) == 0,
		    "UIDL n answered '%s'", st);
		check_uidl(v, i, st + w, strlen(st + w));
	} else if (strcmp(c->kw, "RETR") == 0) {
		i = live_arg(v, c, 0, st);
		(void)snprintf(want, sizeof(want), "+OK %zu octets",
		    msg[i].wire.len);
		FZ_CHECK(strcmp(st, want) == 0,
		    "RETR answered '%s', expected '%s'", st, want);
		MULTILINE();
		FZ_CHECK(fz_eq(v->body.p, v->body.len, msg[i].wire.p,
		    msg[i].wire.len),
		    "RETR %zu: content differs (%zu octets sent, %zu expected)",
		    i + 1, v->body.len, msg[i].wire.len);
	} else if (strcmp(c->kw, "TOP") == 0) {
		size_t tl;
		i = live_arg(v, c, 0, st);
		FZ_CHECK(c->nargs == 2 && number(c->arg[1], &lines) == 0,
		    "TOP answered +OK without a line count");
		FZ_CHECK(strcmp(st, "+OK Top of message follows.") == 0,
		    "TOP answered '%s'", st);
		MULTILINE();
		tl = fz_top_len(msg[i].wire.p, msg[i].wire.len, lines);
		FZ_CHECK(fz_eq(v->body.p, v->body.len, msg[i].wire.p, tl),
		    "TOP %zu %s: %zu octets sent, expected %zu", i + 1,
		    c->arg[1], v->body.len, tl);
	} else if (strcmp(c->kw, "DELE") == 0) {
		i = live_arg(v, c, 0, st);
		FZ_CHECK(strcmp(st, "+OK Message deleted.") == 0,
		    "DELE answered '%s'", st);
		v->deleted[i] = 1;
	} else if (strcmp(c->kw, "NOOP") == 0) {
		FZ_CHECK(strcmp(st, "+OK Nothing to do.") == 0,
		    "NOOP answered '%s'", st);
	} else if (strcmp(c->kw, "RSET") == 0) {
		FZ_CHECK(strcmp(st, "+OK Deletion marks removed.") == 0,
		    "RSET answered '%s'", st);
		memset(v->deleted, 0, sizeof(v->deleted));
	} else
		fz_fail("'%s' in answer to command '%s'", st, c->kw);
#undef MULTILINE
}

/* Checks an -ERR that names a message against the session's view. */
static void
check_err(const struct session_view *v, const struct parsed *c,
    const char *st)
{
	static const char *const takes_msg[] = { "LIST", "UIDL", "RETR", "TOP",
	    "DELE" };
	uint64_t n;
	size_t k;
	int found = 0;

	for (k = 0; k < sizeof(known_err) / sizeof(known_err[0]); k++)
		if (strcmp(st, known_err[k]) == 0)
			found = 1;
	FZ_CHECK(found, "unexpected error reply '%s' to '%s' (nothing else "
	    "touches the mailbox: no [SYS/...] or [IN-USE] may happen)", st,
	    c->kw);
	for (k = 0; k < 5; k++)
		if (strcmp(c->kw, takes_msg[k]) == 0)
			break;
	if (k == 5 || c->nargs < 1 || number(c->arg[0], &n) == -1 ||
	    !v->transaction)
		return;
	if (strcmp(st, "-ERR No such message.") == 0)
		FZ_CHECK(n == 0 || n > nmsg, "'%s' for message %s of %zu", st,
		    c->arg[0], nmsg);
	if (strcmp(st, "-ERR Message is deleted.") == 0)
		FZ_CHECK(n >= 1 && n <= nmsg && v->deleted[n - 1],
		    "'%s' for live message %s", st, c->arg[0]);
	if (n >= 1 && n <= nmsg && !v->deleted[n - 1] &&
	    c->nargs == (strcmp(c->kw, "TOP") == 0 ? 2 : 1) &&
	    strcmp(c->kw, "TOP") != 0)
		fz_fail("'%s' to %s %s, a live message", st, c->kw, c->arg[0]);
}

static void
check_transcript(const uint8_t *data, size_t size, const unsigned char *o,
    size_t on)
{
	static struct segment seg[65536 + 1];
	static struct session_view v;
	struct parsed c;
	struct fz_buf after = { 0 }, expect = { 0 };
	size_t nseg, pos = 0, k = 0, i;
	int bye = 0, update = 0, in_auth = 0;

	nseg = size <= 65536 ? cut_lines(data, size, seg) : 0;
	if (size > 65536)
		return;		/* not expected with -max_len=65536 */
	fz_buf_free(&v.body);
	memset(&v, 0, sizeof(v));

	while (pos < on) {
		const unsigned char *lf = memchr(o + pos, '\n', on - pos);
		char st[REPLY_MAX + 1];
		size_t len;

		FZ_CHECK(!bye, "reply at output offset %zu after '+OK Bye.'",
		    pos);
		FZ_CHECK(lf != NULL, "output ends in an unterminated line at "
		    "offset %zu", pos);
		len = (size_t)(lf - (o + pos)) + 1;
		FZ_CHECK(len <= REPLY_MAX, "status line of %zu octets", len);
		FZ_CHECK(len >= 2 && o[pos + len - 2] == '\r',
		    "status line at offset %zu does not end in CRLF", pos);
		for (i = 0; i < len - 2; i++)
			FZ_CHECK(o[pos + i] >= 0x20 && o[pos + i] < 0x7f,
			    "status line at offset %zu has byte 0x%02x", pos,
			    o[pos + i]);
		memcpy(st, o + pos, len - 2);
		st[len - 2] = '\0';
		FZ_CHECK(strncmp(st, "+OK ", 4) == 0 ||
		    strncmp(st, "-ERR ", 5) == 0 || strcmp(st, "+ ") == 0,
		    "bad status line '%s'", st);
		pos += len;
		if (k == 0) {
			FZ_CHECK(strcmp(st, "+OK POP3 server ready.") == 0,
			    "greeting '%s'", st);
			k++;
			continue;
		}
		FZ_CHECK(k - 1 < nseg, "reply %zu '%s' but only %zu command "
		    "lines", k, st, nseg);
		if (strcmp(st, "+ ") == 0) {
			/* AUTH PLAIN's continuation: the next line answers. */
			parse_segment(&seg[k - 1], &c);
			FZ_CHECK(!in_auth && !v.transaction &&
			    strcmp(c.kw, "AUTH") == 0 && c.nargs == 1 &&
			    strcasecmp(c.arg[0], "PLAIN") == 0,
			    "'+ ' in answer to line %zu", k);
			in_auth = 1;
			k++;
			continue;
		}
		if (in_auth) {
			/* The response line's reply is AUTH's. */
			in_auth = 0;
			FZ_CHECK(!seg[k - 1].too_long || strcmp(st,
			    "-ERR [AUTH] Invalid PLAIN response.") == 0,
			    "over-long AUTH response answered '%s'", st);
			if (st[0] == '+')
				check_ok(&v, &c, st, o, on, &pos, &bye,
				    &update);
			else
				check_err(&v, &c, st);
			k++;
			continue;
		}
		if (seg[k - 1].too_long) {
			FZ_CHECK(strcmp(st, "-ERR Line too long.") == 0,
			    "over-long line %zu answered '%s'", k, st);
			k++;
			continue;
		}
		FZ_CHECK(strcmp(st, "-ERR Line too long.") != 0,
		    "line %zu of %zu octets answered '%s'", k, seg[k - 1].len,
		    st);
		parse_segment(&seg[k - 1], &c);
		if (st[0] == '+')
			check_ok(&v, &c, st, o, on, &pos, &bye, &update);
		else
			check_err(&v, &c, st);
		k++;
	}

	/* The mailbox: unchanged, or exactly the deleted messages gone. */
	FZ_CHECK(access(lock_path, F_OK) == -1 && errno == ENOENT,
	    "dotlock left behind");
	FZ_CHECK(access(journal_path, F_OK) == -1 && errno == ENOENT,
	    "update journal left behind");
	FZ_CHECK(fz_read_file(mbox_path, &after) == 0, "mailbox gone: %s",
	    strerror(errno));
	for (i = 0; i < nmsg; i++) {
		size_t from = i == 0 ? 0 : msg[i].from;
		if (update && v.deleted[i])
			continue;
		fz_buf_add(&expect, fixture.p + from, msg[i].region_end - from);
	}
	FZ_CHECK(fz_eq(after.p, after.len, expect.p, expect.len),
	    "mailbox changed: %zu octets, expected %zu (update=%d)",
	    after.len, expect.len, update);
	fz_buf_free(&after);
	fz_buf_free(&expect);
}

/* ---- The run ---------------------------------------------------------- */

static const int handled_signals[] = { SIGPIPE, SIGTERM, SIGHUP, SIGINT,
    SIGALRM };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigaction sa[sizeof(handled_signals) / sizeof(int)];
	char a0[] = "pop3d", a1[] = "-f", a3[] = "-m", a5[] = "-t", a6[] = "5";
	char *argv[] = { a0, a1, users_path, a3, mbox_template, a5, a6, NULL };
	struct fz_buf out = { 0 };
	size_t k;
	int in, outfd, rc;

	if (size > 65536)
		return -1;
	(void)unlink(lock_path);
	(void)unlink(journal_path);
	if (fz_write_file(mbox_path, fixture.p, fixture.len, 0600) == -1)
		die(mbox_path);
	if (fz_write_file(in_path, data, size, 0600) == -1)
		die(in_path);
	in = open(in_path, O_RDONLY | O_CLOEXEC);
	outfd = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in == -1 || outfd == -1)
		die("open");

	for (k = 0; k < sizeof(handled_signals) / sizeof(int); k++)
		(void)sigaction(handled_signals[k], NULL, &sa[k]);
	if (__real_dup2(in, 0) == -1 || __real_dup2(outfd, 1) == -1)
		die("dup2");
	(void)close(in);
	(void)close(outfd);
	in_session = 1;
	rc = pop3d_main(7, argv);
	in_session = 0;
	for (k = 0; k <= 2; k++)
		if (__real_dup2(saved_fd[k], (int)k) == -1)
			die("dup2 back");
	for (k = 0; k < sizeof(handled_signals) / sizeof(int); k++)
		(void)sigaction(handled_signals[k], &sa[k], NULL);

	FZ_CHECK(rc == 0, "pop3d main returned %d", rc);
	if (fz_read_file(out_path, &out) == -1)
		die(out_path);
	if (getenv("FUZZ_DUMP") != NULL)	/* debugging: the transcript */
		(void)fwrite(out.p, 1, out.len, stderr);
	check_transcript(data, size, out.p, out.len);
	fz_buf_free(&out);
	return 0;
}
