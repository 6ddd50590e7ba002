/*
 * transform/pyre.c — dbt's `modules.re`: Python's re module for the
 * patterns packages write (dbt_utils' slugify, dbt_expectations' regex
 * helpers), on the C library's POSIX regex engine (glibc regcomp, a
 * well-kept engine already linked) with Python's syntax translated:
 *
 *   \d \D \w \W \s \S (also inside [...]), \n \t \r \f \v, escaped
 *   punctuation, (?:...) groups, (?P<name>...) named groups, an inline
 *   (?i) at the start; flags re.I/IGNORECASE, re.M/MULTILINE, re.S/DOTALL.
 *
 * Functions: search, match, fullmatch, sub, subn, findall, split, compile
 * (a Pattern with the same methods), escape; Match objects have group(),
 * groups(), groupdict(), start(), end(), span(), string, re.
 *
 * Not Python's: a pattern with what POSIX has no form for — lazy
 * quantifiers (*?, +?, ??), lookaround (?=, (?!, (?<=, backreferences
 * \1 in the pattern, \A \Z — is refused with an error naming the construct.
 * Alternation takes the longest match at a position (POSIX) rather than the
 * first alternative that matches (a|ab on "ab" matches "ab").
 */
#include "transform/objmodel.h"
#include "core/buf.h"
#include "core/err.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

enum { PY_I = 2, PY_M = 8, PY_S = 16 };

struct pyre {
	const char *pattern; /* Python's text */
	int flags;
	regex_t re;
	size_t ngroups;      /* Python's groups */
	size_t *gmap;        /* Python group i (1-based) -> POSIX group */
	const char **names;  /* name of Python group i, or NULL */
	size_t anchor;       /* extra POSIX groups before the pattern's (match/fullmatch) */
};

struct pymatch {
	struct pyre *p;
	const char *s; /* the subject (NUL-terminated, arena) */
	size_t n;
	regmatch_t *m; /* POSIX groups */
};

static const struct jinja_obj_ops pat_ops, match_ops;

/* Translate Python's pattern into ERE; mode: 0 search, 1 match (anchored
 * at the start), 2 fullmatch (whole string). */
