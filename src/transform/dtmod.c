/*
 * transform/dtmod.c — dbt's `modules.datetime` and `modules.itertools`:
 * the parts of Python's datetime and itertools modules that macros use.
 *
 * modules.datetime
 *   datetime(year, month, day, hour=0, minute=0, second=0, microsecond=0,
 *            tzinfo=None), datetime.now(tz=None), .utcnow, .today,
 *            strptime(s, fmt), fromisoformat(s), fromtimestamp(ts, tz=None)
 *   date(year, month, day), date.today(), date.fromisoformat(s)
 *   timedelta(days, seconds, microseconds, milliseconds, minutes, hours,
 *             weeks)
 *   timezone.utc
 * modules.pytz
 *   timezone(name) (IANA zones from the system's tzdata, core/tz.h), utc,
 *   UTC; a zone's localize(naive) and str(); datetime.astimezone(zone),
 *   datetime.now(zone), datetime(..., tzinfo=zone)
 * Values: datetime (naive, or aware: a wall-clock time, its zone and its
 * UTC offset, as Python keeps them),
 * date and timedelta, with Python's str()/isoformat(), attributes (year
 * ... microsecond, tzinfo; days, seconds, microseconds), methods
 * (strftime, replace, date, weekday, isoweekday, timestamp, astimezone,
 * total_seconds), + and - (datetime ± timedelta, datetime - datetime,
 * date ± timedelta, date - date, timedelta ± timedelta), comparisons and
 * hashing. The machine's clock is UTC: now and today are UTC wall
 * time, as dbt's are on a UTC host.
 *
 * modules.itertools: chain, product, combinations,
 * combinations_with_replacement, permutations, islice, zip_longest,
 * repeat, compress, accumulate, groupby — each returns a list (Python's
 * lazy iterators print as <itertools... object>; templates iterate them).
 * Results are capped at 1,000,000 items.
 */
#include "transform/objmodel.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/err.h"
#include "core/map.h"
#include "core/tz.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum dt_kind { K_DATETIME, K_DATE, K_DELTA, K_TZ };

struct tf_dtv {
	int kind;
	bool aware;  /* datetime: has a tzinfo */
	int64_t us;  /* datetime: µs since the epoch of its wall-clock time (civil); date: days * US_PER_DAY; delta: µs */
	const struct tz *zone; /* aware datetime and timezone: the zone; NULL: UTC */
	int off;     /* aware datetime: UTC offset (seconds east) in effect; instant = us - off */
};

static const struct jinja_obj_ops dt_ops, date_ops, delta_ops, tz_ops;

static const struct jinja_obj_ops *ops_of(int kind)
{
	return kind == K_DATETIME ? &dt_ops : kind == K_DATE ? &date_ops : kind == K_DELTA ? &delta_ops : &tz_ops;
}

static struct jinja_value mk(struct arena *a, int kind, int64_t us, bool aware)
{
	struct tf_dtv *d = arena_zalloc(a, sizeof(*d));
	d->kind = kind;
	d->us = us;
	d->aware = aware;
	return jinja_obj(a, ops_of(kind), d);
}

struct jinja_value tf_datetime_value(struct arena *a, int64_t us, bool aware)
{
	return mk(a, K_DATETIME, us, aware);
}

static struct tf_dtv *as_dtv(struct jinja_value v)
{
	struct tf_dtv *d;
	if ((d = jinja_obj_user(v, &dt_ops)) || (d = jinja_obj_user(v, &date_ops)) ||
	    (d = jinja_obj_user(v, &delta_ops)) || (d = jinja_obj_user(v, &tz_ops)))
		return d;
	return NULL;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b && ((a < 0) != (b < 0))) ? q - 1 : q;
}

struct civil {
	int y;
	unsigned m, d;
	int hh, mi, ss, us;
	int64_t days;
};

static struct civil split(int64_t us)
{
	struct civil c;
	c.days = floordiv(us, US_PER_DAY);
	int64_t rem = us - c.days * US_PER_DAY;
	civil_from_days(c.days, &c.y, &c.m, &c.d);
	c.hh = (int)(rem / 3600000000LL);
	c.mi = (int)(rem / 60000000LL % 60);
	c.ss = (int)(rem / 1000000LL % 60);
	c.us = (int)(rem % 1000000LL);
	return c;
}

/* ------------------------------------------------------ formatting */

