#!/usr/bin/env bash
# t1103: the pipelines pages under `ingot serve --auth` in a real browser (Debian's chromium, headless, through playwright-core): a viewer sees no action buttons and its POST is refused (403); an operator triggers a run from the page (it ends success) and marks it failed, while POSTs without or with a wrong X-CSRF-Token are 403; an admin reads those actions in the audit log page (/audit); /metrics is 401 without credentials and 200 with a viewer's bearer token (tests/web/auth.spec.mjs). Screenshots in tests/artifacts/web/auth-*.png. SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/serve/lib.sh"
web_need t1103
web_setup auth.spec.mjs

cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
mkdir -p pipelines
cat > pipelines/quick.yml <<'EOF2'
pipeline: quick
tasks:
  - {id: first, shell: "echo first"}
  - {id: second, shell: "echo second", depends_on: [first]}
EOF2
{
  echo "users:"
  for u in vera:viewer otto:operator ada:admin; do
    h=$(printf 'pw-%s\n' "${u%%:*}" | "$INGOT" serve hash-password)
    echo "  - {name: ${u%%:*}, role: ${u#*:}, password_hash: \"$h\"}"
  done
  TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "tokens:"
  echo "  - {name: ci, user: vera, token_hash: \"sha256\$$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)\"}"
} > users.yml # (a brace group: TOKEN stays set)
serve_start --auth users.yml
web_run auth.spec.mjs "$T/web.log" 5 INGOT_WEB_TOKEN="$TOKEN"
n=$WEB_N
grep -q "audit: trigger 'vera' (viewer) pipeline:quick" "$T/serve.log" || fail "the refused trigger is not in the log"
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1103: $n browser checks passed (screenshots in tests/artifacts/web/auth-*.png)"
