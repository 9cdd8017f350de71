/*
 * table.h: a mailbox's messages as a scan finds them, the type that
 * scan.c makes, index.c keeps, match.c checks and mailbox.c serves.
 *
 * A table says where each message's From_ line is, how long that line
 * is, the message's size on the wire and the digest of its octets.  It
 * is only a claim about a file: whoever reads octets with it proves them
 * by the digest first (match.c).
 */
#ifndef POP3D_TABLE_H
#define POP3D_TABLE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "params.h"

#define MSG_DELETED		0x01	/* marked by DELE */
#define MSG_UIDL_KNOWN		0x04	/* uidl_digest is computed */
#define MSG_SEPARATOR_SHIFT	4	/* separator length, 0 to 2 */
#define MSG_SEPARATOR_MASK	0x30
/* UIDL: 1, 2, ... among equal digests, in the flags' top 24 bits. */
#define MSG_OCCURRENCE_SHIFT	8

#if MBOX_MESSAGES_MAX >= (1 << 24)
#error "MBOX_MESSAGES_MAX must fit the 24 bits of a UIDL occurrence"
#endif

/*
 * 56 bytes per message (RSS is this times the messages, plus about 2 MB);
 * the region ends where the next one starts.
 */
struct message {
	off_t		from_offset;		/* the From_ line */
	off_t		wire_size;		/* octets as sent, CRLF */
	unsigned char	uidl_digest[16];
	unsigned char	content_digest[16];
	uint32_t	from_len;		/* the From_ line with its LF */
	uint32_t	flags;
};

/* The messages of a file, in file order. */
struct msg_table {
	struct message	*msgs;			/* malloc'd */
	size_t		 count;
	size_t		 capacity;		/* of msgs */
	off_t		 end;			/* end of the last region */
};

/* The first octet of the message, after its From_ line. */
static inline off_t
msg_body(const struct message *m)
{
	return m->from_offset + (off_t)m->from_len;
}

/* The empty line between a message and the next From_ line: 0 to 2. */
static inline unsigned
msg_separator(const struct message *m)
{
	return (m->flags & MSG_SEPARATOR_MASK) >> MSG_SEPARATOR_SHIFT;
}

/* Where message j's region (From_ line to next From_ line) ends. */
static inline off_t
table_region_end(const struct msg_table *t, size_t j)
{
	return j + 1 < t->count ? t->msgs[j + 1].from_offset : t->end;
}

/* One past message j's last octet (its separator excluded). */
static inline off_t
table_end(const struct msg_table *t, size_t j)
{
	return table_region_end(t, j) - (off_t)msg_separator(&t->msgs[j]);
}

/* The length of message j's identity: From_ line and message. */
static inline off_t
table_length(const struct msg_table *t, size_t j)
{
	return table_end(t, j) - t->msgs[j].from_offset;
}

#endif
