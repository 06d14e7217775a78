/* SPDX-License-Identifier: GPL-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>

#include "daemon/config.h"
#include "lib/error.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/cthulhu-test-config.XXXXXX";

static const char *write_conf(const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cthulhu.conf", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

int main(void)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg;
	int64_t n;
	bool b;
	int rc;

	git_libgit2_init();
	if (!mkdtemp(dir))
		return 1;

	rc = config_load(
		write_conf(
			"[tree]\n"
			"\tname = kvm-x86\n"
			"\trepo = repo.git\n"
			"\tbase = v6.9-rc2\n"
			"\tcommitter = Sean Christopherson <seanjc@google.com>\n"
			"[http]\n\tlisten = 0\n"
			"[topic \"svm\"]\n\torder = 30\n"
			"\towner = Kim Developer <kim@example.org>\n"
			"[topic \"x86/pmu\"]\n\tbranch = pmu\n\torder = 10\n"
			"[topic \"fixes\"]\n\torder = 5\n"
			"[apply]\n\tlink = https://lore.kernel.org/r/%s\n"),
		&cfg, &err);
	is_int(rc, 0, "a good config loads");
	if (rc) {
		printf("# %s\n", err.buf);
		return done_testing();
	}
	is_str(cfg->tree_name, "kvm-x86", "tree.name");
	ok(cfg->repo[0] == '/' && strstr(cfg->repo, "/repo.git"),
	   "tree.repo is made absolute relative to the config");
	is_str(cfg->next, "refs/heads/next", "tree.next defaults to next");
	is_str(cfg->committer_name, "Sean Christopherson", "committer name");
	is_str(cfg->committer_email, "seanjc@google.com", "committer email");
	ok(cfg->http_listen == NULL, "http.listen = 0 turns TCP off");
	is_int(cfg->nr_topics, 3, "three topics");
	is_str(cfg->topics[0].name, "fixes", "topics sorted by order");
	ok(!cfg->topics[0].into_next, "fixes stays out of next by default");
	is_str(cfg->topics[1].branch, "refs/heads/pmu",
	       "topic branch from the config");
	is_str(cfg->topics[2].branch, "refs/heads/svm",
	       "topic branch defaults to its name");
	ok(cfg->topics[2].into_next, "other topics go into next");
	is_str(cfg->topics[2].owner_name, "Kim Developer", "topic owner name");
	is_str(cfg->topics[2].owner_email, "kim@example.org",
	       "topic owner email");
	ok(!cfg->topics[1].owner_email, "a topic without an owner has none");
	is_str(config_get(cfg, "apply.link"), "https://lore.kernel.org/r/%s",
	       "config_get reads any key");
	config_get_bool(cfg, "apply.signoff", true, &b, &err);
	ok(b, "config_get_bool default");
	config_get_int(cfg, "http.body-limit", 7, &n, &err);
	is_int(n, 7, "config_get_int default");
	config_free(cfg);

	rc = config_load(write_conf("[tree]\n\trepo = r\n[http\n"), &cfg, &err);
	is_int(rc, ERR_INVALID, "a syntax error is refused");
	ok(strstr(err.buf, "cthulhu.conf") && strstr(err.buf, ":3: "),
	   "and the message names the file and the line: %s", err.buf);

	rc = config_load(write_conf("[tree]\n\tname = x\n"), &cfg, &err);
	is_int(rc, ERR_INVALID, "a missing tree.repo is refused");
	ok(strstr(err.buf, "tree.repo") != NULL, "naming the key: %s", err.buf);

	rc = config_load(write_conf(
				 "[tree]\n\trepo = r\n\tcommitter = nobody\n"),
			 &cfg, &err);
	is_int(rc, ERR_INVALID, "a bad committer is refused");
	ok(strstr(err.buf, ":3:") && strstr(err.buf, "tree.committer"),
	   "naming line and key: %s", err.buf);

	rc = config_load(write_conf("[tree]\n\trepo = r\n[topic \"a\"]\n"
				    "\towner = Kim <nowhere>\n"),
			 &cfg, &err);
	is_int(rc, ERR_INVALID, "an owner that is no address is refused");
	ok(strstr(err.buf, ":4:") && strstr(err.buf, "topic.a.owner") &&
		   strstr(err.buf, "'Kim <nowhere>'"),
	   "naming line, key and value: %s", err.buf);

	rc = config_load(write_conf("[tree]\n\trepo = r\n[topic \"a\"]\n"
				    "\torder = soon\n"),
			 &cfg, &err);
	is_int(rc, ERR_INVALID, "a bad topic order is refused");
	ok(strstr(err.buf, ":4:") && strstr(err.buf, "topic.a.order"),
	   "naming line and key: %s", err.buf);

	rc = config_load(write_conf("[tree]\n\trepo = r\n[http]\n"
				    "\tlisten = localhost\n"),
			 &cfg, &err);
	is_int(rc, ERR_INVALID, "http.listen without a port is refused");

	rc = config_load("/nonexistent/cthulhu.conf", &cfg, &err);
	is_int(rc, ERR_INVALID, "a missing file is refused");
	ok(strstr(err.buf, "/nonexistent/cthulhu.conf") != NULL,
	   "naming the file: %s", err.buf);

	unlink(write_conf(""));
	rmdir(dir);
	strbuf_release(&err);
	git_libgit2_shutdown();
	return done_testing();
}
