/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_LINT_H
#define CTHULHU_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct strbuf;
struct config;

/*
 * The rules of the KVM x86 maintainer document that a program can check,
 * as pure functions over plain strings: no git, no database, no mail
 * parsing.  The caller hands in a patch's subject, changelog, trailers and
 * diff, and a callback to look commits up; lint says what it found.  Lint
 * informs, it never blocks an apply.
 */

enum lint_severity {
	LINT_OFF = 0,
	LINT_INFO,
	LINT_WARNING,
	LINT_ERROR,
};

/* The rules, each with its name in [lint] and its default severity. */
enum lint_rule {
	LINT_PREFIX,	     /* "KVM: <topic>:" with a configured topic */
	LINT_PREFIX_X86_KVM, /* "x86/kvm" is for Linux as a KVM guest */
	LINT_PREFIX_PATH,    /* a file name or path as prefix */
	LINT_CAPITALIZE,     /* first word after the prefix capitalised */
	LINT_PUNCTUATION,    /* no ending punctuation */
	LINT_LENGTH_SOFT,    /* over 75 characters */
	LINT_LENGTH_HARD,    /* over 80 characters */
	LINT_FIXES_FORMAT,   /* Fixes: <12+ hex> ("subject") */
	LINT_FIXES_SUBJECT,  /* the subject matches the commit's */
	LINT_STABLE,	     /* a backport carries Cc: stable@vger.kernel.org */
	LINT_IN_REPLY_TO,    /* not sent In-Reply-To an earlier version */
	LINT_FUNCTION_PARENS, /* functions written name() */
	LINT_BASE_COMMIT,     /* base-commit: present */
	LINT_UNIT_TESTS_MIX,  /* KVM and kvm-unit-tests in one series */
	LINT_NR_RULES
};

/* The rule's name ("prefix", "fixes-format", ...); static. */
const char *lint_rule_name(enum lint_rule rule);
/* "off", "info", "warning", "error"; static. */
const char *lint_severity_name(enum lint_severity sev);
/* Parse a severity name; -EINVAL if it is none. */
int lint_severity_parse(const char *s, enum lint_severity *out);

/*
 * Look up the commit abbreviated by hex in the repository: append its
 * subject to subject and return 0, or return -ENOENT when it is not
 * there (or is ambiguous).
 */
typedef int (*lint_lookup_fn)(void *data, const char *hex,
			      struct strbuf *subject);

struct lint_config {
	enum lint_severity severity[LINT_NR_RULES];
	char **topics; /* owned */
	size_t nr_topics;
	size_t soft_limit;     /* 75 */
	size_t hard_limit;     /* 80 */
	lint_lookup_fn lookup; /* may be NULL: no subject check */
	void *lookup_data;
};

/* The defaults: every rule at its default severity, the document's topics. */
void lint_config_init(struct lint_config *lc);
/*
 * Read [lint] from cfg over the defaults: lint.<rule> = off|info|warning|
 * error, lint.topics = "x86, x86/mmu, ..." (commas or spaces),
 * lint.soft-limit, lint.hard-limit.  A bad value leaves that setting at
 * its default and the others are still read; -EINVAL with err naming the
 * first bad key.
 */
int lint_config_load(struct lint_config *lc, const struct config *cfg,
		     struct strbuf *err);
void lint_config_release(struct lint_config *lc);

struct lint_trailer {
	const char *key; /* "Fixes", "Cc", ... */
	const char *value;
};

/* One patch of a series; every string may be NULL for "none". */
struct lint_patch {
	const char *subject_raw; /* the Subject: header, with [PATCH ...] */
	const char *subject;	 /* the shortlog, as git am commits it */
	const char *body;	 /* the changelog, without the subject */
	const struct lint_trailer *trailers;
	size_t nr_trailers;
	const char *diff;
	bool cc_stable; /* the mail itself went to stable@ */
};

/* The series as a whole. */
struct lint_series {
	int version; /* N of vN */
	/*
	 * In-Reply-To of the thread's first mail (the cover letter, or
	 * patch 1 without one); NULL or "" when it starts a thread.
	 */
	const char *in_reply_to;
	/* The caller knows in_reply_to names a mail of an earlier version. */
	bool in_reply_to_earlier;
	bool has_base_commit; /* a base-commit: line anywhere */
	const struct lint_patch *patches;
	size_t nr_patches;
};

struct lint_finding {
	enum lint_rule rule;
	enum lint_severity severity;
	char *message;
};

struct lint_findings {
	struct lint_finding *v;
	size_t nr, alloc;
};

#define LINT_FINDINGS_INIT \
	{                  \
		NULL, 0, 0 \
	}

void lint_findings_release(struct lint_findings *f);
/* The findings as [{rule, severity, message}]; new reference. */
json_t *lint_findings_json(const struct lint_findings *f);
/* How many findings have severity sev. */
size_t lint_findings_count(const struct lint_findings *f,
			   enum lint_severity sev);

/* Check the shortlog alone (prefix, case, punctuation, length); appends. */
void lint_subject(const struct lint_config *lc, const char *subject,
		  struct lint_findings *out);
/* Check one patch: subject, changelog, trailers; appends. */
void lint_patch(const struct lint_config *lc, const struct lint_patch *p,
		struct lint_findings *out);
/* Check what only the series as a whole shows; appends. */
void lint_series(const struct lint_config *lc, const struct lint_series *s,
		 struct lint_findings *out);

/*
 * Split a Fixes: value into the commit id and the quoted subject.  true
 * when it is well-formed ("<hex> (\"<subject>\")", any number of hex
 * digits); *hex and *subject are then new strings the caller frees.
 */
bool lint_fixes_parse(const char *value, char **hex, char **subject);

/* Whether a patch is for kvm-unit-tests (by its subject tags or paths). */
bool lint_is_unit_tests(const struct lint_patch *p);

#endif
