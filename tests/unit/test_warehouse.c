/*
 * tests/unit/test_warehouse.c — the adapter interface against both engines.
 *
 * Every behaviour is one static body taking a target, run twice: against
 * an embedded DuckDB file (test_duckdb_target) and against the PostgreSQL
 * server tests/run-all.sh starts (test_pg_target; each test gets its own
 * schema, created here and dropped at the end). Engine-neutral parts
 * (type names, value text, decimals) run once.
 */
#include "test.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/cancel.h"
#include "core/dtime.h"
#include "core/mem.h"
#include "warehouse/adapter.h"
#include "warehouse/warehouse.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- helpers ---- */

struct env {
	const struct target *t;
	struct wh_db *db;
	struct wh_conn *c;
	bool pg;
};

static bool env_open(struct env *v, const struct target *t)
{
	struct err e = ERR_INIT;
	memset(v, 0, sizeof(*v));
	if (!t)
		return false;
	v->t = t;
	v->pg = !strcmp(t->type, "postgres");
	int rc = wh_open(t, &v->db, &e);
	if (!rc)
		rc = wh_connect(v->db, &v->c, &e);
	if (!rc && v->pg)
		rc = wh_create_schema(v->c, t->schema, &e);
	CHECK_OK(rc, &e);
	err_clear(&e);
	return rc == 0;
}

static void env_close(struct env *v)
{
	if (v->c && v->pg) {
		struct err e = ERR_INIT;
		struct buf sql = BUF_INIT;
		wh_rollback(v->c, &e);
		buf_puts(&sql, "DROP SCHEMA IF EXISTS ");
		wh_quote_ident(v->db, v->t->schema, &sql);
		buf_puts(&sql, " CASCADE");
		wh_exec(v->c, buf_cstr(&sql), &e);
		buf_free(&sql);
		err_clear(&e);
	}
	wh_disconnect(v->c);
	wh_close(v->db);
}

static void exec_ok(struct env *v, const char *sql)
{
	struct err e = ERR_INIT;
	CHECK_OK(wh_exec(v->c, sql, &e), &e);
	err_clear(&e);
}

/* Run a one-row query and return cell (0, col) rendered as text. */
static char *query_text(struct env *v, const char *sql, size_t col)
{
	struct err e = ERR_INIT;
	struct wh_result *r = NULL;
	char *out = NULL;
	int rc = wh_query(v->c, sql, NULL, 0, &r, &e);
	CHECK_OK(rc, &e);
	if (!rc && r->nrows >= 1 && col < r->ncols) {
		struct buf b = BUF_INIT;
		if (wh_cell(r, 0, col)->type == WH_NULL)
			buf_puts(&b, "NULL");
		else
			wh_value_text(wh_cell(r, 0, col), &b);
		out = buf_detach(&b, NULL);
		if (!out)
			out = xstrdup("");
	}
	wh_result_free(r);
	err_clear(&e);
	return out ? out : xstrdup("(no row)");
}

#define CHECK_Q(v, sql, col, want)                                          \
	do {                                                                \
		char *got_ = query_text((v), (sql), (col));                 \
		CHECK_STR(got_, (want));                                    \
		free(got_);                                                 \
	} while (0)

