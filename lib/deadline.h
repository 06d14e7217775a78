/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DEADLINE_H
#define CTHULHU_DEADLINE_H

#include <time.h>

/*
 * *ts = now + ms on CLOCK_MONOTONIC: the deadline for a
 * pthread_cond_timedwait() on a condition variable set to that clock
 * (pthread_condattr_setclock()), which a change of the wall clock does
 * not move.
 */
void deadline_after(struct timespec *ts, unsigned int ms);

#endif
