/* SPDX-License-Identifier: MIT */
/*
 * fuzz_inventory.c - libFuzzer harness for the inventory's parsers: the
 * same bytes as a policy file, an OSV advisory and a version range.  They
 * must not crash or leak, a parsed policy must judge an install, and a
 * parsed advisory must answer whether it affects a version.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"

static void range(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	inv_semver_satisfies("2.1.100", s);
	inv_semver_satisfies("0.0.1-alpha.1", s);
	inv_semver_cmp(s, "1.2.3");
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent_set agents;
	static int loaded;
	struct inv_advisories adv = { 0 };
	struct inv_policy *p;
	char err[256];
	size_t i;

	if (!loaded && agent_set_load_builtin(&agents) == 0)
		loaded = 1;
	p = inv_policy_parse("fuzz", (const char *)data, size, err, sizeof(err));
	if (p && loaded && agents.n) {
		struct inv_install *in = calloc(1, sizeof(*in));
		struct inv_report r = { in, 1, 0 };

		if (in) {
			in->agent = &agents.v[0];
			in->version = strdup("2.1.100");
			in->method = "npm";
			in->path = strdup("/p");
			in->user = strdup("u");
			inv_judge(&r, &adv, p);
			inv_report_free(&r);
		}
	}
	inv_policy_free(p);
	if (!inv_advisory_parse(&adv, "fuzz", (const char *)data, size, err, sizeof(err)))
		for (i = 0; i < adv.n; i++)
			inv_advisory_affects(&adv.v[i], "@anthropic-ai/claude-code", "2.1.100");
	inv_advisories_free(&adv);
	range(data, size < 256 ? size : 256);
	return 0;
}
