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
#   ingot   `ingot load` itself, with a `mode: http` + `cluster: ingot_cluster`
#           profile: ingot's CSV reader and typed conversion, the manifest
#           (every file hashed), rows streamed into per-shard staging tables
#           through a Distributed one and attached to bronze.order_items_local
#           on both shards at the end (src/warehouse/clickhouse.c);
#   client  clickhouse-client's own INSERT ... FORMAT CSVWithNames of the same
#           files (one client per file) into a Distributed table over
#           MergeTree tables of the same columns, timestamps kept as String
#           (18.16 cannot parse these "... UTC" timestamps itself; ingot
#           stores DateTime).
# Both with insert_distributed_sync=1, so the rows are on the shards when
# the load returns. Prints rows, seconds, rows/s and the ratio
# client time / ingot time (>= 1.0: ingot is as fast or faster).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scale=${1:-10}
make -s ingot >/dev/null
ingot=$root/ingot

work=$(mktemp -d /tmp/ingot-ch-bench-XXXXXX)
. tests/lib/clickhouse.sh
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX) # its own: the servers run as clickhouse
trap 'ch_stop "$chdir"; rm -rf "$work"' EXIT
ch_start "$chdir"
"$ingot" gen thelook --scale "$scale" --files 4 --out "$work/lake" --tables order_items >/dev/null
files=("$work"/lake/order_items/order_items_*.csv)
want=$(( $(cat "${files[@]}" | wc -l) - ${#files[@]} ))

# the project: order_items as examples/ecommerce declares it
mkdir -p "$work/models"
printf 'name: chbench\nversion: "1.0"\nconfig-version: 2\nprofile: chbench\n' >"$work/dbt_project.yml"
cat >"$work/models/sources.yml" <<'EOS'
version: 2
sources:
  - name: raw
    schema: bronze
    tables:
      - name: order_items
        external:
          location: "order_items/order_items_*.csv"
          options: {header: true, write_disposition: append, max_bad_records: 1000}
        columns:
          - {name: id, data_type: INT64}
          - {name: order_id, data_type: INT64}
          - {name: user_id, data_type: INT64}
          - {name: product_id, data_type: INT64}
          - {name: inventory_item_id, data_type: INT64}
          - {name: status, data_type: STRING}
          - {name: created_at, data_type: TIMESTAMP}
          - {name: shipped_at, data_type: TIMESTAMP}
          - {name: delivered_at, data_type: TIMESTAMP}
          - {name: returned_at, data_type: TIMESTAMP}
          - {name: sale_price, data_type: FLOAT64}
EOS
cat >"$work/profiles.yml" <<EOP
chbench:
  target: ch
  outputs:
    ch:
      type: clickhouse
      mode: http
      host: 127.0.0.1
      port: $INGOT_TEST_CHPORT
      user: ingot
      password: ingot-secret
      schema: default
      cluster: ingot_cluster
      shard_http_ports: [$INGOT_TEST_CHPORT, $INGOT_TEST_CHPORT2]
      sharding_key: intHash64(assumeNotNull(id)) # columns are Nullable; a key must not be
      threads: 2
EOP

ts="Nullable(String)"
for s in 1 2; do
  chq -s "$s" "CREATE TABLE oi_client_local (id Int64, order_id Nullable(Int64), user_id Nullable(Int64),
    product_id Nullable(Int64), inventory_item_id Nullable(Int64), status Nullable(String),
    created_at $ts, shipped_at $ts, delivered_at $ts, returned_at $ts,
    sale_price Nullable(Float64)) ENGINE = MergeTree ORDER BY tuple()" >/dev/null
done
chq "CREATE TABLE oi_client AS oi_client_local ENGINE = Distributed(ingot_cluster, currentDatabase(), oi_client_local, intHash64(id))" >/dev/null

now() { date +%s.%N; }
t0=$(now)
(cd "$work" && "$ingot" load --lake "$work/lake" >"$work/load.out")
t1=$(now)
for f in "${files[@]}"; do
  clickhouse-client --host 127.0.0.1 --port "$INGOT_TEST_CHTCPPORT" --user ingot --password ingot-secret \
    --insert_distributed_sync=1 --query "INSERT INTO oi_client FORMAT CSVWithNames" <"$f"
done
t2=$(now)

got_i=$(chq "SELECT count() FROM bronze.order_items")
got_c=$(chq "SELECT count() FROM oi_client")
s1=$(chq "SELECT count() FROM bronze.order_items_local"); s2=$(chq -s 2 "SELECT count() FROM bronze.order_items_local")
[ "$got_i" = "$want" ] || { echo "ingot loaded $got_i rows, the files have $want" >&2; cat "$work/load.out" >&2; exit 1; }
[ "$got_c" = "$want" ] || { echo "clickhouse-client loaded $got_c rows, the files have $want" >&2; exit 1; }
[ $((s1 + s2)) = "$want" ] || { echo "shards hold $s1 + $s2 rows, the files $want" >&2; exit 1; }
ing=$(echo "$t1 - $t0" | bc -l); cli=$(echo "$t2 - $t1" | bc -l)
printf 'order_items scale %s: %s rows (%s files, %s MB), shards %s + %s\n' "$scale" "$want" "${#files[@]}" \
  "$(( $(cat "${files[@]}" | wc -c) / 1000000 ))" "$s1" "$s2"
printf '  ingot load (cluster: ingot_cluster)  %7.2f s  %9.0f rows/s\n' "$ing" "$(echo "$want / $ing" | bc -l)"
printf '  clickhouse-client (CSV)              %7.2f s  %9.0f rows/s\n' "$cli" "$(echo "$want / $cli" | bc -l)"
printf '  ratio client/ingot                   %7.2fx (>= 1.0: ingot as fast or faster)\n' "$(echo "$cli / $ing" | bc -l)"
