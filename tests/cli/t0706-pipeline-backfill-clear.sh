#!/usr/bin/env bash
# t0706: backfill creates a run per interval; clear re-runs failed tasks
# (attempt numbers continue); catchup is bounded by max_active_runs.
. ./lib.sh
mkdir -p pipelines
cat > pipelines/daily.yml <<'EOF'
pipeline: daily
schedule: "0 6 * * *"
timezone: America/New_York
max_active_runs: 1
tasks:
  - {id: extract, shell: "echo {{ ds }} {{ data_interval_start }} {{ data_interval_end }}"}
  - {id: check, shell: "test -f ok-{{ ds_nodash }}", depends_on: [extract]}
  - {id: report, shell: "echo report", depends_on: [check]}
EOF
touch ok-20240301 ok-20240303
run "$INGOT" pipeline backfill daily --start 2024-03-01 --end 2024-03-03
expect_rc 1
expect_out "3 run(s) created"
run "$INGOT" pipeline status daily
expect_out "backfill"
run "$INGOT" pipeline logs 1 extract
expect_out "2024-03-01 2024-03-01T11:00:00.000000Z 2024-03-02T11:00:00.000000Z"
run "$INGOT" pipeline status 2
expect_out "state failed"
expect_out "upstream_failed"
# backfilling again creates nothing new
run "$INGOT" pipeline backfill daily --start 2024-03-01 --end 2024-03-03
expect_out "0 run(s) created"

touch ok-20240302
run "$INGOT" pipeline clear 2 --failed-only
expect_rc 0
expect_out "cleared 2 task(s) of run 2"
expect_out "run 2: success"
run "$INGOT" pipeline status 2 -o json
/usr/bin/python3 - "$T/.out" <<'EOF' || fail "after clear: $OUT"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
t = {x["task"]: x for x in r["tasks"]}
assert r["state"] == "success"
assert [a["attempt"] for a in t["check"]["attempts"]] == [1, 2], t["check"]
assert [a["attempt"] for a in t["extract"]["attempts"]] == [1], t["extract"]
EOF
run "$INGOT" pipeline clear 2 --task nosuch
expect_rc 2
expect_err "has no task 'nosuch'"
run "$INGOT" pipeline backfill daily --start 2024-03-01
expect_rc 2
