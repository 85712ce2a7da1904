/* Hello body and extension parsing over a (possibly fragmented) view. */
#include <string.h>

#include "l7/tls/tls_priv.h"

/* Random of a HelloRetryRequest: SHA-256("HelloRetryRequest"), RFC 8446
 * 4.1.3. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

bool pw_tls_view_add(struct pw_tls_view *v, size_t phys, size_t len)
{
	struct pw_tls_seg *s;

	if (v->nseg >= PW_TLS_MAX_SEGS)
		return false;
	s = &v->seg[v->nseg++];
	s->phys = phys;
	s->log = v->len;
	s->len = len;
	v->len += len;
	return true;
}

size_t pw_tls_view_phys(const struct pw_tls_view *v, size_t i)
{
	unsigned k;

	for (k = 0; k + 1 < v->nseg; k++)
		if (i < v->seg[k].log + v->seg[k].len)
			break;
	if (!v->nseg)
		return i;
	return v->seg[k].phys + (i - v->seg[k].log);
}

uint8_t pw_tls_view_u8(const struct pw_tls_view *v, size_t i)
{
	return v->base[pw_tls_view_phys(v, i)];
}

static uint16_t view_u16(const struct pw_tls_view *v, size_t i)
{
	return (uint16_t)(pw_tls_view_u8(v, i) << 8 | pw_tls_view_u8(v, i + 1));
}

void pw_tls_hello_reset(struct pw_tls_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->hs_off = PW_TLS_NONE;
	h->first_record_end = PW_TLS_NONE;
	h->random_off = PW_TLS_NONE;
	h->session_id_off = PW_TLS_NONE;
	h->cookie_off = PW_TLS_NONE;
	h->cipher_suites_off = PW_TLS_NONE;
	h->compression_off = PW_TLS_NONE;
	h->extlen_off = PW_TLS_NONE;
	h->sniext_off = PW_TLS_NONE;
	h->host_off = PW_TLS_NONE;
	h->host_end = PW_TLS_NONE;
}

/* Reader over logical offsets. Running past `end` (the container's own
 * length) is damage; running past the bytes available is truncation. */
struct rd {
	const struct pw_tls_view *v;
	size_t pos;
	bool trunc;
	bool bad;
};

static bool rd_has(struct rd *r, size_t k, size_t end)
{
	if (r->pos > end || k > end - r->pos) {
		r->bad = true;
		return false;
	}
	if (k > r->v->len - r->pos) {
		r->trunc = true;
		return false;
	}
	return true;
}

static char host_char(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if (c <= 0x20 || c >= 0x7f)
		return '?';
	return (char)c;
}

/* server_name (RFC 6066 3): list_len(2) { type(1) len(2) name }.
 * Like nfqws2, only the first entry is looked at, it must be host_name
 * (0), and its length must fit both the list and the extension. */
static void ext_server_name(const struct pw_tls_view *v, size_t d,
			    uint16_t len, struct pw_tls_hello *h)
{
	uint16_t list_len, name_len;
	size_t i, n;

	if (h->sniext_off != PW_TLS_NONE)
		return;		/* only the first one counts */
	h->sniext_off = pw_tls_view_phys(v, d);
	if (len < 5 || pw_tls_view_u8(v, d + 2) != 0)
		return;
	list_len = view_u16(v, d);
	name_len = view_u16(v, d + 3);
	if (list_len < name_len + 3 || name_len > len - 5)
		return;
	h->host_off = pw_tls_view_phys(v, d + 5);
	h->host_end = name_len ? pw_tls_view_phys(v, d + 5 + name_len - 1) + 1
			       : h->host_off;
	n = pw_tls_min(name_len, sizeof(h->sni) - 1);
	for (i = 0; i < n; i++)
		h->sni[i] = host_char(pw_tls_view_u8(v, d + 5 + i));
	h->sni[n] = '\0';
}

/* application_layer_protocol_negotiation (RFC 7301 3.1):
 * list_len(2) { len(1) name }. Kept as "a,b,c". */
static void ext_alpn(const struct pw_tls_view *v, size_t d, uint16_t len,
		     struct pw_tls_hello *h)
{
	size_t pos = d + 2, end = d + len, out = 0, i;
	uint16_t list_len;

