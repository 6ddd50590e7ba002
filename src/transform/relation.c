/*
 * transform/relation.c — dbt's Relation objects (dbt-adapters'
 * BaseRelation, with the engine's class name: PostgresRelation,
 * DuckDBRelation).
 *
 * What macros see, as in dbt:
 *   - a Mapping: `rel is mapping` is true, rel['schema'] and rel.get(k, d)
 *     read attributes, rel.get('metadata') is {'type': '<Class>Relation'}
 *     (what dbt_utils' _is_relation checks); iterating one, len(), keys()
 *     or items() fail as dbt's DataclassNotDictError does;
 *   - hashable by its rendered text (dict keys, sets) and equal when every
 *     field is (path, type, include and quote policies);
 *   - attributes database/schema/identifier/name/table/type/path,
 *     is_table/is_view/is_cte/is_materialized_view, include_policy,
 *     quote_policy, quote_character, require_alias, can_be_renamed ...;
 *   - methods render, quote, include, incorporate(path=, type=, ...),
 *     replace_path, information_schema(view), without_identifier,
 *     matches, quoted, render_limited;
 *   - api.Relation.create(...), add_ephemeral_prefix, Table/View/CTE ...
 * A ref()/source()/this has type None, as dbt's create_from gives it; an
 * ephemeral ref is a CTE whose identifier is not quoted.
 */
#include "transform/objmodel.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/map.h"

#include <string.h>

static const char *const rel_types[] = {"table",    "view",          "cte",          "materialized_view",
					"ephemeral", "external",     "pointer_table", "function", NULL};

static struct jinja_value strv(struct arena *a, const char *s)
{
	return s ? jinja_str(a, s, (size_t)-1) : jinja_none();
}

static bool type_is(const struct tf_rel *r, const char *t)
{
	return r->type && !strcmp(r->type, t);
}

struct tf_rel *tf_rel_of(struct jinja_value v)
{
	return jinja_obj_user(v, &tf_rel_ops);
}

static struct tf_rel *rel_alloc(struct arena *a)
{
	struct tf_rel *r = arena_zalloc(a, sizeof(*r));
	r->inc_db = r->inc_schema = r->inc_ident = true;
	r->q_db = r->q_schema = r->q_ident = true;
	return r;
}

struct jinja_value tf_rel_new(struct arena *a, const struct wh_adapter *ad, const char *database,
			      const char *schema, const char *identifier, const char *type)
{
	struct tf_rel *r = rel_alloc(a);
	if (wh_dbt_two_part_names(ad))
		r->inc_db = false;
	r->database = database;
	r->schema = schema;
	r->identifier = identifier;
	r->type = type;
	r->ad = ad;
	return jinja_obj(a, &tf_rel_ops, r);
}

struct jinja_value tf_rel_cte(struct arena *a, const struct wh_adapter *ad, const char *name)
{
	struct jinja_value v =
		tf_rel_new(a, ad, NULL, NULL, arena_printf(a, "__dbt__cte__%s", name), "cte");
	tf_rel_of(v)->q_ident = false;
	return v;
}

static void part(struct buf *out, bool *any, bool inc, bool quote, const char *s)
{
	if (!inc || !s)
		return;
	if (*any)
		buf_putc(out, '.');
	if (quote)
		wh_quote_ident(NULL, s, out);
	else
		buf_puts(out, s);
	*any = true;
}

void tf_rel_render(const struct tf_rel *r, struct buf *out)
{
	bool any = false;
	if (r->info) {
		/* InformationSchema: <database>.INFORMATION_SCHEMA[.<view>] */
		part(out, &any, r->inc_db, r->q_db, r->database);
		part(out, &any, true, false, "INFORMATION_SCHEMA");
		part(out, &any, true, false, r->info_view);
		return;
	}
	part(out, &any, r->inc_db, r->q_db, r->database);
	part(out, &any, r->inc_schema, r->q_schema, r->schema);
	part(out, &any, r->inc_ident, r->q_ident, r->identifier);
}

static int rel_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	tf_rel_render(self, out);
	return 0;
}

