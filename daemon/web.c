/* SPDX-License-Identifier: GPL-2.0 */
#include <string.h>

#include "daemon/embed.h"
#include "lib/error.h"
#include "daemon/http.h"
#include "lib/strbuf.h"

/* The dashboard: files of web/, compiled in by build-aux/embed.sh. */

static const char *content_type_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".json", "application/json" },
		{ ".ico", "image/x-icon" },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ends_with(name, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static int web_serve(const char *name, const char **content_type,
		     struct strbuf *body, struct strbuf *err)
{
	const struct embedded_file *f = embed_find(web_files, name);

	if (!f || strchr(name, '/'))
		return error_set(err, ERR_NOT_FOUND, "no such page '%s'", name);
	strbuf_add(body, f->data, f->len);
	*content_type = content_type_of(name);
	return 0;
}

static int web_index(struct http_request *req, const char **content_type,
		     struct strbuf *body, struct strbuf *err)
{
	return web_serve("index.html", content_type, body, err);
}

static int web_static(struct http_request *req, const char **content_type,
		      struct strbuf *body, struct strbuf *err)
{
	return web_serve(req->param, content_type, body, err);
}

const struct route web_routes[] = { { "GET", "/", NULL, web_index },
				    { "GET", "/index.html", NULL, web_index },
				    { "GET", "/static/*", NULL, web_static },
				    { 0 } };
