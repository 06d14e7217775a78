# Helpers for the speculative checks' tests (t053x), sourced after
# tests/lib.sh; they use tests/lib-gate.sh (the C program to gate),
# sourced here.
. "$top_srcdir/tests/lib-gate.sh"

# check_series NAME BASE SCRIPT [FROM]: in $T/src, a branch NAME forked
# from origin/BASE, SCRIPT run there (a shell text that changes files
# and commits, by "Sam Sender"), formatted from origin/BASE (or FROM)
# with git format-patch into $T/NAME.mbox; the branch is not pushed, so
# its objects are only in the mail.  $T/src is left on master.
check_series()
{
	(cd "$T/src" && git fetch -q origin &&
	 git checkout -q -b "$1" "origin/$2" &&
	 GIT_AUTHOR_NAME="Sam Sender" GIT_AUTHOR_EMAIL="sam@example.org" \
	 GIT_COMMITTER_NAME="Sam Sender" GIT_COMMITTER_EMAIL="sam@example.org" \
		sh -ec "$3" &&
	 git format-patch -q --stdout "${4:-origin/$2}..$1" >"$T/$1.mbox" &&
	 git checkout -q master)
}

# series_of SUBJECT: the id of the series whose subject has SUBJECT.
series_of()
{
	sql "SELECT id FROM series WHERE subject LIKE '%$1%' ORDER BY id DESC LIMIT 1"
}

# check_state SERIES CONTEXT: the state of the series' check CONTEXT.
check_state()
{
	sql "SELECT state FROM checks WHERE series_id = $1 AND context = '$2'"
}

# check_col SERIES CONTEXT COLUMN: a column of that check.
check_col()
{
	sql "SELECT $3 FROM checks WHERE series_id = $1 AND context = '$2'"
}

# checked SERIES: the series' apply, merge and gate checks are all made
# and none is pending.
checked()
{
	[ "$(sql "SELECT count(*) FROM checks WHERE series_id = $1 AND
		context IN ('apply', 'merge', 'gate') AND state <> 'pending'")" = 3 ]
}

# refs: every ref of $T/src.git with its value.
refs()
{
	git --git-dir="$T/src.git" for-each-ref --format='%(refname) %(objectname)'
}

# check_config LINE...: gate_config with the [gate] lines given, and t1
# as [tree] default-topic, the target of the tests' series.
check_config()
{
	gate_config "$@" &&
	printf '[tree]\n\tdefault-topic = t1\n' >>"$T/cthulhu.conf"
}
