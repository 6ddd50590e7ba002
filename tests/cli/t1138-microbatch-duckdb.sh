#!/usr/bin/env bash
# t1138: incremental_strategy microbatch on DuckDB: per-batch queries with event_time inputs filtered, --event-time-start/-end, begin/lookback, a batch window replaced, a failing batch as "partial success" with batch_results (tests/fixtures/microbatch/microbatch.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/microbatch/microbatch.sh"
