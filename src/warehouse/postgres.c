/*
 * warehouse/postgres.c — the server engine: PostgreSQL 15+ through libpq.
 *
 * A wh_db holds only the connection parameters; each wh_conn is one
 * PGconn, set up for ingot's conventions right after connecting: session
 * time zone UTC (timestamptz is the UTC instant of WH_TIMESTAMP), UTF-8,
 * ISO dates, and search_path set to the target schema (nothing is created
 * implicitly). Queries send parameters as text with explicit type OIDs and
 * read text results, typed by column OID. Cancel uses a PGcancel made at
 * connect time, which is safe to use from another thread.
 *
 * Bulk append speaks COPY ... FROM STDIN (FORMAT binary): the PGCOPY
 * stream is encoded here into a 1 MiB buffer, one switch per field on an
 * encoder chosen once per column from the table's real column types (read
 * from pg_attribute, so a table made with integer or varchar columns works
 * too), and handed to PQputCopyData. Encoding by hand instead of text COPY
 * avoids formatting and re-parsing every number and timestamp.
 *
 * Not here: libpq's non-blocking mode (a conn is used by one thread, and
 * cancel covers the need to stop a running statement), and passwords in
 * messages: driver text is passed through wh__redact.
 */
#include "warehouse/adapter.h"

/* The dialect, known even when libpq is not (see the end of the file):
 * dialect.c's defaults are dbt-postgres's macros; only names differ. */
#define PG_DIALECT                                                          \
	{                                                                   \
		.macro_types = {                                            \
			[WH_SQLT_STRING] = "text",                          \
			[WH_SQLT_TIMESTAMP] = "timestamp without time zone", \
		},                                                          \
		.column_types = {                                           \
			[WH_SQLT_STRING] = "text",                          \
			[WH_SQLT_FLOAT] = "float8",                         \
			[WH_SQLT_TIMESTAMP] = "timestamp without time zone", \
		},                                                          \
		.current_timestamp = "now()",                               \
		.relation_class = "PostgresRelation",                      \
		.column_class = "PostgresColumn",                          \
		.catalog_num_sizes = true,                                 \
		.local_timeout_fmt = "set local statement_timeout = %d",    \
	}

#ifdef HAVE_LIBPQ

#include "core/dtime.h"
#include "core/dtoa.h"
#include "core/log.h"
#include "core/mem.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Type OIDs (pg_type.dat; stable across versions). */
enum {
	OID_BOOL = 16, OID_BYTEA = 17, OID_CHAR = 18, OID_NAME = 19, OID_INT8 = 20, OID_INT2 = 21,
	OID_INT4 = 23, OID_TEXT = 25, OID_OID = 26, OID_JSON = 114, OID_FLOAT4 = 700,
	OID_FLOAT8 = 701, OID_UNKNOWN = 705, OID_BPCHAR = 1042, OID_VARCHAR = 1043,
	OID_DATE = 1082, OID_TIME = 1083, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184,
	OID_INTERVAL = 1186, OID_TIMETZ = 1266, OID_NUMERIC = 1700, OID_UUID = 2950,
	OID_JSONB = 3802,
};

/* PostgreSQL's epoch is 2000-01-01. */
#define PG_EPOCH_DAYS 10957
#define PG_EPOCH_US INT64_C(946684800000000)
#define COPY_BUF (1u << 20)

struct pdb {
	struct wh_db base;
	char *conninfo;
};

struct pconn {
	struct wh_conn base;
	PGconn *pg;
	PGcancel *cancel;
};

enum penc { E_INT8, E_INT4, E_INT2, E_F8, E_F8_FROM_I64, E_F4, E_BOOL, E_NUMERIC,
	    E_NUMERIC_FROM_I64, E_TEXT, E_DATE, E_TS };

struct pcol {
	const char *name;
	enum wh_type src;
	enum penc enc;
};

struct papp {
	struct wh_appender base;
	struct pconn *pc;
	size_t ncols;
	struct pcol *cols;
	unsigned char *buf;
	size_t len, cap;
	size_t row_max; /* bytes a row needs at most, text aside */
	bool failed;
	char *table;
};

static struct pconn *pconn_of(struct wh_conn *c)
{
	if (c->ad != &wh_postgres_adapter)
		BUG("not a PostgreSQL connection");
	return (struct pconn *)c;
}

/* The message of a failed result, without "ERROR:  " and the last
 * newline. */
