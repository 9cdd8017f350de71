/*
 * monitor_serve.c: what the root monitor does for a logged-in user's
 * session: create, touch and remove the dotlock of the session's one
 * mailbox and create and remove its journal (lock.c's operations), in the
 * spool directory opened once, before the first request.
 *
 * Runs as root and trusts nothing the session sends: a request is one of
 * five types with no data and no descriptor, anything else ends the
 * connection with the session killed.  The mailbox's path comes from the
 * authenticated account, never from the session, and the directory is
 * reached without following a link; where a user could change which
 * directory that is, the work is done with the user's file system
 * identity.  It must not open the mailbox itself or read any of its
 * bytes, nor act on any file but the dotlock and the journal.
 */
#include <sys/types.h>
#include <sys/fsuid.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "auth.h"
#include "lock.h"
#include "mailbox.h"
#include "monitor_serve.h"
#include "params.h"
#include "privsep_msg.h"


/*
 * The monitor's file system identity becomes the user's (uid, gid, no
 * other group) while it works in a directory that is not root's alone: it
 * can then do there only what the user could.  The real and effective ids
 * stay root, to go back afterwards.
 */
static int
monitor_fs_identity(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) == -1)
		return -1;
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	/* setfsuid() reports no error: read the ids back. */
	if ((gid_t)setfsgid((gid_t)-1) != gid ||
	    (uid_t)setfsuid((uid_t)-1) != uid)
		return -1;
	return 0;
}

/*
 * The directory the monitor works in for the session: opened once, before
 * the first request.  As root when only root can change it; otherwise with
 * the user's identity (a template under the user's home), which follows
 * the user's links with the user's rights only.  Returns the fd or -1.
 */
static int
spool_dir_open(const char *path, const struct account *a)
{
	char dir[MAILBOX_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, trusted;

	fd = spool_dir_walk(path, &trusted);
	if (fd != -1 && trusted)
		return fd;
	if (fd != -1)
		(void)close(fd);
	if (!a->has_ids || monitor_fs_identity(a->uid, a->gid) == -1) {
		syslog(LOG_ERR, "cannot take the user's identity for %s",
		    path);
		return -1;
	}
	if (slash == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (slash == path)
		(void)strlcpy(dir, "/", sizeof(dir));
	else if ((size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	} else
		return -1;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * Serves the session's requests for its one mailbox until it exits
 * (returns 0) or sends what it never would unless compromised (returns
 * -1, logged: the connection must end, and the session, pid session, is
 * killed first).
 */
int
monitor_serve(int fd, const char *path, const struct account *a,
    pid_t session)
{
	struct mailbox mb;
	struct msg m;
	int held = 0, r, jfd, hostile_session = 0;

	if (mbox_set_paths(&mb, path) == -1)
		return 0;
	mb.spool.owner = a->uid;
	/* A directory that cannot be opened fails every request below. */
	mb.spool.dir_fd = spool_dir_open(path, a);
	while ((r = recv_msg(fd, &m, NULL)) == 0) {
		errno = 0;
		jfd = -1;
		if (mb.spool.dir_fd == -1 && m.type >= MSG_DOTLOCK_CREATE &&
		    m.type <= MSG_JOURNAL_REMOVE) {
			r = -1;
			errno = EACCES;
		} else switch (m.type) {
		case MSG_DOTLOCK_CREATE:
			r = held ? 1 : lock_local_spool.dotlock_create(&mb.spool);
			if (r == 0)
				held = 1;
			break;
		case MSG_DOTLOCK_REMOVE:
			r = held ? lock_local_spool.dotlock_remove(&mb.spool) : 0;
			held = 0;
			break;
		case MSG_DOTLOCK_TOUCH:
			r = held ? lock_local_spool.dotlock_touch(&mb.spool) : 0;
			break;
		case MSG_JOURNAL_CREATE:
			jfd = lock_local_spool.journal_create(&mb.spool);
			r = jfd == -1 ? -1 : 0;
			break;
		case MSG_JOURNAL_REMOVE:
			r = lock_local_spool.journal_remove(&mb.spool);
			break;
		default:
			syslog(LOG_ERR, "malformed request from the session: "
			    "ending the connection");
			hostile_session = 1;
			goto out;
		}
		if (msg_reply(fd, (enum msg_type)m.type, r, errno, jfd) == -1)
			break;
		if (jfd != -1)
			(void)close(jfd);
	}
	if (r == -2) {
		syslog(LOG_ERR, "descriptors or a truncated message from the "
		    "session: ending the connection");
		hostile_session = 1;
	}
out:
	/* Ended first: a session that is not done must not find it gone. */
	if (hostile_session && session > 0)
		(void)kill(session, SIGKILL);
	/* The session died holding the dotlock: delivery must go on. */
	if (held)
		(void)lock_local_spool.dotlock_remove(&mb.spool);
	if (mb.spool.dir_fd != -1)
		(void)close(mb.spool.dir_fd);
	/* Root's own identity again, to write what exit() writes. */
	(void)setfsuid(geteuid());
	(void)setfsgid(getegid());
	return hostile_session ? -1 : 0;
}
