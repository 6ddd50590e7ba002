/*
 * core/log.c — leveled text/JSON logging (see log.h).
 */
#include "core/log.h"
#include "core/buf.h"
#include "core/json.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct log_config cfg = {LOG_LVL_INFO, false, false};
static FILE *tee_fp;
static pthread_mutex_t tee_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local const struct log_sink *sink;

void log_set_sink(const struct log_sink *s)
{
	sink = s;
}

const struct log_sink *log_get_sink(void)
{
	return sink;
}

struct thread_start {
	const struct log_sink *sink;
	void *(*fn)(void *);
	void *arg;
};

static void *thread_start_main(void *arg)
{
	struct thread_start ts = *(struct thread_start *)arg;
	free(arg);
	sink = ts.sink;
	return ts.fn(ts.arg);
}

int log_thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (!sink)
		return pthread_create(t, attr, fn, arg);
	struct thread_start *ts = malloc(sizeof(*ts));
	if (!ts)
		return ENOMEM;
	*ts = (struct thread_start){sink, fn, arg};
	int rc = pthread_create(t, attr, thread_start_main, ts);
	if (rc)
		free(ts);
	return rc;
}

bool term_color(int fd)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *t = getenv("TERM");
	if (t && strcmp(t, "dumb") == 0)
		return false;
	return isatty(fd);
}

void log_setup(enum log_level level, bool json)
{
	cfg.level = level;
	cfg.json = json;
	cfg.color = !json && term_color(2);
}

const struct log_config *log_config(void)
{
	return sink ? &sink->cfg : &cfg;
}

int log_tee(const char *path)
{
	pthread_mutex_lock(&tee_mu);
	if (tee_fp)
		fclose(tee_fp);
	tee_fp = path ? fopen(path, "a") : NULL;
	pthread_mutex_unlock(&tee_mu);
	return path && !tee_fp ? -1 : 0;
}

static const char *lvl_name[] = {"error", "warn", "info", "debug"};
static const char *lvl_color[] = {"\033[31m", "\033[33m", "", "\033[2m"};

bool log_enabled(enum log_level lvl)
{
	return lvl <= log_config()->level || tee_fp;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	const struct log_config *c = log_config();
	if (lvl > c->level && !tee_fp)
		return;
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char ts[96];
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);

	struct buf b = BUF_INIT;
	if (c->json) {
		struct jw w;
		jw_init(&w, &b, false);
		jw_obj_begin(&w);
		jw_key(&w, "ts");
		jw_str(&w, ts);
		jw_key(&w, "level");
		jw_str(&w, lvl_name[lvl]);
		jw_key(&w, "msg");
		jw_str(&w, msg);
		jw_obj_end(&w);
		buf_putc(&b, '\n');
	} else {
		const char *tag = lvl <= LOG_LVL_WARN ? lvl_name[lvl] : "";
		const char *sep = lvl <= LOG_LVL_WARN ? ": " : "";
		if (c->color)
			buf_printf(&b, "\033[2m%.8s\033[0m  %s%s%s%s\033[0m\n", ts + 11,
				   lvl_color[lvl], tag, sep, msg);
		else
			buf_printf(&b, "%.8s  %s%s%s\n", ts + 11, tag, sep, msg);
	}
	if (lvl <= c->level) {
		ssize_t w = write(sink ? sink->fd : 2, b.data, b.len);
		(void)w;
	}
	if (tee_fp) {
		pthread_mutex_lock(&tee_mu);
		if (tee_fp) {
			fprintf(tee_fp, "%s %-5s %s\n", ts, lvl_name[lvl], msg);
			fflush(tee_fp);
		}
		pthread_mutex_unlock(&tee_mu);
	}
	buf_free(&b);
}
