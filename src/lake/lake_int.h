/*
 * lake/lake_int.h — helpers shared inside the lake module only.
 */
#ifndef INGOT_LAKE_INT_H
#define INGOT_LAKE_INT_H

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void lake__hex(const unsigned char *md, unsigned n, char *out);

#endif
