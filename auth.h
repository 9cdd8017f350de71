/*
 * auth.h: checking a user name and password, and becoming that user.
 */
#ifndef POP3D_AUTH_H
#define POP3D_AUTH_H

#include <sys/types.h>

#include <stddef.h>

#include "params.h"

struct account {
	char	name[USER_NAME_MAX + 1];
	char	home[MAILBOX_PATH_MAX];
	uid_t	uid;
	gid_t	gid;
	int	has_ids;	/* uid and gid known */
	int	exists;		/* the name is an account (for logs only) */
};

struct auth_config {
	const char	*users_file;	/* NULL: the system's accounts */
	uid_t		 min_uid;	/* lowest uid of a system account */
};

int	auth_init(void);
int	auth_check_password(const struct auth_config *config,
	    const char *name, char *password, struct account *account_r,
	    const char **reason_r);
int	auth_become_user(const struct account *account, const char **reason_r);
int	auth_login(const struct auth_config *config, const char *rip,
	    const char *name, char *password, struct account *account_r);
void	auth_escape_name(const char *in, char *out, size_t size);

#endif
