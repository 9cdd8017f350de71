/*
 * update.h: QUIT's update of the mailbox (RFC 1939 section 6).
 */
#ifndef POP3D_UPDATE_H
#define POP3D_UPDATE_H

#include <stddef.h>

#include "mailbox.h"

int	mbox_update(struct mailbox *mb, size_t *deleted_r);

#endif
