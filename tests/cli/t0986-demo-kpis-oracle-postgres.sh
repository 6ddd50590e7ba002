#!/usr/bin/env bash
# t0986: scripts/demo's headline numbers equal independent SQL on bronze, on PostgreSQL (tests/fixtures/demo-kpis/suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/demo-kpis/suite.sh"
