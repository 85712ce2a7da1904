/* pcapng writer (draft-ietf-opsawg-pcapng), little-endian sections.
 *
 * Blocks written (type, then body; every block is framed by its total
 * length before and after, and options end with opt_endofopt):
 *   SHB 0x0a0d0d0a: byte-order magic, version 1.0, section length -1;
 *     shb_hardware (2), shb_os (3), shb_userappl (4), opt_comment (1)
 *   IDB 1: link type, snaplen; if_name (2), if_tsresol (9) = 9, so every
 *     timestamp is in nanoseconds
 *   EPB 6: interface id, timestamp high/low, caplen, original length,
 *     data padded to 4; epb_flags (2), epb_processid_threadid (8: pid u32
 *     then tid u32), opt_comment (1)
 *   ISB 5 at close: interface id, timestamp; isb_ifrecv (4), isb_ifdrop (5)
 * Each block is assembled in w->blk and handed whole to w->out (one
 * write(), or a copy into the output buffer when one is set); an EPB's
 * packet bytes are not copied into w->blk but handed from where they lie,
 * between the block's head and tail. */
#include "sink/pcapng_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "sink/fd_write.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_ISB 5u
#define BT_EPB 6u

#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define EPB_PID_TID 8
#define ISB_IFRECV 4
#define ISB_IFDROP 5

#define COMMENT_MAX 1024
/* Longest text option we write: strings are capped so a block always fits
 * the 16-bit option length. */
#define TEXT_OPT_MAX 4096

struct writer_iface {
	uint32_t snaplen;
	bool has_stats;
	uint64_t received;
	uint64_t dropped;
};

/* The owner comment of the last packet that had one, and what it was
 * made from. Consecutive packets mostly share their owner, and making the
 * text (sanitising comm, exe and cmdline) cost more than the rest of the
 * block. */
struct last_comment {
	bool valid;
	uint32_t pid;
	uint32_t tid;
	uint8_t method;
	char comm[PW_COMM_LEN];
	char *exe;		/* copies; NULL when absent or empty */
	char *cmdline;
	size_t len;
	char text[COMMENT_MAX];
};

struct pw_pcapng_writer {
	struct pw_fd_out out;
	bool failed;		/* a write failed: the file ends mid-block */
	uint64_t written;	/* handed to out, written or waiting */
	uint64_t packets;
	char name[128];
	uint8_t *blk;		/* block being assembled */
	size_t blk_len;
	size_t blk_cap;
	/* Bytes of the block written from elsewhere (an EPB's packet data),
	 * between blk[0, gap_at) and blk[gap_at, blk_len). */
	const uint8_t *gap;
	size_t gap_len;
	size_t gap_at;
	struct last_comment last;
	struct writer_iface *ifaces;
	unsigned n_ifaces;
	unsigned cap_ifaces;
};

static inline uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3u) & ~(size_t)3u);
}

static bool blk_reserve(struct pw_pcapng_writer *w, size_t more)
{
	size_t need = w->blk_len + more, ncap;
	uint8_t *n;

	if (need <= w->blk_cap)
		return true;
	ncap = PW_MAX(need, w->blk_cap * 2);
	n = realloc(w->blk, ncap);
	if (!n)
		return false;
	w->blk = n;
	w->blk_cap = ncap;
	return true;
}

/* The blk_put* helpers write into space reserved by blk_begin. */
static void blk_put32(struct pw_pcapng_writer *w, uint32_t v)
{
	pw_put_le32(w->blk + w->blk_len, v);
	w->blk_len += 4;
}

static void blk_put_padded(struct pw_pcapng_writer *w, const void *p,
			   size_t len)
{
	size_t padded = pad4(len);

	if (len)
		memcpy(w->blk + w->blk_len, p, len);
	memset(w->blk + w->blk_len + len, 0, padded - len);
	w->blk_len += padded;
}

static void blk_put_zeros(struct pw_pcapng_writer *w, size_t n)
{
	memset(w->blk + w->blk_len, 0, n);
	w->blk_len += n;
}

static void blk_opt(struct pw_pcapng_writer *w, uint16_t code,
		    const void *val, size_t len)
{
	pw_put_le16(w->blk + w->blk_len, code);
	pw_put_le16(w->blk + w->blk_len + 2, (uint16_t)len);
	w->blk_len += 4;
	blk_put_padded(w, val, len);
}

static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

static size_t text_len(const char *s)
{
	return s ? PW_MIN(strlen(s), (size_t)TEXT_OPT_MAX) : 0;
}

