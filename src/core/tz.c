/*
 * core/tz.c — a reader of TZif files (RFC 8536) and POSIX TZ rules.
 *
 * What it does: loads the version 2+ (64-bit) transition table of a zone
 * and its footer rule (e.g. "EST5EDT,M3.2.0,M11.1.0"), which gives offsets
 * past the last transition (modern "slim" zone files have few transitions
 * and rely on it). It answers "offset at instant t" by binary search and
 * "instants showing wall time w" by trying the offsets around w.
 *
 * What it does not: leap seconds (ignored, as POSIX time does), zone
 * abbreviations, version-1-only files (every tzdata since 2005 has v2).
 *
 * Why by hand, not localtime_r/mktime with TZ switched: TZ is process-global
 * state, so switching it needs a lock that every other localtime() caller in
 * the process (libraries included) ignores; mktime's answer for a wall time
 * in a gap or overlap is unspecified (tm_isdst guessing); and the scheduler
 * asks thousands of such questions per schedule. A 300-line reader of a
 * documented format is deterministic and lock-free after load.
 */
#include "core/tz.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE (1 << 20)

/* One side of a POSIX rule: Mm.w.d, Jn or n, and the local time. */
struct tz_rule_date {
	char kind; /* 'M', 'J', 'D' */
	int m, w, d, n;
	int secs; /* local time of day the change happens (may be <0 or >24h) */
};

struct tz {
	char *name;
	int64_t *trans; /* transition instants, ascending */
	int *trans_off; /* offset in effect from trans[i] */
	size_t ntrans;
	int first_off; /* before the first transition */
	/* footer rule */
	bool has_rule, rule_dst;
	int std_off, dst_off; /* seconds east of UTC */
	struct tz_rule_date start, end;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap cache = STRMAP_INIT;
static struct tz utc_zone = {.name = (char *)"UTC"};

static int64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

static int32_t be32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* ---- POSIX TZ strings ---- */

static const char *posix_name(const char *s)
{
	if (*s == '<') {
		const char *q = strchr(s, '>');
		return q ? q + 1 : NULL;
	}
	const char *p = s;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] → seconds; NULL on error. */
static const char *posix_time(const char *s, int *out)
{
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (*s < '0' || *s > '9')
		return NULL;
	int h = 0, m = 0, sec = 0;
	while (*s >= '0' && *s <= '9')
		h = h * 10 + (*s++ - '0');
	if (*s == ':') {
		s++;
		while (*s >= '0' && *s <= '9')
			m = m * 10 + (*s++ - '0');
		if (*s == ':') {
			s++;
			while (*s >= '0' && *s <= '9')
				sec = sec * 10 + (*s++ - '0');
		}
	}
	if (h > 167 || m > 59 || sec > 59)
		return NULL;
	*out = sign * (h * 3600 + m * 60 + sec);
	return s;
}

static const char *posix_date(const char *s, struct tz_rule_date *r)
{
	r->secs = 7200;
	if (*s == 'M') {
		r->kind = 'M';
		char *end;
		r->m = (int)strtol(s + 1, &end, 10);
		if (*end != '.')
			return NULL;
		r->w = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return NULL;
		r->d = (int)strtol(end + 1, &end, 10);
		s = end;
		if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d < 0 || r->d > 6)
			return NULL;
	} else {
		r->kind = *s == 'J' ? 'J' : 'D';
		if (*s == 'J')
			s++;
		char *end;
		r->n = (int)strtol(s, &end, 10);
		if (end == s)
			return NULL;
		s = end;
	}
	if (*s == '/')
		s = posix_time(s + 1, &r->secs);
	return s;
}

static bool parse_posix(struct tz *z, const char *s)
{
	const char *p = posix_name(s);
	int off;
	if (!p || !(p = posix_time(p, &off)))
		return false;
	z->std_off = -off; /* POSIX offsets are west-positive */
	z->has_rule = true;
	if (!*p)
		return true;
	if (!(p = posix_name(p)))
		return false;
	z->dst_off = z->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = posix_time(p, &off)))
			return false;
		z->dst_off = -off;
	}
	if (*p != ',')
		return false; /* dst without rules: not in tzdata */
	if (!(p = posix_date(p + 1, &z->start)) || *p != ',')
		return false;
	if (!(p = posix_date(p + 1, &z->end)) || *p)
		return false;
	z->rule_dst = true;
	return true;
}

