"""tests/cli/gen-check-defects.py DIRTY CLEAN — check OUT/_defects.csv.

DIRTY and CLEAN are two `ingot gen thelook` outputs with the same seed and
arguments, DIRTY made with --dirty. Every line of every data file must be
either identical to the clean run's line or listed in DIRTY/_defects.csv,
and each listed line must show the defect its kind names, in its column.
Prints "ok N" (N defects checked) or fails with the first mismatch.
"""
import csv
import datetime
import os
import re
import sys

dirty_dir, clean_dir = sys.argv[1], sys.argv[2]
NUM = re.compile(rb'^-?[0-9]+(\.[0-9]+)?$')


def fail(msg):
    sys.exit("FAIL: " + msg)


def fields(line):
    text = line.decode('utf-8', 'surrogateescape').replace('\0', '\ufffe')
    return next(csv.reader([text]))


def ts(v):
    v = v.removesuffix(' UTC')
    for fmt in ('%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'):
        try:
            return datetime.datetime.strptime(v, fmt)
        except ValueError:
            pass
    return None


with open(os.path.join(dirty_dir, '_defects.csv'), newline='') as f:
    rows = list(csv.reader(f))
if rows[0] != ['table', 'file', 'line', 'column', 'kind']:
    fail("bad header %r" % rows[0])
listed = {}
for t, fn, ln, col, kind in rows[1:]:
    if int(ln) in listed.setdefault(fn, {}):
        fail("%s:%s listed twice" % (fn, ln))
    listed[fn][int(ln)] = (t, col, kind)

checked = 0
kinds = set()
for root, _, names in os.walk(dirty_dir):
    for name in sorted(names):
        if not name.endswith('.csv') or name.startswith('_'):
            continue
        rel = os.path.relpath(os.path.join(root, name), dirty_dir)
        with open(os.path.join(dirty_dir, rel), 'rb') as f:
            dl = f.read().split(b'\n')
        with open(os.path.join(clean_dir, rel), 'rb') as f:
            cl = f.read().split(b'\n')
        if dl[-1] != b'' or cl[-1] != b'':
            fail(rel + " does not end with a newline")
        dl, cl = dl[:-1], cl[:-1]
        if dl[0] != cl[0]:
            fail(rel + " header differs")
        header = cl[0].decode().split(',')
        mine = listed.pop(rel, {})
        j = 1
        for i in range(1, len(dl)):
            ln = i + 1
            d = mine.pop(ln, None)
            if d is None:
                if j >= len(cl) or dl[i] != cl[j]:
                    fail("%s:%d changed but not listed" % (rel, ln))
                j += 1
                continue
            t, col, kind = d
            kinds.add(kind)
            checked += 1
            where = "%s:%d (%s %s)" % (rel, ln, kind, col)
            if t != rel.split('/')[0]:
                fail(where + ": wrong table " + t)
            if kind == 'duplicate_id':
                if dl[i] != dl[i - 1] or col != header[0]:
                    fail(where + ": not a copy of the line before")
                continue
            orig, new = cl[j], dl[i]
            j += 1
            if new == orig:
                fail(where + ": line unchanged")
            of = fields(orig)
            c = header.index(col) if col else -1
            if kind == 'invalid_utf8':
                try:
                    new.decode('utf-8')
                    fail(where + ": valid UTF-8")
                except UnicodeDecodeError:
                    pass
                continue
            if kind == 'nul_byte':
                if b'\0' not in new:
                    fail(where + ": no NUL")
                continue
            if kind == 'unterminated_quote':
                if i != len(dl) - 1 or new.count(b'"') % 2 != 1:
                    fail(where + ": not an unterminated quote on the last line")
                continue
            nf = fields(new)
            if kind == 'short_row':
                if len(nf) >= len(header) or nf != of[:len(nf)] or header[len(nf)] != col:
                    fail(where + ": not a short row cut at its column")
                continue
            if kind == 'long_row':
                if len(nf) <= len(header) or nf[:len(header)] != of:
                    fail(where + ": not a long row")
                continue
            if len(nf) != len(header):
                fail(where + ": field count changed")
            others = [k for k in range(len(header)) if nf[k] != of[k]]
            if others != [c]:
                fail(where + ": changed fields %r" % others)
            v = nf[c]
            if kind == 'malformed_number':
                if NUM.match(v.encode()):
                    fail(where + ": %r is a number" % v)
            elif kind == 'malformed_timestamp':
                if ts(v) is not None:
                    fail(where + ": %r is a timestamp" % v)
            elif kind == 'orphan_fk':
                if int(v) < 10**12:
                    fail(where + ": %r could exist" % v)
            elif kind == 'negative_price':
                if not (float(v) < 0 and -float(v) == float(of[c])):
                    fail(where + ": %r" % v)
            elif kind == 'shipped_before_created':
                created = of[header.index('created_at')]
                if not ts(v) or not ts(v) < ts(created):
                    fail(where + ": %r not before %r" % (v, created))
            else:
                fail(where + ": unknown kind")
        if j != len(cl):
            fail(rel + ": clean lines missing from the dirty file")
        if mine:
            fail(rel + ": listed lines not defective: %r" % sorted(mine))
if listed:
    fail("defects listed for files not written: %r" % sorted(listed))
print("ok", checked, " ".join(sorted(kinds)))
