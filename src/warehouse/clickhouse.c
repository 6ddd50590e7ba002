/*
 * warehouse/clickhouse.c — the ClickHouse engine (profile type clickhouse).
 *
 * The adapter writes SQL and reads answers; a transport (ch_transport.h)
 * carries them: `mode: embedded` runs the engine in-process (chDB,
 * ch_chdb.c), `mode: http` talks to a server (ch_http.c, when built in).
 *
 * ClickHouse has databases where the other engines have schemas: ingot's
 * schema is a ClickHouse database ("s"."t" is database s, table t). It has
 * no transactions: BEGIN/COMMIT/ROLLBACK are accepted and do nothing, and
 * what must be atomic is made so by building into a fresh table and
 * swapping it in (loads, tables). Sessions get settings that make it
 * behave as the other engines (CH_SETTINGS): NULL-joins, nullable
 * columns by default, MergeTree as the default engine, UTC.
 *
 * exec rewrites the few statements transform/ and load/ write in standard
 * SQL that ClickHouse spells differently (CREATE SCHEMA, ALTER TABLE ...
 * RENAME TO, DROP ... CASCADE). Queries are answered in
 * TabSeparatedWithNamesAndTypes and typed from the type row.
 */
#include "warehouse/adapter.h"
#include "warehouse/ch_transport.h"

#include "core/dtime.h"
#include "core/log.h"
#include "core/mem.h"

#if defined(__has_include)
#if __has_include("warehouse/ch_http.h")
#define CH_HAVE_HTTP 1
#endif
#endif

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Oldest server whose SQL (CTEs, window functions, EXCHANGE TABLES,
 * accurateCastOrNull) the adapter relies on. */
#define CH_MIN_MAJOR 22

static const char *const CH_SETTINGS[] = {
	"join_use_nulls=1",
	"data_type_default_nullable=1",
	"default_table_engine=MergeTree",
	"create_table_empty_primary_key_by_default=1",
	"session_timezone=UTC",
	"date_time_input_format=best_effort",
	"mutations_sync=2",
	"allow_experimental_analyzer=1",
	"cast_keep_nullable=1",
	"output_format_decimal_trailing_zeros=1",
	/* a bare UNION / EXCEPT / INTERSECT is DISTINCT, as in standard SQL
	 * and on the other engines (ClickHouse refuses a bare UNION and
	 * reads a bare EXCEPT as EXCEPT ALL) */
	"union_default_mode=DISTINCT",
	"except_default_mode=DISTINCT",
	"intersect_default_mode=DISTINCT",
	NULL,
};

/* What a server older than CH_MIN_MAJOR knows of the above: enough for
 * loads (ingot load), which is all it is opened for. */
static const char *const CH_OLD_SETTINGS[] = {
	"join_use_nulls=1",
	NULL,
};

/* One shard of the profile's cluster (system.clusters, first replica):
 * reached over HTTP at host:port. */
struct ch_shard {
	int num;
	char *host;
	int port;
	bool local; /* the server the target connects to */
};

struct chdb_db {
	struct wh_db base;
	struct ch_transport *t;
	char *password;
	struct ch_conn_opts o;	    /* how to open more transports */
	const char *settings[24];   /* o.settings */
	char version[64];	    /* the server's, "" for embedded */
	bool old;		    /* older than CH_MIN_MAJOR: loads only */
	/* cluster: (profile `cluster:`) */
	const char *cluster, *key; /* name, default sharding key */
	struct ch_shard *shards;
	size_t nshards;
	bool on_cluster; /* distributed DDL (Keeper): ON CLUSTER, else per shard */
};

struct chconn {
	struct wh_conn base;
	struct chdb_db *d;
	struct ch_transport *t;	  /* this connection's (http), or d->t */
	struct ch_transport **st; /* per shard, opened when first needed */
	/* No transactions: between BEGIN and COMMIT, rows appended to
	 * ingot's own tables (a load's rejects) wait here, so a load that
	 * fails and rolls back leaves none of them (its rejects are kept once,
	 * by the run that loads the file). */
	bool in_tx;
	struct pending {
		char *sql;
		struct buf rows;
	} *pend;
	size_t npend;
};

static void pending_clear(struct chconn *c)
{
	for (size_t i = 0; i < c->npend; i++) {
		free(c->pend[i].sql);
		buf_free(&c->pend[i].rows);
	}
	free(c->pend);
	c->pend = NULL;
	c->npend = 0;
}

static struct chdb_db *db_of(struct wh_db *db)
{
	if (db->ad != &wh_clickhouse_adapter)
		BUG("not a ClickHouse database");
	return (struct chdb_db *)db;
}

static struct chconn *conn_of(struct wh_conn *c)
{
	if (c->ad != &wh_clickhouse_adapter)
		BUG("not a ClickHouse connection");
	return (struct chconn *)c;
}

/* ---- lifecycle ---- */

static int open_transport(struct chdb_db *d, const struct ch_conn_opts *o, struct ch_transport **t,
			  struct err *e)
{
	const struct target *tg = d->base.target;
	if (tg->ch_mode && !strcmp(tg->ch_mode, "http")) {
#ifdef CH_HAVE_HTTP
		return ch_http_transport_open(o, t, e);
#else
		return err_set(e, ING_EUNSUPPORTED,
			       "target '%s' uses ClickHouse over HTTP (mode: http), which this ingot "
			       "was built without; use 'mode: embedded' with a 'path:'",
			       tg->name ? tg->name : "?");
#endif
	}
	return ch_chdb_open(o, t, e);
}

static bool is_http(const struct chdb_db *d)
{
	return d->base.target->ch_mode && !strcmp(d->base.target->ch_mode, "http");
}

/* The answer of a small query, trimmed of its last newline. */
static int ask(struct ch_transport *t, const char *sql, struct buf *out, struct err *e)
{
	buf_reset(out);
	int rc = ch_exec_collect(t, sql, out, e);
	while (!rc && out->len && out->data[out->len - 1] == '\n')
		out->len--;
	if (!rc)
		buf_truncate(out, out->len);
	return rc;
}

/* The shards of d->cluster from system.clusters (first replica of each),
 * and whether the server runs distributed DDL (it needs ZooKeeper or
 * Keeper: system.zookeeper answers only then). */
