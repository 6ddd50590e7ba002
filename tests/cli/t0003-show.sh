#!/usr/bin/env bash
# t0003-show: `ingot show --inline` on the embedded default and on
# PostgreSQL; output formats; errors and their exit codes.
. "$(dirname "$0")/lib.sh"

mkdir proj && cd proj
printf 'name: shop\nprofile: shop\n' > dbt_project.yml

# the embedded default (no profiles.yml): prints 42
run env HOME="$T" "$INGOT" show --inline "select 42"
expect_rc 0
expect_out "| 42 |"
[ -f warehouse.duckdb ] || fail "the default warehouse is <project>/warehouse.duckdb"

# formats
run env HOME="$T" "$INGOT" show --inline "select 42 as answer, 'a,b' as s, cast(1.50 as decimal(4,2)) as d, null as n" --output csv
expect_rc 0
expect_out "answer,s,d,n"
expect_out '42,"a,b",1.50,'
run env HOME="$T" "$INGOT" show --inline "select 42 as answer, 'x' as s, true as b, cast(1.5 as double) as f" -o json
expect_rc 0
expect_out '"answer": 42'
expect_out '"s": "x"'
expect_out '"b": true'
expect_out '"f": 1.5'
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["show"][0]["answer"] == 42' "$T/.out" ||
    fail "json output does not parse"
fi

# --limit: 5 rows by default, N when asked, all with -1
run env HOME="$T" "$INGOT" show --inline "select * from range(20)" -o csv
expect_rc 0
[ "$(wc -l < "$T/.out")" -eq 6 ] || fail "default limit 5: $OUT"
run env HOME="$T" "$INGOT" show --inline "select * from range(20)" -o csv --limit 2
[ "$(wc -l < "$T/.out")" -eq 3 ] || fail "--limit 2: $OUT"
run env HOME="$T" "$INGOT" show --inline "select * from range(20);" -o csv --limit -1
[ "$(wc -l < "$T/.out")" -eq 21 ] || fail "--limit -1: $OUT"

# timestamps and dates print as text
run env HOME="$T" "$INGOT" show --inline "select timestamp '2023-01-22 07:47:00.5' as ts, date '2023-01-22' as d" -o csv
expect_out "2023-01-22 07:47:00.500000,2023-01-22"

# a SQL error: exit 1 with the engine's message
run env HOME="$T" "$INGOT" show --inline "select * from no_such_table_here"
expect_rc 1
expect_err "no_such_table_here"

# bad YAML: exit 2 with file:line:col
printf 'name: shop\nprofile: shop\nmodels:\n  x: [1, 2\n' > dbt_project.yml
run env HOME="$T" "$INGOT" show --inline "select 1"
expect_rc 2
expect_err "dbt_project.yml:"
grep -qE 'dbt_project\.yml:[0-9]+:[0-9]+' "$T/.err" || fail "no file:line:col in: $ERR"
printf 'name: shop\nprofile: shop\n' > dbt_project.yml

# PostgreSQL target
pg_profile show_test shop > profiles.yml
run "$INGOT" show --inline "select 42"
expect_rc 0
expect_out "42"
run "$INGOT" show --inline "select 42 as answer, current_setting('TimeZone') as tz, cast(2.50 as numeric(5,2)) as n" -o csv
expect_rc 0
expect_out "42,UTC,2.50"
run "$INGOT" show --inline "select * from no_such_pg_table" -v --log-format json
expect_rc 1
expect_err "no_such_pg_table"
expect_no "s3cret-never-shown"

# unknown target / profile: exit 2
run "$INGOT" show --inline "select 1" --target nope
expect_rc 2
expect_err "nope"
printf 'name: shop\nprofile: not_there\n' > dbt_project.yml
run "$INGOT" show --inline "select 1"
expect_rc 2
expect_err "not_there"
printf 'name: shop\nprofile: shop\n' > dbt_project.yml

# an unreachable server: exit 2, host:port named, password never shown
sed -i "s/port: .*/port: 1/; s/host: .*/host: \"127.0.0.1\"/" profiles.yml
run "$INGOT" show --inline "select 1"
expect_rc 2
expect_err "127.0.0.1:1"
expect_no "s3cret-never-shown"
run "$INGOT" show --inline "select 1" -v --log-format json
expect_rc 2
expect_no "s3cret-never-shown"
