/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test points (testhook.h): compiled in with --enable-test-hooks
 * only.
 */
#include "build-config.h"

#ifdef CTHULHU_TEST_HOOKS
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "daemon/spawn.h"
#include "lib/strbuf.h"
#include "daemon/testhook.h"

void testhook_crash(const char *point)
{
	const char *at = getenv("CTHULHU_TEST_CRASH_AT");

	if (at && !strcmp(at, point)) {
		log_warn("crashing at '%s' as CTHULHU_TEST_CRASH_AT asks",
			 point);
		raise(SIGKILL);
	}
}

void testhook_run(const char *hook, const char *arg)
{
	const char *name = !strcmp(hook, "cas") ? "CTHULHU_TEST_CAS_HOOK" :
						  "CTHULHU_TEST_NEXT_HOOK";
	const char *prog = getenv(name);
	const char *argv[] = { prog, arg, NULL };
	struct strbuf err = STRBUF_INIT;

	if (!prog || !*prog)
		return;
	if (spawn_run(argv, NULL, 0, &err))
		log_warn("test hook: %s", err.buf);
	strbuf_release(&err);
}

uint64_t testhook_merge_mempack_max(uint64_t def)
{
	const char *max = getenv("CTHULHU_TEST_MERGE_MEMPACK_MAX");

	return max ? strtoull(max, NULL, 10) : def;
}

bool testhook_no_inotify(void)
{
	const char *no = getenv("CTHULHU_TEST_NO_INOTIFY");

	if (!no || !*no || !strcmp(no, "0"))
		return false;
	log_info("watch: inotify off (CTHULHU_TEST_NO_INOTIFY)");
	return true;
}

int64_t testhook_report_now(int64_t now)
{
	const char *v = getenv("CTHULHU_TEST_REPORT_NOW");

	return v && *v ? (int64_t)strtoll(v, NULL, 10) : now;
}
#endif
