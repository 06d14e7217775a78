/* SPDX-License-Identifier: GPL-2.0 */
#include <pthread.h>

#include "daemon/config.h"
#include "daemon/daemon.h"

struct daemon the_daemon;

static pthread_rwlock_t config_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct config *current_config;

const struct config *daemon_config_get(void)
{
	pthread_rwlock_rdlock(&config_lock);
	return current_config;
}

void daemon_config_put(void)
{
	pthread_rwlock_unlock(&config_lock);
}

const struct config *daemon_config_engine(void)
{
	return current_config;
}

void daemon_config_replace(struct config *cfg)
{
	struct config *old;

	pthread_rwlock_wrlock(&config_lock);
	old = current_config;
	current_config = cfg;
	pthread_rwlock_unlock(&config_lock);
	config_free(old);
}
