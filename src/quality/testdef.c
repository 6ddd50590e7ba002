/*
 * quality/testdef.c — parsing test entries and naming them as dbt does.
 *
 * dbt derives a generic test's name and id from Python values: str() of
 * each argument for the name, repr() of a sorted dict of str()s for the id
 * hash. We reproduce those two renderings for the values YAML can hold
 * (strings, PyYAML-typed scalars, lists, mappings); nothing else reaches a
 * test's arguments. PyYAML types unquoted scalars by YAML 1.1 (yes/no/on/off
 * are booleans), which is why quality_py_str does not use yscalar_bool.
 *
 * MD5 comes from libcrypto (already linked for sha256 elsewhere); the hash
 * must equal Python's hashlib.md5 hexdigest, so no other digest would do.
 */
#include "quality/quality.h"
#include "core/digest.h"
#include "core/dtoa.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void quality_py_repr_str(struct buf *b, const char *s)
{
	bool has_sq = strchr(s, '\'') != NULL, has_dq = strchr(s, '"') != NULL;
	char q = has_sq && !has_dq ? '"' : '\'';
	buf_putc(b, q);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c == '\\')
			buf_puts(b, "\\\\");
		else if (c == (unsigned char)q)
			buf_printf(b, "\\%c", q);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\r')
			buf_puts(b, "\\r");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, q);
}

static bool word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(*words, s, n))
			return true;
	return false;
}

const char *quality_py_str(const struct ynode *n, struct arena *a)
{
	static const char *const t_words[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					      "on", "On", "ON", NULL};
	static const char *const f_words[] = {"false", "False", "FALSE", "no", "No", "NO",
					      "off", "Off", "OFF", NULL};
	static const char *const n_words[] = {"null", "Null", "NULL", "~", NULL};
	if (!n || n->type == Y_NULL)
		return "None";
	if (n->type != Y_SCALAR)
		return "";
	if (n->quoted)
		return arena_strndup(a, n->str, n->len);
	if (n->len == 0 || word_in(n->str, n->len, n_words))
		return "None";
	if (word_in(n->str, n->len, t_words))
		return "True";
	if (word_in(n->str, n->len, f_words))
		return "False";
	char *txt = arena_strndup(a, n->str, n->len), *end;
	const char *p = txt;
	if (*p == '-' || *p == '+')
		p++;
	if (isdigit((unsigned char)*p) && strspn(p, "0123456789_") == strlen(p)) {
		errno = 0;
		long long v = strtoll(txt, &end, 10);
		if (!errno && !*end)
			return arena_printf(a, "%lld", v);
		return txt;
	}
	if ((isdigit((unsigned char)*p) || *p == '.') && strspn(p, "0123456789.eE+-") == strlen(p) &&
	    strchr(p, '.')) {
		errno = 0;
		double d = strtod(txt, &end);
		if (!errno && !*end)
			{
			char tmp[DTOA_BUFSZ];
			dtoa_repr(d, tmp);
			return arena_strdup(a, tmp);
		}
	}
	return txt;
}

/* repr(get_hashable_md(v)) of one YAML value. */
static void repr_node(struct buf *b, const struct ynode *n, struct arena *a)
{
	if (n && n->type == Y_SEQ) {
		buf_putc(b, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			repr_node(b, n->items[i], a);
		}
		buf_putc(b, ']');
	} else if (n && n->type == Y_MAP) {
		/* keys sorted */
		size_t *ord = xmalloc((n->n + 1) * sizeof(size_t));
		for (size_t i = 0; i < n->n; i++)
			ord[i] = i;
		for (size_t i = 1; i < n->n; i++)
			for (size_t j = i; j > 0; j--) {
				const struct ynode *x = n->keys[ord[j - 1]], *y = n->keys[ord[j]];
				if (strcmp(quality_py_str(x, a), quality_py_str(y, a)) <= 0)
					break;
				size_t t = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = t;
			}
		buf_putc(b, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			quality_py_repr_str(b, quality_py_str(n->keys[ord[i]], a));
			buf_puts(b, ": ");
			repr_node(b, n->items[ord[i]], a);
		}
		buf_putc(b, '}');
		free(ord);
	} else {
		quality_py_repr_str(b, quality_py_str(n, a));
	}
}

