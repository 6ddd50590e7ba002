/*
 * jinja/builtins.c — Jinja2's built-in filters, tests and globals, the
 * Python methods of str/list/dict that dbt code calls, and Python's
 * `%`-formatting and str.format().
 *
 * Each filter/test is a jinja_fn registered in the env by name at
 * jinja_env_new(), so a host may replace any of them. Behaviour follows
 * Jinja2 3.1's filters.py/tests.py and CPython's str methods.
 *
 * Deliberately not done (dbt projects do not depend on them):
 *   - Unicode: case mapping (value.c) covers Latin, Greek and Cyrillic;
 *     `\w` (wordcount) counts ASCII letters, digits, _ and any non-ASCII
 *     byte run as word characters.
 *   - pprint prints repr() (Python's pprint wraps at 80 columns);
 *   - reverse on a list returns a list (Jinja2 returns an iterator that
 *     prints as <list_reverseiterator ...>; both iterate the same);
 *   - range() returns a list (it prints as a list, not "range(0, 3)").
 */
#include "jinja/jinja_int.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT (c->rt)
#define A(i) (c->args[i])
#define ERR(...) jinja_rt_error(c->rt, ING_EINVAL, __VA_ARGS__)

static struct jinja_value sv(struct jinja_rt *rt, struct buf *b)
{
	return jinja__buf_value(rt, b);
}

/* str(v) as a value (strings are returned as they are). */
static int to_str(struct jinja_rt *rt, struct jinja_value v, struct jinja_value *out)
{
	if (v.type == JINJA_STR) {
		*out = v;
		return 0;
	}
	struct buf b = BUF_INIT;
	int rc = jinja__str(rt, v, &b);
	if (!rc)
		*out = sv(rt, &b);
	buf_free(&b);
	return rc;
}

static bool arg(const struct jinja_call *c, size_t i, const char *name, struct jinja_value *out)
{
	return jinja_call_arg(c, i, name, out) && out->type != JINJA_UNDEFINED;
}

static bool arg_bool(const struct jinja_call *c, size_t i, const char *name, bool dflt)
{
	struct jinja_value v;
	return arg(c, i, name, &v) ? jinja_truthy(v) : dflt;
}

static int arg_int(const struct jinja_call *c, size_t i, const char *name, int64_t dflt, int64_t *out)
{
	struct jinja_value v;
	*out = dflt;
	if (!arg(c, i, name, &v) || v.type == JINJA_NONE)
		return 0;
	if (v.type == JINJA_INT || v.type == JINJA_BOOL) {
		*out = v.type == JINJA_INT ? v.u.i : v.u.b;
		return 0;
	}
	if (v.type == JINJA_FLOAT) {
		if (!isfinite(v.u.f) || fabs(v.u.f) >= 9.2e18)
			return ERR("cannot convert float %g to an integer", v.u.f);
		*out = (int64_t)v.u.f;
		return 0;
	}
	return ERR("'%s' object cannot be interpreted as an integer", jinja_type_name(v));
}

static struct jinja_value lower_ascii(struct jinja_rt *rt, struct jinja_value s, bool up)
{
	return jinja__casemap(rt->arena, s, up ? JCASE_UPPER : JCASE_LOWER);
}

static int iter(const struct jinja_call *c, struct jinja_value v, struct jinja_value *l)
{
	return jinja__iter(c->rt, v, l);
}

/* ------------------------------------------------------------ sorting */

struct skey {
	struct jinja_value key, val;
};

struct sort_ctx {
	struct jinja_rt *rt;
	int rc;
	bool reverse;
};

static int skey_cmp(struct sort_ctx *sc, const struct skey *a, const struct skey *b)
{
	int r = 0;
	if (sc->rc)
		return 0;
	if (jinja__compare(a->key, b->key, &r)) {
		sc->rc = jinja_rt_error(sc->rt, ING_EINVAL, "'<' not supported between instances of '%s' and '%s'",
					jinja_type_name(a->key), jinja_type_name(b->key));
		return 0;
	}
	return sc->reverse ? -r : r;
}

