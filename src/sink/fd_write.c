#include "sink/fd_write.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int pw_fd_write_all(int fd, const void *buf, size_t len, const char *name,
		    const char *what, struct pw_error *err)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			if (e == ENOSPC || e == EDQUOT)
				return pw_error_set(err, -e,
						    "disk full while writing "
						    "%s to %s", what, name);
			return pw_error_set(err, -e, "cannot write %s to %s: "
					    "%s", what, name, strerror(e));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
