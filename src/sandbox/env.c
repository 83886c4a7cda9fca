/* SPDX-License-Identifier: MIT */
/*
 * env.c - the neutral environment a sandboxed command starts with.
 *
 * An agent reads its whole environment and may send any of it to a model:
 * API keys, cloud credentials, tokens in CI variables, the proxy settings
 * of the host, the time zone and language of the person.  So the host's
 * variables pass through a filter: secret-looking and proxy variables are
 * dropped unless the user names them (--env-pass), sockets of the host's
 * session (SSH agent, D-Bus, X11) are dropped since they lead outside, and
 * TZ and LANG are set to neutral values.  The caller then adds what the
 * sandbox needs (the proxy variables pointing at the relay, base URLs).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox/env.h"
#include "util/banned.h"

/* Dropped: matched without regard to case against the variable's name. */
static const char *const drop_patterns[] = {
	/* secrets */
	"*_KEY", "*_KEYS", "*KEY_ID", "*APIKEY*", "*API_KEY*", "*_TOKEN", "*_TOKENS", "*TOKEN_*",
	"*SECRET*", "*PASSWORD*", "*PASSWD*", "*_PASS", "*PASSPHRASE*", "*CREDENTIAL*",
	"*_AUTH", "*_AUTH_*", "*COOKIE*", "*_PAT", "*PRIVATE*",
	"AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "GCLOUD_*", "CLOUDSDK_*",
	"GITHUB_*", "GH_*", "GITLAB_*", "NPM_CONFIG_*", "DOCKER_*", "KUBECONFIG", "VAULT_*",
	"KRB5*", "PGPASS*", "MYSQL_PWD", "NETRC",
	/* proxies of the host: ours replace them */
	"*_PROXY", "NO_PROXY",
	/* ways back into the host session */
	"SSH_*", "GPG_AGENT_INFO", "GNUPGHOME", "DBUS_*", "XDG_RUNTIME_DIR", "DISPLAY",
	"WAYLAND_*", "XAUTHORITY", "TMUX*", "STY", "WINDOWID", "KITTY_*", "VSCODE_*",
	"TERM_SESSION_ID",
	/* the person and the machine */
	"LANG", "LANGUAGE", "LC_*", "TZ", "HOSTNAME", "TMPDIR", "OVERT_*",
};

bool sbx_env_dropped(const char *name, size_t len)
{
	char n[256];
	size_t i;

	if (len >= sizeof(n))
		return true;
	memcpy(n, name, len);
	n[len] = '\0';
	for (i = 0; i < sizeof(drop_patterns) / sizeof(drop_patterns[0]); i++)
		if (!fnmatch(drop_patterns[i], n, FNM_CASEFOLD))
			return true;
	return false;
}

void sbx_env_init(struct sbx_env *e)
{
	memset(e, 0, sizeof(*e));
}

void sbx_env_release(struct sbx_env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static size_t name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static ssize_t find(const struct sbx_env *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (name_len(e->v[i]) == len && !strncmp(e->v[i], name, len))
			return (ssize_t)i;
	return -1;
}

int sbx_env_set(struct sbx_env *e, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	ssize_t at = find(e, name, nl);
	char *kv = malloc(nl + vl + 2), **v;

	if (!kv)
		return -1;
	memcpy(kv, name, nl);
	kv[nl] = '=';
	memcpy(kv + nl + 1, value, vl + 1);
	if (at >= 0) {
		free(e->v[at]);
		e->v[at] = kv;
		return 0;
	}
	v = realloc(e->v, (e->n + 2) * sizeof(*v));
	if (!v) {
		free(kv);
		return -1;
	}
	e->v = v;
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

bool sbx_env_has(const struct sbx_env *e, const char *name)
{
	return find(e, name, strlen(name)) >= 0;
}

static bool passed(const char *name, size_t len, const char *const *pass, size_t npass)
{
	size_t i;

	for (i = 0; i < npass; i++)
		if (strlen(pass[i]) == len && !strncmp(pass[i], name, len))
			return true;
	return false;
}

int sbx_env_from_host(struct sbx_env *e, char *const *host, const char *const *pass,
		      size_t npass, struct sbx_env *dropped)
{
	char name[256];
	size_t i, len;

	for (i = 0; host && host[i]; i++) {
		const char *eq = strchr(host[i], '=');

		len = name_len(host[i]);
		if (!eq || !len || len >= sizeof(name))
			continue;
		memcpy(name, host[i], len);
		name[len] = '\0';
		if (!passed(name, len, pass, npass) && sbx_env_dropped(name, len)) {
			if (dropped && sbx_env_set(dropped, name, ""))
				return -1;
			continue;
		}
		if (sbx_env_set(e, name, eq + 1))
			return -1;
	}
	return 0;
}
