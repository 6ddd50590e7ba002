/*
 * tests/unit/test_ch_http.c — the ClickHouse HTTP transport against a real
 * server: tests/run-all.sh starts the two-shard cluster of
 * tests/lib/clickhouse.sh (Debian's clickhouse-server 18.16) and exports
 * INGOT_TEST_CH*; these tests talk to shard 1 (and shard 2 for the
 * Distributed table). Without the variables they fail and say so.
 */
#include "test.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/fs.h"
#include "gen/thelook.h"
#include "lake/lake.h"
#include "warehouse/ch_http.h"
#include "warehouse/warehouse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HAVE_LIBCURL

/* Options for shard 1 (or 2), with settings; NULL + failure without a server. */
static bool ch_opts(int shard, const char *const *settings, struct ch_http_opts *o)
{
	const char *port = getenv(shard == 2 ? "INGOT_TEST_CHPORT2" : "INGOT_TEST_CHPORT");
	if (!port) {
		test_fail(__FILE__, __LINE__,
			  "no ClickHouse test server (run through tests/run-all.sh, which starts one "
			  "with tests/lib/clickhouse.sh)");
		return false;
	}
	*o = (struct ch_http_opts){
		.host = getenv("INGOT_TEST_CHHOST"),
		.port = atoi(port),
		.user = getenv("INGOT_TEST_CHUSER"),
		.password = getenv("INGOT_TEST_CHPASSWORD"),
		.settings = settings,
	};
	return true;
}

static struct ch_http *ch_connect(int shard, const char *const *settings)
{
	struct ch_http_opts o;
	if (!ch_opts(shard, settings, &o))
		return NULL;
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	if (ch_http_open(&o, &h, &e) < 0) {
		test_fail(__FILE__, __LINE__, "ch_http_open: %s", e.msg);
		h = NULL;
	}
	err_clear(&e);
	return h;
}

struct collect {
	struct buf out;
	size_t calls;
};

static int sink_collect(void *ud, const char *data, size_t n, struct err *e)
{
	struct collect *c = ud;
	c->calls++;
	return buf_add(&c->out, data, n);
}

/* Run sql, the answer as a string (caller frees); NULL + failure on error. */
static char *q(struct ch_http *h, const char *sql)
{
	struct collect c = {BUF_INIT, 0};
	struct err e = ERR_INIT;
	if (ch_http_exec(h, sql, NULL, NULL, sink_collect, &c, &e) < 0) {
		test_fail(__FILE__, __LINE__, "%s: %s", sql, e.msg);
		err_clear(&e);
		buf_free(&c.out);
		return NULL;
	}
	return c.out.data ? buf_detach(&c.out, NULL) : xstrdup("");
}

static bool q_is(struct ch_http *h, const char *sql, const char *want)
{
	char *got = q(h, sql);
	bool ok = got && !strcmp(got, want);
	if (got && !ok)
		test_fail(__FILE__, __LINE__, "%s: '%s' != '%s'", sql, got, want);
	free(got);
	return ok;
}

TEST(ch_http_round_trip)
{
	struct ch_http *h = ch_connect(1, NULL);
	REQUIRE(h);
	q_is(h, "SELECT number, toString(number * 2) FROM system.numbers LIMIT 3 FORMAT TabSeparated",
	     "0\t0\n1\t2\n2\t4\n");
	/* keep-alive: many statements on one handle, each with its own query_id */
	char first[64];
	snprintf(first, sizeof(first), "%s", ch_http_last_query_id(h));
	for (int i = 0; i < 20; i++)
		q_is(h, "SELECT 1", "1\n");
	CHECK(strcmp(first, ch_http_last_query_id(h)) != 0);
	CHECK(!strncmp(ch_http_last_query_id(h), "ingot-", 6));
	/* a big answer arrives in pieces, complete and in order (compressed on the wire) */
	struct collect c = {BUF_INIT, 0};
	struct err e = ERR_INIT;
	CHECK_OK(ch_http_exec(h, "SELECT number FROM system.numbers LIMIT 2000000 FORMAT TabSeparated",
			      NULL, NULL, sink_collect, &c, &e), &e);
	CHECK(c.calls > 1);
	size_t lines = 0;
	unsigned long long sum = 0;
	for (char *p = c.out.data, *end; p && *p; p = end + 1) {
		sum += strtoull(p, &end, 10);
		lines++;
		if (*end != '\n')
			break;
	}
	CHECK_INT(lines, 2000000);
	CHECK(sum == 1999999ull * 2000000ull / 2);
	buf_free(&c.out);
	/* the database and the settings go with every statement */
	static const char *const settings[] = {"max_block_size=1234", NULL};
	struct ch_http *h2 = ch_connect(1, settings);
	REQUIRE(h2);
	q_is(h2, "SELECT value FROM system.settings WHERE name = 'max_block_size'", "1234\n");
	ch_http_close(h2);
	/* a database of the options applies to unqualified names */
	struct ch_http_opts o;
	REQUIRE(ch_opts(1, NULL, &o));
	o.database = "system";
	REQUIRE(ch_http_open(&o, &h2, &e) == 0);
	q_is(h2, "SELECT currentDatabase(), count() > 0 FROM one", "system\t1\n");
	ch_http_close(h2);
	ch_http_close(h);
}

