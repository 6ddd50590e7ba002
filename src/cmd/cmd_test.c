/*
 * cmd/cmd_test.c — `ingot test`: run the selected data tests (dbt test).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the test verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_TEST);
}

const struct cmd_spec cmd_test = {
	.name = "test",
	.summary = "run the selected data tests (dbt test)",
	.usage = "ingot test [-s SELECTOR ...]",
	.opts = cmd__transform_opts_nofr,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
