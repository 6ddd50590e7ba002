/*
 * tests/unit/test_core.c — core: buffers, arena, map, errors, dates, JSON, fs.
 */
#include "test.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/dtime.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/dtoa.h"
#include "core/utf8.h"
#include "core/json.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/relver.h"
#include "core/vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST(buf_append_and_cap)
{
	struct buf b = BUF_INIT;
	CHECK(buf_puts(&b, "hello") == 0);
	CHECK(buf_printf(&b, " %d", 42) == 0);
	CHECK_STR(b.data, "hello 42");
	CHECK_INT(b.len, 8);
	buf_free(&b);

	struct buf c = {.max = 4};
	CHECK(buf_puts(&c, "abcd") == 0);
	CHECK(buf_putc(&c, 'e') == ING_ELIMIT);
	CHECK_STR(c.data, "abcd"); /* unchanged on refusal */
	size_t n;
	char *d = buf_detach(&c, &n);
	CHECK_INT(n, 4);
	CHECK(c.data == NULL);
	free(d);
}

/* str_trim writes only when it trims: the callers hand it the literal ""
 * (or any read-only string without surrounding spaces) for "no output". */
TEST(str_trim_leaves_untrimmed_strings_alone)
{
	static const char ro_empty[] = "", ro_word[] = "select 1";
	CHECK(str_trim((char *)ro_empty) == ro_empty);
	CHECK_STR(str_trim((char *)""), "");
	CHECK(str_trim((char *)ro_word) == ro_word);
	CHECK_STR(ro_word, "select 1");
	char a[] = "  x y \n\t", b[] = " \n ", c[] = "z  ";
	CHECK_STR(str_trim(a), "x y");
	CHECK_STR(str_trim(b), "");
	CHECK_STR(str_trim(c), "z");
}

TEST(buf_long_printf)
{
	struct buf b = BUF_INIT;
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[999] = 0;
	CHECK(buf_printf(&b, "[%s]", big) == 0);
	CHECK_INT(b.len, 1001);
	CHECK(b.data[0] == '[' && b.data[1000] == ']');
	buf_free(&b);
}

TEST(arena_alloc_and_hooks)
{
	struct arena *a = arena_new(128);
	char *s = arena_strdup(a, "abc");
	CHECK_STR(s, "abc");
	void *big = arena_alloc(a, 10000);
	CHECK(((uintptr_t)big & 15) == 0);
	memset(big, 1, 10000);
	CHECK_STR(arena_printf(a, "%s-%d", "x", 7), "x-7");
	arena_free(a);
}

static int hook_count;
static void bump(void *p) { hook_count += *(int *)p; }

TEST(arena_hooks_run_once)
{
	struct arena *a = arena_new(0);
	int one = 1;
	arena_on_free(a, bump, &one);
	arena_reset(a);
	CHECK_INT(hook_count, 1);
	arena_free(a);
	CHECK_INT(hook_count, 1);
}

TEST(strmap_order_and_delete)
{
	struct strmap m = STRMAP_INIT;
	char keys[200][16];
	for (int i = 0; i < 200; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		strmap_put(&m, keys[i], (void *)(intptr_t)(i + 1));
	}
	CHECK_INT(strmap_count(&m), 200);
	CHECK((intptr_t)strmap_get(&m, "k150") == 151);
	CHECK(strmap_get(&m, "nope") == NULL);
	CHECK((intptr_t)strmap_del(&m, "k0") == 1);
	CHECK(!strmap_has(&m, "k0"));
	CHECK_STR(strmap_key(&m, 0), "k1");
	CHECK((intptr_t)strmap_put(&m, "k5", (void *)99) == 6);
	CHECK((intptr_t)strmap_get(&m, "k5") == 99);
	strmap_free(&m, NULL);
}

