/*
 * graph/select.c — dbt's node selection: --select/--exclude strings and
 * YAML selector trees evaluated to a set of nodes (see graph.h).
 *
 * The evaluation follows dbt's model step by step so that the same
 * arguments select the same nodes:
 *
 *   criterion  [@][N+][method[.arg...]:]value[+N]
 *              -> nodes the method matches (enabled nodes only)
 *              -> plus graph neighbours (+, N+, +N, @)
 *              -> plus tests on them ("indirect selection"): eager takes a
 *                 test when any parent is selected; cautious/buildable
 *                 keep the others aside as "indirect" in case a later set
 *                 operation selects their remaining parents
 *   a,b        intersection;  a b  union;  --exclude  difference
 *              each set operation combines the direct sets and the
 *              direct+indirect sets, then re-admits indirect tests whose
 *              parents are now all selected (cautious/buildable)
 *
 * Each result is a pair of bitsets (direct, direct+indirect) over the node
 * indexes, so a set operation is a word-wise loop and a criterion costs one
 * pass over the nodes plus the walks its operators ask for.
 *
 * A bare value picks its method as dbt does: a '/' makes it a path, a
 * .sql/.py/.csv ending a file name, anything else an fqn (which matches a
 * node's name, or dotted parts of its fqn with or without the package).
 * Globs use fnmatch(3) without escapes, which is Python's fnmatch on POSIX;
 * path: globs match folder by folder, like pathlib's glob that dbt uses.
 *
 * Not here: reading selectors.yml (the host builds a graph_seldef tree),
 * the resource-type filter of each command beyond opts->types, warnings
 * (the host prints them from on_empty).
 */
#include "graph/graph_int.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- previous state */

struct graph_state {
	struct strmap ids; /* unique_id -> struct graph_fp * (in arena) */
	struct arena *arena;
};

struct graph_state *graph_state_new(void)
{
	struct graph_state *st = xcalloc(1, sizeof(*st));
	st->ids = (struct strmap)STRMAP_INIT;
	st->arena = arena_new(0);
	return st;
}

static const char *st_dup(struct graph_state *st, const char *s)
{
	return s ? arena_strdup(st->arena, s) : NULL;
}

void graph_state_put(struct graph_state *st, const char *unique_id, const struct graph_fp *fp)
{
	struct graph_fp *c = arena_zalloc(st->arena, sizeof(*c));
	if (fp) {
		c->body = st_dup(st, fp->body);
		c->configs = st_dup(st, fp->configs);
		c->relation = st_dup(st, fp->relation);
		c->descriptions = st_dup(st, fp->descriptions);
		c->contract = st_dup(st, fp->contract);
	}
	strmap_put(&st->ids, unique_id, c);
}

void graph_state_free(struct graph_state *st)
{
	if (!st)
		return;
	strmap_free(&st->ids, NULL);
	arena_free(st->arena);
	free(st);
}

int graph_indirect_parse(const char *s, enum graph_indirect *out, struct err *e)
{
	static const char *const names[] = {"eager", "cautious", "buildable", "empty"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum graph_indirect)i;
			return 0;
		}
	return err_set(e, ING_EINVAL,
		       "invalid indirect selection '%s' (expected eager, cautious, buildable or empty)",
		       s);
}

/* ---------------------------------------------------------------- criteria */

enum meth {
	M_FQN,
	M_TAG,
	M_GROUP,
	M_ACCESS,
	M_SOURCE,
	M_PATH,
	M_FILE,
	M_PACKAGE,
	M_CONFIG,
	M_TEST_NAME,
	M_TEST_TYPE,
	M_RESOURCE_TYPE,
	M_STATE,
	M_EXPOSURE,
	M_METRIC,
	M_SEMANTIC_MODEL,
	M_SAVED_QUERY,
	M_RESULT,
	M_UNSUPPORTED,
};

static const struct {
	const char *name;
	enum meth m;
} methods[] = {
	{"fqn", M_FQN},
	{"tag", M_TAG},
	{"group", M_GROUP},
	{"access", M_ACCESS},
	{"source", M_SOURCE},
	{"path", M_PATH},
	{"file", M_FILE},
	{"package", M_PACKAGE},
	{"config", M_CONFIG},
	{"test_name", M_TEST_NAME},
	{"test_type", M_TEST_TYPE},
	{"resource_type", M_RESOURCE_TYPE},
	{"state", M_STATE},
	{"exposure", M_EXPOSURE},
	{"metric", M_METRIC},
	{"semantic_model", M_SEMANTIC_MODEL},
	{"saved_query", M_SAVED_QUERY},
	{"result", M_RESULT},
	{"source_status", M_UNSUPPORTED},
	{"version", M_UNSUPPORTED},
	{"unit_test", M_UNSUPPORTED},
	{"wildcard", M_UNSUPPORTED},
};

struct crit {
	const char *raw; /* as written, for messages */
	enum meth method;
	const char *mname; /* method name as written */
	char *arg;         /* config key ("materialized", "meta.owner"), or NULL */
	char *value;
	bool cp, parents, children;
	int pdepth, cdepth; /* < 0 = unlimited */
	enum graph_indirect mode;
};

static void crit_free(struct crit *c)
{
	free(c->arg);
	free(c->value);
}

