#!/usr/bin/python3
"""tests/jinja/oracle.py — render the golden Jinja corpus with Python's Jinja2.

The corpus lives in tests/golden/jinja/**: each case is NAME.j2 (the
template), optionally NAME.json (the context, a JSON object) and the
expected result: NAME.out (the exact output bytes) or NAME.err (the case
must fail; the file holds Jinja2's error for humans, ingot only has to
fail too).

    oracle.py [--out DIR] [CORPUS]   write NAME.out / NAME.err for every case
                                     (into DIR, mirroring CORPUS, or next to
                                     the cases to refresh the committed files)
    oracle.py --check [CORPUS]       exit 1 if a committed expectation differs
                                     from what Jinja2 renders now

The environment is dbt's: Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"]) with
every other setting at its default (no autoescape, default Undefined,
trim_blocks/lstrip_blocks off, keep_trailing_newline off).

Run it with Debian's /usr/bin/python3 (python3-jinja2); the test suite
falls back to the committed files when jinja2 is not importable.
"""
import json
import os
import sys

try:
    import jinja2
except ImportError:  # the caller decides what to do
    sys.stderr.write("oracle: jinja2 is not installed for %s\n" % sys.executable)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.normpath(os.path.join(HERE, "..", "golden", "jinja"))


def cases(root):
    for dirpath, dirnames, files in os.walk(root):
        dirnames.sort()
        for f in sorted(files):
            if f.endswith(".j2"):
                yield os.path.join(dirpath, f[:-3])


def render(base):
    env = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    with open(base + ".j2", encoding="utf-8", newline="") as fh:
        src = fh.read()
    ctx = {}
    if os.path.exists(base + ".json"):
        with open(base + ".json", encoding="utf-8") as fh:
            ctx = json.load(fh)
    try:
        return True, env.from_string(src).render(**ctx)
    except Exception as e:  # any failure is an expected error
        return False, "%s: %s\n" % (type(e).__name__, e)


def main(argv):
    out_dir = None
    check = False
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out_dir = argv[i + 1]
            i += 2
            continue
        if argv[i] == "--check":
            check = True
        else:
            args.append(argv[i])
        i += 1
    root = os.path.abspath(args[0]) if args else DEFAULT
    n = bad = 0
    for base in cases(root):
        n += 1
        ok, text = render(base)
        rel = os.path.relpath(base, root)
        dest = os.path.join(out_dir, rel) if out_dir else base
        if check:
            exp_out, exp_err = base + ".out", base + ".err"
            if ok and (not os.path.exists(exp_out) or open(exp_out, encoding="utf-8", newline="").read() != text):
                print("stale: %s (jinja2 renders it)" % rel)
                bad += 1
            elif not ok and not os.path.exists(exp_err):
                print("stale: %s (jinja2 fails: %s)" % (rel, text.strip()))
                bad += 1
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        for ext in (".out", ".err"):
            if os.path.exists(dest + ext):
                os.unlink(dest + ext)
        with open(dest + (".out" if ok else ".err"), "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    if check:
        print("oracle: %d cases, %d stale" % (n, bad))
        return 1 if bad else 0
    print("oracle: %d cases rendered with jinja2 %s" % (n, jinja2.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