static int translate(struct jinja_rt *rt, struct arena *a, const char *py, int flags, int mode,
		     struct pyre **out)
{
	struct pyre *p = arena_zalloc(a, sizeof(*p));
	p->pattern = py;
	p->flags = flags;
	struct buf b = BUF_INIT;
	size_t cap = 8, posix = 0;
	p->gmap = arena_alloc(a, (cap + 1) * sizeof(*p->gmap));
	p->names = arena_zalloc(a, (cap + 1) * sizeof(*p->names));
	if (mode) {
		buf_puts(&b, "^(");
		p->anchor = 1;
		posix = 1;
	}
	const char *s = py;
	int rc = 0;
	bool in_class = false, class_dash = false;
	if (!strncmp(s, "(?i)", 4)) {
		p->flags |= PY_I;
		s += 4;
	}
	for (; *s && !rc; s++) {
		char c = *s;
		if (c == '\\') {
			char e = *++s;
			const char *cls = NULL;
			switch (e) {
			case 'd': cls = in_class ? "0-9" : "[0-9]"; break;
			case 'w': cls = in_class ? "[:alnum:]_" : "[[:alnum:]_]"; break;
			case 's': cls = in_class ? "[:space:]" : "[[:space:]]"; break;
			case 'D': cls = in_class ? NULL : "[^0-9]"; break;
			case 'W': cls = in_class ? NULL : "[^[:alnum:]_]"; break;
			case 'S': cls = in_class ? NULL : "[^[:space:]]"; break;
			case 'n': cls = "\n"; break;
			case 't': cls = "\t"; break;
			case 'r': cls = "\r"; break;
			case 'f': cls = "\f"; break;
			case 'v': cls = "\v"; break;
			case 'b': case 'B':
				if (in_class) {
					rc = jinja_rt_error(rt, ING_EUNSUPPORTED, "re: \\%c inside [...] is not supported", e);
					break;
				}
				buf_putc(&b, '\\');
				buf_putc(&b, e);
				continue;
			case 0:
				rc = jinja_rt_error(rt, ING_EINVAL, "re: bad escape (end of pattern)");
				continue;
			default:
				if ((e >= '0' && e <= '9') || e == 'A' || e == 'Z' || e == 'G' ||
				    ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z'))) {
					rc = jinja_rt_error(rt, ING_EUNSUPPORTED,
							    "re: \\%c is not supported in patterns here", e);
					continue;
				}
				if (in_class) {
					if (e == ']' || e == '^' || e == '\\') {
						rc = jinja_rt_error(rt, ING_EUNSUPPORTED,
								    "re: \\%c inside [...] is not supported", e);
						continue;
					}
					if (e == '-')
						class_dash = true; /* put last, where it is a literal */
					else
						buf_putc(&b, e); /* a literal in a POSIX bracket */
				} else {
					buf_putc(&b, '\\');
					buf_putc(&b, e);
				}
				continue;
			}
			if (rc)
				continue;
			if (!cls) {
				rc = jinja_rt_error(rt, ING_EUNSUPPORTED, "re: \\%c inside [...] is not supported", e);
				continue;
			}
			buf_puts(&b, cls);
			continue;
		}
		if (in_class) {
			if (c == '[' && s[1] == ':') {
				buf_putc(&b, '[');
				continue;
			}
			if (c == ']') {
				in_class = false;
				if (class_dash)
					buf_putc(&b, '-');
				class_dash = false;
			}
			buf_putc(&b, c);
			continue;
		}
		if (c == '[') {
			in_class = true;
			buf_putc(&b, '[');
			if (s[1] == '^') {
				buf_putc(&b, '^');
				s++;
			}
			if (s[1] == ']') { /* a leading ] is a literal in both */
				buf_putc(&b, ']');
				s++;
			}
			continue;
		}
		if ((c == '*' || c == '+' || c == '?' || c == '}') && s[1] == '?') {
			rc = jinja_rt_error(rt, ING_EUNSUPPORTED,
					    "re: lazy quantifiers (%c?) are not supported here", c);
			continue;
		}
		if (c == '(') {
			const char *name = NULL;
			if (s[1] == '?') {
				if (s[2] == ':') {
					s += 2;
					buf_putc(&b, '(');
					posix++;
					continue; /* a group POSIX counts, Python does not */
				}
				if (s[2] == 'P' && s[3] == '<') {
					const char *e = strchr(s + 4, '>');
					if (!e) {
						rc = jinja_rt_error(rt, ING_EINVAL, "re: missing >, unterminated name");
						continue;
					}
					name = arena_strndup(a, s + 4, (size_t)(e - s - 4));
					s = e;
				} else {
					rc = jinja_rt_error(rt, ING_EUNSUPPORTED,
							    "re: (?%c...) groups are not supported here", s[2]);
					continue;
				}
			}
			posix++;
			if (p->ngroups + 1 > cap) {
				size_t *g = arena_alloc(a, (cap * 2 + 1) * sizeof(*g));
				const char **nm = arena_zalloc(a, (cap * 2 + 1) * sizeof(*nm));
				memcpy(g, p->gmap, (cap + 1) * sizeof(*g));
				memcpy(nm, p->names, (cap + 1) * sizeof(*nm));
				p->gmap = g;
				p->names = nm;
				cap *= 2;
			}
			p->ngroups++;
			p->gmap[p->ngroups] = posix;
			p->names[p->ngroups] = name;
			buf_putc(&b, '(');
			continue;
		}
		if (c == '.' && !(flags & PY_S) && !(p->flags & PY_S)) {
			buf_puts(&b, "[^\n]");
			continue;
		}
		buf_putc(&b, c);
	}
	if (!rc && in_class)
		rc = jinja_rt_error(rt, ING_EINVAL, "re: unterminated character set");
	if (rc) {
		buf_free(&b);
		return rc;
	}
	if (mode)
		buf_puts(&b, mode == 2 ? ")$" : ")");
	int cf = REG_EXTENDED | ((p->flags & PY_I) ? REG_ICASE : 0) | ((p->flags & PY_M) ? REG_NEWLINE : 0);
	int e = regcomp(&p->re, buf_cstr(&b), cf);
	buf_free(&b);
	if (e) {
		char msg[128];
		regerror(e, &p->re, msg, sizeof(msg));
		return jinja_rt_error(rt, ING_EINVAL, "re: bad pattern '%s': %s", py, msg);
	}
	/* regex_t owns malloc'd state: compiled per call and freed by the
	 * caller (pyre_free) */
	*out = p;
	return 0;
}

