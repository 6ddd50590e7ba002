#!/usr/bin/env bash
# t0705: the scheduler daemon — runs from `pipeline run` (followed) and
# `pipeline trigger`, reload when a pipeline file appears, scheduled runs
# (latest interval without catchup), SIGTERM drain that leaves the
# interrupted task to run again.
. ./lib.sh
mkdir -p pipelines
cat > pipelines/quick.yml <<'EOF'
pipeline: quick
tasks:
  - {id: a, shell: "echo a"}
  - {id: b, shell: "echo b {{ params.x }}", depends_on: [a]}
params: {x: default}
EOF
"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done

run "$INGOT" pipeline run quick --param x=given --wait
expect_rc 0
expect_err "in the scheduler, pid $S"
expect_out "run 1: success"
run "$INGOT" pipeline logs 1 b
expect_out "b given"

# a second scheduler is refused
run "$INGOT" scheduler
expect_rc 2
expect_err "a scheduler (pid $S) is running"

# a new scheduled file is picked up without a restart
cat > pipelines/every.yml <<'EOF'
pipeline: every
schedule: "* * * * *"
tasks: [{id: t, shell: "echo tick {{ data_interval_start }}"}]
EOF
for i in $(seq 100); do "$INGOT" pipeline status every | grep -q scheduled && break; sleep 0.1; done
run "$INGOT" pipeline status every
expect_out "scheduled"
grep -q "reloaded pipeline files" s.log || fail "no reload logged: $(cat s.log)"

# SIGHUP reloads too
kill -HUP $S
for i in $(seq 50); do grep -q "SIGHUP: reloading" s.log && break; sleep 0.1; done
grep -q "SIGHUP: reloading" s.log || fail "SIGHUP not handled: $(cat s.log)"

# SIGTERM while a task runs: it is stopped after the grace period and will run again
cat > pipelines/long.yml <<'EOF'
pipeline: long
tasks: [{id: l, shell: "touch running; sleep 30"}]
EOF
run "$INGOT" pipeline trigger long
expect_rc 0
for i in $(seq 100); do [ -f running ] && break; sleep 0.1; done
[ -f running ] || fail "long task did not start"
kill -TERM $S
wait $S || fail "scheduler exit status"
grep -q "draining" s.log || fail "no drain: $(cat s.log)"
RID=$("$INGOT" pipeline status long -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["id"])')
run "$INGOT" pipeline status "$RID"
expect_out "interrupted: the scheduler shut down"
expect_out "-> scheduled"