static void msort(struct sort_ctx *sc, struct skey *a, struct skey *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t m = n / 2;
	msort(sc, a, tmp, m);
	msort(sc, a + m, tmp, n - m);
	size_t i = 0, j = m, k = 0;
	while (i < m && j < n)
		tmp[k++] = skey_cmp(sc, &a[j], &a[i]) < 0 ? a[j++] : a[i++];
	while (i < m)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

static int sort_keys(struct jinja_rt *rt, struct skey *k, size_t n, bool reverse)
{
	struct sort_ctx sc = {rt, 0, reverse};
	struct skey *tmp = arena_alloc(rt->arena, (n ? n : 1) * sizeof(*tmp));
	msort(&sc, k, tmp, n);
	return sc.rc;
}

/* Attribute path "a.b.0" as Jinja2's make_attrgetter. */
static int attr_path(struct jinja_rt *rt, struct jinja_value v, struct jinja_value path, struct jinja_value *out)
{
	if (path.type == JINJA_INT)
		return jinja__getitem(rt, v, path, out);
	if (path.type != JINJA_STR) {
		*out = jinja_undefined();
		return 0;
	}
	const char *s = path.u.s, *e = s + path.len;
	while (s <= e) {
		const char *dot = memchr(s, '.', (size_t)(e - s));
		if (!dot)
			dot = e;
		struct jinja_value key;
		bool digits = dot > s;
		for (const char *q = s; q < dot; q++)
			if (!isdigit((unsigned char)*q))
				digits = false;
		if (digits)
			key = jinja_int(strtoll(s, NULL, 10));
		else
			key = jinja_str(rt->arena, s, (size_t)(dot - s));
		int rc = jinja__getitem(rt, v, key, &v);
		if (rc)
			return rc;
		s = dot + 1;
	}
	*out = v;
	return 0;
}

static struct jinja_value fold(struct jinja_rt *rt, struct jinja_value v, bool cs)
{
	return (!cs && v.type == JINJA_STR) ? lower_ascii(rt, v, false) : v;
}

static int keys_of(const struct jinja_call *c, struct jinja_value l, struct jinja_value attr, bool cs,
		   struct skey **out)
{
	struct skey *k = arena_alloc(RT->arena, (l.u.list->len ? l.u.list->len : 1) * sizeof(*k));
	for (uint32_t i = 0; i < l.u.list->len; i++) {
		struct jinja_value v = l.u.list->items[i], key = v;
		if (attr.type != JINJA_UNDEFINED && attr.type != JINJA_NONE) {
			/* attribute may be "a,b" for several keys */
			if (attr.type == JINJA_STR && memchr(attr.u.s, ',', attr.len)) {
				struct jinja_value t = jinja_list_new(RT->arena, 2);
				const char *s = attr.u.s, *e = s + attr.len;
				while (s <= e) {
					const char *cm = memchr(s, ',', (size_t)(e - s));
					if (!cm)
						cm = e;
					struct jinja_value part;
					int rc = attr_path(RT, v, jinja_str(RT->arena, s, (size_t)(cm - s)), &part);
					if (rc)
						return rc;
					jinja_list_push(t, fold(RT, part, cs));
					s = cm + 1;
				}
				key = t;
			} else {
				int rc = attr_path(RT, v, attr, &key);
				if (rc)
					return rc;
			}
		}
		k[i].key = fold(RT, key, cs);
		k[i].val = v;
	}
	*out = k;
	return 0;
}

/* ------------------------------------------------------------ filters */

static int f_abs(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v = A(0);
	if (v.type == JINJA_INT) {
		if (v.u.i == INT64_MIN)
			return ERR("integer overflow in abs");
		*ret = jinja_int(v.u.i < 0 ? -v.u.i : v.u.i);
	} else if (v.type == JINJA_BOOL) {
		*ret = jinja_int(v.u.b);
	} else if (v.type == JINJA_FLOAT) {
		*ret = jinja_float(fabs(v.u.f));
	} else {
		return ERR("bad operand type for abs(): '%s'", jinja_type_name(v));
	}
	return 0;
}

static int f_attr(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value n;
	if (!arg(c, 1, "name", &n) || n.type != JINJA_STR)
		return ERR("attr() needs an attribute name");
	/* Python getattr only: a dict's keys are not attributes */
	struct jinja_value v = A(0);
	if (v.type == JINJA_DICT && !jinja__has_method(v, jinja_str_cstr(RT->arena, n))) {
		*ret = jinja_undefined();
		return 0;
	}
	return jinja__getattr(RT, v, jinja_str_cstr(RT->arena, n), ret);
}

static int f_batch(const struct jinja_call *c, struct jinja_value *ret)
{
	int64_t n = 1;
	struct jinja_value l, fill;
	int rc = arg_int(c, 1, "linecount", 1, &n);
	if (rc || (rc = iter(c, A(0), &l)))
		return rc;
	if (n <= 0)
		return ERR("batch size must be positive");
	bool has_fill = arg(c, 2, "fill_with", &fill);
	struct jinja_value res = jinja_list_new(RT->arena, 4), cur = jinja_undefined();
	for (uint32_t i = 0; i < l.u.list->len; i++) {
		if (cur.type == JINJA_UNDEFINED)
			cur = jinja_list_new(RT->arena, (size_t)(n < 64 ? n : 64));
		jinja_list_push(cur, l.u.list->items[i]);
		if ((int64_t)cur.u.list->len == n) {
			jinja_list_push(res, cur);
			cur = jinja_undefined();
		}
	}
	if (cur.type != JINJA_UNDEFINED) {
		if (has_fill && fill.type != JINJA_NONE)
			while ((int64_t)cur.u.list->len < n)
				jinja_list_push(cur, fill);
		jinja_list_push(res, cur);
	}
	*ret = res;
	return 0;
}

static int f_capitalize(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	*ret = jinja__casemap(RT->arena, s, JCASE_CAPITALIZE);
	return 0;
}

static int pad_center(struct jinja_rt *rt, struct jinja_value s, int64_t width, char fillc, int align,
		      struct jinja_value *ret)
{
	int64_t n = (int64_t)jinja__u8len(s.u.s, s.len);
	if (width <= n) {
		*ret = s;
		return 0;
	}
	if (width > (int64_t)rt->max_out)
		return jinja_rt_error(rt, ING_ELIMIT, "padding width exceeds the output limit");
	int64_t pad = width - n, left;
	if (align < 0)
		left = 0;
	else if (align > 0)
		left = pad;
	else
		left = pad / 2 + (pad & width & 1); /* CPython's center */
	struct buf b = BUF_INIT;
	for (int64_t i = 0; i < left; i++)
		buf_putc(&b, fillc);
	buf_add(&b, s.u.s, s.len);
	for (int64_t i = 0; i < pad - left; i++)
		buf_putc(&b, fillc);
	*ret = jinja__buf_value(rt, &b);
	buf_free(&b);
	return 0;
}

static int f_center(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int64_t w;
	int rc = to_str(RT, A(0), &s);
	if (rc || (rc = arg_int(c, 1, "width", 80, &w)))
		return rc;
	return pad_center(RT, s, w, ' ', 0, ret);
}

static int f_default(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value d;
	if (!jinja_call_arg(c, 1, "default_value", &d))
		d = jinja_str_static("", 0);
	bool boolean = arg_bool(c, 2, "boolean", false);
	struct jinja_value v = A(0);
	*ret = (v.type == JINJA_UNDEFINED || (boolean && !jinja_truthy(v))) ? d : v;
	return 0;
}

static int f_dictsort(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value d = A(0), by;
	if (d.type != JINJA_DICT)
		return ERR("dictsort expects a mapping, got '%s'", jinja_type_name(d));
	bool cs = arg_bool(c, 1, "case_sensitive", false);
	int pos = 0;
	if (arg(c, 2, "by", &by)) {
		if (jinja__is_str(by, "value"))
			pos = 1;
		else if (!jinja__is_str(by, "key"))
			return ERR("You can only sort by either \"key\" or \"value\"");
	}
	bool rev = arg_bool(c, 3, "reverse", false);
	uint32_t n = d.u.dict->len;
	struct skey *k = arena_alloc(RT->arena, (n ? n : 1) * sizeof(*k));
	for (uint32_t i = 0; i < n; i++) {
		struct jinja_value t = jinja_tuple_new(RT->arena, 2);
		t.u.list->items[0] = d.u.dict->ents[i].key;
		t.u.list->items[1] = d.u.dict->ents[i].val;
		k[i].val = t;
		k[i].key = fold(RT, t.u.list->items[pos], cs);
	}
	int rc = sort_keys(RT, k, n, rev);
	if (rc)
		return rc;
	struct jinja_value l = jinja_list_new(RT->arena, n);
	for (uint32_t i = 0; i < n; i++)
		jinja_list_push(l, k[i].val);
	*ret = l;
	return 0;
}

static int f_escape(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s = A(0);
	if (s.flags & JV_SAFE) {
		*ret = s;
		return 0;
	}
	int rc = to_str(RT, s, &s);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	for (uint32_t i = 0; i < s.len; i++) {
		switch (s.u.s[i]) {
		case '&': buf_puts(&b, "&amp;"); break;
		case '<': buf_puts(&b, "&lt;"); break;
		case '>': buf_puts(&b, "&gt;"); break;
		case '"': buf_puts(&b, "&#34;"); break;
		case '\'': buf_puts(&b, "&#39;"); break;
		default: buf_putc(&b, s.u.s[i]);
		}
	}
	*ret = sv(RT, &b);
	ret->flags |= JV_SAFE;
	buf_free(&b);
	return 0;
}

static int f_safe(const struct jinja_call *c, struct jinja_value *ret)
{
	int rc = to_str(RT, A(0), ret);
	ret->flags |= JV_SAFE;
	return rc;
}

static int f_first(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	*ret = l.u.list->len ? l.u.list->items[0] : jinja_undefined();
	return 0;
}

static int f_last(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	*ret = l.u.list->len ? l.u.list->items[l.u.list->len - 1] : jinja_undefined();
	return 0;
}

static bool parse_float(struct jinja_value s, double *out)
{
	char tmp[128];
	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	memcpy(tmp, s.u.s, s.len);
	tmp[s.len] = 0;
	char *p = tmp, *e;
	while (isspace((unsigned char)*p))
		p++;
	/* Python accepts digits with _ between, inf, nan; not hex */
	if (!*p)
		return false;
	for (char *q = p; *q; q++)
		if (*q == 'x' || *q == 'X' || *q == 'p' || *q == 'P')
			return false;
	errno = 0;
	double d = strtod(p, &e);
	if (e == p)
		return false;
	while (isspace((unsigned char)*e))
		e++;
	if (*e)
		return false;
	*out = d;
	return true;
}

static int f_float(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v = A(0), d;
	if (!jinja_call_arg(c, 1, "default", &d))
		d = jinja_float(0.0);
	double f;
	switch (v.type) {
	case JINJA_FLOAT: *ret = v; return 0;
	case JINJA_INT: *ret = jinja_float((double)v.u.i); return 0;
	case JINJA_BOOL: *ret = jinja_float(v.u.b); return 0;
	case JINJA_STR:
		if (parse_float(v, &f)) {
			*ret = jinja_float(f);
			return 0;
		}
		break;
	default: break;
	}
	*ret = d;
	return 0;
}

static bool parse_int(struct jinja_value s, int base, int64_t *out)
{
	char tmp[128];
	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	size_t k = 0;
	for (uint32_t i = 0; i < s.len; i++)
		if (s.u.s[i] != '_')
			tmp[k++] = s.u.s[i];
	tmp[k] = 0;
	char *p = tmp, *e;
	while (isspace((unsigned char)*p))
		p++;
	bool neg = false;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	else if (base == 8 && p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		p += 2;
	else if (base == 2 && p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		p += 2;
	if (!isalnum((unsigned char)*p))
		return false;
	errno = 0;
	unsigned long long u = strtoull(p, &e, base);
	if (errno || e == p)
		return false;
	while (isspace((unsigned char)*e))
		e++;
	if (*e || u > (unsigned long long)INT64_MAX + neg)
		return false;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

static int f_int(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v = A(0), d;
	int64_t base, i;
	if (!jinja_call_arg(c, 1, "default", &d))
		d = jinja_int(0);
	int rc = arg_int(c, 2, "base", 10, &base);
	if (rc)
		return rc;
	double f;
	switch (v.type) {
	case JINJA_INT: *ret = v; return 0;
	case JINJA_BOOL: *ret = jinja_int(v.u.b); return 0;
	case JINJA_FLOAT:
		if (isfinite(v.u.f) && fabs(v.u.f) < 9.2e18) {
			*ret = jinja_int((int64_t)v.u.f);
			return 0;
		}
		break;
	case JINJA_STR:
		if (base >= 2 && base <= 36 && parse_int(v, (int)base, &i)) {
			*ret = jinja_int(i);
			return 0;
		}
		if (parse_float(v, &f) && isfinite(f) && fabs(f) < 9.2e18) {
			*ret = jinja_int((int64_t)f);
			return 0;
		}
		break;
	default: break;
	}
	*ret = d;
	return 0;
}

int jinja__str_format(struct jinja_rt *rt, struct jinja_value fmt, struct jinja_value args, struct jinja_value *out);

static int f_format(const struct jinja_call *c, struct jinja_value *ret)
{
	if (c->nargs > 1 && c->nkwargs)
		return ERR("can't handle positional and keyword arguments at the same time");
	struct jinja_value a;
	if (c->nkwargs) {
		a = jinja_dict_new(RT->arena);
		for (size_t i = 0; i < c->nkwargs; i++)
			jinja_dict_set_str(a, c->kwargs[i].name, c->kwargs[i].value);
	} else {
		a = jinja_tuple_new(RT->arena, c->nargs - 1);
		for (size_t i = 1; i < c->nargs; i++)
			a.u.list->items[i - 1] = A(i);
	}
	struct jinja_value f;
	int rc = to_str(RT, A(0), &f);
	return rc ? rc : jinja__str_format(RT, f, a, ret);
}

static int f_groupby(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, attr, dflt;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	if (!arg(c, 1, "attribute", &attr))
		return ERR("groupby needs an attribute");
	bool has_default = arg(c, 2, "default", &dflt);
	bool cs = arg_bool(c, 3, "case_sensitive", false);
	uint32_t n = l.u.list->len;
	struct skey *k = arena_alloc(RT->arena, (n ? n : 1) * sizeof(*k));
	for (uint32_t i = 0; i < n; i++) {
		struct jinja_value key;
		if ((rc = attr_path(RT, l.u.list->items[i], attr, &key)))
			return rc;
		if (key.type == JINJA_UNDEFINED && has_default)
			key = dflt;
		k[i].key = fold(RT, key, cs);
		k[i].val = l.u.list->items[i];
	}
	if ((rc = sort_keys(RT, k, n, false)))
		return rc;
	struct jinja_value res = jinja_list_new(RT->arena, 4);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		struct jinja_value grp = jinja_list_new(RT->arena, 4);
		while (j < n && jinja_value_eq(k[j].key, k[i].key))
			jinja_list_push(grp, k[j++].val);
		struct jinja_value t = jinja_tuple_new(RT->arena, 2);
		struct jinja_value grouper = k[i].key;
		if (!cs) {
			/* the grouper is the first item's original value */
			if ((rc = attr_path(RT, k[i].val, attr, &grouper)))
				return rc;
			if (grouper.type == JINJA_UNDEFINED && has_default)
				grouper = dflt;
		}
		t.u.list->items[0] = grouper;
		t.u.list->items[1] = grp;
		t.flags |= JV_GROUP;
		jinja_list_push(res, t);
		i = j;
	}
	*ret = res;
	return 0;
}

static int f_indent(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s, w;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	struct buf ind = BUF_INIT, b = BUF_INIT;
	if (arg(c, 1, "width", &w) && w.type == JINJA_STR) {
		buf_add(&ind, w.u.s, w.len);
	} else {
		int64_t n;
		if ((rc = arg_int(c, 1, "width", 4, &n)))
			return rc;
		for (int64_t i = 0; i < n && i < 1000; i++)
			buf_putc(&ind, ' ');
	}
	bool first = arg_bool(c, 2, "first", false), blank = arg_bool(c, 3, "blank", false);
	/* Jinja2: s += "\n" ... lines = s.splitlines(); join with "\n" + indent */
	const char *p = s.u.s, *e = p + s.len;
	bool line0 = true;
	while (p <= e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		if (!nl && p == e && !line0)
			break;
		bool is_blank = le == p;
		if (!line0)
			buf_putc(&b, '\n');
		if ((line0 ? first : true) && (blank || !is_blank))
			buf_add(&b, buf_cstr(&ind), ind.len);
		buf_add(&b, p, (size_t)(le - p));
		line0 = false;
		if (!nl)
			break;
		p = nl + 1;
		if (p == e) {
			/* trailing newline is kept (Jinja2 adds and strips one) */
			buf_putc(&b, '\n');
			break;
		}
	}
	*ret = sv(RT, &b);
	buf_free(&b);
	buf_free(&ind);
	return 0;
}

static int f_join(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, d, attr;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	if (!arg(c, 1, "d", &d))
		d = jinja_str_static("", 0);
	else if ((rc = to_str(RT, d, &d)))
		return rc;
	bool has_attr = arg(c, 2, "attribute", &attr);
	struct buf b = BUF_INIT;
	b.max = RT->max_out + 1;
	for (uint32_t i = 0; i < l.u.list->len && !rc; i++) {
		struct jinja_value v = l.u.list->items[i];
		if (has_attr && (rc = attr_path(RT, v, attr, &v)))
			break;
		if (i)
			buf_add(&b, d.u.s, d.len);
		rc = jinja__str(RT, v, &b);
	}
	if (!rc)
		*ret = sv(RT, &b);
	buf_free(&b);
	return rc;
}

static int length_of(const struct jinja_call *c, struct jinja_value v, int64_t *n)
{
	switch (v.type) {
	case JINJA_STR: *n = (int64_t)jinja__u8len(v.u.s, v.len); return 0;
	case JINJA_LIST: case JINJA_TUPLE: *n = v.u.list->len; return 0;
	case JINJA_DICT: *n = v.u.dict->len; return 0;
	case JINJA_UNDEFINED: *n = 0; return 0;
	case JINJA_OBJ: {
		struct jinja_value l;
		int rc = iter(c, v, &l);
		*n = rc ? 0 : (int64_t)l.u.list->len;
		return rc;
	}
	default: return ERR("object of type '%s' has no len()", jinja_type_name(v));
	}
}

static int f_length(const struct jinja_call *c, struct jinja_value *ret)
{
	int64_t n = 0;
	int rc = length_of(c, A(0), &n);
	*ret = jinja_int(n);
	return rc;
}

static int f_list(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	struct jinja_value r = jinja_list_new(RT->arena, l.u.list->len);
	for (uint32_t i = 0; i < l.u.list->len; i++)
		jinja_list_push(r, l.u.list->items[i]);
	*ret = r;
	return 0;
}

static int f_lower(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (!rc)
		*ret = lower_ascii(RT, s, false);
	return rc;
}

static int f_upper(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (!rc)
		*ret = lower_ascii(RT, s, true);
	return rc;
}

static int f_map(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, attr, dflt, fname;
	if (!jinja_truthy(A(0))) {
		/* Jinja2's map yields nothing for a false value (None, [], ''),
		 * before it looks at its arguments */
		*ret = jinja_list_new(RT->arena, 0);
		return 0;
	}
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	struct jinja_value r = jinja_list_new(RT->arena, l.u.list->len);
	if (c->nargs < 2 && jinja_call_arg(c, 99, "attribute", &attr)) {
		bool has_d = jinja_call_arg(c, 99, "default", &dflt);
		for (uint32_t i = 0; i < l.u.list->len; i++) {
			struct jinja_value v;
			if ((rc = attr_path(RT, l.u.list->items[i], attr, &v)))
				return rc;
			if (v.type == JINJA_UNDEFINED && has_d)
				v = dflt;
			jinja_list_push(r, v);
		}
		*ret = r;
		return 0;
	}
	if (!arg(c, 1, NULL, &fname) || fname.type != JINJA_STR)
		return ERR("map requires a filter argument");
	const char *fn = jinja_str_cstr(RT->arena, fname);
	size_t extra = c->nargs - 2;
	struct jinja_value *fa = arena_alloc(RT->arena, (extra + 1) * sizeof(*fa));
	for (size_t k = 0; k < extra; k++)
		fa[k + 1] = A(k + 2);
	for (uint32_t i = 0; i < l.u.list->len; i++) {
		struct jinja_value v;
		fa[0] = l.u.list->items[i];
		if ((rc = jinja__apply_filter(RT, fn, fa, extra + 1, c->kwargs, c->nkwargs, &v)))
			return rc;
		jinja_list_push(r, v);
	}
	*ret = r;
	return 0;
}

static int minmax(const struct jinja_call *c, struct jinja_value *ret, bool want_max)
{
	struct jinja_value l, attr;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	bool cs = arg_bool(c, 1, "case_sensitive", false);
	if (!arg(c, 2, "attribute", &attr))
		attr = jinja_undefined();
	struct skey *k;
	if ((rc = keys_of(c, l, attr, cs, &k)))
		return rc;
	if (!l.u.list->len) {
		*ret = jinja_undefined();
		return 0;
	}
	uint32_t best = 0;
	for (uint32_t i = 1; i < l.u.list->len; i++) {
		int r;
		if (jinja__compare(k[i].key, k[best].key, &r))
			return ERR("'<' not supported between instances of '%s' and '%s'", jinja_type_name(k[i].key),
				   jinja_type_name(k[best].key));
		if (want_max ? r > 0 : r < 0)
			best = i;
	}
	*ret = k[best].val;
	return 0;
}

static int f_max(const struct jinja_call *c, struct jinja_value *ret) { return minmax(c, ret, true); }
static int f_min(const struct jinja_call *c, struct jinja_value *ret) { return minmax(c, ret, false); }

static int f_pprint(const struct jinja_call *c, struct jinja_value *ret)
{
	struct buf b = BUF_INIT;
	int rc = jinja_value_repr(RT, A(0), &b);
	*ret = sv(RT, &b);
	buf_free(&b);
	return rc;
}

static int select_common(const struct jinja_call *c, struct jinja_value *ret, bool want, bool by_attr)
{
	struct jinja_value l, attr = jinja_undefined(), tname = jinja_undefined();
	if (!jinja_truthy(A(0))) { /* as map: nothing for a false value */
		*ret = jinja_list_new(RT->arena, 4);
		return 0;
	}
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	size_t ai = 1;
	if (by_attr) {
		if (!arg(c, 1, NULL, &attr))
			return ERR("missing parameter for attribute name");
		ai = 2;
	}
	bool has_test = c->nargs > ai;
	if (has_test)
		tname = A(ai);
	if (has_test && tname.type != JINJA_STR)
		return ERR("the test name must be a string");
	const char *tn = has_test ? jinja_str_cstr(RT->arena, tname) : NULL;
	size_t extra = has_test ? c->nargs - ai - 1 : 0;
	struct jinja_value *ta = arena_alloc(RT->arena, (extra + 1) * sizeof(*ta));
	for (size_t k = 0; k < extra; k++)
		ta[k + 1] = A(ai + 1 + k);
	struct jinja_value r = jinja_list_new(RT->arena, 4);
	for (uint32_t i = 0; i < l.u.list->len; i++) {
		struct jinja_value v = l.u.list->items[i], tv = v;
		if (by_attr && (rc = attr_path(RT, v, attr, &tv)))
			return rc;
		bool ok;
		if (tn) {
			ta[0] = tv;
			if ((rc = jinja__apply_test(RT, tn, ta, extra + 1, NULL, 0, &ok)))
				return rc;
		} else {
			ok = jinja_truthy(tv);
		}
		if (ok == want)
			jinja_list_push(r, v);
	}
	*ret = r;
	return 0;
}

static int f_select(const struct jinja_call *c, struct jinja_value *ret) { return select_common(c, ret, true, false); }
static int f_reject(const struct jinja_call *c, struct jinja_value *ret) { return select_common(c, ret, false, false); }
static int f_selectattr(const struct jinja_call *c, struct jinja_value *ret) { return select_common(c, ret, true, true); }
static int f_rejectattr(const struct jinja_call *c, struct jinja_value *ret) { return select_common(c, ret, false, true); }

/* memmem for the short needles of templates (glibc's memmem sets up a
 * two-way search on every call, which dominates for short strings). */
static const char *find(const char *h, size_t hn, const char *n, size_t nn)
{
	if (nn > hn)
		return NULL;
	const char *end = h + hn - nn + 1;
	while (h < end) {
		const char *c = memchr(h, n[0], (size_t)(end - h));
		if (!c)
			return NULL;
		if (!memcmp(c, n, nn))
			return c;
		h = c + 1;
	}
	return NULL;
}

static int str_replace(struct jinja_rt *rt, struct jinja_value s, struct jinja_value old, struct jinja_value new,
		       int64_t count, struct jinja_value *ret)
{
	struct buf b = BUF_INIT;
	b.max = rt->max_out + 1;
	int64_t done = 0;
	if (old.len == 0) {
		/* Python: insert new between every character */
		size_t i = 0;
		while (i <= s.len) {
			if (count < 0 || done < count) {
				buf_add(&b, new.u.s, new.len);
				done++;
			}
			if (i == s.len)
				break;
			size_t j = i + 1;
			while (j < s.len && ((unsigned char)s.u.s[j] & 0xC0) == 0x80)
				j++;
			buf_add(&b, s.u.s + i, j - i);
			i = j;
		}
	} else {
		/* count the matches, then build the result in the arena (no malloc) */
		const char *p = s.u.s, *e = p + s.len, *q;
		int64_t hits = 0;
		while ((count < 0 || hits < count) && p < e && (q = find(p, (size_t)(e - p), old.u.s, old.len))) {
			hits++;
			p = q + old.len;
		}
		if (!hits) {
			*ret = s;
			return 0;
		}
		uint64_t size = s.len + (uint64_t)hits * new.len - (uint64_t)hits * old.len;
		if (size > rt->max_out)
			return jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
		char *o = arena_alloc(rt->arena, (size_t)size + 1), *w = o;
		p = s.u.s;
		for (int64_t k = 0; k < hits; k++) {
			q = find(p, (size_t)(e - p), old.u.s, old.len);
			memcpy(w, p, (size_t)(q - p));
			w += q - p;
			memcpy(w, new.u.s, new.len);
			w += new.len;
			p = q + old.len;
		}
		memcpy(w, p, (size_t)(e - p));
		w += e - p;
		*w = 0;
		*ret = jinja_str_static(o, (size_t)(w - o));
		return 0;
	}
	if (b.max && b.len >= b.max) {
		buf_free(&b);
		return jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
	}
	*ret = jinja__buf_value(rt, &b);
	buf_free(&b);
	return 0;
}

static int f_replace(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s, old, new;
	int64_t count;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	if (!arg(c, 1, "old", &old) || !arg(c, 2, "new", &new))
		return ERR("replace needs old and new");
	if ((rc = to_str(RT, old, &old)) || (rc = to_str(RT, new, &new)) || (rc = arg_int(c, 3, "count", -1, &count)))
		return rc;
	return str_replace(RT, s, old, new, count, ret);
}

static int f_reverse(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v = A(0), l;
	if (v.type == JINJA_STR) {
		struct buf b = BUF_INIT;
		size_t i = v.len;
		while (i > 0) {
			size_t j = i - 1;
			while (j > 0 && ((unsigned char)v.u.s[j] & 0xC0) == 0x80)
				j--;
			buf_add(&b, v.u.s + j, i - j);
			i = j;
		}
		*ret = sv(RT, &b);
		buf_free(&b);
		return 0;
	}
	int rc = iter(c, v, &l);
	if (rc)
		return rc;
	struct jinja_value r = jinja_list_new(RT->arena, l.u.list->len);
	for (uint32_t i = l.u.list->len; i > 0; i--)
		jinja_list_push(r, l.u.list->items[i - 1]);
	*ret = r;
	return 0;
}

/* Python round(x, nd): correctly rounded through the decimal string. */
static double py_round(double x, int64_t nd)
{
	if (!isfinite(x))
		return x;
	if (nd > 300)
		return x;
	if (nd < 0) {
		double p = pow(10.0, (double)-nd);
		double y = x / p, r = nearbyint(y);
		return r * p;
	}
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%.*f", (int)nd, x);
	return strtod(tmp, NULL);
}

static int f_round(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v = A(0), m;
	int64_t prec;
	int rc = arg_int(c, 1, "precision", 0, &prec);
	if (rc)
		return rc;
	double x;
	if (v.type == JINJA_INT || v.type == JINJA_BOOL)
		x = v.type == JINJA_INT ? (double)v.u.i : v.u.b;
	else if (v.type == JINJA_FLOAT)
		x = v.u.f;
	else
		return ERR("type %s doesn't define __round__ method", jinja_type_name(v));
	const char *method = "common";
	if (arg(c, 2, "method", &m))
		method = jinja_str_cstr(RT->arena, m);
	if (!strcmp(method, "common")) {
		if (v.type != JINJA_FLOAT && prec >= 0) {
			/* Python's round(int, n) is the int itself */
			*ret = jinja_int(v.type == JINJA_INT ? v.u.i : v.u.b);
			return 0;
		}
		*ret = jinja_float(py_round(x, prec));
		return 0;
	}
	double p = pow(10.0, (double)prec);
	if (!strcmp(method, "floor"))
		*ret = jinja_float(floor(x * p) / p);
	else if (!strcmp(method, "ceil"))
		*ret = jinja_float(ceil(x * p) / p);
	else
		return ERR("method must be common, ceil or floor");
	return 0;
}

static int f_slice(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, fill;
	int64_t slices;
	int rc = iter(c, A(0), &l);
	if (rc || (rc = arg_int(c, 1, "slices", 1, &slices)))
		return rc;
	if (slices <= 0 || slices > 100000)
		return ERR("slices must be positive");
	bool has_fill = arg(c, 2, "fill_with", &fill) && fill.type != JINJA_NONE;
	int64_t n = l.u.list->len, per = n / slices, extra = n % slices, offset = 0;
	struct jinja_value r = jinja_list_new(RT->arena, (size_t)slices);
	for (int64_t s = 0; s < slices; s++) {
		int64_t start = offset + s * per;
		if (s < extra)
			offset++;
		int64_t end = offset + (s + 1) * per;
		struct jinja_value part = jinja_list_new(RT->arena, (size_t)(end - start + 1));
		for (int64_t i = start; i < end; i++)
			jinja_list_push(part, l.u.list->items[i]);
		if (has_fill && s >= extra)
			jinja_list_push(part, fill);
		jinja_list_push(r, part);
	}
	*ret = r;
	return 0;
}

static int f_sort(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, attr;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	bool rev = arg_bool(c, 1, "reverse", false), cs = arg_bool(c, 2, "case_sensitive", false);
	if (!arg(c, 3, "attribute", &attr))
		attr = jinja_undefined();
	struct skey *k;
	if ((rc = keys_of(c, l, attr, cs, &k)) || (rc = sort_keys(RT, k, l.u.list->len, rev)))
		return rc;
	struct jinja_value r = jinja_list_new(RT->arena, l.u.list->len);
	for (uint32_t i = 0; i < l.u.list->len; i++)
		jinja_list_push(r, k[i].val);
	*ret = r;
	return 0;
}

static int f_string(const struct jinja_call *c, struct jinja_value *ret)
{
	return to_str(RT, A(0), ret);
}

static void split_ws_join(struct buf *b, const char *s, size_t n)
{
	bool first = true;
	size_t i = 0;
	while (i < n) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		size_t j = i;
		while (j < n && !isspace((unsigned char)s[j]))
			j++;
		if (j > i) {
			if (!first)
				buf_putc(b, ' ');
			buf_add(b, s + i, j - i);
			first = false;
		}
		i = j;
	}
}

static int f_striptags(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	struct buf t = BUF_INIT, b = BUF_INIT, u = BUF_INIT;
	const char *p = s.u.s, *e = p + s.len;
	while (p < e) {
		if (p + 4 <= e && !memcmp(p, "<!--", 4)) {
			const char *q = memmem(p + 4, (size_t)(e - p - 4), "-->", 3);
			if (q) {
				p = q + 3;
				continue;
			}
		}
		if (*p == '<') {
			const char *q = memchr(p + 1, '>', (size_t)(e - p - 1));
			if (q) {
				p = q + 1;
				continue;
			}
		}
		buf_putc(&t, *p++);
	}
	split_ws_join(&b, buf_cstr(&t), t.len);
	/* unescape the common entities */
	static const struct { const char *ent, *ch; } ents[] = {
		{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#34;", "\""},
		{"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", "\xc2\xa0"},
	};
	for (size_t i = 0; i < b.len;) {
		bool hit = false;
		if (b.data[i] == '&')
			for (size_t k = 0; k < ARRAY_SIZE(ents); k++) {
				size_t el = strlen(ents[k].ent);
				if (b.len - i >= el && !memcmp(b.data + i, ents[k].ent, el)) {
					buf_puts(&u, ents[k].ch);
					i += el;
					hit = true;
					break;
				}
			}
		if (!hit)
			buf_putc(&u, b.data[i++]);
	}
	*ret = sv(RT, &u);
	buf_free(&t);
	buf_free(&b);
	buf_free(&u);
	return 0;
}

static int f_sum(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, attr, acc;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	bool has_attr = arg(c, 1, "attribute", &attr);
	if (!arg(c, 2, "start", &acc))
		acc = jinja_int(0);
	for (uint32_t i = 0; i < l.u.list->len; i++) {
		struct jinja_value v = l.u.list->items[i];
		if (has_attr && (rc = attr_path(RT, v, attr, &v)))
			return rc;
		if ((rc = jinja__binop(RT, OP_ADD, acc, v, &acc)))
			return rc;
	}
	*ret = acc;
	return 0;
}

static int f_title(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (!rc)
		*ret = jinja__casemap(RT->arena, s, JCASE_WORDS);
	return rc;
}

static bool is_ws_char(char ch, struct jinja_value chars)
{
	if (chars.type == JINJA_STR)
		return memchr(chars.u.s, ch, chars.len) != NULL;
	return isspace((unsigned char)ch);
}

static struct jinja_value strip(struct jinja_value s, struct jinja_value chars, bool l, bool r)
{
	uint32_t a = 0, b = s.len;
	if (l)
		while (a < b && is_ws_char(s.u.s[a], chars))
			a++;
	if (r)
		while (b > a && is_ws_char(s.u.s[b - 1], chars))
			b--;
	return jinja_str_static(s.u.s + a, b - a);
}

static int f_trim(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s, chars;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	if (!arg(c, 1, "chars", &chars) || chars.type == JINJA_NONE)
		chars = jinja_undefined();
	*ret = strip(s, chars, true, true);
	return 0;
}

static int f_truncate(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s, end;
	int64_t length, leeway;
	int rc = to_str(RT, A(0), &s);
	if (rc || (rc = arg_int(c, 1, "length", 255, &length)))
		return rc;
	bool killwords = arg_bool(c, 2, "killwords", false);
	if (!arg(c, 3, "end", &end))
		end = jinja_str_static("...", 3);
	if ((rc = arg_int(c, 4, "leeway", 5, &leeway)))
		return rc;
	int64_t endlen = (int64_t)jinja__u8len(end.u.s, end.len);
	if (length < endlen)
		return ERR("expected length >= %lld, got %lld", (long long)endlen, (long long)length);
	if (leeway < 0)
		return ERR("expected leeway >= 0, got %lld", (long long)leeway);
	int64_t n = (int64_t)jinja__u8len(s.u.s, s.len);
	if (n <= length + leeway) {
		*ret = s;
		return 0;
	}
	size_t cut = jinja__u8off(s.u.s, s.len, (size_t)(length - endlen));
	struct buf b = BUF_INIT;
	if (killwords) {
		buf_add(&b, s.u.s, cut);
	} else {
		/* s[:cut].rsplit(" ", 1)[0] */
		size_t k = cut;
		while (k > 0 && s.u.s[k - 1] != ' ')
			k--;
		buf_add(&b, s.u.s, k ? k - 1 : cut);
	}
	buf_add(&b, end.u.s, end.len);
	*ret = sv(RT, &b);
	buf_free(&b);
	return 0;
}

static int f_unique(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value l, attr;
	int rc = iter(c, A(0), &l);
	if (rc)
		return rc;
	bool cs = arg_bool(c, 1, "case_sensitive", false);
	if (!arg(c, 2, "attribute", &attr))
		attr = jinja_undefined();
	struct skey *k;
	if ((rc = keys_of(c, l, attr, cs, &k)))
		return rc;
	struct jinja_value seen = jinja_dict_new(RT->arena), r = jinja_list_new(RT->arena, 4);
	for (uint32_t i = 0; i < l.u.list->len; i++) {
		struct jinja_value o;
		if (!jinja__hashable(k[i].key))
			return ERR("unhashable type: '%s'", jinja_type_name(k[i].key));
		if (jinja_dict_get(seen, k[i].key, &o))
			continue;
		jinja_dict_set(seen, k[i].key, jinja_none());
		jinja_list_push(r, k[i].val);
	}
	*ret = r;
	return 0;
}

static void url_quote(struct buf *b, const char *s, size_t n, bool for_qs)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isalnum(ch) || ch == '_' || ch == '.' || ch == '-' || ch == '~' || (!for_qs && ch == '/'))
			buf_putc(b, (char)ch);
		else if (for_qs && ch == ' ')
			buf_putc(b, '+');
		else
			buf_printf(b, "%%%02X", ch);
	}
}

