// SPDX-License-Identifier: GPL-2.0
/*
 * cpuiso.ko: the isolation hotplug states that can live outside the core.
 *
 * Nothing is registered yet: the states arrive with the kernel series
 * that exports what they need (docs/design.md).  Loading the module only
 * announces it, so the test bed can prove the module builds against the
 * patched tree and loads there.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init cpuiso_init(void)
{
	pr_info("cpuiso: loaded, no isolation states registered yet\n");
	return 0;
}

static void __exit cpuiso_exit(void)
{
	pr_info("cpuiso: unloaded\n");
}

module_init(cpuiso_init);
module_exit(cpuiso_exit);

MODULE_DESCRIPTION("Runtime CPU isolation hotplug states");
MODULE_LICENSE("GPL");
