#!/usr/bin/env bash
# t0720: values rendered into a `shell:` command are shell-quoted, so a
# hostile --param is one argument and never runs; `| safe` inserts raw text
# only when asked; `| shell_quote` quotes explicitly and is not quoted twice.
. ./lib.sh
mkdir -p pipelines
cat > pipelines/q.yml <<'EOF2'
pipeline: q
params: {name: world, raw: "echo RAW-OK", n: "3"}
tasks:
  - {id: hello, shell: "printf '[%s]\\n' {{ params.name }} {{ ds }}"}
  - {id: joined, shell: "printf '[%s]\\n' {{ 'a-' ~ params.name }} {{ params.name | upper }}"}
  - {id: explicit, shell: "printf '[%s]\\n' {{ params.name | shell_quote }}"}
  - {id: rawcmd, shell: "{{ params.raw | safe }}"}
  - {id: number, shell: "test {{ params.n | int + 1 }} -eq 4 && echo four"}
  - {id: envsafe, shell: 'printf "[%s]\n" "$NAME"', env: {NAME: "{{ params.name }}"}}
EOF2

run "$INGOT" pipeline run q --logical-date 2024-03-05 --param 'name=x; touch PWNED' \
  --param "raw=touch RAW-RAN"
[ ! -e PWNED ] || fail "the hostile param ran a command"
expect_rc 0
expect_out "run 1: success"
run "$INGOT" pipeline logs 1 hello
expect_eq "$OUT" "[x; touch PWNED]
[2024-03-05]" "quoted param, plain ds"
run "$INGOT" pipeline logs 1 joined
expect_eq "$OUT" "[a-x; touch PWNED]
[X; TOUCH PWNED]" "expressions are quoted after they are evaluated"
run "$INGOT" pipeline logs 1 explicit
expect_eq "$OUT" "[x; touch PWNED]" "shell_quote is not quoted twice"
run "$INGOT" pipeline logs 1 envsafe
expect_eq "$OUT" "[x; touch PWNED]" "env values are passed as they are"
run "$INGOT" pipeline logs 1 number
expect_out "four"
# | safe is the documented way to paste shell code: it runs, as asked
[ -e RAW-RAN ] || fail "| safe did not insert the raw text"

# quotes, $, backticks and newlines in a value stay data
run "$INGOT" pipeline run q --logical-date 2024-03-06 --param "name=it's \$(touch PWNED2) \`touch PWNED3\`
\$HOME"
expect_rc 0
[ ! -e PWNED2 ] && [ ! -e PWNED3 ] || fail "a hostile param ran a command"
run "$INGOT" pipeline logs 2 hello
expect_out "[it's \$(touch PWNED2) \`touch PWNED3\`"
expect_out "\$HOME]"
