#include "sink/fd_write.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int pw_fd_writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t done;

	while (n > 0) {
		if (iov->iov_len == 0) {
			iov++;
			n--;
			continue;
		}
		done = writev(fd, iov, n);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -errno;
		if (done == 0)
			return -EIO;
		for (; n > 0 && (size_t)done >= iov->iov_len; iov++, n--)
			done -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return 0;
}

int pw_fd_write_error(struct pw_error *err, int e, const char *name,
		      const char *what)
{
	if (e == -ENOSPC || e == -EDQUOT)
		return pw_error_set(err, e, "disk full while writing %s to %s",
				    what, name);
	return pw_error_set(err, e, "cannot write %s to %s: %s", what, name,
			    strerror(-e));
}

int pw_fd_write_all(int fd, const void *buf, size_t len, const char *name,
		    const char *what, struct pw_error *err)
{
	struct iovec iov = { (void *)buf, len };
	int e = pw_fd_writev_all(fd, &iov, 1);

	return e < 0 ? pw_fd_write_error(err, e, name, what) : 0;
}
