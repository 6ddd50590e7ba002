/*
 * lake/csv.c — a streaming RFC 4180 reader over plain and gzip files.
 *
 * Why by hand: loading is ingot's hot path and its contract is strict
 * (every record accounted for, a precise reason for each bad one, bounded
 * memory). Library CSV parsers either allocate per field, guess dialects,
 * or silently repair input; none reports the cases the loader must count.
 *
 * How it works: one input buffer holds decoded bytes; a record is parsed
 * from its first byte to its terminator in one pass that classifies bytes
 * through a 256-entry table, so plain runs of field text cost one load and
 * one test per byte. When the buffer ends before the record does, the
 * unparsed tail moves to the front, more input is read (the buffer grows
 * up to max_record_bytes) and the record is parsed again from its start:
 * records are small next to the buffer, so the rescan is rare and keeps
 * the parser free of resumable state. A record longer than the cap is
 * skipped in streaming fashion (tracking only quote parity) and reported.
 *
 * Fields are returned as pointers into the input buffer; only quoted fields
 * holding doubled quotes or escapes are unescaped, into a scratch buffer.
 * The SHA-256 of the raw (compressed) bytes is computed while reading, so
 * the loader fingerprints a file in the same pass that loads it. For a
 * file, a read-ahead thread does the reading and the hashing (a ring of
 * PF_SLOTS raw chunks, filled in file order and handed over in the same
 * order): the digest is of exactly the bytes parsed, and the thread that
 * parses spends its time parsing. The thread is internal; the reader is
 * still used by one thread at a time.
 *
 * Deliberately not here: type conversion (convert.c), dialect sniffing,
 * encodings other than UTF-8, repairing bad records.
 */
#include "lake/lake.h"
#include "lake/lake_int.h"
#include "core/digest.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define RAW_CHUNK (1u << 20)
#define BUF_MIN (4u << 20)
#define PF_SLOTS 8

/* Read-ahead of a file: raw chunks read and hashed by their own thread. */
struct prefetch {
	pthread_t th;
	int fd;
	struct digest *sha; /* the thread's until done */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *chunk[PF_SLOTS];
	size_t len[PF_SLOTS];
	size_t head, count, pos; /* filled chunks: a ring; pos into chunk[head] */
	bool done, stop;         /* done: end of file or a read error */
	int err;
};

enum { C_DELIM = 1, C_LF = 2, C_CR = 4, C_QUOTE = 8, C_NUL = 16, C_HIGH = 32, C_ESC = 64 };
#define U_STOP (C_DELIM | C_LF | C_CR | C_QUOTE | C_NUL | C_HIGH)
#define Q_STOP (C_QUOTE | C_ESC | C_LF | C_NUL | C_HIGH)

struct csv_reader {
	char *name;
	struct csv_opts o;
	int fd; /* -1 for memory input */
	const unsigned char *mem;
	size_t memlen, mempos;
	bool gz, zdone, raw_eof;
	z_stream z;
	unsigned char *zin;
	bool eof; /* no more decoded bytes will come */
	bool started;
	char *buf;
	size_t cap, start, end;
	uint64_t line;
	uint64_t raw_bytes;
	struct digest *sha;
	struct prefetch *pf; /* files only */
	bool fast;           /* parse_plain may be tried */
	uint64_t fast_hit, fast_miss;
	/* fields of the current record */
	size_t fcap;
	const char **f;
	uint32_t *len;
	uint8_t *quoted;
	size_t *off;
	uint8_t *unesc;
	struct buf scratch;
	char bad[CSV_RAW_KEEP];
	char why[128]; /* a reason with a number in it */
	uint8_t cls[256];
};

