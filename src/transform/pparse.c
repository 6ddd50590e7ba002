/*
 * transform/pparse.c — partial parsing: a cache of what each node's parse
 * render found, so an unchanged node is not rendered again (dbt's
 * target/partial_parse.msgpack, in ingot's own format).
 *
 * Parsing renders every model, analysis, singular test and snapshot once
 * with execute=False to collect its config(), ref() and source() calls
 * (tf__parse_render). That render is a function of:
 *   - the node's text and everything the render context shows of it
 *     (`model`: config from dbt_project.yml and properties files, columns,
 *     description, path, fqn; `this`);
 *   - the macros it calls, directly or through other macros or
 *     adapter.dispatch (recorded by the Jinja engine's call hook), and
 *     which macro a name resolves to (the set of macro names);
 *   - the env vars it reads (env_var(), recorded with a digest of their
 *     values: the file never holds a secret);
 *   - what every node sees: vars (dbt_project.yml files, --vars), the
 *     target (profile), --full-refresh, the docs blocks, ingot's version
 *     and binary.
 * The last group makes the global key: when it differs, nothing is reused
 * (as dbt re-parses everything on a changed var or profile). The rest
 * makes each node's entry: a key (global key + node text + its context),
 * the macros called with a digest of each one's text, the env vars read.
 * A node is reused when its key is the same and every macro and env var it
 * recorded is unchanged; its recorded effects are then applied as the
 * render would have (refs and sources with their locations, config calls
 * in order). Anything not certain is rendered: a node whose render failed
 * or produced a value the file cannot hold exactly (a relation, a macro,
 * a tuple, a non-UTF-8 string) is not cached. What is not tracked: a
 * config value computed from the clock (run_started_at, invocation_id,
 * modules.datetime.now) keeps the value of the render that made the
 * entry — dbt's partial parsing does the same.
 *
 * The file is <target-path>/partial_parse.json, JSON with a format
 * version; a file of another format or ingot build is ignored quietly, a
 * corrupt one with a warning; both are replaced after the parse. It is
 * written atomically, so runs at once at worst re-parse.
 * --no-partial-parse (transform_opts.no_partial_parse) renders all and
 * writes no cache.
 */
#include "transform/tf_int.h"
#include "core/digest.h"
#include "core/env.h"
#include "core/dtoa.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/version.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PP_FORMAT "ingot-partial-parse"
#define PP_VERSION 1
#define PP_FILE "partial_parse.json"

struct tf_pp {
	struct tf_proj *tp;
	char global[DIGEST_SHA256_HEX];
	json_t *old_nodes; /* from the file (borrowed from old_root) */
	json_t *old_root;
	json_t *new_nodes; /* what the file will hold */
	bool dirty;        /* new_nodes differs from the file */
	struct strmap macro_hash; /* "ns\x1fname" -> malloc'd hex digest, this run's */
	/* the node being rendered */
	struct tf_node *cur;
	char cur_key[DIGEST_SHA256_HEX];
	bool cur_ok;   /* everything recorded is exact */
	json_t *cur_macros, *cur_env, *cur_cfg;
	struct strmap cur_seen; /* macros already recorded for cur */
	size_t refs0, srcs0;     /* cur's refs/sources before its render */
	struct arena *key_arena; /* node_key's scratch, reset per node */
};

/* ------------------------------------------------------ serializing */

/* A value as canonical text for a key; false for a value whose identity
 * cannot be written down (an object, a macro, a function). */
/* Decimal digits of v then the byte after (ser's separators): buf_printf
 * costs a vsnprintf per number, a third of a cache key's time. */
static void ser_uint(struct buf *b, unsigned long long v, char after)
{
	char t[24];
	size_t i = sizeof(t);
	t[--i] = after;
	do
		t[--i] = (char)('0' + v % 10);
	while (v /= 10);
	buf_add(b, t + i, sizeof(t) - i);
}

