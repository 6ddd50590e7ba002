/*
 * cmd/cmd_version.c — `ingot version`: the same as `ingot --version`.
 */
#include "cmd/commands.h"
#include "warehouse/warehouse.h"

#include <stdio.h>

static int run(struct cmd_ctx *c)
{
	(void)c;
	printf("ingot %s\nduckdb %s\nengines: %s\n", INGOT_VERSION, wh_duckdb_library_version(),
	       wh_engines_available());
	return 0;
}

const struct cmd_spec cmd_version = {
	.name = "version",
	.summary = "print ingot's version and the DuckDB library version",
	.usage = "ingot version",
	.run = run,
};
