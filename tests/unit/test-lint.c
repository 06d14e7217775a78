/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon/lint.c against real shortlogs of the kernel's KVM history and the
 * examples of Documentation/process/maintainer-kvm-x86.rst.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/lint.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

static struct lint_config lc;

/* The rules found, as "rule,rule" in order. */
static char *rules_of(const struct lint_findings *f)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < f->nr; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "",
			    lint_rule_name(f->v[i].rule));
	return strbuf_detach(&sb, NULL);
}

static void subject_is(const char *subject, const char *want)
{
	struct lint_findings f = LINT_FINDINGS_INIT;
	char *got;

	lint_subject(&lc, subject, &f);
	got = rules_of(&f);
	is_str(got, want, "%s", subject);
	free(got);
	lint_findings_release(&f);
}

static const char *message_of(const struct lint_findings *f, enum lint_rule r)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		if (f->v[i].rule == r)
			return f->v[i].message;
	return NULL;
}

static void test_good_subjects(void)
{
	/* From the document and from torvalds/linux arch/x86/kvm history. */
	static const char *const good[] = {
		"KVM: x86: Fix a null pointer dereference in function_xyz()",
		"KVM: x86/mmu: Fix a *very* theoretical race in kvm_mmu_track_write()",
		"KVM: x86/pmu: Synthesize at most one PMI per VM-exit",
		"KVM: x86/xen: Use fast path for Xen timer delivery",
		"KVM: selftests: Add a test for KVM_SET_USER_MEMORY_REGION2",
		"KVM: SVM: Flush pages under kvm->lock to fix UAF",
		"KVM: nSVM: Always recalculate LBR MSR intercepts in svm_update_lbrv()",
		"KVM: VMX: Don't kill the VM on an unexpected #VE",
		"KVM: nVMX: Fix handling of VMXON in SMM",
		"KVM: x86: Don't advertise guest.MAXPHYADDR as host.MAXPHYADDR in CPUID",
		"KVM: x86/mmu: kvm_tdp_mmu_map() already checks for a zapped root",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		subject_is(good[i], "");
}

static void test_bad_subjects(void)
{
	struct lint_findings f = LINT_FINDINGS_INIT;

	/* The document's "not::" example is wrong on three counts. */
	subject_is("kvm: x86: fix a null pointer dereference in function_xyz.",
		   "prefix,capitalize,punctuation");
	subject_is("kvm: vmx: Fix the thing", "prefix");
	lint_subject(&lc, "kvm: vmx: Fix the thing", &f);
	is_str(message_of(&f, LINT_PREFIX),
	       "'kvm: vmx:' must be written 'KVM: VMX:' (names are case sensitive)",
	       "case of the prefix: the message says how to write it");
	lint_findings_release(&f);

	subject_is("kvm: x86: Fix the thing", "prefix");
	subject_is("KVM: svm: Fix the thing", "prefix");
	subject_is("KVM: Fix the thing", "prefix");
	subject_is("KVM: x86/foo: Add the thing", "prefix");
	subject_is("x86: kvm: Fix the thing", "prefix");
	subject_is("Fix the thing", "prefix");

	/* x86/kvm is for Linux as a guest, with the document's reason. */
	subject_is("x86/kvm: Use a static key for pv tlb flush",
		   "prefix-x86-kvm");
	lint_subject(&lc, "x86/kvm: Use a static key for pv tlb flush", &f);
	ok(message_of(&f, LINT_PREFIX_X86_KVM) &&
		   strstr(message_of(&f, LINT_PREFIX_X86_KVM),
			  "Linux-as-a-KVM-guest") &&
		   strstr(message_of(&f, LINT_PREFIX_X86_KVM),
			  "arch/x86/kernel/kvm.c"),
	   "x86/kvm: the message gives the reason of the document");
	lint_findings_release(&f);

	/* File names and paths as prefix. */
	subject_is("KVM: arch/x86/kvm/x86.c: Fix the thing", "prefix-path");
	subject_is("arch/x86/kvm/x86.c: Fix the thing", "prefix-path");
	subject_is("KVM: x86.c: Fix the thing", "prefix-path");
	subject_is("KVM: x86: mmu.c: Fix the thing", "prefix-path");

	/* Punctuation and capitals one at a time. */
	subject_is("KVM: x86: Fix the thing.", "punctuation");
	subject_is("KVM: x86: Fix the thing!", "punctuation");
	subject_is("KVM: x86: fix the thing", "capitalize");

	/* Lengths: 75 is fine, 76 a warning, 81 an error. */
	subject_is("KVM: x86: Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff",
		   "");
	subject_is("KVM: x86: Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee fffffffffff",
		   "length-soft");
	subject_is("KVM: x86: Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffffffffff",
		   "length-hard");
	lint_subject(&lc,
		     "KVM: x86: Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffffffffff",
		     &f);
	is_int(f.v[0].severity, LINT_ERROR, "over 80 characters is an error");
	lint_findings_release(&f);
	lint_subject(&lc,
		     "KVM: x86: Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee fffffffffff",
		     &f);
	is_int(f.v[0].severity, LINT_WARNING,
	       "over 75 characters is a warning");
	lint_findings_release(&f);
}

static int lookup(void *data, const char *hex, struct strbuf *subject)
{
	(void)data;
	if (!strncmp("d1ef43e1f2a4b8f0c58ac88c4ae4b6f8e0a3d2a1", hex,
		     strlen(hex))) {
		strbuf_addstr(
			subject,
			"KVM: x86: Add a helper to check for user interception of KVM hypercalls");
		return 0;
	}
	return -ENOENT;
}

static void test_fixes(void)
{
	struct lint_findings f = LINT_FINDINGS_INIT;
	struct lint_trailer tr[2];
	struct lint_patch p = { 0 };
	char *hex, *subj, *got;

	ok(lint_fixes_parse("f0e1d2c3b4a5 (\"KVM: x86: Fix it\")", &hex, &subj),
	   "Fixes: value parsed");
	is_str(hex, "f0e1d2c3b4a5", "Fixes: commit id");
	is_str(subj, "KVM: x86: Fix it", "Fixes: subject");
	free(hex);
	free(subj);
	ok(!lint_fixes_parse("f0e1d2c3b4a5 KVM: x86: Fix it", &hex, &subj),
	   "Fixes: without the quoted subject refused");

	p.subject = "KVM: x86: Fix the thing";
	p.body = "Fix the thing.\n\nSigned-off-by: A <a@b.org>\n";
	p.trailers = tr;
	p.nr_trailers = 1;
	tr[0].key = "Fixes";

	tr[0].value = "f0e1d2c3b4a5 (\"KVM: x86: Fix it\")";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "", "well-formed Fixes: with 12 digits passes");
	free(got);
	lint_findings_release(&f);

	tr[0].value = "f0e1d2c3 (\"KVM: x86: Fix it\")";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "fixes-format", "8 hex digits is too short");
	free(got);
	lint_findings_release(&f);

	tr[0].value = "f0e1d2c3b4a5";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "fixes-format", "Fixes: without a subject");
	free(got);
	lint_findings_release(&f);

	lc.lookup = lookup;
	tr[0].value =
		"d1ef43e1f2a4 (\"KVM: x86: Add a helper to check for user interception of KVM hypercalls\")";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "", "Fixes: subject matches the repository's commit");
	free(got);
	lint_findings_release(&f);

	tr[0].value = "d1ef43e1f2a4 (\"KVM: x86: Add helper for hypercalls\")";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "fixes-subject",
	       "Fixes: subject differs from the commit's");
	free(got);
	lint_findings_release(&f);
	lc.lookup = NULL;

	/* Cc: stable for backports. */
	tr[0].value = "f0e1d2c3b4a5 (\"KVM: x86: Fix it\")";
	p.body = "Fix the thing.  This needs a backport to 6.1.\n";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "stable", "backport without Cc: stable");
	free(got);
	lint_findings_release(&f);

	tr[1].key = "Cc";
	tr[1].value = "stable@vger.kernel.org";
	p.nr_trailers = 2;
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "", "backport with Cc: stable");
	free(got);
	lint_findings_release(&f);

	p.nr_trailers = 1;
	p.body = "Fix the thing.\n";
	p.cc_stable = true;
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "stable", "mail to stable@ without the tag");
	free(got);
	lint_findings_release(&f);
}

