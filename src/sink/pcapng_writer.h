/* pcapng writer: section header, one interface block per interface (with
 * its name), enhanced packet blocks with direction flags and the owning
 * process as options, and an interface statistics block at close.
 *
 * Every block is written whole with one write so that a reader sees the
 * file valid up to the last complete packet if we are killed. */
#ifndef PW_SINK_PCAPNG_WRITER_H
#define PW_SINK_PCAPNG_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "base/packet.h"

struct pw_pcapng_writer;

struct pw_pcapng_writer_opts {
	const char *app;	/* shb_userappl, e.g. "procwire 0.1.0" */
	const char *comment;	/* shb_comment, or NULL */
};

/* fd-based so that "-" (stdout) and files behave alike. */
struct pw_pcapng_writer *pw_pcapng_writer_open(int fd,
		const struct pw_pcapng_writer_opts *opts, struct pw_error *err);

/* Declares an interface; returns its id (0, 1, ...) or -1. */
int pw_pcapng_writer_add_iface(struct pw_pcapng_writer *w, uint16_t linktype,
			       uint32_t snaplen, const char *name,
			       struct pw_error *err);

/* Process details attached to a packet beyond pw_packet.owner. */
struct pw_pcapng_proc {
	const char *exe;	/* may be NULL */
	const char *cmdline;	/* may be NULL */
};

/* Writes one packet on interface iface_id. The owner (if pkt->has_owner)
 * goes into epb_processid_threadid (pcapng option 6... see source) and a
 * human-readable opt_comment "pid=… tid=… comm=… exe=… cmd=…". */
int pw_pcapng_writer_packet(struct pw_pcapng_writer *w, int iface_id,
			    const struct pw_packet *pkt,
			    const struct pw_pcapng_proc *proc,
			    struct pw_error *err);

/* Interface statistics (isb_ifrecv, isb_ifdrop) written at close. */
void pw_pcapng_writer_set_stats(struct pw_pcapng_writer *w, int iface_id,
				uint64_t received, uint64_t dropped);

/* Flushes and writes statistics; closes fd only when close_fd. */
int pw_pcapng_writer_close(struct pw_pcapng_writer *w, bool close_fd,
			   struct pw_error *err);

#endif
