/*
 * monitor_serve.h: the root monitor serving a session's lock requests
 * (monitor_serve.c).
 */
#ifndef POP3D_MONITOR_SERVE_H
#define POP3D_MONITOR_SERVE_H

#include <sys/types.h>

#include "auth.h"

int	monitor_serve(int fd, const char *path, const struct account *a,
	    pid_t session);

#endif