static void blk_opt_text(struct pw_pcapng_writer *w, uint16_t code,
			 const char *s)
{
	if (s && s[0])
		blk_opt(w, code, s, text_len(s));
}

static void blk_opt_u64(struct pw_pcapng_writer *w, uint16_t code,
			uint64_t v)
{
	uint8_t b[8];

	pw_put_le64(b, v);
	blk_opt(w, code, b, sizeof(b));
}

/* Starts a block with room for `body` bytes of body and options. */
static bool blk_begin(struct pw_pcapng_writer *w, uint32_t type, size_t body,
		      struct pw_error *err)
{
	w->blk_len = 0;
	w->gap = NULL;
	w->gap_len = 0;
	if (!blk_reserve(w, 8 + body + 4 + 4)) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return false;
	}
	blk_put32(w, type);
	blk_put32(w, 0);	/* length, set by blk_finish */
	return true;
}

/* The packet's bytes, from where they lie: the block's length counts
 * them, blk does not hold them. */
static void blk_put_gap(struct pw_pcapng_writer *w, const uint8_t *p,
			size_t len)
{
	w->gap = p;
	w->gap_len = len;
	w->gap_at = w->blk_len;
}

/* Ends the block and writes it; returns 0 or a negative errno (err not
 * set: the caller names the block, see pw_fd_write_error). */
static int blk_write(struct pw_pcapng_writer *w, bool with_opts)
{
	struct iovec iov[3];
	uint32_t len;
	int r;

	if (w->failed)
		return -EIO;
	if (with_opts) {
		pw_put_le32(w->blk + w->blk_len, OPT_END);
		w->blk_len += 4;
	}
	len = (uint32_t)(w->blk_len + w->gap_len + 4);
	pw_put_le32(w->blk + 4, len);
	blk_put32(w, len);
	if (!w->gap_len) {
		iov[0] = (struct iovec){ w->blk, w->blk_len };
		r = pw_fd_out_writev(&w->out, iov, 1);
	} else {
		iov[0] = (struct iovec){ w->blk, w->gap_at };
		iov[1] = (struct iovec){ (void *)w->gap, w->gap_len };
		iov[2] = (struct iovec){ w->blk + w->gap_at,
					 w->blk_len - w->gap_at };
		r = pw_fd_out_writev(&w->out, iov, 3);
	}
	if (r < 0) {
		w->failed = true;
		return r;
	}
	w->written += len;
	return 0;
}

static int blk_finish(struct pw_pcapng_writer *w, bool with_opts,
		      const char *what, struct pw_error *err)
{
	int r;

	if (w->failed)
		return pw_error_set(err, -EIO, "%s: not writing %s after an "
				    "earlier write error", w->name, what);
	r = blk_write(w, with_opts);
	if (r < 0) {
		pw_fd_write_error(err, r, w->name, what);
		return -1;
	}
	return 0;
}

static int write_shb(struct pw_pcapng_writer *w,
		     const struct pw_pcapng_writer_opts *opts,
		     struct pw_error *err)
{
	struct utsname u;
	char os[256] = "", hw[80] = "";
	size_t body;

	if (uname(&u) == 0) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		snprintf(hw, sizeof(hw), "%s", u.machine);
	}
	body = 16 + opt_size(text_len(hw)) + opt_size(text_len(os)) +
	       opt_size(text_len(opts->app)) +
	       opt_size(text_len(opts->comment)) + 4;
	if (!blk_begin(w, BT_SHB, body, err))
		return -1;
	blk_put32(w, 0x1a2b3c4du);
	pw_put_le16(w->blk + w->blk_len, 1);		/* major */
	pw_put_le16(w->blk + w->blk_len + 2, 0);	/* minor */
	w->blk_len += 4;
	pw_put_le64(w->blk + w->blk_len, UINT64_MAX);	/* length unknown */
	w->blk_len += 8;
	blk_opt_text(w, OPT_COMMENT, opts->comment);
	blk_opt_text(w, SHB_HARDWARE, hw);
	blk_opt_text(w, SHB_OS, os);
	blk_opt_text(w, SHB_USERAPPL, opts->app);
	return blk_finish(w, true, "the section header", err);
}