static const char *const wday_abbr[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const wday_full[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
					"Saturday", "Sunday"};
static const char *const mon_abbr[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const mon_full[] = {"January", "February", "March",     "April",   "May",      "June",
				       "July",    "August",   "September", "October", "November", "December"};

static void offset_str(int off, bool colon, struct buf *out)
{
	int a = off < 0 ? -off : off;
	buf_printf(out, "%c%02d%s%02d", off < 0 ? '-' : '+', a / 3600, colon ? ":" : "", a / 60 % 60);
	if (a % 60)
		buf_printf(out, "%s%02d", colon ? ":" : "", a % 60);
}

static void iso(const struct tf_dtv *d, char sep, struct buf *out)
{
	struct civil c = split(d->us);
	buf_printf(out, "%04d-%02u-%02u", c.y, c.m, c.d);
	if (d->kind == K_DATE)
		return;
	buf_printf(out, "%c%02d:%02d:%02d", sep, c.hh, c.mi, c.ss);
	if (c.us)
		buf_printf(out, ".%06d", c.us);
	if (d->aware)
		offset_str(d->off, true, out);
}

static void delta_str(int64_t us, struct buf *out)
{
	int64_t days = floordiv(us, US_PER_DAY), rem = us - days * US_PER_DAY;
	if (days)
		buf_printf(out, "%lld day%s, ", (long long)days, llabs(days) == 1 ? "" : "s");
	buf_printf(out, "%d:%02d:%02d", (int)(rem / 3600000000LL), (int)(rem / 60000000LL % 60),
		   (int)(rem / 1000000LL % 60));
	if (rem % 1000000LL)
		buf_printf(out, ".%06d", (int)(rem % 1000000LL));
}

static void strftime_py(const struct tf_dtv *d, const char *f, struct buf *out)
{
	struct civil c = split(d->us);
	int wd = weekday_from_days(c.days);
	int yday = (int)(c.days - days_from_civil(c.y, 1, 1)) + 1;
	for (const char *p = f; *p; p++) {
		if (*p != '%' || !p[1]) {
			buf_putc(out, *p);
			continue;
		}
		switch (*++p) {
		case 'Y': buf_printf(out, "%04d", c.y); break;
		case 'y': buf_printf(out, "%02d", ((c.y % 100) + 100) % 100); break;
		case 'm': buf_printf(out, "%02u", c.m); break;
		case 'd': buf_printf(out, "%02u", c.d); break;
		case 'e': buf_printf(out, "%2u", c.d); break;
		case 'H': buf_printf(out, "%02d", c.hh); break;
		case 'I': buf_printf(out, "%02d", c.hh % 12 ? c.hh % 12 : 12); break;
		case 'p': buf_puts(out, c.hh < 12 ? "AM" : "PM"); break;
		case 'M': buf_printf(out, "%02d", c.mi); break;
		case 'S': buf_printf(out, "%02d", c.ss); break;
		case 'f': buf_printf(out, "%06d", c.us); break;
		case 'j': buf_printf(out, "%03d", yday); break;
		case 'a': buf_puts(out, wday_abbr[wd]); break;
		case 'A': buf_puts(out, wday_full[wd]); break;
		case 'w': buf_printf(out, "%d", (wd + 1) % 7); break;
		case 'u': buf_printf(out, "%d", wd + 1); break;
		case 'b': case 'h': buf_puts(out, mon_abbr[c.m - 1]); break;
		case 'B': buf_puts(out, mon_full[c.m - 1]); break;
		case 'z': if (d->aware) offset_str(d->off, false, out); break;
		case 'Z': if (d->aware) buf_puts(out, d->zone ? tz_name(d->zone) : "UTC"); break;
		case 'F': buf_printf(out, "%04d-%02u-%02u", c.y, c.m, c.d); break;
		case 'T': buf_printf(out, "%02d:%02d:%02d", c.hh, c.mi, c.ss); break;
		case 'D': buf_printf(out, "%02u/%02u/%02d", c.m, c.d, ((c.y % 100) + 100) % 100); break;
		case '%': buf_putc(out, '%'); break;
		default: buf_putc(out, '%'); buf_putc(out, *p);
		}
	}
}

/* ------------------------------------------------------ arguments */

static int int_arg(const struct jinja_call *c, size_t i, const char *name, int64_t dflt,
		   int64_t *out)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, i, name, &v) || v.type == JINJA_NONE) {
		*out = dflt;
		return 0;
	}
	if (v.type == JINJA_INT || v.type == JINJA_BOOL) {
		*out = v.type == JINJA_INT ? v.u.i : v.u.b;
		return 0;
	}
	return jinja_rt_error(c->rt, ING_EINVAL, "%s: an integer is required (got type %s)", name,
			      jinja_type_name(v));
}

static bool tz_arg_zone(const struct jinja_call *c, size_t i, const char *name,
			const struct tz **zone)
{
	struct jinja_value v;
	*zone = NULL;
	if (!jinja_call_arg(c, i, name, &v) || v.type == JINJA_NONE || v.type == JINJA_UNDEFINED)
		return false;
	struct tf_dtv *z = jinja_obj_user(v, &tz_ops);
	if (z)
		*zone = z->zone;
	return true;
}

/* An aware datetime of wall-clock time civil in zone (NULL: UTC). As
 * pytz's localize (is_dst=False): a time shown twice (clocks set back)
 * takes the standard-time (later) instant; a time in a gap keeps the
 * offset in effect before the gap. */
static struct jinja_value mk_local(struct arena *a, int64_t civil, const struct tz *zone)
{
	struct jinja_value v = mk(a, K_DATETIME, civil, true);
	struct tf_dtv *d = jinja_obj_user(v, &dt_ops);
	d->zone = zone;
	if (zone) {
		int64_t u[2], gap_end = 0, cs = floordiv(civil, 1000000);
		int n = tz_resolve(zone, cs, u, &gap_end);
		d->off = tz_offset(zone, n ? u[n - 1] : gap_end - 1);
	}
	return v;
}

/* The aware datetime of instant (µs since the epoch, UTC) in zone. */
static struct jinja_value mk_instant(struct arena *a, int64_t instant, const struct tz *zone)
{
	int off = zone ? tz_offset(zone, floordiv(instant, 1000000)) : 0;
	struct jinja_value v = mk(a, K_DATETIME, instant + (int64_t)off * 1000000, true);
	struct tf_dtv *d = jinja_obj_user(v, &dt_ops);
	d->zone = zone;
	d->off = off;
	return v;
}

static int64_t instant_of(const struct tf_dtv *d)
{
	return d->aware ? d->us - (int64_t)d->off * 1000000 : d->us;
}

static int make_dt(const struct jinja_call *c, const int64_t f[7], bool aware, bool date_only,
		   struct jinja_value *ret)
{
	if (f[0] < 1 || f[0] > 9999)
		return jinja_rt_error(c->rt, ING_EINVAL, "year %lld is out of range", (long long)f[0]);
	if (f[1] < 1 || f[1] > 12)
		return jinja_rt_error(c->rt, ING_EINVAL, "month must be in 1..12");
	if (f[2] < 1 || f[2] > days_in_month((int)f[0], (unsigned)f[1]))
		return jinja_rt_error(c->rt, ING_EINVAL, "day is out of range for month");
	if (f[3] < 0 || f[3] > 23)
		return jinja_rt_error(c->rt, ING_EINVAL, "hour must be in 0..23");
	if (f[4] < 0 || f[4] > 59)
		return jinja_rt_error(c->rt, ING_EINVAL, "minute must be in 0..59");
	if (f[5] < 0 || f[5] > 59)
		return jinja_rt_error(c->rt, ING_EINVAL, "second must be in 0..59");
	if (f[6] < 0 || f[6] > 999999)
		return jinja_rt_error(c->rt, ING_EINVAL, "microsecond must be in 0..999999");
	int64_t days = days_from_civil((int)f[0], (unsigned)f[1], (unsigned)f[2]);
	int64_t us = days * US_PER_DAY + f[3] * 3600000000LL + f[4] * 60000000LL + f[5] * 1000000LL + f[6];
	*ret = mk(jinja_rt_arena(c->rt), date_only ? K_DATE : K_DATETIME, us, aware && !date_only);
	return 0;
}

static const char *const dt_fields[] = {"year", "month", "day", "hour", "minute", "second",
					"microsecond"};