TEST(err_first_wins_and_prefix)
{
	struct err e = ERR_INIT;
	CHECK(err_setloc(&e, ING_EPARSE, "a.yml", 3, 7, "bad %s", "thing") == ING_EPARSE);
	err_set(&e, ING_EIO, "second");
	err_prefix(&e, "model '%s'", "m");
	char *s = err_string(&e);
	CHECK_STR(s, "a.yml:3:7: model 'm': bad thing");
	free(s);
	CHECK_STR(err_name(e.code), "EPARSE");
	err_clear(&e);
	CHECK(e.code == 0 && e.msg == NULL);
}

TEST(civil_days_roundtrip)
{
	for (int64_t z = -800000; z < 3000000; z += 37) {
		int y;
		unsigned m, d;
		civil_from_days(z, &y, &m, &d);
		if (days_from_civil(y, m, d) != z) {
			CHECK_INT(days_from_civil(y, m, d), z);
			break;
		}
	}
	CHECK_INT(days_from_civil(1970, 1, 1), 0);
	CHECK_INT(days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(weekday_from_days(days_from_civil(2026, 11, 28)), 5); /* Saturday */
}

TEST(ts_parse_forms)
{
	int64_t us, ref;
	CHECK(ts_parse("2023-01-22 07:47:00 UTC", 23, &ref) == 0);
	CHECK_INT(ref, (int64_t)1674373620 * 1000000);
	const char *same[] = {"2023-01-22T07:47:00Z", "2023-01-22 07:47:00", "2023-01-22T07:47:00+00:00",
			      "2023-01-22 13:17:00+05:30", "2023-01-22T02:47:00-0500", "2023-01-22 07:47"};
	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		us = 0;
		CHECK(ts_parse(same[i], strlen(same[i]), &us) == 0);
		if (us != ref)
			test_fail(__FILE__, __LINE__, "%s parsed to %lld", same[i], (long long)us);
	}
	CHECK(ts_parse("2023-01-22 07:47:00.123456 UTC", 30, &us) == 0);
	CHECK_INT(us - ref, 123456);
	CHECK(ts_parse("2023-01-22 07:47:00.1 UTC", 25, &us) == 0);
	CHECK_INT(us - ref, 100000);
	CHECK(ts_parse("2023-01-22", 10, &us) == 0);
	const char *bad[] = {"2023-02-30 00:00:00", "2023-13-01", "2023-01-22 24:00:00",
			     "2023-01-22 07:60:00", "2023-01-22 07:47:00 PST", "2023-01-22x",
			     "", "2023-1-2", "2023-01-22 07:47:00.", "2023-01-22 07:47:00+25:00",
			     "abcd-ef-gh", "2023-01-22 "};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ts_parse(bad[i], strlen(bad[i]), &us) == 0)
			test_fail(__FILE__, __LINE__, "'%s' should not parse", bad[i]);
	char out[40];
	ts_format(ref + 123456, out);
	CHECK_STR(out, "2023-01-22 07:47:00.123456");
	ts_format(ref, out);
	CHECK_STR(out, "2023-01-22 07:47:00");
	ts_format_iso(ref, out);
	CHECK_STR(out, "2023-01-22T07:47:00.000000Z");
	ts_format(-1, out);
	CHECK_STR(out, "1969-12-31 23:59:59.999999");
}

TEST(date_parse_validates)
{
	int32_t d;
	CHECK(date_parse("2024-02-29", 10, &d) == 0);
	CHECK(date_parse("2023-02-29", 10, &d) != 0);
	CHECK(date_parse("2023-04-31", 10, &d) != 0);
	CHECK(date_parse("0000-01-01", 10, &d) != 0);
	char out[12];
	date_parse("2024-02-29", 10, &d);
	date_format(d, out);
	CHECK_STR(out, "2024-02-29");
}

