#!/usr/bin/env bash
# t1197: a command that reads a project runs itself again once with glibc's
# malloc in transparent huge pages (GLIBC_TUNABLES glibc.malloc.hugetlb=1,
# src/main.c) where the kernel gives them on request, and nothing of it
# shows: the project sees GLIBC_TUNABLES as the user set it (or unset) and
# no marker variable; a command that reads no project, a user's own
# hugetlb setting, valgrind and AddressSanitizer each keep to one exec.
. ./lib.sh
mkdir -p p/models && cd p
printf 'name: heap\nprofile: heap\nversion: "1.0"\nconfig-version: 2\n' > dbt_project.yml
engine_profile duckdb heap > profiles.yml
cat > models/m.sql <<'SQL'
select '{{ env_var("GLIBC_TUNABLES", "unset") }}' as tunables,
       '{{ env_var("INGOT_HEAP_TUNABLES", "unset") }}' as mark
SQL
compiled=target/compiled/heap/models/m.sql

env -u GLIBC_TUNABLES "$INGOT" compile -q
grep -qF "select 'unset' as tunables" $compiled || fail "GLIBC_TUNABLES leaked: $(cat $compiled)"
grep -qF "'unset' as mark" $compiled || fail "the marker leaked: $(cat $compiled)"
GLIBC_TUNABLES=glibc.malloc.check=0 "$INGOT" compile -q
grep -qF "select 'glibc.malloc.check=0' as tunables" $compiled ||
  fail "the user's GLIBC_TUNABLES was not put back: $(cat $compiled)"
grep -qF "'unset' as mark" $compiled || fail "the marker leaked: $(cat $compiled)"
# a build's models and hooks run with the same environment
env -u GLIBC_TUNABLES "$INGOT" build -q
[ "$("$INGOT" show -q -o csv --inline 'select tunables from m' | sed -n 2p)" = unset ] ||
  fail "build: GLIBC_TUNABLES leaked"

# how many times the process image was replaced (strace, when installed)
if command -v strace >/dev/null; then
  execs() { strace -f -qq -e trace=execve -o "$T/st" "$@" >/dev/null 2>&1; grep -c 'execve(' "$T/st"; }
  # execs with GLIBC_TUNABLES unset
  execs_clean() { (unset GLIBC_TUNABLES; execs "$@"); }
  glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
  want=1 # AddressSanitizer's allocator is not glibc's: no second exec
  if [ -z "${INGOT_ASAN:-}" ] && grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null &&
     [ "$(printf '%s\n2.35\n' "$glibc" | sort -V | head -1)" = 2.35 ]; then
    want=2
  fi
  expect_eq "$(execs_clean "$INGOT" compile -q)" "$want" "execs of compile"
  if [ "$want" = 2 ]; then
    # the second image has the heap's tunables: huge pages, and freed heap
    # kept rather than handed back and faulted in again
    (unset GLIBC_TUNABLES; strace -f -qq -v -s 4096 -e trace=execve -o "$T/stv" "$INGOT" compile -q >/dev/null 2>&1)
    tun=$(grep -o 'GLIBC_TUNABLES=[^"]*' "$T/stv" | head -1)
    expect_eq "$tun" "GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=33554432" \
      "the re-exec's GLIBC_TUNABLES"
  fi
  expect_eq "$(execs "$INGOT" jinja render models/m.sql)" 1 "execs of jinja render (no project)"
  expect_eq "$(GLIBC_TUNABLES=glibc.malloc.hugetlb=0 execs "$INGOT" compile -q)" 1 \
    "execs of compile with the user's own hugetlb setting"
fi

# under valgrind the command stays under valgrind (its summary is printed
# by the process it watched, so an exec out of it would lose the line)
if [ -z "${INGOT_ASAN:-}" ] && command -v valgrind >/dev/null; then
  valgrind --trace-children=no "$INGOT" compile -q >"$T/vg" 2>&1 || true
  grep -q 'ERROR SUMMARY' "$T/vg" || fail "compile left valgrind: $(tail -5 "$T/vg")"
fi
