// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The capability probe: which isolation mechanisms this kernel offers.
 * One table, one probe function a mechanism; each answers yes, no or
 * unknown, with the evidence it went by.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct cpuiso_probe {
	struct {
		enum cpuiso_avail avail;
		char *reason;
	} caps[_CPUISO_CAP_MAX];
};

struct probe_result {
	enum cpuiso_avail avail;
	char *reason;
};

static int answer(struct probe_result *res, enum cpuiso_avail avail,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int answer(struct probe_result *res, enum cpuiso_avail avail,
		  const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&res->reason, fmt, ap);
	va_end(ap);
	if (r < 0) {
		res->reason = NULL;
		return -ENOMEM;
	}
	res->avail = avail;
	return 0;
}

static int probe_state_file(struct cpuiso_ctx *ctx, struct probe_result *res)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *possible = NULL;
	int cpu, r;

	r = ctx_read_cpuset(ctx, CPUISO_MAX_CPUS, &possible,
			    "/sys/devices/system/cpu/possible");
	if (r < 0)
		return answer(res, CPUISO_AVAIL_UNKNOWN,
			      "cannot read the possible CPUs: %s", strerror(-r));
	cpuiso_cpuset_foreach(cpu, possible) {
		r = ctx_exists(ctx, "/sys/devices/system/cpu/cpu%d/state", cpu);
		if (r > 0)
			return answer(res, CPUISO_AVAIL_YES,
				      "cpu%d/state present (patched kernel)", cpu);
	}
	return answer(res, CPUISO_AVAIL_NO,
		      "no cpuN/state file: kernel without the cpuiso patches");
}

static int probe_module(struct cpuiso_ctx *ctx, struct probe_result *res)
{
	_cleanup_free_ char *release = NULL;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *kctx = NULL;
	const char *path;
	int r;

	if (ctx_exists(ctx, "/sys/module/cpuiso") > 0)
		return answer(res, CPUISO_AVAIL_YES, "cpuiso module loaded");

	r = module_find(ctx, &release, &kctx, &mod);
	if (r == -ENODATA)
		return answer(res, CPUISO_AVAIL_UNKNOWN, "kernel release unknown");
	if (r == -ENOENT)
		return answer(res, CPUISO_AVAIL_NO,
			      "cpuiso.ko not installed for %s", release);
	if (r < 0)
		return r;
	path = kmod_module_get_path(mod);
	r = answer(res, CPUISO_AVAIL_YES, "not loaded, installed at %s",
		   path ? path : "(builtin)");
	kmod_module_unref(mod);
	kmod_unref(kctx);
	return r;
}

/* "6.12.117-amd64" -> 612; -EINVAL if it does not start with "X.Y" */
static int kernel_version(const char *release)
{
	unsigned int major, minor;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return -EINVAL;
	return (int)(major * 100 + minor);
}

static int probe_cpuset(struct cpuiso_ctx *ctx, struct probe_result *res)
{
	_cleanup_free_ char *controllers = NULL, *release = NULL;
	bool cpuset = false;
	int r, version;

	r = ctx_read(ctx, &controllers, "/sys/fs/cgroup/cgroup.controllers");
	if (r == -ENOENT)
		return answer(res, CPUISO_AVAIL_UNKNOWN,
			      "no cgroup v2 hierarchy at /sys/fs/cgroup");
	if (r < 0)
		return answer(res, CPUISO_AVAIL_UNKNOWN,
			      "cgroup.controllers: %s", strerror(-r));
	/* match a whole word of the space-separated list */
	for (char *w = strtok(controllers, " \n"); w; w = strtok(NULL, " \n"))
		cpuset |= strcmp(w, "cpuset") == 0;
	if (!cpuset)
		return answer(res, CPUISO_AVAIL_NO,
			      "cpuset controller not in cgroup v2");
	if (ctx_exists(ctx, "/sys/fs/cgroup/cpuset.cpus.isolated") > 0)
		return answer(res, CPUISO_AVAIL_YES,
			      "cgroup v2 cpuset with isolated partitions");

	/*
	 * The root shows its cpuset files only once cpuset is enabled in
	 * its subtree_control; until then the kernel version decides.
	 */
	r = ctx_read(ctx, &release, "/proc/sys/kernel/osrelease");
	version = r < 0 ? r : kernel_version(release);
	if (version < 0)
		return answer(res, CPUISO_AVAIL_UNKNOWN,
			      "cpuset in cgroup v2, kernel version unknown");
	if (version < 515)
		return answer(res, CPUISO_AVAIL_NO,
			      "kernel %s predates isolated partitions (5.15)",
			      release);
	return answer(res, CPUISO_AVAIL_YES,
		      "cgroup v2 cpuset (not yet enabled in the root's subtree_control)");
}

static int probe_nohz_full(struct cpuiso_ctx *ctx, struct probe_result *res)
{
	/* the attribute exists exactly when CONFIG_NO_HZ_FULL=y */
	if (ctx_exists(ctx, "/sys/devices/system/cpu/nohz_full") > 0)
		return answer(res, CPUISO_AVAIL_YES, "CONFIG_NO_HZ_FULL=y");
	if (ctx_exists(ctx, "/sys/devices/system/cpu/online") > 0)
		return answer(res, CPUISO_AVAIL_NO,
			      "kernel built without CONFIG_NO_HZ_FULL");
	return answer(res, CPUISO_AVAIL_UNKNOWN, "no sysfs CPU directory");
}

