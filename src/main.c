/*
 * main.c — ingot's entry point, and the only place (with src/cmd/) that
 * exits.
 *
 * The command table and the run of one command line are in cmd/dispatch.c,
 * shared with the process that owns a DuckDB warehouse, which runs the
 * commands other processes hand to it. Here: this process's streams, its
 * own working directory and environment, its heap, and the permission to
 * hand a command that needs the warehouse to its owner.
 *
 * The heap. A command that reads a project grows its heap with the
 * project (2,000 models and 6,000 tests: ~85 MB), and every fresh 4 KB
 * page is a minor fault; on the virtual machines ingot runs on a fault
 * costs ~15 us, so parsing and compiling such a project spent a third of
 * its time in 22,000 of them. glibc's malloc takes its memory in 2 MB
 * transparent huge pages when its tunable glibc.malloc.hugetlb=1 is set
 * (about 3,000 faults for the same work). A fresh huge page is zeroed on
 * its first touch, which on these machines costs over 1 ms per MB (a
 * profile of a no-change build: 12% of its CPU), so memory handed back
 * to the kernel and taken again costs that twice: the heap also keeps up
 * to 64 MB of what is freed (trim_threshold) and serves blocks below
 * 32 MB itself (mmap_threshold; glibc's own adaptive limit tops out
 * there), so a no-change build of that project reads a file or grows its
 * manifest in memory it has already paid for (5-7% of its time,
 * farm-bench pairs). Tunables are read only when a process starts. So
 * such a command runs itself again, once, with the tunables added to
 * GLIBC_TUNABLES — only where the kernel hands out huge pages on request
 * (transparent_hugepage/enabled is "madvise"; with "always" the heap has
 * them anyway, with "never" not at all), with a
 * glibc that knows the tunable (2.35 and later), never under valgrind or
 * AddressSanitizer (their allocator is not glibc's), and not when the
 * user's GLIBC_TUNABLES already says what it wants for it. The variable
 * is put back as it was before anything else runs, so nothing ingot
 * starts inherits it; the process keeps its pid and descriptors.
 */
#include "cmd/cmd.h"

#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_SANITIZED true
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) ||                     \
	__has_feature(thread_sanitizer)
#define HEAP_SANITIZED true
#endif
#endif
#ifndef HEAP_SANITIZED
#define HEAP_SANITIZED false
#endif

/* set across the exec: the user's GLIBC_TUNABLES ("=" + value), or "-"
 * when it was not set */
#define HEAP_MARK "INGOT_HEAP_TUNABLES"
#define HEAP_TUNABLE                                                                       \
	"glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=67108864:"                      \
	"glibc.malloc.mmap_threshold=33554432"

static bool thp_on_request(void)
{
	char buf[128];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, "[madvise]") != NULL;
}

static bool glibc_knows_hugetlb(void)
{
	int major = 0, minor = 0;
	return sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) == 2 &&
	       (major > 2 || (major == 2 && minor >= 35));
}

/* After the exec: GLIBC_TUNABLES as the user had it. */
static void heap_restore_env(void)
{
	const char *mark = getenv(HEAP_MARK);
	if (!mark)
		return;
	if (mark[0] == '=')
		setenv("GLIBC_TUNABLES", mark + 1, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	unsetenv(HEAP_MARK);
}

static void heap_reexec(int argc, char **argv)
{
	if (HEAP_SANITIZED)
		return;
	const char *tun = getenv("GLIBC_TUNABLES"), *pre = getenv("LD_PRELOAD");
	if ((tun && strstr(tun, "glibc.malloc.hugetlb")) || (pre && strstr(pre, "vgpreload")) ||
	    !cmd_reads_project(argc, argv) || !glibc_knows_hugetlb() || !thp_on_request())
		return;
	size_t n = tun ? strlen(tun) : 0;
	char *mark = malloc(n + 2), *val = malloc(n + sizeof(HEAP_TUNABLE) + 1);
	if (!mark || !val) {
		free(mark);
		free(val);
		return;
	}
	snprintf(mark, n + 2, "%s%s", tun ? "=" : "-", tun ? tun : "");
	snprintf(val, n + sizeof(HEAP_TUNABLE) + 1, "%s%s%s", tun ? tun : "", n ? ":" : "",
		 HEAP_TUNABLE);
	if (!setenv(HEAP_MARK, mark, 1) && !setenv("GLIBC_TUNABLES", val, 1)) {
		fflush(NULL);
		execv("/proc/self/exe", argv);
	}
	/* no exec: run as we are */
	heap_restore_env();
	free(mark);
	free(val);
}

int main(int argc, char **argv)
{
	if (getenv(HEAP_MARK))
		heap_restore_env();
	else
		heap_reexec(argc, argv);
	struct cmd_io io = {
		.out = stdout,
		.err = stderr,
		.err_fd = -1,
		.may_handoff = true,
	};
	int rc = cmd_main(argc, argv, &io);
	fflush(stdout);
	exit(rc);
}
