/* Capture file reader: pcap (both byte orders, us and ns resolution) and
 * pcapng (both byte orders, many interfaces, EPB/SPB/legacy PB, comments,
 * unknown blocks skipped), detected from the first bytes.
 *
 * Packets come out as struct pw_packet with their interface's link type;
 * the bytes are valid until the next call. On damage the reader stops with
 * an error naming the byte offset; every packet before it was delivered. */
#ifndef PW_SOURCE_CAPFILE_H
#define PW_SOURCE_CAPFILE_H

#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "base/packet.h"

enum pw_capfile_format { PW_CAPFILE_PCAP, PW_CAPFILE_PCAPNG };

struct pw_capfile_iface {
	uint16_t linktype;
	uint32_t snaplen;
	uint64_t ts_units_per_sec; /* from if_tsresol; 10^6 by default */
	int64_t ts_offset_sec;	/* if_tsoffset */
	char name[64];		/* if_name, or "" */
};

struct pw_capfile;

/* path "-" reads standard input (a pipe works: nothing seeks). Fails with
 * a message for a missing, empty or non-capture file. */
struct pw_capfile *pw_capfile_open(const char *path, struct pw_error *err);

/* Reads from an already open stream (not closed by pw_capfile_close). */
struct pw_capfile *pw_capfile_open_stream(FILE *fp, const char *name,
					  struct pw_error *err);

/* Also from memory (fuzzing, tests). The buffer must outlive the reader. */
struct pw_capfile *pw_capfile_open_mem(const uint8_t *buf, size_t len,
				       struct pw_error *err);

/* Returns 1 with *pkt filled, 0 at a clean end of file, -1 on damage or
 * I/O error (err filled, with offset). */
int pw_capfile_next(struct pw_capfile *cf, struct pw_packet *pkt,
		    struct pw_error *err);

enum pw_capfile_format pw_capfile_format(const struct pw_capfile *cf);
/* Interfaces are numbered across all sections of a pcapng file, in the
 * order of their blocks (pw_packet.ifindex is this number); they appear as
 * their blocks are read, so the count grows while reading. A pcap file has
 * one. NULL for an index not (yet) declared. */
unsigned pw_capfile_iface_count(const struct pw_capfile *cf);
const struct pw_capfile_iface *pw_capfile_iface(const struct pw_capfile *cf,
						unsigned idx);
uint64_t pw_capfile_offset(const struct pw_capfile *cf);
void pw_capfile_close(struct pw_capfile *cf);

#endif
