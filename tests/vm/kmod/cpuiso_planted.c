// SPDX-License-Identifier: GPL-2.0
/*
 * A planted source of noise for the guest tests (tests/vm/guest/
 * verify-planted.sh): loaded with cpu=N, it runs a timer pinned to CPU N
 * every period_ms milliseconds, and the timer queues a work item on CPU N.
 * Both functions have names no kernel function has, so that a test can
 * check that "cpuiso verify N" names them as causes.
 */
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "the CPU to disturb (required)");

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "timer period in milliseconds (default 100)");

static struct timer_list planted_timer;
static struct work_struct planted_work;

static void cpuiso_planted_work_fn(struct work_struct *work)
{
	/* running on the CPU is the point */
}

static void cpuiso_planted_timer_fn(struct timer_list *t)
{
	queue_work_on(cpu, system_wq, &planted_work);
	t->expires = jiffies + msecs_to_jiffies(period_ms);
	add_timer_on(t, cpu);
}

static int __init cpuiso_planted_init(void)
{
	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_err("cpuiso_planted: cpu=%d is not an online CPU\n", cpu);
		return -EINVAL;
	}
	if (!period_ms)
		return -EINVAL;
	INIT_WORK(&planted_work, cpuiso_planted_work_fn);
	timer_setup(&planted_timer, cpuiso_planted_timer_fn, TIMER_PINNED);
	planted_timer.expires = jiffies + msecs_to_jiffies(period_ms);
	add_timer_on(&planted_timer, cpu);
	pr_info("cpuiso_planted: a timer and a work item on CPU %d every %u ms\n",
		cpu, period_ms);
	return 0;
}

static void __exit cpuiso_planted_exit(void)
{
	/* no new arming after this, then no work left queued or running */
	timer_shutdown_sync(&planted_timer);
	cancel_work_sync(&planted_work);
}

module_init(cpuiso_planted_init);
module_exit(cpuiso_planted_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cpuiso test: a timer and a work item planted on one CPU");