TEST(ch_http_bad_setting_refused)
{
	static const char *const settings[] = {"max_block_size=10", "evil&x=1", NULL};
	struct ch_http_opts o;
	REQUIRE(ch_opts(1, settings, &o));
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	CHECK_INT(ch_http_open(&o, &h, &e), ING_ECONFIG);
	CHECK(h == NULL);
	CHECK(e.msg && strstr(e.msg, "evil&x=1") && strstr(e.msg, "profiles.yml"));
	err_clear(&e);
}

/* A body of nrows RowBinary rows (UInt64 id, String s), chunk rows at a time. */
struct rows {
	uint64_t next, nrows, chunk;
	size_t calls;
	int fail_at; /* >0: return an error on this call */
	bool forever;
};

static int body_rows(void *ud, struct buf *chunk, bool *done, struct err *e)
{
	struct rows *r = ud;
	r->calls++;
	if (r->fail_at && (int)r->calls == r->fail_at)
		return err_set(e, ING_EPARSE, "row %llu: made-up conversion error",
			       (unsigned long long)r->next);
	buf_reset(chunk);
	for (uint64_t i = 0; i < r->chunk && (r->forever || r->next < r->nrows); i++, r->next++) {
		char s[32];
		int n = snprintf(s, sizeof(s), "r%llu", (unsigned long long)r->next);
		uint64_t v = r->next;
		buf_add(chunk, &v, 8); /* little-endian, as RowBinary */
		buf_putc(chunk, (char)n); /* varint length, n < 128 */
		buf_add(chunk, s, (size_t)n);
	}
	*done = !r->forever && r->next >= r->nrows;
	return 0;
}

static char *table_name(const char *what)
{
	return xasprintf("ingot_ut_%s_%ld", what, (long)getpid());
}

TEST(ch_http_insert_streamed)
{
	struct ch_http *h = ch_connect(1, NULL);
	REQUIRE(h);
	char *t = table_name("ins");
	char *sql = xasprintf("CREATE TABLE %s (id UInt64, s String) ENGINE = MergeTree ORDER BY id", t);
	char *r = q(h, sql);
	free(r);
	free(sql);
	/* the SQL ends in a newline: the transport must not let it become the
	 * first byte of the RowBinary body (the server adds its own) */
	struct rows rows = {.nrows = 1000000, .chunk = 10000};
	struct err e = ERR_INIT;
	sql = xasprintf("INSERT INTO %s FORMAT RowBinary\n", t);
	CHECK_OK(ch_http_exec(h, sql, body_rows, &rows, NULL, NULL, &e), &e);
	free(sql);
	CHECK(rows.calls >= 100);
	sql = xasprintf("SELECT count(), sum(id), uniqExact(s), max(length(s)) FROM %s", t);
	q_is(h, sql, "1000000\t499999500000\t1000000\t7\n");
	free(sql);
	sql = xasprintf("SELECT s FROM %s WHERE id = 123456", t);
	q_is(h, sql, "r123456\n");
	free(sql);
	/* an error of the body stops the statement with the body's error */
	struct rows bad = {.nrows = 1000000, .chunk = 1000, .fail_at = 5};
	sql = xasprintf("INSERT INTO %s FORMAT RowBinary", t);
	CHECK_INT(ch_http_exec(h, sql, body_rows, &bad, NULL, NULL, &e), ING_EPARSE);
	CHECK(e.msg && strstr(e.msg, "made-up conversion error"));
	err_clear(&e);
	free(sql);
	/* the handle is still good after the broken-off upload */
	sql = xasprintf("SELECT count() >= 1000000 FROM %s", t);
	q_is(h, sql, "1\n");
	free(sql);
	sql = xasprintf("DROP TABLE %s", t);
	free(q(h, sql));
	free(sql);
	free(t);
	ch_http_close(h);
}

