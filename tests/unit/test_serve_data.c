/*
 * tests/unit/test_serve_data.c — the data pages' routes and the OpenAPI
 * document: every route the router knows (serve_route_template) is in the
 * merged document with its method, and every path of the document routes
 * back to a route of that template (no stale or misspelled paths).
 * Response shapes are checked against the document by the CLI tests
 * (tests/fixtures/serve/data_api.py).
 */
#include "test.h"

#include "core/buf.h"
#include "serve/serve_int.h"

#include <jansson.h>
#include <string.h>

/* "/api/v1/loads/{source}/{table}" -> "/api/v1/loads/x1/x1" */
static void fill(const char *tpl, struct buf *out)
{
	for (const char *p = tpl; *p; p++) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			if (e) {
				buf_puts(out, "1"); /* a name or a run id */
				p = e;
				continue;
			}
		}
		buf_putc(out, *p);
	}
}

TEST(serve_data_routes)
{
	struct serve_route r;
	CHECK_INT(serve_route_parse("/api/v1/loads", &r), RT_LOADS);
	CHECK_INT(serve_route_parse("/api/v1/loads/raw/orders", &r), RT_LOAD_TABLE);
	CHECK_STR(r.board, "raw");
	CHECK_STR(r.name, "orders");
	CHECK_INT(serve_route_parse("/api/v1/loads/raw", &r), RT_API_NOT_FOUND);
	CHECK_INT(serve_route_parse("/api/v1/loads/raw/orders/x", &r), RT_API_NOT_FOUND);
	CHECK_INT(serve_route_parse("/api/v1/rejects", &r), RT_REJECTS);
	CHECK_INT(serve_route_parse("/api/v1/rejects.csv", &r), RT_REJECTS_CSV);
	CHECK_INT(serve_route_parse("/api/v1/quality", &r), RT_QUALITY);
	CHECK_INT(serve_route_parse("/api/v1/catalog/search", &r), RT_CATALOG_SEARCH);
	CHECK_INT(serve_route_parse("/api/v1/catalog/nodes/model.p.fct_orders", &r), RT_CATALOG_NODE);
	CHECK_STR(r.name, "model.p.fct_orders");
	CHECK_INT(serve_route_parse("/api/v1/catalog/nodes/", &r), RT_API_NOT_FOUND);
	CHECK_INT(serve_route_parse("/api/v1/catalog/nodes/a/b", &r), RT_API_NOT_FOUND);
	CHECK_INT(serve_route_parse("/api/v1/catalog/lineage/fct_orders", &r), RT_CATALOG_LINEAGE);
	CHECK_INT(serve_route_parse("/api/v1/openapi.json", &r), RT_OPENAPI);
	CHECK_INT(serve_route_parse("/metrics", &r), RT_METRICS);
	/* the pages are the index page */
	CHECK_INT(serve_route_parse("/loads", &r), RT_INDEX);
	CHECK_INT(serve_route_parse("/loads/raw/orders", &r), RT_INDEX);
	CHECK_INT(serve_route_parse("/quality", &r), RT_INDEX);
	CHECK_INT(serve_route_parse("/catalog", &r), RT_INDEX);
	CHECK_INT(serve_route_parse("/catalog/model.p.fct_orders", &r), RT_INDEX);
	CHECK_INT(serve_route_parse("/catalogue", &r), RT_NOT_FOUND);
	CHECK(serve_route_is_api(RT_METRICS));
	CHECK(serve_route_is_api(RT_LOADS));
}

TEST(serve_openapi_covers_every_route)
{
	struct err e = ERR_INIT;
	const char *doc = serve_openapi_json(&e);
	CHECK(doc != NULL);
	if (!doc) {
		fprintf(stderr, "%s\n", e.msg ? e.msg : "?");
		err_clear(&e);
		return;
	}
	json_error_t je;
	json_t *j = json_loads(doc, 0, &je);
	CHECK(j != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "openapi")), "3.0.3");
	json_t *paths = json_object_get(j, "paths");
	CHECK(json_is_object(paths));
	int described = 0;
	for (int k = 0; k < RT__COUNT; k++) {
		const char *method;
		const char *tpl = serve_route_template((enum route_kind)k, &method);
		if (!tpl)
			continue;
		described++;
		json_t *op = json_object_get(json_object_get(paths, tpl), method);
		if (!op)
			fprintf(stderr, "route %d: %s %s is not in the OpenAPI document\n", k, method, tpl);
		CHECK(op != NULL);
		CHECK(json_is_object(json_object_get(op, "responses")));
		/* the template, filled in, routes back to this kind and takes the method */
		struct buf p = BUF_INIT;
		fill(tpl, &p);
		struct serve_route r;
		CHECK_INT(serve_route_parse(buf_cstr(&p), &r), k);
		const char *allow;
		CHECK(serve_route_method_ok((enum route_kind)k, !strcmp(method, "post") ? "POST" : "GET", &allow));
		buf_free(&p);
	}
	CHECK(described >= 19);
	/* and every documented path is a route of that template */
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item) {
		struct buf p = BUF_INIT;
		fill(path, &p);
		struct serve_route r;
		enum route_kind k = serve_route_parse(buf_cstr(&p), &r);
		const char *method;
		const char *tpl = serve_route_template(k, &method);
		/* an action kind serves several documented paths (trigger, pause,
		 * ...; cancel, rerun_failed): its template names one of them */
		bool multi = k == RT_PIPELINE_ACTION || k == RT_RUN_ACTION;
		if (tpl && multi)
			tpl = path;
		if (!tpl || strcmp(tpl, path))
			fprintf(stderr, "documented path %s routes to %d (%s)\n", path, (int)k, tpl ? tpl : "none");
		CHECK(tpl && !strcmp(tpl, path));
		CHECK(json_object_get(item, method) != NULL);
		buf_free(&p);
	}
	json_decref(j);
}