static int f_urlencode(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v = A(0);
	struct buf b = BUF_INIT;
	int rc = 0;
	if (v.type == JINJA_STR || v.type == JINJA_INT || v.type == JINJA_FLOAT || v.type == JINJA_BOOL ||
	    v.type == JINJA_NONE || v.type == JINJA_UNDEFINED) {
		struct jinja_value s;
		if ((rc = to_str(RT, v, &s)))
			return rc;
		url_quote(&b, s.u.s, s.len, false);
	} else {
		struct jinja_value items;
		if (v.type == JINJA_DICT) {
			items = jinja_list_new(RT->arena, v.u.dict->len);
			for (uint32_t i = 0; i < v.u.dict->len; i++) {
				struct jinja_value t = jinja_tuple_new(RT->arena, 2);
				t.u.list->items[0] = v.u.dict->ents[i].key;
				t.u.list->items[1] = v.u.dict->ents[i].val;
				jinja_list_push(items, t);
			}
		} else if ((rc = iter(c, v, &items))) {
			return rc;
		}
		for (uint32_t i = 0; i < items.u.list->len; i++) {
			struct jinja_value t = items.u.list->items[i], k, val;
			if ((t.type != JINJA_LIST && t.type != JINJA_TUPLE) || t.u.list->len != 2) {
				buf_free(&b);
				return ERR("urlencode expects pairs");
			}
			if ((rc = to_str(RT, t.u.list->items[0], &k)) || (rc = to_str(RT, t.u.list->items[1], &val)))
				break;
			if (i)
				buf_putc(&b, '&');
			url_quote(&b, k.u.s, k.len, true);
			buf_putc(&b, '=');
			url_quote(&b, val.u.s, val.len, true);
		}
	}
	*ret = sv(RT, &b);
	buf_free(&b);
	return rc;
}

