#!/usr/bin/env bash
# t1122: platform.yml errors name file:line:col and say what to do: an
# unknown key (with "did you mean"), a role granted a schema the file does
# not declare, a user bound to a missing role, an owner that is not a role,
# a password written in the file, an archive folder a source would load,
# an environment the file does not allow; nothing is changed.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/infra/proj" p && cd p
engine_profile duckdb shop > profiles.yml
cp platform.yml good.yml
bad() { # bad SED-SCRIPT EXPECTED-STDERR
  sed "$1" good.yml > platform.yml
  run "$INGOT" infra plan
  expect_rc 2
  expect_err "$2"
  [ ! -d lake ] || fail "a bad platform.yml changed the lake"
}
bad 's/prevent_destroy: true/prevent_destroy: true, prevent_destory: true/' \
  "platform.yml:9:51: unknown key 'prevent_destory' (did you mean 'prevent_destroy'?)"
bad 's/^  quarantine:/  quarantin:/' "platform.yml:6:3: unknown key 'quarantin' (did you mean 'quarantine'?)"
bad 's/reader: {read: \[gold\]}/reader: {read: [gold, platinum]}/' \
  "platform.yml:16:25: role 'reader' is granted schema 'platinum', which warehouse.schemas does not declare; declare it under warehouse.schemas"
bad 's/reader: {read: \[gold\]}/reader: {read: [glod]}/' \
  "role 'reader' is granted schema 'glod', which warehouse.schemas does not declare (did you mean 'gold'?)"
bad 's/role: loader,/role: loadr,/' \
  "user 'etl_loader' is bound to role 'loadr', which roles: does not declare (did you mean 'loader'?)"
bad 's/silver: {owner: admin}/silver: {owner: nobody}/' "owner 'nobody' of schema 'silver' is not a role of platform.yml"
bad 's/password_env: SHOP_READER_PASSWORD/password: hunter2/' \
  "passwords are never written in platform.yml: name an environment variable with password_env: instead"
bad 's/path: _archive/path: users/' \
  "the archive folder 'users' is matched by the location 'users/users_*.csv' of source raw.users: its files would be loaded again"
bad 's/delete_after_days: 365/delete_after_days: 7/' \
  "delete_after_days (7) is less than move_after_days (30)"
bad 's/folders: \[exports\]/folders: [..\/outside]/' "folder '../outside' must be a relative path under the lake root"
bad 's/  gold: {owner: admin}/  Gold: {owner: admin}/' "schema name 'Gold': use lower-case letters"
# an environment the file does not allow
sed 's/^warehouse:/warehouse:\n  environments: [prod, staging]/' good.yml > platform.yml
run "$INGOT" infra plan
expect_rc 2
expect_err "environment 'dev' is not one of warehouse.environments"
run "$INGOT" infra plan --env prd
expect_rc 2
# no platform.yml
rm platform.yml
run "$INGOT" infra plan
expect_rc 2
expect_err "platform.yml does not exist: declare the platform there"
# export: the provider is checked
cp good.yml platform.yml
run "$INGOT" infra export terraform --provider aws --out tf
expect_rc 2
expect_err "the provider ingot exports is google"
echo ok
