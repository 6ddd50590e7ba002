/*
 * warehouse/duckdb.c — the embedded engine: DuckDB 1.4 through its C API.
 *
 * The library is loaded at run time with dlopen (the executable's $ORIGIN
 * rpath is honoured, INGOT_DUCKDB_LIB overrides the path) into a table of
 * function pointers, and its version is checked: a missing or wrong
 * library is one clear ING_ECONFIG error at wh_open, not a loader failure
 * before main(), and `ingot --help` works without it.
 *
 * One duckdb_database per wh_db (file databases go through an instance
 * cache, so opening the same file twice in one process shares it), one
 * duckdb_connection per wh_conn. Results are read chunk by chunk from the
 * vectors (duckdb_fetch_chunk), never through the deprecated per-value
 * calls. Column types we do not decode natively (lists, structs,
 * intervals, ...) are read by running the SELECT again inside a wrapper
 * that casts those columns to VARCHAR; a non-SELECT statement returning
 * such a column is an error that says to cast it. Bulk append fills data
 * chunks of the table's own column types directly (validity masks
 * included) and hands them to the appender.
 *
 * Not here: anything engine-neutral (registry.c), and ICU-dependent
 * behaviour: WH_TIMESTAMP is stored in plain TIMESTAMP holding UTC
 * (DESIGN §3).
 */
#include "warehouse/adapter.h"
#include "core/log.h"
#include "core/mem.h"

/* duckdb.h declares f() for f(void); it is not ours to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <duckdb.h>
#pragma GCC diagnostic pop

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the library, loaded once ---- */

#define DUCKDB_SYMBOLS(X)                                                      \
	X(duckdb_create_instance_cache) X(duckdb_get_or_create_from_cache)      \
	X(duckdb_open_ext) X(duckdb_close) X(duckdb_connect) X(duckdb_disconnect)  \
	X(duckdb_interrupt) X(duckdb_create_config) X(duckdb_set_config)        \
	X(duckdb_destroy_config) X(duckdb_free)                                 \
	X(duckdb_extract_statements) X(duckdb_prepare_extracted_statement)      \
	X(duckdb_extract_statements_error) X(duckdb_destroy_extracted)          \
	X(duckdb_prepare) X(duckdb_prepare_error) X(duckdb_destroy_prepare)     \
	X(duckdb_nparams) X(duckdb_prepared_statement_type)                     \
	X(duckdb_bind_null) X(duckdb_bind_boolean) X(duckdb_bind_int64)         \
	X(duckdb_bind_double) X(duckdb_bind_decimal) X(duckdb_bind_varchar_length) \
	X(duckdb_bind_date) X(duckdb_bind_timestamp)                            \
	X(duckdb_execute_prepared) X(duckdb_destroy_result) X(duckdb_result_error) \
	X(duckdb_result_error_type) X(duckdb_rows_changed) X(duckdb_column_count) \
	X(duckdb_column_name) X(duckdb_column_logical_type) X(duckdb_fetch_chunk) \
	X(duckdb_data_chunk_get_size) X(duckdb_data_chunk_get_vector)           \
	X(duckdb_data_chunk_set_size) X(duckdb_data_chunk_reset)                \
	X(duckdb_create_data_chunk) X(duckdb_destroy_data_chunk)                \
	X(duckdb_vector_get_data) X(duckdb_vector_get_validity)                 \
	X(duckdb_vector_ensure_validity_writable)                               \
	X(duckdb_vector_assign_string_element_len) X(duckdb_vector_size)        \
	X(duckdb_get_type_id) X(duckdb_decimal_width) X(duckdb_decimal_scale)   \
	X(duckdb_decimal_internal_type) X(duckdb_destroy_logical_type)          \
	X(duckdb_appender_create_ext) X(duckdb_appender_add_column)             \
	X(duckdb_appender_column_count) X(duckdb_appender_column_type)          \
	X(duckdb_appender_error_data) X(duckdb_error_data_message)              \
	X(duckdb_destroy_error_data) X(duckdb_append_data_chunk)                \
	X(duckdb_appender_close) X(duckdb_appender_destroy)

/* Symbols a capability needs, not the engine: a library without one loads,
 * and the capability is cleared (duckdb_arrow_scan is marked for removal
 * in the pinned header; without it loads go through the appender). */
#define DUCKDB_OPTIONAL_SYMBOLS(X) X(duckdb_arrow_scan, WH_CAP_STREAM_INSERT)

static struct {
	__typeof__(&duckdb_library_version) duckdb_library_version;
#define X(n) __typeof__(&n) n;
	DUCKDB_SYMBOLS(X)
#undef X
#define X(n, cap) __typeof__(&n) n;
	DUCKDB_OPTIONAL_SYMBOLS(X)
#undef X
} dk;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[600];
static char lib_version[64] = "unavailable";
static duckdb_instance_cache icache;
static unsigned caps_lacking; /* capabilities whose optional symbols are missing */

/* INGOT_DUCKDB_HIDE_SYMBOLS=name,name,...: a test hook that makes dlsym
 * pretend these symbols are missing (an older or newer library). */
static bool hidden(const char *name)
{
	const char *l = getenv("INGOT_DUCKDB_HIDE_SYMBOLS");
	size_t n = strlen(name);
	while (l && *l) {
		const char *end = strchr(l, ',');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		if (len == n && !strncmp(l, name, n))
			return true;
		l = end ? end + 1 : NULL;
	}
	return false;
}

static void *lookup(void *h, const char *name)
{
	return hidden(name) ? NULL : dlsym(h, name);
}

static bool resolve(void *h, const char *name, void *slot, const char *path)
{
	void *p = lookup(h, name);
	if (!p) {
		snprintf(load_error, sizeof(load_error),
			 "DuckDB library '%s' lacks %s (wrong version?): run scripts/bootstrap", path,
			 name);
		return false;
	}
	memcpy(slot, &p, sizeof(p));
	return true;
}

/* An optional symbol: missing clears its capability (slot stays NULL). */
static void resolve_optional(void *h, const char *name, void *slot, unsigned cap,
			     const char *path)
{
	void *p = lookup(h, name);
	if (p) {
		memcpy(slot, &p, sizeof(p));
		return;
	}
	caps_lacking |= cap;
	log_warn("DuckDB library '%s' lacks %s: bulk loads go through the appender instead of "
		 "the parallel Arrow stream (slower, same data)",
		 path, name);
}

/* dlopen by bare name searches the calling object's RUNPATH. When a
 * sanitizer intercepts dlopen the caller is its runtime, not ingot, so the
 * $ORIGIN rpath is lost: then walk the executable's own search list
 * (dlinfo RTLD_DI_SERINFO, $ORIGIN already expanded) by hand. */
static void *open_from_exe_paths(const char *name)
{
	void *self = dlopen(NULL, RTLD_NOW);
	Dl_serinfo probe, *si = NULL;
	void *h = NULL;
	if (!self || dlinfo(self, RTLD_DI_SERINFOSIZE, &probe))
		goto done;
	si = xmalloc(probe.dls_size);
	si->dls_size = probe.dls_size;
	si->dls_cnt = probe.dls_cnt;
	if (dlinfo(self, RTLD_DI_SERINFOSIZE, si) || dlinfo(self, RTLD_DI_SERINFO, si))
		goto done;
	for (unsigned i = 0; i < si->dls_cnt && !h; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", si->dls_serpath[i].dls_name, name);
		h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	}
done:
	free(si);
	if (self)
		dlclose(self);
	return h;
}

static void load_library(void)
{
	const char *path = getenv("INGOT_DUCKDB_LIB");
	bool named = path && *path;
	if (!named)
		path = "libduckdb.so";
	void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		snprintf(load_error, sizeof(load_error),
			 "DuckDB library not found (%s): run scripts/bootstrap", dlerror());
		if (!named)
			h = open_from_exe_paths(path);
		if (!h)
			return;
		load_error[0] = 0;
	}
	if (!resolve(h, "duckdb_library_version", &dk.duckdb_library_version, path))
		return;
	const char *v = dk.duckdb_library_version();
	snprintf(lib_version, sizeof(lib_version), "%s", v ? v : "?");
	if (!v || strncmp(v, "v1.4.", 5)) {
		snprintf(load_error, sizeof(load_error),
			 "DuckDB library '%s' has the wrong version %s (ingot needs v1.4.x): run "
			 "scripts/bootstrap",
			 path, lib_version);
		return;
	}
