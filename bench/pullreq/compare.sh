#!/bin/bash
# compare.sh SCENARIO: make a topic (named scenarios, or randomN for a
# random one from seed N), ask a real cthulhud for its pull request and
# compare the text with git request-pull's.  Prints "SCENARIO: same" or
# the diff.  Run from a build dir: ../bench/pullreq/compare.sh random7
# (top_srcdir and top_builddir default to the source tree and ".").
export top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
export top_builddir=${top_builddir:-$PWD}
. "$top_srcdir/tests/lib.sh"
test_init
make_repo "$T/work" >/dev/null 2>&1
cd "$T/work"
scenario=$1
mkdir -p arch/x86/kvm/mmu drivers/very/long/path/that/keeps/going/and/going/for/quite/a/while
for i in $(seq 1 12); do seq 1 $((i * 7)) > arch/x86/kvm/mmu/f$i.c; done
seq 1 100 > arch/x86/kvm/x86.c
seq 1 50 > drivers/very/long/path/that/keeps/going/and/going/for/quite/a/while/x.c
git add . && git commit -q -m 'base files' && git tag -f base >/dev/null
git checkout -q -b topic
case $scenario in
rename-edit)
	git mv arch/x86/kvm/mmu/f5.c arch/x86/kvm/mmu/g5.c && sed -i '1,5d' arch/x86/kvm/mmu/g5.c
	git mv arch/x86/kvm/x86.c arch/x86/kvm2.c && sed -i '1,30d' arch/x86/kvm2.c
	git mv arch/x86/kvm/mmu/f12.c arch/x86/svm/f12.c 2>/dev/null || { mkdir -p arch/x86/svm; git mv arch/x86/kvm/mmu/f12.c arch/x86/svm/f12.c; }
	git commit -q -am 'renames with edits' ;;
big)
	seq 1 5000 > arch/x86/kvm/huge.c; seq 1 3 | sed s/$/x/ > drivers/very/long/path/that/keeps/going/and/going/for/quite/a/while/x.c
	git add . && git commit -q -m 'big'
	sed -i '1,60s/$/ y/' arch/x86/kvm/x86.c && git commit -q -am 'edit x86' ;;
merge)
	echo a > a.c && git add a.c && GIT_AUTHOR_NAME=Zed git commit -q -m 'a'
	git checkout -q -b side base && echo b > b.c && git add b.c && GIT_AUTHOR_NAME=Amy git commit -q -m 'b'
	echo b2 >> b.c && GIT_AUTHOR_NAME=Zed git commit -q -am 'b2'
	git checkout -q topic && git merge -q --no-edit side && echo c > c.c && git add c.c && git commit -q -m '  leading space subject' ;;
revert)
	echo x >> arch/x86/kvm/x86.c && git commit -q -am 'add x' && git revert --no-edit HEAD >/dev/null ;;
many)
	for i in $(seq 1 12); do sed -i "1,${i}s/\$/ $i/" arch/x86/kvm/mmu/f$i.c; done
	git commit -q -am 'many files'
	chmod +x arch/x86/kvm/mmu/f3.c && git commit -q -am 'mode' 
	printf 'bin\000a' > one.bin; printf 'bin\000bb' > two.bin; git add . && git commit -q -m 'bins'
	printf 'bin\000ccc' > one.bin; git rm -q two.bin; git commit -q -am 'bins2' ;;
dirrename)
	git mv arch/x86/kvm/mmu arch/x86/kvm/mmu2 && git commit -q -m 'dir rename'
	git mv drivers/very/long/path/that/keeps/going/and/going/for/quite/a/while/x.c drivers/very/long/path/that/keeps/going/and/going/for/quite/a/while/y.c && git commit -q -m 'r2' ;;
crlf)
	printf 'a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\r\n' > crlf.txt && git add crlf.txt && git commit -q -m crlf
	git mv crlf.txt crlf2.txt && printf 'x\r\n' >> crlf2.txt && git add . && git commit -q -m 'crlf rename' ;;
