/*
 * tests/unit/test_lake.c — lake: CSV reader, conversions, listing, hashing.
 *
 * The reader tests render each record as "line:[f1|f2]" (quoted fields in
 * {}) and each bad record as "line!reason", so expectations read like the
 * input.
 */
#include "test.h"
#include "config/sources.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"
#include "lake/lake.h"

#include <math.h>
#include <stdlib.h>
#include <zlib.h>

static const struct csv_opts STD = {
	.delimiter = ',', .quote = '"', .escape = '"', .max_record_bytes = 1 << 20};

static char *render_opts(const char *data, size_t n, const struct csv_opts *o)
{
	struct csv_reader *r = NULL;
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT;
	csv_open_mem(data, n, "mem", o, &r, &e);
	struct csv_record rec;
	int rc;
	while ((rc = csv_next(r, &rec, &e)) > 0) {
		if (rc == CSV_BAD) {
			buf_printf(&out, "%llu!%s ", (unsigned long long)rec.line, rec.reason);
			continue;
		}
		buf_printf(&out, "%llu:[", (unsigned long long)rec.line);
		for (size_t i = 0; i < rec.nfields; i++) {
			if (i)
				buf_putc(&out, '|');
			if (rec.quoted[i])
				buf_putc(&out, '{');
			buf_add(&out, rec.f[i], rec.len[i]);
			if (rec.quoted[i])
				buf_putc(&out, '}');
		}
		buf_puts(&out, "] ");
	}
	if (rc < 0)
		buf_printf(&out, "ERROR %s", e.msg);
	err_clear(&e);
	csv_close(r);
	char *res = buf_detach(&out, NULL);
	return res ? res : xstrdup("");
}

static char *render(const char *s)
{
	struct buf out = BUF_INIT;
	char *r = render_opts(s, strlen(s), &STD);
	buf_puts(&out, r ? r : "");
	free(r);
	return buf_detach(&out, NULL);
}

#define CHECK_CSV(in, want)                                                 \
	do {                                                                \
		char *got_ = render(in);                                    \
		CHECK_STR(got_, want);                                      \
		free(got_);                                                 \
	} while (0)

TEST(csv_basic_lf_crlf_and_last_line)
{
	CHECK_CSV("a,b\n1,2\n", "1:[a|b] 2:[1|2] ");
	CHECK_CSV("a,b\r\n1,2\r\n", "1:[a|b] 2:[1|2] ");
	CHECK_CSV("a,b\r\n1,2\n3,4", "1:[a|b] 2:[1|2] 3:[3|4] ");
	CHECK_CSV("a,,\n", "1:[a||] ");
	CHECK_CSV("", "");
	CHECK_CSV("a\n\n\nb\n", "1:[a] 4:[b] ");
}

TEST(csv_quotes)
{
	CHECK_CSV("\"a,b\",\"x\"\"y\"\n", "1:[{a,b}|{x\"y}] ");
	CHECK_CSV("\"multi\nline\",z\nnext,1\n", "1:[{multi\nline}|z] 3:[next|1] ");
	CHECK_CSV("\"\",x\n", "1:[{}|x] ");
	CHECK_CSV("\"cr\r\nin\",x\r\n", "1:[{cr\r\nin}|x] ");
}

TEST(csv_bad_records_are_reported_and_skipped)
{
	CHECK_CSV("\"ab\"c,d\nok,1\n", "1!text after a closing quote 2:[ok|1] ");
	CHECK_CSV("ab\"c,d\nok,1\n", "1!stray quote in an unquoted field 2:[ok|1] ");
	CHECK_CSV("a,b\rc\nok,1\n", "1!bare CR (carriage return without line feed) 2:[ok|1] ");
	/* an unclosed quote costs its own line only: the next lines are read */
	CHECK_CSV("ok,1\n\"never closed,2\nx,3\n", "1:[ok|1] 2!unterminated quoted field 3:[x|3] ");
	CHECK_CSV("a,\xff\xfe\nok,1\n", "1!invalid UTF-8 2:[ok|1] ");
	CHECK_CSV("caf\xc3\xa9,1\n", "1:[caf\xc3\xa9|1] ");
	/* overlong and surrogate encodings */
	CHECK_CSV("\xc0\xaf\n", "1!invalid UTF-8 ");
	CHECK_CSV("\xed\xa0\x80\n", "1!invalid UTF-8 ");
	const char nul[] = "a,b\x00x\nok,1\n";
	char *got = render_opts(nul, sizeof(nul) - 1, &STD);
	CHECK_STR(got, "1!NUL byte in the record 2:[ok|1] ");
	free(got);
}

