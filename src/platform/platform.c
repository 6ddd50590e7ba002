/*
 * platform/platform.c — the project's versions, the warehouse handles and
 * their pool, and the orchestrator's hooks (see platform.h).
 *
 * Three refcounted objects, all counted under pl->mu:
 *   struct pproj  one loaded project (freed by its last holder);
 *   struct pdb    one warehouse handle for one target, plus its idle
 *                 connections; it pins the pproj whose target it uses
 *                 (wh_open borrows the target);
 *   struct pver   a version handed to work: a pproj and the pdb of its
 *                 target. The platform holds one ref on the current pver;
 *                 each acquire holds one more.
 * A pdb is shared by consecutive versions with the same target, so a reload
 * that only changes a var keeps the warehouse (and DuckDB's buffer pool)
 * open. Splitting pproj from pver is what avoids a cycle: the pdb pins a
 * project, never a version.
 *
 * Not here: the fingerprint does not hash contents (a stat is what makes a
 * check every second cheap; editors and `sed -i` change mtime or inode), and
 * there is no inotify watch: the scheduler's engine already sleeps in poll()
 * and work asks for the project when it starts, which is when it matters.
 *
 * The hooks were the `struct host` of cmd/cmd_pipeline.c; they moved here
 * unchanged but for taking a project version per task and the pool for sql
 * tasks.
 */
#include "platform/platform.h"

#include "config/project.h"
#include "config/sources.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/relver.h"
#include "load/load.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pproj {
	struct project *p;
	bool borrowed; /* platform_opts.project: the caller frees it */
	int refs;
};

struct pdb {
	struct pproj *owner; /* its target is owner->p->target */
	struct wh_db *db;    /* NULL until first use */
	bool opening;
	int refs;            /* versions + connections out */
	struct wh_conn *idle[PLATFORM_POOL_IDLE];
	size_t nidle;
	struct pdb *next;    /* pl->dbs */
};

struct pver {
	struct pproj *proj;
	struct pdb *db;
	int refs;
	struct pver *next; /* pl->vers */
};

struct platform {
	char *dir, *profiles_dir, *target, *vars, *lake_opt, *state_path;
	char *lake_root; /* what platform_lake_root last returned */
	char *quarantine; /* platform_opts.quarantine */
	int64_t (*now)(void);

	pthread_mutex_t mu;   /* everything below but the check state */
	pthread_cond_t cv;    /* a pdb opened or closed */
	struct pver *cur;     /* NULL: no dbt_project.yml */
	struct pver *vers;    /* every live version (cur included) */
	struct pdb *dbs;      /* every live handle */
	unsigned generation;
	struct err conn_err;  /* the first ING_ECONNECT of a task */
	char *last_run;       /* run key of the last task started */

	pthread_mutex_t checkmu; /* the check state */
	struct buf fp;           /* fingerprint of the files of the current version */
	_Atomic int64_t last_check; /* µs */

};

static int64_t clock_now(struct platform *pl)
{
	return pl->now ? pl->now() : now_us();
}

/* ------------------------------------------------------------ refcounts */

static void pproj_unref(struct pproj *pp)
{
	if (!pp || --pp->refs > 0)
		return;
	if (!pp->borrowed)
		project_free(pp->p);
	free(pp);
}

