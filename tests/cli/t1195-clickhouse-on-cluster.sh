#!/usr/bin/env bash
# test: lock clickhouse-server
# t1195: distributed DDL (ON CLUSTER) on a real cluster: Debian's zookeeper
# and the two 18.16 shards of tests/lib/clickhouse.sh, whose config names
# it. A sharded `ingot load` (profile `cluster:`) creates its tables with
# ON CLUSTER (the statements are in ZooKeeper's DDL queue): a <name>_local
# MergeTree table and a Distributed table on every shard, whose totals are
# the files'; a rerun loads nothing, new files are added exactly once.
# What fails is named, with what to do, and never hangs: a shard that is
# down (distributed DDL would wait 3 minutes for it), ZooKeeper down (the
# target fails, it does not quietly run DDL shard by shard). Builds are
# refused by 18.16 (too old for the SQL builds write), cluster named.
. ./lib.sh
. "$ROOT/tests/lib/clickhouse.sh"
ch_server_bin >/dev/null || { echo "SKIP t1195: clickhouse-server is not installed (scripts/bootstrap installs it)"; exit 0; }
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX)
trap 'ch_stop "$chdir"; rm -rf "$T"' EXIT
ch_zk_start "$chdir" || fail "could not start ZooKeeper (scripts/bootstrap installs Debian's zookeeper)"
ch_start "$chdir" || fail "could not start the ClickHouse cluster"
P1=$INGOT_TEST_CHPORT P2=$INGOT_TEST_CHPORT2
for s in 1 2; do
  expect_eq "$(chq -s $s "select count() > 0 from system.zookeeper where path = '/'")" 1 "shard $s reaches ZooKeeper"
done

mkdir p && cd p
ch_ev_project chz 5 3 3000
csv() { ch_ev_csv "$@"; }
ch_cluster_profile chz >profiles.yml
ddl_tasks() { chq "select count() from system.zookeeper where path = '/clickhouse/task_queue/ddl'"; }
local_sum() { echo $(( $(chq -s 1 "select count() from raw.ev_local") + $(chq -s 2 "select count() from raw.ev_local") )); }

# debug names how DDL runs: ON CLUSTER (and 18.16 is too old for builds)
run "$INGOT" debug
expect_err "cluster ingot_cluster: 2 shards (127.0.0.1:$P1, 127.0.0.1:$P2), sharding key rand(), DDL ON CLUSTER (distributed DDL)"
run "$INGOT" build
[ "$RC" -ne 0 ] || fail "a build against 18.16 is refused"
expect_err "older than ingot supports for builds"
expect_err "DDL ON CLUSTER (distributed DDL)"

# 1. the load: its DDL goes through the ZooKeeper queue; tables on every shard
before=$(ddl_tasks)
run "$INGOT" load
expect_rc 0
[ "$(ddl_tasks)" -gt "$before" ] || fail "the load's DDL ran ON CLUSTER (ZooKeeper's DDL queue grew: $before -> $(ddl_tasks))"
for s in 1 2; do
  expect_eq "$(chq -s $s "select engine from system.tables where database = 'raw' and name = 'ev'")" Distributed "Distributed table on shard $s"
  expect_eq "$(chq -s $s "select engine from system.tables where database = 'raw' and name = 'ev_local'")" MergeTree "local table on shard $s"
  [ "$(chq -s $s "select count() from raw.ev_local")" -gt 0 ] || fail "shard $s has rows"
  expect_eq "$(chq -s $s "select count() from system.tables where database = 'raw' and name like '%__ingot%'")" 0 "no staging table left on shard $s"
done
expect_eq "$(local_sum)" 3000 "the shards' rows sum to the file's"
for s in 1 2; do
  expect_eq "$(chq -s $s "select count(), uniqExact(id), sum(amount) from raw.ev")" "3000	3000	13504500" "totals through the Distributed table on shard $s"
done
expect_eq "$(chq "select kind, count() from raw.ev group by kind order by kind" | tr '\n' ' ')" "k0	600 k1	600 k2	600 k3	600 k4	600 " "groups through the Distributed table"

# 2. a rerun loads nothing; a new file is added exactly once
run "$INGOT" load
expect_rc 0
expect_out "up to date"
expect_eq "$(local_sum)" 3000 "rerun: unchanged"
csv 3001 3500 >lake/ev/ev_2.csv
run "$INGOT" load
expect_rc 0
expect_eq "$(chq "select count(), uniqExact(id), sum(amount) from raw.ev")" "3500	3500	18380250" "the new file once"

# 3. a shard down: named, what to do, and at once (not after the DDL timeout)
csv 3501 3600 >lake/ev/ev_3.csv
ch_kill_shard "$chdir" 2
run timeout 60 "$INGOT" load
[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] || fail "a load with a shard down fails, at once (rc $RC)"
expect_err "shard 2 of cluster ingot_cluster (127.0.0.1:$P2) is unreachable"
expect_err "DDL ON CLUSTER waits for every shard"
expect_err "check that every shard is running"
expect_no "ingot-secret"
ch_restart_shard "$chdir" 2 || fail "shard 2 did not restart"
expect_eq "$(chq "select count() from raw.ev")" 3500 "shard down: the table as it was"

# 4. ZooKeeper down: the target fails and says so; nothing runs shard by shard
ch_zk_stop "$chdir"
run timeout 60 "$INGOT" load
[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] || fail "a load with ZooKeeper down fails, at once (rc $RC)"
expect_err "cluster 'ingot_cluster' runs its DDL through ZooKeeper/Keeper"
expect_err "cannot reach it"
expect_err "127.0.0.1:$INGOT_TEST_CHZKPORT"
expect_err "start ZooKeeper/Keeper"
expect_eq "$(chq "select count() from raw.ev")" 3500 "ZooKeeper down: the table as it was"

# 5. ZooKeeper back. 18.16 answers the first distributed DDL after its
# session expired with "Session expired" (ingot's message says to rerun),
# and its DDL worker may stop for good after the outage ("Server expects
# that DDL task ... should be processed"), so the shards restart too (the
# operator's move), and the harness waits until a harmless ON CLUSTER
# statement passes. The rerun then loads the new file exactly once
ch_zk_restart "$chdir" || fail "ZooKeeper did not restart"
ch_restart_shard "$chdir" 1 || fail "shard 1 did not restart"
ch_restart_shard "$chdir" 2 || fail "shard 2 did not restart"
for i in $(seq 1 200); do
  chq "create database if not exists raw on cluster ingot_cluster" >/dev/null 2>&1 && break
  sleep 0.2
done
before=$(ddl_tasks)
run "$INGOT" load
expect_rc 0
[ "$(ddl_tasks)" -gt "$before" ] || fail "after ZooKeeper's restart the DDL runs ON CLUSTER again"
expect_eq "$(chq "select count(), uniqExact(id), sum(amount) from raw.ev")" "3600	3600	19445400" "the rerun: every row once"
expect_eq "$(chq -s 2 "select count() from raw.ev")" 3600 "shard 2 reads the same"
