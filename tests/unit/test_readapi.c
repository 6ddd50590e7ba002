/*
 * tests/unit/test_readapi.c — platform/results (the result encoders) and
 * platform/catalog (the project catalog read API).
 */
#include "test.h"

#include "config/project.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/mem.h"
#include "platform/catalog.h"
#include "platform/results.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- a hand-built result: every kind of value the encoders meet ---- */

#define NC 6
#define NR 3
static const char *names[NC] = {"id", "name", "amount", "ratio", "at", "note"};
static enum wh_type types[NC] = {WH_INT64, WH_TEXT, WH_DECIMAL, WH_DOUBLE, WH_TIMESTAMP,
				 WH_TEXT};
static struct wh_value cells[NR * NC];

static struct wh_value txt(const char *s)
{
	struct wh_value v = {WH_TEXT, {.s = {s, strlen(s)}}};
	return v;
}

static struct wh_value dec(const char *s)
{
	struct wh_value v = {WH_DECIMAL, {.s = {s, strlen(s)}}};
	return v;
}

static struct wh_result sample(void)
{
	struct wh_value rows[NR][NC] = {
		{wh_int(INT64_MAX), txt("café"), dec("646.28"), wh_dbl(0.1),
		 wh_ts(1704164645000000), txt("a,\"b\"")},
		{wh_int(-7), txt("bad \xff byte"), dec("-0.50"), wh_dbl(646.28), wh_null(),
		 txt("two\nlines")},
		{wh_null(), wh_null(), wh_null(), wh_null(), wh_ts(1704164645123456), txt("")},
	};
	memcpy(cells, rows, sizeof(rows));
	struct wh_result r = {0};
	r.ncols = NC;
	r.nrows = NR;
	r.names = names;
	r.types = types;
	r.cells = cells;
	r.rows_affected = -1;
	return r;
}

static char *encode(enum re_format f, size_t cap, size_t step, struct re_stats *st)
{
	struct wh_result r = sample();
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	struct re_opts o = {.max_rows = cap};
	struct re_enc *enc = re_begin(f, names, types, NC, &o, re_sink_buf(&b));
	for (size_t i = 0; i < NR; i += step)
		CHECK_OK(re_rows(enc, &r, i, step, &e), &e);
	CHECK_OK(re_end(enc, st, &e), &e);
	err_clear(&e);
	buf_putc(&b, 0);
	return buf_detach(&b, NULL);
}

static const char csv_golden[] =
	"id,name,amount,ratio,at,note\n"
	"9223372036854775807,café,646.28,0.1,2024-01-02 03:04:05,\"a,\"\"b\"\"\"\n"
	"-7,bad \xff byte,-0.50,646.28,,\"two\nlines\"\n"
	",,,,2024-01-02 03:04:05.123456,\n";

static const char json_golden[] =
	"{\n"
	"  \"show\": [\n"
	"    {\n"
	"      \"id\": 9223372036854775807,\n"
	"      \"name\": \"café\",\n"
	"      \"amount\": 646.28,\n"
	"      \"ratio\": 0.1,\n"
	"      \"at\": \"2024-01-02T03:04:05Z\",\n"
	"      \"note\": \"a,\\\"b\\\"\"\n"
	"    },\n"
	"    {\n"
	"      \"id\": -7,\n"
	"      \"name\": \"bad \xEF\xBF\xBD byte\",\n"
	"      \"amount\": -0.50,\n"
	"      \"ratio\": 646.28,\n"
	"      \"at\": null,\n"
	"      \"note\": \"two\\nlines\"\n"
	"    },\n"
	"    {\n"
	"      \"id\": null,\n"
	"      \"name\": null,\n"
	"      \"amount\": null,\n"
	"      \"ratio\": null,\n"
	"      \"at\": \"2024-01-02T03:04:05.123456Z\",\n"
	"      \"note\": \"\"\n"
	"    }\n"
	"  ]\n"
	"}\n";

static const char table_golden[] =
	"| id                  | name       | amount | ratio  | at                         | note      |\n"
	"| ------------------- | ---------- | ------ | ------ | -------------------------- | --------- |\n"
	"| 9223372036854775807 | café       | 646.28 |    0.1 | 2024-01-02 03:04:05        | a,\"b\"     |\n"
	"|                  -7 | bad \xff byte |  -0.50 | 646.28 |                            | two\nlines |\n"
	"|                     |            |        |        | 2024-01-02 03:04:05.123456 |           |\n";

