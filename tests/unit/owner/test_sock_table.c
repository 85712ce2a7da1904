/* Unit tests of the owner's socket table (src/owner/sock_table.c): lookup
 * by cookie, expiry, eviction order and its counting, the cookie index
 * under collisions and wrap-around, endpoint matching, and a long random
 * run compared step by step with a plain model of what the table
 * promises. Every test ends with the table's own consistency walk. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner/sock_table.h"
#include "tap.h"

static struct pw_owner_tuple tuple(uint8_t family, uint8_t proto,
				   uint8_t laddr, uint16_t lport,
				   uint8_t raddr, uint16_t rport)
{
	struct pw_owner_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = family;
	t.proto = proto;
	t.lport = lport;
	t.rport = rport;
	/* 0 leaves the address all zero (any); else 10.0.0.x or fd00::x. */
	if (laddr && family == 4) {
		t.laddr[0] = 10;
		t.laddr[3] = laddr;
	} else if (laddr) {
		t.laddr[0] = 0xfd;
		t.laddr[15] = laddr;
	}
	if (raddr && family == 4) {
		t.raddr[0] = 10;
		t.raddr[3] = raddr;
	} else if (raddr) {
		t.raddr[0] = 0xfd;
		t.raddr[15] = raddr;
	}
	return t;
}

static bool table_ok(const struct pw_sock_table *t, const char *what)
{
	const char *why = pw_sock_table_check(t);

	if (why)
		tap_diag("%s: %s", what, why);
	return tap_ok(!why, "%s: table consistent", what);
}

static void test_find_get_expire(void)
{
	struct pw_sock_table *t = pw_sock_table_new(16, 100);
	struct pw_sock_entry *a, *b, *z;
	uint64_t count, ev;

	tap_ok(!pw_sock_table_find(t, 7), "empty table finds nothing");
	tap_ok(!pw_sock_table_find(t, 0), "empty table finds no cookie 0");
	a = pw_sock_table_get(t, 7, 10);
	tap_ok(a && a->cookie == 7 && !a->closed && !a->has_tuple &&
	       a->last_ns == 10 && !a->owner.pid, "get makes a zeroed entry");
	tap_ok(pw_sock_table_find(t, 7) == a, "find returns it");
	a->owner.pid = 42;
	tap_ok(pw_sock_table_get(t, 7, 20) == a && a->owner.pid == 42 &&
	       a->last_ns == 20, "get again: same entry, time updated");

	/* Cookie 0 never names a kernel socket, but nothing in the API
	 * forbids it: it is an ordinary key. */
	z = pw_sock_table_get(t, 0, 21);
	tap_ok(z && z != a && pw_sock_table_find(t, 0) == z,
	       "cookie 0 is an ordinary key");
	b = pw_sock_table_get(t, 8, 22);
	pw_sock_table_stats(t, &count, &ev);
	tap_eq_u64(count, 3, "three entries");

	pw_sock_table_close(t, a, 30);
	pw_sock_table_close(t, z, 31);
	tap_ok(a->closed && a->last_ns == 30, "close marks and times");
	pw_sock_table_expire(t, 130);
	tap_ok(pw_sock_table_find(t, 7) == a,
	       "closed entry stays for the linger time");
	pw_sock_table_expire(t, 131);
	tap_ok(!pw_sock_table_find(t, 7),
	       "closed entry goes once the linger time is over");
	tap_ok(pw_sock_table_find(t, 0) == z,
	       "entry closed later stays");
	pw_sock_table_expire(t, 10000);
	tap_ok(!pw_sock_table_find(t, 0), "and goes later");
	tap_ok(pw_sock_table_find(t, 8) == b, "old open entry stays");
	pw_sock_table_expire(t, 5);
	tap_ok(pw_sock_table_find(t, 8) == b, "a clock going back expires "
	       "nothing");
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(count == 1 && ev == 0, "one left, no evictions");
	table_ok(t, "find/get/expire");
	pw_sock_table_free(t);
}

