/*
 * tests/unit/test_dash.c — dash/: the CSV field rule, and a dash_ctx over
 * a small DuckDB project: the cache answers the second time and misses
 * after a data epoch bump or a rewritten run_results.json; a changed file
 * is reloaded; a bad file's errors are in the JSON while good tiles answer;
 * request names and values are checked.
 */
#include "test.h"

#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"
#include "core/relver.h"
#include "dash/dash.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t fake_now = 1000000000;
static int64_t fake_clock(void)
{
	return fake_now;
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);
	char *d = path_dirname(path);
	struct err e = ERR_INIT;
	CHECK_OK(fs_mkdir_p(d, &e), &e);
	CHECK_OK(fs_write_atomic(path, text, strlen(text), &e), &e);
	err_clear(&e);
	free(d);
	free(path);
}

TEST(dash_csv_field_neutralizes_formulas)
{
	struct buf b = BUF_INIT;
	const char *in[] = {"plain", "=1+2", "+x", "-y", "@z", "\tt", "a,b", "say \"hi\"", "", "a=b"};
	const char *want[] = {"plain", "\"'=1+2\"", "\"'+x\"", "\"'-y\"", "\"'@z\"", "\"'\tt\"",
			      "\"a,b\"", "\"say \"\"hi\"\"\"", "", "a=b"};
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		buf_reset(&b);
		dash_csv_field(&b, in[i], strlen(in[i]));
		CHECK_STR(buf_cstr(&b), want[i]);
	}
	buf_free(&b);
}

static const char *views_yml =
	"views:\n"
	"  - name: sales\n"
	"    model: fct\n"
	"    time: day\n"
	"    dimensions: [category]\n"
	"    measures:\n"
	"      - {name: revenue, expr: sum(amount), format: currency}\n"
	"      - {name: orders, expr: count(distinct order_id)}\n"
	"dashboards:\n"
	"  - name: d\n"
	"    pages:\n"
	"      - name: p\n"
	"        filters: [date, category]\n"
	"        tiles:\n"
	"          - {name: rev, type: kpi, view: sales, measure: revenue}\n"
	"          - {name: t, type: table, view: sales, dimensions: [category], measures: [revenue], sort: -revenue}\n";

static struct platform *setup_with(const char *dir, const char *yml)
{
	put(dir, "dbt_project.yml", "name: dsh\nprofile: dsh\nconfig-version: 2\n");
	char *prof = xasprintf("dsh:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
			       "      path: \"%s/w.duckdb\"\n      threads: 1\n", dir);
	put(dir, "profiles.yml", prof);
	free(prof);
	put(dir, "models/fct.sql", "select 1 as x\n");
	put(dir, "models/bridge.sql", "select 1 as x\n");
	put(dir, "dashboards/d.yml", yml);
	struct platform_opts o = {.project_dir = dir, .profiles_dir = dir, .now = fake_clock,
				  .require_project = true};
	struct platform *pl = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(platform_open(&o, &pl, &e), &e);
	err_clear(&e);
	if (!pl)
		return NULL;
	/* the model's relation, made by hand (the dashboards read it) */
	struct wh_conn *c = NULL;
	CHECK_OK(platform_conn_get(pl, &c, &e), &e);
	if (c) {
		CHECK_OK(wh_exec(c,
				 "create table main.fct as select * from (values "
				 "(date '2026-01-01', 'A', 1, 10.0), (date '2026-01-02', 'A', 2, 5.0), "
				 "(date '2026-01-02', 'B', 2, 7.0)) as v(day, category, order_id, amount)",
				 &e),
			 &e);
		/* a related model: order 1 has two tags, order 2 one */
		CHECK_OK(wh_exec(c,
				 "create table main.bridge as select * from (values "
				 "(1, 'x'), (1, 'y'), (2, 'x')) as v(order_id, tag)",
				 &e),
			 &e);
		platform_conn_put(pl, c);
	}
	err_clear(&e);
	return pl;
}

static struct platform *setup(const char *dir)
{
	return setup_with(dir, views_yml);
}

static bool has(const struct buf *b, const char *s)
{
	return strstr(buf_cstr(b), s) != NULL;
}

