/*
 * cmd/cmd_ls.c — `ingot ls`: list the project's nodes (dbt ls / list).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the ls verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"
#include "transform/transform.h"


static const struct opt opts[] = {
	{"select", 's', OPT_LIST, "SELECTOR", "nodes to include (dbt selector syntax)"},
	{"exclude", 0, OPT_LIST, "SELECTOR", "nodes to leave out"},
	{"selector", 0, OPT_STR, "NAME", "a selector from selectors.yml"},
	{"resource-type", 0, OPT_LIST, "TYPE", "model, seed, snapshot, test, source, exposure, analysis"},
	{"output", 'o', OPT_STR, "FORMAT", "name, path, json or selector (default)"},
	{"state", 0, OPT_STR, "DIR", "artifacts of a previous run (state:, result:)"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_LS);
}

const struct cmd_spec cmd_ls = {
	.name = "ls",
	.summary = "list the project's nodes (dbt ls / list)",
	.usage = "ingot ls [-s SELECTOR ...] [--resource-type TYPE ...] [--output name|path|json|selector]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};

/* dbt's other name for ls */
const struct cmd_spec cmd_ls_list = {
	.name = "list",
	.summary = "the same as ls",
	.usage = "ingot list [-s SELECTOR ...] [--resource-type TYPE ...] [--output ...]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
