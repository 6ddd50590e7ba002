/*
 * transform/runs.c — per-run artifact directories and publishing the latest.
 *
 * Several transform_invoke calls may run at once in one process (scheduler
 * tasks, handed-off commands, a server) or in several processes on one
 * project. Each call that writes artifacts gets a run id
 * ("20261202T150301.123Z-4711-3": UTC start to the ms, pid, a process-wide
 * counter; sortable by time, unique within and across processes) and writes
 * manifest.json, run_results.json, catalog.json, compiled/, run/ and its own
 * ingot.log under <target-path>/runs/<id>/, so no run sees another's files.
 *
 * When it ends, the run publishes its artifacts as the latest in
 * <target-path>/ itself, where dbt users and --state target/ expect them:
 *   - each JSON file is hard-linked to a temporary name beside it and
 *     renamed over the old one (a copy when the file system has no hard
 *     links), so a reader sees the old file or the new one;
 *   - compiled/ and run/ are published file by file in place: a listing
 *     whose bytes equal the published one is left as it is (most of them,
 *     run after run; the writer already made such a listing a hard link
 *     to the published file, artifacts.c, so this costs one stat: readdir
 *     gives the run's inode); a new or changed one is hard-linked to a temporary in
 *     target/ and renamed over the published name. A reader of any file
 *     sees the old bytes or the new, never part of a file; a listing of a
 *     node this run did not touch stays, as in dbt. (Rebuilding the whole
 *     tree as links and exchanging it cost a link and an unlink per
 *     published file per run, whatever changed: compile ran ~1.36x slower
 *     than writing in place.)
 * Publishing is serialised by a process-wide mutex and an flock on
 * <target-path>/.publish.lock (other processes), so the run that finishes
 * last is the latest, and never a mix of two runs. The temporaries of a
 * publish that died half-way are swept by the next one.
 *
 * Pruning: when a run that will write artifacts starts, a thread of its
 * own deletes the run directories beyond the newest TF_RUNS_TO_KEEP - 1
 * other than the run about to begin (which makes TF_RUNS_TO_KEEP: the
 * thread may list runs/ before or after that run's directory appears, so
 * it leaves that one out by its id), except runs still in progress: a run holds an flock on runs/<id>/.running for its whole life
 * (flock conflicts between open files, so between threads of one process
 * too). Deleting a run's thousands of listings took 15% of a 2,000-model
 * compile when it was done at publish; begun with the run, it overlaps the
 * parse, which runs on one core. tf_run_end waits for it.
 *
 * The walking, comparing and hard-linking below is plain POSIX (openat/
 * fstatat/linkat/renameat).
 */
#include "transform/tf_int.h"
#include "core/fs.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How many run directories stay under <target-path>/runs/: enough to
 * compare the last few builds, few enough that target/ stays small (each
 * run holds a manifest and its compiled/run listings; the listings share
 * their storage with the published tree through hard links). */
#define TF_RUNS_TO_KEEP 10

static pthread_mutex_t publish_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint run_seq;

/* Take the publish lock: the process mutex, then the flock other
 * processes see. Returns the lock fd (>= 0) or an error. */
static int publish_lock(const char *target, struct err *e)
{
	pthread_mutex_lock(&publish_mu);
	int rc = fs_mkdir_p(target, e);
	if (rc) {
		pthread_mutex_unlock(&publish_mu);
		return rc;
	}
	char *lp = path_join(target, ".publish.lock");
	int fd = fs_lock(lp, true, e);
	free(lp);
	if (fd < 0)
		pthread_mutex_unlock(&publish_mu);
	return fd;
}

static void publish_unlock(int fd)
{
	close(fd);
	pthread_mutex_unlock(&publish_mu);
}

