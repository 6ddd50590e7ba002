/*
 * tests/unit/test_graph.c — graph: nodes and edges, cycles, topological
 * order, the ready-queue scheduler (threads, failures, skips, build test
 * edges) and dbt's selector language on a synthetic project.
 *
 * The project (package "shop", plus an installed package "utils"):
 *
 *   sources  raw.orders raw.users raw.products  events.pageviews
 *   seed     country_codes
 *   staging  stg_orders <- raw.orders        stg_users <- raw.users
 *            stg_products <- raw.products    events/stg_pageviews <- events.pageviews
 *   int      int_orders_enriched <- stg_orders, stg_products  (ephemeral)
 *   marts    fct_orders <- int_orders_enriched, stg_users     (table; nightly, finance)
 *            dim_users <- stg_users, country_codes            (table; nightly)
 *            reporting/rpt_sales <- fct_orders                (incremental; meta.owner ana)
 *   utils    util_calendar
 *   snapshot users_snapshot <- stg_users
 *   exposure sales_dashboard <- rpt_sales, dim_users
 *   analysis adhoc <- fct_orders
 *   disabled old_model <- stg_orders
 *   tests    not_null_stg_orders_id, unique_stg_orders_id (stg_orders),
 *            unique_stg_users_id (stg_users), not_null_fct_orders_id (fct_orders),
 *            relationships_fct_orders_user_id (fct_orders, dim_users),
 *            accepted_values_dim_users_status (dim_users, severity warn),
 *            source_not_null_raw_orders_id (raw.orders),
 *            assert_positive_revenue (singular; fct_orders; tag finance)
 */
#include "test.h"
#include "core/buf.h"
#include "core/map.h"
#include "core/mem.h"
#include "graph/graph.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spec {
	enum graph_rtype type;
	const char *uid;
	const char *path;
	const char *fqn;  /* '/'-separated */
	const char *deps; /* space-separated unique_ids */
	const char *tags; /* space-separated */
	const char *mat;
	const char *cfg; /* "k=v k=v" */
	enum graph_test_kind tk;
	const char *test_name;
	const char *source_name;
	const char *body; /* fingerprint */
	bool disabled;
};

static const struct spec project[] = {
	{GRAPH_SOURCE, "source.shop.raw.orders", "models/staging/sources.yml", "shop/staging/raw/orders", NULL, "raw", .source_name = "raw", .body = "s1"},
	{GRAPH_SOURCE, "source.shop.raw.users", "models/staging/sources.yml", "shop/staging/raw/users", NULL, "raw", .source_name = "raw", .body = "s2"},
	{GRAPH_SOURCE, "source.shop.raw.products", "models/staging/sources.yml", "shop/staging/raw/products", NULL, "raw", .source_name = "raw", .body = "s3"},
	{GRAPH_SOURCE, "source.shop.events.pageviews", "models/staging/events/sources.yml", "shop/staging/events/events/pageviews", NULL, "events", .source_name = "events", .body = "s4"},
	{GRAPH_SEED, "seed.shop.country_codes", "seeds/country_codes.csv", "shop/country_codes", NULL, NULL, "seed", .body = "c1"},
	{GRAPH_MODEL, "model.shop.stg_orders", "models/staging/stg_orders.sql", "shop/staging/stg_orders", "source.shop.raw.orders", "staging", "view", .body = "m1"},
	{GRAPH_MODEL, "model.shop.stg_users", "models/staging/stg_users.sql", "shop/staging/stg_users", "source.shop.raw.users", "staging", "view", .body = "m2"},
	{GRAPH_MODEL, "model.shop.stg_products", "models/staging/stg_products.sql", "shop/staging/stg_products", "source.shop.raw.products", "staging", "view", .body = "m3"},
	{GRAPH_MODEL, "model.shop.stg_pageviews", "models/staging/events/stg_pageviews.sql", "shop/staging/events/stg_pageviews", "source.shop.events.pageviews", "staging events", "view", .body = "m4"},
	{GRAPH_MODEL, "model.shop.int_orders_enriched", "models/intermediate/int_orders_enriched.sql", "shop/intermediate/int_orders_enriched", "model.shop.stg_orders model.shop.stg_products", NULL, "ephemeral", .body = "m5"},
	{GRAPH_MODEL, "model.shop.fct_orders", "models/marts/fct_orders.sql", "shop/marts/fct_orders", "model.shop.int_orders_enriched model.shop.stg_users", "nightly finance", "table", "contract.enforced=true", .body = "m6"},
	{GRAPH_MODEL, "model.shop.dim_users", "models/marts/dim_users.sql", "shop/marts/dim_users", "model.shop.stg_users seed.shop.country_codes", "nightly", "table", .body = "m7"},
	{GRAPH_MODEL, "model.shop.rpt_sales", "models/marts/reporting/rpt_sales.sql", "shop/marts/reporting/rpt_sales", "model.shop.fct_orders", NULL, "incremental", "meta.owner=ana incremental_strategy=merge", .body = "m8"},
	{GRAPH_MODEL, "model.utils.util_calendar", "models/util_calendar.sql", "utils/util_calendar", NULL, NULL, "table", .body = "u1"},
	{GRAPH_MODEL, "model.shop.old_model", "models/old_model.sql", "shop/old_model", "model.shop.stg_orders", NULL, "view", .disabled = true},
	{GRAPH_SNAPSHOT, "snapshot.shop.users_snapshot", "snapshots/users_snapshot.sql", "shop/users_snapshot/users_snapshot", "model.shop.stg_users", NULL, "snapshot", .body = "n1"},
	{GRAPH_EXPOSURE, "exposure.shop.sales_dashboard", "models/marts/exposures.yml", "shop/marts/sales_dashboard", "model.shop.rpt_sales model.shop.dim_users", NULL, NULL, .body = "e1"},
	{GRAPH_ANALYSIS, "analysis.shop.adhoc", "analyses/adhoc.sql", "shop/analysis/adhoc", "model.shop.fct_orders", NULL, "view", .body = "a1"},
	{GRAPH_TEST, "test.shop.not_null_stg_orders_id.5b1f0a1c2e", "models/staging/schema.yml", "shop/staging/not_null_stg_orders_id", "model.shop.stg_orders", NULL, "test", "severity=ERROR", GRAPH_TEST_GENERIC, "not_null", .body = "t1"},
	{GRAPH_TEST, "test.shop.unique_stg_orders_id.e1b2c3d4f5", "models/staging/schema.yml", "shop/staging/unique_stg_orders_id", "model.shop.stg_orders", NULL, "test", NULL, GRAPH_TEST_GENERIC, "unique", .body = "t2"},
	{GRAPH_TEST, "test.shop.unique_stg_users_id.0a9b8c7d6e", "models/staging/schema.yml", "shop/staging/unique_stg_users_id", "model.shop.stg_users", NULL, "test", NULL, GRAPH_TEST_GENERIC, "unique", .body = "t3"},
	{GRAPH_TEST, "test.shop.not_null_fct_orders_id.1a2b3c4d5e", "models/marts/schema.yml", "shop/marts/not_null_fct_orders_id", "model.shop.fct_orders", NULL, "test", NULL, GRAPH_TEST_GENERIC, "not_null", .body = "t4"},
	{GRAPH_TEST, "test.shop.relationships_fct_orders_user_id.9f8e7d6c5b", "models/marts/schema.yml", "shop/marts/relationships_fct_orders_user_id", "model.shop.fct_orders model.shop.dim_users", NULL, "test", NULL, GRAPH_TEST_GENERIC, "relationships", .body = "t5"},
	{GRAPH_TEST, "test.shop.accepted_values_dim_users_status.abcdef0123", "models/marts/schema.yml", "shop/marts/accepted_values_dim_users_status", "model.shop.dim_users", NULL, "test", "severity=warn", GRAPH_TEST_GENERIC, "accepted_values", .body = "t6"},
	{GRAPH_TEST, "test.shop.source_not_null_raw_orders_id.77aa88bb99", "models/staging/sources.yml", "shop/staging/source_not_null_raw_orders_id", "source.shop.raw.orders", NULL, "test", NULL, GRAPH_TEST_GENERIC, "not_null", .body = "t7"},
	{GRAPH_TEST, "test.shop.assert_positive_revenue", "tests/assert_positive_revenue.sql", "shop/assert_positive_revenue", "model.shop.fct_orders", "finance", "test", NULL, GRAPH_TEST_SINGULAR, .body = "t8"},
};

static size_t split_words(const char *s, char sep, char **out, size_t max)
{
	size_t n = 0;
	while (s && *s && n < max) {
		while (*s == sep)
			s++;
		if (!*s)
			break;
		const char *t = s;
		while (*s && *s != sep)
			s++;
		out[n++] = xstrndup(t, (size_t)(s - t));
	}
	return n;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
}

