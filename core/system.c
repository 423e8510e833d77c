// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A snapshot of the machine's CPUs: the kernel's masks, each CPU's
 * topology, hotplug state and isolation, and the named hotplug states.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SYS_CPU "/sys/devices/system/cpu"
#define SYS_NODE "/sys/devices/system/node"

struct cpuiso_cpu {
	unsigned int id;
	bool online;
	bool hotpluggable;
	bool has_state_file;
	bool isolated;
	bool nohz_full;
	bool rcu_nocb;
	int deferral;		/* 1 on, 0 off, -1 unknown */
	enum cpuiso_state state;
	int node;
	int core;
	int package;
	int hotplug_state;
	struct cpuiso_cpuset *siblings;
};

struct hotplug_state {
	int nr;
	char *name;
};

struct cpuiso_system {
	unsigned int nbits;
	struct cpuiso_cpuset *masks[_CPUISO_MASK_MAX];
	struct cpuiso_cpu *cpus;	/* indexed by CPU number, nbits long */
	struct hotplug_state *states;
	size_t nr_states;
};

static const char *const state_names[] = {
	[CPUISO_STATE_OFFLINE] = "offline",
	[CPUISO_STATE_ONLINE] = "online",
	[CPUISO_STATE_ISOLATED] = "isolated",
};

CPUISO_EXPORT const char *cpuiso_state_to_string(enum cpuiso_state state)
{
	if ((unsigned int)state >= ELEMENTSOF(state_names))
		return NULL;
	return state_names[state];
}

