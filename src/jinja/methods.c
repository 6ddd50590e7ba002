/*
 * jinja/methods.c — the Python methods of str, list and dict that
 * templates call (`name.lower()`, `cols.append(x)`, `d.get('k', 1)`),
 * Python's printf-style `%` formatting and str.format().
 *
 * Mutating methods return None, as in Python, and refuse containers not
 * made in this render's arena (see the ownership rule in jinja.h).
 * Case mapping: see jinja__casemap (Latin, Greek, Cyrillic). str.format supports positional/auto/named
 * fields, `.attr`/`[key]` lookups, !r/!s and the format-spec mini
 * language for s, d, f, e, g, %, x, o, b and ','.
 */
#include "jinja/jinja_int.h"
#include "core/mem.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) jinja_rt_error(rt, ING_EINVAL, __VA_ARGS__)

static const char *const str_methods[] = {
	"lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "replace", "startswith",
	"endswith", "format", "join", "title", "capitalize", "find", "rfind", "index", "rindex", "count",
	"isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric", "isdecimal",
	"zfill", "ljust", "rjust", "center", "splitlines", "partition", "rpartition", "swapcase",
	"casefold", "removeprefix", "removesuffix", "istitle", "encode", NULL};
static const char *const list_methods[] = {"append", "extend", "insert", "pop", "remove", "index",
					   "count", "copy", "reverse", "sort", "clear", NULL};
static const char *const tuple_methods[] = {"index", "count", NULL};
static const char *const dict_methods[] = {"items", "keys", "values", "get", "update", "pop",
					   "setdefault", "copy", "clear", "popitem", NULL};

static bool in_list(const char *const *l, const char *name)
{
	for (; *l; l++)
		if (!strcmp(*l, name))
			return true;
	return false;
}

unsigned jinja__method_mask(const char *name)
{
	return (in_list(str_methods, name) ? JM_STR : 0) | (in_list(list_methods, name) ? JM_LIST : 0) |
	       (in_list(tuple_methods, name) ? JM_TUPLE : 0) | (in_list(dict_methods, name) ? JM_DICT : 0);
}

bool jinja__has_method(struct jinja_value self, const char *name)
{
	switch (self.type) {
	case JINJA_STR: return in_list(str_methods, name);
	case JINJA_LIST: return in_list(list_methods, name);
	case JINJA_TUPLE: return in_list(tuple_methods, name);
	case JINJA_DICT: return in_list(dict_methods, name);
	default: return false;
	}
}

struct margs {
	const struct jinja_value *a;
	size_t n;
	const struct jinja_kwarg *kw;
	size_t nkw;
};

static bool marg(const struct margs *m, size_t i, const char *name, struct jinja_value *out)
{
	if (i < m->n) {
		*out = m->a[i];
		return true;
	}
	for (size_t k = 0; name && k < m->nkw; k++)
		if (!strcmp(m->kw[k].name, name)) {
			*out = m->kw[k].value;
			return true;
		}
	*out = jinja_undefined();
	return false;
}

static int need_str(struct jinja_rt *rt, struct jinja_value v, const char *fn)
{
	if (v.type != JINJA_STR)
		return ERR("%s() argument must be str, not %s", fn, jinja_type_name(v));
	return 0;
}

static int opt_int(struct jinja_rt *rt, const struct margs *m, size_t i, const char *name, int64_t dflt, int64_t *out)
{
	struct jinja_value v;
	*out = dflt;
	if (!marg(m, i, name, &v) || v.type == JINJA_NONE)
		return 0;
	if (v.type == JINJA_INT) {
		*out = v.u.i;
		return 0;
	}
	if (v.type == JINJA_BOOL) {
		*out = v.u.b;
		return 0;
	}
	return ERR("'%s' object cannot be interpreted as an integer", jinja_type_name(v));
}

static struct jinja_value case_map(struct jinja_rt *rt, struct jinja_value s, int mode)
{
	static const int modes[] = {JCASE_LOWER, JCASE_UPPER, JCASE_TITLE, JCASE_CAPITALIZE, JCASE_SWAP};
	return jinja__casemap(rt->arena, s, modes[mode]);
}

static bool strip_char(char ch, struct jinja_value chars)
{
	if (chars.type == JINJA_STR)
		return memchr(chars.u.s, ch, chars.len) != NULL;
	return isspace((unsigned char)ch);
}

/* code-point index of byte offset */
static int64_t cp_index(struct jinja_value s, size_t off)
{
	return (int64_t)jinja__u8len(s.u.s, off);
}

static int64_t find_sub(struct jinja_value s, struct jinja_value sub, int64_t start, int64_t end, bool rev)
{
	int64_t n = (int64_t)jinja__u8len(s.u.s, s.len);
	if (start < 0)
		start += n;
	if (end < 0)
		end += n;
	if (start < 0)
		start = 0;
	if (end > n)
		end = n;
	if (end < start || (int64_t)jinja__u8len(sub.u.s, sub.len) > end - start)
		return -1;
	size_t a = jinja__u8off(s.u.s, s.len, (size_t)start), b = jinja__u8off(s.u.s, s.len, (size_t)end);
	if (sub.len > b - a) /* byte lengths (invalid UTF-8 makes them differ from code points) */
		return -1;
	if (!rev) {
		const char *q = sub.len ? memmem(s.u.s + a, b - a, sub.u.s, sub.len) : s.u.s + a;
		return q ? cp_index(s, (size_t)(q - s.u.s)) : -1;
	}
	if (!sub.len)
		return end;
	for (size_t i = b - sub.len + 1; i-- > a;)
		if (!memcmp(s.u.s + i, sub.u.s, sub.len))
			return cp_index(s, i);
	return -1;
}

