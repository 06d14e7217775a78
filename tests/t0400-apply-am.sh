#!/bin/sh
# apply.c against `git am -s`: the same mail, committer and committer date
# must give the same commit SHA1 (so the same tree, author, author date and
# message), on generated series and on the corpus' real patch mail; the
# same patch-id as `git patch-id --stable`; offsets and the three-way
# fallback as `git am` and `git am -3`; a patch that does not apply leaves
# the branch alone and names the file and hunk.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

DRIVER=${APPLY_DRIVER:-$top_builddir/tests/apply-driver}
AWK=${AWK:-awk}
COMMITTER='Maint Ainer <maint@example.org>'
CDATE='1800000000 +0100'

# am_like REPO BRANCH PATCH...: git am -s onto BRANCH with the pinned
# committer; prints the new tip, or nothing when git am fails.
am_like()
{
	local repo=$1 branch=$2
	shift 2
	(cd "$repo" && git checkout -q "$branch" &&
	 GIT_COMMITTER_NAME='Maint Ainer' GIT_COMMITTER_EMAIL=maint@example.org \
	 GIT_COMMITTER_DATE="$CDATE" git am -q -s ${AM_OPTS:-} "$@" >/dev/null 2>&1 &&
	 git rev-parse HEAD) || { (cd "$repo" && git am --abort >/dev/null 2>&1); true; }
}

# mailinfo DIR MAIL: what `git am` reads, for the driver's --mailinfo
mailinfo()
{
	mkdir -p "$1" && git mailinfo -u "$1/msg" "$1/patch" <"$2" >"$1/info" 2>/dev/null
}

drive()
{
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$DRIVER" \
		--committer "$COMMITTER" --committer-date "$CDATE" "$@"
}

# --- a generated series -------------------------------------------------

