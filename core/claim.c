// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CPUs claimed by containers: one record per container under
 * <root>/run/cpuiso/containers/<id>, written by the OCI hook when a
 * container's start isolates CPUs and removed when its stop releases
 * them.  A record says which CPUs the container was given, which of them
 * its start isolated (only those are released at its stop: a CPU that was
 * isolated by policy or by hand stays so), and the process that stands
 * for the container (pid and start time, so a reused pid is not taken
 * for it).  /run is a tmpfs: records do not outlive a boot.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CLAIM_DIR "/run/cpuiso/containers"
#define CLAIM_MAGIC "cpuiso-claim 1"
/* OCI runtimes allow ids of this shape; CRI-O's are 64 hex digits */
#define OWNER_MAX 128

struct claim {
	char *owner;
	struct cpuiso_cpuset *cpus;
	struct cpuiso_cpuset *isolated;
	int pid;
	unsigned long long start;
};

struct cpuiso_claims {
	size_t n;
	struct claim *v;
};

/**
 * cpuiso_claim_owner_valid: whether @owner can name a record: 1 to 128
 * characters of [A-Za-z0-9_.-], not starting with '.' (no path, no
 * hidden file, no "..").
 */
CPUISO_EXPORT bool cpuiso_claim_owner_valid(const char *owner)
{
	size_t len;

	if (!owner || !owner[0] || owner[0] == '.')
		return false;
	len = strlen(owner);
	if (len > OWNER_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isascii((unsigned char)owner[i]) ||
		    !(isalnum((unsigned char)owner[i]) || strchr("_.-", owner[i])))
			return false;
	return true;
}

static int claim_dir(struct cpuiso_ctx *ctx, char **ret, bool create)
{
	static const char *const dirs[] = { "/run", "/run/cpuiso", CLAIM_DIR };
	int r;

	for (size_t i = 0; create && i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *p = NULL;

		r = ctx_path(ctx, &p, "%s", dirs[i]);
		if (r < 0)
			return r;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	return ctx_path(ctx, ret, CLAIM_DIR);
}

/**
 * cpuiso_claims_lock: take the containers' lock (flock on
 * <root>/run/cpuiso/containers/.lock) and return its fd; close() it to
 * let go.  Held from reading the records to writing one, so two
 * containers starting at once cannot both claim a CPU.
 * @timeout: seconds to wait; 0 tries once (-EWOULDBLOCK), -1 waits for
 * good; -ETIMEDOUT when another run held it all that time
 */
CPUISO_EXPORT int cpuiso_claims_lock(struct cpuiso_ctx *ctx, int timeout)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	r = claim_dir(ctx, &dir, true);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/.lock", dir) < 0)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = flock_wait(fd, timeout);
	return r < 0 ? r : TAKE_FD(fd);
}

static void claim_done(struct claim *c)
{
	free(c->owner);
	cpuiso_cpuset_free(c->cpus);
	cpuiso_cpuset_free(c->isolated);
}

CPUISO_EXPORT void cpuiso_claims_free(struct cpuiso_claims *claims)
{
	if (!claims)
		return;
	for (size_t i = 0; i < claims->n; i++)
		claim_done(&claims->v[i]);
	free(claims->v);
	free(claims);
}

/* One record's text, refused whole if any line is not as written. */
static int claim_parse(char *text, unsigned int nbits, struct claim *c)
{
	char *save = NULL, *line;
	bool magic = false;
	int r;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, ' ');
		char *end;

		if (!magic) {
			if (strcmp(line, CLAIM_MAGIC) != 0)
				return -EBADMSG;
			magic = true;
			continue;
		}
		if (!val)
			return -EBADMSG;
		*val++ = '\0';
		if (strcmp(line, "cpus") == 0 && !c->cpus) {
			r = cpuiso_cpuset_parse(val, nbits, &c->cpus, NULL);
		} else if (strcmp(line, "isolated") == 0 && !c->isolated) {
			r = cpuiso_cpuset_parse(val, nbits, &c->isolated, NULL);
		} else if (strcmp(line, "pid") == 0) {
			long v;

			errno = 0;
			v = strtol(val, &end, 10);
			r = errno || end == val || *end || v < 0 || v > INT_MAX ?
				-EBADMSG : 0;
			c->pid = (int)v;
		} else if (strcmp(line, "start") == 0) {
			errno = 0;
			c->start = strtoull(val, &end, 10);
			r = errno || end == val || *end || val[0] == '-' ?
				-EBADMSG : 0;
		} else {
			r = -EBADMSG;
		}
		if (r < 0)
			return -EBADMSG;
	}
	if (!magic || !c->cpus || !c->isolated ||
	    !cpuiso_cpuset_is_subset(c->isolated, c->cpus))
		return -EBADMSG;
	return 0;
}

static int claim_read(struct cpuiso_ctx *ctx, const char *owner,
		      unsigned int nbits, struct claim *c)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	/* a regular file only: a FIFO planted here must not block every run */
	r = ctx_read_raw(ctx, &text, &len, CLAIM_DIR "/%s", owner);
	if (r < 0)
		return r;
	if (strlen(text) != len)
		return -EBADMSG;
	*c = (struct claim){ 0 };
	r = claim_parse(text, nbits, c);
	if (r < 0) {
		claim_done(c);
		return r;
	}
	c->owner = strdup(owner);
	if (!c->owner) {
		claim_done(c);
		return -ENOMEM;
	}
	return 0;
}

