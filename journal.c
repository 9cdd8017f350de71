/*
 * journal.c: removing byte ranges from a file in place, crash-safely: the
 * journal's layout (journal_int.h) and writing it while the data moves.
 *
 * Deleting messages from an mbox means moving every kept byte after the
 * first deleted one down over the gap.  Done naively, a crash in the middle
 * of a move whose source and destination overlap leaves a message with a
 * chunk of itself in two places.  The inode must stay (delivery agents wait
 * on its locks), so the fix is a journal in a file of its own:
 *
 *   1. The journal gets its header (the file's inode and size, the ranges
 *      to remove, and an XXH3-64 digest of every 4 KiB block of the file
 *      from the first range on), its space reserved and is synced before
 *      the mailbox is touched; ENOSPC can only happen here, when nothing
 *      has changed.
 *   2. Each step moves one chunk down.  Before the write, the step is
 *      recorded and synced: its destination, source and length, and, when
 *      source and destination overlap, a copy of the source bytes.  After
 *      the write the mailbox is synced before the next step is recorded.
 *      Steps alternate between two slots, so a torn record never destroys
 *      the previous one.
 *   3. The last step records the truncation in two phases: first that no
 *      move will be redone, then, after a random nonce has been written
 *      over the start of the tail and synced, that the cut may be done.
 *      Then the file is truncated and synced, and the caller removes the
 *      journal.  The nonce tells a file that was not cut from one that was
 *      cut and then got mail, whatever that mail's octets (a copy of the
 *      very tail that was cut included).
 *
 * A replay (replay.c) finishes an interrupted update with the same steps
 * (apply_move, compact_from), so it writes nothing this file does not.
 *
 * Owns: the journal's layout, header, slots and checksums, and every
 * write, sync and truncate of an update, each a fault point in test builds
 * (journal_fault_point), in the order the crash tests count them.
 * Trusts: the mailbox, already locked by the caller, and the ranges it is
 * given: sorted, disjoint and inside the file (update.c makes them so; a
 * replay checks a journal's ranges before it passes them on, replay.c).
 * Must not: change the mailbox before the journal's header is synced, or
 * trust a journal it reads back: checking one is replay.c's job.  Runs as
 * the user.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see scan.c */
#endif

#include "journal.h"
#include "journal_int.h"
#include "params.h"
#include "util.h"

/*
 * Test builds (-DPOP3D_FAULT_INJECTION) die by SIGKILL at the N-th write,
 * truncate or sync of an update, N from POP3D_FAULT_AFTER, so the tests can
 * crash pop3d at every point and check what the next session sees.
 */
void
journal_fault_point(void)
{
#ifdef POP3D_FAULT_INJECTION
	static long count, after = -1;
	const char *env;

	if (after == -1) {
		env = getenv("POP3D_FAULT_AFTER");
		after = env != NULL ? strtol(env, NULL, 10) : 0;
	}
	if (after > 0 && ++count == after)
		(void)kill(getpid(), SIGKILL);
#endif
}