static int split(struct jinja_rt *rt, struct jinja_value s, const struct margs *m, bool rev, struct jinja_value *ret)
{
	struct jinja_value sep;
	int64_t maxsplit;
	int rc = opt_int(rt, m, 1, "maxsplit", -1, &maxsplit);
	if (rc)
		return rc;
	bool has_sep = marg(m, 0, "sep", &sep) && sep.type != JINJA_NONE;
	if (has_sep && (rc = need_str(rt, sep, "split")))
		return rc;
	if (has_sep && !sep.len)
		return ERR("empty separator");
	struct jinja_value l = jinja_list_new(rt->arena, 4);
	if (!has_sep) {
		/* whitespace runs; leading/trailing ignored */
		VEC(struct jinja_value) parts = VEC_INIT;
		if (!rev) {
			uint32_t i = 0;
			int64_t done = 0;
			while (i < s.len) {
				while (i < s.len && isspace((unsigned char)s.u.s[i]))
					i++;
				if (i >= s.len)
					break;
				if (maxsplit >= 0 && done >= maxsplit) {
					vec_push(&parts, jinja_str_static(s.u.s + i, s.len - i));
					break;
				}
				uint32_t j = i;
				while (j < s.len && !isspace((unsigned char)s.u.s[j]))
					j++;
				vec_push(&parts, jinja_str_static(s.u.s + i, j - i));
				done++;
				i = j;
			}
			for (size_t k = 0; k < parts.len; k++)
				jinja_list_push(l, parts.items[k]);
		} else {
			int64_t i = (int64_t)s.len, done = 0;
			while (i > 0) {
				while (i > 0 && isspace((unsigned char)s.u.s[i - 1]))
					i--;
				if (i <= 0)
					break;
				if (maxsplit >= 0 && done >= maxsplit) {
					vec_push(&parts, jinja_str_static(s.u.s, (size_t)i));
					break;
				}
				int64_t j = i;
				while (j > 0 && !isspace((unsigned char)s.u.s[j - 1]))
					j--;
				vec_push(&parts, jinja_str_static(s.u.s + j, (size_t)(i - j)));
				done++;
				i = j;
			}
			for (size_t k = parts.len; k > 0; k--)
				jinja_list_push(l, parts.items[k - 1]);
		}
		vec_free(&parts);
		*ret = l;
		return 0;
	}
	if (!rev) {
		const char *p = s.u.s, *e = p + s.len;
		int64_t done = 0;
		for (;;) {
			const char *q = (maxsplit < 0 || done < maxsplit) ? memmem(p, (size_t)(e - p), sep.u.s, sep.len) : NULL;
			if (!q) {
				jinja_list_push(l, jinja_str_static(p, (size_t)(e - p)));
				break;
			}
			jinja_list_push(l, jinja_str_static(p, (size_t)(q - p)));
			p = q + sep.len;
			done++;
		}
	} else {
		VEC(struct jinja_value) parts = VEC_INIT;
		int64_t end = (int64_t)s.len, done = 0;
		int64_t i = end - (int64_t)sep.len;
		while (i >= 0) {
			if ((maxsplit < 0 || done < maxsplit) && !memcmp(s.u.s + i, sep.u.s, sep.len)) {
				vec_push(&parts, jinja_str_static(s.u.s + i + sep.len, (size_t)(end - i - (int64_t)sep.len)));
				end = i;
				done++;
				i -= (int64_t)sep.len;
				continue;
			}
			i--;
		}
		vec_push(&parts, jinja_str_static(s.u.s, (size_t)end));
		for (size_t k = parts.len; k > 0; k--)
			jinja_list_push(l, parts.items[k - 1]);
		vec_free(&parts);
	}
	*ret = l;
	return 0;
}

