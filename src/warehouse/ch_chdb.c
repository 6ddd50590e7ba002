/*
 * warehouse/ch_chdb.c — the embedded ClickHouse transport (mode: embedded).
 *
 * chDB's libchdb.so is the ClickHouse engine as an in-process library. It
 * is loaded with dlopen on the first open (ingot builds and runs without
 * it): $INGOT_CHDB_LIB, then third_party/chdb/lib next to the executable
 * (and the source tree it was built in), then the system's search path.
 * scripts/bootstrap installs the pinned version there.
 *
 * One engine per process: chDB keeps global state, so every open shares
 * one connection (reference counted; a second open must name the same data
 * directory) and statements are serialized by a mutex. The settings are
 * given once, as command-line options of the embedded clickhouse-local.
 *
 * An INSERT's body (RowBinary or TSV) is written, chunk by chunk, to a
 * file in the data directory and the statement becomes INSERT ... FROM
 * INFILE 'file' FORMAT X; the file is removed when it returns. Inline,
 * after the statement's text, chDB's statement splitter would read the
 * bytes as SQL tokens (a binary body ends at its first ';' byte). The
 * answer arrives whole and is passed to the sink in one piece.
 */
#include "warehouse/ch_transport.h"

#include "core/mem.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* chDB's C API (chdb.h of chDB 3.x), as opaque pointers: a connection is a
 * pointer to a handle, results are handles. */
typedef void *(*chdb_connect_fn)(int argc, char **argv);
typedef void (*chdb_close_conn_fn)(void *conn);
typedef void *(*chdb_query_n_fn)(void *conn, const char *q, size_t qlen, const char *fmt,
				 size_t fmtlen);
typedef void (*chdb_destroy_fn)(void *res);
typedef char *(*chdb_buffer_fn)(void *res);
typedef size_t (*chdb_length_fn)(void *res);
typedef const char *(*chdb_error_fn)(void *res);

static struct {
	pthread_mutex_t mu;
	void *lib;
	char *lib_err;
	chdb_connect_fn connect;
	chdb_close_conn_fn close_conn;
	chdb_query_n_fn query_n;
	chdb_destroy_fn destroy;
	chdb_buffer_fn buffer;
	chdb_length_fn length;
	chdb_error_fn error;
	void **conn; /* chdb_connection * */
	char *path;
	int refs;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

#ifndef INGOT_CHDB_DIR
#define INGOT_CHDB_DIR ""
#endif

static void *try_open(const char *path, struct buf *tried)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		buf_printf(tried, "%s%s", tried->len ? ", " : "", path);
	return h;
}

/* An AddressSanitizer build cannot host libchdb.so: the library is not
 * instrumented and brings its own allocator, and the process dies at the
 * first call (SEGV at address 0). */
#if defined(__SANITIZE_ADDRESS__)
#define CHDB_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHDB_UNDER_ASAN 1
#endif
#endif

/* Called with g.mu held. */
static int load_library(struct err *e)
{
	if (g.lib)
		return 0;
#ifdef CHDB_UNDER_ASAN
	return err_set(e, ING_EUNSUPPORTED,
		       "ClickHouse embedded mode (chDB) cannot run in an AddressSanitizer build of "
		       "ingot: libchdb.so is not instrumented; use a normal build");
#endif
	struct buf tried = BUF_INIT;
	const char *env = getenv("INGOT_CHDB_LIB");
	void *h = NULL;
	if (env && *env) {
		h = try_open(env, &tried);
	} else {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = 0;
			char *slash = strrchr(exe, '/');
			if (slash)
				*slash = 0;
			char path[PATH_MAX + 64];
			snprintf(path, sizeof(path), "%s/third_party/chdb/lib/libchdb.so", exe);
			h = try_open(path, &tried);
			if (!h) {
				snprintf(path, sizeof(path), "%s/../lib/ingot/libchdb.so", exe);
				h = try_open(path, &tried);
			}
		}
		if (!h && *INGOT_CHDB_DIR)
			h = try_open(INGOT_CHDB_DIR "/lib/libchdb.so", &tried);
		if (!h)
			h = try_open("libchdb.so", &tried);
	}
	if (!h) {
		int rc = err_set(e, ING_EUNSUPPORTED,
				 "ClickHouse embedded mode needs chDB's libchdb.so, which is not "
				 "installed (looked for %s): run scripts/bootstrap (or "
				 "scripts/bootstrap --chdb), or set INGOT_CHDB_LIB to its path",
				 buf_cstr(&tried));
		buf_free(&tried);
		return rc;
	}
	buf_free(&tried);
	g.connect = (chdb_connect_fn)dlsym(h, "chdb_connect");
	g.close_conn = (chdb_close_conn_fn)dlsym(h, "chdb_close_conn");
	g.query_n = (chdb_query_n_fn)dlsym(h, "chdb_query_n");
	g.destroy = (chdb_destroy_fn)dlsym(h, "chdb_destroy_query_result");
	g.buffer = (chdb_buffer_fn)dlsym(h, "chdb_result_buffer");
	g.length = (chdb_length_fn)dlsym(h, "chdb_result_length");
	g.error = (chdb_error_fn)dlsym(h, "chdb_result_error");
	if (!g.connect || !g.close_conn || !g.query_n || !g.destroy || !g.buffer || !g.length ||
	    !g.error) {
		dlclose(h);
		return err_set(e, ING_EUNSUPPORTED,
			       "the libchdb.so found is too old (it lacks chdb_query_n and the "
			       "chdb_result_* functions of chDB 3): run scripts/bootstrap to "
			       "install the pinned chDB");
	}
	g.lib = h;
	return 0;
}

