/* Editable packet model and the writer that turns it back into bytes.
 *
 * pw_edit_from_dissect copies every header field of a dissected IP packet
 * into a struct pw_pkt_edit the caller owns; the payload stays a pointer
 * (to the original bytes, or wherever the caller points it). After edits,
 * pw_rebuild writes the packet: IP total/payload length, UDP length, TCP
 * data offset, IPv4 header checksum and the L4 checksum are computed unless
 * the edit asks to keep the stored values or to write a wrong checksum.
 *
 * Invariant: dissect -> edit -> rebuild reproduces the original L3 bytes
 * (up to ip_len) exactly, with checksums kept, or recomputed when the
 * original ones were right; lengths recomputed unless they disagreed with
 * the packet (then keep_lengths reproduces them).
 *
 * Also here: writing one packet as IPv4/IPv6 fragments, or a TCP packet as
 * several segments split at chosen payload positions. */
#ifndef PW_PKT_REBUILD_H
#define PW_PKT_REBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt/dissect.h"

enum pw_csum_mode {
	PW_CSUM_RECOMPUTE = 0,	/* write the right checksum */
	PW_CSUM_KEEP,		/* write the value stored in the edit */
	PW_CSUM_BAD,		/* write a checksum that never verifies */
};

/* Which upper-layer header the edit carries. NONE: the bytes after the IP
 * headers are all payload (other protocols, ESP, later fragments). */
enum pw_edit_l4 {
	PW_EDIT_L4_NONE = 0,
	PW_EDIT_L4_TCP,
	PW_EDIT_L4_UDP,
	PW_EDIT_L4_ICMP,	/* ICMP or ICMPv6, by the IP version */
};

#define PW_EDIT_IP4_OPTS_MAX 40
#define PW_EDIT_EXT_BYTES 2048	/* all IPv6 extension headers together */
#define PW_EDIT_TCP_OPTS_MAX 40
#define PW_EDIT_TCP_OPT_DATA 38

#define PW_IP4_FLAG_RESERVED 0x4
#define PW_IP4_FLAG_DF 0x2
#define PW_IP4_FLAG_MF 0x1

struct pw_edit_ip4 {
	uint8_t tos;
	uint8_t flags;		/* PW_IP4_FLAG_* */
	uint16_t id;
	uint16_t frag_off;	/* bytes, a multiple of 8 */
	uint8_t ttl;
	uint16_t csum;		/* written with PW_CSUM_KEEP */
	uint16_t total_len;	/* written with keep_lengths */
	uint8_t src[4], dst[4];
	uint8_t opts_len;	/* padded with zero bytes to a multiple of 4 */
	uint8_t opts[PW_EDIT_IP4_OPTS_MAX];
};

/* An extension header's bytes sit in pw_edit_ip6.ext_bytes, back to back
 * in chain order. Its first byte (next header) is always rewritten from
 * the chain; for hop-by-hop, routing, destination options and AH the
 * second byte (length) is rewritten from len too. */
struct pw_edit_ip6_ext {
	uint8_t type;
	uint16_t len;		/* whole header, bytes: multiple of 8 (AH: 4) */
};

struct pw_edit_ip6 {
	uint8_t tclass;
	uint32_t flow;		/* 20 bits */
	uint8_t hlim;
	uint16_t plen;		/* written with keep_lengths */
	uint8_t src[16], dst[16];
	uint8_t n_ext;
	struct pw_edit_ip6_ext ext[PW_IP6_MAX_EXT];
	uint16_t ext_total;	/* bytes used in ext_bytes */
	uint8_t ext_bytes[PW_EDIT_EXT_BYTES];
};

struct pw_edit_tcp_opt {
	uint8_t kind;
	uint8_t len;		/* whole option incl. kind and length bytes;
				   1 for EOL and NOP */
	uint8_t data[PW_EDIT_TCP_OPT_DATA];
};

struct pw_edit_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t reserved;	/* the 4 bits between data offset and flags */
	uint8_t flags;		/* PW_TCP_* */
	uint16_t win;
	uint16_t csum;		/* written with PW_CSUM_KEEP */
	uint16_t urp;
	uint8_t n_opts;
	struct pw_edit_tcp_opt opts[PW_EDIT_TCP_OPTS_MAX];
	/* Bytes written after the list as they are: what followed an EOL,
	 * or what could not be parsed as options. The data offset covers
	 * list + tail, padded with zero bytes to a multiple of 4. */
	uint8_t tail_len;
	uint8_t tail[PW_EDIT_TCP_OPTS_MAX];
};

struct pw_edit_udp {
	uint16_t sport, dport;
	uint16_t len;		/* written with keep_lengths, and in a first
				   fragment (it counts the whole datagram) */
	uint16_t csum;		/* written with PW_CSUM_KEEP, and in a first
				   fragment */
	bool no_csum;		/* IPv4: RECOMPUTE writes 0, "no checksum"
				   (RFC 768); set when the original had 0 */
};