/* Under pl->mu. The last reference closes the pool and the handle. */
static void pdb_unref(struct platform *pl, struct pdb *d)
{
	if (!d || --d->refs > 0)
		return;
	for (struct pdb **pp = &pl->dbs; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	for (size_t i = 0; i < d->nidle; i++)
		wh_disconnect(d->idle[i]);
	if (d->db)
		wh_close(d->db);
	pproj_unref(d->owner);
	free(d);
	pthread_cond_broadcast(&pl->cv);
}

static void pver_unref(struct platform *pl, struct pver *v)
{
	if (!v || --v->refs > 0)
		return;
	for (struct pver **pp = &pl->vers; *pp; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	pdb_unref(pl, v->db);
	pproj_unref(v->proj);
	free(v);
}

/* ------------------------------------------------------------ targets */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool strs_eq(const char **a, size_t na, const char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

/* Would a handle opened for a serve b as well? Every field a handle or its
 * connections read; the profile and target names do not matter. */
static bool target_same(const struct target *a, const struct target *b)
{
	return str_eq(a->type, b->type) && str_eq(a->path, b->path) && str_eq(a->host, b->host) &&
	       a->port == b->port && str_eq(a->user, b->user) && str_eq(a->password, b->password) &&
	       str_eq(a->dbname, b->dbname) && str_eq(a->sslmode, b->sslmode) &&
	       str_eq(a->sslcert, b->sslcert) && str_eq(a->sslkey, b->sslkey) &&
	       str_eq(a->sslrootcert, b->sslrootcert) && a->connect_timeout == b->connect_timeout &&
	       a->keepalives_idle == b->keepalives_idle && a->retries == b->retries &&
	       a->statement_timeout_ms == b->statement_timeout_ms &&
	       str_eq(a->application_name, b->application_name) &&
	       str_eq(a->search_path, b->search_path) && str_eq(a->role, b->role) &&
	       strs_eq(a->settings, a->nsettings, b->settings, b->nsettings) &&
	       strs_eq(a->extensions, a->nextensions, b->extensions, b->nextensions) &&
	       str_eq(a->schema, b->schema) && str_eq(a->database, b->database) &&
	       a->threads == b->threads;
}

/* Under pl->mu: a new current version for pp (NULL = no project), sharing
 * the current handle when the target is the same. */
static void install_version(struct platform *pl, struct pproj *pp)
{
	struct pver *old = pl->cur;
	struct pver *v = NULL;
	if (pp) {
		v = xcalloc(1, sizeof(*v));
		v->proj = pp;
		v->refs = 1; /* the platform's */
		if (old && target_same(&old->proj->p->target, &pp->p->target)) {
			v->db = old->db;
			v->db->refs++;
		} else {
			struct pdb *d = xcalloc(1, sizeof(*d));
			d->owner = pp;
			pp->refs++;
			d->refs = 1;
			d->next = pl->dbs;
			pl->dbs = d;
			v->db = d;
		}
		v->next = pl->vers;
		pl->vers = v;
	}
	pl->cur = v;
	pl->generation++;
	pver_unref(pl, old);
}

/* ------------------------------------------------------------ fingerprint */

static void fp_add(struct buf *fp, const char *path)
{
	struct stat st;
	if (stat(path, &st))
		buf_printf(fp, "%s\t-\n", path);
	else
		buf_printf(fp, "%s\t%lld\t%lld.%09ld\t%llu\t%llu\n", path, (long long)st.st_size,
			   (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
			   (unsigned long long)st.st_ino, (unsigned long long)st.st_dev);
}

static void fp_glob(struct buf *fp, const char *root, const char *pattern)
{
	if (!fs_is_dir(root))
		return;
	char **files = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	if (!fs_glob(root, pattern, &files, &n, &e))
		for (size_t i = 0; i < n; i++) {
			char *path = path_join(root, files[i]);
			fp_add(fp, path);
			free(path);
		}
	err_clear(&e);
	fs_glob_free(files, n);
}

static void fp_paths(struct buf *fp, const char *dir, const struct ystrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char *root = l->items[i][0] == '/' ? xstrdup(l->items[i]) : path_join(dir, l->items[i]);
		fp_glob(fp, root, "**/*.yml");
		fp_glob(fp, root, "**/*.yaml");
		free(root);
	}
}

/* The files a project made from dir is read from (p: the version loaded
 * from them, which names its model paths and profiles file; NULL when
 * there is none). */
static void fingerprint(struct platform *pl, const struct project *p, struct buf *fp)
{
	buf_reset(fp);
	static const char *const top[] = {"dbt_project.yml", "selectors.yml", "packages.yml",
					  "dependencies.yml"};
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		char *path = path_join(pl->dir, top[i]);
		fp_add(fp, path);
		free(path);
	}
	if (p && p->target.profiles_file) {
		fp_add(fp, p->target.profiles_file);
	} else {
		/* the default target: a profiles.yml that appears changes it */
		char *path = path_join(pl->profiles_dir ? pl->profiles_dir : pl->dir, "profiles.yml");
		fp_add(fp, path);
		free(path);
	}
	if (p) {
		fp_paths(fp, p->dir, &p->paths.model);
		fp_paths(fp, p->dir, &p->paths.seed);
		fp_paths(fp, p->dir, &p->paths.snapshot);
		fp_paths(fp, p->dir, &p->paths.analysis);
	}
	char *d = path_join(pl->dir, "pipelines");
	fp_glob(fp, d, "*.yml");
	free(d);
	d = path_join(pl->dir, "dashboards");
	fp_glob(fp, d, "*.yml");
	free(d);
}

/* The path of the first entry of b that a lacks (for the log). */
static char *fp_first_change(const char *a, const char *b)
{
	for (const char *l = b; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l + 1) : strlen(l);
		char *line = xstrndup(l, n);
		bool same = strstr(a, line) != NULL;
		free(line);
		if (!same) {
			const char *tab = memchr(l, '\t', n);
			return xstrndup(l, tab ? (size_t)(tab - l) : n);
		}
		l += n;
	}
	return xstrdup("a file was removed");
}

/* ------------------------------------------------------------ loading */

static int load_project(struct platform *pl, struct pproj **out, struct err *e)
{
	*out = NULL;
	char *file = path_join(pl->dir, "dbt_project.yml");
	bool exists = fs_exists(file);
	free(file);
	if (!exists)
		return 0;
	struct project_opts po = {.project_dir = pl->dir, .profiles_dir = pl->profiles_dir,
				  .target = pl->target, .lake_root = pl->lake_opt};
	struct project *p = NULL;
	int rc = project_load(&po, &p, e);
	if (rc) {
		project_free(p);
		return rc;
	}
	struct pproj *pp = xcalloc(1, sizeof(*pp));
	pp->p = p;
	pp->refs = 1;
	*out = pp;
	return 0;
}

int platform_project_check(struct platform *pl, bool *reloaded, struct err *e)
{
	if (reloaded)
		*reloaded = false;
	pthread_mutex_lock(&pl->checkmu);
	pl->last_check = clock_now(pl);
	pthread_mutex_lock(&pl->mu);
	struct pver *cur = pl->cur;
	if (cur)
		cur->refs++;
	pthread_mutex_unlock(&pl->mu);
	/* only this thread (under checkmu) installs versions: cur stays what
	 * the fingerprint describes */
	struct buf now = BUF_INIT;
	fingerprint(pl, cur ? cur->proj->p : NULL, &now);
	int rc = 0;
	if (strcmp(buf_cstr(&now), buf_cstr(&pl->fp))) {
		char *what = fp_first_change(buf_cstr(&pl->fp), buf_cstr(&now));
		struct pproj *pp;
		struct err le = ERR_INIT;
		if (load_project(pl, &pp, &le)) {
			char *msg = err_string(&le);
			log_error("the project changed (%s) but does not load; still using the version "
				  "loaded before: %s (fix it: it is read again when it changes)", what, msg);
			free(msg);
			err_move(e, &le);
			rc = ING_ECONFIG;
			/* logged once: the next check reloads only when the files
			 * change again */
			buf_reset(&pl->fp);
			buf_puts(&pl->fp, buf_cstr(&now));
		} else {
			pthread_mutex_lock(&pl->mu);
			install_version(pl, pp);
			unsigned gen = pl->generation;
			pthread_mutex_unlock(&pl->mu);
			fingerprint(pl, pp ? pp->p : NULL, &pl->fp);
			log_info("project reloaded (%s changed; version %u)", what, gen);
			if (reloaded)
				*reloaded = true;
		}
		err_clear(&le);
		free(what);
	}
	buf_free(&now);
	pthread_mutex_lock(&pl->mu);
	pver_unref(pl, cur);
	pthread_mutex_unlock(&pl->mu);
	pthread_mutex_unlock(&pl->checkmu);
	return rc;
}

/* ------------------------------------------------------------ lifecycle */

int platform_open(const struct platform_opts *o, struct platform **out, struct err *e)
{
	*out = NULL;
	struct platform *pl = xcalloc(1, sizeof(*pl));
	if (o->project_dir && o->project_dir[0] == '/') {
		pl->dir = xstrdup(o->project_dir);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd))) {
			free(pl);
			return err_set(e, ING_EIO, "cannot read the current directory: run ingot from "
				       "an existing directory or pass --project-dir");
		}
		pl->dir = o->project_dir ? path_join(cwd, o->project_dir) : xstrdup(cwd);
	}
	pl->profiles_dir = o->profiles_dir ? xstrdup(o->profiles_dir) : NULL;
	pl->target = o->target ? xstrdup(o->target) : NULL;
	pl->vars = o->vars ? xstrdup(o->vars) : NULL;
	pl->lake_opt = o->lake_root ? xstrdup(o->lake_root) : NULL;
	pl->quarantine = o->quarantine ? xstrdup(o->quarantine) : NULL;
	pl->state_path = orch_state_path(pl->dir);
	pl->now = o->now;
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	pthread_mutex_init(&pl->checkmu, NULL);

	struct pproj *pp = NULL;
	int rc = 0;
	if (o->project) {
		pp = xcalloc(1, sizeof(*pp));
		pp->p = o->project;
		pp->borrowed = true;
		pp->refs = 1;
	} else {
		rc = load_project(pl, &pp, e);
	}
	if (!rc && !pp && o->require_project)
		rc = err_set(e, ING_ECONFIG, "no dbt_project.yml in %s: run in a dbt project, pass "
			     "--project-dir, or create one with 'ingot init'", pl->dir);
	if (rc) {
		pproj_unref(pp);
		platform_close(pl);
		return rc;
	}
	install_version(pl, pp);
	fingerprint(pl, pp ? pp->p : NULL, &pl->fp);
	pl->last_check = clock_now(pl);
	*out = pl;
	return 0;
}

