#!/usr/bin/env bash
# t1121: ingot infra on PostgreSQL: roles, login users and grants. Plan on
# an empty warehouse shows everything (golden); apply; plan again is empty;
# least privilege is real: each login user tries what it must not do and
# gets a permission error, and the pipeline runs with them (load as the
# loader, build as the transformer, read as the reader); a hand-made GRANT
# and a dropped schema are drift, apply repairs them; passwords come from
# the environment and are never written; destroy drops roles and users.
. "$(dirname "$0")/lib.sh"
[ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
# each test run gets its own database: roles are cluster-wide, so the
# role names carry a prefix of this run's own (platform.yml is rewritten)
. "$ROOT/tests/fixtures/infra/pg.sh"
infra_proj_pg "r$$_" infra_
as() { # as USER SQL: run SQL as a login user; stdout+stderr in $T/.as, exit code in $ASRC
  set +e
  "$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$1" -d "$DB" -v ON_ERROR_STOP=1 -qAtc "$2" >"$T/.as" 2>&1
  ASRC=$?
  set -e
}
must_deny() { # must_deny USER SQL
  as "$1" "$2"
  [ "$ASRC" -ne 0 ] || fail "$1 could run: $2"
  grep -q "permission denied" "$T/.as" || fail "$1: $2: expected a permission error, got: $(cat "$T/.as")"
}
must_allow() { # must_allow USER SQL
  as "$1" "$2"
  [ "$ASRC" -eq 0 ] || fail "$1 could not run: $2: $(cat "$T/.as")"
}
su() { as "$INGOT_TEST_PGUSER" "$1"; [ "$ASRC" -eq 0 ] || fail "as the superuser: $1: $(cat "$T/.as")"; }

run "$INGOT" infra plan
expect_rc 2
# the address column's width depends on the names: runs of spaces inside a line count as two
sed -E -e "s|$PWD|<project>|g" -e "s|$R|<r>|g" -e 's/([^ ])  +/\1  /g' "$T/.out" > "$T/got"
[ -z "${INGOT_UPDATE_GOLDEN:-}" ] || cp "$T/got" "$ROOT/tests/golden/infra/plan-empty-postgres.txt"
diff -u "$ROOT/tests/golden/infra/plan-empty-postgres.txt" "$T/got" || fail "plan differs from the golden file"

run "$INGOT" infra apply --yes
expect_rc 0
expect_out "Apply complete! Resources: 26 added, 0 changed, 0 destroyed."
run "$INGOT" infra plan
expect_rc 0
expect_out "No changes."

# passwords: set (SCRAM), never in the plan, the state or the output
su "select count(*) from pg_authid where rolname like '${R}%' and rolpassword like 'SCRAM-SHA-256%'"
[ "$(cat "$T/.as")" = 3 ] || fail "the 3 users should have SCRAM passwords: $(cat "$T/.as")"
"$INGOT" infra plan --out plan.json >/dev/null || true
! grep -rq "pw-111\|pw-222\|pw-333" .ingot plan.json "$T/.out" || fail "a password was written"

# the pipeline with least-privilege credentials
mkdir -p lake/users lake/orders
cp "$ROOT/tests/fixtures/infra/proj/lake_seed/users/users_0001.csv" lake/users/
cp "$ROOT/tests/fixtures/infra/proj/lake_seed/orders/orders_1.csv" lake/orders/
run "$INGOT" load -t loader
expect_rc 0
run "$INGOT" build -t transformer
expect_rc 0
run "$INGOT" show -t reader -o csv --inline "select users from gold.user_count"
expect_rc 0
expect_out "2"
# what the loader made is owned by its role, not by the login user
su "select string_agg(distinct tableowner, ',') from pg_tables where schemaname in ('bronze', '_ingot')"
[ "$(cat "$T/.as")" = "${R}loader" ] || fail "bronze/_ingot owner: $(cat "$T/.as")"

# least privilege is real
L=${R}etl_loader TR=${R}etl_transformer RD=${R}dash_reader
must_allow "$L" "insert into bronze.users values (3, 'cy')"
must_allow "$L" "select count(*) from _ingot.loaded_files"
must_deny "$L" "select * from gold.user_count"
must_deny "$L" "select * from silver.stg_users"
must_deny "$L" "create table silver.x (i int)"
must_deny "$L" "create schema sneaky"
must_allow "$TR" "select count(*) from bronze.users"
must_allow "$TR" "create table gold.extra as select 1 as i"
must_deny "$TR" "insert into bronze.users values (4, 'dee')"
must_deny "$TR" "delete from bronze.users"
must_deny "$TR" "create table bronze.y (i int)"
must_allow "$RD" "select users from gold.user_count"
must_allow "$RD" "select i from gold.extra"
must_deny "$RD" "select * from bronze.users"
must_deny "$RD" "select * from silver.stg_users"
must_deny "$RD" "insert into gold.user_count values (9)"
must_deny "$RD" "delete from gold.extra"
must_deny "$RD" "create table gold.z (i int)"
must_deny "$RD" "create table public.z (i int)"

# drift: a hand-made GRANT and a dropped schema
su "grant usage on schema bronze to ${R}reader; grant select on all tables in schema bronze to ${R}reader"
must_allow "$RD" "select count(*) from bronze.users"
su "drop schema gold cascade"
run "$INGOT" infra drift
expect_rc 2
expect_out "DRIFT: environment 'pg' differs from platform.yml"
expect_out "+ schema.gold"
expect_out "- grant.${R}reader.bronze"
expect_out "- usage on schema"
expect_out "- select on all tables"
expect_out "+ grant.${R}reader.gold"
run "$INGOT" infra apply --yes
expect_rc 0
run "$INGOT" infra drift
expect_rc 0
expect_out "No drift"
must_deny "$RD" "select * from bronze.users"
run "$INGOT" build -t transformer
expect_rc 0
must_allow "$RD" "select users from gold.user_count"

# a user bound to another role by hand is changed back
su "grant ${R}transformer to ${R}dash_reader"
run "$INGOT" infra plan
expect_rc 2
expect_out "~ user.${R}dash_reader"
expect_out "- member of ${R}transformer"
run "$INGOT" infra apply --yes
expect_rc 0
must_deny "$RD" "select * from silver.stg_users"

# destroy: guarded, then forced; roles and users go
run "$INGOT" infra destroy --yes
expect_rc 2
expect_out "error: schema.bronze has prevent_destroy: true"
run "$INGOT" infra destroy --yes --force --force-data
expect_rc 0
su "select count(*) from pg_roles where rolname like '${R}%'"
[ "$(cat "$T/.as")" = 0 ] || fail "destroy left roles: $(cat "$T/.as")"
su "select count(*) from pg_namespace where nspname in ('bronze','silver','gold','_ingot')"
[ "$(cat "$T/.as")" = 0 ] || fail "destroy left schemas"
"$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d postgres -qAtc "drop database $DB" >/dev/null
echo ok