static bool ser(struct buf *b, struct jinja_value v, int depth)
{
	if (depth > 64)
		return false;
	char tmp[DTOA_BUFSZ];
	switch (v.type) {
	case JINJA_UNDEFINED: buf_puts(b, "U"); return true;
	case JINJA_NONE: buf_puts(b, "N"); return true;
	case JINJA_BOOL: buf_puts(b, v.u.b ? "T" : "F"); return true;
	case JINJA_INT:
		buf_putc(b, 'I');
		if (v.u.i < 0)
			buf_putc(b, '-');
		ser_uint(b, v.u.i < 0 ? 0ull - (unsigned long long)v.u.i : (unsigned long long)v.u.i, ';');
		return true;
	case JINJA_FLOAT: buf_putc(b, 'D'); buf_add(b, tmp, dtoa_repr(v.u.f, tmp)); buf_putc(b, ';'); return true;
	case JINJA_STR:
		buf_putc(b, 'S');
		ser_uint(b, (unsigned)v.flags, ':');
		ser_uint(b, (unsigned)v.len, ':');
		buf_add(b, v.u.s, v.len);
		return true;
	case JINJA_LIST:
	case JINJA_TUPLE: {
		size_t n = jinja_list_len(v);
		buf_putc(b, v.type == JINJA_LIST ? 'L' : 'P');
		ser_uint(b, (unsigned)v.flags, ':');
		ser_uint(b, n, '[');
		for (size_t i = 0; i < n; i++)
			if (!ser(b, jinja_list_get(v, i), depth + 1))
				return false;
		buf_putc(b, ']');
		return true;
	}
	case JINJA_DICT: {
		size_t n = jinja_dict_len(v);
		buf_putc(b, 'M');
		ser_uint(b, n, '{');
		for (size_t i = 0; i < n; i++)
			if (!ser(b, jinja_dict_key(v, i), depth + 1) ||
			    !ser(b, jinja_dict_val(v, i), depth + 1))
				return false;
		buf_putc(b, '}');
		return true;
	}
	default: return false;
	}
}

static void ser_cstr(struct buf *b, const char *s)
{
	if (!s) {
		buf_puts(b, "-");
		return;
	}
	size_t n = strlen(s);
	ser_uint(b, n, ':');
	buf_add(b, s, n);
}

/* A config value as JSON, exactly: NULL when JSON cannot hold it so that
 * reading it back gives the same value (tuples, flagged strings/lists,
 * non-string keys, non-finite floats, invalid UTF-8, objects). */
static json_t *val_json(struct jinja_value v, int depth)
{
	if (depth > 64 || v.flags)
		return NULL;
	switch (v.type) {
	case JINJA_NONE: return json_null();
	case JINJA_BOOL: return json_boolean(v.u.b);
	case JINJA_INT: return json_integer(v.u.i);
	case JINJA_FLOAT: return isfinite(v.u.f) ? json_real(v.u.f) : NULL;
	case JINJA_STR: return json_stringn(v.u.s, v.len);
	case JINJA_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < jinja_list_len(v); i++) {
			json_t *x = val_json(jinja_list_get(v, i), depth + 1);
			if (!x) {
				json_decref(a);
				return NULL;
			}
			json_array_append_new(a, x);
		}
		return a;
	}
	case JINJA_DICT: {
		json_t *o = json_object();
		for (size_t i = 0; i < jinja_dict_len(v); i++) {
			struct jinja_value k = jinja_dict_key(v, i);
			json_t *x = k.type == JINJA_STR && !k.flags && !memchr(k.u.s, 0, k.len)
					    ? val_json(jinja_dict_val(v, i), depth + 1)
					    : NULL;
			if (!x || json_object_setn_new(o, k.u.s, k.len, x)) {
				json_decref(x);
				json_decref(o);
				return NULL;
			}
		}
		/* a key given twice would make a shorter object */
		if (json_object_size(o) != jinja_dict_len(v)) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	default: return NULL;
	}
}

