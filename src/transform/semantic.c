/*
 * transform/semantic.c — semantic models, metrics and saved queries (see
 * semantic.h): what dbt-core does with them, which is parsing, validating
 * and publishing them in manifest.json and the Jinja graph. Computing a
 * metric is MetricFlow's job, not dbt-core's, and not ingot's.
 *
 * Each entry becomes a tf_node (so selection, `ls`, parent_map/child_map
 * and cycle detection treat it as dbt does) whose YAML entry is kept in
 * n->sem; the manifest and graph shapes are written from it on demand, in
 * dbt's manifest v12 shape. The graph gets exactly the manifest's JSON
 * (one writer, two consumers) rather than a second hand-built dict.
 *
 * Checks follow dbt-core's parsers and dbt-semantic-interfaces' rules that
 * dbt runs at parse time: names, entity/dimension/measure types, time
 * dimensions' granularity, a measure's agg and agg_time_dimension, a
 * primary entity when there are dimensions, measures unique across
 * semantic models, refs, input measures and metrics, saved queries'
 * metrics. Not done: jinja in filters is not checked for the dimensions
 * it names (MetricFlow's query-time validation), and project-level
 * `metrics:`/`semantic-models:` config trees are not applied.
 */
#include "transform/semantic.h"

#include "core/mem.h"
#include "core/buf.h"
#include "core/digest.h"

#include <jansson.h>
#include <stdio.h>
#include <strings.h>

#include <stdlib.h>
#include <string.h>


static const char *const list_keys[] = {"semantic_models", "metrics", "saved_queries"};
static const enum tf_rtype list_types[] = {TF_SEMANTIC_MODEL, TF_METRIC, TF_SAVED_QUERY};
static const char *const what_of[] = {"semantic model", "metric", "saved query"};

static const char *what(const struct tf_node *n)
{
	return n->rtype == TF_SEMANTIC_MODEL ? "semantic model"
	       : n->rtype == TF_METRIC	     ? "metric"
					     : "saved query";
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

static const char *const granularities[] = {"nanosecond", "microsecond", "millisecond", "second",
					    "minute",	  "hour",	 "day",	 "week",
					    "month",	  "quarter",	 "year"};
static const char *const aggs[] = {"sum",	"min",	   "max",    "count_distinct", "sum_boolean",
				   "average", "percentile", "median", "count"};
static const char *const entity_types[] = {"primary", "unique", "foreign", "natural"};
static const char *const metric_types[] = {"simple", "ratio", "cumulative", "derived", "conversion"};

/* dbt-semantic-interfaces' name rule */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 250 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '_' || strstr(s, "__"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static int check_name(struct err *e, const struct ynode *at, const char *kind, const char *name)
{
	if (valid_name(name))
		return 0;
	return yerr(e, at, ING_ECONFIG,
		    "invalid %s name '%s': use lower case letters, digits and underscores, start "
		    "with a letter, do not end with '_' or contain '__' (2 to 250 characters)",
		    kind, name);
}

/* a scalar's text, or NULL */
static const char *sval(const struct ynode *n)
{
	return n && n->type == Y_SCALAR && !yscalar_is_null(n) ? n->str : NULL;
}

static const struct ynode *seq_of(const struct ynode *m, const char *key)
{
	const struct ynode *s = ymap_get(m, key);
	return s && s->type == Y_SEQ ? s : NULL;
}

/* The name an input (measure or metric) gives: a string or {name: ...}. */
static const char *input_name(const struct ynode *v)
{
	if (!v)
		return NULL;
	if (v->type == Y_MAP)
		return ymap_str(v, "name");
	return sval(v);
}

/* ------------------------------------------------------------ config */

static struct jinja_value sem_config(struct tf_proj *tp, const struct ynode *m, bool *enabled,
				     struct err *e, int *rc)
{
	struct arena *a = jinja_env_arena(tp->env);
	const struct ynode *c = ymap_get(m, "config");
	struct jinja_value cfg = jinja_dict_new(a);
	*enabled = true;
	const struct ynode *en = c ? ymap_get(c, "enabled") : NULL;
	if (en && yscalar_bool(en, enabled) < 0)
		*rc = yerr(e, en, ING_ECONFIG, "'enabled' must be true or false");
	jinja_dict_set_str(cfg, "enabled", jinja_bool(*enabled));
	const char *g = c ? ymap_str(c, "group") : NULL;
	if (!g)
		g = ymap_str(m, "group");
	jinja_dict_set_str(cfg, "group", g ? jinja_str(a, g, (size_t)-1) : jinja_none());
	struct jinja_value meta = jinja_dict_new(a);
	const struct ynode *ms[] = {ymap_get(m, "meta"), c ? ymap_get(c, "meta") : NULL};
	for (size_t k = 0; k < 2; k++) {
		struct jinja_value v = ms[k] && ms[k]->type == Y_MAP ? tf_yaml_value(a, ms[k])
								    : jinja_none();
		for (size_t i = 0; v.type == JINJA_DICT && i < jinja_dict_len(v); i++)
			jinja_dict_set(meta, jinja_dict_key(v, i), jinja_dict_val(v, i));
	}
	jinja_dict_set_str(cfg, "meta", meta);
	const struct ynode *tags = c ? ymap_get(c, "tags") : NULL;
	if (!tags)
		tags = ymap_get(m, "tags");
	struct jinja_value tl = jinja_list_new(a, 0);
	if (tags && tags->type == Y_SCALAR && sval(tags))
		jinja_list_push(tl, jinja_str(a, tags->str, (size_t)-1));
	for (size_t i = 0; tags && tags->type == Y_SEQ && i < tags->n; i++)
		if (sval(tags->items[i]))
			jinja_list_push(tl, jinja_str(a, tags->items[i]->str, (size_t)-1));
	jinja_dict_set_str(cfg, "tags", tl);
	return cfg;
}

/* ----------------------------------------------------- entry checks */

/* Names of the elements of one list (entities/dimensions/measures) of a
 * semantic model are unique in it, and valid. */
static int check_elements(const struct ynode *list, const char *kind, const char *model,
			  struct err *e)
{
	for (size_t i = 0; list && i < list->n; i++) {
		const struct ynode *it = list->items[i];
		const char *name = ymap_str(it, "name");
		if (!name)
			return yerr(e, it, ING_ECONFIG, "each %s of semantic model '%s' needs a name",
				    kind, model);
		int rc = check_name(e, ymap_get(it, "name"), kind, name);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++) {
			const char *o = ymap_str(list->items[j], "name");
			if (o && !strcmp(o, name))
				return yerr(e, it, ING_ECONFIG,
					    "semantic model '%s' has two %ss named '%s' (line %d and "
					    "here): rename one",
					    model, kind, name, list->items[j]->line);
		}
	}
	return 0;
}

static const struct ynode *find_elem(const struct ynode *list, const char *name)
{
	for (size_t i = 0; list && i < list->n; i++) {
		const char *o = ymap_str(list->items[i], "name");
		if (o && !strcmp(o, name))
			return list->items[i];
	}
	return NULL;
}

/* "ref('m')", "ref(\"m\")", "ref('pkg', 'm')", "ref('m', v=2)" */
static int parse_ref(struct arena *a, const char *s, struct tf_ref *r)
{
	memset(r, 0, sizeof(*r));
	while (*s == ' ')
		s++;
	if (strncmp(s, "ref(", 4))
		return -1;
	const char *args[2];
	size_t lens[2];
	int n = 0;
	const char *p = s + 4;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\'' || *p == '"') {
			const char *q = strchr(p + 1, *p);
			if (!q || n == 2)
				return -1;
			args[n] = p + 1;
			lens[n++] = (size_t)(q - p - 1);
			p = q + 1;
		} else if (!strncmp(p, "v=", 2) || !strncmp(p, "version=", 8)) {
			p = strchr(p, '=') + 1;
			while (*p == ' ' || *p == '\'' || *p == '"')
				p++;
			r->version = atoi(p);
			while (*p && *p != ')' && *p != ',')
				p++;
		} else if (*p == ')') {
			break;
		} else {
			return -1;
		}
	}
	if (n == 0)
		return -1;
	if (n == 2)
		r->package = arena_strndup(a, args[0], lens[0]);
	r->name = arena_strndup(a, args[n - 1], lens[n - 1]);
	return 0;
}

