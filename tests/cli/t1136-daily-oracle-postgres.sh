#!/usr/bin/env bash
# test: heavy
# t1136: a week of daily runs of examples/ecommerce on PostgreSQL (one day of files at a time, one day dirty, late changes of a recent order, of a weeks-old order, of a whole old day's items and an item moved to another customer) equals a --full-refresh of the same lake after every run, every mart, EXCEPT ALL both ways (tests/fixtures/daily/oracle.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/daily/oracle.sh"
