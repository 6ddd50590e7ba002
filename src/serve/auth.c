/*
 * serve/auth.c — users, password hashes, sessions and the login rate limit.
 *
 * Password hashes are PBKDF2-HMAC-SHA256 (OpenSSL's libcrypto) with a
 * random 16-byte salt, written "pbkdf2-sha256$ITER$SALT_B64$HASH_B64" so a
 * later change of the iteration count keeps old hashes valid. Verification
 * recomputes and compares with CRYPTO_memcmp (constant time); an unknown
 * user is checked against a dummy hash so both cases take the same time.
 *
 * Sessions live in memory (a restart logs everyone out): a small table
 * under one mutex, looked up by the 32-byte random id of the cookie, each
 * with its own random CSRF token. Idle for SESSION_IDLE_US: gone. At
 * SESSION_MAX the least recently used one is dropped, so anonymous
 * sessions (the CSRF token when auth is off) cannot grow memory.
 *
 * The rate limit counts failed logins per client address over a sliding
 * minute in a bounded table (the oldest address is forgotten first).
 *
 * Bearer tokens (`tokens:` in the users file) let scripts call the API
 * without a session: each names a listed user (whose role it carries) and
 * holds a hash of the token — "sha256$HEX" (tokens are long random
 * strings: one SHA-256 is enough and costs nothing per request) or a
 * pbkdf2-sha256 string as for passwords (slow: every request pays it).
 */
#include "serve/serve_int.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/digest.h"
#include "core/mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *serve_role_name(enum serve_role r)
{
	switch (r) {
	case SERVE_ROLE_VIEWER:
		return "viewer";
	case SERVE_ROLE_OPERATOR:
		return "operator";
	case SERVE_ROLE_ADMIN:
		return "admin";
	default:
		return NULL;
	}
}

/* ---- passwords ---- */

#define SALT_LEN 16
#define DK_LEN 32

static size_t b64_encode(const unsigned char *p, size_t n, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* Decode standard base64 into out (cap bytes); the length, or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	if (n == 0 || n % 4 || n / 4 * 3 > cap + 2)
		return -1;
	unsigned char tmp[128];
	if (n / 4 * 3 > sizeof(tmp))
		return -1;
	int r = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	if (r < 0)
		return -1;
	size_t len = (size_t)r;
	if (s[n - 1] == '=')
		len--;
	if (s[n - 2] == '=')
		len--;
	if (len > cap)
		return -1;
	memcpy(out, tmp, len);
	return (long)len;
}

int serve_hash_password(const char *pw, size_t n, unsigned iter, struct buf *out, struct err *e)
{
	unsigned char salt[SALT_LEN], dk[DK_LEN];
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return err_set(e, ING_EFAIL, "cannot get random bytes for the salt (OpenSSL RAND_bytes)");
	if (PKCS5_PBKDF2_HMAC(pw, (int)n, salt, sizeof(salt), (int)iter, EVP_sha256(), sizeof(dk), dk) != 1)
		return err_set(e, ING_EFAIL, "PBKDF2 failed (OpenSSL)");
	char s64[64], d64[64];
	b64_encode(salt, sizeof(salt), s64);
	b64_encode(dk, sizeof(dk), d64);
	buf_printf(out, "pbkdf2-sha256$%u$%s$%s", iter, s64, d64);
	OPENSSL_cleanse(dk, sizeof(dk));
	return 0;
}

/* Split a stored hash; false when malformed. */
static bool parse_hash(const char *stored, unsigned long *iter, unsigned char salt[64], long *sl,
		       unsigned char want[64], long *dl)
{
	static const char pre[] = "pbkdf2-sha256$";
	if (!stored || strncmp(stored, pre, sizeof(pre) - 1))
		return false;
	const char *p = stored + sizeof(pre) - 1;
	if (*p < '1' || *p > '9')
		return false;
	char *end;
	*iter = strtoul(p, &end, 10);
	if (*end != '$' || *iter < 1000 || *iter > 100000000)
		return false;
	const char *sp = end + 1, *d = strchr(sp, '$');
	if (!d)
		return false;
	*sl = b64_decode(sp, (size_t)(d - sp), salt, 64);
	*dl = b64_decode(d + 1, strlen(d + 1), want, 64);
	return *sl >= 8 && *dl >= 16;
}

bool serve_hash_wellformed(const char *stored)
{
	unsigned long iter;
	unsigned char sb[64], want[64];
	long sl, dl;
	return parse_hash(stored, &iter, sb, &sl, want, &dl);
}

