/*
 * gen/thelook.c — the thelook generator: plan, rows, defects, parallel writer.
 *
 * What it does: plans how many users and orders each day of the range gets
 * and how many items, inventory items and events each order has (so every
 * id is dense and known for any range of orders), then renders rows in
 * chunks on worker threads and writes each file's chunks in order through
 * core/fs atomic files. See gen/thelook.h for the layout and the rules.
 *
 * What it deliberately does not do: read anything back, sort, or hold a
 * table in memory. Every value of a row is a function of (seed, stream, row
 * number) through a counter-based RNG, so a chunk can be rendered anywhere,
 * in any order, by any thread — the file's bytes do not depend on threads.
 *
 * Written by hand, and why:
 * - number, decimal and timestamp formatting: printf per field would cost
 *   more than everything else together; rows are written straight into
 *   large buffers, one day's date text cached per chunk.
 * - the RNG: splitmix64's finaliser over the key, then a Weyl sequence
 *   (counter-based, like Philox but 2 multiplies a draw). libc rand is
 *   neither keyed nor portable.
 * - parallel gzip: each chunk is deflated on its own (raw deflate ending in a
 *   sync flush), the pieces concatenated into one gzip member with the CRCs
 *   combined (crc32_combine) — the technique pigz uses — so compression runs
 *   on every thread and the bytes do not depend on the thread count.
 *
 * Rejected alternatives: per-thread files (bytes would depend on threads);
 * sequential id streams (windows could not be cut without generating
 * everything before them); multi-member gzip (some readers stop after the
 * first member).
 */
#include "gen/thelook.h"
#include "gen/thelook_data.h"
#include "gen/thelook_int.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"
#include "core/progress.h"
#include "core/vec.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------------ tables */

static const struct gen_column c_users[] = {
	{"id", GEN_INT64}, {"first_name", GEN_STRING}, {"last_name", GEN_STRING},
	{"email", GEN_STRING}, {"age", GEN_INT64}, {"gender", GEN_STRING},
	{"state", GEN_STRING}, {"street_address", GEN_STRING}, {"postal_code", GEN_STRING},
	{"city", GEN_STRING}, {"country", GEN_STRING}, {"latitude", GEN_FLOAT64},
	{"longitude", GEN_FLOAT64}, {"traffic_source", GEN_STRING},
	{"created_at", GEN_TIMESTAMP}, {"user_geom", GEN_STRING},
};
static const struct gen_column c_orders[] = {
	{"order_id", GEN_INT64}, {"user_id", GEN_INT64}, {"status", GEN_STRING},
	{"gender", GEN_STRING}, {"created_at", GEN_TIMESTAMP}, {"returned_at", GEN_TIMESTAMP},
	{"shipped_at", GEN_TIMESTAMP}, {"delivered_at", GEN_TIMESTAMP},
	{"num_of_item", GEN_INT64},
};
static const struct gen_column c_items[] = {
	{"id", GEN_INT64}, {"order_id", GEN_INT64}, {"user_id", GEN_INT64},
	{"product_id", GEN_INT64}, {"inventory_item_id", GEN_INT64}, {"status", GEN_STRING},
	{"created_at", GEN_TIMESTAMP}, {"shipped_at", GEN_TIMESTAMP},
	{"delivered_at", GEN_TIMESTAMP}, {"returned_at", GEN_TIMESTAMP},
	{"sale_price", GEN_FLOAT64},
};
static const struct gen_column c_products[] = {
	{"id", GEN_INT64}, {"cost", GEN_FLOAT64}, {"category", GEN_STRING},
	{"name", GEN_STRING}, {"brand", GEN_STRING}, {"retail_price", GEN_FLOAT64},
	{"department", GEN_STRING}, {"sku", GEN_STRING}, {"distribution_center_id", GEN_INT64},
};
static const struct gen_column c_inventory[] = {
	{"id", GEN_INT64}, {"product_id", GEN_INT64}, {"created_at", GEN_TIMESTAMP},
	{"sold_at", GEN_TIMESTAMP}, {"cost", GEN_FLOAT64}, {"product_category", GEN_STRING},
	{"product_name", GEN_STRING}, {"product_brand", GEN_STRING},
	{"product_retail_price", GEN_FLOAT64}, {"product_department", GEN_STRING},
	{"product_sku", GEN_STRING}, {"product_distribution_center_id", GEN_INT64},
};
static const struct gen_column c_centers[] = {
	{"id", GEN_INT64}, {"name", GEN_STRING}, {"latitude", GEN_FLOAT64},
	{"longitude", GEN_FLOAT64}, {"distribution_center_geom", GEN_STRING},
};
static const struct gen_column c_events[] = {
	{"id", GEN_INT64}, {"user_id", GEN_INT64}, {"sequence_number", GEN_INT64},
	{"session_id", GEN_STRING}, {"created_at", GEN_TIMESTAMP}, {"ip_address", GEN_STRING},
	{"city", GEN_STRING}, {"state", GEN_STRING}, {"postal_code", GEN_STRING},
	{"browser", GEN_STRING}, {"traffic_source", GEN_STRING}, {"uri", GEN_STRING},
	{"event_type", GEN_STRING},
};

#define TBL(n, c) {n, c, (unsigned)(sizeof(c) / sizeof((c)[0]))}
const struct gen_table gen_tables[GEN_NTABLES] = {
	TBL("users", c_users),
	TBL("orders", c_orders),
	TBL("order_items", c_items),
	TBL("products", c_products),
	TBL("inventory_items", c_inventory),
	TBL("distribution_centers", c_centers),
	TBL("events", c_events),
};

const char *const gen_defect_names[GEN_D_NKINDS] = {
	"malformed_number", "malformed_timestamp", "short_row", "long_row",
	"unterminated_quote", "invalid_utf8", "nul_byte", "duplicate_id",
	"orphan_fk", "negative_price", "shipped_before_created",
};

const char *gen_type_name(enum gen_type t)
{
	static const char *const n[] = {"INT64", "FLOAT64", "STRING", "TIMESTAMP"};
	return n[t];
}

/* Columns that take the table-specific defects (-1 terminated). */
static const int fk_cols[GEN_NTABLES][5] = {
	[GEN_USERS] = {-1},
	[GEN_ORDERS] = {1, -1},
	[GEN_ORDER_ITEMS] = {1, 2, 3, 4, -1},
	[GEN_PRODUCTS] = {8, -1},
	[GEN_INVENTORY_ITEMS] = {1, -1},
	[GEN_DISTRIBUTION_CENTERS] = {-1},
	[GEN_EVENTS] = {1, -1},
};
static const int price_cols[GEN_NTABLES][3] = {
	[GEN_USERS] = {-1},
	[GEN_ORDERS] = {-1},
	[GEN_ORDER_ITEMS] = {10, -1},
	[GEN_PRODUCTS] = {1, 5, -1},
	[GEN_INVENTORY_ITEMS] = {4, 8, -1},
	[GEN_DISTRIBUTION_CENTERS] = {-1},
	[GEN_EVENTS] = {-1},
};
/* shipped_at and created_at column of the tables that have both. */
static const int ship_cols[GEN_NTABLES][2] = {
	[GEN_USERS] = {-1, -1},
	[GEN_ORDERS] = {6, 4},
	[GEN_ORDER_ITEMS] = {7, 6},
	[GEN_PRODUCTS] = {-1, -1},
	[GEN_INVENTORY_ITEMS] = {-1, -1},
	[GEN_DISTRIBUTION_CENTERS] = {-1, -1},
	[GEN_EVENTS] = {-1, -1},
};

void gen_opts_default(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->out = "lake";
	o->scale = 1;
	o->seed = 42;
	o->files = 1;
	o->threads = 2;
	o->tables = (1u << GEN_NTABLES) - 1;
	int32_t d;
	date_parse(GEN_DEFAULT_FROM, 10, &d);
	o->from = d;
	date_parse(GEN_DEFAULT_TO, 10, &d);
	o->to = d;
}

int gen_tables_parse(const char *list, unsigned *mask, struct err *e)
{
	unsigned m = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ", ");
		if (n) {
			unsigned t;
			for (t = 0; t < GEN_NTABLES; t++)
				if (strlen(gen_tables[t].name) == n && !strncmp(gen_tables[t].name, p, n))
					break;
			if (t == GEN_NTABLES)
				return err_set(e, ING_EINVAL,
					       "unknown table '%.*s' (thelook has users, orders, order_items, "
					       "products, inventory_items, distribution_centers, events)",
					       (int)n, p);
			m |= 1u << t;
		}
		p += n;
		if (*p)
			p++;
	}
	if (!m)
		return err_set(e, ING_EINVAL, "--tables names no table");
	*mask = m;
	return 0;
}

/* --------------------------------------------------------------------- RNG */

enum stream {
	S_USER = 1, S_ORDER, S_SHAPE, S_ITEM, S_INV, S_SESSION, S_ANON, S_PRODUCT,
	S_DAY_USERS, S_DAY_ORDERS, S_DIRTY /* + table */
};

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static inline struct rng rng_at(uint64_t seed, unsigned stream, uint64_t id)
{
	struct rng r = {mix64(seed * UINT64_C(0x9e3779b97f4a7c15) ^
			      mix64(((uint64_t)stream << 52) ^ (id + 1)))};
	return r;
}

static inline uint64_t rng_next(struct rng *r)
{
	r->s += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(r->s);
}

/* Uniform in [0, n). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* A weighted choice: cumulative weights, binary search. */
struct picker {
	uint32_t n;
	uint64_t total;
	uint64_t *cum; /* cum[i] = sum of weights 0..i */
};

static void picker_init(struct picker *p, const unsigned *w, size_t n)
{
	p->n = (uint32_t)n;
	p->cum = xmalloc(n * sizeof(uint64_t));
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		p->cum[i] = t += w[i];
	p->total = t;
}

static void picker_weighted(struct picker *p, const struct gen__weighted *w, size_t n)
{
	unsigned *ws = xmalloc(n * sizeof(unsigned));
	for (size_t i = 0; i < n; i++)
		ws[i] = w[i].weight;
	picker_init(p, ws, n);
	free(ws);
}

static inline uint32_t pick(const struct picker *p, struct rng *r)
{
	uint64_t x = rng_below(r, p->total);
	uint32_t lo = 0, hi = p->n - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (p->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* -------------------------------------------------------------- formatting */

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			      "8081828384858687888990919293949596979899";

static inline char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	char *t = tmp + sizeof(tmp);
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);
		v /= 100;
		t -= 2;
		memcpy(t, digits2 + 2 * d, 2);
	}
	if (v >= 10) {
		t -= 2;
		memcpy(t, digits2 + 2 * v, 2);
	} else {
		*--t = (char)('0' + v);
	}
	size_t n = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(p, t, n);
	return p + n;
}