static void add_spec(struct graph *g, const struct spec *s)
{
	char *fqn[16], *tags[8], *kv[16];
	size_t nfqn = split_words(s->fqn, '/', fqn, 16), ntags = split_words(s->tags, ' ', tags, 8);
	size_t nkv = split_words(s->cfg, ' ', kv, 16);
	struct graph_kv cfg[16];
	for (size_t i = 0; i < nkv; i++) {
		char *eq = strchr(kv[i], '=');
		*eq = 0;
		cfg[i] = (struct graph_kv){kv[i], eq + 1};
	}
	/* name: the part after "type.package." (tests: up to the hash) */
	const char *p = strchr(s->uid, '.') + 1;
	p = strchr(p, '.') + 1;
	char name[128];
	snprintf(name, sizeof(name), "%s", p);
	if (s->type == GRAPH_TEST || s->type == GRAPH_SOURCE) {
		char *dot = strchr(name, '.');
		if (s->type == GRAPH_SOURCE)
			memmove(name, dot + 1, strlen(dot + 1) + 1);
		else if (dot)
			*dot = 0;
	}
	char pkg[64];
	const char *pp = strchr(s->uid, '.') + 1;
	snprintf(pkg, sizeof(pkg), "%.*s", (int)(strchr(pp, '.') - pp), pp);
	struct graph_node n = {
		.type = s->type,
		.unique_id = s->uid,
		.package = pkg,
		.name = name,
		.fqn = (const char *const *)fqn,
		.nfqn = nfqn,
		.path = s->path,
		.tags = (const char *const *)tags,
		.ntags = ntags,
		.config = cfg,
		.nconfig = nkv,
		.materialized = s->mat,
		.disabled = s->disabled,
		.source_name = s->source_name,
		.test_kind = s->tk,
		.test_name = s->test_name,
		.fp = {.body = s->body, .configs = "c", .relation = s->uid},
	};
	struct err e = ERR_INIT;
	CHECK_OK(graph_add_node(g, &n, NULL, &e), &e);
	err_clear(&e);
	free_words(fqn, nfqn);
	free_words(tags, ntags);
	free_words(kv, nkv);
}

static struct graph *make_project(void)
{
	struct graph *g = graph_new();
	/* added in reverse so that index order differs from unique_id order */
	for (size_t i = ARRAY_SIZE(project); i-- > 0;)
		add_spec(g, &project[i]);
	struct err e = ERR_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(project); i++) {
		char *deps[8];
		size_t nd = split_words(project[i].deps, ' ', deps, 8);
		for (size_t k = 0; k < nd; k++)
			CHECK_OK(graph_add_dep(g, project[i].uid, deps[k], &e), &e);
		free_words(deps, nd);
	}
	err_clear(&e);
	return g;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the members of a set, sorted, space-separated (malloc'd). */
static char *names(struct graph *g, const struct graph_set *s)
{
	const char *v[256];
	size_t n = 0;
	for (uint32_t i = graph_set_next(s, 0); i != GRAPH_NONE && n < 256; i = graph_set_next(s, i + 1))
		v[n++] = graph_node(g, i)->name;
	qsort(v, n, sizeof(*v), cmp_str);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}

static char *sel_full(struct graph *g, const char *select, const char *exclude,
		      const struct graph_sel_opts *o)
{
	struct graph_set s;
	struct err e = ERR_INIT;
	const char *sv[1] = {select}, *ev[1] = {exclude};
	int rc = graph_select(g, sv, select ? 1 : 0, ev, exclude ? 1 : 0, o, &s, &e);
	char *r = rc ? xasprintf("ERR %d: %s", rc, e.msg ? e.msg : "") : names(g, &s);
	graph_set_free(&s);
	err_clear(&e);
	return r;
}

static char *sel(struct graph *g, const char *select, const char *exclude)
{
	return sel_full(g, select, exclude, NULL);
}

#define CHECK_SEL(g, s, x, want)                                                          \
	do {                                                                              \
		char *got_ = sel((g), (s), (x));                                          \
		CHECK_STR(got_, (want));                                                  \
		free(got_);                                                               \
	} while (0)

#define CHECK_SEL_O(g, s, x, o, want)                                                     \
	do {                                                                              \
		char *got_ = sel_full((g), (s), (x), (o));                                \
		CHECK_STR(got_, (want));                                                  \
		free(got_);                                                               \
	} while (0)

/* name is one of the space-separated words of list */
static bool has_name(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)) != NULL; p++)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

static bool starts(const char *s, const char *p)
{
	return s && strncmp(s, p, strlen(p)) == 0;
}

/* ---------------------------------------------------------------- structure */

TEST(graph_nodes_and_edges)
{
	struct graph *g = make_project();
	CHECK_INT(graph_count(g), ARRAY_SIZE(project));
	uint32_t fct = graph_find(g, "model.shop.fct_orders");
	REQUIRE(fct != GRAPH_NONE);
	CHECK(graph_find(g, "model.shop.nope") == GRAPH_NONE);
	const struct graph_node *n = graph_node(g, fct);
	CHECK_STR(n->name, "fct_orders");
	CHECK_STR(n->package, "shop");
	CHECK_INT(n->nfqn, 3);
	CHECK_STR(n->fqn[1], "marts");
	CHECK_STR(n->materialized, "table");
	CHECK_STR(graph_rtype_name(n->type), "model");

	const uint32_t *p;
	size_t np = graph_parents(g, fct, &p);
	REQUIRE(np == 2);
	/* sorted by unique_id, like dbt's parent_map */
	CHECK_STR(graph_node(g, p[0])->unique_id, "model.shop.int_orders_enriched");
	CHECK_STR(graph_node(g, p[1])->unique_id, "model.shop.stg_users");
	const uint32_t *c;
	size_t nc = graph_children(g, fct, &c);
	REQUIRE(nc == 5);
	CHECK_STR(graph_node(g, c[0])->unique_id, "analysis.shop.adhoc");
	CHECK_STR(graph_node(g, c[1])->unique_id, "model.shop.rpt_sales");
	CHECK_STR(graph_node(g, c[2])->unique_id, "test.shop.assert_positive_revenue");
	CHECK_STR(graph_node(g, c[3])->unique_id, "test.shop.not_null_fct_orders_id.1a2b3c4d5e");

	/* repeated edges are kept once */
	graph_add_edge(g, fct, p[0]);
	CHECK_INT(graph_parents(g, fct, &p), 2);

	struct err e = ERR_INIT;
	struct graph_node dup = {.type = GRAPH_MODEL, .unique_id = "model.shop.fct_orders",
				 .package = "shop", .name = "fct_orders"};
	CHECK_INT(graph_add_node(g, &dup, NULL, &e), ING_EEXIST);
	err_clear(&e);
	struct graph_node noname = {.type = GRAPH_MODEL, .unique_id = "model.shop.x"};
	CHECK_INT(graph_add_node(g, &noname, NULL, &e), ING_EINVAL);
	err_clear(&e);
	CHECK_INT(graph_add_dep(g, "model.shop.fct_orders", "model.shop.missing", &e), ING_ENOTFOUND);
	CHECK(e.msg && strstr(e.msg, "model.shop.missing"));
	err_clear(&e);
	enum graph_rtype t;
	CHECK(graph_rtype_parse("snapshot", &t) == 0 && t == GRAPH_SNAPSHOT);
	CHECK(graph_rtype_parse("widget", &t) == ING_ENOTFOUND);
	graph_free(g);
}

TEST(graph_sets)
{
	struct graph_set a = GRAPH_SET_INIT, b = GRAPH_SET_INIT;
	graph_set_init(&a, 130);
	graph_set_init(&b, 130);
	graph_set_add(&a, 0);
	graph_set_add(&a, 64);
	graph_set_add(&a, 129);
	graph_set_add(&b, 64);
	CHECK_INT(graph_set_count(&a), 3);
	CHECK_INT(graph_set_next(&a, 1), 64);
	CHECK_INT(graph_set_next(&a, 65), 129);
	CHECK(graph_set_next(&a, 130) == GRAPH_NONE);
	graph_set_subtract(&a, &b);
	CHECK(!graph_set_has(&a, 64));
	graph_set_fill(&b);
	CHECK_INT(graph_set_count(&b), 130);
	graph_set_intersect(&b, &a);
	CHECK(graph_set_equal(&a, &b));
	CHECK(!graph_set_has(&a, 500)); /* out of range is "not a member" */
	graph_set_free(&a);
	graph_set_free(&b);
}

