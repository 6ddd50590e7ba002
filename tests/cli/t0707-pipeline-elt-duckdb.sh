#!/usr/bin/env bash
# t0707: the seed's DAG as a pipeline file — start, parallel in-process
# loads, load_complete, a dbt build, a templated sql task, end — on DuckDB,
# run by hand; then the history says what ran.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project basic duckdb
cat > models/order_totals.sql <<'EOF'
select status, count(*) as n from {{ source('raw', 'orders') }} group by status
EOF
mkdir -p pipelines
cat > pipelines/elt.yml <<'EOF'
pipeline: elt
schedule: "0 2 * * *"
defaults: {retries: 1, retry_delay: 1s, timeout: 10m}
tasks:
  - {id: start, empty: true}
  - {id: load_orders, load: raw.orders, depends_on: [start]}
  - {id: load_events, load: raw.events, depends_on: [start]}
  - {id: load_noheader, load: raw.noheader, depends_on: [start]}
  - {id: load_complete, empty: true, depends_on: [load_orders, load_events, load_noheader]}
  - {id: transform, build: {select: order_totals}, depends_on: [load_complete]}
  - id: audit
    depends_on: [transform]
    sql: "create or replace table main.elt_audit as select '{{ ds }}' as ds, (select sum(n) from main.order_totals) as orders"
  - {id: end, empty: true, depends_on: [audit]}
EOF
run "$INGOT" pipeline run elt --logical-date 2024-06-01
expect_rc 0
expect_out "run 1: success"
run "$INGOT" show --inline "select ds, orders from main.elt_audit"
expect_rc 0
expect_out "2024-06-01"
run "$INGOT" show --inline "select count(*) as c from bronze.orders"
expect_rc 0
run "$INGOT" pipeline logs 1 audit
expect_out "create or replace table main.elt_audit as select '2024-06-01'"
run "$INGOT" pipeline status 1 -o json
/usr/bin/python3 - "$T/.out" <<'EOF' || fail "history: $OUT"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
t = {x["task"]: x for x in r["tasks"]}
assert all(x["state"] == "success" for x in t.values()), t
# (the loader's first concurrent calls may conflict creating _ingot tables;
# a retry covers that, so look at each load's last attempt)
loads = [t[k]["attempts"][-1] for k in ("load_orders", "load_events", "load_noheader")]
assert all(a["state"] == "success" for a in loads)
assert t["transform"]["attempts"][0]["started_at"] >= max(a["ended_at"] for a in loads)
EOF
# a sql task that fails shows the engine's message
sed -i 's/from main.order_totals/from main.no_such_table/' pipelines/elt.yml
run "$INGOT" pipeline run elt --logical-date 2024-06-02
expect_rc 1
run "$INGOT" pipeline status 2
expect_out "no_such_table"
