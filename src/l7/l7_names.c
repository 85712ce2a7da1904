/* Names of payload types and flow protocols. The payload and protocol
 * names are zapret2's (nfqws2 --payload / --filter-l7), so that users'
 * configurations carry over unchanged. */
#include <string.h>

#include "base/bytes.h"
#include "l7/l7.h"

static const char *const payload_names[PW_PL__COUNT] = {
	[PW_PL_EMPTY] = "empty",
	[PW_PL_UNKNOWN] = "unknown",
	[PW_PL_HTTP_REQ] = "http_req",
	[PW_PL_HTTP_REPLY] = "http_reply",
	[PW_PL_TLS_CLIENT_HELLO] = "tls_client_hello",
	[PW_PL_TLS_SERVER_HELLO] = "tls_server_hello",
	[PW_PL_DTLS_CLIENT_HELLO] = "dtls_client_hello",
	[PW_PL_DTLS_SERVER_HELLO] = "dtls_server_hello",
	[PW_PL_QUIC_INITIAL] = "quic_initial",
	[PW_PL_WIREGUARD_INITIATION] = "wireguard_initiation",
	[PW_PL_WIREGUARD_RESPONSE] = "wireguard_response",
	[PW_PL_WIREGUARD_COOKIE] = "wireguard_cookie",
	[PW_PL_WIREGUARD_KEEPALIVE] = "wireguard_keepalive",
	[PW_PL_WIREGUARD_DATA] = "wireguard_data",
	[PW_PL_DHT] = "dht",
	[PW_PL_UTP_BT_HANDSHAKE] = "utp_bt_handshake",
	[PW_PL_BT_HANDSHAKE] = "bt_handshake",
	[PW_PL_DISCORD_IP_DISCOVERY] = "discord_ip_discovery",
	[PW_PL_STUN] = "stun",
	[PW_PL_XMPP_STREAM] = "xmpp_stream",
	[PW_PL_XMPP_STARTTLS] = "xmpp_starttls",
	[PW_PL_XMPP_PROCEED] = "xmpp_proceed",
	[PW_PL_XMPP_FEATURES] = "xmpp_features",
	[PW_PL_DNS_QUERY] = "dns_query",
	[PW_PL_DNS_RESPONSE] = "dns_response",
	[PW_PL_MTPROTO_INITIAL] = "mtproto_initial",
	[PW_PL_ICMP] = "icmp",
	[PW_PL_IPV4] = "ipv4",
	[PW_PL_IPV6] = "ipv6",
};

static const char *const proto_names[PW_L7__COUNT] = {
	[PW_L7_UNKNOWN] = "unknown",
	[PW_L7_HTTP] = "http",
	[PW_L7_TLS] = "tls",
	[PW_L7_DTLS] = "dtls",
	[PW_L7_QUIC] = "quic",
	[PW_L7_WIREGUARD] = "wireguard",
	[PW_L7_DHT] = "dht",
	[PW_L7_UTP_BT] = "utp_bt",
	[PW_L7_BT] = "bt",
	[PW_L7_DISCORD] = "discord",
	[PW_L7_STUN] = "stun",
	[PW_L7_XMPP] = "xmpp",
	[PW_L7_DNS] = "dns",
	[PW_L7_MTPROTO] = "mtproto",
	[PW_L7_SSH] = "ssh",
	[PW_L7_NTP] = "ntp",
	[PW_L7_MDNS] = "mdns",
	[PW_L7_LLMNR] = "llmnr",
	[PW_L7_DHCP] = "dhcp",
	[PW_L7_SNMP] = "snmp",
	[PW_L7_SSDP] = "ssdp",
	[PW_L7_NETBIOS] = "netbios",
};

/* The payload type bitmask of a flow is 32 bits wide. */
_Static_assert(PW_PL__COUNT <= 32, "payload types must fit a uint32_t");
_Static_assert(PW_L7__COUNT <= 32, "protocols must fit a uint32_t");

static const enum pw_l7_proto payload_protos[PW_PL__COUNT] = {
	[PW_PL_HTTP_REQ] = PW_L7_HTTP,
	[PW_PL_HTTP_REPLY] = PW_L7_HTTP,
	[PW_PL_TLS_CLIENT_HELLO] = PW_L7_TLS,
	[PW_PL_TLS_SERVER_HELLO] = PW_L7_TLS,
	[PW_PL_DTLS_CLIENT_HELLO] = PW_L7_DTLS,
	[PW_PL_DTLS_SERVER_HELLO] = PW_L7_DTLS,
	[PW_PL_QUIC_INITIAL] = PW_L7_QUIC,
	[PW_PL_WIREGUARD_INITIATION] = PW_L7_WIREGUARD,
	[PW_PL_WIREGUARD_RESPONSE] = PW_L7_WIREGUARD,
	[PW_PL_WIREGUARD_COOKIE] = PW_L7_WIREGUARD,
	[PW_PL_WIREGUARD_KEEPALIVE] = PW_L7_WIREGUARD,
	[PW_PL_WIREGUARD_DATA] = PW_L7_WIREGUARD,
	[PW_PL_DHT] = PW_L7_DHT,
	[PW_PL_UTP_BT_HANDSHAKE] = PW_L7_UTP_BT,
	[PW_PL_BT_HANDSHAKE] = PW_L7_BT,
	[PW_PL_DISCORD_IP_DISCOVERY] = PW_L7_DISCORD,
	[PW_PL_STUN] = PW_L7_STUN,
	[PW_PL_XMPP_STREAM] = PW_L7_XMPP,
	[PW_PL_XMPP_STARTTLS] = PW_L7_XMPP,
	[PW_PL_XMPP_PROCEED] = PW_L7_XMPP,
	[PW_PL_XMPP_FEATURES] = PW_L7_XMPP,
	[PW_PL_DNS_QUERY] = PW_L7_DNS,
	[PW_PL_DNS_RESPONSE] = PW_L7_DNS,
	[PW_PL_MTPROTO_INITIAL] = PW_L7_MTPROTO,
};

const char *pw_l7_payload_name(enum pw_l7_payload p)
{
	if ((unsigned)p >= PW_PL__COUNT)
		return "invalid";
	return payload_names[p];
}

const char *pw_l7_proto_name(enum pw_l7_proto p)
{
	if ((unsigned)p >= PW_L7__COUNT)
		return "invalid";
	return proto_names[p];
}

static int name_index(const char *const *names, int count, const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < count; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

int pw_l7_payload_from_name(const char *name)
{
	return name_index(payload_names, PW_PL__COUNT, name);
}

int pw_l7_proto_from_name(const char *name)
{
	return name_index(proto_names, PW_L7__COUNT, name);
}

enum pw_l7_proto pw_l7_payload_proto(enum pw_l7_payload p)
{
	if ((unsigned)p >= PW_PL__COUNT)
		return PW_L7_UNKNOWN;
	return payload_protos[p];
}
