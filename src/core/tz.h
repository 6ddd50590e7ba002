/*
 * core/tz.h — IANA time zones from the system's TZif files.
 *
 * A zone is loaded once by name from $TZDIR or /usr/share/zoneinfo and
 * kept for the life of the process (zones are immutable and shared; the
 * cache is guarded by a mutex, lookups on a loaded zone take no lock).
 * Instants are int64 seconds since the epoch (UTC); "civil" seconds are the
 * same count for a wall-clock time read as if it were UTC
 * (civil = instant + utc offset).
 *
 *     const struct tz *z;
 *     if (tz_get("Europe/London", &z, &e)) ...
 *     int off = tz_offset(z, t);                 // seconds east of UTC at t
 *     int n = tz_resolve(z, civil, u, &gap_end); // 0 (gap), 1, or 2 (overlap)
 */
#ifndef INGOT_CORE_TZ_H
#define INGOT_CORE_TZ_H

#include "core/err.h"

#include <stdint.h>

struct tz;

/* "UTC" and "" need no file. Names with "..", a leading '/', or anything
 * but [A-Za-z0-9_+-/] are refused. */
int tz_get(const char *name, const struct tz **out, struct err *e);
const char *tz_name(const struct tz *z);
/* UTC offset (seconds east) in effect at instant t. */
int tz_offset(const struct tz *z, int64_t t);
/* Instants whose wall-clock reading is `civil`, earliest first, into u[2].
 * Returns their count: 1 normally, 2 in an overlap (clocks set back), 0 in
 * a gap (clocks set forward), when *gap_end receives the instant at which
 * the gap ends (the transition). */
int tz_resolve(const struct tz *z, int64_t civil, int64_t u[2], int64_t *gap_end);
/* The first instant > t at which the offset may change (INT64_MAX: never). */
int64_t tz_next_transition(const struct tz *z, int64_t t);

#endif
