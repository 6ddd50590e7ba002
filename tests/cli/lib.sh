# tests/cli/lib.sh — helpers for black-box CLI tests (sourced by tNNNN-*.sh).
#
# Each script runs in its own scratch directory ($T) under set -e; a failed
# expectation prints what was expected and exits 1. $INGOT is the binary.
set -eu
INGOT=${INGOT_BIN:?run through tests/run-all.sh}
ROOT=${INGOT_ROOT:?}
T=$(mktemp -d /tmp/ingot-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }

# run CMD...: capture stdout/stderr/exit code into $OUT, $ERR, $RC
run() {
  set +e
  "$@" >"$T/.out" 2>"$T/.err"
  RC=$?
  set -e
  OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
}

expect_rc() { [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC; stdout: $OUT; stderr: $ERR"; }
expect_out() { grep -qF -- "$1" "$T/.out" || fail "stdout lacks '$1'; stdout: $OUT; stderr: $ERR"; }
expect_err() { grep -qF -- "$1" "$T/.err" || fail "stderr lacks '$1'; stderr: $ERR"; }
expect_no() { ! grep -qF -- "$1" "$T/.out" "$T/.err" || fail "output must not contain '$1'"; }

# A profiles.yml for the test PostgreSQL server, schema $1.
pg_profile() {
  [ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
  cat <<EOP
${2:-test}:
  target: pg
  outputs:
    pg:
      type: postgres
      host: "$INGOT_TEST_PGHOST"
      port: $INGOT_TEST_PGPORT
      user: "$INGOT_TEST_PGUSER"
      password: "s3cret-never-shown"
      dbname: "$INGOT_TEST_PGDATABASE"
      schema: "$1"
      threads: 2
EOP
}

# ---- queries and engines (the one copy of these helpers; do not redefine) ----

# q SQL: the rows of a query in the current project (`ingot show`), as CSV
# without the header. A query error fails the test.
q() {
  "$INGOT" show --limit -1 -o csv --inline "$1" >"$T/.q" 2>"$T/.qerr" ||
    fail "query failed: $1: $(cat "$T/.qerr")"
  tail -n +2 "$T/.q"
}
# qt TARGET SQL: as q, on the profile's target TARGET.
qt() {
  "$INGOT" show -t "$1" --limit -1 -o csv --inline "$2" >"$T/.q" 2>"$T/.qerr" ||
    fail "query on $1 failed: $2: $(cat "$T/.qerr")"
  tail -n +2 "$T/.q"
}
# q1 SQL: the first row of q.
q1() { q "$1" | head -1; }
# expect_eq GOT WANT WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"; }
# expect_q SQL WANT: the rows of SQL (newline-separated) must be WANT.
expect_q() {
  local got; got=$(q "$1")
  [ "$got" = "$2" ] || fail "query: $1
expected: $2
got: $got"
}

# engine_profile ENGINE PROFILE [SCHEMA]: a profiles.yml for ENGINE
# (duckdb: ./warehouse.duckdb in the current directory; clickhouse: chDB,
# ./warehouse.chdb, database SCHEMA; postgres: the test
# server, schema SCHEMA, default "main"). A suite that runs on both engines
# is written once and sourced by two thin scripts that set ENGINE
# (tNNNN-x-duckdb.sh, tNNNN-x-postgres.sh).
engine_profile() {
  local engine=$1 prof=$2 schema=${3:-main}
  case "$engine" in
    postgres) pg_profile "$schema" "$prof" ;;
    duckdb) cat <<EOP
$prof:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "$PWD/warehouse.duckdb"
      threads: 2
EOP
    ;;
    clickhouse) cat <<EOP
$prof:
  target: dev
  outputs:
    dev:
      type: clickhouse
      mode: embedded
      path: "$PWD/warehouse.chdb"
      schema: $schema
      threads: 1
EOP
    ;;
    *) fail "engine_profile: unknown engine $engine" ;;
  esac
}

