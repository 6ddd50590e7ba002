/*
 * jinja/value.c — template values: constructors, lists, insertion-ordered
 * dicts, Python str()/repr() rendering, equality, ordering, JSON input.
 *
 * Values are arena-owned (see the rule in jinja.h); nothing here frees.
 * Floats print as Python's repr does: the shortest digits that read back
 * to the same double (found by trying %.{1..17}e), fixed notation for
 * exponents -4..15, else d.ddde+XX. Written by hand because no C library
 * prints Python's float repr.
 *
 * Case mapping is by small tables for Latin-1, Latin Extended-A, Greek
 * and Cyrillic (what data projects name things in), not the whole Unicode
 * database; other scripts pass through unchanged.
 */
#include "jinja/jinja_int.h"
#include "core/dtoa.h"
#include "core/mem.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct jinja_value jinja_str_static(const char *s, size_t n)
{
	if (n == (size_t)-1)
		n = strlen(s);
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return (struct jinja_value){.type = JINJA_STR, .len = (uint32_t)n, .u.s = s};
}

struct jinja_value jinja_str(struct arena *a, const char *s, size_t n)
{
	if (n == (size_t)-1)
		n = strlen(s);
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return jinja_str_static(p, n);
}

const char *jinja_str_cstr(struct arena *a, struct jinja_value v)
{
	if (v.type != JINJA_STR)
		return "";
	return arena_strndup(a, v.u.s, v.len);
}

/* ------------------------------------------------------------- lists */

static struct jinja_value list_make(struct arena *a, size_t cap, uint8_t type)
{
	struct jinja_list *l = arena_alloc(a, sizeof(*l));
	l->owner = a;
	l->len = 0;
	l->cap = (uint32_t)(cap ? cap : 4);
	l->items = arena_alloc(a, l->cap * sizeof(struct jinja_value));
	return (struct jinja_value){.type = type, .u.list = l};
}

struct jinja_value jinja_list_new(struct arena *a, size_t cap_hint)
{
	return list_make(a, cap_hint, JINJA_LIST);
}

struct jinja_value jinja_tuple_new(struct arena *a, size_t n)
{
	struct jinja_value v = list_make(a, n, JINJA_TUPLE);
	for (size_t i = 0; i < n; i++)
		v.u.list->items[i] = jinja_none();
	v.u.list->len = (uint32_t)n;
	return v;
}

void jinja_list_push(struct jinja_value list, struct jinja_value item)
{
	struct jinja_list *l = list.u.list;
	if (l->len == l->cap) {
		uint32_t nc = l->cap * 2;
		struct jinja_value *ni = arena_alloc(l->owner, nc * sizeof(*ni));
		memcpy(ni, l->items, l->len * sizeof(*ni));
		l->items = ni;
		l->cap = nc;
	}
	l->items[l->len++] = item;
}

void jinja_list_set(struct jinja_value list, size_t i, struct jinja_value item)
{
	if (i < list.u.list->len)
		list.u.list->items[i] = item;
}

size_t jinja_list_len(struct jinja_value list)
{
	return (list.type == JINJA_LIST || list.type == JINJA_TUPLE) ? list.u.list->len : 0;
}

struct jinja_value jinja_list_get(struct jinja_value list, size_t i)
{
	if ((list.type != JINJA_LIST && list.type != JINJA_TUPLE) || i >= list.u.list->len)
		return jinja_undefined();
	return list.u.list->items[i];
}

/* ------------------------------------------------------------- dicts */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Containers nest without bound at run time (namespace attributes can
 * wrap a list in itself a million times); the recursive walks below stop
 * at JV_MAX_DEPTH instead of exhausting the C stack. */
#define JV_MAX_DEPTH 200

static bool hashable_d(struct jinja_value v, int depth)
{
	if (depth > JV_MAX_DEPTH)
		return false;
	switch (v.type) {
	case JINJA_NONE: case JINJA_BOOL: case JINJA_INT: case JINJA_FLOAT: case JINJA_STR:
		return true;
	case JINJA_OBJ:
		return v.u.obj->ops->hash != NULL;
	case JINJA_TUPLE:
		for (uint32_t i = 0; i < v.u.list->len; i++)
			if (!hashable_d(v.u.list->items[i], depth + 1))
				return false;
		return true;
	default:
		return false;
	}
}

