# Shared helpers for the shell integration tests (tNNNN-area-detail.sh).
# Each test sources this file, calls test_init, runs checks that print TAP,
# and ends with done_testing.  Set by the Makefile: top_srcdir, top_builddir,
# CTHULHUD, CTHULHU, CORPUS.  tests/README describes the libraries and the
# variables the tests read.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${CTHULHUD:=$top_builddir/cthulhud}"
: "${CTHULHU:=$top_builddir/cthulhu}"
: "${CORPUS:=$top_srcdir/../shared/corpus}"
# make check-valgrind: the daemon under valgrind (tests/valgrind-cthulhud.sh)
[ -n "${CTHULHUD_VALGRIND:-}" ] && CTHULHUD=$CTHULHUD_VALGRIND

TAP_N=0
TAP_FAILED=0
DAEMON_PID=

export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL='committer@example.com'
export GIT_CONFIG_NOSYSTEM=1 HOME="${TMPDIR:-/tmp}"
export GIT_CONFIG_GLOBAL=/dev/null

# Make the scratch folder $T; remove it (and stop the daemon) at exit,
# unless the test failed and KEEP_FAILED is set.
test_init()
{
	T=$(mktemp -d "${TMPDIR:-/tmp}/cthulhu-test.XXXXXX")
	trap test_cleanup EXIT
}

