/*
 * cmd/cmd_deps.c — `ingot deps`: install the packages of packages.yml as
 * dbt-core 1.10's `dbt deps` does.
 *
 * Four kinds of package, each installed under packages-install-path
 * (dbt_packages/) in a directory named by the package's own
 * dbt_project.yml name:
 *   local:    a directory relative to the project, installed as a symbolic link;
 *   git:      cloned with the git command line, `revision` checked out
 *             (branch, tag or commit; HEAD when absent, with dbt's warning),
 *             `subdirectory` taking one directory of the repository;
 *   tarball:  downloaded over HTTP(S) with libcurl (`sha256:` checked when
 *             given), extracted with tar; a single top-level directory is
 *             the package;
 *   package:  dbt Hub packages: `{hub}/api/v1/{org}/{name}.json` lists the
 *             versions, each with its tarball and its own hub dependencies.
 *             Every requirer's `version` (an exact version, a range such as
 *             ">=1.0.0", or a list of them) is intersected and the highest
 *             version inside wins; prereleases only with install-prerelease
 *             (or when pinned exactly). The hub is $DBT_PACKAGE_HUB_URL,
 *             default https://hub.getdbt.com/.
 * Dependencies are transitive: an installed package's own packages.yml
 * (or dependencies.yml) adds its packages. Values may use
 * {{ env_var('X') }} (a private repository's token); messages and the lock
 * keep such a URL as written, never rendered.
 *
 * package-lock.yml (dbt 1.7+): after resolving, every installed package
 * is written pinned (hub: version, git: the commit) with `name`, and
 * `sha1_hash`: sha1 of the packages.yml entries, each as JSON with sorted
 * keys, sorted and joined by newlines. When the lock's hash matches
 * packages.yml the lock is installed as written (no resolution); --upgrade
 * resolves again. Any failure (network, git, a version no one satisfies)
 * names the package, where it was declared and the URL, and exits 2.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "config/yaml.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/semver.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBCURL
#include <curl/curl.h>
#endif

extern char **environ;

enum pkg_kind { PK_LOCAL, PK_GIT, PK_TARBALL, PK_HUB };

struct pkg {
	enum pkg_kind kind;
	char *src;      /* local: absolute dir; git/tarball: URL; hub: org/name */
	char *raw;      /* git/tarball: the URL as written (env_var() unrendered: the lock
			 * keeps it so, never a secret) */
	char *shown;    /* local: as written */
	char *revision; /* git: as requested (NULL: HEAD) */
	char *subdir;   /* git */
	char *sha256;   /* tarball */
	char **ranges;  /* hub: every requirer's constraints */
	size_t nranges;
	bool prerelease;
	bool warn_unpinned;
	char *where; /* "packages.yml:3" */
	/* resolved */
	char *name;
	char *version; /* hub: the version; git: the commit */
	json_t *index; /* hub: the package's index document */
	bool installed;
};

struct deps {
	struct cmd_ctx *c;
	struct project *p;
	struct arena *a;
	struct pkg **v;
	size_t n;
	char *tmp; /* scratch directory inside packages-install-path */
	int seq;
	char *hub;
};

/* ---- subprocesses (git, tar) ---- */