static const char *kw_str(const struct qt_kwarg *k, struct arena *a)
{
	return k->str_val ? k->str_val : quality_py_str(k->val, a);
}

static int kw_cmp(const void *x, const void *y)
{
	const struct qt_kwarg *const *a = x, *const *b = y;
	return strcmp((*a)->key, (*b)->key);
}

/* The kwargs sorted by key (pointers into d->kw); caller frees. */
static const struct qt_kwarg **sorted_kw(const struct qt_def *d)
{
	const struct qt_kwarg **s = xmalloc((d->nkw + 1) * sizeof(*s));
	for (size_t i = 0; i < d->nkw; i++)
		s[i] = &d->kw[i];
	qsort(s, d->nkw, sizeof(*s), kw_cmp);
	return s;
}

static void add_clean(struct buf *b, const char *s)
{
	bool in_bad = false;
	for (const char *p = s; *p; p++) {
		bool ok = isalnum((unsigned char)*p) || *p == '_';
		if (ok) {
			buf_putc(b, *p);
			in_bad = false;
		} else if (!in_bad) {
			buf_putc(b, '_');
			in_bad = true;
		}
	}
}

void quality_test_names(const struct qt_def *d, const struct qt_target *t, struct arena *a,
			const char **short_name, const char **full_name)
{
	if (d->user_name) {
		*short_name = *full_name = d->user_name;
		return;
	}
	struct buf id = BUF_INIT, full = BUF_INIT;
	if (d->ns)
		buf_printf(&id, "%s_", d->ns);
	if (t->is_source)
		buf_puts(&id, "source_");
	buf_printf(&id, "%s_%s", d->name, t->name);
	if (t->version > 0 && !t->is_source)
		buf_printf(&id, "_v%d", t->version);
	buf_printf(&full, "%s_", buf_cstr(&id));
	const struct qt_kwarg **s = sorted_kw(d);
	bool first = true;
	for (size_t i = 0; i < d->nkw; i++) {
		const struct qt_kwarg *k = s[i];
		if (!strcmp(k->key, "model"))
			continue;
		const struct ynode *v = k->val;
		if (!k->str_val && v && (v->type == Y_SEQ || v->type == Y_MAP)) {
			for (size_t j = 0; j < v->n; j++) {
				if (!first)
					buf_puts(&full, "__");
				first = false;
				const struct ynode *it = v->items[j];
				if (it && (it->type == Y_SEQ || it->type == Y_MAP)) {
					struct buf r = BUF_INIT;
					repr_node(&r, it, a);
					add_clean(&full, buf_cstr(&r));
					buf_free(&r);
				} else {
					add_clean(&full, quality_py_str(it, a));
				}
			}
		} else {
			if (!first)
				buf_puts(&full, "__");
			first = false;
			add_clean(&full, kw_str(k, a));
		}
	}
	free(s);
	*full_name = arena_strndup(a, buf_cstr(&full), full.len);
	if (full.len >= 64) {
		char md[33];
		digest_md5_hex(full.data, full.len, md);
		*short_name = arena_printf(a, "%.30s_%s", buf_cstr(&id), md);
	} else {
		*short_name = *full_name;
	}
	buf_free(&id);
	buf_free(&full);
}

