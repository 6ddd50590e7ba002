/*
 * jinja/jinja_int.h — shared inside src/jinja only: the AST, the container
 * layouts, the environment and the render state.
 *
 * The AST is one fat node type allocated from the template's arena; the
 * evaluator walks it directly (no bytecode: the tree is already compact and
 * a walk keeps error locations trivial). Frames (scopes) live in the render
 * arena, so a closure (macro, caller) can never point at a dead C stack.
 */
#ifndef INGOT_JINJA_INT_H
#define INGOT_JINJA_INT_H

#include "core/map.h"
#include "core/vec.h"
#include "jinja/jinja.h"

#include <pthread.h>

/* value flags */
enum {
	JV_GROUP = 1,   /* tuple made by groupby: .grouper/.list */
	JV_SAFE = 2,    /* result of |safe (kept for |e) */
	JV_ITEMS = 4,   /* list from dict.items(): prints as dict_items([...]) */
	JV_KEYS = 8,    /* dict.keys() */
	JV_VALUES = 16, /* dict.values() */
};

struct jinja_list {
	struct jinja_value *items;
	uint32_t len, cap;
	struct arena *owner;
};

struct jdict_ent {
	struct jinja_value key, val;
	uint64_t hash;
};

struct jinja_dict {
	struct jdict_ent *ents;
	uint32_t len, cap;
	uint32_t *slots; /* index+1; NULL while small */
	uint32_t nslots;
	struct arena *owner;
};

struct jinja_func {
	const char *name;
	jinja_fn fn;
	void *user;
	struct jinja_value self; /* bound receiver (methods), else undefined */
};

struct jinja_obj {
	const struct jinja_obj_ops *ops;
	void *user;
};

/* ------------------------------------------------------------- AST */

enum jnode_kind {
	/* expressions */
	N_CONST, N_NAME, N_GETATTR, N_GETITEM, N_SLICE, N_CALL, N_FILTER, N_TEST,
	N_BINOP, N_NEG, N_POS, N_NOT, N_AND, N_OR, N_COMPARE, N_COND, N_LIST,
	N_TUPLE, N_DICT, N_CONCAT,
	/* statements */
	N_BODY, N_TEXT, N_EMIT, N_IF, N_FOR, N_SET, N_SETBLOCK, N_MACRO, N_CALLBLOCK,
	N_FILTERBLOCK, N_DO, N_CUSTOM, N_WITH, N_BREAK, N_CONTINUE,
};

enum jop {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOTIN,
};

struct jargs {
	struct jnode **pos;
	uint32_t npos, nkw;
	const char **kwnames;
	struct jnode **kw;
	struct jnode *star, *dstar;
};

struct jnode {
	uint8_t kind, op;
	uint8_t flag;  /* N_TEST: negated; N_MACRO: uses caller/varargs/kwargs bits */
	int line, col;
	uint32_t n;
	const char *name; /* interned: N_NAME, attr, filter/test/macro name */
	uint64_t hash;    /* of name */
	struct jnode *a, *b;
	/* The fields no kind uses together share their place: the nodes are
	 * what a render reads from memory (a project's templates are each
	 * rendered once, long after they were parsed), 112 bytes instead of
	 * 160. */
	union {
		struct {
			struct jnode *c, *d;
		};
		struct jinja_value val; /* N_CONST, N_TEXT */
	};
	struct jnode **items; /* N_BODY, N_LIST, N_TUPLE, N_DICT (k,v pairs), N_COMPARE operands, N_CONCAT */
	struct jargs *args;   /* N_CALL, N_FILTER, N_TEST, N_CALLBLOCK, N_FILTERBLOCK chain */
	const struct jfilter *fn; /* N_FILTER/N_TEST: resolved at compile time (NULL: at render) */
	union {
		uint8_t *ops;              /* N_COMPARE */
		const char **params;       /* N_MACRO, N_CALLBLOCK */
		struct jinja_block *block; /* N_CUSTOM */
	};
	union {
		struct jnode **defaults; /* N_MACRO, N_CALLBLOCK: per param, NULL = required */
		struct jnode *next;      /* N_FOR's else; the filter chain of N_FILTERBLOCK / N_SETBLOCK */
	};
	uint32_t nparams; /* N_MACRO, N_CALLBLOCK */
};