static inline char *put_2(char *p, unsigned v)
{
	memcpy(p, digits2 + 2 * v, 2);
	return p + 2;
}

/* v / 10^dec as a decimal without trailing zeros (at least one fraction
 * digit: "60.0", "59.9", "59.99"). */
static char *put_dec(char *p, int64_t v, unsigned dec)
{
	static const uint64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
	uint64_t a;
	if (v < 0) {
		*p++ = '-';
		a = (uint64_t)(-(v + 1)) + 1;
	} else {
		a = (uint64_t)v;
	}
	p = put_u64(p, a / pow10[dec]);
	uint64_t f = a % pow10[dec];
	*p++ = '.';
	if (!f) {
		*p++ = '0';
		return p;
	}
	unsigned n = dec;
	while (f % 10 == 0) {
		f /= 10;
		n--;
	}
	for (unsigned i = n; i > 0; i--) {
		p[i - 1] = (char)('0' + f % 10);
		f /= 10;
	}
	return p + n;
}

struct tscache {
	int64_t day;
	char date[11]; /* "YYYY-MM-DD " */
};

static inline int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return q - ((a % b) < 0);
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff] UTC" */
static char *put_ts(char *p, int64_t us, struct tscache *c)
{
	int64_t day = floordiv(us, US_PER_DAY);
	if (day != c->day) {
		int y;
		unsigned m, d;
		civil_from_days(day, &y, &m, &d);
		char *q = c->date;
		q = put_2(q, (unsigned)(y / 100));
		q = put_2(q, (unsigned)(y % 100));
		*q++ = '-';
		q = put_2(q, m);
		*q++ = '-';
		q = put_2(q, d);
		*q = ' ';
		c->day = day;
	}
	memcpy(p, c->date, 11);
	p += 11;
	int64_t t = us - day * US_PER_DAY;
	unsigned sec = (unsigned)(t / US_PER_SEC), frac = (unsigned)(t % US_PER_SEC);
	p = put_2(p, sec / 3600);
	*p++ = ':';
	p = put_2(p, sec / 60 % 60);
	*p++ = ':';
	p = put_2(p, sec % 60);
	if (frac) {
		*p++ = '.';
		p = put_2(p, frac / 10000);
		p = put_2(p, frac / 100 % 100);
		p = put_2(p, frac % 100);
	}
	memcpy(p, " UTC", 4);
	return p + 4;
}

static inline char *put_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* Pre-encoded CSV field text. */
struct field {
	const char *p;
	uint32_t n;
};
static inline char *put_field(char *p, struct field f)
{
	memcpy(p, f.p, f.n);
	return p + f.n;
}

/* The CSV form of s: quoted (quotes doubled) only when needed. malloc'd. */
static struct field csv_encode(const char *s)
{
	size_t n = strlen(s);
	if (strcspn(s, ",\"\r\n") == n)
		return (struct field){xstrdup(s), (uint32_t)n};
	char *o = xmalloc(2 * n + 3), *q = o;
	*q++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			*q++ = '"';
		*q++ = s[i];
	}
	*q++ = '"';
	*q = 0;
	return (struct field){o, (uint32_t)(q - o)};
}

/* Lower-case ASCII slug for URIs; Latin-1 letters lose their accents. */
static void slugify(const char *s, char *out, size_t cap)
{
	static const char lat[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"; /* U+00C0..U+00DF */
	size_t n = 0;
	bool dash = false;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 3 < cap; p++) {
		char c = 0;
		if (*p < 0x80) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				c = (char)*p;
			else if (*p >= 'A' && *p <= 'Z')
				c = (char)(*p + 32);
		} else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			c = lat[(p[1] - 0x80) & 0x1F];
			if (c == ' ')
				c = 0;
			p++;
			if (c == 's' && p[0] == 0x9F) { /* ß */
				out[n++] = 's';
			}
		} else if (*p >= 0xC0) {
			while ((p[1] & 0xC0) == 0x80)
				p++;
		}
		if (c) {
			if (dash && n)
				out[n++] = '-';
			out[n++] = c;
			dash = false;
		} else if (*p == ' ' || *p == '-' || *p == '&' || *p == '/') {
			dash = true;
		}
	}
	out[n] = 0;
}

/* -------------------------------------------------------------------- plan */

#define BLOCK 1024 /* orders per prefix-sum block */

struct product {
	struct field frag; /* "cost,category,name,brand,retail,department,sku,dc" */
	struct field dept_uri;
	uint32_t retail_cents, cost_cents;
	uint8_t dept; /* 0 Women, 1 Men */
};

struct city_enc {
	struct field city, state, country;
};

struct plan {
	uint64_t seed;
	int32_t from;
	uint32_t ndays;
	uint64_t nusers, norders;
	uint64_t *users_cum;  /* [ndays+1]: users created before day d */
	uint64_t *orders_cum; /* [ndays+1] */
	uint8_t *o_items, *o_inv;
	uint16_t *o_events;
	uint64_t *b_items, *b_inv, *b_events; /* [nblocks+1] prefix at block start */
	struct product products[29120];
	uint32_t *dept_products[2];
	uint32_t ndept[2];
	struct picker cities, user_sources, event_sources, browsers, statuses, brands,
		categories, centers;
	struct city_enc *city;
	struct field *first_f, *first_m, *last;
	struct field *user_src, *event_src, *browser, *status, *center_name;
	char *store; /* product fragments, all in one block */
};

#define NPRODUCTS 29120u

struct shape {
	unsigned nitems, extra[4], ninv;
	unsigned nanon, pairs[4], cart[4];
	unsigned nevents;
};

static void order_shape(uint64_t seed, uint64_t i, struct shape *s)
{
	struct rng r = rng_at(seed, S_SHAPE, i);
	uint64_t u = rng_below(&r, 100);
	s->nitems = u < 65 ? 1 : u < 90 ? 2 : u < 97 ? 3 : 4;
	s->ninv = 0;
	for (unsigned k = 0; k < s->nitems; k++) {
		uint64_t x = rng_below(&r, 10);
		s->extra[k] = x == 0 ? 0 : x < 4 ? 1 : x < 8 ? 2 : 3;
		s->ninv += 1 + s->extra[k];
	}
	s->nanon = (unsigned)rng_below(&r, 5);
	s->nevents = 2 + 3 * s->nitems;
	for (unsigned a = 0; a < s->nanon; a++) {
		s->pairs[a] = 1 + (unsigned)rng_below(&r, 3);
		s->cart[a] = (unsigned)rng_below(&r, 2);
		s->nevents += 1 + 2 * s->pairs[a] + 2 * s->cart[a];
	}
}

static double day_noise(uint64_t seed, unsigned stream, uint32_t d)
{
	struct rng r = rng_at(seed, stream, d);
	return 0.85 + 0.3 * rng_unit(&r);
}

/* Split `total` over days by cumulative weight: cum[d] = items before d. */
static void allocate(const double *w, uint32_t ndays, uint64_t total, uint64_t *cum)
{
	double sum = 0;
	for (uint32_t d = 0; d < ndays; d++)
		sum += w[d];
	double acc = 0;
	cum[0] = 0;
	for (uint32_t d = 0; d < ndays; d++) {
		acc += w[d];
		uint64_t c = sum > 0 ? (uint64_t)((double)total * (acc / sum)) : 0;
		if (c > total)
			c = total;
		if (c < cum[d])
			c = cum[d];
		cum[d + 1] = c;
	}
	cum[ndays] = total;
}

static void build_products(struct plan *pl)
{
	/* a fragment and its URI stay well under 600 bytes (names < 200) */
	size_t cap = (size_t)NPRODUCTS * 600, used = 0;
	pl->store = xmalloc(cap);
	unsigned cw[64];
	for (unsigned i = 0; i < gen__ncategories; i++)
		cw[i] = gen__categories[i].weight;
	picker_init(&pl->categories, cw, gen__ncategories);
	picker_weighted(&pl->brands, gen__brands, gen__nbrands);
	unsigned dcw[16];
	for (unsigned i = 0; i < gen__ncenters; i++)
		dcw[i] = gen__centers[i].weight;
	picker_init(&pl->centers, dcw, gen__ncenters);
	struct field cat_f[64], brand_f[128];
	char cat_slug[64][64], brand_slug[128][64];
	for (unsigned i = 0; i < gen__ncategories; i++) {
		cat_f[i] = csv_encode(gen__categories[i].name);
		slugify(gen__categories[i].name, cat_slug[i], sizeof(cat_slug[i]));
	}
	for (unsigned i = 0; i < gen__nbrands; i++) {
		brand_f[i] = csv_encode(gen__brands[i].text);
		slugify(gen__brands[i].text, brand_slug[i], sizeof(brand_slug[i]));
	}
	pl->ndept[0] = pl->ndept[1] = 0;
	pl->dept_products[0] = xmalloc(NPRODUCTS * sizeof(uint32_t));
	pl->dept_products[1] = xmalloc(NPRODUCTS * sizeof(uint32_t));
	char name[512], text[1024];
	for (uint32_t p = 0; p < NPRODUCTS; p++) {
		struct product *pr = &pl->products[p];
		struct rng r = rng_at(pl->seed, S_PRODUCT, p);
		unsigned c = pick(&pl->categories, &r);
		const struct gen__category *cat = &gen__categories[c];
		unsigned dept = cat->dept == 2 ? (unsigned)rng_below(&r, 2) : cat->dept;
		unsigned b = pick(&pl->brands, &r);
		unsigned nn = 0;
		while (cat->nouns[nn])
			nn++;
		const char *noun = cat->nouns[rng_below(&r, nn)];
		const char *adj = gen__adjectives[rng_below(&r, gen__nadjectives)];
		const char *suf = gen__suffixes[rng_below(&r, gen__nsuffixes)];
		snprintf(name, sizeof(name), "%s %s %s %s%s", gen__brands[b].text,
			 dept ? "Men's" : "Women's", adj, noun, suf);
		/* long-tailed price: log-normal around the category median,
		 * a few premium items far above it */
		double z = (rng_unit(&r) + rng_unit(&r) + rng_unit(&r) + rng_unit(&r) - 2.0) * 1.2;
		double price = cat->median_cents / 100.0 * exp(0.55 * z);
		if (rng_below(&r, 100) < 3)
			price *= 2.0 + 3.0 * rng_unit(&r);
		static const unsigned ends[] = {99, 0, 50, 95};
		uint64_t whole = (uint64_t)price;
		uint32_t cents = (uint32_t)(whole * 100 + ends[rng_below(&r, 4)]);
		if (cents < 150)
			cents = 150;
		if (cents > 99900)
			cents = 99900;
		uint32_t lo = (cents * 40 + 99) / 100, hi = cents * 60 / 100;
		uint32_t cost = (uint32_t)(cents * (0.40 + 0.20 * rng_unit(&r)) + 0.5);
		cost = cost < lo ? lo : cost > hi ? hi : cost;
		unsigned dc = pick(&pl->centers, &r);
		uint64_t h1 = rng_next(&r), h2 = rng_next(&r);
		char sku[33];
		static const char hex[] = "0123456789ABCDEF";
		for (int k = 0; k < 16; k++) {
			sku[k] = hex[(h1 >> (4 * k)) & 15];
			sku[16 + k] = hex[(h2 >> (4 * k)) & 15];
		}
		sku[32] = 0;
		struct field nf = csv_encode(name);
		char *t = text;
		t = put_dec(t, cost, 2);
		*t++ = ',';
		t = put_field(t, cat_f[c]);
		*t++ = ',';
		t = put_field(t, nf);
		*t++ = ',';
		t = put_field(t, brand_f[b]);
		*t++ = ',';
		t = put_dec(t, cents, 2);
		*t++ = ',';
		t = put_mem(t, dept ? "Men" : "Women", dept ? 3 : 5);
		*t++ = ',';
		t = put_mem(t, sku, 32);
		*t++ = ',';
		t = put_u64(t, dc + 1);
		free((void *)nf.p);
		size_t flen = (size_t)(t - text);
		if (used + flen + 256 > cap)
			BUG("gen: product text store too small");
		int ulen = snprintf(pl->store + used + flen, cap - used - flen,
				    "/department/%s/category/%s/brand/%s", dept ? "men" : "women",
				    cat_slug[c], brand_slug[b]);
		memcpy(pl->store + used, text, flen);
		pr->frag = (struct field){pl->store + used, (uint32_t)flen};
		pr->dept_uri = (struct field){pl->store + used + flen, (uint32_t)ulen};
		used += flen + (size_t)ulen;
		pr->retail_cents = cents;
		pr->cost_cents = cost;
		pr->dept = (uint8_t)dept;
		pl->dept_products[dept][pl->ndept[dept]++] = p;
	}
	for (unsigned i = 0; i < gen__ncategories; i++)
		free((void *)cat_f[i].p);
	for (unsigned i = 0; i < gen__nbrands; i++)
		free((void *)brand_f[i].p);
}

