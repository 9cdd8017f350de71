/*
 * scan.c: the mbox format: where messages begin and end, and what each
 * one is on the wire.
 *
 * Owns the From_ rule (pop3d(8), THE MBOX FORMAT), the separators, the
 * wire sizes (every LF counted as CRLF) and each message's content digest,
 * all found in one pass of bounded pread() windows, never a mapping: the
 * file may be truncated at any moment.  Trusts nothing in the file's
 * bytes: boundaries come only from From_ lines (never Content-Length,
 * Status or any other header), every size is a 64-bit off_t, and the
 * scan stops at MBOX_MESSAGES_MAX or MBOX_BYTES_MAX.  It must not take
 * locks, report errors or know the session: the caller holds the locks,
 * turns a scan_status into words, and decides what a table is used for.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#if defined(__x86_64__)
/*
 * libxxhash's x86 build chooses AVX2 or SSE2 at run time through these
 * names (the header maps the plain ones onto them): the same digests at
 * twice the SSE2 speed, which is half of a scan's CPU time.
 */
#include <xxh_x86dispatch.h>
#endif

#include "params.h"
#include "scan.h"
#include "util.h"

/* A scan in progress: the messages of a file up to the caps. */
struct scan {
	int		 fd;
	off_t		 size;
	unsigned char	*buf;
	off_t		 w0;		/* file offset of buf[0] */
	size_t		 wlen;
	struct message	*msgs;
	size_t		 count, capacity;
	off_t		 end;		/* end of the last message's region */
	uint64_t	 lf, crlf;	/* line ends of the current message */
	off_t		 cursor;	/* line ends counted up to here */
	off_t		 fed;		/* digest fed up to here */
	XXH3_state_t	*digest;	/* of the current message */
	int		 streaming;	/* digest started: it spans windows */
	scan_tick	 tick;		/* after each window read */
	void		*tick_arg;
};

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Is an English weekday or month abbreviation at p?  The first letter picks
 * the candidates: a linear search of the list cost more than the rest of
 * the From_ line check together.
 */
static int
weekday_at(const unsigned char *p)
{
	switch (p[0]) {
	case 'M':
		return p[1] == 'o' && p[2] == 'n';
	case 'T':
		return (p[1] == 'u' && p[2] == 'e') ||
		    (p[1] == 'h' && p[2] == 'u');
	case 'W':
		return p[1] == 'e' && p[2] == 'd';
	case 'F':
		return p[1] == 'r' && p[2] == 'i';
	case 'S':
		return (p[1] == 'a' && p[2] == 't') ||
		    (p[1] == 'u' && p[2] == 'n');
	default:
		return 0;
	}
}

static int
month_at(const unsigned char *p)
{
	switch (p[0]) {
	case 'J':
		return (p[1] == 'a' && p[2] == 'n') ||
		    (p[1] == 'u' && (p[2] == 'n' || p[2] == 'l'));
	case 'F':
		return p[1] == 'e' && p[2] == 'b';
	case 'M':
		return p[1] == 'a' && (p[2] == 'r' || p[2] == 'y');
	case 'A':
		return (p[1] == 'p' && p[2] == 'r') ||
		    (p[1] == 'u' && p[2] == 'g');
	case 'S':
		return p[1] == 'e' && p[2] == 'p';
	case 'O':
		return p[1] == 'c' && p[2] == 't';
	case 'N':
		return p[1] == 'o' && p[2] == 'v';
	case 'D':
		return p[1] == 'e' && p[2] == 'c';
	default:
		return 0;
	}
}

/* Where the run of spaces at line[i] ends (i itself if none is there). */
static size_t
skip_spaces(const unsigned char *line, size_t len, size_t i)
{
	while (i < len && line[i] == ' ')
		i++;
	return i;
}

static int
four_digits(const unsigned char *p)
{
	return is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
	    is_digit(p[3]);
}

