/*
 * core/progress.c — throttled TTY progress line (see progress.h).
 */
#include "core/progress.h"
#include "core/dtime.h"
#include "core/log.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool enabled;

struct progress {
	char label[64];
	uint64_t total;
	_Atomic uint64_t rows, bytes;
	double start;
	_Atomic long long last_draw_ms;
	int fd; /* the starting thread's log sink's, or stderr */
	pthread_mutex_t mu;
};

void progress_enable(bool on)
{
	enabled = on && isatty(2);
}

struct progress *progress_start(const char *label, uint64_t total_bytes)
{
	const struct log_sink *s = log_get_sink();
	if (s ? !s->progress : !enabled)
		return NULL;
	struct progress *p = xcalloc(1, sizeof(*p));
	p->fd = s ? s->fd : 2;
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total_bytes;
	p->start = mono_seconds();
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

static void human(double v, char *out, size_t n, const char *unit)
{
	const char *sfx[] = {"", "k", "M", "G", "T"};
	int i = 0;
	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(out, n, "%.1f %s%s", v, sfx[i], unit);
}

static void draw(struct progress *p, double now)
{
	double el = now - p->start;
	if (el <= 0)
		el = 1e-6;
	uint64_t r = atomic_load(&p->rows), b = atomic_load(&p->bytes);
	char rs[32], bs[32], bar[32] = "";
	human((double)r / el, rs, sizeof(rs), "rows/s");
	human((double)b / el, bs, sizeof(bs), "B/s");
	if (p->total) {
		int w = 20, f = (int)((double)b / (double)p->total * w);
		if (f > w)
			f = w;
		bar[0] = '[';
		for (int i = 0; i < w; i++)
			bar[1 + i] = i < f ? '#' : '.';
		bar[w + 1] = ']';
		bar[w + 2] = 0;
	}
	dprintf(p->fd, "\r\033[K%s %s %llu rows  %s  %s  %.1fs", p->label, bar,
		(unsigned long long)r, rs, bs, el);
}

void progress_add(struct progress *p, uint64_t rows, uint64_t bytes)
{
	if (!p)
		return;
	atomic_fetch_add(&p->rows, rows);
	atomic_fetch_add(&p->bytes, bytes);
	double now = mono_seconds();
	long long ms = (long long)((now - p->start) * 1000);
	long long last = atomic_load(&p->last_draw_ms);
	if (ms - last < 100)
		return;
	if (!atomic_compare_exchange_strong(&p->last_draw_ms, &last, ms))
		return;
	pthread_mutex_lock(&p->mu);
	draw(p, now);
	pthread_mutex_unlock(&p->mu);
}

void progress_done(struct progress *p)
{
	if (!p)
		return;
	dprintf(p->fd, "\r\033[K");
	pthread_mutex_destroy(&p->mu);
	free(p);
}
