/* Whole-buffer writes to a file descriptor for the capture writers.
 *
 * A capture block goes out in one write() call where the kernel allows it,
 * so that a reader (or a file left by a killed writer) sees whole blocks
 * only; short writes are continued and EINTR retried. */
#ifndef PW_SINK_FD_WRITE_H
#define PW_SINK_FD_WRITE_H

#include <stddef.h>
#include <sys/uio.h>

#include "base/error.h"

/* Writes len bytes. On failure fills err naming `what` and the file
 * `name` ("disk full while writing packet 12 to x.pcapng" for ENOSPC) and
 * returns -1. */
int pw_fd_write_all(int fd, const void *buf, size_t len, const char *name,
		    const char *what, struct pw_error *err);

/* Writes the n pieces of one block with one writev() where the kernel
 * allows it, so a packet's bytes go out from where they lie instead of
 * being copied into the block first. Consumes iov (short writes advance
 * it). Returns 0 or -errno; pw_fd_write_error then names the failure, so
 * a caller formats what it was writing only when it failed. */
int pw_fd_writev_all(int fd, struct iovec *iov, int n);

/* Fills err for a write of `what` to `name` that failed with e (a
 * negative errno); returns e. */
int pw_fd_write_error(struct pw_error *err, int e, const char *name,
		      const char *what);

#endif
