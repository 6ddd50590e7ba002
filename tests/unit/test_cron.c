/*
 * tests/unit/test_cron.c — cron parsing, next fire times against croniter's
 * committed answers (tests/cron/cases.tsv, see oracle.py there), and the
 * hand-written daylight-saving cases (tests/cron/dst_cases.tsv).
 */
#include "test.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"
#include "orchestrate/cron.h"
#include "core/tz.h"

#include <stdlib.h>

static int64_t iso(const char *s)
{
	int64_t us = 0;
	if (ts_parse(s, strlen(s), &us))
		test_fail(__FILE__, __LINE__, "bad timestamp '%s'", s);
	return us / US_PER_SEC;
}

static const char *root(void)
{
	const char *r = getenv("INGOT_ROOT");
	return r && *r ? r : ".";
}

TEST(cron_parse_fields)
{
	struct cron c;
	struct err e = ERR_INIT;
	CHECK_OK(cron_parse("*/15 9-17 * JAN-mar mon-FRI", &c, &e), &e);
	CHECK(c.minutes == ((1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45)));
	CHECK_INT(c.hours, 0x3fe00);
	CHECK_INT(c.months, 0xe);
	CHECK_INT(c.dow, 0x3e);
	CHECK(c.wild && c.dom_star && !c.dow_star);
	CHECK_OK(cron_parse("0 0 * * 7", &c, &e), &e);
	CHECK_INT(c.dow, 1); /* 7 = Sunday */
	CHECK_OK(cron_parse("5/20 0 1,15 * 5-7", &c, &e), &e);
	CHECK(c.minutes == ((1ULL << 5) | (1ULL << 25) | (1ULL << 45)));
	CHECK_INT(c.dow, 0x61);
	CHECK(!c.wild);
	CHECK_OK(cron_parse("@daily", &c, &e), &e);
	CHECK(c.minutes == 1 && c.hours == 1 && !c.wild);
	CHECK_OK(cron_parse("@hourly", &c, &e), &e);
	CHECK(c.wild);
	CHECK_OK(cron_parse("@ANNUALLY", &c, &e), &e);
	CHECK_INT(c.months, 2);
	err_clear(&e);
}

static void bad(const char *expr, int col, const char *needle)
{
	struct cron c;
	struct err e = ERR_INIT;
	int rc = cron_parse(expr, &c, &e);
	if (rc != ING_EPARSE) {
		test_fail(__FILE__, __LINE__, "'%s' parsed", expr);
	} else {
		if (e.col != col)
			test_fail(__FILE__, __LINE__, "'%s': column %d, expected %d (%s)", expr, e.col,
				  col, e.msg);
		if (!strstr(e.msg, needle))
			test_fail(__FILE__, __LINE__, "'%s': message '%s' lacks '%s'", expr, e.msg,
				  needle);
	}
	err_clear(&e);
}

TEST(cron_parse_errors)
{
	bad("0 0 30 2 *", 5, "can never fire");
	bad("0 0 31 4,6,9,11 *", 5, "can never fire");
	bad("60 * * * *", 1, "out of range");
	bad("0 24 * * *", 3, "out of range");
	bad("0 0 0 * *", 5, "out of range");
	bad("0 0 * 13 *", 7, "out of range");
	bad("0 0 * * 8", 9, "out of range");
	bad("* * * *", 1, "5 fields");
	bad("* * * * * *", 11, "5 fields");
	bad("*/0 * * * *", 3, "step");
	bad("1-x * * * *", 3, "bad minute");
	bad("5-1 * * * *", 1, "low to high");
	bad("1,,2 * * * *", 3, "bad minute");
	bad("0 0 * FOO *", 7, "bad month");
	bad("@reboot", 1, "unknown schedule");
	bad("0 0 L * *", 5, "bad day of month");
	/* restricted day-of-week makes Feb 30 harmless (OR) */
	struct cron c;
	struct err e = ERR_INIT;
	CHECK_OK(cron_parse("0 0 30 2 1", &c, &e), &e);
	CHECK_OK(cron_parse("0 0 29 2 *", &c, &e), &e);
	err_clear(&e);
}

TEST(cron_dom_dow_semantics)
{
	struct cron c;
	struct err e = ERR_INIT;
	const struct tz *utc;
	CHECK_OK(tz_get("UTC", &utc, &e), &e);
	int64_t t;
	/* both restricted: OR. 2024-01-01 is a Monday; the 13th or a Friday */
	CHECK_OK(cron_parse("0 0 13 * 5", &c, &e), &e);
	CHECK_OK(cron_next(&c, utc, iso("2024-01-01T00:00:00Z"), &t), &e);
	CHECK_INT(t, iso("2024-01-05T00:00:00Z"));
	CHECK_OK(cron_next(&c, utc, iso("2024-01-12T00:00:00Z"), &t), &e);
	CHECK_INT(t, iso("2024-01-13T00:00:00Z"));
	/* day-of-month starting with '*': AND (cronie), odd days that are Mondays */
	CHECK_OK(cron_parse("0 0 */2 * 1", &c, &e), &e);
	CHECK_OK(cron_next(&c, utc, iso("2024-01-01T00:00:00Z"), &t), &e);
	CHECK_INT(t, iso("2024-01-15T00:00:00Z"));
	/* Feb 29 only: the next leap year */
	CHECK_OK(cron_parse("0 0 29 2 *", &c, &e), &e);
	CHECK_OK(cron_next(&c, utc, iso("2025-01-01T00:00:00Z"), &t), &e);
	CHECK_INT(t, iso("2028-02-29T00:00:00Z"));
	err_clear(&e);
}