struct ctx {
	struct graph *g;
	const struct graph_sel_opts *o;
	uint32_t n;
	struct err *e;
	bool located; /* a definition's `where` is already in e */
};

static int bad(struct ctx *x, const char *raw, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct ctx *x, const char *raw, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	int rc = err_set(x->e, ING_EINVAL, "invalid selector '%s': %s", raw, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int lookup_method(struct ctx *x, const char *raw, const char *name, size_t len,
			 enum meth *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strlen(methods[i].name) == len && memcmp(methods[i].name, name, len) == 0) {
			if (methods[i].m == M_UNSUPPORTED)
				return err_set(x->e, ING_EUNSUPPORTED,
					       "invalid selector '%s': the '%s' method is not "
					       "supported by ingot",
					       raw, methods[i].name);
			*m = methods[i].m;
			return 0;
		}
	char *nm = xstrndup(name, len);
	const char *best = NULL;
	int bestd = 3;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
		int d = str_edit_distance(nm, methods[i].name);
		if (d < bestd) {
			bestd = d;
			best = methods[i].name;
		}
	}
	int rc;
	if (best)
		rc = err_set(x->e, ING_EINVAL,
			     "invalid selector '%s': '%s' is not a valid method name (did you mean "
			     "'%s'?)",
			     raw, nm, best);
	else
		rc = err_set(x->e, ING_EINVAL, "invalid selector '%s': '%s' is not a valid method name",
			     raw, nm);
	free(nm);
	return rc;
}

static enum meth default_method(const char *v)
{
	if (strchr(v, '/') || strchr(v, '\\'))
		return M_PATH;
	size_t n = strlen(v);
	static const char *const exts[] = {".sql", ".py", ".csv"};
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t k = strlen(exts[i]);
		if (n >= k && str_casecmp(v + n - k, exts[i]) == 0)
			return M_FILE;
	}
	return M_FQN;
}

/* Set method (+ argument) from "name[.arg...]"; mlen = length of that. */
static int set_method(struct ctx *x, struct crit *c, const char *raw, const char *m, size_t mlen)
{
	const char *dot = memchr(m, '.', mlen);
	size_t base = dot ? (size_t)(dot - m) : mlen;
	int rc = lookup_method(x, raw, m, base, &c->method);
	if (rc)
		return rc;
	c->mname = methods[0].name;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (methods[i].m == c->method)
			c->mname = methods[i].name;
	if (dot) {
		if (c->method != M_CONFIG)
			return bad(x, raw, "the '%s' method takes no arguments", c->mname);
		if (dot + 1 == m + mlen)
			return bad(x, raw, "%s", "config. needs a key, e.g. config.materialized:table");
		c->arg = xstrndup(dot + 1, mlen - base - 1);
	} else if (c->method == M_CONFIG) {
		return bad(x, raw, "%s", "config needs a key, e.g. config.materialized:table");
	}
	return 0;
}

static int parse_depth(const char *s, size_t n)
{
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > INT_MAX / 2)
			return INT_MAX / 2;
	}
	return (int)v;
}

/* One CLI criterion: [@][N+][method:]value[+N]. raw is NUL-terminated. */
static int parse_crit(struct ctx *x, const char *raw, enum graph_indirect mode, struct crit *c)
{
	memset(c, 0, sizeof(*c));
	c->raw = raw;
	c->mode = mode;
	c->pdepth = c->cdepth = -1;
	const char *p = raw, *end = raw + strlen(raw);
	if (*p == '@') {
		c->cp = true;
		p++;
	}
	const char *d = p;
	while (d < end && isdigit((unsigned char)*d))
		d++;
	if (d < end && *d == '+') {
		c->parents = true;
		if (d > p)
			c->pdepth = parse_depth(p, (size_t)(d - p));
		p = d + 1;
	}
	/* suffix: +N at the very end */
	const char *q = end;
	while (q > p && isdigit((unsigned char)q[-1]))
		q--;
	const char *vend = end;
	if (q > p && q[-1] == '+') {
		c->children = true;
		if (q < end)
			c->cdepth = parse_depth(q, (size_t)(end - q));
		vend = q - 1;
	}
	if (c->cp && c->children)
		return bad(x, raw, "%s", "\"@\" prefix and \"+\" suffix are incompatible");
	/* method: [\w.]+ followed by ':' */
	const char *m = p;
	while (m < vend && (isalnum((unsigned char)*m) || *m == '_' || *m == '.'))
		m++;
	const char *value = p;
	if (m > p && m < vend && *m == ':') {
		int rc = set_method(x, c, raw, p, (size_t)(m - p));
		if (rc)
			return rc;
		value = m + 1;
	}
	if (value >= vend)
		return bad(x, raw, "%s", "no value to select by");
	/* A bare name never holds '+' or '@': "fct+orders" is a typo of an
	 * operator. After an explicit method any text is a value (dbt takes
	 * config.meta.owner:ana@shop.com as written). */
	for (const char *s = value; value == p && s < vend; s++)
		if (*s == '+' || *s == '@')
			return bad(x, raw, "misplaced graph operator '%c'", *s);
	c->value = xstrndup(value, (size_t)(vend - value));
	if (value == p) {
		c->method = default_method(c->value);
		c->mname = c->method == M_PATH ? "path" : c->method == M_FILE ? "file" : "fqn";
	}
	return 0;
}

