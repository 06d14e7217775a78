# Helpers for the topic tests (t01xx), sourced after tests/lib.sh.

# jget JSON PATH: one value out of a JSON text (sqlite3's json_extract;
# true and false come out as 1 and 0, null as nothing).
jget()
{
	printf '%s' "$1" >"$T/jget.json"
	sqlite3 :memory: \
		"SELECT json_extract(CAST(readfile('$T/jget.json') AS TEXT), '$2')"
}

# api METHOD PATH [BODY]: HTTP over the daemon's socket, for what the
# CLI does not show (statuses, error bodies).  Sets $status and $body.
api()
{
	local method=$1 path=$2
	shift 2
	: >"$T/api.out"
	if [ $# -gt 0 ]; then
		status=$(curl -sS --unix-socket "$CTHULHU_SOCKET" -X "$method" \
			-H 'Content-Type: application/json' --data-binary "$1" \
			-o "$T/api.out" -w '%{http_code}' "http://localhost$path")
	else
		status=$(curl -sS --unix-socket "$CTHULHU_SOCKET" -X "$method" \
			-o "$T/api.out" -w '%{http_code}' "http://localhost$path")
	fi
	body=$(cat "$T/api.out")
}

# rev REF: the ref's SHA1 in the bare repository $T/src.git, or nothing.
rev()
{
	git --git-dir="$T/src.git" rev-parse --verify -q "$1"
}

sqlq()
{
	if [ -z "$1" ]; then echo NULL; else echo "'$1'"; fi
}

# has_event TOPIC OLD NEW KIND SOURCE: exactly one event says that
# (OLD or NEW empty for none).
has_event()
{
	[ "$(sql "SELECT count(*) FROM events WHERE topic = '$1' AND
		old IS $(sqlq "$2") AND new IS $(sqlq "$3") AND
		kind = '$4' AND source = '$5'")" = 1 ]
}

# nr_events: how many events there are.
nr_events()
{
	sql 'SELECT count(*) FROM events'
}

# tip_is TOPIC SHA1: the topics row records that tip (empty for none).
tip_is()
{
	[ "$(sql "SELECT count(*) FROM topics WHERE name = '$1' AND
		tip IS $(sqlq "$2")")" = 1 ]
}

# commit_on BRANCH MSG: a commit on BRANCH in the work clone $T/src
# (branch made from master when new); leaves master checked out.
commit_on()
{
	(cd "$T/src" &&
	 if git rev-parse -q --verify "refs/heads/$1" >/dev/null; then
		git checkout -q "$1"
	 else
		git checkout -q -b "$1" master
	 fi &&
	 echo "$2" >>"file-$(echo "$1" | tr / -)" &&
	 git add . && git commit -q -m "$2" && git checkout -q master)
}
