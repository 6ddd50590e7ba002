/*
 * transform/ctxfns.c — dbt's smaller context functions: set, set_strict,
 * zip, zip_strict, fromyaml, toyaml, dbt_version, selected_resources, invocation_args_dict, builtins and context.
 *
 *   set(v, default=None)   Python's set(v) (default when v is not
 *                          iterable); a list of the distinct items in
 *                          first-seen order that prints as {a, b} / set()
 *   set_strict(v)          the same, an error when v is not iterable
 *   zip(*args, default=None) / zip_strict(*args): a list of tuples
 *   fromyaml(s, default=None) / toyaml(v, default=None, sort_keys=False)
 *                          YAML 1.2 core scalars; toyaml writes block
 *                          style as PyYAML's safe_dump does
 *   dbt_version            the dbt version ingot answers to
 *   selected_resources     unique ids of the nodes the command selected
 *   invocation_args_dict   which, select, exclude, full_refresh, vars ...
 *   builtins               {ref, source, config} as dbt keeps them for
 *                          macros that override ref()
 *   context                a mapping over the render's names
 *                          (context['ref'], context.get('x', d))
 */
#include "transform/objmodel.h"
#include "transform/tf_int.h"
#include "core/buf.h"
#include "core/version.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define RT_R(c) ((struct tf_render *)jinja_rt_user((c)->rt))

/* ---------------------------------------------------------------- set */

static const struct jinja_obj_ops set_ops;

/* The items of an iterable (false: not iterable). Mappings give keys. */
static bool iter_items(struct jinja_rt *rt, struct jinja_value v, struct jinja_value *list)
{
	if (v.type == JINJA_NONE || v.type == JINJA_UNDEFINED || v.type == JINJA_BOOL ||
	    v.type == JINJA_INT || v.type == JINJA_FLOAT || v.type == JINJA_MACRO ||
	    v.type == JINJA_FUNC)
		return false;
	return jinja_rt_iter(rt, v, list) == 0;
}

struct pyset {
	struct jinja_value items; /* list, distinct */
};

static int set_from(const struct jinja_call *c, bool strict, struct jinja_value *ret)
{
	struct jinja_value v, items;
	struct arena *a = jinja_rt_arena(c->rt);
	if (!jinja_call_arg(c, 0, "value", &v))
		return jinja_rt_error(c->rt, ING_EINVAL, "set() takes a value");
	if (!iter_items(c->rt, v, &items)) {
		if (strict)
			return jinja_rt_error(c->rt, ING_EINVAL, "'%s' object is not iterable",
					      jinja_type_name(v));
		if (!jinja_call_arg(c, 1, "default", ret))
			*ret = jinja_none();
		return 0;
	}
	struct jinja_value seen = jinja_dict_new(a);
	struct pyset *s = arena_alloc(a, sizeof(*s));
	s->items = jinja_list_new(a, jinja_list_len(items));
	for (size_t i = 0; i < jinja_list_len(items); i++) {
		struct jinja_value it = jinja_list_get(items, i), dummy;
		if (jinja_dict_get(seen, it, &dummy))
			continue;
		if (jinja_dict_set(seen, it, jinja_none()))
			return jinja_rt_error(c->rt, ING_EINVAL, "unhashable type: '%s'",
					      jinja_type_name(it));
		jinja_list_push(s->items, it);
	}
	*ret = jinja_obj(a, &set_ops, s);
	return 0;
}

static int fn_set(const struct jinja_call *c, struct jinja_value *ret)
{
	return set_from(c, false, ret);
}

static int fn_set_strict(const struct jinja_call *c, struct jinja_value *ret)
{
	return set_from(c, true, ret);
}

static int set_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	struct pyset *s = self;
	size_t n = jinja_list_len(s->items);
	if (!n) {
		buf_puts(out, "set()");
		return 0;
	}
	buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(out, ", ");
		jinja_value_repr(rt, jinja_list_get(s->items, i), out);
	}
	buf_putc(out, '}');
	return 0;
}

static int set_iter(struct jinja_rt *rt, void *self, struct jinja_value *list_out)
{
	(void)rt;
	*list_out = ((struct pyset *)self)->items;
	return 0;
}

static bool set_truth(void *self)
{
	return jinja_list_len(((struct pyset *)self)->items) > 0;
}

static bool set_has(struct pyset *s, struct jinja_value v)
{
	for (size_t i = 0; i < jinja_list_len(s->items); i++)
		if (jinja_value_eq(jinja_list_get(s->items, i), v))
			return true;
	return false;
}