static int new_datetime(const struct jinja_call *c, bool date_only, struct jinja_value *ret)
{
	int64_t f[7];
	size_t nf = date_only ? 3 : 7;
	for (size_t i = 0; i < 7; i++) {
		int rc = i < nf ? int_arg(c, i, dt_fields[i], i < 3 ? -1 : 0, &f[i]) : (f[i] = 0, 0);
		if (rc)
			return rc;
		if (i < 3 && f[i] == -1)
			return jinja_rt_error(c->rt, ING_EINVAL, "function missing required argument '%s' (pos %zu)",
					      dt_fields[i], i + 1);
	}
	const struct tz *zone = NULL;
	bool aware = !date_only && tz_arg_zone(c, 7, "tzinfo", &zone);
	int rc = make_dt(c, f, aware, date_only, ret);
	if (!rc && aware && zone) {
		struct tf_dtv *d = jinja_obj_user(*ret, &dt_ops);
		*ret = mk_local(jinja_rt_arena(c->rt), d->us, zone);
	}
	return rc;
}

static int new_delta(const struct jinja_call *c, struct jinja_value *ret)
{
	static const char *const names[] = {"days", "seconds", "microseconds", "milliseconds",
					    "minutes", "hours", "weeks"};
	static const double scale[] = {86400e6, 1e6, 1, 1e3, 60e6, 3600e6, 604800e6};
	double total = 0;
	int64_t itotal = 0;
	bool exact = true;
	for (size_t i = 0; i < 7; i++) {
		struct jinja_value v;
		if (!jinja_call_arg(c, i, names[i], &v) || v.type == JINJA_NONE)
			continue;
		if (v.type == JINJA_INT || v.type == JINJA_BOOL) {
			int64_t x = v.type == JINJA_INT ? v.u.i : v.u.b, m;
			if (__builtin_mul_overflow(x, (int64_t)scale[i], &m) ||
			    __builtin_add_overflow(itotal, m, &itotal))
				return jinja_rt_error(c->rt, ING_EINVAL, "timedelta is out of range");
			total += (double)x * scale[i];
		} else if (v.type == JINJA_FLOAT) {
			total += v.u.f * scale[i];
			exact = false;
		} else {
			return jinja_rt_error(c->rt, ING_EINVAL, "unsupported type for timedelta %s component: %s",
					      names[i], jinja_type_name(v));
		}
	}
	if (!exact) {
		if (!isfinite(total) || fabs(total) > 9e18)
			return jinja_rt_error(c->rt, ING_EINVAL, "timedelta is out of range");
		itotal = (int64_t)llround(total);
	}
	*ret = mk(jinja_rt_arena(c->rt), K_DELTA, itotal, false);
	return 0;
}

/* --------------------------------------------------------- strptime */

static int parse_num(const char **s, int maxd, int64_t *out)
{
	int n = 0;
	int64_t v = 0;
	while (n < maxd && isdigit((unsigned char)**s)) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	*out = v;
	return n ? 0 : -1;
}

static int parse_name(const char **s, const char *const *names, int n, int64_t *out)
{
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		if (!strncasecmp(*s, names[i], l)) {
			*out = i;
			*s += l;
			return 0;
		}
	}
	return -1;
}

static int strptime_py(const struct jinja_call *c, const char *str, const char *fmt,
		       struct jinja_value *ret)
{
	int64_t f[7] = {1900, 1, 1, 0, 0, 0, 0}, ampm = -1, v, yday = -1;
	bool aware = false;
	const char *s = str;
	for (const char *p = fmt; *p; p++) {
		int bad = 0;
		if (isspace((unsigned char)*p)) {
			while (isspace((unsigned char)*s))
				s++;
			continue;
		}
		if (*p != '%' || !p[1]) {
			if (*s != *p)
				bad = 1;
			else
				s++;
		} else {
			switch (*++p) {
			case 'Y': bad = parse_num(&s, 4, &f[0]); break;
			case 'y': bad = parse_num(&s, 2, &v); f[0] = v < 69 ? 2000 + v : 1900 + v; break;
			case 'm': bad = parse_num(&s, 2, &f[1]); break;
			case 'd': bad = parse_num(&s, 2, &f[2]); break;
			case 'H': bad = parse_num(&s, 2, &f[3]); break;
			case 'I': bad = parse_num(&s, 2, &f[3]); if (!bad && (f[3] < 1 || f[3] > 12)) bad = 1; break;
			case 'M': bad = parse_num(&s, 2, &f[4]); break;
			case 'S': bad = parse_num(&s, 2, &f[5]); break;
			case 'j': bad = parse_num(&s, 3, &yday); break;
			case 'f': {
				const char *b = s;
				bad = parse_num(&s, 6, &f[6]);
				for (long k = (long)(s - b); !bad && k < 6; k++)
					f[6] *= 10;
				break;
			}
			case 'p':
				if (!strncasecmp(s, "AM", 2) || !strncasecmp(s, "PM", 2)) {
					ampm = toupper((unsigned char)*s) == 'P';
					s += 2;
				} else {
					bad = 1;
				}
				break;
			case 'b': case 'h':
				if (parse_name(&s, mon_full, 12, &v) && parse_name(&s, mon_abbr, 12, &v))
					bad = 1;
				f[1] = v + 1;
				break;
			case 'B':
				if (parse_name(&s, mon_full, 12, &v) && parse_name(&s, mon_abbr, 12, &v))
					bad = 1;
				f[1] = v + 1;
				break;
			case 'a': case 'A':
				if (parse_name(&s, wday_full, 7, &v) && parse_name(&s, wday_abbr, 7, &v))
					bad = 1;
				break;
			case 'z':
				if (*s == 'Z') {
					s++;
					aware = true;
				} else if ((*s == '+' || *s == '-') && !strncmp(s + 1, "00", 2)) {
					s += 3;
					if (*s == ':')
						s++;
					if (strncmp(s, "00", 2))
						bad = 2;
					else
						s += 2;
					aware = true;
				} else {
					bad = (*s == '+' || *s == '-') ? 2 : 1;
				}
				break;
			case 'Z':
				if (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3))
					s += 3;
				else
					bad = 1;
				break;
			case '%':
				if (*s == '%')
					s++;
				else
					bad = 1;
				break;
			default:
				return jinja_rt_error(c->rt, ING_EINVAL, "'%c' is a bad directive in format '%s'",
						      *p, fmt);
			}
		}
		if (bad == 2)
			return jinja_rt_error(c->rt, ING_EUNSUPPORTED,
					      "strptime: only the UTC offset (+00:00) is supported, in '%s'", str);
		if (bad)
			return jinja_rt_error(c->rt, ING_EINVAL, "time data '%s' does not match format '%s'",
					      str, fmt);
	}
	if (*s)
		return jinja_rt_error(c->rt, ING_EINVAL, "unconverted data remains: %s", s);
	if (ampm >= 0)
		f[3] = f[3] % 12 + (ampm ? 12 : 0);
	if (yday > 0) {
		int64_t days = days_from_civil((int)f[0], 1, 1) + yday - 1;
		int y;
		unsigned m, d;
		civil_from_days(days, &y, &m, &d);
		f[1] = m;
		f[2] = d;
	}
	return make_dt(c, f, aware, false, ret);
}

