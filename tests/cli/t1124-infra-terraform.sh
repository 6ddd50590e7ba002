#!/usr/bin/env bash
# t1124: `ingot infra export terraform --provider google` writes the
# platform as Terraform for GCP; a real HCL parser (@cdktf/hcl2json, pinned
# in tests/infra/package-lock.json) reads it back and
# tests/infra/check-terraform.mjs checks the bucket and its lifecycle rules,
# the datasets, one service account per role, dataset-level IAM exactly as
# platform.yml grants (no project admin), variables, outputs, and the
# `terraform fmt` layout. SKIP when node or npm is missing.
. "$(dirname "$0")/lib.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP t1124: needs node and npm (scripts/bootstrap installs them)"
  exit 0
fi
mkdir -p "$T/hcl"
cp "$ROOT/tests/infra/package.json" "$ROOT/tests/infra/package-lock.json" "$ROOT/tests/infra/check-terraform.mjs" "$T/hcl/"
(cd "$T/hcl" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) ||
  fail "npm ci in tests/infra failed: $(tail -20 "$T/npm.log")"

cp -r "$ROOT/tests/fixtures/infra/proj" p && cd p
engine_profile duckdb shop > profiles.yml
run "$INGOT" infra export terraform --provider google --out tf
expect_rc 0
expect_out "Wrote tf/main.tf, variables.tf and outputs.tf (provider google)."
run node "$T/hcl/check-terraform.mjs" tf
[ "$RC" -eq 0 ] || fail "the exported Terraform does not check: $OUT $ERR"
expect_out "terraform ok"
# the export needs no warehouse and writes nothing else
[ ! -e warehouse.duckdb ] || fail "export opened the warehouse"
[ "$(ls tf | tr '\n' ' ')" = "main.tf outputs.tf variables.tf " ] || fail "unexpected files: $(ls tf)"
# the checker can fail: a binding that platform.yml does not grant
sed -i 's/roles\/bigquery.dataViewer/roles\/bigquery.dataEditor/' tf/main.tf
run node "$T/hcl/check-terraform.mjs" tf
[ "$RC" -ne 0 ] || fail "the checker accepted a wrong binding"
echo ok
