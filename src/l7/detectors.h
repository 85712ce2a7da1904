/* Detectors of everything except the TLS family (which is declared in
 * l7/detect.h), called by the dispatcher in l7.c.
 *
 * Same contract as detect.h: a detector reads only [p, p+n), and on a
 * match fills res (payload type, or for monitor-only protocols res->proto
 * with res->payload left unknown; host and detail where the protocol has
 * them) and returns true. On no match it leaves res untouched. The
 * dispatcher has cleared res before the first call. */
#ifndef PW_L7_DETECTORS_H
#define PW_L7_DETECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l7/l7.h"

/* http.c */
bool pw_http_req_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_http_reply_detect(const uint8_t *p, size_t n,
			  struct pw_l7_result *res);

/* dns.c: unicast DNS (query with one question, or response). */
bool pw_dns_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

/* wireguard.c */
bool pw_wireguard_detect(const uint8_t *p, size_t n,
			 struct pw_l7_result *res);

/* stun.c */
bool pw_stun_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

/* discord.c */
bool pw_discord_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

/* bittorrent.c */
bool pw_dht_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_utp_bt_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_bt_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

/* xmpp.c */
bool pw_xmpp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

/* mtproto.c: needs one AES block per call, so the dispatcher tries it
 * last and only on TCP payloads of at least 64 bytes. */
bool pw_mtproto_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

/* Monitor-only protocols: res->proto and res->detail, payload unknown. */
bool pw_ssh_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_ntp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
/* mdns.c: mDNS (proto PW_L7_MDNS) and LLMNR (PW_L7_LLMNR) share the DNS
 * message format; the caller tells which one the port says. */
bool pw_mdns_detect(const uint8_t *p, size_t n, enum pw_l7_proto which,
		    struct pw_l7_result *res);
bool pw_dhcp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_snmp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_ssdp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_nbns_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);
bool pw_nbdgm_detect(const uint8_t *p, size_t n, struct pw_l7_result *res);

#endif
