# Helpers for the tests of next's builds (t021x), sourced after
# tests/lib.sh.

# topic_tree NAME...: $T/src and $T/src.git (make_repo) with a branch per
# NAME forked from base, each adding a file NAME, pushed.
topic_tree()
{
	local t
	make_repo "$T/src" &&
	(cd "$T/src" &&
	 for t in "$@"; do
		git checkout -q -b "$t" base && echo "$t" > "$t" && git add "$t" &&
		git commit -q -m "$t: add $t" && git checkout -q master || exit
	 done && git push -q origin "$@")
}

next_tip() { git --git-dir="$T/src.git" rev-parse -q --verify next; }

# merged: the topics merged into next, first parents from the base up.
merged()
{
	git --git-dir="$T/src.git" log --first-parent --reverse --format=%s \
		base..next | sed -n "s/^Merge branch '\(.*\)' into next\$/\1/p" |
		tr '\n' ' '
}
merged_is() { [ "$(merged)" = "$1" ]; }

# built_is TOPICS: next is made of TOPICS ("t1 t2 ") and the build that
# made it is done: a build moves next before it records itself done, so
# the merges alone do not say that the build's row is final.
built_is()
{
	merged_is "$1" &&
	[ "$(sql "SELECT state || ' ' || result FROM builds ORDER BY id DESC LIMIT 1")" = \
	  "done $(next_tip)" ]
}

# last_trigger: the trigger of the latest build that is done.
last_trigger()
{
	sql "SELECT trigger FROM builds WHERE state = 'done' ORDER BY id DESC LIMIT 1"
}

# edit_on BRANCH LINE TEXT: a commit on BRANCH (from base) setting
# LINE of f in $T/src, pushed.
edit_on()
{
	(cd "$T/src" &&
	 if git rev-parse -q --verify "refs/heads/$1" >/dev/null; then
		git checkout -q "$1"
	 else
		git checkout -q -b "$1" base
	 fi && sed -i "$2s/.*/$3/" f && git commit -q -am "$1: $3" &&
	 git checkout -q master && git push -q origin "$1")
}
