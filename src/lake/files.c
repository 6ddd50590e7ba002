/*
 * lake/files.c — listing and fingerprinting files under the lake root.
 *
 * Listing walks the pattern's segments itself (dot files and dot
 * directories are never data: editors' and tools' temporary files start
 * with a dot). Unlike core's fs_glob it fails loudly: a folder that cannot
 * be read, a dangling symlink or a symlink loop among the matches is an
 * error, not "no files" (which would empty a truncate-mode table).
 * Directories are remembered by (device, inode), so symlinks back into the
 * tree are walked once and "**" always ends. A pattern also matches its
 * ".gz" form so a lake may mix plain and compressed files. Fingerprints are
 * dev, inode, size, mtime and ctime (cheap, compared first) and SHA-256
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

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
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

static void fill_stat(struct lake_file *f, const struct stat *st)
{
	f->size = (uint64_t)st->st_size;
	f->mtime_us = (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
	f->ctime_us = (int64_t)st->st_ctim.tv_sec * 1000000 + st->st_ctim.tv_nsec / 1000;
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
}

int lake_fingerprint(const char *path, struct lake_file *f, struct err *e)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_set(e, errno == ENOENT ? ING_ENOTFOUND : ING_EIO, "cannot stat %s: %s",
			       path, strerror(errno));
	fill_stat(f, &st);
	return 0;
}

static int cmp_rel(const void *a, const void *b)
{
	return strcmp(((const struct lake_file *)a)->rel, ((const struct lake_file *)b)->rel);
}

/* One listing: the matches so far and the directories entered, by
 * (device, inode), so a symlink back into the tree (`self -> .`,
 * `up -> ..`) is walked once and a walk always ends. */
struct walk {
	const char *root;
	struct arena *a;
	struct lake_file *files;
	size_t n, cap;
	struct {
		dev_t dev;
		ino_t ino;
		char **segs; /* the pattern left to match in it */
	} *dirs;
	size_t ndirs, capdirs;
	struct err *e;
};

static bool wildcard(const char *seg)
{
	return strpbrk(seg, "*?[") != NULL;
}

/* Whether directory st was entered before with the same pattern left;
 * records it when not. */
static bool seen_dir(struct walk *w, const struct stat *st, char **segs)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].dev == st->st_dev && w->dirs[i].ino == st->st_ino &&
		    w->dirs[i].segs == segs)
			return true;
	if (w->ndirs == w->capdirs) {
		w->capdirs = w->capdirs ? 2 * w->capdirs : 16;
		w->dirs = xrealloc(w->dirs, w->capdirs * sizeof(*w->dirs));
	}
	w->dirs[w->ndirs].dev = st->st_dev;
	w->dirs[w->ndirs].ino = st->st_ino;
	w->dirs[w->ndirs].segs = segs;
	w->ndirs++;
	return false;
}

static void add_file(struct walk *w, const char *rel, const char *full, const struct stat *st)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->files = xrealloc(w->files, w->cap * sizeof(*w->files));
	}
	struct lake_file *f = &w->files[w->n++];
	memset(f, 0, sizeof(*f));
	f->rel = arena_strdup(w->a, rel);
	f->path = arena_strdup(w->a, full);
	fill_stat(f, st);
}

/* stat through symlinks; a match that cannot be followed is an error. */
static int follow(struct walk *w, const char *full, const char *rel, struct stat *st)
{
	if (stat(full, st) == 0)
		return 0;
	int en = errno;
	struct stat lst;
	bool link = lstat(full, &lst) == 0 && S_ISLNK(lst.st_mode);
	if (en == ELOOP)
		return err_set(w->e, ING_EIO, "%s is a symlink loop (it never reaches a file); "
			       "remove it or point it at the data", rel);
	if (link && en == ENOENT)
		return err_set(w->e, ING_EIO, "%s is a dangling symlink (its target does not exist); "
			       "remove it or restore its target", rel);
	return err_set(w->e, ING_EIO, "cannot read %s: %s", rel, strerror(en));
}

static int walk_dir(struct walk *w, const char *rel, char **segs, size_t nseg);

/* Entry name under directory rel against the pattern segments. */
static int visit(struct walk *w, const char *rel, const char *name, char **segs, size_t nseg,
		 bool dstar)
{
	char *sub = rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
	char *full = path_join(w->root, sub);
	bool matches = !dstar && fnmatch(segs[0], name, FNM_PERIOD) == 0;
	int rc = 0;
	struct stat st;
	if (!dstar && !matches)
		goto done;
	if ((rc = follow(w, full, sub, &st)))
		goto done;
	if (S_ISDIR(st.st_mode)) {
		if (dstar) {
			if (!seen_dir(w, &st, segs))
				rc = walk_dir(w, sub, segs, nseg);
		} else if (nseg > 1 && !seen_dir(w, &st, segs + 1)) {
			rc = walk_dir(w, sub, segs + 1, nseg - 1);
		}
	} else if (matches && nseg == 1 && S_ISREG(st.st_mode)) {
		add_file(w, sub, full, &st);
	}
done:
	free(sub);
	free(full);
	return rc;
}

