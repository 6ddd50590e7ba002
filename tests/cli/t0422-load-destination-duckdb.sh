#!/usr/bin/env bash
# t0422: _ingot.loaded_files is keyed by the destination relation: a changed
# schema: or identifier: loads into the new table, two projects writing one
# source name into different schemas of one warehouse each load every file,
# and a manifest of an earlier version (keyed by source/table) is migrated
# and gets its unique key (relation, path).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small ${ENGINE:-duckdb}
[ "${ENGINE:-duckdb}" = duckdb ] || pg_reset bronze2 other
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n2,b\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv

# a manifest as an earlier version wrote it: no destination columns
"$INGOT" show --limit -1 --inline "create schema _ingot" >/dev/null
"$INGOT" show --limit -1 --inline "create table _ingot.loaded_files (source varchar, table_name varchar, path varchar, size bigint, mtime_us bigint, sha256 varchar, rows_read bigint, load_id varchar, loaded_at timestamp)" >/dev/null
"$INGOT" show --limit -1 --inline "create table _ingot.loads (load_id varchar, source varchar, table_name varchar, relation varchar, started_at timestamp, files bigint, bytes bigint, rows_read bigint, rows_loaded bigint, rows_rejected bigint, duration_s float8, status varchar, error varchar)" >/dev/null
for s in "create schema bronze" "create table bronze.log (id bigint, v varchar)" "insert into bronze.log values (1, 'a')"; do
  "$INGOT" show --limit -1 --inline "$s" >/dev/null
done
sha=$(sha256sum lake/log/a.csv | cut -d' ' -f1)
"$INGOT" show --limit -1 --inline "insert into _ingot.loaded_files values ('src', 'log', 'log/a.csv', 9, 0, '$sha', 1, 'L1', now())" >/dev/null
"$INGOT" show --limit -1 --inline "insert into _ingot.loads (load_id, source, table_name, relation, status) values ('L1', 'src', 'log', 'bronze.log', 'ok')" >/dev/null
run "$INGOT" load --dry-run
expect_rc 0
expect_out "loaded   log/a.csv"
run "$INGOT" load
expect_rc 0
expect_q "select path || ' ' || schema_name || '.' || identifier from _ingot.loaded_files order by path" "items/a.csv bronze.items
log/a.csv bronze.log"
expect_eq "$(q1 "select count(*) from bronze.log")" "1" "the migrated file is not loaded again"
run "$INGOT" show --limit -1 --inline "insert into _ingot.loaded_files (source, table_name, path, sha256, schema_name, identifier) values ('x', 'y', 'log/a.csv', 'z', 'bronze', 'log')"
[ "$RC" -ne 0 ] || fail "the manifest accepted a second claim of bronze.log log/a.csv"

# a changed schema: loads into the new table instead of "up to date"
sed -i 's/schema: bronze/schema: bronze2/' models/sources.yml
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze2.log")" "1" "the new schema gets the table"
# a changed identifier too
sed -i 's/      - name: log/      - name: log\n        identifier: log_v2/' models/sources.yml
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze2.log_v2")" "1" "the new identifier gets the table"

# a second project on the same warehouse, same source name, another schema
mkdir ../p2 && cp -r models dbt_project.yml profiles.yml ../p2/ && cd ../p2
ln -s ../p/lake lake
sed -i 's/schema: bronze2/schema: other/' models/sources.yml
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q1 "select count(*) from other.log_v2")" "1" "the second project loads its own copy"
cd ../p
printf 'id,v\n2,b\n' > lake/log/b.csv
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze2.log_v2")" "2" "the first project still gets new files"
