#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate a criss-cross history for the Cthulhu merge benchmark.

    bench/gen-crisscross.py DIR [--topics N] [--merges M] [--seed S]
                                [--dirs D] [--files-per-dir F]
                                [--version-file]

DIR becomes a bare repository with, through git fast-import:
  * a base of D x F files (default 1,200 x 10) two levels deep, of 30
    lines each;
  * a mainline (master) of 120 commits changing the heads (lines 1-5)
    of files, tagged v1.0-rc0 (the base) .. v1.0-rc6 every 20 commits;
  * N topics (topic/001 ...) forked from different rc tags, each owning
    a folder or two whose files' tails (lines 11-30) only it changes;
    each makes 3-8 commits, then 3-8 more, merging before each of
    those, up to M times in all, a commit of another topic or a later
    rc, the way git.git's topics merge each other and master.
Every file has one owner per line range, so every merge is clean, and
merges between topics and next have many merge bases (the commits of
other topics a topic merged), whose own merges have several too.
With --version-file a Makefile at the top says the rc (EXTRAVERSION),
bumped on mainline at each tag, as a kernel's is: the topics that
merge a later rc bring the bump along, and the virtual merge bases of
merges with several such topics have it changed on both sides.
It prints the topic names in merge order, one a line, on stdout.
"""
import argparse
import importlib.util
import os
import random

# gen-repo.py's FastImport writes the repository
_spec = importlib.util.spec_from_file_location(
    "gen_repo", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "gen-repo.py"))
gen_repo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_repo)

LINES = 30
HEAD, TAIL = 5, 10      # mainline owns lines [0, HEAD), topics [TAIL, LINES)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--topics", type=int, default=60)
    ap.add_argument("--merges", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dirs", type=int, default=1200)
    ap.add_argument("--files-per-dir", type=int, default=10)
    ap.add_argument("--version-file", action="store_true")
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    fi = gen_repo.FastImport(args.dir)
    commit = fi.commit

    dirs = ["d%02d/s%03d" % (i // 100, i % 100) for i in range(args.dirs)]
    paths = ["%s/file%02d.c" % (d, f) for d in dirs
             for f in range(args.files_per_dir)]
    owner_of_dir = {}

    # mainline head lines per rc: path -> tuple, only the changed paths
    ml = [dict()]
    # per topic, per own commit: path -> tuple of tail lines (changed only)
    tl = {}

    def content(path, state):
        r, ks = state
        if path == "Makefile":
            return ("VERSION = 1\nPATCHLEVEL = 0\nSUBLEVEL = 0\n"
                    "EXTRAVERSION = -rc%d\nNAME = Bench\n" % (r // 20))
        head = ml[r].get(path) or tuple("%s line %d" % (path, i)
                                        for i in range(HEAD))
        owner = owner_of_dir.get(path.rsplit("/", 1)[0])
        tail = None
        if owner is not None and owner in ks:
            tail = tl[owner][ks[owner]].get(path)
        if tail is None:
            tail = tuple("%s line %d" % (path, i) for i in range(TAIL, LINES))
        mid = tuple("%s line %d" % (path, i) for i in range(HEAD, TAIL))
        return "\n".join(head + mid + tail) + "\n"

    def put(path, state):
        return "M 100644 :%d %s" % (fi.blob(content(path, state)), path)

    def changed(old, new):
        """The paths whose content differs between two states."""
        (r0, k0), (r1, k1) = old, new
        ps = set()
        for r in range(min(r0, r1) + 1, max(r0, r1) + 1):
            ps.update(ml_changes[r])
        for u in set(k0) | set(k1):
            if k0.get(u) != k1.get(u):
                if u in k0:
                    ps.update(tl[u][k0[u]])
                if u in k1:
                    ps.update(tl[u][k1[u]])
        return sorted(p for p in ps if content(p, old) != content(p, new))

    def merged(a, b):
        ks = dict(a[1])
        for u, k in b[1].items():
            ks[u] = max(ks.get(u, -1), k)
        return (max(a[0], b[0]), ks)

    base_state = (0, {})
    if args.version_file:
        paths.append("Makefile")
    base = commit("refs/heads/master", "base\n", None,
                  [put(p, base_state) for p in paths])
    fi.tag("v1.0-rc0", base)
    tags = {}
    ml_changes = {0: set()}
    head = base
    cur = {}
    files = [p for p in paths if p != "Makefile"]
    for n in range(1, 121):
        ch = rnd.sample(files, 3)
        for p in ch:
            lines = list(cur.get(p) or tuple("%s line %d" % (p, i)
                                             for i in range(HEAD)))
            lines[rnd.randrange(0, HEAD)] = "mainline change %d" % n
            cur[p] = tuple(lines)
        ml.append(dict(cur))
        ml_changes[len(ml) - 1] = set(ch)
        if args.version_file and n % 20 == 0:
            ch.append("Makefile")
            ml_changes[len(ml) - 1].add("Makefile")
        r = len(ml) - 1
        head = commit("refs/heads/master", "mainline %d\n" % n, head,
                      [put(p, (r, {})) for p in ch])
        if n % 20 == 0:
            tags[n // 20] = (head, r)
            fi.tag("v1.0-rc%d" % (n // 20), head)
    tags[0] = (base, 0)

    names = ["topic/%03d" % t for t in range(1, args.topics + 1)]
    owned = rnd.sample(dirs, 2 * args.topics)
    tips = {}           # topic -> (mark, state)
    history = {}        # topic -> list of (mark, state)
    for t, name in enumerate(names):
        for d in owned[2 * t: 2 * t + rnd.choice((1, 2))]:
            owner_of_dir[d] = name
        tl[name] = []

    def topic_commit(t, name, k, merges_from=None):
        mark0, state0 = tips[name]
        state = state0
        extra = []
        msg = "%s: change %d\n" % (name, k)
        if merges_from is not None:
            mmark, mstate = merges_from
            state = merged(state, mstate)
            extra = [mmark]
            msg = "Merge into %s\n" % name
            state = (state[0], dict(state[1]))
            m = commit("refs/heads/" + name, msg, mark0,
                       [put(p, state) for p in changed(state0, state)],
                       extra, "Con Tributor <c%d@example.com>" % t)
            tips[name] = (m, state)
            history[name].append((m, state))
            return
        mine = [p for p in paths if owner_of_dir.get(p.rsplit("/", 1)[0]) == name]
        prev = tl[name][-1] if tl[name] else {}
        now = dict(prev)
        for p in rnd.sample(mine, min(2, len(mine))):
            lines = list(now.get(p) or tuple("%s line %d" % (p, i)
                                             for i in range(TAIL, LINES)))
            lines[rnd.randrange(0, LINES - TAIL)] = "%s change %d" % (name, k)
            now[p] = tuple(lines)
        tl[name].append(now)
        ks = dict(state0[1])
        ks[name] = len(tl[name]) - 1
        state = (state0[0], ks)
        m = commit("refs/heads/" + name, msg, mark0,
                   [put(p, state) for p in changed(state0, state)],
                   (), "Con Tributor <c%d@example.com>" % t)
        tips[name] = (m, state)
        history[name].append((m, state))

    # phase 1: fork and work
    for t, name in enumerate(names):
        rc = rnd.randrange(0, 6)
        mark0, r = tags[rc]
        tips[name] = (mark0, (r, {}))
        history[name] = []
        for k in range(rnd.randrange(3, 9)):
            topic_commit(t, name, k)
    # phase 2: merge other topics' commits (or a later rc), and work
    for t, name in enumerate(names):
        nmerges = rnd.randrange(0, args.merges + 1)
        ncommits = rnd.randrange(3, 9)
        for k in range(ncommits + nmerges):
            if k < nmerges:
                if rnd.randrange(8) == 0:
                    rc = rnd.randrange(1, 7)
                    mark0, r = tags[rc]
                    if r > tips[name][1][0]:
                        topic_commit(t, name, k, (mark0, (r, {})))
                    continue
                other = rnd.choice([n for n in names if n != name])
                if history[other]:
                    topic_commit(t, name, k, rnd.choice(history[other]))
            else:
                topic_commit(t, name, 100 + k)
    fi.finish(names)


if __name__ == "__main__":
    main()
