#!/usr/bin/env bash
# PostgreSQL keeps 63 bytes of an identifier and cuts longer ones silently.
# A 63-byte model (table, incremental), snapshot and source table rebuild and reload
# correctly (their temporary names are derived to fit); a 64-byte name is
# refused before anything runs, naming the file.
. "$(dirname "$0")/lib.sh"
n63=m_$(printf 'x%.0s' $(seq 61))        # 63 bytes
n64=${n63}y                              # 64 bytes
[ ${#n63} -eq 63 ] && [ ${#n64} -eq 64 ] || fail "test setup: name lengths"
i63=t_$(printf 'y%.0s' $(seq 61))
# a rerun on the same server starts clean
"$INGOT_TEST_PGBIN/psql" -X -q -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" \
  -d "$INGOT_TEST_PGDATABASE" -c "set client_min_messages = warning; drop schema if exists t0662 cascade" \
  -c "delete from _ingot.loaded_files where source = 'longid_src'" >/dev/null 2>&1 || true
mkdir -p proj/models proj/lake/items && cd proj
echo "name: longid
profile: longid" > dbt_project.yml
pg_profile t0662 longid > profiles.yml
cat > models/src.yml <<EOP
version: 2
sources:
  - name: longid_src
    schema: t0662
    tables:
      - name: items
        identifier: $i63
        external:
          location: "items/*.csv"
          options: {write_disposition: truncate}
        columns:
          - {name: id, data_type: INT64}
EOP
printf 'id\n1\n2\n' > lake/items/a.csv
cat > models/$n63.sql <<'EOP'
{{ config(materialized='table') }}
select id from {{ source('longid_src', 'items') }}
EOP
a63=${n63/m_/i_} # the incremental model's alias, 63 bytes
cat > models/inc.sql <<EOP
{{ config(materialized='incremental', unique_key='id', alias='$a63') }}
select id from {{ ref('$n63') }}
EOP

s63=s_$(printf 'z%.0s' $(seq 61)) # a 63-byte snapshot
mkdir -p snapshots
cat > snapshots/snap.sql <<EOP
{% snapshot $s63 %}
{{ config(target_schema='t0662', unique_key='id', strategy='check', check_cols='all') }}
select id, id * 10 as v from {{ ref('$n63') }}
{% endsnapshot %}
EOP

# round 2 rebuilds the table, reloads the truncate-mode source (one more
# row) and merges into the incremental model
for round in 2 3; do
  run "$INGOT" load
  expect_rc 0
  run "$INGOT" build
  [ "$RC" -eq 0 ] || fail "build round $round: exit $RC; $OUT $ERR"
  expect_out "Done. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3"
  expect_q "select count(*) from t0662.$n63" "$round"
  expect_q "select count(*) from t0662.$i63" "$round"
  expect_q "select count(*) from t0662.$a63" "$round"
  expect_q "select count(*) from t0662.$s63 where dbt_valid_to is null" "$round"
  printf 'id\n3\n' > lake/items/b.csv
done
# no relation was created under a cut name
expect_q "select count(*) from pg_class c join pg_namespace s on s.oid = c.relnamespace
          where s.nspname = 't0662'" "4"

# 64 bytes: refused, with the file
mv models/$n63.sql models/$n64.sql
sed -i "s/ref('$n63')/ref('$n64')/" models/inc.sql snapshots/snap.sql
run "$INGOT" build
expect_rc 1
expect_out "model $n64 (models/$n64.sql): relation name '$n64' is 64 bytes; postgres keeps at most 63"
expect_q "select count(*) from pg_class c join pg_namespace s on s.oid = c.relnamespace
          where s.nspname = 't0662'" "4"

sed -i "s/identifier: $i63/identifier: ${i63}z/" models/src.yml
run "$INGOT" load
expect_rc 2
expect_err "models/src.yml:6:9: source table longid_src.items: identifier '${i63}z' is 64 bytes"
