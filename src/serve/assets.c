/*
 * serve/assets.c — the page's static files (see assets.h).
 *
 * Embedded: a linear scan of the generated table (a handful of names).
 * Developer mode (INGOT_WEB_DIR): each lookup lists the directory (fs_glob)
 * and reads the file only when its listed name equals the requested one,
 * then gzips and hashes it, so an edit shows on the next reload of the page
 * without a rebuild. A name is never joined to a path unless the listing
 * holds exactly it.
 */
#include "serve/assets.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct serve_assets {
	char *dir; /* NULL: embedded */
};

struct dev_asset { /* developer mode: one lookup's copy */
	struct serve_asset a;
	struct buf raw, gz;
	char etag[DIGEST_SHA256_HEX + 3];
};

const char *serve_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},                {".json", "application/json"},
		{".map", "application/json"},             {".png", "image/png"},
		{".ico", "image/x-icon"},                 {".txt", "text/plain; charset=utf-8"},
		{".md", "text/plain; charset=utf-8"},     {".woff2", "font/woff2"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_endswith(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

int serve_assets_open(const char *dir, struct serve_assets **out, struct err *e)
{
	if (dir && !fs_is_dir(dir))
		return err_set(e, ING_ENOTFOUND,
			       "INGOT_WEB_DIR=%s is not a directory (unset it to serve the embedded page)",
			       dir);
	struct serve_assets *a = xcalloc(1, sizeof(*a));
	a->dir = dir ? xstrdup(dir) : NULL;
	*out = a;
	return 0;
}

void serve_assets_close(struct serve_assets *a)
{
	if (!a)
		return;
	free(a->dir);
	free(a);
}

bool serve_assets_dev(const struct serve_assets *a)
{
	return a && a->dir;
}

static int gzip_bytes(const void *p, size_t n, struct buf *out)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header (no name, no time) */
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&zs, (uLong)n) + 32;
	buf_grow(out, bound);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out->data;
	zs.avail_out = (uInt)bound;
	int rc = deflate(&zs, Z_FINISH);
	if (rc == Z_STREAM_END)
		out->len = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

static const struct serve_asset *dev_find(const struct serve_assets *a, const char *name)
{
	char **files = NULL;
	size_t n = 0;
	struct err ge = ERR_INIT;
	const char *hit = NULL;
	if (!fs_glob(a->dir, "**/*", &files, &n, &ge))
		for (size_t i = 0; i < n && !hit; i++)
			if (!strcmp(files[i], name))
				hit = files[i];
	err_clear(&ge);
	struct dev_asset *d = NULL;
	if (hit) {
		d = xcalloc(1, sizeof(*d));
		char *path = path_join(a->dir, hit);
		struct err re = ERR_INIT;
		if (fs_read_file(path, &d->raw, 64u << 20, &re) || gzip_bytes(d->raw.data, d->raw.len, &d->gz)) {
			buf_free(&d->raw);
			buf_free(&d->gz);
			free(d);
			d = NULL;
		}
		err_clear(&re);
		free(path);
	}
	if (d) {
		char hex[DIGEST_SHA256_HEX];
		digest_sha256_hex(d->raw.data ? d->raw.data : "", d->raw.len, hex);
		snprintf(d->etag, sizeof(d->etag), "\"%s\"", hex);
		d->a.name = d->etag; /* unused by callers; never NULL */
		d->a.type = serve_content_type(name);
		d->a.raw = (const unsigned char *)(d->raw.data ? d->raw.data : "");
		d->a.raw_len = d->raw.len;
		d->a.gz = (const unsigned char *)d->gz.data;
		d->a.gz_len = d->gz.len;
		d->a.etag = d->etag;
	}
	fs_glob_free(files, n);
	return d ? &d->a : NULL;
}

const struct serve_asset *serve_asset_get(const struct serve_assets *a, const char *name)
{
	if (!name || !*name)
		return NULL;
	if (a && a->dir)
		return dev_find(a, name);
	for (unsigned long i = 0; i < serve_nassets; i++)
		if (!strcmp(serve_assets[i].name, name))
			return &serve_assets[i];
	return NULL;
}

void serve_asset_put(const struct serve_assets *a, const struct serve_asset *as)
{
	if (!a || !a->dir || !as)
		return;
	struct dev_asset *d = (struct dev_asset *)(uintptr_t)as; /* a is d's first member */
	buf_free(&d->raw);
	buf_free(&d->gz);
	free(d);
}