static int check_semantic_model(struct tf_proj *tp, struct tf_node *n, const struct ynode *m,
				struct err *e)
{
	struct arena *a = tp->arena;
	const struct ynode *mo = ymap_get(m, "model");
	if (!sval(mo))
		return yerr(e, m, ING_ECONFIG,
			    "semantic model '%s' needs a model: add model: ref('<model name>')", n->name);
	struct tf_ref r;
	if (parse_ref(a, mo->str, &r))
		return yerr(e, mo, ING_ECONFIG,
			    "semantic model '%s': model must be written ref('<model name>'), not '%s'",
			    n->name, mo->str);
	r.at = (struct tf_loc){mo->file, mo->line, mo->col};
	vec_push(&n->refs, r);
	const struct ynode *ents = seq_of(m, "entities"), *dims = seq_of(m, "dimensions"),
			   *meas = seq_of(m, "measures");
	int rc;
	if ((rc = check_elements(ents, "entity", n->name, e)) ||
	    (rc = check_elements(dims, "dimension", n->name, e)) ||
	    (rc = check_elements(meas, "measure", n->name, e)))
		return rc;
	bool has_primary = ymap_str(m, "primary_entity") != NULL;
	for (size_t i = 0; ents && i < ents->n; i++) {
		const struct ynode *it = ents->items[i], *t = ymap_get(it, "type");
		if (!one_of(sval(t), entity_types, ARRAY_SIZE(entity_types)))
			return yerr(e, t ? t : it, ING_ECONFIG,
				    "entity '%s' of semantic model '%s' needs a type: primary, unique, "
				    "foreign or natural",
				    ymap_str(it, "name"), n->name);
		has_primary |= !strcmp(t->str, "primary") || !strcmp(t->str, "natural");
	}
	for (size_t i = 0; dims && i < dims->n; i++) {
		const struct ynode *it = dims->items[i], *t = ymap_get(it, "type");
		const char *dn = ymap_str(it, "name");
		if (!sval(t) || (strcasecmp(t->str, "categorical") && strcasecmp(t->str, "time")))
			return yerr(e, t ? t : it, ING_ECONFIG,
				    "dimension '%s' of semantic model '%s' needs a type: categorical or "
				    "time",
				    dn, n->name);
		if (!strcasecmp(t->str, "time")) {
			const struct ynode *tp_ = ymap_get(it, "type_params");
			const struct ynode *g = tp_ ? ymap_get(tp_, "time_granularity") : NULL;
			if (!sval(g))
				return yerr(e, tp_ ? tp_ : it, ING_ECONFIG,
					    "time dimension '%s' of semantic model '%s' needs "
					    "type_params: {time_granularity: day} (or another grain: "
					    "second, minute, hour, day, week, month, quarter, year)",
					    dn, n->name);
			char low[32];
			snprintf(low, sizeof(low), "%s", g->str);
			for (char *p = low; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			if (!one_of(low, granularities, ARRAY_SIZE(granularities)))
				return yerr(e, g, ING_ECONFIG,
					    "unknown time_granularity '%s' for dimension '%s': use "
					    "one of nanosecond, microsecond, millisecond, second, "
					    "minute, hour, day, week, month, quarter, year",
					    g->str, dn);
		}
	}
	if (dims && dims->n && !has_primary)
		return yerr(e, m, ING_ECONFIG,
			    "semantic model '%s' has dimensions but no primary entity: add an entity "
			    "of type primary, or primary_entity: <name>",
			    n->name);
	const struct ynode *defs = ymap_get(m, "defaults");
	const char *dflt_atd = defs ? ymap_str(defs, "agg_time_dimension") : NULL;
	for (size_t i = 0; meas && i < meas->n; i++) {
		const struct ynode *it = meas->items[i], *ag = ymap_get(it, "agg");
		const char *mn = ymap_str(it, "name");
		if (!sval(ag))
			return yerr(e, it, ING_ECONFIG,
				    "measure '%s' of semantic model '%s' needs an agg: sum, min, max, "
				    "count, count_distinct, sum_boolean, average, percentile or median",
				    mn, n->name);
		if (!one_of(ag->str, aggs, ARRAY_SIZE(aggs)))
			return yerr(e, ag, ING_ECONFIG,
				    "unknown agg '%s' for measure '%s': use one of sum, min, max, "
				    "count, count_distinct, sum_boolean, average, percentile, median",
				    ag->str, mn);
		if (!strcmp(ag->str, "percentile")) {
			const struct ynode *ap = ymap_get(it, "agg_params");
			if (!ap || !ymap_get(ap, "percentile"))
				return yerr(e, ag, ING_ECONFIG,
					    "measure '%s' aggregates with percentile: add agg_params: "
					    "{percentile: 0.5}",
					    mn);
		}
		const struct ynode *atn = ymap_get(it, "agg_time_dimension");
		const char *atd = sval(atn) ? atn->str : dflt_atd;
		if (!atd)
			return yerr(e, it, ING_ECONFIG,
				    "measure '%s' of semantic model '%s' has no agg_time_dimension: set "
				    "it on the measure, or defaults: {agg_time_dimension: <time "
				    "dimension>} on the semantic model",
				    mn, n->name);
		const struct ynode *d = find_elem(dims, atd);
		const char *dt = d ? ymap_str(d, "type") : NULL;
		if (!dt || strcasecmp(dt, "time"))
			return yerr(e, sval(atn) ? atn : ymap_get(defs, "agg_time_dimension"),
				    ING_ECONFIG,
				    "agg_time_dimension '%s' of measure '%s' is not a time dimension "
				    "of semantic model '%s': add it to dimensions: with type: time",
				    atd, mn, n->name);
		const struct ynode *nad = ymap_get(it, "non_additive_dimension");
		if (nad && nad->type == Y_MAP) {
			if (!ymap_str(nad, "name"))
				return yerr(e, nad, ING_ECONFIG,
					    "non_additive_dimension of measure '%s' needs a name", mn);
			const char *wc = ymap_str(nad, "window_choice");
			if (wc && strcmp(wc, "min") && strcmp(wc, "max"))
				return yerr(e, ymap_get(nad, "window_choice"), ING_ECONFIG,
					    "window_choice must be min or max, not '%s'", wc);
		}
	}
	return 0;
}

static int check_metric(struct tf_node *n, const struct ynode *m, struct err *e)
{
	const struct ynode *ty = ymap_get(m, "type");
	if (!sval(ty))
		return yerr(e, m, ING_ECONFIG,
			    "metric '%s' needs a type: simple, ratio, cumulative, derived or "
			    "conversion",
			    n->name);
	char t[16];
	snprintf(t, sizeof(t), "%s", ty->str);
	for (char *p = t; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (!one_of(t, metric_types, ARRAY_SIZE(metric_types)))
		return yerr(e, ty, ING_ECONFIG,
			    "unknown metric type '%s': use simple, ratio, cumulative, derived or "
			    "conversion",
			    ty->str);
	const struct ynode *tpm = ymap_get(m, "type_params");
	if (!tpm || tpm->type != Y_MAP)
		return yerr(e, m, ING_ECONFIG, "metric '%s' needs type_params:", n->name);
	if (!strcmp(t, "simple") || !strcmp(t, "cumulative")) {
		if (!input_name(ymap_get(tpm, "measure")))
			return yerr(e, tpm, ING_ECONFIG,
				    "%s metric '%s' needs type_params: {measure: <measure name>}", t,
				    n->name);
	} else if (!strcmp(t, "ratio")) {
		if (!input_name(ymap_get(tpm, "numerator")) || !input_name(ymap_get(tpm, "denominator")))
			return yerr(e, tpm, ING_ECONFIG,
				    "ratio metric '%s' needs type_params: {numerator: <metric>, "
				    "denominator: <metric>}",
				    n->name);
	} else if (!strcmp(t, "derived")) {
		const struct ynode *ms = seq_of(tpm, "metrics");
		if (!ymap_str(tpm, "expr") || !ms || !ms->n)
			return yerr(e, tpm, ING_ECONFIG,
				    "derived metric '%s' needs type_params: {expr: ..., metrics: [...]}",
				    n->name);
		for (size_t i = 0; i < ms->n; i++)
			if (!input_name(ms->items[i]))
				return yerr(e, ms->items[i], ING_ECONFIG,
					    "each of derived metric '%s' metrics needs a name", n->name);
	} else { /* conversion */
		const struct ynode *c = ymap_get(tpm, "conversion_type_params");
		if (!c || !input_name(ymap_get(c, "base_measure")) ||
		    !input_name(ymap_get(c, "conversion_measure")) || !ymap_str(c, "entity"))
			return yerr(e, c ? c : tpm, ING_ECONFIG,
				    "conversion metric '%s' needs type_params: {conversion_type_params: "
				    "{base_measure: ..., conversion_measure: ..., entity: ...}}",
				    n->name);
	}
	if (!strcmp(t, "cumulative")) {
		const struct ynode *cp = ymap_get(tpm, "cumulative_type_params");
		bool w = ymap_get(tpm, "window") || (cp && ymap_get(cp, "window"));
		bool g = ymap_get(tpm, "grain_to_date") || (cp && ymap_get(cp, "grain_to_date"));
		if (w && g)
			return yerr(e, tpm, ING_ECONFIG,
				    "cumulative metric '%s' has both a window and a grain_to_date: keep "
				    "one",
				    n->name);
	}
	return 0;
}

static int check_saved_query(struct tf_node *n, const struct ynode *m, struct err *e)
{
	const struct ynode *qp = ymap_get(m, "query_params");
	const struct ynode *ms = qp ? seq_of(qp, "metrics") : NULL;
	if (!qp || qp->type != Y_MAP)
		return yerr(e, m, ING_ECONFIG,
			    "saved query '%s' needs query_params: {metrics: [...], group_by: [...]}",
			    n->name);
	for (size_t i = 0; ms && i < ms->n; i++)
		if (!sval(ms->items[i]))
			return yerr(e, ms->items[i], ING_ECONFIG,
				    "saved query '%s': each of query_params.metrics is a metric name",
				    n->name);
	const struct ynode *ex = seq_of(m, "exports");
	for (size_t i = 0; ex && i < ex->n; i++) {
		const struct ynode *x = ex->items[i];
		const char *xn = ymap_str(x, "name");
		if (!xn)
			return yerr(e, x, ING_ECONFIG, "each export of saved query '%s' needs a name",
				    n->name);
		const struct ynode *c = ymap_get(x, "config");
		const char *as = c ? ymap_str(c, "export_as") : NULL;
		if (!as || (strcmp(as, "table") && strcmp(as, "view")))
			return yerr(e, c ? c : x, ING_ECONFIG,
				    "export '%s' of saved query '%s' needs config: {export_as: table} "
				    "(or view)",
				    xn, n->name);
		for (size_t j = 0; j < i; j++) {
			const char *o = ymap_str(ex->items[j], "name");
			if (o && !strcmp(o, xn))
				return yerr(e, x, ING_ECONFIG,
					    "saved query '%s' has two exports named '%s'", n->name, xn);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ parse */

static int add_entry(struct tf_proj *tp, size_t k, const char *pkg, const struct ynode *m,
		     const char *rel, const char *ofp, struct tf_node **out, struct err *e)
{
	struct arena *a = tp->arena;
	const char *name = ymap_str(m, "name");
	if (m->type != Y_MAP || !name)
		return yerr(e, m, ING_ECONFIG, "each entry of '%s:' needs a name", list_keys[k]);
	int rc = check_name(e, ymap_get(m, "name"), what_of[k], name);
	if (rc)
		return rc;
	const char *uid = arena_printf(a, "%s.%s.%s", tf_rtype_name(list_types[k]), pkg, name);
	struct tf_node *old = strmap_get(&tp->by_id, uid);
	if (old)
		return yerr(e, m, ING_ECONFIG, "%s '%s' is defined twice: in %s and here; rename one",
			    what_of[k], name, old->original_file_path);
	struct tf_node *n = tf__node_new(tp, list_types[k], pkg, arena_strdup(a, name));
	n->unique_id = uid;
	n->original_file_path = ofp;
	n->path = rel;
	n->sem = m;
	n->err_line = m->line;
	const char *d = ymap_str(m, "description");
	n->description = d ? arena_strdup(a, d) : "";
	size_t cap = 3;
	for (const char *p = rel; *p; p++)
		cap += *p == '/';
	const char **f = arena_alloc(a, cap * sizeof(char *));
	size_t nf = 0;
	f[nf++] = pkg;
	const char *s = rel;
	for (const char *p; (p = strchr(s, '/')); s = p + 1)
		f[nf++] = arena_strndup(a, s, (size_t)(p - s));
	f[nf++] = n->name;
	n->fqn = f;
	n->nfqn = nf;
	n->config = sem_config(tp, m, &n->enabled, e, &rc);
	if (rc)
		return rc;
	strmap_put(&tp->by_id, uid, n);
	*out = n;
	return k == 0 ? check_semantic_model(tp, n, m, e)
	       : k == 1 ? check_metric(n, m, e)
			: check_saved_query(n, m, e);
}

/* A measure with create_metric: true gets a simple metric of its name,
 * label and description, as dbt's semantic model parser adds one. */
static int create_metrics(struct tf_proj *tp, const struct tf_node *sm, const char *pkg,
			  const char *rel, const char *ofp, struct err *e)
{
	const struct ynode *meas = seq_of(sm->sem, "measures");
	for (size_t i = 0; meas && i < meas->n; i++) {
		const struct ynode *it = meas->items[i], *cm = ymap_get(it, "create_metric");
		bool yes = false;
		if (!cm || yscalar_bool(cm, &yes) < 0 || !yes)
			continue;
		const char *name = ymap_str(it, "name"), *label = ymap_str(it, "label"),
			   *desc = ymap_str(it, "description");
		struct buf b = BUF_INIT;
		buf_puts(&b, "{name: ");
		json_escape(&b, name, strlen(name));
		buf_puts(&b, ", type: simple, label: ");
		json_escape(&b, label ? label : name, strlen(label ? label : name));
		if (desc) {
			buf_puts(&b, ", description: ");
			json_escape(&b, desc, strlen(desc));
		}
		buf_puts(&b, ", type_params: {measure: ");
		json_escape(&b, name, strlen(name));
		buf_puts(&b, "}}");
		struct ynode *m = NULL;
		int rc = yaml_load_string(buf_cstr(&b), b.len, ofp, tp->arena, &m, e);
		buf_free(&b);
		if (rc)
			return rc;
		/* errors about it point at the measure */
		m->file = it->file;
		m->line = it->line;
		m->col = it->col;
		struct tf_node *n = NULL;
		if ((rc = add_entry(tp, 1, pkg, m, rel, ofp, &n, e)))
			return rc;
	}
	return 0;
}

int tf__semantic_props(struct tf_proj *tp, const char *pkg, const struct ynode *root,
		       const char *rel, const char *ofp, struct err *e)
{
	for (size_t k = 0; k < ARRAY_SIZE(list_keys); k++) {
		const struct ynode *l = seq_of(root, list_keys[k]);
		for (size_t i = 0; l && i < l->n; i++) {
			struct tf_node *n = NULL;
			int rc = add_entry(tp, k, pkg, l->items[i], rel, ofp, &n, e);
			if (!rc && k == 0)
				rc = create_metrics(tp, n, pkg, rel, ofp, e);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- link */

static void add_edge(struct tf_node *n, struct tf_node *d)
{
	for (size_t i = 0; i < n->deps.len; i++)
		if (n->deps.items[i] == d->idx)
			return;
	vec_push(&n->deps, d->idx);
	vec_push(&d->children, n->idx);
}

struct sem_index {
	struct strmap measures; /* measure name -> semantic model node */
	struct strmap metrics;  /* metric name -> node */
};

/* Levenshtein distance, capped (names are short) */
static size_t edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t v = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = v < sub ? v : sub;
			prev = cur;
		}
	}
	return row[lb];
}

/* " (did you mean 'x'?)" for the closest key of m, or "" */
static const char *nearest(struct arena *a, const struct strmap *m, const char *want)
{
	const char *best = NULL;
	size_t bd = 99;
	for (size_t i = 0; want && i < strmap_len(m); i++) {
		const char *k = strmap_key(m, i);
		size_t d = k ? edits(want, k) : 99;
		if (d < bd && d <= (strlen(want) + 2) / 3) {
			bd = d;
			best = k;
		}
	}
	return best ? arena_printf(a, " (did you mean '%s'?)", best) : "";
}

static int need_measure(struct tf_proj *tp, struct sem_index *x, struct tf_node *n,
			const struct ynode *v, const char *role, struct err *e)
{
	const char *mn = input_name(v);
	struct tf_node *sm = mn ? strmap_get(&x->measures, mn) : NULL;
	if (!sm)
		return yerr(e, v, ING_ECONFIG,
			    "metric '%s': %s '%s' is not a measure of any enabled semantic model%s: "
			    "define it under measures: of a semantic model",
			    n->name, role, mn ? mn : "?", nearest(tp->arena, &x->measures, mn));
	add_edge(n, sm);
	return 0;
}

static int need_metric(struct tf_proj *tp, struct sem_index *x, struct tf_node *n,
		       const struct ynode *v, const char *role, struct err *e)
{
	const char *mn = input_name(v);
	struct tf_node *mt = mn ? strmap_get(&x->metrics, mn) : NULL;
	if (!mt) {
		for (size_t i = 0; mn && i < tp->nodes.len; i++) {
			const struct tf_node *o = tp->nodes.items[i];
			if (o->rtype == TF_METRIC && !o->enabled && !strcmp(o->name, mn))
				return yerr(e, v, ING_ECONFIG,
					    "%s '%s': %s '%s' is disabled and cannot be referenced: "
					    "enable it or remove the reference",
					    what(n), n->name, role, mn);
		}
		return yerr(e, v, ING_ECONFIG,
			    "%s '%s': %s '%s' is not a metric of this project%s: define it under "
			    "metrics: or fix the name",
			    what(n), n->name, role, mn ? mn : "?", nearest(tp->arena, &x->metrics, mn));
	}
	if (mt == n)
		return yerr(e, v, ING_ECONFIG, "metric '%s' uses itself as its %s", n->name, role);
	add_edge(n, mt);
	return 0;
}

static int link_metric(struct tf_proj *tp, struct sem_index *x, struct tf_node *n, struct err *e)
{
	const struct ynode *tpm = ymap_get(n->sem, "type_params");
	const char *t = ymap_str(n->sem, "type");
	int rc = 0;
	if (!strcasecmp(t, "simple") || !strcasecmp(t, "cumulative"))
		rc = need_measure(tp, x, n, ymap_get(tpm, "measure"), "measure", e);
	else if (!strcasecmp(t, "ratio")) {
		if (!(rc = need_metric(tp, x, n, ymap_get(tpm, "numerator"), "numerator", e)))
			rc = need_metric(tp, x, n, ymap_get(tpm, "denominator"), "denominator", e);
	} else if (!strcasecmp(t, "derived")) {
		const struct ynode *ms = seq_of(tpm, "metrics");
		for (size_t i = 0; !rc && i < ms->n; i++)
			rc = need_metric(tp, x, n, ms->items[i], "input metric", e);
	} else {
		const struct ynode *c = ymap_get(tpm, "conversion_type_params");
		if (!(rc = need_measure(tp, x, n, ymap_get(c, "base_measure"), "base_measure", e)))
			rc = need_measure(tp, x, n, ymap_get(c, "conversion_measure"),
					  "conversion_measure", e);
	}
	return rc;
}

static int check_group(struct tf_proj *tp, struct tf_node *n, struct err *e)
{
	const char *g = tf_cfg_str(n, "group", NULL);
	if (!g)
		return 0;
	for (size_t i = 0; i < tp->groups.len; i++)
		if (!strcmp(tp->groups.items[i].name, g))
			return 0;
	const struct ynode *c = ymap_get(n->sem, "config");
	const struct ynode *at = c && ymap_get(c, "group") ? ymap_get(c, "group")
			       : ymap_get(n->sem, "group") ? ymap_get(n->sem, "group")
							   : n->sem;
	return yerr(e, at, ING_ECONFIG,
		    "%s '%s' is in group '%s', which is not defined: add it under groups: in a "
		    "properties file",
		    what(n), n->name, g);
}

int tf__semantic_link(struct tf_proj *tp, struct err *e)
{
	struct sem_index x = {STRMAP_INIT, STRMAP_INIT};
	int rc = 0;
	for (size_t i = 0; i < tp->nodes.len && !rc; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!tf_is_semantic(n->rtype))
			continue;
		n->materialized = NULL; /* nothing is built for them */
		if (!n->enabled)
			continue;
		if ((rc = check_group(tp, n, e)))
			break;
		if (n->rtype == TF_METRIC) {
			struct tf_node *o = strmap_get(&x.metrics, n->name);
			if (o)
				rc = yerr(e, n->sem, ING_ECONFIG,
					  "two metrics are named '%s' (%s and %s): metric names are "
					  "unique across packages",
					  n->name, o->original_file_path, n->original_file_path);
			strmap_put(&x.metrics, n->name, n);
			continue;
		}
		if (n->rtype != TF_SEMANTIC_MODEL)
			continue;
		struct tf_ref *r = &n->refs.items[0];
		struct tf_node *d = tf_find_ref(tp, n, r->package, r->name, r->version);
		if (!d || !d->enabled) {
			const char *best = d ? NULL : tf__nearest_ref(tp, r->name);
			rc = yerr(e, ymap_get(n->sem, "model"), ING_ECONFIG,
				  "semantic model '%s' depends on a node named '%s' which %s%s%s%s",
				  n->name, r->name, d ? "is disabled" : "was not found",
				  best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
			break;
		}
		const struct ynode *meas = seq_of(n->sem, "measures");
		for (size_t j = 0; meas && j < meas->n && !rc; j++) {
			const char *mn = ymap_str(meas->items[j], "name");
			struct tf_node *o = strmap_get(&x.measures, mn);
			if (o)
				rc = yerr(e, meas->items[j], ING_ECONFIG,
					  "measure '%s' is defined in semantic models '%s' and '%s': "
					  "measure names are unique across semantic models",
					  mn, o->name, n->name);
			strmap_put(&x.measures, mn, n);
		}
	}
	for (size_t i = 0; i < tp->nodes.len && !rc; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->enabled)
			continue;
		if (n->rtype == TF_METRIC) {
			rc = link_metric(tp, &x, n, e);
		} else if (n->rtype == TF_SAVED_QUERY) {
			const struct ynode *ms = seq_of(ymap_get(n->sem, "query_params"), "metrics");
			for (size_t j = 0; ms && j < ms->n && !rc; j++)
				rc = need_metric(tp, &x, n, ms->items[j], "metric", e);
		}
	}
	strmap_free(&x.measures, NULL);
	strmap_free(&x.metrics, NULL);
	return rc;
}

/* ------------------------------------------------------- manifest JSON */

static void kstr(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

/* a YAML value as JSON (null when absent) */
static void kyaml(struct jw *w, const char *k, const struct ynode *v, struct arena *a)
{
	jw_key(w, k);
	if (v && !(v->type == Y_SCALAR && yscalar_is_null(v)))
		tf_json_value(w, tf_yaml_value(a, v));
	else
		jw_null(w);
}

/* dbt's WhereFilterIntersection: a string or a list of strings */
static void kfilter(struct jw *w, const char *k, const struct ynode *f)
{
	jw_key(w, k);
	if (!f || (f->type == Y_SCALAR && !sval(f))) {
		jw_null(w);
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "where_filters");
	jw_arr_begin(w);
	for (size_t i = 0; f->type == Y_SEQ ? i < f->n : i < 1; i++) {
		const struct ynode *x = f->type == Y_SEQ ? f->items[i] : f;
		if (!sval(x))
			continue;
		jw_obj_begin(w);
		kstr(w, "where_sql_template", x->str);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* "7 days" -> {"count": 7, "granularity": "day"} */
static void kwindow(struct jw *w, const char *k, const struct ynode *v, struct arena *a)
{
	jw_key(w, k);
	const char *s = sval(v);
	char *end = NULL;
	long c = s ? strtol(s, &end, 10) : 0;
	if (!s || end == s) {
		jw_null(w);
		return;
	}
	while (*end == ' ')
		end++;
	size_t len = strlen(end);
	if (len > 1 && end[len - 1] == 's')
		len--;
	jw_obj_begin(w);
	jw_key(w, "count");
	jw_int(w, c);
	kstr(w, "granularity", arena_strndup(a, end, len));
	jw_obj_end(w);
}

static void input_measure(struct jw *w, const struct ynode *v)
{
	const struct ynode *j2t = v && v->type == Y_MAP ? ymap_get(v, "join_to_timespine") : NULL;
	bool jt = false;
	if (j2t)
		(void)yscalar_bool(j2t, &jt);
	const struct ynode *fill = v && v->type == Y_MAP ? ymap_get(v, "fill_nulls_with") : NULL;
	int64_t fv = 0;
	jw_obj_begin(w);
	kstr(w, "name", input_name(v));
	kfilter(w, "filter", v && v->type == Y_MAP ? ymap_get(v, "filter") : NULL);
	kstr(w, "alias", v && v->type == Y_MAP ? ymap_str(v, "alias") : NULL);
	jw_key(w, "join_to_timespine");
	jw_bool(w, jt);
	jw_key(w, "fill_nulls_with");
	if (fill && yscalar_int(fill, &fv) == 0)
		jw_int(w, fv);
	else
		jw_null(w);
	jw_obj_end(w);
}

static void input_metric(struct jw *w, const struct ynode *v, struct arena *a)
{
	bool map = v && v->type == Y_MAP;
	jw_obj_begin(w);
	kstr(w, "name", input_name(v));
	kfilter(w, "filter", map ? ymap_get(v, "filter") : NULL);
	kstr(w, "alias", map ? ymap_str(v, "alias") : NULL);
	kwindow(w, "offset_window", map ? ymap_get(v, "offset_window") : NULL, a);
	kstr(w, "offset_to_grain", map ? ymap_str(v, "offset_to_grain") : NULL);
	jw_obj_end(w);
}

static void config_json(struct jw *w, const struct tf_node *n)
{
	jw_key(w, "config");
	jw_obj_begin(w);
	jw_key(w, "enabled");
	jw_bool(w, n->enabled);
	kstr(w, "group", tf_cfg_str(n, "group", NULL));
	jw_key(w, "meta");
	tf_json_value(w, tf_cfg(n, "meta"));
	if (n->rtype == TF_SAVED_QUERY) {
		const struct ynode *c = ymap_get(n->sem, "config");
		const char *as = c ? ymap_str(c, "export_as") : NULL;
		const char *sc = c ? ymap_str(c, "schema") : NULL;
		kstr(w, "export_as", as);
		kstr(w, "schema", sc);
		jw_key(w, "cache");
		jw_raw(w, "{\"enabled\":false}");
	}
	jw_obj_end(w);
}

static void deps_json(struct jw *w, struct tf_proj *tp, const struct tf_node *n)
{
	jw_key(w, "depends_on");
	jw_obj_begin(w);
	jw_key(w, "macros");
	jw_raw(w, "[]");
	jw_key(w, "nodes");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->deps.len; i++)
		jw_str(w, tp->nodes.items[n->deps.items[i]]->unique_id);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void head_json(struct jw *w, const struct tf_node *n)
{
	kstr(w, "name", n->name);
	kstr(w, "resource_type", tf_rtype_name(n->rtype));
	kstr(w, "package_name", n->package);
	kstr(w, "path", n->path);
	kstr(w, "original_file_path", n->original_file_path);
	kstr(w, "unique_id", n->unique_id);
	jw_key(w, "fqn");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->nfqn; i++)
		jw_str(w, n->fqn[i]);
	jw_arr_end(w);
}

static void created_at(struct jw *w, const struct tf_proj *tp)
{
	jw_key(w, "created_at");
	jw_double(w, (double)tp->run_started_us / 1e6);
}

static void elem_config(struct jw *w, const struct ynode *it, struct arena *a)
{
	const struct ynode *c = ymap_get(it, "config");
	const struct ynode *meta = c ? ymap_get(c, "meta") : NULL;
	if (!meta)
		meta = ymap_get(it, "meta");
	jw_key(w, "config");
	jw_obj_begin(w);
	jw_key(w, "meta");
	if (meta && meta->type == Y_MAP)
		tf_json_value(w, tf_yaml_value(a, meta));
	else
		jw_raw(w, "{}");
	jw_obj_end(w);
}

static void semantic_model_json(struct jw *w, struct tf_proj *tp, struct tf_node *n,
				struct arena *a)
{
	const struct ynode *m = n->sem;
	jw_obj_begin(w);
	head_json(w, n);
	kstr(w, "model", ymap_str(m, "model"));
	struct tf_node *mo = n->deps.len ? tp->nodes.items[n->deps.items[0]] : NULL;
	jw_key(w, "node_relation");
	if (mo && mo->schema) {
		jw_obj_begin(w);
		kstr(w, "alias", mo->alias);
		kstr(w, "schema_name", mo->schema);
		kstr(w, "database", mo->database);
		struct buf b = BUF_INIT;
		tf_node_relation(tp, mo, &b);
		kstr(w, "relation_name", buf_cstr(&b));
		buf_free(&b);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	kstr(w, "description", n->description);
	kstr(w, "label", ymap_str(m, "label"));
	const struct ynode *defs = ymap_get(m, "defaults");
	jw_key(w, "defaults");
	if (defs && defs->type == Y_MAP) {
		jw_obj_begin(w);
		kstr(w, "agg_time_dimension", ymap_str(defs, "agg_time_dimension"));
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	const struct ynode *ents = seq_of(m, "entities");
	jw_key(w, "entities");
	jw_arr_begin(w);
	for (size_t i = 0; ents && i < ents->n; i++) {
		const struct ynode *it = ents->items[i];
		jw_obj_begin(w);
		kstr(w, "name", ymap_str(it, "name"));
		kstr(w, "type", ymap_str(it, "type"));
		kstr(w, "description", ymap_str(it, "description"));
		kstr(w, "label", ymap_str(it, "label"));
		kstr(w, "role", ymap_str(it, "role"));
		kstr(w, "expr", ymap_str(it, "expr"));
		elem_config(w, it, a);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	const struct ynode *meas = seq_of(m, "measures");
	const char *dflt_atd = defs ? ymap_str(defs, "agg_time_dimension") : NULL;
	jw_key(w, "measures");
	jw_arr_begin(w);
	for (size_t i = 0; meas && i < meas->n; i++) {
		const struct ynode *it = meas->items[i];
		bool cm = false;
		if (ymap_get(it, "create_metric"))
			(void)yscalar_bool(ymap_get(it, "create_metric"), &cm);
		jw_obj_begin(w);
		kstr(w, "name", ymap_str(it, "name"));
		kstr(w, "agg", ymap_str(it, "agg"));
		kstr(w, "description", ymap_str(it, "description"));
		kstr(w, "label", ymap_str(it, "label"));
		jw_key(w, "create_metric");
		jw_bool(w, cm);
		kstr(w, "expr", ymap_str(it, "expr"));
		kyaml(w, "agg_params", ymap_get(it, "agg_params"), a);
		const struct ynode *nad = ymap_get(it, "non_additive_dimension");
		jw_key(w, "non_additive_dimension");
		if (nad && nad->type == Y_MAP) {
			jw_obj_begin(w);
			kstr(w, "name", ymap_str(nad, "name"));
			const char *wc = ymap_str(nad, "window_choice");
			kstr(w, "window_choice", wc ? wc : "min");
			jw_key(w, "window_groupings");
			const struct ynode *wg = ymap_get(nad, "window_groupings");
			if (wg && wg->type == Y_SEQ)
				tf_json_value(w, tf_yaml_value(a, wg));
			else
				jw_raw(w, "[]");
			jw_obj_end(w);
		} else {
			jw_null(w);
		}
		const char *atd = ymap_str(it, "agg_time_dimension");
		kstr(w, "agg_time_dimension", atd ? atd : dflt_atd);
		elem_config(w, it, a);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	const struct ynode *dims = seq_of(m, "dimensions");
	jw_key(w, "dimensions");
	jw_arr_begin(w);
	for (size_t i = 0; dims && i < dims->n; i++) {
		const struct ynode *it = dims->items[i];
		const char *ty = ymap_str(it, "type");
		bool part = false;
		if (ymap_get(it, "is_partition"))
			(void)yscalar_bool(ymap_get(it, "is_partition"), &part);
		jw_obj_begin(w);
		kstr(w, "name", ymap_str(it, "name"));
		/* dbt stores the enum's value: lower case */
		kstr(w, "type", ty && !strcasecmp(ty, "time") ? "time" : "categorical");
		kstr(w, "description", ymap_str(it, "description"));
		kstr(w, "label", ymap_str(it, "label"));
		jw_key(w, "is_partition");
		jw_bool(w, part);
		const struct ynode *tpm = ymap_get(it, "type_params");
		jw_key(w, "type_params");
		if (tpm && tpm->type == Y_MAP) {
			const char *g = ymap_str(tpm, "time_granularity");
			jw_obj_begin(w);
			char low[32] = "";
			if (g) {
				snprintf(low, sizeof(low), "%s", g);
				for (char *p = low; *p; p++)
					*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			}
			kstr(w, "time_granularity", g ? low : NULL);
			kyaml(w, "validity_params", ymap_get(tpm, "validity_params"), a);
			jw_obj_end(w);
		} else {
			jw_null(w);
		}
		kstr(w, "expr", ymap_str(it, "expr"));
		jw_key(w, "metadata");
		jw_null(w);
		elem_config(w, it, a);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "metadata");
	jw_null(w);
	deps_json(w, tp, n);
	jw_key(w, "refs");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->refs.len; i++) {
		jw_obj_begin(w);
		kstr(w, "name", n->refs.items[i].name);
		kstr(w, "package", n->refs.items[i].package);
		jw_key(w, "version");
		if (n->refs.items[i].version)
			jw_int(w, n->refs.items[i].version);
		else
			jw_null(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	created_at(w, tp);
	config_json(w, n);
	jw_key(w, "unrendered_config");
	jw_raw(w, "{}");
	kstr(w, "primary_entity", ymap_str(m, "primary_entity"));
	kstr(w, "group", tf_cfg_str(n, "group", NULL));
	jw_obj_end(w);
}

/* The measures a metric reads, through ratio/derived inputs (dbt's
 * type_params.input_measures). depth bounds a cycle, which the parse
 * reports as such. */
static void collect_measures(struct tf_proj *tp, const struct tf_node *n, struct jw *w,
			     struct strmap *seen, int depth)
{
	if (depth > 32)
		return;
	const struct ynode *tpm = ymap_get(n->sem, "type_params");
	const char *t = ymap_str(n->sem, "type");
	const struct ynode *ins[2] = {NULL, NULL};
	if (t && (!strcasecmp(t, "simple") || !strcasecmp(t, "cumulative"))) {
		ins[0] = ymap_get(tpm, "measure");
	} else if (t && !strcasecmp(t, "conversion")) {
		const struct ynode *c = ymap_get(tpm, "conversion_type_params");
		ins[0] = ymap_get(c, "base_measure");
		ins[1] = ymap_get(c, "conversion_measure");
	} else {
		for (size_t i = 0; i < n->deps.len; i++) {
			const struct tf_node *d = tp->nodes.items[n->deps.items[i]];
			if (d->rtype == TF_METRIC)
				collect_measures(tp, d, w, seen, depth + 1);
		}
	}
	for (size_t i = 0; i < 2; i++) {
		const char *mn = input_name(ins[i]);
		if (!mn || strmap_has(seen, mn))
			continue;
		strmap_put(seen, mn, (void *)mn);
		input_measure(w, ins[i]);
	}
}

static void metric_json(struct jw *w, struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	const struct ynode *m = n->sem, *tpm = ymap_get(m, "type_params");
	const char *t = ymap_str(m, "type");
	char ty[16] = "";
	snprintf(ty, sizeof(ty), "%s", t ? t : "");
	for (char *p = ty; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	jw_obj_begin(w);
	head_json(w, n);
	kstr(w, "description", n->description);
	kstr(w, "label", ymap_str(m, "label"));
	kstr(w, "type", ty);
	jw_key(w, "type_params");
	jw_obj_begin(w);
	const struct ynode *me = ymap_get(tpm, "measure");
	jw_key(w, "measure");
	if (me)
		input_measure(w, me);
	else
		jw_null(w);
	jw_key(w, "input_measures");
	jw_arr_begin(w);
	struct strmap seen = STRMAP_INIT;
	collect_measures(tp, n, w, &seen, 0);
	strmap_free(&seen, NULL);
	jw_arr_end(w);
	static const char *const io[] = {"numerator", "denominator"};
	for (size_t i = 0; i < 2; i++) {
		jw_key(w, io[i]);
		if (ymap_get(tpm, io[i]))
			input_metric(w, ymap_get(tpm, io[i]), a);
		else
			jw_null(w);
	}
	kstr(w, "expr", ymap_str(tpm, "expr"));
	const struct ynode *cp = ymap_get(tpm, "cumulative_type_params");
	const struct ynode *win = ymap_get(tpm, "window");
	const char *gtd = ymap_str(tpm, "grain_to_date");
	kwindow(w, "window", win, a);
	kstr(w, "grain_to_date", gtd);
	const struct ynode *ms = seq_of(tpm, "metrics");
	jw_key(w, "metrics");
	if (ms) {
		jw_arr_begin(w);
		for (size_t i = 0; i < ms->n; i++)
			input_metric(w, ms->items[i], a);
		jw_arr_end(w);
	} else {
		jw_null(w);
	}
	const struct ynode *cv = ymap_get(tpm, "conversion_type_params");
	jw_key(w, "conversion_type_params");
	if (cv && cv->type == Y_MAP) {
		jw_obj_begin(w);
		jw_key(w, "base_measure");
		input_measure(w, ymap_get(cv, "base_measure"));
		jw_key(w, "conversion_measure");
		input_measure(w, ymap_get(cv, "conversion_measure"));
		kstr(w, "entity", ymap_str(cv, "entity"));
		const char *calc = ymap_str(cv, "calculation");
		kstr(w, "calculation", calc ? calc : "conversion_rate");
		kwindow(w, "window", ymap_get(cv, "window"), a);
		kyaml(w, "constant_properties", ymap_get(cv, "constant_properties"), a);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "cumulative_type_params");
	if (!strcmp(ty, "cumulative")) {
		jw_obj_begin(w);
		const struct ynode *cw = cp ? ymap_get(cp, "window") : NULL;
		const char *cg = cp ? ymap_str(cp, "grain_to_date") : NULL;
		const char *pa = cp ? ymap_str(cp, "period_agg") : NULL;
		kwindow(w, "window", cw ? cw : win, a);
		kstr(w, "grain_to_date", cg ? cg : gtd);
		kstr(w, "period_agg", pa ? pa : "first");
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "metric_aggregation_params");
	jw_null(w);
	jw_obj_end(w); /* type_params */
	kfilter(w, "filter", ymap_get(m, "filter"));
	jw_key(w, "metadata");
	jw_null(w);
	kstr(w, "time_granularity", ymap_str(m, "time_granularity"));
	jw_key(w, "meta");
	tf_json_value(w, tf_cfg(n, "meta"));
	jw_key(w, "tags");
	tf_json_value(w, tf_cfg(n, "tags"));
	config_json(w, n);
	jw_key(w, "unrendered_config");
	jw_raw(w, "{}");
	jw_key(w, "sources");
	jw_raw(w, "[]");
	deps_json(w, tp, n);
	jw_key(w, "refs");
	jw_raw(w, "[]");
	jw_key(w, "metrics");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->deps.len; i++) {
		const struct tf_node *d = tp->nodes.items[n->deps.items[i]];
		if (d->rtype != TF_METRIC)
			continue;
		jw_arr_begin(w);
		jw_str(w, d->name);
		jw_arr_end(w);
	}
	jw_arr_end(w);
	created_at(w, tp);
	kstr(w, "group", tf_cfg_str(n, "group", NULL));
	jw_obj_end(w);
}

static void saved_query_json(struct jw *w, struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	const struct ynode *m = n->sem, *qp = ymap_get(m, "query_params");
	jw_obj_begin(w);
	head_json(w, n);
	jw_key(w, "query_params");
	jw_obj_begin(w);
	static const char *const lists[] = {"metrics", "group_by", "order_by"};
	for (size_t k = 0; k < 3; k++) {
		const struct ynode *l = seq_of(qp, lists[k]);
		jw_key(w, lists[k]);
		jw_arr_begin(w);
		for (size_t i = 0; l && i < l->n; i++)
			if (sval(l->items[i]))
				jw_str(w, l->items[i]->str);
		jw_arr_end(w);
		if (k == 1)
			kfilter(w, "where", ymap_get(qp, "where"));
	}
	int64_t lim = 0;
	const struct ynode *ln = ymap_get(qp, "limit");
	jw_key(w, "limit");
	if (ln && yscalar_int(ln, &lim) == 0)
		jw_int(w, lim);
	else
		jw_null(w);
	jw_obj_end(w);
	const struct ynode *ex = seq_of(m, "exports");
	jw_key(w, "exports");
	jw_arr_begin(w);
	for (size_t i = 0; ex && i < ex->n; i++) {
		const struct ynode *x = ex->items[i], *c = ymap_get(x, "config");
		const char *xn = ymap_str(x, "name");
		const char *sc = c ? ymap_str(c, "schema") : NULL;
		const char *al = c ? ymap_str(c, "alias") : NULL;
		const char *db = c ? ymap_str(c, "database") : NULL;
		jw_obj_begin(w);
		kstr(w, "name", xn);
		jw_key(w, "config");
		jw_obj_begin(w);
		kstr(w, "export_as", c ? ymap_str(c, "export_as") : NULL);
		/* dbt: the export's schema, else the target's; alias defaults to the name */
		kstr(w, "schema_name", sc ? sc : tp->target->schema);
		kstr(w, "alias", al ? al : xn);
		kstr(w, "database", db ? db : tp->target->database);
		jw_obj_end(w);
		jw_key(w, "unrendered_config");
		jw_raw(w, "{}");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	kstr(w, "description", n->description);
	kstr(w, "label", ymap_str(m, "label"));
	jw_key(w, "metadata");
	jw_null(w);
	config_json(w, n);
	jw_key(w, "unrendered_config");
	jw_raw(w, "{}");
	kstr(w, "group", tf_cfg_str(n, "group", NULL));
	deps_json(w, tp, n);
	created_at(w, tp);
	jw_key(w, "refs");
	jw_raw(w, "[]");
	jw_key(w, "tags");
	tf_json_value(w, tf_cfg(n, "tags"));
	jw_obj_end(w);
}

static void node_json(struct jw *w, struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	if (n->rtype == TF_SEMANTIC_MODEL)
		semantic_model_json(w, tp, n, a);
	else if (n->rtype == TF_METRIC)
		metric_json(w, tp, n, a);
	else
		saved_query_json(w, tp, n, a);
}

void tf__semantic_manifest(struct jw *w, struct tf_proj *tp, struct arena *a)
{
	for (size_t k = 0; k < ARRAY_SIZE(list_keys); k++) {
		jw_key(w, list_keys[k]);
		jw_obj_begin(w);
		for (size_t i = 0; i < tp->nodes.len; i++) {
			struct tf_node *n = tp->nodes.items[i];
			if (n->rtype != list_types[k] || !n->enabled)
				continue;
			jw_key(w, n->unique_id);
			node_json(w, tp, n, a);
		}
		jw_obj_end(w);
	}
}

/* graph.semantic_models / metrics / saved_queries: the manifest's entries
 * as Jinja values (dbt's graph is the manifest's dict). */
void tf__semantic_graph(struct tf_proj *tp, struct jinja_value graph, struct arena *a)
{
	for (size_t k = 0; k < ARRAY_SIZE(list_keys); k++) {
		struct jinja_value d = jinja_dict_new(a);
		for (size_t i = 0; i < tp->nodes.len; i++) {
			struct tf_node *n = tp->nodes.items[i];
			if (n->rtype != list_types[k] || !n->enabled)
				continue;
			struct buf b = BUF_INIT;
			struct jw w;
			jw_init(&w, &b, false);
			node_json(&w, tp, n, a);
			struct jinja_value v;
			struct err e = ERR_INIT;
			if (jinja_value_from_json(a, buf_cstr(&b), b.len, &v, &e) == 0)
				jinja_dict_set(d, jinja_str(a, n->unique_id, (size_t)-1), v);
			else
				BUG("semantic JSON of %s does not parse: %s", n->unique_id, e.msg);
			buf_free(&b);
		}
		jinja_dict_set_str(graph, list_keys[k], d);
	}
}

/* ------------------------------------------------------------ state: */

const char *tf__semantic_state_fp(json_t *entry, struct arena *a)
{
	json_t *c = json_deep_copy(entry);
	if (!c)
		return NULL;
	json_object_del(c, "created_at"); /* differs every parse */
	char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	if (!s)
		return NULL;
	char md[DIGEST_MD5_HEX];
	digest_md5_hex(s, strlen(s), md);
	free(s);
	return arena_strdup(a, md);
}

const char *tf__semantic_node_fp(struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	node_json(&w, tp, n, a);
	json_t *j = json_loadb(b.data, b.len, 0, NULL);
	buf_free(&b);
	const char *fp = j ? tf__semantic_state_fp(j, a) : NULL;
	json_decref(j);
	return fp;
}
