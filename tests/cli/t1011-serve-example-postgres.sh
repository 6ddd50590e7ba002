#!/usr/bin/env bash
# t1011: `ingot serve` over examples/ecommerce on PostgreSQL: every tile answers, equal to `dashboards query`, ETag/304, CSV rows = total (tests/fixtures/serve/example.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/serve/example.sh"
