# Helpers for the merge-fix tests (t026x), sourced after tests/lib.sh;
# they use tests/lib-gate.sh (the C program and its make), sourced here.
. "$top_srcdir/tests/lib-gate.sh"

G() { git --git-dir="$T/src.git" "$@"; }

# rename_tree: a C program whose main() calls old_name() of lib.c, and
# two topics, each of which builds alone while next of both does not:
# "rename" (order 1) renames old_name() to new_name(), "caller" (order
# 2) adds caller.c, a caller of old_name().  Sets GATE_TOPICS.
rename_tree()
{
	make_repo "$T/src" &&
	git --git-dir="$T/src.git" config core.logAllRefUpdates always &&
	(cd "$T/src" &&
	 printf 'int old_name(void);\n' >lib.h &&
	 printf '#include "lib.h"\n\nint old_name(void)\n{\n\treturn 0;\n}\n' >lib.c &&
	 printf '#include "lib.h"\n\nint main(void)\n{\n\treturn old_name();\n}\n' >main.c &&
	 printf 'prog: $(wildcard *.c)\n\t$(CC) -Wall -Werror -o $@ $^\n' >Makefile &&
	 printf 'prog\n' >.gitignore &&
	 git add . && git commit -q -m 'A program with old_name()' &&
	 git tag -f base && git push -q -f origin master base &&
	 git checkout -q -b rename master &&
	 sed -i 's/old_name/new_name/' lib.h lib.c main.c &&
	 git commit -q -am 'lib: Rename old_name() to new_name()' &&
	 git checkout -q -b caller master &&
	 printf '#include "lib.h"\n\nint caller(void)\n{\n\treturn old_name();\n}\n' >caller.c &&
	 git add caller.c && git commit -q -m 'caller: Add caller()' &&
	 git checkout -q master && git push -q origin rename caller) &&
	GATE_TOPICS="rename caller"
}

# fix_commit NAME FROM SED: a commit on top of FROM applying SED to
# caller.c, pushed as refs/fixes/NAME; prints its SHA1.
fix_commit()
{
	(cd "$T/src" && git checkout -q --detach "$2" &&
	 sed -i "$3" caller.c && git commit -q -am "caller: Fix for next ($1)" &&
	 git push -q origin "HEAD:refs/fixes/$1" && git rev-parse HEAD &&
	 git checkout -q master)
}

# with_fix TREE FIX: TREE with FIX's change (FIX^..FIX) applied, as git
# apply makes it, in $T/src.git.
with_fix()
{
	rm -f "$T/fix.idx" &&
	GIT_INDEX_FILE="$T/fix.idx" G read-tree "$1" &&
	G diff "$2^" "$2" | GIT_INDEX_FILE="$T/fix.idx" G apply --cached &&
	GIT_INDEX_FILE="$T/fix.idx" G write-tree
}

# mtree OURS THEIRS: the tree git merge-tree --write-tree gives.
mtree() { G merge-tree --write-tree "$1" "$2" | head -1; }

# last_build: the latest build as the API gives it ($body).
last_build()
{
	api GET /api/v1/next/builds/$(sql 'SELECT max(id) FROM builds')
}

# build_done: the latest build is done (next is its result, or it is
# the gate's candidate).
build_done()
{
	[ "$(sql "SELECT state FROM builds ORDER BY id DESC LIMIT 1")" = done ]
}
