/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_STORE_SERIES_H
#define CTHULHU_STORE_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/store/row.h"

struct db;
struct strbuf;

/*
 * The store of mail and the series made of it: the tables messages,
 * message_refs, series, series_prereqs, patches, trailers and series_deps
 * (schema/0003-mail.sql, 0006, 0007, 0011); see store/topics.h for the
 * store layer.  Intake (series.c) writes them; apply, notify and the
 * queue read some of them through their own stores.
 *
 * Text a column holds that is not valid UTF-8 reads as NULL, as a NULL
 * column does; integers a column may leave NULL are STORE_NONE when it
 * does.  A read fills the fields its comment names and leaves the others
 * NULL, 0 or STORE_NONE.
 */

/* A row of messages: one mail as intake kept it (its bytes read apart). */
struct store_message {
	int64_t id;
	char *msgid;	   /* without <> */
	char *in_reply_to; /* NULL for none */
	char **refs;	   /* References, nearest first: written, not read */
	size_t nr_refs;
	char *from_name, *from_email;
	int64_t date, tz; /* unix seconds, minutes east of UTC */
	char *subject;
	char *kind;	   /* patch, cover, reply, other */
	int64_t series_id; /* 0: in no series */
	char *flags;
	char *pull_url; /* NULL for none */
	/* why intake put it where it is; NULL for mail before schema 0007 */
	char *join_reason, *join_detail;
	int64_t received_at;
	int64_t number; /* M of its patch, STORE_NONE when it is no patch */
};

struct store_message_list {
	struct store_message *v;
	size_t nr;
};

void store_message_release(struct store_message *m);
void store_message_list_release(struct store_message_list *list);

/*
 * Keep a mail: its messages row (all of m but id, series_id, join_*,
 * number; raw its bytes) and a message_refs row for each of m->refs.
 * Its row id into *id.
 */
int store_message_add(struct db *db, const struct store_message *m,
		      const void *raw, size_t len, int64_t *id,
		      struct strbuf *err);
/* Whether the mail msgid is kept. */
int store_message_known(struct db *db, const char *msgid, bool *known,
			struct strbuf *err);
/* The mail msgid: id, kind and series_id. */
int store_message_find(struct db *db, const char *msgid,
		       struct store_message *out, bool *found,
		       struct strbuf *err);
/* The bytes of the mail msgid appended to out; ERR_NOT_FOUND. */
int store_message_raw(struct db *db, const char *msgid, struct strbuf *out,
		      struct strbuf *err);
/* The bytes of the mail of row id appended to out; -ENOENT. */
int store_message_raw_of(struct db *db, int64_t id, struct strbuf *out,
			 struct strbuf *err);
/*
 * The replies that refer to msgid and are in no series yet (they came
 * before what they answer), oldest first: *ids, nr of them (free it).
 */
int store_replies_waiting(struct db *db, const char *msgid, int64_t **ids,
			  size_t *nr, struct strbuf *err);

/* The mail of row id joins series series_id, for reason (detail). */
int store_message_join(struct db *db, int64_t id, int64_t series_id,
		       const char *reason, const char *detail,
		       struct strbuf *err);
/*
 * The reply of row id joins series series_id; its reason is "reply" with
 * detail unless it has one already.
 */
int store_message_join_reply(struct db *db, int64_t id, int64_t series_id,
			     const char *detail, struct strbuf *err);
/* The patch or cover of row id is kept as a reply, for reason (detail). */
int store_message_make_comment(struct db *db, int64_t id, const char *reason,
			       const char *detail, struct strbuf *err);

