/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DEMO_DATA_H
#define CTHULHU_DEMO_DATA_H

#include <stdbool.h>

/*
 * What the demo tree is made of (demo-data.c): the files of its first
 * commit, the commits of mainline and of each topic as edits, and the
 * patch series written as mail.  demo.c turns these into git objects and
 * mbox files.  Times are hours before the moment the demo is made, so
 * that ages look fresh whenever someone tries it.
 */

#define DEMO_MAX_EDITS 3
#define DEMO_MAX_PATCHES 4

struct demo_person {
	const char *name; /* UTF-8 */
	const char *email;
	int tz; /* minutes east of UTC */
};

struct demo_file {
	const char *path;
	const char *text;
};

/*
 * Replace the one occurrence of old in path by new; old NULL makes path
 * a new file holding new.  An old text that is missing or not unique is a
 * bug in demo-data.c, reported by demo_prepare().
 */
struct demo_edit {
	const char *path;
	const char *old;
	const char *new;
};

struct demo_commit {
	const char *branch; /* "master" or a topic, in commit order */
	int author;	    /* index into demo_people */
	int authored;	    /* hours ago */
	int committed;
	const char *subject;
	const char *body;  /* "" for a release commit */
	const char *fixes; /* subject of the commit this one fixes, or NULL */
	bool stable;	   /* Cc: stable@vger.kernel.org */
	const char *tag;   /* annotated tag on this commit, or NULL */
	struct demo_edit edits[DEMO_MAX_EDITS];
};

struct demo_patch {
	const char *subject; /* without the [PATCH] prefix */
	const char *body;    /* trailers other than Signed-off-by included */
	struct demo_edit edits[DEMO_MAX_EDITS];
};

struct demo_series {
	const char *file;  /* file name under DIR/mail/ */
	const char *topic; /* branch whose tip the patches apply to */
	int author;
	int version;
	int sent;	   /* hours ago */
	const char *cover; /* cover letter subject, NULL for none */
	const char *cover_body;
	const char *cc;	   /* extra Cc: addresses, "" for none */
	const char *fixes; /* as in struct demo_commit */
	bool stable;
	bool deep;    /* thread each patch under the one before */
	int previous; /* index of the earlier version, or -1 */
	struct demo_patch patches[DEMO_MAX_PATCHES];
	int nr_patches;
};

/* The maintainer: the tree's committer and the one who applies. */
#define DEMO_MAINTAINER 7

/* Each array ends with an entry whose first member is NULL. */
extern const struct demo_person demo_people[];
extern const struct demo_file demo_tree[];
extern const struct demo_commit demo_commits[];
extern const struct demo_series demo_series[];

#endif
