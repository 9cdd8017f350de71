/*
 * privsep.h: the privileged monitor and its two unprivileged children.
 */
#ifndef POP3D_PRIVSEP_H
#define POP3D_PRIVSEP_H

#include <stddef.h>

#include "auth.h"
#include "mailbox.h"
#include "params.h"

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
};

int	privsep_start(const struct privsep_config *config,
	    struct privsep_result *result);
int	privsep_login(int monitor_fd, const char *name, char *password);
int	privsep_handover(int monitor_fd, const char *input, size_t len);
int	privsep_client_address(int monitor_fd, const char *address);

extern const struct spool_ops privsep_spool;

#endif
