/*
 * transform/parse.c — a dbt project on disk into nodes (see tf_int.h).
 *
 * What it reads, in dbt's order: the root project and every package under
 * packages-install-path; macros (macro-paths, and tests/generic) into one
 * Jinja namespace per package; models, seeds, snapshots (block form),
 * analyses and singular tests; properties files (models:, seeds:,
 * snapshots:, analyses:, macros:, exposures:) — `sources:` is decoded by
 * config/sources.c; `{% docs %}` blocks. Configs are resolved from the
 * dbt_project.yml trees (folder by folder, `+` prefixed or known keys),
 * then properties `config:`, then the in-file config() call, which wins.
 * Each model is rendered once with execute=False to collect its ref(),
 * source() and config() calls, as dbt's parser does.
 *
 * The renders are skipped for nodes whose inputs did not change since the
 * last parse (partial parsing, pparse.c).
 *
 * What it does not do: Python models, semantic models/metrics (ignored), unit tests.
 *
 * Errors that concern one node (a template syntax error, an unknown ref, a
 * bad test entry) are recorded on the node, which then fails when run and
 * skips its dependents; project-level errors (bad dbt_project.yml trees,
 * a YAML mistake in a properties file, a cycle) fail the parse.
 */
#include "transform/tf_int.h"
#include "transform/semantic.h"
#include "config/properties.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/mem.h"
#include "core/semver.h"
#include "core/version.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const rtype_names[TF_NRTYPES] = {
	"model", "seed", "snapshot", "test", "analysis", "source", "exposure", "operation",
	"unit_test", "semantic_model", "metric", "saved_query",
};

const char *tf_rtype_name(enum tf_rtype t)
{
	return rtype_names[t];
}

/* ---------------------------------------------------------------- values */

struct jinja_value tf_yaml_value(struct arena *a, const struct ynode *n)
{
	if (!n || n->type == Y_NULL)
		return jinja_none();
	if (n->type == Y_SEQ) {
		struct jinja_value l = jinja_list_new(a, n->n);
		for (size_t i = 0; i < n->n; i++)
			jinja_list_push(l, tf_yaml_value(a, n->items[i]));
		return l;
	}
	if (n->type == Y_MAP) {
		struct jinja_value d = jinja_dict_new(a);
		for (size_t i = 0; i < n->n; i++) {
			struct jinja_value k = jinja_str(a, n->keys[i]->str ? n->keys[i]->str : "",
							 n->keys[i]->len);
			jinja_dict_set(d, k, tf_yaml_value(a, n->items[i]));
		}
		return d;
	}
	if (!n->quoted) {
		bool b;
		int64_t i;
		double d;
		if (yscalar_is_null(n))
			return jinja_none();
		if (!yscalar_bool(n, &b))
			return jinja_bool(b);
		if (!yscalar_int(n, &i))
			return jinja_int(i);
		if (!yscalar_double(n, &d))
			return jinja_float(d);
	}
	return jinja_str(a, n->str, n->len);
}

struct jinja_value tf_cfg(const struct tf_node *n, const char *key)
{
	struct jinja_value v = jinja_undefined();
	if (n->config.type == JINJA_DICT)
		jinja_dict_get_str(n->config, key, &v);
	return v;
}

const char *tf_cfg_str(const struct tf_node *n, const char *key, const char *dflt)
{
	struct jinja_value v = tf_cfg(n, key);
	if (v.type == JINJA_STR)
		return v.u.s; /* config strings are NUL-terminated (made by cfg_str_value) */
	return dflt;
}

const char *tf_test_store_as(const struct tf_node *n)
{
	if (n->rtype != TF_TEST)
		return NULL;
	const char *as = tf_cfg_str(n, "store_failures_as", NULL);
	if (as) /* dbt: store_failures_as wins over store_failures */
		return !strcmp(as, "table") || !strcmp(as, "view") ? as : NULL;
	return tf_cfg_bool(n, "store_failures", false) ? "table" : NULL;
}

bool tf_cfg_bool(const struct tf_node *n, const char *key, bool dflt)
{
	struct jinja_value v = tf_cfg(n, key);
	if (v.type == JINJA_UNDEFINED || v.type == JINJA_NONE)
		return dflt;
	return jinja_truthy(v);
}

/* ------------------------------------------------------------- configs */

static const char *const config_keys[] = {
	"enabled", "tags", "meta", "materialized", "schema", "database", "alias", "pre-hook",
	"post-hook", "pre_hook", "post_hook", "persist_docs", "grants", "full_refresh",
	"unique_key", "incremental_strategy", "on_schema_change", "incremental_predicates",
	"docs", "contract", "column_types", "delimiter", "quote_columns", "strategy",
	"check_cols", "updated_at", "target_schema", "target_database",
	"invalidate_hard_deletes", "hard_deletes", "severity", "store_failures",
	"store_failures_as", "where", "limit", "warn_if", "error_if", "fail_calc", "sql_header",
	"quoting", "group", "access", "bind", "snapshot_meta_column_names",
	"dbt_valid_to_current", "event_time", "packages", "labels", "indexes", "file_format",
	"partition_by", "cluster_by", "on_configuration_change", "unlogged", "batch_size",
	"lookback", "begin", "concurrent_batches", "materialization", "column_types",
	"persist_docs", "copy_grants", "transient", "query_tag", "location", "external",
	"plugin", "options", "format", "delimiter", "header", NULL,
};

static bool is_config_key(const char *k)
{
	for (const char *const *p = config_keys; *p; p++)
		if (!strcmp(*p, k))
			return true;
	return false;
}

static const char *norm_key(const char *k)
{
	if (!strcmp(k, "pre_hook"))
		return "pre-hook";
	if (!strcmp(k, "post_hook"))
		return "post-hook";
	return k;
}

/* NUL-terminated strings everywhere in configs so tf_cfg_str can hand
 * out u.s directly. */
static struct jinja_value cfg_norm(struct arena *a, struct jinja_value v)
{
	if (v.type == JINJA_STR)
		return jinja_str(a, jinja_str_cstr(a, v), v.len);
	return v;
}

static void list_append(struct arena *a, struct jinja_value dst, struct jinja_value v, bool uniq)
{
	if (v.type == JINJA_LIST || v.type == JINJA_TUPLE) {
		for (size_t i = 0; i < jinja_list_len(v); i++)
			list_append(a, dst, jinja_list_get(v, i), uniq);
		return;
	}
	if (v.type == JINJA_NONE || v.type == JINJA_UNDEFINED)
		return;
	if (uniq)
		for (size_t i = 0; i < jinja_list_len(dst); i++)
			if (jinja_value_eq(jinja_list_get(dst, i), v))
				return;
	jinja_list_push(dst, cfg_norm(a, v));
}

/* Merge one config key into cfg with dbt's rules: tags/hooks accumulate,
 * meta/grants merge, everything else replaces. */
void tf__cfg_merge(struct arena *a, struct jinja_value cfg, const char *key, struct jinja_value v);
void tf__cfg_merge(struct arena *a, struct jinja_value cfg, const char *key, struct jinja_value v)
{
	key = norm_key(key);
	struct jinja_value cur = jinja_undefined();
	jinja_dict_get_str(cfg, key, &cur);
	if (!strcmp(key, "tags") || !strcmp(key, "pre-hook") || !strcmp(key, "post-hook")) {
		struct jinja_value l = jinja_list_new(a, 4);
		if (cur.type == JINJA_LIST)
			list_append(a, l, cur, false);
		list_append(a, l, v, !strcmp(key, "tags"));
		jinja_dict_set_str(cfg, key, l);
	} else if ((!strcmp(key, "meta") || !strcmp(key, "grants") || !strcmp(key, "docs") ||
		    !strcmp(key, "persist_docs")) &&
		   v.type == JINJA_DICT) {
		struct jinja_value d = jinja_dict_new(a);
		if (cur.type == JINJA_DICT)
			for (size_t i = 0; i < jinja_dict_len(cur); i++)
				jinja_dict_set(d, jinja_dict_key(cur, i), jinja_dict_val(cur, i));
		for (size_t i = 0; i < jinja_dict_len(v); i++)
			jinja_dict_set(d, jinja_dict_key(v, i), cfg_norm(a, jinja_dict_val(v, i)));
		jinja_dict_set_str(cfg, key, d);
	} else {
		jinja_dict_set_str(cfg, key, cfg_norm(a, v));
	}
}

static const char *kstr(struct arena *a, const struct ynode *k)
{
	return k && k->type == Y_SCALAR ? arena_strndup(a, k->str, k->len) : "";
}

/* dbt renders the values of dbt_project.yml config trees ("+enabled:
 * \"{{ var('x', false) }}\"") with the project context, natively: the text
 * True/False/None or a number becomes that value. */
static struct jinja_value project_value(struct tf_proj *tp, const char *key, const struct ynode *n)
{
	struct arena *a = jinja_env_arena(tp->env);
	/* hooks are rendered when they run, with `this` and friends */
	if (!strcmp(norm_key(key), "pre-hook") || !strcmp(norm_key(key), "post-hook") ||
	    !n || n->type != Y_SCALAR || (!memmem(n->str, n->len, "{{", 2) && !memmem(n->str, n->len, "{%", 2)))
		return tf_yaml_value(a, n);
	char *src = arena_strndup(a, n->str, n->len);
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	struct jinja_value v;
	if (tf_render_string(tp, NULL, n->file ? n->file : "dbt_project.yml", src, NULL, false, &out, &e)) {
		/* keep the text; the error surfaces where the value is used */
		err_clear(&e);
		buf_free(&out);
		return jinja_str(a, src, (size_t)-1);
	}
	char *t = str_trim(out.data ? out.data : (char *)"");
	char *end;
	long long iv = strtoll(t, &end, 10);
	if (!strcmp(t, "True") || !strcmp(t, "true"))
		v = jinja_bool(true);
	else if (!strcmp(t, "False") || !strcmp(t, "false"))
		v = jinja_bool(false);
	else if (!strcmp(t, "None") || !strcmp(t, "none"))
		v = jinja_none();
	else if (*t && !*end)
		v = jinja_int(iv);
	else
		v = jinja_str(a, t, (size_t)-1);
	buf_free(&out);
	return v;
}

/* Walk a dbt_project.yml config tree (models:/seeds:/...) along path
 * (package name, folders..., node name) applying configs to cfg. */
static void apply_tree(struct tf_proj *tp, struct jinja_value cfg, const struct ynode *tree,
		       const char *const *path, size_t npath)
{
	struct arena *a = jinja_env_arena(tp->env);
	const struct ynode *cur = tree;
	for (size_t depth = 0; cur && cur->type == Y_MAP; depth++) {
		const struct ynode *next = NULL;
		for (size_t i = 0; i < cur->n; i++) {
			const char *k = kstr(a, cur->keys[i]);
			if (k[0] == '+') {
				tf__cfg_merge(a, cfg, k + 1, project_value(tp, k + 1, cur->items[i]));
			} else if (depth < npath && !strcmp(k, path[depth]) &&
				   cur->items[i]->type == Y_MAP) {
				next = cur->items[i];
				char key[32];
				snprintf(key, sizeof(key), "%p", (const void *)next);
				if (!strmap_has(&tp->cfg_used, key))
					strmap_put(&tp->cfg_used, key, (void *)next);
			} else if (is_config_key(k) && cur->items[i]->type != Y_MAP) {
				tf__cfg_merge(a, cfg, k, project_value(tp, k, cur->items[i]));
			} else if (is_config_key(k) && depth >= 1 &&
				   (!strcmp(k, "meta") || !strcmp(k, "grants") || !strcmp(k, "docs") ||
				    !strcmp(k, "persist_docs") || !strcmp(k, "column_types") ||
				    !strcmp(k, "quoting"))) {
				tf__cfg_merge(a, cfg, k, tf_yaml_value(a, cur->items[i]));
			}
		}
		if (depth + 1 > npath)
			break;
		cur = next;
	}
}

static const char *tree_key(enum tf_rtype t)
{
	switch (t) {
	case TF_MODEL: return "models";
	case TF_SEED: return "seeds";
	case TF_SNAPSHOT: return "snapshots";
	case TF_TEST: return "data_tests";
	case TF_ANALYSIS: return "analyses";
	case TF_SOURCE: return "sources";
	case TF_UNIT_TEST: return "unit_tests";
	default: return NULL;
	}
}

