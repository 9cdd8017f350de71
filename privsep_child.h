/*
 * privsep_child.h: the requests of the unprivileged processes to the
 * monitors (privsep_child.c): the session's dotlock and journal, the
 * pre-login process's logins, TLS signatures and hand-over.
 */
#ifndef POP3D_PRIVSEP_CHILD_H
#define POP3D_PRIVSEP_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include "lock.h"
#include "tls.h"

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
