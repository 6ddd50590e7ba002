# ingot — build, test, demo, bench, install.
#
#   make            build ./ingot
#   make test       bootstrap what is missing, build, run every test
#   make asan       the tests under AddressSanitizer + UBSan
#   make valgrind   memcheck over the unit tests and a CLI tour
#   make demo       set up and run the main job
#   make bench      run bench/*.sh
#   make install PREFIX=/usr/local
#
# Sources are found by wildcard: one directory per module under src/.
# Optional dependencies (libpq, libmicrohttpd, libcurl) are detected with
# pkg-config and compiled in with HAVE_* guards.

CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
DUCKDB_DIR ?= third_party/duckdb
WERROR ?= -Werror

OPT ?= -O2 -g
CFLAGS_BASE = -std=c17 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -pthread -Isrc -I$(DUCKDB_DIR)/include
CFLAGS ?= $(OPT)

PKGS := jansson libfyaml sqlite3 zlib libcrypto
HAVE_PQ := $(shell pkg-config --exists libpq && echo 1)
HAVE_MHD := $(shell pkg-config --exists libmicrohttpd && echo 1)
HAVE_CURL := $(shell pkg-config --exists libcurl && echo 1)
DEFS :=
ifeq ($(HAVE_PQ),1)
PKGS += libpq
DEFS += -DHAVE_LIBPQ=1
endif
ifeq ($(HAVE_MHD),1)
PKGS += libmicrohttpd
DEFS += -DHAVE_LIBMICROHTTPD=1
endif
ifeq ($(HAVE_CURL),1)
PKGS += libcurl
DEFS += -DHAVE_LIBCURL=1
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS = $(PKG_LIBS) -ldl -lm -pthread
RPATH = -Wl,-rpath,'$$ORIGIN/$(DUCKDB_DIR)/lib' -Wl,-rpath,'$$ORIGIN/../lib/ingot' -Wl,-z,origin

ALL_CFLAGS = $(CFLAGS_BASE) $(DEFS) $(PKG_CFLAGS) $(CFLAGS)

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
	scripts/bootstrap --duckdb

$(BUILD)/%.o: %.c $(DUCKDB_DIR)/include/duckdb.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libingot.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

BIN ?= ingot
all: $(BIN)
$(BIN): $(MAIN_OBJ) $(BUILD)/libingot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(RPATH)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libingot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) -Wl,-rpath,'$(abspath $(DUCKDB_DIR)/lib)'

deps:
	scripts/bootstrap

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
	$< -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_BUILD)/$*- $(FUZZ_BUILD)/corpus-$* \
		$(wildcard tests/fuzz/corpus/$* tests/fuzz/regressions/$*)
.PRECIOUS: $(FUZZ_BUILD)/fuzz_% $(FUZZ_BUILD)/%.o
-include $(FUZZ_LIB_OBJ:.o=.d)

# The test command of the README: bootstrap, build, run everything.
test: deps
	$(MAKE) all $(BUILD)/unit-tests
	tests/run-all.sh $(BUILD)/unit-tests ./$(BIN)

unit: all $(BUILD)/unit-tests
	$(BUILD)/unit-tests

asan:
	$(MAKE) BUILD=build-asan BIN=ingot-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		ingot-asan build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 INGOT_ASAN=1 \
		tests/run-all.sh build-asan/unit-tests ./ingot-asan

# memcheck over the unit tests and a CLI tour (tests/valgrind.sh)
valgrind: all $(BUILD)/unit-tests
	tests/valgrind.sh $(BUILD)/unit-tests ./$(BIN)

demo: deps all
	scripts/demo

bench: all
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/ingot
	install -m 0755 ingot $(DESTDIR)$(PREFIX)/bin/ingot
	install -m 0644 $(DUCKDB_DIR)/lib/libduckdb.so $(DESTDIR)$(PREFIX)/lib/ingot/libduckdb.so

clean:
	rm -rf build build-asan ingot ingot-asan

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
