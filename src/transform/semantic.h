/*
 * transform/semantic.h — dbt's semantic layer objects (internal to
 * transform/): `semantic_models:`, `metrics:` and `saved_queries:` of
 * properties files, parsed and validated as dbt-core parses them, written
 * into manifest.json and the Jinja `graph`. dbt-core computes no metric
 * (MetricFlow does), and neither does ingot: these nodes are never
 * compiled, run or counted.
 *
 * Calling sequence (parse.c, context.c, artifacts.c):
 *
 *     tf__semantic_props(tp, pkg, root, rel, ofp, e)   each properties file:
 *         one node per entry (TF_SEMANTIC_MODEL, TF_METRIC, TF_SAVED_QUERY),
 *         with the checks that need only the entry (names, types, agg,
 *         time_granularity, agg_time_dimension, ...)
 *     tf__semantic_link(tp, e)        once every node is known, before the
 *         dependency links: refs of semantic models, measures and metrics
 *         named by metrics and saved queries, groups; adds the edges
 *         metric -> semantic model / metric, saved query -> metric
 *     tf__semantic_graph(tp, graph, a)    graph.metrics/semantic_models/saved_queries
 *     tf__semantic_manifest(w, tp, a)     the manifest's three top-level keys
 *
 * Every error is fatal to the parse (dbt: "Semantic Manifest validation
 * failed") and names the YAML node at file:line:col.
 */
#ifndef INGOT_TRANSFORM_SEMANTIC_H
#define INGOT_TRANSFORM_SEMANTIC_H

#include "core/json.h"
#include "transform/tf_int.h"

#include <jansson.h>

int tf__semantic_props(struct tf_proj *tp, const char *pkg, const struct ynode *root,
		       const char *rel, const char *ofp, struct err *e);
int tf__semantic_link(struct tf_proj *tp, struct err *e);
void tf__semantic_graph(struct tf_proj *tp, struct jinja_value graph, struct arena *a);
void tf__semantic_manifest(struct jw *w, struct tf_proj *tp, struct arena *a);
/* state: fingerprints (modified.body): md5 of an entry's manifest JSON
 * without created_at, canonical; from a --state manifest's entry, and
 * from a node of this project */
const char *tf__semantic_state_fp(json_t *entry, struct arena *a);
const char *tf__semantic_node_fp(struct tf_proj *tp, struct tf_node *n, struct arena *a);

#endif
