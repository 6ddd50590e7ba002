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