#define X(n)                                   \
	if (!resolve(h, #n, &dk.n, path))       \
		return;
	DUCKDB_SYMBOLS(X)
#undef X
#define X(n, cap) resolve_optional(h, #n, &dk.n, cap, path);
	DUCKDB_OPTIONAL_SYMBOLS(X)
#undef X
	icache = dk.duckdb_create_instance_cache();
	loaded = true;
}

static int need_library(struct err *e)
{
	pthread_once(&load_once, load_library);
	if (!loaded)
		return err_set(e, ING_ECONFIG, "%s", load_error);
	return 0;
}

static unsigned d_caps_lacking(void)
{
	pthread_once(&load_once, load_library);
	return caps_lacking;
}

const char *wh_duckdb_library_version(void)
{
	pthread_once(&load_once, load_library);
	return loaded ? lib_version : load_error;
}

/* ---- objects ---- */

struct ddb {
	struct wh_db base;
	duckdb_database db;
	/* an open run beside the caller's work (wh_open_beside), or put off
	 * until the first use (wh_open_deferred: deferred): the first use
	 * waits for it or does it (d_ready) and sees its error */
	pthread_mutex_t mu;
	pthread_t opener;
	bool opening, deferred, ready;
	duckdb_config cfg;
	const char *path;
	struct err open_err;
};

struct dconn {
	struct wh_conn base;
	duckdb_connection con;
};

/* How one appended column is converted. */
enum dfill {
	F_BOOL, F_I64, F_I32, F_I16, F_I8, F_I128_FROM_I64, F_F64_FROM_I64, F_F64, F_F32,
	F_DEC16, F_DEC32, F_DEC64, F_DEC128, F_TEXT, F_DATE, F_TS, F_TS_S, F_TS_MS, F_TS_NS,
};

struct dcol {
	const char *name;
	enum wh_type src;
	enum dfill fill;
	int scale, width; /* the table's DECIMAL */
};

struct dapp {
	struct wh_appender base;
	duckdb_appender app;
	duckdb_data_chunk chunk;
	idx_t vsize;
	size_t ncols;
	struct dcol *cols;
	char *table;
};

static struct dconn *dconn_of(struct wh_conn *c)
{
	if (c->ad != &wh_duckdb_adapter)
		BUG("not a DuckDB connection");
	return (struct dconn *)c;
}

/* ---- lifecycle ---- */

static void load_extensions(struct ddb *d, const struct target *t);

/* DuckDB's "Could not set lock on file ...: Conflicting lock is held in
 * PROGRAM (PID n)": the file is another process's. Say which, and what to
 * do; the original text stays in the debug log (-v). 0 when msg is
 * something else. */
static int lock_conflict(const char *path, const char *msg, struct err *e)
{
	const char *p = msg ? strstr(msg, "Conflicting lock is held") : NULL;
	const char *pidp = p ? strstr(p, "(PID ") : NULL;
	if (!pidp)
		return 0;
	long pid = strtol(pidp + 5, NULL, 10);
	if (pid <= 0)
		return 0;
	log_debug("DuckDB: %s", msg);
	char prog[256] = "";
	char f[64];
	snprintf(f, sizeof(f), "/proc/%ld/cmdline", pid);
	FILE *fp = fopen(f, "r");
	if (fp) {
		size_t n = fread(prog, 1, sizeof(prog) - 1, fp);
		fclose(fp);
		while (n && !prog[n - 1])
			n--;
		prog[n] = 0;
		for (size_t i = 0; i < n; i++)
			if (!prog[i])
				prog[i] = ' ';
	}
	if (!prog[0]) {
		/* not readable (another user's, or gone): DuckDB's name for it */
		const char *in = strstr(p, " in ");
		if (in && in < pidp)
			snprintf(prog, sizeof(prog), "%.*s", (int)(pidp - in - 5), in + 4);
	}
	return err_set(e, ING_ECONFLICT,
		       "the DuckDB warehouse %s is locked by process %ld (%s), which does not take "
		       "commands from other ingot processes. Stop that process or wait for it to "
		       "finish, then run the command again; if it is an ingot scheduler or serve of "
		       "an older version, restart it: a current one runs this command for you",
		       path, pid, prog[0] ? prog : "program unknown");
}

/* DuckDB's own default memory limit is 80% of the machine's RAM, taken by
 * one process that shares the machine with its scheduler, a server and
 * other builds. A file warehouse gets half of the RAM (or of the cgroup's
 * limit, when lower), at least 1 GB, unless the target's settings: name
 * memory_limit (or max_memory) itself. Not less: DuckDB spills sorts,
 * aggregates and joins to the database's .tmp folder, but not everything
 * (a DISTINCT ON over 23 M wide rows fails even with half of a 23 GB
 * machine: the reference platform's staging models sort only the ids that
 * repeat, macros/first_per_key.sql). Writes "<n>MB" into out, or "" when
 * unknown. */
static void default_memory_limit(char *out, size_t cap)
{
	out[0] = 0;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || psz <= 0)
		return;
	unsigned long long mem = (unsigned long long)pages * (unsigned long long)psz;
	FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
	if (f) {
		unsigned long long lim = 0;
		if (fscanf(f, "%llu", &lim) == 1 && lim > 0 && lim < mem)
			mem = lim;
		fclose(f);
	}
	unsigned long long mb = mem / 2 / (1024 * 1024);
	if (mb < 1024)
		mb = 1024;
	snprintf(out, cap, "%lluMB", mb);
}

static bool names_memory_limit(const struct target *t)
{
	for (size_t i = 0; i < t->nsettings; i++)
		if (!strcasecmp(t->settings[2 * i], "memory_limit") ||
		    !strcasecmp(t->settings[2 * i], "max_memory"))
			return true;
	return false;
}

/* The open itself: the database file (DuckDB reads its whole catalog:
 * 0.05 s for the example's warehouse, 0.13 s for one of 2,000 views) and
 * the profile's extensions. Consumes cfg; d->db is set on success. */
static int open_file(struct ddb *d, duckdb_config cfg, struct err *e)
{
	const struct target *t = d->base.target;
	const char *path = d->path;
	char *msg = NULL;
	int rc = 0;
	duckdb_state st;
	if (!strcmp(path, ":memory:"))
		st = dk.duckdb_open_ext(path, &d->db, cfg, &msg);
	else
		st = dk.duckdb_get_or_create_from_cache(icache, path, &d->db, cfg, &msg);
	dk.duckdb_destroy_config(&cfg);
	if (st != DuckDBSuccess && (rc = lock_conflict(path, msg, e))) {
		/* said by lock_conflict */
	} else if (st != DuckDBSuccess && t->nsettings && t->settings_node) {
		/* DuckDB checks option names only here: point at settings: */
		const struct ynode *at = t->settings_node;
		rc = err_setloc(e, ING_ECONFIG, at->file, at->line, at->col,
				"cannot open DuckDB database '%s' with the target's settings: %s", path,
				msg ? msg : "unknown error");
	} else if (st != DuckDBSuccess) {
		rc = err_set(e, ING_EDB, "cannot open DuckDB database '%s': %s", path,
			     msg ? msg : "unknown error");
	}
	if (msg)
		dk.duckdb_free(msg);
	if (!rc)
		load_extensions(d, t);
	return rc;
}

static void *opener_main(void *arg)
{
	struct ddb *d = arg;
	open_file(d, d->cfg, &d->open_err);
	d->cfg = NULL;
	return NULL;
}

/* Wait for an open that runs beside the caller, or do the one put off
 * (once: the first caller joins or opens, the rest see its result). The
 * open's error, each time asked. */
static int d_ready(struct wh_db *db, struct err *e)
{
	struct ddb *d = (struct ddb *)db;
	if (d->opening) {
		pthread_mutex_lock(&d->mu);
		if (!d->ready) {
			if (d->deferred)
				opener_main(d);
			else
				pthread_join(d->opener, NULL);
			d->ready = true;
		}
		pthread_mutex_unlock(&d->mu);
	}
	if (!d->open_err.code)
		return 0;
	const char *m = d->open_err.msg ? d->open_err.msg : "cannot open the DuckDB database";
	if (d->open_err.file)
		return err_setloc(e, d->open_err.code, d->open_err.file, d->open_err.line,
				  d->open_err.col, "%s", m);
	return err_set(e, d->open_err.code, "%s", m);
}

static int d_open(const struct target *t, struct wh_db **out, struct err *e)
{
	int rc = need_library(e);
	if (rc)
		return rc;
	struct ddb *d = xcalloc(1, sizeof(*d));
	d->base.ad = &wh_duckdb_adapter;
	d->base.target = t;
	d->path = t->path && *t->path ? t->path : ":memory:";
	duckdb_config cfg = NULL;
	dk.duckdb_create_config(&cfg);
	/* Nothing is downloaded at run time. */
	dk.duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
	if (strcmp(d->path, ":memory:") && !names_memory_limit(t)) {
		char lim[32];
		default_memory_limit(lim, sizeof(lim));
		if (lim[0])
			dk.duckdb_set_config(cfg, "memory_limit", lim);
	}
	/* the profile's `settings:` */
	for (size_t i = 0; i < t->nsettings; i++) {
		const char *k = t->settings[2 * i], *v = t->settings[2 * i + 1];
		if (dk.duckdb_set_config(cfg, k, v) != DuckDBError)
			continue;
		const struct ynode *at = t->settings_node;
		for (size_t j = 0; at && j < at->n; j++)
			if (!strcmp(at->keys[j]->str, k))
				at = at->keys[j];
		dk.duckdb_destroy_config(&cfg);
		free(d);
		return err_setloc(e, ING_ECONFIG, at ? at->file : t->profiles_file, at ? at->line : 0,
				  at ? at->col : 0,
				  "DuckDB rejects setting '%s' = '%s' (an unknown option or a bad value); "
				  "fix or remove it in the target's settings:", k, v);
	}
	if (wh__open_deferred) {
		pthread_mutex_init(&d->mu, NULL);
		d->cfg = cfg;
		d->opening = d->deferred = true;
		*out = &d->base;
		return 0;
	}
	if (wh__open_beside) {
		pthread_mutex_init(&d->mu, NULL);
		d->cfg = cfg;
		d->opening = !pthread_create(&d->opener, NULL, opener_main, d);
		if (d->opening) {
			*out = &d->base;
			return 0;
		}
		pthread_mutex_destroy(&d->mu);
		d->cfg = NULL; /* no thread: open here */
	}
	if ((rc = open_file(d, cfg, e))) {
		free(d);
		return rc;
	}
	*out = &d->base;
	return 0;
}

static void d_close(struct wh_db *db)
{
	struct ddb *d = (struct ddb *)db;
	struct err ig = ERR_INIT;
	if (d->deferred && !d->ready) /* never used: nothing to open or close */
		dk.duckdb_destroy_config(&d->cfg);
	else if (!d_ready(db, &ig))
		dk.duckdb_close(&d->db);
	err_clear(&ig);
	err_clear(&d->open_err);
	if (d->opening)
		pthread_mutex_destroy(&d->mu);
	free(d);
}

