/*
 * transform/artifacts.c — target/manifest.json (v12), run_results.json
 * (v6), catalog.json (v1), and the compiled/ and run/ trees.
 *
 * The layouts are dbt's, so tools that read dbt artifacts (docs sites,
 * state comparison, CI reporters) read ours: the same top-level keys, the
 * same node fields and unique ids, parent_map/child_map sorted. Fields
 * that describe dbt features ingot does not have (semantic models,
 * metrics, unit tests, groups) are present and empty. The JSON artifacts
 * are written whole to a temporary name and renamed (core/fs.h), so a
 * reader never sees half an artifact; the compiled/ and run/ listings are
 * plain writes (they are per-node listings for humans, and fsyncing
 * thousands of files would cost more than building the models). Every
 * file goes to the run's own directory (tp->art_dir, <target>/runs/<id>/);
 * runs.c publishes them as the latest in target/.
 */
#include "transform/tf_int.h"
#include "transform/semantic.h"
#include "core/digest.h"
#include "core/dtoa.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/version.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tf_json_value(struct jw *w, struct jinja_value v)
{
	switch (v.type) {
	case JINJA_NONE:
	case JINJA_UNDEFINED: jw_null(w); break;
	case JINJA_BOOL: jw_bool(w, v.u.b); break;
	case JINJA_INT: jw_int(w, v.u.i); break;
	case JINJA_FLOAT: jw_double(w, v.u.f); break;
	case JINJA_STR: jw_strn(w, v.u.s, v.len); break;
	case JINJA_LIST:
	case JINJA_TUPLE:
		jw_arr_begin(w);
		for (size_t i = 0; i < jinja_list_len(v); i++)
			tf_json_value(w, jinja_list_get(v, i));
		jw_arr_end(w);
		break;
	case JINJA_DICT:
		jw_obj_begin(w);
		for (size_t i = 0; i < jinja_dict_len(v); i++) {
			struct jinja_value k = jinja_dict_key(v, i);
			if (k.type == JINJA_STR) {
				char *ks = xstrndup(k.u.s, k.len);
				jw_key(w, ks);
				free(ks);
			} else {
				jw_key(w, "?");
			}
			tf_json_value(w, jinja_dict_val(v, i));
		}
		jw_obj_end(w);
		break;
	default: {
		struct buf b = BUF_INIT;
		jinja_value_str(NULL, v, &b);
		jw_strn(w, buf_cstr(&b), b.len);
		buf_free(&b);
	}
	}
}


/* Every node's created_at is the run's start: formatted once (the
 * shortest round-trip text takes up to 17 printf/strtod pairs, which for
 * thousands of nodes was a tenth of a manifest's cost). */
static void created_at(struct jw *w, const struct tf_proj *tp)
{
	static _Thread_local int64_t done_us = -1;
	static _Thread_local char txt[DTOA_BUFSZ];
	if (done_us != tp->run_started_us) {
		dtoa_repr((double)tp->run_started_us / 1e6, txt);
		done_us = tp->run_started_us;
	}
	jw_raw(w, txt);
}
static void ynode_json(struct jw *w, const struct ynode *n, struct arena *a)
{
	tf_json_value(w, tf_yaml_value(a, n));
}

static void iso_now(char out[40])
{
	ts_format_iso(now_us(), out);
}

static void metadata(struct jw *w, struct tf_proj *tp, const char *schema)
{
	char ts[40];
	iso_now(ts);
	jw_key(w, "metadata");
	jw_obj_begin(w);
	jw_key(w, "dbt_schema_version");
	jw_str(w, schema);
	jw_key(w, "dbt_version");
	jw_str(w, INGOT_DBT_VERSION);
	jw_key(w, "generated_at");
	jw_str(w, ts);
	jw_key(w, "invocation_id");
	jw_str(w, tp->invocation_id);
	jw_key(w, "env");
	jw_obj_begin(w);
	jw_obj_end(w);
}

static void str_list(struct jw *w, struct jinja_value v)
{
	jw_arr_begin(w);
	if (v.type == JINJA_LIST || v.type == JINJA_TUPLE)
		for (size_t i = 0; i < jinja_list_len(v); i++)
			tf_json_value(w, jinja_list_get(v, i));
	jw_arr_end(w);
}

static void relation_name(struct jw *w, struct tf_proj *tp, struct tf_node *n)
{
	jw_key(w, "relation_name");
	if (n->rtype == TF_MODEL && n->materialized && !strcmp(n->materialized, "ephemeral")) {
		jw_null(w);
		return;
	}
	if (n->rtype == TF_TEST && !tf_test_store_as(n)) {
		jw_null(w);
		return;
	}
	struct buf b = BUF_INIT;
	tf_node_relation(tp, n, &b);
	jw_str(w, buf_cstr(&b));
	buf_free(&b);
}

static void columns_json(struct jw *w, const struct ynode *cols, struct arena *a)
{
	jw_key(w, "columns");
	jw_obj_begin(w);
	for (size_t i = 0; cols && cols->type == Y_SEQ && i < cols->n; i++) {
		const struct ynode *c = cols->items[i];
		const char *name = ymap_str(c, "name");
		if (!name)
			continue;
		jw_key(w, name);
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, name);
		jw_key(w, "description");
		const char *d = ymap_str(c, "description");
		jw_str(w, d ? d : "");
		jw_key(w, "meta");
		const struct ynode *m = ymap_get(c, "meta");
		if (m)
			ynode_json(w, m, a);
		else {
			jw_obj_begin(w);
			jw_obj_end(w);
		}
		jw_key(w, "data_type");
		jw_str(w, ymap_str(c, "data_type"));
		jw_key(w, "constraints");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "quote");
		jw_null(w);
		jw_key(w, "tags");
		const struct ynode *t = ymap_get(c, "tags");
		if (t)
			ynode_json(w, t, a);
		else {
			jw_arr_begin(w);
			jw_arr_end(w);
		}
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void fqn_json(struct jw *w, struct tf_node *n)
{
	jw_key(w, "fqn");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->nfqn; i++)
		jw_str(w, n->fqn[i]);
	jw_arr_end(w);
}

