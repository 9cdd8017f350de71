/*
 * io.c: the client connection, read from fd 0 and written to fd 1.
 *
 * Everything here handles bytes from the network and trusts none of them.
 * Input is read into one fixed buffer and cut into lines of at most
 * CMD_LINE_MAX octets; a longer line is discarded up to its LF and reported
 * once, so its tail can never run as a command.  Output goes through one
 * fixed buffer that is flushed only when it is full or before waiting for
 * input, which keeps pipelined replies in order and cheap.  Every wait is
 * bounded by the session timeout: a client that stops reading is dropped
 * when its output makes no progress for that long, and one that sends no
 * command line for that long after the last line or reply is dropped too,
 * however many bytes of a partial line trickle in meanwhile.  Runs with
 * whatever privileges the session has.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "params.h"
#include "util.h"

static char	in_buf[IN_BUFFER_BYTES];
static size_t	in_start, in_end;
static int	in_discarding;		/* inside an over-long line */

static char	out_buf[OUT_BUFFER_BYTES];
static size_t	out_len;
static unsigned long long written;	/* octets sent, for the log */

static int	timeout_msec;
static long long idle_since;		/* the last whole line or reply */
static long long deadline_at;		/* every wait ends by then; 0: none */
static enum io_status failure = IO_OK;	/* sticky once set */
static int	write_failed;		/* nothing more can be sent */
static volatile sig_atomic_t signal_flag;

static int	saved_flags[2] = { -1, -1 };

static ssize_t
fd_read(void *buf, size_t len)
{
	return read(0, buf, len);
}

static ssize_t
fd_write(const void *buf, size_t len)
{
	return write(1, buf, len);
}

static const struct io_transport fd_transport = { fd_read, fd_write };
static const struct io_transport *transport = &fd_transport;

void
io_set_transport(const struct io_transport *t)
{
	transport = t != NULL ? t : &fd_transport;
}

/*
 * Forgets input read but not yet used: after STLS, bytes the client sent
 * in plaintext behind the command must never be read as commands inside
 * TLS (CVE-2011-0411).
 */
void
io_discard_input(void)
{
	explicit_bzero(in_buf, sizeof(in_buf));
	in_start = in_end = 0;
	in_discarding = 0;
}

/*
 * Non-blocking descriptors let poll() bound every wait, writes included: a
 * blocking write to a client that stopped reading would never return.
 */
void
io_init(int timeout_sec)
{
	int fd, flags;

	in_start = in_end = 0;
	in_discarding = 0;
	out_len = 0;
	written = 0;
	failure = IO_OK;
	write_failed = 0;
	signal_flag = 0;
	timeout_msec = timeout_sec * 1000;
	idle_since = now_msec();
	deadline_at = 0;
	for (fd = 0; fd <= 1; fd++) {
		flags = fcntl(fd, F_GETFL);
		if (flags == -1)
			continue;
		saved_flags[fd] = flags;
		if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
			saved_flags[fd] = -1;
	}
}

/*
 * An absolute limit on every wait from now on, whatever the client sends
 * (the pre-login phase's); 0 removes it.
 */
void
io_set_deadline(int sec)
{
	deadline_at = sec > 0 ? now_msec() + sec * 1000LL : 0;
}

/* The deadline on CLOCK_MONOTONIC in milliseconds, or 0: for tls.c. */
long long
io_deadline(void)
{
	return deadline_at;
}

/* The descriptors may be shared with the launcher: leave them as found. */
void
io_restore(void)
{
	int fd;

	for (fd = 0; fd <= 1; fd++)
		if (saved_flags[fd] != -1)
			(void)fcntl(fd, F_SETFL, saved_flags[fd]);
}

void
io_signal_received(void)
{
	signal_flag = 1;
}

int
io_signal_pending(void)
{
	return signal_flag != 0;
}

/*
 * Privilege separation hands the input read ahead (pipelined commands
 * after PASS) from the pre-login process to the session.
 */
size_t
io_take_input(char *buf, size_t size)
{
	size_t n = in_end - in_start;

	if (n > size)
		n = size;
	memcpy(buf, in_buf + in_start, n);
	in_start = in_end = 0;
	return n;
}

void
io_give_input(const char *buf, size_t len)
{
	if (len > sizeof(in_buf))
		len = sizeof(in_buf);
	memcpy(in_buf, buf, len);
	in_start = 0;
	in_end = len;
}

unsigned long long
io_bytes_written(void)
{
	return written;
}

/* Octets sent plus those still in the output buffer. */
unsigned long long
io_bytes_queued(void)
{
	return written + out_len;
}

enum io_status
io_failure(void)
{
	return failure;
}

static int
fail(enum io_status status)
{
	if (failure == IO_OK)
		failure = status;
	return -1;
}

/*
 * Waits until fd is ready for events; -1 with the failure recorded.  Input
 * is waited for until the timeout after the last whole line or reply (a
 * byte of a partial line is no command); output until the timeout after
 * the last progress.
 */