/* A row of series: one version of a patch series. */
struct store_series {
	int64_t id;
	char *name, *subject;
	char *author_name, *author_email;
	int64_t version, total;
	char **tags; /* prefix tags besides PATCH, vN, M/T */
	size_t nr_tags;
	bool rfc, resend;
	int64_t cover_id; /* its cover letter's messages row, or STORE_NONE */
	bool has_cover;	  /* cover_id is set */
	bool complete;
	char *base_commit; /* NULL for none */
	/* series ids, STORE_NONE for none */
	int64_t supersedes, superseded_by, supersede_held;
	char *state;
	int64_t date, created_at, updated_at;
	/* what the API shows with it, not columns of series */
	int64_t patches; /* how many it has */
	char *pull_url;	 /* of its cover, else of its first patch with one */
};

struct store_series_list {
	struct store_series *v;
	size_t nr;
};

void store_series_release(struct store_series *s);
void store_series_list_release(struct store_series_list *list);

/* Reads of a whole series: every field of struct store_series. */
int store_series_get(struct db *db, int64_t id, struct store_series *out,
		     bool *found, struct strbuf *err);
/* The latest limit series, newest first. */
int store_series_list_latest(struct db *db, int64_t limit,
			     struct store_series_list *out, struct strbuf *err);
/*
 * The latest limit series by author: author is its address, or a part
 * of its name (case ignored), newest first.
 */
int store_series_list_by_author(struct db *db, const char *author,
				int64_t limit, struct store_series_list *out,
				struct strbuf *err);
/* The series holding the mail msgid (without <>), newest first. */
int store_series_list_with_message(struct db *db, const char *msgid,
				   struct store_series_list *out,
				   struct strbuf *err);

/* Whether there is a series id. */
int store_series_exists(struct db *db, int64_t id, bool *exists,
			struct strbuf *err);
/* The series whose patch or cover is the mail msgid into *id, 0 for none. */
int store_series_with_mail(struct db *db, const char *msgid, int64_t *id,
			   struct strbuf *err);
/* The author of series id: author_name and author_email of out. */
int store_series_author(struct db *db, int64_t id, struct store_series *out,
			bool *found, struct strbuf *err);
/* The senders of the patches and covers of series id: from_name, from_email. */
int store_series_senders(struct db *db, int64_t id,
			 struct store_message_list *out, struct strbuf *err);
/*
 * The Subject: of the first patch mail of series id into *subject (free
 * it); none (*found false) when it has a cover letter or no patch.
 */
int store_series_first_mail_subject(struct db *db, int64_t id, char **subject,
				    bool *found, struct strbuf *err);
/*
 * What finding the older version of series id needs: supersedes, name,
 * author_email, version and has_cover of out, and the subject of its
 * first patch (NULL for none) into *first_subject (free it).
 */
int store_series_versioning(struct db *db, int64_t id, struct store_series *out,
			    char **first_subject, bool *found,
			    struct strbuf *err);
/*
 * The older series that series id (s and first_subject, as
 * store_series_versioning() read them) replaces: one before it, not
 * superseded, of no higher version, with a cover letter of the name of
 * s when s has one, or with the first patch subject of s.  Those of the
 * address of s first, then the highest version, then the newest: its id
 * into *old, whether its author has the address of s into *same_author.
 */
int store_series_older_version(struct db *db, int64_t id,
			       const struct store_series *s,
			       const char *first_subject, int64_t *old,
			       bool *same_author, bool *found,
			       struct strbuf *err);
/* The series that series id supersedes into *old (STORE_NONE for none). */
int store_series_supersedes(struct db *db, int64_t id, int64_t *old,
			    bool *found, struct strbuf *err);

/*
 * Where series id stands in line: the earliest date among it and the
 * versions it supersedes into *arrival, the first version into *root.
 */
int store_series_origin(struct db *db, int64_t id, int64_t *arrival,
			int64_t *root, struct strbuf *err);

/*
 * Start a series: all of s but id, name, subject, has_cover, complete,
 * base_commit, supersede*, state, patches and pull_url.  Its id into *id.
 */
int store_series_create(struct db *db, const struct store_series *s,
			int64_t *id, struct strbuf *err);
