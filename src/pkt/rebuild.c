/* Editable packet model: filled from a dissect, written back by
 * pw_rebuild. Header layouts: RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293
 * (TCP), RFC 768 (UDP), RFC 792 / 4443 (ICMP, ICMPv6). */
#include "pkt/rebuild.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "pkt/checksum.h"
#include "pkt/dissect_priv.h"

/* Extension headers whose second byte is a length in 8-byte units beyond
 * the first 8 bytes. */
static bool ext_is_generic(uint8_t type)
{
	switch (type) {
	case PW_IPPROTO_HOPOPTS:
	case PW_IPPROTO_ROUTING:
	case PW_IPPROTO_DSTOPTS:
	case 135:
	case 139:
	case 140:
		return true;
	default:
		return false;
	}
}

static bool ext_len_ok(uint8_t type, uint32_t len)
{
	if (ext_is_generic(type))
		return len >= 8 && len <= 2048 && len % 8 == 0;
	if (type == PW_IPPROTO_AH)
		return len >= 8 && len <= 1028 && len % 4 == 0;
	if (type == PW_IPPROTO_FRAGMENT)
		return len == 8;
	return false;
}

/* Splits raw TCP option bytes into the edit's list; the first byte that
 * does not start a well-formed option, and everything after an EOL, goes
 * to the tail. */
static void tcp_opts_from_bytes(struct pw_edit_tcp *t, const uint8_t *p,
				uint32_t n)
{
	uint32_t i = 0;

	t->n_opts = 0;
	while (i < n && t->n_opts < PW_EDIT_TCP_OPTS_MAX) {
		struct pw_edit_tcp_opt *o = &t->opts[t->n_opts];
		uint8_t kind = p[i];

		if (kind <= PW_TCPOPT_NOP) {
			o->kind = kind;
			o->len = 1;
			t->n_opts++;
			i++;
			if (kind == PW_TCPOPT_EOL)
				break;
			continue;
		}
		if (i + 1 >= n || p[i + 1] < 2 || i + p[i + 1] > n)
			break;
		o->kind = kind;
		o->len = p[i + 1];
		memcpy(o->data, p + i + 2, o->len - 2u);
		t->n_opts++;
		i += o->len;
	}
	t->tail_len = (uint8_t)(n - i);
	memcpy(t->tail, p + i, n - i);
}

static int ip4_from_dissect(struct pw_pkt_edit *e, const struct pw_dissect *d)
{
	const uint8_t *p = d->l3;
	uint16_t frag = pw_get_be16(p + 6);

	if (d->l3_hlen < 20 || d->ip_len < d->l3_hlen ||
	    d->l3_hlen > 20 + PW_EDIT_IP4_OPTS_MAX)
		return -EINVAL;
	e->ip4.tos = p[1];
	e->ip4.total_len = pw_get_be16(p + 2);
	e->ip4.id = pw_get_be16(p + 4);
	e->ip4.flags = (uint8_t)(frag >> 13);
	e->ip4.frag_off = (uint16_t)((frag & 0x1fff) << 3);
	e->ip4.ttl = p[8];
	e->ip4.csum = pw_get_be16(p + 10);
	memcpy(e->ip4.src, p + 12, 4);
	memcpy(e->ip4.dst, p + 16, 4);
	e->ip4.opts_len = (uint8_t)(d->l3_hlen - 20);
	memcpy(e->ip4.opts, p + 20, e->ip4.opts_len);
	return 0;
}

static int ip6_from_dissect(struct pw_pkt_edit *e, const struct pw_dissect *d)
{
	const uint8_t *p = d->l3;
	uint32_t w = pw_get_be32(p);
	unsigned i;

	if (d->l3_hlen < 40)
		return -EINVAL;
	e->ip6.tclass = (uint8_t)(w >> 20);
	e->ip6.flow = w & 0xfffff;
	e->ip6.plen = pw_get_be16(p + 4);
	e->ip6.hlim = p[7];
	memcpy(e->ip6.src, p + 8, 16);
	memcpy(e->ip6.dst, p + 24, 16);
	for (i = 0; i < d->n_ext; i++) {
		uint16_t len = d->ext[i].len;

		if (e->ip6.ext_total + len > PW_EDIT_EXT_BYTES)
			return -E2BIG;
		memcpy(e->ip6.ext_bytes + e->ip6.ext_total, p + d->ext[i].off,
		       len);
		e->ip6.ext[i].type = d->ext[i].type;
		e->ip6.ext[i].len = len;
		e->ip6.ext_total += len;
	}
	e->ip6.n_ext = d->n_ext;
	return 0;
}