TEST(re_csv_golden)
{
	struct re_stats st;
	char *s = encode(RE_CSV, 0, NR, &st);
	CHECK_STR(s, csv_golden);
	CHECK_INT(st.rows, 3);
	CHECK(!st.truncated);
	free(s);
}

TEST(re_json_golden)
{
	char *s = encode(RE_JSON, 0, NR, NULL);
	CHECK_STR(s, json_golden);
	free(s);
}

TEST(re_table_golden)
{
	char *s = encode(RE_TABLE, 0, NR, NULL);
	CHECK_STR(s, table_golden);
	free(s);
}

TEST(re_one_row_at_a_time_equals_one_batch)
{
	for (int f = RE_TABLE; f <= RE_JSON; f++) {
		for (size_t cap = 0; cap < 3; cap++) {
			struct re_stats a, b;
			char *whole = encode((enum re_format)f, cap, NR, &a);
			char *rows = encode((enum re_format)f, cap, 1, &b);
			CHECK_STR(rows, whole);
			CHECK_INT(a.rows, b.rows);
			CHECK_INT(a.truncated, b.truncated);
			free(whole);
			free(rows);
		}
	}
}

TEST(re_cap_truncates)
{
	struct re_stats st;
	char *s = encode(RE_CSV, 1, 1, &st);
	CHECK_STR(s, "id,name,amount,ratio,at,note\n"
		     "9223372036854775807,café,646.28,0.1,2024-01-02 03:04:05,\"a,\"\"b\"\"\"\n");
	CHECK_INT(st.rows, 1);
	CHECK(st.truncated);
	free(s);

	s = encode(RE_JSON, 1, NR, &st);
	CHECK_STR(s, "{\n  \"show\": [\n    {\n      \"id\": 9223372036854775807,\n"
		     "      \"name\": \"café\",\n      \"amount\": 646.28,\n      \"ratio\": 0.1,\n"
		     "      \"at\": \"2024-01-02T03:04:05Z\",\n      \"note\": \"a,\\\"b\\\"\"\n"
		     "    }\n  ],\n  \"truncated\": true\n}\n");
	CHECK(st.truncated);
	free(s);

	s = encode(RE_TABLE, 2, 1, &st);
	CHECK(strstr(s, "(showing the first 2 rows; more were cut)\n") != NULL);
	CHECK(strstr(s, "03:04:05.123456") == NULL);
	CHECK_INT(st.rows, 2);
	free(s);

	/* the API names the rows its own way */
	struct buf b = BUF_INIT;
	struct wh_result r = sample();
	struct re_opts o = {.max_rows = 0, .json_key = "rows"};
	struct err e = ERR_INIT;
	r.nrows = 0;
	CHECK_OK(re_encode(RE_JSON, &r, &o, re_sink_buf(&b), &st, &e), &e);
	CHECK_STR(buf_cstr(&b), "{\n  \"rows\": []\n}\n");
	buf_free(&b);

	/* exactly the cap is not truncation */
	s = encode(RE_JSON, 3, NR, &st);
	CHECK_STR(s, json_golden);
	CHECK(!st.truncated);
	free(s);
}

