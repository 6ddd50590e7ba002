/*
 * bench/wh_append.c — throughput of wh_append_batch against the engine
 * producing the same rows itself.
 *
 *     wh_append duckdb ROWS          (an in-memory DuckDB)
 *     wh_append postgres ROWS        (INGOT_TEST_PG{HOST,PORT,USER,DATABASE})
 *
 * Rows look like thelook's order_items: id, user_id (int64), sale_price
 * (double), amount (DECIMAL(18,2)), status (text), returned (bool),
 * created_on (date), created_at (timestamp), with NULLs. Both runs fill a
 * fresh table of the same types inside one transaction: ours through the
 * bulk path in 64k-row batches, the reference as one INSERT ... SELECT
 * the engine evaluates internally (no client, no parsing of values: a
 * floor for what loading can cost). Prints seconds, rows/s and the ratio
 * ours / reference (lower is better).
 *
 * Not a test: it checks only that the row counts match.
 */
#include "config/project.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/mem.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BATCH = 65536, NC = 8 };

static const char *const status[] = {"Complete", "Shipped", "Processing", "Cancelled",
				     "Returned"};

static int die(struct err *e, const char *what)
{
	fprintf(stderr, "wh_append: %s: %s\n", what, e->msg ? e->msg : "?");
	return 1;
}

