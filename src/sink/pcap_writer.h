/* Classic pcap writer (for --format pcap): nanosecond-resolution magic,
 * one link type for the whole file, no per-packet annotations. Like the
 * pcapng writer, every record is written with one write so that the file
 * stays valid up to its last whole packet, or waits whole in a buffer
 * (pw_pcap_writer_set_buffer) and goes out with others. */
#ifndef PW_SINK_PCAP_WRITER_H
#define PW_SINK_PCAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/packet.h"

struct pw_pcap_writer;

/* Writes the file header at once. snaplen 0 means 262144; longer packets
 * are cut to snaplen. name is for messages ("-": standard output). */
struct pw_pcap_writer *pw_pcap_writer_open(int fd, uint16_t linktype,
					   uint32_t snaplen, const char *name,
					   struct pw_error *err);

/* Fails (err set) for a packet of another link type than the file's. */
int pw_pcap_writer_packet(struct pw_pcap_writer *w,
			  const struct pw_packet *pkt, struct pw_error *err);

/* Bytes written so far, those waiting in the buffer included. */
uint64_t pw_pcap_writer_bytes(const struct pw_pcap_writer *w);

/* As pw_pcapng_writer_set_buffer and pw_pcapng_writer_flush. */
int pw_pcap_writer_set_buffer(struct pw_pcap_writer *w, size_t bytes,
			      struct pw_error *err);
int pw_pcap_writer_flush(struct pw_pcap_writer *w, struct pw_error *err);

/* Writes what waits in the buffer and frees the writer; closes fd only
 * when close_fd. */
int pw_pcap_writer_close(struct pw_pcap_writer *w, bool close_fd,
			 struct pw_error *err);

#endif
