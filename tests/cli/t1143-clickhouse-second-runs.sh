#!/usr/bin/env bash
# test: slow
# t1143: second runs on ClickHouse embedded (chDB): the reference platform after a day of new files builds incrementally (delete+insert by key, no correlated subquery) and equals a full refresh mart for mart; table rebuilds swap with EXCHANGE TABLES; snapshots close changed and deleted rows (check and timestamp strategies); insert_overwrite replaces only the partitions of the new rows; merge and insert_overwrite without partition_by are refused at compile time naming the model file.
. ./lib.sh
[ -n "$(ls "$ROOT"/third_party/chdb/lib/libchdb.so 2>/dev/null)" ] ||
  fail "chDB is not installed: run scripts/bootstrap (third_party/chdb)"
chdb_or_skip t1143

# ---- the reference platform: day 1, then the next day's files ----
cp -r "$ROOT/examples/ecommerce" "$T/ex" && cd "$T/ex"
rm -rf lake target .ingot warehouse.*
export INGOT_TARGET=ch
example_lake 0.01 2024-01-01 2025-12-30
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
expect_out "ERROR=0 SKIP=0 TOTAL="
items1=$(q1 "select count(*) from main_gold.fct_orders")
"$INGOT" gen thelook --scale 0.01 --out lake --start 2025-12-31 >/dev/null
new_items=$(($(wc -l < lake/order_items/order_items_20251231.csv) - 1))
[ "$new_items" -gt 0 ] || fail "the next day has items"
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
expect_out "ERROR=0 SKIP=0 TOTAL="
expect_eq "$(q1 "select count(*) from main_gold.fct_orders")" "$((items1 + new_items))" "fct_orders took the day's items"
expect_eq "$(q1 "select count(*) from main_gold.fct_orders")" "$(q1 "select count(*) from bronze.order_items")" \
  "fct_orders: one row per item after the incremental run"
run_sql=target/run/ecommerce/models/marts/fct_orders.sql
grep -q 'delete from "main_gold"."fct_orders" where (order_item_id) in (select order_item_id from' "$run_sql" ||
  fail "delete+insert by keys in (select ...): $(grep -i delete "$run_sql")"
grep -Eqi "(where|and|or) (not )?exists" "$run_sql" && fail "no correlated EXISTS on ClickHouse: $(grep -Ei "(where|and|or) (not )?exists" "$run_sql")"
grep -q 'exchange tables "main_gold"."fct_marketing_funnel__dbt_tmp" and "main_gold"."fct_marketing_funnel"' \
  target/run/ecommerce/models/marts/fct_marketing_funnel.sql || fail "the table rebuild swaps with EXCHANGE TABLES"
expect_eq "$(q1 "select count(*) from system.tables where database = 'main_gold' and name like '%dbt_tmp%'")" 0 \
  "no working tables left"

