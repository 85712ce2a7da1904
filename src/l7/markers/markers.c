/* Position markers: parsing and resolution (semantics in markers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "l7/markers/markers.h"
#include "l7/tls/tls.h"

static const char *const marker_names[PW_MARKER__COUNT] = {
	[PW_MARKER_ABS] = "abs",
	[PW_MARKER_HOST] = "host",
	[PW_MARKER_ENDHOST] = "endhost",
	[PW_MARKER_SLD] = "sld",
	[PW_MARKER_MIDSLD] = "midsld",
	[PW_MARKER_ENDSLD] = "endsld",
	[PW_MARKER_METHOD] = "method",
	[PW_MARKER_EXTLEN] = "extlen",
	[PW_MARKER_SNIEXT] = "sniext",
};

const char *pw_marker_name(enum pw_marker_kind kind)
{
	if ((unsigned)kind >= PW_MARKER__COUNT)
		return NULL;
	return marker_names[kind];
}

/* [+-]digits, the whole string, within int16_t. */
static bool parse_int16(const char *s, int16_t *v)
{
	long val = 0;
	bool neg = false;
	const char *d;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!*s)
		return false;
	for (d = s; *d; d++) {
		if (*d < '0' || *d > '9')
			return false;
		val = val * 10 + (*d - '0');
		if (val > 32768)
			return false;
	}
	if (neg)
		val = -val;
	if (val > INT16_MAX)
		return false;
	*v = (int16_t)val;
	return true;
}

bool pw_marker_parse(const char *s, struct pw_marker *m)
{
	size_t name_len;
	unsigned k;

	if (*s == '+' || *s == '-' || (*s >= '0' && *s <= '9')) {
		m->kind = PW_MARKER_ABS;
		return parse_int16(s, &m->offset);
	}
	name_len = strcspn(s, "+-");
	for (k = 0; k < PW_MARKER__COUNT; k++) {
		if (strlen(marker_names[k]) == name_len &&
		    !memcmp(marker_names[k], s, name_len))
			break;
	}
	if (k == PW_MARKER__COUNT)
		return false;
	m->kind = (enum pw_marker_kind)k;
	m->offset = 0;
	if (!s[name_len])
		return true;
	return parse_int16(s + name_len, &m->offset);
}

int pw_marker_list_parse(const char *s, struct pw_marker *m, int max)
{
	char item[32];
	int count = 0;

	if (!*s)
		return 0;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (!len || len >= sizeof(item) || count >= max)
			return -1;
		memcpy(item, s, len);
		item[len] = '\0';
		if (!pw_marker_parse(item, &m[count]))
			return -1;
		count++;
		if (!s[len])
			return count;
		s += len + 1;
	}
}

char *pw_marker_format(const struct pw_marker *m, char *buf, size_t size)
{
	if (m->kind == PW_MARKER_ABS)
		snprintf(buf, size, "%d", m->offset);
	else if (m->offset)
		snprintf(buf, size, "%s%+d", pw_marker_name(m->kind),
			 m->offset);
	else
		snprintf(buf, size, "%s", pw_marker_name(m->kind));
	return buf;
}

/* The second-level label of the name at [off, off+len): the label before
 * the last dot, found scanning back from the end as nfqws2 does (a
 * trailing dot therefore makes the TLD the "sld"). */
static void find_sld(const uint8_t *p, size_t off, size_t len,
		     struct pw_marker_anchors *a)
{
	size_t dot, start, slen;

	if (!len)
		return;
	for (dot = len - 1; dot > 0 && p[off + dot] != '.'; dot--)
		;
	if (dot == 0)
		return;		/* no dot past the first byte: no sld */
	for (start = dot - 1; start > 0 && p[off + start] != '.'; start--)
		;
	if (p[off + start] == '.')
		start++;
	slen = dot - start;
	a->sld = (long)(off + start);
	a->endsld = (long)(off + dot);
	a->midsld = (long)(off + start + (slen == 1 ? 1 : slen / 2));
}

static void set_host(const uint8_t *p, size_t off, size_t len,
		     struct pw_marker_anchors *a)
{
	a->host = (long)off;
	a->endhost = (long)(off + len);
	find_sld(p, off, len, a);
}

static bool is_host_header_at(const uint8_t *p)
{
	static const char name[] = "host";
	unsigned i;

	if (p[0] != '\n' || p[5] != ':')
		return false;
	for (i = 0; i < 4; i++)
		if ((p[1 + i] | 0x20) != name[i])
			return false;
	return true;
}

static void http_anchors(const uint8_t *p, size_t n,
			 struct pw_marker_anchors *a)
{
	size_t m = 0, i, pos, off, len;

