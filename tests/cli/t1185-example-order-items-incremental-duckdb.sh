#!/usr/bin/env bash
# t1185: fct_order_items of examples/ecommerce is incremental for changed
# items (issue 16): a daily run replaces only the items whose row would
# differ — new items, and items of a day whose inputs changed elsewhere: a
# renamed distribution centre (dim_products) and a late order placed before
# a customer's first one (that first order's items become 'Returning') — and
# the result equals a --full-refresh build of the same lake, row for row.
. ./lib.sh
example_project duckdb unused
cat > profiles.yml <<EOP
ecommerce:
  target: a
  outputs:
    a: {type: duckdb, path: "$T/ex/a.duckdb", schema: main, threads: 2}
    b: {type: duckdb, path: "$T/ex/b.duckdb", schema: main, threads: 2}
EOP
qt() { # TARGET SQL: rows as CSV without the header
  "$INGOT" show -t "$1" --limit -1 -o csv --inline "$2" >"$T/.q" 2>"$T/.qerr" || fail "query on $1 failed: $2: $(cat "$T/.qerr")"
  tail -n +2 "$T/.q"
}
example_lake 0.005 2019-01-01 2025-12-24
run "$INGOT" load -t a
expect_rc 0
run "$INGOT" build -t a
expect_rc 0
total0=$(qt a "select count(*) from main_gold.fct_order_items")
[ "$total0" -gt 100 ] || fail "too few order items to test: $total0"

# the next day lands, and two changes of older data:
"$INGOT" gen thelook --scale 0.005 --out lake --start 2025-12-25 >/dev/null
# 1. distribution centre 1 is renamed (a truncate-mode table: reloaded whole)
dc=lake/distribution_centers/distribution_centers_0001.csv
old_dc=$(awk -F, '$1 == 1 {print $2}' "$dc")
[ -n "$old_dc" ] || fail "no distribution centre 1"
awk -F, 'BEGIN{OFS=","} $1 == 1 {$2 = "Renamed Centre"} {print}' "$dc" >"$T/dc" && cat "$T/dc" >"$dc"
dc_items=$(qt a "select count(*) from main_gold.fct_order_items where distribution_center = '$old_dc'")
[ "$dc_items" -gt 0 ] || fail "no item ships from $old_dc"
# 2. a late order of the customer of the newest first order, placed before it
hist_o=$(ls lake/orders/orders_2019*.csv) hist_i=$(ls lake/order_items/order_items_2019*.csv)
user=$(qt a "select user_id from main_gold.fct_order_items where customer_type = 'New' order by created_at desc, order_item_id limit 1")
first=$(qt a "select order_id from main_gold.fct_order_items where user_id = $user and customer_type = 'New' limit 1")
new_order=$(( $(qt a "select max(order_id) from main_silver.stg_orders") + 1000000 ))
new_item=$(( $(qt a "select max(order_item_id) from main_silver.stg_order_items") + 1000000 ))
{ head -1 "$hist_o"
  awk -F, -v o="$first" -v n="$new_order" 'BEGIN{OFS=","} $1 == o {$1 = n; $5 = "2019-01-01 00:00:01 UTC"; print; exit}' "$hist_o"
} >lake/orders/orders_late_first.csv
{ head -1 "$hist_i"
  awk -F, -v o="$first" -v n="$new_order" -v i="$new_item" 'BEGIN{OFS=","} $2 == o {$1 = i; $2 = n; $7 = "2019-01-01 00:00:01 UTC"; print; exit}' "$hist_i"
} >lake/order_items/order_items_late_first.csv
[ "$(wc -l <lake/orders/orders_late_first.csv)" -eq 2 ] || fail "late first order file"
[ "$(wc -l <lake/order_items/order_items_late_first.csv)" -eq 2 ] || fail "late first item file"

run "$INGOT" load -t a
expect_rc 0
run "$INGOT" build -t a
expect_rc 0
# built incrementally: an INSERT of the changed items, not a new table
res=target/run_results.json
expect_eq "$(jq -r '.results[] | select(.unique_id == "model.ecommerce.fct_order_items") | .adapter_response.code' $res)" INSERT \
  "fct_order_items is built incrementally"
written=$(jq -r '.results[] | select(.unique_id == "model.ecommerce.fct_order_items") | .adapter_response.rows_affected' $res)
total=$(qt a "select count(*) from main_gold.fct_order_items")
[ "$written" -ge "$dc_items" ] || fail "fct_order_items wrote $written rows, fewer than the $dc_items items of the renamed centre"
[ "$written" -lt "$total" ] || fail "fct_order_items rewrote every row ($written of $total)"
# the changes reached the built rows
expect_eq "$(qt a "select count(*) from main_gold.fct_order_items where distribution_center = '$old_dc'")" 0 \
  "no item keeps the old centre name"
expect_eq "$(qt a "select count(*) from main_gold.fct_order_items where distribution_center = 'Renamed Centre'")" "$dc_items" \
  "the items of the renamed centre carry its new name"
expect_eq "$(qt a "select distinct customer_type from main_gold.fct_order_items where order_id = $first")" Returning \
  "the former first order is a returning customer's now"
expect_eq "$(qt a "select customer_type from main_gold.fct_order_items where order_id = $new_order")" New \
  "the late earlier order is the customer's first"
# and the daily run equals a full refresh of the same lake
run "$INGOT" load -t b
expect_rc 0
run "$INGOT" build -t b --full-refresh
expect_rc 0
for m in fct_order_items fct_orders dim_products dim_customers fct_inventory; do
  qt b "copy (select * from main_gold.$m) to '$T/ex/$m.parquet' (format parquet)" >/dev/null
  expect_eq "$(qt a "select count(*) from main_gold.$m")" "$(qt a "select count(*) from read_parquet('$T/ex/$m.parquet')")" \
    "$m rows, daily run vs full refresh"
  expect_eq "$(qt a "select count(*) from (select * from main_gold.$m except all select * from read_parquet('$T/ex/$m.parquet')) d")" 0 \
    "$m rows of the daily run missing from the full refresh"
  expect_eq "$(qt a "select count(*) from (select * from read_parquet('$T/ex/$m.parquet') except all select * from main_gold.$m) d")" 0 \
    "$m rows of the full refresh missing from the daily run"
done
