/*
 * util.c: small helpers that several files share: reads and writes that
 * go on until they are done, a monotonic clock, and decimal numbers
 * (written, and parsed strictly).
 *
 * Owns no state and trusts nothing: it moves octets and says how many.
 * It must not decide what a short read means (the caller knows whether
 * the end of a file is an error) nor report anything itself.
 */
#include <sys/types.h>

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * Reads exactly len octets at offset unless the file ends first: the
 * count read (short only at the end), or -1 with errno.
 */
ssize_t
pread_full(int fd, void *buf, size_t len, off_t offset)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
		    offset + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Writes all len octets at offset: 0, or -1 with errno (EIO if none). */
int
pwrite_full(int fd, const void *buf, size_t len, off_t offset)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done,
		    offset + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Reads all len octets: 0, or -1 (an error, or the file ended first). */
int
read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Writes all len octets: 0, or -1. */
int
write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Milliseconds of CLOCK_MONOTONIC (0 if it cannot be read). */
long long
now_msec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Writes v in decimal at out, without a NUL; returns the length (at most
 * 20).  The UIDL recipe hashes a size written so; transaction.c writes LIST
 * and UIDL lines with it, where snprintf() was most of their cost.
 */
size_t
format_decimal(char *out, uint64_t v)
{
	char digits[20];
	size_t n = 0, len;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	for (len = n; n > 0; n--)
		*out++ = digits[n - 1];
	return len;
}

/*
 * Digits only: no sign, no space, no 0x; overflow is an error, never a
 * wrap (so "LIST 4294967297" is not "LIST 1").
 */
int
parse_number(const char *s, uint64_t *value_r)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*value_r = v;
	return 0;
}