TEST(ch_http_error_after_200_is_reported)
{
	/* wait_end_of_query=0: the server streams, then appends the exception
	 * under the 200 it already sent (max_block_size small, answer > 1 MiB) */
	static const char *const streaming[] = {"wait_end_of_query=0", "max_block_size=1000", NULL};
	struct ch_http *h = ch_connect(1, streaming);
	REQUIRE(h);
	struct collect c = {BUF_INIT, 0};
	struct err e = ERR_INIT;
	int rc = ch_http_exec(h,
			      "SELECT number, throwIf(number = 300000) FROM system.numbers LIMIT 400000 "
			      "FORMAT TabSeparated",
			      NULL, NULL, sink_collect, &c, &e);
	CHECK_INT(rc, ING_EDB);
	CHECK(e.msg && strstr(e.msg, "Code: 395") && strstr(e.msg, "throwIf"));
	CHECK(e.msg && strstr(e.msg, "after "));
	CHECK(c.out.len > 0); /* rows were streamed before the error... */
	CHECK(!memmem(c.out.data ? c.out.data : "", c.out.len, "Exception", 9)); /* ...not its text */
	if (c.out.len) /* and what came is whole rows */
		CHECK(c.out.data[c.out.len - 1] == '\n');
	err_clear(&e);
	buf_free(&c.out);
	/* the handle is reusable */
	q_is(h, "SELECT 2", "2\n");
	ch_http_close(h);

	/* by default (wait_end_of_query=1) the same error is a 500, no rows first */
	h = ch_connect(1, NULL);
	REQUIRE(h);
	c = (struct collect){BUF_INIT, 0};
	rc = ch_http_exec(h,
			  "SELECT number, throwIf(number = 300000) FROM system.numbers LIMIT 400000 "
			  "SETTINGS max_block_size = 1000 FORMAT TabSeparated",
			  NULL, NULL, sink_collect, &c, &e);
	CHECK_INT(rc, ING_EDB);
	CHECK(e.msg && strstr(e.msg, "HTTP 500") && strstr(e.msg, "Code: 395"));
	CHECK_INT(c.out.len, 0);
	err_clear(&e);
	/* rows that merely look like an error's first words are data */
	q_is(h, "SELECT arrayJoin(['a', 'Code: 7, nothing wrong', 'Code: 8. DB', 'Exception']) "
		"FORMAT TabSeparated",
	     "a\nCode: 7, nothing wrong\nCode: 8. DB\nException\n");
	/* a plain error names the code and what to do */
	CHECK_INT(ch_http_exec(h, "SELECT * FROM no_such_table_here", NULL, NULL, NULL, NULL, &e),
		  ING_EDB);
	CHECK(e.msg && strstr(e.msg, "Code: 60") && strstr(e.msg, "load or build it first"));
	CHECK(e.msg && strstr(e.msg, ch_http_last_query_id(h)));
	err_clear(&e);
	buf_free(&c.out);
	ch_http_close(h);
}

TEST(ch_http_sink_error_stops)
{
	struct ch_http *h = ch_connect(1, NULL);
	REQUIRE(h);
	struct err e = ERR_INIT;
	struct buf capped = {.max = 1000};
	struct collect c = {capped, 0};
	CHECK_INT(ch_http_exec(h, "SELECT number FROM system.numbers LIMIT 1000000 FORMAT TabSeparated",
			       NULL, NULL, sink_collect, &c, &e),
		  ING_ELIMIT);
	err_clear(&e);
	buf_free(&c.out);
	q_is(h, "SELECT 3", "3\n");
	ch_http_close(h);
}

TEST(ch_http_wrong_password)
{
	struct ch_http_opts o;
	REQUIRE(ch_opts(1, NULL, &o));
	o.password = "not-the-Secret-77";
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	REQUIRE(ch_http_open(&o, &h, &e) == 0);
	CHECK_INT(ch_http_exec(h, "SELECT 1", NULL, NULL, NULL, NULL, &e), ING_EDB);
	CHECK(e.msg && strstr(e.msg, "Code: 193") && strstr(e.msg, "password"));
	CHECK(e.msg && strstr(e.msg, "profiles.yml"));
	CHECK(e.msg && !strstr(e.msg, "not-the-Secret-77"));
	err_clear(&e);
	ch_http_close(h);
}

