/*
 * util.h: small helpers that several files share.
 */
#ifndef POP3D_UTIL_H
#define POP3D_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

ssize_t		pread_full(int fd, void *buf, size_t len, off_t offset);
int		pwrite_full(int fd, const void *buf, size_t len, off_t offset);
int		read_full(int fd, void *buf, size_t len);
int		write_full(int fd, const void *buf, size_t len);
long long	now_msec(void);
size_t		format_decimal(char *out, uint64_t v);
int		parse_number(const char *s, uint64_t *value_r);

#endif
