/*
 * tests/fuzz/fuzz_cron.c — libFuzzer target for cron expressions and time
 * zones (orchestrate/cron.c, core/tz.c).
 *
 * Input: "EXPRESSION" or "EXPRESSION\nZONE". A parsed expression's next fire
 * times are walked from a few instants (around DST changes, leap days, far
 * dates) in UTC, a DST zone and the zone given, and each must be strictly
 * later than the last; a parse error must carry a column inside the text.
 */
#include "core/err.h"
#include "orchestrate/cron.h"
#include "core/tz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_cron_one(const uint8_t *data, size_t size);
#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_cron_one(data, size);
}
#endif

int fuzz_cron_one(const uint8_t *data, size_t size)
{
	if (size > 512)
		return 0;
	char buf[513];
	memcpy(buf, data, size);
	buf[size] = 0;
	char *zone = strchr(buf, '\n');
	if (zone)
		*zone++ = 0;
	struct cron c;
	struct err e = ERR_INIT;
	if (cron_parse(buf, &c, &e)) {
		if (e.col < 0 || (size_t)e.col > strlen(buf) + 1)
			abort(); /* the column points into the expression */
		err_clear(&e);
		return 0;
	}
	const struct tz *zones[3] = {NULL, NULL, NULL};
	tz_get("UTC", &zones[0], &e);
	err_clear(&e);
	tz_get("Europe/London", &zones[1], &e);
	err_clear(&e);
	if (zone && tz_get(zone, &zones[2], &e))
		zones[2] = NULL;
	err_clear(&e);
	static const int64_t starts[] = {
		0,           951782400 /* 2000-02-29 */, 1711846800 /* 2024-03-31 01:00Z */,
		1729990800 /* 2024-10-27 01:00Z */, 4102444799 /* 2099-12-31 */, -86400,
	};
	for (size_t z = 0; z < 3; z++) {
		if (!zones[z])
			continue;
		for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
			int64_t t = starts[s];
			for (int k = 0; k < 4; k++) {
				int64_t next;
				if (cron_next(&c, zones[z], t, &next))
					break;
				if (next <= t)
					abort(); /* strictly after */
				(void)cron_match_civil(&c, next + tz_offset(zones[z], next));
				t = next;
			}
		}
	}
	return 0;
}
