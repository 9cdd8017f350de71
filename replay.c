/*
 * replay.c: finishing an update a crash interrupted, from its journal
 * (written by journal.c; the layout is in journal_int.h).
 *
 * Replay (at the next login, or pop3d --recover) redoes the newest valid
 * step, which is idempotent: a recorded copy is written again, and a
 * non-overlapping source is intact because every earlier write landed
 * below it.  Then it carries on from there, including any mail appended
 * after the crash, and truncates.  Until replay, other readers may see a
 * duplicated chunk; after it, every kept message is whole and in place.
 *
 * Before it writes anything, the replay checks that the file is the one
 * the journal was made for, by its octets: nothing below the newest
 * step's destination is written again, and everything above it is still
 * the original, so each 4 KiB block there must have its recorded digest,
 * each block of the destination its original digest or the step's new
 * octets, and the previous step's output its digest.  A file restored from
 * a backup or replaced since the crash fails this, and the journal is
 * dropped without a write.
 *
 * Owns: reading and checking a journal (header, ranges, block digests,
 * slots), and the check that the mailbox is the file it was made for.
 * Trusts: the mailbox, already locked by the caller, only by its octets:
 * the inode number can rule a journal out, never in.  Nothing the journal
 * says is used before its XXH3-64 checks pass; a journal that fails them
 * is ignored, one of another version kept.
 * Must not: write to the mailbox before file_is_ours() has passed, or
 * other than through journal.c's steps (apply_move, compact_from), which
 * hold the fault points.  Runs as the user.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see scan.c */
#endif

#include "journal.h"
#include "journal_int.h"
#include "params.h"
#include "replay.h"
#include "util.h"

/* Reads slot k; 0 when it is valid (its data too, if it has any). */
static int
read_slot(struct journal *j, int k, struct journal_slot *s)
{
	int ok;
	off_t off = j->slots_off + (off_t)k * (off_t)(JOURNAL_BLOCK +
	    j->slot_data);

	if (pread_full(j->jfd, s, sizeof(*s), off) != (ssize_t)sizeof(*s) ||
	    s->seq == 0 || s->check != slot_checksum(s))
		return -1;
	/* Bounded before they are added: a forged journal's sums must not wrap. */
	if (s->kind == STEP_MOVE && (s->src > (uint64_t)j->size ||
	    s->len > (uint64_t)j->size || s->dst >= s->src ||
	    s->next_src < s->src + s->len || s->next_src > (uint64_t)j->size))
		return -1;
	if (s->kind == STEP_MOVE && s->has_data) {
		if (s->len > j->slot_data || region_hash(j, j->jfd,
		    off + JOURNAL_BLOCK, (off_t)s->len, &ok) != s->data_check ||
		    !ok)
			return -1;
	}
	if (s->kind == STEP_TRUNCATE && (s->size_before > (uint64_t)INT64_MAX ||
	    s->new_size >= s->size_before ||
	    s->nonce_len == 0 || s->nonce_len > NONCE_BYTES ||
	    s->nonce_len > s->size_before - s->new_size ||
	    (s->phase != 1 && s->phase != 2)))
		return -1;
	return s->kind == STEP_MOVE || s->kind == STEP_TRUNCATE ? 0 : -1;
}

static int
ranges_valid(const struct journal_range *r, size_t n, off_t size)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (r[k].start < 0 || r[k].start >= r[k].end ||
		    r[k].end > size || (k > 0 && r[k].start < r[k - 1].end))
			return 0;
	return n > 0;
}

/* Does [off, off+len) of the mailbox hash to check? */
static int
region_has(struct journal *j, off_t off, off_t len, uint64_t check)
{
	int ok;

	if (off < 0 || len < 0 || off > j->size || len > j->size - off)
		return 0;
	return region_hash(j, j->fd, off, len, &ok) == check && ok;
}

/*
 * Does every HASH_BLOCK block that lies wholly in [from, to) of the file
 * hold the original octets, or, given a move s whose destination holds
 * the blocks, the octets s writes there?  Blocks cut by from or to are
 * not looked at: the octets beside them are another part's.
 */
