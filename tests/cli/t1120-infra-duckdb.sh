#!/usr/bin/env bash
# t1120: ingot infra on DuckDB: plan on an empty warehouse shows every
# folder and schema (golden), apply, plan again shows nothing (exit 0),
# a dropped schema and a removed folder are drift, apply repairs them; a
# saved plan is refused when the world changed since; confirmation is
# required off a terminal; destroy is guarded; show prints the state.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/infra/proj" p && cd p
engine_profile duckdb shop > profiles.yml
sql() { "$INGOT" show --limit -1 --inline "$1" >/dev/null || fail "sql failed: $1"; }
golden() { # golden NAME: stdout (project path replaced) against tests/golden/infra/NAME
  sed "s|$PWD|<project>|g" "$T/.out" > "$T/got"
  diff -u "$ROOT/tests/golden/infra/$1" "$T/got" || fail "output differs from tests/golden/infra/$1"
}

run "$INGOT" infra plan
expect_rc 2
golden plan-empty-duckdb.txt
expect_out "note: duckdb has no roles"
[ ! -d lake ] || fail "plan must not create anything"
# colour only on a terminal, and not with NO_COLOR
! grep -q $'\033' "$T/.out" || fail "colour codes written to a pipe"
if command -v script >/dev/null; then
  env -u NO_COLOR script -qc "$INGOT infra plan" /dev/null > "$T/tty.out" || true
  grep -qF $'\033[32m+ schema.bronze' "$T/tty.out" || fail "no colour on a terminal: $(cat -v "$T/tty.out")"
  NO_COLOR=1 script -qc "$INGOT infra plan" /dev/null > "$T/tty.out" || true
  ! grep -q $'\033' "$T/tty.out" || fail "colour despite NO_COLOR"
fi

# off a terminal, apply asks for --yes and changes nothing
run "$INGOT" infra apply </dev/null
expect_rc 2
expect_err "pass --yes"
[ ! -d lake ] || fail "a refused apply created folders"

run "$INGOT" infra apply --yes
expect_rc 0
expect_out "Apply complete! Resources: 9 added, 0 changed, 0 destroyed."
for d in users orders exports _archive _quarantine; do [ -d "lake/$d" ] || fail "lake/$d not created"; done
expect_q "select schema_name from information_schema.schemata where schema_name in ('bronze','silver','gold','_ingot') order by 1" "_ingot
bronze
gold
silver"

run "$INGOT" infra plan
expect_rc 0
expect_out "No changes. The platform matches platform.yml."
run "$INGOT" infra drift
expect_rc 0
expect_out "No drift: environment 'dev' matches platform.yml."

# one apply per environment at a time: the lock is held, apply refuses
command -v flock >/dev/null || fail "flock (util-linux) is needed"
run flock -n .ingot/infra-dev.lock "$INGOT" infra apply --yes
expect_rc 2
expect_err "another ingot infra apply or destroy is running for environment 'dev'"

# state
run "$INGOT" infra show
expect_rc 0
expect_out "engine       duckdb"
expect_out "  schema.gold"
expect_out "  folder._archive"

# drift: a dropped schema, a removed folder
sql "drop schema silver"
rmdir lake/exports
run "$INGOT" infra drift
expect_rc 2
expect_out "DRIFT: environment 'dev' differs from platform.yml in 2 resources (2 missing, 0 changed, 0 extra):"
expect_out "+ folder.exports"
expect_out "+ schema.silver"

# a saved plan is applied exactly, and only to the world it was made for
run "$INGOT" infra plan --out plan.json
expect_rc 2
expect_out "Saved the plan to plan.json"
grep -q '"fingerprint"' plan.json || fail "the plan file has no fingerprint"
sql "create schema hand_made"
run "$INGOT" infra apply plan.json
expect_rc 1
expect_err "the platform changed since plan.json was made"
[ ! -d lake/exports ] || fail "a refused plan changed the lake"
sql "drop schema hand_made"
run "$INGOT" infra apply plan.json
expect_rc 0
expect_out "Apply complete! Resources: 2 added, 0 changed, 0 destroyed."
[ -d lake/exports ] || fail "the saved plan did not create lake/exports"
run "$INGOT" infra plan
expect_rc 0

# a resource removed from platform.yml is destroyed (it was managed)
sed -i '/^  folders: \[exports\]/d' platform.yml
run "$INGOT" infra plan
expect_rc 2
expect_out "- folder.exports"
expect_out "Plan: 0 to add, 0 to change, 1 to destroy."
run "$INGOT" infra apply --yes
expect_rc 0
[ ! -d lake/exports ] || fail "the removed folder is still there"

# destroy is guarded: prevent_destroy, then data
sql "create table gold.kpi as select 1 as x"
run "$INGOT" infra destroy --yes
expect_rc 2
expect_out "error: schema.bronze has prevent_destroy: true (${PWD}/platform.yml:"
expect_out "error: schema.gold holds 1 tables or views"
expect_err "destroy refused"
expect_q "select count(*) from information_schema.schemata where schema_name = 'bronze'" "1"
run "$INGOT" infra destroy --yes --force
expect_rc 2
expect_no "prevent_destroy"
expect_out "error: schema.gold holds 1 tables or views"
touch lake/users/users_0001.csv
run "$INGOT" infra destroy --yes --force
expect_out "error: folder.users holds 1 files or folders"
rm lake/users/users_0001.csv
sql "drop table gold.kpi"
run "$INGOT" infra destroy --yes --force
expect_rc 0
expect_out "Destroy complete!"
expect_q "select count(*) from information_schema.schemata where schema_name in ('bronze','silver','gold','_ingot')" "0"
[ ! -d lake/users ] || fail "destroy left lake/users"
[ ! -f .ingot/infra-dev.json ] || fail "destroy left the state"
run "$INGOT" infra show
expect_out "No state for environment 'dev'"
echo "ok"
