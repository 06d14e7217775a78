#!/bin/sh
# An unknown key is a warning that names the file, line and key; the
# daemon starts anyway and works.  Known keys produce no such warning.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/lib-foundation.sh"
test_init

make_repo "$T/work"
REPO=$T/work.git
(cd "$T/work" && git branch x86/pmu && git push -q origin x86/pmu)

write_config "$T/cthulhu.conf" "$REPO" "$(topic_conf x86/pmu 1)" \
	'[tree]' '	colour = green' '[frobnicate]' '	level = 11'
line=$(grep -n 'colour = green' "$T/cthulhu.conf" | cut -d: -f1)
start_daemon "$T/cthulhu.conf"
ok "the daemon starts despite unknown keys" || done_testing

log=$(cat "$T/daemon.log")
like "$log" "warn.*cthulhu.conf:$line.*tree\.colour" \
	"the warning names file, line $line and key tree.colour"
like "$log" "warn.*frobnicate\.level" "every unknown key is warned about"
is "$(grep -c 'order\|x86/pmu.*unknown' "$T/daemon.log" | tr -d ' ')" 0 \
	"known keys are not warned about"

out=$(cth topics)
like "$out" '^x86/pmu ' "the configured topic is tracked"
is "$(sql "SELECT tip FROM topics WHERE name = 'x86/pmu'")" \
	"$(git --git-dir="$REPO" rev-parse x86/pmu)" "and its tip is recorded"

stop_daemon
ok "the daemon stops cleanly"
done_testing
