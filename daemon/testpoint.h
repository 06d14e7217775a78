/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TESTPOINT_H
#define CTHULHU_TESTPOINT_H

#include "build-config.h"

/*
 * The points where the crash and race tests step in.  They exist only in
 * a build configured with --enable-test-hooks (CTHULHU_TEST_HOOKS); in
 * any other build these are empty macros, and neither the code nor the
 * names of the environment variables below are in cthulhud at all.
 *
 * testpoint_crash(point): when CTHULHU_CRASH_AT is point, end the process
 * there as kill -9 would.
 *
 * testpoint_hook(hook, arg): hook "cas" runs the program CTHULHU_CAS_HOOK
 * names, "next" the one CTHULHU_NEXT_HOOK names, with arg as its only
 * argument (an argv, no shell), and waits for it.
 */
#ifdef CTHULHU_TEST_HOOKS
void testpoint_crash(const char *point);
void testpoint_hook(const char *hook, const char *arg);
#define TESTPOINT_FEATURE " (test hooks)"
#else
#define testpoint_crash(point) ((void)0)
#define testpoint_hook(hook, arg) ((void)(arg))
#define TESTPOINT_FEATURE ""
#endif

#endif
