/*
 * warehouse/registry.c — the engine registry and every public wh_* call.
 *
 * The public functions are the only callers of an engine's ops: they check
 * arguments and capabilities, then delegate. What is the same for every
 * SQL engine lives here once: logical type names (wh_type_parse), value
 * rendering, identifier and literal quoting, result building, and the
 * default introspection through information_schema with bound parameters
 * (both DuckDB and PostgreSQL implement the standard views, so they need
 * no catalog code of their own; an engine that lacks them sets the
 * optional list_* / relation_kind operations).
 *
 * Deliberately not here: anything that knows an engine's wire or C API
 * (duckdb.c, postgres.c), and the SQL dialect of models (dialect.c). The type-name table is written out by hand: it is small,
 * and each entry is a decision (BigQuery NUMERIC is DECIMAL(38,9), BigQuery
 * TIMESTAMP is an instant, DATETIME a civil time).
 */
#include "warehouse/adapter.h"
#include "core/cancel.h"
#include "core/map.h"
#include "core/dtime.h"
#include "core/dtoa.h"
#include "core/log.h"
#include "core/mem.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- registry ---- */

static const struct wh_adapter *const adapters[] = {
	&wh_duckdb_adapter,
#ifdef HAVE_LIBPQ
	&wh_postgres_adapter,
#endif
	&wh_clickhouse_adapter,
};

/* Registered at startup (wh_adapter_register); read without the lock
 * afterwards: nreg only grows, and a slot is written before nreg counts it. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static const struct wh_adapter *registered[WH_MAX_REGISTERED];
static size_t nreg;
static char available[256]; /* wh_engines_available once one is registered */

#ifdef HAVE_LIBPQ
#define BUILTIN_ENGINES "duckdb, postgres, clickhouse"
#else
#define BUILTIN_ENGINES "duckdb, clickhouse"
#endif

const struct wh_adapter *wh_adapter_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(adapters); i++)
		if (!strcmp(adapters[i]->name, name))
			return adapters[i];
	size_t n = __atomic_load_n(&nreg, __ATOMIC_ACQUIRE);
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(registered[i]->name, name))
			return registered[i];
	return NULL;
}

