#!/usr/bin/env bash
# t0624: dbt's parse warnings, with file:line — config paths in
# dbt_project.yml that apply to no resource (a misspelt folder), and
# properties for models/seeds/snapshots that do not exist. Warnings do not
# change the exit code; a clean project has none.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
run "$INGOT" compile
expect_rc 0
expect_no "WARNING"

sed -i 's/^    staging:/    stagin:/' dbt_project.yml
cat >> dbt_project.yml <<'YML'
snapshots:
  tinyshop:
    nowhere:
      +tags: ["x"]
YML
cat > models/extra.yml <<'YML'
version: 2
models:
  - name: stg_orders_typo
    description: nothing has this name
seeds:
  - name: shop_customer
YML
run "$INGOT" compile
expect_rc 0
expect_out "[WARNING]: Configuration paths exist in your dbt_project.yml file which do not apply to any resources."
expect_out "There are 2 unused configuration paths:"
expect_out "- models.tinyshop.stagin (dbt_project.yml:23)"
expect_out "- snapshots.tinyshop.nowhere (dbt_project.yml:"
expect_out "[WARNING]: models/extra.yml:3: Did not find matching node for patch with name 'stg_orders_typo' in the 'models' section of file 'models/extra.yml'"
expect_out "[WARNING]: models/extra.yml:6: Did not find matching node for patch with name 'shop_customer' in the 'seeds' section of file 'models/extra.yml'"
# the used paths are not reported
expect_no "models.tinyshop.marts"
expect_no "seeds.tinyshop.shop_customers"

"$INGOT" seed >/dev/null
run "$INGOT" build
expect_rc 0
expect_out "There are 2 unused configuration paths:"
