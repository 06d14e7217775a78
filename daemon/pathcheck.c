// SPDX-License-Identifier: GPL-2.0
/*
 * Path, link and .gitmodules checks that follow git's fsck.c, path.c
 * (is_ntfs_dotgit(), is_ntfs_dot_generic()) and utf8.c (is_hfs_dotgit(),
 * next_hfs_char()), so that cthulhu refuses what `git fsck --strict`
 * would flag in the trees it writes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/pathcheck.h"
#include "lib/xalloc.h"

static const struct {
	const char *name;      /* without the dot */
	const char *shortname; /* NTFS 8.3 fallback prefix, see path.c */
} dotfiles[] = {
	[PATHCHECK_GITMODULES] = { "gitmodules", "gi7eba" },
	[PATHCHECK_GITATTRIBUTES] = { "gitattributes", "gi7d29" },
	[PATHCHECK_GITIGNORE] = { "gitignore", "gi250a" },
	[PATHCHECK_MAILMAP] = { "mailmap", "maba30" },
};

/*
 * The next UTF-8 code point of *in, skipping those HFS+ ignores; 0 at the
 * end, -1 for malformed UTF-8 (which cannot spell ".git").
 */
static int32_t next_hfs_char(const unsigned char **in)
{
	for (;;) {
		const unsigned char *s = *in;
		int32_t c;
		int n, i;

		if (!*s)
			return 0;
		if (*s < 0x80) {
			c = *s;
			n = 1;
		} else if ((*s & 0xe0) == 0xc0) {
			c = *s & 0x1f;
			n = 2;
		} else if ((*s & 0xf0) == 0xe0) {
			c = *s & 0x0f;
			n = 3;
		} else if ((*s & 0xf8) == 0xf0) {
			c = *s & 0x07;
			n = 4;
		} else {
			return -1;
		}
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (s[i] & 0x3f);
		}
		*in = s + n;
		if ((c >= 0x200c && c <= 0x200f) ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x206a && c <= 0x206f) || c == 0xfeff)
			continue;
		return c;
	}
}

/* git's is_hfs_dot_generic(): "." and needle, any case, ignorables anywhere. */
static bool is_hfs_dot(const char *name, const char *needle)
{
	const unsigned char *s = (const unsigned char *)name;
	int32_t c;

	if (next_hfs_char(&s) != '.')
		return false;
	for (; *needle; needle++) {
		c = next_hfs_char(&s);
		if (c <= 0 || c > 127 || tolower(c) != *needle)
			return false;
	}
	c = next_hfs_char(&s);
	return c == 0 || c == '/';
}

/* The rest of an NTFS name after its stem: only spaces and dots, to ':'. */
static bool ntfs_tail_ok(const char *s)
{
	for (;; s++) {
		if (!*s || *s == ':')
			return true;
		if (*s != ' ' && *s != '.')
			return false;
	}
}

/* git's is_ntfs_dotgit(), for one '\'-separated part. */
static bool is_ntfs_dotgit(const char *name)
{
	const char *rest;

	if (!strncasecmp(name, "git~1", 5))
		rest = name + 5;
	else if (!strncasecmp(name, ".git", 4))
		rest = name + 4;
	else
		return false;
	for (;; rest++) {
		if (!*rest || *rest == '\\' || *rest == '/' || *rest == ':')
			return true;
		if (*rest != '.' && *rest != ' ')
			return false;
	}
}

/* git's is_ntfs_dot_generic(): a long name, its "~1".."~4" or 8.3 form. */
static bool is_ntfs_dot(const char *name, const char *stem,
			const char *shortname)
{
	size_t len = strlen(stem), i;
	bool saw_tilde = false;

	if (name[0] == '.' && !strncasecmp(name + 1, stem, len))
		return ntfs_tail_ok(name + len + 1);
	if (!strncasecmp(name, stem, 6) && name[6] == '~' && name[7] >= '1' &&
	    name[7] <= '4')
		return ntfs_tail_ok(name + 8);
	for (i = 0; i < 8; i++) {
		unsigned char c = name[i];

		if (!c)
			return false;
		if (saw_tilde) {
			if (c < '0' || c > '9')
				return false;
		} else if (c == '~') {
			i++;
			if (name[i] < '1' || name[i] > '9')
				return false;
			saw_tilde = true;
		} else if (i >= 6 || (c & 0x80) || tolower(c) != shortname[i]) {
			return false;
		}
	}
	return ntfs_tail_ok(name + i);
}

