/*
 * mailbox.c: the mbox maildrop: format, locks, identity and the update.
 *
 * Runs as the user, never as root.  The file's bytes are untrusted: they
 * decide message boundaries only through From_ lines (never Content-Length,
 * Status or any other header), and every size computed from them is a
 * 64-bit off_t.  The file is read with bounded pread() windows, never
 * mapped, because another program may truncate it at any moment.
 *
 * Locks are taken the Debian way (a dotlock and an fcntl lock, both without
 * blocking, released and retried with a random back-off, bounded in total)
 * and held only while reading the file at login, while updating it at
 * QUIT, and while reading it again to find moved messages, so an idle
 * client never holds up delivery.  Between those, other programs may
 * append mail, or rewrite or replace the file.  A message is identified by
 * the digest of its octets, never by its offset or the file's time stamps
 * (hints of when to look): it is served only from octets with its digest,
 * found again wherever another session moved it (mbox_relocate()), and
 * the update removes the marked messages wherever they now are, copies
 * counted, in place, keeping the inode (see mbox_update()).
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
/*
 * libxxhash's x86 build chooses AVX2 or SSE2 at run time through these
 * names (the header maps the plain ones onto them): the same digests at
 * twice the SSE2 speed, which is half of a scan's CPU time.
 */
#include <xxh_x86dispatch.h>
#endif

#include "index.h"
#include "journal.h"
#include "mailbox.h"
#include "util.h"

/* A scan's result: the messages of a file up to the caps. */
struct scan {
	int		 fd;
	off_t		 size;
	unsigned char	*buf;
	off_t		 w0;		/* file offset of buf[0] */
	size_t		 wlen;
	struct message	*msgs;
	size_t		 count, capacity;
	off_t		 end;		/* end of the last message's region */
	uint64_t	 lf, crlf;	/* line ends of the current message */
	off_t		 cursor;	/* line ends counted up to here */
	off_t		 fed;		/* digest fed up to here */
	XXH3_state_t	*digest;	/* of the current message */
	int		 streaming;	/* digest started: it spans windows */
	struct mailbox	*mb;		/* for dotlock touches */
};

static void
set_error(struct mailbox *mb, const char *fmt, ...)
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
	set_error(mb, "cannot create dotlock %s: %s (the mailbox directory "
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
static int
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
				set_error(mb, "fcntl lock on %s: %s", mb->path,
				    strerror(errno));
				dotlock_release(mb);
				return MBOX_TEMP;
			}
			dotlock_release(mb);
		}
		if (now_msec() >= deadline) {
			set_error(mb, "%s is locked by another program",
			    mb->path);
			return MBOX_IN_USE;
		}
		sleep_msec(LOCK_BACKOFF_MIN_MSEC + (long)arc4random_uniform(
		    LOCK_BACKOFF_MAX_MSEC - LOCK_BACKOFF_MIN_MSEC + 1));
	}
}

static void
lock_release(struct mailbox *mb, int fd)
{
	if (fd != -1)
		(void)fcntl_lock(fd, F_UNLCK);
	dotlock_release(mb);
}

/* ---- Opening ---------------------------------------------------------- */

/* Refuses anything but a private regular file of the user's. */
static int
check_file(struct mailbox *mb, int fd, struct stat *st)
{
	if (fstat(fd, st) == -1) {
		set_error(mb, "mailbox %s: %s", mb->path, strerror(errno));
		return MBOX_TEMP;
	}
	if (!S_ISREG(st->st_mode)) {
		set_error(mb, "mailbox %s: not a regular file", mb->path);
		return MBOX_PERM;
	}
	if (st->st_uid != mb->owner) {
		set_error(mb, "mailbox %s: owned by uid %lu, not %lu", mb->path,
		    (unsigned long)st->st_uid, (unsigned long)mb->owner);
		return MBOX_PERM;
	}
	if (st->st_nlink != 1) {
		set_error(mb, "mailbox %s: has %lu hard links", mb->path,
		    (unsigned long)st->st_nlink);
		return MBOX_PERM;
	}
	if (st->st_mode & S_IWOTH) {
		set_error(mb, "mailbox %s: world-writable", mb->path);
		return MBOX_PERM;
	}
	return MBOX_OK;
}

/*
 * Opens the path without following links or blocking on a FIFO.  Returns
 * the fd, or -1 with *status_r set (MBOX_OK with -1: no such file).
 */
static int
open_mailbox_file(struct mailbox *mb, int *read_only_r, int *status_r)
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
	set_error(mb, "mailbox %s: %s", mb->path, errno == ELOOP ?
	    "is a symbolic link" : strerror(errno));
	*status_r = errno == EIO || errno == ENOMEM || errno == EMFILE ||
	    errno == ENFILE || errno == EINTR ? MBOX_TEMP : MBOX_PERM;
	return -1;
}

/* ---- The mbox format -------------------------------------------------- */

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Is an English weekday or month abbreviation at p?  The first letter picks
 * the candidates: a linear search of the list cost more than the rest of
 * the From_ line check together.
 */
static int
weekday_at(const unsigned char *p)
{
	switch (p[0]) {
	case 'M':
		return p[1] == 'o' && p[2] == 'n';
	case 'T':
		return (p[1] == 'u' && p[2] == 'e') ||
		    (p[1] == 'h' && p[2] == 'u');
	case 'W':
		return p[1] == 'e' && p[2] == 'd';
	case 'F':
		return p[1] == 'r' && p[2] == 'i';
	case 'S':
		return (p[1] == 'a' && p[2] == 't') ||
		    (p[1] == 'u' && p[2] == 'n');
	default:
		return 0;
	}
}

static int
month_at(const unsigned char *p)
{
	switch (p[0]) {
	case 'J':
		return (p[1] == 'a' && p[2] == 'n') ||
		    (p[1] == 'u' && (p[2] == 'n' || p[2] == 'l'));
	case 'F':
		return p[1] == 'e' && p[2] == 'b';
	case 'M':
		return p[1] == 'a' && (p[2] == 'r' || p[2] == 'y');
	case 'A':
		return (p[1] == 'p' && p[2] == 'r') ||
		    (p[1] == 'u' && p[2] == 'g');
	case 'S':
		return p[1] == 'e' && p[2] == 'p';
	case 'O':
		return p[1] == 'c' && p[2] == 't';
	case 'N':
		return p[1] == 'o' && p[2] == 'v';
	case 'D':
		return p[1] == 'e' && p[2] == 'c';
	default:
		return 0;
	}
}

/* Where the run of spaces at line[i] ends (i itself if none is there). */
static size_t
skip_spaces(const unsigned char *line, size_t len, size_t i)
{
	while (i < len && line[i] == ' ')
		i++;
	return i;
}

static int
four_digits(const unsigned char *p)
{
	return is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
	    is_digit(p[3]);
}

/*
 * Is there a date "DAY MON DD HH:MM[:SS] ... YYYY" at line[i], i just after
 * a space?  A weekday, a month, a day of one or two digits and a time
 * HH:MM, each followed by one or more spaces but the time, then four digits
 * in a row anywhere after the time (what comes between, seconds or a zone,
 * is not checked).
 */
static int
date_at(const unsigned char *line, size_t len, size_t i)
{
	size_t digits;

	/* "Mon Jan 5 10:002024": 19 octets at least. */
	if (len - i < 19 || !weekday_at(line + i) || line[i + 3] != ' ')
		return 0;
	i = skip_spaces(line, len, i + 3);
	if (len - i < 15 || !month_at(line + i) || line[i + 3] != ' ')
		return 0;
	i = skip_spaces(line, len, i + 3);
	for (digits = 0; i < len && is_digit(line[i]) && digits < 3; i++)
		digits++;
	if (digits == 0 || digits > 2 || i == len || line[i] != ' ')
		return 0;
	i = skip_spaces(line, len, i);
	if (len - i < 9 || !is_digit(line[i]) || !is_digit(line[i + 1]) ||
	    line[i + 2] != ':' || !is_digit(line[i + 3]) ||
	    !is_digit(line[i + 4]))
		return 0;
	/* The usual place of the year first: the end of the line (ctime). */
	if (four_digits(line + len - 4))
		return 1;
	for (i += 5; i + 4 <= len; i++)
		if (four_digits(line + i))
			return 1;
	return 0;
}

/*
 * A separator must look like "From SENDER DAY MON DD HH:MM[:SS] ... YYYY"
 * (the ctime layout every MDA writes, with runs of spaces where Postfix,
 * procmail and Dovecot write two, and anything between the time and the
 * year, such as a zone), so that a body line "From here on..." after an
 * empty line does not split a message.  The sender is not empty and has no
 * space, except inside a quoted string at its start ("john doe"@example.org,
 * as Postfix, Exim and procmail write a quoted local part).  The sender is
 * read from the front, so a body line fails at its second word; the date
 * after it is read in one pass.
 */