static int pg_err(struct pconn *pc, const PGresult *res, struct err *e)
{
	const char *m = res ? PQresultErrorMessage(res) : "";
	if (!m || !*m)
		m = PQerrorMessage(pc->pg);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int code = state && !strcmp(state, "57014") ? ING_ECANCELED : ING_EDB;
	/* the server ended the session (terminated backend, restart, network):
	 * the caller must not reuse this connection */
	bool lost = PQstatus(pc->pg) == CONNECTION_BAD ||
		    (state && (!strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
			       !strcmp(state, "57P02") || !strcmp(state, "57P03")));
	if (!strncmp(m, "ERROR:  ", 8))
		m += 8;
	else if (!strncmp(m, "FATAL:  ", 8))
		m += 8;
	char *s = xstrdup(m && *m ? m : "unknown PostgreSQL error");
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
	{ /* one line, single spaces */
		char *w = s;
		for (char *q = s; *q; q++) {
			bool sp = *q == '\n' || *q == '\t' || *q == ' ';
			if (sp && w > s && w[-1] == ' ')
				continue;
			*w++ = sp ? ' ' : *q;
		}
		*w = 0;
	}
	wh__redact(s, pc->base.db->target->password);
	const struct target *t = pc->base.db->target;
	if (lost) {
		code = ING_ECONNECT;
		err_set(e, code, "connection to PostgreSQL at %s:%d lost: %s",
			t->host ? t->host : "(default)", t->port, s);
	} else if (code == ING_ECANCELED && t->statement_timeout_ms && strstr(s, "statement timeout")) {
		code = ING_ETIMEOUT;
		err_set(e, code, "%s (the profile's statement_timeout is %d ms)", s,
			t->statement_timeout_ms);
	} else {
		err_set(e, code, "%s", s);
	}
	free(s);
	return code;
}

static void notice(void *arg, const char *msg)
{
	(void)arg;
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		n--;
	log_debug("postgres: %.*s", (int)n, msg);
}

/* ---- lifecycle ---- */

static int p_open(const struct target *t, struct wh_db **out, struct err *e)
{
	if (!t->host && !t->dbname)
		return err_set(e, ING_ECONFIG, "target '%s': a postgres target needs host and dbname",
			       t->name ? t->name : "?");
	struct pdb *d = xcalloc(1, sizeof(*d));
	d->base.ad = &wh_postgres_adapter;
	d->base.target = t;
	d->conninfo = target_conninfo(t);
	*out = &d->base;
	return 0;
}

static void p_close(struct wh_db *db)
{
	struct pdb *d = (struct pdb *)db;
	if (d->conninfo) {
		/* it holds the password */
		memset(d->conninfo, 0, strlen(d->conninfo));
		free(d->conninfo);
	}
	free(d);
}

static int p_exec(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e);

static int p_connect(struct wh_db *db, struct wh_conn **out, struct err *e)
{
	struct pdb *d = (struct pdb *)db;
	const struct target *t = db->target;
	struct pconn *pc = xcalloc(1, sizeof(*pc));
	struct buf setup = BUF_INIT;
	int rc = 0;
	pc->base.ad = &wh_postgres_adapter;
	pc->base.db = db;
	/* `retries:` more attempts after a failed connect, 1 s, 2 s, 4 s ...
	 * (at most 10 s) apart, as dbt-postgres retries */
	int attempt = 0;
	for (;;) {
		pc->pg = PQconnectdb(d->conninfo);
		if ((pc->pg && PQstatus(pc->pg) == CONNECTION_OK) || attempt >= t->retries)
			break;
		unsigned delay = attempt < 4 ? 1u << attempt : 10;
		log_debug("postgres: connection attempt %d failed; retrying in %u s", attempt + 1, delay);
		PQfinish(pc->pg);
		pc->pg = NULL;
		sleep(delay);
		attempt++;
	}
	if (!pc->pg || PQstatus(pc->pg) != CONNECTION_OK) {
		char *m = xstrdup(pc->pg ? PQerrorMessage(pc->pg) : "out of memory");
		size_t n = strlen(m);
		while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
			m[--n] = 0;
		/* one line: libpq's hints come after a newline and a tab */
		char *w = m;
		for (char *p = m; *p; p++) {
			bool sp = *p == '\n' || *p == '\t' || *p == ' ';
			if (sp && (w == m || w[-1] == ' '))
				continue;
			*w++ = sp ? ' ' : *p;
		}
		*w = 0;
		wh__redact(m, t->password);
		char tries[48] = "";
		if (attempt)
			snprintf(tries, sizeof(tries), " (%d attempts)", attempt + 1);
		rc = err_set(e, ING_ECONNECT,
			     "cannot connect to PostgreSQL at %s:%d (database '%s', user '%s')%s: %s",
			     t->host ? t->host : "(default)", t->port, t->dbname ? t->dbname : "",
			     t->user ? t->user : "", tries, m);
		free(m);
		goto done;
	}
	PQsetNoticeProcessor(pc->pg, notice, NULL);
	pc->cancel = PQgetCancel(pc->pg);
	buf_puts(&setup, "SET TimeZone = 'UTC'; SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'");
	if (t->search_path) {
		/* the profile's value, as written (a list of schemas) */
		buf_puts(&setup, "; SELECT set_config('search_path', ");
		wh_quote_literal(db, t->search_path, &setup);
		buf_puts(&setup, ", false)");
	} else if (t->schema && *t->schema) {
		buf_puts(&setup, "; SET search_path TO ");
		wh_quote_ident(db, t->schema, &setup);
	}
	if (t->role) {
		buf_puts(&setup, "; SET ROLE ");
		wh_quote_ident(db, t->role, &setup);
	}
	if (t->statement_timeout_ms)
		buf_printf(&setup, "; SET statement_timeout = %d", t->statement_timeout_ms);
	rc = p_exec(&pc->base, buf_cstr(&setup), NULL, e);
	if (rc) {
		err_prefix(e, "setting up the PostgreSQL session (search_path, role, statement_timeout "
			      "of target '%s')", t->name ? t->name : "?");
		rc = ING_ECONNECT; /* nothing can run on this session */
		if (e)
			e->code = rc;
	}
done:
	buf_free(&setup);
	if (rc) {
		if (pc->cancel)
			PQfreeCancel(pc->cancel);
		PQfinish(pc->pg);
		free(pc);
		return rc;
	}
	*out = &pc->base;
	return 0;
}

