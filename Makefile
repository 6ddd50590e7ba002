# ingot — build, test, demo, bench, install.
#
#   make            build ./ingot (the packages must be installed: make deps)
#   make deps       install what is missing (scripts/bootstrap; as root)
#   make test       bootstrap what is missing, build, run every test
#   make asan       the tests under AddressSanitizer + UBSan
#   make valgrind   memcheck over the unit tests and a CLI tour
#   make demo       bootstrap what is missing, build, run the main job
#   make bench      run bench/*.sh
#   make install PREFIX=/usr/local
#
# Sources are found by wildcard: one directory per module under src/.
#
# Configuration. The libraries come from pkg-config ($(PKG_CONFIG)), read
# only by a make that builds: `make deps`, `make demo` and `make test` run
# scripts/bootstrap first and then a sub-make that reads the configuration,
# so a fresh machine (no -dev packages yet) works the first time. Each
# package is checked on its own: a missing one is an error naming it, never
# an empty flag list. The optional features are explicit and required by
# default; turn one off with WITH_*=0 (a loud warning, and `ingot --version`
# says "built without: ..."):
#   WITH_PQ=0     no PostgreSQL warehouse   (libpq, Debian libpq-dev)
#   WITH_CURL=0   no webhook alerts         (libcurl, Debian libcurl4-openssl-dev)
#   WITH_MHD=0    no HTTP server            (libmicrohttpd, Debian libmicrohttpd-dev)
# The effective flags are kept in $(BUILD)/build-flags, rewritten only when
# they change; every object depends on it, so a new configuration rebuilds.

CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
DUCKDB_DIR ?= third_party/duckdb
WERROR ?= -Werror
PKG_CONFIG ?= pkg-config
BOOTSTRAP ?= scripts/bootstrap
WITH_PQ ?= 1
WITH_MHD ?= 1
WITH_CURL ?= 1
.DEFAULT_GOAL := all

OPT ?= -O2 -g
CFLAGS_BASE = -std=c17 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -pthread -Isrc -I$(DUCKDB_DIR)/include
CFLAGS ?= $(OPT)

# Goals that run the bootstrap (their recipes re-enter make to build) or
# need no configuration: when every goal is one of these, pkg-config is not
# consulted at all.
BOOTSTRAP_GOALS := deps demo test
NOCONFIG_GOALS := $(BOOTSTRAP_GOALS) clean
READ_CONFIG := $(if $(MAKECMDGOALS),$(if $(filter-out $(NOCONFIG_GOALS),$(MAKECMDGOALS)),1),1)

# pkg-config module -> Debian package, and optional module -> its switch
debpkg_jansson := libjansson-dev
debpkg_libfyaml := libfyaml-dev
debpkg_sqlite3 := libsqlite3-dev
debpkg_zlib := zlib1g-dev
debpkg_libcrypto := libssl-dev
debpkg_libpq := libpq-dev
debpkg_libmicrohttpd := libmicrohttpd-dev
debpkg_libcurl := libcurl4-openssl-dev
switch_libpq := WITH_PQ=0
switch_libmicrohttpd := WITH_MHD=0
switch_libcurl := WITH_CURL=0

comma := ,
PKGS := jansson libfyaml sqlite3 zlib libcrypto
DEFS :=
ifeq ($(READ_CONFIG),1)
$(foreach w,WITH_PQ WITH_MHD WITH_CURL,$(if $(filter-out 0 1,$($(w))),\
  $(error $(w)=$($(w)): use $(w)=1 (the default: required) or $(w)=0 (build without it))))