# the incremental result equals a full refresh, mart for mart
marts=$(cd models/marts && ls ./*.sql | sed 's|^\./||; s|\.sql$||')
export_marts() {
  local m n
  for m in $marts; do
    n=$("$INGOT" show -q -o csv --limit 1 --inline "select * from main_gold.$m" | head -1 | awk -F, '{ print NF }')
    [ -n "$n" ] || fail "columns of $m"
    "$INGOT" show -q -o csv --limit -1 --inline "select * from main_gold.$m order by $(seq -s, 1 "$n")" >"$T/$m.$1.csv"
  done
}
export_marts incremental
run "$INGOT" build --full-refresh
expect_rc 0
export_marts full
for m in $marts; do
  [ "$(wc -l <"$T/$m.full.csv")" -gt 1 ] || fail "$m has rows"
  diff "$T/$m.incremental.csv" "$T/$m.full.csv" >"$T/$m.diff" ||
    fail "$m: incremental (<) differs from full refresh (>): $(head -6 "$T/$m.diff" | cut -c1-300)"
done

# ---- snapshots, insert_overwrite, refusals: a small project ----
mkdir -p "$T/p/models" "$T/p/seeds" "$T/p/snapshots" && cd "$T/p"
unset INGOT_TARGET
printf 'name: ch2\nprofile: ch2\n' > dbt_project.yml
cat > profiles.yml <<'Y'
ch2:
  target: dev
  outputs:
    dev:
      type: clickhouse
      path: wh.chdb
      schema: main
      threads: 2
Y
printf 'id,price,updated\n1,10.00,2024-01-01 00:00:00\n2,20.00,2024-01-01 00:00:00\n3,30.00,2024-01-01 00:00:00\n' > seeds/items.csv
cat > snapshots/snaps.sql <<'Y'
{% snapshot items_check %}
{{ config(target_schema='snaps', unique_key='id', strategy='check', check_cols=['price'], hard_deletes='invalidate') }}
select * from {{ ref('items') }}
{% endsnapshot %}
{% snapshot items_ts %}
{{ config(target_schema='snaps', unique_key='id', strategy='timestamp', updated_at='updated') }}
select * from {{ ref('items') }}
{% endsnapshot %}
Y
printf 'day,amount\n2024-01-05,1\n2024-01-20,2\n2024-02-03,3\n2024-03-09,4\n' > seeds/sales.csv
cat > models/sales_monthly.sql <<'Y'
{{ config(materialized='incremental', incremental_strategy='insert_overwrite',
          partition_by='toYYYYMM(day)', order_by='day') }}
select cast(day as date) as day, amount from {{ ref('sales') }}
{% if is_incremental() %} where day >= '2024-02-01' {% endif %}
Y
# delete+insert with incremental_predicates written as dbt's docs write them
# (DBT_INTERNAL_DEST.col): ClickHouse's DELETE takes no alias
cat > models/items_recent.sql <<'Y'
{{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert',
          incremental_predicates=["DBT_INTERNAL_DEST.price >= 15", "'DBT_INTERNAL_DEST.x' != ''"]) }}
select id, price from {{ ref('items') }}
Y
run "$INGOT" build
expect_rc 0
expect_eq "$(q1 "select count(*) from snaps.items_check")" 3 "first snapshot"
expect_eq "$(q1 "select count(*) from main.sales_monthly")" 4 "insert_overwrite: first run builds the table"
expect_eq "$(q1 "select partition_key from system.tables where database = 'main' and name = 'sales_monthly'")" \
  "(toYYYYMM(day))" "partition_by honored"

# id 2 changes price (and time), id 3 goes away, id 4 arrives
printf 'id,price,updated\n1,10.00,2024-01-01 00:00:00\n2,25.00,2024-02-01 00:00:00\n4,40.00,2024-02-01 00:00:00\n' > seeds/items.csv
# February changes, March is gone, January is outside the new rows
printf 'day,amount\n2024-01-05,100\n2024-02-03,30\n2024-02-10,31\n' > seeds/sales.csv
run "$INGOT" build
expect_rc 0
expect_no "ERROR=1"
expect_eq "$(q "select id, price, dbt_valid_to is null as open from snaps.items_check order by id, price" | tr '\n' ' ')" \
  "1,10.0,true 2,20.0,false 2,25.0,true 3,30.0,false 4,40.0,true " "check snapshot: changed and deleted rows closed"
expect_eq "$(q "select id, toString(dbt_valid_to) from snaps.items_ts where id = 2 and dbt_valid_to is not null")" \
  "2,2024-02-01 00:00:00.000000" "timestamp snapshot: closed at the new version's updated_at"
expect_eq "$(q1 "select count(*) from snaps.items_ts where dbt_valid_to is null")" 4 "timestamp snapshot: current versions"
# id 2 (price 20 >= 15) is replaced, id 1 (price 10) is outside the predicate:
# its old row stays and the new one is added; id 3 is kept, id 4 arrives
expect_eq "$(q "select id, price from main.items_recent order by id, price" | tr '\n' ' ')" \
  "1,10.0 1,10.0 2,25.0 3,30.0 4,40.0 " "delete+insert honours incremental_predicates"
grep -q "and price >= 15 and 'DBT_INTERNAL_DEST.x' != ''" target/run/ch2/models/items_recent.sql ||
  fail "predicate unaliased outside quotes only: $(grep -i delete target/run/ch2/models/items_recent.sql)"
# January kept (outside the new rows), February replaced, March kept (not in the new rows)
expect_eq "$(q "select toString(day), amount from main.sales_monthly order by day" | tr '\n' ' ')" \
  "2024-01-05,1 2024-01-20,2 2024-02-03,30 2024-02-10,31 2024-03-09,4 " "insert_overwrite replaced February only"
expect_eq "$(q1 "select count(*) from system.tables where database in ('main', 'snaps') and name like '%dbt_%'")" 0 \
  "no working tables left"

# merge: refused at compile time, naming the file
cat > models/m_merge.sql <<'Y'
{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select 1 as id
Y
run "$INGOT" compile
expect_rc 1
expect_out "models/m_merge.sql:1:1: model m_merge: incremental_strategy 'merge': ClickHouse has no MERGE statement"
expect_out "'delete+insert'"
rm models/m_merge.sql
cat > models/m_over.sql <<'Y'
{{ config(materialized='incremental', incremental_strategy='insert_overwrite') }}
select 1 as id
Y
run "$INGOT" compile
expect_rc 1
expect_out "models/m_over.sql:1:1: model m_over: incremental_strategy 'insert_overwrite' replaces the partitions of the new rows: set partition_by"
echo "ok t1143"
