#!/usr/bin/env bash
# ingot ls with dbt's selector language: graph operators, methods, union
# and intersection, --exclude, --resource-type, --output, selectors.yml.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop

lsn() { "$INGOT" ls --output name "$@"; }
[ "$(lsn -s tag:staging --resource-type model | tr '\n' ' ')" = "stg_customers stg_orders stg_payments " ] || fail "tag:"
[ "$(lsn -s +customer_orders --resource-type model seed | tr '\n' ' ')" = "customer_orders stg_customers stg_orders stg_payments shop_customers shop_orders shop_payments " ] || fail "+model"
[ "$(lsn -s stg_orders+ --resource-type model | tr '\n' ' ')" = "customer_orders order_facts stg_orders " ] || fail "model+"
[ "$(lsn -s 1+customer_orders --resource-type model | tr '\n' ' ')" = "customer_orders stg_customers stg_orders stg_payments " ] || fail "1+model"
[ "$(lsn -s path:models/marts --exclude resource_type:test | tr '\n' ' ')" = "customer_orders order_facts " ] || fail "path: and exclude"
[ "$(lsn -s "tag:raw,shop_orders" | tr '\n' ' ')" = "shop_orders " ] || fail "intersection"
[ "$(lsn -s config.materialized:incremental --resource-type model)" = "order_facts" ] || fail "config.materialized:"
# a key with no fallback outside the configs (the graph flattens them only
# when a selection mentions config): in --select and in --exclude
[ "$(lsn -s config.unique_key:order_id --resource-type model)" = "order_facts" ] || fail "config.unique_key:"
[ "$(lsn -s path:models/marts --exclude config.unique_key:order_id --resource-type model)" = "customer_orders" ] || fail "--exclude config.unique_key:"
[ "$(lsn -s "stg_customers shop_orders" --resource-type model seed | tr '\n' ' ')" = "stg_customers shop_orders " ] || fail "union"
[ "$(lsn -s resource_type:snapshot)" = "customers_snapshot" ] || fail "resource_type:"
[ "$(lsn -s "fqn:tinyshop.marts.finance.order_facts" --resource-type model)" = "order_facts" ] || fail "fqn:"
[ "$(lsn -s package:tinyshop --resource-type analysis)" = "status_counts" ] || fail "package:"
# the default output is dbt's selector form (fqn joined by dots)
run "$INGOT" ls -s order_facts --resource-type model
expect_out "tinyshop.marts.finance.order_facts"
run "$INGOT" ls -s status_counts
expect_out "tinyshop.analysis.status_counts"
run "$INGOT" ls -s order_facts --resource-type model --output path
expect_out "models/marts/finance/order_facts.sql"
run "$INGOT" ls -s order_facts --resource-type model --output json
expect_out '"unique_id":"model.tinyshop.order_facts"'
expect_out '"materialized":"incremental"'
expect_out '"unique_key":"order_id"'
# the list alias
run "$INGOT" list -s order_facts --resource-type model --output name
expect_out "order_facts"
# selectors.yml
cat > selectors.yml <<'YML'
selectors:
  - name: marts_only
    definition:
      union:
        - method: path
          value: models/marts
        - exclude:
            - method: resource_type
              value: test
  - name: nightly
    definition:
      method: selector
      value: marts_only
YML
[ "$(lsn --selector nightly | tr '\n' ' ')" = "customer_orders order_facts " ] || fail "selectors.yml"
# an unknown method is a usage error
run "$INGOT" ls -s "nosuch:thing"
expect_rc 2
# state: against a previous manifest is left to graph/'s tests; result: needs run_results
"$INGOT" build >/dev/null
run "$INGOT" ls -s "result:success" --state target --resource-type seed --output name
expect_out "shop_customers"

# test configs: enabled: false drops a test; tags select it
cat >> models/schema.yml <<'YML'
          - not_null: {config: {enabled: false}}
          - accepted_values: {values: [100], config: {tags: [critical]}}
YML
[ "$(lsn -s order_facts --resource-type test | tr '\n' ' ')" = "accepted_values_order_facts_order_id__100 unique_order_facts_order_id " ] || fail "enabled: false on a test"
[ "$(lsn -s tag:critical)" = "accepted_values_order_facts_order_id__100" ] || fail "tags on a test"
