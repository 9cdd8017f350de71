/*
 * index.c: a mailbox's table of messages, kept between sessions, so that
 * the next session checks the mailbox against it instead of scanning it
 * line by line (mailbox.c, index_resume()).
 *
 * The index is a cache and decides nothing by itself.  It claims where
 * each message was, with the digest of its bytes; match.c hashes the
 * file's bytes at those places and uses only the leading messages that
 * match exactly, scanning from there on, so a stale, torn or forged index
 * costs a scan, never a wrong answer.  What is taken from it unchecked is
 * only what a scan derives from those same bytes (wire sizes, UIDL
 * digests): a checksum guards them against a torn write, and the
 * ownership checks below against other users (the user could as well
 * edit the mailbox itself).
 *
 * It must not decide that a message is in the file (only match.c's
 * digests of the file's octets may) nor know the session.
 *
 * Runs as the user, in a directory of the user's own (DIR/UID), except
 * index_prepare_dir(), which the root monitor calls to make that directory.
 * The file is native-endian and private to the host: a header, then the
 * records as they are in memory.  It is written to a temporary file and
 * renamed, never synced: a crash leaves a file that fails its checksum,
 * and the next session scans.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "index.h"
#include "util.h"

#define INDEX_MAGIC	"pop3dix"	/* and a NUL: 8 octets */
/* Raise when the scan's rules or the record change. */
#define INDEX_VERSION	2

/* The flags an index keeps; the rest belong to a session. */
#define INDEX_FLAGS	(MSG_SEPARATOR_MASK | MSG_UIDL_KNOWN)

/* Records written per call. */
#define INDEX_WRITE_RECORDS	1024

struct index_header {
	char		magic[8];
	uint32_t	version;
	uint32_t	record_bytes;		/* sizeof(struct message) */
	/* The rules the table was made under: another build scans others. */
	uint64_t	messages_max;
	uint64_t	bytes_max;
	uint64_t	from_line_max;
	uint64_t	count;
	uint64_t	size;			/* file octets the table covers */
	unsigned char	checksum[16];		/* of all, this field zero */
	char		mailbox[MAILBOX_PATH_MAX];	/* NUL-padded */
};

/* "DIR/UID/index". */
int
index_path_for(const char *dir, uid_t uid, char *out, size_t size)
{
	int n;

	n = snprintf(out, size, "%s/%lu/index", dir, (unsigned long)uid);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Is st a directory of uid's that only uid may change? */
static int
dir_is_users(const struct stat *st, uid_t uid)
{
	if (S_ISDIR(st->st_mode) && st->st_uid == uid &&
	    (st->st_mode & 022) == 0)
		return 1;
	errno = EPERM;
	return 0;
}

/*
 * Makes DIR/UID, the user's own directory, before the session starts.  As
 * root (the monitor): DIR is made if missing and must be root's, writable
 * by nobody else (so no user can put anything in the way) and searchable
 * by all; DIR/UID
 * is made relative to it and given to the user.  As the user (run without
 * privilege separation, or the session checking): DIR/UID is made if DIR
 * lets it.  Returns 0, or -1 with errno: the session goes without an index.
 */
int
index_prepare_dir(const char *dir, uid_t uid, gid_t gid)
{
	char name[32], path[MAILBOX_PATH_MAX + 32];
	struct stat st;
	int dfd, r = -1, made;

	(void)snprintf(name, sizeof(name), "%lu", (unsigned long)uid);
	if (geteuid() != 0) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		    (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
		    (mkdir(path, 0700) == -1 && errno != EEXIST))
			return -1;
		return lstat(path, &st) == 0 && dir_is_users(&st, uid) ? 0 : -1;
	}
	made = mkdir(dir, 0711) == 0;
	if (!made && errno != EEXIST)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1)
		return -1;
	/* Made under a umask such as systemd's 0077, it would shut users out. */
	if (made && fchmod(dfd, 0711) == -1)
		goto out;
	if (fstat(dfd, &st) == -1 || !dir_is_users(&st, 0))
		goto out;
	if ((st.st_mode & S_IXOTH) == 0) {
		errno = EACCES;		/* the users could not reach theirs */
		goto out;
	}
	made = mkdirat(dfd, name, 0700) == 0;
	if (!made && errno != EEXIST)
		goto out;
	if (made && fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
		(void)unlinkat(dfd, name, AT_REMOVEDIR);
		goto out;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    dir_is_users(&st, uid))
		r = 0;