/* Entries' addresses do not move while others come and go. */
static void test_pointers_stable(void)
{
	struct pw_sock_table *t = pw_sock_table_new(1000, 1);
	struct pw_sock_entry *keep[10];
	uint64_t c, now = 1;
	const char *why = NULL;
	bool same = true;
	int i;

	for (i = 0; i < 10; i++)
		keep[i] = pw_sock_table_get(t, 1000000 + i, now);
	for (c = 1; c < 20000 && !why; c++) {
		now++;
		pw_sock_table_close(t, pw_sock_table_get(t, c, now), now);
		for (i = 0; i < 10 && c % 997 == 0; i++)
			pw_sock_table_get(t, 1000000 + i, now);
		if (c % 1000 == 0)
			why = pw_sock_table_check(t);
	}
	if (why)
		tap_diag("after %llu sockets: %s", (unsigned long long)c, why);
	for (i = 0; i < 10; i++)
		same &= pw_sock_table_find(t, 1000000 + i) == keep[i] &&
			keep[i]->cookie == 1000000 + (uint64_t)i;
	tap_ok(same && !why, "entries keep their address through 20000 "
	       "others");
	table_ok(t, "pointer stability");
	pw_sock_table_free(t);
}

static void test_eviction(void)
{
	struct pw_sock_table *t = pw_sock_table_new(4, 1000);
	uint64_t count, ev;

	pw_sock_table_get(t, 1, 10);
	pw_sock_table_get(t, 2, 11);
	pw_sock_table_get(t, 3, 12);
	pw_sock_table_get(t, 4, 13);
	pw_sock_table_get(t, 1, 14);	/* 2 is now the oldest */
	pw_sock_table_get(t, 5, 15);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(count == 4 && ev == 1, "full: one open entry evicted, counted");
	tap_ok(!pw_sock_table_find(t, 2) && pw_sock_table_find(t, 1),
	       "the least recently updated goes, not the first made");

	/* Closed entries go first, the one closed first before the other. */
	pw_sock_table_close(t, pw_sock_table_find(t, 3), 16);
	pw_sock_table_close(t, pw_sock_table_find(t, 4), 16);
	pw_sock_table_get(t, 6, 17);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(!pw_sock_table_find(t, 3) && count == 4 && ev == 1,
	       "closed oldest evicted early, not counted");
	pw_sock_table_get(t, 7, 18);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(!pw_sock_table_find(t, 4) && ev == 1,
	       "next closed one goes, not counted");
	pw_sock_table_get(t, 8, 19);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(!pw_sock_table_find(t, 1) && ev == 2,
	       "then the oldest open one, counted");

	/* Past the linger time or not, a closed entry makes room before an
	 * open one: the old open entry at the tail stays, the closed one
	 * behind it goes. Table now, oldest first: 5 6 7 8. */
	pw_sock_table_close(t, pw_sock_table_find(t, 6), 19);
	pw_sock_table_get(t, 9, 5000);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(pw_sock_table_find(t, 5) && !pw_sock_table_find(t, 6) &&
	       pw_sock_table_find(t, 9) && count == 4 && ev == 2,
	       "expired closed entry makes room; old open one stays");
	table_ok(t, "eviction");
	pw_sock_table_free(t);
}

/* A connection storm beside long-lived idle connections: the storm's
 * closed sockets, every one newer than the idle ones, make room for the
 * next, and no open socket is lost however long the storm lasts. */
static void test_storm_keeps_open(void)
{
	struct pw_sock_table *t = pw_sock_table_new(256, 30000);
	uint64_t count, ev, c, now = 1;
	bool kept = true;

	for (c = 1; c <= 100; c++)
		pw_sock_table_get(t, c, now++);
	for (c = 1000; c < 21000; c++) {
		struct pw_sock_entry *e = pw_sock_table_get(t, c, now++);

		pw_sock_table_close(t, e, now++);
	}
	for (c = 1; c <= 100; c++)
		kept = kept && pw_sock_table_find(t, c);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(kept && ev == 0, "20000 sockets opened and closed in a full "
	       "table: the 100 idle open ones all stay, none evicted");
	tap_ok(count == 256 && pw_sock_table_find(t, 20999 - 155) &&
	       !pw_sock_table_find(t, 20999 - 156),
	       "the storm keeps its newest closed sockets, as many as fit");
	/* Expiry takes closed sockets only, in the order they closed. */
	pw_sock_table_expire(t, now + 30000 - 200);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(count == 100 + 100 && pw_sock_table_find(t, 20999) &&
	       !pw_sock_table_find(t, 20999 - 100),
	       "expiry drops the closed sockets past the linger time (%llu "
	       "left)", (unsigned long long)count);
	pw_sock_table_expire(t, now + 60000);
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(count == 100 && pw_sock_table_find(t, 1),
	       "and then all of them; the idle open ones stay");
	table_ok(t, "storm beside idle connections");
	pw_sock_table_free(t);
}

