#!/usr/bin/env bash
# t0004-duckdb-lib: a missing or wrong DuckDB library is one clear message
# and exit 2, never a loader crash; --help still works without it.
. "$(dirname "$0")/lib.sh"

mkdir proj && cd proj
printf 'name: shop\nprofile: shop\n' > dbt_project.yml

run env HOME="$T" INGOT_DUCKDB_LIB="$T/nowhere/libduckdb.so" "$INGOT" show --inline "select 1"
expect_rc 2
expect_err "DuckDB library not found"
expect_err "scripts/bootstrap"

run env HOME="$T" INGOT_DUCKDB_LIB="$T/nowhere/libduckdb.so" "$INGOT" debug
expect_rc 2
expect_err "DuckDB library not found"

# a library that is not DuckDB at all
zlib=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ {print $NF; exit}')
if [ -n "$zlib" ]; then
  run env HOME="$T" INGOT_DUCKDB_LIB="$zlib" "$INGOT" show --inline "select 1"
  expect_rc 2
  expect_err "wrong version"
  expect_err "scripts/bootstrap"
fi

run env INGOT_DUCKDB_LIB="$T/nowhere/libduckdb.so" "$INGOT" --help
expect_rc 0
run env INGOT_DUCKDB_LIB="$T/nowhere/libduckdb.so" "$INGOT" --version
expect_rc 0
expect_out "DuckDB library not found"

# the binary runs without LD_LIBRARY_PATH (the $ORIGIN rpath finds it)
run env -u LD_LIBRARY_PATH HOME="$T" "$INGOT" show --inline "select 7"
expect_rc 0
expect_out "7"