void platform_close(struct platform *pl)
{
	if (!pl)
		return;
	pthread_mutex_lock(&pl->mu);
	struct pver *cur = pl->cur;
	pl->cur = NULL;
	pver_unref(pl, cur);
	if (pl->vers || pl->dbs)
		log_warn("internal: the platform closes with %s still in use",
			 pl->vers ? "a project version" : "a warehouse connection");
	pthread_mutex_unlock(&pl->mu);
	buf_free(&pl->fp);
	err_clear(&pl->conn_err);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->cv);
	pthread_mutex_destroy(&pl->checkmu);
	free(pl->dir);
	free(pl->profiles_dir);
	free(pl->target);
	free(pl->vars);
	free(pl->lake_opt);
	free(pl->quarantine);
	free(pl->lake_root);
	free(pl->state_path);
	free(pl->last_run);
	free(pl);
}

const char *platform_dir(const struct platform *pl)
{
	return pl->dir;
}

const char *platform_state_path(const struct platform *pl)
{
	return pl->state_path;
}

const char *platform_vars(const struct platform *pl)
{
	return pl->vars;
}

const char *platform_lake_root(struct platform *pl)
{
	pthread_mutex_lock(&pl->mu);
	const char *t = pl->cur ? pl->cur->proj->p->target.lake_root : NULL;
	char *root = pl->lake_opt ? xstrdup(pl->lake_opt) : t ? xstrdup(t) : path_join(pl->dir, "lake");
	if (pl->lake_root && !strcmp(pl->lake_root, root)) {
		free(root);
	} else {
		/* an earlier answer may still be in use: keep it (rare: the
		 * lake root changed in a reload) */
		if (pl->lake_root)
			log_debug("lake root now %s (was %s)", root, pl->lake_root);
		free(pl->lake_root);
		pl->lake_root = root;
	}
	const char *r = pl->lake_root;
	pthread_mutex_unlock(&pl->mu);
	return r;
}