/* Run argv; its stdout and stderr into out. The exit status, or -1. */
static int run_argv(char *const argv[], struct buf *out)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		buf_printf(out, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	char tmp[4096];
	ssize_t k;
	while ((k = read(fds[0], tmp, sizeof tmp)) > 0 || (k < 0 && errno == EINTR))
		if (k > 0)
			buf_add(out, tmp, (size_t)k);
	close(fds[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *trimmed(struct buf *b)
{
	char *s = xstrdup(buf_cstr(b));
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = 0;
	return s;
}

/* ---- HTTP ---- */

#ifdef HAVE_LIBCURL
static size_t curl_to_buf(char *p, size_t sz, size_t n, void *u)
{
	buf_add(u, p, sz * n);
	return sz * n;
}
#endif

/* GET url into out. 0, 1 for HTTP 404, -1 on any other failure (why). */
static int http_get(const char *url, struct buf *out, char **why)
{
#ifdef HAVE_LIBCURL
	static bool inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		*why = xstrdup("libcurl could not make a request");
		return -1;
	}
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ingot-deps/" INGOT_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_to_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		*why = xstrdup(ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	if (status == 404)
		return 1;
	if (status >= 300) {
		*why = xasprintf("HTTP status %ld", status);
		return -1;
	}
	return 0;
#else
	(void)url;
	(void)out;
	*why = xstrdup("this ingot was built without libcurl (WITH_CURL=0), so it cannot download; "
		       "vendor the package under packages-install-path or list it as local:");
	return -1;
#endif
}

/* ---- the package list ---- */

static struct pkg *find_pkg(struct deps *d, enum pkg_kind k, const char *src, const char *subdir)
{
	for (size_t i = 0; i < d->n; i++) {
		struct pkg *p = d->v[i];
		if (p->kind == k && !strcmp(p->src, src) &&
		    !strcmp(p->subdir ? p->subdir : "", subdir ? subdir : ""))
			return p;
	}
	return NULL;
}

static void pkg_free(struct pkg *p)
{
	free(p->src);
	free(p->raw);
	free(p->shown);
	free(p->revision);
	free(p->subdir);
	free(p->sha256);
	for (size_t i = 0; i < p->nranges; i++)
		free(p->ranges[i]);
	free(p->ranges);
	free(p->where);
	free(p->name);
	free(p->version);
	if (p->index)
		json_decref(p->index);
	free(p);
}

static void add_range(struct pkg *p, const char *r)
{
	for (size_t i = 0; i < p->nranges; i++)
		if (!strcmp(p->ranges[i], r))
			return;
	p->ranges = xrealloc(p->ranges, (p->nranges + 1) * sizeof *p->ranges);
	p->ranges[p->nranges++] = xstrdup(r);
}

static int bad_entry(struct deps *d, const struct ynode *e, const char *why)
{
	return err_setloc(&d->c->err, ING_ECONFIG, e->file, e->line, e->col, "%s", why);
}

/* ymap_str with {{ env_var('X') }} rendered, as dbt renders packages.yml
 * (private repositories put their token in an env var). */
static const char *rstr(struct deps *d, const struct ynode *e, const char *key, bool *bad)
{
	const char *v = ymap_str(e, key);
	if (!v || !strstr(v, "{{"))
		return v;
	const char *r = config_render_env(d->a, v, ymap_get(e, key), &d->c->err);
	if (!r)
		*bad = true;
	return r;
}

/* Add one packages.yml entry (declared in a file under base). */
static int add_entry(struct deps *d, const struct ynode *e, const char *base, bool from_lock)
{
	if (e->type != Y_MAP)
		return bad_entry(d, e, "a package entry is a mapping with local:, git:, tarball: or package:");
	bool bad = false;
	const char *local = rstr(d, e, "local", &bad), *git = rstr(d, e, "git", &bad);
	const char *tar = rstr(d, e, "tarball", &bad), *hub = rstr(d, e, "package", &bad);
	const char *sub = rstr(d, e, "subdirectory", &bad), *rev = rstr(d, e, "revision", &bad);
	if (bad)
		return -1;
	char where[PATH_MAX + 32];
	snprintf(where, sizeof where, "%s:%d", e->file ? e->file : "packages.yml", e->line);
	struct pkg *p = NULL;
	if (local) {
		char *abs = local[0] == '/' ? xstrdup(local) : path_join(base, local);
		char real[PATH_MAX];
		if (!realpath(abs, real) || !fs_is_dir(real)) {
			err_setloc(&d->c->err, ING_ENOTFOUND, e->file, e->line, e->col,
				   "local package '%s' not found (%s)", local, abs);
			free(abs);
			return -1;
		}
		free(abs);
		if (find_pkg(d, PK_LOCAL, real, NULL))
			return 0;
		p = xcalloc(1, sizeof *p);
		p->kind = PK_LOCAL;
		p->src = xstrdup(real);
		p->shown = xstrdup(local);
	} else if (git) {
		struct pkg *old = find_pkg(d, PK_GIT, git, sub);
		if (old) {
			if (rev && old->revision && strcmp(rev, old->revision))
				return bad_entry(d, e, "this git package is required at two different revisions");
			return 0;
		}
		p = xcalloc(1, sizeof *p);
		p->kind = PK_GIT;
		p->src = xstrdup(git);
		p->raw = xstrdup(ymap_str(e, "git"));
		p->revision = rev ? xstrdup(rev) : NULL;
		p->subdir = sub ? xstrdup(sub) : NULL;
		const struct ynode *wu = ymap_get(e, "warn-unpinned");
		bool w = true;
		if (wu)
			yscalar_bool(wu, &w);
		p->warn_unpinned = w && !from_lock;
	} else if (tar) {
		if (find_pkg(d, PK_TARBALL, tar, NULL))
			return 0;
		p = xcalloc(1, sizeof *p);
		p->kind = PK_TARBALL;
		p->src = xstrdup(tar);
		p->raw = xstrdup(ymap_str(e, "tarball"));
		const char *nm = ymap_str(e, "name"), *sh = ymap_str(e, "sha256");
		p->name = nm ? xstrdup(nm) : NULL;
		p->sha256 = sh ? xstrdup(sh) : NULL;
	} else if (hub) {
		if (!strchr(hub, '/'))
			return bad_entry(d, e, "a hub package is named org/name, e.g. dbt-labs/dbt_utils");
		const struct ynode *ver = ymap_get(e, "version");
		if (!ver)
			return bad_entry(d, e, "a hub package needs version: (e.g. [\">=1.0.0\", \"<2.0.0\"])");
		p = find_pkg(d, PK_HUB, hub, NULL);
		bool fresh = !p;
		if (fresh) {
			p = xcalloc(1, sizeof *p);
			p->kind = PK_HUB;
			p->src = xstrdup(hub);
			p->where = xstrdup(where);
		}
		if (ver->type == Y_SEQ) {
			for (size_t i = 0; i < ver->n; i++)
				if (ver->items[i]->type == Y_SCALAR)
					add_range(p, ver->items[i]->str);
		} else if (ver->type == Y_SCALAR) {
			add_range(p, ver->str);
		}
		const struct ynode *pr = ymap_get(e, "install-prerelease");
		bool b = false;
		if (pr && !yscalar_bool(pr, &b) && b)
			p->prerelease = true;
		if (fresh) {
			d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
			d->v[d->n++] = p;
		}
		return 0;
	} else {
		return bad_entry(d, e, "a package entry needs one of local:, git:, tarball: or package:");
	}
	p->where = xstrdup(where);
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	d->v[d->n++] = p;
	return 0;
}

/* Add the packages a package (or the project) declares in dir. */
static int add_declared(struct deps *d, const char *dir, struct ynode **root_out)
{
	const char *names[] = {"packages.yml", "dependencies.yml"};
	for (size_t i = 0; i < 2; i++) {
		char *path = path_join(dir, names[i]);
		if (!fs_exists(path)) {
			free(path);
			continue;
		}
		struct ynode *root = NULL;
		int rc = yaml_load_file(path, d->a, &root, &d->c->err);
		free(path);
		if (rc)
			return -1;
		if (root_out)
			*root_out = root;
		const struct ynode *pk = ymap_get(root, "packages");
		for (size_t j = 0; pk && pk->type == Y_SEQ && j < pk->n; j++)
			if (add_entry(d, pk->items[j], dir, false))
				return -1;
		return 0;
	}
	return 0;
}

/* ---- installing ---- */

static char *project_name_of(struct deps *d, const char *dir)
{
	char *yml = path_join(dir, "dbt_project.yml");
	struct ynode *root = NULL;
	char *name = NULL;
	if (!yaml_load_file(yml, d->a, &root, &d->c->err)) {
		const char *n = ymap_str(root, "name");
		if (n)
			name = xstrdup(n);
		else
			err_set(&d->c->err, ING_ECONFIG, "%s has no name:", yml);
	}
	free(yml);
	return name;
}

static char *scratch(struct deps *d, const char *what)
{
	return xasprintf("%s/%s-%d", d->tmp, what, ++d->seq);
}

/* A package as messages name it: URLs as written, so a token put in an
 * env var is never printed. */
#define NAME(p) ((p)->raw ? (p)->raw : (p)->src)

/* Move (or link) the package at dir into packages-install-path/<name>. */
static int place(struct deps *d, struct pkg *p, const char *dir, bool link)
{
	for (size_t i = 0; i < d->n; i++) {
		struct pkg *o = d->v[i];
		if (o != p && o->installed && o->name && !strcmp(o->name, p->name))
			return err_set(&d->c->err, ING_ECONFIG,
				       "%s (%s) and %s (%s) both install as '%s': keep one of them",
				       o->shown ? o->shown : NAME(o), o->where, p->shown ? p->shown : NAME(p),
				       p->where, p->name);
	}
	char *dst = path_join(d->p->packages_install_path, p->name);
	if (unlink(dst) && errno != ENOENT)
		fs_remove_tree(dst, NULL);
	int rc = link ? symlink(dir, dst) : rename(dir, dst);
	if (rc)
		err_set(&d->c->err, ING_EIO, "cannot %s %s to %s: %s", link ? "link" : "move", dir, dst,
			strerror(errno));
	free(dst);
	p->installed = !rc;
	return rc ? -1 : 0;
}

static int install_git(struct deps *d, struct pkg *p)
{
	char *dir = scratch(d, "git");
	struct buf out = BUF_INIT;
	int rc = -1;
	char *clone[] = {"git", "clone", "--quiet", p->src, dir, NULL}; /* rendered */
	if (run_argv(clone, &out)) {
		char *o = trimmed(&out);
		err_set(&d->c->err, ING_EIO, "git package '%s' (%s): git clone failed: %s", NAME(p), p->where,
			o);
		free(o);
		goto out;
	}
	const char *rev = p->version ? p->version : p->revision;
	if (rev) {
		buf_reset(&out);
		char *co[] = {"git", "-C", dir, "checkout", "--quiet", (char *)rev, NULL};
		if (run_argv(co, &out)) {
			char *o = trimmed(&out);
			err_set(&d->c->err, ING_ENOTFOUND,
				"git package '%s' (%s): revision '%s' not found: %s", NAME(p), p->where, rev, o);
			free(o);
			goto out;
		}
	} else if (p->warn_unpinned) {
		fprintf(stderr,
			"  The git package \"%s\" is not pinned.\n"
			"  This can introduce breaking changes into your project without warning!\n",
			NAME(p));
	}
	buf_reset(&out);
	char *rp[] = {"git", "-C", dir, "rev-parse", "HEAD", NULL};
	if (run_argv(rp, &out)) {
		err_set(&d->c->err, ING_EIO, "git package '%s': cannot read the checked-out commit", NAME(p));
		goto out;
	}
	free(p->version);
	p->version = trimmed(&out);
	char *root = p->subdir ? path_join(dir, p->subdir) : xstrdup(dir);
	if (!fs_is_dir(root)) {
		err_set(&d->c->err, ING_ENOTFOUND, "git package '%s' (%s): no subdirectory '%s' at %s",
			NAME(p), p->where, p->subdir, p->version);
		free(root);
		goto out;
	}
	p->name = project_name_of(d, root);
	if (p->name && !place(d, p, root, false)) {
		fprintf(d->c->out, "Installing %s\n  Installed from revision %s\n", NAME(p), p->version);
		rc = 0;
	}
	free(root);
out:
	buf_free(&out);
	free(dir);
	return rc;
}

/* Download url (a tarball) and extract it; *root is the package's dir. */
static int fetch_tarball(struct deps *d, struct pkg *p, const char *url, const char *sha256,
			 char **root)
{
	const char *shown = url == p->src ? NAME(p) : url; /* never a rendered secret */
	struct buf body = BUF_INIT;
	char *why = NULL;
	int hr = http_get(url, &body, &why);
	if (hr) {
		err_set(&d->c->err, ING_EIO, "package '%s' (%s): cannot download %s: %s", NAME(p), p->where,
			shown, hr == 1 ? "HTTP status 404 (not found)" : why);
		free(why);
		buf_free(&body);
		return -1;
	}
	if (sha256) {
		char hex[DIGEST_SHA256_HEX];
		digest_sha256_hex(body.data, body.len, hex);
		if (strcasecmp(hex, sha256)) {
			err_set(&d->c->err, ING_EINVAL,
				"package '%s' (%s): %s has sha256 %s, not %s as declared: the file "
				"changed or the declaration is wrong",
				NAME(p), p->where, shown, hex, sha256);
			buf_free(&body);
			return -1;
		}
	}
	char *file = scratch(d, "tarball");
	char *dir = scratch(d, "untar");
	int rc = -1;
	struct buf out = BUF_INIT;
	if (fs_write_atomic(file, body.data, body.len, &d->c->err) || fs_mkdir_p(dir, &d->c->err))
		goto out;
	char *tar[] = {"tar", "-xzf", file, "-C", dir, NULL};
	if (run_argv(tar, &out)) {
		char *o = trimmed(&out);
		err_set(&d->c->err, ING_EINVAL, "package '%s': %s is not a gzipped tarball: %s", NAME(p), shown,
			o);
		free(o);
		goto out;
	}
	/* a single top-level directory is the package (GitHub's archives) */
	DIR *dh = opendir(dir);
	struct dirent *de;
	char *only = NULL;
	int entries = 0;
	while (dh && (de = readdir(dh)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && ++entries == 1)
			only = path_join(dir, de->d_name);
	if (dh)
		closedir(dh);
	if (entries == 1 && fs_is_dir(only))
		*root = only;
	else
		free(only);
	if (!*root)
		*root = xstrdup(dir);
	rc = 0;
out:
	unlink(file);
	buf_free(&out);
	buf_free(&body);
	free(file);
	free(dir);
	return rc;
}

static int install_tarball(struct deps *d, struct pkg *p)
{
	char *root = NULL;
	if (fetch_tarball(d, p, p->src, p->sha256, &root))
		return -1;
	char *name = project_name_of(d, root);
	int rc = -1;
	if (name) {
		if (!p->name)
			p->name = name;
		else
			free(name);
		if (!place(d, p, root, false)) {
			fprintf(d->c->out, "Installing %s\n  Installed from tarball\n", NAME(p));
			rc = 0;
		}
	}
	free(root);
	return rc;
}

static int install_local(struct deps *d, struct pkg *p)
{
	p->name = project_name_of(d, p->src);
	if (!p->name || place(d, p, p->src, true))
		return -1;
	fprintf(d->c->out, "  Installed from %s: %s\n", p->shown, p->name);
	return 0;
}

/* ---- the hub ---- */

/* A package moved on the hub keeps answering under its old name, with
 * "redirectnamespace" and/or "redirectname" naming where it lives now. As
 * dbt does, the old package is still installed and the user is told to
 * update packages.yml (dbt's PackageRedirectDeprecation). */
static void hub_redirect_warning(const struct pkg *p)
{
	json_t *rns = json_object_get(p->index, "redirectnamespace");
	json_t *rn = json_object_get(p->index, "redirectname");
	if (!json_is_string(rns) && !json_is_string(rn))
		return;
	const char *ns = json_is_string(rns) ? json_string_value(rns)
						: json_string_value(json_object_get(p->index, "namespace"));
	const char *name = json_is_string(rn) ? json_string_value(rn)
					      : json_string_value(json_object_get(p->index, "name"));
	if (!ns || !name)
		return;
	fprintf(stderr,
		"warning: %s: the `%s` package is deprecated in favor of `%s/%s`. Please update "
		"your `packages.yml` configuration to use `%s/%s` instead.\n",
		p->where, p->src, ns, name, ns, name);
}

static int hub_index(struct deps *d, struct pkg *p)
{
	if (p->index)
		return 0;
	char *url = xasprintf("%sapi/v1/%s.json", d->hub, p->src);
	struct buf body = BUF_INIT;
	char *why = NULL;
	int hr = http_get(url, &body, &why);
	int rc = -1;
	if (hr == 1) {
		err_set(&d->c->err, ING_ENOTFOUND,
			"hub package '%s' (%s) was not found in the package index (%s): check its name "
			"on hub.getdbt.com",
			p->src, p->where, url);
	} else if (hr) {
		err_set(&d->c->err, ING_EIO, "hub package '%s' (%s): cannot read the package index %s: %s",
			p->src, p->where, url, why);
	} else {
		json_error_t je;
		p->index = json_loadb(buf_cstr(&body), body.len, 0, &je);
		if (!p->index || !json_is_object(json_object_get(p->index, "versions"))) {
			err_set(&d->c->err, ING_EINVAL,
				"hub package '%s': %s is not a package index (no versions): %s", p->src, url,
				p->index ? "no \"versions\" object" : je.text);
		} else {
			hub_redirect_warning(p);
			rc = 0;
		}
	}
	free(why);
	free(url);
	buf_free(&body);
	return rc;
}

/* Pick the highest version of the index inside every range. */
static int hub_pick(struct deps *d, struct pkg *p, char **picked)
{
	char (*ops)[3] = xcalloc(p->nranges ? p->nranges : 1, sizeof *ops);
	struct semver *cs = xcalloc(p->nranges ? p->nranges : 1, sizeof *cs);
	bool pre = p->prerelease;
	for (size_t i = 0; i < p->nranges; i++) {
		if (semver_constraint_parse(p->ranges[i], ops[i], &cs[i])) {
			free(ops);
			free(cs);
			return err_set(&d->c->err, ING_ECONFIG,
				       "hub package '%s' (%s): '%s' is not a version or range "
				       "(write 1.2.3, \">=1.0.0\" or a list of them)",
				       p->src, p->where, p->ranges[i]);
		}
		if ((!ops[i][0] || ops[i][0] == '=') && cs[i].pre[0])
			pre = true;
	}
	const char *best = NULL;
	struct semver bv = {0};
	const char *k;
	json_t *vv;
	json_object_foreach(json_object_get(p->index, "versions"), k, vv)
	{
		struct semver v;
		if (semver_parse(k, &v) || (v.pre[0] && !pre))
			continue;
		bool ok = true;
		for (size_t i = 0; i < p->nranges && ok; i++)
			ok = semver_constraint_ok(ops[i], &cs[i], &v);
		if (ok && (!best || semver_cmp(&v, &bv) > 0)) {
			best = k;
			bv = v;
		}
	}
	free(ops);
	free(cs);
	if (!best) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < p->nranges; i++)
			buf_printf(&b, "%s'%s'", i ? ", " : "", p->ranges[i]);
		err_set(&d->c->err, ING_ENOTFOUND,
			"Version error for package %s (%s): Could not find a satisfactory version from "
			"options: [%s]",
			p->src, p->where, buf_cstr(&b));
		buf_free(&b);
		return -1;
	}
	*picked = xstrdup(best);
	return 0;
}

/* Resolve every hub package, adding the hub dependencies of the versions
 * chosen, until nothing changes. */
static int hub_resolve(struct deps *d)
{
	for (int round = 0; round < 100; round++) {
		bool changed = false;
		for (size_t i = 0; i < d->n; i++) {
			struct pkg *p = d->v[i];
			if (p->kind != PK_HUB)
				continue;
			char *v = NULL;
			if (hub_index(d, p) || hub_pick(d, p, &v))
				return -1;
			if (p->version && !strcmp(p->version, v)) {
				free(v);
				continue;
			}
			free(p->version);
			p->version = v;
			changed = true;
			json_t *info = json_object_get(json_object_get(p->index, "versions"), v);
			json_t *deps = json_object_get(info, "packages");
			size_t j;
			json_t *dep;
			json_array_foreach(deps, j, dep)
			{
				const char *nm = json_string_value(json_object_get(dep, "package"));
				json_t *ver = json_object_get(dep, "version");
				if (!nm || !ver)
					continue;
				struct pkg *q = find_pkg(d, PK_HUB, nm, NULL);
				if (!q) {
					q = xcalloc(1, sizeof *q);
					q->kind = PK_HUB;
					q->src = xstrdup(nm);
					q->where = xasprintf("required by %s %s", p->src, v);
					d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
					d->v[d->n++] = q;
				}
				if (json_is_string(ver)) {
					add_range(q, json_string_value(ver));
				} else {
					size_t m;
					json_t *r;
					json_array_foreach(ver, m, r) if (json_is_string(r))
						add_range(q, json_string_value(r));
				}
			}
		}
		if (!changed)
			return 0;
	}
	return err_set(&d->c->err, ING_EINVAL, "hub versions did not settle after 100 rounds");
}

static int install_hub(struct deps *d, struct pkg *p)
{
	json_t *info = json_object_get(json_object_get(p->index, "versions"), p->version);
	const char *url =
		json_string_value(json_object_get(json_object_get(info, "downloads"), "tarball"));
	if (!url)
		return err_set(&d->c->err, ING_EINVAL,
			       "hub package '%s' %s: the index gives no downloads.tarball", p->src,
			       p->version);
	char *root = NULL;
	if (fetch_tarball(d, p, url, NULL, &root))
		return -1;
	p->name = project_name_of(d, root);
	int rc = -1;
	if (p->name && !place(d, p, root, false)) {
		fprintf(d->c->out, "Installing %s\n  Installed from version %s\n", p->src, p->version);
		/* as dbt: is a newer release on the hub? */
		struct semver cur, v, best;
		const char *bname = NULL, *k;
		json_t *vv;
		if (!semver_parse(p->version, &cur)) {
			json_object_foreach(json_object_get(p->index, "versions"), k, vv)
			{
				if (semver_parse(k, &v) || v.pre[0])
					continue;
				if (!bname || semver_cmp(&v, &best) > 0) {
					bname = k;
					best = v;
				}
			}
			if (bname && semver_cmp(&best, &cur) > 0)
				fprintf(d->c->out, "  Updated version available: %s\n", bname);
			else
				fprintf(d->c->out, "  Up to date!\n");
		}
		rc = 0;
	}
	free(root);
	return rc;
}

/* ---- package-lock.yml ---- */

/* One YAML node as JSON with sorted keys (Python's json.dumps(sort_keys=True)). */
static void ynode_json(const struct ynode *n, struct buf *b)
{
	if (n->type == Y_MAP) {
		size_t *ord = xmalloc((n->n ? n->n : 1) * sizeof *ord);
		for (size_t i = 0; i < n->n; i++)
			ord[i] = i;
		for (size_t i = 1; i < n->n; i++)
			for (size_t j = i; j > 0 && strcmp(n->keys[ord[j - 1]]->str, n->keys[ord[j]]->str) > 0;
			     j--) {
				size_t t = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = t;
			}
		buf_putc(b, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			json_escape(b, n->keys[ord[i]]->str, n->keys[ord[i]]->len);
			buf_puts(b, ": ");
			ynode_json(n->items[ord[i]], b);
		}
		buf_putc(b, '}');
		free(ord);
	} else if (n->type == Y_SEQ) {
		buf_putc(b, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			ynode_json(n->items[i], b);
		}
		buf_putc(b, ']');
	} else if (n->type == Y_NULL || yscalar_is_null(n)) {
		buf_puts(b, "null");
	} else {
		bool v;
		if (!n->quoted && !yscalar_bool(n, &v)) {
			buf_puts(b, v ? "true" : "false");
			return;
		}
		json_escape(b, n->str, n->len);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void spec_sha1(const struct ynode *root, char out[DIGEST_SHA1_HEX])
{
	const struct ynode *pk = ymap_get(root, "packages");
	size_t n = pk && pk->type == Y_SEQ ? pk->n : 0;
	char **s = xcalloc(n ? n : 1, sizeof *s);
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT;
		ynode_json(pk->items[i], &b);
		s[i] = buf_detach(&b, NULL);
	}
	qsort(s, n, sizeof *s, cmp_str);
	struct buf all = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_printf(&all, "%s%s", i ? "\n" : "", s[i]);
		free(s[i]);
	}
	free(s);
	digest_sha1_hex(buf_cstr(&all), all.len, out);
	buf_free(&all);
}

/* A YAML scalar: plain when safe, else double-quoted. */
static void yq(struct buf *b, const char *s)
{
	bool plain = *s && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._", *s);
	for (const char *q = s; *q && plain; q++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:+@~",
			       *q) != NULL &&
			!(*q == ':' && (q[1] == ' ' || !q[1]));
	/* a version such as 1.0, a commit such as 4e20...: must stay strings */
	if (plain && *s >= '0' && *s <= '9')
		plain = false;
	if (plain) {
		buf_puts(b, s);
		return;
	}
	json_escape(b, s, strlen(s));
}

static int write_lock(struct deps *d, const char *sha1)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "packages:\n");
	for (size_t i = 0; i < d->n; i++) {
		struct pkg *p = d->v[i];
		switch (p->kind) {
		case PK_LOCAL:
			buf_puts(&b, "  - local: ");
			yq(&b, p->shown);
			break;
		case PK_GIT:
			buf_puts(&b, "  - git: ");
			yq(&b, p->raw);
			buf_puts(&b, "\n    revision: ");
			yq(&b, p->version);
			if (p->subdir) {
				buf_puts(&b, "\n    subdirectory: ");
				yq(&b, p->subdir);
			}
			break;
		case PK_TARBALL:
			buf_puts(&b, "  - tarball: ");
			yq(&b, p->raw);
			if (p->sha256) {
				buf_puts(&b, "\n    sha256: ");
				yq(&b, p->sha256);
			}
			break;
		case PK_HUB:
			buf_puts(&b, "  - package: ");
			yq(&b, p->src);
			buf_puts(&b, "\n    version: ");
			yq(&b, p->version);
			break;
		}
		buf_puts(&b, "\n    name: ");
		yq(&b, p->name);
		buf_putc(&b, '\n');
	}
	buf_printf(&b, "sha1_hash: %s\n", sha1);
	char *path = path_join(d->p->dir, "package-lock.yml");
	int rc = fs_write_atomic(path, b.data, b.len, &d->c->err);
	free(path);
	buf_free(&b);
	return rc;
}