bool jinja__hashable(struct jinja_value v)
{
	return hashable_d(v, 0);
}

static uint64_t hash_d(struct jinja_value v, int depth)
{
	switch (v.type) {
	case JINJA_STR: return str_hash(v.u.s, v.len);
	case JINJA_NONE: return 0x9e3779b97f4a7c15ULL;
	case JINJA_BOOL: return mix((uint64_t)v.u.b);
	case JINJA_INT: return mix((uint64_t)v.u.i);
	case JINJA_FLOAT:
		/* equal numbers hash equal: 1.0 == 1 */
		if (v.u.f == floor(v.u.f) && fabs(v.u.f) < 9.2e18)
			return mix((uint64_t)(int64_t)v.u.f);
		{
			uint64_t b;
			memcpy(&b, &v.u.f, 8);
			return mix(b);
		}
	case JINJA_TUPLE: {
		uint64_t h = 0x345678 + v.u.list->len;
		for (uint32_t i = 0; i < v.u.list->len && depth < JV_MAX_DEPTH; i++)
			h = mix(h ^ hash_d(v.u.list->items[i], depth + 1)) + i;
		return h;
	}
	case JINJA_OBJ:
		return v.u.obj->ops->hash ? v.u.obj->ops->hash(v.u.obj->user) : 0;
	default: return 0;
	}
}

uint64_t jinja__hash(struct jinja_value v)
{
	return hash_d(v, 0);
}

struct jinja_value jinja_dict_new(struct arena *a)
{
	struct jinja_dict *d = arena_zalloc(a, sizeof(*d));
	d->owner = a;
	return (struct jinja_value){.type = JINJA_DICT, .u.dict = d};
}

struct jinja_value jinja_dict_new_cap(struct arena *a, uint32_t cap)
{
	struct jinja_value v = jinja_dict_new(a);
	if (cap) {
		v.u.dict->ents = arena_alloc(a, cap * sizeof(*v.u.dict->ents));
		v.u.dict->cap = cap;
	}
	return v;
}

static void dict_reindex(struct jinja_dict *d)
{
	if (d->len < 8) {
		d->slots = NULL;
		d->nslots = 0;
		return;
	}
	uint32_t ns = 16;
	while (ns < d->len * 2)
		ns *= 2;
	d->slots = arena_zalloc(d->owner, ns * sizeof(uint32_t));
	d->nslots = ns;
	for (uint32_t i = 0; i < d->len; i++) {
		uint32_t s = (uint32_t)d->ents[i].hash & (ns - 1);
		while (d->slots[s])
			s = (s + 1) & (ns - 1);
		d->slots[s] = i + 1;
	}
}

static int64_t dict_index(const struct jinja_dict *d, struct jinja_value key, uint64_t h)
{
	if (!d->slots) {
		if (key.type == JINJA_STR) {
			for (uint32_t i = 0; i < d->len; i++) {
				const struct jinja_value *k = &d->ents[i].key;
				if (d->ents[i].hash == h && k->type == JINJA_STR && k->len == key.len &&
				    !memcmp(k->u.s, key.u.s, key.len))
					return i;
			}
			return -1;
		}
		for (uint32_t i = 0; i < d->len; i++)
			if (d->ents[i].hash == h && jinja_value_eq(d->ents[i].key, key))
				return i;
		return -1;
	}
	uint32_t s = (uint32_t)h & (d->nslots - 1);
	while (d->slots[s]) {
		uint32_t i = d->slots[s] - 1;
		if (d->ents[i].hash == h && jinja_value_eq(d->ents[i].key, key))
			return i;
		s = (s + 1) & (d->nslots - 1);
	}
	return -1;
}

bool jinja__dict_find(struct jinja_value dv, struct jinja_value key, uint64_t h, struct jinja_value *out)
{
	int64_t i = dict_index(dv.u.dict, key, h);
	if (i < 0)
		return false;
	*out = dv.u.dict->ents[i].val;
	return true;
}

