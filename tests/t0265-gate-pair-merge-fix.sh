#!/bin/sh
# The gate's pairing probes take the merge-fixes a build would, so a
# pair that has a fix is not blamed again.  Topics, in order: "rename"
# renames old_name() to new_name(), "dup" adds shared(), "caller" calls
# old_name() and adds a shared() of its own: caller builds alone and
# fails with rename (the old name) and with dup (shared() twice).  The
# gate ejects caller naming rename; `merge-fix record caller FIX --with
# rename` lifts it; next fails again, and pairing caller now merges it
# onto next up to rename with FIX (git says so: the probe's tree is git
# merge-tree's plus FIX's change), which passes, and names dup.  A second
# fix, of caller with dup, lifts that one and next has caller.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-merge-fix.sh"
. "$top_srcdir/tests/lib-next.sh"
test_init

rename_tree
(cd "$T/src" && git checkout -q -b dup base &&
 printf 'int shared(void)\n{\n\treturn 0;\n}\n' >dup.c &&
 git add dup.c && git commit -q -m 'dup: Add shared()' &&
 git checkout -q caller &&
 printf 'int shared(void)\n{\n\treturn 1;\n}\n' >caller-shared.c &&
 git add caller-shared.c && git commit -q -m 'caller: Add a shared() too' &&
 git checkout -q master && git push -q origin dup caller)
GATE_TOPICS="rename dup caller"
check "caller builds alone" builds caller
check "dup builds alone" builds dup
for t in rename dup; do
	(cd "$T/src" && git checkout -q --detach "$t" && git merge -q caller -m both &&
	 git push -q -f origin HEAD:refs/scratch/$t && git checkout -q master)
	check "caller fails together with $t" eval "! builds refs/scratch/$t"
done

gate_config '	command = make -s' '	timeout = 120'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with a gate running make"
out_naming()
{
	[ "$(ejection_state caller)" = ejected ] &&
	[ "$(sql "SELECT partner FROM gate_ejections WHERE topic = 'caller' ORDER BY id DESC LIMIT 1")" = "$1" ] &&
	settled && [ "$(gate_state)" = passed ]
}
check "the gate ejects caller naming rename" wait_for 180 out_naming rename
is "$(merged)" "rename dup " "next has rename and dup"

fix=$(fix_commit one caller 's/old_name/new_name/')
like "$(cth merge-fix record caller "$fix" --with rename)" \
	"the gate's ejection of 'caller' is lifted" "the fix with rename lifts it"
check "the gate ejects caller again, naming dup" wait_for 240 out_naming dup
is "$(sql "SELECT count(*) FROM gate_ejections WHERE topic = 'caller'")" 2 \
	"a second ejection"
like "$(sql "SELECT reason FROM gate_ejections WHERE topic = 'caller' ORDER BY id DESC LIMIT 1")" \
	"caller builds alone and fails together with dup" "its reason names dup"
cand=$(sql "SELECT candidate FROM gate_ejections WHERE topic = 'caller' ORDER BY id DESC LIMIT 1")
is "$(sql "SELECT culprit || ' ' || partner FROM gate_candidates WHERE id = $cand")" \
	"caller dup" "the candidate's culprit and partner"

# the pairing probe onto next up to rename, checked with git and make
p1=$(sql "SELECT commit_sha FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 1")
like "$p1" '^[0-9a-f]{40}$' "caller was paired onto next up to rename"
is "$(G rev-parse "$p1^2")" "$(rev caller)" "with caller's tip merged"
is "$(G log -1 --format=%s "$p1^1")" "Merge branch 'rename' into next" \
	"onto next up to rename's merge"
like "$(G log -1 --format=%b "$p1")" "Merge-fix: $fix \\(with 'rename'\\)" \
	"the probe names the fix"
is "$(G rev-parse "$p1^{tree}")" "$(with_fix "$(mtree "$p1^1" caller)" "$fix")" \
	"its tree is git merge-tree's plus the fix's change"
check "it builds" builds "$p1"
is "$(sql "SELECT state FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 1")" \
	passed "its gate run passes"
p0=$(sql "SELECT commit_sha FROM gate_runs WHERE candidate = $cand AND pair = 1 AND probe = 0")
is "$(G log -1 --format=%b "$p0" | grep -c Merge-fix)" 0 \
	"onto the base alone caller takes no fix (rename is not there)"

# the fix of the second pair lets caller in
(cd "$T/src" && git checkout -q --detach caller &&
 sed -i 's/int shared(void)/int caller_shared(void)/' caller-shared.c &&
 git commit -q -am 'caller: Fix for next (two)' &&
 git push -q -f origin HEAD:refs/fixes/two && git checkout -q master)
fix2=$(G rev-parse refs/fixes/two)
like "$(cth merge-fix record caller "$fix2" --with dup)" \
	"the gate's ejection of 'caller' is lifted" "the fix with dup lifts the second"
in_next()
{
	[ "$(ejection_state caller)" = cleared ] && settled &&
	[ "$(gate_state)" = passed ] && G merge-base --is-ancestor "$(rev caller)" next
}
check "the gate passes next with caller" wait_for 240 in_next
is "$(merged)" "rename dup caller " "next merges all three"
is "$(G log -1 --format=%b next)" "Merge-fix: $fix2 (with 'dup')
Merge-fix: $fix (with 'rename')" "caller's merge takes both fixes, by the other topic's name"
check "next builds" builds next
check "next never held a tree that does not build" every_next_builds
done_testing