/* Days since epoch of a rule's date in year y. */
static int64_t rule_day(const struct tz_rule_date *r, int y)
{
	if (r->kind == 'J') {
		/* 1..365, Feb 29 never counted */
		int64_t d = days_from_civil(y, 1, 1) + r->n - 1;
		if (days_in_month(y, 2) == 29 && r->n >= 60)
			d++;
		return d;
	}
	if (r->kind == 'D')
		return days_from_civil(y, 1, 1) + r->n;
	int64_t first = days_from_civil(y, (unsigned)r->m, 1);
	/* weekday_from_days: Monday = 0; POSIX d: Sunday = 0 */
	int wd = (weekday_from_days(first) + 1) % 7;
	int64_t d = first + (r->d - wd + 7) % 7 + (int64_t)(r->w - 1) * 7;
	int dim = days_in_month(y, (unsigned)r->m);
	while (d >= first + dim)
		d -= 7;
	return d;
}

static int rule_offset(const struct tz *z, int64_t t)
{
	if (!z->rule_dst)
		return z->std_off;
	int y;
	unsigned m, d;
	int64_t lt = t + z->std_off;
	civil_from_days(lt >= 0 ? lt / 86400 : (lt - 86399) / 86400, &y, &m, &d);
	/* check the year of t and its neighbours: rules may straddle a new year */
	for (int yy = y - 1; yy <= y + 1; yy++) {
		int64_t s = rule_day(&z->start, yy) * 86400 + z->start.secs - z->std_off;
		int64_t e = rule_day(&z->end, yy) * 86400 + z->end.secs - z->dst_off;
		if (s < e) {
			if (t >= s && t < e)
				return z->dst_off;
		} else {
			/* southern hemisphere: dst from s of yy to e of yy+1 */
			int64_t e2 = rule_day(&z->end, yy + 1) * 86400 + z->end.secs - z->dst_off;
			if (t >= s && t < e2)
				return z->dst_off;
		}
	}
	return z->std_off;
}

/* ---- TZif ---- */

static int parse_tzif(struct tz *z, const unsigned char *p, size_t n, struct err *e)
{
	if (n < 44 || memcmp(p, "TZif", 4))
		return err_set(e, ING_EPARSE, "time zone '%s': not a TZif file", z->name);
	/* skip the v1 block */
	uint32_t c[6];
	for (int i = 0; i < 6; i++)
		c[i] = (uint32_t)be32(p + 20 + 4 * i);
	size_t v1 = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
	if (p[4] < '2' || v1 + 44 > n)
		return err_set(e, ING_EPARSE, "time zone '%s': needs a version 2+ TZif file",
			       z->name);
	const unsigned char *h = p + v1;
	if (memcmp(h, "TZif", 4))
		return err_set(e, ING_EPARSE, "time zone '%s': bad second header", z->name);
	for (int i = 0; i < 6; i++)
		c[i] = (uint32_t)be32(h + 20 + 4 * i);
	uint32_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4],
		 charcnt = c[5];
	size_t need = 44 + (size_t)timecnt * 9 + (size_t)typecnt * 6 + charcnt + (size_t)leap * 12 +
		      isstd + isut;
	if (v1 + need > n || typecnt == 0 || typecnt > 256)
		return err_set(e, ING_EPARSE, "time zone '%s': truncated TZif file", z->name);
	const unsigned char *times = h + 44, *idx = times + (size_t)timecnt * 8,
			    *types = idx + timecnt;
	int offs[256];
	for (uint32_t i = 0; i < typecnt; i++)
		offs[i] = be32(types + 6 * i);
	z->ntrans = timecnt;
	z->trans = xcalloc(timecnt ? timecnt : 1, sizeof(int64_t));
	z->trans_off = xcalloc(timecnt ? timecnt : 1, sizeof(int));
	for (uint32_t i = 0; i < timecnt; i++) {
		if (idx[i] >= typecnt)
			return err_set(e, ING_EPARSE, "time zone '%s': bad type index", z->name);
		z->trans[i] = be64(times + 8 * i);
		z->trans_off[i] = offs[idx[i]];
	}
	z->first_off = offs[0];
	/* footer: "\nTZSTRING\n" */
	const unsigned char *f = p + v1 + need, *end = p + n;
	if (f < end && *f == '\n') {
		const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
		if (nl && nl > f + 1) {
			char *rule = xstrndup((const char *)f + 1, (size_t)(nl - f - 1));
			bool ok = parse_posix(z, rule);
			free(rule);
			if (!ok)
				return err_set(e, ING_EPARSE, "time zone '%s': unsupported TZ rule",
					       z->name);
		}
	}
	if (!z->has_rule && timecnt) {
		z->has_rule = true;
		z->std_off = z->trans_off[timecnt - 1];
	}
	return 0;
}

