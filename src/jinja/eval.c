/*
 * jinja/eval.c — the evaluator: walks the AST of a template and writes its
 * output into the render's buf; the environment (globals, namespaces,
 * templates) and the public compile/render/call entry points.
 *
 * Scoping is Jinja2's: the template body is the root frame; `for` bodies,
 * macro bodies, call bodies, `{% set %}...{% endset %}` and filter blocks
 * get a child frame, so a `set` there does not leak (namespace() is the
 * way out); `if` shares its frame. Each loop iteration starts with an
 * empty frame (so `{% set c = c + 1 %}` in a loop reads the outer c every
 * time, as Jinja2 does). Names resolve: frames (inner to outer), the
 * render context, globals, macros of global namespaces, named namespaces.
 * A macro's frame hangs off the frame it was defined in (its closure), or
 * off the render's root frame when it comes from a macro file (dbt's
 * macros see the context of the model that calls them).
 *
 * Macro and block output is captured by rendering into the same out buf
 * and cutting the tail off into an arena string: no temporary buffers;
 * `{{ macro(...) }}` renders straight into place with no copy at all.
 * The parser caches what can be known at compile time in the nodes
 * (interned names and their hashes, which types have a method of an
 * attribute's name, loop attribute codes, resolved filter/test records),
 * so the hot paths (name.attr, loop.x, filters, text) do no string
 * compares. Rejected: compiling to bytecode with slot-resolved variables —
 * faster still, but Jinja2's dynamic scoping (macros see the caller's
 * context, `set` in loops reads the outer value first) makes slot
 * resolution a large, error-prone layer; the tree walk stays simple.
 */
#include "jinja/jinja_int.h"
#include "core/mem.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ errors */

static const char *line_start(const char *src, int line)
{
	const char *ls = src;
	for (int l = 1; l < line && ls; l++) {
		ls = strchr(ls, '\n');
		if (ls)
			ls++;
	}
	return ls;
}

static int rt_verror(struct jinja_rt *rt, int code, const char *fmt, va_list ap)
{
	if (rt->err && !rt->err->code) {
		char msg[1024];
		vsnprintf(msg, sizeof(msg), fmt, ap);
		const struct jnode *n = rt->at;
		struct jinja_template *t = rt->tpl;
		if (n && t) {
			err_setloc(rt->err, code, t->path, n->line, n->col, "%s", msg);
			err_snippet(rt->err, line_start(t->src, n->line));
		} else {
			err_set(rt->err, code, "%s", msg);
		}
	}
	return code;
}

int jinja_rt_error(struct jinja_rt *rt, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_verror(rt, code, fmt, ap);
	va_end(ap);
	return code;
}

static int undefined_error(struct jinja_rt *rt, struct jinja_value v)
{
	if (v.u.s)
		return jinja_rt_error(rt, ING_EINVAL, "'%s' is undefined", v.u.s);
	return jinja_rt_error(rt, ING_EINVAL, "value is undefined");
}

struct arena *jinja_rt_arena(struct jinja_rt *rt) { return rt->arena; }
struct jinja_env *jinja_rt_env(struct jinja_rt *rt) { return rt->env; }
void *jinja_rt_user(struct jinja_rt *rt) { return rt->user; }

bool jinja_rt_where(struct jinja_rt *rt, const char **path, int *line, int *col)
{
	if (!rt->at || !rt->tpl)
		return false;
	*path = rt->tpl->path;
	*line = rt->at->line;
	*col = rt->at->col;
	return true;
}

/* ------------------------------------------------------------ frames */

static struct jframe *frame_new(struct jinja_rt *rt, struct jframe *parent)
{
	struct jframe *f = arena_alloc(rt->arena, sizeof(*f));
	f->parent = parent;
	f->vars = NULL;
	f->n = f->cap = 0;
	return f;
}

/* A frame with room for n variables (macro calls, loops). */
static struct jframe *frame_sized(struct jinja_rt *rt, struct jframe *parent, uint32_t n)
{
	struct jframe *f = frame_new(rt, parent);
	f->cap = n < 4 ? 4 : n;
	f->vars = arena_alloc(rt->arena, f->cap * sizeof(struct jvar));
	return f;
}

static void frame_set(struct jinja_rt *rt, struct jframe *f, const char *name, struct jinja_value v)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (f->vars[i].name == name) {
			f->vars[i].v = v;
			return;
		}
	if (f->n == f->cap) {
		uint32_t nc = f->cap ? f->cap * 2 : 4;
		struct jvar *nv = arena_alloc(rt->arena, nc * sizeof(*nv));
		if (f->n)
			memcpy(nv, f->vars, f->n * sizeof(*nv));
		f->vars = nv;
		f->cap = nc;
	}
	f->vars[f->n++] = (struct jvar){name, v};
}

static bool ns_lookup(struct jinja_env *env, const char *name, size_t n, uint64_t h, struct jinja_value *out)
{
	for (size_t i = 0; i < env->global_ns.len; i++)
		if (jinja__dict_find_str(env->global_ns.items[i]->macros.u.dict, name, n, h, out))
			return true;
	for (size_t i = 0; i < env->ns.len; i++)
		if ((env->ns.items[i]->flags & JINJA_NS_NAMED) && !strcmp(env->ns.items[i]->name, name)) {
			*out = env->ns.items[i]->object;
			return true;
		}
	return false;
}

/* A lazy global (jinja_env_set_global_lazy); name is interned. */
static bool lazy_lookup(struct jinja_env *env, const char *name, struct jinja_value *out)
{
	for (size_t i = 0; i < env->lazy.len; i++) {
		struct jlazy *l = env->lazy.items[i];
		if (l->name != name)
			continue;
		pthread_mutex_lock(&env->lazy_lock);
		if (!l->made) {
			l->v = l->make(l->user, env->arena);
			l->made = true;
		}
		*out = l->v;
		pthread_mutex_unlock(&env->lazy_lock);
		return true;
	}
	return false;
}

static bool lookup(struct jinja_rt *rt, struct jframe *f, const char *name, size_t n, uint64_t h,
		   struct jinja_value *out)
{
	for (; f; f = f->parent)
		for (uint32_t i = 0; i < f->n; i++)
			if (f->vars[i].name == name) {
				*out = f->vars[i].v;
				return true;
			}
	if (rt->ctx.type == JINJA_DICT && jinja__dict_find_str(rt->ctx.u.dict, name, n, h, out))
		return true;
	if (rt->env->lazy.len && lazy_lookup(rt->env, name, out))
		return true;
	if (jinja__dict_find_str(rt->env->globals.u.dict, name, n, h, out))
		return true;
	/* a package's macros see their siblings first (as dbt's do) */
	if (rt->cur_ns && jinja__dict_find_str(rt->cur_ns->macros.u.dict, name, n, h, out))
		return true;
	return ns_lookup(rt->env, name, n, h, out);
}

bool jinja_rt_lookup(struct jinja_rt *rt, const char *name, struct jinja_value *out)
{
	size_t n = strlen(name);
	const char *in = strmap_get(&rt->env->intern, name);
	uint64_t h = str_hash(name, n);
	if (in)
		return lookup(rt, rt->root, in, n, h, out);
	/* a lazy global's name is interned, so it is not this one */
	if (rt->ctx.type == JINJA_DICT && jinja__dict_find_str(rt->ctx.u.dict, name, n, h, out))
		return true;
	if (jinja__dict_find_str(rt->env->globals.u.dict, name, n, h, out))
		return true;
	return ns_lookup(rt->env, name, n, h, out);
}

/* ------------------------------------------------------------ output */

static int check_out(struct jinja_rt *rt)
{
	if (rt->out->len > rt->max_out)
		return jinja_rt_error(rt, ING_ELIMIT, "output exceeds the limit of %zu bytes", rt->max_out);
	return 0;
}

static int out_add(struct jinja_rt *rt, const char *s, size_t n)
{
	struct buf *b = rt->out;
	if (b->data && b->cap - b->len > n && (!b->max || b->len + n <= b->max)) {
		/* fast path: room already there */
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = 0;
		return b->len > rt->max_out ? check_out(rt) : 0;
	}
	if (buf_add(rt->out, s, n))
		return jinja_rt_error(rt, ING_ELIMIT, "output exceeds the buffer limit");
	return check_out(rt);
}

int jinja__str(struct jinja_rt *rt, struct jinja_value v, struct buf *out)
{
	if (v.type == JINJA_STR)
		return buf_add(out, v.u.s, v.len) ? jinja_rt_error(rt, ING_ELIMIT, "output exceeds the buffer limit") : 0;
	int rc = jinja_value_str(rt, v, out);
	if (rc && !rt->err->code)
		return jinja_rt_error(rt, ING_ELIMIT, "output exceeds the buffer limit");
	return rc;
}

struct jinja_value jinja_safe(struct jinja_value v)
{
	v.flags |= JV_SAFE;
	return v;
}

/* Autoescape: the value's text through the env's escape function. */
static int emit_escaped(struct jinja_rt *rt, struct jinja_value v)
{
	struct buf tmp = BUF_INIT;
	const char *s = v.u.s;
	size_t n = v.len;
	int rc = 0;
	if (v.type != JINJA_STR) {
		if ((rc = jinja__str(rt, v, &tmp)))
			goto out;
		s = tmp.data ? tmp.data : "";
		n = tmp.len;
	}
	if (rt->env->limits.autoescape(rt->out, s, n))
		rc = jinja_rt_error(rt, ING_ELIMIT, "output exceeds the buffer limit");
	else
		rc = check_out(rt);
out:
	buf_free(&tmp);
	return rc;
}

static int emit_value(struct jinja_rt *rt, struct jinja_value v)
{
	if (v.type == JINJA_UNDEFINED && rt->env->limits.strict_undefined)
		return undefined_error(rt, v);
	if (rt->env->limits.autoescape && !(v.flags & JV_SAFE))
		return emit_escaped(rt, v);
	if (v.type == JINJA_STR)
		return out_add(rt, v.u.s, v.len);
	if (v.type == JINJA_INT) {
		char tmp[24], *p = tmp + sizeof(tmp);
		uint64_t u = v.u.i < 0 ? 0 - (uint64_t)v.u.i : (uint64_t)v.u.i;
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v.u.i < 0)
			*--p = '-';
		return out_add(rt, p, (size_t)(tmp + sizeof(tmp) - p));
	}
	int rc = jinja__str(rt, v, rt->out);
	return rc ? rc : check_out(rt);
}