static struct field *encode_names(const struct gen__name *n, unsigned k)
{
	struct field *f = xmalloc(k * sizeof(*f));
	for (unsigned i = 0; i < k; i++)
		f[i] = csv_encode(n[i].text);
	return f;
}

static struct field *encode_weighted(const struct gen__weighted *w, unsigned k)
{
	struct field *f = xmalloc(k * sizeof(*f));
	for (unsigned i = 0; i < k; i++)
		f[i] = csv_encode(w[i].text);
	return f;
}

static void free_fields(struct field *f, unsigned k)
{
	if (!f)
		return;
	for (unsigned i = 0; i < k; i++)
		free((void *)f[i].p);
	free(f);
}

static void plan_free(struct plan *pl)
{
	if (!pl)
		return;
	free(pl->users_cum);
	free(pl->orders_cum);
	free(pl->o_items);
	free(pl->o_inv);
	free(pl->o_events);
	free(pl->b_items);
	free(pl->b_inv);
	free(pl->b_events);
	free(pl->dept_products[0]);
	free(pl->dept_products[1]);
	struct picker *pk[] = {&pl->cities, &pl->user_sources, &pl->event_sources, &pl->browsers,
			       &pl->statuses, &pl->brands, &pl->categories, &pl->centers};
	for (size_t i = 0; i < ARRAY_SIZE(pk); i++)
		free(pk[i]->cum);
	if (pl->city) {
		for (unsigned i = 0; i < gen__ncities; i++) {
			free((void *)pl->city[i].city.p);
			free((void *)pl->city[i].state.p);
			free((void *)pl->city[i].country.p);
		}
		free(pl->city);
	}
	free_fields(pl->first_f, gen__nfirst_f);
	free_fields(pl->first_m, gen__nfirst_m);
	free_fields(pl->last, gen__nlast);
	free_fields(pl->user_src, gen__nuser_sources);
	free_fields(pl->event_src, gen__nevent_sources);
	free_fields(pl->browser, gen__nbrowsers);
	free_fields(pl->status, gen__nstatuses);
	free_fields(pl->center_name, gen__ncenters);
	free(pl->store);
	free(pl);
}

static uint64_t scaled(double base, double scale)
{
	double v = floor(base * scale + 0.5);
	return v < 1 ? 1 : (uint64_t)v;
}

static struct plan *plan_build(const struct gen_opts *o)
{
	struct plan *pl = xcalloc(1, sizeof(*pl));
	pl->seed = o->seed;
	pl->from = o->from;
	pl->ndays = (uint32_t)(o->to - o->from + 1);
	pl->nusers = scaled(100000, o->scale);
	pl->norders = scaled(125000, o->scale);
	uint32_t nd = pl->ndays;
	double *w = xmalloc(nd * sizeof(double));
	static const double weekly[7] = {0.92, 0.90, 0.93, 0.97, 1.05, 1.15, 1.10};
	/* users: steady growth */
	for (uint32_t d = 0; d < nd; d++) {
		double t = nd > 1 ? (double)d / (nd - 1) : 0;
		w[d] = pow(0.35 + t, 1.5) * day_noise(o->seed, S_DAY_USERS, d);
	}
	pl->users_cum = xmalloc((nd + 1) * sizeof(uint64_t));
	allocate(w, nd, pl->nusers, pl->users_cum);
	/* orders: faster growth, weekly rhythm, a year-end peak; none before
	 * the first user exists (a user's orders follow their sign-up) */
	for (uint32_t d = 0; d < nd; d++) {
		double t = nd > 1 ? (double)d / (nd - 1) : 0;
		int64_t day = pl->from + (int64_t)d;
		int y;
		unsigned m, dd;
		civil_from_days(day, &y, &m, &dd);
		double doy = (double)(day - days_from_civil(y, 1, 1));
		double peak = 1 + 0.4 * exp(-((doy - 335) / 18) * ((doy - 335) / 18));
		w[d] = pl->users_cum[d] ? (0.25 + t) * (0.25 + t) * weekly[weekday_from_days(day)] *
						  peak * day_noise(o->seed, S_DAY_ORDERS, d)
					: 0;
	}
	pl->orders_cum = xmalloc((nd + 1) * sizeof(uint64_t));
	allocate(w, nd, pl->norders, pl->orders_cum);
	free(w);

	uint64_t n = pl->norders, nb = n / BLOCK + 1;
	pl->o_items = xmalloc(n);
	pl->o_inv = xmalloc(n);
	pl->o_events = xmalloc(n * sizeof(uint16_t));
	pl->b_items = xmalloc((nb + 1) * sizeof(uint64_t));
	pl->b_inv = xmalloc((nb + 1) * sizeof(uint64_t));
	pl->b_events = xmalloc((nb + 1) * sizeof(uint64_t));
	uint64_t ti = 0, tv = 0, te = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (i % BLOCK == 0) {
			pl->b_items[i / BLOCK] = ti;
			pl->b_inv[i / BLOCK] = tv;
			pl->b_events[i / BLOCK] = te;
		}
		struct shape s;
		order_shape(o->seed, i, &s);
		pl->o_items[i] = (uint8_t)s.nitems;
		pl->o_inv[i] = (uint8_t)s.ninv;
		pl->o_events[i] = (uint16_t)s.nevents;
		ti += s.nitems;
		tv += s.ninv;
		te += s.nevents;
	}
	for (uint64_t b = (n + BLOCK - 1) / BLOCK; b <= nb; b++) {
		pl->b_items[b] = ti;
		pl->b_inv[b] = tv;
		pl->b_events[b] = te;
	}

	unsigned cw[128];
	for (unsigned i = 0; i < gen__ncities; i++)
		cw[i] = gen__cities[i].weight;
	picker_init(&pl->cities, cw, gen__ncities);
	picker_weighted(&pl->user_sources, gen__user_sources, gen__nuser_sources);
	picker_weighted(&pl->event_sources, gen__event_sources, gen__nevent_sources);
	picker_weighted(&pl->browsers, gen__browsers, gen__nbrowsers);
	picker_weighted(&pl->statuses, gen__statuses, gen__nstatuses);
	pl->city = xmalloc(gen__ncities * sizeof(*pl->city));
	for (unsigned i = 0; i < gen__ncities; i++) {
		pl->city[i].city = csv_encode(gen__cities[i].city);
		pl->city[i].state = csv_encode(gen__cities[i].state);
		pl->city[i].country = csv_encode(gen__cities[i].country);
	}
	pl->first_f = encode_names(gen__first_f, gen__nfirst_f);
	pl->first_m = encode_names(gen__first_m, gen__nfirst_m);
	pl->last = encode_names(gen__last, gen__nlast);
	pl->user_src = encode_weighted(gen__user_sources, gen__nuser_sources);
	pl->event_src = encode_weighted(gen__event_sources, gen__nevent_sources);
	pl->browser = encode_weighted(gen__browsers, gen__nbrowsers);
	pl->status = encode_weighted(gen__statuses, gen__nstatuses);
	pl->center_name = xmalloc(gen__ncenters * sizeof(struct field));
	for (unsigned i = 0; i < gen__ncenters; i++)
		pl->center_name[i] = csv_encode(gen__centers[i].name);
	build_products(pl);
	return pl;
}

/* Prefix of a per-order count at order i. */
static uint64_t prefix_at(const uint64_t *blocks, const void *counts, bool wide, uint64_t i)
{
	uint64_t s = blocks[i / BLOCK];
	for (uint64_t k = i - i % BLOCK; k < i; k++)
		s += wide ? ((const uint16_t *)counts)[k] : ((const uint8_t *)counts)[k];
	return s;
}