static int
blocks_hold(struct journal *j, off_t from, off_t to,
    const struct journal_slot *s)
{
	unsigned char block[HASH_BLOCK];
	uint64_t want, have;
	off_t at, end, src;
	size_t len;

	if (from < j->hashed_from)
		from = j->hashed_from;
	if (to > j->original_size)
		to = j->original_size;
	at = j->hashed_from + (from - j->hashed_from + HASH_BLOCK - 1) /
	    HASH_BLOCK * HASH_BLOCK;
	for (; at < to; at += HASH_BLOCK) {
		end = at + HASH_BLOCK < j->original_size ? at + HASH_BLOCK :
		    j->original_size;
		if (end > to)
			break;
		len = (size_t)(end - at);
		if (pread_full(j->fd, block, len, at) != (ssize_t)len ||
		    pread_full(j->jfd, &want, sizeof(want), j->hashes_off +
		    (at - j->hashed_from) / HASH_BLOCK * 8) != sizeof(want))
			return 0;
		have = XXH3_64bits(block, len);
		if (have == want)
			continue;
		if (s == NULL)
			return 0;
		/* Already written by the step: its data, or its source. */
		src = at - (off_t)s->dst;
		if (s->has_data ? pread_full(j->jfd, block, len, slot_offset(j,
		    s->seq) + JOURNAL_BLOCK + src) != (ssize_t)len :
		    pread_full(j->fd, block, len, (off_t)s->src + src) !=
		    (ssize_t)len)
			return 0;
		if (XXH3_64bits(block, len) != have)
			return 0;
	}
	return 1;
}

/* Is the cut of truncate step s not done: its nonce still in the file? */
static int
nonce_present(struct journal *j, const struct journal_slot *s)
{
	unsigned char buf[NONCE_BYTES];
	size_t n = (size_t)s->nonce_len;

	return pread_full(j->fd, buf, n, (off_t)s->new_size) == (ssize_t)n &&
	    memcmp(buf, s->nonce, n) == 0;
}

/* Does piece [from, to) of the destination of move s hold its new octets? */
static int
piece_is_new(struct journal *j, const struct journal_slot *s, off_t from,
    off_t to)
{
	uint64_t want;
	off_t at = from - (off_t)s->dst;
	int ok;

	want = s->has_data ? region_hash(j, j->jfd, slot_offset(j, s->seq) +
	    JOURNAL_BLOCK + at, to - from, &ok) :
	    region_hash(j, j->fd, (off_t)s->src + at, to - from, &ok);
	return ok && region_has(j, from, to - from, want);
}

/* The edge pieces of s: as recorded, or (the destination's) newly written. */
static int
edges_hold(struct journal *j, const struct journal_slot *s)
{
	struct edges e;

	step_edges(j, s, &e);
	if (!region_has(j, e.below[0], e.below[1] - e.below[0],
	    s->below_check) || !region_has(j, e.above[0], e.above[1] -
	    e.above[0], s->above_check))
		return 0;
	if (s->kind != STEP_MOVE)
		return 1;
	return (region_has(j, e.head[0], e.head[1] - e.head[0],
	    s->head_check) || piece_is_new(j, s, e.head[0], e.head[1])) &&
	    (region_has(j, e.tail[0], e.tail[1] - e.tail[0], s->tail_check) ||
	    piece_is_new(j, s, e.tail[0], e.tail[1]));
}

/*
 * Is the file the one this journal was made for, with step s the newest
 * one begun?  Nothing below s's destination is written again, so the
 * previous step's output must have its digest; nothing above it has been
 * written yet, so every block there must be the original.  The
 * destination itself holds the original or what s writes.
 */
static int
file_is_ours(struct journal *j, const struct journal_slot *s)
{
	if (s->seq > 1 && !region_has(j, (off_t)s->prev_dst,
	    (off_t)s->prev_len, s->prev_check))
		return 0;
	if (!edges_hold(j, s))
		return 0;
	if (s->kind == STEP_TRUNCATE)
		return blocks_hold(j, (off_t)(s->new_size + s->nonce_len),
		    j->original_size, NULL);
	return blocks_hold(j, (off_t)(s->dst + s->len), j->original_size,
	    NULL) && blocks_hold(j, (off_t)s->dst, (off_t)(s->dst + s->len), s);
}

/*
 * Redoes the newest step and finishes the update.  0: nothing to do, -2:
 * the journal is not for this file, -1: failed.
 */