static void project_configs(struct tf_proj *tp, struct tf_node *n, struct jinja_value cfg)
{
	const char *key = tree_key(n->rtype);
	if (!key)
		return;
	/* the node's own package's tree first, then the root project's */
	for (int pass = 0; pass < 2; pass++) {
		const struct ynode *yml = NULL;
		for (size_t i = 0; i < tp->packages.len; i++) {
			struct tf_package *pk = &tp->packages.items[i];
			if (pass == 0 ? !strcmp(pk->name, n->package) && !pk->is_root : pk->is_root)
				yml = pk->yml;
		}
		if (!yml)
			continue;
		const struct ynode *tree = ymap_get(yml, key);
		if (!tree && n->rtype == TF_TEST)
			tree = ymap_get(yml, "tests");
		if (tree)
			apply_tree(tp, cfg, tree, n->fqn, n->nfqn);
	}
}

static struct jinja_value default_config(struct tf_proj *tp, enum tf_rtype t)
{
	struct arena *a = jinja_env_arena(tp->env);
	/* room for the defaults (7 for a model, 11 for a test) and a few
	 * keys a project adds: a test's config grown 4 -> 8 -> 16 left 480
	 * bytes behind, 2.9 MB for the 6,000 tests of the bench project */
	struct jinja_value c = jinja_dict_new_cap(a, 12);
	jinja_dict_set_str(c, "enabled", jinja_bool(true));
	const char *mat = t == TF_MODEL ? "view" : t == TF_SEED ? "seed" : t == TF_SNAPSHOT ? "snapshot"
			: t == TF_TEST ? "test" : t == TF_ANALYSIS ? "view" : NULL;
	if (mat)
		jinja_dict_set_str(c, "materialized", jinja_str_static(mat, strlen(mat)));
	jinja_dict_set_str(c, "tags", jinja_list_new(a, 0));
	jinja_dict_set_str(c, "meta", jinja_dict_new(a));
	jinja_dict_set_str(c, "pre-hook", jinja_list_new(a, 0));
	jinja_dict_set_str(c, "post-hook", jinja_list_new(a, 0));
	if (t == TF_TEST) {
		jinja_dict_set_str(c, "severity", jinja_str_static("ERROR", 5));
		jinja_dict_set_str(c, "warn_if", jinja_str_static("!= 0", 4));
		jinja_dict_set_str(c, "error_if", jinja_str_static("!= 0", 4));
		jinja_dict_set_str(c, "fail_calc", jinja_str_static("count(*)", 8));
		jinja_dict_set_str(c, "schema", jinja_str_static("dbt_test__audit", 15));
	}
	if (t == TF_MODEL) {
		jinja_dict_set_str(c, "on_schema_change", jinja_str_static("ignore", 6));
	}
	return c;
}

/* ------------------------------------------------------------- helpers */

static struct tf_node *node_new(struct tf_proj *tp, enum tf_rtype t, const char *pkg,
				const char *name)
{
	struct tf_node *n = arena_zalloc(tp->arena, sizeof(*n));
	n->rtype = t;
	n->package = pkg;
	n->name = name;
	n->attached = -1;
	n->enabled = true;
	n->language = "sql";
	n->rows_affected = -1;
	n->idx = (int)tp->nodes.len;
	vec_push(&tp->nodes, n);
	return n;
}

struct tf_node *tf__node_new(struct tf_proj *tp, enum tf_rtype t, const char *pkg,
			     const char *name)
{
	return node_new(tp, t, pkg, name);
}

static void node_error(struct tf_proj *tp, struct tf_node *n, struct err *ne)
{
	char *s = err_string(ne);
	if (n) {
		n->status = TF_ST_ERROR;
		free(n->message);
		n->message = s;
	} else {
		free(s);
	}
	if (!tp->parse_errors.code)
		err_move(&tp->parse_errors, ne);
	tp->nparse_errors++;
	err_clear(ne);
}

/* Names the engine would cut (PostgreSQL: 63 bytes) are refused here,
 * before anything is built: a cut name can collide with another relation. */
/* An incremental strategy the engine cannot run is refused here, at
 * compile time, naming the model's file (not at its first incremental
 * run, days later). */
static int check_strategy(struct tf_proj *tp, struct tf_node *n, struct err *e)
{
	if (n->rtype != TF_MODEL || !n->materialized || strcmp(n->materialized, "incremental"))
		return 0;
	const char *s = tf_cfg_str(n, "incremental_strategy", NULL);
	const struct wh_adapter *ad = wh_adapter_for(tp->engine);
	if (s && !strcmp(s, "merge") && wh_sql_merge_refusal(ad))
		return err_setloc(e, ING_ECONFIG, n->original_file_path, 1, 1,
				  "model %s: incremental_strategy 'merge': %s", n->name,
				  wh_sql_merge_refusal(ad));
	if (s && !strcmp(s, "insert_overwrite") && !wh_engine_has(tp->engine, WH_CAP_PARTITIONS))
		return err_setloc(e, ING_ECONFIG, n->original_file_path, 1, 1,
				  "model %s: incremental_strategy 'insert_overwrite' replaces whole "
				  "partitions, and this engine's tables have none: use 'delete+insert' "
				  "with a unique_key", n->name);
	if (s && !strcmp(s, "insert_overwrite") && !tf_cfg_str(n, "partition_by", NULL))
		return err_setloc(e, ING_ECONFIG, n->original_file_path, 1, 1,
				  "model %s: incremental_strategy 'insert_overwrite' replaces the "
				  "partitions of the new rows: set partition_by in its config", n->name);
	return 0;
}

static int check_ident_lengths(struct tf_proj *tp, struct tf_node *n, struct err *e)
{
	if (n->rtype == TF_TEST) {
		/* from dbt_project.yml or config(); properties files are checked
		 * where they are read, with their line */
		const char *as = tf_cfg_str(n, "store_failures_as", NULL);
		if (as && strcmp(as, "table") && strcmp(as, "view") && strcmp(as, "ephemeral")) {
			const struct ynode *at = n->test && n->test->store_failures_as &&
							 !strcmp(n->test->store_failures_as, as)
						 ? n->test->store_failures_as_node : NULL;
			if (at)
				return yerr(e, at, ING_ECONFIG,
					    "test %s: store_failures_as must be table, view or "
					    "ephemeral, not '%s'", n->name, as);
			return err_set(e, ING_ECONFIG,
				       "test %s (%s): store_failures_as must be table, view or "
				       "ephemeral, not '%s'", n->name, n->original_file_path, as);
		}
		if (!tf_test_store_as(n))
			return 0;
	}
	const char *kind = n->rtype == TF_TEST ? "store_failures table" : tf_rtype_name(n->rtype);
	int rc = wh_check_ident(tp->db, "schema", n->schema, e);
	if (!rc)
		rc = wh_check_ident(tp->db, n->rtype == TF_TEST ? "test name" : "relation name",
				    n->alias, e);
	if (rc)
		err_prefix(e, "%s %s (%s)", kind, n->name, n->original_file_path);
	return rc;
}

static void warn(struct tf_proj *tp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct tf_proj *tp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m)
		vec_push(&tp->warnings, m);
}

/* fqn: package, folders of rel (without extension), name */
static void set_fqn(struct tf_proj *tp, struct tf_node *n, const char *rel, const char *last)
{
	size_t cap = 4;
	for (const char *p = rel; *p; p++)
		cap += *p == '/';
	const char **f = arena_alloc(tp->arena, cap * sizeof(char *));
	size_t k = 0;
	f[k++] = n->package;
	const char *s = rel;
	for (const char *p; (p = strchr(s, '/')); s = p + 1)
		f[k++] = arena_strndup(tp->arena, s, (size_t)(p - s));
	f[k++] = last;
	n->fqn = f;
	n->nfqn = k;
}

static const char *strip_ext(struct arena *a, const char *base)
{
	const char *dot = strrchr(base, '.');
	return dot ? arena_strndup(a, base, (size_t)(dot - base)) : arena_strdup(a, base);
}

static int read_text(struct tf_proj *tp, const char *path, const char **text, size_t *len,
		     struct err *e)
{
	struct buf b = BUF_INIT;
	int rc = fs_read_file(path, &b, 64u << 20, e);
	if (rc)
		return rc;
	*text = arena_strndup(tp->arena, buf_cstr(&b), b.len);
	*len = b.len;
	buf_free(&b);
	return 0;
}

/* Every file matching pattern under each dir of paths, relative to root. */
struct found {
	const char *dir; /* the resource dir as written ("models") */
	const char *rel; /* path below it */
	const char *abs;
};
typedef VEC(struct found) foundvec;

static void find_files(struct tf_proj *tp, const char *root, const struct ystrlist *paths,
		       const char *pattern, foundvec *out)
{
	for (size_t i = 0; i < paths->n; i++) {
		char *dir = path_join(root, paths->items[i]);
		char **list = NULL;
		size_t n = 0;
		struct err ig = ERR_INIT;
		if (fs_is_dir(dir) && !fs_glob(dir, pattern, &list, &n, &ig)) {
			for (size_t j = 0; j < n; j++) {
				struct found f = {paths->items[i], arena_strdup(tp->arena, list[j]), NULL};
				char *abs = path_join(dir, list[j]);
				f.abs = arena_strdup(tp->arena, abs);
				free(abs);
				vec_push(out, f);
			}
			fs_glob_free(list, n);
		}
		err_clear(&ig);
		free(dir);
	}
}

/* -------------------------------------------------------------- macros */

/* Names of `{% macro name(` and `{% test name(` in a macro file. */
static void scan_macro_names(struct tf_proj *tp, const char *pkg, const char *ofp,
			     const char *abs, const char *src, size_t len)
{
	for (const char *p = src; (p = strstr(p, "{%")); p += 2) {
		const char *q = p + 2;
		if (*q == '-')
			q++;
		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		bool is_test = !strncmp(q, "test", 4) && isspace((unsigned char)q[4]);
		if (!(!strncmp(q, "macro", 5) && isspace((unsigned char)q[5])) && !is_test)
			continue;
		q += is_test ? 4 : 5;
		while (*q == ' ' || *q == '\t')
			q++;
		const char *s = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		if (q == s)
			continue;
		/* the body, up to the matching end tag (approximate: next end tag) */
		const char *end = strstr(q, is_test ? "endtest" : "endmacro");
		const char *close = end ? strstr(end, "%}") : NULL;
		struct tf_macro_info mi = {0};
		char *name = arena_strndup(tp->arena, s, (size_t)(q - s));
		mi.name = is_test ? arena_printf(tp->arena, "test_%s", name) : name;
		mi.package = pkg;
		mi.unique_id = arena_printf(tp->arena, "macro.%s.%s", pkg, mi.name);
		mi.path = ofp;
		mi.original_file_path = ofp;
		mi.raw = p;
		mi.raw_len = close ? (size_t)(close + 2 - p) : (size_t)(src + len - p);
		(void)abs;
		vec_push(&tp->macros, mi);
	}
}

