/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_TOPIC_JSON_H
#define CTHULHU_TOPIC_JSON_H

#include <jansson.h>

struct store_event;
struct store_event_list;
struct store_topic;

/*
 * The API's shapes (topic.h describes them) of the store's rows
 * (store/topics.h): new objects, built at the edge from the typed rows,
 * for the HTTP routes, the engine's job results and the event stream.
 */
json_t *topic_json(const struct store_topic *t);
json_t *topic_event_json(const struct store_event *ev);
/* An array of topic_event_json() of each event. */
json_t *topic_events_json(const struct store_event_list *list);

#endif
