#!/usr/bin/env bash
# t1113: the data pages in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on DuckDB with a --dirty lake: the rejects browser shows the rejected rows with their file and line (filter, CSV), the manifest's sha256, the quality page (RAG, history squares, freshness), the catalog's lineage of fct_orders reaches its lake files and the Sales tiles, left to right, click-through (tests/web/data.spec.mjs). SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  echo "SKIP t1113: needs node, npm and /usr/bin/chromium (scripts/bootstrap installs them)"
  exit 0
fi
. "$ROOT/tests/fixtures/serve/lib.sh"
mkdir -p "$T/web"
cp "$ROOT/tests/web/package.json" "$ROOT/tests/web/package-lock.json" "$ROOT/tests/web/data.spec.mjs" "$T/web/"
(cd "$T/web" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
  fail "npm ci in tests/web failed: $(tail -20 "$T/npm.log")"
cp -r "$ROOT/examples/ecommerce" "$T/ex"
cd "$T/ex"
rm -rf lake target .ingot logs warehouse.duckdb*
unset INGOT_TARGET
cat > models/marts/_exposures.yml <<'YML'
version: 2
exposures:
  - name: sales_dashboard
    type: dashboard
    owner: {name: Sales team}
    description: The Sales page of the e-commerce dashboard
    depends_on: [ref('fct_orders')]
YML
printf '    +store_failures: true\n' >> dbt_project.yml
"$INGOT" gen thelook --scale 0.01 --out lake --tables products,distribution_centers >/dev/null
"$INGOT" gen thelook --scale 0.01 --out lake --start 2024-01-01 --end 2024-12-31 --dirty 0.002 >/dev/null
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
serve_start --no-scheduler
art="$ROOT/tests/artifacts/web"
mkdir -p "$art"
set +e
(cd "$T/web" && INGOT_WEB_URL="$BASE" INGOT_WEB_PROJECT="$T/ex" INGOT_WEB_ARTIFACTS="$art" timeout 300 node data.spec.mjs) >"$T/web.log" 2>&1
rc=$?
set -e
cat "$T/web.log"
summary=$(grep -E '^web: [0-9]+ passed, [0-9]+ failed$' "$T/web.log" | tail -1)
[ -n "$summary" ] || fail "the browser test did not finish (exit $rc); serve log: $(tail -20 "$T/serve.log")"
[ "$rc" -eq 0 ] || fail "browser checks failed: $summary; serve log: $(tail -20 "$T/serve.log")"
n=${summary#web: }; n=${n%% passed*}
[ "$n" -ge 6 ] || fail "too few browser checks ran: $summary"
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1113: $n browser checks passed (screenshots in tests/artifacts/web/data-*.png)"
