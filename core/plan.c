// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Changing the state of several CPUs: the request is validated whole
 * against a snapshot before anything is written, then applied one CPU at
 * a time through the kernel's cpuN/state; if a CPU fails, those already
 * changed are put back, in reverse order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct cpuiso_plan {
	size_t n;
	struct cpuiso_step steps[];
};

CPUISO_EXPORT void cpuiso_plan_free(struct cpuiso_plan *plan)
{
	free(plan);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_plan *, cpuiso_plan_free)

static int refuse(char **why, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char **why, int error, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		if (vasprintf(why, fmt, ap) < 0)
			*why = NULL;
		va_end(ap);
	}
	return -error;
}

/* Would @cpu be an online housekeeping CPU once the plan is applied? */
static bool stays_housekeeping(const struct cpuiso_system *sys, unsigned int cpu,
			       const struct cpuiso_cpuset *cpus,
			       enum cpuiso_state target)
{
	const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);

	if (cpuiso_cpuset_test(cpus, cpu))
		return target == CPUISO_STATE_ONLINE && cpuiso_cpu_is_online(c);
	return cpuiso_cpu_get_state(c) == CPUISO_STATE_ONLINE;
}

/* Every NUMA node that has a housekeeping CPU now keeps one. */
static int check_nodes(const struct cpuiso_system *sys,
		       const struct cpuiso_cpuset *cpus,
		       enum cpuiso_state target, char **why)
{
	const struct cpuiso_cpuset *possible =
		cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	int cpu, other;

	cpuiso_cpuset_foreach(cpu, cpus) {
		int node = cpuiso_cpu_get_node(cpuiso_system_get_cpu(sys, cpu));
		bool before = false, after = false;

		if (node < 0)
			continue;
		cpuiso_cpuset_foreach(other, possible) {
			const struct cpuiso_cpu *o = cpuiso_system_get_cpu(sys, other);

			if (cpuiso_cpu_get_node(o) != node)
				continue;
			before |= cpuiso_cpu_get_state(o) == CPUISO_STATE_ONLINE;
			after |= stays_housekeeping(sys, other, cpus, target);
		}
		if (before && !after)
			return refuse(why, EBUSY,
				      "node %d would keep no housekeeping CPU (--force allows it)",
				      node);
	}
	return 0;
}

/**
 * cpuiso_plan_new: the steps that bring @cpus to @target, or why not.
 * @target: CPUISO_STATE_ISOLATED (isolate) or CPUISO_STATE_ONLINE (release)
 * @why: on failure, a sentence for the user (free() it); may be NULL
 *
 * CPUs already at @target need no step.  Refused whole: a CPU that is not
 * present or cannot go offline (-EBUSY), a kernel without cpuN/state
 * (-EOPNOTSUPP), a request that leaves no online housekeeping CPU, or a
 * NUMA node without one unless CPUISO_PLAN_FORCE (-EBUSY).
 */
CPUISO_EXPORT int cpuiso_plan_new(const struct cpuiso_system *sys,
				  const struct cpuiso_cpuset *cpus,
				  enum cpuiso_state target, unsigned int flags,
				  struct cpuiso_plan **ret, char **why)
{
	_cleanup_(cpuiso_plan_freep) struct cpuiso_plan *plan = NULL;
	const struct cpuiso_cpuset *possible, *present;
	bool housekeeping = false;
	int cpu, r;

	if (why)
		*why = NULL;
	if (target != CPUISO_STATE_ISOLATED && target != CPUISO_STATE_ONLINE)
		return refuse(why, EINVAL, "a plan isolates or releases");

	possible = cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	present = cpuiso_system_get_mask(sys, CPUISO_MASK_PRESENT);
	plan = calloc(1, sizeof(*plan) +
		      cpuiso_cpuset_count(cpus) * sizeof(struct cpuiso_step));
	if (!plan)
		return -ENOMEM;