TEST(csv_bom_only_at_start)
{
	CHECK_CSV("\xEF\xBB\xBFid,x\n1,2\n", "1:[id|x] 2:[1|2] ");
	CHECK_CSV("id,x\n\xEF\xBB\xBF" "1,2\n", "1:[id|x] 2:[\xEF\xBB\xBF" "1|2] ");
}

TEST(csv_record_cap)
{
	struct csv_opts o = STD;
	o.max_record_bytes = 64;
	o.max_quoted_lines = 1000; /* the quoted field below spans 101 lines */
	struct buf in = BUF_INIT;
	buf_puts(&in, "a,b\n\"");
	for (int i = 0; i < 10000; i++)
		buf_putc(&in, i % 100 == 0 ? '\n' : 'x');
	buf_puts(&in, "\",y\nok,1\n");
	char *got = render_opts(in.data, in.len, &o);
	/* the long record starts on line 2 and spans 100 more lines */
	CHECK_STR(got, "1:[a|b] 2!record longer than max_record_bytes 103:[ok|1] ");
	free(got);
	buf_free(&in);
}

/* An unclosed quote must not swallow the rest of the file into one reject:
 * a quoted field over max_quoted_lines lines or max_quoted_bytes bytes is a
 * reject at its line, and reading resumes at the next line. */
TEST(csv_quoted_field_bounds)
{
	struct buf in = BUF_INIT;
	buf_puts(&in, "ok,1\n2,\"never closed\n");
	for (int i = 3; i <= 300; i++)
		buf_printf(&in, "%d,row\n", i);
	char *got = render_opts(in.data, in.len, &STD);
	struct buf want = BUF_INIT;
	buf_puts(&want, "1:[ok|1] 2!quoted field spans more than 100 lines (max_quoted_lines; an "
			"unclosed quote?) ");
	for (int i = 3; i <= 300; i++)
		buf_printf(&want, "%d:[%d|row] ", i, i);
	CHECK_STR(got, buf_cstr(&want));
	free(got);
	buf_free(&want);
	buf_free(&in);

	struct csv_opts o = STD;
	o.max_quoted_lines = 2;
	o.max_quoted_bytes = 8;
	/* two lines and 8 bytes are allowed; three lines or 9 bytes are not */
	got = render_opts("a,\"x\ny\"\nb,\"12345678\"\n", 21, &o);
	CHECK_STR(got, "1:[a|{x\ny}] 3:[b|{12345678}] ");
	free(got);
	const char *three = "a,\"x\ny\nz\",1\nok,2\n";
	got = render_opts(three, strlen(three), &o);
	CHECK_STR(got, "1!quoted field spans more than 2 lines (max_quoted_lines; an unclosed "
		       "quote?) 2:[y] 3!stray quote in an unquoted field 4:[ok|2] ");
	free(got);
	const char *nine = "a,\"123456789\"\nok,2\n";
	got = render_opts(nine, strlen(nine), &o);
	CHECK_STR(got, "1!quoted field longer than 8 bytes (max_quoted_bytes; an unclosed quote?) "
		       "2:[ok|2] ");
	free(got);
	/* the same with an escape character, and at the end of the input */
	struct csv_opts bs = o;
	bs.escape = '\\';
	const char *esc = "ok,1\na,\"b\\\"\nc,2";
	got = render_opts(esc, strlen(esc), &bs);
	CHECK_STR(got, "1:[ok|1] 2!unterminated quoted field 3:[c|2] ");
	free(got);
}

/* Found by fuzz_csv: a byte after the escape character skipped the NUL and
 * UTF-8 checks, so NUL bytes and invalid UTF-8 reached the warehouse. */
TEST(csv_escaped_bytes_are_checked)
{
	struct csv_opts bs = STD;
	bs.escape = '\\';
	const char nul[] = "a,\"x\\\0y\"\nok,1\n";
	char *got = render_opts(nul, sizeof(nul) - 1, &bs);
	CHECK_STR(got, "1!NUL byte in the record 2:[ok|1] ");
	free(got);
	const char high[] = "a,\"x\\\xbe\"\nok,1\n";
	got = render_opts(high, sizeof(high) - 1, &bs);
	CHECK_STR(got, "1!invalid UTF-8 2:[ok|1] ");
	free(got);
	const char good[] = "a,\"caf\\\xc3\xa9 \\\"q\\\"\"\nb,\"x\\\ny\"\nok,1\n";
	got = render_opts(good, sizeof(good) - 1, &bs);
	/* an escaped line feed is data, and counts as a line */
	CHECK_STR(got, "1:[a|{caf\xc3\xa9 \"q\"}] 2:[b|{x\ny}] 4:[ok|1] ");
	free(got);
}

