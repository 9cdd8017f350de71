/*
 * journal.c: removing byte ranges from a file in place, crash-safely.
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
 * Trusts: the mailbox (already locked by the caller) and the journal, whose
 * records are checked with XXH3-64 before use; a journal that fails its
 * checks, or names another inode, is ignored.  Runs as the user.
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
#include "params.h"
#include "util.h"

#define JOURNAL_MAGIC	"pop3d-journal-2\n"
/* Any version's magic starts so: one of another version is not ignored. */
#define JOURNAL_MAGIC_PREFIX	"pop3d-journal-"
#define JOURNAL_BLOCK	4096
#define STEP_MOVE	1
#define STEP_TRUNCATE	2
/* Octets per digest of the original file (the replay's proof it is ours). */
#define HASH_BLOCK	4096
#define NONCE_BYTES	16
#define COPY_BYTES	(256L * 1024)

struct journal_header {
	char		magic[16];
	uint64_t	ino;		/* the mailbox's */
	uint64_t	size;		/* its size when the update began */
	uint64_t	nranges;
	uint64_t	slot_data;	/* bytes of source copy per slot */
	uint64_t	hashed_from;	/* first block digested, HASH_BLOCK-aligned */
	uint64_t	nblocks;	/* block digests, up to size */
	uint64_t	check;		/* XXH3-64 of the above, ranges, digests */
};

struct journal_slot {
	uint64_t	seq;		/* 1, 2, ...; the newest valid wins */
	uint64_t	kind;
	uint64_t	dst, src, len;	/* a move */
	uint64_t	next_src;	/* where reading goes on after it */
	uint64_t	has_data;	/* the source bytes follow the slot */
	uint64_t	size_before;	/* a truncation: from, to */
	uint64_t	new_size;
	uint64_t	phase;		/* 1: no move again; 2: nonce written */
	unsigned char	nonce[NONCE_BYTES];	/* over the tail, phase 2 */
	uint64_t	nonce_len;
	uint64_t	data_check;	/* XXH3-64 of the data */
	/*
	 * The parts of 4 KiB blocks at the step's edges that no block digest
	 * covers, as they were when the step was recorded: below its
	 * destination (final), the destination's first and last partial
	 * block (old; or new once written), above its end (original).
	 */
	uint64_t	below_check, head_check, tail_check, above_check;
	uint64_t	prev_dst;	/* what the previous step left, */
	uint64_t	prev_len;	/* for telling this file from one */
	uint64_t	prev_check;	/* someone restored since the crash */
	uint64_t	check;		/* XXH3-64 of the fields above */
};

struct journal {
	int				 fd, jfd;
	const struct journal_range	*ranges;
	size_t				 n;
	off_t				 size;		/* of the file now */
	off_t				 original_size;	/* when the update began */
	off_t				 hashes_off;	/* block digests */
	off_t				 hashed_from;
	off_t				 slots_off;
	size_t				 slot_data;
	uint64_t			 seq;
	unsigned char			*copy;		/* COPY_BYTES */
	off_t				 prev_dst, prev_len;
	uint64_t			 prev_check;	/* XXH3-64 of it */
	journal_tick			 tick;
	void				*arg;
};

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

static uint64_t
slot_checksum(const struct journal_slot *s)
{
	return XXH3_64bits(s, offsetof(struct journal_slot, check));
}

static off_t
slot_offset(const struct journal *j, uint64_t seq)
{
	return j->slots_off +
	    (off_t)(seq % 2) * (off_t)(JOURNAL_BLOCK + j->slot_data);
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
static uint64_t
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

/*
 * The step's edge pieces (see struct journal_slot): [lo, hi) is what the
 * step writes (a move's destination; a cut's nonce).  Each piece lies in
 * one page, so a crash leaves it all old or all new.
 */
struct edges {
	off_t	below[2], head[2], tail[2], above[2];
};

static void
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
static int
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
static int
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

static int
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

static void
journal_free(struct journal *j)
{
	free(j->copy);
}

static uint64_t
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
static void
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
	if (s->kind == STEP_MOVE && (s->dst >= s->src ||
	    s->next_src < s->src + s->len || s->next_src > (uint64_t)j->size))
		return -1;
	if (s->kind == STEP_MOVE && s->has_data) {
		if (s->len > j->slot_data || region_hash(j, j->jfd,
		    off + JOURNAL_BLOCK, (off_t)s->len, &ok) != s->data_check ||
		    !ok)
			return -1;
	}
	if (s->kind == STEP_TRUNCATE && (s->new_size >= s->size_before ||
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

	if (off < 0 || len < 0 || off + len > j->size)
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

/*
 * Is the file the one this journal was made for, with step s the newest
 * one begun?  Nothing below s's destination is written again, so the
 * previous step's output must have its digest; nothing above it has been
 * written yet, so every block there must be the original.  The
 * destination itself holds the original or what s writes.
 */
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
	/* Shorter than when the update began, yet not cut by it. */
	if (j->size < j->original_size || !file_is_ours(j, s))
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
	if (h.nranges == 0 || h.nranges > MBOX_MESSAGES_MAX ||
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
