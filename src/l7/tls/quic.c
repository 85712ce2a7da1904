/* QUIC Initial: long header, decryption, frames, CRYPTO reassembly and the
 * quic_initial detector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/detect.h"
#include "l7/tls/quic.h"
#include "l7/tls/tls_priv.h"

#define HP_SAMPLE_OFF 4		/* sample starts 4 bytes after pn_off */
#define HP_SAMPLE_LEN 16
#define VARINT_MAX ((UINT64_C(1) << 62) - 1)

bool pw_quic_version_known(uint32_t version)
{
	return version == PW_QUIC_V1 || version == PW_QUIC_V2 ||
	       version == PW_QUIC_DRAFT29;
}

size_t pw_quic_varint(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t len, i;

	if (!n)
		return 0;
	len = (size_t)1 << (p[0] >> 6);
	if (n < len)
		return 0;
	*v = p[0] & 0x3f;
	for (i = 1; i < len; i++)
		*v = *v << 8 | p[i];
	return len;
}

static enum pw_quic_ptype packet_type(uint32_t version, uint8_t first)
{
	unsigned t = (first >> 4) & 3;

	if (version == PW_QUIC_V2) {
		static const enum pw_quic_ptype v2[4] = {
			PW_QUIC_RETRY, PW_QUIC_INITIAL, PW_QUIC_0RTT,
			PW_QUIC_HANDSHAKE,
		};
		return v2[t];
	}
	return (enum pw_quic_ptype)t;
}

bool pw_quic_parse_long_header(const uint8_t *p, size_t n,
			       struct pw_quic_long_hdr *h)
{
	size_t pos = 5, k;
	uint64_t v;

	memset(h, 0, sizeof(*h));
	if (n < 7 || !(p[0] & 0x80))
		return false;
	h->first = p[0];
	h->version = pw_get_be32(p + 1);
	if (!pw_quic_version_known(h->version))
		return false;
	h->type = packet_type(h->version, p[0]);
	h->dcid_len = p[pos++];
	if (h->dcid_len > PW_QUIC_CID_MAX || n - pos < h->dcid_len + 1u)
		return false;
	memcpy(h->dcid, p + pos, h->dcid_len);
	pos += h->dcid_len;
	h->scid_len = p[pos++];
	if (h->scid_len > PW_QUIC_CID_MAX || n - pos < h->scid_len)
		return false;
	memcpy(h->scid, p + pos, h->scid_len);
	pos += h->scid_len;
	if (h->type == PW_QUIC_RETRY) {
		h->packet_len = n;	/* a Retry takes the rest */
		return true;
	}
	if (h->type == PW_QUIC_INITIAL) {
		k = pw_quic_varint(p + pos, n - pos, &h->token_len);
		if (!k || h->token_len > n - pos - k)
			return false;
		pos += k;
		h->token_off = pos;
		pos += (size_t)h->token_len;
	}
	k = pw_quic_varint(p + pos, n - pos, &v);
	if (!k || v > n - pos - k)
		return false;
	h->length = v;
	pos += k;
	h->pn_off = pos;
	h->packet_len = pos + (size_t)v;
	return true;
}

long pw_quic_decrypt_initial(const uint8_t *p, size_t n,
			     const struct pw_quic_long_hdr *h,
			     const struct pw_quic_keys *k, uint8_t *out,
			     size_t out_size, uint64_t *pn)
{
	uint8_t mask[16], small[256], *hdr = small;
	size_t pn_len, hdr_len, ct_len, i;
	uint64_t number = 0;
	long ret = -1;

	if (h->packet_len > n || h->pn_off + HP_SAMPLE_OFF + HP_SAMPLE_LEN >
				 h->packet_len)
		return -1;
	if (!pw_quic_hp_mask(k->hp, p + h->pn_off + HP_SAMPLE_OFF, mask))
		return -1;
	pn_len = (size_t)((p[0] ^ mask[0]) & 0x03) + 1;
	hdr_len = h->pn_off + pn_len;
	ct_len = h->packet_len - hdr_len;
	if (ct_len < PW_QUIC_TAG_LEN || ct_len - PW_QUIC_TAG_LEN > out_size)
		return -1;
	if (hdr_len > sizeof(small)) {
		hdr = malloc(hdr_len);	/* a long token */
		if (!hdr)
			return -1;
	}
	memcpy(hdr, p, hdr_len);
	hdr[0] ^= mask[0] & 0x0f;	/* long header: 4 protected bits */
	for (i = 0; i < pn_len; i++) {
		hdr[h->pn_off + i] ^= mask[1 + i];
		number = number << 8 | hdr[h->pn_off + i];
	}
	/* Initial packet numbers start at 0 and stay small, so the truncated
	 * number is the full one (RFC 9000 A.3 with no packet seen yet). */
	if (!pw_quic_aead_open(k, number, hdr, hdr_len, p + hdr_len, ct_len,
			       out))
		goto out;
	if (pn)
		*pn = number;
	ret = (long)(ct_len - PW_QUIC_TAG_LEN);
out:
	if (hdr != small)
		free(hdr);
	return ret;
}