int wh_adapter_register(const struct wh_adapter *ad, struct err *e)
{
	const char *miss = !ad || !ad->name || !*ad->name ? "name"
			   : !ad->db_open ? "db_open" : !ad->db_close ? "db_close"
			   : !ad->connect ? "connect" : !ad->disconnect ? "disconnect"
			   : !ad->version ? "version" : !ad->exec ? "exec" : !ad->query ? "query"
			   : !ad->type_sql ? "type_sql"
			   : ad->append_open && (!ad->append_batch || !ad->append_close) ? "append_batch/append_close"
			   : NULL;
	if (miss)
		return err_set(e, ING_EINVAL, "warehouse adapter '%s' lacks the required operation %s",
			       ad && ad->name ? ad->name : "?", miss);
	pthread_mutex_lock(&reg_mu);
	int rc = 0;
	if (wh_adapter_find(ad->name))
		rc = err_set(e, ING_EINVAL, "a warehouse adapter named '%s' is already registered: "
			     "choose another name", ad->name);
	else if (nreg == WH_MAX_REGISTERED)
		rc = err_set(e, ING_EINVAL, "cannot register warehouse adapter '%s': %d are "
			     "registered already (WH_MAX_REGISTERED)", ad->name, WH_MAX_REGISTERED);
	else {
		registered[nreg] = ad;
		size_t len = (size_t)snprintf(available, sizeof(available), "%s", BUILTIN_ENGINES);
		for (size_t i = 0; i <= nreg && len < sizeof(available); i++)
			len += (size_t)snprintf(available + len, sizeof(available) - len, ", %s",
						registered[i]->name);
		__atomic_store_n(&nreg, nreg + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&reg_mu);
	return rc;
}

const char *wh_engines_available(void)
{
	/* `available` is written (under reg_mu) before nreg counts the new one */
	return __atomic_load_n(&nreg, __ATOMIC_ACQUIRE) ? available : BUILTIN_ENGINES;
}

const struct wh_adapter *wh_adapter_for(const char *type)
{
	const struct wh_adapter *ad = wh_adapter_find(type);
#ifndef HAVE_LIBPQ
	if (!ad && type && !strcmp(type, "postgres"))
		ad = &wh_postgres_dialect_only; /* its dialect without its library */
#endif
	return ad;
}

const struct wh_adapter *wh_db_adapter(const struct wh_db *db)
{
	return db ? db->ad : NULL;
}

const char *wh_adapter_name(const struct wh_adapter *ad)
{
	return ad ? ad->name : "";
}

bool wh_engine_has(const char *type, unsigned caps)
{
	const struct wh_adapter *ad = wh_adapter_find(type);
	return ad && (ad->caps & caps) == caps;
}

/* ---- type names ---- */

const char *wh_type_name(enum wh_type t)
{
	switch (t) {
	case WH_NULL: return "null";
	case WH_BOOL: return "bool";
	case WH_INT64: return "int64";
	case WH_DOUBLE: return "double";
	case WH_DECIMAL: return "decimal";
	case WH_TEXT: return "text";
	case WH_DATE: return "date";
	case WH_TIMESTAMP: return "timestamp";
	case WH_DATETIME: return "datetime";
	case WH_OTHER: return "other";
	}
	return "?";
}

/* Names are matched lower-cased with single spaces and without (args).
 * DECIMAL without arguments is BigQuery's NUMERIC, DECIMAL(38,9);
 * BIGNUMERIC has more digits than any engine's fixed decimal and gets the
 * engine's widest one (precision 0). Known types we carry as text (arrays,
 * JSON, intervals, ...) are WH_OTHER rather than an error. */
static const struct {
	const char *name;
	enum wh_type type;
} type_names[] = {
	{"bool", WH_BOOL}, {"boolean", WH_BOOL}, {"logical", WH_BOOL},
	{"int64", WH_INT64}, {"bigint", WH_INT64}, {"int8", WH_INT64}, {"long", WH_INT64},
	{"integer", WH_INT64}, {"int", WH_INT64}, {"int4", WH_INT64}, {"int32", WH_INT64},
	{"signed", WH_INT64}, {"smallint", WH_INT64}, {"int2", WH_INT64}, {"int16", WH_INT64},
	{"short", WH_INT64}, {"tinyint", WH_INT64}, {"int1", WH_INT64}, {"byteint", WH_INT64},
	{"hugeint", WH_INT64}, {"int128", WH_INT64}, {"ubigint", WH_INT64},
	{"uinteger", WH_INT64}, {"usmallint", WH_INT64}, {"utinyint", WH_INT64},
	{"uhugeint", WH_INT64}, {"serial", WH_INT64}, {"bigserial", WH_INT64},
	{"smallserial", WH_INT64}, {"serial4", WH_INT64}, {"serial8", WH_INT64},
	{"float64", WH_DOUBLE}, {"double", WH_DOUBLE}, {"double precision", WH_DOUBLE},
	{"float8", WH_DOUBLE}, {"float", WH_DOUBLE}, {"float4", WH_DOUBLE}, {"real", WH_DOUBLE},
	{"float32", WH_DOUBLE},
	{"numeric", WH_DECIMAL}, {"decimal", WH_DECIMAL}, {"dec", WH_DECIMAL},
	{"bignumeric", WH_DECIMAL}, {"bigdecimal", WH_DECIMAL},
	{"string", WH_TEXT}, {"text", WH_TEXT}, {"varchar", WH_TEXT},
	{"character varying", WH_TEXT}, {"char varying", WH_TEXT}, {"char", WH_TEXT},
	{"character", WH_TEXT}, {"bpchar", WH_TEXT}, {"nvarchar", WH_TEXT}, {"nchar", WH_TEXT},
	{"name", WH_TEXT}, {"citext", WH_TEXT},
	{"date", WH_DATE},
	{"timestamp", WH_TIMESTAMP}, {"timestamptz", WH_TIMESTAMP},
	{"timestamp with time zone", WH_TIMESTAMP}, {"timestamp_tz", WH_TIMESTAMP},
	{"timestamp_s", WH_TIMESTAMP}, {"timestamp_ms", WH_TIMESTAMP},
	{"timestamp_ns", WH_TIMESTAMP}, {"timestamp_us", WH_TIMESTAMP},
	{"datetime", WH_DATETIME}, {"timestamp without time zone", WH_DATETIME},
	{"bytes", WH_OTHER}, {"blob", WH_OTHER}, {"bytea", WH_OTHER}, {"binary", WH_OTHER},
	{"varbinary", WH_OTHER}, {"json", WH_OTHER}, {"jsonb", WH_OTHER}, {"uuid", WH_OTHER},
	{"interval", WH_OTHER}, {"time", WH_OTHER}, {"timetz", WH_OTHER},
	{"time with time zone", WH_OTHER}, {"time without time zone", WH_OTHER},
	{"geography", WH_OTHER}, {"array", WH_OTHER}, {"struct", WH_OTHER},
	{"record", WH_OTHER}, {"list", WH_OTHER}, {"map", WH_OTHER}, {"union", WH_OTHER},
	{"enum", WH_OTHER}, {"bit", WH_OTHER}, {"varint", WH_OTHER}, {"bignum", WH_OTHER},
	{"user-defined", WH_OTHER},
};

#define TYPE_FAMILIES                                                        \
	"INT64/BIGINT/INTEGER, FLOAT64/DOUBLE/REAL, NUMERIC/DECIMAL(p,s), "  \
	"STRING/TEXT/VARCHAR(n), BOOL/BOOLEAN, DATE, TIMESTAMP/TIMESTAMPTZ, " \
	"DATETIME/TIMESTAMP WITHOUT TIME ZONE, or BYTES/JSON/INTERVAL/ARRAY (as text)"

static int parse_int_arg(const char **p, int *out)
{
	while (**p == ' ')
		(*p)++;
	if (!isdigit((unsigned char)**p))
		return -1;
	long v = 0;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > 100000)
			return -1;
		(*p)++;
	}
	while (**p == ' ')
		(*p)++;
	*out = (int)v;
	return 0;
}