void quality_test_hash(const struct qt_def *d, const char *full_name, char out[11])
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	buf_puts(&b, full_name);
	buf_puts(&b, "{'kwargs': {");
	const struct qt_kwarg **s = sorted_kw(d);
	for (size_t i = 0; i < d->nkw; i++) {
		if (i)
			buf_puts(&b, ", ");
		quality_py_repr_str(&b, s[i]->key);
		buf_puts(&b, ": ");
		if (s[i]->str_val)
			quality_py_repr_str(&b, s[i]->str_val);
		else
			repr_node(&b, s[i]->val, a);
	}
	free(s);
	buf_puts(&b, "}, 'name': ");
	quality_py_repr_str(&b, d->name);
	buf_puts(&b, ", 'namespace': ");
	quality_py_repr_str(&b, d->ns ? d->ns : "None");
	buf_putc(&b, '}');
	char md[33];
	digest_md5_hex(b.data, b.len, md);
	memcpy(out, md + 22, 10);
	out[10] = 0;
	buf_free(&b);
	arena_free(a);
}

/* ---- parsing a test entry ---- */

static const char *const config_keys[] = {
	"severity", "tags", "enabled", "where", "limit", "warn_if", "error_if", "fail_calc",
	"store_failures", "store_failures_as", "meta", "database", "schema", "alias", NULL,
};

static bool is_config_key(const char *k)
{
	for (const char *const *p = config_keys; *p; p++)
		if (!strcmp(*p, k))
			return true;
	return false;
}

static const char *scalar(const struct ynode *n, struct arena *a)
{
	if (!n || n->type != Y_SCALAR)
		return NULL;
	return arena_strndup(a, n->str, n->len);
}

static int set_config(struct qt_def *d, const char *k, const struct ynode *v, struct arena *a,
		      struct err *e)
{
	if (!v || yscalar_is_null(v))
		return 0;
	if (!strcmp(k, "tags")) {
		d->tags = v;
		return 0;
	}
	if (!strcmp(k, "meta")) {
		d->meta = v;
		return 0;
	}
	if (v->type != Y_SCALAR)
		return yerr(e, v, ING_ECONFIG, "test config '%s' must be a scalar", k);
	const char *s = scalar(v, a);
	if ((strstr(s, "{{") || strstr(s, "{%")) &&
	    (!strcmp(k, "severity") || !strcmp(k, "enabled") || !strcmp(k, "store_failures") ||
	     !strcmp(k, "limit"))) {
		/* Jinja: the host renders it (quality_def's jinja_cfg) */
		if (d->njinja_cfg == sizeof(d->jinja_cfg) / sizeof(d->jinja_cfg[0]))
			return yerr(e, v, ING_ECONFIG, "too many test configs written in Jinja");
		d->jinja_cfg[d->njinja_cfg].key = k;
		d->jinja_cfg[d->njinja_cfg++].val = v;
		return 0;
	}
	if (!strcmp(k, "severity")) {
		char *u = arena_strdup(a, s);
		for (char *p = u; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (strcmp(u, "ERROR") && strcmp(u, "WARN"))
			return yerr(e, v, ING_ECONFIG, "severity must be 'error' or 'warn', not '%s'", s);
		d->severity = u;
	} else if (!strcmp(k, "where")) {
		d->where = s;
	} else if (!strcmp(k, "warn_if")) {
		d->warn_if = s;
	} else if (!strcmp(k, "error_if")) {
		d->error_if = s;
	} else if (!strcmp(k, "fail_calc")) {
		d->fail_calc = s;
	} else if (!strcmp(k, "alias")) {
		d->alias = s;
	} else if (!strcmp(k, "schema")) {
		d->schema = s;
	} else if (!strcmp(k, "database")) {
		d->database = s;
	} else if (!strcmp(k, "limit")) {
		int64_t l;
		if (yscalar_int(v, &l) || l < 0)
			return yerr(e, v, ING_ECONFIG, "limit must be a non-negative integer");
		d->limit = l;
	} else if (!strcmp(k, "store_failures") || !strcmp(k, "enabled")) {
		bool b;
		if (yscalar_bool(v, &b))
			return yerr(e, v, ING_ECONFIG, "%s must be true or false", k);
		if (!strcmp(k, "enabled"))
			d->enabled = b;
		else
			d->store_failures = b;
	} else if (!strcmp(k, "store_failures_as")) {
		/* checked with the other configs of the test node (transform),
		 * so that a bad value fails the test instead of dropping it */
		d->store_failures_as = s;
		d->store_failures_as_node = v;
	}
	return 0;
}

static void add_kw(struct qt_def *d, size_t *cap, struct arena *a, const char *k,
		   const struct ynode *v, const char *sv)
{
	if (d->nkw + 1 > *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct qt_kwarg *n = arena_alloc(a, nc * sizeof(*n));
		if (d->nkw)
			memcpy(n, d->kw, d->nkw * sizeof(*n));
		d->kw = n;
		*cap = nc;
	}
	d->kw[d->nkw++] = (struct qt_kwarg){k, v, sv};
}

static int args_from_map(struct qt_def *d, size_t *cap, const struct ynode *m, struct arena *a,
			 struct err *e)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *k = scalar(m->keys[i], a);
		const struct ynode *v = m->items[i];
		if (!k)
			return yerr(e, m->keys[i], ING_ECONFIG, "test argument names must be strings");
		if (!strcmp(k, "config")) {
			if (v->type != Y_MAP)
				return yerr(e, v, ING_ECONFIG, "a test's config: must be a mapping");
			for (size_t j = 0; j < v->n; j++) {
				const char *ck = scalar(v->keys[j], a);
				if (ck && set_config(d, ck, v->items[j], a, e))
					return ING_ECONFIG;
			}
		} else if (!strcmp(k, "arguments")) {
			if (v->type != Y_MAP)
				return yerr(e, v, ING_ECONFIG, "a test's arguments: must be a mapping");
			if (args_from_map(d, cap, v, a, e))
				return ING_ECONFIG;
		} else if (!strcmp(k, "name")) {
			d->user_name = scalar(v, a);
		} else if (!strcmp(k, "description")) {
			/* recorded by dbt; no effect on the test */
		} else if (is_config_key(k)) {
			if (set_config(d, k, v, a, e))
				return ING_ECONFIG;
		} else if (!strcmp(k, "model")) {
			return yerr(e, m->keys[i], ING_ECONFIG,
				    "a test may not take an argument named 'model'");
		} else {
			add_kw(d, cap, a, k, v, NULL);
		}
	}
	return 0;
}