TEST(graph_cycle_is_named_in_order)
{
	struct graph *g = graph_new();
	const char *ids[] = {"model.p.a", "model.p.b", "model.p.c", "model.p.d"};
	struct err e = ERR_INIT;
	for (int i = 0; i < 4; i++) {
		struct graph_node n = {.type = GRAPH_MODEL, .unique_id = ids[i], .package = "p",
				       .name = ids[i] + 8};
		CHECK_OK(graph_add_node(g, &n, NULL, &e), &e);
	}
	/* d <- a <- b <- c <- a : b depends on a, c on b, a on c */
	graph_add_dep(g, "model.p.a", "model.p.d", &e);
	CHECK_INT(graph_check_cycles(g, NULL, NULL, &e), 0);
	graph_add_dep(g, "model.p.b", "model.p.a", &e);
	graph_add_dep(g, "model.p.c", "model.p.b", &e);
	graph_add_dep(g, "model.p.a", "model.p.c", &e);
	uint32_t *cyc = NULL;
	size_t n = 0;
	CHECK_INT(graph_check_cycles(g, &cyc, &n, &e), ING_EINVAL);
	CHECK_STR(e.msg, "Found a cycle: model.p.a --> model.p.b --> model.p.c --> model.p.a");
	REQUIRE(n == 3);
	CHECK_STR(graph_node(g, cyc[0])->unique_id, "model.p.a");
	CHECK_STR(graph_node(g, cyc[2])->unique_id, "model.p.c");
	free(cyc);
	err_clear(&e);
	/* the scheduler and toposort refuse it with the same message */
	struct graph_sched *s = NULL;
	CHECK_INT(graph_sched_new(g, NULL, 0, &s, &e), ING_EINVAL);
	CHECK(s == NULL);
	CHECK(starts(e.msg, "Found a cycle: model.p.a --> model.p.b"));
	err_clear(&e);
	uint32_t *order;
	size_t no;
	CHECK_INT(graph_toposort(g, NULL, &order, &no, &e), ING_EINVAL);
	err_clear(&e);
	graph_free(g);

	/* a self reference */
	g = graph_new();
	struct graph_node m = {.type = GRAPH_MODEL, .unique_id = "model.p.self", .package = "p",
			       .name = "self"};
	uint32_t i;
	graph_add_node(g, &m, &i, &e);
	graph_add_edge(g, i, i);
	CHECK_INT(graph_check_cycles(g, NULL, NULL, &e), ING_EINVAL);
	CHECK_STR(e.msg, "Found a cycle: model.p.self --> model.p.self");
	err_clear(&e);
	graph_free(g);
}

static char *order_names(struct graph *g, const uint32_t *o, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", graph_node(g, o[i])->name);
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}

TEST(graph_toposort_dbt_order)
{
	struct graph *g = make_project();
	struct graph_set models = GRAPH_SET_INIT;
	graph_set_of_types(g, GRAPH_TYPE_BIT(GRAPH_MODEL) | GRAPH_TYPE_BIT(GRAPH_SEED), &models);
	graph_set_del(&models, graph_find(g, "model.shop.old_model"));
	uint32_t *o;
	size_t n;
	struct err e = ERR_INIT;
	CHECK_OK(graph_toposort(g, &models, &o, &n, &e), &e);
	char *s = order_names(g, o, n);
	/* level 0 by unique_id (model.* < seed.*), then level 1, ... */
	CHECK_STR(s, "stg_orders stg_pageviews stg_products stg_users util_calendar country_codes "
		     "dim_users int_orders_enriched fct_orders rpt_sales");
	free(s);
	free(o);
	/* a dependency through an unselected node still orders: rpt_sales after stg_orders */
	struct graph_set two = GRAPH_SET_INIT;
	graph_set_init(&two, (uint32_t)graph_count(g));
	graph_set_add(&two, graph_find(g, "model.shop.rpt_sales"));
	graph_set_add(&two, graph_find(g, "model.shop.stg_orders"));
	graph_set_add(&two, graph_find(g, "model.utils.util_calendar"));
	CHECK_OK(graph_toposort(g, &two, &o, &n, &e), &e);
	s = order_names(g, o, n);
	CHECK_STR(s, "stg_orders util_calendar rpt_sales");
	free(s);
	free(o);
	graph_set_free(&two);
	graph_set_free(&models);
	err_clear(&e);
	graph_free(g);
}

/* ---------------------------------------------------------------- selection */

TEST(select_names_and_fqn)
{
	struct graph *g = make_project();
	/* a bare name, with its tests (eager indirect selection) */
	CHECK_SEL(g, "stg_orders", NULL, "not_null_stg_orders_id stg_orders unique_stg_orders_id");
	/* fqn parts with and without the package */
	CHECK_SEL(g, "marts.reporting.rpt_sales", NULL, "rpt_sales");
	CHECK_SEL(g, "shop.marts.reporting", NULL, "rpt_sales");
	CHECK_SEL(g, "fqn:utils.util_calendar", NULL, "util_calendar");
	/* globs: dbt matches the rest of the dotted fqn */
	CHECK_SEL(g, "marts.*", NULL,
		  "accepted_values_dim_users_status assert_positive_revenue dim_users fct_orders "
		  "not_null_fct_orders_id relationships_fct_orders_user_id rpt_sales "
		  "sales_dashboard");
	CHECK_SEL(g, "staging.events.*", NULL, "stg_pageviews");
	CHECK_SEL(g, "*.stg_p*", NULL, "stg_pageviews stg_products");
	/* as in dbt, a glob is matched against the whole fqn: "stg_*" alone is not a name glob */
	CHECK_SEL(g, "stg_*", NULL, "");
	CHECK_SEL(g, "*stg_orders*", NULL,
		  "not_null_stg_orders_id stg_orders unique_stg_orders_id");
	/* fqn never selects sources; disabled nodes are never selected */
	CHECK_SEL(g, "raw", NULL, "");
	CHECK_SEL(g, "old_model", NULL, "");
	CHECK_SEL(g, "fqn:*", "resource_type:test",
		  "adhoc country_codes dim_users fct_orders int_orders_enriched rpt_sales "
		  "sales_dashboard stg_orders stg_pageviews stg_products stg_users users_snapshot "
		  "util_calendar");
	graph_free(g);
}

TEST(select_graph_operators)
{
	struct graph *g = make_project();
	struct graph_sel_opts o = {.indirect = GRAPH_INDIRECT_EMPTY};
	CHECK_SEL_O(g, "+fct_orders", NULL, &o,
		    "fct_orders int_orders_enriched orders products stg_orders stg_products "
		    "stg_users users");
	CHECK_SEL_O(g, "1+fct_orders", NULL, &o, "fct_orders int_orders_enriched stg_users");
	CHECK_SEL_O(g, "2+fct_orders", NULL, &o,
		    "fct_orders int_orders_enriched stg_orders stg_products stg_users users");
	CHECK_SEL_O(g, "stg_users+", "resource_type:test", &o,
		    "adhoc dim_users fct_orders rpt_sales sales_dashboard stg_users users_snapshot");
	CHECK_SEL_O(g, "stg_users+1", NULL, &o,
		    "dim_users fct_orders stg_users unique_stg_users_id users_snapshot");
	CHECK_SEL_O(g, "stg_products+2", "resource_type:test", &o,
		    "fct_orders int_orders_enriched stg_products");
	CHECK_SEL_O(g, "+int_orders_enriched+", "resource_type:test", &o,
		    "adhoc fct_orders int_orders_enriched orders products rpt_sales "
		    "sales_dashboard stg_orders stg_products");
	/* @: descendants and all their ancestors */
	CHECK_SEL_O(g, "@stg_products", "resource_type:test", &o,
		    "adhoc country_codes dim_users fct_orders int_orders_enriched orders "
		    "products rpt_sales sales_dashboard stg_orders stg_products stg_users users");
	/* 0+ selects no parents (dbt: depth 0) */
	CHECK_SEL_O(g, "0+fct_orders", NULL, &o, "fct_orders");
	/* operators on methods */
	CHECK_SEL_O(g, "source:raw.users+1", NULL, &o, "stg_users users");
	graph_free(g);
}