int tf_run_begin(struct tf_run_dir *rd, const char *target, struct err *e)
{
	/* a pruner started for this run (tf_run_prune_start) keeps going; it
	 * reads rd->id under the publish lock to leave this run out */
	rd->dir = NULL;
	rd->lock_fd = -1;
	int lfd = publish_lock(target, e); /* a pruner must not see the dir before its lock */
	if (lfd < 0)
		return lfd;
	memset(rd->id, 0, sizeof(rd->id));
	char *runs = path_join(target, "runs");
	int rc = fs_mkdir_p(runs, e);
	for (int attempt = 0; !rc; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(rd->id, sizeof(rd->id), "%04d%02d%02dT%02d%02d%02d.%03ldZ-%ld-%u",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, (long)getpid(), atomic_fetch_add(&run_seq, 1) + 1);
		rd->dir = path_join(runs, rd->id);
		if (mkdir(rd->dir, 0755) == 0)
			break;
		int en = errno;
		free(rd->dir);
		rd->dir = NULL;
		/* EEXIST: a reused pid within the same ms; the counter moves on */
		if (en != EEXIST || attempt > 100)
			rc = err_set(e, ING_EIO, "cannot create the run directory %s/%s: %s (check that "
				     "the target path is writable)", runs, rd->id, strerror(en));
	}
	if (!rc) {
		char *lp = path_join(rd->dir, ".running");
		rd->lock_fd = fs_lock(lp, true, e);
		free(lp);
		if (rd->lock_fd < 0) {
			rc = rd->lock_fd;
			rd->lock_fd = -1;
			struct err ig = ERR_INIT;
			fs_remove_tree(rd->dir, &ig);
			err_clear(&ig);
			free(rd->dir);
			rd->dir = NULL;
		}
	}
	free(runs);
	publish_unlock(lfd);
	return rc;
}

/* ---- publishing ---- */

