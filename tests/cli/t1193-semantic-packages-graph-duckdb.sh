#!/usr/bin/env bash
# The semantic layer across packages and in Jinja: a package's semantic
# models and metrics get the package's unique_ids and fqn, a root metric
# may use a package's metric and a package's measure (names are global in
# dbt's semantic manifest); config: {enabled: false} drops an entry from
# the manifest and the graph; graph.metrics / graph.semantic_models /
# graph.saved_queries hold the manifest's entries for macros to read;
# compile and docs generate leave them out of nodes and the catalog.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/semantic" p && cd p
engine_profile duckdb sem > profiles.yml
mkdir -p dbt_packages/kpis/models
cat > dbt_packages/kpis/dbt_project.yml <<'YML'
name: kpis
version: "0.1.0"
YML
echo "select 1 as visit_id, date '2024-01-01' as visited_at" > dbt_packages/kpis/models/visits.sql
cat > dbt_packages/kpis/models/kpis.yml <<'YML'
version: 2
semantic_models:
  - name: visits
    model: ref('visits')
    entities: [{name: visit, type: primary, expr: visit_id}]
    dimensions: [{name: visited_at, type: time, type_params: {time_granularity: day}}]
    measures: [{name: visit_count, agg: count, expr: visit_id, agg_time_dimension: visited_at}]
metrics:
  - name: visits
    label: Visits
    type: simple
    type_params: {measure: visit_count}
YML
cat > models/marts/more.yml <<'YML'
version: 2
metrics:
  - name: orders_per_visit
    label: Orders per visit
    type: ratio
    type_params: {numerator: order_count, denominator: visits}
  - name: visits_direct
    label: Visits (direct)
    type: simple
    type_params: {measure: visit_count}
  - name: retired
    label: Retired
    type: simple
    type_params: {measure: order_total}
    config: {enabled: false}
semantic_models:
  - name: old_orders
    model: ref('orders')
    config: {enabled: false}
    entities: [{name: old_order, type: primary, expr: order_id}]
YML
run "$INGOT" build --no-reuse
expect_rc 0
expect_out "Done. PASS=5 WARN=0 ERROR=0 SKIP=0 TOTAL=5"
expect_out "3 semantic models, 10 metrics, 1 saved query"
M=target/manifest.json
jeq() { local got; got=$(jq -c "$1" "$M"); [ "$got" = "$2" ] || fail "manifest $1: expected $2, got $got"; }
jeq '.semantic_models["semantic_model.kpis.visits"] | [.package_name, .fqn, .original_file_path, .depends_on.nodes]' \
  '["kpis",["kpis","visits"],"models/kpis.yml",["model.kpis.visits"]]'
jeq '.metrics["metric.kpis.visits"].depends_on.nodes' '["semantic_model.kpis.visits"]'
jeq '.metrics["metric.sem.orders_per_visit"].depends_on.nodes' '["metric.sem.order_count","metric.kpis.visits"]'
jeq '.metrics["metric.sem.orders_per_visit"].type_params.input_measures | map(.name)' '["order_count","visit_count"]'
jeq '.metrics["metric.sem.visits_direct"].depends_on.nodes' '["semantic_model.kpis.visits"]'
jeq '.metrics | has("metric.sem.retired")' 'false'
jeq '.semantic_models | has("semantic_model.sem.old_orders")' 'false'
# graph.* in Jinja: the manifest's entries
G=target/compiled/sem/models/marts/uses_graph.sql
grep -qF -- "-- metrics=10 sms=3 sqs=1" "$G" || fail "graph counts: $(cat "$G")"
grep -qF -- "-- ratio=ratio:food_orders/order_count" "$G" || fail "graph metric: $(cat "$G")"
grep -qF -- "-- model=ref('orders') measures=order_total,order_count,food_orders,customers_with_orders grain=day" "$G" \
  || fail "graph semantic model: $(cat "$G")"
grep -qF -- "-- deps=metric.sem.food_orders,metric.sem.order_count" "$G" || fail "graph depends_on: $(cat "$G")"
# a macro reading graph.metrics the way packages do
mkdir -p macros
cat > macros/list_metrics.sql <<'SQL'
{% macro list_metrics() %}
  {% set names = [] %}
  {% for m in graph.metrics.values() | selectattr('resource_type', '==', 'metric') | sort(attribute='name') %}
    {% do names.append(m.package_name ~ '.' ~ m.name ~ ':' ~ m.type) %}
  {% endfor %}
  {{ log(names | join(' '), info=True) }}
{% endmacro %}
SQL
run "$INGOT" run-operation list_metrics
expect_rc 0
expect_err "sem.cumulative_revenue:cumulative sem.food_order_share:ratio sem.food_orders:simple sem.order_count:simple sem.order_total:simple sem.orders_per_visit:ratio sem.repeat_rate:conversion sem.revenue_per_order:derived kpis.visits:simple sem.visits_direct:simple"
run "$INGOT" compile
expect_rc 0
run "$INGOT" docs generate
expect_rc 0
jq -e '[.nodes | keys[] | select(test("^(metric|semantic_model|saved_query)\\."))] | length == 0' target/catalog.json >/dev/null \
  || fail "catalog lists semantic entries"
jeq '.metrics | keys | length' '10'
