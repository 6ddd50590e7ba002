#!/usr/bin/env bash
# t0301 — `ingot jinja render`: context, macros dir, return(), errors, usage.
. "$(dirname "$0")/lib.sh"

# a template with a JSON context
cat >model.sql <<'T'
select {% for c in cols %}{{ c }}{{ ", " if not loop.last }}{% endfor %} from {{ schema }}.t
T
echo '{"cols": ["id", "name"], "schema": "analytics"}' >ctx.json
run "$INGOT" jinja render model.sql --context ctx.json
expect_rc 0
[ "$OUT" = "select id, name from analytics.t" ] || fail "unexpected output: $OUT"

# macros from a directory (nested), return() as in dbt
mkdir -p macros/sub
cat >macros/a.sql <<'T'
{% macro cents_to_dollars(col, scale=2) %}round({{ col }} / 100, {{ scale }}){% endmacro %}
T
cat >macros/sub/b.sql <<'T'
{% macro cols() %}{{ return(['a', 'b', 'c']) }}{% endmacro %}
T
echo 'ignored, not a macro file {{' >macros/readme.txt
cat >uses.sql <<'T'
select {{ cents_to_dollars('amount') }}, {{ cols() | join('|') }}, {{ cols() | length }}
T
run "$INGOT" jinja render uses.sql --macros macros
expect_rc 0
[ "$OUT" = "select round(amount / 100, 2), a|b|c, 3" ] || fail "unexpected output: $OUT"

# output is byte-exact: no newline added, unicode kept
printf '{{ "é✓" }}' >u.j2
run "$INGOT" jinja render u.j2
expect_rc 0
[ "$(cat "$T/.out" | od -An -c | tr -d ' \n')" = "$(printf 'é✓' | od -An -c | tr -d ' \n')" ] || fail "bytes differ"

# a runtime error names file, line, column and shows the line with a caret
printf 'line one\n{{ 1 + "x" }}\n' >bad.sql
run "$INGOT" jinja render bad.sql
expect_rc 1
expect_err "bad.sql:2:"
expect_err "unsupported operand type"
expect_err '^'

# a syntax error says what was expected
printf '{%% for x in y %%}\n{{ x }}\n' >open.sql
run "$INGOT" jinja render open.sql
expect_rc 1
expect_err "open.sql:"
expect_err "expected 'endfor' or 'else'"

# an undefined attribute of an undefined value is an error; undefined alone is empty
printf '[{{ nothing }}]' >u1.sql
run "$INGOT" jinja render u1.sql
expect_rc 0
[ "$OUT" = "[]" ] || fail "undefined should render empty: $OUT"
printf '{{ nothing.attr }}' >u2.sql
run "$INGOT" jinja render u2.sql
expect_rc 1
expect_err "'nothing' is undefined"

# limits: a huge range is refused, never a hang
printf '{{ range(100000000) | length }}' >big.sql
run "$INGOT" jinja render big.sql
expect_rc 1
expect_err "range too big"

# bad context files and usage
echo '[1, 2]' >list.json
run "$INGOT" jinja render model.sql --context list.json
expect_rc 2
expect_err "must be a JSON object"
echo '{"a": ' >broken.json
run "$INGOT" jinja render model.sql --context broken.json
expect_rc 2
expect_err "invalid JSON"
run "$INGOT" jinja render does-not-exist.sql
expect_rc 2
run "$INGOT" jinja render
expect_rc 2
expect_err "usage: ingot jinja render FILE"
# a macro file with a syntax error is reported with its path
mkdir -p badmacros && printf '{%% macro m( %%}' >badmacros/m.sql
run "$INGOT" jinja render u1.sql --macros badmacros
expect_rc 1
expect_err "badmacros/m.sql:1:"
