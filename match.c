/*
 * match.c: which of a known table's messages a file holds now, proven by
 * their octets.
 *
 * A table (the index's, or the session's from login) is a claim about
 * where messages were.  This file checks the claim against the file's
 * bytes: the leading messages still exactly in place (table_matches()),
 * the file's messages now with those taken and the rest scanned
 * (current_table()), and each of the session's messages found again by
 * identity, the XXH3-128 digest and length of its From_ line and octets
 * (map_messages()), copies to copies in file order.  It trusts no offset,
 * size or time stamp: only digests of octets read now.  Callers hold the
 * locks; it must not take them, change the file, or report errors.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see scan.c */
#endif

#include "match.h"
#include "params.h"
#include "util.h"

/* XXH3-128 of [from, end): the From_ line and the message, exactly. */
int
content_digest(int fd, off_t from, off_t end, unsigned char digest[16])
{
	static unsigned char buf[64 * 1024];
	XXH3_state_t *state;
	XXH128_canonical_t canon;
	size_t want;
	int r = -1;

	state = XXH3_createState();
	if (state == NULL || XXH3_128bits_reset(state) != XXH_OK)
		goto out;
	while (from < end) {
		want = end - from < (off_t)sizeof(buf) ? (size_t)(end - from) :
		    sizeof(buf);
		if (pread_full(fd, buf, want, from) != (ssize_t)want ||
		    XXH3_128bits_update(state, buf, want) != XXH_OK)
			goto out;
		from += (off_t)want;
	}
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(state));
	memcpy(digest, canon.digest, 16);
	r = 0;
out:
	XXH3_freeState(state);
	return r;
}

/* Has [p, p + len) the digest want? */
int
digest_equal(const unsigned char *p, size_t len, const unsigned char want[16])
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, XXH3_128bits(p, len));
	return memcmp(canon.digest, want, 16) == 0;
}

/* Is message m (region ending at region_end) in buf, which holds w0 on? */
static int
message_matches(const struct message *m, off_t region_end,
    const unsigned char *buf, off_t w0)
{
	static const unsigned char separator[2][2] = {
		{ '\n', '\0' }, { '\r', '\n' }
	};
	XXH128_canonical_t canon;
	unsigned sep = msg_separator(m);
	off_t end = region_end - (off_t)sep;

	XXH128_canonicalFromHash(&canon, XXH3_128bits(buf + (m->from_offset -
	    w0), (size_t)(end - m->from_offset)));
	return memcmp(canon.digest, m->content_digest, 16) == 0 &&
	    (sep == 0 || memcmp(buf + (end - w0), separator[sep - 1],
	    sep) == 0);
}

/* The same for a message longer than a window, streamed. */
static int
long_message_matches(int fd, const struct message *m, off_t region_end)
{
	unsigned char digest[16], tail[2];
	unsigned sep = msg_separator(m);
	off_t end = region_end - (off_t)sep;

	if (content_digest(fd, m->from_offset, end, digest) == -1 ||
	    memcmp(digest, m->content_digest, 16) != 0)
		return 0;
	if (sep == 0)
		return 1;
	return pread_full(fd, tail, sep, end) == (ssize_t)sep &&
	    tail[sep - 1] == '\n' && (sep == 1 || tail[0] == '\r');
}

/*
 * How many of table t's leading messages file fd (size octets) still
 * holds exactly: each one's octets must have its digest and be followed
 * by its separator, and the last must still end the file.  Together they
 * are every octet the table was made from, so a scan would find the same.
 * One pass of windows and an XXH3 call per message; no line is looked at.
 * buf holds MBOX_WINDOW_BYTES.
 */
size_t
table_matches(int fd, off_t size, const struct msg_table *t,
    unsigned char *buf)
{
	const struct message *msgs = t->msgs;
	size_t count = t->count;
	off_t indexed_size = t->end;
	off_t w0 = 0, region_end;
	size_t i, wlen = 0;

	for (i = 0; i < count; i++) {
		region_end = i + 1 < count ? msgs[i + 1].from_offset :
		    indexed_size;
		if (region_end > size || (i + 1 == count && size != region_end))
			break;
		if (region_end - msgs[i].from_offset > MBOX_WINDOW_BYTES) {
			if (!long_message_matches(fd, &msgs[i], region_end))
				break;
			continue;
		}
		if (msgs[i].from_offset < w0 || region_end > w0 + (off_t)wlen) {
			w0 = msgs[i].from_offset;
			wlen = size - w0 < MBOX_WINDOW_BYTES ?
			    (size_t)(size - w0) : MBOX_WINDOW_BYTES;
			if (pread_full(fd, buf, wlen, w0) != (ssize_t)wlen)
				break;
		}
		if (!message_matches(&msgs[i], region_end, buf, w0))
			break;
	}
	return i;
}

/* The message of t that starts at offset, or NO_MATCH. */
size_t
table_at(const struct msg_table *t, off_t offset)
{
	size_t lo = 0, hi = t->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->msgs[mid].from_offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->count && t->msgs[lo].from_offset == offset ? lo :
	    NO_MATCH;
}

