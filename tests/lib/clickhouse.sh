#!/usr/bin/env bash
# tests/lib/clickhouse.sh — a throwaway two-shard ClickHouse cluster for tests.
#
#   source tests/lib/clickhouse.sh
#   ch_start DIR          # two servers on loopback; exports INGOT_TEST_CH{HOST,PORT,PORT2,
#                         #   TCPPORT,TCPPORT2,USER,PASSWORD,CLUSTER,DIR}
#   ch_wait_ready DIR N   # wait until shard N (1 or 2) answers SELECT 1
#   ch_kill_shard DIR N   # SIGKILL shard N (a crash, not a shutdown)
#   ch_restart_shard DIR N
#   chq [-s N] SQL        # run SQL on shard N (default 1) over HTTP; the answer on
#                         #   stdout, non-zero and the server's message on stderr
#   ch_stop DIR           # stop both (and ZooKeeper) and remove DIR
#   ch_zk_start DIR       # before ch_start: a ZooKeeper (Debian's zookeeper
#                         #   package) the shards' config then names, so they
#                         #   run distributed DDL (ON CLUSTER); exports
#                         #   INGOT_TEST_CHZKPORT
#   ch_zk_stop DIR        # SIGKILL ZooKeeper (ch_zk_restart DIR starts it again)
#
# Debian's clickhouse-server (18.16) is old: use it for the HTTP interface,
# inserts, errors, sessions and Distributed tables, not for modern SQL.
# Each shard gets generated config XML in DIR/sN (data, logs, tmp), listens
# on 127.0.0.1 only, and both share a users.xml with two users: "default"
# (no password, what the Distributed engine uses between shards) and
# "ingot" with password "ingot-secret" (what the tests connect as). The
# cluster "ingot_cluster" has one replica per shard. When we are root the
# servers run as the clickhouse user in a DIR that user owns, as PostgreSQL
# runs as postgres (tests/lib/pg.sh). Nothing is left running after ch_stop.

ch_server_bin() {
  local b
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    [ -x "$b" ] && { echo "$b"; return 0; }
  done
  command -v clickhouse-server 2>/dev/null && return 0
  return 1
}

. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# Each server port from its own range of 200 below the ephemeral range
# (tests/lib/ports.sh); ch_start retries when one is taken between check
# and start, and each try searches from another point.
ch_free_port() { # RANGE(0-4) TRY
  free_port $(( 24200 + $1 * 200 )) 200 $(( $1 * 11 + $2 ))
}

ch_as() { # run a command as the servers' owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u clickhouse -- "$@"; else "$@"; fi
}

ch__users_xml() {
  cat <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage>
    <distributed_ddl_task_timeout>30</distributed_ddl_task_timeout></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota>
    </default>
    <ingot>
      <password>ingot-secret</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota>
    </ingot>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

# ch__config_xml DIR N HTTP TCP TCP1 TCP2
ch__config_xml() {
  local d=$1/s$2
  cat <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>information</level><log>$d/server.log</log><errorlog>$d/error.log</errorlog>
    <size>100M</size><count>1</count><console>0</console></logger>
  <http_port>$3</http_port>
  <tcp_port>$4</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$1/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <max_connections>256</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <builtin_dictionaries_reload_interval>0</builtin_dictionaries_reload_interval>
  <remote_servers>
    <ingot_cluster>
      <shard><replica><host>127.0.0.1</host><port>$5</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$6</port></replica></shard>
    </ingot_cluster>
  </remote_servers>
  <macros><shard>$2</shard><replica>r1</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
XML
  [ -n "${INGOT_TEST_CHZKPORT:-}" ] && cat <<XML
  <zookeeper><node><host>127.0.0.1</host><port>$INGOT_TEST_CHZKPORT</port></node>
    <session_timeout_ms>10000</session_timeout_ms><operation_timeout_ms>8000</operation_timeout_ms></zookeeper>
XML
  echo '</yandex>'
}

# ZooKeeper from Debian's zookeeper package, standalone, on a free loopback
# port, its data in DIR/zk (small heap, no admin server).
ch_zk_jar() {
  [ -f /usr/share/java/zookeeper.jar ] && { echo /usr/share/java/zookeeper.jar; return 0; }
  return 1
}

ch__zk_spawn() { # DIR
  local dir=$1
  mkdir -p "$dir/zk/data"
  # in a subshell, so the caller's shell does not report its SIGKILL
  (java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dzookeeper.admin.enableServer=false \
    -Dzookeeper.4lw.commands.whitelist=ruok -cp "$(ch_zk_jar)" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$(cat "$dir/zk/port")" "$dir/zk/data" \
    >>"$dir/zk/zk.log" 2>&1 </dev/null &
  echo $! >"$dir/zk/pid")
}

# A ZooKeeper session handshake (ConnectRequest: protocol 0, zxid 0,
# timeout 30000 ms, session 0, a 16-byte zero password, not read-only).
# "ruok" answers before the server takes sessions, and a clickhouse-server
# 18.16 whose first handshake fails keeps no ZooKeeper and later crashes
# (a segfault in zkutil::ZooKeeper::createImpl): start the shards only once
# a session is granted.
CH_ZK_CONNECT='\x00\x00\x00\x2d\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x75\x30\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'

ch_zk_ready() { # DIR: 0 once ZooKeeper grants a session (~40s at most)
  local dir=$1 i r port
  port=$(cat "$dir/zk/port")
  for ((i = 0; i < 200; i++)); do
    r=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf "$CH_ZK_CONNECT" >&3 && timeout 5 head -c 4 <&3 | wc -c) 2>/dev/null)
    [ "$r" = 4 ] && return 0
    kill -0 "$(cat "$dir/zk/pid" 2>/dev/null)" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