bool jinja__dict_find_str(const struct jinja_dict *d, const char *s, size_t n, uint64_t h,
			  struct jinja_value *out)
{
	if (!d->slots) {
		/* small dict: scan (the usual case for rows, configs, contexts) */
		for (uint32_t i = 0; i < d->len; i++) {
			const struct jdict_ent *e = &d->ents[i];
			if (e->hash == h && e->key.type == JINJA_STR && e->key.len == n && !memcmp(e->key.u.s, s, n)) {
				*out = e->val;
				return true;
			}
		}
		return false;
	}
	struct jinja_value k = jinja_str_static(s, n);
	int64_t i = dict_index(d, k, h);
	if (i < 0)
		return false;
	*out = d->ents[i].val;
	return true;
}

int jinja_dict_set(struct jinja_value dv, struct jinja_value key, struct jinja_value val)
{
	if (dv.type != JINJA_DICT || !jinja__hashable(key))
		return ING_EINVAL;
	struct jinja_dict *d = dv.u.dict;
	uint64_t h = jinja__hash(key);
	int64_t i = dict_index(d, key, h);
	if (i >= 0) {
		d->ents[i].val = val;
		return 0;
	}
	if (d->len == d->cap) {
		uint32_t nc = d->cap ? d->cap * 2 : 4;
		struct jdict_ent *ne = arena_alloc(d->owner, nc * sizeof(*ne));
		if (d->len)
			memcpy(ne, d->ents, d->len * sizeof(*ne));
		d->ents = ne;
		d->cap = nc;
	}
	d->ents[d->len++] = (struct jdict_ent){key, val, h};
	if (d->len >= 8 && (!d->slots || d->len * 2 > d->nslots))
		dict_reindex(d);
	else if (d->slots) {
		uint32_t s = (uint32_t)h & (d->nslots - 1);
		while (d->slots[s])
			s = (s + 1) & (d->nslots - 1);
		d->slots[s] = d->len;
	}
	return 0;
}

int jinja__dict_del(struct jinja_value dv, struct jinja_value key, struct jinja_value *out)
{
	struct jinja_dict *d = dv.u.dict;
	if (!jinja__hashable(key))
		return ING_EINVAL;
	int64_t i = dict_index(d, key, jinja__hash(key));
	if (i < 0)
		return ING_ENOTFOUND;
	if (out)
		*out = d->ents[i].val;
	memmove(&d->ents[i], &d->ents[i + 1], (d->len - (uint32_t)i - 1) * sizeof(d->ents[0]));
	d->len--;
	dict_reindex(d);
	return 0;
}

void jinja_dict_set_str(struct jinja_value dict, const char *key, struct jinja_value val)
{
	jinja_dict_set(dict, jinja_str_static(key, strlen(key)), val);
}

bool jinja_dict_get(struct jinja_value dict, struct jinja_value key, struct jinja_value *out)
{
	if (dict.type != JINJA_DICT || !jinja__hashable(key))
		return false;
	return jinja__dict_find(dict, key, jinja__hash(key), out);
}

bool jinja_dict_get_str(struct jinja_value dict, const char *key, struct jinja_value *out)
{
	return jinja_dict_get(dict, jinja_str_static(key, strlen(key)), out);
}

size_t jinja_dict_len(struct jinja_value dict)
{
	return dict.type == JINJA_DICT ? dict.u.dict->len : 0;
}

struct jinja_value jinja_dict_key(struct jinja_value dict, size_t i)
{
	return dict.type == JINJA_DICT && i < dict.u.dict->len ? dict.u.dict->ents[i].key : jinja_undefined();
}

struct jinja_value jinja_dict_val(struct jinja_value dict, size_t i)
{
	return dict.type == JINJA_DICT && i < dict.u.dict->len ? dict.u.dict->ents[i].val : jinja_undefined();
}

/* ------------------------------------------------- functions, objects */

struct jinja_value jinja_func(struct arena *a, const char *name, jinja_fn fn, void *user)
{
	struct jinja_func *f = arena_zalloc(a, sizeof(*f));
	f->name = name;
	f->fn = fn;
	f->user = user;
	return (struct jinja_value){.type = JINJA_FUNC, .u.func = f};
}

