/*
 * main.c — ingot's entry point, and the only place (with src/cmd/) that
 * exits.
 *
 * The command table and the run of one command line are in cmd/dispatch.c,
 * shared with the process that owns a DuckDB warehouse, which runs the
 * commands other processes hand to it. Here: this process's streams, its
 * own working directory and environment, and the permission to hand a
 * command that needs the warehouse to its owner.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct cmd_io io = {
		.out = stdout,
		.err = stderr,
		.err_fd = -1,
		.may_handoff = true,
	};
	int rc = cmd_main(argc, argv, &io);
	fflush(stdout);
	exit(rc);
}