TEST(re_values_json)
{
	struct {
		struct wh_value v;
		const char *want;
	} cases[] = {
		{wh_dbl(0.1), "0.1"},
		{wh_dbl(646.28), "646.28"},
		{wh_dbl(1e300 * 1e300), "null"},
		{wh_dbl(100.0), "100.0"},
		{wh_int(INT64_MIN), "-9223372036854775808"},
		{dec("12345678901234567890123456789.01"), "12345678901234567890123456789.01"},
		{dec("NaN"), "\"NaN\""},
		{dec("Infinity"), "\"Infinity\""},
		{wh_bool(false), "false"},
		{{WH_DATE, {.date = 19724}}, "\"2024-01-02\""},
		{{WH_DATETIME, {.ts = 1704164645000000}}, "\"2024-01-02T03:04:05\""},
		{txt("\xe2\x82\xac \xc0\xaf"), "\"\xe2\x82\xac \xEF\xBF\xBD\xEF\xBF\xBD\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		re_value_json(&cases[i].v, &b);
		CHECK_STR(buf_cstr(&b), cases[i].want);
		buf_free(&b);
	}
}

static int failing_sink(void *ctx, const char *p, size_t n, struct err *e)
{
	(*(int *)ctx)++;
	return err_set(e, ING_EIO, "disk full");
}

TEST(re_sink_error_stops)
{
	struct wh_result r = sample();
	int calls = 0;
	struct re_sink s = {failing_sink, &calls};
	struct err e = ERR_INIT;
	struct re_enc *enc = re_begin(RE_CSV, names, types, NC, NULL, s);
	CHECK_INT(re_rows(enc, &r, 0, 1, &e), ING_EIO);
	CHECK_INT(re_rows(enc, &r, 1, 1, &e), ING_EIO);
	CHECK_INT(re_end(enc, NULL, &e), ING_EIO);
	CHECK_INT(calls, 1);
	CHECK_STR(e.msg, "disk full");
	err_clear(&e);

	enum re_format f;
	CHECK_INT(re_format_parse("xml", &f, &e), ING_EINVAL);
	CHECK(strstr(e.msg, "table, csv or json") != NULL);
	err_clear(&e);
}

/* ---- the catalog over the tinyshop fixture ---- */

static void write_text(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);
	struct err e = ERR_INIT;
	CHECK_OK(fs_write_atomic(path, text, strlen(text), &e), &e);
	err_clear(&e);
	free(path);
}

TEST(cat_nodes_search_find)
{
	struct project *p = test_load_shop(NULL);
	REQUIRE(p);
	struct catalog *cat = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(cat_load(p, NULL, &cat, &e), &e); /* no manifest yet: parses */
	REQUIRE(cat);
	CHECK_STR(cat->project_name, "tinyshop");
	const struct cat_node *co = cat_node(cat, "model.tinyshop.customer_orders");
	REQUIRE(co);
	CHECK(co->type == CAT_MODEL);
	CHECK_STR(co->description, "One row per customer.");
	CHECK_STR(co->path, "models/marts/customer_orders.sql");
	CHECK_STR(co->materialized, "table");
	CHECK(co->raw_sql && strstr(co->raw_sql, "ref('stg_payments')"));
	CHECK(co->compiled_sql && strstr(co->compiled_sql, "__dbt__cte__stg_payments"));
	CHECK_INT(co->ncolumns, 2);
	CHECK_STR(co->columns[0].name, "customer_id");
	CHECK_INT(co->columns[0].ntests, 2);
	CHECK_INT(co->ntests, 3);
	CHECK(co->columns[0].wh_type == NULL); /* no warehouse, no catalog.json */
	CHECK_INT(co->row_count, -1);
	CHECK(!co->last.present);
	const struct cat_node *ex = cat_node(cat, "exposure.tinyshop.weekly_report");
	REQUIRE(ex);
	CHECK(ex->type == CAT_EXPOSURE);
	CHECK_INT(ex->nparents, 1);
	CHECK(ex->parents[0] == co);

	struct cat_hit *hits = NULL;
	size_t n = 0;
	cat_search(cat, "ORDER", 0, 0, &hits, &n);
	REQUIRE(n >= 4);
	CHECK_STR(hits[0].node->unique_id, "model.tinyshop.order_facts"); /* prefix */
	CHECK_INT(hits[0].rank, 1);
	CHECK_STR(hits[1].node->unique_id, "model.tinyshop.customer_orders"); /* substring */
	CHECK_INT(hits[1].rank, 2);
	free(hits);
	cat_search(cat, "stg_orders", CAT_MODEL | CAT_SEED, 1, &hits, &n);
	CHECK_INT(n, 1);
	CHECK_STR(hits[0].node->unique_id, "model.tinyshop.stg_orders");
	CHECK_INT(hits[0].rank, 0);
	free(hits);
	cat_search(cat, "customer report", 0, 0, &hits, &n);
	REQUIRE(n == 1);
	CHECK(hits[0].node == ex);
	CHECK_INT(hits[0].rank, 3);
	free(hits);

	const struct cat_node *f = NULL;
	CHECK_OK(cat_find(cat, "stg_orders", &f, &e), &e);
	CHECK(f && f->type == CAT_MODEL);
	CHECK_INT(cat_find(cat, "nosuch", &f, &e), ING_ENOTFOUND);
	CHECK(e.msg && strstr(e.msg, "no node named 'nosuch'"));
	err_clear(&e);

	/* last results from run_results.json; test status on its column */
	const struct cat_node *t = co->columns[0].tests[0];
	char *rr = xasprintf(
		"{\"metadata\": {\"generated_at\": \"2024-01-02T03:04:05Z\"}, \"results\": ["
		"{\"unique_id\": \"%s\", \"status\": \"fail\", \"failures\": 2, \"message\": "
		"\"Got 2 results\", \"execution_time\": 0.5, \"timing\": [{\"name\": \"execute\", "
		"\"completed_at\": \"2024-01-02T03:04:05.000000Z\"}]},"
		"{\"unique_id\": \"model.tinyshop.customer_orders\", \"status\": \"success\", "
		"\"failures\": null, \"execution_time\": 1.25, \"timing\": []}]}",
		t->unique_id);
	write_text(p->target_path, "run_results.json", rr);
	free(rr);
	cat_free(cat);
	CHECK_OK(cat_load(p, NULL, &cat, &e), &e);
	REQUIRE(cat);
	co = cat_node(cat, "model.tinyshop.customer_orders");
	REQUIRE(co);
	CHECK(co->last.present);
	CHECK_STR(co->last.status, "success");
	CHECK_INT(co->last.failures, -1);
	CHECK(co->last.execution_time == 1.25);
	t = co->columns[0].tests[0];
	CHECK(t->last.present);
	CHECK_STR(t->last.status, "fail");
	CHECK_INT(t->last.failures, 2);
	CHECK_STR(t->last.completed_at, "2024-01-02T03:04:05.000000Z");
	CHECK(t->attached == co);

	/* a project edit is seen without an explicit compile */
	char *mdir = path_join(p->dir, "models");
	write_text(mdir, "fresh_model.sql", "select 1 as x from {{ ref('customer_orders') }}\n");
	free(mdir);
	cat_free(cat);
	CHECK_OK(cat_load(p, NULL, &cat, &e), &e);
	REQUIRE(cat);
	CHECK(cat_node(cat, "model.tinyshop.fresh_model") != NULL);
	cat_free(cat);
	project_free(p);
}