/*
 * Is there a date "DAY MON DD HH:MM[:SS] ... YYYY" at line[i], i just after
 * a space?  A weekday, a month, a day of one or two digits and a time
 * HH:MM, each followed by one or more spaces but the time, then four digits
 * in a row anywhere after the time (what comes between, seconds or a zone,
 * is not checked).
 */
static int
date_at(const unsigned char *line, size_t len, size_t i)
{
	size_t digits;

	/* "Mon Jan 5 10:002024": 19 octets at least. */
	if (len - i < 19 || !weekday_at(line + i) || line[i + 3] != ' ')
		return 0;
	i = skip_spaces(line, len, i + 3);
	if (len - i < 15 || !month_at(line + i) || line[i + 3] != ' ')
		return 0;
	i = skip_spaces(line, len, i + 3);
	for (digits = 0; i < len && is_digit(line[i]) && digits < 3; i++)
		digits++;
	if (digits == 0 || digits > 2 || i == len || line[i] != ' ')
		return 0;
	i = skip_spaces(line, len, i);
	if (len - i < 9 || !is_digit(line[i]) || !is_digit(line[i + 1]) ||
	    line[i + 2] != ':' || !is_digit(line[i + 3]) ||
	    !is_digit(line[i + 4]))
		return 0;
	/* The usual place of the year first: the end of the line (ctime). */
	if (four_digits(line + len - 4))
		return 1;
	for (i += 5; i + 4 <= len; i++)
		if (four_digits(line + i))
			return 1;
	return 0;
}

/*
 * A separator must look like "From SENDER DAY MON DD HH:MM[:SS] ... YYYY"
 * (the ctime layout every MDA writes, with runs of spaces where Postfix,
 * procmail and Dovecot write two, and anything between the time and the
 * year, such as a zone), so that a body line "From here on..." after an
 * empty line does not split a message.  The sender is not empty and has no
 * space, except inside a quoted string at its start ("john doe"@example.org,
 * as Postfix, Exim and procmail write a quoted local part).  The sender is
 * read from the front, so a body line fails at its second word; the date
 * after it is read in one pass.
 */
static int
from_line_valid(const unsigned char *line, size_t len)
{
	const unsigned char *space, *quote;

	if (len < 6 || line[5] == ' ')
		return 0;
	/* A sender without spaces: the usual case. */
	space = memchr(line + 5, ' ', len - 5);
	if (space == NULL)
		return 0;
	if (date_at(line, len, skip_spaces(line, len,
	    (size_t)(space - line))))
		return 1;
	/* A quoted string with a space in it, then octets other than space. */
	if (line[5] != '"')
		return 0;
	quote = memchr(line + 6, '"', len - 6);
	if (quote == NULL || quote < space)
		return 0;
	space = memchr(quote + 1, ' ', len - (size_t)(quote + 1 - line));
	return space != NULL && date_at(line, len, skip_spaces(line, len,
	    (size_t)(space - line)));
}

/*
 * Counting line ends is most of a scan's work, and a call to memchr per line
 * costs more than the bytes do (the average line is under 80 octets).  So
 * runs of plain lines are counted 64 octets at a time with the compiler's
 * portable vector types (SSE2 on x86-64, NEON on arm64, plain code where
 * there is no vector unit).  A block that may hold a separator (an LF
 * followed by 'F') or holds a CR (which may end a line as CRLF) goes back
 * to the line-by-line walk in scan_window().
 */
typedef unsigned char vec16 __attribute__((vector_size(16)));

