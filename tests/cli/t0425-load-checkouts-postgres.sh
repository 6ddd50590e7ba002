#!/usr/bin/env bash
# t0425: exactly once across checkouts. Two copies of one project (a
# scheduler host and a laptop: separate .ingot/locks) load the same new
# files into one PostgreSQL warehouse at once: the warehouse lock
# (pg_advisory_xact_lock on the destination, taken before planning) makes
# one run load them and the other find them loaded.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small postgres
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n' > lake/items/a.csv
awk 'BEGIN { print "id,v"; for (i = 1; i <= 200000; i++) print i ",row " i }' > lake/log/a.csv
"$INGOT" load src.log >/dev/null
cp -r "$T/p" "$T/q"
rm -rf "$T/q/.ingot"
for round in 1 2 3; do
  awk -v r=$round 'BEGIN { print "id,v"; for (i = 1; i <= 50000; i++) print r * 1000000 + i ",r" }' > "$T/p/lake/log/r$round.csv"
  cp "$T/p/lake/log/r$round.csv" "$T/q/lake/log/r$round.csv"
  touch -r "$T/p/lake/log/r$round.csv" "$T/q/lake/log/r$round.csv"
  (cd "$T/p" && "$INGOT" load src.log) > "$T/run1.out" 2>&1 &
  p1=$!
  (cd "$T/q" && "$INGOT" load src.log) > "$T/run2.out" 2>&1 &
  p2=$!
  wait $p1 || fail "checkout 1 failed: $(cat "$T/run1.out")"
  wait $p2 || fail "checkout 2 failed: $(cat "$T/run2.out")"
done
expect_eq "$(q1 "select count(*) || ' ' || count(distinct id) from bronze.log")" "350000 350000" "rows loaded once across checkouts"
expect_eq "$(q1 "select count(*) from _ingot.loaded_files where identifier = 'log'")" "4" "one manifest row per file"
# the manifest refuses a second claim of a file for one destination
run "$INGOT" show --limit -1 --inline "insert into _ingot.loaded_files (source, table_name, path, sha256, schema_name, identifier) values ('x', 'y', 'log/a.csv', 'z', 'bronze', 'log')"
[ "$RC" -ne 0 ] || fail "the manifest accepted a second claim of bronze.log log/a.csv"
