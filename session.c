/*
 * session.c: what every state of a session shares: the parsing of a
 * command line, and the replies, with the count of bad commands.
 *
 * A command line is untrusted client input: every byte is checked for
 * control and 8-bit characters before it is split, and no reply ever
 * echoes it.  Runs wherever the session runs: in the unprivileged
 * pre-login process, or as the user.  It must not read the network
 * itself (io.c does), touch the mailbox, or decide what a command means.
 */
#include <string.h>

#include "io.h"
#include "params.h"
#include "session.h"

const char reply_syntax[] = "-ERR Syntax error.";
const char reply_state[] = "-ERR Command not valid in this state.";

int
reply(const char *text)
{
	return io_reply("%s", text);
}

/* A reply to a command that was wrong, counted towards the limit. */
int
reply_bad(struct session *s, const char *text)
{
	int limit = s->state == STATE_TRANSACTION ?
	    BAD_COMMANDS_AFTER_LOGIN_MAX : BAD_COMMANDS_BEFORE_LOGIN_MAX;

	if (reply(text) == -1)
		return -1;
	if (++s->bad_commands >= limit) {
		s->ending = END_BAD_COMMANDS;
		s->state = STATE_DONE;
	}
	return 0;
}

/*
 * Splits a line into keyword and arguments in place.  Returns 0, or the
 * reply for a line that cannot be a command.  Runs of spaces between
 * arguments and trailing spaces are accepted; a leading space is not.
 */
const char *
parse_command(char *line, size_t len, struct command *cmd)
{
	size_t i, k;
	char *p, *arg;
	int eight_bit = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f)
			return "-ERR Invalid characters in command.";
		if (c >= 0x80)
			eight_bit = 1;
	}
	memset(cmd, 0, sizeof(*cmd));
	for (k = 0; k < len && line[k] != ' '; k++)
		if (k >= 4 || !((line[k] >= 'A' && line[k] <= 'Z') ||
		    (line[k] >= 'a' && line[k] <= 'z')))
			return "-ERR Unknown command.";
	if (k < 3)
		return "-ERR Unknown command.";
	for (i = 0; i < k; i++)
		cmd->keyword[i] = (char)(line[i] & ~0x20);
	cmd->keyword[k] = '\0';
	cmd->rest = k < len ? line + k + 1 : line + len;
	/* PASS takes the rest of the line as it is: spaces, 8-bit, all. */
	if (strcmp(cmd->keyword, "PASS") == 0)
		return NULL;
	if (eight_bit)
		return "-ERR Invalid characters in command.";
	p = line + k;
	while ((arg = strsep(&p, " ")) != NULL) {
		if (*arg == '\0')
			continue;
		if (cmd->nargs == 2) {
			cmd->nargs = 3;
			break;
		}
		cmd->args[cmd->nargs++] = arg;
	}
	return NULL;
}
