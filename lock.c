/*
 * lock.c: the mailbox's locks and the files beside it: the dotlock, the
 * fcntl lock, the stale-lock rule, and creating and removing the update
 * journal.
 *
 * Owns the lock order (both locks without ever waiting on one while
 * holding the other, Debian Policy 11.6), the bounded wait with its
 * random back-off, the NFS-safe way a dotlock is made (written under a
 * unique name and linked), what may be taken for a stale one, and the
 * walk that reaches a root process's spool directory without a link.
 * Trusts nothing at the lock's path but a small regular file holding the
 * dead pid of a process of this host, or one nobody touched for
 * DOTLOCK_STALE_SEC by the file system's clock; time stamps say only how
 * long to wait, never what to do with the mailbox.  The operations that need write access to the
 * directory go through spool_ops, so the root monitor (privsep.c) can run
 * these very functions for a session that lacks it, in the directory it
 * opened.  It must not read or change the mailbox's contents, and it
 * knows nothing of the session (struct mailbox).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "lock.h"
#include "params.h"
#include "util.h"

static void
spool_error(struct spool *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* ap is started above: clang-analyzer 14 misreads this. */
	(void)vsnprintf(sp->error, sizeof(sp->error), fmt, ap); // NOLINT
	va_end(ap);
}

static void
sleep_msec(long msec)
{
	struct timespec ts;

	ts.tv_sec = msec / 1000;
	ts.tv_nsec = (msec % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Where a spool operation works.  The monitor (monitor_serve.c) and a
 * root --recover open the mailbox's directory once and work in it by the
 * file's name alone, so that no later change of the path's directories (a
 * symbolic link the user swaps) can move them elsewhere; a session doing
 * its own work uses the path.
 */
int
spool_at(const struct spool *sp, const char *path, const char **name_r)
{
	const char *slash;

	if (sp->dir_fd == -1) {
		*name_r = path;
		return AT_FDCWD;
	}
	slash = strrchr(path, '/');
	*name_r = slash != NULL ? slash + 1 : path;
	return sp->dir_fd;
}

/*
 * The target of name in directory fd, if it is a symbolic link of root's
 * (the caller follows it only where the walk so far found that only root
 * can change the directory).  0 with the target in buf, or -1.
 */
static int
root_link(int fd, const char *name, char *buf, size_t size)
{
	struct stat st;
	ssize_t n;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISLNK(st.st_mode) || st.st_uid != 0)
		return -1;
	n = readlinkat(fd, name, buf, size);
	if (n <= 0 || (size_t)n >= size)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The directory "/", its status, and whether root owns it; or -1. */
static int
open_root_dir(struct stat *st, int *trusted_r)
{
	int fd;

	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1 && fstat(fd, st) == -1) {
		(void)close(fd);
		fd = -1;
	}
	*trusted_r = fd != -1 && st->st_uid == 0;
	return fd;
}

/*
 * Opens the directory of path from "/" down, one component at a time, and
 * says whether only root can change which directory that is: every
 * directory on the way is root's, and every one before the last is
 * writable by nobody else, or sticky (then others cannot rename root's
 * entries in it).  The last one may be writable by a group (the spool,
 * root:mail 2775): what happens in it is by name, and a name is never
 * followed.  A symbolic link is followed only where only root could have
 * made or changed it (Debian's /var/spool/mail, root's link to /var/mail),
 * at most SPOOL_LINKS_MAX of them; any other fails the walk.  Returns the
 * fd or -1.
 */
int
spool_dir_walk(const char *path, int *trusted_r)
{
	char dir[MAILBOX_PATH_MAX], target[MAILBOX_PATH_MAX], *p, *name;
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd, next, trusted, links = 0;

	*trusted_r = 0;
	if (path[0] != '/' || slash == NULL ||
	    (size_t)(slash - path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if ((fd = open_root_dir(&st, &trusted)) == -1)
		return -1;
	for (p = dir; (name = strsep(&p, "/")) != NULL;) {
		if (name[0] == '\0' || strcmp(name, ".") == 0)
			continue;
		if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)
			trusted = 0;
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1 && trusted && links < SPOOL_LINKS_MAX &&
		    root_link(fd, name, target, sizeof(target)) == 0) {
			/* Go on with the target, then what was left. */
			if (p != NULL && (strlcat(target, "/", sizeof(target)) >=
			    sizeof(target) || strlcat(target, p, sizeof(target)) >=
			    sizeof(target))) {
				(void)close(fd);
				return -1;
			}
			memcpy(dir, target, sizeof(dir));
			p = dir;
			links++;
			if (dir[0] == '/') {
				(void)close(fd);
				if ((fd = open_root_dir(&st, &trusted)) == -1)
					return -1;
			}
			continue;
		}
		(void)close(fd);
		if (next == -1)
			return -1;
		fd = next;
		if (fstat(fd, &st) == -1) {
			(void)close(fd);
			return -1;
		}
		if (st.st_uid != 0)
			trusted = 0;
	}
	*trusted_r = trusted;
	return fd;
}

/*
 * This host's name as dotlocks hold it (PID:HOST, the form Dovecot writes
 * too), or "" when it is unknown or unsuitable: then locks hold the pid
 * alone, as liblockfile's do.
 */
static const char *
lock_host(void)
{
	static char host[DOTLOCK_HOST_MAX + 1];
	static int looked;
	char buf[256];
	size_t i, n;

	if (looked)
		return host;
	looked = 1;
	if (gethostname(buf, sizeof(buf)) == -1)
		return host;
	buf[sizeof(buf) - 1] = '\0';
	n = strlen(buf);
	if (n > DOTLOCK_HOST_MAX)
		return host;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-_", buf[i]) == NULL)
			return host;
	memcpy(host, buf, n + 1);
	return host;
}

/*
 * A dotlock's contents: a process id (digits, maybe padded with spaces,
 * HDB UUCP style "%10d\n"), optionally followed by ":HOST", then maybe a
 * LF.  Returns the pid (0 if the contents are none of these) and points
 * *host at the host name (NULL when there is none).
 */
static long
dotlock_owner(const char *buf, size_t len, const char **host, size_t *hostlen)
{
	size_t i = 0, h;
	long pid = 0;

	*host = NULL;
	*hostlen = 0;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	while (i < len && buf[i] == ' ')
		i++;
	if (i == len || buf[i] < '0' || buf[i] > '9')
		return 0;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (pid > (LONG_MAX - 9) / 10)
			return 0;
		pid = pid * 10 + (buf[i] - '0');
	}
	while (i < len && buf[i] == ' ')
		i++;
	if (i < len && buf[i] == ':') {
		for (h = ++i; i < len && buf[i] > ' ' && buf[i] < 0x7f; i++)
			;
		if (i == h)
			return 0;
		*host = buf + h;
		*hostlen = i - h;
	}
	return i == len && pid <= INT_MAX ? pid : 0;
}