ifeq ($(WITH_PQ),1)
PKGS += libpq
DEFS += -DHAVE_LIBPQ=1
else
$(warning *** WITH_PQ=0: building WITHOUT the PostgreSQL warehouse (libpq); postgres targets will be refused ***)
endif
ifeq ($(WITH_MHD),1)
PKGS += libmicrohttpd
DEFS += -DHAVE_LIBMICROHTTPD=1
else
$(warning *** WITH_MHD=0: building WITHOUT the HTTP server (libmicrohttpd) ***)
endif
ifeq ($(WITH_CURL),1)
PKGS += libcurl
DEFS += -DHAVE_LIBCURL=1
else
$(warning *** WITH_CURL=0: building WITHOUT webhook alerts (libcurl); pipeline webhooks will not be sent ***)
endif
ifeq ($(shell command -v $(PKG_CONFIG) 2>/dev/null || true),)
$(error $(PKG_CONFIG) not found: install the Debian package pkg-config (`make deps` installs everything, as root))
endif
PKG_MISSING := $(shell for p in $(PKGS); do $(PKG_CONFIG) --exists $$p || echo $$p; done)
ifneq ($(PKG_MISSING),)
PKG_PLURAL := $(if $(word 2,$(PKG_MISSING)),s)
PKG_SWITCHES := $(strip $(foreach p,$(PKG_MISSING),$(switch_$(p))))
$(error missing librar$(if $(PKG_PLURAL),ies,y) (pkg-config module$(PKG_PLURAL) $(PKG_MISSING)): \
install the Debian package$(PKG_PLURAL) $(foreach p,$(PKG_MISSING),$(debpkg_$(p))) \
(`make deps` installs everything, as root)$(if $(PKG_SWITCHES),$(comma) or build without \
$(if $(PKG_PLURAL),them,it): make $(PKG_SWITCHES)))
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) || echo PKG-CONFIG-FAILED)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) || echo PKG-CONFIG-FAILED)
ifneq ($(filter PKG-CONFIG-FAILED,$(PKG_CFLAGS) $(PKG_LIBS)),)
$(error $(PKG_CONFIG) --cflags/--libs $(PKGS) failed (see above): fix the installation, e.g. `make deps`)
endif
endif
LDLIBS = $(PKG_LIBS) -ldl -lm -pthread
RPATH = -Wl,-rpath,'$$ORIGIN/$(DUCKDB_DIR)/lib' -Wl,-rpath,'$$ORIGIN/../lib/ingot' -Wl,-z,origin

ALL_CFLAGS = $(CFLAGS_BASE) $(DEFS) $(PKG_CFLAGS) $(CFLAGS)

# The effective configuration, one line, kept in $(BUILD)/build-flags and
# rewritten only when it differs; every object and link depends on that
# file, so a new configuration rebuilds everything and an unchanged one
# nothing. Reading this file changes nothing (`make -n` shows the truth).
ifeq ($(READ_CONFIG),1)
BUILD_FLAGS := $(strip CC=$(CC) CFLAGS=$(ALL_CFLAGS) LDLIBS=$(LDLIBS))
ifneq ($(BUILD_FLAGS),$(strip $(shell cat $(BUILD)/build-flags 2>/dev/null)))
$(BUILD)/build-flags: FORCE
	@mkdir -p $(dir $@)
	@[ ! -f $@ ] || echo "ingot: the build flags changed: rebuilding everything in $(BUILD)"
	@printf '%s\n' '$(subst ','\'',$(BUILD_FLAGS))' >$@
endif
endif
FORCE:

