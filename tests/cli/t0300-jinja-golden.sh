#!/usr/bin/env bash
# t0300 — the golden Jinja corpus through `ingot jinja render`, byte for byte.
#
# Every case tests/golden/jinja/**/NAME.j2 (+ NAME.json context) must render
# exactly as NAME.out, or fail when NAME.err exists. When Debian's
# /usr/bin/python3 has jinja2, the expectations are produced fresh by
# tests/jinja/oracle.py (the differential form) and the committed files are
# checked to be up to date; otherwise (or with INGOT_JINJA_ORACLE=0) the
# committed files are used.
. "$(dirname "$0")/lib.sh"
corpus=$ROOT/tests/golden/jinja
expect_dir=$corpus
mode=committed
if [ "${INGOT_JINJA_ORACLE:-1}" != 0 ] && /usr/bin/python3 -c 'import jinja2' 2>/dev/null; then
  /usr/bin/python3 "$ROOT/tests/jinja/oracle.py" --out "$T/oracle" "$corpus" >/dev/null || fail "oracle failed"
  /usr/bin/python3 "$ROOT/tests/jinja/oracle.py" --check "$corpus" || fail "committed expectations are stale (run tests/jinja/oracle.py)"
  expect_dir=$T/oracle
  mode="differential (jinja2 $(/usr/bin/python3 -c 'import jinja2; print(jinja2.__version__)'))"
fi
n=0 bad=0
while IFS= read -r tpl; do
  rel=${tpl#$corpus/}; rel=${rel%.j2}
  ctx=()
  [ -f "$corpus/$rel.json" ] && ctx=(--context "$corpus/$rel.json")
  n=$((n + 1))
  set +e
  "$INGOT" jinja render "$tpl" "${ctx[@]}" >"$T/got" 2>"$T/err"
  rc=$?
  set -e
  if [ -f "$expect_dir/$rel.err" ]; then
    if [ "$rc" -ne 1 ]; then
      echo "FAIL $rel: jinja2 fails ($(head -1 "$expect_dir/$rel.err")), ingot exit $rc"; bad=$((bad + 1))
    elif ! grep -q ':[0-9]*:[0-9]*: ' "$T/err"; then
      echo "FAIL $rel: error without file:line:col: $(head -1 "$T/err")"; bad=$((bad + 1))
    fi
  elif [ "$rc" -ne 0 ]; then
    echo "FAIL $rel: ingot failed: $(head -3 "$T/err")"; bad=$((bad + 1))
  elif ! cmp -s "$T/got" "$expect_dir/$rel.out"; then
    echo "FAIL $rel: output differs"; diff <(cat -A "$expect_dir/$rel.out") <(cat -A "$T/got") | head -6
    bad=$((bad + 1))
  fi
done < <(find "$corpus" -name '*.j2' | sort)
echo "jinja golden: $n cases, $bad failed, expectations: $mode"
[ "$n" -ge 300 ] || fail "corpus has only $n cases"
[ "$bad" -eq 0 ] || fail "$bad of $n golden cases differ"