static int
replay_newest(struct journal *j)
{
	struct journal_slot a, b, *s;
	int va, vb;

	va = read_slot(j, 0, &a) == 0;
	vb = read_slot(j, 1, &b) == 0;
	if (!va && !vb)
		return 0;	/* no step was ever recorded: nothing changed */
	s = va && (!vb || a.seq > b.seq) ? &a : &b;
	j->seq = s->seq;
	/* Cut already: what follows is mail delivered since. */
	if (s->kind == STEP_TRUNCATE && s->phase == 2 && !nonce_present(j, s))
		return 0;
	/*
	 * Shorter than when the update began, or than when its cut was
	 * recorded, yet not cut by it.
	 */
	if (j->size < j->original_size || (s->kind == STEP_TRUNCATE &&
	    s->size_before > (uint64_t)j->size) || !file_is_ours(j, s))
		return -2;
	j->prev_dst = (off_t)s->prev_dst;
	j->prev_len = (off_t)s->prev_len;
	j->prev_check = s->prev_check;
	if (s->kind == STEP_MOVE) {
		if (apply_move(j, s) == -1)
			return -1;
		return compact_from(j, (off_t)(s->dst + s->len),
		    (off_t)s->next_src);
	}
	return compact_from(j, (off_t)s->new_size, (off_t)s->size_before);
}

/*
 * Reads and checks the header, ranges and block digests into j and
 * *ranges_r.  0 valid; 1 torn before any step (nothing happened); 2 of
 * another file; -1 failed or of another version (keep the journal).
 */
static int
read_header(struct journal *j, const struct stat *st,
    struct journal_range **ranges_r)
{
	struct journal_header h;
	struct journal_range *ranges;
	uint64_t digests;
	size_t n;
	int ok;

	if (pread_full(j->jfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 1;
	if (memcmp(h.magic, JOURNAL_MAGIC, sizeof(h.magic)) != 0) {
		if (memcmp(h.magic, JOURNAL_MAGIC_PREFIX,
		    sizeof(JOURNAL_MAGIC_PREFIX) - 1) != 0)
			return 1;
		errno = EPROTO;	/* another version's: keep it */
		return -1;
	}
	/* Bounded as a file's offsets are, before any arithmetic. */
	if (h.size > (uint64_t)INT64_MAX - HASH_BLOCK ||
	    h.nranges == 0 || h.nranges > MBOX_MESSAGES_MAX ||
	    h.slot_data == 0 || h.slot_data > JOURNAL_CHUNK_BYTES ||
	    h.hashed_from % HASH_BLOCK != 0 || h.hashed_from > h.size ||
	    h.nblocks != (h.size - h.hashed_from + HASH_BLOCK - 1) / HASH_BLOCK)
		return 1;
	if (h.ino != (uint64_t)st->st_ino)
		return 2;
	n = (size_t)h.nranges;
	ranges = reallocarray(NULL, n, sizeof(*ranges));
	if (ranges == NULL)
		return -1;
	journal_layout(j, n, (off_t)h.hashed_from, (off_t)h.size);
	digests = region_hash(j, j->jfd, j->hashes_off, (off_t)h.nblocks * 8,
	    &ok);
	if (!ok || pread_full(j->jfd, ranges, n * sizeof(*ranges),
	    JOURNAL_BLOCK) != (ssize_t)(n * sizeof(*ranges)) ||
	    header_checksum(&h, ranges, digests) != h.check ||
	    !ranges_valid(ranges, n, (off_t)h.size)) {
		free(ranges);
		return 1;
	}
	j->ranges = ranges;
	j->n = n;
	*ranges_r = ranges;
	return 0;
}

/*
 * Finishes the update that journal jfd records on fd, if it is for this
 * file.  Returns 1 when the mailbox was repaired, 0 when there was nothing
 * to do, 2 when the journal is not for the file as it now is (both: the
 * journal can go), -1 on failure (keep the journal).
 */
int
journal_replay(int fd, int jfd, journal_tick tick, void *arg)
{
	struct journal_header h;
	struct journal_range *ranges = NULL;
	struct journal j;
	struct stat st;
	int r;

	if (fstat(fd, &st) == -1)
		return -1;
	if (pread_full(jfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	if (journal_setup(&j, fd, jfd, h.slot_data > 0 &&
	    h.slot_data <= JOURNAL_CHUNK_BYTES ? (size_t)h.slot_data : 1) == -1)
		return -1;
	j.size = st.st_size;	/* with any mail appended since the crash */
	j.tick = tick;
	j.arg = arg;
	r = read_header(&j, &st, &ranges);
	if (r == 0) {
		r = replay_newest(&j);
		if (r == -2)
			r = 2;	/* not this file's journal any more: drop it */
		else if (r == 0 && j.seq > 0)
			r = 1;
	} else if (r == 1)
		r = 0;		/* torn before any step: nothing happened */
	journal_free(&j);
	free(ranges);
	return r;
}
