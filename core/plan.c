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
			       const struct cpuiso_cpuset *iso,
			       const struct cpuiso_cpuset *rel)
{
	const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);

	if (cpuiso_cpuset_test(iso, cpu))
		return false;
	if (cpuiso_cpuset_test(rel, cpu))
		return cpuiso_cpu_is_online(c);
	return cpuiso_cpu_get_state(c) == CPUISO_STATE_ONLINE;
}

/* Every NUMA node of a changed CPU that has a housekeeping CPU keeps one. */
static int check_nodes(const struct cpuiso_system *sys,
		       const struct cpuiso_cpuset *iso,
		       const struct cpuiso_cpuset *rel, char **why)
{
	const struct cpuiso_cpuset *possible =
		cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	int cpu, other;

	cpuiso_cpuset_foreach(cpu, iso) {
		int node = cpuiso_cpu_get_node(cpuiso_system_get_cpu(sys, cpu));
		bool before = false, after = false;

		if (node < 0)
			continue;
		cpuiso_cpuset_foreach(other, possible) {
			const struct cpuiso_cpu *o = cpuiso_system_get_cpu(sys, other);

			if (cpuiso_cpu_get_node(o) != node)
				continue;
			before |= cpuiso_cpu_get_state(o) == CPUISO_STATE_ONLINE;
			after |= stays_housekeeping(sys, other, iso, rel);
		}
		if (before && !after)
			return refuse(why, EBUSY,
				      "node %d would keep no housekeeping CPU (--force allows it)",
				      node);
	}
	return 0;
}

/*
 * One step bringing @cpu to @target, if it needs one (plan->n grows); the
 * rules of both backends, so that a request is refused or accepted alike.
 * @compat: the CPUs the compat backend isolated (its record), or NULL for
 * the cpuN/state backend.
 */
static int add_step(struct cpuiso_plan *plan, const struct cpuiso_system *sys,
		    const struct cpuiso_cpuset *compat, int cpu,
		    enum cpuiso_state target, char **why)
{
	const struct cpuiso_cpuset *present =
		cpuiso_system_get_mask(sys, CPUISO_MASK_PRESENT);
	const struct cpuiso_cpuset *boot =
		cpuiso_system_get_mask(sys, CPUISO_MASK_ISOLATED);
	const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);
	enum cpuiso_state from;

	if (!c || !cpuiso_cpuset_test(present, cpu))
		return refuse(why, ENODEV,
			      "CPU %d is not present (possible, but not plugged in)",
			      cpu);
	if (!compat && !cpuiso_cpu_has_state_file(c))
		return refuse(why, EOPNOTSUPP,
			      "CPU %d has no cpuN/state: this kernel lacks runtime isolation",
			      cpu);
	from = cpuiso_cpu_get_state(c);
	if (compat) {
		/* only what the compat backend did is its to undo */
		bool at_boot = !cpuiso_cpuset_test(compat, cpu) && boot &&
			       cpuiso_cpuset_test(boot, cpu);

		if (at_boot && target == CPUISO_STATE_ONLINE)
			return refuse(why, EBUSY,
				      "CPU %d was isolated at boot (isolcpus=): only a reboot without it gives it back",
				      cpu);
		if (at_boot)
			return 0;	/* isolated already, and more than compat can */
		if (!cpuiso_cpu_is_online(c) && target == CPUISO_STATE_ISOLATED)
			return refuse(why, EBUSY,
				      "CPU %d is offline: the compat backend isolates online CPUs (bring it online first)",
				      cpu);
		from = !cpuiso_cpu_is_online(c) ? CPUISO_STATE_OFFLINE :
		       cpuiso_cpuset_test(compat, cpu) ? CPUISO_STATE_ISOLATED :
							  CPUISO_STATE_ONLINE;
	}
	/* an offline CPU that was isolated comes back with "online" */
	if (from == target ||
	    (target == CPUISO_STATE_ONLINE && from == CPUISO_STATE_OFFLINE &&
	     (compat || !cpuiso_cpu_is_isolated(c))))
		return 0;
	if (target == CPUISO_STATE_ISOLATED && !cpuiso_cpu_is_hotpluggable(c))
		return refuse(why, EBUSY,
			      "CPU %d cannot go offline, so it cannot be isolated",
			      cpu);
	plan->steps[plan->n++] = (struct cpuiso_step){ cpu, from, target };
	return 0;
}