TEST(dash_cache_hits_then_misses_after_data_change)
{
	const char *dir = test_tmpdir();
	struct platform *pl = setup(dir);
	REQUIRE(pl);
	struct dash_ctx *d = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(dash_ctx_open(pl, &d, &e), &e);
	REQUIRE(d);
	struct buf out = BUF_INIT;
	char etag1[72], etag2[72];
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[22.0]]"));
	CHECK(has(&out, "\"cached\":false"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	CHECK_STR(etag1, etag2);
	CHECK(etag1[0] == '"');
	/* the same request spelled in another order is the same entry */
	struct dash_param p1[] = {{"f.category", "A"}, {"from", "2026-01-01"}, {"to", "2026-01-31"}};
	struct dash_param p2[] = {{"to", "2026-01-31"}, {"f.category", "A"}, {"from", "2026-01-01"}};
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", p1, 3, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[15.0]]"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", p2, 3, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	CHECK_STR(etag1, etag2);
	/* a load or build in this process: the epoch moves, the cache misses */
	uint64_t ep = platform_data_epoch(pl);
	platform_data_changed();
	CHECK(platform_data_epoch(pl) > ep);
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":false"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	/* a write of another relation leaves the tile cached; of its own
	 * relation (any spelling), it misses */
	relver_bump("main", "other_model");
	relver_bump_text("\"w\".\"main_gold\".\"fct\"");
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag1, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	CHECK_STR(etag1, etag2);
	relver_bump("MAIN", "\"Fct\"");
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag1, &e), &e);
	CHECK(has(&out, "\"cached\":false"));
	CHECK(strcmp(etag1, etag2) != 0);
	/* a build by another process rewrites target/run_results.json: the
	 * relations it names move, the others stay */
	put(dir, "target/run_results.json",
	    "{\"results\": [{\"relation_name\": \"\\\"w\\\".\\\"main\\\".\\\"other\\\"\"}]}\n");
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	CHECK_STR(etag1, etag2);
	put(dir, "target/run_results.json",
	    "{\"results\": [{\"relation_name\": null}, "
	    "{\"relation_name\": \"\\\"w\\\".\\\"main\\\".\\\"fct\\\"\"}]}\n");
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag1, &e), &e);
	CHECK(has(&out, "\"cached\":false"));
	CHECK(strcmp(etag1, etag2) != 0);
	/* unreadable: everything moves */
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	put(dir, "target/run_results.json", "{\"results\": [truncated\n");
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag1, &e), &e);
	CHECK(has(&out, "\"cached\":false"));
	/* a value that spells another request's parameters is not that request */
	struct dash_param spelled[] = {{"f.category", "A\nf.category=B"}};
	struct dash_param two[] = {{"f.category", "A"}, {"f.category", "B"}};
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", spelled, 1, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[null]]"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", two, 2, &out, etag2, &e), &e);
	CHECK(has(&out, "\"rows\":[[22.0]]"));
	CHECK(has(&out, "\"cached\":false"));
	CHECK(strcmp(etag1, etag2) != 0);
	/* bad names and values: ING_EINVAL / ING_ENOTFOUND, nothing cached */
	struct dash_param bad[][1] = {{{"f.nope", "x"}}, {{"sort", "amount"}}, {{"limit", "1001"}},
				      {{"grain", "hour"}}, {{"range", "last_8_days"}}, {{"offset", "-1"}},
				      {{"from", "2026-13-01"}}, {{"select", "1"}}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		buf_reset(&out);
		err_clear(&e);
		CHECK_INT(dash_tile_json(d, "d", "t", bad[i], 1, &out, etag1, &e), ING_EINVAL);
		CHECK(e.msg != NULL);
		CHECK_INT(out.len, 0);
	}
	err_clear(&e);
	CHECK_INT(dash_tile_json(d, "d", "nope", NULL, 0, &out, etag1, &e), ING_ENOTFOUND);
	err_clear(&e);
	CHECK_INT(dash_tile_json(d, "x", "rev", NULL, 0, &out, etag1, &e), ING_ENOTFOUND);
	err_clear(&e);
	buf_free(&out);
	dash_ctx_close(d);
	platform_close(pl);
}

/* A view's related: model filters it through a semi-join on the key: a row
 * counts once however many related rows match; the value is bound; a
 * related dimension cannot group a tile; a write to the related relation
 * invalidates the view's tiles. */
