#!/usr/bin/env bash
# t0722: resources that cannot be had are errors, not hangs or silence.
# A preloaded shim makes pthread_create fail for threads whose code is in
# the ingot binary (DuckDB's own threads still start), or curl_easy_init
# return NULL: the pipeline engine and the transform engine then fail with
# a message, and an alert that cannot be sent says so.
. ./lib.sh
command -v cc >/dev/null || fail "cc is needed to build the test shim"
cat > shim.c <<'EOF2'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static int in_main_binary(void *fn)
{
	Dl_info a, b;
	return dladdr(fn, &a) && dladdr((void *)getauxval(AT_ENTRY), &b) && a.dli_fbase == b.dli_fbase;
}

int pthread_create(pthread_t *t, const pthread_attr_t *at, void *(*fn)(void *), void *arg)
{
	create_fn real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (getenv("SHIM_FAIL_THREADS") && in_main_binary((void *)fn))
		return EAGAIN;
	return real(t, at, fn, arg);
}

void *curl_easy_init(void)
{
	void *(*real)(void) = (void *(*)(void))dlsym(RTLD_NEXT, "curl_easy_init");
	return getenv("SHIM_FAIL_CURL") ? NULL : real();
}
EOF2
cc -shared -fPIC -O1 -o shim.so shim.c -ldl || fail "cannot build the shim"
SHIM=$T/shim.so
# Under ASan its runtime must come first, and its own pthread_create
# interceptor calls libc directly (a versioned lookup that skips the shim),
# with its own start routine: thread failures can only be simulated in the
# normal build, so the ASan run checks the curl case alone.
threads=1
if [ -n "${INGOT_ASAN:-}" ]; then
  SHIM="$(cc -print-file-name=libasan.so) $SHIM"
  threads=
fi

mkdir -p pipelines
cat > pipelines/p.yml <<'EOF2'
pipeline: p
on_failure: {webhook: "http://127.0.0.1:9/unreachable"}
tasks:
  - {id: s, sql: "select 1"}
  - {id: bad, shell: "exit 3"}
EOF2

# 1. no worker thread for the pipeline engine: an error, at once
if [ -n "$threads" ]; then
run timeout -k 5 60 env LD_PRELOAD="$SHIM" SHIM_FAIL_THREADS=1 "$INGOT" pipeline run p
[ "$RC" -ne 124 ] || fail "pipeline run hung without worker threads"
expect_rc 2
expect_err "cannot start worker thread 1 of"
expect_err "lower --parallelism"

fi

# 2. curl_easy_init fails: the alert says it was not sent
run timeout -k 5 60 env LD_PRELOAD="$SHIM" SHIM_FAIL_CURL=1 "$INGOT" pipeline run p
expect_rc 1
expect_err "alert webhook http://127.0.0.1:9/unreachable not sent: libcurl could not make a request"

[ -n "$threads" ] || exit 0

# 3. no thread for the transform engine: an error, not a crash or a hang
mkdir proj
cd proj
cat > dbt_project.yml <<'EOF2'
name: shim
version: "1.0"
profile: shim
EOF2
mkdir models
echo "select 1 as x" > models/m.sql
run timeout 120 "$INGOT" run
expect_rc 0
run timeout -k 5 120 env LD_PRELOAD="$SHIM" SHIM_FAIL_THREADS=1 "$INGOT" run
[ "$RC" -ne 124 ] || fail "run hung without worker threads"
[ "$RC" -lt 128 ] || fail "run crashed without worker threads (exit $RC): $ERR"
[ "$RC" -ne 0 ] || fail "run succeeded without running anything: $OUT"
expect_err "cannot start a thread to run the nodes"

# 4. no thread for the loader: the file reader's failure fails the table
# with a message (the table keeps no half load), never a crash or a hang
mkdir -p lake/t
printf 'id,name\n1,a\n2,b\n' > lake/t/a.csv
cat > models/sources.yml <<'EOF2'
version: 2
sources:
  - name: raw
    tables:
      - name: t
        external: {location: "t/*.csv", options: {header: true}}
        columns: [{name: id, data_type: INT64}, {name: name, data_type: STRING}]
EOF2
run timeout -k 5 120 env LD_PRELOAD="$SHIM" SHIM_FAIL_THREADS=1 "$INGOT" load --threads 2
[ "$RC" -ne 124 ] || fail "load hung without threads"
[ "$RC" -lt 128 ] || fail "load crashed without threads (exit $RC): $ERR"
expect_rc 1
expect_err "cannot start the file reader thread"
run timeout 120 "$INGOT" load
expect_rc 0
expect_q "select count(*) from raw.t" "2"