TEST(select_methods)
{
	struct graph *g = make_project();
	struct graph_sel_opts o = {.indirect = GRAPH_INDIRECT_EMPTY, .root_package = "shop"};
	CHECK_SEL_O(g, "tag:nightly", NULL, &o, "dim_users fct_orders");
	CHECK_SEL_O(g, "tag:night*", NULL, &o, "dim_users fct_orders");
	CHECK_SEL_O(g, "tag:finance", NULL, &o, "assert_positive_revenue fct_orders");
	CHECK_SEL_O(g, "tag:raw", NULL, &o, "orders products users");
	/* path: folders (any depth below), files, globs, ./ and trailing / */
	CHECK_SEL_O(g, "path:models/staging/events", NULL, &o, "pageviews stg_pageviews");
	CHECK_SEL_O(g, "models/marts/", "resource_type:test", &o,
		    "dim_users fct_orders rpt_sales sales_dashboard");
	CHECK_SEL_O(g, "./models/marts/reporting", NULL, &o, "rpt_sales");
	CHECK_SEL_O(g, "path:models/staging/stg_*.sql", NULL, &o,
		    "stg_orders stg_products stg_users");
	CHECK_SEL_O(g, "path:models/*/events", NULL, &o, "pageviews stg_pageviews");
	CHECK_SEL_O(g, "path:**/reporting", NULL, &o, "rpt_sales");
	CHECK_SEL_O(g, "path:tests", NULL, &o, "assert_positive_revenue");
	CHECK_SEL_O(g, "path:models/stag", NULL, &o, "");
	/* file: by file name; a bare .sql/.csv value is a file */
	CHECK_SEL_O(g, "file:dim_users.sql", NULL, &o, "dim_users");
	CHECK_SEL_O(g, "country_codes.csv", NULL, &o, "country_codes");
	CHECK_SEL_O(g, "file:stg_*.sql", "stg_p*.sql", &o, "stg_orders stg_users");
	CHECK_SEL_O(g, "file:dim_users", NULL, &o, "dim_users"); /* the stem too */
	CHECK_SEL_O(g, "file:schema", "resource_type:test", &o, "");
	/* source: name, name.table, package.name.table, globs */
	CHECK_SEL_O(g, "source:raw", NULL, &o, "orders products users");
	CHECK_SEL_O(g, "source:raw.orders", NULL, &o, "orders");
	CHECK_SEL_O(g, "source:shop.events.*", NULL, &o, "pageviews");
	CHECK_SEL_O(g, "source:raw.orders+", "resource_type:test", &o,
		    "adhoc fct_orders int_orders_enriched orders rpt_sales sales_dashboard "
		    "stg_orders");
	/* resource_type:, package:, config.X: */
	CHECK_SEL_O(g, "resource_type:seed", NULL, &o, "country_codes");
	CHECK_SEL_O(g, "resource_type:snapshot resource_type:analysis", NULL, &o,
		    "adhoc users_snapshot");
	CHECK_SEL_O(g, "resource_type:macro", NULL, &o, "");
	CHECK_SEL_O(g, "package:utils", NULL, &o, "util_calendar");
	CHECK_SEL_O(g, "package:this", "resource_type:test resource_type:source", &o,
		    "adhoc country_codes dim_users fct_orders int_orders_enriched rpt_sales "
		    "sales_dashboard stg_orders stg_pageviews stg_products stg_users "
		    "users_snapshot");
	CHECK_SEL_O(g, "config.materialized:table", NULL, &o, "dim_users fct_orders util_calendar");
	CHECK_SEL_O(g, "config.materialized:ephemeral", NULL, &o, "int_orders_enriched");
	CHECK_SEL_O(g, "config.meta.owner:ana", NULL, &o, "rpt_sales");
	CHECK_SEL_O(g, "config.meta.owner:ana@shop.com", NULL, &o, "");
	CHECK_SEL_O(g, "config.incremental_strategy:merge", NULL, &o, "rpt_sales");
	CHECK_SEL_O(g, "config.contract.enforced:True", NULL, &o, "fct_orders");
	CHECK_SEL_O(g, "config.severity:error", NULL, &o, "not_null_stg_orders_id");
	CHECK_SEL_O(g, "config.severity:WARN", NULL, &o, "accepted_values_dim_users_status");
	/* test_name:, test_type: */
	CHECK_SEL_O(g, "test_name:not_null", NULL, &o,
		    "not_null_fct_orders_id not_null_stg_orders_id source_not_null_raw_orders_id");
	CHECK_SEL_O(g, "test_name:rel*", NULL, &o, "relationships_fct_orders_user_id");
	CHECK_SEL_O(g, "test_type:singular", NULL, &o, "assert_positive_revenue");
	CHECK_SEL_O(g, "test_type:generic,tag:finance", NULL, &o, "");
	char *all_generic = sel_full(g, "test_type:generic", NULL, &o);
	CHECK(strstr(all_generic, "unique_stg_users_id") && !strstr(all_generic, "assert"));
	free(all_generic);
	char *data = sel_full(g, "test_type:data", NULL, &o);
	CHECK(strstr(data, "unique_stg_users_id") && strstr(data, "assert_positive_revenue"));
	free(data);
	/* exposure: */
	CHECK_SEL_O(g, "exposure:sales_dashboard", NULL, &o, "sales_dashboard");
	CHECK_SEL_O(g, "+exposure:shop.sales*", "resource_type:source", &o,
		    "country_codes dim_users fct_orders int_orders_enriched rpt_sales "
		    "sales_dashboard stg_orders stg_products stg_users");
	graph_free(g);
}

/* dbt's semantic layer: model -> semantic model -> metrics -> saved query;
 * the methods metric:, semantic_model:, saved_query:, resource_type: and
 * the graph operators through them; none of them is a manifest "node", so
 * indirect selection never pulls one in. */
static const struct spec semantic[] = {
	{GRAPH_MODEL, "model.shop.orders", "models/orders.sql", "shop/orders", NULL, NULL, "table", .body = "b"},
	{GRAPH_MODEL, "model.shop.other", "models/other.sql", "shop/other", NULL, NULL, "view", .body = "b"},
	{GRAPH_SEMANTIC_MODEL, "semantic_model.shop.orders", "models/sem.yml", "shop/orders", "model.shop.orders", .body = "b"},
	{GRAPH_METRIC, "metric.shop.revenue", "models/sem.yml", "shop/revenue", "semantic_model.shop.orders", .body = "b"},
	{GRAPH_METRIC, "metric.shop.order_count", "models/sem.yml", "shop/order_count", "semantic_model.shop.orders", .body = "b"},
	{GRAPH_METRIC, "metric.shop.aov", "models/sem.yml", "shop/aov", "metric.shop.revenue metric.shop.order_count", .body = "b"},
	{GRAPH_SAVED_QUERY, "saved_query.shop.daily", "models/sem.yml", "shop/daily", "metric.shop.aov", .body = "b"},
};

TEST(select_semantic_layer)
{
	struct graph *g = graph_new();
	for (size_t i = 0; i < ARRAY_SIZE(semantic); i++)
		add_spec(g, &semantic[i]);
	struct err e = ERR_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(semantic); i++) {
		char *deps[4];
		size_t nd = split_words(semantic[i].deps, ' ', deps, 4);
		for (size_t k = 0; k < nd; k++)
			CHECK_OK(graph_add_dep(g, semantic[i].uid, deps[k], &e), &e);
		free_words(deps, nd);
	}
	err_clear(&e);
	struct graph_sel_opts o = {.indirect = GRAPH_INDIRECT_EAGER};
	CHECK_STR(graph_rtype_name(GRAPH_SEMANTIC_MODEL), "semantic_model");
	CHECK_STR(graph_rtype_name(GRAPH_SAVED_QUERY), "saved_query");
	CHECK_SEL_O(g, "semantic_model:orders", NULL, &o, "orders");
	CHECK_SEL_O(g, "semantic_model:shop.ord*", NULL, &o, "orders");
	CHECK_SEL_O(g, "saved_query:daily", NULL, &o, "daily");
	CHECK_SEL_O(g, "metric:aov", NULL, &o, "aov");
	CHECK_SEL_O(g, "+metric:aov", "resource_type:metric", &o, "orders orders");
	CHECK_SEL_O(g, "+saved_query:daily", NULL, &o, "aov daily order_count orders orders revenue");
	CHECK_SEL_O(g, "semantic_model:orders+", NULL, &o, "aov daily order_count orders revenue");
	CHECK_SEL_O(g, "resource_type:saved_query", NULL, &o, "daily");
	CHECK_SEL_O(g, "resource_type:semantic_model", NULL, &o, "orders");
	CHECK_SEL_O(g, "other", NULL, &o, "other");
	/* a bare name is a node's: never the semantic model or metric of that name */
	CHECK_SEL_O(g, "orders", NULL, &o, "orders");
	CHECK_SEL_O(g, "shop.revenue", NULL, &o, "");
	/* a model's selection never drags its metrics in as indirect tests would */
	CHECK_SEL_O(g, "orders", "resource_type:model", &o, "");
	graph_free(g);
}

TEST(select_union_intersection_exclude)
{
	struct graph *g = make_project();
	struct graph_sel_opts o = {.indirect = GRAPH_INDIRECT_EMPTY};
	CHECK_SEL_O(g, "stg_orders stg_users", NULL, &o, "stg_orders stg_users");
	CHECK_SEL_O(g, "tag:staging,tag:events", NULL, &o, "stg_pageviews");
	CHECK_SEL_O(g, "+rpt_sales,tag:staging", NULL, &o, "stg_orders stg_products stg_users");
	CHECK_SEL_O(g, "tag:nightly,config.materialized:table dim_users+1", "resource_type:exposure",
		    &o, "accepted_values_dim_users_status dim_users fct_orders "
			"relationships_fct_orders_user_id");
	CHECK_SEL_O(g, "tag:staging", "stg_pageviews stg_users", &o, "stg_orders stg_products");
	CHECK_SEL_O(g, "tag:staging", "tag:events,stg_pageviews", &o,
		    "stg_orders stg_products stg_users");
	/* several --select arguments, extra spaces */
	{
		const char *sv[] = {"stg_orders  ", " stg_users"};
		struct graph_set s;
		struct err e = ERR_INIT;
		CHECK_OK(graph_select(g, sv, 2, NULL, 0, &o, &s, &e), &e);
		char *r = names(g, &s);
		CHECK_STR(r, "stg_orders stg_users");
		free(r);
		graph_set_free(&s);
	}
	/* types filter */
	struct graph_sel_opts ot = {.types = GRAPH_TYPE_BIT(GRAPH_MODEL)};
	CHECK_SEL_O(g, "+fct_orders", NULL, &ot, "fct_orders int_orders_enriched stg_orders "
						 "stg_products stg_users");
	/* no --select: everything enabled */
	char *all = sel(g, NULL, NULL);
	CHECK(strstr(all, "util_calendar") && strstr(all, "orders") && !strstr(all, "old_model"));
	free(all);
	graph_free(g);
}

