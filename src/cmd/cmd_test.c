/*
 * cmd/cmd_test.c — `ingot test`: run the selected data tests (dbt test).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the test verb.
 */
#include "cmd/commands.h"
#include "transform/transform.h"

int cmd__transform_run(struct cmd_ctx *c, enum transform_verb verb);

static const struct opt opts[] = {
	{"select", 's', OPT_LIST, "SELECTOR", "nodes to include (dbt selector syntax)"},
	{"exclude", 0, OPT_LIST, "SELECTOR", "nodes to leave out"},
	{"selector", 0, OPT_STR, "NAME", "a selector from selectors.yml"},
	{"threads", 0, OPT_INT, "N", "worker threads (default: the target's)"},
	{"fail-fast", 'x', OPT_FLAG, NULL, "stop at the first failure"},
	{"state", 0, OPT_STR, "DIR", "artifacts of a previous run (state:, result:)"},
	{"defer", 0, OPT_FLAG, NULL, "refs to unselected nodes missing here resolve to --state's relations"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_TEST);
}

const struct cmd_spec cmd_test = {
	.name = "test",
	.summary = "run the selected data tests (dbt test)",
	.usage = "ingot test [-s SELECTOR ...]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
