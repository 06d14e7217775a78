#!/bin/sh
# cthulhu pull-request refuses, with a clear message, exit 1 and nothing
# made (no tag, no saved request): an unknown topic, a topic whose
# branch does not exist, a topic with no commits over the base, a tag
# that already exists (left as it was), a tag name git refuses; and the
# CLI's usage errors exit 2.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/work"
(
	cd "$T/work" &&
	git checkout -q -b x86/pmu &&
	echo pmu > pmu.c && git add pmu.c && git commit -q -m 'KVM: x86/pmu: Add pmu.c' &&
	git branch empty base &&
	git checkout -q -b behind base && git checkout -q master &&
	echo more > more.c && git add more.c && git commit -q -m 'More on master' &&
	git tag -f base >/dev/null && git push -q -f origin master base x86/pmu empty behind &&
	git -C "$T/work.git" tag -a -m 'an old tag' taken x86/pmu
) 2>/dev/null
ok "topics with and without commits over the base"

write_config "$T/cthulhu.conf" "$T/work.git" \
	'[topic "x86/pmu"]' '	branch = x86/pmu' \
	'[topic "empty"]' '	branch = empty' \
	'[topic "behind"]' '	branch = behind' \
	'[topic "ghost"]' '	branch = no-such-branch'
start_daemon "$T/cthulhu.conf" || done_testing

tags_before=$(git -C "$T/work.git" for-each-ref refs/tags)
# refused ARGS...: run the verb, keep the exit code and stderr
refused()
{
	cth pull-request "$@" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(cat "$T/err")
}
nothing_made()
{
	is "$(git -C "$T/work.git" for-each-ref refs/tags)" "$tags_before" "$1: no tag made"
	is "$(ls "$T/state/pull-requests" 2>/dev/null | wc -l | tr -d ' ')" 0 \
		"$1: no request saved"
	is "$(cat "$T/out")" "" "$1: nothing on standard output"
}

refused nope
is "$rc" 1 "unknown topic: exit 1"
is "$err" "error: unknown topic 'nope'" "unknown topic: said so"
nothing_made "unknown topic"

refused ghost
is "$rc" 1 "topic without its branch: exit 1"
like "$err" "topic 'ghost' has no branch 'refs/heads/no-such-branch'" \
	"topic without its branch: said so"
nothing_made "topic without its branch"

refused empty
is "$rc" 1 "topic at the base: exit 1"
is "$err" "error: topic 'empty' has no commits over the base 'base'" \
	"topic at the base: said so"
nothing_made "topic at the base"

refused behind
is "$rc" 1 "topic behind the base: exit 1"
like "$err" "topic 'behind' has no commits over the base 'base'" \
	"topic behind the base: said so"
nothing_made "topic behind the base"

taken=$(git -C "$T/work.git" rev-parse taken)
refused x86/pmu --tag taken
is "$rc" 1 "existing tag: exit 1"
is "$err" "error: tag 'taken' already exists" "existing tag: said so"
is "$(git -C "$T/work.git" rev-parse taken)" "$taken" "existing tag: left as it was"
nothing_made "existing tag"

refused x86/pmu --tag 'bad..name'
is "$rc" 1 "bad tag name: exit 1"
is "$err" "error: 'bad..name' is not a valid tag name" "bad tag name: said so"
nothing_made "bad tag name"

# The HTTP answers behind those exit codes.
api()
{
	curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
		-X POST -d "$2" "http://localhost$1"
}
is "$(api /api/v1/pull-request '{"topic": "nope"}')" 404 "unknown topic: 404"
is "$(jq -r .error.code "$T/body")" not_found "with code not_found"
is "$(api /api/v1/pull-request '{"topic": "empty"}')" 400 "no commits: 400"
is "$(api /api/v1/pull-request '{"topic": "x86/pmu", "tag": "taken"}')" 409 \
	"existing tag: 409"
is "$(jq -r .error.code "$T/body")" exists "with code exists"
is "$(api /api/v1/pull-request '{"tag": "x"}')" 400 "no topic: 400"
is "$(api /api/v1/pull-request '{"topic": "x86/pmu", "tag": 3}')" 400 \
	"a tag that is not a string: 400"
nothing_made "HTTP refusals"

cth pull-request >/dev/null 2>&1
is "$?" 2 "no topic: usage error"
cth pull-request a b >/dev/null 2>&1
is "$?" 2 "two topics: usage error"
cth pull-request x86/pmu --tag= >/dev/null 2>&1
is "$?" 2 "an empty --tag: usage error"
nothing_made "usage errors"

# And after all that, the topic can still be asked for.
cth pull-request x86/pmu --tag good >/dev/null 2>&1
ok "a good request still works"
is "$(git -C "$T/work.git" cat-file -t good)" tag "its tag is annotated"
done_testing
