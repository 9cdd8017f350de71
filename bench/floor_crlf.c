/*
 * floor_crlf: the physical floor of a POP3 download.  Reads FILE and writes
 * to stdout what a full download must send, minus the protocol: every LF
 * becomes CRLF and every line that starts with "." gets a second ".".
 * No parsing of messages, no status lines: the least work over the same
 * bytes, in the plainest efficient C (read(2) and write(2) in 128 KiB
 * blocks, memchr to find line ends).
 *
 * Usage: floor_crlf FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (128 * 1024)

static char in[BLOCK];
static char out[2 * BLOCK + 2];

static int write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd, at_line_start = 1;
	ssize_t got;

	if (argc != 2) {
		fprintf(stderr, "usage: floor_crlf FILE\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	while ((got = read(fd, in, sizeof in)) > 0) {
		const char *p = in, *end = in + got;
		char *o = out;

		while (p < end) {
			const char *nl;
			size_t len;

			if (at_line_start && *p == '.')
				*o++ = '.';
			nl = memchr(p, '\n', end - p);
			len = (nl ? nl : end) - p;
			memcpy(o, p, len);
			o += len;
			p += len;
			if (nl) {
				*o++ = '\r';
				*o++ = '\n';
				p++;
				at_line_start = 1;
			} else {
				at_line_start = 0;
			}
		}
		if (write_all(out, o - out) < 0) {
			perror("write");
			return 1;
		}
	}
	if (got < 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