static int load_macro_file(struct tf_proj *tp, const char *pkg, const char *abs, const char *ofp,
			   struct err *e)
{
	const char *src;
	size_t len;
	int rc = read_text(tp, abs, &src, &len, e);
	if (rc)
		return rc;
	struct jinja_template *t = NULL;
	rc = jinja_env_load_macros(tp->env, pkg, ofp, abs, src, len, &t, e);
	if (rc)
		return rc;
	scan_macro_names(tp, pkg, ofp, abs, src, len);
	for (size_t i = 0; t && i < jinja_template_nblocks(t); i++) {
		const struct jinja_block *b = jinja_template_block(t, i);
		if (!strcmp(b->tag, "test")) {
			jinja_env_define_macro(tp->env, pkg,
					       arena_printf(jinja_env_arena(tp->env), "test_%s", b->name),
					       b->macro);
		} else if (!strcmp(b->tag, "docs")) {
			struct tf_doc d = {arena_printf(tp->arena, "doc.%s.%s", pkg, b->name), b->name,
					   pkg, ofp, ofp, b->raw};
			vec_push(&tp->docs, d);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ packages */

static const char *yml_str(const struct ynode *yml, const char *key, const char *dflt,
			   struct arena *a)
{
	const char *s = ymap_str(yml, key);
	return s ? arena_strdup(a, s) : dflt;
}

static void strlist_from(struct arena *a, const struct ynode *yml, const char *key,
			 const char *dflt, struct ystrlist *out)
{
	const struct ynode *n = ymap_get(yml, key);
	if (n && n->type == Y_SEQ) {
		out->items = arena_alloc(a, (n->n + 1) * sizeof(char *));
		out->n = 0;
		for (size_t i = 0; i < n->n; i++)
			if (n->items[i]->type == Y_SCALAR)
				out->items[out->n++] = kstr(a, n->items[i]);
	} else if (n && n->type == Y_SCALAR) {
		out->items = arena_alloc(a, sizeof(char *));
		out->items[0] = kstr(a, n);
		out->n = 1;
	} else {
		out->items = arena_alloc(a, sizeof(char *));
		out->items[0] = dflt;
		out->n = 1;
	}
}

static int load_packages(struct tf_proj *tp, struct err *e)
{
	struct project *p = tp->p;
	struct tf_package root = {p->name, p->dir, p->yml, true, p->paths};
	vec_push(&tp->packages, root);
	const char *pdir = p->packages_install_path;
	if (!pdir || !fs_is_dir(pdir))
		return 0;
	char **list = NULL;
	size_t n = 0;
	if (fs_glob(pdir, "*/dbt_project.yml", &list, &n, e))
		return ING_EIO;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		char *abs = path_join(pdir, list[i]);
		struct ynode *yml = NULL;
		rc = yaml_load_file(abs, tp->arena, &yml, e);
		if (!rc) {
			struct tf_package pk = {0};
			pk.name = yml_str(yml, "name", NULL, tp->arena);
			char *dir = path_dirname(abs);
			pk.root = arena_strdup(tp->arena, dir);
			free(dir);
			pk.yml = yml;
			if (!pk.name) {
				rc = err_setloc(e, ING_ECONFIG, abs, 1, 1, "a package's dbt_project.yml needs a name");
			} else {
				strlist_from(tp->arena, yml, "model-paths", "models", &pk.paths.model);
				strlist_from(tp->arena, yml, "seed-paths", "seeds", &pk.paths.seed);
				strlist_from(tp->arena, yml, "test-paths", "tests", &pk.paths.test);
				strlist_from(tp->arena, yml, "macro-paths", "macros", &pk.paths.macro);
				strlist_from(tp->arena, yml, "snapshot-paths", "snapshots", &pk.paths.snapshot);
				strlist_from(tp->arena, yml, "analysis-paths", "analyses", &pk.paths.analysis);
				pk.paths.docs = pk.paths.model;
				vec_push(&tp->packages, pk);
			}
		}
		free(abs);
	}
	fs_glob_free(list, n);
	return rc;
}

/* require-dbt-version (a version constraint, or a list of them; each may
 * hold several separated by commas) of the project and of every package,
 * checked against the dbt version ingot is compatible with, as dbt does;
 * --no-version-check (or DBT_VERSION_CHECK=false) turns it off. */
static int check_dbt_versions(struct tf_proj *tp, struct err *e)
{
	const char *env = getenv("DBT_VERSION_CHECK");
	if ((tp->opts && tp->opts->no_version_check) ||
	    (env && (!strcasecmp(env, "false") || !strcmp(env, "0"))))
		return 0;
	struct semver have;
	if (semver_parse(INGOT_DBT_VERSION, &have))
		return 0;
	for (size_t pi = 0; pi < tp->packages.len; pi++) {
		const struct tf_package *pk = &tp->packages.items[pi];
		const struct ynode *req = ymap_get(pk->yml, "require-dbt-version");
		if (!req)
			continue;
		size_t nitems = req->type == Y_SEQ ? req->n : 1;
		bool ok = true;
		struct buf shown = BUF_INIT;
		for (size_t i = 0; i < nitems; i++) {
			const struct ynode *it = req->type == Y_SEQ ? req->items[i] : req;
			if (it->type != Y_SCALAR || !it->str) {
				buf_free(&shown);
				return yerr(e, it, ING_ECONFIG,
					    "require-dbt-version must be a version range such as '>=1.3.0' "
					    "or a list of them");
			}
			buf_printf(&shown, "%s'%s'", i ? ", " : "", it->str);
			char *spec = xstrdup(it->str);
			for (char *save = NULL, *c = strtok_r(spec, ",", &save); c;
			     c = strtok_r(NULL, ",", &save)) {
				char op[3];
				struct semver want;
				/* "1.7.x" / "1.*": a wildcard part reads as 0 */
				for (char *w; (w = strstr(c, ".x")) || (w = strstr(c, ".*"));)
					memmove(w, w + 2, strlen(w + 2) + 1);
				if (semver_constraint_parse(c, op, &want)) {
					int rc = yerr(e, it, ING_ECONFIG,
						      "require-dbt-version: '%s' is not a version or a "
						      "range such as '>=1.3.0'", it->str);
					free(spec);
					buf_free(&shown);
					return rc;
				}
				if (!semver_constraint_ok(op, &want, &have))
					ok = false;
			}
			free(spec);
		}
		if (!ok) {
			int rc = yerr(e, req, ING_ECONFIG,
				      "this version of dbt is not supported with the '%s' package: "
				      "ingot is compatible with dbt =%s, '%s' requires [%s]. Use a "
				      "version of '%s' that supports it, or run again with "
				      "--no-version-check", pk->name, INGOT_DBT_VERSION, pk->name,
				      buf_cstr(&shown), pk->name);
			buf_free(&shown);
			return rc;
		}
		buf_free(&shown);
	}
	return 0;
}

/* --------------------------------------------------------------- vars */

static void load_vars(struct tf_proj *tp)
{
	struct arena *a = jinja_env_arena(tp->env);
	tp->vars = jinja_dict_new(a);
	tp->pkg_vars = jinja_dict_new(a);
	for (size_t pi = 0; pi < tp->packages.len; pi++) {
		struct tf_package *pk = &tp->packages.items[pi];
		const struct ynode *v = ymap_get(pk->yml, "vars");
		if (!v || v->type != Y_MAP)
			continue;
		for (size_t i = 0; i < v->n; i++) {
			const char *k = kstr(a, v->keys[i]);
			bool is_pkg = false;
			for (size_t j = 0; j < tp->packages.len; j++)
				if (!strcmp(tp->packages.items[j].name, k) && v->items[i]->type == Y_MAP)
					is_pkg = true;
			if (is_pkg) {
				struct jinja_value cur = jinja_undefined();
				if (!jinja_dict_get_str(tp->pkg_vars, k, &cur)) {
					cur = jinja_dict_new(a);
					jinja_dict_set_str(tp->pkg_vars, k, cur);
				}
				const struct ynode *m = v->items[i];
				for (size_t j = 0; j < m->n; j++)
					if (pk->is_root || !jinja_dict_get_str(cur, kstr(a, m->keys[j]), NULL))
						jinja_dict_set(cur, jinja_str(a, kstr(a, m->keys[j]), (size_t)-1),
							       tf_yaml_value(a, m->items[j]));
			} else if (pk->is_root) {
				jinja_dict_set(tp->vars, jinja_str(a, k, (size_t)-1),
					       tf_yaml_value(a, v->items[i]));
			} else {
				/* a package's global vars apply to that package */
				struct jinja_value cur = jinja_undefined();
				if (!jinja_dict_get_str(tp->pkg_vars, pk->name, &cur)) {
					cur = jinja_dict_new(a);
					jinja_dict_set_str(tp->pkg_vars, pk->name, cur);
				}
				if (!jinja_dict_get_str(cur, k, NULL))
					jinja_dict_set(cur, jinja_str(a, k, (size_t)-1),
						       tf_yaml_value(a, v->items[i]));
			}
		}
	}
}

static int load_cli_vars(struct tf_proj *tp, const char *text, struct err *e)
{
	struct arena *a = jinja_env_arena(tp->env);
	tp->cli_vars = jinja_dict_new(a);
	if (!text || !*text)
		return 0;
	struct ynode *root = NULL;
	if (yaml_load_string(text, strlen(text), "--vars", tp->arena, &root, e)) {
		err_prefix(e, "--vars");
		return ING_EINVAL;
	}
	if (root->type == Y_NULL)
		return 0;
	if (root->type != Y_MAP)
		return err_set(e, ING_EINVAL, "--vars must be a YAML/JSON mapping, like '{key: value}'");
	tp->cli_vars = tf_yaml_value(a, root);
	return 0;
}

/* ------------------------------------------------------- project files */

static struct tf_node *add_sql_node(struct tf_proj *tp, struct tf_package *pk, enum tf_rtype t,
				    const struct found *f, struct err *e)
{
	const char *base = path_basename(f->rel);
	const char *name = strip_ext(tp->arena, base);
	struct tf_node *n = node_new(tp, t, pk->name, name);
	n->unique_id = arena_printf(tp->arena, "%s.%s.%s", tf_rtype_name(t), pk->name, name);
	n->path = f->rel;
	n->original_file_path = arena_printf(tp->arena, "%s/%s", f->dir, f->rel);
	n->abs_path = f->abs;
	n->pkg_root = pk->root;
	if (t == TF_ANALYSIS) /* dbt: package, "analysis", folders, name */
		set_fqn(tp, n, arena_printf(tp->arena, "analysis/%s", f->rel), name);
	else
		set_fqn(tp, n, f->rel, name);
	if (read_text(tp, f->abs, &n->raw_code, &n->raw_len, e)) {
		node_error(tp, n, e);
		return n;
	}
	char h[65];
	digest_sha256_hex(n->raw_code, n->raw_len, h);
	n->checksum = arena_strdup(tp->arena, h);
	return n;
}

static int register_node(struct tf_proj *tp, struct tf_node *n, struct err *e)
{
	struct tf_node *old = strmap_get(&tp->by_id, n->unique_id);
	if (old) {
		return err_set(e, ING_ECONFIG,
			       "dbt found two %ss with the name \"%s\": %s and %s",
			       tf_rtype_name(n->rtype), n->name,
			       old->original_file_path ? old->original_file_path : "?",
			       n->original_file_path ? n->original_file_path : "?");
	}
	strmap_put(&tp->by_id, n->unique_id, n);
	if (n->rtype == TF_MODEL || n->rtype == TF_SEED || n->rtype == TF_SNAPSHOT) {
		/* the root project's node wins a name shared with a package's */
		struct tf_node *o = strmap_get(&tp->model_names, n->name);
		if (!o || strcmp(o->package, tp->p->name))
			strmap_put(&tp->model_names, n->name, n);
	}
	return 0;
}

static int compile_node(struct tf_proj *tp, struct tf_node *n, struct err *e)
{
	if (n->status == TF_ST_ERROR || !n->raw_code)
		return 0;
	struct err ne = ERR_INIT;
	if (jinja_compile(tp->env, n->unique_id, n->original_file_path, n->raw_code, n->raw_len,
			  &n->tmpl, &ne)) {
		err_prefix(&ne, "%s %s", tf_rtype_name(n->rtype), n->unique_id);
		node_error(tp, n, &ne);
	}
	(void)e;
	return 0;
}

static int scan_snapshots(struct tf_proj *tp, struct tf_package *pk, struct err *e)
{
	foundvec fv = VEC_INIT;
	find_files(tp, pk->root, &pk->paths.snapshot, "**/*.sql", &fv);
	int rc = 0;
	for (size_t i = 0; i < fv.len && !rc; i++) {
		const char *src;
		size_t len;
		if ((rc = read_text(tp, fv.items[i].abs, &src, &len, e)))
			break;
		const char *ofp = arena_printf(tp->arena, "%s/%s", fv.items[i].dir, fv.items[i].rel);
		struct jinja_template *t = NULL;
		struct err ne = ERR_INIT;
		/* block-form snapshots: the file may also define macros; a syntax
		 * error loses both, so it fails the parse like a macro file's */
		if (jinja_env_load_macros(tp->env, pk->name, ofp, fv.items[i].abs, src, len, &t, &ne)) {
			err_move(e, &ne);
			rc = ING_EPARSE;
			break;
		}
		for (size_t b = 0; b < jinja_template_nblocks(t); b++) {
			const struct jinja_block *bl = jinja_template_block(t, b);
			if (strcmp(bl->tag, "snapshot"))
				continue;
			struct tf_node *n = node_new(tp, TF_SNAPSHOT, pk->name, bl->name);
			n->unique_id = arena_printf(tp->arena, "snapshot.%s.%s", pk->name, bl->name);
			n->path = fv.items[i].rel;
			n->original_file_path = ofp;
			n->abs_path = fv.items[i].abs;
			n->pkg_root = pk->root;
			set_fqn(tp, n, fv.items[i].rel, bl->name);
			/* fqn for snapshots: package, folders, file stem, name → dbt uses
			 * folders + name */
			n->raw_code = bl->raw;
			n->raw_len = bl->raw_len;
			n->err_line = bl->line;
			char h[65];
			digest_sha256_hex(src, len, h);
			n->checksum = arena_strdup(tp->arena, h);
			if ((rc = register_node(tp, n, e)))
				break;
			compile_node(tp, n, e);
		}
	}
	vec_free(&fv);
	return rc;
}

static int scan_package(struct tf_proj *tp, struct tf_package *pk, struct err *e)
{
	int rc = 0;
	foundvec fv = VEC_INIT;
	/* macros first (models call them), then tests/generic */
	find_files(tp, pk->root, &pk->paths.macro, "**/*.sql", &fv);
	find_files(tp, pk->root, &pk->paths.test, "generic/**/*.sql", &fv);
	for (size_t i = 0; i < fv.len && !rc; i++) {
		const char *ofp = arena_printf(tp->arena, "%s/%s", fv.items[i].dir, fv.items[i].rel);
		struct err ne = ERR_INIT;
		if (load_macro_file(tp, pk->name, fv.items[i].abs, ofp, &ne)) {
			/* fatal, as in dbt: every node may call the macros of this file,
			 * so building on without them would pass off a broken project */
			rc = ne.code == ING_EIO ? ING_EIO : ING_EPARSE;
			err_move(e, &ne);
		}
	}
	fv.len = 0;
	/* docs blocks in .md files under the docs paths (default: model paths) */
	find_files(tp, pk->root, pk->paths.docs.n ? &pk->paths.docs : &pk->paths.model, "**/*.md",
		   &fv);
	for (size_t i = 0; i < fv.len && !rc; i++) {
		const char *src;
		size_t len;
		if ((rc = read_text(tp, fv.items[i].abs, &src, &len, e)))
			break;
		const char *ofp = arena_printf(tp->arena, "%s/%s", fv.items[i].dir, fv.items[i].rel);
		struct jinja_template *t = NULL;
		struct err ne = ERR_INIT;
		if (jinja_compile(tp->env, ofp, fv.items[i].abs, src, len, &t, &ne)) {
			node_error(tp, NULL, &ne);
			continue;
		}
		for (size_t b = 0; b < jinja_template_nblocks(t); b++) {
			const struct jinja_block *bl = jinja_template_block(t, b);
			if (strcmp(bl->tag, "docs"))
				continue;
			struct tf_doc d = {arena_printf(tp->arena, "doc.%s.%s", pk->name, bl->name),
					   bl->name, pk->name, fv.items[i].rel, ofp, bl->raw};
			vec_push(&tp->docs, d);
		}
	}
	if (rc)
		goto out;
	static const struct {
		enum tf_rtype t;
		size_t off;
	} kinds[] = {
		{TF_MODEL, offsetof(struct project_paths, model)},
		{TF_ANALYSIS, offsetof(struct project_paths, analysis)},
		{TF_TEST, offsetof(struct project_paths, test)},
	};
	for (size_t k = 0; k < ARRAY_SIZE(kinds) && !rc; k++) {
		fv.len = 0;
		const struct ystrlist *paths = (const void *)((const char *)&pk->paths + kinds[k].off);
		find_files(tp, pk->root, paths, "**/*.sql", &fv);
		for (size_t i = 0; i < fv.len && !rc; i++) {
			/* tests/generic holds test macros; tests/fixtures unit
			 * tests' fixture files (dbt 1.8): neither is a test */
			if (kinds[k].t == TF_TEST && (str_startswith(fv.items[i].rel, "generic/") ||
						      str_startswith(fv.items[i].rel, "fixtures/") ||
						      strstr(fv.items[i].rel, "/fixtures/")))
				continue;
			struct tf_node *n = add_sql_node(tp, pk, kinds[k].t, &fv.items[i], e);
			if (!(rc = register_node(tp, n, e)))
				compile_node(tp, n, e);
		}
	}
	fv.len = 0;
	find_files(tp, pk->root, &pk->paths.seed, "**/*.csv", &fv);
	for (size_t i = 0; i < fv.len && !rc; i++) {
		const struct found *f = &fv.items[i];
		const char *name = strip_ext(tp->arena, path_basename(f->rel));
		struct tf_node *n = node_new(tp, TF_SEED, pk->name, name);
		n->unique_id = arena_printf(tp->arena, "seed.%s.%s", pk->name, name);
		n->path = f->rel;
		n->original_file_path = arena_printf(tp->arena, "%s/%s", f->dir, f->rel);
		n->abs_path = f->abs;
		n->pkg_root = pk->root;
		set_fqn(tp, n, f->rel, name);
		struct buf b = BUF_INIT;
		if (!fs_read_file(f->abs, &b, 1u << 30, e)) {
			char h[65];
			digest_sha256_hex(buf_cstr(&b), b.len, h);
			n->checksum = arena_strdup(tp->arena, h);
		}
		buf_free(&b);
		rc = register_node(tp, n, e);
	}
	if (!rc)
		rc = scan_snapshots(tp, pk, e);
out:
	vec_free(&fv);
	return rc;
}

/* --------------------------------------------------- properties files */

static struct tf_node *find_named(struct tf_proj *tp, enum tf_rtype t, const char *pkg,
				  const char *name)
{
	char *id = xasprintf("%s.%s.%s", tf_rtype_name(t), pkg, name);
	struct tf_node *n = strmap_get(&tp->by_id, id);
	if (!n && t == TF_MODEL) /* a versioned model's name: its latest version */
		n = strmap_get(&tp->latest, id);
	free(id);
	return n;
}

static struct jinja_value props_config(struct tf_proj *tp, const struct ynode *entry)
{
	struct arena *a = jinja_env_arena(tp->env);
	const struct ynode *c = ymap_get(entry, "config");
	struct jinja_value d = jinja_dict_new(a);
	if (c && c->type == Y_MAP)
		d = tf_yaml_value(a, c);
	/* top-level docs/meta/tags of an entry are configs too */
	static const char *const also[] = {"tags", "meta", "docs", "access", "group", NULL};
	for (const char *const *k = also; *k; k++) {
		const struct ynode *v = ymap_get(entry, *k);
		if (v)
			jinja_dict_set_str(d, *k, tf_yaml_value(a, v));
	}
	return d;
}

struct pending_tests {
	const struct ynode *tests; /* sequence */
	struct qt_target t;
	struct tf_node *attached;
	const struct src_table *src;
	const char *props_file; /* relative to package root */
	const char *props_dir;  /* resource dir ("models") */
	const char *props_rel;  /* path of the yml below the resource dir */
	const char *package;
};
typedef VEC(struct pending_tests) pendvec;

static const struct ynode *tests_of(const struct ynode *m)
{
	const struct ynode *t = ymap_get(m, "data_tests");
	if (!t)
		t = ymap_get(m, "tests");
	return t && t->type == Y_SEQ ? t : NULL;
}

static void queue_tests(pendvec *pv, const struct ynode *entry, struct tf_node *n,
			const struct found *f, const char *pkg, const struct wh_db *db,
			struct arena *a)
{
	struct pending_tests pt = {0};
	pt.attached = n;
	pt.props_dir = f->dir;
	pt.props_rel = f->rel;
	pt.props_file = arena_printf(a, "%s/%s", f->dir, f->rel);
	pt.package = pkg;
	pt.t.name = n->name;
	pt.t.version = n->model_version;
	const struct ynode *tt = tests_of(entry);
	if (tt) {
		pt.tests = tt;
		pt.t.column = NULL;
		vec_push(pv, pt);
	}
	const struct ynode *cols = ymap_get(entry, "columns");
	for (size_t i = 0; cols && cols->type == Y_SEQ && i < cols->n; i++) {
		const struct ynode *c = cols->items[i];
		const struct ynode *ct = tests_of(c);
		const char *cn = ymap_str(c, "name");
		if (!ct || !cn)
			continue;
		pt.tests = ct;
		pt.t.column = arena_strdup(a, cn);
		/* a quoted column (quote: true) is passed quoted, as dbt does */
		const struct ynode *q = ymap_get(c, "quote");
		bool b = false;
		if (q && !yscalar_bool(q, &b) && b) {
			struct buf qb = BUF_INIT;
			wh_quote_ident(db, cn, &qb);
			pt.t.column = arena_strndup(a, buf_cstr(&qb), qb.len);
			buf_free(&qb);
		}
		vec_push(pv, pt);
	}
}

/* ---- model versions (dbt 1.5+: versions:, latest_version, defined_in) */

static struct ynode *yseq_new(struct arena *a, const struct ynode *at, size_t cap)
{
	struct ynode *s = arena_zalloc(a, sizeof(*s));
	s->type = Y_SEQ;
	s->file = at->file;
	s->line = at->line;
	s->col = at->col;
	s->items = arena_alloc(a, (cap ? cap : 1) * sizeof(*s->items));
	return s;
}

static bool name_in(const struct ynode *list, const char *name)
{
	if (list && list->type == Y_SCALAR)
		return list->len == strlen(name) && !strncmp(list->str, name, list->len);
	for (size_t i = 0; list && list->type == Y_SEQ && i < list->n; i++)
		if (list->items[i]->type == Y_SCALAR && list->items[i]->len == strlen(name) &&
		    !strncmp(list->items[i]->str, name, list->items[i]->len))
			return true;
	return false;
}

/* A version's columns as dbt computes them: the top-level columns it
 * includes (all unless `include:` names some; `include: all` or "*"),
 * minus `exclude:`, replaced by the version's own entry of the same
 * name, then the version's other columns. */
static int version_columns(struct arena *a, const struct ynode *top, const struct ynode *vcols,
			   const struct ynode **out, struct err *e)
{
	if (!vcols) {
		*out = top;
		return 0;
	}
	if (vcols->type != Y_SEQ)
		return yerr(e, vcols, ING_ECONFIG, "a version's 'columns:' must be a list");
	const struct ynode *inc = NULL, *exc = NULL;
	bool all = true;
	for (size_t i = 0; i < vcols->n; i++) {
		const struct ynode *c = vcols->items[i];
		if (ymap_get(c, "include")) {
			inc = ymap_get(c, "include");
			exc = ymap_get(c, "exclude");
			all = inc->type == Y_SCALAR && (name_in(inc, "all") || name_in(inc, "*"));
			if (!all && inc->type != Y_SEQ)
				return yerr(e, inc, ING_ECONFIG,
					    "'include:' is all, \"*\" or a list of column names");
		}
	}
	size_t ntop = top && top->type == Y_SEQ ? top->n : 0;
	struct ynode *r = yseq_new(a, vcols, ntop + vcols->n);
	for (size_t i = 0; i < ntop; i++) {
		const char *cn = ymap_str(top->items[i], "name");
		if (!cn || (!all && !name_in(inc, cn)) || name_in(exc, cn))
			continue;
		bool own = false;
		for (size_t j = 0; j < vcols->n && !own; j++) {
			const char *vn = ymap_str(vcols->items[j], "name");
			own = vn && !strcmp(vn, cn);
		}
		if (!own)
			r->items[r->n++] = top->items[i];
	}
	for (size_t j = 0; j < vcols->n; j++)
		if (ymap_str(vcols->items[j], "name"))
			r->items[r->n++] = vcols->items[j];
	*out = r;
	return 0;
}

static void queue_tests(pendvec *pv, const struct ynode *entry, struct tf_node *n,
			const struct found *f, const char *pkg, const struct wh_db *db,
			struct arena *a);

static int yint_of(const struct ynode *v, int *out, struct err *e, const char *what)
{
	int64_t x;
	if (!v || v->type != Y_SCALAR || yscalar_int(v, &x) || x < 1 || x > 1000000)
		return yerr(e, v, ING_ECONFIG,
			    "%s must be a positive whole number here (v: 2): model versions "
			    "are numbered", what);
	*out = (int)x;
	return 0;
}

/* A model entry with `versions:`: each version is the model file
 * `defined_in` (default <name>_v<v>, or <name> for the latest version),
 * renamed to the model's name with its version: unique_id
 * model.<pkg>.<name>.v<v>, fqn ending in "v<v>", relation <name>_v<v>.
 * An unpinned ref() finds the latest version. */
static int load_versions(struct tf_proj *tp, struct tf_package *pk, const struct found *f,
			 const struct ynode *m, const char *name, const char *ofp, pendvec *pv,
			 struct err *e)
{
	struct arena *a = tp->arena;
	const struct ynode *vs = ymap_get(m, "versions");
	if (vs->type != Y_SEQ || !vs->n)
		return yerr(e, vs, ING_ECONFIG, "'versions:' of model '%s' must be a non-empty list", name);
	int latest = 0;
	for (size_t i = 0; i < vs->n; i++) {
		int v;
		if (yint_of(ymap_get(vs->items[i], "v"), &v, e, "each version's 'v:'"))
			return ING_ECONFIG;
		if (v > latest)
			latest = v;
		for (size_t j = 0; j < i; j++) {
			int w = 0;
			yint_of(ymap_get(vs->items[j], "v"), &w, e, "v");
			if (w == v)
				return yerr(e, vs->items[i], ING_ECONFIG,
					    "version %d of model '%s' is declared twice", v, name);
		}
	}
	const struct ynode *lv = ymap_get(m, "latest_version");
	if (lv) {
		int want;
		if (yint_of(lv, &want, e, "'latest_version:'"))
			return ING_ECONFIG;
		bool found = false;
		for (size_t i = 0; i < vs->n && !found; i++) {
			int v = 0;
			yint_of(ymap_get(vs->items[i], "v"), &v, e, "v");
			found = v == want;
		}
		if (!found)
			return yerr(e, lv, ING_ECONFIG,
				    "latest_version %d of model '%s' is not one of its versions:", want, name);
		latest = want;
	}
	struct tf_node *latest_node = NULL;
	for (size_t i = 0; i < vs->n; i++) {
		const struct ynode *vi = vs->items[i];
		int v = 0;
		yint_of(ymap_get(vi, "v"), &v, e, "v");
		const char *def = ymap_str(vi, "defined_in");
		const char *file = def ? def : arena_printf(a, "%s_v%d", name, v);
		struct tf_node *n = find_named(tp, TF_MODEL, pk->name, file);
		if (!n && !def && v == latest)
			n = find_named(tp, TF_MODEL, pk->name, name);
		if (!n)
			return yerr(e, vi, ING_ECONFIG,
				    "version %d of model '%s' has no model file: add %s.sql to the "
				    "package's model paths or set defined_in: to the file's name",
				    v, name, file);
		if (n->props)
			return yerr(e, vi, ING_ECONFIG, "model file '%s' is described twice: in %s and here",
				    n->name, n->props_file);
		strmap_del(&tp->by_id, n->unique_id);
		if (strmap_get(&tp->model_names, n->name) == n)
			strmap_del(&tp->model_names, n->name);
		n->name = arena_strdup(a, name);
		n->model_version = v;
		n->latest_version = latest;
		n->unique_id = arena_printf(a, "model.%s.%s.v%d", pk->name, name, v);
		const char **fq = arena_alloc(a, (n->nfqn + 1) * sizeof(char *));
		memcpy(fq, n->fqn, n->nfqn * sizeof(char *));
		fq[n->nfqn - 1] = n->name;
		fq[n->nfqn++] = arena_printf(a, "v%d", v);
		n->fqn = fq;
		if (register_node(tp, n, e))
			return ING_ECONFIG;
		strmap_put(&tp->model_names, arena_printf(a, "%s.v%d", name, v), n);
		n->props = m;
		n->vprops = vi;
		n->props_file = ofp;
		const char *d = ymap_str(vi, "description");
		if (!d)
			d = ymap_str(m, "description");
		if (d)
			n->description = arena_strdup(a, d);
		const struct ynode *cols = NULL;
		if (version_columns(a, ymap_get(m, "columns"), ymap_get(vi, "columns"), &cols, e))
			return ING_ECONFIG;
		n->columns = cols;
		/* the version's tests: the model's, then its own, on its columns */
		const struct ynode *t1 = tests_of(m), *t2 = tests_of(vi);
		struct ynode *tests = yseq_new(a, vi, (t1 ? t1->n : 0) + (t2 ? t2->n : 0));
		for (size_t j = 0; t1 && j < t1->n; j++)
			tests->items[tests->n++] = t1->items[j];
		for (size_t j = 0; t2 && j < t2->n; j++)
			tests->items[tests->n++] = t2->items[j];
		struct ynode *entry = arena_zalloc(a, sizeof(*entry));
		*entry = *vi;
		entry->type = Y_MAP;
		entry->n = 0;
		entry->keys = arena_alloc(a, 2 * sizeof(*entry->keys));
		entry->items = arena_alloc(a, 2 * sizeof(*entry->items));
		static struct ynode kcols = {.type = Y_SCALAR, .str = "columns", .len = 7};
		static struct ynode ktests = {.type = Y_SCALAR, .str = "data_tests", .len = 10};
		if (cols) {
			entry->keys[entry->n] = &kcols;
			entry->items[entry->n++] = (struct ynode *)cols;
		}
		entry->keys[entry->n] = &ktests;
		entry->items[entry->n++] = tests;
		queue_tests(pv, entry, n, f, pk->name, tp->db, a);
		if (v == latest)
			latest_node = n;
	}
	strmap_put(&tp->latest, arena_printf(a, "model.%s.%s", pk->name, name), latest_node);
	struct tf_node *o = strmap_get(&tp->model_names, name);
	if (!o || strcmp(o->package, tp->p->name) || !strcmp(pk->name, tp->p->name))
		strmap_put(&tp->model_names, arena_strdup(a, name), latest_node);
	return 0;
}

static int load_props_file(struct tf_proj *tp, struct tf_package *pk, const struct found *f,
			   pendvec *pv, struct err *e)
{
	struct ynode *root = NULL;
	struct arena *a = tp->arena;
	if (yaml_load_file(f->abs, a, &root, e) || properties_check(root, a, e))
		return ING_ECONFIG;
	if (root->type != Y_MAP)
		return 0;
	const char *ofp = arena_printf(a, "%s/%s", f->dir, f->rel);
	static const struct {
		const char *key;
		enum tf_rtype t;
	} kinds[] = {
		{"models", TF_MODEL}, {"seeds", TF_SEED}, {"snapshots", TF_SNAPSHOT},
		{"analyses", TF_ANALYSIS},
	};
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct ynode *list = ymap_get(root, kinds[k].key);
		if (!list)
			continue;
		if (list->type != Y_SEQ)
			return yerr(e, list, ING_ECONFIG, "'%s:' must be a list", kinds[k].key);
		for (size_t i = 0; i < list->n; i++) {
			const struct ynode *m = list->items[i];
			const char *name = ymap_str(m, "name");
			if (!name)
				return yerr(e, m, ING_ECONFIG, "each entry of '%s:' needs a name",
					    kinds[k].key);
			if (kinds[k].t == TF_MODEL && ymap_get(m, "versions")) {
				int vrc = load_versions(tp, pk, f, m, name, ofp, pv, e);
				if (vrc)
					return vrc;
				continue;
			}
			struct tf_node *n = find_named(tp, kinds[k].t, pk->name, name);
			const char *relation = ymap_str(m, "relation");
			if (!n && kinds[k].t == TF_SNAPSHOT && relation) {
				/* a YAML snapshot (dbt 1.9): the relation is the query */
				n = node_new(tp, TF_SNAPSHOT, pk->name, arena_strdup(a, name));
				n->unique_id = arena_printf(a, "snapshot.%s.%s", pk->name, name);
				n->original_file_path = ofp;
				n->path = f->rel;
				n->abs_path = f->abs;
				n->pkg_root = pk->root;
				set_fqn(tp, n, f->rel, n->name);
				n->raw_code = arena_printf(a, "select * from {{ %s }}", relation);
				n->raw_len = strlen(n->raw_code);
				char h[65];
				digest_sha256_hex(n->raw_code, n->raw_len, h);
				n->checksum = arena_strdup(a, h);
				if (register_node(tp, n, e))
					return ING_ECONFIG;
				compile_node(tp, n, e);
			}
			if (!n) { /* properties of a node that does not exist: dbt warns */
				warn(tp, "[WARNING]: %s:%d: Did not find matching node for patch with name "
				     "'%s' in the '%s' section of file '%s'", ofp, m->line, name,
				     kinds[k].key, ofp);
				continue;
			}
			if (n->props) {
				return yerr(e, m, ING_ECONFIG,
					    "%s '%s' is described twice: in %s and here",
					    kinds[k].key, name, n->props_file);
			}
			n->props = m;
			n->props_file = ofp;
			const char *d = ymap_str(m, "description");
			if (d)
				n->description = arena_strdup(a, d);
			const struct ynode *cols = ymap_get(m, "columns");
			if (cols && cols->type == Y_SEQ)
				n->columns = cols;
			queue_tests(pv, m, n, f, pk->name, tp->db, a);
		}
	}
	/* dbt's semantic layer: semantic_models, metrics, saved_queries (semantic.c) */
	if (tf__semantic_props(tp, pk->name, root, f->rel, ofp, e))
		return ING_ECONFIG;
	/* groups: a name and an owner (name and/or email), as dbt requires */
	const struct ynode *gl = ymap_get(root, "groups");
	for (size_t i = 0; gl && gl->type == Y_SEQ && i < gl->n; i++) {
		const struct ynode *g = gl->items[i];
		const char *name = ymap_str(g, "name");
		const struct ynode *ow = ymap_get(g, "owner");
		if (!name)
			return yerr(e, g, ING_ECONFIG, "each entry of 'groups:' needs a name");
		if (!ow || ow->type != Y_MAP || (!ymap_get(ow, "name") && !ymap_get(ow, "email")))
			return yerr(e, ow ? ow : g, ING_ECONFIG,
				    "group '%s' needs an owner with a name or an email "
				    "(owner: {name: ..., email: ...})", name);
		for (size_t j = 0; j < tp->groups.len; j++)
			if (!strcmp(tp->groups.items[j].name, name))
				return yerr(e, g, ING_ECONFIG, "group '%s' is defined twice: in %s and here",
					    name, tp->groups.items[j].original_file_path);
		const char *d = ymap_str(g, "description");
		struct tf_group gr = {arena_printf(a, "group.%s.%s", pk->name, name), arena_strdup(a, name),
				      pk->name, f->rel, ofp, d ? arena_strdup(a, d) : NULL, ow};
		vec_push(&tp->groups, gr);
	}
	const struct ynode *ex = ymap_get(root, "exposures");
	for (size_t i = 0; ex && ex->type == Y_SEQ && i < ex->n; i++) {
		const char *name = ymap_str(ex->items[i], "name");
		if (!name)
			return yerr(e, ex->items[i], ING_ECONFIG, "an exposure needs a name");
		struct tf_node *n = node_new(tp, TF_EXPOSURE, pk->name, arena_strdup(a, name));
		n->unique_id = arena_printf(a, "exposure.%s.%s", pk->name, name);
		n->original_file_path = ofp;
		n->path = f->rel;
		n->pkg_root = pk->root;
		n->exposure = ex->items[i];
		set_fqn(tp, n, f->rel, n->name);
		const char *d = ymap_str(ex->items[i], "description");
		n->description = d ? arena_strdup(a, d) : "";
		const struct ynode *dep = ymap_get(ex->items[i], "depends_on");
		for (size_t j = 0; dep && dep->type == Y_SEQ && j < dep->n; j++) {
			const char *s = dep->items[j]->type == Y_SCALAR ? kstr(a, dep->items[j]) : "";
			const char *q1, *q2;
			if (str_startswith(s, "ref(") && (q1 = strpbrk(s, "'\"")) &&
			    (q2 = strchr(q1 + 1, *q1))) {
				struct tf_ref r = {NULL, arena_strndup(a, q1 + 1, (size_t)(q2 - q1 - 1)), 0, {0}};
				vec_push(&n->refs, r);
			} else if (str_startswith(s, "source(") && (q1 = strpbrk(s, "'\"")) &&
				   (q2 = strchr(q1 + 1, *q1))) {
				const char *q3 = strpbrk(q2 + 1, "'\""), *q4 = q3 ? strchr(q3 + 1, *q3) : NULL;
				if (q4) {
					vec_push(&n->src_refs, arena_strndup(a, q1 + 1, (size_t)(q2 - q1 - 1)));
					vec_push(&n->src_refs, arena_strndup(a, q3 + 1, (size_t)(q4 - q3 - 1)));
					vec_push(&n->src_at, (struct tf_loc){0});
				}
			}
		}
		if (register_node(tp, n, e))
			return ING_ECONFIG;
	}
	/* dbt 1.8 unit tests: their model is found once every node is known
	 * (tf_unit_resolve) */
	const struct ynode *ut = ymap_get(root, "unit_tests");
	if (ut && ut->type != Y_SEQ)
		return yerr(e, ut, ING_ECONFIG, "'unit_tests:' must be a list");
	for (size_t i = 0; ut && i < ut->n; i++) {
		const struct ynode *m = ut->items[i];
		const char *name = ymap_str(m, "name"), *model = ymap_str(m, "model");
		if (!name || !model)
			return yerr(e, m, ING_ECONFIG,
				    "each entry of 'unit_tests:' needs a name and a model");
		struct tf_node *n = node_new(tp, TF_UNIT_TEST, pk->name, arena_strdup(a, name));
		n->unique_id = arena_printf(a, "unit_test.%s.%s.%s", pk->name, model, name);
		n->original_file_path = ofp;
		n->path = f->rel;
		n->abs_path = f->abs;
		n->pkg_root = pk->root;
		n->props = m;
		n->props_file = ofp;
		n->err_line = m->line;
		n->materialized = "unit";
		set_fqn(tp, n, f->rel, arena_strdup(a, model));
		const char **fq = arena_alloc(a, (n->nfqn + 1) * sizeof(char *));
		memcpy(fq, n->fqn, n->nfqn * sizeof(char *));
		fq[n->nfqn++] = n->name;
		n->fqn = fq;
		const char *d = ymap_str(m, "description");
		n->description = d ? arena_strdup(a, d) : "";
		struct tf_ref r = {NULL, arena_strdup(a, model), 0, {ofp, m->line, m->col}};
		vec_push(&n->refs, r);
		char h[65];
		const char *cs = arena_printf(a, "%s:%d", ofp, m->line);
		digest_sha256_hex(cs, strlen(cs), h);
		n->checksum = arena_strdup(a, h);
		if (register_node(tp, n, e))
			return ING_ECONFIG;
	}
	/* `macros:` entries (descriptions for dbt's docs site) are not used */
	return 0;
}

/* Path keys of a dbt_project.yml config tree that no resource's path
 * reached (apply_tree marks the ones that were): dbt's "unused
 * configuration paths", usually a misspelt folder or model name. */
typedef VEC(char *) linevec;

static void unused_paths(struct tf_proj *tp, const struct ynode *map, const char *prefix,
			 linevec *out)
{
	for (size_t i = 0; map && map->type == Y_MAP && i < map->n; i++) {
		const char *k = map->keys[i]->str;
		const struct ynode *v = map->items[i];
		if (k[0] == '+' || v->type != Y_MAP)
			continue;
		char key[32];
		snprintf(key, sizeof(key), "%p", (const void *)v);
		bool used = strmap_has(&tp->cfg_used, key);
		if (!used && is_config_key(k))
			continue; /* meta:, docs:, ... given as a mapping */
		char *path = xasprintf("%s.%s", prefix, k);
		if (used) {
			unused_paths(tp, v, path, out);
			free(path);
		} else {
			vec_push(out, xasprintf("- %s (dbt_project.yml:%d)", path, map->keys[i]->line));
			free(path);
		}
	}
}

static void warn_unused_paths(struct tf_proj *tp)
{
	const struct ynode *yml = tp->p->yml;
	static const char *const trees[] = {"models", "seeds", "snapshots", "data_tests", "tests",
					    "analyses"};
	linevec lines = VEC_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		unused_paths(tp, ymap_get(yml, trees[i]), trees[i], &lines);
	if (lines.len) {
		warn(tp, "[WARNING]: Configuration paths exist in your dbt_project.yml file which do "
			 "not apply to any resources.");
		warn(tp, "There %s %zu unused configuration path%s:", lines.len == 1 ? "is" : "are",
		     lines.len, lines.len == 1 ? "" : "s");
		for (size_t i = 0; i < lines.len; i++)
			vec_push(&tp->warnings, lines.items[i]); /* ownership moves */
	}
	vec_free(&lines);
}

/* The properties' config: for nodes (stored, merged in resolve_configs). */
static void resolve_configs(struct tf_proj *tp)
{
	struct arena *a = jinja_env_arena(tp->env);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype == TF_SOURCE || n->rtype == TF_EXPOSURE || tf_is_semantic(n->rtype))
			continue; /* semantic.c resolves their config */
		struct jinja_value cfg = default_config(tp, n->rtype);
		project_configs(tp, n, cfg);
		if (n->props) {
			struct jinja_value pc = props_config(tp, n->props);
			for (size_t k = 0; k < jinja_dict_len(pc); k++)
				tf__cfg_merge(a, cfg, jinja_str_cstr(a, jinja_dict_key(pc, k)),
					      jinja_dict_val(pc, k));
		}
		if (n->vprops) { /* a model version's own config wins over the model's */
			struct jinja_value pc = props_config(tp, n->vprops);
			for (size_t k = 0; k < jinja_dict_len(pc); k++)
				tf__cfg_merge(a, cfg, jinja_str_cstr(a, jinja_dict_key(pc, k)),
					      jinja_dict_val(pc, k));
		}
		n->config = cfg;
	}
}

