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
 *      to remove), its space reserved and is synced before the mailbox is
 *      touched; ENOSPC can only happen here, when nothing has changed.
 *   2. Each step moves one chunk down.  Before the write, the step is
 *      recorded and synced: its destination, source and length, and, when
 *      source and destination overlap, a copy of the source bytes.  After
 *      the write the mailbox is synced before the next step is recorded.
 *      Steps alternate between two slots, so a torn record never destroys
 *      the previous one.
 *   3. The last step records the truncation, with a fingerprint of the
 *      bytes it removes, then truncates and syncs.  The caller then
 *      removes the journal.
 *
 * Replay (at the next login, or pop3d --recover) redoes the newest valid
 * step, which is idempotent: a recorded copy is written again, and a
 * non-overlapping source is intact because every earlier write landed
 * below it.  Then it carries on from there, including any mail appended
 * after the crash, and truncates.  Until replay, other readers may see a
 * duplicated chunk; after it, every kept message is whole and in place.
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
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see mailbox.c */
#endif

#include "journal.h"
#include "params.h"

#define JOURNAL_MAGIC	"pop3d-journal-1\n"
#define JOURNAL_BLOCK	4096
#define STEP_MOVE	1
#define STEP_TRUNCATE	2
/* Bytes of the removed tail fingerprinted by a truncate step. */
#define TAIL_PRINT	4096
#define COPY_BYTES	(256L * 1024)

struct journal_header {
	char		magic[16];
	uint64_t	ino;		/* the mailbox's */
	uint64_t	size;		/* its size when the update began */
	uint64_t	nranges;
	uint64_t	slot_data;	/* bytes of source copy per slot */
	uint64_t	check;		/* XXH3-64 of the above and the ranges */
};

struct journal_slot {
	uint64_t	seq;		/* 1, 2, ...; the newest valid wins */
	uint64_t	kind;
	uint64_t	dst, src, len;	/* a move */
	uint64_t	next_src;	/* where reading goes on after it */
	uint64_t	has_data;	/* the source bytes follow the slot */
	uint64_t	size_before;	/* a truncation: from, to */
	uint64_t	new_size;
	uint64_t	data_check;	/* XXH3-64 of the data or the tail */
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

static ssize_t
pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (ssize_t)done : -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int
pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done,
		    off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
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
	int r = pwrite_all(fd, buf, len, off);

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
 */
static int
stream_copy(struct journal *j, int from_fd, off_t from, int to_fd, off_t to,
    off_t len, XXH3_state_t *hash)
{
	size_t n;

	while (len > 0) {
		n = len < COPY_BYTES ? (size_t)len : COPY_BYTES;
		if (pread_all(from_fd, j->copy, n, from) != (ssize_t)n ||
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
		if (pread_all(fd, j->copy, n, off) != (ssize_t)n ||
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

static uint64_t
tail_print(struct journal *j, off_t from)
{
	size_t n;

	n = j->size - from < TAIL_PRINT ? (size_t)(j->size - from) : TAIL_PRINT;
	if (pread_all(j->fd, j->copy, n, from) != (ssize_t)n)
		return 0;
	return XXH3_64bits(j->copy, n);
}

static int
step_truncate(struct journal *j, off_t new_size)
{
	struct journal_slot s;

	memset(&s, 0, sizeof(s));
	s.kind = STEP_TRUNCATE;
	s.size_before = (uint64_t)j->size;
	s.new_size = (uint64_t)new_size;
	s.data_check = tail_print(j, new_size);
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
    const struct journal_range *ranges)
{
	XXH64_hash_t a, b;

	a = XXH3_64bits(h, offsetof(struct journal_header, check));
	b = XXH3_64bits(ranges, (size_t)h->nranges * sizeof(*ranges));
	return a ^ (b * 0x9e3779b97f4a7c15ULL);
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
	struct journal_header h;
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
	j.slots_off = JOURNAL_BLOCK + (((off_t)(n * sizeof(*ranges)) +
	    JOURNAL_BLOCK - 1) / JOURNAL_BLOCK) * JOURNAL_BLOCK;
	total = j.slots_off + 2 * (off_t)(JOURNAL_BLOCK + j.slot_data);

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, JOURNAL_MAGIC, sizeof(h.magic));
	h.ino = (uint64_t)st.st_ino;
	h.size = (uint64_t)size;
	h.nranges = n;
	h.slot_data = j.slot_data;
	h.check = header_checksum(&h, ranges);
	/* Space first: a full disk must fail before the mailbox changes. */
	r = posix_fallocate(jfd, 0, total);
	if (r != 0) {
		errno = r;
		r = -1;
	} else if (update_write(jfd, ranges, n * sizeof(*ranges),
	    JOURNAL_BLOCK) == -1 ||
	    update_write(jfd, &h, sizeof(h), 0) == -1 || update_sync(jfd) == -1)
		r = -1;
	else {
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

	if (pread_all(j->jfd, s, sizeof(*s), off) != (ssize_t)sizeof(*s) ||
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
	/*
	 * The step before the newest finished and was synced before the
	 * newest was recorded, and nothing of ours writes there again: if
	 * its result is gone, someone else rewrote the file since the crash
	 * (restored it from a backup, say), and this journal is not for it.
	 */
	if (s->seq > 1 && !region_has(j, (off_t)s->prev_dst,
	    (off_t)s->prev_len, s->prev_check))
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
	/* Truncated already, unless the removed tail is still there. */
	if ((off_t)s->size_before > j->size ||
	    tail_print(j, (off_t)s->new_size) != s->data_check)
		return 0;
	return compact_from(j, (off_t)s->new_size, (off_t)s->size_before);
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
	int r = 0;

	if (fstat(fd, &st) == -1)
		return -1;
	if (pread_all(jfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, JOURNAL_MAGIC, sizeof(h.magic)) != 0 ||
	    h.nranges == 0 || h.nranges > MBOX_MESSAGES_MAX ||
	    h.slot_data == 0 || h.slot_data > JOURNAL_CHUNK_BYTES)
		return 0;	/* torn before any step: nothing happened */
	if (h.ino != (uint64_t)st.st_ino || (off_t)h.size > st.st_size)
		return 2;	/* another file, or cut short since */
	ranges = reallocarray(NULL, (size_t)h.nranges, sizeof(*ranges));
	if (ranges == NULL)
		return -1;
	if (pread_all(jfd, ranges, (size_t)h.nranges * sizeof(*ranges),
	    JOURNAL_BLOCK) != (ssize_t)(h.nranges * sizeof(*ranges)) ||
	    header_checksum(&h, ranges) != h.check ||
	    !ranges_valid(ranges, (size_t)h.nranges, (off_t)h.size)) {
		free(ranges);
		return 0;
	}
	if (journal_setup(&j, fd, jfd, (size_t)h.slot_data) == -1) {
		free(ranges);
		return -1;
	}
	j.ranges = ranges;
	j.n = (size_t)h.nranges;
	j.size = st.st_size;	/* with any mail appended since the crash */
	j.tick = tick;
	j.arg = arg;
	j.slots_off = JOURNAL_BLOCK + (((off_t)(j.n * sizeof(*ranges)) +
	    JOURNAL_BLOCK - 1) / JOURNAL_BLOCK) * JOURNAL_BLOCK;
	r = replay_newest(&j);
	if (r == -2)
		r = 2;		/* not this file's journal any more: drop it */
	else if (r == 0 && j.seq > 0)
		r = 1;
	journal_free(&j);
	free(ranges);
	return r;
}
