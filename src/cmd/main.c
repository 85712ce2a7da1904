/* procwire: see, record and change network traffic per application. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"

#ifndef PW_VERSION
#define PW_VERSION "0.1.0"
#endif

static const struct pw_subcommand subcommands[] = {
	{ "read", cmd_read_main,
	  "read a pcap/pcapng file and print its flows" },
	{ "events", cmd_events_main,
	  "stream socket events with the process that owns each socket" },
	{ "audit", cmd_audit_main,
	  "name the connections that failed and how (evidence of blocking)" },
	{ "capture", cmd_capture_main,
	  "record one application's packets to pcapng, owner on every packet" },
};

static void show_usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: procwire <command> [options]\n\nCommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out, "\nRun 'procwire <command> --help' for a command's "
		     "options.\n");
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "procwire %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'procwire %s --help'.\n", cmd);
	return PW_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		show_usage(stderr);
		return PW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		show_usage(stdout);
		return PW_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("procwire %s\n", PW_VERSION);
		return PW_EXIT_OK;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	}
	pw_err("unknown command '%s'", argv[1]);
	show_usage(stderr);
	return PW_EXIT_USAGE;
}
