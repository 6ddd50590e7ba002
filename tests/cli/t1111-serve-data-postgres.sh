#!/usr/bin/env bash
# t1111: the data pages' API on PostgreSQL: the same checks as t1110 (tests/fixtures/serve/data.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/serve/data.sh"