ch_zk_start() { # DIR
  local dir=$1 try
  ch_zk_jar >/dev/null || { echo "clickhouse.sh: ZooKeeper not found (scripts/bootstrap installs Debian's zookeeper)" >&2; return 1; }
  command -v java >/dev/null || { echo "clickhouse.sh: java not found (Debian's zookeeper package depends on it)" >&2; return 1; }
  mkdir -p "$dir/zk"
  for try in 1 2 3; do
    ch_free_port 4 "$try" >"$dir/zk/port" || { echo "clickhouse.sh: no free port" >&2; return 1; }
    ch__zk_spawn "$dir"
    ch_zk_ready "$dir" && { export INGOT_TEST_CHZKPORT; INGOT_TEST_CHZKPORT=$(cat "$dir/zk/port"); return 0; }
    ch_zk_stop "$dir"
  done
  echo "clickhouse.sh: ZooKeeper did not start:" >&2; tail -20 "$dir/zk/zk.log" >&2
  return 1
}

ch_zk_stop() { # DIR: SIGKILL, then wait until it is gone
  local dir=$1 pid i
  pid=$(cat "$dir/zk/pid" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill -9 "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$dir/zk/pid"
}

ch_zk_restart() { # DIR: on the same port and data
  ch_zk_stop "$1"; ch__zk_spawn "$1"; ch_zk_ready "$1"
}

ch__spawn() { # DIR N: start shard N in the background, its pid in DIR/sN/pid
  local dir=$1 n=$2 bin
  bin=$(ch_server_bin)
  ch_as bash -c 'cd "$1" && exec "$2" --config-file="$1/config.xml" >>"$1/stdout.log" 2>&1 & echo $! >"$1/pid"' _ "$dir/s$n" "$bin"
}

ch_wait_ready() { # DIR N [TRIES]: 0 when shard N answers, 1 after ~120s or when it died
  local dir=$1 n=$2 tries=${3:-1200} port i
  port=$(cat "$dir/s$n/http_port")
  for ((i = 0; i < tries; i++)); do
    [ "$(curl -s --max-time 2 "http://127.0.0.1:$port/?query=SELECT%201" 2>/dev/null)" = 1 ] && return 0
    kill -0 "$(cat "$dir/s$n/pid" 2>/dev/null)" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

ch_start() {
  local dir=$1 n try ok p
  ch_server_bin >/dev/null || { echo "clickhouse.sh: clickhouse-server not found (scripts/bootstrap installs it)" >&2; return 1; }
  command -v curl >/dev/null || { echo "clickhouse.sh: curl not found" >&2; return 1; }
  mkdir -p "$dir"
  for try in 1 2 3 4 5; do
    local h1 h2 t1 t2
    h1=$(ch_free_port 0 "$try") && h2=$(ch_free_port 1 "$try") &&
      t1=$(ch_free_port 2 "$try") && t2=$(ch_free_port 3 "$try") ||
      { echo "clickhouse.sh: no free port" >&2; return 1; }
    ch__users_xml >"$dir/users.xml"
    for n in 1 2; do
      mkdir -p "$dir/s$n/data" "$dir/s$n/tmp" "$dir/s$n/user_files" "$dir/s$n/format_schemas"
      if [ "$n" = 1 ]; then p="$h1 $t1"; else p="$h2 $t2"; fi
      # shellcheck disable=SC2086
      ch__config_xml "$dir" "$n" $p "$t1" "$t2" >"$dir/s$n/config.xml"
      echo "${p%% *}" >"$dir/s$n/http_port"; echo "${p##* }" >"$dir/s$n/tcp_port"
    done
    [ "$(id -u)" -eq 0 ] && chown -R clickhouse: "$dir"
    ok=1
    for n in 1 2; do ch__spawn "$dir" "$n"; done
    for n in 1 2; do ch_wait_ready "$dir" "$n" || ok=; done
    [ -n "$ok" ] && break
    # a port taken between the check and the start: stop what runs, next ports
    grep -qs 'Address already in use' "$dir"/s*/error.log "$dir"/s*/stdout.log || {
      echo "clickhouse.sh: server did not start:" >&2; tail -20 "$dir"/s*/error.log "$dir"/s*/stdout.log >&2
      ch__kill_all "$dir"; return 1; }
    ch__kill_all "$dir"
    rm -rf "$dir"/s1 "$dir"/s2
  done
  [ -n "$ok" ] || { echo "clickhouse.sh: no ports after 5 tries" >&2; return 1; }
  export INGOT_TEST_CHHOST=127.0.0.1 INGOT_TEST_CHPORT=$h1 INGOT_TEST_CHPORT2=$h2
  export INGOT_TEST_CHTCPPORT=$t1 INGOT_TEST_CHTCPPORT2=$t2
  export INGOT_TEST_CHUSER=ingot INGOT_TEST_CHPASSWORD=ingot-secret
  export INGOT_TEST_CHCLUSTER=ingot_cluster INGOT_TEST_CHDIR=$dir
}

ch__kill_all() {
  local dir=$1 n
  for n in 1 2; do ch_kill_shard "$dir" "$n"; done
}

ch_kill_shard() { # DIR N: SIGKILL, then wait until it is gone
  local dir=$1 n=$2 pid i
  pid=$(cat "$dir/s$n/pid" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill -9 "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$dir/s$n/pid"
}

ch_restart_shard() { # DIR N: start shard N again on its ports, wait until it answers
  local dir=$1 n=$2
  ch_kill_shard "$dir" "$n"
  ch__spawn "$dir" "$n"
  ch_wait_ready "$dir" "$n"
}

ch_stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  ch__kill_all "$dir"
  ch_zk_stop "$dir"
  rm -rf "$dir"
}

# chq [-s N] [-u USER -p PASSWORD] SQL — SQL over HTTP on shard N (default
# shard 1, user ingot). The body of the answer on stdout; on an HTTP error
# the server's message on stderr and status 1.
chq() {
  local shard=1 user=${INGOT_TEST_CHUSER:-ingot} pass=${INGOT_TEST_CHPASSWORD:-ingot-secret} port out code
  while [ $# -gt 1 ]; do
    case $1 in
      -s) shard=$2; shift 2 ;;
      -u) user=$2; shift 2 ;;
      -p) pass=$2; shift 2 ;;
      *) break ;;
    esac
  done
  if [ "$shard" = 1 ]; then port=$INGOT_TEST_CHPORT; else port=$INGOT_TEST_CHPORT2; fi
  out=$(mktemp)
  code=$(curl -sS -o "$out" -w '%{http_code}' -H "X-ClickHouse-User: $user" -H "X-ClickHouse-Key: $pass" \
    --data-binary @- "http://127.0.0.1:$port/" <<<"$1") || { rm -f "$out"; return 1; }
  if [ "$code" != 200 ] || grep -q '^Code: [0-9]*\. DB::Exception' "$out"; then
    cat "$out" >&2; rm -f "$out"; return 1
  fi
  cat "$out"; rm -f "$out"
}

