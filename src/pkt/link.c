/* Link-layer headers of the capture link types we read. */
#include "pkt/link.h"

#include <stddef.h>

#include "base/bytes.h"
#include "base/packet.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100	/* pre-802.1ad QinQ */
#define MAX_VLAN_TAGS 2

/* BSD address families seen in DLT_NULL/DLT_LOOP headers: AF_INET is 2
 * everywhere, AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD,
 * DragonFly), 30 (macOS). */
static uint16_t af_to_ethertype(uint32_t af)
{
	switch (af) {
	case 2:
		return ETHERTYPE_IPV4;
	case 10:
	case 24:
	case 28:
	case 30:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

static uint16_t ip_version_ethertype(const uint8_t *data, uint32_t caplen)
{
	if (caplen == 0)
		return 0;
	switch (data[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/* 802.1Q / 802.1ad tags: 2 bytes TCI (PCP 3, DEI 1, VID 12 bits), then the
 * next ethertype. More than MAX_VLAN_TAGS tags are left unparsed; the
 * ethertype then says "VLAN", so no IP packet is assumed. */
static inline bool is_vlan_tpid(uint16_t ethertype)
{
	return ethertype == ETHERTYPE_8021Q || ethertype == ETHERTYPE_8021AD ||
	       ethertype == ETHERTYPE_QINQ_OLD;
}

static bool skip_vlan_tags(const uint8_t *data, uint32_t caplen,
			   struct pw_link *link)
{
	while (is_vlan_tpid(link->ethertype)) {
		if (link->n_vlan == MAX_VLAN_TAGS)
			break;
		if ((uint64_t)link->l3_off + 4 > caplen)
			return false;
		link->vlan[link->n_vlan++] =
			pw_get_be16(data + link->l3_off) & 0x0fff;
		link->ethertype = pw_get_be16(data + link->l3_off + 2);
		link->l3_off += 4;
	}
	return true;
}

/* Linux packet types (linux/if_packet.h PACKET_*): host, broadcast,
 * multicast and otherhost were received, outgoing was sent. */
static uint8_t sll_dir(unsigned pkttype)
{
	switch (pkttype) {
	case 0:
	case 1:
	case 2:
	case 3:
		return PW_DIR_IN;
	case 4:
		return PW_DIR_OUT;
	default:
		return PW_DIR_UNKNOWN;
	}
}

bool pw_link_parse(uint16_t linktype, const uint8_t *data, uint32_t caplen,
		   struct pw_link *link)
{
	uint32_t af;

	link->l3_off = 0;
	link->ethertype = 0;
	link->dir = PW_DIR_UNKNOWN;
	link->n_vlan = 0;
	link->vlan[0] = link->vlan[1] = 0;
	link->ifindex = 0;

	switch (linktype) {
	case PW_LINKTYPE_NULL:
		/* 4-byte address family in the writer's byte order: take
		 * whichever order gives a family we know. */
		if (caplen < 4)
			return false;
		af = pw_get_le32(data);
		link->ethertype = af_to_ethertype(af);
		if (!link->ethertype)
			link->ethertype = af_to_ethertype(pw_get_be32(data));
		link->l3_off = 4;
		return true;
	case PW_LINKTYPE_LOOP:
		if (caplen < 4)
			return false;
		link->ethertype = af_to_ethertype(pw_get_be32(data));
		link->l3_off = 4;
		return true;
	case PW_LINKTYPE_ETHERNET:
		/* dst MAC 6, src MAC 6, ethertype 2 */
		if (caplen < 14)
			return false;
		link->ethertype = pw_get_be16(data + 12);
		link->l3_off = 14;
		if (!is_vlan_tpid(link->ethertype))
			return true;
		return skip_vlan_tags(data, caplen, link);
	case PW_LINKTYPE_RAW:
		if (caplen == 0)
			return false;
		link->ethertype = ip_version_ethertype(data, caplen);
		return true;
	case PW_LINKTYPE_IPV4:
		if (caplen == 0)
			return false;
		link->ethertype = ETHERTYPE_IPV4;
		return true;
	case PW_LINKTYPE_IPV6:
		if (caplen == 0)
			return false;
		link->ethertype = ETHERTYPE_IPV6;
		return true;
	case PW_LINKTYPE_LINUX_SLL:
		/* packet type 2, ARPHRD 2, address length 2, address 8,
		 * protocol 2 */
		if (caplen < 16)
			return false;
		link->dir = sll_dir(pw_get_be16(data));
		link->ethertype = pw_get_be16(data + 14);
		link->l3_off = 16;
		return skip_vlan_tags(data, caplen, link);
	case PW_LINKTYPE_LINUX_SLL2:
		/* protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type 1,
		 * address length 1, address 8 */
		if (caplen < 20)
			return false;
		link->ethertype = pw_get_be16(data);
		link->ifindex = pw_get_be32(data + 4);
		link->dir = sll_dir(data[10]);
		link->l3_off = 20;
		return skip_vlan_tags(data, caplen, link);
	default:
		return false;
	}
}

static const char *known_link_name(uint16_t linktype)
{
	switch (linktype) {
	case PW_LINKTYPE_NULL:
		return "null";
	case PW_LINKTYPE_ETHERNET:
		return "ethernet";
	case PW_LINKTYPE_RAW:
		return "raw";
	case PW_LINKTYPE_LOOP:
		return "loop";
	case PW_LINKTYPE_LINUX_SLL:
		return "linux-sll";
	case PW_LINKTYPE_IPV4:
		return "ipv4";
	case PW_LINKTYPE_IPV6:
		return "ipv6";
	case PW_LINKTYPE_LINUX_SLL2:
		return "linux-sll2";
	default:
		return NULL;
	}
}

bool pw_link_supported(uint16_t linktype)
{
	return known_link_name(linktype) != NULL;
}

const char *pw_link_name(uint16_t linktype)
{
	const char *name = known_link_name(linktype);

	return name ? name : "unknown";
}