struct jinja_value jinja_obj(struct arena *a, const struct jinja_obj_ops *ops, void *user)
{
	struct jinja_obj *o = arena_alloc(a, sizeof(*o));
	o->ops = ops;
	o->user = user;
	return (struct jinja_value){.type = JINJA_OBJ, .u.obj = o};
}

void *jinja_obj_user(struct jinja_value v, const struct jinja_obj_ops *ops)
{
	if (v.type != JINJA_OBJ || v.u.obj->ops != ops)
		return NULL;
	return v.u.obj->user;
}

bool jinja_macro_source(struct jinja_value m, const char **ns, const char **src, size_t *len,
			int *line)
{
	if (m.type != JINJA_MACRO || !m.u.macro->ns || !m.u.macro->tpl || !m.u.macro->node)
		return false;
	*ns = m.u.macro->ns->name;
	*src = m.u.macro->tpl->src;
	*len = m.u.macro->tpl->len;
	*line = m.u.macro->node->line;
	return true;
}

void jinja_env_set_call_hook(struct jinja_env *env, void (*fn)(void *user, struct jinja_value macro),
			     void *user)
{
	env->call_hook = fn;
	env->call_hook_user = user;
}

const char *jinja_macro_name(struct jinja_value m)
{
	if (m.type == JINJA_MACRO)
		return m.u.macro->name;
	if (m.type == JINJA_FUNC)
		return m.u.func->name;
	return NULL;
}

bool jinja_call_arg(const struct jinja_call *c, size_t i, const char *name, struct jinja_value *out)
{
	if (i < c->nargs) {
		*out = c->args[i];
		return true;
	}
	if (name)
		for (size_t k = 0; k < c->nkwargs; k++)
			if (!strcmp(c->kwargs[k].name, name)) {
				*out = c->kwargs[k].value;
				return true;
			}
	*out = jinja_undefined();
	return false;
}

/* ------------------------------------------------------- operations */

bool jinja_truthy(struct jinja_value v)
{
	switch (v.type) {
	case JINJA_UNDEFINED: case JINJA_NONE: return false;
	case JINJA_BOOL: return v.u.b;
	case JINJA_INT: return v.u.i != 0;
	case JINJA_FLOAT: return v.u.f != 0.0;
	case JINJA_STR: return v.len != 0;
	case JINJA_LIST: case JINJA_TUPLE: return v.u.list->len != 0;
	case JINJA_DICT: return v.u.dict->len != 0;
	case JINJA_OBJ: return v.u.obj->ops->truth ? v.u.obj->ops->truth(v.u.obj->user) : true;
	default: return true;
	}
}

static bool is_num(struct jinja_value v)
{
	return v.type == JINJA_INT || v.type == JINJA_FLOAT || v.type == JINJA_BOOL;
}

static double num_f(struct jinja_value v)
{
	return v.type == JINJA_FLOAT ? v.u.f : v.type == JINJA_INT ? (double)v.u.i : (double)v.u.b;
}

static int64_t num_i(struct jinja_value v)
{
	return v.type == JINJA_INT ? v.u.i : (int64_t)v.u.b;
}

static bool eq_d(struct jinja_value a, struct jinja_value b, int depth);

bool jinja_value_eq(struct jinja_value a, struct jinja_value b)
{
	return eq_d(a, b, 0);
}

