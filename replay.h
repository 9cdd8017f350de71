/*
 * replay.h: finishing an update a crash interrupted, from its journal.
 */
#ifndef POP3D_REPLAY_H
#define POP3D_REPLAY_H

#include "journal.h"

int	journal_replay(int fd, int journal_fd, journal_tick tick, void *arg);

#endif
