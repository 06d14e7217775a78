/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CMDS_H
#define CTHULHU_CMDS_H

#include <jansson.h>

struct cli;

/*
 * The verbs, one cli/cmd-<verb>.c each, listed with their usage in the
 * table of cli/cthulhu.c.  argv[0] is the verb; the return value is the
 * exit code (enum cli_exit).
 */
int cmd_status(struct cli *cli, int argc, const char **argv);
int cmd_topics(struct cli *cli, int argc, const char **argv);
int cmd_poke(struct cli *cli, int argc, const char **argv);
int cmd_events(struct cli *cli, int argc, const char **argv);
int cmd_cycle(struct cli *cli, int argc, const char **argv);
int cmd_queue(struct cli *cli, int argc, const char **argv);
int cmd_bump(struct cli *cli, int argc, const char **argv);
int cmd_state(struct cli *cli, int argc, const char **argv);
int cmd_target(struct cli *cli, int argc, const char **argv);
int cmd_show(struct cli *cli, int argc, const char **argv);
int cmd_check(struct cli *cli, int argc, const char **argv);
int cmd_apply(struct cli *cli, int argc, const char **argv);
int cmd_am(struct cli *cli, int argc, const char **argv);
int cmd_drop(struct cli *cli, int argc, const char **argv);
int cmd_outbox(struct cli *cli, int argc, const char **argv);
int cmd_next(struct cli *cli, int argc, const char **argv);
int cmd_rebuild(struct cli *cli, int argc, const char **argv);
int cmd_resolve(struct cli *cli, int argc, const char **argv);
int cmd_merge_fix(struct cli *cli, int argc, const char **argv);
int cmd_submit(struct cli *cli, int argc, const char **argv);
int cmd_inboxes(struct cli *cli, int argc, const char **argv);
int cmd_supersede(struct cli *cli, int argc, const char **argv);
int cmd_series(struct cli *cli, int argc, const char **argv);
int cmd_pullreq(struct cli *cli, int argc, const char **argv);
int cmd_gate(struct cli *cli, int argc, const char **argv);
int cmd_cooking(struct cli *cli, int argc, const char **argv);
/* The gate's one-line state, for next and gate (cmd-gate.c). */
void gate_print_summary(json_t *gate);

/* Shared by verbs: the columns of an event table and a row of it. */
struct table;
#define EVENT_COLS 7
extern const char *const event_cols[EVENT_COLS];
void event_table_add(struct table *t, json_t *ev);

#endif