R=$T/gen
git init -q -b master "$R"
(
	cd "$R"
	seq 1 200 | sed 's/^/line /' >big.txt
	mkdir -p src/sub
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >src/main.c
	printf 'one\ntwo\nthree\n' >src/sub/old-name.txt
	printf 'no newline' >nonl.txt
	printf 'x\n' >gone.txt
	head -c 300 /dev/urandom >blob.bin
	git add . && git commit -q -m 'Initial' && git tag base
	git checkout -q -b work

	c() {	# c NAME EMAIL DATE MESSAGE
		GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$2 GIT_AUTHOR_DATE=$3 \
			git commit -q -a --allow-empty-message -m "$4"
	}
	sed -i 's/^line 10$/line ten/' big.txt
	c 'Jöhn Döe' john@example.org '1700000000 -0700' 'big: Change line 10

Plain body.

Signed-off-by: Jöhn Döe <john@example.org>'
	sed -i 's/^line 150$/line 150 changed/; s/^line 3$/line three/' big.txt
	c 'A. N. Other' other@example.org '1700000100 +0530' 'big: Two hunks

Body with trailing spaces   
and


several blank lines.

Reviewed-by: R <r@example.org>
Signed-off-by: A. N. Other <other@example.org>
Signed-off-by: Maint Ainer <maint@example.org>'
	git mv src/sub/old-name.txt src/sub/new-name.txt
	c 'Z' z@example.org '1700000200 +0000' 'rename: Move a file

Signed-off-by: Maint Ainer <maint@example.org>
Acked-by: Q <q@example.org>'
	chmod +x src/main.c
	git rm -q gone.txt
	c 'Mode Changer' mode@example.org '1700000300 -1130' 'Only a subject line'
	printf 'now with newline\n' >nonl.txt
	printf '\n' >>big.txt
	c 'Nl Fixer' nl@example.org '1700000400 +1400' 'nonl: Add the newline

Closes: https://example.org/1
Cc: someone@example.org
this line is not a trailer
Signed-off-by: Nl Fixer <nl@example.org>'
	head -c 200 /dev/urandom >>blob.bin
	: >empty-new.txt
	git add empty-new.txt
	c 'Bin Ary' bin@example.org '1700000500 +0200' 'binary: Grow the blob

Fixes: 1234567890ab ("big: Change line 10")
Link: https://lore.kernel.org/r/x@y
(cherry picked from commit 0123456789012345678901234567890123456789)'
	printf 'int x;\n' >src/new.c
	git add src/new.c
	c 'Only Trailers' ot@example.org '1700000600 +0000' 'new: Add new.c

Signed-off-by: Maint Ainer <maint@example.org>'
	sed -i 's/^line 100$/line hundred/' big.txt
	c 'Colon Body' cb@example.org '1700000700 +0000' 'colon: Body with colons

Note: this looks like a trailer
but: is a paragraph
Signed-off-by: Colon Body <cb@example.org>'
	sed -i 's/^line 101$/line 101!/' big.txt
	c 'Cont Line' cl@example.org '1700000800 +0000' 'cont: Continuation lines

Signed-off-by: Cont Line <cl@example.org>
Tested-by: Long Name
  <long@example.org>'
	git format-patch -q --binary -o "$T/gen-patches" base
)
n=0
for f in "$T"/gen-patches/*.patch; do
	n=$((n + 1))
	mailinfo "$T/gen-mi/$n" "$f"
done
is "$n" 9 "the generated series has 9 patches"

git -C "$R" branch am-tip base
git -C "$R" branch our-tip base
want=$(am_like "$R" am-tip "$T"/gen-patches/*.patch)
got=$(drive "$R" refs/heads/our-tip --mailinfo $(ls -d "$T"/gen-mi/* | sort -t/ -k1 -V) 2>"$T/err")
like "$want" '^[0-9a-f]{40}$' "git am applies the generated series"
is "$(git -C "$R" rev-parse our-tip)" "$want" "generated series: the same tip SHA1 as git am -s"
is "$(git -C "$R" rev-list base..our-tip | wc -l)" 9 "one commit per patch"
check "every commit equal to git am's" \
	test "$(git -C "$R" rev-list base..our-tip)" = "$(git -C "$R" rev-list base..am-tip)"

# patch-ids equal `git patch-id --stable`
pids=$(printf '%s\n' "$got" | cut -d' ' -f2)
gitpids=$(for f in "$T"/gen-patches/*.patch; do git patch-id --stable <"$f" | cut -d' ' -f1; done)
is "$pids" "$gitpids" "patch-ids equal git patch-id --stable"

# --no-signoff and a Link: template, against git am without -s plus
# git interpret-trailers
git -C "$R" branch our-link base
drive --no-signoff --link 'https://lore.kernel.org/r/%s' "$R" refs/heads/our-link \
	--mailinfo "$T/gen-mi/1" >/dev/null
msg=$(git -C "$R" log -1 --format=%B our-link)
is "$(printf '%s\n' "$msg" | sed '/^$/d' | tail -n 1)" 'Signed-off-by: Jöhn Döe <john@example.org>' \
	"no maintainer sign-off with --no-signoff"
is "$(git -C "$R" log -1 --format=%an our-link)" 'Jöhn Döe' "author kept"

# --- offsets (git am without -3) ----------------------------------------

O=$T/off
git init -q -b master "$O"
(
	cd "$O"
	seq 1 60 >f
	git add f && git commit -q -m init && git tag base
	sed -i 's/^50$/fifty/; s/^5$/five/' f
	git commit -q -am 'Change 5 and 50'
	git format-patch -q -1 -o "$T/off-p"
	git checkout -q -b topic base
	(echo a; echo b; echo c; cat f) >f.new && mv f.new f
	git commit -q -am 'Add three lines at the top'
	git branch am-off && git branch our-off
)
mailinfo "$T/off-mi" "$T"/off-p/*.patch
# a clone of the topic alone lacks the preimage blob, so only an offset
# can make the patch apply, as in plain git am
git clone -q --no-local --single-branch -b topic "$O" "$T/off2"
git -C "$T/off2" branch --no-track am-off origin/topic
git -C "$T/off2" branch --no-track our-off origin/topic
want=$(am_like "$T/off2" am-off "$T"/off-p/*.patch)
like "$want" '^[0-9a-f]{40}$' "git am applies with an offset"
out=$(drive "$T/off2" refs/heads/our-off --mailinfo "$T/off-mi")
is "$(git -C "$T/off2" rev-parse our-off)" "$want" "offset: the same commit as git am"
like "$out" ' apply$' "offset: applied without the three-way fallback"

# --- three-way (git am -3) ----------------------------------------------

# the patch's context changed on the topic, but the preimage blob exists
(
	cd "$O"
	git checkout -q -b topic3 base
	sed -i 's/^47$/forty-seven/' f
	git commit -q -am 'Touch line 47'
	git branch am-3 && git branch our-3 && git branch our-no3
)
AM_OPTS=-3 want=$(AM_OPTS=-3 am_like "$O" am-3 "$T"/off-p/*.patch)
like "$want" '^[0-9a-f]{40}$' "git am -3 applies with a three-way merge"
old=$(git -C "$O" rev-parse our-no3)
drive "$O" refs/heads/our-no3 --mailinfo "$T/off-mi" >/dev/null 2>"$T/err"
ok_rc=$?
is "$ok_rc" 1 "without -3 the patch does not apply"
is "$(git -C "$O" rev-parse our-no3)" "$old" "a failed apply leaves the branch"
like "$(cat "$T/err")" "'f' hunk #2 @@ -47,7 \\+47,7 @@" "the error names the file and the hunk"
out=$(drive -3 "$O" refs/heads/our-3 --mailinfo "$T/off-mi")
is "$(git -C "$O" rev-parse our-3)" "$want" "three-way: the same commit as git am -3"
like "$out" ' 3way$' "three-way: says which method was used"

# a conflict in the three-way merge: nothing changes
(
	cd "$O"
	git checkout -q -b topic4 base
	sed -i 's/^50$/FIFTY/' f
	git commit -q -am 'Conflicting change to 50'
)
old=$(git -C "$O" rev-parse topic4)
drive -3 "$O" refs/heads/topic4 --mailinfo "$T/off-mi" >/dev/null 2>"$T/err"
is "$?" 1 "a three-way conflict fails"
like "$(cat "$T/err")" "conflicts in 'f'" "the error names the conflicting file"
is "$(git -C "$O" rev-parse topic4)" "$old" "the branch did not move"

# a series whose 2nd patch fails: the branch does not move at all
git -C "$R" branch our-half base
old=$(git -C "$R" rev-parse our-half)
drive "$R" refs/heads/our-half --mailinfo "$T/gen-mi/1" "$T/off-mi" >/dev/null 2>"$T/err"
is "$?" 1 "a series with a failing patch fails"
is "$(git -C "$R" rev-parse our-half)" "$old" "and leaves the branch where it was"
like "$(cat "$T/err")" "off-mi' does not apply: 'f'" "the error names the failing patch"

# a patch naming a path outside the tree is refused
mkdir -p "$T/evil"
cat >"$T/evil/patch" <<'EOF'
diff --git a/../evil b/../evil
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/../evil
@@ -0,0 +1 @@
+x
EOF
printf 'Author: E Vil\nEmail: e@example.org\nSubject: evil\nDate: Thu, 1 Jan 2009 00:00:00 +0000\n\n' >"$T/evil/info"
: >"$T/evil/msg"
drive "$R" refs/heads/our-half --mailinfo "$T/evil" >/dev/null 2>"$T/err"
is "$?" 1 "a patch with ../ is refused"
sed -i 's|\.\./evil|.git/hooks/x|g' "$T/evil/patch"
drive "$R" refs/heads/our-half --mailinfo "$T/evil" >/dev/null 2>"$T/err"
is "$?" 1 "a patch with .git/ is refused"
like "$(cat "$T/err")" "outside the tree" "and says why"

# What follows reads the mail corpus.
have_corpus || done_testing

# --- format=flowed (git's t4256) --------------------------------------------

F=$T/flowed
git init -q -b master "$F"
cp "$CORPUS/git-t5100/t4256/1/mailinfo.c.orig" "$F/mailinfo.c"
(cd "$F" && git add mailinfo.c && git commit -q -m base && git branch ours &&
 git branch ours-mi && GIT_COMMITTER_NAME='Maint Ainer' \
 GIT_COMMITTER_EMAIL=maint@example.org GIT_COMMITTER_DATE="$CDATE" \
	git am -q -s "$CORPUS/git-t5100/t4256/1/patch" 2>/dev/null)
check "git am applies the format=flowed patch to mailinfo.c.orig" \
	cmp "$F/mailinfo.c" "$CORPUS/git-t5100/t4256/1/mailinfo.c"
drive "$F" refs/heads/ours --mbox "$CORPUS/git-t5100/t4256/1/patch" >/dev/null 2>&1
is "$(git -C "$F" rev-parse ours)" "$(git -C "$F" rev-parse master)" \
	"format=flowed: the same commit as git am (through mail.c)"
check "format=flowed: mailinfo.c as t4256 expects" sh -c \
	"git -C '$F' show ours:mailinfo.c | cmp - '$CORPUS/git-t5100/t4256/1/mailinfo.c'"

# --- the corpus ----------------------------------------------------------

# Each message with a diff, alone, on a root commit made from its own
# preimage: git am -s and apply.c (through git mailinfo's output, and
# through mail.c) must agree (same SHA1, or both fail).  One repository
# holds every message's branches; the driver runs once per way.
C=$T/corpus
git init -q -b master "$C/repo"
corpus_list=
corpus_one()	# corpus_one NAME MAILFILE
{
	local name=$1 mail=$2 dir=$C/$1 tree base
	mkdir -p "$dir/pre"
	mailinfo "$dir/mi" "$mail"
	[ -s "$dir/mi/patch" ] || return 0
	$AWK -v out="$dir/pre" -f "$top_srcdir/tests/preimage.awk" "$dir/mi/patch"
	echo seed >"$dir/pre/.seed"
	tree=$(cd "$dir/pre" && GIT_INDEX_FILE="$dir/index" \
		git --git-dir="$C/repo/.git" --work-tree=. add -A &&
		GIT_INDEX_FILE="$dir/index" git --git-dir="$C/repo/.git" write-tree)
	base=$(echo preimage | git --git-dir="$C/repo/.git" commit-tree "$tree")
	(cd "$C/repo" && git checkout -q -f --detach "$base" && git clean -qfdx &&
	 GIT_COMMITTER_NAME='Maint Ainer' GIT_COMMITTER_EMAIL=maint@example.org \
	 GIT_COMMITTER_DATE="$CDATE" git am -q -s "$mail" >/dev/null 2>&1) ||
		(cd "$C/repo" && git am --abort >/dev/null 2>&1)
	printf 'create refs/heads/%s %s\n' "base-$name" "$base" "ours-$name" "$base" \
		"mbox-$name" "$base" "am-$name" "$(git -C "$C/repo" rev-parse HEAD)" \
		>>"$C/refs"
	corpus_list="$corpus_list $name"
	mi_args="$mi_args refs/heads/ours-$name=$dir/mi"
	mbox_args="$mbox_args refs/heads/mbox-$name=$mail"
}

mi_args= mbox_args=
mkdir -p "$T/split"
git mailsplit -o"$T/split" "$CORPUS/git-t5100/sample.mbox" >/dev/null
for m in "$T"/split/*; do
	corpus_one "t5100-$(basename "$m")" "$m"
done
for m in "$CORPUS"/patchwork/mail/*.mbox "$CORPUS"/git-t5100/t4256/1/patch; do
	corpus_one "pw-$(basename "$m" .mbox)" "$m"
done
for mb in "$CORPUS"/patchwork/series/*.mbox; do
	rm -rf "$T/split2" && mkdir -p "$T/split2"
	git mailsplit -o"$T/split2" "$mb" >/dev/null 2>&1 || continue
	for m in "$T"/split2/*; do
		mkdir -p "$T/msgs"
		cp "$m" "$T/msgs/$(basename "$mb" .mbox)-$(basename "$m")"
		corpus_one "series-$(basename "$mb" .mbox)-$(basename "$m")" \
			"$T/msgs/$(basename "$mb" .mbox)-$(basename "$m")"
	done
done
git -C "$C/repo" update-ref --stdin <"$C/refs"
drive --each "$C/repo" --mailinfo $mi_args >/dev/null 2>"$T/err-mi"
drive --each "$C/repo" --mbox $mbox_args >/dev/null 2>"$T/err-mbox"

corpus_n=0 corpus_same=0 corpus_refused=0 corpus_bad= corpus_mbox_bad=
for name in $corpus_list; do
	base=$(git -C "$C/repo" rev-parse "base-$name")
	want=$(git -C "$C/repo" rev-parse "am-$name")
	got=$(git -C "$C/repo" rev-parse "ours-$name")
	corpus_n=$((corpus_n + 1))
	if [ "$want" = "$base" ]; then
		# git am refused it: so must apply.c
		[ "$got" = "$base" ] || corpus_bad="$corpus_bad $name(git-am-failed)"
		corpus_refused=$((corpus_refused + 1))
	elif [ "$want" != "$got" ]; then
		corpus_bad="$corpus_bad $name"
	else
		corpus_same=$((corpus_same + 1))
	fi
	[ "$(git -C "$C/repo" rev-parse "mbox-$name")" = "$got" ] ||
		corpus_mbox_bad="$corpus_mbox_bad $name"
done
echo "# corpus: $corpus_n patches, $corpus_same same SHA1 as git am, $corpus_refused refused by both"
is "$corpus_bad" "" "corpus: every patch gives git am's commit, or fails as git am does"
check "corpus: most patches apply" test "$corpus_same" -ge 90
is "$corpus_mbox_bad" "" "corpus through mail.c: the same commits as through git mailinfo"

done_testing
