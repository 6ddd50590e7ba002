#!/usr/bin/env bash
# t1020: the dashboard page in a real browser (Debian's chromium, headless, through playwright-core) against `ingot serve` over examples/ecommerce on DuckDB: every page renders with no console error, cross-filter, URL round-trip, Back, presets, default_range, paging/sort, View SQL, CSV, PNG (tests/web/dashboard.spec.mjs). SKIP when node or /usr/bin/chromium is missing.
. "$(dirname "$0")/lib.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
  echo "SKIP t1020: needs node, npm and /usr/bin/chromium (scripts/bootstrap installs them)"
  exit 0
fi
. "$ROOT/tests/fixtures/serve/lib.sh"

# the spec and its pinned dependency, installed in the scratch directory
# (npm's cache makes this work offline once it has run)
mkdir -p "$T/web"
cp "$ROOT/tests/web/package.json" "$ROOT/tests/web/package-lock.json" "$ROOT/tests/web/dashboard.spec.mjs" "$T/web/"
(cd "$T/web" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
  fail "npm ci in tests/web failed: $(tail -20 "$T/npm.log")"

cp -r "$ROOT/examples/ecommerce" "$T/ex"
cd "$T/ex"
rm -rf lake target .ingot logs warehouse.duckdb*
unset INGOT_TARGET
# one page with a default range other than "all", so the test can see the
# page apply it when the URL has none
awk '/^      - name: marketing$/ { m = 1 } m && /default_range: all/ { sub(/all/, "last_90_days"); m = 0 } { print }' \
  dashboards/ecommerce.yml >"$T/d.yml" && mv "$T/d.yml" dashboards/ecommerce.yml
grep -q "default_range: last_90_days" dashboards/ecommerce.yml || fail "could not set the marketing page's default_range"
"$INGOT" gen thelook --scale 0.02 --out lake --tables products,distribution_centers >/dev/null
"$INGOT" gen thelook --scale 0.02 --out lake --start 2023-01-01 --end 2025-12-31 >/dev/null
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
run "$INGOT" dashboards check
expect_rc 0

serve_start --no-scheduler
art="$ROOT/tests/artifacts/web"
mkdir -p "$art"
set +e
(cd "$T/web" && INGOT_WEB_URL="$BASE" INGOT_WEB_PROJECT="$T/ex" INGOT_WEB_ARTIFACTS="$art" timeout 600 node dashboard.spec.mjs) >"$T/web.log" 2>&1
rc=$?
set -e
cat "$T/web.log"
summary=$(grep -E '^web: [0-9]+ passed, [0-9]+ failed$' "$T/web.log" | tail -1)
[ -n "$summary" ] || fail "the browser test did not finish (exit $rc); serve log: $(tail -20 "$T/serve.log")"
[ "$rc" -eq 0 ] || fail "browser checks failed: $summary; serve log: $(tail -20 "$T/serve.log")"
n=${summary#web: }; n=${n%% passed*}
[ "$n" -ge 24 ] || fail "too few browser checks ran: $summary"
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"

# with --auth: the login form, then the page
hash=$(echo 'pa55-word' | "$INGOT" serve hash-password) || fail "hash-password"
printf 'users:\n  - name: ana\n    role: viewer\n    password_hash: "%s"\n' "$hash" >"$T/users.yml"
serve_start --no-scheduler --auth "$T/users.yml"
set +e
(cd "$T/web" && INGOT_WEB_URL="$BASE" INGOT_WEB_AUTH=ana:pa55-word INGOT_WEB_ARTIFACTS="$art" timeout 300 node dashboard.spec.mjs) >"$T/auth.log" 2>&1
rc=$?
set -e
cat "$T/auth.log"
asum=$(grep -E '^web: [0-9]+ passed, [0-9]+ failed$' "$T/auth.log" | tail -1)
[ -n "$asum" ] && [ "$rc" -eq 0 ] || fail "login checks failed (exit $rc): ${asum:-no summary}; serve log: $(tail -20 "$T/serve.log")"
a=${asum#web: }; a=${a%% passed*}
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve --auth exited $SRC on SIGTERM"
echo "t1020: $((n + a)) browser checks passed ($n on the page, $a with --auth; screenshots in tests/artifacts/web)"
