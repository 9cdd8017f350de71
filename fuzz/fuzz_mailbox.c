/*
 * fuzz_mailbox.c: libFuzzer target for the mbox reader and UPDATE.
 *
 * The input is a mailbox file.  It is written to a private file (the
 * current user's, 0600) and opened with mbox_open().  Checked:
 *
 *  - it opens exactly when it should: empty, or "From " at the start with
 *    an LF within the first read window (MBOX_WINDOW_BYTES; or none at all
 *    in a file no longer than that): the first line is not held to
 *    FROM_LINE_MAX;
 *  - the messages tile the file: from_offset[0] = 0, from < body <= end <=
 *    region end = next from_offset (the last one: the file size), each
 *    later message starts "From " after an empty line, and the separator
 *    [end, region end) is empty, "\n" or "\r\n" after an LF;
 *  - the messages start exactly where an independent model of the
 *    manual's From_ rule (model_from_line()) says;
 *  - each wire_size (LIST) equals an independent count over
 *    [body_offset, msg_end), and equals the octets RETR sends (send.c's
 *    send_message(), dot-unstuffed), which are exactly the stored
 *    message with CRLF line ends; TOP n with a huge count equals RETR, and
 *    TOP n k is the header, its empty line and k body lines;
 *  - UIDLs are 1 to 70 characters of 0x21-0x7E and unique;
 *  - the index (index.c): the table saved, then a second file made from
 *    the input (the same, appended to, cut, one octet changed, or a
 *    separator inserted; chosen from a hash) opened with it gives exactly
 *    the table and UIDLs of that file opened without it;
 *  - marking a subset (chosen from a hash of the input) deleted and running
 *    mbox_update() leaves exactly the file minus those messages' regions
 *    [from_offset, next from_offset or EOF), and no dotlock behind.
 *
 * send_message() is send.c's, the one RETR and TOP use: the byte counts
 * are what matters.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index.h"
#include "io.h"
#include "lock.h"
#include "mailbox.h"
#include "send.h"
#include "session.h"
#include "update.h"

#include "fuzz_common.h"

/* Messages sent through send_message() per input, at most. */
#define SEND_CHECK_MAX	48

static char dir[4096], path[4200], lock[4200], journal[4200], out_path[4200];
static char path2[4200], lock2[4200], index_file[4200];
static int saved_fd[2] = { -1, -1 }, out_fd = -1, null_fd = -1;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_mailbox: %s: %s\n", what, strerror(errno));
	exit(1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	(void)snprintf(dir, sizeof(dir), "%s/fuzz-mailbox.XXXXXX",
	    fz_tmp_base());
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	(void)snprintf(path, sizeof(path), "%s/mbox", dir);
	(void)snprintf(lock, sizeof(lock), "%s/mbox.lock", dir);
	(void)snprintf(journal, sizeof(journal), "%s/.mbox.pop3d-journal", dir);
	(void)snprintf(out_path, sizeof(out_path), "%s/out", dir);
	(void)snprintf(path2, sizeof(path2), "%s/mbox2", dir);
	(void)snprintf(lock2, sizeof(lock2), "%s/mbox2.lock", dir);
	(void)snprintf(index_file, sizeof(index_file), "%s/index", dir);
	for (fd = 0; fd <= 1; fd++)
		if ((saved_fd[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10)) == -1)
			die("dup");
	out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out_fd == -1 || null_fd == -1)
		die("open");
	return 0;
}

