/*
 * floor_copy: the physical floor of a mailbox rewrite.  Copies the bytes a
 * rewrite must move, FILE[OFFSET..END), to a new file DEST and, unless
 * --no-fsync, fsyncs it and its directory: the least a crash-safe rewrite
 * can do.  With --in-place it instead moves FILE[OFFSET..END) down to the
 * start of FILE itself and truncates (what popa3d does, not crash-safe),
 * fsyncing unless --no-fsync.
 *
 * Usage: floor_copy [--no-fsync] [--in-place] FILE OFFSET [DEST]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (1024 * 1024)

static char buf[BLOCK];

int main(int argc, char **argv)
{
	int do_fsync = 1, in_place = 0, i = 1, src, dst;
	off_t rd, wr = 0;
	ssize_t got;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--no-fsync"))
			do_fsync = 0;
		else if (!strcmp(argv[i], "--in-place"))
			in_place = 1;
		else
			break;
	}
	if (argc - i != (in_place ? 2 : 3)) {
		fprintf(stderr, "usage: floor_copy [--no-fsync] [--in-place] FILE OFFSET [DEST]\n");
		return 2;
	}
	rd = strtoll(argv[i + 1], NULL, 10);
	if ((src = open(argv[i], in_place ? O_RDWR : O_RDONLY)) < 0) {
		perror(argv[i]);
		return 1;
	}
	if (in_place)
		dst = src;
	else if ((dst = open(argv[i + 2], O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		perror(argv[i + 2]);
		return 1;
	}
	while ((got = pread(src, buf, sizeof buf, rd)) > 0) {
		ssize_t off = 0;
		while (off < got) {
			ssize_t w = pwrite(dst, buf + off, got - off, wr);
			if (w <= 0) {
				perror("write");
				return 1;
			}
			off += w;
			wr += w;
		}
		rd += got;
	}
	if (got < 0 || (in_place && ftruncate(dst, wr) < 0)) {
		perror(argv[i]);
		return 1;
	}
	if (do_fsync) {
		char *path = strdup(in_place ? argv[i] : argv[i + 2]);
		int dfd = open(dirname(path), O_RDONLY | O_DIRECTORY);

		if (fsync(dst) < 0 || dfd < 0 || fsync(dfd) < 0) {
			perror("fsync");
			return 1;
		}
		close(dfd);
	}
	return 0;
}
