/*
 * login.h: the AUTHORIZATION state's commands (login.c), for the command
 * loop, and TLS on the connection, for implicit TLS at the start.
 */
#ifndef POP3D_LOGIN_H
#define POP3D_LOGIN_H

#include "session.h"

int	cmd_capa(struct session *s, struct command *c);
int	cmd_user(struct session *s, struct command *c);
int	cmd_pass(struct session *s, struct command *c);
int	cmd_auth(struct session *s, struct command *c);
int	cmd_stls(struct session *s, struct command *c);
int	start_tls(struct session *s, const char *mode);

#endif
