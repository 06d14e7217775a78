#!/bin/sh
# The notifications as the maintainer writes them: [notify] commit-url
# names each commit by a link (b4 ty's thanks-commit-url-mask), and
# [notify] applied-template, dropped-template and sha1-changed-template
# are files whose ${variables} are filled in, such as the KVM x86 tree's
# "Applied to kvm-x86 pmu, thanks!" with "[1/3] subject" and commit link
# lines.  A template that cannot be read, or a commit-url without its
# %s, stops the daemon from starting with the key and the file named.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	seq 1 40 >a.txt
	git add . && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu
	git checkout -q -b work
	for n in 5 20 35; do
		sed -i "s/^$n\$/n$n/" a.txt
		GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
		GIT_AUTHOR_DATE="$((now - 100 + n)) +0000" \
			git commit -q -am "KVM: x86/pmu: Change $n

Signed-off-by: Pat Author <pat@example.org>"
	done
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread -o "$T/series" base..work
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/KVM: x86\/pmu: Changes/' \
		"$T/series/0000-cover-letter.patch"
	cat "$T"/series/*.patch >"$T/series.mbox"
)
p1=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$T"/series/0001-*.patch)
{
	printf 'From mboxrd@z Thu Jan  1 00:00:00 1970\n'
	printf 'From: Rev Iewer <rev@example.org>\nSubject: Re: [PATCH 1/3] KVM: x86/pmu: Change 5\n'
	printf 'Date: %s\nMessage-Id: <r1@example.org>\n' "$(date -R)"
	printf 'In-Reply-To: <%s>\nReferences: <%s>\n\n' "$p1" "$p1"
	printf 'Reviewed-by: Rev Iewer <rev@example.org>\n'
} >"$T/review.mbox"

cat >"$T/applied.tpl" <<'EOF'
Applied to kvm-x86 ${topic}, thanks!

${summary}
--
https://github.com/kvm-x86/linux/tree/next
EOF
cat >"$T/dropped.tpl" <<'EOF'
${author}, ${patch} (${commit}) is out of ${tree}/${branch}:
${reason}
${unknown} costs $$0
EOF
cat >"$T/changed.tpl" <<'EOF'
New SHA1s in ${topic} (${why}):
${summary}
EOF

# --- bad settings stop the daemon --------------------------------------------

write_config "$T/bad.conf" "$T/src.git" '[notify]' '	applied-template = nowhere.tpl'
"$CTHULHUD" -c "$T/bad.conf" >"$T/bad.log" 2>&1
is "$?" 1 "a template that cannot be read stops cthulhud"
like "$(cat "$T/bad.log")" "bad.conf:[0-9]+: 'notify.applied-template': cannot read '$T/nowhere.tpl'" \
	"naming the file, the line, the key and the template"
write_config "$T/bad.conf" "$T/src.git" '[notify]' '	commit-url = https://example.org/commit/'
"$CTHULHUD" -c "$T/bad.conf" >"$T/bad.log" 2>&1
is "$?" 1 "a commit-url without %s stops cthulhud"
like "$(cat "$T/bad.log")" "'notify.commit-url': 'https://example.org/commit/' must hold one %s" \
	"and says what it lacks"

# --- the templates ------------------------------------------------------------

write_config "$T/cthulhu.conf" "$T/src.git" '[topic "pmu"]' '	order = 1' \
	'[apply]' '	link = ' \
	'[notify]' '	commit-url = https://github.com/kvm-x86/linux/commit/%.12s' \
	'	applied-template = applied.tpl' '	dropped-template = dropped.tpl' \
	'	sha1-changed-template = changed.tpl'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing
run submit "$T/series.mbox"
run submit "$T/review.mbox"
sid=$(sql "SELECT id FROM series WHERE total = 3 AND complete")
run apply "$sid" pmu
is "$rc" 0 "the series is applied"

# body KIND: the body of the notification of that kind (7bit, as written)
body()
{
	sql "SELECT raw FROM notifications WHERE kind = '$1' ORDER BY id DESC LIMIT 1" |
		sed '1,/^$/d'
}
c1=$(git --git-dir="$T/src.git" rev-parse pmu~2)
c2=$(git --git-dir="$T/src.git" rev-parse pmu~1)
c3=$(git --git-dir="$T/src.git" rev-parse pmu)
is "$(body applied)" "Applied to kvm-x86 pmu, thanks!

[1/3] KVM: x86/pmu: Change 5
      https://github.com/kvm-x86/linux/commit/$(echo "$c1" | cut -c1-12)
      + Reviewed-by: Rev Iewer <rev@example.org>
[2/3] KVM: x86/pmu: Change 20
      https://github.com/kvm-x86/linux/commit/$(echo "$c2" | cut -c1-12)
[3/3] KVM: x86/pmu: Change 35
      https://github.com/kvm-x86/linux/commit/$(echo "$c3" | cut -c1-12)

--
https://github.com/kvm-x86/linux/tree/next" \
	"the applied notice is the template, with commit links and the trailers added"
like "$(sql "SELECT raw FROM notifications WHERE kind = 'applied'")" \
	'Subject: Re: \[PATCH 0/3\] KVM: x86/pmu: Changes' "its subject is as before"

run drop --reason 'It breaks 32-bit builds.' "$c1"
is "$rc" 0 "the first patch is dropped"
is "$(body dropped)" "Pat Author, [1/3] KVM: x86/pmu: Change 5 (https://github.com/kvm-x86/linux/commit/$(echo "$c1" | cut -c1-12)) is out of test/pmu:
It breaks 32-bit builds.
\${unknown} costs \$0" "the dropped notice is its template: reason, commit link, unknown variables kept"
n2=$(git --git-dir="$T/src.git" rev-parse pmu~1)
n3=$(git --git-dir="$T/src.git" rev-parse pmu)
is "$(body sha1-changed)" "New SHA1s in pmu (a commit before them was dropped):
[2/3] KVM: x86/pmu: Change 20
      $(echo "$c2" | cut -c1-12) -> https://github.com/kvm-x86/linux/commit/$(echo "$n2" | cut -c1-12)
[3/3] KVM: x86/pmu: Change 35
      $(echo "$c3" | cut -c1-12) -> https://github.com/kvm-x86/linux/commit/$(echo "$n3" | cut -c1-12)" \
	"the SHA1-changed notice is its template"
done_testing
