/*
 * serve/assets.h — the page's static files: the table scripts/embed-assets
 * generates into $(BUILD)/gen/assets.c (every file under web/ and ECharts),
 * or, in developer mode (INGOT_WEB_DIR=DIR), files read from DIR.
 *
 * A name is looked up in the table and nowhere else: a URL never becomes a
 * path. In developer mode the name must be one the directory holds when the
 * server starts (listed once), so traversal is impossible there too.
 */
#ifndef INGOT_SERVE_ASSETS_H
#define INGOT_SERVE_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

struct serve_asset {
	const char *name; /* "index.html", "app.js", "echarts.min.js" */
	const char *type; /* Content-Type */
	const unsigned char *raw, *gz;
	unsigned long raw_len, gz_len;
	const char *etag; /* strong, quoted: "\"<sha256 hex>\"" */
};

/* generated: terminated by an entry with name NULL */
extern const struct serve_asset serve_assets[];
extern const unsigned long serve_nassets;

struct serve_assets; /* the table in use (embedded or a directory's) */
struct err;

/* dir NULL: the embedded table. Else the files under dir, listed, read,
 * gzip'd and hashed on each lookup (developer mode: edits show at once). */
int serve_assets_open(const char *dir, struct serve_assets **out, struct err *e);
void serve_assets_close(struct serve_assets *a);
/* Developer mode (assets read from a directory, copies freed by put)? */
bool serve_assets_dev(const struct serve_assets *a);
/* The asset called name, or NULL; give it back with serve_asset_put. */
const struct serve_asset *serve_asset_get(const struct serve_assets *a, const char *name);
void serve_asset_put(const struct serve_assets *a, const struct serve_asset *as);
/* The Content-Type for a file name (by extension). */
const char *serve_content_type(const char *name);

#endif