enum { MF_CALLER = 1, MF_VARARGS = 2, MF_KWARGS = 4 };

struct jframe;

struct jinja_macro {
	const char *name;
	const struct jnode *node;      /* N_MACRO (or N_CALLBLOCK for caller) */
	struct jinja_template *tpl;
	struct jframe *closure;        /* NULL: the render's root frame */
	struct jinja_ns *ns;           /* loaded from this namespace (its siblings resolve first) */
};

struct jinja_template {
	struct jinja_env *env;
	const char *name, *path;
	char *src; /* NUL-terminated copy */
	size_t len;
	struct jnode *root;
	struct arena *arena;
	VEC(struct jinja_block *) blocks;
	struct jinja_template *next; /* env's list */
};

struct jinja_ns {
	char *name;
	unsigned flags;
	struct jinja_value macros; /* dict name → macro */
	struct jinja_value object; /* JINJA_OBJ exposing the macros as attributes */
};

struct jfilter {
	jinja_fn fn;
	void *user;
	int max_args; /* positional arguments including the value; -1 = any */
};

struct jlazy {
	const char *name; /* interned */
	jinja_lazy_fn make;
	void *user;
	bool made;
	struct jinja_value v;
};

struct jinja_env {
	struct arena *arena;
	struct jinja_limits limits;
	struct jinja_value globals; /* dict */
	struct strmap filters, tests; /* name → struct jfilter* */
	struct strmap intern;         /* name → same name (stable pointer) */
	const char *s_loop, *s_caller, *s_varargs, *s_kwargs; /* interned */
	VEC(struct jinja_ns *) ns;
	VEC(struct jinja_ns *) global_ns;
	struct strmap block_tags;     /* tag → (void*)(intptr_t)form */
	struct jinja_template *templates;
	/* jinja_env_set_global_lazy: made on first lookup, under lazy_lock */
	VEC(struct jlazy *) lazy;
	pthread_mutex_t lazy_lock;
	/* jinja_env_set_call_hook: told of every namespaced macro call */
	void (*call_hook)(void *user, struct jinja_value macro);
	void *call_hook_user;
};

/* ------------------------------------------------------- render state */

struct jvar {
	const char *name; /* interned */
	struct jinja_value v;
};

struct jframe {
	struct jframe *parent;
	struct jvar *vars;
	uint32_t n, cap;
};

struct jinja_rt {
	struct jinja_env *env;
	struct arena *arena;
	void *user;
	struct buf *out;
	size_t max_out;
	struct jinja_value ctx; /* dict or undefined */
	struct jframe *root;
	struct jinja_template *tpl; /* current template, for locations */
	const struct jnode *at;     /* node being evaluated */
	struct err *err;
	int depth;
	int64_t iterations;
	struct jinja_ns *cur_ns;    /* namespace of the macro running (NULL: none) */
	struct jinja_value retval;  /* set by return() */
	bool returning;
};

/* internal status: return() unwinding */
#define JINJA__RETURN 1
/* {% break %} / {% continue %}: unwind to the innermost loop (the parser
 * allows them only inside a loop body of the same macro) */
#define JINJA__BREAK 2
#define JINJA__CONTINUE 3

/* value.c */
uint64_t jinja__hash(struct jinja_value v);
bool jinja__hashable(struct jinja_value v);
bool jinja__dict_find(struct jinja_value d, struct jinja_value key, uint64_t h, struct jinja_value *out);
bool jinja__dict_find_str(const struct jinja_dict *d, const char *s, size_t n, uint64_t h,
			  struct jinja_value *out);
int jinja__dict_del(struct jinja_value d, struct jinja_value key, struct jinja_value *out);
void jinja__fmt_float(double f, struct buf *out);
/* -1, 0, 1; ING_EINVAL when not orderable */
int jinja__compare(struct jinja_value a, struct jinja_value b, int *res);
bool jinja__is_str(struct jinja_value v, const char *s);
size_t jinja__u8len(const char *s, size_t n);
/* byte offset of code point i (clamped) */
size_t jinja__u8off(const char *s, size_t n, size_t cp);

