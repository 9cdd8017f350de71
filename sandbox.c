/*
 * sandbox.c: what a child of the monitor may still do once it has dropped
 * root (privsep.c): resource limits, no new privileges, and a seccomp
 * system-call allowlist.
 *
 * The pre-login process reads everything the client sends before login,
 * so it is the one an attacker is most likely to take over.  It gets the
 * narrowest box: it cannot create a process (RLIMIT_NPROC 0, and clone is
 * not on its list), open or receive a descriptor (RLIMIT_NOFILE 1: poll()
 * needs one slot; with TLS, one free slot for the relay's socket, the one
 * descriptor the login monitor sends it), grow a file (RLIMIT_FSIZE 0, unless its standard output
 * or error is a file, as when pop3d -d is run by hand into one: then the
 * replies and log lines must reach it, and the file is the administrator's
 * choice), gain privileges through
 * exec (PR_SET_NO_NEW_PRIVS), or make any system call but the few its
 * code makes: read and write the client, talk to the monitor, log, keep
 * time, allocate memory and exit.  Anything else kills it (SIGSYS), except
 * socket/connect/open, which a library's error path may try (syslog
 * reconnecting, a sanitizer's report file) and which fail with EACCES.
 *
 * The session is the user and needs the file system, so its box is the
 * limits that fit: no process creation, no exec gaining privileges, and
 * a seccomp list that forbids what it never does (exec, fork, ptrace,
 * network sockets, mounting, ...).
 *
 * Trusts: nothing; it only takes away.  Every failure is reported, and
 * the caller ends the process rather than run unboxed.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "params.h"
#include "sandbox.h"

static int
limit(int resource, rlim_t value)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = value;
	return setrlimit(resource, &rl);
}

/* Without the filters (params.h), only the soft value: all valgrind allows. */
static int
limit_files(rlim_t value)
{
	struct rlimit rl;

	if (SANDBOX_FILTERS)
		return limit(RLIMIT_NOFILE, value);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	rl.rlim_cur = value;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * The pre-login process's calls, each with the reason it is needed
 * (README, "System calls of the pre-login process").
 */
static const int prelogin_calls[] = {
	SCMP_SYS(read),			/* the client's commands */
	SCMP_SYS(write),		/* replies; stderr under -d */
	SCMP_SYS(writev),		/* syslog's copy on stderr (-d) */
	SCMP_SYS(poll),			/* every wait is bounded (io.c) */
	SCMP_SYS(ppoll),		/* poll() on architectures without it */
	SCMP_SYS(fcntl),		/* O_NONBLOCK on and off (io.c) */
	SCMP_SYS(fstat),		/* stdio on stderr (syslog, -d) */
	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),
	SCMP_SYS(sendmsg),		/* requests to the monitor */
	SCMP_SYS(recvmsg),		/* its answers */
	SCMP_SYS(sendto),		/* syslog */
	SCMP_SYS(getpid),		/* syslog's LOG_PID */
	SCMP_SYS(clock_gettime),	/* timers, when the vDSO cannot */
	SCMP_SYS(gettimeofday),		/* syslog's time stamp, likewise */
	SCMP_SYS(time),
	SCMP_SYS(close),		/* closelog(), the end */
	SCMP_SYS(brk),			/* malloc, in libraries */
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(madvise),
	SCMP_SYS(futex),		/* libc's internal locks */
	SCMP_SYS(rt_sigreturn),		/* the end of a signal handler */
	SCMP_SYS(rt_sigprocmask),	/* libc blocks signals around locks */
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group)
};

/* With a certificate configured, for TLS and its relay (tls.c). */
static const int prelogin_tls_calls[] = {
	SCMP_SYS(getrandom),		/* GnuTLS's key shares and nonces */
	SCMP_SYS(shutdown)		/* the relay passes the client's end on */
};

/* Calls a library may try on an error path: refused, not fatal. */
static const int refused_calls[] = {
	SCMP_SYS(socket),
	SCMP_SYS(connect),
	SCMP_SYS(open),
	SCMP_SYS(openat)
};

