#!/usr/bin/env bash
# t1139: incremental_strategy microbatch on PostgreSQL: per-batch queries with event_time inputs filtered, --event-time-start/-end, begin/lookback, a batch window replaced, a failing batch as "partial success" with batch_results (tests/fixtures/microbatch/microbatch.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/microbatch/microbatch.sh"
