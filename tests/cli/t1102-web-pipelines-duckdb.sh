#!/usr/bin/env bash
# t1102: the pipelines pages in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on DuckDB with the scheduler: the list with squares; ecommerce_elt's graph in dependency order with states; a run triggered from the page goes queued -> running -> success live; a failing task's log is readable (tests/web/pipelines.spec.mjs). SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  echo "SKIP t1102: needs node, npm and /usr/bin/chromium (scripts/bootstrap installs them)"
  exit 0
fi
. "$ROOT/tests/fixtures/serve/lib.sh"
mkdir -p "$T/web"
cp "$ROOT/tests/web/package.json" "$ROOT/tests/web/package-lock.json" "$ROOT/tests/web/pipelines.spec.mjs" "$T/web/"
(cd "$T/web" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
  fail "npm ci in tests/web failed: $(tail -20 "$T/npm.log")"

cp -r "$ROOT/examples/ecommerce" "$T/ex"
cd "$T/ex"
rm -rf lake target .ingot logs warehouse.duckdb*
unset INGOT_TARGET
"$INGOT" gen thelook --scale 0.01 --out lake --tables products,distribution_centers >/dev/null
"$INGOT" gen thelook --scale 0.01 --out lake --start 2025-01-01 --end 2025-06-30 >/dev/null
cat > pipelines/ops_flaky.yml <<'EOF2'
pipeline: ops_flaky
tasks:
  - {id: prepare, shell: "echo preparing; sleep 0.5"}
  - {id: explode, shell: "echo 'boom: the flaky task failed on purpose' >&2; exit 7", depends_on: [prepare]}
  - {id: report, shell: "echo report", depends_on: [explode]}
EOF2

serve_start
art="$ROOT/tests/artifacts/web"
mkdir -p "$art"
set +e
(cd "$T/web" && INGOT_WEB_URL="$BASE" INGOT_WEB_ARTIFACTS="$art" timeout 600 node pipelines.spec.mjs) >"$T/web.log" 2>&1
rc=$?
set -e
cat "$T/web.log"
summary=$(grep -E '^web: [0-9]+ passed, [0-9]+ failed$' "$T/web.log" | tail -1)
[ -n "$summary" ] || fail "the browser test did not finish (exit $rc); serve log: $(tail -20 "$T/serve.log")"
[ "$rc" -eq 0 ] || fail "browser checks failed: $summary; serve log: $(tail -30 "$T/serve.log")"
n=${summary#web: }; n=${n%% passed*}
[ "$n" -ge 4 ] || fail "too few browser checks ran: $summary"
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1102: $n browser checks passed (screenshots in tests/artifacts/web)"
