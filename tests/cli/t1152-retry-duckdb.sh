#!/usr/bin/env bash
# ingot retry runs again, with the last command (args.which), exactly the
# nodes that errored or were skipped in target/run_results.json: here a
# model fixed between the two. Nothing left:
# "Nothing to do", exit 0; no previous run: exit 2.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbtcmd" p && cd p
engine_profile duckdb cmds > profiles.yml
run "$INGOT" retry
expect_rc 2
expect_err "Could not find previous run"
run "$INGOT" deps
run "$INGOT" build
expect_rc 1
expect_out "Done. PASS=4 WARN=0 ERROR=1 SKIP=2 TOTAL=7"
# still broken: the same three nodes again, nothing else
run "$INGOT" retry
expect_rc 1
expect_out "Done. PASS=0 WARN=0 ERROR=1 SKIP=2 TOTAL=3"
expect_no "stg_orders"
# fix the model (run-operation would itself become the last run to retry)
echo "select 4 as x" > models/flaky.sql
run "$INGOT" retry
expect_rc 0
expect_out "Done. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3"
expect_out "OK created sql view model main.after_flaky"
expect_out "PASS not_null_after_flaky_y"
expect_no "raw_orders"
run "$INGOT" show --inline "select y from main.after_flaky"
expect_out "8"
run "$INGOT" retry
expect_rc 0
expect_out "Nothing to do."
# the command is the last one's: a failing `test` is retried as a test
printf 'select 1 as id union all select 1\n' > models/stg_orders.sql
run "$INGOT" run -s stg_orders
expect_rc 0
run "$INGOT" test -s stg_orders
expect_rc 1
expect_out "FAIL 1 unique_stg_orders_id"
run "$INGOT" retry
expect_rc 1
expect_out "Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1"
python3 - <<'PY' || fail "retry's run_results is not a test run of the failed test"
import json
d = json.load(open("target/run_results.json"))
assert d["args"]["which"] == "test", d["args"]
assert [r["unique_id"].split(".")[2] for r in d["results"]] == ["unique_stg_orders_id"], d["results"]
PY
