#!/bin/sh
# What comes from mail stays text on the dashboard: a series whose
# subjects, author name and trailers hold markup (<img onerror>, <script>,
# an <a href=javascript:>) shows them as the same characters, makes no
# element of them, runs none of them (no dialog opens), and the whole
# page holds no element that was not the dashboard's own.  Searching the
# queue page for a Message-ID ("where is my series?") finds the series.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
. "$top_srcdir/tests/lib-browser.sh"
test_init

make_repo "$T/src"
commit_on x86 'KVM: x86: First'
(cd "$T/src" && git push -q origin x86)
start_dashboard_daemon '[topic "x86"]' '	order = 1'
ok "cthulhud serves the dashboard"
[ -n "$url" ] || done_testing

XSS_COVER='KVM: x86: Fix <img src=x onerror=alert(1)> parsing'
XSS_1='KVM: x86: Drop <script>alert(2)</script> from the path'
XSS_2='KVM: x86: Use <a href="javascript:alert(3)">this</a> & "that"'
XSS_NAME='Eve <b onmouseover=alert(4)>Evil</b>'

# mail MSGID SUBJECT [IN-REPLY-TO] BODY: one message of the thread.
mail()
{
	printf 'From %s Mon Sep 17 00:00:00 2001\n' "$1"
	printf 'From: "%s" <eve@example.com>\n' "$XSS_NAME"
	printf 'To: kvm@vger.kernel.org\n'
	printf 'Subject: %s\n' "$2"
	printf 'Message-Id: <%s>\n' "$1"
	[ -n "$3" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$3" "$3"
	printf 'Date: Tue, 24 Nov 2026 10:00:00 +0000\n\n%s\n\n' "$4"
}
patch_body()
{
	printf 'A change.\n\nSigned-off-by: Eve <eve@example.com>\n---\n'
	printf ' f%s | 1 +\n 1 file changed, 1 insertion(+)\n\n' "$1"
	printf 'diff --git a/f%s b/f%s\nnew file mode 100644\n' "$1" "$1"
	printf 'index 0000000..257cc56\n--- /dev/null\n+++ b/f%s\n' "$1"
	printf '@@ -0,0 +1 @@\n+foo\n'
}
{
	mail xss-0@example.com "[PATCH 0/2] $XSS_COVER" '' 'The cover.'
	mail xss-1@example.com "[PATCH 1/2] $XSS_1" xss-0@example.com \
		"$(patch_body 1)"
	mail xss-2@example.com "[PATCH 2/2] $XSS_2" xss-0@example.com \
		"$(patch_body 2)"
	mail xss-r@example.com "Re: [PATCH 1/2] $XSS_1" xss-1@example.com \
		'Reviewed-by: Mallory <img src=y onerror=alert(5)> <m@example.com>'
} >"$T/xss.mbox"
curl -sS --unix-socket "$CTHULHU_SOCKET" --data-binary @"$T/xss.mbox" \
	-o "$T/submit.json" "http://localhost/api/v1/submit"
id=$(jq -r '.series[0].id' "$T/submit.json")
like "$id" '^[0-9]+$' "the series is submitted"
api_subject=$(curl -s "$url/api/v1/series/$id" | jq -r .subject)
like "$api_subject" 'onerror=alert' "the API keeps the markup as it came"

browser_start
ok "headless Chromium starts"
[ -n "$BROWSER_PID" ] || done_testing

# The page's own elements, before any data: what may legitimately exist.
own="'IMG SCRIPT IFRAME OBJECT EMBED SVG B'.split(' ').map(t => document.getElementsByTagName(t).length - (t === 'SCRIPT' ? 1 : 0)).join(',')"

bcheck "the series page loads" goto "$url/#/series/$id"
bcheck "it shows the series" wait 20000 "document.querySelector('#series h2') && document.querySelectorAll('.patch').length === 2"
browser eval "document.querySelector('#series h2').textContent"
is "$reply" "$(jq -n --arg s "$api_subject" '$s')" \
	"the cover's subject shows as the API's text, character for character"
browser eval "Array.from(document.querySelectorAll('.patch h3')).map(e => e.textContent).join('|')"
is "$reply" "$(jq -n --arg s "[1/2] $XSS_1|[2/2] $XSS_2" '$s')" \
	"the patch subjects show as text"
api_author=$(curl -s "$url/api/v1/series/$id" | jq -r .author_name)
browser eval "document.querySelector('#series .byline').textContent.startsWith($(jq -n --arg s "$api_author" '$s'))"
is "$reply" true "the author's name shows as the API gives it"
browser eval "document.querySelector('#history').textContent"
like "$reply" "reply .*Re: \[PATCH 1/2\] KVM: x86: Drop <script>alert\(2\)</script>" \
	"the history shows the reply's subject as text"
browser eval "document.querySelector('.patch .trailers') && document.querySelector('.patch .trailers').textContent"
like "$reply" 'Reviewed-by: Mallory <img src=y onerror=alert\(5\)>' \
	"the collected trailer shows as text"
browser eval "$own"
is "$reply" '"0,0,0,0,0,0,0"' "no img, script, iframe, object, embed, svg or b element came from mail"
browser eval "Array.from(document.querySelectorAll('a')).filter(a => /^\s*javascript:/i.test(a.getAttribute('href'))).length"
is "$reply" 0 "no javascript: link"
shot series-markup

# Where is my series?  The queue page, searched by the Message-ID of
# patch 2 (with the brackets people paste).
bcheck "the queue page loads" goto "$url/#/queue"
browser wait 20000 "document.querySelector('#queue-body *')"
browser eval "(() => { const i = document.getElementById('queue-search'); i.value = '<xss-2@example.com>'; i.dispatchEvent(new Event('input')); return true; })()"
bcheck "searching by Message-ID answers" wait 10000 \
	"document.getElementById('search-answer') && document.querySelector('#search-answer a.series-link')"
browser eval "document.querySelector('#search-answer a.series-link').getAttribute('href')"
is "$reply" "\"#/series/$id\"" "with a link to the series"
browser eval "document.querySelector('#search-answer a.series-link').textContent"
is "$reply" "$(jq -n --arg s "$api_subject" '$s')" "named by its subject, as text"
queue=$(curl -s -o "$T/queue.json" -w '%{http_code}' "$url/api/v1/queue")
if [ "$queue" = 200 ]; then
	queued()
	{
		curl -s "$url/api/v1/queue" >"$T/queue.json" &&
		jq -e --argjson id "$id" '.queue[] | select(.id == $id)' \
			"$T/queue.json"
	}
	wait_for 20 queued
	pos=$(jq -r --argjson id "$id" \
		'.queue[] | select(.id == $id) | .position' "$T/queue.json")
	bcheck "the answer gives the position the queue API gives ($pos)" \
		wait 10000 "document.getElementById('search-answer') && document.getElementById('search-answer').textContent.includes('position $pos of')"
else
	browser eval "document.getElementById('search-answer').textContent"
	like "$reply" ': new|: queued|: [a-z]' "the answer gives the series' state (no queue API yet)"
fi
shot queue-search
browser eval "(() => { const i = document.getElementById('queue-search'); i.value = '<nobody@example.com>'; i.dispatchEvent(new Event('input')); return true; })()"
bcheck "an unknown Message-ID is answered as such" wait 10000 \
	"/No (series|queued series)/.test(document.getElementById('queue-answer').textContent)"

browser eval "$own"
is "$reply" '"0,0,0,0,0,0,0"' "still no element from mail"
browser dialogs
is "$reply" "[]" "no markup ran as script: no dialog opened"
browser_stop
done_testing
