/* Where a capture's packets go: a pcapng file (or classic pcap plus a
 * FILE.flows.jsonl sidecar with each flow's owner), standard output, and
 * file rotation as tcpdump does it (-C size, -G seconds, -W count).
 *
 * Rotation names, following tcpdump(8):
 * - -G SECS: the -w name is passed through strftime(3) (local time) when
 *   each file is opened;
 * - -C MB: files after the first get a number after the name (FILE,
 *   FILE1, FILE2, ...); with -W N the numbers start at 0, are padded with
 *   zeros to the width of N-1 and wrap after N-1 (a ring of N files);
 *   with -G as well the number restarts at 0 at every time rotation;
 * - -G with -W N and no -C: the capture stops after N files.
 * Every file is complete on its own: section header, the interface blocks
 * declared so far (repeated), and interface statistics at close.
 * Blocks wait in a 256 KiB buffer until pw_cap_output_flush, a rotation
 * or close; the file holds whole blocks only. */
#ifndef PW_CAPTURE_OUTPUT_H
#define PW_CAPTURE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/packet.h"
#include "flow/flow.h"
#include "sink/pcapng_writer.h"

enum pw_cap_format {
	PW_CAP_PCAPNG,
	PW_CAP_PCAP,		/* link type RAW, owners in the sidecar */
};

struct pw_cap_output_opts {
	const char *path;	/* "-": standard output (no rotation) */
	enum pw_cap_format format;
	uint64_t rotate_bytes;	/* -C: bytes (MB * 1000000); 0: none */
	uint64_t rotate_secs;	/* -G; 0: none */
	uint32_t max_files;	/* -W; 0: none */
	uint32_t snaplen;	/* pcap file header */
	const char *app;	/* pcapng shb_userappl */
	const char *comment;	/* pcapng shb_comment, or NULL */
	/* Packets lost so far (kernel and procwire), for isb_ifdrop of the
	 * first interface: each file gets the drops since the previous
	 * file closed. May be NULL. */
	uint64_t (*drops)(void *ctx);
	void *ctx;
};

struct pw_cap_output;

/* Opens the first file (created 0644, given to SUDO_UID under sudo). */
struct pw_cap_output *pw_cap_output_open(const struct pw_cap_output_opts *o,
					 struct pw_error *err);

/* Declares an interface in this and every later file; returns its id. */
int pw_cap_output_add_iface(struct pw_cap_output *out, uint16_t linktype,
			    uint32_t snaplen, const char *name,
			    struct pw_error *err);

/* Writes one packet, rotating first when due. Returns 0; 1 when the
 * packet was not written because the last file (-G with -W) is done and
 * the capture should stop; -1 on a write error (-EPIPE: the reader of
 * standard output went away). */
int pw_cap_output_packet(struct pw_cap_output *out, int iface_id,
			 const struct pw_packet *pkt,
			 const struct pw_pcapng_proc *proc,
			 struct pw_error *err);

/* Writes the packets waiting in the buffer. Returns 0, or -1 with err
 * set (-EPIPE: the reader of standard output went away); later packets
 * are refused. */
int pw_cap_output_flush(struct pw_cap_output *out, struct pw_error *err);

/* With --format pcap: one JSON object for the flow in the sidecar, the
 * flow report's fields plus "exe" and "cmdline" of its owner (proc may
 * be NULL). Nothing otherwise. */
void pw_cap_output_flow(struct pw_cap_output *out, const struct pw_flow *flow,
			enum pw_flow_end why,
			const struct pw_pcapng_proc *proc);

/* Files opened so far. */
unsigned pw_cap_output_files(const struct pw_cap_output *out);

/* Finishes the current file and the sidecar and frees out. Returns 0 or
 * -1 with err set. */
int pw_cap_output_close(struct pw_cap_output *out, struct pw_error *err);

#endif
