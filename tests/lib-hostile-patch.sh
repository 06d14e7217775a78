# Helpers for the tests that send hostile patches through the real
# intake and apply (t0812, t0815): a topic "pmu" of $T/src.git, and a
# running daemon, are the caller's.  Sourced after lib.sh.

# The message ids of the mails: the test's number.
hostile_tag=${0##*/}
hostile_tag=${hostile_tag%%-*}

# Every ref but next, which the daemon builds on its own schedule.
refs()
{
	git --git-dir="$T/src.git" for-each-ref --format='%(refname) %(objectname)' |
		grep -v '^refs/heads/next '
}

# mail N SUBJECT: a one-patch mail around the diff on stdin.
mail()
{
	printf 'From nobody Mon Sep 17 00:00:00 2001\n'
	printf 'From: Eve Hostile <eve@example.org>\n'
	printf 'Date: Tue, 1 Oct 2024 10:%02d:00 +0000\n' "$1"
	printf 'Subject: [PATCH] %s\n' "$2"
	printf 'Message-Id: <%s-%s@example.org>\n\n' "$hostile_tag" "$1"
	printf 'Signed-off-by: Eve Hostile <eve@example.org>\n---\n'
	cat
}

# add_file PATH [LINE...]: a diff adding PATH holding the lines, or "new".
add_file()
{
	local path=$1 n
	shift
	[ $# -gt 0 ] || set -- new
	n=$#
	printf 'diff --git a/%s b/%s\nnew file mode 100644\n' "$path" "$path"
	printf 'index 0000000..3e75765\n--- /dev/null\n+++ b/%s\n' "$path"
	if [ $n -eq 1 ]; then
		printf '@@ -0,0 +1 @@\n'
	else
		printf '@@ -0,0 +1,%d @@\n' $n
	fi
	printf '+%s\n' "$@"
}

add_link()
{
	printf 'diff --git a/%s b/%s\nnew file mode 120000\n' "$1" "$1"
	printf 'index 0000000..1111111\n--- /dev/null\n+++ b/%s\n' "$1"
	printf '@@ -0,0 +1 @@\n+%s\n\\ No newline at end of file\n' "$2"
}

# last_series: the newest series' id.
last_series()
{
	sql "SELECT max(id) FROM series"
}

# refused N REGEX DESC: submit the mail made from the diff in $T/diff,
# apply it, expect a refusal whose message matches REGEX, and no change.
refused()
{
	local before id
	mail "$1" "$3" < "$T/diff" > "$T/mail$1"
	before=$(refs)
	"$CTHULHU" submit "$T/mail$1" > "$T/submit.out" 2>&1
	ok "$3: the mail is taken" || sed 's/^/#   /' "$T/submit.out"
	id=$(last_series)
	"$CTHULHU" apply "$id" pmu > "$T/apply.out" 2> "$T/apply.err"
	[ $? -ne 0 ]
	ok "$3: cthulhu apply refuses it"
	like "$(cat "$T/apply.err")" "$2" "$3: the error names the path and why"
	is "$(refs)" "$before" "$3: no ref moved"
	is "$(sql "SELECT count(*) FROM applied WHERE series_id = $id")" 0 \
		"$3: nothing is recorded as applied"
}

# applies N DESC: the diff in $T/diff applies.
applies()
{
	mail "$1" "$2" < "$T/diff" > "$T/mail$1"
	check "$2: the mail is taken" cth submit "$T/mail$1"
	check "$2: it applies" cth apply "$(last_series)" pmu
}
