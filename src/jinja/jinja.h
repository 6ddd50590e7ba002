/*
 * jinja/jinja.h — a Jinja2-compatible template engine (the 3.1 line dbt uses).
 *
 * Calling sequence
 *
 *     struct jinja_env *env = jinja_env_new();
 *     jinja_env_set_global(env, "ref", jinja_func(jinja_env_arena(env), "ref", my_ref, host));
 *     jinja_env_load_macros(env, "my_project", "macros/x.sql", path, src, len, NULL, &e);
 *     struct jinja_template *t;
 *     jinja_compile(env, "model.orders", "models/orders.sql", src, len, &t, &e);
 *     struct jinja_render_opts ro = {.arena = a, .user = host};
 *     jinja_render(t, &ctx, &ro, &out, &e);      // many times, any context
 *     jinja_env_free(env);                        // frees templates too
 *
 * OWNERSHIP RULE (the only one): every value lives in an arena and is never
 * freed on its own. A value is a small struct passed BY VALUE; strings,
 * lists, dicts, functions and objects point into the arena that made them
 * (constructors take that arena). Values made while rendering live in the
 * render's arena (jinja_render_opts.arena, or a temporary one the render
 * frees on return: then only the text in `out` survives). Values the host
 * makes for globals live in jinja_env_arena(env) or any arena that outlives
 * the env. Nothing is reference counted; to keep a value past its arena's
 * life, jinja_value_copy() it into a longer-lived arena. Containers grow
 * inside the arena that made them; a template may mutate (append, update,
 * pop ...) only containers made in the current render's arena — mutating a
 * global (env-owned) container is a runtime error, so a render can never
 * leave pointers into a freed arena inside the env. Host pointers
 * (`user` of functions and objects) are the host's; the engine never frees
 * them. Strings are immutable byte ranges (UTF-8), not NUL-terminated in
 * general (jinja_str_cstr gives a terminated copy).
 *
 * Errors are values with a location: every failing call returns a negative
 * ING_E* code and fills the caller's struct err with the template path,
 * line, column, the source line (shown with a caret by err_print) and a
 * message such as "expected 'endfor' (to close the 'for' on line 3)".
 * Native functions report errors with jinja_rt_error(), which adds the
 * location of the expression being evaluated.
 *
 * Threads: compile templates, load macros and register globals/filters
 * from one thread first; after that, renders (each with its own arena and
 * out buf) may run concurrently on the same env — a render only reads it.
 *
 * Semantics follow Jinja2 with `jinja2.ext.do` and `jinja2.ext.loopcontrols`
 * ({% break %}, {% continue %}: dbt enables both), no autoescape, the default
 * Undefined (renders as "", attribute of undefined is an error), trim_blocks
 * and lstrip_blocks off, keep_trailing_newline off — the defaults of dbt.
 * Not supported: template inheritance (extends/block/include/import), which
 * dbt projects do not use; integers are int64 (Python's big ints overflow
 * here with an error); case mapping covers Latin, Greek and Cyrillic.
 */
#ifndef INGOT_JINJA_H
#define INGOT_JINJA_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jinja_env;
struct jinja_template;
struct jinja_rt; /* the state of one render (or one C-side macro call) */
struct jinja_list;
struct jinja_dict;
struct jinja_macro;
struct jinja_func;
struct jinja_obj;

/* ---------------------------------------------------------------- values */

enum jinja_type {
	JINJA_UNDEFINED = 0, /* a zeroed value is undefined */
	JINJA_NONE,
	JINJA_BOOL,
	JINJA_INT,   /* int64 (arithmetic that overflows is an error) */
	JINJA_FLOAT, /* double */
	JINJA_STR,
	JINJA_LIST,
	JINJA_TUPLE, /* an immutable list */
	JINJA_DICT,  /* insertion-ordered; keys: none/bool/int/float/str/tuple */
	JINJA_MACRO, /* a template macro (or a test/materialization body) */
	JINJA_FUNC,  /* a native C function */
	JINJA_OBJ,   /* a host object: attributes, items, call, str, iteration */
};

