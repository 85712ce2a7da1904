/* procwire read FILE: placeholder until the packet core lands. */
#include "cmd/cmd.h"

int cmd_read_main(int argc, char **argv)
{
	return cmd_usage_error("read", "not built yet");
}
