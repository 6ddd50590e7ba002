#!/usr/bin/env bash
# test: lock clickhouse-server
# t1146: `ingot load` into sharded ClickHouse tables (profile `cluster:`)
# through the binary, against the two 18.16 shards of
# tests/lib/clickhouse.sh (no ZooKeeper: DDL runs on each shard's host).
# The example lake's order_items and orders land as <name>_local MergeTree
# tables on both shards plus a Distributed table named as the relation;
# the per-shard counts sum to the files' rows; a rejected row is kept once
# in _ingot.load_rejects; an error in the middle of the stream and a shard
# killed in the middle of a load and an attach that fails on one shard (the
# others undone from their snapshots) all fail the load, say what happened
# (the killed shard by host:port) and leave the table as it was (and no
# rejects of the failed run); after a restart the rerun loads exactly once.
. ./lib.sh
. "$ROOT/tests/lib/clickhouse.sh"
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX)
trap 'ch_stop "$chdir"; rm -rf "$T"' EXIT
ch_start "$chdir" || fail "could not start the ClickHouse cluster"
P1=$INGOT_TEST_CHPORT P2=$INGOT_TEST_CHPORT2

example_project duckdb unused
# two windows of the lake: the first loaded first, the second added later
"$INGOT" gen thelook --scale 0.05 --out lake --start 2023-01-01 --end 2024-06-30 >/dev/null
"$INGOT" gen thelook --scale 0.05 --out "$T/later" --start 2024-07-01 --end 2025-12-31 >/dev/null
# one row no INT64 can hold: rejected, kept once
head -1 lake/order_items/order_items_*.csv >lake/order_items/order_items_bad.csv
echo 'not-a-number,1,1,1,1,Complete,2024-01-01 00:00:00,,,,1.5' >>lake/order_items/order_items_bad.csv
ch_cluster_profile ecommerce >profiles.yml
rows() { # FILES...: data rows (every line but the header) of the files
  local f n=0; for f in "$@"; do n=$((n + $(wc -l <"$f") - 1)); done; echo $n; }
local_sum() { # TABLE: rows of TABLE_local on shard 1 + shard 2
  echo $(( $(chq -s 1 "select count() from bronze.$1_local") + $(chq -s 2 "select count() from bronze.$1_local") )); }
oi1=$(( $(rows lake/order_items/order_items_2*.csv) ))
ord=$(rows lake/orders/orders_*.csv)
[ "$oi1" -gt 1000 ] && [ "$ord" -gt 1000 ] || fail "the lake is too small: $oi1 $ord"

# debug names the cluster, its shards and how DDL runs (and the server
# is still too old for builds)
run "$INGOT" debug
expect_out "connection:      FAILED"
expect_err "older than ingot supports for builds"
expect_err "cluster ingot_cluster: 2 shards (127.0.0.1:$P1, 127.0.0.1:$P2), sharding key rand(), DDL run on each shard's host"
run "$INGOT" build
[ "$RC" -ne 0 ] || fail "a build against 18.16 is refused"
expect_err "older than ingot supports for builds"

# 0. the first load of orders fails at the attach on shard 2 (a test
# switch): both shards are put back to no rows
INGOT_TEST_CH_FAIL_ATTACH=2 run "$INGOT" load --select raw.orders
[ "$RC" -ne 0 ] || fail "a first load whose attach fails on a shard fails"
expect_err "the attach failed"
for s in 1 2; do
  expect_eq "$(chq -s $s "select count() from bronze.orders_local")" 0 "first load undone on shard $s"
done

# 1. the load: local tables on both shards, a Distributed table over them
run "$INGOT" load --select raw.order_items raw.orders
expect_rc 0
for s in 1 2; do
  expect_eq "$(chq -s $s "select engine from system.tables where database = 'bronze' and name = 'order_items'")" Distributed "Distributed table on shard $s"
  expect_eq "$(chq -s $s "select engine from system.tables where database = 'bronze' and name = 'order_items_local'")" MergeTree "local table on shard $s"
done
expect_eq "$(local_sum order_items)" "$oi1" "order_items: the shards' rows sum to the files' good rows"
expect_eq "$(local_sum orders)" "$ord" "orders: the shards' rows sum to the files' rows"
[ "$(chq -s 1 "select count() from bronze.order_items_local")" -gt 0 ] || fail "shard 1 has rows"
[ "$(chq -s 2 "select count() from bronze.order_items_local")" -gt 0 ] || fail "shard 2 has rows"
expect_eq "$(chq "select count(), uniqExact(id) from bronze.order_items")" "$oi1	$oi1" "read through the Distributed table"
expect_eq "$(chq -s 2 "select count() from bronze.orders")" "$ord" "any shard answers for the Distributed table"
expect_eq "$(chq "select count() from _ingot.load_rejects where table_name = 'order_items'")" 1 "one reject"
expect_eq "$(chq "select reason like '%not-a-number%' from _ingot.load_rejects")" 1 "the reject's reason names the value"
expect_eq "$(chq -s 2 "select count() from system.tables where database = '_ingot'")" 0 "ingot's own tables live on the target's node"

# 2. a rerun loads nothing and keeps the reject once
run "$INGOT" load --select raw.order_items raw.orders
expect_rc 0
expect_out "up to date"
expect_eq "$(local_sum order_items)" "$oi1" "rerun: unchanged"
expect_eq "$(chq "select count() from _ingot.load_rejects")" 1 "rerun: the reject once"