static void p_disconnect(struct wh_conn *c)
{
	struct pconn *pc = pconn_of(c);
	if (pc->cancel)
		PQfreeCancel(pc->cancel);
	PQfinish(pc->pg);
	free(pc);
}

static int p_version(struct wh_conn *c, struct buf *out, struct err *e)
{
	(void)e;
	int v = PQserverVersion(pconn_of(c)->pg);
	buf_printf(out, "PostgreSQL %d.%d", v / 10000, v % 10000);
	return 0;
}

static int p_cancel(struct wh_conn *c)
{
	struct pconn *pc = pconn_of(c);
	char msg[256];
	if (!pc->cancel || !PQcancel(pc->cancel, msg, sizeof(msg)))
		return ING_EIO;
	return 0;
}

/* ---- statements ---- */

static int p_exec(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e)
{
	struct pconn *pc = pconn_of(c);
	int rc = 0;
	int64_t total = 0;
	if (!PQsendQuery(pc->pg, sql))
		return pg_err(pc, NULL, e);
	PGresult *res;
	while ((res = PQgetResult(pc->pg))) {
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY: {
			const char *n = PQcmdTuples(res);
			if (n && *n)
				total += strtoll(n, NULL, 10);
			break;
		}
		case PGRES_COPY_IN:
			PQputCopyEnd(pc->pg, "COPY FROM STDIN is not available through exec");
			break;
		case PGRES_COPY_OUT: {
			char *row;
			while (PQgetCopyData(pc->pg, &row, 0) > 0)
				PQfreemem(row);
			break;
		}
		default:
			if (!rc)
				rc = pg_err(pc, res, e);
		}
		PQclear(res);
	}
	if (!rc && rows_affected)
		*rows_affected = total;
	return rc;
}

/* COMMIT of a transaction that had failed answers "ROLLBACK": nothing was
 * committed, which the caller must hear as an error. */
static int p_commit(struct wh_conn *c, struct err *e)
{
	struct pconn *pc = pconn_of(c);
	PGresult *res = PQexec(pc->pg, "COMMIT");
	int rc = 0;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(pc, res, e);
	else if (!strcmp(PQcmdStatus(res), "ROLLBACK"))
		rc = err_set(e, ING_EDB, "COMMIT was refused: the transaction had failed and "
			     "PostgreSQL rolled it back");
	PQclear(res);
	return rc;
}

static int p_lock_xact(struct wh_conn *c, const char *key, struct err *e)
{
	struct pconn *pc = pconn_of(c);
	const char *v[1] = {key};
	PGresult *res = PQexecParams(pc->pg, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
				     1, NULL, v, NULL, NULL, 0);
	int rc = 0;
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_err(pc, res, e);
	PQclear(res);
	if (rc)
		err_prefix(e, "taking the warehouse lock %s", key);
	return rc;
}

