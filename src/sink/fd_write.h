/* Whole-buffer writes to a file descriptor for the capture writers.
 *
 * A capture block goes out in one write() call where the kernel allows it,
 * so that a reader (or a file left by a killed writer) sees whole blocks
 * only; short writes are continued and EINTR retried.
 *
 * struct pw_fd_out can gather small blocks in a buffer first: one
 * writev() per packet was the capture's largest cost with many small
 * packets. A block is never split between two writes by the buffer: it
 * is copied in whole, or written (after what waits, in the same
 * writev()) from where it lies. */
#ifndef PW_SINK_FD_WRITE_H
#define PW_SINK_FD_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Largest block copied into the buffer: an MTU-sized packet with its
 * block framing and owner comment. */
#define PW_FD_OUT_COPY_MAX 4096

/* Blocks on their way to fd. Unbuffered (cap 0) until
 * pw_fd_out_set_buffer. */
struct pw_fd_out {
	int fd;
	uint8_t *buf;
	size_t len;		/* bytes waiting in buf */
	size_t cap;
	size_t copy_max;	/* larger blocks are not copied */
};

void pw_fd_out_init(struct pw_fd_out *o, int fd);

/* Gathers blocks of at most PW_FD_OUT_COPY_MAX bytes (and at most cap/4)
 * in a buffer of cap bytes; 0
 * writes every block at once. Writes what waits first. Returns 0 or
 * -errno (-ENOMEM: left unbuffered). */
int pw_fd_out_set_buffer(struct pw_fd_out *o, size_t cap);

/* One block of n pieces: copied into the buffer when small and it fits,
 * else written with what waits in one writev(). Consumes iov. Returns 0
 * or -errno as pw_fd_writev_all; on failure what waited is dropped too
 * (the file ends mid-block, its writer must stop). */
int pw_fd_out_writev(struct pw_fd_out *o, struct iovec *iov, int n);

/* Writes what waits. Returns 0 or -errno (what waited is dropped). */
int pw_fd_out_flush(struct pw_fd_out *o);

/* The same for a writer of the file `name` with a failed flag: refused
 * (-1, err set) once *failed; a write error sets *failed and fills err
 * ("disk full while writing buffered packets to NAME"). Return 0 or -1. */
int pw_fd_out_set_buffer_named(struct pw_fd_out *o, size_t cap, bool *failed,
			       const char *name, struct pw_error *err);
int pw_fd_out_flush_named(struct pw_fd_out *o, bool *failed,
			  const char *name, struct pw_error *err);

/* Bytes waiting in the buffer. */
static inline size_t pw_fd_out_pending(const struct pw_fd_out *o)
{
	return o->len;
}

/* Frees the buffer without writing what waits (flush first); o is then
 * unbuffered. Does not close fd. */
void pw_fd_out_free(struct pw_fd_out *o);

#endif
