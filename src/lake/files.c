/*
 * lake/files.c — listing and fingerprinting files under the lake root.
 *
 * Listing reuses core's fs_glob (dot files and dot directories are never
 * data: editors' and tools' temporary files start with a dot). A pattern
 * also matches its ".gz" form so a lake may mix plain and compressed
 * files. Fingerprints are size + mtime (cheap, compared first) and SHA-256
 * through OpenSSL's EVP interface (hardware accelerated where available).
 *
 * Not here: deciding what is new or changed (load/ compares with the
 * manifest), reading contents (csv.c).
 */
#include "lake/lake.h"
#include "lake/lake_int.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lake_stat(const char *path, uint64_t *size, int64_t *mtime_us, struct err *e)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_set(e, errno == ENOENT ? ING_ENOTFOUND : ING_EIO, "cannot stat %s: %s",
			       path, strerror(errno));
	*size = (uint64_t)st.st_size;
	*mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
	return 0;
}

static int cmp_rel(const void *a, const void *b)
{
	return strcmp(((const struct lake_file *)a)->rel, ((const struct lake_file *)b)->rel);
}

int lake_list(const char *root, const char *pattern, struct arena *a, struct lake_file **out,
	      size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (!fs_is_dir(root))
		return err_set(e, ING_ENOTFOUND, "lake root %s is not a directory", root);
	char **l1 = NULL, **l2 = NULL;
	size_t n1 = 0, n2 = 0;
	char *gzpat = xasprintf("%s.gz", pattern);
	int rc = fs_glob(root, pattern, &l1, &n1, e);
	if (!rc && !str_endswith(pattern, ".gz") && !str_endswith(pattern, "*"))
		rc = fs_glob(root, gzpat, &l2, &n2, e);
	if (rc)
		goto done;
	struct lake_file *files = arena_zalloc(a, (n1 + n2 + 1) * sizeof(*files));
	size_t k = 0;
	for (size_t i = 0; i < n1 + n2; i++) {
		const char *rel = i < n1 ? l1[i] : l2[i - n1];
		char *path = path_join(root, rel);
		struct lake_file *f = &files[k];
		rc = lake_stat(path, &f->size, &f->mtime_us, e);
		if (rc) {
			free(path);
			goto done;
		}
		f->rel = arena_strdup(a, rel);
		f->path = arena_strdup(a, path);
		free(path);
		k++;
	}
	qsort(files, k, sizeof(*files), cmp_rel);
	*out = files;
	*n = k;
done:
	fs_glob_free(l1, n1);
	fs_glob_free(l2, n2);
	free(gzpat);
	return rc;
}

int lake_sha256(const char *path, char out[65], struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ING_EIO, "cannot open %s: %s", path, strerror(errno));
	struct digest *ctx = digest_sha256_new();
	size_t cap = 1 << 20;
	unsigned char *b = xmalloc(cap);
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, b, cap);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_set(e, ING_EIO, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		digest_update(ctx, b, (size_t)r);
	}
	if (!rc)
		digest_final_hex(ctx, out);
	digest_free(ctx);
	free(b);
	close(fd);
	return rc;
}