static int make_table(struct wh_conn *c, struct wh_db *db, const char *name,
		      const struct wh_coldef *defs, struct err *e)
{
	struct buf sql = BUF_INIT;
	buf_printf(&sql, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (", name, name);
	for (size_t k = 0; k < NC; k++) {
		buf_printf(&sql, "%s%s ", k ? ", " : "", defs[k].name);
		wh_type_sql(db, &defs[k].type, &sql);
	}
	buf_puts(&sql, ")");
	int rc = wh_exec(c, buf_cstr(&sql), e);
	buf_free(&sql);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: wh_append duckdb|postgres ROWS\n");
		return 2;
	}
	bool pg = !strcmp(argv[1], "postgres");
	size_t rows = (size_t)strtoull(argv[2], NULL, 10);
	struct target t = {0};
	t.name = "bench";
	t.type = pg ? "postgres" : "duckdb";
	t.path = ":memory:";
	t.schema = pg ? "public" : "main";
	if (pg) {
		t.host = getenv("INGOT_TEST_PGHOST");
		t.port = getenv("INGOT_TEST_PGPORT") ? atoi(getenv("INGOT_TEST_PGPORT")) : 5432;
		t.user = getenv("INGOT_TEST_PGUSER");
		t.dbname = getenv("INGOT_TEST_PGDATABASE");
	}
	const struct wh_coldef defs[NC] = {
		{"id", {WH_INT64, 0, 0, 0}},        {"user_id", {WH_INT64, 0, 0, 0}},
		{"sale_price", {WH_DOUBLE, 0, 0, 0}}, {"amount", {WH_DECIMAL, 18, 2, 0}},
		{"status", {WH_TEXT, 0, 0, 0}},     {"returned", {WH_BOOL, 0, 0, 0}},
		{"created_on", {WH_DATE, 0, 0, 0}}, {"created_at", {WH_TIMESTAMP, 0, 0, 0}},
	};
	struct err e = ERR_INIT;
	struct wh_db *db = NULL;
	struct wh_conn *c = NULL;
	if (wh_open(&t, &db, &e) || wh_connect(db, &c, &e))
		return die(&e, "connect");

	/* one batch of column buffers, refilled per batch (as the loader does) */
	int64_t *id = xmalloc(BATCH * 8), *uid = xmalloc(BATCH * 8), *ts = xmalloc(BATCH * 8);
	double *price = xmalloc(BATCH * 8);
	__int128 *amount = xmalloc(BATCH * sizeof(__int128));
	struct wh_str *st = xmalloc(BATCH * sizeof(*st));
	bool *ret = xmalloc(BATCH);
	int32_t *day = xmalloc(BATCH * 4);
	uint8_t *valid = xmalloc(BATCH);
	struct wh_colbuf cb[NC] = {
		{defs[0].type, id, NULL},    {defs[1].type, uid, NULL},  {defs[2].type, price, NULL},
		{defs[3].type, amount, NULL}, {defs[4].type, st, NULL},   {defs[5].type, ret, valid},
		{defs[6].type, day, NULL},   {defs[7].type, ts, NULL},
	};

	if (make_table(c, db, "bench_ours", defs, &e) || make_table(c, db, "bench_ref", defs, &e))
		return die(&e, "create");
	double t0 = mono_seconds();
	struct wh_appender *ap = NULL;
	if (wh_begin(c, &e) || wh_append_open(c, t.schema, "bench_ours", defs, NC, &ap, &e))
		return die(&e, "append open");
	for (size_t off = 0; off < rows; off += BATCH) {
		size_t n = rows - off < BATCH ? rows - off : BATCH;
		for (size_t i = 0; i < n; i++) {
			size_t r = off + i;
			id[i] = (int64_t)r;
			uid[i] = (int64_t)(r * 7919 % 100000);
			price[i] = (double)(r % 10000) / 100.0;
			amount[i] = (__int128)(r % 100000);
			const char *s = status[r % 5];
			st[i] = (struct wh_str){s, (uint32_t)strlen(s)};
			ret[i] = r % 3 == 0;
			valid[i] = r % 10 != 0;
			day[i] = (int32_t)(18000 + r % 2000);
			ts[i] = INT64_C(1555200000000000) + (int64_t)r * 1000003;
		}
		struct wh_batch b = {NC, n, cb};
		if (wh_append_batch(ap, &b, &e))
			return die(&e, "append");
	}
	if (wh_append_close(ap, true, &e) || wh_commit(c, &e))
		return die(&e, "append close");
	double ours = mono_seconds() - t0;

	/* the same rows, generated and inserted by the engine itself */
	char from[128], full[1200];
	if (pg)
		snprintf(from, sizeof(from), "generate_series(cast(0 as bigint), %zu) AS g(r)", rows - 1);
	else
		snprintf(from, sizeof(from), "range(%zu) AS g(r)", rows);
	snprintf(full, sizeof(full),
		 "INSERT INTO bench_ref SELECT r, r * 7919 %% 100000, (r %% 10000) / 100.0,"
		 " cast((r %% 100000) / 100.0 as decimal(18,2)),"
		 " (array['Complete','Shipped','Processing','Cancelled','Returned'])[r %% 5 + 1],"
		 " case when r %% 10 <> 0 then r %% 3 = 0 end,"
		 " date '2019-04-14' + cast(r %% 2000 as integer),"
		 " %s + r * interval '1 second' + r * interval '3 microseconds'"
		 " FROM %s",
		 pg ? "timestamptz '2019-04-14 00:00:00+00'" : "timestamp '2019-04-14 00:00:00'",
		 from);
	t0 = mono_seconds();
	if (wh_begin(c, &e) || wh_exec(c, full, &e) || wh_commit(c, &e))
		return die(&e, "reference insert");
	double ref = mono_seconds() - t0;

	struct wh_result *r1 = NULL, *r2 = NULL;
	if (wh_query(c, "select count(*), count(returned) from bench_ours", NULL, 0, &r1, &e) ||
	    wh_query(c, "select count(*), count(returned) from bench_ref", NULL, 0, &r2, &e))
		return die(&e, "count");
	struct buf a = BUF_INIT, b2 = BUF_INIT;
	wh_value_text(wh_cell(r1, 0, 0), &a);
	wh_value_text(wh_cell(r2, 0, 0), &b2);
	if (strcmp(buf_cstr(&a), buf_cstr(&b2)) || strtoull(buf_cstr(&a), NULL, 10) != rows) {
		fprintf(stderr, "wh_append: row counts differ: %s vs %s\n", buf_cstr(&a), buf_cstr(&b2));
		return 1;
	}
	printf("%-8s rows=%zu  wh_append_batch: %.3fs (%.0f rows/s)  engine INSERT..SELECT: %.3fs"
	       "  ratio ours/engine: %.2f\n",
	       argv[1], rows, ours, rows / ours, ref, ours / ref);
	wh_result_free(r1);
	wh_result_free(r2);
	buf_free(&a);
	buf_free(&b2);
	if (pg)
		wh_exec(c, "DROP TABLE bench_ours; DROP TABLE bench_ref", &e);
	err_clear(&e);
	free(id);
	free(uid);
	free(ts);
	free(price);
	free(amount);
	free(st);
	free(ret);
	free(day);
	free(valid);
	wh_disconnect(c);
	wh_close(db);
	return 0;
}
