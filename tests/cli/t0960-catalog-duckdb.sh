#!/usr/bin/env bash
# t0960-catalog: `ingot catalog` on DuckDB over a small project (a source,
# a staging view, a mart table, tests one of which fails): search ranking,
# one node's columns (declared and warehouse types), tests with their last
# status, row count, lineage source -> staging -> mart, table and JSON;
# a project edit is seen without running compile first.
. "$(dirname "$0")/lib.sh"

mkdir -p shop/models/staging shop/models/marts && cd shop
cat > dbt_project.yml <<'EOF'
name: shop
version: '1.0'
config-version: 2
profile: shop
models:
  shop:
    marts:
      +materialized: table
EOF
engine_profile duckdb shop > profiles.yml
cat > models/sources.yml <<'EOF'
version: 2
sources:
  - name: raw
    schema: raw
    tables:
      - name: orders
        description: Raw orders as loaded from the lake
        columns:
          - name: id
            tests: [unique]
EOF
cat > models/staging/stg_orders.sql <<'EOF'
select id as order_id, amount, status from {{ source('raw', 'orders') }}
EOF
cat > models/marts/order_totals.sql <<'EOF'
select status, count(*) as orders, sum(amount) as revenue from {{ ref('stg_orders') }} group by status
EOF
cat > models/schema.yml <<'EOF'
version: 2
models:
  - name: stg_orders
    description: Orders, cleaned and renamed
    columns:
      - name: order_id
        description: The order's id
        data_type: integer
        tests: [unique, not_null]
  - name: order_totals
    description: Revenue per order status
    config:
      tags: [finance]
    columns:
      - name: status
        description: Where the order is
        tests:
          - accepted_values:
              values: ['placed', 'shipped']
EOF

# before any build: the catalog parses the project itself (no manifest yet)
run "$INGOT" catalog --no-warehouse
expect_rc 0
expect_out "model.shop.stg_orders"
expect_out "source.shop.raw.orders"
[ -f target/manifest.json ] || fail "catalog did not write the manifest"

"$INGOT" show --limit -1 --inline "create schema raw" >/dev/null
"$INGOT" show --limit -1 --inline "create table raw.orders as select * from (values
  (1, 10.50::decimal(10,2), 'placed'), (2, 20.25, 'shipped'), (3, 5.00, 'returned'),
  (4, 7.75, 'placed')) t(id, amount, status)" >/dev/null
run "$INGOT" build
expect_rc 1 # accepted_values fails on 'returned'
expect_out "FAIL 1 accepted_values_order_totals_status__placed__shipped"

# search: exact name first, then substrings, then descriptions
run "$INGOT" catalog --search orders
expect_rc 0
sed -n 3p "$T/.out" | grep -q "| source .*| raw.orders " || fail "exact match not first: $OUT"
sed -n 4p "$T/.out" | grep -q "| model .*| stg_orders " || fail "substring second: $OUT"
run "$INGOT" catalog --search cleaned --type model
expect_rc 0
expect_out "model.shop.stg_orders"
expect_no "order_totals"

# one node: warehouse types, tests with their last status, row count
run "$INGOT" catalog --node order_totals
expect_rc 0
expect_out '"main"."order_totals" (table, 3 rows)'
expect_out "last result:  success"
grep -q "^| status  *|  *| VARCHAR  *| accepted_values (fail) *| Where the order is *|$" "$T/.out" ||
  fail "status column: $OUT"
grep -q "^| revenue  *|  *| DECIMAL(38,2) " "$T/.out" || fail "undeclared column with its type: $OUT"
grep -q "^| accepted_values | status *| fail *| 1 " "$T/.out" || fail "test status: $OUT"
run "$INGOT" catalog --node stg_orders
expect_rc 0
expect_out '(view)'
grep -q "^| order_id  *| integer  *| INTEGER  *| not_null (pass), unique (pass) *| The order's id *|$" "$T/.out" ||
  fail "declared and warehouse type: $OUT"
expect_out "select id as order_id, amount, status from"
run "$INGOT" catalog --node raw.orders
expect_out '(table, 4 rows)'
expect_out "unique (pass)"
run "$INGOT" catalog --node nosuch
expect_rc 1
expect_err "no node named 'nosuch'"

# lineage: source -> staging -> mart, from the mart and from the middle
run "$INGOT" catalog --node order_totals --lineage
expect_rc 0
grep -q "^|    -2 | source  *| raw.orders " "$T/.out" || fail "lineage source: $OUT"
grep -q "^|    -1 | model  *| stg_orders  *| model.shop.stg_orders  *| raw.orders *|$" "$T/.out" ||
  fail "lineage staging: $OUT"
grep -q "^|     0 | model  *| order_totals  *| model.shop.order_totals  *| stg_orders *|$" "$T/.out" ||
  fail "lineage mart: $OUT"
run "$INGOT" catalog --node stg_orders --lineage --depth 1 -o json
expect_rc 0
python3 - "$T/.out" <<'EOF' || fail "lineage json: $OUT"
import json, sys
d = json.load(open(sys.argv[1]))
depth = {n["unique_id"]: n["depth"] for n in d["lineage"]["nodes"]}
assert depth == {"source.shop.raw.orders": -1, "model.shop.stg_orders": 0,
                 "model.shop.order_totals": 1}, depth
edges = {(e["from"], e["to"]) for e in d["lineage"]["edges"]}
assert edges == {("source.shop.raw.orders", "model.shop.stg_orders"),
                 ("model.shop.stg_orders", "model.shop.order_totals")}, edges
n = d["node"]
assert n["resource_type"] == "model" and n["materialized"] == "view", n
assert n["row_count"] is None  # views are not counted
cols = {c["name"]: c for c in n["columns"]}
assert cols["order_id"]["data_type"] == "integer"
assert cols["order_id"]["warehouse_type"] == "INTEGER"
assert cols["amount"]["warehouse_type"] == "DECIMAL(10,2)"
assert sorted(t["status"] for t in cols["order_id"]["tests"]) == ["pass", "pass"]
assert n["last_result"]["status"] == "success"
EOF
run "$INGOT" catalog --node order_totals -o json
expect_rc 0
python3 - "$T/.out" <<'EOF' || fail "node json: $OUT"
import json, sys
n = json.load(open(sys.argv[1]))["node"]
assert n["row_count"] == 3 and n["relation_kind"] == "table", n
assert n["tags"] == ["finance"], n["tags"]
t = [t for t in n["tests"] if t["test"] == "accepted_values"][0]
assert t["status"] == "fail" and t["failures"] == 1 and t["column"] == "status", t
assert n["parents"] == ["model.shop.stg_orders"], n["parents"]
EOF

# a new model is seen at once: the stale manifest is re-parsed
cat > models/marts/big_orders.sql <<'EOF'
select * from {{ ref('stg_orders') }} where amount > 10
EOF
run "$INGOT" catalog --search big_orders -o json
expect_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [n["unique_id"] for n in d["nodes"]] == ["model.shop.big_orders"], d' "$T/.out" ||
  fail "new model not in the catalog: $OUT"

# usage errors
run "$INGOT" catalog --lineage
expect_rc 2
expect_err "--lineage needs --node"
run "$INGOT" catalog --type tables
expect_rc 2
expect_err "unknown resource type 'tables'"
