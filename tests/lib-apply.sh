# Helpers for the apply and crash tests (t083x, t084x, crash-loop.sh),
# sourced after tests/lib.sh and tests/lib-topics.sh.

# apply_tree [REF...]: a bare $T/src.git (kept if made before, to be
# configured first) and a work tree $T/w on master with one commit,
# tagged base, pushed as master, base and pmu, and as each REF
# (master:NAME) given.
apply_tree()
{
	[ -d "$T/src.git" ] || git init -q --bare "$T/src.git"
	git init -q -b master "$T/w"
	(
		cd "$T/w"
		echo base >README
		git add README && git commit -q -m 'Initial commit' && git tag base
		git push -q "$T/src.git" master base master:pmu "$@"
	)
}

# make_series K N MBOX: in $T/w, a branch sK forked from base with N
# patches by "Pat AuthorK" (each adding a file sK-J.txt), formatted into
# $T/fpK (with a cover letter "sK: Add files" if N > 1) and written to
# MBOX; $T/w is left on master.
make_series()
{
	(
		k=$1 n=$2
		cd "$T/w" && git checkout -q -b "s$k" base &&
		j=1 &&
		while [ $j -le $n ]; do
			echo "series $k patch $j" >"s$k-$j.txt" &&
			git add "s$k-$j.txt" &&
			GIT_AUTHOR_NAME="Pat Author$k" \
			GIT_AUTHOR_EMAIL="pat$k@example.org" \
				git commit -q -m "s$k: Add file $j" || exit 1
			j=$((j + 1))
		done &&
		if [ $n -gt 1 ]; then cover=--cover-letter; else cover=; fi &&
		GIT_COMMITTER_NAME="Pat Author$k" \
		GIT_COMMITTER_EMAIL="pat$k@example.org" \
			git format-patch -q $cover --thread=shallow \
				-o "$T/fp$k" base.."s$k" &&
		sed -i "s/\*\*\* SUBJECT HERE \*\*\*/s$k: Add files/" "$T/fp$k"/*.patch &&
		cat "$T/fp$k"/*.patch >"$3" &&
		git checkout -q master
	)
}

# rebase_pmu: pmu rebased by hand in $T/w (fetched from $T/src.git,
# every commit made again, a minute later, so with new SHA1s) and
# force-pushed back.
rebase_pmu()
{
	(cd "$T/w" && git fetch -q "$T/src.git" pmu && git checkout -q -B pmu FETCH_HEAD &&
	 GIT_COMMITTER_DATE="$(($(date +%s) + 60)) +0000" git rebase -q --force-rebase base &&
	 git push -q --force "$T/src.git" pmu:pmu)
}
