#!/usr/bin/env bash
# ingot retry keeps the original invocation's --vars, --threads and
# --exclude, as dbt retry reads them from run_results.json's args: a model
# that fails because of a --vars value fails again on retry (the vars are
# reused), until retry is given other --vars; the retry's own
# run_results carries the same args. A retry on another target than the
# run's is refused with what to type.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models && cd p
cat > dbt_project.yml <<'YML'
name: rargs
version: "1.0"
profile: rargs
YML
cat > profiles.yml <<YML
rargs:
  target: dev
  outputs:
    dev: {type: duckdb, path: "$PWD/w.duckdb", threads: 4}
    other: {type: duckdb, path: "$PWD/o.duckdb", threads: 4}
YML
cat > models/flaky.sql <<'SQL'
{% if var('broken', false) %}select * from no_such_table{% else %}select 1 as x{% endif %}
SQL
echo "select x + 1 as y from {{ ref('flaky') }}" > models/after.sql
echo "select 1 as z" > models/other.sql
run "$INGOT" build --vars '{broken: true, n: 2}' --threads 1 --exclude other
expect_rc 1
expect_out "Done. PASS=0 WARN=0 ERROR=1 SKIP=1 TOTAL=2"
args() {
  python3 -c 'import json; a = json.load(open("target/run_results.json"))["args"]; print(a["which"], a.get("exclude"), a.get("threads"), json.dumps(a.get("vars"), sort_keys=True), a.get("target"))'
}
expect_eq "$(args)" 'build other 1 {"broken": true, "n": 2} dev' "run_results args"
# the vars are the first run's: still broken
run "$INGOT" retry
expect_rc 1
expect_out "Done. PASS=0 WARN=0 ERROR=1 SKIP=1 TOTAL=2"
expect_eq "$(args)" 'build other 1 {"broken": true, "n": 2} dev' "retry's run_results args"
# another target than the run's: refused, saying what to type
run "$INGOT" retry --target other
expect_rc 2
expect_err "the last run used target 'dev', this one is 'other': run \`ingot retry --target dev\`"
# --vars given to retry win over the recorded ones
run "$INGOT" retry --vars '{broken: false}'
expect_rc 0
expect_out "Done. PASS=2 WARN=0 ERROR=0 SKIP=0 TOTAL=2"
expect_eq "$(args)" 'build other 1 {"broken": false} dev' "args after the fixed retry"
expect_no "main.other"
run "$INGOT" show --inline "select y from after"
expect_out "2"