int wh_type_parse(const char *name, struct wh_ltype *out, struct err *e)
{
	char base[96], args[64] = "";
	size_t bn = 0, an = 0;
	bool in_args = false, had_args = false, space = false;
	const char *s = name ? name : "";
	size_t len = strlen(s);
	if (!len || len > 200)
		return err_set(e, ING_EINVAL, "invalid type name '%.200s': expected %s", s,
			       TYPE_FAMILIES);
	/* STRUCT<...>, ARRAY<...>, INTEGER[]: composite types carried as text. */
	bool composite = strchr(s, '<') || strchr(s, '[');
	for (const char *p = s; *p && !composite; p++) {
		unsigned char ch = (unsigned char)*p;
		if (in_args) {
			if (ch == ')') {
				in_args = false;
				continue;
			}
			if (an + 1 >= sizeof(args))
				goto bad;
			args[an++] = (char)ch;
			continue;
		}
		if (ch == '(') {
			if (had_args)
				goto bad;
			in_args = had_args = true;
			continue;
		}
		if (isspace(ch)) {
			space = bn > 0;
			continue;
		}
		if (bn + 3 >= sizeof(base))
			goto bad;
		if (space && base[bn - 1] != ' ')
			base[bn++] = ' ';
		space = false;
		base[bn++] = (char)tolower(ch);
	}
	if (in_args)
		goto bad;
	base[bn] = 0;
	args[an] = 0;
	struct wh_ltype lt = {WH_OTHER, 0, 0, 0};
	if (composite) {
		*out = lt;
		return 0;
	}
	/* STRUCT(a INT), MAP(K,V) ... */
	if (!strcmp(base, "struct") || !strcmp(base, "map") || !strcmp(base, "union") ||
	    !strcmp(base, "enum") || !strcmp(base, "list")) {
		*out = lt;
		return 0;
	}
	size_t i;
	for (i = 0; i < ARRAY_SIZE(type_names); i++)
		if (!strcmp(type_names[i].name, base))
			break;
	if (i == ARRAY_SIZE(type_names))
		goto bad;
	lt.type = type_names[i].type;
	const char *a = args;
	if (lt.type == WH_DECIMAL) {
		bool big = str_startswith(base, "big");
		if (!had_args) {
			lt.precision = big ? 0 : 38;
			lt.scale = big ? 0 : 9;
		} else {
			if (parse_int_arg(&a, &lt.precision))
				goto bad;
			if (*a == ',') {
				a++;
				if (parse_int_arg(&a, &lt.scale))
					goto bad;
			}
			if (*a || lt.precision < 1 || lt.precision > 1000 || lt.scale > lt.precision)
				goto bad;
		}
	} else if (had_args) {
		/* varchar(n), char(n), timestamp(6), float(24): a length or
		 * precision we keep only for text. */
		int n = 0;
		if (parse_int_arg(&a, &n) || *a)
			goto bad;
		if (lt.type == WH_TEXT)
			lt.length = n;
	}
	*out = lt;
	return 0;
bad:
	return err_set(e, ING_EINVAL, "unknown type '%s': expected %s", s, TYPE_FAMILIES);
}

/* ---- values ---- */

struct wh_value wh_text(const char *s)
{
	struct wh_value x = {WH_TEXT, {.s = {s, strlen(s)}}};
	return x;
}

size_t wh__decimal_format(__int128 unscaled, int scale, char *out)
{
	char digits[48];
	size_t nd = 0, n = 0;
	bool neg = unscaled < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)unscaled : (unsigned __int128)unscaled;
	while (u > UINT64_MAX) {
		digits[nd++] = (char)('0' + (int)(u % 10));
		u /= 10;
	}
	uint64_t v = (uint64_t)u;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (scale < 0)
		scale = 0;
	if (scale > 40)
		scale = 40;
	while (nd <= (size_t)scale)
		digits[nd++] = '0';
	if (neg)
		out[n++] = '-';
	for (size_t k = nd; k-- > 0;) {
		out[n++] = digits[k];
		if (k == (size_t)scale && k)
			out[n++] = '.';
	}
	out[n] = 0;
	return n;
}

int wh__decimal_parse(const char *s, size_t n, __int128 *unscaled, int *scale)
{
	size_t i = 0;
	bool neg = false, dot = false;
	int nd = 0, sc = 0, seen = 0;
	unsigned __int128 v = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		seen++;
		if (nd || s[i] != '0')
			nd++;
		if (nd > 38 || sc >= 38)
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
		sc += dot;
	}
	if (!seen)
		return -1;
	*unscaled = neg ? -(__int128)v : (__int128)v;
	*scale = sc;
	return 0;
}

void wh__redact(char *msg, const char *secret)
{
	if (!msg || !secret || !*secret)
		return;
	size_t sl = strlen(secret);
	char *p;
	while ((p = strstr(msg, secret))) {
		memcpy(p, "****", sl < 4 ? sl : 4);
		if (sl > 4)
			memmove(p + 4, p + sl, strlen(p + sl) + 1);
	}
}

void wh_value_text(const struct wh_value *v, struct buf *out)
{
	char tmp[48];
	switch (v->type) {
	case WH_NULL: break;
	case WH_BOOL: buf_puts(out, v->v.b ? "true" : "false"); break;
	case WH_INT64: buf_printf(out, "%lld", (long long)v->v.i); break;
	case WH_DOUBLE: buf_add(out, tmp, dtoa_repr(v->v.d, tmp)); break;
	case WH_DATE: buf_add(out, tmp, date_format(v->v.date, tmp)); break;
	case WH_TIMESTAMP:
	case WH_DATETIME: buf_add(out, tmp, ts_format(v->v.ts, tmp)); break;
	case WH_DECIMAL:
	case WH_TEXT:
	case WH_OTHER: buf_add(out, v->v.s.p, v->v.s.n); break;
	}
}

/* ---- results ---- */

struct result_priv {
	struct wh_result pub;
	size_t cap_rows;
};

static void result_cells_free(void *p)
{
	struct wh_result *r = p;
	free(r->cells);
	r->cells = NULL;
}

struct wh_result *wh__result_new(size_t ncols, size_t nrows_hint)
{
	struct arena *a = arena_new(0);
	struct result_priv *rp = arena_zalloc(a, sizeof(*rp));
	struct wh_result *r = &rp->pub;
	r->arena = a;
	r->ncols = ncols;
	r->rows_affected = -1;
	r->names = arena_zalloc(a, (ncols + 1) * sizeof(*r->names));
	r->types = arena_zalloc(a, (ncols + 1) * sizeof(*r->types));
	r->type_names = arena_zalloc(a, (ncols + 1) * sizeof(*r->type_names));
	if (ncols && nrows_hint) {
		r->cells = xcalloc(nrows_hint * ncols, sizeof(*r->cells));
		rp->cap_rows = nrows_hint;
	}
	arena_on_free(a, result_cells_free, r);
	return r;
}