unsigned platform_project_generation(struct platform *pl)
{
	pthread_mutex_lock(&pl->mu);
	unsigned g = pl->generation;
	pthread_mutex_unlock(&pl->mu);
	return g;
}

/* ------------------------------------------------------------ versions */

struct project *platform_project_acquire(struct platform *pl)
{
	/* a check at most every PLATFORM_CHECK_INTERVAL_US; when another
	 * thread is checking, its result is as fresh as ours would be */
	if (clock_now(pl) - pl->last_check >= PLATFORM_CHECK_INTERVAL_US &&
	    !pthread_mutex_trylock(&pl->checkmu)) {
		bool due = clock_now(pl) - pl->last_check >= PLATFORM_CHECK_INTERVAL_US;
		pthread_mutex_unlock(&pl->checkmu);
		if (due) {
			struct err e = ERR_INIT; /* logged by the check */
			platform_project_check(pl, NULL, &e);
			err_clear(&e);
		}
	}
	pthread_mutex_lock(&pl->mu);
	struct pver *v = pl->cur;
	if (v)
		v->refs++;
	pthread_mutex_unlock(&pl->mu);
	return v ? v->proj->p : NULL;
}

/* Under pl->mu: the live version of p (acquired, so it is live). */
static struct pver *find_version(struct platform *pl, const struct project *p)
{
	for (struct pver *v = pl->vers; v; v = v->next)
		if (v->proj->p == p)
			return v;
	return NULL;
}