/* Beyond JV_MAX_DEPTH, containers compare unequal. */
static bool eq_d(struct jinja_value a, struct jinja_value b, int depth)
{
	if (is_num(a) && is_num(b)) {
		if (a.type == JINJA_FLOAT || b.type == JINJA_FLOAT)
			return num_f(a) == num_f(b);
		return num_i(a) == num_i(b);
	}
	if (a.type != b.type)
		return false;
	switch (a.type) {
	case JINJA_UNDEFINED: case JINJA_NONE: return true;
	case JINJA_STR: return a.len == b.len && !memcmp(a.u.s, b.u.s, a.len);
	case JINJA_LIST: case JINJA_TUPLE:
		if (a.u.list->len != b.u.list->len || depth > JV_MAX_DEPTH)
			return false;
		for (uint32_t i = 0; i < a.u.list->len; i++)
			if (!eq_d(a.u.list->items[i], b.u.list->items[i], depth + 1))
				return false;
		return true;
	case JINJA_DICT: {
		if (a.u.dict->len != b.u.dict->len || depth > JV_MAX_DEPTH)
			return false;
		for (uint32_t i = 0; i < a.u.dict->len; i++) {
			struct jinja_value o;
			if (!jinja__dict_find(b, a.u.dict->ents[i].key, a.u.dict->ents[i].hash, &o) ||
			    !eq_d(o, a.u.dict->ents[i].val, depth + 1))
				return false;
		}
		return true;
	}
	case JINJA_MACRO: return a.u.macro == b.u.macro;
	case JINJA_FUNC: return a.u.func == b.u.func;
	case JINJA_OBJ:
		if (a.u.obj->ops != b.u.obj->ops)
			return false;
		if (a.u.obj->user == b.u.obj->user)
			return true;
		return a.u.obj->ops->eq && a.u.obj->ops->eq(a.u.obj->user, b.u.obj->user);
	default: return false;
	}
}

static int compare_d(struct jinja_value a, struct jinja_value b, int *res, int depth);

int jinja__compare(struct jinja_value a, struct jinja_value b, int *res)
{
	return compare_d(a, b, res, 0);
}

static int compare_d(struct jinja_value a, struct jinja_value b, int *res, int depth)
{
	if (is_num(a) && is_num(b)) {
		if (a.type == JINJA_FLOAT || b.type == JINJA_FLOAT) {
			double x = num_f(a), y = num_f(b);
			*res = x < y ? -1 : x > y ? 1 : 0;
		} else {
			int64_t x = num_i(a), y = num_i(b);
			*res = x < y ? -1 : x > y ? 1 : 0;
		}
		return 0;
	}
	if (a.type == JINJA_STR && b.type == JINJA_STR) {
		size_t n = a.len < b.len ? a.len : b.len;
		int c = memcmp(a.u.s, b.u.s, n);
		*res = c < 0 ? -1 : c > 0 ? 1 : a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
		return 0;
	}
	if ((a.type == JINJA_LIST || a.type == JINJA_TUPLE) && a.type == b.type) {
		if (depth > JV_MAX_DEPTH)
			return ING_ELIMIT;
		uint32_t n = a.u.list->len < b.u.list->len ? a.u.list->len : b.u.list->len;
		for (uint32_t i = 0; i < n; i++) {
			struct jinja_value x = a.u.list->items[i], y = b.u.list->items[i];
			if (eq_d(x, y, depth + 1))
				continue;
			return compare_d(x, y, res, depth + 1);
		}
		*res = a.u.list->len < b.u.list->len ? -1 : a.u.list->len > b.u.list->len ? 1 : 0;
		return 0;
	}
	if (a.type == JINJA_OBJ && b.type == JINJA_OBJ && a.u.obj->ops == b.u.obj->ops &&
	    a.u.obj->ops->cmp) {
		*res = a.u.obj->ops->cmp(a.u.obj->user, b.u.obj->user);
		return 0;
	}
	return ING_EINVAL;
}

bool jinja__is_str(struct jinja_value v, const char *s)
{
	size_t n = strlen(s);
	return v.type == JINJA_STR && v.len == n && !memcmp(v.u.s, s, n);
}

size_t jinja__u8len(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

size_t jinja__u8off(const char *s, size_t n, size_t cp)
{
	size_t i = 0, c = 0;
	while (i < n) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (c == cp)
				return i;
			c++;
		}
		i++;
	}
	return n;
}

const char *jinja_type_name(struct jinja_value v)
{
	static const char *names[] = {"Undefined", "NoneType", "bool", "int", "float", "str", "list",
				      "tuple", "dict", "Macro", "function", "object"};
	if (v.type == JINJA_OBJ)
		return v.u.obj->ops->type_name ? v.u.obj->ops->type_name : "object";
	return v.type < ARRAY_SIZE(names) ? names[v.type] : "?";
}

/* ------------------------------------------------- str() and repr() */

