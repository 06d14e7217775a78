# Helpers for the apply and crash tests (t083x, t084x), sourced after
# tests/lib.sh and tests/lib-topics.sh.

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
