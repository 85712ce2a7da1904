/* Test-side hello builder (see tls_build.h). */
#include <string.h>

#include "tls_build.h"

struct wr {
	uint8_t *p;
	size_t n, cap;
	bool full;
};

static void put(struct wr *w, const void *data, size_t len)
{
	if (w->full || len > w->cap - w->n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->n, data, len);
	w->n += len;
}

static void put8(struct wr *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void put16(struct wr *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v);
}

static void put24(struct wr *w, unsigned v)
{
	put8(w, v >> 16);
	put16(w, v & 0xffff);
}

static void fill(struct wr *w, uint8_t byte, size_t len)
{
	while (len-- && !w->full)
		put8(w, byte);
}

/* Patches a big-endian length of `bytes` bytes at off. */
static void patch(struct wr *w, size_t off, unsigned bytes, size_t val)
{
	unsigned i;

	if (w->full)
		return;
	for (i = 0; i < bytes; i++)
		w->p[off + i] = (uint8_t)(val >> (8 * (bytes - 1 - i)));
}

size_t key_share_len(uint16_t group)
{
	switch (group) {
	case 0x001d: return 32;		/* X25519 */
	case 0x0017: return 65;		/* secp256r1 */
	case 0x11ec: return 1216;	/* X25519MLKEM768: 1184 + 32 */
	case 0x11eb: return 1249;	/* SecP256r1MLKEM768 */
	case 0x6399: return 1216;	/* X25519Kyber768Draft00 */
	}
	return 16;
}

static size_t ext_begin(struct wr *w, struct hello_layout *lay,
			uint16_t type)
{
	if (lay->n_ext < 32) {
		lay->ext_types[lay->n_ext] = type;
		lay->ext_offs[lay->n_ext] = w->n;
		lay->n_ext++;
	}
	put16(w, type);
	put16(w, 0);
	return w->n;		/* data start */
}

static void ext_end(struct wr *w, size_t data)
{
	patch(w, data - 2, 2, w->n - data);
}

static void ext_sni(struct wr *w, const struct hello_spec *s,
		    struct hello_layout *lay)
{
	size_t d = ext_begin(w, lay, 0x0000), l = strlen(s->sni);

	lay->sniext_off = d;
	put16(w, l + 3);
	put8(w, 0);
	put16(w, l);
	lay->host_off = w->n;
	put(w, s->sni, l);
	lay->host_end = w->n;
	ext_end(w, d);
}

static void ext_alpn(struct wr *w, const char *alpn,
		     struct hello_layout *lay)
{
	size_t d = ext_begin(w, lay, 0x0010), list;
	const char *p = alpn;

	list = w->n;
	put16(w, 0);
	while (*p) {
		size_t l = strcspn(p, ",");

		put8(w, l);
		put(w, p, l);
		p += l;
		if (*p)
			p++;
	}
	patch(w, list, 2, w->n - list - 2);
	ext_end(w, d);
}

static void ext_versions(struct wr *w, const struct hello_spec *s,
			 struct hello_layout *lay)
{
	size_t d = ext_begin(w, lay, 0x002b);
	unsigned i;

	if (s->server) {
		put16(w, s->versions[0]);
	} else {
		put8(w, 2 * s->n_versions);
		for (i = 0; i < s->n_versions; i++)
			put16(w, s->versions[i]);
	}
	ext_end(w, d);
}

static void ext_key_share(struct wr *w, const struct hello_spec *s,
			  struct hello_layout *lay)
{
	size_t d = ext_begin(w, lay, 0x0033), list = 0;
	unsigned i;

	if (!s->server) {
		list = w->n;
		put16(w, 0);
	}
	for (i = 0; i < s->n_groups; i++) {
		put16(w, s->groups[i]);
		if (s->server && s->hrr_random)
			break;	/* HRR: the group only */
		put16(w, key_share_len(s->groups[i]));
		fill(w, (uint8_t)(0x40 + i), key_share_len(s->groups[i]));
		if (s->server)
			break;
	}
	if (!s->server)
		patch(w, list, 2, w->n - list - 2);
	ext_end(w, d);
}

static void ext_padding(struct wr *w, size_t len, struct hello_layout *lay)
{
	size_t d = ext_begin(w, lay, 0x0015);

	fill(w, 0, len);
	ext_end(w, d);
}

