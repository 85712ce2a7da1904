/* Payload and protocol names (zapret2's spelling), and filter lists. */
#include <string.h>

#include "base/error.h"
#include "l7/l7.h"
#include "l7/l7_filter.h"
#include "tap.h"

static void test_round_trip(void)
{
	int i, bad = 0;

	for (i = 0; i < PW_PL__COUNT; i++)
		if (pw_l7_payload_from_name(pw_l7_payload_name(i)) != i)
			bad++;
	tap_eq_u64(bad, 0, "every payload name parses back to its type");
	for (bad = 0, i = 0; i < PW_L7__COUNT; i++)
		if (pw_l7_proto_from_name(pw_l7_proto_name(i)) != i)
			bad++;
	tap_eq_u64(bad, 0, "every protocol name parses back to itself");
	tap_eq_u64((uint64_t)pw_l7_payload_from_name("tls_clienthello") + 1, 0,
		   "misspelt payload name is -1");
	tap_eq_u64((uint64_t)pw_l7_payload_from_name("") + 1, 0,
		   "empty payload name is -1");
	tap_eq_u64((uint64_t)pw_l7_proto_from_name("HTTP") + 1, 0,
		   "names are case-sensitive like zapret2's");
	tap_eq_str(pw_l7_payload_name(PW_PL__COUNT), "invalid",
		   "out-of-range payload prints invalid");
	tap_eq_str(pw_l7_proto_name((enum pw_l7_proto)200), "invalid",
		   "out-of-range protocol prints invalid");
}

static void test_exact_names(void)
{
	static const struct {
		enum pw_l7_payload p;
		const char *name;
		enum pw_l7_proto proto;
	} t[] = {
		{ PW_PL_EMPTY, "empty", PW_L7_UNKNOWN },
		{ PW_PL_UNKNOWN, "unknown", PW_L7_UNKNOWN },
		{ PW_PL_HTTP_REQ, "http_req", PW_L7_HTTP },
		{ PW_PL_HTTP_REPLY, "http_reply", PW_L7_HTTP },
		{ PW_PL_TLS_CLIENT_HELLO, "tls_client_hello", PW_L7_TLS },
		{ PW_PL_TLS_SERVER_HELLO, "tls_server_hello", PW_L7_TLS },
		{ PW_PL_DTLS_CLIENT_HELLO, "dtls_client_hello", PW_L7_DTLS },
		{ PW_PL_DTLS_SERVER_HELLO, "dtls_server_hello", PW_L7_DTLS },
		{ PW_PL_QUIC_INITIAL, "quic_initial", PW_L7_QUIC },
		{ PW_PL_WIREGUARD_INITIATION, "wireguard_initiation",
		  PW_L7_WIREGUARD },
		{ PW_PL_WIREGUARD_RESPONSE, "wireguard_response",
		  PW_L7_WIREGUARD },
		{ PW_PL_WIREGUARD_COOKIE, "wireguard_cookie", PW_L7_WIREGUARD },
		{ PW_PL_WIREGUARD_KEEPALIVE, "wireguard_keepalive",
		  PW_L7_WIREGUARD },
		{ PW_PL_WIREGUARD_DATA, "wireguard_data", PW_L7_WIREGUARD },
		{ PW_PL_DHT, "dht", PW_L7_DHT },
		{ PW_PL_UTP_BT_HANDSHAKE, "utp_bt_handshake", PW_L7_UTP_BT },
		{ PW_PL_BT_HANDSHAKE, "bt_handshake", PW_L7_BT },
		{ PW_PL_DISCORD_IP_DISCOVERY, "discord_ip_discovery",
		  PW_L7_DISCORD },
		{ PW_PL_STUN, "stun", PW_L7_STUN },
		{ PW_PL_XMPP_STREAM, "xmpp_stream", PW_L7_XMPP },
		{ PW_PL_XMPP_STARTTLS, "xmpp_starttls", PW_L7_XMPP },
		{ PW_PL_XMPP_PROCEED, "xmpp_proceed", PW_L7_XMPP },
		{ PW_PL_XMPP_FEATURES, "xmpp_features", PW_L7_XMPP },
		{ PW_PL_DNS_QUERY, "dns_query", PW_L7_DNS },
		{ PW_PL_DNS_RESPONSE, "dns_response", PW_L7_DNS },
		{ PW_PL_MTPROTO_INITIAL, "mtproto_initial", PW_L7_MTPROTO },
		{ PW_PL_ICMP, "icmp", PW_L7_UNKNOWN },
		{ PW_PL_IPV4, "ipv4", PW_L7_UNKNOWN },
		{ PW_PL_IPV6, "ipv6", PW_L7_UNKNOWN },
	};
	size_t i;
	int bad = 0;

	tap_eq_u64(sizeof(t) / sizeof(t[0]), PW_PL__COUNT,
		   "table covers every payload type");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(pw_l7_payload_name(t[i].p), t[i].name) ||
		    pw_l7_payload_proto(t[i].p) != t[i].proto) {
			tap_diag("payload %d: %s -> %s", t[i].p,
				 pw_l7_payload_name(t[i].p),
				 pw_l7_proto_name(pw_l7_payload_proto(t[i].p)));
			bad++;
		}
	}
	tap_eq_u64(bad, 0, "payload names and their protocols are zapret2's");
	tap_eq_str(pw_l7_proto_name(PW_L7_UTP_BT), "utp_bt", "utp_bt name");
	tap_eq_str(pw_l7_proto_name(PW_L7_NETBIOS), "netbios",
		   "netbios name");
	tap_eq_str(pw_l7_proto_name(PW_L7_LLMNR), "llmnr", "llmnr name");
}