static bool set_eq(void *self, void *other)
{
	struct pyset *a = self, *b = other;
	if (jinja_list_len(a->items) != jinja_list_len(b->items))
		return false;
	for (size_t i = 0; i < jinja_list_len(a->items); i++)
		if (!set_has(b, jinja_list_get(a->items, i)))
			return false;
	return true;
}

/* union/intersection/difference/issubset/issuperset/add/... */
static int set_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct pyset *s = jinja_obj_user(c->self, &set_ops);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!s)
		return ING_ENOTFOUND;
	bool uni = !strcmp(name, "union"), inter = !strcmp(name, "intersection"),
	     diff = !strcmp(name, "difference"), sub = !strcmp(name, "issubset"),
	     sup = !strcmp(name, "issuperset"), dis = !strcmp(name, "isdisjoint");
	if (!strcmp(name, "add") || !strcmp(name, "discard") || !strcmp(name, "remove")) {
		struct jinja_value v;
		if (!jinja_call_arg(c, 0, "elem", &v))
			return jinja_rt_error(c->rt, ING_EINVAL, "set.%s() takes an element", name);
		if (!strcmp(name, "add")) {
			if (!set_has(s, v))
				jinja_list_push(s->items, v);
		} else {
			bool found = false;
			struct jinja_value keep = jinja_list_new(a, jinja_list_len(s->items));
			for (size_t i = 0; i < jinja_list_len(s->items); i++) {
				struct jinja_value it = jinja_list_get(s->items, i);
				if (jinja_value_eq(it, v))
					found = true;
				else
					jinja_list_push(keep, it);
			}
			if (!found && !strcmp(name, "remove")) {
				struct buf b = BUF_INIT;
				jinja_value_repr(c->rt, v, &b);
				int rc = jinja_rt_error(c->rt, ING_ENOTFOUND, "KeyError: %s", buf_cstr(&b));
				buf_free(&b);
				return rc;
			}
			s->items = keep;
		}
		*ret = jinja_none();
		return 0;
	}
	if (!(uni || inter || diff || sub || sup || dis))
		return ING_ENOTFOUND;
	struct pyset *o = NULL;
	struct jinja_value other, items;
	if (!jinja_call_arg(c, 0, NULL, &other))
		other = jinja_list_new(a, 0);
	if ((o = jinja_obj_user(other, &set_ops)))
		items = o->items;
	else if (!iter_items(c->rt, other, &items))
		return jinja_rt_error(c->rt, ING_EINVAL, "'%s' object is not iterable",
				      jinja_type_name(other));
	struct pyset tmp = {items};
	if (sub || sup || dis) {
		bool r = true;
		struct pyset *x = sup ? &tmp : s, *y = sup ? s : &tmp;
		for (size_t i = 0; i < jinja_list_len(x->items); i++) {
			bool in = set_has(y, jinja_list_get(x->items, i));
			if (dis ? in : !in)
				r = false;
		}
		*ret = jinja_bool(r);
		return 0;
	}
	struct pyset *n = arena_alloc(a, sizeof(*n));
	n->items = jinja_list_new(a, jinja_list_len(s->items) + jinja_list_len(items));
	for (size_t i = 0; i < jinja_list_len(s->items); i++) {
		struct jinja_value it = jinja_list_get(s->items, i);
		bool in = set_has(&tmp, it);
		if (uni || (inter && in) || (diff && !in))
			jinja_list_push(n->items, it);
	}
	for (size_t i = 0; uni && i < jinja_list_len(items); i++)
		if (!set_has(n, jinja_list_get(items, i)))
			jinja_list_push(n->items, jinja_list_get(items, i));
	*ret = jinja_obj(a, &set_ops, n);
	return 0;
}

static const struct jinja_obj_ops set_ops = {
	.type_name = "set", .str = set_str, .iter = set_iter, .truth = set_truth,
	.method = set_method, .eq = set_eq,
};

/* ---------------------------------------------------------------- zip */

