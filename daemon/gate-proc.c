/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The processes of a gate run, found through /proc by the marker in
 * their environment (gate-proc.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/gate-proc.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MARKER_NAME "CTHULHU_GATE_RUN="
/* a run forking while it is killed: give up after this many sweeps */
#define MAX_SWEEPS 50

extern char **environ;

char *gate_proc_marker(const char *gate_dir, int64_t run)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, MARKER_NAME "%s#%" PRId64, gate_dir, run);
	return strbuf_detach(&sb, NULL);
}

char **gate_proc_environ(const char *marker)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (!starts_with(environ[i], MARKER_NAME))
			env[j++] = environ[i];
	env[j++] = (char *)marker;
	env[j] = NULL;
	return env;
}

/* Whether the NUL-separated environment holds the entry marker. */
static bool environ_has(const struct strbuf *env, const char *marker)
{
	size_t len = strlen(marker) + 1;
	const char *p = env->buf, *end = env->buf + env->len;

	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (n + 1 == len && !memcmp(p, marker, n))
			return true;
		p += n + 1;
	}
	return false;
}

/* The process group in /proc/PID/stat (after the name, which may hold ')'). */
static pid_t stat_pgrp(const char *pid)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	const char *p;
	int pgrp;

	strbuf_addf(&path, "/proc/%s/stat", pid);
	/* "... (name) state ppid pgrp ..." */
	if (strbuf_read_file(&sb, path.buf) < 0 ||
	    !(p = strrchr(sb.buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %d", &pgrp) != 1)
		pgrp = 0;
	strbuf_release(&sb);
	strbuf_release(&path);
	return (pid_t)pgrp;
}

/* One pass over /proc; how many marked processes it killed. */
static int sweep(const char *marker)
{
	struct strbuf env = STRBUF_INIT, path = STRBUF_INIT;
	pid_t self = getpid(), own_group = getpgrp();
	struct dirent *de;
	int found = 0;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((de = readdir(proc))) {
		pid_t pid, pgrp;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid <= 1 || pid == self)
			continue;
		strbuf_reset(&env);
		strbuf_reset(&path);
		strbuf_addf(&path, "/proc/%s/environ", de->d_name);
		/* gone, a zombie (empty) or someone else's: not ours */
		if (strbuf_read_file(&env, path.buf) < 0 ||
		    !environ_has(&env, marker))
			continue;
		pgrp = stat_pgrp(de->d_name);
		if (pgrp > 1 && pgrp != own_group)
			kill(-pgrp, SIGKILL);
		kill(pid, SIGKILL);
		found++;
	}
	closedir(proc);
	strbuf_release(&env);
	strbuf_release(&path);
	return found;
}

int gate_proc_kill(const char *marker)
{
	int total = 0, i, n;

	for (i = 0; i < MAX_SWEEPS && (n = sweep(marker)) > 0; i++)
		total += n;
	return total;
}
