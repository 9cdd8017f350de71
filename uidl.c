/*
 * uidl.c: the unique-id of a message (pop3d(8), UIDL) and the numbering
 * of copies.
 *
 * Owns the recipe: XXH3-128 over the header block without the volatile
 * fields that other programs rewrite, then the From_ line and the wire
 * size less the octets left out; equal digests get -2, -3... in file
 * order.  Trusts the table's offsets only as far as the caller proved
 * the message's octets there (msg_locate()), and the header bytes not at
 * all: they are only hashed.  It must not take locks, report errors or
 * know the session; it reads where it is told to.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see scan.c */
#endif

#include "params.h"
#include "uidl.h"
#include "util.h"

/*
 * Header fields that mail software writes back into messages (c-client,
 * Dovecot, mutt, qpopper) or that senders forge: a UIDL that included them
 * would change whenever another program touched the mailbox.
 */
static int
field_is_volatile(const unsigned char *line, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 len;
	} fields[] = {
		{ "status", 6 }, { "x-status", 8 }, { "x-uid", 5 },
		{ "x-imap", 6 }, { "x-imapbase", 10 }, { "x-keywords", 10 },
		{ "x-uidl", 6 }, { "content-length", 14 }
	};
	const unsigned char *colon;
	size_t i, n;

	/* Most fields (Received, DKIM-Signature, Subject...) end here. */
	if (len == 0)
		return 0;
	switch (line[0]) {
	case 's': case 'S': case 'x': case 'X': case 'c': case 'C':
		break;
	default:
		return 0;
	}
	colon = memchr(line, ':', len);
	if (colon == NULL)
		return 0;
	n = (size_t)(colon - line);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].len == n &&
		    strncasecmp((const char *)line, fields[i].name, n) == 0)
			return 1;
	return 0;
}

/*
 * What the UIDL digest is taken over, gathered for one XXH3 call when it
 * fits in UIDL_GATHER_BYTES: streaming cost a call per piece and a costly
 * finish per message, a third of LIST+UIDL's CPU time on 100,000 small
 * messages.  A longer input goes on streaming; XXH3 gives the same digest
 * either way.
 */
#define UIDL_GATHER_BYTES	(16L * 1024)

static void
uidl_add(struct uidl_work *in, const void *data, size_t len)
{
	if (!in->streaming && len <= UIDL_GATHER_BYTES - in->len) {
		memcpy(in->gather + in->len, data, len);
		in->len += len;
		return;
	}
	if (!in->streaming) {
		(void)XXH3_128bits_reset(in->state);
		(void)XXH3_128bits_update(in->state, in->gather, in->len);
		in->streaming = 1;
	}
	(void)XXH3_128bits_update(in->state, data, len);
}

static void
uidl_finish(struct uidl_work *in, unsigned char digest[16])
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, in->streaming ?
	    XXH3_128bits_digest(in->state) :
	    XXH3_128bits(in->gather, in->len));
	memcpy(digest, canon.digest, 16);
	in->len = 0;
	in->streaming = 0;
}

/* The buffers for a mailbox's unique-ids: -1 if out of memory. */
int
uidl_work_init(struct uidl_work *w)
{
	memset(w, 0, sizeof(*w));
	w->state = XXH3_createState();
	w->gather = malloc(UIDL_GATHER_BYTES);
	w->read = malloc(UIDL_READ_BYTES);
	if (w->state == NULL || w->gather == NULL || w->read == NULL) {
		uidl_work_free(w);
		return -1;
	}
	return 0;
}

void
uidl_work_free(struct uidl_work *w)
{
	free(w->read);
	free(w->gather);
	XXH3_freeState(w->state);
	memset(w, 0, sizeof(*w));
}

/* The longest prefix field_is_volatile() needs: "content-length:". */
#define FIELD_NAME_LOOKAHEAD	16

/*
 * Feeds the header block of message m, at [from, end) of fd, to the
 * digest, volatile fields left out, each line ending in one LF; returns
 * the wire octets left out, or -1.
 */
