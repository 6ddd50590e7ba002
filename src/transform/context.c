/*
 * transform/context.c — the dbt Jinja context: ref, source, this, config,
 * var, env_var, target, is_incremental, run_query, statement/load_result,
 * log, print, exceptions, adapter (dispatch, quote, get_relation, ...),
 * api.Relation / api.Column (relation.c, column.c), run_query's agate
 * tables (agate.c), modules.datetime / itertools (dtmod.c), modules.re
 * (pyre.c), invocation_id, run_started_at,
 * graph, load_relation; the smaller functions (set, zip, toyaml, ...) are
 * in ctxfns.c.
 *
 * Each render carries a struct tf_render (the render's user pointer) that
 * says which node is rendered, whether this is the parse pass (config()
 * and ref() record into the node, execute is False) or the execution pass
 * (ref() resolves to the built relation, run_query reaches the warehouse
 * through the worker's connection).
 *
 * Relations (relation.c) print as "database"."schema"."identifier", as
 * dbt's do; ref(), source() and this have type None as dbt's create_from
 * gives them, an ephemeral ref is a CTE.
 *
 * Not provided: agate's table computations (select, where, group_by ...),
 * adapter.drop_schema and the cache methods (materializations are native).
 */
#include "transform/tf_int.h"
#include "transform/semantic.h"
#include "transform/objmodel.h"
#include "core/digest.h"
#include "core/dtime.h"
#include "core/env.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/relver.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_R(c) ((struct tf_render *)jinja_rt_user((c)->rt))

/* ------------------------------------------------------------ relations */

/* The render's connection: compile's is made by the first render that
 * asks (tf_proj.conn_on_demand); NULL when there is none, as when the
 * warehouse cannot be opened (compile goes on without it). */
static struct wh_conn *render_conn(struct tf_render *r)
{
	struct tf_proj *tp = r->tp;
	if (!r->conn && tp->conn_on_demand) {
		if (!tp->conn_tried) {
			struct err e = ERR_INIT;
			tp->conn_tried = true;
			if (wh_connect(tp->db, &tp->conn_demanded, &e)) /* leaves it NULL */
				log_debug("compile goes on without the warehouse: %s", e.msg ? e.msg : "");
			err_clear(&e);
		}
		r->conn = tp->conn_demanded;
	}
	return r->conn;
}

/* one quoting rule, the adapter's (tp may be NULL: a relation rendered
 * outside a project gets the standard double quotes) */
static void quote_part(struct tf_proj *tp, struct buf *out, const char *s)
{
	wh_quote_ident(tp ? tp->db : NULL, s, out);
}

void tf_relation_text(struct tf_proj *tp, const char *database, const char *schema,
		      const char *ident, struct buf *out)
{
	bool any = false;
	if (database && *database && !wh_dbt_two_part_names(wh_adapter_for(tp->engine))) {
		quote_part(tp, out, database);
		any = true;
	}
	if (schema && *schema) {
		if (any)
			buf_putc(out, '.');
		quote_part(tp, out, schema);
		any = true;
	}
	if (ident && *ident) {
		if (any)
			buf_putc(out, '.');
		quote_part(tp, out, ident);
	}
}

void tf_node_relation(struct tf_proj *tp, const struct tf_node *n, struct buf *out)
{
	tf_relation_text(tp, n->database, n->schema, n->alias, out);
}

static struct jinja_value strv(struct arena *a, const char *s)
{
	return s ? jinja_str(a, s, (size_t)-1) : jinja_none();
}

static const struct wh_adapter *tp_ad(const struct tf_proj *tp)
{
	return wh_adapter_for(tp->engine);
}

/* A relation of this project's engine (type NULL: None, as dbt's ref,
 * source and this have it). */
static struct jinja_value rel_value(struct tf_proj *tp, struct arena *a, const char *db,
				    const char *schema, const char *ident, const char *type)
{
	return tf_rel_new(a, tp_ad(tp), db, schema, ident, type);
}

