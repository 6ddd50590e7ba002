#!/usr/bin/env bash
# ingot deps installs git: (revision, subdirectory), tarball: (sha256) and hub
# package: packages (versions intersected across requirers, prereleases left
# out, transitive), writes package-lock.yml and installs it as written while
# its sha1_hash matches; --upgrade resolves again; failures name the package
# and URL and exit 2. A local git repository and a python3 http.server
# stand in for GitHub and hub.getdbt.com.
. "$(dirname "$0")/lib.sh"
FX="$ROOT/tests/fixtures/deps"
command -v git >/dev/null || fail "git is needed"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t

# --- a git repository with the package under sub/, tagged v1, then changed
mkdir -p repo/sub && cp -r "$FX/pkgs/gitpkg" repo/sub/gitpkg
sed -i 's/REVISION/one/' repo/sub/gitpkg/models/git_model.sql
git -C repo init -q && git -C repo add -A && git -C repo commit -qm one && git -C repo tag v1
V1=$(git -C repo rev-parse HEAD)
sed -i 's/one/two/' repo/sub/gitpkg/models/git_model.sql
git -C repo commit -qam two

# --- the web: a tarball and a hub index with versions of huba and hubb
mkdir -p www/api/v1/acme www/dl
tar -czf www/dl/tarpkg.tar.gz -C "$FX/pkgs" tarpkg
mkver() { # name version
  rm -rf "$T/stage/$1-$2" && mkdir -p "$T/stage" && cp -r "$FX/pkgs/$1" "$T/stage/$1-$2"
  sed -i "s/VERSION/$2/" "$T/stage/$1-$2/dbt_project.yml" "$T/stage/$1-$2/models/$1_model.sql"
  tar -czf "$T/www/dl/$1-$2.tar.gz" -C "$T/stage" "$1-$2"
}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
index() { # name "v1 v2 ..." deps-json-for-each
  local name=$1 vers=$2 deps=$3
  python3 - "$name" "$URL" "$deps" $vers > "$T/www/api/v1/acme/$name.json" <<'PY'
import json, sys
name, url, deps, vers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:]
print(json.dumps({"name": name, "namespace": "acme", "latest": vers[-1], "versions": {
  v: {"id": f"acme/{name}/{v}", "name": name, "version": v, "packages": deps.get(v, []),
      "downloads": {"tarball": f"{url}/dl/{name}-{v}.tar.gz"}} for v in vers}}))
PY
}
for v in 1.0.0 1.1.0 1.2.0-rc1 2.0.0; do mkver huba $v; done
for v in 1.0.0 1.2.0 2.0.0; do mkver hubb $v; done
# huba 1.1.0 narrows hubb to <1.2.0: with gitpkg's [>=1.0.0, <2.0.0] hubb is 1.0.0
index huba "1.0.0 1.1.0 1.2.0-rc1 2.0.0" '{"1.1.0": [{"package": "acme/hubb", "version": ["<1.2.0"]}]}'
index hubb "1.0.0 1.2.0 2.0.0" '{}'
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 50); do curl -sf "$URL/api/v1/acme/huba.json" >/dev/null 2>&1 && break; sleep 0.1; done

# --- the project
cp -r "$FX/project" p && cd p
engine_profile duckdb deps > profiles.yml
SHA=$(sha256sum ../www/dl/tarpkg.tar.gz | cut -d' ' -f1)
export T1150_REPO="file://$T/repo"
cat > packages.yml <<YML
packages:
  - git: "{{ env_var('T1150_REPO') }}"
    revision: v1
    subdirectory: sub/gitpkg
  - tarball: "$URL/dl/tarpkg.tar.gz"
    name: tarpkg
    sha256: $SHA
  - package: acme/huba
    version: [">=1.0.0", "<2.0.0"]
YML
export DBT_PACKAGE_HUB_URL="$URL"
run "$INGOT" deps
expect_rc 0
expect_out "Installing {{ env_var('T1150_REPO') }}"
expect_out "Installed from revision $V1"
expect_out "Installed from tarball"
expect_out "Installed from version 1.1.0"
expect_out "Installed from version 1.0.0"
expect_out "Updated version available: 2.0.0"
grep -q "'one'" dbt_packages/gitpkg/models/git_model.sql || fail "git revision v1 not checked out"
[ -f dbt_packages/tarpkg/models/tar_model.sql ] || fail "tarball not installed"
grep -q "'1.1.0'" dbt_packages/huba/models/huba_model.sql || fail "huba is not 1.1.0"
grep -q "'1.0.0'" dbt_packages/hubb/models/hubb_model.sql || fail "hubb is not 1.0.0 (ranges not intersected)"
# the lock pins everything, the transitive hubb included
grep -qE "revision: \"?$V1\"?$" package-lock.yml || fail "lock lacks the git commit: $(cat package-lock.yml)"
grep -q 'package: acme/hubb' package-lock.yml || fail "lock lacks the transitive hub package"
# the git URL came from env_var(): the lock keeps it unrendered (tokens stay out)
grep -qF "env_var('T1150_REPO')" package-lock.yml || fail "lock lost the env_var() of the git URL"
! grep -qF "$T/repo" package-lock.yml || fail "lock holds the rendered git URL"
grep -qE '^sha1_hash: [0-9a-f]{40}$' package-lock.yml || fail "lock lacks sha1_hash"
# every package is part of the project; the root uses gitpkg's macro
run "$INGOT" ls --output name
expect_rc 0
for m in git_model tar_model huba_model hubb_model root_model; do expect_out "$m"; done
run "$INGOT" compile -s root_model
expect_rc 0
grep -q "select 42 as answer" target/compiled/deps_root/models/root_model.sql || fail "package macro not used"

