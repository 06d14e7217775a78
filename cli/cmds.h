/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_CMDS_H
#define CTHULHU_CMDS_H

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

#endif