static bool word_char(unsigned char ch) { return isalnum(ch) || ch == '_' || ch >= 0x80; }

static int f_wordcount(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	int64_t n = 0;
	bool in = false;
	for (uint32_t i = 0; i < s.len; i++) {
		bool w = word_char((unsigned char)s.u.s[i]);
		if (w && !in)
			n++;
		in = w;
	}
	*ret = jinja_int(n);
	return 0;
}

static int f_wordwrap(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s, wrap;
	int64_t width;
	int rc = to_str(RT, A(0), &s);
	if (rc || (rc = arg_int(c, 1, "width", 79, &width)))
		return rc;
	bool break_long = arg_bool(c, 2, "break_long_words", true);
	if (!arg(c, 3, "wrapstring", &wrap) || wrap.type == JINJA_NONE)
		wrap = jinja_str_static("\n", 1);
	if (width <= 0)
		return ERR("invalid width %lld (must be > 0)", (long long)width);
	/* per paragraph line (split on \n), greedy fill over whitespace-separated words */
	struct buf b = BUF_INIT;
	const char *p = s.u.s, *e = p + s.len;
	bool first_para = true;
	while (p <= e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		if (!first_para)
			buf_add(&b, wrap.u.s, wrap.len);
		first_para = false;
		int64_t col = 0;
		bool line_has = false;
		const char *q = p;
		while (q < le) {
			while (q < le && isspace((unsigned char)*q))
				q++;
			const char *ws = q;
			while (q < le && !isspace((unsigned char)*q))
				q++;
			if (q == ws)
				break;
			int64_t wl = (int64_t)jinja__u8len(ws, (size_t)(q - ws));
			if (line_has && col + 1 + wl > width) {
				buf_add(&b, wrap.u.s, wrap.len);
				col = 0;
				line_has = false;
			}
			if (line_has) {
				buf_putc(&b, ' ');
				col++;
			}
			while (break_long && wl > width - col && width - col > 0) {
				size_t cut = jinja__u8off(ws, (size_t)(q - ws), (size_t)(width - col));
				buf_add(&b, ws, cut);
				buf_add(&b, wrap.u.s, wrap.len);
				ws += cut;
				wl -= width - col;
				col = 0;
			}
			buf_add(&b, ws, (size_t)(q - ws));
			col += wl;
			line_has = true;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*ret = sv(RT, &b);
	buf_free(&b);
	return 0;
}

static int f_xmlattr(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value d = A(0);
	if (d.type != JINJA_DICT)
		return ERR("xmlattr expects a mapping");
	bool autospace = arg_bool(c, 1, "autospace", true);
	struct buf b = BUF_INIT;
	bool first = true;
	for (uint32_t i = 0; i < d.u.dict->len; i++) {
		struct jinja_value k = d.u.dict->ents[i].key, v = d.u.dict->ents[i].val, ev;
		if (v.type == JINJA_NONE || v.type == JINJA_UNDEFINED)
			continue;
		if (k.type == JINJA_STR)
			for (uint32_t j = 0; j < k.len; j++)
				if (strchr(" />=", k.u.s[j]) || isspace((unsigned char)k.u.s[j])) {
					buf_free(&b);
					return ERR("Invalid character in attribute name");
				}
		struct jinja_call ec = *c;
		ec.args = &v;
		ec.nargs = 1;
		ec.nkwargs = 0;
		int rc = f_escape(&ec, &ev);
		struct jinja_value ek;
		ec.args = &k;
		if (!rc)
			rc = f_escape(&ec, &ek);
		if (rc) {
			buf_free(&b);
			return rc;
		}
		if (!first)
			buf_putc(&b, ' ');
		first = false;
		buf_add(&b, ek.u.s, ek.len);
		buf_puts(&b, "=\"");
		buf_add(&b, ev.u.s, ev.len);
		buf_putc(&b, '"');
	}
	if (autospace && b.len) {
		struct buf o = BUF_INIT;
		buf_putc(&o, ' ');
		buf_add(&o, b.data, b.len);
		buf_free(&b);
		b = o;
	}
	*ret = sv(RT, &b);
	buf_free(&b);
	return 0;
}

static int f_items(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value d = A(0);
	if (d.type == JINJA_UNDEFINED) {
		*ret = jinja_list_new(RT->arena, 1);
		return 0;
	}
	if (d.type != JINJA_DICT)
		return ERR("Can only get item pairs from a mapping.");
	struct jinja_value l = jinja_list_new(RT->arena, d.u.dict->len);
	for (uint32_t i = 0; i < d.u.dict->len; i++) {
		struct jinja_value t = jinja_tuple_new(RT->arena, 2);
		t.u.list->items[0] = d.u.dict->ents[i].key;
		t.u.list->items[1] = d.u.dict->ents[i].val;
		jinja_list_push(l, t);
	}
	*ret = l;
	return 0;
}

/* --------------------------------------------------------------- JSON */

static int json_dump(struct jinja_rt *rt, struct jinja_value v, struct buf *b, int64_t indent, int level)
{
	if (level > 100)
		return jinja_rt_error(rt, ING_ELIMIT, "value nested too deeply for tojson");
	switch (v.type) {
	case JINJA_NONE: buf_puts(b, "null"); return 0;
	case JINJA_BOOL: buf_puts(b, v.u.b ? "true" : "false"); return 0;
	case JINJA_INT: buf_printf(b, "%lld", (long long)v.u.i); return 0;
	case JINJA_FLOAT:
		if (isnan(v.u.f))
			buf_puts(b, "NaN");
		else if (isinf(v.u.f))
			buf_puts(b, v.u.f < 0 ? "-Infinity" : "Infinity");
		else
			jinja__fmt_float(v.u.f, b);
		return 0;
	case JINJA_STR: {
		buf_putc(b, '"');
		const unsigned char *s = (const unsigned char *)v.u.s;
		for (uint32_t i = 0; i < v.len;) {
			unsigned char ch = s[i];
			if (ch < 0x80) {
				switch (ch) {
				case '"': buf_puts(b, "\\\""); break;
				case '\\': buf_puts(b, "\\\\"); break;
				case '\n': buf_puts(b, "\\n"); break;
				case '\r': buf_puts(b, "\\r"); break;
				case '\t': buf_puts(b, "\\t"); break;
				case '\b': buf_puts(b, "\\b"); break;
				case '\f': buf_puts(b, "\\f"); break;
				case '<': buf_puts(b, "\\u003c"); break;
				case '>': buf_puts(b, "\\u003e"); break;
				case '&': buf_puts(b, "\\u0026"); break;
				case '\'': buf_puts(b, "\\u0027"); break;
				default:
					if (ch < 0x20)
						buf_printf(b, "\\u%04x", ch);
					else
						buf_putc(b, (char)ch);
				}
				i++;
				continue;
			}
			uint32_t cp;
			int n;
			if ((ch & 0xE0) == 0xC0) { cp = ch & 0x1F; n = 1; }
			else if ((ch & 0xF0) == 0xE0) { cp = ch & 0x0F; n = 2; }
			else if ((ch & 0xF8) == 0xF0) { cp = ch & 0x07; n = 3; }
			else { cp = 0xFFFD; n = 0; }
			for (int k = 0; k < n; k++) {
				if (i + 1 + k >= v.len || (s[i + 1 + k] & 0xC0) != 0x80) {
					cp = 0xFFFD;
					n = k;
					break;
				}
				cp = (cp << 6) | (s[i + 1 + k] & 0x3F);
			}
			i += 1 + (uint32_t)n;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				buf_printf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
			} else {
				buf_printf(b, "\\u%04x", cp);
			}
		}
		buf_putc(b, '"');
		return 0;
	}
	case JINJA_LIST: case JINJA_TUPLE: {
		uint32_t n = v.u.list->len;
		if (!n) {
			buf_puts(b, "[]");
			return 0;
		}
		buf_putc(b, '[');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				buf_puts(b, indent >= 0 ? "," : ", ");
			if (indent >= 0) {
				buf_putc(b, '\n');
				for (int64_t k = 0; k < indent * (level + 1); k++)
					buf_putc(b, ' ');
			}
			int rc = json_dump(rt, v.u.list->items[i], b, indent, level + 1);
			if (rc)
				return rc;
		}
		if (indent >= 0) {
			buf_putc(b, '\n');
			for (int64_t k = 0; k < indent * level; k++)
				buf_putc(b, ' ');
		}
		buf_putc(b, ']');
		return 0;
	}
	case JINJA_DICT: {
		uint32_t n = v.u.dict->len;
		if (!n) {
			buf_puts(b, "{}");
			return 0;
		}
		/* sort_keys=True */
		struct skey *k = arena_alloc(rt->arena, n * sizeof(*k));
		for (uint32_t i = 0; i < n; i++) {
			k[i].key = v.u.dict->ents[i].key;
			if (k[i].key.type != JINJA_STR)
				return jinja_rt_error(rt, ING_EINVAL, "tojson: only string keys are supported");
			k[i].val = v.u.dict->ents[i].val;
		}
		int rc = sort_keys(rt, k, n, false);
		if (rc)
			return rc;
		buf_putc(b, '{');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				buf_puts(b, indent >= 0 ? "," : ", ");
			if (indent >= 0) {
				buf_putc(b, '\n');
				for (int64_t q = 0; q < indent * (level + 1); q++)
					buf_putc(b, ' ');
			}
			if ((rc = json_dump(rt, k[i].key, b, indent, level + 1)))
				return rc;
			buf_puts(b, ": ");
			if ((rc = json_dump(rt, k[i].val, b, indent, level + 1)))
				return rc;
		}
		if (indent >= 0) {
			buf_putc(b, '\n');
			for (int64_t q = 0; q < indent * level; q++)
				buf_putc(b, ' ');
		}
		buf_putc(b, '}');
		return 0;
	}
	default:
		return jinja_rt_error(rt, ING_EINVAL, "Object of type %s is not JSON serializable", jinja_type_name(v));
	}
}

