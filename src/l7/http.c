/* HTTP/1.x requests and replies.
 *
 * A request is recognised as zapret2 does: a known method, spaces, a URI,
 * spaces, then "HTTP/1." (with at least "HTTP/1.x\r\n" present). A reply
 * starts "HTTP/1.0 " or "HTTP/1.1 " followed by a three-digit status.
 * Only the header block is scanned (line by line with memchr), never the
 * body; a request whose header block has not ended within the packet is
 * marked incomplete. */
#include "l7/http.h"

#include <ctype.h>
#include <string.h>

#include "l7/detectors.h"
#include "l7/l7_text.h"

size_t pw_http_method_len(const uint8_t *p, size_t n)
{
	static const struct {
		const char *name;
		size_t len;
	} methods[] = {
		{ "GET", 3 }, { "POST", 4 }, { "HEAD", 4 }, { "OPTIONS", 7 },
		{ "PUT", 3 }, { "DELETE", 6 }, { "CONNECT", 7 },
		{ "TRACE", 5 }, { "PATCH", 5 },
	};
	size_t i;

	/* The first byte rules out almost every non-HTTP payload at once. */
	if (n < 4)
		return 0;
	switch (p[0]) {
	case 'G': case 'P': case 'H': case 'O': case 'D': case 'C': case 'T':
		break;
	default:
		return 0;
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t l = methods[i].len;

		if (n > l && p[l] == ' ' && !memcmp(p, methods[i].name, l))
			return l;
	}
	return 0;
}

static size_t skip_blanks(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

static size_t skip_token(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
	       p[i] != '\n')
		i++;
	return i;
}

/* Host value in [s, e): strips blanks, the port and IPv6 brackets. */
static bool host_value_span(const uint8_t *p, size_t s, size_t e,
			    size_t *off, size_t *len)
{
	const uint8_t *colon;
	size_t i;

	while (s < e && (p[s] == ' ' || p[s] == '\t'))
		s++;
	/* the value is one token: it ends at the first blank or CR */
	for (i = s; i < e && p[i] != ' ' && p[i] != '\t' && p[i] != '\r'; i++)
		;
	e = i;
	if (s == e)
		return false;
	if (p[s] == '[') {
		/* IPv6 literal: hex digits, ':' and '.' up to the ']' */
		for (i = s + 1; i < e && p[i] != ']'; i++)
			if (!isxdigit(p[i]) && p[i] != ':' && p[i] != '.')
				return false;
		if (i >= e || i == s + 1)
			return false;
		*off = s + 1;
		*len = i - (s + 1);
		return true;
	}
	colon = memchr(p + s, ':', e - s);
	if (colon)
		e = (size_t)(colon - p);
	if (s == e)
		return false;
	*off = s;
	*len = e - s;
	return true;
}

/* Walks the header lines after the request/status line. Returns true
 * when a Host header line (ended by '\n') was found; *header_end tells
 * whether the empty line closing the header block was seen. */
static bool find_host(const uint8_t *p, size_t n, size_t *off, size_t *len,
		      bool *header_end)
{
	const uint8_t *nl;
	size_t i = 0, next;
	bool found = false;

	*header_end = false;
	nl = memchr(p, '\n', n);
	if (!nl)
		return false;
	i = (size_t)(nl - p) + 1;
	while (i < n) {
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n &&
				     p[i + 1] == '\n')) {
			*header_end = true;
			break;
		}
		nl = memchr(p + i, '\n', n - i);
		if (!nl)
			break;
		next = (size_t)(nl - p) + 1;
		if (!found && pw_l7_prefix_icase(p + i, next - i, "host:", 5))
			found = host_value_span(p, i + 5, next - 1, off, len);
		i = next;
	}
	return found;
}

bool pw_http_host_span(const uint8_t *p, size_t n, size_t *off, size_t *len)
{
	bool header_end;

	return find_host(p, n, off, len, &header_end);
}

bool pw_http_req_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	size_t mlen = pw_http_method_len(p, n);
	size_t uri, uri_end, ver, off, len;
	bool header_end;

	if (!mlen)
		return false;
	uri = skip_blanks(p, n, mlen);
	uri_end = skip_token(p, n, uri);
	if (uri_end == uri || uri_end >= n || (p[uri_end] != ' ' &&
					       p[uri_end] != '\t'))
		return false;
	ver = skip_blanks(p, n, uri_end);
	if (n - ver < 10 || memcmp(p + ver, "HTTP/1.", 7))
		return false;

	res->payload = PW_PL_HTTP_REQ;
	if (find_host(p, n, &off, &len, &header_end))
		pw_l7_copy_host(res->host, sizeof(res->host), p + off, len);
	res->incomplete = !header_end;
	pw_l7_append_printable(res->detail, sizeof(res->detail), p, mlen);
	pw_l7_append_printable(res->detail, sizeof(res->detail),
			       (const uint8_t *)" ", 1);
	pw_l7_append_printable(res->detail, sizeof(res->detail), p + uri,
			       uri_end - uri);
	return true;
}

bool pw_http_reply_detect(const uint8_t *p, size_t n,
			  struct pw_l7_result *res)
{
	const uint8_t *eol;
	size_t end;

	/* "HTTP/1.x NNN" and at least a few more bytes, as zapret2 wants. */
	if (n < 15 || memcmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ' || p[9] < '0' || p[9] > '9' || p[10] < '0' ||
	    p[10] > '9' || p[11] < '0' || p[11] > '9')
		return false;
	res->payload = PW_PL_HTTP_REPLY;
	eol = memchr(p + 9, '\n', n - 9);
	end = eol ? (size_t)(eol - p) : n;
	if (end > 9 && p[end - 1] == '\r')
		end--;
	pw_l7_append_printable(res->detail, sizeof(res->detail), p + 9,
			       end - 9);
	return true;
}
