#!/usr/bin/env bash
# t0721: a foreground `pipeline run` killed with -9 does not stay "running":
# the run records its owner (pid, host, process start), and the next reader
# (`pipeline status`, `pipeline clear`, the next `pipeline run`, the
# scheduler) marks it failed with the reason, fails its attempt and kills
# the task's leftover process group. A live owner is never taken for dead;
# a reused pid is. `pipeline clear` then runs it again.
. ./lib.sh
mkdir -p pipelines
cat > pipelines/fg.yml <<'EOF2'
pipeline: fg
tasks:
  - {id: first, shell: "true"}
  - id: slow
    depends_on: [first]
    shell: 'echo $INGOT_ATTEMPT >> tries.txt; if [ "$INGOT_ATTEMPT" = 1 ]; then touch started; sleep 60; fi'
  - {id: last, shell: "echo done", depends_on: [slow]}
EOF2
cat > pipelines/quick.yml <<'EOF2'
pipeline: quick
tasks: [{id: a, shell: "true"}]
EOF2
sq() { /usr/bin/python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1]); r = c.execute(sys.argv[2]).fetchall(); c.commit()
print("\n".join("|".join(map(str, x)) for x in r))' .ingot/state.db "$1"; }
P=
trap 'if [ -n "$P" ]; then kill -9 $P 2>/dev/null || true; fi; rm -rf "$T"' EXIT

# start a foreground run, kill -9 it while `slow` sleeps: $1 = expected run id
start_and_kill() {
  rm -f started
  "$INGOT" pipeline run fg > fg.log 2>&1 &
  P=$!
  for i in $(seq 150); do [ -f started ] && break; sleep 0.1; done
  [ -f started ] || fail "attempt 1 did not start: $(cat fg.log)"
  expect_eq "$(sq "SELECT state, owner_kind, owner_pid FROM runs WHERE id=$1")" "running|foreground|$P" "owner recorded"
  PGID=$(sq "SELECT pid FROM attempts WHERE run=$1 AND task='slow'")
  kill -0 "$PGID" || fail "no task process"
  kill -9 $P
  wait $P 2>/dev/null || true
  P=
  kill -0 "$PGID" 2>/dev/null || fail "the task's process group died with its parent (test premise)"
}

# 1. `pipeline status` finds it
start_and_kill 1
run "$INGOT" pipeline status 1
expect_rc 0
expect_out "state failed"
expect_out "interrupted: the 'ingot pipeline run' process running it (pid"
expect_out "is gone; 'ingot pipeline clear 1' runs it again"
expect_err "killed the leftover process group $PGID"
! kill -0 "$PGID" 2>/dev/null || [ "$(awk '{print $3}' /proc/$PGID/stat 2>/dev/null)" = Z ] || fail "leftover still alive"
expect_eq "$(sq "SELECT task, state FROM tasks WHERE run=1 ORDER BY rowid")" "first|success
slow|failed
last|queued" "task states"
expect_eq "$(sq "SELECT state, error LIKE 'interrupted: %' FROM attempts WHERE run=1 AND task='slow'")" "failed|1" "attempt"
run "$INGOT" pipeline status 1 -o json
/usr/bin/python3 - "$T/.out" "$(hostname)" <<'EOF2' || fail "status json: $OUT"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["state"] == "failed" and r["reason"].startswith("interrupted: "), r
o = r["owner"]
assert o["kind"] == "foreground" and o["host"] == sys.argv[2] and o["gone"] is True, o
EOF2

# clear runs the interrupted task and the one that never started
run "$INGOT" pipeline clear 1 --failed-only
expect_rc 0
expect_out "run 1: success"
expect_eq "$(tr '\n' ' ' < tries.txt)" "1 2 " "tries"

# 2. the next foreground `pipeline run` (of another pipeline) finds it
start_and_kill 2
run "$INGOT" pipeline run quick
expect_rc 0
expect_err "interrupted: the 'ingot pipeline run' process running it"
expect_eq "$(sq "SELECT state FROM runs WHERE id=2")" "failed" "reaped by the next run"

# 3. the scheduler finds it, and does not replay it
start_and_kill 4
"$INGOT" scheduler > s.log 2>&1 &
P=$!
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
grep -q "scheduler started" s.log || fail "scheduler: $(cat s.log)"
expect_eq "$(sq "SELECT state FROM runs WHERE id=4")" "failed" "reaped by the scheduler"
kill -TERM $P; wait $P || fail "scheduler exit status"
P=
grep -q "interrupted: the 'ingot pipeline run' process" s.log || fail "no reason logged: $(cat s.log)"
expect_eq "$(sq "SELECT count(*) FROM attempts WHERE run=4 AND task='slow'")" "1" "not replayed"

# 4. a live owner stays running; a reused pid (same pid, other start) does not
BOOT=$(cat /proc/sys/kernel/random/boot_id)
ME=$(cut -d' ' -f22 /proc/$$/stat)
sq "UPDATE runs SET state='running', ended_at=NULL, owner_pid=$$, owner_host='$(hostname)', owner_start='$BOOT:$ME' WHERE id=3" >/dev/null
run "$INGOT" pipeline status 3
expect_out "state running"
sq "UPDATE runs SET owner_start='$BOOT:1' WHERE id=3" >/dev/null
run "$INGOT" pipeline status 3
expect_out "state failed"
expect_out "pid $$ on $(hostname)"
# an owner on another host cannot be judged: left as it is
sq "UPDATE runs SET state='running', owner_host='elsewhere.example' WHERE id=3" >/dev/null
run "$INGOT" pipeline status 3
expect_out "state running"
