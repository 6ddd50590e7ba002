#!/usr/bin/env bash
# t0424: t0423 on PostgreSQL.
ENGINE=postgres
. ./t0423-load-commit-fail-duckdb.sh