# ch_cluster_profile PROFILE: a profiles.yml for PROFILE, target chc, on the
# two shards of ch_start through their HTTP ports (mode http, cluster
# ingot_cluster, the test user's password from $CH_PW, which it exports).
ch_cluster_profile() {
  export CH_PW=ingot-secret
  cat <<EOP
$1:
  target: chc
  outputs:
    chc:
      type: clickhouse
      mode: http
      host: 127.0.0.1
      port: $INGOT_TEST_CHPORT
      user: ingot
      password: "{{ env_var('CH_PW') }}"
      schema: default
      cluster: ingot_cluster
      shard_http_ports: [$INGOT_TEST_CHPORT, $INGOT_TEST_CHPORT2]
      threads: 2
EOP
}

# ch_ev_project NAME MOD MUL ROWS: in the current directory, a dbt project
# NAME with source raw.ev (lake/ev/*.csv: id, kind, amount) and its first
# file ev_1.csv of ROWS rows; ch_ev_csv FIRST LAST prints more rows
# (kind k<id % MOD>, amount id * MUL).
ch_ev_project() {
  CH_EV_MOD=$2 CH_EV_MUL=$3
  printf 'name: %s\nversion: "1.0"\nconfig-version: 2\nprofile: %s\n' "$1" "$1" >dbt_project.yml
  mkdir -p models tests lake/ev
  ch_ev_csv 1 "$4" >lake/ev/ev_1.csv
  cat >models/sources.yml <<'EOS'
version: 2
sources:
  - name: raw
    schema: raw
    tables:
      - name: ev
        external:
          location: "ev/*.csv"
          options: {header: true}
        columns:
          - {name: id, data_type: INT64}
          - {name: kind, data_type: STRING}
          - {name: amount, data_type: INT64}
EOS
}
ch_ev_csv() {
  echo id,kind,amount
  seq "$1" "$2" | awk -v m="$CH_EV_MOD" -v k="$CH_EV_MUL" '{ printf "%d,k%d,%d\n", $1, $1 % m, $1 * k }'
}
