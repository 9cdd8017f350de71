/*
 * privsep_config.h: what the split into privilege-separated processes is
 * told (struct privsep_config) and what the child it returns in gets
 * (struct privsep_result): the types only, shared by privsep.c and the
 * login monitor (monitor_login.c).
 */
#ifndef POP3D_PRIVSEP_CONFIG_H
#define POP3D_PRIVSEP_CONFIG_H

#include <stddef.h>

#include "auth.h"
#include "params.h"
#include "tls.h"

struct privsep_config {
	const char		*user;		/* pre-login user; NULL: default */
	const char		*chroot_dir;	/* pre-login root directory */
	const char		*index_dir;	/* NULL: no index */
	const char		*mailbox_template;
	const struct auth_config *auth;
	char			*rip;		/* the client, for logs */
	size_t			 rip_size;
	/* --proxy-protocol: the pre-login child may send the client's address */
	int			 proxy;
	int			 login_timeout_sec;
	int			 timeout_sec;	/* the session's idle timer (-t) */
	const struct tls_chain	*tls_chain;	/* NULL: no TLS */
	const char		*tls_key_file;
	const char		*tls_ticket_key_file;	/* NULL: no tickets */
	int			 tls_required;	/* no login before TLS */
};

enum privsep_role {
	PRIVSEP_PRELOGIN,	/* unprivileged, chrooted: AUTHORIZATION */
	PRIVSEP_SESSION		/* the user: TRANSACTION */
};

struct privsep_result {
	enum privsep_role	role;
	int			monitor_fd;
	struct account		account;		/* PRIVSEP_SESSION */
	const char		*index_dir;	/* NULL: the monitor refused it */
	char			input[IN_BUFFER_BYTES];	/* pipelined input */
	size_t			input_len;
	int			tls;		/* the pre-login relays */
	struct tls_info		tls_info;		/* PRIVSEP_SESSION */
};

#endif
