#!/usr/bin/env bash
# t1125: the reference project (examples/ecommerce) with its platform.yml
# on PostgreSQL: ingot infra apply makes the layers, roles and users; then
# the pipeline's parts run with least privilege — ingot load as the loader,
# ingot build (seeds, models, snapshots, tests) as the transformer, a
# dashboard tile as the reader — and the reader cannot read bronze or
# silver. The superuser only applies the platform.
. "$(dirname "$0")/lib.sh"
[ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
. "$ROOT/tests/fixtures/infra/pg.sh"
infra_example_pg "x$$_" infra_ex_

run "$INGOT" gen thelook --scale 0.01 --out lake
expect_rc 0
run "$INGOT" infra plan
expect_rc 2
expect_out "+ schema.ecommerce_silver"
expect_out "+ grant.${R}reader.ecommerce_gold"
run "$INGOT" infra apply --yes
expect_rc 0
run "$INGOT" infra plan
expect_rc 0

run "$INGOT" load -t loader
expect_rc 0
run "$INGOT" build -t transformer
expect_rc 0
expect_out "ERROR=0"
run "$INGOT" dashboards query ecommerce total_revenue -t reader --csv
expect_rc 0
[ "$(wc -l < "$T/.out")" -ge 2 ] || fail "the reader's tile has no rows: $OUT"
# the platform is still as declared after the pipeline ran
run "$INGOT" infra drift
expect_rc 0

# the reader reads the marts and nothing below them
run "$INGOT" show -t reader -o csv --inline "select count(*) > 0 as ok from ecommerce_gold.dim_customers"
expect_rc 0
expect_out "true"
run "$INGOT" show -t reader --inline "select count(*) from bronze.users"
expect_rc 1
expect_err "permission denied"
run "$INGOT" show -t reader --inline "select count(*) from ecommerce_silver.stg_users"
expect_rc 1
expect_err "permission denied"
# the loader cannot build, the transformer cannot load
run "$INGOT" build -t loader --select stg_users
[ "$RC" -ne 0 ] || fail "the loader could build a model"
expect_err "permission denied"
run "$INGOT" load -t transformer --full-refresh raw.users
expect_rc 1
expect_err "permission denied"
infra_example_pg_drop
echo ok
