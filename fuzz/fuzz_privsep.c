/*
 * fuzz_privsep.c: libFuzzer target for the monitor's message parsers.
 *
 * privsep.c is included to reach its static receive_login(); the other
 * receivers are monitor_login.c's, monitor_serve.c's and privsep_msg.c's,
 * linked.  The input's first octet picks the receiver (modulo 4):
 *
 *   0  the login monitor reading the pre-login process (monitor_login():
 *      a PROXY header's address, login requests, the hand-over; auth.c
 *      checks against a users file with a cheap hash, so that good logins
 *      are reachable);
 *   1  the monitor serving a session (monitor_serve(): dotlock and journal
 *      requests, in a private directory);
 *   2  the monitor reading the login monitor's result (receive_login());
 *   3  the session reading the monitor's replies (recv_msg() with room for
 *      a journal's descriptor).
 *
 * The rest is a run of messages, at most MESSAGES_MAX: one octet (low two
 * bits: 0 to 3 descriptors, /dev/null, sent with it), two octets of length
 * (big-endian, cut to the largest message) and that many octets, each sent
 * as one SOCK_SEQPACKET datagram before the receiver runs.  Checked,
 * besides what ASan and UBSan catch:
 *
 *  - every descriptor received is closed: the process has as many open
 *    descriptors after a run as before;
 *  - the receivers that accept no descriptor (0, 1, 2) end at the first
 *    message that carries one: monitor_login() returns -2, receive_login()
 *    -1, monitor_serve() -1 when it is the first message.
 */
#include "../privsep.c"

#include "fuzz_common.h"

#define MESSAGES_MAX	48

static char dir[4096], users[4200], mbox[4200], journal[4200], lock[4200];
static char rip[64];
static struct auth_config auth;
static struct privsep_config config;
static int null_fd = -1;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_privsep: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *fp;

	(void)argc;
	(void)argv;
	(void)snprintf(dir, sizeof(dir), "%s/fuzz-privsep.XXXXXX",
	    fz_tmp_base());
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	(void)snprintf(users, sizeof(users), "%s/users", dir);
	(void)snprintf(mbox, sizeof(mbox), "%s/fz", dir);
	(void)snprintf(lock, sizeof(lock), "%s/fz.lock", dir);
	(void)snprintf(journal, sizeof(journal), "%s/.fz.pop3d-journal", dir);
	fp = fopen(users, "w");
	if (fp == NULL)
		die("users file");
	/* fz / secret, md5crypt: cheap enough to reach good logins often. */
	(void)fprintf(fp, "fz:$1$benchslt$1UzmEGFtDSedwy4nUevTk/:%lu:%lu::%s:"
	    "/bin/sh\n", (unsigned long)getuid(), (unsigned long)getgid(), dir);
	if (fclose(fp) == EOF)
		die("users file");
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd == -1 || auth_init() == -1)
		die("setup");
	auth.users_file = users;
	config.auth = &auth;
	config.rip = rip;
	config.rip_size = sizeof(rip);
	config.proxy = 1;	/* the pre-login may send a PROXY address */
	config.mailbox_template = mbox;
	config.login_timeout_sec = 60;
	openlog("fuzz_privsep", LOG_PID, LOG_MAIL);
	return 0;
}

/* One datagram of exactly len octets, with nfds descriptors. */
static int
send_raw(int fd, const void *buf, size_t len, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(3 * sizeof(int))];
	} control;
	int fds[3] = { null_fd, null_fd, null_fd };
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/*
 * Sends the input's messages as they are (their length fields included,
 * whatever they say); returns how many.
 */
static int
send_all(int fd, const uint8_t *p, size_t n, int *first_has_fds)
{
	size_t len;
	int count = 0, nfds;

	*first_has_fds = 0;
	while (n >= 3 && count < MESSAGES_MAX) {
		nfds = p[0] & 3;
		len = (size_t)p[1] << 8 | p[2];
		p += 3;
		n -= 3;
		if (len > n)
			len = n;
		if (len > sizeof(struct msg))
			len = sizeof(struct msg);
		if (len == 0)
			continue;	/* a zero-length datagram reads as EOF */
		if (count == 0)
			*first_has_fds = nfds > 0;
		if (send_raw(fd, p, len, nfds) == -1)
			break;
		p += len;
		n -= len;
		count++;
	}
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct privsep_result result;
	struct account account;
	static struct msg m;
	int sv[2], before, first_has_fds, r, got, signer = -1, relay_fd = -1;

	if (size < 1)
		return 0;
	before = open_fds();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		die("socketpair");
	if (send_all(sv[1], data + 1, size - 1, &first_has_fds) <= 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return 0;
	}
	/* Replies go to sv[1] and stay there; the receiver sees EOF. */
	if (shutdown(sv[1], SHUT_WR) == -1)
		die("shutdown");
	memset(&result, 0, sizeof(result));
	(void)strlcpy(rip, "fuzz", sizeof(rip));
	switch (data[0] & 3) {
	case 0:
		r = monitor_login(&config, sv[0], &result, &signer);
		tls_signer_stop(&signer);
		FZ_CHECK(!first_has_fds || r == -2, "monitor_login took a "
		    "message with descriptors (%d)", r);
		break;
	case 1:
		memset(&account, 0, sizeof(account));
		(void)strlcpy(account.name, "fz", sizeof(account.name));
		account.uid = getuid();
		account.gid = getgid();
		account.has_ids = 1;
		r = monitor_serve(sv[0], mbox, &account, 0);
		FZ_CHECK(!first_has_fds || r == -1, "monitor_serve took a "
		    "message with descriptors");
		break;
	case 2:
		r = receive_login(&config, sv[0], &result, &relay_fd);
		if (relay_fd != -1)
			(void)close(relay_fd);
		FZ_CHECK(!first_has_fds || r == -1, "receive_login took a "
		    "message with descriptors");
		break;
	default:
		while (recv_msg(sv[0], &m, &got) == 0)
			if (got != -1)
				(void)close(got);
		break;
	}
	(void)close(sv[0]);
	(void)close(sv[1]);
	(void)unlink(lock);
	(void)unlink(journal);
	FZ_CHECK(open_fds() == before, "descriptors leaked: %d open, %d "
	    "before", open_fds(), before);
	return 0;
}