struct wh_value *wh__result_add_rows(struct wh_result *r, size_t n)
{
	struct result_priv *rp = (struct result_priv *)r;
	if (r->nrows + n > rp->cap_rows && r->ncols) {
		size_t nc = rp->cap_rows ? rp->cap_rows : 64;
		while (nc < r->nrows + n)
			nc *= 2;
		r->cells = xrealloc(r->cells, nc * r->ncols * sizeof(*r->cells));
		rp->cap_rows = nc;
	}
	struct wh_value *row = r->cells ? r->cells + r->nrows * r->ncols : NULL;
	if (row)
		memset(row, 0, n * r->ncols * sizeof(*row));
	r->nrows += n;
	return row;
}

struct wh_value *wh__result_add_row(struct wh_result *r)
{
	return wh__result_add_rows(r, 1);
}

void wh_result_free(struct wh_result *r)
{
	if (r)
		arena_free(r->arena);
}

/* ---- lifecycle ---- */

int wh_open(const struct target *t, struct wh_db **out, struct err *e)
{
	*out = NULL;
	if (!t || !t->type)
		return err_set(e, ING_ECONFIG, "the target has no warehouse type");
	const struct wh_adapter *ad = wh_adapter_find(t->type);
	if (!ad) {
		if (!strcmp(t->type, "postgres"))
			return err_set(e, ING_ECONFIG,
				       "target '%s' is PostgreSQL, but this ingot was built without "
				       "postgres (WITH_PQ=0): install libpq-dev and rebuild",
				       t->name ? t->name : "?");
		return err_set(e, ING_ECONFIG, "unknown warehouse type '%s' (available: %s)", t->type,
			       wh_engines_available());
	}
	static atomic_uint_fast64_t opened;
	int rc = ad->db_open(t, out, e);
	if (rc) {
		*out = NULL;
	} else {
		(*out)->caps = ad->caps & ~(ad->caps_lacking ? ad->caps_lacking() : 0u);
		(*out)->serial = atomic_fetch_add(&opened, 1) + 1;
	}
	return rc;
}

uint64_t wh_db_serial(const struct wh_db *db)
{
	return db ? db->serial : 0;
}

_Thread_local bool wh__open_for_loads, wh__open_beside, wh__open_deferred;

/* wh_open with one of the flags above set for the adapter's db_open */
static int open_flagged(bool *flag, const struct target *t, struct wh_db **out, struct err *e)
{
	*flag = true;
	int rc = wh_open(t, out, e);
	*flag = false;
	return rc;
}

int wh_open_loads(const struct target *t, struct wh_db **out, struct err *e)
{
	return open_flagged(&wh__open_for_loads, t, out, e);
}

int wh_open_beside(const struct target *t, struct wh_db **out, struct err *e)
{
	return open_flagged(&wh__open_beside, t, out, e);
}

int wh_open_deferred(const struct target *t, struct wh_db **out, struct err *e)
{
	return open_flagged(&wh__open_deferred, t, out, e);
}

int wh_ready(struct wh_db *db, struct err *e)
{
	return db && db->ad->db_ready ? db->ad->db_ready(db, e) : 0;
}

void wh_close(struct wh_db *db)
{
	if (db)
		db->ad->db_close(db);
}

const char *wh_engine_name(const struct wh_db *db)
{
	return db->ad->name;
}

bool wh_has(const struct wh_db *db, unsigned caps)
{
	return (db->caps & caps) == caps;
}

const struct target *wh_target(const struct wh_db *db)
{
	return db->target;
}

int wh_connect(struct wh_db *db, struct wh_conn **out, struct err *e)
{
	*out = NULL;
	int rc = db->ad->connect(db, out, e);
	if (rc)
		*out = NULL;
	return rc;
}

void wh_disconnect(struct wh_conn *c)
{
	if (c) {
		wh_conn_set_cancel(c, NULL);
		c->ad->disconnect(c);
	}
}

/* ---- cancellation: a token tied to a connection ----
 *
 * The token's hook (guard_fire) interrupts the running statement at once
 * and starts a re-sender thread: an interrupt that reaches the engine
 * between our "not cancelled yet" check and the engine starting the
 * statement (DuckDB's interrupt flag is reset when a query starts; a
 * PQcancel for an idle backend does nothing) would otherwise be lost, and
 * a 60 s query would run to its end. The re-sender interrupts only while a
 * statement is running (never the ROLLBACK that follows) and stops when the
 * tie is undone. */
struct wh_guard {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wh_conn *conn;
	struct cancel *tok;
	int hook;
	bool running;  /* a statement is in the engine */
	bool stop;     /* untie: the re-sender ends */
	bool resender; /* started */
	pthread_t thr;
};

