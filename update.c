/*
 * update.c: the UPDATE state (RFC 1939 section 6): which octets QUIT
 * removes, and removing them in place.
 *
 * Owns the choice of targets: the file is read again under the locks
 * (match.c), the session's marked messages are found in it by identity,
 * copies counted, and only they are removed, wherever they now are; mail
 * delivered since login stays.  The rewrite keeps the inode and goes
 * through journal.c whenever it moves data.  Trusts the session's view
 * (mailbox.h) for what was marked and the file's octets for where it
 * is, never offsets or time stamps alone.  It must not remove a message
 * it cannot prove by its octets, rename or unlink the mailbox, or let a
 * signal stop it half way.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "mailbox.h"
#include "match.h"
#include "replay.h"
#include "update.h"

static int
range_order(const void *a, const void *b)
{
	const struct journal_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Is the session's message i, found nowhere as it was, still at its place
 * as the start of a longer message (a writer joined mail to it without
 * the empty line a separator needs)?
 */
static int
grown_in_place(const struct msg_table *session, size_t i,
    const struct msg_table *cur, int fd)
{
	unsigned char digest[16];
	off_t from = session->msgs[i].from_offset, len = table_length(session, i);
	size_t at = table_at(cur, from);

	return at != NO_MATCH && table_length(cur, at) > len &&
	    content_digest(fd, from, from + len, digest) == 0 &&
	    memcmp(digest, session->msgs[i].content_digest, 16) == 0;
}

/*
 * Which of the current messages (cur) the update removes, by identity:
 * for each message X, the session (its table from login) saw k copies
 * and marked j, and the file now holds c.  It removes r = min(j, c - (k - j)) of them (none if that
 * is negative): never more than it marked, and never one of the k - j it
 * kept.  They are the copies its marked ones map to (map_messages()), so
 * in a file that only grew, exactly the marked messages go.  Returns the
 * ranges (sorted), or -1; *grown_r says a marked message is still there
 * but longer (mail joined to it), which the update must not touch.
 */