/* Cookies whose search starts at slot home, found by trying. */
static int colliding(const struct pw_sock_table *t, uint32_t home,
		     uint64_t *from, uint64_t *out, int n)
{
	int k = 0;
	uint64_t c;

	for (c = *from; k < n && c < *from + 50000000; c++)
		if (pw_sock_table_cookie_home(t, c, NULL) == home)
			out[k++] = c;
	*from = c;
	return k;
}

static void test_cookie_index(void)
{
	struct pw_sock_table *t = pw_sock_table_new(64, 10);
	uint64_t c[60], from = 1, count, ev;
	uint32_t nslots, homes[4];
	int i, k = 0, lost = 0, stale = 0;
	bool gone[60];

	pw_sock_table_cookie_home(t, 0, &nslots);
	tap_ok(nslots >= 128, "cookie index at most half full (%u slots "
	       "for 64)", nslots);
	/* Runs that cross the end of the array: homes in the last two
	 * slots and the first two, so each run pushes into the next. */
	homes[0] = nslots - 2;
	homes[1] = nslots - 1;
	homes[2] = 0;
	homes[3] = 1;
	for (i = 0; i < 4; i++)
		k += colliding(t, homes[i], &from, c + k, 15);
	tap_eq_u64((uint64_t)k, 60, "sixty cookies from four adjacent homes");
	for (i = 0; i < k; i++) {
		pw_sock_table_get(t, c[i], 1);
		gone[i] = false;
	}
	table_ok(t, "colliding inserts");

	/* Take out every third, from the middle of the runs (closed and
	 * expired), then check every other one is still found. */
	for (i = 1; i < k; i += 3) {
		pw_sock_table_close(t, pw_sock_table_find(t, c[i]), 1);
		gone[i] = true;
	}
	pw_sock_table_expire(t, 100);
	for (i = 0; i < k; i++) {
		struct pw_sock_entry *e = pw_sock_table_find(t, c[i]);

		if (!gone[i] && (!e || e->cookie != c[i]))
			lost++;
		if (gone[i] && e)
			stale++;
	}
	tap_ok(!lost && !stale, "after deletions in the middle of wrapped "
	       "runs: %d lost, %d still found", lost, stale);
	table_ok(t, "backward-shift deletion");

	/* Fill again over the shifted runs, then delete from the front of
	 * each run. */
	for (i = 1; i < k; i += 3) {
		pw_sock_table_get(t, c[i], 200);
		gone[i] = false;
	}
	for (i = 0; i < k; i += 15) {
		pw_sock_table_close(t, pw_sock_table_find(t, c[i]), 200);
		gone[i] = true;
	}
	pw_sock_table_expire(t, 300);
	for (i = 0, lost = stale = 0; i < k; i++) {
		struct pw_sock_entry *e = pw_sock_table_find(t, c[i]);

		lost += !gone[i] && (!e || e->cookie != c[i]);
		stale += gone[i] && e;
	}
	tap_ok(!lost && !stale, "refilled, then run heads deleted: %d lost, "
	       "%d still found", lost, stale);
	pw_sock_table_stats(t, &count, &ev);
	tap_eq_u64(count, 56, "56 left");
	table_ok(t, "refill");

	/* A corrupted table must be caught by the consistency walk, or the
	 * other tests' checks prove nothing. */
	{
		struct pw_sock_entry *e = pw_sock_table_find(t, c[2]);

		e->cookie++;
		tap_ok(pw_sock_table_check(t) != NULL,
		       "consistency walk catches an entry its slot disowns");
		e->cookie--;
		e->has_tuple = true;
		tap_ok(pw_sock_table_check(t) != NULL,
		       "consistency walk catches endpoints in no chain");
		e->has_tuple = false;
	}
	pw_sock_table_free(t);
}

static uint64_t cookie_of(const struct pw_sock_entry *e)
{
	return e ? e->cookie : 0;
}