out:
	(void)close(dfd);
	return r;
}

/* The directory holding path must be the user's (or root's), private. */
static int
dir_is_private(const char *path)
{
	char dir[MAILBOX_PATH_MAX + 64];
	char *slash;
	struct stat st;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		return 0;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	if (stat(dir[0] != '\0' ? dir : "/", &st) == -1)
		return 0;
	return S_ISDIR(st.st_mode) && (st.st_uid == geteuid() ||
	    st.st_uid == 0) && (st.st_mode & 022) == 0;
}

static void
header_init(struct index_header *h, const char *mailbox, off_t size,
    size_t count)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, INDEX_MAGIC, sizeof(h->magic));
	h->version = INDEX_VERSION;
	h->record_bytes = sizeof(struct message);
	h->messages_max = MBOX_MESSAGES_MAX;
	h->bytes_max = (uint64_t)MBOX_BYTES_MAX;
	h->from_line_max = FROM_LINE_MAX;
	h->count = count;
	h->size = (uint64_t)size;
	(void)strlcpy(h->mailbox, mailbox, sizeof(h->mailbox));
}

/*
 * Is the table one a scan of a file of size octets could have made?  Every
 * offset and length is checked here, before anything is read with them;
 * whether the bytes are there is match.c's check.
 */
static int
table_is_sane(const struct message *msgs, size_t count, off_t size)
{
	const struct message *m;
	off_t region_end, body;
	unsigned sep;
	size_t i;

	if (count == 0 || msgs[0].from_offset != 0)
		return 0;
	for (i = 0; i < count; i++) {
		m = &msgs[i];
		region_end = i + 1 < count ? msgs[i + 1].from_offset : size;
		sep = (m->flags & MSG_SEPARATOR_MASK) >> MSG_SEPARATOR_SHIFT;
		if ((m->flags & ~(uint32_t)INDEX_FLAGS) != 0 || sep > 2 ||
		    m->from_offset < 0 || m->from_offset >= region_end ||
		    m->from_offset >= MBOX_BYTES_MAX || m->from_len < 5 ||
		    (off_t)m->from_len > region_end - m->from_offset - sep)
			return 0;
		body = msg_body(m);
		/* Every LF becomes CRLF, and a final CRLF may be added. */
		if (m->wire_size < 0 ||
		    m->wire_size > 2 * (region_end - sep - body) + 2)
			return 0;
	}
	return 1;
}

/*
 * Reads path's table for mailbox into t: 0 with the messages (malloc'd,
 * no session flags) and the file size they cover (t->end), or -1 if there is no
 * usable index (missing, torn, another user's, another mailbox's or
 * another build's).
 */
