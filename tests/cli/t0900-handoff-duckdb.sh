#!/usr/bin/env bash
# t0900: a scheduler holds the DuckDB warehouse; load, build, test, run and
# show in another shell hand their work to it (.ingot/control.sock) with the
# same stdout, stderr and exit codes as without it; Ctrl-C on a handed-off
# build exits 130 and leaves the model as it was, the owner serving on; and
# a warehouse held by a process that does not listen is named, with its PID.
# The project sits under a path longer than an AF_UNIX address can hold.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project basic duckdb
LONG="$T/$(printf 'a-directory-name-of-forty-characters-%02d/' 1 2 3)"
mkdir -p "$LONG"
cd "$T"
mv p "$LONG/p"
cd "$LONG/p"
[ ${#PWD} -gt 110 ] || fail "project path too short for the test: $PWD"
engine_profile duckdb load_basic main > profiles.yml
cat > models/order_totals.sql <<'EOF'
select status, count(*) as n, '{{ env_var("T0900_WHO", "nobody") }}' as who
from {{ source('raw', 'orders') }} group by status
EOF
cat > models/bad.sql <<'EOF'
select no_such_column from {{ ref('order_totals') }}
EOF
cat > models/slow.sql <<'EOF'
{{ config(materialized='table') }}
select 1 as n
EOF
cat > models/schema.yml <<'EOF'
version: 2
models:
  - name: order_totals
    columns:
      - name: status
        tests: [not_null, unique]
EOF
mkdir -p pipelines
cat > pipelines/hold.yml <<'EOF'
pipeline: hold
tasks:
  - {id: load_orders, load: raw.orders}
EOF
export T0900_WHO=client
run "$INGOT" load
expect_rc 0
run "$INGOT" build -s order_totals slow
expect_rc 0

# the same commands, each once without and once with an owner
norm() { sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}  //; s/[0-9]+\.[0-9]+/N/g; s/ +/ /g' "$1"; }
golden() { # NAME CMD...: run and keep normalized stdout, stderr, exit code
  local name=$1; shift
  run "$@"
  { norm "$T/.out"; echo "--- stderr"; norm "$T/.err"; echo "--- rc $RC"; } > "$T/$name.$MODE"
}
commands() {
  golden load "$INGOT" load
  # --no-reuse: T0900_WHO differs between the modes, so the owner's build
  # would (rightly) rebuild what the local one reused
  golden build "$INGOT" build -s order_totals --threads 1 --no-reuse
  golden test "$INGOT" test --threads 1 --no-reuse
  golden bad "$INGOT" build -s bad
  golden vars "$INGOT" run -s order_totals --vars '{unclosed'
  golden show "$INGOT" show --inline "select status, n from main.order_totals order by status"
  golden showjson "$INGOT" show -o json --inline "select status, n from main.order_totals order by status"
  golden showerr "$INGOT" show --inline "select no_such_column from main.order_totals"
  golden help "$INGOT" build --help
}
MODE=local commands
grep -q -- "--- rc 1" "$T/bad.local" || fail "bad model: $(cat "$T/bad.local")"
grep -q -- "--- rc 2" "$T/vars.local" || fail "bad --vars: $(cat "$T/vars.local")"
grep -q -- "--- rc 1" "$T/showerr.local" || fail "bad query: $(cat "$T/showerr.local")"
grep -q "| shipped" "$T/show.local" || fail "show: $(cat "$T/show.local")"

"$INGOT" scheduler --grace 1 > "$T/s.log" 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" "$T/s.log" && break; sleep 0.1; done
[ "$(stat -c %a .ingot/control.sock)" = 600 ] || fail "socket mode $(stat -c %a .ingot/control.sock)"
# the scheduler opens the warehouse (a load task) and keeps it
run "$INGOT" pipeline trigger hold
expect_rc 0
for i in $(seq 100); do
  "$INGOT" pipeline status -o json 2>/dev/null | grep -q '"state": *"success"' && break; sleep 0.1
done
"$INGOT" pipeline status -o json | grep -q '"state": *"success"' || fail "hold run: $(cat "$T/s.log")"

export T0900_WHO=handed
MODE=owner commands
for g in load build test bad vars show showjson showerr help; do
  diff -u "$T/$g.local" "$T/$g.owner" > "$T/diff" || fail "$g differs through the owner: $(cat "$T/diff")"
done
# they ran in the scheduler, with the client's environment
[ "$(grep -c "running for pid" "$T/s.log")" -ge 8 ] || fail "not handed off: $(cat "$T/s.log")"
run "$INGOT" build -s order_totals
expect_rc 0

# Ctrl-C on a handed-off build: 130, the table as it was, the owner serves on
cat > models/slow.sql <<'EOF'
{{ config(materialized='table') }}
select count(*) + 7 - count(*) as n from range(300000) a cross join range(300000) b where a.range + b.range = 17
EOF
python3 -c 'import signal,os,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
  "$INGOT" build -s slow > "$T/b.log" 2>&1 &
P=$!
# the owner runs it (its log says so, the client shows the build's start)
for i in $(seq 200); do grep -q "START sql table model main.slow" "$T/b.log" && break; sleep 0.1; done
sleep 1
kill -INT "$P" 2>/dev/null || fail "build ended before Ctrl-C: $(cat "$T/b.log")"
set +e; wait "$P"; RC=$?; set -e
[ "$RC" -eq 130 ] || fail "Ctrl-C: exit $RC, want 130: $(cat "$T/b.log")"
grep -q "cancelled by Ctrl-C" "$T/b.log" || fail "Ctrl-C: no message: $(cat "$T/b.log"; tail -5 "$T/s.log")"
kill -0 $S || fail "the scheduler died: $(cat "$T/s.log")"
# SIGTERM on the client: the same, with SIGTERM's code
"$INGOT" build -s slow > "$T/b3.log" 2>&1 &
P=$!
for i in $(seq 200); do grep -q "START sql table model main.slow" "$T/b3.log" && break; sleep 0.1; done
kill -TERM "$P" 2>/dev/null || fail "build ended before SIGTERM: $(cat "$T/b3.log")"
set +e; wait "$P"; RC=$?; set -e
[ "$RC" -eq 143 ] || fail "SIGTERM: exit $RC, want 143: $(cat "$T/b3.log")"
grep -q "cancelled by SIGTERM" "$T/b3.log" || fail "SIGTERM: no message: $(cat "$T/b3.log")"
# a second Ctrl-C stops waiting at once, whatever the owner does (here:
# nothing, it is stopped); the owner then rolls back on its own
python3 -c 'import signal,os,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
  "$INGOT" build -s slow > "$T/b2.log" 2>&1 &
P=$!
for i in $(seq 200); do grep -q "START sql table model main.slow" "$T/b2.log" && break; sleep 0.1; done
kill -STOP $S
kill -INT "$P"
for i in $(seq 50); do grep -q "press Ctrl-C again" "$T/b2.log" && break; sleep 0.1; done
kill -INT "$P" 2>/dev/null || fail "the client ended after one Ctrl-C: $(cat "$T/b2.log")"
set +e; wait "$P"; RC=$?; set -e
kill -CONT $S
[ "$RC" -eq 130 ] || fail "second Ctrl-C: exit $RC, want 130: $(cat "$T/b2.log")"
grep -q "not waiting for the owner" "$T/b2.log" || fail "second Ctrl-C: $(cat "$T/b2.log")"
kill -0 $S || fail "the scheduler died: $(cat "$T/s.log")"
run "$INGOT" build -s order_totals --no-reuse
expect_rc 0
expect_out "OK created"

kill -TERM $S
wait $S || fail "scheduler exit status: $(cat "$T/s.log")"
[ ! -e .ingot/control.sock ] || fail "socket left behind"
# no owner: the model is what it was before the cancelled build
expect_q "select n from main.slow" "1"
expect_q "select distinct who from main.order_totals" "handed"

# a process that holds the file and does not listen is named. It takes the
# lock first (a builder racing it would make it fail to open the file):
# wait until the file is locked, starting the holder again if it lost.
locked() {
  python3 -c 'import fcntl, sys
f = open(sys.argv[1], "r+b")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    sys.exit(0)
sys.exit(1)' "$PWD/warehouse.duckdb"
}
start_holder() {
  "$INGOT" show --inline "select count(*) + 7 - count(*) as n from range(300000) a cross join range(300000) b where a.range + b.range = 17" > /dev/null 2>&1 &
  H=$!
}
start_holder
trap 'kill -9 $S $H 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 600); do
  locked && break
  kill -0 $H 2>/dev/null || start_holder
  sleep 0.1
done
locked || fail "the holder never took the warehouse's lock"
run "$INGOT" build -s order_totals
expect_rc 2
expect_err "is locked by process $H ("
expect_err " show --inline select count(*) + 7"
expect_err "Stop that process"
expect_no "Conflicting lock"
run "$INGOT" build -s order_totals -v
expect_err "Conflicting lock is held"
kill -9 $H
wait $H 2>/dev/null || true
