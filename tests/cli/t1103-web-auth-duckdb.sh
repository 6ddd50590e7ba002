#!/usr/bin/env bash
# t1103: the pipelines pages under `ingot serve --auth` in a real browser (Debian's chromium, headless, through playwright-core): a viewer sees no action buttons and its POST is refused (403); an operator triggers a run from the page (it ends success) and marks it failed, while POSTs without or with a wrong X-CSRF-Token are 403; an admin reads those actions in the audit log page (/audit); /metrics is 401 without credentials and 200 with a viewer's bearer token (tests/web/auth.spec.mjs). Screenshots in tests/artifacts/web/auth-*.png. SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  echo "SKIP t1103: needs node, npm and /usr/bin/chromium (scripts/bootstrap installs them)"
  exit 0
fi
. "$ROOT/tests/fixtures/serve/lib.sh"
mkdir -p "$T/web"
cp "$ROOT/tests/web/package.json" "$ROOT/tests/web/package-lock.json" "$ROOT/tests/web/auth.spec.mjs" "$T/web/"
(cd "$T/web" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
  fail "npm ci in tests/web failed: $(tail -20 "$T/npm.log")"

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
art="$ROOT/tests/artifacts/web"
mkdir -p "$art"
set +e
(cd "$T/web" && INGOT_WEB_URL="$BASE" INGOT_WEB_TOKEN="$TOKEN" INGOT_WEB_ARTIFACTS="$art" timeout 600 node auth.spec.mjs) >"$T/web.log" 2>&1
rc=$?
set -e
cat "$T/web.log"
summary=$(grep -E '^web: [0-9]+ passed, [0-9]+ failed$' "$T/web.log" | tail -1)
[ -n "$summary" ] || fail "the browser test did not finish (exit $rc); serve log: $(tail -20 "$T/serve.log")"
[ "$rc" -eq 0 ] || fail "browser checks failed: $summary; serve log: $(tail -30 "$T/serve.log")"
n=${summary#web: }; n=${n%% passed*}
[ "$n" -ge 5 ] || fail "too few browser checks ran: $summary"
grep -q "audit: trigger 'vera' (viewer) pipeline:quick" "$T/serve.log" || fail "the refused trigger is not in the log"
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1103: $n browser checks passed (screenshots in tests/artifacts/web/auth-*.png)"
