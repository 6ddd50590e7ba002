#!/usr/bin/env bash
# t0704: kill -9 the scheduler in the middle of a run; on restart the
# interrupted attempt is recorded failed (zombie), its leftover process is
# killed, the retry runs and the run completes.
. ./lib.sh
mkdir -p pipelines
cat > pipelines/crash.yml <<'EOF'
pipeline: crash
tasks:
  - {id: first, shell: "true"}
  - id: slow
    depends_on: [first]
    retries: 2
    retry_delay: 100ms
    shell: 'echo $INGOT_ATTEMPT >> tries.txt; if [ "$INGOT_ATTEMPT" = 1 ]; then touch started; sleep 60; fi'
  - {id: last, shell: "echo done", depends_on: [slow]}
EOF
"$INGOT" scheduler --heartbeat 1 > s1.log 2>&1 &
S1=$!
S2=
trap 'kill -9 $S1 2>/dev/null || true; if [ -n "$S2" ]; then kill $S2 2>/dev/null || true; fi; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" s1.log && break; sleep 0.1; done
run "$INGOT" pipeline trigger crash
expect_rc 0
expect_out "queued run 1"
for i in $(seq 150); do [ -f started ] && break; sleep 0.1; done
[ -f started ] || fail "attempt 1 did not start: $(cat s1.log)"
kill -9 $S1
wait $S1 2>/dev/null || true
run "$INGOT" pipeline status 1 -o json
PGID=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t={x["task"]:x for x in d["runs"][0]["tasks"]}; a=t["slow"]["attempts"][0]; assert a["state"]=="running", a; print(a["pid"])' "$T/.out") \
  || fail "attempt not recorded running: $OUT"
kill -0 "$PGID" 2>/dev/null || fail "the task's process died with the scheduler"

"$INGOT" scheduler --heartbeat 1 > s2.log 2>&1 &
S2=$!
for i in $(seq 200); do
  "$INGOT" pipeline status 1 -o json 2>/dev/null | grep -q '"state": "success"' && \
    "$INGOT" pipeline status 1 | grep -q "state success" && break
  sleep 0.1
done
run "$INGOT" pipeline status 1
expect_out "state success"
expect_out "zombie: the process running this attempt is gone"
[ "$(tr '\n' ' ' < tries.txt)" = "1 2 " ] || fail "tries: $(cat tries.txt)"
grep -q "killed the leftover process group $PGID" s2.log || fail "leftover not killed: $(cat s2.log)"
! kill -0 "$PGID" 2>/dev/null || [ "$(awk '{print $3}' /proc/$PGID/stat 2>/dev/null)" = Z ] || fail "leftover still alive"
kill -TERM $S2
wait $S2 || fail "scheduler exit status"
S2=
grep -q "scheduler stopped" s2.log || fail "no clean stop: $(cat s2.log)"
