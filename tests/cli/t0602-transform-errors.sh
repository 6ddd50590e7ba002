#!/usr/bin/env bash
# Errors name the file, the line and the node; the build goes on with what
# does not depend on them; a failing test skips what is downstream of its
# model under `build`; cycles are named in order; exit codes 1 and 2.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop

"$INGOT" seed >/dev/null

# a template syntax error and an unknown ref: those nodes fail, others run
printf 'select 1 as x\n{%% if true %%}\nfrom {{ ref("stg_orders") }\n' > models/broken.sql
echo "select * from {{ ref('no_such_model') }}" > models/orphan.sql
echo "select * from {{ ref('broken') }}" > models/after_broken.sql
run "$INGOT" run
expect_rc 1
expect_out "models/broken.sql:3:"
expect_out "model.tinyshop.broken"
expect_out "depends on a node named 'no_such_model' which was not found"
expect_out "SKIP relation main.after_broken"
expect_out "OK created sql table model main.customer_orders"
expect_out "ERROR=2 SKIP=1"
rm models/broken.sql models/orphan.sql models/after_broken.sql

# a database error names the node and file; downstream is skipped
echo "select * from {{ ref('stg_orders') }} where" > models/bad_sql.sql
echo "select * from {{ ref('bad_sql') }}" > models/after_bad.sql
run "$INGOT" run -s bad_sql+
expect_rc 1
expect_out "Database Error in model bad_sql (models/bad_sql.sql)"
expect_out "SKIP relation main.after_bad"
rm models/bad_sql.sql models/after_bad.sql

# a cycle is named in order, exit 2
echo "select * from {{ ref('cyc_b') }}" > models/cyc_a.sql
echo "select * from {{ ref('cyc_a') }}" > models/cyc_b.sql
run "$INGOT" build
expect_rc 2
expect_err "Found a cycle: model.tinyshop.cyc_"
expect_err "model.tinyshop.cyc_a --> model.tinyshop.cyc_b"
rm models/cyc_a.sql models/cyc_b.sql

# a YAML mistake names the file and line
cp models/schema.yml schema.bak
printf 'version: 2\nmodels:\n  - name: stg_orders\n    columns: [\n' > models/schema.yml
run "$INGOT" build
expect_rc 2
expect_err "schema.yml:"
cp schema.bak models/schema.yml

# a failing test skips the models downstream of the model it tests (build)
echo "100,1,2024-03-01 10:00:00,completed,10" >> seeds/shop_orders.csv
run "$INGOT" build
expect_rc 1
expect_out "FAIL 1 unique_stg_orders_order_id"
expect_out "SKIP relation main.customer_orders"
expect_out "SKIP relation main_finance.order_facts"
expect_out "REUSED sql view model main.stg_customers (no upstream change)" # unchanged since the last build
expect_out "Failure in test unique_stg_orders_order_id (models/schema.yml)"
expect_out "Got 1 result, configured to fail if != 0"
grep -q '"status":"fail"' target/run_results.json || fail "fail status in run_results"
grep -q '"status":"skipped"' target/run_results.json || fail "skipped status in run_results"
# `test` alone runs every test and reports the failure; nothing is skipped
run "$INGOT" test -s stg_orders --exclude assert_amounts_match
expect_rc 1
expect_out "FAIL 1 unique_stg_orders_order_id"
expect_out "SKIP=0"
# severity warn turns the failure into a warning (exit 0)
sed -i '15s/.*/          - unique: {config: {severity: warn}}/' models/schema.yml
run "$INGOT" test -s stg_orders --exclude assert_amounts_match
expect_rc 0
expect_out "WARN 1 unique_stg_orders_order_id"
expect_out "WARN=1"
# error_if / warn_if thresholds
sed -i '15s/.*/          - unique: {config: {error_if: ">5", warn_if: ">0"}}/' models/schema.yml
run "$INGOT" test -s stg_orders --exclude assert_amounts_match
expect_rc 0
expect_out "WARN 1 unique_stg_orders_order_id"
sed -i '15s/.*/          - unique: {config: {error_if: ">=1", store_failures: true}}/' models/schema.yml
run "$INGOT" test -s stg_orders --exclude assert_amounts_match
expect_rc 1
[ "$("$INGOT" show --output csv --inline 'select n_records from main_dbt_test__audit.unique_stg_orders_order_id' | tail -1)" = "2" ] || fail "store_failures table in the audit schema"
# --fail-fast stops handing out nodes after the first failure
run "$INGOT" build --fail-fast --threads 1 --exclude assert_amounts_match
expect_rc 1
n_ok=$(grep -c " OK \| PASS " "$T/.out" || true)
[ "$n_ok" -lt 15 ] || fail "--fail-fast ran everything ($n_ok)"