/* A connection to an open database (the opener's own, for extensions). */
static int connect_open(struct ddb *d, struct wh_conn **out, struct err *e)
{
	struct wh_db *db = &d->base;
	struct dconn *c = xcalloc(1, sizeof(*c));
	c->base.ad = &wh_duckdb_adapter;
	c->base.db = db;
	if (dk.duckdb_connect(d->db, &c->con) != DuckDBSuccess) {
		free(c);
		return err_set(e, ING_EDB, "cannot connect to the DuckDB database");
	}
	*out = &c->base;
	return 0;
}

static int d_connect(struct wh_db *db, struct wh_conn **out, struct err *e)
{
	*out = NULL;
	int rc = d_ready(db, e);
	return rc ? rc : connect_open((struct ddb *)db, out, e);
}

static void d_disconnect(struct wh_conn *c)
{
	struct dconn *dc = dconn_of(c);
	dk.duckdb_disconnect(&dc->con);
	free(dc);
}

static int d_version(struct wh_conn *c, struct buf *out, struct err *e)
{
	(void)c;
	(void)e;
	buf_puts(out, dk.duckdb_library_version());
	return 0;
}

static int d_cancel(struct wh_conn *c)
{
	dk.duckdb_interrupt(dconn_of(c)->con);
	return 0;
}

/* ---- statements ---- */

/* Record DuckDB's message. Parser errors from a prepare repeat their
 * "LINE n: ..." context block; keep it once. */
static int duck_err(struct err *e, int code, const char *m)
{
	if (!m || !*m)
		return err_set(e, code, "unknown DuckDB error");
	const char *p = strstr(m, "\n\nLINE ");
	size_t tail = p ? strlen(p) : 0;
	if (p && tail % 2 == 0 && !memcmp(p, p + tail / 2, tail / 2))
		return err_set(e, code, "%.*s", (int)(p - m + tail / 2), m);
	return err_set(e, code, "%s", m);
}

static int result_err(duckdb_result *res, struct err *e)
{
	int code = dk.duckdb_result_error_type(res) == DUCKDB_ERROR_INTERRUPT ? ING_ECANCELED
										: ING_EDB;
	return duck_err(e, code, dk.duckdb_result_error(res));
}

static int d_exec(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e);
static int d_connect(struct wh_db *db, struct wh_conn **out, struct err *e);
static void d_disconnect(struct wh_conn *c);

/* The profile's `extensions:`, loaded once per database. Nothing is
 * downloaded at run time: an extension that is neither built in nor
 * installed is a located warning (a model using it fails with DuckDB's
 * message), since dbt-duckdb profiles often list extensions no model of
 * the project needs. */
static void load_extensions(struct ddb *d, const struct target *t)
{
	if (!t->nextensions)
		return;
	struct wh_conn *c = NULL;
	struct err e = {0};
	if (connect_open(d, &c, &e)) {
		err_clear(&e);
		return;
	}
	for (size_t i = 0; i < t->nextensions; i++) {
		char sql[160];
		snprintf(sql, sizeof(sql), "LOAD %s", t->extensions[i]);
		if (!d_exec(c, sql, NULL, &e))
			continue;
		const struct ynode *n = t->extension_nodes[i];
		const char *m = e.msg ? e.msg : "unknown error";
		log_warn("%s:%d:%d: DuckDB extension '%s' is not available (%.*s); ingot does not "
			 "download extensions: install it with the DuckDB %s CLI (INSTALL %s) or "
			 "remove it from 'extensions'", n->file, n->line, n->col, t->extensions[i],
			 (int)strcspn(m, "\n"), m, dk.duckdb_library_version(),
			 t->extensions[i]);
		err_clear(&e);
	}
	d_disconnect(c);
}

static int d_exec(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e)
{
	struct dconn *dc = dconn_of(c);
	duckdb_extracted_statements ex = NULL;
	int rc = 0;
	int64_t total = 0;
	idx_t n = dk.duckdb_extract_statements(dc->con, sql, &ex);
	if (!n) {
		const char *m = dk.duckdb_extract_statements_error(ex);
		if (m)
			rc = duck_err(e, ING_EDB, m);
		goto done;
	}
	for (idx_t i = 0; i < n && !rc; i++) {
		duckdb_prepared_statement st = NULL;
		duckdb_result res;
		if (dk.duckdb_prepare_extracted_statement(dc->con, ex, i, &st) != DuckDBSuccess) {
			rc = duck_err(e, ING_EDB, dk.duckdb_prepare_error(st));
		} else if (dk.duckdb_execute_prepared(st, &res) != DuckDBSuccess) {
			rc = result_err(&res, e);
			dk.duckdb_destroy_result(&res);
		} else {
			total += (int64_t)dk.duckdb_rows_changed(&res);
			dk.duckdb_destroy_result(&res);
		}
		dk.duckdb_destroy_prepare(&st);
	}
done:
	dk.duckdb_destroy_extracted(&ex);
	if (!rc && rows_affected)
		*rows_affected = total;
	return rc;
}

static int d_rollback(struct wh_conn *c, struct err *e)
{
	struct err mine = ERR_INIT;
	int rc = d_exec(c, "ROLLBACK", NULL, &mine);
	/* After an error outside a transaction, or a second rollback: there
	 * is nothing to undo, which is what the caller wants. */
	if (rc && mine.msg && strstr(mine.msg, "no transaction is active"))
		rc = 0;
	if (rc)
		err_move(e, &mine);
	err_clear(&mine);
	return rc;
}

static int bind_params(duckdb_prepared_statement st, const struct wh_value *p, size_t np,
		       struct err *e)
{
	idx_t want = dk.duckdb_nparams(st);
	if (want != np)
		return err_set(e, ING_EINVAL, "the query has %llu parameter(s) but %zu were given",
			       (unsigned long long)want, np);
	for (size_t i = 0; i < np; i++) {
		idx_t k = i + 1;
		duckdb_state s = DuckDBError;
		switch (p[i].type) {
		case WH_NULL: s = dk.duckdb_bind_null(st, k); break;
		case WH_BOOL: s = dk.duckdb_bind_boolean(st, k, p[i].v.b); break;
		case WH_INT64: s = dk.duckdb_bind_int64(st, k, p[i].v.i); break;
		case WH_DOUBLE: s = dk.duckdb_bind_double(st, k, p[i].v.d); break;
		case WH_DATE: s = dk.duckdb_bind_date(st, k, (duckdb_date){p[i].v.date}); break;
		case WH_TIMESTAMP:
		case WH_DATETIME:
			s = dk.duckdb_bind_timestamp(st, k, (duckdb_timestamp){p[i].v.ts});
			break;
		case WH_DECIMAL: {
			__int128 u;
			int sc;
			if (wh__decimal_parse(p[i].v.s.p, p[i].v.s.n, &u, &sc))
				return err_set(e, ING_EINVAL, "parameter $%zu: '%.*s' is not a decimal",
					       i + 1, (int)p[i].v.s.n, p[i].v.s.p);
			duckdb_decimal d = {38, (uint8_t)sc,
					    {(uint64_t)u, (int64_t)(u >> 64)}};
			s = dk.duckdb_bind_decimal(st, k, d);
			break;
		}
		case WH_TEXT:
		case WH_OTHER:
			s = dk.duckdb_bind_varchar_length(st, k, p[i].v.s.p, p[i].v.s.n);
			break;
		}
		if (s != DuckDBSuccess) {
			const char *m = dk.duckdb_prepare_error(st);
			return err_set(e, ING_EINVAL, "cannot bind parameter $%zu (%s)%s%s", i + 1,
				       wh_type_name(p[i].type), m ? ": " : "", m ? m : "");
		}
	}
	return 0;
}

static const char *type_label(duckdb_type id)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
	case DUCKDB_TYPE_TINYINT: return "TINYINT";
	case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
	case DUCKDB_TYPE_INTEGER: return "INTEGER";
	case DUCKDB_TYPE_BIGINT: return "BIGINT";
	case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
	case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
	case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
	case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
	case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
	case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
	case DUCKDB_TYPE_FLOAT: return "FLOAT";
	case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
	case DUCKDB_TYPE_DECIMAL: return "DECIMAL";
	case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
	case DUCKDB_TYPE_BLOB: return "BLOB";
	case DUCKDB_TYPE_DATE: return "DATE";
	case DUCKDB_TYPE_TIME: return "TIME";
	case DUCKDB_TYPE_TIME_TZ: return "TIME WITH TIME ZONE";
	case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
	case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
	case DUCKDB_TYPE_TIMESTAMP_S: return "TIMESTAMP_S";
	case DUCKDB_TYPE_TIMESTAMP_MS: return "TIMESTAMP_MS";
	case DUCKDB_TYPE_TIMESTAMP_NS: return "TIMESTAMP_NS";
	case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
	case DUCKDB_TYPE_ENUM: return "ENUM";
	case DUCKDB_TYPE_LIST: return "LIST";
	case DUCKDB_TYPE_STRUCT: return "STRUCT";
	case DUCKDB_TYPE_MAP: return "MAP";
	case DUCKDB_TYPE_ARRAY: return "ARRAY";
	case DUCKDB_TYPE_UUID: return "UUID";
	case DUCKDB_TYPE_UNION: return "UNION";
	case DUCKDB_TYPE_BIT: return "BIT";
	case DUCKDB_TYPE_BIGNUM: return "BIGNUM";
	case DUCKDB_TYPE_SQLNULL: return "NULL";
	default: return "OTHER";
	}
}