void jinja__fmt_float(double f, struct buf *out)
{
	char tmp[DTOA_BUFSZ];
	buf_add(out, tmp, dtoa_repr(f, tmp));
}

static void repr_str(const char *s, size_t n, struct buf *out)
{
	char q = '\'';
	if (memchr(s, '\'', n) && !memchr(s, '"', n))
		q = '"';
	buf_putc(out, q);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == (unsigned char)q || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
		} else if (c == '\n') {
			buf_puts(out, "\\n");
		} else if (c == '\r') {
			buf_puts(out, "\\r");
		} else if (c == '\t') {
			buf_puts(out, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\x%02x", c);
		} else {
			buf_putc(out, (char)c);
		}
	}
	buf_putc(out, q);
}

static int value_fmt(struct jinja_rt *rt, struct jinja_value v, struct buf *out, bool repr, int depth);

static int seq_fmt(struct jinja_rt *rt, struct jinja_value v, struct buf *out, int depth)
{
	bool tup = v.type == JINJA_TUPLE;
	buf_putc(out, tup ? '(' : '[');
	for (uint32_t i = 0; i < v.u.list->len; i++) {
		if (i)
			buf_puts(out, ", ");
		int rc = value_fmt(rt, v.u.list->items[i], out, true, depth + 1);
		if (rc)
			return rc;
	}
	if (tup && v.u.list->len == 1)
		buf_putc(out, ',');
	buf_putc(out, tup ? ')' : ']');
	return 0;
}

static int value_fmt(struct jinja_rt *rt, struct jinja_value v, struct buf *out, bool repr, int depth)
{
	if (depth > 100)
		return rt ? jinja_rt_error(rt, ING_ELIMIT, "value nested too deeply to print") : ING_ELIMIT;
	switch (v.type) {
	case JINJA_UNDEFINED: return 0;
	case JINJA_NONE: return buf_puts(out, "None");
	case JINJA_BOOL: return buf_puts(out, v.u.b ? "True" : "False");
	case JINJA_INT: return buf_printf(out, "%lld", (long long)v.u.i);
	case JINJA_FLOAT: jinja__fmt_float(v.u.f, out); return 0;
	case JINJA_STR:
		if (repr)
			repr_str(v.u.s, v.len, out);
		else
			buf_add(out, v.u.s, v.len);
		return 0;
	case JINJA_LIST: case JINJA_TUPLE:
		if (v.flags & (JV_ITEMS | JV_KEYS | JV_VALUES)) {
			/* dict views print like Python's */
			buf_puts(out, v.flags & JV_ITEMS ? "dict_items(" : v.flags & JV_KEYS ? "dict_keys(" : "dict_values(");
			int rc = seq_fmt(rt, v, out, depth);
			buf_putc(out, ')');
			return rc;
		}
		return seq_fmt(rt, v, out, depth);
	case JINJA_DICT:
		buf_putc(out, '{');
		for (uint32_t i = 0; i < v.u.dict->len; i++) {
			if (i)
				buf_puts(out, ", ");
			int rc = value_fmt(rt, v.u.dict->ents[i].key, out, true, depth + 1);
			if (!rc) {
				buf_puts(out, ": ");
				rc = value_fmt(rt, v.u.dict->ents[i].val, out, true, depth + 1);
			}
			if (rc)
				return rc;
		}
		buf_putc(out, '}');
		return 0;
	case JINJA_MACRO: return buf_printf(out, "<Macro '%s'>", v.u.macro->name);
	case JINJA_FUNC: return buf_printf(out, "<function %s>", v.u.func->name);
	case JINJA_OBJ:
		if (v.u.obj->ops->str)
			return v.u.obj->ops->str(rt, v.u.obj->user, out);
		return buf_printf(out, "<%s object>", jinja_type_name(v));
	}
	return 0;
}

int jinja_value_str(struct jinja_rt *rt, struct jinja_value v, struct buf *out)
{
	return value_fmt(rt, v, out, false, 0);
}

int jinja_value_repr(struct jinja_rt *rt, struct jinja_value v, struct buf *out)
{
	return value_fmt(rt, v, out, true, 0);
}