static const char *arg_cstr(const struct jinja_call *c, size_t i, const char *name)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, i, name, &v) || v.type == JINJA_NONE || v.type == JINJA_UNDEFINED)
		return NULL;
	if (v.type == JINJA_STR)
		return jinja_str_cstr(jinja_rt_arena(c->rt), v);
	struct buf b = BUF_INIT;
	jinja_value_str(c->rt, v, &b);
	const char *s = arena_strdup(jinja_rt_arena(c->rt), buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* ----------------------------------------------------- relation cache */

static char *rel_key(const char *schema, const char *name)
{
	char *k = xasprintf("%s.%s", schema ? schema : "", name);
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

void tf_rel_set(struct tf_proj *tp, const char *schema, const char *name, enum wh_rel_kind k)
{
	char *key = rel_key(schema, name);
	pthread_mutex_lock(&tp->rel_lock);
	strmap_put(&tp->rel_cache, key, (void *)(uintptr_t)(k + 1));
	pthread_mutex_unlock(&tp->rel_lock);
	free(key);
}

enum wh_rel_kind tf_rel_kind(struct tf_proj *tp, struct wh_conn *c, const char *schema,
			     const char *name)
{
	char *key = rel_key(schema, name);
	char *skey = rel_key(schema, "");
	enum wh_rel_kind kind = WH_REL_NONE;
	pthread_mutex_lock(&tp->rel_lock);
	void *v = strmap_get(&tp->rel_cache, key);
	bool have_schema = strmap_has(&tp->rel_schemas, skey);
	pthread_mutex_unlock(&tp->rel_lock);
	if (v) {
		kind = (enum wh_rel_kind)((uintptr_t)v - 1);
	} else if (!have_schema && c) {
		/* list the schema once; later lookups hit the cache */
		struct arena *a = arena_new(0);
		struct wh_relation_info *rels = NULL;
		size_t n = 0;
		struct err e = ERR_INIT;
		if (!wh_list_relations(c, schema, a, &rels, &n, &e)) {
			pthread_mutex_lock(&tp->rel_lock);
			for (size_t i = 0; i < n; i++) {
				char *k = rel_key(schema, rels[i].name);
				if (!strmap_has(&tp->rel_cache, k))
					strmap_put(&tp->rel_cache, k, (void *)(uintptr_t)(rels[i].kind + 1));
				if (!strcmp(k, key))
					kind = rels[i].kind;
				free(k);
			}
			strmap_put(&tp->rel_schemas, skey, (void *)1);
			pthread_mutex_unlock(&tp->rel_lock);
		}
		err_clear(&e);
		arena_free(a);
	}
	free(key);
	free(skey);
	return kind;
}

/* ------------------------------------------------------------- ref/source */

static struct jinja_value node_rel(struct tf_proj *tp, struct arena *a, struct tf_node *t)
{
	return rel_value(tp, a, t->database, t->schema, t->alias ? t->alias : t->name, NULL);
}

static const char *suggestion(struct arena *a, const char *best)
{
	return best ? arena_printf(a, " (did you mean '%s'?)", best) : "";
}

/* In a microbatch batch's render, an input whose config declares
 * event_time is read for the batch's window only (dbt 1.9). */
static struct jinja_value batch_filter(struct tf_render *r, struct arena *a, struct tf_node *t,
				       struct jinja_value rel)
{
	if (!r->batch || !t)
		return rel;
	const char *col = tf_cfg_str(t, "event_time", NULL);
	struct tf_rel *tr = tf_rel_of(rel);
	if (!col || !*col || !tr)
		return rel;
	char s1[40], s2[40];
	ts_format(r->batch_start, s1);
	ts_format(r->batch_end, s2);
	tr->et_col = arena_strdup(a, col);
	tr->et_start = arena_strdup(a, s1);
	tr->et_end = arena_strdup(a, s2);
	return rel;
}

static int fn_ref(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	const char *pkg = NULL, *name = NULL;
	int version = 0;
	size_t npos = c->nargs;
	if (npos == 1) {
		name = arg_cstr(c, 0, NULL);
	} else if (npos == 2) {
		pkg = arg_cstr(c, 0, NULL);
		name = arg_cstr(c, 1, NULL);
	}
	const char *v = NULL;
	for (size_t i = 0; i < c->nkwargs; i++)
		if (!strcmp(c->kwargs[i].name, "version") || !strcmp(c->kwargs[i].name, "v"))
			v = arg_cstr(c, 99, c->kwargs[i].name);
	if (v)
		version = atoi(v);
	if (!name)
		return jinja_rt_error(c->rt, ING_EINVAL, "ref() takes a model name (and optionally a package)");
	struct tf_node *self = r->node;
	if (r->parsing && self) {
		bool dup = false;
		for (size_t i = 0; i < self->refs.len; i++)
			if (!strcmp(self->refs.items[i].name, name) &&
			    !((self->refs.items[i].package == NULL) != (pkg == NULL)) &&
			    self->refs.items[i].version == version)
				dup = true;
		if (!dup) {
			struct tf_ref rf = {pkg ? arena_strdup(r->tp->arena, pkg) : NULL,
					    arena_strdup(r->tp->arena, name), version, {0}};
			if (jinja_rt_where(c->rt, &rf.at.file, &rf.at.line, &rf.at.col))
				rf.at.file = arena_strdup(r->tp->arena, rf.at.file);
			vec_push(&self->refs, rf);
		}
		struct tf_node *t = tf_find_ref(r->tp, self, pkg, name, version);
		*ret = t ? node_rel(r->tp, a, t)
			 : rel_value(r->tp, a, r->tp->target->database, r->tp->target->schema, name, NULL);
		return 0;
	}
	struct tf_node *t = tf_find_ref(r->tp, self, pkg, name, version);
	const char *fx;
	if (r->unit && t && (fx = strmap_get(&r->unit->inputs, t->unique_id))) {
		*ret = tf_rel_cte(a, tp_ad(r->tp), fx); /* a unit test's fixture */
		return 0;
	}
	if (!t || !t->enabled)
		return jinja_rt_error(c->rt, ING_ENOTFOUND,
				      "%s '%s' depends on a node named '%s' which %s%s",
				      self ? tf_rtype_name(self->rtype) : "template",
				      self ? self->unique_id : "", name, t ? "is disabled" : "was not found",
				      t ? "" : suggestion(a, tf__nearest_ref(r->tp, name)));
	if (t->rtype == TF_MODEL && t->materialized && !strcmp(t->materialized, "ephemeral")) {
		if (self) {
			bool have = false;
			for (size_t i = 0; i < self->ephemerals.len; i++)
				have |= self->ephemerals.items[i] == t->idx;
			if (!have)
				vec_push(&self->ephemerals, t->idx);
		}
		*ret = tf_rel_cte(a, tp_ad(r->tp), t->name);
		return 0;
	}
	/* --defer: an unselected model not built in this target resolves to
	 * the relation the --state manifest recorded for it */
	struct tf_deferred *d;
	if (!t->selected && strmap_count(&r->tp->deferred) &&
	    (d = strmap_get(&r->tp->deferred, t->unique_id)) &&
	    tf_rel_kind(r->tp, render_conn(r), t->schema, t->alias) == WH_REL_NONE) {
		*ret = batch_filter(r, a, t, rel_value(r->tp, a, d->database, d->schema, d->alias, NULL));
		return 0;
	}
	*ret = batch_filter(r, a, t, node_rel(r->tp, a, t));
	return 0;
}

static int fn_source(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	const char *s = arg_cstr(c, 0, "source_name"), *t = arg_cstr(c, 1, "table_name");
	if (!s || !t)
		return jinja_rt_error(c->rt, ING_EINVAL, "source() takes a source name and a table name");
	struct tf_node *n = tf_find_source(r->tp, s, t);
	if (r->parsing && r->node) {
		bool dup = false;
		for (size_t i = 0; i + 1 < r->node->src_refs.len; i += 2)
			dup |= !strcmp(r->node->src_refs.items[i], s) &&
			       !strcmp(r->node->src_refs.items[i + 1], t);
		if (!dup) {
			vec_push(&r->node->src_refs, arena_strdup(r->tp->arena, s));
			vec_push(&r->node->src_refs, arena_strdup(r->tp->arena, t));
			struct tf_loc at = {0};
			if (jinja_rt_where(c->rt, &at.file, &at.line, &at.col))
				at.file = arena_strdup(r->tp->arena, at.file);
			vec_push(&r->node->src_at, at);
		}
		*ret = n ? rel_value(r->tp, a, n->database, n->schema, n->alias, NULL)
			 : rel_value(r->tp, a, r->tp->target->database, s, t, NULL);
		return 0;
	}
	if (!n)
		return jinja_rt_error(c->rt, ING_ENOTFOUND,
				      "%s '%s' depends on a source named '%s.%s' which was not found%s",
				      r->node ? tf_rtype_name(r->node->rtype) : "template",
				      r->node ? r->node->unique_id : "", s, t,
				      suggestion(a, tf__nearest_source(r->tp, s, t)));
	const char *fx;
	if (r->unit && (fx = strmap_get(&r->unit->inputs, n->unique_id))) {
		*ret = tf_rel_cte(a, tp_ad(r->tp), fx); /* a unit test's fixture */
		return 0;
	}
	*ret = batch_filter(r, a, n, rel_value(r->tp, a, n->database, n->schema, n->alias, NULL));
	return 0;
}

/* ------------------------------------------------------------- config */

void tf__cfg_merge(struct arena *a, struct jinja_value cfg, const char *key, struct jinja_value v);

static int config_call(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	*ret = jinja_str_static("", 0);
	if (!r->parsing && r->node && r->node->rtype == TF_TEST && r->node->test &&
	    r->node->config.type == JINJA_DICT) {
		/* config() in a generic test's definition (fail_calc, warn_if,
		 * severity ...): generic tests render only here, so it applies
		 * now, below what the test's properties and dbt_project.yml set
		 * (a value still at the test default is replaced) */
		static const char *const dflt[][2] = {{"severity", "ERROR"}, {"warn_if", "!= 0"},
						       {"error_if", "!= 0"}, {"fail_calc", "count(*)"}};
		struct arena *ea = jinja_env_arena(r->tp->env);
		struct jinja_value have;
		for (size_t i = 0; i < c->nkwargs; i++) {
			const char *k = c->kwargs[i].name;
			bool set = !jinja_dict_get_str(r->node->config, k, &have);
			for (size_t d = 0; !set && d < ARRAY_SIZE(dflt); d++)
				set = !strcmp(k, dflt[d][0]) &&
				      jinja_value_eq(have, jinja_str_static(dflt[d][1], strlen(dflt[d][1])));
			if (set)
				tf__cfg_merge(ea, r->node->config, arena_strdup(ea, k),
					      jinja_value_copy(ea, c->kwargs[i].value));
		}
		return 0;
	}
	if (!r->parsing || !r->node)
		return 0;
	struct arena *ea = jinja_env_arena(r->tp->env);
	struct tf_node *n = r->node;
	tf__config_apply(r->tp, n, 'u', NULL, jinja_undefined());
	for (size_t i = 0; i < c->nkwargs; i++)
		tf__config_apply(r->tp, n, 'k', arena_strdup(ea, c->kwargs[i].name),
				 jinja_value_copy(ea, c->kwargs[i].value));
	/* config({'k': v}) form */
	if (c->nargs == 1 && c->args[0].type == JINJA_DICT)
		for (size_t i = 0; i < jinja_dict_len(c->args[0]); i++) {
			struct jinja_value k = jinja_dict_key(c->args[0], i);
			if (k.type == JINJA_STR)
				tf__config_apply(r->tp, n, 'd', jinja_str_cstr(ea, k),
						 jinja_value_copy(ea, jinja_dict_val(c->args[0], i)));
		}
	return 0;
}

/* One effect of an in-file config() call at parse time (also replayed by
 * partial parsing, pparse.c): 'u' makes the node's unrendered config dict,
 * 'k' merges a keyword into its config and unrendered config, 'd' merges
 * a key of config({...}) into its config. key and v live in the env's arena. */
void tf__config_apply(struct tf_proj *tp, struct tf_node *n, char op, const char *key,
		      struct jinja_value v)
{
	struct arena *ea = jinja_env_arena(tp->env);
	tf__pp_note_config(tp, op, key, v);
	if (op == 'u') {
		if (n->unrendered.type != JINJA_DICT)
			n->unrendered = jinja_dict_new(ea);
		return;
	}
	tf__cfg_merge(ea, n->config, key, v);
	if (op == 'k')
		jinja_dict_set_str(n->unrendered, key, v);
}

static int config_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	if (strcmp(name, "get") && strcmp(name, "require") && strcmp(name, "set"))
		return ING_ENOTFOUND;
	const char *key = arg_cstr(c, 0, "name");
	if (!key)
		return jinja_rt_error(c->rt, ING_EINVAL, "config.%s() takes a key", name);
	if (!strcmp(key, "pre_hook"))
		key = "pre-hook";
	if (!strcmp(key, "post_hook"))
		key = "post-hook";
	struct jinja_value v = jinja_undefined();
	if (r->node && r->node->config.type == JINJA_DICT)
		jinja_dict_get_str(r->node->config, key, &v);
	if (!strcmp(name, "require")) {
		if (v.type == JINJA_UNDEFINED)
			return jinja_rt_error(c->rt, ING_ENOTFOUND,
					      "required config '%s' was not provided", key);
		*ret = v;
		return 0;
	}
	if (!strcmp(name, "set"))
		return 0;
	if (v.type == JINJA_UNDEFINED || v.type == JINJA_NONE) {
		struct jinja_value d;
		if (!jinja_call_arg(c, 1, "default", &d))
			d = jinja_none();
		*ret = d;
		return 0;
	}
	*ret = v;
	return 0;
}

static int config_getattr(struct jinja_rt *rt, void *self, const char *name,
			  struct jinja_value *out)
{
	(void)self;
	struct tf_render *r = jinja_rt_user(rt);
	if (r->node && r->node->config.type == JINJA_DICT &&
	    jinja_dict_get_str(r->node->config, name, out))
		return 0;
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops config_ops = {
	.type_name = "Config",
	.call = config_call,
	.method = config_method,
	.getattr = config_getattr,
};

/* ---------------------------------------------------------- var/env_var */

static int fn_var(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	const char *name = arg_cstr(c, 0, "name");
	if (!name)
		return jinja_rt_error(c->rt, ING_EINVAL, "var() takes a variable name");
	struct jinja_value v;
	if (r->unit && r->unit->vars.type == JINJA_DICT && jinja_dict_get_str(r->unit->vars, name, &v)) {
		*ret = v; /* a unit test's overrides.vars */
		return 0;
	}
	if (jinja_dict_get_str(r->tp->cli_vars, name, &v)) {
		*ret = v;
		return 0;
	}
	const char *pkg = r->node ? r->node->package : r->tp->p->name;
	struct jinja_value pv;
	if (jinja_dict_get_str(r->tp->pkg_vars, pkg, &pv) && jinja_dict_get_str(pv, name, &v)) {
		*ret = v;
		return 0;
	}
	if (jinja_dict_get_str(r->tp->vars, name, &v)) {
		*ret = v;
		return 0;
	}
	if (jinja_call_arg(c, 1, "default", &v)) {
		*ret = v;
		return 0;
	}
	return jinja_rt_error(c->rt, ING_ENOTFOUND,
			      "Required var '%s' not found in config:\nVars supplied to %s = {}", name,
			      r->node ? r->node->name : "<project>");
}

static int fn_env_var(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *name = arg_cstr(c, 0, "var");
	if (!name)
		return jinja_rt_error(c->rt, ING_EINVAL, "env_var() takes a variable name");
	const struct tf_unit_ovr *u = RT_R(c)->unit;
	struct jinja_value ov;
	if (u && u->env.type == JINJA_DICT && jinja_dict_get_str(u->env, name, &ov)) {
		*ret = ov; /* a unit test's overrides.env_vars */
		return 0;
	}
	/* the command's environment: a handed-off command's is the client's */
	const char *v = env_get(RT_R(c)->tp->p->env, name);
	if (RT_R(c)->parsing)
		tf__pp_note_env(RT_R(c)->tp, name, v);
	if (v) {
		*ret = jinja_str(jinja_rt_arena(c->rt), v, (size_t)-1);
		return 0;
	}
	struct jinja_value d;
	if (jinja_call_arg(c, 1, "default", &d)) {
		*ret = d;
		return 0;
	}
	return jinja_rt_error(c->rt, ING_ENOTFOUND, "Env var required but not provided: '%s'", name);
}

/* ---------------------------------------------------- is_incremental */

static int fn_is_incremental(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct tf_node *n = r->node;
	*ret = jinja_bool(false);
	struct jinja_value ov;
	if (r->unit && r->unit->macros.type == JINJA_DICT &&
	    jinja_dict_get_str(r->unit->macros, "is_incremental", &ov)) {
		*ret = jinja_bool(jinja_truthy(ov)); /* a unit test's overrides.macros */
		return 0;
	}
	if (!n || r->parsing || !n->materialized || strcmp(n->materialized, "incremental"))
		return 0;
	struct jinja_value fr = tf_cfg(n, "full_refresh");
	bool full = r->tp->full_refresh;
	if (fr.type == JINJA_BOOL)
		full = fr.u.b;
	if (full)
		return 0;
	enum wh_rel_kind k = tf_rel_kind(r->tp, render_conn(r), n->schema, n->alias);
	*ret = jinja_bool(k == WH_REL_TABLE);
	return 0;
}

/* ---------------------------------------------------- log / exceptions */

static int fn_log(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value m, info;
	struct buf b = BUF_INIT;
	if (jinja_call_arg(c, 0, "msg", &m))
		jinja_value_str(c->rt, m, &b);
	bool i = jinja_call_arg(c, 1, "info", &info) && jinja_truthy(info);
	if (RT_R(c)->pure) {
		/* a hook looked at for the build state: said when it runs */
	} else if (i) {
		log_info("%s", buf_cstr(&b));
	} else {
		log_debug("%s", buf_cstr(&b));
	}
	buf_free(&b);
	*ret = jinja_str_static("", 0);
	return 0;
}

static int fn_print(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value m;
	struct buf b = BUF_INIT;
	if (jinja_call_arg(c, 0, "msg", &m))
		jinja_value_str(c->rt, m, &b);
	struct tf_render *r = RT_R(c);
	/* dbt's print() shows even with --quiet: the result stream first */
	const struct transform_opts *o = r->tp->opts;
	FILE *fp = o && !r->pure ? (o->out ? o->out : o->console) : NULL;
	if (fp)
		fprintf(fp, "%s\n", buf_cstr(&b));
	buf_free(&b);
	*ret = jinja_str_static("", 0);
	return 0;
}

static int exc_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct jinja_value m;
	struct buf b = BUF_INIT;
	if (jinja_call_arg(c, 0, "msg", &m))
		jinja_value_str(c->rt, m, &b);
	int rc = 0;
	if (!strcmp(name, "raise_compiler_error")) {
		rc = jinja_rt_error(c->rt, ING_EFAIL, "Compilation Error: %s", buf_cstr(&b));
	} else if (!strcmp(name, "warn")) {
		log_warn("%s", buf_cstr(&b));
		*ret = jinja_str_static("", 0);
	} else if (!strcmp(name, "raise_not_implemented")) {
		rc = jinja_rt_error(c->rt, ING_EUNSUPPORTED, "Not implemented: %s", buf_cstr(&b));
	} else if (!strcmp(name, "raise_database_error")) {
		rc = jinja_rt_error(c->rt, ING_EDB, "Database Error: %s", buf_cstr(&b));
	} else {
		rc = ING_ENOTFOUND;
	}
	buf_free(&b);
	return rc;
}

static const struct jinja_obj_ops exc_ops = {.type_name = "exceptions", .method = exc_method};

/* --------------------------------------------------- query results */

static int run_sql(const struct jinja_call *c, const char *sql, struct wh_result **res)
{
	struct tf_render *r = RT_R(c);
	if (!render_conn(r))
		return jinja_rt_error(c->rt, ING_EINVAL, "run_query needs a warehouse connection");
	struct err e = ERR_INIT;
	if (r->pure && relver_sql_writes(sql))
		return jinja_rt_error(c->rt, ING_EUNSUPPORTED,
				      "a statement that writes, rendered only to be looked at");
	if (r->log)
		buf_printf(r->log, "%s;\n", sql);
	int rc = wh_query(r->conn, sql, NULL, 0, res, &e);
	if (relver_sql_writes(sql))
		relver_bump_all(); /* run_query/statement: anything (core/relver.h) */
	if (rc) {
		rc = jinja_rt_error(c->rt, ING_EDB, "Database Error: %s", e.msg ? e.msg : "");
		err_clear(&e);
	}
	return rc;
}

static int fn_run_query(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	if (!r->execute) {
		*ret = jinja_none();
		return 0;
	}
	const char *sql = arg_cstr(c, 0, "sql");
	if (!sql)
		return jinja_rt_error(c->rt, ING_EINVAL, "run_query() takes SQL text");
	struct wh_result *res = NULL;
	int rc = run_sql(c, sql, &res);
	if (rc)
		return rc;
	*ret = tf_agate_table(jinja_rt_arena(c->rt), res);
	wh_result_free(res);
	return 0;
}

static int fn_statement(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	const char *name = arg_cstr(c, 0, "name");
	struct jinja_value fr;
	bool fetch = jinja_call_arg(c, 1, "fetch_result", &fr) && jinja_truthy(fr);
	*ret = jinja_str_static("", 0);
	if (c->caller.type == JINJA_UNDEFINED)
		return 0;
	struct jinja_value body;
	int rc = jinja_rt_call(c->rt, c->caller, NULL, 0, NULL, 0, jinja_undefined(), &body);
	if (rc)
		return rc;
	if (!r->execute)
		return 0;
	struct buf sql = BUF_INIT;
	jinja_value_str(c->rt, body, &sql);
	struct wh_result *res = NULL;
	rc = run_sql(c, buf_cstr(&sql), &res);
	buf_free(&sql);
	if (rc)
		return rc;
	if (name) {
		if (r->results.type != JINJA_DICT)
			r->results = jinja_dict_new(a);
		struct jinja_value d = jinja_dict_new(a);
		struct jinja_value resp = jinja_dict_new(a);
		jinja_dict_set_str(resp, "_message", jinja_str_static("OK", 2));
		jinja_dict_set_str(resp, "code", jinja_str_static("OK", 2));
		jinja_dict_set_str(resp, "rows_affected", jinja_int(res->rows_affected));
		jinja_dict_set_str(d, "response", resp);
		if (fetch) {
			struct jinja_value t = tf_agate_table(a, res);
			jinja_dict_set_str(d, "data", tf_agate_matrix(a, t));
			jinja_dict_set_str(d, "table", t);
		} else {
			jinja_dict_set_str(d, "data", jinja_list_new(a, 0));
			jinja_dict_set_str(d, "table", jinja_none());
		}
		jinja_dict_set(r->results, jinja_str(a, name, (size_t)-1), d);
	}
	wh_result_free(res);
	return 0;
}

static int fn_load_result(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	const char *name = arg_cstr(c, 0, "name");
	*ret = jinja_none();
	if (name && r->results.type == JINJA_DICT)
		jinja_dict_get_str(r->results, name, ret);
	return 0;
}

/* ----------------------------------------------------------- adapter */

static int dispatch(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct tf_proj *tp = r->tp;
	const char *name = arg_cstr(c, 0, "macro_name");
	const char *ns = arg_cstr(c, 1, "macro_namespace");
	if (!name)
		return jinja_rt_error(c->rt, ING_EINVAL, "adapter.dispatch() takes a macro name");
	const char *dot = strchr(name, '.');
	if (dot) {
		ns = arena_strndup(jinja_rt_arena(c->rt), name, (size_t)(dot - name));
		name = dot + 1;
	}
	const char *search[16];
	size_t ns_n = 0;
	struct jinja_value order;
	if (!ns) {
		search[ns_n++] = NULL;
	} else if (tp->dispatch.type == JINJA_DICT && jinja_dict_get_str(tp->dispatch, ns, &order) &&
		   (order.type == JINJA_LIST || order.type == JINJA_TUPLE)) {
		for (size_t i = 0; i < jinja_list_len(order) && ns_n < 15; i++) {
			struct jinja_value v = jinja_list_get(order, i);
			if (v.type == JINJA_STR)
				search[ns_n++] = jinja_str_cstr(jinja_rt_arena(c->rt), v);
		}
	} else {
		search[ns_n++] = tp->p->name;
		if (strcmp(ns, tp->p->name))
			search[ns_n++] = ns;
	}
	const char *prefixes[] = {tp->engine, "default"};
	struct arena *a = jinja_rt_arena(c->rt);
	for (size_t i = 0; i < ns_n; i++)
		for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++) {
			const char *full = arena_printf(a, "%s__%s", prefixes[p], name);
			if (jinja_env_find_macro(tp->env, search[i], full, ret))
				return 0;
		}
	return jinja_rt_error(c->rt, ING_ENOTFOUND,
			      "In dispatch: No macro named '%s' found within namespace: '%s'\n"
			      "    Searched for: '%s.%s__%s', '%s.default__%s'",
			      name, ns ? ns : tp->p->name, ns ? ns : tp->p->name, tp->engine, name,
			      ns ? ns : tp->p->name, name);
}