/* ------------------------------------------------------- the values */

static int dtv_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	struct tf_dtv *d = self;
	if (d->kind == K_DELTA) {
		int64_t days = floordiv(d->us, US_PER_DAY), rem = d->us - days * US_PER_DAY;
		if (!strcmp(name, "days"))
			*out = jinja_int(days);
		else if (!strcmp(name, "seconds"))
			*out = jinja_int(rem / 1000000LL);
		else if (!strcmp(name, "microseconds"))
			*out = jinja_int(rem % 1000000LL);
		else
			return ING_ENOTFOUND;
		return 0;
	}
	if (d->kind == K_TZ)
		return ING_ENOTFOUND;
	struct civil c = split(d->us);
	int64_t v;
	if (!strcmp(name, "year"))
		v = c.y;
	else if (!strcmp(name, "month"))
		v = c.m;
	else if (!strcmp(name, "day"))
		v = c.d;
	else if (d->kind == K_DATETIME && !strcmp(name, "hour"))
		v = c.hh;
	else if (d->kind == K_DATETIME && !strcmp(name, "minute"))
		v = c.mi;
	else if (d->kind == K_DATETIME && !strcmp(name, "second"))
		v = c.ss;
	else if (d->kind == K_DATETIME && !strcmp(name, "microsecond"))
		v = c.us;
	else if (d->kind == K_DATETIME && !strcmp(name, "tzinfo")) {
		if (d->aware) {
			*out = mk(jinja_rt_arena(rt), K_TZ, 0, true);
			((struct tf_dtv *)jinja_obj_user(*out, &tz_ops))->zone = d->zone;
		} else {
			*out = jinja_none();
		}
		return 0;
	} else
		return ING_ENOTFOUND;
	*out = jinja_int(v);
	return 0;
}

static int dtv_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	struct tf_dtv *d = self;
	if (d->kind == K_DELTA)
		delta_str(d->us, out);
	else if (d->kind == K_TZ)
		buf_puts(out, d->zone ? tz_name(d->zone) : "UTC");
	else
		iso(d, ' ', out);
	return 0;
}

static int dtv_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct tf_dtv *d = as_dtv(c->self);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!d)
		return ING_ENOTFOUND;
	if (d->kind == K_DELTA) {
		if (!strcmp(name, "total_seconds")) {
			*ret = jinja_float((double)d->us / 1e6);
			return 0;
		}
		return ING_ENOTFOUND;
	}
	if (d->kind == K_TZ) {
		struct jinja_value arg;
		struct tf_dtv *dt = jinja_call_arg(c, 0, "dt", &arg) ? jinja_obj_user(arg, &dt_ops) : NULL;
		if (!strcmp(name, "utcoffset")) {
			int off = 0;
			if (d->zone && dt)
				off = dt->aware ? tz_offset(d->zone, floordiv(instant_of(dt), 1000000))
					: ((struct tf_dtv *)jinja_obj_user(mk_local(a, dt->us, d->zone), &dt_ops))->off;
			*ret = mk(a, K_DELTA, (int64_t)off * 1000000, false);
			return 0;
		}
		if (!strcmp(name, "tzname") || !strcmp(name, "zone")) {
			*ret = jinja_str(a, d->zone ? tz_name(d->zone) : "UTC", (size_t)-1);
			return 0;
		}
		if (!strcmp(name, "localize")) {
			/* pytz: a naive wall-clock time read in this zone */
			if (!dt)
				return jinja_rt_error(c->rt, ING_EINVAL, "localize() takes a datetime");
			if (dt->aware)
				return jinja_rt_error(c->rt, ING_EINVAL, "Not naive datetime (tzinfo is already set)");
			*ret = mk_local(a, dt->us, d->zone);
			return 0;
		}
		if (!strcmp(name, "normalize") && dt) {
			*ret = mk_instant(a, instant_of(dt), d->zone);
			return 0;
		}
		return ING_ENOTFOUND;
	}
	struct buf b = BUF_INIT;
	if (!strcmp(name, "isoformat") || !strcmp(name, "__str__")) {
		struct jinja_value sep;
		char sc = 'T';
		if (jinja_call_arg(c, 0, "sep", &sep) && sep.type == JINJA_STR && sep.len == 1)
			sc = sep.u.s[0];
		iso(d, !strcmp(name, "__str__") ? ' ' : sc, &b);
	} else if (!strcmp(name, "strftime")) {
		struct jinja_value f;
		if (!jinja_call_arg(c, 0, "format", &f) || f.type != JINJA_STR)
			return jinja_rt_error(c->rt, ING_EINVAL, "strftime() takes a format string");
		strftime_py(d, jinja_str_cstr(a, f), &b);
	} else if (!strcmp(name, "date")) {
		*ret = mk(a, K_DATE, floordiv(d->us, US_PER_DAY) * US_PER_DAY, false);
		return 0;
	} else if (!strcmp(name, "weekday") || !strcmp(name, "isoweekday")) {
		int wd = weekday_from_days(floordiv(d->us, US_PER_DAY));
		*ret = jinja_int(wd + (name[0] == 'i'));
		return 0;
	} else if (!strcmp(name, "timestamp") && d->kind == K_DATETIME) {
		*ret = jinja_float((double)instant_of(d) / 1e6);
		return 0;
	} else if (!strcmp(name, "astimezone") && d->kind == K_DATETIME) {
		/* a naive datetime is read as UTC (the machine's zone) */
		const struct tz *zone = NULL;
		tz_arg_zone(c, 0, "tz", &zone);
		*ret = mk_instant(a, instant_of(d), zone);
		return 0;
	} else if (!strcmp(name, "utcoffset") && d->kind == K_DATETIME) {
		*ret = d->aware ? mk(a, K_DELTA, (int64_t)d->off * 1000000, false) : jinja_none();
		return 0;
	} else if (!strcmp(name, "replace")) {
		struct civil cv = split(d->us);
		int64_t f[7] = {cv.y, cv.m, cv.d, cv.hh, cv.mi, cv.ss, cv.us};
		size_t nf = d->kind == K_DATE ? 3 : 7;
		for (size_t i = 0; i < nf; i++) {
			int rc = int_arg(c, i, dt_fields[i], f[i], &f[i]);
			if (rc)
				return rc;
		}
		bool aware = d->aware;
		const struct tz *zone = d->zone;
		struct jinja_value tz;
		if (d->kind == K_DATETIME && jinja_call_arg(c, 7, "tzinfo", &tz))
			aware = tz_arg_zone(c, 7, "tzinfo", &zone);
		int rc = make_dt(c, f, aware, d->kind == K_DATE, ret);
		if (!rc && aware) {
			struct tf_dtv *nd = jinja_obj_user(*ret, &dt_ops);
			*ret = mk_local(a, nd->us, zone);
		}
		return rc;
	} else {
		return ING_ENOTFOUND;
	}
	*ret = jinja_str(a, buf_cstr(&b), b.len);
	buf_free(&b);
	return 0;
}

