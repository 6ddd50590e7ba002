/*
 * tests/unit/test_gen.c — the thelook generator: formatting, the keyed RNG,
 * sizes, option checks, and whole runs in-process (determinism across
 * threads, consistency of orders and items, window subsets, gzip, and the
 * defect listing being exact).
 */
#include "test.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"
#include "gen/thelook.h"
#include "gen/thelook_int.h"

#include <stdlib.h>
#include <zlib.h>

static const char *fmt_dec(int64_t v, unsigned dec)
{
	static char b[64];
	b[gen__fmt_dec(b, v, dec)] = 0;
	return b;
}

static const char *fmt_ts(int64_t us)
{
	static char b[64];
	b[gen__fmt_ts(b, us)] = 0;
	return b;
}

TEST(gen_format_decimals)
{
	CHECK_STR(fmt_dec(5999, 2), "59.99");
	CHECK_STR(fmt_dec(5990, 2), "59.9");
	CHECK_STR(fmt_dec(6000, 2), "60.0");
	CHECK_STR(fmt_dec(5, 2), "0.05");
	CHECK_STR(fmt_dec(-5, 2), "-0.05");
	CHECK_STR(fmt_dec(0, 2), "0.0");
	CHECK_STR(fmt_dec(-89971100, 6), "-89.9711");
	CHECK_STR(fmt_dec(35117400, 6), "35.1174");
	CHECK_STR(fmt_dec(INT64_MIN + 1, 2), "-92233720368547758.07");
	char b[32];
	b[gen__fmt_u64(b, 0)] = 0;
	CHECK_STR(b, "0");
	b[gen__fmt_u64(b, UINT64_MAX)] = 0;
	CHECK_STR(b, "18446744073709551615");
	b[gen__fmt_u64(b, 100)] = 0;
	CHECK_STR(b, "100");
}

TEST(gen_format_timestamps_match_core)
{
	CHECK_STR(fmt_ts(0), "1970-01-01 00:00:00 UTC");
	CHECK_STR(fmt_ts(days_from_civil(2024, 2, 29) * US_PER_DAY + 86399 * US_PER_SEC + 1),
		  "2024-02-29 23:59:59.000001 UTC");
	CHECK_STR(fmt_ts(days_from_civil(2019, 1, 1) * US_PER_DAY + US_PER_SEC / 2),
		  "2019-01-01 00:00:00.500000 UTC");
	/* the hand formatter agrees with core's ts_format, and ts_parse reads it back */
	for (uint64_t i = 0; i < 20000; i++) {
		int64_t us = (int64_t)(gen__rng_draw(1, 99, i, 0) % (UINT64_C(4102444800) * 1000000));
		if (i % 2)
			us -= us % US_PER_SEC;
		char want[48];
		size_t n = ts_format(us, want);
		memcpy(want + n, " UTC", 5);
		const char *got = fmt_ts(us);
		if (strcmp(got, want)) {
			CHECK_STR(got, want);
			break;
		}
		int64_t back;
		CHECK(ts_parse(got, strlen(got), &back) == 0 && back == us);
	}
}

TEST(gen_csv_quoting)
{
	char *s;
	CHECK_STR(s = gen__csv_field("plain"), "plain");
	free(s);
	CHECK_STR(s = gen__csv_field("Café Coton"), "Café Coton");
	free(s);
	CHECK_STR(s = gen__csv_field("Dockers, Inc."), "\"Dockers, Inc.\"");
	free(s);
	CHECK_STR(s = gen__csv_field("12\" Hem"), "\"12\"\" Hem\"");
	free(s);
	CHECK_STR(s = gen__csv_field("a\nb"), "\"a\nb\"");
	free(s);

	const char *row = "1,\"a,b\",,\"x\"\"y\",z";
	size_t fs[8], fe[8];
	CHECK_INT(gen__split_row(row, strlen(row), fs, fe, 8), 5);
	CHECK_INT(fs[1], 2);
	CHECK_INT(fe[1], 7);
	CHECK_INT(fs[2], fe[2]);
	CHECK_INT(fe[3] - fs[3], 6);
	CHECK(row[fs[4]] == 'z');
}