bool pathcheck_is_dotgit(const char *name)
{
	const char *bs;

	if (is_hfs_dot(name, "git") || is_ntfs_dotgit(name))
		return true;
	/* NTFS also splits at '\' (fsck_tree() checks each part). */
	for (bs = strchr(name, '\\'); bs; bs = strchr(bs + 1, '\\'))
		if (is_ntfs_dotgit(bs + 1))
			return true;
	return false;
}

bool pathcheck_is_dotfile(const char *name, enum pathcheck_dotfile which)
{
	const char *bs;

	if (is_hfs_dot(name, dotfiles[which].name) ||
	    is_ntfs_dot(name, dotfiles[which].name, dotfiles[which].shortname))
		return true;
	for (bs = strchr(name, '\\'); bs; bs = strchr(bs + 1, '\\'))
		if (is_ntfs_dot(bs + 1, dotfiles[which].name,
				dotfiles[which].shortname))
			return true;
	return false;
}

const char *pathcheck_path(const char *path)
{
	const char *p = path, *why = NULL;

	if (!path || !*path || *path == '/')
		return "outside the tree";
	while (*p && !why) {
		const char *e = strchrnul(p, '/');
		size_t n = e - p;
		char *name;

		if ((n == 2 && !memcmp(p, "..", 2)) || (n == 1 && *p == '.') ||
		    (n == 4 && !strncasecmp(p, ".git", 4)) || n == 0)
			return "outside the tree";
		name = xstrndup(p, n);
		if (pathcheck_is_dotgit(name))
			why = "that git's fsck refuses as a spelling of '.git'";
		else if (strcmp(name, ".gitmodules") &&
			 pathcheck_is_dotfile(name, PATHCHECK_GITMODULES))
			why = "that git's fsck refuses as a spelling of "
			      "'.gitmodules'";
		free(name);
		p = *e ? e + 1 : e;
	}
	return why;
}

/* Whether the component p (n bytes) is a spelling of ".git". */
static bool component_is_dotgit(const char *p, size_t n)
{
	char *name = xstrndup(p, n);
	bool ret = (n == 4 && !strncasecmp(p, ".git", 4)) ||
		   pathcheck_is_dotgit(name);

	free(name);
	return ret;
}