static int f_tojson(const struct jinja_call *c, struct jinja_value *ret)
{
	int64_t indent;
	int rc = arg_int(c, 1, "indent", -1, &indent);
	if (rc)
		return rc;
	if (indent > 64)
		indent = 64;
	struct buf b = BUF_INIT;
	rc = json_dump(RT, A(0), &b, indent, 0);
	if (!rc) {
		*ret = sv(RT, &b);
		ret->flags |= JV_SAFE;
	}
	buf_free(&b);
	return rc;
}

/* --------------------------------------------------------------- tests */

#define TEST_RET(expr) do { *ret = jinja_bool(expr); return 0; } while (0)

static int t_defined(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type != JINJA_UNDEFINED); }
static int t_undefined(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_UNDEFINED); }
static int t_none(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_NONE); }
static int t_boolean(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_BOOL); }
static int t_true(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_BOOL && A(0).u.b); }
static int t_false(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_BOOL && !A(0).u.b); }
static int t_string(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_STR); }
static int t_number(const struct jinja_call *c, struct jinja_value *ret)
{
	TEST_RET(A(0).type == JINJA_INT || A(0).type == JINJA_FLOAT || A(0).type == JINJA_BOOL);
}
static int t_integer(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_INT); }
static int t_float(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET(A(0).type == JINJA_FLOAT); }
static int t_mapping(const struct jinja_call *c, struct jinja_value *ret)
{
	TEST_RET(A(0).type == JINJA_DICT ||
		 (A(0).type == JINJA_OBJ && (A(0).u.obj->ops->flags & JINJA_OBJF_MAPPING)));
}
static int t_sequence(const struct jinja_call *c, struct jinja_value *ret)
{
	int t = A(0).type;
	TEST_RET(t == JINJA_STR || t == JINJA_LIST || t == JINJA_TUPLE || t == JINJA_DICT);
}
static int t_iterable(const struct jinja_call *c, struct jinja_value *ret)
{
	int t = A(0).type;
	TEST_RET(t == JINJA_STR || t == JINJA_LIST || t == JINJA_TUPLE || t == JINJA_DICT || t == JINJA_UNDEFINED ||
		 (t == JINJA_OBJ && A(0).u.obj->ops->iter));
}
static int t_callable(const struct jinja_call *c, struct jinja_value *ret)
{
	int t = A(0).type;
	TEST_RET(t == JINJA_MACRO || t == JINJA_FUNC || (t == JINJA_OBJ && A(0).u.obj->ops->call));
}
static bool same(struct jinja_value a, struct jinja_value b)
{
	if (a.type != b.type)
		return false;
	switch (a.type) {
	case JINJA_NONE: case JINJA_UNDEFINED: return true;
	case JINJA_BOOL: return a.u.b == b.u.b;
	case JINJA_INT: return a.u.i == b.u.i && a.u.i >= -5 && a.u.i <= 256; /* CPython small ints */
	case JINJA_STR: return a.len == b.len && !memcmp(a.u.s, b.u.s, a.len); /* CPython interns literals */
	default: return a.u.list == b.u.list;
	}
}
static int t_sameas(const struct jinja_call *c, struct jinja_value *ret)
{
	if (c->nargs < 2)
		return ERR("sameas needs an argument");
	TEST_RET(same(A(0), A(1)));
}
static int cmp_test(const struct jinja_call *c, struct jinja_value *ret, int op)
{
	if (c->nargs < 2)
		return ERR("test needs an argument");
	if (op == OP_EQ)
		TEST_RET(jinja_value_eq(A(0), A(1)));
	if (op == OP_NE)
		TEST_RET(!jinja_value_eq(A(0), A(1)));
	int r;
	if (jinja__compare(A(0), A(1), &r))
		return ERR("'%s' not supported between instances of '%s' and '%s'",
			   op == OP_LT ? "<" : op == OP_LE ? "<=" : op == OP_GT ? ">" : ">=", jinja_type_name(A(0)),
			   jinja_type_name(A(1)));
	TEST_RET(op == OP_LT ? r < 0 : op == OP_LE ? r <= 0 : op == OP_GT ? r > 0 : r >= 0);
}
static int t_eq(const struct jinja_call *c, struct jinja_value *ret) { return cmp_test(c, ret, OP_EQ); }
static int t_ne(const struct jinja_call *c, struct jinja_value *ret) { return cmp_test(c, ret, OP_NE); }
static int t_lt(const struct jinja_call *c, struct jinja_value *ret) { return cmp_test(c, ret, OP_LT); }
static int t_le(const struct jinja_call *c, struct jinja_value *ret) { return cmp_test(c, ret, OP_LE); }
static int t_gt(const struct jinja_call *c, struct jinja_value *ret) { return cmp_test(c, ret, OP_GT); }
static int t_ge(const struct jinja_call *c, struct jinja_value *ret) { return cmp_test(c, ret, OP_GE); }
static int t_in(const struct jinja_call *c, struct jinja_value *ret)
{
	if (c->nargs < 2)
		return ERR("in needs an argument");
	bool r;
	int rc = jinja__contains(RT, A(1), A(0), &r);
	*ret = jinja_bool(r);
	return rc;
}
static int t_divisibleby(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value m;
	if (c->nargs < 2)
		return ERR("divisibleby needs an argument");
	int rc = jinja__binop(RT, OP_MOD, A(0), A(1), &m);
	if (rc)
		return rc;
	TEST_RET(!jinja_truthy(m));
}
static int t_even(const struct jinja_call *c, struct jinja_value *ret)
{
	if (A(0).type != JINJA_INT && A(0).type != JINJA_BOOL && A(0).type != JINJA_FLOAT)
		return ERR("not all arguments converted during string formatting");
	struct jinja_value m;
	int rc = jinja__binop(RT, OP_MOD, A(0), jinja_int(2), &m);
	if (rc)
		return rc;
	TEST_RET(!jinja_truthy(m));
}
static int t_odd(const struct jinja_call *c, struct jinja_value *ret)
{
	int rc = t_even(c, ret);
	ret->u.b = !ret->u.b;
	return rc;
}
static int t_lower(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	TEST_RET(jinja__u8_isupper(s.u.s, s.len, false));
}
static int t_upper(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value s;
	int rc = to_str(RT, A(0), &s);
	if (rc)
		return rc;
	TEST_RET(jinja__u8_isupper(s.u.s, s.len, true));
}
static int t_escaped(const struct jinja_call *c, struct jinja_value *ret) { TEST_RET((A(0).flags & JV_SAFE) != 0); }
static int t_filter(const struct jinja_call *c, struct jinja_value *ret)
{
	TEST_RET(A(0).type == JINJA_STR && strmap_get(&RT->env->filters, jinja_str_cstr(RT->arena, A(0))));
}
static int t_test(const struct jinja_call *c, struct jinja_value *ret)
{
	TEST_RET(A(0).type == JINJA_STR && strmap_get(&RT->env->tests, jinja_str_cstr(RT->arena, A(0))));
}

