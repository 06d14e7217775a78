#!/bin/sh
# Conflict mail, as linux-next sends it: x86/b's merge into next
# conflicts with x86/a in f.c; x86/b's owner gets one mail, x86/a's
# owner and the maintainer on Cc (as linux-next mails both trees), and
# no owner of a topic not in the conflict, naming the file, both topics
# and the commit on each side that touches it.  Rebuilds (also of other topics' moves) and a
# restart send nothing more; once x86/b no longer conflicts, a short note
# answers the mail, once.  A new conflict is mailed anew, and one that
# changes (other files) is answered as gone and mailed again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-next.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

# flat TEXT: TEXT on one line, its newlines as "~", for like to match
# across lines
flat() { printf '%s' "$1" | tr '\n' '~'; }

make_repo "$T/src"
(cd "$T/src" &&
 printf 'one\ntwo\nthree\n' >f.c && printf 'other\n' >g.c &&
 git add f.c g.c && git commit -q -m 'Add f.c and g.c' && git tag -f base &&
 git push -q -f origin master base &&
 git checkout -q -b x86/a base && sed -i 's/two/two from a/' f.c &&
 git commit -q -am 'x86/a: Change two' &&
 echo more >g.c && git commit -q -am 'x86/a: Change g.c' &&
 git checkout -q -b x86/b base && sed -i 's/two/two from b/' f.c &&
 git commit -q -am 'x86/b: Change two differently' &&
 git checkout -q -b x86/c base && echo c >c.c && git add c.c &&
 git commit -q -m 'x86/c: Add c.c' &&
 git checkout -q master && git push -q origin x86/a x86/b x86/c)
a_commit=$(git -C "$T/src" log -1 --format=%H x86/a -- f.c)
b_commit=$(rev x86/b)

write_config "$T/cthulhu.conf" "$T/src.git" \
	'[next]' '	debounce = 100' \
	'[topic "x86/a"]' '	order = 1' '	owner = Alice Owner <alice@example.com>' \
	'[topic "x86/b"]' '	order = 2' '	owner = Bob Owner <bob@example.com>' \
	'[topic "x86/c"]' '	order = 3' '	owner = Carol Owner <carol@example.com>'
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts with topic owners"

# conflicts KIND: how many notifications of KIND there are
mails() { sql "SELECT count(*) FROM notifications WHERE kind = '$1'"; }
b_conflicts()
{
	[ "$(sql "SELECT outcome FROM build_topics WHERE topic = 'x86/b' ORDER BY build DESC LIMIT 1")" = conflict ] &&
	[ "$(mails conflict)" -ge 1 ]
}
check "x86/b conflicts, and a mail goes out" wait_for 60 b_conflicts
is "$(mails conflict)" 1 "one conflict mail"
is "$(sql "SELECT to_addr FROM notifications WHERE kind = 'conflict'")" \
	bob@example.com "to x86/b's owner"
is "$(sql "SELECT topic FROM notifications WHERE kind = 'conflict'")" x86/b \
	"about x86/b"
is "$(sql "SELECT subject FROM notifications WHERE kind = 'conflict'")" \
	"test next: manual merge of the x86/b topic with the x86/a topic" \
	"its subject names both topics"
sent() { [ "$(sql "SELECT state FROM notifications WHERE id = $1")" = sent ]; }
id=$(sql "SELECT id FROM notifications WHERE kind = 'conflict'")
check "it is delivered to the outbox" wait_for 20 sent "$id"
mail=$(tr -d '\r' <"$T/state/outbox/new/$(sql "SELECT file FROM notifications WHERE id = $id")")
like "$mail" "To: Bob Owner <bob@example.com>" "To: the owner"
like "$mail" "Cc: Cthulhu Test <cthulhu@example.com>" "Cc: the maintainer"
# cc MAIL: the addresses of the Cc header of MAIL (folded or not), one a
# line
cc()
{
	printf '%s\n' "$1" | sed -n '/^Cc:/,/^[^ \t]/p' | sed '$d' |
		grep -o '<[^>]*>' | tr -d '<>' | sort
}
is "$(cc "$mail")" "alice@example.com
cthulhu@example.com" "Cc: x86/a's owner too, and no one else"
! printf '%s' "$mail" | grep -q carol
ok "not x86/c's owner, whose topic is not in the conflict"
like "$(flat "$mail")" "Today's test next merge of the x86/b topic got a conflict in:~~  f\.c~~between commit:~" \
	"it names the file, as linux-next does"
a12=$(echo "$a_commit" | cut -c1-12)
b12=$(echo "$b_commit" | cut -c1-12)
like "$(flat "$mail")" "~~  $a12 \(\"x86/a: Change two\"\)~~from the x86/a topic and commit:~~  $b12 \(\"x86/b: Change two differently\"\)~~from the x86/b topic\.~" \
	"and the commit on each side that touches it"
! printf '%s' "$mail" | grep -q 'Change g.c'
ok "not x86/a's commit that does not touch f.c"
is "$(git -C "$T/src" log --format=%H base..x86/a -- f.c)" "$a_commit" \
	"(git agrees: one commit of x86/a touches f.c)"
