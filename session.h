/*
 * session.h: one POP3 session's state, shared by the files of its states
 * (login.c, transaction.c) and the command loop (pop3d.c), and the
 * command lines and replies they all use (session.c).
 */
#ifndef POP3D_SESSION_H
#define POP3D_SESSION_H

#include <sys/types.h>

#include <stddef.h>

#include "auth.h"
#include "mailbox.h"
#include "options.h"
#include "params.h"
#include "tls.h"

enum state {
	STATE_AUTHORIZATION,
	STATE_TRANSACTION,
	STATE_DONE
};

/* How the session ended, for the logout line. */
enum ending {
	END_QUIT,
	END_EOF,
	END_TIMEOUT,
	END_SIGNAL,
	END_ERROR,
	END_UPDATE_FAILED,
	END_AUTH_FAILURES,
	END_BAD_COMMANDS,
	END_HANDOVER,		/* the pre-login process passed the session on */
	END_LOGIN_TIMEOUT	/* not logged in by --login-timeout */
};

struct session {
	enum state	 state;
	enum ending	 ending;
	const struct options *opt;
	const char	*index_dir;	/* opt's, NULL if the monitor refused it */
	struct auth_config auth;
	char		 user[USER_NAME_MAX + 2];	/* one more: too long */
	int		 have_user;	/* the last reply was USER's +OK */
	int		 had_user;	/* so before this command: PASS may run */
	int		 auth_failures;
	int		 bad_commands;
	char		 rip[64];	/* the client's address, for logs */
	char		 log_user[4 * USER_NAME_MAX + 1];
	int		 monitor_fd;	/* privsep.c's monitor, or -1 */
	const struct tls_chain *tls_chain;	/* read at start, or NULL */
	int		 tls_on;	/* the client talks TLS now */
	int		 tls_refused;	/* the monitor could not start it */
	struct tls_info	 tls_info;	/* for the login line */
	struct tls_ticket_key ticket;	/* from the monitor; for GnuTLS */
	struct mailbox	 mb;
	size_t		 live_count;	/* messages not marked deleted */
	off_t		 live_octets;
	size_t		 retrieved;	/* RETRs answered; see retrieved_sent() */
	unsigned long long sent_at_login;	/* octets before the login reply */
	size_t		 deleted;	/* removed at UPDATE */
	int		 check_holds;	/* pipelined: see cmd_dele() */
	int		 check_holds_next;
	/*
	 * A trusted balancer's PROXY v2 header said it ended TLS
	 * (PP2_TYPE_SSL): for the plaintext-login rule, which is the TLS
	 * code's to apply.
	 */
	int		 proxy_tls;
};

/* A parsed command line: keyword and up to two arguments. */
struct command {
	char		 keyword[5];
	const char	*args[2];
	int		 nargs;		/* 3: too many */
	const char	*rest;		/* everything after "KEYWORD " */
};

extern const char reply_syntax[];
extern const char reply_state[];

const char	*parse_command(char *line, size_t len, struct command *cmd);
int		 reply(const char *text);
int		 reply_bad(struct session *s, const char *text);

#endif
