/* Bounded out-of-order reassembly of a message at the start of a stream. */
#include <stdlib.h>
#include <string.h>

#include "l7/tls/reasm.h"
#include "l7/tls/tls.h"

#define GROW_MIN 2048

void pw_reasm_init(struct pw_reasm *r, size_t cap, pw_reasm_need_fn need)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap ? cap : PW_REASM_DEFAULT_CAP;
	r->need_fn = need;
}

void pw_reasm_init_buf(struct pw_reasm *r, uint8_t *buf, size_t cap,
		       pw_reasm_need_fn need)
{
	pw_reasm_init(r, cap, need);
	r->cap = cap;
	r->buf = buf;
	r->size = cap;
}

void pw_reasm_free(struct pw_reasm *r)
{
	if (r->own_buf)
		free(r->buf);
	r->buf = NULL;
	r->size = 0;
	r->own_buf = false;
	pw_reasm_reset(r);
}

void pw_reasm_reset(struct pw_reasm *r)
{
	r->need = 0;
	r->status = PW_REASM_NEED_MORE;
	r->n_ranges = 0;
	r->dropped = 0;
}

size_t pw_reasm_contiguous(const struct pw_reasm *r)
{
	if (r->n_ranges && r->ranges[0].start == 0)
		return r->ranges[0].end;
	return 0;
}

static bool grow(struct pw_reasm *r, size_t end)
{
	size_t size;
	uint8_t *nb;

	if (end <= r->size)
		return true;
	if (r->buf && !r->own_buf)
		return false;	/* caller's buffer is cap long already */
	size = r->size * 2;
	if (size < GROW_MIN)
		size = GROW_MIN;
	if (size < end)
		size = end;
	if (size > r->cap)
		size = r->cap;
	nb = realloc(r->buf, size);
	if (!nb)
		return false;
	r->buf = nb;
	r->size = size;
	r->own_buf = true;
	return true;
}

/* Merges [start, end) into the sorted range list as out[]; returns the
 * resulting count, or PW_REASM_MAX_RANGES + 1 when it would not fit. */
static unsigned merge_ranges(const struct pw_reasm *r, size_t start,
			     size_t end,
			     struct pw_reasm_range out[PW_REASM_MAX_RANGES])
{
	struct pw_reasm_range cur;
	unsigned i = 0, n = 0;
	bool placed = false;

	while (i < r->n_ranges || !placed) {
		if (!placed && (i == r->n_ranges ||
				start < r->ranges[i].start)) {
			cur.start = start;
			cur.end = end;
			placed = true;
		} else {
			cur = r->ranges[i++];
		}
		if (n && cur.start <= out[n - 1].end) {
			if (cur.end > out[n - 1].end)
				out[n - 1].end = cur.end;
			continue;
		}
		if (n == PW_REASM_MAX_RANGES)
			return n + 1;
		out[n++] = cur;
	}
	return n;
}

/* Copies the bytes of [start, end) that no earlier piece covered. */
static void fill_holes(struct pw_reasm *r, size_t start, size_t end,
		       const uint8_t *data)
{
	size_t pos = start;
	unsigned i;

	for (i = 0; i < r->n_ranges && pos < end; i++) {
		const struct pw_reasm_range *rg = &r->ranges[i];

		if (rg->end <= pos)
			continue;
		if (rg->start >= end)
			break;
		if (rg->start > pos)
			memcpy(r->buf + pos, data + (pos - start),
			       rg->start - pos);
		pos = rg->end;
	}
	if (pos < end)
		memcpy(r->buf + pos, data + (pos - start), end - pos);
}

static enum pw_reasm_status evaluate(struct pw_reasm *r)
{
	size_t have = pw_reasm_contiguous(r), need;

	need = have ? r->need_fn(r->buf, have) : PW_REASM_NEED_UNKNOWN;
	if (need == PW_REASM_NEED_NONE)
		return r->status = PW_REASM_NOT_MSG;
	r->need = need;
	if (need == PW_REASM_NEED_UNKNOWN)
		r->status = have >= r->cap ? PW_REASM_OVERFLOW
					   : PW_REASM_NEED_MORE;
	else if (need > r->cap)
		r->status = PW_REASM_OVERFLOW;
	else if (have >= need)
		r->status = PW_REASM_COMPLETE;
	else
		r->status = PW_REASM_NEED_MORE;
	return r->status;
}

enum pw_reasm_status pw_reasm_feed(struct pw_reasm *r, int64_t off,
				   const uint8_t *data, size_t len)
{
	struct pw_reasm_range merged[PW_REASM_MAX_RANGES];
	size_t start, end;
	unsigned n;

	if (r->status == PW_REASM_NOT_MSG || r->status == PW_REASM_NOMEM)
		return r->status;
	if (off < 0) {
		if ((uint64_t)-off >= len)
			return r->status;
		data += (size_t)-off;
		len -= (size_t)-off;
		off = 0;
	}
	if (!len)
		return r->status;
	if ((uint64_t)off >= r->cap) {
		r->dropped += len;
		return evaluate(r);
	}
	start = (size_t)off;
	end = len > r->cap - start ? r->cap : start + len;
	r->dropped += len - (end - start);
	n = merge_ranges(r, start, end, merged);
	if (n > PW_REASM_MAX_RANGES) {
		r->dropped += end - start;	/* like a lost segment */
		return evaluate(r);
	}
	if (!grow(r, end))
		return r->status = PW_REASM_NOMEM;
	fill_holes(r, start, end, data);
	memcpy(r->ranges, merged, n * sizeof(merged[0]));
	r->n_ranges = n;
	return evaluate(r);
}

enum pw_reasm_status pw_reasm_feed_tcp(struct pw_reasm *r, uint32_t rseq,
				       const uint8_t *data, size_t len)
{
	return pw_reasm_feed(r, (int64_t)(int32_t)rseq, data, len);
}

size_t pw_reasm_need_tls_record(const uint8_t *p, size_t n)
{
	size_t need = pw_tls_record_need(p, n);

	return need == PW_TLS_NONE ? PW_REASM_NEED_NONE : need;
}

size_t pw_reasm_need_tls_handshake(const uint8_t *p, size_t n)
{
	size_t need = pw_tls_handshake_need(p, n);

	return need == PW_TLS_NONE ? PW_REASM_NEED_NONE : need;
}

/* A request line starts with a method token (upper-case letters) and a
 * space; the headers end at the first empty line (CRLF CRLF, or a bare
 * LF LF that some clients send). */
size_t pw_reasm_need_http_request(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 20; i++) {
		if (p[i] == ' ')
			break;
		if (p[i] < 'A' || p[i] > 'Z')
			return PW_REASM_NEED_NONE;
	}
	if (i == n)
		return PW_REASM_NEED_UNKNOWN;
	if (i == 0 || i == 20)
		return PW_REASM_NEED_NONE;
	for (i = 1; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return PW_REASM_NEED_UNKNOWN;
}

const char *pw_reasm_status_name(enum pw_reasm_status st)
{
	switch (st) {
	case PW_REASM_NEED_MORE: return "need-more";
	case PW_REASM_COMPLETE: return "complete";
	case PW_REASM_OVERFLOW: return "overflow";
	case PW_REASM_NOT_MSG: return "not-message";
	case PW_REASM_NOMEM: return "no-memory";
	}
	return "?";
}
