/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checkable rules of Documentation/process/maintainer-kvm-x86.rst:
 * the shortlog (prefix, case, punctuation, length), Fixes: and Cc: stable
 * trailers, function references, base-commit and how a series is posted.
 * Everything here works on plain strings; looking a commit up is the
 * caller's callback, so no git is needed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/lint.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static const struct {
	const char *name;
	enum lint_severity def;
} lint_rules[LINT_NR_RULES] = {
	[LINT_PREFIX] = { "prefix", LINT_ERROR },
	[LINT_PREFIX_X86_KVM] = { "prefix-x86-kvm", LINT_ERROR },
	[LINT_PREFIX_PATH] = { "prefix-path", LINT_ERROR },
	[LINT_CAPITALIZE] = { "capitalize", LINT_WARNING },
	[LINT_PUNCTUATION] = { "punctuation", LINT_WARNING },
	[LINT_LENGTH_SOFT] = { "length-soft", LINT_WARNING },
	[LINT_LENGTH_HARD] = { "length-hard", LINT_ERROR },
	[LINT_FIXES_FORMAT] = { "fixes-format", LINT_ERROR },
	[LINT_FIXES_SUBJECT] = { "fixes-subject", LINT_ERROR },
	[LINT_STABLE] = { "stable", LINT_WARNING },
	[LINT_IN_REPLY_TO] = { "in-reply-to", LINT_WARNING },
	[LINT_FUNCTION_PARENS] = { "function-parens", LINT_WARNING },
	[LINT_BASE_COMMIT] = { "base-commit", LINT_WARNING },
	[LINT_UNIT_TESTS_MIX] = { "unit-tests-mix", LINT_ERROR },
};

static const char *const default_topics[] = {
	"x86", "x86/mmu", "x86/pmu", "x86/xen", "selftests",
	"SVM", "nSVM",	  "VMX",     "nVMX",
};

static const char *const severity_names[] = {
	[LINT_OFF] = "off",
	[LINT_INFO] = "info",
	[LINT_WARNING] = "warning",
	[LINT_ERROR] = "error",
};

const char *lint_rule_name(enum lint_rule rule)
{
	return rule < LINT_NR_RULES ? lint_rules[rule].name : "?";
}

const char *lint_severity_name(enum lint_severity sev)
{
	return sev <= LINT_ERROR ? severity_names[sev] : "?";
}

int lint_severity_parse(const char *s, enum lint_severity *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(severity_names); i++) {
		if (!strcmp(s, severity_names[i])) {
			*out = i;
			return 0;
		}
	}
	if (!strcmp(s, "warn")) {
		*out = LINT_WARNING;
		return 0;
	}
	return -EINVAL;
}

/* --- configuration ----------------------------------------------------- */

static void set_topics(struct lint_config *lc, const char *const *topics,
		       size_t nr)
{
	size_t i;

	for (i = 0; i < lc->nr_topics; i++)
		free(lc->topics[i]);
	free(lc->topics);
	ALLOC_ARRAY(lc->topics, nr ? nr : 1);
	for (i = 0; i < nr; i++)
		lc->topics[i] = xstrdup(topics[i]);
	lc->nr_topics = nr;
}

void lint_config_init(struct lint_config *lc)
{
	size_t i;

	memset(lc, 0, sizeof(*lc));
	for (i = 0; i < LINT_NR_RULES; i++)
		lc->severity[i] = lint_rules[i].def;
	set_topics(lc, default_topics, ARRAY_SIZE(default_topics));
	lc->soft_limit = 75;
	lc->hard_limit = 80;
}

void lint_config_release(struct lint_config *lc)
{
	size_t i;

	for (i = 0; i < lc->nr_topics; i++)
		free(lc->topics[i]);
	free(lc->topics);
	lc->topics = NULL;
	lc->nr_topics = 0;
}

