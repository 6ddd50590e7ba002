/*
 * tests/unit/test_control.c — the warehouse owner's control socket: frames
 * and their file descriptors over a socketpair, the request encoding and
 * its malformed forms, a server on a project path longer than sun_path
 * answering a client whose output lands in the passed descriptors, a
 * cancel frame reaching the bound token, a stale socket replaced, mode
 * 0600, and the thread-local log sink.
 */
#include "test.h"
#include "core/cancel.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "platform/control.h"
#include "warehouse/warehouse.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

TEST(control_frames_carry_fds)
{
	int sv[2], p[2];
	REQUIRE(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	REQUIRE(!pipe(p));
	int fds[2] = {p[1], p[1]};
	CHECK_INT(ctl_send_frame(sv[0], CTL_F_REQUEST, "hello", 5, fds, 2), 0);
	CHECK_INT(ctl_send_frame(sv[0], CTL_F_CANCEL, NULL, 0, NULL, 0), 0);
	uint32_t type, len;
	char *pl;
	int got[2], n = 0;
	CHECK_INT(ctl_recv_frame(sv[1], &type, &pl, &len, got, 2, &n), 0);
	CHECK_INT(type, CTL_F_REQUEST);
	CHECK_INT(len, 5);
	CHECK_STR(pl, "hello");
	CHECK_INT(n, 2);
	free(pl);
	/* the received descriptor is the pipe: what goes in comes out */
	CHECK_INT(write(got[0], "ab", 2), 2);
	char buf[4] = {0};
	CHECK_INT(read(p[0], buf, 2), 2);
	CHECK_STR(buf, "ab");
	close(got[0]);
	close(got[1]);
	CHECK_INT(ctl_recv_frame(sv[1], &type, &pl, &len, NULL, 0, NULL), 0);
	CHECK_INT(type, CTL_F_CANCEL);
	CHECK_INT(len, 0);
	free(pl);
	/* a frame announcing more than the limit is refused; EOF is -1, errno 0 */
	uint32_t big[2] = {CTL_F_EXIT, CTL_MAX_FRAME + 1};
	CHECK_INT(write(sv[0], big, sizeof(big)), (int)sizeof(big));
	CHECK_INT(ctl_recv_frame(sv[1], &type, &pl, &len, NULL, 0, NULL), -1);
	CHECK_INT(errno, EMSGSIZE);
	close(sv[0]);
	CHECK_INT(ctl_recv_frame(sv[1], &type, &pl, &len, NULL, 0, NULL), -1);
	CHECK_INT(errno, 0);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

TEST(control_request_round_trip_and_malformed)
{
	char *argv[] = {"ingot", "show", "--inline", "select 'a b'", ""};
	char *env[] = {"HOME=/h", "X=1=2", NULL};
	uint32_t len;
	char *pl = ctl_encode_request(5, argv, "/work dir", env, &len);
	struct ctl_request r = {0};
	CHECK_INT(ctl_decode_request(pl, len, &r), 0);
	CHECK_INT(r.argc, 5);
	CHECK_STR(r.argv[3], "select 'a b'");
	CHECK_STR(r.argv[4], "");
	CHECK(r.argv[5] == NULL);
	CHECK_STR(r.cwd, "/work dir");
	CHECK_STR(r.env[1], "X=1=2");
	CHECK(r.env[2] == NULL);
	free(r.argv);
	free(r.env);
	/* truncated, and with a trailing byte: both refused */
	struct ctl_request bad = {0};
	CHECK_INT(ctl_decode_request(pl, len - 1, &bad), -1);
	CHECK_INT(ctl_decode_request(pl, 7, &bad), -1);
	char *longer = xmalloc(len + 1);
	memcpy(longer, pl, len);
	longer[len] = 'x';
	CHECK_INT(ctl_decode_request(longer, len + 1, &bad), -1);
	free(longer);
	free(pl);
}

/* ---- a server on a long path ---- */

struct served {
	int runs;
	bool cancelled;
	char arg[64], env_x[64], cwd[64];
};

static int serve(void *ud, const struct ctl_request *req, struct ctl_session *s)
{
	struct served *sv = ud;
	sv->runs++;
	snprintf(sv->arg, sizeof(sv->arg), "%s", req->argc > 1 ? req->argv[1] : "");
	snprintf(sv->cwd, sizeof(sv->cwd), "%s", path_basename(req->cwd));
	for (char **e = req->env; *e; e++)
		if (!strncmp(*e, "CTL_TEST_X=", 11))
			snprintf(sv->env_x, sizeof(sv->env_x), "%s", *e + 11);
	dprintf(req->out_fd, "out:%s\n", sv->arg);
	if (!strcmp(sv->arg, "wait-cancel")) {
		struct cancel *tok = cancel_new();
		ctl_session_bind_cancel(s, tok);
		for (int i = 0; i < 500 && !cancel_requested(tok); i++)
			usleep(10000);
		sv->cancelled = cancel_requested(tok);
		ctl_session_bind_cancel(s, NULL);
		cancel_free(tok);
		return sv->cancelled ? 130 : 0;
	}
	return 7;
}

/* A project directory whose socket path is longer than sun_path. */
static char *long_project(void)
{
	char *d = xasprintf("%s/ctl", test_tmpdir());
	for (int i = 0; i < 4; i++) {
		char *n = xasprintf("%s/%s", d, "a-directory-name-of-forty-characters-xx");
		free(d);
		d = n;
	}
	CHECK(!fs_mkdir_p(d, NULL));
	CHECK(strlen(d) > sizeof(((struct sockaddr_un *)0)->sun_path));
	return d;
}

/* Run the client with stdout redirected to a file; returns what it wrote. */
static char *client(const char *dir, const char *arg, int *code, enum ctl_handoff *h)
{
	char *outp = xasprintf("%s/ctl-out", test_tmpdir());
	int fd = open(outp, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0) {
		CHECK(fd >= 0);
		free(outp);
		*h = CTL_ERROR;
		return xstrdup("");
	}
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	char *argv[] = {"ingot", (char *)arg, NULL};
	struct err e = ERR_INIT;
	*h = ctl_try_handoff(dir, 2, argv, code, &e);
	dup2(saved, 1);
	close(saved);
	close(fd);
	err_clear(&e);
	struct buf b = BUF_INIT;
	fs_read_file(outp, &b, 1 << 20, NULL);
	free(outp);
	char *s = xstrdup(b.len ? buf_cstr(&b) : "");
	buf_free(&b);
	return s;
}

TEST(control_server_long_path_runs_and_answers)
{
	char *dir = long_project();
	struct served sv = {0};
	int code = -1;
	enum ctl_handoff h;
	/* no owner: run locally */
	char *o = client(dir, "x", &code, &h);
	CHECK_INT(h, CTL_NO_OWNER);
	free(o);
	/* a stale socket (a dead owner's) is replaced */
	char *idir = xasprintf("%s/.ingot", dir);
	REQUIRE(!fs_mkdir_p(idir, NULL));
	int en;
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		int dfd = open(idir, O_PATH | O_DIRECTORY);
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/control.sock", dfd);
		CHECK_INT(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(dfd);
	}
	close(ls); /* bound, never listened, closed: connect is refused */
	CHECK_INT(ctl_sock_connect(idir, "control.sock", &en), -1);
	CHECK_INT(en, ECONNREFUSED);
	o = client(dir, "x", &code, &h);
	CHECK_INT(h, CTL_NO_OWNER);
	free(o);

	struct ctl_server *srv;
	struct err e = ERR_INIT;
	setenv("CTL_TEST_X", "from-client", 1);
	CHECK_OK(ctl_server_start(dir, serve, &sv, &srv, &e), &e);
	struct stat st;
	char *sock = xasprintf("%s/control.sock", idir);
	CHECK_INT(stat(sock, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0600);
	/* a second owner is refused, naming the socket */
	struct ctl_server *two;
	CHECK(ctl_server_start(dir, serve, &sv, &two, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "already owns"));
	err_clear(&e);

	o = client(dir, "hello", &code, &h);
	CHECK_INT(h, CTL_HANDED);
	CHECK_INT(code, 7);
	CHECK_STR(o, "out:hello\n");
	CHECK_STR(sv.arg, "hello");
	CHECK_STR(sv.env_x, "from-client");
	free(o);
	unsetenv("CTL_TEST_X");

	ctl_server_stop(srv);
	CHECK(stat(sock, &st) != 0); /* removed on stop */
	CHECK_INT(sv.runs, 1);
	free(sock);
	free(idir);
	free(dir);
}

struct canceller {
	char *dir;
	int code;
	enum ctl_handoff h;
};

static void *cancel_client(void *arg)
{
	struct canceller *c = arg;
	int en, s = -1;
	char *idir = xasprintf("%s/.ingot", c->dir);
	s = ctl_sock_connect(idir, "control.sock", &en);
	free(idir);
	if (s < 0)
		return NULL;
	char *argv[] = {"ingot", "wait-cancel", NULL};
	char *env[] = {NULL};
	uint32_t len;
	void *pl = ctl_encode_request(2, argv, "/", env, &len);
	int nul = open("/dev/null", O_WRONLY);
	int fds[2] = {nul, nul};
	ctl_send_frame(s, CTL_F_REQUEST, pl, len, fds, 2);
	close(nul);
	free(pl);
	usleep(100000);
	ctl_send_frame(s, CTL_F_CANCEL, NULL, 0, NULL, 0);
	uint32_t type, plen;
	char *r;
	c->h = CTL_ERROR;
	if (!ctl_recv_frame(s, &type, &r, &plen, NULL, 0, NULL) && type == CTL_F_EXIT) {
		memcpy(&c->code, r, sizeof(int32_t));
		c->h = CTL_HANDED;
	}
	free(r);
	close(s);
	return NULL;
}

TEST(control_cancel_frame_and_gone_client_cancel)
{
	char *dir = xasprintf("%s/ctl-cancel", test_tmpdir());
	REQUIRE(!fs_mkdir_p(dir, NULL));
	struct served sv = {0};
	struct ctl_server *srv;
	struct err e = ERR_INIT;
	CHECK_OK(ctl_server_start(dir, serve, &sv, &srv, &e), &e);
	struct canceller c = {dir, -1, CTL_ERROR};
	pthread_t t;
	REQUIRE(!pthread_create(&t, NULL, cancel_client, &c));
	pthread_join(t, NULL);
	CHECK_INT(c.h, CTL_HANDED);
	CHECK_INT(c.code, 130);
	CHECK(sv.cancelled);

	/* a client that disappears cancels its work */
	sv.cancelled = false;
	int en;
	char *idir = xasprintf("%s/.ingot", dir);
	int s = ctl_sock_connect(idir, "control.sock", &en);
	REQUIRE(s >= 0);
	char *argv[] = {"ingot", "wait-cancel", NULL};
	char *env[] = {NULL};
	uint32_t len;
	void *pl = ctl_encode_request(2, argv, "/", env, &len);
	int nul = open("/dev/null", O_WRONLY);
	int fds[2] = {nul, nul};
	CHECK_INT(ctl_send_frame(s, CTL_F_REQUEST, pl, len, fds, 2), 0);
	close(nul);
	free(pl);
	usleep(100000);
	close(s);
	ctl_server_stop(srv); /* waits for the session */
	CHECK(sv.cancelled);
	CHECK_INT(sv.runs, 2);
	free(idir);
	free(dir);
}

static void *sink_thread(void *arg)
{
	*(const struct log_sink **)arg = log_get_sink();
	return NULL;
}

TEST(control_log_sink_is_per_thread_and_inherited)
{
	int p[2];
	REQUIRE(!pipe(p));
	struct log_sink s = {.fd = p[1], .cfg = {LOG_LVL_INFO, false, false}};
	CHECK(log_get_sink() == NULL);
	log_set_sink(&s);
	log_info("to the sink %d", 42);
	const struct log_sink *seen = NULL;
	pthread_t t;
	REQUIRE(!log_thread_create(&t, NULL, sink_thread, &seen));
	pthread_join(t, NULL);
	CHECK(seen == &s);
	CHECK(log_config() == &s.cfg);
	log_set_sink(NULL);
	REQUIRE(!pthread_create(&t, NULL, sink_thread, &seen));
	pthread_join(t, NULL);
	CHECK(seen == NULL);
	char buf[128] = {0};
	CHECK(read(p[0], buf, sizeof(buf) - 1) > 0);
	CHECK(strstr(buf, "to the sink 42") != NULL);
	close(p[0]);
	close(p[1]);
}

/* The owner's handed-off command opens the warehouse the owner holds: the
 * same database (DuckDB's instance cache), not a second one that would
 * meet the file lock; closing one handle leaves the other working. */
TEST(control_owner_opens_the_same_duckdb)
{
	const struct target *t = test_duckdb_target();
	CHECK(!wh_engine_has("duckdb", WH_CAP_MULTI_PROCESS));
	CHECK(!wh_engine_has("no-such-engine", 0));
	CHECK(wh_engine_has("duckdb", WH_CAP_MERGE | WH_CAP_CANCEL));
	struct wh_db *a, *b;
	struct wh_conn *ca, *cb;
	struct err e = ERR_INIT;
	CHECK_OK(wh_open(t, &a, &e), &e);
	CHECK_OK(wh_open(t, &b, &e), &e);
	CHECK_OK(wh_connect(a, &ca, &e), &e);
	CHECK_OK(wh_connect(b, &cb, &e), &e);
	CHECK_OK(wh_exec(ca, "create or replace table ctl_shared as select 41 + 1 as n", &e), &e);
	struct wh_result *r = NULL;
	CHECK_OK(wh_query(cb, "select n from ctl_shared", NULL, 0, &r, &e), &e);
	CHECK(r && r->nrows == 1);
	if (r && r->nrows)
		CHECK_INT(wh_cell(r, 0, 0)->v.i, 42);
	wh_result_free(r);
	wh_disconnect(ca);
	wh_close(a);
	CHECK_OK(wh_exec(cb, "drop table ctl_shared", &e), &e);
	wh_disconnect(cb);
	wh_close(b);
}
