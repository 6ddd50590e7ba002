#!/usr/bin/env bash
# tests/run-all.sh UNIT_BINARY INGOT_BINARY — every test suite, one summary.
#
# Starts a throwaway PostgreSQL (tests/lib/pg.sh) and a two-shard ClickHouse
# (tests/lib/clickhouse.sh) for the suites that need them, runs the C unit tests, then each CLI script tests/cli/t*.sh (exit 0
# pass, anything else fail), and ends with the line "N passed, N failed".
# INGOT_TEST_FILTER=pattern runs only CLI scripts whose name matches.
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

passed=0 failed=0
failures=()

echo "== unit tests"
out=$(mktemp)
"$unit" 2>&1 | tee "$out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
if [ -n "$line" ]; then
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("unit tests: $f failed")
else
  failed=$((failed + 1)); failures+=("unit test runner crashed")
fi
rm -f "$out"

echo "== CLI tests"
for t in "$here"/cli/t*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  if [ -n "${INGOT_TEST_FILTER:-}" ] && [[ "$name" != *"$INGOT_TEST_FILTER"* ]]; then continue; fi
  log=$(mktemp)
  start=$(date +%s)
  if (cd "$here/cli" && timeout 900 bash "$t") >"$log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name ($(( $(date +%s) - start ))s)"
  else
    failed=$((failed + 1)); failures+=("$name")
    echo "FAIL $name"; sed 's/^/    /' "$log" | tail -40
  fi
  rm -f "$log"
done

if [ ${#failures[@]} -gt 0 ]; then
  echo "== failures"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
