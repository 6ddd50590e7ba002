/*
 * serve/openapi.c — GET /api/v1/openapi.json: the OpenAPI 3.0 document of
 * the API, merged from fragments embedded in the binary.
 *
 * Fragments are JSON files named openapi-*.json handed to
 * scripts/embed-assets (the Makefile's OPENAPI_PARTS: src/serve/openapi/
 * and, for the pipelines area, docs/openapi-pipelines.json). The base
 * (openapi-base.json) holds openapi, info, servers, security and the shared
 * components; every other fragment adds its "paths" and its
 * "components" (schemas, parameters, responses). A path given by two
 * fragments is an error at start (the test fails), not a silent override.
 *
 * Built once (the fragments are constant), kept for the process.
 */
#include "serve/assets.h"
#include "serve/serve_int.h"
#include "core/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *doc;
static char *doc_err;

static json_t *parse(const struct serve_asset *a)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)a->raw, a->raw_len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		if (!doc_err) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s:%d:%d: %s (an embedded OpenAPI fragment: fix it and rebuild)",
				 a->name, je.line, je.column, j ? "not a JSON object" : je.text);
			doc_err = strdup(msg);
		}
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Add every member of from[key] to into[key] (objects); a key both have is an error. */
static bool merge(json_t *into, json_t *from, const char *key, const char *frag)
{
	json_t *src = json_object_get(from, key);
	if (!src)
		return true;
	json_t *dst = json_object_get(into, key);
	if (!dst) {
		dst = json_object();
		json_object_set_new(into, key, dst);
	}
	const char *k;
	json_t *v;
	json_object_foreach(src, k, v) {
		if (json_object_get(dst, k)) {
			if (!doc_err) {
				char msg[512];
				snprintf(msg, sizeof(msg), "%s: %s %s is defined twice in the OpenAPI fragments", frag,
					 key, k);
				doc_err = strdup(msg);
			}
			return false;
		}
		json_object_set(dst, k, v);
	}
	return true;
}

static void build(void)
{
	json_t *root = NULL;
	for (const struct serve_asset *a = serve_assets; a->name; a++)
		if (!strcmp(a->name, "openapi-base.json"))
			root = parse(a);
	if (!root) {
		if (!doc_err)
			doc_err = strdup("openapi-base.json is not in the binary: the build lost src/serve/openapi/");
		return;
	}
	json_t *comp = json_object_get(root, "components");
	if (!comp) {
		comp = json_object();
		json_object_set_new(root, "components", comp);
	}
	for (const struct serve_asset *a = serve_assets; a->name; a++) {
		size_t n = strlen(a->name);
		if (strncmp(a->name, "openapi-", 8) || n < 5 || strcmp(a->name + n - 5, ".json") ||
		    !strcmp(a->name, "openapi-base.json"))
			continue;
		json_t *f = parse(a);
		if (!f)
			continue;
		merge(root, f, "paths", a->name);
		json_t *fc = json_object_get(f, "components");
		static const char *const parts[] = {"schemas", "parameters", "responses", "securitySchemes"};
		for (size_t i = 0; fc && i < sizeof(parts) / sizeof(parts[0]); i++)
			merge(comp, fc, parts[i], a->name);
		json_decref(f);
	}
	if (!doc_err)
		doc = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
}

const char *serve_openapi_json(struct err *e)
{
	pthread_once(&once, build);
	if (doc_err) {
		err_set(e, ING_EFAIL, "%s", doc_err);
		return NULL;
	}
	return doc;
}