/* The journal of dir/name is dir/.name.pop3d-journal. */
int
journal_path_for(const char *mailbox, char *out, size_t size)
{
	const char *slash = strrchr(mailbox, '/');
	int n;

	if (slash == NULL)
		n = snprintf(out, size, ".%s.pop3d-journal", mailbox);
	else
		n = snprintf(out, size, "%.*s/.%s.pop3d-journal",
		    (int)(slash - mailbox), mailbox, slash + 1);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Every mutation of an update goes through here: one fault point each.
 * The write-back of what was written is started at once (it changes no
 * guarantee: fdatasync() still waits for it), so the disk works while the
 * next chunk is copied instead of all at the step's sync.
 */
static int
update_write(int fd, const void *buf, size_t len, off_t off)
{
	int r = pwrite_full(fd, buf, len, off);

	if (r == 0)
		(void)sync_file_range(fd, off, (off_t)len,
		    SYNC_FILE_RANGE_WRITE);
	journal_fault_point();
	return r;
}

static int
update_sync(int fd)
{
	int r = fdatasync(fd);

	journal_fault_point();
	return r;
}

uint64_t
slot_checksum(const struct journal_slot *s)
{
	return XXH3_64bits(s, offsetof(struct journal_slot, check));
}

/*
 * Copies len bytes from (from_fd, from) to (to_fd, to) through the small
 * copy buffer, front to back (safe for an overlapping move down), adding
 * them to hash if given.  Memory stays at COPY_BYTES however large a step.
 * Writes to the mailbox end on HASH_BLOCK boundaries (but the last), so a
 * crash leaves each block of a destination all old or all new, as the
 * replay's check expects; the kernel cuts a write short only at a page.
 */
static int
stream_copy(struct journal *j, int from_fd, off_t from, int to_fd, off_t to,
    off_t len, XXH3_state_t *hash)
{
	size_t n;

	while (len > 0) {
		n = len < COPY_BYTES ? (size_t)len : COPY_BYTES;
		if (to_fd == j->fd && n > COPY_BYTES - (size_t)(to % HASH_BLOCK))
			n = COPY_BYTES - (size_t)(to % HASH_BLOCK);
		if (pread_full(from_fd, j->copy, n, from) != (ssize_t)n ||
		    (hash != NULL &&
		    XXH3_64bits_update(hash, j->copy, n) != XXH_OK) ||
		    update_write(to_fd, j->copy, n, to) == -1)
			return -1;
		from += (off_t)n;
		to += (off_t)n;
		len -= (off_t)n;
	}
	return 0;
}

/* XXH3-64 of [off, off+len) of fd, or 0 with *ok_r cleared. */
uint64_t
region_hash(struct journal *j, int fd, off_t off, off_t len, int *ok_r)
{
	XXH3_state_t *state;
	uint64_t h = 0;
	size_t n;

	*ok_r = 0;
	state = XXH3_createState();
	if (state == NULL || XXH3_64bits_reset(state) != XXH_OK)
		goto out;
	while (len > 0) {
		n = len < COPY_BYTES ? (size_t)len : COPY_BYTES;
		if (pread_full(fd, j->copy, n, off) != (ssize_t)n ||
		    XXH3_64bits_update(state, j->copy, n) != XXH_OK)
			goto out;
		off += (off_t)n;
		len -= (off_t)n;
	}
	h = XXH3_64bits_digest(state);
	*ok_r = 1;
out:
	XXH3_freeState(state);
	return h;
}

static off_t skip_removed(const struct journal *, off_t, size_t *);

/* Copies len kept bytes from r on, across removed ranges, to the journal. */
static int
gather_copy(struct journal *j, off_t r, off_t len, off_t to,
    XXH3_state_t *hash)
{
	size_t k = 0;
	off_t seg_end, n;

	while (len > 0) {
		r = skip_removed(j, r, &k);
		seg_end = k < j->n ? j->ranges[k].start : j->size;
		n = seg_end - r < len ? seg_end - r : len;
		if (n <= 0 || stream_copy(j, j->fd, r, j->jfd, to, n,
		    hash) == -1)
			return -1;
		r += n;
		to += n;
		len -= n;
	}
	return 0;
}

static off_t
block_floor(off_t at)
{
	return at / HASH_BLOCK * HASH_BLOCK;
}

static off_t
block_ceil(off_t at)
{
	return (at + HASH_BLOCK - 1) / HASH_BLOCK * HASH_BLOCK;
}

void
step_edges(const struct journal *j, const struct journal_slot *s,
    struct edges *e)
{
	off_t lo, hi;

	if (s->kind == STEP_MOVE) {
		lo = (off_t)s->dst;
		hi = lo + (off_t)s->len;
	} else {
		lo = (off_t)s->new_size;
		hi = lo + (off_t)s->nonce_len;
	}
	e->below[0] = block_floor(lo);
	e->below[1] = lo;
	e->head[0] = lo;
	e->head[1] = block_ceil(lo) < hi ? block_ceil(lo) : hi;
	e->tail[0] = block_floor(hi) > lo ? block_floor(hi) : lo;
	e->tail[1] = hi;
	e->above[0] = hi;
	e->above[1] = block_ceil(hi) < j->original_size ? block_ceil(hi) :
	    j->original_size;
	if (e->above[1] < hi)
		e->above[1] = hi;
	if (s->kind != STEP_MOVE)
		e->head[1] = e->tail[0] = e->tail[1] = lo;	/* the nonce */
}

static int
record_edges(struct journal *j, struct journal_slot *s)
{
	struct edges e;
	int ok[4];

	step_edges(j, s, &e);
	s->below_check = region_hash(j, j->fd, e.below[0], e.below[1] -
	    e.below[0], &ok[0]);
	s->head_check = region_hash(j, j->fd, e.head[0], e.head[1] - e.head[0],
	    &ok[1]);
	s->tail_check = region_hash(j, j->fd, e.tail[0], e.tail[1] - e.tail[0],
	    &ok[2]);
	s->above_check = region_hash(j, j->fd, e.above[0], e.above[1] -
	    e.above[0], &ok[3]);
	return ok[0] && ok[1] && ok[2] && ok[3] ? 0 : -1;
}

/*
 * Records a step durably.  A step that carries data copies its source
 * from the mailbox into the slot first, while the source is still intact.
 */
static int
record_step(struct journal *j, struct journal_slot *s)
{
	XXH3_state_t *hash = NULL;
	off_t off;
	int r = -1;

	s->seq = ++j->seq;
	s->prev_dst = (uint64_t)j->prev_dst;
	s->prev_len = (uint64_t)j->prev_len;
	s->prev_check = j->prev_check;
	if (s->phase != 2 && record_edges(j, s) == -1)
		return -1;
	off = slot_offset(j, s->seq);
	if (s->has_data) {
		hash = XXH3_createState();
		if (hash == NULL || XXH3_64bits_reset(hash) != XXH_OK ||
		    gather_copy(j, (off_t)s->src, (off_t)s->len, off +
		    JOURNAL_BLOCK, hash) == -1)
			goto out;
		s->data_check = XXH3_64bits_digest(hash);
	}
	s->check = slot_checksum(s);
	if (update_write(j->jfd, s, sizeof(*s), off) == -1)
		goto out;
	r = update_sync(j->jfd);
out:
	XXH3_freeState(hash);
	return r;
}

/* Carries out a recorded move (again, in a replay) and syncs it. */
int
apply_move(struct journal *j, const struct journal_slot *s)
{
	XXH3_state_t *written;
	int r = -1;

	written = XXH3_createState();
	if (written == NULL || XXH3_64bits_reset(written) != XXH_OK)
		goto out;
	/* A copy in the journal, or a source no write has reached yet. */
	if (s->has_data)
		r = stream_copy(j, j->jfd, slot_offset(j, s->seq) +
		    JOURNAL_BLOCK, j->fd, (off_t)s->dst, (off_t)s->len,
		    written);
	else
		r = stream_copy(j, j->fd, (off_t)s->src, j->fd,
		    (off_t)s->dst, (off_t)s->len, written);
	if (r == -1)
		goto out;
	if (j->tick != NULL)
		j->tick(j->arg);
	r = update_sync(j->fd);
	if (r == -1)
		goto out;
	/* What the next step records, to recognise this file by. */
	j->prev_dst = (off_t)s->dst;
	j->prev_len = (off_t)s->len;
	j->prev_check = XXH3_64bits_digest(written);
out:
	XXH3_freeState(written);
	return r;
}

/* The first kept byte at or after r, given the ranges from *k on. */
static off_t
skip_removed(const struct journal *j, off_t r, size_t *k)
{
	for (;;) {
		while (*k < j->n && j->ranges[*k].end <= r)
			(*k)++;
		/* Ranges may touch: skip every one that covers r. */
		if (*k == j->n || j->ranges[*k].start > r)
			return r;
		r = j->ranges[*k].end;
	}
}

/* A move of one run of kept bytes that does not overlap its source. */
static int
step_move(struct journal *j, off_t dst, off_t src, off_t len)
{
	struct journal_slot s;

	memset(&s, 0, sizeof(s));
	s.kind = STEP_MOVE;
	s.dst = (uint64_t)dst;
	s.src = (uint64_t)src;
	s.len = (uint64_t)len;
	s.next_src = (uint64_t)(src + len);
	if (record_step(j, &s) == -1)
		return -1;
	return apply_move(j, &s);
}

/*
 * A step that carries its data: up to slot_data kept bytes from r on,
 * gathered across removed ranges, for [w, w + len).  Many small runs (every
 * other message deleted) thus cost one step, not one each; and since w <=
 * r, the write ends before any byte a later step reads.
 */
static int
step_gather(struct journal *j, off_t w, off_t r, size_t k, off_t *len_r,
    off_t *next_r)
{
	struct journal_slot s;
	off_t want = (off_t)j->slot_data, seg_end, n;

	memset(&s, 0, sizeof(s));
	s.kind = STEP_MOVE;
	s.dst = (uint64_t)w;
	s.src = (uint64_t)r;
	s.has_data = 1;
	while (want > 0 && (r = skip_removed(j, r, &k)) < j->size) {
		seg_end = k < j->n ? j->ranges[k].start : j->size;
		n = seg_end - r < want ? seg_end - r : want;
		s.len += (uint64_t)n;
		want -= n;
		r += n;
	}
	s.next_src = (uint64_t)r;
	if (record_step(j, &s) == -1 || apply_move(j, &s) == -1)
		return -1;
	*len_r = (off_t)s.len;
	*next_r = r;
	return 0;
}

/*
 * The cut, in two recorded phases.  After phase 1 no move is redone and
 * the file is known not to be cut.  Then the start of the tail (octets
 * nobody needs any more) is overwritten with a random nonce and synced,
 * and phase 2 records that the cut may have happened: the replay then
 * finds the nonce only if it did not.  A fingerprint of the tail could
 * not tell: mail delivered after the cut may be the very octets cut off.
 */
static int
step_truncate(struct journal *j, off_t new_size)
{
	struct journal_slot s;
	off_t tail = j->size - new_size;

	memset(&s, 0, sizeof(s));
	s.kind = STEP_TRUNCATE;
	s.size_before = (uint64_t)j->size;
	s.new_size = (uint64_t)new_size;
	s.phase = 1;
	arc4random_buf(s.nonce, sizeof(s.nonce));
	s.nonce_len = tail < NONCE_BYTES ? (uint64_t)tail : NONCE_BYTES;
	if (record_step(j, &s) == -1 ||
	    update_write(j->fd, s.nonce, (size_t)s.nonce_len, new_size) == -1 ||
	    update_sync(j->fd) == -1)
		return -1;
	s.phase = 2;
	if (record_step(j, &s) == -1)
		return -1;
	if (ftruncate(j->fd, new_size) == -1)
		return -1;
	journal_fault_point();
	return update_sync(j->fd);
}

/*
 * Moves everything kept, from the state "[0, w) is final, [r, size) is
 * untouched", down, and truncates.  A step moves at most slot_data bytes
 * when it must carry a copy, or up to the whole gap when it need not.
 */
int
compact_from(struct journal *j, off_t w, off_t r)
{
	size_t k = 0;
	off_t seg_end, len, gap;

	while ((r = skip_removed(j, r, &k)) < j->size) {
		seg_end = k < j->n ? j->ranges[k].start : j->size;
		gap = r - w;
		if (gap == 0) {
			w = r = seg_end;
			continue;
		}
		if (gap < (off_t)j->slot_data) {
			if (step_gather(j, w, r, k, &len, &r) == -1)
				return -1;
			w += len;
			continue;
		}
		len = seg_end - r < gap ? seg_end - r : gap;
		if (step_move(j, w, r, len) == -1)
			return -1;
		w += len;
		r += len;
	}
	return step_truncate(j, w);
}

/*
 * Nothing to move (only a tail to cut) needs no journal: one ftruncate
 * either happened or did not.
 */
int
journal_needed(const struct journal_range *ranges, size_t n, off_t size)
{
	size_t k;

	if (n == 0)
		return 0;
	for (k = 0; k + 1 < n; k++)
		if (ranges[k].end != ranges[k + 1].start)
			return 1;
	return ranges[n - 1].end != size;
}

int
journal_setup(struct journal *j, int fd, int jfd, size_t slot_data)
{
	memset(j, 0, sizeof(*j));
	j->fd = fd;
	j->jfd = jfd;
	j->slot_data = slot_data > 0 ? slot_data : 1;
	j->copy = malloc(COPY_BYTES);
	if (j->copy == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
journal_free(struct journal *j)
{
	free(j->copy);
}

uint64_t
header_checksum(const struct journal_header *h,
    const struct journal_range *ranges, uint64_t digests_check)
{
	XXH64_hash_t a, b;

	a = XXH3_64bits(h, offsetof(struct journal_header, check));
	b = XXH3_64bits(ranges, (size_t)h->nranges * sizeof(*ranges));
	return a ^ (b * 0x9e3779b97f4a7c15ULL) ^
	    (digests_check * 0xc2b2ae3d27d4eb4fULL);
}

static off_t
round_up_block(off_t n)
{
	return (n + JOURNAL_BLOCK - 1) / JOURNAL_BLOCK * JOURNAL_BLOCK;
}

/* Where the journal's parts start, from what the header says. */
void
journal_layout(struct journal *j, size_t nranges, off_t hashed_from,
    off_t original_size)
{
	off_t nblocks = (original_size - hashed_from + HASH_BLOCK - 1) /
	    HASH_BLOCK;

	j->original_size = original_size;
	j->hashed_from = hashed_from;
	j->hashes_off = JOURNAL_BLOCK +
	    round_up_block((off_t)(nranges * sizeof(struct journal_range)));
	j->slots_off = j->hashes_off + round_up_block(nblocks * 8);
}

/*
 * Writes the digest of every HASH_BLOCK block of [hashed_from, size) to
 * the journal, the last block as long as the file goes; *check_r is the
 * digest of them all, for the header.  Nothing has changed yet, so a
 * crash here leaves a journal without a header: nothing to replay.
 */
static int
record_block_digests(struct journal *j, uint64_t *check_r)
{
	enum { PER_READ = COPY_BYTES / HASH_BLOCK };
	uint64_t digests[PER_READ];
	XXH3_state_t *all;
	off_t at = j->hashed_from, out = j->hashes_off;
	size_t n, k, blocks;
	int r = -1;

	all = XXH3_createState();
	if (all == NULL || XXH3_64bits_reset(all) != XXH_OK)
		goto done;
	while (at < j->size) {
		n = j->size - at < COPY_BYTES ? (size_t)(j->size - at) :
		    COPY_BYTES;
		if (pread_full(j->fd, j->copy, n, at) != (ssize_t)n)
			goto done;
		blocks = (n + HASH_BLOCK - 1) / HASH_BLOCK;
		for (k = 0; k < blocks; k++)
			digests[k] = XXH3_64bits(j->copy + k * HASH_BLOCK,
			    n - k * HASH_BLOCK < HASH_BLOCK ?
			    n - k * HASH_BLOCK : HASH_BLOCK);
		if (XXH3_64bits_update(all, digests, blocks * 8) != XXH_OK ||
		    pwrite_full(j->jfd, digests, blocks * 8, out) == -1)
			goto done;
		at += (off_t)n;
		out += (off_t)(blocks * 8);
	}
	*check_r = XXH3_64bits_digest(all);
	r = 0;
done:
	XXH3_freeState(all);
	return r;
}

/*
 * The block digests, the ranges, then the header that makes them count,
 * synced: until this returns, a crash leaves nothing to replay.
 */
static int
write_header(struct journal *j, uint64_t ino)
{
	struct journal_header h;
	uint64_t digests_check;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, JOURNAL_MAGIC, sizeof(h.magic));
	h.ino = ino;
	h.size = (uint64_t)j->size;
	h.nranges = j->n;
	h.slot_data = j->slot_data;
	h.hashed_from = (uint64_t)j->hashed_from;
	h.nblocks = (uint64_t)((j->size - j->hashed_from + HASH_BLOCK - 1) /
	    HASH_BLOCK);
	if (record_block_digests(j, &digests_check) == -1 ||
	    update_write(j->jfd, j->ranges, j->n * sizeof(*j->ranges),
	    JOURNAL_BLOCK) == -1)
		return -1;
	h.check = header_checksum(&h, j->ranges, digests_check);
	if (update_write(j->jfd, &h, sizeof(h), 0) == -1)
		return -1;
	return update_sync(j->jfd);
}

/*
 * Removes the sorted, disjoint ranges from fd (of size size) through the
 * journal jfd, a new empty file.  On failure with *started_r still 0
 * nothing has changed; after it, the journal holds what a replay needs.
 */
int
journal_remove_ranges(int fd, int jfd, const struct journal_range *ranges,
    size_t n, off_t size, journal_tick tick, void *arg, int *started_r)
{
	struct journal j;
	struct stat st;
	off_t move, total;
	size_t slot_data;
	int r;

	if (fstat(fd, &st) == -1)
		return -1;
	/* At most this much is kept after the first range: slots need no more. */
	move = size - ranges[0].end;
	slot_data = move < JOURNAL_CHUNK_BYTES ? (size_t)move :
	    JOURNAL_CHUNK_BYTES;
	if (journal_setup(&j, fd, jfd, slot_data) == -1)
		return -1;
	j.ranges = ranges;
	j.n = n;
	j.size = size;
	j.tick = tick;
	j.arg = arg;
	journal_layout(&j, n, ranges[0].start / HASH_BLOCK * HASH_BLOCK, size);
	total = j.slots_off + 2 * (off_t)(JOURNAL_BLOCK + j.slot_data);
	/* Space first: a full disk must fail before the mailbox changes. */
	r = posix_fallocate(jfd, 0, total);
	if (r != 0) {
		errno = r;
		r = -1;
	} else
		r = write_header(&j, (uint64_t)st.st_ino);
	if (r == 0) {
		*started_r = 1;
		r = compact_from(&j, ranges[0].start, ranges[0].start);
	}
	journal_free(&j);
	return r;
}