/* The text appended to rt->out since mark, as an arena string; cut. */
static struct jinja_value cut_since(struct jinja_rt *rt, size_t mark)
{
	struct jinja_value s = jinja_str(rt->arena, rt->out->data ? rt->out->data + mark : "", rt->out->len - mark);
	buf_truncate(rt->out, mark);
	return s;
}

struct jinja_value jinja__buf_value(struct jinja_rt *rt, struct buf *b)
{
	return jinja_str(rt->arena, buf_cstr(b), b->len);
}

bool jinja__mutable(struct jinja_rt *rt, struct jinja_value v)
{
	if (v.type == JINJA_LIST)
		return v.u.list->owner == rt->arena;
	if (v.type == JINJA_DICT)
		return v.u.dict->owner == rt->arena;
	return false;
}

/* --------------------------------------------------------- iteration */

int jinja__iter(struct jinja_rt *rt, struct jinja_value v, struct jinja_value *list)
{
	switch (v.type) {
	case JINJA_LIST: case JINJA_TUPLE: *list = v; return 0;
	case JINJA_UNDEFINED: *list = jinja_list_new(rt->arena, 1); return 0;
	case JINJA_DICT: {
		struct jinja_value l = jinja_list_new(rt->arena, v.u.dict->len);
		for (uint32_t i = 0; i < v.u.dict->len; i++)
			jinja_list_push(l, v.u.dict->ents[i].key);
		*list = l;
		return 0;
	}
	case JINJA_STR: {
		struct jinja_value l = jinja_list_new(rt->arena, v.len);
		for (uint32_t i = 0; i < v.len;) {
			uint32_t j = i + 1;
			while (j < v.len && ((unsigned char)v.u.s[j] & 0xC0) == 0x80)
				j++;
			jinja_list_push(l, jinja_str_static(v.u.s + i, j - i));
			i = j;
		}
		*list = l;
		return 0;
	}
	case JINJA_OBJ:
		if (v.u.obj->ops->iter)
			return v.u.obj->ops->iter(rt, v.u.obj->user, list);
		break;
	default: break;
	}
	return jinja_rt_error(rt, ING_EINVAL, "'%s' object is not iterable", jinja_type_name(v));
}

/* --------------------------------------------------- attribute/items */

static int method_trampoline(const struct jinja_call *c, struct jinja_value *ret)
{
	const struct jinja_func *f = c->user;
	return jinja__method(c->rt, f->self, f->name, c->args, c->nargs, c->kwargs, c->nkwargs, ret);
}

static struct jinja_value bound_method(struct jinja_rt *rt, struct jinja_value self, const char *name)
{
	struct jinja_func *f = arena_zalloc(rt->arena, sizeof(*f));
	f->name = name;
	f->fn = method_trampoline;
	f->user = f;
	f->self = self;
	return (struct jinja_value){.type = JINJA_FUNC, .u.func = f};
}

static struct jinja_value undef_named(struct jinja_rt *rt, const char *name)
{
	(void)rt;
	struct jinja_value u = jinja_undefined();
	u.u.s = name;
	return u;
}

int jinja__getattr(struct jinja_rt *rt, struct jinja_value v, const char *name, struct jinja_value *out)
{
	switch (v.type) {
	case JINJA_UNDEFINED: return undefined_error(rt, v);
	case JINJA_DICT:
		if (jinja__has_method(v, name)) {
			*out = bound_method(rt, v, name);
			return 0;
		}
		if (jinja__dict_find_str(v.u.dict, name, strlen(name), str_hash(name, strlen(name)), out))
			return 0;
		break;
	case JINJA_TUPLE:
		if (v.flags & JV_GROUP) {
			if (!strcmp(name, "grouper")) {
				*out = v.u.list->items[0];
				return 0;
			}
			if (!strcmp(name, "list")) {
				*out = v.u.list->items[1];
				return 0;
			}
		}
		/* fallthrough */
	case JINJA_LIST: case JINJA_STR:
		if (jinja__has_method(v, name)) {
			*out = bound_method(rt, v, name);
			return 0;
		}
		break;
	case JINJA_OBJ:
		if (v.u.obj->ops->getattr) {
			int rc = v.u.obj->ops->getattr(rt, v.u.obj->user, name, out);
			if (rc != ING_ENOTFOUND)
				return rc;
		}
		break;
	case JINJA_MACRO:
		if (!strcmp(name, "name")) {
			*out = jinja_str_static(v.u.macro->name, strlen(v.u.macro->name));
			return 0;
		}
		if (!strcmp(name, "arguments")) {
			const struct jnode *mn = v.u.macro->node;
			*out = jinja_tuple_new(rt->arena, mn->nparams);
			for (uint32_t i = 0; i < mn->nparams; i++)
				out->u.list->items[i] = jinja_str_static(mn->params[i], strlen(mn->params[i]));
			return 0;
		}
		if (!strcmp(name, "catch_kwargs") || !strcmp(name, "catch_varargs") || !strcmp(name, "caller")) {
			uint8_t bit = name[1] == 'a' && name[2] == 'l' ? MF_CALLER : name[6] == 'k' ? MF_KWARGS : MF_VARARGS;
			*out = jinja_bool((v.u.macro->node->flag & bit) != 0);
			return 0;
		}
		break;
	default: break;
	}
	*out = undef_named(rt, name);
	return 0;
}

static bool int_key(struct jinja_value k, int64_t *i)
{
	if (k.type == JINJA_INT) {
		*i = k.u.i;
		return true;
	}
	if (k.type == JINJA_BOOL) {
		*i = k.u.b;
		return true;
	}
	return false;
}

int jinja__getitem(struct jinja_rt *rt, struct jinja_value v, struct jinja_value key, struct jinja_value *out)
{
	int64_t i;
	switch (v.type) {
	case JINJA_UNDEFINED: return undefined_error(rt, v);
	case JINJA_LIST: case JINJA_TUPLE:
		if (int_key(key, &i)) {
			int64_t n = v.u.list->len;
			if (i < 0)
				i += n;
			if (i >= 0 && i < n) {
				*out = v.u.list->items[i];
				return 0;
			}
			*out = jinja_undefined();
			return 0;
		}
		break;
	case JINJA_DICT:
		if (jinja__hashable(key) && jinja__dict_find(v, key, jinja__hash(key), out))
			return 0;
		break;
	case JINJA_STR:
		if (int_key(key, &i)) {
			int64_t n = (int64_t)jinja__u8len(v.u.s, v.len);
			if (i < 0)
				i += n;
			if (i >= 0 && i < n) {
				size_t a = jinja__u8off(v.u.s, v.len, (size_t)i);
				size_t b = jinja__u8off(v.u.s, v.len, (size_t)i + 1);
				*out = jinja_str_static(v.u.s + a, b - a);
				return 0;
			}
			*out = jinja_undefined();
			return 0;
		}
		break;
	case JINJA_OBJ:
		if (v.u.obj->ops->getitem) {
			int rc = v.u.obj->ops->getitem(rt, v.u.obj->user, key, out);
			if (rc != ING_ENOTFOUND)
				return rc;
		}
		break;
	default: break;
	}
	if (key.type == JINJA_STR) {
		const char *nm = jinja_str_cstr(rt->arena, key);
		return jinja__getattr(rt, v, nm, out);
	}
	*out = jinja_undefined();
	return 0;
}

static int64_t clampi(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

static int do_slice(struct jinja_rt *rt, struct jinja_value v, struct jinja_value s0, struct jinja_value s1,
		    struct jinja_value s2, struct jinja_value *out)
{
	int64_t step = 1, start, stop, n;
	bool is_str = v.type == JINJA_STR;
	if (v.type == JINJA_UNDEFINED)
		return undefined_error(rt, v);
	if (!is_str && v.type != JINJA_LIST && v.type != JINJA_TUPLE) {
		*out = jinja_undefined();
		return 0;
	}
	n = is_str ? (int64_t)jinja__u8len(v.u.s, v.len) : v.u.list->len;
	if (s2.type != JINJA_UNDEFINED && s2.type != JINJA_NONE && !int_key(s2, &step))
		return jinja_rt_error(rt, ING_EINVAL, "slice indices must be integers or None");
	if (step == 0)
		return jinja_rt_error(rt, ING_EINVAL, "slice step cannot be zero");
	if (s0.type == JINJA_UNDEFINED || s0.type == JINJA_NONE) {
		start = step > 0 ? 0 : n - 1;
	} else if (int_key(s0, &start)) {
		if (start < 0)
			start += n;
		start = step > 0 ? clampi(start, 0, n) : clampi(start, -1, n - 1);
	} else {
		return jinja_rt_error(rt, ING_EINVAL, "slice indices must be integers or None");
	}
	if (s1.type == JINJA_UNDEFINED || s1.type == JINJA_NONE) {
		stop = step > 0 ? n : -1;
	} else if (int_key(s1, &stop)) {
		if (stop < 0)
			stop += n;
		stop = step > 0 ? clampi(stop, 0, n) : clampi(stop, -1, n - 1);
	} else {
		return jinja_rt_error(rt, ING_EINVAL, "slice indices must be integers or None");
	}
	if (is_str) {
		bool ascii = jinja__u8len(v.u.s, v.len) == v.len;
		if (step == 1) {
			if (stop < start)
				stop = start;
			size_t a = ascii ? (size_t)start : jinja__u8off(v.u.s, v.len, (size_t)start);
			size_t b = ascii ? (size_t)stop : jinja__u8off(v.u.s, v.len, (size_t)stop);
			*out = jinja_str_static(v.u.s + a, b - a);
			return 0;
		}
		struct buf b = BUF_INIT;
		for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
			size_t a = jinja__u8off(v.u.s, v.len, (size_t)i), e = jinja__u8off(v.u.s, v.len, (size_t)i + 1);
			buf_add(&b, v.u.s + a, e - a);
		}
		*out = jinja__buf_value(rt, &b);
		buf_free(&b);
		return 0;
	}
	struct jinja_value l = v.type == JINJA_TUPLE ? jinja_tuple_new(rt->arena, 0) : jinja_list_new(rt->arena, 4);
	for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
		jinja_list_push(l, v.u.list->items[i]);
	*out = l;
	return 0;
}

