/*
 * platform/control.c — the warehouse owner's control socket (see control.h).
 *
 * Written on the socket API directly: passing file descriptors (SCM_RIGHTS)
 * and checking the peer (SO_PEERCRED) are what this needs, and no RPC
 * library offers them more simply than the dozen lines here.
 */
#include "platform/control.h"
#include "core/cancel.h"
#include "core/fs.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define SOCK_NAME "control.sock"

/* ---- frames ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t r = recv(fd, c, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EPROTO; /* EOF inside a frame */
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int ctl_send_frame(int sock, uint32_t type, const void *payload, uint32_t len, const int *fds,
		   int nfds)
{
	uint32_t hdr[2] = {type, len};
	struct iovec iov = {hdr, sizeof(hdr)};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		if (nfds > 2)
			return errno = EINVAL, -1;
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	ssize_t w;
	do
		w = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if ((size_t)w < sizeof(hdr) && write_all(sock, (char *)hdr + w, sizeof(hdr) - (size_t)w))
		return -1;
	return len ? write_all(sock, payload, len) : 0;
}

int ctl_recv_frame(int sock, uint32_t *type, char **payload, uint32_t *len, int *fds, int max_fds,
		   int *nfds)
{
	uint32_t hdr[2];
	struct iovec iov = {hdr, sizeof(hdr)};
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	*payload = NULL;
	if (nfds)
		*nfds = 0;
	ssize_t r;
	do
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		if (r == 0)
			errno = 0;
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[4];
		memcpy(got, CMSG_DATA(c), (n > 4 ? 4 : n) * sizeof(int));
		for (size_t i = 0; i < n && i < 4; i++) {
			if (fds && nfds && *nfds < max_fds)
				fds[(*nfds)++] = got[i];
			else
				close(got[i]);
		}
	}
	if ((size_t)r < sizeof(hdr) && read_all(sock, (char *)hdr + r, sizeof(hdr) - (size_t)r))
		goto fail;
	if (hdr[1] > CTL_MAX_FRAME) {
		errno = EMSGSIZE;
		goto fail;
	}
	*type = hdr[0];
	*len = hdr[1];
	*payload = xmalloc((size_t)hdr[1] + 1);
	if (hdr[1] && read_all(sock, *payload, hdr[1])) {
		free(*payload);
		*payload = NULL;
		goto fail;
	}
	(*payload)[hdr[1]] = 0;
	return 0;
fail:
	for (int i = 0; nfds && i < *nfds; i++)
		close(fds[i]);
	if (nfds)
		*nfds = 0;
	return -1;
}

void *ctl_encode_request(int argc, char *const *argv, const char *cwd, char *const *env,
			 uint32_t *len)
{
	uint32_t envc = 0;
	size_t n = 8 + strlen(cwd) + 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	for (; env && env[envc]; envc++)
		n += strlen(env[envc]) + 1;
	char *p = xmalloc(n), *q = p + 8;
	uint32_t head[2] = {(uint32_t)argc, envc};
	memcpy(p, head, 8);
	size_t l = strlen(cwd) + 1;
	memcpy(q, cwd, l);
	q += l;
	for (int i = 0; i < argc; i++) {
		l = strlen(argv[i]) + 1;
		memcpy(q, argv[i], l);
		q += l;
	}
	for (uint32_t i = 0; i < envc; i++) {
		l = strlen(env[i]) + 1;
		memcpy(q, env[i], l);
		q += l;
	}
	*len = (uint32_t)n;
	return p;
}

