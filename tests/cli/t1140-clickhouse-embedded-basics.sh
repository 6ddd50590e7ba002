#!/usr/bin/env bash
# t1140: type: clickhouse, mode embedded (chDB): load a CSV (typed, rejects kept, rerun is a no-op, replace swaps), build a view, a MergeTree table with order_by, an incremental append, a seed and data tests; typed query results; ingot debug names the engine's version.
. ./lib.sh
[ -n "$(ls "$ROOT"/third_party/chdb/lib/libchdb.so 2>/dev/null)" ] ||
  fail "chDB is not installed: run scripts/bootstrap (third_party/chdb)"
chdb_or_skip t1140

mkdir -p proj/lake/shop proj/models proj/seeds && cd proj
cat > dbt_project.yml <<'Y'
name: chtest
profile: chtest
Y
cat > profiles.yml <<'Y'
chtest:
  target: dev
  outputs:
    dev:
      type: clickhouse
      path: wh.chdb
      schema: main
      threads: 2
Y
cat > models/sources.yml <<'Y'
version: 2
sources:
  - name: shop
    schema: bronze
    tables:
      - name: orders
        external:
          location: "shop/orders_*.csv"
          options: {header: true, write_disposition: append, max_bad_records: 10}
        columns:
          - {name: id, data_type: INT64}
          - {name: amount, data_type: "NUMERIC(12,2)"}
          - {name: placed, data_type: DATE}
          - {name: at, data_type: TIMESTAMP}
          - {name: note, data_type: STRING}
      - name: lines
        external: {location: "shop/lines.csv", options: {header: true}}
        columns:
          - {name: id, data_type: INT64}
          - {name: txt, data_type: STRING}
Y
printf 'id,amount,placed,at,note\n1,10.50,2024-01-02,2024-01-02 10:00:00.123456,"tab\there"\n2,0.01,2024-02-03,2024-02-03 00:00:00,\n3,bad,2024-02-04,2024-02-04 00:00:00,x\n4,99999999.99,2024-03-01,2024-03-01 23:59:59,"line\nbreak"\n' > lake/shop/orders_1.csv
cat > seeds/regions.csv <<'Y'
code,name
1,North
2,South
Y
cat > models/v_orders.sql <<'Y'
{{ config(materialized='view') }}
select id, amount, placed, note from {{ source('shop', 'orders') }}
Y
cat > models/t_orders.sql <<'Y'
{{ config(materialized='table', order_by='id') }}
select o.id as id, o.amount as amount, r.name as region
from {{ ref('v_orders') }} o left join {{ ref('regions') }} r on r.code = o.id
Y
cat > models/inc_orders.sql <<'Y'
{{ config(materialized='incremental', incremental_strategy='append') }}
select id, amount from {{ ref('t_orders') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}
Y
cat > models/schema.yml <<'Y'
models:
  - name: t_orders
    columns:
      - name: id
        tests: [unique, not_null]
      - name: amount
        tests: [not_null]
Y

# 20,000 rows whose binary form holds every byte value (';' and quotes
# among them): the rows travel as RowBinary through a file, all of them
awk 'BEGIN { print "id,txt"; for (i = 1; i <= 20000; i++) printf "%d,\"a;b\"\"c\\\\%d\"\n", i * 59, i }' > lake/shop/lines.csv
run "$INGOT" load
expect_rc 0
expect_out "shop.orders"
expect_eq "$(q1 "select count(*), sum(id) from bronze.lines")" "20000,11800590000" "every binary row arrives"
expect_eq "$(q1 "select count(*) from bronze.lines where txt = concat('a;b', char(34), 'c', char(92), char(92), toString(intDiv(id, 59)))")" 20000 "text bytes kept"
expect_eq "$(ls wh.chdb | grep -c ingot-insert)" 0 "no insert file left behind"
# one bad amount rejected, three rows in, money exact, text escapes kept
expect_eq "$(q1 "select count(*) from bronze.orders")" 3 "rows loaded"
expect_eq "$(q1 "select count(*) from _ingot.load_rejects")" 1 "one reject kept"
expect_eq "$(q1 "select sum(amount) from bronze.orders")" "100000010.50" "exact decimal sum"
expect_eq "$(q "select note from bronze.orders where id = 4" | tr -d '"' | tr '\n' '|')" "line|break|" "newline in text survives"
expect_eq "$(q1 "select toString(at) from bronze.orders where id = 1")" "2024-01-02 10:00:00.123456" "microseconds kept"
expect_eq "$(q1 "select count(*) from bronze.orders where note is null")" 1 "empty field is NULL"
# a rerun finds nothing new and loads nothing twice
run "$INGOT" load
expect_rc 0
expect_out "up to date"
expect_eq "$(q1 "select count(*) from bronze.orders")" 3 "rerun loads nothing twice"
expect_eq "$(q1 "select count(*) from _ingot.load_rejects")" 1 "rejects kept exactly once"
# a full refresh rebuilds the table (fresh table swapped in) with the same rows
run "$INGOT" load --full-refresh
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.orders")" 3 "full refresh"

run "$INGOT" build
expect_rc 0
expect_out "PASS="
expect_no "ERROR=1"
expect_eq "$(q1 "select engine from system.tables where database = 'main' and name = 't_orders'")" MergeTree "table is MergeTree"
expect_eq "$(q1 "select sorting_key from system.tables where database = 'main' and name = 't_orders'")" id "order_by honored"
expect_eq "$(q1 "select engine from system.tables where database = 'main' and name = 'v_orders'")" View "view"
expect_eq "$(q "select id, region from main.t_orders order by id" | tr '\n' ' ')" "1,North 2,South 4, " "left join keeps NULLs (join_use_nulls)"
expect_eq "$(q1 "select count(*) from main.inc_orders")" 3 "incremental first run"
# a new file, then the incremental appends only the new row
printf 'id,amount,placed,at,note\n5,1.25,2024-04-01,2024-04-01 00:00:00,new\n' > lake/shop/orders_2.csv
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
expect_eq "$(q1 "select count(*) from main.inc_orders")" 4 "incremental appended one row"
expect_eq "$(q1 "select sum(amount) from main.inc_orders")" "100000011.75" "incremental money exact"

# a failing test fails the build
printf 'id,amount,placed,at,note\n5,2.00,2024-04-02,2024-04-02 00:00:00,dup\n' > lake/shop/orders_3.csv
"$INGOT" load >/dev/null
run "$INGOT" build
expect_rc 1
expect_out "unique_t_orders_id"

# ingot debug reports the engine and its version
run "$INGOT" debug
expect_out "ClickHouse 26."
