// SPDX-License-Identifier: GPL-2.0
/* What every fuzz target shares: a private temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/fuzz/fuzz.h"

static char *tmpdir;

static void remove_tmpdir(void)
{
	struct strbuf cmd = STRBUF_INIT;

	if (!tmpdir)
		return;
	strbuf_addf(&cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd.buf))
		fprintf(stderr, "fuzz: cannot remove %s\n", tmpdir);
	strbuf_release(&cmd);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;

	if (tmpdir)
		return tmpdir;
	strbuf_addf(&sb, "%s/cthulhu-fuzz.XXXXXX",
		    base && *base ? base : "/tmp");
	tmpdir = strbuf_detach(&sb, NULL);
	if (!mkdtemp(tmpdir)) {
		perror("fuzz: mkdtemp");
		exit(1);
	}
	atexit(remove_tmpdir);
	return tmpdir;
}

/* The daemon's warnings about bad input would drown libFuzzer's output. */
__attribute__((constructor)) static void quiet_logs(void)
{
	log_set_level(getenv("FUZZ_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
}