static void *guard_resend(void *arg)
{
	struct wh_guard *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		if (g->running)
			wh_cancel(g->conn);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static void guard_fire(void *arg)
{
	struct wh_guard *g = arg;
	pthread_mutex_lock(&g->mu);
	if (g->running)
		wh_cancel(g->conn);
	if (!g->resender && !g->stop)
		g->resender = !pthread_create(&g->thr, NULL, guard_resend, g);
	pthread_mutex_unlock(&g->mu);
}

void wh_conn_set_cancel(struct wh_conn *c, struct cancel *tok)
{
	struct wh_guard *g = c->guard;
	if (g) {
		cancel_hook_remove(g->tok, g->hook); /* waits for a running guard_fire */
		pthread_mutex_lock(&g->mu);
		g->stop = true;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		if (g->resender)
			pthread_join(g->thr, NULL);
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		c->guard = NULL;
	}
	if (!tok)
		return;
	g = xcalloc(1, sizeof(*g));
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->conn = c;
	g->tok = tok;
	c->guard = g;
	g->hook = cancel_hook_add(tok, guard_fire, g);
}

static int guard_status(struct wh_guard *g, struct err *e)
{
	int st = cancel_status(g->tok);
	const char *why = cancel_reason(g->tok);
	if (st != ING_ETIMEOUT)
		st = ING_ECANCELED;
	/* the engine's "interrupted" message says less than the reason */
	err_clear(e);
	return err_set(e, st, "%s", *why ? why : st == ING_ETIMEOUT ? "timed out" : "cancelled");
}

/* Before a statement: refuse it when cancelled, else mark it running. */
static int guard_enter(struct wh_conn *c, struct err *e)
{
	struct wh_guard *g = c->guard;
	if (!g)
		return 0;
	pthread_mutex_lock(&g->mu);
	bool req = cancel_requested(g->tok);
	if (!req)
		g->running = true;
	pthread_mutex_unlock(&g->mu);
	return req ? guard_status(g, e) : 0;
}

static int guard_leave(struct wh_conn *c, int rc, struct err *e)
{
	struct wh_guard *g = c->guard;
	if (!g)
		return rc;
	pthread_mutex_lock(&g->mu);
	g->running = false;
	pthread_mutex_unlock(&g->mu);
	if (rc && cancel_requested(g->tok))
		return guard_status(g, e);
	return rc;
}

struct wh_db *wh_conn_db(const struct wh_conn *c)
{
	return c->db;
}

int wh_version(struct wh_conn *c, struct buf *out, struct err *e)
{
	return c->ad->version(c, out, e);
}

/* ---- statements ---- */

/* Words that may put a credential in a statement's text (a hook setting
 * an S3 key, a CREATE SECRET, an ATTACH with a password): such a
 * statement's timing is logged without its text. */
static bool may_hold_credential(const char *sql)
{
	static const char *const words[] = {"secret", "password", "passwd", "token", "identified",
					    "access_key", "credential"};
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strcasestr(sql, words[i]))
			return true;
	return false;
}

/* Every statement's outcome and time in the debug log (-v), as dbt's
 * debug log has them ("SQL status: OK in 0.05 seconds"): which statements
 * a slow build spent its time in, without a profiler. The text is its
 * first 200 characters, whitespace collapsed, the target's password
 * replaced by **** (collapsed with as many characters more as it has, so
 * that one cut at 200 is not left half shown). */
static void sql_logged(const struct wh_conn *c, const char *sql, double t0, int rc)
{
	if (!log_enabled(LOG_LVL_DEBUG))
		return;
	double secs = mono_seconds() - t0;
	if (may_hold_credential(sql)) {
		log_debug("sql: %s in %.3fs: (text not logged: it may hold a credential)",
			  rc ? "error" : "ok", secs);
		return;
	}
	const char *pw = c && c->db && c->db->target ? c->db->target->password : NULL;
	size_t extra = pw ? strlen(pw) : 0, cap = 200 + extra, n = 0;
	char *text = xmalloc(cap + 1);
	bool space = true; /* drops leading and repeated whitespace */
	const char *q = sql;
	for (; *q && n < cap; q++) {
		bool ws = isspace((unsigned char)*q);
		if (ws && space)
			continue;
		text[n++] = ws ? ' ' : *q;
		space = ws;
	}
	while (isspace((unsigned char)*q))
		q++;
	text[n] = '\0';
	wh__redact(text, pw);
	size_t len = strlen(text);
	if ((*q || len > 200) && len >= 3) /* more follows */
		memcpy(text + (len > 200 ? 200 : len) - 3, "...", 4);
	log_debug("sql: %s in %.3fs: %s", rc ? "error" : "ok", secs, text);
	free(text);
}

int wh_exec(struct wh_conn *c, const char *sql, struct err *e)
{
	return wh_exec_count(c, sql, NULL, e);
}

int wh_exec_count(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e)
{
	if (rows_affected)
		*rows_affected = -1;
	double t0 = mono_seconds();
	int rc = guard_enter(c, e);
	rc = rc ? rc : guard_leave(c, c->ad->exec(c, sql, rows_affected, e), e);
	sql_logged(c, sql, t0, rc);
	return rc;
}

int wh_query(struct wh_conn *c, const char *sql, const struct wh_value *params, size_t nparams,
	     struct wh_result **out, struct err *e)
{
	*out = NULL;
	if (nparams && !params)
		BUG("wh_query: %zu parameters but no array", nparams);
	double t0 = mono_seconds();
	int rc = guard_enter(c, e);
	if (!rc)
		rc = guard_leave(c, c->ad->query(c, sql, params, nparams, out, e), e);
	sql_logged(c, sql, t0, rc);
	if (rc) {
		wh_result_free(*out);
		*out = NULL;
	}
	return rc;
}

int wh_begin(struct wh_conn *c, struct err *e)
{
	int rc = guard_enter(c, e);
	return rc ? rc : guard_leave(c, c->ad->exec(c, "BEGIN", NULL, e), e);
}

