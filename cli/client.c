/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/client.h"
#include "daemon/xalloc.h"

void client_init_socket(struct client *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->socket_path = xstrdup(path);
}

int client_init_url(struct client *c, const char *url, const char *token_file,
		    struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(url);
	int ret;

	memset(c, 0, sizeof(*c));
	while (len && url[len - 1] == '/')
		len--;
	c->base_url = xstrndup(url, len);
	if (!token_file)
		return 0;
	ret = strbuf_read_file(&sb, token_file);
	if (ret < 0) {
		error_set(err, ret, "cannot read token file '%s': %s",
			  token_file, strerror(-ret));
		goto out;
	}
	strbuf_trim(&sb);
	if (!sb.len) {
		ret = error_set(err, -EINVAL, "token file '%s' is empty",
				token_file);
		goto out;
	}
	c->token = strbuf_detach(&sb, NULL);
out:
	strbuf_release(&sb);
	return ret;
}

void client_release(struct client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->socket_path);
	free(c->base_url);
	free(c->token);
	memset(c, 0, sizeof(*c));
}

void client_reply_release(struct client_reply *r)
{
	strbuf_release(&r->body);
	json_decref(r->json);
	r->json = NULL;
	r->status = 0;
}

void client_describe(const struct client *c, struct strbuf *sb)
{
	if (c->socket_path)
		strbuf_addf(sb, "socket '%s'", c->socket_path);
	else
		strbuf_addf(sb, "'%s'", c->base_url);
}

void url_escape(struct strbuf *sb, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
		    (keep_slash && *p == '/')) {
			strbuf_addch(sb, *p);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[*p >> 4]);
			strbuf_addch(sb, hex[*p & 15]);
		}
	}
}

void url_add_query(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addch(sb, strchr(sb->buf, '?') ? '&' : '?');
	url_escape(sb, name, false);
	strbuf_addch(sb, '=');
	url_escape(sb, value, false);
}

static size_t write_body(char *data, size_t size, size_t n, void *priv)
{
	strbuf_add(priv, data, size * n);
	return size * n;
}

static CURL *client_curl(struct client *c)
{
	if (!c->curl) {
		c->curl = curl_easy_init();
		if (!c->curl)
			die_oom();
	} else {
		curl_easy_reset(c->curl);
	}
	return c->curl;
}

/* Set err from an error answer: the daemon's message when it sent one. */
static int reply_error(struct client_reply *r, struct strbuf *err)
{
	const char *msg = NULL;
	json_t *e;

	e = json_object_get(r->json, "error");
	if (json_is_object(e))
		msg = json_string_value(json_object_get(e, "message"));
	else if (json_is_string(e))
		msg = json_string_value(e);
	if (msg)
		return error_set(err, CLI_REFUSED, "%s", msg);
	strbuf_trim(&r->body);
	return error_set(err, CLI_REFUSED, "the daemon answered HTTP %ld%s%.200s",
			 r->status, r->body.len ? ": " : "", r->body.buf);
}

int client_request(struct client *c, const char *method, const char *path,
		   const char *content_type, const void *body, size_t len,
		   struct client_reply *reply, struct strbuf *err)
{
	struct curl_slist *headers = NULL;
	struct strbuf url = STRBUF_INIT, sb = STRBUF_INIT;
	json_error_t jerr;
	CURLcode code;
	long os_errno = 0;
	CURL *curl;
	int ret;

	client_reply_release(reply);
	curl = client_curl(c);

	if (c->socket_path) {
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
		strbuf_addstr(&url, "http://localhost");
	} else {
		strbuf_addstr(&url, c->base_url);
	}
	strbuf_addstr(&url, path);
	curl_easy_setopt(curl, CURLOPT_URL, url.buf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "cthulhu/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply->body);

	headers = curl_slist_append(headers, "Accept: application/json");
	/* The daemon answers at once; a 100-continue round trip only waits. */
	headers = curl_slist_append(headers, "Expect:");
	if (c->token) {
		strbuf_addf(&sb, "Authorization: Bearer %s", c->token);
		headers = curl_slist_append(headers, sb.buf);
	}
	if (body || strcmp(method, "GET")) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "Content-Type: %s",
			    content_type ? content_type : "application/json");
		headers = curl_slist_append(headers, sb.buf);
	}
	if (!headers)
		die_oom();
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	if (!strcmp(method, "POST")) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(body ? len : 0));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)len);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		}
	}

	code = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status);
	/*
	 * A daemon that refuses a large body (413) answers before reading
	 * it and may close the connection while curl still sends: that is
	 * an answer, not an unreachable daemon.
	 */
	if ((code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR) &&
	    reply->status >= 400)
		code = CURLE_OK;
	if (code != CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
		strbuf_reset(&sb);
		client_describe(c, &sb);
		if (os_errno)
			ret = error_set(err, CLI_UNREACHABLE,
					"cannot reach cthulhud at %s: %s (%s)",
					sb.buf, curl_easy_strerror(code),
					strerror(os_errno));
		else
			ret = error_set(err, CLI_UNREACHABLE,
					"cannot reach cthulhud at %s: %s",
					sb.buf, curl_easy_strerror(code));
		goto out;
	}

	if (reply->body.len) {
		reply->json = json_loadb(reply->body.buf, reply->body.len,
					 JSON_DECODE_ANY, &jerr);
		if (!reply->json && reply->status < 400) {
			ret = error_set(err, CLI_REFUSED,
					"the daemon answered HTTP %ld with invalid JSON: %s",
					reply->status, jerr.text);
			goto out;
		}
	}
	if (reply->status < 200 || reply->status >= 300) {
		ret = reply_error(reply, err);
		goto out;
	}
	ret = CLI_OK;
out:
	curl_slist_free_all(headers);
	strbuf_release(&url);
	strbuf_release(&sb);
	return ret;
}