static int
from_line_valid(const unsigned char *line, size_t len)
{
	const unsigned char *space, *quote;

	if (len < 6 || line[5] == ' ')
		return 0;
	/* A sender without spaces: the usual case. */
	space = memchr(line + 5, ' ', len - 5);
	if (space == NULL)
		return 0;
	if (date_at(line, len, skip_spaces(line, len,
	    (size_t)(space - line))))
		return 1;
	/* A quoted string with a space in it, then octets other than space. */
	if (line[5] != '"')
		return 0;
	quote = memchr(line + 6, '"', len - 6);
	if (quote == NULL || quote < space)
		return 0;
	space = memchr(quote + 1, ' ', len - (size_t)(quote + 1 - line));
	return space != NULL && date_at(line, len, skip_spaces(line, len,
	    (size_t)(space - line)));
}

/*
 * Counting line ends is most of a scan's work, and a call to memchr per line
 * costs more than the bytes do (the average line is under 80 octets).  So
 * runs of plain lines are counted 64 octets at a time with the compiler's
 * portable vector types (SSE2 on x86-64, NEON on arm64, plain code where
 * there is no vector unit).  A block that may hold a separator (an LF
 * followed by 'F') or holds a CR (which may end a line as CRLF) goes back
 * to the line-by-line walk in scan_window().
 */
typedef unsigned char vec16 __attribute__((vector_size(16)));

