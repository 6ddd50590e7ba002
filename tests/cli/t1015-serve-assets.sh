#!/usr/bin/env bash
# t1015: `ingot serve` serves the page's files from the binary: every file under web/ and ECharts byte for byte, gzip'd when asked (JSON answers too, above 1 KiB, Vary: Accept-Encoding, their own ETag and 304), strong ETag (sha256; the gzip'd bytes their own, "…-gz") and 304 for either, Vary: Accept-Encoding, no-cache, the right types, index.html for / and /d/...; INGOT_WEB_DIR serves a directory instead (edits show without a restart; still no traversal).
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
run "$INGOT" build
expect_rc 0

serve_start --no-scheduler
/usr/bin/python3 - "$BASE" "$ROOT" <<'PY' || fail "asset checks failed (above)"
import gzip, hashlib, os, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
base, root = sys.argv[1], sys.argv[2]
bad = []
files = {}
for d, _, fs in os.walk(root + "/web"):
    for f in fs:
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root + "/web")
        if not any(part.startswith(".") for part in rel.split(os.sep)):
            files[rel] = p
assert "index.html" in files, files
files["echarts.min.js"] = root + "/third_party/echarts/echarts.min.js"
types = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
for name, path in sorted(files.items()):
    raw = open(path, "rb").read()
    etag = '"%s"' % hashlib.sha256(raw).hexdigest()
    st, h, b = req(base, "GET", "/assets/" + name, {"Accept-Encoding": "identity"})
    if (st, b) != (200, raw):
        bad.append("%s: %d, %d bytes, want %d" % (name, st, len(b), len(raw)))
        continue
    if "content-encoding" in h:
        bad.append("%s: encoded without Accept-Encoding gzip" % name)
    if h.get("etag") != etag:
        bad.append("%s: ETag %s, want %s" % (name, h.get("etag"), etag))
    if h.get("cache-control") != "no-cache":
        bad.append("%s: Cache-Control %s" % (name, h.get("cache-control")))
    ext = os.path.splitext(name)[1]
    if ext in types and not h.get("content-type", "").startswith(types[ext]):
        bad.append("%s: Content-Type %s" % (name, h.get("content-type")))
    # gzip'd (the client decompresses in ht.req): the same bytes, smaller on the wire
    if h.get("vary") != "Accept-Encoding":
        bad.append("%s: plain answer without Vary: Accept-Encoding (%s)" % (name, h.get("vary")))
    st, h, b = req(base, "GET", "/assets/" + name, {"Accept-Encoding": "gzip, deflate"})
    if (st, h.get("content-encoding"), b) != (200, "gzip", raw):
        bad.append("%s: gzip'd answer %d %s" % (name, st, h.get("content-encoding")))
    if int(h.get("content-length", "0")) >= len(raw) > 4096:
        bad.append("%s: gzip'd is not smaller" % name)
    # the gzip'd representation has its own strong ETag (not the plain
    # one's: a cache must not answer one's validator with the other's bytes)
    etag_gz = etag[:-1] + '-gz"'
    if h.get("etag") != etag_gz:
        bad.append("%s: gzip'd ETag %s, want %s" % (name, h.get("etag"), etag_gz))
    if h.get("vary") != "Accept-Encoding":
        bad.append("%s: gzip'd answer without Vary: Accept-Encoding" % name)
    # If-None-Match with either validator, asked either way: 304 with the
    # validator that matched; a list holding one of them too; a wrong one: 200
    for ae in ("gzip", "identity"):
        for tag in (etag, etag_gz):
            st, h, b = req(base, "GET", "/assets/" + name, {"Accept-Encoding": ae, "If-None-Match": tag})
            if (st, b, h.get("etag"), h.get("vary")) != (304, b"", tag, "Accept-Encoding"):
                bad.append("%s: If-None-Match %s (%s): %d ETag %s Vary %s" % (name, tag, ae, st, h.get("etag"), h.get("vary")))
    st, h, b = req(base, "GET", "/assets/" + name, {"Accept-Encoding": "gzip", "If-None-Match": '"x", W/' + etag_gz})
    if (st, h.get("etag")) != (304, etag_gz):
        bad.append("%s: If-None-Match list with the weak gzip'd tag: %d %s" % (name, st, h.get("etag")))
    st, h, b = req(base, "GET", "/assets/" + name, {"Accept-Encoding": "gzip", "If-None-Match": etag[:-1] + '-br"'})
    if (st, b) != (200, raw):
        bad.append("%s: a wrong validator gave %d" % (name, st))
    st, h, b = req(base, "GET", "/assets/" + name, {"Accept-Encoding": "gzip;q=0"})
    if "content-encoding" in h:
        bad.append("%s: gzip;q=0 still gzip'd" % name)
    st, h, b = req(base, "GET", "/assets/" + name, {"If-None-Match": etag})
    if (st, b) != (304, b""):
        bad.append("%s: If-None-Match gave %d" % (name, st))
    if h.get("etag") != etag:
        bad.append("%s: 304 without its ETag" % name)
    st, h, b = req(base, "HEAD", "/assets/" + name)
    if (st, b) != (200, b""):
        bad.append("%s: HEAD %d with %d bytes" % (name, st, len(b)))
