/*
 * runner: run one inetd-style session for the pop3d benchmark and measure it.
 *
 * The child gets a pipe on stdin and a pipe on stdout (inetd would give a
 * socket; a pipe behaves the same for a POP3 server and every peer accepts
 * it).  The whole client script is written in one go (pipelined) while the
 * output is read to the end, into a file (for verification) or discarded.
 * Stdin stays open until the server has closed its output, as a real client
 * keeps its connection open until the server hangs up after QUIT.
 *
 * Measured: wall time from fork to (output EOF and child reaped); user+sys
 * CPU and peak RSS from getrusage(RUSAGE_CHILDREN), which covers the child
 * and every descendant it reaped; ru_maxrss there is the largest single
 * process, not a sum.  This process is started afresh for every run, so the
 * figures belong to that run alone.
 *
 * Usage: runner [-i SCRIPT] [-o OUT | -O] [-t SECONDS] [-u UID:GID] [-E]
 *               [-C DIR] -- [VAR=VALUE...] PROGRAM [ARG...]
 *   -i  file written to the child's stdin (default: nothing; stdin = /dev/null)
 *   -o  file receiving the child's stdout (default: read and discarded)
 *   -O  child's stdout is /dev/null itself (no pipe; for `cat FILE >/dev/null`)
 *   -t  kill the child's process group after SECONDS (default 600)
 *   -u  run the child with this uid and gid (root only; groups cleared)
 *   -E  start the child with an empty environment (then VAR=VALUE pairs)
 *   -C  change to DIR in the child
 * Prints one line: wall_ms= user_ms= sys_ms= maxrss_kb= out_bytes= status=
 * status is "exit:N", "signal:N" or "timeout".  Exits 0 if it measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK (1 << 20)
#define PIPE_SIZE (1 << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static volatile sig_atomic_t timed_out;
static pid_t child_pid;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	kill(-child_pid, SIGKILL);
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size + 1);
	if (!buf)
		die("malloc");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n <= 0)
			die(path);
		got += n;
	}
	close(fd);
	*len = got;
	return buf;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write output");
		}
		p += w;
		n -= w;
	}
}

int main(int argc, char **argv)
{
	const char *script_path = NULL, *out_path = NULL, *dir = NULL;
	int devnull_out = 0, clear_env = 0, timeout_sec = 600, opt;
	long uid = -1, gid = -1;
	char *script = NULL, *buf;
	size_t script_len = 0, script_off = 0;
	unsigned long long out_bytes = 0;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, out_fd = -1;
	int status = 0;
	pid_t pid;
	double t0, t1;
	struct rusage ru;

	while ((opt = getopt(argc, argv, "+i:o:Ot:u:EC:")) != -1) {
		switch (opt) {
		case 'i': script_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'O': devnull_out = 1; break;
		case 't': timeout_sec = atoi(optarg); break;
		case 'u':
			if (sscanf(optarg, "%ld:%ld", &uid, &gid) != 2)
				return 2;
			break;
		case 'E': clear_env = 1; break;
		case 'C': dir = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: runner [options] -- [VAR=VALUE...] PROGRAM [ARG...]\n");
		return 2;
	}
	if (script_path)
		script = slurp(script_path, &script_len);
	if (out_path && (out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(out_path);
	buf = malloc(READ_CHUNK);
	if (!buf)
		die("malloc");
	signal(SIGPIPE, SIG_IGN);
	if ((script && pipe2(in_pipe, O_CLOEXEC) < 0) ||
	    (!devnull_out && pipe2(out_pipe, O_CLOEXEC) < 0))
		die("pipe");

	/* A socket buffer's worth of room, so the pipe is not the bottleneck. */
	if (!devnull_out)
		fcntl(out_pipe[0], F_SETPIPE_SZ, PIPE_SIZE);
	if (script)
		fcntl(in_pipe[0], F_SETPIPE_SZ, PIPE_SIZE);

	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int i = optind, fd;

		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (script) {
			dup2(in_pipe[0], 0);
		} else if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (devnull_out) {
			if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
				dup2(fd, 1);
				close(fd);
			}
		} else {
			dup2(out_pipe[1], 1);
		}
		if (dir && chdir(dir) < 0)
			die(dir);
		if (gid >= 0 && (setgroups(0, NULL) < 0 || setgid(gid) < 0))
			die("setgid");
		if (uid >= 0 && setuid(uid) < 0)
			die("setuid");
		if (clear_env)
			clearenv();
		for (; i < argc && strchr(argv[i], '=') && argv[i][0] != '/'; i++)
			putenv(argv[i]);
		if (i >= argc) {
			fprintf(stderr, "runner: no program\n");
			_exit(127);
		}
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	if (script)
		close(in_pipe[0]);
	if (!devnull_out)
		close(out_pipe[1]);
	if (script)
		fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	child_pid = pid;
	signal(SIGALRM, on_alarm);
	alarm(timeout_sec);

	/* Feed the script and drain the output until the output is closed. */
	while (!devnull_out && out_pipe[0] >= 0) {
		struct pollfd pf[2];
		int n = 0, w_idx = -1, r;

		if (timed_out)
			break;
		pf[n].fd = out_pipe[0];
		pf[n].events = POLLIN;
		n++;
		if (script && in_pipe[1] >= 0 && script_off < script_len) {
			pf[n].fd = in_pipe[1];
			pf[n].events = POLLOUT;
			w_idx = n++;
		}
		r = poll(pf, n, -1);
		if (r < 0 && errno != EINTR)
			die("poll");
		if (r <= 0)
			continue;
		if (w_idx >= 0 && (pf[w_idx].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in_pipe[1], script + script_off, script_len - script_off);
			if (w > 0)
				script_off += w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				script_off = script_len;	/* EPIPE: server gone */
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = read(out_pipe[0], buf, READ_CHUNK);
			if (got > 0) {
				out_bytes += got;
				if (out_fd >= 0)
					write_all(out_fd, buf, got);
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(out_pipe[0]);
				out_pipe[0] = -1;
			}
		}
	}
	/* Reap the child (output may be closed before it exits). */
	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			die("waitpid");
	t1 = now_ms();
	alarm(0);
	if (script && in_pipe[1] >= 0)
		close(in_pipe[1]);
	if (out_fd >= 0 && close(out_fd) < 0)
		die("close output");
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("wall_ms=%.3f user_ms=%.3f sys_ms=%.3f maxrss_kb=%ld out_bytes=%llu status=",
	       t1 - t0,
	       ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
	       ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3,
	       ru.ru_maxrss, out_bytes);
	if (timed_out)
		printf("timeout\n");
	else if (WIFEXITED(status))
		printf("exit:%d\n", WEXITSTATUS(status));
	else
		printf("signal:%d\n", WTERMSIG(status));
	return 0;
}