bool serve_verify_password(const char *stored, const char *pw, size_t n)
{
	unsigned long iter;
	unsigned char sb[64], want[64], got[64];
	long sl, dl;
	if (!parse_hash(stored, &iter, sb, &sl, want, &dl))
		return false;
	if (PKCS5_PBKDF2_HMAC(pw, (int)n, sb, (int)sl, (int)iter, EVP_sha256(), (int)dl, got) != 1)
		return false;
	bool ok = CRYPTO_memcmp(got, want, (size_t)dl) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

static char dummy_hash[160];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	if (!serve_hash_password("-", 1, SERVE_PBKDF2_ITER, &b, &e))
		snprintf(dummy_hash, sizeof(dummy_hash), "%s", buf_cstr(&b));
	err_clear(&e);
	buf_free(&b);
}

const char *serve_dummy_hash(void)
{
	/* a hash of a password nobody is told: checking an unknown user
	 * against it takes as long as checking a known one */
	pthread_once(&dummy_once, dummy_init);
	return dummy_hash;
}

/* ---- users ---- */

struct serve_token {
	const char *name, *hash;
	const struct serve_user *user;
};

struct serve_users {
	struct arena *a;
	struct serve_user *v;
	size_t n;
	struct serve_token *tok;
	size_t ntok;
};

/* "sha256$" and 64 hex digits into 32 bytes. */
static bool parse_sha256(const char *s, unsigned char out[32])
{
	if (strncmp(s, "sha256$", 7) || strlen(s + 7) != 64)
		return false;
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[7 + 2 * i + k];
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							    : 16u;
			if (d > 15)
				return false;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return true;
}

const struct serve_user *serve_token_find(const struct serve_users *u, const char *token,
					  const char **token_name)
{
	if (!u || !token || !*token)
		return NULL;
	size_t n = strlen(token);
	unsigned char got[32];
	unsigned int gl = 0;
	if (EVP_Digest(token, n, got, &gl, EVP_sha256(), NULL) != 1 || gl != 32)
		return NULL;
	const struct serve_token *hit = NULL;
	for (size_t i = 0; i < u->ntok; i++) {
		const struct serve_token *t = &u->tok[i];
		unsigned char want[32];
		bool ok = parse_sha256(t->hash, want) ? CRYPTO_memcmp(got, want, 32) == 0
						      : serve_verify_password(t->hash, token, n);
		if (ok && !hit)
			hit = t;
	}
	if (hit && token_name)
		*token_name = hit->name;
	return hit ? hit->user : NULL;
}

static int load_tokens(struct serve_users *u, const struct ynode *toks, struct err *e)
{
	if (toks->type != Y_SEQ)
		return yerr(e, toks, ING_ECONFIG, "'tokens' must be a list of {name, user, token_hash}");
	u->tok = arena_alloc(u->a, (toks->n + 1) * sizeof(*u->tok));
	for (size_t i = 0; i < toks->n; i++) {
		const struct ynode *m = toks->items[i];
		struct {
			char *name, *user, *hash;
		} f = {0};
		static const struct yfield fields[] = {
			{"name", YF_STR, 0, true, NULL, 0},
			{"user", YF_STR, sizeof(char *), true, NULL, 0},
			{"token_hash", YF_STR, 2 * sizeof(char *), true, NULL, 0},
			{0},
		};
		if (m->type != Y_MAP)
			return yerr(e, m, ING_ECONFIG, "a token is a mapping {name, user, token_hash}");
		int rc = yaml_decode(m, fields, &f, 0, u->a, e);
		if (rc)
			return rc;
		struct serve_token *t = &u->tok[i];
		t->name = f.name;
		t->hash = f.hash;
		t->user = serve_users_find(u, f.user);
		if (!t->user)
			return yerr(e, ymap_get(m, "user"), ING_ECONFIG,
				    "token '%s' names user '%s', who is not in 'users'", f.name, f.user);
		unsigned char d[32];
		if (!parse_sha256(f.hash, d) && !serve_hash_wellformed(f.hash))
			return yerr(e, ymap_get(m, "token_hash"), ING_ECONFIG,
				    "token_hash is neither \"sha256$<64 hex digits>\" (printf %%s \"$TOKEN\" | "
				    "sha256sum) nor a pbkdf2-sha256$... string (`ingot serve hash-password`)");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(u->tok[j].name, t->name))
				return yerr(e, ymap_get(m, "name"), ING_ECONFIG, "token '%s' is listed twice",
					    t->name);
		u->ntok = i + 1;
	}
	return 0;
}

static int parse_role(const char *s, enum serve_role *r)
{
	for (int i = SERVE_ROLE_VIEWER; i <= SERVE_ROLE_ADMIN; i++)
		if (!strcmp(s, serve_role_name((enum serve_role)i))) {
			*r = (enum serve_role)i;
			return 0;
		}
	return -1;
}

