#!/usr/bin/env bash
# t1129: the reference pipeline (examples/ecommerce, ecommerce_elt) runs
# with least-privilege credentials on PostgreSQL: each load task names
# `target: loader`, the dbt build `target: transformer` (profile targets
# whose users ingot infra made), the run succeeds twice, what each task
# made is owned by its role, and the dashboards answer with the reader's
# credentials. No drift afterwards.
. "$(dirname "$0")/lib.sh"
[ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
. "$ROOT/tests/fixtures/infra/pg.sh"
infra_example_pg "y$$_" infra_expipe_

run "$INGOT" gen thelook --scale 0.01 --out lake
expect_rc 0
run "$INGOT" infra apply --yes
expect_rc 0
# the reference pipeline, each task with the credentials it needs: loads as
# the loader, the dbt build as the transformer (the run's own target is the
# admin, which no task uses)
sed -i -E -e 's/^(  - \{id: load_[a-z_]+, load: raw\.[a-z_]+)(, depends_on)/\1, target: loader\2/' \
  -e 's/^(    build: \{select: "\*"\})$/\1\n    target: transformer/' pipelines/ecommerce_elt.yml
[ "$(grep -c 'target: loader' pipelines/ecommerce_elt.yml)" = 7 ] || fail "the load tasks were not given the loader: $(cat pipelines/ecommerce_elt.yml)"
grep -q '^    target: transformer$' pipelines/ecommerce_elt.yml || fail "the build task was not given the transformer"
run "$INGOT" pipeline run ecommerce_elt
expect_rc 0
su() {
  "$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d "$DB" -v ON_ERROR_STOP=1 -qAtc "$1" >"$T/.as" 2>&1 ||
    fail "as the superuser: $1: $(cat "$T/.as")"
}
# what each task made is its role's: the loads the loader's, the models the transformer's
su "select string_agg(distinct tableowner, ',') from pg_tables where schemaname = 'bronze'"
[ "$(cat "$T/.as")" = "${R}loader" ] || fail "bronze owners: $(cat "$T/.as")"
su "select string_agg(distinct tableowner, ',') from pg_tables where schemaname = 'ecommerce_gold'"
[ "$(cat "$T/.as")" = "${R}transformer" ] || fail "gold owners: $(cat "$T/.as")"
# the dashboards read with the reader's credentials
run "$INGOT" dashboards query ecommerce total_revenue -t reader --csv
expect_rc 0
[ "$(wc -l < "$T/.out")" -ge 2 ] || fail "the reader's tile has no rows: $OUT"
# the pipeline again: nothing new to load, the same split, still green
run "$INGOT" pipeline run ecommerce_elt
expect_rc 0
run "$INGOT" infra drift
expect_rc 0
infra_example_pg_drop
echo ok
