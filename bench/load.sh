#!/usr/bin/env bash
# bench/load.sh — `ingot load` against the engines' own CSV loaders.
#
#   bench/load.sh [INGOT_BINARY]      SCALE=10 (default) REPEAT=3
#
# Data: `ingot gen thelook --scale $SCALE` order_items (scale 10: about 1.85 M
# rows, 200 MB), one file. In one run it measures, best of $REPEAT:
#   DuckDB:     ingot load (truncate: new relation + swap, every field
#               converted and checked, manifest with SHA-256)
#               vs  CREATE TABLE AS SELECT * FROM read_csv(... the same explicit
#               column types ...) into a table in the same kind of database
#               file (a fresh one per run, as ingot's)
#   PostgreSQL: ingot load vs psql \copy (CSV) into the same logged table
#               definition, on a throwaway server (tests/lib/pg.sh)
#   memory:     peak RSS of the PostgreSQL path at scale/10 and at scale
#               (it must stay < 200 MB and not grow with the file)
# and prints the ratios (>1 means ingot is faster). Everything is written
# under a temporary directory that is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
INGOT=$(cd "$(dirname "${1:-$root/ingot}")" && pwd)/$(basename "${1:-$root/ingot}")
SCALE=${SCALE:-10}
REPEAT=${REPEAT:-3}
work=$(mktemp -d /tmp/ingot-bench-load-XXXXXX)
pgdir=$(mktemp -d /tmp/ingot-pg-XXXXXX)
. "$root/tests/lib/pg.sh"
cleanup() { pg_stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$work" "$pgdir"; }
trap cleanup EXIT

now() { date +%s.%N; }
# best_of CMD...: the fastest wall time of $REPEAT runs, in seconds
best_of() {
  local best="" t0 t1 d
  for _ in $(seq 1 "$REPEAT"); do
    t0=$(now); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; return 1; }; t1=$(now)
    d=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
  done
  printf '%.3f' "$best"
}
peak_kb() { # peak RSS of one run, KB
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>&1
  cat "$work/rss"
}

echo "generating thelook order_items at scale $SCALE ..."
"$INGOT" gen thelook --scale "$SCALE" --tables order_items --out "$work/lake" -q
csv=$work/lake/order_items/order_items_0001.csv
rows=$(($(wc -l < "$csv") - 1))
mb=$(echo "$(wc -c < "$csv") / 1048576" | bc -l)
printf 'file: %d rows, %.0f MB\n' "$rows" "$mb"

mkproject() { # DIR PROFILE_BODY
  mkdir -p "$1/models"
  printf 'name: bench\nprofile: bench\nmodel-paths: ["models"]\n' > "$1/dbt_project.yml"
  sed 's/write_disposition: append/write_disposition: truncate/' \
    "$root/tests/fixtures/load/thelook/models/sources.yml" > "$1/models/sources.yml"
  printf '%s\n' "$2" > "$1/profiles.yml"
}

