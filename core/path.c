// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reading sysfs/procfs files under the context's root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* sysfs attributes are at most a page; /proc files we read are small */
#define READ_MAX (1024 * 1024)

static int vpath(const struct cpuiso_ctx *ctx, char **ret, const char *fmt,
		 va_list ap)
{
	_cleanup_free_ char *rel = NULL;

	if (vasprintf(&rel, fmt, ap) < 0)
		return -ENOMEM;
	if (asprintf(ret, "%s%s", ctx->root, rel) < 0)
		return -ENOMEM;
	return 0;
}

int ctx_path(const struct cpuiso_ctx *ctx, char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, ret, fmt, ap);
	va_end(ap);
	return r;
}

/* 1 if the path exists, 0 if not, negative errno on other errors. */
int ctx_exists(const struct cpuiso_ctx *ctx, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, &path, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (access(path, F_OK) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

/* @regular: refuse (-EINVAL) what is not a regular file, a FIFO unopened */
static int read_path(const char *path, size_t max, char **ret,
		     size_t *ret_len, bool regular)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, size = 4096;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | (regular ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	if (regular && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
		return -EINVAL;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			char *nbuf;

			if (size >= max)
				return -EFBIG;
			nbuf = realloc(buf, size * 2);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			size *= 2;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* Resolve and read; @path is kept for messages. */
static int vread(const struct cpuiso_ctx *ctx, char **path, char **ret,
		 const char *fmt, va_list ap)
{
	int r = vpath(ctx, path, fmt, ap);

	return r < 0 ? r : read_path(*path, READ_MAX, ret, NULL, false);
}

/* A regular file whole, and its length (it may hold NUL bytes). */
int ctx_read_raw(const struct cpuiso_ctx *ctx, char **ret, size_t *len,
		 const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, &path, fmt, ap);
	va_end(ap);
	return r < 0 ? r : read_path(path, READ_MAX, ret, len, true);
}

/* Whole file, with one trailing newline removed. */
int ctx_read(const struct cpuiso_ctx *ctx, char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	va_list ap;
	size_t len;
	int r;

	va_start(ap, fmt);
	r = vread(ctx, &path, ret, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	len = strlen(*ret);
	if (len > 0 && (*ret)[len - 1] == '\n')
		(*ret)[len - 1] = '\0';
	return 0;
}

/* A regular file whole, up to @max bytes (a trace can be large), as it is. */
int ctx_read_max(const struct cpuiso_ctx *ctx, size_t max, char **ret,
		 const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, &path, fmt, ap);
	va_end(ap);
	return r < 0 ? r : read_path(path, max, ret, NULL, true);
}

/* @op on the path under the root: 0 or its errno, negated */
static int vpath_op(const struct cpuiso_ctx *ctx, int (*op)(const char *),
		    const char *fmt, va_list ap)
{
	_cleanup_free_ char *path = NULL;
	int r = vpath(ctx, &path, fmt, ap);

	if (r < 0)
		return r;
	return op(path) < 0 ? -errno : 0;
}

static int mkdir_0755(const char *path)
{
	return mkdir(path, 0755);
}

/* mkdir and rmdir under the root: tracefs instances */
int ctx_mkdir(const struct cpuiso_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath_op(ctx, mkdir_0755, fmt, ap);
	va_end(ap);
	return r;
}

int ctx_rmdir(const struct cpuiso_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpath_op(ctx, rmdir, fmt, ap);
	va_end(ap);
	return r;
}

static int parse_int(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int ctx_read_int(const struct cpuiso_ctx *ctx, int *ret, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vread(ctx, &path, &buf, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	r = parse_int(buf, ret);
	if (r < 0)
		err(ctx, "%s: not a number", path);
	return r;
}

int ctx_read_cpuset(const struct cpuiso_ctx *ctx, unsigned int nbits,
		    struct cpuiso_cpuset **ret, const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	struct cpuiso_parse_error perr;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vread(ctx, &path, &buf, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = cpuiso_cpuset_parse(buf, nbits, ret, &perr);
	if (r < 0)
		err(ctx, "%s: %s at offset %zu", path, perr.reason, perr.pos);
	return r;
}

/* One write(2) of @value, as `echo value > file` does; the kernel's errno. */
int ctx_write(const struct cpuiso_ctx *ctx, const char *value,
	      const char *fmt, ...)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	va_list ap;
	ssize_t n;
	int r;

	va_start(ap, fmt);
	r = vpath(ctx, &path, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	dbg(ctx, "wrote '%s' to %s", value, path);
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Replace @path whole with @text: written to @tmp (same directory),
 * fsynced, renamed over @path, so a reader or a crash sees the old file
 * or the new one, never a part.  @tmp is removed on failure.
 */
int write_file_atomic(const char *path, const char *tmp, const char *text)
{
	FILE *f;
	int r;

	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	r = fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0 ?
		0 : -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * flock(LOCK_EX) @fd: @timeout 0 tries once (-EWOULDBLOCK), -1 waits for
 * good, N waits up to N seconds (-ETIMEDOUT); other errors as -errno.
 */
int flock_wait(int fd, int timeout)
{
	struct timespec start, now;

	if (timeout < 0)
		return flock(fd, LOCK_EX) < 0 ? -errno : 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout)
			return timeout ? -ETIMEDOUT : -EWOULDBLOCK;
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	return 0;
}
