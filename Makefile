# pop3d: a small POP3 server for mbox spools.  See README.md.
#
# make            build pop3d and pop3d-tls
# make check      the whole test suite (what CI runs)
# make install    binary, manual page, examples (PREFIX, DESTDIR)
# make demo       serve dist/sample.mbox on 127.0.0.1:1110
# make bench      the benchmark suite (bench/RESULTS.md)
# make fuzz       the fuzzers, longer than check runs them
# make deb        the Debian package (debian/), in build-deb/

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/pop3d
INSTALL    ?= install
PKG_CONFIG ?= pkg-config

CFLAGS     ?= -O2 -g
# Always applied, added to CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS from the
# environment or the command line (a variable set on make's command line
# cannot be added to with +=, so ours have names of their own).
# DWARF 4: valgrind 3.19 cannot read clang 14's DWARF 5.
STDFLAGS    = -std=c17 -Wall -Wextra -Wpedantic -gdwarf-4 $(if $(WERROR),-Werror)
# Two programs from the same sources: pop3d has no TLS (tls_none.c) and
# links no TLS library, pop3d-tls has TLS (tls.c, tls_signer.c) and links
# GnuTLS.  Loading GnuTLS and its libraries costs every connection, so
# plaintext ones do not pay for it (README.md, "Cost to plaintext
# connections").  The test builds (pop3d-asan, -fault, -valgrind, -limits,
# make coverage) are one program each, with TLS.
LIBS        = libbsd-overlay libxcrypt libxxhash libseccomp
TLS_LIBS    = gnutls
OURCPPFLAGS = -D_GNU_SOURCE -DLIBBSD_NETBSD_VIS \
              $(shell $(PKG_CONFIG) --cflags $(LIBS) $(TLS_LIBS))
OURLDLIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS)) -lresolv
TLS_LDLIBS  = $(shell $(PKG_CONFIG) --libs $(LIBS) $(TLS_LIBS)) -lresolv

# SRCS: pop3d's; TLS_SRCS: pop3d-tls's; ALL_SRCS: both (lint, coverage).
SRCS = pop3d.c options.c session.c login.c transaction.c send.c io.c \
       mailbox.c lock.c scan.c match.c uidl.c index.c update.c journal.c \
       replay.c auth.c privsep.c privsep_msg.c privsep_child.c \
       monitor_login.c monitor_serve.c proxy.c sandbox.c util.c tls_none.c
TLS_SRCS = $(filter-out tls_none.c,$(SRCS)) tls.c tls_signer.c
ALL_SRCS = $(SRCS) tls.c tls_signer.c
OBJS     = $(SRCS:.c=.o)
TLS_OBJS = $(TLS_SRCS:.c=.o)
ALL_OBJS = $(ALL_SRCS:.c=.o)
HDRS = auth.h index.h io.h journal.h journal_int.h lock.h login.h mailbox.h \
       match.h monitor_login.h monitor_serve.h options.h params.h privsep.h \
       privsep_child.h privsep_config.h privsep_msg.h proxy.h replay.h \
       sandbox.h scan.h send.h session.h table.h tls.h transaction.h uidl.h \
       update.h util.h

# Debian packages: to build, and to run every test.
BUILD_DEPS = gcc make pkg-config libbsd-dev libcrypt-dev libxxhash-dev \
             libseccomp-dev libgnutls28-dev
DEMO_DEPS  = $(BUILD_DEPS) systemd curl openssl
CHECK_DEPS = $(BUILD_DEPS) faketime clang libclang-rt-14-dev llvm valgrind cppcheck \
             clang-tidy mandoc python3 socat systemd curl whois openssl \
             procmail liblockfile-bin fetchmail mpop getmail6 \
             libmail-pop3client-perl libnet-perl libio-socket-ssl-perl llvm-14 \
             openbsd-inetd tcpd fail2ban python3-systemd util-linux haproxy \
             mount e2fsprogs strace testssl.sh \
             $(DEB_DEPS)
