#!/usr/bin/env bash
# bench/transform.sh — dbt-style builds: (a) parse + compile time per node
# of a generated 2,000-model project (refs, Jinja loops, 3 tests per model;
# target <= 50 us per node), (b) `ingot build` of it on DuckDB against
# executing the very same statements directly through the DuckDB C API in
# one process (bench/transform_driver.c): overhead ratio target <= 1.10,
# (c) a no-change `ingot build` after a build (partial parsing and
# state-aware reuse: target <= 10 us per node).
#
#   bench/transform.sh [NMODELS]     (default 2000; run from the repo root)
#
# (d) with DBT_UTILS=<a dbt-utils checkout> (e.g. 1.4.1; fetched by whoever
# runs this, never part of this repository, so not in CI): parse and
# compile of every node of its integration_tests on DuckDB, µs per node,
# next to (a). Seeds are loaded first (not timed): its models query them
# while compiling.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
ingot=${INGOT:-$root/ingot}
N=${1:-2000}
[ -x "$ingot" ] || { echo "build ingot first (make), or set INGOT=path"; exit 1; }
w=$(mktemp -d /tmp/ingot-bench-tf-XXXXXX)
trap 'rm -rf "$w"' EXIT

# ---- the generated project
p=$w/proj
mkdir -p "$p/models"
cat > "$p/dbt_project.yml" <<YML
name: benchproj
version: "1.0"
config-version: 2
profile: benchproj
YML
cat > "$p/profiles.yml" <<YML
benchproj:
  target: dev
  outputs:
    dev: {type: duckdb, path: "$w/ingot.duckdb", schema: main, threads: 1}
YML
{
  echo "version: 2"
  echo "models:"
  for ((i = 0; i < N; i++)); do
    printf '  - name: m%d\n    columns:\n      - name: id\n        tests: [unique, not_null]\n      - name: a\n        tests: [not_null]\n' "$i"
  done
} > "$p/models/schema.yml"
printf "select range as id, range as a, range * 2 as b, range * 3 as c from range(100)\n" > "$p/models/m0.sql"
for ((i = 1; i < N; i++)); do
  mat=view; (( i % 10 == 0 )) && mat=table
  cat > "$p/models/m$i.sql" <<SQL
{{ config(materialized='$mat') }}
{% set cols = ['a', 'b', 'c'] %}
select
    id,
    {% for c in cols -%}
    {{ c }} + {{ loop.index }} as {{ c }}{{ "," if not loop.last }}
    {% endfor %}
from {{ ref('m$((i - 1))') }}
SQL
done
nodes=$((N * 4))

# ---- (a) parse + compile
cd "$p"
best() { printf '%s\n' "$@" | sort -g | head -1; }
ct=()
cpu=()
for r in 1 2 3; do
  t0=$(date +%s.%N)
  # cold: no partial parse cache (target/partial_parse.json) is used
  /usr/bin/time -f "%U %S" -o "$w/cpu.$r" "$ingot" compile -q --no-partial-parse >/dev/null
  t1=$(date +%s.%N)
  ct+=("$(echo "$t1 - $t0" | bc -l)")
  cpu+=("$(awk '{print $1 + $2}' "$w/cpu.$r")")
done
compile_s=$(best "${ct[@]}")
cpu_s=$(best "${cpu[@]}")
us_node=$(echo "$compile_s * 1000000 / $nodes" | bc -l)
us_model=$(echo "$compile_s * 1000000 / $N" | bc -l)
printf "(a) parse+compile (best of 3): %d models + %d tests = %d nodes in %.3fs: %.1f us/node (%.1f us/model; target <= 50 us/node; dbt-core's published 22-36 ms/model)\n" \
  "$N" $((N * 3)) "$nodes" "$compile_s" "$us_node" "$us_model"
printf "    CPU time (user+sys, best of 3): %.3fs: %.1f us/node\n" "$cpu_s" "$(echo "$cpu_s * 1000000 / $nodes" | bc -l)"

# ---- (b) build vs the same statements through the C API (best of 3 each,
# fresh database each time, whole-process wall time for both — open,
# statements, close; target/ is kept, as between a user's builds)
bt=()
for r in 1 2 3; do
  rm -f "$w/ingot.duckdb" "$w/ingot.duckdb.wal"
  t0=$(date +%s.%N)
  "$ingot" build --threads 1 -q >/dev/null
  t1=$(date +%s.%N)
  bt+=("$(echo "$t1 - $t0" | bc -l)")
