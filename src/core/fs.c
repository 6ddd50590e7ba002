/*
 * core/fs.c — paths, file reads, atomic writes, locks and globbing (see fs.h).
 */
#include "core/fs.h"
#include "core/mem.h"
#include "core/vec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

char *path_join(const char *a, const char *b)
{
	if (!a || !*a || b[0] == '/')
		return xstrdup(b);
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (b[0] == '.' && b[1] == '/')
		b += 2;
	return xasprintf("%.*s/%s", (int)la, a, b);
}

char *path_dirname(const char *p)
{
	const char *s = strrchr(p, '/');
	if (!s)
		return xstrdup(".");
	if (s == p)
		return xstrdup("/");
	return xstrndup(p, (size_t)(s - p));
}

const char *path_basename(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

bool fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_mkdir_p(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				rc = err_set(e, ING_EIO, "cannot create directory %s: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!rc && !fs_is_dir(path))
		rc = err_set(e, ING_EIO, "%s exists and is not a directory", path);
	free(p);
	return rc;
}

int fs_read_file(const char *path, struct buf *out, size_t max, struct err *e)
{
	if (!max)
		max = (size_t)1 << 30;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? ING_ENOTFOUND : ING_EIO, "cannot open %s: %s",
			       path, strerror(errno));
	int rc = 0;
	/* room for the whole file at once (and the read that sees its end):
	 * growing by 64 KB made every small project file a 128 KB block,
	 * above malloc's mmap threshold, so each read cost a map, an unmap
	 * and the page faults of touching fresh pages */
	struct stat st;
	size_t want = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
				      (uint64_t)st.st_size < max
			      ? (size_t)st.st_size + 1
			      : 65536;
	for (;;) {
		/* grow only when full */
		if (out->len > max || (out->len + 1 >= out->cap && buf_grow(out, want) < 0)) {
			rc = err_set(e, ING_ELIMIT, "%s is larger than %zu bytes", path, max);
			break;
		}
		want = 65536;
		ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = err_set(e, ING_EIO, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	if (out->data) /* an empty file too: a terminated empty string */
		out->data[out->len] = 0;
	close(fd);
	return rc;
}

static char *tmp_name(const char *path)
{
	static atomic_uint counter;
	return xasprintf("%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
}

static void fsync_dir(const char *path)
{
	char *d = path_dirname(path);
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

int atomic_open(struct atomic_file *af, const char *path, struct err *e)
{
	af->path = xstrdup(path);
	af->tmp = tmp_name(path);
	int fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || !(af->fp = fdopen(fd, "w"))) {
		int r = err_set(e, ING_EIO, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(af->path);
		free(af->tmp);
		af->path = af->tmp = NULL;
		return r;
	}
	return 0;
}

int atomic_commit(struct atomic_file *af, struct err *e)
{
	int rc = 0;
	if (fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0)
		rc = err_set(e, ING_EIO, "cannot write %s: %s", af->path, strerror(errno));
	if (fclose(af->fp) != 0 && !rc)
		rc = err_set(e, ING_EIO, "cannot write %s: %s", af->path, strerror(errno));
	af->fp = NULL;
	if (!rc && rename(af->tmp, af->path) != 0)
		rc = err_set(e, ING_EIO, "cannot rename into %s: %s", af->path, strerror(errno));
	if (rc)
		unlink(af->tmp);
	else
		fsync_dir(af->path);
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	return rc;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->tmp)
		unlink(af->tmp);
	free(af->path);
	free(af->tmp);
	memset(af, 0, sizeof(*af));
}

int fs_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
	struct atomic_file af;
	int rc = atomic_open(&af, path, e);
	if (rc)
		return rc;
	if (len && fwrite(data, 1, len, af.fp) != len) {
		rc = err_set(e, ING_EIO, "cannot write %s: %s", path, strerror(errno));
		atomic_abort(&af);
		return rc;
	}
	return atomic_commit(&af, e);
}

/* Empty the open directory dfd (path names it in errors; dfd is closed).
 * The entry types come from readdir, so a file costs one unlinkat and no
 * stat (pruning a run directory removes thousands), and every call is
 * relative to its directory's fd, not a walk of the whole path. Entries
 * removed while the directory is read may make readdir skip others, so a
 * directory is read again until a pass removes nothing. */
static int remove_contents(int dfd, const char *path, struct err *e)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return err_set(e, ING_EIO, "cannot open %s: %s", path, strerror(errno));
	}
	int rc = 0;
	for (bool again = true; again && !rc;) {
		again = false;
		rewinddir(d);
		struct dirent *de;
		while (!rc && (errno = 0, de = readdir(d))) {
			const char *nm = de->d_name;
			if (!strcmp(nm, ".") || !strcmp(nm, ".."))
				continue;
			bool isdir = de->d_type == DT_DIR;
			if (de->d_type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
					if (errno != ENOENT)
						rc = err_set(e, ING_EIO, "cannot stat %s/%s: %s", path, nm,
							     strerror(errno));
					continue;
				}
				isdir = S_ISDIR(st.st_mode);
			}
			if (isdir) {
				/* O_NOFOLLOW: a directory swapped for a symlink is not followed */
				int cfd = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cfd < 0) {
					rc = err_set(e, ING_EIO, "cannot open %s/%s: %s", path, nm, strerror(errno));
					break;
				}
				char *c = path_join(path, nm);
				rc = remove_contents(cfd, c, e);
				free(c);
			}
			if (!rc && unlinkat(dirfd(d), nm, isdir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
				rc = err_set(e, ING_EIO, "cannot remove %s/%s: %s", path, nm, strerror(errno));
			again = true;
		}
		if (!rc && errno)
			rc = err_set(e, ING_EIO, "cannot read %s: %s", path, strerror(errno));
	}
	closedir(d);
	return rc;
}

static int remove_rec(const char *path, struct err *e)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_set(e, ING_EIO, "cannot stat %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return err_set(e, ING_EIO, "cannot remove %s: %s", path, strerror(errno));
		return 0;
	}
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return err_set(e, ING_EIO, "cannot open %s: %s", path, strerror(errno));
	int rc = remove_contents(dfd, path, e);
	if (!rc && rmdir(path) < 0 && errno != ENOENT)
		rc = err_set(e, ING_EIO, "cannot remove %s: %s", path, strerror(errno));
	return rc;
}