struct jinja_value {
	uint8_t type;   /* enum jinja_type */
	uint8_t flags;  /* internal */
	uint32_t len;   /* JINJA_STR: byte length */
	union {
		bool b;
		int64_t i;
		double f;
		const char *s;            /* JINJA_STR (len bytes) and JINJA_UNDEFINED (name or NULL) */
		struct jinja_list *list;  /* JINJA_LIST, JINJA_TUPLE */
		struct jinja_dict *dict;
		struct jinja_macro *macro;
		struct jinja_func *func;
		struct jinja_obj *obj;
	} u;
};

/* Scalars need no arena. */
static inline struct jinja_value jinja_undefined(void) { return (struct jinja_value){0}; }
static inline struct jinja_value jinja_none(void) { return (struct jinja_value){.type = JINJA_NONE}; }
static inline struct jinja_value jinja_bool(bool b) { return (struct jinja_value){.type = JINJA_BOOL, .u.b = b}; }
static inline struct jinja_value jinja_int(int64_t i) { return (struct jinja_value){.type = JINJA_INT, .u.i = i}; }
static inline struct jinja_value jinja_float(double f) { return (struct jinja_value){.type = JINJA_FLOAT, .u.f = f}; }
/* A copy of s[0..n) in arena a (n == (size_t)-1: strlen). */
struct jinja_value jinja_str(struct arena *a, const char *s, size_t n);
/* Borrow s: it must outlive every use of the value (literals, env data). */
struct jinja_value jinja_str_static(const char *s, size_t n);
/* NUL-terminated copy in a (for hosts that need a C string). */
const char *jinja_str_cstr(struct arena *a, struct jinja_value v);

/* Lists and tuples. */
struct jinja_value jinja_list_new(struct arena *a, size_t cap_hint);
struct jinja_value jinja_tuple_new(struct arena *a, size_t n); /* n items, fill with jinja_list_set */
void jinja_list_push(struct jinja_value list, struct jinja_value item);
void jinja_list_set(struct jinja_value list, size_t i, struct jinja_value item);
size_t jinja_list_len(struct jinja_value list);
struct jinja_value jinja_list_get(struct jinja_value list, size_t i);

/* Dicts (insertion-ordered). set replaces the value of an existing key in
 * place; keys that are not hashable (list, dict, ...) make set return
 * ING_EINVAL. */
struct jinja_value jinja_dict_new(struct arena *a);
/* An empty dict with room for `cap` entries before it grows (each growth
 * leaves the old entries behind in the arena). */
struct jinja_value jinja_dict_new_cap(struct arena *a, uint32_t cap);
int jinja_dict_set(struct jinja_value dict, struct jinja_value key, struct jinja_value val);
/* Key is borrowed: use a literal or a string that outlives the dict. */
void jinja_dict_set_str(struct jinja_value dict, const char *key, struct jinja_value val);
bool jinja_dict_get(struct jinja_value dict, struct jinja_value key, struct jinja_value *out);
bool jinja_dict_get_str(struct jinja_value dict, const char *key, struct jinja_value *out);
size_t jinja_dict_len(struct jinja_value dict);
/* Iteration in insertion order: i < jinja_dict_len. */
struct jinja_value jinja_dict_key(struct jinja_value dict, size_t i);
struct jinja_value jinja_dict_val(struct jinja_value dict, size_t i);

/* ---------------------------------------------------- native functions */

struct jinja_kwarg {
	const char *name;
	struct jinja_value value;
};

/* What a native function (or object call/method) receives. */
struct jinja_call {
	struct jinja_rt *rt;
	void *user;               /* the function's / object's user pointer */
	struct jinja_value self;  /* the object for methods and object calls */
	const struct jinja_value *args;
	size_t nargs;
	const struct jinja_kwarg *kwargs;
	size_t nkwargs;
	struct jinja_value caller; /* the body of {% call f() %}...{% endcall %}, else undefined */
};

/* 0 with *ret set (leave it untouched to return none), or a negative code
 * after jinja_rt_error(). */
typedef int (*jinja_fn)(const struct jinja_call *c, struct jinja_value *ret);

/* A callable value; name is borrowed (use a literal). */
struct jinja_value jinja_func(struct arena *a, const char *name, jinja_fn fn, void *user);

/* Argument i positionally, else keyword `name` (NULL: positional only).
 * False when absent (out = undefined). */
bool jinja_call_arg(const struct jinja_call *c, size_t i, const char *name, struct jinja_value *out);

/* ------------------------------------------------------- host objects */

