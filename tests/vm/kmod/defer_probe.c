// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the work CPUs isolated at runtime defer to their next
 * kernel entry (kernel/cpu_isolation_defer.c):
 *
 *  - "toggle=N" flips a static key of this module N times: each flip
 *    patches module text (text_poke_bp_batch(), three syncs);
 *  - "vmap=N" maps and unmaps a page N times and purges the lazy vmap
 *    areas: kernel TLB flushes of vmalloc space;
 *  - "stale=setup|remap|check" shows whether @cpu reads through a
 *    stale TLB entry: setup maps page A at X and has @cpu read X; remap
 *    points X at page B without any flush (the control: @cpu still reads
 *    A where the TLB keeps entries), then unmaps X, purges (the flush
 *    that @cpu may defer) and maps page B again, at X if the allocator
 *    gives it back; check has @cpu read the mapping. Reading "stale"
 *    gives "control=A|B same_va=0|1 read=A|B|none".
 */
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>

static unsigned int cpu = 2;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "CPU that reads the remapped page");

static DEFINE_STATIC_KEY_FALSE(probe_key);
static unsigned long probe_hits;

/* the patched site */
static noinline void probe_site(void)
{
	if (static_branch_unlikely(&probe_key))
		probe_hits++;
}

static int toggle_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i, n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		static_branch_enable(&probe_key);
		probe_site();
		static_branch_disable(&probe_key);
	}
	return 0;
}

static const struct kernel_param_ops toggle_ops = { .set = toggle_set };
module_param_cb(toggle, &toggle_ops, NULL, 0200);
MODULE_PARM_DESC(toggle, "flip the static key this many times");

static int vmap_set(const char *val, const struct kernel_param *kp)
{
	struct page *page;
	unsigned int i, n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		void *p = vmap(&page, 1, VM_MAP, PAGE_KERNEL);

		if (!p) {
			ret = -ENOMEM;
			break;
		}
		WRITE_ONCE(*(int *)p, i);
		vunmap(p);
		vm_unmap_aliases();
	}
	__free_page(page);
	return ret;
}

static const struct kernel_param_ops vmap_ops = { .set = vmap_set };
module_param_cb(vmap, &vmap_ops, NULL, 0200);
MODULE_PARM_DESC(vmap, "map, unmap and purge a page this many times");

#define MAGIC_A 0x41414141
#define MAGIC_B 0x42424242

static struct page *page_a, *page_b;
static void *stale_va;
static int stale_control, stale_read;
static bool stale_same_va;

static void read_va(void *info)
{
	*(int *)info = READ_ONCE(*(int *)stale_va);
}

static int read_on_cpu(void)
{
	int v = 0;

	if (smp_call_function_single(cpu, read_va, &v, 1))
		return 0;
	return v;
}

static void stale_free(void)
{
	if (stale_va)
		vunmap(stale_va);
	stale_va = NULL;
	if (page_a)
		__free_page(page_a);
	if (page_b)
		__free_page(page_b);
	page_a = page_b = NULL;
}

static int stale_setup(void)
{
	stale_free();
	stale_control = stale_read = 0;
	stale_same_va = false;
	page_a = alloc_page(GFP_KERNEL);
	page_b = alloc_page(GFP_KERNEL);
	if (!page_a || !page_b)
		return -ENOMEM;
	*(int *)page_address(page_a) = MAGIC_A;
	*(int *)page_address(page_b) = MAGIC_B;
	stale_va = vmap(&page_a, 1, VM_MAP, PAGE_KERNEL);
	if (!stale_va)
		return -ENOMEM;
	return read_on_cpu() == MAGIC_A ? 0 : -EIO;
}

static int stale_remap(void)
{
	void *old = stale_va;
	unsigned int level;
	pte_t *pte;

	if (!stale_va)
		return -EINVAL;
	/* no flush at all: what @cpu reads says whether its TLB keeps X */
	pte = lookup_address((unsigned long)stale_va, &level);
	if (!pte || level != PG_LEVEL_4K)
		return -EIO;
	set_pte(pte, mk_pte(page_b, PAGE_KERNEL));
	stale_control = read_on_cpu();

	vunmap(stale_va);
	vm_unmap_aliases();
	stale_va = vmap(&page_b, 1, VM_MAP, PAGE_KERNEL);
	if (!stale_va)
		return -ENOMEM;
	stale_same_va = stale_va == old;
	return 0;
}

static const char *magic_name(int v)
{
	return v == MAGIC_A ? "A" : v == MAGIC_B ? "B" : "none";
}

static int stale_set(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "setup"))
		return stale_setup();
	if (sysfs_streq(val, "remap"))
		return stale_remap();
	if (sysfs_streq(val, "check")) {
		if (!stale_va)
			return -EINVAL;
		stale_read = read_on_cpu();
		return 0;
	}
	return -EINVAL;
}

static int stale_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "control=%s same_va=%d read=%s\n",
			  magic_name(stale_control), stale_same_va,
			  magic_name(stale_read));
}

static const struct kernel_param_ops stale_ops = {
	.set = stale_set,
	.get = stale_get,
};
module_param_cb(stale, &stale_ops, NULL, 0600);
MODULE_PARM_DESC(stale, "setup, remap, check: a stale TLB entry of a vmalloc page");

static int __init defer_probe_init(void)
{
	return cpu < nr_cpu_ids && cpu_online(cpu) ? 0 : -EINVAL;
}

static void __exit defer_probe_exit(void)
{
	stale_free();
}

module_init(defer_probe_init);
module_exit(defer_probe_exit);
MODULE_DESCRIPTION("cpuiso test: text patching and vmalloc flushes an isolated CPU defers");
MODULE_LICENSE("GPL");
