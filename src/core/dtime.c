/*
 * core/dtime.c — date arithmetic and timestamp parsing (see dtime.h).
 *
 * days_from_civil / civil_from_days use the well-known era-based algorithm
 * (400-year cycles), exact for the whole proleptic Gregorian range. The
 * parser is hand-written because strptime is locale-bound, slow, and does
 * not validate day-of-month.
 */
#include "core/dtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, unsigned m)
{
	static const unsigned char dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

bool date_valid(int y, unsigned m, unsigned d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && (int)d <= days_in_month(y, m);
}

int weekday_from_days(int64_t z)
{
	/* 1970-01-01 was a Thursday (3 in ISO Monday=0) */
	int64_t w = (z + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

static inline int dig(char c)
{
	return (unsigned)(c - '0') <= 9 ? c - '0' : -1;
}

static inline bool num(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		int d = dig(s[i]);
		if (d < 0)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Parse "YYYY-MM-DD" at s (n >= 10); returns days or fails. */
static bool parse_ymd(const char *s, size_t n, int64_t *days)
{
	int y, m, d;
	if (n < 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!num(s, 4, &y) || !num(s + 5, 2, &m) || !num(s + 8, 2, &d))
		return false;
	if (!date_valid(y, (unsigned)m, (unsigned)d))
		return false;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return true;
}

int date_parse(const char *s, size_t n, int32_t *days)
{
	int64_t d;
	if (n != 10 || !parse_ymd(s, n, &d))
		return -1;
	*days = (int32_t)d;
	return 0;
}

static int parse_ts(const char *s, size_t n, int64_t *us, bool allow_zone)
{
	int64_t days;
	if (!parse_ymd(s, n, &days))
		return -1;
	size_t i = 10;
	int64_t t = 0;
	if (i < n && (s[i] == ' ' || s[i] == 'T') && i + 3 < n && dig(s[i + 1]) >= 0) {
		int hh, mm, ss = 0;
		if (i + 6 > n || !num(s + i + 1, 2, &hh) || s[i + 3] != ':' || !num(s + i + 4, 2, &mm))
			return -1;
		i += 6;
		if (i < n && s[i] == ':') {
			if (i + 3 > n || !num(s + i + 1, 2, &ss))
				return -1;
			i += 3;
		}
		if (hh > 23 || mm > 59 || ss > 59)
			return -1;
		int64_t frac = 0;
		if (i < n && s[i] == '.') {
			i++;
			int nd = 0;
			while (i < n && dig(s[i]) >= 0) {
				if (nd < 6)
					frac = frac * 10 + dig(s[i]);
				nd++;
				i++;
			}
			if (nd == 0 || nd > 9)
				return -1;
			for (int k = nd; k < 6; k++)
				frac *= 10;
		}
		t = ((int64_t)hh * 3600 + mm * 60 + ss) * US_PER_SEC + frac;
	}
	/* zone */
	if (i < n && s[i] == ' ' && i + 1 < n)
		i++;
	int64_t off = 0;
	if (i < n) {
		if (!allow_zone)
			return -1;
		if (n - i == 3 && s[i] == 'U' && s[i + 1] == 'T' && s[i + 2] == 'C') {
			i += 3;
		} else if (n - i == 1 && s[i] == 'Z') {
			i += 1;
		} else if (s[i] == '+' || s[i] == '-') {
			int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
			i++;
			if (i + 2 > n || !num(s + i, 2, &oh))
				return -1;
			i += 2;
			if (i < n && s[i] == ':')
				i++;
			if (i < n) {
				if (i + 2 > n || !num(s + i, 2, &om))
					return -1;
				i += 2;
			}
			if (oh > 18 || om > 59)
				return -1;
			off = sign * ((int64_t)oh * 3600 + om * 60) * US_PER_SEC;
		} else {
			return -1;
		}
	}
	if (i != n)
		return -1;
	*us = days * US_PER_DAY + t - off;
	return 0;
}

int ts_parse(const char *s, size_t n, int64_t *us)
{
	return parse_ts(s, n, us, true);
}

int datetime_parse(const char *s, size_t n, int64_t *us)
{
	return parse_ts(s, n, us, false);
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t date_format(int32_t days, char *out)
{
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return (size_t)snprintf(out, 11, "%d", y);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 0;
	return 10;
}

static size_t ts_fmt(int64_t us, char *out, char sep, bool always_frac)
{
	int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY;
	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	size_t n = date_format((int32_t)days, out);
	int64_t secs = rem / US_PER_SEC, frac = rem % US_PER_SEC;
	out[n++] = sep;
	put2(out + n, (unsigned)(secs / 3600));
	out[n + 2] = ':';
	put2(out + n + 3, (unsigned)(secs / 60 % 60));
	out[n + 5] = ':';
	put2(out + n + 6, (unsigned)(secs % 60));
	n += 8;
	if (frac || always_frac) {
		out[n++] = '.';
		for (int k = 5; k >= 0; k--) {
			out[n + (size_t)k] = (char)('0' + frac % 10);
			frac /= 10;
		}
		n += 6;
	}
	out[n] = 0;
	return n;
}

size_t ts_format(int64_t us, char *out)
{
	return ts_fmt(us, out, ' ', false);
}

size_t ts_format_iso(int64_t us, char *out)
{
	size_t n = ts_fmt(us, out, 'T', true);
	out[n++] = 'Z';
	out[n] = 0;
	return n;
}

int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t duration_parse(const char *s)
{
	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	int64_t total = 0;
	while (*s) {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0 || v > 1e9)
			return -1;
		s = end;
		int64_t unit = US_PER_SEC;
		if (!strncmp(s, "ms", 2)) {
			unit = 1000;
			s += 2;
		} else if (*s == 's') {
			s++;
		} else if (!strncmp(s, "min", 3)) {
			unit = 60 * US_PER_SEC;
			s += 3;
		} else if (*s == 'm') {
			unit = 60 * US_PER_SEC;
			s++;
		} else if (*s == 'h') {
			unit = 3600 * US_PER_SEC;
			s++;
		} else if (*s == 'd') {
			unit = 86400 * US_PER_SEC;
			s++;
		} else if (*s) {
			return -1;
		}
		total += (int64_t)(v * (double)unit);
	}
	return total;
}

void duration_format(int64_t us, char *out)
{
	if (us < 0)
		us = 0;
	if (us < US_PER_SEC) {
		snprintf(out, 32, "%lldms", (long long)(us / 1000));
		return;
	}
	int64_t s = us / US_PER_SEC;
	if (s < 60)
		snprintf(out, 32, "%.2fs", (double)us / 1e6);
	else if (s < 3600)
		snprintf(out, 32, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, 32, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
}
