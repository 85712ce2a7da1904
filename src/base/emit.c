#include "base/emit.h"

#include <inttypes.h>
#include <string.h>

/* Text formats come from the caller, one literal per field, each taking
 * exactly the value's type: the same contract printf has, minus the
 * compiler's check, which cannot see through this layer. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void pw_emit_init(struct pw_emit *e, FILE *out, enum pw_emit_mode mode)
{
	e->out = out;
	e->mode = mode;
	e->fields = 0;
}

void pw_emit_begin(struct pw_emit *e)
{
	e->fields = 0;
	if (pw_emit_json(e))
		fputc('{', e->out);
}

void pw_emit_end(struct pw_emit *e)
{
	if (pw_emit_json(e))
		fputc('}', e->out);
	fputc('\n', e->out);
}

static void emit_key(struct pw_emit *e, const char *key)
{
	if (e->fields++)
		fputc(',', e->out);
	pw_json_write_string(e->out, key);
	fputc(':', e->out);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

void pw_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', out);
	while (*p) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			p++;
			continue;
		case '\\':
			fputs("\\\\", out);
			p++;
			continue;
		case '\n':
			fputs("\\n", out);
			p++;
			continue;
		case '\r':
			fputs("\\r", out);
			p++;
			continue;
		case '\t':
			fputs("\\t", out);
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
			p++;
			continue;
		}
		/* The string is NUL-terminated, so a truncated sequence
		 * fails the continuation-byte checks before running off. */
		n = utf8_seq_len(p);
		if (!n) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

void pw_emit_str(struct pw_emit *e, const char *key, const char *text_fmt,
		 const char *val)
{
	if (pw_emit_json(e)) {
		emit_key(e, key);
		if (val)
			pw_json_write_string(e->out, val);
		else
			fputs("null", e->out);
		return;
	}
	if (text_fmt)
		fprintf(e->out, text_fmt, val && *val ? val : "-");
}

void pw_emit_u64(struct pw_emit *e, const char *key, const char *text_fmt,
		 uint64_t val)
{
	if (pw_emit_json(e)) {
		emit_key(e, key);
		fprintf(e->out, "%" PRIu64, val);
		return;
	}
	if (text_fmt)
		fprintf(e->out, text_fmt, val);
}

void pw_emit_bool(struct pw_emit *e, const char *key, const char *text_fmt,
		  bool val)
{
	if (pw_emit_json(e)) {
		emit_key(e, key);
		fputs(val ? "true" : "false", e->out);
		return;
	}
	if (text_fmt)
		fprintf(e->out, text_fmt, val ? "yes" : "no");
}

void pw_emit_ts(struct pw_emit *e, const char *key, const char *text_fmt,
		uint64_t ts_ns)
{
	char buf[32];

	if (pw_emit_json(e)) {
		emit_key(e, key);
		fprintf(e->out, "%" PRIu64 ".%09" PRIu64,
			ts_ns / 1000000000u, ts_ns % 1000000000u);
		return;
	}
	if (!text_fmt)
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%06" PRIu64,
		 ts_ns / 1000000000u, ts_ns % 1000000000u / 1000u);
	fprintf(e->out, text_fmt, buf);
}

void pw_emit_str_list(struct pw_emit *e, const char *key,
		      const char *const *items, unsigned n,
		      const char *text_fmt)
{
	char buf[512];
	size_t used = 0;
	unsigned i;

	if (pw_emit_json(e)) {
		emit_key(e, key);
		fputc('[', e->out);
		for (i = 0; i < n; i++) {
			if (i)
				fputc(',', e->out);
			pw_json_write_string(e->out, items[i]);
		}
		fputc(']', e->out);
		return;
	}
	if (!text_fmt)
		return;
	buf[0] = '\0';
	for (i = 0; i < n && used < sizeof(buf) - 1; i++) {
		int w = snprintf(buf + used, sizeof(buf) - used, "%s%s",
				 i ? "," : "", items[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	fprintf(e->out, text_fmt, n ? buf : "-");
}
