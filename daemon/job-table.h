/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_JOB_TABLE_H
#define CTHULHU_JOB_TABLE_H

/*
 * The table of every job type (names in jobs.h).  Register each with the
 * engine; once, before engine_start().
 */
void jobs_register(void);

#endif
