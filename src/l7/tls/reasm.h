/* Reassembly of one message that starts at offset 0 of a byte stream: a
 * TLS ClientHello split over TCP segments, an HTTP request, or the QUIC
 * CRYPTO stream of the Initial packets.
 *
 * Pieces arrive as (offset, bytes) in any order, duplicated, overlapping
 * or retransmitted. Where pieces overlap, the bytes that arrived first are
 * kept (later copies only fill holes), so a retransmission with different
 * content cannot rewrite what was already seen. A "need" function looks at
 * the contiguous bytes from offset 0 and says how long the message is.
 *
 * Memory: the buffer grows as bytes arrive and never beyond `cap`; the
 * list of received ranges is fixed-size. Bytes at or past `cap` are
 * dropped and the message is reported as overflowing once it is known to
 * be longer than `cap`; the prefix is still usable. */
#ifndef PW_L7_TLS_REASM_H
#define PW_L7_TLS_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PW_REASM_DEFAULT_CAP (16 * 1024)
#define PW_REASM_MAX_RANGES 32

/* Returns the total length of the message whose first n bytes are p
 * (a lower bound is fine: it is asked again as bytes arrive),
 * PW_REASM_NEED_UNKNOWN when more bytes are needed to tell, or
 * PW_REASM_NEED_NONE when p does not start such a message. */
typedef size_t (*pw_reasm_need_fn)(const uint8_t *p, size_t n);
#define PW_REASM_NEED_UNKNOWN ((size_t)0)
#define PW_REASM_NEED_NONE ((size_t)-1)

enum pw_reasm_status {
	PW_REASM_NEED_MORE = 0,
	PW_REASM_COMPLETE,	/* bytes [0, need) are all here */
	PW_REASM_OVERFLOW,	/* the message is longer than cap */
	PW_REASM_NOT_MSG,	/* the stream does not start such a message */
	PW_REASM_NOMEM,
};

struct pw_reasm_range {
	size_t start, end;	/* [start, end) received */
};

struct pw_reasm {
	uint8_t *buf;
	size_t size;		/* bytes allocated in buf */
	size_t cap;
	bool own_buf;		/* buf was allocated here */
	pw_reasm_need_fn need_fn;
	size_t need;		/* last answer of need_fn, 0 unknown */
	enum pw_reasm_status status;
	unsigned n_ranges;
	struct pw_reasm_range ranges[PW_REASM_MAX_RANGES];
	uint64_t dropped;	/* bytes ignored (past cap, no range slot) */
};

/* cap 0 means PW_REASM_DEFAULT_CAP. No memory is taken until data
 * arrives. */
void pw_reasm_init(struct pw_reasm *r, size_t cap, pw_reasm_need_fn need);
/* Uses the caller's buffer of cap bytes instead of allocating. */
void pw_reasm_init_buf(struct pw_reasm *r, uint8_t *buf, size_t cap,
		       pw_reasm_need_fn need);
void pw_reasm_free(struct pw_reasm *r);
/* Forgets all data, keeps the buffer. */
void pw_reasm_reset(struct pw_reasm *r);

/* Adds bytes at stream offset off (negative offsets are bytes before the
 * message start and are cut off). Returns the status after this piece. */
enum pw_reasm_status pw_reasm_feed(struct pw_reasm *r, int64_t off,
				   const uint8_t *data, size_t len);

/* TCP convenience: rseq is the sequence number relative to the first
 * payload byte (seq - isn - 1), compared with wrap-around. */
enum pw_reasm_status pw_reasm_feed_tcp(struct pw_reasm *r, uint32_t rseq,
				       const uint8_t *data, size_t len);

/* Contiguous bytes from offset 0 (the usable prefix). */
size_t pw_reasm_contiguous(const struct pw_reasm *r);
static inline const uint8_t *pw_reasm_data(const struct pw_reasm *r)
{
	return r->buf;
}

/* Need functions for the messages this project reassembles. */
size_t pw_reasm_need_tls_record(const uint8_t *p, size_t n);
size_t pw_reasm_need_tls_handshake(const uint8_t *p, size_t n);
/* HTTP/1.x request: up to and including the empty line after the
 * headers (a body is not waited for). */
size_t pw_reasm_need_http_request(const uint8_t *p, size_t n);

const char *pw_reasm_status_name(enum pw_reasm_status st);

#endif