static void test_payload_filter(void)
{
	struct pw_error err;
	uint32_t m = 0xdeadbeef;
	char s[512];

	tap_ok(pw_l7_payload_filter_parse("tls_client_hello,http_req", &m,
					  &err), "two names parse");
	tap_eq_u64(m, (1u << PW_PL_TLS_CLIENT_HELLO) | (1u << PW_PL_HTTP_REQ),
		   "two names give two bits");
	tap_ok(pw_l7_payload_filter_match(m, PW_PL_HTTP_REQ) &&
	       !pw_l7_payload_filter_match(m, PW_PL_HTTP_REPLY) &&
	       !pw_l7_payload_filter_match(m, PW_PL__COUNT),
	       "match follows the bits");

	tap_ok(pw_l7_payload_filter_parse("known", &m, &err), "known parses");
	tap_ok(!pw_l7_payload_filter_match(m, PW_PL_EMPTY) &&
	       !pw_l7_payload_filter_match(m, PW_PL_UNKNOWN) &&
	       pw_l7_payload_filter_match(m, PW_PL_DNS_QUERY) &&
	       pw_l7_payload_filter_match(m, PW_PL_IPV6),
	       "known is everything but empty and unknown");
	tap_ok(pw_l7_payload_filter_parse("all", &m, &err), "all parses");
	tap_eq_u64(m, (1ull << PW_PL__COUNT) - 1, "all sets every type");
	tap_ok(pw_l7_payload_filter_parse(" dns_query , empty ", &m, &err),
	       "spaces around names are allowed");
	tap_eq_u64(m, (1u << PW_PL_DNS_QUERY) | (1u << PW_PL_EMPTY),
		   "spaced list bits");
	tap_ok(pw_l7_payload_filter_parse("stun,stun", &m, &err) &&
	       m == 1u << PW_PL_STUN, "repeated name is fine");

	m = 7;
	tap_ok(!pw_l7_payload_filter_parse("http_req,tls_hello", &m, &err),
	       "unknown name fails");
	tap_eq_str(err.msg,
		   "unknown payload type 'tls_hello' in 'http_req,tls_hello'",
		   "error names the unknown element");
	tap_eq_u64(m, 7, "mask untouched on error");
	tap_ok(!pw_l7_payload_filter_parse("http_req,,dns_query", &m, &err),
	       "empty element fails");
	tap_eq_str(err.msg, "empty payload type name in 'http_req,,dns_query'",
		   "empty element message");
	tap_ok(!pw_l7_payload_filter_parse("", &m, &err), "empty list fails");
	tap_ok(!pw_l7_payload_filter_parse("http_req,", &m, &err),
	       "trailing comma fails");
	tap_ok(!pw_l7_payload_filter_parse(
		       "a_very_long_name_that_is_longer_than_sixty_four_"
		       "characters_for_sure", &m, &err),
	       "over-long name fails");
	tap_ok(!pw_l7_payload_filter_parse("http", &m, &err),
	       "a protocol name is not a payload type");

	tap_ok(pw_l7_payload_filter_str((1u << PW_PL_HTTP_REQ) |
					(1u << PW_PL_DHT), s, sizeof(s)),
	       "filter prints");
	tap_eq_str(s, "http_req,dht", "printed in enum order");
	pw_l7_payload_filter_str(PW_L7_PAYLOAD_MASK_KNOWN, s, sizeof(s));
	tap_eq_str(s, "known", "known mask prints as known");
	pw_l7_payload_filter_str(PW_L7_PAYLOAD_MASK_ALL, s, sizeof(s));
	tap_eq_str(s, "all", "all mask prints as all");
	tap_ok(!pw_l7_payload_filter_str(1u << PW_PL_WIREGUARD_INITIATION, s,
					 8), "too small buffer reports it");
}

static void test_proto_filter(void)
{
	struct pw_error err;
	uint32_t m;

	tap_ok(pw_l7_proto_filter_parse("tls,quic,ssh", &m, &err),
	       "protocol list parses");
	tap_eq_u64(m, (1u << PW_L7_TLS) | (1u << PW_L7_QUIC) |
		   (1u << PW_L7_SSH), "protocol bits");
	tap_ok(pw_l7_proto_filter_parse("known", &m, &err) &&
	       !pw_l7_proto_filter_match(m, PW_L7_UNKNOWN) &&
	       pw_l7_proto_filter_match(m, PW_L7_NETBIOS),
	       "known protocols exclude unknown only");
	tap_ok(!pw_l7_proto_filter_parse("tls,http_req", &m, &err),
	       "payload name in protocol list fails");
	tap_eq_str(err.msg, "unknown protocol 'http_req' in 'tls,http_req'",
		   "protocol error message");
}

int main(void)
{
	test_round_trip();
	test_exact_names();
	test_payload_filter();
	test_proto_filter();
	return tap_done();
}