/* Split "a, b c" at commas and white space into lc->topics. */
static void parse_topics(struct lint_config *lc, const char *v)
{
	const char **list = NULL;
	char *copy = xstrdup(v), *tok, *save = NULL;
	size_t nr = 0;

	for (tok = strtok_r(copy, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		list = xrealloc(list, (nr + 1) * sizeof(*list));
		list[nr++] = tok;
	}
	set_topics(lc, list, nr);
	free(list);
	free(copy);
}

int lint_config_load(struct lint_config *lc, const struct config *cfg,
		     struct strbuf *err)
{
	struct strbuf key = STRBUF_INIT;
	const char *v;
	int64_t n;
	size_t i;
	int ret = 0;

	for (i = 0; i < LINT_NR_RULES; i++) {
		strbuf_reset(&key);
		strbuf_addf(&key, "lint.%s", lint_rules[i].name);
		v = config_get(cfg, key.buf);
		/* A bad value keeps the default; the first one is reported. */
		if (v && lint_severity_parse(v, &lc->severity[i]) < 0 && !ret)
			ret = error_set(
				err, -EINVAL,
				"bad value '%s' for '%s': expected off, info, warning or error",
				v, key.buf);
	}
	v = config_get(cfg, "lint.topics");
	if (v)
		parse_topics(lc, v);
	if (!config_get_int(cfg, "lint.soft-limit", lc->soft_limit, &n,
			    ret ? NULL : err))
		lc->soft_limit = n > 0 ? n : 0;
	else if (!ret)
		ret = -EINVAL;
	if (!config_get_int(cfg, "lint.hard-limit", lc->hard_limit, &n,
			    ret ? NULL : err))
		lc->hard_limit = n > 0 ? n : 0;
	else if (!ret)
		ret = -EINVAL;
	strbuf_release(&key);
	return ret;
}

/* --- findings ---------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static void
add(const struct lint_config *lc, struct lint_findings *out,
    enum lint_rule rule, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	struct lint_finding *f;
	va_list ap;

	if (lc->severity[rule] == LINT_OFF)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (out->nr == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 8;
		out->v = xrealloc(out->v, out->alloc * sizeof(*out->v));
	}
	f = &out->v[out->nr++];
	f->rule = rule;
	f->severity = lc->severity[rule];
	f->message = strbuf_detach(&sb, NULL);
}

void lint_findings_release(struct lint_findings *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		free(f->v[i].message);
	free(f->v);
	f->v = NULL;
	f->nr = f->alloc = 0;
}

json_t *lint_findings_json(const struct lint_findings *f)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < f->nr; i++)
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s}", "rule",
						lint_rule_name(f->v[i].rule),
						"severity",
						lint_severity_name(
							f->v[i].severity),
						"message", f->v[i].message));
	return arr;
}

size_t lint_findings_count(const struct lint_findings *f,
			   enum lint_severity sev)
{
	size_t i, n = 0;

	for (i = 0; i < f->nr; i++)
		n += f->v[i].severity == sev;
	return n;
}

/* --- the shortlog ------------------------------------------------------ */

static bool is_topic(const struct lint_config *lc, const char *s, size_t len,
		     bool nocase, const char **match)
{
	size_t i;

	for (i = 0; i < lc->nr_topics; i++) {
		if (strlen(lc->topics[i]) != len)
			continue;
		if (nocase ? !strncasecmp(lc->topics[i], s, len) :
			     !strncmp(lc->topics[i], s, len)) {
			if (match)
				*match = lc->topics[i];
			return true;
		}
	}
	return false;
}

/*
 * Whether a prefix word names a file or a path rather than a topic:
 * it has a file extension ("x86.c", "mmu.h") or starts with one of the
 * kernel's top-level folders ("arch/x86/kvm").
 */
static bool looks_like_path(const char *s, size_t len)
{
	static const char *const dirs[] = {
		"arch/",    "virt/",   "include/", "tools/", "Documentation/",
		"drivers/", "kernel/", "lib/",	   "mm/",    "scripts/",
	};
	static const char *const exts[] = {
		".c", ".h", ".S", ".rst", ".txt", ".sh", ".py", ".lds",
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		n = strlen(dirs[i]);
		if (len > n && !strncmp(s, dirs[i], n))
			return true;
	}
	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		n = strlen(exts[i]);
		if (len > n && !strncmp(s + len - n, exts[i], n))
			return true;
	}
	return false;
}