TEST(gen_slugs)
{
	char b[64];
	gen__slugify("Café Coton", b, sizeof(b));
	CHECK_STR(b, "cafe-coton");
	gen__slugify("Levi's", b, sizeof(b));
	CHECK_STR(b, "levis");
	gen__slugify("Blazers & Jackets", b, sizeof(b));
	CHECK_STR(b, "blazers-jackets");
	gen__slugify("Søstrene", b, sizeof(b));
	CHECK_STR(b, "sostrene");
	gen__slugify("7 For All Mankind", b, sizeof(b));
	CHECK_STR(b, "7-for-all-mankind");
}

TEST(gen_rng_keyed_and_uniform)
{
	CHECK(gen__rng_draw(42, 1, 7, 0) == gen__rng_draw(42, 1, 7, 0));
	CHECK(gen__rng_draw(42, 1, 7, 3) == gen__rng_draw(42, 1, 7, 3));
	CHECK(gen__rng_draw(42, 1, 7, 0) != gen__rng_draw(42, 1, 8, 0));
	CHECK(gen__rng_draw(42, 1, 7, 0) != gen__rng_draw(42, 2, 7, 0));
	CHECK(gen__rng_draw(42, 1, 7, 0) != gen__rng_draw(43, 1, 7, 0));
	CHECK(gen__rng_draw(42, 1, 7, 0) != gen__rng_draw(42, 1, 7, 1));
	unsigned bucket[10] = {0}, bits[64] = {0};
	for (uint64_t i = 0; i < 100000; i++) {
		uint64_t v = gen__rng_below(5, 3, i, 0, 10);
		REQUIRE(v < 10);
		bucket[v]++;
		uint64_t w = gen__rng_draw(5, 4, i, 0);
		for (int b = 0; b < 64; b++)
			bits[b] += (w >> b) & 1;
	}
	for (int k = 0; k < 10; k++)
		CHECK(bucket[k] > 9400 && bucket[k] < 10600);
	for (int b = 0; b < 64; b++)
		CHECK(bits[b] > 49000 && bits[b] < 51000);
}

TEST(gen_sizes_follow_scale)
{
	struct gen_opts o;
	gen_opts_default(&o);
	struct gen_sizes s;
	struct err e = ERR_INIT;
	CHECK_OK(gen_sizes(&o, &s, &e), &e);
	CHECK_INT(s.users, 100000);
	CHECK_INT(s.orders, 125000);
	CHECK_INT(s.products, 29120);
	CHECK_INT(s.centers, 10);
	CHECK(s.order_items > 170000 && s.order_items < 195000);
	CHECK(s.inventory_items > 2.5 * s.order_items && s.inventory_items < 2.9 * s.order_items);
	CHECK(s.events > 16 * s.orders && s.events < 21 * s.orders);
	o.scale = 0.01;
	CHECK_OK(gen_sizes(&o, &s, &e), &e);
	CHECK_INT(s.users, 1000);
	CHECK_INT(s.orders, 1250);
	CHECK_INT(s.products, 29120);
	o.scale = 0;
	CHECK(gen_sizes(&o, &s, &e) == ING_EINVAL);
	err_clear(&e);
}

TEST(gen_tables_parse_names)
{
	unsigned m = 0;
	struct err e = ERR_INIT;
	CHECK_OK(gen_tables_parse("users,orders", &m, &e), &e);
	CHECK_INT(m, (1u << GEN_USERS) | (1u << GEN_ORDERS));
	CHECK(gen_tables_parse("users,customers", &m, &e) == ING_EINVAL);
	CHECK(e.msg && strstr(e.msg, "'customers'"));
	err_clear(&e);
	CHECK(gen_tables_parse(",", &m, &e) == ING_EINVAL);
	err_clear(&e);
	CHECK_INT(gen_tables[GEN_EVENTS].ncols, 13);
	CHECK_STR(gen_tables[GEN_ORDER_ITEMS].cols[10].name, "sale_price");
	CHECK_STR(gen_type_name(gen_tables[GEN_ORDERS].cols[4].type), "TIMESTAMP");
}