/* The identity keys every manifest entry starts with, in dbt's order. */
static void identity_json(struct jw *w, const char *name, const char *rtype, const char *package,
			  const char *path, const char *original_file_path, const char *unique_id)
{
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "resource_type");
	jw_str(w, rtype);
	jw_key(w, "package_name");
	jw_str(w, package);
	jw_key(w, "path");
	jw_str(w, path);
	jw_key(w, "original_file_path");
	jw_str(w, original_file_path);
	jw_key(w, "unique_id");
	jw_str(w, unique_id);
}

/* One hook as dbt's manifest writes it: {"sql", "transaction", "index"}.
 * A hook is written in config as a string or as {sql, transaction}. */
static void hook_json(struct jw *w, struct jinja_value h)
{
	struct jinja_value sql = h, tx = jinja_none();
	if (h.type == JINJA_DICT) {
		if (!jinja_dict_get_str(h, "sql", &sql))
			sql = jinja_none();
		jinja_dict_get_str(h, "transaction", &tx);
	}
	jw_obj_begin(w);
	jw_key(w, "sql");
	if (sql.type == JINJA_STR)
		jw_strn(w, sql.u.s, sql.len);
	else
		tf_json_value(w, sql);
	jw_key(w, "transaction");
	jw_bool(w, tx.type == JINJA_BOOL ? tx.u.b : true);
	jw_key(w, "index");
	jw_null(w);
	jw_obj_end(w);
}

/* A node's config, with pre-hook/post-hook normalized to lists of hook
 * objects as dbt writes them (a string in the config is a list of one). */
void tf_config_json(struct jw *w, struct jinja_value cfg)
{
	if (cfg.type != JINJA_DICT) {
		tf_json_value(w, cfg);
		return;
	}
	jw_obj_begin(w);
	for (size_t i = 0; i < jinja_dict_len(cfg); i++) {
		struct jinja_value k = jinja_dict_key(cfg, i), v = jinja_dict_val(cfg, i);
		if (k.type != JINJA_STR)
			continue;
		char *ks = xstrndup(k.u.s, k.len);
		jw_key(w, ks);
		if (!strcmp(ks, "pre-hook") || !strcmp(ks, "post-hook")) {
			jw_arr_begin(w);
			if (v.type == JINJA_LIST || v.type == JINJA_TUPLE) {
				for (size_t j = 0; j < jinja_list_len(v); j++)
					hook_json(w, jinja_list_get(v, j));
			} else if (v.type != JINJA_NONE && v.type != JINJA_UNDEFINED) {
				hook_json(w, v);
			}
			jw_arr_end(w);
		} else {
			tf_json_value(w, v);
		}
		free(ks);
	}
	jw_obj_end(w);
}

static void common(struct jw *w, struct tf_proj *tp, struct tf_node *n)
{
	jw_key(w, "database");
	jw_str(w, n->database);
	jw_key(w, "schema");
	jw_str(w, n->schema);
	identity_json(w, n->name, tf_rtype_name(n->rtype), n->package, n->path,
		      n->original_file_path, n->unique_id);
	fqn_json(w, n);
	(void)tp;
}

/* manifest v12 `unit_tests`: given/expect/overrides as written. */
static void unit_tests_json(struct jw *w, struct tf_proj *tp, struct arena *a)
{
	jw_key(w, "unit_tests");
	jw_obj_begin(w);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->enabled || n->rtype != TF_UNIT_TEST)
			continue;
		jw_key(w, n->unique_id);
		jw_obj_begin(w);
		identity_json(w, n->name, "unit_test", n->package, n->path, n->original_file_path,
			      n->unique_id);
		fqn_json(w, n);
		struct tf_node *m = n->attached >= 0 ? tp->nodes.items[n->attached] : NULL;
		jw_key(w, "model");
		jw_str(w, m ? m->name : "");
		static const char *const keys[] = {"given", "expect", "overrides"};
		for (size_t k = 0; k < 3; k++) {
			const struct ynode *y = ymap_get(n->props, keys[k]);
			jw_key(w, keys[k]);
			if (y)
				tf_json_value(w, tf_yaml_value(a, y));
			else if (k == 0)
				jw_raw(w, "[]");
			else
				jw_null(w);
		}
		jw_key(w, "description");
		jw_str(w, n->description ? n->description : "");
		jw_key(w, "depends_on");
		jw_obj_begin(w);
		jw_key(w, "macros");
		jw_raw(w, "[]");
		jw_key(w, "nodes");
		jw_arr_begin(w);
		if (m)
			jw_str(w, m->unique_id);
		jw_arr_end(w);
		jw_obj_end(w);
		jw_key(w, "config");
		tf_json_value(w, n->config);
		jw_key(w, "checksum");
		jw_str(w, n->checksum);
		jw_key(w, "schema");
		jw_str(w, n->schema);
		jw_key(w, "created_at");
		created_at(w, tp);
		jw_key(w, "versions");
		jw_null(w);
		jw_key(w, "version");
		jw_null(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

/* language, refs, sources and metrics of a node with code. */
static void code_refs_json(struct jw *w, struct tf_node *n)
{
	jw_key(w, "language");
	jw_str(w, "sql");
	jw_key(w, "refs");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->refs.len; i++) {
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, n->refs.items[i].name);
		jw_key(w, "package");
		jw_str(w, n->refs.items[i].package);
		jw_key(w, "version");
		if (n->refs.items[i].version)
			jw_int(w, n->refs.items[i].version);
		else
			jw_null(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "sources");
	jw_arr_begin(w);
	for (size_t i = 0; i + 1 < n->src_refs.len; i += 2) {
		jw_arr_begin(w);
		jw_str(w, n->src_refs.items[i]);
		jw_str(w, n->src_refs.items[i + 1]);
		jw_arr_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "metrics");
	jw_arr_begin(w);
	jw_arr_end(w);
}