/* Characters of a UTF-8 string (continuation bytes not counted). */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

#define MAX_PREFIX_WORDS 8

/*
 * Split the shortlog into its prefix words ("KVM", "x86/mmu") and the
 * description: a word is what comes before ": " and holds no space.
 * Returns the number of words; *desc points into subject.
 */
static size_t split_prefix(const char *subject, const char **word, size_t *len,
			   const char **desc)
{
	const char *p = subject, *colon;
	size_t nr = 0;

	while (nr < MAX_PREFIX_WORDS) {
		colon = strstr(p, ": ");
		if (!colon || colon == p || memchr(p, ' ', colon - p))
			break;
		word[nr] = p;
		len[nr] = colon - p;
		nr++;
		p = colon + 2;
		while (*p == ' ')
			p++;
	}
	*desc = p;
	return nr;
}

void lint_subject(const struct lint_config *lc, const char *subject,
		  struct lint_findings *out)
{
	const char *word[MAX_PREFIX_WORDS], *desc, *topic = NULL, *end;
	size_t len[MAX_PREFIX_WORDS], nr, i, n;
	bool prefix_ok = true;

	if (!subject)
		subject = "";
	nr = split_prefix(subject, word, len, &desc);

	for (i = 0; i < nr; i++) {
		if (len[i] == 7 && !strncmp(word[i], "x86/kvm", 7)) {
			add(lc, out, LINT_PREFIX_X86_KVM,
			    "do not use 'x86/kvm': it is used exclusively for Linux-as-a-KVM-guest changes, i.e. for arch/x86/kernel/kvm.c; use 'KVM: <topic>:'");
			prefix_ok = false;
			goto body;
		}
	}
	for (i = 0; i < nr; i++) {
		if (!is_topic(lc, word[i], len[i], false, NULL) &&
		    looks_like_path(word[i], len[i])) {
			add(lc, out, LINT_PREFIX_PATH,
			    "do not use a file name or path as the shortlog prefix ('%.*s'); use 'KVM: <topic>:'",
			    (int)len[i], word[i]);
			prefix_ok = false;
			goto body;
		}
	}

	if (!nr || strncasecmp(word[0], "KVM", 3) || len[0] != 3) {
		add(lc, out, LINT_PREFIX,
		    "shortlog prefix must be 'KVM: <topic>:' with a topic of %s%s",
		    lc->nr_topics ? lc->topics[0] : "",
		    lc->nr_topics > 1 ? ", ..." : "");
		prefix_ok = false;
	} else if (nr < 2) {
		add(lc, out, LINT_PREFIX,
		    "no topic after 'KVM:'; use 'KVM: <topic>:'");
		prefix_ok = false;
	} else if (!is_topic(lc, word[1], len[1], false, NULL)) {
		if (is_topic(lc, word[1], len[1], true, &topic))
			add(lc, out, LINT_PREFIX,
			    "'%.*s: %.*s:' must be written 'KVM: %s:' (names are case sensitive)",
			    (int)len[0], word[0], (int)len[1], word[1], topic);
		else
			add(lc, out, LINT_PREFIX,
			    "unknown topic '%.*s' in the shortlog prefix; see lint.topics",
			    (int)len[1], word[1]);
		prefix_ok = false;
	} else if (strncmp(word[0], "KVM", 3)) {
		add(lc, out, LINT_PREFIX,
		    "'%.*s:' must be written 'KVM:' (names are case sensitive)",
		    (int)len[0], word[0]);
		prefix_ok = false;
	}

body:
	/*
	 * The description: capitalised unless it starts with an identifier
	 * ("kvm_mmu_zap_all() ..." reads better as the name it is).
	 */
	if (*desc && (prefix_ok || nr)) {
		end = desc + strcspn(desc, " ");
		if (islower((unsigned char)*desc) &&
		    !memchr(desc, '_', end - desc) &&
		    !memchr(desc, '(', end - desc))
			add(lc, out, LINT_CAPITALIZE,
			    "capitalize the first word of the description ('%.*s')",
			    (int)(end - desc), desc);
	}
	n = strlen(subject);
	while (n && subject[n - 1] == ' ')
		n--;
	if (n && strchr(".,;:!?", subject[n - 1]))
		add(lc, out, LINT_PUNCTUATION,
		    "omit the ending punctuation ('%c') of the shortlog",
		    subject[n - 1]);

