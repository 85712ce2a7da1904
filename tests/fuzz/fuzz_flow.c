/* libFuzzer harness for the flow table: a sequence of IP packets, each
 * dissected and fed to a small table (cap 8, timeouts of a few seconds)
 * so that creation, TCP tracking, timeouts, port reuse, eviction, ICMP
 * quote lookups and flush all run on crafted input.
 *
 * Input: records of [len: 1 byte][time step: 1 byte][len bytes of IP
 * packet]; the time step advances packet time by step * 50 ms, or steps
 * back 1 s when it is 0xff. Broken invariants abort():
 *   - the table never holds more flows than its cap;
 *   - a tracked packet's flow is found again by lookup, same direction;
 *   - on_end sees each flow once (created = ended + active at the end);
 *   - relative positions obey pos = rseq + segment length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "pkt/dissect.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define CAP 8
#define MS 1000000ull

static uint64_t ended;

static void on_end(struct pw_flow *f, enum pw_flow_end why, void *ctx)
{
	(void)ctx;
	CHECK(why == PW_FLOW_END_TIMEOUT || why == PW_FLOW_END_EVICTED ||
	      why == PW_FLOW_END_FLUSH);
	CHECK(f->id > 0);
	ended++;
}

static void feed(struct pw_flow_table *t, const uint8_t *p, uint32_t len,
		 uint64_t ts)
{
	struct pw_flow_update u;
	struct pw_flow_stats st;
	struct pw_dissect d, inner;
	struct pw_flow *f;
	uint8_t dir = 2;

	if (!pw_dissect_ip(p, len, len, &d))
		return;
	if (d.icmp_quote_off && pw_dissect_icmp_quote(&d, &inner))
		(void)pw_flow_lookup_quoted(t, &inner, &dir);
	if (!pw_flow_track(t, &d, ts, &u))
		return;
	CHECK(u.flow && u.dir <= 1);
	f = pw_flow_lookup(t, &d, &dir);
	CHECK(f == u.flow && dir == u.dir);
	if (d.l4proto == 6 && !(d.tcp_flags & 0x04)) {
		const struct pw_flow_dir *fd = &f->dir[u.dir];
		uint32_t plen = d.payload_wirelen > d.payload_len ?
					d.payload_wirelen : d.payload_len;
		uint32_t seg = plen + !!(d.tcp_flags & 0x02) +
			       !!(d.tcp_flags & 0x01);

		CHECK(fd->pos == fd->rseq + seg);
	}
	pw_flow_table_stats(t, &st);
	CHECK(st.active <= CAP);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_flow_config cfg;
	struct pw_flow_table *t;
	struct pw_flow_stats st;
	uint64_t ts = 1000 * 1000 * MS;
	size_t i = 0;

	pw_flow_config_default(&cfg);
	cfg.max_flows = CAP;
	cfg.timeout_syn_ns = 2000 * MS;
	cfg.timeout_est_ns = 5000 * MS;
	cfg.timeout_fin_ns = 1000 * MS;
	cfg.timeout_udp_ns = 3000 * MS;
	cfg.on_end = on_end;
	t = pw_flow_table_new(&cfg);
	if (!t)
		return 0;
	ended = 0;
	while (i + 2 <= size) {
		uint32_t len = data[i];
		uint8_t step = data[i + 1];

		i += 2;
		if (len > size - i)
			len = (uint32_t)(size - i);
		if (step == 0xff)
			ts -= 1000 * MS;
		else
			ts += step * 50 * MS;
		pw_flow_table_expire(t, ts);
		feed(t, data + i, len, ts);
		i += len;
	}
	pw_flow_table_stats(t, &st);
	CHECK(st.created == ended + st.active);
	pw_flow_table_flush(t);
	pw_flow_table_stats(t, &st);
	CHECK(st.active == 0 && st.created == ended);
	pw_flow_table_free(t);
	return 0;
}