int ctl_decode_request(char *payload, uint32_t len, struct ctl_request *req)
{
	uint32_t head[2];
	if (len < 8)
		return -1;
	memcpy(head, payload, 8);
	if (head[0] == 0 || head[0] > 100000 || head[1] > 100000)
		return -1;
	size_t nstr = 1 + (size_t)head[0] + head[1];
	char **strs = xcalloc(nstr, sizeof(char *));
	char *p = payload + 8, *end = payload + len;
	for (size_t i = 0; i < nstr; i++) {
		char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
		if (!z) {
			free(strs);
			return -1;
		}
		strs[i] = p;
		p = z + 1;
	}
	if (p != end) {
		free(strs);
		return -1;
	}
	req->cwd = strs[0];
	req->argc = (int)head[0];
	req->argv = xcalloc((size_t)head[0] + 1, sizeof(char *));
	memcpy(req->argv, strs + 1, head[0] * sizeof(char *));
	req->env = xcalloc((size_t)head[1] + 1, sizeof(char *));
	memcpy(req->env, strs + 1 + head[0], head[1] * sizeof(char *));
	free(strs);
	return 0;
}

/* ---- addresses ---- */

/* The address of <dir>/<name>; when too long for sun_path, through an
 * O_PATH descriptor of dir (*dirfd, closed by the caller). */
static int sock_addr(const char *dir, const char *name, struct sockaddr_un *sa, int *dirfd)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*dirfd = -1;
	size_t dl = strlen(dir), nl = strlen(name);
	if (dl + 1 + nl < sizeof(sa->sun_path)) {
		memcpy(sa->sun_path, dir, dl);
		sa->sun_path[dl] = '/';
		memcpy(sa->sun_path + dl + 1, name, nl + 1);
		return 0;
	}
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -1;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, name);
	return 0;
}

int ctl_sock_connect(const char *dir, const char *name, int *err_no)
{
	struct sockaddr_un sa;
	int dfd;
	if (sock_addr(dir, name, &sa, &dfd)) {
		*err_no = errno;
		return -1;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*err_no = errno;
	} else if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		*err_no = errno;
		close(s);
		s = -1;
	}
	if (dfd >= 0)
		close(dfd);
	return s;
}

/* ---- sessions ---- */

struct ctl_session {
	struct ctl_server *srv;
	int sock;
	int wake[2]; /* the watcher's stop pipe */
	pthread_mutex_t mu;
	struct cancel *tok;
	atomic_bool cancelled;
	atomic_int sig; /* the client's signal (SIGINT when it went away) */
	struct ctl_session *next;
};

struct ctl_server {
	char *dir;  /* <project>/.ingot */
	char *path; /* <dir>/control.sock */
	int dirfd;
	int lsock;
	int wake[2];
	ctl_run_fn run;
	void *ud;
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	struct ctl_session *sessions;
	int active;
	bool stopping;
};

static const char *sig_reason(int sig)
{
	return sig == SIGTERM ? "cancelled by SIGTERM" : "cancelled by Ctrl-C";
}

static void session_cancel(struct ctl_session *s, int sig)
{
	pthread_mutex_lock(&s->mu);
	bool first = !atomic_exchange(&s->cancelled, true);
	if (first) {
		atomic_store(&s->sig, sig);
		if (s->tok)
			cancel_request(s->tok, ING_ECANCELED, sig_reason(sig));
	}
	pthread_mutex_unlock(&s->mu);
}

void ctl_session_bind_cancel(struct ctl_session *s, struct cancel *tok)
{
	pthread_mutex_lock(&s->mu);
	s->tok = tok;
	if (tok && atomic_load(&s->cancelled))
		cancel_request(tok, ING_ECANCELED, sig_reason(atomic_load(&s->sig)));
	pthread_mutex_unlock(&s->mu);
}

bool ctl_session_cancelled(const struct ctl_session *s)
{
	return atomic_load(&s->cancelled);
}

int ctl_session_signal(const struct ctl_session *s)
{
	return atomic_load(&s->cancelled) ? atomic_load(&s->sig) : 0;
}

/* Wait until fd is readable (true) or the wake pipe is written or poll
 * fails (false: the thread should end). */
static bool wait_readable(int fd, int wake)
{
	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		return !p[1].revents;
	}
}