static const char *oid_name(Oid t)
{
	switch (t) {
	case OID_BOOL: return "boolean";
	case OID_BYTEA: return "bytea";
	case OID_CHAR: return "\"char\"";
	case OID_NAME: return "name";
	case OID_INT8: return "bigint";
	case OID_INT2: return "smallint";
	case OID_INT4: return "integer";
	case OID_TEXT: return "text";
	case OID_OID: return "oid";
	case OID_JSON: return "json";
	case OID_FLOAT4: return "real";
	case OID_FLOAT8: return "double precision";
	case OID_UNKNOWN: return "unknown";
	case OID_BPCHAR: return "character";
	case OID_VARCHAR: return "character varying";
	case OID_DATE: return "date";
	case OID_TIME: return "time without time zone";
	case OID_TIMESTAMP: return "timestamp without time zone";
	case OID_TIMESTAMPTZ: return "timestamp with time zone";
	case OID_INTERVAL: return "interval";
	case OID_TIMETZ: return "time with time zone";
	case OID_NUMERIC: return "numeric";
	case OID_UUID: return "uuid";
	case OID_JSONB: return "jsonb";
	default: return "other";
	}
}

static enum wh_type oid_type(Oid t)
{
	switch (t) {
	case OID_BOOL: return WH_BOOL;
	case OID_INT8:
	case OID_INT2:
	case OID_INT4:
	case OID_OID: return WH_INT64;
	case OID_FLOAT4:
	case OID_FLOAT8: return WH_DOUBLE;
	case OID_NUMERIC: return WH_DECIMAL;
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
	case OID_NAME:
	case OID_CHAR:
	case OID_UNKNOWN: return WH_TEXT;
	case OID_DATE: return WH_DATE;
	case OID_TIMESTAMP: return WH_DATETIME;
	case OID_TIMESTAMPTZ: return WH_TIMESTAMP;
	default: return WH_OTHER;
	}
}

static void decode_cell(struct arena *a, enum wh_type t, const char *s, int n, struct wh_value *v)
{
	switch (t) {
	case WH_BOOL:
		v->type = WH_BOOL;
		v->v.b = s[0] == 't';
		return;
	case WH_INT64:
		v->type = WH_INT64;
		v->v.i = strtoll(s, NULL, 10);
		return;
	case WH_DOUBLE:
		v->type = WH_DOUBLE;
		v->v.d = strtod(s, NULL);
		return;
	case WH_DATE:
		if (!date_parse(s, (size_t)n, &v->v.date)) {
			v->type = WH_DATE;
			return;
		}
		break; /* infinity, BC dates: as text */
	case WH_DATETIME:
		if (!datetime_parse(s, (size_t)n, &v->v.ts)) {
			v->type = WH_DATETIME;
			return;
		}
		break;
	case WH_TIMESTAMP:
		if (!ts_parse(s, (size_t)n, &v->v.ts)) {
			v->type = WH_TIMESTAMP;
			return;
		}
		break;
	case WH_DECIMAL:
		if (s[0] != 'N' && s[0] != 'I' && s[1] != 'I') {
			v->type = WH_DECIMAL;
			v->v.s.p = arena_strndup(a, s, (size_t)n);
			v->v.s.n = (size_t)n;
			return;
		}
		break; /* NaN, Infinity: as text */
	case WH_TEXT:
		v->type = WH_TEXT;
		v->v.s.p = arena_strndup(a, s, (size_t)n);
		v->v.s.n = (size_t)n;
		return;
	default: break;
	}
	v->type = WH_OTHER;
	v->v.s.p = arena_strndup(a, s, (size_t)n);
	v->v.s.n = (size_t)n;
}

