#include "capcheck.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

bool check_next(struct pw_capfile *cf, const struct want_pkt *w,
		const char *tag)
{
	struct pw_packet pkt;
	struct pw_error err;
	char what[160];
	bool ok = true;
	int r;

	pw_error_clear(&err);
	r = pw_capfile_next(cf, &pkt, &err);
	snprintf(what, sizeof(what), "%s: packet %llu delivered", tag,
		 (unsigned long long)w->number);
	if (!tap_ok(r == 1, "%s", what)) {
		tap_diag("next returned %d: %s", r, err.msg);
		return false;
	}
#define EQ(field, val, name)                                            \
	do {                                                            \
		snprintf(what, sizeof(what), "%s: packet %llu %s", tag, \
			 (unsigned long long)w->number, name);          \
		ok &= tap_eq_u64((field), (val), what);                 \
	} while (0)
	EQ(pkt.number, w->number, "number");
	EQ(pkt.ts_ns, w->ts_ns, "timestamp ns");
	EQ(pkt.caplen, w->caplen, "caplen");
	EQ(pkt.wirelen, w->wirelen, "wirelen");
	EQ(pkt.ifindex, w->ifindex, "ifindex");
	EQ(pkt.linktype, w->linktype, "linktype");
	EQ(pkt.dir, w->dir, "direction");
	EQ(pkt.has_owner, w->has_owner, "has owner");
	if (w->has_owner) {
		EQ(pkt.owner.pid, w->pid, "pid");
		EQ(pkt.owner.tid, w->tid, "tid");
		EQ(pkt.owner.method, PW_OWNER_FILE, "owner method");
		if (w->comm) {
			snprintf(what, sizeof(what), "%s: packet %llu comm",
				 tag, (unsigned long long)w->number);
			ok &= tap_eq_str(pkt.owner.comm, w->comm, what);
		}
	}
	if (w->offset >= 0)
		EQ(pkt.offset, (uint64_t)w->offset, "offset");
#undef EQ
	snprintf(what, sizeof(what), "%s: packet %llu comment", tag,
		 (unsigned long long)w->number);
	if (w->comment)
		ok &= tap_eq_str(pkt.comment ? pkt.comment : "(none)",
				 w->comment, what);
	else
		ok &= tap_ok(pkt.comment == NULL, "%s: none (%s)", what,
			     pkt.comment ? pkt.comment : "");
	if (w->data && pkt.caplen == w->caplen) {
		snprintf(what, sizeof(what), "%s: packet %llu bytes", tag,
			 (unsigned long long)w->number);
		ok &= tap_eq_mem(pkt.data, w->data, w->caplen, what);
	}
	return ok;
}

bool check_eof(struct pw_capfile *cf, const char *tag)
{
	struct pw_packet pkt;
	struct pw_error err;
	int r1, r2;

	pw_error_clear(&err);
	r1 = pw_capfile_next(cf, &pkt, &err);
	r2 = pw_capfile_next(cf, &pkt, &err);
	if (r1 < 0)
		tap_diag("%s: %s", tag, err.msg);
	return tap_ok(r1 == 0 && r2 == 0, "%s: clean end of file", tag);
}

bool check_error(struct pw_capfile *cf, const char *msg, uint64_t offset,
		 const char *tag)
{
	struct pw_packet pkt;
	struct pw_error err;
	char what[160];
	int r;

	pw_error_clear(&err);
	r = pw_capfile_next(cf, &pkt, &err);
	snprintf(what, sizeof(what), "%s: error reported", tag);
	if (!tap_ok(r == -1, "%s", what))
		return false;
	snprintf(what, sizeof(what), "%s: error message", tag);
	tap_eq_str(err.msg, msg, what);
	tap_ok(err.has_offset, "%s: error has an offset", tag);
	snprintf(what, sizeof(what), "%s: error offset", tag);
	return tap_eq_u64(err.offset, offset, what);
}

void fill_pattern(uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (uint32_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
}
