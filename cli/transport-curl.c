/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/transport.h"
#include "lib/xalloc.h"

/*
 * --url: the daemon's TCP listener through libcurl, which is opened with
 * dlopen() here on the first such request.  Linking it would load it and
 * its thirty libraries (TLS, Kerberos, LDAP, ...) into every run of the
 * CLI, local ones too, and that was most of their wall time.  The headers
 * still give the types and the constants; only the calls go through the
 * table below.
 */

#ifndef CTHULHU_LIBCURL
#define CTHULHU_LIBCURL "libcurl.so.4"
#endif

static struct {
	void *handle;
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} lc;

static void *curl_sym(const char *name, struct strbuf *err)
{
	void *p = dlsym(lc.handle, name);

	if (!p)
		error_set(err, CLI_UNREACHABLE, "'%s' has no '%s': %s",
			  CTHULHU_LIBCURL, name, dlerror());
	return p;
}

/* Open libcurl and look up what is used of it, once; 0 or CLI_UNREACHABLE. */
static int curl_load(struct strbuf *err)
{
	if (lc.easy_init)
		return 0;
	lc.handle = dlopen(CTHULHU_LIBCURL, RTLD_NOW | RTLD_LOCAL);
	if (!lc.handle)
		return error_set(err, CLI_UNREACHABLE,
				 "--url needs libcurl, and it cannot be loaded: %s",
				 dlerror());
#define LOAD(field, name)                                   \
	do {                                                \
		*(void **)&lc.field = curl_sym(#name, err); \
		if (!lc.field)                              \
			goto fail;                          \
	} while (0)
	LOAD(global_init, curl_global_init);
	LOAD(easy_reset, curl_easy_reset);
	LOAD(easy_cleanup, curl_easy_cleanup);
	LOAD(easy_setopt, curl_easy_setopt);
	LOAD(easy_perform, curl_easy_perform);
	LOAD(easy_getinfo, curl_easy_getinfo);
	LOAD(easy_strerror, curl_easy_strerror);
	LOAD(slist_append, curl_slist_append);
	LOAD(slist_free_all, curl_slist_free_all);
	LOAD(easy_init, curl_easy_init);
#undef LOAD
	if (lc.global_init(CURL_GLOBAL_DEFAULT))
		die_oom();
	return 0;
fail:
	lc.easy_init = NULL;
	return CLI_UNREACHABLE;
}

struct sink {
	struct strbuf *body;
	bool too_large;
};

static size_t write_body(char *data, size_t size, size_t n, void *priv)
{
	struct sink *s = priv;

	if (size * n > CLIENT_REPLY_LIMIT - s->body->len) {
		s->too_large = true;
		return 0;
	}
	strbuf_add(s->body, data, size * n);
	return size * n;
}

void curl_transport_release(struct client *c)
{
	if (c->curl)
		lc.easy_cleanup(c->curl);
	c->curl = NULL;
}

int curl_transport_request(struct client *c,
			   const struct transport_request *req,
			   struct client_reply *reply, struct strbuf *err)
{
	struct sink sink = { &reply->body, false };
	struct curl_slist *headers = NULL, *h;
	struct strbuf url = STRBUF_INIT, sb = STRBUF_INIT;
	long os_errno = 0;
	CURLcode code;
	CURL *curl;
	int ret;

	ret = curl_load(err);
	if (ret)
		return ret;
	if (!c->curl) {
		c->curl = lc.easy_init();
		if (!c->curl)
			die_oom();
	} else {
		lc.easy_reset(c->curl);
	}
	curl = c->curl;

	strbuf_addf(&url, "%s%s", c->base_url, req->path);
	lc.easy_setopt(curl, CURLOPT_URL, url.buf);
	lc.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	lc.easy_setopt(curl, CURLOPT_USERAGENT, "cthulhu/" PACKAGE_VERSION);
	lc.easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
	lc.easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	lc.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
		       (curl_off_t)CLIENT_REPLY_LIMIT);

	headers = lc.slist_append(headers, "Accept: application/json");
	/* The daemon answers at once; a 100-continue round trip only waits. */
	h = headers ? lc.slist_append(headers, "Expect:") : NULL;
	if (h && c->token) {
		strbuf_addf(&sb, "Authorization: Bearer %s", c->token);
		h = lc.slist_append(headers, sb.buf);
	}
	if (h && req->content_type) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "Content-Type: %s", req->content_type);
		h = lc.slist_append(headers, sb.buf);
	}
	if (!h)
		die_oom();
	lc.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	if (!strcmp(req->method, "POST")) {
		lc.easy_setopt(curl, CURLOPT_POST, 1L);
		lc.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
			       (curl_off_t)(req->body ? req->len : 0));
		lc.easy_setopt(curl, CURLOPT_POSTFIELDS,
			       req->body ? req->body : "");
	} else if (strcmp(req->method, "GET")) {
		lc.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body) {
			lc.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)req->len);
			lc.easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		}
	}

	code = lc.easy_perform(curl);
	lc.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status);
	if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
		ret = error_set(err, CLI_REFUSED,
				"the answer is larger than the limit of %zu MiB",
				CLIENT_REPLY_LIMIT >> 20);
		goto out;
	}
	/*
	 * A daemon that refuses a large body (413) answers before reading
	 * it and may close the connection while curl still sends: that is
	 * an answer, not an unreachable daemon.
	 */
	if ((code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR) &&
	    reply->status >= 400)
		code = CURLE_OK;
	if (code != CURLE_OK) {
		lc.easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno)
			ret = error_set(err, CLI_UNREACHABLE, "%s (%s)",
					lc.easy_strerror(code),
					strerror(os_errno));
		else
			ret = error_set(err, CLI_UNREACHABLE, "%s",
					lc.easy_strerror(code));
		goto out;
	}
	ret = CLI_OK;
out:
	lc.slist_free_all(headers);
	strbuf_release(&url);
	strbuf_release(&sb);
	return ret;
}
