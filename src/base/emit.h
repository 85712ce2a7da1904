/* One print path for text and JSON Lines.
 *
 * A record is printed field by field; each call names the JSON key and the
 * printf format used in text mode, so one sequence of calls renders either
 * a table row or a JSON object (the iproute2 json_print habit). */
#ifndef PW_BASE_EMIT_H
#define PW_BASE_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum pw_emit_mode { PW_EMIT_TEXT, PW_EMIT_JSON };

struct pw_emit {
	FILE *out;
	enum pw_emit_mode mode;
	unsigned fields;	/* fields printed in the current record */
};

void pw_emit_init(struct pw_emit *e, FILE *out, enum pw_emit_mode mode);

static inline bool pw_emit_json(const struct pw_emit *e)
{
	return e->mode == PW_EMIT_JSON;
}

void pw_emit_begin(struct pw_emit *e);
void pw_emit_end(struct pw_emit *e);

/* text_fmt takes one argument of the value's type (e.g. "%-21s "); NULL
 * hides the field in text mode. A NULL string is printed as JSON null and
 * as "-" in text. */
void pw_emit_str(struct pw_emit *e, const char *key, const char *text_fmt,
		 const char *val);
void pw_emit_u64(struct pw_emit *e, const char *key, const char *text_fmt,
		 uint64_t val);
void pw_emit_bool(struct pw_emit *e, const char *key, const char *text_fmt,
		  bool val);
/* Text-only piece of a row (nothing in JSON), e.g. a combined column. */
void pw_emit_text(struct pw_emit *e, const char *text_fmt, const char *val);

/* Nanosecond timestamp: JSON number "seconds.nanoseconds"; text in
 * seconds with microseconds via text_fmt (a %s format). */
void pw_emit_ts(struct pw_emit *e, const char *key, const char *text_fmt,
		uint64_t ts_ns);
/* Starts a JSON array of strings under key; text mode prints items
 * separated by ',' after text_prefix. */
void pw_emit_str_list(struct pw_emit *e, const char *key,
		      const char *const *items, unsigned n,
		      const char *text_fmt);

/* Writes s as a JSON string literal (quotes included): control characters
 * escaped, invalid UTF-8 replaced by U+FFFD, so packet bytes cannot break
 * the output. */
void pw_json_write_string(FILE *out, const char *s);

#endif