TEST(select_indirect_modes)
{
	struct graph *g = make_project();
	struct graph_sel_opts eager = {.indirect = GRAPH_INDIRECT_EAGER};
	struct graph_sel_opts cautious = {.indirect = GRAPH_INDIRECT_CAUTIOUS};
	struct graph_sel_opts buildable = {.indirect = GRAPH_INDIRECT_BUILDABLE};
	struct graph_sel_opts empty = {.indirect = GRAPH_INDIRECT_EMPTY};
	/* eager: any parent selected -> the relationships test comes along */
	CHECK_SEL_O(g, "fct_orders", NULL, &eager,
		    "assert_positive_revenue fct_orders not_null_fct_orders_id "
		    "relationships_fct_orders_user_id");
	/* cautious: only tests whose parents are all selected */
	CHECK_SEL_O(g, "fct_orders", NULL, &cautious,
		    "assert_positive_revenue fct_orders not_null_fct_orders_id");
	/* ... until a union selects the other parent */
	CHECK_SEL_O(g, "fct_orders dim_users", NULL, &cautious,
		    "accepted_values_dim_users_status assert_positive_revenue dim_users fct_orders "
		    "not_null_fct_orders_id relationships_fct_orders_user_id");
	/* buildable: the other parent (dim_users) is not upstream of fct_orders */
	CHECK_SEL_O(g, "fct_orders", NULL, &buildable,
		    "assert_positive_revenue fct_orders not_null_fct_orders_id");
	/* ... but a test on fct_orders and stg_users would be: make one */
	{
		struct graph *g2 = make_project();
		struct graph_node t = {.type = GRAPH_TEST, .unique_id = "test.shop.rel_fct_stg.1",
				       .package = "shop", .name = "rel_fct_stg",
				       .test_kind = GRAPH_TEST_GENERIC, .test_name = "relationships"};
		struct err e = ERR_INIT;
		CHECK_OK(graph_add_node(g2, &t, NULL, &e), &e);
		graph_add_dep(g2, "test.shop.rel_fct_stg.1", "model.shop.fct_orders", &e);
		graph_add_dep(g2, "test.shop.rel_fct_stg.1", "model.shop.stg_users", &e);
		char *b = sel_full(g2, "fct_orders", NULL, &buildable);
		CHECK(strstr(b, "rel_fct_stg") != NULL);
		free(b);
		char *c = sel_full(g2, "fct_orders", NULL, &cautious);
		CHECK(strstr(c, "rel_fct_stg") == NULL);
		free(c);
		graph_free(g2);
	}
	/* empty: no tests unless selected directly */
	CHECK_SEL_O(g, "fct_orders", NULL, &empty, "fct_orders");
	/* excluding a model also excludes its tests (exclude is eager) */
	CHECK_SEL_O(g, "+fct_orders", "stg_orders stg_users int_orders_enriched source:*", &eager,
		    "assert_positive_revenue fct_orders not_null_fct_orders_id "
		    "relationships_fct_orders_user_id stg_products");
	/* a test selected by name is kept in every mode */
	CHECK_SEL_O(g, "relationships_fct_orders_user_id", NULL, &cautious,
		    "relationships_fct_orders_user_id");
	/* intersection applies to the tests too */
	CHECK_SEL_O(g, "tag:nightly,fct_orders", NULL, &eager,
		    "assert_positive_revenue fct_orders not_null_fct_orders_id "
		    "relationships_fct_orders_user_id");
	enum graph_indirect m;
	struct err e = ERR_INIT;
	CHECK(graph_indirect_parse("buildable", &m, &e) == 0 && m == GRAPH_INDIRECT_BUILDABLE);
	CHECK_INT(graph_indirect_parse("sometimes", &m, &e), ING_EINVAL);
	err_clear(&e);
	graph_free(g);
}

TEST(select_state_and_result)
{
	struct graph *g = make_project();
	struct graph_state *st = graph_state_new();
	/* the previous manifest: every node as now, except: stg_users had another
	 * body, rpt_sales another config, dim_users another relation, and
	 * util_calendar did not exist */
	for (size_t i = 0; i < ARRAY_SIZE(project); i++) {
		const struct spec *s = &project[i];
		if (strcmp(s->uid, "model.utils.util_calendar") == 0)
			continue;
		struct graph_fp fp = {.body = s->body, .configs = "c", .relation = s->uid};
		if (strcmp(s->uid, "model.shop.stg_users") == 0)
			fp.body = "old";
		if (strcmp(s->uid, "model.shop.rpt_sales") == 0)
			fp.configs = "old";
		if (strcmp(s->uid, "model.shop.dim_users") == 0)
			fp.relation = "main.dim_users_old";
		graph_state_put(st, s->uid, &fp);
	}
	struct graph_sel_opts o = {.indirect = GRAPH_INDIRECT_EMPTY, .state = st};
	CHECK_SEL_O(g, "state:modified", NULL, &o, "dim_users rpt_sales stg_users util_calendar");
	CHECK_SEL_O(g, "state:new", NULL, &o, "util_calendar");
	CHECK_SEL_O(g, "state:modified.body", NULL, &o, "stg_users util_calendar");
	CHECK_SEL_O(g, "state:modified.configs", NULL, &o, "rpt_sales util_calendar");
	CHECK_SEL_O(g, "state:modified.relation", NULL, &o, "dim_users util_calendar");
	CHECK_SEL_O(g, "state:modified.macros", NULL, &o, "");
	CHECK_SEL_O(g, "state:modified+1", "resource_type:test", &o,
		    "dim_users fct_orders rpt_sales sales_dashboard stg_users users_snapshot "
		    "util_calendar");
	char *r = sel_full(g, "state:old", NULL, &o);
	CHECK(!has_name(r, "util_calendar") && has_name(r, "stg_users"));
	free(r);
	r = sel_full(g, "state:unmodified", NULL, &o);
	CHECK(!has_name(r, "util_calendar") && !has_name(r, "stg_users") &&
	      has_name(r, "stg_orders"));
	free(r);
	r = sel_full(g, "state:changed", NULL, &o);
	CHECK(starts(r, "ERR") && strstr(r, "state:changed"));
	free(r);
	/* without --state */
	r = sel(g, "state:modified", NULL);
	CHECK(starts(r, "ERR") && strstr(r, "--state"));
	free(r);

	struct strmap res = STRMAP_INIT;
	strmap_put(&res, "model.shop.fct_orders", "error");
	strmap_put(&res, "test.shop.unique_stg_users_id.0a9b8c7d6e", "fail");
	strmap_put(&res, "model.shop.rpt_sales", "skipped");
	strmap_put(&res, "model.shop.stg_orders", "success");
	struct graph_sel_opts ro = {.indirect = GRAPH_INDIRECT_EMPTY, .results = &res};
	CHECK_SEL_O(g, "result:error", NULL, &ro, "fct_orders");
	CHECK_SEL_O(g, "result:fail", NULL, &ro, "unique_stg_users_id");
	CHECK_SEL_O(g, "result:error+ result:skipped", "resource_type:test", &ro,
		    "adhoc fct_orders rpt_sales sales_dashboard");
	CHECK_SEL_O(g, "result:warn", NULL, &ro, "");
	r = sel(g, "result:error", NULL);
	CHECK(starts(r, "ERR"));
	free(r);
	strmap_free(&res, NULL);
	graph_state_free(st);
	graph_free(g);
}

static void count_empty(void *ctx, const char *crit)
{
	struct buf *b = ctx;
	buf_printf(b, "[%s]", crit);
}