struct jinja_value jinja_value_copy(struct arena *a, struct jinja_value v)
{
	switch (v.type) {
	case JINJA_STR: return jinja_str(a, v.u.s, v.len);
	case JINJA_LIST: case JINJA_TUPLE: {
		struct jinja_value n = list_make(a, v.u.list->len, v.type);
		for (uint32_t i = 0; i < v.u.list->len; i++)
			n.u.list->items[i] = jinja_value_copy(a, v.u.list->items[i]);
		n.u.list->len = v.u.list->len;
		n.flags = v.flags;
		return n;
	}
	case JINJA_DICT: {
		struct jinja_value n = jinja_dict_new(a);
		for (uint32_t i = 0; i < v.u.dict->len; i++)
			jinja_dict_set(n, jinja_value_copy(a, v.u.dict->ents[i].key),
				       jinja_value_copy(a, v.u.dict->ents[i].val));
		return n;
	}
	default: return v;
	}
}

/* ------------------------------------------------------------- JSON */

static struct jinja_value from_json(struct arena *a, json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		struct jinja_value d = jinja_dict_new(a);
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
			jinja_dict_set(d, jinja_str(a, k, strlen(k)), from_json(a, v));
		return d;
	}
	case JSON_ARRAY: {
		struct jinja_value l = jinja_list_new(a, json_array_size(j));
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			jinja_list_push(l, from_json(a, v));
		return l;
	}
	case JSON_STRING: return jinja_str(a, json_string_value(j), json_string_length(j));
	case JSON_INTEGER: return jinja_int(json_integer_value(j));
	case JSON_REAL: return jinja_float(json_real_value(j));
	case JSON_TRUE: return jinja_bool(true);
	case JSON_FALSE: return jinja_bool(false);
	default: return jinja_none();
	}
}

int jinja_value_from_json(struct arena *a, const char *json, size_t len, struct jinja_value *out,
			  struct err *e)
{
	json_error_t je;
	json_t *j = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_PRESERVE_ORDER, &je);
	if (!j)
		return err_setloc(e, ING_EPARSE, je.source, je.line, je.column, "invalid JSON: %s", je.text);
	*out = from_json(a, j);
	json_decref(j);
	return 0;
}

/* ------------------------------------------------------ case mapping */

/* Simple case mapping for Latin-1, Latin Extended-A, Greek and Cyrillic
 * (what identifiers and labels in data projects use); other scripts pass
 * through unchanged. ß upper-cases to "SS" as in Python. */
static uint32_t cp_upper(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c < 0x80)
		return c;
	if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
		return c - 0x20;
	if (c == 0xFF)
		return 0x178;
	if (c == 0xB5)
		return 0x39C;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c & ~1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c : c - 1;
	if (c == 0x131)
		return 'I';
	if (c == 0x17F)
		return 'S';
	if (c >= 0x3B1 && c <= 0x3C9)
		return c == 0x3C2 ? 0x3A3 : c - 0x20;
	if (c == 0x3AC)
		return 0x386;
	if (c >= 0x3AD && c <= 0x3AF)
		return c - 0x25;
	if (c == 0x3CC)
		return 0x38C;
	if (c == 0x3CD || c == 0x3CE)
		return c - 0x3F;
	if (c >= 0x430 && c <= 0x44F)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45F)
		return c - 0x50;
	return c;
}

static uint32_t cp_lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 0x20;
	if (c == 0x178)
		return 0xFF;
	if ((c >= 0x100 && c <= 0x137 && c != 0x130) || (c >= 0x14A && c <= 0x177))
		return c | 1u;
	if (c == 0x130)
		return 'i';
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 0x20;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 0x25;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 0x3F;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	return c;
}

static size_t u8dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
	if (k > n || k == 1) {
		*cp = c < 0x80 ? c : 0xFFFFFFFFu; /* invalid bytes pass through */
		return 1;
	}
	uint32_t v = c & (0x7F >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFFFFFFu;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return k;
}