/* Every hook may be NULL (the operation is then a type error, except
 * getattr/getitem → undefined, str → "<type_name object>", truth → true).
 * Hooks return 0 or a negative code after jinja_rt_error(); getattr,
 * getitem and method return ING_ENOTFOUND (without an error) when the
 * name is not theirs. */
struct jinja_obj_ops {
	const char *type_name;
	int (*getattr)(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out);
	int (*getitem)(struct jinja_rt *rt, void *self, struct jinja_value key, struct jinja_value *out);
	/* obj(...): c->self is the object, c->user its user pointer. */
	jinja_fn call;
	/* obj.name(...): tried before getattr+call, so config.get(...) needs no
	 * bound-method value. ING_ENOTFOUND → fall back to getattr. */
	int (*method)(const struct jinja_call *c, const char *name, struct jinja_value *ret);
	/* str(obj) / {{ obj }}: append to out. */
	int (*str)(struct jinja_rt *rt, void *self, struct buf *out);
	/* for x in obj / obj|list / length: produce a list (or tuple). */
	int (*iter)(struct jinja_rt *rt, void *self, struct jinja_value *list_out);
	bool (*truth)(void *self);
	/* JINJA_OBJF_MAPPING: `x is mapping` is true (a Python Mapping, as
	 * dbt's Relation). */
	unsigned flags;
	/* Hashable objects (dict keys, sets, `x in dict`): equal objects
	 * must hash equal. NULL: unhashable. */
	uint64_t (*hash)(void *self);
	/* a == b for two objects of these ops (NULL: identity). */
	bool (*eq)(void *self, void *other);
	/* a < b ordering of two objects of these ops: -1, 0, 1 (NULL: not
	 * orderable, a type error as in Python). */
	int (*cmp)(void *self, void *other);
	/* a + b, a - b where a or b is an object of these ops (datetime +
	 * timedelta): op is JINJA_OP_ADD or JINJA_OP_SUB; ING_ENOTFOUND
	 * (without an error) when the operands are not theirs. */
	int (*binop)(struct jinja_rt *rt, int op, struct jinja_value a, struct jinja_value b,
		     struct jinja_value *out);
};
enum { JINJA_OP_ADD = 0, JINJA_OP_SUB = 1 };
enum { JINJA_OBJF_MAPPING = 1 };

struct jinja_value jinja_obj(struct arena *a, const struct jinja_obj_ops *ops, void *user);
/* The user pointer of an object made with ops (NULL if v is not one). */
void *jinja_obj_user(struct jinja_value v, const struct jinja_obj_ops *ops);

/* --------------------------------------------------- value operations */

/* v marked safe: autoescape leaves it as is (what |safe returns). */
struct jinja_value jinja_safe(struct jinja_value v);

bool jinja_truthy(struct jinja_value v);
/* Python str(v) appended to out: True, None, 2.0, 1e+20, ['a', 1], {'k': None}. */
int jinja_value_str(struct jinja_rt *rt, struct jinja_value v, struct buf *out);
/* Python repr(v). */
int jinja_value_repr(struct jinja_rt *rt, struct jinja_value v, struct buf *out);
/* Python ==. */
bool jinja_value_eq(struct jinja_value a, struct jinja_value b);
/* Deep copy of strings/lists/tuples/dicts into a; other kinds are shared. */
struct jinja_value jinja_value_copy(struct arena *a, struct jinja_value v);
const char *jinja_type_name(struct jinja_value v);
/* JSON text → value (objects → dicts, arrays → lists). */
int jinja_value_from_json(struct arena *a, const char *json, size_t len, struct jinja_value *out,
			  struct err *e);

/* --------------------------------------------------------- environment */

struct jinja_limits {
	int max_depth;            /* nested macro/function calls (default 200) */
	size_t max_output;        /* bytes of one render's output (default 64 MiB) */
	int64_t max_range;        /* items one range() may make (default 100000, as Jinja2's MAX_RANGE) */
	int64_t max_iterations;   /* loop iterations per render (default 10,000,000) */
	bool strict_undefined;    /* printing an undefined value is an error, as with
				     Airflow's StrictUndefined (default false: renders "") */
	/* Autoescape (default NULL: off). When set, the value of every
	 * {{ expression }} that is not marked safe (|safe, or a filter returning
	 * jinja_safe()) is turned into text and appended to out through this
	 * function instead of as is. Template text and macro output are not
	 * escaped. Returns 0, or nonzero when out is full. */
	int (*autoescape)(struct buf *out, const char *s, size_t n);
};