static char *dir_in_tmp(const char *name)
{
	return path_join(test_tmpdir(), name);
}

static int run_gen(const char *dir, double scale, unsigned threads, void (*tweak)(struct gen_opts *),
		   struct err *e)
{
	struct gen_opts o;
	gen_opts_default(&o);
	o.out = dir;
	o.scale = scale;
	o.threads = threads;
	if (tweak)
		tweak(&o);
	struct gen_stats st;
	return gen_thelook(&o, &st, e);
}

static char *slurp(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = fs_read_file(p, &b, 0, &e);
	free(p);
	err_clear(&e);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	if (!b.data)
		buf_puts(&b, "");
	return buf_detach(&b, NULL);
}

static const char *const files7[] = {
	"users/users_0001.csv", "orders/orders_0001.csv", "order_items/order_items_0001.csv",
	"products/products_0001.csv", "inventory_items/inventory_items_0001.csv",
	"distribution_centers/distribution_centers_0001.csv", "events/events_0001.csv",
};

TEST(gen_same_bytes_any_thread_count)
{
	struct err e = ERR_INIT;
	char *a = dir_in_tmp("t1"), *b = dir_in_tmp("t2"), *c = dir_in_tmp("t4");
	CHECK_OK(run_gen(a, 0.01, 1, NULL, &e), &e);
	CHECK_OK(run_gen(b, 0.01, 2, NULL, &e), &e);
	CHECK_OK(run_gen(c, 0.01, 4, NULL, &e), &e);
	for (size_t i = 0; i < ARRAY_SIZE(files7); i++) {
		char *x = slurp(a, files7[i]), *y = slurp(b, files7[i]), *z = slurp(c, files7[i]);
		REQUIRE(x && y && z);
		CHECK(strlen(x) > 100);
		if (strcmp(x, y) || strcmp(x, z))
			test_fail(__FILE__, __LINE__, "%s differs across thread counts", files7[i]);
		free(x), free(y), free(z);
	}
	free(a), free(b), free(c);
}