/* ---------------------------------------------------------- arithmetic */

static bool numeric(struct jinja_value v)
{
	return v.type == JINJA_INT || v.type == JINJA_FLOAT || v.type == JINJA_BOOL;
}
static double as_f(struct jinja_value v)
{
	return v.type == JINJA_FLOAT ? v.u.f : v.type == JINJA_INT ? (double)v.u.i : (double)v.u.b;
}
static int64_t as_i(struct jinja_value v) { return v.type == JINJA_INT ? v.u.i : (int64_t)v.u.b; }

static const char *op_sym(int op)
{
	static const char *s[] = {"+", "-", "*", "/", "//", "%", "**"};
	return op >= 0 && op < 7 ? s[op] : "?";
}

int jinja__str_format(struct jinja_rt *rt, struct jinja_value fmt, struct jinja_value args, struct jinja_value *out);

static int seq_repeat(struct jinja_rt *rt, struct jinja_value s, int64_t n, struct jinja_value *out)
{
	if (n < 0)
		n = 0;
	if (s.type == JINJA_STR) {
		if ((uint64_t)s.len * (uint64_t)n > rt->max_out)
			return jinja_rt_error(rt, ING_ELIMIT, "string repetition exceeds the output limit");
		struct buf b = BUF_INIT;
		for (int64_t i = 0; i < n; i++)
			buf_add(&b, s.u.s, s.len);
		*out = jinja__buf_value(rt, &b);
		buf_free(&b);
		return 0;
	}
	if ((uint64_t)s.u.list->len * (uint64_t)n > (uint64_t)rt->env->limits.max_range)
		return jinja_rt_error(rt, ING_ELIMIT, "list repetition exceeds the range limit");
	struct jinja_value l = s.type == JINJA_TUPLE ? jinja_tuple_new(rt->arena, 0) : jinja_list_new(rt->arena, 4);
	for (int64_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < s.u.list->len; k++)
			jinja_list_push(l, s.u.list->items[k]);
	*out = l;
	return 0;
}

int jinja__binop(struct jinja_rt *rt, int op, struct jinja_value a, struct jinja_value b, struct jinja_value *out)
{
	_Static_assert((int)OP_ADD == (int)JINJA_OP_ADD && (int)OP_SUB == (int)JINJA_OP_SUB, "public operator codes");
	if ((op == OP_ADD || op == OP_SUB) && (a.type == JINJA_OBJ || b.type == JINJA_OBJ)) {
		const struct jinja_value *o = a.type == JINJA_OBJ && a.u.obj->ops->binop ? &a
					      : b.type == JINJA_OBJ && b.u.obj->ops->binop ? &b : NULL;
		if (o) {
			int rc = o->u.obj->ops->binop(rt, op, a, b, out);
			if (rc != ING_ENOTFOUND)
				return rc;
		}
	}
	if (numeric(a) && numeric(b)) {
		bool fl = a.type == JINJA_FLOAT || b.type == JINJA_FLOAT;
		if (!fl) {
			int64_t x = as_i(a), y = as_i(b), r;
			switch (op) {
			case OP_ADD: if (__builtin_add_overflow(x, y, &r)) goto overflow; *out = jinja_int(r); return 0;
			case OP_SUB: if (__builtin_sub_overflow(x, y, &r)) goto overflow; *out = jinja_int(r); return 0;
			case OP_MUL: if (__builtin_mul_overflow(x, y, &r)) goto overflow; *out = jinja_int(r); return 0;
			case OP_DIV:
				if (!y)
					return jinja_rt_error(rt, ING_EINVAL, "division by zero");
				*out = jinja_float((double)x / (double)y);
				return 0;
			case OP_FLOORDIV: case OP_MOD: {
				if (!y)
					return jinja_rt_error(rt, ING_EINVAL, "integer division or modulo by zero");
				if (x == INT64_MIN && y == -1)
					goto overflow;
				int64_t q = x / y, m = x % y;
				if (m && ((m < 0) != (y < 0))) {
					q--;
					m += y;
				}
				*out = jinja_int(op == OP_FLOORDIV ? q : m);
				return 0;
			}
			case OP_POW:
				if (y < 0) {
					if (!x)
						return jinja_rt_error(rt, ING_EINVAL, "0.0 cannot be raised to a negative power");
					*out = jinja_float(pow((double)x, (double)y));
					return 0;
				}
				r = 1;
				for (int64_t i = 0; i < y; i++) {
					if (__builtin_mul_overflow(r, x, &r))
						goto overflow;
					if (r == 0 || r == 1 || (r == -1 && i > 64))
						{ if (r == -1) r = (y % 2) ? -1 : 1; break; }
				}
				*out = jinja_int(r);
				return 0;
			}
		} else {
			double x = as_f(a), y = as_f(b);
			switch (op) {
			case OP_ADD: *out = jinja_float(x + y); return 0;
			case OP_SUB: *out = jinja_float(x - y); return 0;
			case OP_MUL: *out = jinja_float(x * y); return 0;
			case OP_DIV:
				if (y == 0)
					return jinja_rt_error(rt, ING_EINVAL, "float division by zero");
				*out = jinja_float(x / y);
				return 0;
			case OP_FLOORDIV: case OP_MOD: {
				if (y == 0)
					return jinja_rt_error(rt, ING_EINVAL, "float modulo");
				double m = fmod(x, y);
				if (m != 0 && ((m < 0) != (y < 0)))
					m += y;
				else if (m == 0)
					m = copysign(0.0, y);
				double q = floor((x - m) / y + 0.5);
				if (op == OP_FLOORDIV) {
					q = floor(x / y);
					*out = jinja_float(q);
				} else {
					*out = jinja_float(m);
				}
				return 0;
			}
			case OP_POW:
				if (x == 0 && y < 0)
					return jinja_rt_error(rt, ING_EINVAL, "0.0 cannot be raised to a negative power");
				if (x < 0 && y != floor(y))
					return jinja_rt_error(rt, ING_EINVAL, "negative number cannot be raised to a fractional power");
				*out = jinja_float(pow(x, y));
				if (isinf(out->u.f) && !isinf(x))
					return jinja_rt_error(rt, ING_EINVAL, "numerical result out of range");
				return 0;
			}
		}
	}
	if (op == OP_ADD && a.type == b.type) {
		if (a.type == JINJA_STR) {
			if ((size_t)a.len + b.len > rt->max_out)
				return jinja_rt_error(rt, ING_ELIMIT, "string exceeds the output limit");
			char *p = arena_alloc(rt->arena, (size_t)a.len + b.len + 1);
			memcpy(p, a.u.s, a.len);
			memcpy(p + a.len, b.u.s, b.len);
			p[a.len + b.len] = 0;
			*out = jinja_str_static(p, (size_t)a.len + b.len);
			return 0;
		}
		if (a.type == JINJA_LIST || a.type == JINJA_TUPLE) {
			struct jinja_value l = a.type == JINJA_TUPLE ? jinja_tuple_new(rt->arena, 0)
								     : jinja_list_new(rt->arena, a.u.list->len + b.u.list->len);
			for (uint32_t i = 0; i < a.u.list->len; i++)
				jinja_list_push(l, a.u.list->items[i]);
			for (uint32_t i = 0; i < b.u.list->len; i++)
				jinja_list_push(l, b.u.list->items[i]);
			*out = l;
			return 0;
		}
	}
	if (op == OP_MUL) {
		if ((a.type == JINJA_STR || a.type == JINJA_LIST || a.type == JINJA_TUPLE) &&
		    (b.type == JINJA_INT || b.type == JINJA_BOOL))
			return seq_repeat(rt, a, as_i(b), out);
		if ((b.type == JINJA_STR || b.type == JINJA_LIST || b.type == JINJA_TUPLE) &&
		    (a.type == JINJA_INT || a.type == JINJA_BOOL))
			return seq_repeat(rt, b, as_i(a), out);
	}
	if (op == OP_MOD && a.type == JINJA_STR)
		return jinja__str_format(rt, a, b, out);
	if (a.type == JINJA_UNDEFINED)
		return undefined_error(rt, a);
	if (b.type == JINJA_UNDEFINED)
		return undefined_error(rt, b);
	return jinja_rt_error(rt, ING_EINVAL, "unsupported operand type(s) for %s: '%s' and '%s'", op_sym(op),
			      jinja_type_name(a), jinja_type_name(b));
overflow:
	return jinja_rt_error(rt, ING_EINVAL, "integer overflow in %s", op_sym(op));
}

int jinja__contains(struct jinja_rt *rt, struct jinja_value hay, struct jinja_value needle, bool *res)
{
	switch (hay.type) {
	case JINJA_STR:
		if (needle.type != JINJA_STR)
			return jinja_rt_error(rt, ING_EINVAL, "'in <string>' requires string as left operand, not %s",
					      jinja_type_name(needle));
		*res = needle.len == 0 || (needle.len <= hay.len && memmem(hay.u.s, hay.len, needle.u.s, needle.len));
		return 0;
	case JINJA_LIST: case JINJA_TUPLE:
		*res = false;
		for (uint32_t i = 0; i < hay.u.list->len; i++)
			if (jinja_value_eq(hay.u.list->items[i], needle)) {
				*res = true;
				break;
			}
		return 0;
	case JINJA_DICT:
		if (!jinja__hashable(needle))
			return jinja_rt_error(rt, ING_EINVAL, "unhashable type: '%s'", jinja_type_name(needle));
		{
			struct jinja_value o;
			*res = jinja__dict_find(hay, needle, jinja__hash(needle), &o);
		}
		return 0;
	case JINJA_UNDEFINED:
		*res = false;
		return 0;
	case JINJA_OBJ: {
		struct jinja_value l;
		int rc = jinja__iter(rt, hay, &l);
		if (rc)
			return rc;
		return jinja__contains(rt, l, needle, res);
	}
	default:
		return jinja_rt_error(rt, ING_EINVAL, "argument of type '%s' is not iterable", jinja_type_name(hay));
	}
}

