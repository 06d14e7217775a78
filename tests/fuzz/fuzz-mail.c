// SPDX-License-Identifier: GPL-2.0
/*
 * Mail and mbox parsing: the input is split as an mbox (the format
 * guessed, as intake does), and the whole input and every message are
 * parsed with the default options and with every `git mailinfo` option
 * on, then turned into a commit message and a patch-id as apply does.
 */
#include <stdlib.h>

#include "daemon/apply.h"
#include "daemon/mail.h"
#include "lib/strbuf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mail_global_init();
	return 0;
}

static void parse_one(const char *buf, size_t len, const struct mail_opts *opts)
{
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct apply_patch p;
	struct mail *m = NULL;
	char hex[APPLY_HEXSZ + 1];

	if (!mail_parse_opts(buf, len, opts, &m, &err) && m) {
		mail_commit_message(m, &msg);
		mail_count_trailers(m, "Signed-off-by");
		mail_flags_describe(m->flags, &msg);
		strbuf_reset(&msg);
		apply_patch_from_mail(&p, m, "patch", &msg);
		if (m->patch && m->has_diff)
			apply_patch_id(m->patch, m->patch_len, hex, &err);
		free(mail_pull_url(m->text ? m->text : ""));
	}
	mail_free(m);
	strbuf_release(&msg);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mail_opts plain, all = {
		.scissors = true,
		.no_inbody_headers = true,
		.keep_subject = true,
		.keep_non_patch = true,
		.strip_quoted_cr = true,
		.add_message_id = true,
	};
	struct strbuf err = STRBUF_INIT;
	const char *buf = (const char *)data;
	struct mbox mbox = { 0 };
	size_t i;

	parse_one(buf, size, &plain);
	if (!mbox_split(buf, size, MBOX_AUTO, &mbox, &err)) {
		for (i = 0; i < mbox.nr; i++) {
			parse_one(mbox.msgs[i].data, mbox.msgs[i].len, &plain);
			parse_one(mbox.msgs[i].data, mbox.msgs[i].len, &all);
		}
	}
	mbox_release(&mbox);
	strbuf_reset(&err);
	if (!mbox_split(buf, size, MBOX_MBOXRD, &mbox, &err))
		mbox_release(&mbox);
	strbuf_release(&err);
	return 0;
}