/*
 * Is the file on a spool shared with other hosts?  There a process id
 * without a host name may be another host's (liblockfile's tools write
 * those), and no local check can say whether its process still runs.
 */
static int
on_shared_spool(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == NFS_SUPER_MAGIC;
}

/*
 * liblockfile's rule, which Debian's tools follow in some form, taken
 * narrowly: only a small regular file can be a stale dotlock, when it holds
 * nothing but the id of a process that no longer exists on this host, or
 * when it is empty or may belong to another host (it names one, or it is
 * on NFS and names none), whose process ids mean nothing here, and nobody
 * touched it for DOTLOCK_STALE_SEC.  The age is measured
 * against fs_now, a time stamp the file system itself just gave a new
 * file, so that the clocks of the hosts sharing a spool need not agree.
 * Anything else at the lock's path (another account's mailbox, for an
 * account named alice.lock; a lock in a format not known here) is left
 * alone: the login waits and reports the mailbox in use.
 */
static int
dotlock_is_stale(int dir, const char *name, time_t fs_now)
{
	struct stat st;
	char buf[DOTLOCK_SIZE_MAX];
	const char *host;
	size_t hostlen;
	long pid;
	ssize_t n;
	int fd, shared, old;

	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)sizeof(buf)) {
		(void)close(fd);
		return 0;
	}
	n = pread_full(fd, buf, sizeof(buf), 0);
	shared = on_shared_spool(fd);
	(void)close(fd);
	old = fs_now - st.st_mtime >= DOTLOCK_STALE_SEC;
	if (n == 0 && st.st_size == 0)
		return old;
	if (n <= 0 || (pid = dotlock_owner(buf, (size_t)n, &host, &hostlen)) <= 0)
		return 0;
	if (host == NULL ? shared : (hostlen != strlen(lock_host()) ||
	    memcmp(host, lock_host(), hostlen) != 0))
		return old;
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* Makes a directory entry change durable: fsync the directory. */
static int
sync_directory_of(const struct spool *sp, const char *path)
{
	char dir[MAILBOX_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r;

	if (sp->dir_fd != -1)
		return fsync(sp->dir_fd);
	if (slash == NULL)
		(void)strlcpy(dir, ".", sizeof(dir));
	else if (slash == path)
		(void)strlcpy(dir, "/", sizeof(dir));
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
	    path) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	r = fsync(fd);
	(void)close(fd);
	return r;
}

