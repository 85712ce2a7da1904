#include "core/filter.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/link.h"

/* Link types met in one run are few; a small table beats a map. */
#define FILTER_MAX_LINKTYPES 8

struct filter_prog {
	uint16_t linktype;
	bool usable;		/* false: expression invalid for this type */
	struct bpf_program prog;
};

struct pw_filter {
	char *expr;
	unsigned n;
	struct filter_prog progs[FILTER_MAX_LINKTYPES];
};

/* Snap length large enough for any packet we read: the compiled program
 * only uses it to bound its return value. */
#define FILTER_SNAPLEN 262144

/* libpcap compiles for a DLT_ value, while files and our own packets carry
 * LINKTYPE_ values. They are equal except for a few historical types; of
 * those we meet only raw IP (LINKTYPE_RAW 101, DLT_RAW 12 or 14), which is
 * what every live capture produces. */
static int dlt_of_linktype(uint16_t linktype)
{
	return linktype == PW_LINKTYPE_RAW ? DLT_RAW : linktype;
}

static int filter_compile(const char *expr, uint16_t linktype,
			  struct bpf_program *prog, struct pw_error *err)
{
	pcap_t *p = pcap_open_dead(dlt_of_linktype(linktype), FILTER_SNAPLEN);
	int ret = -1;

	if (!p) {
		pw_error_set(err, -ENOMEM, "cannot set up libpcap");
		return -1;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		pw_error_set(err, -EINVAL, "filter \"%s\" for %s links: %s",
			     expr, pw_link_name(linktype), pcap_geterr(p));
		goto out;
	}
	ret = 0;
out:
	pcap_close(p);
	return ret;
}

struct pw_filter *pw_filter_new(const char *expr, struct pw_error *err)
{
	struct pw_filter *f;

	f = calloc(1, sizeof(*f));
	if (!f || !(f->expr = strdup(expr))) {
		free(f);
		pw_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	/* Compile for Ethernet now: syntax errors surface before reading. */
	f->progs[0].linktype = PW_LINKTYPE_ETHERNET;
	if (filter_compile(expr, PW_LINKTYPE_ETHERNET, &f->progs[0].prog,
			   err) < 0) {
		pw_filter_free(f);
		return NULL;
	}
	f->progs[0].usable = true;
	f->n = 1;
	return f;
}

void pw_filter_free(struct pw_filter *f)
{
	unsigned i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		if (f->progs[i].usable)
			pcap_freecode(&f->progs[i].prog);
	free(f->expr);
	free(f);
}

static struct filter_prog *filter_prog_for(struct pw_filter *f,
					   uint16_t linktype,
					   struct pw_error *err)
{
	struct filter_prog *fp;
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (f->progs[i].linktype == linktype)
			return &f->progs[i];
	if (f->n == FILTER_MAX_LINKTYPES) {
		pw_error_set(err, -E2BIG, "more than %d link types in one input",
			     FILTER_MAX_LINKTYPES);
		return NULL;
	}
	fp = &f->progs[f->n++];
	fp->linktype = linktype;
	fp->usable = filter_compile(f->expr, linktype, &fp->prog, err) == 0;
	if (!fp->usable)
		return NULL;
	return fp;
}

int pw_filter_match(struct pw_filter *f, const struct pw_packet *pkt,
		    struct pw_error *err)
{
	struct filter_prog *fp = NULL;
	struct pcap_pkthdr hdr;
	unsigned i;

	/* Fast path: the last link type is nearly always the same. */
	for (i = 0; i < f->n; i++) {
		if (f->progs[i].linktype == pkt->linktype) {
			fp = &f->progs[i];
			break;
		}
	}
	if (!fp) {
		fp = filter_prog_for(f, pkt->linktype, err);
		if (!fp)
			return -1;
	}
	if (!fp->usable)
		return 0;
	hdr.caplen = pkt->caplen;
	hdr.len = pkt->wirelen;
	hdr.ts.tv_sec = (time_t)(pkt->ts_ns / 1000000000u);
	hdr.ts.tv_usec = (suseconds_t)(pkt->ts_ns % 1000000000u / 1000u);
	return pcap_offline_filter(&fp->prog, &hdr, pkt->data) != 0;
}

char *pw_filter_join_args(int argc, char **argv)
{
	size_t len = 0;
	char *s, *p;
	int i;

	if (argc <= 0)
		return NULL;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		memcpy(p, argv[i], l);
		p += l;
		*p++ = i + 1 < argc ? ' ' : '\0';
	}
	return s;
}
