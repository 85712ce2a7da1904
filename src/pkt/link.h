/* Link-layer headers: find where the IP packet starts.
 *
 * Values are the pcap LINKTYPE_* numbers (tcpdump.org linktypes list). */
#ifndef PW_PKT_LINK_H
#define PW_PKT_LINK_H

#include <stdbool.h>
#include <stdint.h>

#define PW_LINKTYPE_NULL 0		/* BSD loopback, host-order AF */
#define PW_LINKTYPE_ETHERNET 1
#define PW_LINKTYPE_RAW 101		/* raw IPv4/IPv6 */
#define PW_LINKTYPE_LOOP 108		/* OpenBSD loopback, network-order AF */
#define PW_LINKTYPE_LINUX_SLL 113
#define PW_LINKTYPE_IPV4 228
#define PW_LINKTYPE_IPV6 229
#define PW_LINKTYPE_LINUX_SLL2 276

struct pw_link {
	uint32_t l3_off;	/* offset of the network header */
	uint16_t ethertype;	/* 0x0800 IPv4, 0x86dd IPv6, other */
	uint8_t dir;		/* enum pw_dir when the link header says (SLL) */
	uint8_t n_vlan;		/* 802.1Q/802.1ad tags skipped */
	uint16_t vlan[2];	/* outer first */
	uint32_t ifindex;	/* SLL2 interface index, 0 otherwise */
};

/* Returns false when the link header is truncated or the link type is not
 * supported; `link->ethertype` tells whether an IP packet follows. */
bool pw_link_parse(uint16_t linktype, const uint8_t *data, uint32_t caplen,
		   struct pw_link *link);

bool pw_link_supported(uint16_t linktype);
const char *pw_link_name(uint16_t linktype);

#endif