void platform_project_release(struct platform *pl, struct project *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&pl->mu);
	struct pver *v = find_version(pl, p);
	if (v)
		pver_unref(pl, v);
	else
		log_error("internal: a project version released twice (or never acquired)");
	pthread_mutex_unlock(&pl->mu);
}

/* ------------------------------------------------------------ warehouse */

/* Under pl->mu: another open handle on the same database file. DuckDB
 * shares one instance per file in a process and refuses a second open of
 * it with another configuration, so a changed target on the same path
 * waits until the old handle's last user is done. */
static bool path_busy(struct platform *pl, struct pdb *d)
{
	const char *path = d->owner->p->target.path;
	if (!path || !strcmp(path, ":memory:"))
		return false;
	for (struct pdb *o = pl->dbs; o; o = o->next)
		if (o != d && (o->db || o->opening) && str_eq(o->owner->p->target.path, path))
			return true;
	return false;
}

/* Under pl->mu (released while opening). */
static int pdb_open(struct platform *pl, struct pdb *d, struct err *e)
{
	while (d->opening || (!d->db && path_busy(pl, d)))
		pthread_cond_wait(&pl->cv, &pl->mu);
	if (d->db)
		return 0;
	d->opening = true;
	pthread_mutex_unlock(&pl->mu);
	struct wh_db *db = NULL;
	int rc = wh_open(&d->owner->p->target, &db, e);
	pthread_mutex_lock(&pl->mu);
	d->opening = false;
	d->db = rc ? NULL : db;
	pthread_cond_broadcast(&pl->cv);
	return rc;
}

int platform_db(struct platform *pl, struct project *p, struct wh_db **db, struct err *e)
{
	*db = NULL;
	if (!p)
		return err_set(e, ING_ECONFIG, "this task needs a dbt project (dbt_project.yml) in %s: "
			       "create one with 'ingot init' or pass --project-dir", pl->dir);
	pthread_mutex_lock(&pl->mu);
	struct pver *v = find_version(pl, p);
	int rc = v ? pdb_open(pl, v->db, e)
		   : err_set(e, ING_EINVAL, "internal: platform_db on a version not acquired");
	if (!rc)
		*db = v->db->db;
	pthread_mutex_unlock(&pl->mu);
	return rc;
}

int platform_conn_get(struct platform *pl, struct wh_conn **conn, struct err *e)
{
	*conn = NULL;
	struct project *p = platform_project_acquire(pl);
	if (!p) {
		return err_set(e, ING_ECONFIG, "a warehouse connection needs a dbt project "
			       "(dbt_project.yml) in %s: create one with 'ingot init' or pass "
			       "--project-dir", pl->dir);
	}
	pthread_mutex_lock(&pl->mu);
	struct pdb *d = find_version(pl, p)->db;
	int rc = pdb_open(pl, d, e);
	struct wh_db *db = d->db;
	if (!rc) {
		d->refs++; /* the connection's: keeps the handle after the release below */
		if (d->nidle)
			*conn = d->idle[--d->nidle];
	}
	pthread_mutex_unlock(&pl->mu);
	platform_project_release(pl, p);
	if (rc || *conn)
		return rc;
	rc = wh_connect(db, conn, e);
	if (rc) {
		pthread_mutex_lock(&pl->mu);
		pdb_unref(pl, d);
		pthread_mutex_unlock(&pl->mu);
	}
	return rc;
}

/* Under pl->mu: the pdb of a connection handed out by conn_get. */
static struct pdb *conn_pdb(struct platform *pl, struct wh_conn *c)
{
	struct wh_db *db = wh_conn_db(c);
	for (struct pdb *d = pl->dbs; d; d = d->next)
		if (d->db == db)
			return d;
	return NULL;
}

static void conn_return(struct platform *pl, struct wh_conn *c, bool keep)
{
	if (!c)
		return;
	wh_conn_set_cancel(c, NULL);
	pthread_mutex_lock(&pl->mu);
	struct pdb *d = conn_pdb(pl, c);
	if (d && keep && pl->cur && pl->cur->db == d && d->nidle < PLATFORM_POOL_IDLE) {
		d->idle[d->nidle++] = c;
		c = NULL;
	}
	if (c)
		wh_disconnect(c);
	if (d)
		pdb_unref(pl, d);
	else
		log_error("internal: a connection returned to a platform that did not hand it out");
	pthread_mutex_unlock(&pl->mu);
}