static int dtv_binop(struct jinja_rt *rt, int op, struct jinja_value a, struct jinja_value b,
		     struct jinja_value *out)
{
	struct tf_dtv *x = as_dtv(a), *y = as_dtv(b);
	struct arena *ar = jinja_rt_arena(rt);
	if (!x || !y || x->kind == K_TZ || y->kind == K_TZ)
		return ING_ENOTFOUND;
	int64_t r;
	if (y->kind == K_DELTA && x->kind != K_DELTA) {
		int64_t dv = x->kind == K_DATE ? floordiv(y->us, US_PER_DAY) * US_PER_DAY : y->us;
		if (op == JINJA_OP_ADD ? __builtin_add_overflow(x->us, dv, &r) : __builtin_sub_overflow(x->us, dv, &r))
			return jinja_rt_error(rt, ING_EINVAL, "date value out of range");
		if (r < days_from_civil(1, 1, 1) * US_PER_DAY || r >= days_from_civil(10000, 1, 1) * US_PER_DAY)
			return jinja_rt_error(rt, ING_EINVAL, "date value out of range");
		*out = mk(ar, x->kind, r, x->aware);
		struct tf_dtv *o = as_dtv(*out);
		o->zone = x->zone;
		o->off = x->off; /* wall clock + delta, the same tzinfo (Python's rule) */
		return 0;
	}
	if (x->kind == K_DELTA && y->kind == K_DELTA) {
		if (op == JINJA_OP_ADD ? __builtin_add_overflow(x->us, y->us, &r) : __builtin_sub_overflow(x->us, y->us, &r))
			return jinja_rt_error(rt, ING_EINVAL, "timedelta is out of range");
		*out = mk(ar, K_DELTA, r, false);
		return 0;
	}
	if (x->kind == K_DELTA && op == JINJA_OP_ADD && y->kind != K_DELTA)
		return dtv_binop(rt, op, b, a, out);
	if (op == JINJA_OP_SUB && x->kind == y->kind && x->kind != K_DELTA) {
		if (x->aware != y->aware)
			return jinja_rt_error(rt, ING_EINVAL, "can't subtract offset-naive and offset-aware datetimes");
		*out = mk(ar, K_DELTA, instant_of(x) - instant_of(y), false);
		return 0;
	}
	return jinja_rt_error(rt, ING_EINVAL, "unsupported operand type(s) for %s: '%s' and '%s'",
			      op == JINJA_OP_ADD ? "+" : "-", x->kind == K_DELTA ? "datetime.timedelta" : x->kind == K_DATE ? "datetime.date" : "datetime.datetime",
			      y->kind == K_DELTA ? "datetime.timedelta" : y->kind == K_DATE ? "datetime.date" : "datetime.datetime");
}

static bool dtv_eq(void *self, void *other)
{
	struct tf_dtv *a = self, *b = other;
	if (a->kind == K_TZ)
		return a->zone == b->zone;
	return instant_of(a) == instant_of(b) && (a->kind != K_DATETIME || a->aware == b->aware);
}

static int dtv_cmp(void *self, void *other)
{
	struct tf_dtv *a = self, *b = other;
	int64_t x = instant_of(a), y = instant_of(b);
	return (x > y) - (x < y);
}

static uint64_t dtv_hash(void *self)
{
	struct tf_dtv *d = self;
	int64_t i = instant_of(d);
	return str_hash((const char *)&i, sizeof(i)) ^ (uint64_t)d->kind;
}

static bool dtv_truth(void *self)
{
	struct tf_dtv *d = self;
	return d->kind != K_DELTA || d->us != 0;
}

#define DTV_OPS(name, tname)                                                              \
	static const struct jinja_obj_ops name = {                                        \
		.type_name = tname, .getattr = dtv_getattr, .method = dtv_method,        \
		.str = dtv_str, .binop = dtv_binop, .eq = dtv_eq, .cmp = dtv_cmp,        \
		.hash = dtv_hash, .truth = dtv_truth,                                      \
	}
DTV_OPS(dt_ops, "datetime");
DTV_OPS(date_ops, "date");
DTV_OPS(delta_ops, "timedelta");
DTV_OPS(tz_ops, "timezone");

/* ---------------------------------------------------- the classes */

enum { C_DATETIME = 1, C_DATE, C_DELTA, C_TIMEZONE };

static int cls_call(const struct jinja_call *c, struct jinja_value *ret)
{
	switch ((int)(intptr_t)c->user) {
	case C_DATETIME: return new_datetime(c, false, ret);
	case C_DATE: return new_datetime(c, true, ret);
	case C_DELTA: return new_delta(c, ret);
	default: return jinja_rt_error(c->rt, ING_EINVAL, "timezone() takes a timedelta: only timezone.utc is supported");
	}
}