int
index_load(const char *path, const char *mailbox, struct msg_table *t)
{
	struct index_header h, want;
	struct message *msgs = NULL;
	unsigned char checksum[16];
	XXH128_canonical_t canon;
	XXH3_state_t *state = NULL;
	struct stat st;
	size_t i, bytes;
	int fd, r = -1;

	/* O_NONBLOCK: a FIFO put in its place must not hang the session. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    !dir_is_private(path) || st.st_size < (off_t)sizeof(h) ||
	    read_full(fd, &h, sizeof(h)) == -1)
		goto out;
	header_init(&want, mailbox, 0, 0);
	if (memcmp(h.magic, want.magic, offsetof(struct index_header,
	    count)) != 0 || h.count == 0 || h.count > MBOX_MESSAGES_MAX ||
	    h.size > (uint64_t)INT64_MAX ||
	    memcmp(h.mailbox, want.mailbox, sizeof(h.mailbox)) != 0)
		goto out;
	bytes = (size_t)h.count * sizeof(*msgs);
	if ((uint64_t)st.st_size != sizeof(h) + bytes)
		goto out;
	msgs = malloc(bytes);
	state = XXH3_createState();
	if (msgs == NULL || state == NULL || read_full(fd, msgs, bytes) == -1)
		goto out;
	memcpy(checksum, h.checksum, sizeof(checksum));
	memset(h.checksum, 0, sizeof(h.checksum));
	if (XXH3_128bits_reset(state) != XXH_OK ||
	    XXH3_128bits_update(state, &h, sizeof(h)) != XXH_OK ||
	    XXH3_128bits_update(state, msgs, bytes) != XXH_OK)
		goto out;
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(state));
	if (memcmp(canon.digest, checksum, sizeof(checksum)) != 0 ||
	    !table_is_sane(msgs, (size_t)h.count, (off_t)h.size))
		goto out;
	for (i = 0; i < h.count; i++)
		msgs[i].flags &= INDEX_FLAGS;
	t->msgs = msgs;
	t->count = t->capacity = (size_t)h.count;
	t->end = (off_t)h.size;
	msgs = NULL;
	r = 0;
out:
	free(msgs);
	XXH3_freeState(state);
	(void)close(fd);
	return r;
}

/* Writes the records with only the flags an index keeps. */
static int
write_records(int fd, XXH3_state_t *state, const struct message *msgs,
    size_t count)
{
	struct message *buf;
	size_t i, k, n;
	int r = -1;

	buf = reallocarray(NULL, INDEX_WRITE_RECORDS, sizeof(*buf));
	if (buf == NULL)
		return -1;
	for (i = 0; i < count; i += n) {
		n = count - i < INDEX_WRITE_RECORDS ? count - i :
		    INDEX_WRITE_RECORDS;
		memcpy(buf, msgs + i, n * sizeof(*buf));
		for (k = 0; k < n; k++)
			buf[k].flags &= INDEX_FLAGS;
		if (XXH3_128bits_update(state, buf, n * sizeof(*buf)) !=
		    XXH_OK || write_full(fd, buf, n * sizeof(*buf)) == -1)
			goto out;
	}
	r = 0;
out:
	free(buf);
	return r;
}

/*
 * Replaces path with table t of mailbox (its messages, covering t->end
 * octets).  Returns 0, or -1 with errno; nothing is left behind on error.
 */
int
index_save(const char *path, const char *mailbox, const struct msg_table *t)
{
	const struct message *msgs = t->msgs;
	size_t count = t->count;
	off_t size = t->end;
	char tmp[MAILBOX_PATH_MAX + 64];
	struct index_header h;
	XXH128_canonical_t canon;
	XXH3_state_t *state;
	int fd, r = -1, saved;

	if (count == 0 || strlen(mailbox) >= sizeof(h.mailbox) ||
	    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	state = XXH3_createState();
	if (state == NULL)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		XXH3_freeState(state);
		return -1;
	}
	header_init(&h, mailbox, size, count);
	/* The header goes last, with the checksum of it all. */
	if (XXH3_128bits_reset(state) != XXH_OK ||
	    XXH3_128bits_update(state, &h, sizeof(h)) != XXH_OK ||
	    lseek(fd, (off_t)sizeof(h), SEEK_SET) == -1 ||
	    write_records(fd, state, msgs, count) == -1)
		goto out;
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(state));
	memcpy(h.checksum, canon.digest, sizeof(h.checksum));
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto out;
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	r = rename(tmp, path);
out:
	saved = errno;
	if (fd != -1)
		(void)close(fd);
	if (r == -1)
		(void)unlink(tmp);
	XXH3_freeState(state);
	errno = saved;
	return r;
}