/* The next match at or after off; false when none. */
static bool next_match(struct pyre *p, const char *s, size_t n, size_t off, regmatch_t *m)
{
	if (off > n)
		return false;
	m[0].rm_so = (regoff_t)off;
	m[0].rm_eo = (regoff_t)n;
	return regexec(&p->re, s, p->re.re_nsub + 1, m, REG_STARTEND | (off ? REG_NOTBOL : 0)) == 0;
}

static struct jinja_value group_value(struct arena *a, const struct pymatch *mt, size_t pyg)
{
	size_t g = pyg ? mt->p->gmap[pyg] : mt->p->anchor;
	regmatch_t r = mt->m[g];
	if (r.rm_so < 0)
		return jinja_none();
	return jinja_str(a, mt->s + r.rm_so, (size_t)(r.rm_eo - r.rm_so));
}

static struct jinja_value make_match(struct arena *a, struct pyre *p, const char *s, size_t n,
				     const regmatch_t *m)
{
	struct pymatch *mt = arena_alloc(a, sizeof(*mt));
	mt->p = p;
	mt->s = s;
	mt->n = n;
	mt->m = arena_alloc(a, (p->re.re_nsub + 1) * sizeof(*mt->m));
	memcpy(mt->m, m, (p->re.re_nsub + 1) * sizeof(*mt->m));
	return jinja_obj(a, &match_ops, mt);
}

/* Python group index from an int or a name; -1 when there is none. */
static long group_index(const struct pyre *p, struct jinja_value g)
{
	if (g.type == JINJA_INT)
		return g.u.i >= 0 && (size_t)g.u.i <= p->ngroups ? (long)g.u.i : -1;
	if (g.type == JINJA_STR)
		for (size_t i = 1; i <= p->ngroups; i++)
			if (p->names[i] && strlen(p->names[i]) == g.len && !memcmp(p->names[i], g.u.s, g.len))
				return (long)i;
	return -1;
}

/* Append repl with \1, \g<1>, \g<name>, \\ and \n expanded. */
static int expand(struct jinja_rt *rt, const struct pymatch *mt, const char *r, struct buf *out)
{
	struct arena *a = jinja_rt_arena(rt);
	for (const char *q = r; *q; q++) {
		if (*q != '\\') {
			buf_putc(out, *q);
			continue;
		}
		q++;
		long g = -1;
		if (*q >= '0' && *q <= '9') {
			g = *q - '0';
			if (q[1] >= '0' && q[1] <= '9' && g * 10 + (q[1] - '0') <= (long)mt->p->ngroups)
				g = g * 10 + (*++q - '0');
		} else if (*q == 'g' && q[1] == '<') {
			const char *e = strchr(q, '>');
			if (!e)
				return jinja_rt_error(rt, ING_EINVAL, "re: missing >, unterminated name");
			struct jinja_value key = jinja_str(a, q + 2, (size_t)(e - q - 2));
			char *end;
			long num = strtol(jinja_str_cstr(a, key), &end, 10);
			g = *end || e == q + 2 ? group_index(mt->p, key) : num;
			q = e;
		} else {
			switch (*q) {
			case 'n': buf_putc(out, '\n'); continue;
			case 't': buf_putc(out, '\t'); continue;
			case '\\': buf_putc(out, '\\'); continue;
			case 0: return jinja_rt_error(rt, ING_EINVAL, "re: bad escape (end of pattern)");
			default:
				if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
					return jinja_rt_error(rt, ING_EINVAL, "re: bad escape \\%c", *q);
				buf_putc(out, '\\');
				buf_putc(out, *q);
				continue;
			}
		}
		if (g < 0 || (size_t)g > mt->p->ngroups)
			return jinja_rt_error(rt, ING_EINVAL, "re: invalid group reference %ld", g);
		struct jinja_value v = group_value(a, mt, (size_t)g);
		if (v.type == JINJA_STR)
			buf_add(out, v.u.s, v.len);
	}
	return 0;
}

