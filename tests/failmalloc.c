/*
 * tests/failmalloc.c: a test's allocation failure (LD_PRELOAD): with
 * POP3D_FAIL_ALLOC_MIN=N in the environment every malloc, calloc or
 * realloc of N octets or more fails with ENOMEM, so that the error paths
 * of pop3d's large allocations (windows, tables, copy buffers) run as
 * they would when the memory runs out.  Test builds only; glibc's own
 * allocator does the rest.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

void	*__libc_malloc(size_t);
void	*__libc_calloc(size_t, size_t);
void	*__libc_realloc(void *, size_t);

static size_t
fail_min(void)
{
	static size_t min = (size_t)-1;
	static int looked;
	const char *v;
	char *end;
	unsigned long long n;

	if (!looked) {
		looked = 1;
		v = getenv("POP3D_FAIL_ALLOC_MIN");
		if (v != NULL) {
			errno = 0;
			n = strtoull(v, &end, 10);
			if (errno == 0 && *end == '\0' && end != v && n > 0)
				min = (size_t)n;
		}
	}
	return min;
}

void *
malloc(size_t n)
{
	if (n >= fail_min()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t count, size_t size)
{
	if (size != 0 && count >= fail_min() / size) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(count, size);
}

void *
realloc(void *p, size_t n)
{
	if (n >= fail_min()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