/* ------------------------------------------------------ generic tests */

/* A test entry that cannot be parsed: an ERROR node named after the
 * entry and where it is, so it counts in the totals (and run_results)
 * instead of disappearing. */
static void bad_test_node(struct tf_proj *tp, struct pending_tests *pt, const struct ynode *entry,
			  struct err *ne)
{
	struct arena *a = tp->arena;
	const char *tname = NULL;
	if (entry->type == Y_SCALAR)
		tname = kstr(a, entry);
	else if (entry->type == Y_MAP && entry->n)
		tname = ymap_str(entry, "name") ? ymap_str(entry, "name")
			: entry->keys[0]->type == Y_SCALAR ? kstr(a, entry->keys[0]) : NULL;
	struct buf nb = BUF_INIT;
	for (const char *p = tname ? tname : "test"; *p; p++)
		buf_putc(&nb, isalnum((unsigned char)*p) ? *p : '_');
	buf_printf(&nb, "_%s%s%s_line%d", pt->t.name ? pt->t.name : "", pt->t.column ? "_" : "",
		   pt->t.column ? pt->t.column : "", entry->line);
	struct tf_node *n = node_new(tp, TF_TEST, pt->package, arena_strdup(a, buf_cstr(&nb)));
	buf_free(&nb);
	n->unique_id = arena_printf(a, "test.%s.%s", pt->package, n->name);
	n->original_file_path = pt->props_file;
	n->path = arena_printf(a, "%s.sql", n->name);
	n->pkg_root = pt->attached ? pt->attached->pkg_root : tp->p->dir;
	n->attached = pt->attached ? pt->attached->idx : -1;
	n->props_file = pt->props_file;
	n->raw_code = "";
	n->checksum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	n->materialized = "test";
	set_fqn(tp, n, pt->props_rel, n->name);
	n->config = default_config(tp, TF_TEST);
	if (!ne->file) {
		err_prefix(ne, "%s", pt->props_file);
	} else if (ne->file[0] == '/') { /* the YAML's absolute path: the project's relative one */
		free(ne->file);
		ne->file = xstrdup(pt->props_file);
	}
	if (strmap_get(&tp->by_id, n->unique_id))
		n->unique_id = arena_printf(a, "%s_%zu", n->unique_id, tp->nodes.len);
	strmap_put(&tp->by_id, n->unique_id, n);
	node_error(tp, n, ne);
}

