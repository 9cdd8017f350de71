/*
 * monitor_login.h: the login monitor checking the pre-login process's
 * requests until a good login (monitor_login.c).
 */
#ifndef POP3D_MONITOR_LOGIN_H
#define POP3D_MONITOR_LOGIN_H

#include "privsep_config.h"

int	monitor_login(const struct privsep_config *config, int fd,
	    struct privsep_result *result, int *signer);

#endif
