/* pcapng writer: section header, one interface block per interface (with
 * its name), enhanced packet blocks with direction flags and the owning
 * process as options, and an interface statistics block at close.
 *
 * Every block is written whole with one write so that a reader sees the
 * file valid up to the last complete packet if we are killed. With a
 * buffer (pw_pcapng_writer_set_buffer) small blocks wait in it and go out
 * together, still whole: a killed writer loses what waited. */
#ifndef PW_SINK_PCAPNG_WRITER_H
#define PW_SINK_PCAPNG_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "base/packet.h"

struct pw_pcapng_writer;

struct pw_pcapng_writer_opts {
	const char *app;	/* shb_userappl, e.g. "procwire 0.1.0" */
	const char *comment;	/* shb_comment, or NULL */
	const char *name;	/* file name for messages ("-": stdout) */
};

/* fd-based so that "-" (stdout) and files behave alike. Writes the section
 * header (shb_userappl, shb_os from uname) at once. */
struct pw_pcapng_writer *pw_pcapng_writer_open(int fd,
		const struct pw_pcapng_writer_opts *opts, struct pw_error *err);

/* Declares an interface (written at once, timestamps in nanoseconds);
 * returns its id (0, 1, ...) or -1. snaplen 0 means no limit; longer
 * packets are cut to snaplen. */
int pw_pcapng_writer_add_iface(struct pw_pcapng_writer *w, uint16_t linktype,
			       uint32_t snaplen, const char *name,
			       struct pw_error *err);

/* Process details attached to a packet beyond pw_packet.owner. */
struct pw_pcapng_proc {
	const char *exe;	/* may be NULL */
	const char *cmdline;	/* arguments joined by spaces; may be NULL */
};

/* Writes one packet on interface iface_id as an enhanced packet block:
 * - epb_flags (2) with the direction bits when pkt->dir is known;
 * - when pkt->has_owner, epb_processid_threadid (8): pid and tid, two
 *   32-bit integers, and an opt_comment "pid=P tid=T comm=C exe=E cmd=A"
 *   (the parts present, sanitised to printable UTF-8 and length-capped);
 * - pkt->comment, when set and no owner comment was made, as opt_comment.
 * proc may be NULL. */
int pw_pcapng_writer_packet(struct pw_pcapng_writer *w, int iface_id,
			    const struct pw_packet *pkt,
			    const struct pw_pcapng_proc *proc,
			    struct pw_error *err);

/* Interface statistics (isb_ifrecv, isb_ifdrop) written at close. */
void pw_pcapng_writer_set_stats(struct pw_pcapng_writer *w, int iface_id,
				uint64_t received, uint64_t dropped);

/* Bytes written so far, those waiting in the buffer included. */
uint64_t pw_pcapng_writer_bytes(const struct pw_pcapng_writer *w);

/* From now on blocks of at most bytes/4 wait in a buffer of `bytes`
 * until it is full, pw_pcapng_writer_flush or close; 0 (the default)
 * writes each block at once. Returns 0, or a negative errno with err
 * set. */
int pw_pcapng_writer_set_buffer(struct pw_pcapng_writer *w, size_t bytes,
				struct pw_error *err);

/* Writes the blocks waiting in the buffer. Returns 0, or a negative
 * errno with err set ("disk full while writing buffered packets to X");
 * the writer then refuses further blocks. */
int pw_pcapng_writer_flush(struct pw_pcapng_writer *w, struct pw_error *err);

/* Writes what waits in the buffer, then the statistics, and frees the
 * writer; closes fd only when close_fd.
 * Returns 0, or -1 with err set (the writer is freed either way). */
int pw_pcapng_writer_close(struct pw_pcapng_writer *w, bool close_fd,
			   struct pw_error *err);

/* The owner comment text as written into packets: "pid=P tid=T comm=C
 * [method=M] exe=E cmd=A", parts absent when unknown; method only when
 * the owner was not named by the kernel at packet time (ebpf-socket). Always NUL-terminates; returns
 * the length. size of 1024 is always enough. */
size_t pw_pcapng_owner_comment(char *buf, size_t size,
			       const struct pw_packet_owner *owner,
			       const struct pw_pcapng_proc *proc);

/* Copies at most max bytes of src into dst (size bytes) as printable
 * UTF-8: control characters and invalid sequences become '?', multi-byte
 * characters are never cut. Returns the bytes written (without the NUL);
 * *truncated says whether src was longer. */
size_t pw_sanitize_utf8(char *dst, size_t size, const char *src, size_t max,
			bool *truncated);

#endif