static int zip_impl(const struct jinja_call *c, bool strict, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	struct jinja_value *lists = arena_alloc(a, (c->nargs + 1) * sizeof(*lists));
	size_t n = (size_t)-1;
	for (size_t i = 0; i < c->nargs; i++) {
		if (!iter_items(c->rt, c->args[i], &lists[i])) {
			if (strict)
				return jinja_rt_error(c->rt, ING_EINVAL,
						      "zip argument #%zu must support iteration", i + 1);
			if (!jinja_call_arg(c, 99, "default", ret))
				*ret = jinja_none();
			return 0;
		}
		if (jinja_list_len(lists[i]) < n)
			n = jinja_list_len(lists[i]);
	}
	if (!c->nargs)
		n = 0;
	struct jinja_value out = jinja_list_new(a, n);
	for (size_t r = 0; r < n; r++) {
		struct jinja_value t = jinja_tuple_new(a, c->nargs);
		for (size_t i = 0; i < c->nargs; i++)
			jinja_list_set(t, i, jinja_list_get(lists[i], r));
		jinja_list_push(out, t);
	}
	*ret = out;
	return 0;
}

static int fn_zip(const struct jinja_call *c, struct jinja_value *ret)
{
	return zip_impl(c, false, ret);
}

static int fn_zip_strict(const struct jinja_call *c, struct jinja_value *ret)
{
	return zip_impl(c, true, ret);
}

/* ------------------------------------------------------------ yaml */

/* A document fromyaml can turn into values: bounded depth and size (an
 * alias that refers to itself makes an endless tree; aliases of aliases a
 * huge one). */
static bool ytree_ok(const struct ynode *n, int depth, size_t *budget)
{
	if (depth > 200 || !*budget)
		return false;
	(*budget)--;
	if (n->type != Y_SEQ && n->type != Y_MAP)
		return true;
	for (size_t i = 0; i < n->n; i++)
		if (!ytree_ok(n->items[i], depth + 1, budget) ||
		    (n->type == Y_MAP && n->keys && n->keys[i] && !ytree_ok(n->keys[i], depth + 1, budget)))
			return false;
	return true;
}

static int fn_fromyaml(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v;
	struct arena *a = jinja_rt_arena(c->rt);
	if (!jinja_call_arg(c, 0, "value", &v) || v.type != JINJA_STR) {
		if (jinja_call_arg(c, 1, "default", ret))
			return 0;
		return jinja_rt_error(c->rt, ING_EINVAL, "fromyaml() takes a string");
	}
	struct ynode *root = NULL;
	struct err e = ERR_INIT;
	if (yaml_load_string(v.u.s, v.len, "fromyaml", a, &root, &e)) {
		err_clear(&e);
		if (jinja_call_arg(c, 1, "default", ret))
			return 0;
		*ret = jinja_none(); /* dbt: None on a parse error without a default */
		return 0;
	}
	size_t budget = 1000000;
	if (root && !ytree_ok(root, 0, &budget))
		return jinja_rt_error(c->rt, ING_ELIMIT,
				      "fromyaml: the document nests deeper than 200 levels, holds more than "
				      "1,000,000 values, or an alias refers to itself");
	*ret = root ? tf_yaml_value(a, root) : jinja_none();
	return 0;
}

/* A string PyYAML writes plain (else single-quoted): not one that its
 * YAML 1.1 resolvers would read back as a bool, null, int, float or
 * timestamp, nor one that starts with an indicator or holds ": " / " #". */
static bool yaml_plain(const char *s, size_t n)
{
	static const char *const implicit[] = {
		"^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
		"^(~|null|Null|NULL)$",
		"^[-+]?(0b[0-1_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$",
		"^([-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$",
		"^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
		"^=$",
	};
	if (!n || memchr(s, 0, n))
		return false;
	char *z = strndup(s, n);
	if (!z)
		return false;
	bool plain = true;
	for (size_t i = 0; plain && i < sizeof(implicit) / sizeof(implicit[0]); i++) {
		regex_t re;
		if (regcomp(&re, implicit[i], REG_EXTENDED | REG_NOSUB))
			continue;
		if (!regexec(&re, z, 0, NULL, 0))
			plain = false;
		regfree(&re);
	}
	free(z);
	if (!plain)
		return false;
	if (strchr(",[]{}#&*!|>'\"%@`", s[0]) || s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':')
		return false;
	if (strchr("-?:", s[0]) && (n == 1 || s[1] == ' '))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f)
			return false;
		if ((ch == ':' && i + 1 < n && s[i + 1] == ' ') || (ch == '#' && i && s[i - 1] == ' '))
			return false;
	}
	return true;
}

