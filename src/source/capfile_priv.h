/* Internals of the capture file reader, shared by capfile.c (input
 * buffer, open/close), capfile_pcap.c and capfile_pcapng.c (formats).
 *
 * Input is read into one large buffer with read(); a record that lies whole
 * in the buffer is delivered in place (zero copy). When a record straddles
 * the end of the buffer, the unread tail is moved to the front and the rest
 * is read after it. Beyond its growth to CAPFILE_BUF_SIZE, the buffer
 * only grows when one record is larger than it, up to CAPFILE_MAX_RECORD. */
#ifndef PW_SOURCE_CAPFILE_PRIV_H
#define PW_SOURCE_CAPFILE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/bytes.h"
#include "source/capfile.h"

/* The buffer starts small (small files stay cheap to open) and grows
 * toward CAPFILE_BUF_SIZE each time a long input has used it up. */
#define CAPFILE_BUF_START 4096u
#define CAPFILE_BUF_SIZE (2u << 20)
/* Largest record or block accepted; bigger ones are reported as damage
 * rather than allocated. */
#define CAPFILE_MAX_RECORD (256u << 20)

/* How an interface's timestamps become nanoseconds, precomputed from
 * if_tsresol so the per-packet work is a shift or one division. */
enum capfile_ts_kind {
	CAPFILE_TS_POW10_LE9,	/* 10^k, k <= 9: frac * mult */
	CAPFILE_TS_POW10_GT9,	/* 10^k, k > 9: frac / div */
	CAPFILE_TS_POW2,	/* 2^k: (frac * 10^9) >> k */
};

struct capfile_iface {
	struct pw_capfile_iface pub;
	enum capfile_ts_kind ts_kind;
	uint8_t ts_shift;	/* k for POW2 */
	uint64_t ts_factor;	/* mult or div for the POW10 kinds */
};

struct pw_capfile {
	/* Input: exactly one of fd >= 0, fp, or memory (buf == NULL). */
	int fd;
	bool close_fd;
	FILE *fp;
	bool fp_regular;	/* fp is a regular file: fread may fill */
	uint8_t *buf;		/* owned buffer, NULL for memory input */
	const uint8_t *data;	/* buf, or the caller's memory */
	size_t cap;		/* size of buf */
	size_t pos;		/* next unread byte in data */
	size_t end;		/* bytes valid in data */
	uint64_t base;		/* file offset of data[0] */
	bool eof;
	int read_errno;		/* set when the input failed */

	enum pw_capfile_format format;
	bool big_endian;	/* byte order of the file / current section */
	uint64_t number;	/* packets delivered */
	char name[128];		/* for messages */

	/* Interfaces of all sections, numbered across the file. */
	struct capfile_iface *ifaces;
	unsigned n_ifaces;
	unsigned cap_ifaces;
	unsigned section_first;	/* index of this section's interface 0 */

	/* pcap classic */
	uint32_t pcap_frac_mult; /* 1000 for microsecond files, 1 for ns */

	/* Joined opt_comment values of the current packet, NUL-terminated. */
	char *comment;
	size_t comment_cap;
};

/* Makes `need` bytes available at cf->pos, reading more input if needed.
 * Returns the bytes available: fewer than `need` only at the end of input
 * or on a read error (cf->read_errno). Moves data: pointers into cf->data
 * taken before the call are stale after it. */
size_t capfile_fill(struct pw_capfile *cf, size_t need);

static inline size_t capfile_avail(const struct pw_capfile *cf)
{
	return cf->end - cf->pos;
}

static inline uint64_t capfile_off(const struct pw_capfile *cf)
{
	return cf->base + cf->pos;
}

static inline uint16_t capfile_get16(const struct pw_capfile *cf,
				     const uint8_t *p)
{
	return cf->big_endian ? pw_get_be16(p) : pw_get_le16(p);
}

static inline uint32_t capfile_get32(const struct pw_capfile *cf,
				     const uint8_t *p)
{
	return cf->big_endian ? pw_get_be32(p) : pw_get_le32(p);
}

static inline uint64_t capfile_get64(const struct pw_capfile *cf,
				     const uint8_t *p)
{
	return cf->big_endian ? pw_get_be64(p) : pw_get_le64(p);
}

/* Reports why fewer bytes than a record needs were available: a read
 * error, or the file ends inside the record at `off`. Returns -1. */
int capfile_short_read(struct pw_capfile *cf, const char *what, uint64_t off,
		       uint64_t need, struct pw_error *err);

/* Appends one interface; returns it or NULL (err set). */
struct capfile_iface *capfile_add_iface(struct pw_capfile *cf,
					struct pw_error *err);

/* Sets the timestamp resolution from a pcapng if_tsresol byte: high bit
 * clear is 10^-v seconds, set is 2^-(v & 0x7f). False when out of range. */
bool capfile_iface_set_tsresol(struct capfile_iface *ifc, uint8_t v);

static inline uint64_t capfile_ts_ns(const struct capfile_iface *ifc,
				     uint64_t ts)
{
	uint64_t ups = ifc->pub.ts_units_per_sec;
	uint64_t sec, frac, ns;

	switch (ifc->ts_kind) {
	case CAPFILE_TS_POW2:
		sec = ts >> ifc->ts_shift;
		frac = ts & (ups - 1);
		ns = (uint64_t)(((unsigned __int128)frac * 1000000000u) >>
				ifc->ts_shift);
		break;
	case CAPFILE_TS_POW10_GT9:
		sec = ts / ups;
		frac = ts % ups;
		ns = frac / ifc->ts_factor;
		break;
	default:
		sec = ts / ups;
		frac = ts % ups;
		ns = frac * ifc->ts_factor;
		break;
	}
	/* Unsigned wrap-around for absurd offsets instead of undefined
	 * signed overflow. */
	return (sec + (uint64_t)ifc->pub.ts_offset_sec) * 1000000000u + ns;
}

/* Copies a comment option's bytes into cf->comment, after a newline when
 * the packet already has one. Bytes are kept as they are up to the first
 * NUL. Returns false on allocation failure. */
bool capfile_add_comment(struct pw_capfile *cf, const uint8_t *s, size_t len);

/* Format back-ends. open parses the file header (cf->pos at its start);
 * next returns 1, 0 at a clean end, negative with err set (mapped to -1
 * by pw_capfile_next). */
int capfile_pcap_open(struct pw_capfile *cf, struct pw_error *err);
int capfile_pcap_next(struct pw_capfile *cf, struct pw_packet *pkt,
		      struct pw_error *err);
int capfile_pcapng_open(struct pw_capfile *cf, struct pw_error *err);
int capfile_pcapng_next(struct pw_capfile *cf, struct pw_packet *pkt,
			struct pw_error *err);

#endif
