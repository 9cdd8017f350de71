/*
 * mailbox.c: the session's view of an mbox maildrop: opening it, its
 * locks, the table read at login (from the index or a scan), serving
 * messages only from octets proven by their digests, finding them again
 * when the file changed, and the marks DELE sets.
 *
 * Runs as the user, never as root.  Trusts the file's octets only
 * through their digests (match.c), its stat only as a hint of when to
 * look, and the index not at all beyond what match.c proves.  Locks are
 * taken the Debian way (a dotlock and an fcntl lock, both without
 * blocking, released and retried with a random back-off, bounded in
 * total) and held only while reading the file at login, while updating it
 * at QUIT (update.c) and while reading it again to find moved messages
 * (mbox_relocate()), so an idle client never holds up delivery.  Between
 * those, other programs may append mail, or rewrite or replace the file.
 * It must not parse the mbox format (scan.c), compute unique-ids
 * (uidl.c) or change the file (update.c, journal.c); it never maps the
 * file, because another program may truncate it at any moment.
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
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see scan.c */
#endif

#include "index.h"
#include "journal.h"
#include "mailbox.h"
#include "match.h"
#include "scan.h"
#include "uidl.h"
#include "util.h"

/* Why the last call failed, for the caller to report (once). */
void
mbox_set_error(struct mailbox *mb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* ap is started above: clang-analyzer 14 misreads this. */
	(void)vsnprintf(mb->error, sizeof(mb->error), fmt, ap); // NOLINT
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

/* ---- Locking ---------------------------------------------------------- */

/*
 * Where a spool operation works.  The monitor (privsep.c) opens the
 * mailbox's directory once and works in it by the file's name alone, so
 * that no later change of the path's directories (a symbolic link the user
 * swaps) can move it elsewhere; a session doing its own work uses the path.
 */
static int
spool_at(const struct mailbox *mb, const char *path, const char **name_r)
{
	const char *slash;

	if (mb->spool_dir_fd == -1) {
		*name_r = path;
		return AT_FDCWD;
	}
	slash = strrchr(path, '/');
	*name_r = slash != NULL ? slash + 1 : path;
	return mb->spool_dir_fd;
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
sync_directory_of(const struct mailbox *mb, const char *path)
{
	char dir[MAILBOX_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r;

	if (mb->spool_dir_fd != -1)
		return fsync(mb->spool_dir_fd);
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
local_dotlock_create(struct mailbox *mb)
{
	const char *name;
	int dir = spool_at(mb, mb->lock_path, &name);
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
local_dotlock_remove(struct mailbox *mb)
{
	const char *name;
	int dir = spool_at(mb, mb->lock_path, &name);

	return unlinkat(dir, name, 0);
}

static int
local_dotlock_touch(struct mailbox *mb)
{
	const char *name;
	int dir = spool_at(mb, mb->lock_path, &name);

	return utimensat(dir, name, NULL, AT_SYMLINK_NOFOLLOW);
}

/* The journal is the user's own file, synced into the directory. */
static int
local_journal_create(struct mailbox *mb)
{
	const char *name;
	int dir = spool_at(mb, mb->journal_path, &name);
	int fd, saved;

	fd = openat(dir, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if ((geteuid() == 0 && fchown(fd, mb->owner, (gid_t)-1) == -1) ||
	    sync_directory_of(mb, mb->journal_path) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlinkat(dir, name, 0);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
local_journal_remove(struct mailbox *mb)
{
	const char *name;
	int dir = spool_at(mb, mb->journal_path, &name);

	if (unlinkat(dir, name, 0) == -1 && errno != ENOENT)
		return -1;
	return sync_directory_of(mb, mb->journal_path);
}

const struct spool_ops mbox_local_spool = {
	local_dotlock_create,
	local_dotlock_remove,
	local_dotlock_touch,
	local_journal_create,
	local_journal_remove
};

/* 0 taken, 1 busy, -1 cannot (with the error set). */
static int
dotlock_try(struct mailbox *mb)
{
	int r;

	r = mb->spool->dotlock_create(mb);
	if (r == 0) {
		mb->dotlock_held = 1;
		mb->dotlock_touched = time(NULL);
	}
	if (r != -1)
		return r;
	/*
	 * Falling back to fcntl alone would corrupt mail with dotlock-only
	 * writers: refuse and say what the administrator must change.
	 */
	mbox_set_error(mb, "cannot create dotlock %s: %s (the mailbox directory "
	    "must be writable for the user, or pop3d started as root, see "
	    "pop3d(8))", mb->lock_path, strerror(errno));
	return -1;
}

static void
dotlock_release(struct mailbox *mb)
{
	if (!mb->dotlock_held)
		return;
	(void)mb->spool->dotlock_remove(mb);
	mb->dotlock_held = 0;
}

/* Long scans and updates keep the lock fresh for every stale rule. */
static void
dotlock_touch_if_due(struct mailbox *mb)
{
	time_t now;

	if (mb == NULL || !mb->dotlock_held)
		return;
	now = time(NULL);
	if (now - mb->dotlock_touched < DOTLOCK_TOUCH_SEC)
		return;
	(void)mb->spool->dotlock_touch(mb);
	mb->dotlock_touched = now;
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
dotlock_progressed(const struct mailbox *mb, struct stat *seen)
{
	struct stat st;
	int moved;

	if (lstat(mb->lock_path, &st) == -1)
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
int
lock_acquire(struct mailbox *mb, int fd, short type)
{
	long long start = now_msec(), deadline = start + LOCK_WAIT_SEC * 1000LL;
	struct stat seen;
	int r;

	memset(&seen, 0, sizeof(seen));
	for (;;) {
		r = dotlock_try(mb);
		if (r == -1)
			return MBOX_TEMP;
		if (r == 1 && dotlock_progressed(mb, &seen)) {
			deadline = now_msec() + LOCK_WAIT_SEC * 1000LL;
			if (deadline > start + LOCK_WAIT_MAX_SEC * 1000LL)
				deadline = start + LOCK_WAIT_MAX_SEC * 1000LL;
		}
		if (r == 0) {
			if (fcntl_lock(fd, type) == 0)
				return MBOX_OK;
			if (errno != EAGAIN && errno != EACCES) {
				mbox_set_error(mb, "fcntl lock on %s: %s", mb->path,
				    strerror(errno));
				dotlock_release(mb);
				return MBOX_TEMP;
			}
			dotlock_release(mb);
		}
		if (now_msec() >= deadline) {
			mbox_set_error(mb, "%s is locked by another program",
			    mb->path);
			return MBOX_IN_USE;
		}
		sleep_msec(LOCK_BACKOFF_MIN_MSEC + (long)arc4random_uniform(
		    LOCK_BACKOFF_MAX_MSEC - LOCK_BACKOFF_MIN_MSEC + 1));
	}
}

void
lock_release(struct mailbox *mb, int fd)
{
	if (fd != -1)
		(void)fcntl_lock(fd, F_UNLCK);
	dotlock_release(mb);
}

/* ---- Opening ---------------------------------------------------------- */

/* Refuses anything but a private regular file of the user's. */
int
mbox_check_file(struct mailbox *mb, int fd, struct stat *st)
{
	if (fstat(fd, st) == -1) {
		mbox_set_error(mb, "mailbox %s: %s", mb->path, strerror(errno));
		return MBOX_TEMP;
	}
	if (!S_ISREG(st->st_mode)) {
		mbox_set_error(mb, "mailbox %s: not a regular file", mb->path);
		return MBOX_PERM;
	}
	if (st->st_uid != mb->owner) {
		mbox_set_error(mb, "mailbox %s: owned by uid %lu, not %lu", mb->path,
		    (unsigned long)st->st_uid, (unsigned long)mb->owner);
		return MBOX_PERM;
	}
	if (st->st_nlink != 1) {
		mbox_set_error(mb, "mailbox %s: has %lu hard links", mb->path,
		    (unsigned long)st->st_nlink);
		return MBOX_PERM;
	}
	if (st->st_mode & S_IWOTH) {
		mbox_set_error(mb, "mailbox %s: world-writable", mb->path);
		return MBOX_PERM;
	}
	return MBOX_OK;
}

/*
 * Opens the path without following links or blocking on a FIFO.  Returns
 * the fd, or -1 with *status_r set (MBOX_OK with -1: no such file).
 */
int
mbox_open_file(struct mailbox *mb, int *read_only_r, int *status_r)
{
	const int flags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd;

	*read_only_r = 0;
	fd = open(mb->path, O_RDWR | flags);
	if (fd == -1 && (errno == EACCES || errno == EROFS)) {
		fd = open(mb->path, O_RDONLY | flags);
		*read_only_r = 1;
	}
	if (fd != -1) {
		*status_r = MBOX_OK;
		return fd;
	}
	if (errno == ENOENT) {
		*status_r = MBOX_OK;
		return -1;
	}
	mbox_set_error(mb, "mailbox %s: %s", mb->path, errno == ELOOP ?
	    "is a symbolic link" : strerror(errno));
	*status_r = errno == EIO || errno == ENOMEM || errno == EMFILE ||
	    errno == ENFILE || errno == EINTR ? MBOX_TEMP : MBOX_PERM;
	return -1;
}

/* ---- Crash recovery --------------------------------------------------- */

/* For long work under the dotlock: keeps it fresh (scan.c, journal.c). */
void
dotlock_tick(void *arg)
{
	dotlock_touch_if_due(arg);
}

/*
 * Finishes an update that a crash interrupted, if its journal is there.
 * The caller holds both locks (so no journal can appear or go while this
 * looks) with fd open for writing; read_only says it is not, and then a
 * journal is an error.  A journal that the user cannot use (a symbolic
 * link, another owner's, root's in a session, of another version) needs
 * an administrator, who can run pop3d --recover as root: MBOX_PERM.
 */
int
mbox_replay(struct mailbox *mb, int fd, int read_only)
{
	struct stat st;
	int jfd, r;

	jfd = open(mb->journal_path, (read_only ? O_RDONLY : O_RDWR) |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (jfd == -1 && errno == ENOENT)
		return MBOX_OK;
	if (jfd == -1) {
		mbox_set_error(mb, "journal %s: %s", mb->journal_path, errno ==
		    ELOOP ? "is a symbolic link" : strerror(errno));
		return errno == ELOOP || errno == EACCES || errno == EPERM ||
		    errno == ENXIO ? MBOX_PERM : MBOX_TEMP;
	}
	/*
	 * Only a journal of the mailbox's owner may steer writes; root's
	 * only when root replays it (pop3d --recover).
	 */
	if (fstat(jfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || (st.st_uid != mb->owner &&
	    (st.st_uid != 0 || geteuid() != 0))) {
		(void)close(jfd);
		mbox_set_error(mb, "journal %s: not a private regular file of the "
		    "mailbox's owner (run pop3d --recover as root)",
		    mb->journal_path);
		return MBOX_PERM;
	}
	if (read_only) {
		(void)close(jfd);
		mbox_set_error(mb, "mailbox %s: an interrupted update must be "
		    "finished but the mailbox is read-only (run pop3d "
		    "--recover as root)", mb->path);
		return MBOX_PERM;
	}
	r = journal_replay(fd, jfd, dotlock_tick, mb);
	(void)close(jfd);
	if (r == -1 && errno == EPROTO) {
		mbox_set_error(mb, "journal %s: written by another version of "
		    "pop3d: replay it with that version's --recover",
		    mb->journal_path);
		return MBOX_PERM;
	}
	if (r == -1) {
		mbox_set_error(mb, "journal %s: replay failed: %s",
		    mb->journal_path, strerror(errno));
		return MBOX_TEMP;
	}
	if (mb->spool->journal_remove(mb) == -1) {
		mbox_set_error(mb, "journal %s: %s", mb->journal_path,
		    strerror(errno));
		return MBOX_TEMP;
	}
	if (r == 1) {
		mb->recovered = 1;
		syslog(LOG_NOTICE, "mailbox %s: finished an update that was "
		    "interrupted", mb->path);
	}
	if (r == 2)
		syslog(LOG_WARNING, "mailbox %s: journal %s does not match "
		    "the file (replaced or rewritten since the crash): "
		    "removed unused", mb->path, mb->journal_path);
	return MBOX_OK;
}

/*
 * The mailbox path from a template: %u the user, %h the home directory,
 * %% a percent sign.  The name has already passed authentication, but it
 * becomes part of a path: no slashes, no leading dot (a journal's name),
 * and the path may not end in .lock (a dotlock's).
 */
int
mbox_path_expand(const char *tmpl, const char *name, const char *home,
    char *out, size_t size)
{
	size_t n = 0, add;
	const char *piece;

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0')
		return -1;
	for (; *tmpl != '\0'; tmpl++) {
		if (*tmpl != '%') {
			if (n + 1 >= size)
				return -1;
			out[n++] = *tmpl;
			continue;
		}
		tmpl++;
		if (*tmpl == 'u')
			piece = name;
		else if (*tmpl == 'h' && home[0] != '\0')
			piece = home;
		else if (*tmpl == '%')
			piece = "%";
		else
			return -1;
		add = strlen(piece);
		if (n + add >= size)
			return -1;
		memcpy(out + n, piece, add);
		n += add;
	}
	out[n] = '\0';
	/* Another mailbox's dotlock path is no mailbox (pop3d(8), LOCKING). */
	if (n >= 5 && strcmp(out + n - 5, ".lock") == 0)
		return -1;
	return 0;
}

/* A closed mailbox for path: the file, its dotlock and its journal. */
int
mbox_set_paths(struct mailbox *mb, const char *path)
{
	memset(mb, 0, sizeof(*mb));
	mb->fd = -1;
	mb->verified = SIZE_MAX;
	mb->spool = &mbox_local_spool;
	mb->spool_fd = -1;
	mb->spool_dir_fd = -1;
	if (strlcpy(mb->path, path, sizeof(mb->path)) >= sizeof(mb->path) ||
	    snprintf(mb->lock_path, sizeof(mb->lock_path), "%s.lock", path) <
	    0 || journal_path_for(path, mb->journal_path,
	    sizeof(mb->journal_path)) == -1) {
		mbox_set_error(mb, "mailbox path too long");
		return -1;
	}
	return 0;
}

/* ---- The index: a previous session's table -------------------------- */

/*
 * The scan's result as a status, with the reason in mb->error: MBOX_OK,
 * MBOX_PERM (not an mbox file) or MBOX_TEMP.  A reason already there is
 * kept (it says more than "read failed").
 */
static int
scan_status(struct mailbox *mb, enum scan_status r)
{
	switch (r) {
	case SCAN_OK:
		return MBOX_OK;
	case SCAN_NO_MEMORY:
		mbox_set_error(mb, "out of memory");
		return MBOX_TEMP;
	case SCAN_NOT_MBOX:
		mbox_set_error(mb, "mailbox %s: not an mbox file (no From_ "
		    "line at the start)", mb->path);
		return MBOX_PERM;
	case SCAN_FAILED:
		break;
	}
	if (mb->error[0] == '\0')
		mbox_set_error(mb, "mailbox %s: read failed or changed while "
		    "locked", mb->path);
	return MBOX_TEMP;
}

/* Scans fd into t (scan_table()), keeping the dotlock fresh. */
static int
scan_into(struct mailbox *mb, int fd, off_t size, struct msg_table *t,
    off_t from)
{
	return scan_status(mb, scan_table(fd, size, t, from, dotlock_tick, mb));
}

/*
 * The file's messages now, as current_table() finds them with the
 * session's table: MBOX_OK, or not with the reason in mb->error.
 */
int
mbox_current_table(struct mailbox *mb, int fd, off_t size,
    struct msg_table *cur)
{
	return scan_status(mb, current_table(&mb->table, mb->capped, fd, size,
	    cur, dotlock_tick, mb));
}

/*
 * Takes the index's table as far as the file still matches it and scans
 * the rest, into t as scan_table() does.  When the first k messages match
 * and the next does not (or the file goes on), the k-th is scanned again
 * from its From_ line: where it ends depends on the octets after it.
 * MBOX_OK, or anything else when the index is of no use (the caller scans
 * the whole file).
 */
static int
index_resume(struct mailbox *mb, int fd, off_t size, struct msg_table *t)
{
	unsigned char *buf;
	size_t k;

	if (mb->index_path[0] == '\0' || index_load(mb->index_path,
	    mb->path, t) == -1)
		return MBOX_TEMP;
	buf = malloc(MBOX_WINDOW_BYTES);
	if (buf == NULL) {
		free(t->msgs);
		return MBOX_TEMP;
	}
	k = table_matches(fd, size, t, buf);
	free(buf);
	if (k == 0) {
		free(t->msgs);
		return MBOX_TEMP;
	}
	if (k < t->count) {
		mb->index_stale = 1;
		mb->index_use = MBOX_INDEX_PARTIAL;
		t->count = k - 1;
		return scan_into(mb, fd, size, t, t->msgs[k - 1].from_offset);
	}
	mb->index_use = MBOX_INDEX_HIT;
	t->end = size;
	return MBOX_OK;
}

/*
 * At the end of a session: keeps the table for the next one when it says
 * more than the index does and still describes the file as it was found
 * (no update has moved anything).  -1 with errno if it could not; that
 * costs the next session a scan, nothing else.
 */
int
mbox_save_index(struct mailbox *mb)
{
	if (mb->index_path[0] == '\0' || !mb->index_stale || mb->updated ||
	    mb->capped || mb->table.count == 0 || mb->moved != NULL)
		return 0;
	return index_save(mb->index_path, mb->path, &mb->table);
}

/* ---- Session view ----------------------------------------------------- */

int
mbox_open(struct mailbox *mb, const char *path, uid_t owner,
    const struct spool_ops *spool, int spool_fd, const char *index)
{
	struct msg_table t;
	int r, read_only;

	if (mbox_set_paths(mb, path) == -1)
		return MBOX_PERM;
	mb->owner = owner;
	mb->spool = spool;
	mb->spool_fd = spool_fd;
	if (index != NULL && strlcpy(mb->index_path, index,
	    sizeof(mb->index_path)) >= sizeof(mb->index_path))
		mb->index_path[0] = '\0';
	mb->fd = mbox_open_file(mb, &read_only, &r);
	if (mb->fd == -1)
		return r;	/* MBOX_OK: no file, an empty maildrop */
	mb->read_only = read_only;
	r = mbox_check_file(mb, mb->fd, &mb->st);
	if (r != MBOX_OK)
		goto fail;
	/*
	 * A journal left by a crash is replayed before the file is read, and
	 * looked for under the locks: one that another session's crashed
	 * update left while this login waited for them counts too.  The
	 * write lock is for that replay.
	 */
	r = lock_acquire(mb, mb->fd, read_only ? F_RDLCK : F_WRLCK);
	if (r != MBOX_OK)
		goto fail;
	r = mbox_replay(mb, mb->fd, read_only);
	/* Whatever happened while we waited for the locks counts. */
	if (r == MBOX_OK)
		r = mbox_check_file(mb, mb->fd, &mb->st);
	if (r == MBOX_OK &&
	    index_resume(mb, mb->fd, mb->st.st_size, &t) != MBOX_OK) {
		mb->error[0] = '\0';
		mb->index_stale = 1;
		mb->index_use = mb->index_path[0] == '\0' ? MBOX_INDEX_OFF :
		    MBOX_INDEX_MISS;
		memset(&t, 0, sizeof(t));
		r = scan_into(mb, mb->fd, mb->st.st_size, &t, 0);
	}
	lock_release(mb, mb->fd);
	if (r != MBOX_OK)
		goto fail;
	mb->table = t;
	/* Over a cap: the first messages are served, the rest is kept. */
	mb->capped = t.end < mb->st.st_size;
	return MBOX_OK;
fail:
	(void)close(mb->fd);
	mb->fd = -1;
	return r;
}

/*
 * pop3d --recover: finishes a crashed update of path now, as an
 * administrator or a boot script would, instead of at the next login.
 * The caller's identity decides what it may open; no owner check.
 */
int
mbox_recover(struct mailbox *mb, const char *path)
{
	struct stat st;
	int r, read_only;

	if (mbox_set_paths(mb, path) == -1)
		return MBOX_PERM;
	mb->fd = mbox_open_file(mb, &read_only, &r);
	if (mb->fd == -1)
		return r;
	/* Whoever runs this, the file must be a private one of its owner. */
	if (fstat(mb->fd, &st) == 0)
		mb->owner = st.st_uid;
	if (read_only) {
		mbox_set_error(mb, "mailbox %s: not writable", path);
		r = MBOX_PERM;
	} else if ((r = mbox_check_file(mb, mb->fd, &st)) == MBOX_OK) {
		r = lock_acquire(mb, mb->fd, F_WRLCK);
		if (r == MBOX_OK) {
			r = mbox_replay(mb, mb->fd, 0);
			lock_release(mb, mb->fd);
		}
	}
	(void)close(mb->fd);
	mb->fd = -1;
	return r;
}

void
mbox_close(struct mailbox *mb)
{
	if (mb->fd != -1) {
		lock_release(mb, mb->fd);
		(void)close(mb->fd);
	}
	mb->fd = -1;
	free(mb->table.msgs);
	memset(&mb->table, 0, sizeof(mb->table));
	free(mb->ahead);
	mb->ahead = NULL;
	mb->ahead_len = 0;
	free(mb->moved);
	free(mb->moved_end);
	mb->moved = mb->moved_end = NULL;
	XXH3_freeState(mb->sending);
	mb->sending = NULL;
}

/* Where message i's From_ line is now, as far as the session knows. */
off_t
msg_from(const struct mailbox *mb, size_t i)
{
	return mb->moved != NULL ? mb->moved[i] :
	    mb->table.msgs[i].from_offset;
}

/* One past message i's last octet now. */
off_t
msg_end(const struct mailbox *mb, size_t i)
{
	return mb->moved != NULL ? mb->moved_end[i] : table_end(&mb->table, i);
}

/* Is message i known to be no longer in the file? */
int
msg_gone(const struct mailbox *mb, size_t i)
{
	return mb->moved != NULL && mb->moved[i] == -1;
}

/* What was read ahead is of the past: the next use reads the file. */
void
mbox_forget_ahead(struct mailbox *mb)
{
	mb->ahead_len = 0;
	mb->verified = SIZE_MAX;
}

/*
 * The len octets at offset (len <= MBOX_WINDOW_BYTES), valid until the
 * next call; NULL with mb->error set if they cannot be read.  Sending
 * many small messages one pread each cost a system call per message, so
 * a whole window is read ahead and the next messages are served from it.
 * Octets served from the window are those read then; whoever uses them
 * proves them by their digest (msg_locate(), msg_send_finish()).
 */
const unsigned char *
mbox_bytes(struct mailbox *mb, off_t offset, size_t len)
{
	ssize_t n;

	if (mb->ahead == NULL &&
	    (mb->ahead = malloc(MBOX_WINDOW_BYTES)) == NULL) {
		mbox_set_error(mb, "out of memory");
		return NULL;
	}
	if (len <= mb->ahead_len && offset >= mb->ahead_offset &&
	    offset - mb->ahead_offset <= (off_t)(mb->ahead_len - len))
		return mb->ahead + (offset - mb->ahead_offset);
	mb->verified = SIZE_MAX;	/* the window it was proven in goes */
	mb->ahead_len = 0;
	n = pread_full(mb->fd, mb->ahead, MBOX_WINDOW_BYTES, offset);
	if (n < (ssize_t)len) {
		mbox_set_error(mb, "mailbox %s: %s", mb->path, n == -1 ?
		    strerror(errno) : "shorter than scanned");
		return NULL;
	}
	mb->ahead_offset = offset;
	mb->ahead_len = (size_t)n;
	return mb->ahead;
}

/* ---- Identity --------------------------------------------------------- */

/*
 * A hint, never a proof: a file whose device, inode, size, modification
 * and change time are as before may still have changed (time stamps of
 * one second, or set back).  It only spares a read where what is read
 * later is checked by its digest anyway.
 */
static int
stat_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Are message i's octets where the session now expects them?  1 yes, 0
 * no, -1 unreadable.  A message that fits a window is hashed from the
 * read-ahead, which then serves it: what is sent is what was proven.  A
 * longer one is hashed from the file when the file's stat changed, and
 * is hashed again as it is sent in any case (msg_send_finish()).
 */
static int
msg_in_place(struct mailbox *mb, size_t i)
{
	const unsigned char *p;
	unsigned char digest[16];
	struct stat st;
	off_t from = msg_from(mb, i), len = table_length(&mb->table, i);

	if (len <= MBOX_WINDOW_BYTES) {
		/* A file now too short for it does not hold it there. */
		p = mbox_bytes(mb, from, (size_t)len);
		if (p == NULL)
			return 0;
		if (!digest_equal(p, (size_t)len,
		    mb->table.msgs[i].content_digest))
			return 0;
		mb->verified = i;
		return 1;
	}
	if (fstat(mb->fd, &st) == -1) {
		mbox_set_error(mb, "mailbox %s: %s", mb->path, strerror(errno));
		return -1;
	}
	if (stat_unchanged(&st, &mb->st))
		return 1;
	return content_digest(mb->fd, from, from + len, digest) == 0 &&
	    memcmp(digest, mb->table.msgs[i].content_digest, 16) == 0;
}

/* ---- Finding messages again ------------------------------------------- */

/*
 * Another program or session has rewritten the file since login: reads
 * it again, under the locks as at login (so no half-done update is seen,
 * and a crashed one is finished first), and finds each of the session's
 * messages by its octets.  The session's numbers, sizes and unique-ids
 * stay; a message whose octets are no longer there is gone.
 */
static int
mbox_relocate(struct mailbox *mb)
{
	struct msg_table cur;
	struct stat st;
	size_t *map = NULL, i;
	int r;

	r = lock_acquire(mb, mb->fd, mb->read_only ? F_RDLCK : F_WRLCK);
	if (r != MBOX_OK)
		return MBOX_TEMP;
	r = mbox_replay(mb, mb->fd, mb->read_only);
	if (r == MBOX_OK && fstat(mb->fd, &st) == -1) {
		mbox_set_error(mb, "mailbox %s: %s", mb->path, strerror(errno));
		r = MBOX_TEMP;
	}
	if (r == MBOX_OK)
		r = mbox_current_table(mb, mb->fd, st.st_size, &cur);
	lock_release(mb, mb->fd);
	if (r != MBOX_OK)
		return r;
	if (mb->moved == NULL) {
		mb->moved = reallocarray(NULL, mb->table.count, sizeof(off_t));
		mb->moved_end = reallocarray(NULL, mb->table.count,
		    sizeof(off_t));
	}
	map = reallocarray(NULL, mb->table.count, sizeof(*map));
	if (mb->moved == NULL || mb->moved_end == NULL || map == NULL ||
	    map_messages(&mb->table, &cur, mb->fd, map) == -1) {
		free(map);
		free(cur.msgs);
		mbox_set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	for (i = 0; i < mb->table.count; i++) {
		mb->moved[i] = map[i] == NO_MATCH ? -1 :
		    cur.msgs[map[i]].from_offset;
		mb->moved_end[i] = map[i] == NO_MATCH ? -1 :
		    mb->moved[i] + table_length(&mb->table, i);
	}
	free(map);
	free(cur.msgs);
	mb->st = st;
	mb->ahead_len = 0;
	mb->verified = SIZE_MAX;
	return MBOX_OK;
}

/*
 * Before message i is served, listed by unique-id or marked: it must be
 * where the session expects it, by its octets, or be found again
 * (mbox_relocate()).  MBOX_OK, MBOX_GONE, or MBOX_TEMP with the error set.
 */
int
msg_locate(struct mailbox *mb, size_t i)
{
	int r;

	if (msg_gone(mb, i))
		return MBOX_GONE;
	r = msg_in_place(mb, i);
	if (r == 1)
		return MBOX_OK;
	if (r == -1)
		return MBOX_TEMP;
	r = mbox_relocate(mb);
	if (r != MBOX_OK)
		return r;
	if (msg_gone(mb, i))
		return MBOX_GONE;
	if (msg_in_place(mb, i) == 1)
		return MBOX_OK;
	mbox_set_error(mb, "mailbox %s changed again while message %zu was being "
	    "found", mb->path, i + 1);
	return MBOX_TEMP;
}

/*
 * Sending message i: what is sent is hashed (its From_ line first) and,
 * at the end, checked against the session's digest, unless it was proven
 * in the read-ahead that serves it.  msg_send_feed() takes the octets in
 * order as they are used; msg_send_finish() reads and hashes the rest
 * from pos on (what TOP did not send) and compares: MBOX_OK or MBOX_TEMP.
 */
/* Feeds [pos, end) of the file to the digest of what is sent. */
static int
send_digest_range(struct mailbox *mb, off_t pos, off_t end)
{
	const unsigned char *p;
	size_t n;

	for (; pos < end; pos += (off_t)n) {
		n = end - pos < MBOX_WINDOW_BYTES ? (size_t)(end - pos) :
		    MBOX_WINDOW_BYTES;
		if ((p = mbox_bytes(mb, pos, n)) == NULL)
			return MBOX_TEMP;
		msg_send_feed(mb, p, n);
	}
	return MBOX_OK;
}

int
msg_send_start(struct mailbox *mb, size_t i)
{
	off_t from = msg_from(mb, i);

	if (mb->verified == i)
		return MBOX_OK;
	if (mb->sending == NULL && (mb->sending = XXH3_createState()) == NULL) {
		mbox_set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	(void)XXH3_128bits_reset(mb->sending);
	/* The From_ line; only a first line can be longer than a window. */
	if (send_digest_range(mb, from, from +
	    (off_t)mb->table.msgs[i].from_len) != MBOX_OK)
		return MBOX_TEMP;
	mb->verified = SIZE_MAX;
	return MBOX_OK;
}

void
msg_send_feed(struct mailbox *mb, const unsigned char *p, size_t len)
{
	if (mb->sending != NULL && len > 0)
		(void)XXH3_128bits_update(mb->sending, p, len);
}

int
msg_send_finish(struct mailbox *mb, size_t i, off_t pos)
{
	XXH128_canonical_t canon;

	if (mb->verified == i)
		return MBOX_OK;
	if (send_digest_range(mb, pos, msg_end(mb, i)) != MBOX_OK)
		return MBOX_TEMP;
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(mb->sending));
	if (memcmp(canon.digest, mb->table.msgs[i].content_digest, 16) == 0)
		return MBOX_OK;
	mbox_set_error(mb, "mailbox %s: message %zu changed while it was sent",
	    mb->path, i + 1);
	return MBOX_TEMP;
}

/*
 * Marks message i for the update; the caller has located it (or it was
 * just used by a pipelined command), and the update finds it by its
 * octets in any case.
 */
int
msg_mark_deleted(struct mailbox *mb, size_t i)
{
	if (mb->read_only) {
		mbox_set_error(mb, "mailbox %s is read-only", mb->path);
		return MBOX_PERM;
	}
	mb->table.msgs[i].flags |= MSG_DELETED;
	return MBOX_OK;
}

/* ---- UIDL ------------------------------------------------------------- */

/*
 * Computed on first use only: STAT and RETR sessions need no UIDLs.  Each
 * message is located first (msg_locate()): its unique-id comes from the
 * octets the session saw, wherever they now are; a message that is gone
 * gets none, and the others are numbered as before.
 */
int
mbox_compute_uidls(struct mailbox *mb)
{
	struct uidl_work work;
	const unsigned char *head;
	off_t need;
	size_t i;
	int r = MBOX_OK;

	if (mb->table.count == 0 || mb->uidls_ready)
		return MBOX_OK;
	if (uidl_work_init(&work) == -1) {
		mbox_set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	/*
	 * Messages are read in file order through the read-ahead window, so
	 * a mailbox of many small messages costs a read per window.
	 */
	for (i = 0; i < mb->table.count && r == MBOX_OK; i++) {
		/* Known from the index, for octets it proved unchanged. */
		if (mb->table.msgs[i].flags & MSG_UIDL_KNOWN)
			continue;
		r = msg_locate(mb, i);
		if (r == MBOX_GONE) {
			r = MBOX_OK;
			continue;
		}
		if (r != MBOX_OK)
			break;
		mb->index_stale = 1;
		need = msg_end(mb, i) - msg_from(mb, i);
		if (need > UIDL_READ_BYTES)
			need = UIDL_READ_BYTES;	/* the rest is read on */
		if (need > MBOX_WINDOW_BYTES)
			need = MBOX_WINDOW_BYTES;
		head = mbox_bytes(mb, msg_from(mb, i), (size_t)need);
		if (head == NULL || uidl_compute(&work, mb->fd,
		    &mb->table.msgs[i], msg_from(mb, i), msg_end(mb, i), head,
		    (size_t)need) == -1) {
			mbox_set_error(mb, "mailbox %s: read failed", mb->path);
			r = MBOX_TEMP;
		} else
			mb->table.msgs[i].flags |= MSG_UIDL_KNOWN;
	}
	if (r == MBOX_OK && uidl_number_duplicates(&mb->table) == -1) {
		mbox_set_error(mb, "out of memory");
		r = MBOX_TEMP;
	}
	if (r == MBOX_OK)
		mb->uidls_ready = 1;
	uidl_work_free(&work);
	return r;
}

/* Writes message i's unique-id with a NUL; returns its length. */
size_t
msg_uidl(const struct mailbox *mb, size_t i, char uidl[UIDL_MAX])
{
	return uidl_format(&mb->table.msgs[i], uidl);
}
