#!/usr/bin/env bash
# ls and selection of the semantic layer as dbt does them: --resource-type
# metric|semantic_model|saved_query, the methods metric:, semantic_model:,
# saved_query: (name, package.name, globs), graph operators through the
# lineage (+metric:x selects the semantic models and models upstream), and
# run/build over such a selection run only the models it contains.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/semantic" p && cd p
engine_profile duckdb sem > profiles.yml
lines() { printf '%s\n' "$@"; }
expect_ls() { # expected-lines... -- ingot ls args...
  local want=() a
  while [ "$1" != -- ]; do want+=("$1"); shift; done; shift
  run "$INGOT" ls "$@"
  expect_rc 0
  [ "$OUT" = "$(lines "${want[@]}")" ] || fail "ls $*: expected [$(lines "${want[@]}")], got [$OUT]"
}
expect_ls metric:sem.cumulative_revenue metric:sem.food_order_share metric:sem.food_orders \
  metric:sem.order_count metric:sem.order_total metric:sem.repeat_rate metric:sem.revenue_per_order \
  -- --resource-type metric
expect_ls semantic_model:sem.customers semantic_model:sem.orders -- --resource-type semantic_model
expect_ls saved_query:sem.order_metrics -- --resource-type saved_query
expect_ls metric:sem.food_order_share -- -s metric:food_order_share
expect_ls metric:sem.order_count metric:sem.order_total -- -s "metric:sem.order_*"
expect_ls semantic_model:sem.customers -- -s semantic_model:customers
expect_ls saved_query:sem.order_metrics -- -s saved_query:order_metrics
# upstream of a metric: its input metrics, their semantic models, and the models
expect_ls metric:sem.food_order_share metric:sem.food_orders metric:sem.order_count \
  sem.marts.orders sem.stg_orders semantic_model:sem.orders -- -s +metric:food_order_share
expect_ls sem.marts.orders sem.stg_orders -- -s +metric:food_order_share --resource-type model
# downstream of a model reaches its semantic model, metrics and saved query
expect_ls metric:sem.cumulative_revenue metric:sem.food_order_share metric:sem.food_orders \
  metric:sem.order_count metric:sem.order_total metric:sem.repeat_rate metric:sem.revenue_per_order \
  saved_query:sem.order_metrics semantic_model:sem.orders -- -s orders+ --resource-type metric saved_query semantic_model
expect_ls order_metrics -- -s saved_query:order_metrics --output name
expect_ls models/marts/semantic.yml -- -s semantic_model:orders --output path
run "$INGOT" ls -s saved_query:order_metrics --output json
expect_rc 0
echo "$OUT" | jq -e '.resource_type == "saved_query" and .unique_id == "saved_query.sem.order_metrics" and .depends_on.nodes == ["metric.sem.order_total","metric.sem.food_order_share"]' >/dev/null \
  || fail "ls json: $OUT"
run "$INGOT" ls -s metric:no_such_metric
expect_rc 0
expect_no "metric:sem"
# run over +metric: runs the two models upstream, nothing else
run "$INGOT" run --no-reuse -s +metric:food_order_share
expect_rc 0
expect_out "Done. PASS=2 WARN=0 ERROR=0 SKIP=0 TOTAL=2"
expect_q "select count(*) from main.orders" "3"
run "$INGOT" build --no-reuse -s saved_query:order_metrics
expect_rc 0
expect_out "Nothing to do"