static void l4_from_dissect(struct pw_pkt_edit *e, const struct pw_dissect *d)
{
	const uint8_t *p = d->l3 + d->l4_off;

	switch (d->l4proto) {
	case PW_IPPROTO_TCP:
		e->l4 = PW_EDIT_L4_TCP;
		e->tcp.sport = d->sport;
		e->tcp.dport = d->dport;
		e->tcp.seq = d->tcp_seq;
		e->tcp.ack = d->tcp_ack;
		e->tcp.reserved = p[12] & 0x0f;
		e->tcp.flags = d->tcp_flags;
		e->tcp.win = d->tcp_win;
		e->tcp.csum = pw_get_be16(p + 16);
		e->tcp.urp = pw_get_be16(p + 18);
		tcp_opts_from_bytes(&e->tcp, p + 20, d->l4_hlen - 20u);
		break;
	case PW_IPPROTO_UDP:
		e->l4 = PW_EDIT_L4_UDP;
		e->udp.sport = d->sport;
		e->udp.dport = d->dport;
		e->udp.len = pw_get_be16(p + 4);
		e->udp.csum = pw_get_be16(p + 6);
		e->udp.no_csum = d->ipver == 4 && e->udp.csum == 0;
		break;
	default:		/* ICMP or ICMPv6: dissect checked the version */
		e->l4 = PW_EDIT_L4_ICMP;
		e->icmp.type = p[0];
		e->icmp.code = p[1];
		e->icmp.csum = pw_get_be16(p + 2);
		memcpy(e->icmp.rest, p + 4, 4);
		break;
	}
}

int pw_edit_from_dissect(struct pw_pkt_edit *e, const struct pw_dissect *d)
{
	int ret;

	memset(e, 0, sizeof(*e));
	if (d->malformed & (PW_MAL_TRUNCATED | PW_MAL_BAD_HDR_LEN |
			    PW_MAL_BAD_VERSION))
		return -EINVAL;
	if (d->caplen < d->l3_hlen)
		return -EINVAL;
	e->ipver = d->ipver;
	e->proto = d->l4proto;
	if (d->ipver == 4)
		ret = ip4_from_dissect(e, d);
	else if (d->ipver == 6)
		ret = ip6_from_dissect(e, d);
	else
		ret = -EINVAL;
	if (ret < 0)
		return ret;
	if (d->has_l4) {
		if ((uint32_t)d->l4_off + d->l4_hlen > d->caplen)
			return -EINVAL;
		l4_from_dissect(e, d);
	}
	e->payload = d->l3 + d->payload_off;
	e->payload_len = d->payload_len;
	return 0;
}

void pw_edit_init(struct pw_pkt_edit *e, uint8_t ipver, uint8_t proto)
{
	memset(e, 0, sizeof(*e));
	e->ipver = ipver;
	e->proto = proto;
	e->ip4.ttl = 64;
	e->ip6.hlim = 64;
	if (proto == PW_IPPROTO_TCP)
		e->l4 = PW_EDIT_L4_TCP;
	else if (proto == PW_IPPROTO_UDP)
		e->l4 = PW_EDIT_L4_UDP;
	else if ((proto == PW_IPPROTO_ICMP && ipver == 4) ||
		 (proto == PW_IPPROTO_ICMPV6 && ipver == 6))
		e->l4 = PW_EDIT_L4_ICMP;
}

/* Sizes of the parts pw_rebuild writes. */
struct layout {
	uint32_t l3;		/* IP header + extension headers */
	uint32_t tcp_opts;	/* option list + tail, unpadded */
	uint32_t l4;		/* L4 header */
	uint32_t total;
};