/* A record over max_record_bytes whose skipping meets an unclosed quote:
 * the quote is given up after the bounds instead of running to the end. */
TEST(csv_record_cap_with_unclosed_quote)
{
	struct csv_opts o = STD;
	o.max_record_bytes = 64;
	o.max_quoted_lines = 3;
	struct buf in = BUF_INIT;
	buf_puts(&in, "a,b\n");
	for (int i = 0; i < (5 << 20); i++)
		buf_putc(&in, 'x');
	buf_puts(&in, ",\"open\n");
	for (int i = 3; i <= 20; i++)
		buf_printf(&in, "%d,row\n", i);
	char *got = render_opts(in.data, in.len, &o);
	/* the quote opened on line 2 would span a 4th line (5): it is given up
	 * there, and the record ends with line 5 */
	struct buf want = BUF_INIT;
	buf_puts(&want, "1:[a|b] 2!record longer than max_record_bytes ");
	for (int i = 6; i <= 20; i++)
		buf_printf(&want, "%d:[%d|row] ", i, i);
	CHECK_STR(got, buf_cstr(&want));
	free(got);
	buf_free(&want);
	buf_free(&in);
}

TEST(csv_long_input_crosses_buffers)
{
	struct buf in = BUF_INIT;
	for (int i = 0; i < 300000; i++)
		buf_printf(&in, "%d,\"q%d\"\"x\",text %d\n", i, i, i);
	struct csv_reader *r;
	struct err e = ERR_INIT;
	csv_open_mem(in.data, in.len, "mem", &STD, &r, &e);
	struct csv_record rec;
	int rc, n = 0, bad = 0;
	char want[64];
	while ((rc = csv_next(r, &rec, &e)) > 0) {
		if (rc == CSV_BAD) {
			bad++;
			continue;
		}
		snprintf(want, sizeof(want), "q%d\"x", n);
		if (rec.nfields != 3 || rec.len[1] != strlen(want) || memcmp(rec.f[1], want, rec.len[1]) ||
		    rec.line != (uint64_t)n + 1)
			bad++;
		n++;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(n, 300000);
	CHECK_INT(bad, 0);
	char hex[65];
	uint64_t nb;
	csv_digest(r, hex, &nb);
	CHECK_INT(nb, in.len);
	csv_close(r);
	buf_free(&in);
}

static void write_gz(const char *path, const char *data, size_t n, size_t cut)
{
	uLongf cap = compressBound(n) + 64;
	unsigned char *z = xmalloc(cap);
	z_stream s = {0};
	deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	s.next_in = (unsigned char *)data;
	s.avail_in = (uInt)n;
	s.next_out = z;
	s.avail_out = (uInt)cap;
	deflate(&s, Z_FINISH);
	size_t zn = cap - s.avail_out;
	deflateEnd(&s);
	if (cut)
		zn -= cut;
	struct err e = ERR_INIT;
	fs_write_atomic(path, z, zn, &e);
	free(z);
}

TEST(csv_gzip_and_truncated_gzip)
{
	char *dir = xasprintf("%s", test_tmpdir());
	char *p1 = path_join(dir, "ok.csv.gz"), *p2 = path_join(dir, "cut.csv.gz");
	struct buf in = BUF_INIT;
	for (int i = 0; i < 50000; i++)
		buf_printf(&in, "%d,name %d\n", i, i);
	write_gz(p1, in.data, in.len, 0);
	write_gz(p2, in.data, in.len, 100);
	struct err e = ERR_INIT;
	struct csv_reader *r;
	struct csv_record rec;
	int rc, n = 0;
	REQUIRE(csv_open(p1, &STD, &r, &e) == 0);
	while ((rc = csv_next(r, &rec, &e)) == CSV_RECORD)
		n++;
	CHECK_INT(rc, CSV_EOF);
	CHECK_INT(n, 50000);
	char h1[65], h2[65];
	uint64_t nb;
	csv_digest(r, h1, &nb);
	csv_close(r);
	CHECK_OK(lake_sha256(p1, h2, &e), &e);
	CHECK_STR(h1, h2);

	REQUIRE(csv_open(p2, &STD, &r, &e) == 0);
	while ((rc = csv_next(r, &rec, &e)) == CSV_RECORD)
		;
	CHECK(rc < 0);
	CHECK(e.msg && strstr(e.msg, "truncated gzip"));
	err_clear(&e);
	csv_close(r);
	buf_free(&in);
	free(p1);
	free(p2);
	free(dir);
}

TEST(sha256_known_value)
{
	char *p = path_join(test_tmpdir(), "abc.txt");
	struct err e = ERR_INIT;
	fs_write_atomic(p, "abc", 3, &e);
	char h[65];
	CHECK_OK(lake_sha256(p, h, &e), &e);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(p);
}

TEST(lake_list_matches_gz_too)
{
	const char *root = test_tmpdir();
	struct err e = ERR_INIT;
	char *d = path_join(root, "orders");
	fs_mkdir_p(d, &e);
	const char *names[] = {"orders/o_2.csv", "orders/o_1.csv.gz", "orders/other.txt",
			       "orders/.o_3.csv"};
	for (size_t i = 0; i < 4; i++) {
		char *p = path_join(root, names[i]);
		fs_write_atomic(p, "x\n", 2, &e);
		free(p);
	}
	struct arena *a = arena_new(0);
	struct lake_file *f;
	size_t n;
	CHECK_OK(lake_list(root, "orders/o_*.csv", a, &f, &n, &e), &e);
	REQUIRE(n == 2);
	CHECK_STR(f[0].rel, "orders/o_1.csv.gz");
	CHECK_STR(f[1].rel, "orders/o_2.csv");
	CHECK_INT(f[1].size, 2);
	CHECK(f[1].mtime_us > 0);
	CHECK(lake_list("/nonexistent/lake", "*.csv", a, &f, &n, &e) == ING_ENOTFOUND);
	err_clear(&e);
	arena_free(a);
	free(d);
}

TEST(parse_int64)
{
	int64_t v;
	CHECK(lake_parse_int64("123", 3, &v) == 0 && v == 123);
	CHECK(lake_parse_int64("-9223372036854775808", 20, &v) == 0 && v == INT64_MIN);
	CHECK(lake_parse_int64("9223372036854775807", 19, &v) == 0 && v == INT64_MAX);
	CHECK(lake_parse_int64("9223372036854775808", 19, &v) < 0);
	CHECK(lake_parse_int64("99999999999999999999", 20, &v) < 0);
	CHECK(lake_parse_int64("1.5", 3, &v) < 0);
	CHECK(lake_parse_int64("1.0", 3, &v) < 0);
	CHECK(lake_parse_int64("abc", 3, &v) < 0);
	CHECK(lake_parse_int64(" 1", 2, &v) < 0);
	CHECK(lake_parse_int64("-", 1, &v) < 0);
	CHECK(lake_parse_int64("1e3", 3, &v) < 0);
}

TEST(parse_double)
{
	double v;
	CHECK(lake_parse_double("1.5", 3, &v) == 0 && v == 1.5);
	CHECK(lake_parse_double("-0.1", 4, &v) == 0 && v == -0.1);
	CHECK(lake_parse_double("12.34e2", 7, &v) == 0 && v == 1234.0);
	CHECK(lake_parse_double(".5", 2, &v) == 0 && v == 0.5);
	CHECK(lake_parse_double("5.", 2, &v) == 0 && v == 5.0);
	const char *hard = "0.30000000000000004440892098500626";
	CHECK(lake_parse_double(hard, strlen(hard), &v) == 0 && v == strtod(hard, NULL));
	CHECK(lake_parse_double("1e308", 5, &v) == 0 && v == 1e308);
	CHECK(lake_parse_double("1e400", 5, &v) < 0);
	CHECK(lake_parse_double("-1e400", 6, &v) < 0);
	CHECK(lake_parse_double("inf", 3, &v) < 0);
	CHECK(lake_parse_double("nan", 3, &v) < 0);
	CHECK(lake_parse_double("Infinity", 8, &v) < 0);
	CHECK(lake_parse_double("0x10", 4, &v) < 0);
	CHECK(lake_parse_double("1e", 2, &v) < 0);
	CHECK(lake_parse_double(".", 1, &v) < 0);
	CHECK(lake_parse_double("1,5", 3, &v) < 0);
	/* underflow to 0 changes the value: refused; subnormals and zero are fine */
	CHECK(lake_parse_double("1e-400", 6, &v) == -2);
	CHECK(lake_parse_double("-2.5e-330", 9, &v) == -2);
	CHECK(lake_parse_double("0.000000000000000000000000000001e-400", 37, &v) == -2);
	CHECK(lake_parse_double("0e-400", 6, &v) == 0 && v == 0);
	CHECK(lake_parse_double("0.0", 3, &v) == 0 && v == 0);
	CHECK(lake_parse_double("1e-310", 6, &v) == 0 && v > 0);
	/* random round trips against strtod */
	char tmp[64];
	unsigned seed = 12345;
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		double x = (double)(seed % 1000000) / 100.0 * ((seed >> 8) % 3 ? 1 : 1e-7);
		int n = snprintf(tmp, sizeof(tmp), "%.*g", 1 + (int)(seed % 17), x);
		double a = strtod(tmp, NULL);
		if (lake_parse_double(tmp, (size_t)n, &v) || v != a) {
			CHECK(!"round trip");
			break;
		}
	}
}

