/* SPDX-License-Identifier: GPL-2.0 */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/transport.h"
#include "lib/xalloc.h"

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
	curl_transport_release(c);
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
	return error_set(err, CLI_REFUSED,
			 "the daemon answered HTTP %ld%s%.200s", r->status,
			 r->body.len ? ": " : "", r->body.buf);
}

int client_request(struct client *c, const char *method, const char *path,
		   const char *content_type, const void *body, size_t len,
		   struct client_reply *reply, struct strbuf *err)
{
	struct transport_request req = { method, path, NULL, body, len };
	struct strbuf why = STRBUF_INIT, where = STRBUF_INIT;
	json_error_t jerr;
	int ret;

	client_reply_release(reply);
	if (body || strcmp(method, "GET"))
		req.content_type = content_type ? content_type :
						  "application/json";
	if (c->socket_path)
		ret = unix_transport_request(c->socket_path, &req, reply, &why);
	else
		ret = curl_transport_request(c, &req, reply, &why);
	if (ret) {
		client_describe(c, &where);
		if (ret == CLI_UNREACHABLE)
			error_set(err, ret, "cannot reach cthulhud at %s: %s",
				  where.buf, why.buf);
		else if (ret == CLI_REFUSED)
			error_set(err, ret,
				  "cannot take the answer of cthulhud at %s: %s",
				  where.buf, why.buf);
		else
			error_set(err, ret, "%s", why.buf);
		goto out;
	}

	if (reply->body.len &&
	    !(reply->raw && reply->status >= 200 && reply->status < 300)) {
		reply->json = json_loadb(reply->body.buf, reply->body.len,
					 JSON_DECODE_ANY, &jerr);
		if (!reply->json && reply->status < 400) {
			ret = error_set(
				err, CLI_REFUSED,
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
	strbuf_release(&why);
	strbuf_release(&where);
	return ret;
}