void platform_conn_put(struct platform *pl, struct wh_conn *conn)
{
	conn_return(pl, conn, true);
}

void platform_conn_discard(struct platform *pl, struct wh_conn *conn)
{
	conn_return(pl, conn, false);
}

size_t platform_pool_idle(struct platform *pl)
{
	size_t n = 0;
	pthread_mutex_lock(&pl->mu);
	for (struct pdb *d = pl->dbs; d; d = d->next)
		n += d->nidle;
	pthread_mutex_unlock(&pl->mu);
	return n;
}

int platform_take_conn_error(struct platform *pl, struct err *e)
{
	pthread_mutex_lock(&pl->mu);
	int rc = pl->conn_err.code;
	if (rc)
		err_move(e, &pl->conn_err);
	pthread_mutex_unlock(&pl->mu);
	return rc;
}

/* ------------------------------------------------------------ hooks */

uint64_t platform_data_epoch(struct platform *pl)
{
	(void)pl;
	return relver_now();
}

void platform_data_changed(void)
{
	relver_bump_all();
}

/* A task that could not reach the warehouse: remembered so that a
 * foreground run ends like every other command that cannot connect. */
static int note_conn(struct platform *pl, int rc, const struct err *e)
{
	if (rc == ING_ECONNECT) {
		pthread_mutex_lock(&pl->mu);
		err_set(&pl->conn_err, rc, "%s", e && e->msg ? e->msg : "cannot connect to the warehouse");
		pthread_mutex_unlock(&pl->mu);
	}
	return rc;
}

/* The version a task works with: the first task of a run looks at the
 * files first, so a run started after an edit uses it. */
static struct project *task_project(struct platform *pl, const struct orch_task_ctx *c)
{
	bool first = false;
	pthread_mutex_lock(&pl->mu);
	if (c->run_key && !str_eq(pl->last_run, c->run_key)) {
		free(pl->last_run);
		pl->last_run = xstrdup(c->run_key);
		first = true;
	}
	pthread_mutex_unlock(&pl->mu);
	if (first) {
		struct err e = ERR_INIT; /* logged by the check */
		platform_project_check(pl, NULL, &e);
		err_clear(&e);
	}
	return platform_project_acquire(pl);
}

/* A task that names its own target (pipeline `target:`, e.g. the
 * least-privilege loader): the project loaded for that target, so that
 * its credentials, schema and {{ target }} are the ones `ingot build -t
 * NAME` would use, with a warehouse handle of its own, closed after the
 * task. *p stays NULL when the task has no target or names the current
 * one (then the platform's version and pool serve it). */
static int task_target_open(struct platform *pl, const struct project *cur,
			    const struct orch_task_ctx *c, struct project **p, struct wh_db **db,
			    struct err *e)
{
	*p = NULL;
	*db = NULL;
	if (!c->target || (cur && !strcmp(cur->target.name, c->target)))
		return 0;
	struct project_opts po = {.project_dir = pl->dir, .profiles_dir = pl->profiles_dir,
				  .target = c->target, .lake_root = pl->lake_opt};
	int rc = project_load(&po, p, e);
	if (!rc)
		rc = wh_open(&(*p)->target, db, e);
	if (rc) {
		err_prefix(e, "task '%s' with target '%s'", c->task ? c->task : "?", c->target);
		project_free(*p);
		*p = NULL;
	}
	return rc;
}

static void task_target_close(struct project *p, struct wh_db *db)
{
	wh_close(db);
	project_free(p);
}

static int hook_load(void *host, const char *const *tables, size_t n, struct orch_task_ctx *c,
		     struct err *e)
{
	struct platform *pl = host;
	struct project *p = task_project(pl, c);
	struct project *tp = NULL;
	struct wh_db *db = NULL, *tdb = NULL;
	int rc = task_target_open(pl, p, c, &tp, &tdb, e);
	if (!rc && !tp)
		rc = platform_db(pl, p, &db, e);
	if (!rc) {
		struct load_opts o = {0};
		o.tables = tables;
		o.ntables = n;
		o.threads = 1;
		o.out = c->log;
		o.cancel = c->cancel;
		o.quarantine = pl->quarantine;
		struct load_report rep;
		rc = note_conn(pl, load_run(tp ? tp : p, tp ? tdb : db, &o, &rep, e), e);
		load_report_free(&rep); /* the loader bumped each table's version */
	} else {
		rc = rc == ING_ECONNECT ? note_conn(pl, rc, e) : ING_ECONFIG;
	}
	if (tp)
		task_target_close(tp, tdb);
	platform_project_release(pl, p);
	return rc;
}