# --- a matching lock is installed as written, even when the hub has news
mkver huba 1.1.5
index huba "1.0.0 1.1.0 1.1.5 2.0.0" '{"1.1.0": [{"package": "acme/hubb", "version": ["<1.2.0"]}]}'
cp package-lock.yml lock.before
run "$INGOT" deps
expect_rc 0
expect_out "Installed from version 1.1.0"
cmp -s package-lock.yml lock.before || fail "installing from the lock changed it"
run "$INGOT" deps --upgrade
expect_rc 0
expect_out "Installed from version 1.1.5"
grep -q "'1.1.5'" dbt_packages/huba/models/huba_model.sql || fail "--upgrade did not resolve again"
# hubb: 1.1.5 does not narrow it any more
grep -q "'1.2.0'" dbt_packages/hubb/models/hubb_model.sql || fail "hubb not re-resolved to 1.2.0"

# --- a changed packages.yml invalidates the lock
sed -i 's/">=1.0.0", "<2.0.0"]$/"1.0.0"]/' packages.yml
grep -q '"1.0.0"]' packages.yml || fail "test setup: packages.yml not edited"
run "$INGOT" deps
expect_rc 0
expect_out "Updating lock file"
grep -q "'1.0.0'" dbt_packages/huba/models/huba_model.sql || fail "a changed packages.yml kept the old lock"

# --- a package moved on the hub: dbt still installs it and warns where it went
jq '. + {redirectnamespace: "newco", redirectname: null}' "$T/www/api/v1/acme/huba.json" > moved.json
mv moved.json "$T/www/api/v1/acme/huba.json"
run "$INGOT" deps --upgrade
expect_rc 0
expect_err "packages.yml:8: the \`acme/huba\` package is deprecated in favor of \`newco/huba\`. Please update your \`packages.yml\` configuration to use \`newco/huba\` instead."
jq '. + {redirectname: "huba2"}' "$T/www/api/v1/acme/huba.json" > moved.json
mv moved.json "$T/www/api/v1/acme/huba.json"
run "$INGOT" deps --upgrade
expect_rc 0
expect_err "in favor of \`newco/huba2\`"
jq 'del(.redirectnamespace, .redirectname)' "$T/www/api/v1/acme/huba.json" > moved.json
mv moved.json "$T/www/api/v1/acme/huba.json"
run "$INGOT" deps --upgrade
expect_rc 0
expect_no "deprecated in favor"

# --- failures: no version satisfies, a wrong sha256, the hub unreachable
cat > packages.yml <<YML
packages:
  - package: acme/huba
    version: [">=3.0.0"]
YML
run "$INGOT" deps
expect_rc 2
expect_err "Could not find a satisfactory version from options: ['>=3.0.0']"
cat > packages.yml <<YML
packages:
  - tarball: "$URL/dl/tarpkg.tar.gz"
    name: tarpkg
    sha256: 0000000000000000000000000000000000000000000000000000000000000000
YML
run "$INGOT" deps
expect_rc 2
expect_err "$URL/dl/tarpkg.tar.gz has sha256 $SHA"
cat > packages.yml <<YML
packages:
  - package: acme/nosuch
    version: 1.0.0
YML
run "$INGOT" deps
expect_rc 2
expect_err "p/packages.yml:2) was not found in the package index ($URL/api/v1/acme/nosuch.json)"
kill $HTTP_PID; wait $HTTP_PID 2>/dev/null || true
cat > packages.yml <<YML
packages:
  - package: acme/huba
    version: 1.0.0
YML
run "$INGOT" deps --upgrade
expect_rc 2
expect_err "p/packages.yml:2): cannot read the package index $URL/api/v1/acme/huba.json"
cat > packages.yml <<YML
packages:
  - git: "file://$T/no-such-repo"
YML
run "$INGOT" deps
expect_rc 2
expect_err "git package 'file://$T/no-such-repo' ($T/p/packages.yml:2): git clone failed"
cat > packages.yml <<'YML'
packages:
  - git: "{{ env_var('T1150_NOPE') }}"
YML
run "$INGOT" deps
expect_rc 2
expect_err "T1150_NOPE"