/* Calls the session never makes: fatal.  Everything else is allowed. */
static const int session_forbidden[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root),
	SCMP_SYS(chroot), SCMP_SYS(setns), SCMP_SYS(unshare),
	SCMP_SYS(init_module), SCMP_SYS(finit_module),
	SCMP_SYS(delete_module), SCMP_SYS(kexec_load), SCMP_SYS(bpf),
	SCMP_SYS(perf_event_open), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(userfaultfd), SCMP_SYS(io_uring_setup),
	SCMP_SYS(setuid), SCMP_SYS(setgid), SCMP_SYS(setreuid),
	SCMP_SYS(setregid), SCMP_SYS(setresuid), SCMP_SYS(setresgid),
	SCMP_SYS(setgroups), SCMP_SYS(setfsuid), SCMP_SYS(setfsgid)
};

static int
add_rules(scmp_filter_ctx ctx, uint32_t action, const int *calls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, action, calls[i], 0) < 0)
			return -1;
	return 0;
}

/* Only AF_UNIX sockets, for syslog; the network stays out of reach. */
static int
session_socket_rule(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp not_unix;

	memset(&not_unix, 0, sizeof(not_unix));
	not_unix.arg = 0;
	not_unix.op = SCMP_CMP_NE;
	not_unix.datum_a = AF_UNIX;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
	    1, not_unix) < 0 ? -1 : 0;
}

static int
load(scmp_filter_ctx ctx)
{
	int r = seccomp_load(ctx);

	seccomp_release(ctx);
	return r < 0 ? -1 : 0;
}

/*
 * The descriptor limit of the pre-login process: 1 (poll() on one), or
 * with relay, room for exactly one more descriptor, the relay's socket,
 * in the lowest free slot, where the kernel puts a received one (and the
 * relay's poll() on three needs a limit of at least 3).
 */
static rlim_t
prelogin_files(int relay)
{
	int fd;

	if (!relay)
		return 1;
	fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
	if (fd == -1 || close(fd) == -1)
		return 0;
	return (rlim_t)fd + 1 < 3 ? 3 : (rlim_t)fd + 1;
}

/*
 * relay: the process may become the TLS relay after login, which needs
 * the relay's socket, getrandom() and shutdown() on top of the rest.
 */
int
sandbox_prelogin(int relay)
{
	scmp_filter_ctx ctx;
	struct stat out, err;
	rlim_t files = prelogin_files(relay);

	if (files == 0 || fstat(1, &out) == -1 || fstat(2, &err) == -1)
		return -1;
	if (limit(RLIMIT_NPROC, 0) == -1 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0,
	    0, 0) == -1)
		return -1;
	/* Coverage builds: libgcov opens and writes its files at the exit. */
	if (!SANDBOX_COVERAGE && (limit_files(files) == -1 ||
	    (!S_ISREG(out.st_mode) && !S_ISREG(err.st_mode) &&
	    limit(RLIMIT_FSIZE, 0) == -1)))
		return -1;
	if (!SANDBOX_FILTERS)
		return 0;
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return -1;
	if (add_rules(ctx, SCMP_ACT_ALLOW, prelogin_calls,
	    sizeof(prelogin_calls) / sizeof(prelogin_calls[0])) == -1 ||
	    (relay && add_rules(ctx, SCMP_ACT_ALLOW, prelogin_tls_calls,
	    sizeof(prelogin_tls_calls) / sizeof(prelogin_tls_calls[0])) == -1) ||
	    add_rules(ctx, SANDBOX_COVERAGE ? SCMP_ACT_ALLOW :
	    SCMP_ACT_ERRNO(EACCES), refused_calls,
	    sizeof(refused_calls) / sizeof(refused_calls[0])) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	return load(ctx);
}

int
sandbox_session(void)
{
	scmp_filter_ctx ctx;

	if (limit(RLIMIT_NPROC, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	if (!SANDBOX_FILTERS)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return -1;
	if (add_rules(ctx, SCMP_ACT_KILL_PROCESS, session_forbidden,
	    sizeof(session_forbidden) / sizeof(session_forbidden[0])) == -1 ||
	    session_socket_rule(ctx) == -1) {
		seccomp_release(ctx);
		return -1;
	}
	return load(ctx);
}