TEST(ch_http_server_down)
{
	/* a port that was just free: bind, read it, close */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	REQUIRE(getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	close(fd);
	int port = ntohs(a.sin_port);
	struct ch_http_opts o = {.host = "127.0.0.1", .port = port, .user = "u", .password = "pw-xyz"};
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	REQUIRE(ch_http_open(&o, &h, &e) == 0);
	CHECK_INT(ch_http_exec(h, "SELECT 1", NULL, NULL, NULL, NULL, &e), ING_ECONNECT);
	char hp[64];
	snprintf(hp, sizeof(hp), "127.0.0.1:%d", port);
	CHECK(e.msg && strstr(e.msg, hp) && strstr(e.msg, "is the server running"));
	err_clear(&e);
	/* and an insert body is never asked for when nothing listens */
	struct rows rows = {.nrows = 10, .chunk = 10};
	CHECK_INT(ch_http_exec(h, "INSERT INTO t FORMAT RowBinary", body_rows, &rows, NULL, NULL, &e),
		  ING_ECONNECT);
	CHECK_INT(rows.calls, 0);
	err_clear(&e);
	ch_http_close(h);
}

struct canceller {
	struct ch_http *h;
	atomic_bool done;
	int sent;
};

/* Cancel until exec has returned: a cancel before the statement started
 * does nothing, so keep asking (no assumption on how long startup takes). */
static void *cancel_loop(void *ud)
{
	struct canceller *k = ud;
	while (!atomic_load(&k->done)) {
		usleep(100 * 1000);
		if (!atomic_load(&k->done) && ch_http_cancel(k->h) == 0)
			k->sent++;
	}
	return NULL;
}

/* Wait (bounded by the runner's timeout) until the server forgot query_id. */
static void wait_gone(struct ch_http *h, const char *qid)
{
	char *sql = xasprintf("SELECT count() FROM system.processes WHERE query_id = '%s'", qid);
	for (;;) {
		char *n = q(h, sql);
		bool gone = !n || !strcmp(n, "0\n");
		free(n);
		if (gone)
			break;
		usleep(100 * 1000);
	}
	free(sql);
}

TEST(ch_http_cancel_select_and_insert)
{
	struct ch_http *h = ch_connect(1, NULL), *mon = ch_connect(1, NULL);
	REQUIRE(h && mon);
	/* nothing runs: cancel is a no-op */
	CHECK_INT(ch_http_cancel(h), 0);
	struct canceller k = {.h = h};
	atomic_init(&k.done, false);
	pthread_t th;
	REQUIRE(pthread_create(&th, NULL, cancel_loop, &k) == 0);
	struct err e = ERR_INIT;
	/* hours of work on one core */
	int rc = ch_http_exec(h, "SELECT count() FROM system.numbers WHERE NOT ignore(sipHash64(number))",
			      NULL, NULL, NULL, NULL, &e);
	atomic_store(&k.done, true);
	pthread_join(th, NULL);
	CHECK_INT(rc, ING_ECANCELED);
	if (rc != ING_ECANCELED)
		test_fail(__FILE__, __LINE__, "%s", e.msg);
	CHECK(k.sent >= 1);
	err_clear(&e);
	char qid[64];
	snprintf(qid, sizeof(qid), "%s", ch_http_last_query_id(h));
	wait_gone(mon, qid);

	/* a streamed INSERT whose body never ends */
	char *t = table_name("cancel");
	char *sql = xasprintf("CREATE TABLE %s (id UInt64, s String) ENGINE = Memory", t);
	free(q(h, sql));
	free(sql);
	struct rows rows = {.chunk = 1000, .forever = true};
	k = (struct canceller){.h = h};
	atomic_init(&k.done, false);
	REQUIRE(pthread_create(&th, NULL, cancel_loop, &k) == 0);
	sql = xasprintf("INSERT INTO %s FORMAT RowBinary", t);
	rc = ch_http_exec(h, sql, body_rows, &rows, NULL, NULL, &e);
	atomic_store(&k.done, true);
	pthread_join(th, NULL);
	free(sql);
	CHECK(rc == ING_ECANCELED || (rc == ING_EDB && e.msg && strstr(e.msg, "Code: 394")));
	CHECK(rows.calls >= 1);
	err_clear(&e);
	snprintf(qid, sizeof(qid), "%s", ch_http_last_query_id(h));
	wait_gone(mon, qid);
	/* the handle works after a cancel */
	q_is(h, "SELECT 4", "4\n");
	sql = xasprintf("DROP TABLE %s", t);
	free(q(h, sql));
	free(sql);
	free(t);
	ch_http_close(h);
	ch_http_close(mon);
}

TEST(ch_http_timeout_and_tls_refused)
{
	struct ch_http_opts o;
	REQUIRE(ch_opts(1, NULL, &o));
	o.timeout_ms = 500;
	struct ch_http *h = NULL, *mon = ch_connect(1, NULL);
	struct err e = ERR_INIT;
	REQUIRE(mon && ch_http_open(&o, &h, &e) == 0);
	/* hours of work: over the timeout, and the server does not go on with it */
	CHECK_INT(ch_http_exec(h, "SELECT count() FROM system.numbers WHERE NOT ignore(sipHash64(number))",
			       NULL, NULL, NULL, NULL, &e),
		  ING_ETIMEOUT);
	CHECK(e.msg && strstr(e.msg, "500 ms") && strstr(e.msg, "timeout"));
	err_clear(&e);
	char qid[64];
	snprintf(qid, sizeof(qid), "%s", ch_http_last_query_id(h));
	wait_gone(mon, qid);
	ch_http_close(h);
	/* secure: true against the plain HTTP port: a TLS error, said so */
	REQUIRE(ch_opts(1, NULL, &o));
	o.secure = true;
	REQUIRE(ch_http_open(&o, &h, &e) == 0);
	CHECK_INT(ch_http_exec(h, "SELECT 1", NULL, NULL, NULL, NULL, &e), ING_ECONNECT);
	CHECK(e.msg && strstr(e.msg, "TLS") && strstr(e.msg, "secure"));
	err_clear(&e);
	ch_http_close(h);
	ch_http_close(mon);
	/* secure: true against a port that accepts and never answers the TLS
	 * hello (the kernel completes the TCP handshake from the backlog): the
	 * connect timeout ends it, reported as TLS, not as a statement timeout */
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	REQUIRE(ls >= 0 && bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(ls, 4) == 0 &&
		getsockname(ls, (struct sockaddr *)&sa, &sl) == 0);
	REQUIRE(ch_opts(1, NULL, &o));
	o.host = "127.0.0.1";
	o.port = ntohs(sa.sin_port);
	o.secure = true;
	REQUIRE(ch_http_open(&o, &h, &e) == 0);
	CHECK_INT(ch_http_exec(h, "SELECT 1", NULL, NULL, NULL, NULL, &e), ING_ECONNECT);
	CHECK(e.msg && strstr(e.msg, "no TLS handshake") && strstr(e.msg, "secure"));
	err_clear(&e);
	ch_http_close(h);
	close(ls);
}

/* The Distributed engine over ingot_cluster: rows inserted through it land
 * on both shards, and the counts per shard add up. */
TEST(ch_http_distributed_two_shards)
{
	static const char *const sync_ins[] = {"insert_distributed_sync=1", NULL};
	struct ch_http *h = ch_connect(1, sync_ins), *h2 = ch_connect(2, NULL);
	REQUIRE(h && h2);
	char *t = table_name("dist"), *sql;
	for (int s = 0; s < 2; s++) {
		sql = xasprintf("CREATE TABLE %s_local (id UInt64, s String) ENGINE = MergeTree ORDER BY id", t);
		free(q(s ? h2 : h, sql));
		free(sql);
	}
	sql = xasprintf("CREATE TABLE %s AS %s_local ENGINE = Distributed(ingot_cluster, currentDatabase(), "
			"%s_local, intHash64(id))", t, t, t);
	free(q(h, sql));
	free(sql);
	struct rows rows = {.nrows = 100000, .chunk = 5000};
	struct err e = ERR_INIT;
	sql = xasprintf("INSERT INTO %s FORMAT RowBinary", t);
	CHECK_OK(ch_http_exec(h, sql, body_rows, &rows, NULL, NULL, &e), &e);
	free(sql);
	sql = xasprintf("SELECT count() FROM %s_local", t);
	char *c1 = q(h, sql), *c2 = q(h2, sql);
	free(sql);
	REQUIRE(c1 && c2);
	long n1 = atol(c1), n2 = atol(c2);
	CHECK(n1 > 0 && n2 > 0);
	CHECK_INT(n1 + n2, 100000);
	free(c1);
	free(c2);
	sql = xasprintf("SELECT count(), sum(id) FROM %s", t);
	q_is(h, sql, "100000\t4999950000\n");
	free(sql);
	sql = xasprintf("DROP TABLE %s", t);
	free(q(h, sql));
	free(sql);
	for (int s = 0; s < 2; s++) {
		sql = xasprintf("DROP TABLE %s_local", t);
		free(q(s ? h2 : h, sql));
		free(sql);
	}
	free(t);
	ch_http_close(h);
	ch_http_close(h2);
}

TEST(ch_http_transport_vtable)
{
	struct ch_http_opts ho;
	REQUIRE(ch_opts(1, NULL, &ho));
	struct ch_conn_opts o = {.host = ho.host, .port = ho.port, .user = ho.user,
				 .password = ho.password};
	struct ch_transport *t = NULL;
	struct err e = ERR_INIT;
	REQUIRE(ch_http_transport_open(&o, &t, &e) == 0);
	CHECK_STR(t->ops->name, "http");
	struct collect c = {BUF_INIT, 0};
	CHECK_OK(t->ops->exec(t, "SELECT 40 + 2", NULL, NULL, sink_collect, &c, &e), &e);
	CHECK_STR(buf_cstr(&c.out), "42\n");
	CHECK_INT(t->ops->cancel(t), 0);
	buf_free(&c.out);
	t->ops->close(t);
}

/* ---- a sharded load of the reference lake --------------------------------
 *
 * The tiny loader below is what a load through the http transport does:
 * ingot's CSV reader and typed conversion turn the lake's order_items into
 * RowBinary batches that one streamed INSERT sends into a fresh staging
 * table (a MergeTree table on each shard plus a Distributed table over
 * them); only when the INSERT succeeded is the staging table renamed over
 * the target on each shard. A load that fails leaves the target as it was.
 * The cluster is this test's own (tests/lib/clickhouse.sh), as it kills a
 * shard. */

static const struct lake_col oi_cols[] = {
	{"id", {.type = WH_INT64}},	    {"order_id", {.type = WH_INT64}},
	{"user_id", {.type = WH_INT64}},	    {"product_id", {.type = WH_INT64}},
	{"inventory_item_id", {.type = WH_INT64}}, {"status", {.type = WH_TEXT}},
	{"created_at", {.type = WH_TIMESTAMP}},  {"shipped_at", {.type = WH_TIMESTAMP}},
	{"delivered_at", {.type = WH_TIMESTAMP}}, {"returned_at", {.type = WH_TIMESTAMP}},
	{"sale_price", {.type = WH_DOUBLE}},
};
#define OI_NCOLS (sizeof(oi_cols) / sizeof(oi_cols[0]))
/* timestamps as microseconds: 18.16 has no DateTime64; id, the sharding
 * key, is not Nullable (a sharding key must not be) */
#define OI_COLS                                                                         \
	"(id Int64, order_id Nullable(Int64), user_id Nullable(Int64), "         \
	"product_id Nullable(Int64), inventory_item_id Nullable(Int64), status "            \
	"Nullable(String), created_at Nullable(Int64), shipped_at Nullable(Int64), "        \
	"delivered_at Nullable(Int64), returned_at Nullable(Int64), sale_price "            \
	"Nullable(Float64))"

struct cluster {
	char dir[128];
	int port[3]; /* [1], [2]: HTTP ports of the shards */
};

struct oi_load {
	char **paths;
	size_t npaths, next;
	struct csv_reader *r;
	bool in_header;
	struct lake_conv *conv;
	uint64_t rows, bad;
	size_t chunks;
	/* kill this shard of c after this many chunks (0: never) */
	size_t kill_after;
	int kill_shard;
	struct cluster *c;
};

/* Run a function of tests/lib/clickhouse.sh with arguments. */
static int ch_lib(const char *fn, const char *dir, const char *arg)
{
	const char *root = getenv("INGOT_ROOT") ? getenv("INGOT_ROOT") : ".";
	char *cmd = xasprintf("bash -c '. \"%s/tests/lib/clickhouse.sh\" && %s \"%s\" %s'", root, fn,
			      dir, arg);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

static int read_int_file(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);
	FILE *f = fopen(p, "r");
	int v = 0;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	free(p);
	return v;
}

static bool cluster_start(struct cluster *c)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/ingot-ch-unit-XXXXXX");
	if (!mkdtemp(c->dir))
		return false;
	if (ch_lib("ch_start", c->dir, "")) {
		test_fail(__FILE__, __LINE__, "tests/lib/clickhouse.sh could not start a cluster");
		return false;
	}
	c->port[1] = read_int_file(c->dir, "s1/http_port");
	c->port[2] = read_int_file(c->dir, "s2/http_port");
	return c->port[1] > 0 && c->port[2] > 0;
}