	if (len < 2)
		return;
	list_len = view_u16(v, d);
	if (list_len < len - 2)
		end = d + 2 + list_len;
	while (pos < end) {
		uint8_t l = pw_tls_view_u8(v, pos++);

		if (l > end - pos)
			break;
		if (out + (out != 0) + l + 1 > sizeof(h->alpn))
			break;
		if (out)
			h->alpn[out++] = ',';
		for (i = 0; i < l; i++) {
			uint8_t c = pw_tls_view_u8(v, pos + i);

			h->alpn[out++] = (c > 0x20 && c < 0x7f && c != ',')
					 ? (char)c : '?';
		}
		pos += l;
	}
	h->alpn[out] = '\0';
}

static void add_u16(uint16_t *list, unsigned *n, uint16_t val)
{
	if (*n < PW_TLS_MAX_LIST)
		list[(*n)++] = val;
}

/* supported_versions (RFC 8446 4.2.1): client len(1) { version(2) },
 * server a single version(2). */
static void ext_versions(const struct pw_tls_view *v, size_t d,
			 uint16_t len, struct pw_tls_hello *h)
{
	size_t i, l;

	if (h->hs_type != PW_TLS_HS_CLIENT_HELLO) {
		if (len >= 2)
			add_u16(h->versions, &h->n_versions, view_u16(v, d));
		return;
	}
	if (len < 1)
		return;
	l = pw_tls_min(pw_tls_view_u8(v, d), (size_t)len - 1);
	for (i = 0; i + 2 <= l; i += 2)
		add_u16(h->versions, &h->n_versions, view_u16(v, d + 1 + i));
}

/* key_share (RFC 8446 4.2.8): client len(2) { group(2) len(2) key },
 * server group(2) [len(2) key] (HelloRetryRequest: group only). */
static void ext_key_share(const struct pw_tls_view *v, size_t d,
			  uint16_t len, struct pw_tls_hello *h)
{
	size_t pos, end;

	if (h->hs_type != PW_TLS_HS_CLIENT_HELLO) {
		if (len >= 2)
			add_u16(h->groups, &h->n_groups, view_u16(v, d));
		return;
	}
	if (len < 2)
		return;
	end = d + 2 + pw_tls_min(view_u16(v, d), (size_t)len - 2);
	for (pos = d + 2; pos + 4 <= end;) {
		uint16_t group = view_u16(v, pos);
		uint16_t klen = view_u16(v, pos + 2);

		add_u16(h->groups, &h->n_groups, group);
		if (klen > end - pos - 4)
			break;
		pos += 4 + (size_t)klen;
	}
}

static void parse_ext(const struct pw_tls_view *v, uint16_t type, size_t d,
		      uint16_t len, struct pw_tls_hello *h)
{
	switch (type) {
	case PW_TLS_EXT_SERVER_NAME:
		if (h->hs_type == PW_TLS_HS_CLIENT_HELLO)
			ext_server_name(v, d, len, h);
		break;
	case PW_TLS_EXT_ALPN:
		if (!h->alpn[0])
			ext_alpn(v, d, len, h);
		break;
	case PW_TLS_EXT_SUPPORTED_VERSIONS:
		if (!h->n_versions)
			ext_versions(v, d, len, h);
		break;
	case PW_TLS_EXT_KEY_SHARE:
		if (!h->n_groups)
			ext_key_share(v, d, len, h);
		break;
	case PW_TLS_EXT_ECH:
		h->ech = true;
		break;
	}
}

static void record_ext(const struct pw_tls_view *v, uint16_t type,
		       uint16_t len, size_t hdr, bool whole,
		       struct pw_tls_hello *h)
{
	struct pw_tls_ext *e;

	if (h->n_ext >= PW_TLS_MAX_EXT) {
		h->ext_overflow = true;
		return;
	}
	e = &h->ext[h->n_ext++];
	e->type = type;
	e->len = len;
	e->off = pw_tls_view_phys(v, hdr);
	e->data_off = pw_tls_view_phys(v, hdr + 4);
	e->data_whole = whole;
}

static void parse_extensions(struct rd *r, size_t msg_end,
			     struct pw_tls_hello *h)
{
	const struct pw_tls_view *v = r->v;
	size_t ext_end;