TEST(select_errors_and_empty)
{
	struct graph *g = make_project();
	struct {
		const char *sel, *want;
	} bad[] = {
		{"tags:nightly", "'tags' is not a valid method name (did you mean 'tag'?)"},
		{"color:red", "'color' is not a valid method name"},
		{"@fct_orders+", "\"@\" prefix and \"+\" suffix are incompatible"},
		{"fct+orders", "misplaced graph operator '+'"},
		{"fct@orders", "misplaced graph operator '@'"},
		{"+", "no value"},
		{"tag:", "no value"},
		{"test_type:weird", "invalid test type 'weird'"},
		{"resource_type:widget", "invalid resource_type 'widget'"},
		{"source:a.b.c.d", "invalid source selector value"},
		{"config:table", "config needs a key"},
		{"tag.x:y", "the 'tag' method takes no arguments"},
		{"a,,b", "empty criterion"},
		{"path:/abs/models", "relative to the project root"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *r = sel(g, bad[i].sel, NULL);
		if (!starts(r, "ERR -1") || !strstr(r, bad[i].want) || !strstr(r, bad[i].sel))
			test_fail(__FILE__, __LINE__, "'%s' gave '%s'", bad[i].sel, r);
		free(r);
	}
	char *r = sel(g, "version:latest", NULL);
	CHECK(starts(r, "ERR -7") && strstr(r, "'version' method is not supported"));
	free(r);
	/* errors in --exclude too */
	r = sel(g, "fct_orders", "tga:x");
	CHECK(starts(r, "ERR -1") && strstr(r, "tga:x"));
	free(r);

	/* matching nothing is not an error; the host is told which criterion */
	struct buf b = BUF_INIT;
	struct graph_sel_opts o = {.on_empty = count_empty, .ctx = &b};
	const char *sv[] = {"fct_orders nothing_here tag:nope,fct_orders"};
	const char *ev[] = {"also_nothing"};
	struct graph_set s;
	struct err e = ERR_INIT;
	CHECK_OK(graph_select(g, sv, 1, ev, 1, &o, &s, &e), &e);
	CHECK_STR(buf_cstr(&b), "[nothing_here][tag:nope,fct_orders][also_nothing]");
	CHECK(graph_set_has(&s, graph_find(g, "model.shop.fct_orders")));
	graph_set_free(&s);
	buf_free(&b);
	graph_free(g);
}

TEST(select_yaml_definitions)
{
	struct graph *g = make_project();
	struct graph_sel_opts o = {.indirect = GRAPH_INDIRECT_EAGER};
	/* union: [ {method: tag, value: nightly, parents: true, parents_depth: 1,
	 *           indirect_selection: empty},
	 *          "util_calendar",
	 *          {exclude: [ {fqn: stg_users}, "tag:finance" ]} ] */
	struct graph_seldef m1 = {.kind = GRAPH_SELDEF_METHOD, .method = "tag", .value = "nightly",
				  .parents = true, .parents_depth = 1,
				  .indirect_set = true, .indirect = GRAPH_INDIRECT_EMPTY};
	struct graph_seldef c1 = {.kind = GRAPH_SELDEF_CLI, .text = "util_calendar"};
	struct graph_seldef x1 = {.kind = GRAPH_SELDEF_METHOD, .method = "fqn", .value = "stg_users"};
	struct graph_seldef x2 = {.kind = GRAPH_SELDEF_CLI, .text = "tag:finance"};
	const struct graph_seldef *xs[] = {&x1, &x2};
	struct graph_seldef ex = {.kind = GRAPH_SELDEF_UNION, .items = xs, .nitems = 2};
	const struct graph_seldef *items[] = {&m1, &c1};
	struct graph_seldef root = {.kind = GRAPH_SELDEF_UNION, .items = items, .nitems = 2,
				    .exclude = &ex};
	struct graph_set s;
	struct err e = ERR_INIT;
	CHECK_OK(graph_select_def(g, &root, &o, &s, &e), &e);
	char *r = names(g, &s);
	CHECK_STR(r, "country_codes dim_users int_orders_enriched util_calendar");
	free(r);
	graph_set_free(&s);

	/* intersection: [ "+rpt_sales", {method: config.materialized, value: view} ] */
	struct graph_seldef i1 = {.kind = GRAPH_SELDEF_CLI, .text = "+rpt_sales"};
	struct graph_seldef i2 = {.kind = GRAPH_SELDEF_METHOD, .method = "config.materialized",
				  .value = "view"};
	const struct graph_seldef *is[] = {&i1, &i2};
	struct graph_seldef inter = {.kind = GRAPH_SELDEF_INTERSECTION, .items = is, .nitems = 2};
	CHECK_OK(graph_select_def(g, &inter, &o, &s, &e), &e);
	r = names(g, &s);
	CHECK_STR(r, "not_null_stg_orders_id stg_orders stg_products stg_users "
		     "unique_stg_orders_id unique_stg_users_id");
	free(r);
	graph_set_free(&s);

	/* a method definition with a default method (path) and an exclude */
	struct graph_seldef nx = {.kind = GRAPH_SELDEF_CLI, .text = "stg_pageviews"};
	struct graph_seldef pd = {.kind = GRAPH_SELDEF_METHOD, .value = "models/staging",
				  .exclude = &nx, .indirect_set = true, .indirect = GRAPH_INDIRECT_EMPTY};
	CHECK_OK(graph_select_def(g, &pd, &o, &s, &e), &e);
	r = names(g, &s);
	/* the tests defined in models/staging/schema.yml are under that path too */
	CHECK_STR(r, "not_null_stg_orders_id orders pageviews products "
		     "source_not_null_raw_orders_id stg_orders stg_products stg_users "
		     "unique_stg_orders_id unique_stg_users_id users");
	free(r);
	graph_set_free(&s);

	/* errors carry the definition's location */
	struct graph_seldef badm = {.kind = GRAPH_SELDEF_METHOD, .method = "colour", .value = "x",
				    .where = "selectors.yml:7:9"};
	const struct graph_seldef *bs[] = {&c1, &badm};
	struct graph_seldef bu = {.kind = GRAPH_SELDEF_UNION, .items = bs, .nitems = 2,
				  .where = "selectors.yml:5:5"};
	CHECK_INT(graph_select_def(g, &bu, &o, &s, &e), ING_EINVAL);
	CHECK(starts(e.msg, "selectors.yml:7:9: invalid selector 'colour:x'"));
	err_clear(&e);
	graph_set_free(&s);
	/* indirect_selection not given: the options' mode (cautious here) */
	struct graph_sel_opts oc = {.indirect = GRAPH_INDIRECT_CAUTIOUS};
	struct graph_seldef fo = {.kind = GRAPH_SELDEF_METHOD, .method = "fqn", .value = "fct_orders"};
	CHECK_OK(graph_select_def(g, &fo, &oc, &s, &e), &e);
	r = names(g, &s);
	CHECK_STR(r, "assert_positive_revenue fct_orders not_null_fct_orders_id");
	free(r);
	graph_set_free(&s);
	fo.indirect_set = true; /* indirect_selection: eager */
	fo.indirect = GRAPH_INDIRECT_EAGER;
	CHECK_OK(graph_select_def(g, &fo, &oc, &s, &e), &e);
	r = names(g, &s);
	CHECK_STR(r, "assert_positive_revenue fct_orders not_null_fct_orders_id "
		     "relationships_fct_orders_user_id");
	free(r);
	graph_set_free(&s);
	struct graph_seldef both = {.kind = GRAPH_SELDEF_METHOD, .method = "tag", .value = "x",
				    .children = true, .childrens_parents = true};
	CHECK_INT(graph_select_def(g, &both, &o, &s, &e), ING_EINVAL);
	err_clear(&e);
	graph_set_free(&s);
	graph_free(g);
}

/* ---------------------------------------------------------------- scheduling */

struct runlog {
	pthread_mutex_t mu;
	struct graph *g;
	struct graph_sched *s;
	const char *fail[4]; /* names that fail */
	char done[64][64];   /* "name" / "SKIP name (cause)" */
	size_t n;
	int running, max_running;
	uint32_t finished_at[64]; /* per graph index: sequence when done, for order checks */
	uint32_t started_at[64];
	uint32_t seq;
};

static void *worker(void *arg)
{
	struct runlog *l = arg;
	struct graph_job job;
	while (graph_sched_take(l->s, &job)) {
		const struct graph_node *n = graph_node(l->g, job.idx);
		pthread_mutex_lock(&l->mu);
		l->started_at[job.idx] = ++l->seq;
		l->running++;
		if (l->running > l->max_running)
			l->max_running = l->running;
		pthread_mutex_unlock(&l->mu);
		bool failed = false;
		if (!job.skip) {
			usleep(2000); /* let the other worker overlap */
			for (int k = 0; k < 4 && l->fail[k]; k++)
				failed |= strcmp(l->fail[k], n->name) == 0;
		}
		pthread_mutex_lock(&l->mu);
		if (job.skip)
			snprintf(l->done[l->n++], 64, "SKIP %s (%s)", n->name,
				 graph_node(l->g, job.cause)->name);
		else
			snprintf(l->done[l->n++], 64, "%s%s", failed ? "FAIL " : "", n->name);
		l->finished_at[job.idx] = ++l->seq;
		l->running--;
		pthread_mutex_unlock(&l->mu);
		graph_sched_done(l->s, job.idx,
				 job.skip ? GRAPH_RUN_SKIPPED : failed ? GRAPH_RUN_FAILED : GRAPH_RUN_OK);
	}
	return NULL;
}

static void run_threads(struct runlog *l, int nthreads)
{
	pthread_t t[4];
	pthread_mutex_init(&l->mu, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, l);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&l->mu);
}

