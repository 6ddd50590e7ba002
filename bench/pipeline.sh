#!/usr/bin/env bash
# bench/pipeline.sh [INGOT] — the reference platform end to end against the
# raw engine floor, at each scale in SCALES (default "1 10"), in one run.
#
#   ingot:  `ingot pipeline run ecommerce_elt --wait` on a fresh embedded
#           warehouse: the seven lake loads (typed, checked, rejects kept,
#           manifest), then dbt build (seeds, 11 models, the snapshot, 56
#           tests), orchestrated, with state and artifacts written.
#   floor:  the least any tool must do for the same result: the same loads
#           with DuckDB's own read_csv and explicit column types, then the
#           very statements ingot executed (target/run, in execution order)
#           run through the DuckDB C API in one process, one connection
#           (bench/transform_driver.c).
# Both are timed as whole processes (wall, peak RSS) with /usr/bin/time.
# Target: ingot at most 0.8x the floor at scale 10. Disk: scale 10 needs
# about 10 GB in $TMPDIR while it runs; everything is deleted afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ingot=$(cd "$(dirname "${1:-$root/ingot}")" && pwd)/$(basename "${1:-$root/ingot}")
scales=${SCALES:-1 10}
ex=$root/examples/ecommerce
[ -x /usr/bin/time ] || { echo "bench/pipeline.sh needs /usr/bin/time (Debian package time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench/pipeline.sh needs jq" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ingot-bench-pipeline-XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/driver" "$root/bench/transform_driver.c" -I"$root/third_party/duckdb/include" \
  -L"$root/third_party/duckdb/lib" -lduckdb -Wl,-rpath,"$root/third_party/duckdb/lib"

# read_csv column specs from the example's declared source columns
declare -A cols
table=""
while IFS= read -r line; do
  if [[ $line =~ ^\ *-\ name:\ ([a-z_]+)$ ]]; then table=${BASH_REMATCH[1]}; fi
  if [[ $line =~ \{name:\ ([a-z_]+),\ data_type:\ ([A-Z0-9]+)\} ]]; then
    c=${BASH_REMATCH[1]} t=${BASH_REMATCH[2]}
    case $t in INT64) t=BIGINT ;; FLOAT64) t=DOUBLE ;; STRING) t=VARCHAR ;; TIMESTAMP) t=TIMESTAMP ;; esac
    cols[$table]+="'$c': '$t', "
  fi
done < "$ex/models/sources.yml"

printf '%-6s %-7s %10s %10s %9s %12s\n' scale what seconds peak_MB ratio rows_loaded
for scale in $scales; do
  w=$work/s$scale
  mkdir -p "$w/p" "$w/floor"
  cp -r "$ex"/{dbt_project.yml,models,seeds,snapshots,tests,macros,pipelines} "$w/p/"
  "$ingot" gen thelook --scale "$scale" --out "$w/p/lake" -q >/dev/null
  rows=$(cat "$w/p/lake"/*/*.csv | wc -l)

  # ingot: the pipeline on a fresh warehouse
  (cd "$w/p" && /usr/bin/time -f "%e %M" -o "$w/t.ingot" "$ingot" pipeline run ecommerce_elt --wait -q >/dev/null)
  read -r it im < "$w/t.ingot"
  loaded=$(cd "$w/p" && "$ingot" show -q --limit -1 -o csv --inline "select sum(rows_loaded) from _ingot.loads" | sed -n 2p)

  # floor: read_csv loads + the statements ingot ran, in its order
  {
    printf 'create schema if not exists bronze;\n\ncreate schema if not exists main_silver;\n\n'
    printf 'create schema if not exists main_gold;\n\ncreate schema if not exists main_reference;\n\n'
    printf 'create schema if not exists snapshots;\n\n'
    for t in "${!cols[@]}"; do
      spec=${cols[$t]}
      printf "create table bronze.%s as select * from read_csv('%s/p/lake/%s/%s_*.csv', header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {%s});\n\n" \
        "$t" "$w" "$t" "$t" "${spec%, }"
    done
    for s in "$w/p/seeds"/*.csv; do
      n=$(basename "$s" .csv)
      printf "create table main_reference.%s as select * from read_csv('%s', header = true);\n\n" "$n" "$s"
    done
  } > "$w/floor/load.sql"
  # the statements in the order ingot started them (run_results.json; a
  # node starts only once what it reads is built). Not the files' mtimes:
  # they have the kernel's coarse clock, so a model and the test run just
  # after it can tie, and a tie sorted by name put "_marts.yml/..." tests
  # before the model they read.
  { echo "$w/floor/load.sql"
    (cd "$w/p" && jq -r --slurpfile m target/manifest.json '
      .results | sort_by(.timing[] | select(.name == "execute") | .started_at) | .[]
      | .unique_id as $u | ($m[0].nodes[$u] // empty)
      | "target/run/\(.package_name)/\(.original_file_path)"
        + (if (.original_file_path | test("\\.ya?ml$")) then "/\(.path)" else "" end)
      | select(endswith(".sql"))' target/run_results.json) |
      while read -r f; do [ ! -f "$w/p/$f" ] || echo "$w/p/$f"; done; } > "$w/floor/list.txt"
  (cd "$w/floor" && /usr/bin/time -f "%e %M" -o "$w/t.floor" "$work/driver" warehouse.duckdb list.txt >/dev/null)
  read -r ft fm < "$w/t.floor"

  ratio=$(echo "$it / $ft" | bc -l)
  printf '%-6s %-7s %10.2f %10.0f %9s %12s\n' "$scale" ingot "$it" "$((im / 1024))" "" "$loaded"
  printf '%-6s %-7s %10.2f %10.0f %9.2f %12s\n' "$scale" floor "$ft" "$((fm / 1024))" "$ratio" "$((rows - 7))"
  rm -rf "$w"
done
echo "ratio = ingot / floor (target at scale 10: <= 0.80); rows: data rows in the lake files"
