#!/usr/bin/env bash
# Per-run artifacts: each build writes target/runs/<id>/ and publishes it as
# the latest in target/ (run_results.json, manifest.json, compiled/, run/);
# --state target/ keeps working; the last 10 runs are kept; clean removes
# them; -q still prints the results the user asked for.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models && cd p
cat > dbt_project.yml <<'YML'
name: perrun
version: "1.0.0"
config-version: 2
profile: perrun
YML
engine_profile duckdb perrun > profiles.yml
echo "select 1 as id union all select 2 as id" > models/base.sql
cat > models/top.sql <<'SQL'
{{ config(materialized='table') }}
select id * 10 as v from {{ ref('base') }}
SQL

# the run's id: sortable UTC time to the ms, pid, counter
newest() { ls target/runs | sort | tail -1; }
nruns() { ls target/runs | wc -l; }

run "$INGOT" build
expect_rc 0
[ "$(nruns)" -eq 1 ] || fail "one run dir after one build: $(ls target/runs)"
r1=$(newest)
[[ "$r1" =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9]+-[0-9]+$ ]] || fail "run id form: $r1"
for f in run_results.json manifest.json ingot.log compiled/perrun/models/top.sql run/perrun/models/top.sql; do
  [ -f "target/runs/$r1/$f" ] || fail "run dir lacks $f"
done
[ ! -e "target/runs/$r1/.running" ] || fail "a finished run still marked running"
cmp -s target/run_results.json "target/runs/$r1/run_results.json" || fail "target/run_results.json is not run 1's"
[ "$(jq '.results | length' target/run_results.json)" -eq 2 ] || fail "2 results"
[ "$(jq -r '[.results[].status] | unique | join(",")' target/run_results.json)" = "success" ] || fail "statuses"
expect_q "select sum(v) from top" "30"

# a second build with a changed model: the latest is the second run
echo "select 1 as id union all select 2 as id union all select 3 as id" > models/base.sql
run "$INGOT" build
expect_rc 0
[ "$(nruns)" -eq 2 ] || fail "two run dirs after two builds"
r2=$(newest)
[ "$r2" != "$r1" ] || fail "the same run id twice"
cmp -s target/run_results.json "target/runs/$r2/run_results.json" || fail "target/run_results.json is not run 2's"
cmp -s target/manifest.json "target/runs/$r2/manifest.json" || fail "target/manifest.json is not run 2's"
! cmp -s "target/runs/$r1/run_results.json" "target/runs/$r2/run_results.json" || fail "run 1's results changed"
grep -q "union all select 3" target/compiled/perrun/models/base.sql || fail "compiled/ is not the latest"
expect_q "select sum(v) from top" "60"
# each run's log holds that run only; the log-path one holds both
[ "$(grep -c 'Done. PASS' "target/runs/$r2/ingot.log")" -eq 1 ] || fail "run log holds one run"
[ "$(grep -c 'Done. PASS' target/ingot.log)" -eq 2 ] || fail "the shared log holds both runs"

# --state target/ still works: only the changed model is state:modified
echo "-- changed" >> models/top.sql
run "$INGOT" ls -s state:modified --state target/ --output name
expect_rc 0
[ "$OUT" = "top" ] || fail "state:modified against target/: $OUT"

# a build of one model keeps the other's listing (as dbt does), whole;
# the temporaries of a publish that crashed are swept
mkdir -p target/.compiled.19990101T000000.000Z-1-1.new/x
touch target/.manifest.json.19990101T000000.000Z-1-1.tmp
run "$INGOT" run -s top
expect_rc 0
[ -f target/compiled/perrun/models/base.sql ] || fail "base's listing dropped by a run of top"
grep -q -- "-- changed" target/compiled/perrun/models/top.sql || fail "top's listing not the latest"
[ "$(jq '.results | length' target/run_results.json)" -eq 1 ] || fail "run_results of the last run only"
ls -a target | grep -q '\.new$\|\.tmp$' && fail "temporaries left in target/: $(ls -a target)"

# the last 10 runs are kept: 3 so far, 8 more
for i in 1 2 3 4 5 6 7 8; do run "$INGOT" run -q -s base; expect_rc 0; done
[ "$(nruns)" -eq 10 ] || fail "10 run dirs kept, found $(nruns)"
[ ! -e "target/runs/$r1" ] || fail "the oldest run was not pruned"
[ -e "target/runs/$r2" ] || fail "the second run was pruned too early"
cmp -s target/run_results.json "target/runs/$(newest)/run_results.json" || fail "latest after pruning"

# -q: progress silent, results still printed
run "$INGOT" compile -q --inline "select {{ 6 * 7 }} as answer"
expect_rc 0
[ "$OUT" = "select 42 as answer" ] || fail "compile -q --inline: $OUT"
run "$INGOT" ls -q --output name
[ "$OUT" = "base
top" ] || fail "ls -q: $OUT"

# clean removes target/ with its runs
run "$INGOT" clean
expect_rc 0
expect_out "removed target"
[ ! -e target ] || fail "target/ left after clean"
echo ok
