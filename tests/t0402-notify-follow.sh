#!/bin/sh
# Notifications: a row first and a mail second, so a notification whose
# mail could not be written when the daemon died is sent at the next
# start-up, and never twice; [notify] sendmail gets each mail once.
# SHA1 changes: after a `git rebase` of a topic (one patch amended), the
# applied patches are found again (by patch-id, then subject and author)
# and their author gets a follow-up threaded under the first mail; when
# every topic is rebased at once, no mail, one line in the log.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-topics.sh"
test_init

# sql_is QUERY VALUE: for wait_for, which runs its command again each time
sql_is()
{
	[ "$(sql "$1")" = "$2" ]
}

sent_count()
{
	grep -c '^X-Cthulhu:' "$T/sent.mbox" 2>/dev/null || echo 0
}

sent_is()
{
	[ "$(sent_count)" -eq "$1" ]
}

now=$(date +%s)
git init -q --bare "$T/src.git"
git init -q -b master "$T/dev"
(
	cd "$T/dev"
	seq 1 40 >a.txt
	git add . && git commit -q -m 'Initial' && git tag base
	git push -q "$T/src.git" master base master:pmu master:mmu
	git checkout -q -b work
	for n in 5 20 35; do
		sed -i "s/^$n\$/n$n/" a.txt
		GIT_AUTHOR_NAME='Pat Author' GIT_AUTHOR_EMAIL=pat@example.org \
		GIT_AUTHOR_DATE="$((now - 100 + n)) +0000" \
			git commit -q -am "pmu: Name $n"
	done
	GIT_COMMITTER_NAME='Pat Author' GIT_COMMITTER_EMAIL=pat@example.org \
	git format-patch -q --cover-letter --thread=shallow -o "$T/s1" base..work
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/pmu: Name numbers/' "$T/s1/0000-cover-letter.patch"
	cat "$T"/s1/*.patch >"$T/s1.mbox"
	git checkout -q -b work2 base
	for i in 1 2; do
		echo "c $i" >"c$i.txt" && git add "c$i.txt"
		GIT_AUTHOR_NAME='Mo Mmu' GIT_AUTHOR_EMAIL=mo@example.org \
		GIT_AUTHOR_DATE="$((now - 10 + i)) +0000" git commit -q -m "mmu: Add c$i"
	done
	GIT_COMMITTER_NAME='Mo Mmu' GIT_COMMITTER_EMAIL=mo@example.org \
	git format-patch -q --cover-letter --thread=shallow -o "$T/s2" base..work2
	sed -i 's/\*\*\* SUBJECT HERE \*\*\*/mmu: Add files/' "$T/s2/0000-cover-letter.patch"
	cat "$T"/s2/*.patch >"$T/s2.mbox"
)

# [notify] sendmail runs as an argv, no shell: a script appends the mail.
printf '#!/bin/sh\ncat >>"$1"\n' >"$T/sendmail"
chmod +x "$T/sendmail"
write_config "$T/cthulhu.conf" "$T/src.git" \
	'[topic "pmu"]' '	order = 1' '[topic "mmu"]' '	order = 2' \
	'[apply]' '	link = ' '[notify]' "	sendmail = $T/sendmail $T/sent.mbox"

# --- a crash between the row and the mail -------------------------------------

# The outbox cannot be made (a file is in its way): the row is written,
# the mail is not.
mkdir -p "$T/state" && chmod 700 "$T/state" && echo block >"$T/state/outbox"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts" || done_testing
run submit "$T/s1.mbox"
s1=$(sql "SELECT id FROM series WHERE name = 'pmu: Name numbers'")
run apply "$s1" pmu
is "$rc" 0 "the series applies although the outbox is broken"
is "$(sql "SELECT state FROM notifications")" pending "the notification is a pending row"
is "$(sent_count)" 0 "no mail went out"

kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
rm "$T/state/outbox"
start_daemon "$T/cthulhu.conf"
ok "cthulhud starts again after kill -9"
wait_for 20 sql_is "SELECT state FROM notifications" sent
ok "the pending notification is sent at start-up"
is "$(ls "$T/state/outbox/new" | wc -l)" 1 "one file in the outbox"
is "$(sent_count)" 1 "sendmail got it once"
like "$(cat "$T/sent.mbox")" 'Subject: Re: \[PATCH 0/3\] pmu: Name numbers' "the mail is the notification"

stop_daemon
start_daemon "$T/cthulhu.conf"
run status
sleep 2
is "$(sent_count)" 1 "a second restart sends nothing again"
is "$(ls "$T/state/outbox/new" | wc -l)" 1 "and writes nothing again"

# --- a rebase of one topic ------------------------------------------------------

old=$(git --git-dir="$T/src.git" rev-list --reverse base..pmu | tr '\n' ' ')
git clone -q "$T/src.git" "$T/re"
(
	cd "$T/re"
	git checkout -q master
	echo more >other.txt && git add other.txt && git commit -q -m 'Base moves'
	git checkout -q -b pmu origin/pmu
	GIT_COMMITTER_DATE="$((now + 60)) +0000" git rebase -q master
	# amend the last patch: same subject and author, another patch-id
	sed -i 's/^n35$/N35/' a.txt
	git commit -q -a --amend --no-edit
	git push -q -f origin pmu master
)
new=$(git --git-dir="$T/src.git" rev-list --reverse master..pmu | tr '\n' ' ')
run poke
wait_for 20 sql_is "SELECT count(*) FROM notifications WHERE kind = 'sha1-changed'" 1
ok "a SHA1-changed notification after the rebase"
i=0
for o in $old; do
	i=$((i + 1))
	n=$(echo $new | cut -d' ' -f$i)
	is "$(sql "SELECT commit_sha FROM applied WHERE number = $i")" "$n" \
		"patch $i follows its commit"
	like "$(sql "SELECT raw FROM notifications WHERE kind = 'sha1-changed'")" \
		"$(printf %.12s "$o") -> $(printf %.12s "$n")" "the mail lists patch $i's old and new SHA1"
done
first=$(sql "SELECT msgid FROM notifications WHERE kind = 'applied'")
like "$(sql "SELECT raw FROM notifications WHERE kind = 'sha1-changed'")" \
	"In-Reply-To: <$first>" "threaded under the applied notification"
wait_for 10 sent_is 2
ok "and sent"

# --- every topic rebased at once -----------------------------------------------

run submit "$T/s2.mbox"
s2=$(sql "SELECT id FROM series WHERE name = 'mmu: Add files'")
run apply "$s2" mmu
is "$rc" 0 "the second series applies to mmu"
wait_for 10 sent_is 3
notes=$(sql "SELECT count(*) FROM notifications")
(
	cd "$T/re"
	git fetch -q origin
	git checkout -q master
	echo again >>other.txt && git commit -q -am 'Base moves again'
	git checkout -q pmu && git reset -q --hard origin/pmu &&
		GIT_COMMITTER_DATE="$((now + 120)) +0000" git rebase -q master
	git checkout -q -b mmu origin/mmu &&
		GIT_COMMITTER_DATE="$((now + 120)) +0000" git rebase -q master
	git push -q -f origin pmu mmu master
)
run poke
mmu_new=$(git --git-dir="$T/src.git" rev-parse mmu)
wait_for 20 sql_is "SELECT commit_sha FROM applied WHERE topic = 'mmu' AND number = 2" "$mmu_new"
ok "the rows follow the rebased commits"
is "$(sql "SELECT commit_sha FROM applied WHERE topic = 'pmu' AND number = 3")" \
	"$(git --git-dir="$T/src.git" rev-parse pmu)" "on both topics"
is "$(sql "SELECT count(*) FROM notifications")" "$notes" "no notification for a rebase of every topic"
like "$(cat "$T/daemon.log")" "every topic was rebased at once: 5 applied commit" "one summary in the log"

stop_daemon
ok "cthulhud stops"
done_testing
