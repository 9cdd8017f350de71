/*
 * send.c: a message as RETR and TOP send it (RFC 1939 section 3): every
 * line ending in CRLF, a leading '.' doubled, TOP's count of body lines.
 *
 * Trusts mailbox.c for where a message lies and for its bytes (read in
 * windows through mbox_bytes()); the bytes themselves are never taken as
 * metadata: a line is whatever ends in LF, however long.  Every octet it
 * sends is handed to mailbox.c's digest, which decides afterwards whether
 * what went out was the message.  It must not reply (the caller sends
 * "+OK" and the final "."), mark or change the mailbox, or log.
 */
#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "io.h"
#include "mailbox.h"
#include "params.h"
#include "send.h"

/*
 * Where send_message() puts lines: straight into io.c's output buffer.  A
 * call into io.c per line was a fifth of a download's instructions
 * (callgrind, RETR of 100,000 small messages); io_write() is left for the
 * rare line that does not fit what is free.
 */
struct out_cursor {
	char	*start, *at;
	size_t	 room;
};

static int
cursor_open(struct out_cursor *c)
{
	c->start = c->at = io_space(&c->room);
	return c->start == NULL ? -1 : 0;
}

/* Hands what was copied to io.c; reopen before putting more. */
static void
cursor_close(struct out_cursor *c)
{
	io_commit((size_t)(c->at - c->start));
	c->start = c->at;
	c->room = 0;
}

/* A piece of a line: a stuffing dot, the octets, and CRLF if it ends. */
static int
cursor_put(struct out_cursor *c, int dot, const unsigned char *p, size_t len,
    int crlf)
{
	size_t need = (size_t)(dot != 0) + len + (crlf ? 2 : 0);

	if (need > c->room) {
		cursor_close(c);
		if ((dot && io_write(".", 1) == -1) || io_write(p, len) == -1 ||
		    (crlf && io_write("\r\n", 2) == -1))
			return -1;
		return cursor_open(c);
	}
	if (dot)
		*c->at++ = '.';
	memcpy(c->at, p, len);
	c->at += len;
	if (crlf) {
		c->at[0] = '\r';
		c->at[1] = '\n';
		c->at += 2;
	}
	c->room -= need;
	return 0;
}

/*
 * Streams message i as RFC 1939 section 3 wants it: every line ending in
 * CRLF (a stored CRLF stays one CRLF; a bare CR passes), a leading '.'
 * doubled, a CRLF added if the message does not end in one.  For TOP,
 * max_body_lines limits the lines after the header's empty line.  The
 * octets used are handed to mailbox.c's digest as they go; *pos_r is
 * where they end.
 */
int
send_message(struct mailbox *mb, size_t i, int top, uint64_t max_body_lines,
    off_t *pos_r)
{
	const unsigned char *buf;
	off_t pos = msg_from(mb, i) + (off_t)mb->table.msgs[i].from_len;
	off_t end = msg_end(mb, i);
	const unsigned char *p, *q, *lf;
	struct out_cursor out;
	size_t n, len;
	int line_start = 1, in_body = !top, header_end_line = 0, dot = 0;
	int enough = 0;
	uint64_t body_lines = 0;

	*pos_r = pos;
	if (msg_send_start(mb, i) != MBOX_OK || cursor_open(&out) == -1)
		return -1;
	while (pos < end && !enough) {
		n = end - pos < MBOX_WINDOW_BYTES ? (size_t)(end - pos) :
		    MBOX_WINDOW_BYTES;
		if ((buf = mbox_bytes(mb, pos, n)) == NULL) {
			cursor_close(&out);
			return -1;
		}
		p = buf;
		q = buf + n;
		while (p < q) {
			if (line_start) {
				if (top && in_body &&
				    body_lines >= max_body_lines) {
					enough = 1;
					break;
				}
				/* "\r" at the window's end: read on first. */
				if (*p == '\r' && q - p == 1 && pos + 1 < end)
					break;
				if (!in_body && (*p == '\n' ||
				    (*p == '\r' && q - p > 1 && p[1] == '\n')))
					header_end_line = 1;
				if (in_body)
					body_lines++;
				dot = *p == '.';
				line_start = 0;
			}
			lf = memchr(p, '\n', (size_t)(q - p));
			len = (size_t)((lf != NULL ? lf : q) - p);
			if (lf == NULL && len > 0 && p[len - 1] == '\r' &&
			    pos + (off_t)(q - buf) < end) {
				/* Maybe the CR of a CRLF: send it with the LF. */
				len--;
				q = p + len;
			}
			if (lf != NULL && len > 0 && p[len - 1] == '\r')
				len--;
			if (cursor_put(&out, dot, p, len, lf != NULL) == -1)
				return -1;
			dot = 0;
			if (lf == NULL) {
				p = q;
				continue;
			}
			p = lf + 1;
			line_start = 1;
			if (header_end_line)
				in_body = 1;
		}
		msg_send_feed(mb, buf, (size_t)(p - buf));
		pos += (off_t)(p - buf);
		*pos_r = pos;
	}
	cursor_close(&out);
	if (!line_start && io_write("\r\n", 2) == -1)
		return -1;
	return 0;
}