/* ------------------------------------------------------------- globals */

static int g_range(const struct jinja_call *c, struct jinja_value *ret)
{
	int64_t a[3] = {0, 0, 1};
	if (c->nargs < 1 || c->nargs > 3 || c->nkwargs)
		return ERR("range expected 1 to 3 integer arguments");
	for (size_t i = 0; i < c->nargs; i++) {
		if (A(i).type != JINJA_INT && A(i).type != JINJA_BOOL)
			return ERR("'%s' object cannot be interpreted as an integer", jinja_type_name(A(i)));
	}
	if (c->nargs == 1) {
		a[1] = A(0).type == JINJA_INT ? A(0).u.i : A(0).u.b;
	} else {
		for (size_t i = 0; i < c->nargs; i++)
			a[i] = A(i).type == JINJA_INT ? A(i).u.i : A(i).u.b;
	}
	if (a[2] == 0)
		return ERR("range() arg 3 must not be zero");
	/* count without overflow */
	double cnt = a[2] > 0 ? ceil(((double)a[1] - (double)a[0]) / (double)a[2])
			      : ceil(((double)a[0] - (double)a[1]) / (double)-a[2]);
	if (cnt < 0)
		cnt = 0;
	if (cnt > (double)RT->env->limits.max_range)
		return jinja_rt_error(RT, ING_ELIMIT, "range too big, maximum size for range is %lld",
				      (long long)RT->env->limits.max_range);
	struct jinja_value l = jinja_list_new(RT->arena, (size_t)cnt);
	for (int64_t i = 0; i < (int64_t)cnt; i++)
		jinja_list_push(l, jinja_int(a[0] + i * a[2]));
	*ret = l;
	return 0;
}

