/*
 * tests/unit/test_freshness.c — quality/freshness.h's thresholds and
 * timestamp reading (the SQL side runs in t1154 and t1110/t1111), and
 * core/digest.h's sha1 (package-lock.yml's sha1_hash).
 */
#include "test.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/digest.h"
#include "quality/freshness.h"

#include <string.h>

TEST(freshness_thresholds)
{
	struct arena *a = arena_new(0);
	struct ynode *f = NULL;
	const char *y = "warn_after: {count: 2, period: minute}\n"
			"error_after: {count: 3, period: day}\n"
			"bad: {count: 0, period: hour}\n"
			"dflt: {count: 5}\n";
	struct err e = ERR_INIT;
	CHECK_OK(yaml_load_string(y, strlen(y), "t.yml", a, &f, &e), &e);
	CHECK(freshness_threshold_us(f, "warn_after") == 2LL * 60 * 1000000);
	CHECK(freshness_threshold_us(f, "error_after") == 3LL * 86400 * 1000000);
	CHECK(freshness_threshold_us(f, "bad") == 0);
	CHECK(freshness_threshold_us(f, "dflt") == 5LL * 3600 * 1000000); /* dbt: hour */
	CHECK(freshness_threshold_us(f, "absent") == 0);
	arena_free(a);
}

TEST(freshness_values)
{
	struct wh_value v = wh_text("1970-01-02 00:00:01");
	CHECK(freshness_value_us(&v) == (86400LL + 1) * 1000000);
	v = wh_text("1970-01-03");
	CHECK(freshness_value_us(&v) == 2LL * 86400 * 1000000);
	v = wh_text("not a time");
	CHECK(freshness_value_us(&v) == 0);
}

TEST(digest_sha1_known_answer)
{
	char h[DIGEST_SHA1_HEX];
	digest_sha1_hex("abc", 3, h);
	CHECK_STR(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
}