static void node_json(struct jw *w, struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	jw_obj_begin(w);
	common(w, tp, n);
	jw_key(w, "alias");
	jw_str(w, n->alias);
	jw_key(w, "checksum");
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, n->rtype == TF_TEST && n->test ? "none" : "sha256");
	jw_key(w, "checksum");
	jw_str(w, n->rtype == TF_TEST && n->test ? "" : n->checksum);
	jw_obj_end(w);
	jw_key(w, "config");
	tf_config_json(w, n->config);
	jw_key(w, "tags");
	str_list(w, tf_cfg(n, "tags"));
	jw_key(w, "description");
	jw_str(w, n->description ? n->description : "");
	columns_json(w, n->columns, a);
	jw_key(w, "meta");
	tf_json_value(w, tf_cfg(n, "meta"));
	jw_key(w, "group");
	jw_str(w, tf_cfg_str(n, "group", NULL));
	jw_key(w, "docs");
	jw_obj_begin(w);
	jw_key(w, "show");
	jw_bool(w, true);
	jw_key(w, "node_color");
	jw_null(w);
	jw_obj_end(w);
	jw_key(w, "patch_path");
	if (n->props_file && n->rtype != TF_TEST)
		jw_str(w, arena_printf(a, "%s://%s", n->package, n->props_file));
	else
		jw_null(w);
	jw_key(w, "build_path");
	jw_null(w);
	jw_key(w, "unrendered_config");
	if (n->unrendered.type == JINJA_DICT)
		tf_json_value(w, n->unrendered);
	else {
		jw_obj_begin(w);
		jw_obj_end(w);
	}
	jw_key(w, "created_at");
	created_at(w, tp);
	relation_name(w, tp, n);
	jw_key(w, "raw_code");
	jw_strn(w, n->raw_code ? n->raw_code : "", n->raw_code ? n->raw_len : 0);
	/* A seed has no code to compile: dbt's Seed node has neither language,
	 * refs, sources, metrics nor compiled_path, and depends on macros only
	 * (manifest v12 schema, additionalProperties false). */
	bool seed = n->rtype == TF_SEED;
	if (!seed)
		code_refs_json(w, n);
	jw_key(w, "depends_on");
	jw_obj_begin(w);
	jw_key(w, "macros");
	jw_arr_begin(w);
	if (n->rtype == TF_TEST && n->test)
		jw_str(w, arena_printf(a, "macro.%s.test_%s", n->test->ns ? n->test->ns : "dbt",
				       n->test->name));
	jw_arr_end(w);
	if (!seed) {
		jw_key(w, "nodes");
		jw_arr_begin(w);
		for (size_t i = 0; i < n->deps.len; i++)
			jw_str(w, tp->nodes.items[n->deps.items[i]]->unique_id);
		jw_arr_end(w);
	}
	jw_obj_end(w);
	if (!seed) {
		jw_key(w, "compiled_path");
		if (n->compiled)
			jw_str(w, arena_printf(a, "target/compiled/%s/%s%s%s", n->package,
					       n->original_file_path,
					       n->rtype == TF_TEST && n->test ? "/" : "",
					       n->rtype == TF_TEST && n->test ? n->path : ""));
		else
			jw_null(w);
	}
	if (n->compiled && !seed) {
		jw_key(w, "compiled");
		jw_bool(w, true);
		jw_key(w, "compiled_code");
		jw_str(w, n->compiled);
		jw_key(w, "extra_ctes_injected");
		jw_bool(w, true);
		jw_key(w, "extra_ctes");
		jw_arr_begin(w);
		jw_arr_end(w);
	}
	if (n->rtype == TF_MODEL) {
		jw_key(w, "contract");
		jw_obj_begin(w);
		jw_key(w, "enforced");
		jw_bool(w, false);
		jw_key(w, "alias_types");
		jw_bool(w, true);
		jw_key(w, "checksum");
		jw_null(w);
		jw_obj_end(w);
		jw_key(w, "access");
		jw_str(w, tf_cfg_str(n, "access", "protected"));
		jw_key(w, "constraints");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "version");
		if (n->model_version)
			jw_int(w, n->model_version);
		else
			jw_null(w);
		jw_key(w, "latest_version");
		if (n->latest_version)
			jw_int(w, n->latest_version);
		else
			jw_null(w);
		jw_key(w, "deprecation_date");
		jw_null(w);
	}
	if (n->rtype == TF_TEST && n->test) {
		jw_key(w, "test_metadata");
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, n->test->name);
		jw_key(w, "kwargs");
		jw_obj_begin(w);
		for (size_t i = 0; i < n->test->nkw; i++) {
			jw_key(w, n->test->kw[i].key);
			if (n->test->kw[i].str_val)
				jw_str(w, n->test->kw[i].str_val);
			else
				ynode_json(w, n->test->kw[i].val, a);
		}
		jw_obj_end(w);
		jw_key(w, "namespace");
		jw_str(w, n->test->ns);
		jw_obj_end(w);
		jw_key(w, "column_name");
		jw_str(w, n->column_name);
		jw_key(w, "file_key_name");
		if (n->attached >= 0)
			jw_str(w, arena_printf(a, "%ss.%s", tf_rtype_name(tp->nodes.items[n->attached]->rtype),
					       tp->nodes.items[n->attached]->name));
		else if (n->src_refs.len >= 2)
			jw_str(w, arena_printf(a, "sources.%s", n->src_refs.items[0]));
		else
			jw_null(w);
		jw_key(w, "attached_node");
		jw_str(w, n->attached >= 0 ? tp->nodes.items[n->attached]->unique_id : NULL);
	}
	jw_obj_end(w);
}

