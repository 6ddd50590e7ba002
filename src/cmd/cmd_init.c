/*
 * cmd/cmd_init.c — `ingot init [DIR]`: a new project that builds at once.
 *
 * As `dbt init` does, it lays out a dbt project (dbt_project.yml, models/
 * with an example, seeds/, macros/, snapshots/, tests/, analyses/, a
 * .gitignore), and then what ingot adds: a profiles.yml for the embedded
 * DuckDB warehouse (so no ~/.dbt is needed), a lake/ with one small CSV and
 * the source that describes it, and a pipelines/ example that loads it and
 * builds. `ingot init DIR && cd DIR && ingot build` works with nothing else.
 *
 * It never overwrites: a directory that already holds dbt_project.yml, or
 * any file init would write, is refused before anything is written. Not
 * interactive (dbt asks for the adapter): the embedded DuckDB is the
 * default, and the profile is plain YAML to edit for PostgreSQL.
 */
#include "cmd/commands.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct init_file {
	const char *path; /* relative to the project */
	const char *text; /* "%1$s" = project name; NULL = an empty directory */
};

static const struct init_file files[] = {
	{"dbt_project.yml",
	 "name: %1$s\n"
	 "version: \"1.0.0\"\n"
	 "config-version: 2\n"
	 "profile: %1$s\n"
	 "\n"
	 "model-paths: [\"models\"]\n"
	 "seed-paths: [\"seeds\"]\n"
	 "test-paths: [\"tests\"]\n"
	 "macro-paths: [\"macros\"]\n"
	 "snapshot-paths: [\"snapshots\"]\n"
	 "analysis-paths: [\"analyses\"]\n"
	 "\n"
	 "clean-targets: [\"target\", \"dbt_packages\"]\n"
	 "\n"
	 "# Configs by folder: models/example/ builds views unless a model says otherwise.\n"
	 "models:\n"
	 "  %1$s:\n"
	 "    example:\n"
	 "      +materialized: view\n"},
	{"profiles.yml",
	 "# Where models are built. The embedded DuckDB needs no server; for\n"
	 "# PostgreSQL add an output with type: postgres, host, port, user,\n"
	 "# password: \"{{ env_var('PGPASSWORD') }}\", dbname and schema.\n"
	 "%1$s:\n"
	 "  target: dev\n"
	 "  outputs:\n"
	 "    dev:\n"
	 "      type: duckdb\n"
	 "      path: warehouse.duckdb\n"
	 "      schema: main\n"
	 "      threads: 4\n"},
	{".gitignore",
	 "target/\n"
	 "dbt_packages/\n"
	 "logs/\n"
	 ".ingot/\n"
	 "warehouse.duckdb\n"
	 "warehouse.duckdb.wal\n"},
	{"models/example/my_first_model.sql",
	 "-- A model is a select statement; ingot (like dbt) builds it as a view or table.\n"
	 "{{ config(materialized='table') }}\n"
	 "\n"
	 "select 1 as id, 'first' as label\n"
	 "union all\n"
	 "select 2 as id, 'second' as label\n"},
	{"models/example/my_second_model.sql",
	 "-- ref() names another model: it is built first, and lineage follows.\n"
	 "select id, upper(label) as label\n"
	 "from {{ ref('my_first_model') }}\n"
	 "where id = 1\n"},
	{"models/example/schema.yml",
	 "version: 2\n"
	 "\n"
	 "models:\n"
	 "  - name: my_first_model\n"
	 "    description: \"A starter model\"\n"
	 "    columns:\n"
	 "      - name: id\n"
	 "        description: \"The primary key for this table\"\n"
	 "        data_tests:\n"
	 "          - unique\n"
	 "          - not_null\n"
	 "  - name: my_second_model\n"
	 "    description: \"A starter model built on the first\"\n"
	 "    columns:\n"
	 "      - name: id\n"
	 "        data_tests:\n"
	 "          - unique\n"
	 "          - not_null\n"},
	{"models/sources.yml",
	 "# Raw tables loaded from the lake by `ingot load` (CSV files under lake/).\n"
	 "version: 2\n"
	 "\n"
	 "sources:\n"
	 "  - name: raw\n"
	 "    schema: raw\n"
	 "    tables:\n"
	 "      - name: orders\n"
	 "        external:\n"
	 "          location: \"orders/*.csv\"\n"
	 "          options: {write_disposition: append}\n"
	 "        columns:\n"
	 "          - {name: order_id, data_type: INT64}\n"
	 "          - {name: ordered_at, data_type: TIMESTAMP}\n"
	 "          - {name: amount, data_type: NUMERIC}\n"},
	{"lake/orders/orders_0001.csv",
	 "order_id,ordered_at,amount\n"
	 "1,2024-01-01 09:30:00,19.90\n"
	 "2,2024-01-01 11:05:00,5.00\n"},
	{"pipelines/example.yml",
	 "# `ingot pipeline run example`: load the lake, then build and test the models.\n"
	 "# `ingot scheduler` runs it on its schedule.\n"
	 "pipeline: example\n"
	 "schedule: \"0 2 * * *\"\n"
	 "timezone: UTC\n"
	 "catchup: false\n"
	 "defaults: {retries: 1, retry_delay: 30s}\n"
	 "tasks:\n"
	 "  - {id: load_orders, load: raw.orders}\n"
	 "  - {id: build, build: {select: \"*\"}, depends_on: [load_orders]}\n"},
	{"seeds/.gitkeep", ""},
	{"macros/.gitkeep", ""},
	{"snapshots/.gitkeep", ""},
	{"tests/.gitkeep", ""},
	{"analyses/.gitkeep", ""},
};