static void yaml_scalar(struct jinja_rt *rt, struct jinja_value v, struct buf *out)
{
	switch (v.type) {
	case JINJA_NONE: case JINJA_UNDEFINED: buf_puts(out, "null"); return;
	case JINJA_BOOL: buf_puts(out, v.u.b ? "true" : "false"); return;
	case JINJA_INT: buf_printf(out, "%lld", (long long)v.u.i); return;
	case JINJA_FLOAT:
		if (isnan(v.u.f))
			buf_puts(out, ".nan");
		else if (isinf(v.u.f))
			buf_puts(out, v.u.f > 0 ? ".inf" : "-.inf");
		else {
			/* PyYAML: repr(f).lower(), 1e+20 as 1.0e+20 */
			struct buf f = BUF_INIT;
			jinja_value_str(rt, v, &f);
			const char *t = buf_cstr(&f), *e = strchr(t, 'e');
			if (e && !strchr(t, '.'))
				buf_printf(out, "%.*s.0%s", (int)(e - t), t, e);
			else
				buf_puts(out, t);
			buf_free(&f);
		}
		return;
	case JINJA_STR:
		if (yaml_plain(v.u.s, v.len)) {
			buf_add(out, v.u.s, v.len);
		} else {
			buf_putc(out, '\'');
			for (uint32_t i = 0; i < v.len; i++) {
				if (v.u.s[i] == '\'')
					buf_putc(out, '\'');
				buf_putc(out, v.u.s[i]);
			}
			buf_putc(out, '\'');
		}
		return;
	default: {
		struct buf s = BUF_INIT;
		jinja_value_str(rt, v, &s);
		yaml_scalar(rt, jinja_str_static(buf_cstr(&s), s.len), out);
		buf_free(&s);
	}
	}
}

static bool is_coll(struct jinja_value v)
{
	return v.type == JINJA_DICT || v.type == JINJA_LIST || v.type == JINJA_TUPLE;
}

static size_t coll_len(struct jinja_value v)
{
	return v.type == JINJA_DICT ? jinja_dict_len(v) : jinja_list_len(v);
}

/* PyYAML's block style (default_flow_style=False, indent 2, sequences
 * inside mappings not indented). */
static int yaml_emit(struct jinja_rt *rt, struct jinja_value v, int indent, struct buf *out,
		     int depth)
{
	if (depth > 100)
		return jinja_rt_error(rt, ING_ELIMIT, "toyaml: value nested too deeply");
	if (v.type == JINJA_DICT) {
		for (size_t i = 0; i < jinja_dict_len(v); i++) {
			struct jinja_value k = jinja_dict_key(v, i), x = jinja_dict_val(v, i);
			if (i)
				buf_printf(out, "%*s", indent, "");
			yaml_scalar(rt, k, out);
			buf_putc(out, ':');
			if (is_coll(x) && coll_len(x)) {
				buf_putc(out, '\n');
				int ind = x.type == JINJA_DICT ? indent + 2 : indent;
				buf_printf(out, "%*s", ind, "");
				int rc = yaml_emit(rt, x, ind, out, depth + 1);
				if (rc)
					return rc;
			} else {
				buf_putc(out, ' ');
				if (is_coll(x))
					buf_puts(out, x.type == JINJA_DICT ? "{}" : "[]");
				else
					yaml_scalar(rt, x, out);
				buf_putc(out, '\n');
			}
		}
		return 0;
	}
	if (v.type == JINJA_LIST || v.type == JINJA_TUPLE) {
		for (size_t i = 0; i < jinja_list_len(v); i++) {
			struct jinja_value x = jinja_list_get(v, i);
			if (i)
				buf_printf(out, "%*s", indent, "");
			buf_puts(out, "- ");
			if (is_coll(x) && coll_len(x)) {
				int rc = yaml_emit(rt, x, indent + 2, out, depth + 1);
				if (rc)
					return rc;
			} else {
				if (is_coll(x))
					buf_puts(out, x.type == JINJA_DICT ? "{}" : "[]");
				else
					yaml_scalar(rt, x, out);
				buf_putc(out, '\n');
			}
		}
		return 0;
	}
	yaml_scalar(rt, v, out);
	buf_puts(out, "\n...\n"); /* PyYAML ends a lone scalar document */
	return 0;
}