static int from_iso(const struct jinja_call *c, bool date_only, struct jinja_value *ret)
{
	struct jinja_value v;
	struct arena *a = jinja_rt_arena(c->rt);
	if (!jinja_call_arg(c, 0, "date_string", &v) || v.type != JINJA_STR)
		return jinja_rt_error(c->rt, ING_EINVAL, "fromisoformat: argument must be str");
	int32_t days;
	int64_t us;
	if (date_only || (v.len == 10 && !date_parse(v.u.s, v.len, &days))) {
		if (date_parse(v.u.s, v.len, &days))
			goto bad;
		*ret = mk(a, date_only ? K_DATE : K_DATETIME, (int64_t)days * US_PER_DAY, false);
		return 0;
	}
	if (!datetime_parse(v.u.s, v.len, &us)) {
		*ret = mk(a, K_DATETIME, us, false);
		return 0;
	}
	if (!ts_parse(v.u.s, v.len, &us)) {
		*ret = mk(a, K_DATETIME, us, true); /* an offset: the same instant in UTC */
		return 0;
	}
bad:
	return jinja_rt_error(c->rt, ING_EINVAL, "Invalid isoformat string: '%s'", jinja_str_cstr(a, v));
}

static int cls_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	int cls = (int)(intptr_t)c->user;
	struct arena *a = jinja_rt_arena(c->rt);
	if (cls == C_DATETIME) {
		if (!strcmp(name, "now") || !strcmp(name, "utcnow") || !strcmp(name, "today")) {
			const struct tz *zone = NULL;
			bool aware = !strcmp(name, "now") && tz_arg_zone(c, 0, "tz", &zone);
			*ret = aware ? mk_instant(a, now_us(), zone) : mk(a, K_DATETIME, now_us(), false);
			return 0;
		}
		if (!strcmp(name, "strptime")) {
			struct jinja_value s, f;
			if (!jinja_call_arg(c, 0, "date_string", &s) || !jinja_call_arg(c, 1, "format", &f) ||
			    s.type != JINJA_STR || f.type != JINJA_STR)
				return jinja_rt_error(c->rt, ING_EINVAL, "strptime() argument 1 must be str");
			return strptime_py(c, jinja_str_cstr(a, s), jinja_str_cstr(a, f), ret);
		}
		if (!strcmp(name, "fromisoformat"))
			return from_iso(c, false, ret);
		if (!strcmp(name, "fromtimestamp") || !strcmp(name, "utcfromtimestamp")) {
			struct jinja_value t;
			if (!jinja_call_arg(c, 0, "timestamp", &t) || (t.type != JINJA_INT && t.type != JINJA_FLOAT))
				return jinja_rt_error(c->rt, ING_EINVAL, "fromtimestamp() takes a number");
			double s = t.type == JINJA_INT ? (double)t.u.i : t.u.f;
			if (!isfinite(s) || fabs(s) > 2.5e11)
				return jinja_rt_error(c->rt, ING_EINVAL, "timestamp out of range");
			const struct tz *zone = NULL;
			if (name[0] == 'f' && tz_arg_zone(c, 1, "tz", &zone))
				*ret = mk_instant(a, (int64_t)llround(s * 1e6), zone);
			else
				*ret = mk(a, K_DATETIME, (int64_t)llround(s * 1e6), false);
			return 0;
		}
		if (!strcmp(name, "combine")) {
			struct jinja_value d;
			struct tf_dtv *dv = jinja_call_arg(c, 0, "date", &d) ? as_dtv(d) : NULL;
			if (!dv || dv->kind == K_DELTA || dv->kind == K_TZ)
				return jinja_rt_error(c->rt, ING_EINVAL, "combine() takes a date");
			*ret = mk(a, K_DATETIME, floordiv(dv->us, US_PER_DAY) * US_PER_DAY, false);
			return 0;
		}
	}
	if (cls == C_DATE) {
		if (!strcmp(name, "today")) {
			*ret = mk(a, K_DATE, floordiv(now_us(), US_PER_DAY) * US_PER_DAY, false);
			return 0;
		}
		if (!strcmp(name, "fromisoformat"))
			return from_iso(c, true, ret);
	}
	return ING_ENOTFOUND;
}

static int cls_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	if ((int)(intptr_t)self == C_TIMEZONE && !strcmp(name, "utc")) {
		*out = mk(jinja_rt_arena(rt), K_TZ, 0, true);
		return 0;
	}
	return ING_ENOTFOUND;
}

static int cls_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	static const char *const n[] = {"", "datetime", "date", "timedelta", "timezone"};
	int k = (int)(intptr_t)self;
	buf_printf(out, "<class 'datetime.%s'>", k >= 1 && k <= 4 ? n[k] : "?");
	return 0;
}

static const struct jinja_obj_ops cls_ops = {
	.type_name = "type", .call = cls_call, .method = cls_method, .getattr = cls_getattr,
	.str = cls_str,
};

/* ---------------------------------------------------- itertools */

#define IT_MAX 1000000

static int items_of(const struct jinja_call *c, struct jinja_value v, struct jinja_value *out)
{
	return jinja_rt_iter(c->rt, v, out);
}

static struct jinja_value tuple_of(struct arena *a, const struct jinja_value *v, size_t n)
{
	struct jinja_value t = jinja_tuple_new(a, n);
	for (size_t i = 0; i < n; i++)
		jinja_list_set(t, i, v[i]);
	return t;
}

static int too_many(const struct jinja_call *c, struct jinja_value l)
{
	if (jinja_list_len(l) >= IT_MAX)
		return jinja_rt_error(c->rt, ING_ELIMIT, "itertools: more than %d items", IT_MAX);
	return 0;
}

/* combinations (rep: with replacement) and permutations of r items */
static int choose(const struct jinja_call *c, struct jinja_value pool, size_t r, bool perm,
		  bool rep, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	size_t n = jinja_list_len(pool);
	struct jinja_value out = jinja_list_new(a, 8);
	*ret = out;
	if ((!rep && r > n) || (rep && !n && r))
		return 0;
	size_t *idx = arena_alloc(a, (r + 1) * sizeof(*idx));
	bool *used = arena_zalloc(a, n + 1);
	struct jinja_value *tmp = arena_alloc(a, (r + 1) * sizeof(*tmp));
	/* depth-first in lexicographic index order: Python's order */
	size_t depth = 0;
	if (!r) {
		jinja_list_push(out, jinja_tuple_new(a, 0));
		return 0;
	}
	idx[0] = 0;
	for (;;) {
		if (idx[depth] >= n) {
			if (!depth)
				break;
			depth--;
			if (perm)
				used[idx[depth]] = false;
			idx[depth]++;
			continue;
		}
		if (perm && used[idx[depth]]) {
			idx[depth]++;
			continue;
		}
		if (depth + 1 == r) {
			for (size_t i = 0; i < r; i++)
				tmp[i] = jinja_list_get(pool, idx[i]);
			int rc = too_many(c, out);
			if (rc)
				return rc;
			jinja_list_push(out, tuple_of(a, tmp, r));
			idx[depth]++;
			continue;
		}
		if (perm)
			used[idx[depth]] = true;
		idx[depth + 1] = perm ? 0 : rep ? idx[depth] : idx[depth] + 1;
		depth++;
	}
	return 0;
}

