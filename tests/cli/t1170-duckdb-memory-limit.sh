#!/usr/bin/env bash
# t1170: a DuckDB warehouse file gets memory_limit = half of the RAM (or of the cgroup's limit) unless the profile's settings: name one (DuckDB's own default, 80%, let one build hold most of a shared machine); :memory: keeps DuckDB's default.
. ./lib.sh
cat >profiles.yml <<EOP
x:
  target: d
  outputs:
    d: {type: duckdb, path: "$T/w.duckdb"}
    m: {type: duckdb, path: ":memory:"}
    s: {type: duckdb, path: "$T/w.duckdb", settings: {memory_limit: 2GB}}
    u: {type: duckdb, path: "$T/w.duckdb", settings: {Memory_Limit: 3GB}}
EOP
printf 'name: x\nversion: "1"\nprofile: x\nconfig-version: 2\n' >dbt_project.yml
limit_mb() { # TARGET: DuckDB's memory_limit in MiB
  "$INGOT" show -t "$1" -o csv --inline "select current_setting('memory_limit') as l" >"$T/.l" 2>"$T/.lerr" ||
    fail "query on $1: $(cat "$T/.lerr")"
  awk 'NR == 2 { v = $1; u = $2; m = (u == "GiB") ? v * 1024 : (u == "MiB") ? v : (u == "TiB") ? v * 1048576 : -1; printf "%d\n", m }' "$T/.l"
}
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
if [ -r /sys/fs/cgroup/memory.max ] && [ "$(cat /sys/fs/cgroup/memory.max)" != max ]; then
  cg_kb=$(( $(cat /sys/fs/cgroup/memory.max) / 1024 ))
  [ "$cg_kb" -lt "$mem_kb" ] && mem_kb=$cg_kb
fi
want=$(( mem_kb / 2 / 1024 ))
[ "$want" -lt 1024 ] && want=1024
got=$(limit_mb d)
# DuckDB shows the limit rounded to a tenth of a GiB
[ "$got" -ge $(( want * 95 / 100 )) ] && [ "$got" -le $(( want * 105 / 100 + 1 )) ] ||
  fail "a warehouse file's memory_limit is half of the memory: expected about $want MiB, got $got MiB"
# the profile's own limit wins, whatever its case
got=$(limit_mb s)
[ "$got" -ge 1800 ] && [ "$got" -le 1920 ] || fail "settings: {memory_limit: 2GB} is kept: got $got MiB"
got=$(limit_mb u)
[ "$got" -ge 2700 ] && [ "$got" -le 2900 ] || fail "settings: {Memory_Limit: 3GB} is kept: got $got MiB"
# an in-memory database is left to DuckDB (its default, 80%, is more than half)
got=$(limit_mb m)
[ "$got" -gt $(( want * 3 / 2 )) ] || fail ":memory: keeps DuckDB's default limit: got $got MiB (half is $want)"
