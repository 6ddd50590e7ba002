/*
 * dash/dash.h — dashboards as code: the dashboards/<name>.yml files of a
 * project (metrics views, dashboards, pages, tiles, filters), checked
 * against the project and its warehouse, and the tile queries they allow.
 *
 * The format, the query model and the JSON shapes are the issue-13
 * contract (docs in the README). In short: a view names a model by its
 * ref name, its time column, dimensions (column expressions) and measures
 * (aggregate expressions); a dashboard has pages of tiles and filters.
 *
 * Safety. A request carries names and values only. Every identifier in a
 * query comes from the file (a name not in it is ING_EINVAL: the server's
 * 400); every value is bound as a parameter ($1..). Queries run in a
 * read-only transaction under a statement timeout (the engine's, or a
 * watchdog that interrupts the statement), with a row cap on everything
 * but paged tables and CSV.
 *
 * Calling sequence (the server, `ingot dashboards query`):
 *
 *     struct dash_ctx *d;
 *     dash_ctx_open(pl, &d, &e);
 *     dash_tile_json(d, "ecommerce", "revenue", params, n, &out, etag, &e);
 *     dash_ctx_close(d);
 *
 * `ingot dashboards check`: dash_load + dash_diags.
 *
 * Threads: every dash_ctx function may be called from many threads at
 * once; a dash_set is immutable once loaded.
 *
 * Ownership: outputs are appended to the caller's buf; a dash_set owns all
 * its strings (one arena).
 */
#ifndef INGOT_DASH_H
#define INGOT_DASH_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct project;
struct wh_conn;
struct platform;

struct dash_set; /* every dashboards/<name>.yml of a project, parsed + validated */

/* One diagnostic of a load: an error or a warning at file:line:col. */
struct dash_diag {
	const char *file; /* as given to the YAML loader (absolute) */
	int line, col;
	const char *message;
	bool warning;
};

/* Load and validate dashboards/ of project p (warehouse checks through conn
 * when non-NULL: columns, expressions). Problems in the files are
 * diagnostics, not a failure: 0 with *out set (read them with dash_diags;
 * a tile with an error is left out, the others answer). < 0 only when the
 * project's nodes cannot be listed. A project without a dashboards/
 * directory gives an empty set. */
int dash_load(const struct project *p, struct wh_conn *conn, struct dash_set **out, struct err *e);
void dash_set_free(struct dash_set *s);
/* The diagnostics, in file order (errors and warnings mixed). */
const struct dash_diag *dash_diags(const struct dash_set *s, size_t *n);
size_t dash_nerrors(const struct dash_set *s);
/* {"errors":[{"file","line","column","message","severity"}...]} members:
 * writes the "errors" key and its array into the open object of w. */
struct jw;
void dash_diags_json(const struct dash_set *s, struct jw *w);

struct dash_ctx; /* long-lived: the current dash_set (reloaded when the
		  * platform's project generation changes), the cache */

struct dash_ctx_opts {
	size_t cache_bytes;      /* 0 = 64 MiB */
	size_t row_cap;          /* 0 = 100000 (tables and CSV are not capped) */
	int statement_timeout_ms; /* 0 = 30000 */
};
int dash_ctx_open(struct platform *pl, struct dash_ctx **out, struct err *e);
int dash_ctx_open_opts(struct platform *pl, const struct dash_ctx_opts *o, struct dash_ctx **out,
		       struct err *e);
void dash_ctx_close(struct dash_ctx *d);
/* The platform the context reads (for the server's other pages). */
struct platform *dash_ctx_platform(struct dash_ctx *d);
/* Tile answers served from the cache and queried, since open (/metrics). */
void dash_ctx_cache_stats(struct dash_ctx *d, uint64_t *hits, uint64_t *misses);
/* The current set (reloaded if needed); held until dash_ctx_set_release. */
struct dash_set *dash_ctx_set_acquire(struct dash_ctx *d, struct err *e);
void dash_ctx_set_release(struct dash_ctx *d, struct dash_set *s);

/* GET /api/v1/dashboards — JSON list; GET /api/v1/dashboards/{name} — spec */
int dash_list_json(struct dash_ctx *d, struct buf *out, struct err *e);
int dash_spec_json(struct dash_ctx *d, const char *dashboard, struct buf *out,
		   struct err *e); /* ING_ENOTFOUND -> 404 */

/* A tile query. params: name/value pairs (f.<dimension> (repeatable),
 * from, to, range, compare, grain, sort, offset, limit). 0 with JSON in
 * out and *etag (strong, quoted) set; ING_EINVAL -> 400, ING_ENOTFOUND ->
 * 404, other -> 500 (message in e, never SQL secrets). */
struct dash_param {
	const char *name, *value;
};
int dash_tile_json(struct dash_ctx *d, const char *dashboard, const char *tile,
		   const struct dash_param *params, size_t n, struct buf *out, char etag[72],
		   struct err *e);
/* All rows as CSV (no cap), header first, formula-neutralized; chunks to
 * the callback as they come (write returns 0, or non-zero to stop). */
int dash_tile_csv(struct dash_ctx *d, const char *dashboard, const char *tile,
		  const struct dash_param *params, size_t n,
		  int (*write)(void *arg, const char *p, size_t n), void *arg, struct err *e);
/* Distinct values of a filter's dimension (for the filter control), q a
 * prefix (NULL = all), at most 200. */
int dash_filter_values_json(struct dash_ctx *d, const char *dashboard, const char *filter,
			    const char *q, struct buf *out, struct err *e);

/* Every tile that reads a model, of the current set (for lineage): its
 * dashboard, page and name with their titles, and the model's ref name.
 * A tile reads its view's model, and each related model of the view
 * (`related:`) when one of its filters is active: for those, filters is
 * the dimensions that filter through it ("category, department, brand");
 * NULL for the view's own model. fn is called under no lock; the strings
 * live until the call returns. */
struct dash_tile_ref {
	const char *dashboard, *dashboard_title, *page, *page_title, *tile, *title, *model;
	const char *filters;
};
int dash_tile_refs(struct dash_ctx *d, void (*fn)(void *arg, const struct dash_tile_ref *t), void *arg,
		   struct err *e);

/* One CSV field, RFC 4180, with a leading apostrophe when it starts with
 * = + - @ TAB or CR (spreadsheet formula injection). */
void dash_csv_field(struct buf *out, const char *s, size_t n);

#endif
