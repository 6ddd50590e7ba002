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
	NULL,
};

struct chdb_db {
	struct wh_db base;
	struct ch_transport *t;
	char *password;
};

struct chconn {
	struct wh_conn base;
	struct chdb_db *d;
};

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

static int c_open(const struct target *t, struct wh_db **out, struct err *e)
{
	struct chdb_db *d = xcalloc(1, sizeof(*d));
	d->base.ad = &wh_clickhouse_adapter;
	d->base.target = t;
	struct ch_conn_opts o = {
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
	int rc;
	if (t->ch_mode && !strcmp(t->ch_mode, "http")) {
#ifdef CH_HAVE_HTTP
		rc = ch_http_transport_open(&o, &d->t, e);
#else
		rc = err_set(e, ING_EUNSUPPORTED,
			     "target '%s' uses ClickHouse over HTTP (mode: http), which this ingot "
			     "was built without; use 'mode: embedded' with a 'path:'",
			     t->name ? t->name : "?");
#endif
	} else {
		rc = ch_chdb_open(&o, &d->t, e);
	}
	if (rc) {
		free(d);
		return rc;
	}
	if (t->password && *t->password)
		d->password = xstrdup(t->password);
	/* functions the other engines have under these names, which SQL
	 * written for them (snapshots' md5, the loader's strpos) calls */
	static const char *const compat[] = {
		"CREATE FUNCTION IF NOT EXISTS md5 AS (s) -> lower(hex(MD5(s)))",
		"CREATE FUNCTION IF NOT EXISTS strpos AS (s, n) -> position(s, n)",
		NULL,
	};
	for (size_t i = 0; compat[i] && !rc; i++)
		rc = d->t->ops->exec(d->t, compat[i], NULL, NULL, NULL, NULL, e);
	if (rc) {
		err_prefix(e, "setting up the ClickHouse session");
		d->t->ops->close(d->t);
		free(d->password);
		free(d);
		return rc;
	}
	*out = &d->base;
	return 0;
}

static void c_close(struct wh_db *db)
{
	if (!db)
		return;
	struct chdb_db *d = db_of(db);
	if (d->t)
		d->t->ops->close(d->t);
	free(d->password);
	free(d);
}

static int c_connect(struct wh_db *db, struct wh_conn **out, struct err *e)
{
	struct chconn *c = xcalloc(1, sizeof(*c));
	c->base.ad = &wh_clickhouse_adapter;
	c->base.db = db;
	c->d = db_of(db);
	*out = &c->base;
	return 0;
}

static void c_disconnect(struct wh_conn *c)
{
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

static int run(struct chconn *c, const char *stmt, ch_body_fn body, void *body_ud,
	       struct buf *answer, struct err *e)
{
	struct ch_transport *t = c->d->t;
	char *rounded = rounding_casts(stmt);
	char *divided = float_divisors(rounded);
	free(rounded);
	char *sql = mend_select_lists(divided);
	free(divided);
	int rc = answer ? (body ? t->ops->exec(t, sql, body, body_ud, NULL, NULL, e)
				: ch_exec_collect(t, sql, answer, e))
			: t->ops->exec(t, sql, body, body_ud, NULL, NULL, e);
	free(sql);
	if (rc && e && e->msg && c->d->password)
		wh__redact(e->msg, c->d->password);
	if (rc && e && e->msg) {
		/* the server's stack trace says nothing to a user */
		char *st = strstr(e->msg, "\n\n0. ");
		if (st)
			*st = 0;
	}
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
	char *sql = rewrite(stmt);
	if (!sql)
		return 0;
	int rc = run(x->c, sql, NULL, NULL, NULL, e);
	if (rc)
		kill_failed_mutation(x->c, sql);
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

static int c_rollback(struct wh_conn *c, struct err *e)
{
	return 0; /* no transactions: nothing to roll back */
}

static int c_commit(struct wh_conn *c, struct err *e)
{
	return 0;
}

/* ---- parameters: $1..$n become literals ---- */

static void literal(const struct wh_value *v, struct buf *out)
{
	char tmp[64];
	switch (v->type) {
	case WH_NULL: buf_puts(out, "NULL"); break;
	case WH_BOOL: buf_puts(out, v->v.b ? "true" : "false"); break;
	case WH_INT64: buf_printf(out, "%lld", (long long)v->v.i); break;
	case WH_DOUBLE: buf_printf(out, "%.17g", v->v.d); break;
	case WH_DATE:
		date_format(v->v.date, tmp);
		buf_printf(out, "toDate32('%s')", tmp);
		break;
	case WH_TIMESTAMP:
	case WH_DATETIME:
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

static int bind(const char *sql, const struct wh_value *params, size_t np, struct buf *out,
		struct err *e)
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
			literal(&params[k - 1], out);
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
	int rc = bind(sql, params, nparams, &q, e);
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
	if (major < CH_MIN_MAJOR) {
		rc = err_set(e, ING_EUNSUPPORTED,
			     "ClickHouse %s is too old: ingot needs ClickHouse %d.x or newer (the "
			     "SQL it writes uses CTEs, window functions and EXCHANGE TABLES); "
			     "upgrade the server", buf_cstr(&ans), CH_MIN_MAJOR);
		buf_free(&ans);
		return rc;
	}
	buf_printf(out, "ClickHouse %s (%s)", buf_cstr(&ans), conn_of(wc)->d->t->ops->name);
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
};

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
	char *sql = xasprintf("INSERT INTO %s %s FORMAT TabSeparated", rel, ap->collist);
	int rc = run(ap->c, sql, send_body, &ap->rows, NULL, e);
	free(sql);
	buf_reset(&ap->rows);
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
	*out = &ap->base;
	return 0;
}

static int c_append_batch(struct wh_appender *wap, const struct wh_batch *bt, struct err *e)
{
	struct chapp *ap = (struct chapp *)wap;
	if (bt->ncols != ap->ncols)
		return err_set(e, ING_EINVAL, "append: batch has %zu columns, the table %zu",
			       bt->ncols, ap->ncols);
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
				buf_add(&ap->rows, tmp, ts_format(((int64_t *)cb->data)[r], tmp));
				break;
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
	}
	if (ap->rows.len < CH_CHUNK)
		return 0;
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

static int c_append_close(struct wh_appender *wap, bool ok, struct err *e)
{
	struct chapp *ap = (struct chapp *)wap;
	int rc = 0;
	if (ok) {
		if (!ap->stage) {
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
	int rc = sysq(c,
		      "select database, name, engine from system.tables where database = $1 "
		      "and not is_temporary order by name",
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
	int rc = sysq(c,
		      "select name, type from system.columns where database = $1 and table = $2 "
		      "order by position",
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
		literal(id, &q);
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

const struct wh_adapter wh_clickhouse_adapter = {
	.name = "clickhouse",
	.caps = WH_CAP_BULK_APPEND | WH_CAP_KEYS_IN | WH_CAP_EXCHANGE | WH_CAP_PARTITIONS,
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
		.relation_class = "ClickHouseRelation",
		.column_class = "ClickHouseColumn",
		.no_subquery_alias = true,
		.two_part_names = true,
	},
};