/* The wh_type a DuckDB column type is read as; WH_OTHER = needs a cast. */
static enum wh_type native_type(duckdb_type id)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN: return WH_BOOL;
	case DUCKDB_TYPE_TINYINT:
	case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT:
	case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER:
	case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT: return WH_INT64;
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE: return WH_DOUBLE;
	case DUCKDB_TYPE_DECIMAL: return WH_DECIMAL;
	case DUCKDB_TYPE_VARCHAR: return WH_TEXT;
	case DUCKDB_TYPE_DATE: return WH_DATE;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ: return WH_TIMESTAMP;
	case DUCKDB_TYPE_SQLNULL: return WH_NULL;
	default: return WH_OTHER;
	}
}

struct colinfo {
	duckdb_type id, internal;
	int width, scale;
	enum wh_type wt;
};

static void column_info(duckdb_result *res, idx_t c, struct colinfo *ci)
{
	duckdb_logical_type lt = dk.duckdb_column_logical_type(res, c);
	ci->id = dk.duckdb_get_type_id(lt);
	ci->internal = ci->id;
	ci->width = ci->scale = 0;
	if (ci->id == DUCKDB_TYPE_DECIMAL) {
		ci->width = dk.duckdb_decimal_width(lt);
		ci->scale = dk.duckdb_decimal_scale(lt);
		ci->internal = dk.duckdb_decimal_internal_type(lt);
	}
	ci->wt = native_type(ci->id);
	dk.duckdb_destroy_logical_type(&lt);
}

static inline bool row_valid(const uint64_t *validity, idx_t i)
{
	return !validity || (validity[i >> 6] >> (i & 63)) & 1;
}

static void set_text(struct arena *a, struct wh_value *v, enum wh_type t, const char *p,
		     size_t n)
{
	char *s = arena_strndup(a, p, n);
	v->type = t;
	v->v.s.p = s;
	v->v.s.n = n;
}

static void set_i128(struct arena *a, struct wh_value *v, __int128 x)
{
	if (x >= INT64_MIN && x <= INT64_MAX) {
		v->type = WH_INT64;
		v->v.i = (int64_t)x;
	} else {
		char tmp[48];
		size_t n = wh__decimal_format(x, 0, tmp);
		set_text(a, v, WH_DECIMAL, tmp, n);
	}
}

static void set_u128(struct arena *a, struct wh_value *v, unsigned __int128 x)
{
	if (x <= (unsigned __int128)INT64_MAX) {
		v->type = WH_INT64;
		v->v.i = (int64_t)x;
		return;
	}
	char tmp[48];
	size_t n = 0;
	char d[48];
	while (x) {
		d[n++] = (char)('0' + (int)(x % 10));
		x /= 10;
	}
	for (size_t k = 0; k < n; k++)
		tmp[k] = d[n - 1 - k];
	set_text(a, v, WH_DECIMAL, tmp, n);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b < 0) ? q - 1 : q;
}

/* Decode one vector of n rows into column c of rows starting at row0. */
static void decode_vector(struct wh_result *r, struct wh_value *row0, size_t c,
			  const struct colinfo *ci, duckdb_vector vec, idx_t n)
{
	const void *data = dk.duckdb_vector_get_data(vec);
	const uint64_t *val = dk.duckdb_vector_get_validity(vec);
	size_t stride = r->ncols;
	struct arena *a = r->arena;
	char tmp[48];
	for (idx_t i = 0; i < n; i++) {
		struct wh_value *v = &row0[i * stride + c];
		if (!row_valid(val, i) || ci->id == DUCKDB_TYPE_SQLNULL) {
			v->type = WH_NULL;
			continue;
		}
		switch (ci->id) {
		case DUCKDB_TYPE_BOOLEAN:
			v->type = WH_BOOL;
			v->v.b = ((const bool *)data)[i];
			break;
		case DUCKDB_TYPE_TINYINT: v->type = WH_INT64; v->v.i = ((const int8_t *)data)[i]; break;
		case DUCKDB_TYPE_SMALLINT: v->type = WH_INT64; v->v.i = ((const int16_t *)data)[i]; break;
		case DUCKDB_TYPE_INTEGER: v->type = WH_INT64; v->v.i = ((const int32_t *)data)[i]; break;
		case DUCKDB_TYPE_BIGINT: v->type = WH_INT64; v->v.i = ((const int64_t *)data)[i]; break;
		case DUCKDB_TYPE_UTINYINT: v->type = WH_INT64; v->v.i = ((const uint8_t *)data)[i]; break;
		case DUCKDB_TYPE_USMALLINT: v->type = WH_INT64; v->v.i = ((const uint16_t *)data)[i]; break;
		case DUCKDB_TYPE_UINTEGER: v->type = WH_INT64; v->v.i = ((const uint32_t *)data)[i]; break;
		case DUCKDB_TYPE_UBIGINT: set_u128(a, v, ((const uint64_t *)data)[i]); break;
		case DUCKDB_TYPE_HUGEINT: {
			const duckdb_hugeint *h = &((const duckdb_hugeint *)data)[i];
			set_i128(a, v, (__int128)(((unsigned __int128)(uint64_t)h->upper << 64) | h->lower));
			break;
		}
		case DUCKDB_TYPE_UHUGEINT: {
			const duckdb_uhugeint *h = &((const duckdb_uhugeint *)data)[i];
			set_u128(a, v, ((unsigned __int128)h->upper << 64) | h->lower);
			break;
		}
		case DUCKDB_TYPE_FLOAT: v->type = WH_DOUBLE; v->v.d = ((const float *)data)[i]; break;
		case DUCKDB_TYPE_DOUBLE: v->type = WH_DOUBLE; v->v.d = ((const double *)data)[i]; break;
		case DUCKDB_TYPE_DECIMAL: {
			__int128 x;
			switch (ci->internal) {
			case DUCKDB_TYPE_SMALLINT: x = ((const int16_t *)data)[i]; break;
			case DUCKDB_TYPE_INTEGER: x = ((const int32_t *)data)[i]; break;
			case DUCKDB_TYPE_BIGINT: x = ((const int64_t *)data)[i]; break;
			default: {
				const duckdb_hugeint *h = &((const duckdb_hugeint *)data)[i];
				x = (__int128)(((unsigned __int128)(uint64_t)h->upper << 64) | h->lower);
			}
			}
			size_t m = wh__decimal_format(x, ci->scale, tmp);
			set_text(a, v, WH_DECIMAL, tmp, m);
			break;
		}
		case DUCKDB_TYPE_DATE:
			v->type = WH_DATE;
			v->v.date = ((const int32_t *)data)[i];
			break;
		case DUCKDB_TYPE_TIMESTAMP:
		case DUCKDB_TYPE_TIMESTAMP_TZ:
			v->type = WH_TIMESTAMP;
			v->v.ts = ((const int64_t *)data)[i];
			break;
		case DUCKDB_TYPE_TIMESTAMP_S:
			v->type = WH_TIMESTAMP;
			v->v.ts = ((const int64_t *)data)[i] * 1000000;
			break;
		case DUCKDB_TYPE_TIMESTAMP_MS:
			v->type = WH_TIMESTAMP;
			v->v.ts = ((const int64_t *)data)[i] * 1000;
			break;
		case DUCKDB_TYPE_TIMESTAMP_NS:
			v->type = WH_TIMESTAMP;
			v->v.ts = floordiv(((const int64_t *)data)[i], 1000);
			break;
		default: {
			/* VARCHAR, or a column cast to VARCHAR by the wrapper. */
			duckdb_string_t *s = &((duckdb_string_t *)data)[i];
			uint32_t len = s->value.inlined.length;
			const char *p = len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
			set_text(a, v, ci->wt == WH_OTHER ? WH_OTHER : WH_TEXT, p, len);
		}
		}
	}
}

/* Execute a prepared statement with params; the result in *res. */
static int run_prepared(duckdb_prepared_statement st, const struct wh_value *p, size_t np,
			duckdb_result *res, struct err *e)
{
	int rc = bind_params(st, p, np, e);
	if (rc)
		return rc;
	if (dk.duckdb_execute_prepared(st, res) != DuckDBSuccess) {
		rc = result_err(res, e);
		dk.duckdb_destroy_result(res);
	}
	return rc;
}

static int prepare(struct dconn *dc, const char *sql, duckdb_prepared_statement *st,
		   struct err *e)
{
	if (dk.duckdb_prepare(dc->con, sql, st) != DuckDBSuccess) {
		int rc = duck_err(e, ING_EDB, dk.duckdb_prepare_error(*st));
		dk.duckdb_destroy_prepare(st);
		return rc;
	}
	return 0;
}

/* SELECT with the columns needing a cast wrapped in CAST(... AS VARCHAR). */
static char *cast_wrapper(const char *sql, duckdb_result *res, const struct colinfo *ci,
			  idx_t ncols)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(sql);
	while (n && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n' ||
		     sql[n - 1] == '\t' || sql[n - 1] == '\r'))
		n--;
	buf_puts(&b, "SELECT ");
	for (idx_t c = 0; c < ncols; c++) {
		const char *name = dk.duckdb_column_name(res, c);
		if (ci[c].wt == WH_OTHER)
			buf_printf(&b, "%sCAST(ingot_c%llu AS VARCHAR) AS \"", c ? ", " : "",
				   (unsigned long long)c);
		else
			buf_printf(&b, "%singot_c%llu AS \"", c ? ", " : "", (unsigned long long)c);
		buf_add_quoted(&b, name ? name : "", name ? strlen(name) : 0, '"');
		buf_putc(&b, '"');
	}
	buf_puts(&b, " FROM (\n");
	buf_add(&b, sql, n);
	buf_puts(&b, "\n) AS ingot_q(");
	for (idx_t c = 0; c < ncols; c++)
		buf_printf(&b, "%singot_c%llu", c ? ", " : "", (unsigned long long)c);
	buf_putc(&b, ')');
	return buf_detach(&b, NULL);
}

