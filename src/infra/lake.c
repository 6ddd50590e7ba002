/*
 * infra/lake.c — the lake's lifecycle: loaded files move to the archive,
 * archived files are deleted after their retention.
 *
 * Which files were loaded, and when, comes from the loader's manifest
 * (_ingot.loaded_files: source, table, path relative to the lake root,
 * loaded_at), never from file times: a file the manifest does not know was
 * not loaded and stays. Only files of append-mode tables move: a
 * truncate-mode table is rebuilt from the files present at each load, so
 * moving its files away would empty it.
 *
 * A file keeps its relative path under the archive folder
 * (users/u_1.csv -> _archive/users/u_1.csv), so the manifest row still
 * names it, and platform.yml refuses an archive folder that a source's
 * location matches: the loader never lists an archived file, so it is
 * never seen as new, and never loaded twice.
 */
#include "infra/infra.h"

#include "core/fs.h"
#include "core/mem.h"
#include "load/load.h"
#include "warehouse/warehouse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_US (86400LL * 1000000LL)

static const struct src_table *find_table(const struct source_set *src, const char *source,
					  const char *table)
{
	return source && table ? sources_find(src, source, table) : NULL;
}

int infra_lake_maintain(const struct infra_spec *s, const struct source_set *src,
			struct wh_conn *conn, const struct infra_lake_opts *o, struct buf *report,
			int *moved, int *deleted, struct err *e)
{
	*moved = *deleted = 0;
	if (!s->archive)
		return err_set(e, ING_ECONFIG,
			       "%s declares no lake.archive: nothing to maintain (add archive: "
			       "{path: _archive, move_after_days: N, delete_after_days: M})",
			       s->file);
	enum wh_rel_kind kind = WH_REL_NONE;
	int rc;
	if ((rc = wh_relation_kind(conn, "_ingot", "loaded_files", &kind, e)))
		return rc;
	if (kind == WH_REL_NONE) {
		buf_puts(report, "nothing loaded yet (no _ingot.loaded_files)\n");
		return 0;
	}
	/* the manifest gets archived_at (an earlier version's lacks it) */
	if (!o->dry_run && (rc = load_manifest_prepare(conn, e)))
		return rc;
	struct wh_result *r = NULL;
	if ((rc = wh_query(conn,
			   "select source, table_name, path, loaded_at from _ingot.loaded_files "
			   "order by path",
			   NULL, 0, &r, e)))
		return rc;
	char *archive = path_join(s->lake_root, s->archive);
	for (size_t i = 0; i < r->nrows && !rc; i++) {
		const struct wh_value *vs = wh_cell(r, i, 0), *vt = wh_cell(r, i, 1),
				      *vp = wh_cell(r, i, 2), *vl = wh_cell(r, i, 3);
		if (vp->type != WH_TEXT || vl->type != WH_TIMESTAMP)
			continue;
		char *source = vs->type == WH_TEXT ? xstrndup(vs->v.s.p, vs->v.s.n) : NULL;
		char *table = vt->type == WH_TEXT ? xstrndup(vt->v.s.p, vt->v.s.n) : NULL;
		char *rel = xstrndup(vp->v.s.p, vp->v.s.n);
		const struct src_table *t = find_table(src, source, table);
		int64_t age = o->now_us - vl->v.ts;
		char *live = path_join(s->lake_root, rel);
		char *arch = path_join(archive, rel);
		bool append = t && t->external &&
			      t->external->options.write_disposition == SRC_WRITE_APPEND;
		if (s->delete_after_days && age > s->delete_after_days * DAY_US && fs_exists(arch)) {
			buf_printf(report, "delete  %s/%s  (loaded %lld days ago)\n", s->archive, rel,
				   (long long)(age / DAY_US));
			if (!o->dry_run && unlink(arch))
				rc = err_set(e, ING_EIO, "cannot delete %s: %s", arch,
					     strerror(errno));
			(*deleted)++;
		} else if (s->archive_after_days && age > s->archive_after_days * DAY_US &&
			   fs_exists(live)) {
			if (!append) {
				buf_printf(report,
					   "keep    %s  (%s.%s is a truncate-mode table: it is "
					   "rebuilt from its files)\n",
					   rel, source ? source : "?", table ? table : "?");
			} else if (fs_exists(arch)) {
				rc = err_set(e, ING_EEXIST,
					     "cannot archive %s: %s already exists (a file loaded "
					     "twice under one name?); move one of them by hand",
					     live, arch);
			} else {
				buf_printf(report, "archive %s -> %s/%s  (loaded %lld days ago)\n",
					   rel, s->archive, rel, (long long)(age / DAY_US));
				if (!o->dry_run) {
					char *dir = path_dirname(arch);
					rc = fs_mkdir_p(dir, e);
					free(dir);
					if (!rc && rename(live, arch))
						rc = err_set(e, ING_EIO, "cannot move %s to %s: %s",
							     live, arch, strerror(errno));
				}
				(*moved)++;
			}
		}
		/* the manifest records the move (also of files an earlier version
		 * archived), so a load knows the file left the lake on purpose */
		if (!rc && !o->dry_run && source && table && fs_exists(arch) && !fs_exists(live))
			rc = load_manifest_archived(conn, source, table, rel, o->now_us, e);
		free(source);
		free(table);
		free(rel);
		free(live);
		free(arch);
	}
	free(archive);
	wh_result_free(r);
	return rc;
}