# MODULES restricts the library to some modules (for working on one module
# while another is mid-change): make MODULES="core config jinja" BUILD=build-x
MODULES ?= $(notdir $(wildcard src/*))
LIB_SRC := $(sort $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
# UNIT restricts the unit test files: make UNIT="runner test_core"
UNIT ?= $(basename $(notdir $(wildcard tests/unit/*.c)))
UNIT_SRC := $(sort $(foreach u,$(UNIT),tests/unit/$(u).c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all test unit cli asan valgrind demo bench install clean deps fuzz

all:

$(DUCKDB_DIR)/include/duckdb.h:
	$(BOOTSTRAP) --duckdb

$(BUILD)/%.o: %.c $(DUCKDB_DIR)/include/duckdb.h $(BUILD)/build-flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The page's static files (web/ and ECharts), embedded: scripts/embed-assets
# writes $(BUILD)/gen/assets.c. The list of files is kept in
# $(BUILD)/gen/asset-list (rewritten only when it changes), so an added,
# changed or deleted file under web/ rebuilds the binary.
ECHARTS_JS := third_party/echarts/echarts.min.js
WEB_FILES := $(shell find web -type f ! -path '*/.*' 2>/dev/null | LC_ALL=C sort)
# The OpenAPI document's fragments (serve/openapi.c merges every embedded
# openapi-*.json): one file per area of the API.
OPENAPI_PARTS := $(sort $(wildcard src/serve/openapi/openapi-*.json)) docs/openapi-pipelines.json
WEB_FILES += $(OPENAPI_PARTS)
ASSET_OBJ := $(BUILD)/gen/assets.o
ifeq ($(READ_CONFIG),1)
ifneq (files: $(strip $(WEB_FILES)),$(strip $(shell cat $(BUILD)/gen/asset-list 2>/dev/null)))
$(BUILD)/gen/asset-list: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'files: $(WEB_FILES)' >$@
endif
endif
$(ECHARTS_JS):
	$(BOOTSTRAP) --echarts
$(BUILD)/gen/assets.c: scripts/embed-assets $(BUILD)/gen/asset-list $(WEB_FILES) $(ECHARTS_JS)
	@mkdir -p $(dir $@)
	scripts/embed-assets $@ web $(ECHARTS_JS) $(OPENAPI_PARTS)
$(ASSET_OBJ): $(BUILD)/gen/assets.c $(BUILD)/build-flags
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libingot.a: $(LIB_OBJ) $(ASSET_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

BIN ?= ingot
all: $(BIN)
$(BIN): $(MAIN_OBJ) $(BUILD)/libingot.a $(BUILD)/build-flags
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %/build-flags,$^) $(LDLIBS) $(RPATH)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libingot.a $(BUILD)/build-flags
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %/build-flags,$^) $(LDLIBS) -Wl,-rpath,'$(abspath $(DUCKDB_DIR)/lib)'

# The bootstrap first, then (for demo and test) a sub-make that reads the
# configuration the bootstrap made: never both in one make.
deps:
	$(BOOTSTRAP)

# libFuzzer targets (tests/fuzz/fuzz_NAME.c), one per parser: every
# FUZZ_TARGETS entry builds with clang (fuzzer + ASan + UBSan) against the
# whole library compiled the same way, and `make fuzz` runs each for
# FUZZ_TIME seconds (CI: 60 s each), seeded from tests/fuzz/corpus/NAME/ and
# tests/fuzz/regressions/NAME/ (new inputs go to build-fuzz/corpus-NAME/).
# A crash leaves build-fuzz/NAME-crash-*: fix it and keep the input as
# tests/fuzz/regressions/NAME/WHAT (the unit test fuzz_regressions replays
# every one). `make fuzz-NAME` runs one target.
FUZZ_TARGETS := jinja csv config cron select dbt_context
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -pthread -Isrc -I$(DUCKDB_DIR)/include $(DEFS) $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/%.o: %.c $(DUCKDB_DIR)/include/duckdb.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/libingot.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libingot.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

fuzz: $(FUZZ_TARGETS:%=fuzz-%)
fuzz-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus-$*
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	$< -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_BUILD)/$*- $(FUZZ_BUILD)/corpus-$* \
		$(wildcard tests/fuzz/corpus/$* tests/fuzz/regressions/$*)
.PRECIOUS: $(FUZZ_BUILD)/fuzz_% $(FUZZ_BUILD)/%.o
-include $(FUZZ_LIB_OBJ:.o=.d)

# The test command of the README: bootstrap, build, run everything.
test:
	$(BOOTSTRAP)
	$(MAKE) all $(BUILD)/unit-tests
	tests/run-all.sh $(BUILD)/unit-tests $(BIN)

unit: all $(BUILD)/unit-tests
	$(BUILD)/unit-tests

asan:
	$(MAKE) BUILD=build-asan BIN=ingot-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		ingot-asan build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 INGOT_ASAN=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		tests/run-all.sh build-asan/unit-tests ./ingot-asan

# memcheck over the unit tests and a CLI tour (tests/valgrind.sh)
valgrind: all $(BUILD)/unit-tests
	tests/valgrind.sh $(BUILD)/unit-tests ./$(BIN)

# DEMO is the demo command: make demo DEMO="scripts/demo --dirty"
DEMO ?= scripts/demo
demo:
	$(BOOTSTRAP)
	$(MAKE) all
	INGOT=$(abspath $(BIN)) $(DEMO)

bench: all
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/ingot
	install -m 0755 ingot $(DESTDIR)$(PREFIX)/bin/ingot
	install -m 0644 $(DUCKDB_DIR)/lib/libduckdb.so $(DESTDIR)$(PREFIX)/lib/ingot/libduckdb.so

clean:
	rm -rf build build-asan ingot ingot-asan

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(ASSET_OBJ:.o=.d)