const char *pathcheck_link(const char *path, const char *target, size_t len)
{
	const char *p, *end = target + len, *base = strrchr(path, '/');
	const char **stack, *why = NULL;
	size_t *lens, depth = 0, dirs = 0, i;
	enum pathcheck_dotfile f;

	base = base ? base + 1 : path;
	for (f = PATHCHECK_GITMODULES; f <= PATHCHECK_MAILMAP; f++)
		if (pathcheck_is_dotfile(base, f))
			return f == PATHCHECK_GITMODULES ?
				       "be a '.gitmodules', which git's fsck "
				       "refuses as a link" :
				       "be a dot file git reads ('.gitattributes', "
				       "'.gitignore', '.mailmap'), which git's "
				       "fsck refuses as a link";
	if (!len || *target == '/' || memchr(target, '\0', len))
		return "point outside the tree";

	/*
	 * Resolve the target from the link's folder, component by component:
	 * a stack of the folders from the root.
	 */
	stack = xmalloc((strlen(path) + len + 2) * sizeof(*stack));
	lens = xmalloc((strlen(path) + len + 2) * sizeof(*lens));
	for (p = path; p < base;) {
		const char *e = strchr(p, '/');

		stack[depth] = p;
		lens[depth++] = e - p;
		p = e + 1;
	}
	dirs = depth;
	for (p = target; p < end && !why;) {
		const char *e = memchr(p, '/', end - p);
		size_t k;

		if (!e)
			e = end;
		k = e - p;
		if (component_is_dotgit(p, k)) {
			why = "point into '.git'";
		} else if (k == 2 && !memcmp(p, "..", 2)) {
			if (!depth)
				why = "point outside the tree";
			else
				depth--;
		} else if (k && !(k == 1 && *p == '.')) {
			stack[depth] = p;
			lens[depth++] = k;
		}
		p = e < end ? e + 1 : e;
	}

	/* Ending at the link's own folder or above it makes a loop. */
	if (!why && depth <= dirs) {
		why = "point at a folder that holds it";
		for (i = 0; i < depth; i++) {
			const char *d = path;
			size_t j, dl;

			/* The i-th folder of path. */
			for (j = 0; j < i; j++)
				d = strchr(d, '/') + 1;
			dl = strchr(d, '/') - d;
			if (dl != lens[i] || memcmp(d, stack[i], dl)) {
				why = NULL;
				break;
			}
		}
	}
	free(lens);
	free(stack);
	return why;
}

/* --- .gitmodules --------------------------------------------------------- */

struct gm_parser {
	const char *p, *end;
	struct strbuf section, name, key, value;
	bool has_name;
};

/* The next character, "\r\n" read as '\n'; -1 at the end. */
static int gm_next(struct gm_parser *gm)
{
	if (gm->p >= gm->end)
		return -1;
	if (*gm->p == '\r' && gm->p + 1 < gm->end && gm->p[1] == '\n')
		gm->p++;
	return (unsigned char)*gm->p++;
}

static int gm_peek(struct gm_parser *gm)
{
	if (gm->p >= gm->end)
		return -1;
	if (*gm->p == '\r' && gm->p + 1 < gm->end && gm->p[1] == '\n')
		return '\n';
	return (unsigned char)*gm->p;
}

/* A "[section]", "[section \"name\"]" or "[section.name]" header. */
static int gm_header(struct gm_parser *gm)
{
	const char *dot;
	int c;

	strbuf_reset(&gm->section);
	strbuf_reset(&gm->name);
	gm->has_name = false;
	while ((c = gm_next(gm)) >= 0 && (isalnum(c) || c == '-' || c == '.'))
		strbuf_addch(&gm->section, tolower(c));
	if (!gm->section.len)
		return -1;
	dot = strchr(gm->section.buf, '.');
	if (dot) {
		strbuf_addstr(&gm->name, dot + 1);
		strbuf_setlen(&gm->section, dot - gm->section.buf);
		gm->has_name = true;
		return c == ']' ? 0 : -1;
	}
	while (c == ' ' || c == '\t')
		c = gm_next(gm);
	if (c == ']')
		return 0;
	if (c != '"')
		return -1;
	while ((c = gm_next(gm)) >= 0 && c != '"') {
		if (c == '\n')
			return -1;
		if (c == '\\' && ((c = gm_next(gm)) < 0 || c == '\n'))
			return -1;
		strbuf_addch(&gm->name, c);
	}
	gm->has_name = true;
	return c == '"' && gm_next(gm) == ']' ? 0 : -1;
}

/* A value after "key =", as git's parse_value() reads it. */
static int gm_value(struct gm_parser *gm)
{
	bool quote = false, comment = false;
	size_t space = 0;
	int c;

	strbuf_reset(&gm->value);
	for (;;) {
		c = gm_next(gm);
		if (c < 0 || c == '\n')
			return quote ? -1 : 0;
		if (comment)
			continue;
		if (isspace(c) && !quote) {
			if (gm->value.len)
				space++;
			continue;
		}
		if (!quote && (c == ';' || c == '#')) {
			comment = true;
			continue;
		}
		for (; space; space--)
			strbuf_addch(&gm->value, ' ');
		if (c == '\\') {
			c = gm_next(gm);
			switch (c) {
			case '\n':
				continue;
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'n':
				c = '\n';
				break;
			case '\\':
			case '"':
				break;
			default:
				return -1;
			}
			strbuf_addch(&gm->value, c);
			continue;
		}
		if (c == '"') {
			quote = !quote;
			continue;
		}
		strbuf_addch(&gm->value, c);
	}
}

