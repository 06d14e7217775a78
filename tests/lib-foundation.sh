# Helpers for the foundation's bad-input tests (t0010-t0049), sourced
# after tests/lib.sh.

# http_req METHOD URL [BODY] [CURL-ARGS...]: one request; sets $status
# (the HTTP status, 000 for none) and $body.  Over the socket when the
# URL starts with "unix:", e.g. "unix:/api/v1/topics".
http_req()
{
	local method=$1 url=$2 data=
	shift 2
	if [ $# -gt 0 ]; then
		data=$1
		shift
	fi
	set -- -sS -X "$method" -o "$T/http.out" -w '%{http_code}' "$@"
	if [ -n "$data" ]; then
		set -- "$@" -H 'Content-Type: application/json' --data-binary "$data"
	fi
	case $url in
	unix:*)
		set -- "$@" --unix-socket "$CTHULHU_SOCKET" "http://localhost${url#unix:}" ;;
	*)
		set -- "$@" "$url" ;;
	esac
	: >"$T/http.out"
	status=$(curl "$@" 2>"$T/http.err") || status=${status:-000}
	body=$(cat "$T/http.out")
}

# is_error_json CODE DESC: $body is {"error": {"code": CODE, "message": ...}}.
is_error_json()
{
	local got
	printf '%s' "$body" >"$T/err.json"
	got=$(sqlite3 :memory: "SELECT json_extract(CAST(readfile('$T/err.json') AS TEXT), '\$.error.code') || '|' || (length(json_extract(CAST(readfile('$T/err.json') AS TEXT), '\$.error.message')) > 0)" 2>&1)
	is "$got" "$1|1" "$2"
}

# settled: the daemon's first build of next is done (refs/heads/next
# exists) and no job runs, so that a snapshot taken after
# `wait_for 60 settled` sees only what the requests after it do; a
# daemon slowed by valgrind is still building when it starts answering.
settled()
{
	git --git-dir="$REPO" rev-parse -q --verify refs/heads/next >/dev/null &&
		[ "$(curl -sS --unix-socket "$CTHULHU_SOCKET" \
			http://localhost/api/v1/status | grep -c '"job":null')" = 1 ]
}

# snapshot NAME: what a bad request must not change: every ref of the
# repository $REPO and the topics and events rows, into $T/NAME.snap.
snapshot()
{
	{
		git --git-dir="$REPO" for-each-ref --format='%(refname) %(objectname)'
		if [ -f "$T/state/cthulhu.db" ]; then
			sqlite3 -readonly -cmd '.timeout 5000' "$T/state/cthulhu.db" \
				'SELECT * FROM topics ORDER BY name' \
				'SELECT id, topic, old, new, kind FROM events ORDER BY id' 2>&1
		else
			echo "no database"
		fi
	} >"$T/$1.snap"
}

# unchanged NAME DESC: the state is as snapshot NAME saw it.
unchanged()
{
	snapshot "$1.now"
	if cmp -s "$T/$1.snap" "$T/$1.now.snap"; then
		is same same "$2"
	else
		is "$(diff "$T/$1.snap" "$T/$1.now.snap" | tr '\n' ' ')" "" "$2"
	fi
}

# run_daemon_fail CONF: run cthulhud -c CONF in the foreground, expecting
# it to stop at once; sets $rc and $log (its stderr).  A daemon that keeps
# running is stopped after 20 s and counts as rc 124.
run_daemon_fail()
{
	timeout 20 "$CTHULHUD" -c "$1" >"$T/fail.out" 2>"$T/fail.err" </dev/null
	rc=$?
	log=$(cat "$T/fail.err")
}

# topic_conf NAME ORDER: the config lines of a topic.
topic_conf()
{
	printf '[topic "%s"]\n\tbranch = %s\n\torder = %s\n' "$1" "$1" "$2"
}

# readme_patch FILE MESSAGE-ID: a one-patch mail adding a line "more" to
# the README of make_repo's base, written to FILE.
readme_patch()
{
	cat >"$1" <<EOM
From nobody Mon Sep 17 00:00:00 2001
From: A U Thor <author@example.com>
Date: Tue, 1 Oct 2024 10:00:00 +0000
Subject: [PATCH] readme: Say more
Message-Id: <$2>

More.

Signed-off-by: A U Thor <author@example.com>
---
diff --git a/README b/README
--- a/README
+++ b/README
@@ -1 +1,2 @@
 base
+more
EOM
}