static int affix_test(struct jinja_rt *rt, struct jinja_value s, struct jinja_value pre, bool end, bool *res)
{
	if (pre.type == JINJA_TUPLE || pre.type == JINJA_LIST) {
		*res = false;
		for (uint32_t i = 0; i < pre.u.list->len && !*res; i++) {
			int rc = affix_test(rt, s, pre.u.list->items[i], end, res);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (pre.type != JINJA_STR)
		return ERR("%s first arg must be str or a tuple of str, not %s", end ? "endswith" : "startswith",
			   jinja_type_name(pre));
	*res = pre.len <= s.len && !memcmp(end ? s.u.s + s.len - pre.len : s.u.s, pre.u.s, pre.len);
	return 0;
}

int jinja__str_format(struct jinja_rt *rt, struct jinja_value fmt, struct jinja_value args, struct jinja_value *out);
static int str_dot_format(struct jinja_rt *rt, struct jinja_value fmt, const struct margs *m, struct jinja_value *out);

static int pad(struct jinja_rt *rt, struct jinja_value s, int64_t width, char fill, int align, struct jinja_value *ret)
{
	int64_t n = (int64_t)jinja__u8len(s.u.s, s.len);
	if (width <= n) {
		*ret = s;
		return 0;
	}
	if (width > (int64_t)rt->max_out)
		return jinja_rt_error(rt, ING_ELIMIT, "padding width exceeds the output limit");
	int64_t p = width - n, left = align < 0 ? 0 : align > 0 ? p : p / 2 + (p & width & 1);
	struct buf b = BUF_INIT;
	for (int64_t i = 0; i < left; i++)
		buf_putc(&b, fill);
	buf_add(&b, s.u.s, s.len);
	for (int64_t i = 0; i < p - left; i++)
		buf_putc(&b, fill);
	*ret = jinja__buf_value(rt, &b);
	buf_free(&b);
	return 0;
}

static int str_method(struct jinja_rt *rt, struct jinja_value s, const char *name, const struct margs *m,
		      struct jinja_value *ret)
{
	struct jinja_value a0, a1;
	int rc;
	if ((name[0] == 'l' && !strcmp(name, "lower")) || (name[0] == 'c' && !strcmp(name, "casefold"))) { *ret = case_map(rt, s, 0); return 0; }
	if ((name[0] == 'u' && !strcmp(name, "upper"))) { *ret = case_map(rt, s, 1); return 0; }
	if ((name[0] == 't' && !strcmp(name, "title"))) { *ret = case_map(rt, s, 2); return 0; }
	if ((name[0] == 'c' && !strcmp(name, "capitalize"))) { *ret = case_map(rt, s, 3); return 0; }
	if ((name[0] == 's' && !strcmp(name, "swapcase"))) { *ret = case_map(rt, s, 4); return 0; }
	if ((name[0] == 's' && !strcmp(name, "strip")) || (name[0] == 'l' && !strcmp(name, "lstrip")) || (name[0] == 'r' && !strcmp(name, "rstrip"))) {
		if (!marg(m, 0, "chars", &a0) || a0.type == JINJA_NONE)
			a0 = jinja_undefined();
		else if ((rc = need_str(rt, a0, name)))
			return rc;
		uint32_t a = 0, b = s.len;
		if (name[0] != 'r')
			while (a < b && strip_char(s.u.s[a], a0))
				a++;
		if (name[0] != 'l')
			while (b > a && strip_char(s.u.s[b - 1], a0))
				b--;
		*ret = jinja_str_static(s.u.s + a, b - a);
		return 0;
	}
	if ((name[0] == 's' && !strcmp(name, "split")))
		return split(rt, s, m, false, ret);
	if ((name[0] == 'r' && !strcmp(name, "rsplit")))
		return split(rt, s, m, true, ret);
	if ((name[0] == 's' && !strcmp(name, "splitlines"))) {
		struct jinja_value l = jinja_list_new(rt->arena, 4);
		bool keep = marg(m, 0, "keepends", &a0) && jinja_truthy(a0);
		uint32_t i = 0;
		while (i < s.len) {
			uint32_t j = i;
			while (j < s.len && s.u.s[j] != '\n' && s.u.s[j] != '\r')
				j++;
			uint32_t e = j;
			if (j < s.len) {
				j += (s.u.s[j] == '\r' && j + 1 < s.len && s.u.s[j + 1] == '\n') ? 2 : 1;
			}
			jinja_list_push(l, jinja_str_static(s.u.s + i, (keep ? j : e) - i));
			i = j;
		}
		*ret = l;
		return 0;
	}
	if ((name[0] == 'r' && !strcmp(name, "replace"))) {
		int64_t count;
		if (!marg(m, 0, "old", &a0) || !marg(m, 1, "new", &a1))
			return ERR("replace expected at least 2 arguments");
		if ((rc = need_str(rt, a0, name)) || (rc = need_str(rt, a1, name)) ||
		    (rc = opt_int(rt, m, 2, "count", -1, &count)))
			return rc;
		struct buf b = BUF_INIT;
		b.max = rt->max_out + 1;
		int64_t done = 0;
		if (!a0.len) {
			for (uint32_t i = 0; i <= s.len; i++) {
				if (count < 0 || done < count) {
					buf_add(&b, a1.u.s, a1.len);
					done++;
				}
				if (i < s.len)
					buf_putc(&b, s.u.s[i]);
			}
		} else {
			const char *p = s.u.s, *e = p + s.len;
			for (;;) {
				const char *q = (count < 0 || done < count) ? memmem(p, (size_t)(e - p), a0.u.s, a0.len) : NULL;
				if (!q) {
					buf_add(&b, p, (size_t)(e - p));
					break;
				}
				buf_add(&b, p, (size_t)(q - p));
				buf_add(&b, a1.u.s, a1.len);
				p = q + a0.len;
				done++;
			}
		}
		if (b.len >= b.max) {
			buf_free(&b);
			return jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
		}
		*ret = jinja__buf_value(rt, &b);
		buf_free(&b);
		return 0;
	}
	if ((name[0] == 's' && !strcmp(name, "startswith")) || (name[0] == 'e' && !strcmp(name, "endswith"))) {
		bool r;
		if (!marg(m, 0, "prefix", &a0))
			return ERR("%s takes at least 1 argument", name);
		if ((rc = affix_test(rt, s, a0, name[0] == 'e', &r)))
			return rc;
		*ret = jinja_bool(r);
		return 0;
	}
	if ((name[0] == 'r' && !strcmp(name, "removeprefix")) || (name[0] == 'r' && !strcmp(name, "removesuffix"))) {
		bool r;
		if (!marg(m, 0, NULL, &a0))
			return ERR("%s takes 1 argument", name);
		if ((rc = need_str(rt, a0, name)))
			return rc;
		affix_test(rt, s, a0, name[6] == 's', &r);
		if (!r)
			*ret = s;
		else if (name[6] == 's')
			*ret = jinja_str_static(s.u.s, s.len - a0.len);
		else
			*ret = jinja_str_static(s.u.s + a0.len, s.len - a0.len);
		return 0;
	}
	if ((name[0] == 'f' && !strcmp(name, "format")))
		return str_dot_format(rt, s, m, ret);
	if ((name[0] == 'j' && !strcmp(name, "join"))) {
		struct jinja_value l;
		if (!marg(m, 0, "iterable", &a0))
			return ERR("join() takes exactly one argument");
		if ((rc = jinja__iter(rt, a0, &l)))
			return rc;
		struct buf b = BUF_INIT;
		b.max = rt->max_out + 1;
		for (uint32_t i = 0; i < l.u.list->len; i++) {
			struct jinja_value v = l.u.list->items[i];
			if (v.type != JINJA_STR) {
				buf_free(&b);
				return ERR("sequence item %u: expected str instance, %s found", i, jinja_type_name(v));
			}
			if (i)
				buf_add(&b, s.u.s, s.len);
			buf_add(&b, v.u.s, v.len);
		}
		if (b.len >= b.max) {
			buf_free(&b);
			return jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
		}
		*ret = jinja__buf_value(rt, &b);
		buf_free(&b);
		return 0;
	}
	if ((name[0] == 'f' && !strcmp(name, "find")) || (name[0] == 'r' && !strcmp(name, "rfind")) || (name[0] == 'i' && !strcmp(name, "index")) || (name[0] == 'r' && !strcmp(name, "rindex")) ||
	    (name[0] == 'c' && !strcmp(name, "count"))) {
		int64_t start, end;
		if (!marg(m, 0, "sub", &a0))
			return ERR("%s takes at least 1 argument", name);
		if ((rc = need_str(rt, a0, name)) || (rc = opt_int(rt, m, 1, "start", 0, &start)) ||
		    (rc = opt_int(rt, m, 2, "end", INT32_MAX, &end)))
			return rc;
		if ((name[0] == 'c' && !strcmp(name, "count"))) {
			int64_t n = 0, pos = start;
			if (!a0.len) {
				int64_t len = (int64_t)jinja__u8len(s.u.s, s.len);
				if (start < 0) start += len;
				if (end < 0) end += len;
				if (start < 0) start = 0;
				if (end > len) end = len;
				*ret = jinja_int(end >= start ? end - start + 1 : 0);
				return 0;
			}
			for (;;) {
				int64_t f = find_sub(s, a0, pos, end, false);
				if (f < 0)
					break;
				n++;
				pos = f + (int64_t)jinja__u8len(a0.u.s, a0.len);
			}
			*ret = jinja_int(n);
			return 0;
		}
		int64_t f = find_sub(s, a0, start, end, name[0] == 'r');
		if (f < 0 && strstr(name, "index"))
			return ERR("substring not found");
		*ret = jinja_int(f);
		return 0;
	}
	if (!strncmp(name, "is", 2)) {
		bool r = s.len > 0, cased = false, prev_cased = false, title_ok = true;
		for (uint32_t i = 0; i < s.len; i++) {
			unsigned char ch = (unsigned char)s.u.s[i];
			if ((name[0] == 'i' && !strcmp(name, "isdigit")) || (name[0] == 'i' && !strcmp(name, "isnumeric")) || (name[0] == 'i' && !strcmp(name, "isdecimal")))
				r &= isdigit(ch) != 0;
			else if ((name[0] == 'i' && !strcmp(name, "isalpha")))
				r &= isalpha(ch) != 0 || ch >= 0x80;
			else if ((name[0] == 'i' && !strcmp(name, "isalnum")))
				r &= isalnum(ch) != 0 || ch >= 0x80;
			else if ((name[0] == 'i' && !strcmp(name, "isspace")))
				r &= isspace(ch) != 0;
			else if ((name[0] == 'i' && !strcmp(name, "islower")) || (name[0] == 'i' && !strcmp(name, "isupper")))
				cased = true; /* decided below on code points */ else if ((name[0] == 'i' && !strcmp(name, "istitle"))) {
				if (isupper(ch)) {
					if (prev_cased)
						title_ok = false;
					prev_cased = cased = true;
				} else if (islower(ch)) {
					if (!prev_cased)
						title_ok = false;
					prev_cased = true;
				} else {
					prev_cased = false;
				}
			}
		}
		if ((name[0] == 'i' && !strcmp(name, "islower")) || (name[0] == 'i' && !strcmp(name, "isupper")))
			r = jinja__u8_isupper(s.u.s, s.len, name[2] == 'u');
		if ((name[0] == 'i' && !strcmp(name, "istitle")))
			r = cased && title_ok;
		*ret = jinja_bool(r);
		return 0;
	}
	if ((name[0] == 'z' && !strcmp(name, "zfill"))) {
		int64_t w;
		if ((rc = opt_int(rt, m, 0, "width", 0, &w)))
			return rc;
		int64_t n = (int64_t)jinja__u8len(s.u.s, s.len);
		if (w <= n) {
			*ret = s;
			return 0;
		}
		if (w > (int64_t)rt->max_out)
			return jinja_rt_error(rt, ING_ELIMIT, "width exceeds the output limit");
		struct buf b = BUF_INIT;
		uint32_t i = 0;
		if (s.len && (s.u.s[0] == '-' || s.u.s[0] == '+'))
			buf_putc(&b, s.u.s[i++]);
		for (int64_t k = 0; k < w - n; k++)
			buf_putc(&b, '0');
		buf_add(&b, s.u.s + i, s.len - i);
		*ret = jinja__buf_value(rt, &b);
		buf_free(&b);
		return 0;
	}
	if ((name[0] == 'l' && !strcmp(name, "ljust")) || (name[0] == 'r' && !strcmp(name, "rjust")) || (name[0] == 'c' && !strcmp(name, "center"))) {
		int64_t w;
		char fill = ' ';
		if ((rc = opt_int(rt, m, 0, "width", 0, &w)))
			return rc;
		if (marg(m, 1, "fillchar", &a1)) {
			if (a1.type != JINJA_STR || a1.len != 1)
				return ERR("The fill character must be exactly one character long");
			fill = a1.u.s[0];
		}
		return pad(rt, s, w, fill, name[0] == 'l' ? -1 : name[0] == 'r' ? 1 : 0, ret);
	}
	if ((name[0] == 'p' && !strcmp(name, "partition")) || (name[0] == 'r' && !strcmp(name, "rpartition"))) {
		if (!marg(m, 0, "sep", &a0))
			return ERR("%s takes exactly one argument", name);
		if ((rc = need_str(rt, a0, name)))
			return rc;
		if (!a0.len)
			return ERR("empty separator");
		struct jinja_value t = jinja_tuple_new(rt->arena, 3);
		const char *q = NULL;
		if (name[0] == 'p') {
			q = memmem(s.u.s, s.len, a0.u.s, a0.len);
		} else {
			for (size_t i = s.len >= a0.len ? s.len - a0.len + 1 : 0; i-- > 0;)
				if (!memcmp(s.u.s + i, a0.u.s, a0.len)) {
					q = s.u.s + i;
					break;
				}
		}
		if (!q) {
			struct jinja_value e = jinja_str_static("", 0);
			t.u.list->items[0] = name[0] == 'p' ? s : e;
			t.u.list->items[1] = e;
			t.u.list->items[2] = name[0] == 'p' ? e : s;
		} else {
			t.u.list->items[0] = jinja_str_static(s.u.s, (size_t)(q - s.u.s));
			t.u.list->items[1] = a0;
			t.u.list->items[2] = jinja_str_static(q + a0.len, s.len - (size_t)(q - s.u.s) - a0.len);
		}
		*ret = t;
		return 0;
	}
	if ((name[0] == 'e' && !strcmp(name, "encode"))) {
		*ret = s;
		return 0;
	}
	return ING_ENOTFOUND;
}

static int check_mut(struct jinja_rt *rt, struct jinja_value v, const char *name)
{
	if (!jinja__mutable(rt, v))
		return ERR("cannot call %s() on a %s that belongs to the environment (copy it first)", name,
			   jinja_type_name(v));
	return 0;
}

static int list_method(struct jinja_rt *rt, struct jinja_value l, const char *name, const struct margs *m,
		       struct jinja_value *ret)
{
	struct jinja_value a0, a1;
	int rc;
	struct jinja_list *L = l.u.list;
	*ret = jinja_none();
	if ((name[0] == 'i' && !strcmp(name, "index")) || (name[0] == 'c' && !strcmp(name, "count"))) {
		if (!marg(m, 0, NULL, &a0))
			return ERR("%s() takes exactly one argument", name);
		int64_t n = 0;
		for (uint32_t i = 0; i < L->len; i++)
			if (jinja_value_eq(L->items[i], a0)) {
				if (name[0] == 'i') {
					*ret = jinja_int(i);
					return 0;
				}
				n++;
			}
		if (name[0] == 'i')
			return ERR("value is not in list");
		*ret = jinja_int(n);
		return 0;
	}
	if ((name[0] == 'c' && !strcmp(name, "copy"))) {
		struct jinja_value c = jinja_list_new(rt->arena, L->len);
		for (uint32_t i = 0; i < L->len; i++)
			jinja_list_push(c, L->items[i]);
		*ret = c;
		return 0;
	}
	if ((rc = check_mut(rt, l, name)))
		return rc;
	if ((name[0] == 'a' && !strcmp(name, "append"))) {
		if (m->n != 1)
			return ERR("append() takes exactly one argument (%zu given)", m->n);
		if (L->len >= (uint64_t)rt->env->limits.max_range * 100)
			return jinja_rt_error(rt, ING_ELIMIT, "list too long");
		jinja_list_push(l, m->a[0]);
		return 0;
	}
	if ((name[0] == 'e' && !strcmp(name, "extend"))) {
		struct jinja_value it;
		if (!marg(m, 0, NULL, &a0))
			return ERR("extend() takes exactly one argument");
		if ((rc = jinja__iter(rt, a0, &it)))
			return rc;
		uint32_t n = it.u.list->len;
		for (uint32_t i = 0; i < n; i++)
			jinja_list_push(l, it.u.list->items[i]);
		return 0;
	}
	if ((name[0] == 'i' && !strcmp(name, "insert"))) {
		int64_t i;
		if (m->n != 2)
			return ERR("insert expected 2 arguments");
		if ((rc = opt_int(rt, m, 0, NULL, 0, &i)))
			return rc;
		int64_t n = L->len;
		if (i < 0)
			i += n;
		if (i < 0)
			i = 0;
		if (i > n)
			i = n;
		jinja_list_push(l, m->a[1]);
		memmove(&L->items[i + 1], &L->items[i], (size_t)(n - i) * sizeof(L->items[0]));
		L->items[i] = m->a[1];
		return 0;
	}
	if ((name[0] == 'p' && !strcmp(name, "pop"))) {
		int64_t i;
		if ((rc = opt_int(rt, m, 0, NULL, -1, &i)))
			return rc;
		int64_t n = L->len;
		if (!n)
			return ERR("pop from empty list");
		if (i < 0)
			i += n;
		if (i < 0 || i >= n)
			return ERR("pop index out of range");
		*ret = L->items[i];
		memmove(&L->items[i], &L->items[i + 1], (size_t)(n - i - 1) * sizeof(L->items[0]));
		L->len--;
		return 0;
	}
	if ((name[0] == 'r' && !strcmp(name, "remove"))) {
		if (!marg(m, 0, NULL, &a0))
			return ERR("remove() takes exactly one argument");
		for (uint32_t i = 0; i < L->len; i++)
			if (jinja_value_eq(L->items[i], a0)) {
				memmove(&L->items[i], &L->items[i + 1], (L->len - i - 1) * sizeof(L->items[0]));
				L->len--;
				return 0;
			}
		return ERR("list.remove(x): x not in list");
	}
	if ((name[0] == 'r' && !strcmp(name, "reverse"))) {
		for (uint32_t i = 0, j = L->len; i + 1 < j; i++, j--) {
			struct jinja_value t = L->items[i];
			L->items[i] = L->items[j - 1];
			L->items[j - 1] = t;
		}
		return 0;
	}
	if ((name[0] == 'c' && !strcmp(name, "clear"))) {
		L->len = 0;
		return 0;
	}
	if ((name[0] == 's' && !strcmp(name, "sort"))) {
		bool rev = marg(m, 99, "reverse", &a1) && jinja_truthy(a1);
		/* insertion sort is stable; lists sorted in templates are short */
		for (uint32_t i = 1; i < L->len; i++) {
			struct jinja_value x = L->items[i];
			uint32_t j = i;
			while (j > 0) {
				int r;
				if (jinja__compare(L->items[j - 1], x, &r))
					return ERR("'<' not supported between instances of '%s' and '%s'",
						   jinja_type_name(L->items[j - 1]), jinja_type_name(x));
				if (rev ? r >= 0 : r <= 0)
					break;
				L->items[j] = L->items[j - 1];
				j--;
			}
			L->items[j] = x;
		}
		return 0;
	}
	return ING_ENOTFOUND;
}

static int dict_method(struct jinja_rt *rt, struct jinja_value d, const char *name, const struct margs *m,
		       struct jinja_value *ret)
{
	struct jinja_value a0, a1;
	int rc;
	struct jinja_dict *D = d.u.dict;
	*ret = jinja_none();
	if ((name[0] == 'i' && !strcmp(name, "items")) || (name[0] == 'k' && !strcmp(name, "keys")) || (name[0] == 'v' && !strcmp(name, "values"))) {
		struct jinja_value l = jinja_list_new(rt->arena, D->len);
		for (uint32_t i = 0; i < D->len; i++) {
			if (name[0] == 'i') {
				struct jinja_value t = jinja_tuple_new(rt->arena, 2);
				t.u.list->items[0] = D->ents[i].key;
				t.u.list->items[1] = D->ents[i].val;
				jinja_list_push(l, t);
			} else {
				jinja_list_push(l, name[0] == 'k' ? D->ents[i].key : D->ents[i].val);
			}
		}
		l.flags |= name[0] == 'i' ? JV_ITEMS : name[0] == 'k' ? JV_KEYS : JV_VALUES;
		*ret = l;
		return 0;
	}
	if ((name[0] == 'g' && !strcmp(name, "get"))) {
		if (!marg(m, 0, "key", &a0))
			return ERR("get expected at least 1 argument");
		if (!jinja__hashable(a0))
			return ERR("unhashable type: '%s'", jinja_type_name(a0));
		if (!jinja__dict_find(d, a0, jinja__hash(a0), ret)) {
			if (!marg(m, 1, "default", ret))
				*ret = jinja_none();
		}
		return 0;
	}
	if ((name[0] == 'c' && !strcmp(name, "copy"))) {
		struct jinja_value c = jinja_dict_new(rt->arena);
		for (uint32_t i = 0; i < D->len; i++)
			jinja_dict_set(c, D->ents[i].key, D->ents[i].val);
		*ret = c;
		return 0;
	}
	if ((rc = check_mut(rt, d, name)))
		return rc;
	if ((name[0] == 'u' && !strcmp(name, "update"))) {
		if (marg(m, 0, NULL, &a0)) {
			if (a0.type == JINJA_DICT) {
				for (uint32_t i = 0; i < a0.u.dict->len; i++)
					jinja_dict_set(d, a0.u.dict->ents[i].key, a0.u.dict->ents[i].val);
			} else {
				struct jinja_value l;
				if ((rc = jinja__iter(rt, a0, &l)))
					return rc;
				for (uint32_t i = 0; i < l.u.list->len; i++) {
					struct jinja_value t = l.u.list->items[i];
					if ((t.type != JINJA_LIST && t.type != JINJA_TUPLE) || t.u.list->len != 2)
						return ERR("dictionary update sequence element #%u has wrong length", i);
					if (jinja_dict_set(d, t.u.list->items[0], t.u.list->items[1]))
						return ERR("unhashable type");
				}
			}
		}
		for (size_t k = 0; k < m->nkw; k++)
			jinja_dict_set(d, jinja_str(rt->arena, m->kw[k].name, strlen(m->kw[k].name)), m->kw[k].value);
		return 0;
	}
	if ((name[0] == 'p' && !strcmp(name, "pop"))) {
		if (!marg(m, 0, NULL, &a0))
			return ERR("pop expected at least 1 argument");
		rc = jinja__dict_del(d, a0, ret);
		if (rc == ING_EINVAL)
			return ERR("unhashable type: '%s'", jinja_type_name(a0));
		if (rc) {
			if (marg(m, 1, NULL, &a1)) {
				*ret = a1;
				return 0;
			}
			struct buf b = BUF_INIT;
			jinja_value_repr(rt, a0, &b);
			rc = ERR("KeyError: %s", buf_cstr(&b));
			buf_free(&b);
			return rc;
		}
		return 0;
	}
	if ((name[0] == 'p' && !strcmp(name, "popitem"))) {
		if (!D->len)
			return ERR("popitem(): dictionary is empty");
		struct jinja_value t = jinja_tuple_new(rt->arena, 2);
		t.u.list->items[0] = D->ents[D->len - 1].key;
		t.u.list->items[1] = D->ents[D->len - 1].val;
		jinja__dict_del(d, t.u.list->items[0], NULL);
		*ret = t;
		return 0;
	}
	if ((name[0] == 's' && !strcmp(name, "setdefault"))) {
		if (!marg(m, 0, NULL, &a0))
			return ERR("setdefault expected at least 1 argument");
		if (!marg(m, 1, NULL, &a1))
			a1 = jinja_none();
		if (!jinja__hashable(a0))
			return ERR("unhashable type: '%s'", jinja_type_name(a0));
		if (jinja__dict_find(d, a0, jinja__hash(a0), ret))
			return 0;
		jinja_dict_set(d, a0, a1);
		*ret = a1;
		return 0;
	}
	if ((name[0] == 'c' && !strcmp(name, "clear"))) {
		D->len = 0;
		D->slots = NULL;
		D->nslots = 0;
		return 0;
	}
	return ING_ENOTFOUND;
}

int jinja__method(struct jinja_rt *rt, struct jinja_value self, const char *name, const struct jinja_value *args,
		  size_t nargs, const struct jinja_kwarg *kw, size_t nkw, struct jinja_value *ret)
{
	struct margs m = {args, nargs, kw, nkw};
	int rc = ING_ENOTFOUND;
	switch (self.type) {
	case JINJA_STR: rc = str_method(rt, self, name, &m, ret); break;
	case JINJA_LIST: case JINJA_TUPLE:
		if (self.type == JINJA_TUPLE && !in_list(tuple_methods, name))
			break;
		rc = list_method(rt, self, name, &m, ret);
		break;
	case JINJA_DICT: rc = dict_method(rt, self, name, &m, ret); break;
	default: break;
	}
	if (rc == ING_ENOTFOUND)
		return jinja_rt_error(rt, ING_EINVAL, "'%s' object has no attribute '%s'", jinja_type_name(self), name);
	return rc;
}

/* --------------------------------------------------------- formatting */

static int to_s(struct jinja_rt *rt, struct jinja_value v, bool repr, struct buf *b)
{
	return repr ? jinja_value_repr(rt, v, b) : jinja__str(rt, v, b);
}

static bool as_num(struct jinja_value v, double *f, int64_t *i, bool *is_int)
{
	switch (v.type) {
	case JINJA_INT: *i = v.u.i; *f = (double)v.u.i; *is_int = true; return true;
	case JINJA_BOOL: *i = v.u.b; *f = v.u.b; *is_int = true; return true;
	case JINJA_FLOAT:
		*f = v.u.f;
		*i = (isfinite(v.u.f) && fabs(v.u.f) < 9.2e18) ? (int64_t)v.u.f : 0;
		*is_int = false;
		return true;
	default: return false;
	}
}

/* Python float formatting for f/e/g with a precision; C printf matches
 * except for inf/nan spelling. */
static void fmt_num_c(struct buf *b, char conv, int prec, double f, bool alt)
{
	if (isnan(f)) {
		buf_puts(b, isupper((unsigned char)conv) ? "NAN" : "nan");
		return;
	}
	if (isinf(f)) {
		buf_puts(b, f < 0 ? (isupper((unsigned char)conv) ? "-INF" : "-inf") : (isupper((unsigned char)conv) ? "INF" : "inf"));
		return;
	}
	char spec[16];
	snprintf(spec, sizeof(spec), "%%%s.%d%c", alt ? "#" : "", prec, conv);
	buf_printf(b, spec, f);
}

/* printf-style: fmt % args */
int jinja__str_format(struct jinja_rt *rt, struct jinja_value fmt, struct jinja_value args, struct jinja_value *out)
{
	struct buf b = BUF_INIT;
	b.max = rt->max_out + 1;
	const struct jinja_value *av;
	size_t an, ai = 0;
	struct jinja_value single = args;
	bool mapping = args.type == JINJA_DICT;
	if (args.type == JINJA_TUPLE) {
		av = args.u.list->items;
		an = args.u.list->len;
	} else {
		av = &single;
		an = 1;
	}
	int rc = 0;
	const char *p = fmt.u.s, *e = p + fmt.len;
	while (p < e && !rc) {
		const char *q = memchr(p, '%', (size_t)(e - p));
		if (!q) {
			buf_add(&b, p, (size_t)(e - p));
			break;
		}
		buf_add(&b, p, (size_t)(q - p));
		p = q + 1;
		if (p >= e) {
			rc = ERR("incomplete format");
			break;
		}
		struct jinja_value v = jinja_undefined();
		bool have_v = false;
		if (*p == '(') {
			const char *k = memchr(p, ')', (size_t)(e - p));
			if (!k) {
				rc = ERR("incomplete format key");
				break;
			}
			if (!mapping) {
				rc = ERR("format requires a mapping");
				break;
			}
			if (!jinja__dict_find_str(args.u.dict, p + 1, (size_t)(k - p - 1), str_hash(p + 1, (size_t)(k - p - 1)), &v)) {
				rc = ERR("KeyError: '%.*s'", (int)(k - p - 1), p + 1);
				break;
			}
			have_v = true;
			p = k + 1;
		}
		bool left = false, plus = false, space = false, zero = false, alt = false;
		for (; p < e && strchr("-+ 0#", *p); p++) {
			if (*p == '-') left = true;
			else if (*p == '+') plus = true;
			else if (*p == ' ') space = true;
			else if (*p == '0') zero = true;
			else alt = true;
		}
		int64_t width = 0, prec = -1;
		if (p < e && *p == '*') {
			if (ai >= an || av[ai].type != JINJA_INT) {
				rc = ERR("* wants int");
				break;
			}
			width = av[ai++].u.i;
			p++;
		}
		while (p < e && isdigit((unsigned char)*p) && width < 100000)
			width = width * 10 + (*p++ - '0');
		if (p < e && *p == '.') {
			p++;
			prec = 0;
			while (p < e && isdigit((unsigned char)*p) && prec < 1000)
				prec = prec * 10 + (*p++ - '0');
		}
		while (p < e && strchr("hlL", *p))
			p++;
		if (p >= e) {
			rc = ERR("incomplete format");
			break;
		}
		char conv = *p++;
		if (conv == '%') {
			buf_putc(&b, '%');
			continue;
		}
		if (!have_v) {
			if (mapping) {
				v = args;
			} else {
				if (ai >= an) {
					rc = ERR("not enough arguments for format string");
					break;
				}
				v = av[ai++];
			}
		}
		struct buf piece = BUF_INIT;
		double f;
		int64_t iv;
		bool is_int;
		switch (conv) {
		case 's': case 'r': case 'a':
			rc = to_s(rt, v, conv != 's', &piece);
			if (!rc && prec >= 0)
				buf_truncate(&piece, jinja__u8off(buf_cstr(&piece), piece.len, (size_t)prec));
			zero = false;
			break;
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c':
			if (conv == 'c' && v.type == JINJA_STR) {
				if (jinja__u8len(v.u.s, v.len) != 1) {
					rc = ERR("%%c requires an int or a unicode character");
					break;
				}
				buf_add(&piece, v.u.s, v.len);
				break;
			}
			if (!as_num(v, &f, &iv, &is_int)) {
				rc = ERR("%%%c format: a number is required, not %s", conv, jinja_type_name(v));
				break;
			}
			if (conv == 'c') {
				if (v.type == JINJA_STR) {
					buf_add(&piece, v.u.s, v.len);
				} else {
					buf_putc(&piece, (char)iv);
				}
				break;
			}
			if (!is_int) {
				if (conv != 'd' && conv != 'i' && conv != 'u') {
					rc = ERR("%%%c format: an integer is required, not float", conv);
					break;
				}
				if (!isfinite(f) || fabs(f) >= 9.2e18) {
					rc = ERR("%%%c format: float %g is out of the integer range", conv, f);
					break;
				}
				iv = (int64_t)f;
			}
			{
				bool neg = iv < 0;
				uint64_t u = neg ? 0 - (uint64_t)iv : (uint64_t)iv;
				char digits[80];
				const char *fm = conv == 'x' ? "%llx" : conv == 'X' ? "%llX" : conv == 'o' ? "%llo" : "%llu";
				snprintf(digits, sizeof(digits), fm, (unsigned long long)u);
				if (neg)
					buf_putc(&piece, '-');
				else if (plus)
					buf_putc(&piece, '+');
				else if (space)
					buf_putc(&piece, ' ');
				if (alt && conv != 'd' && conv != 'i' && conv != 'u')
					buf_puts(&piece, conv == 'o' ? "0o" : conv == 'x' ? "0x" : "0X");
				for (int64_t k = (int64_t)strlen(digits); k < prec; k++)
					buf_putc(&piece, '0');
				buf_puts(&piece, digits);
			}
			break;
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
			if (!as_num(v, &f, &iv, &is_int)) {
				rc = ERR("must be real number, not %s", jinja_type_name(v));
				break;
			}
			if (!signbit(f) || isnan(f)) {
				if (plus)
					buf_putc(&piece, '+');
				else if (space)
					buf_putc(&piece, ' ');
			}
			fmt_num_c(&piece, conv, prec < 0 ? 6 : (int)prec, f, alt);
			break;
		default:
			rc = ERR("unsupported format character '%c' (0x%x)", conv, (unsigned char)conv);
		}
		if (!rc) {
			int64_t n = (int64_t)jinja__u8len(buf_cstr(&piece), piece.len);
			if (width > n) {
				if (left) {
					buf_add(&b, piece.data, piece.len);
					for (int64_t k = n; k < width; k++)
						buf_putc(&b, ' ');
				} else if (zero && conv != 's' && conv != 'r') {
					size_t sign = piece.len && strchr("+- ", piece.data[0]) ? 1 : 0;
					buf_add(&b, piece.data, sign);
					for (int64_t k = n; k < width; k++)
						buf_putc(&b, '0');
					buf_add(&b, piece.data + sign, piece.len - sign);
				} else {
					for (int64_t k = n; k < width; k++)
						buf_putc(&b, ' ');
					buf_add(&b, piece.data, piece.len);
				}
			} else {
				buf_add(&b, buf_cstr(&piece), piece.len);
			}
		}
		buf_free(&piece);
	}
	if (!rc && !mapping && args.type == JINJA_TUPLE && ai < an)
		rc = ERR("not all arguments converted during string formatting");
	if (!rc && !mapping && args.type != JINJA_TUPLE && ai == 0 && an == 1)
		rc = ERR("not all arguments converted during string formatting");
	if (!rc && b.max && b.len >= b.max)
		rc = jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
	if (!rc)
		*out = jinja__buf_value(rt, &b);
	buf_free(&b);
	return rc;
}

/* format-spec mini language: [[fill]align][sign][#][0][width][,][.prec][type] */
static int apply_spec(struct jinja_rt *rt, struct jinja_value v, const char *s, size_t n, struct buf *out)
{
	char fill = ' ', align = 0, sign = '-', type = 0;
	bool alt = false, comma = false, zero = false;
	int64_t width = -1, prec = -1;
	size_t i = 0;
	if (n >= 2 && strchr("<>^=", s[1])) {
		fill = s[0];
		align = s[1];
		i = 2;
	} else if (n >= 1 && strchr("<>^=", s[0])) {
		align = s[0];
		i = 1;
	}
	if (i < n && strchr("+- ", s[i]))
		sign = s[i++];
	if (i < n && s[i] == '#') {
		alt = true;
		i++;
	}
	if (i < n && s[i] == '0') {
		zero = true;
		i++;
	}
	while (i < n && isdigit((unsigned char)s[i]) && width < 100000)
		width = (width < 0 ? 0 : width * 10) + (s[i++] - '0');
	if (i < n && (s[i] == ',' || s[i] == '_')) {
		comma = true;
		i++;
	}
	if (i < n && s[i] == '.') {
		i++;
		prec = 0;
		while (i < n && isdigit((unsigned char)s[i]) && prec < 1000)
			prec = prec * 10 + (s[i++] - '0');
	}
	if (i < n)
		type = s[i++];
	if (i < n)
		return ERR("Invalid format specifier");
	struct buf piece = BUF_INIT;
	double f;
	int64_t iv;
	bool is_int, numeric = as_num(v, &f, &iv, &is_int) && v.type != JINJA_BOOL;
	if (v.type == JINJA_BOOL && type && type != 's')
		numeric = as_num(v, &f, &iv, &is_int);
	int rc = 0;
	if (!numeric || type == 's') {
		if (type && type != 's') {
			buf_free(&piece);
			return ERR("Unknown format code '%c' for object of type '%s'", type, jinja_type_name(v));
		}
		rc = jinja__str(rt, v, &piece);
		if (prec >= 0)
			buf_truncate(&piece, jinja__u8off(buf_cstr(&piece), piece.len, (size_t)prec));
		if (!align)
			align = '<';
	} else {
		if (!align)
			align = zero ? '=' : '>';
		if (zero && fill == ' ' && !(s[0] && s[1] && strchr("<>^=", s[1])))
			fill = '0';
		bool neg = signbit(f) && !(is_int && iv >= 0);
		if (is_int)
			neg = iv < 0;
		char body[512];
		if (!type)
			type = is_int ? 'd' : (prec >= 0 ? 'g' : 0);
		if (is_int && strchr("dxXobn", type)) {
			uint64_t u = neg ? 0 - (uint64_t)iv : (uint64_t)iv;
			if (type == 'b') {
				char t[70];
				int k = 0;
				do {
					t[k++] = (char)('0' + (u & 1));
					u >>= 1;
				} while (u);
				for (int q = 0; q < k; q++)
					body[q] = t[k - 1 - q];
				body[k] = 0;
			} else {
				snprintf(body, sizeof(body), type == 'x' ? "%llx" : type == 'X' ? "%llX" : type == 'o' ? "%llo" : "%llu",
					 (unsigned long long)u);
			}
		} else if (strchr("dxXob", type)) {
			buf_free(&piece);
			return ERR("Unknown format code '%c' for object of type 'float'", type);
		} else {
			double af = fabs(f);
			struct buf t = BUF_INIT;
			if (type == 0) {
				jinja__fmt_float(af, &t);
			} else if (type == '%') {
				fmt_num_c(&t, 'f', prec < 0 ? 6 : (int)prec, af * 100, alt);
				buf_putc(&t, '%');
			} else if (type == 'g' || type == 'G') {
				/* Python 'g' drops trailing zeros like C */
				fmt_num_c(&t, type, prec < 0 ? 6 : (prec == 0 ? 1 : (int)prec), af, alt);
			} else if (strchr("fFeE", type)) {
				fmt_num_c(&t, type, prec < 0 ? 6 : (int)prec, af, alt);
			} else {
				buf_free(&t);
				buf_free(&piece);
				return ERR("Unknown format code '%c' for object of type '%s'", type, jinja_type_name(v));
			}
			snprintf(body, sizeof(body), "%s", buf_cstr(&t));
			buf_free(&t);
		}
		if (comma) {
			/* group the integer digits by three */
			char g[700];
			size_t dl = strspn(body, "0123456789"), k = 0;
			for (size_t q = 0; q < dl; q++) {
				if (q && (dl - q) % 3 == 0)
					g[k++] = ',';
				g[k++] = body[q];
			}
			size_t rest = strlen(body + dl);
			if (k + rest < sizeof(body)) {
				memcpy(g + k, body + dl, rest + 1);
				memcpy(body, g, k + rest + 1);
			}
		}
		if (neg)
			buf_putc(&piece, '-');
		else if (sign == '+')
			buf_putc(&piece, '+');
		else if (sign == ' ')
			buf_putc(&piece, ' ');
		if (alt && is_int && strchr("xXob", type))
			buf_puts(&piece, type == 'x' ? "0x" : type == 'X' ? "0X" : type == 'o' ? "0o" : "0b");
		buf_puts(&piece, body);
	}
	if (rc) {
		buf_free(&piece);
		return rc;
	}
	int64_t len = (int64_t)jinja__u8len(buf_cstr(&piece), piece.len);
	if (width > (int64_t)rt->max_out) {
		buf_free(&piece);
		return jinja_rt_error(rt, ING_ELIMIT, "format width exceeds the output limit");
	}
	int64_t padn = width > len ? width - len : 0, left = 0;
	if (align == '<')
		left = 0;
	else if (align == '>')
		left = padn;
	else if (align == '^')
		left = padn / 2;
	if (align == '=') {
		size_t sl = piece.len && strchr("+- ", piece.data[0]) ? 1 : 0;
		if (sl == 0 && piece.len > 1 && piece.data[0] == '0' && strchr("xXob", piece.data[1]))
			sl = 2;
		buf_add(out, piece.data, sl);
		for (int64_t k = 0; k < padn; k++)
			buf_putc(out, fill);
		buf_add(out, piece.data + sl, piece.len - sl);
	} else {
		for (int64_t k = 0; k < left; k++)
			buf_putc(out, fill);
		buf_add(out, buf_cstr(&piece), piece.len);
		for (int64_t k = 0; k < padn - left; k++)
			buf_putc(out, fill);
	}
	buf_free(&piece);
	return 0;
}

static int str_dot_format(struct jinja_rt *rt, struct jinja_value fmt, const struct margs *m, struct jinja_value *out)
{
	struct buf b = BUF_INIT;
	b.max = rt->max_out + 1;
	const char *p = fmt.u.s, *e = p + fmt.len;
	size_t autoi = 0;
	int rc = 0, mode = 0; /* 1 auto, 2 manual */
	while (p < e && !rc) {
		char ch = *p;
		if (ch == '}') {
			if (p + 1 < e && p[1] == '}') {
				buf_putc(&b, '}');
				p += 2;
				continue;
			}
			rc = ERR("Single '}' encountered in format string");
			break;
		}
		if (ch != '{') {
			buf_putc(&b, ch);
			p++;
			continue;
		}
		if (p + 1 < e && p[1] == '{') {
			buf_putc(&b, '{');
			p += 2;
			continue;
		}
		const char *q = p + 1;
		int depth = 1;
		while (q < e && depth) {
			if (*q == '{')
				depth++;
			else if (*q == '}')
				depth--;
			if (depth)
				q++;
		}
		if (q >= e) {
			rc = ERR("expected '}' before end of string");
			break;
		}
		/* field: name[.attr|[key]]*[!conv][:spec] */
		const char *f = p + 1, *fe = q;
		const char *colon = NULL, *bang = NULL;
		for (const char *r = f; r < fe; r++) {
			if (*r == '[') {
				while (r < fe && *r != ']')
					r++;
				continue;
			}
			if (*r == '!' && !bang && !colon)
				bang = r;
			if (*r == ':' && !colon) {
				colon = r;
				break;
			}
		}
		const char *ne = bang ? bang : colon ? colon : fe;
		const char *nend = f;
		while (nend < ne && *nend != '.' && *nend != '[')
			nend++;
		struct jinja_value v;
		if (nend == f) {
			if (mode == 2) {
				rc = ERR("cannot switch from manual field specification to automatic field numbering");
				break;
			}
			mode = 1;
			if (autoi >= m->n) {
				rc = ERR("Replacement index %zu out of range for positional args tuple", autoi);
				break;
			}
			v = m->a[autoi++];
		} else if (isdigit((unsigned char)*f)) {
			if (mode == 1) {
				rc = ERR("cannot switch from automatic field numbering to manual field specification");
				break;
			}
			mode = 2;
			size_t idx = (size_t)strtoul(f, NULL, 10);
			if (idx >= m->n) {
				rc = ERR("Replacement index %zu out of range for positional args tuple", idx);
				break;
			}
			v = m->a[idx];
		} else {
			size_t k;
			for (k = 0; k < m->nkw; k++)
				if (strlen(m->kw[k].name) == (size_t)(nend - f) && !memcmp(m->kw[k].name, f, (size_t)(nend - f)))
					break;
			if (k == m->nkw) {
				rc = ERR("KeyError: '%.*s'", (int)(nend - f), f);
				break;
			}
			v = m->kw[k].value;
		}
		const char *r = nend;
		while (r < ne && !rc) {
			if (*r == '.') {
				const char *s2 = ++r;
				while (r < ne && *r != '.' && *r != '[')
					r++;
				rc = jinja__getattr(rt, v, arena_strndup(rt->arena, s2, (size_t)(r - s2)), &v);
			} else if (*r == '[') {
				const char *s2 = ++r;
				while (r < ne && *r != ']')
					r++;
				struct jinja_value key;
				bool digits = r > s2;
				for (const char *t = s2; t < r; t++)
					digits &= isdigit((unsigned char)*t) != 0;
				key = digits ? jinja_int(strtoll(s2, NULL, 10)) : jinja_str(rt->arena, s2, (size_t)(r - s2));
				rc = jinja__getitem(rt, v, key, &v);
				r++;
			} else {
				break;
			}
		}
		if (rc)
			break;
		if (bang && bang + 1 < fe && (bang[1] == 'r' || bang[1] == 'a')) {
			struct buf t = BUF_INIT;
			rc = jinja_value_repr(rt, v, &t);
			v = jinja__buf_value(rt, &t);
			buf_free(&t);
		} else if (bang && bang + 1 < fe && bang[1] == 's') {
			struct buf t = BUF_INIT;
			rc = jinja__str(rt, v, &t);
			v = jinja__buf_value(rt, &t);
			buf_free(&t);
		}
		if (!rc) {
			if (colon) {
				/* nested {} in the spec */
				struct margs m2 = *m;
				struct jinja_value spec;
				rc = str_dot_format(rt, jinja_str_static(colon + 1, (size_t)(fe - colon - 1)), &m2, &spec);
				if (!rc)
					rc = apply_spec(rt, v, spec.u.s, spec.len, &b);
			} else {
				rc = jinja__str(rt, v, &b);
			}
		}
		p = q + 1;
	}
	if (!rc && b.max && b.len >= b.max)
		rc = jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
	if (!rc)
		*out = jinja__buf_value(rt, &b);
	buf_free(&b);
	return rc;
}