static void test_match(void)
{
	struct pw_sock_table *t = pw_sock_table_new(64, 1000);
	struct pw_owner_tuple conn, lst, q;
	struct pw_sock_entry *e;

	/* Listener 10.0.0.1:80 (cookie 1), wildcard listener on :80 (2),
	 * and a connection 10.0.0.1:80 <- 10.0.0.9:5000 (3). */
	conn = tuple(4, IPPROTO_TCP, 1, 80, 9, 5000);
	lst = tuple(4, IPPROTO_TCP, 1, 80, 0, 0);
	pw_sock_table_set_tuple(t, pw_sock_table_get(t, 1, 10), &lst);
	q = tuple(4, IPPROTO_TCP, 0, 80, 0, 0);
	pw_sock_table_set_tuple(t, pw_sock_table_get(t, 2, 11), &q);
	e = pw_sock_table_get(t, 3, 12);
	pw_sock_table_set_tuple(t, e, &conn);

	tap_eq_u64(cookie_of(pw_sock_table_match(t, &conn)), 3,
		   "exact endpoints first");
	pw_sock_table_close(t, e, 13);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &conn)), 3,
		   "exact endpoints beat an open listener even closed");
	q = tuple(4, IPPROTO_TCP, 1, 80, 9, 5001);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &q)), 1,
		   "other peer: the listener on the local address");
	tap_eq_u64(cookie_of(pw_sock_table_listener(t, &conn)), 1,
		   "listener lookup ignores the connection");
	q = tuple(4, IPPROTO_TCP, 2, 80, 9, 5001);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &q)), 2,
		   "other local address: the wildcard listener");
	q = tuple(4, IPPROTO_UDP, 1, 80, 9, 5000);
	tap_ok(!pw_sock_table_match(t, &q), "other protocol: nothing");

	/* Same endpoints, two sockets: open over closed, newer over older
	 * (4 opened after 3 closed; 5 newer still, then closed). */
	e = pw_sock_table_get(t, 4, 20);
	pw_sock_table_set_tuple(t, e, &conn);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &conn)), 4,
		   "reused endpoints: the open socket");
	e = pw_sock_table_get(t, 5, 21);
	pw_sock_table_set_tuple(t, e, &conn);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &conn)), 5,
		   "both open: the newer");
	pw_sock_table_close(t, e, 22);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &conn)), 4,
		   "newer closed: the older open one");
	pw_sock_table_get(t, 3, 30);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &conn)), 4,
		   "a closed one updated later still loses to the open one");

	/* IPv6 wildcard listener takes IPv4 (dual stack); an IPv4
	 * wildcard does not take IPv6. */
	q = tuple(6, IPPROTO_TCP, 0, 443, 0, 0);
	pw_sock_table_set_tuple(t, pw_sock_table_get(t, 6, 40), &q);
	q = tuple(4, IPPROTO_TCP, 0, 8443, 0, 0);
	pw_sock_table_set_tuple(t, pw_sock_table_get(t, 7, 41), &q);
	q = tuple(4, IPPROTO_TCP, 1, 443, 9, 6000);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &q)), 6,
		   "IPv6 wildcard listener takes IPv4");
	q = tuple(6, IPPROTO_TCP, 1, 8443, 9, 6000);
	tap_ok(!pw_sock_table_match(t, &q),
	       "IPv4 wildcard listener does not take IPv6");
	q = tuple(6, IPPROTO_TCP, 1, 443, 9, 6000);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &q)), 6,
		   "IPv6 wildcard listener takes IPv6");

	/* Namespaces: 0 on either side matches any. */
	q = tuple(4, IPPROTO_UDP, 0, 53, 0, 0);
	q.netns = 100;
	pw_sock_table_set_tuple(t, pw_sock_table_get(t, 8, 50), &q);
	q = tuple(4, IPPROTO_UDP, 1, 53, 9, 7000);
	q.netns = 200;
	tap_ok(!pw_sock_table_match(t, &q), "other namespace: nothing");
	q.netns = 0;
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &q)), 8,
		   "query namespace 0 matches any");
	q.netns = 100;
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &q)), 8,
		   "same namespace matches");
	table_ok(t, "match");
	pw_sock_table_free(t);
}

