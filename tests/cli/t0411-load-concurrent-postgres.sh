#!/usr/bin/env bash
# t0411: two `ingot load` runs at once on PostgreSQL (several processes may
# write): each table is locked before it is planned, so a new file is
# loaded exactly once and the second run finds nothing new.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small postgres
mkdir -p lake/items lake/log
awk 'BEGIN { print "id,v"; for (i = 1; i <= 300000; i++) print i ",row " i }' > lake/log/a.csv
printf 'id,v\n1,a\n' > lake/items/a.csv
"$INGOT" load src.log > run1.out 2>&1 &
p1=$!
"$INGOT" load src.log > run2.out 2>&1 &
p2=$!
wait $p1 || fail "first run failed: $(cat run1.out)"
wait $p2 || fail "second run failed: $(cat run2.out)"
expect_eq "$(q1 "select count(*) || ' ' || count(distinct id) from bronze.log")" "300000 300000" "rows loaded once"
expect_eq "$(q1 "select count(*) from _ingot.loaded_files where table_name = 'log'")" "1" "one manifest row"
expect_eq "$(q "select status from _ingot.loads where table_name = 'log' order by status" | tr '\n' ' ')" "ok up_to_date " "one run loads, the other finds nothing new"
