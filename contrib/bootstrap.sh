#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# From a fresh Debian 12 machine to a running cthulhu, in one command:
#
#   sudo ./contrib/bootstrap.sh demo    install the build dependencies,
#                                       build, run the demo tree
#   sudo ./contrib/bootstrap.sh test    install everything the tests use,
#                                       build (with --enable-test-hooks),
#                                       run `make check`
#
# Run from anywhere inside a clone of cthulhu.  Environment:
#   CI=true            test with --enable-sanitizers --enable-werror
#   CTHULHU_STRICT=1   the same outside CI
#   CONFIGURE_FLAGS    more arguments for ./configure
#   DEMO_DIR           where the demo lives (default /tmp/cthulhu-demo)
#   DEMO_HTTP          the demo's dashboard address (ADDR:PORT, 0 for none;
#                      default 127.0.0.1:8080)
#   NO_APT=1           skip apt-get (the packages are there already)
set -eu

mode=${1:-}
case $mode in
demo|test) ;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.."
top=$(pwd)

# What building needs, and what running the demo needs.
BUILD_PKGS="build-essential autoconf automake pkg-config
	libgit2-dev libsqlite3-dev libmicrohttpd-dev libjansson-dev
	libgmime-3.0-dev libcurl4-openssl-dev ca-certificates"
# What the tests drive or compare against: git and sqlite3 as oracles,
# curl for raw HTTP, jq to read JSON answers, chromium (driven by a node
# script) for the dashboard, groff for the man pages, python3 for the
# patchwork grouping model and a fake daemon that sends the CLI broken
# answers, Buildbot for the gate's external mode, clang-format for the
# layout of the C files, public-inbox (init, mda, httpd) for real inboxes
# that [inbox] follows over git's smart HTTP and from a directory, b4 as
# the oracle of the trailer tests (cthulhu am and apply give the commit
# messages b4 am gives, tests/t0406-*).
TEST_PKGS="git sqlite3 curl jq chromium nodejs fonts-dejavu-core
	groff-base procps python3 clang-format
	buildbot buildbot-worker public-inbox b4"

as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "bootstrap: '$*' needs root; run this script with sudo" >&2
		exit 1
	fi
}

step()
{
	printf '\n=== %s\n' "$*"
}

if [ -z "${NO_APT:-}" ]; then
	pkgs=$BUILD_PKGS
	[ "$mode" = test ] && pkgs="$pkgs $TEST_PKGS"
	step "installing Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	# shellcheck disable=SC2086
	as_root apt-get install -y -q --no-install-recommends $pkgs
fi

flags=${CONFIGURE_FLAGS:-}
# The crash and race tests drive test points that only a build with
# --enable-test-hooks has (never one to run in production).
[ "$mode" = test ] && flags="--enable-test-hooks $flags"
if [ "$mode" = test ] &&
   { [ "${CI:-}" = true ] || [ -n "${CTHULHU_STRICT:-}" ]; }; then
	flags="--enable-sanitizers --enable-werror $flags"
fi

step "building (./autogen.sh && ./configure $flags && make)"
./autogen.sh >/dev/null
# shellcheck disable=SC2086
./configure -q $flags
jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs"

if [ "$mode" = demo ]; then
	dir=${DEMO_DIR:-/tmp/cthulhu-demo}
	step "running the demo in $dir (Ctrl-C stops it)"
	if [ -n "${DEMO_HTTP:-}" ]; then
		exec ./cthulhud --demo "$dir" --http "$DEMO_HTTP"
	fi
	exec ./cthulhud --demo "$dir"
fi

step "running the tests (make check)"
rc=0
make -j"$jobs" check || rc=$?
if [ "$rc" -ne 0 ]; then
	# automake writes a .trs file per test; show the log of each that
	# failed, so a CI run says why without anyone logging in.
	for trs in $(find . -name '*.trs' | sort); do
		if grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$trs"; then
			log=${trs%.trs}.log
			step "FAILED: ${log#./}"
			tail -n 200 "$log"
		fi
	done
	[ -f test-suite.log ] && { step "test-suite.log"; head -n 30 test-suite.log; }
	echo "bootstrap: make check failed in $top" >&2
fi
exit "$rc"
