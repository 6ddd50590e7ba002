#!/usr/bin/env bash
# dbt's semantic layer objects are parsed into target/manifest.json as
# dbt-core writes them (manifest v12: top-level semantic_models, metrics,
# saved_queries; depends_on, refs, fqn, input_measures; parent_map and
# child_map edges model -> semantic model -> metric -> saved query), and
# build runs only the models: they are never nodes run or counted.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/semantic" p && cd p
engine_profile duckdb sem > profiles.yml
run "$INGOT" build --no-reuse
expect_rc 0
expect_out "Found 4 models, 0 seeds, 0 snapshots, 0 data tests, 0 sources, 0 macros, 2 semantic models, 7 metrics, 1 saved query"
expect_out "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4"
expect_no "not read: ingot does not build"
M=target/manifest.json
j() { jq -c "$1" "$M"; }
jeq() { local got; got=$(j "$1"); [ "$got" = "$2" ] || fail "manifest $1: expected $2, got $got"; }
jeq '.semantic_models | keys' '["semantic_model.sem.customers","semantic_model.sem.orders"]'
jeq '.metrics | keys | length' '7'
jeq '.saved_queries | keys' '["saved_query.sem.order_metrics"]'
# nothing semantic among the nodes, nor in run_results
jeq '[.nodes | keys[] | select(test("^(metric|semantic_model|saved_query)\\."))] | length' '0'
jq -e '[.results[].unique_id] | length == 4 and all(test("^model\\."))' target/run_results.json >/dev/null \
  || fail "run_results: $(jq -c '[.results[].unique_id]' target/run_results.json)"
SM='.semantic_models["semantic_model.sem.orders"]'
jeq "$SM | [.name, .resource_type, .package_name, .path, .original_file_path, .unique_id]" \
  '["orders","semantic_model","sem","marts/semantic.yml","models/marts/semantic.yml","semantic_model.sem.orders"]'
jeq "$SM.fqn" '["sem","marts","orders"]'
jeq "$SM | [.model, .label, .description, .defaults.agg_time_dimension]" '["ref('"'"'orders'"'"')","Orders","Order fact table","ordered_at"]'
jeq "$SM.depends_on" '{"macros":[],"nodes":["model.sem.orders"]}'
jeq "$SM.refs" '[{"name":"orders","package":null,"version":null}]'
jeq "$SM.node_relation | [.alias, .schema_name]" '["orders","main"]'
jeq "$SM.config" '{"enabled":true,"group":null,"meta":{"owner":"finance"}}'
jeq "$SM | [.entities[] | [.name, .type, .expr]]" '[["order_id","primary",null],["customer","foreign","customer_id"]]'
jeq "$SM | [.dimensions[] | [.name, .type, .type_params.time_granularity]]" '[["ordered_at","time","day"],["is_food_order","categorical",null]]'
jeq "$SM | [.measures[] | [.name, .agg, .agg_time_dimension]]" \
  '[["order_total","sum","ordered_at"],["order_count","sum","ordered_at"],["food_orders","sum","ordered_at"],["customers_with_orders","count_distinct","ordered_at"]]'
jeq "$SM.measures[3].non_additive_dimension" '{"name":"ordered_at","window_choice":"max","window_groupings":[]}'
jeq '.semantic_models["semantic_model.sem.customers"] | [.primary_entity, .measures[0].agg_time_dimension]' '["customer","first_ordered_at"]'
MT='.metrics["metric.sem.order_total"]'
jeq "$MT | [.type, .label, .description, .fqn, .type_params.measure.name]" '["simple","Order Total","Sum of order totals",["sem","marts","order_total"],"order_total"]'
jeq "$MT.depends_on.nodes" '["semantic_model.sem.orders"]'
jeq '.metrics["metric.sem.order_count"] | [.type_params.measure.fill_nulls_with, .type_params.measure.join_to_timespine, .filter.where_filters[0].where_sql_template]' \
  '[0,true,"{{ Dimension('"'"'order_id__is_food_order'"'"') }} = true"]'
R='.metrics["metric.sem.food_order_share"]'
jeq "$R | [.type, .type_params.numerator.name, .type_params.denominator.name, .type_params.denominator.alias]" '["ratio","food_orders","order_count","all_orders"]'
jeq "$R.type_params.input_measures | map(.name)" '["food_orders","order_count"]'
jeq "$R.depends_on.nodes" '["metric.sem.food_orders","metric.sem.order_count"]'
jeq "$R | [.config.group, .group, .config.meta.tier]" '["finance","finance",1]'
jeq '.metrics["metric.sem.cumulative_revenue"].type_params.cumulative_type_params' '{"window":{"count":7,"granularity":"day"},"grain_to_date":null,"period_agg":"first"}'
D='.metrics["metric.sem.revenue_per_order"]'
jeq "$D | [.type, .type_params.expr, (.type_params.metrics | map(.name)), .type_params.metrics[1].offset_window]" \
  '["derived","order_total / order_count",["order_total","order_count"],{"count":1,"granularity":"month"}]'
jeq "$D.metrics" '[["order_total"],["order_count"]]'
C='.metrics["metric.sem.repeat_rate"]'
jeq "$C.type_params.conversion_type_params | [.entity, .base_measure.name, .conversion_measure.name, .calculation, .window.count]" '["customer","order_count","lifetime_orders","conversion_rate",30]'
jeq "$C.depends_on.nodes" '["semantic_model.sem.orders","semantic_model.sem.customers"]'
Q='.saved_queries["saved_query.sem.order_metrics"]'
jeq "$Q.query_params | [.metrics, .group_by, .where.where_filters[0].where_sql_template]" \
  '[["order_total","food_order_share"],["TimeDimension('"'"'order_id__ordered_at'"'"', '"'"'day'"'"')"],"{{ Dimension('"'"'order_id__is_food_order'"'"') }} = true"]'
jeq "$Q.exports[0] | [.name, .config.export_as, .config.schema_name, .config.alias]" '["order_metrics_export","table","exports","order_metrics_export"]'
jeq "$Q.depends_on.nodes" '["metric.sem.order_total","metric.sem.food_order_share"]'
# the lineage in parent_map / child_map, as dbt writes it
jeq '.parent_map["semantic_model.sem.orders"]' '["model.sem.orders"]'
jeq '.child_map["model.sem.orders"]' '["semantic_model.sem.orders"]'
jeq '.child_map["semantic_model.sem.orders"] | sort' '["metric.sem.cumulative_revenue","metric.sem.food_orders","metric.sem.order_count","metric.sem.order_total","metric.sem.repeat_rate"]'
jeq '.parent_map["saved_query.sem.order_metrics"] | sort' '["metric.sem.food_order_share","metric.sem.order_total"]'
jeq '.child_map["metric.sem.order_count"] | sort' '["metric.sem.food_order_share","metric.sem.revenue_per_order"]'