static int owner_cmp(const void *a, const void *b)
{
	return strcmp(((const struct claim *)a)->owner,
		      ((const struct claim *)b)->owner);
}

/**
 * cpuiso_claims_read: every container's record, sorted by owner.
 * @nbits: the machine's number of CPUs (cpuiso_system_nr_cpus())
 *
 * No record directory reads as no record.  A record that cannot be read
 * or parsed is logged and left out: it names no CPU anybody can trust.
 */
CPUISO_EXPORT int cpuiso_claims_read(struct cpuiso_ctx *ctx, unsigned int nbits,
				     struct cpuiso_claims **ret)
{
	_cleanup_(cpuiso_claims_freep) struct cpuiso_claims *claims = NULL;
	_cleanup_free_ char *dir = NULL;
	DIR *d;
	struct dirent *de;
	int r;

	claims = calloc(1, sizeof(*claims));
	if (!claims)
		return -ENOMEM;
	r = claim_dir(ctx, &dir, false);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*ret = TAKE_PTR(claims);
		return 0;
	}
	while ((de = readdir(d))) {
		struct claim c, *nv;

		if (!cpuiso_claim_owner_valid(de->d_name))
			continue;
		r = claim_read(ctx, de->d_name, nbits, &c);
		if (r < 0) {
			err(ctx, "%s/%s: unreadable container record: %s", dir,
			    de->d_name, strerror(-r));
			continue;
		}
		nv = realloc(claims->v, (claims->n + 1) * sizeof(*nv));
		if (!nv) {
			claim_done(&c);
			closedir(d);
			return -ENOMEM;
		}
		claims->v = nv;
		claims->v[claims->n++] = c;
	}
	closedir(d);
	if (claims->n)
		qsort(claims->v, claims->n, sizeof(*claims->v), owner_cmp);
	*ret = TAKE_PTR(claims);
	return 0;
}

CPUISO_EXPORT size_t cpuiso_claims_count(const struct cpuiso_claims *claims)
{
	return claims->n;
}

CPUISO_EXPORT const char *cpuiso_claims_get_owner(const struct cpuiso_claims *claims,
						  size_t i)
{
	return i < claims->n ? claims->v[i].owner : NULL;
}

/* The CPUs the container was given. */
CPUISO_EXPORT const struct cpuiso_cpuset *
cpuiso_claims_get_cpus(const struct cpuiso_claims *claims, size_t i)
{
	return i < claims->n ? claims->v[i].cpus : NULL;
}

/* Those of them its start isolated (its stop releases these only). */
CPUISO_EXPORT const struct cpuiso_cpuset *
cpuiso_claims_get_isolated(const struct cpuiso_claims *claims, size_t i)
{
	return i < claims->n ? claims->v[i].isolated : NULL;
}

/* The process that stands for the container, and its start time. */
CPUISO_EXPORT int cpuiso_claims_get_pid(const struct cpuiso_claims *claims,
					size_t i, unsigned long long *start)
{
	if (i >= claims->n)
		return -ENOENT;
	if (start)
		*start = claims->v[i].start;
	return claims->v[i].pid;
}

/**
 * cpuiso_claim_write: record (or replace) @owner's claim, whole: a
 * temporary file, fsync, rename.  @isolated must be within @cpus.
 */
CPUISO_EXPORT int cpuiso_claim_write(struct cpuiso_ctx *ctx, const char *owner,
				     const struct cpuiso_cpuset *cpus,
				     const struct cpuiso_cpuset *isolated,
				     int pid, unsigned long long start)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *tmp = NULL, *text = NULL;
	_cleanup_free_ char *c = NULL, *iso = NULL;
	int r;

	if (!cpuiso_claim_owner_valid(owner) || pid < 0 ||
	    !cpuiso_cpuset_is_subset(isolated, cpus))
		return -EINVAL;
	r = cpuiso_cpuset_format(cpus, &c);
	if (r < 0)
		return r;
	r = cpuiso_cpuset_format(isolated, &iso);
	if (r < 0)
		return r;
	r = claim_dir(ctx, &dir, true);
	if (r < 0)
		return r;
	/* the temporary file is hidden: no valid owner starts with '.' */
	if (asprintf(&path, "%s/%s", dir, owner) < 0 ||
	    asprintf(&tmp, "%s/.%s.tmp", dir, owner) < 0 ||
	    asprintf(&text, "%s\ncpus %s\nisolated %s\npid %d\nstart %llu\n",
		     CLAIM_MAGIC, c, iso, pid, start) < 0)
		return -ENOMEM;
	return write_file_atomic(path, tmp, text);
}

/* Forget @owner's claim; no record is not an error. */
CPUISO_EXPORT int cpuiso_claim_remove(struct cpuiso_ctx *ctx, const char *owner)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!cpuiso_claim_owner_valid(owner))
		return -EINVAL;
	r = ctx_path(ctx, &path, CLAIM_DIR "/%s", owner);
	if (r < 0)
		return r;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}
