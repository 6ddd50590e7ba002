#!/usr/bin/env bash
# t1101: the pipelines API of `ingot serve` over examples/ecommerce on PostgreSQL: documented shapes, trigger -> success with events, failing log, cancel, pause, backfill, clear, rerun, viewer 403, CSRF 403, bearer tokens, audit log (tests/fixtures/serve/pipelines.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/serve/pipelines.sh"
