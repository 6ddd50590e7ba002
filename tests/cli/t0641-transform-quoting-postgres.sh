#!/usr/bin/env bash
# Identifier quoting in transform/ on PostgreSQL (tests/fixtures/quoting/suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/quoting/suite.sh"