static void test_functions(void)
{
	struct lint_findings f = LINT_FINDINGS_INIT;
	struct lint_patch p = { 0 };
	char *got;

	p.subject = "KVM: x86/mmu: Move the check into kvm_mmu_page_fault";
	p.body =
		"Move the check of the error code from handle_ept_violation() into\n"
		"kvm_mmu_page_fault so that SVM gets it too.  vcpu->arch.mmu_page_fault\n"
		"is a field, not a function.\n"
		"\n"
		"  kvm_mmu_page_fault+0x23/0x60\n";
	p.diff =
		"--- a/arch/x86/kvm/mmu/mmu.c\n+++ b/arch/x86/kvm/mmu/mmu.c\n"
		"@@ -5800,6 +5800,8 @@ int noinline kvm_mmu_page_fault(struct kvm_vcpu *vcpu)\n"
		"+\tif (WARN_ON_ONCE(error_code & PFERR_IMPLICIT_ACCESS))\n";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "function-parens", "bare function name reported once");
	free(got);
	ok(f.nr && strstr(f.v[0].message, "'kvm_mmu_page_fault()'") &&
		   strstr(f.v[0].message, "shortlog"),
	   "the message names the function and where");
	lint_findings_release(&f);

	p.subject = "KVM: x86/mmu: Move the check into kvm_mmu_page_fault()";
	p.body = "Move it into kvm_mmu_page_fault() so that SVM gets it too.\n";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "", "function names written name() pass");
	free(got);
	lint_findings_release(&f);

	/* Words a diff happens to call are not taken for kernel functions. */
	p.subject = "KVM: selftests: Print the tags of each test";
	p.body = "Print the tags, and the Tag of each test.\n";
	p.diff = "+++ b/tools/testing/selftests/kvm/x.py\n"
		 "+    for t in tags(test): print(Tag(t))\n";
	lint_patch(&lc, &p, &f);
	got = rules_of(&f);
	is_str(got, "", "English words and class names called in a diff pass");
	free(got);
	lint_findings_release(&f);
}