/* ---------------------------------------------------------- the API */

struct re_args {
	struct pyre *p;      /* compiled for this call */
	bool owned;          /* free it after the call */
	const char *s;       /* subject */
	size_t n;
	size_t next;         /* index of the next positional argument after string */
};

static int flags_arg(const struct jinja_call *c, size_t i, int dflt, int *out)
{
	struct jinja_value v;
	*out = dflt;
	if (jinja_call_arg(c, i, "flags", &v) && v.type == JINJA_INT)
		*out = (int)v.u.i;
	return 0;
}

/* pattern object or module function: (pattern, string, ...) */
static int get_args(const struct jinja_call *c, struct pyre *bound, int mode, size_t string_pos,
		    const char *string_name, size_t flags_pos, struct re_args *ra)
{
	struct arena *a = jinja_rt_arena(c->rt);
	struct jinja_value pv, sv;
	memset(ra, 0, sizeof(*ra));
	if (!jinja_call_arg(c, string_pos, string_name, &sv) ||
	    sv.type != JINJA_STR)
		return jinja_rt_error(c->rt, ING_EINVAL, "re: expected string or bytes-like object");
	ra->s = jinja_str_cstr(a, sv);
	ra->n = sv.len;
	if (memchr(sv.u.s, 0, sv.len))
		return jinja_rt_error(c->rt, ING_EINVAL, "re: strings with NUL characters are not supported");
	const char *pat;
	int flags;
	if (bound) {
		pat = bound->pattern;
		flags = bound->flags;
	} else {
		if (!jinja_call_arg(c, 0, "pattern", &pv))
			return jinja_rt_error(c->rt, ING_EINVAL, "re: missing pattern");
		struct pyre *pp = jinja_obj_user(pv, &pat_ops);
		if (pp) {
			pat = pp->pattern;
			flags = pp->flags;
		} else if (pv.type == JINJA_STR) {
			pat = jinja_str_cstr(a, pv);
			flags_arg(c, flags_pos, 0, &flags);
		} else {
			return jinja_rt_error(c->rt, ING_EINVAL, "re: first argument must be string or compiled pattern");
		}
	}
	int rc = translate(c->rt, a, pat, flags, mode, &ra->p);
	ra->owned = rc == 0;
	return rc;
}

static int do_search(const struct jinja_call *c, struct pyre *bound, int mode, struct jinja_value *ret)
{
	struct re_args ra;
	int rc = get_args(c, bound, mode, bound ? 0 : 1, "string", 2, &ra);
	if (rc)
		return rc;
	regmatch_t *m = arena_alloc(jinja_rt_arena(c->rt), (ra.p->re.re_nsub + 1) * sizeof(*m));
	if (next_match(ra.p, ra.s, ra.n, 0, m))
		*ret = make_match(jinja_rt_arena(c->rt), ra.p, ra.s, ra.n, m);
	else
		*ret = jinja_none();
	/* the Match keeps group offsets, not the regex: free it */
	regfree(&ra.p->re);
	return 0;
}