static int hook_dbt(void *host, const char *verb, const char *select, const char *exclude,
		    bool full_refresh, bool no_reuse, struct orch_task_ctx *c, struct err *e)
{
	struct platform *pl = host;
	int v = transform_verb_parse(verb);
	if (v < 0)
		return err_set(e, ING_EINVAL, "unknown verb '%s'", verb);
	struct project *p = task_project(pl, c);
	struct project *tp = NULL;
	struct wh_db *db = NULL, *tdb = NULL;
	int rc = task_target_open(pl, p, c, &tp, &tdb, e);
	if (!rc && !tp)
		rc = platform_db(pl, p, &db, e);
	if (rc) {
		platform_project_release(pl, p);
		return rc == ING_ECONNECT ? note_conn(pl, rc, e) : ING_ECONFIG;
	}
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = (enum transform_verb)v;
	o.select = select;
	o.exclude = exclude;
	o.full_refresh = full_refresh;
	o.no_reuse = no_reuse;
	o.vars = pl->vars;
	o.console = c->log;
	o.cancel = c->cancel;
	struct transform_report rep = {0};
	/* builds run at once: each writes its own target/runs/<id>/, and
	 * writers of one relation take turns (transform, core/keylock.h) */
	/* each node run bumps its relation's version, a hook or statement
	 * that may write anything bumps them all (core/relver.h) */
	rc = note_conn(pl, transform_invoke(tp ? tp : p, tp ? tdb : db, &o, &rep, e), e);
	if (rep.run_dir[0] && !c->results_path)
		c->results_path = path_join(rep.run_dir, "run_results.json");
	if (!rc && rep.error > 0)
		rc = err_set(e, ING_EFAIL, "%d of %d nodes failed", rep.error, rep.total);
	if (tp)
		task_target_close(tp, tdb);
	platform_project_release(pl, p);
	return rc;
}

static int hook_sql(void *host, const char *sql, struct orch_task_ctx *c, struct err *e)
{
	struct platform *pl = host;
	/* the check a run's first task makes; the pool takes the current version */
	struct project *p = task_project(pl, c);
	struct project *tp = NULL;
	struct wh_db *tdb = NULL;
	int rc = task_target_open(pl, p, c, &tp, &tdb, e);
	platform_project_release(pl, p);
	if (rc)
		return rc == ING_ECONNECT ? note_conn(pl, rc, e) : ING_ECONFIG;
	if (tp) { /* its own connection, closed with the task */
		struct wh_conn *tc = NULL;
		rc = wh_connect(tdb, &tc, e);
		if (!rc) {
			wh_conn_set_cancel(tc, c->cancel);
			rc = wh_exec(tc, sql, e);
			platform_data_changed();
			wh_disconnect(tc);
		}
		task_target_close(tp, tdb);
		return note_conn(pl, rc, e);
	}
	struct wh_conn *conn;
	rc = platform_conn_get(pl, &conn, e);
	if (rc)
		return note_conn(pl, rc, e);
	wh_conn_set_cancel(conn, c->cancel);
	rc = wh_exec(conn, sql, e);
	platform_data_changed();
	if (relver_sql_writes(sql)) {
		/* what it wrote is unknown: builds reuse nothing (transform/reuse.c) */
		struct err ig = ERR_INIT;
		transform_forget_state(conn, &ig);
		err_clear(&ig);
	}
	if (rc)
		platform_conn_discard(pl, conn); /* its session state is unknown */
	else
		platform_conn_put(pl, conn);
	return note_conn(pl, rc, e);
}

/* ---- validation at load: what the tasks name must exist ---- */

struct check_ctx {
	struct project *p;
	struct arena *a;
	struct source_set ss;
	int ss_rc; /* 1 = not loaded yet */
	const char *profiles_dir;
};

static int need_project(struct check_ctx *k, const char *what, struct err *e)
{
	if (k->p)
		return 0;
	return err_set(e, ING_ECONFIG, "%s needs a dbt project (dbt_project.yml): run in one, pass "
		       "--project-dir, or create one with 'ingot init'", what);
}

