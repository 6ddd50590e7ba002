/*
 * tests/unit/test_serve.c — serve/'s pure parts: URL routing, the methods a
 * route takes, cookie and header parsing, ETag and gzip negotiation, the
 * Origin check, the first line of an error, constant-time token compare,
 * password hashes (format, verify, tampering), the users file, sessions
 * (expiry, new ids), the login rate limit, the asset table.
 */
#include "test.h"

#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"
#include "serve/assets.h"
#include "serve/serve_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum route_kind route(const char *p, struct serve_route *r)
{
	return serve_route_parse(p, r);
}

TEST(serve_route_paths)
{
	struct serve_route r;
	CHECK_INT(route("/", &r), RT_INDEX);
	CHECK_INT(route("/d/ecommerce/sales", &r), RT_INDEX);
	CHECK_INT(route("/login", &r), RT_INDEX);
	CHECK_INT(route("/favicon.ico", &r), RT_FAVICON);
	CHECK_INT(route("/healthz", &r), RT_HEALTHZ);
	CHECK_INT(route("/assets/app.js", &r), RT_ASSET);
	CHECK_STR(r.asset, "app.js");
	CHECK_INT(route("/assets/", &r), RT_NOT_FOUND);
	CHECK_INT(route("/nope", &r), RT_NOT_FOUND);
	CHECK_INT(route("", &r), RT_NOT_FOUND);
	CHECK_INT(route("/api/v1/dashboards", &r), RT_LIST);
	CHECK_INT(route("/api/v1/dashboards/", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/dashboards/shop", &r), RT_SPEC);
	CHECK_STR(r.board, "shop");
	CHECK_INT(route("/api/v1/dashboards/shop/tiles/revenue", &r), RT_TILE);
	CHECK_STR(r.name, "revenue");
	CHECK_INT(route("/api/v1/dashboards/shop/tiles/top.csv", &r), RT_TILE_CSV);
	CHECK_STR(r.name, "top");
	CHECK_INT(route("/api/v1/dashboards/shop/tiles/.csv", &r), RT_TILE);
	CHECK_STR(r.name, ".csv"); /* no name before .csv: a tile called ".csv" (404 from dash) */
	CHECK_INT(route("/api/v1/dashboards/shop/filters/category/values", &r), RT_FILTER_VALUES);
	CHECK_STR(r.name, "category");
	CHECK_INT(route("/api/v1/dashboards/shop/filters/category", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/dashboards/shop/tiles/a/b", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/dashboards/shop/tiles/", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/dashboards//tiles/x", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/me", &r), RT_ME);
	CHECK_INT(route("/api/v1/login", &r), RT_LOGIN);
	CHECK_INT(route("/api/v1/logout", &r), RT_LOGOUT);
	CHECK_INT(route("/api/v1/nope", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api", &r), RT_API_NOT_FOUND);
	/* a name longer than ROUTE_NAME_MAX is no route */
	char longp[400];
	snprintf(longp, sizeof(longp), "/api/v1/dashboards/%0300d", 7);
	CHECK_INT(route(longp, &r), RT_API_NOT_FOUND);
	CHECK(serve_route_is_api(RT_TILE) && !serve_route_is_api(RT_ASSET) && !serve_route_is_api(RT_INDEX));
	const char *allow;
	CHECK(serve_route_method_ok(RT_TILE, "GET", &allow));
	CHECK(serve_route_method_ok(RT_TILE, "HEAD", &allow));
	CHECK(!serve_route_method_ok(RT_TILE, "POST", &allow));
	CHECK_STR(allow, "GET, HEAD");
	CHECK(serve_route_method_ok(RT_LOGIN, "POST", &allow));
	CHECK(!serve_route_method_ok(RT_LOGIN, "GET", &allow));
	CHECK_STR(allow, "POST");
}

TEST(serve_route_pipelines_paths)
{
	struct serve_route r;
	CHECK_INT(route("/pipelines", &r), RT_INDEX);
	CHECK_INT(route("/pipelines/ecommerce_elt", &r), RT_INDEX);
	CHECK_INT(route("/pipelinesx", &r), RT_NOT_FOUND);
	CHECK_INT(route("/api/v1/pipelines", &r), RT_PIPELINES);
	CHECK_INT(route("/api/v1/pipelines/elt", &r), RT_PIPELINE);
	CHECK_STR(r.board, "elt");
	CHECK_INT(route("/api/v1/pipelines/elt/runs", &r), RT_PIPELINE_RUNS);
	CHECK_INT(route("/api/v1/pipelines/elt/trigger", &r), RT_PIPELINE_ACTION);
	CHECK_STR(r.action, "trigger");
	CHECK_INT(route("/api/v1/pipelines/elt/unpause", &r), RT_PIPELINE_ACTION);
	CHECK_STR(r.action, "unpause");
	CHECK_INT(route("/api/v1/pipelines/elt/backfill", &r), RT_PIPELINE_ACTION);
	CHECK_INT(route("/api/v1/pipelines/elt/explode", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/pipelines/elt/runs/x", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/pipelines/", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/runs/42", &r), RT_RUN);
	CHECK(r.run == 42);
	CHECK_INT(route("/api/v1/runs/042", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/runs/-1", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/runs/1234567890123456789", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/runs/7/cancel", &r), RT_RUN_ACTION);
	CHECK_STR(r.action, "cancel");
	CHECK_INT(route("/api/v1/runs/7/rerun_failed", &r), RT_RUN_ACTION);
	CHECK_INT(route("/api/v1/runs/7/mark_failed", &r), RT_RUN_ACTION);
	CHECK_STR(r.action, "mark_failed");
	CHECK_INT(route("/api/v1/runs/7/mark_success", &r), RT_RUN_ACTION);
	CHECK_STR(r.action, "mark_success");
	CHECK_INT(route("/api/v1/runs/7/mark_running", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/audit", &r), RT_INDEX);
	CHECK_INT(route("/audit/x", &r), RT_NOT_FOUND);
	CHECK_INT(route("/api/v1/runs/7/tasks/load_a/clear", &r), RT_TASK_CLEAR);
	CHECK_STR(r.name, "load_a");
	CHECK_INT(route("/api/v1/runs/7/tasks/load_a/log", &r), RT_TASK_LOG);
	CHECK_INT(route("/api/v1/runs/7/tasks/load_a/log/stream", &r), RT_TASK_LOG_STREAM);
	CHECK_INT(route("/api/v1/runs/7/tasks//log", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/runs/7/tasks/a/log/stream/x", &r), RT_API_NOT_FOUND);
	CHECK_INT(route("/api/v1/events", &r), RT_EVENTS);
	CHECK_INT(route("/api/v1/audit", &r), RT_AUDIT);
	const char *allow;
	CHECK(serve_route_method_ok(RT_PIPELINE_ACTION, "POST", &allow));
	CHECK(!serve_route_method_ok(RT_TASK_CLEAR, "GET", &allow));
	CHECK(serve_route_method_ok(RT_EVENTS, "GET", &allow));
	CHECK(!serve_route_method_ok(RT_RUN, "POST", &allow));
}

TEST(serve_cookie_parsing)
{
	char v[80];
	CHECK(serve_cookie_get("ingot_session=abc", "ingot_session", v, sizeof(v)));
	CHECK_STR(v, "abc");
	CHECK(serve_cookie_get("a=1; ingot_session=xyz; b=2", "ingot_session", v, sizeof(v)));
	CHECK_STR(v, "xyz");
	CHECK(serve_cookie_get("a=1;ingot_session=\"q\"", "ingot_session", v, sizeof(v)));
	CHECK_STR(v, "q");
	CHECK(!serve_cookie_get("xingot_session=1; ingot_sessionx=2", "ingot_session", v, sizeof(v)));
	CHECK(!serve_cookie_get("", "ingot_session", v, sizeof(v)));
	CHECK(!serve_cookie_get(NULL, "ingot_session", v, sizeof(v)));
	CHECK(!serve_cookie_get("ingot_session=0123456789", "ingot_session", v, 5)); /* too long */
	CHECK(serve_cookie_get("ingot_session=", "ingot_session", v, sizeof(v)));
	CHECK_STR(v, "");
}

TEST(serve_header_negotiation)
{
	CHECK(serve_accepts_gzip("gzip"));
	CHECK(serve_accepts_gzip("deflate, gzip;q=0.8, br"));
	CHECK(serve_accepts_gzip("*"));
	CHECK(serve_accepts_gzip("GZIP"));
	CHECK(!serve_accepts_gzip("gzip;q=0"));
	CHECK(!serve_accepts_gzip("gzip; q=0.000"));
	CHECK(!serve_accepts_gzip("br, deflate"));
	CHECK(!serve_accepts_gzip("xgzip"));
	CHECK(!serve_accepts_gzip(NULL));
	CHECK(!serve_accepts_gzip(""));
	CHECK(serve_etag_match("\"abc\"", "\"abc\""));
	CHECK(serve_etag_match("\"x\", \"abc\"", "\"abc\""));
	CHECK(serve_etag_match("W/\"abc\"", "\"abc\""));
	CHECK(serve_etag_match("*", "\"abc\""));
	CHECK(!serve_etag_match("\"abcd\"", "\"abc\""));
	CHECK(!serve_etag_match("abc", "\"abc\""));
	CHECK(!serve_etag_match("", "\"abc\""));
	CHECK(serve_origin_ok(NULL, "127.0.0.1:8080"));
	CHECK(serve_origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080"));
	CHECK(serve_origin_ok("https://Dash.Example.com", "dash.example.com"));
	CHECK(!serve_origin_ok("http://127.0.0.1:9999", "127.0.0.1:8080"));
	CHECK(!serve_origin_ok("null", "127.0.0.1:8080"));
	CHECK(!serve_origin_ok("http://evil.example", "127.0.0.1:8080"));
	CHECK(!serve_origin_ok("http://127.0.0.1:8080.evil", "127.0.0.1:8080"));
	CHECK(!serve_origin_ok("ftp://127.0.0.1:8080", "127.0.0.1:8080"));
	CHECK(!serve_origin_ok("http://x", NULL));
	char line[16];
	serve_first_line("first\nsecond\nthird", line, sizeof(line));
	CHECK_STR(line, "first");
	char wide[64];
	serve_first_line("Catalog Error: x  \r\nLINE 1: ...", wide, sizeof(wide));
	CHECK_STR(wide, "Catalog Error: x");
	serve_first_line("0123456789abcdefghij", line, sizeof(line));
	CHECK_STR(line, "0123456789abcde");
	serve_first_line("0123456789abcd\xc3\xa9", line, sizeof(line)); /* é not cut in half */
	CHECK_STR(line, "0123456789abcd");
	serve_first_line(NULL, line, sizeof(line));
	CHECK_STR(line, "");
}

TEST(serve_token_compare)
{
	CHECK(serve_token_equal("abc", "abc"));
	CHECK(!serve_token_equal("abc", "abd"));
	CHECK(!serve_token_equal("abc", "abcd"));
	CHECK(!serve_token_equal("", ""));
	CHECK(!serve_token_equal(NULL, "abc"));
	CHECK(!serve_token_equal("abc", NULL));
}

TEST(serve_password_hashes)
{
	struct buf h = BUF_INIT, h2 = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK_OK(serve_hash_password("s3cret", 6, 1000, &h, &e), &e);
	CHECK(str_startswith(buf_cstr(&h), "pbkdf2-sha256$1000$"));
	CHECK(serve_hash_wellformed(buf_cstr(&h)));
	CHECK(serve_verify_password(buf_cstr(&h), "s3cret", 6));
	CHECK(!serve_verify_password(buf_cstr(&h), "s3cret ", 7));
	CHECK(!serve_verify_password(buf_cstr(&h), "S3cret", 6));
	CHECK(!serve_verify_password(buf_cstr(&h), "", 0));
	CHECK_OK(serve_hash_password("s3cret", 6, 1000, &h2, &e), &e);
	CHECK(strcmp(buf_cstr(&h), buf_cstr(&h2)) != 0); /* random salt */
	CHECK(serve_verify_password(buf_cstr(&h2), "s3cret", 6));
	/* tampering: another iteration count, a flipped byte of the key */
	char *t = xstrdup(buf_cstr(&h));
	memcpy(t + strlen("pbkdf2-sha256$"), "1001", 4);
	CHECK(!serve_verify_password(t, "s3cret", 6));
	free(t);
	t = xstrdup(buf_cstr(&h));
	size_t n = strlen(t);
	t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
	CHECK(!serve_verify_password(t, "s3cret", 6));
	free(t);
	/* malformed strings never verify */
	const char *badh[] = {"", "plaintext", "pbkdf2-sha256$", "pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
			      "pbkdf2-sha256$x$y$z", "pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==",
			      "pbkdf2-sha256$1000$!!!$AAAAAAAAAAAAAAAAAAAAAA==", "pbkdf2-sha256$01000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA=="};
	for (size_t i = 0; i < sizeof(badh) / sizeof(badh[0]); i++) {
		CHECK(!serve_hash_wellformed(badh[i]));
		CHECK(!serve_verify_password(badh[i], "", 0));
	}
	CHECK(serve_hash_wellformed(serve_dummy_hash()));
	CHECK(str_startswith(serve_dummy_hash(), "pbkdf2-sha256$210000$"));
	buf_free(&h);
	buf_free(&h2);
}

TEST(serve_users_file)
{
	char dir[] = "/tmp/ingot-serve-XXXXXX";
	CHECK(mkdtemp(dir));
	struct buf h = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK_OK(serve_hash_password("pw", 2, 1000, &h, &e), &e);
	char *path = path_join(dir, "users.yml");
	char *text = xasprintf("users:\n  - {name: ann, role: admin, password_hash: \"%s\"}\n"
			       "  - name: vic\n    role: viewer\n    password_hash: \"%s\"\n",
			       buf_cstr(&h), buf_cstr(&h));
	CHECK_OK(fs_write_atomic(path, text, strlen(text), &e), &e);
	struct serve_users *u = NULL;
	CHECK_OK(serve_users_load(path, &u, &e), &e);
	CHECK_INT((long long)serve_users_count(u), 2);
	const struct serve_user *a = serve_users_find(u, "ann"), *v = serve_users_find(u, "vic");
	CHECK(a && v && !serve_users_find(u, "bob") && !serve_users_find(u, NULL));
	CHECK_INT(a->role, SERVE_ROLE_ADMIN);
	CHECK_INT(v->role, SERVE_ROLE_VIEWER);
	CHECK(serve_verify_password(v->hash, "pw", 2));
	serve_users_free(u);
	free(text);
	const char *bad[][2] = {
		{"users: []\n", ":1:8"},
		{"users:\n  - {name: a, role: root, password_hash: x}\n", ":2:"},
		{"users:\n  - {name: a, role: viewer}\n", "password_hash"},
		{"users:\n  - {name: a, role: viewer, password_hash: nope}\n", "hash-password"},
		{"people: []\n", ":1:1"},
		{"users:\n  - {name: a, role: viewer, password_hash: H}\n  - {name: a, role: admin, password_hash: H}\n",
		 "twice"},
		{"users:\n  - {name: a, role: viewer, password_hash: H, extra: 1}\n", "extra"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf t = BUF_INIT;
		for (const char *p = bad[i][0]; *p; p++)
			if (*p == 'H')
				buf_printf(&t, "\"%s\"", buf_cstr(&h));
			else
				buf_putc(&t, *p);
		CHECK_OK(fs_write_atomic(path, t.data, t.len, &e), &e);
		u = NULL;
		struct err le = ERR_INIT;
		CHECK(serve_users_load(path, &u, &le) != 0);
		CHECK(u == NULL);
		char *msg = err_string(&le);
		if (!strstr(msg, bad[i][1]))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, msg, bad[i][1]);
		CHECK(strstr(msg, bad[i][1]) != NULL);
		free(msg);
		err_clear(&le);
		buf_free(&t);
	}
	unlink(path);
	rmdir(dir);
	free(path);
	buf_free(&h);
}

TEST(serve_sessions_expire_and_rotate)
{
	struct serve_sessions *ss = serve_sessions_new();
	struct serve_session a, b, got;
	int64_t t0 = 1000000000000LL;
	serve_sessions_create(ss, "ann", SERVE_ROLE_OPERATOR, t0, &a);
	serve_sessions_create(ss, "", SERVE_ROLE_NONE, t0, &b);
	CHECK_INT((long long)strlen(a.id), 64);
	CHECK(strcmp(a.id, b.id) && strcmp(a.csrf, b.csrf) && strcmp(a.id, a.csrf));
	CHECK(serve_sessions_get(ss, a.id, t0 + 1, &got));
	CHECK_STR(got.user, "ann");
	CHECK_INT(got.role, SERVE_ROLE_OPERATOR);
	CHECK_STR(got.csrf, a.csrf);
	CHECK(!serve_sessions_get(ss, "nope", t0, &got));
	char wrong[SESSION_ID_HEX];
	memcpy(wrong, a.id, sizeof(wrong));
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	CHECK(!serve_sessions_get(ss, wrong, t0, &got));
	/* idle: each use moves the expiry */
	CHECK(serve_sessions_get(ss, a.id, t0 + SESSION_IDLE_US - 10, &got));
	CHECK(serve_sessions_get(ss, a.id, t0 + 2 * SESSION_IDLE_US - 20, &got));
	CHECK(!serve_sessions_get(ss, b.id, t0 + SESSION_IDLE_US + 1, &got)); /* b idled out */
	CHECK(!serve_sessions_get(ss, a.id, t0 + 4 * SESSION_IDLE_US, &got));
	serve_sessions_create(ss, "x", SERVE_ROLE_VIEWER, t0, &a);
	serve_sessions_delete(ss, a.id);
	CHECK(!serve_sessions_get(ss, a.id, t0, &got));
	serve_sessions_free(ss);
}

TEST(serve_login_rate_limit)
{
	struct serve_ratelimit *rl = serve_ratelimit_new();
	int64_t t = 5000000000LL;
	for (int i = 0; i < LOGIN_FAIL_MAX - 1; i++) {
		serve_ratelimit_fail(rl, "10.0.0.1", t + i);
		CHECK(!serve_ratelimit_blocked(rl, "10.0.0.1", t + i));
	}
	serve_ratelimit_fail(rl, "10.0.0.1", t + 10);
	CHECK(serve_ratelimit_blocked(rl, "10.0.0.1", t + 11));
	CHECK(!serve_ratelimit_blocked(rl, "10.0.0.2", t + 11)); /* per address */
	CHECK(!serve_ratelimit_blocked(rl, "10.0.0.1", t + LOGIN_WINDOW_US + 5)); /* a minute later */
	serve_ratelimit_free(rl);
}

TEST(serve_loopback_and_assets)
{
	CHECK(serve_is_loopback("127.0.0.1"));
	CHECK(serve_is_loopback("127.1.2.3"));
	CHECK(serve_is_loopback("::1"));
	CHECK(serve_is_loopback("localhost"));
	CHECK(!serve_is_loopback("0.0.0.0"));
	CHECK(!serve_is_loopback("::"));
	CHECK(!serve_is_loopback("192.168.1.5"));
	CHECK(!serve_is_loopback("example.com"));
	CHECK_STR(serve_content_type("app.js"), "text/javascript; charset=utf-8");
	CHECK_STR(serve_content_type("index.html"), "text/html; charset=utf-8");
	CHECK_STR(serve_content_type("x.bin"), "application/octet-stream");
	/* the embedded table: index.html and ECharts, each with a strong ETag */
	struct serve_assets *a;
	struct err e = ERR_INIT;
	CHECK_OK(serve_assets_open(NULL, &a, &e), &e);
	const struct serve_asset *ix = serve_asset_get(a, "index.html");
	CHECK(ix != NULL);
	CHECK_STR(ix->type, "text/html; charset=utf-8");
	CHECK(ix->gz_len > 10 && ix->gz[0] == 0x1f && ix->gz[1] == 0x8b);
	CHECK_INT((long long)strlen(ix->etag), 66);
	CHECK(serve_asset_get(a, "echarts.min.js") != NULL);
	CHECK(serve_asset_get(a, "../index.html") == NULL);
	CHECK(serve_asset_get(a, "") == NULL);
	serve_assets_close(a);
	/* developer mode: only names the directory lists */
	char dir[] = "/tmp/ingot-web-XXXXXX";
	CHECK(mkdtemp(dir));
	char *f = path_join(dir, "a.css");
	CHECK_OK(fs_write_atomic(f, "b{}", 3, &e), &e);
	CHECK_OK(serve_assets_open(dir, &a, &e), &e);
	const struct serve_asset *c = serve_asset_get(a, "a.css");
	CHECK(c && c->raw_len == 3 && !memcmp(c->raw, "b{}", 3));
	CHECK_STR(c->type, "text/css; charset=utf-8");
	serve_asset_put(a, c);
	CHECK(serve_asset_get(a, "../a.css") == NULL);
	CHECK(serve_asset_get(a, "/etc/passwd") == NULL);
	serve_assets_close(a);
	unlink(f);
	rmdir(dir);
	free(f);
	CHECK(serve_assets_open("/nonexistent-dir", &a, &e) != 0);
	err_clear(&e);
}