/* Unicode-aware (Latin, Greek, Cyrillic) case mapping; JCASE_WORDS is
 * Jinja2's |title (words split at whitespace - ( { [ <). */
enum { JCASE_LOWER, JCASE_UPPER, JCASE_TITLE, JCASE_CAPITALIZE, JCASE_SWAP, JCASE_WORDS };
struct jinja_value jinja__casemap(struct arena *a, struct jinja_value s, int mode);
bool jinja__cp_cased(uint32_t c);
/* str.isupper() (want_upper) / str.islower() */
bool jinja__u8_isupper(const char *s, size_t n, bool want_upper);

/* lex/parse */
int jinja__parse(struct jinja_env *env, struct jinja_template *t, struct err *e);
const char *jinja__intern(struct jinja_env *env, const char *s, size_t n);

/* eval.c */
int jinja__call(struct jinja_rt *rt, struct jinja_value callee, const struct jinja_value *args,
		size_t nargs, const struct jinja_kwarg *kw, size_t nkw, struct jinja_value caller,
		struct jinja_value *ret);
int jinja__iter(struct jinja_rt *rt, struct jinja_value v, struct jinja_value *list);
int jinja__getattr(struct jinja_rt *rt, struct jinja_value v, const char *name, struct jinja_value *out);
int jinja__getitem(struct jinja_rt *rt, struct jinja_value v, struct jinja_value key, struct jinja_value *out);
int jinja__str(struct jinja_rt *rt, struct jinja_value v, struct buf *out);
struct jinja_value jinja__buf_value(struct jinja_rt *rt, struct buf *b);
bool jinja__mutable(struct jinja_rt *rt, struct jinja_value v);
int jinja__binop(struct jinja_rt *rt, int op, struct jinja_value a, struct jinja_value b,
		 struct jinja_value *out);
int jinja__contains(struct jinja_rt *rt, struct jinja_value hay, struct jinja_value needle, bool *res);
void jinja__rt_init(struct jinja_rt *rt, struct jinja_env *env, const struct jinja_value *ctx,
		    struct arena *a, void *user, struct err *e);

/* eval.c: positional-argument limits of built-in filters and tests */
void jinja__set_max_args(struct strmap *m, const char *name, int max);
int jinja__too_many_args(struct jinja_rt *rt, const struct jfilter *fl, const char *name, size_t nargs);

/* builtins.c */
void jinja__builtins_init(struct jinja_env *env);
/* str/list/dict methods: ING_ENOTFOUND when the type has no such method */
int jinja__method(struct jinja_rt *rt, struct jinja_value self, const char *name,
		  const struct jinja_value *args, size_t nargs, const struct jinja_kwarg *kw,
		  size_t nkw, struct jinja_value *ret);
bool jinja__has_method(struct jinja_value self, const char *name);
/* Bits: which types have a method of this name (for the parser's cache). */
enum { JM_STR = 1, JM_LIST = 2, JM_TUPLE = 4, JM_DICT = 8 };
unsigned jinja__method_mask(const char *name);
/* loop.<attr> codes cached in N_GETATTR nodes (flag); 0 = not a loop attribute */
enum { JL_INDEX = 1, JL_INDEX0, JL_REVINDEX, JL_REVINDEX0, JL_FIRST, JL_LAST, JL_LENGTH, JL_DEPTH, JL_DEPTH0,
       JL_PREVITEM, JL_NEXTITEM };
int jinja__loop_attr_code(const char *name);
int jinja__apply_filter(struct jinja_rt *rt, const char *name, struct jinja_value *args, size_t nargs,
			const struct jinja_kwarg *kw, size_t nkw, struct jinja_value *ret);
int jinja__apply_test(struct jinja_rt *rt, const char *name, struct jinja_value *args, size_t nargs,
		      const struct jinja_kwarg *kw, size_t nkw, bool *res);
extern const struct jinja_obj_ops jinja__loop_ops, jinja__ns_ops;

#endif
