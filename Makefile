# pop3d: a small POP3 server for mbox spools.  See README.md.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/pop3d
INSTALL    ?= install
PKG_CONFIG ?= pkg-config

CFLAGS     ?= -O2 -g
# Always applied, even when CFLAGS is given on the command line.
STDFLAGS    = -std=c17 -Wall -Wextra -Wpedantic $(if $(WERROR),-Werror)
CPPFLAGS   += -D_GNU_SOURCE -DLIBBSD_NETBSD_VIS \
              $(shell $(PKG_CONFIG) --cflags libbsd-overlay libxcrypt libxxhash)
LDLIBS     += $(shell $(PKG_CONFIG) --libs libbsd-overlay libxcrypt libxxhash)

OBJS = pop3d.o io.o mailbox.o auth.o

all: pop3d

pop3d: $(OBJS)
	$(CC) $(STDFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

.c.o:
	$(CC) $(STDFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

pop3d.o: pop3d.c auth.h io.h mailbox.h params.h
io.o: io.c io.h params.h
mailbox.o: mailbox.c mailbox.h params.h
auth.o: auth.c auth.h params.h

clean:
	rm -f pop3d $(OBJS)

.PHONY: all clean