/* ---------------------------------------------------------------- method matching */

struct slice {
	const char *s;
	size_t n;
};

static bool slice_eq(struct slice a, struct slice b)
{
	return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

static bool has_glob(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == ']')
			return true;
	return false;
}

/* Selector pre-split for fqn matching. */
struct fqnsel {
	const char *whole;
	struct slice *parts;
	size_t nparts;
	size_t slurp; /* index of the first part with a wildcard, or nparts */
	const char *rest; /* the selector from part `slurp` on */
};

static void fqnsel_init(struct fqnsel *f, const char *sel)
{
	f->whole = sel;
	f->nparts = 1;
	for (const char *s = sel; *s; s++)
		f->nparts += *s == '.';
	f->parts = xmalloc(f->nparts * sizeof(*f->parts));
	size_t k = 0;
	const char *start = sel;
	for (const char *s = sel;; s++)
		if (*s == '.' || !*s) {
			f->parts[k++] = (struct slice){start, (size_t)(s - start)};
			if (!*s)
				break;
			start = s + 1;
		}
	f->slurp = f->nparts;
	f->rest = NULL;
	for (size_t i = 0; i < f->nparts; i++)
		if (has_glob(f->parts[i].s, f->parts[i].n)) {
			f->slurp = i;
			f->rest = f->parts[i].s;
			break;
		}
}

/* dbt's is_selected_node over fqn[0..n). */
static bool fqn_selected(const char *const *fqn, size_t n, const struct fqnsel *f, struct buf *tmp)
{
	if (!n)
		return false;
	if (strcmp(fqn[n - 1], f->whole) == 0)
		return true;
	/* flatten: dots inside segments separate too */
	struct slice flat_small[32], *flat = flat_small;
	size_t nflat = 0, cap = ARRAY_SIZE(flat_small);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		const char *start = fqn[i];
		for (const char *s = fqn[i];; s++)
			if (*s == '.' || !*s) {
				if (nflat == cap) {
					size_t nc = cap * 2;
					struct slice *nf = xmalloc(nc * sizeof(*nf));
					memcpy(nf, flat, nflat * sizeof(*nf));
					if (flat != flat_small)
						free(flat);
					flat = nf;
					cap = nc;
				}
				flat[nflat++] = (struct slice){start, (size_t)(s - start)};
				if (!*s)
					break;
				start = s + 1;
			}
	}
	if (nflat < f->nparts) {
		ok = false;
		goto out;
	}
	for (size_t i = 0; i < f->slurp; i++)
		if (!slice_eq(flat[i], f->parts[i])) {
			ok = false;
			goto out;
		}
	if (f->slurp < f->nparts) {
		buf_reset(tmp);
		for (size_t i = f->slurp; i < nflat; i++) {
			if (i > f->slurp)
				buf_putc(tmp, '.');
			buf_add(tmp, flat[i].s, flat[i].n);
		}
		ok = graph__fnmatch(f->rest, buf_cstr(tmp));
	}
out:
	if (flat != flat_small)
		free(flat);
	return ok;
}

/* Glob pattern segments against path segments; "**" spans any number. */
static bool seg_match(struct slice *pat, size_t np, struct slice *path, size_t ns, struct buf *a,
		      struct buf *b)
{
	if (np == 0)
		return ns == 0;
	if (pat[0].n == 2 && memcmp(pat[0].s, "**", 2) == 0) {
		if (seg_match(pat + 1, np - 1, path, ns, a, b))
			return true;
		return ns > 0 && seg_match(pat, np, path + 1, ns - 1, a, b);
	}
	if (ns == 0)
		return false;
	buf_reset(a);
	buf_add(a, pat[0].s, pat[0].n);
	buf_reset(b);
	buf_add(b, path[0].s, path[0].n);
	if (!graph__fnmatch(buf_cstr(a), buf_cstr(b)))
		return false;
	return seg_match(pat + 1, np - 1, path + 1, ns - 1, a, b);
}

static size_t split_path(const char *p, struct slice *out, size_t max)
{
	size_t n = 0;
	while (*p && n < max) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		if (!(p - s == 1 && *s == '.'))
			out[n++] = (struct slice){s, (size_t)(p - s)};
	}
	return n;
}

#define MAX_SEGS 128