/* The day (index) of order i / user j: the d with cum[d] <= i < cum[d+1]. */
static uint32_t day_of(const uint64_t *cum, uint32_t ndays, uint64_t i)
{
	uint32_t lo = 0, hi = ndays - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) / 2;
		if (cum[mid] <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int gen_sizes(const struct gen_opts *o, struct gen_sizes *out, struct err *e)
{
	if (!(o->scale > 0) || o->to <= o->from)
		return err_set(e, ING_EINVAL, "invalid scale or date range");
	struct plan *pl = plan_build(o);
	out->users = pl->nusers;
	out->orders = pl->norders;
	out->products = NPRODUCTS;
	out->centers = gen__ncenters;
	uint64_t nb = pl->norders / BLOCK + 1;
	out->order_items = pl->b_items[nb];
	out->inventory_items = pl->b_inv[nb];
	out->events = pl->b_events[nb];
	plan_free(pl);
	return 0;
}

/* ------------------------------------------------------------------- rows */

struct obuf {
	char *d;
	size_t len, cap;
};

static inline void ob_reserve(struct obuf *b, size_t extra)
{
	if (b->len + extra > b->cap) {
		size_t nc = b->cap ? b->cap * 2 : (size_t)1 << 20;
		while (nc < b->len + extra)
			nc *= 2;
		b->d = xrealloc(b->d, nc);
		b->cap = nc;
	}
}

struct defect {
	uint8_t table, kind;
	int16_t col; /* -1: none */
	uint32_t file;
	uint64_t line; /* within the chunk (1-based), then within the file */
};

struct rctx {
	const struct plan *pl;
	struct obuf *b;
	struct tscache tc;
	int table;
	bool dirty;
	uint64_t thresh;
	VEC(struct defect) defects;
	uint64_t rows, lines;
	size_t last_start;
	bool last_dirty;
};

#define ROW_MAX 4096

/* One user's location and sex: needed by users, orders and events alike. */
struct user_core {
	unsigned female, city;
	uint64_t postal_bits;
};

static inline void user_core(const struct plan *pl, uint64_t j, struct user_core *u, struct rng *r)
{
	*r = rng_at(pl->seed, S_USER, j);
	u->female = (unsigned)(rng_next(r) & 1);
	u->city = pick(&pl->cities, r);
	u->postal_bits = rng_next(r);
}

static char *put_postal(char *p, const char *pat, uint64_t bits)
{
	for (; *pat; pat++) {
		if (*pat == '#') {
			*p++ = (char)('0' + bits % 10);
			bits /= 10;
		} else {
			*p++ = *pat;
		}
	}
	return p;
}

static char *put_uuid(char *p, struct rng *r)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = rng_next(r), b = rng_next(r);
	char s[32];
	for (int k = 0; k < 16; k++) {
		s[k] = hex[(a >> (4 * k)) & 15];
		s[16 + k] = hex[(b >> (4 * k)) & 15];
	}
	s[12] = '4';
	s[16] = hex[8 + (b & 3)];
	p = put_mem(p, s, 8);
	*p++ = '-';
	p = put_mem(p, s + 8, 4);
	*p++ = '-';
	p = put_mem(p, s + 12, 4);
	*p++ = '-';
	p = put_mem(p, s + 16, 4);
	*p++ = '-';
	return put_mem(p, s + 20, 12);
}

static char *put_ip(char *p, struct rng *r)
{
	uint64_t x = rng_next(r);
	unsigned a = 1 + (unsigned)(x % 223);
	if (a == 10 || a == 127)
		a++;
	p = put_u64(p, a);
	*p++ = '.';
	p = put_u64(p, (x >> 8) & 255);
	*p++ = '.';
	p = put_u64(p, (x >> 16) & 255);
	*p++ = '.';
	return put_u64(p, 1 + ((x >> 24) % 254));
}

static void row_done(struct rctx *rc, size_t start, uint64_t key);

static void render_users(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	const struct plan *pl = rc->pl;
	uint32_t d = lo < hi ? day_of(pl->users_cum, pl->ndays, lo) : 0;
	static const char *const domains[] = {"@example.com", "@example.net", "@example.org"};
	for (uint64_t j = lo; j < hi; j++) {
		while (pl->users_cum[d + 1] <= j)
			d++;
		ob_reserve(rc->b, ROW_MAX);
		size_t start = rc->b->len;
		char *p = rc->b->d + start;
		struct user_core u;
		struct rng r;
		user_core(pl, j, &u, &r);
		const struct gen__city *cy = &gen__cities[u.city];
		const struct city_enc *ce = &pl->city[u.city];
		unsigned fi = u.female ? (unsigned)rng_below(&r, gen__nfirst_f)
				       : (unsigned)rng_below(&r, gen__nfirst_m);
		unsigned li = (unsigned)rng_below(&r, gen__nlast);
		const struct gen__name *fn = u.female ? &gen__first_f[fi] : &gen__first_m[fi];
		p = put_u64(p, j + 1);
		*p++ = ',';
		p = put_field(p, u.female ? pl->first_f[fi] : pl->first_m[fi]);
		*p++ = ',';
		p = put_field(p, pl->last[li]);
		*p++ = ',';
		p = put_mem(p, fn->ascii, strlen(fn->ascii));
		if (rng_below(&r, 3) == 0)
			*p++ = '.';
		p = put_mem(p, gen__last[li].ascii, strlen(gen__last[li].ascii));
		const char *dom = domains[rng_below(&r, 3)];
		p = put_mem(p, dom, strlen(dom));
		*p++ = ',';
		p = put_u64(p, 12 + rng_below(&r, 59));
		*p++ = ',';
		*p++ = u.female ? 'F' : 'M';
		*p++ = ',';
		p = put_field(p, ce->state);
		*p++ = ',';
		uint64_t num = 1 + rng_below(&r, 9999);
		const char *st = gen__streets[rng_below(&r, gen__nstreets)];
		const char *sty = gen__street_types[rng_below(&r, gen__nstreet_types)];
		uint64_t apt = rng_below(&r, 10) == 0 ? 1 + rng_below(&r, 40) : 0;
		if (apt)
			*p++ = '"';
		p = put_u64(p, num);
		*p++ = ' ';
		p = put_mem(p, st, strlen(st));
		*p++ = ' ';
		p = put_mem(p, sty, strlen(sty));
		if (apt) {
			p = put_mem(p, ", Apt ", 6);
			p = put_u64(p, apt);
			*p++ = '"';
		}
		*p++ = ',';
		p = put_postal(p, cy->postal, u.postal_bits);
		*p++ = ',';
		p = put_field(p, ce->city);
		*p++ = ',';
		p = put_field(p, ce->country);
		*p++ = ',';
		int64_t lat = cy->lat_e6 + (int64_t)rng_below(&r, 200001) - 100000;
		int64_t lon = cy->lon_e6 + (int64_t)rng_below(&r, 200001) - 100000;
		char *latp = p;
		p = put_dec(p, lat, 6);
		size_t latn = (size_t)(p - latp);
		*p++ = ',';
		char *lonp = p;
		p = put_dec(p, lon, 6);
		size_t lonn = (size_t)(p - lonp);
		*p++ = ',';
		p = put_field(p, pl->user_src[pick(&pl->user_sources, &r)]);
		*p++ = ',';
		int64_t day = pl->from + (int64_t)d;
		p = put_ts(p, day * US_PER_DAY + (int64_t)rng_below(&r, 86400) * US_PER_SEC, &rc->tc);
		*p++ = ',';
		p = put_mem(p, "POINT(", 6);
		memmove(p, lonp, lonn); /* lonp is behind p: no overlap issue */
		p += lonn;
		*p++ = ' ';
		memmove(p, latp, latn);
		p += latn;
		*p++ = ')';
		*p++ = '\n';
		rc->b->len = (size_t)(p - rc->b->d);
		row_done(rc, start, j);
	}
}

/* Everything about one order that its tables share. */
struct order {
	uint64_t idx, user; /* 0-based */
	unsigned female, status, city;
	uint64_t postal_bits;
	int64_t day_start, created, shipped, delivered, returned; /* -1 = NULL */
	struct shape s;
	uint32_t product[4];
};

static void order_make(const struct plan *pl, uint64_t i, uint32_t d, struct order *o)
{
	struct rng r = rng_at(pl->seed, S_ORDER, i);
	o->idx = i;
	uint64_t nu = pl->users_cum[d];
	double u = rng_unit(&r);
	if (rng_below(&r, 10) < 6)
		u = sqrt(u); /* most orders come from recent customers */
	o->user = (uint64_t)(u * (double)nu);
	if (o->user >= nu)
		o->user = nu - 1;
	struct user_core uc;
	struct rng ur;
	user_core(pl, o->user, &uc, &ur);
	o->female = uc.female;
	o->city = uc.city;
	o->postal_bits = uc.postal_bits;
	o->status = pick(&pl->statuses, &r);
	o->day_start = (pl->from + (int64_t)d) * US_PER_DAY;
	o->created = o->day_start + (int64_t)rng_below(&r, 86400) * US_PER_SEC;
	o->shipped = o->delivered = o->returned = -1;
	int64_t ship = (int64_t)rng_below(&r, 3 * US_PER_DAY) + 3600 * US_PER_SEC;
	int64_t deliver = (int64_t)rng_below(&r, 5 * US_PER_DAY) + 6 * 3600 * US_PER_SEC;
	int64_t ret = (int64_t)rng_below(&r, 3 * US_PER_DAY) + 3600 * US_PER_SEC;
	if (o->status == GEN__SHIPPED || o->status == GEN__COMPLETE || o->status == GEN__RETURNED)
		o->shipped = o->created + ship;
	if (o->status == GEN__COMPLETE || o->status == GEN__RETURNED)
		o->delivered = o->shipped + deliver;
	if (o->status == GEN__RETURNED)
		o->returned = o->delivered + ret;
	order_shape(pl->seed, i, &o->s);
	unsigned dept = o->female ? 0 : 1;
	for (unsigned k = 0; k < o->s.nitems; k++) {
		/* popular products first: a quadratic skew over the department */
		double x = rng_unit(&r);
		uint32_t n = pl->ndept[dept];
		uint32_t at = (uint32_t)(x * x * n);
		o->product[k] = pl->dept_products[dept][at < n ? at : n - 1];
	}
}

static inline char *put_opt_ts(char *p, int64_t us, struct tscache *c)
{
	return us < 0 ? p : put_ts(p, us, c);
}

static inline uint64_t advance_day(const struct plan *pl, uint64_t d, uint64_t i)
{
	while (pl->orders_cum[d + 1] <= i)
		d++;
	return d;
}

static inline uint64_t first_day(const struct plan *pl, uint64_t lo, uint64_t hi)
{
	return lo < hi ? day_of(pl->orders_cum, pl->ndays, lo) : 0;
}

