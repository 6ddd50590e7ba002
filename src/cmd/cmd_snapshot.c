/*
 * cmd/cmd_snapshot.c — `ingot snapshot`: run the snapshots (dbt snapshot).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the snapshot verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_SNAPSHOT);
}

const struct cmd_spec cmd_snapshot = {
	.name = "snapshot",
	.summary = "run the snapshots (dbt snapshot)",
	.usage = "ingot snapshot [-s SELECTOR ...]",
	.opts = cmd__transform_opts_nofr,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
