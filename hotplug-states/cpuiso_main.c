// SPDX-License-Identifier: GPL-2.0
/*
 * cpuiso.ko: the runtime-isolation hotplug states that can live outside
 * the core. The core (kernel-patches/) parks a CPU above
 * CPUHP_TEARDOWN_CPU, changes its roles in CPUHP_AP_ISOLATION on the way
 * back up, and the states below run after it and finish the hand-over for
 * what the core does not move (task affinity masks).
 *
 * One table, like cpuhp_hp_states[]: registration order is bring-up
 * order, teardown runs backwards.
 */
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "cpuiso.h"

struct cpuiso_step {
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
};

static const struct cpuiso_step cpuiso_steps[] = {
	{
		.name = "cpuiso/affinity:online",
		.startup = cpuiso_affinity_online,
	},
};

static int cpuiso_state[ARRAY_SIZE(cpuiso_steps)];

static void cpuiso_remove_states(int n)
{
	while (n-- > 0)
		cpuhp_remove_state(cpuiso_state[n]);
}

static int __init cpuiso_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(cpuiso_steps); i++) {
		/* runs the startup on the CPUs already online */
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, cpuiso_steps[i].name,
					cpuiso_steps[i].startup,
					cpuiso_steps[i].teardown);
		if (ret < 0) {
			cpuiso_remove_states(i);
			cpuiso_affinity_restore_all();
			return ret;
		}
		cpuiso_state[i] = ret;
	}
	return 0;
}

static void __exit cpuiso_exit(void)
{
	cpuiso_remove_states(ARRAY_SIZE(cpuiso_steps));
	/* what the module narrowed, it gives back */
	cpuiso_affinity_restore_all();
}

module_init(cpuiso_init);
module_exit(cpuiso_exit);

MODULE_DESCRIPTION("Runtime CPU isolation hotplug states");
MODULE_LICENSE("GPL");