static int do_sub(const struct jinja_call *c, struct pyre *bound, bool subn, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	struct jinja_value repl;
	size_t base = bound ? 0 : 1;
	if (!jinja_call_arg(c, base, "repl", &repl))
		return jinja_rt_error(c->rt, ING_EINVAL, "re.sub() missing argument 'repl'");
	struct re_args ra;
	int rc = get_args(c, bound, 0, base + 1, "string", base + 3, &ra);
	if (rc)
		return rc;
	struct jinja_value cnt;
	int64_t count = 0;
	if (jinja_call_arg(c, base + 2, "count", &cnt) && cnt.type == JINJA_INT)
		count = cnt.u.i;
	const char *rs = repl.type == JINJA_STR ? jinja_str_cstr(a, repl) : NULL;
	regmatch_t *m = arena_alloc(a, (ra.p->re.re_nsub + 1) * sizeof(*m));
	struct buf out = BUF_INIT;
	size_t pos = 0, done = 0;
	int64_t nsub = 0;
	while (pos <= ra.n && (!count || nsub < count) && next_match(ra.p, ra.s, ra.n, pos, m)) {
		size_t so = (size_t)m[ra.p->anchor].rm_so, eo = (size_t)m[ra.p->anchor].rm_eo;
		buf_add(&out, ra.s + done, so - done);
		struct pymatch mt = {ra.p, ra.s, ra.n, m};
		if (rs) {
			rc = expand(c->rt, &mt, rs, &out);
		} else {
			struct jinja_value mv = make_match(a, ra.p, ra.s, ra.n, m), r;
			rc = jinja_rt_call(c->rt, repl, &mv, 1, NULL, 0, jinja_undefined(), &r);
			if (!rc)
				rc = jinja_value_str(c->rt, r, &out) < 0 ? ING_EINVAL : 0;
		}
		if (rc)
			break;
		nsub++;
		done = eo;
		if (eo == so) {
			if (so < ra.n)
				buf_putc(&out, ra.s[so]);
			done = so + 1;
			pos = so + 1;
		} else {
			pos = eo;
		}
	}
	if (!rc) {
		if (done < ra.n)
			buf_add(&out, ra.s + done, ra.n - done);
		struct jinja_value sv = jinja_str(a, buf_cstr(&out), out.len);
		if (subn) {
			*ret = jinja_tuple_new(a, 2);
			jinja_list_set(*ret, 0, sv);
			jinja_list_set(*ret, 1, jinja_int(nsub));
		} else {
			*ret = sv;
		}
	}
	buf_free(&out);
	regfree(&ra.p->re);
	return rc;
}

static int do_findall(const struct jinja_call *c, struct pyre *bound, bool split, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	struct re_args ra;
	int rc = get_args(c, bound, 0, bound ? 0 : 1, "string", bound ? 99 : (split ? 3 : 2), &ra);
	if (rc)
		return rc;
	int64_t maxsplit = 0;
	struct jinja_value ms;
	if (split && jinja_call_arg(c, bound ? 1 : 2, "maxsplit", &ms) && ms.type == JINJA_INT)
		maxsplit = ms.u.i;
	regmatch_t *m = arena_alloc(a, (ra.p->re.re_nsub + 1) * sizeof(*m));
	struct jinja_value out = jinja_list_new(a, 8);
	size_t pos = 0, last = 0;
	int64_t nsplit = 0;
	while (pos <= ra.n && next_match(ra.p, ra.s, ra.n, pos, m)) {
		size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
		struct pymatch mt = {ra.p, ra.s, ra.n, m};
		if (split) {
			if (maxsplit && nsplit >= maxsplit)
				break;
			jinja_list_push(out, jinja_str(a, ra.s + last, so - last));
			for (size_t g = 1; g <= ra.p->ngroups; g++)
				jinja_list_push(out, group_value(a, &mt, g));
			last = eo;
			nsplit++;
		} else if (ra.p->ngroups == 0) {
			jinja_list_push(out, group_value(a, &mt, 0));
		} else if (ra.p->ngroups == 1) {
			struct jinja_value v = group_value(a, &mt, 1);
			jinja_list_push(out, v.type == JINJA_NONE ? jinja_str_static("", 0) : v);
		} else {
			struct jinja_value t = jinja_tuple_new(a, ra.p->ngroups);
			for (size_t g = 1; g <= ra.p->ngroups; g++) {
				struct jinja_value v = group_value(a, &mt, g);
				jinja_list_set(t, g - 1, v.type == JINJA_NONE ? jinja_str_static("", 0) : v);
			}
			jinja_list_push(out, t);
		}
		pos = eo == so ? so + 1 : eo;
		if (jinja_list_len(out) > 1000000) {
			regfree(&ra.p->re);
			return jinja_rt_error(c->rt, ING_ELIMIT, "re: more than 1,000,000 matches");
		}
	}
	if (split)
		jinja_list_push(out, jinja_str(a, ra.s + last, ra.n - last));
	*ret = out;
	regfree(&ra.p->re);
	return 0;
}

