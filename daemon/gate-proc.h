/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_GATE_PROC_H
#define CTHULHU_GATE_PROC_H

#include <stdint.h>

/*
 * Finding what a gate run started, by what it carries rather than by a
 * pid.  Every process of a run gets "CTHULHU_GATE_RUN=<gate dir>#<run>"
 * in its environment, and its children inherit it; so a cthulhud killed
 * while a run went on finds, when it starts again, every process the run
 * left (even once the leader of their process group is dead and reaped,
 * when its pid names nothing, or after a kill between a fork and the
 * row that records the pid), and never a process that is not the run's.
 */

/* The marker's "NAME=value", malloc'd. */
char *gate_proc_marker(const char *gate_dir, int64_t run);
/*
 * A copy of environ with marker set in it (an old CTHULHU_GATE_RUN left
 * out), for execve() in a child; free() the array only, not its strings.
 */
char **gate_proc_environ(const char *marker);
/*
 * SIGKILL every process whose environment holds marker, and the process
 * group of each (never cthulhud's own), until none is left.  How many
 * processes were found.
 */
int gate_proc_kill(const char *marker);

#endif