static void render_orders(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	const struct plan *pl = rc->pl;
	uint64_t d = first_day(pl, lo, hi);
	for (uint64_t i = lo; i < hi; i++) {
		d = advance_day(pl, d, i);
		struct order o;
		order_make(pl, i, (uint32_t)d, &o);
		ob_reserve(rc->b, ROW_MAX);
		size_t start = rc->b->len;
		char *p = rc->b->d + start;
		p = put_u64(p, i + 1);
		*p++ = ',';
		p = put_u64(p, o.user + 1);
		*p++ = ',';
		p = put_field(p, pl->status[o.status]);
		*p++ = ',';
		*p++ = o.female ? 'F' : 'M';
		*p++ = ',';
		p = put_ts(p, o.created, &rc->tc);
		*p++ = ',';
		p = put_opt_ts(p, o.returned, &rc->tc);
		*p++ = ',';
		p = put_opt_ts(p, o.shipped, &rc->tc);
		*p++ = ',';
		p = put_opt_ts(p, o.delivered, &rc->tc);
		*p++ = ',';
		p = put_u64(p, o.s.nitems);
		*p++ = '\n';
		rc->b->len = (size_t)(p - rc->b->d);
		row_done(rc, start, i);
	}
}

static void render_items(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	const struct plan *pl = rc->pl;
	uint64_t item = prefix_at(pl->b_items, pl->o_items, false, lo);
	uint64_t inv = prefix_at(pl->b_inv, pl->o_inv, false, lo);
	uint64_t d = first_day(pl, lo, hi);
	for (uint64_t i = lo; i < hi; i++) {
		d = advance_day(pl, d, i);
		struct order o;
		order_make(pl, i, (uint32_t)d, &o);
		for (unsigned k = 0; k < o.s.nitems; k++) {
			ob_reserve(rc->b, ROW_MAX);
			size_t start = rc->b->len;
			char *p = rc->b->d + start;
			p = put_u64(p, item + 1);
			*p++ = ',';
			p = put_u64(p, i + 1);
			*p++ = ',';
			p = put_u64(p, o.user + 1);
			*p++ = ',';
			p = put_u64(p, o.product[k] + 1);
			*p++ = ',';
			p = put_u64(p, inv + 1);
			*p++ = ',';
			p = put_field(p, pl->status[o.status]);
			*p++ = ',';
			p = put_ts(p, o.created, &rc->tc);
			*p++ = ',';
			p = put_opt_ts(p, o.shipped, &rc->tc);
			*p++ = ',';
			p = put_opt_ts(p, o.delivered, &rc->tc);
			*p++ = ',';
			p = put_opt_ts(p, o.returned, &rc->tc);
			*p++ = ',';
			p = put_dec(p, pl->products[o.product[k]].retail_cents, 2);
			*p++ = '\n';
			rc->b->len = (size_t)(p - rc->b->d);
			row_done(rc, start, item);
			item++;
			inv += 1 + o.s.extra[k];
		}
	}
}

static void render_inventory(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	const struct plan *pl = rc->pl;
	uint64_t inv = prefix_at(pl->b_inv, pl->o_inv, false, lo);
	uint64_t d = first_day(pl, lo, hi);
	for (uint64_t i = lo; i < hi; i++) {
		d = advance_day(pl, d, i);
		struct order o;
		order_make(pl, i, (uint32_t)d, &o);
		for (unsigned k = 0; k < o.s.nitems; k++) {
			for (unsigned x = 0; x <= o.s.extra[k]; x++) {
				struct rng r = rng_at(pl->seed, S_INV, inv);
				uint32_t prod;
				int64_t created, sold = -1;
				if (x == 0) { /* the unit this item sold */
					prod = o.product[k];
					created = o.created - US_PER_DAY -
						  (int64_t)rng_below(&r, 120 * US_PER_DAY);
					sold = o.created;
				} else { /* restocked alongside, not sold yet */
					double u = rng_unit(&r);
					prod = (uint32_t)(u * u * NPRODUCTS);
					if (prod >= NPRODUCTS)
						prod = NPRODUCTS - 1;
					created = o.created - (int64_t)rng_below(&r, 60 * US_PER_DAY);
				}
				ob_reserve(rc->b, ROW_MAX);
				size_t start = rc->b->len;
				char *p = rc->b->d + start;
				p = put_u64(p, inv + 1);
				*p++ = ',';
				p = put_u64(p, prod + 1);
				*p++ = ',';
				p = put_ts(p, created, &rc->tc);
				*p++ = ',';
				p = put_opt_ts(p, sold, &rc->tc);
				*p++ = ',';
				p = put_field(p, pl->products[prod].frag);
				*p++ = '\n';
				rc->b->len = (size_t)(p - rc->b->d);
				row_done(rc, start, inv);
				inv++;
			}
		}
	}
}

enum ev { EV_HOME, EV_DEPT, EV_PRODUCT, EV_CART, EV_PURCHASE, EV_CANCEL };

struct session {
	uint64_t user; /* 0 = anonymous, else id */
	char head[96]; /* "session_id" field text */
	size_t headn;
	char tail[160]; /* "ip,city,state,postal,browser,source," */
	size_t tailn;
};

static void session_begin(const struct plan *pl, struct session *s, struct rng *r, unsigned city,
			  uint64_t postal_bits)
{
	char *p = put_uuid(s->head, r);
	s->headn = (size_t)(p - s->head);
	p = s->tail;
	p = put_ip(p, r);
	*p++ = ',';
	p = put_field(p, pl->city[city].city);
	*p++ = ',';
	p = put_field(p, pl->city[city].state);
	*p++ = ',';
	p = put_postal(p, gen__cities[city].postal, postal_bits);
	*p++ = ',';
	p = put_field(p, pl->browser[pick(&pl->browsers, r)]);
	*p++ = ',';
	p = put_field(p, pl->event_src[pick(&pl->event_sources, r)]);
	*p++ = ',';
	s->tailn = (size_t)(p - s->tail);
}

static void event_row(struct rctx *rc, uint64_t *id, const struct session *s, unsigned seq,
		      int64_t t, enum ev type, uint32_t product)
{
	static const char *const types[] = {"home", "department", "product", "cart", "purchase",
					    "cancel"};
	static const unsigned char tlen[] = {4, 10, 7, 4, 8, 6};
	const struct plan *pl = rc->pl;
	ob_reserve(rc->b, ROW_MAX);
	size_t start = rc->b->len;
	char *p = rc->b->d + start;
	p = put_u64(p, *id + 1);
	*p++ = ',';
	if (s->user)
		p = put_u64(p, s->user);
	*p++ = ',';
	p = put_u64(p, seq);
	*p++ = ',';
	p = put_mem(p, s->head, s->headn);
	*p++ = ',';
	p = put_ts(p, t, &rc->tc);
	*p++ = ',';
	p = put_mem(p, s->tail, s->tailn);
	switch (type) {
	case EV_HOME: p = put_mem(p, "/home", 5); break;
	case EV_DEPT: p = put_field(p, pl->products[product].dept_uri); break;
	case EV_PRODUCT:
		p = put_mem(p, "/product/", 9);
		p = put_u64(p, product + 1);
		break;
	case EV_CART: p = put_mem(p, "/cart", 5); break;
	case EV_PURCHASE: p = put_mem(p, "/purchase", 9); break;
	case EV_CANCEL: p = put_mem(p, "/cancel", 7); break;
	}
	*p++ = ',';
	p = put_mem(p, types[type], tlen[type]);
	*p++ = '\n';
	rc->b->len = (size_t)(p - rc->b->d);
	row_done(rc, start, *id);
	(*id)++;
}

static void render_events(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	const struct plan *pl = rc->pl;
	uint64_t ev = prefix_at(pl->b_events, pl->o_events, true, lo);
	uint64_t d = first_day(pl, lo, hi);
	for (uint64_t i = lo; i < hi; i++) {
		d = advance_day(pl, d, i);
		struct order o;
		order_make(pl, i, (uint32_t)d, &o);
		/* the purchase session: it ends with the order's purchase */
		struct rng r = rng_at(pl->seed, S_SESSION, i);
		struct session s;
		s.user = o.user + 1;
		session_begin(pl, &s, &r, o.city, o.postal_bits);
		unsigned n = 2 + 3 * o.s.nitems;
		int64_t t[2 + 3 * 4];
		int64_t back = 0;
		t[n - 1] = o.created;
		for (unsigned k = n - 1; k > 0; k--) {
			back += (5 + (int64_t)rng_below(&r, 235)) * US_PER_SEC +
				(int64_t)rng_below(&r, US_PER_SEC);
			int64_t v = o.created - back;
			t[k - 1] = v < o.day_start ? o.day_start : v;
		}
		unsigned seq = 0;
		event_row(rc, &ev, &s, seq + 1, t[seq], EV_HOME, 0);
		seq++;
		for (unsigned k = 0; k < o.s.nitems; k++) {
			event_row(rc, &ev, &s, seq + 1, t[seq], EV_DEPT, o.product[k]);
			seq++;
			event_row(rc, &ev, &s, seq + 1, t[seq], EV_PRODUCT, o.product[k]);
			seq++;
			event_row(rc, &ev, &s, seq + 1, t[seq], EV_CART, o.product[k]);
			seq++;
		}
		event_row(rc, &ev, &s, seq + 1, t[seq], EV_PURCHASE, 0);
		/* visitors of the same day who did not buy */
		for (unsigned a = 0; a < o.s.nanon; a++) {
			struct rng ra = rng_at(pl->seed, S_ANON, i * 8 + a);
			struct session as;
			as.user = 0;
			unsigned city = pick(&pl->cities, &ra);
			session_begin(pl, &as, &ra, city, rng_next(&ra));
			int64_t end = o.day_start + US_PER_DAY - 1;
			int64_t now = o.day_start + (int64_t)rng_below(&ra, US_PER_DAY);
			unsigned q = 1;
			uint32_t prod = 0;
			event_row(rc, &ev, &as, q++, now, EV_HOME, 0);
			for (unsigned k = 0; k < o.s.pairs[a] + o.s.cart[a]; k++) {
				bool cart = k >= o.s.pairs[a];
				if (!cart) {
					double u = rng_unit(&ra);
					prod = (uint32_t)(u * u * NPRODUCTS);
					if (prod >= NPRODUCTS)
						prod = NPRODUCTS - 1;
				}
				for (unsigned h = 0; h < 2; h++) {
					now += (3 + (int64_t)rng_below(&ra, 180)) * US_PER_SEC +
					       (int64_t)rng_below(&ra, US_PER_SEC);
					if (now > end)
						now = end;
					enum ev type = cart ? (h ? EV_CANCEL : EV_CART)
							    : (h ? EV_PRODUCT : EV_DEPT);
					event_row(rc, &ev, &as, q++, now, type, prod);
				}
			}
		}
	}
}

