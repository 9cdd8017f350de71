/*
 * proxy.h: the PROXY protocol header (HAProxy's versions 1 and 2) that a
 * load balancer sends before the client's first byte.
 */
#ifndef POP3D_PROXY_H
#define POP3D_PROXY_H

#include <sys/socket.h>

#include <stddef.h>

#include "params.h"

enum proxy_mode {
	PROXY_OFF,
	PROXY_V1,
	PROXY_V2,
	PROXY_ANY	/* either, told apart by their first octets */
};

/* One network of --proxy-from: an address and a prefix length. */
struct proxy_net {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned int	bits;
};

struct proxy_trust {
	struct proxy_net nets[PROXY_FROM_MAX];
	size_t		 count;
};

struct proxy_header {
	/*
	 * 1: addr is the client the balancer relays.  0: the balancer's own
	 * connection (v2 LOCAL, v1 UNKNOWN, or a family other than TCP),
	 * for which the spec says to use the real endpoints.
	 */
	int	relayed;
	char	addr[46];	/* INET6_ADDRSTRLEN */
	/* v2 PP2_TYPE_SSL with PP2_CLIENT_SSL: the balancer ended TLS. */
	int	tls;
};

int	proxy_parse_mode(const char *text, enum proxy_mode *mode_r);
int	proxy_parse_trust(const char *list, struct proxy_trust *trust_r);
int	proxy_peer_trusted(int fd, const struct proxy_trust *trust);

int	proxy_parse_v1(const char *line, size_t len, struct proxy_header *h,
	    const char **why_r);
int	proxy_v2_length(const unsigned char *fixed, size_t *total_r,
	    const char **why_r);
int	proxy_parse_v2(const unsigned char *buf, size_t len,
	    struct proxy_header *h, const char **why_r);

int	proxy_read(int fd, enum proxy_mode mode, int timeout_sec,
	    struct proxy_header *h, const char **why_r);

#endif
