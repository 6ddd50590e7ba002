/*
 * core/digest.c — sha256 and md5 as hex (see digest.h), over libcrypto's
 * EVP interface. An allocation failure inside OpenSSL is treated like any
 * other out-of-memory: it aborts (xmalloc's rule), so callers never see a
 * half-computed digest.
 */
#include "core/digest.h"
#include "core/mem.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

struct digest {
	EVP_MD_CTX *ctx;
};

void hex_encode(const void *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

static void one_shot(const EVP_MD *md, const void *p, size_t n, char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (!EVP_Digest(p, n, h, &len, md, NULL)) {
		fputs("ingot: out of memory computing a digest\n", stderr);
		abort();
	}
	hex_encode(h, len, out);
}

void digest_sha256_hex(const void *p, size_t n, char out[DIGEST_SHA256_HEX])
{
	one_shot(EVP_sha256(), p, n, out);
}

void digest_md5_hex(const void *p, size_t n, char out[DIGEST_MD5_HEX])
{
	one_shot(EVP_md5(), p, n, out);
}

void digest_sha1_hex(const void *p, size_t n, char out[DIGEST_SHA1_HEX])
{
	one_shot(EVP_sha1(), p, n, out);
}

struct digest *digest_sha256_new(void)
{
	struct digest *d = xcalloc(1, sizeof(*d));
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || !EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL)) {
		fputs("ingot: out of memory starting a digest\n", stderr);
		abort();
	}
	return d;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
	EVP_DigestUpdate(d->ctx, p, n);
}

void digest_final_hex(struct digest *d, char out[DIGEST_SHA256_HEX])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestFinal_ex(d->ctx, h, &len);
	hex_encode(h, len, out);
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}
