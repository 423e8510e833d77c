// SPDX-License-Identifier: GPL-2.0
/*
 * Test module: a timer that is not pinned, armed on CPU @cpu and re-armed
 * by its own function every jiffy, so it stays on the CPU it runs on.
 * The "hits" parameter reads how often it ran on each CPU ("CPU COUNT"
 * lines), which shows whether isolating @cpu moved it away.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/timer.h>

static unsigned int cpu = 2;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "CPU the timer is armed on");

static DEFINE_PER_CPU(unsigned long, hits);
static struct timer_list unpinned;
static bool stopping;

static void unpinned_fn(struct timer_list *t)
{
	this_cpu_inc(hits);
	if (!READ_ONCE(stopping))
		mod_timer(t, jiffies + 1);
}

/* on @cpu: mod_timer() queues an unpinned timer on the local CPU */
static void arm_here(void *unused)
{
	mod_timer(&unpinned, jiffies + 1);
}

static int hits_get(char *buf, const struct kernel_param *kp)
{
	int c, len = 0;

	for_each_possible_cpu(c)
		len += sysfs_emit_at(buf, len, "%d %lu\n", c, per_cpu(hits, c));
	return len;
}

static const struct kernel_param_ops hits_ops = {
	.get = hits_get,
};
module_param_cb(hits, &hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "runs of the timer per CPU");

static int __init unpinned_timer_init(void)
{
	int ret;

	timer_setup(&unpinned, unpinned_fn, 0);
	ret = smp_call_function_single(cpu, arm_here, NULL, 1);
	if (ret)
		timer_delete_sync(&unpinned);
	return ret;
}

static void __exit unpinned_timer_exit(void)
{
	WRITE_ONCE(stopping, true);
	timer_shutdown_sync(&unpinned);
}

module_init(unpinned_timer_init);
module_exit(unpinned_timer_exit);
MODULE_DESCRIPTION("cpuiso test: an unpinned timer that re-arms itself");
MODULE_LICENSE("GPL");