/* Test configs written in Jinja (`enabled: "{{ target.type != 'x' }}"`),
 * rendered as dbt renders them at parse time; a value that does not
 * render, or renders to something the config cannot take, makes the
 * test an ERROR (with the value's file:line:col). */
static void render_test_configs(struct tf_proj *tp, struct tf_node *n, const struct qt_def *d,
				struct jinja_value cfg)
{
	struct arena *ea = jinja_env_arena(tp->env);
	for (size_t i = 0; i < d->njinja_cfg; i++) {
		const char *k = d->jinja_cfg[i].key;
		const struct ynode *v = d->jinja_cfg[i].val;
		struct buf out = BUF_INIT;
		struct err ne = ERR_INIT;
		const char *src = kstr(tp->arena, v);
		if (tf_render_string(tp, NULL, "test config", src, NULL, false, &out, &ne)) {
			err_clear(&ne);
			err_setloc(&ne, ING_EINVAL, n->original_file_path, v->line, v->col,
				   "test config '%s' (%s) does not render", k, src);
			node_error(tp, n, &ne);
			buf_free(&out);
			return;
		}
		char *r = str_trim(out.data ? out.data : (char *)"");
		struct jinja_value val = jinja_none();
		bool ok = true;
		if (!strcmp(k, "enabled") || !strcmp(k, "store_failures")) {
			ok = !strcasecmp(r, "true") || !strcasecmp(r, "false");
			val = jinja_bool(!strcasecmp(r, "true"));
		} else if (!strcmp(k, "severity")) {
			ok = !strcasecmp(r, "error") || !strcasecmp(r, "warn");
			val = jinja_str(ea, !strcasecmp(r, "warn") ? "WARN" : "ERROR", (size_t)-1);
		} else if (!strcmp(k, "limit")) {
			char *end;
			long long l = strtoll(r, &end, 10);
			ok = *r && !*end && l >= 0;
			val = jinja_int(l);
		}
		if (!ok) {
			err_setloc(&ne, ING_EINVAL, n->original_file_path, v->line, v->col,
				   "test config '%s' renders to '%s', which it cannot take", k, r);
			node_error(tp, n, &ne);
			buf_free(&out);
			return;
		}
		tf__cfg_merge(ea, cfg, k, val);
		buf_free(&out);
	}
}

