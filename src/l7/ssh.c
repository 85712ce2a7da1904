/* SSH identification string (RFC 4253 4.2), monitor only:
 *   "SSH-" protoversion "-" softwareversion [SP comments] CR LF
 * e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2". The whole line (without CR LF)
 * becomes the detail, as tshark shows it in ssh.protocol. */
#include <string.h>

#include "l7/detectors.h"
#include "l7/l7_text.h"

#define SSH_LINE_MAX 255

bool pw_ssh_detect(const uint8_t *p, size_t n, struct pw_l7_result *res)
{
	size_t i = 4, end;
	const uint8_t *nl;

	/* "SSH-" digits "." digits "-" and at least one software byte */
	if (n < 9 || memcmp(p, "SSH-", 4))
		return false;
	if (p[i] < '0' || p[i] > '9')
		return false;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i >= n || p[i++] != '.' || i >= n || p[i] < '0' || p[i] > '9')
		return false;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i + 1 >= n || p[i] != '-' || p[i + 1] <= ' ' || p[i + 1] >= 0x7f)
		return false;
	nl = memchr(p, '\n', n < SSH_LINE_MAX ? n : SSH_LINE_MAX);
	if (nl) {
		end = (size_t)(nl - p);
		if (end && p[end - 1] == '\r')
			end--;
	} else {
		end = n < SSH_LINE_MAX ? n : SSH_LINE_MAX;
		res->incomplete = true;
	}
	res->proto = PW_L7_SSH;
	pw_l7_append_printable(res->detail, sizeof(res->detail), p, end);
	return true;
}
