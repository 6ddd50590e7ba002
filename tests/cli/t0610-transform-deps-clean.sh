#!/usr/bin/env bash
# ingot deps installs local: packages (git, tarball and hub packages: t1150);
# ingot clean refuses a clean target outside the project.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/features" f && cd f
run "$INGOT" deps
expect_rc 0
expect_out "Installed from local_pkgs/helpers: helpers"
grep -q "local: local_pkgs/helpers" package-lock.yml || fail "lock lacks the local package"
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
