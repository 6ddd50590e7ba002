#!/usr/bin/env bash
# test: heavy
# t0980: examples/ecommerce's marts are reproducible on DuckDB: two builds of
# the same lake, different parallelism and row order, byte-identical marts
# (tests/fixtures/example/repro.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/example/repro.sh"