static int p_query(struct wh_conn *c, const char *sql, const struct wh_value *params,
		   size_t nparams, struct wh_result **out, struct err *e)
{
	struct pconn *pc = pconn_of(c);
	struct arena *pa = nparams ? arena_new(0) : NULL;
	Oid *types = NULL;
	const char **vals = NULL;
	PGresult *res = NULL;
	int rc = 0;
	if (nparams > 65535) {
		rc = err_set(e, ING_ELIMIT, "too many parameters (%zu)", nparams);
		goto done;
	}
	if (nparams) {
		types = arena_zalloc(pa, nparams * sizeof(*types));
		vals = arena_zalloc(pa, nparams * sizeof(*vals));
	}
	for (size_t i = 0; i < nparams; i++) {
		const struct wh_value *v = &params[i];
		char tmp[64];
		switch (v->type) {
		case WH_NULL: types[i] = 0; vals[i] = NULL; continue;
		case WH_BOOL: types[i] = OID_BOOL; vals[i] = v->v.b ? "t" : "f"; continue;
		case WH_INT64:
			types[i] = OID_INT8;
			vals[i] = arena_printf(pa, "%lld", (long long)v->v.i);
			continue;
		case WH_DOUBLE:
			types[i] = OID_FLOAT8;
			dtoa_repr(v->v.d, tmp);
			vals[i] = v->v.d != v->v.d ? "NaN"
				  : v->v.d > 1.7976931348623157e308 ? "Infinity"
				  : v->v.d < -1.7976931348623157e308 ? "-Infinity"
								     : arena_strdup(pa, tmp);
			continue;
		case WH_DATE:
			types[i] = OID_DATE;
			date_format(v->v.date, tmp);
			vals[i] = arena_strdup(pa, tmp);
			continue;
		case WH_TIMESTAMP:
			types[i] = OID_TIMESTAMPTZ;
			ts_format(v->v.ts, tmp);
			vals[i] = arena_printf(pa, "%s+00", tmp);
			continue;
		case WH_DATETIME:
			types[i] = OID_TIMESTAMP;
			ts_format(v->v.ts, tmp);
			vals[i] = arena_strdup(pa, tmp);
			continue;
		case WH_DECIMAL: types[i] = OID_NUMERIC; break;
		case WH_TEXT:
		case WH_OTHER: types[i] = 0; break; /* unknown: typed by context */
		}
		vals[i] = arena_strndup(pa, v->v.s.p, v->v.s.n);
	}
	res = PQexecParams(pc->pg, sql, (int)nparams, types, vals, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
		rc = pg_err(pc, res, e);
		goto done;
	}
	size_t ncols = (size_t)PQnfields(res), nrows = (size_t)PQntuples(res);
	struct wh_result *r = wh__result_new(ncols, nrows);
	enum wh_type *ct = r->types;
	for (size_t k = 0; k < ncols; k++) {
		Oid t = PQftype(res, (int)k);
		r->names[k] = arena_strdup(r->arena, PQfname(res, (int)k));
		ct[k] = oid_type(t);
		r->type_names[k] = oid_name(t);
	}
	const char *nt = PQcmdTuples(res);
	if (nt && *nt && st == PGRES_COMMAND_OK)
		r->rows_affected = strtoll(nt, NULL, 10);
	struct wh_value *cells = nrows ? wh__result_add_rows(r, nrows) : NULL;
	for (size_t row = 0; row < nrows; row++)
		for (size_t k = 0; k < ncols; k++) {
			struct wh_value *v = &cells[row * ncols + k];
			if (PQgetisnull(res, (int)row, (int)k)) {
				v->type = WH_NULL;
				continue;
			}
			decode_cell(r->arena, ct[k], PQgetvalue(res, (int)row, (int)k),
				    PQgetlength(res, (int)row, (int)k), v);
		}
	*out = r;
done:
	PQclear(res);
	arena_free(pa);
	return rc;
}

/* ---- bulk append: COPY FROM STDIN (FORMAT binary) ---- */

