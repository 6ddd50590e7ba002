/*
 * quality/freshness.h — source freshness, once, for `ingot source
 * freshness` (cmd) and the quality page (serve).
 *
 * A source table's newest load is max(loaded_at_field) of its relation
 * (dbt's definition; `freshness: filter:` adds a WHERE), or, with no
 * loaded_at_field, the newest file ingot loaded into it
 * (_ingot.loaded_files). Its age against `warn_after` / `error_after`
 * ({count: N, period: minute|hour|day}) gives the status, as dbt's:
 *   pass   within every threshold     warn  older than warn_after
 *   error  older than error_after, or no data while a threshold is set
 *   none   no threshold (serve's "not checked")
 *   unknown no data and no threshold
 * A query that fails sets ->error (dbt's "runtime error"); the caller
 * decides what a failed statement means for its connection.
 */
#ifndef INGOT_QUALITY_FRESHNESS_H
#define INGOT_QUALITY_FRESHNESS_H

#include "config/sources.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "warehouse/warehouse.h"

#include <stdbool.h>
#include <stdint.h>

struct freshness_result {
	int64_t warn_us, error_us;     /* 0: none */
	int64_t warn_count, error_count; /* as declared (0: none) */
	const char *warn_period, *error_period;
	const char *filter;            /* freshness.filter, or NULL */
	int64_t newest_us;             /* 0: no data */
	int64_t checked_us;            /* when it was measured */
	const char *status;            /* see above */
	const char *error;             /* the failed query's message, or NULL */
};

/* A threshold {count: N, period: minute|hour|day} under key of f: µs, 0 none. */
int64_t freshness_threshold_us(const struct ynode *f, const char *key);
/* A warehouse value (timestamp, date, or their text) as µs since the epoch; 0 none. */
int64_t freshness_value_us(const struct wh_value *v);
/* Measure table t of source s on c at time now (µs). have_files: whether
 * _ingot.loaded_files exists (the fallback without loaded_at_field).
 * Returns 0, or the failed query's code with ->error set (also in e). */
int freshness_check(struct wh_conn *c, const struct source *s, const struct src_table *t,
		    bool have_files, int64_t now, struct arena *a, struct freshness_result *x,
		    struct err *e);

#endif