struct pw_edit_icmp {
	uint8_t type, code;
	uint16_t csum;		/* written with PW_CSUM_KEEP */
	uint8_t rest[4];	/* id/sequence, MTU, pointer, unused... */
};

struct pw_pkt_edit {
	uint8_t ipver;		/* 4 or 6 */
	uint8_t proto;		/* IPv4 protocol / last IPv6 next header */
	uint8_t l4;		/* enum pw_edit_l4 */
	uint8_t ip_csum;	/* enum pw_csum_mode, IPv4 header checksum */
	uint8_t l4_csum;	/* enum pw_csum_mode, TCP/UDP/ICMP checksum */
	bool keep_lengths;	/* write stored ip4.total_len / ip6.plen /
				   udp.len instead of computing them */
	struct pw_edit_ip4 ip4;
	struct pw_edit_ip6 ip6;
	struct pw_edit_tcp tcp;
	struct pw_edit_udp udp;
	struct pw_edit_icmp icmp;
	const uint8_t *payload;	/* not owned */
	uint32_t payload_len;
};

/* Fills *e from a dissected packet. Fails with -EINVAL when the headers
 * were not captured whole (TRUNCATED, bad header lengths, not IP) and
 * -E2BIG when the extension headers do not fit. A packet cut by snaplen
 * keeps the payload bytes captured. Checksum modes start at RECOMPUTE. */
int pw_edit_from_dissect(struct pw_pkt_edit *e, const struct pw_dissect *d);

/* Starts an empty packet: IPv4 TTL / IPv6 hop limit 64, the given
 * upper layer (proto 6/17/1/58 select the L4 header), no payload. */
void pw_edit_init(struct pw_pkt_edit *e, uint8_t ipver, uint8_t proto);

/* Bytes pw_rebuild will write, or 0 when the edit cannot be written. */
size_t pw_rebuild_size(const struct pw_pkt_edit *e);

/* Writes the packet into out. Returns its length, -ENOSPC when cap is too
 * small, -EMSGSIZE when lengths or options overflow their fields, -EINVAL
 * for an inconsistent edit. */
int pw_rebuild(const struct pw_pkt_edit *e, uint8_t *out, size_t cap);

/* TCP option list edits. set replaces the first option of the kind, or
 * adds one (before an EOL if there is one); data_len <= 38. remove drops
 * every option of the kind and returns how many. */
struct pw_edit_tcp_opt *pw_edit_tcp_opt_find(struct pw_pkt_edit *e,
					     uint8_t kind);
int pw_edit_tcp_opt_set(struct pw_pkt_edit *e, uint8_t kind,
			const uint8_t *data, uint8_t data_len);
int pw_edit_tcp_opt_remove(struct pw_pkt_edit *e, uint8_t kind);

/* IPv6 extension header edits. hdr holds the whole header (len bytes,
 * first two bytes are rewritten); insert places it at position index of
 * the chain (0 = right after the fixed header). */
int pw_edit_ip6_ext_insert(struct pw_pkt_edit *e, unsigned index,
			   uint8_t type, const uint8_t *hdr, uint16_t len);
int pw_edit_ip6_ext_remove(struct pw_pkt_edit *e, unsigned index);
uint8_t *pw_edit_ip6_ext_bytes(struct pw_pkt_edit *e, unsigned index);

/* Where one packet of a multi-packet write sits in the output buffer. */
struct pw_span {
	uint32_t off, len;
};

/* Writes the packet as IP fragments, back to back in out, spans[i] saying
 * where fragment i is (spans has room for n_cuts + 1). The fragmentable
 * part is everything after the IPv4 header, or after the IPv6 header and
 * the extension headers routers read (hop-by-hop, routing and the
 * destination options before a routing header). cuts are offsets into it
 * where a new fragment starts: increasing, multiples of 8, inside it.
 * IPv4 fragments keep e->ip4.id; only options with the copy bit go past the
 * first fragment. IPv6 fragments get a fragment header with frag_id. The
 * L4 checksum is computed (per e->l4_csum) over the whole datagram first;
 * IPv4 header checksums follow e->ip_csum. Returns the number of fragments
 * or -errno (-EINVAL for bad cuts, keep_lengths set, or an edit that is
 * already a fragment). */
int pw_rebuild_fragments(const struct pw_pkt_edit *e, const uint32_t *cuts,
			 unsigned n_cuts, uint32_t frag_id, uint8_t *out,
			 size_t cap, struct pw_span *spans);

/* Writes a TCP packet as n_cuts + 1 segments whose payloads split at the
 * given payload offsets (increasing, 0 < cut < payload_len). Sequence
 * numbers follow the data; SYN stays on the first segment, FIN and PSH on
 * the last; IPv4 ids count up by one per segment. Returns the number of
 * segments or -errno. */
int pw_rebuild_segments(const struct pw_pkt_edit *e, const uint32_t *cuts,
			unsigned n_cuts, uint8_t *out, size_t cap,
			struct pw_span *spans);

#endif