static void cluster_stop(struct cluster *c)
{
	ch_lib("ch_stop", c->dir, "");
}

static void shard_kill(struct cluster *c, int n)
{
	char rel[16];
	snprintf(rel, sizeof(rel), "s%d/pid", n);
	pid_t pid = read_int_file(c->dir, rel);
	if (pid <= 0 || kill(pid, SIGKILL) != 0)
		return;
	while (kill(pid, 0) == 0 || errno != ESRCH)
		usleep(20 * 1000);
}

static bool shard_restart(struct cluster *c, int n)
{
	char ns[8];
	snprintf(ns, sizeof(ns), "%d", n);
	return ch_lib("ch_restart_shard", c->dir, ns) == 0;
}

static struct ch_http *cluster_connect(struct cluster *c, int n, const char *const *settings)
{
	struct ch_http_opts o = {.host = "127.0.0.1", .port = c->port[n], .user = "ingot",
				 .password = "ingot-secret", .settings = settings};
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	if (ch_http_open(&o, &h, &e) < 0) {
		test_fail(__FILE__, __LINE__, "ch_http_open: %s", e.msg);
		h = NULL;
	}
	err_clear(&e);
	return h;
}

static void put_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_putc(b, (char)(v | 0x80));
		v >>= 7;
	}
	buf_putc(b, (char)v);
}