static uint64_t rel_hash(void *self)
{
	struct buf b = BUF_INIT;
	tf_rel_render(self, &b);
	uint64_t h = str_hash(buf_cstr(&b), b.len);
	buf_free(&b);
	return h;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool rel_eq(void *self, void *other)
{
	const struct tf_rel *a = self, *b = other;
	return str_eq(a->database, b->database) && str_eq(a->schema, b->schema) &&
	       str_eq(a->identifier, b->identifier) && str_eq(a->type, b->type) &&
	       a->inc_db == b->inc_db && a->inc_schema == b->inc_schema &&
	       a->inc_ident == b->inc_ident && a->q_db == b->q_db && a->q_schema == b->q_schema &&
	       a->q_ident == b->q_ident && a->info == b->info && str_eq(a->info_view, b->info_view) &&
	       str_eq(wh_dbt_relation_class(a->ad), wh_dbt_relation_class(b->ad));
}

static struct jinja_value policy(struct arena *a, bool db, bool schema, bool ident)
{
	struct jinja_value d = jinja_dict_new(a);
	jinja_dict_set_str(d, "database", jinja_bool(db));
	jinja_dict_set_str(d, "schema", jinja_bool(schema));
	jinja_dict_set_str(d, "identifier", jinja_bool(ident));
	return d;
}

static bool renameable(const struct tf_rel *r)
{
	/* dbt-postgres registers views, tables and materialized views */
	return !strcmp(wh_dbt_relation_class(r->ad), "PostgresRelation") &&
	       (type_is(r, "view") || type_is(r, "table") || type_is(r, "materialized_view"));
}

static int rel_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	struct tf_rel *r = self;
	struct arena *a = jinja_rt_arena(rt);
	if (!strcmp(name, "database"))
		*out = strv(a, r->database);
	else if (!strcmp(name, "schema"))
		*out = strv(a, r->schema);
	else if (!strcmp(name, "identifier") || !strcmp(name, "name") || !strcmp(name, "table"))
		*out = strv(a, r->identifier);
	else if (!strcmp(name, "type"))
		*out = strv(a, r->type);
	else if (!strcmp(name, "is_table"))
		*out = jinja_bool(type_is(r, "table"));
	else if (!strcmp(name, "is_view"))
		*out = jinja_bool(type_is(r, "view"));
	else if (!strcmp(name, "is_cte"))
		*out = jinja_bool(type_is(r, "cte"));
	else if (!strcmp(name, "is_materialized_view"))
		*out = jinja_bool(type_is(r, "materialized_view"));
	else if (!strcmp(name, "is_pointer"))
		*out = jinja_bool(type_is(r, "pointer_table"));
	else if (!strcmp(name, "is_function"))
		*out = jinja_bool(type_is(r, "function"));
	else if (!strcmp(name, "path")) {
		struct jinja_value d = jinja_dict_new(a);
		jinja_dict_set_str(d, "database", strv(a, r->database));
		jinja_dict_set_str(d, "schema", strv(a, r->schema));
		jinja_dict_set_str(d, "identifier", strv(a, r->identifier));
		*out = d;
	} else if (!strcmp(name, "include_policy"))
		*out = policy(a, r->inc_db, r->inc_schema, r->inc_ident);
	else if (!strcmp(name, "quote_policy"))
		*out = policy(a, r->q_db, r->q_schema, r->q_ident);
	else if (!strcmp(name, "quote_character"))
		*out = jinja_str_static("\"", 1);
	else if (!strcmp(name, "dbt_created"))
		*out = jinja_bool(false);
	else if (!strcmp(name, "limit") || !strcmp(name, "event_time_filter") ||
		 !strcmp(name, "catalog") || !strcmp(name, "external"))
		*out = jinja_none();
	else if (!strcmp(name, "require_alias"))
		*out = jinja_bool(wh_dbt_require_alias(r->ad));
	else if (!strcmp(name, "can_be_renamed"))
		*out = jinja_bool(renameable(r));
	else if (!strcmp(name, "can_be_replaced"))
		*out = jinja_bool(renameable(r) && type_is(r, "view"));
	else if (!strcmp(name, "information_schema_view") && r->info)
		*out = strv(a, r->info_view);
	else
		return ING_ENOTFOUND;
	return 0;
}

static int rel_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
		       struct jinja_value *out)
{
	if (key.type != JINJA_STR)
		return ING_ENOTFOUND;
	return rel_getattr(rt, self, jinja_str_cstr(jinja_rt_arena(rt), key), out);
}

