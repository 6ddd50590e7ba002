// Parses the Terraform of `ingot infra export terraform` with a real HCL
// parser (@cdktf/hcl2json, pinned) and checks its resources and bindings
// against platform.yml of tests/fixtures/infra/proj; also checks the text is
// laid out as `terraform fmt` writes it (2-space indents, aligned `=`).
// usage: node check-terraform.mjs DIR
import { parse } from "@cdktf/hcl2json";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

const dir = process.argv[2];
const files = ["main.tf", "variables.tf", "outputs.tf"];
const text = Object.fromEntries(files.map((f) => [f, readFileSync(`${dir}/${f}`, "utf8")]));
const doc = {};
for (const f of files) {
  const j = await parse(f, text[f]);
  for (const [k, v] of Object.entries(j)) doc[k] = { ...(doc[k] || {}), ...v };
}
const res = doc.resource;
const one = (type, name) => {
  assert.ok(res[type] && res[type][name], `missing resource ${type}.${name}`);
  return res[type][name][0];
};

// the lake: one bucket, archive and retention as lifecycle rules
const bucket = one("google_storage_bucket", "lake");
assert.equal(bucket.name, "${var.lake_bucket}");
assert.equal(bucket.uniform_bucket_level_access, true);
assert.equal(bucket.force_destroy, false);
const rules = bucket.lifecycle_rule;
assert.equal(rules.length, 2);
assert.deepEqual(rules.map((r) => r.condition[0].age), [30, 365]);
assert.deepEqual(rules.map((r) => r.action[0].type), ["SetStorageClass", "Delete"]);
assert.equal(rules[0].action[0].storage_class, "ARCHIVE");
for (const r of rules) assert.deepEqual(r.condition[0].matches_prefix, ["users/", "orders/"]);
const folders = Object.values(res.google_storage_managed_folder).map((v) => v[0].name).sort();
assert.deepEqual(folders, ["_archive/", "_quarantine/", "exports/", "orders/", "users/"]);

// datasets per layer; prevent_destroy carried over; contents never deleted
const ds = res.google_bigquery_dataset;
assert.deepEqual(Object.keys(ds).sort(), ["_ingot", "bronze", "gold", "silver"]);
for (const [name, [d]] of Object.entries(ds)) {
  assert.equal(d.dataset_id, name);
  assert.equal(d.delete_contents_on_destroy, false);
}
assert.equal(ds.bronze[0].lifecycle[0].prevent_destroy, true);
assert.equal(ds.silver[0].lifecycle, undefined);

// one service account per role
const sa = res.google_service_account;
assert.deepEqual(Object.keys(sa).sort(), ["admin", "loader", "reader", "transformer"]);
assert.equal(sa.loader[0].account_id, "${var.name_prefix}-loader");

// dataset-level IAM: exactly the grants of platform.yml
const bindings = Object.values(res.google_bigquery_dataset_iam_member)
  .map(([b]) => {
    const role = b.member.match(/google_service_account\.(\w+)\.email/)[1];
    const dataset = b.dataset_id.match(/google_bigquery_dataset\.(\w+)\.dataset_id/)[1];
    return `${role} ${dataset} ${b.role}`;
  })
  .sort();
assert.deepEqual(bindings, [
  "admin _ingot roles/bigquery.dataOwner",
  "admin bronze roles/bigquery.dataOwner",
  "admin gold roles/bigquery.dataOwner",
  "admin silver roles/bigquery.dataOwner",
  "loader _ingot roles/bigquery.dataEditor",
  "loader bronze roles/bigquery.dataEditor",
  "reader gold roles/bigquery.dataViewer",
  "transformer bronze roles/bigquery.dataViewer",
  "transformer gold roles/bigquery.dataEditor",
  "transformer silver roles/bigquery.dataEditor",
].sort());

// project level: only jobUser, never an admin, owner or editor role
for (const [, [b]] of Object.entries(res.google_project_iam_member)) {
  assert.equal(b.role, "roles/bigquery.jobUser");
}
assert.equal(Object.keys(res.google_project_iam_member).length, 4);
// the bucket: the loader reads it, the admin administers it; nobody else
const lake = Object.entries(res.google_storage_bucket_iam_member)
  .map(([k, [b]]) => `${k} ${b.role}`)
  .sort();
assert.deepEqual(lake, ["admin_lake roles/storage.objectAdmin", "loader_lake roles/storage.objectViewer"]);

// variables and outputs
assert.deepEqual(Object.keys(doc.variable).sort(), ["lake_bucket", "location", "name_prefix", "project_id", "region"]);
assert.equal(doc.variable.project_id[0].default, undefined);
assert.deepEqual(Object.keys(doc.output).sort(), ["datasets", "lake_bucket", "service_accounts"]);

// layout as `terraform fmt`: 2-space indents, `=` aligned in runs of one-line attributes
for (const f of files) {
  const lines = text[f].split("\n");
  let depth = 0, run = [];
  const flush = () => {
    const cols = new Set(run.map((l) => l.indexOf(" = ")));
    assert.ok(cols.size <= 1, `${f}: unaligned '=' in:\n${run.join("\n")}`);
    run = [];
  };
  for (const l of lines) {
    if (l.startsWith("#") || l === "") { flush(); continue; }
    if (/^\s*}/.test(l)) { flush(); depth--; }
    const indent = l.match(/^ */)[0].length;
    assert.equal(indent, depth * 2, `${f}: indent of '${l}'`);
    assert.ok(!/\t|\s$/.test(l), `${f}: tab or trailing space in '${l}'`);
    if (/{$/.test(l)) { flush(); depth++; }
    else if (/ = /.test(l)) run.push(l);
  }
  assert.equal(depth, 0, `${f}: unbalanced braces`);
}
console.log("terraform ok");
