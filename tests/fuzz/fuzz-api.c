// SPDX-License-Identifier: GPL-2.0
/*
 * Every JSON request body: the input is given as the body to every route
 * of the daemon's own route table that takes one (any method but GET),
 * through http_handle() -- the same route lookup and handlers as the
 * sockets, without a connection.  The daemon runs in-process on a small
 * repository (topics, a submitted series) with its engine thread, so a
 * body that gets past a handler's checks really runs its job.  Besides
 * the sanitizers, the oracle is the answer: JSON, and never a 500.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/applied.h"
#include "daemon/apply.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/db.h"
#include "daemon/engine.h"
#include "daemon/http.h"
#include "daemon/job-table.h"
#include "daemon/jobs.h"
#include "daemon/mail.h"
#include "daemon/next.h"
#include "daemon/pullreq.h"
#include "daemon/queue.h"
#include "daemon/repo.h"
#include "daemon/series.h"
#include "lib/strbuf.h"
#include "daemon/topic.h"
#include "tests/fuzz/fuzz.h"

static const char setup[] =
	"set -e; cd '%s'; git init -q --bare work.git; git init -q -b master w;"
	"cd w; echo base > README; git add README;"
	"git -c user.name=T -c user.email=t@example.org commit -q -m base;"
	"git tag base; git checkout -q -b topic-a;"
	"echo a > a; git add a;"
	"git -c user.name=T -c user.email=t@example.org commit -q -m a;"
	"git push -q ../work.git master base topic-a topic-a:topic-b";

static const char conf[] =
	"[tree]\n\tname = fuzz\n\trepo = %s/work.git\n\tbase = base\n"
	"\tcommitter = Fuzz <fuzz@example.org>\n"
	"[state]\n\tdir = %s/state\n[http]\n\tlisten = 0\n[watch]\n\tpoll = 0\n"
	"[topic \"a\"]\n\tbranch = topic-a\n\torder = 1\n"
	"[topic \"b\"]\n\tbranch = topic-b\n\torder = 2\n";

static const char mbox[] =
	"From nobody Mon Sep 17 00:00:00 2001\n"
	"From: A <a@example.org>\nDate: Tue, 1 Oct 2024 10:00:00 +0000\n"
	"Subject: [PATCH] readme: Say more\nMessage-Id: <fuzz-1@example.org>\n\n"
	"More.\n\nSigned-off-by: A <a@example.org>\n---\n"
	"diff --git a/README b/README\n--- a/README\n+++ b/README\n"
	"@@ -1 +1,2 @@\n base\n+more\n";

struct body_route {
	const char *method;
	char *path;
};

static struct body_route *routes;
static size_t nr_routes;

static void add_path(const char *method, struct strbuf *path)
{
	routes = realloc(routes, (nr_routes + 1) * sizeof(*routes));
	routes[nr_routes].method = method;
	routes[nr_routes++].path = strbuf_detach(path, NULL);
}

static void add_route(const struct route *r, void *data)
{
	/* What a trailing '*' gets: a series id and its actions, a topic. */
	static const char *const params[] = { "1", "1/bump", "1/state", "a" };
	size_t n = strlen(r->path), i;
	struct strbuf path = STRBUF_INIT;

	if (!strcmp(r->method, "GET"))
		return;
	if (!n || r->path[n - 1] != '*') {
		const char *star = strchr(r->path, '*');

		/* A '*' inside the path is one segment: a series id. */
		if (star) {
			strbuf_add(&path, r->path, star - r->path);
			strbuf_addf(&path, "1%s", star + 1);
		} else {
			strbuf_addstr(&path, r->path);
		}
		add_path(r->method, &path);
		return;
	}
	for (i = 0; i < sizeof(params) / sizeof(*params); i++) {
		strbuf_add(&path, r->path, n - 1);
		strbuf_addstr(&path, params[i]);
		add_path(r->method, &path);
	}
}

static void run(const char *what, const char *cmd)
{
	if (system(cmd)) {
		fprintf(stderr, "fuzz-api: cannot %s\n", what);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_tmpdir();
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct config *cfg;
	json_t *res = NULL;
	FILE *f;

	strbuf_addf(&sb, setup, dir);
	run("make the repository", sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/cthulhu.conf", dir);
	f = fopen(sb.buf, "w");
	if (!f || fprintf(f, conf, dir, dir) < 0 || fclose(f))
		run("write the config", "false");
	mail_global_init();
	if (repo_global_init(&err) || config_load(sb.buf, &cfg, &err))
		goto fail;
	the_daemon.config_path = strbuf_detach(&sb, NULL);
	the_daemon.state_dir = strdup(cfg->state_dir);
	strbuf_addf(&sb, "%s/cthulhu.db", cfg->state_dir);
	the_daemon.db_path = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s/cthulhud.sock", cfg->state_dir);
	the_daemon.socket_path = strbuf_detach(&sb, NULL);
	the_daemon.token = strdup("fuzz-token-fuzz-token");
	strbuf_addf(&sb, "mkdir -m 700 '%s'", cfg->state_dir);
	run("make the state dir", sb.buf);
	db_set_path(the_daemon.db_path);
	if (!db_thread() || db_migrate(db_thread(), &err))
		goto fail;
	daemon_config_replace(cfg);

	mail_global_init();
	jobs_register();
	apply_init();
	next_init();
	if (engine_start(&err) ||
	    engine_run(JOB_TOPIC_SYNC, json_pack("{s:s}", "source", "startup"),
		       NULL, &err) ||
	    series_submit(mbox, strlen(mbox), MBOX_AUTO, &res, &err))
		goto fail;
	json_decref(res);
	http_route_each(add_route, NULL);
	strbuf_release(&sb);
	strbuf_release(&err);
	return 0;
fail:
	fprintf(stderr, "fuzz-api: %s\n", err.buf);
	exit(1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	unsigned int status;
	json_t *answer;
	size_t i;

	if (!routes)
		LLVMFuzzerInitialize(NULL, NULL);
	for (i = 0; i < nr_routes; i++) {
		strbuf_reset(&out);
		http_handle(routes[i].method, routes[i].path,
			    (const char *)data, size, &status, &out);
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "%s %s: %u %s", routes[i].method,
				routes[i].path, status, out.buf);
		answer = json_loadb(out.buf, out.len, 0, NULL);
		if (!answer || status == 500) {
			fprintf(stderr, "fuzz-api: %s %s answered %u: %s\n",
				routes[i].method, routes[i].path, status,
				out.buf);
			abort();
		}
		json_decref(answer);
	}
	strbuf_release(&out);
	return 0;
}