static struct jinja_value columns_value(struct tf_proj *tp, struct arena *a,
					const struct wh_column_info *cols, size_t n)
{
	struct jinja_value l = jinja_list_new(a, n);
	for (size_t i = 0; i < n; i++)
		jinja_list_push(l, tf_column_from_info(a, tp_ad(tp), &cols[i]));
	return l;
}

static int rel_parts(const struct jinja_call *c, size_t i, const char *kw, const char **schema,
		     const char **ident)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, i, kw, &v))
		return jinja_rt_error(c->rt, ING_EINVAL, "expected a relation");
	struct tf_rel *r = tf_rel_of(v);
	if (!r)
		return jinja_rt_error(c->rt, ING_EINVAL, "expected a relation, got %s",
				      jinja_type_name(v));
	*schema = r->schema;
	*ident = r->identifier;
	return 0;
}

/* adapter.drop_relation / truncate_relation / rename_relation /
 * create_schema, as dbt's default macros write them; the relation cache
 * follows. Parsing (execute False): nothing happens. */
static int adapter_alter(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	bool rename = !strcmp(name, "rename_relation");
	struct jinja_value v, v2;
	struct tf_rel *rel = jinja_call_arg(c, 0, rename ? "from_relation" : "relation", &v) ? tf_rel_of(v) : NULL;
	struct tf_rel *to = rename && jinja_call_arg(c, 1, "to_relation", &v2) ? tf_rel_of(v2) : NULL;
	*ret = jinja_none();
	if (!rel || (rename && !to))
		return jinja_rt_error(c->rt, ING_EINVAL, "adapter.%s() takes %s", name,
				      rename ? "two relations (from_relation, to_relation)" : "a relation");
	if (!r->execute || !render_conn(r))
		return 0;
	if (r->pure)
		return jinja_rt_error(c->rt, ING_EUNSUPPORTED,
				      "adapter.%s(), rendered only to be looked at", name);
	struct buf sql = BUF_INIT, rs = BUF_INIT;
	tf_rel_render(rel, &rs);
	const char *kind = rel->type && !strcmp(rel->type, "view") ? "view" : "table";
	if (!strcmp(name, "drop_relation")) {
		if (!rel->type) {
			buf_free(&rs);
			return jinja_rt_error(c->rt, ING_EINVAL,
					      "Tried to drop relation %s, but its type is null.", buf_cstr(&rs));
		}
		if (strcmp(rel->type, "table") && strcmp(rel->type, "view")) {
			int rc = jinja_rt_error(c->rt, ING_EUNSUPPORTED, "adapter.drop_relation: cannot drop a %s (%s)",
						rel->type, buf_cstr(&rs));
			buf_free(&rs);
			return rc;
		}
		buf_printf(&sql, "drop %s if exists %s cascade", kind, buf_cstr(&rs));
	} else if (!strcmp(name, "truncate_relation")) {
		buf_printf(&sql, "truncate table %s", buf_cstr(&rs));
	} else if (rename) {
		buf_printf(&sql, "alter %s %s rename to ", kind, buf_cstr(&rs));
		quote_part(r->tp, &sql, to->identifier ? to->identifier : "");
	} else {
		if (!rel->schema) {
			buf_free(&rs);
			return jinja_rt_error(c->rt, ING_EINVAL, "adapter.create_schema: the relation has no schema");
		}
		struct err e = ERR_INIT;
		int rc = tf_ensure_schema(r->tp, r->conn, rel->schema, &e);
		if (rc)
			rc = jinja_rt_error(c->rt, ING_EDB, "Database Error: %s", e.msg ? e.msg : "");
		err_clear(&e);
		buf_free(&rs);
		return rc;
	}
	buf_free(&rs);
	struct wh_result *res = NULL;
	int rc = run_sql(c, arena_strdup(a, buf_cstr(&sql)), &res);
	buf_free(&sql);
	if (rc)
		return rc;
	wh_result_free(res);
	if (rel->schema && rel->identifier && strcmp(name, "truncate_relation"))
		tf_rel_set(r->tp, rel->schema, rel->identifier, WH_REL_NONE);
	if (rename && to->schema && to->identifier)
		tf_rel_set(r->tp, to->schema, to->identifier, !strcmp(kind, "view") ? WH_REL_VIEW : WH_REL_TABLE);
	return 0;
}

