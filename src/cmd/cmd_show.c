/*
 * cmd/cmd_show.c — `ingot show --inline SQL`: run a query, print its rows.
 *
 * Like `dbt show --inline`: the query is wrapped in a LIMIT (default 5;
 * --limit -1 for all rows) and printed as a table, CSV or JSON. Works with
 * or without a project: outside one, the target comes from profiles.yml if
 * one is found, else an in-memory DuckDB.
 *
 * With --select NAME (dbt show --select): the model is compiled with the
 * project's context (transform_compile_node) and its rows are shown.
 *
 * Exit 1 when the query fails (the engine's message is shown), 2 for
 * usage or connection problems.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"inline", 0, OPT_STR, "SQL", "the query to run"},
	{"select", 's', OPT_STR, "MODEL", "show the rows of this model's compiled SQL"},
	{"limit", 0, OPT_INT, "N", "rows to show (default 5; -1 = all)"},
	{"output", 'o', OPT_STR, "table|csv|json", "output format (default table)"},
	{0},
};

/* Display width of UTF-8 text (code points; good enough for tables). */
static size_t u8width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

static bool numeric(enum wh_type t)
{
	return t == WH_INT64 || t == WH_DOUBLE || t == WH_DECIMAL;
}

static void print_table(const struct wh_result *r)
{
	size_t *w = xcalloc(r->ncols, sizeof(size_t));
	struct buf cell = BUF_INIT;
	for (size_t c = 0; c < r->ncols; c++)
		w[c] = u8width(r->names[c], strlen(r->names[c]));
	for (size_t row = 0; row < r->nrows; row++)
		for (size_t c = 0; c < r->ncols; c++) {
			buf_reset(&cell);
			wh_value_text(wh_cell(r, row, c), &cell);
			size_t cw = u8width(buf_cstr(&cell), cell.len);
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t c = 0; c < r->ncols; c++)
		printf("| %s%*s ", r->names[c], (int)(w[c] - u8width(r->names[c], strlen(r->names[c]))), "");
	printf("|\n");
	for (size_t c = 0; c < r->ncols; c++) {
		printf("| ");
		for (size_t k = 0; k < w[c]; k++)
			putchar('-');
		printf(" ");
	}
	printf("|\n");
	for (size_t row = 0; row < r->nrows; row++) {
		for (size_t c = 0; c < r->ncols; c++) {
			buf_reset(&cell);
			wh_value_text(wh_cell(r, row, c), &cell);
			int pad = (int)(w[c] - u8width(buf_cstr(&cell), cell.len));
			if (numeric(r->types[c]))
				printf("| %*s%s ", pad, "", buf_cstr(&cell));
			else
				printf("| %s%*s ", buf_cstr(&cell), pad, "");
		}
		printf("|\n");
	}
	buf_free(&cell);
	free(w);
}

static void csv_field(const char *s, size_t n)
{
	if (strcspn(s, ",\"\r\n") == n) {
		fwrite(s, 1, n, stdout);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putchar('"');
		putchar(s[i]);
	}
	putchar('"');
}

static void print_csv(const struct wh_result *r)
{
	struct buf cell = BUF_INIT;
	for (size_t c = 0; c < r->ncols; c++) {
		if (c)
			putchar(',');
		csv_field(r->names[c], strlen(r->names[c]));
	}
	putchar('\n');
	for (size_t row = 0; row < r->nrows; row++) {
		for (size_t c = 0; c < r->ncols; c++) {
			if (c)
				putchar(',');
			buf_reset(&cell);
			wh_value_text(wh_cell(r, row, c), &cell);
			csv_field(buf_cstr(&cell), cell.len);
		}
		putchar('\n');
	}
	buf_free(&cell);
}

