#!/usr/bin/env bash
# t0962-show-json-values: `ingot show -o json` values are exact on both
# engines (platform/results): DECIMAL as a JSON number with its digits,
# big integers whole, doubles shortest round-trip, instants ISO-8601 UTC,
# civil times without a zone, NULL as null; PostgreSQL's numeric NaN stays
# valid JSON (a string).
. "$(dirname "$0")/lib.sh"

check() { # ENGINE TS_SQL
  run "$INGOT" show --limit -1 -o json --inline "select cast(646.28 as decimal(10,2)) as money,
    cast(0.1 as double precision) as d, cast(646.28 as double precision) as d2,
    cast(9223372036854775807 as bigint) as big, cast(null as integer) as n,
    'café \"q\"' as s, $2 as at, date '2024-01-02' as day"
  expect_rc 0
  expect_out '"money": 646.28,'
  expect_out '"d": 0.1,'
  expect_out '"big": 9223372036854775807,'
  expect_out '"at": "2024-01-02T03:04:05Z",'
  python3 - "$T/.out" <<'EOP' || fail "$1: json values: $OUT"
import decimal, json, sys
d = json.load(open(sys.argv[1]), parse_float=decimal.Decimal)
row = d["show"][0]
assert list(d) == ["show"], d  # no "truncated" without a cap
assert row["money"] == decimal.Decimal("646.28"), row
assert float(row["d"]) == 0.1 and float(row["d2"]) == 646.28, row
assert row["big"] == 2**63 - 1, row
assert row["n"] is None, row
assert row["s"] == 'café "q"', row
assert row["day"] == "2024-01-02", row
EOP
}

# DuckDB (the embedded default): TIMESTAMP is an instant in UTC
mkdir duck && cd duck
printf 'name: shop\nprofile: shop\n' > dbt_project.yml
check duckdb "timestamp '2024-01-02 03:04:05'"
cd ..

# PostgreSQL: timestamptz is the instant, timestamp the civil time
mkdir pg && cd pg
printf 'name: shop\nprofile: test\n' > dbt_project.yml
pg_profile public > profiles.yml
check postgres "timestamptz '2024-01-02 03:04:05+00'"
run "$INGOT" show -o json --inline "select timestamp '2024-01-02 03:04:05.5' as civil, 'NaN'::numeric as nan"
expect_rc 0
expect_out '"civil": "2024-01-02T03:04:05.500000",'
expect_out '"nan": "NaN"'
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/.out" || fail "NaN broke the JSON: $OUT"