static int re_dispatch(const struct jinja_call *c, struct pyre *bound, const char *name,
		       struct jinja_value *ret)
{
	if (!strcmp(name, "search"))
		return do_search(c, bound, 0, ret);
	if (!strcmp(name, "match"))
		return do_search(c, bound, 1, ret);
	if (!strcmp(name, "fullmatch"))
		return do_search(c, bound, 2, ret);
	if (!strcmp(name, "sub") || !strcmp(name, "subn"))
		return do_sub(c, bound, name[3] == 'n', ret);
	if (!strcmp(name, "findall"))
		return do_findall(c, bound, false, ret);
	if (!strcmp(name, "split"))
		return do_findall(c, bound, true, ret);
	return ING_ENOTFOUND;
}

static int mod_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	if (!strcmp(name, "compile")) {
		struct jinja_value pv;
		if (!jinja_call_arg(c, 0, "pattern", &pv) || pv.type != JINJA_STR)
			return jinja_rt_error(c->rt, ING_EINVAL, "re.compile() takes a pattern string");
		int flags;
		flags_arg(c, 1, 0, &flags);
		struct pyre *p;
		int rc = translate(c->rt, a, jinja_str_cstr(a, pv), flags, 0, &p);
		if (rc)
			return rc;
		regfree(&p->re); /* checked here; each call compiles again */
		*ret = jinja_obj(a, &pat_ops, p);
		return 0;
	}
	if (!strcmp(name, "escape")) {
		struct jinja_value v;
		if (!jinja_call_arg(c, 0, "pattern", &v) || v.type != JINJA_STR)
			return jinja_rt_error(c->rt, ING_EINVAL, "re.escape() takes a string");
		struct buf b = BUF_INIT;
		for (uint32_t i = 0; i < v.len; i++) {
			if (strchr("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", v.u.s[i]) && v.u.s[i])
				buf_putc(&b, '\\');
			buf_putc(&b, v.u.s[i]);
		}
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return 0;
	}
	return re_dispatch(c, NULL, name, ret);
}

static int mod_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)rt;
	(void)self;
	static const struct {
		const char *n;
		int v;
	} fl[] = {{"I", PY_I}, {"IGNORECASE", PY_I}, {"M", PY_M}, {"MULTILINE", PY_M},
		  {"S", PY_S}, {"DOTALL", PY_S}, {"A", 256}, {"ASCII", 256}, {"U", 32}, {"UNICODE", 32}};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (!strcmp(name, fl[i].n)) {
			*out = jinja_int(fl[i].v);
			return 0;
		}
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops mod_ops = {.type_name = "module", .method = mod_method,
					     .getattr = mod_getattr};

static int pat_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	return re_dispatch(c, jinja_obj_user(c->self, &pat_ops), name, ret);
}

static int pat_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	struct pyre *p = self;
	if (!strcmp(name, "pattern"))
		*out = jinja_str(jinja_rt_arena(rt), p->pattern, (size_t)-1);
	else if (!strcmp(name, "flags"))
		*out = jinja_int(p->flags | 32);
	else if (!strcmp(name, "groups"))
		*out = jinja_int((int64_t)p->ngroups);
	else
		return ING_ENOTFOUND;
	return 0;
}

static int pat_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	buf_puts(out, "re.compile(");
	jinja_value_repr(rt, jinja_str_static(((struct pyre *)self)->pattern,
					      strlen(((struct pyre *)self)->pattern)), out);
	buf_putc(out, ')');
	return 0;
}

static const struct jinja_obj_ops pat_ops = {.type_name = "re.Pattern", .method = pat_method,
					     .getattr = pat_getattr, .str = pat_str};