/* ------------------------------------------------------------ calls */

static int exec_body(struct jinja_rt *rt, struct jframe *f, const struct jnode *n);

static int call_macro(struct jinja_rt *rt, struct jinja_macro *m, const struct jinja_value *args, size_t nargs,
		      const struct jinja_kwarg *kw, size_t nkw, struct jinja_value caller, struct jinja_value *ret)
{
	const struct jnode *node = m->node;
	if (rt->env->call_hook && m->ns)
		rt->env->call_hook(rt->env->call_hook_user,
				   (struct jinja_value){.type = JINJA_MACRO, .u.macro = m});
	if (rt->depth >= rt->env->limits.max_depth)
		return jinja_rt_error(rt, ING_ELIMIT, "maximum recursion depth (%d) exceeded calling '%s'",
				      rt->env->limits.max_depth, m->name);
	struct jframe *f = frame_sized(rt, m->closure ? m->closure : rt->root, node->nparams + 3);
	uint8_t flags = node->flag;
	if (nargs > node->nparams && !(flags & MF_VARARGS))
		return jinja_rt_error(rt, ING_EINVAL, "macro '%s' takes not more than %u argument(s)", m->name,
				      node->nparams);
	struct jinja_template *saved_tpl = rt->tpl;
	const struct jnode *saved_at = rt->at;
	struct jinja_ns *saved_ns = rt->cur_ns;
	if (m->ns)
		rt->cur_ns = m->ns;
	int rc = 0;
	bool *filled = node->nparams ? arena_zalloc(rt->arena, node->nparams) : NULL;
	for (size_t i = 0; i < nargs && i < node->nparams; i++) {
		frame_set(rt, f, node->params[i], args[i]);
		filled[i] = true;
	}
	struct jinja_value kwextra = jinja_undefined();
	if (flags & MF_KWARGS)
		kwextra = jinja_dict_new(rt->arena);
	bool have_caller = caller.type != JINJA_UNDEFINED;
	for (size_t k = 0; k < nkw; k++) {
		const char *in = kw[k].name;
		uint32_t i;
		for (i = 0; i < node->nparams; i++)
			if (node->params[i] == in)
				break;
		if (i == node->nparams) /* not interned (from C or **kwargs): compare text */
			for (i = 0; i < node->nparams; i++)
				if (!strcmp(node->params[i], in))
					break;
		if (i < node->nparams)
			in = node->params[i];
		if (i < node->nparams) {
			if (filled[i])
				return jinja_rt_error(rt, ING_EINVAL, "macro '%s' got multiple values for argument '%s'",
						      m->name, in);
			frame_set(rt, f, in, kw[k].value);
			filled[i] = true;
		} else if (!strcmp(in, "caller")) {
			caller = kw[k].value;
			have_caller = true;
		} else if (flags & MF_KWARGS) {
			jinja_dict_set(kwextra, jinja_str_static(in, strlen(in)), kw[k].value);
		} else {
			return jinja_rt_error(rt, ING_EINVAL, "macro '%s' takes no keyword argument '%s'", m->name, in);
		}
	}
	rt->tpl = m->tpl;
	for (uint32_t i = 0; i < node->nparams; i++) {
		if (filled[i])
			continue;
		if (node->defaults[i]) {
			struct jinja_value dv;
			extern int jinja__eval(struct jinja_rt *rt, struct jframe *f, const struct jnode *n,
					       struct jinja_value *out);
			if ((rc = jinja__eval(rt, f, node->defaults[i], &dv)))
				goto out;
			frame_set(rt, f, node->params[i], dv);
		} else {
			frame_set(rt, f, node->params[i], undef_named(rt, node->params[i]));
		}
	}
	if (flags & MF_VARARGS) {
		size_t extra = nargs > node->nparams ? nargs - node->nparams : 0;
		struct jinja_value va = jinja_tuple_new(rt->arena, extra);
		for (size_t i = 0; i < extra; i++)
			va.u.list->items[i] = args[node->nparams + i];
		frame_set(rt, f, rt->env->s_varargs, va);
	}
	if (flags & MF_KWARGS)
		frame_set(rt, f, rt->env->s_kwargs, kwextra);
	if (have_caller)
		frame_set(rt, f, rt->env->s_caller, caller);
	size_t mark = rt->out->len;
	rt->depth++;
	rc = exec_body(rt, f, node->a);
	rt->depth--;
	if (rc == JINJA__RETURN) {
		buf_truncate(rt->out, mark);
		rt->returning = false;
		rc = 0;
		if (ret) {
			*ret = rt->retval;
		} else {
			rt->at = saved_at;
			rc = emit_value(rt, rt->retval);
		}
		goto out;
	}
	if (rc) {
		buf_truncate(rt->out, mark);
		goto out;
	}
	/* ret NULL: {{ macro() }} leaves its text in place (no copy) */
	if (ret)
		*ret = cut_since(rt, mark);
out:
	rt->tpl = saved_tpl;
	rt->at = saved_at;
	rt->cur_ns = saved_ns;
	return rc;
}

int jinja__call(struct jinja_rt *rt, struct jinja_value callee, const struct jinja_value *args, size_t nargs,
		const struct jinja_kwarg *kw, size_t nkw, struct jinja_value caller, struct jinja_value *ret)
{
	*ret = jinja_none();
	switch (callee.type) {
	case JINJA_MACRO:
		return call_macro(rt, callee.u.macro, args, nargs, kw, nkw, caller, ret);
	case JINJA_FUNC: {
		if (rt->depth >= rt->env->limits.max_depth)
			return jinja_rt_error(rt, ING_ELIMIT, "maximum recursion depth (%d) exceeded",
					      rt->env->limits.max_depth);
		struct jinja_call c = {rt, callee.u.func->user, callee.u.func->self, args, nargs, kw, nkw, caller};
		rt->depth++;
		int rc = callee.u.func->fn(&c, ret);
		rt->depth--;
		if (rc < 0 && !rt->err->code)
			jinja_rt_error(rt, rc, "%s() failed: %s", callee.u.func->name, ing_strerror(rc));
		return rc;
	}
	case JINJA_OBJ:
		if (callee.u.obj->ops->call) {
			struct jinja_call c = {rt, callee.u.obj->user, callee, args, nargs, kw, nkw, caller};
			if (rt->depth >= rt->env->limits.max_depth)
				return jinja_rt_error(rt, ING_ELIMIT, "maximum recursion depth exceeded");
			rt->depth++;
			int rc = callee.u.obj->ops->call(&c, ret);
			rt->depth--;
			if (rc < 0 && !rt->err->code)
				jinja_rt_error(rt, rc, "call failed: %s", ing_strerror(rc));
			return rc;
		}
		break;
	case JINJA_UNDEFINED:
		return undefined_error(rt, callee);
	default: break;
	}
	return jinja_rt_error(rt, ING_EINVAL, "'%s' object is not callable", jinja_type_name(callee));
}

int jinja_rt_iter(struct jinja_rt *rt, struct jinja_value v, struct jinja_value *list)
{
	return jinja__iter(rt, v, list);
}

int jinja_rt_call(struct jinja_rt *rt, struct jinja_value callee, const struct jinja_value *args, size_t nargs,
		  const struct jinja_kwarg *kwargs, size_t nkwargs, struct jinja_value caller,
		  struct jinja_value *ret)
{
	int rc = jinja__call(rt, callee, args, nargs, kwargs, nkwargs, caller, ret);
	return rc == JINJA__RETURN ? 0 : rc;
}

/* ------------------------------------------------------ expressions */

int jinja__eval(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value *out);
static void loop_attr(void *self, int code, struct jinja_value *out);
#define EVAL(node, outp)                                                                \
	do {                                                                            \
		int rc_ = jinja__eval(rt, f, (node), (outp));                           \
		if (rc_)                                                                \
			return rc_;                                                     \
	} while (0)

struct argv_buf {
	struct jinja_value *args;
	struct jinja_kwarg *kw;
	size_t nargs, nkw;
	struct jinja_value sargs[8];
	struct jinja_kwarg skw[8];
};

/* Evaluate call arguments; `first` (if not NULL) is prepended (filters). */
static int eval_args(struct jinja_rt *rt, struct jframe *f, const struct jargs *a, const struct jinja_value *first,
		     struct argv_buf *ab)
{
	size_t np = (a ? a->npos : 0) + (first ? 1 : 0), nk = a ? a->nkw : 0;
	struct jinja_value star = jinja_undefined(), dstar = jinja_undefined();
	if (a && a->star) {
		struct jinja_value sv;
		EVAL(a->star, &sv);
		int rc = jinja__iter(rt, sv, &star);
		if (rc)
			return rc;
		np += star.u.list->len;
	}
	if (a && a->dstar) {
		EVAL(a->dstar, &dstar);
		if (dstar.type != JINJA_DICT)
			return jinja_rt_error(rt, ING_EINVAL, "argument after ** must be a mapping, not %s",
					      jinja_type_name(dstar));
		nk += dstar.u.dict->len;
	}
	ab->args = np <= 8 ? ab->sargs : arena_alloc(rt->arena, np * sizeof(struct jinja_value));
	ab->kw = nk <= 8 ? ab->skw : arena_alloc(rt->arena, nk * sizeof(struct jinja_kwarg));
	size_t k = 0;
	if (first)
		ab->args[k++] = *first;
	for (uint32_t i = 0; a && i < a->npos; i++)
		EVAL(a->pos[i], &ab->args[k++]);
	if (star.type != JINJA_UNDEFINED)
		for (uint32_t i = 0; i < star.u.list->len; i++)
			ab->args[k++] = star.u.list->items[i];
	ab->nargs = k;
	k = 0;
	for (uint32_t i = 0; a && i < a->nkw; i++) {
		ab->kw[k].name = a->kwnames[i];
		EVAL(a->kw[i], &ab->kw[k].value);
		k++;
	}
	if (dstar.type == JINJA_DICT)
		for (uint32_t i = 0; i < dstar.u.dict->len; i++) {
			struct jinja_value key = dstar.u.dict->ents[i].key;
			if (key.type != JINJA_STR)
				return jinja_rt_error(rt, ING_EINVAL, "keywords must be strings");
			ab->kw[k].name = jinja_str_cstr(rt->arena, key);
			ab->kw[k].value = dstar.u.dict->ents[i].val;
			k++;
		}
	ab->nkw = k;
	return 0;
}