TEST(parse_decimal_and_bool)
{
	__int128 v;
	/* more decimals than the scale would round: refused, never rounded */
	CHECK(lake_parse_decimal("12.345", 6, 10, 2, &v) == -3);
	CHECK(lake_parse_decimal("-12.344", 7, 10, 2, &v) == -3);
	CHECK(lake_parse_decimal("12.3400", 7, 10, 2, &v) == 0 && v == 1234);
	CHECK(lake_parse_decimal("-0.5", 4, 10, 0, &v) == -3);
	CHECK(lake_parse_decimal("12", 2, 10, 2, &v) == 0 && v == 1200);
	CHECK(lake_parse_decimal("-12.3", 5, 10, 2, &v) == 0 && v == -1230);
	CHECK(lake_parse_decimal("12345678.99", 11, 10, 2, &v) == 0 && v == 1234567899);
	CHECK(lake_parse_decimal("000012345678.99", 15, 10, 2, &v) == 0);
	CHECK(lake_parse_decimal("123456789", 9, 10, 2, &v) == -2);
	CHECK(lake_parse_decimal("123456789.1234", 14, 10, 2, &v) == -2);
	CHECK(lake_parse_decimal("1.2.3", 5, 10, 2, &v) == -1);
	CHECK(lake_parse_decimal("1e5", 3, 10, 2, &v) < 0);
	bool b;
	CHECK(lake_parse_bool("TRUE", 4, &b) == 0 && b);
	CHECK(lake_parse_bool("f", 1, &b) == 0 && !b);
	CHECK(lake_parse_bool("0", 1, &b) == 0 && !b);
	CHECK(lake_parse_bool("maybe", 5, &b) < 0);
}

