/*
 * core/digest.h — the one place bytes become a hex digest: sha256 (file
 * fingerprints, dbt checksums) and md5 (dbt's unique ids and config
 * hashes, local_md5), one-shot or streamed, always lowercase hex.
 *
 * Streaming: digest_sha256_new, digest_update as bytes arrive (any thread,
 * one at a time), digest_final_hex once, digest_free (which also frees an
 * unfinished digest). OpenSSL's libcrypto does the hashing.
 */
#ifndef INGOT_CORE_DIGEST_H
#define INGOT_CORE_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_HEX 65 /* 64 hex digits + NUL */
#define DIGEST_MD5_HEX 33    /* 32 hex digits + NUL */
#define DIGEST_SHA1_HEX 41   /* 40 hex digits + NUL */

/* Lowercase hex of n bytes: 2n characters and a NUL into out. */
void hex_encode(const void *p, size_t n, char *out);

void digest_sha256_hex(const void *p, size_t n, char out[DIGEST_SHA256_HEX]);
void digest_md5_hex(const void *p, size_t n, char out[DIGEST_MD5_HEX]);
/* sha1: only where a dbt format names it (package-lock.yml's sha1_hash). */
void digest_sha1_hex(const void *p, size_t n, char out[DIGEST_SHA1_HEX]);

struct digest;
struct digest *digest_sha256_new(void);
void digest_update(struct digest *d, const void *p, size_t n);
/* Finish and write the hex digest; d must then only be freed. */
void digest_final_hex(struct digest *d, char out[DIGEST_SHA256_HEX]);
void digest_free(struct digest *d);

#endif