struct jinja_env *jinja_env_new(void);
void jinja_env_free(struct jinja_env *env);
/* The arena that lives as long as the env: make globals here. */
struct arena *jinja_env_arena(struct jinja_env *env);
/* Writable; change before rendering. */
struct jinja_limits *jinja_env_limits(struct jinja_env *env);

/* Names visible to every template (after the render context). name is
 * copied. Replaces an earlier global of the same name. */
void jinja_env_set_global(struct jinja_env *env, const char *name, struct jinja_value v);
/* A global made the first time a template looks it up (before the plain
 * globals of the same name): make(user, arena) builds it in the env's arena,
 * once, under the env's lock, and every later lookup gets that value. For a
 * value that is costly to build and that most templates never read (dbt's
 * `graph`: a dict of every node). Register before rendering, like a global;
 * make must not render. */
typedef struct jinja_value (*jinja_lazy_fn)(void *user, struct arena *a);
void jinja_env_set_global_lazy(struct jinja_env *env, const char *name, jinja_lazy_fn make,
			       void *user);
/* {{ x | name(args) }}: the value is args[0]. {{ x is name(args) }}: the
 * test returns a bool in *ret. Replace built-ins of the same name (also in
 * templates compiled before the call). */
void jinja_env_add_filter(struct jinja_env *env, const char *name, jinja_fn fn, void *user);
void jinja_env_add_test(struct jinja_env *env, const char *name, jinja_fn fn, void *user);
/* The builtin `return` of dbt: return(x) ends the macro that calls it and
 * makes x the macro's value (instead of its text). Register it with
 * jinja_env_set_global(env, "return", jinja_return_func(env)). */
struct jinja_value jinja_return_func(struct jinja_env *env);

/* -------------------------------------------------- macro namespaces */

/* Macros live in named namespaces (dbt: the root project, each package,
 * "dbt"). How a template sees namespace ns:
 *   JINJA_NS_GLOBAL  its macros are bare names (`my_macro()`), searched in
 *                    the order the namespaces were first made global, after
 *                    context and globals;
 *   JINJA_NS_NAMED   the namespace is a name (`dbt_utils.star()`).
 * A namespace that is neither is reachable only from C. A macro loaded
 * into (or defined in) namespace N also sees N's other macros by bare
 * name, before the global namespaces (dbt_utils macros call their
 * siblings without the prefix). */
enum { JINJA_NS_GLOBAL = 1, JINJA_NS_NAMED = 2 };
void jinja_env_namespace(struct jinja_env *env, const char *ns, unsigned flags);

/* Compile a file of macros and define each top-level macro in namespace ns
 * (made if new). Macros see, when called, the context of the render that
 * calls them (as dbt's macros do). *out (may be NULL) receives the
 * template, e.g. to walk its custom blocks. */
int jinja_env_load_macros(struct jinja_env *env, const char *ns, const char *name,
			  const char *path, const char *src, size_t len,
			  struct jinja_template **out, struct err *e);
/* Define (or replace) ns.name as a macro or callable value. */
void jinja_env_define_macro(struct jinja_env *env, const char *ns, const char *name,
			    struct jinja_value macro);
/* Find ns.name (ns NULL: the global namespaces in order). */
bool jinja_env_find_macro(struct jinja_env *env, const char *ns, const char *name,
			  struct jinja_value *out);
/* Name of a macro value (its `name` in `{% macro name() %}`). */
const char *jinja_macro_name(struct jinja_value macro);
/* Where a macro loaded into a namespace comes from: the namespace, the
 * whole source text of its file and the line of its `{% macro %}` tag.
 * false for a macro of no namespace (defined in a template, a caller
 * block) and for anything that is not a macro. */
bool jinja_macro_source(struct jinja_value macro, const char **ns, const char **src, size_t *len,
			int *line);
/* Call fn(user, macro) each time a render of env calls a macro that was
 * loaded into a namespace (directly, through a native, or nested): what a
 * host needs to know which macros a render depended on (partial parsing).
 * fn NULL: no hook. Renders of env must not run on other threads while the
 * hook is set or changed. */
