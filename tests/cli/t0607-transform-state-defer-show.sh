#!/usr/bin/env bash
# state:modified against --state, result:error/fail from the previous
# run_results, --defer to another target's relations, show --select.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
cat > profiles.yml <<'YML'
tinyshop:
  target: dev
  outputs:
    dev: {type: duckdb, path: tinyshop.duckdb, schema: dev, threads: 2}
    prod: {type: duckdb, path: tinyshop.duckdb, schema: prod, threads: 2}
YML
run "$INGOT" build --target prod
expect_rc 0
cp -r target prod_state

# nothing changed: state:modified is empty; then a body and a config change
[ -z "$("$INGOT" ls -s state:modified --state prod_state --output name 2>/dev/null | grep -v criterion)" ] || fail "unmodified project"
echo "-- a comment" >> models/staging/stg_orders.sql
sed -i 's/      +tags: \["marts"\]/      +tags: ["marts"]\n      +persist_docs: {relation: true}/' dbt_project.yml
[ "$("$INGOT" ls -s state:modified --state prod_state --resource-type model --output name | tr '\n' ' ')" = "customer_orders order_facts stg_orders " ] || fail "state:modified"
[ "$("$INGOT" ls -s state:modified.body --state prod_state --resource-type model --output name)" = "stg_orders" ] || fail "state:modified.body"

# --defer: the unselected parents resolve to prod's relations
run "$INGOT" run -s customer_orders --defer --state prod_state
expect_rc 0
expect_out "OK created sql table model dev.customer_orders"
grep -q 'from "tinyshop"."prod"."stg_orders"' target/compiled/tinyshop/models/marts/customer_orders.sql || fail "deferred ref"
# without --defer the parents are looked up in dev, where they do not exist
run "$INGOT" run -s customer_orders
expect_rc 1

# result:error selects what failed last time
run "$INGOT" ls -s result:error --state target --output name
expect_out "customer_orders"

# show --select runs the model's compiled SQL
run "$INGOT" show --target prod -s customer_orders --limit 1 --output csv
expect_rc 0
expect_out "customer_id,full_name,order_count,lifetime_value,card_cents"
run "$INGOT" show -s no_such_model
expect_rc 1
expect_err "no enabled model named 'no_such_model'"
