"""bench/graph_ref.py - the reference for bench/graph.sh.

The same project and the same work as bench/graph_bench.c, done the way
dbt-core does it: a networkx DiGraph, selection by fnmatch over fqns and
tags, networkx ancestors/descendants, eager test expansion, the subset
graph with transitive edges, topological generations as priorities and a
priority queue drained by one worker. Written for this benchmark (dbt
itself is not installed here); prints "phase seconds" lines.
"""
import sys
import time
from fnmatch import fnmatch
from itertools import product
from queue import PriorityQueue

import networkx as nx

M, SOURCES = 2000, 20


def build():
    g = nx.DiGraph()
    info = {}
    for s in range(SOURCES):
        uid = "source.big.raw.t%02d" % s
        info[uid] = dict(type="source", fqn=["big", "raw", "t%02d" % s], tags=[],
                         path="models/sources.yml", source="raw", name="t%02d" % s)
        g.add_node(uid)
    for i in range(M):
        name, folder = "m%04d" % i, "f%02d" % (i % 20)
        uid = "model.big." + name
        info[uid] = dict(type="model", fqn=["big", folder, name],
                         tags=["odd" if i % 2 else "even"],
                         path="models/%s/%s.sql" % (folder, name), name=name)
        g.add_node(uid)
        if i < SOURCES:
            g.add_edge("source.big.raw.t%02d" % i, uid)
        for k in (1, 2, 3):
            if i - 7 * k >= 0:
                g.add_edge("model.big.m%04d" % (i - 7 * k), uid)
        for t in range(3):
            tname = "t%d_%s" % (t, name)
            tuid = "test.big.%s.%010d" % (tname, i * 3 + t)
            info[tuid] = dict(type="test", fqn=["big", folder, tname], tags=[],
                              path="models/%s/schema.yml" % folder, name=tname)
            g.add_edge(uid, tuid)
    return g, info


def fqn_match(fqn, sel):
    if fqn[-1] == sel:
        return True
    flat = [p for seg in fqn for p in seg.split(".")]
    parts = sel.split(".")
    if len(flat) < len(parts):
        return False
    for i, part in enumerate(parts):
        if any(c in part for c in "*?[]"):
            return fnmatch(".".join(flat[i:]), ".".join(parts[i:]))
        if flat[i] != part:
            return False
    return True


def method(g, info, m, v):
    out = set()
    for uid, n in info.items():
        if m == "fqn":
            hit = n["type"] != "source" and (fqn_match(n["fqn"], v) or fqn_match(n["fqn"][1:], v))
        elif m == "tag":
            hit = any(fnmatch(t, v) for t in n["tags"])
        elif m == "path":
            p = n["path"].split("/")
            hit = any(fnmatch("/".join(p[:k]), v) for k in range(1, len(p) + 1))
        elif m == "source":
            hit = n["type"] == "source" and fnmatch(n["source"], v)
        else:
            raise ValueError(m)
        if hit:
            out.add(uid)
    return out


def criterion(g, info, raw):
    cp = raw.startswith("@")
    raw = raw.lstrip("@")
    parents = raw.startswith("+")
    raw = raw.lstrip("+")
    cdepth, children = None, False
    if "+" in raw:
        raw, d = raw.split("+")
        children, cdepth = True, int(d) if d else None
    m, v = raw.split(":", 1) if ":" in raw else ("fqn", raw)
    if "/" in v and m == "fqn":
        m = "path"
    sel = method(g, info, m, v)
    extra = set()
    if cp:
        base = set(sel)
        for n in sel:
            base |= nx.descendants(g, n)
        extra |= base
        for n in base:
            extra |= nx.ancestors(g, n)
    if parents:
        for n in sel:
            extra |= nx.ancestors(g, n)
    if children:
        for n in sel:
            extra |= (set(nx.bfs_tree(g, n, depth_limit=cdepth)) - {n}) if cdepth else nx.descendants(g, n)
    sel |= extra
    for n in list(sel):
        for c in g.successors(n):
            if info[c]["type"] == "test":
                sel.add(c)
    return sel


def select(g, info, spec, exclude):
    def union(text):
        out = set()
        for word in text.split():
            parts = [criterion(g, info, p) for p in word.split(",")]
            out |= set.intersection(*parts)
        return out
    inc = union(spec)
    if exclude:
        inc -= union(exclude)
    return inc


def subset(g, keep):
    h = g.copy()
    while True:
        drop = [n for n in h if n not in keep and (h.in_degree(n) == 0 or h.out_degree(n) == 0)]
        if not drop:
            break
        h.remove_nodes_from(drop)
    for n in [n for n in h if n not in keep]:
        h.add_edges_from((a, b) for a, b in product(h.predecessors(n), h.successors(n)) if a != b)
        h.remove_node(n)
    return h


def run_queue(h):
    score = {}
    for level, group in enumerate(nx.topological_generations(h)):
        for n in group:
            score[n] = level
    pending = {n: h.in_degree(n) for n in h}
    q = PriorityQueue()
    for n in h:
        if not pending[n]:
            q.put((score[n], n))
    done = 0
    while not q.empty():
        _, n = q.get()
        done += 1
        for c in h.successors(n):
            pending[c] -= 1
            if not pending[c]:
                q.put((score[c], c))
    return done


SELECTS = [("+m1999", None), ("tag:odd,path:models/f03", None), ("f07.*", None),
           ("@m0500", None), ("m0100+", "tag:even"), ("source:raw+1 m1500+2", None)]


def main():
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    tb = ts = tq = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        g, info = build()
        t1 = time.perf_counter()
        nx.find_cycle(g) if not nx.is_directed_acyclic_graph(g) else None
        picked = sum(len(select(g, info, s, x)) for s, x in SELECTS)
        t2 = time.perf_counter()
        models = {u for u, n in info.items() if n["type"] == "model"}
        scheduled = run_queue(subset(g, models))
        t3 = time.perf_counter()
        tb, ts, tq = tb + t1 - t0, ts + t2 - t1, tq + t3 - t2
    print("nodes %d" % g.number_of_nodes())
    print("selected %d" % picked)
    print("scheduled %d" % scheduled)
    print("build %.6f" % (tb / repeat))
    print("select %.6f" % (ts / repeat))
    print("schedule %.6f" % (tq / repeat))


main()
