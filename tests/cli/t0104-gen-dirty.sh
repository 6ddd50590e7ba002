#!/usr/bin/env bash
# t0104-gen-dirty: --dirty RATE injects defects of every kind and lists
# exactly those in OUT/_defects.csv (table, file, line, column, kind): each
# listed line shows its defect, every other line equals the clean run's.
# Window runs keep the entries of the files they did not write.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/cli/gen-lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3 || true)

run "$INGOT" gen thelook --scale 0.02 --out clean --files 2
expect_rc 0
[ ! -e clean/_defects.csv ] || fail "a clean run wrote _defects.csv"
run "$INGOT" gen thelook --scale 0.02 --out dirty --files 2 --dirty 0.02
expect_rc 0
expect_out "defects listed in dirty/_defects.csv"
[ "$(head -1 dirty/_defects.csv)" = "table,file,line,column,kind" ] || fail "_defects.csv header"
n=$(($(wc -l <dirty/_defects.csv) - 1))
expect_out "$n defects"
# all eleven kinds at this size, and every table has some
for k in malformed_number malformed_timestamp short_row long_row unterminated_quote invalid_utf8 \
         nul_byte duplicate_id orphan_fk negative_price shipped_before_created; do
  grep -q ",$k\$" dirty/_defects.csv || fail "no $k defect"
done
for t in $TABLES; do grep -q "^$t," dirty/_defects.csv || fail "no defect in $t"; done

if [ -n "$PY" ]; then
  out=$($PY "$ROOT/tests/cli/gen-check-defects.py" dirty clean) || fail "$out"
  [ "${out%% *}" = ok ] || fail "$out"
else
  # without Python: the changed lines (ignoring the inserted duplicates)
  # are exactly as many as the listed non-duplicate defects
  echo "python3 missing: line-count check only" >&2
fi
# every listed line exists and differs from or duplicates the clean data
# (shell check, Python or not): the listed lines per file, counted
for f in $(cut -d, -f2 dirty/_defects.csv | tail -n +2 | sort -u); do
  dups=$(grep -c ",$f,.*,duplicate_id\$" dirty/_defects.csv || true)
  [ $(($(wc -l <dirty/$f) - $(wc -l <clean/$f))) -eq "$dups" ] || fail "$f: line count vs duplicates"
done

# DuckDB rejects the broken rows it can see: strict reading of a dirty
# orders file fails, while the clean one reads
run "$INGOT" show --inline "select count(*) from $(rc dirty orders)" --output csv
[ "$RC" -ne 0 ] || fail "DuckDB read a dirty file without error"
expect_q "select count(*) from $(rc clean orders)" "$(q "select count(*) from $(rc clean orders)")"

# --dirty over a folder with a clean run: the listing follows the files
run "$INGOT" gen thelook --scale 0.02 --out dirty --files 2 --tables orders
expect_rc 0
! grep -q '^orders,' dirty/_defects.csv || fail "entries of the rewritten clean orders kept"
grep -q '^users,' dirty/_defects.csv || fail "entries of untouched files dropped"

# windows add their own entries and keep the others
run "$INGOT" gen thelook --scale 0.02 --out land --dirty 0.05 --start 2025-06-01
expect_rc 0
run "$INGOT" gen thelook --scale 0.02 --out land --dirty 0.05 --start 2025-06-02
expect_rc 0
grep -q ',orders/orders_20250601.csv,' land/_defects.csv || fail "first window's defects lost"
grep -q ',orders/orders_20250602.csv,' land/_defects.csv || fail "second window's defects missing"

# bad rates
for r in 0 -1 1.5 abc; do
  run "$INGOT" gen thelook --scale 0.01 --out bad --dirty "$r"
  expect_rc 2
done
[ ! -e bad ] || fail "files written for a bad --dirty"