static void init_common(struct csv_reader *r, const char *name, const struct csv_opts *o,
			size_t cap)
{
	r->name = xstrdup(name);
	r->o = *o;
	if (!r->o.max_record_bytes)
		r->o.max_record_bytes = 16u << 20;
	if (!r->o.max_quoted_lines)
		r->o.max_quoted_lines = CSV_MAX_QUOTED_LINES;
	if (!r->o.max_quoted_bytes)
		r->o.max_quoted_bytes = CSV_MAX_QUOTED_BYTES;
	r->line = 1;
	memset(r->cls, 0, sizeof(r->cls));
	for (int c = 0x80; c < 256; c++)
		r->cls[c] = C_HIGH;
	r->cls[(unsigned char)o->delimiter] |= C_DELIM;
	r->cls['\n'] = C_LF;
	r->cls['\r'] = C_CR;
	r->cls[0] = C_NUL;
	if (o->quote)
		r->cls[(unsigned char)o->quote] |= C_QUOTE;
	if (o->quote && o->escape && o->escape != o->quote)
		r->cls[(unsigned char)o->escape] |= C_ESC;
	r->cap = cap;
	r->buf = xmalloc(r->cap);
	unsigned char dl = (unsigned char)o->delimiter;
	r->fast = dl && dl < 0x80 && dl != '\n' && dl != '\r' && dl != (unsigned char)o->quote;
	r->scratch.max = r->o.max_record_bytes + 16;
	r->sha = digest_sha256_new();
}

static void *pf_main(void *arg)
{
	struct prefetch *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->count == PF_SLOTS && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		bool stop = p->stop;
		size_t slot = (p->head + p->count) % PF_SLOTS;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		ssize_t k;
		do
			k = read(p->fd, p->chunk[slot], RAW_CHUNK);
		while (k < 0 && errno == EINTR);
		int er = k < 0 ? errno : 0;
		if (k > 0)
			digest_update(p->sha, p->chunk[slot], (size_t)k);
		pthread_mutex_lock(&p->mu);
		if (k > 0) {
			p->len[slot] = (size_t)k;
			p->count++;
		} else {
			p->done = true;
			p->err = er;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (k <= 0)
			break;
	}
	return NULL;
}

int csv_open(const char *path, const struct csv_opts *o, struct csv_reader **out, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ING_EIO, "cannot open %s: %s", path, strerror(errno));
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	init_common(r, path, o, BUF_MIN);
	r->fd = fd;
	struct prefetch *p = xcalloc(1, sizeof(*p));
	p->fd = fd;
	p->sha = r->sha;
	for (int i = 0; i < PF_SLOTS; i++)
		p->chunk[i] = xmalloc(RAW_CHUNK);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->th, NULL, pf_main, p)) {
		/* no thread: read and hash inline */
		for (int i = 0; i < PF_SLOTS; i++)
			free(p->chunk[i]);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		free(p);
		p = NULL;
	}
	r->pf = p;
	*out = r;
	return 0;
}

