#!/usr/bin/env bash
# t0431: t0422 on PostgreSQL (two projects on one database).
ENGINE=postgres
. ./t0422-load-destination-duckdb.sh
