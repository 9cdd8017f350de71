/*
 * small_window.h: forced into every file of the fuzz_mailbox_smallwin build
 * (clang -include).  params.h has an include guard, so redefining its
 * buffer sizes here makes the mailbox code cross window and chunk
 * boundaries on inputs of a few KiB, where the 1 MiB default never would.
 * The window stays above FROM_LINE_MAX + 3, which the scanner needs to see
 * a whole From_ line with its two octets of context.
 */
#include "params.h"

#undef MBOX_WINDOW_BYTES
#define MBOX_WINDOW_BYTES	1031
#undef JOURNAL_CHUNK_BYTES
#define JOURNAL_CHUNK_BYTES	509