	n = utf8_len(subject);
	if (lc->hard_limit && n > lc->hard_limit)
		add(lc, out, LINT_LENGTH_HARD,
		    "shortlog is %zu characters, more than the hard limit of %zu",
		    n, lc->hard_limit);
	else if (lc->soft_limit && n > lc->soft_limit)
		add(lc, out, LINT_LENGTH_SOFT,
		    "shortlog is %zu characters, more than %zu (allowed up to %zu with good reason)",
		    n, lc->soft_limit, lc->hard_limit);
}

/* --- trailers ---------------------------------------------------------- */

bool lint_fixes_parse(const char *value, char **hex, char **subject)
{
	const char *p = value, *h, *s;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	h = p;
	while (isxdigit((unsigned char)*p))
		p++;
	if (p == h || p - h > 40)
		return false;
	if (strncmp(p, " (\"", 3))
		return false;
	s = p + 3;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n < 3 || strncmp(s + n - 2, "\")", 2))
		return false;
	*hex = xstrndup(h, p - h);
	*subject = xstrndup(s, n - 2);
	return true;
}

static void lint_fixes(const struct lint_config *lc, const char *value,
		       struct lint_findings *out)
{
	struct strbuf subject = STRBUF_INIT;
	char *hex = NULL, *quoted = NULL;

	if (!lint_fixes_parse(value, &hex, &quoted)) {
		add(lc, out, LINT_FIXES_FORMAT,
		    "malformed 'Fixes: %s': write 'Fixes: <12+ hex digits> (\"<subject>\")'",
		    value);
		return;
	}
	if (strlen(hex) < 12)
		add(lc, out, LINT_FIXES_FORMAT,
		    "'Fixes: %s' abbreviates the commit to %zu hex digits; use at least 12",
		    hex, strlen(hex));
	if (lc->lookup && lc->severity[LINT_FIXES_SUBJECT] != LINT_OFF &&
	    !lc->lookup(lc->lookup_data, hex, &subject) &&
	    strcmp(subject.buf, quoted))
		add(lc, out, LINT_FIXES_SUBJECT,
		    "'Fixes: %s' quotes \"%s\" but the commit's subject is \"%s\"",
		    hex, quoted, subject.buf);
	strbuf_release(&subject);
	free(hex);
	free(quoted);
}

static bool is_stable_trailer(const struct lint_trailer *t)
{
	return !strcasecmp(t->key, "Cc") &&
	       strcasestr(t->value, "stable@vger.kernel.org");
}

/* Words of a changelog that ask for a backport. */
static bool mentions_backport(const char *text)
{
	static const char *const words[] = {
		"backport", "stable kernel", "stable tree",
		"stable@",  "stable branch", "LTS kernel",
	};
	size_t i;

	if (!text)
		return false;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasestr(text, words[i]))
			return true;
	return false;
}

