/*
 * journal_int.h: the journal's layout on disk, and what replay.c uses of
 * journal.c to finish an update.  Private to those two files.
 *
 * It only points to struct journal_range and spells journal_tick out, so
 * it need not include journal.h: journal.c includes this file, and this
 * file including journal.h back would be a circle (tests/include-graph).
 * The order is one way: replay.c uses journal.c, never the reverse.
 */
#ifndef POP3D_JOURNAL_INT_H
#define POP3D_JOURNAL_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct journal_range;

/*
 * The journal file: the header at 0; the ranges at JOURNAL_BLOCK; the
 * block digests (8 octets per HASH_BLOCK of the mailbox from hashed_from
 * on) from the next JOURNAL_BLOCK boundary; then two slots, each a
 * JOURNAL_BLOCK for a struct journal_slot and slot_data octets for the
 * source a step copied (journal_layout(), slot_offset()).
 */
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
	void				(*tick)(void *);	/* a journal_tick */
	void				*arg;
};

/*
 * The step's edge pieces (see struct journal_slot): [lo, hi) is what the
 * step writes (a move's destination; a cut's nonce).  Each piece lies in
 * one page, so a crash leaves it all old or all new.
 */
struct edges {
	off_t	below[2], head[2], tail[2], above[2];
};

/* Slots alternate: step seq goes into slot seq % 2. */
static inline off_t
slot_offset(const struct journal *j, uint64_t seq)
{
	return j->slots_off +
	    (off_t)(seq % 2) * (off_t)(JOURNAL_BLOCK + j->slot_data);
}

/* journal.c */
int	 journal_setup(struct journal *j, int fd, int jfd, size_t slot_data);
void	 journal_free(struct journal *j);
void	 journal_layout(struct journal *j, size_t nranges, off_t hashed_from,
	    off_t original_size);
uint64_t header_checksum(const struct journal_header *h,
	    const struct journal_range *ranges, uint64_t digests_check);
uint64_t slot_checksum(const struct journal_slot *s);
uint64_t region_hash(struct journal *j, int fd, off_t off, off_t len,
	    int *ok_r);
void	 step_edges(const struct journal *j, const struct journal_slot *s,
	    struct edges *e);
int	 apply_move(struct journal *j, const struct journal_slot *s);
int	 compact_from(struct journal *j, off_t w, off_t r);

#endif