static void pf_free(struct prefetch *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	for (int i = 0; i < PF_SLOTS; i++)
		free(p->chunk[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* The next bytes of the read-ahead (hashed already); 0 at the end. */
static int pf_read(struct csv_reader *r, void *dst, size_t n, size_t *got, struct err *e)
{
	struct prefetch *p = r->pf;
	pthread_mutex_lock(&p->mu);
	while (!p->count && !p->done)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->count) {
		int er = p->err;
		pthread_mutex_unlock(&p->mu);
		if (er)
			return err_set(e, ING_EIO, "cannot read %s: %s", r->name, strerror(er));
		return 0;
	}
	const unsigned char *src = p->chunk[p->head] + p->pos;
	size_t avail = p->len[p->head] - p->pos;
	pthread_mutex_unlock(&p->mu);
	size_t k = n < avail ? n : avail;
	memcpy(dst, src, k);
	pthread_mutex_lock(&p->mu);
	p->pos += k;
	if (p->pos == p->len[p->head]) {
		p->head = (p->head + 1) % PF_SLOTS;
		p->count--;
		p->pos = 0;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	*got = k;
	return 0;
}

int csv_open_mem(const void *data, size_t n, const char *name, const struct csv_opts *o,
		 struct csv_reader **out, struct err *e)
{
	(void)e;
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	/* small input (tests, fuzzing): a small buffer, grown on demand */
	init_common(r, name, o, n < 4096 ? 4096 : n < BUF_MIN ? n + 1 : BUF_MIN);
	r->fd = -1;
	r->mem = data;
	r->memlen = n;
	*out = r;
	return 0;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	if (r->pf)
		pf_free(r->pf);
	if (r->fd >= 0)
		close(r->fd);
	if (r->gz)
		inflateEnd(&r->z);
	digest_free(r->sha);
	free(r->zin);
	free(r->buf);
	free(r->f);
	free(r->len);
	free(r->quoted);
	free(r->off);
	free(r->unesc);
	buf_free(&r->scratch);
	free(r->name);
	free(r);
}

uint64_t csv_bytes_read(const struct csv_reader *r)
{
	return r->raw_bytes;
}

void csv_digest(struct csv_reader *r, char out[65], uint64_t *nbytes)
{
	if (r->pf) {
		/* the read-ahead is at the end (EOF was returned): the hash is ours */
		pf_free(r->pf);
		r->pf = NULL;
	}
	digest_final_hex(r->sha, out);
	*nbytes = r->raw_bytes;
}

/* Raw bytes from the file or memory; 0 at end. */
static int raw_read(struct csv_reader *r, void *dst, size_t n, size_t *got, struct err *e)
{
	*got = 0;
	if (r->raw_eof)
		return 0;
	if (r->pf) {
		int rc = pf_read(r, dst, n, got, e);
		if (rc)
			return rc;
		if (!*got)
			r->raw_eof = true;
		r->raw_bytes += *got;
		return 0;
	}
	if (r->fd < 0) {
		size_t k = r->memlen - r->mempos < n ? r->memlen - r->mempos : n;
		memcpy(dst, r->mem + r->mempos, k);
		r->mempos += k;
		*got = k;
	} else {
		ssize_t k;
		do
			k = read(r->fd, dst, n);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			return err_set(e, ING_EIO, "cannot read %s: %s", r->name, strerror(errno));
		*got = (size_t)k;
	}
	if (!*got)
		r->raw_eof = true;
	digest_update(r->sha, dst, *got);
	r->raw_bytes += *got;
	return 0;
}

/* Decode up to n bytes into dst; *got = 0 means end of input. */
static int decode(struct csv_reader *r, char *dst, size_t n, size_t *got, struct err *e)
{
	*got = 0;
	if (!r->gz)
		return raw_read(r, dst, n, got, e);
	r->z.next_out = (unsigned char *)dst;
	r->z.avail_out = (uInt)n;
	while (r->z.avail_out == n) {
		if (r->z.avail_in == 0) {
			size_t k;
			int rc = raw_read(r, r->zin, RAW_CHUNK, &k, e);
			if (rc)
				return rc;
			if (!k) {
				if (!r->zdone)
					return err_set(e, ING_EIO,
						       "%s: truncated gzip file (the stream ends early)",
						       r->name);
				break;
			}
			r->z.next_in = r->zin;
			r->z.avail_in = (uInt)k;
		}
		if (r->zdone) {
			/* another gzip member follows */
			if (inflateReset(&r->z) != Z_OK)
				return err_set(e, ING_EIO, "%s: gzip reset failed", r->name);
			r->zdone = false;
		}
		int zr = inflate(&r->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			r->zdone = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return err_set(e, ING_EIO, "%s: corrupt gzip data (%s)", r->name,
				       r->z.msg ? r->z.msg : "inflate failed");
	}
	*got = n - r->z.avail_out;
	return 0;
}

/* Compact and read more decoded input. Sets eof at the end. */
static int fill(struct csv_reader *r, struct err *e)
{
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	if (!r->started && !r->gz && r->end == 0) {
		/* gzip magic at the first byte of the file */
		size_t got;
		int rc = raw_read(r, r->buf, r->cap < RAW_CHUNK ? r->cap : RAW_CHUNK, &got, e);
		if (rc)
			return rc;
		if (got >= 2 && (unsigned char)r->buf[0] == 0x1f && (unsigned char)r->buf[1] == 0x8b) {
			r->gz = true;
			memset(&r->z, 0, sizeof(r->z));
			if (inflateInit2(&r->z, 15 + 16) != Z_OK)
				return err_set(e, ING_EIO, "%s: cannot start gzip decoding", r->name);
			r->zin = xmalloc(RAW_CHUNK);
			memcpy(r->zin, r->buf, got);
			r->z.next_in = r->zin;
			r->z.avail_in = (uInt)got;
			return fill(r, e);
		}
		r->end = got;
		if (!got)
			r->eof = true;
		return 0;
	}
	size_t room = r->cap - r->end, got;
	int rc = decode(r, r->buf + r->end, room, &got, e);
	if (rc)
		return rc;
	r->end += got;
	if (!got)
		r->eof = true;
	return 0;
}

bool lake_utf8_valid(const char *str, size_t n)
{
	return utf8_valid_len(str, n) == n;
}

enum { P_OK, P_MORE, P_BAD, P_SKIP };

static void grow_fields(struct csv_reader *r)
{
	size_t nc = r->fcap ? r->fcap * 2 : 64;
	r->f = xrealloc(r->f, nc * sizeof(*r->f));
	r->len = xrealloc(r->len, nc * sizeof(*r->len));
	r->quoted = xrealloc(r->quoted, nc);
	r->off = xrealloc(r->off, nc * sizeof(*r->off));
	r->unesc = xrealloc(r->unesc, nc);
	r->fcap = nc;
}

/* A bad quoted field: the record is its first line only, and reading goes
 * on at the next line (what an unclosed quote would swallow is read again). */
static int bad_first_line(struct csv_reader *r, size_t *next, size_t *rawend, uint64_t *lfs_out)
{
	const char *b = r->buf;
	const char *nl = memchr(b + r->start, '\n', r->end - r->start);
	if (!nl) {
		if (!r->eof)
			return P_MORE;
		*next = *rawend = r->end;
	} else {
		*next = (size_t)(nl - b) + 1;
		*rawend = (size_t)(nl - b) - (nl > b + r->start && nl[-1] == '\r');
	}
	*lfs_out = 0;
	return P_BAD;
}

/*
 * Parse the record at r->start. P_OK: fields in off/len/quoted/unesc, *nf
 * set, *next after the terminator, *rawend at the end of the content.
 * P_BAD: *reason, *next after the next LF (resync), *rawend before it.
 * P_SKIP: an empty line. P_MORE: the buffer ends first.
 */
static int parse(struct csv_reader *r, size_t *nf_out, size_t *next, size_t *rawend,
		 const char **reason, uint64_t *lfs_out)
{
	const char *b = r->buf;
	const uint8_t *cls = r->cls;
	const size_t end = r->end;
	const bool eof = r->eof;
	const char q = r->o.quote, esc = r->o.escape, d = r->o.delimiter;
	size_t p = r->start, nf = 0;
	uint64_t lfs = 0;
	bool high = false;

	if (b[p] == '\n') {
		*next = p + 1;
		*lfs_out = 0;
		return P_SKIP;
	}
	if (b[p] == '\r') {
		if (p + 1 >= end && !eof)
			return P_MORE;
		if (p + 1 < end && b[p + 1] == '\n') {
			*next = p + 2;
			*lfs_out = 0;
			return P_SKIP;
		}
	}
	for (;;) {
		if (nf == r->fcap)
			grow_fields(r);
		if (q && p < end && b[p] == q) {
			size_t cs = ++p, fe;
			uint64_t lfs0 = lfs;
			bool un = false;
			for (;;) {
				while (p < end && !(cls[(uint8_t)b[p]] & Q_STOP))
					p++;
				if (p - cs > r->o.max_quoted_bytes) {
					snprintf(r->why, sizeof(r->why),
						 "quoted field longer than %zu bytes (max_quoted_bytes; "
						 "an unclosed quote?)",
						 r->o.max_quoted_bytes);
					*reason = r->why;
					return bad_first_line(r, next, rawend, lfs_out);
				}
				if (p >= end) {
					if (!eof)
						return P_MORE;
					*reason = "unterminated quoted field";
					return bad_first_line(r, next, rawend, lfs_out);
				}
				char c = b[p];
				uint8_t k = cls[(uint8_t)c];
				if (k & C_HIGH) {
					high = true;
					p++;
					continue;
				}
				if (c == '\n') {
					if (++lfs - lfs0 >= r->o.max_quoted_lines) {
						snprintf(r->why, sizeof(r->why),
							 "quoted field spans more than %zu lines "
							 "(max_quoted_lines; an unclosed quote?)",
							 r->o.max_quoted_lines);
						*reason = r->why;
						return bad_first_line(r, next, rawend, lfs_out);
					}
					p++;
					continue;
				}
				if (c == 0) {
					*reason = "NUL byte in the record";
					goto bad;
				}
				if ((k & C_ESC) && !(k & C_QUOTE)) {
					if (p + 1 >= end) {
						if (!eof)
							return P_MORE;
						*reason = "unterminated quoted field";
						return bad_first_line(r, next, rawend, lfs_out);
					}
					/* the escaped byte is data: checked like any other */
					uint8_t k1 = cls[(uint8_t)b[p + 1]];
					if (k1 & C_NUL) {
						p++;
						*reason = "NUL byte in the record";
						goto bad;
					}
					if (k1 & C_HIGH)
						high = true;
					if (b[p + 1] == '\n')
						lfs++;
					un = true;
					p += 2;
					continue;
				}
				/* a quote */
				if (p + 1 >= end && !eof)
					return P_MORE;
				if (esc == q && p + 1 < end && b[p + 1] == q) {
					un = true;
					p += 2;
					continue;
				}
				fe = p++;
				break;
			}
			r->off[nf] = cs;
			r->len[nf] = (uint32_t)(fe - cs);
			r->quoted[nf] = 1;
			r->unesc[nf] = un;
			nf++;
			if (p >= end) {
				if (!eof)
					return P_MORE;
				*next = *rawend = end;
				break;
			}
			char c = b[p];
			if (c == d) {
				p++;
				continue;
			}
			if (c == '\n') {
				*rawend = p;
				*next = p + 1;
				break;
			}
			if (c == '\r') {
				if (p + 1 >= end && !eof)
					return P_MORE;
				if (p + 1 < end && b[p + 1] == '\n') {
					*rawend = p;
					*next = p + 2;
					break;
				}
				*reason = "bare CR (carriage return without line feed)";
				goto bad;
			}
			*reason = "text after a closing quote";
			goto bad;
		}
		size_t fs = p;
		for (;;) {
			while (p < end && !(cls[(uint8_t)b[p]] & U_STOP))
				p++;
			if (p < end && (cls[(uint8_t)b[p]] & C_HIGH)) {
				high = true;
				p++;
				continue;
			}
			break;
		}
		r->off[nf] = fs;
		r->len[nf] = (uint32_t)(p - fs);
		r->quoted[nf] = 0;
		r->unesc[nf] = 0;
		nf++;
		if (p >= end) {
			if (!eof)
				return P_MORE;
			*next = *rawend = end;
			break;
		}
		char c = b[p];
		uint8_t k = cls[(uint8_t)c];
		if (k & C_DELIM) {
			p++;
			continue;
		}
		if (c == '\n') {
			*rawend = p;
			*next = p + 1;
			break;
		}
		if (c == '\r') {
			if (p + 1 >= end && !eof)
				return P_MORE;
			if (p + 1 < end && b[p + 1] == '\n') {
				*rawend = p;
				*next = p + 2;
				break;
			}
			*reason = "bare CR (carriage return without line feed)";
			goto bad;
		}
		if (c == 0) {
			*reason = "NUL byte in the record";
			goto bad;
		}
		*reason = "stray quote in an unquoted field";
		goto bad;
	}
	if (high && !lake_utf8_valid(b + r->start, *rawend - r->start)) {
		*reason = "invalid UTF-8";
		*lfs_out = lfs;
		return P_BAD;
	}
	*nf_out = nf;
	*lfs_out = lfs;
	return P_OK;
bad: {
	const char *nl = memchr(b + p, '\n', end - p);
	if (!nl) {
		if (!eof)
			return P_MORE;
		*next = *rawend = end;
	} else {
		*next = (size_t)(nl - b) + 1;
		*rawend = (size_t)(nl - b) - (nl > b + p && nl[-1] == '\r');
	}
	*lfs_out = lfs;
	return P_BAD;
}
}

#ifdef __SSE2__
/*
 * The common record, fast: no quote, CR, NUL or byte >= 0x80 before its
 * LF, all of it in the buffer. 16 bytes at a time are compared with the
 * bytes that stop an unquoted field (exactly parse's U_STOP set); only
 * delimiters and the final LF are accepted, anything else returns false
 * and parse() takes the record from its start. Its result is then the one
 * parse() gives for such a record.
 */
static bool parse_plain(struct csv_reader *r, size_t *nf_out, size_t *next, size_t *rawend)
{
	const char *b = r->buf;
	const size_t end = r->end;
	const char d = r->o.delimiter;
	const __m128i vd = _mm_set1_epi8(d), vlf = _mm_set1_epi8('\n'), vcr = _mm_set1_epi8('\r'),
		      vq = _mm_set1_epi8(r->o.quote), z = _mm_setzero_si128();
	size_t p = r->start, fs = p, nf = 0;
	if (b[p] == '\n' || b[p] == '\r')
		return false;
	for (; p + 16 <= end; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(b + p));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vlf)),
					 _mm_or_si128(_mm_cmpeq_epi8(x, vcr), _mm_cmpeq_epi8(x, vq)));
		m = _mm_or_si128(m, _mm_cmpeq_epi8(x, z));
		unsigned bits = (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(x);
		while (bits) {
			size_t q = p + (size_t)__builtin_ctz(bits);
			char c = b[q];
			if (c != d && c != '\n')
				return false;
			if (nf == r->fcap)
				grow_fields(r);
			r->off[nf] = fs;
			r->len[nf] = (uint32_t)(q - fs);
			r->quoted[nf] = 0;
			r->unesc[nf] = 0;
			nf++;
			if (c == '\n') {
				*rawend = q;
				*next = q + 1;
				*nf_out = nf;
				return true;
			}
			fs = q + 1;
			bits &= bits - 1;
		}
	}
	return false;
}
#endif

static void keep_raw(struct csv_reader *r, struct csv_record *rec, size_t from, size_t to)
{
	size_t n = to - from < CSV_RAW_KEEP ? to - from : CSV_RAW_KEEP;
	memcpy(r->bad, r->buf + from, n);
	rec->raw = r->bad;
	rec->rawlen = n;
}

/* Skip a record longer than the cap: stream to its end tracking quotes. */
static int skip_long(struct csv_reader *r, struct csv_record *rec, struct err *e)
{
	keep_raw(r, rec, r->start, r->end);
	bool inq = false, escnext = false;
	const char q = r->o.quote, esc = r->o.escape;
	uint64_t lfs = 0, qlfs = 0, qbytes = 0;
	for (;;) {
		size_t p = r->start;
		for (; p < r->end; p++) {
			char c = r->buf[p];
			/* a quote open past the bounds is taken as unclosed: the
			 * record then ends at the next line end */
			if (inq && (++qbytes > r->o.max_quoted_bytes ||
				    qlfs >= r->o.max_quoted_lines))
				inq = false;
			if (escnext) {
				escnext = false;
				continue;
			}
			if (inq && esc != q && c == esc) {
				escnext = true;
				continue;
			}
			if (q && c == q) {
				inq = !inq;
				qlfs = qbytes = 0;
				continue;
			}
			if (c == '\n') {
				if (!inq)
					break;
				lfs++;
				qlfs++;
			}
		}
		if (p < r->end) {
			r->start = p + 1;
			break;
		}
		r->start = r->end;
		if (r->eof)
			break;
		int rc = fill(r, e);
		if (rc)
			return rc;
	}
	rec->nfields = 0;
	rec->reason = "record longer than max_record_bytes";
	rec->line = r->line;
	r->line += 1 + lfs;
	return CSV_BAD;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, struct err *e)
{
	int rc;
	if (!r->started) {
		while (r->end - r->start < 3 && !r->eof)
			if ((rc = fill(r, e)))
				return rc;
		if (r->end - r->start >= 3 && !memcmp(r->buf + r->start, "\xEF\xBB\xBF", 3))
			r->start += 3;
		r->started = true;
	}
	for (;;) {
		if (r->start >= r->end) {
			if (r->eof)
				return CSV_EOF;
			if ((rc = fill(r, e)))
				return rc;
			continue;
		}
		size_t nf = 0, next = 0, rawend = 0;
		uint64_t lfs = 0;
		const char *reason = NULL;
		int pr;
#ifdef __SSE2__
		if (r->fast && parse_plain(r, &nf, &next, &rawend)) {
			pr = P_OK;
			r->fast_hit++;
		} else
#endif
		{
			pr = parse(r, &nf, &next, &rawend, &reason, &lfs);
			/* input where the fast path mostly fails: stop trying it */
			if (r->fast && ++r->fast_miss >= 256 && r->fast_miss > r->fast_hit)
				r->fast = false;
		}
		if (pr == P_MORE) {
			if (r->end - r->start >= r->o.max_record_bytes)
				return skip_long(r, rec, e);
			if ((rc = fill(r, e)))
				return rc;
			continue;
		}
		if (pr == P_SKIP) {
			r->start = next;
			r->line++;
			continue;
		}
		rec->line = r->line;
		r->line += 1 + lfs;
		if (next - r->start > r->o.max_record_bytes) {
			pr = P_BAD;
			reason = "record longer than max_record_bytes";
		}
		if (pr == P_BAD) {
			keep_raw(r, rec, r->start, rawend);
			rec->nfields = 0;
			rec->reason = reason;
			r->start = next;
			return CSV_BAD;
		}
		/* unescape what needs it, into scratch sized once */
		size_t need = 0;
		for (size_t i = 0; i < nf; i++)
			if (r->unesc[i])
				need += r->len[i];
		buf_reset(&r->scratch);
		if (need && buf_grow(&r->scratch, need))
			BUG("scratch smaller than a record");
		char *w = r->scratch.data;
		const char q = r->o.quote, esc = r->o.escape;
		for (size_t i = 0; i < nf; i++) {
			const char *s = r->buf + r->off[i];
			if (!r->unesc[i]) {
				r->f[i] = s;
				continue;
			}
			char *ws = w;
			for (size_t j = 0; j < r->len[i]; j++) {
				if ((s[j] == esc || (esc == q && s[j] == q)) && j + 1 < r->len[i])
					j++;
				*w++ = s[j];
			}
			r->f[i] = ws;
			r->len[i] = (uint32_t)(w - ws);
		}
		rec->nfields = nf;
		rec->f = r->f;
		rec->len = r->len;
		rec->quoted = r->quoted;
		rec->raw = r->buf + r->start;
		rec->rawlen = rawend - r->start;
		rec->reason = NULL;
		r->start = next;
		return CSV_RECORD;
	}
}
