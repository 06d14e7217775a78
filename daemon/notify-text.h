/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_NOTIFY_TEXT_H
#define CTHULHU_NOTIFY_TEXT_H

#include <jansson.h>

struct config;
struct strbuf;

/*
 * The bodies of the notifications to authors (notify.h's info objects):
 * cthulhu's own text, or the file of [notify] applied-template,
 * dropped-template, sha1-changed-template or check-failed-template with
 * its ${variables} replaced, as b4 ty's templates are.  A commit is named by [notify]
 * commit-url ("https://.../commit/%.12s", b4's thanks-commit-url-mask)
 * when set, else by its first 12 hex digits.
 *
 * Every template: ${author} (the name, else the address, of the mail
 * answered), ${author_email}, ${subject} (of that mail, without Re:),
 * ${tree} ([tree] name), ${topic}, ${branch} (without refs/heads/),
 * ${maintainer} (the committer's name).
 * applied: ${summary} ("[n/T] subject" and the commit below it, then
 * "+ trailer" lines for the trailers the commit got, per patch),
 * ${commits} (the commits, one a line), ${not_applied} ("[n/T] subject"
 * lines, empty when all went in).
 * dropped: ${commit}, ${patch} ("[n/T] subject"), ${reason}.
 * sha1-changed: ${summary} ("[n/T] subject", then "old -> new"), ${why}.
 * check-failed: ${context}, ${state}, ${description}, ${target_url},
 * ${log} (the last lines of the check's log, empty for none).
 * An unknown ${name} is left as it is, "$$" is one "$".
 *
 * Each appends to body; 0, or a negative code with err naming the
 * template file that cannot be read.
 */
int notify_text_applied(const struct config *cfg, json_t *info,
			struct strbuf *body, struct strbuf *err);
int notify_text_dropped(const struct config *cfg, json_t *info,
			struct strbuf *body, struct strbuf *err);
int notify_text_sha1_changed(const struct config *cfg, json_t *info,
			     struct strbuf *body, struct strbuf *err);
int notify_text_check_failed(const struct config *cfg, json_t *info,
			     struct strbuf *body, struct strbuf *err);

#endif
