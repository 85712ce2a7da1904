/* HTTP signals: a redirect that sends the client to another site, the
 * classic block page ("HTTP/1.1 302 Found" + "Location: http://blocked.
 * isp.example/").
 *
 * Only the first reply of a connection is read, and only its first
 * packet (where a block page puts its few header lines). The Location
 * must be an absolute URL ("scheme://host..." or "//host...");
 * a relative one stays on the same site. Hosts are compared by their
 * second-level domain, as zapret2 does: "www.example.com" and
 * "login.example.com" are one site. */
#include <ctype.h>
#include <string.h>

#include "audit/audit_priv.h"
#include "l7/l7_text.h"

/* Span of the last two labels of host[0..n), a trailing dot dropped. */
static void sld_span(const char *host, size_t *off, size_t *len)
{
	size_t n = strlen(host), i, dots = 0;
	bool ip = true;

	if (n && host[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)host[i]) && host[i] != '.')
			ip = false;
	if (ip || memchr(host, ':', n)) {	/* IPv4 or IPv6 literal */
		*off = 0;
		*len = n;
		return;
	}
	for (i = n; i > 0; i--) {
		if (host[i - 1] == '.' && ++dots == 2)
			break;
	}
	*off = i;
	*len = n - i;
}

bool audit_same_sld(const char *a, const char *b)
{
	size_t ao, al, bo, bl;

	sld_span(a, &ao, &al);
	sld_span(b, &bo, &bl);
	return al == bl && !strncasecmp(a + ao, b + bo, al);
}

/* Value of the Location header in the header block of p, trimmed. */
static bool find_location(const uint8_t *p, size_t n, size_t *off,
			  size_t *len)
{
	const uint8_t *nl = memchr(p, '\n', n);
	size_t i, end, v;

	if (!nl)
		return false;
	for (i = (size_t)(nl - p) + 1; i < n; i = end + 1) {
		nl = memchr(p + i, '\n', n - i);
		end = nl ? (size_t)(nl - p) : n;
		if (end == i || (end == i + 1 && p[i] == '\r'))
			return false;	/* empty line: end of headers */
		if (!pw_l7_prefix_icase(p + i, end - i, "location:", 9))
			continue;
		v = i + 9;
		while (v < end && (p[v] == ' ' || p[v] == '\t'))
			v++;
		while (end > v && isspace(p[end - 1]))
			end--;
		*off = v;
		*len = end - v;
		return *len > 0;
	}
	return false;
}

/* Host of an absolute URL: after "//", before the path, query, fragment
 * or port; user information ("user@") skipped; IPv6 literals keep their
 * brackets off. */
static bool url_host(const uint8_t *u, size_t n, char *out, size_t outsz)
{
	const uint8_t *sl;
	size_t i = 0, start, end, at;

	sl = memchr(u, '/', n);
	if (!sl || (size_t)(sl - u) + 1 >= n || sl[1] != '/')
		return false;
	/* Before "//": a scheme (letters, digits, + - .) and ':', or
	 * nothing (a scheme-relative URL). */
	if (sl != u) {
		if (sl[-1] != ':')
			return false;
		for (; u + i < sl - 1; i++)
			if (!isalnum(u[i]) && u[i] != '+' && u[i] != '-' &&
			    u[i] != '.')
				return false;
	}
	start = (size_t)(sl - u) + 2;
	for (end = start; end < n; end++)
		if (u[end] == '/' || u[end] == '?' || u[end] == '#' ||
		    isspace(u[end]))
			break;
	for (at = end; at > start; at--)
		if (u[at - 1] == '@')
			break;
	if (at > start)
		start = at;
	if (start < end && u[start] == '[') {
		const uint8_t *rb = memchr(u + start, ']', end - start);

		if (!rb)
			return false;
		start++;
		end = (size_t)(rb - u);
	} else {
		const uint8_t *colon = memchr(u + start, ':', end - start);

		if (colon)
			end = (size_t)(colon - u);
	}
	if (start >= end)
		return false;
	return pw_l7_copy_host(out, outsz, u + start, end - start);
}

void audit_http_reply(struct pw_audit *a, struct audit_conn *c,
		      const struct pw_flow *f, const struct pw_packet *pkt,
		      const uint8_t *p, uint32_t n)
{
	char loc[PW_L7_HOST_MAX];
	unsigned code;
	size_t off, len;

	if (c->redirect_host)
		return;

	(void)pkt;
	if (n < 12 || !f->host || !isdigit(p[9]) || !isdigit(p[10]) ||
	    !isdigit(p[11]))
		return;
	code = (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 +
	       (unsigned)(p[11] - '0');
	if (code < 300 || code > 308 || !(a->cfg.redirect_codes &
					  (1u << (code - 300))))
		return;
	if (!find_location(p, n, &off, &len) ||
	    !url_host(p + off, len, loc, sizeof(loc)))
		return;
	if (audit_same_sld(loc, f->host))
		return;
	/* Shown in the detail only: a long name may be cut. */
	c->redirect_host = strndup(loc, AUDIT_REDIRECT_HOST_MAX - 1);
	if (c->redirect_host)
		c->redirect_status = (uint16_t)code;
}
