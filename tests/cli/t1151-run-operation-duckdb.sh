#!/usr/bin/env bash
# ingot run-operation calls a project macro with --args (typed YAML: numbers,
# strings, mappings) and a package's macro as pkg.macro; log()s print; the
# statements it runs land in the warehouse; run_results.json records it and
# retry calls a failed one again; a failing or unknown macro exits 1, bad
# --args 2.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbtcmd" p && cd p
engine_profile duckdb cmds > profiles.yml
run "$INGOT" deps
expect_rc 0
run "$INGOT" run-operation make_helper --args '{n: 5, label: "hi there", opts: {flag: true}}'
expect_rc 0
grep -qF "made helper_tbl with x=5 label=hi there flag=True" "$T/.out" "$T/.err" ||
  fail "the macro's log() is not shown: $OUT $ERR"
run "$INGOT" show --inline "select x * 10 as v from main.helper_tbl"
expect_rc 0
expect_out "50"
# a package's macro, and a default argument overridden
run "$INGOT" run-operation ops_pkg.hello --args '{who: world, times: 2}'
expect_rc 0
grep -qF "hello world #2" "$T/.out" "$T/.err" || fail "pkg.macro did not run twice: $OUT $ERR"
# a bare name finds a package's macro too, as dbt finds it
run "$INGOT" run-operation hello --args '{who: bare}'
expect_rc 0
grep -qF "hello bare #1" "$T/.out" "$T/.err" || fail "a bare package macro name was not found: $OUT $ERR"
# errors: the macro raises (its own message, where), a second create fails
run "$INGOT" run-operation boom
expect_rc 1
expect_err "Encountered an error while running operation"
expect_err "boom went the macro"
expect_err "macros/ops.sql:7:"
run "$INGOT" run-operation make_helper --args '{n: 6}'
expect_rc 1
expect_err "helper_tbl"
# run_results.json records the operation; retry calls a failed one again
python3 - <<'PY' || fail "run_results.json does not record the failed operation"
import json
d = json.load(open("target/run_results.json"))
assert d["args"]["which"] == "run-operation" and d["args"]["macro"] == "make_helper", d["args"]
(r,) = d["results"]
assert r["unique_id"] == "macro.cmds.make_helper" and r["status"] == "error", r
assert "helper_tbl" in r["message"], r
PY
run "$INGOT" retry
expect_rc 1
expect_err "helper_tbl"
run "$INGOT" run-operation ops_pkg.hello --args '{who: again}'
expect_rc 0
python3 - <<'PY' || fail "run_results.json does not record the package macro"
import json
(r,) = json.load(open("target/run_results.json"))["results"]
assert r["unique_id"] == "macro.ops_pkg.hello" and r["status"] == "success", r
PY
run "$INGOT" retry
expect_rc 0
expect_out "Nothing to do."
run "$INGOT" run-operation no_such_macro
expect_rc 1
expect_err "dbt could not find a macro with the name 'no_such_macro' in any package"
run "$INGOT" run-operation make_helper --args '[1, 2]'
expect_rc 2
expect_err "--args must be a YAML mapping"
run "$INGOT" run-operation
expect_rc 2