# pg_pair PREFIX: two fresh databases on the PostgreSQL test server,
# $dba and $dbb (PREFIX_a_PID, PREFIX_b_PID), dropped on exit with $T;
# psql_ ARGS runs psql against the server; pgt NAME DBNAME THREADS prints
# one profiles.yml output (schema dx) for such a database.
pg_pair() {
  [ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
  dba=${1}_a_$$ dbb=${1}_b_$$
  local d
  for d in $dba $dbb; do
    psql_ -d "$INGOT_TEST_PGDATABASE" -c "drop database if exists $d" -c "create database $d" >/dev/null ||
      fail "create database $d"
  done
  trap 'for d in $dba $dbb; do psql_ -d "$INGOT_TEST_PGDATABASE" -c "drop database if exists $d with (force)" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
}
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" "$@"; }
pgt() {
  cat <<EOP
    $1:
      type: postgres
      host: "$INGOT_TEST_PGHOST"
      port: $INGOT_TEST_PGPORT
      user: "$INGOT_TEST_PGUSER"
      dbname: "$2"
      schema: dx
      threads: $3
EOP
}

# ---- the example project (examples/ecommerce), small ----
#
# example_project ENGINE SCHEMA: a fresh copy of examples/ecommerce in
# $T/ex, and cd there; no lake, target or warehouse yet. On PostgreSQL it
# targets the test server with schema SCHEMA (its layers SCHEMA_silver,
# SCHEMA_gold, SCHEMA_reference) and drops those and bronze, _ingot and
# snapshots first (drop=0 as a third argument keeps them: scripts/demo
# drops its own); on DuckDB it uses the project's own profile.
example_project() {
  local engine=$1 schema=$2 drop=${3:-1} s
  cp -r "$ROOT/examples/ecommerce" "$T/ex"
  cd "$T/ex"
  rm -rf lake target .ingot logs warehouse.duckdb*
  if [ "$engine" = postgres ]; then
    [ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
    export INGOT_TARGET=pg PGHOST=$INGOT_TEST_PGHOST PGPORT=$INGOT_TEST_PGPORT \
           PGUSER=$INGOT_TEST_PGUSER PGDATABASE=$INGOT_TEST_PGDATABASE INGOT_PG_SCHEMA=$schema
    if [ "$drop" = 1 ]; then
      for s in bronze _ingot snapshots "$schema" "${schema}_silver" "${schema}_gold" "${schema}_reference"; do
        "$INGOT" show -q --limit -1 --inline "drop schema if exists $s cascade" >/dev/null
      done
    fi
  else
    unset INGOT_TARGET
  fi
}

# example_lake SCALE START END: the generated lake in ./lake (the reference
# tables in full, the history from START to END) — what `ingot load` reads.
example_lake() {
  "$INGOT" gen thelook --scale "$1" --out lake --tables products,distribution_centers >/dev/null
  "$INGOT" gen thelook --scale "$1" --out lake --start "$2" --end "$3" >/dev/null
}

# example_small ENGINE SCHEMA SCALE START END: example_project, then
# example_lake, loaded and built (each must succeed).
example_small() {
  example_project "$1" "$2"
  example_lake "$3" "$4" "$5"
  run "$INGOT" load
  expect_rc 0
  run "$INGOT" build
  expect_rc 0
}

# chdb_or_skip NAME: exit 0 with "SKIP NAME" when this ingot cannot run
# ClickHouse embedded (chDB) because it is an AddressSanitizer build (it
# says so; libchdb.so is not instrumented). Any other failure is not a skip.
chdb_or_skip() {
  local d
  d=$(mktemp -d "$T/chdb-probe-XXXXXX")
  printf 'name: probe\nprofile: probe\n' > "$d/dbt_project.yml"
  printf 'probe:\n  target: dev\n  outputs:\n    dev:\n      type: clickhouse\n      path: wh.chdb\n' > "$d/profiles.yml"
  if (cd "$d" && "$INGOT" show --inline "select 1" 2>&1) | grep -q "cannot run in an AddressSanitizer build"; then
    echo "SKIP $1: chDB cannot run in an AddressSanitizer build (libchdb.so is not instrumented)"
    exit 0
  fi
}
