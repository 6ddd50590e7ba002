/*
 * cmd/cmd_version.c — `ingot version`: the same as `ingot --version`.
 *
 * Prints the versions (ingot, the dbt version it is compatible with, the
 * DuckDB library found at run time), the engines, and the optional features
 * compiled in and left out, with how to get a missing one.
 */
#include "cmd/commands.h"
#include "warehouse/warehouse.h"

#include <stdio.h>

void cmd_print_version(FILE *out)
{
	fprintf(out, "ingot %s\ndbt-compatible %s\nduckdb %s\nengines: %s\n", INGOT_VERSION,
	       INGOT_DBT_VERSION, wh_duckdb_library_version(), wh_engines_available());
	const char *built = ingot_features_built(), *missing = ingot_features_missing();
	fprintf(out, "features: %s\n", *built ? built : "(none)");
	if (!*missing)
		return;
	fprintf(out, "built without: %s\n", missing);
	size_t n;
	const struct ingot_feature *f = ingot_features(&n);
	for (size_t i = 0; i < n; i++)
		if (!f[i].built)
			fprintf(out, "  %s: no %s (built with %s=0; install %s and rebuild with make)\n",
			       f[i].name, f[i].what, f[i].with, f[i].debian);
}

static int run(struct cmd_ctx *c)
{
	cmd_print_version(c->out);
	return 0;
}

const struct cmd_spec cmd_version = {
	.name = "version",
	.summary = "print the versions and the features compiled in",
	.usage = "ingot version",
	.run = run,
};