static int adapter_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!strcmp(name, "dispatch"))
		return dispatch(c, ret);
	if (!strcmp(name, "quote")) {
		const char *s = arg_cstr(c, 0, "identifier");
		struct buf b = BUF_INIT;
		quote_part(r->tp, &b, s ? s : "");
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return 0;
	}
	if (!strcmp(name, "type")) {
		*ret = jinja_str(a, r->tp->engine, (size_t)-1);
		return 0;
	}
	if (!strcmp(name, "get_relation") || !strcmp(name, "already_exists")) {
		bool exists_form = !strcmp(name, "already_exists");
		if (!r->execute) {
			/* parsing: relations are not known yet (dbt returns None too) */
			*ret = exists_form ? jinja_bool(false) : jinja_none();
			return 0;
		}
		const char *db = exists_form ? NULL : arg_cstr(c, 0, "database");
		const char *schema = arg_cstr(c, exists_form ? 0 : 1, "schema");
		const char *ident = arg_cstr(c, exists_form ? 1 : 2, exists_form ? "name" : "identifier");
		if (!schema || !ident)
			return jinja_rt_error(c->rt, ING_EINVAL, "adapter.%s() takes schema and identifier", name);
		enum wh_rel_kind k = tf_rel_kind(r->tp, render_conn(r), schema, ident);
		if (exists_form)
			*ret = jinja_bool(k != WH_REL_NONE);
		else
			*ret = k == WH_REL_NONE ? jinja_none()
						: rel_value(r->tp, a, db ? db : r->tp->target->database, schema, ident,
							    k == WH_REL_VIEW ? "view" : "table");
		return 0;
	}
	if (!strcmp(name, "get_columns_in_relation") || !strcmp(name, "get_missing_columns")) {
		const char *s1, *i1;
		int rc = rel_parts(c, 0, "relation", &s1, &i1);
		if (rc)
			return rc;
		if (!r->execute || !render_conn(r)) {
			*ret = jinja_list_new(a, 0);
			return 0;
		}
		struct wh_column_info *cols = NULL, *cols2 = NULL;
		size_t n = 0, n2 = 0;
		struct err e = ERR_INIT;
		if (wh_list_columns(r->conn, s1, i1, a, &cols, &n, &e)) {
			rc = jinja_rt_error(c->rt, ING_EDB, "%s", e.msg ? e.msg : "");
			err_clear(&e);
			return rc;
		}
		if (!strcmp(name, "get_columns_in_relation")) {
			*ret = columns_value(r->tp, a, cols, n);
			return 0;
		}
		const char *s2, *i2;
		if ((rc = rel_parts(c, 1, "to_relation", &s2, &i2)))
			return rc;
		if (wh_list_columns(r->conn, s2, i2, a, &cols2, &n2, &e)) {
			rc = jinja_rt_error(c->rt, ING_EDB, "%s", e.msg ? e.msg : "");
			err_clear(&e);
			return rc;
		}
		struct wh_column_info *miss = arena_alloc(a, (n + 1) * sizeof(*miss));
		size_t nm = 0;
		for (size_t i = 0; i < n; i++) {
			bool found = false;
			for (size_t j = 0; j < n2; j++)
				found |= !str_casecmp(cols[i].name, cols2[j].name);
			if (!found)
				miss[nm++] = cols[i];
		}
		*ret = columns_value(r->tp, a, miss, nm);
		return 0;
	}
	if (!strcmp(name, "check_schema_exists")) {
		*ret = jinja_bool(true);
		return 0;
	}
	if (!strcmp(name, "drop_relation") || !strcmp(name, "truncate_relation") ||
	    !strcmp(name, "rename_relation") || !strcmp(name, "create_schema"))
		return adapter_alter(c, name, ret);
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops adapter_ops = {.type_name = "adapter", .method = adapter_method};

/* load_relation(relation): adapter.get_relation(relation.database,
 * relation.schema, relation.identifier) */
static int fn_load_relation(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value rel;
	struct tf_rel *r = jinja_call_arg(c, 0, "relation", &rel) ? tf_rel_of(rel) : NULL;
	if (!r)
		return jinja_rt_error(c->rt, ING_EINVAL, "load_relation() takes a relation");
	struct arena *a = jinja_rt_arena(c->rt);
	struct jinja_value args[3] = {
		r->database ? jinja_str(a, r->database, (size_t)-1) : jinja_none(),
		r->schema ? jinja_str(a, r->schema, (size_t)-1) : jinja_none(),
		r->identifier ? jinja_str(a, r->identifier, (size_t)-1) : jinja_none(),
	};
	struct jinja_call gc = *c;
	gc.args = args;
	gc.nargs = 3;
	gc.kwargs = NULL;
	gc.nkwargs = 0;
	return adapter_method(&gc, "get_relation", ret);
}


/* ---------------------------------------------------- get_where_subquery */

static int fn_where_subquery(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	struct jinja_value rel;
	if (!jinja_call_arg(c, 0, "relation", &rel))
		return jinja_rt_error(c->rt, ING_EINVAL, "get_where_subquery() takes a relation");
	const char *where = r->node ? tf_cfg_str(r->node, "where", NULL) : NULL;
	if (!where || !*where) {
		*ret = rel;
		return 0;
	}
	struct buf rs = BUF_INIT, out = BUF_INIT;
	jinja_value_str(c->rt, rel, &rs);
	quality_where_subquery(&out, buf_cstr(&rs), where);
	*ret = jinja_str(jinja_rt_arena(c->rt), buf_cstr(&out), out.len);
	buf_free(&rs);
	buf_free(&out);
	return 0;
}

/* ------------------------------------------------------ misc functions */

static int fn_tojson(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v;
	jinja_call_arg(c, 0, "value", &v);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	/* simple values through str/repr; containers via their Python repr */
	if (v.type == JINJA_STR)
		jw_strn(&w, v.u.s, v.len);
	else if (v.type == JINJA_INT)
		jw_int(&w, v.u.i);
	else if (v.type == JINJA_FLOAT)
		jw_double(&w, v.u.f);
	else if (v.type == JINJA_BOOL)
		jw_bool(&w, v.u.b);
	else if (v.type == JINJA_NONE || v.type == JINJA_UNDEFINED)
		jw_null(&w);
	else {
		struct buf t = BUF_INIT;
		jinja_value_str(c->rt, v, &t);
		jw_strn(&w, buf_cstr(&t), t.len);
		buf_free(&t);
	}
	*ret = jinja_str(jinja_rt_arena(c->rt), buf_cstr(&b), b.len);
	buf_free(&b);
	return 0;
}

