#!/usr/bin/env bash
# t1113: the data pages in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on DuckDB with a --dirty lake: the rejects browser shows the rejected rows with their file and line (filter, CSV), the manifest's sha256, the quality page (RAG, history squares, freshness), the catalog's lineage of fct_orders reaches its lake files and the Sales tiles, left to right, click-through (tests/web/data.spec.mjs). SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/serve/lib.sh"
web_need t1113
web_setup data.spec.mjs
example_project duckdb main
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
web_run data.spec.mjs "$T/web.log" 6 INGOT_WEB_PROJECT="$T/ex"
n=$WEB_N
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1113: $n browser checks passed (screenshots in tests/artifacts/web/data-*.png)"
