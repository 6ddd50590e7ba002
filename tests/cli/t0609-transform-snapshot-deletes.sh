#!/usr/bin/env bash
# Snapshots and hard deletes: hard_deletes: new_record keeps a current
# version marked dbt_is_deleted = 'True' for a key that left the source, and
# a key that comes back gets a new version; invalidate closes the version.
. "$(dirname "$0")/lib.sh"
mkdir -p p/seeds p/snapshots && cd p
printf 'name: snaps\nversion: "1.0"\nconfig-version: 2\nprofile: snaps\n' > dbt_project.yml
printf 'snaps:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: s.duckdb, schema: main, threads: 1}\n' > profiles.yml
printf 'id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,b,2024-01-01 00:00:00\n' > seeds/src.csv
cat > snapshots/s.yml <<'YML'
snapshots:
  - name: snap_nr
    relation: ref('src')
    config: {unique_key: id, strategy: timestamp, updated_at: updated_at, hard_deletes: new_record}
  - name: snap_inv
    relation: ref('src')
    config: {unique_key: id, strategy: check, check_cols: [name], hard_deletes: invalidate}
YML
# qs SQL: the rows of q on one line
qs() { q "$1" | tr '\n' ' '; }
"$INGOT" seed -q && "$INGOT" snapshot -q
printf 'id,name,updated_at\n1,a,2024-01-01 00:00:00\n' > seeds/src.csv
"$INGOT" seed -q && "$INGOT" snapshot -q && "$INGOT" snapshot -q
[ "$(qs "select id, dbt_is_deleted, dbt_valid_to is null from snap_nr order by id, dbt_valid_from")" = "1,False,true 2,False,false 2,True,true " ] || fail "new_record after delete: $(qs "select id, dbt_is_deleted, dbt_valid_to is null from snap_nr order by id, dbt_valid_from")"
[ "$(qs "select id, dbt_valid_to is null from snap_inv order by id")" = "1,true 2,false " ] || fail "invalidate"
printf 'id,name,updated_at\n1,a,2024-01-01 00:00:00\n2,b2,2024-03-01 00:00:00\n' > seeds/src.csv
"$INGOT" seed -q
run "$INGOT" snapshot
expect_rc 0
expect_out "OK snapshotted main.snap_nr"
[ "$(qs "select name || ':' || dbt_is_deleted from snap_nr where dbt_valid_to is null order by id")" = "a:False b2:False " ] || fail "key came back"
[ "$(qs "select count(*) from snap_inv where id = 2 and dbt_valid_to is null and name = 'b2'")" = "1 " ] || fail "invalidate: key came back"
