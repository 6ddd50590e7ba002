#!/usr/bin/env bash
# tests/external/validate-artifacts.sh — check ingot's dbt artifacts against
# dbt's published JSON schemas, the contract that dbt's consumers (docs
# sites, dbt-artifacts parsers, observability tools) read them by.
#
#   tests/external/validate-artifacts.sh SCHEMAS_DIR TARGET_DIR [TARGET_DIR ...]
#
# SCHEMAS_DIR is a checkout of github.com/dbt-labs/schemas.getdbt.com (its
# dbt/<artifact>/vN.json files); it is fetched by whoever runs this and is
# never part of this repository. Each TARGET_DIR is a project's target/:
# manifest.json (v12), run_results.json (v6), catalog.json (v1) and
# sources.json (v3) are validated when present. Needs Debian's
# python3-jsonschema (for /usr/bin/python3). Prints every failing path with
# the schema's complaint (for an anyOf over node types, the complaint of the
# branch whose resource_type matches) and exits 1 when any artifact fails.
set -eu
[ $# -ge 2 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
schemas=$1
shift
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
  { echo "validate-artifacts: needs python3-jsonschema (apt-get install python3-jsonschema)" >&2; exit 2; }
exec /usr/bin/python3 - "$schemas" "$@" <<'EOF'
import json, os, sys
import jsonschema

schemas, targets = sys.argv[1], sys.argv[2:]
artifacts = {"manifest.json": "manifest/v12.json", "run_results.json": "run-results/v6.json",
             "catalog.json": "catalog/v1.json", "sources.json": "sources/v3.json"}
bad = 0
for t in targets:
    for name, sch in artifacts.items():
        path = os.path.join(t, name)
        if not os.path.exists(path):
            continue
        schema = json.load(open(os.path.join(schemas, "dbt", sch)))
        doc = json.load(open(path))
        v = jsonschema.validators.validator_for(schema)(schema)
        errs = list(v.iter_errors(doc))
        print(f"{path}: {len(errs)} error(s) against {sch}")
        bad += bool(errs)
        for e in errs[:40]:
            print("  ", "/".join(map(str, e.absolute_path)) or "(root)")
            # anyOf over node kinds: show the branch that matches the kind
            groups = {}
            for c in e.context or []:
                groups.setdefault(c.schema_path[0] if c.schema_path else None, []).append(c)
            fits = [g for g in groups.values()
                    if not any(list(c.absolute_path)[-1:] == ["resource_type"] for c in g)]
            best = min(fits or list(groups.values()), key=len) if groups else [e]
            for c in best[:6]:
                print("      ", "/".join(map(str, c.absolute_path)), "::", c.message[:240])
sys.exit(1 if bad else 0)
EOF
