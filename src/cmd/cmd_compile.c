/*
 * cmd/cmd_compile.c — `ingot compile`: render models and tests to SQL under target/compiled (dbt compile).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the compile verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"
#include "transform/transform.h"


static const struct opt opts[] = {
	{"select", 's', OPT_LIST, "SELECTOR", "nodes to include (dbt selector syntax)"},
	{"exclude", 0, OPT_LIST, "SELECTOR", "nodes to leave out"},
	{"selector", 0, OPT_STR, "NAME", "a selector from selectors.yml"},
	{"inline", 0, OPT_STR, "SQL", "compile this SQL instead of project nodes"},
	{"threads", 0, OPT_INT, "N", "accepted for dbt compatibility"},
	{"state", 0, OPT_STR, "DIR", "artifacts of a previous run (state:, result:)"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_COMPILE);
}

const struct cmd_spec cmd_compile = {
	.name = "compile",
	.summary = "render models and tests to SQL under target/compiled (dbt compile)",
	.usage = "ingot compile [-s SELECTOR ...] [--inline SQL]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
