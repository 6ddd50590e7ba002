/*
 * cmd/cmd_docs.c — `ingot docs generate`: write target/catalog.json from the warehouse (dbt docs generate).
 *
 * A thin spec over cmd__transform_run (cmd_build.c), which reads the
 * shared options and calls transform_invoke with the docs generate verb.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"
#include "transform/transform.h"


static const struct opt opts[] = {
	{"select", 's', OPT_LIST, "SELECTOR", "nodes to include (dbt selector syntax)"},
	{"exclude", 0, OPT_LIST, "SELECTOR", "nodes to leave out"},
	{"selector", 0, OPT_STR, "NAME", "a selector from selectors.yml"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_DOCS_GENERATE);
}

const struct cmd_spec cmd_docs_generate = {
	.name = "docs generate",
	.summary = "write target/catalog.json from the warehouse (dbt docs generate)",
	.usage = "ingot docs generate [-s SELECTOR ...]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