static int eval_call(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value caller,
		     struct jinja_value *out)
{
	const struct jnode *fn = n->a;
	struct argv_buf ab;
	if (fn->kind == N_GETATTR) {
		struct jinja_value self;
		EVAL(fn->a, &self);
		rt->at = n;
		unsigned want = self.type == JINJA_STR ? JM_STR : self.type == JINJA_LIST ? JM_LIST
				: self.type == JINJA_TUPLE ? JM_TUPLE : self.type == JINJA_DICT ? JM_DICT : 0;
		if (want && (fn->op & want)) {
			/* a method (for dicts, even when a key has the same name, as Python's getattr) */
			int rc = eval_args(rt, f, n->args, NULL, &ab);
			if (rc)
				return rc;
			rt->at = n;
			return jinja__method(rt, self, fn->name, ab.args, ab.nargs, ab.kw, ab.nkw, out);
		}
		if (self.type == JINJA_OBJ && self.u.obj->ops->method) {
			int rc = eval_args(rt, f, n->args, NULL, &ab);
			if (rc)
				return rc;
			rt->at = n;
			struct jinja_call c = {rt, self.u.obj->user, self, ab.args, ab.nargs, ab.kw, ab.nkw, caller};
			rc = self.u.obj->ops->method(&c, fn->name, out);
			if (rc != ING_ENOTFOUND)
				return rc;
			struct jinja_value callee;
			if ((rc = jinja__getattr(rt, self, fn->name, &callee)))
				return rc;
			if (callee.type == JINJA_UNDEFINED)
				return jinja_rt_error(rt, ING_EINVAL, "'%s' object has no attribute '%s'",
						      jinja_type_name(self), fn->name);
			rt->at = n;
			return jinja__call(rt, callee, ab.args, ab.nargs, ab.kw, ab.nkw, caller, out);
		}
		struct jinja_value callee;
		int rc = jinja__getattr(rt, self, fn->name, &callee);
		if (rc)
			return rc;
		if (callee.type == JINJA_UNDEFINED) {
			rt->at = n;
			return jinja_rt_error(rt, ING_EINVAL, "'%s' object has no attribute '%s'", jinja_type_name(self),
					      fn->name);
		}
		if ((rc = eval_args(rt, f, n->args, NULL, &ab)))
			return rc;
		rt->at = n;
		return jinja__call(rt, callee, ab.args, ab.nargs, ab.kw, ab.nkw, caller, out);
	}
	struct jinja_value callee;
	EVAL(fn, &callee);
	int rc = eval_args(rt, f, n->args, NULL, &ab);
	if (rc)
		return rc;
	rt->at = n;
	return jinja__call(rt, callee, ab.args, ab.nargs, ab.kw, ab.nkw, caller, out);
}

static int compare(struct jinja_rt *rt, int op, struct jinja_value a, struct jinja_value b, bool *res)
{
	int c = 0;
	switch (op) {
	case OP_EQ: *res = jinja_value_eq(a, b); return 0;
	case OP_NE: *res = !jinja_value_eq(a, b); return 0;
	case OP_IN: return jinja__contains(rt, b, a, res);
	case OP_NOTIN: {
		int rc = jinja__contains(rt, b, a, res);
		*res = !*res;
		return rc;
	}
	default:
		if (jinja__compare(a, b, &c)) {
			if (a.type == JINJA_UNDEFINED)
				return undefined_error(rt, a);
			if (b.type == JINJA_UNDEFINED)
				return undefined_error(rt, b);
			static const char *sym[] = {"==", "!=", "<", "<=", ">", ">="};
			return jinja_rt_error(rt, ING_EINVAL, "'%s' not supported between instances of '%s' and '%s'",
					      sym[op - OP_EQ], jinja_type_name(a), jinja_type_name(b));
		}
		*res = op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0;
		return 0;
	}
}

/* The hot expression kinds are evaluated here with a small stack frame;
 * the rest go to eval_other (kept out of line so the common path stays
 * cheap to enter). */
static int eval_other(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value *out)
	__attribute__((noinline));

int jinja__eval(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value *out)
{
	switch (n->kind) {
	case N_CONST:
		*out = n->val;
		return 0;
	case N_NAME:
		if (!lookup(rt, f, n->name, n->n, n->hash, out))
			*out = undef_named(rt, n->name);
		return 0;
	case N_GETATTR: {
		struct jinja_value v;
		const struct jnode *a = n->a;
		if (a->kind == N_NAME) {
			/* name.attr, the most common shape: no recursive call */
			if (!lookup(rt, f, a->name, a->n, a->hash, &v))
				v = undef_named(rt, a->name);
		} else {
			int rc = jinja__eval(rt, f, a, &v);
			if (rc)
				return rc;
		}
		rt->at = n;
		if (v.type == JINJA_OBJ && v.u.obj->ops == &jinja__loop_ops && n->flag) {
			loop_attr(v.u.obj->user, n->flag, out);
			return 0;
		}
		if (v.type == JINJA_DICT && !(n->op & JM_DICT)) {
			if (!jinja__dict_find_str(v.u.dict, n->name, n->n, n->hash, out))
				*out = undef_named(rt, n->name);
			return 0;
		}
		return jinja__getattr(rt, v, n->name, out);
	}
	case N_NOT: {
		struct jinja_value a;
		int rc = jinja__eval(rt, f, n->a, &a);
		if (!rc)
			*out = jinja_bool(!jinja_truthy(a));
		return rc;
	}
	case N_COND: {
		struct jinja_value c;
		int rc = jinja__eval(rt, f, n->a, &c);
		if (rc)
			return rc;
		if (jinja_truthy(c))
			return jinja__eval(rt, f, n->b, out);
		if (n->c)
			return jinja__eval(rt, f, n->c, out);
		*out = jinja_undefined();
		return 0;
	}
	default:
		return eval_other(rt, f, n, out);
	}
}

static int eval_other(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value *out)
{
	switch (n->kind) {
	case N_CONST:
		*out = n->val;
		return 0;
	case N_NAME:
		if (!lookup(rt, f, n->name, n->n, n->hash, out))
			*out = undef_named(rt, n->name);
		return 0;
	case N_GETATTR: {
		struct jinja_value v;
		EVAL(n->a, &v);
		rt->at = n;
		if (v.type == JINJA_OBJ && v.u.obj->ops == &jinja__loop_ops && n->flag) {
			loop_attr(v.u.obj->user, n->flag, out);
			return 0;
		}
		if (v.type == JINJA_DICT && !(n->op & JM_DICT)) {
			/* the common case, a key of a mapping, without the method checks */
			if (!jinja__dict_find_str(v.u.dict, n->name, n->n, n->hash, out))
				*out = undef_named(rt, n->name);
			return 0;
		}
		return jinja__getattr(rt, v, n->name, out);
	}
	case N_GETITEM: {
		struct jinja_value v, k;
		EVAL(n->a, &v);
		if (n->b->kind == N_TUPLE)
			for (uint32_t i = 0; i < n->b->n; i++)
				if (n->b->items[i]->kind == N_SLICE) {
					/* x[a:b, c]: Python raises TypeError, Jinja2 makes it undefined */
					if (v.type == JINJA_UNDEFINED)
						return undefined_error(rt, v);
					*out = jinja_undefined();
					return 0;
				}
		EVAL(n->b, &k);
		rt->at = n;
		return jinja__getitem(rt, v, k, out);
	}
	case N_SLICE: {
		struct jinja_value v, s[3] = {{0}, {0}, {0}};
		if (!n->a) /* a slice inside a tuple subscript: x[a:b, c] */
			return jinja_rt_error(rt, ING_EINVAL, "indices must be integers or slices, not tuple");
		EVAL(n->a, &v);
		if (n->b)
			EVAL(n->b, &s[0]);
		if (n->c)
			EVAL(n->c, &s[1]);
		if (n->d)
			EVAL(n->d, &s[2]);
		rt->at = n;
		return do_slice(rt, v, s[0], s[1], s[2], out);
	}
	case N_CALL:
		return eval_call(rt, f, n, jinja_undefined(), out);
	case N_FILTER: {
		struct jinja_value v;
		struct argv_buf ab;
		EVAL(n->a, &v);
		int rc = eval_args(rt, f, n->args, &v, &ab);
		if (rc)
			return rc;
		rt->at = n;
		if (n->fn) {
			struct jinja_call c = {rt, n->fn->user, jinja_undefined(), ab.args, ab.nargs, ab.kw, ab.nkw,
					       jinja_undefined()};
			*out = jinja_none();
			if ((rc = jinja__too_many_args(rt, n->fn, n->name, ab.nargs)))
				return rc;
			return n->fn->fn(&c, out);
		}
		return jinja__apply_filter(rt, n->name, ab.args, ab.nargs, ab.kw, ab.nkw, out);
	}
	case N_TEST: {
		struct jinja_value v;
		struct argv_buf ab;
		bool res = false;
		EVAL(n->a, &v);
		int rc = eval_args(rt, f, n->args, &v, &ab);
		if (rc)
			return rc;
		rt->at = n;
		if ((rc = jinja__apply_test(rt, n->name, ab.args, ab.nargs, ab.kw, ab.nkw, &res)))
			return rc;
		*out = jinja_bool(n->flag ? !res : res);
		return 0;
	}
	case N_BINOP: {
		struct jinja_value a, b;
		EVAL(n->a, &a);
		EVAL(n->b, &b);
		rt->at = n;
		return jinja__binop(rt, n->op, a, b, out);
	}
	case N_NEG: case N_POS: {
		struct jinja_value a;
		EVAL(n->a, &a);
		rt->at = n;
		if (a.type == JINJA_INT || a.type == JINJA_BOOL) {
			int64_t i = as_i(a);
			if (n->kind == N_NEG && i == INT64_MIN)
				return jinja_rt_error(rt, ING_EINVAL, "integer overflow in unary -");
			*out = jinja_int(n->kind == N_NEG ? -i : i);
			return 0;
		}
		if (a.type == JINJA_FLOAT) {
			*out = jinja_float(n->kind == N_NEG ? -a.u.f : a.u.f);
			return 0;
		}
		if (a.type == JINJA_UNDEFINED)
			return undefined_error(rt, a);
		return jinja_rt_error(rt, ING_EINVAL, "bad operand type for unary %c: '%s'",
				      n->kind == N_NEG ? '-' : '+', jinja_type_name(a));
	}
	case N_NOT: {
		struct jinja_value a;
		EVAL(n->a, &a);
		*out = jinja_bool(!jinja_truthy(a));
		return 0;
	}
	case N_AND: case N_OR: {
		struct jinja_value a;
		EVAL(n->a, &a);
		bool t = jinja_truthy(a);
		if (n->kind == N_AND ? !t : t) {
			*out = a;
			return 0;
		}
		return jinja__eval(rt, f, n->b, out);
	}
	case N_COMPARE: {
		struct jinja_value a, b;
		EVAL(n->items[0], &a);
		for (uint32_t i = 0; i < n->n; i++) {
			bool r;
			EVAL(n->items[i + 1], &b);
			rt->at = n;
			int rc = compare(rt, n->ops[i], a, b, &r);
			if (rc)
				return rc;
			if (!r) {
				*out = jinja_bool(false);
				return 0;
			}
			a = b;
		}
		*out = jinja_bool(true);
		return 0;
	}
	case N_COND: {
		struct jinja_value c;
		EVAL(n->a, &c);
		if (jinja_truthy(c))
			return jinja__eval(rt, f, n->b, out);
		if (n->c)
			return jinja__eval(rt, f, n->c, out);
		*out = jinja_undefined();
		return 0;
	}
	case N_LIST: case N_TUPLE: {
		struct jinja_value l = n->kind == N_LIST ? jinja_list_new(rt->arena, n->n) : jinja_tuple_new(rt->arena, n->n);
		for (uint32_t i = 0; i < n->n; i++)
			EVAL(n->items[i], &l.u.list->items[i]);
		l.u.list->len = n->n;
		*out = l;
		return 0;
	}
	case N_DICT: {
		struct jinja_value d = jinja_dict_new(rt->arena);
		for (uint32_t i = 0; i + 1 < n->n; i += 2) {
			struct jinja_value k, v;
			EVAL(n->items[i], &k);
			EVAL(n->items[i + 1], &v);
			if (jinja_dict_set(d, k, v)) {
				rt->at = n->items[i];
				return jinja_rt_error(rt, ING_EINVAL, "unhashable type: '%s'", jinja_type_name(k));
			}
		}
		*out = d;
		return 0;
	}
	case N_CONCAT: {
		/* build in the output buffer's tail, then cut it off into the arena */
		size_t mark = rt->out->len;
		int rc = 0;
		for (uint32_t i = 0; i < n->n && !rc; i++) {
			struct jinja_value v;
			if ((rc = jinja__eval(rt, f, n->items[i], &v)))
				break;
			rt->at = n;
			if (!(rc = jinja__str(rt, v, rt->out)))
				rc = check_out(rt);
		}
		if (rc)
			buf_truncate(rt->out, mark);
		else
			*out = cut_since(rt, mark);
		return rc;
	}
	default:
		return jinja_rt_error(rt, ING_EINVAL, "statement used as an expression");
	}
}