/* Expected texts are Python's repr() of the same doubles. */
TEST(dtoa_repr_shortest_python_style)
{
	static const struct {
		double d;
		const char *want;
	} cases[] = {
		{0.1, "0.1"}, {100.0, "100.0"}, {1e15, "1000000000000000.0"}, {1e16, "1e+16"},
		{1.5e-05, "1.5e-05"}, {0.0001, "0.0001"}, {-0.0, "-0.0"}, {0.0, "0.0"},
		{123456789.125, "123456789.125"}, {5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {2.0 / 3, "0.6666666666666666"},
		{-2.5, "-2.5"}, {1e22, "1e+22"}, {12345678901234567890.0, "1.2345678901234567e+19"},
		{NAN, "nan"}, {-INFINITY, "-inf"}, {INFINITY, "inf"},
		/* around the 15-digit start (normal doubles) and below it */
		{0.3, "0.3"}, {1.0 / 3, "0.3333333333333333"}, {0.1 + 0.2, "0.30000000000000004"},
		{9007199254740993.0, "9007199254740992.0"}, {2.2250738585072014e-308, "2.2250738585072014e-308"},
		{1e-322, "1e-322"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[DTOA_BUFSZ];
		size_t n = dtoa_repr(cases[i].d, out);
		CHECK_STR(out, cases[i].want);
		CHECK_INT((long long)n, (long long)strlen(cases[i].want));
	}
}

TEST(duration_parse_units)
{
	CHECK(duration_parse("90") == 90 * US_PER_SEC);
	CHECK(duration_parse("250ms") == 250000);
	CHECK(duration_parse("5m") == 300 * US_PER_SEC);
	CHECK(duration_parse("5min") == 300 * US_PER_SEC);
	CHECK(duration_parse("1h30m") == 5400 * US_PER_SEC);
	CHECK(duration_parse("1.5s") == 1500000);
	CHECK(duration_parse("1d") == 86400 * US_PER_SEC);
	CHECK(duration_parse("") == -1);
	CHECK(duration_parse("5 parsecs") == -1);
	CHECK(duration_parse("-3s") == -1);
	char out[32];
	duration_format(5400 * US_PER_SEC, out);
	CHECK_STR(out, "1h30m");
}

TEST(utf8_valid_len_is_strict)
{
	static const struct {
		const char *s;
		size_t n, want;
	} c[] = {
		{"plain ascii, longer than eight bytes", 36, 36},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 15, 15},
		{"abcdefgh\xc3", 9, 8},             /* cut sequence at the end */
		{"ab\xc0\xaf" "cd", 6, 2},             /* overlong '/' */
		{"ab\xed\xa0\x80", 5, 2},          /* surrogate U+D800 */
		{"\xf4\x90\x80\x80", 4, 0},        /* above U+10FFFF */
		{"abc\x80", 4, 3},                  /* stray continuation */
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECK(utf8_valid_len(c[i].s, c[i].n) == c[i].want);
}

TEST(digest_hex_one_shot_and_streamed)
{
	char h[DIGEST_SHA256_HEX], m[DIGEST_MD5_HEX], x[8];
	digest_sha256_hex("abc", 3, h);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_md5_hex("abc", 3, m);
	CHECK_STR(m, "900150983cd24fb0d6963f7d28e17f72");
	digest_sha256_hex("", 0, h);
	CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	struct digest *d = digest_sha256_new();
	digest_update(d, "a", 1);
	digest_update(d, "", 0);
	digest_update(d, "bc", 2);
	digest_final_hex(d, h);
	digest_free(d);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_free(digest_sha256_new()); /* unfinished: freed all the same */
	hex_encode("\x00\xff\x1a", 3, x);
	CHECK_STR(x, "00ff1a");
}

TEST(json_writer)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "s");
	jw_str(&w, "a\"b\\c\n\x01\xff");
	jw_key(&w, "n");
	jw_int(&w, -3);
	jw_key(&w, "d");
	jw_double(&w, 0.1);
	jw_key(&w, "w");
	jw_double(&w, 2);
	jw_key(&w, "h");
	jw_double(&w, 100);
	jw_key(&w, "a");
	jw_arr_begin(&w);
	jw_bool(&w, true);
	jw_null(&w);
	jw_arr_end(&w);
	jw_key(&w, "e");
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_obj_end(&w);
	CHECK_STR(b.data, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\",\"n\":-3,\"d\":0.1,\"w\":2.0,\"h\":100.0,"
			  "\"a\":[true,null],\"e\":{}}");
	buf_free(&b);
}