static int tcp_opts_size(const struct pw_edit_tcp *t, uint32_t *out)
{
	uint32_t n = t->tail_len;
	unsigned i;

	if (t->n_opts > PW_EDIT_TCP_OPTS_MAX)
		return -EINVAL;
	for (i = 0; i < t->n_opts; i++) {
		const struct pw_edit_tcp_opt *o = &t->opts[i];

		if (o->kind <= PW_TCPOPT_NOP)
			n += 1;
		else if (o->len < 2 || o->len > 2 + PW_EDIT_TCP_OPT_DATA)
			return -EINVAL;
		else
			n += o->len;
	}
	if (n > 40)
		return -EMSGSIZE;
	*out = n;
	return 0;
}

static int get_layout(const struct pw_pkt_edit *e, struct layout *lay)
{
	uint32_t ext = 0;
	unsigned i;
	int ret;

	if (e->ipver == 4) {
		if (e->ip4.opts_len > PW_EDIT_IP4_OPTS_MAX)
			return -EINVAL;
		lay->l3 = 20 + ((e->ip4.opts_len + 3u) & ~3u);
	} else if (e->ipver == 6) {
		if (e->ip6.n_ext > PW_IP6_MAX_EXT)
			return -EINVAL;
		for (i = 0; i < e->ip6.n_ext; i++) {
			if (!ext_len_ok(e->ip6.ext[i].type, e->ip6.ext[i].len))
				return -EINVAL;
			ext += e->ip6.ext[i].len;
		}
		if (ext != e->ip6.ext_total)
			return -EINVAL;
		lay->l3 = 40 + ext;
	} else {
		return -EINVAL;
	}
	lay->tcp_opts = 0;
	switch (e->l4) {
	case PW_EDIT_L4_NONE:
		lay->l4 = 0;
		break;
	case PW_EDIT_L4_TCP:
		ret = tcp_opts_size(&e->tcp, &lay->tcp_opts);
		if (ret < 0)
			return ret;
		lay->l4 = 20 + ((lay->tcp_opts + 3) & ~3u);
		break;
	case PW_EDIT_L4_UDP:
	case PW_EDIT_L4_ICMP:
		lay->l4 = 8;
		break;
	default:
		return -EINVAL;
	}
	if (e->payload_len && !e->payload)
		return -EINVAL;
	if (e->payload_len > UINT32_MAX - lay->l3 - lay->l4)
		return -EMSGSIZE;
	lay->total = lay->l3 + lay->l4 + e->payload_len;
	if (!e->keep_lengths) {
		if (e->ipver == 4 && lay->total > 0xffff)
			return -EMSGSIZE;
		if (e->ipver == 6 && lay->total - 40 > 0xffff)
			return -EMSGSIZE;
	}
	return 0;
}

size_t pw_rebuild_size(const struct pw_pkt_edit *e)
{
	struct layout lay;

	if (get_layout(e, &lay) < 0)
		return 0;
	return lay.total;
}

static void write_ip4(const struct pw_pkt_edit *e, const struct layout *lay,
		      uint8_t *out)
{
	const struct pw_edit_ip4 *ip = &e->ip4;

	out[0] = (uint8_t)(0x40 | lay->l3 / 4);
	out[1] = ip->tos;
	pw_put_be16(out + 2, e->keep_lengths ? ip->total_len :
			     (uint16_t)lay->total);
	pw_put_be16(out + 4, ip->id);
	pw_put_be16(out + 6, (uint16_t)((ip->flags & 7) << 13 |
					(ip->frag_off >> 3 & 0x1fff)));
	out[8] = ip->ttl;
	out[9] = e->proto;
	pw_put_be16(out + 10, 0);
	memcpy(out + 12, ip->src, 4);
	memcpy(out + 16, ip->dst, 4);
	memcpy(out + 20, ip->opts, ip->opts_len);
	memset(out + 20 + ip->opts_len, 0, lay->l3 - 20 - ip->opts_len);
}