static int make_tests(struct tf_proj *tp, pendvec *pv, struct err *e)
{
	struct arena *a = tp->arena, *ea = jinja_env_arena(tp->env);
	for (size_t i = 0; i < pv->len; i++) {
		struct pending_tests *pt = &pv->items[i];
		for (size_t j = 0; j < pt->tests->n; j++) {
			struct qt_def *d = arena_zalloc(a, sizeof(*d));
			struct err ne = ERR_INIT;
			if (quality_parse_test(pt->tests->items[j], &pt->t, a, d, &ne)) {
				/* not dropped: an ERROR node in the totals, as dbt
				 * counts a test it cannot parse */
				bad_test_node(tp, pt, pt->tests->items[j], &ne);
				continue;
			}
			const char *sname, *fname;
			quality_test_names(d, &pt->t, a, &sname, &fname);
			char hash[11];
			quality_test_hash(d, fname, hash);
			struct tf_node *n = node_new(tp, TF_TEST, pt->package, fname);
			n->unique_id = arena_printf(a, "test.%s.%s.%s", pt->package, fname, hash);
			n->test = d;
			n->test_short = sname;
			n->column_name = pt->t.column;
			n->original_file_path = pt->props_file;
			n->path = arena_printf(a, "%s.sql", sname);
			n->pkg_root = pt->attached ? pt->attached->pkg_root : tp->p->dir;
			n->attached = pt->attached ? pt->attached->idx : -1;
			n->props_file = pt->props_file;
			/* fqn: package, folders of the yml, full name */
			set_fqn(tp, n, pt->props_rel, fname);
			n->raw_code = arena_printf(a, "{{ %s%stest_%s(**_dbt_generic_test_kwargs) }}",
						   d->ns ? d->ns : "", d->ns ? "." : "", d->name);
			n->raw_len = strlen(n->raw_code);
			n->checksum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
			/* dependencies: the target, plus ref()/source() inside arguments */
			if (pt->src) {
				vec_push(&n->src_refs, pt->t.source_name);
				vec_push(&n->src_refs, pt->t.table_name);
				vec_push(&n->src_at, (struct tf_loc){0});
			} else {
				struct tf_ref r = {NULL, pt->t.name, pt->t.version, {0}};
				vec_push(&n->refs, r);
			}
			for (size_t k = 0; k < d->nkw; k++) {
				const struct qt_kwarg *kw = &d->kw[k];
				if (!kw->val || kw->val->type != Y_SCALAR || !strcmp(kw->key, "model"))
					continue;
				const char *s = kstr(a, kw->val);
				const char *r;
				if ((r = strstr(s, "ref(")) && (r = strpbrk(r, "'\""))) {
					const char *q2 = strchr(r + 1, *r);
					if (q2) {
						struct tf_ref rr = {NULL, arena_strndup(a, r + 1, (size_t)(q2 - r - 1)), 0, {0}};
						vec_push(&n->refs, rr);
					}
				} else if ((r = strstr(s, "source(")) && (r = strpbrk(r, "'\""))) {
					const char *q2 = strchr(r + 1, *r);
					const char *q3 = q2 ? strpbrk(q2 + 1, "'\"") : NULL;
					const char *q4 = q3 ? strchr(q3 + 1, *q3) : NULL;
					if (q4) {
						vec_push(&n->src_refs, arena_strndup(a, r + 1, (size_t)(q2 - r - 1)));
						vec_push(&n->src_refs, arena_strndup(a, q3 + 1, (size_t)(q4 - q3 - 1)));
						vec_push(&n->src_at, (struct tf_loc){0});
					}
				}
			}
			/* config: defaults, project tree, then the test's own */
			struct jinja_value cfg = default_config(tp, TF_TEST);
			project_configs(tp, n, cfg);
#define SETS(k, v)                                                                  \
	if (v)                                                                      \
		tf__cfg_merge(ea, cfg, k, jinja_str(ea, v, (size_t)-1))
			SETS("severity", d->severity);
			SETS("where", d->where);
			SETS("warn_if", d->warn_if);
			SETS("error_if", d->error_if);
			SETS("fail_calc", d->fail_calc);
			SETS("alias", d->alias);
			SETS("schema", d->schema);
			SETS("database", d->database);
			SETS("store_failures_as", d->store_failures_as);
#undef SETS
			if (d->limit >= 0)
				tf__cfg_merge(ea, cfg, "limit", jinja_int(d->limit));
			if (d->store_failures >= 0)
				tf__cfg_merge(ea, cfg, "store_failures", jinja_bool(d->store_failures));
			if (d->enabled >= 0)
				tf__cfg_merge(ea, cfg, "enabled", jinja_bool(d->enabled));
			if (d->tags)
				tf__cfg_merge(ea, cfg, "tags", tf_yaml_value(ea, d->tags));
			if (d->meta)
				tf__cfg_merge(ea, cfg, "meta", tf_yaml_value(ea, d->meta));
			n->config = cfg;
			if (d->njinja_cfg)
				render_test_configs(tp, n, d, cfg);
			if (register_node(tp, n, &ne)) {
				/* same test twice on the same column: dbt refuses too */
				err_prefix(&ne, "%s", pt->props_file);
				node_error(tp, NULL, &ne);
			}
		}
	}
	(void)e;
	return 0;
}