static vec16
vec_load(const unsigned char *p)
{
	vec16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static vec16
vec_splat(unsigned char c)
{
	vec16 v;

	memset(&v, c, sizeof(v));
	return v;
}

static int
vec_any(vec16 v)
{
	uint64_t half[2];

	memcpy(half, &v, sizeof(half));
	return (half[0] | half[1]) != 0;
}

/* The sum of the 16 octet lanes: pairs, then fours, then one multiply. */
static uint64_t
vec_sum(vec16 v)
{
	const uint64_t octets = 0x00ff00ff00ff00ffULL;
	const uint64_t pairs = 0x0000ffff0000ffffULL;
	uint64_t half[2], x;

	memcpy(half, &v, sizeof(half));
	x = (half[0] & octets) + ((half[0] >> 8) & octets) +
	    (half[1] & octets) + ((half[1] >> 8) & octets);
	x = (x & pairs) + ((x >> 16) & pairs);
	return (x * 0x0000000100000001ULL) >> 32;
}

/*
 * Reads p[0] to p[16]; a true comparison is 0xff in every lane, so
 * subtracting it counts one.
 */
static inline void
count_block16(const unsigned char *p, vec16 *lf, vec16 *special)
{
	const vec16 here = vec_load(p), after = vec_load(p + 1);
	const vec16 is_lf = (vec16)(here == vec_splat('\n'));

	*lf -= is_lf;
	*special |= (is_lf & (vec16)(after == vec_splat('F'))) |
	    (vec16)(here == vec_splat('\r'));
}

/*
 * Counts the LFs in [p, r) into *lf and returns r: the start of the first
 * 64-octet block that holds an LF followed by 'F', or a CR, or where fewer
 * than 65 octets are left before end (r[64] is read), or p itself if
 * p[-1] is a CR.  There is no CR in [p - 1, r), so no CRLF either.  A lane
 * counts at most 4 LFs per block: the lanes are added up every 63 blocks,
 * before one can wrap.
 */
static const unsigned char *
count_plain_lines(const unsigned char *p, const unsigned char *end,
    uint64_t *lf)
{
	const vec16 zero = vec_splat(0);
	vec16 sum = zero, block, special;
	unsigned blocks = 0;

	if (p[-1] == '\r')
		return p;
	while (end - p >= 65) {
		block = special = zero;
		count_block16(p, &block, &special);
		count_block16(p + 16, &block, &special);
		count_block16(p + 32, &block, &special);
		count_block16(p + 48, &block, &special);
		if (vec_any(special))
			break;
		sum += block;
		p += 64;
		if (++blocks == 63) {
			*lf += vec_sum(sum);
			sum = zero;
			blocks = 0;
		}
	}
	*lf += vec_sum(sum);
	return p;
}

static int
scan_load(struct scan *s, off_t at)
{
	size_t want = MBOX_WINDOW_BYTES;
	ssize_t n;

	if (s->size - at < (off_t)want)
		want = (size_t)(s->size - at);
	if (at == s->w0 && want == s->wlen)
		return 0;	/* the window is already there */
	n = pread_full(s->fd, s->buf, want, at);
	if (n != (ssize_t)want)
		return -1;
	s->w0 = at;
	s->wlen = want;
	if (s->tick != NULL)
		s->tick(s->tick_arg);
	return 0;
}

static off_t
scan_offset(const struct scan *s, const unsigned char *p)
{
	return s->w0 + (off_t)(p - s->buf);
}

/*
 * Adds [s->fed, to), which is in the window, to the message's digest.
 * Only a message that spans windows needs the streaming state; one that
 * ends in the window where it began is digested in one call at its end
 * (the same XXH3 value, for a fraction of the per-message cost).
 */
static void
scan_feed(struct scan *s, off_t to)
{
	if (to <= s->fed)
		return;
	if (!s->streaming) {
		(void)XXH3_128bits_reset(s->digest);
		s->streaming = 1;
	}
	(void)XXH3_128bits_update(s->digest, s->buf + (s->fed - s->w0),
	    (size_t)(to - s->fed));
	s->fed = to;
}

/* Starts a message whose From_ line, [from, body), is in the window. */
static int
scan_begin_message(struct scan *s, off_t from, off_t body)
{
	struct message *m;
	size_t cap;

	if (s->count == s->capacity) {
		cap = s->capacity == 0 ? 256 : s->capacity * 2;
		m = reallocarray(s->msgs, cap, sizeof(*m));
		if (m == NULL)
			return -1;
		s->msgs = m;
		s->capacity = cap;
	}
	m = &s->msgs[s->count++];
	memset(m, 0, sizeof(*m));
	m->from_offset = from;
	m->from_len = (uint32_t)(body - from);
	s->fed = from;
	s->streaming = 0;
	s->cursor = body;
	s->lf = s->crlf = 0;
	return 0;
}

/*
 * Ends the current message at end; the separator (the empty line before
 * the next From_ line, sep_len bytes) has been counted but is no part of it.
 */
static void
scan_end_message(struct scan *s, off_t end, unsigned sep_len,
    int needs_crlf)
{
	struct message *m = &s->msgs[s->count - 1];
	XXH128_canonical_t canon;
	XXH128_hash_t hash;

	if (sep_len > 0)
		s->lf--;
	if (sep_len == 2)
		s->crlf--;
	m->wire_size = (end - msg_body(m)) + (off_t)(s->lf - s->crlf) +
	    (needs_crlf ? 2 : 0);
	m->flags = (uint32_t)sep_len << MSG_SEPARATOR_SHIFT;
	if (s->streaming) {
		scan_feed(s, end);
		hash = XXH3_128bits_digest(s->digest);
	} else
		hash = XXH3_128bits(s->buf + (s->fed - s->w0),
		    (size_t)(end - s->fed));
	XXH128_canonicalFromHash(&canon, hash);
	memcpy(m->content_digest, canon.digest, sizeof(m->content_digest));
}

/*
 * The last message ends at EOF, where a final empty line is a separator
 * too.  Every line end is counted; the window holds [s->fed, s->size).
 */
static int
scan_finish(struct scan *s)
{
	struct message *m = &s->msgs[s->count - 1];
	unsigned char tail[3];
	off_t start, end;
	size_t n;
	unsigned sep = 0;

	s->end = s->size;
	start = s->size - 3 < msg_body(m) - 1 ? msg_body(m) - 1 :
	    s->size - 3;
	n = (size_t)(s->size - start);
	if (n > 0 && pread_full(s->fd, tail, n, start) != (ssize_t)n)
		return -1;
	if (n >= 2 && tail[n - 1] == '\n' && tail[n - 2] == '\n')
		sep = 1;
	else if (n == 3 && tail[2] == '\n' && tail[1] == '\r' &&
	    tail[0] == '\n')
		sep = 2;
	end = s->size - sep;
	scan_end_message(s, end, sep, end > msg_body(m) && sep == 0 &&
	    n > 0 && tail[n - 1] != '\n');
	return 0;
}

enum separator {
	NOT_SEPARATOR,
	SEPARATOR,
	NEED_MORE	/* the line goes on past the window */
};

/*
 * Is a From_ line at p (in the window)?  If so, *len_r is its length
 * without the LF; *to_eof_r says it has no LF and ends the file.
 */
static enum separator
scan_from_line(const struct scan *s, const unsigned char *p, int first,
    size_t *len_r, int *to_eof_r)
{
	size_t avail = (size_t)(s->buf + s->wlen - p);
	int at_eof = s->w0 + (off_t)s->wlen == s->size;
	const unsigned char *lf;

	*to_eof_r = 0;
	if (avail < 5)
		return at_eof ? NOT_SEPARATOR : NEED_MORE;
	if (memcmp(p, "From ", 5) != 0)
		return NOT_SEPARATOR;
	/*
	 * Only a later From_ line is held to FROM_LINE_MAX: refusing the
	 * first would lock the user out of the whole mailbox.
	 */
	lf = memchr(p, '\n', first || avail < FROM_LINE_MAX + 1 ? avail :
	    FROM_LINE_MAX + 1);
	if (lf != NULL)
		*len_r = (size_t)(lf - p);
	else if (!first && avail > FROM_LINE_MAX)
		return NOT_SEPARATOR;
	else if (!at_eof)
		return NEED_MORE;
	else {
		*len_r = avail;
		*to_eof_r = 1;
	}
	/* The file's first line needs no date: nothing precedes it. */
	return first || from_line_valid(p, *len_r) ? SEPARATOR :
	    NOT_SEPARATOR;
}

enum window {
	WINDOW_DONE,		/* load the next one */
	WINDOW_EOF,		/* the last message ends at EOF */
	WINDOW_CAPPED,		/* MBOX_MESSAGES_MAX or MBOX_BYTES_MAX */
	WINDOW_ERROR
};

/*
 * Walks the window from the cursor: runs of ordinary lines are counted in
 * bulk (count_plain_lines), the rest line by line, with one memchr per
 * line; after each empty line (LF LF, or LF CR LF) a valid From_ line
 * starts the next message.  The digest is fed in bulk, at message ends and
 * window ends.
 */
static enum window
scan_window(struct scan *s)
{
	const unsigned char *end = s->buf + s->wlen, *p, *q, *walk_to;
	size_t line_len;
	unsigned sep;
	off_t from, body;
	int to_eof;

	p = walk_to = s->buf + (s->cursor - s->w0);
	for (;;) {
		/* The block count_plain_lines() stopped at is walked through. */
		if (p >= walk_to) {
			p = count_plain_lines(p, end, &s->lf);
			walk_to = p + 64;
		}
		q = memchr(p, '\n', (size_t)(end - p));
		if (q == NULL)
			break;
		sep = q[-1] == '\n' ? 1 : q[-1] == '\r' && q[-2] == '\n' ? 2 : 0;
		switch (sep == 0 ? NOT_SEPARATOR : scan_from_line(s, q + 1, 0,
		    &line_len, &to_eof)) {
		case NOT_SEPARATOR:
			s->lf++;
			s->crlf += q[-1] == '\r';
			p = q + 1;
			continue;
		case NEED_MORE:
			/* Come back to this LF with the line in the window. */
			scan_feed(s, scan_offset(s, q) - 1);
			s->cursor = scan_offset(s, q);
			return WINDOW_DONE;
		case SEPARATOR:
			break;
		}
		s->lf++;
		s->crlf += q[-1] == '\r';
		from = scan_offset(s, q + 1);
		scan_end_message(s, from - sep, sep, 0);
		if (s->count >= MBOX_MESSAGES_MAX || from >= MBOX_BYTES_MAX) {
			/* Serve what fits; the rest stays as it is. */
			s->end = from;
			return WINDOW_CAPPED;
		}
		body = to_eof ? s->size : from + (off_t)line_len + 1;
		if (scan_begin_message(s, from, body) == -1)
			return WINDOW_ERROR;
		if (body >= s->w0 + (off_t)s->wlen) {
			/* The next window starts at the body. */
			scan_feed(s, body);
			return WINDOW_DONE;
		}
		p = s->buf + (body - s->w0);
	}
	s->cursor = s->w0 + (off_t)s->wlen;
	if (s->cursor == s->size)
		return WINDOW_EOF;
	/* Two bytes stay unfed: they may be the next separator. */
	scan_feed(s, s->cursor - 2);
	return WINDOW_DONE;
}

/*
 * The file's first line is longer than the window at 0 (it is not
 * checked, so any length goes, up to what from_len holds): its LF is
 * looked for window by window, and the message's digest fed as it goes.
 * Then the scan goes on as after any From_ line.
 */
static enum scan_status
scan_long_first_line(struct scan *s)
{
	const unsigned char *lf;
	off_t at, body;

	if (scan_begin_message(s, 0, 0) == -1)
		return SCAN_FAILED;
	for (;;) {
		at = s->w0 + (off_t)s->wlen;
		scan_feed(s, at);
		if (at == s->size) {
			body = at;
			break;
		}
		if (scan_load(s, at) == -1)
			return SCAN_FAILED;
		lf = memchr(s->buf, '\n', s->wlen);
		if (lf != NULL) {
			body = scan_offset(s, lf) + 1;
			scan_feed(s, body);
			break;
		}
	}
	if (body > (off_t)UINT32_MAX)
		return SCAN_NOT_MBOX;
	s->msgs[0].from_len = (uint32_t)body;
	s->cursor = body;
	return SCAN_OK;
}

/*
 * Splits the file into messages in one pass of bounded windows, from the
 * From_ line at offset from (0, or where index_resume() stopped trusting
 * the index); each new window starts two bytes before the unfed data, for
 * context.  Returns SCAN_OK, or SCAN_NOT_MBOX (no From_ line at from) or
 * SCAN_FAILED.
 */
static enum scan_status
scan_file(struct scan *s, off_t from)
{
	size_t line_len;
	int to_eof;
	enum scan_status r;

	s->end = 0;
	if (s->size == 0)
		return SCAN_OK;
	/* Loaded with the two octets before, as the next window will be. */
	if (scan_load(s, from < 2 ? 0 : from - 2) == -1)
		return SCAN_FAILED;
	switch (scan_from_line(s, s->buf + (from - s->w0), from == 0,
	    &line_len, &to_eof)) {
	case SEPARATOR:
		if (scan_begin_message(s, from, to_eof ? s->size :
		    from + (off_t)line_len + 1) == -1)
			return SCAN_FAILED;
		break;
	case NEED_MORE:
		if (from != 0)
			return SCAN_NOT_MBOX;
		r = scan_long_first_line(s);
		if (r != SCAN_OK)
			return r;
		break;
	case NOT_SEPARATOR:
		return SCAN_NOT_MBOX;
	}
	while (s->cursor < s->size) {
		if (scan_load(s, s->fed < 2 ? 0 : s->fed - 2) == -1)
			return SCAN_FAILED;
		switch (scan_window(s)) {
		case WINDOW_DONE:
			continue;
		case WINDOW_EOF:
			return scan_finish(s) == -1 ? SCAN_FAILED : SCAN_OK;
		case WINDOW_CAPPED:
			return SCAN_OK;
		case WINDOW_ERROR:
			return SCAN_FAILED;
		}
	}
	return scan_finish(s) == -1 ? SCAN_FAILED : SCAN_OK;
}

/*
 * Scans file fd (size octets) into t from the From_ line at offset from,
 * after the t->count messages already in t->msgs (malloc'd, room for
 * t->capacity; taken over, and freed on failure).  A whole scan is from
 * 0 with none.  t->end is where the last message's region ends: the
 * file's end, or less when a cap stopped the scan.
 */
enum scan_status
scan_table(int fd, off_t size, struct msg_table *t, off_t from,
    scan_tick tick, void *arg)
{
	struct scan s;
	enum scan_status r;

	memset(&s, 0, sizeof(s));
	s.fd = fd;
	s.size = size;
	s.tick = tick;
	s.tick_arg = arg;
	s.msgs = t->msgs;
	s.count = t->count;
	s.capacity = t->capacity;
	s.buf = malloc(MBOX_WINDOW_BYTES);
	s.digest = XXH3_createState();
	if (s.buf == NULL || s.digest == NULL) {
		free(s.buf);
		XXH3_freeState(s.digest);
		free(s.msgs);
		memset(t, 0, sizeof(*t));
		return SCAN_NO_MEMORY;
	}
	r = scan_file(&s, from);
	free(s.buf);
	XXH3_freeState(s.digest);
	if (r != SCAN_OK) {
		free(s.msgs);
		memset(t, 0, sizeof(*t));
		return r;
	}
	t->msgs = s.msgs;
	t->count = s.count;
	t->capacity = s.capacity;
	t->end = s.end;
	return SCAN_OK;
}