CPUISO_EXPORT int cpuiso_state_from_string(const char *str)
{
	for (size_t i = 0; i < ELEMENTSOF(state_names); i++)
		if (str && strcmp(str, state_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

/* Where each mask lives; optional ones may be missing on a kernel. */
static const struct {
	const char *name;
	const char *path;
	bool optional;
} mask_files[_CPUISO_MASK_MAX] = {
	[CPUISO_MASK_POSSIBLE] = { "possible", SYS_CPU "/possible", false },
	[CPUISO_MASK_PRESENT] = { "present", SYS_CPU "/present", false },
	[CPUISO_MASK_ONLINE] = { "online", SYS_CPU "/online", false },
	[CPUISO_MASK_ISOLATED] = { "isolated", SYS_CPU "/isolated", true },
	[CPUISO_MASK_NOHZ_FULL] = { "nohz_full", SYS_CPU "/nohz_full", true },
	[CPUISO_MASK_CPUSET_ISOLATED] = { "cpuset_isolated",
		"/sys/fs/cgroup/cpuset.cpus.isolated", true },
	[CPUISO_MASK_RCU_NOCBS] = { "rcu_nocbs", SYS_CPU "/rcu_nocbs", true },
};

CPUISO_EXPORT const char *cpuiso_mask_to_string(enum cpuiso_mask mask)
{
	if ((unsigned int)mask >= _CPUISO_MASK_MAX)
		return NULL;
	return mask_files[mask].name;
}

CPUISO_EXPORT void cpuiso_system_free(struct cpuiso_system *sys)
{
	if (!sys)
		return;
	for (size_t i = 0; i < _CPUISO_MASK_MAX; i++)
		cpuiso_cpuset_free(sys->masks[i]);
	if (sys->cpus)
		for (unsigned int i = 0; i < sys->nbits; i++)
			cpuiso_cpuset_free(sys->cpus[i].siblings);
	free(sys->cpus);
	for (size_t i = 0; i < sys->nr_states; i++)
		free(sys->states[i].name);
	free(sys->states);
	free(sys);
}


static int read_mask(struct cpuiso_ctx *ctx, struct cpuiso_system *sys,
		     enum cpuiso_mask m)
{
	_cleanup_free_ char *buf = NULL;
	struct cpuiso_parse_error perr;
	int r;

	r = ctx_read(ctx, &buf, "%s", mask_files[m].path);
	if (r == -ENOENT && mask_files[m].optional)
		return 0;
	if (r < 0) {
		err(ctx, "cannot read %s%s: %s", ctx->root, mask_files[m].path,
		    strerror(-r));
		return r;
	}
	/* an unallocated cpumask prints as "(null)": nothing is in it */
	if (strcmp(buf, "(null)") == 0)
		buf[0] = '\0';
	r = cpuiso_cpuset_parse(buf, sys->nbits, &sys->masks[m], &perr);
	if (r < 0)
		err(ctx, "%s%s: %s at offset %zu", ctx->root, mask_files[m].path,
		    perr.reason, perr.pos);
	return r;
}

static int read_hotplug_states(struct cpuiso_ctx *ctx,
			       struct cpuiso_system *sys)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	int r;

	r = ctx_read(ctx, &buf, SYS_CPU "/hotplug/states");
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct hotplug_state *n;
		char name[128];
		int nr;

		/* lines look like "  0: offline", with leading spaces */
		if (sscanf(line, " %d: %127s", &nr, name) != 2)
			continue;
		n = realloc(sys->states, (sys->nr_states + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		sys->states = n;
		n[sys->nr_states].nr = nr;
		n[sys->nr_states].name = strdup(name);
		if (!n[sys->nr_states].name)
			return -ENOMEM;
		sys->nr_states++;
	}
	return 0;
}

static int read_nodes(struct cpuiso_ctx *ctx, struct cpuiso_system *sys)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *nodes = NULL;
	int node, cpu, r;

	r = ctx_read_cpuset(ctx, CPUISO_MAX_CPUS, &nodes, SYS_NODE "/possible");
	if (r == -ENOENT)
		return 0;	/* no NUMA support: nodes stay unknown */
	if (r < 0)
		return r;
	cpuiso_cpuset_foreach(node, nodes) {
		_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *cpus = NULL;

		r = ctx_read_cpuset(ctx, sys->nbits, &cpus,
				    SYS_NODE "/node%d/cpulist", node);
		if (r == -ENOENT)
			continue;	/* possible but not online node */
		if (r < 0)
			return r;
		cpuiso_cpuset_foreach(cpu, cpus)
			sys->cpus[cpu].node = node;
	}
	return 0;
}

static int optional_int(struct cpuiso_ctx *ctx, int *ret, const char *fmt,
			unsigned int cpu)
{
	int r = ctx_read_int(ctx, ret, fmt, cpu);

	/* offline CPUs lose their topology directory on some kernels */
	if (r == -ENOENT) {
		*ret = -1;
		return 0;
	}
	return r;
}

/* cpuN/deferral: whether the CPU takes other CPUs' work on kernel entry */
static int read_deferral(struct cpuiso_ctx *ctx, struct cpuiso_cpu *c,
			 unsigned int id)
{
	_cleanup_free_ char *s = NULL;
	int r;

	c->deferral = -1;
	r = ctx_read(ctx, &s, SYS_CPU "/cpu%u/deferral", id);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(s, "on") && strcmp(s, "off")) {
		err(ctx, "cpu%u/deferral: unknown value '%s'", id, s);
		return -EBADMSG;
	}
	c->deferral = !strcmp(s, "on");
	return 0;
}

static int read_cpu(struct cpuiso_ctx *ctx, struct cpuiso_system *sys,
		    unsigned int id)
{
	struct cpuiso_cpu *c = &sys->cpus[id];
	_cleanup_free_ char *state = NULL;
	const struct cpuiso_cpuset *cs_iso = sys->masks[CPUISO_MASK_CPUSET_ISOLATED];
	const struct cpuiso_cpuset *iso = sys->masks[CPUISO_MASK_ISOLATED];
	const struct cpuiso_cpuset *nohz = sys->masks[CPUISO_MASK_NOHZ_FULL];
	const struct cpuiso_cpuset *nocbs = sys->masks[CPUISO_MASK_RCU_NOCBS];
	int r;

	c->online = cpuiso_cpuset_test(sys->masks[CPUISO_MASK_ONLINE], id);
	/* the kernel gives CPUs it cannot offline no online attribute */
	r = ctx_exists(ctx, SYS_CPU "/cpu%u/online", id);
	if (r < 0)
		return r;
	c->hotpluggable = r > 0;
	c->isolated = (iso && cpuiso_cpuset_test(iso, id)) ||
		      (cs_iso && cpuiso_cpuset_test(cs_iso, id));
	c->nohz_full = nohz && cpuiso_cpuset_test(nohz, id);
	c->rcu_nocb = nocbs && cpuiso_cpuset_test(nocbs, id);

	r = optional_int(ctx, &c->core, SYS_CPU "/cpu%u/topology/core_id", id);
	if (r < 0)
		return r;
	r = optional_int(ctx, &c->package,
			 SYS_CPU "/cpu%u/topology/physical_package_id", id);
	if (r < 0)
		return r;
	r = optional_int(ctx, &c->hotplug_state,
			 SYS_CPU "/cpu%u/hotplug/state", id);
	if (r < 0)
		return r;
	r = ctx_read_cpuset(ctx, sys->nbits, &c->siblings,
			    SYS_CPU "/cpu%u/topology/thread_siblings_list", id);
	if (r < 0 && r != -ENOENT)
		return r;

	/* the patched kernel says it; otherwise derive it from the masks */
	r = ctx_read(ctx, &state, SYS_CPU "/cpu%u/state", id);
	if (r == 0) {
		r = cpuiso_state_from_string(state);
		if (r < 0) {
			err(ctx, "cpu%u/state: unknown state '%s'", id, state);
			return -EBADMSG;
		}
		c->state = r;
		c->has_state_file = true;
	} else if (r == -ENOENT) {
		c->state = !c->online ? CPUISO_STATE_OFFLINE :
			   c->isolated ? CPUISO_STATE_ISOLATED :
			   CPUISO_STATE_ONLINE;
	} else {
		return r;
	}
	return read_deferral(ctx, c, id);
}

/**
 * cpuiso_system_read: take a snapshot of the CPUs under the context's root.
 *
 * Fails only if the core masks (possible, present, online) are missing or
 * malformed; everything a kernel may lack reads as unknown.
 */
CPUISO_EXPORT int cpuiso_system_read(struct cpuiso_ctx *ctx,
				     struct cpuiso_system **ret)
{
	_cleanup_(cpuiso_system_freep) struct cpuiso_system *sys = NULL;
	int kernel_max, cpu, r;

	sys = calloc(1, sizeof(*sys));
	if (!sys)
		return -ENOMEM;

	/* kernel_max is NR_CPUS - 1: the widest mask this kernel prints */
	r = ctx_read_int(ctx, &kernel_max, SYS_CPU "/kernel_max");
	if (r < 0 || kernel_max < 0 || kernel_max >= CPUISO_MAX_CPUS)
		kernel_max = CPUISO_MAX_CPUS - 1;
	sys->nbits = kernel_max + 1;

	for (int m = 0; m < _CPUISO_MASK_MAX; m++) {
		r = read_mask(ctx, sys, m);
		if (r < 0)
			return r;
	}

	if (cpuiso_cpuset_count(sys->masks[CPUISO_MASK_POSSIBLE]) == 0) {
		err(ctx, "%s%s: no CPU in it", ctx->root,
		    mask_files[CPUISO_MASK_POSSIBLE].path);
		return -EBADMSG;
	}

	sys->cpus = calloc(sys->nbits, sizeof(*sys->cpus));
	if (!sys->cpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < sys->nbits; i++) {
		sys->cpus[i].id = i;
		sys->cpus[i].node = -1;
	}
	r = read_nodes(ctx, sys);
	if (r < 0)
		return r;
	cpuiso_cpuset_foreach(cpu, sys->masks[CPUISO_MASK_POSSIBLE]) {
		r = read_cpu(ctx, sys, cpu);
		if (r < 0)
			return r;
	}
	r = read_hotplug_states(ctx, sys);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(sys);
	return 0;
}

/* The size of every mask of this system: the kernel's NR_CPUS. */
CPUISO_EXPORT unsigned int cpuiso_system_nr_cpus(const struct cpuiso_system *sys)
{
	return sys->nbits;
}

CPUISO_EXPORT const struct cpuiso_cpuset *
cpuiso_system_get_mask(const struct cpuiso_system *sys, enum cpuiso_mask mask)
{
	if ((unsigned int)mask >= _CPUISO_MASK_MAX)
		return NULL;
	return sys->masks[mask];
}

/* NULL unless @cpu is a possible CPU. */
CPUISO_EXPORT const struct cpuiso_cpu *
cpuiso_system_get_cpu(const struct cpuiso_system *sys, unsigned int cpu)
{
	if (!cpuiso_cpuset_test(sys->masks[CPUISO_MASK_POSSIBLE], cpu))
		return NULL;
	return &sys->cpus[cpu];
}

CPUISO_EXPORT const char *
cpuiso_system_hotplug_state_name(const struct cpuiso_system *sys, int state)
{
	for (size_t i = 0; i < sys->nr_states; i++)
		if (sys->states[i].nr == state)
			return sys->states[i].name;
	return NULL;
}

/* The number of the named hotplug state ("sched:active"), or -ENOENT. */
CPUISO_EXPORT int cpuiso_system_hotplug_state_lookup(const struct cpuiso_system *sys,
						     const char *name)
{
	for (size_t i = 0; i < sys->nr_states; i++)
		if (strcmp(sys->states[i].name, name) == 0)
			return sys->states[i].nr;
	return -ENOENT;
}

CPUISO_EXPORT unsigned int cpuiso_cpu_get_id(const struct cpuiso_cpu *cpu)
{
	return cpu->id;
}

CPUISO_EXPORT bool cpuiso_cpu_is_online(const struct cpuiso_cpu *cpu)
{
	return cpu->online;
}

CPUISO_EXPORT bool cpuiso_cpu_is_hotpluggable(const struct cpuiso_cpu *cpu)
{
	return cpu->hotpluggable;
}

CPUISO_EXPORT enum cpuiso_state cpuiso_cpu_get_state(const struct cpuiso_cpu *cpu)
{
	return cpu->state;
}

/* Whether the state came from the kernel's cpuN/state rather than masks. */
CPUISO_EXPORT bool cpuiso_cpu_has_state_file(const struct cpuiso_cpu *cpu)
{
	return cpu->has_state_file;
}

CPUISO_EXPORT bool cpuiso_cpu_is_isolated(const struct cpuiso_cpu *cpu)
{
	return cpu->isolated;
}

CPUISO_EXPORT bool cpuiso_cpu_is_nohz_full(const struct cpuiso_cpu *cpu)
{
	return cpu->nohz_full;
}

/*
 * Whether the CPU, isolated at runtime, takes work that other CPUs would
 * interrupt it for on its next kernel entry: 1, 0, or -ENODATA where the
 * kernel does not say (no cpuN/deferral).
 */
CPUISO_EXPORT int cpuiso_cpu_get_deferral(const struct cpuiso_cpu *cpu)
{
	return cpu->deferral < 0 ? -ENODATA : cpu->deferral;
}

/* RCU callbacks offloaded; false where the kernel has no cpu/rcu_nocbs */
CPUISO_EXPORT bool cpuiso_cpu_is_rcu_nocb(const struct cpuiso_cpu *cpu)
{
	return cpu->rcu_nocb;
}

CPUISO_EXPORT int cpuiso_cpu_get_node(const struct cpuiso_cpu *cpu)
{
	return cpu->node;
}

CPUISO_EXPORT int cpuiso_cpu_get_core(const struct cpuiso_cpu *cpu)
{
	return cpu->core;
}

CPUISO_EXPORT int cpuiso_cpu_get_package(const struct cpuiso_cpu *cpu)
{
	return cpu->package;
}

CPUISO_EXPORT int cpuiso_cpu_get_hotplug_state(const struct cpuiso_cpu *cpu)
{
	return cpu->hotplug_state;
}

/* NULL where the kernel does not say (offline CPUs on some kernels). */
CPUISO_EXPORT const struct cpuiso_cpuset *
cpuiso_cpu_get_siblings(const struct cpuiso_cpu *cpu)
{
	return cpu->siblings;
}
