#include "base/emit.h"

#include <inttypes.h>
#include <string.h>

/* Text formats come from the caller, one literal per field, each taking
 * exactly the value's type: the same contract printf has, minus the
 * compiler's check, which cannot see through this layer. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* Writing a flow table of tens of thousands of rows spent a third of its
 * time inside printf. Fields use a tiny subset of printf formats: literal
 * text around one conversion with an optional '-' and a width, of a string
 * ("s") or an unsigned integer ("u", "lu", "llu"). This formatter handles
 * exactly that subset and returns false for anything else, which then
 * goes to printf as before. */
static size_t u64_to_dec(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void put_padded(FILE *out, const char *s, size_t len, unsigned width,
		       bool left)
{
	static const char spaces[] = "                                ";
	size_t pad = width > len ? width - len : 0;

	if (!left)
		while (pad) {
			size_t k = pad < sizeof(spaces) - 1 ? pad
							    : sizeof(spaces) - 1;
			fwrite_unlocked(spaces, 1, k, out);
			pad -= k;
		}
	fwrite_unlocked(s, 1, len, out);
	if (left)
		while (pad) {
			size_t k = pad < sizeof(spaces) - 1 ? pad
							    : sizeof(spaces) - 1;
			fwrite_unlocked(spaces, 1, k, out);
			pad -= k;
		}
}

/* str is used when is_num is false, num otherwise. */
static bool text_fast(FILE *out, const char *fmt, const char *str,
		      uint64_t num, bool is_num)
{
	const char *pct = strchr(fmt, '%'), *p, *rest;
	unsigned width = 0;
	bool left = false;
	char digits[20];

	if (!pct || pct[1] == '%')
		return false;
	p = pct + 1;
	if (*p == '-') {
		left = true;
		p++;
	}
	while (*p >= '0' && *p <= '9' && width < 1000)
		width = width * 10 + (unsigned)(*p++ - '0');
	if (is_num) {
		while (*p == 'l')
			p++;
		if (*p != 'u')
			return false;
	} else if (*p != 's') {
		return false;
	}
	rest = p + 1;
	if (strchr(rest, '%'))
		return false;
	fwrite_unlocked(fmt, 1, (size_t)(pct - fmt), out);
	if (is_num)
		put_padded(out, digits, u64_to_dec(digits, num), width, left);
	else
		put_padded(out, str, strlen(str), width, left);
	fputs_unlocked(rest, out);
	return true;
}

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

/* Keys are our own identifiers: no escaping needed. */
static void emit_key(struct pw_emit *e, const char *key)
{
	if (e->fields++)
		fputc_unlocked(',', e->out);
	fputc_unlocked('"', e->out);
	fputs_unlocked(key, e->out);
	fputs_unlocked("\":", e->out);
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

	fputc_unlocked('"', out);
	while (*p) {
		const unsigned char *run = p;

		/* Plain printable ASCII goes out in one piece. */
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			fwrite_unlocked(run, 1, (size_t)(p - run), out);
		if (!*p)
			break;
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
		fwrite_unlocked(p, 1, n, out);
		p += n;
	}
	fputc_unlocked('"', out);
}

void pw_emit_str(struct pw_emit *e, const char *key, const char *text_fmt,
		 const char *val)
{
	if (pw_emit_json(e)) {
		emit_key(e, key);
		if (val)
			pw_json_write_string(e->out, val);
		else
			fputs_unlocked("null", e->out);
		return;
	}
	if (text_fmt && !text_fast(e->out, text_fmt, val && *val ? val : "-",
				   0, false))
		fprintf(e->out, text_fmt, val && *val ? val : "-");
}

void pw_emit_text(struct pw_emit *e, const char *text_fmt, const char *val)
{
	if (pw_emit_json(e))
		return;
	if (!text_fast(e->out, text_fmt, val, 0, false))
		fprintf(e->out, text_fmt, val);
}

void pw_emit_u64(struct pw_emit *e, const char *key, const char *text_fmt,
		 uint64_t val)
{
	char digits[20];

	if (pw_emit_json(e)) {
		emit_key(e, key);
		fwrite_unlocked(digits, 1, u64_to_dec(digits, val), e->out);
		return;
	}
	if (text_fmt && !text_fast(e->out, text_fmt, NULL, val, true))
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
		size_t n;

		emit_key(e, key);
		n = u64_to_dec(buf, ts_ns / 1000000000u);
		buf[n++] = '.';
		snprintf(buf + n, sizeof(buf) - n, "%09u",
			 (unsigned)(ts_ns % 1000000000u));
		fputs_unlocked(buf, e->out);
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
	for (i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		if (used + l + 2 > sizeof(buf))
			break;
		if (i)
			buf[used++] = ',';
		memcpy(buf + used, items[i], l);
		used += l;
	}
	buf[used] = '\0';
	if (!text_fast(e->out, text_fmt, n ? buf : "-", 0, false))
		fprintf(e->out, text_fmt, n ? buf : "-");
}
