/*
 * serve/route.c — URL routing and header parsing for the server: pure
 * functions over strings (unit-tested in tests/unit/test_serve.c).
 *
 * Paths arrive decoded (libmicrohttpd unescapes %XX). A path segment that
 * names a dashboard, tile or filter is copied as is and looked up by the
 * dash module (an unknown name is its 404); an asset name is looked up in
 * the asset table. Nothing here touches the file system.
 */
#include "serve/serve_int.h"
#include "core/buf.h"

#include <ctype.h>
#include <string.h>

static bool seg_copy(const char *s, size_t n, char out[ROUTE_NAME_MAX])
{
	if (n == 0 || n >= ROUTE_NAME_MAX || memchr(s, '/', n))
		return false;
	memcpy(out, s, n);
	out[n] = 0;
	return true;
}

/* The segments of p after prefix, split at '/' (at most max). */
static size_t split(const char *p, const char *segs[], size_t lens[], size_t max)
{
	size_t n = 0;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n == max)
			return max + 1;
		segs[n] = p;
		lens[n++] = len;
		if (!e)
			break;
		p = e + 1;
		if (!*p) { /* a trailing slash: an empty last segment */
			if (n == max)
				return max + 1;
			segs[n] = p;
			lens[n++] = 0;
		}
	}
	return n;
}

static bool seg_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

