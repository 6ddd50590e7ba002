#!/usr/bin/env bash
# t1180: compiled/ and run/ listings across state-aware builds. A listing
# whose bytes equal the published one is shared with it (a hard link, not a
# new file), yet every run directory keeps exactly what that run compiled:
# after a change, target/ holds the new SQL of what changed and the old,
# still correct SQL of what was reused, and an earlier run's listing is
# never rewritten through the shared file.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models p/macros && cd p
cat > dbt_project.yml <<'YML'
name: lst
version: "1.0.0"
config-version: 2
profile: lst
YML
engine_profile duckdb lst > profiles.yml
cat > macros/k.sql <<'SQL'
{% macro k() %}10{% endmacro %}
SQL
echo "select 1 as id, {{ k() }} as v" > models/a.sql
echo "select id, v + 1 as v from {{ ref('a') }}" > models/b.sql
echo "select 7 as id" > models/c.sql
cat > models/schema.yml <<'YML'
version: 2
models:
  - name: b
    columns:
      - name: id
        tests: [not_null]
YML
C=target/compiled/lst/models
R=target/run/lst/models
last() { echo "target/runs/$(ls target/runs | sort | tail -1)"; }

run "$INGOT" build -q
expect_rc 0
grep -q "10 as v" "$C/a.sql" || fail "a's compiled listing: $(cat "$C/a.sql")"
grep -q '"a"' "$R/b.sql" || fail "b's run listing: $(cat "$R/b.sql")"
run1=$(last)

# no change: everything reused; the run's listings are the published files
run "$INGOT" build
expect_rc 0
expect_out "REUSED"
run2=$(last)
[ "$run2" != "$run1" ] || fail "no new run directory"
# both logs have each reused node's START line right before its REUSED
# line (the two go out in one write)
for lg in "$run2/ingot.log" target/ingot.log; do
  for m in a b c; do
    grep -A1 "START sql [a-z]* model [a-z_]*\.$m \." "$lg" | tail -1 |
      grep -q "REUSED sql [a-z]* model [a-z_]*\.$m (no upstream change)" ||
      fail "$lg: $m's START and REUSED lines: $(grep "model [a-z_]*\.$m " "$lg")"
  done
  # reused nodes' lines are logged in batches, but before the lines after them
  awk '/REUSED/ {r = NR} /Done\. PASS/ {d = NR} END {exit !(r && d && r < d)}' "$lg" ||
    fail "$lg: a REUSED line after the run's Done line: $(tail -5 "$lg")"
done
for m in a b c; do
  cmp -s "$C/$m.sql" "$run2/compiled/lst/models/$m.sql" || fail "run 2's $m listing differs"
  [ "$(stat -c %i "$C/$m.sql")" = "$(stat -c %i "$run2/compiled/lst/models/$m.sql")" ] ||
    fail "an unchanged listing of $m was written again instead of shared"
done
[ ! -e "$run2/run" ] || [ -z "$(find "$run2/run" -type f)" ] || fail "reused nodes wrote run/ listings"

# a changed macro and a changed model: their listings change, the reused
# one (c) keeps its correct SQL, and runs 1 and 2 keep theirs
cat > macros/k.sql <<'SQL'
{% macro k() %}20{% endmacro %}
SQL
echo "select 8 as id" > models/b2.sql
echo "select 9 as id" > models/c.sql
run "$INGOT" build
expect_rc 0
run3=$(last)
grep -q "20 as v" "$C/a.sql" || fail "a's compiled listing after the macro change: $(cat "$C/a.sql")"
grep -q "20 as v" "$run3/compiled/lst/models/a.sql" || fail "run 3's a listing is stale"
grep -q "select 9 as id" "$C/c.sql" || fail "c's listing after its change: $(cat "$C/c.sql")"
grep -q "select 9 as id" "$R/c.sql" || fail "c's run listing after its change: $(cat "$R/c.sql")"
grep -q "10 as v" "$run1/compiled/lst/models/a.sql" || fail "run 1's listing was rewritten"
grep -q "10 as v" "$run2/compiled/lst/models/a.sql" || fail "run 2's listing was rewritten"
grep -q "select 7 as id" "$run2/compiled/lst/models/c.sql" || fail "run 2's c listing was rewritten"
grep -q "select 8 as id" "$C/b2.sql" || fail "new model b2 has no listing"
# b's SQL text did not change (only its input did): same bytes, shared
cmp -s "$C/b.sql" "$run1/compiled/lst/models/b.sql" || fail "b's listing changed"

# back to the first macro: a's listing is the first text again, everywhere
cat > macros/k.sql <<'SQL'
{% macro k() %}10{% endmacro %}
SQL
run "$INGOT" build
expect_rc 0
run4=$(last)
grep -q "10 as v" "$C/a.sql" || fail "a's listing did not follow the macro back"
grep -q "10 as v" "$R/a.sql" || fail "a's run listing did not follow the macro back"
grep -q "20 as v" "$run3/compiled/lst/models/a.sql" || fail "run 3's listing was rewritten"
cmp -s "$C/a.sql" "$run4/compiled/lst/models/a.sql" || fail "the published listing is not the last run's"
# the warehouse agrees with the listings
expect_q "select v from main.b" "11"
expect_q "select id from main.c" "9"
echo ok