/* ------------------------------------------------------- statements */

static int assign(struct jinja_rt *rt, struct jframe *f, const struct jnode *target, struct jinja_value v)
{
	rt->at = target;
	if (target->kind == N_NAME) {
		frame_set(rt, f, target->name, v);
		return 0;
	}
	if (target->kind == N_TUPLE) {
		struct jinja_value l;
		int rc = jinja__iter(rt, v, &l);
		if (rc)
			return rc;
		if (l.u.list->len != target->n)
			return jinja_rt_error(rt, ING_EINVAL, "%s values to unpack (expected %u, got %u)",
					      l.u.list->len > target->n ? "too many" : "not enough", target->n,
					      l.u.list->len);
		for (uint32_t i = 0; i < target->n; i++)
			if ((rc = assign(rt, f, target->items[i], l.u.list->items[i])))
				return rc;
		return 0;
	}
	if (target->kind == N_GETATTR) {
		struct jinja_value ns;
		int rc = jinja__eval(rt, f, target->a, &ns);
		if (rc)
			return rc;
		struct jinja_value *d = jinja_obj_user(ns, &jinja__ns_ops);
		rt->at = target;
		if (!d)
			return jinja_rt_error(rt, ING_EINVAL, "can only set attributes on namespace objects");
		jinja_dict_set(*d, jinja_str_static(target->name, strlen(target->name)), v);
		return 0;
	}
	return jinja_rt_error(rt, ING_EINVAL, "cannot assign to this expression");
}

/* loop object */
struct jloop {
	struct jinja_value items;
	int64_t index0, length;
	const struct jnode *node; /* the for statement (recursive loops) */
	struct jframe *frame;
	int depth;
	struct jinja_value last_changed;
	bool has_changed;
};

static void loop_attr(void *self, int code, struct jinja_value *out)
{
	struct jloop *l = self;
	switch (code) {
	case JL_INDEX: *out = jinja_int(l->index0 + 1); break;
	case JL_INDEX0: *out = jinja_int(l->index0); break;
	case JL_REVINDEX: *out = jinja_int(l->length - l->index0); break;
	case JL_REVINDEX0: *out = jinja_int(l->length - l->index0 - 1); break;
	case JL_FIRST: *out = jinja_bool(l->index0 == 0); break;
	case JL_LAST: *out = jinja_bool(l->index0 == l->length - 1); break;
	case JL_LENGTH: *out = jinja_int(l->length); break;
	case JL_DEPTH: *out = jinja_int(l->depth); break;
	case JL_DEPTH0: *out = jinja_int(l->depth - 1); break;
	case JL_PREVITEM:
		*out = l->index0 > 0 ? l->items.u.list->items[l->index0 - 1] : jinja_undefined();
		break;
	case JL_NEXTITEM:
		*out = l->index0 + 1 < l->length ? l->items.u.list->items[l->index0 + 1] : jinja_undefined();
		break;
	default: *out = jinja_undefined();
	}
}

int jinja__loop_attr_code(const char *name)
{
	static const char *const names[] = {NULL, "index", "index0", "revindex", "revindex0", "first", "last",
					    "length", "depth", "depth0", "previtem", "nextitem"};
	for (int i = 1; i < (int)ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return i;
	return 0;
}

static int loop_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	int code = jinja__loop_attr_code(name);
	if (code) {
		loop_attr(self, code, out);
		if (out->type == JINJA_UNDEFINED)
			*out = undef_named(rt, name);
		return 0;
	}
	return ING_ENOTFOUND;
}

static int loop_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct jloop *l = c->user;
	if (!strcmp(name, "cycle")) {
		if (!c->nargs)
			return jinja_rt_error(c->rt, ING_EINVAL, "no items for cycling given");
		*ret = c->args[l->index0 % (int64_t)c->nargs];
		return 0;
	}
	if (!strcmp(name, "changed")) {
		struct jinja_value t = jinja_tuple_new(c->rt->arena, c->nargs);
		for (size_t i = 0; i < c->nargs; i++)
			t.u.list->items[i] = c->args[i];
		bool ch = !l->has_changed || !jinja_value_eq(t, l->last_changed);
		l->last_changed = t;
		l->has_changed = true;
		*ret = jinja_bool(ch);
		return 0;
	}
	return ING_ENOTFOUND;
}

static int loop_items(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value it,
		      int depth);

static int loop_call(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jloop *l = c->user;
	struct jinja_rt *rt = c->rt;
	if (!(l->node->flag & 1))
		return jinja_rt_error(rt, ING_EINVAL, "Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.");
	if (c->nargs != 1)
		return jinja_rt_error(rt, ING_EINVAL, "loop() takes exactly one argument");
	size_t mark = rt->out->len;
	const struct jnode *at = rt->at;
	int rc = loop_items(rt, l->frame, l->node, c->args[0], l->depth + 1);
	rt->at = at;
	if (rc) {
		buf_truncate(rt->out, mark);
		return rc;
	}
	*ret = cut_since(rt, mark);
	return 0;
}

static int loop_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	struct jloop *l = self;
	return buf_printf(out, "<LoopContext %lld/%lld>", (long long)l->index0 + 1, (long long)l->length);
}

const struct jinja_obj_ops jinja__loop_ops = {
	.type_name = "LoopContext",
	.getattr = loop_getattr,
	.call = loop_call,
	.method = loop_method,
	.str = loop_str,
};

static int loop_items(struct jinja_rt *rt, struct jframe *f, const struct jnode *n, struct jinja_value it,
		      int depth)
{
	struct jinja_value items;
	int rc;
	rt->at = n->b;
	if ((rc = jinja__iter(rt, it, &items)))
		return rc;
	struct jframe *lf = frame_sized(rt, f, 4);
	const char *loop_name = rt->env->s_loop;
	if (n->c) {
		/* `for x in y if cond`: filter first (loop.length counts the kept items) */
		struct jinja_value kept = jinja_list_new(rt->arena, items.u.list->len);
		for (uint32_t i = 0; i < items.u.list->len; i++) {
			lf->n = 0;
			struct jinja_value c;
			if ((rc = assign(rt, lf, n->a, items.u.list->items[i])) || (rc = jinja__eval(rt, lf, n->c, &c)))
				return rc;
			if (jinja_truthy(c))
				jinja_list_push(kept, items.u.list->items[i]);
		}
		items = kept;
	}
	struct jloop *lp = arena_zalloc(rt->arena, sizeof(*lp));
	lp->items = items;
	lp->length = items.u.list->len;
	lp->node = n;
	lp->frame = f;
	lp->depth = depth;
	struct jinja_value lv = jinja_obj(rt->arena, &jinja__loop_ops, lp);
	uint32_t len = items.u.list->len;
	/* Jinja2 runs `else` unless one iteration ran its body to the end: a
	 * loop whose every iteration broke or continued runs it too */
	bool completed = false;
	for (uint32_t i = 0; i < len && i < items.u.list->len; i++) {
		if (++rt->iterations > rt->env->limits.max_iterations) {
			rt->at = n;
			return jinja_rt_error(rt, ING_ELIMIT, "loop iterations exceed the limit of %lld",
					      (long long)rt->env->limits.max_iterations);
		}
		lp->index0 = i;
		/* fresh scope per iteration: loop first, then the target */
		lf->n = 1;
		lf->vars[0] = (struct jvar){loop_name, lv};
		if (n->a->kind == N_NAME && n->a->name != loop_name)
			lf->vars[lf->n++] = (struct jvar){n->a->name, items.u.list->items[i]};
		else if ((rc = assign(rt, lf, n->a, items.u.list->items[i])))
			return rc;
		if ((rc = exec_body(rt, lf, n->d))) {
			if (rc == JINJA__CONTINUE)
				continue;
			if (rc == JINJA__BREAK)
				break;
			return rc;
		}
		completed = true;
	}
	if (!completed && n->next) {
		struct jframe *ef = frame_new(rt, f);
		return exec_body(rt, ef, n->next);
	}
	return 0;
}

