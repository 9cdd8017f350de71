/*
 * fuzz_common.h: helpers shared by the fuzz targets.
 *
 * Independent re-implementations of what the wire form of a stored message
 * must be (RFC 1939 section 3 and pop3d(8)), written from the spec, not from
 * send.c, so the targets can compare the server against them.  Header-only:
 * each target includes it once.
 */
#ifndef POP3D_FUZZ_COMMON_H
#define POP3D_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reports an invariant violation and aborts, so libFuzzer keeps the input. */
static void fz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n*** INVARIANT VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#define FZ_CHECK(cond, ...)	do { if (!(cond)) fz_fail(__VA_ARGS__); } \
				while (0)

struct fz_buf {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
fz_buf_add(struct fz_buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL)
			abort();
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void
fz_buf_free(struct fz_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * The message content c[0..n) as the client must receive it after
 * unstuffing: each stored line (up to LF) without its LF and without one
 * CR right before the LF, then CRLF; a last line without LF gets CRLF too
 * (a bare CR, anywhere else, passes as it is).
 */
static void
fz_render_wire(const unsigned char *c, size_t n, struct fz_buf *out)
{
	size_t i = 0, j, len;

	out->len = 0;
	while (i < n) {
		for (j = i; j < n && c[j] != '\n'; j++)
			;
		len = j - i;
		if (j < n && len > 0 && c[j - 1] == '\r')
			len--;
		fz_buf_add(out, c + i, len);
		fz_buf_add(out, "\r\n", 2);
		i = j < n ? j + 1 : n;
	}
}

/*
 * The wire size by counting alone (the rule of pop3d(8)): every LF not
 * preceded by CR adds one, a CR before an LF and a bare CR count as they
 * are, and a non-empty message not ending in LF gets 2 more.
 */
static uint64_t
fz_wire_size(const unsigned char *c, size_t n)
{
	uint64_t size = n;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] == '\n' && (i == 0 || c[i - 1] != '\r'))
			size++;
	if (n > 0 && c[n - 1] != '\n')
		size += 2;
	return size;
}

/*
 * The length of the prefix of wire form w[0..n) (lines ending CRLF) that
 * TOP with `lines` body lines must send: the header lines, the empty line
 * that ends them, then up to `lines` lines.  No empty line: all of it.
 */
static size_t
fz_top_len(const unsigned char *w, size_t n, uint64_t lines)
{
	size_t i = 0;
	int in_body = 0;
	uint64_t body = 0;

	while (i < n) {
		const unsigned char *lf = memchr(w + i, '\n', n - i);
		size_t next = lf != NULL ? (size_t)(lf - w) + 1 : n;

		if (in_body) {
			if (body >= lines)
				return i;
			body++;
		} else if (next - i == 2)
			in_body = 1;		/* the empty line: "\r\n" */
		i = next;
	}
	return n;
}

/* Equal byte strings (either may be NULL when empty). */
static int
fz_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int
fz_write_file(const char *path, const void *data, size_t n, mode_t mode)
{
	const unsigned char *p = data;
	int fd;
	ssize_t w;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC,
	    mode);
	if (fd == -1)
		return -1;
	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			(void)close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fchmod(fd, mode) == -1) {
		(void)close(fd);
		return -1;
	}
	return close(fd);
}

/* Reads a whole file; 0, or -1 (errno ENOENT: no file). */
static int
fz_read_file(const char *path, struct fz_buf *out)
{
	unsigned char chunk[65536];
	ssize_t n;
	int fd;

	out->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)close(fd);
			return -1;
		}
		fz_buf_add(out, chunk, (size_t)n);
	}
	return close(fd);
}

/* The directory for temporary files: $TMPDIR, else /dev/shm, else /tmp. */
static const char *
fz_tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	struct stat st;

	if (t != NULL && *t != '\0')
		return t;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	return "/tmp";
}

/*
 * Reads a server's multi-line body starting at o[*pos] up to and including
 * the ".\r\n" line, checks every line ends CRLF and every stuffed line is
 * "..": appends the unstuffed body (lines with CRLF) to body.  Returns 0,
 * or -1 if the body never ends.
 */
static int
fz_read_multiline(const unsigned char *o, size_t n, size_t *pos,
    struct fz_buf *body, const char *what)
{
	size_t i = *pos;

	body->len = 0;
	while (i < n) {
		const unsigned char *lf = memchr(o + i, '\n', n - i);
		size_t end, len;

		if (lf == NULL)
			return -1;
		end = (size_t)(lf - o) + 1;
		len = end - i;
		FZ_CHECK(len >= 2 && o[end - 2] == '\r',
		    "%s: a line of the multi-line reply at output offset %zu "
		    "does not end in CRLF", what, i);
		if (len == 3 && o[i] == '.') {
			*pos = end;
			return 0;
		}
		if (o[i] == '.') {
			FZ_CHECK(len > 3 && o[i + 1] == '.',
			    "%s: line at output offset %zu starts with a single "
			    "'.' (not dot-stuffed)", what, i);
			fz_buf_add(body, o + i + 1, len - 1);
		} else
			fz_buf_add(body, o + i, len);
		i = end;
	}
	return -1;
}

#endif
