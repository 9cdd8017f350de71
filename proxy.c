/*
 * proxy.c: the PROXY protocol header a load balancer (HAProxy's
 * "send-proxy" or "send-proxy-v2") puts before the client's bytes, which
 * carries the client's address.  The format is HAProxy's specification,
 * doc/proxy-protocol.txt (versions 1 and 2).
 *
 * Trusts: nothing in the header.  It is read only from a peer that
 * --proxy-from lists (proxy_peer_trusted(), checked before a byte is
 * read), only in the unprivileged pre-login process (or in pop3d running
 * as an ordinary user), within PROXY_HEADER_TIMEOUT_SEC, and exactly to
 * its end: v2 in reads of the announced length, v1 an octet at a time up
 * to its LF, so the client's first command stays unread for io.c.  The
 * parsers take a buffer and its length and never look past it; anything
 * that does not match the spec exactly is refused, never guessed.  The
 * v2 CRC32C TLV is not checked (the spec lets a receiver ignore it).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy.h"
#include "util.h"

static const unsigned char v2_signature[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define V2_FIXED_BYTES		16
#define V2_CMD_LOCAL		0x0
#define V2_CMD_PROXY		0x1
#define PP2_TYPE_SSL		0x20
#define PP2_CLIENT_SSL		0x01
#define PP2_SSL_FIXED_BYTES	5	/* client (1) and verify (4) */

/* ---- Configuration ---------------------------------------------------- */

int
proxy_parse_mode(const char *text, enum proxy_mode *mode_r)
{
	if (strcmp(text, "v1") == 0)
		*mode_r = PROXY_V1;
	else if (strcmp(text, "v2") == 0)
		*mode_r = PROXY_V2;
	else if (strcmp(text, "any") == 0)
		*mode_r = PROXY_ANY;
	else
		return -1;
	return 0;
}

/* "0" to "MAX" in decimal, no sign, no leading zero. */
static int
parse_small_number(const char *s, size_t len, unsigned int max,
    unsigned int *n_r)
{
	unsigned int n = 0;
	size_t i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (unsigned int)(s[i] - '0');
	}
	if (n > max)
		return -1;
	*n_r = n;
	return 0;
}

