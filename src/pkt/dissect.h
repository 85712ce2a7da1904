/* Zero-copy dissection of IPv4/IPv6 packets and their TCP, UDP and ICMP
 * headers.
 *
 * A dissect holds offsets into the caller's buffer, never copies. All
 * offsets are relative to the start of the L3 header (pw_dissect.l3). Every
 * length taken from the packet is checked against the bytes captured before
 * use; what does not add up is recorded in `malformed` and dissection stops
 * at the last layer that was whole. */
#ifndef PW_PKT_DISSECT_H
#define PW_PKT_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

/* Malformation classes: bits in pw_dissect.malformed. */
enum pw_malformed {
	PW_MAL_TRUNCATED = 1u << 0,	/* capture ends inside a header */
	PW_MAL_BAD_VERSION = 1u << 1,	/* IP version nibble not 4/6 */
	PW_MAL_BAD_HDR_LEN = 1u << 2,	/* IHL < 5, TCP doff < 5, ext len */
	PW_MAL_BAD_TOTAL_LEN = 1u << 3,	/* IP/UDP length smaller than header */
	PW_MAL_BAD_OPTIONS = 1u << 4,	/* option length runs past header */
	PW_MAL_BAD_IP_CSUM = 1u << 5,	/* IPv4 header checksum wrong */
	PW_MAL_BAD_L4_CSUM = 1u << 6,	/* TCP/UDP/ICMP checksum wrong */
	PW_MAL_SNAPPED = 1u << 7,	/* payload cut by snaplen (not an error
					   of the packet, but bytes are missing) */
	PW_MAL_EXT_CHAIN = 1u << 8,	/* too many IPv6 extension headers */
};
#define PW_MAL_COUNT 9
const char *pw_malformed_name(unsigned bit_index);

#define PW_IP6_MAX_EXT 8
#define PW_TCP_MAX_OPTS 20

struct pw_ip6_ext {
	uint8_t type;		/* IPPROTO_HOPOPTS, ROUTING, FRAGMENT, DSTOPTS, AH */
	uint16_t off;		/* offset of the extension header */
	uint16_t len;		/* its length in bytes */
};

/* TCP option kinds with a name; others are kept raw with their kind. */
enum pw_tcp_opt_kind {
	PW_TCPOPT_EOL = 0,
	PW_TCPOPT_NOP = 1,
	PW_TCPOPT_MSS = 2,
	PW_TCPOPT_WSCALE = 3,
	PW_TCPOPT_SACK_PERM = 4,
	PW_TCPOPT_SACK = 5,
	PW_TCPOPT_TIMESTAMP = 8,
	PW_TCPOPT_MD5 = 19,
	PW_TCPOPT_AO = 29,
	PW_TCPOPT_FASTOPEN = 34,
};

struct pw_tcp_opt {
	uint8_t kind;
	uint8_t len;		/* total length incl. kind/len bytes (1 for EOL/NOP) */
	uint16_t off;		/* offset of the kind byte */
};

struct pw_dissect {
	const uint8_t *l3;	/* first byte of the IP header */
	uint32_t caplen;	/* bytes available from l3 */
	uint32_t wirelen;	/* bytes from l3 on the wire */
	uint32_t malformed;	/* enum pw_malformed bits */

	uint8_t ipver;		/* 4, 6, or 0 when not IP */
	uint8_t l4proto;	/* final upper-layer protocol number */
	uint16_t l3_hlen;	/* IPv4 IHL*4, IPv6 40 + extension headers */
	uint32_t ip_len;	/* L3 length claimed by the header (total length
				   or 40 + payload length); trailing bytes beyond
				   it (link padding) are not part of the packet */

	/* Fragmentation (IPv4 flags/offset or IPv6 fragment header). */
	bool is_fragment;	/* offset != 0 or more-fragments set */
	bool more_frags;
	bool dont_frag;		/* IPv4 DF */
	uint16_t frag_off;	/* in bytes */
	uint32_t frag_id;

