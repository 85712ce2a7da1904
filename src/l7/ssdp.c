/* SSDP (UPnP device architecture) on UDP 1900, monitor only: HTTP-like
 * messages over UDP.
 *   "M-SEARCH * HTTP/1.1" with ST (search target),
 *   "NOTIFY * HTTP/1.1" with NT (notification type) and NTS
 *   (ssdp:alive / ssdp:byebye), and the unicast search reply
 *   "HTTP/1.1 200 OK" with ST. */
#include <string.h>

#include "l7/detectors.h"
#include "l7/l7_text.h"

/* Appends " NAME=value" for the first header line named name (lowercase,
 * with the colon) in the header block at [i, n). */
static void header_detail(const uint8_t *p, size_t n, size_t i,
			  const char *name, const char *label,
			  struct pw_l7_result *res)
{
	size_t nlen = strlen(name), s, e;
	const uint8_t *nl;

	while (i < n) {
		nl = memchr(p + i, '\n', n - i);
		e = nl ? (size_t)(nl - p) : n;
		if (pw_l7_prefix_icase(p + i, e - i, name, nlen)) {
			s = i + nlen;
			while (s < e && (p[s] == ' ' || p[s] == '\t'))
				s++;
			while (e > s && (p[e - 1] == '\r' || p[e - 1] == ' '))
				e--;
			pw_l7_appendf(res->detail, sizeof(res->detail), " %s=",
				      label);
			pw_l7_append_printable(res->detail,
					       sizeof(res->detail), p + s,
					       e - s);
			return;
		}
		if (!nl)
			return;
		i = e + 1;
	}
}

bool pw_ssdp_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	static const char msearch[] = "M-SEARCH * HTTP/1.1\r\n";
	static const char notify[] = "NOTIFY * HTTP/1.1\r\n";
	static const char reply[] = "HTTP/1.1 200 OK\r\n";
	size_t hdr;

	if (n >= sizeof(msearch) - 1 &&
	    !memcmp(p, msearch, sizeof(msearch) - 1)) {
		hdr = sizeof(msearch) - 1;
		pw_l7_appendf(res->detail, sizeof(res->detail), "M-SEARCH");
		header_detail(p, n, hdr, "st:", "ST", res);
	} else if (n >= sizeof(notify) - 1 &&
		   !memcmp(p, notify, sizeof(notify) - 1)) {
		hdr = sizeof(notify) - 1;
		pw_l7_appendf(res->detail, sizeof(res->detail), "NOTIFY");
		header_detail(p, n, hdr, "nt:", "NT", res);
		header_detail(p, n, hdr, "nts:", "NTS", res);
	} else if (pw_l7_prefix_icase(p, n, "http/1.1 200 ok\r\n",
				      sizeof(reply) - 1)) {
		hdr = sizeof(reply) - 1;
		pw_l7_appendf(res->detail, sizeof(res->detail), "reply");
		header_detail(p, n, hdr, "st:", "ST", res);
	} else {
		return false;
	}
	res->proto = PW_L7_SSDP;
	return true;
}