TEST(parse_ts_format)
{
	int64_t us;
	CHECK(lake_parse_ts_fmt("%d/%m/%Y %H:%M", "31/12/2024 23:59", 16, true, &us) == 0);
	CHECK(us == (days_from_civil(2024, 12, 31) * 86400 + 23 * 3600 + 59 * 60) * 1000000);
	CHECK(lake_parse_ts_fmt("%d/%m/%Y", "30/02/2024", 10, true, &us) < 0);
	CHECK(lake_parse_ts_fmt("%Y-%m-%dT%H:%M:%S%z", "2024-01-01T02:00:00+02:00", 25, true, &us) == 0);
	CHECK(us == days_from_civil(2024, 1, 1) * 86400 * INT64_C(1000000));
	CHECK(lake_parse_ts_fmt("%Y-%m-%d %H:%M:%S%z", "2024-01-01 02:00:00+02", 22, false, &us) < 0);
}

static struct csv_record one(const char **fields, size_t n, uint32_t *lens, uint8_t *q)
{
	struct csv_record r = {0};
	for (size_t i = 0; i < n; i++) {
		lens[i] = (uint32_t)strlen(fields[i]);
		q[i] = 0;
	}
	r.nfields = n;
	r.f = fields;
	r.len = lens;
	r.quoted = q;
	return r;
}