/* path: matches the file itself or any folder above it. */
static bool path_matches(struct slice *pat, size_t np, const char *path, bool ancestors,
			 struct buf *a, struct buf *b)
{
	if (!path)
		return false;
	const char *sep = strstr(path, "://"); /* dbt patch paths: "pkg://models/x.yml" */
	if (sep)
		path = sep + 3;
	struct slice segs[MAX_SEGS];
	size_t ns = split_path(path, segs, MAX_SEGS);
	if (np == 0) /* "." : the project root, above every file */
		return ancestors || ns == 0;
	for (size_t k = ancestors ? 1 : ns; k <= ns; k++)
		if (seg_match(pat, np, segs, k, a, b))
			return true;
	return false;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool ci_bool(const char *sel, const char *word)
{
	return str_casecmp(sel, word) == 0;
}

static bool config_value_match(const char *key, const char *sel, const char *val)
{
	if (strcmp(sel, val) == 0)
		return true;
	if (strcmp(key, "severity") == 0 && str_casecmp(sel, val) == 0)
		return true;
	if (ci_bool(sel, "true") && ci_bool(val, "true"))
		return true;
	if (ci_bool(sel, "false") && ci_bool(val, "false"))
		return true;
	return false;
}

static bool config_match(const struct graph_node *n, const char *key, const char *sel)
{
	bool found = false;
	for (size_t i = 0; i < n->nconfig; i++)
		if (strcmp(n->config[i].key, key) == 0) {
			found = true;
			if (config_value_match(key, sel, n->config[i].val))
				return true;
		}
	if (found)
		return false;
	if (strcmp(key, "materialized") == 0 && n->materialized)
		return strcmp(sel, n->materialized) == 0;
	if (strcmp(key, "enabled") == 0)
		return config_value_match(key, sel, n->disabled ? "false" : "true");
	if (strcmp(key, "tags") == 0) {
		for (size_t i = 0; i < n->ntags; i++)
			if (strcmp(n->tags[i], sel) == 0)
				return true;
		return false;
	}
	if (strcmp(key, "group") == 0 && n->group)
		return strcmp(sel, n->group) == 0;
	return false;
}

static bool str_eq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

enum statecheck {
	S_NEW,
	S_OLD,
	S_MODIFIED,
	S_UNMODIFIED,
	S_BODY,
	S_CONFIGS,
	S_DESCRIPTIONS,
	S_RELATION,
	S_MACROS,
	S_CONTRACT,
};

static bool state_modified(const struct graph_node *n, const struct graph_fp *old)
{
	if (!old)
		return true;
	return !str_eq_null(n->fp.body, old->body) || !str_eq_null(n->fp.configs, old->configs) ||
	       !str_eq_null(n->fp.descriptions, old->descriptions) ||
	       !str_eq_null(n->fp.relation, old->relation) ||
	       !str_eq_null(n->fp.contract, old->contract) || n->macros_modified;
}

static bool state_check(enum statecheck k, const struct graph_node *n, const struct graph_fp *old)
{
	switch (k) {
	case S_NEW:
		return !old;
	case S_OLD:
		return old != NULL;
	case S_MODIFIED:
		return state_modified(n, old);
	case S_UNMODIFIED:
		return old && !state_modified(n, old);
	case S_BODY:
		return !old || !str_eq_null(n->fp.body, old->body);
	case S_CONFIGS:
		return !old || !str_eq_null(n->fp.configs, old->configs);
	case S_DESCRIPTIONS:
		return !old || !str_eq_null(n->fp.descriptions, old->descriptions);
	case S_RELATION:
		return !old || !str_eq_null(n->fp.relation, old->relation);
	case S_MACROS:
		return n->macros_modified;
	case S_CONTRACT:
		return !old || !str_eq_null(n->fp.contract, old->contract);
	}
	return false;
}

/* Split "a.b.c" into at most 3 parts; returns the count or -1 (too many). */
static int split_dots(const char *v, char parts[3][256])
{
	int k = 0;
	const char *start = v;
	for (const char *s = v;; s++)
		if (*s == '.' || !*s) {
			if (k == 3)
				return -1;
			size_t len = (size_t)(s - start);
			if (len >= 256)
				len = 255;
			memcpy(parts[k], start, len);
			parts[k][len] = 0;
			k++;
			if (!*s)
				break;
			start = s + 1;
		}
	return k;
}

/* The nodes a criterion's method matches, among enabled nodes. */
static int match_method(struct ctx *x, const struct crit *c, struct graph_set *out)
{
	struct graph *g = x->g;
	const struct graph_set *live = &g->live;
	struct buf t1 = BUF_INIT, t2 = BUF_INIT;
	struct fqnsel fs = {0};
	struct slice pat[MAX_SEGS];
	size_t np = 0;
	char parts[3][256];
	int nparts = 0, rc = 0;
	enum graph_rtype rt = GRAPH_MODEL;
	bool rt_known = true;
	enum statecheck sk = S_NEW;
	enum graph_test_kind tk1 = GRAPH_TEST_NONE, tk2 = GRAPH_TEST_NONE;
	bool want_unit = false;
	const char *v = c->value;

	switch (c->method) {
	case M_FQN:
		fqnsel_init(&fs, v);
		break;
	case M_PATH: {
		const char *pv = v;
		while (pv[0] == '.' && pv[1] == '/')
			pv += 2;
		np = split_path(pv, pat, MAX_SEGS);
		if (v[0] == '/') /* dbt: pathlib refuses absolute patterns */
			return bad(x, c->raw, "%s", "path: takes a path relative to the project root");
		break;
	}
	case M_SOURCE:
		nparts = split_dots(v, parts);
		if (nparts < 0)
			return bad(x, c->raw,
				   "invalid source selector value '%s' (expected source_name, "
				   "source_name.table_name or package.source_name.table_name)",
				   v);
		break;
	case M_EXPOSURE:
	case M_METRIC:
	case M_SEMANTIC_MODEL:
	case M_SAVED_QUERY:
		nparts = split_dots(v, parts);
		if (nparts < 0 || nparts > 2)
			return bad(x, c->raw, "invalid value '%s' (expected name or package.name)", v);
		break;
	case M_RESOURCE_TYPE:
		if (graph_rtype_parse(v, &rt) < 0) {
			static const char *const other[] = {"rpc", "sql_operation", "doc", "macro",
							    "group", "fixture"};
			rt_known = false;
			bool ok = false;
			for (size_t i = 0; i < ARRAY_SIZE(other); i++)
				ok |= strcmp(v, other[i]) == 0;
			if (!ok)
				return bad(x, c->raw, "invalid resource_type '%s'", v);
		}
		break;
	case M_TEST_TYPE:
		if (!strcmp(v, "generic") || !strcmp(v, "schema"))
			tk1 = GRAPH_TEST_GENERIC;
		else if (!strcmp(v, "singular"))
			tk1 = GRAPH_TEST_SINGULAR;
		else if (!strcmp(v, "data"))
			tk1 = GRAPH_TEST_GENERIC, tk2 = GRAPH_TEST_SINGULAR;
		else if (!strcmp(v, "unit"))
			want_unit = true;
		else
			return bad(x, c->raw,
				   "invalid test type '%s' (expected generic, singular, data or unit)",
				   v);
		break;
	case M_STATE: {
		static const struct {
			const char *name;
			enum statecheck k;
		} st[] = {
			{"new", S_NEW},
			{"old", S_OLD},
			{"modified", S_MODIFIED},
			{"unmodified", S_UNMODIFIED},
			{"modified.body", S_BODY},
			{"modified.configs", S_CONFIGS},
			{"modified.persisted_descriptions", S_DESCRIPTIONS},
			{"modified.relation", S_RELATION},
			{"modified.macros", S_MACROS},
			{"modified.contract", S_CONTRACT},
		};
		bool ok = false;
		for (size_t i = 0; i < ARRAY_SIZE(st); i++)
			if (strcmp(v, st[i].name) == 0) {
				sk = st[i].k;
				ok = true;
			}
		if (!ok)
			return bad(x, c->raw,
				   "invalid state '%s' (expected new, old, modified, unmodified or "
				   "modified.body/configs/persisted_descriptions/relation/macros/"
				   "contract)",
				   v);
		if (!x->o->state)
			return bad(x, c->raw, "%s",
				   "a state: selector needs a comparison manifest (--state DIR)");
		break;
	}
	case M_RESULT:
		if (!x->o->results)
			return bad(x, c->raw, "%s",
				   "a result: selector needs the previous run_results.json (--state DIR)");
		break;
	case M_PACKAGE:
		if (strcmp(v, "this") == 0 && x->o->root_package)
			v = x->o->root_package;
		break;
	default:
		break;
	}

	for (uint32_t i = graph_set_next(live, 0); i != GRAPH_NONE; i = graph_set_next(live, i + 1)) {
		const struct graph_node *n = &g->nodes[i];
		bool hit = false;
		switch (c->method) {
		case M_FQN:
			/* dbt matches names against manifest.nodes only: not sources,
			 * nor the semantic layer (metric:, semantic_model:, saved_query:) */
			if (n->type == GRAPH_SOURCE || n->type == GRAPH_METRIC ||
			    n->type == GRAPH_SEMANTIC_MODEL || n->type == GRAPH_SAVED_QUERY)
				break;
			hit = fqn_selected(n->fqn, n->nfqn, &fs, &t1) ||
			      (n->nfqn > 1 && fqn_selected(n->fqn + 1, n->nfqn - 1, &fs, &t1));
			break;
		case M_TAG:
			for (size_t k = 0; k < n->ntags && !hit; k++)
				hit = graph__fnmatch(v, n->tags[k]);
			break;
		case M_GROUP:
			hit = n->group && n->type != GRAPH_SOURCE && n->type != GRAPH_EXPOSURE &&
			      strcmp(v, n->group) == 0;
			break;
		case M_ACCESS:
			hit = n->type == GRAPH_MODEL && n->access && strcmp(v, n->access) == 0;
			break;
		case M_SOURCE:
			if (n->type != GRAPH_SOURCE || !n->source_name)
				break;
			if (nparts == 3)
				hit = graph__fnmatch(parts[0], n->package) &&
				      graph__fnmatch(parts[1], n->source_name) &&
				      graph__fnmatch(parts[2], n->name);
			else
				hit = graph__fnmatch(parts[0], n->source_name) &&
				      (nparts == 1 || graph__fnmatch(parts[1], n->name));
			break;
		case M_EXPOSURE:
		case M_METRIC:
		case M_SEMANTIC_MODEL:
		case M_SAVED_QUERY:
			if (n->type != (c->method == M_EXPOSURE	      ? GRAPH_EXPOSURE
					: c->method == M_METRIC	      ? GRAPH_METRIC
					: c->method == M_SEMANTIC_MODEL ? GRAPH_SEMANTIC_MODEL
									: GRAPH_SAVED_QUERY))
				break;
			hit = nparts == 2 ? graph__fnmatch(parts[0], n->package) &&
						    graph__fnmatch(parts[1], n->name)
					  : graph__fnmatch(parts[0], n->name);
			break;
		case M_PATH:
			hit = path_matches(pat, np, n->path, true, &t1, &t2) ||
			      path_matches(pat, np, n->patch_path, false, &t1, &t2);
			break;
		case M_FILE: /* the file name, or its stem (name without the last suffix) */
			if (!n->path)
				break;
			hit = graph__fnmatch(v, base_name(n->path));
			if (!hit) {
				const char *bn = base_name(n->path), *dot = strrchr(bn, '.');
				if (dot && dot > bn) {
					buf_reset(&t1);
					buf_add(&t1, bn, (size_t)(dot - bn));
					hit = graph__fnmatch(v, buf_cstr(&t1));
				}
			}
			break;
		case M_PACKAGE:
			hit = graph__fnmatch(v, n->package);
			break;
		case M_CONFIG:
			hit = config_match(n, c->arg, v);
			break;
		case M_TEST_NAME:
			hit = n->type == GRAPH_TEST && n->test_kind == GRAPH_TEST_GENERIC &&
			      n->test_name && graph__fnmatch(v, n->test_name);
			break;
		case M_TEST_TYPE:
			hit = want_unit ? n->type == GRAPH_UNIT_TEST
					: n->type == GRAPH_TEST &&
						  (n->test_kind == tk1 || (tk2 && n->test_kind == tk2));
			break;
		case M_RESOURCE_TYPE:
			hit = rt_known && n->type == rt;
			break;
		case M_STATE: {
			const struct graph_fp *old = strmap_get(&x->o->state->ids, n->unique_id);
			hit = state_check(sk, n, old);
			break;
		}
		case M_RESULT: {
			const char *status = strmap_get(x->o->results, n->unique_id);
			hit = status && strcmp(status, v) == 0;
			break;
		}
		case M_UNSUPPORTED:
			break;
		}
		if (hit)
			graph_set_add(out, i);
	}
	free(fs.parts);
	buf_free(&t1);
	buf_free(&t2);
	return rc;
}

/* ---------------------------------------------------------------- set algebra */

struct sel {
	struct graph_set direct; /* selected */
	struct graph_set all;    /* selected + tests waiting for more parents */
};

static void sel_init(struct ctx *x, struct sel *s)
{
	graph_set_init(&s->direct, x->n);
	graph_set_init(&s->all, x->n);
}

static void sel_free(struct sel *s)
{
	graph_set_free(&s->direct);
	graph_set_free(&s->all);
}

static bool can_select_indirectly(const struct graph_node *n)
{
	return n->type == GRAPH_TEST || n->type == GRAPH_UNIT_TEST;
}

static bool in_manifest_nodes(const struct graph_node *n)
{
	return n->type != GRAPH_SOURCE && n->type != GRAPH_EXPOSURE && n->type != GRAPH_METRIC &&
	       n->type != GRAPH_SEMANTIC_MODEL && n->type != GRAPH_SAVED_QUERY;
}

static bool parents_within(struct graph *g, uint32_t v, const struct graph_set *s)
{
	const struct graph__adj *p = &g->par[v];
	for (uint32_t k = 0; k < p->len; k++)
		if (!graph_set_has(s, p->v[k]))
			return false;
	return true;
}

/* dbt's expand_selection: tests directly below the selection. */
static void expand(struct ctx *x, const struct graph_set *selected, enum graph_indirect mode,
		   struct sel *out)
{
	struct graph *g = x->g;
	struct graph_set sp = GRAPH_SET_INIT, indirect = GRAPH_SET_INIT;
	graph_set_copy(&out->direct, selected);
	graph_set_init(&indirect, x->n);
	if (mode == GRAPH_INDIRECT_BUILDABLE) {
		graph_set_init(&sp, x->n);
		graph_set_union(&sp, selected);
		graph__walk(g, selected, -1, true, &g->live, &sp);
		for (uint32_t i = 0; i < x->n; i++)
			if (g->nodes[i].type == GRAPH_SOURCE)
				graph_set_add(&sp, i);
	}
	for (uint32_t v = graph_set_next(selected, 0); v != GRAPH_NONE;
	     v = graph_set_next(selected, v + 1)) {
		const struct graph__adj *ch = &g->chi[v];
		for (uint32_t k = 0; k < ch->len; k++) {
			uint32_t t = ch->v[k];
			if (!graph_set_has(&g->live, t) || !can_select_indirectly(&g->nodes[t]) ||
			    graph_set_has(&out->direct, t))
				continue;
			if (mode == GRAPH_INDIRECT_EAGER || parents_within(g, t, selected))
				graph_set_add(&out->direct, t);
			else if (mode == GRAPH_INDIRECT_BUILDABLE && parents_within(g, t, &sp))
				graph_set_add(&out->direct, t);
			else
				graph_set_add(&indirect, t);
		}
	}
	graph_set_copy(&out->all, &out->direct);
	graph_set_union(&out->all, &indirect);
	graph_set_free(&indirect);
	graph_set_free(&sp);
}

/* dbt's incorporate_indirect_nodes: s->direct gains waiting tests whose
 * parents are all selected now. */
static void incorporate(struct ctx *x, struct sel *s, enum graph_indirect mode)
{
	struct graph *g = x->g;
	if (graph_set_equal(&s->direct, &s->all))
		return;
	if (mode == GRAPH_INDIRECT_CAUTIOUS) {
		for (uint32_t v = graph_set_next(&s->all, 0); v != GRAPH_NONE;
		     v = graph_set_next(&s->all, v + 1))
			if (!graph_set_has(&s->direct, v) && in_manifest_nodes(&g->nodes[v]) &&
			    parents_within(g, v, &s->direct))
				graph_set_add(&s->direct, v);
	} else if (mode == GRAPH_INDIRECT_BUILDABLE) {
		struct graph_set sp = GRAPH_SET_INIT;
		graph_set_copy(&sp, &s->direct);
		graph__walk(g, &s->direct, -1, true, &g->live, &sp);
		for (uint32_t v = graph_set_next(&s->all, 0); v != GRAPH_NONE;
		     v = graph_set_next(&s->all, v + 1))
			if (!graph_set_has(&s->direct, v) && in_manifest_nodes(&g->nodes[v]) &&
			    parents_within(g, v, &sp))
				graph_set_add(&s->direct, v);
		graph_set_free(&sp);
	}
}

/* A criterion: method, graph operators, indirect tests. */
static int eval_crit(struct ctx *x, const struct crit *c, struct sel *out)
{
	struct graph *g = x->g;
	struct graph_set collected = GRAPH_SET_INIT, selected = GRAPH_SET_INIT;
	graph_set_init(&collected, x->n);
	int rc = match_method(x, c, &collected);
	if (rc)
		goto done;
	graph_set_copy(&selected, &collected);
	if (c->cp) {
		/* @: the descendants, and every ancestor of them and of the selection */
		struct graph_set base = GRAPH_SET_INIT;
		graph_set_copy(&base, &collected);
		graph__walk(g, &collected, -1, false, &g->live, &base);
		graph_set_union(&selected, &base);
		graph__walk(g, &base, -1, true, &g->live, &selected);
		graph_set_free(&base);
	}
	if (c->parents)
		graph__walk(g, &collected, c->pdepth, true, &g->live, &selected);
	if (c->children)
		graph__walk(g, &collected, c->cdepth, false, &g->live, &selected);
	if (c->mode == GRAPH_INDIRECT_EMPTY) {
		graph_set_copy(&out->direct, &selected);
		graph_set_copy(&out->all, &selected);
	} else {
		expand(x, &selected, c->mode, out);
	}
done:
	graph_set_free(&collected);
	graph_set_free(&selected);
	return rc;
}

enum combine { C_UNION, C_INTERSECT, C_DIFF };

/* acc (op)= part, on both halves. first: acc is empty and takes part. */
static void combine(struct sel *acc, const struct sel *part, enum combine op, bool first)
{
	if (first || op == C_UNION) {
		graph_set_union(&acc->direct, &part->direct);
		graph_set_union(&acc->all, &part->all);
	} else if (op == C_INTERSECT) {
		graph_set_intersect(&acc->direct, &part->direct);
		graph_set_intersect(&acc->all, &part->all);
	} else {
		graph_set_subtract(&acc->direct, &part->direct);
		graph_set_subtract(&acc->all, &part->all);
	}
}

/* "a,b,c": an intersection of criteria. token is NUL-terminated, writable. */
static int eval_token(struct ctx *x, char *token, enum graph_indirect mode, struct sel *out)
{
	int rc = 0;
	char *raw = xstrdup(token);
	bool first = true;
	char *p = token;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (!*p) {
			rc = bad(x, raw, "%s", "empty criterion around ','");
			break;
		}
		struct crit c;
		struct sel part;
		sel_init(x, &part);
		rc = parse_crit(x, p, mode, &c);
		if (!rc)
			rc = eval_crit(x, &c, &part);
		if (!rc)
			combine(out, &part, C_INTERSECT, first);
		first = false;
		crit_free(&c);
		sel_free(&part);
		if (rc || !comma)
			break;
		p = comma + 1;
	}
	if (!rc) {
		incorporate(x, out, mode);
		if (graph_set_count(&out->direct) == 0 && x->o->on_empty)
			x->o->on_empty(x->o->ctx, raw);
	}
	free(raw);
	return rc;
}

