#!/usr/bin/env bash
# t0604's checks on PostgreSQL.
here=$(cd "$(dirname "$0")" && pwd)
export FEATURES_SCHEMA=feat FEATURES_TARGET=pg
export FEATURES_PROFILE='pg_profile feat features'
exec bash "$here/t0604-transform-features-duckdb.sh"
