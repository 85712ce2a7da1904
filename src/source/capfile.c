/* Capture file reader: input buffering, format detection, interfaces. */
#include "source/capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/capfile_priv.h"

/* Magic numbers as the first four bytes read big-endian. */
#define MAGIC_PCAP_US 0xa1b2c3d4u
#define MAGIC_PCAP_US_SWAPPED 0xd4c3b2a1u
#define MAGIC_PCAP_NS 0xa1b23c4du
#define MAGIC_PCAP_NS_SWAPPED 0x4d3cb2a1u
#define MAGIC_PCAP_KUZNETZOV 0xa1b2cd34u
#define MAGIC_PCAP_KUZNETZOV_SWAPPED 0x34cdb2a1u
#define MAGIC_PCAPNG_SHB 0x0a0d0d0au

static size_t input_read(struct pw_capfile *cf, size_t want)
{
	ssize_t n;
	size_t room = cf->cap - cf->end;

	if (cf->fp) {
		/* fread blocks until it has everything asked for: ask for
		 * only what the record needs unless the file is regular. */
		size_t got = fread(cf->buf + cf->end, 1,
				   cf->fp_regular ? room : PW_MIN(want, room),
				   cf->fp);

		if (got == 0) {
			if (ferror(cf->fp))
				cf->read_errno = errno ? errno : EIO;
			else
				cf->eof = true;
		}
		return got;
	}
	do
		n = read(cf->fd, cf->buf + cf->end, room);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		cf->read_errno = errno;
		return 0;
	}
	if (n == 0)
		cf->eof = true;
	return (size_t)n;
}

static bool buf_resize(struct pw_capfile *cf, size_t ncap)
{
	uint8_t *nbuf = realloc(cf->buf, ncap);

	if (!nbuf)
		return false;
	cf->buf = nbuf;
	cf->data = nbuf;
	cf->cap = ncap;
	return true;
}

size_t capfile_fill(struct pw_capfile *cf, size_t need)
{
	size_t avail = capfile_avail(cf);

	if (avail >= need || !cf->buf)
		return avail;
	if (need > cf->cap - cf->pos) {
		/* A long input: larger reads from now on (failure to grow is
		 * harmless). */
		if (cf->cap < CAPFILE_BUF_SIZE && !cf->eof)
			buf_resize(cf, PW_MIN((size_t)cf->cap * 4,
					      (size_t)CAPFILE_BUF_SIZE));
		/* Keep the unread tail: move it to the front. */
		memmove(cf->buf, cf->buf + cf->pos, avail);
		cf->base += cf->pos;
		cf->end = avail;
		cf->pos = 0;
	}
	while (cf->end - cf->pos < need && !cf->eof && !cf->read_errno) {
		if (cf->end == cf->cap) {
			/* A record larger than the buffer: grow it, only as
			 * far as data actually arrives. Callers check need
			 * against CAPFILE_MAX_RECORD first. */
			size_t ncap = cf->cap * 2;

			if (ncap < cf->cap || ncap > CAPFILE_MAX_RECORD * 2)
				break;
			if (!buf_resize(cf, ncap)) {
				cf->read_errno = ENOMEM;
				break;
			}
		}
		cf->end += input_read(cf, need - (cf->end - cf->pos));
	}
	return capfile_avail(cf);
}

int capfile_short_read(struct pw_capfile *cf, const char *what, uint64_t off,
		       uint64_t need, struct pw_error *err)
{
	uint64_t have = cf->base + cf->end - off;

	if (cf->read_errno)
		pw_error_at(err, -cf->read_errno, cf->base + cf->end,
			    "%s: read error at byte offset %" PRIu64 ": %s",
			    cf->name, cf->base + cf->end,
			    strerror(cf->read_errno));
	else
		pw_error_at(err, -EINVAL, off,
			    "%s at byte offset %" PRIu64 ": truncated: needs %"
			    PRIu64 " bytes but the file ends after %" PRIu64
			    " bytes", what, off, need, have);
	return -1;
}

struct capfile_iface *capfile_add_iface(struct pw_capfile *cf,
					struct pw_error *err)
{
	struct capfile_iface *ifc;