/* Match the remaining segments in directory rel (under the root). */
static int walk_dir(struct walk *w, const char *rel, char **segs, size_t nseg)
{
	if (nseg == 0)
		return 0;
	bool dstar = !strcmp(segs[0], "**");
	int rc = 0;
	if (dstar && (rc = walk_dir(w, rel, segs + 1, nseg - 1)))
		return rc;
	if (!dstar && !wildcard(segs[0])) {
		/* a literal name: no need to read the directory; a missing
		 * folder is "no files match", an unreadable one an error */
		char *sub = rel[0] ? xasprintf("%s/%s", rel, segs[0]) : xstrdup(segs[0]);
		char *full = path_join(w->root, sub);
		struct stat lst;
		if (lstat(full, &lst) == 0)
			rc = visit(w, rel, segs[0], segs, nseg, false);
		else if (errno != ENOENT)
			rc = err_set(w->e, ING_EIO, "cannot read %s: %s", sub, strerror(errno));
		free(sub);
		free(full);
		return rc;
	}
	char *dir = rel[0] ? path_join(w->root, rel) : xstrdup(w->root);
	DIR *d = opendir(dir);
	if (!d) {
		rc = err_set(w->e, ING_EIO, "cannot read the folder %s: %s",
			     rel[0] ? rel : w->root, strerror(errno));
		free(dir);
		return rc;
	}
	struct dirent *de;
	while (!rc && (errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		rc = visit(w, rel, de->d_name, segs, nseg, dstar);
	}
	if (!rc && errno)
		rc = err_set(w->e, ING_EIO, "cannot read the folder %s: %s", rel[0] ? rel : w->root,
			     strerror(errno));
	closedir(d);
	free(dir);
	return rc;
}

static int glob_lake(const char *root, const char *pattern, struct walk *w)
{
	char *pat = xstrdup(pattern);
	char **segs = xcalloc(strlen(pattern) + 1, sizeof(char *));
	size_t nseg = 0;
	for (char *s = pat, *t; s && *s; s = t) {
		t = strchr(s, '/');
		if (t)
			*t++ = 0;
		if (*s && strcmp(s, "."))
			segs[nseg++] = s;
	}
	struct stat st;
	w->ndirs = 0; /* a second pattern (the .gz form) walks afresh */
	if (stat(root, &st) == 0)
		seen_dir(w, &st, segs);
	int rc = walk_dir(w, "", segs, nseg);
	free(segs);
	free(pat);
	return rc;
}

int lake_list(const char *root, const char *pattern, struct arena *a, struct lake_file **out,
	      size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (!fs_is_dir(root))
		return err_set(e, ING_ENOTFOUND, "lake root %s is not a directory", root);
	struct walk w = {.root = root, .a = a, .e = e};
	char *gzpat = xasprintf("%s.gz", pattern);
	int rc = glob_lake(root, pattern, &w);
	if (!rc && !str_endswith(pattern, ".gz") && !str_endswith(pattern, "*"))
		rc = glob_lake(root, gzpat, &w);
	free(gzpat);
	if (rc)
		goto done;
	if (w.n)
		qsort(w.files, w.n, sizeof(*w.files), cmp_rel);
	/* the .gz form and "**" may reach a name twice */
	size_t k = 0;
	for (size_t i = 0; i < w.n; i++)
		if (!k || strcmp(w.files[k - 1].rel, w.files[i].rel))
			w.files[k++] = w.files[i];
	struct lake_file *files = arena_zalloc(a, (k + 1) * sizeof(*files));
	if (k)
		memcpy(files, w.files, k * sizeof(*files));
	*out = files;
	*n = k;
done:
	free(w.files);
	free(w.dirs);
	return rc;
}

/* The gzip magic: how the reader (csv.c) tells a gzip stream from text,
 * whatever the file's name. */
static bool gzip_magic(const unsigned char head[2])
{
	return head[0] == 0x1f && head[1] == 0x8b;
}

bool lake_maybe_gzip(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	unsigned char head[2] = {0, 0};
	ssize_t got = pread(fd, head, 2, 0);
	close(fd);
	return got != 2 ? got < 0 : gzip_magic(head);
}

int lake_file_complete(const struct lake_file *f, bool *complete, struct err *e)
{
	*complete = true;
	if (f->size == 0)
		return 0;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ING_EIO, "cannot open %s: %s", f->rel, strerror(errno));
	unsigned char head[2] = {0, 0}, last = 0;
	int rc = 0;
	if (pread(fd, head, 2, 0) < 0 || pread(fd, &last, 1, (off_t)f->size - 1) != 1)
		rc = err_set(e, ING_EIO, "cannot read %s: %s", f->rel, strerror(errno));
	close(fd);
	/* gzip streams carry their own end (a cut stream is a read error) */
	if (!rc && !gzip_magic(head))
		*complete = last == '\n';
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