int serve_users_load(const char *path, struct serve_users **out, struct err *e)
{
	struct serve_users *u = xcalloc(1, sizeof(*u));
	u->a = arena_new(0);
	struct ynode *root;
	int rc = yaml_load_file(path, u->a, &root, e);
	if (rc)
		goto fail;
	if (root->type != Y_MAP) {
		rc = yerr(e, root, ING_ECONFIG, "an auth file is a mapping with a 'users' list");
		goto fail;
	}
	for (size_t i = 0; i < root->n; i++)
		if (strcmp(root->keys[i]->str ? root->keys[i]->str : "", "users") &&
		    strcmp(root->keys[i]->str ? root->keys[i]->str : "", "tokens")) {
			rc = yerr(e, root->keys[i], ING_ECONFIG,
				  "unknown key '%s' (an auth file has 'users' and 'tokens')",
				  root->keys[i]->str ? root->keys[i]->str : "");
			goto fail;
		}
	struct ynode *users = ymap_get(root, "users");
	if (!users || users->type != Y_SEQ || users->n == 0) {
		rc = yerr(e, users ? users : root, ING_ECONFIG,
			  "'users' must be a non-empty list of {name, role, password_hash}");
		goto fail;
	}
	u->v = arena_alloc(u->a, users->n * sizeof(*u->v));
	for (size_t i = 0; i < users->n; i++) {
		const struct ynode *m = users->items[i];
		struct {
			char *name, *role, *hash;
		} f = {0};
		static const struct yfield fields[] = {
			{"name", YF_STR, 0, true, NULL, 0},
			{"role", YF_STR, sizeof(char *), true, NULL, 0},
			{"password_hash", YF_STR, 2 * sizeof(char *), true, NULL, 0},
			{0},
		};
		if (m->type != Y_MAP) {
			rc = yerr(e, m, ING_ECONFIG, "a user is a mapping {name, role, password_hash}");
			goto fail;
		}
		if ((rc = yaml_decode(m, fields, &f, 0, u->a, e)))
			goto fail;
		struct serve_user *s = &u->v[i];
		s->name = f.name;
		s->hash = f.hash;
		if (!*f.name || strlen(f.name) >= ROUTE_NAME_MAX) {
			rc = yerr(e, ymap_get(m, "name"), ING_ECONFIG, "a user name is 1 to %d bytes",
				  ROUTE_NAME_MAX - 1);
			goto fail;
		}
		if (parse_role(f.role, &s->role)) {
			rc = yerr(e, ymap_get(m, "role"), ING_ECONFIG,
				  "role '%s': use viewer, operator or admin", f.role);
			goto fail;
		}
		if (!serve_hash_wellformed(f.hash)) {
			rc = yerr(e, ymap_get(m, "password_hash"), ING_ECONFIG,
				  "password_hash is not a pbkdf2-sha256$... string: make one with "
				  "`ingot serve hash-password`");
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(u->v[j].name, s->name)) {
				rc = yerr(e, ymap_get(m, "name"), ING_ECONFIG, "user '%s' is listed twice", s->name);
				goto fail;
			}
		u->n = i + 1;
	}
	struct ynode *toks = ymap_get(root, "tokens");
	if (toks && (rc = load_tokens(u, toks, e)))
		goto fail;
	*out = u;
	return 0;
fail:
	serve_users_free(u);
	*out = NULL;
	return rc;
}

void serve_users_free(struct serve_users *u)
{
	if (!u)
		return;
	arena_free(u->a);
	free(u);
}

size_t serve_users_count(const struct serve_users *u)
{
	return u ? u->n : 0;
}

const struct serve_user *serve_users_find(const struct serve_users *u, const char *name)
{
	for (size_t i = 0; u && name && i < u->n; i++)
		if (!strcmp(u->v[i].name, name))
			return &u->v[i];
	return NULL;
}

/* ---- sessions ---- */

void serve_random_hex(char out[SESSION_ID_HEX])
{
	unsigned char b[32];
	if (RAND_bytes(b, sizeof(b)) != 1) {
		/* never hand out a guessable id: without randomness, stop */
		fprintf(stderr, "ingot serve: OpenSSL RAND_bytes failed\n");
		abort();
	}
	hex_encode(b, sizeof(b), out);
	out[64] = 0;
}

struct serve_sessions {
	pthread_mutex_t mu;
	struct serve_session *v;
	size_t n, cap;
};

struct serve_sessions *serve_sessions_new(void)
{
	struct serve_sessions *ss = xcalloc(1, sizeof(*ss));
	pthread_mutex_init(&ss->mu, NULL);
	return ss;
}

void serve_sessions_free(struct serve_sessions *ss)
{
	if (!ss)
		return;
	OPENSSL_cleanse(ss->v, ss->cap * sizeof(*ss->v));
	free(ss->v);
	pthread_mutex_destroy(&ss->mu);
	free(ss);
}