# ---- DuckDB ----
mkproject "$work/duck" "bench:
  target: dev
  outputs:
    dev: {type: duckdb, path: \"$work/duck/ingot.duckdb\", threads: 2}"
mkproject "$work/duckref" "bench:
  target: dev
  outputs:
    dev: {type: duckdb, path: \"$work/duckref/ref.duckdb\", threads: 2}"
cols="{'id':'BIGINT','order_id':'BIGINT','user_id':'BIGINT','product_id':'BIGINT','inventory_item_id':'BIGINT','status':'VARCHAR','created_at':'TIMESTAMP','shipped_at':'TIMESTAMP','delivered_at':'TIMESTAMP','returned_at':'TIMESTAMP','sale_price':'DOUBLE'}"
ref_sql="create or replace table main.order_items as select * from read_csv('$csv', header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = $cols)"
duck_ingot() { rm -f "$work/duck/ingot.duckdb"*; "$INGOT" --project-dir "$work/duck" load --lake "$work/lake" thelook.order_items -q; }
duck_ref() { rm -f "$work/duckref/ref.duckdb"*; "$INGOT" --project-dir "$work/duckref" show --limit -1 --inline "$ref_sql"; }
t_di=$(best_of duck_ingot)
t_dr=$(best_of duck_ref)
n_di=$("$INGOT" --project-dir "$work/duck" show -o csv --inline "select count(*) from bronze.order_items" | tail -1)
n_dr=$("$INGOT" --project-dir "$work/duckref" show -o csv --inline "select count(*) from main.order_items" | tail -1)
[ "$n_di" = "$rows" ] && [ "$n_dr" = "$rows" ] || { echo "row counts differ: ingot $n_di, read_csv $n_dr, file $rows" >&2; exit 1; }

# ---- PostgreSQL ----
pg_start "$pgdir" >/dev/null
pgprof="bench:
  target: pg
  outputs:
    pg: {type: postgres, host: \"$INGOT_TEST_PGHOST\", port: $INGOT_TEST_PGPORT, user: \"$INGOT_TEST_PGUSER\", password: x, dbname: \"$INGOT_TEST_PGDATABASE\", schema: main, threads: 2}"
mkproject "$work/pgp" "$pgprof"
PSQL=("$INGOT_TEST_PGBIN/psql" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d "$INGOT_TEST_PGDATABASE" -q -v ON_ERROR_STOP=1)
[ -x "${PSQL[0]}" ] || PSQL[0]=psql
pg_ingot() { "$INGOT" --project-dir "$work/pgp" load --full-refresh --lake "$work/lake" thelook.order_items -q; }
pg_ref() {
  "${PSQL[@]}" -c "drop table if exists public.order_items; create table public.order_items (id bigint, order_id bigint, user_id bigint, product_id bigint, inventory_item_id bigint, status text, created_at timestamptz, shipped_at timestamptz, delivered_at timestamptz, returned_at timestamptz, sale_price double precision)" &&
  "${PSQL[@]}" -c "\\copy public.order_items from '$csv' with (format csv, header true)"
}
t_pi=$(best_of pg_ingot)
t_pr=$(best_of pg_ref)
n_pi=$("$INGOT" --project-dir "$work/pgp" show -o csv --inline "select count(*) from bronze.order_items" | tail -1)
[ "$n_pi" = "$rows" ] || { echo "PostgreSQL row count $n_pi, file $rows" >&2; exit 1; }

# peak memory: the full file, and a tenth of it
mem_full=$(peak_kb "$INGOT" --project-dir "$work/pgp" load --full-refresh --lake "$work/lake" thelook.order_items -q)
mkdir -p "$work/lake10/order_items"
head -n $((rows / 10 + 1)) "$csv" > "$work/lake10/order_items/order_items_0001.csv"
mem_tenth=$(peak_kb "$INGOT" --project-dir "$work/pgp" load --full-refresh --lake "$work/lake10" thelook.order_items -q)

echo
printf '%-34s %9s %9s %7s\n' "scale $SCALE order_items" "ingot s" "ref s" "ratio"
printf '%-34s %9s %9s %7.2fx\n' "DuckDB  vs read_csv (CTAS)" "$t_di" "$t_dr" "$(echo "$t_dr / $t_di" | bc -l)"
printf '%-34s %9s %9s %7.2fx\n' "Postgres vs psql \\copy" "$t_pi" "$t_pr" "$(echo "$t_pr / $t_pi" | bc -l)"
printf 'ingot throughput: DuckDB %.0f MB/s, PostgreSQL %.0f MB/s\n' "$(echo "$mb / $t_di" | bc -l)" "$(echo "$mb / $t_pi" | bc -l)"
printf 'PostgreSQL path peak RSS: %d MB for 1/10 of the file, %d MB for all of it (limit 200 MB)\n' \
  $((mem_tenth / 1024)) $((mem_full / 1024))