static vec16
vec_load(const unsigned char *p)
{
	vec16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static vec16
vec_splat(unsigned char c)
{
	vec16 v;

	memset(&v, c, sizeof(v));
	return v;
}

static int
vec_any(vec16 v)
{
	uint64_t half[2];

	memcpy(half, &v, sizeof(half));
	return (half[0] | half[1]) != 0;
}

/* The sum of the 16 octet lanes: pairs, then fours, then one multiply. */
static uint64_t
vec_sum(vec16 v)
{
	const uint64_t octets = 0x00ff00ff00ff00ffULL;
	const uint64_t pairs = 0x0000ffff0000ffffULL;
	uint64_t half[2], x;

	memcpy(half, &v, sizeof(half));
	x = (half[0] & octets) + ((half[0] >> 8) & octets) +
	    (half[1] & octets) + ((half[1] >> 8) & octets);
	x = (x & pairs) + ((x >> 16) & pairs);
	return (x * 0x0000000100000001ULL) >> 32;
}

/*
 * Reads p[0] to p[16]; a true comparison is 0xff in every lane, so
 * subtracting it counts one.
 */
static inline void
count_block16(const unsigned char *p, vec16 *lf, vec16 *special)
{
	const vec16 here = vec_load(p), after = vec_load(p + 1);
	const vec16 is_lf = (vec16)(here == vec_splat('\n'));

	*lf -= is_lf;
	*special |= (is_lf & (vec16)(after == vec_splat('F'))) |
	    (vec16)(here == vec_splat('\r'));
}

/*
 * Counts the LFs in [p, r) into *lf and returns r: the start of the first
 * 64-octet block that holds an LF followed by 'F', or a CR, or where fewer
 * than 65 octets are left before end (r[64] is read), or p itself if
 * p[-1] is a CR.  There is no CR in [p - 1, r), so no CRLF either.  A lane
 * counts at most 4 LFs per block: the lanes are added up every 63 blocks,
 * before one can wrap.
 */
static const unsigned char *
count_plain_lines(const unsigned char *p, const unsigned char *end,
    uint64_t *lf)
{
	const vec16 zero = vec_splat(0);
	vec16 sum = zero, block, special;
	unsigned blocks = 0;

	if (p[-1] == '\r')
		return p;
	while (end - p >= 65) {
		block = special = zero;
		count_block16(p, &block, &special);
		count_block16(p + 16, &block, &special);
		count_block16(p + 32, &block, &special);
		count_block16(p + 48, &block, &special);
		if (vec_any(special))
			break;
		sum += block;
		p += 64;
		if (++blocks == 63) {
			*lf += vec_sum(sum);
			sum = zero;
			blocks = 0;
		}
	}
	*lf += vec_sum(sum);
	return p;
}

static int
scan_load(struct scan *s, off_t at)
{
	size_t want = MBOX_WINDOW_BYTES;
	ssize_t n;

	if (s->size - at < (off_t)want)
		want = (size_t)(s->size - at);
	if (at == s->w0 && want == s->wlen)
		return 0;	/* the window is already there */
	n = pread_full(s->fd, s->buf, want, at);
	if (n != (ssize_t)want)
		return -1;
	s->w0 = at;
	s->wlen = want;
	dotlock_touch_if_due(s->mb);
	return 0;
}

static off_t
scan_offset(const struct scan *s, const unsigned char *p)
{
	return s->w0 + (off_t)(p - s->buf);
}

/*
 * Adds [s->fed, to), which is in the window, to the message's digest.
 * Only a message that spans windows needs the streaming state; one that
 * ends in the window where it began is digested in one call at its end
 * (the same XXH3 value, for a fraction of the per-message cost).
 */
static void
scan_feed(struct scan *s, off_t to)
{
	if (to <= s->fed)
		return;
	if (!s->streaming) {
		(void)XXH3_128bits_reset(s->digest);
		s->streaming = 1;
	}
	(void)XXH3_128bits_update(s->digest, s->buf + (s->fed - s->w0),
	    (size_t)(to - s->fed));
	s->fed = to;
}

/* Starts a message whose From_ line, [from, body), is in the window. */
static int
scan_begin_message(struct scan *s, off_t from, off_t body)
{
	struct message *m;
	size_t cap;

	if (s->count == s->capacity) {
		cap = s->capacity == 0 ? 256 : s->capacity * 2;
		m = reallocarray(s->msgs, cap, sizeof(*m));
		if (m == NULL)
			return -1;
		s->msgs = m;
		s->capacity = cap;
	}
	m = &s->msgs[s->count++];
	memset(m, 0, sizeof(*m));
	m->from_offset = from;
	m->from_len = (uint32_t)(body - from);
	s->fed = from;
	s->streaming = 0;
	s->cursor = body;
	s->lf = s->crlf = 0;
	return 0;
}

/*
 * Ends the current message at end; the separator (the empty line before
 * the next From_ line, sep_len bytes) has been counted but is no part of it.
 */
static void
scan_end_message(struct scan *s, off_t end, unsigned sep_len,
    int needs_crlf)
{
	struct message *m = &s->msgs[s->count - 1];
	XXH128_canonical_t canon;
	XXH128_hash_t hash;

	if (sep_len > 0)
		s->lf--;
	if (sep_len == 2)
		s->crlf--;
	m->wire_size = (end - msg_body(m)) + (off_t)(s->lf - s->crlf) +
	    (needs_crlf ? 2 : 0);
	m->flags = (uint32_t)sep_len << MSG_SEPARATOR_SHIFT;
	if (s->streaming) {
		scan_feed(s, end);
		hash = XXH3_128bits_digest(s->digest);
	} else
		hash = XXH3_128bits(s->buf + (s->fed - s->w0),
		    (size_t)(end - s->fed));
	XXH128_canonicalFromHash(&canon, hash);
	memcpy(m->content_digest, canon.digest, sizeof(m->content_digest));
}

/*
 * The last message ends at EOF, where a final empty line is a separator
 * too.  Every line end is counted; the window holds [s->fed, s->size).
 */
static int
scan_finish(struct scan *s)
{
	struct message *m = &s->msgs[s->count - 1];
	unsigned char tail[3];
	off_t start, end;
	size_t n;
	unsigned sep = 0;

	s->end = s->size;
	start = s->size - 3 < msg_body(m) - 1 ? msg_body(m) - 1 :
	    s->size - 3;
	n = (size_t)(s->size - start);
	if (n > 0 && pread_full(s->fd, tail, n, start) != (ssize_t)n)
		return -1;
	if (n >= 2 && tail[n - 1] == '\n' && tail[n - 2] == '\n')
		sep = 1;
	else if (n == 3 && tail[2] == '\n' && tail[1] == '\r' &&
	    tail[0] == '\n')
		sep = 2;
	end = s->size - sep;
	scan_end_message(s, end, sep, end > msg_body(m) && sep == 0 &&
	    n > 0 && tail[n - 1] != '\n');
	return 0;
}

enum separator {
	NOT_SEPARATOR,
	SEPARATOR,
	NEED_MORE	/* the line goes on past the window */
};

/*
 * Is a From_ line at p (in the window)?  If so, *len_r is its length
 * without the LF; *to_eof_r says it has no LF and ends the file.
 */
static enum separator
scan_from_line(const struct scan *s, const unsigned char *p, int first,
    size_t *len_r, int *to_eof_r)
{
	size_t avail = (size_t)(s->buf + s->wlen - p);
	int at_eof = s->w0 + (off_t)s->wlen == s->size;
	const unsigned char *lf;

	*to_eof_r = 0;
	if (avail < 5)
		return at_eof ? NOT_SEPARATOR : NEED_MORE;
	if (memcmp(p, "From ", 5) != 0)
		return NOT_SEPARATOR;
	/*
	 * Only a later From_ line is held to FROM_LINE_MAX: refusing the
	 * first would lock the user out of the whole mailbox.
	 */
	lf = memchr(p, '\n', first || avail < FROM_LINE_MAX + 1 ? avail :
	    FROM_LINE_MAX + 1);
	if (lf != NULL)
		*len_r = (size_t)(lf - p);
	else if (!first && avail > FROM_LINE_MAX)
		return NOT_SEPARATOR;
	else if (!at_eof)
		return NEED_MORE;
	else {
		*len_r = avail;
		*to_eof_r = 1;
	}
	/* The file's first line needs no date: nothing precedes it. */
	return first || from_line_valid(p, *len_r) ? SEPARATOR :
	    NOT_SEPARATOR;
}

enum window {
	WINDOW_DONE,		/* load the next one */
	WINDOW_EOF,		/* the last message ends at EOF */
	WINDOW_CAPPED,		/* MBOX_MESSAGES_MAX or MBOX_BYTES_MAX */
	WINDOW_ERROR
};

/*
 * Walks the window from the cursor: runs of ordinary lines are counted in
 * bulk (count_plain_lines), the rest line by line, with one memchr per
 * line; after each empty line (LF LF, or LF CR LF) a valid From_ line
 * starts the next message.  The digest is fed in bulk, at message ends and
 * window ends.
 */
static enum window
scan_window(struct scan *s)
{
	const unsigned char *end = s->buf + s->wlen, *p, *q, *walk_to;
	size_t line_len;
	unsigned sep;
	off_t from, body;
	int to_eof;

	p = walk_to = s->buf + (s->cursor - s->w0);
	for (;;) {
		/* The block count_plain_lines() stopped at is walked through. */
		if (p >= walk_to) {
			p = count_plain_lines(p, end, &s->lf);
			walk_to = p + 64;
		}
		q = memchr(p, '\n', (size_t)(end - p));
		if (q == NULL)
			break;
		sep = q[-1] == '\n' ? 1 : q[-1] == '\r' && q[-2] == '\n' ? 2 : 0;
		switch (sep == 0 ? NOT_SEPARATOR : scan_from_line(s, q + 1, 0,
		    &line_len, &to_eof)) {
		case NOT_SEPARATOR:
			s->lf++;
			s->crlf += q[-1] == '\r';
			p = q + 1;
			continue;
		case NEED_MORE:
			/* Come back to this LF with the line in the window. */
			scan_feed(s, scan_offset(s, q) - 1);
			s->cursor = scan_offset(s, q);
			return WINDOW_DONE;
		case SEPARATOR:
			break;
		}
		s->lf++;
		s->crlf += q[-1] == '\r';
		from = scan_offset(s, q + 1);
		scan_end_message(s, from - sep, sep, 0);
		if (s->count >= MBOX_MESSAGES_MAX || from >= MBOX_BYTES_MAX) {
			/* Serve what fits; the rest stays as it is. */
			s->end = from;
			return WINDOW_CAPPED;
		}
		body = to_eof ? s->size : from + (off_t)line_len + 1;
		if (scan_begin_message(s, from, body) == -1)
			return WINDOW_ERROR;
		if (body >= s->w0 + (off_t)s->wlen) {
			/* The next window starts at the body. */
			scan_feed(s, body);
			return WINDOW_DONE;
		}
		p = s->buf + (body - s->w0);
	}
	s->cursor = s->w0 + (off_t)s->wlen;
	if (s->cursor == s->size)
		return WINDOW_EOF;
	/* Two bytes stay unfed: they may be the next separator. */
	scan_feed(s, s->cursor - 2);
	return WINDOW_DONE;
}

/*
 * The file's first line is longer than the window at 0 (it is not
 * checked, so any length goes, up to what from_len holds): its LF is
 * looked for window by window, and the message's digest fed as it goes.
 * Then the scan goes on as after any From_ line.
 */
static int
scan_long_first_line(struct scan *s)
{
	const unsigned char *lf;
	off_t at, body;

	if (scan_begin_message(s, 0, 0) == -1)
		return MBOX_TEMP;
	for (;;) {
		at = s->w0 + (off_t)s->wlen;
		scan_feed(s, at);
		if (at == s->size) {
			body = at;
			break;
		}
		if (scan_load(s, at) == -1)
			return MBOX_TEMP;
		lf = memchr(s->buf, '\n', s->wlen);
		if (lf != NULL) {
			body = scan_offset(s, lf) + 1;
			scan_feed(s, body);
			break;
		}
	}
	if (body > (off_t)UINT32_MAX)
		return MBOX_PERM;
	s->msgs[0].from_len = (uint32_t)body;
	s->cursor = body;
	return MBOX_OK;
}

/*
 * Splits the file into messages in one pass of bounded windows, from the
 * From_ line at offset from (0, or where index_resume() stopped trusting
 * the index); each new window starts two bytes before the unfed data, for
 * context.  Returns MBOX_OK, or MBOX_PERM (no From_ line at from) or
 * MBOX_TEMP.
 */
static int
scan_file(struct scan *s, off_t from)
{
	size_t line_len;
	int to_eof, r;

	s->end = 0;
	if (s->size == 0)
		return MBOX_OK;
	/* Loaded with the two octets before, as the next window will be. */
	if (scan_load(s, from < 2 ? 0 : from - 2) == -1)
		return MBOX_TEMP;
	switch (scan_from_line(s, s->buf + (from - s->w0), from == 0,
	    &line_len, &to_eof)) {
	case SEPARATOR:
		if (scan_begin_message(s, from, to_eof ? s->size :
		    from + (off_t)line_len + 1) == -1)
			return MBOX_TEMP;
		break;
	case NEED_MORE:
		if (from != 0)
			return MBOX_PERM;
		r = scan_long_first_line(s);
		if (r != MBOX_OK)
			return r;
		break;
	case NOT_SEPARATOR:
		return MBOX_PERM;
	}
	while (s->cursor < s->size) {
		if (scan_load(s, s->fed < 2 ? 0 : s->fed - 2) == -1)
			return MBOX_TEMP;
		switch (scan_window(s)) {
		case WINDOW_DONE:
			continue;
		case WINDOW_EOF:
			return scan_finish(s) == -1 ? MBOX_TEMP : MBOX_OK;
		case WINDOW_CAPPED:
			return MBOX_OK;
		case WINDOW_ERROR:
			return MBOX_TEMP;
		}
	}
	return scan_finish(s) == -1 ? MBOX_TEMP : MBOX_OK;
}

/*
 * Scans file fd into s from the From_ line at offset from, after the
 * count messages already in msgs (malloc'd, room for capacity; taken
 * over, and freed on failure).  A whole scan is from 0 with none.
 */
static int
scan_run(struct mailbox *mb, int fd, off_t size, struct scan *s,
    struct message *msgs, size_t count, size_t capacity, off_t from)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->size = size;
	s->mb = mb;
	s->msgs = msgs;
	s->count = count;
	s->capacity = capacity;
	s->buf = malloc(MBOX_WINDOW_BYTES);
	s->digest = XXH3_createState();
	if (s->buf == NULL || s->digest == NULL) {
		free(s->buf);
		XXH3_freeState(s->digest);
		free(s->msgs);
		s->msgs = NULL;
		set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	r = scan_file(s, from);
	free(s->buf);
	s->buf = NULL;
	XXH3_freeState(s->digest);
	s->digest = NULL;
	if (r == MBOX_PERM)
		set_error(mb, "mailbox %s: not an mbox file (no From_ line "
		    "at the start)", mb->path);
	else if (r == MBOX_TEMP && mb->error[0] == '\0')
		set_error(mb, "mailbox %s: read failed or changed while "
		    "locked", mb->path);
	if (r != MBOX_OK) {
		free(s->msgs);
		s->msgs = NULL;
		s->count = 0;
	}
	return r;
}

/* ---- Crash recovery --------------------------------------------------- */

static void
tick_dotlock(void *arg)
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
static int
replay_journal(struct mailbox *mb, int fd, int read_only)
{
	struct stat st;
	int jfd, r;

	jfd = open(mb->journal_path, (read_only ? O_RDONLY : O_RDWR) |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (jfd == -1 && errno == ENOENT)
		return MBOX_OK;
	if (jfd == -1) {
		set_error(mb, "journal %s: %s", mb->journal_path, errno ==
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
		set_error(mb, "journal %s: not a private regular file of the "
		    "mailbox's owner (run pop3d --recover as root)",
		    mb->journal_path);
		return MBOX_PERM;
	}
	if (read_only) {
		(void)close(jfd);
		set_error(mb, "mailbox %s: an interrupted update must be "
		    "finished but the mailbox is read-only (run pop3d "
		    "--recover as root)", mb->path);
		return MBOX_PERM;
	}
	r = journal_replay(fd, jfd, tick_dotlock, mb);
	(void)close(jfd);
	if (r == -1 && errno == EPROTO) {
		set_error(mb, "journal %s: written by another version of "
		    "pop3d: replay it with that version's --recover",
		    mb->journal_path);
		return MBOX_PERM;
	}
	if (r == -1) {
		set_error(mb, "journal %s: replay failed: %s",
		    mb->journal_path, strerror(errno));
		return MBOX_TEMP;
	}
	if (mb->spool->journal_remove(mb) == -1) {
		set_error(mb, "journal %s: %s", mb->journal_path,
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
		set_error(mb, "mailbox path too long");
		return -1;
	}
	return 0;
}

/* ---- The index: a previous session's table -------------------------- */

static unsigned
msg_separator(const struct message *m)
{
	return (m->flags & MSG_SEPARATOR_MASK) >> MSG_SEPARATOR_SHIFT;
}

static int	content_digest(int fd, off_t from, off_t end,
		    unsigned char digest[16]);

/* Is message m (region ending at region_end) in buf, which holds w0 on? */
static int
message_matches(const struct message *m, off_t region_end,
    const unsigned char *buf, off_t w0)
{
	static const unsigned char separator[2][2] = {
		{ '\n', '\0' }, { '\r', '\n' }
	};
	XXH128_canonical_t canon;
	unsigned sep = msg_separator(m);
	off_t end = region_end - (off_t)sep;

	XXH128_canonicalFromHash(&canon, XXH3_128bits(buf + (m->from_offset -
	    w0), (size_t)(end - m->from_offset)));
	return memcmp(canon.digest, m->content_digest, 16) == 0 &&
	    (sep == 0 || memcmp(buf + (end - w0), separator[sep - 1],
	    sep) == 0);
}

/* The same for a message longer than a window, streamed. */
static int
long_message_matches(int fd, const struct message *m, off_t region_end)
{
	unsigned char digest[16], tail[2];
	unsigned sep = msg_separator(m);
	off_t end = region_end - (off_t)sep;

	if (content_digest(fd, m->from_offset, end, digest) == -1 ||
	    memcmp(digest, m->content_digest, 16) != 0)
		return 0;
	if (sep == 0)
		return 1;
	return pread_full(fd, tail, sep, end) == (ssize_t)sep &&
	    tail[sep - 1] == '\n' && (sep == 1 || tail[0] == '\r');
}

/*
 * How many of the table's leading messages file fd (size octets) still
 * holds exactly: each one's octets must have its digest and be followed
 * by its separator, and the last must still end the file.  Together they
 * are every octet the table was made from, so a scan would find the same.
 * One pass of windows and an XXH3 call per message; no line is looked at.
 */
static size_t
index_matches(int fd, off_t size, const struct message *msgs, size_t count,
    off_t indexed_size, unsigned char *buf)
{
	off_t w0 = 0, region_end;
	size_t i, wlen = 0;

	for (i = 0; i < count; i++) {
		region_end = i + 1 < count ? msgs[i + 1].from_offset :
		    indexed_size;
		if (region_end > size || (i + 1 == count && size != region_end))
			break;
		if (region_end - msgs[i].from_offset > MBOX_WINDOW_BYTES) {
			if (!long_message_matches(fd, &msgs[i], region_end))
				break;
			continue;
		}
		if (msgs[i].from_offset < w0 || region_end > w0 + (off_t)wlen) {
			w0 = msgs[i].from_offset;
			wlen = size - w0 < MBOX_WINDOW_BYTES ?
			    (size_t)(size - w0) : MBOX_WINDOW_BYTES;
			if (pread_full(fd, buf, wlen, w0) != (ssize_t)wlen)
				break;
		}
		if (!message_matches(&msgs[i], region_end, buf, w0))
			break;
	}
	return i;
}

/*
 * Takes the index's table as far as the file still matches it and scans
 * the rest, into s as scan_run() does.  When the first k messages match
 * and the next does not (or the file goes on), the k-th is scanned again
 * from its From_ line: where it ends depends on the octets after it.
 * MBOX_OK, or anything else when the index is of no use (the caller scans
 * the whole file).
 */
static int
index_resume(struct mailbox *mb, int fd, off_t size, struct scan *s)
{
	struct message *msgs;
	unsigned char *buf;
	size_t count, k;
	off_t indexed_size;

	if (mb->index_path[0] == '\0' || index_load(mb->index_path,
	    mb->path, &indexed_size, &msgs, &count) == -1)
		return MBOX_TEMP;
	buf = malloc(MBOX_WINDOW_BYTES);
	if (buf == NULL) {
		free(msgs);
		return MBOX_TEMP;
	}
	k = index_matches(fd, size, msgs, count, indexed_size, buf);
	free(buf);
	if (k == 0) {
		free(msgs);
		return MBOX_TEMP;
	}
	if (k < count) {
		mb->index_stale = 1;
		mb->index_use = MBOX_INDEX_PARTIAL;
		return scan_run(mb, fd, size, s, msgs, k - 1, count,
		    msgs[k - 1].from_offset);
	}
	mb->index_use = MBOX_INDEX_HIT;
	memset(s, 0, sizeof(*s));
	s->msgs = msgs;
	s->count = s->capacity = count;
	s->end = size;
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
	    mb->capped || mb->count == 0 || mb->moved != NULL)
		return 0;
	return index_save(mb->index_path, mb->path, mb->scan_end, mb->msgs,
	    mb->count);
}

/* ---- Session view ----------------------------------------------------- */

int
mbox_open(struct mailbox *mb, const char *path, uid_t owner,
    const struct spool_ops *spool, int spool_fd, const char *index)
{
	struct scan s;
	int r, read_only;

	if (mbox_set_paths(mb, path) == -1)
		return MBOX_PERM;
	mb->owner = owner;
	mb->spool = spool;
	mb->spool_fd = spool_fd;
	if (index != NULL && strlcpy(mb->index_path, index,
	    sizeof(mb->index_path)) >= sizeof(mb->index_path))
		mb->index_path[0] = '\0';
	mb->fd = open_mailbox_file(mb, &read_only, &r);
	if (mb->fd == -1)
		return r;	/* MBOX_OK: no file, an empty maildrop */
	mb->read_only = read_only;
	r = check_file(mb, mb->fd, &mb->st);
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
	r = replay_journal(mb, mb->fd, read_only);
	/* Whatever happened while we waited for the locks counts. */
	if (r == MBOX_OK)
		r = check_file(mb, mb->fd, &mb->st);
	if (r == MBOX_OK &&
	    index_resume(mb, mb->fd, mb->st.st_size, &s) != MBOX_OK) {
		mb->error[0] = '\0';
		mb->index_stale = 1;
		mb->index_use = mb->index_path[0] == '\0' ? MBOX_INDEX_OFF :
		    MBOX_INDEX_MISS;
		r = scan_run(mb, mb->fd, mb->st.st_size, &s, NULL, 0, 0, 0);
	}
	lock_release(mb, mb->fd);
	if (r != MBOX_OK)
		goto fail;
	mb->msgs = s.msgs;
	mb->count = s.count;
	mb->scan_end = s.end;
	/* Over a cap: the first messages are served, the rest is kept. */
	mb->capped = s.end < mb->st.st_size;
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
	mb->fd = open_mailbox_file(mb, &read_only, &r);
	if (mb->fd == -1)
		return r;
	/* Whoever runs this, the file must be a private one of its owner. */
	if (fstat(mb->fd, &st) == 0)
		mb->owner = st.st_uid;
	if (read_only) {
		set_error(mb, "mailbox %s: not writable", path);
		r = MBOX_PERM;
	} else if ((r = check_file(mb, mb->fd, &st)) == MBOX_OK) {
		r = lock_acquire(mb, mb->fd, F_WRLCK);
		if (r == MBOX_OK) {
			r = replay_journal(mb, mb->fd, 0);
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
	free(mb->msgs);
	mb->msgs = NULL;
	mb->count = 0;
	free(mb->ahead);
	mb->ahead = NULL;
	mb->ahead_len = 0;
	free(mb->moved);
	free(mb->moved_end);
	mb->moved = mb->moved_end = NULL;
	XXH3_freeState(mb->sending);
	mb->sending = NULL;
}

/* Where message i's region (From_ line to next From_ line) ended at login. */
static off_t
view_region_end(const struct mailbox *mb, size_t i)
{
	return i + 1 < mb->count ? mb->msgs[i + 1].from_offset : mb->scan_end;
}

/* One past message i's last octet at login (its separator excluded). */
static off_t
view_end(const struct mailbox *mb, size_t i)
{
	return view_region_end(mb, i) - (off_t)msg_separator(&mb->msgs[i]);
}

/* The length of message i's identity: From_ line and message. */
static off_t
view_length(const struct mailbox *mb, size_t i)
{
	return view_end(mb, i) - mb->msgs[i].from_offset;
}

/* Where message i's From_ line is now, as far as the session knows. */
off_t
msg_from(const struct mailbox *mb, size_t i)
{
	return mb->moved != NULL ? mb->moved[i] : mb->msgs[i].from_offset;
}

/* One past message i's last octet now. */
off_t
msg_end(const struct mailbox *mb, size_t i)
{
	return mb->moved != NULL ? mb->moved_end[i] : view_end(mb, i);
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
		set_error(mb, "out of memory");
		return NULL;
	}
	if (len <= mb->ahead_len && offset >= mb->ahead_offset &&
	    offset - mb->ahead_offset <= (off_t)(mb->ahead_len - len))
		return mb->ahead + (offset - mb->ahead_offset);
	mb->verified = SIZE_MAX;	/* the window it was proven in goes */
	mb->ahead_len = 0;
	n = pread_full(mb->fd, mb->ahead, MBOX_WINDOW_BYTES, offset);
	if (n < (ssize_t)len) {
		set_error(mb, "mailbox %s: %s", mb->path, n == -1 ?
		    strerror(errno) : "shorter than scanned");
		return NULL;
	}
	mb->ahead_offset = offset;
	mb->ahead_len = (size_t)n;
	return mb->ahead;
}

/* ---- Identity --------------------------------------------------------- */

/* XXH3-128 of [from, end): the From_ line and the message, exactly. */
static int
content_digest(int fd, off_t from, off_t end, unsigned char digest[16])
{
	static unsigned char buf[64 * 1024];
	XXH3_state_t *state;
	XXH128_canonical_t canon;
	size_t want;
	int r = -1;

	state = XXH3_createState();
	if (state == NULL || XXH3_128bits_reset(state) != XXH_OK)
		goto out;
	while (from < end) {
		want = end - from < (off_t)sizeof(buf) ? (size_t)(end - from) :
		    sizeof(buf);
		if (pread_full(fd, buf, want, from) != (ssize_t)want ||
		    XXH3_128bits_update(state, buf, want) != XXH_OK)
			goto out;
		from += (off_t)want;
	}
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(state));
	memcpy(digest, canon.digest, 16);
	r = 0;
out:
	XXH3_freeState(state);
	return r;
}

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

static int
digest_equal(const unsigned char *p, size_t len, const unsigned char want[16])
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, XXH3_128bits(p, len));
	return memcmp(canon.digest, want, 16) == 0;
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
	off_t from = msg_from(mb, i), len = view_length(mb, i);

	if (len <= MBOX_WINDOW_BYTES) {
		/* A file now too short for it does not hold it there. */
		p = mbox_bytes(mb, from, (size_t)len);
		if (p == NULL)
			return 0;
		if (!digest_equal(p, (size_t)len, mb->msgs[i].content_digest))
			return 0;
		mb->verified = i;
		return 1;
	}
	if (fstat(mb->fd, &st) == -1) {
		set_error(mb, "mailbox %s: %s", mb->path, strerror(errno));
		return -1;
	}
	if (stat_unchanged(&st, &mb->st))
		return 1;
	return content_digest(mb->fd, from, from + len, digest) == 0 &&
	    memcmp(digest, mb->msgs[i].content_digest, 16) == 0;
}

/* ---- Finding messages again ------------------------------------------- */

/* A message's identity (its octets' digest and length), for sorting. */
struct identity {
	unsigned char	digest[16];
	off_t		length;
	size_t		index;		/* in its table */
	size_t		next;		/* in a group's first: next one free */
};

static int
identity_order(const void *a, const void *b)
{
	const struct identity *x = a, *y = b;
	int c = memcmp(x->digest, y->digest, 16);

	if (c != 0)
		return c;
	if (x->length != y->length)
		return x->length < y->length ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int
same_identity(const struct identity *a, const struct identity *b)
{
	return memcmp(a->digest, b->digest, 16) == 0 && a->length == b->length;
}

/* The first entry of sorted ids (n) with id's digest and length, or n. */
static size_t
identity_find(const struct identity *ids, size_t n, const struct identity *id)
{
	size_t lo = 0, hi = n, mid;
	struct identity key = *id;

	key.index = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (identity_order(&ids[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && same_identity(&ids[lo], id) ? lo : n;
}

static off_t
cur_end(const struct scan *cur, size_t j)
{
	return (j + 1 < cur->count ? cur->msgs[j + 1].from_offset : cur->end) -
	    (off_t)msg_separator(&cur->msgs[j]);
}

static off_t
cur_region_end(const struct scan *cur, size_t j)
{
	return j + 1 < cur->count ? cur->msgs[j + 1].from_offset : cur->end;
}

/* The current table's identities, sorted; NULL if out of memory. */
static struct identity *
cur_identities(const struct scan *cur)
{
	struct identity *ids;
	size_t j;

	ids = reallocarray(NULL, cur->count > 0 ? cur->count : 1, sizeof(*ids));
	if (ids == NULL)
		return NULL;
	for (j = 0; j < cur->count; j++) {
		memcpy(ids[j].digest, cur->msgs[j].content_digest, 16);
		ids[j].length = cur_end(cur, j) - cur->msgs[j].from_offset;
		ids[j].index = j;
		ids[j].next = 0;
	}
	qsort(ids, cur->count, sizeof(*ids), identity_order);
	return ids;
}

#define NO_MATCH	((size_t)-1)

/*
 * The last message had no final line end at login, and a delivery agent
 * ended that line before appending its own message: the current message
 * at the same place is the session's octets and one LF.  It is the same
 * message (its wire form is the same), not another.
 */
static int
newline_added(struct mailbox *mb, size_t i, const struct scan *cur,
    size_t j, int fd)
{
	unsigned char digest[16], lf;
	off_t from = mb->msgs[i].from_offset, len = view_length(mb, i);

	if (i + 1 != mb->count || msg_separator(&mb->msgs[i]) != 0 ||
	    cur->msgs[j].from_offset != from ||
	    cur_end(cur, j) - from != len + 1)
		return 0;
	if (pread_full(fd, &lf, 1, from + len) != 1 || lf != '\n' ||
	    content_digest(fd, from, from + len, digest) == -1)
		return 0;
	return memcmp(digest, mb->msgs[i].content_digest, 16) == 0;
}

/* The current message that starts at offset, or NO_MATCH. */
static size_t
cur_at(const struct scan *cur, off_t offset)
{
	size_t lo = 0, hi = cur->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cur->msgs[mid].from_offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cur->count && cur->msgs[lo].from_offset == offset ? lo :
	    NO_MATCH;
}

/*
 * Maps each of the session's messages to the current message with the
 * same octets: the copies of one message, in the session's order, take
 * its copies in the file, in file order, each at most once; a session
 * copy left over is gone.  map[i] is an index into cur or NO_MATCH.
 */
static int
map_messages(struct mailbox *mb, const struct scan *cur, int fd, size_t *map)
{
	struct identity *ids, id;
	size_t i, g, k;

	ids = cur_identities(cur);
	if (ids == NULL)
		return -1;
	for (i = 0; i < mb->count; i++) {
		map[i] = NO_MATCH;
		memcpy(id.digest, mb->msgs[i].content_digest, 16);
		id.length = view_length(mb, i);
		g = identity_find(ids, cur->count, &id);
		if (g < cur->count) {
			k = g + ids[g].next;
			if (k < cur->count && same_identity(&ids[k], &id)) {
				map[i] = ids[k].index;
				ids[g].next++;
			}
			continue;
		}
		k = cur_at(cur, mb->msgs[i].from_offset);
		if (k != NO_MATCH && newline_added(mb, i, cur, k, fd))
			map[i] = k;
	}
	free(ids);
	return 0;
}

/*
 * The file's messages now, into cur as scan_run() makes them: the
 * session's leading messages whose octets are still exactly in place
 * (index_matches(), which reads and hashes them all) are taken, the last
 * of them and the rest scanned again.  Called under the locks.
 */
static int
current_table(struct mailbox *mb, int fd, off_t size, struct scan *cur)
{
	struct message *msgs;
	unsigned char *buf;
	size_t k;

	if (mb->count == 0)
		return scan_run(mb, fd, size, cur, NULL, 0, 0, 0);
	buf = malloc(MBOX_WINDOW_BYTES);
	msgs = reallocarray(NULL, mb->count, sizeof(*msgs));
	if (buf == NULL || msgs == NULL) {
		free(buf);
		free(msgs);
		set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	k = index_matches(fd, size, mb->msgs, mb->count, mb->scan_end, buf);
	free(buf);
	if (k == mb->count && !mb->capped) {
		memcpy(msgs, mb->msgs, mb->count * sizeof(*msgs));
		memset(cur, 0, sizeof(*cur));
		cur->msgs = msgs;
		cur->count = cur->capacity = mb->count;
		cur->end = size;
		return MBOX_OK;
	}
	if (k == 0) {
		free(msgs);
		return scan_run(mb, fd, size, cur, NULL, 0, 0, 0);
	}
	memcpy(msgs, mb->msgs, k * sizeof(*msgs));
	return scan_run(mb, fd, size, cur, msgs, k - 1, mb->count,
	    msgs[k - 1].from_offset);
}

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
	struct scan cur;
	struct stat st;
	size_t *map = NULL, i;
	int r;

	r = lock_acquire(mb, mb->fd, mb->read_only ? F_RDLCK : F_WRLCK);
	if (r != MBOX_OK)
		return MBOX_TEMP;
	r = replay_journal(mb, mb->fd, mb->read_only);
	if (r == MBOX_OK && fstat(mb->fd, &st) == -1) {
		set_error(mb, "mailbox %s: %s", mb->path, strerror(errno));
		r = MBOX_TEMP;
	}
	if (r == MBOX_OK)
		r = current_table(mb, mb->fd, st.st_size, &cur);
	lock_release(mb, mb->fd);
	if (r != MBOX_OK)
		return r;
	if (mb->moved == NULL) {
		mb->moved = reallocarray(NULL, mb->count, sizeof(off_t));
		mb->moved_end = reallocarray(NULL, mb->count, sizeof(off_t));
	}
	map = reallocarray(NULL, mb->count, sizeof(*map));
	if (mb->moved == NULL || mb->moved_end == NULL || map == NULL ||
	    map_messages(mb, &cur, mb->fd, map) == -1) {
		free(map);
		free(cur.msgs);
		set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	for (i = 0; i < mb->count; i++) {
		mb->moved[i] = map[i] == NO_MATCH ? -1 :
		    cur.msgs[map[i]].from_offset;
		mb->moved_end[i] = map[i] == NO_MATCH ? -1 :
		    mb->moved[i] + view_length(mb, i);
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
	set_error(mb, "mailbox %s changed again while message %zu was being "
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
		set_error(mb, "out of memory");
		return MBOX_TEMP;
	}
	(void)XXH3_128bits_reset(mb->sending);
	/* The From_ line; only a first line can be longer than a window. */
	if (send_digest_range(mb, from, from + (off_t)mb->msgs[i].from_len) !=
	    MBOX_OK)
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
	if (memcmp(canon.digest, mb->msgs[i].content_digest, 16) == 0)
		return MBOX_OK;
	set_error(mb, "mailbox %s: message %zu changed while it was sent",
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
		set_error(mb, "mailbox %s is read-only", mb->path);
		return MBOX_PERM;
	}
	mb->msgs[i].flags |= MSG_DELETED;
	return MBOX_OK;
}

/* ---- UIDL ------------------------------------------------------------- */

/*
 * Header fields that mail software writes back into messages (c-client,
 * Dovecot, mutt, qpopper) or that senders forge: a UIDL that included them
 * would change whenever another program touched the mailbox.
 */
static int
field_is_volatile(const unsigned char *line, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 len;
	} fields[] = {
		{ "status", 6 }, { "x-status", 8 }, { "x-uid", 5 },
		{ "x-imap", 6 }, { "x-imapbase", 10 }, { "x-keywords", 10 },
		{ "x-uidl", 6 }, { "content-length", 14 }
	};
	const unsigned char *colon;
	size_t i, n;

	/* Most fields (Received, DKIM-Signature, Subject...) end here. */
	if (len == 0)
		return 0;
	switch (line[0]) {
	case 's': case 'S': case 'x': case 'X': case 'c': case 'C':
		break;
	default:
		return 0;
	}
	colon = memchr(line, ':', len);
	if (colon == NULL)
		return 0;
	n = (size_t)(colon - line);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].len == n &&
		    strncasecmp((const char *)line, fields[i].name, n) == 0)
			return 1;
	return 0;
}

/*
 * What the UIDL digest is taken over, gathered for one XXH3 call when it
 * fits in UIDL_GATHER_BYTES: streaming cost a call per piece and a costly
 * finish per message, a third of LIST+UIDL's CPU time on 100,000 small
 * messages.  A longer input goes on streaming; XXH3 gives the same digest
 * either way.
 */
#define UIDL_GATHER_BYTES	(16L * 1024)

struct uidl_input {
	XXH3_state_t	*state;
	unsigned char	*buf;		/* UIDL_GATHER_BYTES */
	size_t		 len;
	int		 streaming;
};

static void
uidl_add(struct uidl_input *in, const void *data, size_t len)
{
	if (!in->streaming && len <= UIDL_GATHER_BYTES - in->len) {
		memcpy(in->buf + in->len, data, len);
		in->len += len;
		return;
	}
	if (!in->streaming) {
		(void)XXH3_128bits_reset(in->state);
		(void)XXH3_128bits_update(in->state, in->buf, in->len);
		in->streaming = 1;
	}
	(void)XXH3_128bits_update(in->state, data, len);
}

static void
uidl_finish(struct uidl_input *in, unsigned char digest[16])
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, in->streaming ?
	    XXH3_128bits_digest(in->state) :
	    XXH3_128bits(in->buf, in->len));
	memcpy(digest, canon.digest, 16);
	in->len = 0;
	in->streaming = 0;
}

/* The longest prefix field_is_volatile() needs: "content-length:". */
#define FIELD_NAME_LOOKAHEAD	16
/* Read size for header blocks: most fit in one. */
#define UIDL_READ_BYTES		(16L * 1024)

/*
 * Feeds message i's header block to the digest, volatile fields left out,
 * each line ending in one LF; returns the wire octets left out, or -1.
 */
static off_t
uidl_hash_header(struct mailbox *mb, size_t i, struct uidl_input *in,
    const unsigned char *head, size_t have, unsigned char *scratch)
{
	const unsigned char *buf;
	off_t from = msg_from(mb, i), end = msg_end(mb, i);
	off_t pos = from + (off_t)mb->msgs[i].from_len, left_out = 0;
	const unsigned char *p, *q, *lf, *run;
	size_t n, len;
	int line_start = 1, kept = 1, in_line = 0;

	while (pos < end) {
		/*
		 * Header blocks are small and bodies can be megabytes: read
		 * a little at a time, starting with what the caller read
		 * (measured: a full window per message doubled the time of
		 * LIST+UIDL on a 400 MB mailbox, and a read per field of
		 * work tripled it on 100,000 small messages).
		 */
		if (pos - from < (off_t)have) {
			buf = head;
			p = buf + (pos - from);
			q = buf + have;
			have = 0;
		} else {
			n = end - pos < UIDL_READ_BYTES ? (size_t)(end - pos) :
			    UIDL_READ_BYTES;
			if (pread_full(mb->fd, scratch, n, pos) != (ssize_t)n)
				return -1;
			buf = scratch;
			p = buf;
			q = buf + n;
		}
		pos -= (off_t)(p - buf);	/* pos is now buf[0]'s offset */
		/*
		 * Kept lines that end in a bare LF are hashed as they are, in
		 * one call per run of them: [run, p) is such a run.
		 */
		run = p;
		while (p < q) {
			/* Classify a line with enough of it in the window. */
			if (line_start && q - p < FIELD_NAME_LOOKAHEAD &&
			    pos + (q - buf) < end)
				break;
			if (line_start) {
				if (*p == '\n' || (*p == '\r' && q - p > 1 &&
				    p[1] == '\n')) {
					uidl_add(in, run,
					    (size_t)(p - run));
					return left_out;	/* empty line */
				}
				if (*p != ' ' && *p != '\t')
					kept = !field_is_volatile(p,
					    (size_t)(q - p) < FIELD_NAME_LOOKAHEAD ?
					    (size_t)(q - p) : FIELD_NAME_LOOKAHEAD);
				line_start = 0;
			}
			lf = memchr(p, '\n', (size_t)(q - p));
			if (kept && lf != NULL && (lf == p || lf[-1] != '\r')) {
				line_start = 1;
				in_line = 0;
				p = lf + 1;
				continue;	/* the run goes on */
			}
			uidl_add(in, run, (size_t)(p - run));
			len = (size_t)((lf != NULL ? lf : q) - p);
			/* A CR at the window's edge may precede an LF. */
			if (lf == NULL && len > 0 && p[len - 1] == '\r' &&
			    pos + (q - buf) < end) {
				len--;
				q = p + len;
			}
			if (lf != NULL && len > 0 && p[len - 1] == '\r')
				len--;
			if (kept)
				uidl_add(in, p, len);
			else
				left_out += (off_t)len;
			in_line = 1;
			if (lf != NULL) {
				if (kept)
					uidl_add(in, "\n", 1);
				else
					left_out += 2;
				line_start = 1;
				in_line = 0;
				p = lf + 1;
			} else
				p = q;
			run = p;
		}
		uidl_add(in, run, (size_t)(p - run));
		pos += (off_t)(p - buf);
	}
	/* A last line without a line end is sent with CRLF. */
	if (in_line) {
		if (kept)
			uidl_add(in, "\n", 1);
		else
			left_out += 2;
	}
	return left_out;
}

/*
 * The UIDL digest (pop3d(8), UIDL): XXH3-128 over the header block without
 * its volatile fields, then the From_ line, LF, the decimal wire size less
 * the octets of the fields left out, LF.
 */
static int
uidl_compute(struct mailbox *mb, size_t i, struct uidl_input *in,
    const unsigned char *head, size_t have, unsigned char *buf)
{
	struct message *m = &mb->msgs[i];
	unsigned char from_line[FROM_LINE_MAX + 2];
	char size[32];
	off_t left_out, from = msg_from(mb, i), end;
	size_t line = m->from_len, len, n;

	/* The From_ line without its LF and a CR before that. */
	len = line <= have && line <= sizeof(from_line) ? line : 0;
	memcpy(from_line, head, len);
	if (len > 0 && from_line[len - 1] == '\n')
		len--;
	if (len > 0 && from_line[len - 1] == '\r')
		len--;
	left_out = uidl_hash_header(mb, i, in, head, have, buf);
	/* Left-out octets are the message's own: more cannot be. */
	if (left_out == -1 || left_out > m->wire_size)
		return -1;
	if (line > 0 && (line > have || line > sizeof(from_line))) {
		/* Only a first line can be this long: hash it in pieces. */
		end = from + (off_t)m->from_len;
		if (pread_full(mb->fd, buf, 2, end - 2) != 2)
			return -1;
		end -= buf[1] == '\n' ? (buf[0] == '\r' ? 2 : 1) :
		    buf[1] == '\r';
		for (; from < end; from += (off_t)len) {
			len = end - from < UIDL_READ_BYTES ?
			    (size_t)(end - from) : UIDL_READ_BYTES;
			if (pread_full(mb->fd, buf, len, from) != (ssize_t)len)
				return -1;
			uidl_add(in, buf, len);
		}
	} else
		uidl_add(in, from_line, len);
	size[0] = '\n';
	n = 1 + format_decimal(size + 1, (uint64_t)(m->wire_size - left_out));
	size[n++] = '\n';
	uidl_add(in, size, n);
	uidl_finish(in, m->uidl_digest);
	return 0;
}

/* Bits of the candidate bitmaps below: 128 KiB each. */
#define UIDL_BITMAP_BITS	(1u << 20)

static int
bit_test_and_set(unsigned char *map, uint32_t bit)
{
	unsigned char mask = (unsigned char)(1u << (bit & 7));
	int was = (map[bit >> 3] & mask) != 0;

	map[bit >> 3] |= mask;
	return was;
}

static int
bit_test(const unsigned char *map, uint32_t bit)
{
	return (map[bit >> 3] & (1u << (bit & 7))) != 0;
}

/* The digests are uniform: any 32 of their bits make a hash. */
static uint32_t
digest_bits(const struct message *m, size_t at)
{
	uint32_t v;

	memcpy(&v, m->uidl_digest + at, sizeof(v));
	return v;
}

/*
 * Numbers equal digests 1, 2, 3... in file order.  Equal digests are rare
 * (copies of one message), so a first pass over two bitmaps picks the
 * candidates, the messages whose digest shares 20 bits with another's, and
 * only those go through a hash table of message indexes (open addressing,
 * at most half full): about 0.4 MB for 100,000 messages where a table of
 * them all took 1 MB.
 */
static int
uidl_number_duplicates(struct mailbox *mb)
{
	unsigned char *seen, *shared;
	uint32_t *slot = NULL, occurrence, low = (1u << MSG_OCCURRENCE_SHIFT) - 1;
	size_t size = 16, mask, i, h, candidates = 0;
	struct message *m, *last;
	int r = -1;

	seen = calloc(2, UIDL_BITMAP_BITS / 8);
	if (seen == NULL)
		return -1;
	shared = seen + UIDL_BITMAP_BITS / 8;
	for (i = 0; i < mb->count; i++)
		if (bit_test_and_set(seen, digest_bits(&mb->msgs[i], 0) %
		    UIDL_BITMAP_BITS))
			(void)bit_test_and_set(shared,
			    digest_bits(&mb->msgs[i], 0) % UIDL_BITMAP_BITS);
	for (i = 0; i < mb->count; i++) {
		mb->msgs[i].flags = (mb->msgs[i].flags & low) |
		    1u << MSG_OCCURRENCE_SHIFT;
		if (bit_test(shared, digest_bits(&mb->msgs[i], 0) %
		    UIDL_BITMAP_BITS))
			candidates++;
	}
	while (size < 2 * candidates)
		size *= 2;
	slot = calloc(size, sizeof(*slot));	/* 0: empty, else index + 1 */
	if (slot == NULL)
		goto out;
	mask = size - 1;
	for (i = 0; i < mb->count; i++) {
		m = &mb->msgs[i];
		if (!bit_test(shared, digest_bits(m, 0) % UIDL_BITMAP_BITS))
			continue;
		occurrence = 1;
		for (h = digest_bits(m, 4) & mask; slot[h] != 0;
		    h = (h + 1) & mask) {
			last = &mb->msgs[slot[h] - 1];
			if (memcmp(last->uidl_digest, m->uidl_digest, 16) == 0) {
				occurrence = (last->flags >>
				    MSG_OCCURRENCE_SHIFT) + 1;
				break;
			}
		}
		slot[h] = (uint32_t)(i + 1);
		m->flags = (m->flags & low) | occurrence << MSG_OCCURRENCE_SHIFT;
	}
	r = 0;
out:
	free(slot);
	free(seen);
	return r;
}

/*
 * Computed on first use only: STAT and RETR sessions need no UIDLs.  Each
 * message is located first (msg_locate()): its unique-id comes from the
 * octets the session saw, wherever they now are; a message that is gone
 * gets none, and the others are numbered as before.
 */
int
mbox_compute_uidls(struct mailbox *mb)
{
	struct uidl_input in = { NULL, NULL, 0, 0 };
	const unsigned char *head;
	unsigned char *buf;
	off_t need;
	size_t i;
	int r = MBOX_OK;

	if (mb->count == 0 || mb->uidls_ready)
		return MBOX_OK;
	in.state = XXH3_createState();
	in.buf = malloc(UIDL_GATHER_BYTES);
	buf = malloc(UIDL_READ_BYTES);
	if (in.state == NULL || in.buf == NULL || buf == NULL) {
		set_error(mb, "out of memory");
		r = MBOX_TEMP;
		goto out;
	}
	/*
	 * Messages are read in file order through the read-ahead window, so
	 * a mailbox of many small messages costs a read per window.
	 */
	for (i = 0; i < mb->count && r == MBOX_OK; i++) {
		/* Known from the index, for octets it proved unchanged. */
		if (mb->msgs[i].flags & MSG_UIDL_KNOWN)
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
		if (head == NULL || uidl_compute(mb, i, &in, head,
		    (size_t)need, buf) == -1) {
			set_error(mb, "mailbox %s: read failed", mb->path);
			r = MBOX_TEMP;
		} else
			mb->msgs[i].flags |= MSG_UIDL_KNOWN;
	}
	if (r == MBOX_OK && uidl_number_duplicates(mb) == -1) {
		set_error(mb, "out of memory");
		r = MBOX_TEMP;
	}
	if (r == MBOX_OK)
		mb->uidls_ready = 1;
out:
	free(buf);
	free(in.buf);
	XXH3_freeState(in.state);
	return r;
}

/* Writes message i's unique-id with a NUL; returns its length. */
size_t
msg_uidl(const struct mailbox *mb, size_t i, char uidl[UIDL_MAX])
{
	static const char hex[] = "0123456789abcdef";
	const struct message *m = &mb->msgs[i];
	unsigned occurrence = m->flags >> MSG_OCCURRENCE_SHIFT;
	size_t k, len = 32;

	for (k = 0; k < 16; k++) {
		uidl[2 * k] = hex[m->uidl_digest[k] >> 4];
		uidl[2 * k + 1] = hex[m->uidl_digest[k] & 15];
	}
	if (occurrence > 1) {
		uidl[len++] = '-';
		len += format_decimal(uidl + len, occurrence);
	}
	uidl[len] = '\0';
	return len;
}

/* ---- UPDATE ----------------------------------------------------------- */

static int
range_order(const void *a, const void *b)
{
	const struct journal_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Which of the current messages the update removes, by identity: for
 * each message X, the session saw k copies and marked j, and the file
 * now holds c.  It removes r = min(j, c - (k - j)) of them (none if that
 * is negative): never more than it marked, and never one of the k - j it
 * kept.  They are the copies its marked ones map to (map_messages()), so
 * in a file that only grew, exactly the marked messages go.  Returns the
 * ranges (sorted), or -1; *grown_r says a marked message is still there
 * but longer (mail joined to it), which the update must not touch.
 */
static ssize_t
choose_removals(struct mailbox *mb, const struct scan *cur, const size_t *map,
    int fd, struct journal_range *out, int *grown_r)
{
	struct identity *view, *now;
	size_t i, g, e, k, j, c, r, n = 0, at;
	unsigned char digest[16];

	*grown_r = 0;
	view = reallocarray(NULL, mb->count, sizeof(*view));
	now = cur_identities(cur);
	if (view == NULL || now == NULL) {
		free(view);
		free(now);
		return -1;
	}
	for (i = 0; i < mb->count; i++) {
		memcpy(view[i].digest, mb->msgs[i].content_digest, 16);
		view[i].length = view_length(mb, i);
		view[i].index = i;
	}
	qsort(view, mb->count, sizeof(*view), identity_order);
	for (g = 0; g < mb->count; g = e) {
		k = j = 0;
		c = 0;
		for (e = g; e < mb->count && same_identity(&view[e], &view[g]);
		    e++) {
			k++;
			j += (mb->msgs[view[e].index].flags & MSG_DELETED) != 0;
			/* Found with a line end added (newline_added()). */
			i = map[view[e].index];
			c += i != NO_MATCH && cur_end(cur, i) -
			    cur->msgs[i].from_offset != view[e].length;
		}
		if (j == 0)
			continue;
		for (at = identity_find(now, cur->count, &view[g]);
		    at < cur->count && same_identity(&now[at], &view[g]); at++)
			c++;
		r = c + j > k ? c + j - k : 0;
		if (r > j)
			r = j;
		/* The marked copies in session order; r of them at most. */
		for (; g < e; g++) {
			i = view[g].index;
			if (!(mb->msgs[i].flags & MSG_DELETED))
				continue;
			if (map[i] == NO_MATCH) {
				at = cur_at(cur, mb->msgs[i].from_offset);
				if (at != NO_MATCH && cur_end(cur, at) -
				    cur->msgs[at].from_offset > view[g].length &&
				    content_digest(fd, mb->msgs[i].from_offset,
				    mb->msgs[i].from_offset + view[g].length,
				    digest) == 0 &&
				    memcmp(digest, view[g].digest, 16) == 0)
					*grown_r = 1;
				continue;
			}
			if (r == 0)
				continue;
			r--;
			out[n].start = cur->msgs[map[i]].from_offset;
			out[n].end = cur_region_end(cur, map[i]);
			n++;
		}
	}
	free(view);
	free(now);
	qsort(out, n, sizeof(*out), range_order);
	return (ssize_t)n;
}

/*
 * Does the file still begin with every message of the session, each at its
 * offset with its octets (only mail appended after them)?  Then each maps
 * to itself (copies in order to copies in order), every copy the session
 * saw is there, and choose_removals() would take exactly the marked ones.
 */
static int
view_in_place(const struct mailbox *mb, const struct scan *cur)
{
	size_t i;

	if (cur->count < mb->count)
		return 0;
	for (i = 0; i < mb->count; i++)
		if (cur->msgs[i].from_offset != mb->msgs[i].from_offset ||
		    cur_end(cur, i) != view_end(mb, i) ||
		    memcmp(cur->msgs[i].content_digest,
		    mb->msgs[i].content_digest, 16) != 0)
			return 0;
	return 1;
}

/* The marked messages' regions in a file view_in_place() holds for. */
static size_t
marked_in_place(const struct mailbox *mb, const struct scan *cur,
    struct journal_range *out)
{
	size_t i, n = 0;

	for (i = 0; i < mb->count; i++) {
		if (!(mb->msgs[i].flags & MSG_DELETED))
			continue;
		out[n].start = cur->msgs[i].from_offset;
		out[n].end = cur_region_end(cur, i);
		n++;
	}
	return n;
}

/* Runs of adjacent ranges become one each; returns the new count. */
static size_t
merge_ranges(struct journal_range *r, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (m > 0 && r[m - 1].end == r[i].start) {
			r[m - 1].end = r[i].end;
			continue;
		}
		r[m++] = r[i];
	}
	return m;
}

/*
 * The regions to remove from file fd (current stat st): the file's
 * messages now (current_table(), which proves the session's messages in
 * place by their octets, whatever the time stamps say), then the marked
 * ones found in it by identity, copies counted (choose_removals()).
 * Returns the count of ranges, or -1 with the error set.
 */
static ssize_t
update_targets(struct mailbox *mb, int fd, const struct stat *st,
    struct journal_range *out, size_t *messages_r)
{
	struct scan cur;
	size_t *map;
	ssize_t n;
	int grown;

	*messages_r = 0;
	if (current_table(mb, fd, st->st_size, &cur) != MBOX_OK)
		return -1;
	if (view_in_place(mb, &cur)) {
		n = (ssize_t)marked_in_place(mb, &cur, out);
		free(cur.msgs);
		*messages_r = (size_t)n;
		return (ssize_t)merge_ranges(out, (size_t)n);
	}
	map = reallocarray(NULL, mb->count, sizeof(*map));
	if (map == NULL || map_messages(mb, &cur, fd, map) == -1 ||
	    (n = choose_removals(mb, &cur, map, fd, out, &grown)) == -1) {
		free(map);
		free(cur.msgs);
		set_error(mb, "out of memory");
		return -1;
	}
	free(map);
	free(cur.msgs);
	if (grown) {
		set_error(mb, "mailbox %s: a message marked for deletion has "
		    "had mail joined to it since login: nothing removed",
		    mb->path);
		return -1;
	}
	*messages_r = (size_t)n;
	return (ssize_t)merge_ranges(out, (size_t)n);
}

/*
 * Removes the sorted, disjoint ranges from fd.  Only a cut at the end is
 * done directly (one ftruncate is atomic); anything that moves data goes
 * through the journal.  On failure every message not removed is intact,
 * now or after the replay the left journal makes the next login run.
 */
static int
remove_ranges(struct mailbox *mb, int fd, const struct journal_range *del,
    size_t n, off_t size)
{
	int jfd, started = 0, r, saved;

	if (n == 0)
		return 0;
	if (!journal_needed(del, n, size)) {
		if (ftruncate(fd, del[0].start) == -1)
			return -1;
		journal_fault_point();
		r = fsync(fd);
		journal_fault_point();
		return r;
	}
	jfd = mb->spool->journal_create(mb);
	if (jfd == -1)
		return -1;
	r = journal_remove_ranges(fd, jfd, del, n, size, tick_dotlock, mb,
	    &started);
	saved = errno;
	if (r == -1 && started && journal_replay(fd, jfd, tick_dotlock,
	    mb) != -1)
		r = 0;		/* a passing error; the replay finished it */
	(void)close(jfd);
	if (r == 0 || !started)
		(void)mb->spool->journal_remove(mb);
	errno = saved;
	return r;
}

static int
same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Opens and locks whatever file the path names now.  *fd_r is the
 * session's fd when it is still the same file.  MBOX_OK with *fd_r == -1:
 * the mailbox is gone, and with it every message to delete.
 */
static int
update_lock(struct mailbox *mb, int *fd_r, struct stat *st)
{
	struct stat path_st;
	int fd, r, read_only, tries;

	for (tries = 0; tries < 3; tries++) {
		fd = open_mailbox_file(mb, &read_only, &r);
		if (fd == -1)
			return r;
		r = read_only ? MBOX_PERM : check_file(mb, fd, st);
		if (read_only)
			set_error(mb, "mailbox %s is read-only", mb->path);
		if (r != MBOX_OK) {
			(void)close(fd);
			return r;
		}
		/* Closing another fd of the file would drop our locks. */
		if (same_inode(st, &mb->st)) {
			(void)close(fd);
			fd = mb->fd;
		}
		r = lock_acquire(mb, fd, F_WRLCK);
		if (r != MBOX_OK) {
			if (fd != mb->fd)
				(void)close(fd);
			return r;
		}
		if (fstat(fd, st) == 0 && lstat(mb->path, &path_st) == 0 &&
		    same_inode(st, &path_st)) {
			*fd_r = fd;
			return MBOX_OK;
		}
		/* Replaced while we were locking: start again. */
		lock_release(mb, fd);
		if (fd != mb->fd)
			(void)close(fd);
	}
	set_error(mb, "mailbox %s keeps being replaced", mb->path);
	return MBOX_TEMP;
}

/*
 * RFC 1939 section 6: removes the messages marked deleted, and only
 * those, wherever they now are; keeps everything else, mail delivered
 * since login included; never renames or unlinks the file.  Signals are
 * held off so the update finishes or fails as a whole.
 */
int
mbox_update(struct mailbox *mb, size_t *deleted_r)
{
	sigset_t block, saved;
	struct journal_range *del = NULL;
	struct stat st;
	ssize_t n = 0;
	size_t i, marked = 0, messages = 0;
	int fd = -1, r;

	*deleted_r = 0;
	for (i = 0; i < mb->count; i++)
		if (mb->msgs[i].flags & MSG_DELETED)
			marked++;
	if (marked == 0)
		return MBOX_OK;
	mb->updated = 1;	/* whatever happens, the table is of the past */

	(void)sigfillset(&block);
	(void)sigprocmask(SIG_BLOCK, &block, &saved);
	r = update_lock(mb, &fd, &st);
	if (r != MBOX_OK || fd == -1)
		goto out;
	r = replay_journal(mb, fd, 0);
	if (r != MBOX_OK)
		goto unlock;
	if (mb->recovered && fstat(fd, &st) == -1) {
		r = MBOX_TEMP;
		goto unlock;
	}
	del = reallocarray(NULL, marked, sizeof(*del));
	if (del == NULL) {
		set_error(mb, "out of memory");
		r = MBOX_TEMP;
		goto unlock;
	}
	n = update_targets(mb, fd, &st, del, &messages);
	if (n == -1) {
		r = MBOX_TEMP;
		goto unlock;
	}
	if (remove_ranges(mb, fd, del, (size_t)n, st.st_size) == -1) {
		set_error(mb, "mailbox %s: update failed: %s", mb->path,
		    strerror(errno));
		r = MBOX_TEMP;
		goto unlock;
	}
	*deleted_r = messages;
unlock:
	lock_release(mb, fd);
	if (fd != mb->fd)
		(void)close(fd);
out:
	free(del);
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