static void write_ip6(const struct pw_pkt_edit *e, const struct layout *lay,
		      uint8_t *out)
{
	const struct pw_edit_ip6 *ip = &e->ip6;
	uint32_t off = 40;
	unsigned i;

	pw_put_be32(out, 6u << 28 | (uint32_t)ip->tclass << 20 |
			 (ip->flow & 0xfffff));
	pw_put_be16(out + 4, e->keep_lengths ? ip->plen :
			     (uint16_t)(lay->total - 40));
	out[6] = ip->n_ext ? ip->ext[0].type : e->proto;
	out[7] = ip->hlim;
	memcpy(out + 8, ip->src, 16);
	memcpy(out + 24, ip->dst, 16);
	memcpy(out + 40, ip->ext_bytes, ip->ext_total);
	for (i = 0; i < ip->n_ext; i++) {
		uint8_t type = ip->ext[i].type;
		uint16_t len = ip->ext[i].len;

		out[off] = i + 1 < ip->n_ext ? ip->ext[i + 1].type : e->proto;
		if (ext_is_generic(type))
			out[off + 1] = (uint8_t)(len / 8 - 1);
		else if (type == PW_IPPROTO_AH)
			out[off + 1] = (uint8_t)(len / 4 - 2);
		off += len;
	}
}

static void write_tcp_opts(const struct pw_edit_tcp *t, uint8_t *out,
			   uint32_t padded)
{
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < t->n_opts; i++) {
		const struct pw_edit_tcp_opt *o = &t->opts[i];

		out[n++] = o->kind;
		if (o->kind <= PW_TCPOPT_NOP)
			continue;
		out[n++] = o->len;
		memcpy(out + n, o->data, o->len - 2u);
		n += o->len - 2u;
	}
	memcpy(out + n, t->tail, t->tail_len);
	n += t->tail_len;
	memset(out + n, 0, padded - n);
}

/* A fragment's L4 checksum and UDP length cover bytes that are not in it:
 * the right values cannot be computed here, so the stored ones stand in. */
static bool edit_is_fragment(const struct pw_pkt_edit *e)
{
	uint32_t off = 0;
	unsigned i;

	if (e->ipver == 4)
		return (e->ip4.flags & PW_IP4_FLAG_MF) || e->ip4.frag_off;
	for (i = 0; i < e->ip6.n_ext; i++) {
		if (e->ip6.ext[i].type == PW_IPPROTO_FRAGMENT &&
		    (pw_get_be16(e->ip6.ext_bytes + off + 2) & 0xfff9))
			return true;
		off += e->ip6.ext[i].len;
	}
	return false;
}

static void write_l4_header(const struct pw_pkt_edit *e,
			    const struct layout *lay, bool frag, uint8_t *out)
{
	switch (e->l4) {
	case PW_EDIT_L4_TCP:
		pw_put_be16(out, e->tcp.sport);
		pw_put_be16(out + 2, e->tcp.dport);
		pw_put_be32(out + 4, e->tcp.seq);
		pw_put_be32(out + 8, e->tcp.ack);
		out[12] = (uint8_t)((lay->l4 / 4) << 4 | (e->tcp.reserved & 15));
		out[13] = e->tcp.flags;
		pw_put_be16(out + 14, e->tcp.win);
		pw_put_be16(out + 16, 0);
		pw_put_be16(out + 18, e->tcp.urp);
		write_tcp_opts(&e->tcp, out + 20, lay->l4 - 20);
		break;
	case PW_EDIT_L4_UDP:
		pw_put_be16(out, e->udp.sport);
		pw_put_be16(out + 2, e->udp.dport);
		pw_put_be16(out + 4, e->keep_lengths || frag ? e->udp.len :
				     (uint16_t)(lay->total - lay->l3));
		pw_put_be16(out + 6, 0);
		break;
	case PW_EDIT_L4_ICMP:
		out[0] = e->icmp.type;
		out[1] = e->icmp.code;
		pw_put_be16(out + 2, 0);
		memcpy(out + 4, e->icmp.rest, 4);
		break;
	default:
		break;
	}
}