static int match_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct pymatch *mt = jinja_obj_user(c->self, &match_ops);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!mt)
		return ING_ENOTFOUND;
	if (!strcmp(name, "group")) {
		if (c->nargs <= 1) {
			struct jinja_value g = c->nargs ? c->args[0] : jinja_int(0);
			long i = group_index(mt->p, g);
			if (i < 0)
				return jinja_rt_error(c->rt, ING_EINVAL, "no such group");
			*ret = group_value(a, mt, (size_t)i);
			return 0;
		}
		struct jinja_value t = jinja_tuple_new(a, c->nargs);
		for (size_t k = 0; k < c->nargs; k++) {
			long i = group_index(mt->p, c->args[k]);
			if (i < 0)
				return jinja_rt_error(c->rt, ING_EINVAL, "no such group");
			jinja_list_set(t, k, group_value(a, mt, (size_t)i));
		}
		*ret = t;
		return 0;
	}
	if (!strcmp(name, "groups")) {
		struct jinja_value d;
		bool has_d = jinja_call_arg(c, 0, "default", &d);
		struct jinja_value t = jinja_tuple_new(a, mt->p->ngroups);
		for (size_t g = 1; g <= mt->p->ngroups; g++) {
			struct jinja_value v = group_value(a, mt, g);
			jinja_list_set(t, g - 1, v.type == JINJA_NONE && has_d ? d : v);
		}
		*ret = t;
		return 0;
	}
	if (!strcmp(name, "groupdict")) {
		struct jinja_value d = jinja_dict_new(a);
		for (size_t g = 1; g <= mt->p->ngroups; g++)
			if (mt->p->names[g])
				jinja_dict_set(d, jinja_str(a, mt->p->names[g], (size_t)-1), group_value(a, mt, g));
		*ret = d;
		return 0;
	}
	if (!strcmp(name, "start") || !strcmp(name, "end") || !strcmp(name, "span")) {
		struct jinja_value g = c->nargs ? c->args[0] : jinja_int(0);
		long i = group_index(mt->p, g);
		if (i < 0)
			return jinja_rt_error(c->rt, ING_EINVAL, "no such group");
		regmatch_t r = mt->m[i ? mt->p->gmap[i] : mt->p->anchor];
		if (!strcmp(name, "span")) {
			*ret = jinja_tuple_new(a, 2);
			jinja_list_set(*ret, 0, jinja_int(r.rm_so));
			jinja_list_set(*ret, 1, jinja_int(r.rm_eo));
		} else {
			*ret = jinja_int(name[0] == 's' ? r.rm_so : r.rm_eo);
		}
		return 0;
	}
	return ING_ENOTFOUND;
}

static int match_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	struct pymatch *mt = self;
	if (!strcmp(name, "string"))
		*out = jinja_str(jinja_rt_arena(rt), mt->s, mt->n);
	else if (!strcmp(name, "re"))
		*out = jinja_obj(jinja_rt_arena(rt), &pat_ops, mt->p);
	else if (!strcmp(name, "lastindex")) {
		*out = jinja_none();
		for (size_t g = mt->p->ngroups; g >= 1; g--)
			if (mt->m[mt->p->gmap[g]].rm_so >= 0) {
				*out = jinja_int((int64_t)g);
				break;
			}
	} else
		return ING_ENOTFOUND;
	return 0;
}

static int match_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
			 struct jinja_value *out)
{
	struct pymatch *mt = self;
	long i = group_index(mt->p, key);
	if (i < 0)
		return ING_ENOTFOUND;
	*out = group_value(jinja_rt_arena(rt), mt, (size_t)i);
	return 0;
}

static int match_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	struct pymatch *mt = self;
	regmatch_t r = mt->m[mt->p->anchor];
	buf_printf(out, "<re.Match object; span=(%d, %d), match=", (int)r.rm_so, (int)r.rm_eo);
	jinja_value_repr(rt, jinja_str_static(mt->s + r.rm_so, (size_t)(r.rm_eo - r.rm_so)), out);
	buf_putc(out, '>');
	return 0;
}

static const struct jinja_obj_ops match_ops = {
	.type_name = "re.Match", .method = match_method, .getattr = match_getattr,
	.getitem = match_getitem, .str = match_str,
};

struct jinja_value tf_re_module(struct arena *a)
{
	return jinja_obj(a, &mod_ops, NULL);
}