/* fs_remove_tree: nested directories, many files (removed while the
 * directory is read), a symlink to a directory outside removed as a link
 * (never followed), a file path, a missing path */
TEST(fs_remove_tree_nested)
{
	struct err e = ERR_INIT;
	const char *d = test_tmpdir();
	char *keep = path_join(d, "keep"), *keepf = path_join(d, "keep/k.txt");
	CHECK_OK(fs_mkdir_p(keep, &e), &e);
	CHECK_OK(fs_write_atomic(keepf, "k", 1, &e), &e);
	char *root = path_join(d, "tree"), *deep = path_join(d, "tree/a/b/c");
	CHECK_OK(fs_mkdir_p(deep, &e), &e);
	for (int i = 0; i < 600; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s/f%03d.sql", i % 2 ? "tree/a" : "tree/a/b/c", i);
		char *f = path_join(d, name);
		CHECK_OK(fs_write_atomic(f, "x", 1, &e), &e);
		free(f);
	}
	char *ln = path_join(d, "tree/a/b/link");
	CHECK(symlink(keep, ln) == 0);
	CHECK_OK(fs_remove_tree(root, &e), &e);
	CHECK(!fs_exists(root));
	CHECK(fs_exists(keepf)); /* the link went, not what it pointed to */
	CHECK_OK(fs_remove_tree(root, &e), &e); /* gone already: fine */
	CHECK_OK(fs_remove_tree(keepf, &e), &e);
	CHECK(!fs_exists(keepf) && fs_is_dir(keep));
	free(keep);
	free(keepf);
	free(root);
	free(deep);
	free(ln);
}

TEST(fs_atomic_write_and_glob)
{
	struct err e = ERR_INIT;
	const char *d = test_tmpdir();
	char *sub = path_join(d, "a/b/c");
	CHECK_OK(fs_mkdir_p(sub, &e), &e);
	char *f1 = path_join(sub, "x_0001.csv"), *f2 = path_join(sub, "x_0002.csv");
	CHECK_OK(fs_write_atomic(f1, "one", 3, &e), &e);
	CHECK_OK(fs_write_atomic(f2, "two", 3, &e), &e);
	CHECK_OK(fs_write_atomic(f2, "TWO", 3, &e), &e);
	struct buf b = BUF_INIT;
	CHECK_OK(fs_read_file(f2, &b, 0, &e), &e);
	CHECK_STR(b.data, "TWO");
	buf_free(&b);
	char **list;
	size_t n;
	fs_glob(d, "a/b/c/x_*.csv", &list, &n, &e);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0], "a/b/c/x_0001.csv");
		CHECK_STR(list[1], "a/b/c/x_0002.csv");
	}
	fs_glob_free(list, n);
	fs_glob(d, "**/*.csv", &list, &n, &e);
	CHECK_INT(n, 2);
	fs_glob_free(list, n);
	struct atomic_file af;
	CHECK_OK(atomic_open(&af, f1, &e), &e);
	fputs("partial", af.fp);
	atomic_abort(&af);
	b = (struct buf)BUF_INIT;
	fs_read_file(f1, &b, 0, &e);
	CHECK_STR(b.data, "one");
	buf_free(&b);
	fs_glob(d, "a/b/c/*", &list, &n, &e);
	CHECK_INT(n, 2); /* no temp file left behind */
	fs_glob_free(list, n);
	free(sub);
	free(f1);
	free(f2);
	err_clear(&e);
}

/* fs_read_file sizes its buffer from the file: every length reads whole,
 * appended to what the buffer holds, NUL-terminated; the limit holds; a
 * file whose size stat does not know (/proc) still reads to its end */