static int exec_for(struct jinja_rt *rt, struct jframe *f, const struct jnode *n)
{
	struct jinja_value it;
	int rc = jinja__eval(rt, f, n->b, &it);
	return rc ? rc : loop_items(rt, f, n, it, 1);
}

static int apply_filter_chain(struct jinja_rt *rt, struct jframe *f, const struct jnode *chain, struct jinja_value v,
			      struct jinja_value *out)
{
	/* chain is a N_FILTER tree with a NULL innermost operand */
	if (!chain) {
		*out = v;
		return 0;
	}
	struct jinja_value inner;
	int rc = apply_filter_chain(rt, f, chain->a, v, &inner);
	if (rc)
		return rc;
	struct argv_buf ab;
	if ((rc = eval_args(rt, f, chain->args, &inner, &ab)))
		return rc;
	rt->at = chain;
	return jinja__apply_filter(rt, chain->name, ab.args, ab.nargs, ab.kw, ab.nkw, out);
}

static int exec_stmt(struct jinja_rt *rt, struct jframe *f, const struct jnode *n)
{
	int rc;
	switch (n->kind) {
	case N_TEXT:
		return out_add(rt, n->val.u.s, n->val.len);
	case N_EMIT: {
		struct jinja_value v;
		const struct jnode *c = n->a;
		if (c->kind == N_CALL && c->a->kind == N_NAME && !c->args->star && !c->args->dstar &&
		    lookup(rt, f, c->a->name, c->a->n, c->a->hash, &v) && v.type == JINJA_MACRO) {
			struct argv_buf ab;
			if ((rc = eval_args(rt, f, c->args, NULL, &ab)))
				return rc;
			rt->at = c;
			return call_macro(rt, v.u.macro, ab.args, ab.nargs, ab.kw, ab.nkw, jinja_undefined(), NULL);
		}
		if ((rc = jinja__eval(rt, f, n->a, &v)))
			return rc;
		rt->at = n;
		return emit_value(rt, v);
	}
	case N_IF:
		for (const struct jnode *c = n; c; ) {
			struct jinja_value v;
			if ((rc = jinja__eval(rt, f, c->a, &v)))
				return rc;
			if (jinja_truthy(v))
				return exec_body(rt, f, c->b);
			if (c->c && c->c->kind == N_IF)
				c = c->c;
			else
				return c->c ? exec_body(rt, f, c->c) : 0;
		}
		return 0;
	case N_FOR:
		return exec_for(rt, f, n);
	case N_SET: {
		struct jinja_value v;
		if ((rc = jinja__eval(rt, f, n->b, &v)))
			return rc;
		return assign(rt, f, n->a, v);
	}
	case N_SETBLOCK: {
		size_t mark = rt->out->len;
		struct jframe *bf = frame_new(rt, f);
		if ((rc = exec_body(rt, bf, n->b))) {
			buf_truncate(rt->out, mark);
			return rc;
		}
		struct jinja_value v = cut_since(rt, mark), fv;
		if ((rc = apply_filter_chain(rt, f, n->next, v, &fv)))
			return rc;
		return assign(rt, f, n->a, fv);
	}
	case N_FILTERBLOCK: {
		size_t mark = rt->out->len;
		struct jframe *bf = frame_new(rt, f);
		if ((rc = exec_body(rt, bf, n->a))) {
			buf_truncate(rt->out, mark);
			return rc;
		}
		struct jinja_value v = cut_since(rt, mark), fv;
		if ((rc = apply_filter_chain(rt, f, n->next, v, &fv)))
			return rc;
		rt->at = n;
		return emit_value(rt, fv);
	}
	case N_MACRO: {
		struct jinja_macro *m = arena_zalloc(rt->arena, sizeof(*m));
		m->name = n->name;
		m->node = n;
		m->tpl = rt->tpl;
		m->closure = f;
		frame_set(rt, f, n->name, (struct jinja_value){.type = JINJA_MACRO, .u.macro = m});
		return 0;
	}
	case N_CALLBLOCK: {
		struct jinja_macro *m = arena_zalloc(rt->arena, sizeof(*m));
		m->name = n->name;
		m->node = n;
		m->tpl = rt->tpl;
		m->closure = f;
		struct jinja_value caller = {.type = JINJA_MACRO, .u.macro = m}, v;
		if ((rc = eval_call(rt, f, n->b, caller, &v)))
			return rc;
		rt->at = n;
		return emit_value(rt, v);
	}
	case N_DO: {
		struct jinja_value v;
		return jinja__eval(rt, f, n->a, &v);
	}
	case N_CUSTOM:
		return 0;
	case N_BREAK:
		return JINJA__BREAK;
	case N_CONTINUE:
		return JINJA__CONTINUE;
	case N_WITH: {
		struct jframe *wf = frame_new(rt, f);
		for (uint32_t i = 0; i + 1 < n->n; i += 2) {
			struct jinja_value v;
			if ((rc = jinja__eval(rt, f, n->items[i + 1], &v)) || (rc = assign(rt, wf, n->items[i], v)))
				return rc;
		}
		return exec_body(rt, wf, n->a);
	}
	case N_BODY:
		return exec_body(rt, f, n);
	default:
		return jinja_rt_error(rt, ING_EINVAL, "expression used as a statement");
	}
}

static int exec_body(struct jinja_rt *rt, struct jframe *f, const struct jnode *n)
{
	for (uint32_t i = 0; i < n->n; i++) {
		const struct jnode *s = n->items[i];
		int rc;
		rt->at = s;
		if (s->kind == N_TEXT) {
			rc = out_add(rt, s->val.u.s, s->val.len);
		} else if (s->kind == N_EMIT && s->a->kind != N_CALL) {
			/* the hot statements, without exec_stmt's large frame */
			struct jinja_value v;
			if (!(rc = jinja__eval(rt, f, s->a, &v))) {
				rt->at = s;
				rc = emit_value(rt, v);
			}
		} else {
			rc = exec_stmt(rt, f, s);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------- environment */

static int ns_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)rt;
	struct jinja_value *d = self;
	if (jinja_dict_get_str(*d, name, out))
		return 0;
	return ING_ENOTFOUND;
}

static int ns_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	struct jinja_value *d = self;
	buf_puts(out, "<Namespace ");
	int rc = jinja_value_repr(rt, *d, out);
	buf_putc(out, '>');
	return rc;
}

const struct jinja_obj_ops jinja__ns_ops = {
	.type_name = "Namespace",
	.getattr = ns_getattr,
	.str = ns_str,
};

static int macrons_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)rt;
	struct jinja_ns *ns = self;
	return jinja_dict_get_str(ns->macros, name, out) ? 0 : ING_ENOTFOUND;
}

static const struct jinja_obj_ops macrons_ops = {
	.type_name = "MacroNamespace",
	.getattr = macrons_getattr,
};

struct jinja_env *jinja_env_new(void)
{
	struct jinja_env *env = xcalloc(1, sizeof(*env));
	env->arena = arena_new(0);
	env->limits = (struct jinja_limits){200, 64u << 20, 100000, 10000000, false, NULL};
	env->globals = jinja_dict_new(env->arena);
	pthread_mutex_init(&env->lazy_lock, NULL);
	env->s_loop = jinja__intern(env, "loop", 4);
	env->s_caller = jinja__intern(env, "caller", 6);
	env->s_varargs = jinja__intern(env, "varargs", 7);
	env->s_kwargs = jinja__intern(env, "kwargs", 6);
	jinja__builtins_init(env);
	return env;
}

static void free_filter(void *p) { free(p); }

void jinja_env_free(struct jinja_env *env)
{
	if (!env)
		return;
	for (struct jinja_template *t = env->templates, *nx; t; t = nx) {
		nx = t->next;
		vec_free(&t->blocks);
		arena_free(t->arena);
	}
	for (size_t i = 0; i < env->ns.len; i++)
		free(env->ns.items[i]->name);
	vec_free(&env->ns);
	vec_free(&env->global_ns);
	for (size_t i = 0; i < env->lazy.len; i++)
		free(env->lazy.items[i]);
	vec_free(&env->lazy);
	pthread_mutex_destroy(&env->lazy_lock);
	strmap_free(&env->filters, free_filter);
	strmap_free(&env->tests, free_filter);
	strmap_free(&env->intern, NULL);
	strmap_free(&env->block_tags, NULL);
	arena_free(env->arena);
	free(env);
}

struct arena *jinja_env_arena(struct jinja_env *env) { return env->arena; }
struct jinja_limits *jinja_env_limits(struct jinja_env *env) { return &env->limits; }

void jinja_env_set_global(struct jinja_env *env, const char *name, struct jinja_value v)
{
	const char *k = arena_strdup(env->arena, name);
	jinja_dict_set(env->globals, jinja_str_static(k, strlen(k)), v);
}

