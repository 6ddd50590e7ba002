#!/usr/bin/env bash
# t0002-debug: `ingot debug` on the embedded default, on PostgreSQL, and on
# broken profiles; the password never shows.
. "$(dirname "$0")/lib.sh"

mkdir proj && cd proj
printf 'name: shop\nprofile: shop\n' > dbt_project.yml

# no profiles.yml anywhere: the embedded DuckDB in the project
run env HOME="$T" "$INGOT" debug
expect_rc 0
expect_out "type:            duckdb"
expect_out "$T/proj/warehouse.duckdb"
expect_out "duckdb v1.4.4"
expect_out "All checks passed!"

# PostgreSQL through profiles.yml
pg_profile dbg shop > profiles.yml
run "$INGOT" debug
expect_rc 0
expect_out "type:            postgres"
expect_out "password:        ****"
expect_out "engine:          postgres PostgreSQL 1"
expect_out "connection:      OK"
expect_no "s3cret-never-shown"
run "$INGOT" debug -v --log-format json
expect_rc 0
expect_no "s3cret-never-shown"

# an unreachable server (a closed port): exit 2 with host:port, no password
sed -i "s/port: .*/port: 1/; s/host: .*/host: \"127.0.0.1\"/" profiles.yml
run "$INGOT" debug
expect_rc 2
expect_out "connection:      FAILED"
expect_err "127.0.0.1:1"
expect_no "s3cret-never-shown"
run "$INGOT" debug -v --log-format json
expect_rc 2
expect_no "s3cret-never-shown"

# an unknown target / profile
pg_profile dbg shop > profiles.yml
run "$INGOT" debug --target nope
expect_rc 2
expect_err "nope"
printf 'name: shop\nprofile: missing_profile\n' > dbt_project.yml
run "$INGOT" debug
expect_rc 2
expect_err "missing_profile"

# no dbt_project.yml at all
cd "$T"
run env HOME="$T" "$INGOT" debug
expect_rc 2
expect_err "dbt_project.yml"