/* Reads the client's frames while the command runs: CANCEL, or the
 * connection closing (the client is gone), cancels. */
static void *watch_main(void *arg)
{
	struct ctl_session *s = arg;
	while (wait_readable(s->sock, s->wake[0])) {
		uint32_t type, len;
		char *pl;
		if (ctl_recv_frame(s->sock, &type, &pl, &len, NULL, 0, NULL)) {
			session_cancel(s, SIGINT);
			break;
		}
		/* CANCEL's payload: the signal the client got (one byte) */
		if (type == CTL_F_CANCEL)
			session_cancel(s, len == 1 && (unsigned char)pl[0] == SIGTERM ? SIGTERM : SIGINT);
		free(pl);
	}
	return NULL;
}

static bool peer_ok(int sock, struct ctl_request *req)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &l) || cr.uid != getuid())
		return false;
	req->uid = cr.uid;
	req->pid = cr.pid;
	return true;
}

static void *conn_main(void *arg)
{
	struct ctl_session *s = arg;
	struct ctl_server *srv = s->srv;
	struct ctl_request req = {.out_fd = -1, .err_fd = -1};
	int fds[2], nfds = 0;
	uint32_t type = 0, len = 0;
	char *pl = NULL;
	if (peer_ok(s->sock, &req) &&
	    !ctl_recv_frame(s->sock, &type, &pl, &len, fds, 2, &nfds) && type == CTL_F_REQUEST &&
	    nfds == 2 && !ctl_decode_request(pl, len, &req)) {
		req.out_fd = fds[0];
		req.err_fd = fds[1];
		nfds = 0;
		pthread_t w;
		bool watching = !pipe2(s->wake, O_CLOEXEC) &&
				!pthread_create(&w, NULL, watch_main, s);
		int code = srv->run(srv->ud, &req, s);
		if (watching) {
			ssize_t wr = write(s->wake[1], "x", 1);
			(void)wr;
			pthread_join(w, NULL);
		}
		/* the output streams close first: a reader of the client's pipe
		 * sees EOF when the client exits */
		close(req.out_fd);
		close(req.err_fd);
		int32_t c = code;
		ctl_send_frame(s->sock, CTL_F_EXIT, &c, sizeof(c), NULL, 0);
		free(req.argv);
		free(req.env);
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	free(pl);
	close(s->sock);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	pthread_mutex_lock(&srv->mu);
	for (struct ctl_session **pp = &srv->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	srv->active--;
	pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->mu);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct ctl_server *srv = arg;
	while (wait_readable(srv->lsock, srv->wake[0])) {
		int c = accept4(srv->lsock, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		struct ctl_session *s = xcalloc(1, sizeof(*s));
		s->srv = srv;
		s->sock = c;
		s->wake[0] = s->wake[1] = -1;
		pthread_mutex_init(&s->mu, NULL);
		atomic_init(&s->cancelled, false);
		atomic_init(&s->sig, 0);
		pthread_mutex_lock(&srv->mu);
		s->next = srv->sessions;
		srv->sessions = s;
		srv->active++;
		pthread_mutex_unlock(&srv->mu);
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_t t;
		if (pthread_create(&t, &at, conn_main, s)) {
			pthread_mutex_lock(&srv->mu);
			srv->sessions = s->next;
			srv->active--;
			pthread_mutex_unlock(&srv->mu);
			close(c);
			pthread_mutex_destroy(&s->mu);
			free(s);
		}
		pthread_attr_destroy(&at);
	}
	return NULL;
}

int ctl_server_start(const char *project_dir, ctl_run_fn run, void *ud,
		     struct ctl_server **out, struct err *e)
{
	*out = NULL;
	struct ctl_server *srv = xcalloc(1, sizeof(*srv));
	srv->dir = path_join(project_dir, ".ingot");
	srv->path = path_join(srv->dir, SOCK_NAME);
	srv->dirfd = srv->lsock = srv->wake[0] = srv->wake[1] = -1;
	srv->run = run;
	srv->ud = ud;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->idle, NULL);
	int rc = fs_mkdir_p(srv->dir, e);
	if (rc)
		goto fail;
	srv->dirfd = open(srv->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->dirfd < 0) {
		rc = err_set(e, ING_EIO, "cannot open %s: %s", srv->dir, strerror(errno));
		goto fail;
	}
	int en = 0, probe = ctl_sock_connect(srv->dir, SOCK_NAME, &en);
	if (probe >= 0) {
		close(probe);
		rc = err_set(e, ING_ECONFLICT,
			     "another ingot process already owns this project's warehouse and "
			     "listens on %s; stop it first (only one scheduler or serve per project)",
			     srv->path);
		goto fail;
	}
	if (en == ECONNREFUSED)
		unlinkat(srv->dirfd, SOCK_NAME, 0); /* left by a process that died */
	struct sockaddr_un sa;
	int dfd;
	srv->lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->lsock < 0 || sock_addr(srv->dir, SOCK_NAME, &sa, &dfd)) {
		rc = err_set(e, ING_EIO, "cannot create the control socket %s: %s", srv->path,
			     strerror(errno));
		goto fail;
	}
	/* the socket inode's mode is what bind() gives the file (less umask) */
	fchmod(srv->lsock, 0600);
	int b = bind(srv->lsock, (struct sockaddr *)&sa, sizeof(sa));
	int berr = errno;
	if (dfd >= 0)
		close(dfd);
	if (b || fchmodat(srv->dirfd, SOCK_NAME, 0600, 0) || listen(srv->lsock, 16)) {
		rc = err_set(e, ING_EIO, "cannot listen on the control socket %s: %s", srv->path,
			     strerror(b ? berr : errno));
		if (!b)
			unlinkat(srv->dirfd, SOCK_NAME, 0);
		goto fail;
	}
	/* signals are the owner's business: its threads (and the connections'
	 * threads they start) never take them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int terr = pipe2(srv->wake, O_CLOEXEC) ? errno
		   : pthread_create(&srv->acceptor, NULL, accept_main, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (terr) {
		errno = terr;
		rc = err_set(e, ING_EIO, "cannot start the control socket's thread: %s", strerror(errno));
		unlinkat(srv->dirfd, SOCK_NAME, 0);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	if (srv->lsock >= 0)
		close(srv->lsock);
	if (srv->wake[0] >= 0) {
		close(srv->wake[0]);
		close(srv->wake[1]);
	}
	if (srv->dirfd >= 0)
		close(srv->dirfd);
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->idle);
	free(srv->dir);
	free(srv->path);
	free(srv);
	return rc;
}

void ctl_server_stop(struct ctl_server *srv)
{
	if (!srv)
		return;
	ssize_t w = write(srv->wake[1], "x", 1);
	(void)w;
	pthread_join(srv->acceptor, NULL);
	/* nobody new can connect; the work in flight is cancelled */
	unlinkat(srv->dirfd, SOCK_NAME, 0);
	close(srv->lsock);
	pthread_mutex_lock(&srv->mu);
	srv->stopping = true;
	for (struct ctl_session *s = srv->sessions; s; s = s->next)
		session_cancel(s, SIGTERM);
	while (srv->active)
		pthread_cond_wait(&srv->idle, &srv->mu);
	pthread_mutex_unlock(&srv->mu);
	close(srv->wake[0]);
	close(srv->wake[1]);
	close(srv->dirfd);
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->idle);
	free(srv->dir);
	free(srv->path);
	free(srv);
}

