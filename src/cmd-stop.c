/*
 * cmd-stop.c: SIGINT and SIGTERM for the long commands (ingest, copy):
 * the first is noted, and the command stops where it may. See cmd.h.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "cmd.h"

volatile sig_atomic_t	cmd_stop_signal;

static void
on_stop(int sig)
{
	if (cmd_stop_signal == 0)
		cmd_stop_signal = sig;
}

void
cmd_catch_stop(struct sigaction old[2])
{
	struct sigaction	sa;

	cmd_stop_signal = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
}

void
cmd_release_stop(const struct sigaction old[2])
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
}