static void drop(struct serve_sessions *ss, size_t i)
{
	ss->v[i] = ss->v[--ss->n];
	memset(&ss->v[ss->n], 0, sizeof(ss->v[0]));
}

bool serve_sessions_get(struct serve_sessions *ss, const char *id, int64_t now, struct serve_session *out)
{
	if (!id || strlen(id) != SESSION_ID_HEX - 1)
		return false;
	bool hit = false;
	pthread_mutex_lock(&ss->mu);
	for (size_t i = 0; i < ss->n; i++) {
		if (!serve_token_equal(ss->v[i].id, id))
			continue;
		if (now - ss->v[i].last_us > SESSION_IDLE_US) {
			drop(ss, i);
			break;
		}
		ss->v[i].last_us = now;
		*out = ss->v[i];
		hit = true;
		break;
	}
	pthread_mutex_unlock(&ss->mu);
	return hit;
}

void serve_sessions_create(struct serve_sessions *ss, const char *user, enum serve_role role, int64_t now,
			   struct serve_session *out)
{
	struct serve_session s;
	memset(&s, 0, sizeof(s));
	serve_random_hex(s.id);
	serve_random_hex(s.csrf);
	snprintf(s.user, sizeof(s.user), "%s", user ? user : "");
	s.role = role;
	s.last_us = now;
	pthread_mutex_lock(&ss->mu);
	for (size_t i = 0; i < ss->n;) /* expired ones first */
		if (now - ss->v[i].last_us > SESSION_IDLE_US)
			drop(ss, i);
		else
			i++;
	if (ss->n >= SESSION_MAX) {
		size_t old = 0;
		for (size_t i = 1; i < ss->n; i++)
			if (ss->v[i].last_us < ss->v[old].last_us)
				old = i;
		drop(ss, old);
	}
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 64;
		ss->v = xrealloc(ss->v, ss->cap * sizeof(*ss->v));
	}
	ss->v[ss->n++] = s;
	pthread_mutex_unlock(&ss->mu);
	*out = s;
}

void serve_sessions_delete(struct serve_sessions *ss, const char *id)
{
	pthread_mutex_lock(&ss->mu);
	for (size_t i = 0; id && i < ss->n; i++)
		if (serve_token_equal(ss->v[i].id, id)) {
			drop(ss, i);
			break;
		}
	pthread_mutex_unlock(&ss->mu);
}

/* ---- the login rate limit ---- */

#define RL_ADDRS 4096
struct rl_entry {
	char addr[64];
	int64_t fails[LOGIN_FAIL_MAX]; /* ring of the last failures' times */
	size_t next;
	int64_t last;
};
struct serve_ratelimit {
	pthread_mutex_t mu;
	struct rl_entry *v;
	size_t n;
};

struct serve_ratelimit *serve_ratelimit_new(void)
{
	struct serve_ratelimit *rl = xcalloc(1, sizeof(*rl));
	pthread_mutex_init(&rl->mu, NULL);
	rl->v = xcalloc(RL_ADDRS, sizeof(*rl->v));
	return rl;
}

void serve_ratelimit_free(struct serve_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->v);
	free(rl);
}

static struct rl_entry *rl_find(struct serve_ratelimit *rl, const char *addr)
{
	for (size_t i = 0; i < rl->n; i++)
		if (!strcmp(rl->v[i].addr, addr))
			return &rl->v[i];
	return NULL;
}

bool serve_ratelimit_blocked(struct serve_ratelimit *rl, const char *addr, int64_t now)
{
	pthread_mutex_lock(&rl->mu);
	struct rl_entry *r = rl_find(rl, addr);
	size_t recent = 0;
	for (size_t i = 0; r && i < LOGIN_FAIL_MAX; i++)
		if (r->fails[i] && now - r->fails[i] < LOGIN_WINDOW_US)
			recent++;
	pthread_mutex_unlock(&rl->mu);
	return recent >= LOGIN_FAIL_MAX;
}

void serve_ratelimit_fail(struct serve_ratelimit *rl, const char *addr, int64_t now)
{
	pthread_mutex_lock(&rl->mu);
	struct rl_entry *r = rl_find(rl, addr);
	if (!r) {
		if (rl->n < RL_ADDRS) {
			r = &rl->v[rl->n++];
		} else {
			r = &rl->v[0];
			for (size_t i = 1; i < rl->n; i++)
				if (rl->v[i].last < r->last)
					r = &rl->v[i];
		}
		memset(r, 0, sizeof(*r));
		snprintf(r->addr, sizeof(r->addr), "%s", addr);
	}
	r->fails[r->next] = now;
	r->next = (r->next + 1) % LOGIN_FAIL_MAX;
	r->last = now;
	pthread_mutex_unlock(&rl->mu);
}