static void render_products(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	for (uint64_t p = lo; p < hi; p++) {
		ob_reserve(rc->b, ROW_MAX);
		size_t start = rc->b->len;
		char *q = rc->b->d + start;
		q = put_u64(q, p + 1);
		*q++ = ',';
		q = put_field(q, rc->pl->products[p].frag);
		*q++ = '\n';
		rc->b->len = (size_t)(q - rc->b->d);
		row_done(rc, start, p);
	}
}

static void render_centers(struct rctx *rc, uint64_t lo, uint64_t hi)
{
	for (uint64_t c = lo; c < hi; c++) {
		const struct gen__center *dc = &gen__centers[c];
		ob_reserve(rc->b, ROW_MAX);
		size_t start = rc->b->len;
		char *p = rc->b->d + start;
		p = put_u64(p, c + 1);
		*p++ = ',';
		p = put_field(p, rc->pl->center_name[c]);
		*p++ = ',';
		p = put_dec(p, dc->lat_e6, 6);
		*p++ = ',';
		p = put_dec(p, dc->lon_e6, 6);
		p = put_mem(p, ",POINT(", 7);
		p = put_dec(p, dc->lon_e6, 6);
		*p++ = ' ';
		p = put_dec(p, dc->lat_e6, 6);
		*p++ = ')';
		*p++ = '\n';
		rc->b->len = (size_t)(p - rc->b->d);
		row_done(rc, start, c);
	}
}

/* ----------------------------------------------------------------- defects */

/* Field boundaries of one row (without its newline): start/end of each
 * field's text as written (quotes included). Returns the field count. */
static unsigned split_row(const char *s, size_t n, size_t *fs, size_t *fe, unsigned max)
{
	unsigned k = 0;
	size_t i = 0;
	for (;;) {
		size_t st = i;
		if (i < n && s[i] == '"') {
			i++;
			while (i < n) {
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
		}
		while (i < n && s[i] != ',')
			i++;
		if (k < max) {
			fs[k] = st;
			fe[k] = i;
		}
		k++;
		if (i >= n)
			break;
		i++;
	}
	return k;
}

static void add_defect(struct rctx *rc, int kind, int col)
{
	struct defect d = {(uint8_t)rc->table, (uint8_t)kind, (int16_t)col, 0, rc->lines};
	vec_push(&rc->defects, d);
}

/* Candidate columns for a kind in the current table; returns count. */
static unsigned candidates(int table, int kind, int *cols)
{
	const struct gen_table *t = &gen_tables[table];
	unsigned n = 0;
	switch (kind) {
	case GEN_D_MALFORMED_NUMBER:
		for (unsigned c = 0; c < t->ncols; c++)
			if (t->cols[c].type == GEN_INT64 || t->cols[c].type == GEN_FLOAT64)
				cols[n++] = (int)c;
		break;
	case GEN_D_MALFORMED_TIMESTAMP:
		for (unsigned c = 0; c < t->ncols; c++)
			if (t->cols[c].type == GEN_TIMESTAMP)
				cols[n++] = (int)c;
		break;
	case GEN_D_INVALID_UTF8:
	case GEN_D_NUL_BYTE:
	case GEN_D_UNTERMINATED_QUOTE:
		for (unsigned c = 0; c < t->ncols; c++)
			if (t->cols[c].type == GEN_STRING)
				cols[n++] = (int)c;
		break;
	case GEN_D_SHORT_ROW:
		for (unsigned c = 1; c < t->ncols; c++)
			cols[n++] = (int)c;
		break;
	case GEN_D_LONG_ROW: cols[n++] = -1; break;
	case GEN_D_DUPLICATE_ID: cols[n++] = 0; break;
	case GEN_D_ORPHAN_FK:
		for (const int *c = fk_cols[table]; *c >= 0; c++)
			cols[n++] = *c;
		break;
	case GEN_D_NEGATIVE_PRICE:
		for (const int *c = price_cols[table]; *c >= 0; c++)
			cols[n++] = *c;
		break;
	case GEN_D_SHIPPED_BEFORE_CREATED:
		if (ship_cols[table][0] >= 0)
			cols[n++] = ship_cols[table][0];
		break;
	}
	return n;
}

/* Replace [a, b) of the row at rc->b[start..] with repl. */
static void splice(struct rctx *rc, size_t start, size_t a, size_t b, const char *repl, size_t n)
{
	struct obuf *ob = rc->b;
	ob_reserve(ob, n + 16);
	char *row = ob->d + start;
	size_t rowlen = ob->len - start;
	memmove(row + a + n, row + b, rowlen - b);
	memcpy(row + a, repl, n);
	ob->len = start + rowlen - (b - a) + n;
}

/* Make the row at `start` (complete, with its newline) defective. */
static void apply_defect(struct rctx *rc, size_t start, struct rng *r, int forced_kind)
{
	const struct gen_table *t = &gen_tables[rc->table];
	int cols[32];
	int kind = forced_kind;
	unsigned nc = 0;
	if (kind < 0) {
		int kinds[GEN_D_NKINDS];
		unsigned nk = 0;
		for (int k = 0; k < GEN_D_NKINDS; k++)
			if (k != GEN_D_UNTERMINATED_QUOTE && candidates(rc->table, k, cols))
				kinds[nk++] = k;
		kind = kinds[rng_below(r, nk)];
	}
	nc = candidates(rc->table, kind, cols);
	int col = cols[rng_below(r, nc)];
	size_t fs[32], fe[32];
	char *row = rc->b->d + start;
	size_t len = rc->b->len - start - 1; /* without '\n' */
	unsigned nf = split_row(row, len, fs, fe, 32);
	if (nf != t->ncols)
		BUG("gen: row of %s has %u fields", t->name, nf);
	bool empty = col >= 0 && fs[col] == fe[col];
	char tmp[256];
	size_t n = 0;
	switch (kind) {
	case GEN_D_MALFORMED_TIMESTAMP:
	case GEN_D_ORPHAN_FK:
	case GEN_D_SHIPPED_BEFORE_CREATED:
		if (empty) { /* a NULL cannot carry it: spoil the id instead */
			kind = GEN_D_MALFORMED_NUMBER;
			col = 0;
		}
		break;
	case GEN_D_MALFORMED_NUMBER:
		if (empty)
			col = 0;
		break;
	default: break;
	}
	switch (kind) {
	case GEN_D_MALFORMED_NUMBER: {
		static const char *const bad[] = {"N/A", "1.2.3", "#VALUE!", "\"1,234\"", "12a"};
		const char *b = bad[rng_below(r, ARRAY_SIZE(bad))];
		splice(rc, start, fs[col], fe[col], b, strlen(b));
		break;
	}
	case GEN_D_MALFORMED_TIMESTAMP: {
		static const char *const bad[] = {"2021-02-30 10:00:00 UTC", "2021-13-01 08:00:00 UTC",
						  "yesterday", "2021-06-01 25:61:00 UTC",
						  "01/06/2021 10:00"};
		const char *b = bad[rng_below(r, ARRAY_SIZE(bad))];
		splice(rc, start, fs[col], fe[col], b, strlen(b));
		break;
	}
	case GEN_D_SHORT_ROW:
		splice(rc, start, fs[col] - 1, len, "", 0);
		break;
	case GEN_D_LONG_ROW:
		splice(rc, start, len, len, ",extra", 6);
		break;
	case GEN_D_INVALID_UTF8:
	case GEN_D_NUL_BYTE: {
		size_t at = fs[col] + (fs[col] < fe[col] && row[fs[col]] == '"');
		if (at < fe[col])
			at++;
		if (kind == GEN_D_INVALID_UTF8)
			splice(rc, start, at, at, "\xC3\x28", 2);
		else
			splice(rc, start, at, at, "\0", 1);
		break;
	}
	case GEN_D_UNTERMINATED_QUOTE: {
		tmp[n++] = '"';
		for (size_t k = fs[col]; k < fe[col] && n < sizeof(tmp) - 1; k++)
			if (row[k] != '"')
				tmp[n++] = row[k];
		splice(rc, start, fs[col], fe[col], tmp, n);
		break;
	}
	case GEN_D_DUPLICATE_ID: {
		size_t rl = rc->b->len - start;
		ob_reserve(rc->b, rl);
		memcpy(rc->b->d + rc->b->len, rc->b->d + start, rl);
		rc->b->len += rl;
		rc->lines++;
		rc->rows++;
		break;
	}
	case GEN_D_ORPHAN_FK: {
		char *p = put_u64(tmp, UINT64_C(1000000000000) + rng_below(r, 1000000000));
		splice(rc, start, fs[col], fe[col], tmp, (size_t)(p - tmp));
		break;
	}
	case GEN_D_NEGATIVE_PRICE:
		splice(rc, start, fs[col], fs[col], "-", 1);
		break;
	case GEN_D_SHIPPED_BEFORE_CREATED: {
		int cc = ship_cols[rc->table][1];
		int64_t created;
		if (ts_parse(row + fs[cc], fe[cc] - fs[cc], &created))
			BUG("gen: unparsable created_at");
		created -= 3600 * US_PER_SEC + (int64_t)rng_below(r, 72 * 3600 * US_PER_SEC);
		struct tscache tc = {INT64_MIN, {0}};
		char *p = put_ts(tmp, created, &tc);
		splice(rc, start, fs[col], fe[col], tmp, (size_t)(p - tmp));
		break;
	}
	}
	add_defect(rc, kind, kind == GEN_D_LONG_ROW ? -1 : col);
}

/* After each row: count it, and maybe spoil it. rc->lines counts the lines
 * of the chunk so far; the row just written is line rc->lines. */
static void row_done(struct rctx *rc, size_t start, uint64_t key)
{
	rc->rows++;
	rc->lines++;
	rc->last_start = start;
	rc->last_dirty = false;
	if (!rc->dirty)
		return;
	struct rng r = rng_at(rc->pl->seed, S_DIRTY + (unsigned)rc->table, key);
	if (rng_next(&r) >= rc->thresh)
		return;
	rc->last_dirty = true;
	apply_defect(rc, start, &r, -1);
}

/* ------------------------------------------------------------------ writer */

enum { CHUNK_USERS = 16384, CHUNK_ORDERS = 8192, CHUNK_INV = 4096, CHUNK_EVENTS = 1024,
       CHUNK_PRODUCTS = 8192 };

struct gfile {
	int table;
	char *path, *rel;
	struct atomic_file af;
	bool open, done;
	unsigned nchunks, next;
	uint64_t lines, bytes, rows;
	uLong crc;
	uint64_t ulen;
};

struct job {
	int table;
	uint32_t file, chunk;
	uint64_t lo, hi;
	bool last;
};

struct run {
	const struct gen_opts *o;
	const struct plan *pl;
	struct gfile *files;
	size_t nfiles;
	struct job *jobs;
	size_t njobs;
	_Atomic size_t next_job;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool failed;
	struct err err;
	VEC(struct defect) defects;
	struct progress *prog;
	uint64_t thresh;
};

static void render_job(struct run *run, const struct job *j, struct rctx *rc)
{
	if (j->chunk == 0) {
		const struct gen_table *t = &gen_tables[j->table];
		for (unsigned c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cols[c].name);
			ob_reserve(rc->b, n + 2);
			if (c)
				rc->b->d[rc->b->len++] = ',';
			memcpy(rc->b->d + rc->b->len, t->cols[c].name, n);
			rc->b->len += n;
		}
		rc->b->d[rc->b->len++] = '\n';
		rc->lines = 1;
	}
	switch (j->table) {
	case GEN_USERS: render_users(rc, j->lo, j->hi); break;
	case GEN_ORDERS: render_orders(rc, j->lo, j->hi); break;
	case GEN_ORDER_ITEMS: render_items(rc, j->lo, j->hi); break;
	case GEN_PRODUCTS: render_products(rc, j->lo, j->hi); break;
	case GEN_INVENTORY_ITEMS: render_inventory(rc, j->lo, j->hi); break;
	case GEN_DISTRIBUTION_CENTERS: render_centers(rc, j->lo, j->hi); break;
	case GEN_EVENTS: render_events(rc, j->lo, j->hi); break;
	}
	/* the one place an unterminated quote does not swallow later rows:
	 * the file's last line */
	if (rc->dirty && j->last && rc->rows && !rc->last_dirty) {
		struct rng r = rng_at(run->pl->seed, S_DIRTY + GEN_NTABLES + (unsigned)j->table,
				      j->file);
		apply_defect(rc, rc->last_start, &r, GEN_D_UNTERMINATED_QUOTE);
	}
}