static void test_set_tuple(void)
{
	struct pw_sock_table *t = pw_sock_table_new(64, 1000);
	struct pw_owner_tuple a, b, c;
	struct pw_sock_entry *e, *f;

	a = tuple(4, IPPROTO_TCP, 1, 40000, 9, 80);
	b = tuple(4, IPPROTO_TCP, 1, 40001, 9, 443);
	c = tuple(4, IPPROTO_TCP, 2, 40000, 8, 80);	/* a's ports */
	e = pw_sock_table_get(t, 1, 10);
	pw_sock_table_set_tuple(t, e, &a);
	pw_sock_table_set_tuple(t, e, &a);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &a)), 1,
		   "endpoints set twice: found");
	pw_sock_table_set_tuple(t, e, &b);
	tap_ok(!pw_sock_table_match(t, &a) &&
	       cookie_of(pw_sock_table_match(t, &b)) == 1,
	       "new endpoints: found by them only");
	table_ok(t, "re-index to another chain");

	/* Same ports, other addresses: same chain, new place in it. */
	f = pw_sock_table_get(t, 2, 11);
	pw_sock_table_set_tuple(t, f, &a);
	pw_sock_table_set_tuple(t, f, &c);
	tap_ok(!pw_sock_table_match(t, &a) &&
	       cookie_of(pw_sock_table_match(t, &c)) == 2,
	       "new addresses, same ports: found by the new ones only");

	/* Two open sockets with the same endpoints and the same time: the
	 * one whose endpoints were set last wins, whichever chain it came
	 * from. */
	pw_sock_table_get(t, 1, 50);
	pw_sock_table_get(t, 2, 50);
	pw_sock_table_set_tuple(t, e, &a);
	pw_sock_table_set_tuple(t, e, &c);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &c)), 1,
		   "same endpoints, same time: the one set last (1)");
	pw_sock_table_set_tuple(t, f, &b);
	pw_sock_table_set_tuple(t, f, &c);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &c)), 2,
		   "same endpoints, same time: the one set last (2)");
	pw_sock_table_set_tuple(t, e, &c);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &c)), 2,
		   "setting the same endpoints again changes nothing");
	pw_sock_table_close(t, f, 50);
	pw_sock_table_expire(t, 2000);
	tap_eq_u64(cookie_of(pw_sock_table_match(t, &c)), 1,
		   "expired entry leaves its chain");
	table_ok(t, "re-index in the same chain");
	pw_sock_table_free(t);
}

/* The model: what the table promises, in the plainest form. Entries in
 * an array; update order and endpoint order as sequence numbers. */
#define MODEL_MAX 32
#define MODEL_COOKIES 80
#define MODEL_LINGER 40

struct model_entry {
	bool used;
	uint64_t cookie;
	uint64_t last_ns;
	uint64_t updated;	/* order of get */
	uint64_t linked;	/* order of the endpoints being set */
	bool has_tuple, closed;
	struct pw_owner_tuple tuple;
	struct pw_sock_entry *real;	/* what the table returned */
};

struct model {
	struct model_entry e[MODEL_MAX];
	uint64_t seq, evictions;
	unsigned count;
};

static struct model_entry *model_find(struct model *m, uint64_t cookie)
{
	int i;

	for (i = 0; i < MODEL_MAX; i++)
		if (m->e[i].used && m->e[i].cookie == cookie)
			return &m->e[i];
	return NULL;
}

/* The least recently updated (or closed) entry, open or closed. */
static struct model_entry *model_oldest(struct model *m, bool closed)
{
	struct model_entry *best = NULL;
	int i;

	for (i = 0; i < MODEL_MAX; i++)
		if (m->e[i].used && m->e[i].closed == closed &&
		    (!best || m->e[i].updated < best->updated))
			best = &m->e[i];
	return best;
}

/* Closed entries, oldest first, until one within the linger time. */
static void model_expire(struct model *m, uint64_t now)
{
	struct model_entry *x;

	while ((x = model_oldest(m, true)) &&
	       now >= x->last_ns && now - x->last_ns > MODEL_LINGER) {
		x->used = false;
		m->count--;
	}
}

static void model_close(struct model *m, struct model_entry *x, uint64_t now)
{
	x->closed = true;
	x->last_ns = now;
	x->updated = ++m->seq;
}

static struct model_entry *model_get(struct model *m, uint64_t cookie,
				     uint64_t now)
{
	struct model_entry *x = model_find(m, cookie);
	int i;

	if (x) {
		x->updated = ++m->seq;
		x->last_ns = now;
		return x;
	}
	/* Full: the oldest closed entry, else the oldest open one. */
	if (m->count >= MODEL_MAX) {
		x = model_oldest(m, true);
		if (!x) {
			x = model_oldest(m, false);
			m->evictions++;
		}
		x->used = false;
		m->count--;
	}
	for (i = 0; m->e[i].used; i++)
		;
	x = &m->e[i];
	memset(x, 0, sizeof(*x));
	x->used = true;
	x->cookie = cookie;
	x->last_ns = now;
	x->updated = ++m->seq;
	m->count++;
	return x;
}

