#!/usr/bin/env bash
# t0950: `pipeline run` while a scheduler owns the project (and holds the
# DuckDB warehouse): the run goes to the scheduler and the client prints
# the same per-task summary and exits with the same code as a foreground
# run; Ctrl-C on the client cancels the run in the scheduler (exit 130, the
# run failed "cancelled", the task's processes gone); `pipeline cancel`
# does the same from another shell.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project basic duckdb
cat > models/order_totals.sql <<'EOF'
select status, count(*) as n from {{ source('raw', 'orders') }} group by status
EOF
mkdir -p pipelines
cat > pipelines/good.yml <<'EOF'
pipeline: good
tasks:
  - {id: load_orders, load: raw.orders}
  - {id: transform, build: {select: order_totals}, depends_on: [load_orders]}
  - {id: audit, sql: "create or replace table main.audit as select '{{ ds }}' as ds", depends_on: [transform]}
  - {id: done, shell: "echo done", depends_on: [audit]}
EOF
cat > pipelines/bad.yml <<'EOF'
pipeline: bad
tasks:
  - {id: first, sql: "select 1"}
  - {id: broken, shell: "echo about to fail; exit 3", depends_on: [first]}
  - {id: after, shell: "echo never", depends_on: [broken]}
  - {id: cleanup, shell: "echo cleanup", depends_on: [broken], trigger_rule: all_done}
EOF
cat > pipelines/slow.yml <<'EOF'
pipeline: slow
params: {tag: x}
tasks:
  - {id: nap, shell: "sleep 30 & echo $! > sleep-{{ params.tag }}.pid; wait", retries: 2}
  - {id: after, shell: "echo after", depends_on: [nap], trigger_rule: all_done}
EOF

# the summary without times, run ids as N
summary() { sed -E -e 's/^run [0-9]+:/run N:/' -e 's/ +[0-9.]+(ms|s|m|h)?$//' -e 's/ +-$//' "$1"; }

# ---- foreground (no scheduler): the reference output
run "$INGOT" pipeline run good --logical-date 2024-06-01
expect_rc 0
expect_out "run 1: success"
cp "$T/.out" fg-good.out
run "$INGOT" pipeline run bad
expect_rc 1
expect_out "run 2: failed"
cp "$T/.out" fg-bad.out
grep -q "broken  *failed" fg-bad.out || fail "foreground summary: $(cat fg-bad.out)"