int fs_remove_tree(const char *path, struct err *e)
{
	if (!path || !*path || !strcmp(path, "/"))
		return err_set(e, ING_EINVAL, "refusing to remove '%s'", path ? path : "");
	return remove_rec(path, e);
}

int fs_lock(const char *path, bool wait, struct err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, ING_EIO, "cannot open lock %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int busy = errno == EWOULDBLOCK;
		close(fd);
		return err_set(e, busy ? ING_EAGAIN : ING_EIO, busy ? "%s is held by another process"
								   : "cannot lock %s", path);
	}
	return fd;
}

typedef VEC(char *) strvec;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Match the remaining pattern segments against the directory rel (under root). */
static void glob_walk(const char *root, const char *rel, char **segs, size_t nseg, strvec *out)
{
	if (nseg == 0)
		return;
	char *dir = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return;
	}
	struct dirent *de;
	bool dstar = strcmp(segs[0], "**") == 0;
	if (dstar)
		glob_walk(root, rel, segs + 1, nseg - 1, out);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		/* what the entry is, without a stat() when readdir says (a
		 * project's models directory holds thousands of files, and
		 * "**" reads each directory twice); links and unknown types
		 * are stat()ed, so a link to a directory is one */
		bool want = dstar || fnmatch(segs[0], de->d_name, FNM_PERIOD) == 0;
		if (!want)
			continue;
		bool isdir;
		if (de->d_type == DT_DIR) {
			isdir = true;
		} else if (de->d_type == DT_REG) {
			isdir = false;
		} else {
			char *full = rel[0] ? xasprintf("%s/%s/%s", root, rel, de->d_name)
					    : path_join(root, de->d_name);
			isdir = fs_is_dir(full);
			free(full);
		}
		if (dstar ? !isdir : !(nseg == 1 ? !isdir : isdir))
			continue;
		char *sub = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (dstar)
			glob_walk(root, sub, segs, nseg, out);
		else if (nseg == 1) {
			vec_push(out, sub);
			sub = NULL;
		} else
			glob_walk(root, sub, segs + 1, nseg - 1, out);
		free(sub);
	}
	closedir(d);
	free(dir);
}

int fs_glob(const char *root, const char *pattern, char ***out, size_t *n, struct err *e)
{
	(void)e;
	strvec res = VEC_INIT;
	strvec segs = VEC_INIT;
	char *pat = xstrdup(pattern);
	for (char *s = pat, *t; s && *s; s = t) {
		t = strchr(s, '/');
		if (t)
			*t++ = 0;
		if (*s && strcmp(s, "."))
			vec_push(&segs, s);
	}
	glob_walk(root, "", segs.items, segs.len, &res);
	/* "**" can reach a file by two routes; sort and dedupe */
	if (res.len)
		qsort(res.items, res.len, sizeof(char *), cmp_str);
	size_t j = 0;
	for (size_t i = 0; i < res.len; i++) {
		if (j && !strcmp(res.items[j - 1], res.items[i]))
			free(res.items[i]);
		else
			res.items[j++] = res.items[i];
	}
	*out = res.items;
	*n = j;
	vec_free(&segs);
	free(pat);
	return 0;
}

void fs_glob_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