static int mkdirs(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0777) && errno != EEXIST) {
				int rc = err_set(e, ING_EIO, "cannot create the ClickHouse data "
					       "directory %s: %s", p, strerror(errno));
				free(p);
				return rc;
			}
			if (!c)
				break;
			*s = c;
		}
	}
	free(p);
	return 0;
}

/* The body of an INSERT ... FORMAT X, written to a file of its own in
 * the data directory (chunk by chunk, never all in memory), for the
 * statement to read with FROM INFILE. Inline, after the statement's text,
 * chDB's statement splitter reads binary input as SQL tokens and ends the
 * statement at the first byte that is a ';' (RowBinary: "Cannot read all
 * data" a few thousand rows in); a file is read as bytes. */
static int body_to_file(ch_body_fn body, void *body_ud, char **path_out, struct err *e)
{
	char *path = xasprintf("%s/ingot-insert-XXXXXX", g.path ? g.path : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		int rc = err_set(e, ING_EIO, "cannot create %s for a ClickHouse (embedded) "
			       "insert: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(path);
		free(path);
		return err_set(e, ING_EIO, "cannot write a ClickHouse (embedded) insert: %s",
			       strerror(errno));
	}
	struct buf chunk = BUF_INIT;
	bool done = false;
	int rc = 0;
	while (!done && !rc) {
		buf_reset(&chunk);
		rc = body(body_ud, &chunk, &done, e);
		if (!rc && chunk.len && fwrite(chunk.data, 1, chunk.len, f) != chunk.len)
			rc = err_set(e, ING_EIO, "cannot write %s: %s", path, strerror(errno));
	}
	buf_free(&chunk);
	if (fclose(f) && !rc)
		rc = err_set(e, ING_EIO, "cannot write %s: %s", path, strerror(errno));
	if (rc) {
		unlink(path);
		free(path);
		return rc;
	}
	*path_out = path;
	return 0;
}

/* "INSERT INTO t (cols) FORMAT X" -> "INSERT INTO t (cols) FROM INFILE
 * 'path' FORMAT X" (the adapter ends every INSERT with a body so). */
static int insert_from_file(const char *sql, const char *path, struct buf *q, struct err *e)
{
	const char *fmt = NULL;
	for (const char *p = strstr(sql, " FORMAT "); p; p = strstr(p + 1, " FORMAT "))
		fmt = p;
	if (!fmt)
		return err_set(e, ING_EINVAL, "a ClickHouse insert with a body names no FORMAT: "
			       "%.60s", sql);
	buf_add(q, sql, (size_t)(fmt - sql));
	buf_puts(q, " FROM INFILE '");
	for (const char *c = path; *c; c++) {
		if (*c == '\\' || *c == '\'')
			buf_putc(q, '\\');
		buf_putc(q, *c);
	}
	buf_putc(q, '\'');
	buf_puts(q, fmt);
	return 0;
}

static int chdb_exec(struct ch_transport *t, const char *sql, ch_body_fn body, void *body_ud,
		     ch_sink_fn sink, void *sink_ud, struct err *e)
{
	struct buf q = BUF_INIT;
	char *file = NULL;
	if (body) {
		int rc = body_to_file(body, body_ud, &file, e);
		if (!rc)
			rc = insert_from_file(sql, file, &q, e);
		if (rc) {
			if (file)
				unlink(file);
			free(file);
			buf_free(&q);
			return rc;
		}
	} else {
		buf_puts(&q, sql);
	}
	pthread_mutex_lock(&g.mu);
	void *res = g.query_n(*g.conn, q.data, q.len, "TabSeparated", 12);
	buf_free(&q);
	if (file) {
		unlink(file);
		free(file);
	}
	int rc = 0;
	if (!res) {
		rc = err_set(e, ING_EDB, "ClickHouse (embedded) returned no result");
	} else {
		const char *m = g.error(res);
		if (m && *m) {
			size_t n = strlen(m);
			while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
				n--;
			rc = err_set(e, ING_EDB, "%.*s", (int)n, m);
		} else if (sink) {
			size_t n = g.length(res);
			const char *p = g.buffer(res);
			rc = sink(sink_ud, p ? p : "", p ? n : 0, e);
		}
		g.destroy(res);
	}
	pthread_mutex_unlock(&g.mu);
	return rc;
}

static int chdb_cancel(struct ch_transport *t)
{
	return ING_EUNSUPPORTED;
}

static void chdb_close(struct ch_transport *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&g.mu);
	if (--g.refs == 0 && g.conn) {
		/* stop the engine's threads now: left running into exit(),
		 * they race the library's static destructors and abort */
		g.close_conn(g.conn);
		g.conn = NULL;
		free(g.path);
		g.path = NULL;
	}
	pthread_mutex_unlock(&g.mu);
	free(t);
}

