#!/usr/bin/env bash
# The features fixture: sources, a local package (deps), dispatch with a
# search_order, generate_schema_name override, vars (global and package
# scoped), env_var, run_query, statement/load_result, cross-database
# macros, hooks (model and on-run-start/end), incremental strategies
# (append, merge with a key list and predicates, delete+insert) and
# on_schema_change (sync_all_columns, fail), a timestamp snapshot with
# hard deletes. Checked by query.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/features" f && cd f
S=${FEATURES_SCHEMA:-main}
[ -n "${FEATURES_PROFILE:-}" ] && eval "$FEATURES_PROFILE" > profiles.yml
q() { "$INGOT" show --output csv --limit -1 --inline "$1" | tail -n +2; }

run "$INGOT" deps
expect_rc 0
expect_out "Installed from local_pkgs/helpers: helpers"
# the source raw.events is the seed `events`: dbt orders nothing between a
# source and a seed, so load the seeds first, as a real project would
run "$INGOT" seed
expect_rc 0
FEATURES_LABEL=blue run "$INGOT" build
expect_rc 0
expect_out "Done. PASS=14 WARN=0 ERROR=0 SKIP=0 TOTAL=14"
expect_out "OK created sql table model ${S}_x_ctx.probe"
row=$(q "select item_count, kind_count, region, label, shouted, greeting, my_schema, target_name, days, ab, twelve, part2, helper_rows, lit from ${S}_x_ctx.probe")
[ "$row" = "3,2,north,blue,ABC!,hi,${S}_x_ctx,${FEATURES_TARGET:-dev},60,ab,12,b,3,it's" ] || fail "context probe: $row"
[ "$(q "select greeting from ${S}.helper_greeting")" = "hello" ] || fail "package-scoped var"
row=$(q "select item_columns, items_found, rel_identifier, year_ok, invocation_id_length, model_count, quoted_length, year_digits, incremental_flag from ${S}_x_ctx.ctx_more")
[ "$row" = "4,true,items,true,36,8,3,4,false" ] || fail "adapter/api/graph/modules context: $row"
expect_err "ctx_more rendered"

[ "$(q "select string_agg(event, '+' order by event) from ${S}_audit_log")" = "ctx_more+probe+run_end+run_end" ] || fail "hooks (on-run-end after seed and after build)"
[ "$(q "select count(*) from ${S}.events where kind = 'click'")" = "2" ] || fail "seed delimiter"

# new and changed rows, a deleted item, a new column
sed -i 's/^1;click;10;/1;click;15;/' seeds/events.csv
echo "4;click;40;2024-01-04 00:00:00" >> seeds/events.csv
sed -i 's/^2,pear,2.0,2024-01-01 00:00:00/2,pear,2.5,2024-02-01 00:00:00/; /^3,plum/d' seeds/items.csv
"$INGOT" seed -q
run "$INGOT" build --vars '{extra_col: true}'
expect_rc 1
expect_out "ERROR creating sql incremental model ${S}.inc_fail"
expect_out "out of sync"
[ "$(q "select count(*) from ${S}.inc_append")" = "4" ] || fail "append"
[ "$(q "select count(*) || ':' || sum(value) from ${S}.inc_merge")" = "4:105" ] || fail "merge: $(q "select count(*) || ':' || sum(value) from ${S}.inc_merge")"
[ "$(q "select count(*) from information_schema.columns where table_name = 'inc_merge' and column_name = 'doubled'")" = "0" ] || fail "ignore keeps columns"
cols=$(q "select string_agg(column_name, '+' order by column_name) from information_schema.columns where table_schema = '${S}' and table_name = 'inc_sync'")
[ "$cols" = "doubled+event_id" ] || fail "sync_all_columns: $cols"
grep -q "merge into" target/run/features/models/inc/inc_merge.sql || fail "merge statement"
grep -q "DBT_INTERNAL_DEST.value >= 0" target/run/features/models/inc/inc_merge.sql || fail "incremental_predicates"
[ "$(q "select count(*) from ${S}_snap.items_snap")" = "4" ] || fail "snapshot versions"
[ "$(q "select count(*) from ${S}_snap.items_snap where dbt_valid_to is null")" = "2" ] || fail "current versions"
[ "$(q "select count(*) from ${S}_snap.items_snap where name = 'plum' and dbt_valid_to is not null")" = "1" ] || fail "hard delete invalidated"
[ "$(q "select cast(price as varchar) from ${S}_snap.items_snap where item_id = 2 and dbt_valid_to is null")" = "2.5" ] || fail "new version"
# the YAML snapshot (relation: source(...), check_cols: all, schema via generate_schema_name)
[ "$(q "select count(*) from ${S}_x_snaps.events_snap")" = "5" ] || fail "yaml snapshot versions"
[ "$(q "select count(*) from ${S}_x_snaps.events_snap where event_id = 1 and dbt_valid_to is null and value = 15")" = "1" ] || fail "yaml snapshot current"


# --full-refresh rebuilds: the new column appears
run "$INGOT" run -s inc_merge inc_fail --full-refresh --vars '{extra_col: true}'
expect_rc 0
[ "$(q "select count(*) from information_schema.columns where table_name = 'inc_merge' and column_name = 'doubled'")" = "1" ] || fail "full refresh"

# docs generate writes catalog.json with the built relations
run "$INGOT" docs generate
expect_rc 0
grep -q '"model.features.inc_merge"' target/catalog.json || fail "catalog"
grep -q '"source.features.raw.events"' target/catalog.json || fail "catalog sources"
# clean removes target/ and dbt_packages/
run "$INGOT" clean
expect_rc 0
[ ! -e target ] && [ ! -e dbt_packages ] || fail "clean"