/* The data pages' API (api_data.c), the OpenAPI document. */
static bool data_route(const char *path, struct serve_route *r)
{
	static const struct {
		const char *path;
		enum route_kind kind;
	} fixed[] = {
		{"/api/v1/loads", RT_LOADS},
		{"/api/v1/rejects", RT_REJECTS},
		{"/api/v1/rejects.csv", RT_REJECTS_CSV},
		{"/api/v1/quality", RT_QUALITY},
		{"/api/v1/catalog/search", RT_CATALOG_SEARCH},
		{"/api/v1/openapi.json", RT_OPENAPI},
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(path, fixed[i].path)) {
			r->kind = fixed[i].kind;
			return true;
		}
	const char *segs[3];
	size_t lens[3];
	if (str_startswith(path, "/api/v1/quality/tests/")) {
		size_t n = split(path + strlen("/api/v1/quality/tests/"), segs, lens, 2);
		if (n == 2 && seg_is(segs[1], lens[1], "failures") && seg_copy(segs[0], lens[0], r->name)) {
			r->kind = RT_TEST_FAILURES;
			return true;
		}
		return false;
	}
	if (str_startswith(path, "/api/v1/loads/")) {
		size_t n = split(path + strlen("/api/v1/loads/"), segs, lens, 2);
		if (n == 2 && seg_copy(segs[0], lens[0], r->board) && seg_copy(segs[1], lens[1], r->name)) {
			r->kind = RT_LOAD_TABLE;
			return true;
		}
		return false;
	}
	static const struct {
		const char *prefix;
		enum route_kind kind;
	} ids[] = {
		{"/api/v1/catalog/nodes/", RT_CATALOG_NODE},
		{"/api/v1/catalog/lineage/", RT_CATALOG_LINEAGE},
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (str_startswith(path, ids[i].prefix)) {
			const char *id = path + strlen(ids[i].prefix);
			if (!seg_copy(id, strlen(id), r->name))
				return false;
			r->kind = ids[i].kind;
			return true;
		}
	return false;
}

enum route_kind serve_route_parse(const char *path, struct serve_route *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = RT_NOT_FOUND;
	if (!path || path[0] != '/')
		return r->kind;
	if (!strcmp(path, "/") || !strcmp(path, "/login") || !strcmp(path, "/d") ||
	    str_startswith(path, "/d/") || !strcmp(path, "/loads") || str_startswith(path, "/loads/") ||
	    !strcmp(path, "/quality") || !strcmp(path, "/catalog") || str_startswith(path, "/catalog/") ||
	    !strcmp(path, "/pipelines") || str_startswith(path, "/pipelines/") || !strcmp(path, "/audit"))
		return r->kind = RT_INDEX;
	if (!strcmp(path, "/metrics"))
		return r->kind = RT_METRICS;
	if (!strcmp(path, "/favicon.ico"))
		return r->kind = RT_FAVICON;
	if (!strcmp(path, "/healthz"))
		return r->kind = RT_HEALTHZ;
	if (str_startswith(path, "/assets/")) {
		r->asset = path + 8;
		return r->kind = *r->asset ? RT_ASSET : RT_NOT_FOUND;
	}
	if (strcmp(path, "/api") && !str_startswith(path, "/api/"))
		return r->kind;
	r->kind = RT_API_NOT_FOUND;
	if (!strcmp(path, "/api/v1/me"))
		return r->kind = RT_ME;
	if (!strcmp(path, "/api/v1/login"))
		return r->kind = RT_LOGIN;
	if (!strcmp(path, "/api/v1/logout"))
		return r->kind = RT_LOGOUT;
	if (!strcmp(path, "/api/v1/dashboards"))
		return r->kind = RT_LIST;
	if (data_route(path, r))
		return r->kind;
	if (!strcmp(path, "/api/v1/pipelines") || str_startswith(path, "/api/v1/pipelines/") ||
	    str_startswith(path, "/api/v1/runs/") || !strcmp(path, "/api/v1/events") ||
	    !strcmp(path, "/api/v1/audit"))
		return serve_route_pipelines(path, r);
	if (!str_startswith(path, "/api/v1/dashboards/"))
		return r->kind;
	const char *segs[5];
	size_t lens[5];
	size_t n = split(path + strlen("/api/v1/dashboards/"), segs, lens, 4);
	if (n < 1 || n > 4 || !seg_copy(segs[0], lens[0], r->board))
		return r->kind;
	if (n == 1)
		return r->kind = RT_SPEC;
	if (n == 3 && seg_is(segs[1], lens[1], "tiles")) {
		size_t l = lens[2];
		bool csv = l > 4 && !memcmp(segs[2] + l - 4, ".csv", 4);
		if (!seg_copy(segs[2], csv ? l - 4 : l, r->name))
			return r->kind;
		return r->kind = csv ? RT_TILE_CSV : RT_TILE;
	}
	if (n == 4 && seg_is(segs[1], lens[1], "filters") && seg_is(segs[3], lens[3], "values") &&
	    seg_copy(segs[2], lens[2], r->name))
		return r->kind = RT_FILTER_VALUES;
	return r->kind;
}

bool serve_route_method_ok(enum route_kind k, const char *method, const char **allow)
{
	bool post = k == RT_LOGIN || k == RT_LOGOUT || serve_route_is_pipeline_action(k);
	*allow = post ? "POST" : "GET, HEAD";
	if (post)
		return !strcmp(method, "POST");
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

bool serve_route_is_api(enum route_kind k)
{
	return k != RT_NOT_FOUND && k != RT_INDEX && k != RT_ASSET && k != RT_FAVICON;
}

/* No default: a new route kind must be given its template here (the
 * compiler's -Wswitch says so), and the OpenAPI test then wants it in the
 * document. */
const char *serve_route_template(enum route_kind k, const char **method)
{
	*method = "get";
	switch (k) {
	case RT_NOT_FOUND:
	case RT_API_NOT_FOUND:
	case RT_INDEX:
	case RT_ASSET:
	case RT_FAVICON:
	case RT__COUNT:
		return NULL;
	case RT_HEALTHZ:
		return "/healthz";
	case RT_LIST:
		return "/api/v1/dashboards";
	case RT_SPEC:
		return "/api/v1/dashboards/{board}";
	case RT_TILE:
		return "/api/v1/dashboards/{board}/tiles/{tile}";
	case RT_TILE_CSV:
		return "/api/v1/dashboards/{board}/tiles/{tile}.csv";
	case RT_FILTER_VALUES:
		return "/api/v1/dashboards/{board}/filters/{filter}/values";
	case RT_ME:
		return "/api/v1/me";
	case RT_LOGIN:
		*method = "post";
		return "/api/v1/login";
	case RT_LOGOUT:
		*method = "post";
		return "/api/v1/logout";
	case RT_LOADS:
		return "/api/v1/loads";
	case RT_LOAD_TABLE:
		return "/api/v1/loads/{source}/{table}";
	case RT_REJECTS:
		return "/api/v1/rejects";
	case RT_REJECTS_CSV:
		return "/api/v1/rejects.csv";
	case RT_QUALITY:
		return "/api/v1/quality";
	case RT_CATALOG_SEARCH:
		return "/api/v1/catalog/search";
	case RT_CATALOG_NODE:
		return "/api/v1/catalog/nodes/{id}";
	case RT_CATALOG_LINEAGE:
		return "/api/v1/catalog/lineage/{id}";
	case RT_TEST_FAILURES:
		return "/api/v1/quality/tests/{id}/failures";
	case RT_OPENAPI:
		return "/api/v1/openapi.json";
	case RT_METRICS:
		return "/metrics";
	case RT_PIPELINES:
		return "/api/v1/pipelines";
	case RT_PIPELINE:
		return "/api/v1/pipelines/{id}";
	case RT_PIPELINE_RUNS:
		return "/api/v1/pipelines/{id}/runs";
	case RT_PIPELINE_ACTION: /* also pause, unpause, backfill */
		*method = "post";
		return "/api/v1/pipelines/{id}/trigger";
	case RT_RUN:
		return "/api/v1/runs/{run}";
	case RT_RUN_ACTION: /* also rerun_failed */
		*method = "post";
		return "/api/v1/runs/{run}/cancel";
	case RT_TASK_CLEAR:
		*method = "post";
		return "/api/v1/runs/{run}/tasks/{task}/clear";
	case RT_TASK_LOG:
		return "/api/v1/runs/{run}/tasks/{task}/log";
	case RT_TASK_LOG_STREAM:
		return "/api/v1/runs/{run}/tasks/{task}/log/stream";
	case RT_EVENTS:
		return "/api/v1/events";
	case RT_AUDIT:
		return "/api/v1/audit";
	}
	return NULL;
}

bool serve_cookie_get(const char *h, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	while (h && *h) {
		while (*h == ' ' || *h == '\t' || *h == ';')
			h++;
		const char *end = strchr(h, ';');
		size_t len = end ? (size_t)(end - h) : strlen(h);
		if (len > nl && !memcmp(h, name, nl) && h[nl] == '=') {
			const char *v = h + nl + 1;
			size_t vl = len - nl - 1;
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			if (vl + 1 > cap)
				return false;
			memcpy(out, v, vl);
			out[vl] = 0;
			return true;
		}
		h = end;
	}
	return false;
}

/* The next comma-separated item of a header list, trimmed. */
static const char *list_next(const char *p, const char **item, size_t *len)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (!*p)
		return NULL;
	const char *e = strchr(p, ',');
	size_t l = e ? (size_t)(e - p) : strlen(p);
	while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
		l--;
	*item = p;
	*len = l;
	return e ? e : p + strlen(p);
}

bool serve_accepts_gzip(const char *ae)
{
	const char *it;
	size_t l;
	while (ae && (ae = list_next(ae, &it, &l))) {
		size_t tl = 0;
		while (tl < l && it[tl] != ';' && it[tl] != ' ')
			tl++;
		if (!((tl == 4 && !strncasecmp(it, "gzip", 4)) || (tl == 1 && it[0] == '*')))
			continue;
		/* a q of zero refuses it: q=0, q=0.0, q=0.000 */
		const char *q = it + tl;
		const char *qe = it + l;
		bool zero = false;
		for (; q + 2 <= qe; q++)
			if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
				const char *v = q + 2;
				zero = v < qe && *v == '0';
				for (v++; zero && v < qe && *v != ';'; v++)
					if (*v != '.' && *v != '0' && *v != ' ')
						zero = false;
				break;
			}
		if (!zero)
			return true;
	}
	return false;
}

