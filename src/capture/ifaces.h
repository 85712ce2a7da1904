/* Interfaces of a capture: one pcapng interface per (network namespace,
 * ifindex) met, named after the device in that namespace.
 *
 * Names: "NAME" in procwire's own namespace, "NAME@netns:INODE" in
 * another one (resolved by a helper thread that joins the namespace of
 * the packet's owner through /proc/PID/ns/net), "if<N>@netns:INODE" when
 * the namespace cannot be entered (owner gone). */
#ifndef PW_CAPTURE_IFACES_H
#define PW_CAPTURE_IFACES_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "capture/output.h"

#define PW_CAP_MAX_IFACES 256

struct pw_cap_iface {
	uint32_t netns;
	uint32_t ifindex;
	int id;			/* pcapng interface id */
	uint64_t packets;
};

struct pw_cap_ifaces {
	struct pw_cap_iface list[PW_CAP_MAX_IFACES];
	unsigned n;
	uint32_t own_netns;
	uint32_t snaplen;	/* for the interface blocks */
};

void pw_cap_ifaces_init(struct pw_cap_ifaces *t, uint32_t snaplen);

/* Interface entry for (netns, ifindex), declared in w when new; pid is a
 * process in that namespace (the packet's owner) used to name it. NULL
 * with err when the table is full or the write failed. */
struct pw_cap_iface *pw_cap_iface_get(struct pw_cap_ifaces *t,
				      struct pw_cap_output *w,
				      uint32_t netns, uint32_t ifindex,
				      uint32_t pid, struct pw_error *err);

/* The name an interface gets (exposed for tests). */
void pw_cap_iface_name(uint32_t own_netns, uint32_t netns, uint32_t ifindex,
		       uint32_t pid, char *buf, size_t size);

#endif