static void source_json(struct jw *w, struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	const struct src_table *t = n->src;
	jw_obj_begin(w);
	common(w, tp, n);
	jw_key(w, "source_name");
	jw_str(w, t->source->name);
	jw_key(w, "source_description");
	jw_str(w, t->source->description ? t->source->description : "");
	jw_key(w, "loader");
	jw_str(w, t->source->loader ? t->source->loader : "");
	jw_key(w, "identifier");
	jw_str(w, t->identifier);
	jw_key(w, "quoting");
	jw_obj_begin(w);
	jw_obj_end(w);
	jw_key(w, "loaded_at_field");
	jw_str(w, t->loaded_at_field);
	jw_key(w, "freshness");
	if (t->freshness)
		ynode_json(w, t->freshness, a);
	else
		jw_null(w);
	jw_key(w, "external");
	if (t->external && t->external->node)
		ynode_json(w, t->external->node, a);
	else
		jw_null(w);
	jw_key(w, "description");
	jw_str(w, t->description ? t->description : "");
	jw_key(w, "columns");
	jw_obj_begin(w);
	for (size_t i = 0; i < t->ncolumns; i++) {
		jw_key(w, t->columns[i].name);
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, t->columns[i].name);
		jw_key(w, "description");
		jw_str(w, t->columns[i].description ? t->columns[i].description : "");
		jw_key(w, "meta");
		jw_obj_begin(w);
		jw_obj_end(w);
		jw_key(w, "data_type");
		jw_str(w, t->columns[i].data_type);
		jw_key(w, "constraints");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_key(w, "quote");
		jw_null(w);
		jw_key(w, "tags");
		jw_arr_begin(w);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_key(w, "meta");
	if (t->meta)
		ynode_json(w, t->meta, a);
	else {
		jw_obj_begin(w);
		jw_obj_end(w);
	}
	jw_key(w, "source_meta");
	if (t->source->meta)
		ynode_json(w, t->source->meta, a);
	else {
		jw_obj_begin(w);
		jw_obj_end(w);
	}
	jw_key(w, "tags");
	if (t->tags)
		ynode_json(w, t->tags, a);
	else {
		jw_arr_begin(w);
		jw_arr_end(w);
	}
	jw_key(w, "config");
	jw_obj_begin(w);
	jw_key(w, "enabled");
	jw_bool(w, true);
	jw_obj_end(w);
	jw_key(w, "patch_path");
	jw_null(w);
	jw_key(w, "unrendered_config");
	jw_obj_begin(w);
	jw_obj_end(w);
	relation_name(w, tp, n);
	jw_key(w, "created_at");
	created_at(w, tp);
	jw_obj_end(w);
}

static int cmp_uid(const void *x, const void *y)
{
	const struct tf_node *const *a = x, *const *b = y;
	return strcmp((*a)->unique_id, (*b)->unique_id);
}

