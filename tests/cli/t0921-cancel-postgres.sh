#!/usr/bin/env bash
# test: slow
# t0921: task timeouts, SIGTERM --grace 0 and Ctrl-C cancel a long load and
# a long model (pg_sleep) on PostgreSQL; data intact (tests/fixtures/cancel/suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/cancel/suite.sh"
