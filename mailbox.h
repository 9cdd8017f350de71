/*
 * mailbox.h: the session's view of an mbox maildrop (QUIT's update is
 * update.h).
 */
#ifndef POP3D_MAILBOX_H
#define POP3D_MAILBOX_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <xxhash.h>

#include "lock.h"
#include "params.h"
#include "table.h"
#include "uidl.h"

enum mbox_status {
	MBOX_OK = 0,
	MBOX_TEMP = -1,		/* transient: try again later */
	MBOX_PERM = -2,		/* needs an administrator */
	MBOX_IN_USE = -3,	/* locked by someone else past the wait */
	MBOX_GONE = -4		/* the message is no longer in the file */
};

/* How much of the table came from the index, for the login log line. */
enum mbox_index {
	MBOX_INDEX_OFF,		/* no index directory */
	MBOX_INDEX_MISS,	/* none, or of no use: the file was scanned */
	MBOX_INDEX_PARTIAL,	/* the first messages; the rest was scanned */
	MBOX_INDEX_HIT		/* all of it: nothing was scanned */
};

struct mailbox {
	struct spool	 spool;			/* names and locks */
	int		 fd;			/* -1: no file (empty maildrop) */
	int		 read_only;
	struct stat	 st;			/* as scanned */
	struct msg_table table;			/* as at login; its end is
						   that of the last served
						   region */
	off_t		*moved;			/* NULL, or each message's From_
						   offset now (-1: gone) */
	off_t		*moved_end;		/* and where its octets end */
	XXH3_state_t	*sending;		/* digest of what is sent */
	size_t		 verified;		/* message proven in the read-ahead,
						   or SIZE_MAX */
	int		 recovered;		/* a crashed update was finished */
	int		 capped;		/* over MBOX_MESSAGES/BYTES_MAX */
	unsigned char	*ahead;			/* read-ahead for mbox_bytes() */
	off_t		 ahead_offset;
	size_t		 ahead_len;
	int		 uidls_ready;		/* all known and numbered */
	int		 updated;		/* mbox_update() changed it */
	char		 index_path[MAILBOX_PATH_MAX + 64];	/* or "" */
	enum mbox_index	 index_use;		/* how the table was made */
	int		 index_stale;		/* the table says more */
	char		 error[256];		/* why the last call failed */
};

int	mbox_open(struct mailbox *mb, const char *path, uid_t owner,
	    const struct spool_ops *spool, int spool_fd, const char *index);
int	mbox_save_index(struct mailbox *mb);
int	mbox_set_paths(struct mailbox *mb, const char *path);
int	mbox_path_expand(const char *tmpl, const char *name, const char *home,
	    char *out, size_t size);
void	mbox_close(struct mailbox *mb);
int	mbox_recover(struct mailbox *mb, const char *path);
off_t	msg_from(const struct mailbox *mb, size_t i);
off_t	msg_end(const struct mailbox *mb, size_t i);
int	msg_gone(const struct mailbox *mb, size_t i);
int	msg_locate(struct mailbox *mb, size_t i);
int	msg_send_start(struct mailbox *mb, size_t i);
void	msg_send_feed(struct mailbox *mb, const unsigned char *p, size_t len);
int	msg_send_finish(struct mailbox *mb, size_t i, off_t pos);
const unsigned char *mbox_bytes(struct mailbox *mb, off_t offset, size_t len);
void	mbox_forget_ahead(struct mailbox *mb);
int	mbox_compute_uidls(struct mailbox *mb);
size_t	msg_uidl(const struct mailbox *mb, size_t i, char uidl[UIDL_MAX]);
int	msg_mark_deleted(struct mailbox *mb, size_t i);

/* For update.c, which works on the session's mailbox. */
void	mbox_set_error(struct mailbox *mb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	mbox_open_file(struct mailbox *mb, int *read_only_r, int *status_r);
int	mbox_check_file(struct mailbox *mb, int fd, struct stat *st);
int	mbox_replay(struct mailbox *mb, int fd, int read_only);
int	mbox_current_table(struct mailbox *mb, int fd, off_t size,
	    struct msg_table *cur);
int	mbox_lock(struct mailbox *mb, int fd, short type);

#endif
