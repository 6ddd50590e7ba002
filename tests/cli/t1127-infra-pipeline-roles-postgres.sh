#!/usr/bin/env bash
# t1127: a pipeline runs with least-privilege credentials per task. The
# run's target is the admin; the load task names `target: loader` and the
# build task `target: transformer` (profile targets whose users infra made):
# the run succeeds, what each task made is owned by its role, and the reader
# reads the result. A task whose role lacks a privilege fails with the
# engine's permission error in the run's output (a loader writing gold, a
# transformer building as the loader would not be allowed to). An unknown
# target: is refused when the pipeline is read, at its file:line:col.
# A rotated password variable is drift, and apply sets it.
. "$(dirname "$0")/lib.sh"
[ -n "${INGOT_TEST_PGHOST:-}" ] || fail "no PostgreSQL test server"
# each test run gets its own database: roles are cluster-wide, so the
# role names carry a prefix of this run's own (platform.yml is rewritten)
. "$ROOT/tests/fixtures/infra/pg.sh"
infra_proj_pg "q$$_" infra_pipe_
su() {
  "$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d "$DB" -v ON_ERROR_STOP=1 -qAtc "$1" >"$T/.as" 2>&1 ||
    fail "as the superuser: $1: $(cat "$T/.as")"
}
run "$INGOT" infra apply --yes
expect_rc 0
mkdir -p lake/users pipelines
cp lake_seed/users/users_0001.csv lake/users/

cat > pipelines/daily.yml <<'EOP'
pipeline: daily
tasks:
  - {id: load_users, load: raw.users, target: loader}
  - {id: build, build: "+user_count", target: transformer, depends_on: [load_users]}
EOP
run "$INGOT" pipeline run daily
expect_rc 0
su "select tableowner from pg_tables where schemaname = 'bronze' and tablename = 'users'"
[ "$(cat "$T/.as")" = "${R}loader" ] || fail "bronze.users owner: $(cat "$T/.as")"
su "select tableowner from pg_tables where schemaname = 'gold' and tablename = 'user_count'"
[ "$(cat "$T/.as")" = "${R}transformer" ] || fail "gold.user_count owner: $(cat "$T/.as")"
su "select string_agg(distinct tableowner, ',') from pg_tables where schemaname = '_ingot'"
[ "$(cat "$T/.as")" = "${R}loader" ] || fail "the manifest is not the loader's: $(cat "$T/.as")"
run "$INGOT" show -t reader -o csv --inline "select users from gold.user_count"
expect_rc 0
expect_out "2"
# a second run: a new file, the same split
printf 'id,name\n3,cy\n' > lake/users/users_0002.csv
run "$INGOT" pipeline run daily
expect_rc 0
run "$INGOT" show -t reader -o csv --inline "select users from gold.user_count"
expect_out "3"

# the loader may not write gold: the task fails with the permission error
cat > pipelines/sneaky.yml <<'EOP'
pipeline: sneaky
tasks:
  - {id: write_gold, sql: "insert into gold.user_count values (99)", target: loader, retries: 0}
EOP
run "$INGOT" pipeline run sneaky
[ "$RC" -ne 0 ] || fail "the loader wrote gold"
expect_err "write_gold: failed (attempt 1: permission denied for schema gold"
# a build as the loader: it may not create in silver
cat > pipelines/wrongrole.yml <<'EOP'
pipeline: wrongrole
tasks:
  - {id: build, build: "stg_users", target: loader, retries: 0}
EOP
run "$INGOT" pipeline run wrongrole
[ "$RC" -ne 0 ] || fail "the loader built silver"
expect_err "build: failed (attempt 1: permission denied"
su "select count(*) from gold.user_count where users = 99"
[ "$(cat "$T/.as")" = 0 ] || fail "the row was written"

# an unknown target is refused when the file is read, with its location
cat > pipelines/typo.yml <<'EOP'
pipeline: typo
tasks:
  - {id: load_users, load: raw.users, target: lodaer}
EOP
run "$INGOT" pipeline run typo
[ "$RC" -ne 0 ] || fail "an unknown target ran"
expect_err "typo.yml:3:"
expect_err "lodaer"
# target: on a shell task has no meaning
cat > pipelines/typo.yml <<'EOP'
pipeline: typo
tasks:
  - {id: s, shell: "true", target: loader}
EOP
run "$INGOT" pipeline run typo
[ "$RC" -ne 0 ] || fail "target: on a shell task was accepted"
expect_err "target: applies to load, sql and dbt tasks only"
rm pipelines/typo.yml pipelines/sneaky.yml pipelines/wrongrole.yml

# a load task refused above max_bad_records quarantines its bad file (as
# the loader, on PostgreSQL); the next run loads the rest
printf 'id,name\n4,dee\nfive,eve\n' > lake/users/users_0003.csv
printf 'id,name\n6,fay\n' > lake/users/users_0004.csv
run "$INGOT" pipeline run daily
[ "$RC" -ne 0 ] || fail "a refused load passed"
expect_err "moved to $PWD/lake/_quarantine: users/users_0003.csv"
[ -f lake/_quarantine/users/users_0003.csv.reason ] || fail "no reason file"
[ -f lake/users/users_0004.csv ] || fail "the good file moved"
run "$INGOT" pipeline run daily
expect_rc 0
run "$INGOT" show -t reader -o csv --inline "select users from gold.user_count"
expect_out "4"

# a rotated password is drift: the variable no longer matches the user's
# SCRAM verifier; apply sets it (never printed)
run "$INGOT" infra plan
[ "$RC" -eq 0 ] || fail "before the rotation: $OUT"
export SHOP_READER_PASSWORD=reader-pw-rotated-444
run "$INGOT" infra drift
expect_rc 2
expect_out "~ user.${R}dash_reader"
expect_out "~ password differs from \$SHOP_READER_PASSWORD"
expect_out "Plan: 0 to add, 1 to change, 0 to destroy."
run "$INGOT" infra apply --yes
expect_rc 0
expect_no "reader-pw-rotated-444"
! grep -rq "reader-pw-rotated-444" .ingot || fail "the password was written to .ingot"
# the verifier now matches the new password (the test server trusts local
# connections, so a login would not tell): no drift
run "$INGOT" infra plan
expect_rc 0
expect_out "No changes."

run "$INGOT" infra destroy --yes --force --force-data
expect_rc 0
"$PSQL" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" -d postgres -qAtc "drop database $DB" >/dev/null
echo ok
