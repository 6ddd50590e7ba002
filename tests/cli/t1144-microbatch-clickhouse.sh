#!/usr/bin/env bash
# t1144: incremental_strategy microbatch on ClickHouse (embedded, chDB): the same suite as t1138/t1139 (tests/fixtures/microbatch/microbatch.sh). ClickHouse cannot roll a batch back, so a failing batch must have deleted nothing: each batch is computed into a table of its own before its window is replaced (WH_CAP_NO_ROLLBACK).
. ./lib.sh
chdb_or_skip t1144
ENGINE=clickhouse
. "$ROOT/tests/fixtures/microbatch/microbatch.sh"