static int check_table(void *arg, const char *name, struct err *e)
{
	struct check_ctx *k = arg;
	if (need_project(k, "a load: task", e))
		return ING_ECONFIG;
	if (k->ss_rc == 1)
		k->ss_rc = sources_load(k->p, k->a, &k->ss, e);
	if (k->ss_rc)
		return k->ss_rc;
	const char *n = str_startswith(name, "source:") ? name + 7 : name;
	if (str_startswith(n, "tag:"))
		return 0; /* a tag may select nothing yet; load reports it */
	const char *dot = strchr(n, '.');
	const struct src_table *t = NULL;
	if (dot) {
		char *src = xstrndup(n, (size_t)(dot - n));
		t = sources_find(&k->ss, src, dot + 1);
		free(src);
		if (t && !t->external)
			return err_set(e, ING_ECONFIG,
				       "load: source table '%s' has no external: location to load from", n);
	} else if (sources_find_source(&k->ss, n)) {
		return 0;
	}
	if (t)
		return 0;
	/* the nearest loadable table, for a typo */
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < k->ss.n; i++)
		for (size_t j = 0; j < k->ss.items[i].ntables; j++) {
			const struct src_table *c = &k->ss.items[i].tables[j];
			char *full = xasprintf("%s.%s", k->ss.items[i].name, c->name);
			int d = str_edit_distance(n, full);
			if (c->external && d < bd) {
				bd = d;
				best = arena_strdup(k->a, full);
			}
			free(full);
		}
	if (best)
		return err_set(e, ING_ENOTFOUND, "load: unknown source table '%s' (did you mean '%s'?)",
			       n, best);
	return err_set(e, ING_ENOTFOUND,
		       "load: unknown source table '%s'; declare it under sources: with an external: "
		       "location", n);
}

static int check_select(void *arg, const char *verb, const char *select, const char *exclude,
			struct err *e)
{
	struct check_ctx *k = arg;
	if (need_project(k, "a dbt task", e))
		return ING_ECONFIG;
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_LS;
	o.select = select;
	o.exclude = exclude;
	o.write_artifacts = false;
	o.resource_types = !strcmp(verb, "run")	  ? "model"
			   : !strcmp(verb, "test")	  ? "test"
			   : !strcmp(verb, "seed")	  ? "seed"
			   : !strcmp(verb, "snapshot") ? "snapshot"
						      : NULL;
	FILE *null = fopen("/dev/null", "w"); /* ls prints the names; only the count matters */
	if (!null)
		return err_set(e, ING_EIO, "cannot open /dev/null");
	o.console = null;
	struct transform_report rep = {0};
	/* an ls without a warehouse or artifacts: cheap, on the engine's thread */
	int rc = transform_invoke(k->p, NULL, &o, &rep, e);
	fclose(null);
	if (!rc && rep.no_op == 0)
		rc = err_set(e, ING_ENOTFOUND, "%s: the selector '%s'%s%s matches %s%s", verb,
			     select ? select : "*", exclude ? " excluding " : "", exclude ? exclude : "",
			     o.resource_types ? "no " : "nothing",
			     o.resource_types ? o.resource_types : "");
	return rc;
}

static int check_target(void *arg, const char *name, struct err *e)
{
	struct check_ctx *k = arg;
	if (need_project(k, "a task's target:", e))
		return ING_ECONFIG;
	if (strstr(name, "{{"))
		return 0;
	struct project_opts po = {.project_dir = k->p->dir, .profiles_dir = k->profiles_dir,
				  .target = name};
	struct target t;
	struct err te = ERR_INIT;
	int rc = target_resolve(k->a, k->p->dir, k->p->profile, &po, &t, &te);
	if (rc) /* located at the task's target: (it names the profile's targets) */
		err_set(e, rc, "%s", te.msg ? te.msg : "unknown target");
	err_clear(&te);
	return rc;
}

static int hook_check(void *host, const struct pipeline *p, struct err *e)
{
	struct platform *pl = host;
	struct check_ctx k = {platform_project_acquire(pl), arena_new(0), {0}, 1, pl->profiles_dir};
	struct pipeline_catalog cat = {&k, check_table, check_select, check_target};
	int rc = pipeline_check(p, &cat, e);
	arena_free(k.a);
	platform_project_release(pl, k.p);
	return rc;
}

static const struct orch_hooks hooks = {
	.load = hook_load, .dbt = hook_dbt, .sql = hook_sql, .check = hook_check};

const struct orch_hooks *platform_hooks(void)
{
	return &hooks;
}