static int fn_toyaml(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, 0, "value", &v))
		return jinja_rt_error(c->rt, ING_EINVAL, "toyaml() takes a value");
	struct buf b = BUF_INIT;
	int rc;
	if (is_coll(v) && !coll_len(v))
		rc = buf_puts(&b, v.type == JINJA_DICT ? "{}\n" : "[]\n") < 0 ? ING_ENOMEM : 0;
	else
		rc = yaml_emit(c->rt, v, 0, &b, 0);
	if (!rc)
		*ret = jinja_str(jinja_rt_arena(c->rt), buf_cstr(&b), b.len);
	buf_free(&b);
	return rc;
}

/* ------------------------------------------------- project functions */

static int fn_selected_resources(const struct jinja_call *c, struct jinja_value *ret);

static int ctx_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)self;
	if (!jinja_rt_lookup(rt, name, out))
		return ING_ENOTFOUND;
	return 0;
}

static int ctx_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
		       struct jinja_value *out)
{
	if (key.type != JINJA_STR)
		return ING_ENOTFOUND;
	return ctx_getattr(rt, self, jinja_str_cstr(jinja_rt_arena(rt), key), out);
}

static int ctx_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	if (strcmp(name, "get"))
		return ING_ENOTFOUND;
	struct jinja_value k;
	if (!jinja_call_arg(c, 0, "key", &k))
		return jinja_rt_error(c->rt, ING_EINVAL, "get() takes a key");
	if (ctx_getitem(c->rt, NULL, k, ret) == 0)
		return 0;
	if (!jinja_call_arg(c, 1, "default", ret))
		*ret = jinja_none();
	return 0;
}

static int ctx_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	(void)self;
	buf_puts(out, "<dbt context>");
	return 0;
}

static const struct jinja_obj_ops ctx_ops = {
	.type_name = "dict", .getattr = ctx_getattr, .getitem = ctx_getitem, .method = ctx_method,
	.str = ctx_str, .flags = JINJA_OBJF_MAPPING,
};

static int fn_selected_resources(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	struct jinja_value l = jinja_list_new(a, 0);
	for (size_t i = 0; r && i < r->tp->nodes.len; i++) {
		struct tf_node *n = r->tp->nodes.items[i];
		if (n->selected && n->enabled && n->rtype != TF_SOURCE && n->rtype != TF_EXPOSURE &&
		    !tf_is_semantic(n->rtype))
			jinja_list_push(l, jinja_str(a, n->unique_id, (size_t)-1));
	}
	*ret = l;
	return 0;
}

/* selected_resources reads the run's selection when it is used */
static int sel_iter(struct jinja_rt *rt, void *self, struct jinja_value *list_out)
{
	struct jinja_call c = {.rt = rt, .user = self};
	return fn_selected_resources(&c, list_out);
}

static int sel_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	struct jinja_value l;
	int rc = sel_iter(rt, self, &l);
	return rc ? rc : jinja_value_repr(rt, l, out);
}

static bool sel_truth(void *self)
{
	struct tf_proj *tp = self;
	for (size_t i = 0; i < tp->nodes.len; i++)
		if (tp->nodes.items[i]->selected)
			return true;
	return false;
}

static int sel_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
		       struct jinja_value *out)
{
	struct jinja_value l;
	int rc = sel_iter(rt, self, &l);
	if (rc)
		return rc;
	if (key.type != JINJA_INT)
		return ING_ENOTFOUND;
	int64_t i = key.u.i < 0 ? key.u.i + (int64_t)jinja_list_len(l) : key.u.i;
	if (i < 0 || i >= (int64_t)jinja_list_len(l))
		return ING_ENOTFOUND;
	*out = jinja_list_get(l, (size_t)i);
	return 0;
}

static const struct jinja_obj_ops sel_ops = {
	.type_name = "list", .iter = sel_iter, .str = sel_str, .truth = sel_truth,
	.getitem = sel_getitem,
};

static const char *verb_which(enum transform_verb v)
{
	switch (v) {
	case TF_VERB_RUN: return "run";
	case TF_VERB_TEST: return "test";
	case TF_VERB_SEED: return "seed";
	case TF_VERB_SNAPSHOT: return "snapshot";
	case TF_VERB_BUILD: return "build";
	case TF_VERB_COMPILE: return "compile";
	case TF_VERB_LS: return "list";
	case TF_VERB_DOCS_GENERATE: return "generate";
	case TF_VERB_PARSE: return "parse";
	default: return "build";
	}
}