void jinja_env_set_global_lazy(struct jinja_env *env, const char *name, jinja_lazy_fn make,
			       void *user)
{
	const char *in = jinja__intern(env, name, strlen(name));
	struct jlazy *l = NULL;
	for (size_t i = 0; i < env->lazy.len && !l; i++)
		if (env->lazy.items[i]->name == in)
			l = env->lazy.items[i];
	if (!l) {
		l = xcalloc(1, sizeof(*l));
		l->name = in;
		vec_push(&env->lazy, l);
	}
	l->make = make;
	l->user = user;
	l->made = false;
}

/* A replaced filter is updated in place: compiled templates hold pointers
 * to these records (resolved at compile time), so they see the change. */
static void put_fn(struct strmap *m, const char *name, jinja_fn fn, void *user)
{
	struct jfilter *fl = strmap_get(m, name);
	if (!fl) {
		fl = xmalloc(sizeof(*fl));
		strmap_put(m, name, fl);
	}
	fl->fn = fn;
	fl->user = user;
	fl->max_args = -1;
}

void jinja__set_max_args(struct strmap *m, const char *name, int max)
{
	struct jfilter *fl = strmap_get(m, name);
	if (fl)
		fl->max_args = max;
}

int jinja__too_many_args(struct jinja_rt *rt, const struct jfilter *fl, const char *name, size_t nargs)
{
	if (fl->max_args >= 0 && nargs > (size_t)fl->max_args)
		return jinja_rt_error(rt, ING_EINVAL, "'%s' takes at most %d argument(s) (%zu given)", name,
				      fl->max_args - 1, nargs - 1);
	return 0;
}

void jinja_env_add_filter(struct jinja_env *env, const char *name, jinja_fn fn, void *user)
{
	put_fn(&env->filters, name, fn, user);
}

void jinja_env_add_test(struct jinja_env *env, const char *name, jinja_fn fn, void *user)
{
	put_fn(&env->tests, name, fn, user);
}

static int return_fn(const struct jinja_call *c, struct jinja_value *ret)
{
	(void)ret;
	c->rt->retval = c->nargs ? c->args[0] : jinja_none();
	c->rt->returning = true;
	return JINJA__RETURN;
}

struct jinja_value jinja_return_func(struct jinja_env *env)
{
	return jinja_func(env->arena, "return", return_fn, NULL);
}

static struct jinja_ns *ns_get(struct jinja_env *env, const char *name, bool create)
{
	for (size_t i = 0; i < env->ns.len; i++)
		if (!strcmp(env->ns.items[i]->name, name))
			return env->ns.items[i];
	if (!create)
		return NULL;
	struct jinja_ns *ns = arena_zalloc(env->arena, sizeof(*ns));
	ns->name = xstrdup(name);
	ns->macros = jinja_dict_new(env->arena);
	ns->object = jinja_obj(env->arena, &macrons_ops, ns);
	vec_push(&env->ns, ns);
	return ns;
}

void jinja_env_namespace(struct jinja_env *env, const char *name, unsigned flags)
{
	struct jinja_ns *ns = ns_get(env, name, true);
	if ((flags & JINJA_NS_GLOBAL) && !(ns->flags & JINJA_NS_GLOBAL))
		vec_push(&env->global_ns, ns);
	ns->flags |= flags;
}

void jinja_env_define_macro(struct jinja_env *env, const char *ns, const char *name, struct jinja_value macro)
{
	struct jinja_ns *n = ns_get(env, ns, true);
	const char *k = arena_strdup(env->arena, name);
	if (macro.type == JINJA_MACRO && !macro.u.macro->ns)
		macro.u.macro->ns = n;
	jinja_dict_set(n->macros, jinja_str_static(k, strlen(k)), macro);
}

bool jinja_env_find_macro(struct jinja_env *env, const char *ns, const char *name, struct jinja_value *out)
{
	if (!ns) {
		for (size_t i = 0; i < env->global_ns.len; i++)
			if (jinja_dict_get_str(env->global_ns.items[i]->macros, name, out))
				return true;
		return false;
	}
	struct jinja_ns *n = ns_get(env, ns, false);
	return n && jinja_dict_get_str(n->macros, name, out);
}

int jinja_env_add_block_tag(struct jinja_env *env, const char *tag, enum jinja_tag_form form)
{
	static const char *const reserved[] = {"if", "for", "set", "macro", "call", "filter", "do", "raw",
					       "elif", "else", NULL};
	for (int i = 0; reserved[i]; i++)
		if (!strcmp(tag, reserved[i]))
			return ING_EINVAL;
	if (form != JINJA_TAG_MACRO && form != JINJA_TAG_NAMED)
		return ING_EINVAL;
	strmap_put(&env->block_tags, tag, (void *)(intptr_t)form);
	return 0;
}

size_t jinja_template_nblocks(const struct jinja_template *t) { return t->blocks.len; }
const struct jinja_block *jinja_template_block(const struct jinja_template *t, size_t i)
{
	return i < t->blocks.len ? t->blocks.items[i] : NULL;
}
const char *jinja_template_name(const struct jinja_template *t) { return t->name; }

int jinja_compile(struct jinja_env *env, const char *name, const char *path, const char *src, size_t len,
		  struct jinja_template **out, struct err *e)
{
	struct jinja_template *t = xcalloc(1, sizeof(*t));
	/* blocks sized to the source: a template's nodes take 2 to 30 times
	 * its length, and a project holds thousands of small ones (a fixed
	 * 16 KB left half of each block unused, 18 MB of a 2,000-model parse,
	 * every page of it zeroed by the kernel all the same). 32x keeps a
	 * template's nodes in one block: at 8x they spread over two and
	 * rendering ran 5% slower (bench/jinja.sh) */
	size_t bs = (len * 32 + 2048 + 1023) & ~(size_t)1023;
	struct arena *a = arena_new(bs < 64 * 1024 ? bs : 64 * 1024);
	/* the struct lives in its arena so jinja_env_free frees both */
	struct jinja_template *ta = arena_alloc(a, sizeof(*ta));
	*ta = *t;
	free(t);
	t = ta;
	t->arena = a;
	t->env = env;
	t->name = arena_strdup(a, name ? name : "<template>");
	t->path = arena_strdup(a, path ? path : t->name);
	/* normalise newlines; drop one trailing newline */
	char *s = arena_alloc(a, len + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\r') {
			s[k++] = '\n';
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
		} else {
			s[k++] = src[i];
		}
	}
	if (k && s[k - 1] == '\n')
		k--;
	s[k] = 0;
	t->src = s;
	t->len = k;
	int rc = jinja__parse(env, t, e);
	if (rc) {
		vec_free(&t->blocks);
		arena_free(a);
		return rc;
	}
	t->next = env->templates;
	env->templates = t;
	*out = t;
	return 0;
}

int jinja_env_load_macros(struct jinja_env *env, const char *ns, const char *name, const char *path,
			  const char *src, size_t len, struct jinja_template **out, struct err *e)
{
	struct jinja_template *t;
	int rc = jinja_compile(env, name, path, src, len, &t, e);
	if (rc)
		return rc;
	const struct jnode *root = t->root;
	struct jinja_ns *nsp = ns_get(env, ns, true);
	for (uint32_t i = 0; i < root->n; i++) {
		const struct jnode *s = root->items[i];
		if (s->kind != N_MACRO)
			continue;
		struct jinja_macro *m = arena_zalloc(env->arena, sizeof(*m));
		m->name = s->name;
		m->node = s;
		m->tpl = t;
		m->ns = nsp;
		jinja_env_define_macro(env, ns, s->name, (struct jinja_value){.type = JINJA_MACRO, .u.macro = m});
	}
	if (out)
		*out = t;
	return 0;
}

void jinja__rt_init(struct jinja_rt *rt, struct jinja_env *env, const struct jinja_value *ctx, struct arena *a,
		    void *user, struct err *e)
{
	memset(rt, 0, sizeof(*rt));
	rt->env = env;
	rt->arena = a;
	rt->user = user;
	rt->ctx = ctx ? *ctx : jinja_undefined();
	rt->err = e;
	rt->max_out = env->limits.max_output;
	rt->root = frame_new(rt, NULL);
}

int jinja_render(struct jinja_template *t, const struct jinja_value *context, const struct jinja_render_opts *opts,
		 struct buf *out, struct err *e)
{
	struct arena *tmp = NULL, *a = opts ? opts->arena : NULL;
	if (!a)
		a = tmp = arena_new(0);
	struct jinja_rt rt;
	struct err local = ERR_INIT;
	jinja__rt_init(&rt, t->env, context, a, opts ? opts->user : NULL, e ? e : &local);
	rt.out = out;
	rt.tpl = t;
	size_t base = out->len;
	rt.max_out = base + t->env->limits.max_output;
	/* A template's nodes are usually cold (a project's models are each
	 * rendered once, long after they were parsed), and a tree walk takes
	 * its cache misses one at a time; asked for together, they arrive
	 * together (bench/jinja.sh: 25% off a render) */
	arena_prefetch(t->arena, 64 * 1024);
	int rc = exec_body(&rt, rt.root, t->root);
	if (rc == JINJA__RETURN) /* return() at top level ends the template */
		rc = 0;
	if (rc)
		buf_truncate(out, base);
	err_clear(&local);
	arena_free(tmp);
	return rc;
}

int jinja_env_call(struct jinja_env *env, struct jinja_value callee, const struct jinja_value *context,
		   const struct jinja_value *args, size_t nargs, const struct jinja_kwarg *kwargs, size_t nkwargs,
		   const struct jinja_render_opts *opts, struct jinja_value *ret, struct err *e)
{
	if (!opts || !opts->arena)
		return err_set(e, ING_EINVAL, "jinja_env_call needs an arena");
	struct jinja_rt rt;
	struct buf out = BUF_INIT;
	struct err local = ERR_INIT;
	jinja__rt_init(&rt, env, context, opts->arena, opts->user, e ? e : &local);
	rt.out = &out;
	if (callee.type == JINJA_MACRO)
		rt.tpl = callee.u.macro->tpl;
	int rc = jinja__call(&rt, callee, args, nargs, kwargs, nkwargs, jinja_undefined(), ret);
	if (rc == JINJA__RETURN) {
		*ret = rt.retval;
		rc = 0;
	}
	buf_free(&out);
	err_clear(&local);
	return rc;
}