test_cleanup()
{
	stop_daemon
	if [ "$TAP_FAILED" -ne 0 ] && [ -n "${KEEP_FAILED:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}

# ok DESC: passes when the previous command succeeded.  Use as
#   cmd args; ok "it worked"
ok()
{
	local rc=$?
	TAP_N=$((TAP_N + 1))
	if [ $rc -eq 0 ]; then
		echo "ok $TAP_N - $1"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $1"
	fi
}

# check DESC CMD...: run CMD, pass when it exits 0; show its output if not.
check()
{
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $desc"
	else
		TAP_N=$((TAP_N + 1))
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $desc"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -40
	fi
}

# is GOT WANT DESC
is()
{
	TAP_N=$((TAP_N + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $TAP_N - $3"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -40
	fi
}

# like GOT REGEX DESC (grep -E)
like()
{
	TAP_N=$((TAP_N + 1))
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		echo "ok $TAP_N - $3"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $3"
		printf '#   got:  %s\n#   want match: %s\n' "$1" "$2" | head -40
	fi
}

done_testing()
{
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
# CTHULHU_TEST_SLOW multiplies SECONDS (make check-valgrind sets it).
wait_for()
{
	local limit=$(($1 * 10 * ${CTHULHU_TEST_SLOW:-1})) i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.1
	done
	return 0
}

# make_repo DIR [BRANCH...]: a bare repository at DIR.git and a work
# clone at DIR with one commit on master, tagged base, and each BRANCH
# made there; all pushed.
make_repo()
{
	local dir=$1
	shift
	git init -q --bare "$dir.git" &&
	git init -q -b master "$dir" &&
	(cd "$dir" && echo base > README && git add README &&
	 git commit -q -m 'Initial commit' && git tag base &&
	 for b in "$@"; do git branch "$b" || exit; done &&
	 git remote add origin "$dir.git" && git push -q origin master base "$@")
}

# write_config FILE REPO [EXTRA...]: a cthulhu.conf with the state in
# $T/state, TCP off unless EXTRA sets it; EXTRA lines are appended.
write_config()
{
	local file=$1 repo=$2
	shift 2
	{
		printf '[tree]\n\tname = test\n\trepo = %s\n\tbase = base\n' "$repo"
		printf '\tcommitter = Cthulhu Test <cthulhu@example.com>\n'
		printf '[state]\n\tdir = %s/state\n' "$T"
		printf '[http]\n\tlisten = 0\n'
		printf '[watch]\n\tpoll = 1\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} > "$file"
}

# start_daemon CONF: start cthulhud in the background, wait for its
# socket; the log is $T/daemon.log.  Sets DAEMON_PID and CTHULHU_SOCKET.
start_daemon()
{
	local state
	state=$(git config -f "$1" state.dir)
	"$CTHULHUD" -c "$1" >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	CTHULHU_SOCKET=$state/cthulhud.sock
	export CTHULHU_SOCKET
	if ! wait_for 20 "$CTHULHU" status; then
		echo "# cthulhud did not come up; log:"
		sed 's/^/#   /' "$T/daemon.log" | tail -30
		return 1
	fi
}

# start_tcp_daemon REPO [EXTRA...]: write $T/cthulhu.conf for REPO with
# TCP on a free loopback port and start the daemon; sets $PORT and $URL.
start_tcp_daemon()
{
	local repo=$1 try
	shift
	for try in 1 2 3 4 5 6; do
		PORT=$((20000 + ($$ * 13 + try * 2027 + $(date +%N | sed 's/^0*//;s/^$/0/') % 997) % 40000))
		write_config "$T/cthulhu.conf" "$repo" "$@" \
			'[http]' "	listen = 127.0.0.1:$PORT"
		if start_daemon "$T/cthulhu.conf" >/dev/null &&
		   wait_for 10 curl -sf "http://127.0.0.1:$PORT/api/v1/status"; then
			URL=http://127.0.0.1:$PORT
			return 0
		fi
		stop_daemon
	done
	return 1
}

# setup_daemon [--tcp] REPO DESC [EXTRA...]: write $T/cthulhu.conf for
# REPO with the EXTRA lines and start the daemon, with --tcp on a free
# loopback port too (start_tcp_daemon).  DESC is the one result that says
# it came up; the test ends there when it did not.
setup_daemon()
{
	local tcp=no repo desc
	if [ "$1" = --tcp ]; then
		tcp=yes
		shift
	fi
	repo=$1 desc=$2
	shift 2
	if [ $tcp = yes ]; then
		start_tcp_daemon "$repo" "$@"
	else
		write_config "$T/cthulhu.conf" "$repo" "$@" &&
			start_daemon "$T/cthulhu.conf"
	fi
	ok "$desc" || done_testing
}

# stop_daemon: SIGTERM, wait for the exit; returns the daemon's status.
stop_daemon()
{
	local rc=0
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	return $rc
}

# cth ARGS...: the CLI against the running daemon.
cth()
{
	"$CTHULHU" "$@"
}

# run ARGS...: run the CLI; set $rc, $out (its stdout) and $err (its
# stderr).
run()
{
	"$CTHULHU" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# sql QUERY: ask the daemon's database directly (read-only); waits up
# to 5 s for a lock the daemon holds (a daemon slowed by valgrind holds
# its write transactions longer).
sql()
{
	sqlite3 -readonly -cmd '.timeout 5000' "$T/state/cthulhu.db" "$1"
}

# The mail corpus ($CORPUS, ../shared/corpus) is not part of a clone.
# need_corpus: a test that cannot run without it ends here as skipped
# ("1..0 # SKIP"), giving the reason; under CI=true (CI has the corpus)
# it fails instead.  Call it right after test_init.
need_corpus()
{
	[ -d "$CORPUS" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - no mail corpus at '$CORPUS' (CI=true: CI must have it)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP no mail corpus at '$CORPUS' (configure --with-corpus=DIR or set CORPUS)"
	exit 0
}

# The crash and race tests drive test points (CTHULHU_TEST_CRASH_AT,
# CTHULHU_TEST_CAS_HOOK, CTHULHU_TEST_NEXT_HOOK) that only a cthulhud
# configured with --enable-test-hooks has; its --version says so.
has_test_hooks()
{
	"$top_builddir/cthulhud" --version | grep -q '(test hooks)'
}

# need_test_hooks: a test that cannot run without them ends here as
# skipped, giving the reason; under CI=true (CI builds them, through
# contrib/bootstrap.sh test) it fails instead.  Call it after test_init.
need_test_hooks()
{
	has_test_hooks && return 0
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - cthulhud has no test hooks (CI=true: configure --enable-test-hooks)"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP cthulhud has no test hooks (configure --enable-test-hooks)"
	exit 0
}

# part_skipped WHAT CI-NOTE: one result for a part of a test that does
# not run for want of WHAT: skipped, or failed under CI=true (saying
# CI-NOTE), where nothing may be missing.
part_skipped()
{
	TAP_N=$((TAP_N + 1))
	if [ "${CI:-}" = true ]; then
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $1 (CI=true: $2)"
	else
		echo "ok $TAP_N # SKIP $1: its checks do not run"
	fi
}

# have_corpus: for a test with a part that reads the corpus: true when
# $CORPUS is there; else one result says why that part does not run
# (part_skipped) and it returns false.
#   if have_corpus; then ...checks on the corpus...; fi
have_corpus()
{
	[ -d "$CORPUS" ] && return 0
	part_skipped "no mail corpus at '$CORPUS'" "CI must have it"
	return 1
}

# have_test_hooks: the same for a part of a test that needs the test
# hooks.
have_test_hooks()
{
	has_test_hooks && return 0
	part_skipped "cthulhud has no test hooks" \
		"configure --enable-test-hooks"
	return 1
}
