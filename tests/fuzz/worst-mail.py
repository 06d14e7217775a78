#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""worst-mail.py DIR [SCALE]: write worst cases for every mail header and
body loop of daemon/mail.c into DIR, one file per case (NAME.mail).

SCALE (default 1) multiplies the number of repeats: 1 gives mails of a
few megabytes, for tests/t0819-security-mail-budget.sh; 0.002 gives the
small seeds kept in tests/fuzz/seeds/mail/worst-*.  At SCALE 1 there are
also the worst mails the parser takes: each capped header just under its
cap (daemon/mail.h), as NAME-at-cap.mail.
"""
import os
import sys


def head(name, extra=""):
    return ("From: Eve Hostile <eve@example.org>\n"
            "Message-Id: <t0819-%s@example.org>\n"
            "Date: Mon, 7 Dec 2026 03:00:00 +0000\n%s" % (name, extra))


def cases(k):
    def n(x):
        return max(2, int(x * k))

    patch = "---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
    yield "references", head("references", "Subject: [PATCH] refs\nReferences:" +
                             "".join(" <r%d@example.org>\n" % i
                                     for i in range(n(200000))) + "\n") + "x\n"
    yield "in-reply-to", head("in-reply-to", "Subject: Re: irt\nIn-Reply-To:" +
                              "".join(" <i%d@example.org>\n" % i
                                      for i in range(n(200000))) + "\n") + "x\n"
    for h in ("To", "Cc", "Reply-To"):
        yield h.lower(), head(h.lower(), "Subject: [PATCH] %s\n%s: " % (h, h) +
                              ",\n ".join("=?utf-8?q?U=C3=BCser_%d?= <u%d@example.org>"
                                          % (i, i) for i in range(n(200000))) +
                              "\n\n") + "x\n" + patch
    yield "subject-words", head("subject-words", "Subject: " + "\n ".join(
        ["=?utf-8?b?W1BBVENIXQ==?="] * n(400000)) + "\n\n") + "x\n"
    yield "subject-open-words", head("subject-open-words", "Subject: " +
                                     "=?u?q?x " * n(1000000) + "\n\n") + "x\n"
    yield "from", ("From: " + " ".join(["=?utf-8?q?Ev=C3=A9?="] * n(400000)) +
                   " <eve@example.org>\nMessage-Id: <t0819-from@example.org>\n"
                   "Subject: [PATCH] long from\n\nx\n" + patch)
    yield "content-type", head("content-type", "Subject: [PATCH] ct\n"
                               "MIME-Version: 1.0\nContent-Type: text/plain;" +
                               ";".join(" p%d=v" % i for i in range(n(800000))) +
                               "\n\n") + "x\n" + patch
    yield "multipart-nesting", head("multipart-nesting", "Subject: nest\n"
                                    "MIME-Version: 1.0\nContent-Type: multipart/mixed;"
                                    " boundary=b0\n\n") + "".join(
        "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1)
        for i in range(n(20000)))
    yield "multipart-many", head("multipart-many", "Subject: parts\n"
                                 "MIME-Version: 1.0\nContent-Type: multipart/mixed;"
                                 " boundary=b\n\n") + "".join(
        "--b\nContent-Type: text/plain\n\nx\n" for i in range(n(100000))) + "--b--\n"
    yield "long-line", head("long-line", "Subject: [PATCH] long\n\n") + \
        "a" * n(8000000) + "\n" + patch
    yield "many-headers", head("many-headers", "Subject: hdrs\n" + "".join(
        "X-H%d: v\n" % i for i in range(n(400000))) + "\n") + "x\n"
    yield "depends-on", head("depends-on", "Subject: [PATCH] deps\n\n") + "".join(
        "Depends-on: <d%d@example.org>\n" % i for i in range(n(200000))) + patch
    yield "prerequisite", head("prerequisite", "Subject: [PATCH] prereq\n\n") + \
        "x\n" + patch + "".join("prerequisite-patch-id: %040x\n" % i
                                for i in range(n(200000)))
    yield "pull-request", head("pull-request", "Subject: [GIT PULL] x\n\n") + \
        "The following changes since commit\n" + \
        "are available in the git repository at:\n" * n(300000) + \
        "  git://" + " " * n(1000000) + "x\n"


def fill(prefix, item, cap):
    """prefix, then as many folded items as keep the header under cap."""
    out, i = [prefix], 0
    size = len(prefix) + 1
    while True:
        it = item % i
        if size + len(it) + 1 >= cap:
            break
        out.append(it)
        size += len(it) + 1
        i += 1
    return "\n".join(out) + "\n"


def at_cap():
    any_max, addr_max, one_max = 256 * 1024, 256 * 1024, 16384
    patch = "---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
    yield "references-at-cap", head("references-at-cap", "Subject: [PATCH] refs\n" +
                                    fill("References:", " <r%d@example.org>", any_max)) + \
        "\nx\n" + patch
    yield "in-reply-to-at-cap", head("in-reply-to-at-cap", "Subject: Re: irt\n" +
                                     fill("In-Reply-To:", " <i%d@example.org>", any_max)) + \
        "\nx\n"
    yield "cc-at-cap", head("cc-at-cap", "Subject: [PATCH] cc\n" +
                            fill("Cc: u@example.org", " , =?utf-8?q?U=C3=BCser_%d?= "
                                 "<u%d@example.org>".replace("%d@", "x@"), addr_max)) + \
        "\nx\n" + patch
    yield "subject-at-cap", head("subject-at-cap",
                                 fill("Subject: [PATCH]", " =?utf-8?b?W1BBVENIXQ==?=%.0d",
                                      one_max)) + "\nx\n" + patch
    # Four other headers near their cap: all headers just under 1 MiB.
    yield "headers-at-cap", head("headers-at-cap", "Subject: [PATCH] hdrs\n" + "".join(
        fill("X-Big%d:" % j, " w%d", any_max - 64) for j in range(3)) + "".join(
        "X-H%d: v\n" % i for i in range(9000))) + "\nx\n" + patch


def main():
    out = sys.argv[1]
    k = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    for name, text in list(cases(k)) + (list(at_cap()) if k >= 1 else []):
        with open(os.path.join(out, name + ".mail"), "w") as f:
            f.write(text)


main()