# ---- a scheduler owns the project
"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
C=
cleanup() {
  kill -9 $S 2>/dev/null || true
  [ -z "$C" ] || kill -9 $C 2>/dev/null || true
  for f in "$T"/p/sleep-*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
grep -q "scheduler started" s.log || fail "scheduler did not start: $(cat s.log)"

run "$INGOT" pipeline run good --logical-date 2024-06-02
expect_rc 0
expect_err "in the scheduler, pid $S"
expect_out "run 3: success"
expect_no "queued run"
[ "$(summary "$T/.out")" = "$(summary fg-good.out)" ] ||
  fail "summary through the scheduler differs:
$(summary "$T/.out")
--- foreground:
$(summary fg-good.out)"
# it really ran in the scheduler, which now holds the warehouse
grep -q "run good__manual__2024-06-02.*: running" s.log || fail "not run by the scheduler: $(cat s.log)"
run "$INGOT" pipeline status 3 -o json
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; assert r["owner"]["kind"]=="scheduler" and r["owner"]["pid"]==int(sys.argv[2]), r' "$T/.out" "$S" ||
  fail "run 3 owner: $OUT"

run "$INGOT" pipeline run bad
expect_rc 1
expect_out "run 4: failed"
[ "$(summary "$T/.out")" = "$(summary fg-bad.out)" ] ||
  fail "failed summary through the scheduler differs:
$(summary "$T/.out")
--- foreground:
$(summary fg-bad.out)"

# --no-wait queues and returns
run "$INGOT" pipeline run good --no-wait
expect_rc 0
expect_out "queued run 5"
for i in $(seq 100); do "$INGOT" pipeline status 5 | grep -q "state success" && break; sleep 0.1; done
run "$INGOT" pipeline status 5
expect_out "state success"
run "$INGOT" pipeline run good --wait --no-wait
expect_rc 2
expect_err "contradict"

# ---- Ctrl-C on the client cancels the run in the scheduler
# (a background job ignores SIGINT unless reset to the default)
env --default-signal=INT "$INGOT" pipeline run slow --param tag=c > c.out 2> c.err &
C=$!
for i in $(seq 100); do [ -f sleep-c.pid ] && break; sleep 0.1; done
[ -f sleep-c.pid ] || fail "slow task did not start: $(cat c.err) $(cat s.log)"
SLEEP=$(cat sleep-c.pid)
kill -0 "$SLEEP" || fail "sleep not running"
kill -INT $C
for i in $(seq 100); do kill -0 $C 2>/dev/null || break; sleep 0.1; done
kill -0 $C 2>/dev/null && fail "client still running 10s after Ctrl-C: $(cat c.err)"
set +e; wait $C; CRC=$?; set -e
C=
[ "$CRC" -eq 130 ] || fail "client exit $CRC after Ctrl-C, want 130: $(cat c.out) $(cat c.err)"
grep -q "run 6: failed (cancelled)" c.out || fail "client output: $(cat c.out)"
grep -q "nap  *failed" c.out || fail "client summary: $(cat c.out)"
run "$INGOT" pipeline status 6
expect_out "state failed"
expect_out "cancelled"
run "$INGOT" pipeline status 6 -o json
/usr/bin/python3 - "$T/.out" <<'EOF' || fail "run 6 after cancel: $OUT"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["state"] == "failed" and r["reason"] == "cancelled", r
t = {x["task"]: x for x in r["tasks"]}
assert t["nap"]["state"] == "failed" and len(t["nap"]["attempts"]) == 1, t["nap"]  # no retry
assert t["nap"]["attempts"][0]["error"] == "cancelled", t["nap"]
assert t["after"]["state"] == "skipped", t["after"]
EOF
for i in $(seq 50); do kill -0 "$SLEEP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SLEEP" 2>/dev/null && fail "the task's sleep ($SLEEP) survived the cancel"

# ---- `pipeline cancel` from another shell does the same
run "$INGOT" pipeline run slow --no-wait --param tag=d
expect_rc 0
expect_out "queued run 7"
for i in $(seq 100); do [ -f sleep-d.pid ] && break; sleep 0.1; done
[ -f sleep-d.pid ] || fail "slow task did not start: $(cat s.log)"
SLEEP=$(cat sleep-d.pid)
run timeout 20 "$INGOT" pipeline cancel 7
expect_rc 0
expect_out "run 7: failed (cancelled)"
run "$INGOT" pipeline status 7
expect_out "state failed"
expect_out "cancelled"
for i in $(seq 50); do kill -0 "$SLEEP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SLEEP" 2>/dev/null && fail "the task's sleep ($SLEEP) survived 'pipeline cancel'"
# an ended run has nothing to cancel; an unknown one is named
run "$INGOT" pipeline cancel 7
expect_rc 2
expect_err "run 7 has already ended (failed)"
run "$INGOT" pipeline cancel 99
expect_rc 2
expect_err "no run '99'"

# the scheduler goes on: a later run succeeds
run "$INGOT" pipeline run good
expect_rc 0
expect_out "run 8: success"
# the list shows each pipeline's last runs from the same history
run "$INGOT" pipeline list
expect_out "8 success"
run "$INGOT" pipeline list -o json
/usr/bin/python3 - "$T/.out" <<'EOF' || fail "pipeline list: $OUT"
import json, sys
p = {x["pipeline"]: x for x in json.load(open(sys.argv[1]))["pipelines"]}
assert p["good"]["last_run"]["id"] == 8 and p["good"]["last_run"]["state"] == "success", p["good"]
assert p["good"]["recent_states"] == ["success"] * 4, p["good"]
assert p["bad"]["recent_states"] == ["failed", "failed"], p["bad"]
assert (p["slow"]["last_run"]["id"], p["slow"]["last_run"]["state"]) == (7, "failed"), p["slow"]
EOF

kill -TERM $S
wait $S || fail "scheduler exit status: $(cat s.log)"

# no scheduler: a queued run is cancelled at once (nobody would run it)
run "$INGOT" pipeline trigger good
expect_out "queued run 9"
run "$INGOT" pipeline cancel 9
expect_rc 0
expect_out "run 9: failed (cancelled)"
run "$INGOT" pipeline status 9 -o json
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; assert r["state"]=="failed" and r["reason"]=="cancelled" and {t["state"] for t in r["tasks"]}=={"skipped"}, r' "$T/.out" ||
  fail "run 9 after cancel: $OUT"