struct pw_pcapng_writer *pw_pcapng_writer_open(int fd,
		const struct pw_pcapng_writer_opts *opts, struct pw_error *err)
{
	static const struct pw_pcapng_writer_opts no_opts;
	struct pw_pcapng_writer *w = calloc(1, sizeof(*w));

	if (!opts)
		opts = &no_opts;
	if (!w) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	pw_fd_out_init(&w->out, fd);
	snprintf(w->name, sizeof(w->name), "%s",
		 !opts->name ? "capture file" :
		 strcmp(opts->name, "-") ? opts->name : "standard output");
	if (write_shb(w, opts, err) < 0) {
		pw_fd_out_free(&w->out);
		free(w->blk);
		free(w);
		return NULL;
	}
	return w;
}

int pw_pcapng_writer_add_iface(struct pw_pcapng_writer *w, uint16_t linktype,
			       uint32_t snaplen, const char *name,
			       struct pw_error *err)
{
	static const uint8_t tsresol_ns = 9;

	if (w->n_ifaces == w->cap_ifaces) {
		unsigned ncap = w->cap_ifaces ? w->cap_ifaces * 2 : 4;
		struct writer_iface *n = realloc(w->ifaces,
						 ncap * sizeof(*n));

		if (!n)
			return pw_error_set(err, -ENOMEM, "out of memory");
		w->ifaces = n;
		w->cap_ifaces = ncap;
	}
	if (!blk_begin(w, BT_IDB, 8 + opt_size(text_len(name)) + opt_size(1) +
		       4, err))
		return -1;
	pw_put_le16(w->blk + w->blk_len, linktype);
	pw_put_le16(w->blk + w->blk_len + 2, 0);
	w->blk_len += 4;
	blk_put32(w, snaplen);
	blk_opt_text(w, IF_NAME, name);
	blk_opt(w, IF_TSRESOL, &tsresol_ns, 1);
	if (blk_finish(w, true, "an interface description", err) < 0)
		return -1;
	memset(&w->ifaces[w->n_ifaces], 0, sizeof(w->ifaces[0]));
	w->ifaces[w->n_ifaces].snaplen = snaplen;
	return (int)w->n_ifaces++;
}

static bool same_text(const char *kept, const char *s)
{
	if (!s || !s[0])
		return !kept;
	return kept && strcmp(kept, s) == 0;
}

