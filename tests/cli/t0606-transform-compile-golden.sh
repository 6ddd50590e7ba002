#!/usr/bin/env bash
# ingot compile renders every model, test, analysis and snapshot of the
# tinyshop fixture to exactly the SQL in tests/golden/sql/tinyshop, with no
# warehouse objects built; compile --inline and single-node output.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
unset TINYSHOP_DB
run "$INGOT" compile -q
expect_rc 0
diff -r "$ROOT/tests/golden/sql/tinyshop" target/compiled/tinyshop || fail "compiled SQL differs from the golden files"
# one node: its SQL is printed
run "$INGOT" compile -s stg_orders
expect_rc 0
expect_out "Compiled node 'stg_orders' is:"
expect_out 'from "tinyshop"."main"."shop_orders"'
# --inline
run "$INGOT" compile --inline "select * from {{ ref('stg_customers') }} where x = {{ var('min_amount') }}"
expect_rc 0
expect_out 'select * from "tinyshop"."main"."stg_customers" where x = 0'
# --vars changes the rendering
run "$INGOT" compile -s stg_orders --vars '{min_amount: 500}'
expect_out "where amount_cents >= 500"
# a compile error names the file and line, exit 1
printf 'select {{ 1 + }}\n' > models/bad.sql
run "$INGOT" compile -s bad
expect_rc 1
expect_out "models/bad.sql:1:"
