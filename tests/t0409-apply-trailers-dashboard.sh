#!/bin/sh
# The series page in headless Chromium says how many trailers came after
# the apply ("1 new trailer since applied") and lists each under its
# patch, as GET /api/v1/series/ID has them; once cthulhu apply
# --update-trailers put them into the commit, the page says nothing new.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src" x86
start_dashboard_daemon '[topic "x86"]' '	order = 1'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing

cat >"$T/patch.mbox" <<'EOF2'
From: Ann Author <ann@example.com>
Subject: [PATCH] KVM: x86: Add a file
Message-Id: <p1@example.com>
Date: Fri, 20 Nov 2026 10:00:00 +0000

Add a file.

Signed-off-by: Ann Author <ann@example.com>
---
diff --git a/f1 b/f1
new file mode 100644
index 0000000..257cc56
--- /dev/null
+++ b/f1
@@ -0,0 +1 @@
+foo
EOF2
cat >"$T/late.mbox" <<'EOF2'
From: Late Reviewer <late@example.org>
Subject: Re: [PATCH] KVM: x86: Add a file
Message-Id: <late1@example.org>
In-Reply-To: <p1@example.com>
References: <p1@example.com>
Date: Sat, 21 Nov 2026 10:00:00 +0000

Reviewed-by: Late Reviewer <late@example.org>
EOF2
sid=$(cth submit --json "$T/patch.mbox" | jq -r '.series[0].id')
run apply "$sid" x86
is "$rc" 0 "the patch is applied"
run submit "$T/late.mbox"
is "$(curl -s "$url/api/v1/series/$sid" | jq -r .nr_new_trailers)" 1 \
	"the API counts the late trailer"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing
bcheck "the series page loads" goto "$url/#/series/$sid"
bcheck "it says a trailer came after the apply" wait 20000 \
	"(document.querySelector('.new-trailers') || {}).textContent === '1 new trailer since applied (cthulhu apply --update-trailers TOPIC).'"
browser eval "document.querySelector('.patch .trailers.new li').textContent"
is "$reply" '"Reviewed-by: Late Reviewer <late@example.org> (new since applied)"' \
	"and names it under the patch"
shot series-new-trailers

run apply --update-trailers x86
is "$rc" 0 "--update-trailers puts it into the commit"
like "$(git --git-dir="$T/src.git" log -1 --format=%B x86)" 'Reviewed-by: Late Reviewer' \
	"the commit has it"
bcheck "the page reloaded says nothing new" goto "$url/?again=1#/series/$sid"
bcheck "no new trailers once they are in" wait 20000 \
	"document.querySelector('.patch') !== null && document.querySelector('.new-trailers') === null"
done_testing