/* A union of space-separated tokens from several arguments. */
static int eval_args(struct ctx *x, const char *const *args, size_t nargs,
		     enum graph_indirect mode, struct sel *out)
{
	int rc = 0;
	for (size_t a = 0; a < nargs && !rc; a++) {
		const char *s = args[a] ? args[a] : "";
		while (*s && !rc) {
			while (*s && isspace((unsigned char)*s))
				s++;
			if (!*s)
				break;
			const char *t = s;
			while (*s && !isspace((unsigned char)*s))
				s++;
			char *token = xstrndup(t, (size_t)(s - t));
			struct sel part;
			sel_init(x, &part);
			rc = eval_token(x, token, mode, &part);
			if (!rc)
				combine(out, &part, C_UNION, false);
			sel_free(&part);
			free(token);
		}
	}
	if (!rc)
		incorporate(x, out, mode);
	return rc;
}

static void finish(struct ctx *x, struct sel *s, struct graph_set *out)
{
	graph_set_intersect(&s->direct, &x->g->live);
	if (x->o->types) {
		for (uint32_t i = graph_set_next(&s->direct, 0); i != GRAPH_NONE;
		     i = graph_set_next(&s->direct, i + 1))
			if (!(x->o->types & GRAPH_TYPE_BIT(x->g->nodes[i].type)))
				graph_set_del(&s->direct, i);
	}
	*out = s->direct;
	s->direct = (struct graph_set)GRAPH_SET_INIT;
}