/* Read exactly n bytes (false on a short file or an error). */
static bool read_full(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* Do the regular files a (in dir afd) and b (in bfd) hold the same bytes?
 * Sizes first, so most changed files cost two stats. */
static bool same_content(int afd, const char *an, const struct stat *ast, int bfd,
			 const char *bn, const struct stat *bst)
{
	if (!S_ISREG(bst->st_mode))
		return false;
	if (ast->st_dev == bst->st_dev && ast->st_ino == bst->st_ino)
		return true;
	if (ast->st_size != bst->st_size)
		return false;
	int fa = openat(afd, an, O_RDONLY | O_CLOEXEC), fb = openat(bfd, bn, O_RDONLY | O_CLOEXEC);
	bool same = fa >= 0 && fb >= 0;
	char ba[16384], bb[16384];
	/* exactly st_size bytes from each (no read to find the end) */
	for (off_t left = ast->st_size; same && left > 0;) {
		size_t want = left < (off_t)sizeof(ba) ? (size_t)left : sizeof(ba);
		same = read_full(fa, ba, want) && read_full(fb, bb, want) && !memcmp(ba, bb, want);
		left -= (off_t)want;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

struct pub {
	int tfd;        /* target/: temporaries live there (sweep finds them) */
	const char *id; /* the run's id, in temporary names */
	unsigned seq;
	size_t changed, kept;
};

/* Publish every file under src (an open directory) into the live tree
 * dst: a file with the same bytes as the live one is left as it is; a new
 * or changed one is hard-linked to a temporary in target/ and renamed over
 * the live name, so a reader of any one file sees the old bytes or the
 * new, never part. Live files this run did not write stay (as in dbt, a
 * listing of a node the run did not touch is kept). */
static int publish_dir(struct pub *pb, int sfd, int dfd, const char *where, const char *lwhere,
		       struct err *e)
{
	DIR *d = fdopendir(sfd);
	if (!d) {
		close(sfd);
		return err_set(e, ING_EIO, "cannot read %s: %s", where, strerror(errno));
	}
	int rc = 0;
	struct stat sdir;
	/* no device known: no inode can match it (st_dev of a file is never -1) */
	dev_t sdev = fstat(dirfd(d), &sdir) == 0 ? sdir.st_dev : (dev_t)-1;
	struct dirent *de;
	while (!rc && (errno = 0, de = readdir(d))) {
		const char *nm = de->d_name;
		if (!strcmp(nm, ".") || !strcmp(nm, ".."))
			continue;
		struct stat st, lst;
		bool live = fstatat(dfd, nm, &lst, AT_SYMLINK_NOFOLLOW) == 0;
		/* the listing the writer linked to the live file (most of them):
		 * readdir's inode number says so, no stat of the run's file */
		if (live && de->d_type == DT_REG && S_ISREG(lst.st_mode) && lst.st_dev == sdev &&
		    lst.st_ino == de->d_ino) {
			pb->kept++;
			continue;
		}
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = err_set(e, ING_EIO, "cannot read %s/%s: %s", where, nm, strerror(errno));
			break;
		}
		char *sub = xasprintf("%s/%s", where, nm), *lsub = xasprintf("%s/%s", lwhere, nm);
		if (S_ISDIR(st.st_mode)) {
			if (live && !S_ISDIR(lst.st_mode) && unlinkat(dfd, nm, 0) < 0)
				rc = err_set(e, ING_EIO, "cannot replace %s: %s", lsub, strerror(errno));
			else if ((!live || !S_ISDIR(lst.st_mode)) && mkdirat(dfd, nm, 0755) < 0 &&
				 errno != EEXIST)
				rc = err_set(e, ING_EIO, "cannot create %s: %s", sub, strerror(errno));
			if (!rc) {
				int s2 = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				int d2 = openat(dfd, nm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (s2 < 0 || d2 < 0)
					rc = err_set(e, ING_EIO, "cannot open %s: %s", sub, strerror(errno));
				else
					rc = publish_dir(pb, s2, d2, sub, lsub, e), s2 = -1;
				if (s2 >= 0)
					close(s2);
				if (d2 >= 0)
					close(d2);
			}
		} else if (S_ISREG(st.st_mode)) {
			if (live && S_ISREG(lst.st_mode) && same_content(dirfd(d), nm, &st, dfd, nm, &lst)) {
				pb->kept++;
			} else {
				char tmp[128];
				snprintf(tmp, sizeof(tmp), ".pub.%s.%u.tmp", pb->id, pb->seq++);
				unlinkat(pb->tfd, tmp, 0);
				/* a file where a directory was: the directory goes first
				 * (a rename cannot replace it) */
				if (live && S_ISDIR(lst.st_mode))
					rc = fs_remove_tree(lsub, e);
				if (rc)
					;
				else if (linkat(dirfd(d), nm, pb->tfd, tmp, 0) < 0)
					rc = err_set(e, ING_EIO, "cannot link %s: %s (the target path needs "
						     "a file system with hard links)", sub, strerror(errno));
				else if (renameat(pb->tfd, tmp, dfd, nm) < 0) {
					rc = err_set(e, ING_EIO, "cannot publish %s: %s", lsub, strerror(errno));
					unlinkat(pb->tfd, tmp, 0);
				} else {
					pb->changed++;
				}
			}
		}
		free(sub);
		free(lsub);
	}
	if (!rc && errno)
		rc = err_set(e, ING_EIO, "cannot read %s: %s", where, strerror(errno));
	closedir(d);
	return rc;
}

/* Publish run/<tree> into target/<tree> file by file (publish_dir). */
static int publish_tree(const struct tf_run_dir *rd, const char *target, const char *tree,
			struct err *e)
{
	char *from = path_join(rd->dir, tree);
	char *live = path_join(target, tree);
	int rc = 0, sfd = -1, dfd = -1, tfd = -1;
	if (!fs_is_dir(from))
		goto out;
	if (!fs_is_dir(live) && mkdir(live, 0755) < 0 && errno != EEXIST) {
		rc = err_set(e, ING_EIO, "cannot create %s: %s", live, strerror(errno));
		goto out;
	}
	sfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = open(live, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || dfd < 0 || tfd < 0) {
		rc = err_set(e, ING_EIO, "cannot open %s: %s", sfd < 0 ? from : dfd < 0 ? live : target,
			     strerror(errno));
		goto out;
	}
	struct pub pb = {.tfd = tfd, .id = rd->id};
	rc = publish_dir(&pb, sfd, dfd, from, live, e);
	sfd = -1; /* publish_dir closed it */
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	if (tfd >= 0)
		close(tfd);
	free(from);
	free(live);
	return rc;
}

/* Replace target/<name> by run/<name> in one rename. */
static int publish_file(const struct tf_run_dir *rd, const char *target, const char *name,
			struct err *e)
{
	char *from = path_join(rd->dir, name);
	char *live = path_join(target, name);
	char *tmpn = xasprintf(".%s.%s.tmp", name, rd->id);
	char *tmp = path_join(target, tmpn);
	free(tmpn);
	int rc = 0;
	if (!fs_exists(from))
		goto out;
	unlink(tmp);
	if (link(from, tmp) == 0) {
		if (rename(tmp, live) < 0) {
			rc = err_set(e, ING_EIO, "cannot rename %s to %s: %s", tmp, live, strerror(errno));
			unlink(tmp);
		}
	} else {
		/* no hard links here: copy (fs_write_atomic renames too) */
		struct buf b = BUF_INIT;
		rc = fs_read_file(from, &b, 0, e);
		if (!rc)
			rc = fs_write_atomic(live, b.data ? b.data : "", b.len, e);
		buf_free(&b);
	}
out:
	free(from);
	free(live);
	free(tmp);
	return rc;
}

/* Temporaries of a publish that died (a crash between link and rename):
 * under the publish lock no other publish is in flight, so every
 * ".<name>.<id>.tmp", ".<tree>.<id>.new" and ".new.old" in target/ is
 * left over. */
static void sweep(const char *target)
{
	DIR *d = opendir(target);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		size_t n = strlen(nm);
		if (nm[0] != '.' || !strcmp(nm, ".") || !strcmp(nm, ".."))
			continue;
		bool stale = (n > 4 && !strcmp(nm + n - 4, ".tmp")) ||
			     (n > 4 && !strcmp(nm + n - 4, ".new")) ||
			     (n > 8 && !strcmp(nm + n - 8, ".new.old"));
		if (!stale)
			continue;
		char *path = path_join(target, nm);
		struct err ig = ERR_INIT;
		if (fs_is_dir(path))
			fs_remove_tree(path, &ig);
		else
			unlink(path);
		err_clear(&ig);
		free(path);
	}
	closedir(d);
}

static int cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Delete runs beyond the newest `keep` that are not in progress (under
 * the publish lock), not counting the run named `self` (this process's
 * own, when its directory already exists). Best effort: a run that
 * cannot be deleted now is deleted by a later run. */
static void prune(const char *target, size_t keep, const char *self)
{
	char *runs = path_join(target, "runs");
	DIR *d = opendir(runs);
	if (!d) {
		free(runs);
		return;
	}
	VEC(char *) names = VEC_INIT;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, self))
			vec_push(&names, xstrdup(de->d_name));
	closedir(d);
	if (names.len)
		qsort(names.items, names.len, sizeof(char *), cmp_desc);
	for (size_t i = keep; i < names.len; i++) {
		char *dir = path_join(runs, names.items[i]);
		char *lp = path_join(dir, ".running");
		int fd = open(lp, O_RDONLY | O_CLOEXEC);
		bool busy = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0;
		struct err ig = ERR_INIT;
		if (!busy && fs_is_dir(dir))
			fs_remove_tree(dir, &ig);
		err_clear(&ig);
		if (fd >= 0)
			close(fd);
		free(lp);
		free(dir);
	}
	for (size_t i = 0; i < names.len; i++)
		free(names.items[i]);
	vec_free(&names);
	free(runs);
}

