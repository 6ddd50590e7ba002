/*
 * cmd/cmd_run.c — `ingot run`: build the selected models (dbt run).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the run verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_RUN);
}

const struct cmd_spec cmd_run = {
	.name = "run",
	.summary = "build the selected models (dbt run)",
	.usage = "ingot run [-s SELECTOR ...] [--full-refresh]",
	.opts = cmd__transform_opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
