#!/usr/bin/env bash
# t0428: a location with "..", an absolute path or Jinja is an error at
# parse, with file:line:col, instead of silently matching nothing.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small duckdb
mkdir -p lake/items; printf 'id,v\n1,a\n' > lake/items/a.csv
cp models/sources.yml sources.orig
for loc in '../outside/*.csv' '/abs/items/*.csv' "items/{{ var('d') }}/*.csv" 'items/../../x/*.csv'; do
  sed "s|location: \"items/\*.csv\"|location: \"$loc\"|" sources.orig > models/sources.yml
  grep -qF "location: \"$loc\"" models/sources.yml || fail "fixture edit failed for $loc"
  run "$INGOT" load
  expect_rc 2
  expect_err "models/sources.yml:8:"
  expect_err "external location"
done
expect_eq "$(q1 "select count(*) from information_schema.tables where table_schema = 'bronze'")" "0" "nothing was loaded"
