#!/usr/bin/env bash
# dbt validates the semantic layer at parse: each mistake stops the parse
# (exit 2) with the file, line and column of the YAML entry and what to do.
# One mutation of the fixture per case; the fixture itself parses clean.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/semantic" p && cd p
engine_profile duckdb sem > profiles.yml
Y=models/marts/semantic.yml
cp "$Y" "$T/orig.yml"
run "$INGOT" parse
expect_rc 0
# case OLD NEW LINE:COL MESSAGE
case_() {
  cp "$T/orig.yml" "$Y"
  python3 - "$Y" "$1" "$2" <<'PY' || fail "mutation not applied: $1"
import sys
p, old, new = sys.argv[1:]
s = open(p).read()
assert old in s
open(p, "w").write(s.replace(old, new, 1))
PY
  run "$INGOT" parse
  expect_rc 2
  expect_err "models/marts/semantic.yml:$3: $4"
}
case_ "model: ref('orders')" "model: ref('ordrs')" 12:12 \
  "semantic model 'orders' depends on a node named 'ordrs' which was not found (did you mean 'orders'?)"
case_ "model: ref('orders')" "model: orders" 12:12 \
  "semantic model 'orders': model must be written ref('<model name>'), not 'orders'"
case_ "      measure: food_orders" "      measure: food_ordrs" 82:16 \
  "metric 'food_orders': measure 'food_ordrs' is not a measure of any enabled semantic model (did you mean 'food_orders'?): define it under measures: of a semantic model"
case_ "        name: order_count
        alias" "        name: order_cnt
        alias" 89:9 \
  "metric 'food_order_share': denominator 'order_cnt' is not a metric of this project (did you mean 'order_count'?)"
case_ "      numerator: food_orders" "      numerator: nothing_like_it" 87:18 \
  "metric 'food_order_share': numerator 'nothing_like_it' is not a metric of this project: define it under metrics: or fix the name"
case_ "  - name: food_orders
    label: Food orders" "  - name: food_orders
    config: {enabled: false}
    label: Food orders" 88:18 \
  "metric 'food_order_share': numerator 'food_orders' is disabled and cannot be referenced"
case_ "metrics: [order_total, food_order_share]" "metrics: [order_total, revenue]" 123:30 \
  "saved query 'order_metrics': metric 'revenue' is not a metric of this project"
case_ "        type_params:
          time_granularity: day
      - name: is_food_order" "      - name: is_food_order" 22:9 \
  "time dimension 'ordered_at' of semantic model 'orders' needs type_params: {time_granularity: day}"
case_ "time_granularity: day
      - name: is_food_order" "time_granularity: fortnight
      - name: is_food_order" 25:29 "unknown time_granularity 'fortnight' for dimension 'ordered_at'"
case_ "        agg: sum
      - name: order_count" "      - name: order_count" 29:9 \
  "measure 'order_total' of semantic model 'orders' needs an agg: sum, min, max"
case_ "agg: count_distinct" "agg: distinct" 39:14 "unknown agg 'distinct' for measure 'customers_with_orders'"
case_ "agg_time_dimension: first_ordered_at" "agg_time_dimension: customer" 61:29 \
  "agg_time_dimension 'customer' of measure 'lifetime_orders' is not a time dimension of semantic model 'customers'"
case_ "    defaults:
      agg_time_dimension: ordered_at
" "" 27:9 "measure 'order_total' of semantic model 'orders' has no agg_time_dimension"
case_ "      - name: order_count
        expr: 1" "      - name: order_total
        expr: 1" 32:9 "semantic model 'orders' has two measures named 'order_total' (line 29 and here): rename one"
case_ "  - name: food_orders
    label: Food orders" "  - name: order_total
    label: Food orders" 78:5 "metric 'order_total' is defined twice: in models/marts/semantic.yml and here; rename one"
case_ "  - name: customers
    model: ref('customers')
    primary_entity: customer" "  - name: orders
    model: ref('customers')
    primary_entity: customer" 46:5 "semantic model 'orders' is defined twice"
case_ "      group: finance" "      group: financ" 92:14 \
  "metric 'food_order_share' is in group 'financ', which is not defined: add it under groups:"
case_ "type: conversion" "type: conversionz" 112:11 "unknown metric type 'conversionz'"
case_ "    type: ratio
    type_params:
      numerator: food_orders" "    type: ratio
    type_params:
      numerator_: food_orders" 87:7 "ratio metric 'food_order_share' needs type_params: {numerator: <metric>, denominator: <metric>}"
case_ "  - name: order_metrics" "  - name: Order-Metrics" 120:11 "invalid saved query name 'Order-Metrics'"
case_ "          export_as: table" "          export_as: csv" 131:11 \
  "export 'order_metrics_export' of saved query 'order_metrics' needs config: {export_as: table} (or view)"
case_ "      - name: customer
        type: foreign" "      - name: customer
        type: secondary" 19:15 "entity 'customer' of semantic model 'orders' needs a type: primary, unique, foreign or natural"
case_ "      - name: order_id
        type: primary" "      - name: order_id
        type: unique" 9:5 "semantic model 'orders' has dimensions but no primary entity"
# build stops too, and nothing runs
run "$INGOT" build
expect_rc 2
expect_no "START sql"