void jinja_env_set_call_hook(struct jinja_env *env, void (*fn)(void *user, struct jinja_value macro),
			     void *user);

/* ---------------------------------------------------- extra block tags */

/* dbt's {% test %}, {% docs %}, {% materialization %}, {% snapshot %}.
 *   JINJA_TAG_MACRO  `{% test name(a, b=1) %}body{% endtest %}`: the body
 *                    becomes a macro value (signature as a macro's);
 *   JINJA_TAG_NAMED  `{% docs name %}body{% enddocs %}` or
 *                    `{% materialization name, adapter='x' %}...`: a name,
 *                    then optional `, key=constant` pairs; the body is kept
 *                    as raw text, as a compiled sub-template, and as a
 *                    macro without parameters.
 * Blocks render as nothing where they stand; find them with
 * jinja_template_nblocks / jinja_template_block after compiling. */
enum jinja_tag_form { JINJA_TAG_MACRO = 1, JINJA_TAG_NAMED = 2 };
int jinja_env_add_block_tag(struct jinja_env *env, const char *tag, enum jinja_tag_form form);

struct jinja_block {
	const char *tag;   /* "test", "docs", ... */
	const char *name;
	struct jinja_value kwargs;  /* dict of the `key=constant` pairs (NAMED) */
	struct jinja_value macro;   /* callable body */
	const char *raw;            /* body source text (NUL-terminated) */
	size_t raw_len;
	struct jinja_template *body; /* the body as a template (NAMED) */
	int line;
};
size_t jinja_template_nblocks(const struct jinja_template *t);
const struct jinja_block *jinja_template_block(const struct jinja_template *t, size_t i);

/* ------------------------------------------------ compile and render */

/* name: for messages ("model.shop.orders"); path: for locations (may be
 * NULL: name is used). src need not be NUL-terminated; it is copied. The
 * template is owned by env. */
int jinja_compile(struct jinja_env *env, const char *name, const char *path, const char *src,
		  size_t len, struct jinja_template **out, struct err *e);
const char *jinja_template_name(const struct jinja_template *t);

struct jinja_render_opts {
	struct arena *arena; /* where the render's values live; NULL = a temporary one */
	void *user;          /* host pointer, jinja_rt_user() */
};

/* Render t with context (a dict, or NULL) layered over the globals;
 * appends the text to out. out->max is respected, as is the limit. */
int jinja_render(struct jinja_template *t, const struct jinja_value *context,
		 const struct jinja_render_opts *opts, struct buf *out, struct err *e);

/* Call a macro (or any callable value) from C outside a render, with a
 * context its body sees. *ret receives its value: its text as a string,
 * or what it passed to return(). Values live in opts->arena (required). */
int jinja_env_call(struct jinja_env *env, struct jinja_value callee, const struct jinja_value *context,
		   const struct jinja_value *args, size_t nargs, const struct jinja_kwarg *kwargs,
		   size_t nkwargs, const struct jinja_render_opts *opts, struct jinja_value *ret,
		   struct err *e);

/* ----------------------------------------- inside a render (natives) */

struct arena *jinja_rt_arena(struct jinja_rt *rt);
struct jinja_env *jinja_rt_env(struct jinja_rt *rt);
void *jinja_rt_user(struct jinja_rt *rt);
/* Where the expression being evaluated (a native's call) stands: the
 * template's path, line and column. false when unknown. */
bool jinja_rt_where(struct jinja_rt *rt, const char **path, int *line, int *col);
/* Record an error at the expression being evaluated; returns code. */
int jinja_rt_error(struct jinja_rt *rt, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Look a name up as the template's top level would (its variables, the
 * context, globals, macros); a native does not see the caller's locals. */
bool jinja_rt_lookup(struct jinja_rt *rt, const char *name, struct jinja_value *out);
/* The items of an iterable as for-loops see them (a dict's keys, a
 * string's characters, an object's iter hook) in *list; an error when v
 * is not iterable. */
int jinja_rt_iter(struct jinja_rt *rt, struct jinja_value v, struct jinja_value *list);
/* Call any callable (macro, function, object, caller) from a native. */
int jinja_rt_call(struct jinja_rt *rt, struct jinja_value callee, const struct jinja_value *args,
		  size_t nargs, const struct jinja_kwarg *kwargs, size_t nkwargs,
		  struct jinja_value caller, struct jinja_value *ret);

#endif
