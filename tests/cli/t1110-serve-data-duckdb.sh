#!/usr/bin/env bash
# t1110: the data pages' API on DuckDB (--dirty lake, a pipeline run): loads and manifest (sha256 of the lake files), rejects (filters, paging, CSV), quality (tests vs run_results.json, history, freshness by loaded_at_field and by loaded files, RAG), catalog (search, node, lineage to lake files, exposure and tiles), /metrics vs the history store; every answer validated against /api/v1/openapi.json.
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/serve/data.sh"