static inline void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline void put32(unsigned char *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline void put64(unsigned char *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

static int copy_flush(struct papp *ap, struct err *e)
{
	if (!ap->len)
		return 0;
	if (PQputCopyData(ap->pc->pg, (const char *)ap->buf, (int)ap->len) != 1) {
		ap->failed = true;
		return pg_err(ap->pc, NULL, e);
	}
	ap->len = 0;
	return 0;
}

/* Room for n more bytes: flush when full, grow for one huge value. */
static inline int copy_room(struct papp *ap, size_t n, struct err *e)
{
	if (ap->cap - ap->len >= n)
		return 0;
	int rc = copy_flush(ap, e);
	if (rc)
		return rc;
	if (n > ap->cap) {
		if (n > (size_t)1 << 30)
			return err_set(e, ING_ELIMIT, "%s: a value of %zu bytes is too large", ap->table, n);
		ap->cap = n;
		ap->buf = xrealloc(ap->buf, ap->cap);
	}
	return 0;
}

/* numeric's binary form from unscaled * 10^-scale: base-10000 digits
 * aligned on the decimal point. Returns the bytes written (at most 32). */
static size_t numeric_encode(unsigned char *out, __int128 v, int scale)
{
	unsigned char d[48]; /* decimal digits, least significant first */
	size_t nd = 0;
	bool neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
	int fg = (scale + 3) / 4, pad = fg * 4 - scale;
	for (int k = 0; k < pad; k++)
		d[nd++] = 0;
	while (u > UINT64_MAX) {
		d[nd++] = (unsigned char)(u % 10);
		u /= 10;
	}
	for (uint64_t x = (uint64_t)u; x; x /= 10)
		d[nd++] = (unsigned char)(x % 10);
	size_t ng = (nd + 3) / 4;
	uint16_t g[12];
	for (size_t k = 0; k < ng; k++) {
		unsigned val = 0;
		for (int j = 3; j >= 0; j--) {
			size_t idx = k * 4 + (size_t)j;
			val = val * 10 + (idx < nd ? d[idx] : 0);
		}
		g[k] = (uint16_t)val; /* g[0] is the least significant group */
	}
	int weight = (int)ng - fg - 1;
	size_t hi = ng, lo = 0;
	while (hi > 0 && g[hi - 1] == 0) {
		hi--;
		weight--;
	}
	while (lo < hi && g[lo] == 0)
		lo++;
	size_t ndig = hi - lo;
	if (!ndig)
		weight = 0;
	put16(out, (uint16_t)ndig);
	put16(out + 2, (uint16_t)(int16_t)weight);
	put16(out + 4, neg && ndig ? 0x4000 : 0);
	put16(out + 6, (uint16_t)scale);
	size_t n = 8;
	for (size_t k = hi; k-- > lo;) {
		put16(out + n, g[k]);
		n += 2;
	}
	return n;
}

static int plan_pcol(struct papp *ap, struct pcol *pc, Oid t, struct err *e)
{
	enum wh_type s = pc->src;
	bool ok = true;
	size_t sz = 0;
	switch (t) {
	case OID_INT8: ok = s == WH_INT64; pc->enc = E_INT8; sz = 8; break;
	case OID_INT4: ok = s == WH_INT64; pc->enc = E_INT4; sz = 4; break;
	case OID_INT2: ok = s == WH_INT64; pc->enc = E_INT2; sz = 2; break;
	case OID_FLOAT8:
		ok = s == WH_DOUBLE || s == WH_INT64;
		pc->enc = s == WH_INT64 ? E_F8_FROM_I64 : E_F8;
		sz = 8;
		break;
	case OID_FLOAT4: ok = s == WH_DOUBLE; pc->enc = E_F4; sz = 4; break;
	case OID_BOOL: ok = s == WH_BOOL; pc->enc = E_BOOL; sz = 1; break;
	case OID_NUMERIC:
		ok = s == WH_DECIMAL || s == WH_INT64;
		pc->enc = s == WH_INT64 ? E_NUMERIC_FROM_I64 : E_NUMERIC;
		sz = 32;
		break;
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
	case OID_NAME: ok = s == WH_TEXT || s == WH_OTHER; pc->enc = E_TEXT; break;
	case OID_DATE: ok = s == WH_DATE; pc->enc = E_DATE; sz = 4; break;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		ok = s == WH_TIMESTAMP || s == WH_DATETIME;
		pc->enc = E_TS;
		sz = 8;
		break;
	default: ok = false;
	}
	if (!ok)
		return err_set(e, ING_EUNSUPPORTED, "%s.%s: cannot bulk-append %s values into a %s column",
			       ap->table, pc->name, wh_type_name(s), oid_name(t));
	ap->row_max += 4 + sz;
	return 0;
}

static void papp_free(struct papp *ap)
{
	free(ap->buf);
	free(ap->cols);
	free(ap->table);
	free(ap);
}

static int p_append_open(struct wh_conn *c, const char *schema, const char *table,
			 const struct wh_coldef *cols, size_t ncols, struct wh_appender **out,
			 struct err *e)
{
	struct pconn *pc = pconn_of(c);
	struct papp *ap = xcalloc(1, sizeof(*ap));
	struct buf rel = BUF_INIT, sql = BUF_INIT;
	struct wh_result *r = NULL;
	PGresult *res = NULL;
	int rc = 0;
	ap->base.ad = &wh_postgres_adapter;
	ap->base.conn = c;
	ap->pc = pc;
	ap->ncols = ncols;
	ap->cols = xcalloc(ncols, sizeof(*ap->cols));
	ap->row_max = 2;
	wh_relation_sql(c->db, schema, table, &rel);
	ap->table = xstrdup(buf_cstr(&rel));
	struct wh_value p = wh_text(buf_cstr(&rel));
	rc = wh_query(c,
		      "select a.attname::text, a.atttypid::int8 from pg_attribute a where a.attrelid = ($1::text)::regclass"
		      " and a.attnum > 0 and not a.attisdropped",
		      &p, 1, &r, e);
	if (rc)
		goto done;
	buf_puts(&sql, "COPY ");
	buf_add(&sql, rel.data, rel.len);
	buf_puts(&sql, " (");
	for (size_t i = 0; i < ncols; i++) {
		size_t row;
		for (row = 0; row < r->nrows; row++)
			if (!strcmp(wh_cell(r, row, 0)->v.s.p, cols[i].name))
				break;
		if (row == r->nrows) {
			rc = err_set(e, ING_ENOTFOUND, "%s has no column '%s'", ap->table, cols[i].name);
			goto done;
		}
		ap->cols[i].name = cols[i].name;
		ap->cols[i].src = cols[i].type.type;
		if ((rc = plan_pcol(ap, &ap->cols[i], (Oid)wh_cell(r, row, 1)->v.i, e)))
			goto done;
		if (i)
			buf_puts(&sql, ", ");
		wh_quote_ident(c->db, cols[i].name, &sql);
	}
	buf_puts(&sql, ") FROM STDIN (FORMAT binary)");
	res = PQexec(pc->pg, buf_cstr(&sql));
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_err(pc, res, e);
		goto done;
	}
	ap->cap = COPY_BUF;
	ap->buf = xmalloc(ap->cap);
	memcpy(ap->buf, "PGCOPY\n\377\r\n\0", 11);
	memset(ap->buf + 11, 0, 8); /* flags, header extension length */
	ap->len = 19;
	*out = &ap->base;
	ap = NULL;
done:
	PQclear(res);
	wh_result_free(r);
	buf_free(&rel);
	buf_free(&sql);
	if (ap)
		papp_free(ap);
	return rc;
}

static int p_append_batch(struct wh_appender *wap, const struct wh_batch *b, struct err *e)
{
	struct papp *ap = (struct papp *)wap;
	int rc = 0;
	if (ap->failed)
		return err_set(e, ING_EFAIL, "%s: bulk append already failed", ap->table);
	if (b->ncols != ap->ncols)
		return err_set(e, ING_EINVAL, "%s: batch has %zu columns, the appender %zu", ap->table,
			       b->ncols, ap->ncols);
	for (size_t k = 0; k < b->ncols; k++)
		if (b->cols[k].type.type != ap->cols[k].src)
			return err_set(e, ING_EINVAL, "%s.%s: batch column is %s, declared %s",
				       ap->table, ap->cols[k].name, wh_type_name(b->cols[k].type.type),
				       wh_type_name(ap->cols[k].src));
	const size_t ncols = b->ncols;
	for (size_t row = 0; row < b->nrows; row++) {
		if ((rc = copy_room(ap, ap->row_max, e)))
			goto fail;
		unsigned char *p = ap->buf + ap->len;
		put16(p, (uint16_t)ncols);
		p += 2;
		for (size_t k = 0; k < ncols; k++) {
			const struct wh_colbuf *cb = &b->cols[k];
			if (cb->valid && !cb->valid[row]) {
				put32(p, 0xFFFFFFFFu);
				p += 4;
				continue;
			}
			switch (ap->cols[k].enc) {
			case E_INT8:
				put32(p, 8);
				put64(p + 4, (uint64_t)((const int64_t *)cb->data)[row]);
				p += 12;
				break;
			case E_INT4:
			case E_INT2: {
				int64_t x = ((const int64_t *)cb->data)[row];
				bool four = ap->cols[k].enc == E_INT4;
				if (four ? (x < INT32_MIN || x > INT32_MAX) : (x < INT16_MIN || x > INT16_MAX)) {
					rc = err_set(e, ING_EINVAL, "%s.%s: value %lld out of range",
						     ap->table, ap->cols[k].name, (long long)x);
					goto fail;
				}
				if (four) {
					put32(p, 4);
					put32(p + 4, (uint32_t)(int32_t)x);
					p += 8;
				} else {
					put32(p, 2);
					put16(p + 4, (uint16_t)(int16_t)x);
					p += 6;
				}
				break;
			}
			case E_F8:
			case E_F8_FROM_I64: {
				double d = ap->cols[k].enc == E_F8 ? ((const double *)cb->data)[row]
								   : (double)((const int64_t *)cb->data)[row];
				uint64_t bits;
				memcpy(&bits, &d, 8);
				put32(p, 8);
				put64(p + 4, bits);
				p += 12;
				break;
			}
			case E_F4: {
				float f = (float)((const double *)cb->data)[row];
				uint32_t bits;
				memcpy(&bits, &f, 4);
				put32(p, 4);
				put32(p + 4, bits);
				p += 8;
				break;
			}
			case E_BOOL:
				put32(p, 1);
				p[4] = ((const bool *)cb->data)[row] ? 1 : 0;
				p += 5;
				break;
			case E_NUMERIC:
			case E_NUMERIC_FROM_I64: {
				bool dec = ap->cols[k].enc == E_NUMERIC;
				__int128 x = dec ? ((const __int128 *)cb->data)[row]
						 : (__int128)((const int64_t *)cb->data)[row];
				int sc = dec ? cb->type.scale : 0;
				if (sc < 0 || sc > 38) {
					rc = err_set(e, ING_EINVAL, "%s.%s: decimal scale %d out of range",
						     ap->table, ap->cols[k].name, sc);
					goto fail;
				}
				size_t n = numeric_encode(p + 4, x, sc);
				put32(p, (uint32_t)n);
				p += 4 + n;
				break;
			}
			case E_TEXT: {
				const struct wh_str *s = &((const struct wh_str *)cb->data)[row];
				if (ap->cap - (size_t)(p - ap->buf) < 4 + (size_t)s->n + ap->row_max) {
					ap->len = (size_t)(p - ap->buf);
					if ((rc = copy_room(ap, 4 + (size_t)s->n + ap->row_max, e)))
						goto fail;
					p = ap->buf + ap->len;
				}
				put32(p, s->n);
				memcpy(p + 4, s->p, s->n);
				p += 4 + s->n;
				break;
			}
			case E_DATE:
				put32(p, 4);
				put32(p + 4, (uint32_t)(((const int32_t *)cb->data)[row] - PG_EPOCH_DAYS));
				p += 8;
				break;
			case E_TS:
				put32(p, 8);
				put64(p + 4, (uint64_t)(((const int64_t *)cb->data)[row] - PG_EPOCH_US));
				p += 12;
				break;
			}
		}
		ap->len = (size_t)(p - ap->buf);
	}
	return 0;
fail:
	ap->failed = true;
	return rc;
}

static int p_append_close(struct wh_appender *wap, bool ok, struct err *e)
{
	struct papp *ap = (struct papp *)wap;
	struct pconn *pc = ap->pc;
	int rc = 0;
	if (ok && ap->failed)
		rc = err_set(e, ING_EFAIL, "%s: bulk append failed earlier; nothing was loaded", ap->table);
	if (ok && !ap->failed) {
		if (!(rc = copy_room(ap, 2, e))) {
			put16(ap->buf + ap->len, 0xFFFF);
			ap->len += 2;
			rc = copy_flush(ap, e);
		}
	}
	bool commit = ok && !rc;
	if (PQputCopyEnd(pc->pg, commit ? NULL : "bulk append aborted by ingot") != 1 && !rc)
		rc = pg_err(pc, NULL, e);
	PGresult *res;
	while ((res = PQgetResult(pc->pg))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && commit && !rc)
			rc = pg_err(pc, res, e);
		PQclear(res);
	}
	papp_free(ap);
	return rc;
}

