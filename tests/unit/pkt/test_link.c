/* Link-layer headers: where the IP packet starts, VLAN tags, direction. */
#include <string.h>

#include "base/packet.h"
#include "pkt/link.h"
#include "tap.h"

static void test_ethernet(void)
{
	uint8_t f[64];
	struct pw_link l;

	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	f[13] = 0x00;
	tap_ok(pw_link_parse(PW_LINKTYPE_ETHERNET, f, 34, &l) &&
	       l.l3_off == 14 && l.ethertype == 0x0800 && l.n_vlan == 0,
	       "ethernet: ipv4 at 14");
	tap_ok(!pw_link_parse(PW_LINKTYPE_ETHERNET, f, 13, &l),
	       "ethernet: 13 bytes truncated");

	/* 802.1Q VLAN 100 (PCP 5 set), then IPv4. */
	f[12] = 0x81, f[13] = 0x00, f[14] = 0xa0, f[15] = 0x64;
	f[16] = 0x08, f[17] = 0x00;
	tap_ok(pw_link_parse(PW_LINKTYPE_ETHERNET, f, 40, &l) &&
	       l.l3_off == 18 && l.ethertype == 0x0800 && l.n_vlan == 1 &&
	       l.vlan[0] == 100, "802.1q: vlan 100, ipv4 at 18");
	tap_ok(!pw_link_parse(PW_LINKTYPE_ETHERNET, f, 17, &l),
	       "802.1q: tag cut");

	/* 802.1ad outer 10, 802.1Q inner 20, IPv6. */
	f[12] = 0x88, f[13] = 0xa8, f[14] = 0x00, f[15] = 10;
	f[16] = 0x81, f[17] = 0x00, f[18] = 0x00, f[19] = 20;
	f[20] = 0x86, f[21] = 0xdd;
	tap_ok(pw_link_parse(PW_LINKTYPE_ETHERNET, f, 62, &l) &&
	       l.l3_off == 22 && l.ethertype == 0x86dd && l.n_vlan == 2 &&
	       l.vlan[0] == 10 && l.vlan[1] == 20, "qinq 88a8: two tags");

	/* Old QinQ 0x9100. */
	f[12] = 0x91, f[13] = 0x00;
	tap_ok(pw_link_parse(PW_LINKTYPE_ETHERNET, f, 62, &l) &&
	       l.l3_off == 22 && l.ethertype == 0x86dd && l.vlan[0] == 10,
	       "qinq 9100: two tags");

	/* A third tag is not unwrapped: no IP assumed. */
	f[20] = 0x81, f[21] = 0x00, f[22] = 0x00, f[23] = 30;
	f[24] = 0x08, f[25] = 0x00;
	tap_ok(pw_link_parse(PW_LINKTYPE_ETHERNET, f, 62, &l) &&
	       l.ethertype == 0x8100 && l.n_vlan == 2 && l.l3_off == 22,
	       "three tags: stops after two");
}

static void test_loopback(void)
{
	static const uint8_t le_inet[4] = { 2, 0, 0, 0 };
	static const uint8_t be_inet6_mac[4] = { 0, 0, 0, 30 };
	static const uint8_t le_inet6_bsd[4] = { 24, 0, 0, 0 };
	static const uint8_t le_inet6_fbsd[4] = { 28, 0, 0, 0 };
	static const uint8_t le_inet6_linux[4] = { 10, 0, 0, 0 };
	static const uint8_t unknown_af[4] = { 99, 0, 0, 0 };
	struct pw_link l;

	tap_ok(pw_link_parse(PW_LINKTYPE_NULL, le_inet, 4, &l) &&
	       l.ethertype == 0x0800 && l.l3_off == 4, "null: LE AF_INET");
	tap_ok(pw_link_parse(PW_LINKTYPE_NULL, be_inet6_mac, 4, &l) &&
	       l.ethertype == 0x86dd, "null: BE AF_INET6 30");
	tap_ok(pw_link_parse(PW_LINKTYPE_NULL, le_inet6_bsd, 4, &l) &&
	       l.ethertype == 0x86dd, "null: AF_INET6 24");
	tap_ok(pw_link_parse(PW_LINKTYPE_NULL, le_inet6_fbsd, 4, &l) &&
	       l.ethertype == 0x86dd, "null: AF_INET6 28");
	tap_ok(pw_link_parse(PW_LINKTYPE_NULL, le_inet6_linux, 4, &l) &&
	       l.ethertype == 0x86dd, "null: AF_INET6 10");
	tap_ok(pw_link_parse(PW_LINKTYPE_NULL, unknown_af, 4, &l) &&
	       l.ethertype == 0, "null: unknown family, not ip");
	tap_ok(!pw_link_parse(PW_LINKTYPE_NULL, le_inet, 3, &l),
	       "null: truncated");
	tap_ok(pw_link_parse(PW_LINKTYPE_LOOP, be_inet6_mac, 4, &l) &&
	       l.ethertype == 0x86dd, "loop: network order");
	tap_ok(pw_link_parse(PW_LINKTYPE_LOOP, le_inet, 4, &l) &&
	       l.ethertype == 0, "loop: host order not accepted");
}

