/*
 * cmd/cmd_clean.c — `ingot clean`: delete the project's clean-targets.
 *
 * As `dbt clean`: every directory listed under clean-targets in
 * dbt_project.yml (default: the target path and dbt_packages) is removed.
 * A clean target outside the project directory is refused (dbt refuses it
 * too), so a typo cannot remove someone's home directory.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/fs.h"
#include "core/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int clean_one(struct cmd_ctx *c, const char *dir, const char *t)
{
	char *path = path_join(dir, t);
	char real[PATH_MAX], rdir[PATH_MAX];
	int rc = 0;
	if (!fs_exists(path)) {
		fprintf(c->out, "  %s: not there\n", t);
	} else if (!realpath(path, real) || !realpath(dir, rdir) || !str_startswith(real, rdir) ||
		   strlen(real) <= strlen(rdir) || real[strlen(rdir)] != '/') {
		err_set(&c->err, ING_EINVAL,
			"clean target '%s' is not inside the project directory; not removing it", t);
		rc = 2;
	} else if (fs_remove_tree(real, &c->err)) {
		rc = 2;
	} else {
		fprintf(c->out, "  removed %s\n", t);
	}
	free(path);
	return rc;
}

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	fprintf(c->out, "Cleaning:\n");
	int rc = 0;
	if (p->clean_targets.n) {
		for (size_t i = 0; i < p->clean_targets.n && !rc; i++)
			rc = clean_one(c, p->dir, p->clean_targets.items[i]);
	} else {
		const char *rel = str_startswith(p->target_path, p->dir) ? p->target_path + strlen(p->dir) + 1
									  : "target";
		rc = clean_one(c, p->dir, rel);
		if (!rc)
			rc = clean_one(c, p->dir, "dbt_packages");
	}
	if (!rc)
		fprintf(c->out, "Finished cleaning all paths.\n");
	return rc;
}

const struct cmd_spec cmd_clean = {
	.name = "clean",
	.summary = "delete the clean-targets of dbt_project.yml (dbt clean)",
	.usage = "ingot clean",
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