static void u8put(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_putc(b, (char)c);
	} else if (c < 0x800) {
		buf_putc(b, (char)(0xC0 | (c >> 6)));
		buf_putc(b, (char)(0x80 | (c & 0x3F)));
	} else if (c < 0x10000) {
		buf_putc(b, (char)(0xE0 | (c >> 12)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (c & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | (c >> 18)));
		buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (c & 0x3F)));
	}
}

bool jinja__cp_cased(uint32_t c)
{
	return c != 0xFFFFFFFFu && (cp_upper(c) != c || cp_lower(c) != c || c == 0xDF);
}

bool jinja__u8_isupper(const char *s, size_t n, bool want_upper)
{
	bool cased = false;
	for (size_t i = 0; i < n;) {
		uint32_t c;
		i += u8dec((const unsigned char *)s + i, n - i, &c);
		if (c == 0xFFFFFFFFu)
			continue;
		bool is_up = cp_lower(c) != c, is_low = cp_upper(c) != c || c == 0xDF;
		if (want_upper ? is_low : is_up)
			return false;
		cased |= want_upper ? is_up : is_low;
	}
	return cased;
}

struct jinja_value jinja__casemap(struct arena *a, struct jinja_value s, int mode)
{
	bool ascii = true;
	for (uint32_t i = 0; i < s.len && ascii; i++)
		ascii = (unsigned char)s.u.s[i] < 0x80;
	if (ascii) {
		char *p = arena_alloc(a, s.len + 1);
		bool start = true;
		for (uint32_t i = 0; i < s.len; i++) {
			unsigned char ch = (unsigned char)s.u.s[i];
			bool alpha = (ch | 32) >= 'a' && (ch | 32) <= 'z';
			unsigned char up = (ch >= 'a' && ch <= 'z') ? ch - 32 : ch, lo = (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
			switch (mode) {
			case JCASE_LOWER: p[i] = (char)lo; break;
			case JCASE_UPPER: p[i] = (char)up; break;
			case JCASE_TITLE: p[i] = (char)(start ? up : lo); start = !alpha; break;
			case JCASE_CAPITALIZE: p[i] = (char)(i == 0 ? up : lo); break;
			case JCASE_SWAP: p[i] = (char)(up != ch ? up : lo); break;
			case JCASE_WORDS: {
				bool sep = ch == ' ' || (ch >= 9 && ch <= 13) || ch == '-' || ch == '(' || ch == '{' ||
					   ch == '[' || ch == '<';
				p[i] = (char)(sep ? ch : start ? up : lo);
				start = sep;
				break;
			}
			}
		}
		p[s.len] = 0;
		return jinja_str_static(p, s.len);
	}
	struct buf b = BUF_INIT;
	bool start = true, first = true;
	for (uint32_t i = 0; i < s.len;) {
		uint32_t c;
		size_t k = u8dec((const unsigned char *)s.u.s + i, s.len - i, &c);
		if (c == 0xFFFFFFFFu) {
			buf_add(&b, s.u.s + i, k);
			i += (uint32_t)k;
			start = true;
			first = false;
			continue;
		}
		i += (uint32_t)k;
		bool want_up;
		bool cased = jinja__cp_cased(c) || (c < 0x80 && ((c | 32) >= 'a' && (c | 32) <= 'z'));
		switch (mode) {
		case JCASE_LOWER: want_up = false; break;
		case JCASE_UPPER: want_up = true; break;
		case JCASE_TITLE: want_up = start; start = !cased; break;
		case JCASE_CAPITALIZE: want_up = first; break;
		case JCASE_SWAP: want_up = cp_lower(c) == c; break;
		default: {
			bool sep = c == ' ' || (c >= 9 && c <= 13) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
			if (sep) {
				u8put(&b, c);
				start = true;
				first = false;
				continue;
			}
			want_up = start;
			start = false;
		}
		}
		first = false;
		if (want_up && c == 0xDF)
			buf_puts(&b, "SS");
		else if (!want_up && c == 0x130)
			buf_puts(&b, "i\xcc\x87"); /* İ → i + combining dot above, as Python */
		else
			u8put(&b, want_up ? cp_upper(c) : cp_lower(c));
	}
	struct jinja_value r = jinja_str(a, buf_cstr(&b), b.len);
	buf_free(&b);
	return r;
}
