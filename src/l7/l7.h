/* Protocol detection: payload types (per packet or reassembled message)
 * and flow protocols, with the names zapret2 users write in their configs.
 *
 * A detector looks only at payload bytes plus the transport it came on; it
 * never touches flow storage. Flow-level decisions (first known payload
 * sets the flow protocol) are made by the caller with these results. */
#ifndef PW_L7_L7_H
#define PW_L7_L7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Payload types. Order is ABI for the flow's payload_types bitmask (< 32). */
enum pw_l7_payload {
	PW_PL_EMPTY = 0,
	PW_PL_UNKNOWN,
	PW_PL_HTTP_REQ,
	PW_PL_HTTP_REPLY,
	PW_PL_TLS_CLIENT_HELLO,
	PW_PL_TLS_SERVER_HELLO,
	PW_PL_DTLS_CLIENT_HELLO,
	PW_PL_DTLS_SERVER_HELLO,
	PW_PL_QUIC_INITIAL,
	PW_PL_WIREGUARD_INITIATION,
	PW_PL_WIREGUARD_RESPONSE,
	PW_PL_WIREGUARD_COOKIE,
	PW_PL_WIREGUARD_KEEPALIVE,
	PW_PL_WIREGUARD_DATA,
	PW_PL_DHT,
	PW_PL_UTP_BT_HANDSHAKE,
	PW_PL_BT_HANDSHAKE,
	PW_PL_DISCORD_IP_DISCOVERY,
	PW_PL_STUN,
	PW_PL_XMPP_STREAM,
	PW_PL_XMPP_STARTTLS,
	PW_PL_XMPP_PROCEED,
	PW_PL_XMPP_FEATURES,
	PW_PL_DNS_QUERY,
	PW_PL_DNS_RESPONSE,
	PW_PL_MTPROTO_INITIAL,
	PW_PL_ICMP,
	PW_PL_IPV4,		/* ICMP quoting an IPv4 packet */
	PW_PL_IPV6,		/* ICMP quoting an IPv6 packet */
	PW_PL__COUNT
};

/* Flow protocols (the `l7` of a flow). */
enum pw_l7_proto {
	PW_L7_UNKNOWN = 0,
	PW_L7_HTTP,
	PW_L7_TLS,
	PW_L7_DTLS,
	PW_L7_QUIC,
	PW_L7_WIREGUARD,
	PW_L7_DHT,
	PW_L7_UTP_BT,
	PW_L7_BT,
	PW_L7_DISCORD,
	PW_L7_STUN,
	PW_L7_XMPP,
	PW_L7_DNS,
	PW_L7_MTPROTO,
	/* Recognised for the monitor only (no payload type of their own). */
	PW_L7_SSH,
	PW_L7_NTP,
	PW_L7_MDNS,
	PW_L7_LLMNR,
	PW_L7_DHCP,
	PW_L7_SNMP,
	PW_L7_SSDP,
	PW_L7_NETBIOS,
	PW_L7__COUNT
};

const char *pw_l7_payload_name(enum pw_l7_payload p);
const char *pw_l7_proto_name(enum pw_l7_proto p);
/* Parses a name ("tls_client_hello"); returns -1 when unknown. */
int pw_l7_payload_from_name(const char *name);
int pw_l7_proto_from_name(const char *name);
/* Flow protocol a payload type belongs to (PW_L7_UNKNOWN for none). */
enum pw_l7_proto pw_l7_payload_proto(enum pw_l7_payload p);

#define PW_L7_HOST_MAX 256
#define PW_L7_DETAIL_MAX 128

/* What one detection found. host is NUL-terminated, "" when none. */
struct pw_l7_result {
	enum pw_l7_payload payload;
	enum pw_l7_proto proto;	/* from payload, or a monitor-only protocol */
	char host[PW_L7_HOST_MAX];
	char detail[PW_L7_DETAIL_MAX]; /* e.g. "SSH-2.0-OpenSSH_9.2", ALPN */
	bool incomplete;	/* message starts here but continues */
};

/* Detects the payload type of one packet's payload. l4proto is IPPROTO_TCP
 * or IPPROTO_UDP; ports help only where a protocol has no signature of its
 * own (never decisive alone when a signature exists). */
void pw_l7_detect(const uint8_t *payload, size_t len, uint8_t l4proto,
		  uint16_t sport, uint16_t dport, struct pw_l7_result *res);

#endif
