/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DEMO_H
#define CTHULHU_DEMO_H

struct strbuf;

/*
 * Make the demo maintainer tree in dir unless it exists: dir/repo.git, a
 * base tagged v6.9-rc2, topics, dir/cthulhu.conf and dir/state.  Sets
 * *config_path (caller frees) to the config file to run with.
 */
int demo_prepare(const char *dir, const char *http_listen, char **config_path,
		 struct strbuf *err);
/* After the daemon serves: what to print for the person trying it. */
void demo_print_welcome(const char *dir);

#endif
