#!/bin/sh
# With [pull] push the tag goes to that remote (a path, a URL or a remote
# of the repository) after it is made, the request names the remote's
# URL unless [pull] url says otherwise, and git request-pull run against
# that remote finds the tag there and prints the same text.  A push that
# fails leaves the tag made and the request written, with a warning.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/work"
git init -q --bare "$T/public.git"
(
	cd "$T/work" &&
	git checkout -q -b x86/pmu &&
	echo one > one.c && git add one.c && git commit -q -m 'KVM: x86/pmu: One' &&
	echo two > two.c && git add two.c &&
	GIT_AUTHOR_NAME='Other Author' git commit -q -m 'KVM: x86/pmu: Two' &&
	git push -q origin x86/pmu
)
git -C "$T/work.git" remote add kernelorg "$T/public.git"
ok "a topic and an empty public repository"

restart()
{
	stop_daemon
	write_config "$T/cthulhu.conf" "$T/work.git" \
		'[topic "x86/pmu"]' '	branch = x86/pmu' '	into-next = false' "$@"
	start_daemon "$T/cthulhu.conf"
}

restart '[pull]' "	push = $T/public.git" || done_testing
cth pull-request x86/pmu --tag pmu-1 --json >"$T/json"
ok "pull-request with [pull] push"
is "$(git -C "$T/public.git" rev-parse pmu-1)" "$(git -C "$T/work.git" rev-parse pmu-1)" \
	"the tag object is in the public repository"
is "$(jq -r .pushed "$T/json")" "$T/public.git" "the JSON says where it went"
is "$(jq -r '.warnings | length' "$T/json")" 0 "without a warning"
like "$(jq -r .request "$T/json")" "^  $T/public.git tags/pmu-1$" \
	"the request names the public repository"
jq -j .request "$T/json" >"$T/got"
(cd "$T/work.git" && COLUMNS=80 git request-pull base "$T/public.git" pmu-1) \
	>"$T/want" 2>"$T/want.err"
ok "git request-pull against the public repository succeeds"
is "$(cat "$T/want.err")" "" "and finds the tag there (no warning)"
cmp -s "$T/got" "$T/want"
ok "the request is git request-pull's"

# A remote of the repository by name, and [pull] url over its URL.
restart '[pull]' '	push = kernelorg' '	url = https://example.org/kvm.git' || done_testing
cth pull-request x86/pmu --tag pmu-2 --json >"$T/json"
ok "pull-request pushing to a named remote"
is "$(git -C "$T/public.git" rev-parse pmu-2)" "$(git -C "$T/work.git" rev-parse pmu-2)" \
	"the tag went to the remote's repository"
like "$(jq -r .request "$T/json")" '^  https://example.org/kvm.git tags/pmu-2$' \
	"[pull] url is the URL in the request"

# A tag of the same name already at the remote: the push is refused.
git -C "$T/public.git" tag taken "$(git -C "$T/work.git" rev-parse base)"
restart '[pull]' "	push = $T/public.git" || done_testing
cth pull-request x86/pmu --tag taken >"$T/out" 2>"$T/err"
is "$?" 0 "a refused push: the request is still made"
like "$(cat "$T/err")" "^warning: cannot push tag 'taken' to '$T/public.git'" \
	"with a warning"
is "$(git -C "$T/work.git" cat-file -t taken)" tag "the tag is made here"
is "$(git -C "$T/public.git" rev-parse taken)" "$(git -C "$T/work.git" rev-parse base)" \
	"and the remote's tag is left alone"
grep -q '^Other Author (1):$' "$T/out"
ok "the request is printed"
done_testing