static int it_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	int rc = 0;
	if (!strcmp(name, "chain")) {
		struct jinja_value out = jinja_list_new(a, 8), l;
		for (size_t i = 0; i < c->nargs; i++) {
			if ((rc = items_of(c, c->args[i], &l)))
				return rc;
			for (size_t j = 0; j < jinja_list_len(l); j++) {
				if ((rc = too_many(c, out)))
					return rc;
				jinja_list_push(out, jinja_list_get(l, j));
			}
		}
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "product")) {
		int64_t repeat;
		if ((rc = int_arg(c, 99, "repeat", 1, &repeat)))
			return rc;
		if (repeat < 0)
			return jinja_rt_error(c->rt, ING_EINVAL, "repeat argument cannot be negative");
		size_t np = c->nargs * (size_t)repeat;
		if (repeat > 64)
			return jinja_rt_error(c->rt, ING_ELIMIT, "itertools.product: repeat is too large");
		struct jinja_value *pools = arena_alloc(a, (np + 1) * sizeof(*pools));
		for (size_t i = 0; i < c->nargs; i++)
			if ((rc = items_of(c, c->args[i], &pools[i])))
				return rc;
		for (size_t i = c->nargs; i < np; i++)
			pools[i] = pools[i % c->nargs];
		struct jinja_value out = jinja_list_new(a, 8);
		size_t *idx = arena_zalloc(a, (np + 1) * sizeof(*idx));
		struct jinja_value *tmp = arena_alloc(a, (np + 1) * sizeof(*tmp));
		for (size_t i = 0; i < np; i++)
			if (!jinja_list_len(pools[i])) {
				*ret = out;
				return 0;
			}
		for (;;) {
			for (size_t i = 0; i < np; i++)
				tmp[i] = jinja_list_get(pools[i], idx[i]);
			if ((rc = too_many(c, out)))
				return rc;
			jinja_list_push(out, tuple_of(a, tmp, np));
			size_t k = np;
			while (k > 0 && ++idx[k - 1] == jinja_list_len(pools[k - 1]))
				idx[--k] = 0;
			if (k == 0)
				break;
		}
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "combinations") || !strcmp(name, "combinations_with_replacement") ||
	    !strcmp(name, "permutations")) {
		struct jinja_value it, pool;
		if (!jinja_call_arg(c, 0, "iterable", &it))
			return jinja_rt_error(c->rt, ING_EINVAL, "%s() takes an iterable", name);
		if ((rc = items_of(c, it, &pool)))
			return rc;
		bool perm = name[0] == 'p';
		int64_t r;
		if ((rc = int_arg(c, 1, "r", perm ? (int64_t)jinja_list_len(pool) : -1, &r)))
			return rc;
		if (r < 0)
			return jinja_rt_error(c->rt, ING_EINVAL, perm ? "r must be non-negative" : "%s() missing required argument 'r'", name);
		if (r > 64)
			return jinja_rt_error(c->rt, ING_ELIMIT, "itertools.%s: r is too large", name);
		return choose(c, pool, (size_t)r, perm, strlen(name) > 12 && name[12] == '_', ret);
	}
	if (!strcmp(name, "islice")) {
		struct jinja_value it, l;
		if (!jinja_call_arg(c, 0, "iterable", &it) || (rc = items_of(c, it, &l)))
			return rc ? rc : jinja_rt_error(c->rt, ING_EINVAL, "islice() takes an iterable");
		int64_t start = 0, stop, step = 1, n = (int64_t)jinja_list_len(l);
		if (c->nargs <= 2) {
			if ((rc = int_arg(c, 1, "stop", n, &stop)))
				return rc;
		} else if ((rc = int_arg(c, 1, "start", 0, &start)) || (rc = int_arg(c, 2, "stop", n, &stop)) ||
			   (rc = int_arg(c, 3, "step", 1, &step)))
			return rc;
		if (start < 0 || stop < 0 || step < 1)
			return jinja_rt_error(c->rt, ING_EINVAL, "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.");
		struct jinja_value out = jinja_list_new(a, 8);
		for (int64_t i = start; i < stop && i < n; i += step)
			jinja_list_push(out, jinja_list_get(l, (size_t)i));
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "zip_longest")) {
		struct jinja_value fill = jinja_none();
		for (size_t i = 0; i < c->nkwargs; i++)
			if (!strcmp(c->kwargs[i].name, "fillvalue"))
				fill = c->kwargs[i].value;
		struct jinja_value *ls = arena_alloc(a, (c->nargs + 1) * sizeof(*ls));
		size_t n = 0;
		for (size_t i = 0; i < c->nargs; i++) {
			if ((rc = items_of(c, c->args[i], &ls[i])))
				return rc;
			if (jinja_list_len(ls[i]) > n)
				n = jinja_list_len(ls[i]);
		}
		struct jinja_value out = jinja_list_new(a, n);
		for (size_t r = 0; r < n; r++) {
			struct jinja_value t = jinja_tuple_new(a, c->nargs);
			for (size_t i = 0; i < c->nargs; i++)
				jinja_list_set(t, i, r < jinja_list_len(ls[i]) ? jinja_list_get(ls[i], r) : fill);
			jinja_list_push(out, t);
		}
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "repeat")) {
		struct jinja_value x;
		int64_t n;
		if (!jinja_call_arg(c, 0, "object", &x))
			return jinja_rt_error(c->rt, ING_EINVAL, "repeat() takes an object");
		if ((rc = int_arg(c, 1, "times", -1, &n)))
			return rc;
		if (n < 0 && !jinja_call_arg(c, 1, "times", &x))
			return jinja_rt_error(c->rt, ING_EUNSUPPORTED, "itertools.repeat without times never ends: give times");
		if (n > IT_MAX)
			return jinja_rt_error(c->rt, ING_ELIMIT, "itertools: more than %d items", IT_MAX);
		jinja_call_arg(c, 0, "object", &x);
		struct jinja_value out = jinja_list_new(a, n > 0 ? (size_t)n : 0);
		for (int64_t i = 0; i < n; i++)
			jinja_list_push(out, x);
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "compress")) {
		struct jinja_value d, s, dl, sl;
		if (!jinja_call_arg(c, 0, "data", &d) || !jinja_call_arg(c, 1, "selectors", &s))
			return jinja_rt_error(c->rt, ING_EINVAL, "compress() takes data and selectors");
		if ((rc = items_of(c, d, &dl)) || (rc = items_of(c, s, &sl)))
			return rc;
		struct jinja_value out = jinja_list_new(a, 8);
		for (size_t i = 0; i < jinja_list_len(dl) && i < jinja_list_len(sl); i++)
			if (jinja_truthy(jinja_list_get(sl, i)))
				jinja_list_push(out, jinja_list_get(dl, i));
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "accumulate")) {
		struct jinja_value it, l;
		if (!jinja_call_arg(c, 0, "iterable", &it) || (rc = items_of(c, it, &l)))
			return rc ? rc : jinja_rt_error(c->rt, ING_EINVAL, "accumulate() takes an iterable");
		struct jinja_value out = jinja_list_new(a, jinja_list_len(l));
		bool fl = false;
		int64_t si = 0;
		double sf = 0;
		for (size_t i = 0; i < jinja_list_len(l); i++) {
			struct jinja_value v = jinja_list_get(l, i);
			if (v.type == JINJA_FLOAT) {
				if (!fl)
					sf = (double)si;
				fl = true;
				sf += v.u.f;
			} else if (v.type == JINJA_INT || v.type == JINJA_BOOL) {
				int64_t x = v.type == JINJA_INT ? v.u.i : v.u.b;
				if (fl)
					sf += (double)x;
				else if (__builtin_add_overflow(si, x, &si))
					return jinja_rt_error(c->rt, ING_EINVAL, "accumulate: integer overflow");
			} else {
				return jinja_rt_error(c->rt, ING_EINVAL, "accumulate: only numbers can be added (got %s)",
						      jinja_type_name(v));
			}
			jinja_list_push(out, fl ? jinja_float(sf) : jinja_int(si));
		}
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "groupby")) {
		struct jinja_value it, l, key = jinja_undefined();
		if (!jinja_call_arg(c, 0, "iterable", &it) || (rc = items_of(c, it, &l)))
			return rc ? rc : jinja_rt_error(c->rt, ING_EINVAL, "groupby() takes an iterable");
		jinja_call_arg(c, 1, "key", &key);
		struct jinja_value out = jinja_list_new(a, 8), cur = jinja_undefined(), grp = jinja_undefined();
		for (size_t i = 0; i < jinja_list_len(l); i++) {
			struct jinja_value v = jinja_list_get(l, i), k = v;
			if (key.type != JINJA_UNDEFINED && key.type != JINJA_NONE &&
			    (rc = jinja_rt_call(c->rt, key, &v, 1, NULL, 0, jinja_undefined(), &k)))
				return rc;
			if (grp.type == JINJA_UNDEFINED || !jinja_value_eq(k, cur)) {
				grp = jinja_list_new(a, 4);
				cur = k;
				struct jinja_value pair[2] = {k, grp};
				jinja_list_push(out, tuple_of(a, pair, 2));
			}
			jinja_list_push(grp, v);
		}
		*ret = out;
		return 0;
	}
	if (!strcmp(name, "count") || !strcmp(name, "cycle"))
		return jinja_rt_error(c->rt, ING_EUNSUPPORTED,
				      "itertools.%s never ends; use range() or a loop with {%% break %%}", name);
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops it_ops = {.type_name = "module", .method = it_method};