static int g_dict(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value d = jinja_dict_new(RT->arena);
	if (c->nargs > 1)
		return ERR("dict expected at most 1 argument");
	if (c->nargs == 1) {
		struct jinja_value src = A(0);
		if (src.type == JINJA_DICT) {
			for (uint32_t i = 0; i < src.u.dict->len; i++)
				jinja_dict_set(d, src.u.dict->ents[i].key, src.u.dict->ents[i].val);
		} else {
			struct jinja_value l;
			int rc = iter(c, src, &l);
			if (rc)
				return rc;
			for (uint32_t i = 0; i < l.u.list->len; i++) {
				struct jinja_value t = l.u.list->items[i];
				if ((t.type != JINJA_LIST && t.type != JINJA_TUPLE) || t.u.list->len != 2)
					return ERR("dictionary update sequence element has wrong length");
				if (jinja_dict_set(d, t.u.list->items[0], t.u.list->items[1]))
					return ERR("unhashable type");
			}
		}
	}
	for (size_t i = 0; i < c->nkwargs; i++)
		jinja_dict_set_str(d, c->kwargs[i].name, c->kwargs[i].value);
	*ret = d;
	return 0;
}

static int g_namespace(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value *d = arena_alloc(RT->arena, sizeof(*d));
	int rc = g_dict(c, d);
	if (rc)
		return rc;
	*ret = jinja_obj(RT->arena, &jinja__ns_ops, d);
	return 0;
}

