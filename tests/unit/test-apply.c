/* SPDX-License-Identifier: GPL-2.0 */
/*
 * apply_message(): git am -s's trailer rules, collected trailers and the
 * Link: line; apply_patch_id(): git patch-id --stable.  (t0400 and t0403
 * compare whole commits with git am; these pin the rules one by one.)
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/apply.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

#define SOB "Signed-off-by: Maint Ainer <maint@example.org>\n"

static const struct apply_opts sign = {
	.committer_name = "Maint Ainer",
	.committer_email = "maint@example.org",
	.signoff = true,
};

static const char *message(const char *msg, const struct apply_opts *opts,
			   const char *const *trailers, size_t nr,
			   const char *msgid)
{
	static struct strbuf sb = STRBUF_INIT;
	struct apply_patch p = {
		.message = msg,
		.trailers = trailers,
		.nr_trailers = nr,
		.message_id = msgid,
	};

	strbuf_reset(&sb);
	apply_message(&p, opts, &sb);
	return sb.buf;
}

int main(void)
{
	static const char *const rb[] = {
		"Reviewed-by: Rev Iewer <rev@example.org>",
		"Acked-by: Ack Er <ack@example.org>",
	};
	struct apply_opts link = sign;
	char hex[APPLY_HEXSZ + 1];

	is_str(message("subj\n\nbody\n", &sign, NULL, 0, NULL),
	       "subj\n\nbody\n\n" SOB, "a sign-off after a blank line");
	is_str(message("subj\n", &sign, NULL, 0, NULL), "subj\n\n" SOB,
	       "a lone subject gets its sign-off after a blank line");
	is_str(message("subj\n\nbody\n\nSigned-off-by: A <a@b>\n", &sign, NULL,
		       0, NULL),
	       "subj\n\nbody\n\nSigned-off-by: A <a@b>\n" SOB,
	       "a trailer block is extended without a blank line");
	is_str(message("subj\n\nbody\n\nAcked-by: X <x@y>\n" SOB, &sign, NULL,
		       0, NULL),
	       "subj\n\nbody\n\nAcked-by: X <x@y>\n" SOB,
	       "no second sign-off when it is the last trailer");
	is_str(message("subj\n\n" SOB "Acked-by: X <x@y>\n", &sign, NULL, 0,
		       NULL),
	       "subj\n\n" SOB "Acked-by: X <x@y>\n" SOB,
	       "a sign-off that is not last is added again, as git am -s does");
	is_str(message("subj\n\nprose line\nSigned-off-by: A <a@b>\n", &sign,
		       NULL, 0, NULL),
	       "subj\n\nprose line\nSigned-off-by: A <a@b>\n" SOB,
	       "a paragraph with a git trailer and 50%% prose is a trailer block");
	is_str(message("subj\n\nprose\nmore\nand more\nSigned-off-by: A <a@b>\n",
		       &sign, NULL, 0, NULL),
	       "subj\n\nprose\nmore\nand more\nSigned-off-by: A <a@b>\n" SOB,
	       "25%% trailers with a git one: a trailer block");
	is_str(message("subj\n\nprose\nmore\nand more\nfourth\nSigned-off-by: A <a@b>\n",
		       &sign, NULL, 0, NULL),
	       "subj\n\nprose\nmore\nand more\nfourth\nSigned-off-by: A <a@b>\n\n" SOB,
	       "20%% trailers: not a trailer block, so a blank line first");
	is_str(message("subj  \n\n\n\nbody   \n\n\n", &sign, NULL, 0, NULL),
	       "subj\n\nbody\n\n" SOB, "cleaned up as stripspace does");

	is_str(message("subj\n\nbody\n\nSigned-off-by: A <a@b>\n", &sign, rb, 2,
		       NULL),
	       "subj\n\nbody\n\nSigned-off-by: A <a@b>\n"
	       "Reviewed-by: Rev Iewer <rev@example.org>\n"
	       "Acked-by: Ack Er <ack@example.org>\n" SOB,
	       "collected trailers go into the trailer block, before the sign-off");
	is_str(message("subj\n\nbody\n\nAcked-by: Ack Er <ack@example.org>\n",
		       &sign, rb + 1, 1, NULL),
	       "subj\n\nbody\n\nAcked-by: Ack Er <ack@example.org>\n" SOB,
	       "a collected trailer already there is not repeated");

	link.link = "https://lore.kernel.org/r/%s";
	is_str(message("subj\n\nbody\n\nSigned-off-by: A <a@b>\n", &link, NULL,
		       0, "20240101.1-a@b.org"),
	       "subj\n\nbody\n\nSigned-off-by: A <a@b>\n"
	       "Link: https://lore.kernel.org/r/20240101.1-a@b.org\n" SOB,
	       "Link: from the template, then the sign-off");
	link.signoff = false;
	is_str(message("subj\n\nbody\n", &link, NULL, 0, "x@y"),
	       "subj\n\nbody\n\nLink: https://lore.kernel.org/r/x@y\n",
	       "Link: without a sign-off opens a trailer block");
	link.link = "";
	is_str(message("subj\n\nbody\n", &link, NULL, 0, "x@y"),
	       "subj\n\nbody\n", "an empty template adds no Link:");

	ok(apply_patch_id(
		   "diff --git a/f b/f\nindex 1234567..89abcde 100644\n"
		   "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n",
		   strlen("diff --git a/f b/f\nindex 1234567..89abcde 100644\n"
			  "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n"),
		   hex, NULL) == 0,
	   "a diff has a patch-id");
	is_str(hex, "2b94dde395f1c520733aab2688ad3b4ef19bf7cb",
	       "the patch-id is git patch-id --stable's");
	ok(apply_patch_id("no diff here\n", 13, hex, NULL) < 0,
	   "text without a diff has none");
	return done_testing();
}
