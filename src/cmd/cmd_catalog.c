/*
 * cmd/cmd_catalog.c — `ingot catalog`: the project's data catalog in the
 * terminal: search nodes, show one (columns with declared and warehouse
 * types, tests with their last status, last result, row count) and its
 * lineage.
 *
 * A thin view over platform/catalog (the same read API the server uses);
 * tables are drawn by platform/results, JSON comes from the catalog's own
 * encoders. The warehouse is opened for introspection when it can be; when
 * it cannot (--no-warehouse, or another process holds the DuckDB file) the
 * catalog shows what the artifacts say and a warning says why.
 *
 * Exit 0; 1 when --node names nothing; 2 for usage or project errors.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/vec.h"
#include "platform/catalog.h"
#include "platform/results.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt opts[] = {
	{"search", 0, OPT_STR, "TEXT", "nodes whose name or description matches, best first"},
	{"node", 0, OPT_STR, "ID|NAME", "one node: columns, tests, last result, row count"},
	{"lineage", 0, OPT_FLAG, NULL, "with --node: its upstream and downstream nodes"},
	{"depth", 0, OPT_INT, "N", "lineage steps each way (default: all)"},
	{"type", 0, OPT_STR, "TYPES", "only these resource types (model,source,seed,...)"},
	{"no-warehouse", 0, OPT_FLAG, NULL, "do not read types and row counts from the warehouse"},
	{"output", 'o', OPT_STR, "table|json", "output format (default table)"},
	{0},
};

/* A text table drawn by the result encoder (so it looks like `ingot show`). */
struct table {
	size_t ncols;
	const char **names;
	enum wh_type *types;
	VEC(struct wh_value) cells;
};

static void tbl_init(struct table *t, size_t ncols, const char **names)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->names = names;
	t->types = xcalloc(ncols, sizeof(*t->types));
	for (size_t i = 0; i < ncols; i++)
		t->types[i] = WH_TEXT;
}

static void tbl_add(struct table *t, const char *s)
{
	struct wh_value v = s ? wh_text(s) : wh_null();
	vec_push(&t->cells, v);
}

static int tbl_print(struct table *t, FILE *out, struct err *e)
{
	struct wh_result r = {0};
	r.ncols = t->ncols;
	r.nrows = t->ncols ? t->cells.len / t->ncols : 0;
	r.names = t->names;
	r.types = t->types;
	r.cells = t->cells.items;
	int rc = re_encode(RE_TABLE, &r, NULL, re_sink_file(out), NULL, e);
	vec_free(&t->cells);
	free(t->types);
	return rc;
}

static const char *status_of(const struct cat_node *n)
{
	return n->last.present ? n->last.status : "";
}

static char *tests_text(const struct cat_node *const *tests, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s%s%s%s", i ? ", " : "",
			   tests[i]->test_name ? tests[i]->test_name : tests[i]->name,
			   tests[i]->last.present ? " (" : "", status_of(tests[i]),
			   tests[i]->last.present ? ")" : "");
	return buf_detach(&b, NULL);
}