#define BOTH(name)                                                          \
	TEST(duckdb_##name) { name(test_duckdb_target()); }                 \
	TEST(pg_##name)                                                     \
	{                                                                   \
		const struct target *t_ = test_pg_target();                 \
		REQUIRE(t_);                                                \
		name(t_);                                                   \
	}

/* ---- engine-neutral ---- */

TEST(wh_type_parse_names)
{
	static const struct {
		const char *name;
		enum wh_type t;
		int p, s, len;
	} cases[] = {
		{"INT64", WH_INT64, 0, 0, 0},
		{"bigint", WH_INT64, 0, 0, 0},
		{"INTEGER", WH_INT64, 0, 0, 0},
		{"smallint", WH_INT64, 0, 0, 0},
		{"Int", WH_INT64, 0, 0, 0},
		{"INT8", WH_INT64, 0, 0, 0},
		{"HUGEINT", WH_INT64, 0, 0, 0},
		{"FLOAT64", WH_DOUBLE, 0, 0, 0},
		{"double precision", WH_DOUBLE, 0, 0, 0},
		{"DOUBLE  PRECISION", WH_DOUBLE, 0, 0, 0},
		{"REAL", WH_DOUBLE, 0, 0, 0},
		{"float", WH_DOUBLE, 0, 0, 0},
		{"FLOAT8", WH_DOUBLE, 0, 0, 0},
		{"STRING", WH_TEXT, 0, 0, 0},
		{"text", WH_TEXT, 0, 0, 0},
		{"VARCHAR(20)", WH_TEXT, 0, 0, 20},
		{"character varying(7)", WH_TEXT, 0, 0, 7},
		{"CHAR", WH_TEXT, 0, 0, 0},
		{"BOOL", WH_BOOL, 0, 0, 0},
		{"boolean", WH_BOOL, 0, 0, 0},
		{"NUMERIC", WH_DECIMAL, 38, 9, 0},
		{"numeric(10,2)", WH_DECIMAL, 10, 2, 0},
		{"DECIMAL( 18 , 4 )", WH_DECIMAL, 18, 4, 0},
		{"decimal(12)", WH_DECIMAL, 12, 0, 0},
		{"BIGNUMERIC", WH_DECIMAL, 0, 0, 0},
		{"DATE", WH_DATE, 0, 0, 0},
		{"TIMESTAMP", WH_TIMESTAMP, 0, 0, 0},
		{"timestamptz", WH_TIMESTAMP, 0, 0, 0},
		{"TIMESTAMP WITH TIME ZONE", WH_TIMESTAMP, 0, 0, 0},
		{"timestamp(3) with time zone", WH_TIMESTAMP, 0, 0, 0},
		{"DATETIME", WH_DATETIME, 0, 0, 0},
		{"timestamp without time zone", WH_DATETIME, 0, 0, 0},
		{"BYTES", WH_OTHER, 0, 0, 0},
		{"INTEGER[]", WH_OTHER, 0, 0, 0},
		{"ARRAY<INT64>", WH_OTHER, 0, 0, 0},
		{"STRUCT(a INTEGER)", WH_OTHER, 0, 0, 0},
		{"interval", WH_OTHER, 0, 0, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct wh_ltype lt;
		struct err e = ERR_INIT;
		int rc = wh_type_parse(cases[i].name, &lt, &e);
		if (rc) {
			test_fail(__FILE__, __LINE__, "wh_type_parse(%s): %s", cases[i].name, e.msg);
		} else if (lt.type != cases[i].t || lt.precision != cases[i].p ||
			   lt.scale != cases[i].s || lt.length != cases[i].len) {
			test_fail(__FILE__, __LINE__, "wh_type_parse(%s) = %s(%d,%d) len %d", cases[i].name,
				  wh_type_name(lt.type), lt.precision, lt.scale, lt.length);
		}
		err_clear(&e);
	}
	static const char *bad[] = {"", "intt", "varchar(", "numeric(x)", "decimal(5,7)",
				    "timestamp with", "numeric(1,2,3)"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct wh_ltype lt;
		struct err e = ERR_INIT;
		CHECK(wh_type_parse(bad[i], &lt, &e) == ING_EINVAL);
		CHECK(e.msg && strstr(e.msg, "INT64"));
		err_clear(&e);
	}
}

TEST(wh_value_text_forms)
{
	struct buf b = BUF_INIT;
	struct wh_value v;
#define VT(val, want)                                                        \
	do {                                                                \
		v = (val);                                                  \
		buf_reset(&b);                                              \
		wh_value_text(&v, &b);                                      \
		CHECK_STR(buf_cstr(&b), want);                              \
	} while (0)
	VT(wh_null(), "");
	VT(wh_int(-42), "-42");
	VT(wh_dbl(0.1), "0.1");
	VT(wh_dbl(2), "2.0");
	VT(wh_dbl(1e300), "1e+300");
	VT(wh_dbl(1.0 / 3), "0.3333333333333333");
	VT(wh_bool(true), "true");
	VT(wh_text("héllo"), "héllo");
	VT(wh_ts(1674373620123456), "2023-01-22 07:47:00.123456");
	v = (struct wh_value){WH_DATE, {.date = 19379}};
	buf_reset(&b);
	wh_value_text(&v, &b);
	CHECK_STR(buf_cstr(&b), "2023-01-22");
	buf_free(&b);
#undef VT
}

TEST(wh_decimal_text_and_parse)
{
	char tmp[48];
	wh__decimal_format(1234, 2, tmp);
	CHECK_STR(tmp, "12.34");
	wh__decimal_format(-5, 3, tmp);
	CHECK_STR(tmp, "-0.005");
	wh__decimal_format(0, 2, tmp);
	CHECK_STR(tmp, "0.00");
	wh__decimal_format(7, 0, tmp);
	CHECK_STR(tmp, "7");
	__int128 big = (__int128)1000000000000000000LL * 1000000000000000000LL * 10 + 1; /* 1e37+1 */
	wh__decimal_format(-big, 10, tmp);
	CHECK_STR(tmp, "-1000000000000000000000000000.0000000001");
	__int128 u;
	int sc;
	CHECK(wh__decimal_parse("-12.340", 7, &u, &sc) == 0);
	CHECK(u == -12340 && sc == 3);
	CHECK(wh__decimal_parse("5", 1, &u, &sc) == 0 && u == 5 && sc == 0);
	CHECK(wh__decimal_parse("-", 1, &u, &sc) == -1);
	CHECK(wh__decimal_parse(".", 1, &u, &sc) == -1);
	CHECK(wh__decimal_parse("1e5", 3, &u, &sc) == -1);
	CHECK(wh__decimal_parse("1.2.3", 5, &u, &sc) == -1);
	char pw[] = "password=hunter2 and hunter2";
	wh__redact(pw, "hunter2");
	CHECK_STR(pw, "password=**** and ****");
}

TEST(wh_open_errors)
{
	struct target t = {0};
	struct wh_db *db = NULL;
	struct err e = ERR_INIT;
	t.name = "dev";
	t.type = "oracle";
	CHECK(wh_open(&t, &db, &e) == ING_ECONFIG);
	CHECK(db == NULL);
	CHECK(e.msg && strstr(e.msg, "oracle") && strstr(e.msg, "duckdb"));
	err_clear(&e);
	t.type = "duckdb";
	t.path = "/nonexistent-dir-for-ingot/x/y.duckdb";
	CHECK(wh_open(&t, &db, &e) == ING_EDB);
	CHECK(e.msg && strstr(e.msg, "/nonexistent-dir-for-ingot/x/y.duckdb"));
	err_clear(&e);
	CHECK(str_startswith(wh_duckdb_library_version(), "v1.4."));
	CHECK(strstr(wh_engines_available(), "duckdb") != NULL);
}

TEST(pg_unreachable_message)
{
	struct target t = {0};
	struct wh_db *db = NULL;
	struct wh_conn *c = NULL;
	struct err e = ERR_INIT;
	t.name = "prod";
	t.type = "postgres";
	t.host = "127.0.0.1";
	t.port = 1; /* nothing listens there */
	t.user = "nobody";
	t.password = "pa55-secret";
	t.dbname = "nodb";
	t.schema = "public";
	REQUIRE(wh_open(&t, &db, &e) == 0);
	CHECK(wh_connect(db, &c, &e) == ING_ECONNECT);
	CHECK(c == NULL);
	CHECK(e.msg && strstr(e.msg, "127.0.0.1:1"));
	CHECK(e.msg && !strstr(e.msg, "pa55-secret"));
	err_clear(&e);
	wh_close(db);
}

/* PostgreSQL keeps 63 bytes of a name: derived names fit and stay apart,
 * given names that do not fit are refused; DuckDB has no limit. */
TEST(pg_long_identifiers)
{
	struct target t = {0};
	t.name = "prod";
	t.type = "postgres";
	t.host = "127.0.0.1";
	t.port = 1;
	t.user = "u";
	t.dbname = "d";
	t.schema = "s";
	struct wh_db *db = NULL;
	struct err e = ERR_INIT;
	REQUIRE(wh_open(&t, &db, &e) == 0);
	CHECK_INT((int)wh_max_ident(db), 63);
	char a[64], b[64];
	memset(a, 'x', 63);
	a[63] = 0;
	memcpy(b, a, sizeof(a));
	b[62] = 'y';
	struct buf da = BUF_INIT, db2 = BUF_INIT, shortb = BUF_INIT;
	wh_derived_name(db, a, "__dbt_tmp", &da);
	wh_derived_name(db, b, "__dbt_tmp", &db2);
	wh_derived_name(db, "orders", "__dbt_tmp", &shortb);
	CHECK(da.len <= 63 && db2.len <= 63);
	CHECK(str_endswith(buf_cstr(&da), "__dbt_tmp"));
	CHECK(strcmp(buf_cstr(&da), buf_cstr(&db2)) != 0);
	CHECK(strncmp(buf_cstr(&da), a, 63) != 0); /* not the base itself, once cut */
	CHECK_STR(buf_cstr(&shortb), "orders__dbt_tmp");
	CHECK_INT(wh_check_ident(db, "relation name", a, &e), 0);
	char c[65];
	memset(c, 'z', 64);
	c[64] = 0;
	CHECK(wh_check_ident(db, "relation name", c, &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "is 64 bytes; postgres keeps at most 63"));
	err_clear(&e);
	buf_free(&da);
	buf_free(&db2);
	buf_free(&shortb);
	wh_close(db);
	/* no engine: no limit */
	struct buf n = BUF_INIT;
	wh_derived_name(NULL, c, "__dbt_tmp", &n);
	CHECK_INT((int)n.len, 64 + 9);
	buf_free(&n);
}

/* ---- both engines ---- */

static void exec_and_typed_results(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	int64_t n = -1;
	exec_ok(&v, "create table things (id bigint, x double precision, d decimal(10,2),"
		    " s varchar, b boolean, dt date, ts timestamp);"
		    "insert into things values (1, 1.5, 12.34, 'one', true, date '2023-01-22',"
		    " timestamp '2023-01-22 07:47:00.123456');"
		    "insert into things values (2, null, -0.05, null, false, null, null)");
	CHECK_OK(wh_exec_count(v.c, "update things set s = 'z' where id > 0; "
				    "delete from things where id = 99",
			       &n, &e),
		 &e);
	CHECK_INT(n, 2);
	struct wh_result *r = NULL;
	REQUIRE(wh_query(v.c, "select id, x, d, s, b, dt, ts, 7 as seven from things order by id",
			 NULL, 0, &r, &e) == 0);
	CHECK_INT(r->ncols, 8);
	CHECK_INT(r->nrows, 2);
	CHECK_STR(r->names[0], "id");
	CHECK_STR(r->names[7], "seven");
	CHECK_INT(r->types[0], WH_INT64);
	CHECK_INT(r->types[1], WH_DOUBLE);
	CHECK_INT(r->types[2], WH_DECIMAL);
	CHECK_INT(r->types[3], WH_TEXT);
	CHECK_INT(r->types[4], WH_BOOL);
	CHECK_INT(r->types[5], WH_DATE);
	/* a plain timestamp: UTC by convention on DuckDB, civil on PostgreSQL */
	CHECK_INT(r->types[6], v.pg ? WH_DATETIME : WH_TIMESTAMP);
	CHECK(r->type_names[0] && r->type_names[0][0]);
	CHECK(wh_cell(r, 0, 0)->v.i == 1);
	CHECK(wh_cell(r, 0, 1)->v.d == 1.5);
	CHECK_STR(wh_cell(r, 0, 2)->v.s.p, "12.34");
	CHECK_STR(wh_cell(r, 1, 2)->v.s.p, "-0.05");
	CHECK_STR(wh_cell(r, 0, 3)->v.s.p, "z");
	CHECK(wh_cell(r, 0, 4)->v.b == true);
	CHECK(wh_cell(r, 1, 4)->type == WH_BOOL && wh_cell(r, 1, 4)->v.b == false);
	CHECK_INT(wh_cell(r, 0, 5)->v.date, 19379);
	CHECK(wh_cell(r, 0, 6)->v.ts == INT64_C(1674373620123456));
	CHECK_INT(wh_cell(r, 1, 1)->type, WH_NULL);
	CHECK_INT(wh_cell(r, 1, 3)->type, WH_TEXT);
	CHECK_INT(wh_cell(r, 1, 5)->type, WH_NULL);
	CHECK_INT(wh_cell(r, 1, 6)->type, WH_NULL);
	CHECK(wh_cell(r, 1, 7)->v.i == 7);
	wh_result_free(r);
	/* timestamptz is the same instant, as WH_TIMESTAMP, in UTC */
	r = NULL;
	REQUIRE(wh_query(v.c, "select cast('2023-01-22 07:47:00+00' as timestamptz) as tz, "
			      "cast(null as integer) as nothing, 'it''s' as q, "
			      "cast(123456789012 as bigint) * 10 as big",
			 NULL, 0, &r, &e) == 0);
	CHECK_INT(r->types[0], WH_TIMESTAMP);
	CHECK(wh_cell(r, 0, 0)->v.ts == INT64_C(1674373620000000));
	CHECK_INT(wh_cell(r, 0, 1)->type, WH_NULL);
	CHECK_STR(wh_cell(r, 0, 2)->v.s.p, "it's");
	CHECK(wh_cell(r, 0, 3)->v.i == INT64_C(1234567890120));
	wh_result_free(r);
	/* no rows, and a statement without result columns */
	r = NULL;
	REQUIRE(wh_query(v.c, "select id from things where id < 0", NULL, 0, &r, &e) == 0);
	CHECK_INT(r->nrows, 0);
	CHECK_INT(r->ncols, 1);
	wh_result_free(r);
	r = NULL;
	CHECK_OK(wh_query(v.c, "create table empty_one (a integer)", NULL, 0, &r, &e), &e);
	wh_result_free(r);
	err_clear(&e);
	env_close(&v);
}
BOTH(exec_and_typed_results)

static void params_of_each_type(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	struct wh_value p[9] = {
		wh_int(-9007199254740993LL), wh_dbl(0.1), wh_bool(true), wh_text("héllo 'q'"),
		{WH_DATE, {.date = -1}}, wh_ts(INT64_C(1674373620123456)),
		{WH_DATETIME, {.ts = INT64_C(86400000000)}}, {WH_DECIMAL, {.s = {"-123.450", 8}}},
		wh_null(),
	};
	struct wh_result *r = NULL;
	REQUIRE(wh_query(v.c, "select $1 as i, $2 as d, $3 as b, $4 as s, $5 as dt, $6 as ts,"
			      " $7 as civil, $8 as n, cast($9 as bigint) as nul,"
			      " cast($1 as bigint) + 1 as i2",
			 p, 9, &r, &e) == 0);
	REQUIRE(r->nrows == 1);
	CHECK(wh_cell(r, 0, 0)->type == WH_INT64 && wh_cell(r, 0, 0)->v.i == -9007199254740993LL);
	CHECK(wh_cell(r, 0, 1)->type == WH_DOUBLE && wh_cell(r, 0, 1)->v.d == 0.1);
	CHECK(wh_cell(r, 0, 2)->type == WH_BOOL && wh_cell(r, 0, 2)->v.b);
	CHECK_STR(wh_cell(r, 0, 3)->v.s.p, "héllo 'q'");
	CHECK(wh_cell(r, 0, 4)->type == WH_DATE && wh_cell(r, 0, 4)->v.date == -1);
	CHECK(wh_cell(r, 0, 5)->type == WH_TIMESTAMP &&
	      wh_cell(r, 0, 5)->v.ts == INT64_C(1674373620123456));
	CHECK(wh_cell(r, 0, 6)->v.ts == INT64_C(86400000000));
	CHECK_INT(wh_cell(r, 0, 6)->type, v.pg ? WH_DATETIME : WH_TIMESTAMP);
	CHECK_INT(wh_cell(r, 0, 7)->type, WH_DECIMAL);
	CHECK_STR(wh_cell(r, 0, 7)->v.s.p, "-123.450");
	CHECK_INT(wh_cell(r, 0, 8)->type, WH_NULL);
	CHECK(wh_cell(r, 0, 9)->v.i == -9007199254740992LL);
	wh_result_free(r);
	/* parameters in a WHERE clause, against a table */
	exec_ok(&v, "create table p (id bigint, name varchar, day date)");
	exec_ok(&v, "insert into p values (1, 'a', date '2020-01-01'), (2, 'b', date '2020-01-02')");
	struct wh_value w[2] = {wh_text("b"), {WH_DATE, {.date = 18263}}};
	r = NULL;
	REQUIRE(wh_query(v.c, "select id from p where name = $1 and day = $2", w, 2, &r, &e) == 0);
	CHECK_INT(r->nrows, 1);
	CHECK(r->nrows == 1 && wh_cell(r, 0, 0)->v.i == 2);
	wh_result_free(r);
	/* the wrong number of parameters is an error, not a crash */
	r = NULL;
	CHECK(wh_query(v.c, "select $1, $2", w, 1, &r, &e) < 0);
	CHECK(r == NULL);
	CHECK(e.msg != NULL);
	err_clear(&e);
	env_close(&v);
}
BOTH(params_of_each_type)

static void transactions(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	/* nothing to roll back: fine, twice */
	CHECK_OK(wh_rollback(v.c, &e), &e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	/* DDL and rows roll back together */
	CHECK_OK(wh_begin(v.c, &e), &e);
	exec_ok(&v, "create table tx (a integer)");
	exec_ok(&v, "insert into tx values (1)");
	CHECK_OK(wh_rollback(v.c, &e), &e);
	enum wh_rel_kind k = WH_REL_VIEW;
	CHECK_OK(wh_relation_kind(v.c, t->schema, "tx", &k, &e), &e);
	CHECK_INT(k, WH_REL_NONE);
	/* commit keeps them */
	CHECK_OK(wh_begin(v.c, &e), &e);
	exec_ok(&v, "create table tx (a integer)");
	exec_ok(&v, "insert into tx values (1), (2)");
	CHECK_OK(wh_commit(v.c, &e), &e);
	CHECK_Q(&v, "select count(*) from tx", 0, "2");
	/* an error inside a transaction, then rollback: the connection works */
	CHECK_OK(wh_begin(v.c, &e), &e);
	exec_ok(&v, "insert into tx values (3)");
	CHECK(wh_exec(v.c, "insert into no_such_table values (1)", &e) == ING_EDB);
	err_clear(&e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	CHECK_Q(&v, "select count(*) from tx", 0, "2");
	/* an error outside a transaction, then rollback */
	CHECK(wh_exec(v.c, "selec 1", &e) == ING_EDB);
	err_clear(&e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	err_clear(&e);
	env_close(&v);
}
BOTH(transactions)

/* A COMMIT that did not commit is an error, and the connection is out of
 * the transaction afterwards (a rollback, not reuse of a dead one). */
static void commit_failures(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	exec_ok(&v, "create table cf (a integer)");
	/* COMMIT of a failed transaction: PostgreSQL answers ROLLBACK (DuckDB
	 * keeps a transaction alive after such an error) */
	if (!strcmp(t->type, "postgres")) {
		CHECK_OK(wh_begin(v.c, &e), &e);
		exec_ok(&v, "insert into cf values (1)");
		CHECK(wh_exec(v.c, "insert into no_such_table values (1)", &e) == ING_EDB);
		err_clear(&e);
		CHECK(wh_commit(v.c, &e) != 0);
		CHECK(e.msg && strstr(e.msg, "rolled it back"));
		err_clear(&e);
		CHECK_Q(&v, "select count(*) from cf", 0, "0");
	}
	/* a COMMIT that fails (the test hook stands for a full disk) */
	CHECK_OK(wh_begin(v.c, &e), &e);
	exec_ok(&v, "insert into cf values (2)");
	setenv("INGOT_TEST_FAIL_COMMIT", "1", 1);
	CHECK(wh_commit(v.c, &e) != 0);
	unsetenv("INGOT_TEST_FAIL_COMMIT");
	CHECK(e.msg && strstr(e.msg, "COMMIT failed"));
	err_clear(&e);
	CHECK_Q(&v, "select count(*) from cf", 0, "0");
	CHECK_OK(wh_begin(v.c, &e), &e);
	exec_ok(&v, "insert into cf values (3)");
	CHECK_OK(wh_commit(v.c, &e), &e);
	CHECK_Q(&v, "select count(*) from cf", 0, "1");
	env_close(&v);
}
BOTH(commit_failures)

struct canceller {
	struct wh_conn *c;
	volatile int done;
	int sent;
};

static void *cancel_loop(void *arg)
{
	struct canceller *k = arg;
	/* keep interrupting until the query notices: a cancel that lands
	 * before the statement starts is lost, by design of both engines */
	for (int i = 0; i < 1000 && !__atomic_load_n(&k->done, __ATOMIC_SEQ_CST); i++) {
		usleep(100 * 1000);
		if (wh_cancel(k->c) == 0)
			k->sent++;
	}
	return NULL;
}

static void cancel_from_thread(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	CHECK(wh_has(v.db, WH_CAP_CANCEL));
	struct canceller k = {v.c, 0, 0};
	pthread_t th;
	REQUIRE(pthread_create(&th, NULL, cancel_loop, &k) == 0);
	struct wh_result *r = NULL;
	const char *slow = v.pg ? "select pg_sleep(100)"
				: "select sum(a.range * 2) from range(1000000000000) a"
				  " where a.range % 7 = 3";
	int rc = wh_query(v.c, slow, NULL, 0, &r, &e);
	__atomic_store_n(&k.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	CHECK_INT(rc, ING_ECANCELED);
	CHECK(k.sent >= 1);
	CHECK(r == NULL);
	err_clear(&e);
	/* the connection is usable afterwards */
	wh_rollback(v.c, &e);
	err_clear(&e);
	CHECK_Q(&v, "select 40 + 2", 0, "42");
	env_close(&v);
}
BOTH(cancel_from_thread)

static void introspection_and_quoting(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	struct arena *a = arena_new(0);
	struct buf sql = BUF_INIT;
	const char *odd_schema = v.pg ? arena_printf(a, "%s Odd \"S\"", t->schema) : "Odd \"S\"";
	const char *odd_table = "we\"ird name";
	/* quoting */
	wh_quote_ident(v.db, "a\"b", &sql);
	CHECK_STR(buf_cstr(&sql), "\"a\"\"b\"");
	buf_reset(&sql);
	wh_quote_literal(v.db, "it's", &sql);
	CHECK_STR(buf_cstr(&sql), "'it''s'");
	buf_reset(&sql);
	wh_relation_sql(v.db, "s", "t", &sql);
	CHECK_STR(buf_cstr(&sql), "\"s\".\"t\"");
	buf_reset(&sql);
	wh_relation_sql(v.db, NULL, "t", &sql);
	CHECK_STR(buf_cstr(&sql), "\"t\"");
	/* schemas, created twice */
	CHECK_OK(wh_create_schema(v.c, odd_schema, &e), &e);
	CHECK_OK(wh_create_schema(v.c, odd_schema, &e), &e);
	const char **schemas = NULL;
	size_t ns = 0;
	CHECK_OK(wh_list_schemas(v.c, a, &schemas, &ns, &e), &e);
	bool found = false;
	for (size_t i = 0; i < ns; i++) {
		found |= !strcmp(schemas[i], odd_schema);
		CHECK(strcmp(schemas[i], "information_schema") && strncmp(schemas[i], "pg_", 3));
	}
	CHECK(found);
	/* a table and a view with odd names, and a literal with a quote */
	buf_reset(&sql);
	buf_puts(&sql, "create table ");
	wh_relation_sql(v.db, odd_schema, odd_table, &sql);
	buf_puts(&sql, " (\"Mixed Case\" integer not null, \"x\"\"y\" varchar(12), amount numeric(10,3),"
		       " at_civil timestamp, at_tz timestamp with time zone, f real)");
	exec_ok(&v, buf_cstr(&sql));
	buf_reset(&sql);
	buf_puts(&sql, "insert into ");
	wh_relation_sql(v.db, odd_schema, odd_table, &sql);
	buf_puts(&sql, " (\"Mixed Case\", \"x\"\"y\") values (1, ");
	wh_quote_literal(v.db, "it's \"here\"", &sql);
	buf_puts(&sql, ")");
	exec_ok(&v, buf_cstr(&sql));
	buf_reset(&sql);
	buf_puts(&sql, "create view ");
	wh_relation_sql(v.db, odd_schema, "v1", &sql);
	buf_puts(&sql, " as select \"x\"\"y\" from ");
	wh_relation_sql(v.db, odd_schema, odd_table, &sql);
	exec_ok(&v, buf_cstr(&sql));
	buf_reset(&sql);
	buf_puts(&sql, "select * from ");
	wh_relation_sql(v.db, odd_schema, "v1", &sql);
	CHECK_Q(&v, buf_cstr(&sql), 0, "it's \"here\"");

	struct wh_relation_info *rels = NULL;
	size_t nr = 0;
	CHECK_OK(wh_list_relations(v.c, odd_schema, a, &rels, &nr, &e), &e);
	CHECK_INT(nr, 2);
	if (nr == 2) {
		/* ordered by name: v1 < we"ird name */
		CHECK_STR(rels[0].name, "v1");
		CHECK_INT(rels[0].kind, WH_REL_VIEW);
		CHECK_STR(rels[1].name, odd_table);
		CHECK_INT(rels[1].kind, WH_REL_TABLE);
		CHECK_STR(rels[1].schema, odd_schema);
	}
	enum wh_rel_kind k = WH_REL_NONE;
	CHECK_OK(wh_relation_kind(v.c, odd_schema, odd_table, &k, &e), &e);
	CHECK_INT(k, WH_REL_TABLE);
	CHECK_OK(wh_relation_kind(v.c, odd_schema, "v1", &k, &e), &e);
	CHECK_INT(k, WH_REL_VIEW);
	CHECK_OK(wh_relation_kind(v.c, odd_schema, "nope", &k, &e), &e);
	CHECK_INT(k, WH_REL_NONE);

	struct wh_column_info *cols = NULL;
	size_t nc = 0;
	CHECK_OK(wh_list_columns(v.c, odd_schema, odd_table, a, &cols, &nc, &e), &e);
	REQUIRE(nc == 6);
	CHECK_STR(cols[0].name, "Mixed Case");
	CHECK(!cols[0].nullable);
	CHECK_INT(cols[0].ltype.type, WH_INT64);
	CHECK_STR(cols[1].name, "x\"y");
	CHECK(cols[1].nullable);
	CHECK_INT(cols[1].ltype.type, WH_TEXT);
	if (v.pg)
		CHECK_INT(cols[1].ltype.length, 12);
	CHECK_INT(cols[2].ltype.type, WH_DECIMAL);
	CHECK_INT(cols[2].ltype.precision, 10);
	CHECK_INT(cols[2].ltype.scale, 3);
	CHECK_INT(cols[3].ltype.type, v.pg ? WH_DATETIME : WH_TIMESTAMP);
	CHECK_INT(cols[4].ltype.type, WH_TIMESTAMP);
	CHECK_INT(cols[5].ltype.type, WH_DOUBLE);
	CHECK(cols[5].data_type && cols[5].data_type[0]);
	CHECK_OK(wh_list_columns(v.c, odd_schema, "nope", a, &cols, &nc, &e), &e);
	CHECK_INT(nc, 0);
	buf_reset(&sql);
	buf_puts(&sql, "drop schema ");
	wh_quote_ident(v.db, odd_schema, &sql);
	buf_puts(&sql, " cascade");
	exec_ok(&v, buf_cstr(&sql));
	CHECK_OK(wh_list_schemas(v.c, a, &schemas, &ns, &e), &e);
	for (size_t i = 0; i < ns; i++)
		CHECK(strcmp(schemas[i], odd_schema));
	buf_free(&sql);
	arena_free(a);
	err_clear(&e);
	env_close(&v);
}
BOTH(introspection_and_quoting)

static void sql_errors(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	struct wh_result *r = NULL;
	CHECK_INT(wh_query(v.c, "select * from missing_table_xyz", NULL, 0, &r, &e), ING_EDB);
	CHECK(r == NULL);
	CHECK(e.msg && strstr(e.msg, "missing_table_xyz"));
	err_clear(&e);
	CHECK_INT(wh_exec(v.c, "select 1; selec oops", &e), ING_EDB);
	CHECK(e.msg && strstr(e.msg, "selec"));
	err_clear(&e);
	CHECK_INT(wh_query(v.c, "select 1/0 + cast('x' as integer)", NULL, 0, &r, &e), ING_EDB);
	CHECK(e.msg != NULL);
	err_clear(&e);
	/* still usable */
	CHECK_Q(&v, "select 'ok'", 0, "ok");
	env_close(&v);
}
BOTH(sql_errors)

static void dialect_and_caps(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT, ver = BUF_INIT;
	CHECK_OK(wh_version(v.c, &ver, &e), &e);
	CHECK(str_startswith(buf_cstr(&ver), v.pg ? "PostgreSQL 1" : "v1.4."));
	CHECK_STR(wh_engine_name(v.db), v.pg ? "postgres" : "duckdb");
	CHECK(wh_target(v.db) == t);
	CHECK(wh_conn_db(v.c) == v.db);
	CHECK(wh_has(v.db, WH_CAP_BULK_APPEND | WH_CAP_MERGE | WH_CAP_CANCEL | WH_CAP_COMMENTS));
	CHECK(wh_has(v.db, WH_CAP_MULTI_PROCESS) == v.pg);
	CHECK(wh_has(v.db, WH_CAP_GRANTS) == v.pg);
	CHECK(wh_has(v.db, WH_CAP_BOUND_VIEWS) == v.pg);
	CHECK(wh_db_adapter(v.db) == wh_adapter_for(t->type));
	CHECK_STR(wh_adapter_name(wh_db_adapter(v.db)), t->type);
	struct {
		struct wh_ltype lt;
		const char *duck, *pg;
	} ty[] = {
		{{WH_INT64, 0, 0, 0}, "BIGINT", "bigint"},
		{{WH_DOUBLE, 0, 0, 0}, "DOUBLE", "double precision"},
		{{WH_DECIMAL, 12, 2, 0}, "DECIMAL(12,2)", "numeric(12,2)"},
		{{WH_DECIMAL, 0, 0, 0}, "DECIMAL(38,9)", "numeric"},
		{{WH_TEXT, 0, 0, 0}, "VARCHAR", "text"},
		{{WH_TEXT, 0, 0, 20}, "VARCHAR", "varchar(20)"},
		{{WH_BOOL, 0, 0, 0}, "BOOLEAN", "boolean"},
		{{WH_DATE, 0, 0, 0}, "DATE", "date"},
		{{WH_TIMESTAMP, 0, 0, 0}, "TIMESTAMP", "timestamptz"},
		{{WH_DATETIME, 0, 0, 0}, "TIMESTAMP", "timestamp"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ty); i++) {
		buf_reset(&b);
		wh_type_sql(v.db, &ty[i].lt, &b);
		CHECK_STR(buf_cstr(&b), v.pg ? ty[i].pg : ty[i].duck);
	}
	/* the capabilities claimed work */
	exec_ok(&v, "create table m (id integer, v varchar); insert into m values (1, 'a'), (2, 'b');"
		    "create table src (id integer, v varchar); insert into src values (2, 'B'), (3, 'C')");
	if (wh_has(v.db, WH_CAP_MERGE)) {
		exec_ok(&v, "merge into m using src on m.id = src.id"
			    " when matched then update set v = src.v"
			    " when not matched then insert values (src.id, src.v)");
		CHECK_Q(&v, "select string_agg(v, ',' order by id) from m", 0, "a,B,C");
	}
	if (wh_has(v.db, WH_CAP_COMMENTS))
		exec_ok(&v, "comment on table src is 'the source'");
	/* types read as text (WH_OTHER) */
	struct wh_result *r = NULL;
	REQUIRE(wh_query(v.c, v.pg ? "select interval '1 day' as i, 42 as n, array[1,2] as l"
				   : "select interval 1 day as i, 42 as n, [1, 2] as l",
			 NULL, 0, &r, &e) == 0);
	CHECK_INT(r->types[0], WH_OTHER);
	CHECK_INT(wh_cell(r, 0, 0)->type, WH_OTHER);
	CHECK(wh_cell(r, 0, 0)->v.s.n > 0 && strstr(wh_cell(r, 0, 0)->v.s.p, "1 day"));
	CHECK(wh_cell(r, 0, 1)->v.i == 42);
	CHECK_STR(r->names[2], "l");
	CHECK_INT(wh_cell(r, 0, 2)->type, WH_OTHER);
	CHECK_STR(wh_cell(r, 0, 2)->v.s.p, v.pg ? "{1,2}" : "[1, 2]");
	wh_result_free(r);
	buf_free(&b);
	buf_free(&ver);
	err_clear(&e);
	env_close(&v);
}
BOTH(dialect_and_caps)

/* ---- bulk append ---- */

enum { NB = 100000, BATCH = 30000 };

static const char *row_text(size_t i, char *tmp)
{
	if (i == 1)
		return "";
	if (i == 2)
		return "héllo, wörld ✓";
	if (i % 5 == 0)
		snprintf(tmp, 64, "a longer string value for row %zu", i);
	else
		snprintf(tmp, 64, "r%zu", i);
	return tmp;
}

static size_t u8len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

#define TS0 INT64_C(1600000000000000)
#define I38(i) ((__int128)(i) * (__int128)100000000000000000LL * 1000 + 12345)

static void bulk_append_every_type(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	const struct wh_coldef defs[] = {
		{"id", {WH_INT64, 0, 0, 0}},      {"d", {WH_DOUBLE, 0, 0, 0}},
		{"n18", {WH_DECIMAL, 18, 2, 0}},  {"n38", {WH_DECIMAL, 38, 10, 0}},
		{"s", {WH_TEXT, 0, 0, 0}},        {"b", {WH_BOOL, 0, 0, 0}},
		{"dt", {WH_DATE, 0, 0, 0}},       {"ts", {WH_TIMESTAMP, 0, 0, 0}},
		{"civil", {WH_DATETIME, 0, 0, 0}}, {"small", {WH_INT64, 0, 0, 0}},
	};
	enum { NC = ARRAY_SIZE(defs) };
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "create table bulk (");
	for (size_t k = 0; k < NC; k++) {
		buf_printf(&sql, "%s%s ", k ? ", " : "", defs[k].name);
		if (k == NC - 1)
			buf_puts(&sql, "integer"); /* narrower than the batch's int64 */
		else
			wh_type_sql(v.db, &defs[k].type, &sql);
	}
	buf_puts(&sql, ")");
	exec_ok(&v, buf_cstr(&sql));

	/* column data for all rows; strings in one block */
	int64_t *id = xmalloc(NB * sizeof(int64_t)), *ts = xmalloc(NB * sizeof(int64_t));
	int64_t *civil = xmalloc(NB * sizeof(int64_t)), *small = xmalloc(NB * sizeof(int64_t));
	double *d = xmalloc(NB * sizeof(double));
	__int128 *n18 = xmalloc(NB * sizeof(__int128)), *n38 = xmalloc(NB * sizeof(__int128));
	struct wh_str *s = xmalloc(NB * sizeof(struct wh_str));
	bool *b = xmalloc(NB * sizeof(bool));
	int32_t *dt = xmalloc(NB * sizeof(int32_t));
	uint8_t *valid[NC];
	for (size_t k = 0; k < NC; k++)
		valid[k] = xmalloc(NB);
	struct buf text = BUF_INIT;
	size_t *soff = xmalloc(NB * sizeof(size_t));
	/* expected aggregates */
	int64_t cnt[NC] = {0}, sum_len = 0, sum_small = 0, n_true = 0, max_ts = INT64_MIN;
	int32_t min_dt = INT32_MAX;
	__int128 sum18 = 0, sum38 = 0;
	for (size_t i = 0; i < NB; i++) {
		char tmp[64];
		static const int mod[NC] = {0, 7, 11, 13, 17, 19, 23, 29, 31, 37};
		for (size_t k = 0; k < NC; k++) {
			valid[k][i] = !(mod[k] && i % (size_t)mod[k] == 0);
			cnt[k] += valid[k][i];
		}
		id[i] = (int64_t)i;
		d[i] = (double)i * 0.5;
		n18[i] = (__int128)i * 101 - 5000000;
		n38[i] = I38(i);
		const char *st = row_text(i, tmp);
		soff[i] = text.len;
		buf_add(&text, st, strlen(st));
		s[i].n = (uint32_t)strlen(st);
		b[i] = i % 2 == 0;
		dt[i] = (int32_t)(i % 20000) - 5000;
		ts[i] = TS0 + (int64_t)i * 1000003;
		civil[i] = ts[i] - INT64_C(3600000000);
		small[i] = (int64_t)(i % 1000) - 500;
		if (valid[9][i])
			sum_small += small[i];
		if (valid[2][i])
			sum18 += n18[i];
		if (valid[3][i])
			sum38 += n38[i];
		if (valid[4][i])
			sum_len += (int64_t)u8len(st);
		if (valid[5][i])
			n_true += b[i];
		if (valid[6][i] && dt[i] < min_dt)
			min_dt = dt[i];
		if (valid[7][i] && ts[i] > max_ts)
			max_ts = ts[i];
	}
	for (size_t i = 0; i < NB; i++)
		s[i].p = text.data + soff[i];
	void *data[NC] = {id, d, n18, n38, s, b, dt, ts, civil, small};

	/* appended and rolled back: nothing stays */
	struct wh_appender *ap = NULL;
	struct wh_colbuf cb[NC];
	for (size_t k = 0; k < NC; k++)
		cb[k] = (struct wh_colbuf){defs[k].type, NULL, k ? NULL : NULL};
	CHECK_OK(wh_begin(v.c, &e), &e);
	REQUIRE(wh_append_open(v.c, t->schema, "bulk", defs, NC, &ap, &e) == 0);
	for (size_t k = 0; k < NC; k++) {
		cb[k].data = data[k];
		cb[k].valid = valid[k];
	}
	struct wh_batch bt = {NC, 1000, cb};
	CHECK_OK(wh_append_batch(ap, &bt, &e), &e);
	CHECK_OK(wh_append_close(ap, false, &e), &e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	CHECK_Q(&v, "select count(*) from bulk", 0, "0");

	/* all rows in uneven batches, inside a transaction */
	CHECK_OK(wh_begin(v.c, &e), &e);
	REQUIRE(wh_append_open(v.c, t->schema, "bulk", defs, NC, &ap, &e) == 0);
	for (size_t off = 0; off < NB; off += BATCH) {
		size_t n = NB - off < BATCH ? NB - off : BATCH;
		for (size_t k = 0; k < NC; k++) {
			size_t w = k == 2 || k == 3 ? sizeof(__int128)
				   : k == 4	    ? sizeof(struct wh_str)
				   : k == 5	    ? sizeof(bool)
				   : k == 6	    ? sizeof(int32_t)
						    : 8;
			cb[k].data = (char *)data[k] + off * w;
			cb[k].valid = k == 0 ? NULL : valid[k] + off;
		}
		bt.nrows = n;
		CHECK_OK(wh_append_batch(ap, &bt, &e), &e);
	}
	CHECK_OK(wh_append_close(ap, true, &e), &e);
	CHECK_OK(wh_commit(v.c, &e), &e);

	char want[96];
	snprintf(want, sizeof(want), "%d", NB);
	CHECK_Q(&v, "select count(*) from bulk", 0, want);
	snprintf(want, sizeof(want), "%lld", (long long)NB * (NB - 1) / 2);
	CHECK_Q(&v, "select sum(id) from bulk", 0, want);
	static const char *names[NC] = {"id", "d", "n18", "n38", "s", "b", "dt", "ts", "civil", "small"};
	for (size_t k = 0; k < NC; k++) {
		char q[64];
		snprintf(q, sizeof(q), "select count(%s) from bulk", names[k]);
		snprintf(want, sizeof(want), "%lld", (long long)cnt[k]);
		CHECK_Q(&v, q, 0, want);
	}
	wh__decimal_format(sum18, 2, want);
	CHECK_Q(&v, "select sum(n18) from bulk", 0, want);
	wh__decimal_format(sum38, 10, want);
	CHECK_Q(&v, "select sum(n38) from bulk", 0, want);
	snprintf(want, sizeof(want), "%lld", (long long)sum_len);
	CHECK_Q(&v, "select sum(length(s)) from bulk", 0, want);
	snprintf(want, sizeof(want), "%lld", (long long)n_true);
	CHECK_Q(&v, "select count(*) from bulk where b", 0, want);
	date_format(min_dt, want);
	CHECK_Q(&v, "select min(dt) from bulk", 0, want);
	ts_format(max_ts, want);
	CHECK_Q(&v, "select max(ts) from bulk", 0, want);
	snprintf(want, sizeof(want), "%lld", (long long)sum_small);
	CHECK_Q(&v, "select sum(small) from bulk", 0, want);

	/* spot-check whole rows, value by value */
	struct wh_result *r = NULL;
	REQUIRE(wh_query(v.c, "select * from bulk where id in (1, 2, 5, 7, 99999) order by id", NULL,
			 0, &r, &e) == 0);
	REQUIRE(r->nrows == 5 && r->ncols == NC);
	for (size_t row = 0; row < 5; row++) {
		size_t i = (size_t)wh_cell(r, row, 0)->v.i;
		char tmp[64], dec[48];
		CHECK((i == 7) == (wh_cell(r, row, 1)->type == WH_NULL));
		if (i != 7)
			CHECK(wh_cell(r, row, 1)->v.d == d[i]);
		wh__decimal_format(n18[i], 2, dec);
		CHECK_STR(wh_cell(r, row, 2)->v.s.p, dec);
		wh__decimal_format(n38[i], 10, dec);
		CHECK_STR(wh_cell(r, row, 3)->v.s.p, dec);
		CHECK_STR(wh_cell(r, row, 4)->v.s.p, row_text(i, tmp));
		CHECK(wh_cell(r, row, 5)->v.b == b[i]);
		CHECK(wh_cell(r, row, 6)->v.date == dt[i]);
		CHECK(wh_cell(r, row, 7)->v.ts == ts[i]);
		CHECK_INT(wh_cell(r, row, 7)->type, WH_TIMESTAMP);
		CHECK(wh_cell(r, row, 8)->v.ts == civil[i]);
		CHECK(wh_cell(r, row, 9)->v.i == small[i]);
	}
	wh_result_free(r);

	/* a value that does not fit the narrower column is an error */
	int64_t too_big = INT64_C(1) << 40;
	struct wh_coldef one = {"small", {WH_INT64, 0, 0, 0}};
	struct wh_colbuf ocb = {one.type, &too_big, NULL};
	struct wh_batch ob = {1, 1, &ocb};
	CHECK_OK(wh_begin(v.c, &e), &e);
	REQUIRE(wh_append_open(v.c, t->schema, "bulk", &one, 1, &ap, &e) == 0);
	CHECK(wh_append_batch(ap, &ob, &e) < 0);
	CHECK(e.msg && strstr(e.msg, "out of range"));
	err_clear(&e);
	wh_append_close(ap, false, &e);
	err_clear(&e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	/* a missing table */
	CHECK(wh_append_open(v.c, t->schema, "no_such_table", defs, NC, &ap, &e) < 0);
	CHECK(e.msg && strstr(e.msg, "no_such_table"));
	err_clear(&e);
	CHECK_Q(&v, "select count(*) from bulk", 0, "100000");

	for (size_t k = 0; k < NC; k++)
		free(valid[k]);
	free(id);
	free(ts);
	free(civil);
	free(small);
	free(d);
	free(n18);
	free(n38);
	free(s);
	free(b);
	free(dt);
	free(soff);
	buf_free(&text);
	buf_free(&sql);
	err_clear(&e);
	env_close(&v);
}
BOTH(bulk_append_every_type)

/* Invalid UTF-8 in a text batch is refused with an error, never stored
 * half-valid and never a crash. */
static void bulk_append_invalid_utf8(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	exec_ok(&v, "create table u8 (s varchar)");
	struct wh_coldef def = {"s", {WH_TEXT, 0, 0, 0}};
	struct wh_str strs[2] = {{"ok", 2}, {"bad \xff\xfe here", 11}};
	struct wh_colbuf cb = {def.type, strs, NULL};
	struct wh_batch b = {1, 2, &cb};
	struct wh_appender *ap = NULL;
	CHECK_OK(wh_begin(v.c, &e), &e);
	REQUIRE(wh_append_open(v.c, t->schema, "u8", &def, 1, &ap, &e) == 0);
	int rc = wh_append_batch(ap, &b, &e);
	if (!rc)
		rc = wh_append_close(ap, true, &e);
	else
		wh_append_close(ap, false, &e);
	CHECK(rc < 0);
	CHECK(e.msg != NULL);
	err_clear(&e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	CHECK_Q(&v, "select count(*) from u8", 0, "0");
	env_close(&v);
}
BOTH(bulk_append_invalid_utf8)

/* ---- stream insert (WH_CAP_STREAM_INSERT) ---- */

#define SI_NB 5
struct si_src {
	struct wh_batch b[SI_NB];
	size_t next, calls;
	_Atomic size_t released;
};

static int si_next(void *ctx, const struct wh_batch **b, void **token)
{
	struct si_src *src = ctx;
	src->calls++;
	if (src->next == SI_NB)
		return 0;
	*b = &src->b[src->next];
	*token = &src->b[src->next++];
	return 1;
}

static void si_release(void *ctx, void *token)
{
	struct si_src *src = ctx;
	(void)token;
	src->released++;
}

/* Batches of every streamable type, NULLs and an empty batch included,
 * arrive complete and in order; a column that needs a conversion is
 * refused before any batch is taken. */
static void stream_insert_every_type(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	const struct wh_coldef defs[] = {
		{"id", {WH_INT64, 0, 0, 0}},     {"d", {WH_DOUBLE, 0, 0, 0}},
		{"n", {WH_DECIMAL, 18, 2, 0}},   {"s", {WH_TEXT, 0, 0, 0}},
		{"b", {WH_BOOL, 0, 0, 0}},       {"dt", {WH_DATE, 0, 0, 0}},
		{"ts", {WH_TIMESTAMP, 0, 0, 0}},
	};
	enum { NC = ARRAY_SIZE(defs) };
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "create table st (");
	for (size_t k = 0; k < NC; k++) {
		buf_printf(&sql, "%s%s ", k ? ", " : "", defs[k].name);
		wh_type_sql(v.db, &defs[k].type, &sql);
	}
	buf_puts(&sql, ")");
	exec_ok(&v, buf_cstr(&sql));
	if (!wh_has(v.db, WH_CAP_STREAM_INSERT)) {
		struct si_src none = {0};
		struct wh_stream_src src = {&none, si_next, si_release};
		CHECK(wh_stream_insert(v.c, t->schema, "st", defs, NC, &src, &e) == ING_EUNSUPPORTED);
		CHECK(none.calls == 0);
		err_clear(&e);
		buf_free(&sql);
		env_close(&v);
		return;
	}
	static const size_t sizes[SI_NB] = {3000, 1, 0, 2500, 7000};
	enum { TOTAL = 12501 };
	int64_t *id = xmalloc(TOTAL * sizeof(int64_t)), *ts = xmalloc(TOTAL * sizeof(int64_t));
	double *d = xmalloc(TOTAL * sizeof(double));
	__int128 *n = xmalloc(TOTAL * sizeof(__int128));
	struct wh_str *s = xmalloc(TOTAL * sizeof(struct wh_str));
	bool *b = xmalloc(TOTAL * sizeof(bool));
	int32_t *dt = xmalloc(TOTAL * sizeof(int32_t));
	uint8_t *valid = xmalloc(TOTAL);
	static const char *words[] = {"a", "twelve bytes", "thirteen byte", "a longer text, with ütf-8 äöü"};
	int64_t nnull = 0, sum_len = 0, n_true = 0;
	__int128 sum_n = 0;
	for (size_t i = 0; i < TOTAL; i++) {
		id[i] = (int64_t)i;
		d[i] = (double)i / 4;
		n[i] = (__int128)i * 7 - 30000;
		s[i].p = words[i % 4];
		s[i].n = (uint32_t)strlen(words[i % 4]);
		b[i] = i % 3 == 0;
		dt[i] = (int32_t)i - 6000;
		ts[i] = (int64_t)i * 1000001;
		valid[i] = i % 5 != 0;
		nnull += !valid[i];
		if (valid[i]) {
			sum_len += (int64_t)u8len(s[i].p);
			n_true += b[i];
			sum_n += n[i];
		}
	}
	struct si_src in = {0};
	struct wh_colbuf cbs[SI_NB][NC];
	size_t off = 0;
	for (size_t k = 0; k < SI_NB; k++) {
		void *data[NC] = {id + off, d + off, n + off, s + off, b + off, dt + off, ts + off};
		for (size_t c = 0; c < NC; c++)
			cbs[k][c] = (struct wh_colbuf){defs[c].type, data[c], c ? valid + off : NULL};
		in.b[k] = (struct wh_batch){NC, sizes[k], cbs[k]};
		off += sizes[k];
	}
	struct wh_stream_src src = {&in, si_next, si_release};
	CHECK_OK(wh_begin(v.c, &e), &e);
	CHECK_OK(wh_stream_insert(v.c, t->schema, "st", defs, NC, &src, &e), &e);
	CHECK(in.next == SI_NB);
	CHECK(in.released == SI_NB);
	CHECK_OK(wh_commit(v.c, &e), &e);
	char want[64];
	CHECK_Q(&v, "select count(*) from st", 0, "12501");
	snprintf(want, sizeof(want), "%lld", (long long)(TOTAL - nnull));
	CHECK_Q(&v, "select count(s) from st", 0, want);
	snprintf(want, sizeof(want), "%lld", (long long)sum_len);
	CHECK_Q(&v, "select sum(length(s)) from st", 0, want);
	snprintf(want, sizeof(want), "%lld", (long long)n_true);
	CHECK_Q(&v, "select count(*) from st where b", 0, want);
	char dec[48];
	wh__decimal_format(sum_n, 2, dec);
	CHECK_Q(&v, "select sum(n)::varchar from st", 0, dec);
	CHECK_Q(&v, "select count(*) from st where dt is not null and dt <> date '1970-01-01' + (id - 6000)::int", 0, "0");
	CHECK_Q(&v, "select count(*) from st where ts is not null and epoch_us(ts) <> id * 1000001", 0, "0");
	CHECK_Q(&v, "select count(*) from st where d is not null and d <> id / 4", 0, "0");
	/* file order: the rows come back in the order of the batches */
	CHECK_Q(&v, "select count(*) from (select id, row_number() over () - 1 as rn from st) where id <> rn", 0, "0");

	/* INT64 into INTEGER needs the appender's range check */
	exec_ok(&v, "create table st2 (id integer)");
	struct si_src none = {0};
	struct wh_stream_src src2 = {&none, si_next, si_release};
	CHECK(wh_stream_insert(v.c, t->schema, "st2", defs, 1, &src2, &e) == ING_EUNSUPPORTED);
	CHECK(none.calls == 0);
	err_clear(&e);
	free(id);
	free(ts);
	free(d);
	free(n);
	free(s);
	free(b);
	free(dt);
	free(valid);
	buf_free(&sql);
	env_close(&v);
}
BOTH(stream_insert_every_type)

/* ---- a cancel token tied to a connection ---- */

struct later_cancel {
	struct cancel *tok;
	int ms;
};

static void *request_later(void *arg)
{
	struct later_cancel *l = arg;
	usleep((useconds_t)l->ms * 1000);
	cancel_request(l->tok, ING_ETIMEOUT, "timed out after 0.3s");
	return NULL;
}

static void cancel_token(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	struct err e = ERR_INIT;
	/* requested before: every statement is refused, ROLLBACK still runs */
	struct cancel *tok = cancel_new();
	wh_conn_set_cancel(v.c, tok);
	cancel_request(tok, ING_ECANCELED, "cancelled by Ctrl-C");
	CHECK(wh_exec(v.c, "select 1", &e) == ING_ECANCELED);
	CHECK_STR(e.msg, "cancelled by Ctrl-C");
	err_clear(&e);
	CHECK(wh_begin(v.c, &e) == ING_ECANCELED);
	err_clear(&e);
	CHECK_OK(wh_rollback(v.c, &e), &e);
	err_clear(&e);
	wh_conn_set_cancel(v.c, NULL);
	cancel_free(tok);
	exec_ok(&v, "select 1");

	/* requested while a long statement runs: interrupted, the token's status */
	tok = cancel_new();
	wh_conn_set_cancel(v.c, tok);
	struct later_cancel l = {tok, 300};
	pthread_t th;
	REQUIRE(pthread_create(&th, NULL, request_later, &l) == 0);
	double t0 = mono_seconds();
	int rc = wh_exec(v.c, v.pg ? "select pg_sleep(60)"
			      : "select count(*) from range(300000) a cross join range(300000) b "
				"where a.range + b.range = 17", &e);
	double took = mono_seconds() - t0;
	pthread_join(th, NULL);
	CHECK(rc == ING_ETIMEOUT);
	CHECK_STR(e.msg, "timed out after 0.3s");
	CHECK(took < 15.0);
	err_clear(&e);
	wh_conn_set_cancel(v.c, NULL);
	cancel_free(tok);
	exec_ok(&v, "select 1"); /* the connection is usable again */
	env_close(&v);
}
BOTH(cancel_token)

/* ---- the dialect of models (wh_sql_*) ---- */

/* Each engine's spelling, and the standard SQL defaults for an engine
 * that states nothing (NULL: not compiled in). */
TEST(wh_dialect_per_engine)
{
	const struct wh_adapter *dk = wh_adapter_for("duckdb"), *pg = wh_adapter_for("postgres");
	REQUIRE(dk && pg);
	CHECK(!wh_adapter_for("oracle"));
	CHECK_STR(wh_adapter_name(dk), "duckdb");
	CHECK_STR(wh_adapter_name(NULL), "");
	CHECK_STR(wh_sql_macro_type(dk, WH_SQLT_STRING), "VARCHAR");
	CHECK_STR(wh_sql_macro_type(pg, WH_SQLT_STRING), "text");
	CHECK_STR(wh_sql_macro_type(NULL, WH_SQLT_STRING), "varchar");
	CHECK_STR(wh_sql_macro_type(pg, WH_SQLT_FLOAT), "float");
	CHECK_STR(wh_sql_macro_type(dk, WH_SQLT_NUMERIC), "numeric(28,6)");
	CHECK_STR(wh_sql_macro_type(pg, WH_SQLT_TIMESTAMP), "timestamp without time zone");
	CHECK_STR(wh_sql_column_type(dk, WH_SQLT_FLOAT), "double");
	CHECK_STR(wh_sql_column_type(pg, WH_SQLT_FLOAT), "float8");
	CHECK_STR(wh_sql_column_type(NULL, WH_SQLT_FLOAT), "double precision");
	CHECK_STR(wh_sql_column_type(dk, WH_SQLT_STRING), "varchar");
	CHECK_STR(wh_sql_current_timestamp(pg), "now()");
	CHECK_STR(wh_sql_current_timestamp(dk), "current_timestamp");
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	wh_sql_dateadd(dk, "day", "3", "d", &b);
	CHECK_STR(buf_cstr(&b), "date_add(d, interval (3) day)");
	buf_reset(&b);
	wh_sql_dateadd(pg, "day", "3", "d", &b);
	CHECK_STR(buf_cstr(&b), "d + ((interval '1 day') * (3))");
	buf_reset(&b);
	CHECK_OK(wh_sql_datediff(pg, "a", "b", "day", &b, &e), &e);
	CHECK_STR(buf_cstr(&b), "((b)::date - (a)::date)");
	buf_reset(&b);
	CHECK(wh_sql_datediff(pg, "a", "b", "fortnight", &b, &e) == ING_EINVAL);
	CHECK(e.msg && strstr(e.msg, "'fortnight'") && strstr(e.msg, "use year"));
	err_clear(&e);
	buf_reset(&b);
	wh_sql_hash(pg, "x", &b);
	CHECK_STR(buf_cstr(&b), "md5(cast(x as text))");
	buf_reset(&b);
	wh_sql_safe_cast(dk, "x", "int", &b);
	CHECK_STR(buf_cstr(&b), "try_cast(x as int)");
	buf_reset(&b);
	wh_sql_safe_cast(NULL, "x", "int", &b);
	CHECK_STR(buf_cstr(&b), "cast(x as int)");
	buf_reset(&b);
	wh_sql_any_value(pg, "x", &b);
	CHECK_STR(buf_cstr(&b), "min(x)");
	buf_reset(&b);
	wh_sql_listagg(dk, "m", "','", "order by m", "2", &b);
	CHECK_STR(buf_cstr(&b), "array_to_string(list_slice(array_agg(m order by m), 1, 2), ',')");
	buf_reset(&b);
	wh_sql_listagg(pg, "m", "','", NULL, NULL, &b);
	CHECK_STR(buf_cstr(&b), "string_agg(m, ',')");
	/* status text: dbt-duckdb says OK, dbt-postgres the command tag */
	buf_reset(&b);
	wh_sql_status(dk, "SELECT", 3, &b);
	CHECK_STR(buf_cstr(&b), "OK");
	buf_reset(&b);
	wh_sql_status(pg, "SELECT", 3, &b);
	CHECK_STR(buf_cstr(&b), "SELECT 3");
	buf_reset(&b);
	wh_sql_status(pg, "CREATE VIEW", -1, &b);
	CHECK_STR(buf_cstr(&b), "CREATE VIEW");
	buf_free(&b);
}

/* The SQL each engine's dialect writes runs there and means the same. */
static void dialect_runs(const struct target *t)
{
	struct env v;
	if (!env_open(&v, t))
		return;
	const struct wh_adapter *ad = wh_db_adapter(v.db);
	struct buf b = BUF_INIT, x = BUF_INIT;
	struct err e = ERR_INIT;
	buf_puts(&b, "select cast(");
	wh_sql_dateadd(ad, "month", "2", "cast('2024-01-31' as date)", &b);
	buf_puts(&b, " as date)");
	CHECK_Q(&v, buf_cstr(&b), 0, "2024-03-31");
	static const struct {
		const char *part, *want;
	} diffs[] = {{"day", "3"}, {"month", "2"}, {"year", "1"}, {"hour", "72"}};
	for (size_t i = 0; i < ARRAY_SIZE(diffs); i++) {
		buf_reset(&b);
		buf_puts(&b, "select cast(");
		CHECK_OK(wh_sql_datediff(ad, "cast('2023-12-29' as date)", "cast('2024-01-01' as date)",
					 diffs[i].part, &x, &e), &e);
		if (!strcmp(diffs[i].part, "day") || !strcmp(diffs[i].part, "hour")) {
			buf_puts(&b, buf_cstr(&x));
		} else {
			buf_reset(&x);
			CHECK_OK(wh_sql_datediff(ad, "cast('2023-11-30' as date)",
						 "cast('2024-01-01' as date)", diffs[i].part, &x, &e), &e);
			buf_puts(&b, buf_cstr(&x));
		}
		buf_reset(&x);
		buf_printf(&b, " as %s)", wh_sql_macro_type(ad, WH_SQLT_BIGINT));
		CHECK_Q(&v, buf_cstr(&b), 0, diffs[i].want);
	}
	buf_reset(&b);
	buf_puts(&b, "select ");
	wh_sql_hash(ad, "'abc'", &b);
	CHECK_Q(&v, buf_cstr(&b), 0, "900150983cd24fb0d6963f7d28e17f72");
	buf_reset(&b);
	buf_puts(&b, "select ");
	wh_sql_safe_cast(ad, "'42'", wh_sql_macro_type(ad, WH_SQLT_INT), &b);
	CHECK_Q(&v, buf_cstr(&b), 0, "42");
	buf_reset(&b);
	buf_puts(&b, "select ");
	wh_sql_listagg(ad, "s", "'|'", "order by s", "2", &b);
	buf_puts(&b, ", ");
	wh_sql_any_value(ad, "k", &b);
	buf_puts(&b, " from (values ('c', 1), ('a', 1), ('b', 1)) as t(s, k)");
	CHECK_Q(&v, buf_cstr(&b), 0, "a|b");
	CHECK_Q(&v, buf_cstr(&b), 1, "1");
	buf_reset(&b);
	buf_printf(&b, "select %s is not null", wh_sql_current_timestamp(ad));
	CHECK_Q(&v, buf_cstr(&b), 0, "true");
	/* the column types ingot declares exist on the engine */
	buf_reset(&b);
	buf_puts(&b, "create temporary table dtypes (");
	for (int i = 0; i < WH_SQLT_N; i++)
		buf_printf(&b, "%sc%d %s", i ? ", " : "", i,
			   wh_sql_column_type(ad, (enum wh_sqltype)i));
	buf_puts(&b, ")");
	exec_ok(&v, buf_cstr(&b));
	buf_free(&b);
	buf_free(&x);
	env_close(&v);
}
BOTH(dialect_runs)

/* ---- a third engine: only the required operations ----
 *
 * "fakesql" wraps DuckDB through the public API and leaves every optional
 * operation NULL (no introspection, no dialect, no caps): introspection
 * must come from the information_schema defaults, the dialect from the
 * standard SQL ones. */

struct fake_db {
	struct wh_db base;
	struct wh_db *inner;
	struct target t;
};

struct fake_conn {
	struct wh_conn base;
	struct wh_conn *inner;
};

static const struct wh_adapter fake_adapter;

static int fk_open(const struct target *t, struct wh_db **out, struct err *e)
{
	struct fake_db *d = xcalloc(1, sizeof(*d));
	d->t = *t;
	d->t.type = "duckdb";
	int rc = wh_open(&d->t, &d->inner, e);
	if (rc) {
		free(d);
		return rc;
	}
	d->base.ad = wh_adapter_for(t->type); /* fake_adapter or a variant of it */
	d->base.target = t;
	*out = &d->base;
	return 0;
}

static void fk_close(struct wh_db *db)
{
	struct fake_db *d = (struct fake_db *)db;
	wh_close(d->inner);
	free(d);
}

static int fk_connect(struct wh_db *db, struct wh_conn **out, struct err *e)
{
	struct fake_conn *c = xcalloc(1, sizeof(*c));
	int rc = wh_connect(((struct fake_db *)db)->inner, &c->inner, e);
	if (rc) {
		free(c);
		return rc;
	}
	c->base.ad = db->ad;
	c->base.db = db;
	*out = &c->base;
	return 0;
}

static void fk_disconnect(struct wh_conn *c)
{
	wh_disconnect(((struct fake_conn *)c)->inner);
	free(c);
}

static int fk_version(struct wh_conn *c, struct buf *out, struct err *e)
{
	return wh_version(((struct fake_conn *)c)->inner, out, e);
}

static int fk_exec(struct wh_conn *c, const char *sql, int64_t *rows, struct err *e)
{
	return wh_exec_count(((struct fake_conn *)c)->inner, sql, rows, e);
}

static int fk_query(struct wh_conn *c, const char *sql, const struct wh_value *params,
		    size_t nparams, struct wh_result **out, struct err *e)
{
	return wh_query(((struct fake_conn *)c)->inner, sql, params, nparams, out, e);
}

static void fk_type_sql(const struct wh_ltype *t, struct buf *out)
{
	wh_duckdb_adapter.type_sql(t, out);
}

static const struct wh_adapter fake_adapter = {
	.name = "fakesql",
	.ident_quote = '"',
	.db_open = fk_open,
	.db_close = fk_close,
	.connect = fk_connect,
	.disconnect = fk_disconnect,
	.version = fk_version,
	.exec = fk_exec,
	.query = fk_query,
	.type_sql = fk_type_sql,
};

static const struct target *fake_target(void)
{
	struct err e = ERR_INIT;
	CHECK_OK(wh_adapter_register(&fake_adapter, &e), &e);
	err_clear(&e);
	static struct target t;
	t = *test_duckdb_target();
	t.type = "fakesql";
	return &t;
}

TEST(fake_engine_registers)
{
	struct err e = ERR_INIT;
	const struct target *t = fake_target();
	CHECK(wh_adapter_for("fakesql") == &fake_adapter);
	CHECK(strstr(wh_engines_available(), "duckdb") && strstr(wh_engines_available(), "fakesql"));
	/* a name taken, a required operation missing */
	CHECK(wh_adapter_register(&fake_adapter, &e) == ING_EINVAL);
	CHECK(e.msg && strstr(e.msg, "'fakesql' is already registered"));
	err_clear(&e);
	struct wh_adapter half = {.name = "half", .db_open = fk_open};
	CHECK(wh_adapter_register(&half, &e) == ING_EINVAL);
	CHECK(e.msg && strstr(e.msg, "'half' lacks the required operation db_close"));
	err_clear(&e);
	CHECK(!wh_adapter_for("half"));
	/* it opens; no capability is claimed, so none is used */
	struct env v;
	REQUIRE(env_open(&v, t));
	CHECK_STR(wh_engine_name(v.db), "fakesql");
	CHECK(!wh_has(v.db, WH_CAP_BULK_APPEND) && !wh_has(v.db, WH_CAP_MERGE));
	struct wh_appender *ap = NULL;
	struct wh_coldef cd = {"a", {WH_INT64, 0, 0, 0}};
	CHECK(wh_append_open(v.c, "main", "t", &cd, 1, &ap, &e) == ING_EUNSUPPORTED);
	err_clear(&e);
	CHECK(wh_cancel(v.c) == ING_EUNSUPPORTED);
	/* the dialect is the standard one */
	const struct wh_adapter *ad = wh_db_adapter(v.db);
	CHECK_STR(wh_sql_macro_type(ad, WH_SQLT_STRING), "varchar");
	struct buf b = BUF_INIT;
	wh_sql_status(ad, "INSERT", 2, &b);
	CHECK_STR(buf_cstr(&b), "INSERT 2");
	buf_free(&b);
	exec_ok(&v, "create table n (a integer)");
	CHECK_Q(&v, "select count(*) from n", 0, "0");
	env_close(&v);
}

/* the whole introspection test, through information_schema */
TEST(fake_engine_introspection)
{
	introspection_and_quoting(fake_target());
}

/* an engine's own operation wins over the default */
static int fk_list_schemas(struct wh_conn *c, struct arena *a, const char ***names, size_t *n,
			   struct err *e)
{
	const char **v = arena_zalloc(a, 2 * sizeof(*v));
	v[0] = arena_strdup(a, "only_this");
	*names = v;
	*n = 1;
	return 0;
}

static int fk_relation_kind(struct wh_conn *c, const char *schema, const char *rel,
			    enum wh_rel_kind *kind, struct err *e)
{
	return err_set(e, ING_EDB, "no catalog for %s.%s", schema, rel);
}

TEST(fake_engine_overrides)
{
	static struct wh_adapter over;
	over = fake_adapter;
	over.name = "fakesql2";
	over.list_schemas = fk_list_schemas;
	over.relation_kind = fk_relation_kind;
	over.dialect.current_catalog = "'no such catalog'";
	struct err e = ERR_INIT;
	CHECK_OK(wh_adapter_register(&over, &e), &e);
	err_clear(&e);
	static struct target t;
	t = *test_duckdb_target();
	t.type = "fakesql2";
	struct env v;
	REQUIRE(env_open(&v, &t));
	exec_ok(&v, "create table r (a integer)");
	struct arena *a = arena_new(0);
	const char **names = NULL;
	size_t n = 0;
	CHECK_OK(wh_list_schemas(v.c, a, &names, &n, &e), &e);
	REQUIRE(n == 1);
	CHECK_STR(names[0], "only_this");
	enum wh_rel_kind k = WH_REL_TABLE;
	CHECK(wh_relation_kind(v.c, "main", "r", &k, &e) == ING_EDB);
	CHECK_STR(e.msg, "no catalog for main.r");
	CHECK_INT(k, WH_REL_NONE);
	err_clear(&e);
	/* the defaults that remain use the engine's catalog expression */
	struct wh_relation_info *rels = NULL;
	CHECK_OK(wh_list_relations(v.c, "main", a, &rels, &n, &e), &e);
	CHECK_INT(n, 0);
	arena_free(a);
	env_close(&v);
}