static off_t
uidl_hash_header(struct uidl_work *in, int fd, const struct message *m,
    off_t from, off_t end, const unsigned char *head, size_t have)
{
	unsigned char *scratch = in->read;
	const unsigned char *buf;
	off_t pos = from + (off_t)m->from_len, left_out = 0;
	const unsigned char *p, *q, *lf, *run;
	size_t n, len;
	int line_start = 1, kept = 1, in_line = 0;

	while (pos < end) {
		/*
		 * Header blocks are small and bodies can be megabytes: read
		 * a little at a time, starting with what the caller read
		 * (measured: a full window per message doubled the time of
		 * LIST+UIDL on a 400 MB mailbox, and a read per field of
		 * work tripled it on 100,000 small messages).
		 */
		if (pos - from < (off_t)have) {
			buf = head;
			p = buf + (pos - from);
			q = buf + have;
			have = 0;
		} else {
			n = end - pos < UIDL_READ_BYTES ? (size_t)(end - pos) :
			    UIDL_READ_BYTES;
			if (pread_full(fd, scratch, n, pos) != (ssize_t)n)
				return -1;
			buf = scratch;
			p = buf;
			q = buf + n;
		}
		pos -= (off_t)(p - buf);	/* pos is now buf[0]'s offset */
		/*
		 * Kept lines that end in a bare LF are hashed as they are, in
		 * one call per run of them: [run, p) is such a run.
		 */
		run = p;
		while (p < q) {
			/* Classify a line with enough of it in the window. */
			if (line_start && q - p < FIELD_NAME_LOOKAHEAD &&
			    pos + (q - buf) < end)
				break;
			if (line_start) {
				if (*p == '\n' || (*p == '\r' && q - p > 1 &&
				    p[1] == '\n')) {
					uidl_add(in, run,
					    (size_t)(p - run));
					return left_out;	/* empty line */
				}
				if (*p != ' ' && *p != '\t')
					kept = !field_is_volatile(p,
					    (size_t)(q - p) < FIELD_NAME_LOOKAHEAD ?
					    (size_t)(q - p) : FIELD_NAME_LOOKAHEAD);
				line_start = 0;
			}
			lf = memchr(p, '\n', (size_t)(q - p));
			if (kept && lf != NULL && (lf == p || lf[-1] != '\r')) {
				line_start = 1;
				in_line = 0;
				p = lf + 1;
				continue;	/* the run goes on */
			}
			uidl_add(in, run, (size_t)(p - run));
			len = (size_t)((lf != NULL ? lf : q) - p);
			/* A CR at the window's edge may precede an LF. */
			if (lf == NULL && len > 0 && p[len - 1] == '\r' &&
			    pos + (q - buf) < end) {
				len--;
				q = p + len;
			}
			if (lf != NULL && len > 0 && p[len - 1] == '\r')
				len--;
			if (kept)
				uidl_add(in, p, len);
			else
				left_out += (off_t)len;
			in_line = 1;
			if (lf != NULL) {
				if (kept)
					uidl_add(in, "\n", 1);
				else
					left_out += 2;
				line_start = 1;
				in_line = 0;
				p = lf + 1;
			} else
				p = q;
			run = p;
		}
		uidl_add(in, run, (size_t)(p - run));
		pos += (off_t)(p - buf);
	}
	/* A last line without a line end is sent with CRLF. */
	if (in_line) {
		if (kept)
			uidl_add(in, "\n", 1);
		else
			left_out += 2;
	}
	return left_out;
}

/*
 * The UIDL digest (pop3d(8), UIDL): XXH3-128 over the header block without
 * its volatile fields, then the From_ line, LF, the decimal wire size less
 * the octets of the fields left out, LF.
 */
int
uidl_compute(struct uidl_work *in, int fd, struct message *m, off_t from,
    off_t octets_end, const unsigned char *head, size_t have)
{
	unsigned char from_line[FROM_LINE_MAX + 2], *buf = in->read;
	char size[32];
	off_t left_out, end;
	size_t line = m->from_len, len, n;

	/* The From_ line without its LF and a CR before that. */
	len = line <= have && line <= sizeof(from_line) ? line : 0;
	memcpy(from_line, head, len);
	if (len > 0 && from_line[len - 1] == '\n')
		len--;
	if (len > 0 && from_line[len - 1] == '\r')
		len--;
	left_out = uidl_hash_header(in, fd, m, from, octets_end, head, have);
	/* Left-out octets are the message's own: more cannot be. */
	if (left_out == -1 || left_out > m->wire_size)
		return -1;
	if (line > 0 && (line > have || line > sizeof(from_line))) {
		/* Only a first line can be this long: hash it in pieces. */
		end = from + (off_t)m->from_len;
		if (pread_full(fd, buf, 2, end - 2) != 2)
			return -1;
		end -= buf[1] == '\n' ? (buf[0] == '\r' ? 2 : 1) :
		    buf[1] == '\r';
		for (; from < end; from += (off_t)len) {
			len = end - from < UIDL_READ_BYTES ?
			    (size_t)(end - from) : UIDL_READ_BYTES;
			if (pread_full(fd, buf, len, from) != (ssize_t)len)
				return -1;
			uidl_add(in, buf, len);
		}
	} else
		uidl_add(in, from_line, len);
	size[0] = '\n';
	n = 1 + format_decimal(size + 1, (uint64_t)(m->wire_size - left_out));
	size[n++] = '\n';
	uidl_add(in, size, n);
	uidl_finish(in, m->uidl_digest);
	return 0;
}

