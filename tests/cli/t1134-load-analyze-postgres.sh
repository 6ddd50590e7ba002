#!/usr/bin/env bash
# t1134: a PostgreSQL load runs ANALYZE on the table it loaded, so the first
# build after it plans with statistics: pg_class.reltuples holds the row
# count (a table COPY'd into and never analyzed has -1, and autovacuum does
# not analyze a table this small); a load that finds nothing new does not.
. ./lib.sh
mkdir -p p/models p/lake/a && cd p
printf 'name: an\nversion: "1.0"\nconfig-version: 2\nprofile: an\n' >dbt_project.yml
engine_profile postgres an an >profiles.yml
"$INGOT" show -q --limit -1 --inline "drop schema if exists an_raw cascade" >/dev/null || fail "reset an_raw"
cat >models/sources.yml <<'EOS'
version: 2
sources:
  - name: raw
    schema: an_raw
    tables:
      - name: a
        external:
          location: "a/*.csv"
          options: {header: true, write_disposition: append}
        columns:
          - {name: id, data_type: INT64}
          - {name: v, data_type: STRING}
      - name: b
        external:
          location: "a/*.csv"
          options: {header: true, write_disposition: truncate}
        columns:
          - {name: id, data_type: INT64}
          - {name: v, data_type: STRING}
EOS
printf 'id,v\n1,x\n2,y\n3,z\n' >lake/a/a_1.csv
reltuples() { q1 "select cast(c.reltuples as bigint) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'an_raw' and c.relname = '$1'"; }
run "$INGOT" load
expect_rc 0
expect_eq "$(reltuples a)" 3 "append-mode table analyzed after its load"
expect_eq "$(reltuples b)" 3 "truncate-mode (swapped) table analyzed after its load"
printf 'id,v\n4,w\n5,v\n' >lake/a/a_2.csv
run "$INGOT" load -s raw.a
expect_rc 0
expect_eq "$(reltuples a)" 5 "analyzed again after new rows"
# the check can fail: without ANALYZE a fresh COPY'd table has no estimate
"$INGOT" show -q --limit -1 --inline "create table an_raw.c as select * from an_raw.a where false" >/dev/null
"$INGOT" show -q --limit -1 --inline "insert into an_raw.c select * from an_raw.a" >/dev/null
expect_eq "$(reltuples c)" -1 "a table loaded without ANALYZE has no statistics"
