#!/usr/bin/env bash
# t0421: "**" follows directory symlinks once per directory (device, inode):
# `self -> .` loads each file once and `up -> ..` ends.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small duckdb
sed -i 's|location: "log/\*.csv"|location: "log/**/*.csv"|' models/sources.yml
mkdir -p lake/items lake/log/2024
printf 'id,v\n1,a\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
printf 'id,v\n2,b\n' > lake/log/2024/b.csv
ln -s . lake/log/self
ln -s .. lake/log/2024/up
timeout 60 "$INGOT" load src.log > out.txt 2>&1 || fail "load failed or hung: $(cat out.txt)"
expect_eq "$(q1 "select count(*) || ' ' || count(distinct id) from bronze.log")" "2 2" "each file loaded once"
run "$INGOT" load src.log
expect_rc 0
expect_out "up to date"
