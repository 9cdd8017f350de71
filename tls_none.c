/*
 * tls_none.c: tls.h for pop3d, the build without TLS.
 *
 * Why it exists: linking GnuTLS costs every connection, plaintext ones
 * too, the dynamic loader's work on GnuTLS and the eight libraries it
 * needs, even with its constructor skipped: 2 to 3 ms of CPU, a quarter to
 * two fifths of the plaintext connection rate (README.md, "Two programs").
 * So the same sources make two programs: pop3d links this file and no TLS
 * library; pop3d-tls links tls.c and tls_signer.c.
 *
 * Every function fails.  Only tls_init() is reached (pop3d.c calls it
 * first, when --tls-cert is given): it logs the one line that tells the
 * administrator what to run instead, and pop3d.c then serves nothing on
 * that connection, never plaintext in place of the TLS asked for.  The
 * others are there for the linker and, should a caller reach one, refuse.
 *
 * Trusts: nothing; reads nothing.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "tls.h"

static const char not_built_in[] = "TLS is not built into this binary";

int
tls_init(void)
{
	syslog(LOG_ERR, "%s: run pop3d-tls for --tls-cert, --tls-key, "
	    "--implicit-tls and --tls-ticket-key", not_built_in);
	return -1;
}

int
tls_chain_read(const char *cert_file, struct tls_chain *chain)
{
	(void)cert_file;
	memset(chain, 0, sizeof(*chain));
	(void)snprintf(chain->error, sizeof(chain->error), "%s",
	    not_built_in);
	return -1;
}

void
tls_socket_setup(int fd)
{
	(void)fd;
}

int
tls_ticket_key_load(const char *path, struct tls_ticket_key *key,
    char *error, size_t error_size)
{
	(void)path;
	key->len = 0;
	(void)snprintf(error, error_size, "%s", not_built_in);
	return -1;
}

int
tls_signer_start(const struct tls_chain *chain, const char *key_file,
    int *fd_r, char *error, size_t error_size)
{
	(void)chain;
	(void)key_file;
	*fd_r = -1;
	(void)snprintf(error, error_size, "%s", not_built_in);
	return -1;
}

int
tls_signer_sign(int fd, const void *request, size_t len, void *signature,
    size_t size, size_t *len_r)
{
	(void)fd;
	(void)request;
	(void)len;
	(void)signature;
	(void)size;
	*len_r = 0;
	return -1;
}

void
tls_signer_stop(int *fd)
{
	(void)fd;
}

int
tls_priority_check(const char *priority, char *error, size_t error_size)
{
	(void)priority;
	(void)snprintf(error, error_size, "%s", not_built_in);
	return -1;
}

int
tls_server_start(const struct tls_chain *chain, const char *priority,
    const struct tls_ticket_key *ticket, tls_sign_fn *sign, int monitor_fd,
    int timeout_sec, const char *mode, struct tls_info *info, char *error,
    size_t error_size)
{
	(void)chain;
	(void)priority;
	(void)ticket;
	(void)sign;
	(void)monitor_fd;
	(void)timeout_sec;
	(void)mode;
	(void)info;
	(void)snprintf(error, error_size, "%s", not_built_in);
	return -1;
}

void
tls_close(void)
{
}

int
tls_relay(int plain_fd, int timeout_sec)
{
	(void)plain_fd;
	(void)timeout_sec;
	return -1;
}
