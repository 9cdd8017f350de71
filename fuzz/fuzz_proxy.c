/*
 * fuzz_proxy.c: libFuzzer target for proxy.c, the PROXY protocol header.
 *
 * The input is what a balancer (or anyone) sends first.  Each run:
 *
 *  - parses it as a v1 line and as a v2 header, each from a heap copy of
 *    exactly the length given, so AddressSanitizer catches any read past
 *    it; v2 also from a copy of exactly the length its first 16 octets
 *    announce;
 *  - feeds it through a pipe to proxy_read() and checks that exactly the
 *    header was consumed: on success, the header's own length (v2: 16 and
 *    its length field; v1: up to and including the first LF), and never
 *    more than PROXY_V2_HEADER_MAX octets;
 *  - checks every accepted header: a relayed one has an address that
 *    inet_pton takes back, an unrelayed one an empty address; proxy_read()
 *    and the parsers agree;
 *  - parses it as a --proxy-from list (NUL-terminated copy).
 * Any violation aborts, so libFuzzer saves the input.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "proxy.h"

/* A pipe holds 64 KiB; the header is at most 1024 octets anyway. */
#define INPUT_MAX	8192

static void
check_header(const struct proxy_header *h, const char *what)
{
	unsigned char addr[16];

	if (memchr(h->addr, '\0', sizeof(h->addr)) == NULL)
		fz_fail("%s: address not terminated", what);
	if (!h->relayed) {
		if (h->addr[0] != '\0')
			fz_fail("%s: unrelayed header with an address", what);
		return;
	}
	if (inet_pton(AF_INET, h->addr, addr) != 1 &&
	    inet_pton(AF_INET6, h->addr, addr) != 1)
		fz_fail("%s: relayed address '%s' does not parse", what,
		    h->addr);
}

static unsigned char *
exact_copy(const uint8_t *data, size_t size)
{
	unsigned char *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		fz_fail("malloc");
	memcpy(p, data, size);
	return p;
}

/* The length a good header must have consumed, from the spec. */
static size_t
expected_length(const uint8_t *data, size_t size)
{
	const uint8_t *lf;

	if (size >= 16 && memcmp(data, "\r\n\r\n\0\r\nQUIT\n", 12) == 0)
		return 16 + ((size_t)data[14] << 8 | data[15]);
	lf = memchr(data, '\n', size);
	return lf == NULL ? 0 : (size_t)(lf - data) + 1;
}

static void
check_read(const uint8_t *data, size_t size, int parsed_v1, int parsed_v2)
{
	struct proxy_header h;
	const char *why = NULL;
	unsigned char rest[INPUT_MAX];
	size_t left = 0;
	ssize_t n;
	int fds[2], r;

	if (pipe(fds) == -1)
		fz_fail("pipe: %s", strerror(errno));
	if (size > 0 && write(fds[1], data, size) != (ssize_t)size)
		fz_fail("write to pipe");
	(void)close(fds[1]);
	r = proxy_read(fds[0], PROXY_ANY, 1, &h, &why);
	while ((n = read(fds[0], rest + left, sizeof(rest) - left)) > 0)
		left += (size_t)n;
	(void)close(fds[0]);
	if (left > size)
		fz_fail("more left in the pipe than was written");
	if (size - left > PROXY_V2_HEADER_MAX)
		fz_fail("proxy_read consumed %zu octets", size - left);
	if (r == -1) {
		if (why == NULL)
			fz_fail("proxy_read failed without a reason");
		return;
	}
	check_header(&h, "proxy_read");
	if (size - left != expected_length(data, size))
		fz_fail("proxy_read consumed %zu octets, header is %zu",
		    size - left, expected_length(data, size));
	if (!parsed_v1 && !parsed_v2)
		fz_fail("proxy_read accepted what no parser did");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h;
	struct proxy_trust trust;
	const char *why;
	unsigned char *copy;
	char *text;
	size_t total;
	int v1 = 0, v2 = 0;

	if (size > INPUT_MAX)
		return 0;
	copy = exact_copy(data, size);
	if (proxy_parse_v1((const char *)copy, size, &h, &why) == 0) {
		check_header(&h, "v1");
		v1 = 1;
	}
	if (proxy_parse_v2(copy, size, &h, &why) == 0) {
		check_header(&h, "v2");
		if (expected_length(data, size) != size)
			fz_fail("v2 accepted a header of the wrong length");
	}
	free(copy);
	if (size >= 16 && proxy_v2_length(data, &total, &why) == 0) {
		if (total < 16 || total > PROXY_V2_HEADER_MAX)
			fz_fail("v2 length %zu", total);
		if (total <= size) {
			copy = exact_copy(data, total);
			if (proxy_parse_v2(copy, total, &h, &why) == 0) {
				check_header(&h, "v2 announced length");
				v2 = 1;
			}
			free(copy);
		}
	}
	/* v1 as proxy_read() sees it: up to the first LF. */
	if (!v1 && expected_length(data, size) > 0 && !v2) {
		total = expected_length(data, size);
		if (total <= size && proxy_parse_v1((const char *)data, total,
		    &h, &why) == 0)
			v1 = 1;
	}
	check_read(data, size, v1, v2);
	text = malloc(size + 1);
	if (text == NULL)
		fz_fail("malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	if (proxy_parse_trust(text, &trust) == 0 &&
	    (trust.count == 0 || trust.count > PROXY_FROM_MAX))
		fz_fail("trust list of %zu networks", trust.count);
	free(text);
	return 0;
}
