/*
 * cmd/cmd_deps.c — `ingot deps`: install the packages of packages.yml.
 *
 * `local:` packages (a directory, relative to the project) are installed
 * as dbt installs them, as a symbolic link under packages-install-path
 * named by the package's own dbt_project.yml name. Hub (`package:`),
 * `git:` and `tarball:` packages need the network, which ingot never uses
 * at run time: for each one the command says what to vendor, and where,
 * and exits 1 so a CI run notices.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "config/yaml.h"
#include "core/fs.h"
#include "core/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int install_local(struct cmd_ctx *c, struct project *p, struct arena *a, const char *rel)
{
	char *src = path_join(p->dir, rel);
	char real[PATH_MAX];
	int rc = 0;
	if (!realpath(src, real) || !fs_is_dir(real)) {
		err_set(&c->err, ING_ENOTFOUND, "local package '%s' not found (%s)", rel, src);
		free(src);
		return 2;
	}
	char *yml = path_join(real, "dbt_project.yml");
	struct ynode *root = NULL;
	if (yaml_load_file(yml, a, &root, &c->err)) {
		free(yml);
		free(src);
		return 2;
	}
	const char *name = ymap_str(root, "name");
	if (!name) {
		err_set(&c->err, ING_ECONFIG, "%s has no name", yml);
		rc = 2;
	} else if (fs_mkdir_p(p->packages_install_path, &c->err)) {
		rc = 2;
	} else {
		char *dst = path_join(p->packages_install_path, name);
		if (fs_exists(dst) || access(dst, F_OK) == 0 || unlink(dst) == 0)
			fs_remove_tree(dst, NULL);
		if (symlink(real, dst)) {
			err_set(&c->err, ING_EIO, "cannot link %s to %s", dst, real);
			rc = 2;
		} else {
			fprintf(c->out, "  Installed from %s: %s\n", rel, name);
		}
		free(dst);
	}
	free(yml);
	free(src);
	return rc;
}

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	struct arena *a = arena_new(0);
	const char *names[] = {"packages.yml", "dependencies.yml"};
	struct ynode *root = NULL;
	const char *found = NULL;
	int rc = 0;
	for (size_t i = 0; i < 2 && !found; i++) {
		char *path = path_join(p->dir, names[i]);
		if (fs_exists(path)) {
			if (yaml_load_file(path, a, &root, &c->err))
				rc = 2;
			found = names[i];
		}
		free(path);
	}
	if (rc || !found) {
		if (!rc)
			fprintf(c->out, "No packages.yml: nothing to install.\n");
		arena_free(a);
		return rc;
	}
	const struct ynode *pk = ymap_get(root, "packages");
	int remote = 0;
	for (size_t i = 0; pk && pk->type == Y_SEQ && i < pk->n && !rc; i++) {
		const struct ynode *e = pk->items[i];
		const char *local = ymap_str(e, "local");
		if (local) {
			rc = install_local(c, p, a, local);
			continue;
		}
		const char *what = ymap_str(e, "package");
		const char *git = ymap_str(e, "git");
		const char *tar = ymap_str(e, "tarball");
		fprintf(stderr,
			"  %s:%d: %s '%s' needs the network, which ingot does not use: download it on "
			"a machine with access and vendor it under %s/<name> (or list it as local:)\n",
			found, e->line, what ? "hub package" : git ? "git package" : "tarball package",
			what ? what : git ? git : tar ? tar : "?", p->packages_install_path);
		remote++;
	}
	if (!rc && remote)
		rc = 1;
	arena_free(a);
	return rc;
}

const struct cmd_spec cmd_deps = {
	.name = "deps",
	.summary = "install local: packages from packages.yml (dbt deps)",
	.usage = "ingot deps",
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
