#!/usr/bin/env bash
# t0931: profiles.yml points the target at another DuckDB file while the
# scheduler runs: the next run builds into the new file, and the scheduler
# lets go of the old one (another process can open it) without a restart.
. ./lib.sh
mkdir -p models pipelines one
cat > dbt_project.yml <<'EOF'
name: switch
profile: switch
EOF
profile() { # FILE
  cat <<EOF
switch:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "$PWD/$1"
      threads: 1
EOF
}
profile w1.duckdb > profiles.yml
profile w1.duckdb > one/profiles.yml
# FILE is write-locked by some process (DuckDB holds an fcntl lock on the
# whole file while it has it open; a command would hand off rather than
# fail, so ask the lock itself)
locked() {
  python3 -c 'import fcntl, sys
f = open(sys.argv[1], "r+b")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}
cat > models/mart.sql <<'EOF'
{{ config(materialized='table') }}
select '{{ target.path.split("/")[-1] }}' as built_in
EOF
cat > pipelines/p.yml <<'EOF'
pipeline: p
tasks:
  - {id: build, build: {select: mart}}
EOF
"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
grep -q "scheduler started" s.log || fail "scheduler did not start: $(cat s.log)"

run "$INGOT" pipeline run p --wait
expect_rc 0
expect_out "run 1: success"
# the scheduler holds w1; a query hands off to it
locked w1.duckdb || fail "the scheduler does not hold w1.duckdb"
run "$INGOT" show --profiles-dir one -o csv --inline "select built_in from main.mart"
expect_rc 0
expect_out "w1.duckdb"
grep -q "running for pid .*show --profiles-dir one" s.log || fail "not handed off: $(cat s.log)"

profile w2.duckdb > profiles.yml
run "$INGOT" pipeline run p --wait
expect_rc 0
expect_out "run 2: success"
grep -q "project reloaded (.*profiles.yml changed" s.log || fail "no reload logged: $(cat s.log)"
kill -0 $S || fail "the scheduler died: $(cat s.log)"
# the old file was let go when its last user was done: unlocked now, and
# readable with the first run's mart
locked w1.duckdb && fail "the scheduler still holds w1.duckdb"
expect_q_one() { # PROFILES_DIR WANT
  "$INGOT" show --profiles-dir "$1" -o csv --inline "select built_in from main.mart" >q.out 2>q.err ||
    fail "query in $1 failed: $(cat q.err)"
  expect_eq "$(tail -n +2 q.out)" "$2" "mart in $1"
}
expect_q_one one w1.duckdb
kill -TERM $S
wait $S || fail "scheduler exit status: $(cat s.log)"
# the second run built into the new file
expect_q_one . w2.duckdb