int store_series_set_name(struct db *db, int64_t id, const char *name,
			  const char *subject, struct strbuf *err);
int store_series_set_author(struct db *db, int64_t id, const char *name,
			    const char *email, struct strbuf *err);
/* The mail of row message_id is the cover letter of series id. */
int store_series_set_cover(struct db *db, int64_t id, int64_t message_id,
			   struct strbuf *err);
/* Its base commit becomes base, only when it has none unless replace. */
int store_series_set_base(struct db *db, int64_t id, const char *base,
			  bool replace, struct strbuf *err);
/*
 * Record whether every patch 1..total of series id is there, and that
 * the series changed at now.
 */
int store_series_update_complete(struct db *db, int64_t id, int64_t now,
				 struct strbuf *err);
/* Series id names old as the older series it would supersede. */
int store_series_hold_supersede(struct db *db, int64_t id, int64_t old,
				struct strbuf *err);
/*
 * Series id supersedes old, as intake finds it: old is superseded_by id
 * ("superseded" when it was "new"), and id holds nothing back.
 */
int store_series_link_versions(struct db *db, int64_t id, int64_t old,
			       struct strbuf *err);
/*
 * Series new_id supersedes old_id, as the maintainer says at now: the
 * one new_id superseded before is no longer superseded by it ("new"
 * again when it was "superseded").
 */
int store_series_supersede(struct db *db, int64_t new_id, int64_t old_id,
			   int64_t now, struct strbuf *err);

/*
 * The state of series id becomes state (the maintainer's review state,
 * which the queue orders by, or "applied") at at; *changed whether
 * there was such a series.
 */
int store_series_set_state(struct db *db, int64_t id, const char *state,
			   int64_t at, bool *changed, struct strbuf *err);
/*
 * The topic the maintainer chose for series id into *topic (a new
 * string, NULL when none was chosen).
 */
int store_series_target(struct db *db, int64_t id, char **topic,
			struct strbuf *err);
/*
 * Choose topic for series id (NULL: none) at at; ERR_NOT_FOUND for no
 * such series.
 */
int store_series_set_target(struct db *db, int64_t id, const char *topic,
			    int64_t at, struct strbuf *err);

/*
 * The mail the notifications of series id answer: its cover letter's
 * row, else its first patch's, into *msg (0 for none).
 */
int store_series_reply_message(struct db *db, int64_t id, int64_t *msg,
			       struct strbuf *err);

/* The prerequisite-patch-ids of series id in order: *ids (free each). */
int store_series_prereqs(struct db *db, int64_t id, char ***ids, size_t *nr,
			 struct strbuf *err);
int store_series_add_prereq(struct db *db, int64_t id, const char *patch_id,
			    struct strbuf *err);
/* The series that series id depends on, in order: *ids (free it). */
int store_series_dependencies(struct db *db, int64_t id, int64_t **ids,
			      size_t *nr, struct strbuf *err);
int store_series_add_dependency(struct db *db, int64_t id, int64_t depends_on,
				struct strbuf *err);

/*
 * A series that grouping weighs for a mail, and the mail of it (patch or
 * cover) through which the mail's thread reached it: via_* are NULL and
 * 0 for a series found by its markers.
 */
struct store_candidate {
	int64_t id, version, total;
	char *author_name, *author_email;
	bool has_cover;
	int64_t date;
	char *via_msgid, *via_kind, *via_irt;
	int64_t via_number; /* 0 for the cover letter */
};

struct store_candidate_list {
	struct store_candidate *v;
	size_t nr;
};

void store_candidate_release(struct store_candidate *c);
void store_candidate_list_release(struct store_candidate_list *list);

/* The series whose patch or cover is the mail msgid. */
int store_candidates_of_mail(struct db *db, const char *msgid,
			     struct store_candidate_list *out,
			     struct strbuf *err);
/*
 * The series whose patches and covers refer to ref, newest mail first,
 * through at most limit mails.
 */