/* One batch of converted rows as RowBinary, every column but the first
 * Nullable. */
static void encode_batch(const struct wh_batch *bt, struct buf *out)
{
	for (size_t r = 0; r < bt->nrows; r++)
		for (size_t k = 0; k < bt->ncols; k++) {
			const struct wh_colbuf *cb = &bt->cols[k];
			if (k > 0 && cb->valid && !cb->valid[r]) {
				buf_putc(out, 1);
				continue;
			}
			if (k > 0)
				buf_putc(out, 0);
			switch (cb->type.type) {
			case WH_INT64:
			case WH_TIMESTAMP:
				buf_add(out, &((int64_t *)cb->data)[r], 8);
				break;
			case WH_DOUBLE:
				buf_add(out, &((double *)cb->data)[r], 8);
				break;
			default: {
				const struct wh_str *s = &((struct wh_str *)cb->data)[r];
				put_varint(out, s->n);
				buf_add(out, s->p, s->n);
				break;
			}
			}
		}
}

static int oi_body(void *ud, struct buf *chunk, bool *done, struct err *e)
{
	struct oi_load *l = ud;
	struct csv_opts co = {.delimiter = ',', .quote = '"', .escape = '"'};
	bool eof = false;
	lake_conv_reset(l->conv);
	while (!lake_conv_full(l->conv)) {
		if (!l->r) {
			if (l->next == l->npaths) {
				eof = true;
				break;
			}
			int rc = csv_open(l->paths[l->next++], &co, &l->r, e);
			if (rc < 0)
				return rc;
			l->in_header = true;
		}
		struct csv_record rec;
		int k = csv_next(l->r, &rec, e);
		if (k < 0)
			return k;
		if (k == CSV_EOF) {
			csv_close(l->r);
			l->r = NULL;
			continue;
		}
		if (l->in_header) {
			l->in_header = false;
			continue;
		}
		size_t bad_col;
		const char *why;
		if (k == CSV_BAD || rec.nfields != OI_NCOLS ||
		    lake_conv_row(l->conv, &rec, &bad_col, &why) < 0) {
			l->bad++;
			continue;
		}
	}
	const struct wh_batch *bt = lake_conv_batch(l->conv);
	buf_reset(chunk);
	encode_batch(bt, chunk);
	l->rows += bt->nrows;
	*done = eof;
	if (++l->chunks == l->kill_after)
		shard_kill(l->c, l->kill_shard);
	return 0;
}

