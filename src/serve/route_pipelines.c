/*
 * serve/route_pipelines.c — the routes of the pipelines UI's API (pure:
 * strings in, a struct serve_route out; unit-tested with route.c).
 *
 *   GET  /api/v1/pipelines
 *   GET  /api/v1/pipelines/{id}
 *   GET  /api/v1/pipelines/{id}/runs
 *   POST /api/v1/pipelines/{id}/{trigger|pause|unpause|backfill}
 *   GET  /api/v1/runs/{run}
 *   POST /api/v1/runs/{run}/{cancel|rerun_failed|mark_failed|mark_success}
 *   POST /api/v1/runs/{run}/tasks/{task}/clear
 *   GET  /api/v1/runs/{run}/tasks/{task}/log
 *   GET  /api/v1/runs/{run}/tasks/{task}/log/stream
 *   GET  /api/v1/events
 *   GET  /api/v1/audit
 *
 * A run is a positive decimal id. Names are copied as they are and looked
 * up by the handler (an unknown one is its 404).
 */
#include "serve/serve_int.h"
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

static bool seg(const char *s, size_t n, char *out, size_t cap)
{
	if (n == 0 || n >= cap || memchr(s, '/', n))
		return false;
	memcpy(out, s, n);
	out[n] = 0;
	return true;
}

static bool is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

static bool run_id(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || n > 18 || s[0] == '0')
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Split p at '/' into at most max segments; max + 1 when there are more. */
static size_t split(const char *p, const char *segs[], size_t lens[], size_t max)
{
	size_t n = 0;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (n == max)
			return max + 1;
		segs[n] = p;
		lens[n++] = len;
		if (!e)
			return n;
		p = e + 1;
	}
}

enum route_kind serve_route_pipelines(const char *path, struct serve_route *r)
{
	r->kind = RT_API_NOT_FOUND;
	if (!strcmp(path, "/api/v1/pipelines"))
		return r->kind = RT_PIPELINES;
	if (!strcmp(path, "/api/v1/events"))
		return r->kind = RT_EVENTS;
	if (!strcmp(path, "/api/v1/audit"))
		return r->kind = RT_AUDIT;
	const char *segs[6];
	size_t lens[6];
	if (str_startswith(path, "/api/v1/pipelines/")) {
		size_t n = split(path + strlen("/api/v1/pipelines/"), segs, lens, 2);
		if (n < 1 || n > 2 || !seg(segs[0], lens[0], r->board, sizeof(r->board)))
			return r->kind;
		if (n == 1)
			return r->kind = RT_PIPELINE;
		if (is(segs[1], lens[1], "runs"))
			return r->kind = RT_PIPELINE_RUNS;
		static const char *const acts[] = {"trigger", "pause", "unpause", "backfill"};
		for (size_t i = 0; i < sizeof(acts) / sizeof(*acts); i++)
			if (is(segs[1], lens[1], acts[i])) {
				strcpy(r->action, acts[i]);
				return r->kind = RT_PIPELINE_ACTION;
			}
		return r->kind;
	}
	if (!str_startswith(path, "/api/v1/runs/"))
		return r->kind;
	size_t n = split(path + strlen("/api/v1/runs/"), segs, lens, 5);
	if (n < 1 || n > 5 || !run_id(segs[0], lens[0], &r->run))
		return r->kind;
	snprintf(r->board, sizeof(r->board), "%.*s", (int)lens[0], segs[0]);
	if (n == 1)
		return r->kind = RT_RUN;
	if (n == 2 && (is(segs[1], lens[1], "cancel") || is(segs[1], lens[1], "rerun_failed") ||
		       is(segs[1], lens[1], "mark_failed") || is(segs[1], lens[1], "mark_success"))) {
		snprintf(r->action, sizeof(r->action), "%.*s", (int)lens[1], segs[1]);
		return r->kind = RT_RUN_ACTION;
	}
	if (n < 4 || !is(segs[1], lens[1], "tasks") || !seg(segs[2], lens[2], r->name, sizeof(r->name)))
		return r->kind;
	if (n == 4 && is(segs[3], lens[3], "clear")) {
		strcpy(r->action, "clear");
		return r->kind = RT_TASK_CLEAR;
	}
	if (n == 4 && is(segs[3], lens[3], "log"))
		return r->kind = RT_TASK_LOG;
	if (n == 5 && is(segs[3], lens[3], "log") && is(segs[4], lens[4], "stream"))
		return r->kind = RT_TASK_LOG_STREAM;
	return r->kind;
}

bool serve_route_is_pipeline_action(enum route_kind k)
{
	return k == RT_PIPELINE_ACTION || k == RT_RUN_ACTION || k == RT_TASK_CLEAR;
}
