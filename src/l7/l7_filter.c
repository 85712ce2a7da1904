#include "l7/l7_filter.h"

#include <errno.h>
#include <string.h>

/* One list parser for both name spaces; they differ only in the name
 * lookup and the masks that "all" and "known" stand for. */
struct name_space {
	const char *what;	/* "payload type", "protocol" */
	int (*from_name)(const char *name);
	uint32_t all, known;
};

static bool parse_list(const struct name_space *ns, const char *list,
		       uint32_t *mask, struct pw_error *err)
{
	char name[64];
	const char *p = list, *end, *s, *e;
	uint32_t m = 0;
	int idx;

	if (!list || !*list) {
		pw_error_set(err, -EINVAL, "empty %s list", ns->what);
		return false;
	}
	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		for (s = p; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = end; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (s == e) {
			pw_error_set(err, -EINVAL, "empty %s name in '%s'",
				     ns->what, list);
			return false;
		}
		if ((size_t)(e - s) >= sizeof(name)) {
			pw_error_set(err, -EINVAL,
				     "unknown %s '%.*s...' in '%s'", ns->what,
				     20, s, list);
			return false;
		}
		memcpy(name, s, (size_t)(e - s));
		name[e - s] = '\0';
		if (!strcmp(name, "all")) {
			m |= ns->all;
		} else if (!strcmp(name, "known")) {
			m |= ns->known;
		} else {
			idx = ns->from_name(name);
			if (idx < 0) {
				pw_error_set(err, -EINVAL,
					     "unknown %s '%s' in '%s'",
					     ns->what, name, list);
				return false;
			}
			m |= 1u << idx;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	*mask = m;
	return true;
}

bool pw_l7_payload_filter_parse(const char *list, uint32_t *mask,
				struct pw_error *err)
{
	static const struct name_space ns = {
		"payload type", pw_l7_payload_from_name,
		PW_L7_PAYLOAD_MASK_ALL, PW_L7_PAYLOAD_MASK_KNOWN,
	};

	return parse_list(&ns, list, mask, err);
}

bool pw_l7_proto_filter_parse(const char *list, uint32_t *mask,
			      struct pw_error *err)
{
	static const struct name_space ns = {
		"protocol", pw_l7_proto_from_name,
		PW_L7_PROTO_MASK_ALL, PW_L7_PROTO_MASK_KNOWN,
	};

	return parse_list(&ns, list, mask, err);
}

bool pw_l7_payload_filter_str(uint32_t mask, char *buf, size_t size)
{
	size_t len = 0, l;
	const char *name;
	unsigned i;

	if (!size)
		return false;
	buf[0] = '\0';
	mask &= PW_L7_PAYLOAD_MASK_ALL;
	if (mask == PW_L7_PAYLOAD_MASK_ALL ||
	    mask == PW_L7_PAYLOAD_MASK_KNOWN) {
		name = mask == PW_L7_PAYLOAD_MASK_ALL ? "all" : "known";
		if (strlen(name) >= size)
			return false;
		strcpy(buf, name);
		return true;
	}
	for (i = 0; i < PW_PL__COUNT; i++) {
		if (!(mask >> i & 1))
			continue;
		name = pw_l7_payload_name((enum pw_l7_payload)i);
		l = strlen(name);
		if (len + (len > 0) + l + 1 > size)
			return false;
		if (len)
			buf[len++] = ',';
		memcpy(buf + len, name, l + 1);
		len += l;
	}
	return true;
}
