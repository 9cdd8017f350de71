/*
 * match.h: which of a known table's messages a file holds now, by their
 * octets.
 */
#ifndef POP3D_MATCH_H
#define POP3D_MATCH_H

#include <sys/types.h>

#include <stddef.h>

#include "scan.h"
#include "table.h"

/* A message's identity (its octets' digest and length), for sorting. */
struct identity {
	unsigned char	digest[16];
	off_t		length;
	size_t		index;		/* in its table */
	size_t		next;		/* in a group's first: next one free */
};

/* No message: what map_messages() and table_at() give when none fits. */
#define NO_MATCH	((size_t)-1)

int	content_digest(int fd, off_t from, off_t end, unsigned char digest[16]);
int	digest_equal(const unsigned char *p, size_t len,
	    const unsigned char want[16]);
size_t	table_matches(int fd, off_t size, const struct msg_table *t,
	    unsigned char *buf);
size_t	table_at(const struct msg_table *t, off_t offset);
int	identity_order(const void *a, const void *b);
int	same_identity(const struct identity *a, const struct identity *b);
size_t	identity_find(const struct identity *ids, size_t n,
	    const struct identity *id);
struct identity *table_identities(const struct msg_table *t);
enum scan_status current_table(const struct msg_table *view, int capped,
	    int fd, off_t size, struct msg_table *cur, scan_tick tick,
	    void *arg);
int	map_messages(const struct msg_table *view, const struct msg_table *cur,
	    int fd, size_t *map);

#endif