	if (!rd_has(r, 2, msg_end))
		return;
	h->extlen_off = pw_tls_view_phys(v, r->pos);
	h->extlen = view_u16(v, r->pos);
	r->pos += 2;
	ext_end = r->pos + h->extlen;
	if (ext_end > msg_end) {
		r->bad = true;	/* keep parsing what the message holds */
		ext_end = msg_end;
	}
	while (r->pos < ext_end) {
		uint16_t type, len;
		size_t hdr = r->pos;

		if (!rd_has(r, 4, ext_end))
			break;
		type = view_u16(v, hdr);
		len = view_u16(v, hdr + 2);
		r->pos += 4;
		if (!rd_has(r, len, ext_end)) {
			if (r->trunc)
				record_ext(v, type, len, hdr, false, h);
			break;
		}
		record_ext(v, type, len, hdr, true, h);
		parse_ext(v, type, r->pos, len, h);
		r->pos += len;
	}
}

/* Skips a length-prefixed vector (1 or 2 length bytes); stores where its
 * contents start and how long they are. */
static bool take_vector(struct rd *r, size_t end, unsigned lbytes,
			size_t *off, size_t *len)
{
	size_t l;

	if (!rd_has(r, lbytes, end))
		return false;
	l = pw_tls_view_u8(r->v, r->pos);
	if (lbytes == 2)
		l = l << 8 | pw_tls_view_u8(r->v, r->pos + 1);
	r->pos += lbytes;
	*off = pw_tls_view_phys(r->v, r->pos);
	*len = l;
	if (!rd_has(r, l, end))
		return false;
	r->pos += l;
	return true;
}

static void parse_body(struct rd *r, size_t end, struct pw_tls_hello *h)
{
	const struct pw_tls_view *v = r->v;
	bool client = h->hs_type == PW_TLS_HS_CLIENT_HELLO;
	size_t off, len, i;

	if (!rd_has(r, 2, end))
		return;
	h->legacy_version = view_u16(v, r->pos);
	r->pos += 2;
	if (h->hs_type == PW_TLS_HS_HELLO_VERIFY_REQUEST) {
		if (take_vector(r, end, 1, &off, &len)) {
			h->cookie_off = off;
			h->cookie_len = (uint8_t)len;
		}
		return;
	}
	if (!rd_has(r, 32, end))
		return;
	h->random_off = pw_tls_view_phys(v, r->pos);
	if (!client) {
		for (i = 0; i < 32; i++)
			if (pw_tls_view_u8(v, r->pos + i) != hrr_random[i])
				break;
		h->hello_retry = i == 32;
	}
	r->pos += 32;
	if (!take_vector(r, end, 1, &off, &len))
		return;
	h->session_id_off = off;
	h->session_id_len = (uint8_t)len;
	if (client && h->dtls) {
		if (!take_vector(r, end, 1, &off, &len))
			return;
		h->cookie_off = off;
		h->cookie_len = (uint8_t)len;
	}
	if (client) {
		if (!take_vector(r, end, 2, &off, &len))
			return;
		h->cipher_suites_off = off;
		h->cipher_suites_len = (uint16_t)len;
		if (!take_vector(r, end, 1, &off, &len))
			return;
		h->compression_off = off;
		h->compression_len = (uint8_t)len;
	} else {
		if (!rd_has(r, 3, end))
			return;
		h->cipher_suite = view_u16(v, r->pos);
		h->compression_off = pw_tls_view_phys(v, r->pos + 2);
		h->compression_len = 1;
		r->pos += 3;
	}
	if (r->pos == end)
		return;		/* extensions are optional before TLS 1.3 */
	parse_extensions(r, end, h);
}

enum pw_tls_status pw_tls_parse_view(const struct pw_tls_view *v,
				     size_t hdr_len, struct pw_tls_hello *h)
{
	struct rd r = { .v = v, .pos = hdr_len };
	size_t end = hdr_len + h->hs_len;

	if (v->len < hdr_len)
		return PW_TLS_PARTIAL;
	parse_body(&r, end, h);
	h->malformed = h->malformed || r.bad;
	if (h->malformed)
		return PW_TLS_MALFORMED;
	if (r.trunc || v->len < end)
		return PW_TLS_PARTIAL;
	return PW_TLS_OK;
}
