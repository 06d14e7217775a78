#!/bin/bash
# time.sh [COMMITS] [FILES]: a topic of COMMITS commits (default 500) by
# 20 authors over FILES files (default 2000) of a base; time
# `cthulhu pull-request` (the whole job: walk, shortlog, diffstat, tag,
# HTTP) against `git request-pull` for the same range, and check that
# the texts are the same.  Run from a build dir.
export top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
export top_builddir=${top_builddir:-$PWD}
. "$top_srcdir/tests/lib.sh"
commits=${1:-500} files=${2:-2000}
test_init
make_repo "$T/work" >/dev/null 2>&1
cd "$T/work" || exit 1
dirs=$((files / 50))
for d in $(seq 1 $dirs); do
	mkdir -p "arch/x86/kvm/d$d"
	for f in $(seq 1 50); do seq 1 $((f * 3)) > "arch/x86/kvm/d$d/f$f.c"; done
done
git add . && git commit -q -m 'Add the files' && git tag -f base >/dev/null
git checkout -q -b x86/pmu
for c in $(seq 1 "$commits"); do
	f="arch/x86/kvm/d$((c % dirs + 1))/f$((c * 7 % 50 + 1)).c"
	sed -i "1s/\$/ $c/" "$f" && echo "$c" >> "$f"
	GIT_AUTHOR_NAME="Author $((c % 20))" git commit -q -am "KVM: x86/pmu: Change $c"
done
git push -q -f origin base x86/pmu >/dev/null 2>&1
write_config "$T/cthulhu.conf" "$T/work.git" '[topic "x86/pmu"]' '	into-next = false'
start_daemon "$T/cthulhu.conf" >/dev/null || exit 1
s=$(date +%s%N)
cth pull-request x86/pmu --tag t1 --json | jq -j .request > "$T/got"
e=$(date +%s%N)
echo "cthulhu pull-request: $(((e - s) / 1000000)) ms"
s=$(date +%s%N)
(cd "$T/work.git" && COLUMNS=80 git request-pull base "$T/work.git" t1) \
	> "$T/want" 2>/dev/null
e=$(date +%s%N)
echo "git request-pull:     $(((e - s) / 1000000)) ms"
echo "request: $(wc -l < "$T/want") lines"
cmp -s "$T/got" "$T/want" && echo "texts: same" || echo "texts: DIFFERENT"
