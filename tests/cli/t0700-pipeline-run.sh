#!/usr/bin/env bash
# t0700: `pipeline run` in the foreground: params and templating, retries,
# trigger rules, exit codes, then `pipeline status|logs|list` on the history.
. ./lib.sh
mkdir -p pipelines
cat > pipelines/demo.yml <<'EOF'
pipeline: demo
schedule: "@daily"
params: {who: world}
defaults: {retries: 1, retry_delay: 1s}
tasks:
  - {id: start, empty: true}
  - {id: hello, shell: "echo hello {{ params.who }} {{ ds }} {{ ds_nodash }} $INGOT_RUN_ID", depends_on: [start]}
  - {id: flaky, shell: "test -f .ok || { touch .ok; echo first try fails; exit 3; }", depends_on: [start]}
  - {id: end, empty: true, depends_on: [hello, flaky]}
EOF
cat > pipelines/broken.yml <<'EOF'
pipeline: broken
tasks:
  - {id: a, shell: "echo boom >&2; exit 7"}
  - {id: b, shell: "echo never", depends_on: [a]}
  - {id: c, shell: "echo cleanup", depends_on: [a], trigger_rule: all_done}
EOF

run "$INGOT" pipeline run demo --param who=ingot --logical-date 2024-03-05
expect_rc 0
expect_out "run 1: success"
expect_err "flaky: failed (attempt 1: exit code 3), retrying in 1.00s"
run "$INGOT" pipeline logs 1 hello
expect_out "hello ingot 2024-03-05 20240305 demo__manual__2024-03-05T00:00:00.000000Z"
run "$INGOT" pipeline logs 1 flaky --attempt 1
expect_out "first try fails"
run "$INGOT" pipeline logs demo__manual__2024-03-05T00:00:00.000000Z flaky
expect_rc 0
[ -z "$OUT" ] || fail "attempt 2 printed '$OUT'"

run "$INGOT" pipeline status 1 --output json
expect_rc 0
/usr/bin/python3 - "$T/.out" <<'EOF' || fail "status json: $OUT"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"][0]
assert r["state"] == "success" and r["pipeline"] == "demo" and r["kind"] == "manual", r
t = {x["task"]: x for x in r["tasks"]}
assert [a["state"] for a in t["flaky"]["attempts"]] == ["failed", "success"], t["flaky"]
assert t["flaky"]["attempts"][0]["exit_code"] == 3
assert t["hello"]["attempts"][0]["log"].endswith("/hello/attempt-1.log")
assert t["start"]["state"] == "success" and t["start"]["attempts"] == []
EOF

run "$INGOT" pipeline run broken
expect_rc 1
expect_out "run 2: failed"
run "$INGOT" pipeline status 2
expect_out "exit code 7"
expect_out "upstream_failed"
run "$INGOT" pipeline logs 2 a
expect_out "boom"
run "$INGOT" pipeline logs 2 c
expect_out "cleanup"

run "$INGOT" pipeline status
expect_rc 0
expect_out "demo"
expect_out "broken"
run "$INGOT" pipeline status demo
expect_no "broken"
run "$INGOT" pipeline list
expect_out "@daily"
run "$INGOT" pipeline list -o json
expect_out '"pipeline": "broken"'

# usage errors
run "$INGOT" pipeline run nosuch
expect_rc 2
expect_err "no pipeline 'nosuch'"
run "$INGOT" pipeline run demo --param nope=1
expect_rc 2
expect_err "has no param 'nope'"
run "$INGOT" pipeline run demo --logical-date yesterday
expect_rc 2
expect_err "not a date"
run "$INGOT" pipeline logs 1 hello --attempt 9
expect_rc 2
run "$INGOT" pipeline status 99
expect_out "no runs of '99'"
