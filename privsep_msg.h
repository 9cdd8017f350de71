/*
 * privsep_msg.h: the messages between pop3d's processes under privilege
 * separation (privsep_msg.c).  Private to the files of privilege
 * separation: privsep.c, monitor_login.c and monitor_serve.c (the root
 * side) and privsep_child.c (the unprivileged side).
 */
#ifndef POP3D_PRIVSEP_MSG_H
#define POP3D_PRIVSEP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"

enum msg_type {
	MSG_AUTH = 1,		/* name NUL password NUL */
	MSG_HANDOVER,		/* input read ahead by the pre-login child */
	MSG_DOTLOCK_CREATE,
	MSG_DOTLOCK_REMOVE,
	MSG_DOTLOCK_TOUCH,
	MSG_JOURNAL_CREATE,	/* the reply carries the journal's fd */
	MSG_JOURNAL_REMOVE,
	MSG_CLIENT_ADDRESS,	/* from a PROXY header: address NUL */
	MSG_ACCOUNT,		/* login monitor to monitor: who logged in */
	MSG_TLS_START,		/* the reply says whether the key is usable */
	MSG_TLS_SIGN,		/* algorithm, kind, data; the signature */
	MSG_TLS_DONE,		/* the handshake is over: text for the log */
	MSG_RELAY		/* login monitor to monitor: the relay's socket */
};

/* Replies to MSG_AUTH. */
#define AUTH_OK		0
#define AUTH_FAILED	(-1)
#define AUTH_FAILED_LAST (-2)	/* and the monitor is done */

struct msg {
	uint32_t	type;
	int32_t		result;
	int32_t		error;		/* errno when result is -1 */
	uint32_t	len;		/* of data */
	char		data[IN_BUFFER_BYTES];
};

#define MSG_HEADER	offsetof(struct msg, data)

int	hostile(const char *what);
int	send_msg(int fd, struct msg *m, const int *fds, size_t nfds);
int	recv_msg(int fd, struct msg *m, int *fd_r);
int	msg_reply(int fd, enum msg_type type, int result, int error,
	    int pass_fd);
int	msg_reply_data(int fd, enum msg_type type, int result,
	    const void *data, size_t len);

#endif
