/*
 * mailbox.c: the session's view of an mbox maildrop: opening and checking
 * the file, the table read at login (from the index or a scan), serving
 * messages only from octets proven by their digests, finding them again
 * when the file changed, the marks DELE sets, and finishing an update a
 * crash interrupted.
 *
 * Runs as the user, never as root.  Trusts the file's octets only
 * through their digests (match.c), its stat only as a hint of when to
 * look, and the index not at all beyond what match.c proves.  The locks
 * (lock.c) are held only while reading the file at login, while updating
 * it at QUIT (update.c) and while reading it again to find moved messages
 * (mbox_relocate()), so an idle client never holds up delivery.  Between
 * those, other programs may append mail, or rewrite or replace the file.
 * It must not parse the mbox format (scan.c), compute unique-ids
 * (uidl.c), take locks itself (lock.c) or change the file other than by
 * a journal's replay (update.c, journal.c); it never maps the file,
 * because another program may truncate it at any moment.
 */
#include <sys/types.h>
#include <sys/stat.h>

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

#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>	/* AVX2 when there is one: see scan.c */
#endif

#include "index.h"
#include "journal.h"
#include "lock.h"
#include "mailbox.h"
#include "match.h"
#include "replay.h"
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

/*
 * Takes both locks (lock_acquire()) for fd: MBOX_OK, or MBOX_IN_USE or
 * MBOX_TEMP with the reason in mb->error.
 */
int
mbox_lock(struct mailbox *mb, int fd, short type)
{
	enum lock_status r = lock_acquire(&mb->spool, fd, type);

	if (r == LOCK_OK)
		return MBOX_OK;
	mbox_set_error(mb, "%s", mb->spool.error);
	return r == LOCK_IN_USE ? MBOX_IN_USE : MBOX_TEMP;
}

/* ---- Opening ---------------------------------------------------------- */