static int read_cluster(struct chdb_db *d, struct err *e)
{
	const struct target *tg = d->base.target;
	struct buf a = BUF_INIT, q = BUF_INIT;
	buf_puts(&q, "SELECT shard_num, host_address, is_local FROM system.clusters WHERE cluster = '");
	for (const char *p = d->cluster; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_putc(&q, '\\');
		buf_putc(&q, *p);
	}
	buf_puts(&q, "' AND replica_num = 1 ORDER BY shard_num FORMAT TabSeparated");
	int rc = ask(d->t, buf_cstr(&q), &a, e);
	buf_free(&q);
	if (rc) {
		buf_free(&a);
		return rc;
	}
	size_t nports = 0;
	int *ports = NULL;
	for (const char *p = tg->ch_shard_ports; p && *p;) {
		ports = xrealloc(ports, (nports + 1) * sizeof(*ports));
		ports[nports++] = atoi(p);
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	for (char *line = a.len ? a.data : NULL; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (t1 && t2) {
			*t1 = *t2 = 0;
			d->shards = xrealloc(d->shards, (d->nshards + 1) * sizeof(*d->shards));
			struct ch_shard *sh = &d->shards[d->nshards];
			sh->num = atoi(line);
			sh->local = atoi(t2 + 1) != 0;
			sh->host = xstrdup(sh->local ? tg->host : t1 + 1);
			sh->port = d->nshards < nports ? ports[d->nshards] : tg->port;
			d->nshards++;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(ports);
	buf_free(&a);
	if (!d->nshards)
		return err_set(e, ING_ECONFIG,
			       "target '%s': cluster '%s' is not one of the server's clusters "
			       "(system.clusters, remote_servers in its config): fix 'cluster:' in "
			       "profiles.yml",
			       tg->name ? tg->name : "?", d->cluster);
	if (nports && nports != d->nshards)
		return err_set(e, ING_ECONFIG,
			       "target '%s': 'shard_http_ports' lists %zu ports, but cluster '%s' has %zu "
			       "shards: give one HTTP port per shard, in shard order",
			       tg->name ? tg->name : "?", nports, d->cluster, d->nshards);
	struct buf z = BUF_INIT;
	struct err ze = ERR_INIT;
	d->on_cluster = !ask(d->t, "SELECT count() FROM system.zookeeper WHERE path = '/' FORMAT "
				   "TabSeparated", &z, &ze);
	buf_free(&z);
	/* A server with no ZooKeeper/Keeper in its config has no
	 * system.zookeeper (DDL then runs on each shard); one whose ZooKeeper
	 * does not answer says "Coordination" (Code 999, KEEPER_EXCEPTION):
	 * its DDL must go through the queue, and it is down. */
	if (!d->on_cluster && ze.msg &&
	    (strstr(ze.msg, "Code: 999") || strstr(ze.msg, "Coordination::Exception"))) {
		char *nl = strchr(ze.msg, '\n'); /* the first line names the addresses */
		if (nl)
			*nl = 0;
		rc = err_set(e, ING_EIO,
			     "target '%s': cluster '%s' runs its DDL through ZooKeeper/Keeper (the "
			     "server's config names one), and the server cannot reach it: %s; start "
			     "ZooKeeper/Keeper (or fix <zookeeper> in the server's config), then "
			     "rerun",
			     tg->name ? tg->name : "?", d->cluster, ze.msg);
		err_clear(&ze);
		return rc;
	}
	err_clear(&ze);
	return 0;
}

/* "cluster c: 2 shards (a:p, b:p), DDL ON CLUSTER | on each shard" */
static void cluster_desc(const struct chdb_db *d, struct buf *out)
{
	buf_printf(out, "cluster %s: %zu shard%s (", d->cluster, d->nshards,
		   d->nshards == 1 ? "" : "s");
	for (size_t i = 0; i < d->nshards; i++)
		buf_printf(out, "%s%s:%d", i ? ", " : "", d->shards[i].host, d->shards[i].port);
	buf_printf(out, "), sharding key %s, DDL %s", d->key,
		   d->on_cluster ? "ON CLUSTER (distributed DDL)"
				 : "run on each shard's host (the server has no distributed DDL: "
				   "no ZooKeeper/Keeper)");
}

static void free_db(struct chdb_db *d)
{
	if (d->t)
		d->t->ops->close(d->t);
	for (size_t i = 0; i < d->nshards; i++)
		free(d->shards[i].host);
	free(d->shards);
	free(d->password);
	free(d);
}

static int c_open(const struct target *t, struct wh_db **out, struct err *e)
{
	struct chdb_db *d = xcalloc(1, sizeof(*d));
	d->base.ad = &wh_clickhouse_adapter;
	d->base.target = t;
	d->cluster = t->cluster;
	d->key = t->ch_sharding_key && *t->ch_sharding_key ? t->ch_sharding_key : "rand()";
	d->o = (struct ch_conn_opts){
		.host = t->host,
		.port = t->port,
		.secure = t->secure,
		.user = t->user,
		.password = t->password,
		.database = t->schema,
		.settings = CH_SETTINGS,
		.timeout_ms = t->statement_timeout_ms,
		.path = t->path,
	};
	int rc = 0;
	if (is_http(d)) {
		/* A server refuses every statement that names a setting it does
		 * not know: ask its version first, with none, and send what it
		 * knows. */
		struct ch_conn_opts bare = d->o;
		bare.settings = NULL;
		bare.database = NULL; /* the schema may not exist yet */
		struct buf v = BUF_INIT;
		if (!(rc = open_transport(d, &bare, &d->t, e)))
			rc = ask(d->t, "SELECT version() FORMAT TabSeparated", &v, e);
		if (d->t)
			d->t->ops->close(d->t);
		d->t = NULL;
		snprintf(d->version, sizeof(d->version), "%s", buf_cstr(&v));
		buf_free(&v);
		if (rc) {
			free_db(d);
			return rc;
		}
		d->old = atoi(d->version) < CH_MIN_MAJOR;
		const char *const *base = d->old ? CH_OLD_SETTINGS : CH_SETTINGS;
		size_t n = 0;
		for (; base[n]; n++)
			d->settings[n] = base[n];
		if (d->cluster) /* an INSERT into a Distributed table returns once every shard has its rows */
			d->settings[n++] = "insert_distributed_sync=1";
		d->settings[n] = NULL;
		d->o.settings = d->settings;
	}
	rc = open_transport(d, &d->o, &d->t, e);
	if (rc) {
		free_db(d);
		return rc;
	}
	if (t->password && *t->password)
		d->password = xstrdup(t->password);
	if (d->cluster && (rc = read_cluster(d, e))) {
		free_db(d);
		return rc;
	}
	/* INGOT_TEST_CH_OLD_BUILDS: tests only (t1196), to run builds of
	 * models simple enough for 18.16 through the cluster code (ON
	 * CLUSTER DDL) against the only server Debian has; never for users */
	if (d->old && !wh__open_for_loads && !getenv("INGOT_TEST_CH_OLD_BUILDS")) {
		struct buf cd = BUF_INIT;
		if (d->cluster) {
			buf_puts(&cd, "; ");
			cluster_desc(d, &cd);
		}
		rc = err_set(e, ING_EUNSUPPORTED,
			     "ClickHouse %s at %s:%d is older than ingot supports for builds: the SQL "
			     "it writes needs ClickHouse %d.x or newer (CTEs, window functions, "
			     "EXCHANGE TABLES); upgrade the server. 'ingot load' works with it%s",
			     d->version, t->host ? t->host : "?", t->port, CH_MIN_MAJOR, buf_cstr(&cd));
		buf_free(&cd);
		free_db(d);
		return rc;
	}
	/* functions the other engines have under these names, which SQL
	 * written for them (snapshots' md5, the loader's strpos) calls (a
	 * server before 22 has no CREATE FUNCTION: loads do without) */
	static const char *const compat[] = {
		"CREATE FUNCTION IF NOT EXISTS md5 AS (s) -> lower(hex(MD5(s)))",
		"CREATE FUNCTION IF NOT EXISTS strpos AS (s, n) -> position(s, n)",
		NULL,
	};
	for (size_t i = 0; compat[i] && !rc && !d->old; i++)
		rc = d->t->ops->exec(d->t, compat[i], NULL, NULL, NULL, NULL, e);
	if (rc) {
		err_prefix(e, "setting up the ClickHouse session");
		free_db(d);
		return rc;
	}
	*out = &d->base;
	return 0;
}

static void c_close(struct wh_db *db)
{
	if (!db)
		return;
	free_db(db_of(db));
}

static int c_connect(struct wh_db *db, struct wh_conn **out, struct err *e)
{
	struct chconn *c = xcalloc(1, sizeof(*c));
	c->base.ad = &wh_clickhouse_adapter;
	c->base.db = db;
	c->d = db_of(db);
	c->t = c->d->t;
	/* over HTTP each connection has its own handle: connections run on
	 * several threads at once (a load of several tables), one handle
	 * runs one statement at a time */
	if (is_http(c->d)) {
		int rc = open_transport(c->d, &c->d->o, &c->t, e);
		if (rc) {
			free(c);
			return rc;
		}
	}
	if (c->d->nshards)
		c->st = xcalloc(c->d->nshards, sizeof(*c->st));
	*out = &c->base;
	return 0;
}

static void c_disconnect(struct wh_conn *wc)
{
	if (!wc)
		return;
	struct chconn *c = conn_of(wc);
	for (size_t i = 0; c->st && i < c->d->nshards; i++)
		if (c->st[i] && c->st[i] != c->t)
			c->st[i]->ops->close(c->st[i]);
	free(c->st);
	pending_clear(c);
	if (c->t && c->t != c->d->t)
		c->t->ops->close(c->t);
	free(c);
}

/* Run one statement; the engine's error keeps its text, less the
 * password. */
/* ---- CAST to a decimal rounds ----
 *
 * ClickHouse truncates when it converts to a Decimal (a Float64 33.95,
 * stored as 33.9499..., becomes 33.94), where DuckDB and PostgreSQL round
 * (33.95): the same model would sum to different cents. So every
 * `cast(e as decimal(p, s))` / `numeric(p, s)` runs as
 * `cast(round(cast(e as Decimal(38, s + 8)), s) as decimal(p, s))`: eight
 * more digits keep a float's value to well past the cents, and round()
 * on a Decimal rounds half away from zero as the other engines do. The
 * extra cast makes it work on strings, integers and decimals alike. */

/* The end of a quoted run or comment starting at p, or p when p starts
 * neither. */
static const char *skip_quoted(const char *p)
{
	char ch = *p;
	if (ch == '\'' || ch == '"' || ch == '`') {
		for (p++; *p && *p != ch; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	if (ch == '-' && p[1] == '-') {
		while (*p && *p != '\n')
			p++;
		return p;
	}
	if (ch == '/' && p[1] == '*') {
		const char *q = strstr(p + 2, "*/");
		return q ? q + 2 : p + strlen(p);
	}
	return p;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The scale of a decimal type spelled t..end (decimal(p, s), numeric(p,
 * s), decimal(p): 0), or -1 when it is not one with a precision. */
static int decimal_scale(const char *t, const char *end)
{
	const char *r = NULL;
	size_t n = (size_t)(end - t);
	if (n > 7 && !strncasecmp(t, "decimal", 7))
		r = t + 7;
	else if (n > 7 && !strncasecmp(t, "numeric", 7))
		r = t + 7;
	if (!r)
		return -1;
	while (r < end && isspace((unsigned char)*r))
		r++;
	if (r >= end || *r != '(')
		return -1;
	char *q;
	strtol(r + 1, &q, 10);
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q < end && *q == ')')
		return 0;
	if (q >= end || *q != ',')
		return -1;
	long sc = strtol(q + 1, &q, 10);
	return sc >= 0 && sc <= 30 ? (int)sc : -1;
}

static void round_casts(const char *s, const char *end, struct buf *out)
{
	const char *p = s, *copied = s;
	while (p < end) {
		const char *q = skip_quoted(p);
		if (q != p) {
			p = q;
			continue;
		}
		if ((p == s || !word_char(p[-1])) && end - p > 4 && !strncasecmp(p, "cast", 4)) {
			const char *o = p + 4;
			while (o < end && isspace((unsigned char)*o))
				o++;
			if (o < end && *o == '(') {
				/* the matching ')' and the last top-level AS */
				int depth = 0;
				const char *c = o + 1, *as = NULL;
				while (c < end) {
					const char *z = skip_quoted(c);
					if (z != c) {
						c = z;
						continue;
					}
					if (*c == '(')
						depth++;
					else if (*c == ')' && depth-- == 0)
						break;
					else if (!depth && !word_char(c[-1]) && end - c > 2 &&
						 !strncasecmp(c, "as", 2) && !word_char(c[2]))
						as = c;
					c++;
				}
				if (c < end && as) {
					const char *t = as + 2;
					while (t < c && isspace((unsigned char)*t))
						t++;
					const char *te = c;
					while (te > t && isspace((unsigned char)te[-1]))
						te--;
					int sc = decimal_scale(t, te);
					if (sc >= 0) {
						buf_add(out, copied, (size_t)(p - copied));
						buf_puts(out, "cast(round(cast(");
						round_casts(o + 1, as, out);
						buf_printf(out, " as Decimal(38, %d)), %d) as %.*s)", sc + 8,
							   sc, (int)(te - t), t);
						p = copied = c + 1;
						continue;
					}
				}
			}
		}
		p++;
	}
	buf_add(out, copied, (size_t)(end - copied));
}

/* sql with its decimal casts rounding (malloc'd). */
static char *rounding_casts(const char *sql)
{
	struct buf b = BUF_INIT;
	round_casts(sql, sql + strlen(sql), &b);
	return buf_detach(&b, NULL);
}

/* ---- SELECT lists named and typed as on the other engines ----
 *
 * Two differences in what a SELECT list produces, mended in every SELECT
 * list of every statement:
 * - `select c.user_id, ... from c join s ... join r ...`: when three or
 *   more joined tables have a user_id, ClickHouse names the result column
 *   "c.user_id" where the other engines name it user_id, and a table built
 *   from it has a column nobody can refer to as user_id. An item that is
 *   only a qualified column (a.b, "a"."b", s.t.c) gets the alias the other
 *   engines give it implicitly: `c.user_id as user_id`.
 * - a comparison or logical expression (`shipped_at is not null as
 *   is_shipped`) is a UInt8 0/1 here, a boolean elsewhere; an aliased item
 *   whose top level is one becomes `toBool(...) as is_shipped`, so tables
 *   hold true/false as on DuckDB and PostgreSQL. */

struct proj {
	int depth;
	const char *item; /* start of the current item */
};

struct edit {
	const char *at;
	const char *text;
	size_t n;
	size_t seq;
};

struct edits {
	struct edit *v;
	size_t n, cap;
};

static void edit_add(struct edits *ed, const char *at, const char *text, size_t n)
{
	if (ed->n == ed->cap) {
		ed->cap = ed->cap ? ed->cap * 2 : 16;
		ed->v = xrealloc(ed->v, ed->cap * sizeof *ed->v);
	}
	ed->v[ed->n] = (struct edit){at, text, n, ed->n};
	ed->n++;
}

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Is [a, b) a qualified column name (two or more parts)? Sets *last to
 * its last part. */
static bool qualified_column(const char *a, const char *b, const char **last, size_t *lastn)
{
	int parts = 0;
	while (a < b) {
		const char *start = a;
		if (*a == '"' || *a == '`') {
			char q = *a;
			for (a++; a < b && *a != q; a++)
				;
			if (a >= b)
				return false;
			a++;
		} else if (isalpha((unsigned char)*a) || *a == '_') {
			while (a < b && word_char(*a))
				a++;
		} else {
			return false;
		}
		parts++;
		*last = start;
		*lastn = (size_t)(a - start);
		if (a == b)
			break;
		if (*a != '.')
			return false;
		a++;
		if (a == b)
			return false;
	}
	return parts >= 2;
}

static bool kw_at(const char *p, const char *end, const char *kw)
{
	size_t n = strlen(kw);
	return (size_t)(end - p) >= n && !strncasecmp(p, kw, n) && (p + n == end || !word_char(p[n]));
}

/* The position of the last top-level AS of [a, b), or NULL. */
static const char *item_as(const char *a, const char *b)
{
	const char *as = NULL;
	int d = 0;
	for (const char *p = a; p < b; p++) {
		const char *z = skip_quoted(p);
		if (z != p) {
			p = z - 1;
			continue;
		}
		if (*p == '(')
			d++;
		else if (*p == ')')
			d--;
		else if (!d && (p == a || !word_char(p[-1])) && kw_at(p, b, "as"))
			as = p;
	}
	return as;
}

/* Is the top level of [a, b) (outside parentheses and CASE ... END) a
 * comparison or a logical operator? */
static bool boolean_expr(const char *a, const char *b)
{
	static const char *const ops[] = {"is", "like", "ilike", "in", "between", "and", "or",
					  "not", "exists", NULL};
	int d = 0, cases = 0;
	for (const char *p = a; p < b; p++) {
		const char *z = skip_quoted(p);
		if (z != p) {
			p = z - 1;
			continue;
		}
		if (*p == '(') {
			d++;
			continue;
		}
		if (*p == ')') {
			d--;
			continue;
		}
		if (d)
			continue;
		bool bound = p == a || !word_char(p[-1]);
		if (bound && kw_at(p, b, "case")) {
			cases++;
			continue;
		}
		if (bound && kw_at(p, b, "end")) {
			cases--;
			continue;
		}
		if (cases)
			continue;
		/* =, ==, !=, <>, <, <=, >, >=; not the arrows -> and => */
		if ((*p == '=' && !(p + 1 < b && p[1] == '>')) || *p == '<' ||
		    (*p == '>' && !(p > a && (p[-1] == '-' || p[-1] == '='))))
			return true;
		if (bound && (isalpha((unsigned char)*p)))
			for (size_t k = 0; ops[k]; k++)
				if (kw_at(p, b, ops[k]))
					return true;
	}
	return false;
}

static void finish_item(struct edits *ed, const char *a, const char *b)
{
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	const char *last;
	size_t lastn;
	if (a == b)
		return;
	if (qualified_column(a, b, &last, &lastn)) {
		edit_add(ed, b, " as ", 4);
		edit_add(ed, b, last, lastn);
		return;
	}
	const char *as = item_as(a, b);
	if (as && boolean_expr(a, as)) {
		const char *x = as;
		while (x > a && isspace((unsigned char)x[-1]))
			x--;
		edit_add(ed, a, "toBool(", 7);
		edit_add(ed, x, ")", 1);
	}
}

static char *mend_select_lists(const char *sql)
{
	static const char *const stop[] = {"from", "union", "where", "group", "order", "limit",
					   "having", "settings", "format", "into", "window",
					   "intersect", "except", "qualify", NULL};
	const char *end = sql + strlen(sql);
	struct proj st[64];
	int nst = 0, depth = 0;
	struct edits ed = {0};
	const char *p = sql;
	while (p < end) {
		const char *q = skip_quoted(p);
		if (q != p) {
			p = q;
			continue;
		}
		bool boundary = p == sql || !word_char(p[-1]);
		if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			while (nst && st[nst - 1].depth == depth) {
				finish_item(&ed, st[nst - 1].item, p);
				nst--;
			}
			depth--;
		} else if (nst && st[nst - 1].depth == depth && (*p == ',' || *p == ';')) {
			finish_item(&ed, st[nst - 1].item, p);
			if (*p == ';')
				nst--;
			else
				st[nst - 1].item = p + 1;
		} else if (boundary && kw_at(p, end, "select")) {
			const char *r = p + 6;
			while (r < end && isspace((unsigned char)*r))
				r++;
			if (kw_at(r, end, "distinct")) {
				r += 8;
				while (r < end && isspace((unsigned char)*r))
					r++;
				if (kw_at(r, end, "on")) {
					const char *o = r + 2;
					while (o < end && isspace((unsigned char)*o))
						o++;
					if (o < end && *o == '(') {
						int d = 0;
						for (; o < end; o++) {
							const char *z = skip_quoted(o);
							if (z != o) {
								o = z - 1;
								continue;
							}
							if (*o == '(')
								d++;
							else if (*o == ')' && --d == 0)
								break;
						}
						r = o < end ? o + 1 : o;
					}
				}
			} else if (kw_at(r, end, "all")) {
				r += 3;
			}
			if (nst < (int)(sizeof st / sizeof st[0])) {
				st[nst].depth = depth;
				st[nst++].item = r;
			}
			p = r;
			continue;
		} else if (boundary && nst && st[nst - 1].depth == depth) {
			for (size_t k = 0; stop[k]; k++)
				if (kw_at(p, end, stop[k])) {
					finish_item(&ed, st[nst - 1].item, p);
					nst--;
					break;
				}
		}
		p++;
	}
	while (nst) {
		finish_item(&ed, st[nst - 1].item, end);
		nst--;
	}
	if (ed.n > 1)
		qsort(ed.v, ed.n, sizeof *ed.v, edit_cmp);
	struct buf b = BUF_INIT;
	const char *c = sql;
	for (size_t i = 0; i < ed.n; i++) {
		buf_add(&b, c, (size_t)(ed.v[i].at - c));
		buf_add(&b, ed.v[i].text, ed.v[i].n);
		c = ed.v[i].at;
	}
	buf_add(&b, c, (size_t)(end - c));
	free(ed.v);
	return buf_detach(&b, NULL);
}

/* ---- division of decimals is not truncated ----
 *
 * Decimal / Decimal and Decimal / integer keep the dividend's scale here
 * (sum(revenue) / count(*) = 84.19), where DuckDB answers a double
 * (84.19666...) and PostgreSQL a numeric with more digits: an average
 * order value must not lose its cents' fractions on one engine. So the
 * divisor of every `/` (the primary after it: a parenthesised expression,
 * a function call, a column, a number, a CASE ... END) is read as a
 * Float64, which makes a decimal quotient a double as on DuckDB; an
 * integer or float quotient is a Float64 here already. */

/* The end of the primary expression at p (after leading spaces), or NULL
 * when it is none this knows. */
static const char *primary_end(const char *p, const char *end)
{
	if (p < end && *p == '(') {
		int d = 0;
		for (const char *c = p; c < end; c++) {
			const char *z = skip_quoted(c);
			if (z != c) {
				c = z - 1;
				continue;
			}
			if (*c == '(')
				d++;
			else if (*c == ')' && --d == 0)
				return c + 1;
		}
		return NULL;
	}
	if (p < end && isdigit((unsigned char)*p)) {
		while (p < end && (isalnum((unsigned char)*p) || *p == '.'))
			p++;
		return p;
	}
	if (kw_at(p, end, "case")) {
		int cases = 0;
		for (const char *c = p; c < end; c++) {
			const char *z = skip_quoted(c);
			if (z != c) {
				c = z - 1;
				continue;
			}
			if (c > p && word_char(c[-1]))
				continue;
			if (kw_at(c, end, "case"))
				cases++;
			else if (kw_at(c, end, "end") && --cases == 0)
				return c + 3;
		}
		return NULL;
	}
	const char *c = p;
	for (;;) {
		if (c < end && (*c == '"' || *c == '`')) {
			char q = *c;
			for (c++; c < end && *c != q; c++)
				;
			if (c >= end)
				return NULL;
			c++;
		} else if (c < end && (isalpha((unsigned char)*c) || *c == '_')) {
			while (c < end && word_char(*c))
				c++;
		} else {
			return NULL;
		}
		if (c < end && *c == '.') {
			c++;
			continue;
		}
		break;
	}
	const char *f = c;
	while (f < end && isspace((unsigned char)*f))
		f++;
	if (f < end && *f == '(')
		return primary_end(f, end);
	return c;
}

static char *float_divisors(const char *sql)
{
	const char *end = sql + strlen(sql), *p = sql, *copied = sql;
	struct buf b = BUF_INIT;
	while (p < end) {
		const char *q = skip_quoted(p);
		if (q != p) {
			p = q;
			continue;
		}
		if (*p == '/') {
			const char *r = p + 1;
			while (r < end && isspace((unsigned char)*r))
				r++;
			const char *e = primary_end(r, end);
			if (e && e > r) {
				buf_add(&b, copied, (size_t)(r - copied));
				buf_puts(&b, "toFloat64(");
				/* the divisor may divide too: (a / b) */
				char *inner = xstrndup(r, (size_t)(e - r));
				char *mended = float_divisors(inner);
				buf_puts(&b, mended);
				free(mended);
				free(inner);
				buf_putc(&b, ')');
				p = copied = e;
				continue;
			}
		}
		p++;
	}
	buf_add(&b, copied, (size_t)(end - copied));
	return buf_detach(&b, NULL);
}

/* The statement as ClickHouse must read it to mean what it means on the
 * other engines (malloc'd); a server older than CH_MIN_MAJOR gets it as
 * is (it has none of the functions these write). */
static char *mend(struct chconn *c, const char *stmt)
{
	if (c->d->old)
		return xstrdup(stmt);
	char *rounded = rounding_casts(stmt);
	char *divided = float_divisors(rounded);
	free(rounded);
	char *sql = mend_select_lists(divided);
	free(divided);
	return sql;
}

/* the server's stack trace says nothing to a user */
static void cut_stack_trace(struct err *e)
{
	char *st = e && e->msg ? strstr(e->msg, "\n\n0. ") : NULL;
	if (st)
		*st = 0;
}

static int run(struct chconn *c, const char *stmt, ch_body_fn body, void *body_ud,
	       struct buf *answer, struct err *e)
{
	struct ch_transport *t = c->t;
	char *sql = mend(c, stmt);
	int rc = answer ? (body ? t->ops->exec(t, sql, body, body_ud, NULL, NULL, e)
				: ch_exec_collect(t, sql, answer, e))
			: t->ops->exec(t, sql, body, body_ud, NULL, NULL, e);
	free(sql);
	if (rc && e && e->msg && c->d->password)
		wh__redact(e->msg, c->d->password);
	if (rc)
		cut_stack_trace(e);
	return rc;
}

/* ---- statements ---- */

/* Split sql at top-level semicolons (outside quotes and comments). Calls
 * fn for each non-empty statement (trimmed, NUL-terminated copy). */
static int split_statements(const char *sql, int (*fn)(void *ud, char *stmt, struct err *e),
			    void *ud, struct err *e)
{
	const char *p = sql, *start = sql;
	for (;;) {
		char ch = *p;
		if (ch == '\'' || ch == '"' || ch == '`') {
			for (p++; *p && *p != ch; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
			continue;
		}
		if (ch == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (ch == '/' && p[1] == '*') {
			const char *q = strstr(p + 2, "*/");
			p = q ? q + 2 : p + strlen(p);
			continue;
		}
		if (ch == ';' || !ch) {
			const char *a = start, *b = p;
			while (a < b && isspace((unsigned char)*a))
				a++;
			while (b > a && isspace((unsigned char)b[-1]))
				b--;
			if (b > a) {
				char *s = xstrndup(a, (size_t)(b - a));
				int rc = fn(ud, s, e);
				free(s);
				if (rc)
					return rc;
			}
			if (!ch)
				return 0;
			start = p + 1;
		}
		p++;
	}
}

/* Does s start with the words of kw (case-insensitive, any whitespace
 * between words)? Returns the position after them, or NULL. */
static const char *starts_kw(const char *s, const char *kw)
{
	while (*kw) {
		while (isspace((unsigned char)*s))
			s++;
		while (*kw == ' ')
			kw++;
		while (*kw && *kw != ' ') {
			if (tolower((unsigned char)*s) != tolower((unsigned char)*kw))
				return NULL;
			s++;
			kw++;
		}
		if (*kw == ' ' && !isspace((unsigned char)*s))
			return NULL;
	}
	if (isalnum((unsigned char)*s) || *s == '_')
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Is the text after a relation name a (quoted or bare) identifier? Copies
 * the name part (with quotes) of "a"."b" into out; returns the rest. */
static const char *take_name(const char *s, struct buf *out)
{
	while (isspace((unsigned char)*s))
		s++;
	for (;;) {
		if (*s == '"' || *s == '`') {
			char q = *s;
			const char *e2 = strchr(s + 1, q);
			if (!e2)
				e2 = s + strlen(s) - 1;
			buf_add(out, s, (size_t)(e2 - s + 1));
			s = e2 + 1;
		} else {
			const char *b = s;
			while (isalnum((unsigned char)*s) || *s == '_')
				s++;
			buf_add(out, b, (size_t)(s - b));
		}
		if (*s != '.')
			break;
		buf_putc(out, '.');
		s++;
	}
	return s;
}

/* Rewrite the standard SQL that ClickHouse spells differently. Returns a
 * malloc'd statement, or NULL when the statement is a no-op here. */
static char *rewrite(const char *s)
{
	const char *r;
	if (starts_kw(s, "begin") || starts_kw(s, "start transaction") || starts_kw(s, "commit") ||
	    starts_kw(s, "rollback") || starts_kw(s, "analyze"))
		return NULL;
	/* no secondary or unique indexes: the adapter's callers keep keys
	 * unique themselves (the load manifest) */
	if (starts_kw(s, "create unique index") || starts_kw(s, "create index"))
		return NULL;
	if ((r = starts_kw(s, "update"))) {
		/* UPDATE t SET ... [WHERE ...] -> a synchronous mutation
		 * (mutations_sync=2) */
		struct buf rel = BUF_INIT;
		const char *rest = take_name(r, &rel);
		const char *set = starts_kw(rest, "set");
		if (set) {
			bool has_where = false;
			for (const char *p = set; *p; p++)
				if ((p == set || isspace((unsigned char)p[-1])) && starts_kw(p, "where")) {
					has_where = true;
					break;
				}
			char *out = xasprintf("ALTER TABLE %s UPDATE %s%s", buf_cstr(&rel), set,
					      has_where ? "" : " WHERE 1");
			buf_free(&rel);
			return out;
		}
		buf_free(&rel);
	}
	if ((r = starts_kw(s, "delete from"))) {
		/* a lightweight DELETE needs a WHERE: all rows is TRUNCATE */
		struct buf rel = BUF_INIT;
		const char *rest = take_name(r, &rel);
		while (*rest && isspace((unsigned char)*rest))
			rest++;
		char *out = *rest ? NULL : xasprintf("TRUNCATE TABLE %s", buf_cstr(&rel));
		buf_free(&rel);
		if (out)
			return out;
	}
	if ((r = starts_kw(s, "create schema")))
		return xasprintf("CREATE DATABASE %s", r);
	if ((r = starts_kw(s, "drop schema"))) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "DROP DATABASE %s", r);
		char *out = buf_detach(&b, NULL);
		size_t n = strlen(out);
		if (n > 8 && !strcasecmp(out + n - 8, " cascade"))
			out[n - 8] = 0;
		return out;
	}
	if (starts_kw(s, "drop table") || starts_kw(s, "drop view")) {
		char *out = xstrdup(s);
		size_t n = strlen(out);
		if (n > 8 && !strcasecmp(out + n - 8, " cascade"))
			out[n - 8] = 0;
		else if (n > 9 && !strcasecmp(out + n - 9, " restrict"))
			out[n - 9] = 0;
		return out;
	}
	if ((r = starts_kw(s, "alter table")) || (r = starts_kw(s, "alter view"))) {
		/* ALTER TABLE a.b RENAME TO c -> RENAME TABLE a.b TO a.c */
		struct buf from = BUF_INIT;
		const char *rest = take_name(r, &from);
		const char *to = starts_kw(rest, "rename to");
		if (to) {
			const char *name = buf_cstr(&from);
			const char *dot = NULL;
			/* the schema part: up to the last dot outside quotes */
			char q = 0;
			for (const char *p = name; *p; p++) {
				if (q) {
					if (*p == q)
						q = 0;
				} else if (*p == '"' || *p == '`') {
					q = *p;
				} else if (*p == '.') {
					dot = p;
				}
			}
			char *out = dot ? xasprintf("RENAME TABLE %s TO %.*s.%s", name,
						    (int)(dot - name), name, to)
					: xasprintf("RENAME TABLE %s TO %s", name, to);
			buf_free(&from);
			return out;
		}
		buf_free(&from);
	}
	return xstrdup(s);
}

/* ---- sharded tables (profile `cluster:`) ----
 *
 * A relation outside _ingot is sharded: a MergeTree table <name>_local on
 * every shard and a Distributed table <name> over them (on every shard
 * too, so any node answers), which reads and inserts go through. DDL runs
 * once ON CLUSTER when the server has distributed DDL, else on each
 * shard's host in turn. ingot's own tables (_ingot) live on the node the
 * target connects to. */

static const char *const LOCAL_SUFFIX = "_local";

/* A model's sharding key travels in its CREATE TABLE as a comment the
 * sharded DDL (create_sharded) takes out; a single node ignores it. */
#define SHARD_KEY_OPEN "/* ingot:sharding_key "
#define SHARD_KEY_CLOSE " */"

/* The unquoted schema and table of a relation's text ("a"."b", a.b, b;
 * no schema: the target's). */
static void split_rel(const struct chdb_db *d, const char *name, char **schema, char **table)
{
	char *parts[2] = {NULL, NULL};
	int np = 0;
	const char *p = name;
	while (*p && np < 2) {
		struct buf b = BUF_INIT;
		if (*p == '"' || *p == '`') {
			char q = *p++;
			while (*p && *p != q)
				buf_putc(&b, *p++);
			if (*p)
				p++;
		} else {
			while (*p && *p != '.')
				buf_putc(&b, *p++);
		}
		parts[np++] = buf_detach(&b, NULL);
		if (*p != '.')
			break;
		p++;
	}
	if (np == 2) {
		*schema = parts[0];
		*table = parts[1];
	} else {
		*schema = xstrdup(d->o.database && *d->o.database ? d->o.database : "default");
		*table = parts[0] ? parts[0] : xstrdup("");
	}
}

static void qident(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static void qstr(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

/* "schema"."table<suffix>" */
static void qrel(struct buf *b, const char *schema, const char *table, const char *suffix)
{
	qident(b, schema);
	buf_putc(b, '.');
	char *t = xasprintf("%s%s", table, suffix ? suffix : "");
	qident(b, t);
	free(t);
}

static bool sharded(const struct chdb_db *d, const char *schema)
{
	return d->nshards && strcmp(schema, "_ingot") != 0;
}

/* The transport to shard i (the connection's own for the local shard). */
static int shard_transport(struct chconn *c, size_t i, struct ch_transport **t, struct err *e)
{
	const struct ch_shard *sh = &c->d->shards[i];
	if (sh->local) {
		*t = c->t;
		return 0;
	}
	if (!c->st[i]) {
		struct ch_conn_opts o = c->d->o;
		o.host = sh->host;
		o.port = sh->port;
		int rc = open_transport(c->d, &o, &c->st[i], e);
		if (rc)
			return rc;
	}
	*t = c->st[i];
	return 0;
}

/* A server before 22 runs ALTER TABLE ... UPDATE/DELETE in the background
 * (no mutations_sync): wait until the table's mutations are done, so the
 * statement reads as synchronous as on the other engines. */
static int wait_mutations(struct chconn *c, struct ch_transport *t, const char *sql,
			  struct err *e)
{
	const char *r = starts_kw(sql, "alter table");
	if (!r)
		return 0;
	struct buf name = BUF_INIT;
	const char *rest = take_name(r, &name);
	if (!starts_kw(rest, "update") && !starts_kw(rest, "delete")) {
		buf_free(&name);
		return 0;
	}
	char *schema, *table;
	split_rel(c->d, buf_cstr(&name), &schema, &table);
	buf_free(&name);
	struct buf q = BUF_INIT, a = BUF_INIT;
	buf_puts(&q, "SELECT count() FROM system.mutations WHERE database = ");
	qstr(&q, schema);
	buf_puts(&q, " AND table = ");
	qstr(&q, table);
	buf_puts(&q, " AND NOT is_done FORMAT TabSeparated");
	int rc = 0;
	for (int i = 0; i < 30000; i++) { /* 10 minutes */
		if ((rc = ask(t, buf_cstr(&q), &a, e)) || atoi(buf_cstr(&a)) == 0)
			break;
		usleep(i < 50 ? 2000 : 20000);
	}
	if (!rc && atoi(buf_cstr(&a)) != 0)
		rc = err_set(e, ING_ETIMEOUT,
			     "ClickHouse: the mutation of %s.%s (%s) is still running after 10 minutes; "
			     "see system.mutations", schema, table, sql);
	buf_free(&q);
	buf_free(&a);
	free(schema);
	free(table);
	return rc;
}

/* Run sql on transport t (shard i, or -1 for the connected node). */
static int run_on(struct chconn *c, struct ch_transport *t, long shard, const char *sql,
		  struct err *e)
{
	int rc = t->ops->exec(t, sql, NULL, NULL, NULL, NULL, e);
	if (!rc && c->d->old)
		rc = wait_mutations(c, t, sql, e);
	if (rc && e && e->msg && c->d->password)
		wh__redact(e->msg, c->d->password);
	if (rc)
		cut_stack_trace(e);
	if (rc && shard >= 0) {
		const struct ch_shard *sh = &c->d->shards[shard];
		err_prefix(e, "shard %d of cluster %s (%s:%d)", sh->num, c->d->cluster, sh->host,
			   sh->port);
	}
	return rc;
}

/* Does the server's distributed DDL take sql ON CLUSTER? A server before
 * CH_MIN_MAJOR (18.16) takes CREATE, DROP, RENAME and TRUNCATE, but of
 * ALTER only column changes, DROP PARTITION and mutations: the others
 * (ATTACH/REPLACE PARTITION ... FROM, which loads swap rows in with) it
 * refuses ("Code: 48 ... Unsupported type of ALTER query"), so they run
 * on each shard's host (they touch each shard's local table only). */
static bool on_cluster_takes(const struct chdb_db *d, const char *sql)
{
	const char *r = starts_kw(sql, "alter table");
	if (!d->old || !r)
		return true;
	struct buf name = BUF_INIT;
	const char *rest = take_name(r, &name);
	buf_free(&name);
	static const char *const ok[] = {"add column", "drop column", "modify column",
					 "drop partition", "delete", "update", NULL};
	for (size_t i = 0; ok[i]; i++)
		if (starts_kw(rest, ok[i]))
			return true;
	return false;
}

/* Does every shard answer? Distributed DDL waits for a shard that is
 * down until distributed_ddl_task_timeout (3 minutes by default), then
 * leaves the statement queued for it: ask each first, and name the one
 * that does not. */
static int shards_answer(struct chconn *c, struct err *e)
{
	for (size_t i = 0; i < c->d->nshards; i++) {
		struct ch_transport *t;
		struct buf a = BUF_INIT;
		struct err pe = ERR_INIT;
		int rc = shard_transport(c, i, &t, &pe);
		if (!rc)
			rc = ask(t, "SELECT 1 FORMAT TabSeparated", &a, &pe);
		buf_free(&a);
		if (rc) {
			const struct ch_shard *sh = &c->d->shards[i];
			if (pe.msg && c->d->password)
				wh__redact(pe.msg, c->d->password);
			rc = err_set(e, ING_EIO,
				     "shard %d of cluster %s (%s:%d) is unreachable (%s): DDL ON "
				     "CLUSTER waits for every shard; start it (check that every shard "
				     "is running), then rerun",
				     sh->num, c->d->cluster, sh->host, sh->port,
				     pe.msg ? pe.msg : "no answer");
			err_clear(&pe);
			return rc;
		}
		err_clear(&pe);
	}
	return 0;
}

/* DDL on every shard: once with ON CLUSTER inserted at `at` (after the
 * statement's name), or on each shard's host. */
static int run_all(struct chconn *c, const char *sql, size_t at, struct err *e)
{
	struct chdb_db *d = c->d;
	if (d->on_cluster && on_cluster_takes(d, sql)) {
		int rc = shards_answer(c, e);
		if (rc)
			return rc;
		struct buf b = BUF_INIT;
		buf_add(&b, sql, at);
		buf_puts(&b, " ON CLUSTER ");
		qident(&b, d->cluster);
		buf_puts(&b, sql + at);
		rc = run_on(c, c->t, -1, buf_cstr(&b), e);
		buf_free(&b);
		/* ON CLUSTER returns once every shard queued a mutation: before
		 * 22 it then runs in the background on each */
		for (size_t i = 0; !rc && d->old && i < d->nshards; i++) {
			struct ch_transport *t;
			if (!(rc = shard_transport(c, i, &t, e)))
				rc = wait_mutations(c, t, sql, e);
		}
		/* the queue is in ZooKeeper/Keeper: when that fails, say so */
		if (rc && e && e->msg &&
		    (strstr(e->msg, "Code: 999") || strstr(e->msg, "Coordination::Exception")))
			err_prefix(e, "DDL ON CLUSTER %s goes through ZooKeeper/Keeper, which failed "
				      "(is it running? after it restarts, the server's first statement "
				      "may still see 'Session expired': rerun)",
				   d->cluster);
		else if (rc && e && e->msg && strstr(e->msg, "distributed_ddl_task_timeout"))
			err_prefix(e, "a shard of cluster %s did not run the DDL ON CLUSTER in time "
				      "(its server is stuck, or its DDL worker stopped, as 18.16's may "
				      "after a ZooKeeper outage: restart that server, then rerun; the "
				      "statement stays queued for it)",
				   d->cluster);
		return rc;
	}
	for (size_t i = 0; i < d->nshards; i++) {
		struct ch_transport *t;
		int rc = shard_transport(c, i, &t, e);
		if (!rc)
			rc = run_on(c, t, (long)i, sql, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* Is kw a word of s outside parentheses and quotes? Returns where. */
static const char *top_kw(const char *s, const char *kw)
{
	int depth = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\'' || *p == '"' || *p == '`') {
			char q = *p;
			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return NULL;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (!depth && (p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
			 starts_kw(p, kw))
			return p;
	}
	return NULL;
}

/* CREATE TABLE [IF NOT EXISTS] "s"."t"<suffix> -> b; *at: after the name. */
static void create_head(struct buf *b, bool ine, const char *schema, const char *table,
			const char *suffix, size_t *at)
{
	buf_puts(b, ine ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
	qrel(b, schema, table, suffix);
	*at = b->len;
}

/* The Distributed table s.t over s.t_local on every shard. */
static int create_distributed(struct chconn *c, bool ine, const char *schema, const char *table,
			      const char *key, struct err *e)
{
	struct buf b = BUF_INIT;
	size_t at;
	create_head(&b, ine, schema, table, NULL, &at);
	buf_puts(&b, " AS ");
	qrel(&b, schema, table, LOCAL_SUFFIX);
	buf_puts(&b, " ENGINE = Distributed(");
	qstr(&b, c->d->cluster);
	buf_puts(&b, ", ");
	qstr(&b, schema);
	buf_puts(&b, ", ");
	char *lt = xasprintf("%s%s", table, LOCAL_SUFFIX);
	qstr(&b, lt);
	free(lt);
	buf_printf(&b, ", %s)", key ? key : c->d->key);
	int rc = run_all(c, buf_cstr(&b), at, e);
	buf_free(&b);
	return rc;
}

static const char *const DEFAULT_ENGINE = " ENGINE = MergeTree() ORDER BY tuple()";

/* Take the model's sharding key (c_sharding_clause) out of rest: a
 * malloc'd key, or NULL; rest is cut where the comment was. */
static char *take_shard_key(char *rest)
{
	char *p = strstr(rest, SHARD_KEY_OPEN);
	char *q = p ? strstr(p + strlen(SHARD_KEY_OPEN), SHARD_KEY_CLOSE) : NULL;
	if (!q)
		return NULL;
	char *key = xstrndup(p + strlen(SHARD_KEY_OPEN), (size_t)(q - p - strlen(SHARD_KEY_OPEN)));
	memmove(p, q + strlen(SHARD_KEY_CLOSE), strlen(q + strlen(SHARD_KEY_CLOSE)) + 1);
	return key;
}

static int create_sharded_key(struct chconn *c, bool ine, const char *schema,
			      const char *table, const char *rest, const char *key, struct err *e)
{
	struct buf b = BUF_INIT;
	size_t at;
	int rc;
	const char *as = top_kw(rest, "as");
	const char *query = as ? starts_kw(as, "as") : NULL;
	if (query && *query != '(' && !starts_kw(query, "select") && !starts_kw(query, "with")) {
		/* CREATE TABLE t AS other [ENGINE ...]: local tables shaped like
		 * other's local ones */
		struct buf o = BUF_INIT;
		const char *after = take_name(query, &o);
		char *os, *ot;
		split_rel(c->d, buf_cstr(&o), &os, &ot);
		create_head(&b, ine, schema, table, LOCAL_SUFFIX, &at);
		buf_puts(&b, " AS ");
		qrel(&b, os, ot, LOCAL_SUFFIX);
		buf_printf(&b, " %s", after);
		rc = run_all(c, buf_cstr(&b), at, e);
		free(os);
		free(ot);
		buf_free(&o);
		buf_free(&b);
		return rc ? rc : create_distributed(c, ine, schema, table, key, e);
	}
	create_head(&b, ine, schema, table, LOCAL_SUFFIX, &at);
	if (!as) {
		buf_printf(&b, " %s%s", rest, top_kw(rest, "engine") ? "" : DEFAULT_ENGINE);
		rc = run_all(c, buf_cstr(&b), at, e);
	} else {
		/* CTAS: the shape on every shard (no rows), then the rows
		 * through the Distributed table */
		buf_putc(&b, ' ');
		buf_add(&b, rest, (size_t)(as - rest));
		if (!top_kw(rest, "engine"))
			buf_puts(&b, DEFAULT_ENGINE);
		buf_printf(&b, " AS SELECT * FROM (%s) LIMIT 0", query);
		rc = run_all(c, buf_cstr(&b), at, e);
		if (!rc)
			rc = create_distributed(c, ine, schema, table, key, e);
		if (!rc) {
			buf_reset(&b);
			buf_puts(&b, "INSERT INTO ");
			qrel(&b, schema, table, NULL);
			buf_printf(&b, " SELECT * FROM (%s)", query);
			rc = run_on(c, c->t, -1, buf_cstr(&b), e);
		}
		buf_free(&b);
		return rc;
	}
	buf_free(&b);
	return rc ? rc : create_distributed(c, ine, schema, table, key, e);
}

/* CREATE TABLE s.t (cols) [ENGINE ...] [AS SELECT ...], sharded. */
static int create_sharded(struct chconn *c, bool ine, const char *schema, const char *table,
			  const char *rest0, struct err *e)
{
	char *rest = xstrdup(rest0);
	char *key = take_shard_key(rest);
	int rc = create_sharded_key(c, ine, schema, table, rest, key, e);
	free(rest);
	free(key);
	return rc;
}

static int drop_sharded(struct chconn *c, const char *schema, const char *table, struct err *e)
{
	struct buf b = BUF_INIT;
	size_t at;
	buf_puts(&b, "DROP TABLE IF EXISTS ");
	qrel(&b, schema, table, NULL);
	at = b.len;
	int rc = run_all(c, buf_cstr(&b), at, e);
	buf_reset(&b);
	buf_puts(&b, "DROP TABLE IF EXISTS ");
	qrel(&b, schema, table, LOCAL_SUFFIX);
	at = b.len;
	if (!rc)
		rc = run_all(c, buf_cstr(&b), at, e);
	buf_free(&b);
	return rc;
}

/* Does s.t exist on the connected node? */
static int rel_exists(struct chconn *c, const char *schema, const char *table, bool *yes,
		      struct err *e)
{
	struct buf q = BUF_INIT, a = BUF_INIT;
	buf_puts(&q, "SELECT count() FROM system.tables WHERE database = ");
	qstr(&q, schema);
	buf_puts(&q, " AND name = ");
	qstr(&q, table);
	buf_puts(&q, " FORMAT TabSeparated");
	int rc = ask(c->t, buf_cstr(&q), &a, e);
	*yes = !rc && atoi(buf_cstr(&a)) > 0;
	buf_free(&q);
	buf_free(&a);
	return rc;
}

/* The DDL a sharded relation needs on every shard; *done false when sql
 * is not such a statement (it then runs on the connected node). */
static int route(struct chconn *c, const char *sql, bool *done, struct err *e)
{
	struct chdb_db *d = c->d;
	const char *r, *r2;
	struct buf name = BUF_INIT;
	char *schema = NULL, *table = NULL;
	int rc = 0;
	*done = true;
	if ((r = starts_kw(sql, "create database")) || (r = starts_kw(sql, "drop database"))) {
		if ((r2 = starts_kw(r, "if not exists")) || (r2 = starts_kw(r, "if exists")))
			r = r2;
		const char *end = take_name(r, &name);
		rc = run_all(c, sql, (size_t)(end - sql), e);
	} else if ((r = starts_kw(sql, "create table"))) {
		bool ine = false;
		if ((r2 = starts_kw(r, "if not exists")))
			r = r2, ine = true;
		const char *rest = take_name(r, &name);
		split_rel(d, buf_cstr(&name), &schema, &table);
		while (isspace((unsigned char)*rest))
			rest++;
		if (!sharded(d, schema))
			*done = false;
		else
			rc = create_sharded(c, ine, schema, table, rest, e);
	} else if ((r = starts_kw(sql, "create view")) || (r = starts_kw(sql, "create or replace view")) ||
		   (r = starts_kw(sql, "drop view"))) {
		if ((r2 = starts_kw(r, "if not exists")) || (r2 = starts_kw(r, "if exists")))
			r = r2;
		const char *end = take_name(r, &name);
		split_rel(d, buf_cstr(&name), &schema, &table);
		if (!sharded(d, schema))
			*done = false;
		else
			rc = run_all(c, sql, (size_t)(end - sql), e);
	} else if ((r = starts_kw(sql, "drop table"))) {
		if ((r2 = starts_kw(r, "if exists")))
			r = r2;
		take_name(r, &name);
		split_rel(d, buf_cstr(&name), &schema, &table);
		if (!sharded(d, schema))
			*done = false;
		else
			rc = drop_sharded(c, schema, table, e);
	} else if ((r = starts_kw(sql, "rename table"))) {
		struct buf to = BUF_INIT;
		const char *rest = take_name(r, &name);
		const char *t2 = starts_kw(rest, "to");
		if (t2)
			rest = take_name(t2, &to);
		split_rel(d, buf_cstr(&name), &schema, &table);
		char *ts = NULL, *tt = NULL;
		if (t2 && !*rest)
			split_rel(d, buf_cstr(&to), &ts, &tt);
		bool local = false;
		if (!sharded(d, schema) || !ts || strcmp(schema, ts)) {
			*done = false;
		} else {
			char *lt = xasprintf("%s%s", table, LOCAL_SUFFIX);
			rc = rel_exists(c, schema, lt, &local, e);
			free(lt);
			if (!rc && !local) {
				rc = run_all(c, sql, strlen(sql), e); /* a view */
			} else if (!rc) {
				/* the local tables move; the Distributed table names
				 * its local table, so it is made again over them */
				struct buf b = BUF_INIT;
				buf_puts(&b, "RENAME TABLE ");
				qrel(&b, schema, table, LOCAL_SUFFIX);
				buf_puts(&b, " TO ");
				qrel(&b, ts, tt, LOCAL_SUFFIX);
				rc = run_all(c, buf_cstr(&b), b.len, e);
				buf_reset(&b);
				buf_puts(&b, "DROP TABLE IF EXISTS ");
				qrel(&b, schema, table, NULL);
				if (!rc)
					rc = run_all(c, buf_cstr(&b), b.len, e);
				if (!rc)
					rc = create_distributed(c, false, ts, tt, NULL, e);
				buf_free(&b);
			}
		}
		free(ts);
		free(tt);
		buf_free(&to);
	} else if ((r = starts_kw(sql, "exchange tables"))) {
		/* the local tables trade places; each Distributed table keeps
		 * naming <its name>_local, so it reads the other's rows now */
		struct buf other = BUF_INIT;
		const char *rest = take_name(r, &name);
		const char *a2 = starts_kw(rest, "and");
		if (a2)
			take_name(a2, &other);
		split_rel(d, buf_cstr(&name), &schema, &table);
		char *os = NULL, *ot = NULL;
		if (a2)
			split_rel(d, buf_cstr(&other), &os, &ot);
		bool local = false;
		char *lt = xasprintf("%s%s", table, LOCAL_SUFFIX);
		if (sharded(d, schema) && os)
			rc = rel_exists(c, schema, lt, &local, e);
		free(lt);
		if (rc) {
			; /* the question failed */
		} else if (!sharded(d, schema) || !os) {
			*done = false;
		} else if (!local) {
			rc = run_all(c, sql, strlen(sql), e); /* not sharded tables */
		} else {
			struct buf b = BUF_INIT;
			buf_puts(&b, "EXCHANGE TABLES ");
			qrel(&b, schema, table, LOCAL_SUFFIX);
			buf_puts(&b, " AND ");
			qrel(&b, os, ot, LOCAL_SUFFIX);
			rc = run_all(c, buf_cstr(&b), b.len, e);
			buf_free(&b);
		}
		free(os);
		free(ot);
		buf_free(&other);
	} else if ((r = starts_kw(sql, "truncate table")) || (r = starts_kw(sql, "alter table"))) {
		bool trunc = starts_kw(sql, "truncate table") != NULL;
		if ((r2 = starts_kw(r, "if exists")))
			r = r2;
		const char *rest = take_name(r, &name);
		split_rel(d, buf_cstr(&name), &schema, &table);
		if (!sharded(d, schema)) {
			*done = false;
		} else {
			/* rows live in the local tables; columns in both */
			struct buf b = BUF_INIT;
			buf_add(&b, sql, (size_t)(r - sql));
			qrel(&b, schema, table, LOCAL_SUFFIX);
			size_t at = b.len;
			buf_puts(&b, rest);
			rc = run_all(c, buf_cstr(&b), at, e);
			if (!rc && !trunc &&
			    (starts_kw(rest, "add column") || starts_kw(rest, "drop column") ||
			     starts_kw(rest, "modify column") || starts_kw(rest, "rename column")))
				rc = run_all(c, sql, (size_t)(rest - sql), e);
			buf_free(&b);
		}
	} else {
		*done = false;
	}
	buf_free(&name);
	free(schema);
	free(table);
	return rc;
}

/* What a server before 22 cannot parse, in forms it can (loads' DDL).
 * *sqlp may be replaced or freed and set to NULL (nothing to run). */
static int old_form(struct chconn *c, char **sqlp, struct err *e)
{
	char *sql = *sqlp;
	const char *r, *r2;
	if ((r = starts_kw(sql, "drop view"))) {
		/* no DROP VIEW before 19.x: DROP TABLE drops a view */
		*sqlp = xasprintf("DROP TABLE %s", r);
		free(sql);
		return 0;
	}
	if ((r = starts_kw(sql, "alter table"))) {
		/* ADD COLUMN IF NOT EXISTS: ask system.columns */
		struct buf name = BUF_INIT, col = BUF_INIT;
		const char *rest = take_name(r, &name);
		if ((r2 = starts_kw(rest, "add column if not exists"))) {
			const char *after = take_name(r2, &col);
			char *schema, *table, *cs, *cn;
			split_rel(c->d, buf_cstr(&name), &schema, &table);
			split_rel(c->d, buf_cstr(&col), &cs, &cn);
			struct buf q = BUF_INIT, a = BUF_INIT;
			buf_puts(&q, "SELECT count() FROM system.columns WHERE database = ");
			qstr(&q, schema);
			buf_puts(&q, " AND table = ");
			qstr(&q, table);
			buf_puts(&q, " AND name = ");
			qstr(&q, cn);
			buf_puts(&q, " FORMAT TabSeparated");
			int rc = ask(c->t, buf_cstr(&q), &a, e);
			if (!rc && atoi(buf_cstr(&a)) > 0) {
				free(sql);
				*sqlp = NULL;
			} else if (!rc) {
				*sqlp = xasprintf("ALTER TABLE %s ADD COLUMN %s %s", buf_cstr(&name),
						  buf_cstr(&col), after);
				free(sql);
			}
			buf_free(&q);
			buf_free(&a);
			free(schema);
			free(table);
			free(cs);
			free(cn);
			buf_free(&name);
			buf_free(&col);
			return rc;
		}
		buf_free(&name);
		return 0;
	}
	if ((r = starts_kw(sql, "delete from"))) {
		/* no lightweight DELETE: a mutation (waited for) */
		struct buf name = BUF_INIT;
		const char *rest = take_name(r, &name);
		const char *w = starts_kw(rest, "where");
		*sqlp = xasprintf("ALTER TABLE %s DELETE WHERE %s", buf_cstr(&name), w ? w : "1");
		free(sql);
		buf_free(&name);
		return 0;
	}
	if ((r = starts_kw(sql, "create table"))) {
		/* no default_table_engine */
		if ((r2 = starts_kw(r, "if not exists")))
			r = r2;
		struct buf name = BUF_INIT;
		const char *rest = take_name(r, &name);
		buf_free(&name);
		while (isspace((unsigned char)*rest))
			rest++;
		if (*rest == '(' && !top_kw(rest, "engine") && !top_kw(rest, "as")) {
			*sqlp = xasprintf("%s%s", sql, DEFAULT_ENGINE);
			free(sql);
		}
	}
	return 0;
}

struct exec_ctx {
	struct chconn *c;
};

/* A mutation (ALTER TABLE t UPDATE/DELETE, DELETE FROM t) that failed
 * stays queued on its table and blocks every later one: kill it, so the
 * next run starts clean. */
static void kill_failed_mutation(struct chconn *c, const char *sql)
{
	const char *r = starts_kw(sql, "alter table");
	if (!r)
		r = starts_kw(sql, "delete from");
	if (!r)
		return;
	struct buf rel = BUF_INIT, q = BUF_INIT;
	take_name(r, &rel);
	/* "db"."t" / db.t / t -> the parts without quotes */
	char part[2][256] = {{0}, {0}};
	int np = 0;
	size_t k = 0;
	for (const char *p = buf_cstr(&rel); *p && np < 2; p++) {
		if (*p == '"' || *p == '`')
			continue;
		if (*p == '.') {
			np++;
			k = 0;
			continue;
		}
		if (*p == '\'' || k + 1 >= sizeof part[0])
			goto out;
		part[np][k++] = *p;
	}
	if (np == 1)
		buf_printf(&q, "KILL MUTATION WHERE database = '%s' AND table = '%s' AND NOT is_done SYNC",
			   part[0], part[1]);
	else
		buf_printf(&q, "KILL MUTATION WHERE database = currentDatabase() AND table = '%s' "
			       "AND NOT is_done SYNC", part[0]);
	struct err ig = ERR_INIT;
	struct buf ans = BUF_INIT;
	run(c, buf_cstr(&q), NULL, NULL, &ans, &ig);
	buf_free(&ans);
	err_clear(&ig);
out:
	buf_free(&rel);
	buf_free(&q);
}

static int exec_one(void *ud, char *stmt, struct err *e)
{
	struct exec_ctx *x = ud;
	struct chconn *c = x->c;
	if (starts_kw(stmt, "begin") || starts_kw(stmt, "start transaction"))
		c->in_tx = true;
	char *sql = rewrite(stmt);
	const char *xr = sql && (c->d->nshards || c->d->old) ? starts_kw(sql, "exchange tables") : NULL;
	if (xr) {
		/* EXCHANGE TABLES a AND b where it cannot run (before 20.x, or
		 * local + Distributed pairs): b dropped, a renamed to b */
		struct buf a = BUF_INIT, b = BUF_INIT;
		const char *rest = starts_kw(take_name(xr, &a), "and");
		int rc = 0;
		if (rest) {
			take_name(rest, &b);
			char *drop = xasprintf("DROP TABLE IF EXISTS %s", buf_cstr(&b));
			char *ren = xasprintf("RENAME TABLE %s TO %s", buf_cstr(&a), buf_cstr(&b));
			rc = exec_one(ud, drop, e);
			if (!rc)
				rc = exec_one(ud, ren, e);
			free(drop);
			free(ren);
			free(sql);
			buf_free(&a);
			buf_free(&b);
			return rc;
		}
		buf_free(&a);
		buf_free(&b);
	}
	int rc = 0;
	if (sql && c->d->old)
		rc = old_form(c, &sql, e);
	if (!sql || rc) {
		free(sql);
		return rc;
	}
	char *mended = mend(c, sql);
	free(sql);
	sql = mended;
	bool done = false;
	if (c->d->nshards)
		rc = route(c, sql, &done, e);
	if (!done && !rc)
		rc = run_on(c, c->t, -1, sql, e);
	if (rc)
		kill_failed_mutation(c, sql);
	free(sql);
	return rc;
}

static int c_exec(struct wh_conn *wc, const char *sql, int64_t *rows_affected, struct err *e)
{
	struct exec_ctx x = {conn_of(wc)};
	if (rows_affected)
		*rows_affected = -1;
	return split_statements(sql, exec_one, &x, e);
}

static int send_body(void *ud, struct buf *chunk, bool *done, struct err *e);

static int c_rollback(struct wh_conn *wc, struct err *e)
{
	/* no transactions: what waits for COMMIT is dropped */
	struct chconn *c = conn_of(wc);
	pending_clear(c);
	c->in_tx = false;
	return 0;
}

static int c_commit(struct wh_conn *wc, struct err *e)
{
	struct chconn *c = conn_of(wc);
	int rc = 0;
	for (size_t i = 0; i < c->npend && !rc; i++)
		rc = run(c, c->pend[i].sql, send_body, &c->pend[i].rows, NULL, e);
	pending_clear(c);
	c->in_tx = false;
	return rc;
}

/* ---- parameters: $1..$n become literals ---- */

static void literal(const struct wh_value *v, bool old, struct buf *out)
{
	char tmp[64];
	switch (v->type) {
	case WH_NULL: buf_puts(out, "NULL"); break;
	case WH_BOOL: buf_puts(out, v->v.b ? "true" : "false"); break;
	/* a server before 22 types 5 as UInt8 and finds no supertype of it
	 * and Int64 (ALTER TABLE ... UPDATE SET x = 5) */
	case WH_INT64: buf_printf(out, old ? "toInt64(%lld)" : "%lld", (long long)v->v.i); break;
	case WH_DOUBLE: buf_printf(out, old ? "toFloat64(%.17g)" : "%.17g", v->v.d); break;
	case WH_DATE:
		date_format(v->v.date, tmp);
		buf_printf(out, old ? "toDate('%s')" : "toDate32('%s')", tmp);
		break;
	case WH_TIMESTAMP:
	case WH_DATETIME:
		if (old) { /* DateTime: seconds */
			ts_format(v->v.ts - ((v->v.ts % 1000000 + 1000000) % 1000000), tmp);
			buf_printf(out, "toDateTime('%.19s')", tmp);
			break;
		}
		ts_format(v->v.ts, tmp);
		buf_printf(out, "toDateTime64('%s', 6)", tmp);
		break;
	case WH_DECIMAL:
	case WH_TEXT:
	case WH_OTHER:
		buf_putc(out, '\'');
		for (size_t i = 0; i < v->v.s.n; i++) {
			char ch = v->v.s.p[i];
			if (ch == '\'' || ch == '\\')
				buf_putc(out, '\\');
			buf_putc(out, ch);
		}
		buf_putc(out, '\'');
		break;
	}
}

static int bind(const char *sql, const struct wh_value *params, size_t np, bool old,
		struct buf *out, struct err *e)
{
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"' || *p == '`') {
			char q = *p;
			const char *b = p++;
			for (; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
			buf_add(out, b, (size_t)(p - b));
			continue;
		}
		if (*p == '$' && isdigit((unsigned char)p[1])) {
			char *end;
			long k = strtol(p + 1, &end, 10);
			if (k < 1 || (size_t)k > np)
				return err_set(e, ING_EINVAL, "parameter $%ld of %zu given", k, np);
			literal(&params[k - 1], old, out);
			p = end;
			continue;
		}
		buf_putc(out, *p++);
	}
	return 0;
}

/* ---- results: TabSeparatedWithNamesAndTypes ---- */

/* Unescape one TSV field in place; returns its length. */
static size_t tsv_unescape(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[++i];
			switch (c) {
			case 't': s[o++] = '\t'; break;
			case 'n': s[o++] = '\n'; break;
			case 'r': s[o++] = '\r'; break;
			case '0': s[o++] = '\0'; break;
			case 'b': s[o++] = '\b'; break;
			case 'f': s[o++] = '\f'; break;
			default: s[o++] = c; break;
			}
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

/* The base of a ClickHouse type: without Nullable(...) and
 * LowCardinality(...). */
static void type_base(const char *t, char *out, size_t cap)
{
	for (;;) {
		if (!strncmp(t, "Nullable(", 9))
			t += 9;
		else if (!strncmp(t, "LowCardinality(", 15))
			t += 15;
		else
			break;
	}
	snprintf(out, cap, "%s", t);
}

static enum wh_type map_type(const char *t)
{
	char b[128];
	type_base(t, b, sizeof(b));
	if (!strncmp(b, "Int", 3) || !strncmp(b, "UInt", 4))
		return strstr(b, "128") || strstr(b, "256") ? WH_DECIMAL : WH_INT64;
	if (!strncmp(b, "Float", 5))
		return WH_DOUBLE;
	if (!strncmp(b, "Decimal", 7))
		return WH_DECIMAL;
	if (!strncmp(b, "String", 6) || !strncmp(b, "FixedString", 11) || !strncmp(b, "Enum", 4) ||
	    !strncmp(b, "UUID", 4))
		return WH_TEXT;
	if (!strncmp(b, "Bool", 4))
		return WH_BOOL;
	if (!strncmp(b, "Date32", 6) || !strcmp(b, "Date)") || !strncmp(b, "Date", 4)) {
		if (!strncmp(b, "DateTime", 8))
			return WH_TIMESTAMP;
		return WH_DATE;
	}
	if (!strncmp(b, "Nothing", 7))
		return WH_NULL;
	return WH_OTHER;
}

static int parse_cell(struct arena *a, enum wh_type t, char *s, size_t n, struct wh_value *v)
{
	if (n == 2 && s[0] == '\\' && s[1] == 'N') {
		v->type = WH_NULL;
		return 0;
	}
	n = tsv_unescape(s, n);
	s[n] = 0;
	v->type = t;
	switch (t) {
	case WH_NULL: v->type = WH_NULL; return 0;
	case WH_BOOL: v->v.b = !strcmp(s, "true") || !strcmp(s, "1"); return 0;
	case WH_INT64: {
		errno = 0;
		char *end;
		long long x = strtoll(s, &end, 10);
		if (errno || *end) {
			/* UInt64 beyond int64: keep the text */
			v->type = WH_DECIMAL;
			v->v.s.p = arena_strndup(a, s, n);
			v->v.s.n = n;
			return 0;
		}
		v->v.i = x;
		return 0;
	}
	case WH_DOUBLE:
		if (!strcmp(s, "nan"))
			v->v.d = __builtin_nan("");
		else if (!strcmp(s, "inf"))
			v->v.d = __builtin_inf();
		else if (!strcmp(s, "-inf"))
			v->v.d = -__builtin_inf();
		else
			v->v.d = strtod(s, NULL);
		return 0;
	case WH_DATE:
		if (date_parse(s, n, &v->v.date))
			goto text;
		return 0;
	case WH_TIMESTAMP:
		if (ts_parse(s, n, &v->v.ts))
			goto text;
		return 0;
	default:
		break;
	}
text:
	if (v->type != WH_DECIMAL && v->type != WH_TEXT)
		v->type = v->type == WH_DATE || v->type == WH_TIMESTAMP ? WH_OTHER : v->type;
	v->v.s.p = arena_strndup(a, s, n);
	v->v.s.n = n;
	return 0;
}

/* Split the next line of [*p, end) (NUL-terminating it). */
static char *next_line(char **p, char *end, size_t *len)
{
	if (*p >= end)
		return NULL;
	char *s = *p;
	char *nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		nl = end;
	*len = (size_t)(nl - s);
	*nl = 0;
	*p = nl + 1;
	return s;
}

static int parse_tsv(char *data, size_t n, struct wh_result **out, struct err *e)
{
	char *p = data, *end = data + n;
	size_t ln, lt;
	char *names = next_line(&p, end, &ln);
	char *types = next_line(&p, end, &lt);
	if (!names || !types)
		return err_set(e, ING_EDB, "ClickHouse answered a query without its header");
	size_t ncols = 1;
	for (size_t i = 0; i < ln; i++)
		ncols += names[i] == '\t';
	size_t nrows = 0;
	for (char *q = p; q < end; q++)
		nrows += *q == '\n';
	struct wh_result *r = wh__result_new(ncols, nrows);
	char *f = names;
	for (size_t c = 0; c < ncols; c++) {
		char *tab = strchr(f, '\t');
		size_t fl = tab ? (size_t)(tab - f) : strlen(f);
		fl = tsv_unescape(f, fl);
		r->names[c] = arena_strndup(r->arena, f, fl);
		f = tab ? tab + 1 : f + strlen(f);
	}
	f = types;
	for (size_t c = 0; c < ncols; c++) {
		char *tab = strchr(f, '\t');
		size_t fl = tab ? (size_t)(tab - f) : strlen(f);
		fl = tsv_unescape(f, fl);
		r->type_names[c] = arena_strndup(r->arena, f, fl);
		r->types[c] = map_type(r->type_names[c]);
		f = tab ? tab + 1 : f + strlen(f);
	}
	size_t len;
	char *line;
	while ((line = next_line(&p, end, &len))) {
		struct wh_value *row = wh__result_add_row(r);
		char *q = line, *le = line + len;
		for (size_t c = 0; c < ncols; c++) {
			char *tab = memchr(q, '\t', (size_t)(le - q));
			char *fe = tab ? tab : le;
			parse_cell(r->arena, r->types[c], q, (size_t)(fe - q), &row[c]);
			q = tab ? tab + 1 : le;
		}
	}
	r->rows_affected = -1;
	*out = r;
	return 0;
}

/* The last " returning " (any case) in s, or NULL. */
static char *strcasestr_last(const char *s, const char *pat)
{
	char *last = NULL;
	for (const char *p = s; (p = strcasestr(p, pat)); p++)
		last = (char *)p;
	return last;
}

static bool returns_rows(const char *sql)
{
	while (isspace((unsigned char)*sql) || *sql == '(')
		sql++;
	return starts_kw(sql, "select") || starts_kw(sql, "with") || starts_kw(sql, "show") ||
	       starts_kw(sql, "describe") || starts_kw(sql, "desc") || starts_kw(sql, "explain") ||
	       starts_kw(sql, "values");
}

static int c_query(struct wh_conn *wc, const char *sql, const struct wh_value *params,
		   size_t nparams, struct wh_result **out, struct err *e)
{
	struct chconn *c = conn_of(wc);
	*out = NULL;
	struct buf q = BUF_INIT;
	int rc = bind(sql, params, nparams, c->d->old, &q, e);
	if (rc) {
		buf_free(&q);
		return rc;
	}
	/* one statement: drop a trailing semicolon */
	while (q.len && (isspace((unsigned char)q.data[q.len - 1]) || q.data[q.len - 1] == ';'))
		q.len--;
	buf_truncate(&q, q.len);
	const char *ur = starts_kw(buf_cstr(&q), "update");
	char *ret = ur ? strcasestr_last(buf_cstr(&q), " returning ") : NULL;
	if (ret) {
		/* UPDATE ... WHERE w RETURNING cols: ClickHouse's mutations
		 * return nothing, so select the rows first (no transactions:
		 * the same as the engines that have RETURNING, one writer) */
		*ret = 0;
		struct buf rel = BUF_INIT, sel = BUF_INIT;
		const char *rest = take_name(ur, &rel);
		const char *w = NULL;
		for (const char *p = rest; *p && !w; p++)
			if (isspace((unsigned char)*p) && starts_kw(p + 1, "where"))
				w = p + 1;
		buf_printf(&sel, "SELECT %s FROM %s %s", ret + 11, buf_cstr(&rel), w ? w : "");
		struct wh_result *r = NULL;
		rc = c_query(wc, buf_cstr(&sel), NULL, 0, &r, e);
		if (!rc && r->nrows)
			rc = c_exec(wc, buf_cstr(&q), NULL, e);
		buf_free(&rel);
		buf_free(&sel);
		buf_free(&q);
		if (rc) {
			wh_result_free(r);
			return rc;
		}
		*out = r;
		return 0;
	}
	if (!returns_rows(buf_cstr(&q))) {
		rc = c_exec(wc, buf_cstr(&q), NULL, e);
		buf_free(&q);
		if (rc)
			return rc;
		struct wh_result *r = wh__result_new(0, 0);
		r->rows_affected = -1;
		*out = r;
		return 0;
	}
	buf_puts(&q, "\nFORMAT TabSeparatedWithNamesAndTypes");
	struct buf ans = BUF_INIT;
	rc = run(c, buf_cstr(&q), NULL, NULL, &ans, e);
	buf_free(&q);
	if (!rc)
		rc = parse_tsv(ans.data ? ans.data : (char *)"", ans.len, out, e);
	buf_free(&ans);
	return rc;
}

/* ---- version ---- */

static int c_version(struct wh_conn *wc, struct buf *out, struct err *e)
{
	struct buf ans = BUF_INIT;
	int rc = run(conn_of(wc), "SELECT version() FORMAT TabSeparated", NULL, NULL, &ans, e);
	if (rc) {
		buf_free(&ans);
		return rc;
	}
	while (ans.len && (ans.data[ans.len - 1] == '\n'))
		ans.len--;
	buf_truncate(&ans, ans.len);
	int major = atoi(buf_cstr(&ans));
	if (major < CH_MIN_MAJOR && !getenv("INGOT_TEST_CH_OLD_BUILDS")) {
		rc = err_set(e, ING_EUNSUPPORTED,
			     "ClickHouse %s is older than ingot supports for builds: ingot needs "
			     "ClickHouse %d.x or newer (the SQL it writes uses CTEs, window functions "
			     "and EXCHANGE TABLES); upgrade the server ('ingot load' works with it)",
			     buf_cstr(&ans), CH_MIN_MAJOR);
		buf_free(&ans);
		return rc;
	}
	struct chdb_db *d = conn_of(wc)->d;
	buf_printf(out, "ClickHouse %s (%s", buf_cstr(&ans), d->t->ops->name);
	if (d->nshards) {
		buf_puts(out, "; ");
		cluster_desc(d, out);
	}
	buf_putc(out, ')');
	buf_free(&ans);
	return 0;
}

/* ---- appender: rows as TabSeparated ----
 *
 * Rows are gathered as TSV. A load that fits one chunk is one INSERT into
 * the table; a larger one goes in chunks into a fresh staging table that
 * one INSERT ... SELECT moves into the table at the end, so a failed load
 * never leaves part of its rows visible. */
#define CH_CHUNK (32u << 20)

struct chapp {
	struct wh_appender base;
	struct chconn *c;
	char *rel;     /* quoted target */
	char *stage;   /* quoted staging table, once created */
	char *collist; /* ("a", "b") */
	struct buf rows;
	size_t ncols;
	struct wh_ltype *types;
	/* a sharded target: rows go through the Distributed table stage over
	 * stage_local on every shard, attached to the target's local tables
	 * at close */
	char *schema, *table, *stage_name; /* unquoted */
	size_t chunks;
	bool own; /* a table of ingot's own (_ingot) */
	bool rowbinary; /* rows as RowBinary (the table's types are ingot's), else TSV */
};

static int c_append_close(struct wh_appender *wap, bool ok, struct err *e);
static int c_list_columns(struct wh_conn *c, const char *schema, const char *rel,
			  struct arena *a, struct wh_column_info **cols, size_t *n, struct err *e);
static void c_type_sql_db(const struct wh_db *db, const struct wh_ltype *t, struct buf *out);

/* RowBinary when the table's columns are the ones ingot makes for the
 * declared types (type_sql_db), of types whose binary form is plain
 * (integers, floats, text, booleans, timestamps); else TabSeparated, which
 * the server converts to whatever the table has (dates, decimals, a table
 * made by someone else). */
static bool rowbinary_fits(struct chconn *c, const char *schema, const char *table,
			   const struct wh_coldef *defs, size_t ncols)
{
	struct arena *a = arena_new(0);
	struct wh_column_info *cols = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	bool ok = !c_list_columns(&c->base, schema, table, a, &cols, &n, &e) && n == ncols && n;
	struct buf want = BUF_INIT;
	for (size_t i = 0; ok && i < n; i++) {
		enum wh_type t = defs[i].type.type;
		ok = t == WH_BOOL || t == WH_INT64 || t == WH_DOUBLE || t == WH_TEXT ||
		     t == WH_TIMESTAMP || t == WH_DATETIME;
		buf_reset(&want);
		c_type_sql_db(&c->d->base, &defs[i].type, &want);
		ok = ok && !strcmp(cols[i].name, defs[i].name) &&
		     !strcmp(cols[i].data_type, buf_cstr(&want));
	}
	buf_free(&want);
	err_clear(&e);
	arena_free(a);
	return ok;
}

/* Tests only: rows per INSERT (bytes), and a shell command run after
 * the N-th INSERT of a sharded load ("N:command"), so a test can stop a
 * shard while a load streams. */
static size_t chunk_bytes(void)
{
	const char *v = getenv("INGOT_TEST_CH_CHUNK_BYTES");
	long n = v ? atol(v) : 0;
	return n > 0 ? (size_t)n : CH_CHUNK;
}

static void after_chunk_hook(size_t chunks)
{
	const char *v = getenv("INGOT_TEST_CH_AFTER_CHUNK");
	char *colon = v ? strchr(v, ':') : NULL;
	if (colon && (size_t)atol(v) == chunks && system(colon + 1) != 0)
		log_warn("INGOT_TEST_CH_AFTER_CHUNK: the command failed");
}

/* The staging tables of a sharded load: a local one on every shard
 * shaped like the target's, a Distributed one over them. Made fresh:
 * what a failed load left is replaced. */
static int stage_sharded(struct chapp *ap, struct err *e)
{
	struct chconn *c = ap->c;
	struct buf b = BUF_INIT;
	int rc = drop_sharded(c, ap->schema, ap->stage_name, e);
	size_t at;
	if (!rc) {
		create_head(&b, false, ap->schema, ap->stage_name, LOCAL_SUFFIX, &at);
		buf_puts(&b, " AS ");
		qrel(&b, ap->schema, ap->table, LOCAL_SUFFIX);
		rc = run_all(c, buf_cstr(&b), at, e);
	}
	if (!rc)
		rc = create_distributed(c, false, ap->schema, ap->stage_name, NULL, e);
	buf_free(&b);
	if (!rc) {
		qrel(&b, ap->schema, ap->stage_name, NULL);
		ap->stage = buf_detach(&b, NULL);
	}
	return rc;
}

/* After a failed statement of a sharded load: the shard that does not
 * answer, named first. */
static void name_unreachable(struct chconn *c, struct err *e)
{
	for (size_t i = 0; i < c->d->nshards; i++) {
		struct ch_transport *t;
		struct buf a = BUF_INIT;
		struct err pe = ERR_INIT;
		int rc = shard_transport(c, i, &t, &pe);
		if (!rc)
			rc = ask(t, "SELECT 1 FORMAT TabSeparated", &a, &pe);
		buf_free(&a);
		if (rc) {
			const struct ch_shard *sh = &c->d->shards[i];
			err_prefix(e, "shard %d of cluster %s (%s:%d) is unreachable (%s)", sh->num,
				   c->d->cluster, sh->host, sh->port, pe.msg ? pe.msg : "no answer");
			err_clear(&pe);
			return;
		}
		err_clear(&pe);
	}
}

/* sql on shard i's own host (never ON CLUSTER). */
static int on_shard(struct chconn *c, size_t i, const char *sql, struct err *e)
{
	struct ch_transport *t;
	int rc = shard_transport(c, i, &t, e);
	return rc ? rc : run_on(c, t, (long)i, sql, e);
}

/* Move the staged rows into the target's local table on every shard
 * (ATTACH PARTITION ... FROM: the parts are linked, not copied), as one
 * change across the shards as far as ClickHouse allows:
 *   1. every shard answers and keeps a snapshot of its target rows
 *      (<table>__ingot_prev_local, the parts linked): nothing visible yet;
 *   2. the attach, shard by shard;
 *   3. when one fails, every shard attached so far, and the failing one
 *      (its attach may have run before its answer was lost), takes its
 *      snapshot back with REPLACE PARTITION, atomic on each shard.
 * A snapshot that could not be put back stays on its shard, and the next
 * load of the table refuses until someone decides (the message says how).
 * Loads of one table are serialized by ingot; a writer outside ingot
 * between 1 and 3 would lose its rows to an undo. */
static int attach_sharded(struct chapp *ap, struct err *e)
{
	struct chconn *c = ap->c;
	size_t n = c->d->nshards;
	struct buf name = BUF_INIT, tgt = BUF_INIT, snap = BUF_INIT, stage = BUF_INIT,
		   q = BUF_INIT, a = BUF_INIT;
	wh_derived_name(c->base.db, ap->table, "__ingot_prev", &name);
	buf_puts(&name, LOCAL_SUFFIX);
	qrel(&tgt, ap->schema, ap->table, LOCAL_SUFFIX);
	qrel(&snap, ap->schema, buf_cstr(&name), NULL);
	qrel(&stage, ap->schema, ap->stage_name, LOCAL_SUFFIX);
	bool *kept = xcalloc(n, sizeof(*kept)); /* the undo failed: the snapshot stays */
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct ch_transport *t;
		const struct ch_shard *sh = &c->d->shards[i];
		if (!(rc = shard_transport(c, i, &t, e)))
			rc = ask(t, "SELECT 1 FORMAT TabSeparated", &a, e);
		if (rc) {
			err_prefix(e, "shard %d of cluster %s (%s:%d) is unreachable", sh->num,
				   c->d->cluster, sh->host, sh->port);
			break;
		}
		buf_reset(&q);
		buf_puts(&q, "SELECT count() FROM system.tables WHERE database = ");
		qstr(&q, ap->schema);
		buf_puts(&q, " AND name = ");
		qstr(&q, buf_cstr(&name));
		buf_puts(&q, " FORMAT TabSeparated");
		if ((rc = ask(t, buf_cstr(&q), &a, e)))
			break;
		if (atoi(buf_cstr(&a)) > 0)
			rc = err_set(e, ING_ECONFLICT,
				     "shard %d of cluster %s (%s:%d) still has %s, the snapshot "
				     "an earlier load of %s.%s kept because it could not finish "
				     "there: if ingot load reported that load as failed, put the "
				     "shard back with ALTER TABLE %s REPLACE PARTITION tuple() FROM "
				     "%s on it; then DROP TABLE %s there, and rerun",
				     sh->num, c->d->cluster, sh->host, sh->port, buf_cstr(&snap),
				     ap->schema, ap->table, buf_cstr(&tgt), buf_cstr(&snap),
				     buf_cstr(&snap));
	}
	size_t made = 0; /* shards with a snapshot */
	for (size_t i = 0; i < n && !rc; i++) {
		buf_reset(&q);
		buf_printf(&q, "CREATE TABLE %s AS %s", buf_cstr(&snap), buf_cstr(&tgt));
		if ((rc = on_shard(c, i, buf_cstr(&q), e)))
			break;
		made++;
		buf_reset(&q);
		buf_printf(&q, "ALTER TABLE %s ATTACH PARTITION tuple() FROM %s", buf_cstr(&snap),
			   buf_cstr(&tgt));
		rc = on_shard(c, i, buf_cstr(&q), e);
	}
	size_t sent = 0; /* shards whose attach was sent */
	const char *fail_at = getenv("INGOT_TEST_CH_FAIL_ATTACH"); /* tests only (t1146) */
	for (size_t i = 0; i < n && !rc; i++) {
		buf_reset(&q);
		buf_printf(&q, "ALTER TABLE %s ATTACH PARTITION tuple() FROM %s", buf_cstr(&tgt),
			   buf_cstr(&stage));
		sent++;
		rc = on_shard(c, i, buf_cstr(&q), e);
		if (!rc && fail_at && atoi(fail_at) == c->d->shards[i].num)
			rc = err_set(e, ING_EIO, "shard %d: the attach failed "
				     "(INGOT_TEST_CH_FAIL_ATTACH)", c->d->shards[i].num);
	}
	for (size_t i = 0; rc && i < sent; i++) {
		struct err pe = ERR_INIT;
		buf_reset(&q);
		buf_printf(&q, "ALTER TABLE %s REPLACE PARTITION tuple() FROM %s", buf_cstr(&tgt),
			   buf_cstr(&snap));
		if (on_shard(c, i, buf_cstr(&q), &pe)) {
			const struct ch_shard *sh = &c->d->shards[i];
			log_error("could not undo the load of %s.%s on shard %d (%s:%d): %s", ap->schema,
				  ap->table, sh->num, sh->host, sh->port, pe.msg ? pe.msg : "?");
			err_prefix(e, "the load could not be undone on shard %d (%s:%d), which keeps "
				      "its snapshot %s (the next load of %s.%s says what to do)",
				   sh->num, sh->host, sh->port, buf_cstr(&snap), ap->schema, ap->table);
			kept[i] = true;
		}
		err_clear(&pe);
	}
	for (size_t i = 0; i < made; i++) {
		if (kept[i])
			continue;
		struct err pe = ERR_INIT;
		buf_reset(&q);
		buf_printf(&q, "DROP TABLE IF EXISTS %s", buf_cstr(&snap));
		if (on_shard(c, i, buf_cstr(&q), &pe))
			log_warn("could not drop %s on shard %d (the next load of %s.%s will ask "
				 "for it to be dropped): %s", buf_cstr(&snap), c->d->shards[i].num,
				 ap->schema, ap->table, pe.msg ? pe.msg : "?");
		err_clear(&pe);
	}
	free(kept);
	buf_free(&name);
	buf_free(&tgt);
	buf_free(&snap);
	buf_free(&stage);
	buf_free(&q);
	buf_free(&a);
	return rc;
}

static void tsv_text(struct buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		switch (ch) {
		case '\t': buf_add(b, "\\t", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\0': buf_add(b, "\\0", 2); break;
		default: buf_putc(b, ch); break;
		}
	}
}

static int send_body(void *ud, struct buf *chunk, bool *done, struct err *e)
{
	struct buf *src = ud;
	buf_add(chunk, src->data, src->len);
	*done = true;
	return 0;
}

static int app_flush_to(struct chapp *ap, const char *rel, struct err *e)
{
	if (!ap->rows.len)
		return 0;
	char *sql = xasprintf("INSERT INTO %s %s FORMAT %s", rel, ap->collist,
			      ap->rowbinary ? "RowBinary" : "TabSeparated");
	int rc = run(ap->c, sql, send_body, &ap->rows, NULL, e);
	free(sql);
	buf_reset(&ap->rows);
	if (ap->schema) {
		if (rc)
			name_unreachable(ap->c, e);
		else
			after_chunk_hook(++ap->chunks);
	}
	return rc;
}

static int c_append_open(struct wh_conn *wc, const char *schema, const char *table,
			 const struct wh_coldef *cols, size_t ncols, struct wh_appender **out,
			 struct err *e)
{
	struct chconn *c = conn_of(wc);
	struct chapp *ap = xcalloc(1, sizeof(*ap));
	ap->base.ad = &wh_clickhouse_adapter;
	ap->base.conn = wc;
	ap->c = c;
	struct buf b = BUF_INIT;
	wh_relation_sql(wc->db, schema, table, &b);
	ap->rel = buf_detach(&b, NULL);
	buf_putc(&b, '(');
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			buf_puts(&b, ", ");
		wh_quote_ident(wc->db, cols[i].name, &b);
	}
	buf_putc(&b, ')');
	ap->collist = buf_detach(&b, NULL);
	ap->ncols = ncols;
	ap->types = xcalloc(ncols ? ncols : 1, sizeof(*ap->types));
	for (size_t i = 0; i < ncols; i++)
		ap->types[i] = cols[i].type;
	ap->own = schema && !strcmp(schema, "_ingot");
	/* both transports take RowBinary (chDB reads it from a file: see
	 * ch_chdb.c) */
	ap->rowbinary = rowbinary_fits(c, schema, table, cols, ncols);
	if (c->d->nshards && sharded(c->d, schema)) {
		ap->schema = xstrdup(schema);
		ap->table = xstrdup(table);
		wh_derived_name(wc->db, table, "__ingot_stage", &b);
		ap->stage_name = buf_detach(&b, NULL);
		int rc = stage_sharded(ap, e);
		if (rc) {
			ap->base.ad = &wh_clickhouse_adapter;
			c_append_close(&ap->base, false, NULL);
			return rc;
		}
	}
	*out = &ap->base;
	return 0;
}

/* A chunk's worth of rows: into the staging table (made on the first). */
static int app_spill(struct chapp *ap, struct err *e)
{
	if (!ap->stage) {
		/* a fresh table like the target, for the chunks */
		static unsigned seq;
		unsigned n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
		const char *dot = strrchr(ap->rel, '.');
		size_t sl = dot ? (size_t)(dot - ap->rel) : 0;
		ap->stage = dot ? xasprintf("%.*s.\"__ingot_stage_%d_%u\"", (int)sl, ap->rel,
					    (int)getpid(), n)
				: xasprintf("\"__ingot_stage_%d_%u\"", (int)getpid(), n);
		char *sql = xasprintf("DROP TABLE IF EXISTS %s; CREATE TABLE %s AS %s", ap->stage,
				      ap->stage, ap->rel);
		int rc = c_exec(&ap->c->base, sql, NULL, e);
		free(sql);
		if (rc) {
			free(ap->stage);
			ap->stage = NULL;
			return rc;
		}
	}
	return app_flush_to(ap, ap->stage, e);
}

static void put_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_putc(b, (char)(v | 0x80));
		v >>= 7;
	}
	buf_putc(b, (char)v);
}

/* Rows as RowBinary: every column Nullable (a 0/1 byte first), then the
 * value little-endian as the server stores it (rowbinary_fits chose the
 * types). */
static int append_rowbinary(struct chapp *ap, const struct wh_batch *bt, struct err *e)
{
	bool old = ap->c->d->old;
	for (size_t r = 0; r < bt->nrows; r++) {
		for (size_t k = 0; k < bt->ncols; k++) {
			const struct wh_colbuf *cb = &bt->cols[k];
			if ((cb->valid && !cb->valid[r]) || cb->type.type == WH_NULL) {
				buf_putc(&ap->rows, 1);
				continue;
			}
			buf_putc(&ap->rows, 0);
			switch (cb->type.type) {
			case WH_BOOL: buf_putc(&ap->rows, ((bool *)cb->data)[r] ? 1 : 0); break;
			case WH_INT64: buf_add(&ap->rows, &((int64_t *)cb->data)[r], 8); break;
			case WH_DOUBLE: buf_add(&ap->rows, &((double *)cb->data)[r], 8); break;
			case WH_TIMESTAMP:
			case WH_DATETIME: {
				int64_t us = ((int64_t *)cb->data)[r];
				if (!old) { /* DateTime64(6) */
					buf_add(&ap->rows, &us, 8);
					break;
				}
				/* DateTime: UInt32 seconds */
				int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
				if (sec < 0 || sec > (int64_t)UINT32_MAX)
					return err_set(e, ING_EINVAL,
						       "a timestamp before 1970 or after 2106 cannot be "
						       "stored by ClickHouse before 22 (DateTime); "
						       "upgrade the server");
				uint32_t u = (uint32_t)sec;
				buf_add(&ap->rows, &u, 4);
				break;
			}
			default: { /* WH_TEXT, WH_OTHER: String */
				const struct wh_str *sv = &((struct wh_str *)cb->data)[r];
				put_varint(&ap->rows, sv->n);
				buf_add(&ap->rows, sv->p, sv->n);
				break;
			}
			}
		}
		int rc = ap->rows.len < chunk_bytes() ? 0 : app_spill(ap, e);
		if (rc)
			return rc;
	}
	return 0;
}

static int c_append_batch(struct wh_appender *wap, const struct wh_batch *bt, struct err *e)
{
	struct chapp *ap = (struct chapp *)wap;
	if (bt->ncols != ap->ncols)
		return err_set(e, ING_EINVAL, "append: batch has %zu columns, the table %zu",
			       bt->ncols, ap->ncols);
	if (ap->rowbinary)
		return append_rowbinary(ap, bt, e);
	char tmp[64];
	for (size_t r = 0; r < bt->nrows; r++) {
		for (size_t k = 0; k < bt->ncols; k++) {
			const struct wh_colbuf *cb = &bt->cols[k];
			if (k)
				buf_putc(&ap->rows, '\t');
			if (cb->valid && !cb->valid[r]) {
				buf_add(&ap->rows, "\\N", 2);
				continue;
			}
			switch (cb->type.type) {
			case WH_BOOL:
				buf_putc(&ap->rows, ((bool *)cb->data)[r] ? '1' : '0');
				break;
			case WH_INT64:
				buf_printf(&ap->rows, "%lld", (long long)((int64_t *)cb->data)[r]);
				break;
			case WH_DOUBLE:
				buf_printf(&ap->rows, "%.17g", ((double *)cb->data)[r]);
				break;
			case WH_DECIMAL: {
				char d[48];
				size_t n = wh__decimal_format(((__int128 *)cb->data)[r],
							      cb->type.scale, d);
				buf_add(&ap->rows, d, n);
				break;
			}
			case WH_DATE:
				buf_add(&ap->rows, tmp, date_format(((int32_t *)cb->data)[r], tmp));
				break;
			case WH_TIMESTAMP:
			case WH_DATETIME:
			{
				/* a server before 22 stores seconds (DateTime) and reads
				 * them fastest without a fraction */
				int64_t ts = ((int64_t *)cb->data)[r];
				size_t tl = ap->c->d->old ? ts_format(ts - ((ts % 1000000 + 1000000) % 1000000), tmp)
							  : ts_format(ts, tmp);
				buf_add(&ap->rows, tmp, ap->c->d->old && tl > 19 ? 19 : tl);
				break;
			}
			case WH_TEXT:
			case WH_OTHER: {
				const struct wh_str *s = &((struct wh_str *)cb->data)[r];
				tsv_text(&ap->rows, s->p, s->n);
				break;
			}
			case WH_NULL:
				buf_add(&ap->rows, "\\N", 2);
				break;
			}
		}
		buf_putc(&ap->rows, '\n');
		int rc = ap->rows.len < chunk_bytes() ? 0 : app_spill(ap, e);
		if (rc)
			return rc;
	}
	return 0;
}

static int c_append_close(struct wh_appender *wap, bool ok, struct err *e)
{
	struct chapp *ap = (struct chapp *)wap;
	int rc = 0;
	if (ap->schema) {
		/* sharded: the staged rows join the target only when all of them
		 * reached their shards */
		if (ok && ap->stage && !(rc = app_flush_to(ap, ap->stage, e)))
			rc = attach_sharded(ap, e);
		struct err ignored = ERR_INIT;
		if (ap->stage && drop_sharded(ap->c, ap->schema, ap->stage_name, &ignored))
			log_warn("could not drop the staging tables %s (the next load of %s.%s "
				 "replaces them): %s",
				 ap->stage, ap->schema, ap->table, ignored.msg ? ignored.msg : "?");
		err_clear(&ignored);
		free(ap->stage);
		ap->stage = NULL;
	} else if (ok) {
		if (!ap->stage && ap->own && ap->c->in_tx && ap->rows.len) {
			struct chconn *c = ap->c;
			c->pend = xrealloc(c->pend, (c->npend + 1) * sizeof(*c->pend));
			c->pend[c->npend].sql =
				xasprintf("INSERT INTO %s %s FORMAT %s", ap->rel, ap->collist,
					  ap->rowbinary ? "RowBinary" : "TabSeparated");
			c->pend[c->npend++].rows = ap->rows;
			ap->rows = (struct buf)BUF_INIT;
		} else if (!ap->stage) {
			rc = app_flush_to(ap, ap->rel, e);
		} else if (!(rc = app_flush_to(ap, ap->stage, e))) {
			char *sql = xasprintf("INSERT INTO %s %s SELECT * FROM %s", ap->rel,
					      ap->collist, ap->stage);
			rc = c_exec(&ap->c->base, sql, NULL, e);
			free(sql);
		}
	}
	if (ap->stage) {
		char *sql = xasprintf("DROP TABLE IF EXISTS %s", ap->stage);
		struct err ignored = ERR_INIT;
		if (c_exec(&ap->c->base, sql, NULL, &ignored))
			log_warn("could not drop the staging table %s: %s", ap->stage,
				 ignored.msg ? ignored.msg : "?");
		err_clear(&ignored);
		free(sql);
	}
	buf_free(&ap->rows);
	free(ap->rel);
	free(ap->stage);
	free(ap->collist);
	free(ap->types);
	free(ap->schema);
	free(ap->table);
	free(ap->stage_name);
	free(ap);
	return rc;
}

/* ---- types ---- */

static void c_type_sql(const struct wh_ltype *t, struct buf *out)
{
	buf_puts(out, "Nullable(");
	switch (t->type) {
	case WH_BOOL: buf_puts(out, "Bool"); break;
	case WH_INT64: buf_puts(out, "Int64"); break;
	case WH_DOUBLE: buf_puts(out, "Float64"); break;
	case WH_DECIMAL:
		if (t->precision > 0)
			buf_printf(out, "Decimal(%d, %d)", t->precision, t->scale);
		else
			buf_puts(out, "Decimal(38, 9)");
		break;
	case WH_DATE: buf_puts(out, "Date32"); break;
	case WH_TIMESTAMP: buf_puts(out, "DateTime64(6, 'UTC')"); break;
	case WH_DATETIME: buf_puts(out, "DateTime64(6)"); break;
	case WH_TEXT:
	case WH_NULL:
	case WH_OTHER: buf_puts(out, "String"); break;
	}
	buf_putc(out, ')');
}

/* A server before 22: no Bool, Date32, DateTime64 (timestamps keep
 * seconds there). */
static void c_type_sql_db(const struct wh_db *db, const struct wh_ltype *t, struct buf *out)
{
	if (!((const struct chdb_db *)db)->old) {
		c_type_sql(t, out);
		return;
	}
	switch (t->type) {
	case WH_BOOL: buf_puts(out, "Nullable(UInt8)"); break;
	case WH_DATE: buf_puts(out, "Nullable(Date)"); break;
	case WH_TIMESTAMP: buf_puts(out, "Nullable(DateTime('UTC'))"); break;
	case WH_DATETIME: buf_puts(out, "Nullable(DateTime)"); break;
	default: c_type_sql(t, out); break;
	}
}

/* ---- introspection: system.databases, system.tables, system.columns ---- */

static int sysq(struct wh_conn *c, const char *sql, const struct wh_value *p, size_t np,
		struct wh_result **r, struct err *e)
{
	return c_query(c, sql, p, np, r, e);
}

static int c_list_schemas(struct wh_conn *c, struct arena *a, const char ***names, size_t *n,
			  struct err *e)
{
	struct wh_result *r = NULL;
	int rc = sysq(c,
		      "select name from system.databases where name not in ('system', "
		      "'information_schema', 'INFORMATION_SCHEMA') order by name",
		      NULL, 0, &r, e);
	if (rc)
		return rc;
	const char **v = arena_alloc(a, (r->nrows + 1) * sizeof(*v));
	for (size_t i = 0; i < r->nrows; i++)
		v[i] = arena_strndup(a, wh_cell(r, i, 0)->v.s.p, wh_cell(r, i, 0)->v.s.n);
	*names = v;
	*n = r->nrows;
	wh_result_free(r);
	return 0;
}

static enum wh_rel_kind kind_of(const char *engine)
{
	return !strcmp(engine, "View") || !strcmp(engine, "MaterializedView") ? WH_REL_VIEW
									       : WH_REL_TABLE;
}

static int c_list_relations(struct wh_conn *c, const char *schema, struct arena *a,
			    struct wh_relation_info **rels, size_t *n, struct err *e)
{
	struct wh_value arg = wh_text(schema);
	struct wh_result *r = NULL;
	/* sharded: a relation is its Distributed table; the local tables
	 * under it are not relations of their own */
	int rc = sysq(c,
		      conn_of(c)->d->nshards
			      ? "select database, name, engine from system.tables where database = "
				"$1 and not is_temporary and not (name like '%_local' and "
				"substring(name, 1, length(name) - 6) in (select name from "
				"system.tables where database = $1 and engine = 'Distributed')) "
				"order by name"
			      : "select database, name, engine from system.tables where database = "
				"$1 and not is_temporary order by name",
		      &arg, 1, &r, e);
	if (rc)
		return rc;
	struct wh_relation_info *v = arena_zalloc(a, (r->nrows + 1) * sizeof(*v));
	for (size_t i = 0; i < r->nrows; i++) {
		v[i].schema = arena_strndup(a, wh_cell(r, i, 0)->v.s.p, wh_cell(r, i, 0)->v.s.n);
		v[i].name = arena_strndup(a, wh_cell(r, i, 1)->v.s.p, wh_cell(r, i, 1)->v.s.n);
		char *eng = arena_strndup(a, wh_cell(r, i, 2)->v.s.p, wh_cell(r, i, 2)->v.s.n);
		v[i].kind = kind_of(eng);
	}
	*rels = v;
	*n = r->nrows;
	wh_result_free(r);
	return 0;
}

/* ClickHouse's type text as a logical type. */
static struct wh_ltype ltype_of(const char *t)
{
	struct wh_ltype lt = {0};
	char b[128];
	type_base(t, b, sizeof(b));
	lt.type = map_type(b);
	if (lt.type == WH_NULL)
		lt.type = WH_OTHER;
	if (!strncmp(b, "Decimal(", 8)) {
		sscanf(b + 8, "%d, %d", &lt.precision, &lt.scale);
	} else if (!strncmp(b, "Decimal", 7)) {
		/* Decimal32(s) .. Decimal256(s) */
		int bits = atoi(b + 7);
		const char *paren = strchr(b, '(');
		lt.scale = paren ? atoi(paren + 1) : 0;
		lt.precision = bits == 32 ? 9 : bits == 64 ? 18 : bits == 128 ? 38 : 76;
	}
	if (!strncmp(b, "Int", 3) || !strncmp(b, "UInt", 4)) {
		if (strstr(b, "128") || strstr(b, "256")) {
			lt.type = WH_DECIMAL;
			lt.precision = 38;
			lt.scale = 0;
		}
	}
	return lt;
}

static int c_list_columns(struct wh_conn *c, const char *schema, const char *rel,
			  struct arena *a, struct wh_column_info **cols, size_t *n, struct err *e)
{
	struct wh_value args[2] = {wh_text(schema), wh_text(rel)};
	struct wh_result *r = NULL;
	/* a server before 22 has no position: it lists them in order */
	int rc = sysq(c,
		      conn_of(c)->d->old
			      ? "select name, type from system.columns where database = $1 and "
				"table = $2"
			      : "select name, type from system.columns where database = $1 and "
				"table = $2 order by position",
		      args, 2, &r, e);
	if (rc)
		return rc;
	struct wh_column_info *v = arena_zalloc(a, (r->nrows + 1) * sizeof(*v));
	for (size_t i = 0; i < r->nrows; i++) {
		v[i].name = arena_strndup(a, wh_cell(r, i, 0)->v.s.p, wh_cell(r, i, 0)->v.s.n);
		v[i].data_type = arena_strndup(a, wh_cell(r, i, 1)->v.s.p, wh_cell(r, i, 1)->v.s.n);
		v[i].ltype = ltype_of(v[i].data_type);
		v[i].nullable = !strncmp(v[i].data_type, "Nullable(", 9) ||
				!strncmp(v[i].data_type, "LowCardinality(Nullable(", 24);
	}
	*cols = v;
	*n = r->nrows;
	wh_result_free(r);
	return 0;
}

static int c_relation_kind(struct wh_conn *c, const char *schema, const char *rel,
			   enum wh_rel_kind *kind, struct err *e)
{
	struct wh_value args[2] = {wh_text(schema), wh_text(rel)};
	struct wh_result *r = NULL;
	int rc = sysq(c, "select engine from system.tables where database = $1 and name = $2",
		      args, 2, &r, e);
	if (rc)
		return rc;
	*kind = WH_REL_NONE;
	if (r->nrows) {
		char eng[64];
		snprintf(eng, sizeof(eng), "%.*s", (int)wh_cell(r, 0, 0)->v.s.n,
			 wh_cell(r, 0, 0)->v.s.p);
		*kind = kind_of(eng);
	}
	wh_result_free(r);
	return 0;
}

/* ---- incremental insert_overwrite (dbt-clickhouse's semantics) ----
 *
 * The new rows go into a fresh table with the target's own structure
 * (CREATE TABLE ... AS target: same columns, engine, partition key), then
 * each partition they fill replaces the target's partition of the same id
 * (ALTER TABLE ... REPLACE PARTITION ID ... FROM: atomic per partition).
 * Partitions the new rows do not touch keep their rows. */
static int c_replace_partitions(struct wh_conn *wc, const char *schema, const char *table,
				const char *from, const char *cols, int64_t *rows, struct err *e)
{
	struct chconn *c = conn_of(wc);
	struct buf tgt = BUF_INIT, stg = BUF_INIT, q = BUF_INIT;
	buf_printf(&tgt, "\"%s\".\"%s\"", schema, table);
	buf_printf(&stg, "\"%s\".\"%s__dbt_new\"", schema, table);
	struct wh_result *r = NULL;
	buf_printf(&q, "DROP TABLE IF EXISTS %s", buf_cstr(&stg));
	int rc = run(c, buf_cstr(&q), NULL, NULL, NULL, e);
	if (!rc) {
		buf_reset(&q);
		buf_printf(&q, "CREATE TABLE %s AS %s", buf_cstr(&stg), buf_cstr(&tgt));
		rc = run(c, buf_cstr(&q), NULL, NULL, NULL, e);
	}
	if (!rc) {
		buf_reset(&q);
		buf_printf(&q, "INSERT INTO %s (%s) SELECT %s FROM %s", buf_cstr(&stg), cols, cols,
			   from);
		rc = run(c, buf_cstr(&q), NULL, NULL, NULL, e);
	}
	if (!rc) {
		buf_reset(&q);
		buf_printf(&q, "SELECT DISTINCT _partition_id, count() OVER (PARTITION BY _partition_id) "
			       "FROM %s", buf_cstr(&stg));
		rc = c_query(wc, buf_cstr(&q), NULL, 0, &r, e);
	}
	int64_t n = 0;
	for (size_t i = 0; !rc && i < r->nrows; i++) {
		const struct wh_value *id = &r->cells[i * r->ncols];
		const struct wh_value *cnt = &r->cells[i * r->ncols + 1];
		buf_reset(&q);
		buf_printf(&q, "ALTER TABLE %s REPLACE PARTITION ID ", buf_cstr(&tgt));
		literal(id, c->d->old, &q);
		buf_printf(&q, " FROM %s", buf_cstr(&stg));
		rc = run(c, buf_cstr(&q), NULL, NULL, NULL, e);
		if (cnt->type == WH_INT64)
			n += cnt->v.i;
	}
	wh_result_free(r);
	/* the staging table goes whatever happened */
	struct err ig = ERR_INIT;
	buf_reset(&q);
	buf_printf(&q, "DROP TABLE IF EXISTS %s", buf_cstr(&stg));
	run(c, buf_cstr(&q), NULL, NULL, NULL, rc ? &ig : e);
	err_clear(&ig);
	if (rows)
		*rows = rc ? -1 : n;
	buf_free(&tgt);
	buf_free(&stg);
	buf_free(&q);
	return rc;
}

/* ---- dialect ---- */

static void c_dateadd(const char *part, const char *n, const char *d, struct buf *out)
{
	buf_printf(out, "date_add(%s, %s, %s)", part, n, d);
}

static int c_datediff(const char *first, const char *second, const char *part, struct buf *out,
		      struct err *e)
{
	static const char *const parts[] = {"year", "quarter", "month", "week", "day",
					    "hour", "minute", "second", "millisecond", NULL};
	for (size_t i = 0; parts[i]; i++)
		if (!strcasecmp(part, parts[i])) {
			buf_printf(out, "dateDiff('%s', %s, %s)", parts[i], first, second);
			return 0;
		}
	return err_set(e, ING_EINVAL,
		       "datediff(): unsupported datepart '%s': use year, quarter, month, week, "
		       "day, hour, minute, second or millisecond", part);
}

static void c_listagg(const char *measure, const char *delim, const char *order_by,
		      const char *limit, struct buf *out)
{
	struct buf arr = BUF_INIT;
	if (order_by) {
		/* "order by x [asc|desc]" -> sort the (key, value) pairs */
		const char *k = starts_kw(order_by, "order by");
		k = k ? k : order_by;
		size_t kl = strlen(k);
		while (kl && isspace((unsigned char)k[kl - 1]))
			kl--;
		bool desc = kl > 5 && !strncasecmp(k + kl - 5, " desc", 5);
		if (desc)
			kl -= 5;
		else if (kl > 4 && !strncasecmp(k + kl - 4, " asc", 4))
			kl -= 4;
		buf_printf(&arr, "arrayMap(x -> x.2, %s(x -> x.1, groupArray((%.*s, %s))))",
			   desc ? "arrayReverseSort" : "arraySort", (int)kl, k, measure);
	} else {
		buf_printf(&arr, "groupArray(%s)", measure);
	}
	if (limit)
		buf_printf(out, "arrayStringConcat(arraySlice(%s, 1, %s), %s)", buf_cstr(&arr), limit,
			   delim);
	else
		buf_printf(out, "arrayStringConcat(%s, %s)", buf_cstr(&arr), delim);
	buf_free(&arr);
}

/* max() of a comparison is a UInt8 here: a Bool as on the other engines */
static void c_bool_or(const char *expr, struct buf *out)
{
	buf_printf(out, "toBool(max(%s))", expr);
}

static void c_hash(const char *field, struct buf *out)
{
	buf_printf(out, "lower(hex(MD5(toString(%s))))", field);
}

static void c_safe_cast(const char *field, const char *type, struct buf *out)
{
	buf_printf(out, "accurateCastOrNull(%s, '%s')", field, type);
}

/* dbt-clickhouse's table configs: ENGINE (default MergeTree()), ORDER BY
 * (default tuple(): no sorting key), PARTITION BY. */
static void c_table_clause(const char *engine, const char *order_by, const char *partition_by,
			   struct buf *out)
{
	buf_printf(out, " ENGINE = %s", engine && *engine ? engine : "MergeTree()");
	if (partition_by && *partition_by)
		buf_printf(out, " PARTITION BY (%s)", partition_by);
	if (order_by && *order_by)
		buf_printf(out, strchr(order_by, ',') ? " ORDER BY (%s)" : " ORDER BY %s", order_by);
	else
		buf_puts(out, " ORDER BY tuple()");
	/* columns are Nullable by default (data_type_default_nullable) */
	if ((order_by && *order_by) || (partition_by && *partition_by))
		buf_puts(out, " SETTINGS allow_nullable_key = 1");
}

static void c_sharding_clause(const char *key, struct buf *out)
{
	if (strstr(key, "*/"))
		return; /* cannot travel in a comment; the profile's key applies */
	buf_printf(out, " " SHARD_KEY_OPEN "%s" SHARD_KEY_CLOSE, key);
}

const struct wh_adapter wh_clickhouse_adapter = {
	.name = "clickhouse",
	.caps = WH_CAP_BULK_APPEND | WH_CAP_KEYS_IN | WH_CAP_EXCHANGE | WH_CAP_PARTITIONS |
		WH_CAP_NO_ROLLBACK,
	.ident_quote = '"',
	.db_open = c_open,
	.db_close = c_close,
	.connect = c_connect,
	.disconnect = c_disconnect,
	.version = c_version,
	.exec = c_exec,
	.query = c_query,
	.rollback = c_rollback,
	.commit = c_commit,
	.append_open = c_append_open,
	.append_batch = c_append_batch,
	.append_close = c_append_close,
	.type_sql = c_type_sql,
	.type_sql_db = c_type_sql_db,
	.list_schemas = c_list_schemas,
	.list_relations = c_list_relations,
	.list_columns = c_list_columns,
	.relation_kind = c_relation_kind,
	.replace_partitions = c_replace_partitions,
	.dialect = {
		.macro_types = {
			[WH_SQLT_STRING] = "String",
			[WH_SQLT_INT] = "Int32",
			[WH_SQLT_BIGINT] = "Int64",
			[WH_SQLT_FLOAT] = "Float64",
			[WH_SQLT_NUMERIC] = "Decimal(38, 9)",
			[WH_SQLT_TIMESTAMP] = "DateTime64(6)",
			[WH_SQLT_BOOLEAN] = "Bool",
			[WH_SQLT_DATE] = "Date32",
		},
		.column_types = {
			[WH_SQLT_STRING] = "Nullable(String)",
			[WH_SQLT_INT] = "Nullable(Int32)",
			[WH_SQLT_BIGINT] = "Nullable(Int64)",
			[WH_SQLT_FLOAT] = "Nullable(Float64)",
			[WH_SQLT_NUMERIC] = "Nullable(Decimal(38, 9))",
			[WH_SQLT_TIMESTAMP] = "Nullable(DateTime64(6))",
			[WH_SQLT_BOOLEAN] = "Nullable(Bool)",
			[WH_SQLT_DATE] = "Nullable(Date32)",
		},
		.current_timestamp = "now64(6)",
		.any_value_fn = "any",
		.bool_or = c_bool_or,
		.merge_refusal = "ClickHouse has no MERGE statement: use incremental_strategy "
				 "'delete+insert' (rows replaced by unique_key), 'append' or "
				 "'insert_overwrite' (whole partitions replaced, with partition_by)",
		.current_catalog = "currentDatabase()",
		.dateadd = c_dateadd,
		.datediff = c_datediff,
		.listagg = c_listagg,
		.hash = c_hash,
		.safe_cast = c_safe_cast,
		.table_clause = c_table_clause,
		.sharding_clause = c_sharding_clause,
		.relation_class = "ClickHouseRelation",
		.column_class = "ClickHouseColumn",
		.no_subquery_alias = true,
		.two_part_names = true,
	},
};