const char *ctl_server_path(const struct ctl_server *srv)
{
	return srv->path;
}

/* ---- the client ---- */

static int client_sigpipe = -1;

static void client_handler(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	ssize_t w = write(client_sigpipe, &b, 1);
	(void)w;
	errno = saved;
}

enum ctl_handoff ctl_try_handoff(const char *project_dir, int argc, char **argv, int *exit_code,
				 struct err *e)
{
	char *dir = path_join(project_dir, ".ingot");
	int en = 0, s = ctl_sock_connect(dir, SOCK_NAME, &en);
	char *path = path_join(dir, SOCK_NAME);
	free(dir);
	if (s < 0) {
		enum ctl_handoff r = CTL_NO_OWNER;
		if (en != ENOENT && en != ECONNREFUSED && en != ENOTDIR) {
			err_set(e, ING_ECONNECT,
				"cannot reach the process that owns this project's warehouse at %s: %s; "
				"check the file's owner and permissions", path, strerror(en));
			r = CTL_ERROR;
		}
		free(path);
		return r;
	}
	char *cwd = getcwd(NULL, 0);
	uint32_t len;
	void *req = ctl_encode_request(argc, argv, cwd ? cwd : "/", environ, &len);
	free(cwd);
	int fds[2] = {STDOUT_FILENO, STDERR_FILENO};
	fflush(stdout);
	fflush(stderr);
	enum ctl_handoff r = CTL_ERROR;
	if (ctl_send_frame(s, CTL_F_REQUEST, req, len, fds, 2)) {
		err_set(e, ING_ECONNECT, "cannot hand the command to the warehouse's owner at %s: %s",
			path, strerror(errno));
		goto out;
	}
	int sp[2];
	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK)) {
		err_set(e, ING_EIO, "cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	client_sigpipe = sp[1];
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = client_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, NULL, &old_int);
	sigaction(SIGTERM, NULL, &old_term);
	bool h_int = old_int.sa_handler != SIG_IGN && !sigaction(SIGINT, &sa, NULL);
	bool h_term = old_term.sa_handler != SIG_IGN && !sigaction(SIGTERM, &sa, NULL);
	int first_sig = 0;
	for (;;) {
		struct pollfd p[2] = {{s, POLLIN, 0}, {sp[0], POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err_set(e, ING_EIO, "waiting for the warehouse's owner: %s", strerror(errno));
			break;
		}
		if (p[1].revents & POLLIN) {
			unsigned char b;
			if (read(sp[0], &b, 1) == 1) {
				if (first_sig) {
					static const char m[] = "\ningot: not waiting for the owner; "
								"it rolls the work back\n";
					ssize_t w = write(STDERR_FILENO, m, sizeof(m) - 1);
					(void)w;
					*exit_code = 128 + b;
					r = CTL_HANDED;
					break;
				}
				first_sig = b;
				static const char m[] = "\ningot: cancelling: the owner rolls back "
							"(press Ctrl-C again to stop waiting)\n";
				ssize_t w = write(STDERR_FILENO, m, sizeof(m) - 1);
				(void)w;
				ctl_send_frame(s, CTL_F_CANCEL, &b, 1, NULL, 0);
			}
			continue;
		}
		if (!p[0].revents)
			continue;
		uint32_t type, plen;
		char *pl;
		if (ctl_recv_frame(s, &type, &pl, &plen, NULL, 0, NULL)) {
			err_set(e, ING_ECONNECT,
				"the process that owns the warehouse (%s) closed the connection before "
				"the command finished; see its log, and run the command again", path);
			break;
		}
		if (type == CTL_F_EXIT && plen == sizeof(int32_t)) {
			int32_t c;
			memcpy(&c, pl, sizeof(c));
			free(pl);
			*exit_code = c;
			r = CTL_HANDED;
			break;
		}
		free(pl);
	}
	if (h_int)
		sigaction(SIGINT, &old_int, NULL);
	if (h_term)
		sigaction(SIGTERM, &old_term, NULL);
	client_sigpipe = -1;
	close(sp[0]);
	close(sp[1]);
out:
	free(req);
	free(path);
	close(s);
	return r;
}
