#include "owner/procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Unsigned decimal at *p (within end); advances *p. */
static bool parse_u64(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || !isdigit((unsigned char)*s))
		return false;
	while (s < end && isdigit((unsigned char)*s)) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

bool pw_procfs_parse_stat(const char *buf, size_t len,
			  struct pw_proc_stat *out)
{
	const char *end = buf + len, *p = buf, *open, *close = NULL, *q;
	uint64_t v;
	size_t n;
	int field;

	memset(out, 0, sizeof(*out));
	if (!parse_u64(&p, end, &v) || v > UINT32_MAX)
		return false;
	out->pid = (uint32_t)v;
	if (end - p < 2 || p[0] != ' ' || p[1] != '(')
		return false;
	open = p + 2;
	for (q = open; q < end; q++)
		if (*q == ')')
			close = q;
	if (!close)
		return false;
	n = (size_t)(close - open);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open, n);
	out->comm[n] = 0;
	p = close + 1;
	/* Field 3 is the state; fields are single-space separated. */
	if (end - p < 3 || p[0] != ' ')
		return false;
	out->state = p[1];
	p += 2;
	for (field = 4; field <= 22; field++) {
		if (p >= end || *p != ' ')
			return false;
		p++;
		/* Some fields may be negative (priority, nice). */
		if (p < end && *p == '-')
			p++;
		if (!parse_u64(&p, end, &v))
			return false;
		if (field == 4) {
			if (v > UINT32_MAX)
				return false;
			out->ppid = (uint32_t)v;
		} else if (field == 22) {
			out->start_ticks = v;
		}
	}
	return true;
}

/* "prefix:[N]" with N decimal. */
static bool parse_bracket_link(const char *link, const char *prefix,
			       uint64_t *out)
{
	size_t plen = strlen(prefix);
	const char *p, *end;

	if (strncmp(link, prefix, plen) || link[plen] != '[')
		return false;
	p = link + plen + 1;
	end = p + strlen(p);
	if (!parse_u64(&p, end, out))
		return false;
	return p + 1 == end && *p == ']';
}

bool pw_procfs_parse_socket_link(const char *link, uint64_t *inode)
{
	return parse_bracket_link(link, "socket:", inode);
}

bool pw_procfs_parse_ns_link(const char *link, uint32_t *inode)
{
	const char *colon = strchr(link, ':');
	char prefix[32];
	uint64_t v;
	size_t n;

	if (!colon)
		return false;
	n = (size_t)(colon - link) + 1;
	if (n >= sizeof(prefix))
		return false;
	memcpy(prefix, link, n);
	prefix[n] = 0;
	if (!parse_bracket_link(link, prefix, &v) || v > UINT32_MAX)
		return false;
	*inode = (uint32_t)v;
	return true;
}

/* Start of the line after p, or end. */
static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

bool pw_procfs_parse_status_uid(const char *buf, size_t len, uint32_t *uid)
{
	const char *p = buf, *end = buf + len;
	uint64_t v;

	while (p < end) {
		if ((size_t)(end - p) > 4 && !memcmp(p, "Uid:", 4)) {
			p += 4;
			while (p < end && (*p == '\t' || *p == ' '))
				p++;
			if (!parse_u64(&p, end, &v) || v > UINT32_MAX)
				return false;
			*uid = (uint32_t)v;
			return true;
		}
		p = next_line(p, end);
	}
	return false;
}

static void copy_span(char *dst, size_t size, const char *s, size_t n)
{
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

bool pw_procfs_parse_cgroup(const char *buf, size_t len, char *path,
			    size_t path_size)
{
	const char *p = buf, *end = buf + len, *fallback = NULL;
	size_t fallback_len = 0;

	if (path_size)
		path[0] = 0;
	/* Lines are "ID:CONTROLLERS:PATH". */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *c1, *c2;

		if (!eol)
			eol = end;
		c1 = memchr(p, ':', (size_t)(eol - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (c2) {
			const char *cg = c2 + 1;
			size_t n = (size_t)(eol - cg);

			if (c1 - p == 1 && *p == '0' && c2 == c1 + 1) {
				copy_span(path, path_size, cg, n);
				return true;
			}
			if (!fallback && !(n == 1 && *cg == '/')) {
				fallback = cg;
				fallback_len = n;
			}
		}
		p = eol < end ? eol + 1 : end;
	}
	if (fallback) {
		copy_span(path, path_size, fallback, fallback_len);
		return true;
	}
	return false;
}

bool pw_procfs_container_id(const char *cgroup_path, char *id,
			    size_t id_size)
{
	const char *p = cgroup_path;
	size_t run = 0;

	for (;; p++) {
		if (*p && isxdigit((unsigned char)*p) &&
		    !isupper((unsigned char)*p)) {
			run++;
			continue;
		}
		if (run == 64) {
			copy_span(id, id_size, p - 64, 64);
			return true;
		}
		run = 0;
		if (!*p)
			break;
	}
	if (id_size)
		id[0] = 0;
	return false;
}

void pw_procfs_join_args(const char *args, size_t len, char *out,
			 size_t out_size)
{
	size_t i, o = 0;

	if (!out_size)
		return;
	while (len && args[len - 1] == 0)
		len--;
	for (i = 0; i < len && o + 1 < out_size; i++) {
		unsigned char c = (unsigned char)args[i];

		if (c == 0)
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		out[o++] = (char)c;
	}
	out[o] = 0;
}

uint64_t pw_procfs_tick_ns(void)
{
	static uint64_t tick;
	long hz;

	if (!tick) {
		hz = sysconf(_SC_CLK_TCK);
		tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
	}
	return tick;
}

long pw_procfs_read(uint32_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	size_t got = 0;
	long ret;
	int fd;

	if (!size)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	ret = (long)got;
out:
	buf[got] = 0;
	close(fd);
	return ret;
}

long pw_procfs_readlink(uint32_t pid, const char *name, char *buf,
			size_t size)
{
	char path[80];
	ssize_t n;

	if (!size)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	n = readlink(path, buf, size - 1);
	if (n < 0) {
		buf[0] = 0;
		return -errno;
	}
	buf[n] = 0;
	return n;
}

bool pw_procfs_read_stat(uint32_t pid, struct pw_proc_stat *st,
			 uint32_t *uid)
{
	char buf[1024];
	long n;

	n = pw_procfs_read(pid, "stat", buf, sizeof(buf));
	if (n <= 0 || !pw_procfs_parse_stat(buf, (size_t)n, st))
		return false;
	n = pw_procfs_read(pid, "status", buf, sizeof(buf));
	if (n <= 0 || !pw_procfs_parse_status_uid(buf, (size_t)n, uid))
		*uid = 0;
	return true;
}