static bool same_tuple(const struct pw_owner_tuple *a,
		       const struct pw_owner_tuple *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->lport == b->lport && a->rport == b->rport &&
	       a->netns == b->netns && !memcmp(a->laddr, b->laddr, 16) &&
	       !memcmp(a->raddr, b->raddr, 16);
}

static void model_set_tuple(struct model *m, struct model_entry *x,
			    const struct pw_owner_tuple *t)
{
	if (x->has_tuple && same_tuple(&x->tuple, t))
		return;
	x->tuple = *t;
	x->has_tuple = true;
	x->linked = ++m->seq;
}

static bool addr_any(const uint8_t *a)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, 16);
}

/* The documented preference: exact endpoints (or, local_only, no peer),
 * then local address given over any, open over closed; 0: no match. */
static int model_score(const struct model_entry *x,
		       const struct pw_owner_tuple *q, bool local_only)
{
	const struct pw_owner_tuple *s = &x->tuple;
	int score;

	if (!x->has_tuple || s->proto != q->proto || s->lport != q->lport)
		return 0;
	if (s->netns && q->netns && s->netns != q->netns)
		return 0;
	if (local_only ? s->rport != 0 :
	    s->rport != q->rport || s->family != q->family ||
	    memcmp(s->raddr, q->raddr, 16))
		return 0;
	if (s->family == q->family && !memcmp(s->laddr, q->laddr, 16))
		score = 3;
	else if (addr_any(s->laddr) &&
		 (s->family == q->family || s->family == 6))
		score = 1;
	else
		return 0;
	return x->closed ? score : score + 4;
}

/* Best score, then the latest time, then the endpoints set last. */
static struct model_entry *model_best(struct model *m,
				      const struct pw_owner_tuple *q,
				      bool local_only)
{
	struct model_entry *best = NULL, *x;
	int best_score = 0, s, i;

	for (i = 0; i < MODEL_MAX; i++) {
		x = &m->e[i];
		if (!x->used || !(s = model_score(x, q, local_only)))
			continue;
		if (s > best_score ||
		    (s == best_score && (x->last_ns > best->last_ns ||
					 (x->last_ns == best->last_ns &&
					  x->linked > best->linked)))) {
			best = x;
			best_score = s;
		}
	}
	return best;
}

