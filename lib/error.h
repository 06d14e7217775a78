/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_ERROR_H
#define CTHULHU_ERROR_H

#include <errno.h>

/*
 * The error codes that cross module boundaries.  Each is a negative errno
 * value so that system call failures pass through unchanged; http.c maps
 * each to one HTTP status and one "code" string of the JSON error body
 * (see doc/api.md), and nothing else invents statuses.
 */
#define ERR_INVALID (-EINVAL)	   /* 400 invalid: bad request or argument */
#define ERR_UNAUTHORIZED (-EACCES) /* 401 unauthorized */
#define ERR_NOT_FOUND (-ENOENT)	   /* 404 not_found */
#define ERR_METHOD (-EOPNOTSUPP)   /* 405 method_not_allowed */
#define ERR_EXISTS (-EEXIST)	   /* 409 exists */
#define ERR_CONFLICT \
	(-EBUSY) /* 409 conflict: merge, apply or replay conflict */
#define ERR_STALE \
	(-ESTALE) /* 409 ref_moved: a ref changed under a compare-and-swap */
#define ERR_MISDIRECTED \
	(-EDESTADDRREQ)	       /* 421 misdirected: a Host this daemon is not */
#define ERR_TOO_LARGE (-E2BIG) /* 413 too_large */
#define ERR_UNPROCESSABLE \
	(-EBADMSG) /* 422 unprocessable: malformed mail, patch that does not apply */
#define ERR_UNAVAILABLE (-ESHUTDOWN) /* 503 unavailable: shutting down */
/* Anything else: 500 internal. */

#endif