static int fn_fromjson(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, 0, "string", &v) || v.type != JINJA_STR)
		return jinja_rt_error(c->rt, ING_EINVAL, "fromjson() takes a string");
	struct err e = ERR_INIT;
	if (jinja_value_from_json(jinja_rt_arena(c->rt), v.u.s, v.len, ret, &e)) {
		int rc = jinja_rt_error(c->rt, ING_EPARSE, "fromjson: %s", e.msg ? e.msg : "");
		err_clear(&e);
		return rc;
	}
	return 0;
}

static int fn_local_md5(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *s = arg_cstr(c, 0, "value");
	char md[33];
	digest_md5_hex(s ? s : "", s ? strlen(s) : 0, md);
	*ret = jinja_str(jinja_rt_arena(c->rt), md, 32);
	return 0;
}

static int fn_doc(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	const char *a0 = arg_cstr(c, 0, NULL), *a1 = arg_cstr(c, 1, NULL);
	const char *name = a1 ? a1 : a0;
	for (size_t i = 0; name && i < r->tp->docs.len; i++)
		if (!strcmp(r->tp->docs.items[i].name, name) &&
		    (!a1 || !strcmp(r->tp->docs.items[i].package, a0))) {
			*ret = jinja_str(jinja_rt_arena(c->rt), r->tp->docs.items[i].text, (size_t)-1);
			return 0;
		}
	return jinja_rt_error(c->rt, ING_ENOTFOUND, "Documentation for '%s' not found", name ? name : "");
}

/* should_store_failures(): the test's store_failures config;
 * should_full_refresh(): the node's full_refresh config, else the flag. */
static int fn_should_store_failures(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	*ret = jinja_bool(r->node && tf_test_store_as(r->node));
	return 0;
}

static int fn_should_full_refresh(const struct jinja_call *c, struct jinja_value *ret)
{
	struct tf_render *r = RT_R(c);
	bool full = r->tp->full_refresh;
	if (r->node) {
		struct jinja_value fr = tf_cfg(r->node, "full_refresh");
		if (fr.type == JINJA_BOOL)
			full = fr.u.b;
	}
	*ret = jinja_bool(full);
	return 0;
}

/* ----------------------------------------------------------- setup */

static struct jinja_value target_value(struct tf_proj *tp, struct arena *a);
struct jinja_value tf__target_dict(struct tf_proj *tp, struct arena *a)
{
	return target_value(tp, a);
}

static struct jinja_value target_value(struct tf_proj *tp, struct arena *a)
{
	const struct target *t = tp->target;
	struct jinja_value d = jinja_dict_new(a);
	jinja_dict_set_str(d, "name", strv(a, t->name));
	jinja_dict_set_str(d, "target_name", strv(a, t->name));
	jinja_dict_set_str(d, "schema", strv(a, t->schema));
	jinja_dict_set_str(d, "type", strv(a, t->type));
	jinja_dict_set_str(d, "threads", jinja_int(t->threads));
	jinja_dict_set_str(d, "database", strv(a, t->database));
	jinja_dict_set_str(d, "dbname", strv(a, t->dbname ? t->dbname : t->database));
	jinja_dict_set_str(d, "profile_name", strv(a, t->profile_name));
	if (t->host)
		jinja_dict_set_str(d, "host", strv(a, t->host));
	if (t->user)
		jinja_dict_set_str(d, "user", strv(a, t->user));
	if (t->port)
		jinja_dict_set_str(d, "port", jinja_int(t->port));
	if (t->path)
		jinja_dict_set_str(d, "path", strv(a, t->path));
	return d;
}

static void make_invocation_id(struct tf_proj *tp)
{
	unsigned char r[16];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f ? fread(r, 1, sizeof(r), f) : 0;
	if (f)
		fclose(f);
	for (size_t i = got; i < sizeof(r); i++)
		r[i] = (unsigned char)(now_us() >> (i % 8));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	tp->invocation_id = arena_printf(
		tp->arena, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
		r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
		r[14], r[15]);
}

int tf_context_setup(struct tf_proj *tp, struct err *e)
{
	(void)e;
	struct jinja_env *env = tp->env;
	struct arena *a = jinja_env_arena(env);
	make_invocation_id(tp);
	tp->run_started_us = now_us();
#define G(name, fn) jinja_env_set_global(env, name, jinja_func(a, name, fn, tp))
	G("ref", fn_ref);
	G("source", fn_source);
	G("var", fn_var);
	G("env_var", fn_env_var);
	G("is_incremental", fn_is_incremental);
	G("log", fn_log);
	G("print", fn_print);
	G("run_query", fn_run_query);
	G("statement", fn_statement);
	G("load_result", fn_load_result);
	G("tojson", fn_tojson);
	G("fromjson", fn_fromjson);
	G("local_md5", fn_local_md5);
	G("doc", fn_doc);
	G("get_where_subquery", fn_where_subquery);
	G("should_store_failures", fn_should_store_failures);
	G("should_full_refresh", fn_should_full_refresh);
#undef G
	jinja_env_define_macro(env, "dbt", "get_where_subquery",
			       jinja_func(a, "get_where_subquery", fn_where_subquery, tp));
	jinja_env_set_global(env, "return", jinja_return_func(env));
	struct jinja_value builtins = jinja_dict_new(a);
	jinja_dict_set_str(builtins, "ref", jinja_func(a, "ref", fn_ref, tp));
	jinja_dict_set_str(builtins, "source", jinja_func(a, "source", fn_source, tp));
	jinja_dict_set_str(builtins, "config", jinja_obj(a, &config_ops, tp));
	jinja_env_set_global(env, "load_relation", jinja_func(a, "load_relation", fn_load_relation, tp));
	tf_ctxfns_register(tp, builtins);
	jinja_env_set_global(env, "config", jinja_obj(a, &config_ops, tp));
	jinja_env_set_global(env, "exceptions", jinja_obj(a, &exc_ops, tp));
	jinja_env_set_global(env, "adapter", jinja_obj(a, &adapter_ops, tp));
	struct jinja_value api = jinja_dict_new(a);
	jinja_dict_set_str(api, "Relation", tf_relation_api(a, tp_ad(tp)));
	jinja_dict_set_str(api, "Column", tf_column_api(a, tp_ad(tp)));
	jinja_env_set_global(env, "api", api);
	struct jinja_value modules = jinja_dict_new(a);
	jinja_dict_set_str(modules, "datetime", tf_datetime_module(a));
	jinja_dict_set_str(modules, "itertools", tf_itertools_module(a));
	jinja_dict_set_str(modules, "re", tf_re_module(a));
	jinja_dict_set_str(modules, "pytz", tf_pytz_module(a));
	jinja_env_set_global(env, "modules", modules);
	jinja_env_set_global(env, "target", target_value(tp, a));
	jinja_env_set_global(env, "project_name", jinja_str(a, tp->p->name, (size_t)-1));
	jinja_env_set_global(env, "invocation_id", jinja_str(a, tp->invocation_id, (size_t)-1));
	/* dbt's run_started_at is aware, in UTC */
	jinja_env_set_global(env, "run_started_at", tf_datetime_value(a, tp->run_started_us, true));
	struct jinja_value flags = jinja_dict_new(a);
	jinja_dict_set_str(flags, "FULL_REFRESH", jinja_bool(tp->full_refresh));
	jinja_dict_set_str(flags, "WHICH", jinja_str_static("build", 5));
	jinja_env_set_global(env, "flags", flags);
	jinja_env_set_global(env, "execute", jinja_bool(false));
	/* graph is filled after parsing (tf__context_finish); empty until then */
	struct jinja_value g0 = jinja_dict_new(a);
	jinja_dict_set_str(g0, "nodes", jinja_dict_new(a));
	jinja_dict_set_str(g0, "sources", jinja_dict_new(a));
	jinja_dict_set_str(g0, "exposures", jinja_dict_new(a));
	jinja_dict_set_str(g0, "macros", jinja_dict_new(a));
	jinja_env_set_global(env, "graph", g0);
	/* dispatch config from dbt_project.yml */
	tp->dispatch = jinja_dict_new(a);
	const struct ynode *dp = ymap_get(tp->p->yml, "dispatch");
	for (size_t i = 0; dp && dp->type == Y_SEQ && i < dp->n; i++) {
		const char *ns = ymap_str(dp->items[i], "macro_namespace");
		const struct ynode *so = ymap_get(dp->items[i], "search_order");
		if (ns && so)
			jinja_dict_set(tp->dispatch, jinja_str(a, ns, (size_t)-1), tf_yaml_value(a, so));
	}
	tf_crossdb_register(tp);
	return 0;
}

/* ---------------------------------------------------------- rendering */

static struct jinja_value node_dict(struct tf_proj *tp, struct tf_node *n, struct arena *a);
struct jinja_value tf__node_dict(struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	return node_dict(tp, n, a);
}