/* Whether name has a ".." component ('/' or '\' separated). */
static bool has_dotdot(const char *name)
{
	const char *p = name;

	for (;;) {
		size_t n = strcspn(p, "/\\");

		if (n == 2 && !memcmp(p, "..", 2))
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

/* git's fsck_gitmodules_fn(), for one variable of a [submodule] section. */
static const char *gm_check(struct gm_parser *gm)
{
	const char *v = gm->value.buf;

	if (!gm->has_name)
		return NULL;
	if (has_dotdot(gm->name.buf))
		return "a name with a '..' component";
	if (!strcmp(gm->key.buf, "url")) {
		if (*v == '-')
			return "a url that starts with '-'";
		if (strpbrk(v, "\n\r") || strcasestr(v, "%0a") ||
		    strcasestr(v, "%0d"))
			return "a url with a newline";
		if (!strncasecmp(v, "ext::", 5) || !strncasecmp(v, "fd::", 4))
			return "a url that runs a command ('ext::' or 'fd::')";
	} else if (!strcmp(gm->key.buf, "path")) {
		if (*v == '-')
			return "a path that starts with '-'";
		if (pathcheck_path(v))
			return "a path git refuses";
	} else if (!strcmp(gm->key.buf, "update")) {
		if (*v == '!')
			return "an update that runs a command ('!')";
	}
	return NULL;
}

int pathcheck_gitmodules(const char *buf, size_t len, struct strbuf *why)
{
	struct gm_parser gm = { .p = buf, .end = buf + len };
	const char *bad = NULL;
	int c;

	strbuf_init(&gm.section, 0);
	strbuf_init(&gm.name, 0);
	strbuf_init(&gm.key, 0);
	strbuf_init(&gm.value, 0);
	if (memchr(buf, '\0', len))
		bad = "a NUL byte";
	while (!bad && (c = gm_peek(&gm)) >= 0) {
		if (isspace(c)) {
			gm.p++;
		} else if (c == '#' || c == ';') {
			while ((c = gm_next(&gm)) >= 0 && c != '\n')
				;
		} else if (c == '[') {
			gm.p++;
			if (gm_header(&gm) < 0)
				bad = "a section header git cannot parse";
		} else if (isalpha(c)) {
			strbuf_reset(&gm.key);
			while ((c = gm_peek(&gm)) >= 0 &&
			       (isalnum(c) || c == '-')) {
				strbuf_addch(&gm.key, tolower(c));
				gm.p++;
			}
			while (c == ' ' || c == '\t') {
				gm.p++;
				c = gm_peek(&gm);
			}
			if (c == '=') {
				gm.p++;
				if (gm_value(&gm) < 0)
					bad = "a value git cannot parse";
			} else if (c < 0 || c == '\n' || c == '#' || c == ';') {
				strbuf_reset(&gm.value);
				strbuf_addstr(&gm.value, "true");
			} else {
				bad = "a line git cannot parse";
			}
			if (!bad && !strcmp(gm.section.buf, "submodule")) {
				bad = gm_check(&gm);
				if (bad) {
					strbuf_addf(why,
						    "submodule '%s' has %s",
						    gm.name.buf, bad);
					bad = "";
				}
			}
		} else {
			bad = "a line git cannot parse";
		}
	}
	if (bad && *bad)
		strbuf_addstr(why, bad);
	strbuf_release(&gm.value);
	strbuf_release(&gm.key);
	strbuf_release(&gm.name);
	strbuf_release(&gm.section);
	return bad ? -1 : 0;
}
