/*
 * core/log.h — leveled logging to stderr, as text or JSON lines.
 *
 * Set once at start (main.c) from -q/-v/--log-format; then log_error ...
 * log_debug from any thread (each record is one write()). Text records are
 * "HH:MM:SS  message"; JSON records are {"ts":..,"level":..,"msg":..}.
 * Colour only when the stream is a TTY and NO_COLOR is unset.
 * Secrets never go through here: callers redact before logging.
 */
#ifndef INGOT_CORE_LOG_H
#define INGOT_CORE_LOG_H

#include <pthread.h>
#include <stdbool.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

struct log_config {
	enum log_level level;
	bool json;
	bool color;
};

void log_setup(enum log_level level, bool json);
/* The configuration in effect for this thread (its sink's, or the process's). */
const struct log_config *log_config(void);

/* A thread-local sink: where this thread's records and progress line go
 * instead of the process's stderr. The process that owns the warehouse
 * runs a command handed to it with the client's stderr as the sink, at the
 * client's level. Threads started with log_thread_create inherit their
 * creator's sink; the sink must outlive them. */
struct log_sink {
	int fd;
	struct log_config cfg;
	bool progress; /* draw progress lines on fd */
};
void log_set_sink(const struct log_sink *s); /* NULL: the process's stderr */
const struct log_sink *log_get_sink(void);
/* pthread_create whose thread starts with the creator's sink. */
int log_thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
/* True when stdout should carry colour (TTY and no NO_COLOR). */
bool term_color(int fd);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether a record of this level goes anywhere (so a caller can skip
 * the work of composing it). */
bool log_enabled(enum log_level lvl);
/* Redirect records also into a file (e.g. target/ingot.log); NULL stops. */
int log_tee(const char *path);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
