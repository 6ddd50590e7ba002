#!/usr/bin/env bash
# t1142: type: clickhouse refuses bad profiles by file:line (mode, host with embedded, secure, sharding keys without a cluster, a cluster with embedded), says to run scripts/bootstrap when libchdb.so is missing, and reports SQL errors with ClickHouse's own message.
. ./lib.sh
mkdir -p proj/models && cd proj
echo 'name: chbad
profile: chbad' > dbt_project.yml
profile() { printf 'chbad:\n  target: dev\n  outputs:\n    dev:\n      type: clickhouse\n%s\n' "$1" > profiles.yml; }

profile '      mode: cluster
      path: wh.chdb'
run "$INGOT" debug
expect_rc 2
expect_err "profiles.yml:6:"
expect_err "'mode' is 'cluster'; use embedded"

profile '      mode: embedded
      host: ch.example.com'
run "$INGOT" debug
expect_err "'host' is for mode http"

profile '      path: wh.chdb
      secure: maybe'
run "$INGOT" debug
expect_err "'secure' is 'maybe'; use true or false"

profile '      mode: http
      host: 127.0.0.1
      sharding_key: cityHash64(id)'
run "$INGOT" debug
expect_rc 2
expect_err "profiles.yml:8:"
expect_err "'sharding_key' is for sharded tables: add 'cluster: NAME'"

profile '      path: wh.chdb
      cluster: ingot_cluster'
run "$INGOT" debug
expect_rc 2
expect_err "profiles.yml:7:"
expect_err "'cluster: ingot_cluster' needs mode http"

profile '      mode: http
      host: 127.0.0.1
      cluster: ingot_cluster
      shard_http_ports: [8123, eighty]'
run "$INGOT" debug
expect_rc 2
expect_err "profiles.yml:9:"
expect_err "'shard_http_ports' must list port numbers"

profile '      path: wh.chdb
      sslmode: require'
run "$INGOT" debug
expect_err "unsupported profile key 'sslmode' for type clickhouse"

# no libchdb.so: a clear error naming the fix
chdb_or_skip t1142 # the rest needs chDB loaded
profile '      path: wh.chdb'
INGOT_CHDB_LIB=/nonexistent/libchdb.so run "$INGOT" show --inline "select 1"
[ "$RC" -ne 0 ] || fail "a missing libchdb.so must fail"
expect_err "run scripts/bootstrap"

# an SQL error carries ClickHouse's message and code
[ -f "$ROOT/third_party/chdb/lib/libchdb.so" ] || fail "chDB is not installed: run scripts/bootstrap"
run "$INGOT" show --inline "select no_such_column"
[ "$RC" -ne 0 ] || fail "a bad query must fail"
expect_err "UNKNOWN_IDENTIFIER"
