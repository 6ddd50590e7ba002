/*
 * core/progress.h — a one-line progress display for long work.
 *
 * Shown only when stderr is a TTY (and not with --log-format json or -q);
 * otherwise every call is a cheap no-op. When the starting thread has a log
 * sink (core/log.h), the sink decides and the line is drawn on its fd. Redraws at most every 100 ms.
 * Thread-safe: loader threads add rows/bytes with atomics; the drawing is
 * done by whichever caller crosses the throttle.
 *
 *     struct progress *p = progress_start("load raw.orders", total_bytes);
 *     progress_add(p, rows, bytes);    // many times, any thread
 *     progress_done(p);                // clears the line
 */
#ifndef INGOT_CORE_PROGRESS_H
#define INGOT_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress;

void progress_enable(bool on); /* main.c decides once */
struct progress *progress_start(const char *label, uint64_t total_bytes);
void progress_add(struct progress *p, uint64_t rows, uint64_t bytes);
void progress_done(struct progress *p);

#endif
