/* Classic pcap writer, little-endian, nanosecond magic a1b23c4d.
 *
 * File header: magic, version 2.4, thiszone 0, sigfigs 0, snaplen,
 * link type. Record: ts_sec, ts_nsec, caplen, wirelen, then the bytes.
 * ts_sec is 32 bits: times after 2106 do not fit the format. A record is
 * handed whole to w->out (one writev(), or a copy into the output buffer
 * when one is set): the header, then the packet's bytes from where they
 * lie (not copied into a record buffer first). */
#include "sink/pcap_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/bytes.h"
#include "sink/fd_write.h"

#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16
#define DEFAULT_SNAPLEN 262144

struct pw_pcap_writer {
	struct pw_fd_out out;
	bool failed;
	uint16_t linktype;
	uint32_t snaplen;
	uint64_t written;	/* handed to out, written or waiting */
	uint64_t packets;
	char name[128];
};

struct pw_pcap_writer *pw_pcap_writer_open(int fd, uint16_t linktype,
					   uint32_t snaplen, const char *name,
					   struct pw_error *err)
{
	struct pw_pcap_writer *w = calloc(1, sizeof(*w));
	uint8_t h[PCAP_FILE_HDR];

	if (!w) {
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	pw_fd_out_init(&w->out, fd);
	w->linktype = linktype;
	w->snaplen = snaplen ? snaplen : DEFAULT_SNAPLEN;
	snprintf(w->name, sizeof(w->name), "%s",
		 !name ? "capture file" :
		 strcmp(name, "-") ? name : "standard output");
	pw_put_le32(h, 0xa1b23c4du);
	pw_put_le16(h + 4, 2);
	pw_put_le16(h + 6, 4);
	pw_put_le32(h + 8, 0);
	pw_put_le32(h + 12, 0);
	pw_put_le32(h + 16, w->snaplen);
	pw_put_le32(h + 20, linktype);
	if (pw_fd_write_all(fd, h, sizeof(h), w->name, "the file header",
			    err) < 0) {
		free(w);
		return NULL;
	}
	w->written = sizeof(h);
	return w;
}

int pw_pcap_writer_packet(struct pw_pcap_writer *w,
			  const struct pw_packet *pkt, struct pw_error *err)
{
	uint32_t caplen = PW_MIN(pkt->caplen, w->snaplen);
	uint8_t h[PCAP_REC_HDR];
	struct iovec iov[2] = {
		{ h, sizeof(h) }, { (void *)pkt->data, caplen },
	};
	char what[48];
	int r;

	if (w->failed)
		return pw_error_set(err, -EIO, "%s: not writing after an "
				    "earlier write error", w->name);
	if (pkt->linktype != w->linktype)
		return pw_error_set(err, -EINVAL, "%s: a pcap file holds one "
				    "link type (%u); packet %" PRIu64 " has "
				    "link type %u", w->name, w->linktype,
				    pkt->number, pkt->linktype);
	pw_put_le32(h, (uint32_t)(pkt->ts_ns / 1000000000u));
	pw_put_le32(h + 4, (uint32_t)(pkt->ts_ns % 1000000000u));
	pw_put_le32(h + 8, caplen);
	pw_put_le32(h + 12, pkt->wirelen);
	r = pw_fd_out_writev(&w->out, iov, 2);
	if (r < 0) {
		w->failed = true;
		/* Named only now, not with a snprintf per packet. */
		snprintf(what, sizeof(what), "packet %" PRIu64,
			 w->packets + 1);
		pw_fd_write_error(err, r, w->name, what);
		return -1;
	}
	w->written += sizeof(h) + caplen;
	w->packets++;
	return 0;
}

uint64_t pw_pcap_writer_bytes(const struct pw_pcap_writer *w)
{
	return w->written;
}

int pw_pcap_writer_set_buffer(struct pw_pcap_writer *w, size_t bytes,
			      struct pw_error *err)
{
	return pw_fd_out_set_buffer_named(&w->out, bytes, &w->failed, w->name,
					  err);
}

int pw_pcap_writer_flush(struct pw_pcap_writer *w, struct pw_error *err)
{
	return pw_fd_out_flush_named(&w->out, &w->failed, w->name, err);
}

int pw_pcap_writer_close(struct pw_pcap_writer *w, bool close_fd,
			 struct pw_error *err)
{
	int ret = 0;

	if (!w)
		return 0;
	if (!w->failed)
		ret = pw_pcap_writer_flush(w, err);
	pw_fd_out_free(&w->out);
	if (close_fd && close(w->out.fd) < 0 && ret == 0)
		ret = pw_error_set(err, -errno, "cannot close %s: %s",
				   w->name, strerror(errno));
	free(w);
	return ret;
}