/*
 * The steps that release @rel and isolate @iso (disjoint), releases first
 * so that no step leaves fewer housekeeping CPUs than the end result.
 */
int plan_build(const struct cpuiso_system *sys,
	       const struct cpuiso_cpuset *compat,
	       const struct cpuiso_cpuset *iso, const struct cpuiso_cpuset *rel,
	       unsigned int flags, struct cpuiso_plan **ret, char **why)
{
	_cleanup_(cpuiso_plan_freep) struct cpuiso_plan *plan = NULL;
	const struct cpuiso_cpuset *possible =
		cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	bool housekeeping = false;
	int cpu, r;

	plan = calloc(1, sizeof(*plan) + (cpuiso_cpuset_count(iso) +
		      cpuiso_cpuset_count(rel)) * sizeof(struct cpuiso_step));
	if (!plan)
		return -ENOMEM;
	cpuiso_cpuset_foreach(cpu, rel) {
		r = add_step(plan, sys, compat, cpu, CPUISO_STATE_ONLINE, why);
		if (r < 0)
			return r;
	}
	cpuiso_cpuset_foreach(cpu, iso) {
		r = add_step(plan, sys, compat, cpu, CPUISO_STATE_ISOLATED, why);
		if (r < 0)
			return r;
	}

	cpuiso_cpuset_foreach(cpu, possible)
		housekeeping |= stays_housekeeping(sys, cpu, iso, rel);
	if (!housekeeping && !(flags & PLAN_NO_HOUSEKEEPING))
		return refuse(why, EBUSY, "no online housekeeping CPU would be left");
	if (!(flags & (CPUISO_PLAN_FORCE | PLAN_NO_HOUSEKEEPING))) {
		r = check_nodes(sys, iso, rel, why);
		if (r < 0)
			return r;
	}

	*ret = TAKE_PTR(plan);
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
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *none = NULL;

	if (why)
		*why = NULL;
	if (target != CPUISO_STATE_ISOLATED && target != CPUISO_STATE_ONLINE)
		return refuse(why, EINVAL, "a plan isolates or releases");
	none = cpuiso_cpuset_new(cpuiso_cpuset_size(cpus));
	if (!none)
		return -ENOMEM;
	if (target == CPUISO_STATE_ISOLATED)
		return plan_build(sys, NULL, cpus, none, flags, ret, why);
	return plan_build(sys, NULL, none, cpus, flags, ret, why);
}

/**
 * cpuiso_policy_wanted: the CPUs @pol wants isolated on this machine,
 * SMT siblings added or refused as it says.
 * @why: on failure, a sentence for the user (free() it); may be NULL
 */
CPUISO_EXPORT int cpuiso_policy_wanted(const struct cpuiso_system *sys,
				       const struct cpuiso_policy *pol,
				       struct cpuiso_cpuset **ret, char **why)
{
	const struct cpuiso_cpuset *want = cpuiso_policy_get_isolated(pol);
	const struct cpuiso_cpuset *possible =
		cpuiso_system_get_mask(sys, CPUISO_MASK_POSSIBLE);
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *all =
		cpuiso_cpuset_dup(want);
	int cpu, sib;