static int add_sources(struct tf_proj *tp, pendvec *pv, struct err *e)
{
	struct arena *a = tp->arena;
	struct err ne = ERR_INIT;
	if (sources_load(tp->p, a, &tp->sources, &ne)) {
		err_move(e, &ne);
		return ING_ECONFIG;
	}
	for (size_t i = 0; i < tp->sources.n; i++) {
		const struct source *s = &tp->sources.items[i];
		for (size_t j = 0; j < s->ntables; j++) {
			const struct src_table *t = &s->tables[j];
			const char *name = arena_printf(a, "%s.%s", s->name, t->name);
			struct tf_node *n = node_new(tp, TF_SOURCE, tp->p->name, t->name);
			n->unique_id = arena_printf(a, "source.%s.%s", tp->p->name, name);
			n->src = t;
			n->database = s->database ? s->database : tp->target->database;
			n->schema = s->schema;
			n->alias = t->identifier;
			/* dbt renders these with the project context (target, var, env_var) */
			const char **parts[] = {&n->database, &n->schema, &n->alias};
			for (size_t k = 0; k < ARRAY_SIZE(parts); k++) {
				if (!*parts[k] || !strstr(*parts[k], "{{"))
					continue;
				struct buf out = BUF_INIT;
				if (tf_render_string(tp, NULL, n->original_file_path ? n->original_file_path : "sources",
						     *parts[k], NULL, false, &out, e)) {
					buf_free(&out);
					return ING_ECONFIG;
				}
				*parts[k] = arena_strdup(a, str_trim(out.data ? out.data : (char *)""));
				buf_free(&out);
			}
			n->description = t->description;
			const char *rel = s->file && str_startswith(s->file, tp->p->dir)
						  ? s->file + strlen(tp->p->dir) + 1
						  : (s->file ? s->file : "");
			n->original_file_path = arena_strdup(a, rel);
			const char *slash = strchr(rel, '/');
			n->path = slash ? slash + 1 : rel;
			n->pkg_root = tp->p->dir;
			const char **fqn = arena_alloc(a, 8 * sizeof(char *));
			size_t k = 0;
			fqn[k++] = tp->p->name;
			const char *d = n->path;
			for (const char *p; (p = strchr(d, '/')) && k < 5; d = p + 1)
				fqn[k++] = arena_strndup(a, d, (size_t)(p - d));
			fqn[k++] = s->name;
			fqn[k++] = t->name;
			n->fqn = fqn;
			n->nfqn = k;
			struct jinja_value cfg = default_config(tp, TF_SOURCE);
			project_configs(tp, n, cfg);
			/* the properties' config: (source, then table) over the
			 * project's — event_time for microbatch readers */
			const struct ynode *pc[2] = {s->config, t->config};
			for (int q = 0; q < 2; q++)
				for (size_t pi = 0; pc[q] && pc[q]->type == Y_MAP && pi < pc[q]->n; pi++)
					if (pc[q]->keys[pi]->type == Y_SCALAR)
						tf__cfg_merge(a, cfg,
							      arena_strndup(a, pc[q]->keys[pi]->str, pc[q]->keys[pi]->len),
							      tf_yaml_value(a, pc[q]->items[pi]));
			n->config = cfg;
			if (register_node(tp, n, e))
				return ING_ECONFIG;
			/* tests on the table and its columns */
			struct found f = {"", "", ""};
			const char *slash2 = strchr(rel, '/');
			f.dir = slash2 ? arena_strndup(a, rel, (size_t)(slash2 - rel)) : "";
			f.rel = slash2 ? slash2 + 1 : rel;
			struct pending_tests pt = {0};
			pt.src = t;
			pt.props_dir = f.dir;
			pt.props_rel = f.rel;
			pt.props_file = n->original_file_path;
			pt.package = tp->p->name;
			pt.t.is_source = true;
			pt.t.source_name = s->name;
			pt.t.table_name = t->name;
			pt.t.name = arena_printf(a, "%s_%s", s->name, t->name);
			if (t->tests && t->tests->type == Y_SEQ) {
				pt.tests = t->tests;
				vec_push(pv, pt);
			}
			for (size_t c = 0; c < t->ncolumns; c++) {
				if (!t->columns[c].tests || t->columns[c].tests->type != Y_SEQ)
					continue;
				pt.tests = t->columns[c].tests;
				pt.t.column = t->columns[c].name;
				vec_push(pv, pt);
			}
		}
	}
	return 0;
}

/* -------------------------------------------------------- dependencies */

struct tf_node *tf_find_ref(struct tf_proj *tp, const struct tf_node *from, const char *pkg,
			    const char *name, int version)
{
	char vname[512];
	if (version > 0) { /* a pinned version: registered as "<name>.v<v>" */
		snprintf(vname, sizeof(vname), "%s.v%d", name, version);
		name = vname;
	}
	static const enum tf_rtype kinds[] = {TF_MODEL, TF_SEED, TF_SNAPSHOT};
	if (pkg) {
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
			struct tf_node *n = find_named(tp, kinds[k], pkg, name);
			if (n)
				return n;
		}
		return NULL;
	}
	/* the referring node's own package first, then the root, then any */
	if (from) {
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
			struct tf_node *n = find_named(tp, kinds[k], from->package, name);
			if (n)
				return n;
		}
	}
	return strmap_get(&tp->model_names, name);
}

struct tf_node *tf_find_source(struct tf_proj *tp, const char *source, const char *table)
{
	char *id = xasprintf("source.%s.%s.%s", tp->p->name, source, table);
	struct tf_node *n = strmap_get(&tp->by_id, id);
	free(id);
	return n;
}

/* The closest name to `want` among cand (a typo: distance at most 2, or a
 * third of the name), or NULL. */
static bool closer(const char *want, const char *cand, int *best)
{
	int d = str_edit_distance(want, cand);
	int lim = (int)strlen(want) / 3 > 2 ? (int)strlen(want) / 3 : 2;
	if (d > lim || d >= *best)
		return false;
	*best = d;
	return true;
}

const char *tf__nearest_ref(struct tf_proj *tp, const char *name)
{
	const char *best = NULL;
	int bd = 1 << 20;
	for (size_t i = 0; i < tp->nodes.len; i++) {
		const struct tf_node *n = tp->nodes.items[i];
		if ((n->rtype == TF_MODEL || n->rtype == TF_SEED || n->rtype == TF_SNAPSHOT) &&
		    n->enabled && strcmp(n->name, name) && closer(name, n->name, &bd))
			best = n->name;
	}
	return best;
}

const char *tf__nearest_source(struct tf_proj *tp, const char *source, const char *table)
{
	char *want = xasprintf("%s.%s", source, table);
	const char *best = NULL;
	int bd = 1 << 20;
	for (size_t i = 0; i < tp->nodes.len; i++) {
		const struct tf_node *n = tp->nodes.items[i];
		if (n->rtype != TF_SOURCE || !n->src)
			continue;
		char *have = xasprintf("%s.%s", n->src->source->name, n->src->name);
		if (strcmp(have, want) && closer(want, have, &bd))
			best = arena_strdup(tp->arena, have);
		free(have);
	}
	free(want);
	return best;
}

/* ", did you mean 'x'?" or "" (an arena string). */
static const char *did_you_mean(struct tf_proj *tp, const char *best)
{
	return best ? arena_printf(tp->arena, " (did you mean '%s'?)", best) : "";
}

static void add_dep(struct tf_node *n, struct tf_node *d)
{
	for (size_t i = 0; i < n->deps.len; i++)
		if (n->deps.items[i] == d->idx)
			return;
	vec_push(&n->deps, d->idx);
	vec_push(&d->children, n->idx);
}

static int link_deps(struct tf_proj *tp)
{
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->enabled)
			continue;
		for (size_t r = 0; r < n->refs.len; r++) {
			struct tf_ref *rf = &n->refs.items[r];
			struct tf_node *d = tf_find_ref(tp, n, rf->package, rf->name, rf->version);
			if (!d || !d->enabled) {
				struct err ne = ERR_INIT;
				err_setloc(&ne, ING_ENOTFOUND,
					   rf->at.file ? rf->at.file : n->original_file_path,
					   rf->at.line, rf->at.col,
					   "%s '%s' depends on a node named '%s'%s which %s%s",
					   tf_rtype_name(n->rtype), n->unique_id, rf->name,
					   rf->version ? arena_printf(tp->arena, " with version '%d'", rf->version) : "",
					   d ? "is disabled" : "was not found",
					   d ? "" : did_you_mean(tp, tf__nearest_ref(tp, rf->name)));
				if (n->rtype == TF_TEST && n->attached >= 0 &&
				    !tp->nodes.items[n->attached]->enabled) {
					n->enabled = false; /* a test on a disabled model */
					err_clear(&ne);
					break;
				}
				node_error(tp, n, &ne);
				continue;
			}
			add_dep(n, d);
		}
		for (size_t s = 0; s + 1 < n->src_refs.len; s += 2) {
			struct tf_node *d = tf_find_source(tp, n->src_refs.items[s], n->src_refs.items[s + 1]);
			if (!d) {
				struct err ne = ERR_INIT;
				struct tf_loc at = s / 2 < n->src_at.len ? n->src_at.items[s / 2]
									  : (struct tf_loc){0};
				err_setloc(&ne, ING_ENOTFOUND, at.file ? at.file : n->original_file_path,
					   at.line, at.col,
					   "%s '%s' depends on a source named '%s.%s' which was not found%s",
					   tf_rtype_name(n->rtype), n->unique_id, n->src_refs.items[s],
					   n->src_refs.items[s + 1],
					   did_you_mean(tp, tf__nearest_source(tp, n->src_refs.items[s],
									       n->src_refs.items[s + 1])));
				node_error(tp, n, &ne);
				continue;
			}
			add_dep(n, d);
		}
	}
	return 0;
}

static const struct tf_group *find_group(struct tf_proj *tp, const char *name)
{
	for (size_t i = 0; name && i < tp->groups.len; i++)
		if (!strcmp(tp->groups.items[i].name, name))
			return &tp->groups.items[i];
	return NULL;
}

/* restrict-access: true in a package's dbt_project.yml: its protected
 * models may be referenced from that package only (dbt 1.7+). */
static bool package_restricts_access(const struct tf_proj *tp, const char *package)
{
	for (size_t i = 0; i < tp->packages.len; i++) {
		const struct tf_package *pk = &tp->packages.items[i];
		if (strcmp(pk->name, package))
			continue;
		const struct ynode *r = ymap_get(pk->yml, "restrict-access");
		return r && r->type == Y_SCALAR && r->str &&
		       (!strcasecmp(r->str, "true") || !strcasecmp(r->str, "yes"));
	}
	return false;
}

/* dbt's groups and access: a node's group must be defined; a private
 * model belongs to a group and only nodes of that group (and the tests on
 * the model) may ref it; a protected model of a package with
 * restrict-access may be ref'd only from that package. Each violation is an
 * error of the referring node. */
