/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_JOBS_H
#define CTHULHU_JOBS_H

/*
 * The names of cthulhud's job types.  Every type is declared in one table
 * (daemon/job-table.c), as git lists its builtins: the name a job is
 * queued by, the function that runs it and whether it may run again
 * after a crash.  Queue a job by its constant (engine_run(JOB_APPLY,
 * ...)), so that a misspelt name fails to compile instead of failing at
 * run time.  This header names only: the modules that queue jobs include
 * it, and the table, which includes them all, stands above them.
 */
#define JOB_RELOAD "reload"
#define JOB_TOPIC_SCAN "topic-scan"
#define JOB_TOPIC_SYNC "topic-sync"
#define JOB_TOPIC_ADD "topic-add"
#define JOB_TOPIC_REMOVE "topic-remove"
#define JOB_APPLY "apply"
#define JOB_DROP "drop"
#define JOB_UPDATE_TRAILERS "update-trailers"
#define JOB_APPLIED_FOLLOW "applied-follow"
#define JOB_APPLIED_OUTSIDE "applied-outside"
#define JOB_NOTIFY_DELIVER "notify-deliver"
#define JOB_NEXT_REBUILD "next-rebuild"
#define JOB_NEXT_CONFLICTS "next-conflicts"
#define JOB_NEXT_RESOLVE_RECORD "next-resolve-record"
#define JOB_NEXT_RESOLVE_FORGET "next-resolve-forget"
#define JOB_NEXT_CHECK "next-check"
#define JOB_MERGE_FIX_RECORD "merge-fix-record"
#define JOB_MERGE_FIX_DROP "merge-fix-drop"
#define JOB_SUBMIT "submit"
#define JOB_SUPERSEDE "supersede"
#define JOB_INBOX_ADVANCE "inbox-advance"
#define JOB_QUEUE_SCAN "queue-scan"
#define JOB_QUEUE_BUMP "queue-bump"
#define JOB_QUEUE_STATE "queue-state"
#define JOB_SERIES_TARGET "series-target"
#define JOB_PULL_REQUEST "pull-request"
#define JOB_GATE_RESULT "gate-result"
#define JOB_GATE_RESUME "gate-resume"
#define JOB_GATE_CHECK "gate-check"
#define JOB_COOKING_MAIL "cooking-mail"
#define JOB_COOKING_CHECK "cooking-check"
#define JOB_CHECK_SCAN "check-scan"
#define JOB_CHECK_RESULT "check-result"
#define JOB_CHECK_POST "check-post"

#endif