/*
 * The operations that need write access to the mailbox's directory, done
 * here directly.  A session without that access (Debian's root:mail 2775
 * spool) gets them from the privileged monitor instead (privsep.c), which
 * runs these very functions for it, in the directory it opened.
 */

/*
 * The dotlock's contents, written under a name nobody else uses
 * (.NAME.lock.RANDOM beside the lock; name is the lock's path or, in the
 * monitor's directory, its last component); *st receives the new file's
 * status, whose time stamp is the file system's "now".  The name used goes
 * to tmp.
 */
static int
dotlock_prepare(int dir, const char *name, char *tmp, size_t size,
    struct stat *st)
{
	char text[DOTLOCK_SIZE_MAX];
	const char *base = strrchr(name, '/');
	int dirlen = base != NULL ? (int)(base + 1 - name) : 0;
	uint32_t rnd[2];
	int fd, len, saved;

	arc4random_buf(rnd, sizeof(rnd));
	base = name + dirlen;
	if (snprintf(tmp, size, "%.*s.%s.%08x%08x", dirlen, name, base,
	    (unsigned)rnd[0], (unsigned)rnd[1]) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (lock_host()[0] != '\0')
		len = snprintf(text, sizeof(text), "%ld:%s\n", (long)getpid(),
		    lock_host());
	else
		len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (len < 0 || len >= (int)sizeof(text)) {
		errno = EOVERFLOW;
		return -1;
	}
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	/* A write this small to a new file is short only when the disk is full. */
	errno = 0;
	if (write(fd, text, (size_t)len) != (ssize_t)len) {
		if (errno == 0)
			errno = ENOSPC;
		saved = errno;
		(void)close(fd);
		(void)unlinkat(dir, tmp, 0);
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) == -1 || close(fd) == -1) {
		saved = errno;
		(void)unlinkat(dir, tmp, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Links the prepared file to the lock's name: 0 linked, 1 the name exists,
 * -1 another error.  Over NFS the reply to a link that was made can be
 * lost and the retried request fail with EEXIST, so a failure is checked
 * the way liblockfile does: the prepared file, which nobody else knows,
 * has two links exactly when the lock is ours.
 */
static int
dotlock_link(int dir, const char *tmp, const char *name)
{
	struct stat st;
	int saved;

	if (linkat(dir, tmp, dir, name, 0) == 0)
		return 0;
	saved = errno;
	if (fstatat(dir, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_nlink == 2)
		return 0;
	errno = saved;
	return saved == EEXIST ? 1 : -1;
}

/*
 * 0 taken, 1 busy, -1 cannot (errno set).  The lock is made the NFS-safe
 * way: written under a unique name, then linked to the lock's name, which
 * either succeeds whole or not at all on every file system.
 */
static int
local_dotlock_create(struct spool *sp)
{
	const char *name;
	int dir = spool_at(sp, sp->lock_path, &name);
	char tmp[MAILBOX_PATH_MAX + 32];
	struct stat st;
	int r, saved, tries;

	if (dotlock_prepare(dir, name, tmp, sizeof(tmp), &st) == -1)
		return -1;
	for (tries = 0; tries < 2; tries++) {
		r = dotlock_link(dir, tmp, name);
		if (r != 1)
			break;
		if (!dotlock_is_stale(dir, name, st.st_mtime) ||
		    unlinkat(dir, name, 0) == -1)
			break;
	}
	saved = errno;
	if (unlinkat(dir, tmp, 0) == -1 && r == 0) {
		/* A second name for our lock would outlive its removal. */
		saved = errno;
		(void)unlinkat(dir, name, 0);
		r = -1;
	}
	errno = saved;
	return r;
}

static int
local_dotlock_remove(struct spool *sp)
{
	const char *name;
	int dir = spool_at(sp, sp->lock_path, &name);

	return unlinkat(dir, name, 0);
}

static int
local_dotlock_touch(struct spool *sp)
{
	const char *name;
	int dir = spool_at(sp, sp->lock_path, &name);

	return utimensat(dir, name, NULL, AT_SYMLINK_NOFOLLOW);
}

/* The journal is the user's own file, synced into the directory. */
static int
local_journal_create(struct spool *sp)
{
	const char *name;
	int dir = spool_at(sp, sp->journal_path, &name);
	int fd, saved;

	fd = openat(dir, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if ((geteuid() == 0 && fchown(fd, sp->owner, (gid_t)-1) == -1) ||
	    sync_directory_of(sp, sp->journal_path) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlinkat(dir, name, 0);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
local_journal_remove(struct spool *sp)
{
	const char *name;
	int dir = spool_at(sp, sp->journal_path, &name);

	if (unlinkat(dir, name, 0) == -1 && errno != ENOENT)
		return -1;
	return sync_directory_of(sp, sp->journal_path);
}

const struct spool_ops lock_local_spool = {
	local_dotlock_create,
	local_dotlock_remove,
	local_dotlock_touch,
	local_journal_create,
	local_journal_remove
};

/*
 * Seconds of the monotonic clock, for the touches' interval: a wall clock
 * set back (or frozen) must not stop them, or a login waiting for our
 * scan or update would take it for a stuck holder and give up.
 */
static time_t
monotonic_sec(void)
{
	return (time_t)(now_msec() / 1000);
}

/* 0 taken, 1 busy, -1 cannot (with the error set). */
static int
dotlock_try(struct spool *sp)
{
	int r;

	r = sp->ops->dotlock_create(sp);
	if (r == 0) {
		sp->dotlock_held = 1;
		sp->dotlock_touched = monotonic_sec();
	}
	if (r != -1)
		return r;
	/*
	 * Falling back to fcntl alone would corrupt mail with dotlock-only
	 * writers: refuse and say what the administrator must change.
	 */
	spool_error(sp, "cannot create dotlock %s: %s (the mailbox directory "
	    "must be writable for the user, or pop3d started as root, see "
	    "pop3d(8))", sp->lock_path, strerror(errno));
	return -1;
}

static void
dotlock_release(struct spool *sp)
{
	if (!sp->dotlock_held)
		return;
	(void)sp->ops->dotlock_remove(sp);
	sp->dotlock_held = 0;
}

/* Long scans and updates keep the lock fresh for every stale rule. */
static void
dotlock_touch_if_due(struct spool *sp)
{
	time_t now;

	if (sp == NULL || !sp->dotlock_held)
		return;
	now = monotonic_sec();
	if (now - sp->dotlock_touched < DOTLOCK_TOUCH_SEC)
		return;
	(void)sp->ops->dotlock_touch(sp);
	sp->dotlock_touched = now;
}

static int
fcntl_lock(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_SETLK, &fl);
}

/*
 * Has the busy dotlock's holder shown progress since the last look (*seen)?
 * pop3d touches a dotlock it holds every DOTLOCK_TOUCH_SEC while it scans
 * or updates, and a new holder makes a new file.  Time stamps are a hint
 * here, for how long to wait, never for what to do with the mailbox.
 */
static int
dotlock_progressed(const struct spool *sp, struct stat *seen)
{
	struct stat st;
	const char *name;
	int dir = spool_at(sp, sp->lock_path, &name), moved;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	moved = seen->st_ino != 0 && (st.st_ino != seen->st_ino ||
	    st.st_mtim.tv_sec != seen->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != seen->st_mtim.tv_nsec);
	*seen = st;
	return moved;
}

/*
 * Takes both locks without ever waiting on one while holding the other
 * (Debian Policy 11.6): MTAs take the dotlock first, mutt and Python's
 * mailbox take fcntl first, and only backing off keeps them all moving.
 * Another session's long scan or update keeps us waiting while it goes
 * on: it cannot be told from a stuck holder but by its progress.
 */
enum lock_status
lock_acquire(struct spool *sp, int fd, short type)
{
	long long start = now_msec(), deadline = start + LOCK_WAIT_SEC * 1000LL;
	struct stat seen;
	int r;

	memset(&seen, 0, sizeof(seen));
	for (;;) {
		r = dotlock_try(sp);
		if (r == -1)
			return LOCK_FAILED;
		if (r == 1 && dotlock_progressed(sp, &seen)) {
			deadline = now_msec() + LOCK_WAIT_SEC * 1000LL;
			if (deadline > start + LOCK_WAIT_MAX_SEC * 1000LL)
				deadline = start + LOCK_WAIT_MAX_SEC * 1000LL;
		}
		if (r == 0) {
			if (fcntl_lock(fd, type) == 0)
				return LOCK_OK;
			if (errno != EAGAIN && errno != EACCES) {
				spool_error(sp, "fcntl lock on %s: %s", sp->path,
				    strerror(errno));
				dotlock_release(sp);
				return LOCK_FAILED;
			}
			dotlock_release(sp);
		}
		if (now_msec() >= deadline) {
			spool_error(sp, "%s is locked by another program",
			    sp->path);
			return LOCK_IN_USE;
		}
		sleep_msec(LOCK_BACKOFF_MIN_MSEC + (long)arc4random_uniform(
		    LOCK_BACKOFF_MAX_MSEC - LOCK_BACKOFF_MIN_MSEC + 1));
	}
}

void
lock_release(struct spool *sp, int fd)
{
	if (fd != -1)
		(void)fcntl_lock(fd, F_UNLCK);
	dotlock_release(sp);
}

/* For long work under the dotlock (scan.c, journal.c): arg is a spool. */
void
dotlock_tick(void *arg)
{
	dotlock_touch_if_due(arg);
}