static int
wait_for(int fd, short events)
{
	struct pollfd pfd;
	long long deadline;
	enum io_status expiry = IO_TIMEOUT;
	int left, n;

	deadline = (events == POLLIN ? idle_since : now_msec()) + timeout_msec;
	if (deadline_at != 0 && deadline_at <= deadline) {
		deadline = deadline_at;
		expiry = IO_DEADLINE;
	}
	for (;;) {
		if (signal_flag)
			return fail(IO_SIGNAL);
		left = (int)(deadline - now_msec());
		if (left <= 0)
			return fail(expiry);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(IO_ERROR);
		if (n == 0)
			return fail(expiry);
		return 0;
	}
}

int
io_flush(void)
{
	size_t done = 0;
	ssize_t n;

	/* Replies already made still go out after EOF on input. */
	while (done < out_len) {
		if (write_failed)
			return -1;
		n = transport->write(out_buf + done, out_len - done);
		if (n > 0) {
			done += (size_t)n;
			written += (unsigned long long)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			/* Progress resets the stall timer: wait afresh. */
			if (wait_for(1, POLLOUT) == -1) {
				write_failed = 1;
				return -1;
			}
			continue;
		}
		write_failed = 1;
		return fail(IO_ERROR);
	}
	if (out_len > 0)
		idle_since = now_msec();
	out_len = 0;
	return 0;
}

int
io_write(const void *data, size_t len)
{
	const char *p = data;
	size_t room;

	while (len > 0) {
		if (out_len == sizeof(out_buf) && io_flush() == -1)
			return -1;
		room = sizeof(out_buf) - out_len;
		if (room > len)
			room = len;
		memcpy(out_buf + out_len, p, room);
		out_len += room;
		p += room;
		len -= room;
	}
	return write_failed ? -1 : 0;
}

/*
 * The free part of the output buffer, flushed first if it is full, for the
 * download loop to copy lines into directly (pop3d.c, struct out_cursor);
 * NULL once a write has failed.  io_commit(n) adds the n octets put there.
 */
char *
io_space(size_t *room_r)
{
	if (write_failed || (out_len == sizeof(out_buf) && io_flush() == -1))
		return NULL;
	*room_r = sizeof(out_buf) - out_len;
	return out_buf + out_len;
}

void
io_commit(size_t n)
{
	out_len += n;
}

/* A status line: formatted, cut to REPLY_LINE_MAX with its CRLF. */
int
io_reply(const char *fmt, ...)
{
	char line[REPLY_LINE_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	/* ap is started above: clang-analyzer 14 misreads this. */
	n = vsnprintf(line, REPLY_LINE_MAX - 1, fmt, ap); // NOLINT
	va_end(ap);
	if (n < 0)
		return fail(IO_ERROR);
	if ((size_t)n > REPLY_LINE_MAX - 2)
		n = REPLY_LINE_MAX - 2;
	line[n++] = '\r';
	line[n++] = '\n';
	return io_write(line, (size_t)n);
}

/* Is a whole command line already buffered (sent ahead, pipelined)? */
int
io_line_waiting(void)
{
	return memchr(in_buf + in_start, '\n', in_end - in_start) != NULL;
}

/* Reads more input into in_buf; 0 on data, -1 with the failure set. */
static int
fill(void)
{
	ssize_t n;

	if (in_start > 0) {
		memmove(in_buf, in_buf + in_start, in_end - in_start);
		in_end -= in_start;
		/* The old copy of what moved: it may hold a password. */
		explicit_bzero(in_buf + in_end, in_start);
		in_start = 0;
	}
	for (;;) {
		if (signal_flag)
			return fail(IO_SIGNAL);
		n = transport->read(in_buf + in_end, sizeof(in_buf) - in_end);
		if (n > 0) {
			in_end += (size_t)n;
			return 0;
		}
		if (n == 0)
			return fail(IO_EOF);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return fail(IO_ERROR);
		/* About to block: the client must have every reply first. */
		if (io_flush() == -1)
			return -1;
		if (wait_for(0, POLLIN) == -1)
			return -1;
	}
}

/*
 * Returns the next line without its LF (and without a CR right before the
 * LF: RFC 1939 wants CRLF, but every server accepts a bare LF).  A CR
 * anywhere else stays in the line, where the parser rejects it.
 */
enum io_status
io_read_line(char *line, size_t size, size_t *len_r)
{
	char *lf;
	size_t len;

	for (;;) {
		if (signal_flag)
			fail(IO_SIGNAL);
		if (failure != IO_OK)
			return failure;
		lf = memchr(in_buf + in_start, '\n', in_end - in_start);
		if (lf == NULL) {
			if (in_end - in_start >= CMD_LINE_MAX) {
				/* Too long already: drop it, remember. */
				in_discarding = 1;
				explicit_bzero(in_buf, in_end);
				in_start = in_end = 0;
			}
			if (fill() == -1)
				return failure;
			continue;
		}
		len = (size_t)(lf - (in_buf + in_start));
		idle_since = now_msec();
		if (in_discarding || len + 1 > CMD_LINE_MAX || len >= size) {
			in_discarding = 0;
			explicit_bzero(in_buf + in_start, len + 1);
			in_start += len + 1;
			return IO_TOO_LONG;
		}
		memcpy(line, in_buf + in_start, len);
		/* No line is kept once read: it may be a password. */
		explicit_bzero(in_buf + in_start, len + 1);
		in_start += len + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		*len_r = len;
		return IO_OK;
	}
}