static void id_list(struct jw *w, struct tf_proj *tp, const int *idx, size_t n)
{
	struct tf_node **v = xmalloc((n + 1) * sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (tp->nodes.items[idx[i]]->enabled)
			v[k++] = tp->nodes.items[idx[i]];
	qsort(v, k, sizeof(*v), cmp_uid);
	jw_arr_begin(w);
	for (size_t i = 0; i < k; i++)
		if (!i || strcmp(v[i]->unique_id, v[i - 1]->unique_id))
			jw_str(w, v[i]->unique_id);
	jw_arr_end(w);
	free(v);
}

/* A large artifact written as it is made: the JSON goes out in chunks
 * through an atomic file instead of being held whole (a 2,000-model
 * manifest is 14 MB: building it in one buffer touched 16 MB of fresh
 * memory, page by page, and copied it as it grew). Without an artifact
 * directory the chunks are dropped. */
struct art_stream {
	struct atomic_file af;
	bool open;
	int rc;
	struct err *e;
};

static void stream_open(struct art_stream *o, struct tf_proj *tp, const char *name, struct err *e)
{
	memset(o, 0, sizeof(*o));
	o->e = e;
	if (!tp->art_dir)
		return;
	o->rc = fs_mkdir_p(tp->art_dir, e);
	if (o->rc)
		return;
	char *path = path_join(tp->art_dir, name);
	o->rc = atomic_open(&o->af, path, e);
	o->open = !o->rc;
	free(path);
}

/* Write out what b holds once it is large (or always, with force). */
static void stream_flush(struct art_stream *o, struct buf *b, bool force)
{
	if (b->len < ((size_t)1 << 20) && !force)
		return;
	if (o->open && !o->rc && b->len && fwrite(b->data, 1, b->len, o->af.fp) != b->len)
		o->rc = err_set(o->e, ING_EIO, "cannot write %s: %s", o->af.path, strerror(errno));
	b->len = 0;
}

static int stream_close(struct art_stream *o, struct buf *b)
{
	stream_flush(o, b, true);
	if (o->open) {
		if (o->rc)
			atomic_abort(&o->af);
		else
			o->rc = atomic_commit(&o->af, o->e);
	}
	return o->rc;
}

/* A whole artifact in one buffer (the small ones): the same atomic file. */
static int write_file(struct tf_proj *tp, const char *name, struct buf *b, struct err *e)
{
	struct art_stream out;
	stream_open(&out, tp, name, e);
	return out.rc ? out.rc : stream_close(&out, b);
}

int tf_write_manifest(struct tf_proj *tp, struct err *e)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	struct art_stream out;
	stream_open(&out, tp, "manifest.json", e);
	if (out.rc) {
		arena_free(a);
		return out.rc;
	}
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	metadata(&w, tp, "https://schemas.getdbt.com/dbt/manifest/v12.json");
	char pid[33];
	digest_md5_hex(tp->p->name, strlen(tp->p->name), pid);
	jw_key(&w, "project_name");
	jw_str(&w, tp->p->name);
	jw_key(&w, "project_id");
	jw_str(&w, pid);
	jw_key(&w, "user_id");
	jw_null(&w);
	jw_key(&w, "send_anonymous_usage_stats");
	jw_bool(&w, false);
	jw_key(&w, "adapter_type");
	jw_str(&w, tp->engine);
	jw_obj_end(&w);
	/* nodes */
	jw_key(&w, "nodes");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->enabled || n->rtype == TF_SOURCE || n->rtype == TF_EXPOSURE ||
		    n->rtype == TF_UNIT_TEST || tf_is_semantic(n->rtype))
			continue;
		jw_key(&w, n->unique_id);
		node_json(&w, tp, n, a);
		stream_flush(&out, &b, false);
	}
	jw_obj_end(&w);
	jw_key(&w, "sources");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype != TF_SOURCE)
			continue;
		jw_key(&w, n->unique_id);
		source_json(&w, tp, n, a);
	}
	jw_obj_end(&w);
	jw_key(&w, "macros");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->macros.len; i++) {
		struct tf_macro_info *m = &tp->macros.items[i];
		jw_key(&w, m->unique_id);
		jw_obj_begin(&w);
		identity_json(&w, m->name, "macro", m->package, m->path, m->original_file_path,
			      m->unique_id);
		jw_key(&w, "macro_sql");
		jw_strn(&w, m->raw, m->raw_len);
		jw_key(&w, "depends_on");
		jw_raw(&w, "{\"macros\":[]}");
		jw_key(&w, "description");
		jw_str(&w, "");
		jw_key(&w, "meta");
		jw_raw(&w, "{}");
		jw_key(&w, "docs");
		jw_raw(&w, "{\"show\":true,\"node_color\":null}");
		jw_key(&w, "patch_path");
		jw_null(&w);
		jw_key(&w, "arguments");
		jw_raw(&w, "[]");
		jw_key(&w, "created_at");
		created_at(&w, tp);
		jw_key(&w, "supported_languages");
		jw_null(&w);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	jw_key(&w, "docs");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->docs.len; i++) {
		struct tf_doc *d = &tp->docs.items[i];
		jw_key(&w, d->unique_id);
		jw_obj_begin(&w);
		identity_json(&w, d->name, "doc", d->package, d->path, d->original_file_path,
			      d->unique_id);
		jw_key(&w, "block_contents");
		jw_str(&w, d->text);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	jw_key(&w, "exposures");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype != TF_EXPOSURE)
			continue;
		jw_key(&w, n->unique_id);
		jw_obj_begin(&w);
		identity_json(&w, n->name, "exposure", n->package, n->path, n->original_file_path,
			      n->unique_id);
		fqn_json(&w, n);
		const char *ty = ymap_str(n->exposure, "type");
		jw_key(&w, "type");
		jw_str(&w, ty ? ty : "");
		jw_key(&w, "owner");
		const struct ynode *ow = ymap_get(n->exposure, "owner");
		if (ow)
			ynode_json(&w, ow, a);
		else
			jw_raw(&w, "{}");
		jw_key(&w, "description");
		jw_str(&w, n->description);
		const char *url = ymap_str(n->exposure, "url");
		jw_key(&w, "url");
		jw_str(&w, url);
		const char *mat = ymap_str(n->exposure, "maturity");
		jw_key(&w, "maturity");
		jw_str(&w, mat);
		jw_key(&w, "depends_on");
		jw_obj_begin(&w);
		jw_key(&w, "macros");
		jw_raw(&w, "[]");
		jw_key(&w, "nodes");
		id_list(&w, tp, n->deps.items, n->deps.len);
		jw_obj_end(&w);
		jw_key(&w, "refs");
		jw_arr_begin(&w);
		for (size_t r = 0; r < n->refs.len; r++) {
			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, n->refs.items[r].name);
			jw_key(&w, "package");
			jw_null(&w);
			jw_key(&w, "version");
			jw_null(&w);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "sources");
		jw_raw(&w, "[]");
		jw_key(&w, "created_at");
		created_at(&w, tp);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	/* groups, and group_map: group name -> its nodes */
	jw_key(&w, "groups");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->groups.len; i++) {
		const struct tf_group *g = &tp->groups.items[i];
		jw_key(&w, g->unique_id);
		jw_obj_begin(&w);
		jw_key(&w, "name");
		jw_str(&w, g->name);
		jw_key(&w, "resource_type");
		jw_str(&w, "group");
		jw_key(&w, "package_name");
		jw_str(&w, g->package);
		jw_key(&w, "path");
		jw_str(&w, g->path);
		jw_key(&w, "original_file_path");
		jw_str(&w, g->original_file_path);
		jw_key(&w, "unique_id");
		jw_str(&w, g->unique_id);
		jw_key(&w, "owner");
		tf_json_value(&w, tf_yaml_value(a, g->owner));
		jw_key(&w, "description");
		jw_str(&w, g->description);
		jw_key(&w, "config");
		jw_raw(&w, "{\"meta\":{}}");
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	jw_key(&w, "group_map");
	jw_obj_begin(&w);
	for (size_t i = 0; i < tp->groups.len; i++) {
		jw_key(&w, tp->groups.items[i].name);
		jw_arr_begin(&w);
		for (size_t k = 0; k < tp->nodes.len; k++) {
			struct tf_node *n = tp->nodes.items[k];
			const char *g = n->enabled ? tf_cfg_str(n, "group", NULL) : NULL;
			if (g && !strcmp(g, tp->groups.items[i].name))
				jw_str(&w, n->unique_id);
		}
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	tf__semantic_manifest(&w, tp, a);
	static const char *const empty[] = {"selectors", "disabled"};
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		jw_key(&w, empty[i]);
		jw_raw(&w, "{}");
	}
	unit_tests_json(&w, tp, a);
	/* parent_map / child_map */
	for (int pass = 0; pass < 2; pass++) {
		jw_key(&w, pass ? "child_map" : "parent_map");
		jw_obj_begin(&w);
		for (size_t i = 0; i < tp->nodes.len; i++) {
			struct tf_node *n = tp->nodes.items[i];
			if (!n->enabled)
				continue;
			jw_key(&w, n->unique_id);
			if (pass)
				id_list(&w, tp, n->children.items, n->children.len);
			else
				id_list(&w, tp, n->deps.items, n->deps.len);
		}
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	int rc = stream_close(&out, &b);
	buf_free(&b);
	arena_free(a);
	return rc;
}

static const char *status_name(const struct tf_node *n)
{
	if (n->status == TF_ST_ERROR && n->partial)
		return "partial success"; /* dbt 1.9: some microbatch batches failed */
	switch (n->status) {
	case TF_ST_SUCCESS: return "success";
	case TF_ST_PASS: return "pass";
	case TF_ST_WARN: return "warn";
	case TF_ST_FAIL: return "fail";
	case TF_ST_ERROR: return "error";
	case TF_ST_SKIPPED: return "skipped";
	default: return "success";
	}
}

int tf_write_run_results(struct tf_proj *tp, const char *verb, double elapsed, struct err *e)
{
	struct buf b = BUF_INIT;
	struct art_stream out;
	stream_open(&out, tp, "run_results.json", e);
	if (out.rc)
		return out.rc;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	metadata(&w, tp, "https://schemas.getdbt.com/dbt/run-results/v6.json");
	jw_obj_end(&w);
	jw_key(&w, "results");
	jw_arr_begin(&w);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->selected || n->status == TF_ST_NONE)
			continue;
		jw_obj_begin(&w);
		jw_key(&w, "status");
		jw_str(&w, status_name(n));
		jw_key(&w, "timing");
		jw_arr_begin(&w);
		if (n->started_us && n->status != TF_ST_SKIPPED) {
			char t1[40], t2[40], t3[40];
			ts_format_iso(n->started_us, t1);
			ts_format_iso(n->compiled_us ? n->compiled_us : n->started_us, t2);
			ts_format_iso(n->done_us ? n->done_us : n->started_us, t3);
			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, "compile");
			jw_key(&w, "started_at");
			jw_str(&w, t1);
			jw_key(&w, "completed_at");
			jw_str(&w, t2);
			jw_obj_end(&w);
			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, "execute");
			jw_key(&w, "started_at");
			jw_str(&w, t2);
			jw_key(&w, "completed_at");
			jw_str(&w, t3);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "thread_id");
		char th[32];
		snprintf(th, sizeof(th), "Thread-%d (worker)", n->thread_id + 1);
		jw_str(&w, th);
		jw_key(&w, "execution_time");
		jw_double(&w, n->exec_time);
		jw_key(&w, "adapter_response");
		jw_obj_begin(&w);
		if (n->adapter_code && n->status != TF_ST_SKIPPED) {
			jw_key(&w, "_message");
			char msg[64];
			if (n->rows_affected >= 0)
				snprintf(msg, sizeof(msg), "%s %lld", n->adapter_code, (long long)n->rows_affected);
			else
				snprintf(msg, sizeof(msg), "%s", n->adapter_code);
			jw_str(&w, msg);
			jw_key(&w, "code");
			jw_str(&w, n->adapter_code);
			jw_key(&w, "rows_affected");
			jw_int(&w, n->rows_affected);
		}
		jw_obj_end(&w);
		jw_key(&w, "message");
		if (n->message)
			jw_str(&w, n->message);
		else if (n->status == TF_ST_SKIPPED || n->status == TF_ST_PASS)
			jw_null(&w);
		else
			jw_str(&w, n->adapter_code ? n->adapter_code : "OK");
		jw_key(&w, "failures");
		if ((n->rtype == TF_TEST || n->rtype == TF_UNIT_TEST) && n->status != TF_ST_SKIPPED &&
		    n->status != TF_ST_ERROR)
			jw_int(&w, n->failures);
		else
			jw_null(&w);
		jw_key(&w, "unique_id");
		jw_str(&w, n->unique_id);
		if (n->batch_ok && n->status != TF_ST_SKIPPED) {
			/* dbt 1.9's per-batch results of a microbatch model */
			jw_key(&w, "batch_results");
			jw_obj_begin(&w);
			jw_key(&w, "successful");
			jw_raw(&w, n->batch_ok);
			jw_key(&w, "failed");
			jw_raw(&w, n->batch_failed ? n->batch_failed : "[]");
			jw_obj_end(&w);
		}
		jw_key(&w, "compiled");
		jw_bool(&w, n->compiled != NULL);
		jw_key(&w, "compiled_code");
		jw_str(&w, n->compiled);
		relation_name(&w, tp, n);
		jw_obj_end(&w);
		stream_flush(&out, &b, false);
	}
	jw_arr_end(&w);
	jw_key(&w, "elapsed_time");
	jw_double(&w, elapsed);
	jw_key(&w, "args");
	jw_obj_begin(&w);
	jw_key(&w, "which");
	jw_str(&w, verb);
	jw_key(&w, "full_refresh");
	jw_bool(&w, tp->full_refresh);
	if (tp->opts && tp->opts->select) {
		jw_key(&w, "select");
		jw_str(&w, tp->opts->select);
	}
	/* what `retry` reuses of this invocation, as dbt reads its args */
	if (tp->opts && tp->opts->exclude) {
		jw_key(&w, "exclude");
		jw_str(&w, tp->opts->exclude);
	}
	if (tp->opts && tp->opts->threads > 0) {
		jw_key(&w, "threads");
		jw_int(&w, tp->opts->threads);
	}
	if (tp->cli_vars.type == JINJA_DICT && jinja_dict_len(tp->cli_vars)) {
		jw_key(&w, "vars");
		tf_json_value(&w, tp->cli_vars);
	}
	if (tp->target && tp->target->name) {
		jw_key(&w, "target");
		jw_str(&w, tp->target->name);
	}
	jw_obj_end(&w);
	jw_obj_end(&w);
	int rc = stream_close(&out, &b);
	buf_free(&b);
	return rc;
}

