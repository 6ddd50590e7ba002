#!/usr/bin/env bash
# A test dbt counts is never silently dropped (tests/fixtures/dbt/parseerr):
# Jinja in a test's config (enabled, severity) is rendered as dbt renders it
# at parse time; a test whose config does not render, whose entry cannot be
# parsed, whose arguments or macro body call an undefined macro, or whose
# generic test does not exist is an ERROR in the totals and in
# run_results.json, with the properties file's line:col; tests on a
# disabled model, or disabled by a rendered config, are not counted (as dbt).
. ./lib.sh
cp -r "$ROOT/tests/fixtures/dbt/parseerr" "$T/pe" && cd "$T/pe"
engine_profile duckdb perr > profiles.yml

run "$INGOT" build
expect_rc 1
expect_out "PASS not_null_m_id "
expect_out "WARN 1 accepted_values_m_id__1 "
expect_no "unique_m_id"
expect_no "not_null_dm_id"
expect_out "models/schema.yml:20:27: test config 'enabled' ({{ oops( }}) does not render"
expect_out "models/schema.yml:21:30: the arguments of test 'accepted_values' must be a mapping"
expect_out "models/schema.yml:23:29: Compilation Error in test is_small_m_id___undefined_macro_in_args_"
expect_out "macros/tests.sql:5:36: Compilation Error in test broken_body_m_id"
expect_out "models/schema.yml:25:13: Compilation Error in test no_such_test_m_id"
expect_out "Done. PASS=2 WARN=1 ERROR=5 SKIP=0 TOTAL=8"
python3 - <<'PY' || fail "run_results.json"
import json
r = json.load(open('target/run_results.json'))['results']
st = sorted((x['unique_id'].split('.')[2], x['status']) for x in r if x['unique_id'].startswith('test.'))
assert [s for _, s in st].count('error') == 5, st
assert len(st) == 7, st
PY
# ls lists every counted test too
run "$INGOT" ls --resource-type test
expect_rc 0
expect_out "accepted_values_m_id_line21"
