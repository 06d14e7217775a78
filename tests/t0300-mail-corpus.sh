#!/bin/sh
# Mail parsing against git's own t5100 samples: daemon/mail.c (through
# tests/mailinfo-driver) must split mailboxes like `git mailsplit` and
# give the info, message and patch that `git mailinfo -u` gives, both as
# the upstream expected files record and as the installed git does.
# Every patchwork file must parse (or be refused) without a crash.

. "$(dirname "$0")/lib.sh"
test_init
need_corpus

DRV=$top_builddir/tests/mailinfo-driver
G=$CORPUS/git-t5100
PW=$CORPUS/patchwork

# split_both NAME MBOX [--mboxrd]: both splitters into $T/NAME-{git,drv}
split_both()
{
	local name=$1 mbox=$2 n_git n_drv
	shift 2
	mkdir -p "$T/$name-git" "$T/$name-drv"
	n_git=$(git mailsplit "$@" -o"$T/$name-git" "$mbox")
	n_drv=$("$DRV" --split "$@" -o "$T/$name-drv" "$mbox" | head -n 1)
	is "$n_drv" "$n_git" "$name: as many messages as git mailsplit ($n_git)"
	check "$name: the same bytes as git mailsplit" \
		diff -r "$T/$name-git" "$T/$name-drv"
}

# mailinfo_both MAIL OUT [OPTS]: git and the driver into OUT.{git,drv}.*
mailinfo_both()
{
	local mail=$1 out=$2
	shift 2
	git mailinfo -u "$@" "$out.git.msg" "$out.git.patch" \
		<"$mail" >"$out.git.info" 2>/dev/null
	"$DRV" "$@" "$out.drv.msg" "$out.drv.patch" \
		<"$mail" >"$out.drv.info"
}

same_as_git()
{
	local out=$1 x
	for x in info msg patch; do
		cmp -s "$out.git.$x" "$out.drv.$x" || {
			echo "# $x differs from git mailinfo:"
			diff "$out.git.$x" "$out.drv.$x" | head -10 | sed 's/^/#   /'
			false; return
		}
	done
}

same_as_expected()
{
	local out=$1 info=$2 msg=$3 patch=$4
	cmp -s "$info" "$out.drv.info" && cmp -s "$msg" "$out.drv.msg" &&
		cmp -s "$patch" "$out.drv.patch"
}

# --- mailsplit ---------------------------------------------------------------

split_both sample "$G/sample.mbox"
is "$(ls "$T/sample-drv" | wc -l)" 18 "sample.mbox: 18 messages"
split_both rfc2047 "$G/rfc2047-samples.mbox"
is "$(ls "$T/rfc2047-drv" | wc -l)" 11 "rfc2047-samples.mbox: 11 messages"
split_both mboxrd "$G/sample.mboxrd" --mboxrd
is "$(ls "$T/mboxrd-drv" | wc -l)" 2 "sample.mboxrd: 2 messages"
split_both quoted-cr "$G/quoted-cr.mbox"
is "$(ls "$T/quoted-cr-drv" | wc -l)" 2 "quoted-cr.mbox: 2 messages"
split_both nul "$G/nul-plain"
check "nul-plain: split keeps the NUL bytes" \
	cmp "$T/nul-drv/0001" "$T/nul-git/0001"

# --- mailinfo on sample.mbox ------------------------------------------------

