#!/usr/bin/env bash
# bench/wh_append.sh [ROWS] — bulk append throughput (wh_append_batch) on
# DuckDB and PostgreSQL, against each engine inserting the same rows itself
# (INSERT ... SELECT over range/generate_series) in the same run.
#
# Builds bench/wh_append.c against $BUILD/libingot.a (make builds it) and
# starts a throwaway PostgreSQL (tests/lib/pg.sh). Prints one line per
# engine with rows/s and the ratio ours/engine (lower is better).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rows=${1:-1000000}
build=${BUILD:-build}
make -s BUILD="$build" "$build/libingot.a" >/dev/null
bin="$build/bench/wh_append"
mkdir -p "$build/bench"
flags=$(make -s -f - print-flags <<'MK'
include Makefile
print-flags: ; @echo $(ALL_CFLAGS) '|' $(LDLIBS)
MK
)
cflags=${flags%%|*}
ldlibs=${flags#*|}
# shellcheck disable=SC2086
${CC:-cc} $cflags -o "$bin" bench/wh_append.c "$build/libingot.a" $ldlibs \
  -Wl,-rpath,"$root/third_party/duckdb/lib"
"$bin" duckdb "$rows"
. tests/lib/pg.sh
pgdir=$(mktemp -d /tmp/ingot-pg-bench-XXXXXX)
trap 'pg_stop "$pgdir"' EXIT
if pg_start "$pgdir"; then
  "$bin" postgres "$rows"
else
  echo "postgres: server could not be started; skipped" >&2
fi
