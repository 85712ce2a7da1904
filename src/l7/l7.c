/* The dispatcher: picks which detectors to try for one payload.
 *
 * It runs on every packet with payload (up to the pipeline's per-flow
 * limit), so it switches on the transport and the first byte before
 * calling any detector, and tries the expensive ones (MTProto needs an
 * AES block) last. The order among detectors whose signatures could
 * overlap follows zapret2's nfqws2, so both tools call a packet the same:
 *   TCP: TLS, HTTP request/reply, XMPP, BitTorrent, SSH, MTProto.
 *   UDP: QUIC, Discord, STUN, then monitor-only protocols by port, then
 *        DNS, DHT, DTLS, uTP, WireGuard.
 * Monitor-only protocols with a DNS-like format (mDNS, LLMNR, NetBIOS)
 * are identified by port and must be checked before DNS; a port 53 on
 * either side keeps a packet DNS.
 *
 * ICMP: errors (destination unreachable, time exceeded, ...) quote the
 * offending IP packet and are "ipv4"/"ipv6"; other ICMP is "icmp". */
#include <netinet/in.h>

#include "l7/detect.h"
#include "l7/detectors.h"
#include "l7/l7.h"

static bool is_port(uint16_t sport, uint16_t dport, uint16_t port)
{
	return sport == port || dport == port;
}

static void detect_tcp(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	switch (p[0]) {
	case 0x16:
		if (pw_tls_detect(p, n, res))
			return;
		break;
	case 'H':
		if (pw_http_reply_detect(p, n, res) ||
		    pw_http_req_detect(p, n, res))
			return;
		break;
	case 'G': case 'P': case 'O': case 'D': case 'C': case 'T':
		if (pw_http_req_detect(p, n, res))
			return;
		break;
	case '<':
		if (pw_xmpp_detect(p, n, res))
			return;
		break;
	case 0x13:
		if (pw_bt_detect(p, n, res))
			return;
		break;
	case 'S':
		if (pw_ssh_detect(p, n, res))
			return;
		break;
	}
	if (n >= 64)
		pw_mtproto_detect(p, n, res);
}

/* Monitor-only UDP protocols, known by their port. */
static bool detect_udp_by_port(const uint8_t *p, size_t n, uint16_t sport,
			       uint16_t dport, struct pw_l7_result *res)
{
	if (is_port(sport, dport, 5353))
		return pw_mdns_detect(p, n, PW_L7_MDNS, res);
	if (is_port(sport, dport, 5355))
		return pw_mdns_detect(p, n, PW_L7_LLMNR, res);
	if (is_port(sport, dport, 137))
		return pw_nbns_detect(p, n, res);
	if (is_port(sport, dport, 138))
		return pw_nbdgm_detect(p, n, res);
	if (is_port(sport, dport, 123))
		return pw_ntp_detect(p, n, res);
	if (is_port(sport, dport, 67) || is_port(sport, dport, 68))
		return pw_dhcp_detect(p, n, res);
	if (is_port(sport, dport, 161) || is_port(sport, dport, 162))
		return pw_snmp_detect(p, n, res);
	if (is_port(sport, dport, 1900))
		return pw_ssdp_detect(p, n, res);
	return false;
}

static void detect_udp(const uint8_t *p, size_t n, uint16_t sport,
		       uint16_t dport, struct pw_l7_result *res)
{
	/* QUIC long headers have the top bit set. */
	if ((p[0] & 0x80) && pw_quic_detect(p, n, res))
		return;
	if (n == 74 && pw_discord_detect(p, n, res))
		return;
	if (!(p[0] & 0xc0) && pw_stun_detect(p, n, res))
		return;
	if (!is_port(sport, dport, 53) &&
	    detect_udp_by_port(p, n, sport, dport, res))
		return;
	if (pw_dns_detect(p, n, res))
		return;
	switch (p[0]) {
	case 'd':
		pw_dht_detect(p, n, res);
		return;
	case 0x16:
		pw_dtls_detect(p, n, res);
		return;
	case 0x01:
		if (!pw_utp_bt_detect(p, n, res))
			pw_wireguard_detect(p, n, res);
		return;
	case 0x02: case 0x03: case 0x04:
		pw_wireguard_detect(p, n, res);
		return;
	}
}

static void detect_icmp(const uint8_t *p, size_t n, uint8_t l4proto,
			uint8_t type, struct pw_l7_result *res)
{
	bool error;
	unsigned ver = n ? p[0] >> 4 : 0;

	if (l4proto == IPPROTO_ICMP)
		/* unreachable, source quench, redirect, time exceeded,
		 * parameter problem */
		error = type == 3 || type == 4 || type == 5 || type == 11 ||
			type == 12;
	else
		/* unreachable, too big, time exceeded, parameter problem */
		error = type >= 1 && type <= 4;
	if (error && ver == 4 && n >= 20)
		res->payload = PW_PL_IPV4;
	else if (error && ver == 6 && n >= 40)
		res->payload = PW_PL_IPV6;
	else
		res->payload = PW_PL_ICMP;
}

void pw_l7_detect(const uint8_t *payload, size_t len, uint8_t l4proto,
		  uint16_t sport, uint16_t dport, struct pw_l7_result *res)
{
	res->payload = PW_PL_UNKNOWN;
	res->proto = PW_L7_UNKNOWN;
	res->host[0] = '\0';
	res->detail[0] = '\0';
	res->incomplete = false;

	if (l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6) {
		detect_icmp(payload, len, l4proto, (uint8_t)sport, res);
		return;
	}
	if (!len) {
		res->payload = PW_PL_EMPTY;
		return;
	}
	if (l4proto == IPPROTO_TCP)
		detect_tcp(payload, len, res);
	else if (l4proto == IPPROTO_UDP)
		detect_udp(payload, len, sport, dport, res);
	if (res->proto == PW_L7_UNKNOWN)
		res->proto = pw_l7_payload_proto(res->payload);
}
