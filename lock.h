/*
 * lock.h: the mailbox's locks and the files beside it.
 */
#ifndef POP3D_LOCK_H
#define POP3D_LOCK_H

#include <sys/types.h>

#include <time.h>

#include "params.h"

struct spool;

/*
 * What needs write access to the mailbox's directory: the dotlock and the
 * update journal.  Each returns -1 with errno on failure;
 * dotlock_create returns 0 taken, 1 held by someone else.
 */
struct spool_ops {
	int	(*dotlock_create)(struct spool *);
	int	(*dotlock_remove)(struct spool *);
	int	(*dotlock_touch)(struct spool *);
	int	(*journal_create)(struct spool *);	/* an fd */
	int	(*journal_remove)(struct spool *);
};

extern const struct spool_ops lock_local_spool;

/* A mailbox's place in its directory: its names, its locks' state. */
struct spool {
	char		 path[MAILBOX_PATH_MAX];
	char		 lock_path[MAILBOX_PATH_MAX + 8];
	char		 journal_path[MAILBOX_PATH_MAX + 32];
	uid_t		 owner;
	const struct spool_ops *ops;
	int		 monitor_fd;		/* the monitor, for privsep.c */
	int		 dir_fd;		/* the monitor's: the directory
						   it works in, or -1 */
	int		 dotlock_held;
	time_t		 dotlock_touched;
	char		 error[256];		/* why lock_acquire() failed */
};

enum lock_status {
	LOCK_OK,
	LOCK_FAILED,		/* cannot lock: error says why */
	LOCK_IN_USE		/* held by someone else past the wait */
};

enum lock_status lock_acquire(struct spool *sp, int fd, short type);
void	lock_release(struct spool *sp, int fd);
void	dotlock_tick(void *arg);
int	spool_at(const struct spool *sp, const char *path, const char **name_r);
int	spool_dir_walk(const char *path, int *trusted_r);

#endif
