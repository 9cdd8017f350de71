/*
 * privsep_msg.c: the messages between pop3d's processes under privilege
 * separation: one SOCK_SEQPACKET datagram each, a fixed header and at
 * most IN_BUFFER_BYTES of data, and the rules for the descriptors that
 * may come with one.
 *
 * Trusts nothing it receives: a message is taken whole or not at all (a
 * truncated one, one whose length field disagrees with what arrived, or
 * one with a control message other than the one descriptor the receiver
 * asked for ends the connection), and every descriptor that arrives is
 * closed unless the receiver asked for it.  What a message means is the
 * receiver's to check (privsep.c, monitor_login.c, monitor_serve.c,
 * privsep_child.c): this file must not interpret a message's type or
 * data, and must not log.  hostile() is here as the one switch of the
 * test builds' hooks that every process of privilege separation reads.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privsep_msg.h"

/*
 * Test builds (pop3d-fault, -DPOP3D_FAULT_INJECTION): POP3D_HOSTILE=WHAT
 * makes a child do what a compromised one could, to show that the others
 * stay safe (tests/privsep_tests.py).  Never true in pop3d itself.
 */
int
hostile(const char *what)
{
#ifdef POP3D_FAULT_INJECTION
	const char *v = getenv("POP3D_HOSTILE");

	return v != NULL && strcmp(v, what) == 0;
#else
	(void)what;
	return 0;
#endif
}

/* Sends one message with nfds (at most 3) descriptors. */
int
send_msg(int fd, struct msg *m, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(3 * sizeof(int))];
	} control;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;

	if (nfds > 3)
		return -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = m;
	iov.iov_len = MSG_HEADER + m->len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)iov.iov_len ? 0 : -1;
}

/*
 * Room for more descriptors than anyone may send, so that the ones sent
 * are received and closed here; past it the kernel drops them and sets
 * MSG_CTRUNC, which ends the connection too.
 */
#define FDS_ROOM	8

/*
 * Receives one message.  With fd_r NULL no descriptor may come with it;
 * otherwise *fd_r gets the one descriptor it may carry, or -1.  Returns 0,
 * -1 when the peer is gone, or -2 for a message that must end the
 * connection: truncated, of the wrong length, or with a control message
 * other than what was asked for.  Every descriptor received is closed
 * unless it is returned.
 */
int
recv_msg(int fd, struct msg *m, int *fd_r)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(FDS_ROOM * sizeof(int))];
	} control;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;
	size_t i, count;
	int bad, got = -1, passed;

	if (fd_r != NULL)
		*fd_r = -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = m;
	iov.iov_len = sizeof(*m);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return -1;
	bad = n < (ssize_t)MSG_HEADER || (mh.msg_flags & (MSG_TRUNC |
	    MSG_CTRUNC)) != 0 || m->len != (size_t)n - MSG_HEADER;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&passed, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (fd_r != NULL && got == -1) {
				got = passed;
				continue;
			}
			(void)close(passed);
			bad = 1;
		}
	}
	if (bad) {
		if (got != -1)
			(void)close(got);
		return -2;
	}
	if (fd_r != NULL)
		*fd_r = got;
	return 0;
}

/* A reply with no data, and the one descriptor pass_fd (-1: none). */
int
msg_reply(int fd, enum msg_type type, int result, int error,
    int pass_fd)
{
	struct msg m;

	memset(&m, 0, MSG_HEADER);
	m.type = type;
	m.result = result;
	m.error = error;
	return send_msg(fd, &m, &pass_fd, pass_fd != -1);
}

/* A reply with len octets of data and no descriptor. */
int
msg_reply_data(int fd, enum msg_type type, int result, const void *data,
    size_t len)
{
	struct msg m;

	memset(&m, 0, MSG_HEADER);
	m.type = type;
	m.result = result;
	memcpy(m.data, data, len);
	m.len = (uint32_t)len;
	return send_msg(fd, &m, NULL, 0);
}