bool serve_etag_match(const char *inm, const char *etag)
{
	const char *it;
	size_t l, el = strlen(etag);
	while (inm && (inm = list_next(inm, &it, &l))) {
		if (l == 1 && it[0] == '*')
			return true;
		if (l >= 2 && it[0] == 'W' && it[1] == '/') { /* weak comparison for GET */
			it += 2;
			l -= 2;
		}
		if (l == el && !memcmp(it, etag, el))
			return true;
	}
	return false;
}

bool serve_token_equal(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb || la == 0)
		return false;
	unsigned char d = 0;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool serve_origin_ok(const char *origin, const char *host)
{
	if (!origin)
		return true;
	if (!host || !*host)
		return false;
	const char *p = strstr(origin, "://");
	if (!p)
		return false; /* "null" and anything odd */
	size_t sl = (size_t)(p - origin);
	if (!((sl == 4 && !strncasecmp(origin, "http", 4)) || (sl == 5 && !strncasecmp(origin, "https", 5))))
		return false;
	p += 3;
	size_t pl = strlen(p);
	if (pl && p[pl - 1] == '/')
		pl--;
	return pl == strlen(host) && !strncasecmp(p, host, pl);
}

void serve_first_line(const char *msg, char *out, size_t cap)
{
	if (!cap)
		return;
	size_t n = 0;
	if (msg) {
		while (msg[n] && msg[n] != '\n' && msg[n] != '\r')
			n++;
		while (n && isspace((unsigned char)msg[n - 1]))
			n--;
	}
	if (n >= cap) { /* cut at a character boundary (valid UTF-8 stays valid) */
		n = cap - 1;
		while (n && ((unsigned char)msg[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, msg ? msg : "", n);
	out[n] = 0;
}