/* --- function references ---------------------------------------------- */

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static bool is_c_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {
		"if",	   "for",	 "while",    "switch",	      "return",
		"sizeof",  "typeof",	 "defined",  "__attribute__", "do",
		"case",	   "__typeof__", "offsetof", "alignof",	      "asm",
		"__asm__", "likely",	 "unlikely",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kw); i++)
		if (strlen(kw[i]) == n && !strncmp(kw[i], s, n))
			return true;
	return false;
}

/* A set of names, kept small: a patch mentions few functions. */
struct names {
	char **v;
	size_t nr;
};

static bool names_has(const struct names *ns, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < ns->nr; i++)
		if (strlen(ns->v[i]) == n && !strncmp(ns->v[i], s, n))
			return true;
	return false;
}

static void names_add(struct names *ns, const char *s, size_t n)
{
	if (names_has(ns, s, n))
		return;
	ns->v = xrealloc(ns->v, (ns->nr + 1) * sizeof(*ns->v));
	ns->v[ns->nr++] = xstrndup(s, n);
}

static void names_release(struct names *ns)
{
	size_t i;

	for (i = 0; i < ns->nr; i++)
		free(ns->v[i]);
	free(ns->v);
}

/*
 * Collect the names called or defined in text ("name(" with a
 * lower-case letter in it: upper-case names are macros and constants).
 * With kernel_only, only names that start in lower case and hold a '_'
 * (kvm_mmu_page_fault, not a Python class or an English word that a
 * diff happens to call).
 */
