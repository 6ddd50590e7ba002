#!/usr/bin/env bash
# t1032: on PostgreSQL a build by another process on another machine (its own project directory: no file changes here) refreshes the server's cached tiles: the server polls _ingot.build_state / _ingot.loads, bumps the relations written, and the tile answers the new numbers (equal to independent SQL), while an unrelated write leaves the cache warm.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
S=tserve32
cp -r "$ROOT/tests/fixtures/dash/project" p
cp -r "$ROOT/tests/fixtures/dash/project" other
cd p
engine_profile postgres dashshop "$S" > profiles.yml
cp profiles.yml ../other/
run "$INGOT" build
expect_rc 0
R="$S.fct_order_items"
before=$(q1 "select sum(sale_price) from $R")

serve_start --no-scheduler
tile() { /usr/bin/python3 -c '
import json, os, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
st, _, b = req(sys.argv[1], "GET", "/api/v1/dashboards/shop/tiles/revenue?range=all")
assert st == 200, (st, b)
d = json.loads(b, parse_float=str)
print(d["rows"][0][0], "cached" if d.get("cached") else "fresh")' "$BASE"; }
got=$(tile)
expect_eq "${got% *}" "$before" "the tile before the outside build"
sleep 1.2 # past the poll interval: the first poll has recorded the state
got=$(tile)
expect_eq "$got" "$before cached" "the second answer comes from the cache"

# another machine builds into the same warehouse: a new order item
cd ../other
echo "99,199,2026-03-01 10:00:00,Jeans,Men,Acme,Slim Jeans,1000.00,400.00" >> seeds/order_items.csv
run "$INGOT" build
expect_rc 0
cd ../p
[ ! -e target/run_results.json ] || [ "$(cat target/run_results.json)" != "$(cat ../other/target/run_results.json)" ] ||
  fail "the other build should leave this directory alone"
after=$(q1 "select sum(sale_price) from $R")
[ "$after" != "$before" ] || fail "fixture: the outside build should change revenue ($before)"
ok=
for _ in $(seq 100); do # a deadline for a hang, not a timing assertion
  got=$(tile)
  [ "${got% *}" = "$after" ] && { ok=1; break; }
  sleep 0.2
done
[ -n "$ok" ] || fail "the tile still answers $got after another process's build (want $after); serve log: $(tail -20 "$T/serve.log")"
grep -q "fct_order_items.* was written by another process" "$T/serve.log" ||
  fail "the server says which relation moved: $(grep -i 'another process' "$T/serve.log")"
got=$(tile)
expect_eq "$got" "$after cached" "cached again once refreshed"
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"
