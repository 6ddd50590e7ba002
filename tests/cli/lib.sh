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
# (duckdb: ./warehouse.duckdb in the current directory; postgres: the test
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
    *) fail "engine_profile: unknown engine $engine" ;;
  esac
}