static struct jinja_value json_val(struct arena *a, const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		struct jinja_value d = jinja_dict_new(a);
		const char *k;
		size_t kl;
		json_t *v;
		void *it;
		(void)kl;
		for (it = json_object_iter((json_t *)j); it;
		     it = json_object_iter_next((json_t *)j, it)) {
			k = json_object_iter_key(it);
			v = json_object_iter_value(it);
			jinja_dict_set(d, jinja_str(a, k, json_object_iter_key_len(it)), json_val(a, v));
		}
		return d;
	}
	case JSON_ARRAY: {
		struct jinja_value l = jinja_list_new(a, json_array_size(j));
		for (size_t i = 0; i < json_array_size(j); i++)
			jinja_list_push(l, json_val(a, json_array_get(j, i)));
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

/* ----------------------------------------------------------- macros */

/* A macro's text for its callers: from its {% macro %} line to the end of
 * its file (what follows a macro cannot change it, but the end tag is not
 * known here, so a later macro of the same file counts too). */
static const char *macro_digest(struct tf_pp *pp, struct jinja_value m, const char *key)
{
	const char *h = strmap_get(&pp->macro_hash, key);
	if (h)
		return h;
	const char *ns, *src;
	size_t len;
	int line;
	if (!jinja_macro_source(m, &ns, &src, &len, &line))
		return NULL;
	const char *p = src, *end = src + len;
	for (int l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	char hex[DIGEST_SHA256_HEX];
	digest_sha256_hex(p, (size_t)(end - p), hex);
	char *c = xstrdup(hex);
	strmap_put(&pp->macro_hash, key, c);
	return c;
}

static void on_macro_call(void *user, struct jinja_value m)
{
	struct tf_pp *pp = user;
	if (!pp->cur)
		return;
	const char *ns, *src, *name = jinja_macro_name(m);
	size_t len;
	int line;
	if (!name || !jinja_macro_source(m, &ns, &src, &len, &line))
		return;
	char key[512];
	if ((size_t)snprintf(key, sizeof(key), "%s\x1f%s", ns, name) >= sizeof(key)) {
		pp->cur_ok = false;
		return;
	}
	if (strmap_has(&pp->cur_seen, key))
		return;
	strmap_put(&pp->cur_seen, key, NULL);
	/* the macro the name finds now must be this one, or the record would
	 * not describe what a later lookup calls */
	struct jinja_value now;
	const char *h = macro_digest(pp, m, key);
	if (!h || !jinja_env_find_macro(pp->tp->env, ns, name, &now) ||
	    now.type != JINJA_MACRO || now.u.macro != m.u.macro) {
		pp->cur_ok = false;
		return;
	}
	json_array_append_new(pp->cur_macros, json_pack("[sss]", ns, name, h));
}

/* ---------------------------------------------------------- the keys */

/* The identity of this binary: another build may parse differently. */
static void ser_binary(struct buf *b)
{
	struct stat st;
	buf_printf(b, "ingot %s format %d;", INGOT_VERSION, PP_VERSION);
	if (stat("/proc/self/exe", &st) == 0)
		buf_printf(b, "exe %lld %lld %lld.%09ld;", (long long)st.st_ino, (long long)st.st_size,
			   (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	else
		buf_printf(b, "exe unknown %p;", (void *)ser_binary); /* never matches a later run */
}

static bool global_key(struct tf_proj *tp, struct arena *a, char out[DIGEST_SHA256_HEX])
{
	struct buf b = BUF_INIT;
	ser_binary(&b);
	bool ok = true;
	buf_puts(&b, "engine ");
	ser_cstr(&b, tp->engine);
	buf_puts(&b, ";target ");
	ok &= ser(&b, tf__target_dict(tp, a), 0);
	buf_printf(&b, ";full_refresh %d;project ", tp->full_refresh);
	ser_cstr(&b, tp->p->name);
	buf_puts(&b, ";vars ");
	ok &= ser(&b, tp->vars, 0) && ser(&b, tp->cli_vars, 0) && ser(&b, tp->pkg_vars, 0);
	/* dbt_project.yml of each package (config trees, paths, dispatch,
	 * quoting, vars): any change re-parses all, as in dbt */
	for (size_t i = 0; i < tp->packages.len; i++) {
		const struct tf_package *pk = &tp->packages.items[i];
		buf_puts(&b, ";package ");
		ser_cstr(&b, pk->name);
		ser_cstr(&b, pk->root);
		char *f = path_join(pk->root, "dbt_project.yml");
		struct buf t = BUF_INIT;
		struct err e = ERR_INIT;
		if (fs_read_file(f, &t, 64u << 20, &e) == 0) {
			char h[DIGEST_SHA256_HEX];
			digest_sha256_hex(t.data, t.len, h);
			buf_puts(&b, h);
		} else {
			buf_puts(&b, "unreadable");
		}
		err_clear(&e);
		buf_free(&t);
		free(f);
	}
	/* which macro a name finds depends on every name there is */
	for (size_t i = 0; i < tp->macros.len; i++) {
		buf_puts(&b, ";macro ");
		ser_cstr(&b, tp->macros.items[i].unique_id);
		ser_cstr(&b, tp->macros.items[i].original_file_path);
	}
	for (size_t i = 0; i < tp->docs.len; i++) {
		buf_puts(&b, ";doc ");
		ser_cstr(&b, tp->docs.items[i].unique_id);
		ser_cstr(&b, tp->docs.items[i].text);
	}
	digest_sha256_hex(b.data, b.len, out);
	buf_free(&b);
	return ok;
}

static bool node_key(struct tf_pp *pp, struct tf_node *n, struct arena *a,
		     char out[DIGEST_SHA256_HEX])
{
	struct buf b = BUF_INIT;
	buf_puts(&b, pp->global);
	buf_printf(&b, ";rtype %d;line %d;id ", (int)n->rtype, n->err_line);
	ser_cstr(&b, n->unique_id);
	ser_cstr(&b, n->database);
	ser_cstr(&b, n->schema);
	ser_cstr(&b, n->alias);
	/* the node's text is in the model dict (raw_code) */
	buf_puts(&b, ";model ");
	bool ok = ser(&b, tf__node_dict(pp->tp, n, a), 0);
	if (ok)
		digest_sha256_hex(b.data, b.len, out);
	buf_free(&b);
	return ok;
}

/* ------------------------------------------------------ the file */

static char *cache_path(struct tf_proj *tp)
{
	return tp->p->target_path ? path_join(tp->p->target_path, PP_FILE) : NULL;
}

static void load(struct tf_proj *tp, struct tf_pp *pp)
{
	char *path = cache_path(tp);
	if (!path)
		return;
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	if (fs_read_file(path, &b, 1u << 30, &e)) {
		err_clear(&e);
		goto out; /* none yet */
	}
	json_error_t je;
	json_t *root = json_loadb(b.data, b.len, 0, &je);
	const char *why = NULL;
	json_t *fmt = root ? json_object_get(root, "format") : NULL;
	json_t *nodes = root ? json_object_get(root, "nodes") : NULL;
	json_t *glob = root ? json_object_get(root, "global") : NULL;
	if (!root)
		why = je.text;
	else if (!json_is_string(fmt) || strcmp(json_string_value(fmt), PP_FORMAT))
		why = "not a partial parse file";
	else if (!json_is_integer(json_object_get(root, "version")))
		why = "no format version";
	else if (json_integer_value(json_object_get(root, "version")) != PP_VERSION ||
		 !json_is_string(glob) || strcmp(json_string_value(glob), pp->global)) {
		/* another format, ingot build, target, vars or project: quietly
		 * parse everything */
		log_debug("partial parse: %s is from another ingot build or project state; parsing "
			  "every node",
			  path);
		json_decref(root);
		goto out;
	} else if (!json_is_object(nodes))
		why = "no nodes";
	if (why) {
		vec_push(&tp->warnings,
			 xasprintf("Ignoring the partial parse cache %s (%s): it is corrupt; parsing every "
				   "node. It is rewritten after this parse.",
				   path, why));
		json_decref(root);
		goto out;
	}
	pp->old_root = root;
	pp->old_nodes = nodes;
out:
	buf_free(&b);
	free(path);
}

int tf__pp_begin(struct tf_proj *tp)
{
	if (tp->opts && tp->opts->no_partial_parse)
		return 0;
	struct tf_pp *pp = xcalloc(1, sizeof(*pp));
	pp->tp = tp;
	struct arena *a = arena_new(0);
	bool ok = global_key(tp, a, pp->global);
	arena_free(a);
	if (!ok) { /* vars that cannot be written down: no cache */
		free(pp);
		return 0;
	}
	tp->pp = pp;
	pp->new_nodes = json_object();
	load(tp, pp);
	pp->dirty = !pp->old_nodes;
	jinja_env_set_call_hook(tp->env, on_macro_call, pp);
	return 0;
}

/* Read one cached entry completely before applying any of it: a bad
 * entry is a miss, never half a node. */
static const char *entry_invalid(struct tf_pp *pp, json_t *ent)
{
	json_t *m = json_object_get(ent, "macros"), *env = json_object_get(ent, "env"),
	       *refs = json_object_get(ent, "refs"), *srcs = json_object_get(ent, "srcs"),
	       *cfg = json_object_get(ent, "cfg");
	if (!json_is_array(m) || !json_is_array(env) || !json_is_array(refs) || !json_is_array(srcs) ||
	    !json_is_array(cfg))
		return "its cache entry is malformed";
	size_t i;
	json_t *x;
	json_array_foreach(m, i, x) {
		const char *ns, *name, *h;
		if (json_unpack(x, "[sss]", &ns, &name, &h))
			return "its cache entry is malformed";
		struct jinja_value now;
		if (!jinja_env_find_macro(pp->tp->env, ns, name, &now))
			return "a macro it calls changed";
		char key[512];
		if ((size_t)snprintf(key, sizeof(key), "%s\x1f%s", ns, name) >= sizeof(key))
			return "a macro it calls changed";
		const char *d = macro_digest(pp, now, key);
		if (!d || strcmp(d, h))
			return "a macro it calls changed";
	}
	json_array_foreach(env, i, x) {
		const char *name;
		json_t *val;
		if (json_unpack(x, "[so]", &name, &val))
			return "its cache entry is malformed";
		const char *now = env_get(pp->tp->p->env, name);
		char h[DIGEST_SHA256_HEX];
		if (now)
			digest_sha256_hex(now, strlen(now), h);
		if (json_is_null(val) ? now != NULL
				      : (!json_is_string(val) || !now ||
					 strcmp(h, json_string_value(val))))
			return "an env var it reads changed";
	}
	json_array_foreach(refs, i, x) {
		json_t *pkg, *file;
		const char *name;
		int ver, line, col;
		if (json_unpack(x, "[osioii]", &pkg, &name, &ver, &file, &line, &col) ||
		    !(json_is_null(pkg) || json_is_string(pkg)) ||
		    !(json_is_null(file) || json_is_string(file)))
			return "its cache entry is malformed";
	}
	json_array_foreach(srcs, i, x) {
		const char *s, *t;
		json_t *file;
		int line, col;
		if (json_unpack(x, "[ssoii]", &s, &t, &file, &line, &col) ||
		    !(json_is_null(file) || json_is_string(file)))
			return "its cache entry is malformed";
	}
	json_array_foreach(cfg, i, x) {
		const char *op, *k;
		json_t *v;
		if (!json_is_array(x) || json_array_size(x) < 1 ||
		    !json_is_string(json_array_get(x, 0)))
			return "its cache entry is malformed";
		op = json_string_value(json_array_get(x, 0));
		if (!strcmp(op, "u") && json_array_size(x) == 1)
			continue;
		if ((strcmp(op, "k") && strcmp(op, "d")) || json_unpack(x, "[sso]", &op, &k, &v))
			return "its cache entry is malformed";
	}
	return NULL;
}

static const char *opt_str(struct arena *a, json_t *j)
{
	return json_is_string(j) ? arena_strdup(a, json_string_value(j)) : NULL;
}

static void apply(struct tf_pp *pp, struct tf_node *n, json_t *ent)
{
	struct tf_proj *tp = pp->tp;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(ent, "refs"), i, x) {
		struct tf_ref rf = {opt_str(tp->arena, json_array_get(x, 0)),
				    arena_strdup(tp->arena, json_string_value(json_array_get(x, 1))),
				    (int)json_integer_value(json_array_get(x, 2)),
				    {opt_str(tp->arena, json_array_get(x, 3)),
				     (int)json_integer_value(json_array_get(x, 4)),
				     (int)json_integer_value(json_array_get(x, 5))}};
		vec_push(&n->refs, rf);
	}
	json_array_foreach(json_object_get(ent, "srcs"), i, x) {
		vec_push(&n->src_refs, arena_strdup(tp->arena, json_string_value(json_array_get(x, 0))));
		vec_push(&n->src_refs, arena_strdup(tp->arena, json_string_value(json_array_get(x, 1))));
		struct tf_loc at = {opt_str(tp->arena, json_array_get(x, 2)),
				    (int)json_integer_value(json_array_get(x, 3)),
				    (int)json_integer_value(json_array_get(x, 4))};
		vec_push(&n->src_at, at);
	}
	struct arena *ea = jinja_env_arena(tp->env);
	json_array_foreach(json_object_get(ent, "cfg"), i, x) {
		const char *op = json_string_value(json_array_get(x, 0));
		if (!strcmp(op, "u")) {
			tf__config_apply(tp, n, 'u', NULL, jinja_undefined());
			continue;
		}
		tf__config_apply(tp, n, op[0], arena_strdup(ea, json_string_value(json_array_get(x, 1))),
				 json_val(ea, json_array_get(x, 2)));
	}
}

bool tf__pp_reuse(struct tf_proj *tp, struct tf_node *n)
{
	struct tf_pp *pp = tp->pp;
	if (!pp)
		return false;
	pp->cur = NULL;
	if (!pp->key_arena)
		pp->key_arena = arena_new(0);
	bool ok = node_key(pp, n, pp->key_arena, pp->cur_key);
	arena_reset(pp->key_arena);
	if (!ok) {
		log_debug("partial parse: rendering %s: its configs hold values the cache cannot key",
			  n->unique_id);
		pp->cur_key[0] = 0;
		pp->dirty = true;
		return false;
	}
	json_t *ent = pp->old_nodes ? json_object_get(pp->old_nodes, n->unique_id) : NULL;
	json_t *k = ent ? json_object_get(ent, "key") : NULL;
	const char *why = !ent		     ? "not in the cache"
			  : !json_is_string(k) ? "its cache entry is malformed"
			  : strcmp(json_string_value(k), pp->cur_key)
				  ? "its file, properties, configs or the project changed"
				  : entry_invalid(pp, ent);
	if (why) {
		log_debug("partial parse: rendering %s: %s", n->unique_id, why);
		pp->dirty = true;
		return false;
	}
	apply(pp, n, ent);
	json_object_set(pp->new_nodes, n->unique_id, ent);
	tp->pp_reused++;
	return true;
}

void tf__pp_record_begin(struct tf_proj *tp, struct tf_node *n)
{
	struct tf_pp *pp = tp->pp;
	if (!pp || !pp->cur_key[0])
		return;
	pp->cur = n;
	pp->cur_ok = true;
	pp->cur_macros = json_array();
	pp->cur_env = json_array();
	pp->cur_cfg = json_array();
	strmap_free(&pp->cur_seen, NULL);
	pp->cur_seen = (struct strmap)STRMAP_INIT;
	pp->refs0 = n->refs.len;
	pp->srcs0 = n->src_at.len;
}

void tf__pp_note_env(struct tf_proj *tp, const char *name, const char *value)
{
	struct tf_pp *pp = tp->pp;
	if (!pp || !pp->cur)
		return;
	/* a digest, not the value: env vars hold secrets, and the file
	 * lives in target/ */
	char h[DIGEST_SHA256_HEX];
	if (value)
		digest_sha256_hex(value, strlen(value), h);
	json_t *x = json_pack("[so]", name, value ? json_string(h) : json_null());
	if (!x) { /* the name is not UTF-8 */
		pp->cur_ok = false;
		return;
	}
	json_array_append_new(pp->cur_env, x);
}

void tf__pp_note_config(struct tf_proj *tp, char op, const char *key, struct jinja_value v)
{
	struct tf_pp *pp = tp->pp;
	if (!pp || !pp->cur)
		return;
	if (op == 'u') {
		json_array_append_new(pp->cur_cfg, json_pack("[s]", "u"));
		return;
	}
	json_t *j = val_json(v, 0);
	json_t *k = json_string(key);
	if (!j || !k) {
		json_decref(j);
		json_decref(k);
		pp->cur_ok = false;
		return;
	}
	char ops[2] = {op, 0};
	json_array_append_new(pp->cur_cfg, json_pack("[soo]", ops, k, j));
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

void tf__pp_record_end(struct tf_proj *tp, struct tf_node *n, bool rendered_ok)
{
	struct tf_pp *pp = tp->pp;
	tp->pp_rendered++;
	if (!pp || pp->cur != n)
		return;
	pp->cur = NULL;
	json_t *refs = json_array(), *srcs = json_array();
	for (size_t i = pp->refs0; i < n->refs.len; i++) {
		const struct tf_ref *r = &n->refs.items[i];
		json_t *x = json_pack("[osioii]", jstr_or_null(r->package), r->name, r->version,
				      jstr_or_null(r->at.file), r->at.line, r->at.col);
		if (!x) {
			pp->cur_ok = false;
			break;
		}
		json_array_append_new(refs, x);
	}
	for (size_t i = pp->srcs0; i < n->src_at.len && pp->cur_ok; i++) {
		const struct tf_loc *at = &n->src_at.items[i];
		json_t *x = json_pack("[ssoii]", n->src_refs.items[2 * i], n->src_refs.items[2 * i + 1],
				      jstr_or_null(at->file), at->line, at->col);
		if (!x) {
			pp->cur_ok = false;
			break;
		}
		json_array_append_new(srcs, x);
	}
	if (rendered_ok && pp->cur_ok) {
		json_t *ent = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "key", pp->cur_key, "macros",
					pp->cur_macros, "env", pp->cur_env, "refs", refs, "srcs", srcs,
					"cfg", pp->cur_cfg);
		if (ent)
			json_object_set_new(pp->new_nodes, n->unique_id, ent);
	} else {
		json_decref(pp->cur_macros);
		json_decref(pp->cur_env);
		json_decref(pp->cur_cfg);
		json_decref(refs);
		json_decref(srcs);
	}
	pp->cur_macros = pp->cur_env = pp->cur_cfg = NULL;
	pp->dirty = true;
}

void tf__pp_end(struct tf_proj *tp)
{
	struct tf_pp *pp = tp->pp;
	if (!pp)
		return;
	jinja_env_set_call_hook(tp->env, NULL, NULL);
	if (pp->old_nodes && json_object_size(pp->old_nodes) != json_object_size(pp->new_nodes))
		pp->dirty = true; /* nodes gone */
	char *path = cache_path(tp);
	if (pp->dirty && path) {
		json_t *root = json_pack("{s:s,s:i,s:s,s:s,s:O}", "format", PP_FORMAT, "version",
					 PP_VERSION, "ingot", INGOT_VERSION, "global", pp->global,
					 "nodes", pp->new_nodes);
		char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
		struct err e = ERR_INIT;
		if (text && (fs_mkdir_p(tp->p->target_path, &e) ||
			     fs_write_atomic(path, text, strlen(text), &e)))
			log_debug("partial parse: could not write %s: %s", path, e.msg ? e.msg : "");
		err_clear(&e);
		free(text);
		json_decref(root);
	}
	free(path);
}

void tf__pp_free(struct tf_proj *tp)
{
	struct tf_pp *pp = tp->pp;
	if (!pp)
		return;
	jinja_env_set_call_hook(tp->env, NULL, NULL);
	json_decref(pp->new_nodes);
	json_decref(pp->old_root);
	json_decref(pp->cur_macros);
	json_decref(pp->cur_env);
	json_decref(pp->cur_cfg);
	strmap_free(&pp->macro_hash, free);
	strmap_free(&pp->cur_seen, NULL);
	if (pp->key_arena)
		arena_free(pp->key_arena);
	free(pp);
	tp->pp = NULL;
}
