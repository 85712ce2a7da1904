/* tcpdump-style filter expressions, compiled by libpcap.
 *
 * A compiled BPF program depends on the link type, and one capture file can
 * hold interfaces of several link types, so programs are compiled lazily,
 * once per link type met. */
#ifndef PW_CORE_FILTER_H
#define PW_CORE_FILTER_H

#include <stdbool.h>

#include "base/error.h"
#include "base/packet.h"

struct pw_filter;

/* Checks the expression compiles (for Ethernet) so that a typo fails
 * before any input is read. Returns NULL with err filled. */
struct pw_filter *pw_filter_new(const char *expr, struct pw_error *err);
void pw_filter_free(struct pw_filter *f);

/* 1 match, 0 no match, -1 the expression cannot apply to this packet's
 * link type (err filled, once per link type). */
int pw_filter_match(struct pw_filter *f, const struct pw_packet *pkt,
		    struct pw_error *err);

/* Joins argv words into one expression, as tcpdump does. Returns a heap
 * string or NULL when argc == 0. */
char *pw_filter_join_args(int argc, char **argv);

#endif
