/*
 * tests/unit/test_ch_cluster.c — the ClickHouse adapter's sharded DDL
 * (profile `cluster:`) against the two-shard cluster tests/run-all.sh
 * starts (tests/lib/clickhouse.sh, Debian's clickhouse-server 18.16, no
 * ZooKeeper: DDL runs on each shard's host). Through the adapter
 * (wh_exec), checked on each shard over plain HTTP: CREATE TABLE ... AS
 * SELECT makes <t>_local on both shards and a Distributed <t>; CREATE
 * TABLE ... AS other; RENAME; DROP; schemas on every shard; the catalog
 * lists a sharded relation once. The loads through `ingot load` are t1146.
 */
#include "test.h"

#include "config/project.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "warehouse/warehouse.h"

#ifdef HAVE_LIBCURL
#include "warehouse/ch_http.h"

#include <stdlib.h>
#include <string.h>

static int sink_add(void *ud, const char *data, size_t n, struct err *e)
{
	return buf_add(ud, data, n);
}

/* The answer of sql on shard s (1 or 2), trimmed; "ERR" when it fails. */
static char *on_shard(int s, const char *sql)
{
	struct ch_http_opts o = {
		.host = getenv("INGOT_TEST_CHHOST"),
		.port = atoi(getenv(s == 2 ? "INGOT_TEST_CHPORT2" : "INGOT_TEST_CHPORT")),
		.user = getenv("INGOT_TEST_CHUSER"),
		.password = getenv("INGOT_TEST_CHPASSWORD"),
	};
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	if (ch_http_open(&o, &h, &e) < 0 || ch_http_exec(h, sql, NULL, NULL, sink_add, &b, &e) < 0)
		buf_reset(&b), buf_puts(&b, "ERR");
	ch_http_close(h);
	err_clear(&e);
	while (b.len && b.data[b.len - 1] == '\n')
		b.len--;
	buf_truncate(&b, b.len);
	return buf_detach(&b, NULL);
}

#define CHECK_SHARD(s, sql, want)                                                   \
	do {                                                                        \
		char *got_ = on_shard(s, sql);                                      \
		CHECK_STR(got_, want);                                              \
		free(got_);                                                         \
	} while (0)

#define ENGINE_OF(t)                                                                \
	"SELECT engine FROM system.tables WHERE database = 'ut_cl' AND name = '" t "'"

