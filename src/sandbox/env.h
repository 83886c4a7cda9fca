/* SPDX-License-Identifier: MIT */
/*
 * env.h - the environment of a sandboxed command: the host's, filtered.
 */
#ifndef OVERT_SANDBOX_ENV_H
#define OVERT_SANDBOX_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* "NAME=value" strings, NULL-terminated (v[n] is NULL once n > 0). */
struct sbx_env {
	char **v;
	size_t n;
};

void sbx_env_init(struct sbx_env *e);
void sbx_env_release(struct sbx_env *e);

/* sbx_env_dropped - whether variable @name (@len bytes) is kept from the
 * sandbox by default: secret-looking (*_KEY, *_TOKEN, *SECRET*,
 * *PASSWORD*, AWS_* ...), a proxy setting, a way back into the host's
 * session (SSH_AUTH_SOCK, DBUS_*, DISPLAY), or a trait of the person or
 * machine (LANG, LC_*, TZ, HOSTNAME). */
bool sbx_env_dropped(const char *name, size_t len);

/* sbx_env_from_host - copy @host's variables into @e except the dropped
 * ones not named in @pass; the names dropped go into @dropped (values
 * empty) when it is not NULL.  0, or -1 when out of memory. */
int sbx_env_from_host(struct sbx_env *e, char *const *host, const char *const *pass,
		      size_t npass, struct sbx_env *dropped);

/* sbx_env_set - set or replace @name.  0, or -1 when out of memory. */
int sbx_env_set(struct sbx_env *e, const char *name, const char *value);

bool sbx_env_has(const struct sbx_env *e, const char *name);

#endif
