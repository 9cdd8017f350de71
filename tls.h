/*
 * tls.h: TLS (GnuTLS) with the private key outside the processes that read
 * client bytes.  See tls.c and tls_signer.c (pop3d-tls), or tls_none.c
 * (pop3d, which has no TLS: every function fails).
 */
#ifndef POP3D_TLS_H
#define POP3D_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"

/* The certificate chain as read at the start of the connection. */
struct tls_chain {
	char		*pem;		/* NULL: could not be read */
	size_t		 len;
	char		 error[160];	/* why not, for the log */
};

/* The session-ticket master key, from the login monitor; len 0: none. */
struct tls_ticket_key {
	unsigned char	 key[TLS_TICKET_KEY_BYTES];
	size_t		 len;
};

/* What the session is told about the connection, for its login line. */
struct tls_info {
	char		 text[TLS_INFO_MAX];	/* "tls=stls version=... cipher=..." */
};

/*
 * In the original process, before anything forks.  tls_init() logs why it
 * failed: pop3d-tls could not set up GnuTLS, or this is pop3d.
 */
int	tls_init(void);
int	tls_chain_read(const char *cert_file, struct tls_chain *chain);
void	tls_socket_setup(int fd);

/* In the login monitor: the ticket key file, made if missing. */
int	tls_ticket_key_load(const char *path, struct tls_ticket_key *key,
	    char *error, size_t error_size);

/* The signer: a root process that holds the key (the monitor's child). */
int	tls_signer_start(const struct tls_chain *chain, const char *key_file,
	    int *fd_r, char *error, size_t error_size);
int	tls_signer_sign(int fd, const void *request, size_t len,
	    void *signature, size_t size, size_t *len_r);
void	tls_signer_stop(int *fd);

/*
 * How the pre-login side has a handshake message signed: privsep.c's
 * privsep_tls_sign(), which login.c passes in, so that tls.c needs nothing
 * of privsep.c (which uses tls.c for the signer).  0 with the signature in
 * signature[0..*len_r), or -1.
 */
typedef int tls_sign_fn(int monitor_fd, uint32_t algorithm, char kind,
    const void *data, size_t len, void *signature, size_t size,
    size_t *len_r);

/* The pre-login process: the handshake, records, and the relay after login. */
int	tls_priority_check(const char *priority, char *error,
	    size_t error_size);
int	tls_server_start(const struct tls_chain *chain, const char *priority,
	    const struct tls_ticket_key *ticket, tls_sign_fn *sign,
	    int monitor_fd, int timeout_sec, const char *mode,
	    struct tls_info *info, char *error, size_t error_size);
void	tls_close(void);
int	tls_relay(int plain_fd, int timeout_sec);

#endif