/* Every order_items file of the lake at dir. */
static char **oi_files(const char *dir, size_t *n)
{
	char *glob = xasprintf("ls %s/order_items/order_items_*.csv", dir);
	FILE *f = popen(glob, "r");
	free(glob);
	char **v = NULL, line[512];
	*n = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrdup(line);
	}
	if (f)
		pclose(f);
	return v;
}

static int exec_on(struct ch_http *h, const char *sql, struct err *e)
{
	return ch_http_exec(h, sql, NULL, NULL, NULL, NULL, e);
}

/* Load the files into table oi (Distributed over oi_local) of the cluster
 * through the staging tables oi_stage{,_local}; see above. */
static int oi_load_run(struct cluster *c, struct oi_load *l, struct err *e)
{
	static const char *const sync_ins[] = {"insert_distributed_sync=1", NULL};
	struct ch_http *h[3] = {NULL, cluster_connect(c, 1, sync_ins), cluster_connect(c, 2, NULL)};
	int rc = 0;
	if (!h[1] || !h[2]) {
		rc = err_set(e, ING_EIO, "no connection");
		goto out;
	}
	for (int s = 1; s <= 2 && !rc; s++)
		if (!(rc = exec_on(h[s], "DROP TABLE IF EXISTS oi_stage_local", e)))
			rc = exec_on(h[s], "CREATE TABLE oi_stage_local " OI_COLS
					   " ENGINE = MergeTree ORDER BY tuple()", e);
	if (!rc)
		rc = exec_on(h[1], "DROP TABLE IF EXISTS oi_stage", e);
	if (!rc)
		rc = exec_on(h[1], "CREATE TABLE oi_stage AS oi_stage_local ENGINE = "
				   "Distributed(ingot_cluster, currentDatabase(), oi_stage_local, "
				   "cityHash64(id))", e);
	if (!rc)
		rc = ch_http_exec(h[1], "INSERT INTO oi_stage FORMAT RowBinary", oi_body, l, NULL,
				  NULL, e);
	if (rc) { /* the staging table goes, the target stays as it was */
		struct err ignored = ERR_INIT;
		for (int s = 1; s <= 2; s++)
			exec_on(h[s], "DROP TABLE IF EXISTS oi_stage_local", &ignored);
		err_clear(&ignored);
		goto out;
	}
	/* swap in on each shard: the old local table out, the staging one in */
	for (int s = 1; s <= 2 && !rc; s++) {
		if (!(rc = exec_on(h[s], "DROP TABLE IF EXISTS oi_old_local", e)) &&
		    !(rc = exec_on(h[s], "RENAME TABLE oi_local TO oi_old_local, oi_stage_local TO "
					 "oi_local", e)))
			rc = exec_on(h[s], "DROP TABLE oi_old_local", e);
	}
	if (!rc)
		rc = exec_on(h[1], "DROP TABLE IF EXISTS oi_stage", e);
out:
	if (l->r)
		csv_close(l->r);
	l->r = NULL;
	ch_http_close(h[1]);
	ch_http_close(h[2]);
	return rc;
}

static long count_on(struct cluster *c, int shard, const char *sql)
{
	struct ch_http *h = cluster_connect(c, shard, NULL);
	if (!h)
		return -1;
	char *v = q(h, sql);
	long n = v ? atol(v) : -1;
	free(v);
	ch_http_close(h);
	return n;
}