# the second window arrives, with a bad row of its own
cp "$T"/later/order_items/*.csv lake/order_items/
head -1 lake/order_items/order_items_bad.csv >lake/order_items/order_items_1_bad.csv
echo '12,1,1,1,1,Complete,yesterday,,,,1.5' >>lake/order_items/order_items_1_bad.csv
oi2=$(rows "$T"/later/order_items/*.csv)
[ "$oi2" -gt 1000 ] || fail "the second window is too small: $oi2"
n1=$(chq -s 1 "select count() from bronze.order_items_local")
n2=$(chq -s 2 "select count() from bronze.order_items_local")
lib=". '$ROOT/tests/lib/clickhouse.sh'"

# 3. an error in the middle of the stream (shard 2's staging table
# dropped after the second chunk): reported with the server's message,
# the table unchanged, no reject of the failed run kept
export INGOT_TEST_CH_CHUNK_BYTES=20000
INGOT_TEST_CH_AFTER_CHUNK="2:bash -c \"$lib; chq -s 2 'drop table bronze.order_items__ingot_stage_local'\"" \
  run "$INGOT" load --select raw.order_items
[ "$RC" -ne 0 ] || fail "a load whose stream breaks fails"
expect_err "Code: 60"
expect_err "order_items__ingot_stage_local"
expect_out "FAILED"
expect_eq "$(chq -s 1 "select count() from bronze.order_items_local")" "$n1" "stream error: shard 1 unchanged"
expect_eq "$(chq -s 2 "select count() from bronze.order_items_local")" "$n2" "stream error: shard 2 unchanged"
expect_eq "$(chq "select count() from _ingot.load_rejects")" 1 "stream error: no reject of the failed run"

# 4. shard 2 killed after the second chunk: the load fails naming it,
# nothing of the failed load is visible
INGOT_TEST_CH_AFTER_CHUNK="2:bash -c \"$lib; ch_kill_shard '$chdir' 2\"" \
  run "$INGOT" load --select raw.order_items
[ "$RC" -ne 0 ] || fail "a load with a shard killed fails"
expect_err "shard 2 of cluster ingot_cluster (127.0.0.1:$P2) is unreachable"
expect_err "every shard is running"
expect_no "ingot-secret"
expect_eq "$(chq -s 1 "select count() from bronze.order_items_local")" "$n1" "shard killed: shard 1 unchanged"
expect_eq "$(chq "select count() from _ingot.load_rejects")" 1 "shard killed: no reject of the failed run"
ch_restart_shard "$chdir" 2 || fail "shard 2 did not restart"
expect_eq "$(chq -s 2 "select count() from bronze.order_items_local")" "$n2" "shard killed: shard 2 unchanged"
expect_eq "$(chq "select count() from bronze.order_items")" "$oi1" "shard killed: the Distributed table unchanged"

# 4b. the attach fails on shard 2 after shard 1 took the rows (a test
# switch fails it once shard 2 attached too): every shard takes its
# snapshot back, so nothing of the failed load is visible anywhere
INGOT_TEST_CH_FAIL_ATTACH=2 run "$INGOT" load --select raw.order_items
[ "$RC" -ne 0 ] || fail "a load whose attach fails on a shard fails"
expect_err "the attach failed"
expect_eq "$(chq -s 1 "select count() from bronze.order_items_local")" "$n1" "attach failed: shard 1 undone"
expect_eq "$(chq -s 2 "select count() from bronze.order_items_local")" "$n2" "attach failed: shard 2 undone"
expect_eq "$(chq "select count() from _ingot.load_rejects")" 1 "attach failed: no reject of the failed run"
# a snapshot an undo could not put back blocks the next load, which says
# what to do
chq -s 2 "create table bronze.order_items__ingot_prev_local as bronze.order_items_local" >/dev/null
run "$INGOT" load --select raw.order_items
[ "$RC" -ne 0 ] || fail "a load refuses while a shard keeps a snapshot"
expect_err "shard 2 of cluster ingot_cluster (127.0.0.1:$P2) still has \"bronze\".\"order_items__ingot_prev_local\""
expect_err "REPLACE PARTITION tuple() FROM"
expect_eq "$(chq -s 1 "select count() from bronze.order_items_local")" "$n1" "refused: shard 1 unchanged"
chq -s 2 "drop table bronze.order_items__ingot_prev_local" >/dev/null

# 5. the rerun loads the new files exactly once
run "$INGOT" load --select raw.order_items
expect_rc 0
expect_eq "$(local_sum order_items)" $((oi1 + oi2)) "rerun after the restart: every row once"
expect_eq "$(chq "select count(), uniqExact(id) from bronze.order_items")" "$((oi1 + oi2))	$((oi1 + oi2))" "no row twice"
expect_eq "$(chq "select count() from _ingot.load_rejects")" 2 "each reject once"
for s in 1 2; do
  expect_eq "$(chq -s $s "select count() from system.tables where database = 'bronze' and name like '%__ingot_stage%'")" 0 "no staging table left on shard $s"
  expect_eq "$(chq -s $s "select count() from system.tables where database = 'bronze' and name like '%__ingot_prev%'")" 0 "no snapshot left on shard $s"
done
unset INGOT_TEST_CH_CHUNK_BYTES
run "$INGOT" load --select raw.order_items raw.orders
expect_rc 0
expect_eq "$(local_sum order_items)" $((oi1 + oi2)) "a last rerun loads nothing"