static bool name_ok(const char *s)
{
	if (!*s || *s == '/' || strstr(s, "..") || strlen(s) > 100)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' || *p == '-' || *p == '/'))
			return false;
	return true;
}

static void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->trans_off);
	free(z->name);
	free(z);
}

int tz_get(const char *name, const struct tz **out, struct err *e)
{
	if (!name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC")) {
		*out = &utc_zone;
		return 0;
	}
	if (!name_ok(name))
		return err_set(e, ING_EINVAL, "'%s' is not a time zone name", name);
	pthread_mutex_lock(&cache_mu);
	struct tz *z = strmap_get(&cache, name);
	int rc = 0;
	struct buf data = BUF_INIT;
	char *path = NULL;
	if (z)
		goto done;
	const char *dir = getenv("TZDIR");
	path = path_join(dir && *dir ? dir : "/usr/share/zoneinfo", name);
	if (!fs_exists(path) || fs_is_dir(path)) {
		rc = err_set(e, ING_ENOTFOUND, "unknown time zone '%s' (no %s)", name, path);
		goto done;
	}
	struct err fe = ERR_INIT;
	if ((rc = fs_read_file(path, &data, TZ_MAX_FILE, &fe))) {
		err_move(e, &fe);
		goto done;
	}
	z = xcalloc(1, sizeof(*z));
	z->name = xstrdup(name);
	if ((rc = parse_tzif(z, (const unsigned char *)data.data, data.len, e))) {
		tz_free(z);
		z = NULL;
		goto done;
	}
	strmap_put(&cache, name, z);
done:
	pthread_mutex_unlock(&cache_mu);
	buf_free(&data);
	free(path);
	if (!rc)
		*out = z;
	return rc;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

int tz_offset(const struct tz *z, int64_t t)
{
	if (z == &utc_zone)
		return 0;
	if (!z->ntrans || t < z->trans[0])
		return z->ntrans ? z->first_off : rule_offset(z, t);
	if (t >= z->trans[z->ntrans - 1]) {
		if (z->has_rule)
			return rule_offset(z, t);
		return z->trans_off[z->ntrans - 1];
	}
	size_t lo = 0, hi = z->ntrans - 1; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->trans_off[lo];
}

int tz_resolve(const struct tz *z, int64_t civil, int64_t u[2], int64_t *gap_end)
{
	/* Transitions are months apart: within a day of civil there is at most
	 * one, so the offsets a day before and a day after cover every case. */
	int a = tz_offset(z, civil - 86400 * 2), b = tz_offset(z, civil + 86400 * 2);
	int n = 0;
	int cand[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		if (i == 1 && b == a)
			break;
		int64_t t = civil - cand[i];
		if (tz_offset(z, t) == cand[i])
			u[n++] = t;
	}
	if (n == 2 && u[1] < u[0]) {
		int64_t x = u[0];
		u[0] = u[1];
		u[1] = x;
	}
	if (n == 0 && gap_end) {
		/* clocks went forward (b > a): the gap ends at the transition,
		 * the first instant at or after civil - b whose offset is b */
		int64_t lo = civil - b, hi = civil - a; /* off(lo) = a, off(hi) = b */
		if (tz_offset(z, lo) == b) {
			*gap_end = lo;
		} else {
			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;
				if (tz_offset(z, mid) == b)
					hi = mid;
				else
					lo = mid;
			}
			*gap_end = hi;
		}
	}
	return n;
}

int64_t tz_next_transition(const struct tz *z, int64_t t)
{
	if (z == &utc_zone)
		return INT64_MAX;
	if (z->ntrans && t < z->trans[z->ntrans - 1]) {
		if (t < z->trans[0])
			return z->trans[0];
		size_t lo = 0, hi = z->ntrans - 1; /* trans[lo] <= t < trans[hi] */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (z->trans[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		return z->trans[hi];
	}
	if (!z->rule_dst)
		return INT64_MAX;
	int y;
	unsigned m, d;
	int64_t lt = t + z->std_off;
	civil_from_days(lt >= 0 ? lt / 86400 : (lt - 86399) / 86400, &y, &m, &d);
	int64_t best = INT64_MAX;
	for (int yy = y - 1; yy <= y + 2; yy++) {
		int64_t s = rule_day(&z->start, yy) * 86400 + z->start.secs - z->std_off;
		int64_t e = rule_day(&z->end, yy) * 86400 + z->end.secs - z->dst_off;
		if (s > t && s < best)
			best = s;
		if (e > t && e < best)
			best = e;
	}
	return best;
}