/* ---- the command ---- */

static int install_all(struct deps *d)
{
	/* non-hub packages first: installing them reveals their dependencies */
	for (size_t i = 0; i < d->n; i++) {
		struct pkg *p = d->v[i];
		if (p->installed || p->kind == PK_HUB)
			continue;
		int rc = p->kind == PK_LOCAL ? install_local(d, p)
			 : p->kind == PK_GIT ? install_git(d, p)
					     : install_tarball(d, p);
		if (rc)
			return -1;
		char *dir = path_join(d->p->packages_install_path, p->name);
		rc = add_declared(d, dir, NULL);
		free(dir);
		if (rc)
			return -1;
	}
	if (hub_resolve(d))
		return -1;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i]->kind == PK_HUB && !d->v[i]->installed && install_hub(d, d->v[i]))
			return -1;
	return 0;
}

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	struct deps d = {.c = c, .p = p, .a = arena_new(0)};
	struct ynode *root = NULL;
	int rc = 0;
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	const char *hub = getenv("DBT_PACKAGE_HUB_URL");
	if (!hub || !*hub)
		hub = "https://hub.getdbt.com/";
	d.hub = xasprintf("%s%s", hub, hub[strlen(hub) - 1] == '/' ? "" : "/");
	if (add_declared(&d, p->dir, &root)) {
		rc = 2;
		goto out;
	}
	if (!root) {
		fprintf(c->out, "No packages.yml: nothing to install.\n");
		goto out;
	}
	char sha[DIGEST_SHA1_HEX];
	spec_sha1(root, sha);
	/* a lock that matches packages.yml is installed as written */
	char *lockp = path_join(p->dir, "package-lock.yml");
	bool from_lock = false;
	if (!cmd_flag(c, "upgrade") && fs_exists(lockp)) {
		struct ynode *lock = NULL;
		if (yaml_load_file(lockp, d.a, &lock, &c->err)) {
			free(lockp);
			rc = 2;
			goto out;
		}
		const char *lsha = ymap_str(lock, "sha1_hash");
		if (lsha && !strcmp(lsha, sha)) {
			for (size_t i = 0; i < d.n; i++)
				pkg_free(d.v[i]);
			d.n = 0;
			const struct ynode *pk = ymap_get(lock, "packages");
			for (size_t i = 0; pk && pk->type == Y_SEQ && i < pk->n; i++) {
				const struct ynode *e = pk->items[i];
				if (add_entry(&d, e, p->dir, true)) {
					free(lockp);
					rc = 2;
					goto out;
				}
				struct pkg *q = d.v[d.n - 1];
				const char *rev = ymap_str(e, "revision");
				if (q->kind == PK_GIT && rev) {
					free(q->version);
					q->version = xstrdup(rev);
				}
			}
			from_lock = true;
		} else {
			fprintf(c->out, "Updating lock file in file path: %s\n", lockp);
		}
	}
	free(lockp);
	if (fs_mkdir_p(p->packages_install_path, &c->err)) {
		rc = 2;
		goto out;
	}
	char *tmpl = path_join(p->packages_install_path, ".ingot-deps-XXXXXX");
	d.tmp = mkdtemp(tmpl) ? tmpl : NULL;
	if (!d.tmp) {
		err_set(&c->err, ING_EIO, "cannot make a scratch directory in %s: %s",
			p->packages_install_path, strerror(errno));
		free(tmpl);
		rc = 2;
		goto out;
	}
	if (install_all(&d)) {
		rc = 2;
		goto out;
	}
	if (!from_lock && write_lock(&d, sha))
		rc = 2;
out:
	if (d.tmp) {
		fs_remove_tree(d.tmp, NULL);
		free(d.tmp);
	}
	for (size_t i = 0; i < d.n; i++)
		pkg_free(d.v[i]);
	free(d.v);
	free(d.hub);
	arena_free(d.a);
	return rc;
}

static const struct opt opts[] = {
	{"upgrade", 0, OPT_FLAG, NULL, "resolve packages.yml again, ignoring package-lock.yml"},
	{0},
};

const struct cmd_spec cmd_deps = {
	.name = "deps",
	.summary = "install packages.yml's local, git, tarball and hub packages (dbt deps)",
	.usage = "ingot deps [--upgrade]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