static char *keep_text(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

/* The owner comment for pkt, made again only when its owner differs from
 * the last packet's. */
static const char *owner_comment(struct pw_pcapng_writer *w,
				 const struct pw_packet *pkt,
				 const struct pw_pcapng_proc *proc,
				 size_t *len)
{
	struct last_comment *c = &w->last;
	const char *exe = proc ? proc->exe : NULL;
	const char *cmdline = proc ? proc->cmdline : NULL;

	if (c->valid && c->pid == pkt->owner.pid && c->tid == pkt->owner.tid &&
	    c->method == pkt->owner.method &&
	    memcmp(c->comm, pkt->owner.comm, PW_COMM_LEN) == 0 &&
	    same_text(c->exe, exe) && same_text(c->cmdline, cmdline)) {
		*len = c->len;
		return c->text;
	}
	free(c->exe);
	free(c->cmdline);
	c->len = pw_pcapng_owner_comment(c->text, sizeof(c->text),
					 &pkt->owner, proc);
	c->pid = pkt->owner.pid;
	c->tid = pkt->owner.tid;
	c->method = pkt->owner.method;
	memcpy(c->comm, pkt->owner.comm, PW_COMM_LEN);
	c->exe = keep_text(exe);
	c->cmdline = keep_text(cmdline);
	/* Out of memory: the text is right this once, not kept. */
	c->valid = same_text(c->exe, exe) && same_text(c->cmdline, cmdline);
	*len = c->len;
	return c->text;
}

int pw_pcapng_writer_packet(struct pw_pcapng_writer *w, int iface_id,
			    const struct pw_packet *pkt,
			    const struct pw_pcapng_proc *proc,
			    struct pw_error *err)
{
	char comment[COMMENT_MAX];
	const char *text = NULL;
	size_t text_n = 0, body;
	uint32_t caplen = pkt->caplen, flags;
	char what[48];
	int r;

	if (iface_id < 0 || (unsigned)iface_id >= w->n_ifaces)
		return pw_error_set(err, -EINVAL, "%s: packet for interface "
				    "%d, which was not declared", w->name,
				    iface_id);
	if (w->failed)
		return pw_error_set(err, -EIO, "%s: not writing packet %" PRIu64
				    " after an earlier write error", w->name,
				    w->packets + 1);
	if (w->ifaces[iface_id].snaplen && caplen > w->ifaces[iface_id].snaplen)
		caplen = w->ifaces[iface_id].snaplen;
	if (pkt->has_owner && (proc || !pkt->comment)) {
		text = owner_comment(w, pkt, proc, &text_n);
	} else if (pkt->comment) {
		text_n = pw_sanitize_utf8(comment, sizeof(comment),
					  pkt->comment, sizeof(comment) - 1,
					  NULL);
		text = comment;
	}
	body = 20 + (pad4(caplen) - caplen) + opt_size(4) + opt_size(8) +
	       opt_size(text_n) + 4;
	if (!blk_begin(w, BT_EPB, body, err))
		return -1;
	blk_put32(w, (uint32_t)iface_id);
	blk_put32(w, (uint32_t)(pkt->ts_ns >> 32));
	blk_put32(w, (uint32_t)pkt->ts_ns);
	blk_put32(w, caplen);
	blk_put32(w, pkt->wirelen);
	blk_put_gap(w, pkt->data, caplen);
	blk_put_zeros(w, pad4(caplen) - caplen);
	if (pkt->dir == PW_DIR_IN || pkt->dir == PW_DIR_OUT) {
		uint8_t b[4];

		flags = pkt->dir;	/* bits 0-1: 01 inbound, 10 outbound */
		pw_put_le32(b, flags);
		blk_opt(w, EPB_FLAGS, b, 4);
	}
	if (pkt->has_owner) {
		uint8_t b[8];

		pw_put_le32(b, pkt->owner.pid);
		pw_put_le32(b + 4, pkt->owner.tid);
		blk_opt(w, EPB_PID_TID, b, 8);
	}
	if (text && text_n)
		blk_opt(w, OPT_COMMENT, text, text_n);
	r = blk_write(w, true);
	if (r < 0) {
		/* Named only now, not with a snprintf per packet for a
		 * message that almost never comes. */
		snprintf(what, sizeof(what), "packet %" PRIu64,
			 w->packets + 1);
		pw_fd_write_error(err, r, w->name, what);
		return -1;
	}
	w->packets++;
	return 0;
}

void pw_pcapng_writer_set_stats(struct pw_pcapng_writer *w, int iface_id,
				uint64_t received, uint64_t dropped)
{
	if (iface_id < 0 || (unsigned)iface_id >= w->n_ifaces)
		return;
	w->ifaces[iface_id].has_stats = true;
	w->ifaces[iface_id].received = received;
	w->ifaces[iface_id].dropped = dropped;
}

uint64_t pw_pcapng_writer_bytes(const struct pw_pcapng_writer *w)
{
	return w->written;
}

int pw_pcapng_writer_set_buffer(struct pw_pcapng_writer *w, size_t bytes,
				struct pw_error *err)
{
	return pw_fd_out_set_buffer_named(&w->out, bytes, &w->failed, w->name,
					  err);
}

int pw_pcapng_writer_flush(struct pw_pcapng_writer *w, struct pw_error *err)
{
	return pw_fd_out_flush_named(&w->out, &w->failed, w->name, err);
}

static int write_isb(struct pw_pcapng_writer *w, unsigned id,
		     struct pw_error *err)
{
	struct timespec now;
	uint64_t ts;

	clock_gettime(CLOCK_REALTIME, &now);
	ts = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	if (!blk_begin(w, BT_ISB, 12 + 2 * opt_size(8) + 4, err))
		return -1;
	blk_put32(w, id);
	blk_put32(w, (uint32_t)(ts >> 32));
	blk_put32(w, (uint32_t)ts);
	blk_opt_u64(w, ISB_IFRECV, w->ifaces[id].received);
	blk_opt_u64(w, ISB_IFDROP, w->ifaces[id].dropped);
	return blk_finish(w, true, "interface statistics", err);
}

int pw_pcapng_writer_close(struct pw_pcapng_writer *w, bool close_fd,
			   struct pw_error *err)
{
	int ret = 0;
	unsigned i;

	if (!w)
		return 0;
	/* What waits goes first, then the statistics unbuffered: a failed
	 * flush is named as the packets', and no block waits after this. */
	if (!w->failed)
		ret = pw_pcapng_writer_flush(w, err);
	pw_fd_out_free(&w->out);
	for (i = 0; i < w->n_ifaces && ret == 0 && !w->failed; i++)
		if (w->ifaces[i].has_stats)
			ret = write_isb(w, i, err);
	if (close_fd && close(w->out.fd) < 0 && ret == 0)
		ret = pw_error_set(err, -errno, "cannot close %s: %s",
				   w->name, strerror(errno));
	free(w->blk);
	free(w->last.exe);
	free(w->last.cmdline);
	free(w->ifaces);
	free(w);
	return ret;
}
