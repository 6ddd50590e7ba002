/*
 * platform/control.h — the control socket of the process that owns a
 * DuckDB warehouse, and the client that hands a command to it.
 *
 * DuckDB lets one process open a database file for writing. A process that
 * holds it (the scheduler, `ingot serve` next) listens on
 * <project>/.ingot/control.sock (AF_UNIX stream, mode 0600, peers of the
 * same uid only); a CLI command that needs the warehouse connects and runs
 * its work inside that process instead of failing on DuckDB's file lock.
 *
 * The protocol, one connection per command:
 *   client -> owner  one REQUEST frame, sent with SCM_RIGHTS carrying the
 *                    client's stdout and stderr (output goes straight to
 *                    the user's terminal: isatty and colour work)
 *   client -> owner  CANCEL frames (Ctrl-C: payload one byte, the signal);
 *                    closing the connection cancels
 *   owner -> client  one EXIT frame with the exit code
 * A frame is a 4-byte type and a 4-byte payload length (host order: both
 * ends are on this machine) followed by the payload. A REQUEST's payload is
 * argc, envc (u32 each), then NUL-terminated strings: cwd, argv[], env[].
 *
 * The server runs one accept thread and one thread per connection, which
 * calls the caller's run callback: the platform module does not know the
 * commands (src/cmd/ supplies them).
 */
#ifndef INGOT_PLATFORM_CONTROL_H
#define INGOT_PLATFORM_CONTROL_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cancel;

/* What a client asks for. Strings live as long as the session. */
struct ctl_request {
	int argc;
	char **argv;      /* NULL-terminated; argv[0] is the client's program name */
	const char *cwd;  /* the client's working directory */
	char **env;       /* the client's environment, NULL-terminated */
	int out_fd, err_fd; /* the client's stdout and stderr (owned by the session) */
	unsigned uid;     /* the peer's uid (SO_PEERCRED), always this process's */
	int pid;          /* the peer's pid */
};

struct ctl_session;

/* Bind tok to the session: a CANCEL frame or the client going away
 * requests it (ING_ECANCELED, "cancelled by Ctrl-C" or "... by SIGTERM").
 * NULL unbinds. A cancel that came before the bind requests tok at once. */
void ctl_session_bind_cancel(struct ctl_session *s, struct cancel *tok);
/* Did the client cancel (a CANCEL frame or gone)? */
bool ctl_session_cancelled(const struct ctl_session *s);
/* The signal behind the cancel (SIGINT, SIGTERM; SIGINT for a client that
 * went away, SIGTERM for an owner shutting down), 0 when none. */
int ctl_session_signal(const struct ctl_session *s);

typedef int (*ctl_run_fn)(void *ud, const struct ctl_request *req, struct ctl_session *s);

struct ctl_server;

/* Listen on <project_dir>/.ingot/control.sock (the directory is created).
 * A socket left by a process that died is replaced; one that answers is
 * another owner: an error naming it. */
int ctl_server_start(const char *project_dir, ctl_run_fn run, void *ud,
		     struct ctl_server **out, struct err *e);
/* Stop accepting, cancel the sessions in flight and wait for them, remove
 * the socket. NULL is fine. */
void ctl_server_stop(struct ctl_server *srv);
/* The socket's path (for messages). */
const char *ctl_server_path(const struct ctl_server *srv);

enum ctl_handoff {
	CTL_NO_OWNER = 0, /* no socket, or nobody listening: run locally */
	CTL_HANDED = 1,   /* the owner ran it; *exit_code is its exit code */
	CTL_ERROR = -1,   /* a socket answered but the exchange failed; e is set */
};

/* Hand argv (the whole command line, argv[0] included) to the owner of
 * project_dir's warehouse. Waits for the exit code; on SIGINT/SIGTERM sends
 * a CANCEL frame, a second one exits the process at once with 128+signal. */
enum ctl_handoff ctl_try_handoff(const char *project_dir, int argc, char **argv, int *exit_code,
				 struct err *e);

/* ---- the wire format (exposed for the unit tests) ---- */
enum ctl_frame_type { CTL_F_REQUEST = 1, CTL_F_CANCEL = 2, CTL_F_EXIT = 3 };
#define CTL_MAX_FRAME (16u << 20)

/* Send a frame, with fds (n of them, 0..2) attached by SCM_RIGHTS. */
int ctl_send_frame(int sock, uint32_t type, const void *payload, uint32_t len, const int *fds,
		   int nfds);
/* Receive one frame: 0 and *payload (malloc'd, NUL-terminated) or -1 on EOF
 * or error (errno; 0 for a clean EOF). Received fds go to fds[0..*nfds),
 * at most max_fds; extra ones are closed. */
int ctl_recv_frame(int sock, uint32_t *type, char **payload, uint32_t *len, int *fds, int max_fds,
		   int *nfds);
/* Encode / decode a REQUEST payload. decode fills req's argc/argv/cwd/env
 * pointing into payload; 0, or -1 when malformed. */
void *ctl_encode_request(int argc, char *const *argv, const char *cwd, char *const *env,
			 uint32_t *len);
int ctl_decode_request(char *payload, uint32_t len, struct ctl_request *req);

/* connect()/bind() on <dir>/<name> when the path is longer than sun_path:
 * through /proc/self/fd/<dirfd>/<name>. Exposed for the unit tests. */
int ctl_sock_connect(const char *dir, const char *name, int *err_no);

#endif
