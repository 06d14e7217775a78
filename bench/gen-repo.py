#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate a kernel-sized repository for the Cthulhu merge benchmark.

    bench/gen-repo.py DIR [--topics N] [--seed S] [--files-per-dir N]

DIR becomes a bare repository with, through git fast-import:
  * a base of 24 x 20 x 10 x 15 = 72,000 files four levels deep;
  * a mainline (master) of 300 commits after it, each changing the head
    of three files, deleting one or adding one now and then, tagged
    v1.0-rc1 .. v1.0-rc6 every 50 commits (v1.0-rc0 is the base);
  * N topics (topic/01 ...) of 5-50 commits each, forked from different
    rc tags, each working in one or two folders of its own, editing the
    tails of files (so that files mainline changed too merge cleanly);
    every seventh topic edits a line another topic edits (a conflict).
It prints the topic names in merge order, one a line, on stdout.
"""
import argparse
import random
import subprocess
import sys

TOP, SUB, SUBSUB = 24, 20, 10
LINES = 30
MAINTAINER = "Main Tainer <main@example.com>"


class FastImport:
    """A new bare repository DIR written through one git fast-import:
    blobs, commits and tags by mark, one minute apart (also used by
    gen-crisscross.py)."""

    def __init__(self, dir):
        self.dir = dir
        subprocess.run(["git", "init", "-q", "--bare", dir], check=True)
        self.fi = subprocess.Popen(["git", "--git-dir", dir, "fast-import",
                                    "--quiet", "--done"],
                                   stdin=subprocess.PIPE)
        self.out = self.fi.stdin
        self.mark = 0
        self.when = 1700000000

    def new_mark(self):
        self.mark += 1
        return self.mark

    def blob(self, text):
        m = self.new_mark()
        data = text.encode()
        self.out.write(b"blob\nmark :%d\ndata %d\n" % (m, len(data)) +
                       data + b"\n")
        return m

    def commit(self, ref, msg, parent, changes, merges=(), who=MAINTAINER):
        m = self.new_mark()
        self.when += 60
        data = msg.encode()
        out = self.out
        out.write(b"commit %s\nmark :%d\n" % (ref.encode(), m))
        out.write(b"committer %s %d +0000\n" % (who.encode(), self.when))
        out.write(b"data %d\n" % len(data) + data + b"\n")
        if parent:
            out.write(b"from :%d\n" % parent)
        for x in merges:
            out.write(b"merge :%d\n" % x)
        for c in changes:
            out.write(c.encode() + b"\n")
        out.write(b"\n")
        return m

    def tag(self, name, mark):
        self.out.write(b"reset refs/tags/%s\nfrom :%d\n\n" %
                       (name.encode(), mark))

    def finish(self, names):
        """End the import, point HEAD at master, print the names."""
        self.out.write(b"done\n")
        self.out.close()
        if self.fi.wait():
            sys.exit("git fast-import failed")
        subprocess.run(["git", "--git-dir", self.dir, "symbolic-ref", "HEAD",
                        "refs/heads/master"], check=True)
        for n in names:
            print(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--topics", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files-per-dir", type=int, default=15)
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    fi = FastImport(args.dir)
    commit = fi.commit

    # contents: path -> list of lines
    files = {}
    dirs = []
    for a in range(TOP):
        for b in range(SUB):
            for c in range(SUBSUB):
                d = "d%02d/s%02d/t%02d" % (a, b, c)
                dirs.append(d)
                for f in range(args.files_per_dir):
                    p = "%s/file%02d.c" % (d, f)
                    files[p] = ["%s line %d" % (p, i) for i in range(LINES)]

    def put(path):
        m = fi.blob("\n".join(files[path]) + "\n")
        return "M 100644 :%d %s" % (m, path)

    base = commit("refs/heads/master", "base\n", None,
                  [put(p) for p in sorted(files)])
    tags = {0: base}
    fi.tag("v1.0-rc0", base)

    # mainline: heads of files change; some deletions and additions
    head = base
    snapshots = {0: {p: list(v) for p, v in files.items()}}
    paths = sorted(files)
    for n in range(1, 301):
        changes = []
        for p in rnd.sample(paths, 3):
            if p not in files:
                continue
            files[p][rnd.randrange(0, 5)] = "mainline change %d" % n
            changes.append(put(p))
        if n % 10 == 0:
            victim = rnd.choice(paths)
            if victim in files:
                del files[victim]
                changes.append("D %s" % victim)
            newp = "%s/new%03d.c" % (rnd.choice(dirs), n)
            files[newp] = ["new %d" % n]
            changes.append(put(newp))
        head = commit("refs/heads/master", "mainline %d\n" % n, head, changes)
        if n % 50 == 0:
            tags[n // 50] = head
            snapshots[n // 50] = {p: list(v) for p, v in files.items()}
            fi.tag("v1.0-rc%d" % (n // 50), head)

    # topics
    names = []
    owned = rnd.sample(dirs, 2 * args.topics)
    victims = {}
    for t in range(1, args.topics + 1):
        name = "topic/%02d" % t
        names.append(name)
        rc = rnd.randrange(0, 7)
        tfiles = {p: list(v) for p, v in snapshots[rc].items()}
        my_dirs = owned[2 * (t - 1): 2 * (t - 1) + rnd.choice((1, 2))]
        mine = [p for p in tfiles if p.rsplit("/", 1)[0] in my_dirs]
        parent = tags[rc]
        ncommits = rnd.randrange(5, 51)
        for k in range(ncommits):
            changes = []
            for p in rnd.sample(mine, min(2, len(mine))):
                # a file mainline added has one line: left alone
                if len(tfiles[p]) < LINES:
                    continue
                tfiles[p][rnd.randrange(10, LINES)] = "%s change %d" % (name, k)
                files_saved = files.get(p)
                files[p] = tfiles[p]
                changes.append(put(p))
                if files_saved is not None:
                    files[p] = files_saved
                else:
                    del files[p]
            if t % 7 == 0 and k == 0 and victims:
                # edit the line an earlier topic edited: a conflict
                p, line, text = victims[max(victims)]
                if p in tfiles:
                    tfiles[p][line] = "%s conflicting" % name
                    saved = files.get(p)
                    files[p] = tfiles[p]
                    changes.append(put(p))
                    if saved is not None:
                        files[p] = saved
                    else:
                        del files[p]
            if k == 0 and mine:
                p = mine[0]
                if p in tfiles:
                    victims[t] = (p, 25, None)
                    tfiles[p][25] = "%s owns this line" % name
                    saved = files.get(p)
                    files[p] = tfiles[p]
                    changes.append(put(p))
                    if saved is not None:
                        files[p] = saved
                    else:
                        del files[p]
            parent = commit("refs/heads/" + name,
                            "%s: change %d\n" % (name, k), parent, changes,
                            who="Con Tributor <c%d@example.com>" % t)
    fi.finish(names)


if __name__ == "__main__":
    main()
