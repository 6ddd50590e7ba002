#!/usr/bin/env bash
# With more than one thread, a build hands out first the ready node with the
# longest chain below it (the head of a chain of four models before three
# lone models whose names sort first); with one thread it keeps dbt's order
# (by level, then by unique_id: the lone models first).
. "$(dirname "$0")/lib.sh"
mkdir -p p/models && cd p
cat > dbt_project.yml <<'YML'
name: cpath
version: "1.0"
profile: cpath
YML
engine_profile duckdb cpath >profiles.yml # threads: 2
for i in 1 2 3; do echo "select $i as x" > models/a_lone_$i.sql; done
echo "select 1 as x" > models/z_chain_1.sql
for i in 2 3 4; do echo "select x + 1 as x from {{ ref('z_chain_$((i - 1))') }}" > models/z_chain_$i.sql; done
# the first two nodes handed out (a third starts only when one of them ends)
first_two() { grep -o 'START sql [a-z]* model main\.[a-z_0-9]*' <<<"$OUT" | head -2 | sed 's/.*main\.//' | sort | tr '\n' ' '; }
run "$INGOT" build --threads 2
expect_rc 0
expect_out "Done. PASS=7 WARN=0 ERROR=0 SKIP=0 TOTAL=7"
case "$(first_two)" in
  *z_chain_1*) ;;
  *) fail "with 2 threads the chain's head is among the first two started: $(first_two)" ;;
esac
run "$INGOT" build --threads 1
expect_rc 0
expect_eq "$(first_two)" "a_lone_1 a_lone_2 " "one thread keeps dbt's order"