static int d_query(struct wh_conn *c, const char *sql, const struct wh_value *params,
		   size_t nparams, struct wh_result **out, struct err *e)
{
	struct dconn *dc = dconn_of(c);
	duckdb_prepared_statement st = NULL, st2 = NULL;
	duckdb_result res;
	bool have_res = false;
	struct colinfo *ci = NULL;
	char *wrapped = NULL;
	struct wh_result *r = NULL;
	int rc = prepare(dc, sql, &st, e);
	if (rc)
		goto done;
	rc = run_prepared(st, params, nparams, &res, e);
	if (rc)
		goto done;
	have_res = true;
	idx_t ncols = dk.duckdb_column_count(&res);
	ci = xcalloc(ncols + 1, sizeof(*ci));
	bool need_cast = false;
	for (idx_t k = 0; k < ncols; k++) {
		column_info(&res, k, &ci[k]);
		need_cast |= ci[k].wt == WH_OTHER;
	}
	duckdb_statement_type stype = dk.duckdb_prepared_statement_type(st);
	r = wh__result_new(ncols, 0);
	for (idx_t k = 0; k < ncols; k++) {
		const char *name = dk.duckdb_column_name(&res, k);
		r->names[k] = arena_strdup(r->arena, name ? name : "");
		r->types[k] = ci[k].wt;
		r->type_names[k] = ci[k].id == DUCKDB_TYPE_DECIMAL
					   ? arena_printf(r->arena, "DECIMAL(%d,%d)", ci[k].width, ci[k].scale)
					   : type_label(ci[k].id);
	}
	if (stype != DUCKDB_STATEMENT_TYPE_SELECT)
		r->rows_affected = (int64_t)dk.duckdb_rows_changed(&res);
	if (need_cast) {
		if (stype != DUCKDB_STATEMENT_TYPE_SELECT) {
			for (idx_t k = 0; k < ncols; k++)
				if (ci[k].wt == WH_OTHER) {
					rc = err_set(e, ING_EUNSUPPORTED,
						     "column '%s' has type %s, which ingot reads only "
						     "from a SELECT: cast it to VARCHAR",
						     r->names[k], type_label(ci[k].id));
					goto done;
				}
		}
		wrapped = cast_wrapper(sql, &res, ci, ncols);
		dk.duckdb_destroy_result(&res);
		have_res = false;
		if ((rc = prepare(dc, wrapped, &st2, e)) ||
		    (rc = run_prepared(st2, params, nparams, &res, e)))
			goto done;
		have_res = true;
		if (dk.duckdb_column_count(&res) != ncols) {
			rc = err_set(e, ING_EDB, "the cast wrapper changed the column count");
			goto done;
		}
		/* The cast columns now hold VARCHAR; decode them as text kept
		 * as WH_OTHER. */
		for (idx_t k = 0; k < ncols; k++)
			if (ci[k].wt == WH_OTHER)
				ci[k].id = DUCKDB_TYPE_VARCHAR;
	}
	duckdb_data_chunk ch;
	while ((ch = dk.duckdb_fetch_chunk(res))) {
		idx_t n = dk.duckdb_data_chunk_get_size(ch);
		if (n) {
			struct wh_value *row0 = wh__result_add_rows(r, n);
			for (idx_t k = 0; k < ncols; k++)
				decode_vector(r, row0, k, &ci[k],
					      dk.duckdb_data_chunk_get_vector(ch, k), n);
		}
		dk.duckdb_destroy_data_chunk(&ch);
	}
	/* A failure while streaming the result (e.g. an interrupt). */
	if (dk.duckdb_result_error(&res)) {
		rc = result_err(&res, e);
		goto done;
	}
	*out = r;
	r = NULL;
done:
	if (have_res)
		dk.duckdb_destroy_result(&res);
	if (st)
		dk.duckdb_destroy_prepare(&st);
	if (st2)
		dk.duckdb_destroy_prepare(&st2);
	wh_result_free(r);
	free(ci);
	free(wrapped);
	return rc;
}

/* ---- bulk append ---- */

static int plan_column(struct dcol *dc, duckdb_logical_type lt, struct err *e)
{
	duckdb_type id = dk.duckdb_get_type_id(lt);
	enum wh_type s = dc->src;
	int ok = 1;
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN: ok = s == WH_BOOL; dc->fill = F_BOOL; break;
	case DUCKDB_TYPE_BIGINT: ok = s == WH_INT64; dc->fill = F_I64; break;
	case DUCKDB_TYPE_INTEGER: ok = s == WH_INT64; dc->fill = F_I32; break;
	case DUCKDB_TYPE_SMALLINT: ok = s == WH_INT64; dc->fill = F_I16; break;
	case DUCKDB_TYPE_TINYINT: ok = s == WH_INT64; dc->fill = F_I8; break;
	case DUCKDB_TYPE_HUGEINT: ok = s == WH_INT64; dc->fill = F_I128_FROM_I64; break;
	case DUCKDB_TYPE_DOUBLE:
		ok = s == WH_DOUBLE || s == WH_INT64;
		dc->fill = s == WH_INT64 ? F_F64_FROM_I64 : F_F64;
		break;
	case DUCKDB_TYPE_FLOAT: ok = s == WH_DOUBLE; dc->fill = F_F32; break;
	case DUCKDB_TYPE_DECIMAL:
		ok = s == WH_DECIMAL || s == WH_INT64;
		dc->width = dk.duckdb_decimal_width(lt);
		dc->scale = dk.duckdb_decimal_scale(lt);
		switch (dk.duckdb_decimal_internal_type(lt)) {
		case DUCKDB_TYPE_SMALLINT: dc->fill = F_DEC16; break;
		case DUCKDB_TYPE_INTEGER: dc->fill = F_DEC32; break;
		case DUCKDB_TYPE_BIGINT: dc->fill = F_DEC64; break;
		default: dc->fill = F_DEC128;
		}
		break;
	case DUCKDB_TYPE_VARCHAR: ok = s == WH_TEXT || s == WH_OTHER; dc->fill = F_TEXT; break;
	case DUCKDB_TYPE_DATE: ok = s == WH_DATE; dc->fill = F_DATE; break;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		ok = s == WH_TIMESTAMP || s == WH_DATETIME;
		dc->fill = F_TS;
		break;
	case DUCKDB_TYPE_TIMESTAMP_S: ok = s == WH_TIMESTAMP || s == WH_DATETIME; dc->fill = F_TS_S; break;
	case DUCKDB_TYPE_TIMESTAMP_MS: ok = s == WH_TIMESTAMP || s == WH_DATETIME; dc->fill = F_TS_MS; break;
	case DUCKDB_TYPE_TIMESTAMP_NS: ok = s == WH_TIMESTAMP || s == WH_DATETIME; dc->fill = F_TS_NS; break;
	default: ok = 0;
	}
	if (!ok)
		return err_set(e, ING_EUNSUPPORTED, "column '%s': cannot bulk-append %s values into a %s column",
			       dc->name, wh_type_name(s), type_label(id));
	return 0;
}

static int appender_err(duckdb_appender app, const char *what, struct err *e)
{
	duckdb_error_data ed = dk.duckdb_appender_error_data(app);
	const char *m = ed ? dk.duckdb_error_data_message(ed) : NULL;
	int rc = err_set(e, ING_EDB, "%s: %s", what, m && *m ? m : "appender error");
	if (ed)
		dk.duckdb_destroy_error_data(&ed);
	return rc;
}

static void dapp_free(struct dapp *ap)
{
	if (ap->chunk)
		dk.duckdb_destroy_data_chunk(&ap->chunk);
	if (ap->app)
		dk.duckdb_appender_destroy(&ap->app);
	free(ap->cols);
	free(ap->table);
	free(ap);
}

static int d_append_open(struct wh_conn *c, const char *schema, const char *table,
			 const struct wh_coldef *cols, size_t ncols, struct wh_appender **out,
			 struct err *e)
{
	struct dconn *dc = dconn_of(c);
	struct dapp *ap = xcalloc(1, sizeof(*ap));
	duckdb_logical_type *types = xcalloc(ncols, sizeof(*types));
	int rc = 0;
	ap->base.ad = &wh_duckdb_adapter;
	ap->base.conn = c;
	ap->ncols = ncols;
	ap->cols = xcalloc(ncols, sizeof(*ap->cols));
	ap->table = xasprintf("%s%s%s", schema ? schema : "", schema ? "." : "", table);
	ap->vsize = dk.duckdb_vector_size();
	if (dk.duckdb_appender_create_ext(dc->con, NULL, schema, table, &ap->app) != DuckDBSuccess) {
		rc = appender_err(ap->app, ap->table, e);
		goto done;
	}
	for (size_t i = 0; i < ncols; i++)
		if (dk.duckdb_appender_add_column(ap->app, cols[i].name) != DuckDBSuccess) {
			rc = appender_err(ap->app, ap->table, e);
			goto done;
		}
	if (dk.duckdb_appender_column_count(ap->app) != ncols) {
		rc = err_set(e, ING_EDB, "%s: appender has %llu columns, expected %zu", ap->table,
			     (unsigned long long)dk.duckdb_appender_column_count(ap->app), ncols);
		goto done;
	}
	for (size_t i = 0; i < ncols; i++) {
		types[i] = dk.duckdb_appender_column_type(ap->app, i);
		ap->cols[i].name = cols[i].name;
		ap->cols[i].src = cols[i].type.type;
		if ((rc = plan_column(&ap->cols[i], types[i], e))) {
			err_prefix(e, "%s", ap->table);
			goto done;
		}
	}
	ap->chunk = dk.duckdb_create_data_chunk(types, ncols);
	*out = &ap->base;
	ap = NULL;
done:
	for (size_t i = 0; i < ncols; i++)
		if (types[i])
			dk.duckdb_destroy_logical_type(&types[i]);
	free(types);
	if (ap)
		dapp_free(ap);
	return rc;
}