static void test_series(void)
{
	struct lint_findings f = LINT_FINDINGS_INIT;
	struct lint_patch p[3] = { { 0 } };
	struct lint_series s = { 0 };
	char *got;

	p[0].subject_raw = "[PATCH 1/2] KVM: x86: Add the thing";
	p[0].subject = "KVM: x86: Add the thing";
	p[1].subject_raw = "[PATCH 2/2] KVM: selftests: Test the thing";
	p[1].subject = "KVM: selftests: Test the thing";
	p[2].subject_raw = "[kvm-unit-tests PATCH 3/3] x86: Test the thing";
	p[2].subject = "x86: Test the thing";
	s.version = 1;
	s.patches = p;
	s.nr_patches = 2;
	s.has_base_commit = true;
	lint_series(&lc, &s, &f);
	got = rules_of(&f);
	is_str(got, "", "clean series");
	free(got);
	lint_findings_release(&f);

	s.nr_patches = 3;
	s.has_base_commit = false;
	lint_series(&lc, &s, &f);
	got = rules_of(&f);
	is_str(got, "base-commit,unit-tests-mix",
	       "no base-commit and kvm-unit-tests mixed in");
	free(got);
	lint_findings_release(&f);

	s.nr_patches = 2;
	s.has_base_commit = true;
	s.version = 3;
	s.in_reply_to = "20240101120000.1-1-a@example.org";
	lint_series(&lc, &s, &f);
	got = rules_of(&f);
	is_str(got, "in-reply-to", "v3 sent in reply to an earlier version");
	free(got);
	lint_findings_release(&f);
}

static void test_config(void)
{
	struct lint_findings f = LINT_FINDINGS_INIT;
	enum lint_severity sev;
	char *got;

	ok(!lint_severity_parse("warning", &sev) && sev == LINT_WARNING,
	   "severity parsed");
	ok(lint_severity_parse("loud", &sev) < 0, "bad severity refused");

	lc.severity[LINT_CAPITALIZE] = LINT_OFF;
	lint_subject(&lc,
		     "kvm: x86: fix a null pointer dereference in function_xyz.",
		     &f);
	got = rules_of(&f);
	is_str(got, "prefix,punctuation", "a rule turned off is not reported");
	free(got);
	lint_findings_release(&f);
	lc.severity[LINT_CAPITALIZE] = LINT_WARNING;

	lc.severity[LINT_PUNCTUATION] = LINT_ERROR;
	lint_subject(&lc, "KVM: x86: Fix the thing.", &f);
	is_int(f.nr ? (int)f.v[0].severity : -1, LINT_ERROR,
	       "a rule raised to error reports as error");
	lint_findings_release(&f);
}

int main(void)
{
	lint_config_init(&lc);
	test_good_subjects();
	test_bad_subjects();
	test_fixes();
	test_functions();
	test_series();
	test_config();
	lint_config_release(&lc);
	return done_testing();
}