	if (!all)
		return -ENOMEM;
	cpuiso_cpuset_foreach(cpu, want) {
		const struct cpuiso_cpu *c = cpuiso_system_get_cpu(sys, cpu);
		const struct cpuiso_cpuset *sibs = c ? cpuiso_cpu_get_siblings(c) : NULL;

		if (!c || !cpuiso_cpuset_test(possible, cpu))
			return refuse(why, ENODEV,
				      "the policy names CPU %d, which this machine does not have",
				      cpu);
		if (!sibs)
			continue;
		cpuiso_cpuset_foreach(sib, sibs) {
			if (cpuiso_cpuset_test(want, sib))
				continue;
			if (cpuiso_policy_get_smt(pol) == CPUISO_SMT_REFUSE)
				return refuse(why, EINVAL,
					      "CPU %d is an SMT sibling of isolated CPU %d and the policy says smt = refuse",
					      sib, cpu);
			if (cpuiso_policy_get_smt(pol) == CPUISO_SMT_SIBLINGS &&
			    cpuiso_cpuset_set(all, sib) < 0)
				return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(all);
	return 0;
}

/**
 * cpuiso_policy_changes: which CPUs must change to match @pol.
 * @only_cpu: -1 for every CPU, else the one CPU to bring in line (udev)
 * @iso, @rel: the CPUs to isolate and to release (free them)
 *
 * Online CPUs the policy names are to be isolated; isolated CPUs it does
 * not name, released; offline CPUs are left offline (they get the policy
 * when they come up, through the udev rules).  Both backends use this.
 */
CPUISO_EXPORT int cpuiso_policy_changes(const struct cpuiso_system *sys,
					const struct cpuiso_policy *pol,
					int only_cpu, struct cpuiso_cpuset **iso,
					struct cpuiso_cpuset **rel, char **why)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *want = NULL, *i = NULL,
		*l = NULL;
	const struct cpuiso_cpuset *present =
		cpuiso_system_get_mask(sys, CPUISO_MASK_PRESENT);
	int cpu, r;

	if (why)
		*why = NULL;
	if (only_cpu >= 0 && !cpuiso_cpuset_test(present, (unsigned int)only_cpu))
		return refuse(why, ENODEV, "CPU %d is not present", only_cpu);
	r = cpuiso_policy_wanted(sys, pol, &want, why);
	if (r < 0)
		return r;
	i = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	l = cpuiso_cpuset_new(cpuiso_system_nr_cpus(sys));
	if (!i || !l)
		return -ENOMEM;

	cpuiso_cpuset_foreach(cpu, present) {
		enum cpuiso_state s = cpuiso_cpu_get_state(cpuiso_system_get_cpu(sys, cpu));

		if (only_cpu >= 0 && cpu != only_cpu)
			continue;
		if (cpuiso_cpuset_test(want, cpu) && s == CPUISO_STATE_ONLINE)
			r = cpuiso_cpuset_set(i, cpu);
		else if (!cpuiso_cpuset_test(want, cpu) && s == CPUISO_STATE_ISOLATED)
			r = cpuiso_cpuset_set(l, cpu);
		if (r < 0)
			return r;
	}
	*iso = TAKE_PTR(i);
	*rel = TAKE_PTR(l);
	return 0;
}

/**
 * cpuiso_plan_new_policy: the steps that make the machine match @pol
 * (cpuiso_policy_changes()), validated whole like cpuiso_plan_new();
 * housekeeping-per-node = no acts as CPUISO_PLAN_FORCE.
 */
CPUISO_EXPORT int cpuiso_plan_new_policy(const struct cpuiso_system *sys,
					 const struct cpuiso_policy *pol,
					 int only_cpu, unsigned int flags,
					 struct cpuiso_plan **ret, char **why)
{
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *iso = NULL, *rel = NULL;
	int r = cpuiso_policy_changes(sys, pol, only_cpu, &iso, &rel, why);

	if (r < 0)
		return r;
	if (!cpuiso_policy_node_housekeeping(pol))
		flags |= CPUISO_PLAN_FORCE;
	return plan_build(sys, NULL, iso, rel, flags, ret, why);
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
int plan_set_state(struct cpuiso_ctx *ctx, unsigned int cpu,
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
		r = plan_set_state(ctx, plan->steps[i].cpu, plan->steps[i].to);
		if (r < 0)
			break;
		info(ctx, "cpu%u: %s", plan->steps[i].cpu,
		     cpuiso_state_to_string(plan->steps[i].to));
	}
	*done = i;
	if (r == 0)
		return 0;

	while (i-- > 0) {
		if (plan_undo_step(ctx, &plan->steps[i]) < 0)
			*rolled_back = false;
		else
			(*done)--;
	}
	return r;
}

/* Put @s->cpu back as @s found it (rollback, journal recovery). */
int plan_undo_step(struct cpuiso_ctx *ctx, const struct cpuiso_step *s)
{
	enum cpuiso_state undo = s->from;
	int r;

	/* a CPU that was offline: undo its role online, then offline */
	if (s->from == CPUISO_STATE_OFFLINE)
		undo = s->to == CPUISO_STATE_ISOLATED ? CPUISO_STATE_ONLINE :
							CPUISO_STATE_ISOLATED;
	r = plan_set_state(ctx, s->cpu, undo);
	if (r == 0 && s->from == CPUISO_STATE_OFFLINE)
		r = plan_set_state(ctx, s->cpu, CPUISO_STATE_OFFLINE);
	return r;
}