/* ---- dialect ---- */

static void p_type_sql(const struct wh_ltype *t, struct buf *out)
{
	switch (t->type) {
	case WH_BOOL: buf_puts(out, "boolean"); break;
	case WH_INT64: buf_puts(out, "bigint"); break;
	case WH_DOUBLE: buf_puts(out, "double precision"); break;
	case WH_DECIMAL:
		if (t->precision > 0)
			buf_printf(out, "numeric(%d,%d)", t->precision, t->scale);
		else
			buf_puts(out, "numeric");
		break;
	case WH_TEXT:
		if (t->length > 0)
			buf_printf(out, "varchar(%d)", t->length);
		else
			buf_puts(out, "text");
		break;
	case WH_DATE: buf_puts(out, "date"); break;
	case WH_TIMESTAMP: buf_puts(out, "timestamptz"); break;
	case WH_DATETIME: buf_puts(out, "timestamp"); break;
	case WH_NULL:
	case WH_OTHER: buf_puts(out, "text"); break;
	}
}

const struct wh_adapter wh_postgres_adapter = {
	.name = "postgres",
	.caps = WH_CAP_MERGE | WH_CAP_BULK_APPEND | WH_CAP_BOUND_VIEWS | WH_CAP_MULTI_PROCESS |
		WH_CAP_COMMENTS | WH_CAP_GRANTS | WH_CAP_CANCEL | WH_CAP_ANALYZE,
	.ident_quote = '"',
	.max_ident = 63, /* NAMEDATALEN - 1; longer names are truncated silently */
	.db_open = p_open,
	.db_close = p_close,
	.connect = p_connect,
	.disconnect = p_disconnect,
	.version = p_version,
	.exec = p_exec,
	.query = p_query,
	.cancel = p_cancel,
	.commit = p_commit,
	.lock_xact = p_lock_xact,
	.append_open = p_append_open,
	.append_batch = p_append_batch,
	.append_close = p_append_close,
	.type_sql = p_type_sql,
	.dialect = PG_DIALECT,
	.read_grants = wh_pg_read_grants,
	.password_matches = wh_pg_password_matches,
};

#else /* !HAVE_LIBPQ */

/* Built without libpq: the name and dialect only, so `ingot compile` for a
 * PostgreSQL target still writes PostgreSQL's SQL (wh_adapter_for); wh_open
 * does not see it and says how to build with postgres. */
const struct wh_adapter wh_postgres_dialect_only = {
	.name = "postgres",
	.dialect = PG_DIALECT,
};

#endif /* HAVE_LIBPQ */
