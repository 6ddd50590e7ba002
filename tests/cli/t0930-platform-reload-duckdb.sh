#!/usr/bin/env bash
# t0930: a running scheduler picks up an edited dbt_project.yml (a var) for
# its next run without a restart; a broken dbt_project.yml is logged with
# its file:line:col and the runs go on with the version loaded before; the
# fix is picked up. A model's properties file (models/*.yml) counts too.
. ./lib.sh
mkdir -p models pipelines
write_project() {
  cat > dbt_project.yml <<EOF
name: reload
profile: reload
vars:
  x: $1
EOF
}
write_project old
engine_profile duckdb reload > profiles.yml
cat > models/mart.sql <<'EOF'
{{ config(materialized='table') }}
select '{{ var("x") }}' as v
EOF
# the scheduler holds the warehouse: a sql task copies the mart out. The
# gate holds a run until ./go exists, so that dbt_project.yml can be broken
# after the run was queued (every CLI command reads the project first).
cat > pipelines/p.yml <<EOF
pipeline: p
tasks:
  - {id: gate, shell: "touch '$PWD/waiting'; while [ ! -f '$PWD/go' ]; do sleep 0.1; done"}
  - {id: build, build: {select: mart}, depends_on: [gate]}
  - {id: out, sql: "copy (select v from main.mart) to 'mart.csv' (header false)", depends_on: [build]}
EOF
"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
grep -q "scheduler started" s.log || fail "scheduler did not start: $(cat s.log)"

# run N: queue a run, wait for it, and the mart's value must be $2
run_expect() {
  rm -f mart.csv; touch go
  run "$INGOT" pipeline run p --wait
  expect_rc 0
  expect_out "run $1: success"
  [ -f mart.csv ] || fail "run $1 wrote no mart.csv; scheduler log: $(cat s.log)"
  expect_eq "$(cat mart.csv)" "$2" "mart after run $1"
}

run_expect 1 old

# an edited var: the next run uses it
write_project new
run_expect 2 new
grep -q "project reloaded (.*dbt_project.yml changed" s.log || fail "no reload logged: $(cat s.log)"

# run N while dbt_project.yml is broken: queued with the good one, broken
# while the gate holds the run, and the mart's value must be $2
run_broken() {
  rm -f mart.csv go waiting
  [ "$1" -gt 3 ] || cp dbt_project.yml good.yml
  cp good.yml dbt_project.yml
  run "$INGOT" pipeline trigger p
  expect_rc 0
  for i in $(seq 100); do [ -f waiting ] && break; sleep 0.1; done
  [ -f waiting ] || fail "run $1 did not start: $(cat s.log)"
  printf 'name: reload\nprofile: reload\nvars: {x: [unclosed\n' > dbt_project.yml
  touch go
  for i in $(seq 300); do [ -s mart.csv ] && break; sleep 0.1; done
  [ -s mart.csv ] || fail "run $1 wrote no mart.csv; scheduler log: $(cat s.log)"
  expect_eq "$(cat mart.csv)" "$2" "mart after run $1 (broken project)"
}

# a broken dbt_project.yml: the run still works with the version before,
# the log names the place, once
run_broken 3 new
grep -Eq "dbt_project.yml:[0-9]+:[0-9]+" s.log || fail "no file:line:col in the log: $(cat s.log)"
grep -q "still using the version loaded before" s.log || fail "no fallback logged: $(cat s.log)"
expect_eq "$(grep -c 'does not load' s.log)" 1 "the broken version is logged once"
run_broken 4 new
# (run 4 restored the good file, then broke it again: a second change, a
# second message; the runs between two changes log nothing)
expect_eq "$(grep -c 'does not load' s.log)" 2 "one message per broken edit"

# fixed: picked up (the CLI reads the project again too)
write_project fixed
run_expect 5 fixed
run "$INGOT" pipeline status 3
expect_out "success"

# a properties file under models/ is part of the project: adding one reloads
cat > models/schema.yml <<'EOF'
version: 2
models:
  - name: mart
    description: the value of x
EOF
run_expect 6 fixed
grep -q "project reloaded (.*models/schema.yml changed" s.log || fail "schema.yml not noticed: $(cat s.log)"

# the same scheduler did all of it
kill -0 $S || fail "the scheduler died: $(cat s.log)"
expect_eq "$(grep -c 'scheduler started' s.log)" 1 "one scheduler start"
kill -TERM $S
wait $S || fail "scheduler exit status: $(cat s.log)"