int store_candidates_referring_to(struct db *db, const char *ref, int64_t limit,
				  struct store_candidate_list *out,
				  struct strbuf *err);
/*
 * The series of that total and version whose first mail is dated from
 * since to until, newest first.
 */
int store_candidates_by_markers(struct db *db, int64_t total, int64_t version,
				int64_t since, int64_t until,
				struct store_candidate_list *out,
				struct strbuf *err);

/* A row of patches, with its mail for the reads that say so. */
struct store_patch {
	int64_t id, series_id, message_id;
	int64_t number; /* M of M/T */
	char *subject;	/* as git am commits it */
	char *author_name, *author_email;
	int64_t author_date, author_tz;
	bool has_diff;
	/* of its mail */
	char *msgid, *mail_subject, *pull_url, *join_reason, *join_detail;
};

struct store_patch_list {
	struct store_patch *v;
	size_t nr;
};

void store_patch_release(struct store_patch *p);
void store_patch_list_release(struct store_patch_list *list);

/* Add a patch: all of p but id and its mail's fields. */
int store_patch_add(struct db *db, const struct store_patch *p,
		    struct strbuf *err);
/* The patch of the mail of row message_id into *id. */
int store_patch_of_message(struct db *db, int64_t message_id, int64_t *id,
			   bool *found, struct strbuf *err);
/* The mail (messages row) of patch id into *message_id. */
int store_patch_message(struct db *db, int64_t id, int64_t *message_id,
			bool *found, struct strbuf *err);
/* Patch number of series series_id into *id. */
int store_patch_by_number(struct db *db, int64_t series_id, int64_t number,
			  int64_t *id, bool *found, struct strbuf *err);
/* The patches of series id by number: every field. */
int store_series_patches(struct db *db, int64_t id,
			 struct store_patch_list *out, struct strbuf *err);

/* A row of trailers: one a reply gave. */
struct store_trailer {
	char *key, *value;
	char *msgid; /* of the reply, for store_series_trailers() */
	/* for store_patch_am_trailers() */
	int64_t id;
	char *from_name, *from_email; /* of the reply */
	bool cover;		      /* given to the cover letter */
};

struct store_trailer_list {
	struct store_trailer *v;
	size_t nr;
};

void store_trailer_list_release(struct store_trailer_list *list);

/*
 * Record the trailer key: value that the mail of row message_id gives a
 * patch (patch_id > 0) or the whole series series_id (patch_id 0),
 * unless that one has it already.
 */
int store_trailer_add(struct db *db, int64_t series_id, int64_t patch_id,
		      const char *key, const char *value, int64_t message_id,
		      struct strbuf *err);
/*
 * The trailers of a patch, its own and its series', in arrival order,
 * with every field: the reply's msgid and sender, and whether the reply
 * answered the cover letter.
 */
int store_patch_am_trailers(struct db *db, int64_t patch_id,
			    struct store_trailer_list *out, struct strbuf *err);
/* The trailers of series id as a whole, with msgid, in arrival order. */
int store_series_trailers(struct db *db, int64_t id,
			  struct store_trailer_list *out, struct strbuf *err);

/* The Acked-by and Reviewed-by trailers any mail gave series id. */
int store_series_reviews(struct db *db, int64_t id,
			 struct store_trailer_list *out, struct strbuf *err);

/*
 * The mail of series id: its cover letter, its replies (in arrival
 * order) with msgid, subject, from_name, from_email, date, pull_url and
 * join_*; every mail of it in arrival order with msgid, kind, number,
 * subject, from_name, from_email and join_*.
 */
int store_series_cover(struct db *db, int64_t id, struct store_message *out,
		       bool *found, struct strbuf *err);
int store_series_replies(struct db *db, int64_t id,
			 struct store_message_list *out, struct strbuf *err);
int store_series_mails(struct db *db, int64_t id,
		       struct store_message_list *out, struct strbuf *err);

#endif