	if (n >= 12) {
		/* methodeol may have put an EOL before the method */
		if (p[m] == '\n' || p[m] == '\r')
			m++;
		if (p[m] == '\n' || p[m] == '\r')
			m++;
		for (i = 0; i < 9 && p[m + i] >= 'A' && p[m + i] <= 'Z'; i++)
			;
		if (i >= 3 && p[m + i] == ' ')
			a->method = (long)m;
	}
	for (pos = 0; n >= 6 && pos <= n - 6; pos++)
		if (is_host_header_at(p + pos))
			break;
	if (n < 6 || pos > n - 6 || pos + 8 >= n)
		return;
	off = pos + 6;
	if (p[off] == ' ' || p[off] == '\t')
		off++;
	for (len = 0; off + len < n && p[off + len] != '\r' &&
		      p[off + len] != '\n'; len++)
		;
	set_host(p, off, len, a);
}

static void tls_anchors(const uint8_t *p, size_t n,
			struct pw_marker_anchors *a)
{
	struct pw_tls_hello h;
	enum pw_tls_status st;

	/* nfqws2 looks inside the first record only. */
	if (n >= 5 && n > 5 + (size_t)pw_get_be16(p + 3))
		n = 5 + (size_t)pw_get_be16(p + 3);
	if (n < 11)
		return;
	st = pw_tls_parse_record(p, n, &h);
	if (st == PW_TLS_NOT_TLS)
		return;
	if (h.extlen_off != PW_TLS_NONE)
		a->extlen = (long)h.extlen_off;
	if (h.sniext_off != PW_TLS_NONE)
		a->sniext = (long)h.sniext_off;
	if (h.host_off != PW_TLS_NONE)
		set_host(p, h.host_off, h.host_end - h.host_off, a);
}

void pw_marker_anchors_find(const uint8_t *p, size_t n,
			    enum pw_l7_payload type,
			    struct pw_marker_anchors *a)
{
	a->len = n;
	a->method = a->host = a->endhost = PW_POS_NONE;
	a->sld = a->endsld = a->midsld = PW_POS_NONE;
	a->sniext = a->extlen = PW_POS_NONE;
	if (type == PW_PL_HTTP_REQ)
		http_anchors(p, n, a);
	else if (type == PW_PL_TLS_CLIENT_HELLO)
		tls_anchors(p, n, a);
}

static long check_pos(const struct pw_marker_anchors *a, long base,
		      int16_t offset)
{
	long pos;

	if (base == PW_POS_NONE)
		return PW_POS_NONE;
	pos = base + offset;
	return pos >= 0 && (size_t)pos < a->len ? pos : PW_POS_NONE;
}

long pw_marker_resolve_at(const struct pw_marker_anchors *a,
			  const struct pw_marker *m)
{
	switch (m->kind) {
	case PW_MARKER_ABS:
		return check_pos(a, m->offset < 0 ? (long)a->len : 0,
				 m->offset);
	case PW_MARKER_HOST: return check_pos(a, a->host, m->offset);
	case PW_MARKER_ENDHOST: return check_pos(a, a->endhost, m->offset);
	case PW_MARKER_SLD: return check_pos(a, a->sld, m->offset);
	case PW_MARKER_MIDSLD: return check_pos(a, a->midsld, m->offset);
	case PW_MARKER_ENDSLD: return check_pos(a, a->endsld, m->offset);
	case PW_MARKER_METHOD: return check_pos(a, a->method, m->offset);
	case PW_MARKER_EXTLEN: return check_pos(a, a->extlen, m->offset);
	case PW_MARKER_SNIEXT: return check_pos(a, a->sniext, m->offset);
	case PW_MARKER__COUNT: break;
	}
	return PW_POS_NONE;
}

long pw_marker_resolve(const uint8_t *p, size_t n, enum pw_l7_payload type,
		       const struct pw_marker *m)
{
	struct pw_marker_anchors a;

	pw_marker_anchors_find(p, n, type, &a);
	return pw_marker_resolve_at(&a, m);
}

static int cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

int pw_marker_resolve_list(const uint8_t *p, size_t n,
			   enum pw_l7_payload type, const struct pw_marker *m,
			   int count, long *pos)
{
	struct pw_marker_anchors a;
	int i, got = 0, uniq = 0;

	pw_marker_anchors_find(p, n, type, &a);
	for (i = 0; i < count; i++) {
		long v = pw_marker_resolve_at(&a, &m[i]);

		if (v != PW_POS_NONE)
			pos[got++] = v;
	}
	qsort(pos, (size_t)got, sizeof(*pos), cmp_long);
	for (i = 0; i < got; i++)
		if (!uniq || pos[uniq - 1] != pos[i])
			pos[uniq++] = pos[i];
	return uniq;
}
