/*
 * orchestrate/cron.h — cron schedules and their next fire times.
 *
 * Syntax (cronie's): five fields "minute hour day-of-month month
 * day-of-week", each a list of `*`, `N`, `N-M`, with an optional `/STEP`
 * (`N/STEP` means N-max/STEP); month and weekday names (JAN..DEC, SUN..SAT,
 * any case); weekday 7 is Sunday. Shorthands @hourly @daily @midnight
 * @weekly @monthly @yearly @annually.
 *
 * Semantics (cronie's):
 *   - day-of-month and day-of-week: when both fields are restricted (neither
 *     starts with `*`) a day matches if EITHER matches; when one starts
 *     with `*` (including `*`/N) both must match.
 *   - daylight saving: a job is "wildcard" when its minute or hour field
 *     starts with `*`. Wildcard jobs follow real time: nothing fires for
 *     wall times skipped by a gap, and wall times that repeat in an overlap
 *     fire at both instants. Fixed-time jobs whose wall time falls in a gap
 *     fire once, at the instant the gap ends; in an overlap they fire only at
 *     the first instant.
 *   - a schedule that can never fire (`0 0 30 2 *`) is a parse error.
 *
 * Parse errors carry the column of the offending field relative to the
 * expression (err->col, 1-based); callers add file and line.
 */
#ifndef INGOT_ORCH_CRON_H
#define INGOT_ORCH_CRON_H

#include "core/err.h"
#include "core/tz.h"

#include <stdbool.h>
#include <stdint.h>

struct cron {
	uint64_t minutes; /* bit i: minute i */
	uint32_t hours;   /* bit i: hour i */
	uint32_t dom;     /* bit i: day i (1..31) */
	uint16_t months;  /* bit i: month i (1..12) */
	uint8_t dow;      /* bit i: weekday i (0 = Sunday .. 6) */
	bool dom_star, dow_star; /* field starts with '*' */
	bool wild;               /* minute or hour field starts with '*' */
};

/* 0, or ING_EPARSE with e->col set to the column within expr. */
int cron_parse(const char *expr, struct cron *out, struct err *e);
/* Does the wall time (civil seconds) match? (second ignored) */
bool cron_match_civil(const struct cron *c, int64_t civil);
/* The first fire instant strictly after t (seconds, UTC) in zone z.
 * ING_ENOTFOUND if there is none within 400 years. */
int cron_next(const struct cron *c, const struct tz *z, int64_t t, int64_t *out);

#endif
