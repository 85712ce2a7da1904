/* capture_api_tool: drives the capture API (include/procwire.h) for
 * tests/net/test_capture_api.sh, as an embedding program would.
 *
 *   capture_api_tool [OPTIONS] FILE -- CMD [ARG...]
 *	forks CMD, held until the capture of its pid runs, then lets it go,
 *	waits for it and stops the capture.
 *   capture_api_tool [OPTIONS] --name NAME --duration-ms N FILE
 *	captures processes named NAME until the duration ends by itself.
 *
 * OPTIONS: --pcap, --headers-only, --no-follow, --filter EXPR.
 *
 * Prints, one per line: "child PID" (first form), "running" once the
 * capture runs (the test starts other traffic then), "signals ok" when
 * the process's SIGINT/SIGTERM/SIGPIPE handling is unchanged and its own
 * SIGTERM handler ran without ending the capture, "ended by itself" (the
 * second form), and at the end "stats packets=N bytes=N kernel_drops=N
 * user_drops=N filtered=N". Exit status 0 when stop returned 0. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procwire.h"

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = sig;
}

static int usage(void)
{
	fprintf(stderr, "usage: capture_api_tool [--pcap] [--headers-only] "
		"[--no-follow] [--filter EXPR] FILE -- CMD [ARG...]\n"
		"       capture_api_tool [OPTIONS] --name NAME --duration-ms N "
		"FILE\n");
	return 2;
}

/* Our own SIGTERM handler stays ours and the capture is not ended by
 * the signal. */
static bool signals_left_alone(procwire_capture_t *cap,
			       const struct sigaction *before)
{
	struct sigaction now;
	int sigs[] = { SIGINT, SIGTERM, SIGPIPE };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], NULL, &now);
		if (now.sa_handler != before[i].sa_handler)
			return false;
	}
	kill(getpid(), SIGTERM);
	return got_term == SIGTERM && procwire_capture_wait(cap, 200) == 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pcap", no_argument, NULL, 'p' },
		{ "headers-only", no_argument, NULL, 'H' },
		{ "no-follow", no_argument, NULL, 'F' },
		{ "filter", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct procwire_capture_options o;
	struct procwire_capture_stats st;
	struct sigaction sa, before[3];
	procwire_capture_t *cap = NULL;
	const char *name = NULL;
	char err[256], c;
	int opt, go[2] = { -1, -1 }, status, r;
	uint32_t pid;
	pid_t child = -1;

	procwire_capture_options_init(&o);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			o.flags |= PROCWIRE_CAPTURE_PCAP;
			break;
		case 'H':
			o.flags |= PROCWIRE_CAPTURE_HEADERS_ONLY;
			break;
		case 'F':
			o.flags &= ~PROCWIRE_CAPTURE_FOLLOW;
			break;
		case 'f':
			o.filter = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'd':
			o.duration_ms = strtoull(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || (name && (!o.duration_ms || optind + 1 != argc))
	    || (!name && optind + 1 >= argc))
		return usage();
	o.path = argv[optind];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, NULL, &before[0]);
	sigaction(SIGTERM, NULL, &before[1]);
	sigaction(SIGPIPE, NULL, &before[2]);

	if (name) {
		o.names = &name;
		o.nnames = 1;
	} else {
		if (pipe(go) < 0)
			return 1;
		child = fork();
		if (child < 0)
			return 1;
		if (child == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(126);
			close(go[0]);
			execvp(argv[optind + 1], argv + optind + 1);
			_exit(127);
		}
		close(go[0]);
		pid = (uint32_t)child;
		o.pids = &pid;
		o.npids = 1;
		printf("child %d\n", (int)child);
	}

	r = procwire_capture_start(&o, &cap, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "capture_api_tool: start: %s (%s)\n", err,
			strerror(-r));
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return 1;
	}
	printf("running\n");
	fflush(stdout);
	if (signals_left_alone(cap, before))
		printf("signals ok\n");
	if (child > 0) {
		if (write(go[1], "g", 1) != 1)
			perror("capture_api_tool: write");
		close(go[1]);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "capture_api_tool: command status "
				"%d\n", status);
	} else if (procwire_capture_wait(cap, -1) == 1) {
		printf("ended by itself\n");
	}
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	r = procwire_capture_stop(cap, &st, err, sizeof(err));
	printf("stats packets=%" PRIu64 " bytes=%" PRIu64 " kernel_drops=%"
	       PRIu64 " user_drops=%" PRIu64 " filtered=%" PRIu64
	       " icmp_errors=%" PRIu64 " icmp_others=%" PRIu64 "\n",
	       st.packets, st.bytes, st.kernel_drops, st.user_drops,
	       st.filtered, st.icmp_errors, st.icmp_others);
	if (r < 0 || err[0])
		fprintf(stderr, "capture_api_tool: stop: %d %s\n", r, err);
	return r < 0;
}