struct cycler {
	struct jinja_value items;
	uint32_t pos;
};

static int cycler_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)rt;
	struct cycler *cy = self;
	if (!strcmp(name, "current")) {
		*out = cy->items.u.list->items[cy->pos];
		return 0;
	}
	return ING_ENOTFOUND;
}

static int cycler_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct cycler *cy = c->user;
	if (!strcmp(name, "next")) {
		*ret = cy->items.u.list->items[cy->pos];
		cy->pos = (cy->pos + 1) % cy->items.u.list->len;
		return 0;
	}
	if (!strcmp(name, "reset")) {
		cy->pos = 0;
		*ret = jinja_none();
		return 0;
	}
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops cycler_ops = {
	.type_name = "Cycler",
	.getattr = cycler_getattr,
	.method = cycler_method,
};

static int g_cycler(const struct jinja_call *c, struct jinja_value *ret)
{
	if (!c->nargs)
		return ERR("at least one item has to be provided");
	struct cycler *cy = arena_zalloc(RT->arena, sizeof(*cy));
	cy->items = jinja_tuple_new(RT->arena, c->nargs);
	for (size_t i = 0; i < c->nargs; i++)
		cy->items.u.list->items[i] = A(i);
	*ret = jinja_obj(RT->arena, &cycler_ops, cy);
	return 0;
}

struct joiner {
	struct jinja_value sep;
	bool used;
};

static int joiner_call(const struct jinja_call *c, struct jinja_value *ret)
{
	struct joiner *j = c->user;
	if (!j->used) {
		j->used = true;
		*ret = jinja_str_static("", 0);
	} else {
		*ret = j->sep;
	}
	return 0;
}

static const struct jinja_obj_ops joiner_ops = {
	.type_name = "Joiner",
	.call = joiner_call,
};

static int g_joiner(const struct jinja_call *c, struct jinja_value *ret)
{
	struct joiner *j = arena_zalloc(RT->arena, sizeof(*j));
	if (!arg(c, 0, "sep", &j->sep))
		j->sep = jinja_str_static(", ", 2);
	*ret = jinja_obj(RT->arena, &joiner_ops, j);
	return 0;
}

/* --------------------------------------------------------- dispatching */

int jinja__apply_filter(struct jinja_rt *rt, const char *name, struct jinja_value *args, size_t nargs,
			const struct jinja_kwarg *kw, size_t nkw, struct jinja_value *ret)
{
	struct jfilter *f = strmap_get(&rt->env->filters, name);
	if (!f)
		return jinja_rt_error(rt, ING_EINVAL, "no filter named '%s'", name);
	int rc = jinja__too_many_args(rt, f, name, nargs);
	if (rc)
		return rc;
	struct jinja_call c = {rt, f->user, jinja_undefined(), args, nargs, kw, nkw, jinja_undefined()};
	*ret = jinja_none();
	return f->fn(&c, ret);
}

int jinja__apply_test(struct jinja_rt *rt, const char *name, struct jinja_value *args, size_t nargs,
		      const struct jinja_kwarg *kw, size_t nkw, bool *res)
{
	struct jfilter *f = strmap_get(&rt->env->tests, name);
	if (!f)
		return jinja_rt_error(rt, ING_EINVAL, "no test named '%s'", name);
	int rc0 = jinja__too_many_args(rt, f, name, nargs);
	if (rc0)
		return rc0;
	struct jinja_call c = {rt, f->user, jinja_undefined(), args, nargs, kw, nkw, jinja_undefined()};
	struct jinja_value r = jinja_bool(false);
	int rc = f->fn(&c, &r);
	*res = jinja_truthy(r);
	return rc;
}

/* max: positional arguments including the value (-1: any) */
static const struct {
	const char *name;
	jinja_fn fn;
	int max;
} filters[] = {
	{"abs", f_abs, 1}, {"attr", f_attr, 2}, {"batch", f_batch, 3}, {"capitalize", f_capitalize, 1},
	{"center", f_center, 2}, {"default", f_default, 3}, {"d", f_default, 3}, {"dictsort", f_dictsort, 4},
	{"escape", f_escape, 1}, {"e", f_escape, 1}, {"forceescape", f_escape, 1}, {"first", f_first, 1},
	{"float", f_float, 2}, {"format", f_format, -1}, {"groupby", f_groupby, 4}, {"indent", f_indent, 4},
	{"int", f_int, 3}, {"join", f_join, 3}, {"last", f_last, 1}, {"length", f_length, 1}, {"count", f_length, 1},
	{"list", f_list, 1}, {"lower", f_lower, 1}, {"map", f_map, -1}, {"max", f_max, 3}, {"min", f_min, 3},
	{"pprint", f_pprint, 1}, {"reject", f_reject, -1}, {"rejectattr", f_rejectattr, -1}, {"replace", f_replace, 4},
	{"reverse", f_reverse, 1}, {"round", f_round, 3}, {"safe", f_safe, 1}, {"select", f_select, -1},
	{"selectattr", f_selectattr, -1}, {"slice", f_slice, 3}, {"sort", f_sort, 4}, {"string", f_string, 1},
	{"striptags", f_striptags, 1}, {"sum", f_sum, 3}, {"title", f_title, 1}, {"tojson", f_tojson, 2},
	{"trim", f_trim, 2}, {"truncate", f_truncate, 5}, {"unique", f_unique, 3}, {"upper", f_upper, 1},
	{"urlencode", f_urlencode, 1}, {"wordcount", f_wordcount, 1}, {"wordwrap", f_wordwrap, 5},
	{"xmlattr", f_xmlattr, 2}, {"items", f_items, 1},
}, tests[] = {
	{"defined", t_defined, 1}, {"undefined", t_undefined, 1}, {"none", t_none, 1}, {"boolean", t_boolean, 1},
	{"true", t_true, 1}, {"false", t_false, 1}, {"string", t_string, 1}, {"number", t_number, 1},
	{"integer", t_integer, 1}, {"float", t_float, 1}, {"mapping", t_mapping, 1}, {"sequence", t_sequence, 1},
	{"iterable", t_iterable, 1}, {"callable", t_callable, 1}, {"sameas", t_sameas, 2}, {"eq", t_eq, 2},
	{"equalto", t_eq, 2}, {"==", t_eq, 2}, {"ne", t_ne, 2}, {"!=", t_ne, 2}, {"lt", t_lt, 2}, {"lessthan", t_lt, 2},
	{"<", t_lt, 2}, {"le", t_le, 2}, {"<=", t_le, 2}, {"gt", t_gt, 2}, {"greaterthan", t_gt, 2}, {">", t_gt, 2},
	{"ge", t_ge, 2}, {">=", t_ge, 2}, {"in", t_in, 2}, {"divisibleby", t_divisibleby, 2}, {"even", t_even, 1},
	{"odd", t_odd, 1}, {"lower", t_lower, 1}, {"upper", t_upper, 1}, {"escaped", t_escaped, 1},
	{"filter", t_filter, 1}, {"test", t_test, 1},
}, globals[] = {
	{"range", g_range, -1}, {"dict", g_dict, -1}, {"namespace", g_namespace, -1}, {"cycler", g_cycler, -1},
	{"joiner", g_joiner, -1},
};

void jinja__builtins_init(struct jinja_env *env)
{
	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		jinja_env_add_filter(env, filters[i].name, filters[i].fn, NULL);
		jinja__set_max_args(&env->filters, filters[i].name, filters[i].max);
	}
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
		jinja_env_add_test(env, tests[i].name, tests[i].fn, NULL);
		jinja__set_max_args(&env->tests, tests[i].name, tests[i].max);
	}
	for (size_t i = 0; i < ARRAY_SIZE(globals); i++)
		jinja_env_set_global(env, globals[i].name, jinja_func(env->arena, globals[i].name, globals[i].fn, NULL));
}