/* A process that exits with the engine open (an error path that skips
 * wh_close) stops it first, for the same reason. */
static void chdb_atexit(void)
{
	pthread_mutex_lock(&g.mu);
	if (g.conn) {
		g.close_conn(g.conn);
		g.conn = NULL;
	}
	pthread_mutex_unlock(&g.mu);
}

static const struct ch_transport_ops chdb_ops = {
	.name = "embedded",
	.exec = chdb_exec,
	.cancel = chdb_cancel,
	.close = chdb_close,
};

int ch_chdb_open(const struct ch_conn_opts *o, struct ch_transport **out, struct err *e)
{
	*out = NULL;
	if (!o->path || !*o->path)
		return err_set(e, ING_ECONFIG, "ClickHouse embedded mode needs a data directory "
			       "('path:' in the target)");
	pthread_mutex_lock(&g.mu);
	int rc = load_library(e);
	if (!rc && g.conn && strcmp(g.path, o->path))
		rc = err_set(e, ING_EUNSUPPORTED,
			     "the embedded ClickHouse engine of this process already uses %s; one "
			     "process can open one chDB data directory, not also %s", g.path,
			     o->path);
	if (!rc && !g.conn && !(rc = mkdirs(o->path, e))) {
		size_t ns = 0;
		while (o->settings && o->settings[ns])
			ns++;
		char **argv = xcalloc(ns + 3, sizeof(*argv));
		int argc = 0;
		argv[argc++] = xstrdup("clickhouse");
		argv[argc++] = xasprintf("--path=%s", o->path);
		for (size_t i = 0; i < ns; i++)
			argv[argc++] = xasprintf("--%s", o->settings[i]);
		g.conn = g.connect(argc, argv);
		for (int i = 0; i < argc; i++)
			free(argv[i]);
		free(argv);
		if (!g.conn || !*g.conn) {
			g.conn = NULL;
			rc = err_set(e, ING_EDB, "chDB could not open the ClickHouse data directory "
				     "%s (is another process using it?)", o->path);
		} else {
			static bool registered;
			if (!registered)
				atexit(chdb_atexit);
			registered = true;
			g.path = xstrdup(o->path);
		}
	}
	if (!rc) {
		g.refs++;
		struct ch_transport *t = xcalloc(1, sizeof(*t));
		t->ops = &chdb_ops;
		*out = t;
	}
	pthread_mutex_unlock(&g.mu);
	return rc;
}

static int collect_sink(void *ud, const char *data, size_t n, struct err *e)
{
	return buf_add(ud, data, n) ? err_set(e, ING_ENOMEM, "out of memory") : 0;
}

int ch_exec_collect(struct ch_transport *t, const char *sql, struct buf *out, struct err *e)
{
	return t->ops->exec(t, sql, NULL, NULL, collect_sink, out, e);
}
