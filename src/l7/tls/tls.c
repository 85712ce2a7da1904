/* TLS record layer: finds the first handshake message across records,
 * says how many bytes it needs, and the tls_client_hello /
 * tls_server_hello detector. */
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/detect.h"
#include "l7/tls/tls_priv.h"

#define RECORD_HDR 5
#define HS_HDR 4

struct walk {
	uint8_t hs_type;
	uint32_t hs_len;
	size_t need;
	size_t first_record_end;
	bool not_tls;
	bool malformed;
};

/* The first bytes of a hello, as nfqws2 recognises them: handshake type 1
 * or 2 and a body version 3.x with x <= 3. Checks what is available. */
static bool hs_prefix_ok(const struct pw_tls_view *v, size_t hdr)
{
	uint8_t t;

	if (v->len < 1)
		return true;
	t = pw_tls_view_u8(v, 0);
	if (t != PW_TLS_HS_CLIENT_HELLO && t != PW_TLS_HS_SERVER_HELLO)
		return false;
	if (v->len > hdr && pw_tls_view_u8(v, hdr) != 3)
		return false;
	if (v->len > hdr + 1 && pw_tls_view_u8(v, hdr + 1) > 3)
		return false;
	return true;
}

/* Physical end of the handshake message once its last byte is in v. */
static size_t msg_end_phys(const struct pw_tls_view *v, size_t total)
{
	return pw_tls_view_phys(v, total - 1) + 1;
}

/* Follows records from p[0] and adds the pieces of the first handshake
 * message to v (trimmed to the message's own length). */
static void record_walk(const uint8_t *p, size_t n, struct pw_tls_view *v,
			struct walk *w)
{
	size_t r = 0, total = 0;

	memset(w, 0, sizeof(*w));
	memset(v, 0, sizeof(*v));
	v->base = p;
	w->first_record_end = PW_TLS_NONE;
	if ((n >= 1 && p[0] != PW_TLS_CONTENT_HANDSHAKE) ||
	    (n >= 2 && p[1] != 3) || (n >= 3 && p[2] > 3)) {
		w->not_tls = true;
		return;
	}
	for (;;) {
		size_t rlen, avail, take, before = v->len;

		if (n - r < RECORD_HDR) {
			/* Next record header not here yet. */
			size_t more = total ? total - v->len
					    : HS_HDR + 2 - v->len;

			w->need = r + RECORD_HDR + more;
			return;
		}
		if (r && (p[r] != PW_TLS_CONTENT_HANDSHAKE || p[r + 1] != 3)) {
			/* The message stops before its length says. */
			w->malformed = true;
			w->need = r;
			return;
		}
		rlen = pw_get_be16(p + r + 3);
		if (!rlen) {
			if (!r)
				w->not_tls = true;
			w->malformed = true;
			w->need = r + RECORD_HDR;
			return;
		}
		if (!r)
			w->first_record_end = RECORD_HDR + rlen;
		avail = pw_tls_min(rlen, n - r - RECORD_HDR);
		take = total ? pw_tls_min(avail, total - v->len) : avail;
		if (!pw_tls_view_add(v, r + RECORD_HDR, take)) {
			w->malformed = true;	/* too many tiny records */
			w->need = r;
			return;
		}
		if (!hs_prefix_ok(v, HS_HDR)) {
			w->not_tls = true;
			return;
		}
		if (!total && v->len >= HS_HDR) {
			w->hs_type = pw_tls_view_u8(v, 0);
			w->hs_len = (uint32_t)pw_tls_view_u8(v, 1) << 16 |
				    (uint32_t)pw_tls_view_u8(v, 2) << 8 |
				    pw_tls_view_u8(v, 3);
			total = HS_HDR + (size_t)w->hs_len;
			if (v->len > total) {
				/* More messages follow in this record. */
				v->seg[v->nseg - 1].len -= v->len - total;
				v->len = total;
			}
		} else if (!w->hs_type && v->len >= 1) {
			w->hs_type = pw_tls_view_u8(v, 0);
		}
		if (total && v->len >= total) {
			w->need = msg_end_phys(v, total);
			return;
		}
		if (avail < rlen) {
			/* This record is still arriving. */
			/* logical length once this record is whole */
			size_t after = before + rlen;

			if (!total)
				w->need = r + RECORD_HDR + rlen;
			else if (after >= total)
				w->need = r + RECORD_HDR + (total - before);
			else
				w->need = r + RECORD_HDR + rlen + RECORD_HDR +
					  (total - after);
			return;
		}
		r += RECORD_HDR + rlen;
	}
}

enum pw_tls_status pw_tls_parse_record(const uint8_t *p, size_t n,
				       struct pw_tls_hello *h)
{
	struct pw_tls_view v;
	struct walk w;
	enum pw_tls_status st;

	pw_tls_hello_reset(h);
	record_walk(p, n, &v, &w);
	if (w.not_tls)
		return PW_TLS_NOT_TLS;
	h->hs_type = w.hs_type;
	h->hs_len = w.hs_len;
	h->need = w.need;
	h->first_record_end = w.first_record_end;
	if (n >= 3)
		h->record_version = pw_get_be16(p + 1);
	if (v.len)
		h->hs_off = RECORD_HDR;
	if (v.len < HS_HDR)
		return w.malformed ? PW_TLS_MALFORMED : PW_TLS_PARTIAL;
	h->malformed = w.malformed;
	st = pw_tls_parse_view(&v, HS_HDR, h);
	return st;
}

