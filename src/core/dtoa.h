/*
 * core/dtoa.h — the one way a double becomes text: the shortest decimal
 * that reads back as the same double, spelled as Python's repr() spells it.
 *
 *   0.1 -> "0.1"   100.0 -> "100.0"   1e16 -> "1e+16"   1.5e-05 -> "1.5e-05"
 *   -0.0 -> "-0.0" NaN -> "nan"       infinities -> "inf", "-inf"
 *
 * Fixed notation for decimal exponents -4..15, scientific (at least two
 * exponent digits) outside; an integral value keeps ".0" so it still reads
 * as a float. Jinja output, `ingot show`, JSON artifacts, test arguments
 * and PostgreSQL parameters all use it, so a value prints the same way
 * everywhere (and as DuckDB's own DOUBLE to VARCHAR cast prints it).
 * Callers that need something else for NaN/inf (JSON null) check first.
 */
#ifndef INGOT_CORE_DTOA_H
#define INGOT_CORE_DTOA_H

#include <stddef.h>

/* Room for any dtoa_repr text and its terminator. */
#define DTOA_BUFSZ 32

/* The shortest significant digits (no sign, no dot, at most 17, trailing
 * zeros removed) that round-trip d, finite and non-zero, and the decimal
 * exponent of the first: d = ±0.d1d2... * 10^(exp+1). Returns the count. */
size_t dtoa_shortest(double d, char digits[18], int *exp10);

/* Python repr of d into out (NUL-terminated); returns the length. */
size_t dtoa_repr(double d, char out[DTOA_BUFSZ]);

#endif
