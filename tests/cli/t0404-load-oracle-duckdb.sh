#!/usr/bin/env bash
# t0404: oracle — every table of a clean thelook lake (plain and gzip files,
# several per table) loads into DuckDB exactly as DuckDB's own read_csv
# reads the same files with the same declared types (EXCEPT ALL both ways),
# and a rerun loads nothing new.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project thelook duckdb
"$INGOT" gen thelook --scale 0.01 --files 2 --out lake -q
"$INGOT" gen thelook --scale 0.01 --files 2 --out gz --gzip -q --tables order_items,events
for t in order_items events; do
  for f in gz/$t/*.csv.gz; do mv "$f" "lake/$t/gz_$(basename "$f")"; done
done
# the .gz files match "<t>/<t>_*.csv" only through the .gz rule: rename into the pattern
for t in order_items events; do
  for f in lake/$t/gz_*.csv.gz; do b=$(basename "$f"); mv "$f" "lake/$t/${t}_z${b#gz_${t}_}"; done
done

run "$INGOT" load
expect_rc 0
expect_counts_balance

duck_type() {
  case $1 in INT64) echo BIGINT ;; FLOAT64) echo DOUBLE ;; STRING) echo VARCHAR ;; *) echo "$1" ;; esac
}
tables=$(sed -n 's/^      - name: //p' models/sources.yml)
for t in $tables; do
  cols=$(awk -v t="$t" '
    /^      - name: / { cur = $3 }
    cur == t && /^          - \{name: / { gsub(/[{},]/, ""); print $3, $5 }' models/sources.yml |
    while read -r n ty; do printf "'%s': '%s', " "$n" "$(duck_type "$ty")"; done)
  rc="read_csv('lake/$t/${t}_*.csv*', header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false, columns = {${cols%, }})"
  n=$(q1 "select count(*) from bronze.$t")
  want=$(q1 "select count(*) from $rc")
  expect_eq "$n" "$want" "$t row count"
  [ "$n" -gt 0 ] || fail "$t: no rows"
  a=$(q1 "select count(*) from (select * from bronze.$t except all select * from $rc)")
  b=$(q1 "select count(*) from (select * from $rc except all select * from bronze.$t)")
  expect_eq "$a/$b" "0/0" "$t equals read_csv"
done
expect_eq "$(q1 "select count(*) from _ingot.load_rejects")" "0" "clean data has no rejects"
expect_eq "$(q1 "select count(*) from _ingot.loaded_files where path like '%.csv.gz'")" "4" "gzip files loaded"

run "$INGOT" load
expect_rc 0
expect_out "up to date"
expect_no "     ok "