static void check_access(struct tf_proj *tp)
{
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->enabled || n->rtype == TF_SOURCE || n->rtype == TF_EXPOSURE ||
		    tf_is_semantic(n->rtype))
			continue; /* semantic.c checks their group */
		const char *g = tf_cfg_str(n, "group", NULL);
		const char *acc = n->rtype == TF_MODEL ? tf_cfg_str(n, "access", "protected") : NULL;
		struct err ne = ERR_INIT;
		const char *at = n->props_file ? n->props_file : n->original_file_path;
		int line = n->props ? n->props->line : 0;
		if (g && !find_group(tp, g)) {
			err_setloc(&ne, ING_ECONFIG, at, line, 0,
				   "%s '%s' is in group '%s', which is not defined: add it under "
				   "'groups:' in a properties file (name and owner)",
				   tf_rtype_name(n->rtype), n->unique_id, g);
		} else if (acc && strcmp(acc, "private") && strcmp(acc, "protected") &&
			   strcmp(acc, "public")) {
			err_setloc(&ne, ING_ECONFIG, at, line, 0,
				   "model '%s' has access '%s': use private, protected or public",
				   n->unique_id, acc);
		} else if (acc && !strcmp(acc, "private") && !g) {
			err_setloc(&ne, ING_ECONFIG, at, line, 0,
				   "model '%s' is private but in no group: a private model needs "
				   "'group:' (or make it protected)", n->unique_id);
		}
		if (ne.code) {
			node_error(tp, n, &ne);
			continue;
		}
		for (size_t d = 0; d < n->deps.len; d++) {
			struct tf_node *p = tp->nodes.items[n->deps.items[d]];
			if (p->rtype != TF_MODEL)
				continue;
			if (!strcmp(tf_cfg_str(p, "access", "protected"), "protected")) {
				/* dbt: a protected model of a package that sets
				 * restrict-access: true is for that package only */
				if (n->rtype == TF_UNIT_TEST || !strcmp(n->package, p->package) ||
				    (n->rtype == TF_TEST && n->attached == p->idx) ||
				    !package_restricts_access(tp, p->package))
					continue;
				err_setloc(&ne, ING_ECONFIG, n->original_file_path, 0, 0,
					   "Node %s attempted to reference node %s, which is not "
					   "allowed because the referenced node is protected to the "
					   "'%s' package (its dbt_project.yml sets restrict-access: "
					   "true): make the model public in '%s', or do not ref it",
					   n->unique_id, p->unique_id, p->package, p->package);
				node_error(tp, n, &ne);
				break;
			}
			if (strcmp(tf_cfg_str(p, "access", "protected"), "private"))
				continue;
			const char *pg = tf_cfg_str(p, "group", NULL);
			if ((g && pg && !strcmp(g, pg)) || (n->rtype == TF_TEST && n->attached == p->idx) ||
			    n->rtype == TF_UNIT_TEST)
				continue;
			err_setloc(&ne, ING_ECONFIG, n->original_file_path, 0, 0,
				   "Node %s attempted to reference node %s, which is not allowed "
				   "because the referenced node is private to the '%s' group: put "
				   "the node in that group or make the model protected",
				   n->unique_id, p->unique_id, pg ? pg : "?");
			node_error(tp, n, &ne);
			break;
		}
	}
}

/* Cycle detection: iterative DFS with colors; the cycle is named in
 * order "a --> b --> c --> a". */
static int find_cycles(struct tf_proj *tp, struct err *e)
{
	size_t n = tp->nodes.len;
	unsigned char *color = xcalloc(n ? n : 1, 1);
	int *stack = xmalloc((n + 1) * sizeof(int));
	size_t *pos = xmalloc((n + 1) * sizeof(size_t));
	int rc = 0;
	for (size_t s = 0; s < n && !rc; s++) {
		if (color[s])
			continue;
		size_t sp = 0;
		stack[sp] = (int)s;
		pos[sp++] = 0;
		color[s] = 1;
		while (sp && !rc) {
			struct tf_node *cur = tp->nodes.items[stack[sp - 1]];
			if (pos[sp - 1] < cur->deps.len) {
				int d = cur->deps.items[pos[sp - 1]++];
				if (color[d] == 1) {
					struct buf b = BUF_INIT;
					size_t k = sp;
					while (k > 0 && stack[k - 1] != d)
						k--;
					for (size_t j = sp; j-- > (k ? k - 1 : 0);)
						buf_printf(&b, "%s --> ", tp->nodes.items[stack[j]]->unique_id);
					buf_puts(&b, tp->nodes.items[stack[sp - 1]]->unique_id);
					rc = err_set(e, ING_ECONFIG, "Found a cycle: %s", buf_cstr(&b));
					buf_free(&b);
				} else if (!color[d]) {
					color[d] = 1;
					stack[sp] = d;
					pos[sp++] = 0;
				}
			} else {
				color[stack[sp - 1]] = 2;
				sp--;
			}
		}
	}
	free(color);
	free(stack);
	free(pos);
	return rc;
}

/* ---------------------------------------------------------- the parse */

int tf__parse_render(struct tf_proj *tp, struct tf_node *n);

int tf_parse(struct project *p, struct wh_db *db, const struct transform_opts *o,
	     struct tf_proj **out, struct err *e)
{
	struct tf_proj *tp = xcalloc(1, sizeof(*tp));
	tp->p = p;
	tp->db = db;
	tp->target = &p->target;
	tp->engine = db ? wh_engine_name(db) : p->target.type;
	tp->arena = arena_new(0);
	tp->env = jinja_env_new();
	tp->opts = o;
	tp->full_refresh = o && o->full_refresh;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&tp->render_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_mutex_init(&tp->rel_lock, NULL);
	*out = tp;
	int rc;
	jinja_env_add_block_tag(tp->env, "test", JINJA_TAG_MACRO);
	jinja_env_add_block_tag(tp->env, "docs", JINJA_TAG_NAMED);
	jinja_env_add_block_tag(tp->env, "materialization", JINJA_TAG_NAMED);
	jinja_env_add_block_tag(tp->env, "snapshot", JINJA_TAG_NAMED);
	if ((rc = load_packages(tp, e)) || (rc = check_dbt_versions(tp, e)))
		return rc;
	load_vars(tp);
	if ((rc = load_cli_vars(tp, o ? o->vars : NULL, e)))
		return rc;
	/* namespaces: the root project's macros and dbt's are bare names */
	jinja_env_namespace(tp->env, p->name, JINJA_NS_GLOBAL | JINJA_NS_NAMED);
	jinja_env_namespace(tp->env, "dbt", JINJA_NS_GLOBAL | JINJA_NS_NAMED);
	for (size_t i = 0; i < tp->packages.len; i++)
		if (!tp->packages.items[i].is_root)
			jinja_env_namespace(tp->env, tp->packages.items[i].name, JINJA_NS_NAMED);
	if ((rc = tf_context_setup(tp, e)))
		return rc;
	if ((rc = jinja_env_load_macros(tp->env, "dbt", "ingot/builtin_tests.sql", NULL,
					quality_builtin_macros(), strlen(quality_builtin_macros()),
					NULL, e)))
		return rc;
	if ((rc = jinja_env_load_macros(tp->env, "dbt", "ingot/global_macros.sql", NULL,
					tf_global_macros(), strlen(tf_global_macros()), NULL, e)))
		return rc;
	/* packages first so the root project's definitions are read last */
	for (size_t i = tp->packages.len; i-- > 0;)
		if ((rc = scan_package(tp, &tp->packages.items[i], e)))
			return rc;
	struct jinja_value m;
	tp->have_generate_schema = jinja_env_find_macro(tp->env, p->name, "generate_schema_name", &m);
	tp->have_generate_alias = jinja_env_find_macro(tp->env, p->name, "generate_alias_name", &m);
	tp->have_generate_database =
		jinja_env_find_macro(tp->env, p->name, "generate_database_name", &m);
	/* properties files */
	pendvec pv = VEC_INIT;
	for (size_t i = 0; i < tp->packages.len && !rc; i++) {
		struct tf_package *pk = &tp->packages.items[i];
		foundvec fv = VEC_INIT;
		const struct ystrlist *lists[] = {&pk->paths.model, &pk->paths.seed, &pk->paths.snapshot,
						  &pk->paths.analysis, &pk->paths.macro};
		for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
			find_files(tp, pk->root, lists[l], "**/*.yml", &fv);
			find_files(tp, pk->root, lists[l], "**/*.yaml", &fv);
		}
		for (size_t j = 0; j < fv.len && !rc; j++)
			rc = load_props_file(tp, pk, &fv.items[j], &pv, e);
		vec_free(&fv);
	}
	if (!rc)
		rc = add_sources(tp, &pv, e);
	if (rc) {
		vec_free(&pv);
		return rc;
	}
	resolve_configs(tp);
	warn_unused_paths(tp);
	/* in-file config() and ref()/source() calls: rendered, or taken from
	 * the partial parse cache when nothing the render reads has changed */
	tf__pp_begin(tp);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype == TF_SEED || n->rtype == TF_SOURCE || n->rtype == TF_EXPOSURE)
			continue;
		if (n->tmpl && n->status != TF_ST_ERROR && !(n->rtype == TF_TEST && n->test) &&
		    !tf__pp_reuse(tp, n)) {
			tf__pp_record_begin(tp, n);
			int prc = tf__parse_render(tp, n);
			tf__pp_record_end(tp, n, prc == 0);
		}
	}
	tf__pp_end(tp);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		n->enabled = tf_cfg_bool(n, "enabled", true);
		n->materialized = tf_cfg_str(n, "materialized", "view");
	}
	rc = make_tests(tp, &pv, e);
	vec_free(&pv);
	if (rc)
		return rc;
	/* tests of disabled nodes are disabled */
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype == TF_TEST && n->test) {
			n->enabled = tf_cfg_bool(n, "enabled", true);
			n->materialized = "test";
			if (n->attached >= 0 && !tp->nodes.items[n->attached]->enabled)
				n->enabled = false;
		}
	}
	tf_unit_resolve(tp);
	if ((rc = tf__semantic_link(tp, e)))
		return rc;
	link_deps(tp);
	check_access(tp);
	if ((rc = find_cycles(tp, e)))
		return rc;
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype == TF_SOURCE || n->rtype == TF_EXPOSURE || tf_is_semantic(n->rtype) ||
		    !n->enabled)
			continue;
		if (n->rtype == TF_UNIT_TEST) {
			n->database = tp->target->database;
			n->schema = tp->target->schema;
			n->alias = n->name;
			continue;
		}
		struct err ne = ERR_INIT;
		if (tf_resolve_relation(tp, n, &ne) || check_ident_lengths(tp, n, &ne) ||
		    check_strategy(tp, n, &ne))
			node_error(tp, n, &ne);
	}
	return 0;
}

void tf_proj_free(struct tf_proj *tp)
{
	if (!tp)
		return;
	tf__pp_free(tp);
	strmap_free(&tp->render_cache, NULL);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		vec_free(&n->refs);
		vec_free(&n->src_refs);
		vec_free(&n->src_at);
		vec_free(&n->deps);
		vec_free(&n->children);
		vec_free(&n->macro_deps);
		vec_free(&n->ephemerals);
		vec_free(&n->inc_tests);
		free(n->proof_sql);
		free(n->kept_keys);
		free(n->compiled);
		free(n->message);
		free(n->batch_ok);
		free(n->batch_failed);
		buf_free(&n->run_sql);
	}
	vec_free(&tp->nodes);
	vec_free(&tp->packages);
	vec_free(&tp->macros);
	vec_free(&tp->docs);
	vec_free(&tp->groups);
	strmap_free(&tp->by_id, NULL);
	strmap_free(&tp->model_names, NULL);
	strmap_free(&tp->latest, NULL);
	strmap_free(&tp->cfg_used, NULL);
	for (size_t i = 0; i < tp->warnings.len; i++)
		free(tp->warnings.items[i]);
	vec_free(&tp->warnings);
	strmap_free(&tp->rel_cache, NULL);
	strmap_free(&tp->rel_schemas, NULL);
	strmap_free(&tp->created_schemas, NULL);
	strmap_free(&tp->deferred, NULL);
	err_clear(&tp->parse_errors);
	pthread_mutex_destroy(&tp->render_lock);
	pthread_mutex_destroy(&tp->rel_lock);
	jinja_env_free(tp->env);
	if (tp->render_arena)
		arena_free(tp->render_arena);
	arena_free(tp->arena);
	free(tp);
}