for f in "$T"/sample-drv/*; do
	n=$(basename "$f")
	o=$T/mi-$n
	mailinfo_both "$f" "$o"
	same_as_git "$o"
	ok "mailinfo $n: same info, msg and patch as git mailinfo -u"
	same_as_expected "$o" "$G/info$n" "$G/msg$n" "$G/patch$n"
	ok "mailinfo $n: same as upstream info$n, msg$n, patch$n"
	for opt in --scissors --no-inbody-headers --message-id; do
		[ -e "$G/info$n$opt" ] || continue
		mailinfo_both "$f" "$o$opt" "$opt"
		if [ "$opt" = --message-id ]; then
			# git before 2.40 spells it Message-Id (see README)
			sed -i 's/^Message-Id: /Message-ID: /' "$o$opt.git.msg"
		fi
		same_as_git "$o$opt"
		ok "mailinfo $opt $n: same as git mailinfo -u $opt"
		same_as_expected "$o$opt" "$G/info$n$opt" "$G/msg$n$opt" \
			"$G/patch$n$opt"
		ok "mailinfo $opt $n: same as upstream info$n$opt"
	done
done

# --- RFC 2047 samples ---------------------------------------------------------

for f in "$T"/rfc2047-drv/*; do
	n=$(basename "$f")
	o=$T/rfc-$n
	mailinfo_both "$f" "$o"
	same_as_git "$o"
	ok "rfc2047 $n: same as git mailinfo -u"
	same_as_expected "$o" "$G/rfc2047-info-$n" "$G/empty" "$G/empty"
	ok "rfc2047 $n: info as rfc2047-info-$n, empty msg and patch"
done

# --- single-file cases --------------------------------------------------------

for c in info-from embed-from quoted-string comment; do
	mailinfo_both "$G/$c.in" "$T/$c"
	same_as_git "$T/$c"
	ok "$c: same as git mailinfo -u"
	check "$c: info as $c.expect" cmp "$G/$c.expect" "$T/$c.drv.info"
done
mailinfo_both "$G/quoted-from.in" "$T/qf"
check "quoted-from: msg as quoted-from.expect" \
	cmp "$G/quoted-from.expect" "$T/qf.drv.msg"
mailinfo_both "$G/nul-b64.in" "$T/nb"
check "nul-b64: patch with NULs as nul-b64.expect" \
	cmp "$G/nul-b64.expect" "$T/nb.drv.patch"
mailinfo_both "$T/nul-drv/0001" "$T/np"
is "$(wc -l <"$T/np.drv.patch")" 4 "nul-plain: a patch of 4 lines"
same_as_git "$T/np"
ok "nul-plain: same as git mailinfo -u"
for n in 0001 0002; do
	mailinfo_both "$T/mboxrd-drv/$n" "$T/rd$n"
	check "mboxrd $n: msg as ${n}mboxrd" \
		cmp "$G/${n}mboxrd" "$T/rd$n.drv.msg"
done
for n in 0001 0002; do
	for opt in "" --quoted-cr=strip; do
		mailinfo_both "$T/quoted-cr-drv/$n" "$T/qcr$n$opt" $opt
		same_as_git "$T/qcr$n$opt"
		ok "quoted-cr $n ${opt:-(default)}: same as git mailinfo -u"
	done
done
sed 's/%%/\r/g' "$G/quoted-cr-msg" >"$T/qcr-msg.expect"
check "quoted-cr 0002: msg keeps the quoted CRs" \
	cmp "$T/qcr-msg.expect" "$T/qcr0002.drv.msg"
"$DRV" --show "$T/quoted-cr-drv/0002" | grep -q '^flags:.*quoted-cr'
ok "quoted-cr 0002: flagged quoted-cr"
for f in "$G/t4256/1/patch" "$G/t4258/mbox"; do
	mailinfo_both "$f" "$T/am"
	same_as_git "$T/am"
	ok "${f#$G/}: same as git mailinfo -u"
done
"$DRV" --show "$G/t4256/1/patch" | grep -q '^flags:.*format-flowed'
ok "t4256: flagged format=flowed"

# --- patchwork: every file parses or is refused, never a crash ---------------

for f in "$PW"/series/*.mbox "$PW"/mail/*.mbox "$PW"/fuzz/*.mbox; do
	"$DRV" --split "$f" >"$T/pw.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { sed 's/^/#   /' "$T/pw.out" | tail -5; false; }
	ok "patchwork ${f#$PW/}: parsed without a crash"
done

# message counts that the patchwork tests expect
while read -r file want; do
	got=$("$DRV" --split "$PW/series/$file" | head -n 1)
	is "$got" "$want" "patchwork $file: $want messages"
done <<EOF
base-single-patch.mbox 1
base-cover-letter.mbox 3
base-deep-threaded.mbox 3
base-out-of-order.mbox 3
base-no-cover-letter.mbox 2
base-different-versions.mbox 5
bugs-multiple-references.mbox 5
base-no-references.mbox 2
base-no-references-no-cover.mbox 3
bugs-multiple-content-types.mbox 2
revision-basic.mbox 6
revision-threaded-to-single-patch.mbox 2
revision-threaded-to-cover.mbox 6
revision-threaded-to-patch.mbox 6
revision-out-of-order.mbox 6
revision-no-cover-letter.mbox 5
revision-unlabeled.mbox 6
revision-unlabeled-noreferences.mbox 4
bugs-unnumbered.mbox 3
bugs-nocover-noversion.mbox 4
bugs-nocover.mbox 4
bugs-spamming.mbox 3
bugs-mixed-versions.mbox 2
base-incomplete.mbox 2
base-extra-patches.mbox 4
mercurial-cover-letter.mbox 3
mercurial-no-cover-letter.mbox 2
dependency-base-patch.mbox 3
EOF

# content expectations of test_parser.py
show() { "$DRV" --show "$PW/mail/$1"; }
is "$(show 0008-git-rename.mbox | grep -c '^rename from ')" 2 \
	"0008: two renames in the patch"
is "$(show 0011-no-newline-at-end-of-file.mbox | sed -n '/^--- body/,/^--- patch/p' | grep -c 'No newline at end of file')" 0 \
	"0011: no 'No newline' marker in the message"
show 0019-multipart-patch.mbox | grep -q '<div'
[ $? -ne 0 ]; ok "0019: no HTML in the message"
show 0010-invalid-charset.mbox | grep -q '^has-diff: 1'
ok "0010: invalid charset still gives a diff"
show 0010-invalid-charset.mbox | grep -q '^flags:.*bad-charset'
ok "0010: invalid charset flagged"
like "$(show 0014-with-unencoded-utf8-headers.mbox | grep '^from:')" \
	'Rafał Miłecki' "0014: raw UTF-8 From: read as UTF-8"
like "$(show 0015-with-invalid-utf8-headers.mbox | grep '^from:')" \
	'Rafał Miłecki' "0015: base64 encoded-word From: decoded"
show 0012-invalid-header-char.mbox | grep -q '^has-diff: 1'
ok "0012: a raw 0x9C in a header does not stop the parse"
show 0001-git-pull-request.mbox | grep -q '^has-diff: 0'
ok "0001: a pull request has no diff"
like "$(show 0008-git-rename.mbox | grep '^flags:')" 'no-message-id' \
	"0008: missing Message-Id flagged"

# t5100's inline cases: odd From: lines and the subject options, against git
i=0
while IFS= read -r from; do
	i=$((i + 1))
	printf '%s\nSubject: [PATCH] [other] [PATCH] message\n%s\n\n%s\n' \
		"$from" 'Date: Mon, 1 Jan 2024 00:00:00 +0000' \
		'body
---
diff --git a/a b/a' >"$T/from$i"
	mailinfo_both "$T/from$i" "$T/from$i"
	same_as_git "$T/from$i"
	ok "'$from': same as git mailinfo -u"
done <<'EOF'
From:Real Name <real@example.com>
From: "Unterminated <quote@example.com>
From: Unterminated (comment <c@example.com>
From: A (B) <a@b.c> (C (nested) D)
From: "Last, First" <lf@example.com>
From: <only@example.com>
From: bare@example.com
From: =?UTF-8?q?J=C3=B6rg?= <j@example.com>
EOF
for opt in -k -b; do
	mailinfo_both "$T/from1" "$T/subj$opt" $opt
	same_as_git "$T/subj$opt"
	ok "subject '[PATCH] [other] [PATCH] message' with $opt: same as git"
done
like "$(cat "$T/subj-b.drv.info")" "Subject: \\[other\\] message" \
	"-b keeps the non-PATCH bracket"

# patchwork's InlinePatchTest / AttachmentPatchTest / UTF8*PatchTest: a bare
# diff sent inline, as a text/x-patch attachment, or base64 encoded, must
# come out as the patch byte for byte
hdr='From: A U Thor <author@example.com>
Subject: [PATCH] meep
Message-Id: <wrap@example.com>
Date: Mon, 1 Jan 2024 00:00:00 +0000
MIME-Version: 1.0'
for p in 0001-add-line 0002-utf-8; do
	diff=$PW/patches/$p.patch
	{ printf '%s\nContent-Type: text/plain; charset=utf-8\n\nComment.\n\n' "$hdr"
	  cat "$diff"; } >"$T/inline"
	{ printf '%s\nContent-Type: multipart/mixed; boundary="b"\n\n' "$hdr"
	  printf -- '--b\nContent-Type: text/plain; charset=utf-8\n\nComment.\n'
	  printf -- '--b\nContent-Type: text/x-patch; charset=utf-8\n'
	  printf 'Content-Disposition: attachment; filename="%s.patch"\n\n' $p
	  cat "$diff"; printf -- '--b--\n'; } >"$T/attach"
	{ printf '%s\nContent-Type: multipart/mixed; boundary="b"\n\n' "$hdr"
	  printf -- '--b\nContent-Type: text/plain; charset=utf-8\n\nComment.\n'
	  printf -- '--b\nContent-Type: text/plain; charset=utf-8\n'
	  printf 'Content-Transfer-Encoding: base64\n\n'
	  base64 "$diff"; printf -- '--b--\n'; } >"$T/b64"
	for kind in inline attach b64; do
		mailinfo_both "$T/$kind" "$T/w"
		head -c "$(wc -c <"$diff")" "$T/w.drv.patch" | cmp -s - "$diff"
		ok "$p sent $kind: the patch is the diff byte for byte"
		is "$(cat "$T/w.drv.msg")" "Comment." "$p sent $kind: the message"
	done
done

done_testing