static const struct graph_sel_opts no_opts;

int graph_select(struct graph *g, const char *const *select, size_t nselect,
		 const char *const *exclude, size_t nexclude, const struct graph_sel_opts *o,
		 struct graph_set *out, struct err *e)
{
	graph_seal(g);
	struct ctx x = {g, o ? o : &no_opts, (uint32_t)g->len, e, false};
	struct sel inc, exc;
	int rc;
	*out = (struct graph_set)GRAPH_SET_INIT;
	sel_init(&x, &inc);
	sel_init(&x, &exc);
	if (nselect == 0) {
		graph_set_copy(&inc.direct, &g->live);
		graph_set_copy(&inc.all, &g->live);
		rc = 0;
	} else {
		rc = eval_args(&x, select, nselect, x.o->indirect, &inc);
	}
	if (!rc)
		rc = eval_args(&x, exclude, nexclude, GRAPH_INDIRECT_EAGER, &exc);
	if (!rc) {
		combine(&inc, &exc, C_DIFF, false);
		incorporate(&x, &inc, x.o->indirect);
		finish(&x, &inc, out);
	}
	sel_free(&inc);
	sel_free(&exc);
	return rc;
}

/* ---------------------------------------------------------------- YAML selectors */

#define MAX_DEF_DEPTH 64

