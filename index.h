/*
 * index.h: a mailbox's table of messages, kept between sessions.
 */
#ifndef POP3D_INDEX_H
#define POP3D_INDEX_H

#include <sys/types.h>

#include <stddef.h>

#include "table.h"

int	index_path_for(const char *dir, uid_t uid, char *out, size_t size);
int	index_prepare_dir(const char *dir, uid_t uid, gid_t gid);
int	index_load(const char *path, const char *mailbox, struct msg_table *t);
int	index_save(const char *path, const char *mailbox,
	    const struct msg_table *t);

#endif
