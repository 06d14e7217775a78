# preimage.awk: rebuild, from a patch, the files it applies to, so that
# real patch mail can be applied to a repository made for it.  For each
# file the patch modifies, deletes or renames, the hunks' context and
# removed lines are placed at the lines their headers name, with unique
# filler lines between; the files are written under the folder given as
# -v out=DIR.  A file met a second time (a later patch of a series) keeps
# its first preimage.  Binary patches are left alone (their files are not
# made, so those patches fail on both sides alike).
#
#   awk -v out=DIR -f preimage.awk PATCH...

function flush_file(   i) {
	if (path == "" || skip || (path in done)) {
		path = ""
		return
	}
	done[path] = 1
	system("mkdir -p \"$(dirname '" out "/" path "')\"")
	printf "" > (out "/" path)
	for (i = 1; i <= n; i++) {
		if (i == n && nonl)
			printf "%s", line[i] > (out "/" path)
		else
			printf "%s\n", line[i] > (out "/" path)
	}
	close(out "/" path)
	path = ""
}

/^diff --git / {
	flush_file()
	# "diff --git a/X b/Y": the old path is X
	p = $3
	sub(/^a\//, "", p)
	path = p
	skip = 0
	n = 0
	nonl = 0
	inhunk = 0
	next
}
path == "" { next }
/^new file mode/ && !inhunk { skip = 1; next }
/^GIT binary patch/ { skip = 1; next }
/^Binary files/ { skip = 1; next }
/^rename from / && !inhunk { p = $0; sub(/^rename from /, "", p); path = p; next }
/^copy from / && !inhunk { p = $0; sub(/^copy from /, "", p); path = p; next }
/^--- / && !inhunk { next }
/^@@ -/ {
	inhunk = 1
	h = $2
	sub(/^-/, "", h)
	split(h, hs, ",")
	start = hs[1] + 0
	ol = (2 in hs) ? hs[2] + 0 : 1
	h = $3
	sub(/^\+/, "", h)
	split(h, hs, ",")
	nl = (2 in hs) ? hs[2] + 0 : 1
	if (start == 0)
		start = 1
	while (n < start - 1) {
		n++
		line[n] = "filler " n " of " path
	}
	next
}
inhunk && /^\\/ { if (last == "pre") nonl = 1; next }
inhunk && (ol > 0 || nl > 0) && /^[ -]/ {
	n++
	line[n] = substr($0, 2)
	nonl = 0
	last = "pre"
	ol--
	if ($0 ~ /^ /)
		nl--
	next
}
inhunk && nl > 0 && /^\+/ { last = "post"; nl--; next }
inhunk && ol == 0 && nl == 0 { next }
inhunk { inhunk = 0 }
END { flush_file() }