TEST(dash_related_model_filters_by_semi_join)
{
	const char *dir = test_tmpdir();
	struct platform *pl = setup_with(dir,
		"views:\n"
		"  - name: sales\n"
		"    model: fct\n"
		"    time: day\n"
		"    dimensions: [category]\n"
		"    related:\n"
		"      - model: bridge\n"
		"        on: order_id\n"
		"        dimensions:\n"
		"          - tag\n"
		"          - {name: tag_upper, expr: upper(tag)}\n"
		"    measures:\n"
		"      - {name: revenue, expr: sum(amount), format: currency}\n"
		"  - name: bad\n"
		"    model: fct\n"
		"    related:\n"
		"      - {model: bridg, on: order_id, dimensions: [tag]}\n"
		"      - {model: bridge, on: order_ident, dimensions: [tagg]}\n"
		"    measures:\n"
		"      - {name: n, expr: count(*)}\n"
		"dashboards:\n"
		"  - name: d\n"
		"    pages:\n"
		"      - name: p\n"
		"        filters: [date, category, tag, tag_upper]\n"
		"        tiles:\n"
		"          - {name: rev, type: kpi, view: sales, measure: revenue}\n"
		"          - {name: by_tag, type: bar, view: sales, dimension: tag, measures: [revenue]}\n");
	REQUIRE(pl);
	struct dash_ctx *d = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(dash_ctx_open(pl, &d, &e), &e);
	REQUIRE(d);
	struct dash_set *s = dash_ctx_set_acquire(d, &e);
	REQUIRE(s);
	size_t nd = 0;
	const struct dash_diag *dg = dash_diags(s, &nd);
	const char *want[] = {
		"17:17: view 'bad': unknown model 'bridg' (did you mean 'bridge'?)",
		"18:29: view 'bad': model 'fct' has no column 'order_ident' (the key of related model 'bridge')",
		"18:29: view 'bad': related model 'bridge' has no column 'order_ident'",
		"18:55: view 'bad': related model 'bridge' has no column 'tagg' (did you mean 'tag'?)",
		"28:63: tile 'by_tag': dimension 'tag' of view 'sales' comes from related model 'bridge'",
	};
	size_t found = 0;
	for (size_t w = 0; w < sizeof(want) / sizeof(*want); w++)
		for (size_t i = 0; i < nd; i++) {
			char *at = xasprintf("%d:%d: %s", dg[i].line, dg[i].col, dg[i].message);
			if (!strncmp(at, want[w], strlen(want[w])))
				found |= (size_t)1 << w;
			free(at);
		}
	if (found != (1u << (sizeof(want) / sizeof(*want))) - 1)
		for (size_t i = 0; i < nd; i++)
			fprintf(stderr, "  diag %d:%d: %s\n", dg[i].line, dg[i].col, dg[i].message);
	CHECK_INT((long long)found, (long long)((1u << (sizeof(want) / sizeof(*want))) - 1));
	CHECK_INT((long long)dash_nerrors(s), 5);
	dash_ctx_set_release(d, s);

	struct buf out = BUF_INIT;
	char etag1[72], etag2[72];
	struct dash_param x[] = {{"f.tag", "x"}}, y[] = {{"f.tag", "y"}}, xy[] = {{"f.tag", "x"}, {"f.tag", "y"}};
	struct dash_param up[] = {{"f.tag_upper", "Y"}, {"f.category", "A"}};
	struct dash_param inj[] = {{"f.tag", "x') or (1=1"}};
	CHECK_OK(dash_tile_json(d, "d", "rev", x, 1, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[22.0]]"));
	CHECK(has(&out, "in (select \\\"order_id\\\" from"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", y, 1, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[10.0]]"));
	buf_reset(&out); /* order 1 matches both tags: still counted once (a join would give 32) */
	CHECK_OK(dash_tile_json(d, "d", "rev", xy, 2, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[22.0]]"));
	buf_reset(&out); /* an expression of the related model, and a filter of the view's own */
	CHECK_OK(dash_tile_json(d, "d", "rev", up, 2, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[10.0]]"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", inj, 1, &out, etag1, &e), &e);
	CHECK(has(&out, "\"rows\":[[null]]"));
	/* the related relation's version is part of the cache key */
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", x, 1, &out, etag1, &e), &e);
	CHECK(has(&out, "\"cached\":true"));
	relver_bump("main", "bridge");
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "rev", x, 1, &out, etag2, &e), &e);
	CHECK(has(&out, "\"cached\":false"));
	/* the filter's values come from the related model */
	buf_reset(&out);
	CHECK_OK(dash_filter_values_json(d, "d", "tag", NULL, &out, &e), &e);
	CHECK_STR(buf_cstr(&out), "{\"values\":[\"x\",\"y\"]}");
	buf_free(&out);
	dash_ctx_close(d);
	platform_close(pl);
}

TEST(dash_reloads_a_changed_file_and_shows_its_errors)
{
	const char *dir = test_tmpdir();
	struct platform *pl = setup(dir);
	REQUIRE(pl);
	struct dash_ctx *d = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(dash_ctx_open(pl, &d, &e), &e);
	REQUIRE(d);
	struct buf out = BUF_INIT;
	CHECK_OK(dash_spec_json(d, "d", &out, &e), &e);
	CHECK(has(&out, "\"errors\":[]"));
	CHECK(has(&out, "\"name\":\"rev\""));
	/* a second file with a typo; the first keeps answering */
	put(dir, "dashboards/e.yml",
	    "dashboards:\n  - name: e\n    pages:\n      - name: p\n        tiles:\n"
	    "          - {name: x, type: kpi, view: sales, measure: revenu}\n");
	fake_now += 2000000; /* past the platform's 1 s check throttle */
	buf_reset(&out);
	CHECK_OK(dash_list_json(d, &out, &e), &e);
	CHECK(has(&out, "\"file\":\"dashboards/e.yml\",\"line\":6,\"column\":56"));
	CHECK(has(&out, "has no measure 'revenu' (did you mean 'revenue'?)"));
	CHECK(has(&out, "\"severity\":\"error\""));
	buf_reset(&out);
	char etag[72];
	CHECK_OK(dash_tile_json(d, "d", "t", NULL, 0, &out, etag, &e), &e);
	CHECK(has(&out, "\"rows\":[[\"A\",15.0],[\"B\",7.0]]"));
	CHECK(has(&out, "\"total\":2"));
	buf_reset(&out);
	CHECK_OK(dash_filter_values_json(d, "d", "category", "B", &out, &e), &e);
	CHECK_STR(buf_cstr(&out), "{\"values\":[\"B\"]}");
	buf_free(&out);
	err_clear(&e);
	dash_ctx_close(d);
	platform_close(pl);
}

