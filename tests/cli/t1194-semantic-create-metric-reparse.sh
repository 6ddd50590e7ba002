#!/usr/bin/env bash
# A measure with create_metric: true gets a simple metric of its name (its
# label and description), as dbt's parser adds it; a metric of the same
# name is a duplicate. Editing the semantic YAML is seen by the next parse
# (partial parsing never serves a stale semantic layer), and removing an
# entry removes it from the manifest. build and run never execute them.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/semantic" p && cd p
engine_profile duckdb sem > profiles.yml
Y=models/marts/semantic.yml
python3 - "$Y" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
old = """      - name: lifetime_orders
        agg: max"""
assert old in s
s = s.replace(old, """      - name: lifetime_orders
        label: Lifetime orders
        description: "Most orders of a customer: \\"lifetime\\""
        create_metric: true
        agg: max""")
open(p, "w").write(s)
PY
run "$INGOT" parse
expect_rc 0
M=target/manifest.json
jeq() { local got; got=$(jq -c "$1" "$M"); [ "$got" = "$2" ] || fail "manifest $1: expected $2, got $got"; }
jeq '.metrics["metric.sem.lifetime_orders"] | [.type, .label, .description, .type_params.measure.name, .depends_on.nodes, .fqn]' \
  '["simple","Lifetime orders","Most orders of a customer: \"lifetime\"","lifetime_orders",["semantic_model.sem.customers"],["sem","marts","lifetime_orders"]]'
jeq '.semantic_models["semantic_model.sem.customers"].measures[0].create_metric' 'true'
run "$INGOT" ls -s metric:lifetime_orders
expect_rc 0
[ "$OUT" = "metric:sem.lifetime_orders" ] || fail "ls: $OUT"
# a metric of the same name clashes with it (the measure's line: files are read in path order)
cat > models/dup.yml <<'YML'
version: 2
metrics:
  - name: lifetime_orders
    label: again
    type: simple
    type_params: {measure: lifetime_orders}
YML
run "$INGOT" parse
expect_rc 2
expect_err "models/marts/semantic.yml:59:9: metric 'lifetime_orders' is defined twice: in models/dup.yml and here; rename one"
rm models/dup.yml
# edits are seen by the next parse; a removed entry leaves the manifest
run "$INGOT" build --no-reuse
expect_rc 0
expect_out "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4"
sed -i 's/    label: Order Total/    label: Order total (edited)/' "$Y"
python3 - "$Y" <<'PY'
import sys, re
p = sys.argv[1]; s = open(p).read()
i = s.index("  - name: repeat_rate"); j = s.index("saved_queries:")
open(p, "w").write(s[:i] + s[j:])
PY
run "$INGOT" parse
expect_rc 0
jeq '.metrics["metric.sem.order_total"].label' '"Order total (edited)"'
jeq '.metrics | has("metric.sem.repeat_rate")' 'false'
jeq '.child_map["semantic_model.sem.customers"]' '["metric.sem.lifetime_orders"]'
run "$INGOT" run --no-reuse
expect_rc 0
expect_out "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4"
expect_out "2 semantic models, 7 metrics, 1 saved query"
# state:modified compares each entry with the --state manifest's (its
# manifest JSON without created_at): only the edited metric, and what is
# downstream of it with +
cp -r target "$T/prod"
run "$INGOT" ls -s state:modified --state "$T/prod"
expect_rc 0
expect_no "metric:sem"
sed -i 's/    label: Order total (edited)/    label: Order total (edited again)/' "$Y"
run "$INGOT" ls -s state:modified --state "$T/prod"
expect_rc 0
[ "$OUT" = "metric:sem.order_total" ] || fail "state:modified: $OUT"
run "$INGOT" ls -s state:modified+ --state "$T/prod"
[ "$OUT" = "$(printf 'metric:sem.order_total\nmetric:sem.revenue_per_order\nsaved_query:sem.order_metrics')" ] || fail "state:modified+: $OUT"