is "$(sql "SELECT state || ' ' || topic || ' ' || files || others FROM conflict_mails")" \
	"open x86/b f.c
x86/a" "the conflict is recorded open"

# rebuilds, a move of another topic and a restart: nothing more
cth rebuild --wait >/dev/null
ok "a rebuild"
cth rebuild --full --wait >/dev/null
ok "a full rebuild"
builds=$(sql "SELECT count(*) FROM builds")
(cd "$T/src" && git checkout -q x86/c && echo more >>c.c &&
 git commit -q -am 'x86/c: More' && git checkout -q master &&
 git push -q origin x86/c)
c_built() { [ "$(sql "SELECT count(*) FROM builds WHERE state = 'done'")" -gt "$builds" ] &&
	git --git-dir="$T/src.git" merge-base --is-ancestor "$(rev x86/c)" next; }
check "x86/c's move is built" wait_for 60 c_built
stop_daemon
ok "cthulhud stops"
start_daemon "$T/cthulhu.conf"
ok "and starts again"
cth rebuild --full --wait >/dev/null
ok "a full rebuild after the restart"
is "$(sql "SELECT count(*) FROM build_topics WHERE topic = 'x86/b' AND outcome = 'conflict'")" \
	"$(sql "SELECT count(*) FROM builds WHERE state = 'done'")" \
	"every build had the conflict"
is "$(mails conflict)" 1 "still one conflict mail"
is "$(mails conflict-resolved)" 0 "and no note"

# x86/b takes x86/a's line: the conflict is gone
(cd "$T/src" && git checkout -q x86/b && sed -i 's/two from b/two from a/' f.c &&
 git commit -q -am 'x86/b: Take x86/a line' && git checkout -q master &&
 git push -q origin x86/b)
# b_merged: the latest build merged x86/b, is done, and its conflict
# mails are written (after the build's topics, before it is done)
b_merged()
{
	[ "$(sql "SELECT outcome FROM build_topics WHERE topic = 'x86/b' ORDER BY build DESC LIMIT 1")" = merged ] &&
	[ "$(sql "SELECT state FROM builds ORDER BY id DESC LIMIT 1")" = done ]
}
check "x86/b merges again" wait_for 60 b_merged
check "(git agrees: next has it)" git --git-dir="$T/src.git" merge-base --is-ancestor "$(rev x86/b)" next
is "$(mails conflict-resolved)" 1 "one note that it is resolved"
note=$(sql "SELECT id FROM notifications WHERE kind = 'conflict-resolved'")
is "$(sql "SELECT in_reply_to FROM notifications WHERE id = $note")" \
	"$(sql "SELECT msgid FROM notifications WHERE id = $id")" \
	"answering the conflict mail"
is "$(sql "SELECT to_addr FROM notifications WHERE id = $note")" bob@example.com \
	"to x86/b's owner"
check "the note is delivered" wait_for 20 sent "$note"
mail=$(tr -d '\r' <"$T/state/outbox/new/$(sql "SELECT file FROM notifications WHERE id = $note")")
like "$mail" "Subject: Re: test next: manual merge of the x86/b topic with the x86/a topic" \
	"Re: the conflict mail"
like "$mail" "To: Bob Owner <bob@example.com>" "To: x86/b's owner"
is "$(cc "$mail")" "alice@example.com
cthulhu@example.com" "Cc: x86/a's owner and the maintainer, as the mail it answers"
like "$(flat "$mail")" "The conflict of the x86/b topic with the x86/a topic in:~~  f\.c~~is gone in build [0-9]+ of next: the x86/b topic merges cleanly\." \
	"saying it is gone"
is "$(sql "SELECT state FROM conflict_mails")" resolved "the conflict is resolved"
cth rebuild --full --wait >/dev/null
ok "another rebuild"
is "$(mails conflict) $(mails conflict-resolved)" "1 1" "sends nothing more"

# a new conflict (g.c) is mailed; when it changes (f.c too) the old one
# is answered as gone and the new one mailed
(cd "$T/src" && git checkout -q x86/b && echo b >g.c &&
 git commit -q -am 'x86/b: Change g.c' && git checkout -q master &&
 git push -q origin x86/b)
two() { [ "$(mails conflict)" = 2 ]; }
check "a new conflict of x86/b is mailed" wait_for 60 two
is "$(sql "SELECT files FROM conflict_mails WHERE state = 'open'")" g.c \
	"on g.c"
(cd "$T/src" && git checkout -q x86/b && sed -i 's/two from a/two from b/' f.c &&
 git commit -q -am 'x86/b: Change two again' && git checkout -q master &&
 git push -q origin x86/b)
three() { [ "$(mails conflict)" = 3 ]; }
check "a conflict that changes is mailed again" wait_for 60 three
is "$(mails conflict-resolved)" 2 "and the old one answered"
like "$(sql "SELECT raw FROM notifications WHERE kind = 'conflict-resolved' ORDER BY id DESC LIMIT 1")" \
	"conflicts differently now" "saying it changed"
is "$(sql "SELECT files FROM conflict_mails WHERE state = 'open'")" "f.c
g.c" "the open conflict is on both files"
done_testing
