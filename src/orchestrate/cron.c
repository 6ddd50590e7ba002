/*
 * orchestrate/cron.c — cron expressions: parsing and next fire times.
 *
 * What it does: parses cronie's 5-field syntax into bit sets, rejects
 * schedules that can never fire, and computes the next fire instant in an
 * IANA zone with cronie's daylight-saving rules (see cron.h).
 *
 * How next-fire works: a search over wall-clock (civil) minutes that jumps
 * whole months, days and hours that cannot match, so a yearly schedule costs
 * a few dozen steps, not half a million. The civil match is then mapped to
 * instants with tz_resolve. Wildcard jobs are searched one zone-offset
 * segment at a time (between two transitions the offset is constant), which
 * gives "follow real time" for free: gap minutes do not exist in any
 * segment, overlap minutes exist in two.
 *
 * What it does not: seconds fields, L/W/#/? (Quartz and croniter
 * extensions), @reboot, per-job CRON_TZ lines.
 */
#include "orchestrate/cron.h"
#include "core/dtime.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_YEARS 400

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct field_def {
	const char *what;
	int lo, hi;
	const char *const *names; /* names[0] is value `name_base` */
	int nnames, name_base;
};

static const struct field_def fields[5] = {
	{"minute", 0, 59, NULL, 0, 0},
	{"hour", 0, 23, NULL, 0, 0},
	{"day of month", 1, 31, NULL, 0, 0},
	{"month", 1, 12, month_names, 12, 1},
	{"day of week", 0, 7, dow_names, 7, 0},
};

static int perr(struct err *e, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int perr(struct err *e, int col, const char *fmt, ...)
{
	bool fresh = e && !e->code;
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, ING_EPARSE, fmt, ap);
	va_end(ap);
	if (fresh)
		e->col = col;
	return ING_EPARSE;
}

/* A number or a name at *p; advances *p. */
static int get_value(const struct field_def *f, const char **p, const char *end, int *out)
{
	const char *s = *p;
	if (s < end && isdigit((unsigned char)*s)) {
		int v = 0;
		while (s < end && isdigit((unsigned char)*s)) {
			v = v * 10 + (*s++ - '0');
			if (v > 1000)
				return -1;
		}
		*p = s;
		*out = v;
		return 0;
	}
	if (!f->names || end - s < 3)
		return -1;
	for (int i = 0; i < f->nnames; i++) {
		if (tolower((unsigned char)s[0]) == f->names[i][0] &&
		    tolower((unsigned char)s[1]) == f->names[i][1] &&
		    tolower((unsigned char)s[2]) == f->names[i][2] &&
		    (s + 3 == end || !isalpha((unsigned char)s[3]))) {
			*p = s + 3;
			*out = i + f->name_base;
			return 0;
		}
	}
	return -1;
}

/* Parse one field [s, end) into bits; col is s's column in the expression. */
static int parse_field(const struct field_def *f, const char *s, const char *end, int col,
		       uint64_t *bits, struct err *e)
{
	char text[64];
	snprintf(text, sizeof(text), "%.*s", (int)(end - s), s);
	const char *p = s;
	*bits = 0;
	for (;;) {
		const char *item = p;
		int lo, hi, step = 1;
		if (p < end && *p == '*') {
			lo = f->lo;
			hi = f->hi;
			p++;
		} else {
			if (get_value(f, &p, end, &lo))
				return perr(e, col + (int)(item - s), "bad %s field '%s'", f->what, text);
			hi = lo;
			if (p < end && *p == '-') {
				p++;
				if (get_value(f, &p, end, &hi))
					return perr(e, col + (int)(p - s), "bad %s field '%s'", f->what,
						    text);
			}
			if (lo < f->lo || hi > f->hi || lo > f->hi)
				return perr(e, col + (int)(item - s), "%s field '%s' is out of range",
					    f->what, text);
			if (lo > hi)
				return perr(e, col + (int)(item - s),
					    "%s field '%s': a range must go from low to high", f->what,
					    text);
		}
		if (p < end && *p == '/') {
			p++;
			const char *sp = p;
			step = 0;
			while (p < end && isdigit((unsigned char)*p) && step <= 1000)
				step = step * 10 + (*p++ - '0');
			if (p == sp || step < 1 || step > f->hi - f->lo + 1)
				return perr(e, col + (int)(sp - s), "bad step in %s field '%s'", f->what,
					    text);
			if (hi == lo && item[0] != '*')
				hi = f->hi; /* N/STEP: from N to the end */
		}
		for (int v = lo; v <= hi; v += step)
			*bits |= UINT64_C(1) << v;
		if (p == end)
			break;
		if (*p != ',')
			return perr(e, col + (int)(p - s), "bad %s field '%s'", f->what, text);
		p++;
		if (p == end)
			return perr(e, col + (int)(p - s), "bad %s field '%s'", f->what, text);
	}
	return 0;
}

