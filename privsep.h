/*
 * privsep.h: the privileged monitor and its two unprivileged children.
 */
#ifndef POP3D_PRIVSEP_H
#define POP3D_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "mailbox.h"
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

int	privsep_start(const struct privsep_config *config,
	    struct privsep_result *result);
int	privsep_login(int monitor_fd, const char *name, char *password);
int	privsep_handover(int monitor_fd, const char *input, size_t len);
int	privsep_client_address(int monitor_fd, const char *address);
int	privsep_handover_tls(int monitor_fd, const char *input, size_t len,
	    int *plain_fd_r);
int	privsep_tls_start(int monitor_fd, struct tls_ticket_key *ticket);
int	privsep_tls_sign(int monitor_fd, uint32_t algorithm, char kind,
	    const void *data, size_t len, void *signature, size_t size,
	    size_t *len_r);
int	privsep_tls_done(int monitor_fd, const struct tls_info *info);

extern const struct spool_ops privsep_spool;

#endif
