#!/usr/bin/env bash
# t0945: two build tasks of one pipeline run at once in one process (a
# foreground `pipeline run --parallelism 2`, as the scheduler or serve run
# them): each writes its own target/runs/<id>/ with its own nodes, both
# succeed although they build a model in common (writers of one relation
# take turns), and target/ holds the run that finished last.
. ./lib.sh
mkdir -p models pipelines
cat > dbt_project.yml <<'EOF'
name: twobuilds
profile: twobuilds
EOF
engine_profile duckdb twobuilds > profiles.yml
cat > models/base.sql <<'EOF'
{{ config(materialized='table') }}
select range as id, range * 2 as v from range(200000)
EOF
cat > models/left_mart.sql <<'EOF'
{{ config(materialized='table') }}
select count(*) as n, sum(v) as s from {{ ref('base') }}
EOF
cat > models/right_mart.sql <<'EOF'
{{ config(materialized='table') }}
select max(id) as m from {{ ref('base') }}
EOF
cat > pipelines/p.yml <<'EOF'
pipeline: p
tasks:
  - {id: left, build: {select: "+left_mart"}}
  - {id: right, build: {select: "+right_mart"}}
EOF
run "$INGOT" pipeline run p --parallelism 2
expect_rc 0
expect_out "run 1: success"
[ -d target/runs ] || fail "no target/runs"
n=$(ls target/runs | wc -l)
[ "$n" -eq 2 ] || fail "expected 2 run dirs, got $n: $(ls target/runs)"
# each run's results name its own nodes (base is in both), all successful
for d in target/runs/*/; do
  /usr/bin/python3 - "$d/run_results.json" <<'EOF' || fail "bad run_results in $d"
import json, sys
r = json.load(open(sys.argv[1]))
ids = sorted(x["unique_id"] for x in r["results"])
assert all(x["status"] == "success" for x in r["results"]), r["results"]
assert ids in (["model.twobuilds.base", "model.twobuilds.left_mart"],
               ["model.twobuilds.base", "model.twobuilds.right_mart"]), ids
EOF
done
a=$(ls target/runs | head -1); b=$(ls target/runs | tail -1)
cmp -s "target/runs/$a/run_results.json" "target/runs/$b/run_results.json" &&
  fail "the two runs wrote the same run_results.json"
# target/ is one of the two runs, whole (results and manifest of the same run)
latest=""
for d in "$a" "$b"; do
  cmp -s "target/runs/$d/run_results.json" target/run_results.json && latest=$d
done
[ -n "$latest" ] || fail "target/run_results.json is neither run's"
cmp -s "target/runs/$latest/manifest.json" target/manifest.json || fail "target/manifest.json is not from run $latest"
expect_q "select n, s from left_mart" "200000,39999800000"
expect_q "select m from right_mart" "199999"
