/*
 * cmd/cmd_seed.c — `ingot seed`: load the seed CSV files (dbt seed).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the seed verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_SEED);
}

const struct cmd_spec cmd_seed = {
	.name = "seed",
	.summary = "load the seed CSV files (dbt seed)",
	.usage = "ingot seed [-s SELECTOR ...] [--full-refresh]",
	.opts = cmd__transform_opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
