#!/bin/sh
# apply.c against `git am -s` on random commit messages: 120 patches whose
# messages are drawn from lines that stress git's trailer rules (trailer
# blocks of every mix, the committer's own Signed-off-by first, last or
# twice, continuation lines, "(cherry picked from", comment-like lines,
# trailing blanks, a lone subject, unicode); authors with odd names.  The
# series is applied by git am -s and by apply.c (through git mailinfo's
# output and through mail.c): the same SHA1 for every commit.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_init

DRIVER=${APPLY_DRIVER:-$top_builddir/tests/apply-driver}
N=${N:-120}
SEED=${SEED:-4242}
CDATE='1800000000 -0330'
SOB='Signed-off-by: Maint Ainer <maint@example.org>'

R=$T/r
git init -q -b master "$R"
cd "$R"
for i in $(seq 1 $N); do echo "file $i" >"f$i"; done
git add . && git commit -q -m 'Initial' && git tag base

# the lines a message body is made of
cat >"$T/pool" <<EOF
A plain sentence about the change.
Another line of prose: with a colon in it.
Reviewed-by: Rev Iewer <rev@example.org>
Acked-by: Ack Er <ack@example.org>
$SOB
Signed-off-by: Some One <some@example.org>
Tested-by: Test Er
  <test@example.org>
Cc: stable@vger.kernel.org # 6.1+
Fixes: 0123456789ab ("area: Old bug")
Link: https://lore.kernel.org/r/20240101.1@example.org
(cherry picked from commit 0123456789012345678901234567890123456789)
Not-a-trailer because there is a space before the colon : here
#not a comment in a commit from mail
    indented line that looks like a continuation
Closes: https://bugzilla.example.org/1
Ünïcödé-Tag: välue
Key:value-without-space
-- 

EOF
lines=$(wc -l <"$T/pool")

rnd()
{
	SEED=$(( (SEED * 1103515245 + 12345) % 2147483648 ))
	echo $(( SEED / 65536 % $1 ))
}

i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	{
		echo "area$((i % 4)): Random message $i"
		paras=$(rnd 4)
		p=0
		while [ $p -lt $paras ]; do
			p=$((p + 1))
			echo
			k=$(( $(rnd 4) + 1 ))
			while [ $k -gt 0 ]; do
				k=$((k - 1))
				sed -n "$(( $(rnd $lines) + 1 ))p" "$T/pool"
			done
		done
		[ $(rnd 3) -eq 0 ] && printf '\n%s\n' "$SOB"
		[ $(rnd 5) -eq 0 ] && printf 'trailing spaces   \n\n\n'
	} >"$T/msg"
	echo "change $i" >>"f$i"
	case $(rnd 4) in
	0) an='Jöhn Döe'; ae=john@example.org ;;
	1) an='Doe, Jane'; ae=jane@example.org ;;
	2) an='A. N. Other'; ae=other@example.org ;;
	*) an='Maint Ainer'; ae=maint@example.org ;;
	esac
	GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae \
	GIT_AUTHOR_DATE="$((1700000000 + i * 97)) +0$(rnd 10)00" \
		git commit -q -a --cleanup=verbatim -F "$T/msg"
done
git format-patch -q -o "$T/p" base
cd "$T"

git -C "$R" checkout -q -b am base
(cd "$R" && GIT_COMMITTER_NAME='Maint Ainer' GIT_COMMITTER_EMAIL=maint@example.org \
	GIT_COMMITTER_DATE="$CDATE" git am -q -s "$T"/p/*.patch)
is "$(git -C "$R" rev-list --count base..am)" "$N" "git am -s applies all $N patches"

n=0
for f in "$T"/p/*.patch; do
	n=$((n + 1))
	mkdir -p "$T/mi/$(printf %04d $n)"
	git mailinfo -u "$T/mi/$(printf %04d $n)/msg" "$T/mi/$(printf %04d $n)/patch" \
		<"$f" >"$T/mi/$(printf %04d $n)/info"
done
cat "$T"/p/*.patch >"$T/all.mbox"

for how in mailinfo mbox; do
	git -C "$R" branch "ours-$how" base
	if [ $how = mailinfo ]; then
		set -- --mailinfo "$T"/mi/*
	else
		set -- --mbox "$T/all.mbox"
	fi
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$DRIVER" \
		--committer 'Maint Ainer <maint@example.org>' --committer-date "$CDATE" \
		"$R" "refs/heads/ours-$how" "$@" >/dev/null 2>"$T/err-$how"
	is "$?" 0 "apply.c applies all $N patches ($how)"
	differ=
	for k in $(seq 0 $((N - 1))); do
		if [ "$(git -C "$R" rev-parse "ours-$how~$k")" != "$(git -C "$R" rev-parse "am~$k")" ]; then
			differ="$differ $((N - k))"
		fi
	done
	is "$differ" "" "every commit has git am -s's SHA1 ($how)"
	if [ -n "$differ" ]; then
		k=$((N - ${differ##* }))
		git -C "$R" cat-file commit "am~$k" >"$T/want"
		git -C "$R" cat-file commit "ours-$how~$k" >"$T/got"
		diff "$T/want" "$T/got" | sed 's/^/#   /' | head -20
	fi
done

done_testing