TEST(tz_offsets_and_resolve)
{
	struct err e = ERR_INIT;
	const struct tz *ny, *lh;
	REQUIRE(tz_get("America/New_York", &ny, &e) == 0);
	REQUIRE(tz_get("Australia/Lord_Howe", &lh, &e) == 0);
	CHECK_INT(tz_offset(ny, iso("2024-01-15T00:00:00Z")), -5 * 3600);
	CHECK_INT(tz_offset(ny, iso("2024-07-15T00:00:00Z")), -4 * 3600);
	CHECK_INT(tz_offset(ny, iso("2090-07-15T00:00:00Z")), -4 * 3600); /* footer rule */
	CHECK_INT(tz_offset(lh, iso("2024-07-15T00:00:00Z")), 10 * 3600 + 1800);
	CHECK_INT(tz_offset(lh, iso("2025-01-15T00:00:00Z")), 11 * 3600);
	int64_t u[2], ge = 0;
	/* 2024-03-10 02:30 does not exist in New York */
	CHECK_INT(tz_resolve(ny, iso("2024-03-10T02:30:00Z"), u, &ge), 0);
	CHECK_INT(ge, iso("2024-03-10T07:00:00Z"));
	CHECK_INT(tz_resolve(ny, iso("2024-11-03T01:30:00Z"), u, &ge), 2);
	CHECK_INT(u[0], iso("2024-11-03T05:30:00Z"));
	CHECK_INT(u[1], iso("2024-11-03T06:30:00Z"));
	CHECK_INT(tz_resolve(ny, iso("2024-11-04T01:30:00Z"), u, &ge), 1);
	const struct tz *z;
	CHECK(tz_get("Mars/Olympus", &z, &e) == ING_ENOTFOUND);
	err_clear(&e);
	CHECK(tz_get("../../etc/passwd", &z, &e) == ING_EINVAL);
	err_clear(&e);
}

struct tsv {
	struct buf data;
	char *p;
};

/* Next line split on tabs into f[0..n); NULL at the end. */
static int next_row(struct tsv *t, char **f, int max)
{
	while (t->p && *t->p) {
		char *line = t->p, *nl = strchr(line, '\n');
		t->p = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		if (!*line || *line == '#')
			continue;
		int n = 0;
		for (char *s = line; n < max;) {
			f[n++] = s;
			char *tab = strchr(s, '\t');
			if (!tab)
				break;
			*tab = 0;
			s = tab + 1;
		}
		return n;
	}
	return 0;
}

TEST(cron_matches_croniter)
{
	struct tsv t = {BUF_INIT, NULL};
	struct err e = ERR_INIT;
	char *path = path_join(root(), "tests/cron/cases.tsv");
	REQUIRE(fs_read_file(path, &t.data, 0, &e) == 0);
	t.p = t.data.data;
	char *f[5];
	int n, total = 0, bad_rows = 0;
	while ((n = next_row(&t, f, 5))) {
		if (n < 4) {
			test_fail(__FILE__, __LINE__, "malformed row");
			continue;
		}
		struct cron c;
		const struct tz *z;
		int64_t got = 0, start = strtoll(f[2], NULL, 10), want = strtoll(f[3], NULL, 10);
		total++;
		if (cron_parse(f[0], &c, &e) || tz_get(f[1], &z, &e) || cron_next(&c, z, start, &got) ||
		    got != want) {
			if (bad_rows++ < 20)
				test_fail(__FILE__, __LINE__, "'%s' %s from %s: got %lld, croniter %s (%s)",
					  f[0], f[1], f[2], (long long)got, f[3], e.msg ? e.msg : "");
			err_clear(&e);
		}
	}
	CHECK(total >= 1000);
	CHECK_INT(bad_rows, 0);
	buf_free(&t.data);
	free(path);
}

TEST(cron_dst_cases)
{
	struct tsv t = {BUF_INIT, NULL};
	struct err e = ERR_INIT;
	char *path = path_join(root(), "tests/cron/dst_cases.tsv");
	REQUIRE(fs_read_file(path, &t.data, 0, &e) == 0);
	t.p = t.data.data;
	char *f[5];
	int n, total = 0;
	while ((n = next_row(&t, f, 5))) {
		struct cron c;
		const struct tz *z;
		int64_t got = 0;
		total++;
		if (cron_parse(f[0], &c, &e) || tz_get(f[1], &z, &e) ||
		    cron_next(&c, z, iso(f[2]), &got)) {
			test_fail(__FILE__, __LINE__, "'%s' %s: %s", f[0], f[1], e.msg);
			err_clear(&e);
			continue;
		}
		if (got != iso(f[3])) {
			char buf[40];
			ts_format(got * US_PER_SEC, buf);
			test_fail(__FILE__, __LINE__, "'%s' %s from %s: got %sZ, want %s (%s)", f[0],
				  f[1], f[2], buf, f[3], n > 4 ? f[4] : "");
		}
	}
	CHECK(total >= 25);
	buf_free(&t.data);
	free(path);
}
