#!/bin/sh
# The target topic of queued series, against a real daemon: a series
# goes to the topic whose [topic] prefixes its subjects start with, else
# whose [topic] paths its patches touch, else [tree] default-topic; the
# queue and show say which and why; `cthulhu target` overrides the
# guess and --auto forgets the override; apply to another topic asks for
# --force, names the target and the reason, and moves no ref without it;
# a reload that changes the prefixes changes the targets.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

make_repo "$T/linux"
(cd "$T/linux" &&
 mkdir -p arch/x86/kvm/mmu Documentation &&
 echo pmu > arch/x86/kvm/pmu.c && echo mmu > arch/x86/kvm/mmu/mmu.c &&
 echo doc > Documentation/kvm.rst &&
 git add . && git commit -q -m 'Add the files' && git tag -f base >/dev/null &&
 git push -q -f origin master base master:x86/pmu master:x86/mmu \
	master:fixes master:misc)

# mkseries NAME FILE SUBJECT...: a series of one patch per SUBJECT on a
# branch off base, each changing FILE, formatted into $T/NAME.mbox.
mkseries()
{
	local name=$1 file=$2 n=0 cover=
	shift 2
	(cd "$T/linux" && git checkout -q -b "$name" base &&
	 for s in "$@"; do
		n=$((n + 1))
		echo "$name $n" >> "$file" && git add "$file" &&
		git commit -q -m "$s" -m "Change $n of $name." \
			-m "Signed-off-by: A U Thor <author@example.org>" || exit 1
	 done &&
	 if [ $# -gt 1 ]; then cover=--cover-letter; fi &&
	 git format-patch -q --stdout $cover --thread base.."$name" \
		| sed "s/\*\*\* SUBJECT HERE \*\*\*/$name: the series/" \
		> "$T/$name.mbox" &&
	 git checkout -q master)
}

mkseries pmu arch/x86/kvm/pmu.c 'KVM: x86/pmu: Count one thing' \
	'KVM: x86/pmu: Count another thing'
mkseries mmu arch/x86/kvm/mmu/mmu.c 'KVM: x86: Tweak the shadow pages'
mkseries doc Documentation/kvm.rst 'Documentation: Say more'

config()
{
	write_config "$T/cthulhu.conf" "$T/linux.git" \
		'[tree]' '	default-topic = misc' \
		'[topic "x86/pmu"]' '	order = 1' \
		"	prefixes = KVM: x86/pmu:, KVM: x86: PMU:" \
		'[topic "x86/mmu"]' '	order = 2' '	prefixes = KVM: x86/mmu:' \
		'	paths = arch/x86/kvm/mmu/' \
		'[topic "misc"]' '	order = 3' "$@" \
		'[topic "fixes"]' '	order = 4'
}
config
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing

for s in pmu mmu doc; do
	cth submit --json "$T/$s.mbox" > "$T/$s.json" || echo "# submit $s failed"
	eval "id_$s=\$(jq -r '.series[0].id' \"\$T/\$s.json\")"
done
queued()
{
	[ "$(cth queue --json | jq .total)" = "$1" ]
}
check "the three series are queued" wait_for 20 queued 3

# target_of ID: "topic source detail" of the series' queue entry.
target_of()
{
	cth queue --json |
		jq -r ".queue[] | select(.id == $1) | .target |
			if . == null then \"none\" else
			\"\(.topic) \(.source) \(.detail)\" end"
}
is "$(target_of "$id_pmu")" "x86/pmu prefix KVM: x86/pmu:" \
	"a series whose subjects start with a topic's prefix goes to that topic"
is "$(target_of "$id_mmu")" "x86/mmu paths arch/x86/kvm/mmu/" \
	"a series with no known prefix goes to the topic of the paths it touches"
is "$(target_of "$id_doc")" "misc default null" \
	"a series matching nothing goes to [tree] default-topic"

cth queue > "$T/queue.txt"
like "$(head -1 "$T/queue.txt")" "TARGET" "cthulhu queue has a TARGET column"
like "$(grep "KVM: x86/pmu: Count\|pmu: the series" "$T/queue.txt")" "x86/pmu" \
	"the queue shows the pmu series' target"
cth show "$id_mmu" > "$T/show.txt"
like "$(cat "$T/show.txt")" "target: *x86/mmu \\(touches 'arch/x86/kvm/mmu/'\\)" \
	"cthulhu show says the target and why"

# Applying elsewhere asks for --force and moves nothing.
before=$(git -C "$T/linux.git" for-each-ref)
run apply "$id_pmu" fixes
check "apply to another topic than the target fails" [ "$rc" -ne 0 ]
like "$err" "series $id_pmu is for 'x86/pmu' \\(its subjects start with 'KVM: x86/pmu:'\\), not 'fixes'; apply it with --force" \
	"the refusal names the target, the reason and --force"
is "$(git -C "$T/linux.git" for-each-ref)" "$before" "no ref moved"
is "$(sql "SELECT count(*) FROM applied")" "0" "nothing was recorded as applied"

run apply --force "$id_pmu" fixes
is "$rc" "0" "apply --force takes it to the other topic"
like "$out$err" "applied as forced" "and says it was forced"
is "$(git -C "$T/linux.git" rev-list --count base..fixes)" "2" \
	"fixes has the two patches"

# The maintainer's choice wins, and --auto forgets it.
run target "$id_mmu" misc
is "$rc" "0" "cthulhu target sets a series' target"
like "$out" "target misc \\(chosen with 'cthulhu target'\\)" "and says so"
is "$(target_of "$id_mmu")" "misc maintainer null" "the queue shows the choice"
before=$(git -C "$T/linux.git" for-each-ref)
run apply "$id_mmu" x86/mmu
check "apply to the guessed topic now asks for --force" [ "$rc" -ne 0 ]
like "$err" "is for 'misc' \\(set with 'cthulhu target'\\), not 'x86/mmu'" \
	"naming the maintainer's choice"
is "$(git -C "$T/linux.git" for-each-ref)" "$before" "no ref moved"
run target "$id_mmu" no/such/topic
check "a target that is no topic is refused" [ "$rc" -ne 0 ]
like "$err" "'no/such/topic' is not a topic of the tree" "with a clear message"
is "$(sql "SELECT target_topic FROM series WHERE id = $id_mmu")" "misc" \
	"and the choice stays"
# Bad requests over the API: a clear error, the choice kept.
post_target()	# ID BODY: the HTTP status, the body in $T/answer
{
	curl -s -o "$T/answer" -w '%{http_code}' --unix-socket "$CTHULHU_SOCKET" \
		"http://localhost/api/v1/series/$1/target" -d "$2"
}
is "$(post_target "$id_mmu" '{"topic":5}')" 400 "a topic that is no string is refused"
like "$(cat "$T/answer")" "target needs 'series' and 'topic'" "saying what it needs"
is "$(post_target "$id_mmu" 'not json')" 400 "a body that is no JSON is refused"
is "$(post_target 99999 '{"topic":"misc"}')" 404 "a series that does not exist is not found"
is "$(sql "SELECT target_topic FROM series WHERE id = $id_mmu")" "misc" \
	"and the choice is still the maintainer's"
run target "$id_mmu" --auto
is "$rc" "0" "cthulhu target --auto forgets the choice"
is "$(target_of "$id_mmu")" "x86/mmu paths arch/x86/kvm/mmu/" \
	"and the guess is back"

# The default target asks no --force: it is only a last resort.
run apply "$id_doc" x86/mmu
is "$rc" "0" "a series whose target is only the default goes anywhere"

# A reload that changes the prefixes changes the targets.
mkseries doc2 Documentation/kvm.rst 'Documentation: Say even more'
cth submit --json "$T/doc2.mbox" > "$T/doc2.json"
id_doc2=$(jq -r '.series[0].id' "$T/doc2.json")
in_queue()
{
	[ -n "$(target_of "$1")" ]
}
check "a fourth series is queued" wait_for 20 in_queue "$id_doc2"
is "$(target_of "$id_doc2")" "misc default null" "it goes to the default"
config '	prefixes = Documentation:'
kill -HUP "$DAEMON_PID"
retargeted()
{
	[ "$(target_of "$id_doc2")" = "misc prefix Documentation:" ]
}
check "after a reload with a prefix for it, its target comes from the prefix" \
	wait_for 20 retargeted

# The choice is kept across a restart.
run target "$id_doc2" x86/pmu
stop_daemon
start_daemon "$T/cthulhu.conf"
is "$(target_of "$id_doc2")" "x86/pmu maintainer null" \
	"the maintainer's choice outlives a restart"

done_testing