static struct jinja_value words(struct arena *a, const char *s)
{
	struct jinja_value l = jinja_list_new(a, 2);
	while (s && *s) {
		while (*s == ' ')
			s++;
		const char *e = s;
		while (*e && *e != ' ')
			e++;
		if (e > s)
			jinja_list_push(l, jinja_str(a, s, (size_t)(e - s)));
		s = e;
	}
	return l;
}

/* render(string): dbt's context function — the string rendered as a
 * template in the calling render's context (a string without Jinja is
 * returned as is). Compiled templates are kept per source text, so a
 * render() in a loop compiles once. */
static int fn_render(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	struct jinja_value v;
	if (!jinja_call_arg(c, 0, "string", &v))
		return jinja_rt_error(c->rt, ING_EINVAL, "render() takes a string");
	if (v.type != JINJA_STR) {
		*ret = v;
		return 0;
	}
	const char *src = jinja_str_cstr(a, v);
	if (!r || (!strstr(src, "{{") && !strstr(src, "{%") && !strstr(src, "{#"))) {
		*ret = v;
		return 0;
	}
	struct tf_proj *tp = r->tp;
	struct err e = ERR_INIT;
	struct jinja_template *t = strmap_get(&tp->render_cache, src);
	if (!t) {
		if (jinja_compile(tp->env, "render()", NULL, src, strlen(src), &t, &e)) {
			int rc = jinja_rt_error(c->rt, ING_EINVAL, "render(): %s", e.msg ? e.msg : "invalid template");
			err_clear(&e);
			return rc;
		}
		strmap_put(&tp->render_cache, src, t);
	}
	struct jinja_value ctx = r->ctx.type == JINJA_DICT ? r->ctx : jinja_dict_new(a);
	struct jinja_render_opts ro = {.arena = a, .user = r};
	struct buf out = BUF_INIT;
	if (jinja_render(t, &ctx, &ro, &out, &e)) {
		int rc = jinja_rt_error(c->rt, ING_EINVAL, "render(): %s", e.msg ? e.msg : "failed");
		err_clear(&e);
		buf_free(&out);
		return rc;
	}
	*ret = jinja_str(a, buf_cstr(&out), out.len);
	buf_free(&out);
	return 0;
}

void tf_ctxfns_register(struct tf_proj *tp, struct jinja_value builtins)
{
	struct jinja_env *env = tp->env;
	struct arena *a = jinja_env_arena(env);
#define G(name, fn) jinja_env_set_global(env, name, jinja_func(a, name, fn, tp))
	G("set", fn_set);
	G("set_strict", fn_set_strict);
	G("zip", fn_zip);
	G("zip_strict", fn_zip_strict);
	G("fromyaml", fn_fromyaml);
	G("toyaml", fn_toyaml);
	G("render", fn_render);
#undef G
	jinja_env_set_global(env, "dbt_version", jinja_str_static(INGOT_DBT_VERSION, strlen(INGOT_DBT_VERSION)));
	jinja_env_set_global(env, "selected_resources", jinja_obj(a, &sel_ops, tp));
	jinja_env_set_global(env, "context", jinja_obj(a, &ctx_ops, tp));
	const struct transform_opts *o = tp->opts;
	struct jinja_value args = jinja_dict_new(a);
	jinja_dict_set_str(args, "which", jinja_str_static(verb_which(o ? o->verb : TF_VERB_BUILD), strlen(verb_which(o ? o->verb : TF_VERB_BUILD))));
	jinja_dict_set_str(args, "select", words(a, o ? o->select : NULL));
	jinja_dict_set_str(args, "exclude", words(a, o ? o->exclude : NULL));
	jinja_dict_set_str(args, "selector", o && o->selector ? jinja_str(a, o->selector, (size_t)-1) : jinja_none());
	jinja_dict_set_str(args, "full_refresh", jinja_bool(tp->full_refresh));
	jinja_dict_set_str(args, "vars", tp->cli_vars.type == JINJA_DICT ? tp->cli_vars : jinja_dict_new(a));
	jinja_dict_set_str(args, "defer", jinja_bool(o && o->defer));
	jinja_dict_set_str(args, "target", tp->target && tp->target->name ? jinja_str(a, tp->target->name, (size_t)-1) : jinja_none());
	jinja_dict_set_str(args, "profiles_dir", jinja_none());
	jinja_dict_set_str(args, "project_dir", jinja_none());
	jinja_env_set_global(env, "invocation_args_dict", args);
	/* builtins: the context's own ref/source/config, for macros that
	 * override ref() and call the original */
	jinja_env_set_global(env, "builtins", builtins);
}