static int eval_def(struct ctx *x, const struct graph_seldef *d, int depth, struct sel *out);

static int eval_def_base(struct ctx *x, const struct graph_seldef *d, int depth, struct sel *out)
{
	enum graph_indirect mode = x->o->indirect;
	if (d->indirect_set && (unsigned)d->indirect <= GRAPH_INDIRECT_EMPTY)
		mode = d->indirect;
	int rc = 0;
	switch (d->kind) {
	case GRAPH_SELDEF_CLI: {
		struct crit c;
		if (!d->text)
			return err_set(x->e, ING_EINVAL, "selector definition without a value");
		rc = parse_crit(x, d->text, mode, &c);
		if (!rc)
			rc = eval_crit(x, &c, out);
		crit_free(&c);
		return rc;
	}
	case GRAPH_SELDEF_METHOD: {
		struct crit c;
		memset(&c, 0, sizeof(c));
		const char *v = d->value;
		struct buf raw = BUF_INIT;
		buf_printf(&raw, "%s%s%s", d->method ? d->method : "", d->method ? ":" : "",
			   v ? v : "");
		c.raw = buf_cstr(&raw);
		c.mode = mode;
		c.cp = d->childrens_parents;
		c.parents = d->parents;
		c.children = d->children;
		c.pdepth = d->parents_depth > 0 ? d->parents_depth : -1;
		c.cdepth = d->children_depth > 0 ? d->children_depth : -1;
		if (!v || !*v)
			rc = bad(x, c.raw, "%s", "no value to select by");
		else if (c.cp && c.children)
			rc = bad(x, c.raw, "%s", "\"childrens_parents\" and \"children\" are incompatible");
		if (!rc) {
			c.value = xstrdup(v);
			if (d->method && *d->method)
				rc = set_method(x, &c, c.raw, d->method, strlen(d->method));
			else
				c.method = default_method(v);
		}
		if (!rc)
			rc = eval_crit(x, &c, out);
		crit_free(&c);
		buf_free(&raw);
		return rc;
	}
	case GRAPH_SELDEF_UNION:
	case GRAPH_SELDEF_INTERSECTION: {
		enum combine op = d->kind == GRAPH_SELDEF_UNION ? C_UNION : C_INTERSECT;
		for (size_t i = 0; i < d->nitems && !rc; i++) {
			struct sel part;
			sel_init(x, &part);
			rc = d->items[i] ? eval_def(x, d->items[i], depth + 1, &part)
					 : err_set(x->e, ING_EINVAL, "empty selector definition");
			if (!rc)
				combine(out, &part, op, i == 0);
			sel_free(&part);
		}
		if (!rc)
			incorporate(x, out, mode);
		return rc;
	}
	}
	return err_set(x->e, ING_EINVAL, "unknown selector definition kind");
}