TEST(ch_cluster_ddl_routing)
{
	const char *p1 = getenv("INGOT_TEST_CHPORT"), *p2 = getenv("INGOT_TEST_CHPORT2");
	if (!p1 || !p2) {
		test_fail(__FILE__, __LINE__,
			  "no ClickHouse test cluster (run through tests/run-all.sh, which starts "
			  "one with tests/lib/clickhouse.sh)");
		return;
	}
	char *ports = xasprintf("%s,%s", p1, p2);
	struct target t = {
		.name = "unit",
		.type = "clickhouse",
		.ch_mode = "http",
		.host = getenv("INGOT_TEST_CHHOST"),
		.port = atoi(p1),
		.user = getenv("INGOT_TEST_CHUSER"),
		.password = getenv("INGOT_TEST_CHPASSWORD"),
		.schema = "default",
		.database = "default",
		.cluster = "ingot_cluster",
		.ch_sharding_key = "rand()",
		.ch_shard_ports = ports,
	};
	struct err e = ERR_INIT;
	struct wh_db *db = NULL;
	struct wh_conn *c = NULL;

	/* for builds the server is too old, and the message says how DDL runs */
	CHECK(wh_open(&t, &db, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "older than ingot supports for builds") &&
	      strstr(e.msg, "2 shards") && strstr(e.msg, "DDL run on each shard's host"));
	err_clear(&e);

	REQUIRE(wh_open_loads(&t, &db, &e) == 0);
	CHECK_OK(wh_connect(db, &c, &e), &e);
	REQUIRE(c);
	CHECK_OK(wh_exec(c, "DROP SCHEMA IF EXISTS ut_cl CASCADE; CREATE SCHEMA ut_cl", &e), &e);
	CHECK_SHARD(1, "SELECT count() FROM system.databases WHERE name = 'ut_cl'", "1");
	CHECK_SHARD(2, "SELECT count() FROM system.databases WHERE name = 'ut_cl'", "1");

	/* CTAS: local tables on both shards, a Distributed table over them */
	CHECK_OK(wh_exec(c,
			 "CREATE TABLE ut_cl.t ENGINE = MergeTree() ORDER BY tuple() AS SELECT "
			 "number AS n FROM system.numbers LIMIT 1000",
			 &e),
		 &e);
	for (int s = 1; s <= 2; s++) {
		CHECK_SHARD(s, ENGINE_OF("t"), "Distributed");
		CHECK_SHARD(s, ENGINE_OF("t_local"), "MergeTree");
	}
	char *a = on_shard(1, "SELECT count() FROM ut_cl.t_local");
	char *b = on_shard(2, "SELECT count() FROM ut_cl.t_local");
	CHECK(atoi(a) > 0 && atoi(b) > 0);
	CHECK_INT(atoi(a) + atoi(b), 1000);
	free(a);
	free(b);
	CHECK_SHARD(2, "SELECT count(), sum(n) FROM ut_cl.t", "1000\t499500");

	/* a model's sharding_key (as transform/ writes it: table clause, then
	 * the sharding clause) is the Distributed table's key */
	struct buf k = BUF_INIT;
	buf_puts(&k, "create table \"ut_cl\".\"k\"");
	wh_sql_table_clause(wh_adapter_for("clickhouse"), NULL, NULL, NULL, &k);
	wh_sql_sharding_clause(wh_adapter_for("clickhouse"), "intHash64(assumeNotNull(n))", &k);
	buf_puts(&k, " as (\nselect toNullable(number) as n from system.numbers limit 10\n)");
	CHECK_OK(wh_exec(c, buf_cstr(&k), &e), &e);
	buf_free(&k);
	CHECK_SHARD(2, "SELECT engine_full LIKE '%intHash64(assumeNotNull(n))%' FROM system.tables "
		       "WHERE database = 'ut_cl' AND name = 'k'",
		    "1");
	CHECK_SHARD(1, "SELECT count() FROM ut_cl.k", "10");
	CHECK_OK(wh_exec(c, "DROP TABLE ut_cl.k", &e), &e);

	/* CREATE TABLE ... AS other: shaped like other's local tables */
	CHECK_OK(wh_exec(c, "CREATE TABLE ut_cl.t2 AS ut_cl.t", &e), &e);
	CHECK_SHARD(2, ENGINE_OF("t2"), "Distributed");
	CHECK_SHARD(2, "SELECT type FROM system.columns WHERE database = 'ut_cl' AND table = "
		       "'t2_local' AND name = 'n'",
		    "UInt64");

	/* the catalog lists a sharded relation once */
	struct arena *ar = arena_new(0);
	struct wh_relation_info *rels = NULL;
	size_t n = 0;
	CHECK_OK(wh_list_relations(c, "ut_cl", ar, &rels, &n, &e), &e);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(rels[0].name, "t");
		CHECK_STR(rels[1].name, "t2");
	}
	arena_free(ar);

	/* RENAME moves the local tables and makes the Distributed one again */
	CHECK_OK(wh_exec(c, "ALTER TABLE ut_cl.t RENAME TO t3", &e), &e);
	for (int s = 1; s <= 2; s++) {
		CHECK_SHARD(s, ENGINE_OF("t3_local"), "MergeTree");
		CHECK_SHARD(s, "SELECT count() FROM system.tables WHERE database = 'ut_cl' AND name "
			       "IN ('t', 't_local')",
			    "0");
	}
	CHECK_SHARD(1, "SELECT count() FROM ut_cl.t3", "1000");

	/* DROP takes both */
	CHECK_OK(wh_exec(c, "DROP TABLE IF EXISTS ut_cl.t3 CASCADE", &e), &e);
	CHECK_SHARD(2, "SELECT count() FROM system.tables WHERE database = 'ut_cl' AND name LIKE "
		       "'t3%'",
		    "0");
	CHECK_OK(wh_exec(c, "DROP SCHEMA ut_cl CASCADE", &e), &e);
	CHECK_SHARD(2, "SELECT count() FROM system.databases WHERE name = 'ut_cl'", "0");

	wh_disconnect(c);
	wh_close(db);
	free(ports);
}

#endif /* HAVE_LIBCURL */