static void sharded_load(struct cluster *c)
{
	/* the reference lake's order_items, small */
	char *lake = path_join(test_tmpdir(), "lake");
	struct gen_opts go;
	gen_opts_default(&go);
	go.out = lake;
	go.scale = 0.05;
	go.files = 3;
	struct err e = ERR_INIT;
	REQUIRE(gen_tables_parse("order_items", &go.tables, &e) == 0);
	struct gen_stats st;
	CHECK_OK(gen_thelook(&go, &st, &e), &e);
	uint64_t file_rows = st.t[GEN_ORDER_ITEMS].rows;
	REQUIRE(file_rows > 5000);
	struct oi_load l = {.c = c};
	l.paths = oi_files(lake, &l.npaths);
	CHECK_INT(l.npaths, 3);
	l.conv = lake_conv_new_rows(oi_cols, OI_NCOLS, &(struct lake_conv_opts){0}, 500);

	/* the target: local tables on each shard, a Distributed table over them */
	for (int s = 1; s <= 2; s++) {
		struct ch_http *h = cluster_connect(c, s, NULL);
		REQUIRE(h);
		CHECK_OK(exec_on(h, "CREATE TABLE oi_local " OI_COLS " ENGINE = MergeTree ORDER BY tuple()",
				 &e), &e);
		if (s == 1)
			CHECK_OK(exec_on(h, "CREATE TABLE oi AS oi_local ENGINE = Distributed(ingot_cluster, "
					    "currentDatabase(), oi_local, cityHash64(id))", &e), &e);
		ch_http_close(h);
	}

	/* 1. a load: the counts per shard add up to the files' rows */
	CHECK_OK(oi_load_run(c, &l, &e), &e);
	CHECK_INT(l.rows, file_rows);
	CHECK_INT(l.bad, 0);
	CHECK(l.chunks > 10);
	long n1 = count_on(c, 1, "SELECT count() FROM oi_local");
	long n2 = count_on(c, 2, "SELECT count() FROM oi_local");
	CHECK(n1 > 0 && n2 > 0);
	CHECK_INT(n1 + n2, (long)file_rows);
	CHECK_INT(count_on(c, 1, "SELECT count() FROM oi"), (long)file_rows);
	CHECK_INT(count_on(c, 1, "SELECT uniqExact(id) FROM oi"), (long)file_rows);

	/* 2. shard 2 dies mid-load: the load fails, naming the unreachable
	 * shard; the target still holds the first load, no row of the failed
	 * one is visible */
	l.next = 0;
	l.rows = l.chunks = 0;
	l.kill_after = 4;
	l.kill_shard = 2;
	int rc = oi_load_run(c, &l, &e);
	CHECK_INT(rc, ING_EDB);
	CHECK(e.msg && (strstr(e.msg, "Code: 210") || strstr(e.msg, "Code: 279")) &&
	      strstr(e.msg, "every shard is running"));
	err_clear(&e);
	CHECK(l.chunks >= 4); /* the shard died while rows were streaming */
	CHECK_INT(count_on(c, 1, "SELECT count() FROM oi_local"), n1);
	CHECK_INT(count_on(c, 1, "SELECT count() FROM system.tables WHERE name LIKE 'oi_stage%'"), 1);
	/* and a read through the Distributed table says a shard is missing */
	struct ch_http *h1 = cluster_connect(c, 1, NULL);
	REQUIRE(h1);
	CHECK_INT(exec_on(h1, "SELECT count() FROM oi", &e), ING_EDB);
	CHECK(e.msg && strstr(e.msg, "every shard is running"));
	err_clear(&e);
	ch_http_close(h1);

	/* 3. shard 2 back: the target is exactly the first load, and a rerun
	 * is exact (the leftover staging table on shard 2 is replaced) */
	REQUIRE(shard_restart(c, 2));
	CHECK_INT(count_on(c, 2, "SELECT count() FROM oi_local"), n2);
	CHECK_INT(count_on(c, 1, "SELECT count() FROM oi"), (long)file_rows);
	l.next = 0;
	l.rows = l.chunks = 0;
	l.kill_after = 0;
	CHECK_OK(oi_load_run(c, &l, &e), &e);
	CHECK_INT(count_on(c, 1, "SELECT count() FROM oi"), (long)file_rows);
	CHECK_INT(count_on(c, 1, "SELECT uniqExact(id) FROM oi"), (long)file_rows);
	CHECK_INT(count_on(c, 1, "SELECT count() FROM oi_local") +
			  count_on(c, 2, "SELECT count() FROM oi_local"),
		  (long)file_rows);
	CHECK_INT(count_on(c, 2, "SELECT count() FROM system.tables WHERE name LIKE 'oi_stage%'"), 0);

	lake_conv_free(l.conv);
	for (size_t i = 0; i < l.npaths; i++)
		free(l.paths[i]);
	free(l.paths);
	free(lake);
}

TEST(ch_http_sharded_load_shard_killed)
{
	struct cluster c;
	if (!cluster_start(&c)) {
		test_fail(__FILE__, __LINE__, "no cluster");
		cluster_stop(&c);
		return;
	}
	sharded_load(&c);
	cluster_stop(&c);
}

#endif /* HAVE_LIBCURL */
