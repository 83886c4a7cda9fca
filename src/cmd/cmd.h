/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the subcommand table's shared signature and exit codes.
 *
 * Every subcommand is `int cmd_NAME(int argc, char **argv)` with argv[0]
 * being the subcommand's name; it parses its own options with getopt_long
 * and returns one of the documented exit codes.
 */
#ifndef OVERT_CMD_H
#define OVERT_CMD_H

/* Stable, documented exit codes (docs/overt.1). */
enum {
	EXIT_CLEAN = 0,    /* nothing at or above the threshold */
	EXIT_FINDINGS = 1, /* findings at or above the threshold, or blocked */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_CONFIG = 3,   /* bad configuration or scheme file */
	EXIT_RUNTIME = 4,  /* input or runtime error */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_scan(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_mock(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inventory(int argc, char **argv);

#endif
