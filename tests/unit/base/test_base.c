/* Byte helpers and error reports. */
#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "base/error.h"
#include "base/packet.h"
#include "tap.h"

static void test_bytes(void)
{
	uint8_t b[8];

	pw_put_be32(b, 0x01020304);
	tap_eq_u64(pw_get_be32(b), 0x01020304, "be32 round trip");
	tap_eq_u64(b[0], 1, "be32 is big-endian");
	pw_put_le64(b, 0x1122334455667788ull);
	tap_eq_u64(b[0], 0x88, "le64 low byte first");
	tap_eq_u64(pw_get_le64(b), 0x1122334455667788ull, "le64 round trip");
	tap_eq_u64(pw_get_be16(b), 0x8877, "be16 reads in order");
}

static void test_error(void)
{
	struct pw_error e;

	pw_error_clear(&e);
	tap_eq_u64((uint64_t)-pw_error_at(&e, -EINVAL, 1234, "bad block %d", 7),
		   EINVAL, "error_at returns its code");
	tap_eq_str(e.msg, "bad block 7", "error message formatted");
	tap_eq_u64(e.offset, 1234, "offset kept");
	tap_ok(e.has_offset, "offset flagged");
	tap_eq_str(pw_owner_method_name(PW_OWNER_POLLING), "polling",
		   "owner method label");
}

int main(void)
{
	test_bytes();
	test_error();
	return tap_done();
}