static ssize_t
choose_removals(const struct msg_table *session, const struct msg_table *cur,
    const size_t *map, int fd, struct journal_range *out, int *grown_r)
{
	struct identity *view, *now;
	size_t i, g, e, k, j, c, r, n = 0, at;

	*grown_r = 0;
	view = reallocarray(NULL, session->count, sizeof(*view));
	now = table_identities(cur);
	if (view == NULL || now == NULL) {
		free(view);
		free(now);
		return -1;
	}
	for (i = 0; i < session->count; i++) {
		memcpy(view[i].digest, session->msgs[i].content_digest, 16);
		view[i].length = table_length(session, i);
		view[i].index = i;
	}
	qsort(view, session->count, sizeof(*view), identity_order);
	for (g = 0; g < session->count; g = e) {
		k = j = 0;
		c = 0;
		for (e = g; e < session->count && same_identity(&view[e], &view[g]);
		    e++) {
			k++;
			j += (session->msgs[view[e].index].flags & MSG_DELETED) != 0;
			/* Found with a line end added (newline_added()). */
			i = map[view[e].index];
			c += i != NO_MATCH && table_length(cur, i) != view[e].length;
			/* Still there with mail joined to it: present too. */
			c += i == NO_MATCH && grown_in_place(session,
			    view[e].index, cur, fd);
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
			if (!(session->msgs[i].flags & MSG_DELETED))
				continue;
			if (map[i] == NO_MATCH) {
				if (grown_in_place(session, i, cur, fd))
					*grown_r = 1;
				continue;
			}
			if (r == 0)
				continue;
			r--;
			out[n].start = cur->msgs[map[i]].from_offset;
			out[n].end = table_region_end(cur, map[i]);
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
view_in_place(const struct msg_table *view, const struct msg_table *cur)
{
	size_t i;

	if (cur->count < view->count)
		return 0;
	for (i = 0; i < view->count; i++)
		if (cur->msgs[i].from_offset != view->msgs[i].from_offset ||
		    table_end(cur, i) != table_end(view, i) ||
		    memcmp(cur->msgs[i].content_digest,
		    view->msgs[i].content_digest, 16) != 0)
			return 0;
	return 1;
}

/* The marked messages' regions in a file view_in_place() holds for. */
static size_t
marked_in_place(const struct msg_table *view, const struct msg_table *cur,
    struct journal_range *out)
{
	size_t i, n = 0;

	for (i = 0; i < view->count; i++) {
		if (!(view->msgs[i].flags & MSG_DELETED))
			continue;
		out[n].start = cur->msgs[i].from_offset;
		out[n].end = table_region_end(cur, i);
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
	struct msg_table cur;
	size_t *map;
	ssize_t n;
	int grown;

	*messages_r = 0;
	if (mbox_current_table(mb, fd, st->st_size, &cur) != MBOX_OK)
		return -1;
	if (view_in_place(&mb->table, &cur)) {
		n = (ssize_t)marked_in_place(&mb->table, &cur, out);
		free(cur.msgs);
		*messages_r = (size_t)n;
		return (ssize_t)merge_ranges(out, (size_t)n);
	}
	map = reallocarray(NULL, mb->table.count, sizeof(*map));
	if (map == NULL || map_messages(&mb->table, &cur, fd, map) == -1 ||
	    (n = choose_removals(&mb->table, &cur, map, fd, out, &grown)) ==
	    -1) {
		free(map);
		free(cur.msgs);
		mbox_set_error(mb, "out of memory");
		return -1;
	}
	free(map);
	free(cur.msgs);
	if (grown) {
		mbox_set_error(mb, "mailbox %s: a message marked for deletion has "
		    "had mail joined to it since login: nothing removed",
		    mb->spool.path);
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
	jfd = mb->spool.ops->journal_create(&mb->spool);
	if (jfd == -1)
		return -1;
	r = journal_remove_ranges(fd, jfd, del, n, size, dotlock_tick, &mb->spool,
	    &started);
	saved = errno;
	if (r == -1 && started && journal_replay(fd, jfd, dotlock_tick,
	    &mb->spool) != -1)
		r = 0;		/* a passing error; the replay finished it */
	(void)close(jfd);
	if (r == 0 || !started)
		(void)mb->spool.ops->journal_remove(&mb->spool);
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
		fd = mbox_open_file(mb, &read_only, &r);
		if (fd == -1)
			return r;
		r = read_only ? MBOX_PERM : mbox_check_file(mb, fd, st);
		if (read_only)
			mbox_set_error(mb, "mailbox %s is read-only", mb->spool.path);
		if (r != MBOX_OK) {
			(void)close(fd);
			return r;
		}
		/* Closing another fd of the file would drop our locks. */
		if (same_inode(st, &mb->st)) {
			(void)close(fd);
			fd = mb->fd;
		}
		r = mbox_lock(mb, fd, F_WRLCK);
		if (r != MBOX_OK) {
			if (fd != mb->fd)
				(void)close(fd);
			return r;
		}
		if (fstat(fd, st) == 0 && lstat(mb->spool.path, &path_st) == 0 &&
		    same_inode(st, &path_st)) {
			*fd_r = fd;
			return MBOX_OK;
		}
		/* Replaced while we were locking: start again. */
		lock_release(&mb->spool, fd);
		if (fd != mb->fd)
			(void)close(fd);
	}
	mbox_set_error(mb, "mailbox %s keeps being replaced", mb->spool.path);
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
	for (i = 0; i < mb->table.count; i++)
		if (mb->table.msgs[i].flags & MSG_DELETED)
			marked++;
	if (marked == 0)
		return MBOX_OK;
	mb->updated = 1;	/* whatever happens, the table is of the past */

	(void)sigfillset(&block);
	(void)sigprocmask(SIG_BLOCK, &block, &saved);
	r = update_lock(mb, &fd, &st);
	if (r != MBOX_OK || fd == -1)
		goto out;
	r = mbox_replay(mb, fd, 0);
	if (r != MBOX_OK)
		goto unlock;
	if (mb->recovered && fstat(fd, &st) == -1) {
		r = MBOX_TEMP;
		goto unlock;
	}
	del = reallocarray(NULL, marked, sizeof(*del));
	if (del == NULL) {
		mbox_set_error(mb, "out of memory");
		r = MBOX_TEMP;
		goto unlock;
	}
	n = update_targets(mb, fd, &st, del, &messages);
	if (n == -1) {
		r = MBOX_TEMP;
		goto unlock;
	}
	if (remove_ranges(mb, fd, del, (size_t)n, st.st_size) == -1) {
		mbox_set_error(mb, "mailbox %s: update failed: %s", mb->spool.path,
		    strerror(errno));
		r = MBOX_TEMP;
		goto unlock;
	}
	*deleted_r = messages;
unlock:
	lock_release(&mb->spool, fd);
	if (fd != mb->fd)
		(void)close(fd);
out:
	free(del);
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