static int print_node(const struct cat_node *n, FILE *out, struct err *e)
{
	fprintf(out, "%s (%s)\n", n->unique_id, cat_type_name(n->type));
	if (n->path)
		fprintf(out, "  path:         %s\n", n->path);
	if (*n->description)
		fprintf(out, "  description:  %s\n", n->description);
	if (n->materialized)
		fprintf(out, "  materialized: %s\n", n->materialized);
	if (n->relation_name) {
		fprintf(out, "  relation:     %s", n->relation_name);
		if (n->introspected && !n->exists)
			fprintf(out, " (not in the warehouse yet)");
		else if (n->relation_kind && n->row_count >= 0)
			fprintf(out, " (%s, %lld rows)", n->relation_kind, (long long)n->row_count);
		else if (n->relation_kind)
			fprintf(out, " (%s)", n->relation_kind);
		fputc('\n', out);
	}
	if (n->ntags) {
		fprintf(out, "  tags:        ");
		for (size_t i = 0; i < n->ntags; i++)
			fprintf(out, "%s %s", i ? "," : "", n->tags[i]);
		fputc('\n', out);
	}
	if (n->type == CAT_TEST && n->attached)
		fprintf(out, "  tests:        %s%s%s\n", n->attached->unique_id,
			n->column_name ? " column " : "", n->column_name ? n->column_name : "");
	if (n->last.present) {
		fprintf(out, "  last result:  %s", n->last.status);
		if (n->last.completed_at)
			fprintf(out, " at %s", n->last.completed_at);
		fprintf(out, " in %.2fs", n->last.execution_time);
		if (n->last.failures > 0)
			fprintf(out, ", %lld failing rows", (long long)n->last.failures);
		if (n->last.message && *n->last.message && strcmp(n->last.message, n->last.status))
			fprintf(out, ": %s", n->last.message);
		fputc('\n', out);
	} else {
		fprintf(out, "  last result:  none in target/run_results.json\n");
	}
	int rc = 0;
	if (n->ncolumns) {
		fprintf(out, "\ncolumns:\n");
		static const char *names[] = {"name", "data_type", "warehouse_type", "tests",
					      "description"};
		struct table t;
		tbl_init(&t, 5, names);
		VEC(char *) keep = VEC_INIT;
		for (size_t i = 0; i < n->ncolumns; i++) {
			const struct cat_column *c = &n->columns[i];
			char *tt = tests_text(c->tests, c->ntests);
			vec_push(&keep, tt);
			tbl_add(&t, c->name);
			tbl_add(&t, c->data_type);
			tbl_add(&t, c->wh_type);
			tbl_add(&t, tt);
			tbl_add(&t, c->description);
		}
		rc = tbl_print(&t, out, e);
		for (size_t i = 0; i < keep.len; i++)
			free(keep.items[i]);
		vec_free(&keep);
	}
	if (!rc && n->ntests) {
		fprintf(out, "\ntests:\n");
		static const char *names[] = {"test", "column", "status", "failures", "unique_id"};
		struct table t;
		tbl_init(&t, 5, names);
		char (*fails)[24] = xcalloc(n->ntests, sizeof(*fails));
		for (size_t i = 0; i < n->ntests; i++) {
			const struct cat_node *x = n->tests[i];
			if (x->last.present && x->last.failures >= 0)
				snprintf(fails[i], sizeof(fails[i]), "%lld", (long long)x->last.failures);
			tbl_add(&t, x->test_name ? x->test_name : x->name);
			tbl_add(&t, x->column_name);
			tbl_add(&t, x->last.present ? x->last.status : NULL);
			tbl_add(&t, fails[i]);
			tbl_add(&t, x->unique_id);
		}
		rc = tbl_print(&t, out, e);
		free(fails);
	}
	for (int pass = 0; pass < 2; pass++) {
		size_t k = pass ? n->nchildren : n->nparents;
		if (!k)
			continue;
		fprintf(out, "\n%s:", pass ? "used by" : "depends on");
		for (size_t i = 0; i < k; i++)
			fprintf(out, "%s %s", i ? "," : "", (pass ? n->children : n->parents)[i]->unique_id);
		fputc('\n', out);
	}
	if (n->compiled_sql)
		fprintf(out, "\ncompiled SQL:\n%s\n", n->compiled_sql);
	else if (n->raw_sql)
		fprintf(out, "\nSQL:\n%s\n", n->raw_sql);
	return rc;
}

static int print_lineage(const struct cat_lineage *l, FILE *out, struct err *e)
{
	static const char *names[] = {"depth", "resource_type", "name", "unique_id", "parents"};
	struct table t;
	tbl_init(&t, 5, names);
	VEC(char *) keep = VEC_INIT;
	for (size_t i = 0; i < l->nnodes; i++) {
		const struct cat_node *n = l->nodes[i].node;
		struct buf ps = BUF_INIT;
		for (size_t k = 0; k < l->nedges; k++)
			if (l->edges[k].to == n)
				buf_printf(&ps, "%s%s", ps.len ? ", " : "", l->edges[k].from->label);
		char *d = xasprintf("%d", l->nodes[i].depth);
		char *p = buf_detach(&ps, NULL);
		vec_push(&keep, d);
		vec_push(&keep, p);
		tbl_add(&t, d);
		tbl_add(&t, cat_type_name(n->type));
		tbl_add(&t, n->label);
		tbl_add(&t, n->unique_id);
		tbl_add(&t, p ? p : "");
	}
	t.types[0] = WH_INT64; /* right-aligned like a number (the cells are text) */
	int rc = tbl_print(&t, out, e);
	for (size_t i = 0; i < keep.len; i++)
		free(keep.items[i]);
	vec_free(&keep);
	return rc;
}