	cpuiso_cpuset_foreach(cpu, cpus) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);
		enum cpuiso_state from;

		if (!c || !cpuiso_cpuset_test(present, cpu))
			return refuse(why, ENODEV, "CPU %d is not present", cpu);
		if (!cpuiso_cpu_has_state_file(c))
			return refuse(why, EOPNOTSUPP,
				      "CPU %d has no cpuN/state: this kernel lacks runtime isolation",
				      cpu);
		from = cpuiso_cpu_get_state(c);
		/* an offline CPU that was isolated comes back with "online" */
		if (from == target ||
		    (target == CPUISO_STATE_ONLINE && from == CPUISO_STATE_OFFLINE &&
		     !cpuiso_cpu_is_isolated(c)))
			continue;
		if (target == CPUISO_STATE_ISOLATED && !cpuiso_cpu_is_hotpluggable(c))
			return refuse(why, EBUSY,
				      "CPU %d cannot go offline, so it cannot be isolated",
				      cpu);
		plan->steps[plan->n++] = (struct cpuiso_step){ cpu, from, target };
	}

	cpuiso_cpuset_foreach(cpu, possible)
		housekeeping |= stays_housekeeping(sys, cpu, cpus, target);
	if (!housekeeping)
		return refuse(why, EBUSY, "no online housekeeping CPU would be left");
	if (!(flags & CPUISO_PLAN_FORCE)) {
		r = check_nodes(sys, cpus, target, why);
		if (r < 0)
			return r;
	}

	*ret = TAKE_PTR(plan);
	return 0;
}

CPUISO_EXPORT size_t cpuiso_plan_nr_steps(const struct cpuiso_plan *plan)
{
	return plan->n;
}

CPUISO_EXPORT const struct cpuiso_step *
cpuiso_plan_get_step(const struct cpuiso_plan *plan, size_t i)
{
	return i < plan->n ? &plan->steps[i] : NULL;
}

/* Write @state to cpuN/state and check the kernel says it back. */
static int set_state(struct cpuiso_ctx *ctx, unsigned int cpu,
		     enum cpuiso_state state)
{
	_cleanup_free_ char *now = NULL;
	int r;

	r = ctx_write(ctx, cpuiso_state_to_string(state),
		      "/sys/devices/system/cpu/cpu%u/state", cpu);
	if (r < 0) {
		err(ctx, "cpu%u: %s: %s", cpu, cpuiso_state_to_string(state),
		    strerror(-r));
		return r;
	}
	r = ctx_read(ctx, &now, "/sys/devices/system/cpu/cpu%u/state", cpu);
	if (r < 0)
		return r;
	if (cpuiso_state_from_string(now) != (int)state) {
		err(ctx, "cpu%u: reads '%s' after writing '%s'", cpu, now,
		    cpuiso_state_to_string(state));
		return -EIO;
	}
	return 0;
}

/**
 * cpuiso_plan_apply: carry out the plan, one CPU at a time.
 * @done: how many steps took effect (and stayed, if rolled back: 0)
 * @rolled_back: on failure, whether every changed CPU was put back
 *
 * Returns 0, or the failing step's error after rolling back the steps
 * before it in reverse order.
 */
CPUISO_EXPORT int cpuiso_plan_apply(struct cpuiso_ctx *ctx,
				    const struct cpuiso_plan *plan,
				    size_t *done, bool *rolled_back)
{
	size_t i;
	int r = 0;

	*rolled_back = true;
	for (i = 0; i < plan->n; i++) {
		r = set_state(ctx, plan->steps[i].cpu, plan->steps[i].to);
		if (r < 0)
			break;
		info(ctx, "cpu%u: %s", plan->steps[i].cpu,
		     cpuiso_state_to_string(plan->steps[i].to));
	}
	*done = i;
	if (r == 0)
		return 0;

	while (i-- > 0) {
		const struct cpuiso_step *s = &plan->steps[i];
		enum cpuiso_state undo = s->from;
		int u;

		/* a CPU that was offline: undo its role online, then offline */
		if (s->from == CPUISO_STATE_OFFLINE)
			undo = s->to == CPUISO_STATE_ISOLATED ? CPUISO_STATE_ONLINE :
								CPUISO_STATE_ISOLATED;
		u = set_state(ctx, s->cpu, undo);
		if (u == 0 && s->from == CPUISO_STATE_OFFLINE)
			u = set_state(ctx, s->cpu, CPUISO_STATE_OFFLINE);
		if (u < 0)
			*rolled_back = false;
		else
			(*done)--;
	}
	return r;
}
