/* SPDX-License-Identifier: MIT */
/*
 * main.c - global options and the command table, nothing else.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "overt.h"
#include "cmd/cmd.h"
#include "util/banned.h"

static const struct cmd commands[] = {
	{ "scan", cmd_scan,
	  "find covert channels in captured requests (JSON, JSON lines, HAR)" },
	{ "proxy", cmd_proxy,
	  "an inline-inspecting reverse proxy for model APIs" },
	{ "mock", cmd_mock,
	  "a mock model API server (Anthropic, OpenAI, Gemini) that records requests" },
	{ "log", cmd_log,
	  "list, show, export and verify the audit log" },
	{ "probe", cmd_probe,
	  "run an agent across an environment matrix and find what depends on it" },
	{ "inspect", cmd_inspect,
	  "look inside agent packages and binaries for hidden lists and fingerprinting" },
	{ "run", cmd_run,
	  "run a command in a sandbox whose only way out is the proxy" },
	{ "inventory", cmd_inventory,
	  "find installed agents, judge them by policy and advisories, quarantine" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: overt [--help] [--version] <command> [options] [args]\n\n"
		     "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'overt help <command>' or 'overt <command> --help' "
		     "describes a command; 'man overt' has the rest.\n");
}

static const struct cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int help(int argc, char **argv)
{
	const struct cmd *c;
	char *args[] = { NULL, "--help", NULL };

	if (argc < 2) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "overt: no command '%s'; see 'overt --help'\n", argv[1]);
		return EXIT_USAGE;
	}
	args[0] = argv[1];
	optind = 0; /* 0, not 1: glibc re-reads the new option string's ordering */
	return c->fn(2, args);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c;
	int opt;

	/* '+' stops at the first non-option: the command's options are its own. */
	while ((opt = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		case 'V':
			printf("overt %s\n", OVERT_VERSION);
			return EXIT_CLEAN;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help"))
		return help(argc, argv);
	c = find(argv[0]);
	if (!c) {
		fprintf(stderr, "overt: '%s' is not a command; see 'overt --help'\n", argv[0]);
		return EXIT_USAGE;
	}
	optind = 0; /* as in help() */
	return c->fn(argc, argv);
}
