#!/usr/bin/env bash
# bench/clickhouse_sharded.sh — the sharded-load part of bench/clickhouse.sh.
#
# ---- sharded load over HTTP (issue 18; tests/lib/clickhouse.sh) ----------
#
#   bench/clickhouse_sharded.sh [SCALE]   # default 10 (or via bench/clickhouse.sh)
#
# The reference lake's order_items at SCALE (ingot gen thelook), loaded into
# a Distributed table over the two-shard cluster of tests/lib/clickhouse.sh
# (Debian's clickhouse-server 18.16, started here) two ways:
#   ingot   bench/ch_load.c: ingot's CSV reader and typed conversion, RowBinary,
#           one chunked INSERT through the http transport (src/warehouse/ch_http.c),
#           timestamps parsed to Int64 microseconds;
#   client  clickhouse-client's own INSERT ... FORMAT CSVWithNames of the same
#           files (one client per file), timestamps kept as String (18.16
#           cannot parse these "... UTC" timestamps itself).
# Both with insert_distributed_sync=1, so the rows are on the shards when
# the INSERT returns. Prints rows, seconds, rows/s and the ratio
# client time / ingot time (>= 1.0: ingot is as fast or faster).
#
# ingot's own `ingot load` cannot target this server: the adapter's SQL
# needs ClickHouse >= 22 (it reports 18.16 as too old), so this measures the
# load path it uses over HTTP, driven directly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scale=${1:-10}
build=${BUILD:-build}
make -s BUILD="$build" "$build/libingot.a" ingot >/dev/null
mkdir -p "$build/bench"
bin="$build/bench/ch_load"
flags=$(make -s -f - print-flags <<'MK'
include Makefile
print-flags: ; @echo $(ALL_CFLAGS) '|' $(LDLIBS)
MK
)
cflags=${flags%%|*}
ldlibs=${flags#*|}
# shellcheck disable=SC2086
${CC:-cc} $cflags -o "$bin" bench/ch_load.c "$build/libingot.a" $ldlibs \
  -Wl,-rpath,"$root/third_party/duckdb/lib"

work=$(mktemp -d /tmp/ingot-ch-bench-XXXXXX)
. tests/lib/clickhouse.sh
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX) # its own: the servers run as clickhouse
trap 'ch_stop "$chdir"; rm -rf "$work"' EXIT
ch_start "$chdir"
./ingot gen thelook --scale "$scale" --files 4 --out "$work/lake" --tables order_items >/dev/null
files=("$work"/lake/order_items/order_items_*.csv)
want=$(( $(cat "${files[@]}" | wc -l) - ${#files[@]} ))

ts_ingot="Nullable(Int64)" ts_client="Nullable(String)"
for s in 1 2; do
  for t in oi_ingot oi_client; do
    ts=$ts_ingot; [ "$t" = oi_client ] && ts=$ts_client
    chq -s "$s" "CREATE TABLE ${t}_local (id Int64, order_id Nullable(Int64), user_id Nullable(Int64),
      product_id Nullable(Int64), inventory_item_id Nullable(Int64), status Nullable(String),
      created_at $ts, shipped_at $ts, delivered_at $ts, returned_at $ts,
      sale_price Nullable(Float64)) ENGINE = MergeTree ORDER BY tuple()" >/dev/null
  done
done
for t in oi_ingot oi_client; do
  chq "CREATE TABLE $t AS ${t}_local ENGINE = Distributed(ingot_cluster, currentDatabase(), ${t}_local, intHash64(id))" >/dev/null
done

now() { date +%s.%N; }
t0=$(now)
read -r rows_i secs_i < <("$bin" "$INGOT_TEST_CHPORT" ingot ingot-secret oi_ingot "${files[@]}")
t1=$(now)
for f in "${files[@]}"; do
  clickhouse-client --host 127.0.0.1 --port "$INGOT_TEST_CHTCPPORT" --user ingot --password ingot-secret \
    --insert_distributed_sync=1 --query "INSERT INTO oi_client FORMAT CSVWithNames" <"$f"
done
t2=$(now)

got_i=$(chq "SELECT count() FROM oi_ingot")
got_c=$(chq "SELECT count() FROM oi_client")
s1=$(chq "SELECT count() FROM oi_ingot_local"); s2=$(chq -s 2 "SELECT count() FROM oi_ingot_local")
[ "$got_i" = "$want" ] || { echo "ingot loaded $got_i rows, the files have $want" >&2; exit 1; }
[ "$got_c" = "$want" ] || { echo "clickhouse-client loaded $got_c rows, the files have $want" >&2; exit 1; }
[ $((s1 + s2)) = "$want" ] || { echo "shards hold $s1 + $s2 rows, the files $want" >&2; exit 1; }
ing=$(echo "$t1 - $t0" | bc -l); cli=$(echo "$t2 - $t1" | bc -l)
printf 'order_items scale %s: %s rows (%s files, %s MB), shards %s + %s\n' "$scale" "$want" "${#files[@]}" \
  "$(( $(cat "${files[@]}" | wc -c) / 1000000 ))" "$s1" "$s2"
printf '  ingot  (ch_http, RowBinary)      %7.2f s  %9.0f rows/s\n' "$ing" "$(echo "$want / $ing" | bc -l)"
printf '  clickhouse-client (CSV)          %7.2f s  %9.0f rows/s\n' "$cli" "$(echo "$want / $cli" | bc -l)"
printf '  ratio client/ingot               %7.2fx (>= 1.0: ingot as fast or faster)\n' "$(echo "$cli / $ing" | bc -l)"