static void print_json(const struct wh_result *r)
{
	struct buf out = BUF_INIT, cell = BUF_INIT;
	struct jw w;
	jw_init(&w, &out, true);
	jw_obj_begin(&w);
	jw_key(&w, "show");
	jw_arr_begin(&w);
	for (size_t row = 0; row < r->nrows; row++) {
		jw_obj_begin(&w);
		for (size_t c = 0; c < r->ncols; c++) {
			const struct wh_value *v = wh_cell(r, row, c);
			jw_key(&w, r->names[c]);
			switch (v->type) {
			case WH_NULL: jw_null(&w); break;
			case WH_BOOL: jw_bool(&w, v->v.b); break;
			case WH_INT64: jw_int(&w, v->v.i); break;
			case WH_DOUBLE: jw_double(&w, v->v.d); break;
			case WH_DECIMAL: jw_raw(&w, v->v.s.p); break;
			default:
				buf_reset(&cell);
				wh_value_text(v, &cell);
				jw_strn(&w, buf_cstr(&cell), cell.len);
			}
		}
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	puts(buf_cstr(&out));
	buf_free(&out);
	buf_free(&cell);
}

static char *strip_sql(const char *sql)
{
	char *s = xstrdup(sql);
	size_t n = strlen(s);
	while (n && (s[n - 1] == ';' || s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' ||
		     s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

static int run(struct cmd_ctx *c)
{
	const char *sql = cmd_str(c, "inline", NULL);
	const char *model = cmd_str(c, "select", NULL);
	const char *fmt = cmd_str(c, "output", "table");
	long long limit = cmd_int(c, "limit", 5);
	if (!sql && !model) {
		err_set(&c->err, ING_EINVAL, "ingot show needs --inline \"SQL\" or --select MODEL");
		return 2;
	}
	if (sql && model) {
		err_set(&c->err, ING_EINVAL, "give --inline or --select, not both");
		return 2;
	}
	if (model && !c->project) {
		err_set(&c->err, ING_ECONFIG, "--select needs a dbt project (dbt_project.yml)");
		return 2;
	}
	if (strcmp(fmt, "table") && strcmp(fmt, "csv") && strcmp(fmt, "json")) {
		err_set(&c->err, ING_EINVAL, "--output must be table, csv or json, not '%s'", fmt);
		return 2;
	}
	struct arena *a = NULL;
	struct target tgt;
	const struct target *t;
	if (c->project) {
		t = &c->project->target;
	} else {
		char cwd[PATH_MAX];
		a = arena_new(0);
		struct project_opts po = {.profiles_dir = c->g.profiles_dir, .target = c->g.target};
		if (!getcwd(cwd, sizeof(cwd)) ||
		    target_resolve(a, cwd, "default", &po, &tgt, &c->err)) {
			arena_free(a);
			return 2;
		}
		if (!tgt.profiles_file)
			tgt.path = ":memory:";
		t = &tgt;
	}
	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct wh_result *res = NULL;
	int rc = 0;
	char *body = NULL, *q = NULL, *compiled = NULL;
	if (wh_open(t, &db, &c->err) || wh_connect(db, &conn, &c->err)) {
		rc = 2;
	} else if (model && transform_compile_node(c->project, db, model, c->g.vars, &compiled,
						   &c->err)) {
		rc = c->err.code == ING_ECONNECT ? 2 : 1;
	} else if (!(body = strip_sql(model ? compiled : sql)) ||
		   !(q = limit >= 0 ? xasprintf("select * from (\n%s\n) as ingot_show_query limit %lld",
						body, limit)
				    : xstrdup(body))) {
		rc = 2;
	} else if (wh_query(conn, q, NULL, 0, &res, &c->err)) {
		err_prefix(&c->err, "query failed");
		rc = c->err.code == ING_ECONNECT ? 2 : 1; /* the session was lost */
	} else if (!strcmp(fmt, "csv")) {
		print_csv(res);
	} else if (!strcmp(fmt, "json")) {
		print_json(res);
	} else {
		print_table(res);
	}
	wh_result_free(res);
	wh_disconnect(conn);
	wh_close(db);
	free(q);
	free(body);
	free(compiled);
	arena_free(a);
	return rc;
}

const struct cmd_spec cmd_show = {
	.name = "show",
	.summary = "run a query against the target and print the rows",
	.usage = "ingot show (--inline \"SQL\" | --select MODEL) [--limit N] [--output table|csv|json]",
	.opts = opts,
	.flags = CMD_OPT_PROJECT | CMD_HANDOFF,
	.run = run,
};
