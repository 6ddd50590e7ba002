#!/usr/bin/env bash
# ingot deps installs local: packages and says that hub/git packages must be
# vendored (exit 1); ingot clean refuses a clean target outside the project.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/features" f && cd f
cat >> packages.yml <<'YML'
  - package: dbt-labs/dbt_utils
    version: 1.3.0
  - git: "https://example.com/some/repo.git"
YML
run "$INGOT" deps
expect_rc 1
expect_out "Installed from local_pkgs/helpers: helpers"
expect_err "hub package 'dbt-labs/dbt_utils' needs the network"
expect_err "git package 'https://example.com/some/repo.git' needs the network"
[ -L dbt_packages/helpers ] || fail "local package not linked"
# the installed package's macros and models are part of the project
run "$INGOT" ls -s package:helpers --output name
expect_out "helper_numbers"
# clean: targets inside the project go; one outside is refused
mkdir -p target && touch target/x
run "$INGOT" clean
expect_rc 0
[ ! -e target ] && [ ! -e dbt_packages ] || fail "clean left files"
mkdir -p ../outside && touch ../outside/keep
printf 'clean-targets: ["../outside"]\n' >> dbt_project.yml
run "$INGOT" clean
expect_rc 2
expect_err "not inside the project directory"
[ -e ../outside/keep ] || fail "clean removed a directory outside the project"
