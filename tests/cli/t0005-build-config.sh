#!/usr/bin/env bash
# t0005-build-config: the Makefile on a machine that lacks a -dev package.
# A fake pkg-config first on PATH hides libcurl (never remove real packages
# here); a fake bootstrap "installs" it; a fake compiler makes the builds
# that only check what make does instant. Checks: the default build stops
# with a message naming the package; `make demo` runs the bootstrap before
# the configuration is read, so its build has the new package's flags;
# changing the configuration rebuilds every object (build-flags changes);
# a real WITH_CURL=0 build warns and its --version says "built without".
. ./lib.sh
unset MAKEFLAGS MFLAGS MAKELEVEL
REAL_PKG_CONFIG=$(command -v pkg-config) || fail "needs pkg-config"
command -v make >/dev/null || fail "needs make"
mkdir -p bin
cat > bin/pkg-config <<EOF
#!/bin/sh
# libcurl is "not installed" until $T/curl-installed exists
if [ ! -e "$T/curl-installed" ]; then
  for a; do [ "\$a" = libcurl ] && exit 1; done
fi
exec "$REAL_PKG_CONFIG" "\$@"
EOF
cat > bin/bootstrap <<EOF
#!/bin/sh
echo "bootstrap \$*" >> "$T/log"
touch "$T/curl-installed"
EOF
# the fake compiler logs its command line and makes the -o file (the
# program it "links" is a script that logs how it was run)
cat > bin/fakecc <<EOF
#!/bin/sh
echo "cc \$*" >> "$T/log"
out=
while [ \$# -gt 0 ]; do [ "\$1" = -o ] && out=\$2; shift; done
case \$out in
  *.o) : > "\$out" ;;
  *) printf '#!/bin/sh\necho ran "\$0" "\$@" >> "$T/log"\n' > "\$out"; chmod +x "\$out" ;;
esac
EOF
cat > bin/demo <<EOF
#!/bin/sh
echo "demo INGOT=\$INGOT" >> "$T/log"
EOF
chmod +x bin/*
export PATH="$T/bin:$PATH"
# every source, plus the page's assets generated into $(BUILD)/gen/assets.c
nsrc=$(( $(ls "$ROOT"/src/*.c "$ROOT"/src/*/*.c | wc -l) + 1 ))
mk() { run make -C "$ROOT" --no-print-directory BUILD="$T/b" BIN="$T/ingot-t" BOOTSTRAP="$T/bin/bootstrap" "$@"; }

# 1. the default build requires libcurl and says how to get it
mk -n all
expect_rc 2
expect_err "pkg-config module libcurl"
expect_err "install the Debian package libcurl4-openssl-dev"
expect_err "make WITH_CURL=0"
[ ! -e "$T/b/build-flags" ] || fail "a failed configuration wrote build-flags"
# an unknown switch value is refused
mk -n all WITH_CURL=yes
expect_rc 2
expect_err "WITH_CURL=yes: use WITH_CURL=1"
# goals that bootstrap first do not read the configuration
mk -n deps
expect_rc 0
expect_out "$T/bin/bootstrap"
grep -q '^[^#]*BOOTSTRAP' "$ROOT/Makefile" || fail "the Makefile has no BOOTSTRAP: not running demo"

# 2. make demo on the "fresh machine": bootstrap, then a build that sees libcurl
rm -f "$T/log"
mk -j2 demo CC="$T/bin/fakecc" DEMO="$T/bin/demo"
expect_rc 0
[ "$(head -1 log)" = "bootstrap " ] || fail "the bootstrap did not run first: $(head -3 log)"
[ "$(grep -c '^cc .* -c ' log)" -eq "$nsrc" ] || fail "demo compiled $(grep -c '^cc .* -c ' log) of $nsrc sources"
! grep '^cc .* -c ' log | grep -v -q -e '-DHAVE_LIBCURL=1' || fail "an object was compiled without libcurl"
[ "$(tail -1 log)" = "demo INGOT=$T/ingot-t" ] || fail "the demo did not run last with the built binary: $(tail -2 log)"
grep -q -e '-DHAVE_LIBCURL=1' b/build-flags || fail "build-flags lacks libcurl: $(cat b/build-flags)"
cp b/build-flags flags-with-curl

# 3. an unchanged configuration rebuilds nothing; a changed one everything
rm -f "$T/log"
mk all CC="$T/bin/fakecc"
expect_rc 0
[ ! -s log ] || fail "an unchanged configuration rebuilt: $(head -3 log)"
mk -n all CC="$T/bin/fakecc" WITH_CURL=0
expect_rc 0
expect_err "WITH_CURL=0: building WITHOUT webhook alerts"
[ "$(grep -c -e ' -c .*-o ' .out)" -eq "$nsrc" ] || fail "make -n: a new configuration must rebuild all $nsrc objects: $OUT"
cmp -s b/build-flags flags-with-curl || fail "make -n changed build-flags"
mk all CC="$T/bin/fakecc" WITH_CURL=0
expect_rc 0
expect_err "WITHOUT webhook alerts"
expect_out "the build flags changed"
[ "$(grep -c '^cc .* -c ' log)" -eq "$nsrc" ] || fail "WITH_CURL=0 rebuilt $(grep -c '^cc .* -c ' log) of $nsrc objects"
grep -q '^cc .* -o '"$T/ingot-t" log || fail "WITH_CURL=0 did not relink"
! grep -q -e 'HAVE_LIBCURL\|-lcurl' b/build-flags || fail "build-flags still has libcurl: $(cat b/build-flags)"
rm -f "$T/log"
mk all CC="$T/bin/fakecc" CFLAGS="-O1"
expect_rc 0
[ "$(grep -c '^cc .*-O1 .* -c ' log)" -eq "$nsrc" ] || fail "a new CFLAGS did not rebuild every object"

# 4. a real WITH_CURL=0 build: a loud warning, and the binary says what it lacks
run make -C "$ROOT" --no-print-directory -j2 BUILD="$T/real" BIN="$T/ingot-nocurl" \
  WITH_CURL=0 OPT=-O0 "$T/ingot-nocurl"
expect_rc 0
expect_err "WITH_CURL=0: building WITHOUT webhook alerts"
export INGOT_DUCKDB_LIB="$ROOT/third_party/duckdb/lib/libduckdb.so"
run "$T/ingot-nocurl" --version
expect_rc 0
expect_out "features: postgres http"
expect_out "built without: webhooks"
expect_out "install libcurl4-openssl-dev"
run "$INGOT" --version
expect_rc 0
expect_out "features: postgres webhooks http"
expect_no "built without"

# using a webhook in that build warns, with the file's location
mkdir -p pipelines
cat > pipelines/p.yml <<'EOF'
pipeline: p
on_failure: {webhook: "http://127.0.0.1:9/x"}
tasks:
  - {id: a, shell: "true"}
EOF
run "$T/ingot-nocurl" pipeline list
expect_rc 0
expect_err "p.yml:2:24: this ingot was built without webhooks"
expect_err "will NOT be sent"
run "$INGOT" pipeline list
expect_rc 0
expect_no "built without"