static const struct {
	const char *name, *expr;
} shorthands[] = {
	{"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
	{"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
	{"@annually", "0 0 1 1 *"},
};

static bool can_fire(const struct cron *c)
{
	if (!c->dom_star && !c->dow_star)
		return c->months != 0; /* OR: every week has each weekday */
	static const int maxdays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	for (int m = 1; m <= 12; m++) {
		if (!(c->months >> m & 1))
			continue;
		for (int d = 1; d <= maxdays[m]; d++)
			if (c->dom >> d & 1)
				return true;
	}
	return false;
}

int cron_parse(const char *expr, struct cron *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	const char *s = expr;
	while (*s == ' ' || *s == '\t')
		s++;
	int base = (int)(s - expr) + 1;
	if (*s == '@') {
		size_t n = strcspn(s, " \t");
		for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
			if (strlen(shorthands[i].name) == n && !strncasecmp(s, shorthands[i].name, n)) {
				const char *rest = s + n;
				while (*rest == ' ' || *rest == '\t')
					rest++;
				if (*rest)
					return perr(e, base + (int)(rest - s), "unexpected '%s' after %s",
						    rest, shorthands[i].name);
				return cron_parse(shorthands[i].expr, out, e);
			}
		return perr(e, base,
			    "unknown schedule '%.*s' (use @hourly, @daily, @weekly, @monthly, @yearly or 5 fields)",
			    (int)n, s);
	}
	const char *fs[5], *fe[5];
	int nf = 0;
	const char *p = s;
	while (*p) {
		if (nf == 5)
			return perr(e, (int)(p - expr) + 1, "a cron schedule has 5 fields; '%s' has more",
				    expr);
		fs[nf] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		fe[nf++] = p;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (nf != 5)
		return perr(e, base,
			    "a cron schedule has 5 fields (minute hour day month weekday); '%s' has %d",
			    expr, nf);
	uint64_t b[5];
	for (int i = 0; i < 5; i++)
		if (parse_field(&fields[i], fs[i], fe[i], (int)(fs[i] - expr) + 1, &b[i], e))
			return ING_EPARSE;
	out->minutes = b[0];
	out->hours = (uint32_t)b[1];
	out->dom = (uint32_t)b[2];
	out->months = (uint16_t)b[3];
	out->dow = (uint8_t)((b[4] | (b[4] >> 7)) & 0x7f); /* 7 = Sunday */
	out->dom_star = *fs[2] == '*';
	out->dow_star = *fs[4] == '*';
	out->wild = *fs[0] == '*' || *fs[1] == '*';
	if (!can_fire(out))
		return perr(e, (int)(fs[2] - expr) + 1,
			    "schedule '%s' can never fire (no such day in the months given)", expr);
	return 0;
}

static bool day_match(const struct cron *c, int y, unsigned m, unsigned d)
{
	int64_t days = days_from_civil(y, m, d);
	int wd = (weekday_from_days(days) + 1) % 7; /* Sunday = 0 */
	bool dm = c->dom >> d & 1, wm = c->dow >> wd & 1;
	return (c->dom_star || c->dow_star) ? (dm && wm) : (dm || wm);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

bool cron_match_civil(const struct cron *c, int64_t civil)
{
	int64_t days = floordiv(civil, 86400), sod = civil - days * 86400;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	return (c->months >> m & 1) && day_match(c, y, m, d) && (c->hours >> (sod / 3600) & 1) &&
	       (c->minutes >> (sod / 60 % 60) & 1);
}

/* First matching civil minute strictly after `from` and before `limit`. */
static bool next_civil(const struct cron *c, int64_t from, int64_t limit, int64_t *out)
{
	int64_t mi_all = floordiv(from, 60) + 1;
	int64_t days = floordiv(mi_all, 1440);
	int mod = (int)(mi_all - days * 1440);
	int y;
	unsigned mo, d;
	civil_from_days(days, &y, &mo, &d);
	int h = mod / 60, mi = mod % 60;
	int y0 = y;
	while (y - y0 <= MAX_YEARS) {
		if (days_from_civil(y, mo, d) * 86400 > limit)
			return false;
		if (!(c->months >> mo & 1)) {
			d = 1;
			h = mi = 0;
			if (++mo > 12) {
				mo = 1;
				y++;
			}
			continue;
		}
		if (!day_match(c, y, mo, d)) {
			h = mi = 0;
			if ((int)++d > days_in_month(y, mo)) {
				d = 1;
				if (++mo > 12) {
					mo = 1;
					y++;
				}
			}
			continue;
		}
		int hh = h;
		while (hh < 24 && !(c->hours >> hh & 1))
			hh++;
		int mm = hh == h ? mi : 0;
		while (hh < 24) {
			while (mm < 60 && !(c->minutes >> mm & 1))
				mm++;
			if (mm < 60)
				break;
			hh++;
			while (hh < 24 && !(c->hours >> hh & 1))
				hh++;
			mm = 0;
		}
		if (hh >= 24) {
			h = mi = 0;
			if ((int)++d > days_in_month(y, mo)) {
				d = 1;
				if (++mo > 12) {
					mo = 1;
					y++;
				}
			}
			continue;
		}
		int64_t r = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60;
		if (r >= limit)
			return false;
		*out = r;
		return true;
	}
	return false;
}

int cron_next(const struct cron *c, const struct tz *z, int64_t t, int64_t *out)
{
	const int64_t horizon = t + (int64_t)MAX_YEARS * 366 * 86400;
	if (c->wild) {
		/* segment by segment: the offset is constant between transitions */
		int64_t u = t;
		while (u < horizon) {
			int o = tz_offset(z, u + 1);
			int64_t T = tz_next_transition(z, u + 1);
			int64_t L;
			int64_t lim = T == INT64_MAX ? INT64_MAX : T + o;
			if (next_civil(c, u + o, lim, &L)) {
				*out = L - o;
				return 0;
			}
			if (T == INT64_MAX)
				break;
			u = T - 1;
		}
		return ING_ENOTFOUND;
	}
	int64_t civil = t + tz_offset(z, t);
	for (int guard = 0; guard < 100000; guard++) {
		int64_t L, u[2], gap_end = 0;
		if (!next_civil(c, civil, INT64_MAX, &L))
			break;
		int n = tz_resolve(z, L, u, &gap_end);
		int64_t cand = n ? u[0] : gap_end;
		if (cand > t) {
			*out = cand;
			return 0;
		}
		civil = L;
	}
	return ING_ENOTFOUND;
}