static void run_fail(struct run *run, struct err *e)
{
	pthread_mutex_lock(&run->mu);
	if (!run->failed) {
		run->failed = true;
		err_move(&run->err, e);
	}
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	err_clear(e);
}

static int deflate_chunk(z_stream *z, const struct obuf *in, struct obuf *out)
{
	deflateReset(z);
	out->len = 0;
	ob_reserve(out, deflateBound(z, in->len) + 64);
	z->next_in = (Bytef *)in->d;
	z->avail_in = (uInt)in->len;
	for (;;) {
		z->next_out = (Bytef *)out->d + out->len;
		z->avail_out = (uInt)(out->cap - out->len);
		int zr = deflate(z, Z_SYNC_FLUSH);
		out->len = out->cap - z->avail_out;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -1;
		if (z->avail_in == 0 && z->avail_out > 0)
			return 0;
		ob_reserve(out, out->cap); /* double */
	}
}

static int write_all(struct gfile *f, const void *p, size_t n, struct err *e)
{
	if (n && fwrite(p, 1, n, f->af.fp) != n)
		return err_set(e, ING_EIO, "cannot write %s: %s", f->path, strerror(errno));
	f->bytes += n;
	return 0;
}

static void *worker(void *arg)
{
	struct run *run = arg;
	const struct gen_opts *o = run->o;
	struct obuf text = {0}, z = {0};
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	bool zinit = o->gzip && deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
	struct err e = ERR_INIT;
	if (o->gzip && !zinit) {
		err_set(&e, ING_ENOMEM, "zlib could not start");
		run_fail(run, &e);
	}
	for (;;) {
		size_t ji = atomic_fetch_add(&run->next_job, 1);
		if (ji >= run->njobs || run->failed)
			break;
		const struct job *j = &run->jobs[ji];
		struct gfile *f = &run->files[j->file];
		struct rctx rc = {0};
		rc.pl = run->pl;
		rc.b = &text;
		rc.tc.day = INT64_MIN;
		rc.table = j->table;
		rc.dirty = o->dirty > 0;
		rc.thresh = run->thresh;
		text.len = 0;
		render_job(run, j, &rc);
		uLong crc = 0;
		if (o->gzip) {
			crc = crc32(crc32(0, NULL, 0), (const Bytef *)text.d, (uInt)text.len);
			if (deflate_chunk(&zs, &text, &z)) {
				err_set(&e, ING_EIO, "zlib failed on %s", f->path);
				run_fail(run, &e);
				vec_free(&rc.defects);
				break;
			}
		}
		/* wait for this file's turn */
		pthread_mutex_lock(&run->mu);
		while (!run->failed && f->next != j->chunk)
			pthread_cond_wait(&run->cv, &run->mu);
		bool stop = run->failed;
		pthread_mutex_unlock(&run->mu);
		if (stop) {
			vec_free(&rc.defects);
			break;
		}
		int rcode = 0;
		if (j->chunk == 0) {
			rcode = atomic_open(&f->af, f->path, &e);
			f->open = rcode == 0;
			if (!rcode && o->gzip) {
				static const unsigned char gzh[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
				rcode = write_all(f, gzh, sizeof(gzh), &e);
				f->crc = crc32(0, NULL, 0);
			}
		}
		if (!rcode) {
			if (o->gzip) {
				rcode = write_all(f, z.d, z.len, &e);
				f->crc = crc32_combine(f->crc, crc, (z_off_t)text.len);
				f->ulen += text.len;
			} else {
				rcode = write_all(f, text.d, text.len, &e);
			}
		}
		uint64_t line0 = j->chunk == 0 ? 0 : f->lines;
		f->lines = line0 + rc.lines;
		f->rows += rc.rows;
		if (!rcode && j->last) {
			if (o->gzip) {
				unsigned char tr[10] = {3, 0};
				for (int k = 0; k < 4; k++) {
					tr[2 + k] = (unsigned char)(f->crc >> (8 * k));
					tr[6 + k] = (unsigned char)(f->ulen >> (8 * k));
				}
				rcode = write_all(f, tr, sizeof(tr), &e);
			}
			if (!rcode) {
				rcode = atomic_commit(&f->af, &e);
				f->open = false;
				f->done = rcode == 0;
			}
		}
		if (rcode) {
			vec_free(&rc.defects);
			run_fail(run, &e);
			break;
		}
		progress_add(run->prog, rc.rows, o->gzip ? z.len : text.len);
		pthread_mutex_lock(&run->mu);
		for (size_t k = 0; k < rc.defects.len; k++) {
			struct defect d = rc.defects.items[k];
			d.file = j->file;
			d.line += line0;
			vec_push(&run->defects, d);
		}
		f->next++;
		pthread_cond_broadcast(&run->cv);
		pthread_mutex_unlock(&run->mu);
		vec_free(&rc.defects);
	}
	if (zinit)
		deflateEnd(&zs);
	free(text.d);
	free(z.d);
	err_clear(&e);
	return NULL;
}

/* ---------------------------------------------------------------- defects file */

static int cmp_defect(const void *a, const void *b)
{
	const struct defect *x = a, *y = b;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return 0;
}

static bool file_written(const struct run *run, const char *rel, size_t n)
{
	for (size_t i = 0; i < run->nfiles; i++)
		if (strlen(run->files[i].rel) == n && !memcmp(run->files[i].rel, rel, n))
			return true;
	return false;
}

/* OUT/_defects.csv: kept entries of other files + this run's, sorted. */
static int write_defects(struct run *run, const char *out, struct err *e)
{
	char *path = path_join(out, "_defects.csv");
	struct buf old = BUF_INIT, nb = BUF_INIT;
	int rc = 0;
	bool had = fs_exists(path);
	if (had && (rc = fs_read_file(path, &old, 0, e)))
		goto out;
	if (!had && !run->defects.len && !(run->o->dirty > 0))
		goto out;
	buf_puts(&nb, "table,file,line,column,kind\n");
	size_t kept = 0;
	/* keep entries of files still there and not rewritten now */
	const char *p = buf_cstr(&old);
	if (*p)
		p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
	while (*p) {
		size_t ln = strcspn(p, "\n");
		const char *c1 = memchr(p, ',', ln);
		if (c1) {
			const char *fstart = c1 + 1;
			size_t fl = strcspn(fstart, ",\n");
			char *rel = xstrndup(fstart, fl);
			char *full = path_join(out, rel);
			if (!file_written(run, rel, fl) && fs_exists(full)) {
				buf_add(&nb, p, ln);
				buf_putc(&nb, '\n');
				kept++;
			}
			free(rel);
			free(full);
		}
		p += ln + (p[ln] == '\n');
	}
	if (run->defects.len)
		qsort(run->defects.items, run->defects.len, sizeof(struct defect), cmp_defect);
	for (size_t i = 0; i < run->defects.len; i++) {
		const struct defect *d = &run->defects.items[i];
		buf_printf(&nb, "%s,%s,%llu,%s,%s\n", gen_tables[d->table].name,
			   run->files[d->file].rel, (unsigned long long)d->line,
			   d->col >= 0 ? gen_tables[d->table].cols[d->col].name : "",
			   gen_defect_names[d->kind]);
	}
	if (!kept && !run->defects.len && !(run->o->dirty > 0)) {
		if (unlink(path) != 0 && errno != ENOENT)
			rc = err_set(e, ING_EIO, "cannot remove %s: %s", path, strerror(errno));
		goto out;
	}
	rc = fs_write_atomic(path, nb.data, nb.len, e);
out:
	buf_free(&old);
	buf_free(&nb);
	free(path);
	return rc;
}

/* Remove numbered parts <table>_NNNN.csv[.gz] a full run did not write now
 * (left by an earlier run with more --files or the other compression). */
static int remove_stale_parts(struct run *run, const char *out, int table, struct err *e)
{
	const char *name = gen_tables[table].name;
	char *dir = path_join(out, name);
	DIR *dp = opendir(dir);
	int rc = 0;
	if (!dp) {
		free(dir);
		return 0;
	}
	struct dirent *de;
	size_t nl = strlen(name);
	while ((de = readdir(dp))) {
		const char *s = de->d_name;
		if (strncmp(s, name, nl) || s[nl] != '_')
			continue;
		const char *q = s + nl + 1;
		if (strspn(q, "0123456789") != 4 || (strcmp(q + 4, ".csv") && strcmp(q + 4, ".csv.gz")))
			continue;
		char *rel = xasprintf("%s/%s", name, s);
		if (!file_written(run, rel, strlen(rel))) {
			char *full = path_join(out, rel);
			if (unlink(full) != 0 && errno != ENOENT)
				rc = err_set(e, ING_EIO, "cannot remove %s: %s", full, strerror(errno));
			free(full);
		}
		free(rel);
	}
	closedir(dp);
	free(dir);
	return rc;
}

/* -------------------------------------------------------------------- run */

struct jobvec {
	struct job *items;
	size_t len, cap;
};

static void add_file_jobs(struct run *run, struct jobvec *jobs, int table, uint32_t file,
			  uint64_t lo, uint64_t hi, uint64_t chunk)
{
	uint32_t c = 0;
	uint64_t a = lo;
	do {
		uint64_t b = hi - a > chunk ? a + chunk : hi;
		struct job j = {table, file, c++, a, b, b == hi};
		vec_push(jobs, j);
		a = b;
	} while (a < hi);
	run->files[file].nchunks = c;
}

static void fmt_day(int32_t day, char *out)
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 9, "%04d%02u%02u", y, m, d);
}

