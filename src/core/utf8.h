/*
 * core/utf8.h — the one UTF-8 validator: strict (no overlongs, no
 * surrogates, nothing above U+10FFFF), with an 8-bytes-at-a-time ASCII
 * path since CSV loading calls it on every non-ASCII record.
 *
 *   size_t bad = utf8_valid_len(text, len);   // == len when all valid
 */
#ifndef INGOT_CORE_UTF8_H
#define INGOT_CORE_UTF8_H

#include <stddef.h>

/* Length of the longest valid UTF-8 prefix of s[0..n): the offset of the
 * first byte that does not start (or end) a valid sequence, or n. */
size_t utf8_valid_len(const char *s, size_t n);

#endif
