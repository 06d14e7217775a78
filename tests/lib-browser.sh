# Helpers for the dashboard tests (t06xx), sourced after tests/lib.sh.
#
# A daemon with its TCP listener on a port of the test's own, and one
# headless Chromium driven by tests/browser.js over the DevTools protocol:
# `browser CMD ARGS` sends one command and leaves the answer in $reply
# (the JSON value), returning non-zero for an error.  Screenshots go to
# $top_builddir/tests/screenshots/.

: "${CHROMIUM:=chromium}"
: "${NODE:=node}"
SHOTS=$top_builddir/tests/screenshots
BROWSER_PID=
url=

# start_dashboard_daemon CONF-ARGS...: write $T/cthulhu.conf for the repo
# $T/src.git with the given extra lines plus a TCP listener, start the
# daemon and set $url.  Tries a few ports.
start_dashboard_daemon()
{
	local try port
	for try in 1 2 3 4 5; do
		port=$((20000 + ($$ * 7 + try * 1013) % 40000))
		write_config "$T/cthulhu.conf" "$T/src.git" "$@" \
			'[http]' "	listen = 127.0.0.1:$port"
		if start_daemon "$T/cthulhu.conf" >/dev/null &&
		   wait_for 10 curl -sf "http://127.0.0.1:$port/api/v1/status"
		then
			url=http://127.0.0.1:$port
			return 0
		fi
		stop_daemon
	done
	echo "# no port for the daemon; log:"
	sed 's/^/#   /' "$T/daemon.log" | tail -20
	return 1
}

# browser_start: launch Chromium; fails (with the reason) when Chromium
# or node is missing, since these tests must not pass without a browser.
browser_start()
{
	if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
		echo "# $CHROMIUM not found: apt-get install chromium"
		return 1
	fi
	if ! command -v "$NODE" >/dev/null 2>&1; then
		echo "# $NODE not found: apt-get install nodejs"
		return 1
	fi
	mkdir -p "$SHOTS" || return 1
	rm -f "$T/browser.in" "$T/browser.out"
	mkfifo "$T/browser.in" "$T/browser.out" || return 1
	BROWSER_PIDFILE=$T/chromium.pid "$NODE" "$top_srcdir/tests/browser.js" "$CHROMIUM" \
		<"$T/browser.in" >"$T/browser.out" 2>"$T/browser.err" &
	BROWSER_PID=$!
	# A browser that died must fail the command, not kill the test.
	trap '' PIPE
	trap 'browser_stop; test_cleanup' EXIT
	exec 7>"$T/browser.in" 8<"$T/browser.out"
	if ! read -r reply <&8 || [ "$reply" != 'ok "ready"' ]; then
		echo "# the browser did not start:"
		grep -v -e dbus -e zygote -e 'unexpected operator' \
			"$T/browser.err" | sed 's/^/#   /' | tail -20
		browser_stop
		return 1
	fi
}

# browser CMD ARGS...: one command (see tests/browser.js); $reply gets
# the value, or the error message.
browser()
{
	local line
	echo "$*" >&7
	if ! read -r line <&8; then
		reply="the browser is gone"
		return 1
	fi
	case $line in
	"ok "*)
		reply=${line#ok }
		return 0
		;;
	*)
		reply=${line#error }
		return 1
		;;
	esac
}

# bcheck DESC CMD ARGS...: a browser command as a TAP check.
bcheck()
{
	local desc=$1
	shift
	if browser "$@"; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $desc"
	else
		TAP_N=$((TAP_N + 1))
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $desc"
		printf '#   %s\n' "$reply" | head -20
	fi
}

# shot NAME: a screenshot of the page as $SHOTS/NAME.png.
shot()
{
	bcheck "screenshot $1" shot "$SHOTS/$1.png"
}

browser_stop()
{
	[ -n "$BROWSER_PID" ] || return 0
	echo quit >&7 2>/dev/null
	exec 7>&- 8<&-
	wait "$BROWSER_PID" 2>/dev/null
	# node closes Chromium; if node died first, Chromium is left to us.
	if [ -s "$T/chromium.pid" ]; then
		kill -9 "$(cat "$T/chromium.pid")" 2>/dev/null
		rm -f "$T/chromium.pid"
	fi
	BROWSER_PID=
}