static int not_a_dict(struct jinja_rt *rt, struct tf_rel *r)
{
	struct buf b = BUF_INIT;
	tf_rel_render(r, &b);
	int rc = jinja_rt_error(rt, ING_EINVAL,
				"The object (\"%s\") was used as a dictionary. This capability has been "
				"removed from objects of this type.",
				buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int rel_iter(struct jinja_rt *rt, void *self, struct jinja_value *list_out)
{
	(void)list_out;
	return not_a_dict(rt, self);
}

/* A string, None (NULL, *set true) or an error for a path part. */
static int path_value(const struct jinja_call *c, const char *what, struct jinja_value v,
		      const char **out)
{
	if (v.type == JINJA_NONE || v.type == JINJA_UNDEFINED) {
		*out = NULL;
		return 0;
	}
	if (v.type != JINJA_STR)
		return jinja_rt_error(c->rt, ING_EINVAL, "Got an invalid path %s: %s", what,
				      jinja_type_name(v));
	*out = jinja_str_cstr(jinja_rt_arena(c->rt), v);
	return 0;
}

static int set_path_part(const struct jinja_call *c, struct tf_rel *n, const char *key,
			 struct jinja_value v)
{
	if (!strcmp(key, "database"))
		return path_value(c, "database", v, &n->database);
	if (!strcmp(key, "schema"))
		return path_value(c, "schema", v, &n->schema);
	if (!strcmp(key, "identifier"))
		return path_value(c, "identifier", v, &n->identifier);
	return jinja_rt_error(c->rt, ING_EINVAL, "Relation path has no part '%s'", key);
}

static int set_type(const struct jinja_call *c, struct tf_rel *n, struct jinja_value v)
{
	if (v.type == JINJA_NONE || v.type == JINJA_UNDEFINED) {
		n->type = NULL;
		return 0;
	}
	const char *t = v.type == JINJA_STR ? jinja_str_cstr(jinja_rt_arena(c->rt), v) : NULL;
	for (size_t i = 0; t && rel_types[i]; i++)
		if (!strcmp(rel_types[i], t)) {
			n->type = rel_types[i];
			return 0;
		}
	struct buf b = BUF_INIT;
	jinja_value_repr(c->rt, v, &b);
	int rc = jinja_rt_error(c->rt, ING_EINVAL, "%s is not a valid RelationType", buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* A policy dict (or kwargs) onto three flags. */
static int set_policy(const struct jinja_call *c, struct jinja_value d, bool *db, bool *schema,
		      bool *ident)
{
	if (d.type != JINJA_DICT)
		return jinja_rt_error(c->rt, ING_EINVAL, "a policy is a mapping of database, schema and identifier to booleans");
	for (size_t i = 0; i < jinja_dict_len(d); i++) {
		struct jinja_value k = jinja_dict_key(d, i), v = jinja_dict_val(d, i);
		if (v.type == JINJA_NONE)
			continue;
		bool on = jinja_truthy(v);
		if (jinja_value_eq(k, jinja_str_static("database", 8)))
			*db = on;
		else if (jinja_value_eq(k, jinja_str_static("schema", 6)))
			*schema = on;
		else if (jinja_value_eq(k, jinja_str_static("identifier", 10)))
			*ident = on;
	}
	return 0;
}

/* incorporate(**kw) / api.Relation.create(**kw) fields onto n. */
static int apply_fields(const struct jinja_call *c, struct tf_rel *n, bool create)
{
	for (size_t i = 0; i < c->nkwargs; i++) {
		const struct jinja_kwarg *k = &c->kwargs[i];
		int rc = 0;
		if (!strcmp(k->name, "path")) {
			if (k->value.type != JINJA_DICT)
				return jinja_rt_error(c->rt, ING_EINVAL, "incorporate(path=...) takes a mapping");
			for (size_t j = 0; !rc && j < jinja_dict_len(k->value); j++) {
				struct jinja_value key = jinja_dict_key(k->value, j);
				if (key.type != JINJA_STR)
					return jinja_rt_error(c->rt, ING_EINVAL, "a path part is named by a string");
				rc = set_path_part(c, n, jinja_str_cstr(jinja_rt_arena(c->rt), key),
						   jinja_dict_val(k->value, j));
			}
		} else if (!strcmp(k->name, "type")) {
			rc = set_type(c, n, k->value);
		} else if (!strcmp(k->name, "include_policy")) {
			rc = set_policy(c, k->value, &n->inc_db, &n->inc_schema, &n->inc_ident);
		} else if (!strcmp(k->name, "quote_policy")) {
			rc = set_policy(c, k->value, &n->q_db, &n->q_schema, &n->q_ident);
		} else if (create && (!strcmp(k->name, "database") || !strcmp(k->name, "schema") ||
				      !strcmp(k->name, "identifier"))) {
			rc = set_path_part(c, n, k->name, k->value);
		} else if (!strcmp(k->name, "information_schema_view") && n->info) {
			const char *s = NULL;
			rc = path_value(c, "information_schema_view", k->value, &s);
			n->info_view = s;
		}
		/* other dataclass fields (limit, dbt_created, ...) keep ingot's
		 * values: relations render without them */
		if (rc)
			return rc;
	}
	return 0;
}

/* quote(database=, schema=, identifier=) / include(...): None leaves a part. */
static void policy_kwargs(const struct jinja_call *c, bool *db, bool *schema, bool *ident)
{
	static const char *const names[] = {"database", "schema", "identifier"};
	bool *dst[] = {db, schema, ident};
	for (size_t i = 0; i < 3; i++) {
		struct jinja_value v;
		if (jinja_call_arg(c, i, names[i], &v) && v.type != JINJA_NONE &&
		    v.type != JINJA_UNDEFINED)
			*dst[i] = jinja_truthy(v);
	}
}

static struct tf_rel *rel_copy(struct arena *a, const struct tf_rel *r)
{
	struct tf_rel *n = arena_alloc(a, sizeof(*n));
	*n = *r;
	return n;
}

static int matches(const struct jinja_call *c, struct tf_rel *r, struct jinja_value *ret)
{
	static const char *const names[] = {"database", "schema", "identifier"};
	const char *have[] = {r->database, r->schema, r->identifier};
	bool any = false, exact = true, approx = true;
	for (size_t i = 0; i < 3; i++) {
		struct jinja_value v;
		if (!jinja_call_arg(c, i, names[i], &v) || v.type == JINJA_NONE ||
		    v.type == JINJA_UNDEFINED)
			continue;
		any = true;
		const char *want = v.type == JINJA_STR ? jinja_str_cstr(jinja_rt_arena(c->rt), v) : "";
		if (!have[i] || strcmp(have[i], want))
			exact = false;
		if (!have[i] || str_casecmp(have[i], want))
			approx = false;
	}
	if (!any)
		return jinja_rt_error(c->rt, ING_EINVAL,
				      "Tried to match relation, but no search path was passed!");
	if (approx && !exact) {
		struct buf b = BUF_INIT;
		tf_rel_render(r, &b);
		int rc = jinja_rt_error(c->rt, ING_EINVAL,
					"When searching for a relation, dbt found an approximate match. "
					"Instead of guessing which relation to use, dbt will move on. "
					"Please delete %s, or rename it to be less ambiguous.",
					buf_cstr(&b));
		buf_free(&b);
		return rc;
	}
	*ret = jinja_bool(exact);
	return 0;
}

static int rel_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct tf_rel *r = tf_rel_of(c->self);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!r)
		return ING_ENOTFOUND;
	if (!strcmp(name, "render") || !strcmp(name, "render_limited") ||
	    !strcmp(name, "__str__")) {
		struct buf b = BUF_INIT;
		tf_rel_render(r, &b);
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return 0;
	}
	if (!strcmp(name, "get")) {
		/* Mapping.get, with dbt's override for dbt_utils: metadata */
		struct jinja_value key, dflt;
		if (!jinja_call_arg(c, 0, "key", &key))
			return jinja_rt_error(c->rt, ING_EINVAL, "get() takes a key");
		if (!jinja_call_arg(c, 1, "default", &dflt))
			dflt = jinja_none();
		if (jinja_value_eq(key, jinja_str_static("metadata", 8))) {
			struct jinja_value d = jinja_dict_new(a);
			jinja_dict_set_str(d, "type", jinja_str(a, wh_dbt_relation_class(r->ad), (size_t)-1));
			*ret = d;
			return 0;
		}
		if (key.type == JINJA_STR &&
		    rel_getattr(c->rt, r, jinja_str_cstr(a, key), ret) == 0)
			return 0;
		*ret = dflt;
		return 0;
	}
	if (!strcmp(name, "keys") || !strcmp(name, "items") || !strcmp(name, "values") ||
	    !strcmp(name, "__len__") || !strcmp(name, "__iter__"))
		return not_a_dict(c->rt, r);
	if (!strcmp(name, "include") || !strcmp(name, "quote")) {
		struct tf_rel *n = rel_copy(a, r);
		if (!strcmp(name, "include"))
			policy_kwargs(c, &n->inc_db, &n->inc_schema, &n->inc_ident);
		else
			policy_kwargs(c, &n->q_db, &n->q_schema, &n->q_ident);
		*ret = jinja_obj(a, &tf_rel_ops, n);
		return 0;
	}
	if (!strcmp(name, "incorporate") || !strcmp(name, "replace")) {
		struct tf_rel *n = rel_copy(a, r);
		int rc = apply_fields(c, n, false);
		if (rc)
			return rc;
		*ret = jinja_obj(a, &tf_rel_ops, n);
		return 0;
	}
	if (!strcmp(name, "replace_path")) {
		struct tf_rel *n = rel_copy(a, r);
		for (size_t i = 0; i < c->nkwargs; i++) {
			int rc = set_path_part(c, n, c->kwargs[i].name, c->kwargs[i].value);
			if (rc)
				return rc;
		}
		*ret = jinja_obj(a, &tf_rel_ops, n);
		return 0;
	}
	if (!strcmp(name, "information_schema") || !strcmp(name, "information_schema_only")) {
		struct jinja_value view;
		struct tf_rel *n = rel_alloc(a);
		n->ad = r->ad;
		n->info = true;
		n->type = "view";
		n->database = r->database;
		n->inc_db = r->database != NULL;
		n->q_db = r->q_db;
		n->q_schema = r->q_schema;
		n->q_ident = false;
		n->inc_schema = false;
		n->identifier = "INFORMATION_SCHEMA";
		if (!strcmp(name, "information_schema") && jinja_call_arg(c, 0, "view_name", &view) &&
		    view.type == JINJA_STR)
			n->info_view = jinja_str_cstr(a, view);
		*ret = jinja_obj(a, &tf_rel_ops, n);
		return 0;
	}
	if (!strcmp(name, "without_identifier")) {
		struct tf_rel *n = rel_copy(a, r);
		n->inc_ident = false;
		n->identifier = NULL;
		*ret = jinja_obj(a, &tf_rel_ops, n);
		return 0;
	}
	if (!strcmp(name, "matches"))
		return matches(c, r, ret);
	if (!strcmp(name, "quoted")) {
		struct jinja_value v;
		struct buf b = BUF_INIT, s = BUF_INIT;
		if (jinja_call_arg(c, 0, "identifier", &v))
			jinja_value_str(c->rt, v, &s);
		buf_printf(&b, "\"%s\"", buf_cstr(&s));
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		buf_free(&s);
		return 0;
	}
	return ING_ENOTFOUND;
}

const struct jinja_obj_ops tf_rel_ops = {
	.type_name = "Relation",
	.getattr = rel_getattr,
	.getitem = rel_getitem,
	.method = rel_method,
	.str = rel_str,
	.iter = rel_iter,
	.flags = JINJA_OBJF_MAPPING,
	.hash = rel_hash,
	.eq = rel_eq,
};

/* ------------------------------------------------------ api.Relation */

static int api_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	const struct wh_adapter *ad = c->user;
	if (!strcmp(name, "create")) {
		/* create(database=None, schema=None, identifier=None, type=None, **kw) */
		static const char *const names[] = {"database", "schema", "identifier", "type"};
		for (size_t i = 0; i < c->nargs; i++)
			if (i >= 4)
				return jinja_rt_error(c->rt, ING_EINVAL,
						      "Relation.create() takes at most 4 positional arguments");
		struct tf_rel *n = rel_alloc(a);
		n->ad = ad;
		for (size_t i = 0; i < c->nargs; i++) {
			int rc = i < 3 ? set_path_part(c, n, names[i], c->args[i]) : set_type(c, n, c->args[i]);
			if (rc)
				return rc;
		}
		int rc = apply_fields(c, n, true);
		if (rc)
			return rc;
		*ret = jinja_obj(a, &tf_rel_ops, n);
		return 0;
	}
	if (!strcmp(name, "add_ephemeral_prefix")) {
		struct jinja_value v;
		struct buf s = BUF_INIT;
		if (jinja_call_arg(c, 0, "name", &v))
			jinja_value_str(c->rt, v, &s);
		*ret = jinja_str(a, arena_printf(a, "__dbt__cte__%s", buf_cstr(&s)), (size_t)-1);
		buf_free(&s);
		return 0;
	}
	return ING_ENOTFOUND;
}

static int api_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)rt;
	(void)self;
	static const char *const props[][2] = {
		{"Table", "table"},       {"View", "view"},         {"CTE", "cte"},
		{"External", "external"}, {"MaterializedView", "materialized_view"},
		{"PointerTable", "pointer_table"}, {"Function", "function"},
	};
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (!strcmp(name, props[i][0])) {
			*out = jinja_str_static(props[i][1], strlen(props[i][1]));
			return 0;
		}
	return ING_ENOTFOUND;
}

static int api_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	buf_printf(out, "<class '%s'>", wh_dbt_relation_class(self));
	return 0;
}

static const struct jinja_obj_ops api_ops = {
	.type_name = "type",
	.method = api_method,
	.getattr = api_getattr,
	.str = api_str,
};

struct jinja_value tf_relation_api(struct arena *a, const struct wh_adapter *ad)
{
	return jinja_obj(a, &api_ops, (void *)ad);
}
