#!/usr/bin/env bash
# t0001-cli: the command frame — help, version, unknown commands and options.
. "$(dirname "$0")/lib.sh"

run "$INGOT" --help
expect_rc 0
expect_out "usage: ingot"
expect_out "show"
expect_out "debug"

run "$INGOT" help show
expect_rc 0
expect_out "--inline SQL"
expect_out "--output"

run "$INGOT" show --help
expect_rc 0
expect_out "usage: ingot show"

run "$INGOT" debug --help
expect_rc 0
expect_out "usage: ingot debug"

run "$INGOT" --version
expect_rc 0
expect_out "ingot "
expect_out "duckdb v1.4.4"
expect_out "postgres"

run "$INGOT" version
expect_rc 0
expect_out "duckdb v1.4.4"

# an unknown command: a suggestion and exit 2
run "$INGOT" shw
expect_rc 2
expect_err "Did you mean"
expect_err "show"
run "$INGOT" frobnicate
expect_rc 2

# an unknown option: exit 2, naming it
run "$INGOT" show --bogus-flag
expect_rc 2
expect_err "--bogus-flag"
run "$INGOT" show --inlin "select 1"
expect_rc 2
expect_err "inline"

# a value the command refuses
run "$INGOT" show --inline "select 1" --output xml
expect_rc 2
expect_err "xml"
run "$INGOT" show
expect_rc 2
expect_err "--inline"