static struct model_entry *model_match(struct model *m,
				       const struct pw_owner_tuple *q)
{
	struct model_entry *x = NULL;

	if (q->rport)
		x = model_best(m, q, false);
	if (!x)
		x = model_best(m, q, true);
	return x;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

/* Few values per field, so endpoints collide, repeat and half match. */
static struct pw_owner_tuple random_tuple(void)
{
	struct pw_owner_tuple t;

	t = tuple(rnd(3) ? 4 : 6, rnd(2) ? IPPROTO_TCP : IPPROTO_UDP,
		  (uint8_t)rnd(3), (uint16_t)(1 + rnd(3)), (uint8_t)rnd(2),
		  (uint16_t)rnd(3));
	t.netns = rnd(3);
	return t;
}

static bool entry_agrees(const struct model_entry *x,
			 const struct pw_sock_entry *e)
{
	if (!x || !e)
		return !x && !e;
	return x->real == e && e->cookie == x->cookie &&
	       e->last_ns == x->last_ns && e->closed == x->closed &&
	       e->has_tuple == x->has_tuple &&
	       (!x->has_tuple || same_tuple(&e->tuple, &x->tuple));
}

static void test_against_model(void)
{
	struct pw_sock_table *t = pw_sock_table_new(MODEL_MAX, MODEL_LINGER);
	static struct model m;
	struct model_entry *x;
	struct pw_sock_entry *e;
	struct pw_owner_tuple q;
	uint64_t now = 1000, cookie, count, ev;
	unsigned ops = 200000, i, op, bad = 0, matches = 0, checks = 0;
	const char *why = NULL;

	for (i = 0; i < ops && !bad && !why; i++) {
		cookie = rnd(MODEL_COOKIES);
		/* Mostly forward, now and then back a little: events reach
		 * the table from several CPUs. */
		now += rnd(4);
		if (!rnd(100))
			now -= rnd(6);
		op = rnd(100);
		if (op < 35) {
			e = pw_sock_table_get(t, cookie, now);
			x = model_get(&m, cookie, now);
			if (!x->real)
				x->real = e;
			bad += !entry_agrees(x, e);
		} else if (op < 55) {
			q = random_tuple();
			e = pw_sock_table_get(t, cookie, now);
			x = model_get(&m, cookie, now);
			if (!x->real)
				x->real = e;
			pw_sock_table_set_tuple(t, e, &q);
			model_set_tuple(&m, x, &q);
			bad += !entry_agrees(x, e);
		} else if (op < 65) {
			e = pw_sock_table_find(t, cookie);
			x = model_find(&m, cookie);
			if (e && x) {
				pw_sock_table_close(t, e, now);
				model_close(&m, x, now);
			}
			bad += !entry_agrees(x, e);
		} else if (op < 70) {
			pw_sock_table_expire(t, now);
			model_expire(&m, now);
		} else if (op < 80) {
			bad += !entry_agrees(model_find(&m, cookie),
					     pw_sock_table_find(t, cookie));
		} else {
			q = random_tuple();
			if (op < 90) {
				e = pw_sock_table_match(t, &q);
				x = model_match(&m, &q);
			} else {
				e = pw_sock_table_listener(t, &q);
				x = model_best(&m, &q, true);
			}
			matches += e != NULL;
			bad += !entry_agrees(x, e);
		}
		if (bad)
			tap_diag("op %u (kind %u, cookie %llu) disagrees", i,
				 op, (unsigned long long)cookie);
		if (i % 1000 == 0) {
			for (cookie = 0; cookie < MODEL_COOKIES; cookie++)
				bad += !entry_agrees(model_find(&m, cookie),
					pw_sock_table_find(t, cookie));
			pw_sock_table_stats(t, &count, &ev);
			bad += count != m.count || ev != m.evictions;
			why = pw_sock_table_check(t);
			checks++;
		}
	}
	if (why)
		tap_diag("after op %u: %s", i, why);
	tap_ok(!bad && !why, "%u random operations agree with the model "
	       "(%u matches found, %u full checks)", i, matches, checks);
	tap_ok(matches > 5000, "the run matched often enough to mean "
	       "something");
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(ev > 100, "and evicted open entries (%llu)",
	       (unsigned long long)ev);
	pw_sock_table_free(t);
}

/* The storm's shape at a size where a full check is cheap: the table
 * full, every new socket evicting. */
static void test_full_churn(void)
{
	struct pw_sock_table *t = pw_sock_table_new(4096, 1000000000000ull);
	struct pw_owner_tuple a;
	struct pw_sock_entry *e;
	uint64_t c, now = 0, count, ev;
	bool ok = true;

	for (c = 1; c <= 200000 && ok; c++) {
		now += 40;
		a = tuple(4, IPPROTO_TCP, 1, (uint16_t)(32768 + c % 28000), 2,
			  80);
		e = pw_sock_table_get(t, c * 3, now);
		pw_sock_table_set_tuple(t, e, &a);
		if (c > 300) {
			e = pw_sock_table_get(t, (c - 300) * 3, now);
			pw_sock_table_close(t, e, now);
		}
		if (c % 50000 == 0)
			ok = tap_ok(!pw_sock_table_check(t),
				    "churn: table consistent after %llu sockets",
				    (unsigned long long)c);
	}
	pw_sock_table_stats(t, &count, &ev);
	tap_ok(count == 4096 && ev == 0, "churn: full, no open socket lost "
	       "(count %llu, evictions %llu)", (unsigned long long)count,
	       (unsigned long long)ev);
	for (c = 200000 - 4095; c <= 200000; c++)
		ok &= pw_sock_table_find(t, c * 3) != NULL;
	tap_ok(ok, "churn: the last 4096 sockets are all there");
	pw_sock_table_free(t);
}

int main(void)
{
	test_find_get_expire();
	test_pointers_stable();
	test_eviction();
	test_storm_keeps_open();
	test_cookie_index();
	test_match();
	test_set_tuple();
	test_against_model();
	test_full_churn();
	return tap_done();
}
