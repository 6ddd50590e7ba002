/*
 * gen/thelook_int.h — generator internals exposed for the unit tests
 * (tests/unit/test_gen.c). Not an API: only gen/ and its tests include it.
 */
#ifndef INGOT_GEN_THELOOK_INT_H
#define INGOT_GEN_THELOOK_INT_H

#include <stddef.h>
#include <stdint.h>

/* v / 10^dec, trailing zeros trimmed (one fraction digit kept); returns length. */
size_t gen__fmt_dec(char *out, int64_t v, unsigned dec);
/* "YYYY-MM-DD HH:MM:SS[.ffffff] UTC"; out >= 40 bytes; returns length. */
size_t gen__fmt_ts(char *out, int64_t us);
/* Decimal digits of v; returns length. */
size_t gen__fmt_u64(char *out, uint64_t v);
/* The CSV form of s (quoted only when needed); malloc'd. */
char *gen__csv_field(const char *s);
/* The k-th draw (0-based) of the RNG keyed by (seed, stream, id). */
uint64_t gen__rng_draw(uint64_t seed, unsigned stream, uint64_t id, unsigned k);
/* A uniform draw below n from the same key (k-th draw). */
uint64_t gen__rng_below(uint64_t seed, unsigned stream, uint64_t id, unsigned k, uint64_t n);
/* Field boundaries of one CSV row (no newline); returns the field count. */
unsigned gen__split_row(const char *s, size_t n, size_t *fs, size_t *fe, unsigned max);
/* URI slug of a name ("Café Coton" → "cafe-coton"). */
void gen__slugify(const char *s, char *out, size_t cap);

#endif