heavy)
	git mv arch/x86/kvm/x86.c arch/x86/x86-new.c && sed -i '1,45d' arch/x86/x86-new.c && git commit -q -am 'heavy edit rename'
	git mv arch/x86/kvm/mmu/f10.c arch/x86/kvm/mmu/f10-renamed-to-something-really-long-that-overflows-the-width.c && git commit -q -am 'long rename' ;;
mailmap)
	printf 'Proper Name <proper@example.com> <author@example.com>\n' > .mailmap && git add .mailmap && git commit -q -m 'mailmap' && git tag -f base >/dev/null
	echo m >> arch/x86/kvm/x86.c && git commit -q -am 'mapped author' ;;
utf8)
	git mv arch/x86/kvm/mmu/f2.c "arch/x86/kvm/mmu/$(printf 'f\303\274nf.c')" && git commit -q -m 'utf8 rename'
	mkdir -p "$(printf 'd\303\251j\303\240')" && echo z > "$(printf 'd\303\251j\303\240')/z" && git add . && git commit -q -m 'utf8 dir' ;;
tabname)
	echo t > "$(printf 'tab\there')" && echo q > 'quo"te' && echo s > 'with space' && git add . && git commit -q -m 'odd names' ;;
random*)
	RANDOM=${scenario#random}
	authors=("Zed Z" "amy a" "Bob B" "Émile É" "A U Thor")
	for c in $(seq 1 $((RANDOM % 12 + 1))); do
		files=($(git ls-files | grep -v .mailmap))
		for op in $(seq 1 $((RANDOM % 4 + 1))); do
			f=${files[$((RANDOM % ${#files[@]}))]}
			[ -f "$f" ] || continue
			case $((RANDOM % 7)) in
			0) seq 1 $((RANDOM % 300)) | sed "s/^/$RANDOM /" > "new$RANDOM.c" ;;
			1) git rm -q "$f" ;;
			2) mkdir -p "d$((RANDOM % 3))"; git mv "$f" "d$((RANDOM % 3))/m$RANDOM.c" 2>/dev/null || true ;;
			3) n=$(wc -l < "$f"); [ "$n" -gt 2 ] && sed -i "1,$((RANDOM % n + 1))s/\$/ e$RANDOM/" "$f" ;;
			4) chmod +x "$f" ;;
			5) seq 1 $((RANDOM % 2000)) >> "$f" ;;
			6) n=$(wc -l < "$f"); [ "$n" -gt 2 ] && sed -i "1,$((RANDOM % n))d" "$f" ;;
			esac
		done
		git add -A
		a=${authors[$((RANDOM % 5))]}
		GIT_AUTHOR_NAME="$a" GIT_COMMITTER_DATE="1700000000 +0000" git commit -q --allow-empty -m "change $c by $a"
		if [ $((RANDOM % 5)) = 0 ]; then
			git checkout -q -b side$c HEAD~1 2>/dev/null || continue
			echo "side $c" > "side$c.c"; git add . ; GIT_COMMITTER_DATE="1700000000 +0000" git commit -q -m "side $c"
			git checkout -q topic && GIT_COMMITTER_DATE="1700000000 +0000" git merge -q --no-edit side$c >/dev/null 2>&1 || git merge --abort
		fi
	done ;;
esac
git push -q origin base topic -f >/dev/null 2>&1
write_config "$T/cthulhu.conf" "$T/work.git" '[topic "topic"]' '	into-next = false'
start_daemon "$T/cthulhu.conf" >/dev/null || exit 1
cth pull-request topic --tag t1 --json | jq -j .request > "$T/got"
(cd "$T/work.git" && COLUMNS=80 git request-pull base "$T/work.git" t1) > "$T/want" 2>/dev/null
if cmp -s "$T/got" "$T/want"; then echo "$scenario: same"; else echo "$scenario: DIFFERENT"; diff "$T/want" "$T/got"; fi
