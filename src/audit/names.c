/* Names of verdicts and stages, as printed and as written in JSON. */
#include "audit/audit.h"

static const char *const verdict_names[PW_AUDIT__COUNT] = {
	[PW_AUDIT_OK] = "ok",
	[PW_AUDIT_ICMP_UNREACHABLE] = "icmp-unreachable",
	[PW_AUDIT_HTTP_REDIRECT] = "http-redirect",
	[PW_AUDIT_RESET] = "reset",
	[PW_AUDIT_SYN_TIMEOUT] = "syn-timeout",
	[PW_AUDIT_TLS_CUT] = "tls-cut",
	[PW_AUDIT_RETRANSMISSIONS] = "retransmissions",
	[PW_AUDIT_NO_REPLY] = "no-reply",
	[PW_AUDIT_DNS_FAILURE] = "dns-failure",
	[PW_AUDIT_UDP_SILENT] = "udp-silent",
};

static const char *const stage_names[PW_STAGE__COUNT] = {
	[PW_STAGE_NONE] = NULL,
	[PW_STAGE_HANDSHAKE] = "handshake",
	[PW_STAGE_AFTER_CLIENT_HELLO] = "after-client-hello",
	[PW_STAGE_AFTER_HTTP_REQUEST] = "after-http-request",
	[PW_STAGE_AFTER_CLIENT_DATA] = "after-client-data",
	[PW_STAGE_MID_TRANSFER] = "mid-transfer",
};

const char *pw_audit_verdict_name(enum pw_audit_verdict v)
{
	return (unsigned)v < PW_AUDIT__COUNT ? verdict_names[v] : "?";
}

/* NULL for PW_STAGE_NONE (JSON null, "-" in text). */
const char *pw_audit_stage_name(enum pw_audit_stage s)
{
	return (unsigned)s < PW_STAGE__COUNT ? stage_names[s] : NULL;
}
