// SPDX-License-Identifier: GPL-2.0
/*
 * Replay a fuzz target without libFuzzer: every file named on the command
 * line (a directory: every file in it, in name order) is read and given
 * to LLVMFuzzerTestOneInput() once.  A finding aborts under the
 * sanitizers; a clean run prints one line per input and exits 0.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
	struct strbuf buf = STRBUF_INIT;
	uint8_t *copy;

	if (strbuf_read_file(&buf, path) < 0) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		return -1;
	}
	/* An exact-size copy, so that ASan sees a read past the end. */
	copy = xmalloc(buf.len ? buf.len : 1);
	memcpy(copy, buf.buf, buf.len);
	LLVMFuzzerTestOneInput(copy, buf.len);
	free(copy);
	strbuf_release(&buf);
	printf("replayed %s\n", path);
	fflush(stdout);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, i, ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: no such input '%s'\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list '%s'\n", path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct strbuf sub = STRBUF_INIT;

		if (names[i]->d_name[0] != '.') {
			strbuf_addf(&sub, "%s/%s", path, names[i]->d_name);
			if (replay_path(sub.buf))
				ret = -1;
		}
		strbuf_release(&sub);
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s <file|dir>...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]))
			ret = 1;
	return ret;
}
