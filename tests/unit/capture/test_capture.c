/* Unit tests of src/capture: interface names and per-process counters. */
#include <string.h>

#include "capture/ifaces.h"
#include "capture/summary.h"
#include "tap.h"

static void test_iface_names(void)
{
	char buf[64];

	pw_cap_iface_name(7, 7, 1, 0, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "lo"), "own namespace: the device name (%s)", buf);
	pw_cap_iface_name(7, 0, 1, 0, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "lo"), "unknown namespace: looked up here");
	pw_cap_iface_name(7, 99, 3, 0, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "if3@netns:99"),
	       "other namespace, no process: index and inode (%s)", buf);
	pw_cap_iface_name(7, 99, 3, 1, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "if3@netns:99"),
	       "a process in another namespace is not trusted (%s)", buf);
}

static void test_procs(void)
{
	static struct pw_cap_procs t;
	struct pw_packet p;

	memset(&p, 0, sizeof(p));
	p.has_owner = 1;
	p.owner.pid = 42;
	strcpy(p.owner.comm, "curl");
	p.dir = PW_DIR_OUT;
	p.wirelen = 60;
	pw_cap_procs_add(&t, &p);
	p.dir = PW_DIR_IN;
	p.wirelen = 1500;
	pw_cap_procs_add(&t, &p);
	pw_cap_procs_add(&t, &p);
	p.has_owner = 0;
	pw_cap_procs_add(&t, &p);
	pw_cap_procs_flow(&t, 42);
	tap_ok(t.n == 2, "two rows: pid 42 and unknown");
	tap_ok(t.rows[0].pid == 42 && !strcmp(t.rows[0].comm, "curl") &&
	       t.rows[0].packets[0] == 1 && t.rows[0].bytes[0] == 60 &&
	       t.rows[0].packets[1] == 2 && t.rows[0].bytes[1] == 3000 &&
	       t.rows[0].flows == 1, "pid 42: 1 out (60 B), 2 in (3000 B), "
	       "1 flow");
	tap_ok(t.rows[1].pid == 0 && t.rows[1].packets[1] == 1,
	       "unowned packet counted under pid 0");
}

int main(void)
{
	test_iface_names();
	test_procs();
	return tap_done();
}