TEST(cat_lineage_depths)
{
	struct project *p = test_load_shop(NULL);
	REQUIRE(p);
	struct catalog *cat = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(cat_load(p, NULL, &cat, &e), &e);
	REQUIRE(cat);
	struct cat_lineage l;
	CHECK_OK(cat_lineage(cat, "model.tinyshop.customer_orders", 1, 1, &l, &e), &e);
	/* 3 staging models above, the exposure below; tests left out */
	CHECK_INT(l.nnodes, 5);
	CHECK_INT(l.nedges, 4);
	CHECK_INT(l.nodes[0].depth, -1);
	CHECK_STR(l.nodes[0].node->unique_id, "model.tinyshop.stg_customers");
	CHECK_INT(l.nodes[3].depth, 0);
	CHECK_STR(l.nodes[4].node->unique_id, "exposure.tinyshop.weekly_report");
	CHECK_INT(l.nodes[4].depth, 1);
	cat_lineage_free(&l);
	CHECK_OK(cat_lineage(cat, "model.tinyshop.customer_orders", -1, 0, &l, &e), &e);
	CHECK_INT(l.nnodes, 7); /* + the 3 seeds at depth -2 */
	CHECK_INT(l.nodes[0].depth, -2);
	CHECK_STR(l.nodes[0].node->unique_id, "seed.tinyshop.shop_customers");
	CHECK_INT(l.nedges, 6);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	cat_lineage_json(&l, &w);
	CHECK(strstr(buf_cstr(&b), "{\"from\":\"seed.tinyshop.shop_orders\",\"to\":\"model.tinyshop.stg_orders\"}"));
	buf_free(&b);
	cat_lineage_free(&l);
	CHECK_INT(cat_lineage(cat, "model.tinyshop.nope", 1, 1, &l, &e), ING_ENOTFOUND);
	err_clear(&e);
	cat_free(cat);
	project_free(p);
}
