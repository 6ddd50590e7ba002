/*
 * dash/dash_int.h — the parsed dashboard files, shared by the loader
 * (load.c), the query compiler (query.c) and the context (ctx.c).
 * Everything lives in the set's arena and is immutable after dash_load.
 */
#ifndef INGOT_DASH_INT_H
#define INGOT_DASH_INT_H

#include "config/yaml.h"
#include "core/arena.h"
#include "core/vec.h"
#include "dash/dash.h"

/* A related model of a view (`related:`): its dimensions filter the view
 * through a semi-join on a key, `key in (select key from R' where ...)`,
 * so a view row counts once however many related rows match; they never
 * group a tile (that would multiply the view's rows). */
struct dash_related {
	const char *model;
	const char *key;         /* the view's column */
	const char *related_key; /* the related model's column (default: key) */
	const char *schema, *alias; /* resolved from the project's nodes */
	const struct ynode *at;
};

struct dash_dim {
	const char *name, *label;
	const char *expr; /* NULL: the column of that name */
	const struct dash_related *rel; /* NULL: a column of the view's model */
	const struct ynode *at;
};

struct dash_measure {
	const char *name, *label, *expr, *format;
	/* pre_aggregated_ok: why a non-additive measure over a pre-aggregated
	 * model is right (acknowledges `dashboards check`'s warning) */
	const char *ok_reason;
	const struct ynode *at;
};

/* A page filter a view cannot apply (`unfiltered:`), and why: the tile
 * says "not filtered by" with the reason; `dashboards check` warns about a
 * page filter a tile's view lacks unless its view says why here. */
struct dash_unfiltered {
	const char *filter, *reason;
	const struct ynode *at;
};

struct dash_view {
	const char *name, *model, *time, *label;
	bool pre_aggregated;
	struct dash_dim *dims;
	size_t ndims;
	struct dash_measure *measures;
	size_t nmeasures;
	struct dash_related *related;
	size_t nrelated;
	struct dash_unfiltered *unfiltered;
	size_t nunfiltered;
	/* the model's relation (resolved from the project's nodes) */
	const char *schema, *alias;
	/* every relation whose writes change what the model's relation shows:
	 * itself and, through views and ephemeral models, the relations they
	 * read (from the manifest's depends_on): a load into a source under a
	 * view moves its tiles. Pairs schema, alias; nreads pairs. */
	const char **reads;
	size_t nreads;
	const struct ynode *at;
};

enum dash_tile_type { T_KPI, T_LINE, T_AREA, T_BAR, T_PIE, T_DONUT, T_TABLE, T_FUNNEL, T_HEATMAP, T_TEXT };

struct dash_tile {
	const char *name, *title, *description;
	enum dash_tile_type type;
	const char *type_name;
	const struct dash_view *view;
	const struct dash_measure **measures; /* kpi/pie/heatmap: one */
	size_t nmeasures;
	const struct dash_dim **dims;         /* bar/pie: one; table: many */
	size_t ndims;
	const struct dash_dim *breakdown, *x, *y;
	const char *grain, *orientation, *markdown;
	int top, width, page_size;
	int sort_col;   /* table: index into dims then measures; -1 none */
	bool sort_desc;
	/* bar: the order of its bars (and which are the top N): the
	 * dimension ("ingot_d") or a measure's expression of the view; NULL:
	 * the first measure, descending */
	const char *bar_sort;
	const struct ynode *at;
};

struct dash_filter {
	const char *name, *label;
	bool is_date;
};

struct dash_page {
	const char *name, *title, *default_range;
	struct dash_filter *filters;
	size_t nfilters;
	struct dash_tile **tiles;
	size_t ntiles;
};

struct dash_board {
	const char *name, *title;
	bool anchor_latest; /* presets end at the data's last day, not today */
	struct dash_page *pages;
	size_t npages;
	const struct ynode *at;
};

struct dash_set {
	struct arena *a;
	VEC(struct dash_view *) views;
	VEC(struct dash_board *) boards;
	VEC(struct dash_diag) diags;
	size_t nerrors;
	int refs;     /* dash_ctx: holders (under its mutex) */
};

const struct dash_board *dash__board(const struct dash_set *s, const char *name);
const struct dash_tile *dash__tile(const struct dash_board *b, const char *name,
				   const struct dash_page **page);
const struct dash_dim *dash__view_dim(const struct dash_view *v, const char *name);
/* Why view v cannot apply page filter `filter` (`unfiltered:`), or NULL. */
const char *dash__view_unfiltered(const struct dash_view *v, const char *filter);
/* Whether view v applies filter f ("date": its time column; else a
 * dimension of that name, its own or a related model's). */
bool dash__view_applies(const struct dash_view *v, const char *filter);
const struct dash_measure *dash__view_measure(const struct dash_view *v, const char *name);
const char *dash__tile_type_name(enum dash_tile_type t);

#endif