static void extensions(struct wr *w, const struct hello_spec *s,
		       struct hello_layout *lay)
{
	size_t ext;

	lay->extlen_off = w->n;
	put16(w, 0);
	ext = w->n;
	if (s->padding && s->padding_first)
		ext_padding(w, s->padding, lay);
	if (s->sni)
		ext_sni(w, s, lay);
	if (s->alpn)
		ext_alpn(w, s->alpn, lay);
	if (s->n_versions)
		ext_versions(w, s, lay);
	if (s->n_groups)
		ext_key_share(w, s, lay);
	if (s->ech) {
		size_t d = ext_begin(w, lay, 0xfe0d);

		fill(w, 0xec, 40);
		ext_end(w, d);
	}
	if (s->padding && !s->padding_first)
		ext_padding(w, s->padding, lay);
	patch(w, ext - 2, 2, w->n - ext);
}

static const uint8_t hrr[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

size_t build_hello(const struct hello_spec *s, uint8_t *out, size_t cap,
		   struct hello_layout *lay)
{
	struct wr w = { .p = out, .cap = cap };
	size_t rec_len_off, hs_len_off, body, i;
	unsigned n_ciphers = s->n_ciphers ? s->n_ciphers : 2;

	memset(lay, 0, sizeof(*lay));
	lay->sniext_off = lay->host_off = lay->host_end = (size_t)-1;
	lay->cookie_off = (size_t)-1;
	put8(&w, 22);
	if (s->dtls) {
		put16(&w, s->record_version ? s->record_version : 0xfeff);
		put16(&w, 0);			/* epoch */
		put16(&w, 0);			/* sequence (6 bytes) */
		put16(&w, 0);
		put16(&w, 1);
	} else {
		put16(&w, s->record_version ? s->record_version : 0x0301);
	}
	rec_len_off = w.n;
	put16(&w, 0);
	lay->hs_off = w.n;
	put8(&w, s->server ? 2 : 1);
	hs_len_off = w.n;
	put24(&w, 0);
	if (s->dtls) {
		put16(&w, 0);			/* message_seq */
		put24(&w, 0);			/* fragment_offset */
		put24(&w, 0);			/* fragment_length */
	}
	body = w.n;
	put16(&w, s->version ? s->version : s->dtls ? 0xfefd : 0x0303);
	lay->random_off = w.n;
	if (s->hrr_random)
		put(&w, hrr, sizeof(hrr));
	else
		for (i = 0; i < 32; i++)
			put8(&w, (unsigned)i);
	put8(&w, s->sid_len);
	lay->sid_off = w.n;
	fill(&w, 0x5a, s->sid_len);
	if (s->dtls && !s->server) {
		put8(&w, s->cookie_len);
		lay->cookie_off = w.n;
		fill(&w, 0xc0, s->cookie_len);
	}
	if (s->server) {
		put16(&w, 0x1301);
		put8(&w, 0);
	} else {
		put16(&w, 2 * n_ciphers);
		lay->ciphers_off = w.n;
		for (i = 0; i < n_ciphers; i++)
			put16(&w, (unsigned)(0x1301 + i));
		put8(&w, 1);
		put8(&w, 0);
	}
	if (!s->no_extensions)
		extensions(&w, s, lay);
	if (w.full)
		return 0;
	patch(&w, hs_len_off, 3, w.n - body);
	if (s->dtls)
		patch(&w, hs_len_off + 8, 3, w.n - body);
	patch(&w, rec_len_off, 2, w.n - rec_len_off - 2);
	lay->len = w.n;
	return w.n;
}

size_t split_records(const uint8_t *in, size_t n, size_t frag, uint8_t *out,
		     size_t cap)
{
	size_t pos = 5, len = 0;

	while (pos < n) {
		size_t take = n - pos < frag ? n - pos : frag;

		if (len + 5 + take > cap)
			return 0;
		memcpy(out + len, in, 3);
		out[len + 3] = (uint8_t)(take >> 8);
		out[len + 4] = (uint8_t)take;
		memcpy(out + len + 5, in + pos, take);
		len += 5 + take;
		pos += take;
	}
	return len;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < cap) {
		int hi = hexval(hex[0]), lo = hexval(hex[1]);

		if (hi < 0 || lo < 0) {
			hex++;
			continue;
		}
		out[n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
	return n;
}
