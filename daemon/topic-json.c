/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The API's shapes of a topic and of a move (see topic-json.h).
 */
#include "daemon/store/topics.h"
#include "daemon/topic-json.h"

json_t *topic_json(const struct store_topic *t)
{
	return json_pack("{s:s, s:s, s:I, s:b, s:s, s:s?, s:o}", "name",
			 t->name, "branch", t->branch, "order",
			 (json_int_t)t->order, "into_next", t->into_next,
			 "source", t->source, "tip", t->tip, "moved_at",
			 t->moved_at ? json_integer(t->moved_at) : json_null());
}

json_t *topic_event_json(const struct store_event *ev)
{
	return json_pack("{s:I, s:s, s:s?, s:s?, s:s, s:s, s:I}", "id",
			 (json_int_t)ev->id, "topic", ev->topic, "old", ev->old,
			 "new", ev->new, "kind", ev->kind, "source", ev->source,
			 "at", (json_int_t)ev->at);
}

json_t *topic_events_json(const struct store_event_list *list)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < list->nr; i++)
		json_array_append_new(out, topic_event_json(&list->v[i]));
	return out;
}
