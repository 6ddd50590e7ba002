#!/usr/bin/env bash
# test: heavy
# t1021: the dashboard page in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on PostgreSQL: the same spec as t1020 (tests/web/dashboard.spec.mjs; tests/fixtures/serve/web-dashboard.sh), screenshots under tests/artifacts/web/postgres. SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
ENGINE=postgres WEB_TEST=t1021
. "$ROOT/tests/fixtures/serve/web-dashboard.sh"
