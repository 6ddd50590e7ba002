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
	fprintf(c->out, "ingot %s\n", INGOT_VERSION);
	fprintf(c->out, "  project dir:     %s\n", p->dir);
	fprintf(c->out, "  dbt_project.yml: OK (project '%s')\n", p->name);
	fprintf(c->out, "  profiles.yml:    %s\n", t->profiles_file ? t->profiles_file
						    : "none found (default: embedded DuckDB)");
	fprintf(c->out, "  profile:         %s\n", t->profile_name);
	fprintf(c->out, "  target:          %s\n", t->name);
	fprintf(c->out, "  type:            %s\n", t->type);
	if (t->path)
		fprintf(c->out, "  path:            %s\n", t->path);
	if (t->host) {
		fprintf(c->out, "  host:            %s\n", t->host);
		fprintf(c->out, "  port:            %d\n", t->port);
		fprintf(c->out, "  user:            %s\n", t->user);
		fprintf(c->out, "  password:        %s\n", t->password ? "****" : "(none)");
		fprintf(c->out, "  dbname:          %s\n", t->dbname);
		/* the session keys, when the profile sets them */
		if (t->sslmode)
			fprintf(c->out, "  sslmode:         %s\n", t->sslmode);
		if (t->search_path)
			fprintf(c->out, "  search_path:     %s\n", t->search_path);
		if (t->role)
			fprintf(c->out, "  role:            %s\n", t->role);
		if (t->statement_timeout_ms)
			fprintf(c->out, "  statement_timeout: %d ms\n", t->statement_timeout_ms);
		if (t->retries)
			fprintf(c->out, "  retries:         %d\n", t->retries);
	}
	for (size_t i = 0; i < t->nsettings; i++)
		fprintf(c->out, "  setting:         %s = %s\n", t->settings[2 * i], t->settings[2 * i + 1]);
	fprintf(c->out, "  database:        %s\n", t->database);
	fprintf(c->out, "  schema:          %s\n", t->schema);
	fprintf(c->out, "  threads:         %d\n", t->threads);
	fprintf(c->out, "  lake root:       %s\n", t->lake_root);

	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct buf ver = BUF_INIT;
	int rc = 0;
	if (wh_open(t, &db, &c->err) || wh_connect(db, &conn, &c->err) ||
	    wh_version(conn, &ver, &c->err)) {
		fprintf(c->out, "  connection:      FAILED\n");
		if (c->err.code != ING_ECONNECT) /* that message names the server already */
			err_prefix(&c->err, "cannot connect to target '%s' (%s)", t->name, t->type);
		rc = 2;
	} else {
		fprintf(c->out, "  engine:          %s %s\n", wh_engine_name(db), buf_cstr(&ver));
		fprintf(c->out, "  connection:      OK\n");
		fprintf(c->out, "All checks passed!\n");
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