SUDO       = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SAN_FLAGS  = -O1 -g -fno-omit-frame-pointer \
             -fsanitize=address,undefined -fno-sanitize-recover=all

all: pop3d pop3d-tls

pop3d: $(OBJS)
	$(CC) $(STDFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(OURLDLIBS) $(LDLIBS)

pop3d-tls: $(TLS_OBJS)
	$(CC) $(STDFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(TLS_OBJS) $(TLS_LDLIBS) \
	    $(LDLIBS)

.c.o:
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(ALL_OBJS): $(HDRS)

# The same sources under AddressSanitizer and UndefinedBehaviorSanitizer.
pop3d-asan: $(TLS_SRCS) $(HDRS)
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(SAN_FLAGS) -o $@ $(TLS_SRCS) $(TLS_LDLIBS) $(LDLIBS)

FAULT_DEFS  = -DPOP3D_FAULT_INJECTION -DJOURNAL_CHUNK_BYTES=65536
LIMITS_DEFS = -DAUTH_FAILURE_DELAY_MSEC=0 -DMBOX_MESSAGES_MAX=100 \
              -DMBOX_BYTES_MAX=1048576

# Dies by SIGKILL at the N-th write/sync of an update (POP3D_FAULT_AFTER=N);
# with POP3D_HOSTILE=WHAT a child misbehaves as a compromised one could
# (privsep.c, hostile()).
pop3d-fault: $(TLS_SRCS) $(HDRS)
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(FAULT_DEFS) \
	    -o $@ $(TLS_SRCS) $(TLS_LDLIBS) $(LDLIBS)

# For valgrind, which cannot run under a system-call filter (params.h,
# SANDBOX_FILTERS): the same code without the filters.
pop3d-valgrind: $(TLS_SRCS) $(HDRS)
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(CFLAGS) -DSANDBOX_FILTERS=0 \
	    -o $@ $(TLS_SRCS) $(TLS_LDLIBS) $(LDLIBS)

# Test build for limits: no login delay, tiny caps (100 messages, 1 MiB).
pop3d-limits: $(TLS_SRCS) $(HDRS)
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(LIMITS_DEFS) \
	    -o $@ $(TLS_SRCS) $(TLS_LDLIBS) $(LDLIBS)

check: check-build check-tests check-safety check-explorer check-deploy \
       check-asan check-valgrind check-lint check-fuzz check-deb
	@echo "make check: all passed"

# A test's allocation failure, preloaded (tests/failmalloc.c).
tests/failmalloc.so: tests/failmalloc.c
	$(CC) $(STDFLAGS) -O2 -Werror -shared -fPIC \
	    -o $@ tests/failmalloc.c

# pop3d must not link GnuTLS (its whole point): ldd names no libgnutls.
check-build:
	$(MAKE) clean
	$(MAKE) WERROR=1 CC=clang pop3d pop3d-tls
	$(MAKE) clean
	$(MAKE) WERROR=1 pop3d pop3d-tls
	@if ldd pop3d | grep gnutls; then \
	    echo "pop3d links GnuTLS: only pop3d-tls may"; exit 1; fi

# pop3d-fault also plays the hostile child for the privsep:hostile-* tests,
# pop3d-limits (no failure delay) shows the dummy hash's cost,
# tests/failmalloc.so fails large allocations for the oom:* tests.
check-tests: pop3d pop3d-tls pop3d-fault pop3d-limits tests/failmalloc.so
	POP3D=./pop3d POP3D_TLS=./pop3d-tls POP3D_FAULT=./pop3d-fault \
	    POP3D_LIMITS=./pop3d-limits tests/run

# Crashes at every write of an update, delivery agents racing sessions,
# concurrent sessions, full disk, hostile mailboxes (SAFETY_QUICK=1 in check;
# make torture runs the long version).
check-safety: pop3d pop3d-fault
	SAFETY_QUICK=1 POP3D=./pop3d POP3D_FAULT=./pop3d-fault tests/safety/run

# The update protocol against a model (tests/explorer): the named scenario
# cases, a sample of the enumerated interleavings and 20 random schedules
# (under 90 s); make torture runs every interleaving at every fault point
# and random schedules for 25 minutes.
check-explorer: pop3d pop3d-fault
	POP3D=./pop3d POP3D_FAULT=./pop3d-fault tests/explorer/explorer.py --quick

torture: pop3d pop3d-fault
	POP3D=./pop3d POP3D_FAULT=./pop3d-fault tests/safety/run
	POP3D=./pop3d POP3D_FAULT=./pop3d-fault tests/explorer/explorer.py --long

# Real launchers and real clients; they need root and skip without it.
check-deploy: pop3d pop3d-tls
	POP3D=$(CURDIR)/pop3d POP3D_TLS=$(CURDIR)/pop3d-tls tests/launchers/run
	POP3D=$(CURDIR)/pop3d POP3D_TLS=$(CURDIR)/pop3d-tls tests/clients/run

# Reports go to files, never to the client; any file is a failure.  Leaks
# are valgrind's job: LeakSanitizer cannot work in the chrooted pre-login
# process (no /proc) and spins there.
check-asan: pop3d-asan
	rm -rf .asan && mkdir -p .asan && chmod 1777 .asan
	ASAN_OPTIONS=log_path=$(CURDIR)/.asan/report:detect_leaks=0 \
	UBSAN_OPTIONS=log_path=$(CURDIR)/.asan/report:print_stacktrace=1 \
	    POP3D=./pop3d-asan tests/run
	@if ls .asan/report* >/dev/null 2>&1; then cat .asan/report*; \
	    echo "sanitizer reports found"; exit 1; fi

check-valgrind: pop3d-valgrind
	POP3D=./pop3d-valgrind POP3D_WRAPPER="valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
	    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect" \
	    TEST_FILTER=.t: tests/run

check-lint:
	tests/include-graph
	mandoc -Tlint -W warning man/pop3d.8
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --std=c11 -D_GNU_SOURCE $(ALL_SRCS)
	clang-tidy --quiet $(ALL_SRCS) -- $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS)

# Line coverage of the suites (gcov): make coverage, then read coverage.txt
# (tests/README, "Coverage").  Each build the suites run is compiled with
# --coverage and SANDBOX_COVERAGE (params.h: the pre-login process may
# write its counts), pop3d here (so that a test's make install finds it
# up to date), pop3d-fault and pop3d-limits into .cov/fault and
# .cov/limits.  Every process writes to one directory (GCOV_DIR, named
# after this checkout) whose files are made beforehand, mode 0666, so that
# root's, nobody's and the users' processes all add to the same counts; as
# root the suites run in a mount namespace where that directory is also
# mounted inside the pre-login process's root directory.  The suites run once as
# they are and, when root, once more as nobody (no privilege separation).
# tests/coverage merges the builds' counts line by line.
COV_FLAGS   = -O0 -g --coverage -DSANDBOX_COVERAGE=1
# tests/coverage_exit.c: _exit() writes the counts too.
COV_LDFLAGS = --coverage -Wl,--wrap=_exit
COV_DIRS    = . .cov/fault .cov/limits
GCOV_DIR    = /tmp/pop3d-gcov.$(notdir $(CURDIR))
GCOV_ENV    = GCOV_PREFIX=$(GCOV_DIR) \
              GCOV_PREFIX_STRIP=$$(echo $(CURDIR) | tr -cd / | wc -c)
AS_NOBODY   = $(if $(filter 0,$(shell id -u)),setpriv --reuid=65534 \
              --regid=65534 --clear-groups)
COV_SUITES  = $(GCOV_ENV) POP3D=./pop3d POP3D_TLS=./pop3d-tls \
                  POP3D_FAULT=./pop3d-fault POP3D_LIMITS=./pop3d-limits \
                  tests/run 2>&1 | tail -1; \
              $(GCOV_ENV) $(AS_NOBODY) env POP3D=./pop3d POP3D_TLS=./pop3d-tls \
                  tests/run 2>&1 | tail -1; \
              $(GCOV_ENV) SAFETY_QUICK=1 POP3D=./pop3d POP3D_FAULT=./pop3d-fault \
                  tests/safety/run 2>&1 | tail -1; \
              $(GCOV_ENV) POP3D=./pop3d POP3D_LIMITS=./pop3d-limits \
                  tests/hostile/run 2>&1 | tail -1; \
              $(GCOV_ENV) POP3D=$(CURDIR)/pop3d POP3D_TLS=$(CURDIR)/pop3d-tls \
                  tests/launchers/run 2>&1 | tail -1; \
              $(GCOV_ENV) POP3D=$(CURDIR)/pop3d POP3D_TLS=$(CURDIR)/pop3d-tls \
                  tests/clients/run 2>&1 | tail -1; \
              true
# The pre-login process's root directory, as root: an empty tmpfs (0755,
# root's) holding only the counts' directory.
COV_MOUNTS  = mkdir -p $(PRIVSEP_CHROOT) && \
              mount -t tmpfs -o mode=0755 pop3d-coverage $(PRIVSEP_CHROOT) && \
              mkdir -p $(PRIVSEP_CHROOT)$(GCOV_DIR) && \
              mount --bind $(GCOV_DIR) $(PRIVSEP_CHROOT)$(GCOV_DIR)
# params.h, PRIVSEP_CHROOT_DIR
PRIVSEP_CHROOT = /var/lib/pop3d

.cov/fault/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(COV_FLAGS) $(FAULT_DEFS) \
	    -c -o $@ $<

.cov/limits/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(STDFLAGS) $(OURCPPFLAGS) $(CPPFLAGS) $(COV_FLAGS) $(LIMITS_DEFS) \
	    -c -o $@ $<

coverage:
	$(MAKE) clean
	mkdir -p .cov
	$(CC) $(STDFLAGS) -O0 -c -o .cov/exit.o tests/coverage_exit.c
	$(MAKE) CFLAGS="$(COV_FLAGS)" LDFLAGS="$(COV_LDFLAGS)" LDLIBS=.cov/exit.o \
	    pop3d pop3d-tls
	$(MAKE) $(foreach b,fault limits,$(addprefix .cov/$(b)/,$(TLS_OBJS)))
	$(CC) $(STDFLAGS) $(COV_LDFLAGS) -o pop3d-fault \
	    $(addprefix .cov/fault/,$(TLS_OBJS)) .cov/exit.o $(TLS_LDLIBS) $(LDLIBS)
	$(CC) $(STDFLAGS) $(COV_LDFLAGS) -o pop3d-limits \
	    $(addprefix .cov/limits/,$(TLS_OBJS)) .cov/exit.o $(TLS_LDLIBS) $(LDLIBS)
	$(MAKE) tests/failmalloc.so
	rm -rf $(GCOV_DIR)
	for d in $(COV_DIRS); do \
	    mkdir -p $(GCOV_DIR)/$$d || exit 1; \
	    objs="$(ALL_OBJS)"; [ "$$d" = . ] || objs="$(TLS_OBJS)"; \
	    for o in $$objs; do \
	        install -m 0666 /dev/null $(GCOV_DIR)/$$d/$${o%.o}.gcda || \
	            exit 1; \
	    done; \
	done
	if [ "$$(id -u)" = 0 ]; then \
	    unshare -m sh -c '$(COV_MOUNTS) && { $(COV_SUITES); }'; \
	else \
	    sh -c '$(COV_SUITES)'; \
	fi
	for d in $(COV_DIRS); do \
	    cp $(GCOV_DIR)/$$d/*.gcda $$d/ || exit 1; \
	done
	tests/coverage $(ALL_SRCS) | tee coverage.txt
	echo 'Without the test hooks (tests/coverage --no-hooks):' | tee -a coverage.txt
	tests/coverage --no-hooks $(ALL_SRCS) | tee -a coverage.txt

check-fuzz:
	$(MAKE) -C fuzz check

check-deps:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $(CHECK_DEPS)

# The demo's and the test suite's packages, so that the second command of
# the README's quick start (make check) works too.
demo-deps:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEMO_DEPS) \
	    $(CHECK_DEPS)

demo: pop3d pop3d-tls
	sh dist/demo

bench: pop3d pop3d-tls
	bench/run

fuzz:
	$(MAKE) -C fuzz run SECONDS=$(or $(SECONDS),600)

# The pre-login process's empty root directory (privsep.c).
CHROOTDIR ?= /var/lib/pop3d
CACHEDIR  ?= /var/cache/pop3d
# The TLS session-ticket key's directory (root only; pop3s@.service's
# StateDirectory=pop3d-tls, and the inetd and xinetd lines' --tls-ticket-key).
TLSSTATEDIR ?= /var/lib/pop3d-tls

install: pop3d pop3d-tls
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DOCDIR)/examples/fail2ban
	$(INSTALL) -d -m 0755 $(DESTDIR)$(CHROOTDIR)
	$(INSTALL) -d -m 0711 $(DESTDIR)$(CACHEDIR)
	$(INSTALL) -d -m 0700 $(DESTDIR)$(TLSSTATEDIR)
	$(INSTALL) -m 0755 pop3d $(DESTDIR)$(SBINDIR)/pop3d
	$(INSTALL) -m 0755 pop3d-tls $(DESTDIR)$(SBINDIR)/pop3d-tls
	$(INSTALL) -m 0644 man/pop3d.8 $(DESTDIR)$(MANDIR)/man8/pop3d.8
	ln -sf pop3d.8 $(DESTDIR)$(MANDIR)/man8/pop3d-tls.8
	$(INSTALL) -m 0644 dist/pop3d.inetd dist/pop3d.xinetd \
	    dist/pop3d.socket dist/pop3d@.service dist/pop3s.socket \
	    dist/pop3s@.service dist/pop3s.xinetd \
	    $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0644 dist/fail2ban/filter.d/pop3d.conf \
	    $(DESTDIR)$(DOCDIR)/examples/fail2ban/filter.conf
	$(INSTALL) -m 0644 dist/fail2ban/jail.d/pop3d.conf \
	    $(DESTDIR)$(DOCDIR)/examples/fail2ban/jail.conf

# The Debian package, built from a copy of the sources in build-deb/ so that
# dpkg-buildpackage writes its .deb, .buildinfo and .changes there and not
# next to the checkout.  Needs dpkg-dev, debhelper and build-essential,
# which dpkg-checkbuilddeps insists on (DEB_DEPS).
DEB_DEPS    = build-essential dpkg-dev debhelper lintian python3 adduser \
              update-inetd
DEB_SOURCES = $(ALL_SRCS) $(HDRS) Makefile README.md debian dist man tests

deb:
	rm -rf build-deb
	mkdir -p build-deb/pop3d
	cp -R $(DEB_SOURCES) build-deb/pop3d/
	cd build-deb/pop3d && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --info build-deb/pop3d_*.changes

# The package built and lintian-clean (make deb), then, as root, installed
# on this machine, used through its units and purged (tests/package/run).
check-deb: deb
	tests/package/run

clean:
	rm -f pop3d pop3d-tls pop3d-asan pop3d-fault pop3d-limits pop3d-valgrind \
	    $(ALL_OBJS) *.gcda *.gcno *.gcov tests/failmalloc.so
	rm -rf .asan .cov build-deb

.PHONY: all check check-build check-tests check-safety check-explorer \
	check-deploy check-asan check-valgrind check-lint check-fuzz check-deb \
	check-deps demo-deps demo bench fuzz torture coverage install deb clean