static struct jinja_value node_dict(struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	struct jinja_value d = jinja_dict_new(a);
	jinja_dict_set_str(d, "unique_id", strv(a, n->unique_id));
	jinja_dict_set_str(d, "name", strv(a, n->name));
	jinja_dict_set_str(d, "resource_type", strv(a, tf_rtype_name(n->rtype)));
	jinja_dict_set_str(d, "package_name", strv(a, n->package));
	jinja_dict_set_str(d, "path", strv(a, n->path));
	jinja_dict_set_str(d, "original_file_path", strv(a, n->original_file_path));
	jinja_dict_set_str(d, "alias", strv(a, n->alias ? n->alias : n->name));
	jinja_dict_set_str(d, "schema", strv(a, n->schema));
	jinja_dict_set_str(d, "database", strv(a, n->database));
	jinja_dict_set_str(d, "raw_code", jinja_str(a, n->raw_code ? n->raw_code : "", n->raw_code ? n->raw_len : 0));
	struct jinja_value fqn = jinja_list_new(a, n->nfqn);
	for (size_t i = 0; i < n->nfqn; i++)
		jinja_list_push(fqn, strv(a, n->fqn[i]));
	jinja_dict_set_str(d, "fqn", fqn);
	jinja_dict_set_str(d, "config", n->config.type == JINJA_DICT ? n->config : jinja_dict_new(a));
	struct jinja_value tags = tf_cfg(n, "tags");
	jinja_dict_set_str(d, "tags", tags.type == JINJA_LIST ? tags : jinja_list_new(a, 0));
	jinja_dict_set_str(d, "description", strv(a, n->description ? n->description : ""));
	jinja_dict_set_str(d, "version", n->model_version ? jinja_int(n->model_version) : jinja_none());
	jinja_dict_set_str(d, "latest_version",
			   n->latest_version ? jinja_int(n->latest_version) : jinja_none());
	struct jinja_value deps = jinja_dict_new(a), dn = jinja_list_new(a, n->deps.len);
	for (size_t i = 0; i < n->deps.len; i++)
		jinja_list_push(dn, strv(a, tp->nodes.items[n->deps.items[i]]->unique_id));
	jinja_dict_set_str(deps, "nodes", dn);
	jinja_dict_set_str(d, "depends_on", deps);
	struct jinja_value cols = jinja_dict_new(a);
	for (size_t i = 0; n->columns && i < n->columns->n; i++) {
		const char *cn = ymap_str(n->columns->items[i], "name");
		if (cn)
			jinja_dict_set(cols, jinja_str(a, cn, (size_t)-1),
				       tf_yaml_value(a, n->columns->items[i]));
	}
	jinja_dict_set_str(d, "columns", cols);
	if (n->rtype == TF_EXPOSURE && n->exposure) {
		static const char *const ek[] = {"owner", "type", "maturity", "url", "label"};
		for (size_t k = 0; k < ARRAY_SIZE(ek); k++) {
			const struct ynode *v = ymap_get(n->exposure, ek[k]);
			jinja_dict_set_str(d, ek[k], v ? tf_yaml_value(a, v) : jinja_none());
		}
	}
	if (n->rtype == TF_SOURCE && n->src) {
		jinja_dict_set_str(d, "source_name", strv(a, n->src->source->name));
		jinja_dict_set_str(d, "identifier", strv(a, n->alias));
	}
	return d;
}

/* The graph global: nodes and sources, as parsing left them. Built the
 * first time a template reads `graph` (most never do: a dict of every node
 * was a tenth of a no-change build of 2,000 models). */
static struct jinja_value make_graph(void *user, struct arena *a)
{
	struct tf_proj *tp = user;
	struct jinja_value g = jinja_dict_new(a), nodes = jinja_dict_new(a),
			   sources = jinja_dict_new(a), exposures = jinja_dict_new(a);
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->enabled || n->rtype == TF_UNIT_TEST || tf_is_semantic(n->rtype))
			continue; /* semantic.c fills graph.metrics & co */
		struct jinja_value dst = n->rtype == TF_SOURCE ? sources
					 : n->rtype == TF_EXPOSURE ? exposures : nodes;
		jinja_dict_set(dst, jinja_str(a, n->unique_id, (size_t)-1), node_dict(tp, n, a));
	}
	jinja_dict_set_str(g, "nodes", nodes);
	jinja_dict_set_str(g, "sources", sources);
	jinja_dict_set_str(g, "exposures", exposures);
	struct jinja_value groups = jinja_dict_new(a);
	for (size_t i = 0; i < tp->groups.len; i++) {
		const struct tf_group *gr = &tp->groups.items[i];
		struct jinja_value d = jinja_dict_new(a);
		jinja_dict_set_str(d, "unique_id", strv(a, gr->unique_id));
		jinja_dict_set_str(d, "name", strv(a, gr->name));
		jinja_dict_set_str(d, "resource_type", strv(a, "group"));
		jinja_dict_set_str(d, "package_name", strv(a, gr->package));
		jinja_dict_set_str(d, "original_file_path", strv(a, gr->original_file_path));
		jinja_dict_set_str(d, "description", gr->description ? strv(a, gr->description) : jinja_none());
		jinja_dict_set_str(d, "owner", tf_yaml_value(a, gr->owner));
		jinja_dict_set(groups, jinja_str(a, gr->unique_id, (size_t)-1), d);
	}
	jinja_dict_set_str(g, "groups", groups);
	tf__semantic_graph(tp, g, a);
	jinja_dict_set_str(g, "macros", jinja_dict_new(a));
	return g;
}

void tf__context_finish(struct tf_proj *tp);
void tf__context_finish(struct tf_proj *tp)
{
	jinja_env_set_global_lazy(tp->env, "graph", make_graph, tp);
}

static struct jinja_value render_ctx(struct tf_render *r, struct arena *a)
{
	struct jinja_value ctx = jinja_dict_new(a);
	r->ctx = ctx; /* render() renders in it */
	jinja_dict_set_str(ctx, "execute", jinja_bool(r->execute));
	struct tf_node *n = r->node;
	if (n) {
		if (n->rtype == TF_MODEL || n->rtype == TF_SEED || n->rtype == TF_SNAPSHOT ||
		    n->rtype == TF_TEST || n->rtype == TF_ANALYSIS) {
			jinja_dict_set_str(ctx, "this", rel_value(r->tp, a, n->database, n->schema,
								 n->alias ? n->alias : n->name, NULL));
		}
		struct jinja_value md = node_dict(r->tp, n, a);
		if (r->batch) {
			/* dbt 1.9: model.batch.event_time_start / event_time_end */
			struct jinja_value b = jinja_dict_new(a);
			jinja_dict_set_str(b, "event_time_start", tf_datetime_value(a, r->batch_start, true));
			jinja_dict_set_str(b, "event_time_end", tf_datetime_value(a, r->batch_end, true));
			char id[40];
			ts_format(r->batch_start, id);
			size_t k = 0;
			for (size_t i = 0; id[i]; i++)
				if (id[i] >= '0' && id[i] <= '9')
					id[k++] = id[i];
			id[k] = 0;
			jinja_dict_set_str(b, "id", jinja_str(a, id, k));
			jinja_dict_set_str(md, "batch", b);
		}
		jinja_dict_set_str(ctx, "model", md);
	}
	return ctx;
}

/* Renders are serialized (render_lock), so the outermost one reuses one
 * arena (reset, keeping its first block) instead of making a fresh one:
 * a build renders thousands of nodes. Nested renders get their own. */
static struct arena *render_arena(struct tf_proj *tp)
{
	if (tp->render_depth++ > 0)
		return arena_new(0);
	if (!tp->render_arena)
		tp->render_arena = arena_new(0);
	return tp->render_arena;
}

static void render_arena_done(struct tf_proj *tp, struct arena *a)
{
	tp->render_depth--;
	if (a == tp->render_arena)
		arena_reset(a);
	else
		arena_free(a);
}

int tf__parse_render(struct tf_proj *tp, struct tf_node *n);
int tf__parse_render(struct tf_proj *tp, struct tf_node *n)
{
	pthread_mutex_lock(&tp->render_lock);
	struct arena *a = render_arena(tp);
	struct err e = ERR_INIT;
	struct tf_render r = {.tp = tp, .node = n, .parsing = true, .execute = false, .err = &e};
	struct jinja_value ctx = render_ctx(&r, a);
	struct buf out = BUF_INIT;
	struct jinja_render_opts ro = {.arena = a, .user = &r};
	int rc = 0;
	if (n->rtype == TF_TEST && n->test) {
		/* generic tests have no template text to parse */
	} else {
		rc = jinja_render(n->tmpl, &ctx, &ro, &out, &e);
	}
	if (rc) {
		/* parse-time errors that depend on execution (run_query results,
		 * var defaults) surface again at execution; keep the first one */
		err_prefix(&e, "%s %s", tf_rtype_name(n->rtype), n->unique_id);
		char *s = err_string(&e);
		free(n->message);
		n->message = s;
		n->status = TF_ST_ERROR;
		if (!tp->parse_errors.code)
			err_move(&tp->parse_errors, &e);
		tp->nparse_errors++;
	}
	err_clear(&e);
	buf_free(&out);
	render_arena_done(tp, a);
	pthread_mutex_unlock(&tp->render_lock);
	return rc;
}

/* A rendered string as dbt's native rendering gives it back: Python
 * literals (ints, floats, True/False/None) become values, the rest stays
 * text. */
static struct jinja_value native_value(struct arena *a, const char *s, size_t n)
{
	char *t = arena_strndup(a, s, n), *end;
	if (!strcmp(t, "True") || !strcmp(t, "False"))
		return jinja_bool(t[0] == 'T');
	if (!strcmp(t, "None"))
		return jinja_none();
	bool lead0 = (t[0] == '0' && isdigit((unsigned char)t[1])) ||
		     (t[0] == '-' && t[1] == '0' && isdigit((unsigned char)t[2]));
	if (*t && !isspace((unsigned char)*t) && !lead0) {
		long long i = strtoll(t, &end, 10);
		if (!*end && end != t)
			return jinja_int(i);
		double d = strtod(t, &end);
		if (!*end && end != t && strchr(t, '.') && !strchr(t, 'x') && !strchr(t, 'X') &&
		    !strchr(t, 'n') && !strchr(t, 'N'))
			return jinja_float(d);
	}
	return jinja_str(a, s, n);
}

/* A test argument that is a list or a mapping: strings holding Jinja are
 * rendered in the test's context, as dbt renders nested arguments. */
/* An error in a test argument's Jinja is reported at the argument in the
 * properties file (the snippet was compiled as "test kwarg"). */
static int kwarg_loc(struct err *e, const struct tf_node *n, const struct ynode *val, int rc)
{
	if (val && (!e->file || !strcmp(e->file, "test kwarg"))) {
		free(e->file);
		e->file = xstrdup(n->original_file_path);
		e->line = val->line;
		e->col = val->col;
	}
	return rc;
}

