/*
 * scan.h: the mbox format: splitting a file into messages.
 */
#ifndef POP3D_SCAN_H
#define POP3D_SCAN_H

#include <sys/types.h>

#include "table.h"

enum scan_status {
	SCAN_OK,
	SCAN_NOT_MBOX,		/* no From_ line where one must be */
	SCAN_FAILED,		/* a read failed or came up short */
	SCAN_NO_MEMORY
};

/* Called after each window is read, so a long scan can keep its dotlock fresh. */
typedef void (*scan_tick)(void *arg);

enum scan_status scan_table(int fd, off_t size, struct msg_table *t,
	    off_t from, scan_tick tick, void *arg);

#endif
