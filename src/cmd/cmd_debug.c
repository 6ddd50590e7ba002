/*
 * cmd/cmd_debug.c — `ingot debug`: show the resolved project, profile and
 * target, and check the connection, like `dbt debug`.
 *
 * Passwords are never printed. A failed connection is a project/profile
 * problem (exit 2), with the engine's reason.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "warehouse/warehouse.h"

#include <stdio.h>

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	const struct target *t = &p->target;
	printf("ingot %s\n", INGOT_VERSION);
	printf("  project dir:     %s\n", p->dir);
	printf("  dbt_project.yml: OK (project '%s')\n", p->name);
	printf("  profiles.yml:    %s\n", t->profiles_file ? t->profiles_file
						    : "none found (default: embedded DuckDB)");
	printf("  profile:         %s\n", t->profile_name);
	printf("  target:          %s\n", t->name);
	printf("  type:            %s\n", t->type);
	if (t->path)
		printf("  path:            %s\n", t->path);
	if (t->host) {
		printf("  host:            %s\n", t->host);
		printf("  port:            %d\n", t->port);
		printf("  user:            %s\n", t->user);
		printf("  password:        %s\n", t->password ? "****" : "(none)");
		printf("  dbname:          %s\n", t->dbname);
		/* the session keys, when the profile sets them */
		if (t->sslmode)
			printf("  sslmode:         %s\n", t->sslmode);
		if (t->search_path)
			printf("  search_path:     %s\n", t->search_path);
		if (t->role)
			printf("  role:            %s\n", t->role);
		if (t->statement_timeout_ms)
			printf("  statement_timeout: %d ms\n", t->statement_timeout_ms);
		if (t->retries)
			printf("  retries:         %d\n", t->retries);
	}
	for (size_t i = 0; i < t->nsettings; i++)
		printf("  setting:         %s = %s\n", t->settings[2 * i], t->settings[2 * i + 1]);
	printf("  database:        %s\n", t->database);
	printf("  schema:          %s\n", t->schema);
	printf("  threads:         %d\n", t->threads);
	printf("  lake root:       %s\n", t->lake_root);

	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct buf ver = BUF_INIT;
	int rc = 0;
	if (wh_open(t, &db, &c->err) || wh_connect(db, &conn, &c->err) ||
	    wh_version(conn, &ver, &c->err)) {
		printf("  connection:      FAILED\n");
		if (c->err.code != ING_ECONNECT) /* that message names the server already */
			err_prefix(&c->err, "cannot connect to target '%s' (%s)", t->name, t->type);
		rc = 2;
	} else {
		printf("  engine:          %s %s\n", wh_engine_name(db), buf_cstr(&ver));
		printf("  connection:      OK\n");
		printf("All checks passed!\n");
	}
	buf_free(&ver);
	wh_disconnect(conn);
	wh_close(db);
	return rc;
}

const struct cmd_spec cmd_debug = {
	.name = "debug",
	.summary = "show the resolved project, profile and target; test the connection",
	.usage = "ingot debug [--target NAME] [--profiles-dir DIR]",
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