done
build_s=$(best "${bt[@]}")
# the statements ingot ran, in its execution order (models by index, then tests)
{
  for ((i = 0; i < N; i++)); do echo "$p/target/run/benchproj/models/m$i.sql"; done
  find "$p/target/run/benchproj/models/schema.yml" -name '*.sql' | sort
} > "$w/list.txt"
cc -O2 -o "$w/driver" "$root/bench/transform_driver.c" -I"$root/third_party/duckdb/include" \
  -L"$root/third_party/duckdb/lib" -lduckdb -Wl,-rpath,"$root/third_party/duckdb/lib"
dt=()
for r in 1 2 3; do
  rm -rf "$w/direct"; mkdir -p "$w/direct"
  t0=$(date +%s.%N)
  read -r _ nstmt < <("$w/driver" "$w/direct/ingot.duckdb" "$w/list.txt")
  t1=$(date +%s.%N)
  dt+=("$(echo "$t1 - $t0" | bc -l)")   # whole process, as for ingot
done
direct_s=$(best "${dt[@]}")
ratio=$(echo "$build_s / $direct_s" | bc -l)
printf "(b) ingot build (1 thread, best of 3): %.3fs; the same %d statements via the DuckDB C API (best of 3): %.3fs; overhead ratio %.3f (target <= 1.10)\n" \
  "$build_s" "$nstmt" "$direct_s" "$ratio"
rm -f "$w/ingot.duckdb" "$w/ingot.duckdb.wal"
t0=$(date +%s.%N)
"$ingot" build -q --threads 4 >/dev/null
t1=$(date +%s.%N)
printf "    ingot build with 4 threads: %.3fs (ratio %.3f vs the one-connection C driver)\n" \
  "$(echo "$t1 - $t0" | bc -l)" "$(echo "($t1 - $t0) / $direct_s" | bc -l)"

# ---- (c) no-change build: the project and the warehouse as the last
# build left them (partial parse cache warm, every node reusable)
"$ingot" build -q --threads 4 >/dev/null || true
nc=()
ncpu=()
for r in 1 2 3; do
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$w/nccpu.$r" "$ingot" build -q --threads 4 >/dev/null
  t1=$(date +%s.%N)
  nc+=("$(echo "$t1 - $t0" | bc -l)")
  ncpu+=("$(awk '{print $1 + $2}' "$w/nccpu.$r")")
done
nc_s=$(best "${nc[@]}")
ncpu_s=$(best "${ncpu[@]}")
printf "(c) no-change ingot build (best of 3): %.3fs: %.1f us/node (target <= 10 us/node); CPU %.3fs: %.1f us/node\n" \
  "$nc_s" "$(echo "$nc_s * 1000000 / $nodes" | bc -l)" "$ncpu_s" "$(echo "$ncpu_s * 1000000 / $nodes" | bc -l)"

# ---- (d) the dbt-utils integration suite, when given
if [ -n "${DBT_UTILS:-}" ]; then
  du=$w/dbt_utils_suite
  cp -a "$DBT_UTILS/integration_tests" "$du"
  mkdir -p "$du/dbt_packages/dbt_utils"
  (cd "$DBT_UTILS" && tar --exclude=./integration_tests --exclude=./.git -cf - .) |
    tar -xf - -C "$du/dbt_packages/dbt_utils"
  cat > "$du/profiles.yml" <<YML
integration_tests:
  target: duckdb
  outputs:
    duckdb: {type: duckdb, path: "$du/bench_suite.duckdb", schema: integration_tests, threads: 1}
YML
  cd "$du"
  "$ingot" seed --profiles-dir . -q >/dev/null 2>&1 || true
  pt=(); ct=()
  for r in 1 2 3; do
    t0=$(date +%s.%N); "$ingot" parse --profiles-dir . >/dev/null 2>&1; t1=$(date +%s.%N)
    pt+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(date +%s.%N); "$ingot" compile --profiles-dir . -q >/dev/null 2>&1 || true; t1=$(date +%s.%N)
    ct+=("$(echo "$t1 - $t0" | bc -l)")
  done
  dn=$(python3 -c 'import json; m = json.load(open("target/manifest.json")); print(len(m["nodes"]))')
  parse_s=$(best "${pt[@]}"); dcomp_s=$(best "${ct[@]}")
  printf "(d) dbt-utils integration_tests (%d nodes, DuckDB): parse %.3fs = %.1f us/node; parse+compile %.3fs = %.1f us/node (synthetic project: %.1f us/node)\n" \
    "$dn" "$parse_s" "$(echo "$parse_s * 1000000 / $dn" | bc -l)" "$dcomp_s" \
    "$(echo "$dcomp_s * 1000000 / $dn" | bc -l)" "$us_node"
fi
