/*
 * core/dtime.h — civil dates, UTC instants, and fast ISO-8601 parsing.
 *
 * Representations (the same as DuckDB's and PostgreSQL's binary ones, up to
 * the epoch):
 *   a date      int32 days since 1970-01-01 (proleptic Gregorian)
 *   a timestamp int64 microseconds since 1970-01-01 00:00:00 UTC
 *
 * ts_parse accepts what data exports contain, strictly (no trailing junk):
 *   YYYY-MM-DD                          (midnight)
 *   YYYY-MM-DD[ T]HH:MM[:SS[.f{1,9}]]   (digits past µs truncated)
 *   ... followed by optional zone: " UTC", "UTC", "Z", " Z", "+HH", "+HH:MM",
 *   "+HHMM", "-..." (converted to UTC).
 * It rejects impossible dates (Feb 30), hours > 23, minutes/seconds > 59
 * (a leap second :60 is rejected), years outside 1..9999.
 *
 * Hot paths (loading millions of rows) call these per field: no allocation,
 * no locale, no libc time functions.
 */
#ifndef INGOT_CORE_DTIME_H
#define INGOT_CORE_DTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY INT64_C(86400000000)

int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);
bool date_valid(int y, unsigned m, unsigned d);
int days_in_month(int y, unsigned m);
/* 0 = Monday ... 6 = Sunday (ISO). */
int weekday_from_days(int64_t z);

/* 0 on success, -1 if the text is not a valid date / timestamp. */
int date_parse(const char *s, size_t n, int32_t *days);
int ts_parse(const char *s, size_t n, int64_t *us);
/* Like ts_parse but the zone is refused (civil time, DATETIME). */
int datetime_parse(const char *s, size_t n, int64_t *us);

/* "YYYY-MM-DD"; out needs 11 bytes. Returns length. */
size_t date_format(int32_t days, char *out);
/* "YYYY-MM-DD HH:MM:SS[.ffffff]" (fraction only when non-zero); out >= 32. */
size_t ts_format(int64_t us, char *out);
/* ISO-8601 with T and Z, always with 6-digit fraction: JSON artifacts. */
size_t ts_format_iso(int64_t us, char *out);

/* Wall clock (UTC µs) and a monotonic clock in seconds. */
int64_t now_us(void);
double mono_seconds(void);

/* "30s", "250ms", "5m" or "5min", "2h", "1d", sums like "1h30m", or a
 * bare number of seconds → µs; -1 on a bad duration. The one duration
 * syntax of pipelines, source options and profiles. */
int64_t duration_parse(const char *s);
/* "1h30m" style text for a µs duration; out needs 32 bytes. */
void duration_format(int64_t us, char *out);

#endif