static int probe_rcu_nocb(struct cpuiso_ctx *ctx, struct probe_result *res)
{
	/* our series publishes the offloaded set and offloads at runtime */
	if (ctx_exists(ctx, "/sys/devices/system/cpu/rcu_nocbs") > 0)
		return answer(res, CPUISO_AVAIL_YES,
			      "CONFIG_RCU_NOCB_CPU=y, cpu/rcu_nocbs (runtime offloading)");
	/* a 0444 parameter that only CONFIG_RCU_NOCB_CPU compiles in */
	if (ctx_exists(ctx, "/sys/module/rcutree/parameters/rcu_nocb_gp_stride") > 0)
		return answer(res, CPUISO_AVAIL_YES, "CONFIG_RCU_NOCB_CPU=y");
	if (ctx_exists(ctx, "/sys/module/rcutree/parameters") > 0)
		return answer(res, CPUISO_AVAIL_NO,
			      "kernel built without CONFIG_RCU_NOCB_CPU");
	return answer(res, CPUISO_AVAIL_UNKNOWN, "no rcutree parameters in sysfs");
}

static int probe_boot(struct cpuiso_ctx *ctx, struct probe_result *res)
{
	static const char *const params[] = {
		"nohz_full=", "isolcpus=", "rcu_nocbs", "irqaffinity=",
	};
	_cleanup_free_ char *cmdline = NULL, *found = NULL;
	bool first = true;
	size_t len = 0;
	FILE *f;
	int r;

	r = ctx_read(ctx, &cmdline, "/proc/cmdline");
	if (r < 0)
		return answer(res, CPUISO_AVAIL_UNKNOWN, "/proc/cmdline: %s",
			      strerror(-r));
	f = open_memstream(&found, &len);
	if (!f)
		return -ENOMEM;
	for (char *w = strtok(cmdline, " \t"); w; w = strtok(NULL, " \t"))
		for (size_t i = 0; i < ELEMENTSOF(params); i++)
			if (strncmp(w, params[i], strlen(params[i])) == 0) {
				fprintf(f, "%s%s", first ? "" : " ", w);
				first = false;
			}
	if (fclose(f) != 0)
		return -ENOMEM;
	if (len)
		return answer(res, CPUISO_AVAIL_YES, "%s", found);
	return answer(res, CPUISO_AVAIL_NO,
		      "no isolation parameters on the kernel command line");
}

static const struct {
	const char *name;
	int (*probe)(struct cpuiso_ctx *ctx, struct probe_result *res);
} probes[_CPUISO_CAP_MAX] = {
	[CPUISO_CAP_STATE_FILE] = { "state-file", probe_state_file },
	[CPUISO_CAP_MODULE] = { "module", probe_module },
	[CPUISO_CAP_CPUSET_PARTITION] = { "cpuset-partition", probe_cpuset },
	[CPUISO_CAP_NOHZ_FULL] = { "nohz_full", probe_nohz_full },
	[CPUISO_CAP_RCU_NOCB] = { "rcu_nocb", probe_rcu_nocb },
	[CPUISO_CAP_BOOT_ISOLATION] = { "boot-isolation", probe_boot },
};

CPUISO_EXPORT const char *cpuiso_cap_to_string(enum cpuiso_cap cap)
{
	if ((unsigned int)cap >= _CPUISO_CAP_MAX)
		return NULL;
	return probes[cap].name;
}

CPUISO_EXPORT const char *cpuiso_avail_to_string(enum cpuiso_avail avail)
{
	switch (avail) {
	case CPUISO_AVAIL_YES:
		return "yes";
	case CPUISO_AVAIL_NO:
		return "no";
	default:
		return "unknown";
	}
}

CPUISO_EXPORT void cpuiso_probe_free(struct cpuiso_probe *probe)
{
	if (!probe)
		return;
	for (size_t i = 0; i < _CPUISO_CAP_MAX; i++)
		free(probe->caps[i].reason);
	free(probe);
}


/* Run every probe; a missing file is an answer, only ENOMEM fails it. */
CPUISO_EXPORT int cpuiso_probe_run(struct cpuiso_ctx *ctx,
				   struct cpuiso_probe **ret)
{
	_cleanup_(cpuiso_probe_freep) struct cpuiso_probe *probe = NULL;

	probe = calloc(1, sizeof(*probe));
	if (!probe)
		return -ENOMEM;
	for (size_t i = 0; i < _CPUISO_CAP_MAX; i++) {
		struct probe_result res = { CPUISO_AVAIL_UNKNOWN, NULL };
		int r = probes[i].probe(ctx, &res);

		if (r < 0) {
			free(res.reason);
			return r;
		}
		probe->caps[i].avail = res.avail;
		probe->caps[i].reason = res.reason;
		dbg(ctx, "probe %s: %s (%s)", probes[i].name,
		    cpuiso_avail_to_string(res.avail), res.reason);
	}
	*ret = TAKE_PTR(probe);
	return 0;
}

CPUISO_EXPORT enum cpuiso_avail cpuiso_probe_get(const struct cpuiso_probe *probe,
						 enum cpuiso_cap cap,
						 const char **reason)
{
	if ((unsigned int)cap >= _CPUISO_CAP_MAX) {
		if (reason)
			*reason = NULL;
		return CPUISO_AVAIL_UNKNOWN;
	}
	if (reason)
		*reason = probe->caps[cap].reason;
	return probe->caps[cap].avail;
}
