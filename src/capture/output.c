/* Capture output: the current file (pcapng or pcap), rotation, and the
 * flows sidecar of --format pcap. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/emit.h"
#include "base/log.h"
#include "capture/output.h"
#include "sink/flow_report.h"
#include "pkt/link.h"
#include "sink/pcap_writer.h"

#define MAX_IFACES 256
#define NAME_MAX_LEN 4096
/* Most an enhanced packet block adds to caplen: 28 bytes of header and
 * trailer, 3 of padding, flags (8), pid/tid (12), the owner comment (4 +
 * at most 1024, padded), end of options (4). */
#define EPB_OVERHEAD 1100u
#define ISB_RESERVE 64u		/* one statistics block at close */
#define PCAP_RECORD 16u
/* Packets wait in a buffer of this size and go out together: one write
 * per packet cost more CPU than the capture's other work with many small
 * packets. The capture loop flushes after every drain round. */
#define WRITE_BUFFER (256u << 10)

struct out_iface {
	uint16_t linktype;
	uint32_t snaplen;
	char name[IF_NAMESIZE + 32];
	uint64_t packets;	/* in the current file */
};

struct pw_cap_output {
	struct pw_cap_output_opts o;
	struct pw_pcapng_writer *ng;
	struct pw_pcap_writer *pcap;
	int fd;
	char name[NAME_MAX_LEN];	/* current file */
	time_t opened;			/* when it was opened (-G) */
	uint64_t file_packets;
	uint32_t count;			/* -C number of the current file */
	unsigned files;
	uint64_t drops_reported;
	struct out_iface ifaces[MAX_IFACES];
	unsigned nifaces;
	FILE *sidecar;
	char *sidecar_name;
};

static bool to_stdout(const struct pw_cap_output *out)
{
	return !strcmp(out->o.path, "-");
}

/* Digits of the largest -W number, as tcpdump pads them. */
static int count_width(uint32_t max_files)
{
	int w = 0;
	uint32_t x = max_files ? max_files - 1 : 0;

	while (x) {
		w++;
		x /= 10;
	}
	return w;
}

