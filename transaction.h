/*
 * transaction.h: the TRANSACTION and UPDATE states (transaction.c): the
 * start of a session after its login, its commands, and what the logout
 * line reports.
 */
#ifndef POP3D_TRANSACTION_H
#define POP3D_TRANSACTION_H

#include <stddef.h>

#include "auth.h"
#include "session.h"

int	start_transaction(struct session *s, const struct account *a);
int	cmd_stat(struct session *s, struct command *c);
int	cmd_list(struct session *s, struct command *c);
int	cmd_uidl(struct session *s, struct command *c);
int	cmd_retr(struct session *s, struct command *c);
int	cmd_top(struct session *s, struct command *c);
int	cmd_dele(struct session *s, struct command *c);
int	cmd_noop(struct session *s, struct command *c);
int	cmd_rset(struct session *s, struct command *c);
int	cmd_quit(struct session *s, struct command *c);
size_t	retrieved_sent(const struct session *s);
unsigned long long sent_since_login(const struct session *s);

#endif