int tf_run_publish(struct tf_run_dir *rd, const char *target, struct err *e)
{
	if (!rd->dir)
		return 0;
	int lfd = publish_lock(target, e);
	if (lfd < 0)
		return lfd;
	static const char *const files[] = {"manifest.json", "run_results.json", "catalog.json"};
	int rc = 0;
	sweep(target);
	/* the trees first: a reader that sees the new run_results.json finds
	 * the listings it names */
	rc = publish_tree(rd, target, "compiled", e);
	if (!rc)
		rc = publish_tree(rd, target, "run", e);
	for (size_t i = 0; !rc && i < sizeof(files) / sizeof(files[0]); i++)
		rc = publish_file(rd, target, files[i], e);
	publish_unlock(lfd);
	return rc;
}

struct pruner {
	char *target;
	/* the run the pruner works for: tf_run_begin may create its
	 * directory before the pruner lists runs/, and that one must not
	 * take one of the places of the runs kept */
	const struct tf_run_dir *rd;
};

static void *prune_main(void *arg)
{
	struct pruner *pr = arg;
	struct err ig = ERR_INIT;
	int lfd = publish_lock(pr->target, &ig);
	if (lfd >= 0) {
		prune(pr->target, TF_RUNS_TO_KEEP - 1, pr->rd->id); /* id: set under the lock */
		publish_unlock(lfd);
	}
	err_clear(&ig);
	free(pr->target);
	free(pr);
	return NULL;
}

void tf_run_prune_start(struct tf_run_dir *rd, const char *target)
{
	struct pruner *pr = xmalloc(sizeof(*pr));
	pr->target = xstrdup(target);
	pr->rd = rd;
	rd->pruning = pthread_create(&rd->pruner, NULL, prune_main, pr) == 0;
	if (!rd->pruning) /* no thread to be had: prune here */
		prune_main(pr);
}

void tf_run_end(struct tf_run_dir *rd)
{
	if (rd->pruning)
		pthread_join(rd->pruner, NULL);
	rd->pruning = false;
	if (rd->lock_fd >= 0) {
		if (rd->dir) {
			char *lp = path_join(rd->dir, ".running");
			unlink(lp);
			free(lp);
		}
		close(rd->lock_fd);
	}
	free(rd->dir);
	rd->dir = NULL;
	rd->lock_fd = -1;
}
