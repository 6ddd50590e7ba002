#!/usr/bin/env bash
# t1164: require-dbt-version of the project and of its packages is checked
# against the dbt version ingot is compatible with, as dbt does: an unmet
# range stops the run at its file:line with the package's name and how to
# go on; --no-version-check (or DBT_VERSION_CHECK=false) skips the check;
# lists, comma-separated ranges, "1.0.x" and packages' ranges are read; a malformed
# range is an error naming it.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models p/dbt_packages/helper/macros && cd p
cat > dbt_project.yml <<'YML'
name: vc
version: "1.0"
profile: vc
require-dbt-version: [">=1.3.0", "<2.0.0"]
YML
engine_profile duckdb vc > profiles.yml
echo "select 1 as id" > models/m.sql
cat > dbt_packages/helper/dbt_project.yml <<'YML'
name: helper
version: "0.1.0"
require-dbt-version: ">=1.0.x, <2.0.0"
YML
run "$INGOT" parse
expect_rc 0
# the package asks for a dbt ingot is not compatible with
sed -i 's/^require-dbt-version: .*/require-dbt-version: ">=9.0.0"/' dbt_packages/helper/dbt_project.yml
run "$INGOT" build
expect_rc 2
expect_err "dbt_packages/helper/dbt_project.yml:3"
expect_err "not supported with the 'helper' package"
expect_err "requires ['>=9.0.0']"
expect_err "--no-version-check"
run "$INGOT" build --no-version-check
expect_rc 0
DBT_VERSION_CHECK=false run "$INGOT" parse
expect_rc 0
# the project's own range, as a list
sed -i 's/^require-dbt-version: .*/require-dbt-version: ">=1.0.0"/' dbt_packages/helper/dbt_project.yml
sed -i 's/^require-dbt-version: .*/require-dbt-version: [">=1.3.0", "<1.5.0"]/' dbt_project.yml
run "$INGOT" parse
expect_rc 2
expect_err "dbt_project.yml:4"
expect_err "not supported with the 'vc' package"
# a range that is not one
sed -i 's/^require-dbt-version: .*/require-dbt-version: "about one"/' dbt_project.yml
run "$INGOT" parse
expect_rc 2
expect_err "require-dbt-version: 'about one' is not a version"
echo ok
