/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_INTAKE_H
#define CTHULHU_INTAKE_H

struct strbuf;

/*
 * The Maildir reader ([intake] maildir): a thread that every 2 s parses
 * what is in new/ off the engine and hands it to the engine as "submit"
 * jobs (daemon/intake.c).  Start after engine_start(); stop after
 * engine_stop(), which ends a job cut short and any wait for one.
 */
int intake_start(struct strbuf *err);
void intake_stop(void);

#endif
