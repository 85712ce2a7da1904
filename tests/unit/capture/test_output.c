/* Unit tests of src/capture/output.c: file names of -C/-W/-G as tcpdump
 * makes them, every rotated file complete and readable, sizes within -C,
 * and the --format pcap sidecar line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/output.h"
#include "pkt/link.h"
#include "source/capfile.h"
#include "tap.h"

static char dir[] = "/tmp/pw-output-XXXXXX";
static uint8_t payload[1000];

static void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Packets in a file, or -1 when it cannot be read to its end. */
static int count_packets(const char *name)
{
	struct pw_capfile *cf;
	struct pw_packet pkt;
	struct pw_error err;
	char path[512];
	int n = 0, r;

	path_of(path, sizeof(path), name);
	pw_error_clear(&err);
	cf = pw_capfile_open(path, &err);
	if (!cf)
		return -1;
	while ((r = pw_capfile_next(cf, &pkt, &err)) > 0)
		n++;
	pw_capfile_close(cf);
	return r < 0 ? -1 : n;
}

static long size_of(const char *name)
{
	struct stat st;
	char path[512];

	path_of(path, sizeof(path), name);
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/* Names in dir starting with prefix, joined by spaces in sorted order. */
static void list_files(const char *prefix, char *buf, size_t size)
{
	struct dirent **ents;
	int n, i;

	buf[0] = 0;
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (!strncmp(ents[i]->d_name, prefix, strlen(prefix))) {
			strncat(buf, ents[i]->d_name, size - strlen(buf) - 2);
			strcat(buf, " ");
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static int write_packets(const struct pw_cap_output_opts *o, int n)
{
	struct pw_cap_output *out;
	struct pw_packet pkt;
	struct pw_error err;
	int i, id, r = 0;

	pw_error_clear(&err);
	out = pw_cap_output_open(o, &err);
	if (!out)
		return -1;
	id = pw_cap_output_add_iface(out, PW_LINKTYPE_RAW, 0, "eth0", &err);
	memset(&pkt, 0, sizeof(pkt));
	pkt.data = payload;
	pkt.caplen = pkt.wirelen = sizeof(payload);
	pkt.linktype = PW_LINKTYPE_RAW;
	for (i = 0; i < n && r == 0; i++) {
		pkt.ts_ns = 1000000000ull * (uint64_t)(i + 1);
		r = pw_cap_output_packet(out, id, &pkt, NULL, &err);
	}
	if (pw_cap_output_close(out, &err) < 0)
		r = -1;
	return r;
}

static void test_size_rotation(void)
{
	struct pw_cap_output_opts o;
	char path[512], names[512];
	int total = 0, bad = 0, n;
	const char *ring[] = { "r0", "r1", "r2" };

	memset(&o, 0, sizeof(o));
	path_of(path, sizeof(path), "s");
	o.path = path;
	/* Three 1000-byte packets per file: a fourth could make it exceed
	 * 5000 bytes counting the largest block a packet can take. */
	o.rotate_bytes = 5000;
	tap_ok(write_packets(&o, 7) == 0, "-C: 7 packets written");
	list_files("s", names, sizeof(names));
	tap_ok(!strcmp(names, "s s1 s2 "), "-C: s, s1, s2 (%s)", names);
	tap_ok(count_packets("s") == 3 && count_packets("s1") == 3 &&
	       count_packets("s2") == 1, "-C: 3, 3 and 1 packets, readable");
	tap_ok(size_of("s") <= 5000 && size_of("s1") <= 5000,
	       "-C: no file over 5000 bytes (%ld)", size_of("s"));

	o.max_files = 3;
	path_of(path, sizeof(path), "r");
	tap_ok(write_packets(&o, 20) == 0, "-C -W: 20 packets written");
	list_files("r", names, sizeof(names));
	tap_ok(!strcmp(names, "r0 r1 r2 "), "-C -W 3: r0 r1 r2 (%s)", names);
	/* 7 files: r0 r1 r2 r0 r1 r2 r0, the last one with 2 packets. */
	for (int i = 0; i < 3; i++) {
		n = count_packets(ring[i]);
		if (n != (i ? 3 : 2))
			bad++;
		total += n;
	}
	tap_ok(!bad && total == 8, "-C -W: the ring holds the last 8 (%d)",
	       total);

	o.max_files = 11;
	path_of(path, sizeof(path), "w");
	tap_ok(write_packets(&o, 4) == 0, "-C -W 11: written");
	list_files("w", names, sizeof(names));
	tap_ok(!strcmp(names, "w00 w01 "), "-C -W 11: two digits (%s)", names);
}

static void test_time_names(void)
{
	struct pw_cap_output_opts o;
	char path[512], want[64], names[512];
	time_t now = time(NULL);
	struct tm tm;

	memset(&o, 0, sizeof(o));
	path_of(path, sizeof(path), "t-%Y.pcapng");
	o.path = path;
	o.rotate_secs = 3600;
	o.max_files = 5;
	localtime_r(&now, &tm);
	strftime(want, sizeof(want), "t-%Y.pcapng ", &tm);
	tap_ok(write_packets(&o, 3) == 0, "-G: written");
	list_files("t-", names, sizeof(names));
	tap_ok(!strcmp(names, want), "-G -W: strftime name, no number (%s)",
	       names);
	want[strlen(want) - 1] = 0;
	tap_ok(count_packets(want) == 3, "-G: the 3 packets in %s", want);
}

static void test_sidecar(void)
{
	struct pw_cap_output_opts o;
	struct pw_cap_output *out;
	struct pw_pcapng_proc proc = { "/bin/x", NULL };
	struct pw_flow flow;
	struct pw_error err;
	char path[512], line[4096] = "";
	const char *tail = ",\"exe\":\"/bin/x\",\"cmdline\":null}\n";
	FILE *f;

	memset(&o, 0, sizeof(o));
	path_of(path, sizeof(path), "p.pcap");
	o.path = path;
	o.format = PW_CAP_PCAP;
	pw_error_clear(&err);
	out = pw_cap_output_open(&o, &err);
	tap_ok(out != NULL, "pcap output opens");
	if (!out)
		return;
	memset(&flow, 0, sizeof(flow));
	flow.key.family = 4;
	flow.key.proto = 17;
	flow.pid = 42;
	memcpy(flow.comm, "x\"y", 4);
	pw_cap_output_flow(out, &flow, PW_FLOW_END_FLUSH, &proc);
	tap_ok(pw_cap_output_close(out, &err) == 0, "pcap output closes");
	tap_ok(count_packets("p.pcap") == 0, "the empty pcap is readable");
	path_of(path, sizeof(path), "p.pcap.flows.jsonl");
	f = fopen(path, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	tap_ok(strstr(line, "\"pid\":42,\"comm\":\"x\\\"y\"") != NULL,
	       "sidecar: pid and escaped comm (%s)", line);
	tap_ok(strlen(line) > strlen(tail) &&
	       !strcmp(line + strlen(line) - strlen(tail), tail),
	       "sidecar: exe and cmdline close the object");
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir))
		return 1;
	test_size_rotation();
	test_time_names();
	test_sidecar();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