	if (cf->n_ifaces == cf->cap_ifaces) {
		unsigned ncap = cf->cap_ifaces ? cf->cap_ifaces * 2 : 4;
		struct capfile_iface *n;

		/* A file declaring a million interfaces is an attack on
		 * memory, not a capture. */
		if (ncap > 65536) {
			pw_error_at(err, -EINVAL, capfile_off(cf),
				    "pcapng block at byte offset %" PRIu64
				    ": more than 65536 interfaces",
				    capfile_off(cf));
			return NULL;
		}
		n = realloc(cf->ifaces, ncap * sizeof(*n));
		if (!n) {
			pw_error_set(err, -ENOMEM, "out of memory");
			return NULL;
		}
		cf->ifaces = n;
		cf->cap_ifaces = ncap;
	}
	ifc = &cf->ifaces[cf->n_ifaces++];
	memset(ifc, 0, sizeof(*ifc));
	capfile_iface_set_tsresol(ifc, 6);
	return ifc;
}

bool capfile_iface_set_tsresol(struct capfile_iface *ifc, uint8_t v)
{
	unsigned k = v & 0x7f;
	uint64_t p = 1;
	unsigned i;

	if (v & 0x80) {
		if (k > 63)
			return false;
		ifc->ts_kind = CAPFILE_TS_POW2;
		ifc->ts_shift = (uint8_t)k;
		ifc->pub.ts_units_per_sec = (uint64_t)1 << k;
		return true;
	}
	if (k > 19)	/* 10^20 does not fit in 64 bits */
		return false;
	for (i = 0; i < k; i++)
		p *= 10;
	ifc->pub.ts_units_per_sec = p;
	if (k <= 9) {
		ifc->ts_kind = CAPFILE_TS_POW10_LE9;
		ifc->ts_factor = 1000000000u / p;
	} else {
		ifc->ts_kind = CAPFILE_TS_POW10_GT9;
		ifc->ts_factor = p / 1000000000u;
	}
	return true;
}

bool capfile_add_comment(struct pw_capfile *cf, const uint8_t *s, size_t len)
{
	size_t used = 0, need;
	const uint8_t *nul = memchr(s, 0, len);

	if (nul)
		len = (size_t)(nul - s);
	if (cf->comment && cf->comment[0])
		used = strlen(cf->comment) + 1;	/* room for the newline */
	need = used + len + 1;
	if (need > cf->comment_cap) {
		char *n = realloc(cf->comment, need);

		if (!n)
			return false;
		cf->comment = n;
		cf->comment_cap = need;
	}
	if (used)
		cf->comment[used - 1] = '\n';
	memcpy(cf->comment + used, s, len);
	cf->comment[used + len] = '\0';
	return true;
}

static int detect_format(struct pw_capfile *cf, struct pw_error *err)
{
	size_t n = capfile_fill(cf, 4);
	const uint8_t *p;
	uint32_t magic;

	if (n < 4) {
		if (cf->read_errno)
			return capfile_short_read(cf, "file header", 0, 4, err);
		if (n == 0)
			return pw_error_set(err, -EINVAL,
					    "%s: empty file (0 bytes), not a "
					    "capture file", cf->name);
		return pw_error_set(err, -EINVAL,
				    "%s: only %zu bytes, too short to be a "
				    "capture file", cf->name, n);
	}
	p = cf->data + cf->pos;
	magic = pw_get_be32(p);
	switch (magic) {
	case MAGIC_PCAP_US:
	case MAGIC_PCAP_US_SWAPPED:
	case MAGIC_PCAP_NS:
	case MAGIC_PCAP_NS_SWAPPED:
		cf->format = PW_CAPFILE_PCAP;
		return capfile_pcap_open(cf, err);
	case MAGIC_PCAPNG_SHB:
		cf->format = PW_CAPFILE_PCAPNG;
		return capfile_pcapng_open(cf, err);
	case MAGIC_PCAP_KUZNETZOV:
	case MAGIC_PCAP_KUZNETZOV_SWAPPED:
		return pw_error_set(err, -EINVAL,
				    "%s: modified (Kuznetzov) pcap format is "
				    "not supported; convert it with editcap "
				    "-F pcap", cf->name);
	}
	if (p[0] == 0x1f && p[1] == 0x8b)
		return pw_error_set(err, -EINVAL,
				    "%s: not a pcap or pcapng file but "
				    "gzip-compressed data (first bytes 1f 8b "
				    "%02x %02x); uncompress it first",
				    cf->name, p[2], p[3]);
	return pw_error_set(err, -EINVAL,
			    "%s: not a pcap or pcapng file (first bytes "
			    "%02x %02x %02x %02x)", cf->name,
			    p[0], p[1], p[2], p[3]);
}