	uint8_t n_ext;
	struct pw_ip6_ext ext[PW_IP6_MAX_EXT];

	/* L4: present only when the packet is not a non-first fragment and
	 * the fixed part of the L4 header (TCP 20, UDP 8, ICMP 8 bytes) was
	 * captured; TCP options may still be cut (TRUNCATED is set, the
	 * options list holds those captured). */
	bool has_l4;
	uint16_t l4_off;
	uint16_t l4_hlen;	/* TCP doff*4, UDP 8, ICMP 8 */
	uint16_t sport, dport;	/* TCP/UDP ports; ICMP: type, code */

	/* TCP header fields, host order. */
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;	/* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10
				   URG 0x20 ECE 0x40 CWR 0x80 */
	uint16_t tcp_win;
	uint8_t n_tcp_opts;	/* an EOL is listed and ends the list; at most
				   PW_TCP_MAX_OPTS are listed */
	struct pw_tcp_opt tcp_opts[PW_TCP_MAX_OPTS];

	/* ICMP/ICMPv6 errors quote the packet that caused them. */
	uint16_t icmp_quote_off; /* offset of the quoted IP header, 0 if none */

	/* Payload after the L4 header (or after L3 for other protocols,
	 * later fragments, ESP, or when a header was cut or broken: then it
	 * is what follows the last whole header). */
	uint32_t payload_off;
	uint32_t payload_len;	/* bytes captured and within ip_len */
	uint32_t payload_wirelen; /* bytes the header says there are */
};

#define PW_TCP_FIN 0x01
#define PW_TCP_SYN 0x02
#define PW_TCP_RST 0x04
#define PW_TCP_PSH 0x08
#define PW_TCP_ACK 0x10
#define PW_TCP_URG 0x20
#define PW_TCP_ECE 0x40
#define PW_TCP_CWR 0x80

/* Dissects an IP packet at l3. Returns true when at least the IP header is
 * whole (malformed may still be set for lower layers); false when it is
 * not IP or the IP header itself is broken. Never reads past caplen. */
bool pw_dissect_ip(const uint8_t *l3, uint32_t caplen, uint32_t wirelen,
		   struct pw_dissect *d);

/* Dissects the IP packet quoted in an ICMP error into *inner. Quoted
 * packets are usually cut short; `inner->malformed` will say so. */
bool pw_dissect_icmp_quote(const struct pw_dissect *outer,
			   struct pw_dissect *inner);

/* Checks checksums (IPv4 header, TCP/UDP/ICMP over the whole payload when
 * captured entirely) and sets the PW_MAL_BAD_*_CSUM bits. Kept separate
 * from dissect because it touches every payload byte. */
void pw_dissect_verify_checksums(struct pw_dissect *d);

/* Convenience accessors. */
static inline const uint8_t *pw_dissect_payload(const struct pw_dissect *d)
{
	return d->l3 + d->payload_off;
}

/* Address bytes (4 or 16) of the source/destination. */
const uint8_t *pw_dissect_src(const struct pw_dissect *d);
const uint8_t *pw_dissect_dst(const struct pw_dissect *d);

/* Value of a TCP option (its bytes after kind and length), or NULL. */
const uint8_t *pw_tcp_opt_find(const struct pw_dissect *d, uint8_t kind,
			       uint8_t *len_out);

/* Destination the upper-layer checksum covers: the IPv6 final destination
 * from a routing header with segments left (RFC 8200 8.1), else the
 * destination address. */
const uint8_t *pw_dissect_final_dst(const struct pw_dissect *d);

/* Pseudo-header partial sum (see pkt/checksum.h) for an upper layer of
 * protocol `proto` and l4_len bytes carried by this IP header. */
uint32_t pw_dissect_pseudo_sum(const struct pw_dissect *d, uint8_t proto,
			       uint32_t l4_len);

#endif