/* Skips count varints; false when cut. */
static bool skip_varints(const uint8_t *p, size_t n, size_t *pos,
			 unsigned count)
{
	uint64_t v;

	while (count--) {
		size_t k = pw_quic_varint(p + *pos, n - *pos, &v);

		if (!k)
			return false;
		*pos += k;
	}
	return true;
}

/* ACK (RFC 9000 19.3): largest, delay, range_count, first_range,
 * range_count x (gap, length), and for type 0x03 three ECN counts. */
static bool skip_ack(const uint8_t *p, size_t n, size_t *pos, bool ecn)
{
	uint64_t count;
	size_t k;

	if (!skip_varints(p, n, pos, 2))
		return false;
	k = pw_quic_varint(p + *pos, n - *pos, &count);
	if (!k)
		return false;
	*pos += k;
	if (!skip_varints(p, n, pos, 1))
		return false;
	/* each range takes at least 2 bytes: a huge count runs out first */
	for (; count; count--)
		if (!skip_varints(p, n, pos, 2))
			return false;
	return !ecn || skip_varints(p, n, pos, 3);
}

/* CONNECTION_CLOSE (19.19): error, [frame type for 0x1c], reason. */
static bool skip_close(const uint8_t *p, size_t n, size_t *pos, bool app)
{
	uint64_t len;
	size_t k;

	if (!skip_varints(p, n, pos, app ? 1 : 2))
		return false;
	k = pw_quic_varint(p + *pos, n - *pos, &len);
	if (!k || len > n - *pos - k)
		return false;
	*pos += k + (size_t)len;
	return true;
}

int pw_quic_parse_frames(const uint8_t *p, size_t n, pw_quic_crypto_fn fn,
			 void *arg)
{
	size_t pos = 0, k;
	int crypto = 0;
	uint64_t type, off, len;

	while (pos < n) {
		k = pw_quic_varint(p + pos, n - pos, &type);
		if (!k)
			return -1;
		pos += k;
		switch (type) {
		case 0x00:	/* PADDING */
			while (pos < n && !p[pos])
				pos++;
			break;
		case 0x01:	/* PING */
			break;
		case 0x02:
		case 0x03:
			if (!skip_ack(p, n, &pos, type == 0x03))
				return -1;
			break;
		case 0x06:	/* CRYPTO: offset, length, data */
			k = pw_quic_varint(p + pos, n - pos, &off);
			if (!k)
				return -1;
			pos += k;
			k = pw_quic_varint(p + pos, n - pos, &len);
			if (!k || len > n - pos - k || off > VARINT_MAX - len)
				return -1;
			pos += k;
			if (fn)
				fn(arg, off, p + pos, (size_t)len);
			pos += (size_t)len;
			crypto++;
			break;
		case 0x1c:
		case 0x1d:
			if (!skip_close(p, n, &pos, type == 0x1d))
				return -1;
			break;
		default:	/* not allowed in an Initial packet */
			return -1;
		}
	}
	return crypto;
}

void pw_quic_state_init(struct pw_quic_state *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	pw_reasm_init(&s->crypto, cap, pw_reasm_need_tls_handshake);
	s->status = PW_QUIC_NOT_INITIAL;
	pw_tls_hello_reset(&s->hello);
}

void pw_quic_state_free(struct pw_quic_state *s)
{
	pw_reasm_free(&s->crypto);
	memset(&s->keys, 0, sizeof(s->keys));
	s->have_keys = false;
}

static void on_crypto(void *arg, uint64_t off, const uint8_t *data,
		      size_t len)
{
	struct pw_quic_state *s = arg;

	if (off > INT64_MAX)
		return;
	pw_reasm_feed(&s->crypto, (int64_t)off, data, len);
}

static bool use_keys_of(struct pw_quic_state *s,
			const struct pw_quic_long_hdr *h)
{
	if (!pw_quic_client_initial_keys(h->version, h->dcid, h->dcid_len,
					 &s->keys))
		return false;
	s->have_keys = true;
	s->version = h->version;
	s->odcid_len = h->dcid_len;
	memcpy(s->odcid, h->dcid, h->dcid_len);
	return true;
}

static bool same_origin(const struct pw_quic_state *s,
			const struct pw_quic_long_hdr *h)
{
	return s->version == h->version && s->odcid_len == h->dcid_len &&
	       !memcmp(s->odcid, h->dcid, h->dcid_len);
}

/* Decrypts one client Initial and feeds its CRYPTO frames. Later Initials
 * keep the keys of the first one even when their DCID changed (after the
 * server's first Initial); a packet that only opens with keys of its own
 * DCID starts over (a new attempt after Retry or version negotiation). */
