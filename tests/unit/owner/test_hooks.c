/* Detaching and re-attaching the eBPF engine's hooks (pw_owner_set_hooks,
 * what bench/hook_ab.c measures with): a connection made while they are
 * off is not seen, one made after they are back is, and a socket from the
 * gap gets its owner at its first use. The polling engine refuses. Needs
 * root and the eBPF engine for the first part; skips it otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "owner/owner.h"
#include "sock_cookie.h"
#include "tap.h"

struct conn {
	int client, server;
};

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l;

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) ||
	    listen(l, 8) || getsockname(l, (struct sockaddr *)a, &len))
		return -1;
	return l;
}

static bool connect_one(int l, const struct sockaddr_in *a, struct conn *c)
{
	c->server = -1;
	c->client = socket(AF_INET, SOCK_STREAM, 0);
	if (c->client < 0 ||
	    connect(c->client, (const struct sockaddr *)a, sizeof(*a)))
		return false;
	c->server = accept(l, NULL, NULL);
	return c->server >= 0;
}

static void close_conn(struct conn *c)
{
	if (c->client >= 0)
		close(c->client);
	if (c->server >= 0)
		close(c->server);
}

/* Whether the context knows the socket, after reading what is pending. */
static bool known(struct pw_owner *o, int fd)
{
	struct pw_owner_info info;

	pw_owner_poll(o, 0);
	return pw_owner_lookup_cookie(o, sock_cookie(fd), &info) !=
		       PW_OWNER_NONE &&
	       info.pid == (uint32_t)getpid();
}

/* A context on engine kind, or NULL after a failed check named what. */
static struct pw_owner *start(enum pw_owner_engine_kind kind,
			      const char *what)
{
	struct pw_owner_config cfg;
	struct pw_error err;
	struct pw_owner *o;

	pw_owner_config_default(&cfg);
	cfg.engine = kind;
	pw_error_clear(&err);
	o = pw_owner_start(&cfg, &err);
	if (!tap_ok(o != NULL, "%s engine started", what))
		tap_diag("%s", err.msg);
	return o;
}

static void test_ebpf(void)
{
	struct conn before = { -1, -1 }, gap = { -1, -1 }, after = { -1, -1 };
	struct sockaddr_in a;
	struct pw_error err;
	struct pw_owner *o = start(PW_ENGINE_EBPF, "eBPF");
	int l;

	if (!o)
		return;
	l = listener(&a);
	if (!tap_ok(l >= 0 && connect_one(l, &a, &before),
		    "connection with hooks attached"))
		goto out;
	tap_ok(known(o, before.client), "hooks on: the connection is seen");

	tap_ok(pw_owner_set_hooks(o, false, &err) == 0, "hooks detached");
	tap_ok(pw_owner_set_hooks(o, false, &err) == 0,
	       "detaching again changes nothing");
	if (!tap_ok(connect_one(l, &a, &gap), "connection with hooks off"))
		goto out;
	tap_ok(!known(o, gap.client), "hooks off: the connection is not seen");

	tap_ok(pw_owner_set_hooks(o, true, &err) == 0, "hooks attached again");
	tap_ok(pw_owner_set_hooks(o, true, &err) == 0,
	       "attaching again changes nothing");
	if (!tap_ok(connect_one(l, &a, &after), "connection after"))
		goto out;
	tap_ok(known(o, after.client), "hooks back: a new connection is seen");
	tap_ok(write(gap.client, "x", 1) == 1, "socket from the gap used");
	tap_ok(known(o, gap.client),
	       "a socket from the gap gets its owner at its first use");
out:
	close_conn(&before);
	close_conn(&gap);
	close_conn(&after);
	if (l >= 0)
		close(l);
	pw_owner_stop(o);
}

static void test_polling(void)
{
	struct pw_error err;
	struct pw_owner *o = start(PW_ENGINE_POLLING, "polling");

	if (!o)
		return;
	tap_ok(pw_owner_set_hooks(o, false, &err) == -EOPNOTSUPP &&
		       strstr(err.msg, "no kernel hooks"),
	       "polling: no hooks to switch, said so");
	pw_owner_stop(o);
}

int main(void)
{
	prctl(PR_SET_NAME, "pw-hooks-test");
	test_polling();
	if (geteuid() != 0)
		tap_skip("hooks: needs root");
	else if (!pw_owner_ebpf_built())
		tap_skip("hooks: built without eBPF");
	else
		test_ebpf();
	return tap_done();
}