static const uint8_t *ip6_final_dst(const struct pw_pkt_edit *e,
				    const uint8_t *out)
{
	const uint8_t *final;
	uint32_t off = 40;
	unsigned i;

	for (i = 0; i < e->ip6.n_ext; i++) {
		if (e->ip6.ext[i].type == PW_IPPROTO_ROUTING) {
			final = pw_ip6_rh_final_dst(out + off,
						    e->ip6.ext[i].len);
			if (final)
				return final;
		}
		off += e->ip6.ext[i].len;
	}
	return out + 24;
}

static uint16_t l4_checksum(const struct pw_pkt_edit *e,
			    const struct layout *lay, const uint8_t *out)
{
	uint32_t l4_len = lay->total - lay->l3, sum = 0;
	uint16_t c;

	if (e->ipver == 4 && e->l4 != PW_EDIT_L4_ICMP)
		sum = pw_csum_pseudo4(out + 12, out + 16, e->proto, l4_len);
	else if (e->ipver == 6)
		sum = pw_csum_pseudo6(out + 8, ip6_final_dst(e, out),
				      e->proto, l4_len);
	c = pw_csum_finish(pw_csum_partial(out + lay->l3, l4_len, sum));
	/* UDP sends a computed 0 as all ones: 0 means "no checksum". */
	if (c == 0 && e->l4 == PW_EDIT_L4_UDP)
		c = 0xffff;
	return c;
}

static uint16_t stored_l4_csum(const struct pw_pkt_edit *e)
{
	switch (e->l4) {
	case PW_EDIT_L4_TCP:
		return e->tcp.csum;
	case PW_EDIT_L4_UDP:
		return e->udp.csum;
	default:
		return e->icmp.csum;
	}
}

/* Checksum field offset inside the L4 header. */
static uint32_t l4_csum_off(uint8_t l4)
{
	switch (l4) {
	case PW_EDIT_L4_TCP:
		return 16;
	case PW_EDIT_L4_UDP:
		return 6;
	default:
		return 2;
	}
}

/* One's complement sums treat 0x0000 and 0xffff alike: when the computed
 * value is 0 and the stored one is 0xffff, both verify and the stored form
 * is kept. Flipping the low bit never turns one form into the other, so a
 * "bad" checksum never verifies. */
static uint16_t csum_by_mode(uint8_t mode, uint16_t right, uint16_t stored)
{
	switch (mode) {
	case PW_CSUM_KEEP:
		return stored;
	case PW_CSUM_BAD:
		return right ^ 1;
	default:
		return right == 0 && stored == 0xffff ? stored : right;
	}
}

int pw_rebuild(const struct pw_pkt_edit *e, uint8_t *out, size_t cap)
{
	struct layout lay;
	uint16_t right;
	bool frag;
	int ret;

	ret = get_layout(e, &lay);
	if (ret < 0)
		return ret;
	if (lay.total > cap || lay.total > INT32_MAX)
		return -ENOSPC;
	if (e->ipver == 4)
		write_ip4(e, &lay, out);
	else
		write_ip6(e, &lay, out);
	frag = edit_is_fragment(e);
	write_l4_header(e, &lay, frag, out + lay.l3);
	if (e->payload_len)
		memcpy(out + lay.l3 + lay.l4, e->payload, e->payload_len);

	if (e->l4 != PW_EDIT_L4_NONE) {
		uint16_t stored = stored_l4_csum(e);

		if (frag)
			right = stored;
		else if (e->l4 == PW_EDIT_L4_UDP && e->ipver == 4 &&
			 e->udp.no_csum && e->l4_csum == PW_CSUM_RECOMPUTE)
			right = 0;
		else
			right = l4_checksum(e, &lay, out);
		pw_put_be16(out + lay.l3 + l4_csum_off(e->l4),
			    csum_by_mode(e->l4_csum, right, stored));
	}
	if (e->ipver == 4) {
		right = pw_csum_ip4_header(out, lay.l3);
		pw_put_be16(out + 10,
			    csum_by_mode(e->ip_csum, right, e->ip4.csum));
	}
	return (int)lay.total;
}

