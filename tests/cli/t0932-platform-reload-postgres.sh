#!/usr/bin/env bash
# t0932: on PostgreSQL (where other processes may read while the scheduler
# runs), an edited var reaches the next run of a running scheduler, and the
# sql tasks of several runs share pooled connections: one backend serves
# them (the pool keeps it between runs).
. ./lib.sh
mkdir -p models pipelines
write_project() {
  cat > dbt_project.yml <<EOF
name: reloadpg
profile: reloadpg
vars:
  x: $1
EOF
}
write_project old
pg_profile t0932 reloadpg > profiles.yml
"$INGOT" show --limit -1 --inline "drop schema if exists t0932 cascade" >/dev/null
"$INGOT" show --limit -1 --inline "create schema t0932" >/dev/null
"$INGOT" show --limit -1 --inline "create table t0932.backends (run int, pid int)" >/dev/null
cat > models/mart.sql <<'EOF'
{{ config(materialized='table') }}
select '{{ var("x") }}' as v
EOF
cat > pipelines/p.yml <<'EOF'
pipeline: p
tasks:
  - {id: build, build: {select: mart}}
  - {id: note, sql: "insert into t0932.backends select {{ params.n }}, pg_backend_pid()", depends_on: [build]}
params: {n: 0}
EOF
"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
grep -q "scheduler started" s.log || fail "scheduler did not start: $(cat s.log)"

run "$INGOT" pipeline run p --param n=1 --wait
expect_rc 0
expect_out "run 1: success"
expect_q "select v from t0932.mart" "old"

write_project new
run "$INGOT" pipeline run p --param n=2 --wait
expect_rc 0
expect_out "run 2: success"
expect_q "select v from t0932.mart" "new"
grep -q "project reloaded (.*dbt_project.yml changed" s.log || fail "no reload logged: $(cat s.log)"

run "$INGOT" pipeline run p --param n=3 --wait
expect_rc 0
expect_q "select count(*), count(distinct pid) from t0932.backends" "3,1"
kill -TERM $S
wait $S || fail "scheduler exit status: $(cat s.log)"
"$INGOT" show --limit -1 --inline "drop schema if exists t0932 cascade" >/dev/null
