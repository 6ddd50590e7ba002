#!/usr/bin/env bash
# t0105-gen-bad-input: unknown table, scale <= 0, bad numbers and dates,
# an unwritable OUT: a clear message, exit 2, and no file left behind.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/cli/gen-lib.sh"

bad() { # bad MESSAGE ARGS...
  local msg=$1; shift
  run "$INGOT" gen thelook --out out "$@"
  expect_rc 2
  expect_err "$msg"
  [ ! -e out ] || [ -z "$(find out -type f)" ] || fail "files left for $*: $(find out -type f)"
}
bad "unknown table 'customers'" --tables users,customers
bad "--tables names no table" --tables ,
bad "--scale must be a number above 0" --scale 0
bad "--scale must be a number above 0" --scale -1
bad "--scale expects a number" --scale ten
bad "--scale expects a number" --scale 1x
bad "too large" --scale 1e9
bad "--files must be between 1 and 9999" --files 0
bad "--threads must be between 1 and 256" --threads 0
bad "expects a whole number" --seed x
bad "--from expects a date" --from 2019-02-30
bad "at least two days" --from 2020-01-01 --to 2019-01-01
bad "outside the data's date range" --start 2026-01-01
bad "--files cannot be combined with a window" --start 2025-01-01 --files 2
bad "unknown option '--scael'" --scael 1

# an OUT that cannot be written: a file in the way, a read-only folder
touch afile
run "$INGOT" gen thelook --scale 0.01 --out afile/lake
expect_rc 2
expect_err "afile"
if [ "$(id -u)" != 0 ]; then
  mkdir ro && chmod 555 ro
  run "$INGOT" gen thelook --scale 0.01 --out ro
  expect_rc 2
  [ -z "$(find ro -type f)" ] || fail "files in a read-only OUT"
fi
# a folder in the way of a table file: the run fails, no temp file remains,
# and the tables written before keep whole files only
mkdir -p lake/events/events_0001.csv
run "$INGOT" gen thelook --scale 0.01 --out lake
expect_rc 2
expect_err "events_0001.csv"
[ -z "$(find lake -name '*.tmp.*')" ] || fail "temp files left: $(find lake -name '*.tmp.*')"
for f in $(find lake -type f -name '*.csv'); do
  tail -c1 "$f" | od -c | grep -q '\\n' || fail "$f is cut short"
done