static const __int128 pow10_i128[39] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	(__int128)10000000000ULL, (__int128)100000000000ULL, (__int128)1000000000000ULL,
	(__int128)10000000000000ULL, (__int128)100000000000000ULL,
	(__int128)1000000000000000ULL, (__int128)10000000000000000ULL,
	(__int128)100000000000000000ULL, (__int128)1000000000000000000ULL,
	(__int128)1000000000000000000ULL * 10, (__int128)1000000000000000000ULL * 100,
	(__int128)1000000000000000000ULL * 1000, (__int128)1000000000000000000ULL * 10000,
	(__int128)1000000000000000000ULL * 100000, (__int128)1000000000000000000ULL * 1000000,
	(__int128)1000000000000000000ULL * 10000000,
	(__int128)1000000000000000000ULL * 100000000,
	(__int128)1000000000000000000ULL * 1000000000,
	(__int128)1000000000000000000ULL * 10000000000ULL,
	(__int128)1000000000000000000ULL * 100000000000ULL,
	(__int128)1000000000000000000ULL * 1000000000000ULL,
	(__int128)1000000000000000000ULL * 10000000000000ULL,
	(__int128)1000000000000000000ULL * 100000000000000ULL,
	(__int128)1000000000000000000ULL * 1000000000000000ULL,
	(__int128)1000000000000000000ULL * 10000000000000000ULL,
	(__int128)1000000000000000000ULL * 100000000000000000ULL,
	(__int128)1000000000000000000ULL * 1000000000000000000ULL,
	(__int128)1000000000000000000ULL * 1000000000000000000ULL * 10,
	(__int128)1000000000000000000ULL * 1000000000000000000ULL * 100,
};

/* Fill one vector for rows [off, off+n) of column k. */
static int fill_vector(struct dapp *ap, size_t k, const struct wh_colbuf *cb, size_t off,
		       idx_t n, struct err *e)
{
	const struct dcol *dc = &ap->cols[k];
	duckdb_vector vec = dk.duckdb_data_chunk_get_vector(ap->chunk, k);
	void *dst = dk.duckdb_vector_get_data(vec);
	const uint8_t *valid = cb->valid ? cb->valid + off : NULL;
	if (valid) {
		dk.duckdb_vector_ensure_validity_writable(vec);
		uint64_t *vm = dk.duckdb_vector_get_validity(vec);
		for (idx_t w = 0; w < (n + 63) / 64; w++) {
			uint64_t word = 0;
			idx_t end = (w + 1) * 64 < n ? (w + 1) * 64 : n;
			for (idx_t i = w * 64; i < end; i++)
				word |= (uint64_t)(valid[i] != 0) << (i & 63);
			vm[w] = word;
		}
	}
#define NOTNULL(i) (!valid || valid[i])
	switch (dc->fill) {
	case F_BOOL: {
		const bool *s = (const bool *)cb->data + off;
		memcpy(dst, s, n * sizeof(bool));
		break;
	}
	case F_I64: memcpy(dst, (const int64_t *)cb->data + off, n * sizeof(int64_t)); break;
	case F_I32:
	case F_I16:
	case F_I8: {
		const int64_t *s = (const int64_t *)cb->data + off;
		int64_t lo = dc->fill == F_I32 ? INT32_MIN : dc->fill == F_I16 ? INT16_MIN : INT8_MIN;
		int64_t hi = dc->fill == F_I32 ? INT32_MAX : dc->fill == F_I16 ? INT16_MAX : INT8_MAX;
		for (idx_t i = 0; i < n; i++) {
			int64_t x = NOTNULL(i) ? s[i] : 0;
			if (x < lo || x > hi)
				return err_set(e, ING_EINVAL, "%s.%s: value %lld out of range",
					       ap->table, dc->name, (long long)x);
			if (dc->fill == F_I32)
				((int32_t *)dst)[i] = (int32_t)x;
			else if (dc->fill == F_I16)
				((int16_t *)dst)[i] = (int16_t)x;
			else
				((int8_t *)dst)[i] = (int8_t)x;
		}
		break;
	}
	case F_I128_FROM_I64: {
		const int64_t *s = (const int64_t *)cb->data + off;
		duckdb_hugeint *d = dst;
		for (idx_t i = 0; i < n; i++) {
			d[i].lower = (uint64_t)s[i];
			d[i].upper = s[i] < 0 ? -1 : 0;
		}
		break;
	}
	case F_F64_FROM_I64: {
		const int64_t *s = (const int64_t *)cb->data + off;
		for (idx_t i = 0; i < n; i++)
			((double *)dst)[i] = (double)s[i];
		break;
	}
	case F_F64: memcpy(dst, (const double *)cb->data + off, n * sizeof(double)); break;
	case F_F32: {
		const double *s = (const double *)cb->data + off;
		for (idx_t i = 0; i < n; i++)
			((float *)dst)[i] = (float)s[i];
		break;
	}
	case F_DEC16:
	case F_DEC32:
	case F_DEC64:
	case F_DEC128: {
		int sscale = dc->src == WH_INT64 ? 0 : cb->type.scale;
		if (sscale > dc->scale || sscale < 0)
			return err_set(e, ING_EINVAL,
				       "%s.%s: decimal scale %d does not fit the column's scale %d",
				       ap->table, dc->name, sscale, dc->scale);
		__int128 mul = pow10_i128[dc->scale - sscale];
		__int128 lim = pow10_i128[dc->width];
		for (idx_t i = 0; i < n; i++) {
			__int128 x = 0;
			if (NOTNULL(i))
				x = (dc->src == WH_INT64 ? (__int128)((const int64_t *)cb->data)[off + i]
							 : ((const __int128 *)cb->data)[off + i]) *
				    mul;
			if (x >= lim || x <= -lim) {
				char tmp[48];
				wh__decimal_format(x, dc->scale, tmp);
				return err_set(e, ING_EINVAL, "%s.%s: %s does not fit DECIMAL(%d,%d)",
					       ap->table, dc->name, tmp, dc->width, dc->scale);
			}
			switch (dc->fill) {
			case F_DEC16: ((int16_t *)dst)[i] = (int16_t)x; break;
			case F_DEC32: ((int32_t *)dst)[i] = (int32_t)x; break;
			case F_DEC64: ((int64_t *)dst)[i] = (int64_t)x; break;
			default:
				((duckdb_hugeint *)dst)[i].lower = (uint64_t)x;
				((duckdb_hugeint *)dst)[i].upper = (int64_t)(x >> 64);
			}
		}
		break;
	}
	case F_TEXT: {
		const struct wh_str *s = (const struct wh_str *)cb->data + off;
		for (idx_t i = 0; i < n; i++) {
			if (NOTNULL(i))
				dk.duckdb_vector_assign_string_element_len(vec, i, s[i].p, s[i].n);
			else
				memset(&((duckdb_string_t *)dst)[i], 0, sizeof(duckdb_string_t));
		}
		break;
	}
	case F_DATE: memcpy(dst, (const int32_t *)cb->data + off, n * sizeof(int32_t)); break;
	case F_TS: memcpy(dst, (const int64_t *)cb->data + off, n * sizeof(int64_t)); break;
	case F_TS_S:
	case F_TS_MS:
	case F_TS_NS: {
		const int64_t *s = (const int64_t *)cb->data + off;
		for (idx_t i = 0; i < n; i++)
			((int64_t *)dst)[i] = dc->fill == F_TS_NS   ? s[i] * 1000
					      : dc->fill == F_TS_MS ? floordiv(s[i], 1000)
								    : floordiv(s[i], 1000000);
		break;
	}
	}
#undef NOTNULL
	return 0;
}

static int d_append_batch(struct wh_appender *wap, const struct wh_batch *b, struct err *e)
{
	struct dapp *ap = (struct dapp *)wap;
	if (b->ncols != ap->ncols)
		return err_set(e, ING_EINVAL, "%s: batch has %zu columns, the appender %zu", ap->table,
			       b->ncols, ap->ncols);
	for (size_t k = 0; k < b->ncols; k++)
		if (b->cols[k].type.type != ap->cols[k].src)
			return err_set(e, ING_EINVAL, "%s.%s: batch column is %s, declared %s",
				       ap->table, ap->cols[k].name, wh_type_name(b->cols[k].type.type),
				       wh_type_name(ap->cols[k].src));
	for (size_t off = 0; off < b->nrows; off += ap->vsize) {
		idx_t n = b->nrows - off < ap->vsize ? b->nrows - off : ap->vsize;
		dk.duckdb_data_chunk_reset(ap->chunk);
		for (size_t k = 0; k < b->ncols; k++) {
			int rc = fill_vector(ap, k, &b->cols[k], off, n, e);
			if (rc)
				return rc;
		}
		dk.duckdb_data_chunk_set_size(ap->chunk, n);
		if (dk.duckdb_append_data_chunk(ap->app, ap->chunk) != DuckDBSuccess)
			return appender_err(ap->app, ap->table, e);
	}
	return 0;
}

static int d_append_close(struct wh_appender *wap, bool ok, struct err *e)
{
	struct dapp *ap = (struct dapp *)wap;
	int rc = 0;
	/* With ok=false the rows still reach the open transaction, which the
	 * caller rolls back (the appender cannot drop its buffer). */
	if (dk.duckdb_appender_close(ap->app) != DuckDBSuccess && ok)
		rc = appender_err(ap->app, ap->table, e);
	dapp_free(ap);
	return rc;
}

