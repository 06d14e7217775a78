/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_DAEMON_H
#define CTHULHU_DAEMON_H

#include <stdbool.h>
#include <time.h>

struct config;

/*
 * What the whole daemon shares.  The config can be replaced by a reload
 * (SIGHUP), so threads other than the engine take it with
 * daemon_config_get() and hand it back with daemon_config_put().
 */
struct daemon {
	char *config_path;
	char *state_dir;
	char *db_path;
	char *socket_path;
	char *token; /* the bearer token for mutations over TCP */
	time_t started;
	bool demo;
};

extern struct daemon the_daemon;

/* The current config, read-locked until daemon_config_put(). */
const struct config *daemon_config_get(void);
void daemon_config_put(void);
/*
 * The config without locking, for the engine thread: only it replaces the
 * config, so it can read it freely.  Borrowed; a job that reloads must not
 * use its ctx->config after daemon_config_replace().
 */
const struct config *daemon_config_engine(void);
/* Replace the config (engine thread only); the old one is freed. */
void daemon_config_replace(struct config *cfg);

#endif