static int make_name(struct pw_cap_output *out, struct pw_error *err)
{
	char base[NAME_MAX_LEN];
	struct tm tm;
	int width, n;

	/* Numbers only with -C (tcpdump: -G alone names by time only). */
	width = out->o.rotate_bytes ? count_width(out->o.max_files) : 0;
	if (out->o.rotate_secs) {
		localtime_r(&out->opened, &tm);
		/* The name is the user's format, as tcpdump -G takes it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = (int)strftime(base, sizeof(base), out->o.path, &tm);
#pragma GCC diagnostic pop
		if (!n)
			return pw_error_set(err, -ENAMETOOLONG, "%s: the file "
					    "name is empty or too long",
					    out->o.path);
	} else {
		snprintf(base, sizeof(base), "%s", out->o.path);
	}
	if (!out->count && !width)
		n = snprintf(out->name, sizeof(out->name), "%s", base);
	else
		n = snprintf(out->name, sizeof(out->name), "%s%0*" PRIu32,
			     base, width, out->count);
	if (n < 0 || (size_t)n >= sizeof(out->name))
		return pw_error_set(err, -ENAMETOOLONG, "%s: the file name is "
				    "too long", out->o.path);
	return 0;
}

static int create_file(const char *path, struct pw_error *err)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	bool created = true;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	}
	if (fd < 0)
		return pw_error_set(err, -errno, "cannot create %s: %s", path,
				    strerror(errno));
	/* Under sudo a file we made belongs to the user who asked for it;
	 * what existed (a file, /dev/null, a FIFO) keeps its owner. */
	if (created && su && sg && geteuid() == 0 &&
	    fchown(fd, (uid_t)strtoul(su, NULL, 10),
		   (gid_t)strtoul(sg, NULL, 10)) < 0)
		pw_debug("cannot give %s to uid %s: %s", path, su,
			 strerror(errno));
	return fd;
}

static int declare_iface(struct pw_cap_output *out, unsigned i,
			 struct pw_error *err)
{
	struct out_iface *f = &out->ifaces[i];

	if (!out->ng)
		return (int)i;
	return pw_pcapng_writer_add_iface(out->ng, f->linktype, f->snaplen,
					  f->name, err);
}

/* Opens out->name (or stdout) with its header and the interfaces. */
static int open_file(struct pw_cap_output *out, struct pw_error *err)
{
	struct pw_pcapng_writer_opts wo;
	unsigned i;

	out->fd = to_stdout(out) ? STDOUT_FILENO : create_file(out->name, err);
	if (out->fd < 0)
		return -1;
	if (out->o.format == PW_CAP_PCAP) {
		out->pcap = pw_pcap_writer_open(out->fd, PW_LINKTYPE_RAW,
						out->o.snaplen, out->name, err);
		if (!out->pcap)
			goto fail;
		if (pw_pcap_writer_set_buffer(out->pcap, WRITE_BUFFER,
					      err) < 0)
			return -1;
	} else {
		memset(&wo, 0, sizeof(wo));
		wo.app = out->o.app;
		wo.comment = out->o.comment;
		wo.name = out->name;
		out->ng = pw_pcapng_writer_open(out->fd, &wo, err);
		if (!out->ng)
			goto fail;
		if (pw_pcapng_writer_set_buffer(out->ng, WRITE_BUFFER,
						err) < 0)
			return -1;
	}
	for (i = 0; i < out->nifaces; i++) {
		out->ifaces[i].packets = 0;
		if (declare_iface(out, i, err) < 0)
			return -1;
	}
	out->file_packets = 0;
	out->files++;
	return 0;
fail:
	if (out->fd != STDOUT_FILENO)
		close(out->fd);
	out->fd = -1;
	return -1;
}

static int close_file(struct pw_cap_output *out, struct pw_error *err)
{
	uint64_t drops = out->o.drops ? out->o.drops(out->o.ctx) : 0;
	bool close_fd = out->fd != STDOUT_FILENO;
	unsigned i;
	int r = 0;

	if (out->ng) {
		/* Drops are not per interface: the first one carries them,
		 * each file those since the previous one. */
		for (i = 0; i < out->nifaces; i++)
			pw_pcapng_writer_set_stats(out->ng, (int)i,
				out->ifaces[i].packets,
				i ? 0 : drops - out->drops_reported);
		r = pw_pcapng_writer_close(out->ng, close_fd, err);
		out->ng = NULL;
	} else if (out->pcap) {
		r = pw_pcap_writer_close(out->pcap, close_fd, err);
		out->pcap = NULL;
	}
	if (out->nifaces)
		out->drops_reported = drops;
	out->fd = -1;
	return r;
}

static int open_sidecar(struct pw_cap_output *out, struct pw_error *err)
{
	size_t len = strlen(out->name) + sizeof(".flows.jsonl");
	int fd;

	out->sidecar_name = malloc(len);
	if (!out->sidecar_name)
		return pw_error_set(err, -ENOMEM, "out of memory");
	snprintf(out->sidecar_name, len, "%s.flows.jsonl", out->name);
	fd = create_file(out->sidecar_name, err);
	if (fd < 0)
		return -1;
	out->sidecar = fdopen(fd, "w");
	if (!out->sidecar) {
		close(fd);
		return pw_error_set(err, -errno, "%s: %s", out->sidecar_name,
				    strerror(errno));
	}
	return 0;
}

struct pw_cap_output *pw_cap_output_open(const struct pw_cap_output_opts *o,
					 struct pw_error *err)
{
	struct pw_cap_output *out = calloc(1, sizeof(*out));

	if (!out) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	out->o = *o;
	out->fd = -1;
	out->opened = time(NULL);
	if (make_name(out, err) < 0 || open_file(out, err) < 0)
		goto fail;
	if (o->format == PW_CAP_PCAP && !to_stdout(out) &&
	    open_sidecar(out, err) < 0)
		goto fail;
	return out;
fail:
	pw_cap_output_close(out, NULL);
	return NULL;
}

int pw_cap_output_add_iface(struct pw_cap_output *out, uint16_t linktype,
			    uint32_t snaplen, const char *name,
			    struct pw_error *err)
{
	struct out_iface *f;
	int id;

	if (out->nifaces == MAX_IFACES)
		return pw_error_set(err, -E2BIG, "more than %d interfaces",
				    MAX_IFACES);
	f = &out->ifaces[out->nifaces];
	memset(f, 0, sizeof(*f));
	f->linktype = linktype;
	f->snaplen = snaplen;
	snprintf(f->name, sizeof(f->name), "%s", name ? name : "");
	id = declare_iface(out, out->nifaces, err);
	if (id < 0)
		return -1;
	out->nifaces++;
	return id;
}

static uint64_t room_needed(const struct pw_cap_output *out,
			    const struct pw_packet *pkt)
{
	if (out->pcap)
		return PCAP_RECORD + pkt->caplen;
	return EPB_OVERHEAD + pkt->caplen + (uint64_t)ISB_RESERVE *
	       out->nifaces;
}

static uint64_t file_bytes(const struct pw_cap_output *out)
{
	return out->pcap ? pw_pcap_writer_bytes(out->pcap) :
	       pw_pcapng_writer_bytes(out->ng);
}

/* Rotates when due; returns 0, 1 (the last -G -W file is done), -1. */
static int rotate(struct pw_cap_output *out, const struct pw_packet *pkt,
		  struct pw_error *err)
{
	const struct pw_cap_output_opts *o = &out->o;
	time_t now;

	if (to_stdout(out))
		return 0;
	if (o->rotate_secs) {
		now = time(NULL);
		if (now - out->opened >= (time_t)o->rotate_secs) {
			if (o->max_files && !o->rotate_bytes &&
			    out->files >= o->max_files)
				return 1;
			if (close_file(out, err) < 0)
				return -1;
			out->opened = now;
			out->count = 0;
			if (make_name(out, err) < 0)
				return -1;
			return open_file(out, err);
		}
	}
	if (o->rotate_bytes && out->file_packets &&
	    file_bytes(out) + room_needed(out, pkt) > o->rotate_bytes) {
		if (close_file(out, err) < 0)
			return -1;
		out->count++;
		if (o->max_files && out->count >= o->max_files)
			out->count = 0;
		if (make_name(out, err) < 0)
			return -1;
		return open_file(out, err);
	}
	return 0;
}

int pw_cap_output_packet(struct pw_cap_output *out, int iface_id,
			 const struct pw_packet *pkt,
			 const struct pw_pcapng_proc *proc,
			 struct pw_error *err)
{
	int r;

	if (iface_id < 0 || (unsigned)iface_id >= out->nifaces)
		return pw_error_set(err, -EINVAL, "no interface %d",
				    iface_id);
	r = rotate(out, pkt, err);
	if (r)
		return r;
	if (out->pcap)
		r = pw_pcap_writer_packet(out->pcap, pkt, err);
	else if (out->ng)
		r = pw_pcapng_writer_packet(out->ng, iface_id, pkt, proc, err);
	else
		r = pw_error_set(err, -EBADF, "%s: not open", out->name);
	if (r < 0)
		return -1;
	out->ifaces[iface_id].packets++;
	out->file_packets++;
	return 0;
}

int pw_cap_output_flush(struct pw_cap_output *out, struct pw_error *err)
{
	int r = 0;

	if (out->pcap)
		r = pw_pcap_writer_flush(out->pcap, err);
	else if (out->ng)
		r = pw_pcapng_writer_flush(out->ng, err);
	return r < 0 ? -1 : 0;
}

void pw_cap_output_flow(struct pw_cap_output *out, const struct pw_flow *flow,
			enum pw_flow_end why,
			const struct pw_pcapng_proc *proc)
{
	struct pw_emit e;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	if (!out->sidecar)
		return;
	/* The report's object, reopened to add the owner's details. */
	mem = open_memstream(&buf, &len);
	if (!mem)
		return;
	pw_emit_init(&e, mem, PW_EMIT_JSON);
	pw_flow_report_flow(&e, flow, why);
	fclose(mem);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '}'))
		if (buf[--len] == '}')
			break;
	if (len && buf[len] == '}') {
		fwrite(buf, 1, len, out->sidecar);
		fputs(",\"exe\":", out->sidecar);
		if (proc && proc->exe)
			pw_json_write_string(out->sidecar, proc->exe);
		else
			fputs("null", out->sidecar);
		fputs(",\"cmdline\":", out->sidecar);
		if (proc && proc->cmdline)
			pw_json_write_string(out->sidecar, proc->cmdline);
		else
			fputs("null", out->sidecar);
		fputs("}\n", out->sidecar);
	}
	free(buf);
}

unsigned pw_cap_output_files(const struct pw_cap_output *out)
{
	return out->files;
}

int pw_cap_output_close(struct pw_cap_output *out, struct pw_error *err)
{
	int ret = 0;

	if (!out)
		return 0;
	if (close_file(out, err) < 0)
		ret = -1;
	if (out->sidecar && fclose(out->sidecar) != 0 && ret == 0)
		ret = pw_error_set(err, -errno, "%s: %s", out->sidecar_name,
				   strerror(errno));
	free(out->sidecar_name);
	free(out);
	return ret;
}
