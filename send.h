/*
 * send.h: a message in its POP3 wire form (send.c).
 */
#ifndef POP3D_SEND_H
#define POP3D_SEND_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "mailbox.h"

int	send_message(struct mailbox *mb, size_t i, int top,
	    uint64_t max_body_lines, off_t *pos_r);

#endif
