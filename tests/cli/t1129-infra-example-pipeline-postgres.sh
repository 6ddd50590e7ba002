#!/usr/bin/env bash
# t1129: the reference pipeline (examples/ecommerce, ecommerce_elt) runs
# with least-privilege credentials on PostgreSQL: each load task names
# `target: loader`, the dbt build `target: transformer` (profile targets
# whose users ingot infra made), the run succeeds twice, what each task
# made is owned by its role, and the dashboards answer with the reader's
# credentials. No drift afterwards.
. "$(dirname "$0")/lib.sh"
[ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
PSQL=${INGOT_TEST_PGBIN:-/usr/lib/postgresql/15/bin}/psql
[ -x "$PSQL" ] || PSQL=psql
cp -r "$ROOT/examples/ecommerce" ex && cd ex
rm -rf lake target .ingot logs warehouse.duckdb*
unset INGOT_TARGET
DB=infra_expipe_$$
"$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d postgres -qAtc "create database $DB" >/dev/null
# roles are cluster-wide: a prefix of this run's own
R=y$$_
sed -i -E "s/\becommerce_(loader|transformer|reader|admin|etl_loader|etl_transformer|dashboards)\b/${R}\1/g" platform.yml
target() { # target NAME USER PASSWORD
  cat <<EOP
    $1:
      type: postgres
      host: "$INGOT_TEST_PGHOST"
      port: $INGOT_TEST_PGPORT
      user: "$2"
      password: "$3"
      dbname: "$DB"
      schema: ecommerce
      threads: 2
EOP
}
{
  printf 'ecommerce:\n  target: pg\n  outputs:\n'
  target pg "$INGOT_TEST_PGUSER" admin-secret-0
  target loader "${R}etl_loader" loader-secret-1
  target transformer "${R}etl_transformer" transformer-secret-2
  target reader "${R}dashboards" reader-secret-3
} > profiles.yml
export ECOMMERCE_LOADER_PASSWORD=loader-secret-1 ECOMMERCE_TRANSFORMER_PASSWORD=transformer-secret-2 ECOMMERCE_READER_PASSWORD=reader-secret-3

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
"$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d postgres -qAtc "drop database $DB" >/dev/null
for r in etl_loader etl_transformer dashboards loader transformer reader admin; do
  "$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d postgres -qAtc "drop role ${R}$r" >/dev/null
done
echo ok
