/*
 * uidl.h: the unique-id of a message (pop3d(8), UIDL).
 */
#ifndef POP3D_UIDL_H
#define POP3D_UIDL_H

#include <sys/types.h>

#include <stddef.h>

#include <xxhash.h>

#include "table.h"

/* 32 hex digits, '-', up to 7 digits of occurrence, NUL. */
#define UIDL_MAX	48

/* Read size for header blocks: most fit in one. */
#define UIDL_READ_BYTES		(16L * 1024)

/* The buffers uidl_compute() works in, for a whole mailbox. */
struct uidl_work {
	XXH3_state_t	*state;
	unsigned char	*gather;	/* UIDL_GATHER_BYTES, see uidl.c */
	size_t		 len;
	int		 streaming;
	unsigned char	*read;		/* UIDL_READ_BYTES */
};

int	uidl_work_init(struct uidl_work *w);
void	uidl_work_free(struct uidl_work *w);
int	uidl_compute(struct uidl_work *w, int fd, struct message *m,
	    off_t from, off_t end, const unsigned char *head, size_t have);
int	uidl_number_duplicates(struct msg_table *t);
size_t	uidl_format(const struct message *m, char uidl[UIDL_MAX]);

#endif