TEST(dash_row_cap_truncates_charts_not_tables_or_csv)
{
	const char *dir = test_tmpdir();
	struct platform *pl = setup(dir);
	REQUIRE(pl);
	put(dir, "dashboards/d.yml",
	    "views:\n  - name: sales\n    model: fct\n    time: day\n    dimensions: [category]\n"
	    "    measures: [{name: revenue, expr: sum(amount)}]\n"
	    "dashboards:\n  - name: d\n    pages:\n      - name: p\n        tiles:\n"
	    "          - {name: l, type: line, view: sales, measures: [revenue]}\n"
	    "          - {name: t, type: table, view: sales, dimensions: [category], measures: [revenue]}\n");
	struct dash_ctx_opts o = {.row_cap = 1};
	struct dash_ctx *d = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(dash_ctx_open_opts(pl, &o, &d, &e), &e);
	REQUIRE(d);
	struct buf out = BUF_INIT;
	char etag[72];
	CHECK_OK(dash_tile_json(d, "d", "l", NULL, 0, &out, etag, &e), &e);
	CHECK(has(&out, "\"rows\":[[\"2026-01-01\",10.0]],\"total\":1,\"truncated\":true"));
	buf_reset(&out);
	CHECK_OK(dash_tile_json(d, "d", "t", NULL, 0, &out, etag, &e), &e);
	CHECK(has(&out, "\"rows\":[[\"A\",15.0],[\"B\",7.0]]"));
	CHECK(!has(&out, "truncated"));
	buf_free(&out);
	err_clear(&e);
	dash_ctx_close(d);
	platform_close(pl);
}

TEST(dash_statement_timeout_per_engine)
{
	/* dashboard queries limit themselves where the engine can */
	struct buf b = BUF_INIT;
	CHECK_INT(wh_sql_local_timeout(wh_adapter_for("postgres"), 30000, &b), 0);
	CHECK_STR(buf_cstr(&b), "set local statement_timeout = 30000");
	buf_reset(&b);
	CHECK_INT(wh_sql_local_timeout(wh_adapter_for("duckdb"), 30000, &b), ING_EUNSUPPORTED);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

TEST(dash_query_times_out_on_an_engine_without_statement_timeout)
{
	const char *dir = test_tmpdir();
	struct platform *pl = setup(dir);
	REQUIRE(pl);
	put(dir, "dashboards/d.yml",
	    "views:\n  - name: slow\n    model: fct\n    measures:\n"
	    "      - {name: n, expr: \"sum((select count(*) from range(50000000000) as r(x) where r.x > amount))\"}\n"
	    "dashboards:\n  - name: d\n    pages: [{name: p, tiles: [{name: n, type: funnel, view: slow, measures: [n]}]}]\n");
	struct dash_ctx_opts o = {.statement_timeout_ms = 300};
	struct dash_ctx *d = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(dash_ctx_open_opts(pl, &o, &d, &e), &e);
	REQUIRE(d);
	struct buf out = BUF_INIT;
	char etag[72];
	int64_t t0 = now_us();
	CHECK_INT(dash_tile_json(d, "d", "n", NULL, 0, &out, etag, &e), ING_ETIMEOUT);
	CHECK(e.msg && strstr(e.msg, "longer than 300 ms"));
	CHECK(now_us() - t0 < 20000000); /* generous: the statement was interrupted */
	CHECK_INT(out.len, 0);
	err_clear(&e);
	/* the pool is usable afterwards: a quick tile answers */
	put(dir, "dashboards/d.yml", views_yml);
	fake_now += 2000000;
	CHECK_OK(dash_tile_json(d, "d", "rev", NULL, 0, &out, etag, &e), &e);
	CHECK(has(&out, "\"rows\":[[22.0]]"));
	buf_free(&out);
	err_clear(&e);
	dash_ctx_close(d);
	platform_close(pl);
}
