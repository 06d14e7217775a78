/* SPDX-License-Identifier: GPL-2.0 */
#include <string.h>

#include "daemon/pathcheck.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

/* Spellings git's t1450 and t7415 use, and look-alikes git takes. */
static const char *const dotgit[] = {
	".git",
	".GIT",
	".g\xe2\x80\x8cit",
	"\xef\xbb\xbf.gIt",
	".git\xe2\x81\xaf",
	".\xe2\x80\xaeGIT\xe2\x80\x8d",
	"git~1",
	"GIT~1. .",
	".git.",
	".git ",
	".git::$INDEX_ALLOCATION",
	".git:stream",
	"a\\.git",
	"a\\git~1\\b",
};
static const char *const not_dotgit[] = {
	".github",	    ".gitignore", "git",   ".gi",   "git~2",
	".g\xe2\x80\x8bit", ".git\xc3",	  "..git", "a.git", ".gitx ",
};
static const char *const dotgitmodules[] = {
	".gitmodules",
	".GITMODULES",
	"gitmod~1",
	"GITMOD~4",
	"gi7eba~1",
	"gi7eba~9 .",
	".gitmodules\xe2\x80\x8c",
	".gitmodules . :x",
	"x\\.gitmodules",
};
static const char *const not_dotgitmodules[] = {
	".gitmodulesx", "gitmod~5",   "gi7eba~a",
	"gitmodules",	".gitmodule", "gi7ebz~1",
};

struct gm_case {
	const char *text, *why;
};

static const struct gm_case gitmodules[] = {
	{ "[submodule \"a\"]\n\tpath = a\n\turl = https://example.org/a\n",
	  NULL },
	{ "# comment\n[core]\n\tbare\n[submodule \"a\"] ; x\n\turl = \"x\"\n",
	  NULL },
	{ "[submodule \"a\"]\n\turl = -x\n", "url that starts with '-'" },
	{ "[submodule \"a\"]\n\turl = \"  -x\"\n", NULL },
	{ "[submodule \"a\"]\n\turl = \\\n-x\n", "url that starts with '-'" },
	{ "[submodule \"a\"]\n\turl = \"a\\nb\"\n", "url with a newline" },
	{ "[submodule \"a\"]\n\turl = a%0Ab\n", "url with a newline" },
	{ "[submodule \"a\"]\n\tURL = EXT::sh\n", "url that runs a command" },
	{ "[Submodule.a]\n\turl = fd::7\n", "url that runs a command" },
	{ "[submodule \"a\"]\n\tpath = -a\n", "path that starts with '-'" },
	{ "[submodule \"a\"]\n\tpath = x/.git\n", "path git refuses" },
	{ "[submodule \"a\"]\n\tupdate = !rm\n", "update that runs a command" },
	{ "[submodule \"..\\\\x\"]\n\tpath = a\n", "name with a '..'" },
	{ "[submodule \"a/../x\"]\n\tpath = a\n", "name with a '..'" },
	{ "[submodule \"a\"]\n\turl = \"x\n", "value git cannot parse" },
	{ "[submodule \"a\n", "section header git cannot parse" },
	{ "[submodule \"a\"]\n\t=x\n", "line git cannot parse" },
	{ "[x]\n\turl = -x\n", NULL },
};

int main(void)
{
	struct strbuf why = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(dotgit) / sizeof(*dotgit); i++)
		ok(pathcheck_is_dotgit(dotgit[i]), "'%s' is '.git'", dotgit[i]);
	for (i = 0; i < sizeof(not_dotgit) / sizeof(*not_dotgit); i++)
		ok(!pathcheck_is_dotgit(not_dotgit[i]), "'%s' is not '.git'",
		   not_dotgit[i]);
	for (i = 0; i < sizeof(dotgitmodules) / sizeof(*dotgitmodules); i++)
		ok(pathcheck_is_dotfile(dotgitmodules[i], PATHCHECK_GITMODULES),
		   "'%s' is '.gitmodules'", dotgitmodules[i]);
	for (i = 0; i < sizeof(not_dotgitmodules) / sizeof(*not_dotgitmodules);
	     i++)
		ok(!pathcheck_is_dotfile(not_dotgitmodules[i],
					 PATHCHECK_GITMODULES),
		   "'%s' is not '.gitmodules'", not_dotgitmodules[i]);
	ok(pathcheck_is_dotfile("MAILMA~1", PATHCHECK_MAILMAP) &&
		   pathcheck_is_dotfile(".GitAttributes",
					PATHCHECK_GITATTRIBUTES) &&
		   pathcheck_is_dotfile("gi250a~1", PATHCHECK_GITIGNORE),
	   "the other dot files have their short names");

	is_str(pathcheck_path("a/../b"), "outside the tree", "'..' leaves");
	is_str(pathcheck_path("/etc"), "outside the tree", "so does '/'");
	is_str(pathcheck_path("a//b"), "outside the tree", "an empty name");
	is_str(pathcheck_path("include/.GIT/x"), "outside the tree",
	       "'.GIT' is '.git'");
	ok(pathcheck_path("a/git~1/b") != NULL, "'git~1' below the root");
	ok(pathcheck_path("a/.GITMODULES") != NULL, "'.GITMODULES' is refused");
	ok(!pathcheck_path("a/.gitmodules"), "'.gitmodules' is taken");
	ok(!pathcheck_path(".github/workflows/x.yml"), "'.github' is taken");

	ok(!pathcheck_link("scripts/inc", "../include", 10),
	   "a link to a sibling folder is fine");
	ok(!pathcheck_link("a/b", "../b", 4),
	   "a link to itself is not a folder");
	ok(!pathcheck_link("a/b/c", "../../a2", 8),
	   "a link to a folder named like an ancestor's prefix is fine");
	is_str(pathcheck_link("a/b", "/etc", 4), "point outside the tree",
	       "an absolute link");
	is_str(pathcheck_link("a/b", "../..", 5), "point outside the tree",
	       "a link past the root");
	is_str(pathcheck_link("a/b", "x\0y", 3), "point outside the tree",
	       "a link with a NUL byte");
	is_str(pathcheck_link("a/b", "../x/.git/config", 16),
	       "point into '.git'", "a link into .git");
	is_str(pathcheck_link("a/b", "GIT~1", 5), "point into '.git'",
	       "a link into an NTFS .git");
	is_str(pathcheck_link("b", "./", 2), "point at a folder that holds it",
	       "a link to './'");
	is_str(pathcheck_link("a/b/c", "../../a/./", 10),
	       "point at a folder that holds it", "a link to an ancestor");
	ok(pathcheck_link("x/.gitmodules", "y", 1) != NULL,
	   "a .gitmodules link");
	ok(pathcheck_link("x/.GITIGNORE", "y", 1) != NULL, "a .gitignore link");

	for (i = 0; i < sizeof(gitmodules) / sizeof(*gitmodules); i++) {
		const struct gm_case *c = &gitmodules[i];
		int ret;

		strbuf_reset(&why);
		ret = pathcheck_gitmodules(c->text, strlen(c->text), &why);
		if (c->why)
			ok(ret < 0 && strstr(why.buf, c->why),
			   ".gitmodules %zu refused: %s", i, why.buf);
		else
			ok(ret == 0, ".gitmodules %zu taken (%s)", i, why.buf);
	}
	strbuf_reset(&why);
	ok(pathcheck_gitmodules("[a]\0", 4, &why) < 0, "a NUL byte is refused");
	strbuf_release(&why);
	return done_testing();
}
