/*
 * journal.h: removing byte ranges from a file in place, crash-safely.
 * Finishing such a removal after a crash: replay.h.
 */
#ifndef POP3D_JOURNAL_H
#define POP3D_JOURNAL_H

#include <sys/types.h>

#include <stddef.h>

struct journal_range {
	off_t	start, end;
};

/* Called between steps, so a long update can keep its dotlock fresh. */
typedef void (*journal_tick)(void *arg);

int	journal_path_for(const char *mailbox, char *out, size_t size);
int	journal_remove_ranges(int fd, int journal_fd,
	    const struct journal_range *ranges, size_t n, off_t size,
	    journal_tick tick, void *arg, int *started_r);
int	journal_needed(const struct journal_range *ranges, size_t n,
	    off_t size);
void	journal_fault_point(void);

#endif