int wh_commit(struct wh_conn *c, struct err *e)
{
	int rc;
	const char *fail = getenv("INGOT_TEST_FAIL_COMMIT");
	if (fail && *fail)
		rc = err_set(e, ING_EIO, "COMMIT failed: No space left on device "
			     "(simulated by INGOT_TEST_FAIL_COMMIT)");
	else if ((rc = guard_enter(c, e)))
		; /* cancelled before COMMIT: roll back below */
	else {
		double t0 = mono_seconds();
		if (c->ad->commit)
			rc = guard_leave(c, c->ad->commit(c, e), e);
		else
			rc = guard_leave(c, c->ad->exec(c, "COMMIT", NULL, e), e);
		sql_logged(c, "COMMIT", t0, rc);
	}
	if (rc) {
		/* the transaction may still be open (DuckDB keeps it after a
		 * failed COMMIT): never let the next statement run inside it */
		struct err ignore = ERR_INIT;
		if (wh_rollback(c, &ignore))
			log_warn("after a failed COMMIT, ROLLBACK failed too: %s",
				 ignore.msg ? ignore.msg : "");
		err_clear(&ignore);
	}
	return rc;
}

int wh_lock_relation(struct wh_conn *c, const char *schema, const char *name, struct err *e)
{
	if (!c->ad->lock_xact)
		return 0;
	char *key = xasprintf("ingot:%s.%s", schema ? schema : "", name);
	int rc = guard_enter(c, e);
	if (!rc)
		rc = guard_leave(c, c->ad->lock_xact(c, key, e), e);
	free(key);
	return rc;
}

int wh_rollback(struct wh_conn *c, struct err *e)
{
	if (c->ad->rollback)
		return c->ad->rollback(c, e);
	return c->ad->exec(c, "ROLLBACK", NULL, e);
}

int wh_cancel(struct wh_conn *c)
{
	if (!(c->db->caps & WH_CAP_CANCEL) || !c->ad->cancel)
		return ING_EUNSUPPORTED;
	return c->ad->cancel(c);
}

/* ---- dialect ---- */

void wh_quote_ident(const struct wh_db *db, const char *ident, struct buf *out)
{
	char q = db ? db->ad->ident_quote : '"';
	buf_putc(out, q);
	buf_add_quoted(out, ident, strlen(ident), q);
	buf_putc(out, q);
}

size_t wh_max_ident(const struct wh_db *db)
{
	return db ? db->ad->max_ident : 0;
}

int wh_check_ident(const struct wh_db *db, const char *what, const char *name, struct err *e)
{
	size_t max = wh_max_ident(db), n = name ? strlen(name) : 0;
	if (!max || n <= max)
		return 0;
	return err_set(e, ING_ECONFIG,
		       "%s '%s' is %zu bytes; %s keeps at most %zu and cuts longer names silently "
		       "(two relations could end up with one name): choose a name of at most %zu bytes",
		       what, name, n, db->ad->name, max, max);
}

void wh_derived_name(const struct wh_db *db, const char *base, const char *suffix,
		     struct buf *out)
{
	size_t max = wh_max_ident(db), bl = strlen(base), sl = strlen(suffix);
	if (!max || bl + sl <= max) {
		buf_puts(out, base);
		buf_puts(out, suffix);
		return;
	}
	char tag[16];
	snprintf(tag, sizeof(tag), "_%08x", (unsigned)(str_hash(base, bl) & 0xffffffffu));
	size_t keep = max > sl + 9 ? max - sl - 9 : 0;
	/* cut on a UTF-8 character boundary */
	while (keep && ((unsigned char)base[keep] & 0xC0) == 0x80)
		keep--;
	buf_add(out, base, keep);
	buf_puts(out, tag);
	buf_puts(out, suffix);
}

void wh_quote_literal(const struct wh_db *db, const char *s, struct buf *out)
{
	(void)db;
	buf_putc(out, '\'');
	buf_add_quoted(out, s, strlen(s), '\'');
	buf_putc(out, '\'');
}

void wh_relation_sql(const struct wh_db *db, const char *schema, const char *name,
		     struct buf *out)
{
	if (schema && *schema) {
		wh_quote_ident(db, schema, out);
		buf_putc(out, '.');
	}
	wh_quote_ident(db, name, out);
}

void wh_type_sql(const struct wh_db *db, const struct wh_ltype *t, struct buf *out)
{
	if (db->ad->type_sql_db)
		db->ad->type_sql_db(db, t, out);
	else
		db->ad->type_sql(t, out);
}

/* ---- introspection ----
 * The engine's operation when it has one, else information_schema (the
 * standard views; DuckDB and PostgreSQL both use these defaults). */

static const char *catalog_sql(const struct wh_conn *c)
{
	const char *s = c->ad->dialect.current_catalog;
	return s ? s : "current_database()";
}

static char *cell_str(struct arena *a, const struct wh_value *v)
{
	if (v->type == WH_NULL)
		return NULL;
	struct buf b = BUF_INIT;
	wh_value_text(v, &b);
	char *s = arena_strndup(a, buf_cstr(&b), b.len);
	buf_free(&b);
	return s;
}

static int64_t cell_int(const struct wh_value *v, int64_t dflt)
{
	if (v->type == WH_INT64)
		return v->v.i;
	if (v->type == WH_TEXT || v->type == WH_DECIMAL || v->type == WH_OTHER)
		return strtoll(v->v.s.p, NULL, 10);
	return dflt;
}