static bool take_initial(struct pw_quic_state *s, const uint8_t *p,
			 const struct pw_quic_long_hdr *h)
{
	uint8_t *out;
	long len = -1;
	bool ok = false;

	out = malloc(h->length ? (size_t)h->length : 1);
	if (!out)
		return false;
	if (s->have_keys)
		len = pw_quic_decrypt_initial(p, h->packet_len, h, &s->keys,
					      out, (size_t)h->length, NULL);
	if (len < 0 && (!s->have_keys || !same_origin(s, h))) {
		struct pw_quic_keys old = s->keys;
		bool had = s->have_keys;

		if (!use_keys_of(s, h))
			goto out;
		len = pw_quic_decrypt_initial(p, h->packet_len, h, &s->keys,
					      out, (size_t)h->length, NULL);
		if (len < 0) {
			s->keys = old;
			s->have_keys = had;
			goto out;
		}
		if (had) {	/* a fresh start: drop the old stream */
			pw_reasm_reset(&s->crypto);
			s->packets = 0;
		}
	}
	if (len < 0)
		goto out;
	pw_quic_parse_frames(out, (size_t)len, on_crypto, s);
	s->packets++;
	ok = true;
out:
	free(out);
	return ok;
}

enum pw_quic_status pw_quic_feed(struct pw_quic_state *s,
				 const uint8_t *dgram, size_t n)
{
	struct pw_quic_long_hdr h;
	size_t pos = 0;
	bool any = false;

	while (n - pos >= 7 && (dgram[pos] & 0x80)) {
		if (!pw_quic_parse_long_header(dgram + pos, n - pos, &h))
			break;
		if (h.type == PW_QUIC_INITIAL &&
		    take_initial(s, dgram + pos, &h))
			any = true;
		if (h.type == PW_QUIC_RETRY || !h.packet_len)
			break;
		pos += h.packet_len;
	}
	if (!any)
		return s->packets ? s->status : PW_QUIC_NOT_INITIAL;
	switch (s->crypto.status) {
	case PW_REASM_COMPLETE:
		pw_tls_parse_handshake(pw_reasm_data(&s->crypto),
				       s->crypto.need, &s->hello);
		s->status = s->hello.hs_type == PW_TLS_HS_CLIENT_HELLO
			    ? PW_QUIC_HELLO : PW_QUIC_NOT_INITIAL;
		break;
	case PW_REASM_OVERFLOW:
		pw_tls_parse_handshake(pw_reasm_data(&s->crypto),
				       pw_reasm_contiguous(&s->crypto),
				       &s->hello);
		s->status = PW_QUIC_OVERFLOW;
		break;
	case PW_REASM_NOT_MSG:
		s->status = PW_QUIC_NOT_INITIAL;
		break;
	default:
		/* The prefix may already hold the SNI. */
		if (pw_reasm_contiguous(&s->crypto))
			pw_tls_parse_handshake(pw_reasm_data(&s->crypto),
					       pw_reasm_contiguous(&s->crypto),
					       &s->hello);
		s->status = PW_QUIC_NEED_MORE;
		break;
	}
	return s->status;
}

/* One datagram on its own: quic_initial when a client Initial in it
 * decrypts. The host is reported as soon as the server_name extension is
 * whole in the contiguous CRYPTO data, like a TLS first segment; the
 * result is `incomplete` unless the whole ClientHello is here. */
bool pw_quic_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	struct pw_quic_state *s;
	struct pw_quic_long_hdr h;
	enum pw_quic_status st;
	bool ok = false;
	size_t len;

	if (!pw_quic_parse_long_header(p, n, &h) || h.type != PW_QUIC_INITIAL)
		return false;
	s = malloc(sizeof(*s));
	if (!s)
		return false;
	pw_quic_state_init(s, 0);
	st = pw_quic_feed(s, p, n);
	if (st == PW_QUIC_NOT_INITIAL)
		goto out;
	res->payload = PW_PL_QUIC_INITIAL;
	res->proto = PW_L7_QUIC;
	res->incomplete = st != PW_QUIC_HELLO;
	if (s->hello.host_off != PW_TLS_NONE)
		snprintf(res->host, sizeof(res->host), "%s", s->hello.sni);
	len = (size_t)snprintf(res->detail, sizeof(res->detail), "%s",
			       s->version == PW_QUIC_V2 ? "v2" :
			       s->version == PW_QUIC_DRAFT29 ? "draft29" : "");
	if (len < sizeof(res->detail) - 1 && s->hello.hs_type) {
		if (len)
			res->detail[len++] = ' ';
		pw_tls_hello_detail(&s->hello, res->detail + len,
				    sizeof(res->detail) - len);
		if (len && !res->detail[len])
			res->detail[len - 1] = '\0';
	}
	ok = true;
out:
	pw_quic_state_free(s);
	free(s);
	return ok;
}