static void collect_calls(const char *text, bool kernel_only, struct names *ns)
{
	const char *p = text, *s;
	bool lower;

	if (!text)
		return;
	while (*p) {
		if (!is_ident_start((unsigned char)*p) ||
		    (p > text && is_ident((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		s = p;
		lower = false;
		while (is_ident((unsigned char)*p)) {
			lower |= islower((unsigned char)*p);
			p++;
		}
		if (*p != '(' || !lower || p - s <= 2 || is_c_keyword(s, p - s))
			continue;
		if (kernel_only &&
		    (isupper((unsigned char)*s) || !memchr(s, '_', p - s)))
			continue;
		names_add(ns, s, p - s);
	}
}

/* Whether a changelog line is a trailer, a quote or indented code/log. */
static bool skip_line(const char *line, size_t n)
{
	size_t i;

	if (!n || line[0] == ' ' || line[0] == '\t' || line[0] == '>')
		return true;
	for (i = 0;
	     i < n && (isalnum((unsigned char)line[i]) || line[i] == '-'); i++)
		;
	return i && i < n && line[i] == ':' && i + 1 < n &&
	       line[i + 1] == ' ' && memchr(line, '-', i);
}

/*
 * Report each known function that text names without "()"; "where"
 * says which part of the patch it is.  A name followed by "+0x" is a
 * stack trace, by "->" or "." a member, by "()" or "(" a proper reference.
 */
static void find_bare(const struct lint_config *lc, const char *text,
		      const char *where, const struct names *fns,
		      struct names *reported, struct lint_findings *out)
{
	const char *line = text, *eol, *p, *s;

	if (!text)
		return;
	for (; *line; line = *eol ? eol + 1 : eol) {
		eol = strchrnul(line, '\n');
		if (skip_line(line, eol - line))
			continue;
		for (p = line; p < eol;) {
			if (!is_ident_start((unsigned char)*p) ||
			    (p > line &&
			     (is_ident((unsigned char)p[-1]) || p[-1] == '.' ||
			      p[-1] == '>' || p[-1] == '/'))) {
				p++;
				continue;
			}
			s = p;
			while (p < eol && is_ident((unsigned char)*p))
				p++;
			if (p < eol &&
			    (*p == '(' || *p == '+' || *p == '/' ||
			     (*p == '.' && p + 1 < eol &&
			      is_ident((unsigned char)p[1])) ||
			     (*p == '-' && p + 1 < eol && p[1] == '>')))
				continue;
			if (!names_has(fns, s, p - s) ||
			    names_has(reported, s, p - s))
				continue;
			names_add(reported, s, p - s);
			add(lc, out, LINT_FUNCTION_PARENS,
			    "write the function as '%.*s()' in the %s",
			    (int)(p - s), s, where);
		}
	}
}

static void lint_functions(const struct lint_config *lc,
			   const struct lint_patch *p,
			   struct lint_findings *out)
{
	struct names fns = { NULL, 0 }, reported = { NULL, 0 };

	if (lc->severity[LINT_FUNCTION_PARENS] == LINT_OFF)
		return;
	collect_calls(p->diff, true, &fns);
	collect_calls(p->subject, false, &fns);
	collect_calls(p->body, false, &fns);
	find_bare(lc, p->subject, "shortlog", &fns, &reported, out);
	find_bare(lc, p->body, "changelog", &fns, &reported, out);
	names_release(&fns);
	names_release(&reported);
}

/* --- patches and series ------------------------------------------------ */

void lint_patch(const struct lint_config *lc, const struct lint_patch *p,
		struct lint_findings *out)
{
	bool has_fixes = false, has_stable = false;
	size_t i;

	lint_subject(lc, p->subject, out);
	for (i = 0; i < p->nr_trailers; i++) {
		if (!strcasecmp(p->trailers[i].key, "Fixes")) {
			has_fixes = true;
			lint_fixes(lc, p->trailers[i].value, out);
		} else if (is_stable_trailer(&p->trailers[i])) {
			has_stable = true;
		}
	}
	if (!has_stable && (p->cc_stable || mentions_backport(p->body)))
		add(lc, out, LINT_STABLE,
		    "%s meant for stable lacks the 'Cc: stable@vger.kernel.org' tag (KVM x86 does not backport Fixes: by default)",
		    has_fixes ? "fix" : "patch");
	lint_functions(lc, p, out);
}

bool lint_is_unit_tests(const struct lint_patch *p)
{
	const char *s = p->subject_raw, *end;

	/* The tags of the leading bracket groups: "[kvm-unit-tests PATCH]". */
	while (s && (s = strchr(s, '[')) && (end = strchr(s, ']'))) {
		if (memmem(s, end - s, "kvm-unit-tests", 14) ||
		    memmem(s, end - s, "KVM-UNIT-TESTS", 14))
			return true;
		s = end;
	}
	/* Paths only kvm-unit-tests has. */
	return p->diff && (strstr(p->diff, " a/x86/unittests.cfg") ||
			   strstr(p->diff, " a/lib/x86/") ||
			   strstr(p->diff, " b/lib/x86/"));
}

void lint_series(const struct lint_config *lc, const struct lint_series *s,
		 struct lint_findings *out)
{
	size_t i, kut = 0;

	if (s->in_reply_to && *s->in_reply_to) {
		if (s->in_reply_to_earlier || s->version > 1)
			add(lc, out, LINT_IN_REPLY_TO,
			    "v%d was sent In-Reply-To an earlier version (<%s>); start a new thread and put a lore link in the cover letter",
			    s->version, s->in_reply_to);
		else
			add(lc, out, LINT_IN_REPLY_TO,
			    "series was sent In-Reply-To <%s>; reference bug reports and earlier versions with lore links, not In-Reply-To",
			    s->in_reply_to);
	}
	if (!s->has_base_commit)
		add(lc, out, LINT_BASE_COMMIT,
		    "no 'base-commit:' line; use git format-patch --base");
	for (i = 0; i < s->nr_patches; i++)
		kut += lint_is_unit_tests(&s->patches[i]);
	if (kut && kut < s->nr_patches)
		add(lc, out, LINT_UNIT_TESTS_MIX,
		    "series mixes %zu kvm-unit-tests patch%s with %zu KVM patch%s; post kvm-unit-tests separately",
		    kut, kut == 1 ? "" : "es", s->nr_patches - kut,
		    s->nr_patches - kut == 1 ? "" : "es");
}
