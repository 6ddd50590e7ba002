#!/usr/bin/env bash
# t0100-gen-layout: `ingot gen thelook` writes the seven tables in the
# bucket layout, with thelook's headers and column counts, split by --files,
# gzip-compressed with --gzip, only the tables --tables names; the temp
# names never remain.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/cli/gen-lib.sh"

run "$INGOT" gen thelook --scale 0.01 --out lake
expect_rc 0
expect_out "users"
expect_out "wrote "

declare -A HEADER=(
  [users]="id,first_name,last_name,email,age,gender,state,street_address,postal_code,city,country,latitude,longitude,traffic_source,created_at,user_geom"
  [orders]="order_id,user_id,status,gender,created_at,returned_at,shipped_at,delivered_at,num_of_item"
  [order_items]="id,order_id,user_id,product_id,inventory_item_id,status,created_at,shipped_at,delivered_at,returned_at,sale_price"
  [products]="id,cost,category,name,brand,retail_price,department,sku,distribution_center_id"
  [inventory_items]="id,product_id,created_at,sold_at,cost,product_category,product_name,product_brand,product_retail_price,product_department,product_sku,product_distribution_center_id"
  [distribution_centers]="id,name,latitude,longitude,distribution_center_geom"
  [events]="id,user_id,sequence_number,session_id,created_at,ip_address,city,state,postal_code,browser,traffic_source,uri,event_type"
)
declare -A NCOLS=([users]=16 [orders]=9 [order_items]=11 [products]=9 [inventory_items]=12 [distribution_centers]=5 [events]=13)

for t in $TABLES; do
  f=lake/$t/${t}_0001.csv
  [ -f "$f" ] || fail "missing $f"
  [ "$(head -1 "$f")" = "${HEADER[$t]}" ] || fail "$t header: $(head -1 "$f")"
  # DuckDB's own reader sees the same number of columns in every row
  expect_q "select count(*) from (select * from $(rc lake "$t")) where true" "$(($(wc -l <"$f") - 1))"
  expect_q "select count(*) from (describe select * from read_csv('$f', header=true))" "${NCOLS[$t]}"
done
# nothing but the seven folders and their one file each; no temp names
[ "$(ls lake | sort | tr '\n' ' ')" = "distribution_centers events inventory_items order_items orders products users " ] ||
  fail "unexpected entries: $(ls lake)"
[ -z "$(find lake -name '*.tmp.*')" ] || fail "temp files left"
[ "$(find lake -type f | wc -l)" -eq 7 ] || fail "expected 7 files: $(find lake -type f)"

# BigQuery's format: timestamps with " UTC", NULL as an empty field, WKT points,
# quoting only where needed (a quoted field holds , or ")
grep -q '^1,.*,[0-9-]* [0-9:]* UTC,' lake/orders/orders_0001.csv || fail "timestamp format"
grep -qE ',POINT\(-?[0-9.]+ -?[0-9.]+\)$' lake/users/users_0001.csv || fail "user_geom WKT"
grep -q ',Processing,[MF],[^,]* UTC,,,,[1-4]$' lake/orders/orders_0001.csv || fail "NULLs as empty fields"
grep -q '"[^"]*""[^"]*"' lake/products/products_0001.csv || fail "no doubled quotes in product names"
grep -q '"[^",]*,[^"]*"' lake/products/products_0001.csv || fail "no commas in quoted product names"
grep -q 'é' lake/users/users_0001.csv || fail "no non-ASCII letters in names"
# a quoted field always needs its quotes: no "plain" quoted text
! grep -qE '(^|,)"[^",]*"(,|$)' lake/users/users_0001.csv || fail "needless quotes"

# --files 3: three parts per table, whose rows together are the single file's
run "$INGOT" gen thelook --scale 0.01 --out parts --files 3
expect_rc 0
for t in $TABLES; do
  [ "$(ls parts/$t | wc -l)" -eq 3 ] || fail "$t: $(ls parts/$t)"
  for p in parts/$t/${t}_000{1,2,3}.csv; do
    [ "$(head -1 "$p")" = "${HEADER[$t]}" ] || fail "$p header"
  done
  cmp <(for p in parts/$t/*.csv; do tail -n +2 "$p"; done) <(tail -n +2 lake/$t/${t}_0001.csv) ||
    fail "$t parts differ from the single file"
done

# --files 2 over the same folder removes the now stale third part
run "$INGOT" gen thelook --scale 0.01 --out parts --files 2 --tables orders
expect_rc 0
[ "$(ls parts/orders | tr '\n' ' ')" = "orders_0001.csv orders_0002.csv " ] || fail "stale parts: $(ls parts/orders)"

# --gzip: one gzip stream per file, the same bytes once decompressed,
# readable by DuckDB
run "$INGOT" gen thelook --scale 0.01 --out gz --gzip --files 2 --tables orders,events
expect_rc 0
[ "$(ls gz | tr '\n' ' ')" = "events orders " ] || fail "--tables: $(ls gz)"
for t in orders events; do
  for n in 1 2; do
    gzip -t gz/$t/${t}_000$n.csv.gz || fail "bad gzip"
    cmp <(gzip -dc gz/$t/${t}_000$n.csv.gz) parts/$t/${t}_000$n.csv 2>/dev/null ||
      [ $t = events ] || fail "$t part $n differs after gunzip"
  done
done
cmp <(gzip -dc gz/events/events_0001.csv.gz gz/events/events_0002.csv.gz | grep -v '^id,') \
    <(tail -n +2 lake/events/events_0001.csv) || fail "gzip events differ"
expect_q "select count(*) from $(rc gz events)" "$(($(gzip -dc gz/events/*.gz | wc -l) - 2))"

# help lists the options
run "$INGOT" gen thelook --help
expect_rc 0
expect_out "--scale"
expect_out "--dirty"
run "$INGOT" help gen
expect_rc 0
expect_out "gen thelook"
