#!/bin/sh
# The daemon's modules stand in layers, and SQL stays in the store: no module's .c includes the
# header of a module that, through the headers its own files include,
# comes back to it.  A circle (gate.c including next.h while next.c
# includes gate.h) means neither can be read or tested without the
# other.  A module is a .c and its .h of the same name; jobs.h names the
# job types and has no .c, so every module may include it while the job
# table (job-table.c) includes them all.
. "$top_srcdir/tests/lib.sh"
test_init

cd "$top_srcdir" || exit 1

# edges: "from to" for each #include "daemon/X.h" in daemon/**/*.c and
# daemon/**/*.h, a module being the path without .c or .h
edges()
{
	find daemon -name '*.[ch]' ! -name schema-data.c ! -name web-data.c |
		sort | while read -r f; do
		m=${f%.[ch]}
		sed -n 's|^#include "\(daemon/.*\)\.h".*|\1|p' "$f" |
			while read -r d; do
				[ "$d" = "$m" ] || echo "$m $d"
			done
	done | sort -u
}

# circles: every module that reaches itself, with one path that does
circles()
{
	edges | awk '
	{ adj[$1] = adj[$1] " " $2; mods[$1] = 1; mods[$2] = 1 }
	END {
		for (s in mods) {
			# breadth-first from s, remembering how each was reached
			delete seen; delete from
			n = 0; q[n++] = s; head = 0; found = 0
			while (head < n && !found) {
				u = q[head++]
				k = split(adj[u], out, " ")
				for (i = 1; i <= k; i++) {
					v = out[i]
					if (v == s) { found = 1; last = u; break }
					if (!(v in seen)) {
						seen[v] = 1; from[v] = u; q[n++] = v
					}
				}
			}
			if (found) {
				path = s
				for (u = last; u != s; u = from[u])
					path = u " -> " path
				print s " -> " path
			}
		}
	}' | sort
}

edges >"$T/edges"
[ "$(wc -l <"$T/edges")" -gt 100 ]
ok "the include graph has $(wc -l <"$T/edges") edges"
circles >"$T/circles"
check "no module includes its way back to itself" \
	test ! -s "$T/circles"
sed 's/^/# /' "$T/circles" | head -20

# The three that once formed a circle, by name.
check "gate.c does not include next.h" \
	test -z "$(grep '^daemon/gate daemon/next$' "$T/edges")"
check "topic.c does not include next.h" \
	test -z "$(grep '^daemon/topic daemon/next$' "$T/edges")"
check "next.c includes gate.h (next stands above the gate)" \
	grep -q '^daemon/next daemon/gate$' "$T/edges"

# SQL has one owner, the store layer (daemon/store/, on db.c): no other
# file of the daemon holds a statement.
sql='"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE FROM|REPLACE INTO|CREATE (TABLE|INDEX)|WITH|PRAGMA)[[:space:]]'
grep -rlE "$sql" daemon --include='*.c' | grep -v '^daemon/store/' |
	grep -v '^daemon/db.c$' | sort >"$T/sql-files"
check "no file outside daemon/store/ and db.c holds SQL" \
	test ! -s "$T/sql-files"
sed 's/^/# holds SQL: /' "$T/sql-files"
check "the store holds SQL (the check above sees it)" \
	grep -qE "$sql" daemon/store/series.c
done_testing
