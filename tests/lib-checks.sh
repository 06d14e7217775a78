# Helpers for the checks tests (t0540-t0542, t0609), sourced after
# tests/lib.sh and tests/lib-foundation.sh.

# checks_series FILE ID [VERSION]: a series of a cover letter and one
# patch adding a line to make_repo's README, by Pat Author, written to
# FILE as an mbox; its Message-IDs are cover-ID@example.org and
# patch-ID@example.org.
checks_series()
{
	local file=$1 id=$2 v=${3:-}
	local tag="PATCH${v:+ v$v}"
	cat >"$file" <<EOM
From nobody Mon Sep 17 00:00:00 2001
From: Pat Author <pat@example.org>
Date: Tue, 1 Oct 2024 10:00:00 +0000
Subject: [$tag 0/1] readme: Say more ($id)
Message-Id: <cover-$id@example.org>

The README says more.

From nobody Mon Sep 17 00:00:00 2001
From: Pat Author <pat@example.org>
Date: Tue, 1 Oct 2024 10:00:01 +0000
Subject: [$tag 1/1] readme: Say more ($id)
Message-Id: <patch-$id@example.org>
In-Reply-To: <cover-$id@example.org>
References: <cover-$id@example.org>

More.

Signed-off-by: Pat Author <pat@example.org>
---
diff --git a/README b/README
--- a/README
+++ b/README
@@ -1 +1,2 @@
 base
+more $id
EOM
}

# series_id ID: the id of the series of checks_series' ID.
series_id()
{
	sql "SELECT series_id FROM messages WHERE msgid = 'cover-$1@example.org'"
}

# post_check ID JSON [CURL-ARGS...]: POST a check to series ID over the
# socket; sets $status and $body (http_req).
post_check()
{
	local id=$1 json=$2
	shift 2
	http_req POST "unix:/api/v1/series/$id/checks" "$json" "$@"
}

# nr_checks: the rows of the checks table.
nr_checks()
{
	sql "SELECT count(*) FROM checks"
}
