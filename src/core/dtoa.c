/*
 * core/dtoa.c — shortest round-trip double formatting (see dtoa.h).
 *
 * The digits come from printf's correctly rounded "%.*e", trying 15, 16,
 * 17 significant digits (1 to 17 for subnormals) until strtod reads the
 * same double back, trailing zeros dropped: each try exact, so no
 * hand-written big-number arithmetic (Ryu, Grisu) to get wrong. Rejected: "%.17g" (exact but not shortest, 0.1
 * prints as 0.10000000000000001) and "%g" loops (their notation switch
 * depends on the precision tried, so 100.0 came out as "1e+02").
 */
#include "core/dtoa.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t dtoa_shortest(double d, char digits[18], int *exp10)
{
	char tmp[40];
	/* Any decimal of at most 15 significant digits (DBL_DIG) that reads
	 * back as d is d rounded to 15 digits with trailing zeros, so when
	 * the 15-digit rounding reads back, dropping its trailing zeros
	 * (below) gives the shortest; otherwise 16, then 17 digits (17
	 * always reads back). Same digits as trying 1, 2, ... 17 digits, at
	 * most 3 conversions instead of up to 17. Not for subnormals: fewer
	 * bits, so a short decimal can read back as d while the 15-digit
	 * rounding is another decimal (5e-324). */
	for (int prec = fabs(d) >= DBL_MIN ? 14 : 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp: [-]d[.ddd]e[+-]XX */
	const char *p = tmp + (tmp[0] == '-');
	size_t nd = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.' && nd < 17)
			digits[nd++] = *p;
	*exp10 = *p ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	return nd;
}

size_t dtoa_repr(double d, char out[DTOA_BUFSZ])
{
	if (isnan(d))
		return (size_t)snprintf(out, DTOA_BUFSZ, "nan");
	if (isinf(d))
		return (size_t)snprintf(out, DTOA_BUFSZ, d < 0 ? "-inf" : "inf");
	if (d == 0)
		return (size_t)snprintf(out, DTOA_BUFSZ, signbit(d) ? "-0.0" : "0.0");
	char digits[18];
	int exp;
	size_t nd = dtoa_shortest(d, digits, &exp), n = 0;
	if (d < 0)
		out[n++] = '-';
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			out[n++] = '0';
			out[n++] = '.';
			for (int i = 0; i < -exp - 1; i++)
				out[n++] = '0';
			memcpy(out + n, digits, nd);
			n += nd;
		} else {
			for (int i = 0; i <= exp; i++)
				out[n++] = (size_t)i < nd ? digits[i] : '0';
			out[n++] = '.';
			if ((size_t)exp + 1 < nd) {
				memcpy(out + n, digits + exp + 1, nd - (size_t)exp - 1);
				n += nd - (size_t)exp - 1;
			} else {
				out[n++] = '0';
			}
		}
		out[n] = 0;
		return n;
	}
	out[n++] = digits[0];
	if (nd > 1) {
		out[n++] = '.';
		memcpy(out + n, digits + 1, nd - 1);
		n += nd - 1;
	}
	n += (size_t)snprintf(out + n, DTOA_BUFSZ - n, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	return n;
}
