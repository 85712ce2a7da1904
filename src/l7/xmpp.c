/* XMPP (RFC 6120) stream openings, recognised by their first element as
 * zapret2 does:
 *   "<stream:stream " (optionally after an "<?xml ...?>" declaration)
 *   "<starttls "      client asks for TLS
 *   "<proceed "       server agrees
 *   "<stream:features"
 * The client's stream header names the server domain in its `to`
 * attribute, which becomes res->host (a reply's `to` holds the client's
 * JID and is left out). */
#include <string.h>

#include "l7/detectors.h"
#include "l7/l7_text.h"

#define STREAM_TAG "<stream:stream "
#define STREAM_TAG_LEN 15
/* How far into the payload an XML declaration may push the stream tag. */
#define XMPP_SCAN_MAX 512

/* Value of the to='...' or to="..." attribute inside the tag at [s, n). */
static void stream_to(const uint8_t *p, size_t s, size_t n,
		      struct pw_l7_result *res)
{
	const uint8_t *gt = memchr(p + s, '>', n - s);
	size_t end = gt ? (size_t)(gt - p) : n, i, v;
	uint8_t q;

	for (i = s; i + 4 < end; i++) {
		if ((p[i] != ' ' && p[i] != '\t' && p[i] != '\n') ||
		    p[i + 1] != 't' || p[i + 2] != 'o' || p[i + 3] != '=')
			continue;
		q = p[i + 4];
		if (q != '\'' && q != '"')
			return;
		for (v = i + 5; v < end && p[v] != q; v++)
			;
		/* a JID (user@domain, in a reply's header) is no hostname */
		if (v < end && !memchr(p + i + 5, '@', v - (i + 5)))
			pw_l7_copy_host(res->host, sizeof(res->host),
					p + i + 5, v - (i + 5));
		return;
	}
}

static bool find_stream(const uint8_t *p, size_t n, size_t *at)
{
	const uint8_t *s;
	size_t lim;

	if (n >= STREAM_TAG_LEN + 1 && !memcmp(p, STREAM_TAG, STREAM_TAG_LEN)) {
		*at = 0;
		return true;
	}
	if (n < 36 || memcmp(p, "<?xml ", 6))
		return false;
	lim = n < XMPP_SCAN_MAX ? n : XMPP_SCAN_MAX;
	s = memmem(p + 21, lim - 21, STREAM_TAG, STREAM_TAG_LEN);
	if (!s)
		return false;
	*at = (size_t)(s - p);
	return true;
}

bool pw_xmpp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	size_t at;

	if (n < 9 || p[0] != '<')
		return false;
	if (find_stream(p, n, &at)) {
		res->payload = PW_PL_XMPP_STREAM;
		stream_to(p, at + STREAM_TAG_LEN - 1, n, res);
	} else if (n >= 10 && !memcmp(p, "<starttls ", 10)) {
		res->payload = PW_PL_XMPP_STARTTLS;
	} else if (!memcmp(p, "<proceed ", 9)) {
		res->payload = PW_PL_XMPP_PROCEED;
	} else if (n >= 17 && !memcmp(p, "<stream:features", 16)) {
		res->payload = PW_PL_XMPP_FEATURES;
	} else {
		return false;
	}
	return true;
}
