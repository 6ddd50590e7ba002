#!/usr/bin/env bash
# t1203: state-aware builds reuse a snapshot whose inputs did not change
# since its last success (src/transform/reuse.c): a run would see the same
# rows and write nothing. A changed input runs it (the change is recorded,
# and what reads it is built); a snapshot that names its table in SQL
# (no ref or source) always runs; --no-reuse runs it.
. ./lib.sh
mkdir -p p/models p/seeds p/snapshots && cd p
printf 'name: snapreuse\nprofile: snapreuse\nversion: "1.0"\nconfig-version: 2\n' > dbt_project.yml
engine_profile duckdb snapreuse > profiles.yml
printf 'id,price\n1,10\n2,20\n' > seeds/items.csv
cat > snapshots/items_snap.sql <<'SQL'
{% snapshot items_snap %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}
select id, price from {{ ref('items') }}
{% endsnapshot %}
SQL
cat > snapshots/named_snap.sql <<'SQL'
{% snapshot named_snap %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}
select id, price from main.outside_items
{% endsnapshot %}
SQL
echo "select id, price from {{ ref('items_snap') }} where dbt_valid_to is null" > models/current.sql
# message UNIQUE_ID_SUFFIX: a node's message in the last run's results
message() { jq -r --arg n "$1" '.results[] | select(.unique_id | endswith($n)) | .message' target/run_results.json; }
reused='reused: no upstream change'

# a table ingot does not build or load, read by named_snap
"$INGOT" show -q --limit -1 --inline "create table main.outside_items as select 1 as id, 5 as price" >/dev/null ||
  fail "create main.outside_items"
run "$INGOT" build
expect_rc 0
[ "$(message snapshot.snapreuse.items_snap)" != "$reused" ] || fail "the first build reused the snapshot"
run "$INGOT" build
expect_rc 0
expect_out "REUSED snapshot snapshots.items_snap (no upstream change)"
expect_eq "$(message snapshot.snapreuse.items_snap)" "$reused" "nothing it reads changed: reused"
expect_eq "$(message model.snapreuse.current)" "$reused" "and so is what reads it"
[ "$(message snapshot.snapreuse.named_snap)" != "$reused" ] || fail "a snapshot of a table named in SQL is reused"
expect_eq "$(q1 'select count(*) from snapshots.items_snap')" 2 "the snapshot holds a row per item"

printf '2,25\n' >> seeds/items.csv && sed -i '3d' seeds/items.csv
run "$INGOT" build
expect_rc 0
[ "$(message snapshot.snapreuse.items_snap)" != "$reused" ] || fail "a changed input did not run the snapshot"
[ "$(message model.snapreuse.current)" != "$reused" ] || fail "what reads the snapshot was not built"
expect_eq "$(q1 'select count(*) from snapshots.items_snap where id = 2')" 2 "the change recorded: two versions of item 2"
expect_eq "$(q1 'select price from current where id = 2')" 25 "the current row is the new price"

run "$INGOT" build
expect_rc 0
expect_eq "$(message snapshot.snapreuse.items_snap)" "$reused" "reused again once nothing changed"
run "$INGOT" build --no-reuse
expect_rc 0
[ "$(message snapshot.snapreuse.items_snap)" != "$reused" ] || fail "--no-reuse reused the snapshot"
expect_eq "$(q1 'select count(*) from snapshots.items_snap')" 3 "a run with no change writes nothing"
echo ok