static int is_list_schemas(struct wh_conn *c, struct arena *a, const char ***names, size_t *n,
			   struct err *e)
{
	struct wh_result *r = NULL;
	char *sql = xasprintf("select cast(schema_name as varchar) from information_schema.schemata"
			      " where catalog_name = %s"
			      " and schema_name <> 'information_schema'"
			      " and substr(schema_name, 1, 3) <> 'pg_'"
			      " order by 1", catalog_sql(c));
	int rc = wh_query(c, sql, NULL, 0, &r, e);
	free(sql);
	if (rc)
		return rc;
	const char **v = arena_zalloc(a, (r->nrows + 1) * sizeof(*v));
	for (size_t i = 0; i < r->nrows; i++)
		v[i] = cell_str(a, wh_cell(r, i, 0));
	*names = v;
	*n = r->nrows;
	wh_result_free(r);
	return 0;
}

static enum wh_rel_kind kind_of(const struct wh_value *v)
{
	if (v->type != WH_TEXT)
		return WH_REL_NONE;
	if (v->v.s.n == 4 && !memcmp(v->v.s.p, "VIEW", 4))
		return WH_REL_VIEW;
	return WH_REL_TABLE; /* BASE TABLE, LOCAL TEMPORARY */
}

/* the relations of schema $1 (and name $2 when `tail` says so) */
static char *relations_sql(const struct wh_conn *c, const char *tail)
{
	return xasprintf("select cast(table_name as varchar), cast(table_type as varchar)"
			 " from information_schema.tables"
			 " where table_catalog = %s and table_schema = $1%s", catalog_sql(c), tail);
}

static int is_list_relations(struct wh_conn *c, const char *schema, struct arena *a,
			     struct wh_relation_info **rels, size_t *n, struct err *e)
{
	struct wh_result *r = NULL;
	struct wh_value p = wh_text(schema);
	char *sql = relations_sql(c, " order by 1");
	int rc = wh_query(c, sql, &p, 1, &r, e);
	free(sql);
	if (rc)
		return rc;
	struct wh_relation_info *v = arena_zalloc(a, (r->nrows + 1) * sizeof(*v));
	const char *s = arena_strdup(a, schema);
	for (size_t i = 0; i < r->nrows; i++) {
		v[i].schema = s;
		v[i].name = cell_str(a, wh_cell(r, i, 0));
		v[i].kind = kind_of(wh_cell(r, i, 1));
	}
	*rels = v;
	*n = r->nrows;
	wh_result_free(r);
	return 0;
}

static int is_relation_kind(struct wh_conn *c, const char *schema, const char *rel,
			    enum wh_rel_kind *kind, struct err *e)
{
	struct wh_result *r = NULL;
	struct wh_value p[2] = {wh_text(schema), wh_text(rel)};
	char *sql = relations_sql(c, " and table_name = $2");
	int rc = wh_query(c, sql, p, 2, &r, e);
	free(sql);
	if (rc)
		return rc;
	if (r->nrows)
		*kind = kind_of(wh_cell(r, 0, 1));
	wh_result_free(r);
	return 0;
}

static int is_list_columns(struct wh_conn *c, const char *schema, const char *rel,
			   struct arena *a, struct wh_column_info **cols, size_t *n, struct err *e)
{
	struct wh_result *r = NULL;
	struct wh_value p[2] = {wh_text(schema), wh_text(rel)};
	char *sql = xasprintf("select cast(column_name as varchar), cast(data_type as varchar),"
			      " cast(is_nullable as varchar),"
			      " cast(character_maximum_length as bigint),"
			      " cast(numeric_precision as bigint), cast(numeric_scale as bigint)"
			      " from information_schema.columns"
			      " where table_catalog = %s"
			      " and table_schema = $1 and table_name = $2"
			      " order by ordinal_position", catalog_sql(c));
	int rc = wh_query(c, sql, p, 2, &r, e);
	free(sql);
	if (rc)
		return rc;
	struct wh_column_info *v = arena_zalloc(a, (r->nrows + 1) * sizeof(*v));
	for (size_t i = 0; i < r->nrows; i++) {
		struct err ignore = ERR_INIT;
		v[i].name = cell_str(a, wh_cell(r, i, 0));
		v[i].data_type = cell_str(a, wh_cell(r, i, 1));
		const char *nl = cell_str(a, wh_cell(r, i, 2));
		v[i].nullable = !nl || strcmp(nl, "NO");
		if (!v[i].data_type || wh_type_parse(v[i].data_type, &v[i].ltype, &ignore))
			v[i].ltype = (struct wh_ltype){WH_OTHER, 0, 0, 0};
		err_clear(&ignore);
		int64_t len = cell_int(wh_cell(r, i, 3), 0);
		int64_t prec = cell_int(wh_cell(r, i, 4), -1);
		int64_t scale = cell_int(wh_cell(r, i, 5), 0);
		if (prec > 0 && prec <= 1000) {
			v[i].has_num = true;
			v[i].num_precision = (int)prec;
			v[i].num_scale = wh_cell(r, i, 5)->type == WH_NULL ? -1 : (int)scale;
		}
		if (v[i].ltype.type == WH_TEXT && len > 0 && len < INT32_MAX)
			v[i].ltype.length = (int)len;
		/* PostgreSQL reports "numeric" with the precision apart;
		 * NULL precision is an unconstrained numeric. */
		if (v[i].ltype.type == WH_DECIMAL && !strchr(v[i].data_type, '(')) {
			v[i].ltype.precision = prec > 0 && prec <= 1000 ? (int)prec : 0;
			v[i].ltype.scale = prec > 0 && scale >= 0 && scale <= prec ? (int)scale : 0;
		}
	}
	*cols = v;
	*n = r->nrows;
	wh_result_free(r);
	return 0;
}