__attribute__((destructor)) static void
cleanup(void)
{
	if (dir[0] == '\0')
		return;
	(void)unlink(path);
	(void)unlink(lock);
	(void)unlink(journal);
	(void)unlink(out_path);
	(void)unlink(path2);
	(void)unlink(lock2);
	(void)unlink(index_file);
	(void)rmdir(dir);
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
uidl_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* What send_message() wrote for message i (RETR, or TOP with lines). */
static void
sent(struct session *s, size_t i, int top, uint64_t lines, struct fz_buf *body)
{
	static struct fz_buf raw;
	size_t pos = 0;
	off_t used;
	int r;

	if (ftruncate(out_fd, 0) == -1 || lseek(out_fd, 0, SEEK_SET) == -1)
		die("truncate");
	/*
	 * retrieve() adds the terminating dot after its own check: the
	 * digest of what was sent (and, for TOP, read on) is the scan's.
	 */
	r = send_message(&s->mb, i, top, lines, &used);
	FZ_CHECK(r == 0 && msg_send_finish(&s->mb, i, used) == MBOX_OK &&
	    io_write(".\r\n", 3) == 0 && io_flush() == 0,
	    "send_message(%zu, top=%d) failed or its digest differs", i + 1,
	    top);
	FZ_CHECK(fz_read_file(out_path, &raw) == 0, "cannot read output");
	FZ_CHECK(fz_read_multiline(raw.p, raw.len, &pos, body,
	    top ? "TOP" : "RETR") == 0 && pos == raw.len,
	    "message %zu: reply not terminated by exactly one '.'", i + 1);
}

static void
check_sending(struct session *s, const unsigned char *data)
{
	struct fz_buf wire = { 0 }, body = { 0 };
	size_t i, k, n = s->mb.table.count, tl;
	uint64_t seed = n;

	if (dup2(null_fd, 0) == -1 || dup2(out_fd, 1) == -1)
		die("dup2");
	io_init(5);
	for (k = 0; k < n && k < SEND_CHECK_MAX; k++) {
		/* The first and last messages when there are many. */
		i = n <= SEND_CHECK_MAX || k < SEND_CHECK_MAX / 2 ? k :
		    n - SEND_CHECK_MAX + k;
		const struct message *m = &s->mb.table.msgs[i];
		off_t end = msg_end(&s->mb, i);
		uint64_t lines = splitmix(&seed) % 4;

		fz_render_wire(data + msg_body(m),
		    (size_t)(end - msg_body(m)), &wire);
		sent(s, i, 0, 0, &body);
		FZ_CHECK(body.len == (size_t)m->wire_size,
		    "message %zu: LIST says %lld octets, RETR sent %zu", i + 1,
		    (long long)m->wire_size, body.len);
		FZ_CHECK(fz_eq(body.p, body.len, wire.p, wire.len),
		    "message %zu: RETR content differs from "
		    "the stored message", i + 1);
		sent(s, i, 1, UINT64_MAX, &body);
		FZ_CHECK(fz_eq(body.p, body.len, wire.p, wire.len),
		    "message %zu: TOP n huge != RETR", i + 1);
		sent(s, i, 1, lines, &body);
		tl = fz_top_len(wire.p, wire.len, lines);
		FZ_CHECK(fz_eq(body.p, body.len, wire.p, tl),
		    "message %zu: TOP %llu sent %zu octets, expected %zu",
		    i + 1, (unsigned long long)lines, body.len, tl);
	}
	io_restore();
	if (dup2(saved_fd[0], 0) == -1 || dup2(saved_fd[1], 1) == -1)
		die("dup2 back");
	fz_buf_free(&wire);
	fz_buf_free(&body);
}

static void
check_layout(const struct mailbox *mb, const unsigned char *d, size_t size)
{
	size_t i;

	FZ_CHECK(mb->table.count > 0, "non-empty mailbox with no messages");
	FZ_CHECK(mb->table.msgs[0].from_offset == 0, "first message not at 0");
	FZ_CHECK((size_t)mb->table.end == size,
	    "scan_end %lld != size %zu", (long long)mb->table.end, size);
	for (i = 0; i < mb->table.count; i++) {
		const struct message *m = &mb->table.msgs[i];
		off_t end = msg_end(mb, i), re = i + 1 < mb->table.count ?
		    mb->table.msgs[i + 1].from_offset : mb->table.end;
		const unsigned char *lf;
		size_t from = (size_t)m->from_offset;

		FZ_CHECK(m->from_offset >= 0 && m->from_offset <
		    msg_body(m) && msg_body(m) <= end && end <= re &&
		    (size_t)re <= size, "message %zu: offsets %lld %lld %lld "
		    "%lld not in order", i + 1, (long long)m->from_offset,
		    (long long)msg_body(m), (long long)end, (long long)re);
		FZ_CHECK(i + 1 == mb->table.count ? (size_t)re == size :
		    re == mb->table.msgs[i + 1].from_offset,
		    "message %zu: region does not end at the next", i + 1);
		FZ_CHECK(size - from >= 5 && memcmp(d + from, "From ", 5) == 0,
		    "message %zu does not start with 'From '", i + 1);
		lf = memchr(d + from, '\n', size - from);
		FZ_CHECK((size_t)msg_body(m) == (lf != NULL ?
		    (size_t)(lf - d) + 1 : size), "message %zu: body not after "
		    "the From_ line", i + 1);
		FZ_CHECK(re - end <= 2, "message %zu: separator of %lld",
		    i + 1, (long long)(re - end));
		if (re - end == 1)
			FZ_CHECK(d[end] == '\n' && d[end - 1] == '\n',
			    "message %zu: bad 1-octet separator", i + 1);
		if (re - end == 2)
			FZ_CHECK(d[end] == '\r' && d[end + 1] == '\n' &&
			    d[end - 1] == '\n', "message %zu: bad 2-octet "
			    "separator", i + 1);
		if (i + 1 < mb->table.count)
			FZ_CHECK(re - end >= 1, "message %zu: next From_ line "
			    "without an empty line before", i + 1);
		FZ_CHECK((uint64_t)m->wire_size == fz_wire_size(d +
		    msg_body(m), (size_t)(end - msg_body(m))),
		    "message %zu: wire_size %lld, independent count %llu",
		    i + 1, (long long)m->wire_size, (unsigned long long)
		    fz_wire_size(d + msg_body(m), (size_t)(end -
		    msg_body(m))));
	}
}

/*
 * The From_ rule of pop3d(8), MAILBOX FORMAT, written from the manual and
 * not from mailbox.c: "From " SENDER, spaces, DAY, spaces, MON, spaces, a
 * day of one or two digits, spaces, HH:MM, then four digits somewhere
 * after the time; at most FROM_LINE_MAX octets without the LF.  SENDER is
 * a run of octets other than space, or a quoted string followed by such a
 * run (maybe empty).  Every possible end of the sender is tried.
 */
static int
model_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Is p[0, n) a sender?  close is where the first '"' after p[0] is (n or
 * more if there is none).
 */
static int
model_sender(const unsigned char *p, size_t n, size_t close)
{
	if (n > 0 && memchr(p, ' ', n) == NULL)
		return 1;
	if (n < 2 || p[0] != '"' || close >= n)
		return 0;
	return memchr(p + close + 1, ' ', n - close - 1) == NULL;
}

/* Spaces (one at least), then one of words (3 letters each) at *p. */
static int
model_word(const unsigned char **p, const unsigned char *e,
    const char *words)
{
	const unsigned char *q = *p;

	if (q == e || *q != ' ')
		return 0;
	while (q < e && *q == ' ')
		q++;
	for (; *words != '\0'; words += 3)
		if (e - q >= 3 && memcmp(q, words, 3) == 0) {
			*p = q + 3;
			return 1;
		}
	return 0;
}

static int
model_date(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *d;

	if (!model_word(&p, e, "MonTueWedThuFriSatSun") ||
	    !model_word(&p, e, "JanFebMarAprMayJunJulAugSepOctNovDec"))
		return 0;
	if (p == e || *p != ' ')
		return 0;
	while (p < e && *p == ' ')
		p++;
	for (d = p; p < e && model_digit(*p); p++)
		continue;
	if (p - d < 1 || p - d > 2 || p == e || *p != ' ')
		return 0;
	while (p < e && *p == ' ')
		p++;
	if (e - p < 5 || !model_digit(p[0]) || !model_digit(p[1]) ||
	    p[2] != ':' || !model_digit(p[3]) || !model_digit(p[4]))
		return 0;
	for (p += 5; e - p >= 4; p++)
		if (model_digit(p[0]) && model_digit(p[1]) &&
		    model_digit(p[2]) && model_digit(p[3]))
			return 1;
	return 0;
}

static int
model_from_line(const unsigned char *l, size_t len)
{
	const unsigned char *q;
	size_t s, close;

	if (len > FROM_LINE_MAX || len < 6 || memcmp(l, "From ", 5) != 0)
		return 0;
	q = memchr(l + 6, '"', len - 6);
	close = q != NULL ? (size_t)(q - (l + 5)) : len;
	for (s = 6; s < len; s++)
		if (l[s] == ' ' && model_sender(l + 5, s - 5, close) &&
		    model_date(l + s, l + len))
			return 1;
	return 0;
}

/*
 * The messages start exactly at the file's first line and at every line
 * that follows an empty line ("\n" or "\r\n") and is a From_ line by the
 * model above.
 */
static void
check_separators(const struct mailbox *mb, const unsigned char *d,
    size_t size)
{
	size_t at = 0, prev = 0, next = 1, len;
	const unsigned char *lf;
	int prev_empty;

	for (;;) {
		lf = memchr(d + at, '\n', size - at);
		len = lf != NULL ? (size_t)(lf - d) - at : size - at;
		if (at > 0) {
			prev_empty = at - prev == 1 ||
			    (at - prev == 2 && d[prev] == '\r');
			if (prev_empty && model_from_line(d + at, len)) {
				FZ_CHECK(next < mb->table.count &&
				    (size_t)mb->table.msgs[next].from_offset == at,
				    "the From_ line at %zu (message %zu by the "
				    "manual's rule) does not start one", at,
				    next + 1);
				next++;
			}
		}
		if (lf == NULL || (size_t)(lf - d) + 1 == size)
			break;
		prev = at;
		at = (size_t)(lf - d) + 1;
	}
	FZ_CHECK(next == mb->table.count, "%zu messages, the manual's rule gives "
	    "%zu", mb->table.count, next);
}

static void
check_uidls(struct mailbox *mb)
{
	char (*u)[UIDL_MAX];
	size_t i, k, len;

	FZ_CHECK(mbox_compute_uidls(mb) == MBOX_OK, "UIDLs: %s", mb->error);
	u = calloc(mb->table.count, UIDL_MAX);
	if (u == NULL)
		abort();
	for (i = 0; i < mb->table.count; i++) {
		memset(u[i], 0, UIDL_MAX);
		msg_uidl(mb, i, u[i]);
		len = strnlen(u[i], UIDL_MAX);
		FZ_CHECK(len >= 1 && len <= 70 && len < UIDL_MAX,
		    "UIDL %zu has %zu characters", i + 1, len);
		for (k = 0; k < len; k++)
			FZ_CHECK(u[i][k] >= 0x21 && u[i][k] <= 0x7e,
			    "UIDL %zu has byte 0x%02x", i + 1,
			    (unsigned char)u[i][k]);
	}
	qsort(u, mb->table.count, UIDL_MAX, uidl_cmp);
	for (i = 1; i < mb->table.count; i++)
		FZ_CHECK(strcmp(u[i - 1], u[i]) != 0, "duplicate UIDL %s",
		    u[i]);
	free(u);
}

/* The second file: d changed as h says. */
static void
index_variant(const unsigned char *d, size_t size, uint64_t h,
    struct fz_buf *out)
{
	static const char sep[] = "\n\nFrom x Mon Jan  1 00:00:00 2024\n";
	size_t at = (size_t)(h >> 8) % size;
	unsigned char c;

	switch (h % 6) {
	case 0:				/* unchanged: every message taken */
		fz_buf_add(out, d, size);
		break;
	case 1:				/* new mail: the input again */
		fz_buf_add(out, d, size);
		fz_buf_add(out, "\n", 1);
		fz_buf_add(out, d, size);
		break;
	case 2:				/* cut short */
		fz_buf_add(out, d, at > 5 ? at : 5);
		break;
	case 3:				/* one octet changed, same size */
		fz_buf_add(out, d, size);
		c = (unsigned char)(out->p[at] ^ (1u << (h >> 40) % 8));
		out->p[at] = c;
		break;
	case 4:				/* a separator inserted */
		fz_buf_add(out, d, at);
		fz_buf_add(out, sep, sizeof(sep) - 1);
		fz_buf_add(out, d + at, size - at);
		break;
	default:			/* the last line goes on */
		fz_buf_add(out, d, size);
		fz_buf_add(out, "xx", 2);
		break;
	}
}

static void
check_index(struct mailbox *mb, const unsigned char *d, size_t size)
{
	static struct mailbox with, without;
	struct fz_buf b = { 0 };
	const struct message *x, *y;
	char ux[UIDL_MAX], uy[UIDL_MAX];
	uint64_t h = size;
	size_t i;
	int r, r2;

	if (mb->capped)
		return;
	for (i = 0; i < size && i < 4096; i++)
		h = (h ^ d[i]) * 0x100000001b3ULL;
	(void)splitmix(&h);
	/* Saved for path2: the index names the file it was made for. */
	FZ_CHECK(index_save(index_file, path2, &mb->table) == 0,
	    "index_save: %s", strerror(errno));
	index_variant(d, size, splitmix(&h), &b);
	if (fz_write_file(path2, b.p, b.len, 0600) == -1)
		die(path2);
	r = mbox_open(&without, path2, geteuid(), &lock_local_spool, -1,
	    NULL);
	r2 = mbox_open(&with, path2, geteuid(), &lock_local_spool, -1,
	    index_file);
	FZ_CHECK(r == r2, "mbox_open with the index: %d, without: %d", r2, r);
	if (r == MBOX_OK) {
		FZ_CHECK(b.len != size || memcmp(b.p, d, size) != 0 ||
		    with.index_use == MBOX_INDEX_HIT, "unchanged file: the "
		    "index was not taken whole");
		FZ_CHECK(with.table.count == without.table.count && with.table.end ==
		    without.table.end && with.capped == without.capped,
		    "with the index: %zu messages to %lld, without: %zu to "
		    "%lld", with.table.count, (long long)with.table.end,
		    without.table.count, (long long)without.table.end);
		FZ_CHECK(mbox_compute_uidls(&with) == MBOX_OK &&
		    mbox_compute_uidls(&without) == MBOX_OK, "UIDLs: %s %s",
		    with.error, without.error);
		for (i = 0; i < with.table.count; i++) {
			x = &with.table.msgs[i];
			y = &without.table.msgs[i];
			(void)msg_uidl(&with, i, ux);
			(void)msg_uidl(&without, i, uy);
			FZ_CHECK(x->from_offset == y->from_offset &&
			    x->wire_size == y->wire_size &&
			    x->from_len == y->from_len && x->flags == y->flags &&
			    memcmp(x->content_digest, y->content_digest, 16) ==
			    0 && strcmp(ux, uy) == 0, "message %zu differs "
			    "with the index (index use %d)", i + 1,
			    (int)with.index_use);
		}
	}
	mbox_close(&with);
	mbox_close(&without);
	(void)unlink(index_file);
	fz_buf_free(&b);
}

static void
check_update(struct mailbox *mb, const unsigned char *d, size_t size)
{
	struct fz_buf after = { 0 }, expect = { 0 };
	uint64_t seed = 1469598103934665603ULL, mode;
	size_t i, marked = 0, deleted = 0;
	char *del;

	for (i = 0; i < size; i++)
		seed = (seed ^ d[i]) * 1099511628211ULL;
	mode = splitmix(&seed) % 8;
	del = calloc(mb->table.count, 1);
	if (del == NULL)
		abort();
	for (i = 0; i < mb->table.count; i++) {
		/* Mostly a random subset; sometimes none, all, or one. */
		if (mode == 0)
			del[i] = 0;
		else if (mode == 1)
			del[i] = 1;
		else if (mode == 2)
			del[i] = i == (size_t)(seed % mb->table.count);
		else
			del[i] = splitmix(&seed) & 1;
		if (!del[i])
			continue;
		FZ_CHECK(msg_mark_deleted(mb, i) == MBOX_OK,
		    "DELE %zu refused: %s", i + 1, mb->error);
		marked++;
	}
	FZ_CHECK(mbox_update(mb, &deleted) == MBOX_OK, "UPDATE failed: %s",
	    mb->error);
	FZ_CHECK(deleted == marked, "UPDATE removed %zu of %zu", deleted,
	    marked);
	for (i = 0; i < mb->table.count; i++) {
		size_t from = (size_t)mb->table.msgs[i].from_offset;
		size_t re = i + 1 < mb->table.count ?
		    (size_t)mb->table.msgs[i + 1].from_offset : size;
		if (!del[i])
			fz_buf_add(&expect, d + from, re - from);
	}
	FZ_CHECK(fz_read_file(path, &after) == 0, "mailbox gone after UPDATE");
	FZ_CHECK(fz_eq(after.p, after.len, expect.p, expect.len),
	    "after UPDATE (%zu of %zu deleted): %zu octets, expected %zu",
	    marked, mb->table.count, after.len, expect.len);
	FZ_CHECK(access(lock, F_OK) == -1, "dotlock left behind by UPDATE");
	FZ_CHECK(access(journal, F_OK) == -1, "journal left behind by UPDATE");
	free(del);
	fz_buf_free(&after);
	fz_buf_free(&expect);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session s;
	int r, should_open;

	/* Fuzzing uses -max_len=65536; regressions may be larger. */
	if (size > 8 * 1024 * 1024)
		return -1;
	(void)unlink(lock);
	(void)unlink(journal);
	if (fz_write_file(path, data, size, 0600) == -1)
		die(path);
	memset(&s, 0, sizeof(s));
	r = mbox_open(&s.mb, path, geteuid(), &lock_local_spool, -1, NULL);
	/* The first line is not checked, whatever its length (< 4 GiB). */
	should_open = size == 0 || (size >= 5 && memcmp(data, "From ", 5) ==
	    0);
	FZ_CHECK((r == MBOX_OK) == should_open, "mbox_open returned %d "
	    "(%s) for a file that %s", r, s.mb.error, should_open ?
	    "is an mbox" : "is not an mbox");
	FZ_CHECK(access(lock, F_OK) == -1, "dotlock left behind by open");
	if (r != MBOX_OK) {
		FZ_CHECK(r == MBOX_PERM, "mbox_open returned %d, not PERM", r);
		return 0;
	}
	if (size == 0)
		FZ_CHECK(s.mb.table.count == 0, "empty file with messages");
	else {
		check_layout(&s.mb, data, size);
		check_separators(&s.mb, data, size);
		check_sending(&s, data);
		check_uidls(&s.mb);
		check_index(&s.mb, data, size);
		check_update(&s.mb, data, size);
	}
	mbox_close(&s.mb);
	return 0;
}