static bool name_ok(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* A project name from a directory name: dbt's letters, digits, '_'. */
static char *name_from_dir(const char *dir)
{
	const char *b = path_basename(dir);
	struct buf n = BUF_INIT;
	if (!*b || isdigit((unsigned char)*b))
		buf_puts(&n, "project_");
	for (const char *p = b; *p; p++)
		buf_putc(&n, isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_');
	return buf_detach(&n, NULL);
}

static int write_all(struct cmd_ctx *c, const char *dir, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *path = path_join(dir, files[i].path);
		char *parent = path_dirname(path);
		struct buf text = BUF_INIT;
		/* every template names the project only through %1$s */
		const char *t = files[i].text;
		for (const char *p = t; *p; p++) {
			if (!strncmp(p, "%1$s", 4)) {
				buf_puts(&text, name);
				p += 3;
			} else {
				buf_putc(&text, *p);
			}
		}
		int rc = fs_mkdir_p(parent, &c->err);
		if (!rc)
			rc = fs_write_atomic(path, text.data ? text.data : "", text.len, &c->err);
		buf_free(&text);
		free(parent);
		free(path);
		if (rc)
			return rc;
	}
	return 0;
}

static int run(struct cmd_ctx *c)
{
	char cwd[PATH_MAX];
	if (c->pos.len > 1) {
		err_set(&c->err, ING_EINVAL, "init takes one directory (usage: ingot init [DIR])");
		return 2;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		err_set(&c->err, ING_EIO, "cannot read the current directory");
		return 2;
	}
	const char *arg = c->pos.len ? c->pos.items[0] : c->g.project_dir;
	char *dir = arg ? path_join(cwd, arg) : xstrdup(cwd);
	char *name = NULL;
	int rc = 2;
	const char *given = cmd_str(c, "name", NULL);
	name = given ? xstrdup(given) : name_from_dir(dir);
	if (!name_ok(name)) {
		err_set(&c->err, ING_EINVAL,
			"project name '%s' must be letters, digits and underscores, not starting "
			"with a digit (choose one with --name)", name);
		goto out;
	}
	if (fs_exists(dir) && !fs_is_dir(dir)) {
		err_set(&c->err, ING_EEXIST, "%s exists and is not a directory", dir);
		goto out;
	}
	/* refuse before writing anything */
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *path = path_join(dir, files[i].path);
		bool there = fs_exists(path);
		free(path);
		if (!there)
			continue;
		if (!strcmp(files[i].path, "dbt_project.yml"))
			err_set(&c->err, ING_EEXIST,
				"%s already holds a project (dbt_project.yml); ingot init never "
				"overwrites one: choose a new directory", dir);
		else
			err_set(&c->err, ING_EEXIST,
				"%s/%s already exists; ingot init never overwrites files: choose a new "
				"or empty directory", dir, files[i].path);
		goto out;
	}
	if (write_all(c, dir, name))
		goto out;
	fprintf(c->out,
		"Created the ingot project '%s' in %s\n\n"
		"  dbt_project.yml     the project (dbt's format)\n"
		"  profiles.yml        the target: an embedded DuckDB at warehouse.duckdb\n"
		"  models/example/     two models and their tests\n"
		"  models/sources.yml  raw.orders, read from lake/orders/*.csv\n"
		"  pipelines/          example.yml: load, then build, daily\n\n"
		"Next:\n"
		"  cd %s\n"
		"  ingot build                   # models and tests\n"
		"  ingot load                    # the lake into raw.*\n"
		"  ingot pipeline run example    # both, as the scheduler would\n",
		name, dir, arg ? arg : ".");
	rc = 0;
out:
	free(name);
	free(dir);
	return rc;
}

static const struct opt opts[] = {
	{"name", 0, OPT_STR, "NAME",
	 "the project's name (default: the directory's name, as letters, digits and '_')"},
	{0},
};

const struct cmd_spec cmd_init = {
	.name = "init",
	.summary = "create a new project: dbt_project.yml, models, profile, lake, pipeline",
	.usage = "ingot init [DIR] [--name NAME]",
	.opts = opts,
	.flags = CMD_POSITIONAL,
	.run = run,
};
