#!/usr/bin/env bash
# ingot parse writes target/manifest.json without the warehouse and says how
# long it took (--write-perf-info: target/perf_info.json); a project error
# exits 2 naming file:line:col.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbtcmd" p && cd p
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