TEST(fs_read_file_sizes)
{
	struct err e = ERR_INIT;
	const char *d = test_tmpdir();
	char *f = path_join(d, "sized.txt");
	size_t lens[] = {0, 1, 63, 64, 65535, 65536, 65537, 300000};
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		char *data = xmalloc(lens[k] + 1);
		for (size_t i = 0; i < lens[k]; i++)
			data[i] = (char)('a' + (i * 7 + k) % 26);
		CHECK_OK(fs_write_atomic(f, data, lens[k], &e), &e);
		struct buf b = BUF_INIT;
		CHECK_OK(fs_read_file(f, &b, 0, &e), &e);
		CHECK_INT(b.len, lens[k]);
		CHECK(lens[k] == 0 || (b.data && !memcmp(b.data, data, lens[k])));
		CHECK(!b.data || b.data[b.len] == 0);
		/* appended to what the buffer holds */
		buf_free(&b);
		buf_puts(&b, "head:");
		CHECK_OK(fs_read_file(f, &b, 0, &e), &e);
		CHECK_INT(b.len, lens[k] + 5);
		CHECK(!memcmp(b.data, "head:", 5) && !memcmp(b.data + 5, data, lens[k]));
		CHECK(b.data[b.len] == 0);
		buf_free(&b);
		if (lens[k] > 1000) {
			CHECK(fs_read_file(f, &b, 1000, &e) == ING_ELIMIT);
			err_clear(&e);
			buf_free(&b);
		}
		free(data);
	}
	struct buf p = BUF_INIT;
	CHECK_OK(fs_read_file("/proc/self/status", &p, 0, &e), &e);
	CHECK(p.len > 0 && strstr(p.data, "Name:") && strlen(p.data) == p.len);
	buf_free(&p);
	free(f);
	err_clear(&e);
}

TEST(vec_push_pop)
{
	VEC(int) v = VEC_INIT;
	for (int i = 0; i < 1000; i++)
		vec_push(&v, i);
	CHECK_INT(v.len, 1000);
	CHECK_INT(vec_pop(&v), 999);
	CHECK_INT(vec_last(&v), 998);
	vec_free(&v);
}

TEST(relver_versions_and_sql_that_writes)
{
	uint64_t a0 = relver_get("s", "a"), b0 = relver_get("s", "b"), now = relver_now();
	relver_bump("S", "\"A\"");
	uint64_t a1 = relver_get("s", "a");
	CHECK(a1 > a0);
	CHECK(relver_now() > now);
	CHECK(relver_get("s", "b") == b0); /* another relation stays */
	relver_bump_text("\"db\".\"s\".\"b.c\""); /* a dot inside quotes */
	CHECK(relver_get("s", "b.c") > a1);
	CHECK(relver_get("s", "b") == b0);
	relver_bump_all();
	CHECK(relver_get("s", "b") > b0);
	CHECK(relver_get("s", "a") > a1);
	CHECK(relver_get("x", "never") == relver_get("s", "b"));
	/* reads */
	CHECK(!relver_sql_writes(NULL));
	CHECK(!relver_sql_writes("  "));
	CHECK(!relver_sql_writes("select 1"));
	CHECK(!relver_sql_writes("-- c\n/* d */ ( SELECT a, 'drop table x' from t where s = 'it''s')"));
	CHECK(!relver_sql_writes("with x as (select 1) select * from x"));
	CHECK(!relver_sql_writes("select createdate, dropped from t"));
	/* writes, or may */
	CHECK(relver_sql_writes("create table t as select 1"));
	CHECK(relver_sql_writes("/* c */ insert into t values (1)"));
	CHECK(relver_sql_writes("with x as (select 1) insert into t select * from x"));
	CHECK(relver_sql_writes("select 1; drop table t"));
	CHECK(relver_sql_writes("select * into t2 from t"));
	CHECK(relver_sql_writes("select nextval('s')"));
	CHECK(relver_sql_writes("vacuum"));
	CHECK(relver_sql_writes("grant select on t to r"));
}