static int nested_kwarg(struct tf_render *r, struct arena *a, const struct ynode *n, int depth,
			struct jinja_value *out, struct err *e)
{
	if (depth > 100)
		return err_set(e, ING_ELIMIT, "test argument nests deeper than 100 levels");
	if (n->type == Y_SCALAR && n->str && (memmem(n->str, n->len, "{{", 2) || memmem(n->str, n->len, "{%", 2))) {
		struct jinja_template *t = NULL;
		struct buf b = BUF_INIT;
		int rc = jinja_compile(r->tp->env, "test argument", NULL, n->str, n->len, &t, e);
		struct jinja_render_opts ro = {.arena = a, .user = r};
		struct jinja_value ctx = render_ctx(r, a);
		if (!rc)
			rc = jinja_render(t, &ctx, &ro, &b, e);
		if (!rc)
			*out = native_value(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return rc;
	}
	if (n->type == Y_SEQ) {
		*out = jinja_list_new(a, n->n);
		for (size_t i = 0; i < n->n; i++) {
			struct jinja_value v;
			int rc = nested_kwarg(r, a, n->items[i], depth + 1, &v, e);
			if (rc)
				return rc;
			jinja_list_push(*out, v);
		}
		return 0;
	}
	if (n->type == Y_MAP) {
		*out = jinja_dict_new(a);
		for (size_t i = 0; i < n->n; i++) {
			struct jinja_value v;
			int rc = nested_kwarg(r, a, n->items[i], depth + 1, &v, e);
			if (rc)
				return rc;
			struct jinja_value key = tf_yaml_value(a, n->keys[i]);
			if (jinja_dict_set(*out, key, v))
				return err_set(e, ING_EINVAL, "a test argument's mapping has an unhashable key");
		}
		return 0;
	}
	*out = tf_yaml_value(a, n);
	return 0;
}

/* Render the keyword arguments of a generic test, as dbt does: strings
 * that look like a function call are evaluated, other strings rendered. */
static int test_kwargs(struct tf_render *r, struct tf_node *n, struct arena *a,
		       struct jinja_value *kw, struct err *e)
{
	struct tf_proj *tp = r->tp;
	*kw = jinja_dict_new(a);
	for (size_t i = 0; i < n->test->nkw; i++) {
		const struct qt_kwarg *k = &n->test->kw[i];
		struct jinja_value v;
		if (!strcmp(k->key, "column_name")) {
			v = jinja_str(a, k->str_val ? k->str_val : quality_py_str(k->val, a), (size_t)-1);
		} else if (!strcmp(k->key, "model")) {
			/* the relation the test is on, filtered by `where` */
			struct tf_node *t = n->attached >= 0 ? tp->nodes.items[n->attached] : NULL;
			if (!t && n->src_refs.len >= 2)
				t = tf_find_source(tp, n->src_refs.items[0], n->src_refs.items[1]);
			if (!t && n->refs.len)
				t = tf_find_ref(tp, n, NULL, n->refs.items[0].name, n->refs.items[0].version);
			if (!t)
				return err_set(e, ING_ENOTFOUND, "test %s: the model it tests was not found",
					       n->unique_id);
			struct jinja_value rel;
			if (t->rtype == TF_MODEL && !strcmp(t->materialized, "ephemeral")) {
				bool have = false;
				for (size_t j = 0; j < n->ephemerals.len; j++)
					have |= n->ephemerals.items[j] == t->idx;
				if (!have)
					vec_push(&n->ephemerals, t->idx);
				rel = tf_rel_cte(a, tp_ad(tp), t->name);
			} else {
				rel = t->rtype == TF_SOURCE ? rel_value(tp, a, t->database, t->schema, t->alias, NULL)
							    : node_rel(tp, a, t);
			}
			const char *where = tf_cfg_str(n, "where", NULL);
			if (where && *where) {
				struct buf rs = BUF_INIT, out = BUF_INIT;
				struct tf_rel *rr = tf_rel_of(rel);
				if (rr->type && !strcmp(rr->type, "cte"))
					buf_puts(&rs, rr->identifier);
				else
					tf_relation_text(tp, rr->database, rr->schema, rr->identifier, &rs);
				quality_where_subquery(&out, buf_cstr(&rs), where);
				v = jinja_str(a, buf_cstr(&out), out.len);
				buf_free(&rs);
				buf_free(&out);
			} else {
				v = rel;
			}
		} else if (k->val && k->val->type == Y_SCALAR) {
			const char *s = arena_strndup(a, k->val->str, k->val->len);
			const char *p = s;
			while (isspace((unsigned char)*p))
				p++;
			bool looks_func = (str_startswith(p, "ref(") || str_startswith(p, "source(") ||
					   str_startswith(p, "var(") || str_startswith(p, "env_var(") ||
					   str_startswith(p, "doc(")) &&
					  strchr(p, ')');
			if (looks_func || strstr(s, "{{") || strstr(s, "{%")) {
				/* evaluate as an expression through a tiny macro, so the
				 * value keeps its type (a relation stays a relation) */
				const char *src = looks_func
					? arena_printf(a, "{%% macro __ingot_kw() %%}{{ return(%s) }}{%% endmacro %%}", p)
					: NULL;
				if (src) {
					struct jinja_template *t = NULL;
					struct jinja_value m;
					const char *ns = "__ingot_kw";
					pthread_mutex_lock(&tp->render_lock);
					int rc = jinja_env_load_macros(tp->env, ns, "test kwarg", NULL, src,
								       strlen(src), &t, e);
					bool found = !rc && jinja_env_find_macro(tp->env, ns, "__ingot_kw", &m);
					pthread_mutex_unlock(&tp->render_lock);
					if (rc)
						return rc;
					if (!found)
						return err_set(e, ING_EINVAL, "test argument '%s'", k->key);
					struct jinja_render_opts ro = {.arena = a, .user = r};
					struct jinja_value ctx = render_ctx(r, a);
					if ((rc = jinja_env_call(tp->env, m, &ctx, NULL, 0, NULL, 0, &ro, &v, e)))
						return kwarg_loc(e, n, k->val, rc);
				} else {
					struct jinja_template *t = NULL;
					struct buf out = BUF_INIT;
					int rc = jinja_compile(tp->env, "test kwarg", NULL, s, strlen(s), &t, e);
					struct jinja_render_opts ro = {.arena = a, .user = r};
					struct jinja_value ctx = render_ctx(r, a);
					if (!rc)
						rc = jinja_render(t, &ctx, &ro, &out, e);
					v = jinja_str(a, buf_cstr(&out), out.len);
					buf_free(&out);
					if (rc)
						return kwarg_loc(e, n, k->val, rc);
				}
			} else {
				v = tf_yaml_value(a, k->val);
			}
		} else if (k->val && (k->val->type == Y_SEQ || k->val->type == Y_MAP)) {
			int rc = nested_kwarg(r, a, k->val, 0, &v, e);
			if (rc)
				return rc;
		} else {
			v = tf_yaml_value(a, k->val);
		}
		jinja_dict_set(*kw, jinja_str(a, k->key, (size_t)-1), v);
	}
	return 0;
}

static int render_generic_test(struct tf_render *r, struct tf_node *n, struct arena *a,
			       struct buf *out, struct err *e)
{
	struct tf_proj *tp = r->tp;
	struct jinja_value kw;
	int rc = test_kwargs(r, n, a, &kw, e);
	if (rc)
		return rc;
	const char *mname = arena_printf(a, "test_%s", n->test->name);
	struct jinja_value m;
	bool found = false;
	if (n->test->ns)
		found = jinja_env_find_macro(tp->env, n->test->ns, mname, &m);
	else
		found = jinja_env_find_macro(tp->env, n->package, mname, &m) ||
			jinja_env_find_macro(tp->env, NULL, mname, &m);
	if (!found)
		return err_setloc(e, ING_ENOTFOUND, n->original_file_path,
				  n->test->node ? n->test->node->line : 0, n->test->node ? n->test->node->col : 0,
				  "test %s: no generic test named '%s%s%s' (macro %s) was found",
				  n->unique_id, n->test->ns ? n->test->ns : "", n->test->ns ? "." : "",
				  n->test->name, mname);
	size_t nk = jinja_dict_len(kw);
	struct jinja_kwarg *kws = arena_alloc(a, (nk + 1) * sizeof(*kws));
	for (size_t i = 0; i < nk; i++) {
		kws[i].name = jinja_str_cstr(a, jinja_dict_key(kw, i));
		kws[i].value = jinja_dict_val(kw, i);
	}
	struct jinja_value ctx = render_ctx(r, a);
	jinja_dict_set_str(ctx, "_dbt_generic_test_kwargs", kw);
	struct jinja_render_opts ro = {.arena = a, .user = r};
	struct jinja_value ret;
	if ((rc = jinja_env_call(tp->env, m, &ctx, NULL, 0, kws, nk, &ro, &ret, e)))
		return rc;
	return jinja_value_str(NULL, ret, out) < 0 ? ING_EINVAL : 0;
}

int tf_render_node(struct tf_proj *tp, struct tf_node *n, bool parsing, bool execute,
		   struct wh_conn *conn, struct buf *out, struct err *e)
{
	struct tf_render r = {.tp = tp, .node = n, .parsing = parsing, .execute = execute,
			      .conn = conn, .err = e, .log = NULL};
	n->ephemerals.len = 0;
	pthread_mutex_lock(&tp->render_lock);
	struct arena *a = render_arena(tp);
	int rc;
	if (n->rtype == TF_TEST && n->test) {
		rc = render_generic_test(&r, n, a, out, e);
	} else if (!n->tmpl) {
		rc = err_set(e, ING_EINVAL, "%s has no template", n->unique_id);
	} else {
		struct jinja_value ctx = render_ctx(&r, a);
		struct jinja_render_opts ro = {.arena = a, .user = &r};
		rc = jinja_render(n->tmpl, &ctx, &ro, out, e);
	}
	render_arena_done(tp, a);
	pthread_mutex_unlock(&tp->render_lock);
	return rc;
}

/* A unit test's overridden macro: returns its value. */
static int unit_macro_call(const struct jinja_call *c, struct jinja_value *ret)
{
	*ret = *(const struct jinja_value *)c->user;
	return 0;
}

static const struct jinja_obj_ops unit_macro_ops = {
	.type_name = "macro",
	.call = unit_macro_call,
};

int tf_render_node_unit(struct tf_proj *tp, struct tf_node *n, const struct tf_unit_ovr *u,
			struct wh_conn *conn, struct buf *out, struct err *e)
{
	struct tf_render r = {.tp = tp, .node = n, .parsing = false, .execute = true,
			      .conn = conn, .err = e, .unit = u};
	if (!n->tmpl)
		return err_set(e, ING_EINVAL, "%s has no template", n->unique_id);
	pthread_mutex_lock(&tp->render_lock);
	struct arena *a = arena_new(0);
	tp->render_depth++;
	struct jinja_value ctx = render_ctx(&r, a);
	if (u->this_cte)
		jinja_dict_set_str(ctx, "this", tf_rel_cte(a, tp_ad(tp), u->this_cte));
	for (size_t i = 0; u->macros.type == JINJA_DICT && i < jinja_dict_len(u->macros); i++) {
		const char *k = jinja_str_cstr(a, jinja_dict_key(u->macros, i));
		if (!strcmp(k, "is_incremental") || strchr(k, '.'))
			continue; /* is_incremental is read by fn_is_incremental */
		struct jinja_value *v = arena_alloc(a, sizeof(*v));
		*v = jinja_dict_val(u->macros, i);
		jinja_dict_set_str(ctx, k, jinja_obj(a, &unit_macro_ops, v));
	}
	struct jinja_render_opts ro = {.arena = a, .user = &r};
	int rc = jinja_render(n->tmpl, &ctx, &ro, out, e);
	tp->render_depth--;
	arena_free(a);
	pthread_mutex_unlock(&tp->render_lock);
	return rc;
}

int tf_render_batch(struct tf_proj *tp, struct tf_node *n, struct wh_conn *conn, int64_t start,
		    int64_t end, struct buf *out, struct err *e)
{
	struct tf_render r = {.tp = tp, .node = n, .parsing = false, .execute = true,
			      .conn = conn, .err = e, .log = NULL, .batch = true,
			      .batch_start = start, .batch_end = end};
	pthread_mutex_lock(&tp->render_lock);
	n->ephemerals.len = 0;
	struct arena *a = render_arena(tp);
	int rc;
	if (!n->tmpl) {
		rc = err_set(e, ING_EINVAL, "%s has no template", n->unique_id);
	} else {
		struct jinja_value ctx = render_ctx(&r, a);
		struct jinja_render_opts ro = {.arena = a, .user = &r};
		rc = jinja_render(n->tmpl, &ctx, &ro, out, e);
	}
	render_arena_done(tp, a);
	if (!rc)
		rc = tf_inject_ctes(tp, n, out, e);
	pthread_mutex_unlock(&tp->render_lock);
	return rc;
}

static int render_string(struct tf_proj *tp, struct tf_node *n, const char *name,
			 const char *src, struct wh_conn *conn, bool execute, bool pure,
			 struct buf *out, struct err *e)
{
	struct arena *a = arena_new(0);
	struct tf_render r = {.tp = tp, .node = n, .parsing = false, .execute = execute,
			      .conn = conn, .err = e, .pure = pure};
	pthread_mutex_lock(&tp->render_lock);
	struct jinja_template *t = NULL;
	int rc = jinja_compile(tp->env, name, NULL, src, strlen(src), &t, e);
	if (!rc) {
		struct jinja_value ctx = render_ctx(&r, a);
		struct jinja_render_opts ro = {.arena = a, .user = &r};
		rc = jinja_render(t, &ctx, &ro, out, e);
	}
	pthread_mutex_unlock(&tp->render_lock);
	arena_free(a);
	return rc;
}

int tf_render_string(struct tf_proj *tp, struct tf_node *n, const char *name, const char *src,
		     struct wh_conn *conn, bool execute, struct buf *out, struct err *e)
{
	return render_string(tp, n, name, src, conn, execute, false, out, e);
}

int tf_render_string_pure(struct tf_proj *tp, struct tf_node *n, const char *name,
			  const char *src, struct wh_conn *conn, struct buf *out, struct err *e)
{
	return render_string(tp, n, name, src, conn, true, true, out, e);
}

/* ------------------------------------------------------- relations */

static int call_generate(struct tf_proj *tp, struct tf_node *n, const char *macro,
			 const char *custom, const char **out, struct err *e)
{
	struct jinja_value m;
	if (!jinja_env_find_macro(tp->env, tp->p->name, macro, &m))
		return ING_ENOTFOUND;
	struct arena *a = arena_new(0);
	struct tf_render r = {.tp = tp, .node = n, .parsing = false, .execute = false, .err = e};
	struct jinja_value ctx = render_ctx(&r, a);
	struct jinja_value args[2] = {custom ? jinja_str(a, custom, (size_t)-1) : jinja_none(),
				      node_dict(tp, n, a)};
	struct jinja_render_opts ro = {.arena = a, .user = &r};
	struct jinja_value ret;
	int rc = jinja_env_call(tp->env, m, &ctx, args, 2, NULL, 0, &ro, &ret, e);
	if (!rc) {
		struct buf b = BUF_INIT;
		jinja_value_str(NULL, ret, &b);
		char *s = str_trim(b.data ? b.data : (char *)"");
		*out = arena_strdup(tp->arena, s);
		buf_free(&b);
	} else {
		err_prefix(e, "%s (in %s)", macro, n->unique_id);
	}
	arena_free(a);
	return rc;
}

int tf_resolve_relation(struct tf_proj *tp, struct tf_node *n, struct err *e)
{
	const char *custom_schema = tf_cfg_str(n, "schema", NULL);
	const char *custom_alias = tf_cfg_str(n, "alias", NULL);
	const char *custom_db = tf_cfg_str(n, "database", NULL);
	const struct target *t = tp->target;
	int rc;
	if (n->rtype == TF_TEST) {
		/* tests live in the target schema; store_failures uses
		 * <schema>_<config schema> (dbt_test__audit by default) */
		n->database = custom_db ? custom_db : t->database;
		n->schema = arena_printf(tp->arena, "%s_%s", t->schema,
					 custom_schema ? custom_schema : "dbt_test__audit");
		n->alias = custom_alias ? custom_alias : (n->test_short ? n->test_short : n->name);
		return 0;
	}
	if (n->rtype == TF_SNAPSHOT && tf_cfg_str(n, "target_schema", NULL)) {
		n->schema = tf_cfg_str(n, "target_schema", NULL);
	} else if (tp->have_generate_schema) {
		if ((rc = call_generate(tp, n, "generate_schema_name", custom_schema, &n->schema, e)))
			return rc;
	} else {
		n->schema = custom_schema && *custom_schema
				    ? arena_printf(tp->arena, "%s_%s", t->schema, custom_schema)
				    : t->schema;
	}
	if (n->rtype == TF_SNAPSHOT && tf_cfg_str(n, "target_database", NULL)) {
		n->database = tf_cfg_str(n, "target_database", NULL);
	} else if (tp->have_generate_database) {
		if ((rc = call_generate(tp, n, "generate_database_name", custom_db, &n->database, e)))
			return rc;
	} else {
		n->database = custom_db ? custom_db : t->database;
	}
	if (tp->have_generate_alias) {
		if ((rc = call_generate(tp, n, "generate_alias_name", custom_alias, &n->alias, e)))
			return rc;
	} else {
		n->alias = custom_alias		? custom_alias
			   : n->model_version ? arena_printf(tp->arena, "%s_v%d", n->name, n->model_version)
					      : n->name;
	}
	return 0;
}

/* ------------------------------------------------------- ephemerals */

static int collect_ctes(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			struct strmap *seen, struct buf *ctes, struct err *e)
{
	for (size_t i = 0; i < n->ephemerals.len; i++) {
		struct tf_node *eph = tp->nodes.items[n->ephemerals.items[i]];
		if (strmap_has(seen, eph->unique_id))
			continue;
		strmap_put(seen, eph->unique_id, eph);
		struct buf sql = BUF_INIT;
		int rc = tf_render_node(tp, eph, false, true, c, &sql, e);
		if (!rc)
			rc = collect_ctes(tp, eph, c, seen, ctes, e);
		if (rc) {
			err_prefix(e, "ephemeral %s", eph->unique_id);
			buf_free(&sql);
			return rc;
		}
		if (ctes->len)
			buf_puts(ctes, ",\n");
		/* strip a trailing semicolon: it would end the statement */
		while (sql.len && (isspace((unsigned char)sql.data[sql.len - 1]) || sql.data[sql.len - 1] == ';'))
			sql.len--;
		buf_printf(ctes, "__dbt__cte__%s as (\n%.*s\n)", eph->name, (int)sql.len, buf_cstr(&sql));
		buf_free(&sql);
	}
	return 0;
}

/* Find the first top-level `with` keyword (outside comments/strings). */
static const char *find_with(const char *s)
{
	const char *p = s;
	while (*p) {
		if (p[0] == '-' && p[1] == '-') {
			p = strchr(p, '\n');
			if (!p)
				return NULL;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *q = strstr(p + 2, "*/");
			if (!q)
				return NULL;
			p = q + 2;
			continue;
		}
		if (isspace((unsigned char)*p) || *p == '(') {
			p++;
			continue;
		}
		if (!strncasecmp(p, "with", 4) && !isalnum((unsigned char)p[4]) && p[4] != '_')
			return p;
		return NULL;
	}
	return NULL;
}

int tf_inject_ctes(struct tf_proj *tp, struct tf_node *n, struct buf *sql, struct err *e)
{
	if (!n->ephemerals.len)
		return 0;
	struct buf ctes = BUF_INIT;
	struct strmap seen = STRMAP_INIT;
	int rc = collect_ctes(tp, n, NULL, &seen, &ctes, e);
	strmap_free(&seen, NULL);
	if (rc) {
		buf_free(&ctes);
		return rc;
	}
	struct buf out = BUF_INIT;
	const char *w = find_with(buf_cstr(sql));
	if (w) {
		buf_add(&out, sql->data, (size_t)(w - sql->data));
		buf_printf(&out, "with %s,", buf_cstr(&ctes));
		buf_puts(&out, w + 4);
	} else {
		buf_printf(&out, "with %s\n%s", buf_cstr(&ctes), buf_cstr(sql));
	}
	buf_free(sql);
	*sql = out;
	buf_free(&ctes);
	return 0;
}