static void test_raw(void)
{
	static const uint8_t v4[1] = { 0x45 }, v6[1] = { 0x60 }, v0[1] = { 0 };
	struct pw_link l;

	tap_ok(pw_link_parse(PW_LINKTYPE_RAW, v4, 1, &l) &&
	       l.ethertype == 0x0800 && l.l3_off == 0, "raw: v4 by nibble");
	tap_ok(pw_link_parse(PW_LINKTYPE_RAW, v6, 1, &l) &&
	       l.ethertype == 0x86dd, "raw: v6 by nibble");
	tap_ok(pw_link_parse(PW_LINKTYPE_RAW, v0, 1, &l) && l.ethertype == 0,
	       "raw: version 0 is not ip");
	tap_ok(!pw_link_parse(PW_LINKTYPE_RAW, v4, 0, &l), "raw: empty");
	tap_ok(pw_link_parse(PW_LINKTYPE_IPV4, v4, 1, &l) &&
	       l.ethertype == 0x0800, "ipv4 link type");
	tap_ok(pw_link_parse(PW_LINKTYPE_IPV6, v6, 1, &l) &&
	       l.ethertype == 0x86dd, "ipv6 link type");
}

static void test_sll(void)
{
	uint8_t h[24];
	struct pw_link l;

	memset(h, 0, sizeof(h));
	h[1] = 4;		/* outgoing */
	h[14] = 0x08;
	tap_ok(pw_link_parse(PW_LINKTYPE_LINUX_SLL, h, 20, &l) &&
	       l.l3_off == 16 && l.ethertype == 0x0800 &&
	       l.dir == PW_DIR_OUT, "sll: outgoing ipv4 at 16");
	h[1] = 0;
	pw_link_parse(PW_LINKTYPE_LINUX_SLL, h, 20, &l);
	tap_eq_u64(l.dir, PW_DIR_IN, "sll: to us is in");
	h[1] = 3;
	pw_link_parse(PW_LINKTYPE_LINUX_SLL, h, 20, &l);
	tap_eq_u64(l.dir, PW_DIR_IN, "sll: otherhost is in");
	h[1] = 7;
	pw_link_parse(PW_LINKTYPE_LINUX_SLL, h, 20, &l);
	tap_eq_u64(l.dir, PW_DIR_UNKNOWN, "sll: unknown packet type");
	tap_ok(!pw_link_parse(PW_LINKTYPE_LINUX_SLL, h, 15, &l),
	       "sll: truncated");

	memset(h, 0, sizeof(h));
	h[0] = 0x86, h[1] = 0xdd;
	h[7] = 7;		/* ifindex */
	h[10] = 4;		/* outgoing */
	tap_ok(pw_link_parse(PW_LINKTYPE_LINUX_SLL2, h, 24, &l) &&
	       l.l3_off == 20 && l.ethertype == 0x86dd && l.ifindex == 7 &&
	       l.dir == PW_DIR_OUT, "sll2: outgoing ipv6 on ifindex 7");
	tap_ok(!pw_link_parse(PW_LINKTYPE_LINUX_SLL2, h, 19, &l),
	       "sll2: truncated");
}

static void test_names(void)
{
	uint8_t b[32] = { 0 };
	struct pw_link l;

	tap_ok(pw_link_supported(PW_LINKTYPE_ETHERNET) &&
	       pw_link_supported(PW_LINKTYPE_LINUX_SLL2) &&
	       !pw_link_supported(147), "supported link types");
	tap_ok(!pw_link_parse(147, b, sizeof(b), &l), "unsupported: false");
	tap_eq_str(pw_link_name(PW_LINKTYPE_ETHERNET), "ethernet",
		   "name: ethernet");
	tap_eq_str(pw_link_name(PW_LINKTYPE_LINUX_SLL), "linux-sll",
		   "name: linux-sll");
	tap_eq_str(pw_link_name(147), "unknown", "name: unknown");
}

int main(void)
{
	test_ethernet();
	test_loopback();
	test_raw();
	test_sll();
	test_names();
	return tap_done();
}
