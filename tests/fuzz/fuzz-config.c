// SPDX-License-Identifier: GPL-2.0
/*
 * cthulhu.conf parsing: the input is written to a file and loaded as
 * cthulhud loads its configuration; every key the daemon reads is then
 * looked up as it would be.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/repo.h"
#include "lib/strbuf.h"
#include "tests/fuzz/fuzz.h"

static char *conf_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strbuf sb = STRBUF_INIT;

	/* The file is read with libgit2's config parser. */
	if (repo_global_init(&sb)) {
		fprintf(stderr, "fuzz-config: %s\n", sb.buf);
		exit(1);
	}
	strbuf_addf(&sb, "%s/cthulhu.conf", fuzz_tmpdir());
	conf_path = strbuf_detach(&sb, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = NULL;
	int64_t n;
	bool b;
	size_t i;
	int fd;

	if (!conf_path)
		LLVMFuzzerInitialize(NULL, NULL);
	fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror("fuzz-config: write");
		abort();
	}
	close(fd);
	if (!config_load(conf_path, &cfg, &err)) {
		config_get(cfg, "tree.name");
		config_get_bool(cfg, "apply.signoff", true, &b, &err);
		config_get_int(cfg, "watch.poll", 0, &n, &err);
		for (i = 0; i < cfg->nr_topics; i++)
			config_topic(cfg, cfg->topics[i].name);
		config_topic(cfg, "x86/pmu");
	}
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz-config: %s\n", err.len ? err.buf : "ok");
	config_free(cfg);
	strbuf_release(&err);
	return 0;
}