/* Is the published listing pub (target/compiled/..., target/run/...)
 * byte-identical to sql? Then hard-link that very file (the inode just
 * compared, through /proc/self/fd) as this run's listing: no new file,
 * and publishing finds the same inode and keeps it without reading either
 * (runs.c). Published listings are only ever replaced by a rename, never
 * rewritten, so the linked bytes stay the compared ones. False when
 * anything differs or fails: the caller writes the file. */
static bool link_published(const char *pub, const char *path, const char *sql, size_t len)
{
	/* O_NOFOLLOW: a symlink someone put in target/ is not followed out
	 * of it; such a name gets a written file */
	int fd = open(pub, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len;
	char chunk[8192];
	for (size_t off = 0; same && off < len;) {
		size_t want = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
		ssize_t r = read(fd, chunk, want);
		if (r < 0 && errno == EINTR)
			continue;
		same = r > 0 && !memcmp(chunk, sql + off, (size_t)r);
		off += r > 0 ? (size_t)r : 0;
	}
	if (same) {
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		same = linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0;
	}
	close(fd);
	return same;
}

/* dirs (may be NULL): the directories this writer already made or found,
 * so a build's thousands of listings cost no stat of their directory. */
static int write_plain(const char *path, const char *pub, const char *sql, size_t len,
		       struct strmap *dirs, struct err *e)
{
	char *dir = path_dirname(path);
	/* compiled/ and run/ are per-node listings: a plain write (no fsync
	 * per file: a build writes thousands). They go to the run's own
	 * fresh directory, never over a file a reader may hold (publishing
	 * hard-links them into target/, runs.c) */
	int rc = 0;
	if (!dirs || !strmap_has(dirs, dir)) {
		rc = fs_is_dir(dir) ? 0 : fs_mkdir_p(dir, e);
		if (!rc && dirs)
			strmap_put(dirs, dir, NULL);
	}
	free(dir);
	if (rc)
		return rc;
	if (pub && link_published(pub, path, sql, len))
		return 0;
	/* O_EXCL: a listing written twice in one run must not write through
	 * a link to a published file: the old name goes first */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST && unlink(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, ING_EIO, "cannot write %s: %s", path, strerror(errno));
	for (size_t off = 0; !rc && off < len;) {
		ssize_t w = write(fd, sql + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = err_set(e, ING_EIO, "cannot write %s: %s", path,
				     w < 0 ? strerror(errno) : "short write");
		else
			off += (size_t)w;
	}
	if (close(fd) && !rc)
		rc = err_set(e, ING_EIO, "cannot write %s: %s", path, strerror(errno));
	return rc;
}

/* The background writers: workers hand finished listings to two threads
 * so creating thousands of small files overlaps with the warehouse's work
 * instead of adding to every node's time. Two, because one was the end of
 * a compile: a listing costs five system calls (compare with the published
 * one, link it), and the 8,000 of a 2,000-model project took one thread
 * longer than rendering them all; the main thread sat waiting. A listing
 * goes to the queue its path hashes to, so two writes of one path in a run
 * keep their order (the later wins). */
#define WRITERS 2

struct wjob {
	struct wjob *next;
	char *path, *pub, *text;
	size_t len;
};

struct wqueue {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wjob *head, *tail;
	bool stop;
	int failures;
	char *first_failure;
	struct strmap dirs; /* the directories its thread made or found */
};

struct tf_writer {
	int n; /* queues with a thread */
	struct wqueue q[WRITERS];
};

static void *writer_main(void *arg)
{
	struct wqueue *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		struct wjob *j = w->head;
		if (!j)
			break;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		struct err e = ERR_INIT;
		int rc = write_plain(j->path, j->pub, j->text, j->len, &w->dirs, &e);
		pthread_mutex_lock(&w->mu);
		if (rc) {
			if (!w->failures++)
				w->first_failure = err_string(&e);
		}
		err_clear(&e);
		free(j->path);
		free(j->pub);
		free(j->text);
		free(j);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct tf_writer *tf_writer_start(void)
{
	struct tf_writer *w = xcalloc(1, sizeof(*w));
	for (int i = 0; i < WRITERS; i++) {
		struct wqueue *q = &w->q[w->n];
		pthread_mutex_init(&q->mu, NULL);
		pthread_cond_init(&q->cv, NULL);
		if (pthread_create(&q->th, NULL, writer_main, q)) {
			pthread_mutex_destroy(&q->mu);
			pthread_cond_destroy(&q->cv);
			break;
		}
		w->n++;
	}
	if (!w->n) { /* no thread: the caller writes each listing itself */
		free(w);
		return NULL;
	}
	return w;
}

int tf_writer_finish(struct tf_writer *w, struct err *e)
{
	if (!w)
		return 0;
	int failures = 0;
	char *first = NULL;
	for (int i = 0; i < w->n; i++) {
		struct wqueue *q = &w->q[i];
		pthread_mutex_lock(&q->mu);
		q->stop = true;
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
	for (int i = 0; i < w->n; i++) {
		struct wqueue *q = &w->q[i];
		pthread_join(q->th, NULL);
		failures += q->failures;
		if (!first) {
			first = q->first_failure;
			q->first_failure = NULL;
		}
		free(q->first_failure);
		strmap_free(&q->dirs, NULL);
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
	}
	int rc = 0;
	if (failures)
		rc = err_set(e, ING_EIO, "%d listing file%s not written: %s", failures,
			     failures == 1 ? "" : "s", first ? first : "");
	free(first);
	free(w);
	return rc;
}

int tf_write_node_file(struct tf_proj *tp, struct tf_node *n, const char *tree, const char *sql,
		       struct err *e)
{
	char *rel;
	if (n->rtype == TF_TEST && n->test)
		rel = xasprintf("%s/%s/%s/%s", tree, n->package, n->original_file_path, n->path);
	else
		rel = xasprintf("%s/%s/%s", tree, n->package, n->original_file_path);
	if (!tp->art_dir) {
		free(rel);
		return 0;
	}
	char *path = path_join(tp->art_dir, rel);
	/* the published listing of the same node (runs.c publishes the run's
	 * tree into target_path) */
	char *pub = tp->p->target_path ? path_join(tp->p->target_path, rel) : NULL;
	free(rel);
	size_t len = strlen(sql);
	struct tf_writer *w = tp->writer;
	if (w) {
		struct wjob *j = xmalloc(sizeof(*j));
		j->next = NULL;
		j->path = path;
		j->pub = pub;
		j->text = xstrndup(sql, len);
		j->len = len;
		struct wqueue *q = &w->q[w->n > 1 ? str_hash(path, strlen(path)) % (uint64_t)w->n : 0];
		pthread_mutex_lock(&q->mu);
		if (q->tail)
			q->tail->next = j;
		else
			q->head = j;
		q->tail = j;
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	int rc = write_plain(path, pub, sql, len, NULL, e);
	free(path);
	free(pub);
	return rc;
}

int tf_write_catalog(struct tf_proj *tp, struct wh_conn *c, struct err *e)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	metadata(&w, tp, "https://schemas.getdbt.com/dbt/catalog/v1.json");
	jw_obj_end(&w);
	int rc = 0;
	for (int pass = 0; pass < 2 && !rc; pass++) {
		jw_key(&w, pass ? "sources" : "nodes");
		jw_obj_begin(&w);
		for (size_t i = 0; i < tp->nodes.len && !rc; i++) {
			struct tf_node *n = tp->nodes.items[i];
			if (!n->enabled || (pass ? n->rtype != TF_SOURCE
						 : (n->rtype != TF_MODEL && n->rtype != TF_SEED &&
						    n->rtype != TF_SNAPSHOT)))
				continue;
			enum wh_rel_kind k = WH_REL_NONE;
			struct err ig = ERR_INIT;
			if (wh_relation_kind(c, n->schema, n->alias, &k, &ig) || k == WH_REL_NONE) {
				err_clear(&ig);
				continue;
			}
			struct wh_column_info *cols = NULL;
			size_t nc = 0;
			if (wh_list_columns(c, n->schema, n->alias, a, &cols, &nc, &ig)) {
				err_clear(&ig);
				continue;
			}
			jw_key(&w, n->unique_id);
			jw_obj_begin(&w);
			jw_key(&w, "metadata");
			jw_obj_begin(&w);
			jw_key(&w, "type");
			jw_str(&w, k == WH_REL_VIEW ? "VIEW" : "BASE TABLE");
			jw_key(&w, "schema");
			jw_str(&w, n->schema);
			jw_key(&w, "name");
			jw_str(&w, n->alias);
			jw_key(&w, "database");
			jw_str(&w, n->database);
			jw_key(&w, "comment");
			jw_null(&w);
			jw_key(&w, "owner");
			jw_null(&w);
			jw_obj_end(&w);
			jw_key(&w, "columns");
			jw_obj_begin(&w);
			for (size_t j = 0; j < nc; j++) {
				jw_key(&w, cols[j].name);
				jw_obj_begin(&w);
				jw_key(&w, "type");
				jw_str(&w, cols[j].data_type);
				jw_key(&w, "index");
				jw_int(&w, (int64_t)j + 1);
				jw_key(&w, "name");
				jw_str(&w, cols[j].name);
				jw_key(&w, "comment");
				jw_null(&w);
				jw_obj_end(&w);
			}
			jw_obj_end(&w);
			jw_key(&w, "stats");
			jw_raw(&w, "{\"has_stats\":{\"id\":\"has_stats\",\"label\":\"Has Stats?\","
				   "\"value\":false,\"include\":false,\"description\":"
				   "\"Indicates whether there are statistics for this table\"}}");
			jw_key(&w, "unique_id");
			jw_str(&w, n->unique_id);
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
	}
	jw_key(&w, "errors");
	jw_null(&w);
	jw_obj_end(&w);
	if (!rc)
		rc = write_file(tp, "catalog.json", &b, e);
	buf_free(&b);
	arena_free(a);
	return rc;
}