/* By digest, then length, then place in the table. */
int
identity_order(const void *a, const void *b)
{
	const struct identity *x = a, *y = b;
	int c = memcmp(x->digest, y->digest, 16);

	if (c != 0)
		return c;
	if (x->length != y->length)
		return x->length < y->length ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int
same_identity(const struct identity *a, const struct identity *b)
{
	return memcmp(a->digest, b->digest, 16) == 0 && a->length == b->length;
}

/* The first entry of sorted ids (n) with id's digest and length, or n. */
size_t
identity_find(const struct identity *ids, size_t n, const struct identity *id)
{
	size_t lo = 0, hi = n, mid;
	struct identity key = *id;

	key.index = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (identity_order(&ids[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && same_identity(&ids[lo], id) ? lo : n;
}

/* Table t's identities, sorted; NULL if out of memory. */
struct identity *
table_identities(const struct msg_table *t)
{
	struct identity *ids;
	size_t j;

	ids = reallocarray(NULL, t->count > 0 ? t->count : 1, sizeof(*ids));
	if (ids == NULL)
		return NULL;
	for (j = 0; j < t->count; j++) {
		memcpy(ids[j].digest, t->msgs[j].content_digest, 16);
		ids[j].length = table_length(t, j);
		ids[j].index = j;
		ids[j].next = 0;
	}
	qsort(ids, t->count, sizeof(*ids), identity_order);
	return ids;
}

/*
 * The last message had no final line end at login, and a delivery agent
 * ended that line before appending its own message: the current message
 * at the same place is the session's octets and one LF.  It is the same
 * message (its wire form is the same), not another.
 */
static int
newline_added(const struct msg_table *view, size_t i,
    const struct msg_table *cur, size_t j, int fd)
{
	unsigned char digest[16], lf;
	off_t from = view->msgs[i].from_offset, len = table_length(view, i);

	if (i + 1 != view->count || msg_separator(&view->msgs[i]) != 0 ||
	    cur->msgs[j].from_offset != from ||
	    table_end(cur, j) - from != len + 1)
		return 0;
	if (pread_full(fd, &lf, 1, from + len) != 1 || lf != '\n' ||
	    content_digest(fd, from, from + len, digest) == -1)
		return 0;
	return memcmp(digest, view->msgs[i].content_digest, 16) == 0;
}

/*
 * Maps each of the session's messages (view) to the current message with the
 * same octets: the copies of one message, in the session's order, take
 * its copies in the file, in file order, each at most once; a session
 * copy left over is gone.  map[i] is an index into cur or NO_MATCH.
 */
int
map_messages(const struct msg_table *view, const struct msg_table *cur,
    int fd, size_t *map)
{
	struct identity *ids, id;
	size_t i, g, k;

	ids = table_identities(cur);
	if (ids == NULL)
		return -1;
	for (i = 0; i < view->count; i++) {
		map[i] = NO_MATCH;
		memcpy(id.digest, view->msgs[i].content_digest, 16);
		id.length = table_length(view, i);
		g = identity_find(ids, cur->count, &id);
		if (g < cur->count) {
			k = g + ids[g].next;
			if (k < cur->count && same_identity(&ids[k], &id)) {
				map[i] = ids[k].index;
				ids[g].next++;
			}
			continue;
		}
		k = table_at(cur, view->msgs[i].from_offset);
		if (k != NO_MATCH && newline_added(view, i, cur, k, fd))
			map[i] = k;
	}
	free(ids);
	return 0;
}

/*
 * The file's messages now, into cur as scan_table() makes them: the
 * session's leading messages (view; capped: a cap stopped its scan)
 * whose octets are still exactly in place (table_matches(), which reads
 * and hashes them all) are taken, the last of them and the rest scanned
 * again.  Called under the locks.
 */
enum scan_status
current_table(const struct msg_table *view, int capped, int fd, off_t size,
    struct msg_table *cur, scan_tick tick, void *arg)
{
	struct message *msgs;
	unsigned char *buf;
	size_t k;

	memset(cur, 0, sizeof(*cur));
	if (view->count == 0)
		return scan_table(fd, size, cur, 0, tick, arg);
	buf = malloc(MBOX_WINDOW_BYTES);
	msgs = reallocarray(NULL, view->count, sizeof(*msgs));
	if (buf == NULL || msgs == NULL) {
		free(buf);
		free(msgs);
		return SCAN_NO_MEMORY;
	}
	k = table_matches(fd, size, view, buf);
	free(buf);
	if (k == view->count && !capped) {
		memcpy(msgs, view->msgs, view->count * sizeof(*msgs));
		cur->msgs = msgs;
		cur->count = cur->capacity = view->count;
		cur->end = size;
		return SCAN_OK;
	}
	if (k == 0) {
		free(msgs);
		return scan_table(fd, size, cur, 0, tick, arg);
	}
	memcpy(msgs, view->msgs, k * sizeof(*msgs));
	cur->msgs = msgs;
	cur->count = k - 1;
	cur->capacity = view->count;
	return scan_table(fd, size, cur, msgs[k - 1].from_offset, tick, arg);
}
