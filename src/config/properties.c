/*
 * config/properties.c — shape checks for dbt properties files (see
 * properties.h). Only shapes: every table is YF_IGNORE with the shape dbt
 * documents, so the one check in yaml_decode does the work and names what
 * was expected. Deliberately lenient about unknown keys (YDEC_ALLOW_UNKNOWN):
 * dbt versions add keys, and a typo there is dbt's "unused key" warning,
 * not a failure.
 */
#include "config/properties.h"

static const struct yfield top_fields[] = {
	YF_IGNORED("version", YS_TEXT),
	YF_IGNORED("models", YS_SEQ),
	YF_IGNORED("seeds", YS_SEQ),
	YF_IGNORED("snapshots", YS_SEQ),
	YF_IGNORED("analyses", YS_SEQ),
	YF_IGNORED("macros", YS_SEQ),
	YF_IGNORED("exposures", YS_SEQ),
	YF_IGNORED("sources", YS_SEQ),
	YF_IGNORED("metrics", YS_SEQ),
	YF_IGNORED("semantic_models", YS_SEQ),
	YF_IGNORED("saved_queries", YS_SEQ),
	YF_IGNORED("unit_tests", YS_SEQ),
	YF_IGNORED("groups", YS_SEQ),
	{0},
};

/* a model, seed, snapshot or analysis entry */
static const struct yfield node_fields[] = {
	YF_IGNORED("name", YS_TEXT),
	YF_IGNORED("description", YS_TEXT),
	YF_IGNORED("config", YS_MAP),
	YF_IGNORED("columns", YS_SEQ),
	YF_IGNORED("tests", YS_SEQ),
	YF_IGNORED("data_tests", YS_SEQ),
	YF_IGNORED("tags", YS_TEXT | YS_SEQ),
	YF_IGNORED("meta", YS_MAP),
	YF_IGNORED("docs", YS_MAP),
	YF_IGNORED("versions", YS_SEQ),
	YF_IGNORED("latest_version", YS_TEXT),
	YF_IGNORED("access", YS_TEXT),
	YF_IGNORED("group", YS_TEXT),
	YF_IGNORED("constraints", YS_SEQ),
	YF_IGNORED("relation", YS_TEXT),
	YF_IGNORED("deprecation_date", YS_TEXT),
	{0},
};

static const struct yfield column_fields[] = {
	YF_IGNORED("name", YS_TEXT),
	YF_IGNORED("description", YS_TEXT),
	YF_IGNORED("data_type", YS_TEXT),
	YF_IGNORED("tests", YS_SEQ),
	YF_IGNORED("data_tests", YS_SEQ),
	YF_IGNORED("tags", YS_TEXT | YS_SEQ),
	YF_IGNORED("meta", YS_MAP),
	YF_IGNORED("quote", YS_TEXT),
	YF_IGNORED("config", YS_MAP),
	YF_IGNORED("constraints", YS_SEQ),
	YF_IGNORED("docs", YS_MAP),
	{0},
};

static const struct yfield named_fields[] = { /* macros:, exposures: */
	YF_IGNORED("name", YS_TEXT),
	YF_IGNORED("description", YS_TEXT),
	YF_IGNORED("depends_on", YS_SEQ),
	YF_IGNORED("owner", YS_MAP),
	YF_IGNORED("arguments", YS_SEQ),
	YF_IGNORED("meta", YS_MAP),
	YF_IGNORED("tags", YS_TEXT | YS_SEQ),
	{0},
};

static int check_list(const struct ynode *list, const struct yfield *fields, struct arena *a,
		      struct err *e)
{
	for (size_t i = 0; list && list->type == Y_SEQ && i < list->n; i++) {
		const struct ynode *m = list->items[i];
		int rc = yaml_decode(m, fields, NULL, YDEC_ALLOW_UNKNOWN, a, e);
		if (rc)
			return rc;
		const struct ynode *cols = fields == node_fields ? ymap_get(m, "columns") : NULL;
		if (cols && (rc = check_list(cols, column_fields, a, e)))
			return rc;
	}
	return 0;
}

int properties_check(const struct ynode *root, struct arena *a, struct err *e)
{
	if (!root || root->type == Y_NULL)
		return 0;
	if (root->type != Y_MAP)
		return yerr(e, root, ING_ECONFIG, "a properties file is a mapping (version:, models:, ...)");
	int rc = yaml_decode(root, top_fields, NULL, YDEC_ALLOW_UNKNOWN, a, e);
	static const char *const nodes[] = {"models", "seeds", "snapshots", "analyses"};
	for (size_t k = 0; !rc && k < sizeof(nodes) / sizeof(nodes[0]); k++)
		rc = check_list(ymap_get(root, nodes[k]), node_fields, a, e);
	if (!rc)
		rc = check_list(ymap_get(root, "macros"), named_fields, a, e);
	if (!rc)
		rc = check_list(ymap_get(root, "exposures"), named_fields, a, e);
	return rc;
}