enum pw_tls_status pw_tls_parse_handshake(const uint8_t *p, size_t n,
					  struct pw_tls_hello *h)
{
	struct pw_tls_view v;

	pw_tls_hello_reset(h);
	memset(&v, 0, sizeof(v));
	v.base = p;
	pw_tls_view_add(&v, 0, n);
	if (!hs_prefix_ok(&v, HS_HDR))
		return PW_TLS_NOT_TLS;
	if (n < HS_HDR) {
		h->need = HS_HDR;
		return PW_TLS_PARTIAL;
	}
	h->hs_off = 0;
	h->hs_type = p[0];
	h->hs_len = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	h->need = HS_HDR + (size_t)h->hs_len;
	if (v.len > h->need)
		v.seg[0].len = v.len = h->need;
	return pw_tls_parse_view(&v, HS_HDR, h);
}

size_t pw_tls_record_need(const uint8_t *p, size_t n)
{
	struct pw_tls_view v;
	struct walk w;

	record_walk(p, n, &v, &w);
	if (w.not_tls)
		return PW_TLS_NONE;
	return w.need;
}

size_t pw_tls_handshake_need(const uint8_t *p, size_t n)
{
	if (n >= 1 && p[0] != PW_TLS_HS_CLIENT_HELLO &&
	    p[0] != PW_TLS_HS_SERVER_HELLO)
		return PW_TLS_NONE;
	if (n < HS_HDR)
		return 0;
	return HS_HDR + ((size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
}

bool pw_tls_group_is_pq(uint16_t group)
{
	switch (group) {
	case PW_TLS_GROUP_SECP256R1MLKEM768:
	case PW_TLS_GROUP_X25519MLKEM768:
	case PW_TLS_GROUP_SECP384R1MLKEM1024:
	case PW_TLS_GROUP_X25519KYBER768D00:
	case 0x0200: case 0x0201: case 0x0202:	/* MLKEM512/768/1024 */
		return true;
	}
	return false;
}

bool pw_tls_hello_pq(const struct pw_tls_hello *h)
{
	unsigned i;

	for (i = 0; i < h->n_groups; i++)
		if (pw_tls_group_is_pq(h->groups[i]))
			return true;
	return false;
}

static const char *version_name(uint16_t v)
{
	switch (v) {
	case 0x0300: return "ssl3";
	case 0x0301: return "tls1.0";
	case 0x0302: return "tls1.1";
	case 0x0303: return "tls1.2";
	case 0x0304: return "tls1.3";
	case 0xfeff: return "dtls1.0";
	case 0xfefd: return "dtls1.2";
	case 0xfefc: return "dtls1.3";
	}
	return NULL;
}

/* Appends " <key><value>" (no space first); stops quietly when full. */
static void put_token(char *buf, size_t size, size_t *len, const char *key,
		      const char *value)
{
	int r;

	if (*len >= size - 1)
		return;
	r = snprintf(buf + *len, size - *len, "%s%s%s", *len ? " " : "", key,
		     value);
	if (r < 0 || (size_t)r >= size - *len) {
		buf[*len] = '\0';	/* drop a token that does not fit */
		*len = size - 1;
		return;
	}
	*len += (size_t)r;
}

char *pw_tls_hello_detail(const struct pw_tls_hello *h, char *buf,
			  size_t size)
{
	size_t len = 0;
	const char *ver;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (h->hs_type == PW_TLS_HS_SERVER_HELLO) {
		ver = version_name(h->n_versions ? h->versions[0]
						 : h->legacy_version);
		if (ver)
			put_token(buf, size, &len, "", ver);
		if (h->hello_retry)
			put_token(buf, size, &len, "", "hrr");
	}
	if (h->hs_type == PW_TLS_HS_HELLO_VERIFY_REQUEST)
		put_token(buf, size, &len, "", "hello_verify_request");
	if (h->alpn[0])
		put_token(buf, size, &len, "alpn=", h->alpn);
	if (h->ech)
		put_token(buf, size, &len, "", "ech");
	if (pw_tls_hello_pq(h))
		put_token(buf, size, &len, "", "pq");
	if (h->malformed)
		put_token(buf, size, &len, "", "malformed");
	return buf;
}

static void fill_result(const struct pw_tls_hello *h, enum pw_tls_status st,
			struct pw_l7_result *res)
{
	res->incomplete = st == PW_TLS_PARTIAL;
	if (h->host_off != PW_TLS_NONE)
		snprintf(res->host, sizeof(res->host), "%s", h->sni);
	pw_tls_hello_detail(h, res->detail, sizeof(res->detail));
}

/* A hello is recognised from its first 6 bytes (record header and
 * handshake type); whatever follows only adds detail. */
bool pw_tls_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	struct pw_tls_hello h;
	enum pw_tls_status st;

	if (n < RECORD_HDR + 1)
		return false;
	st = pw_tls_parse_record(p, n, &h);
	if (st == PW_TLS_NOT_TLS)
		return false;
	if (h.hs_type == PW_TLS_HS_CLIENT_HELLO)
		res->payload = PW_PL_TLS_CLIENT_HELLO;
	else if (h.hs_type == PW_TLS_HS_SERVER_HELLO)
		res->payload = PW_PL_TLS_SERVER_HELLO;
	else
		return false;
	res->proto = PW_L7_TLS;
	fill_result(&h, st, res);
	return true;
}