static bool logged(const struct runlog *l, const char *line)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->done[i], line) == 0)
			return true;
	return false;
}

/* every scheduler parent finished before the child started */
static void check_order(struct runlog *l)
{
	for (uint32_t i = 0; i < graph_count(l->g); i++) {
		if (!l->started_at[i])
			continue;
		const uint32_t *p;
		size_t np = graph_sched_parents(l->s, i, &p);
		for (size_t k = 0; k < np; k++)
			if (!(l->finished_at[p[k]] && l->finished_at[p[k]] < l->started_at[i]))
				test_fail(__FILE__, __LINE__, "%s started before %s finished",
					  graph_node(l->g, i)->name, graph_node(l->g, p[k])->name);
	}
}

static struct graph_set runnable(struct graph *g)
{
	struct graph_set s;
	struct graph_sel_opts o = {.types = GRAPH_TYPE_BIT(GRAPH_MODEL) | GRAPH_TYPE_BIT(GRAPH_SEED) |
					    GRAPH_TYPE_BIT(GRAPH_SNAPSHOT) | GRAPH_TYPE_BIT(GRAPH_TEST)};
	struct err e = ERR_INIT;
	CHECK_OK(graph_select(g, NULL, 0, NULL, 0, &o, &s, &e), &e);
	return s;
}

TEST(sched_run_failure_skips_descendants)
{
	struct graph *g = make_project();
	struct graph_set sel = runnable(g);
	struct graph_sched *s;
	struct err e = ERR_INIT;
	REQUIRE(graph_sched_new(g, &sel, 0, &s, &e) == 0);
	CHECK_INT(graph_sched_total(s), graph_set_count(&sel));
	struct runlog l = {.g = g, .s = s, .fail = {"int_orders_enriched"}};
	run_threads(&l, 2);
	CHECK_INT(l.n, graph_set_count(&sel));
	CHECK(logged(&l, "FAIL int_orders_enriched"));
	CHECK(logged(&l, "SKIP fct_orders (int_orders_enriched)"));
	CHECK(logged(&l, "SKIP rpt_sales (int_orders_enriched)"));
	CHECK(logged(&l, "SKIP not_null_fct_orders_id (int_orders_enriched)"));
	CHECK(logged(&l, "SKIP relationships_fct_orders_user_id (int_orders_enriched)"));
	CHECK(logged(&l, "dim_users"));
	CHECK(logged(&l, "stg_users"));
	CHECK(logged(&l, "unique_stg_orders_id"));
	CHECK(logged(&l, "users_snapshot"));
	/* plain run: tests do not hold back models */
	check_order(&l);
	CHECK_INT(graph_sched_status(s, graph_find(g, "model.shop.fct_orders")), GRAPH_RUN_SKIPPED);
	CHECK_INT(graph_sched_status(s, graph_find(g, "model.shop.int_orders_enriched")),
		  GRAPH_RUN_FAILED);
	CHECK_INT(graph_sched_status(s, graph_find(g, "model.shop.dim_users")), GRAPH_RUN_OK);
	CHECK_INT(graph_sched_unstarted(s), 0);
	graph_sched_free(s);

	/* independent nodes are handed out together: two jobs out, none done */
	REQUIRE(graph_sched_new(g, &sel, 0, &s, &e) == 0);
	struct graph_job j1, j2;
	REQUIRE(graph_sched_try_take(s, &j1) == 1);
	REQUIRE(graph_sched_try_take(s, &j2) == 1);
	CHECK(j1.idx != j2.idx);
	CHECK_INT(graph_sched_status(s, j1.idx), GRAPH_RUN_RUNNING);
	CHECK_INT(graph_sched_status(s, j2.idx), GRAPH_RUN_RUNNING);
	graph_sched_free(s);
	graph_set_free(&sel);
	graph_free(g);
}

TEST(sched_build_failing_test_skips_downstream)
{
	struct graph *g = make_project();
	struct graph_set sel = runnable(g);
	struct graph_sched *s;
	struct err e = ERR_INIT;
	REQUIRE(graph_sched_new(g, &sel, GRAPH_SCHED_BUILD, &s, &e) == 0);
	/* int_orders_enriched waits for the tests on stg_orders; fct_orders for
	 * unique_stg_users_id (through stg_users), not through int_orders_enriched */
	uint32_t io = graph_find(g, "model.shop.int_orders_enriched");
	const uint32_t *p;
	size_t np = graph_sched_parents(s, io, &p);
	char *pn = order_names(g, p, np);
	CHECK(strstr(pn, "not_null_stg_orders_id") && strstr(pn, "unique_stg_orders_id") &&
	      strstr(pn, "stg_products"));
	free(pn);
	/* rpt_sales waits for the tests on fct_orders, but not for the
	 * relationships test: dim_users is not upstream of it */
	np = graph_sched_parents(s, graph_find(g, "model.shop.rpt_sales"), &p);
	pn = order_names(g, p, np);
	CHECK_STR(pn, "assert_positive_revenue not_null_fct_orders_id fct_orders");
	free(pn);
	/* stg_orders waits for the test on its source */
	np = graph_sched_parents(s, graph_find(g, "model.shop.stg_orders"), &p);
	pn = order_names(g, p, np);
	CHECK_STR(pn, "source_not_null_raw_orders_id");
	free(pn);
	/* dim_users does not wait for tests on fct_orders */
	np = graph_sched_parents(s, graph_find(g, "model.shop.dim_users"), &p);
	pn = order_names(g, p, np);
	CHECK_STR(pn, "unique_stg_users_id stg_users country_codes");
	free(pn);

	struct runlog l = {.g = g, .s = s, .fail = {"unique_stg_users_id"}};
	run_threads(&l, 2);
	check_order(&l);
	CHECK(logged(&l, "FAIL unique_stg_users_id"));
	CHECK(logged(&l, "SKIP dim_users (unique_stg_users_id)"));
	CHECK(logged(&l, "SKIP fct_orders (unique_stg_users_id)"));
	CHECK(logged(&l, "SKIP users_snapshot (unique_stg_users_id)"));
	CHECK(logged(&l, "SKIP rpt_sales (unique_stg_users_id)"));
	CHECK(logged(&l, "stg_users"));
	CHECK(logged(&l, "int_orders_enriched"));
	CHECK(logged(&l, "stg_pageviews"));
	graph_sched_free(s);
	graph_set_free(&sel);
	graph_free(g);
}

TEST(sched_deterministic_single_thread_and_cancel)
{
	struct graph *g = make_project();
	struct graph_set sel = runnable(g);
	char *first = NULL;
	for (int round = 0; round < 3; round++) {
		struct graph_sched *s;
		struct err e = ERR_INIT;
		REQUIRE(graph_sched_new(g, &sel, GRAPH_SCHED_BUILD, &s, &e) == 0);
		struct runlog l = {.g = g, .s = s};
		run_threads(&l, 1);
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < l.n; i++)
			buf_printf(&b, "%s ", l.done[i]);
		if (!first)
			first = buf_detach(&b, NULL);
		else
			CHECK_STR(buf_cstr(&b), first);
		buf_free(&b);
		graph_sched_free(s);
	}
	/* dbt order: level first, unique_id within a level (model < seed <
	 * snapshot < test); in build, stg_orders waits for its source's test */
	CHECK_STR(first, "stg_pageviews stg_products stg_users util_calendar country_codes "
			 "source_not_null_raw_orders_id stg_orders unique_stg_users_id dim_users "
			 "users_snapshot not_null_stg_orders_id unique_stg_orders_id "
			 "int_orders_enriched accepted_values_dim_users_status fct_orders "
			 "assert_positive_revenue not_null_fct_orders_id "
			 "relationships_fct_orders_user_id rpt_sales ");
	free(first);

	/* critical path first: the longest chain starts with stg_orders */
	struct graph_sched *s;
	struct err e = ERR_INIT;
	REQUIRE(graph_sched_new(g, &sel, GRAPH_SCHED_CRITICAL_PATH, &s, &e) == 0);
	struct graph_job job;
	REQUIRE(graph_sched_try_take(s, &job) == 1);
	CHECK_STR(graph_node(g, job.idx)->name, "stg_orders");
	/* cancel: nothing more is handed out */
	graph_sched_cancel(s);
	struct graph_job j2;
	CHECK(!graph_sched_take(s, &j2));
	CHECK_INT(graph_sched_try_take(s, &j2), -1);
	graph_sched_done(s, job.idx, GRAPH_RUN_OK);
	CHECK_INT(graph_sched_unstarted(s), graph_set_count(&sel) - 1);
	graph_sched_free(s);
	graph_set_free(&sel);
	graph_free(g);
}

