/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running an external program with an argv and no shell (spawn.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/error.h"
#include "daemon/spawn.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

extern char **environ;

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int spawn_run(const char *const *argv, const char *input, size_t len,
	      struct strbuf *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, pipe;
	int fds[2] = { -1, -1 };
	int rc, status, werr = 0;
	pid_t pid;

	if (input && pipe2(fds, O_CLOEXEC) < 0)
		return error_set(err, -errno, "cannot run '%s': %s", argv[0],
				 strerror(errno));
	posix_spawn_file_actions_init(&fa);
	if (input)
		posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
						 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &pipe);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv,
			  environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (input)
		close(fds[0]);
	if (rc) {
		if (input)
			close(fds[1]);
		return error_set(err, -rc, "cannot run '%s': %s", argv[0],
				 strerror(rc));
	}
	if (input) {
		/* EPIPE when it exits without reading: its status says why. */
		werr = write_all(fds[1], input, len);
		close(fds[1]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return error_set(err, -errno,
					 "cannot wait for '%s': %s", argv[0],
					 strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return error_set(err, -EIO, "'%s' failed (status %d)", argv[0],
				 status);
	if (werr)
		return error_set(err, werr, "cannot write to '%s': %s", argv[0],
				 strerror(-werr));
	return 0;
}

size_t spawn_split(const char *cmd, char ***argv, char **buf)
{
	size_t n = 0;
	char *save, *p;
	const char *q;

	/* A word starts at each blank-to-nonblank edge: count them first. */
	for (q = cmd; *q; q++)
		if (!strchr(" \t", *q) && (q == cmd || strchr(" \t", q[-1])))
			n++;
	*buf = xstrdup(cmd);
	*argv = xmalloc((n + 1) * sizeof(**argv));
	n = 0;
	for (p = strtok_r(*buf, " \t", &save); p;
	     p = strtok_r(NULL, " \t", &save))
		(*argv)[n++] = p;
	(*argv)[n] = NULL;
	return n;
}
