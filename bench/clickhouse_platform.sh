#!/usr/bin/env bash
# bench/clickhouse_platform.sh [INGOT] — the reference platform (examples/ecommerce)
# on ClickHouse vs DuckDB, in one run, at SCALE (default 0.05).
#
# Sections (each a function, run in order by main at the bottom; a new
# section is a function plus one line there):
#   platform  one lake, two fresh warehouses (DuckDB, then chDB embedded:
#             target `ch`), time per layer: load, staging, marts (with
#             seeds and snapshots), tests; and the ratio ClickHouse / DuckDB.
# Needs chDB (scripts/bootstrap --chdb).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ingot=$(cd "$(dirname "${1:-$root/ingot}")" && pwd)/$(basename "${1:-$root/ingot}")
scale=${SCALE:-0.05}
[ -f "$root/third_party/chdb/lib/libchdb.so" ] ||
  { echo "bench/clickhouse.sh needs chDB: run scripts/bootstrap --chdb" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ingot-bench-ch-XXXXXX")
trap 'rm -rf "$work"' EXIT

secs() { # CMD...: wall seconds of CMD (its output discarded; a failure stops the bench)
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/last.log" 2>&1 || { echo "failed: $*" >&2; tail -20 "$work/last.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

platform() {
  cp -r "$root/examples/ecommerce" "$work/ex"
  cd "$work/ex"
  rm -rf lake target .ingot warehouse.*
  "$ingot" gen thelook --scale "$scale" --out lake --tables products,distribution_centers >/dev/null
  "$ingot" gen thelook --scale "$scale" --out lake --start 2019-01-01 --end 2025-12-31 >/dev/null
  declare -A t
  for eng in duckdb clickhouse; do
    if [ $eng = clickhouse ]; then export INGOT_TARGET=ch; else unset INGOT_TARGET; fi
    rm -rf target .ingot
    t[$eng.load]=$(secs "$ingot" load)
    t[$eng.staging]=$(secs "$ingot" run -s "path:models/staging")
    t[$eng.marts]=$(secs "$ingot" build --exclude "path:models/staging" --exclude "resource_type:test")
    t[$eng.tests]=$(secs "$ingot" test)
  done
  unset INGOT_TARGET
  printf '%-10s %10s %12s %8s\n' layer duckdb_s clickhouse_s ratio
  for l in load staging marts tests; do
    awk -v l=$l -v d="${t[duckdb.$l]}" -v c="${t[clickhouse.$l]}" \
      'BEGIN { printf "%-10s %10.2f %12.2f %7.2fx\n", l, d, c, (d > 0 ? c / d : 0) }'
  done
  cd "$root"
}

echo "== reference platform, scale $scale: ClickHouse (chDB embedded) vs DuckDB"
platform