TEST(conv_rows_into_batch)
{
	struct lake_col cols[] = {
		{"id", {WH_INT64, 0, 0, 0}},     {"price", {WH_DOUBLE, 0, 0, 0}},
		{"name", {WH_TEXT, 0, 0, 0}},    {"at", {WH_TIMESTAMP, 0, 0, 0}},
		{"day", {WH_DATE, 0, 0, 0}},     {"ok", {WH_BOOL, 0, 0, 0}},
		{"amt", {WH_DECIMAL, 10, 2, 0}}, {"civil", {WH_DATETIME, 0, 0, 0}},
	};
	struct lake_conv_opts o = {"NA", NULL, NULL};
	struct lake_conv *c = lake_conv_new(cols, 8, &o);
	uint32_t lens[8];
	uint8_t q[8];
	const char *r1[] = {"1", "2.5", "ann", "2024-01-01 10:00:00+02:00", "2024-02-29", "true",
			    "3.14", "2024-01-01 10:00:00"};
	struct csv_record rec = one(r1, 8, lens, q);
	size_t bc;
	const char *why;
	CHECK(lake_conv_row(c, &rec, &bc, &why) == 0);
	const char *r2[] = {"", "NA", "", "", "", "", "", ""};
	rec = one(r2, 8, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) == 0);
	const char *r3[] = {"3", "1e400", "x", "", "", "", "", ""};
	rec = one(r3, 8, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_INT(bc, 1);
	CHECK_STR(why, "column 'price': '1e400' is not a finite FLOAT64");
	const char *r4[] = {"4", "1", "x", "", "2023-02-30", "", "", ""};
	rec = one(r4, 8, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_INT(bc, 4);
	const char *r5[] = {"4", "1", "x", "2024-01-01 25:00:00", "", "", "", ""};
	rec = one(r5, 8, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_INT(bc, 3);
	const char *r6[] = {"2.0", "1", "x", "", "", "", "", ""};
	rec = one(r6, 8, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_STR(why, "column 'id': '2.0' is not a whole number for INT64");
	const char *r7[] = {"1", "1", "x", "", "", "", "", "2024-01-01 10:00:00Z"};
	rec = one(r7, 8, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_INT(bc, 7);

	const struct wh_batch *b = lake_conv_batch(c);
	REQUIRE(b->nrows == 2);
	CHECK(((int64_t *)b->cols[0].data)[0] == 1);
	CHECK(((double *)b->cols[1].data)[0] == 2.5);
	struct wh_str s = ((struct wh_str *)b->cols[2].data)[0];
	CHECK(s.n == 3 && !memcmp(s.p, "ann", 3));
	CHECK(((int64_t *)b->cols[3].data)[0] ==
	      (days_from_civil(2024, 1, 1) * 86400 + 8 * 3600) * INT64_C(1000000));
	CHECK(((int32_t *)b->cols[4].data)[0] == days_from_civil(2024, 2, 29));
	CHECK(((bool *)b->cols[5].data)[0]);
	CHECK(((__int128 *)b->cols[6].data)[0] == 314);
	for (size_t i = 0; i < 8; i++) {
		CHECK(b->cols[i].valid[0] == 1);
		CHECK(b->cols[i].valid[1] == 0);
	}
	lake_conv_reset(c);
	CHECK_INT(lake_conv_rows(c), 0);
	lake_conv_free(c);
}

/* NUMERIC rounding, FLOAT64 underflow and VARCHAR(n) lengths are rejects
 * with a reason, never a changed value. */
TEST(conv_no_silent_change)
{
	struct lake_col cols[] = {
		{"amt", {WH_DECIMAL, 6, 2, 0}},
		{"x", {WH_DOUBLE, 0, 0, 0}},
		{"code", {WH_TEXT, 0, 0, 3}},
	};
	struct lake_conv *c = lake_conv_new(cols, 3, NULL);
	uint32_t lens[3];
	uint8_t q[3];
	size_t bc;
	const char *why;
	const char *ok[] = {"1234.50", "1e-300", "\xc3\xa9t\xc3\xa9"}; /* 3 characters */
	struct csv_record rec = one(ok, 3, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) == 0);
	const char *r1[] = {"1.005", "1", "abc"};
	rec = one(r1, 3, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_STR(why, "column 'amt': '1.005' has more than 2 decimals for NUMERIC(6,2) (it would "
		       "be rounded)");
	const char *r2[] = {"12345", "1", "abc"};
	rec = one(r2, 3, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_STR(why, "column 'amt': '12345' has more than 4 digits before the point for "
		       "NUMERIC(6,2)");
	const char *r3[] = {"1", "1e-400", "abc"};
	rec = one(r3, 3, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_INT(bc, 1);
	CHECK_STR(why, "column 'x': '1e-400' is too small for FLOAT64 (it would become 0)");
	const char *r4[] = {"1", "1", "\xc3\xa9t\xc3\xa9s"};
	rec = one(r4, 3, lens, q);
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK_INT(bc, 2);
	CHECK_STR(why, "column 'code': '\xc3\xa9t\xc3\xa9s' has 4 characters, more than the 3 of "
		       "VARCHAR(3)");
	const struct wh_batch *b = lake_conv_batch(c);
	REQUIRE(b->nrows == 1);
	CHECK(((__int128 *)b->cols[0].data)[0] == 123450);
	CHECK(((double *)b->cols[1].data)[0] == 1e-300);
	lake_conv_free(c);

	/* a long value in a message is cut at a character boundary */
	struct lake_col one_col[] = {{"v", {WH_INT64, 0, 0, 0}}};
	c = lake_conv_new(one_col, 1, NULL);
	char v[80];
	memset(v, 'a', 59);
	memcpy(v + 59, "\xc3\xa9", 2);
	memset(v + 61, 'b', 10);
	const char *f1[] = {v};
	uint32_t l1 = 71;
	uint8_t q1 = 0;
	rec = (struct csv_record){1, f1, &l1, &q1, 1, NULL, 0, NULL};
	CHECK(lake_conv_row(c, &rec, &bc, &why) < 0);
	CHECK(lake_utf8_valid(why, strlen(why)));
	lake_conv_free(c);
}

TEST(conv_many_texts_stay_valid)
{
	struct lake_col cols[] = {{"t", {WH_TEXT, 0, 0, 0}}};
	struct lake_conv *c = lake_conv_new(cols, 1, NULL);
	char big[3000];
	memset(big, 'z', sizeof(big));
	uint32_t len;
	uint8_t q = 1;
	const char *f = big;
	struct csv_record rec = {1, &f, &len, &q, 1, NULL, 0, NULL};
	size_t bc;
	const char *why;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < LAKE_BATCH_ROWS; i++) {
			big[0] = (char)('a' + i % 26);
			len = (uint32_t)(i % 7 == 0 ? 2500 : i % 50);
			CHECK(lake_conv_row(c, &rec, &bc, &why) == 0);
		}
		CHECK(lake_conv_full(c));
		const struct wh_batch *b = lake_conv_batch(c);
		int bad = 0;
		for (size_t i = 0; i < LAKE_BATCH_ROWS; i++) {
			struct wh_str s = ((struct wh_str *)b->cols[0].data)[i];
			size_t want = i % 7 == 0 ? 2500 : i % 50;
			if (s.n != want || (want && s.p[0] != (char)('a' + i % 26)))
				bad++;
		}
		CHECK_INT(bad, 0);
		CHECK(b->cols[0].valid == NULL); /* no NULLs: no mask */
		lake_conv_reset(c);
	}
	lake_conv_free(c);
}

TEST(infer_types)
{
	struct lake_infer a = {0}, b = {0}, d = {0}, t = {0};
	lake_infer_add(&a, "1", 1);
	lake_infer_add(&a, "22", 2);
	lake_infer_add(&b, "1", 1);
	lake_infer_add(&b, "2.5", 3);
	lake_infer_add(&d, "2024-01-01", 10);
	lake_infer_add(&t, "2024-01-01 10:00:00", 19);
	lake_infer_add(&t, "x", 1);
	CHECK(lake_infer_type(&a).type == WH_INT64);
	CHECK(lake_infer_type(&b).type == WH_DOUBLE);
	CHECK(lake_infer_type(&d).type == WH_DATE);
	CHECK(lake_infer_type(&t).type == WH_TEXT);
}

/* ---- sources ---- */

TEST(sources_decode)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	const char *y = "version: 2\n"
			"models:\n  - name: m\n"
			"sources:\n"
			"  - name: raw\n"
			"    schema: bronze\n"
			"    loader: ingot\n"
			"    freshness: {warn_after: {count: 1, period: day}}\n"
			"    loaded_at_field: _loaded_at\n"
			"    tables:\n"
			"      - name: order_items\n"
			"        identifier: oi\n"
			"        external:\n"
			"          location: \"order_items/*.csv\"\n"
			"          options: {header: true, write_disposition: append, max_bad_records: 5,"
			" delimiter: \"\\t\", null_marker: NA}\n"
			"        columns:\n"
			"          - {name: id, data_type: INT64, data_tests: [unique, not_null]}\n"
			"          - {name: price, data_type: 'numeric(10,2)', description: the price}\n"
			"      - name: users\n"
			"  - name: other\n";
	struct ynode *root;
	REQUIRE(yaml_load_string(y, strlen(y), "p.yml", a, &root, &e) == 0);
	struct source_set ss = {0};
	CHECK_OK(sources_add_file(&ss, root, a, &e), &e);
	REQUIRE(ss.n == 2);
	const struct src_table *t = sources_find(&ss, "raw", "order_items");
	REQUIRE(t);
	CHECK_STR(t->source->schema, "bronze");
	CHECK_STR(t->identifier, "oi");
	CHECK_STR(t->loaded_at_field, "_loaded_at");
	CHECK(t->freshness != NULL);
	REQUIRE(t->external);
	CHECK_STR(t->external->location, "order_items/*.csv");
	CHECK(t->external->options.write_disposition == SRC_WRITE_APPEND);
	CHECK_INT(t->external->options.max_bad_records, 5);
	CHECK(t->external->options.delimiter == '\t');
	CHECK(t->external->options.escape == '"');
	CHECK_STR(t->external->options.null_marker, "NA");
	CHECK_INT(t->external->options.max_record_bytes, 16 << 20);
	REQUIRE(t->ncolumns == 2);
	CHECK_STR(t->columns[1].data_type, "numeric(10,2)");
	CHECK_STR(t->columns[1].description, "the price");
	CHECK(t->columns[0].tests && t->columns[0].tests->n == 2);
	const struct src_table *u = sources_find(&ss, "raw", "users");
	REQUIRE(u);
	CHECK(u->external == NULL);
	CHECK_STR(u->identifier, "users");
	CHECK_STR(sources_find_source(&ss, "other")->schema, "other");
	CHECK(sources_find(&ss, "raw", "nope") == NULL);
	CHECK_INT(sources_count_tables(&ss), 2);
	arena_free(a);
}

static int decode_err(const char *y, struct err *e)
{
	struct arena *a = arena_new(0);
	struct ynode *root;
	struct source_set ss = {0};
	int rc = yaml_load_string(y, strlen(y), "p.yml", a, &root, e);
	if (!rc)
		rc = sources_add_file(&ss, root, a, e);
	arena_free(a);
	return rc;
}

TEST(sources_errors_have_locations)
{
	struct err e = ERR_INIT;
	CHECK(decode_err("sources:\n  - name: raw\n    tabels: []\n", &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "did you mean 'tables'"));
	CHECK_INT(e.line, 3);
	err_clear(&e);
	CHECK(decode_err("sources:\n  - name: raw\n    tables:\n      - name: t\n        external:\n"
			 "          location: x\n          options: {write_disposition: merge}\n",
			 &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "truncate or append"));
	err_clear(&e);
	CHECK(decode_err("sources:\n  - name: raw\n    tables: [{name: t}, {name: t}]\n", &e) ==
	      ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "declared twice"));
	err_clear(&e);
	CHECK(decode_err("sources:\n  - name: raw\n    tables:\n      - name: t\n        external: {}\n",
			 &e) == ING_ECONFIG);
	err_clear(&e);
	/* other top-level keys are not ours */
	CHECK(decode_err("version: 2\nseeds: [{name: s}]\nexposures: []\nmacros: []\n", &e) == 0);
}

TEST(sources_load_walks_model_paths)
{
	const char *dir = test_tmpdir();
	struct err e = ERR_INIT;
	char *m = path_join(dir, "models/staging");
	fs_mkdir_p(m, &e);
	char *f1 = path_join(dir, "models/staging/_sources.yml");
	char *f2 = path_join(dir, "models/other.yaml");
	char *p = path_join(dir, "dbt_project.yml");
	const char *y1 = "sources:\n  - name: raw\n    tables: [{name: a}]\n";
	const char *y2 = "sources:\n  - name: raw\n    tables: [{name: b}]\nmodels: []\n";
	const char *yp = "name: demo\nprofile: demo\n";
	fs_write_atomic(f1, y1, strlen(y1), &e);
	fs_write_atomic(f2, y2, strlen(y2), &e);
	fs_write_atomic(p, yp, strlen(yp), &e);
	struct project_opts po = {.project_dir = dir};
	struct project *pr = NULL;
	CHECK_OK(project_load(&po, &pr, &e), &e);
	REQUIRE(pr);
	struct source_set ss;
	CHECK_OK(sources_load(pr, pr->arena, &ss, &e), &e);
	CHECK(sources_find(&ss, "raw", "a") && sources_find(&ss, "raw", "b"));
	CHECK(sources_find(&ss, "raw", "a")->source->tables[0].source == sources_find(&ss, "raw", "a")->source);
	/* the same table in two files is an error */
	const char *y3 = "sources:\n  - name: raw\n    tables: [{name: a}]\n";
	fs_write_atomic(f2, y3, strlen(y3), &e);
	CHECK(sources_load(pr, pr->arena, &ss, &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "also declared"));
	err_clear(&e);
	project_free(pr);
	free(m);
	free(f1);
	free(f2);
	free(p);
}

TEST(csv_other_dialects)
{
	struct csv_opts tab = {
		.delimiter = '\t', .quote = '"', .escape = '"', .max_record_bytes = 1 << 20};
	const char *in = "a\tb,c\n\"x\ty\"\t2\n";
	char *got = render_opts(in, strlen(in), &tab);
	CHECK_STR(got, "1:[a|b,c] 2:[{x\ty}|2] ");
	free(got);
	struct csv_opts bs = {
		.delimiter = ',', .quote = '"', .escape = '\\', .max_record_bytes = 1 << 20};
	in = "\"a\\\"b\",\"c\\\\d\"\n";
	got = render_opts(in, strlen(in), &bs);
	CHECK_STR(got, "1:[{a\"b}|{c\\d}] ");
	free(got);
	struct csv_opts noq = {.delimiter = '|', .max_record_bytes = 1 << 20};
	in = "\"a\"|b\n";
	got = render_opts(in, strlen(in), &noq);
	CHECK_STR(got, "1:[\"a\"|b] ");
	free(got);
}
