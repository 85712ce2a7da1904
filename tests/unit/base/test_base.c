/* Byte helpers and error reports. */
#include <errno.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "base/bytes.h"
#include "base/emit.h"
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

static char *json_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pw_json_write_string(f, in);
	fclose(f);
	return buf;
}

static void test_json_escape(void)
{
	static const struct { const char *in, *want, *what; } cases[] = {
		{ "plain", "\"plain\"", "plain ASCII" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash" },
		{ "\x01\n\x7f", "\"\\u0001\\n\\u007f\"", "control bytes" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"", "valid UTF-8 kept" },
		{ "\xff\xfe", "\"\\ufffd\\ufffd\"", "invalid bytes replaced" },
		{ "\xc3", "\"\\ufffd\"", "truncated sequence" },
		{ "\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\"", "overlong form" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "surrogate" },
	};
	size_t i;

	for (i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		char *got = json_of(cases[i].in);

		tap_eq_str(got, cases[i].want, cases[i].what);
		free(got);
	}
}

static void test_emit_record(void)
{
	struct pw_emit e;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pw_emit_init(&e, f, PW_EMIT_JSON);
	pw_emit_begin(&e);
	pw_emit_str(&e, "proto", "%s ", "tcp");
	pw_emit_u64(&e, "n", "%lu ", 42);
	pw_emit_str(&e, "host", "%s ", NULL);
	pw_emit_ts(&e, "ts", "%s ", 1700000000123456789ull);
	pw_emit_end(&e);
	pw_emit_init(&e, f, PW_EMIT_TEXT);
	pw_emit_begin(&e);
	pw_emit_str(&e, "proto", "%-4s|", "udp");
	pw_emit_u64(&e, "n", "%3lu|", 7);
	pw_emit_str(&e, "host", "%s|", NULL);
	pw_emit_ts(&e, "ts", "%s", 1700000000123456789ull);
	pw_emit_end(&e);
	fclose(f);
	tap_eq_str(buf, "{\"proto\":\"tcp\",\"n\":42,\"host\":null,"
		   "\"ts\":1700000000.123456789}\n"
		   "udp |  7|-|1700000000.123456\n", "one call sequence, two renderings");
	free(buf);
}

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* The emitter's own formatter must print exactly what printf prints for
 * the formats it takes over. */
static void test_text_formats(void)
{
	static const char *const sfmts[] = { "%s", "%-5s ", "%9s ", "%-24s ",
					     "[%3s]", "%-1s|" };
	static const char *const strs[] = { "", "a", "tcp", "www.demo.test",
					    "a-rather-long-host-name.example" };
	static const char *const nfmts[] = { "%8lu ", "%lu", "%-6lu|", "%1lu",
					     "x%12lux" };
	static const uint64_t nums[] = { 0, 7, 99999999, 123456789012ull,
					 UINT64_MAX };
	unsigned i, j, bad = 0;

	for (i = 0; i < PW_ARRAY_SIZE(sfmts); i++) {
		for (j = 0; j < PW_ARRAY_SIZE(strs); j++) {
			char want[128], *got = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&got, &len);
			struct pw_emit e;

			pw_emit_init(&e, f, PW_EMIT_TEXT);
			pw_emit_str(&e, "k", sfmts[i], strs[j]);
			fclose(f);
			snprintf(want, sizeof(want), sfmts[i],
				 *strs[j] ? strs[j] : "-");
			bad += strcmp(got, want) != 0;
			free(got);
		}
	}
	for (i = 0; i < PW_ARRAY_SIZE(nfmts); i++) {
		for (j = 0; j < PW_ARRAY_SIZE(nums); j++) {
			char want[128], *got = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&got, &len);
			struct pw_emit e;

			pw_emit_init(&e, f, PW_EMIT_TEXT);
			pw_emit_u64(&e, "k", nfmts[i], nums[j]);
			fclose(f);
			snprintf(want, sizeof(want), nfmts[i],
				 (unsigned long)nums[j]);
			bad += strcmp(got, want) != 0;
			free(got);
		}
	}
	tap_eq_u64(bad, 0, "fast text formats print what printf prints");
}

int main(void)
{
	test_bytes();
	test_error();
	test_json_escape();
	test_emit_record();
	test_text_formats();
	return tap_done();
}