static bool valid_name(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

int quality_parse_test(const struct ynode *entry, const struct qt_target *t, struct arena *a,
		       struct qt_def *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	out->limit = -1;
	out->store_failures = -1;
	out->enabled = -1;
	out->node = entry;
	size_t cap = 0;
	const char *tname = NULL;
	if (entry->type == Y_SCALAR) {
		tname = scalar(entry, a);
	} else if (entry->type == Y_MAP) {
		const struct ynode *tn = ymap_get(entry, "test_name");
		if (tn) {
			tname = scalar(tn, a);
			for (size_t i = 0; i < entry->n; i++) {
				const char *k = scalar(entry->keys[i], a);
				if (k && !strcmp(k, "test_name"))
					continue;
				struct ynode one = *entry;
				one.n = 1;
				one.keys = &entry->keys[i];
				one.items = &entry->items[i];
				if (args_from_map(out, &cap, &one, a, e))
					return ING_ECONFIG;
			}
		} else {
			if (entry->n != 1)
				return yerr(e, entry, ING_ECONFIG,
					    "a test entry must have exactly one key (the test name), "
					    "found %zu",
					    entry->n);
			tname = scalar(entry->keys[0], a);
			const struct ynode *args = entry->items[0];
			if (args && args->type == Y_MAP) {
				if (args_from_map(out, &cap, args, a, e))
					return ING_ECONFIG;
			} else if (args && !yscalar_is_null(args)) {
				return yerr(e, args, ING_ECONFIG,
					    "the arguments of test '%s' must be a mapping", tname);
			}
		}
	} else {
		return yerr(e, entry, ING_ECONFIG, "a test must be a name or a mapping");
	}
	if (!tname)
		return yerr(e, entry, ING_ECONFIG, "a test name must be a string");
	const char *dot = strchr(tname, '.');
	if (dot) {
		out->ns = arena_strndup(a, tname, (size_t)(dot - tname));
		out->name = arena_strdup(a, dot + 1);
	} else {
		out->name = tname;
	}
	if (!valid_name(out->name) || (out->ns && !valid_name(out->ns)))
		return yerr(e, entry, ING_ECONFIG, "'%s' is not a valid test name", tname);
	if (t->column)
		add_kw(out, &cap, a, "column_name", NULL, t->column);
	const char *model;
	if (t->is_source)
		model = arena_printf(a, "{{ get_where_subquery(source('%s', '%s')) }}",
				     t->source_name, t->table_name);
	else if (t->version > 0)
		model = arena_printf(a, "{{ get_where_subquery(ref('%s', version='%d')) }}",
				     t->name, t->version);
	else
		model = arena_printf(a, "{{ get_where_subquery(ref('%s')) }}", t->name);
	add_kw(out, &cap, a, "model", NULL, model);
	return 0;
}

/* ---- SQL ---- */

static void jinja_str(struct buf *out, const char *s, size_t n)
{
	buf_putc(out, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			buf_putc(out, '\\');
		if (s[i] == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, s[i]);
	}
	buf_putc(out, '\'');
}

static void node_jinja(const struct ynode *n, struct buf *out)
{
	if (!n || n->type == Y_NULL) {
		buf_puts(out, "none");
	} else if (n->type == Y_SEQ) {
		buf_putc(out, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(out, ", ");
			node_jinja(n->items[i], out);
		}
		buf_putc(out, ']');
	} else if (n->type == Y_MAP) {
		buf_putc(out, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(out, ", ");
			node_jinja(n->keys[i], out);
			buf_puts(out, ": ");
			node_jinja(n->items[i], out);
		}
		buf_putc(out, '}');
	} else if (!n->quoted && yscalar_is_null(n)) {
		buf_puts(out, "none");
	} else {
		bool b;
		int64_t i;
		double d;
		if (!n->quoted && !yscalar_bool(n, &b))
			buf_puts(out, b ? "true" : "false");
		else if (!n->quoted && (!yscalar_int(n, &i) || !yscalar_double(n, &d)))
			buf_add(out, n->str, n->len);
		else
			jinja_str(out, n->str, n->len);
	}
}

void quality_kwarg_jinja(const struct qt_kwarg *k, struct buf *out)
{
	if (k->str_val)
		jinja_str(out, k->str_val, strlen(k->str_val));
	else
		node_jinja(k->val, out);
}

void quality_wrap_sql(struct buf *out, const char *main_sql, const char *fail_calc,
		      const char *warn_if, const char *error_if, int64_t limit)
{
	const char *fc = fail_calc && *fail_calc ? fail_calc : "count(*)";
	buf_printf(out,
		   "select\n      %s as failures,\n      %s %s as should_warn,\n"
		   "      %s %s as should_error\n    from (\n      %s\n",
		   fc, fc, warn_if && *warn_if ? warn_if : "!= 0", fc,
		   error_if && *error_if ? error_if : "!= 0", main_sql);
	if (limit >= 0)
		buf_printf(out, "      limit %lld\n", (long long)limit);
	buf_puts(out, "    ) dbt_internal_test");
}

void quality_where_subquery(struct buf *out, const char *relation, const char *where)
{
	if (where && *where)
		buf_printf(out, "(select * from %s where %s) dbt_subquery", relation, where);
	else
		buf_puts(out, relation);
}

enum qt_status quality_status(const char *severity, bool should_warn, bool should_error)
{
	bool warn_sev = severity && !str_casecmp(severity, "warn");
	if (!warn_sev && should_error)
		return QT_FAIL;
	return should_warn ? QT_WARN : QT_PASS;
}