static int validate(const struct gen_opts *o, unsigned *tables, struct err *e)
{
	if (!o->out || !*o->out)
		return err_set(e, ING_EINVAL, "an output directory is needed (--out DIR)");
	if (!(o->scale > 0) || !isfinite(o->scale))
		return err_set(e, ING_EINVAL, "--scale must be a number above 0, not %g", o->scale);
	if (o->scale > 1000)
		return err_set(e, ING_EINVAL, "--scale %g is too large (at most 1000)", o->scale);
	if (o->to <= o->from)
		return err_set(e, ING_EINVAL, "the date range must span at least two days");
	if (o->files < 1 || o->files > 9999)
		return err_set(e, ING_EINVAL, "--files must be between 1 and 9999");
	if (o->threads < 1 || o->threads > 256)
		return err_set(e, ING_EINVAL, "--threads must be between 1 and 256");
	if (o->dirty < 0 || o->dirty > 1 || isnan(o->dirty))
		return err_set(e, ING_EINVAL, "--dirty must be a rate between 0 and 1");
	*tables = o->tables;
	if (!*tables)
		return err_set(e, ING_EINVAL, "no table to generate");
	if (o->window) {
		char a[11], b[11];
		date_format(o->from, a);
		date_format(o->to, b);
		if (o->win_end <= o->win_start)
			return err_set(e, ING_EINVAL, "the window must end after it starts (--end is exclusive)");
		if (o->win_start < o->from || o->win_end > o->to + 1)
			return err_set(e, ING_EINVAL,
				       "the window lies outside the data's date range %s .. %s", a, b);
		if (o->files != 1)
			return err_set(e, ING_EINVAL, "--files cannot be combined with a window");
		unsigned undated = (1u << GEN_PRODUCTS) | (1u << GEN_DISTRIBUTION_CENTERS);
		if (*tables == (1u << GEN_NTABLES) - 1)
			*tables &= ~undated;
		if (*tables & undated)
			return err_set(e, ING_EINVAL,
				       "products and distribution_centers have no dates: generate them "
				       "with a full run, not a window");
	}
	return 0;
}

int gen_thelook(const struct gen_opts *o, struct gen_stats *st, struct err *e)
{
	unsigned tables = 0;
	int rc = validate(o, &tables, e);
	if (rc)
		return rc;
	double t0 = mono_seconds();
	memset(st, 0, sizeof(*st));
	/* OUT and the table folders must be writable before anything is made */
	if ((rc = fs_mkdir_p(o->out, e)))
		return rc;
	for (int t = 0; t < GEN_NTABLES; t++) {
		if (!(tables & (1u << t)))
			continue;
		char *d = path_join(o->out, gen_tables[t].name);
		rc = fs_mkdir_p(d, e);
		free(d);
		if (rc)
			return rc;
	}
	{
		char *probe = path_join(o->out, ".ingot-gen-probe");
		struct atomic_file af;
		rc = atomic_open(&af, probe, e);
		free(probe);
		if (rc)
			return rc;
		atomic_abort(&af);
	}

	struct plan *pl = plan_build(o);
	struct run run = {0};
	run.o = o;
	run.pl = pl;
	pthread_mutex_init(&run.mu, NULL);
	pthread_cond_init(&run.cv, NULL);
	run.thresh = o->dirty >= 1 ? UINT64_MAX : (uint64_t)(o->dirty * 0x1.0p64);
	unsigned nfiles_each = o->window ? 1 : o->files;
	run.files = xcalloc((size_t)GEN_NTABLES * nfiles_each, sizeof(struct gfile));
	struct jobvec jobs = {0};
	uint64_t olo = 0, ohi = pl->norders, ulo = 0, uhi = pl->nusers;
	char wname[32] = "";
	if (o->window) {
		uint32_t a = (uint32_t)(o->win_start - o->from), b = (uint32_t)(o->win_end - o->from);
		olo = pl->orders_cum[a];
		ohi = pl->orders_cum[b];
		ulo = pl->users_cum[a];
		uhi = pl->users_cum[b];
		fmt_day(o->win_start, wname);
		if (o->win_end - o->win_start > 1) {
			wname[8] = '_';
			fmt_day(o->win_end - 1, wname + 9);
		}
	}
	uint64_t est = 0;
	for (int t = 0; t < GEN_NTABLES; t++) {
		if (!(tables & (1u << t)))
			continue;
		uint64_t lo, hi, chunk;
		switch (t) {
		case GEN_USERS: lo = ulo, hi = uhi, chunk = CHUNK_USERS; break;
		case GEN_PRODUCTS: lo = 0, hi = NPRODUCTS, chunk = CHUNK_PRODUCTS; break;
		case GEN_DISTRIBUTION_CENTERS: lo = 0, hi = gen__ncenters, chunk = 64; break;
		case GEN_INVENTORY_ITEMS: lo = olo, hi = ohi, chunk = CHUNK_INV; break;
		case GEN_EVENTS: lo = olo, hi = ohi, chunk = CHUNK_EVENTS; break;
		default: lo = olo, hi = ohi, chunk = CHUNK_ORDERS; break;
		}
		static const unsigned row_bytes[GEN_NTABLES] = {184, 85, 105, 127, 174, 63, 165};
		static const double per_entity[GEN_NTABLES] = {1, 1, 1.48, 1, 4.0, 1, 18.4};
		est += (uint64_t)((double)(hi - lo) * per_entity[t] * row_bytes[t]);
		st->t[t].files = nfiles_each;
		for (unsigned f = 0; f < nfiles_each; f++) {
			struct gfile *gf = &run.files[run.nfiles];
			gf->table = t;
			const char *ext = o->gzip ? ".csv.gz" : ".csv";
			if (o->window)
				gf->rel = xasprintf("%s/%s_%s%s", gen_tables[t].name, gen_tables[t].name,
						    wname, ext);
			else
				gf->rel = xasprintf("%s/%s_%04u%s", gen_tables[t].name,
						    gen_tables[t].name, f + 1, ext);
			gf->path = path_join(o->out, gf->rel);
			uint64_t a = lo + (hi - lo) * f / nfiles_each;
			uint64_t b = lo + (hi - lo) * (f + 1) / nfiles_each;
			add_file_jobs(&run, &jobs, t, (uint32_t)run.nfiles, a, b, chunk);
			run.nfiles++;
		}
	}
	run.jobs = jobs.items;
	run.njobs = jobs.len;
	run.prog = o->progress ? progress_start("gen thelook", o->gzip ? 0 : est) : NULL;

	unsigned nt = o->threads;
	if (nt > run.njobs)
		nt = (unsigned)run.njobs;
	pthread_t *th = xcalloc(nt ? nt : 1, sizeof(pthread_t));
	unsigned started = 0;
	for (unsigned i = 1; i < nt; i++) {
		if (pthread_create(&th[i], NULL, worker, &run) != 0)
			break;
		started++;
	}
	worker(&run);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	free(th);
	progress_done(run.prog);

	if (run.failed) {
		for (size_t i = 0; i < run.nfiles; i++)
			if (run.files[i].open)
				atomic_abort(&run.files[i].af);
		err_move(e, &run.err);
		rc = e->code ? e->code : ING_EIO;
	} else {
		for (size_t i = 0; i < run.nfiles; i++) {
			struct gfile *f = &run.files[i];
			st->t[f->table].rows += f->rows;
			st->t[f->table].bytes += f->bytes;
		}
		st->defects = run.defects.len;
		if (!o->window)
			for (int t = 0; t < GEN_NTABLES && !rc; t++)
				if (tables & (1u << t))
					rc = remove_stale_parts(&run, o->out, t, e);
		if (!rc)
			rc = write_defects(&run, o->out, e);
	}
	st->seconds = mono_seconds() - t0;
	for (size_t i = 0; i < run.nfiles; i++) {
		free(run.files[i].path);
		free(run.files[i].rel);
	}
	free(run.files);
	free(run.jobs);
	vec_free(&run.defects);
	err_clear(&run.err);
	pthread_mutex_destroy(&run.mu);
	pthread_cond_destroy(&run.cv);
	plan_free(pl);
	return rc;
}

/* ------------------------------------------------------ for the unit tests */

size_t gen__fmt_dec(char *out, int64_t v, unsigned dec)
{
	return (size_t)(put_dec(out, v, dec) - out);
}

size_t gen__fmt_ts(char *out, int64_t us)
{
	struct tscache c = {INT64_MIN, {0}};
	return (size_t)(put_ts(out, us, &c) - out);
}

size_t gen__fmt_u64(char *out, uint64_t v)
{
	return (size_t)(put_u64(out, v) - out);
}

char *gen__csv_field(const char *s)
{
	return (char *)csv_encode(s).p;
}

uint64_t gen__rng_draw(uint64_t seed, unsigned stream, uint64_t id, unsigned k)
{
	struct rng r = rng_at(seed, stream, id);
	uint64_t v = 0;
	for (unsigned i = 0; i <= k; i++)
		v = rng_next(&r);
	return v;
}

uint64_t gen__rng_below(uint64_t seed, unsigned stream, uint64_t id, unsigned k, uint64_t n)
{
	struct rng r = rng_at(seed, stream, id);
	for (unsigned i = 0; i < k; i++)
		rng_next(&r);
	return rng_below(&r, n);
}

unsigned gen__split_row(const char *s, size_t n, size_t *fs, size_t *fe, unsigned max)
{
	return split_row(s, n, fs, fe, max);
}

void gen__slugify(const char *s, char *out, size_t cap)
{
	slugify(s, out, cap);
}
