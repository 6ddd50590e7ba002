#!/usr/bin/env bash
# A DuckDB library without an optional symbol still loads: with
# duckdb_arrow_scan hidden (INGOT_DUCKDB_HIDE_SYMBOLS, the test hook) the
# stream capability is cleared, `ingot load` warns and goes through the
# appender, and the tables hold exactly what the fast path loads. A
# missing required symbol is one clear error.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"

dump() {
  local t out=""
  for t in $(q "select table_name from information_schema.tables where table_schema = 'bronze' order by 1"); do
    out="$out
== $t
$(q "select * from bronze.$t order by all")"
  done
  echo "$out"
}

load_project basic duckdb
run "$INGOT" load
expect_rc 0
expect_no "lacks duckdb_arrow_scan"
want=$(dump)
[ "$(q1 "select count(*) from bronze.orders")" -gt 0 ] || fail "the fast path loaded nothing"

load_project basic duckdb
INGOT_DUCKDB_HIDE_SYMBOLS=duckdb_arrow_scan run "$INGOT" load
expect_rc 0
expect_err "lacks duckdb_arrow_scan: bulk loads go through the appender"
got=$(dump)
expect_eq "$got" "$want" "tables loaded through the appender"
expect_counts_balance

# a required symbol missing: the engine does not open, and says why
INGOT_DUCKDB_HIDE_SYMBOLS=duckdb_bind_null,duckdb_connect run "$INGOT" load
expect_rc 2
expect_err "lacks duckdb_connect (wrong version?): run scripts/bootstrap"