static int print_hits(const struct cat_hit *hits, size_t n, FILE *out, struct err *e)
{
	static const char *names[] = {"resource_type", "name", "unique_id", "last_status",
				      "description"};
	struct table t;
	tbl_init(&t, 5, names);
	for (size_t i = 0; i < n; i++) {
		const struct cat_node *x = hits[i].node;
		tbl_add(&t, cat_type_name(x->type));
		tbl_add(&t, x->label);
		tbl_add(&t, x->unique_id);
		tbl_add(&t, status_of(x));
		tbl_add(&t, x->description);
	}
	return tbl_print(&t, out, e);
}

static int run(struct cmd_ctx *c)
{
	const char *search = cmd_str(c, "search", NULL);
	const char *id = cmd_str(c, "node", NULL);
	const char *fmt = cmd_str(c, "output", "table");
	bool lineage = cmd_flag(c, "lineage");
	long long depth = cmd_int(c, "depth", -1);
	unsigned types = 0;
	bool json = !strcmp(fmt, "json");
	if (!json && strcmp(fmt, "table")) {
		err_set(&c->err, ING_EINVAL, "--output must be table or json, not '%s'", fmt);
		return 2;
	}
	if (search && id) {
		err_set(&c->err, ING_EINVAL, "give --search or --node, not both");
		return 2;
	}
	if (lineage && !id) {
		err_set(&c->err, ING_EINVAL, "--lineage needs --node ID|NAME (whose lineage?)");
		return 2;
	}
	if (cat_types_parse(cmd_str(c, "type", NULL), &types, &c->err))
		return 2;
	if (depth < -1 || depth > 1000) {
		err_set(&c->err, ING_EINVAL, "--depth must be 0..1000 (leave it out for all), not %lld",
			depth);
		return 2;
	}

	struct wh_db *db = NULL;
	if (!cmd_flag(c, "no-warehouse")) {
		struct err we = ERR_INIT;
		if (wh_open(&c->project->target, &db, &we)) {
			log_warn("the catalog is shown without warehouse types and row counts: %s",
				 we.msg ? we.msg : "cannot open the warehouse");
			db = NULL;
		}
		err_clear(&we);
	}
	struct catalog *cat = NULL;
	int rc = cat_load(c->project, db, &cat, &c->err);
	if (rc) {
		wh_close(db);
		return 2;
	}

	struct buf jb = BUF_INIT;
	struct jw w;
	jw_init(&w, &jb, true);
	struct cat_hit *hits = NULL;
	struct cat_lineage lin = {0};
	const struct cat_node *n = NULL;
	int exit_code = 0;
	if (id) {
		if (cat_find(cat, id, &n, &c->err)) {
			exit_code = c->err.code == ING_ENOTFOUND ? 1 : 2;
			goto out;
		}
		if (lineage && cat_lineage(cat, n->unique_id, (int)depth, (int)depth, &lin, &c->err)) {
			exit_code = 2;
			goto out;
		}
		if (json) {
			jw_obj_begin(&w);
			jw_key(&w, "node");
			cat_node_json(n, &w);
			if (lineage) {
				jw_key(&w, "lineage");
				cat_lineage_json(&lin, &w);
			}
			jw_obj_end(&w);
		} else if (lineage) {
			rc = print_lineage(&lin, c->out, &c->err);
		} else {
			rc = print_node(n, c->out, &c->err);
		}
	} else {
		size_t nh = 0;
		cat_search(cat, search ? search : "", types, 0, &hits, &nh);
		if (json) {
			jw_obj_begin(&w);
			jw_key(&w, "project");
			jw_str(&w, cat->project_name);
			if (search) {
				jw_key(&w, "search");
				jw_str(&w, search);
			}
			jw_key(&w, "nodes");
			cat_hits_json(hits, nh, &w);
			jw_obj_end(&w);
		} else {
			rc = print_hits(hits, nh, c->out, &c->err);
		}
	}
	if (json) {
		buf_putc(&jb, '\n');
		if (fwrite(jb.data, 1, jb.len, c->out) != jb.len)
			rc = err_set(&c->err, ING_EIO, "cannot write the catalog to the output");
	}
	if (rc)
		exit_code = 2;
out:
	free(hits);
	cat_lineage_free(&lin);
	buf_free(&jb);
	cat_free(cat);
	wh_close(db);
	return exit_code;
}

const struct cmd_spec cmd_catalog = {
	.name = "catalog",
	.summary = "search the project's nodes; show one's columns, tests, results and lineage",
	.usage = "ingot catalog [--search TEXT] [--node ID|NAME [--lineage] [--depth N]] "
		 "[--type TYPES] [-o table|json]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