/* ---- stream insert: an Arrow C stream read by arrow_scan ----
 *
 * The appender runs DuckDB's storage work (compression, statistics) on
 * the one thread that appends. For wh_stream_insert the batches are
 * exported instead as an Arrow C stream, registered with
 * duckdb_arrow_scan as a view, and loaded with one INSERT ... SELECT:
 * arrow_scan reports batch indexes, so DuckDB plans its order-preserving
 * parallel insert and every worker thread pulls batches and compresses its
 * own row groups. Fixed-width columns are handed over without copying
 * (DuckDB references the buffers until it releases the array); text is
 * packed into Arrow's offsets + bytes layout; NULL flags become bitmaps.
 * Only columns whose values need no conversion take this path (the table's
 * type is the one the batch carries); anything else is left to the
 * appender, which converts and range-checks.
 *
 * duckdb_arrow_scan creates an ordinary view in the connection's default
 * schema, inside the caller's transaction; it is dropped right after the
 * INSERT (a rollback removes it too). A commit thus logs the view's CREATE
 * and DROP in the WAL; replaying them after a kill between commit and
 * checkpoint was checked to open cleanly, with no view left.
 */

/* The Arrow C data interface structures (a published, stable ABI;
 * duckdb.h only declares their names). */
struct ArrowSchema {
	const char *format;
	const char *name;
	const char *metadata;
	int64_t flags;
	int64_t n_children;
	struct ArrowSchema **children;
	struct ArrowSchema *dictionary;
	void (*release)(struct ArrowSchema *);
	void *private_data;
};

struct ArrowArray {
	int64_t length;
	int64_t null_count;
	int64_t offset;
	int64_t n_buffers;
	int64_t n_children;
	const void **buffers;
	struct ArrowArray **children;
	struct ArrowArray *dictionary;
	void (*release)(struct ArrowArray *);
	void *private_data;
};

struct ArrowArrayStream {
	int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
	int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
	const char *(*get_last_error)(struct ArrowArrayStream *);
	void (*release)(struct ArrowArrayStream *);
	void *private_data;
};

#define ARROW_FLAG_NULLABLE 2

struct dstream {
	struct ArrowArrayStream st;
	const struct wh_stream_src *src;
	size_t ncols;
	struct dcol *cols;
	char (*fmt)[32];
	struct ArrowSchema root, *kid, **kidp;
	bool ended;
	char errmsg[256];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t live; /* arrays handed out, not yet released */
};

/* One exported batch: a copy that owns every buffer, so the source's
 * batch is released before DuckDB sees it. DuckDB keeps an array while its
 * thread works on it and while that thread waits (under the scan's lock)
 * for the next one; a source with a few batch slots whose slot stayed held
 * until this release deadlocked: the waiting thread wanted the next batch,
 * the source's producer wanted a slot, and the slots sat in DuckDB's other
 * threads, queued on the same lock. */
struct darr {
	struct dstream *s;
	struct ArrowArray *kid, **kidp;
	const void **bufs; /* 3 per column */
	void **owned;      /* buffers we allocated for it */
	size_t nowned;
};

static void schema_release(struct ArrowSchema *sc)
{
	sc->release = NULL;
}

static void child_release(struct ArrowArray *a)
{
	a->release = NULL;
}

static int as_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out)
{
	struct dstream *s = st->private_data;
	for (size_t k = 0; k < s->ncols; k++)
		s->kid[k].release = schema_release;
	*out = s->root;
	out->release = schema_release;
	return 0;
}

static const char *as_last_error(struct ArrowArrayStream *st)
{
	struct dstream *s = st->private_data;
	return s->errmsg[0] ? s->errmsg : NULL;
}

static void as_release(struct ArrowArrayStream *st)
{
	st->release = NULL;
}

static void arr_release(struct ArrowArray *a)
{
	struct darr *d = a->private_data;
	struct dstream *s = d->s;
	for (size_t i = 0; i < d->nowned; i++)
		free(d->owned[i]);
	free(d->owned);
	free(d);
	a->release = NULL;
	pthread_mutex_lock(&s->mu);
	s->live--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* NULL flags as an Arrow validity bitmap (NULL when there is no NULL). */
static uint8_t *pack_validity(struct darr *d, const uint8_t *valid, size_t n, int64_t *nulls)
{
	*nulls = 0;
	if (!valid)
		return NULL;
	size_t nb = (n + 7) / 8, z = 0;
	uint8_t *bits = xcalloc(nb ? nb : 1, 1);
	for (size_t i = 0; i < n; i++) {
		bits[i >> 3] |= (uint8_t)((valid[i] != 0) << (i & 7));
		z += valid[i] == 0;
	}
	if (!z) {
		free(bits);
		return NULL;
	}
	*nulls = (int64_t)z;
	d->owned[d->nowned++] = bits;
	return bits;
}

/* Bytes per value of a column that goes through Arrow as the batch has it
 * (stream_column's formats). */
static size_t fill_width(enum dfill f)
{
	switch (f) {
	case F_DATE: return sizeof(int32_t);
	case F_DEC16:
	case F_DEC32:
	case F_DEC64:
	case F_DEC128: return sizeof(__int128);
	case F_I64:
	case F_F64:
	case F_TS: return sizeof(int64_t);
	default: BUG("column fill %d does not go through Arrow as is", (int)f);
	}
}

static int as_get_next(struct ArrowArrayStream *st, struct ArrowArray *out)
{
	struct dstream *s = st->private_data;
	memset(out, 0, sizeof(*out)); /* release == NULL: the end */
	if (s->ended)
		return 0;
	const struct wh_batch *b = NULL;
	void *token = NULL;
	if (s->src->next(s->src->ctx, &b, &token) <= 0) {
		s->ended = true;
		return 0;
	}
	size_t n = b->nrows, nc = s->ncols;
	if (b->ncols != nc) {
		snprintf(s->errmsg, sizeof(s->errmsg), "batch has %zu columns, the insert %zu",
			 b->ncols, nc);
		s->src->release(s->src->ctx, token);
		return EINVAL;
	}
	for (size_t k = 0; k < nc; k++) {
		const struct wh_ltype *t = &b->cols[k].type;
		enum wh_type bt = t->type == WH_OTHER ? WH_TEXT : t->type;
		if (bt != s->cols[k].src || (bt == WH_DECIMAL && t->scale != s->cols[k].scale)) {
			snprintf(s->errmsg, sizeof(s->errmsg), "column '%s': batch is %s, expected %s",
				 s->cols[k].name, wh_type_name(t->type), wh_type_name(s->cols[k].src));
			s->src->release(s->src->ctx, token);
			return EINVAL;
		}
	}
	struct darr *d = xcalloc(1, sizeof(*d));
	d->s = s;
	d->kid = xcalloc(nc, sizeof(*d->kid));
	d->kidp = xcalloc(nc, sizeof(*d->kidp));
	d->bufs = xcalloc(nc * 3 + 1, sizeof(*d->bufs));
	d->owned = xcalloc(nc * 3 + 3, sizeof(*d->owned));
	d->owned[d->nowned++] = d->kid;
	d->owned[d->nowned++] = d->kidp;
	d->owned[d->nowned++] = d->bufs;
	for (size_t k = 0; k < nc; k++) {
		const struct wh_colbuf *cb = &b->cols[k];
		struct ArrowArray *a = &d->kid[k];
		const void **bf = d->bufs + 1 + 3 * k;
		a->length = (int64_t)n;
		a->n_buffers = 2;
		a->buffers = bf;
		a->release = child_release;
		bf[0] = pack_validity(d, cb->valid, n, &a->null_count);
		switch (s->cols[k].fill) {
		case F_BOOL: {
			uint8_t *bits = xcalloc((n + 7) / 8 + 1, 1);
			const bool *v = cb->data;
			for (size_t i = 0; i < n; i++)
				bits[i >> 3] |= (uint8_t)(v[i] << (i & 7));
			d->owned[d->nowned++] = bits;
			bf[1] = bits;
			break;
		}
		case F_TEXT: {
			const struct wh_str *v = cb->data;
			size_t total = 0;
			for (size_t i = 0; i < n; i++)
				if (!cb->valid || cb->valid[i])
					total += v[i].n;
			int64_t *off = xmalloc((n + 1) * sizeof(int64_t));
			char *txt = xmalloc(total ? total : 1), *w = txt;
			off[0] = 0;
			for (size_t i = 0; i < n; i++) {
				if (!cb->valid || cb->valid[i]) {
					memcpy(w, v[i].p, v[i].n);
					w += v[i].n;
				}
				off[i + 1] = w - txt;
			}
			d->owned[d->nowned++] = off;
			d->owned[d->nowned++] = txt;
			a->n_buffers = 3;
			bf[1] = off;
			bf[2] = txt;
			break;
		}
		default: { /* same representation as the batch, copied */
			size_t nb = n * fill_width(s->cols[k].fill);
			void *v = xmalloc(nb ? nb : 1);
			if (nb)
				memcpy(v, cb->data, nb);
			d->owned[d->nowned++] = v;
			bf[1] = v;
			break;
		}
		}
		d->kidp[k] = a;
	}
	/* the copy is DuckDB's: the source's slot is free for the next batch */
	s->src->release(s->src->ctx, token);
	out->length = (int64_t)n;
	out->n_buffers = 1;
	out->buffers = d->bufs; /* bufs[0]: the struct's validity, none */
	out->n_children = (int64_t)nc;
	out->children = d->kidp;
	out->release = arr_release;
	out->private_data = d;
	pthread_mutex_lock(&s->mu);
	s->live++;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* Can column k go through Arrow unchanged? Sets its format. */
static bool stream_column(struct dcol *dc, duckdb_logical_type lt, const struct wh_ltype *src,
			  char fmt[32])
{
	duckdb_type id = dk.duckdb_get_type_id(lt);
	switch (dc->fill) {
	case F_BOOL: snprintf(fmt, 32, "b"); return true;
	case F_I64: snprintf(fmt, 32, "l"); return true;
	case F_F64: snprintf(fmt, 32, "g"); return true;
	case F_TEXT: snprintf(fmt, 32, "U"); return true;
	case F_DATE: snprintf(fmt, 32, "tdD"); return true;
	case F_TS: snprintf(fmt, 32, "tsu:"); return id == DUCKDB_TYPE_TIMESTAMP;
	case F_DEC16:
	case F_DEC32:
	case F_DEC64:
	case F_DEC128: {
		/* the batch's scale is the column's, and every value fits */
		int p = src->precision <= 0 ? 38 : src->precision;
		int sc = src->precision <= 0 ? 9 : src->scale;
		snprintf(fmt, 32, "d:%d,%d", dc->width, dc->scale);
		return src->type == WH_DECIMAL && sc == dc->scale && p <= dc->width;
	}
	default: return false;
	}
}

static int d_stream_insert(struct wh_conn *c, const char *schema, const char *table,
			   const struct wh_coldef *cols, size_t ncols,
			   const struct wh_stream_src *src, struct err *e)
{
	static _Atomic unsigned long seq;
	struct dconn *dc = dconn_of(c);
	struct dstream s = {0};
	duckdb_appender app = NULL;
	struct buf sql = BUF_INIT;
	char view[64];
	bool have_view = false;
	int rc = 0;
	char *what = xasprintf("%s%s%s", schema ? schema : "", schema ? "." : "", table);

	s.src = src;
	s.ncols = ncols;
	s.cols = xcalloc(ncols, sizeof(*s.cols));
	s.fmt = xcalloc(ncols, sizeof(*s.fmt));
	s.kid = xcalloc(ncols, sizeof(*s.kid));
	s.kidp = xcalloc(ncols, sizeof(*s.kidp));
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);

	/* The table's column types, through an appender that appends nothing. */
	if (dk.duckdb_appender_create_ext(dc->con, NULL, schema, table, &app) != DuckDBSuccess) {
		rc = appender_err(app, what, e);
		goto done;
	}
	for (size_t i = 0; i < ncols; i++)
		if (dk.duckdb_appender_add_column(app, cols[i].name) != DuckDBSuccess) {
			rc = appender_err(app, what, e);
			goto done;
		}
	for (size_t i = 0; i < ncols && !rc; i++) {
		duckdb_logical_type lt = dk.duckdb_appender_column_type(app, i);
		s.cols[i].name = cols[i].name;
		s.cols[i].src = cols[i].type.type == WH_OTHER ? WH_TEXT : cols[i].type.type;
		if (plan_column(&s.cols[i], lt, e) ||
		    !stream_column(&s.cols[i], lt, &cols[i].type, s.fmt[i])) {
			err_clear(e);
			rc = err_set(e, ING_EUNSUPPORTED,
				     "%s.%s: the column type needs the appender's conversion", what,
				     cols[i].name);
		}
		dk.duckdb_destroy_logical_type(&lt);
	}
	dk.duckdb_appender_destroy(&app);
	if (rc)
		goto done;

	for (size_t i = 0; i < ncols; i++) {
		s.kid[i] = (struct ArrowSchema){.format = s.fmt[i],
						.name = cols[i].name,
						.flags = ARROW_FLAG_NULLABLE,
						.release = schema_release};
		s.kidp[i] = &s.kid[i];
	}
	s.root = (struct ArrowSchema){.format = "+s",
				      .name = "",
				      .n_children = (int64_t)ncols,
				      .children = s.kidp,
				      .release = schema_release};
	s.st = (struct ArrowArrayStream){as_get_schema, as_get_next, as_last_error, as_release,
					 &s};

	snprintf(view, sizeof(view), "__ingot_stream_%ld_%lu", (long)getpid(), ++seq);
	if (dk.duckdb_arrow_scan(dc->con, view, (duckdb_arrow_stream)&s.st) != DuckDBSuccess) {
		rc = err_set(e, ING_EDB, "%s: cannot register the batch stream", what);
		goto done;
	}
	have_view = true;
	buf_puts(&sql, "INSERT INTO ");
	wh_relation_sql(c->db, schema, table, &sql);
	buf_puts(&sql, " (");
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			buf_puts(&sql, ", ");
		wh_quote_ident(c->db, cols[i].name, &sql);
	}
	buf_puts(&sql, ") SELECT * FROM ");
	wh_quote_ident(c->db, view, &sql);
	if ((rc = d_exec(c, buf_cstr(&sql), NULL, e)))
		err_prefix(e, "%s", what);
done:
	if (have_view) {
		struct err ig = ERR_INIT;
		buf_reset(&sql);
		buf_puts(&sql, "DROP VIEW IF EXISTS ");
		wh_quote_ident(c->db, view, &sql);
		/* fails only in an aborted transaction, whose rollback drops it */
		if (d_exec(c, buf_cstr(&sql), NULL, &ig) && !rc)
			rc = err_set(e, ING_EDB, "%s: %s", what, ig.msg ? ig.msg : "drop view");
		err_clear(&ig);
	}
	pthread_mutex_lock(&s.mu);
	while (s.live)
		pthread_cond_wait(&s.cv, &s.mu);
	pthread_mutex_unlock(&s.mu);
	if (app)
		dk.duckdb_appender_destroy(&app);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	free(s.cols);
	free(s.fmt);
	free(s.kid);
	free(s.kidp);
	free(what);
	buf_free(&sql);
	return rc;
}

