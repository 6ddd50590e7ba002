#!/usr/bin/env bash
# tests/valgrind.sh UNIT_BINARY INGOT_BINARY — memcheck over the unit tests
# and a tour of the CLI (embedded DuckDB): any invalid access, use of
# uninitialised memory, or definite leak in ingot's code fails the run.
#
# DuckDB itself is excluded by a suppression file (tests/valgrind.supp):
# valgrind reports uninitialised bytes that DuckDB writes as whole blocks
# in its own checkpoint code; nothing of ours is suppressed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
unit=$1
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --suppressions="$here/valgrind.supp" --trace-children=no)
passed=0 failed=0
check() { # name cmd...
  local name=$1; shift
  if "${vg[@]}" "$@" >/tmp/ingot-vg.out 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    local rc=$?
    if [ $rc -eq 99 ] || grep -q '^==[0-9]*==' /tmp/ingot-vg.out; then
      failed=$((failed + 1)); echo "FAIL $name"; grep '^==' /tmp/ingot-vg.out | head -40
    else
      passed=$((passed + 1)); echo "ok   $name (exit $rc, no memory errors)"
    fi
  fi
}
# unit tests that need no PostgreSQL server
for t in buf_ arena_ strmap_ err_ civil_ ts_parse date_parse json_ fs_ vec_ yaml_ project_ profiles_ \
         graph jinja lake_ gen_; do
  check "unit $t" "$unit" "$t"
done
w=$(mktemp -d /tmp/ingot-vg-XXXXXX)
trap 'rm -rf "$w"' EXIT
cd "$w"
printf 'name: vg\nprofile: vg\n' > dbt_project.yml
check "--version" "$bin" --version
check "show" "$bin" show --inline "select 42 as x, 'é' as y, current_date as d, 1.5::decimal(10,2) as n"
check "debug" "$bin" debug
check "gen" "$bin" gen thelook --scale 0.002 --out lake --dirty 0.01
echo '{{ x | upper }}{% for i in range(3) %}{{ i }}{% endfor %}' > t.j2
echo '{"x": "ok"}' > c.json
check "jinja render" "$bin" jinja render t.j2 --context c.json
if [ -d "$here/fixtures/load/basic" ]; then
  cp -r "$here/fixtures/load/basic" p && cd p
  check "load" "$bin" load
  cd "$w"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
