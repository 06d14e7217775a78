#!/bin/sh
# A build of next writes its merges' objects as one pack: after a build
# of many topics the repository has one pack more and none of next's
# merge commits loose, git reads every object of next (fsck), and each
# merge has git merge-tree's tree.  A topic that only git can merge (a
# file one side deletes and the other changes) makes cthulhud write the
# objects so far before asking git, which then finds them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

N=40
make_repo "$T/src"
(cd "$T/src" &&
 for i in $(seq 1 $N); do
	mkdir -p "d$i/e" && seq 1 20 | sed "s/^/$i /" > "d$i/e/f"
 done &&
 seq 1 20 > gone && git add . && git commit -q -m files &&
 git tag -f v1.0 && git push -q origin master v1.0)
for i in $(seq 1 $N); do
	(cd "$T/src" && git checkout -q -b "t$i" v1.0 &&
	 sed -i "3s/.*/t$i was here/" "d$i/e/f" &&
	 git commit -q -am "t$i: edit" && git checkout -q master &&
	 git push -q origin "t$i")
done
# t0 deletes a file that the middle topic changes: git's to merge (a
# conflict), with next made of the merges before it
(cd "$T/src" && git checkout -q -b t0 v1.0 && git rm -q gone &&
 git commit -q -m "t0: remove gone" && git checkout -q "t$((N / 2))" &&
 sed -i 1s/.*/changed/ gone && git commit -q -am "changed gone" &&
 git checkout -q master && git push -q origin t0 "t$((N / 2))")

topics='[topic "t0"]
	order = 0
'
for i in $(seq 1 $N); do
	topics="$topics[topic \"t$i\"]
	order = $i
"
done
G="git --git-dir=$T/src.git"
$G repack -q -a -d
packs0=$(ls "$T/src.git/objects/pack/"*.pack | wc -l)
write_config "$T/cthulhu.conf" "$T/src.git" '[watch]' '	poll = 0' \
	"$topics" '[next]' '	debounce = 300000'
git config -f "$T/cthulhu.conf" tree.base v1.0
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts"

built()
{
	[ "$(sql "SELECT count(*) FROM builds WHERE state = 'done'")" -ge 1 ]
}
check "next is built" wait_for 30 built
next=$($G rev-parse refs/heads/next)
merges=$($G rev-list --first-parent --merges "$next" | wc -l)
is "$merges" $N "next has a merge for every topic but the conflicting one"
is "$(sql "SELECT method || ' ' || outcome FROM build_topics WHERE topic = 't$((N / 2))'")" \
	"git conflict" "git says the middle topic conflicts"
packs1=$(ls "$T/src.git/objects/pack/"*.pack | wc -l)
more=$((packs1 - packs0))
ok_more=0; [ $more -ge 1 ] && [ $more -le 2 ] && ok_more=1
is "$ok_more" 1 "the build wrote its objects as one or two packs ($more)"
loose=0
for c in $($G rev-list --first-parent --merges "$next"); do
	f=$T/src.git/objects/$(echo "$c" | cut -c1-2)/$(echo "$c" | cut -c3-)
	[ -f "$f" ] && loose=$((loose + 1))
done
is "$loose" 0 "no merge commit of next is a loose object"
check "git reads every object of next" $G fsck --connectivity-only --no-dangling
same=yes
for c in $($G rev-list --first-parent --merges "$next"); do
	[ "$($G merge-tree --write-tree "$c^1" "$c^2")" = "$($G rev-parse "$c^{tree}")" ] ||
		same=no
done
is "$same" yes "every merge has git merge-tree's tree"

done_testing
