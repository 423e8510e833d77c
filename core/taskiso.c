// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Task isolation mode (kernel series 0018): a thread alone on an isolated
 * CPU asks not to be interrupted in user mode; the kernel counts, names
 * and (in strict mode) signals every kernel entry it still takes, and
 * keeps the record in /proc/PID/task_isolation.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "cpuiso.h"
#include "internal.h"

/* the series' uapi, for C libraries whose headers predate it */
#ifndef PR_SET_TASK_ISOLATION
#define PR_SET_TASK_ISOLATION		0x54495301
#define PR_GET_TASK_ISOLATION		0x54495302
#define PR_TASK_ISOLATION_ENABLE	(1UL << 0)
#define PR_TASK_ISOLATION_STRICT	(1UL << 1)
#define PR_TASK_ISOLATION_SET_SIG(sig)	(((sig) & 0x7fUL) << 8)
#endif

static const char *const kind_names[] = {
	[CPUISO_TASK_ISOL_SYSCALL] = "syscall",
	[CPUISO_TASK_ISOL_EXCEPTION] = "exception",
	[CPUISO_TASK_ISOL_IRQ] = "irq",
	[CPUISO_TASK_ISOL_IPI] = "ipi",
	[CPUISO_TASK_ISOL_NMI] = "nmi",
	[CPUISO_TASK_ISOL_LEFT] = "left",
};

CPUISO_EXPORT const char *cpuiso_task_isol_kind_to_string(enum cpuiso_task_isol_kind kind)
{
	return kind < ELEMENTSOF(kind_names) ? kind_names[kind] : NULL;
}

CPUISO_EXPORT int cpuiso_task_isolation_enter(unsigned int flags, int sig)
{
	unsigned long bits = PR_TASK_ISOLATION_ENABLE;

	if (flags & ~CPUISO_TASK_ISOLATION_STRICT || sig < 0 || sig >= NSIG ||
	    (sig && !(flags & CPUISO_TASK_ISOLATION_STRICT)))
		return -EINVAL;
	if (flags & CPUISO_TASK_ISOLATION_STRICT)
		bits |= PR_TASK_ISOLATION_STRICT | PR_TASK_ISOLATION_SET_SIG((unsigned long)sig);
	if (prctl(PR_SET_TASK_ISOLATION, bits, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

CPUISO_EXPORT int cpuiso_task_isolation_leave(void)
{
	return prctl(PR_SET_TASK_ISOLATION, 0, 0, 0, 0) < 0 ? -errno : 0;
}

/*
 * CPUISO_TASK_ISOLATION, as `cpuiso run` sets it for the program it runs:
 * "on", "strict" or "strict:SIGNAL" (a number).  -ENOENT when unset.
 */
CPUISO_EXPORT int cpuiso_task_isolation_from_env(unsigned int *flags, int *sig)
{
	const char *v = secure_getenv("CPUISO_TASK_ISOLATION");
	char *end;
	long n;

	if (!flags || !sig)
		return -EINVAL;
	if (!v)
		return -ENOENT;
	*flags = 0;
	*sig = 0;
	if (strcmp(v, "on") == 0)
		return 0;
	if (strncmp(v, "strict", 6) != 0)
		return -EINVAL;
	*flags = CPUISO_TASK_ISOLATION_STRICT;
	if (v[6] == '\0')
		return 0;
	if (v[6] != ':')
		return -EINVAL;
	errno = 0;
	n = strtol(v + 7, &end, 10);
	if (errno || end == v + 7 || *end || n <= 0 || n >= NSIG)
		return -EINVAL;
	*sig = (int)n;
	return 0;
}

/* One "key: value" line of the record into @ret; -EBADMSG if unknown */
static int parse_line(const char *key, const char *val,
		      struct cpuiso_task_isolation *ret)
{
	char *end;
	unsigned long long n;

	if (strcmp(key, "mode") == 0) {
		if (strcmp(val, "off") == 0)
			ret->mode = CPUISO_TASK_ISOL_OFF;
		else if (strcmp(val, "on") == 0)
			ret->mode = CPUISO_TASK_ISOL_ON;
		else if (strcmp(val, "strict") == 0)
			ret->mode = CPUISO_TASK_ISOL_STRICT;
		else
			return -EBADMSG;
		return 0;
	}
	if (strcmp(key, "last") == 0 || strcmp(key, "signalled") == 0) {
		char *dst = key[0] == 'l' ? ret->last : ret->signalled;

		snprintf(dst, sizeof(ret->last), "%s", strcmp(val, "-") ? val : "");
		return 0;
	}
	errno = 0;
	n = strtoull(val, &end, 10);
	if (errno || end == val || *end || val[0] == '-')
		return -EBADMSG;
	if (strcmp(key, "cpu") == 0 || strcmp(key, "signal") == 0) {
		if (n > 4096)
			return -EBADMSG;
		*(key[0] == 'c' ? &ret->cpu : &ret->signal) = (int)n;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
		if (strcmp(key, kind_names[i]) == 0) {
			ret->count[i] = n;
			return 0;
		}
	/* a newer kernel's key: not an error */
	return 0;
}

CPUISO_EXPORT int cpuiso_task_isolation_read(struct cpuiso_ctx *ctx, int pid,
					     struct cpuiso_task_isolation *ret)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	bool mode = false;
	int r;

	if (!ctx || !ret || pid <= 0)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->cpu = -1;
	r = ctx_read_max(ctx, 4096, &text, "/proc/%d/task_isolation", pid);
	if (r == -ENOENT && ctx_exists(ctx, "/proc/%d", pid) > 0) {
		err(ctx, "this kernel has no task isolation mode (/proc/%d/task_isolation)", pid);
		return -EOPNOTSUPP;
	}
	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon || colon[1] != ' ') {
			err(ctx, "/proc/%d/task_isolation: cannot parse '%s'", pid, line);
			return -EBADMSG;
		}
		*colon = '\0';
		r = parse_line(line, colon + 2, ret);
		if (r < 0) {
			err(ctx, "/proc/%d/task_isolation: bad %s '%s'", pid, line, colon + 2);
			return r;
		}
		mode |= strcmp(line, "mode") == 0;
	}
	if (!mode) {
		err(ctx, "/proc/%d/task_isolation: no mode line", pid);
		return -EBADMSG;
	}
	for (size_t i = 0; i < ELEMENTSOF(ret->count); i++)
		ret->total += ret->count[i];
	return 0;
}