struct pw_edit_tcp_opt *pw_edit_tcp_opt_find(struct pw_pkt_edit *e,
					     uint8_t kind)
{
	unsigned i;

	for (i = 0; i < e->tcp.n_opts; i++)
		if (e->tcp.opts[i].kind == kind)
			return &e->tcp.opts[i];
	return NULL;
}

int pw_edit_tcp_opt_set(struct pw_pkt_edit *e, uint8_t kind,
			const uint8_t *data, uint8_t data_len)
{
	struct pw_edit_tcp *t = &e->tcp;
	struct pw_edit_tcp_opt *o;
	unsigned at;

	if (kind <= PW_TCPOPT_NOP || data_len > PW_EDIT_TCP_OPT_DATA)
		return -EINVAL;
	o = pw_edit_tcp_opt_find(e, kind);
	if (!o) {
		if (t->n_opts == PW_EDIT_TCP_OPTS_MAX)
			return -EMSGSIZE;
		for (at = 0; at < t->n_opts; at++)
			if (t->opts[at].kind == PW_TCPOPT_EOL)
				break;
		memmove(&t->opts[at + 1], &t->opts[at],
			(t->n_opts - at) * sizeof(t->opts[0]));
		t->n_opts++;
		o = &t->opts[at];
		o->kind = kind;
	}
	o->len = (uint8_t)(data_len + 2);
	if (data_len)
		memcpy(o->data, data, data_len);
	return 0;
}

int pw_edit_tcp_opt_remove(struct pw_pkt_edit *e, uint8_t kind)
{
	struct pw_edit_tcp *t = &e->tcp;
	unsigned i, n = 0;

	for (i = 0; i < t->n_opts; i++) {
		if (t->opts[i].kind == kind)
			continue;
		if (n != i)
			t->opts[n] = t->opts[i];
		n++;
	}
	i = t->n_opts - n;
	t->n_opts = (uint8_t)n;
	return (int)i;
}

static uint32_t ext_offset(const struct pw_edit_ip6 *ip, unsigned index)
{
	uint32_t off = 0;
	unsigned i;

	for (i = 0; i < index; i++)
		off += ip->ext[i].len;
	return off;
}

int pw_edit_ip6_ext_insert(struct pw_pkt_edit *e, unsigned index,
			   uint8_t type, const uint8_t *hdr, uint16_t len)
{
	struct pw_edit_ip6 *ip = &e->ip6;
	uint32_t off;

	if (index > ip->n_ext || !ext_len_ok(type, len))
		return -EINVAL;
	if (ip->n_ext == PW_IP6_MAX_EXT ||
	    ip->ext_total + len > PW_EDIT_EXT_BYTES)
		return -EMSGSIZE;
	off = ext_offset(ip, index);
	memmove(ip->ext_bytes + off + len, ip->ext_bytes + off,
		ip->ext_total - off);
	memcpy(ip->ext_bytes + off, hdr, len);
	memmove(&ip->ext[index + 1], &ip->ext[index],
		(ip->n_ext - index) * sizeof(ip->ext[0]));
	ip->ext[index].type = type;
	ip->ext[index].len = len;
	ip->n_ext++;
	ip->ext_total = (uint16_t)(ip->ext_total + len);
	return 0;
}

int pw_edit_ip6_ext_remove(struct pw_pkt_edit *e, unsigned index)
{
	struct pw_edit_ip6 *ip = &e->ip6;
	uint32_t off, len;

	if (index >= ip->n_ext)
		return -EINVAL;
	off = ext_offset(ip, index);
	len = ip->ext[index].len;
	memmove(ip->ext_bytes + off, ip->ext_bytes + off + len,
		ip->ext_total - off - len);
	memmove(&ip->ext[index], &ip->ext[index + 1],
		(ip->n_ext - index - 1) * sizeof(ip->ext[0]));
	ip->n_ext--;
	ip->ext_total = (uint16_t)(ip->ext_total - len);
	return 0;
}

uint8_t *pw_edit_ip6_ext_bytes(struct pw_pkt_edit *e, unsigned index)
{
	if (index >= e->ip6.n_ext)
		return NULL;
	return e->ip6.ext_bytes + ext_offset(&e->ip6, index);
}
