#!/usr/bin/env bash
# tests/run-all.sh UNIT_BINARY INGOT_BINARY — every test suite, one summary.
#
# Starts a throwaway PostgreSQL (tests/lib/pg.sh) and a two-shard ClickHouse
# (tests/lib/clickhouse.sh) for the suites that need them, runs the C unit
# tests and each CLI script tests/cli/t*.sh (exit 0 pass, anything else
# fail), and ends with the line "N passed, N failed".
# INGOT_TEST_FILTER=pattern runs only CLI scripts whose name matches;
# INGOT_TEST_SKIP_HEAVY=1 leaves out the scripts marked "# test: heavy"
# (a browser, or data at a scale where a sanitizer build takes minutes;
# CI's ASan step sets it, its make test runs them);
# INGOT_TEST_JOBS=N runs N CLI scripts at a time (default: the number of
# cores, at most 4; 1 runs them one by one, in name order).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
unit=$1
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
export INGOT_BIN=$bin INGOT_ROOT=$root

pgdir=$(mktemp -d /tmp/ingot-pg-XXXXXX)
. "$here/lib/pg.sh"
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX)
. "$here/lib/clickhouse.sh"
cleanup() { pg_stop "$pgdir"; ch_stop "$chdir"; }
trap cleanup EXIT
if ! pg_start "$pgdir"; then
  echo "run-all: PostgreSQL could not be started; PostgreSQL tests will fail" >&2
fi
if ! ch_start "$chdir"; then
  echo "run-all: ClickHouse could not be started; ClickHouse tests will fail" >&2
fi

passed=0 failed=0 skipped=0
failures=()
jobs=${INGOT_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le 4 ] || jobs=4

q=$(mktemp -d /tmp/ingot-queue-XXXXXX)
trap 'cleanup; rm -rf "$q"' EXIT
if [ -n "${INGOT_TEST_PGHOST:-}" ]; then
  for db in ingot_unit $(seq -f 'ingot_lane%g' 2 "$jobs"); do
    pg_createdb "$db" || echo "run-all: could not create database $db" >&2
  done
fi

# The C unit tests run alongside the CLI scripts (they mostly wait on
# timeouts and servers), in their own database, holding the ClickHouse
# cluster's lock; their output is printed when they end.
(
  [ -z "${INGOT_TEST_PGHOST:-}" ] || export INGOT_TEST_PGDATABASE=ingot_unit
  flock "$q/lock-clickhouse-server" "$unit"
) >"$q/unit.out" 2>&1 &
unitpid=$!

echo "== CLI tests ($jobs at a time)"
# A queue of scripts ($q/list), the slow ones (a line "# test: slow" or
# "# test: heavy") first so that no lane is left alone with a long one at
# the end; $jobs workers take the next one in turn ($q/next). Each worker
# has its own PostgreSQL database (schemas such as bronze and _ingot are
# per database) and holds its own lock while a script runs, or the lock a
# script names in a line "# test: lock NAME" (the ClickHouse tests share,
# stop and restart one cluster).
: >"$q/slow"; : >"$q/rest"
for t in "$here"/cli/t*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  if [ -n "${INGOT_TEST_FILTER:-}" ] && [[ "$name" != *"$INGOT_TEST_FILTER"* ]]; then continue; fi
  marks=$(grep '^# test: ' "$t")
  if [ -n "${INGOT_TEST_SKIP_HEAVY:-}" ] && [[ "$marks" == *"test: heavy"* ]]; then
    echo "skip $name (heavy: make test runs it)"; skipped=$((skipped + 1)); continue
  fi
  # a queue line: the script, a tab, the lock it names (or nothing)
  line=$t$'\t'$(sed -n 's/^# test: lock \([a-z0-9-]*\).*/\1/p' <<<"$marks" | head -1)
  if [ "$jobs" -gt 1 ] && [[ "$marks" == *"test: slow"* || "$marks" == *"test: heavy"* ]]; then
    echo "$line" >>"$q/slow"
  else
    echo "$line" >>"$q/rest"
  fi
done
cat "$q/slow" "$q/rest" >"$q/list"
echo 1 >"$q/next"
: >"$q/results"

next_script() { # the queue's next line (script<TAB>lock), or nothing
  local n
  exec {qfd}>"$q/lock"
  flock "$qfd"
  n=$(cat "$q/next"); echo $((n + 1)) >"$q/next"
  flock -u "$qfd"; exec {qfd}>&-
  sed -n "${n}p" "$q/list"
}
worker() { # LANE
  local lane=$1 line t name start rc lock
  if [ "$lane" -gt 1 ] && [ -n "${INGOT_TEST_PGHOST:-}" ]; then
    export INGOT_TEST_PGDATABASE=ingot_lane$lane
  fi
  while line=$(next_script) && [ -n "$line" ]; do
    IFS=$'\t' read -r t lock <<<"$line"
    name=$(basename "$t" .sh)
    start=$(date +%s)
    (cd "$here/cli" && flock "$q/lock-${lock:-lane$lane}" timeout 900 bash "$t") >"$q/$name.log" 2>&1; rc=$?
    {
      flock 9
      if [ $rc -eq 0 ]; then
        echo "ok $name" >>"$q/results"; echo "ok   $name ($(( $(date +%s) - start ))s)"
      else
        echo "FAIL $name" >>"$q/results"; echo "FAIL $name"; sed 's/^/    /' "$q/$name.log" | tail -40
      fi
    } 9>"$q/print"
    rm -f "$q/$name.log"
  done
}
pids=()
for lane in $(seq 1 "$jobs"); do worker "$lane" & pids+=($!); done
wait "${pids[@]}"
wait "$unitpid"
echo "== unit tests"
cat "$q/unit.out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$q/unit.out" | tail -1)
if [ -n "$line" ]; then
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("unit tests: $f failed")
else
  failed=$((failed + 1)); failures+=("unit test runner crashed")
fi
while read -r status name; do
  if [ "$status" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
done <"$q/results"

if [ ${#failures[@]} -gt 0 ]; then
  echo "== failures"; printf '  %s\n' "${failures[@]}"
fi
[ "$skipped" -eq 0 ] || echo "($skipped heavy scripts skipped: INGOT_TEST_SKIP_HEAVY)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
