/* The human-readable owner text written as a packet comment, and the
 * sanitiser that keeps process-controlled strings (comm, exe, cmdline:
 * any bytes a process chose) from putting control characters or broken
 * UTF-8 into the capture file. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "sink/pcapng_writer.h"

#define COMM_MAX (PW_COMM_LEN - 1)
#define EXE_MAX 256
#define CMD_MAX 512

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* C1 control characters U+0080..U+009F are not printable. */
	if (c == 0xc2 && s[1] < 0xa0)
		return 0;
	return len;
}

size_t pw_sanitize_utf8(char *dst, size_t size, const char *src, size_t max,
			bool *truncated)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), in = 0, out = 0;

	if (size == 0)
		return 0;
	if (max > size - 1)
		max = size - 1;
	while (in < n) {
		size_t len = s[in] < 0x80 ? 1 : utf8_seq_len(s + in, n - in);

		if (len == 0 || (len == 1 && (s[in] < 0x20 || s[in] == 0x7f))) {
			if (out + 1 > max)
				break;
			dst[out++] = '?';
			in += len ? len : 1;
			continue;
		}
		if (out + len > max)
			break;
		memcpy(dst + out, s + in, len);
		out += len;
		in += len;
	}
	dst[out] = '\0';
	if (truncated)
		*truncated = in < n;
	return out;
}

/* Appends " key=value" (sanitised, capped at max bytes, "..." when cut). */
static size_t append_field(char *buf, size_t size, size_t used,
			   const char *key, const char *val, size_t max)
{
	bool cut = false;
	int n;

	if (!val || !val[0] || used + 1 >= size)
		return used;
	n = snprintf(buf + used, size - used, " %s=", key);
	if (n < 0 || (size_t)n >= size - used)
		return used;
	used += (size_t)n;
	used += pw_sanitize_utf8(buf + used, size - used, val, max, &cut);
	if (cut && size - used > 3) {
		memcpy(buf + used, "...", 4);
		used += 3;
	}
	return used;
}

size_t pw_pcapng_owner_comment(char *buf, size_t size,
			       const struct pw_packet_owner *owner,
			       const struct pw_pcapng_proc *proc)
{
	char comm[PW_COMM_LEN + 1];
	size_t used;
	int n;

	if (size == 0)
		return 0;
	n = snprintf(buf, size, "pid=%" PRIu32 " tid=%" PRIu32, owner->pid,
		     owner->tid);
	if (n < 0)
		n = 0;
	used = PW_MIN((size_t)n, size - 1);
	/* comm is a fixed array that need not be NUL-terminated. */
	memcpy(comm, owner->comm, PW_COMM_LEN);
	comm[PW_COMM_LEN] = '\0';
	used = append_field(buf, size, used, "comm", comm, COMM_MAX);
	/* The kernel naming the packet's socket is the rule; an owner found
	 * another way (an ICMP error matched by the endpoints it quotes)
	 * says so. */
	if (owner->method != PW_OWNER_EBPF_SOCKET &&
	    owner->method != PW_OWNER_NONE)
		used = append_field(buf, size, used, "method",
				    pw_owner_method_name(owner->method), 16);
	if (proc) {
		used = append_field(buf, size, used, "exe", proc->exe, EXE_MAX);
		used = append_field(buf, size, used, "cmd", proc->cmdline,
				    CMD_MAX);
	}
	return used;
}
