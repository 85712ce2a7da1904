/* The public capture API (include/procwire.h): pw_capture_run on a thread
 * of its own, stopped through a flag instead of a signal. */
#include "procwire.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "capture/capture.h"

#define MAX_NAME_LEN 15		/* comm without its NUL */

enum cap_state {
	CAP_STARTING,		/* setting up: kernel programs, targets, file */
	CAP_RUNNING,		/* in the loop */
	CAP_ENDED,		/* pw_capture_run returned */
};

struct procwire_capture {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;	/* state moved on */
	enum cap_state state;
	int exit_status;	/* of pw_capture_run, once CAP_ENDED */
	atomic_bool stop;
	struct pw_capture_opts run;
	struct pw_capture_stats stats;
	struct pw_error err;
	/* Copies of what the caller's options pointed to. */
	char *path;
	char *filter;
	uint32_t *pids;
	char **names;
	size_t nnames;
};

_Static_assert(MAX_NAME_LEN + 1 == PROCWIRE_COMM_LEN, "comm length");

__attribute__((format(printf, 4, 5)))
static int fail(char *errbuf, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

void procwire_capture_options_init(struct procwire_capture_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	opts->flags = PROCWIRE_CAPTURE_FOLLOW;
}

/* A caller built against a newer header may pass a larger structure;
 * that is fine as long as it sets none of the fields we do not know
 * (as the kernel does for openat2 and clone3). */
static int check_size(const struct procwire_capture_options *opts)
{
	const unsigned char *p = (const unsigned char *)opts;

	if (opts->size < sizeof(*opts))
		return -EINVAL;
	for (size_t i = sizeof(*opts); i < opts->size; i++)
		if (p[i])
			return -E2BIG;
	return 0;
}

static int check_options(const struct procwire_capture_options *opts,
			 char *errbuf, size_t errlen)
{
	const unsigned known = PROCWIRE_CAPTURE_FOLLOW |
			       PROCWIRE_CAPTURE_HEADERS_ONLY |
			       PROCWIRE_CAPTURE_LOOPBACK | PROCWIRE_CAPTURE_PCAP;
	size_t i;
	int r;

	if (!opts)
		return fail(errbuf, errlen, -EINVAL, "no options: call "
			    "procwire_capture_options_init first");
	r = check_size(opts);
	if (r == -EINVAL)
		return fail(errbuf, errlen, r, "options size %zu, want %zu: "
			    "call procwire_capture_options_init first",
			    opts->size, sizeof(*opts));
	if (r < 0)
		return fail(errbuf, errlen, r, "options of a newer procwire "
			    "(size %zu, this one knows %zu) are set",
			    opts->size, sizeof(*opts));
	if (!opts->path || !opts->path[0])
		return fail(errbuf, errlen, -EINVAL, "no output path");
	if (!strcmp(opts->path, "-"))
		return fail(errbuf, errlen, -EINVAL, "the output must be a "
			    "file, not '-' (standard output)");
	if (!opts->npids && !opts->nnames)
		return fail(errbuf, errlen, -EINVAL, "no target: give pids "
			    "or names");
	if (opts->npids && !opts->pids)
		return fail(errbuf, errlen, -EINVAL, "npids is %zu but pids "
			    "is NULL", opts->npids);
	if (opts->nnames && !opts->names)
		return fail(errbuf, errlen, -EINVAL, "nnames is %zu but names "
			    "is NULL", opts->nnames);
	for (i = 0; i < opts->npids; i++)
		if (!opts->pids[i])
			return fail(errbuf, errlen, -EINVAL, "pid 0 (pids[%zu])"
				    " is not a process", i);
	for (i = 0; i < opts->nnames; i++) {
		const char *n = opts->names[i];

		if (!n || !n[0] || strlen(n) > MAX_NAME_LEN)
			return fail(errbuf, errlen, -EINVAL, "names[%zu] '%s':"
				    " a command name has 1 to %d bytes", i,
				    n ? n : "(null)", MAX_NAME_LEN);
	}
	if (opts->flags & ~known)
		return fail(errbuf, errlen, -EINVAL, "unknown flags 0x%x",
			    opts->flags & ~known);
	if (opts->snaplen && (opts->snaplen < 64 || opts->snaplen > 262144))
		return fail(errbuf, errlen, -EINVAL, "snaplen %u: give 64 to "
			    "262144 (or 0 for 262144)", opts->snaplen);
	if (opts->ringbuf_bytes && (opts->ringbuf_bytes < (1u << 20) ||
				    opts->ringbuf_bytes > (1u << 30)))
		return fail(errbuf, errlen, -EINVAL, "ringbuf_bytes %u: give "
			    "1 MiB to 1 GiB (or 0 for 32 MiB)",
			    opts->ringbuf_bytes);
	if (opts->duration_ms > UINT64_MAX / 1000000)
		return fail(errbuf, errlen, -EINVAL, "duration_ms %llu is "
			    "too long", (unsigned long long)opts->duration_ms);
	return 0;
}

static void set_state(struct procwire_capture *c, enum cap_state state)
{
	pthread_mutex_lock(&c->lock);
	c->state = state;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
}

static void on_running(void *ctx)
{
	set_state(ctx, CAP_RUNNING);
}

static void cap_free(struct procwire_capture *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->pids);
	free(c->filter);
	free(c->path);
	pthread_cond_destroy(&c->changed);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The capture's own copy of the options: the caller's may go away as
 * soon as start returns. */
static struct procwire_capture *
cap_new(const struct procwire_capture_options *opts)
{
	struct procwire_capture *c;
	pthread_condattr_t ca;
	struct pw_capture_opts *r;
	bool ok;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	/* Waits with a timeout measure it on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->changed, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&c->stop, false);
	c->path = strdup(opts->path);
	ok = c->path != NULL;
	if (ok && opts->filter)
		ok = (c->filter = strdup(opts->filter)) != NULL;
	if (ok && opts->npids) {
		c->pids = calloc(opts->npids, sizeof(*c->pids));
		ok = c->pids != NULL;
		if (ok)
			memcpy(c->pids, opts->pids,
			       opts->npids * sizeof(*c->pids));
	}
	if (ok && opts->nnames) {
		c->names = calloc(opts->nnames, sizeof(*c->names));
		ok = c->names != NULL;
		for (; ok && c->nnames < opts->nnames; c->nnames++) {
			c->names[c->nnames] = strdup(opts->names[c->nnames]);
			ok = c->names[c->nnames] != NULL;
		}
	}
	if (!ok) {
		cap_free(c);
		return NULL;
	}

	r = &c->run;
	pw_capture_opts_init(r);
	r->out_path = c->path;
	r->pcap = opts->flags & PROCWIRE_CAPTURE_PCAP;
	r->pids = c->pids;
	r->npids = opts->npids;
	r->names = (const char *const *)c->names;
	r->nnames = c->nnames;
	r->follow = opts->flags & PROCWIRE_CAPTURE_FOLLOW;
	r->loopback = opts->flags & PROCWIRE_CAPTURE_LOOPBACK;
	r->headers_only = opts->flags & PROCWIRE_CAPTURE_HEADERS_ONLY;
	r->quiet = true;
	r->snaplen = opts->snaplen;
	r->ringbuf_bytes = opts->ringbuf_bytes;
	r->duration_ns = opts->duration_ms * 1000000ull;
	r->filter = c->filter;
	r->stop = &c->stop;
	r->err = &c->err;
	r->stats = &c->stats;
	r->on_running = on_running;
	r->ctx = c;
	return c;
}

static void *capture_thread(void *arg)
{
	struct procwire_capture *c = arg;
	int status;

	status = pw_capture_run(&c->run);
	pthread_mutex_lock(&c->lock);
	c->exit_status = status;
	c->state = CAP_ENDED;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* The negative errno of a capture that failed. */
static int run_error(const struct procwire_capture *c)
{
	if (c->exit_status == 0)
		return 0;
	if (c->err.code < 0)
		return c->err.code;
	return c->exit_status == 2 ? -EINVAL : -EIO;
}

int procwire_capture_start(const struct procwire_capture_options *opts,
			   procwire_capture_t **out, char *errbuf,
			   size_t errlen)
{
	struct procwire_capture *c;
	sigset_t all, old;
	bool failed;
	int r;

	if (errbuf && errlen)
		errbuf[0] = 0;
	if (!out)
		return fail(errbuf, errlen, -EINVAL, "no place for the handle");
	*out = NULL;
	r = check_options(opts, errbuf, errlen);
	if (r < 0)
		return r;
	c = cap_new(opts);
	if (!c)
		return fail(errbuf, errlen, -ENOMEM, "out of memory");

	/* The thread inherits this mask: the process's signals are handled
	 * by its other threads, never by the capture. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&c->thread, NULL, capture_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		cap_free(c);
		return fail(errbuf, errlen, -r, "cannot start the capture "
			    "thread: %s", strerror(r));
	}

	pthread_mutex_lock(&c->lock);
	while (c->state == CAP_STARTING)
		pthread_cond_wait(&c->changed, &c->lock);
	/* Ended before it ran: set-up failed. (One that ran and already
	 * ended, say at a write error, is left for stop to report.) */
	failed = c->state == CAP_ENDED && c->exit_status;
	pthread_mutex_unlock(&c->lock);
	if (failed) {
		pthread_join(c->thread, NULL);
		r = run_error(c);
		fail(errbuf, errlen, r, "%s", c->err.msg[0] ? c->err.msg :
		     "the capture could not start");
		cap_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int procwire_capture_wait(procwire_capture_t *cap, int timeout_ms)
{
	struct timespec until;
	int ended;

	if (!cap)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&cap->lock);
	while (cap->state != CAP_ENDED) {
		if (timeout_ms < 0)
			pthread_cond_wait(&cap->changed, &cap->lock);
		else if (pthread_cond_timedwait(&cap->changed, &cap->lock,
						&until) == ETIMEDOUT)
			break;
	}
	ended = cap->state == CAP_ENDED;
	pthread_mutex_unlock(&cap->lock);
	return ended;
}

/* The public counters, cut to the caller's structure size. */
static void copy_stats(const struct pw_capture_stats *in,
		       struct procwire_capture_stats *out)
{
	struct procwire_capture_stats full;
	size_t n;

	memset(&full, 0, sizeof(full));
	full.size = out->size;
	full.packets = in->written;
	full.bytes = in->bytes;
	full.kernel_drops = in->kernel_drops;
	full.user_drops = in->user_drops;
	full.filtered = in->filtered;
	full.icmp_errors = in->icmp_matched;
	full.icmp_others = in->icmp_unmatched;
	n = out->size < sizeof(full) ? out->size : sizeof(full);
	memcpy(out, &full, n);
}

int procwire_capture_stop(procwire_capture_t *cap,
			  struct procwire_capture_stats *stats,
			  char *errbuf, size_t errlen)
{
	int r;

	if (errbuf && errlen)
		errbuf[0] = 0;
	if (!cap)
		return fail(errbuf, errlen, -EINVAL, "no capture");
	atomic_store(&cap->stop, true);
	pthread_join(cap->thread, NULL);
	if (stats)
		copy_stats(&cap->stats, stats);
	r = run_error(cap);
	if (cap->err.msg[0])
		fail(errbuf, errlen, r, "%s", cap->err.msg);
	else if (r < 0)
		fail(errbuf, errlen, r, "the capture failed");
	cap_free(cap);
	return r;
}
