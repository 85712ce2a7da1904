#include "base/packet.h"

const char *pw_owner_method_name(enum pw_owner_method m)
{
	switch (m) {
	case PW_OWNER_EBPF_SOCKET:
		return "ebpf-socket";
	case PW_OWNER_EBPF_TUPLE:
		return "ebpf-tuple";
	case PW_OWNER_PREFILL:
		return "prefill";
	case PW_OWNER_POLLING:
		return "polling";
	case PW_OWNER_FILE:
		return "file";
	case PW_OWNER_NONE:
		break;
	}
	return "none";
}
