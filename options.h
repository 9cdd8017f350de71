/*
 * options.h: pop3d's command line, parsed and checked (options.c).
 */
#ifndef POP3D_OPTIONS_H
#define POP3D_OPTIONS_H

#include <sys/types.h>

#include "proxy.h"

#define POP3D_VERSION	"0.1"

struct options {
	const char	*recover;	/* --recover: repair this mailbox, exit */
	const char	*users_file;
	const char	*mailbox_template;
	const char	*privsep_user;
	const char	*chroot_dir;
	const char	*index_dir;	/* NULL: no index */
	const char	*tls_cert;	/* NULL: no TLS */
	const char	*tls_key;
	const char	*tls_priority;
	const char	*tls_ticket_key;	/* NULL: no session tickets */
	int		 implicit_tls;
	int		 allow_plaintext_auth;
	uid_t		 min_uid;
	int		 timeout_sec;
	int		 login_timeout_sec;
	int		 debug;
	int		 trust_env_address;
	enum proxy_mode	 proxy_mode;	/* --proxy-protocol */
	struct proxy_trust proxy_from;	/* --proxy-from */
};

int	parse_options(int argc, char *argv[], struct options *opt);

#endif
