#!/usr/bin/env bash
# test: heavy
# t1102: the pipelines pages in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on DuckDB with the scheduler: the list with squares; ecommerce_elt's graph in dependency order with states; a run triggered from the page goes queued -> running -> success live; a failing task's log is readable (tests/web/pipelines.spec.mjs). SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/serve/lib.sh"
web_need t1102
web_setup pipelines.spec.mjs

example_project duckdb main
"$INGOT" gen thelook --scale 0.01 --out lake --tables products,distribution_centers >/dev/null
"$INGOT" gen thelook --scale 0.01 --out lake --start 2025-01-01 --end 2025-06-30 >/dev/null
# A run whose build reuses every model takes a few tens of milliseconds,
# less than the page's refresh after an event (150 ms): the spec could not
# see "running". One task that lasts a second keeps each run visible in
# every state, however fast the rest is.
echo '  - {id: settle, shell: "sleep 1", depends_on: [start]}' >> pipelines/ecommerce_elt.yml
cat > pipelines/ops_flaky.yml <<'EOF2'
pipeline: ops_flaky
tasks:
  - {id: prepare, shell: "echo preparing; sleep 0.5"}
  - {id: explode, shell: "echo 'boom: the flaky task failed on purpose' >&2; exit 7", depends_on: [prepare]}
  - {id: report, shell: "echo report", depends_on: [explode]}
EOF2

serve_start
web_run pipelines.spec.mjs "$T/web.log" 4
n=$WEB_N
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1102: $n browser checks passed (screenshots in tests/artifacts/web)"
