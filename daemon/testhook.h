/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TESTHOOK_H
#define CTHULHU_TESTHOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "build-config.h"

/*
 * The points where the tests step in, each driven by one CTHULHU_TEST_*
 * variable of the environment (tests/README).  They exist only in a build
 * configured with --enable-test-hooks (CTHULHU_TEST_HOOKS); in any other
 * build these are macros that give the production behaviour, and neither
 * the code nor the names of the variables are in cthulhud at all.
 *
 * testhook_crash(point): when CTHULHU_TEST_CRASH_AT is point, end the
 * process there as kill -9 would.
 *
 * testhook_run(hook, arg): hook "cas" runs the program
 * CTHULHU_TEST_CAS_HOOK names, "next" the one CTHULHU_TEST_NEXT_HOOK
 * names, with arg as its only argument (an argv, no shell), and waits for
 * it.
 *
 * testhook_merge_mempack_max(def): the bytes of virtual bases' objects a
 * merge keeps in memory before it starts afresh, def unless
 * CTHULHU_TEST_MERGE_MEMPACK_MAX asks for another limit (0: before every
 * merge).
 *
 * testhook_no_inotify(): true, and logged, when CTHULHU_TEST_NO_INOTIFY
 * (set, not empty, not "0") asks the ref watcher to leave inotify out, so
 * that only the poll and pokes see topics move.
 *
 * testhook_report_now(now): the time the periodic "What's cooking"
 * report goes by (its day or week), now unless CTHULHU_TEST_REPORT_NOW
 * gives other unix seconds, so that a test can be "tomorrow".
 */
#ifdef CTHULHU_TEST_HOOKS
void testhook_crash(const char *point);
void testhook_run(const char *hook, const char *arg);
uint64_t testhook_merge_mempack_max(uint64_t def);
bool testhook_no_inotify(void);
int64_t testhook_report_now(int64_t now);
#define TESTHOOK_FEATURE " (test hooks)"
#else
#define testhook_crash(point) ((void)0)
#define testhook_run(hook, arg) ((void)(arg))
#define testhook_merge_mempack_max(def) ((uint64_t)(def))
#define testhook_no_inotify() false
#define testhook_report_now(now) ((int64_t)(now))
#define TESTHOOK_FEATURE ""
#endif

#endif
