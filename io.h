/*
 * io.h: buffered, timed I/O with the POP3 client on fds 0 and 1.
 */
#ifndef POP3D_IO_H
#define POP3D_IO_H

#include <sys/types.h>

#include <stddef.h>

enum io_status {
	IO_OK,			/* a complete line */
	IO_TOO_LONG,		/* an over-long line, already discarded */
	IO_EOF,			/* the client closed (a partial line is dropped) */
	IO_TIMEOUT,		/* no input, or no output progress, for too long */
	IO_DEADLINE,		/* past the limit io_set_deadline() set */
	IO_SIGNAL,		/* a termination signal arrived */
	IO_ERROR		/* read or write failed */
};

/*
 * Where bytes go to and come from: fds 0 and 1 by default, a TLS session
 * after tls.c's handshake.  Each returns what read(2)/write(2) would, with
 * errno EAGAIN when it must wait.
 */
struct io_transport {
	ssize_t	(*read)(void *buf, size_t len);
	ssize_t	(*write)(const void *buf, size_t len);
};

void		io_init(int timeout_sec);
void		io_set_deadline(int sec);
long long	io_deadline(void);
void		io_set_transport(const struct io_transport *transport);
void		io_discard_input(void);
void		io_restore(void);
enum io_status	io_read_line(char *line, size_t size, size_t *len_r);
int		io_write(const void *data, size_t len);
char		*io_space(size_t *room_r);
void		io_commit(size_t n);
int		io_reply(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
int		io_flush(void);
enum io_status	io_failure(void);
unsigned long long io_bytes_written(void);
unsigned long long io_bytes_queued(void);
int		io_line_waiting(void);
size_t		io_take_input(char *buf, size_t size);
void		io_give_input(const char *buf, size_t len);
void		io_signal_received(void);
int		io_signal_pending(void);

#endif
