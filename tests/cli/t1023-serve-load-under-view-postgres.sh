#!/usr/bin/env bash
# t1023: on PostgreSQL a load by another process into a source refreshes the tiles over dbt views that read it (through a chain of views, from the manifest's depends_on), not only tiles over the loaded relation; a table built over the same view keeps its cached answer (its rows change only when it is rebuilt).
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
S=tserve23
cp -r "$ROOT/tests/fixtures/dash/project" p
cd p
engine_profile postgres dashshop "$S" > profiles.yml
for s in _ingot "${S}_bronze"; do
  "$INGOT" show --limit -1 --inline "drop schema if exists $s cascade" >/dev/null
done
mkdir -p lake/events
printf 'id,at,amount\n1,2026-03-01 10:00:00,10\n2,2026-03-02 10:00:00,20\n' > lake/events/a.csv
cat > models/sources.yml <<YML
version: 2
sources:
  - name: src
    schema: ${S}_bronze
    tables:
      - name: events
        external:
          location: "events/*.csv"
        columns:
          - {name: id, data_type: INT64}
          - {name: at, data_type: TIMESTAMP}
          - {name: amount, data_type: INT64}
YML
# a view over the source, a view over that view, and a table over the view
echo "{{ config(materialized='view') }} select id, at, amount from {{ source('src', 'events') }}" > models/events_v.sql
echo "{{ config(materialized='view') }} select id, at, amount from {{ ref('events_v') }}" > models/events_v2.sql
echo "{{ config(materialized='table') }} select id, at, amount from {{ ref('events_v') }}" > models/events_t.sql
cat > dashboards/events.yml <<'YML'
views:
  - {name: ev, model: events_v2, time: at, measures: [{name: amount, expr: sum(amount)}]}
  - {name: evt, model: events_t, time: at, measures: [{name: amount, expr: sum(amount)}]}
dashboards:
  - name: ev
    pages:
      - name: p
        tiles:
          - {name: over_view, type: kpi, view: ev, measure: amount}
          - {name: over_table, type: kpi, view: evt, measure: amount}
YML
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards: 0 errors, 0 warnings"
# another machine: its own project directory with one more lake file
cp -r ../p ../other
rm -rf ../other/target ../other/.ingot
printf 'id,at,amount\n3,2026-03-03 10:00:00,300\n' > ../other/lake/events/b.csv

tile() { /usr/bin/python3 -c '
import json, os, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
st, _, b = req(sys.argv[1], "GET", "/api/v1/dashboards/ev/tiles/%s?range=all" % sys.argv[2])
assert st == 200, (st, b)
d = json.loads(b, parse_float=str)
print(d["rows"][0][0], "cached" if d.get("cached") else "fresh")' "$BASE" "$1"; }

serve_start --no-scheduler
expect_eq "$(tile over_view)" "30 fresh" "the view's tile before the load"
expect_eq "$(tile over_table)" "30 fresh" "the table's tile before the load"
sleep 1.2 # past the poll interval: the first poll has recorded the state
expect_eq "$(tile over_view)" "30 cached" "the view's tile from the cache"
expect_eq "$(tile over_table)" "30 cached" "the table's tile from the cache"

# another process loads the source (no build): the views show the new row
(cd ../other && "$INGOT" load) >"$T/other.log" 2>&1 || fail "the other load failed: $(cat "$T/other.log")"
after=$(q1 "select sum(amount) from ${S}.events_v2")
expect_eq "$after" "330" "independent SQL over the view after the load"
ok=
for _ in $(seq 100); do # a deadline for a hang, not a timing assertion
  got=$(tile over_view)
  [ "${got% *}" = "$after" ] && { ok=1; break; }
  sleep 0.2
done
[ -n "$ok" ] || fail "the tile over the view still answers $got after another process's load (want $after); serve log: $(tail -20 "$T/serve.log")"
grep -q "${S}_bronze.*events.* was written by another process" "$T/serve.log" ||
  fail "the server says which relation moved: $(grep -i 'another process' "$T/serve.log")"
expect_eq "$(tile over_view)" "$after cached" "cached again once refreshed"
# the table over the view was not rebuilt: same rows, still a cache hit
expect_eq "$(q1 "select sum(amount) from ${S}.events_t")" "30" "the table is unchanged"
expect_eq "$(tile over_table)" "30 cached" "the table's tile stays cached"
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"
