#!/usr/bin/env bash
# test: slow
# t0920: task timeouts, SIGTERM --grace 0 and Ctrl-C cancel a long load and
# a long model on DuckDB; data intact (tests/fixtures/cancel/suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/cancel/suite.sh"