/* ---- dialect ---- */

static void d_type_sql(const struct wh_ltype *t, struct buf *out)
{
	switch (t->type) {
	case WH_BOOL: buf_puts(out, "BOOLEAN"); break;
	case WH_INT64: buf_puts(out, "BIGINT"); break;
	case WH_DOUBLE: buf_puts(out, "DOUBLE"); break;
	case WH_DECIMAL: {
		/* precision 0: the widest exact decimal DuckDB has */
		int p = t->precision <= 0 || t->precision > 38 ? 38 : t->precision;
		int s = t->precision <= 0 ? 9 : t->scale > p ? p : t->scale;
		buf_printf(out, "DECIMAL(%d,%d)", p, s);
		break;
	}
	case WH_DATE: buf_puts(out, "DATE"); break;
	case WH_TIMESTAMP:
	case WH_DATETIME: buf_puts(out, "TIMESTAMP"); break;
	case WH_NULL:
	case WH_TEXT:
	case WH_OTHER: buf_puts(out, "VARCHAR"); break;
	}
}

/* ---- dialect of models (where DuckDB differs from dialect.c's defaults) ---- */

/* dbt-duckdb's DuckDBColumn type families */
static const char *const d_dbt_integer_types[] = {
	"tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger",
	"ubigint", "int1", "int2", "int4", "int8", "short", "int", "signed", "long", NULL};
static const char *const d_dbt_float_types[] = {"real", "float", "float4", "float8", "double", NULL};

static void d_dateadd(const char *part, const char *n, const char *d, struct buf *out)
{
	buf_printf(out, "date_add(%s, interval (%s) %s)", d, n, part);
}

static int d_datediff(const char *first, const char *second, const char *part, struct buf *out,
		      struct err *e)
{
	(void)e; /* date_diff takes every part DuckDB knows; it reports the others */
	buf_printf(out, "date_diff('%s', (%s)::timestamp, (%s)::timestamp)", part, first, second);
	return 0;
}

static void d_listagg(const char *measure, const char *delim, const char *order_by,
		      const char *limit, struct buf *out)
{
	if (limit)
		buf_printf(out, "array_to_string(list_slice(array_agg(%s %s), 1, %s), %s)", measure,
			   order_by ? order_by : "", limit, delim);
	else
		buf_printf(out, "string_agg(%s, %s%s%s)", measure, delim, order_by ? " " : "",
			   order_by ? order_by : "");
}

/* dbt-duckdb reports every statement as "OK" */
static void d_status(const char *code, int64_t rows, struct buf *out)
{
	(void)code;
	(void)rows;
	buf_puts(out, "OK");
}

const struct wh_adapter wh_duckdb_adapter = {
	.name = "duckdb",
	.caps = WH_CAP_MERGE | WH_CAP_BULK_APPEND | WH_CAP_COMMENTS | WH_CAP_CANCEL |
		WH_CAP_STREAM_INSERT,
	.ident_quote = '"',
	.caps_lacking = d_caps_lacking,
	.db_open = d_open,
	.db_close = d_close,
	.db_ready = d_ready,
	.connect = d_connect,
	.disconnect = d_disconnect,
	.version = d_version,
	.exec = d_exec,
	.query = d_query,
	.cancel = d_cancel,
	.rollback = d_rollback,
	.append_open = d_append_open,
	.append_batch = d_append_batch,
	.append_close = d_append_close,
	.stream_insert = d_stream_insert,
	.type_sql = d_type_sql,
	.dialect = {
		.macro_types = {
			[WH_SQLT_STRING] = "VARCHAR",
			[WH_SQLT_INT] = "INTEGER",
			[WH_SQLT_BIGINT] = "BIGINT",
			[WH_SQLT_FLOAT] = "DOUBLE",
			[WH_SQLT_TIMESTAMP] = "TIMESTAMP",
		},
		.column_types = {[WH_SQLT_FLOAT] = "double"},
		.safe_cast_fn = "try_cast",
		.any_value_fn = "any_value",
		.dateadd = d_dateadd,
		.datediff = d_datediff,
		.listagg = d_listagg,
		.status = d_status,
		.relation_class = "DuckDBRelation",
		.column_class = "DuckDBColumn",
		.integer_types = d_dbt_integer_types,
		.float_types = d_dbt_float_types,
		.sized_strings = true,
		.no_subquery_alias = true,
	},
};