/* Bits of the candidate bitmaps below: 128 KiB each. */
#define UIDL_BITMAP_BITS	(1u << 20)

static int
bit_test_and_set(unsigned char *map, uint32_t bit)
{
	unsigned char mask = (unsigned char)(1u << (bit & 7));
	int was = (map[bit >> 3] & mask) != 0;

	map[bit >> 3] |= mask;
	return was;
}

static int
bit_test(const unsigned char *map, uint32_t bit)
{
	return (map[bit >> 3] & (1u << (bit & 7))) != 0;
}

/* The digests are uniform: any 32 of their bits make a hash. */
static uint32_t
digest_bits(const struct message *m, size_t at)
{
	uint32_t v;

	memcpy(&v, m->uidl_digest + at, sizeof(v));
	return v;
}

/*
 * Numbers equal digests 1, 2, 3... in file order.  Equal digests are rare
 * (copies of one message), so a first pass over two bitmaps picks the
 * candidates, the messages whose digest shares 20 bits with another's, and
 * only those go through a hash table of message indexes (open addressing,
 * at most half full): about 0.4 MB for 100,000 messages where a table of
 * them all took 1 MB.
 */
int
uidl_number_duplicates(struct msg_table *t)
{
	unsigned char *seen, *shared;
	uint32_t *slot = NULL, occurrence, low = (1u << MSG_OCCURRENCE_SHIFT) - 1;
	size_t size = 16, mask, i, h, candidates = 0;
	struct message *m, *last;
	int r = -1;

	seen = calloc(2, UIDL_BITMAP_BITS / 8);
	if (seen == NULL)
		return -1;
	shared = seen + UIDL_BITMAP_BITS / 8;
	for (i = 0; i < t->count; i++)
		if (bit_test_and_set(seen, digest_bits(&t->msgs[i], 0) %
		    UIDL_BITMAP_BITS))
			(void)bit_test_and_set(shared,
			    digest_bits(&t->msgs[i], 0) % UIDL_BITMAP_BITS);
	for (i = 0; i < t->count; i++) {
		t->msgs[i].flags = (t->msgs[i].flags & low) |
		    1u << MSG_OCCURRENCE_SHIFT;
		if (bit_test(shared, digest_bits(&t->msgs[i], 0) %
		    UIDL_BITMAP_BITS))
			candidates++;
	}
	while (size < 2 * candidates)
		size *= 2;
	slot = calloc(size, sizeof(*slot));	/* 0: empty, else index + 1 */
	if (slot == NULL)
		goto out;
	mask = size - 1;
	for (i = 0; i < t->count; i++) {
		m = &t->msgs[i];
		if (!bit_test(shared, digest_bits(m, 0) % UIDL_BITMAP_BITS))
			continue;
		occurrence = 1;
		for (h = digest_bits(m, 4) & mask; slot[h] != 0;
		    h = (h + 1) & mask) {
			last = &t->msgs[slot[h] - 1];
			if (memcmp(last->uidl_digest, m->uidl_digest, 16) == 0) {
				occurrence = (last->flags >>
				    MSG_OCCURRENCE_SHIFT) + 1;
				break;
			}
		}
		slot[h] = (uint32_t)(i + 1);
		m->flags = (m->flags & low) | occurrence << MSG_OCCURRENCE_SHIFT;
	}
	r = 0;
out:
	free(slot);
	free(seen);
	return r;
}

/* Writes message m's unique-id with a NUL; returns its length. */
size_t
uidl_format(const struct message *m, char uidl[UIDL_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned occurrence = m->flags >> MSG_OCCURRENCE_SHIFT;
	size_t k, len = 32;

	for (k = 0; k < 16; k++) {
		uidl[2 * k] = hex[m->uidl_digest[k] >> 4];
		uidl[2 * k + 1] = hex[m->uidl_digest[k] & 15];
	}
	if (occurrence > 1) {
		uidl[len++] = '-';
		len += format_decimal(uidl + len, occurrence);
	}
	uidl[len] = '\0';
	return len;
}