static struct pw_capfile *capfile_new(const char *name, bool owned_buf,
				      struct pw_error *err)
{
	struct pw_capfile *cf = calloc(1, sizeof(*cf));

	if (!cf)
		goto fail;
	cf->fd = -1;
	snprintf(cf->name, sizeof(cf->name), "%s", name);
	if (owned_buf) {
		cf->buf = malloc(CAPFILE_BUF_START);
		if (!cf->buf)
			goto fail;
		cf->data = cf->buf;
		cf->cap = CAPFILE_BUF_START;
	}
	return cf;
fail:
	free(cf);
	pw_error_set(err, -ENOMEM, "out of memory");
	return NULL;
}

static struct pw_capfile *capfile_start(struct pw_capfile *cf,
					struct pw_error *err)
{
	if (detect_format(cf, err) < 0) {
		pw_capfile_close(cf);
		return NULL;
	}
	return cf;
}

struct pw_capfile *pw_capfile_open(const char *path, struct pw_error *err)
{
	struct pw_capfile *cf;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = 0;

	if (!is_stdin) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			pw_error_set(err, -errno, "cannot open %s: %s", path,
				     strerror(errno));
			return NULL;
		}
	}
	cf = capfile_new(is_stdin ? "standard input" : path, true, err);
	if (!cf) {
		if (!is_stdin)
			close(fd);
		return NULL;
	}
	cf->fd = fd;
	cf->close_fd = !is_stdin;
	/* Sequential reads of a large file: ask for aggressive readahead.
	 * Fails harmlessly on pipes. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return capfile_start(cf, err);
}

struct pw_capfile *pw_capfile_open_stream(FILE *fp, const char *name,
					  struct pw_error *err)
{
	struct pw_capfile *cf = capfile_new(name ? name : "stream", true, err);
	struct stat st;

	if (!cf)
		return NULL;
	cf->fp = fp;
	cf->fp_regular = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
	return capfile_start(cf, err);
}

struct pw_capfile *pw_capfile_open_mem(const uint8_t *buf, size_t len,
				       struct pw_error *err)
{
	struct pw_capfile *cf = capfile_new("memory", false, err);

	if (!cf)
		return NULL;
	cf->data = buf;
	cf->end = len;
	cf->eof = true;
	return capfile_start(cf, err);
}

int pw_capfile_next(struct pw_capfile *cf, struct pw_packet *pkt,
		    struct pw_error *err)
{
	int r;

	if (cf->format == PW_CAPFILE_PCAP)
		r = capfile_pcap_next(cf, pkt, err);
	else
		r = capfile_pcapng_next(cf, pkt, err);
	return r < 0 ? -1 : r;
}

enum pw_capfile_format pw_capfile_format(const struct pw_capfile *cf)
{
	return cf->format;
}

unsigned pw_capfile_iface_count(const struct pw_capfile *cf)
{
	return cf->n_ifaces;
}

const struct pw_capfile_iface *pw_capfile_iface(const struct pw_capfile *cf,
						unsigned idx)
{
	return idx < cf->n_ifaces ? &cf->ifaces[idx].pub : NULL;
}

uint64_t pw_capfile_offset(const struct pw_capfile *cf)
{
	return capfile_off(cf);
}

void pw_capfile_close(struct pw_capfile *cf)
{
	if (!cf)
		return;
	if (cf->close_fd)
		close(cf->fd);
	free(cf->buf);
	free(cf->ifaces);
	free(cf->comment);
	free(cf);
}