/* Split a line into up to 16 fields (no quoted fields: orders, items). */
static int fields(char *line, char **f)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p; p++)
		if (*p == ',' && n < 16) {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

TEST(gen_orders_and_items_agree)
{
	struct err e = ERR_INIT;
	char *d = dir_in_tmp("agree");
	CHECK_OK(run_gen(d, 0.01, 2, NULL, &e), &e);
	char *orders = slurp(d, files7[1]), *items = slurp(d, files7[2]);
	REQUIRE(orders && items);
	long norders = 0, nitems_total = 0;
	/* per order: count, user, status, created */
	static long count[2000], user[2000], nitem[2000];
	static char created[2000][32], status[2000][16];
	char *save = NULL, *f[16];
	for (char *ln = strtok_r(orders, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (!norders++)
			continue; /* header */
		REQUIRE(fields(ln, f) == 9);
		long id = atol(f[0]);
		REQUIRE(id == norders - 1 && id < 2000);
		user[id] = atol(f[1]);
		snprintf(status[id], sizeof(status[id]), "%s", f[2]);
		snprintf(created[id], sizeof(created[id]), "%s", f[4]);
		nitem[id] = atol(f[8]);
		int64_t c, s, dl, r;
		REQUIRE(ts_parse(f[4], strlen(f[4]), &c) == 0);
		bool has_s = *f[6], has_d = *f[7], has_r = *f[5];
		CHECK(has_s == (!strcmp(f[2], "Shipped") || !strcmp(f[2], "Complete") ||
				!strcmp(f[2], "Returned")));
		CHECK(has_d == (!strcmp(f[2], "Complete") || !strcmp(f[2], "Returned")));
		CHECK(has_r == !strcmp(f[2], "Returned"));
		if (has_s) {
			REQUIRE(ts_parse(f[6], strlen(f[6]), &s) == 0);
			CHECK(c <= s);
			if (has_d) {
				REQUIRE(ts_parse(f[7], strlen(f[7]), &dl) == 0);
				CHECK(s <= dl);
				if (has_r) {
					REQUIRE(ts_parse(f[5], strlen(f[5]), &r) == 0);
					CHECK(dl <= r);
				}
			}
		}
	}
	CHECK_INT(norders - 1, 1250);
	save = NULL;
	long line = 0;
	for (char *ln = strtok_r(items, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (!line++)
			continue;
		REQUIRE(fields(ln, f) == 11);
		CHECK_INT(atol(f[0]), line - 1);
		long o = atol(f[1]);
		REQUIRE(o >= 1 && o < norders);
		count[o]++;
		CHECK_INT(atol(f[2]), user[o]);
		CHECK_STR(f[5], status[o]);
		CHECK_STR(f[6], created[o]);
		nitems_total++;
	}
	for (long o = 1; o < norders; o++)
		if (count[o] != nitem[o]) {
			CHECK_INT(count[o], nitem[o]);
			break;
		}
	CHECK(nitems_total > 1250 * 1.35 && nitems_total < 1250 * 1.6);
	free(orders), free(items), free(d);
}

static void window_june1(struct gen_opts *o)
{
	date_parse("2025-06-01", 10, &o->win_start);
	o->win_end = o->win_start + 1;
	o->window = true;
}

TEST(gen_window_is_a_block_of_the_full_run)
{
	struct err e = ERR_INIT;
	char *full = dir_in_tmp("full"), *win = dir_in_tmp("win");
	CHECK_OK(run_gen(full, 0.05, 2, NULL, &e), &e);
	CHECK_OK(run_gen(win, 0.05, 2, window_june1, &e), &e);
	const char *names[] = {"users", "orders", "order_items", "inventory_items", "events"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *rf = xasprintf("%s/%s_0001.csv", names[i], names[i]);
		char *rw = xasprintf("%s/%s_20250601.csv", names[i], names[i]);
		char *a = slurp(full, rf), *b = slurp(win, rw);
		REQUIRE(a && b);
		char *body = strchr(b, '\n') + 1;
		CHECK(strlen(body) > 0);
		char *at = strstr(a, body);
		CHECK(at && at[-1] == '\n');
		free(a), free(b), free(rf), free(rw);
	}
	char *p = path_join(win, "products");
	CHECK(!fs_exists(p));
	free(p);
	free(full), free(win);
}

static void gzip_on(struct gen_opts *o)
{
	o->gzip = true;
	o->files = 2;
	o->threads = 2;
}

static void files_two(struct gen_opts *o)
{
	o->files = 2;
}

TEST(gen_gzip_is_one_stream_of_the_same_bytes)
{
	struct err e = ERR_INIT;
	char *plain = dir_in_tmp("plain"), *gz = dir_in_tmp("gz");
	CHECK_OK(run_gen(plain, 0.02, 2, files_two, &e), &e);
	CHECK_OK(run_gen(gz, 0.02, 2, gzip_on, &e), &e);
	const char *rel[] = {"events/events_0002.csv", "users/users_0001.csv"};
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		char *want = slurp(plain, rel[i]);
		char *gp = xasprintf("%s/%s.gz", gz, rel[i]);
		REQUIRE(want);
		gzFile g = gzopen(gp, "rb");
		REQUIRE(g);
		struct buf got = BUF_INIT;
		char tmp[65536];
		int n;
		while ((n = gzread(g, tmp, sizeof(tmp))) > 0)
			buf_add(&got, tmp, (size_t)n);
		int zerr;
		gzerror(g, &zerr);
		CHECK(zerr == Z_OK || zerr == Z_STREAM_END);
		gzclose(g);
		CHECK_INT(got.len, strlen(want));
		CHECK(got.len == strlen(want) && !memcmp(got.data, want, got.len));
		buf_free(&got);
		free(want), free(gp);
	}
	free(plain), free(gz);
}

static void dirty_on(struct gen_opts *o)
{
	o->dirty = 0.02;
}

/* Every line of the dirty files equals the clean line or is listed, and
 * every listed line is changed (or an inserted copy). */
TEST(gen_defects_listed_exactly)
{
	struct err e = ERR_INIT;
	char *clean = dir_in_tmp("clean"), *dirty = dir_in_tmp("dirty");
	CHECK_OK(run_gen(clean, 0.01, 2, NULL, &e), &e);
	CHECK_OK(run_gen(dirty, 0.01, 2, dirty_on, &e), &e);
	char *list = slurp(dirty, "_defects.csv");
	REQUIRE(list);
	CHECK(str_startswith(list, "table,file,line,column,kind\n"));
	size_t checked = 0, nlisted = 0;
	for (const char *p = strchr(list, '\n') + 1; *p; p = strchr(p, '\n') + 1)
		nlisted++;
	for (size_t i = 0; i < ARRAY_SIZE(files7); i++) {
		char *c = slurp(clean, files7[i]);
		REQUIRE(c);
		/* the listed lines of this file, with kinds */
		long lines[4096];
		char kinds[4096][24];
		size_t nl = 0;
		char key[128];
		snprintf(key, sizeof(key), ",%s,", files7[i]);
		for (const char *p = strstr(list, key); p && nl < 4096; p = strstr(p + 1, key)) {
			const char *q = p + strlen(key);
			lines[nl] = atol(q);
			const char *k = strrchr(q, ',');
			const char *end = strchr(q, '\n');
			while (k > end) /* strrchr went past this line */
				k = memrchr(q, ',', (size_t)(end - q));
			snprintf(kinds[nl], sizeof(kinds[nl]), "%.*s", (int)(end - k - 1), k + 1);
			nl++;
		}
		/* walk both files line by line (lines may hold NUL bytes: use lengths) */
		char *cp = c;
		char *path = path_join(dirty, files7[i]);
		struct buf raw = BUF_INIT;
		REQUIRE(fs_read_file(path, &raw, 0, &e) == 0);
		const char *dp = raw.data;
		size_t dlen = raw.len;
		long ln = 0;
		size_t li = 0;
		const char *prev = NULL;
		size_t prevn = 0;
		for (size_t off = 0; off < dlen; ln++) {
			const char *nlp = memchr(dp + off, '\n', dlen - off);
			REQUIRE(nlp);
			size_t n = (size_t)(nlp - (dp + off));
			const char *line = dp + off;
			bool listed = li < nl && lines[li] == ln + 1;
			const char *cnl = strchr(cp, '\n');
			size_t cn = cnl ? (size_t)(cnl - cp) : 0;
			if (listed && !strcmp(kinds[li], "duplicate_id")) {
				CHECK(prev && prevn == n && !memcmp(prev, line, n));
			} else {
				REQUIRE(cnl);
				bool same = cn == n && !memcmp(cp, line, n);
				if (same == listed)
					test_fail(__FILE__, __LINE__, "%s:%ld: %s", files7[i], ln + 1,
						  listed ? "listed but unchanged" : "changed but not listed");
				cp = (char *)cnl + 1;
			}
			if (listed) {
				li++;
				checked++;
			}
			prev = line;
			prevn = n;
			off += n + 1;
		}
		CHECK(*cp == 0);    /* all clean lines accounted for */
		CHECK_INT(li, nl);  /* all listed lines met */
		buf_free(&raw);
		free(path);
		free(c);
	}
	CHECK_INT(checked, nlisted);
	CHECK(nlisted > 100);
	free(list), free(clean), free(dirty);
}

static void bad_scale(struct gen_opts *o)
{
	o->scale = -1;
}

static void bad_window(struct gen_opts *o)
{
	date_parse("2030-01-01", 10, &o->win_start);
	o->win_end = o->win_start + 1;
	o->window = true;
}

TEST(gen_refuses_bad_options_before_writing)
{
	struct err e = ERR_INIT;
	char *d = dir_in_tmp("refused");
	CHECK(run_gen(d, 0.01, 2, bad_scale, &e) == ING_EINVAL);
	CHECK(e.msg && strstr(e.msg, "--scale"));
	err_clear(&e);
	CHECK(run_gen(d, 0.01, 2, bad_window, &e) == ING_EINVAL);
	CHECK(e.msg && strstr(e.msg, "outside"));
	err_clear(&e);
	CHECK(!fs_exists(d));
	free(d);
}