TEST(sched_no_skip_for_trigger_rules)
{
	/* pipeline tasks: start -> a, b -> end; with NO_SKIP, end is handed out
	 * after a fails and the caller reads the parents' outcome */
	struct graph *g = graph_new();
	const char *ids[] = {"task.p.start", "task.p.a", "task.p.b", "task.p.end"};
	struct err e = ERR_INIT;
	for (int i = 0; i < 4; i++) {
		struct graph_node n = {.type = GRAPH_TASK, .unique_id = ids[i], .package = "p",
				       .name = ids[i] + 7};
		graph_add_node(g, &n, NULL, &e);
	}
	graph_add_dep(g, "task.p.a", "task.p.start", &e);
	graph_add_dep(g, "task.p.b", "task.p.start", &e);
	graph_add_dep(g, "task.p.end", "task.p.a", &e);
	graph_add_dep(g, "task.p.end", "task.p.b", &e);
	struct graph_sched *s;
	REQUIRE(graph_sched_new(g, NULL, GRAPH_SCHED_NO_SKIP, &s, &e) == 0);
	struct graph_job j;
	REQUIRE(graph_sched_try_take(s, &j) == 1);
	CHECK_STR(graph_node(g, j.idx)->name, "start");
	CHECK_INT(graph_sched_try_take(s, &j), 0); /* nothing ready while start runs */
	graph_sched_done(s, graph_find(g, "task.p.start"), GRAPH_RUN_OK);
	REQUIRE(graph_sched_try_take(s, &j) == 1);
	CHECK_STR(graph_node(g, j.idx)->name, "a");
	graph_sched_done(s, j.idx, GRAPH_RUN_FAILED);
	REQUIRE(graph_sched_try_take(s, &j) == 1);
	CHECK_STR(graph_node(g, j.idx)->name, "b");
	graph_sched_done(s, j.idx, GRAPH_RUN_OK);
	REQUIRE(graph_sched_try_take(s, &j) == 1);
	CHECK_STR(graph_node(g, j.idx)->name, "end");
	CHECK(!j.skip);
	CHECK_INT(graph_sched_status(s, graph_find(g, "task.p.a")), GRAPH_RUN_FAILED);
	CHECK_INT(graph_sched_status(s, graph_find(g, "task.p.end")), GRAPH_RUN_RUNNING);
	graph_sched_done(s, j.idx, GRAPH_RUN_OK);
	CHECK_INT(graph_sched_try_take(s, &j), -1);
	graph_sched_free(s);
	graph_free(g);
}

/* ---------------------------------------------------------------- scale */

TEST(graph_large_project)
{
	/* 2,000 models in 20 folders, each refs up to 3 earlier ones, 3 tests each */
	enum { M = 2000 };
	struct graph *g = graph_new();
	struct err e = ERR_INIT;
	char uid[96], name[64], folder[32], path[128];
	for (int i = 0; i < M; i++) {
		snprintf(name, sizeof(name), "m%04d", i);
		snprintf(uid, sizeof(uid), "model.big.%s", name);
		snprintf(folder, sizeof(folder), "f%02d", i % 20);
		snprintf(path, sizeof(path), "models/%s/%s.sql", folder, name);
		const char *fqn[] = {"big", folder, name};
		const char *tags[] = {i % 2 ? "odd" : "even"};
		struct graph_node n = {.type = GRAPH_MODEL, .unique_id = uid, .package = "big",
				       .name = name, .fqn = fqn, .nfqn = 3, .path = path,
				       .tags = tags, .ntags = 1, .materialized = "view"};
		REQUIRE(graph_add_node(g, &n, NULL, &e) == 0);
		for (int t = 0; t < 3; t++) {
			char tuid[192], tname[96];
			snprintf(tname, sizeof(tname), "t%d_%s", t, name);
			snprintf(tuid, sizeof(tuid), "test.big.%s.%010d", tname, i * 3 + t);
			const char *tf[] = {"big", folder, tname};
			struct graph_node tn = {.type = GRAPH_TEST, .unique_id = tuid, .package = "big",
						.name = tname, .fqn = tf, .nfqn = 3,
						.test_kind = GRAPH_TEST_GENERIC, .test_name = "not_null"};
			uint32_t ti;
			REQUIRE(graph_add_node(g, &tn, &ti, &e) == 0);
			graph_add_edge(g, ti, graph_find(g, uid));
		}
		for (int k = 1; k <= 3 && i - k * 7 >= 0; k++) {
			char puid[96];
			snprintf(puid, sizeof(puid), "model.big.m%04d", i - k * 7);
			graph_add_dep(g, uid, puid, &e);
		}
	}
	CHECK_INT(graph_count(g), M * 4);
	CHECK_INT(graph_check_cycles(g, NULL, NULL, &e), 0);
	struct graph_set s;
	const char *sv[] = {"+m1999 tag:odd,path:models/f03 f07.* @m0500"};
	CHECK_OK(graph_select(g, sv, 1, NULL, 0, NULL, &s, &e), &e);
	CHECK(graph_set_count(&s) > 100);
	struct graph_sched *sc;
	REQUIRE(graph_sched_new(g, &s, GRAPH_SCHED_BUILD, &sc, &e) == 0);
	struct graph_job j;
	size_t n = 0;
	while (graph_sched_try_take(sc, &j) == 1) {
		graph_sched_done(sc, j.idx, GRAPH_RUN_OK);
		n++;
	}
	CHECK_INT(n, graph_set_count(&s));
	graph_sched_free(sc);
	graph_set_free(&s);
	err_clear(&e);
	graph_free(g);
}

TEST(graph_empty_and_walks)
{
	struct graph *g = graph_new();
	struct err e = ERR_INIT;
	struct graph_set s;
	const char *sv[] = {"+anything tag:x"};
	CHECK_OK(graph_select(g, sv, 1, NULL, 0, NULL, &s, &e), &e);
	CHECK_INT(graph_set_count(&s), 0);
	struct graph_sched *sc;
	REQUIRE(graph_sched_new(g, &s, GRAPH_SCHED_BUILD, &sc, &e) == 0);
	struct graph_job j;
	CHECK(!graph_sched_take(sc, &j));
	graph_sched_free(sc);
	graph_set_free(&s);
	graph_free(g);

	g = make_project();
	struct graph_set from = GRAPH_SET_INIT, out = GRAPH_SET_INIT;
	graph_set_init(&from, (uint32_t)graph_count(g));
	graph_set_init(&out, (uint32_t)graph_count(g));
	graph_set_add(&from, graph_find(g, "model.shop.fct_orders"));
	graph_ancestors(g, &from, 1, &out);
	char *r = names(g, &out);
	CHECK_STR(r, "int_orders_enriched stg_users");
	free(r);
	graph_set_clear(&out);
	graph_descendants(g, &from, -1, &out);
	r = names(g, &out);
	CHECK_STR(r, "adhoc assert_positive_revenue not_null_fct_orders_id "
		     "relationships_fct_orders_user_id rpt_sales sales_dashboard");
	free(r);
	graph_set_free(&from);
	graph_set_free(&out);
	graph_free(g);
}

TEST(select_random_input_never_crashes)
{
	/* a small deterministic fuzz of the selector parser and evaluator */
	struct graph *g = make_project();
	static const char alphabet[] = "@+,:.*?[]/ 0123abcfgmnorstu_-\\";
	static const char *const pieces[] = {"tag:", "path:", "source:", "config.", "@", "+",
					     "2+", "+3", ",", " ", "stg_orders", "models/",
					     "state:", "result:", "fqn:", "*", "test_type:",
					     "resource_type:", "exposure:", "file:", "[a-", "."};
	uint64_t x = 88172645463325252ULL;
	char buf[64];
	for (int i = 0; i < 3000; i++) {
		size_t n = 0;
		int parts = 1 + (int)(x % 6);
		for (int p = 0; p < parts && n < sizeof(buf) - 20; p++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x & 1) {
				const char *pc = pieces[(x >> 8) % ARRAY_SIZE(pieces)];
				size_t l = strlen(pc);
				memcpy(buf + n, pc, l);
				n += l;
			} else {
				buf[n++] = alphabet[(x >> 8) % (sizeof(alphabet) - 1)];
			}
		}
		buf[n] = 0;
		struct graph_set s;
		struct err e = ERR_INIT;
		const char *sv[] = {buf};
		int rc = graph_select(g, sv, 1, sv, i & 1, NULL, &s, &e);
		if (rc != 0 && rc != ING_EINVAL && rc != ING_EUNSUPPORTED)
			test_fail(__FILE__, __LINE__, "'%s' returned %d", buf, rc);
		if (rc && !(e.msg && strstr(e.msg, "invalid selector")))
			test_fail(__FILE__, __LINE__, "'%s': message '%s'", buf, e.msg ? e.msg : "");
		graph_set_free(&s);
		err_clear(&e);
	}
	graph_free(g);
}