int wh_list_schemas(struct wh_conn *c, struct arena *a, const char ***names, size_t *n,
		    struct err *e)
{
	*names = NULL;
	*n = 0;
	int rc = (c->ad->list_schemas ? c->ad->list_schemas : is_list_schemas)(c, a, names, n, e);
	if (rc) {
		*names = NULL;
		*n = 0;
	}
	return rc;
}

int wh_list_relations(struct wh_conn *c, const char *schema, struct arena *a,
		      struct wh_relation_info **rels, size_t *n, struct err *e)
{
	*rels = NULL;
	*n = 0;
	int rc = (c->ad->list_relations ? c->ad->list_relations : is_list_relations)(c, schema, a,
										    rels, n, e);
	if (rc) {
		*rels = NULL;
		*n = 0;
	}
	return rc;
}

int wh_list_columns(struct wh_conn *c, const char *schema, const char *rel, struct arena *a,
		    struct wh_column_info **cols, size_t *n, struct err *e)
{
	*cols = NULL;
	*n = 0;
	int rc = (c->ad->list_columns ? c->ad->list_columns : is_list_columns)(c, schema, rel, a,
										  cols, n, e);
	if (rc) {
		*cols = NULL;
		*n = 0;
	}
	return rc;
}

int wh_replace_partitions(struct wh_conn *c, const char *schema, const char *table,
			  const char *from, const char *cols, int64_t *rows, struct err *e)
{
	if (!c->ad->replace_partitions)
		return err_set(e, ING_EUNSUPPORTED,
			       "%s tables have no partitions to replace: use incremental_strategy "
			       "'delete+insert'", c->ad->name);
	int rc = guard_enter(c, e);
	return rc ? rc : guard_leave(c, c->ad->replace_partitions(c, schema, table, from, cols,
								   rows, e), e);
}

int wh_relation_kind(struct wh_conn *c, const char *schema, const char *rel,
		     enum wh_rel_kind *kind, struct err *e)
{
	*kind = WH_REL_NONE;
	int rc = (c->ad->relation_kind ? c->ad->relation_kind : is_relation_kind)(c, schema, rel,
										     kind, e);
	if (rc)
		*kind = WH_REL_NONE;
	return rc;
}

int wh_read_grants(struct wh_conn *c, struct arena *a, struct wh_grants *out, struct err *e)
{
	*out = (struct wh_grants){0};
	if (!c->ad->read_grants)
		return err_set(e, ING_EUNSUPPORTED, "%s has no roles or grants to read",
			       c->ad->name);
	return c->ad->read_grants(c, a, out, e);
}

int wh_password_matches(struct wh_conn *c, const char *role, const char *password, int *match,
			struct err *e)
{
	*match = -1;
	if (!c->ad->password_matches)
		return err_set(e, ING_EUNSUPPORTED, "%s has no roles or passwords", c->ad->name);
	return c->ad->password_matches(c, role, password, match, e);
}

/* An existing schema is not created again: PostgreSQL checks CREATE on the
 * database before it looks at IF NOT EXISTS, so a least-privilege role
 * (ingot infra: a loader that may write bronze but not make schemas) would
 * fail on a schema that is already there. */
int wh_create_schema(struct wh_conn *c, const char *schema, struct err *e)
{
	struct wh_value arg = wh_text(schema);
	struct wh_result *r = NULL;
	struct err ignored = ERR_INIT;
	bool exists = wh_query(c,
			       "select 1 from information_schema.schemata where schema_name = $1 "
			       "and catalog_name = current_database()",
			       &arg, 1, &r, &ignored) == 0 &&
		      r->nrows > 0;
	wh_result_free(r);
	err_clear(&ignored);
	if (exists)
		return 0;
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "CREATE SCHEMA IF NOT EXISTS ");
	wh_quote_ident(c->db, schema, &sql);
	int rc = wh_exec(c, buf_cstr(&sql), e);
	buf_free(&sql);
	return rc;
}

/* ---- bulk append ---- */

int wh_append_open(struct wh_conn *c, const char *schema, const char *table,
		   const struct wh_coldef *cols, size_t ncols, struct wh_appender **out,
		   struct err *e)
{
	*out = NULL;
	if (!(c->db->caps & WH_CAP_BULK_APPEND) || !c->ad->append_open)
		return err_set(e, ING_EUNSUPPORTED, "%s has no bulk append", c->ad->name);
	if (!ncols)
		return err_set(e, ING_EINVAL, "bulk append into '%s' with no columns", table);
	int rc = c->ad->append_open(c, schema, table, cols, ncols, out, e);
	if (rc)
		*out = NULL;
	return rc;
}

int wh_append_batch(struct wh_appender *ap, const struct wh_batch *b, struct err *e)
{
	if (!b->nrows)
		return 0;
	int rc = guard_enter(ap->conn, e);
	return rc ? rc : guard_leave(ap->conn, ap->ad->append_batch(ap, b, e), e);
}

int wh_append_close(struct wh_appender *ap, bool ok, struct err *e)
{
	if (!ap)
		return 0;
	return ap->ad->append_close(ap, ok, e);
}

int wh_stream_insert(struct wh_conn *c, const char *schema, const char *table,
		     const struct wh_coldef *cols, size_t ncols, const struct wh_stream_src *src,
		     struct err *e)
{
	if (!(c->db->caps & WH_CAP_STREAM_INSERT) || !c->ad->stream_insert)
		return err_set(e, ING_EUNSUPPORTED, "%s has no stream insert", c->ad->name);
	if (!ncols)
		return err_set(e, ING_EINVAL, "stream insert into '%s' with no columns", table);
	int rc = guard_enter(c, e);
	return rc ? rc : guard_leave(c, c->ad->stream_insert(c, schema, table, cols, ncols, src, e), e);
}