index = open(files["index.html"], "rb").read()
for p in ["/", "/d/shop/sales", "/d/shop/sales?f.category=Jeans&range=last_30_days", "/login"]:
    st, h, b = req(base, "GET", p)
    if (st, b) != (200, index) or not h.get("content-type", "").startswith("text/html"):
        bad.append("%s: not index.html (%d)" % (p, st))
    if "frame-ancestors 'none'" not in h.get("content-security-policy", ""):
        bad.append("%s: CSP %s" % (p, h))
st, h, b = req(base, "GET", "/favicon.ico")
if "favicon.svg" in files:
    if (st, b) != (200, open(files["favicon.svg"], "rb").read()):
        bad.append("favicon.ico: %d" % st)
elif st != 404:
    bad.append("favicon.ico without web/favicon.svg: %d" % st)
# JSON answers: gzip'd when asked and over 1 KiB, the same JSON decoded,
# Vary: Accept-Encoding, a strong ETag per representation, 304 for either
spec_st, _, spec = req(base, "GET", "/api/v1/dashboards/shop", {"Accept-Encoding": "identity"})
assert spec_st == 200, spec_st
import json
big = None
for t in json.loads(spec)["pages"][0]["tiles"]:
    path = "/api/v1/dashboards/shop/tiles/%s?range=all" % t["name"]
    st, h, b = req(base, "GET", path, {"Accept-Encoding": "identity"})
    if st == 200 and len(b) >= 1024 and (big is None or len(b) > len(big[1])):
        big = (path, b, h)
if big is None:
    bad.append("no tile answer of 1 KiB or more to check gzip on")
else:
    path, raw, h = big
    strip = lambda d: {k: v for k, v in d.items() if k not in ("cached", "ms")}
    if "content-encoding" in h or "accept-encoding" not in h.get("vary", "").lower():
        bad.append("%s identity: %s" % (path, h))
    st, hz, bz = req(base, "GET", path, {"Accept-Encoding": "gzip"})
    if (st, hz.get("content-encoding")) != (200, "gzip"):
        bad.append("%s: not gzip'd when asked: %d %s" % (path, st, hz))
    elif strip(json.loads(bz)) != strip(json.loads(raw)) or "accept-encoding" not in hz.get("vary", "").lower():
        bad.append("%s: gzip'd JSON differs or no Vary" % path)
    elif int(hz.get("content-length", "0")) >= len(raw):
        bad.append("%s: gzip'd is not smaller (%s >= %d)" % (path, hz.get("content-length"), len(raw)))
    if hz.get("etag") == h.get("etag") or not (hz.get("etag", "").startswith('"') and hz["etag"].endswith('-gz"')):
        bad.append("%s: the gzip'd ETag %s should differ from %s" % (path, hz.get("etag"), h.get("etag")))
    for enc, tag in [("gzip", hz.get("etag")), ("identity", h.get("etag")), ("gzip", h.get("etag"))]:
        st, h3, b3 = req(base, "GET", path, {"Accept-Encoding": enc, "If-None-Match": tag})
        if (st, b3) != (304, b""):
            bad.append("%s: If-None-Match %s (%s) gave %d" % (path, tag, enc, st))
    st, h4, _ = req(base, "GET", path, {"Accept-Encoding": "gzip;q=0"})
    if "content-encoding" in h4:
        bad.append("%s: gzip;q=0 still gzip'd" % path)
# a small answer is sent as is
st, h, b = req(base, "GET", "/api/v1/me", {"Accept-Encoding": "gzip"})
if st != 200 or "content-encoding" in h or len(b) >= 1024:
    bad.append("/api/v1/me (small): %d %s" % (st, h))
for b_ in bad:
    print("FAIL:", b_, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"

# developer mode: files from a directory, read on each request
mkdir -p "$T/web/sub"
echo 'one' > "$T/web/app.js"
echo '<p>dev</p>' > "$T/web/index.html"
echo 'deep' > "$T/web/sub/x.css"
echo 'secret' > "$T/secret.txt"
INGOT_WEB_DIR="$T/web" serve_start --no-scheduler
grep -q "developer mode" "$T/serve.log" || fail "developer mode is announced: $(cat "$T/serve.log")"
[ "$(http /assets/app.js | tail -1)" = one ] || fail "INGOT_WEB_DIR app.js: $(http /assets/app.js)"
echo 'two' > "$T/web/app.js"
[ "$(http /assets/app.js | tail -1)" = two ] || fail "an edit shows without a restart"
[ "$(http /assets/sub/x.css | tail -1)" = deep ] || fail "a file in a subdirectory"
[ "$(http / | tail -1)" = '<p>dev</p>' ] || fail "index.html from the directory"
for p in "/assets/../secret.txt" "/assets/..%2Fsecret.txt" "/assets/sub/../../secret.txt" "/assets/%2e%2e/secret.txt"; do
  [ "$(http "$p" | head -1)" = 404 ] || fail "$p: $(http "$p")"
done
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"
