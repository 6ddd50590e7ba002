/*
 * core/fs.h — paths, whole-file reads, and atomic writes.
 *
 * Atomic writes: data goes to "<path>.tmp.<pid>.<n>" in the same directory,
 * is fsync'd, then renamed over <path> (and the directory fsync'd), so a
 * reader sees the old file or the new one, never a half. For large streamed
 * outputs use struct atomic_file: open, write through its fd/FILE, then
 * commit (rename) or abort (unlink). An aborted or crashed write leaves only
 * a temp name, which ingot never reads as data.
 *
 * Locks: fs_lock takes an exclusive advisory lock (flock) on a lock file and
 * returns its fd; closing the fd releases it.
 */
#ifndef INGOT_CORE_FS_H
#define INGOT_CORE_FS_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* malloc'd "a/b"; b absolute → copy of b. */
char *path_join(const char *a, const char *b);
/* malloc'd directory part ("." if none) and base name. */
char *path_dirname(const char *p);
const char *path_basename(const char *p);
bool fs_exists(const char *path);
bool fs_is_dir(const char *path);
/* mkdir -p; mode 0755. */
int fs_mkdir_p(const char *path, struct err *e);
/* Read a whole file (refuses files over max bytes; 0 = 1 GiB). */
int fs_read_file(const char *path, struct buf *out, size_t max, struct err *e);
int fs_write_atomic(const char *path, const void *data, size_t len, struct err *e);
/* rm -rf (refuses "/" and ""). */
int fs_remove_tree(const char *path, struct err *e);

struct atomic_file {
	char *path, *tmp;
	FILE *fp;
};
int atomic_open(struct atomic_file *af, const char *path, struct err *e);
int atomic_commit(struct atomic_file *af, struct err *e);
void atomic_abort(struct atomic_file *af);

int fs_lock(const char *path, bool wait, struct err *e); /* fd or <0 */

/* Simple glob under root: pattern is relative, may contain * ? [..] and
 * "**". Fills a sorted list of malloc'd relative paths. */
int fs_glob(const char *root, const char *pattern, char ***out, size_t *n, struct err *e);
void fs_glob_free(char **list, size_t n);

#endif
