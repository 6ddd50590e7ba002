#!/usr/bin/env bash
# t0621: `ingot init [DIR]` lays out a dbt-style project that builds, loads
# and runs its pipeline at once; it never overwrites an existing project or
# file; errors about a missing project point at it.
. "$(dirname "$0")/lib.sh"

# outside a project, the error says what to do
mkdir empty && cd empty
run "$INGOT" build
expect_rc 2
expect_err "create one with 'ingot init'"
cd ..

run "$INGOT" init --help
expect_rc 0
expect_out "ingot init [DIR]"

run "$INGOT" init my-shop
expect_rc 0
expect_out "Created the ingot project 'my_shop'"
for f in dbt_project.yml profiles.yml .gitignore models/example/my_first_model.sql \
         models/example/schema.yml models/sources.yml pipelines/example.yml \
         lake/orders/orders_0001.csv seeds macros snapshots tests analyses; do
  [ -e "my-shop/$f" ] || fail "init did not create $f"
done
grep -q '^name: my_shop$' my-shop/dbt_project.yml || fail "project name"
grep -q '^my_shop:$' my-shop/profiles.yml || fail "profile name"
grep -q 'warehouse.duckdb' my-shop/.gitignore || fail ".gitignore"

cd my-shop
run "$INGOT" build
expect_rc 0
expect_out "PASS=6 WARN=0 ERROR=0 SKIP=0 TOTAL=6"
expect_q "select id, label from main.my_second_model" "1,FIRST"
run "$INGOT" load
expect_rc 0
expect_q "select count(*) from raw.orders" "2"
run "$INGOT" pipeline run example
expect_rc 0
expect_out "run 1: success"
cd ..

# never overwrites: an existing project, or any file init would write
before=$(cat my-shop/dbt_project.yml my-shop/models/example/*.sql | md5sum)
run "$INGOT" init my-shop
expect_rc 2
expect_err "already holds a project (dbt_project.yml)"
after=$(cat my-shop/dbt_project.yml my-shop/models/example/*.sql | md5sum)
expect_eq "$after" "$before" "the project is unchanged"
mkdir -p half/pipelines && echo "mine" > half/pipelines/example.yml
run "$INGOT" init half
expect_rc 2
expect_err "half/pipelines/example.yml already exists"
expect_eq "$(cat half/pipelines/example.yml)" "mine" "the existing file is kept"
[ ! -e half/dbt_project.yml ] || fail "init wrote files before refusing"

# in the current directory, with a chosen name; bad names are refused
mkdir here && cd here
run "$INGOT" init --name 9lives
expect_rc 2
expect_err "project name '9lives' must be letters, digits and underscores"
run "$INGOT" init --name shop2
expect_rc 0
grep -q '^name: shop2$' dbt_project.yml || fail "--name"
run "$INGOT" compile
expect_rc 0
