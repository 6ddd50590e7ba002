/*
 * cmd/cmd_clone.c — `ingot clone --state DIR`: make the selected models,
 * seeds and snapshots exist in the target by pointing at the relations
 * another run built (its manifest.json in DIR), as `dbt clone` does on
 * adapters without zero-copy table clones (PostgreSQL, DuckDB):
 *   - a relation that already exists in the target is left alone
 *     ("No-op"), unless --full-refresh, which replaces it;
 *   - otherwise it is created as a view `select * from <state relation>`;
 *   - a node the state manifest lacks is reported and left alone.
 * The selection is dbt's (-s/--exclude/--selector); ephemeral models are
 * skipped. Exit 0, 1 when a relation could not be created, 2 for a
 * project, state or selection error.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt opts[] = {
	{"state", 0, OPT_STR, "DIR", "the artifacts (manifest.json) of the run to clone from"},
	{"select", 's', OPT_LIST, "SELECTOR", "nodes to include (dbt selector syntax)"},
	{"exclude", 0, OPT_LIST, "SELECTOR", "nodes to leave out"},
	{"selector", 0, OPT_STR, "NAME", "a selector from selectors.yml"},
	{"full-refresh", 0, OPT_FLAG, NULL, "replace relations that already exist"},
	{"threads", 0, OPT_INT, "N", "accepted for dbt compatibility"},
	{0},
};

static char *joined(struct cmd_ctx *c, const char *name)
{
	size_t n = 0;
	const char *const *l = cmd_list(c, name, &n);
	if (!n)
		return NULL;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l[i]);
	return buf_detach(&b, NULL);
}

static json_t *load_json(const char *path, struct err *e)
{
	struct buf b = BUF_INIT;
	json_t *j = NULL;
	if (!fs_read_file(path, &b, 0, e)) {
		json_error_t je;
		j = json_loadb(buf_cstr(&b), b.len, 0, &je);
		if (!j)
			err_set(e, ING_EINVAL, "%s:%d:%d: not JSON: %s", path, je.line, je.column, je.text);
	}
	buf_free(&b);
	return j;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	const char *state = cmd_str(c, "state", NULL);
	if (!state) {
		err_set(&c->err, ING_EINVAL,
			"clone needs --state DIR: the artifacts of the run whose relations to clone");
		return 2;
	}
	char *sman = path_join(state, "manifest.json");
	json_t *smj = NULL, *cur = NULL;
	char *sel = joined(c, "select"), *exc = joined(c, "exclude");
	char *listing = NULL;
	size_t listing_len = 0;
	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	int rc = 0;
	/* the state first: --state may be target/ itself, which parsing rewrites */
	if (!(smj = load_json(sman, &c->err))) {
		err_prefix(&c->err, "--state %s", state);
		rc = 2;
		goto out;
	}
	/* the selection, as `ls --output json` lists it */
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.no_version_check = c->g.no_version_check;
	o.verb = TF_VERB_LS;
	o.select = sel;
	o.exclude = exc;
	o.selector = cmd_str(c, "selector", NULL);
	o.vars = c->g.vars;
	o.ls_output = TF_LS_JSON;
	FILE *mem = open_memstream(&listing, &listing_len);
	o.out = mem;
	struct transform_report rep = {0};
	int trc = transform_invoke(p, NULL, &o, &rep, &c->err);
	fclose(mem);
	if (trc) {
		rc = 2;
		goto out;
	}
	/* this project's relations: parse writes target/manifest.json */
	struct transform_opts po = TRANSFORM_OPTS_INIT;
	po.no_version_check = c->g.no_version_check;
	po.verb = TF_VERB_PARSE;
	po.vars = c->g.vars;
	if (transform_invoke(p, NULL, &po, &rep, &c->err)) {
		rc = 2;
		goto out;
	}
	char *cman = path_join(p->target_path, "manifest.json");
	cur = load_json(cman, &c->err);
	free(cman);
	if (!cur) {
		rc = 2;
		goto out;
	}
	if (wh_open(&p->target, &db, &c->err) || wh_connect(db, &conn, &c->err)) {
		err_prefix(&c->err, "cannot open target '%s' (%s)", p->target.name, p->target.type);
		rc = 2;
		goto out;
	}
	bool full = cmd_flag(c, "full-refresh");
	json_t *snodes = json_object_get(smj, "nodes"), *cnodes = json_object_get(cur, "nodes");
	/* the nodes to clone */
	json_t *selected = json_array();
	for (char *line = listing, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		json_t *j = json_loads(line, 0, NULL);
		const char *rt = jstr(j, "resource_type");
		const char *mat = jstr(json_object_get(j, "config"), "materialized");
		if (rt && (!strcmp(rt, "model") || !strcmp(rt, "seed") || !strcmp(rt, "snapshot")) &&
		    !(mat && !strcmp(mat, "ephemeral")))
			json_array_append_new(selected, json_string(jstr(j, "unique_id")));
		json_decref(j);
	}
	size_t total = json_array_size(selected), i;
	json_t *u;
	int nok = 0, nnoop = 0, nerr = 0;
	FILE *out = c->g.quiet ? NULL : c->out;
	json_array_foreach(selected, i, u)
	{
		const char *uid = json_string_value(u);
		json_t *cn = json_object_get(cnodes, uid), *sn = json_object_get(snodes, uid);
		const char *rt = jstr(cn, "resource_type");
		const char *schema = jstr(cn, "schema"), *alias = jstr(cn, "alias");
		struct buf rel = BUF_INIT, srel = BUF_INIT, sql = BUF_INIT;
		if (schema && alias)
			wh_relation_sql(db, schema, alias, &rel);
		if (!sn || !jstr(sn, "schema") || !jstr(sn, "alias")) {
			if (out)
				fprintf(out, "%zu of %zu No relation found in state manifest for %s\n", i + 1,
					total, uid);
			nnoop++;
			goto next;
		}
		wh_relation_sql(db, jstr(sn, "schema"), jstr(sn, "alias"), &srel);
		enum wh_rel_kind k = WH_REL_NONE;
		struct err ne = ERR_INIT;
		int nrc = wh_relation_kind(conn, schema, alias, &k, &ne);
		if (!nrc && k != WH_REL_NONE && !full) {
			if (out)
				fprintf(out, "%zu of %zu OK relation %s already exists [No-op]\n", i + 1, total,
					buf_cstr(&rel));
			nnoop++;
			goto next;
		}
		if (!nrc && !strcmp(buf_cstr(&rel), buf_cstr(&srel)))
			nrc = err_set(&ne, ING_EINVAL,
				      "%s is the state's own relation: clone it into another schema", buf_cstr(&rel));
		enum wh_rel_kind sk = WH_REL_NONE;
		if (!nrc && !(nrc = wh_relation_kind(conn, jstr(sn, "schema"), jstr(sn, "alias"), &sk, &ne)) &&
		    sk == WH_REL_NONE)
			nrc = err_set(&ne, ING_ENOTFOUND,
				      "the state's relation %s does not exist: build %s in the state's target "
				      "first, or leave it out of the selection",
				      buf_cstr(&srel), uid);
		if (!nrc)
			nrc = wh_create_schema(conn, schema, &ne);
		if (!nrc && k != WH_REL_NONE) {
			buf_printf(&sql, "DROP %s IF EXISTS %s", k == WH_REL_VIEW ? "VIEW" : "TABLE",
				   buf_cstr(&rel));
			nrc = wh_exec(conn, buf_cstr(&sql), &ne);
			buf_reset(&sql);
		}
		if (!nrc) {
			buf_printf(&sql, "CREATE VIEW %s AS SELECT * FROM %s", buf_cstr(&rel), buf_cstr(&srel));
			nrc = wh_exec(conn, buf_cstr(&sql), &ne);
		}
		if (nrc) {
			nerr++;
			if (out)
				fprintf(out, "%zu of %zu ERROR cloning %s %s: %s\n", i + 1, total, rt ? rt : "node",
					buf_cstr(&rel), ne.msg ? ne.msg : "failed");
			/* PostgreSQL: a failed statement may leave the session unusable */
			wh_disconnect(conn);
			conn = NULL;
			if (wh_connect(db, &conn, &c->err)) {
				err_clear(&ne);
				buf_free(&rel);
				buf_free(&srel);
				buf_free(&sql);
				json_decref(selected);
				rc = 2;
				goto out;
			}
		} else {
			nok++;
			if (out)
				fprintf(out, "%zu of %zu OK cloned %s %s from %s [CREATE VIEW]\n", i + 1, total,
					rt ? rt : "node", buf_cstr(&rel), buf_cstr(&srel));
		}
		err_clear(&ne);
	next:
		buf_free(&rel);
		buf_free(&srel);
		buf_free(&sql);
	}
	json_decref(selected);
	if (out)
		fprintf(out, "\nDone. PASS=%d NO-OP=%d ERROR=%d TOTAL=%zu\n", nok, nnoop, nerr, total);
	if (nerr)
		rc = 1;
out:
	wh_disconnect(conn);
	wh_close(db);
	if (smj)
		json_decref(smj);
	if (cur)
		json_decref(cur);
	free(listing);
	free(sel);
	free(exc);
	free(sman);
	return rc;
}

const struct cmd_spec cmd_clone = {
	.name = "clone",
	.summary = "create the selected relations as views of another state's (dbt clone)",
	.usage = "ingot clone --state DIR [-s SELECTOR ...] [--full-refresh]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