/* ---------------------------------------------------------- modules */

struct jinja_value tf_datetime_module(struct arena *a)
{
	struct jinja_value m = jinja_dict_new(a);
	jinja_dict_set_str(m, "datetime", jinja_obj(a, &cls_ops, (void *)(intptr_t)C_DATETIME));
	jinja_dict_set_str(m, "date", jinja_obj(a, &cls_ops, (void *)(intptr_t)C_DATE));
	jinja_dict_set_str(m, "timedelta", jinja_obj(a, &cls_ops, (void *)(intptr_t)C_DELTA));
	jinja_dict_set_str(m, "timezone", jinja_obj(a, &cls_ops, (void *)(intptr_t)C_TIMEZONE));
	jinja_dict_set_str(m, "MINYEAR", jinja_int(1));
	jinja_dict_set_str(m, "MAXYEAR", jinja_int(9999));
	return m;
}

/* ---------------------------------------------------- pytz */

static int pytz_timezone(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value n;
	struct arena *a = jinja_rt_arena(c->rt);
	if (!jinja_call_arg(c, 0, "zone", &n) || n.type != JINJA_STR)
		return jinja_rt_error(c->rt, ING_EINVAL, "pytz.timezone() takes a zone name");
	const char *name = jinja_str_cstr(a, n);
	const struct tz *z = NULL;
	struct err e = ERR_INIT;
	if (tz_get(name, &z, &e)) {
		err_clear(&e);
		return jinja_rt_error(c->rt, ING_ENOTFOUND,
				      "UnknownTimeZoneError: '%s' (an IANA zone name such as "
				      "'Europe/Paris' or 'America/New_York')", name);
	}
	*ret = mk(a, K_TZ, 0, true);
	((struct tf_dtv *)jinja_obj_user(*ret, &tz_ops))->zone = strcmp(name, "UTC") ? z : NULL;
	return 0;
}

struct jinja_value tf_pytz_module(struct arena *a)
{
	struct jinja_value m = jinja_dict_new(a);
	jinja_dict_set_str(m, "timezone", jinja_func(a, "timezone", pytz_timezone, NULL));
	jinja_dict_set_str(m, "utc", mk(a, K_TZ, 0, true));
	jinja_dict_set_str(m, "UTC", mk(a, K_TZ, 0, true));
	return m;
}

struct jinja_value tf_itertools_module(struct arena *a)
{
	return jinja_obj(a, &it_ops, NULL);
}
