#!/usr/bin/env bash
# test: heavy
# t1020: the dashboard page in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on DuckDB: every page renders with no console error, cross-filter, URL round-trip, Back, presets, default_range, paging/sort, View SQL, CSV, PNG, keyboard cross-filter from the pie and bar, the table's previous-period columns (tests/web/dashboard.spec.mjs; tests/fixtures/serve/web-dashboard.sh). SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
ENGINE=duckdb WEB_TEST=t1020
. "$ROOT/tests/fixtures/serve/web-dashboard.sh"