/* Refuses anything but a private regular file of the user's. */
int
mbox_check_file(struct mailbox *mb, int fd, struct stat *st)
{
	if (fstat(fd, st) == -1) {
		mbox_set_error(mb, "mailbox %s: %s", mb->spool.path, strerror(errno));
		return MBOX_TEMP;
	}
	if (!S_ISREG(st->st_mode)) {
		mbox_set_error(mb, "mailbox %s: not a regular file", mb->spool.path);
		return MBOX_PERM;
	}
	if (st->st_uid != mb->spool.owner) {
		mbox_set_error(mb, "mailbox %s: owned by uid %lu, not %lu", mb->spool.path,
		    (unsigned long)st->st_uid, (unsigned long)mb->spool.owner);
		return MBOX_PERM;
	}
	if (st->st_nlink != 1) {
		mbox_set_error(mb, "mailbox %s: has %lu hard links", mb->spool.path,
		    (unsigned long)st->st_nlink);
		return MBOX_PERM;
	}
	if (st->st_mode & S_IWOTH) {
		mbox_set_error(mb, "mailbox %s: world-writable", mb->spool.path);
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
	const char *name;
	int dir = spool_at(&mb->spool, mb->spool.path, &name), fd;

	*read_only_r = 0;
	fd = openat(dir, name, O_RDWR | flags);
	if (fd == -1 && (errno == EACCES || errno == EROFS)) {
		fd = openat(dir, name, O_RDONLY | flags);
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
	mbox_set_error(mb, "mailbox %s: %s", mb->spool.path, errno == ELOOP ?
	    "is a symbolic link" : strerror(errno));
	*status_r = errno == EIO || errno == ENOMEM || errno == EMFILE ||
	    errno == ENFILE || errno == EINTR ? MBOX_TEMP : MBOX_PERM;
	return -1;
}

/* ---- Crash recovery --------------------------------------------------- */

/* Does the mailbox's path name the file fd is open on, now? */
static int
path_names(const struct mailbox *mb, int fd)
{
	struct stat a, b;
	const char *name;
	int dir = spool_at(&mb->spool, mb->spool.path, &name);

	return fstat(fd, &a) == 0 && fstatat(dir, name, &b,
	    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

/*
 * Finishes an update that a crash interrupted, if its journal is there.
 * The caller holds both locks (so no journal can appear or go while this
 * looks) with fd open for writing; read_only says it is not, and then a
 * journal is an error.  A journal that the user cannot use needs an
 * administrator (MBOX_PERM): root's, or one beside a read-only mailbox,
 * for pop3d --recover as root; a symbolic link, another user's or one with
 * more links is none that pop3d made, which even root must not replay,
 * only look at and remove.
 */
int
mbox_replay(struct mailbox *mb, int fd, int read_only)
{
	struct stat st;
	const char *name;
	int dir = spool_at(&mb->spool, mb->spool.journal_path, &name), jfd, r;

	jfd = openat(dir, name, (read_only ? O_RDONLY : O_RDWR) |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (jfd == -1 && errno == ENOENT)
		return MBOX_OK;
	if (jfd == -1) {
		mbox_set_error(mb, "journal %s: %s", mb->spool.journal_path, errno ==
		    ELOOP ? "is a symbolic link, which pop3d never makes: "
		    "inspect it, then remove it" : strerror(errno));
		return errno == ELOOP || errno == EACCES || errno == EPERM ||
		    errno == ENXIO ? MBOX_PERM : MBOX_TEMP;
	}
	/*
	 * Only a journal of the mailbox's owner may steer writes; root's
	 * only when root replays it (pop3d --recover).
	 */
	if (fstat(jfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || (st.st_uid != mb->spool.owner &&
	    st.st_uid != 0)) {
		(void)close(jfd);
		mbox_set_error(mb, "journal %s: not a private regular file of the "
		    "mailbox's owner, so not one pop3d made: inspect it, then "
		    "remove it", mb->spool.journal_path);
		return MBOX_PERM;
	}
	if (st.st_uid != mb->spool.owner && geteuid() != 0) {
		(void)close(jfd);
		mbox_set_error(mb, "journal %s: root's (run pop3d --recover as "
		    "root)", mb->spool.journal_path);
		return MBOX_PERM;
	}
	if (read_only) {
		(void)close(jfd);
		mbox_set_error(mb, "mailbox %s: an interrupted update must be "
		    "finished but the mailbox is read-only (run pop3d "
		    "--recover as root)", mb->spool.path);
		return MBOX_PERM;
	}
	r = journal_replay(fd, jfd, dotlock_tick, &mb->spool);
	(void)close(jfd);
	if (r == -1 && errno == EPROTO) {
		mbox_set_error(mb, "journal %s: written by another version of "
		    "pop3d: replay it with that version's --recover",
		    mb->spool.journal_path);
		return MBOX_PERM;
	}
	if (r == -1) {
		mbox_set_error(mb, "journal %s: replay failed: %s",
		    mb->spool.journal_path, strerror(errno));
		return MBOX_TEMP;
	}
	/*
	 * Not for fd, which the path may no longer name (a session whose
	 * mailbox was renamed away reads the old file): the journal is then
	 * the new file's, for its next login or update to finish.
	 */
	if (r == 2 && !path_names(mb, fd))
		return MBOX_OK;
	if (mb->spool.ops->journal_remove(&mb->spool) == -1) {
		mbox_set_error(mb, "journal %s: %s", mb->spool.journal_path,
		    strerror(errno));
		return MBOX_TEMP;
	}
	if (r == 1) {
		mb->recovered = 1;
		syslog(LOG_NOTICE, "mailbox %s: finished an update that was "
		    "interrupted", mb->spool.path);
	}
	if (r == 2)
		syslog(LOG_WARNING, "mailbox %s: journal %s does not match "
		    "the file (replaced or rewritten since the crash): "
		    "removed unused", mb->spool.path, mb->spool.journal_path);
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
	mb->spool.ops = &lock_local_spool;
	mb->spool.monitor_fd = -1;
	mb->spool.dir_fd = -1;
	if (strlcpy(mb->spool.path, path, sizeof(mb->spool.path)) >= sizeof(mb->spool.path) ||
	    snprintf(mb->spool.lock_path, sizeof(mb->spool.lock_path), "%s.lock", path) <
	    0 || journal_path_for(path, mb->spool.journal_path,
	    sizeof(mb->spool.journal_path)) == -1) {
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
		    "line at the start)", mb->spool.path);
		return MBOX_PERM;
	case SCAN_FAILED:
		break;
	}
	if (mb->error[0] == '\0')
		mbox_set_error(mb, "mailbox %s: read failed or changed while "
		    "locked", mb->spool.path);
	return MBOX_TEMP;
}

/* Scans fd into t (scan_table()), keeping the dotlock fresh. */
static int
scan_into(struct mailbox *mb, int fd, off_t size, struct msg_table *t,
    off_t from)
{
	return scan_status(mb, scan_table(fd, size, t, from, dotlock_tick, &mb->spool));
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
	    cur, dotlock_tick, &mb->spool));
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
	    mb->spool.path, t) == -1)
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
	return index_save(mb->index_path, mb->spool.path, &mb->table);
}

/* ---- Session view ----------------------------------------------------- */

/*
 * Opens the file the path names and takes both locks on it for the login
 * (the write lock is for a replay).  A file renamed over the mailbox (or
 * the mailbox removed) while the login waited for the locks leaves the
 * opened one with no name: the login opens what the path names now
 * instead of refusing the unlinked file as unsafe ([SYS/PERM]).
 * MBOX_OK with mb->fd == -1: no file.
 */
static int
open_locked(struct mailbox *mb)
{
	struct stat st;
	int r, read_only, tries;

	for (tries = 0; tries < 3; tries++) {
		mb->fd = mbox_open_file(mb, &read_only, &r);
		if (mb->fd == -1)
			return r;
		mb->read_only = read_only;
		r = mbox_check_file(mb, mb->fd, &mb->st);
		if (r == MBOX_OK)
			r = mbox_lock(mb, mb->fd, read_only ? F_RDLCK : F_WRLCK);
		if (r == MBOX_OK && fstat(mb->fd, &st) == 0 && st.st_nlink > 0)
			return MBOX_OK;
		if (r == MBOX_OK)
			lock_release(&mb->spool, mb->fd);
		(void)close(mb->fd);
		mb->fd = -1;
		if (r != MBOX_OK)
			return r;
	}
	mbox_set_error(mb, "mailbox %s keeps being replaced", mb->spool.path);
	return MBOX_TEMP;
}

int
mbox_open(struct mailbox *mb, const char *path, uid_t owner,
    const struct spool_ops *spool, int spool_fd, const char *index)
{
	struct msg_table t;
	int r, read_only;

	if (mbox_set_paths(mb, path) == -1)
		return MBOX_PERM;
	mb->spool.owner = owner;
	mb->spool.ops = spool;
	mb->spool.monitor_fd = spool_fd;
	if (index != NULL && strlcpy(mb->index_path, index,
	    sizeof(mb->index_path)) >= sizeof(mb->index_path))
		mb->index_path[0] = '\0';
	r = open_locked(mb);
	if (mb->fd == -1)
		return r;	/* MBOX_OK: no file, an empty maildrop */
	read_only = mb->read_only;
	/*
	 * A journal left by a crash is replayed before the file is read, and
	 * looked for under the locks: one that another session's crashed
	 * update left while this login waited for them counts too.
	 */
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
	lock_release(&mb->spool, mb->fd);
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

static void
mbox_close_dir(struct mailbox *mb)
{
	if (mb->spool.dir_fd != -1)
		(void)close(mb->spool.dir_fd);
	mb->spool.dir_fd = -1;
}

/*
 * pop3d --recover: finishes a crashed update of path now, as an
 * administrator or a boot script would, instead of at the next login.
 * The caller's identity decides what it may open; no owner check.  Root
 * (told to by a login's log line, for a journal the session could not
 * use) works as the monitor does: in the directory reached from "/"
 * without following a link, by names alone, so that a user who swaps a
 * directory of the path for a symbolic link while it waits for the locks
 * cannot move its dotlock, its stale-lock removal or its journal removal
 * into another directory.
 */
int
mbox_recover(struct mailbox *mb, const char *path)
{
	struct stat st;
	int r, read_only, trusted;

	if (mbox_set_paths(mb, path) == -1)
		return MBOX_PERM;
	if (geteuid() == 0 && path[0] != '/') {
		mbox_set_error(mb, "mailbox %s: not an absolute path (needed "
		    "as root)", path);
		return MBOX_PERM;
	}
	if (geteuid() == 0 &&
	    (mb->spool.dir_fd = spool_dir_walk(path, &trusted)) == -1) {
		if (errno == ENOENT)
			return MBOX_OK;		/* no mailbox: nothing to do */
		mbox_set_error(mb, "mailbox %s: its directory cannot be reached "
		    "from / without following a symbolic link: give its real "
		    "path", path);
		return MBOX_PERM;
	}
	mb->fd = mbox_open_file(mb, &read_only, &r);
	if (mb->fd == -1) {
		mbox_close_dir(mb);
		return r;
	}
	/* Whoever runs this, the file must be a private one of its owner. */
	if (fstat(mb->fd, &st) == 0)
		mb->spool.owner = st.st_uid;
	if (read_only) {
		mbox_set_error(mb, "mailbox %s: not writable", path);
		r = MBOX_PERM;
	} else if ((r = mbox_check_file(mb, mb->fd, &st)) == MBOX_OK) {
		r = mbox_lock(mb, mb->fd, F_WRLCK);
		if (r == MBOX_OK) {
			r = mbox_replay(mb, mb->fd, 0);
			lock_release(&mb->spool, mb->fd);
		}
	}
	(void)close(mb->fd);
	mb->fd = -1;
	mbox_close_dir(mb);
	return r;
}

void
mbox_close(struct mailbox *mb)
{
	if (mb->fd != -1) {
		lock_release(&mb->spool, mb->fd);
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
		mbox_set_error(mb, "mailbox %s: %s", mb->spool.path, n == -1 ?
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
		mbox_set_error(mb, "mailbox %s: %s", mb->spool.path, strerror(errno));
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

	r = mbox_lock(mb, mb->fd, mb->read_only ? F_RDLCK : F_WRLCK);
	if (r != MBOX_OK)
		return MBOX_TEMP;
	r = mbox_replay(mb, mb->fd, mb->read_only);
	if (r == MBOX_OK && fstat(mb->fd, &st) == -1) {
		mbox_set_error(mb, "mailbox %s: %s", mb->spool.path, strerror(errno));
		r = MBOX_TEMP;
	}
	if (r == MBOX_OK)
		r = mbox_current_table(mb, mb->fd, st.st_size, &cur);
	lock_release(&mb->spool, mb->fd);
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
	    "found", mb->spool.path, i + 1);
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
	    mb->spool.path, i + 1);
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
		mbox_set_error(mb, "mailbox %s is read-only", mb->spool.path);
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
			mbox_set_error(mb, "mailbox %s: read failed", mb->spool.path);
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
