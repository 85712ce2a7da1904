#include "sink/fd_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Pieces of a block the buffer's writev() takes with the buffer in
 * front; the writers use at most 3. */
#define OUT_MAX_PIECES 7

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

void pw_fd_out_init(struct pw_fd_out *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
}

int pw_fd_out_flush(struct pw_fd_out *o)
{
	struct iovec iov = { o->buf, o->len };

	if (!o->len)
		return 0;
	o->len = 0;
	return pw_fd_writev_all(o->fd, &iov, 1);
}

void pw_fd_out_free(struct pw_fd_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = 0;
	o->cap = 0;
}

int pw_fd_out_set_buffer(struct pw_fd_out *o, size_t cap)
{
	uint8_t *b = NULL;
	int r = pw_fd_out_flush(o);

	if (r < 0)
		return r;
	if (cap == o->cap)
		return 0;
	if (cap && !(b = malloc(cap))) {
		pw_fd_out_free(o);
		return -ENOMEM;
	}
	free(o->buf);
	o->buf = b;
	o->cap = cap;
	o->copy_max = cap / 4 < PW_FD_OUT_COPY_MAX ? cap / 4 :
		      PW_FD_OUT_COPY_MAX;
	return 0;
}

/* What a writer's set_buffer or flush returns for r. */
static int named_result(int r, bool *failed, const char *name,
			struct pw_error *err)
{
	if (r == -ENOMEM)
		return pw_error_set(err, r, "out of memory");
	if (r < 0) {
		*failed = true;
		return pw_fd_write_error(err, r, name, "buffered packets");
	}
	return 0;
}

static int refused(const char *name, struct pw_error *err)
{
	return pw_error_set(err, -EIO, "%s: not writing after an earlier "
			    "write error", name);
}

int pw_fd_out_set_buffer_named(struct pw_fd_out *o, size_t cap, bool *failed,
			       const char *name, struct pw_error *err)
{
	if (*failed)
		return refused(name, err);
	return named_result(pw_fd_out_set_buffer(o, cap), failed, name, err);
}

int pw_fd_out_flush_named(struct pw_fd_out *o, bool *failed,
			  const char *name, struct pw_error *err)
{
	if (*failed)
		return refused(name, err);
	return named_result(pw_fd_out_flush(o), failed, name, err);
}

int pw_fd_out_writev(struct pw_fd_out *o, struct iovec *iov, int n)
{
	struct iovec all[OUT_MAX_PIECES + 1];
	size_t total = 0;
	int i, r;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	/* Larger blocks are written from where they lie: their syscall
	 * is shared by many bytes, a copy would not be (copying 32 KiB GSO
	 * packets into the buffer cost a 1 Gbit/s capture a fifth of its
	 * CPU; a syscall costs about what copying 4 KiB does). */
	if (total <= o->copy_max && o->len + total <= o->cap) {
		for (i = 0; i < n; i++) {
			if (!iov[i].iov_len)
				continue;
			memcpy(o->buf + o->len, iov[i].iov_base,
			       iov[i].iov_len);
			o->len += iov[i].iov_len;
		}
		return 0;
	}
	if (!o->len)
		return pw_fd_writev_all(o->fd, iov, n);
	if (n > OUT_MAX_PIECES) {
		r = pw_fd_out_flush(o);
		return r < 0 ? r : pw_fd_writev_all(o->fd, iov, n);
	}
	all[0] = (struct iovec){ o->buf, o->len };
	memcpy(all + 1, iov, (size_t)n * sizeof(*iov));
	o->len = 0;
	return pw_fd_writev_all(o->fd, all, n + 1);
}
