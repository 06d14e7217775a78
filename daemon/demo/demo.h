/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DEMO_H
#define CTHULHU_DEMO_H

struct strbuf;

/*
 * Make the demo maintainer tree in dir unless it exists: dir/repo.git, a
 * base tagged v6.9-rc2, topics, dir/mail/NN-*.mbox, dir/cthulhu.conf and
 * the state dir dir/state.  Needs libgit2 set up (repo_global_init()).
 * A dir that holds a cthulhu.conf is reused as it is, except that a
 * non-NULL http_listen replaces its http.listen.  Sets *config_path
 * (caller frees) to the config file to run with.
 */
int demo_prepare(const char *dir, const char *http_listen, char **config_path,
		 struct strbuf *err);

/*
 * Hand the demo's patch mail to intake: call submit() on each
 * "*.mbox" file of dir/mail in name order (01-..., 02-...: a v1 before its v2),
 * then mark them submitted (dir/state/demo-mail-submitted) so that a
 * later run does not submit again.  Stops at the first submit() that fails and returns its code.
 */
int demo_seed_mail(const char *dir,
		   int (*submit)(const char *path, void *data,
				 struct strbuf *err),
		   void *data, struct strbuf *err);

/*
 * demo_seed_mail() through intake's "submit" job: for main() once the
 * engine runs.  A series seen before is ignored by intake, so a repeat
 * does no harm; the mark (dir/state/demo-mail-submitted) saves the work.
 */
int demo_submit_mail(const char *dir, struct strbuf *err);

/*
 * After the daemon serves: print the dashboard URL, the socket and three
 * commands to try, to stdout.
 */
void demo_print_welcome(const char *dir);

#endif