static int eval_def(struct ctx *x, const struct graph_seldef *d, int depth, struct sel *out)
{
	if (depth > MAX_DEF_DEPTH)
		return err_set(x->e, ING_ELIMIT, "selector definition nested too deeply");
	int rc = eval_def_base(x, d, depth, out);
	if (!rc && d->exclude) {
		struct sel ex;
		sel_init(x, &ex);
		rc = eval_def(x, d->exclude, depth + 1, &ex);
		if (!rc) {
			combine(out, &ex, C_DIFF, false);
			incorporate(x, out, x->o->indirect);
		}
		sel_free(&ex);
	}
	if (rc && d->where && !x->located && x->e && x->e->code) {
		err_prefix(x->e, "%s", d->where);
		x->located = true;
	}
	return rc;
}

int graph_select_def(struct graph *g, const struct graph_seldef *def,
		     const struct graph_sel_opts *o, struct graph_set *out, struct err *e)
{
	graph_seal(g);
	struct ctx x = {g, o ? o : &no_opts, (uint32_t)g->len, e, false};
	struct sel s;
	*out = (struct graph_set)GRAPH_SET_INIT;
	sel_init(&x, &s);
	int rc = def ? eval_def(&x, def, 0, &s) : err_set(e, ING_EINVAL, "empty selector definition");
	if (!rc)
		finish(&x, &s, out);
	sel_free(&s);
	return rc;
}
