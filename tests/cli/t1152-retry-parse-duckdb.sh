#!/usr/bin/env bash
# ingot retry and ingot parse on DuckDB.
# retry runs again, with the last command (args.which), exactly the
# nodes that errored or were skipped in target/run_results.json: here a
# model fixed between the two. Nothing left: "Nothing to do", exit 0; no
# previous run: exit 2.
# parse writes target/manifest.json without the warehouse and says how
# long it took (--write-perf-info: target/perf_info.json); a project error
# exits 2 naming file:line:col.
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

# ---- parse
cp -r "$ROOT/tests/fixtures/dbtcmd" "$T/pp" && cd "$T/pp"
engine_profile duckdb cmds > profiles.yml
run "$INGOT" deps
run "$INGOT" parse --write-perf-info
expect_rc 0
expect_out "Parsed "
expect_out "Performance info: $PWD/target/perf_info.json"
[ ! -e warehouse.duckdb ] || fail "parse opened the warehouse"
python3 - <<'PY' || fail "manifest.json is not the project's"
import json
m = json.load(open("target/manifest.json"))
assert m["metadata"]["dbt_schema_version"].endswith("/manifest/v12.json"), m["metadata"]
ids = set(m["nodes"])
for u in ("model.cmds.stg_orders", "model.cmds.flaky", "model.cmds.after_flaky", "seed.cmds.raw_orders"):
    assert u in ids, (u, sorted(ids))
assert m["nodes"]["model.cmds.after_flaky"]["depends_on"]["nodes"] == ["model.cmds.flaky"]
assert "macro.ops_pkg.hello" in m["macros"]
p = json.load(open("target/perf_info.json"))
assert p["path_count"] >= 7 and p["load_all_elapsed"] >= 0, p
PY
# a syntax error: exit 2, where
printf 'select 1 as x\n{{ ref( }}\n' > models/broken.sql
run "$INGOT" parse
expect_rc 2
expect_err "models/broken.sql:2:"
# a ref to nothing: exit 2, which model
printf "select * from {{ ref('nowhere') }}\n" > models/broken.sql
run "$INGOT" parse
expect_rc 2
expect_err "nowhere"
