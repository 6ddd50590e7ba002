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
#include "warehouse/ch_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
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

#endif /* HAVE_LIBCURL */
