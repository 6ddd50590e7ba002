#!/usr/bin/env bash
# ingot build of the tinyshop fixture on PostgreSQL: seeds, views, a table, an
# ephemeral CTE, an incremental model, a snapshot, generic/custom/singular
# tests; results checked by query; a second build exercises the
# incremental and snapshot paths; artifacts carry dbt's ids.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
pg_profile tshop tinyshop > profiles.yml

run "$INGOT" build
expect_rc 0
expect_out "OK loaded seed file tshop.shop_customers"
expect_out "OK created sql view model tshop.stg_orders"
expect_out "OK created sql table model tshop.customer_orders"
expect_out "OK created sql incremental model tshop_finance.order_facts"
expect_out "OK snapshotted snapshots.customers_snapshot"
expect_out "PASS unique_stg_orders_order_id"
expect_out "Done. PASS=20 WARN=0 ERROR=0 SKIP=0 TOTAL=20"
expect_out 'SELECT 5 in'

q() { "$INGOT" show --output csv --limit -1 --inline "$1" | tail -n +2; }
[ "$(q 'select cast(lifetime_value as double precision) from tshop.customer_orders where customer_id = 1')" = "52.5" ] || fail "lifetime_value"
[ "$(q 'select card_cents from tshop.customer_orders where customer_id = 1')" = "4250" ] || fail "card_cents via ephemeral CTE"
[ "$(q 'select count(*) from tshop_finance.order_facts')" = "7" ] || fail "order_facts rows"
[ "$(q "select currency from tshop_finance.order_facts limit 1")" = "EUR" ] || fail "var() in model"
[ "$(q 'select count(*) from snapshots.customers_snapshot where dbt_valid_to is null')" = "5" ] || fail "snapshot rows"
[ "$(q "select data_type from information_schema.columns where table_schema = 'tshop' and table_name = 'shop_customers' and column_name = 'signup_date'")" = "date" ] || fail "seed column_types"
[ "$(q "select table_type from information_schema.tables where table_name = 'stg_payments'" )" = "" ] || fail "ephemeral model must not be built"

# artifacts: dbt's unique ids (hash suffix computed as dbt computes it)
for id in test.tinyshop.unique_stg_customers_customer_id.c7614daada \
          test.tinyshop.accepted_values_customer_orders_order_count__False__0__1__2.f1324090de \
          test.tinyshop.relationships_stg_orders_customer_id__customer_id__ref_stg_customers_.430bf21500 \
          test.tinyshop.assert_amounts_match model.tinyshop.order_facts seed.tinyshop.shop_orders \
          snapshot.tinyshop.customers_snapshot; do
  grep -qF "\"$id\"" target/manifest.json || fail "manifest lacks $id"
  grep -qF "\"$id\"" target/run_results.json || fail "run_results lacks $id"
done
grep -qF '"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v12.json"' target/manifest.json || fail "manifest version"
grep -qF '"dbt_schema_version":"https://schemas.getdbt.com/dbt/run-results/v6.json"' target/run_results.json || fail "run_results version"
[ -f target/compiled/tinyshop/models/marts/customer_orders.sql ] || fail "compiled/ tree"
[ -f target/run/tinyshop/models/marts/customer_orders.sql ] || fail "run/ tree"
[ -f target/compiled/tinyshop/models/schema.yml/unique_stg_orders_order_id.sql ] || fail "compiled test path"
grep -q "__dbt__cte__stg_payments as" target/compiled/tinyshop/models/marts/customer_orders.sql || fail "CTE injection"
[ -f target/ingot.log ] || fail "log file"

# second build: a changed customer and a new order
sed -i 's/^2,Grace,Hopper/2,Grace,Brewster Hopper/' seeds/shop_customers.csv
echo "107,3,2024-02-01 10:00:00,placed,500" >> seeds/shop_orders.csv
echo "9,107,card,500" >> seeds/shop_payments.csv
run "$INGOT" build
expect_rc 0
expect_out "Done. PASS=20 WARN=0 ERROR=0 SKIP=0 TOTAL=20"
[ "$(q 'select count(*) from tshop_finance.order_facts')" = "8" ] || fail "incremental insert"
[ "$(q 'select count(*) from snapshots.customers_snapshot')" = "6" ] || fail "snapshot new version"
[ "$(q "select full_name from snapshots.customers_snapshot where customer_id = 2 and dbt_valid_to is not null")" = "Grace Hopper" ] || fail "snapshot closed version"
grep -q 'delete from "tshop_finance"."order_facts"' target/run/tinyshop/models/marts/finance/order_facts.sql || fail "delete+insert for unique_key"

# --full-refresh rebuilds the incremental model as a table
run "$INGOT" run -s order_facts --full-refresh
expect_rc 0
expect_out "Done. PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1"
grep -q 'create table "tshop_finance"."order_facts__dbt_tmp"' target/run/tinyshop/models/marts/finance/order_facts.sql || fail "full refresh path"
[ "$(q 'select count(*) from tshop_finance.order_facts')" = "8" ] || fail "full refresh rows"