/* ADDRESS or ADDRESS/BITS; the bits after the prefix must be zero. */
static int
parse_net(const char *s, size_t len, struct proxy_net *net)
{
	char text[64];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len;
	unsigned int max, i;

	if (alen == 0 || alen >= sizeof(text))
		return -1;
	memcpy(text, s, alen);
	text[alen] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, text, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, text, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else
		return -1;
	net->bits = max;
	if (slash != NULL && parse_small_number(slash + 1,
	    len - alen - 1, max, &net->bits) == -1)
		return -1;
	for (i = net->bits; i < max; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

/* --proxy-from=NET[,NET...]; -1 on a malformed list or too many. */
int
proxy_parse_trust(const char *list, struct proxy_trust *trust_r)
{
	const char *p = list, *comma;
	size_t len;

	memset(trust_r, 0, sizeof(*trust_r));
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (trust_r->count == PROXY_FROM_MAX ||
		    parse_net(p, len, &trust_r->nets[trust_r->count]) == -1)
			return -1;
		trust_r->count++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
net_contains(const struct proxy_net *net, int family,
    const unsigned char *addr)
{
	unsigned int full = net->bits / 8, rest = net->bits % 8;
	unsigned char mask;

	if (net->family != family || memcmp(net->addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (addr[full] & mask) == net->addr[full];
}

/*
 * Is the peer of fd (the balancer, not the client) in --proxy-from?  An
 * IPv4-mapped IPv6 peer (a dual-stack listener) counts as IPv4.
 */
int
proxy_peer_trusted(int fd, const struct proxy_trust *trust)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen = sizeof(ss);
	const unsigned char *addr;
	int family;
	size_t i;

	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return 0;
	if (ss.ss_family == AF_INET) {
		family = AF_INET;
		addr = (const unsigned char *)&sin->sin_addr;
	} else if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		family = AF_INET;
		addr = sin6->sin6_addr.s6_addr + 12;
	} else if (ss.ss_family == AF_INET6) {
		family = AF_INET6;
		addr = sin6->sin6_addr.s6_addr;
	} else
		return 0;
	for (i = 0; i < trust->count; i++)
		if (net_contains(&trust->nets[i], family, addr))
			return 1;
	return 0;
}

/* ---- Version 1: "PROXY TCP4 SRC DST SPORT DPORT\r\n" ------------------- */

/*
 * The client's address as the logs show it: IPv4-mapped IPv6 as IPv4,
 * like pop3d.c's client_address().  addr need not be aligned.
 */
static int
format_address(int family, const unsigned char *addr, char *buf,
    size_t size)
{
	struct in6_addr a6;

	if (family == AF_INET6) {
		memcpy(&a6, addr, sizeof(a6));
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			return inet_ntop(AF_INET, addr + 12, buf,
			    (socklen_t)size) == NULL ? -1 : 0;
	}
	return inet_ntop(family, addr, buf, (socklen_t)size) == NULL ? -1 : 0;
}

/*
 * Cuts "A B C..." (between "PROXY " and the CRLF) at single spaces into
 * at most max fields; an empty field (two spaces, or one at either end)
 * or one too many fails.
 */
static int
v1_fields(const char *p, const char *end, const char **start,
    size_t *len, size_t max, size_t *count_r)
{
	const char *q;
	size_t n = 0;

	for (;;) {
		q = p;
		while (q < end && *q != ' ')
			q++;
		if (q == p || n == max)
			return -1;
		start[n] = p;
		len[n++] = (size_t)(q - p);
		if (q == end)
			break;
		p = q + 1;
	}
	*count_r = n;
	return 0;
}

static int
v1_address(const char *p, size_t len, int family, unsigned char *addr)
{
	char text[46];

	if (len >= sizeof(text))
		return -1;
	memcpy(text, p, len);
	text[len] = '\0';
	return inet_pton(family, text, addr) == 1 ? 0 : -1;
}

/*
 * line and len: the whole header with its CRLF, "PROXY TCP4 SRC DST
 * SPORT DPORT\r\n" (or TCP6), or "PROXY UNKNOWN" and anything up to the
 * CRLF.  Ports are decimal without leading zeros.
 */
int
proxy_parse_v1(const char *line, size_t len, struct proxy_header *h,
    const char **why_r)
{
	const char *start[5];
	size_t flen[5], count, i;
	unsigned char src[16], dst[16];
	unsigned int port;
	int family;

	memset(h, 0, sizeof(*h));
	*why_r = "malformed v1 header";
	if (len < 8 || len > PROXY_V1_LINE_MAX ||
	    memcmp(line, "PROXY ", 6) != 0 ||
	    line[len - 2] != '\r' || line[len - 1] != '\n')
		return -1;
	for (i = 0; i < len - 2; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			return -1;
	/* The spec: use the real endpoints, whatever follows. */
	if (len - 2 >= 13 && memcmp(line + 6, "UNKNOWN", 7) == 0 &&
	    (len - 2 == 13 || line[13] == ' '))
		return 0;
	if (v1_fields(line + 6, line + len - 2, start, flen, 5, &count) == -1 ||
	    count != 5 || flen[0] != 4)
		return -1;
	if (memcmp(start[0], "TCP4", 4) == 0)
		family = AF_INET;
	else if (memcmp(start[0], "TCP6", 4) == 0)
		family = AF_INET6;
	else
		return -1;
	if (v1_address(start[1], flen[1], family, src) == -1 ||
	    v1_address(start[2], flen[2], family, dst) == -1 ||
	    parse_small_number(start[3], flen[3], 65535, &port) == -1 ||
	    parse_small_number(start[4], flen[4], 65535, &port) == -1 ||
	    format_address(family, src, h->addr, sizeof(h->addr)) == -1)
		return -1;
	h->relayed = 1;
	return 0;
}

/* ---- Version 2: binary ------------------------------------------------- */

/*
 * fixed: the first 16 octets.  Checks them and gives the header's whole
 * length, at most PROXY_V2_HEADER_MAX.
 */
int
proxy_v2_length(const unsigned char *fixed, size_t *total_r,
    const char **why_r)
{
	size_t total;

	if (memcmp(fixed, v2_signature, sizeof(v2_signature)) != 0) {
		*why_r = "no v2 signature";
		return -1;
	}
	if ((fixed[12] >> 4) != 2 || ((fixed[12] & 0x0f) != V2_CMD_LOCAL &&
	    (fixed[12] & 0x0f) != V2_CMD_PROXY)) {
		*why_r = "v2 header: unknown version or command";
		return -1;
	}
	total = V2_FIXED_BYTES + ((size_t)fixed[14] << 8 | fixed[15]);
	if (total > PROXY_V2_HEADER_MAX) {
		*why_r = "v2 header longer than pop3d accepts";
		return -1;
	}
	*total_r = total;
	return 0;
}

/* Address octets before the TLVs for the spec's family/protocol bytes. */
static int
v2_address_bytes(unsigned char family_protocol, size_t *n_r)
{
	switch (family_protocol) {
	case 0x00:		/* UNSPEC */
		*n_r = 0;
		return 0;
	case 0x11:		/* TCP over IPv4 */
	case 0x12:		/* UDP over IPv4 */
		*n_r = 12;
		return 0;
	case 0x21:		/* TCP over IPv6 */
	case 0x22:		/* UDP over IPv6 */
		*n_r = 36;
		return 0;
	case 0x31:		/* UNIX stream */
	case 0x32:		/* UNIX datagram */
		*n_r = 216;
		return 0;
	default:
		return -1;
	}
}

/* PP2_TYPE_SSL's value: client, verify, then sub-TLVs that must fit. */
static int
v2_ssl(const unsigned char *v, size_t len, struct proxy_header *h)
{
	size_t off = PP2_SSL_FIXED_BYTES, sublen;

	if (len < PP2_SSL_FIXED_BYTES)
		return -1;
	while (off < len) {
		if (len - off < 3)
			return -1;
		sublen = (size_t)v[off + 1] << 8 | v[off + 2];
		if (sublen > len - off - 3)
			return -1;
		off += 3 + sublen;
	}
	if (v[0] & PP2_CLIENT_SSL)
		h->tls = 1;
	return 0;
}

/* The TLVs from off to len, each of which must fit exactly. */
static int
v2_tlvs(const unsigned char *buf, size_t off, size_t len,
    struct proxy_header *h)
{
	size_t vlen;

	while (off < len) {
		if (len - off < 3)
			return -1;
		vlen = (size_t)buf[off + 1] << 8 | buf[off + 2];
		if (vlen > len - off - 3)
			return -1;
		if (buf[off] == PP2_TYPE_SSL &&
		    v2_ssl(buf + off + 3, vlen, h) == -1)
			return -1;
		off += 3 + vlen;
	}
	return 0;
}

/* buf and len: the whole header, len as proxy_v2_length() gave it. */
int
proxy_parse_v2(const unsigned char *buf, size_t len, struct proxy_header *h,
    const char **why_r)
{
	size_t total, addr_bytes;
	int r;

	memset(h, 0, sizeof(*h));
	if (len < V2_FIXED_BYTES || proxy_v2_length(buf, &total, why_r) == -1)
		return -1;
	*why_r = "malformed v2 header";
	if (total != len)
		return -1;
	/* LOCAL: the balancer's own connection; the block is skipped. */
	if ((buf[12] & 0x0f) == V2_CMD_LOCAL)
		return 0;
	if (v2_address_bytes(buf[13], &addr_bytes) == -1 ||
	    len - V2_FIXED_BYTES < addr_bytes)
		return -1;
	/* UNSPEC: addresses unknown, so is where the TLVs would start. */
	if (buf[13] != 0x00 && v2_tlvs(buf, V2_FIXED_BYTES + addr_bytes, len,
	    h) == -1)
		return -1;
	if (buf[13] == 0x11)
		r = format_address(AF_INET, buf + V2_FIXED_BYTES, h->addr,
		    sizeof(h->addr));
	else if (buf[13] == 0x21)
		r = format_address(AF_INET6, buf + V2_FIXED_BYTES, h->addr,
		    sizeof(h->addr));
	else
		return 0;	/* not TCP: the spec's UNSPEC fallback */
	if (r == -1)
		return -1;
	h->relayed = 1;
	return 0;
}

/* ---- Reading ------------------------------------------------------------ */

/*
 * Exactly n octets from fd (non-blocking, io_init() made it so) before
 * the deadline; never more.
 */
static int
read_exact(int fd, unsigned char *buf, size_t n, long long deadline,
    const char **why_r)
{
	struct pollfd pfd;
	size_t got = 0;
	long long left;
	ssize_t r;

	while (got < n) {
		left = deadline - now_msec();
		if (left <= 0) {
			*why_r = "no complete header in time";
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) == -1) {
			*why_r = errno == EINTR ? "interrupted" : "poll failed";
			return -1;
		}
		r = read(fd, buf + got, n - got);
		if (r == 0) {
			*why_r = "connection closed inside the header";
			return -1;
		}
		if (r == -1 && errno != EAGAIN && errno != EINTR) {
			*why_r = "read failed";
			return -1;
		}
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

/*
 * Reads and parses the header: the first five octets tell the versions
 * apart (each header is longer than that), so nothing after a header is
 * ever read here.  Returns 0, or -1 with a reason for the log.
 */
int
proxy_read(int fd, enum proxy_mode mode, int timeout_sec,
    struct proxy_header *h, const char **why_r)
{
	unsigned char buf[PROXY_V2_HEADER_MAX];
	long long deadline = now_msec() + (long long)timeout_sec * 1000;
	size_t len = 5, total;

	memset(h, 0, sizeof(*h));
	if (read_exact(fd, buf, len, deadline, why_r) == -1)
		return -1;
	if (mode != PROXY_V1 && memcmp(buf, v2_signature, len) == 0) {
		if (read_exact(fd, buf + len, V2_FIXED_BYTES - len, deadline,
		    why_r) == -1 || proxy_v2_length(buf, &total, why_r) == -1 ||
		    read_exact(fd, buf + V2_FIXED_BYTES,
		    total - V2_FIXED_BYTES, deadline, why_r) == -1)
			return -1;
		return proxy_parse_v2(buf, total, h, why_r);
	}
	if (mode != PROXY_V2 && memcmp(buf, "PROXY", len) == 0) {
		while (buf[len - 1] != '\n' && len < PROXY_V1_LINE_MAX) {
			if (read_exact(fd, buf + len, 1, deadline, why_r) == -1)
				return -1;
			len++;
		}
		return proxy_parse_v1((const char *)buf, len, h, why_r);
	}
	*why_r = mode == PROXY_V1 ? "no v1 header" : mode == PROXY_V2 ?
	    "no v2 header" : "no PROXY header";
	return -1;
}
