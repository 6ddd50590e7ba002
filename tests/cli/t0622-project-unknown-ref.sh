#!/usr/bin/env bash
# t0622: an unknown ref() or source() names the file:line:col of the call
# and the nearest existing name ("did you mean 'stg_orders'?").
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
"$INGOT" seed >/dev/null
cat > models/sources.yml <<'YML'
version: 2
sources:
  - name: shop
    tables:
      - name: orders
YML
printf 'select 1 as a,\n  b from {{ ref("stg_order") }}\n' > models/orphan.sql
printf 'select *\nfrom   {{ source("shop", "orderz") }}\n' > models/orphan2.sql
printf 'select * from {{ ref("zzz_nothing_like_it") }}\n' > models/orphan3.sql

run "$INGOT" run -s orphan orphan2 orphan3
expect_rc 1
expect_out "models/orphan.sql:2:13: model 'model.tinyshop.orphan' depends on a node named 'stg_order' which was not found (did you mean 'stg_orders'?)"
expect_out "models/orphan2.sql:2:11: model 'model.tinyshop.orphan2' depends on a source named 'shop.orderz' which was not found (did you mean 'shop.orders'?)"
expect_out "models/orphan3.sql:1:18: model 'model.tinyshop.orphan3' depends on a node named 'zzz_nothing_like_it' which was not found"
expect_no "zzz_nothing_like_it' which was not found (did you mean"

run "$INGOT" compile -s orphan
expect_rc 1
expect_out "models/orphan.sql:2:13:"
expect_out "(did you mean 'stg_orders'?)"
