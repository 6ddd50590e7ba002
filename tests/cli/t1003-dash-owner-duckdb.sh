#!/usr/bin/env bash
# t1003: while a scheduler owns the DuckDB warehouse, `ingot dashboards
# query` and `check` are handed to it (CMD_HANDOFF) and answer the same as
# without it; a pipeline that changes the model's rows in the owner shows
# in the next query.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
run "$INGOT" build
expect_rc 0
run "$INGOT" dashboards query shop top_products sort=-revenue
expect_rc 0
cp "$T/.out" fg.json
mkdir -p pipelines
cat > pipelines/more.yml <<'YML'
pipeline: more
tasks:
  - {id: add, sql: "insert into main.fct_order_items select 99, 199, timestamp '2026-03-30 10:00:00', 'Bags', 'Women', 'Zed', 'Tote', 500.00, 100.00, 400.00"}
YML

"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
cleanup() { kill -9 $S 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
grep -q "scheduler started" s.log || fail "scheduler did not start: $(cat s.log)"

strip() { sed -E 's/"cached":(true|false),"ms":[0-9.]+//' "$1"; }
run "$INGOT" dashboards query shop top_products sort=-revenue
expect_rc 0
grep -q "running for pid .*: ingot dashboards query shop top_products" s.log ||
  fail "not handed to the scheduler: $(cat s.log)"
[ "$(strip "$T/.out")" = "$(strip fg.json)" ] || fail "handed-off answer differs:
$OUT
--- foreground:
$(cat fg.json)"
run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards: 0 errors, 0 warnings"

run "$INGOT" pipeline run more
expect_rc 0
run "$INGOT" dashboards query shop top_products sort=-revenue limit=1
expect_rc 0
expect_out '"rows":[["Tote","Bags",400.00,500.00]]'
expect_out '"total":10'
