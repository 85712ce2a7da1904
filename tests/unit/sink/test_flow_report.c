/* Address and endpoint text of the flow report: the same as inet_ntop
 * (RFC 5952 for IPv6) for every address tried. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "sink/flow_report.h"
#include "tap.h"

static unsigned check_addr(int family, const uint8_t *a)
{
	char want[INET6_ADDRSTRLEN], got[PW_ENDPOINT_MAX];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, want, sizeof(want));
	pw_format_addr(got, sizeof(got), (uint8_t)family, a);
	if (strcmp(got, want)) {
		tap_diag("got %s, inet_ntop %s", got, want);
		return 1;
	}
	return 0;
}

static void test_special_ip6(void)
{
	static const char *const texts[] = {
		"::", "::1", "1::", "fd77::2", "2001:db8::1:0:0:1",
		"2001:db8:0:0:1::1", "2001:0:0:1::1", "1:0:0:2:0:0:0:3",
		"1:0:2:0:3:0:4:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"::ffff:10.1.2.3", "fe80::abcd:ef01:2345:6789", "1:2:3:4:5:6:7::",
		"::2:3:4:5:6:7:8", "1:2:3:4:5:6::8", "0:1::",
	};
	unsigned bad = 0, i;
	uint8_t a[16];

	for (i = 0; i < PW_ARRAY_SIZE(texts); i++) {
		inet_pton(AF_INET6, texts[i], a);
		bad += check_addr(6, a);
	}
	tap_eq_u64(bad, 0, "IPv6 special forms as inet_ntop writes them");
}

static void test_random_addrs(void)
{
	unsigned bad4 = 0, bad6 = 0, i, j;
	uint8_t a[16];

	srand(7);
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < 16; j++)
			a[j] = (uint8_t)rand();
		/* Zero some groups so that runs of every length occur. */
		for (j = 0; j < 8; j++)
			if (rand() % 3 == 0)
				a[2 * j] = a[2 * j + 1] = 0;
		bad6 += check_addr(6, a);
		bad4 += check_addr(4, a);
	}
	tap_eq_u64(bad4, 0, "20000 IPv4 addresses as inet_ntop");
	tap_eq_u64(bad6, 0, "20000 IPv6 addresses as inet_ntop");
}

static void test_endpoints(void)
{
	uint8_t a4[4] = { 10, 77, 0, 1 }, a6[16] = { 0xfd, 0x77 };
	char buf[PW_ENDPOINT_MAX], small[8];

	a6[15] = 2;
	tap_eq_str(pw_format_endpoint(buf, sizeof(buf), 4, a4, 443),
		   "10.77.0.1:443", "IPv4 endpoint");
	tap_eq_str(pw_format_endpoint(buf, sizeof(buf), 6, a6, 0),
		   "[fd77::2]:0", "IPv6 endpoint in brackets");
	tap_eq_str(pw_format_endpoint(small, sizeof(small), 4, a4, 65535), "",
		   "too small a buffer gets an empty string, not a cut one");
}

int main(void)
{
	test_special_ip6();
	test_random_addrs();
	test_endpoints();
	return tap_done();
}
