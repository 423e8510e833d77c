// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The measurement: attribution from traces, results from /proc counts,
 * on a recorded snapshot (tests/trees/verify-host, tests/record-trace.sh)
 * and on cut, garbled and synthetic ones; the window itself against a
 * tree under a root prefix.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cleanup.h"
#include "irqstat.h"
#include "measure.h"
#include "tree.h"

#define SNAP TREES "/verify-host"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = calloc(1, 4 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (4 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct snap {
	char *irq0, *irq1, *soft0, *soft1, *trace;
	struct cpuiso_ctx *ctx;
};

static int snap_setup(void **state)
{
	struct snap *s = calloc(1, sizeof(*s));

	s->irq0 = slurp(SNAP "/before/proc/interrupts");
	s->soft0 = slurp(SNAP "/before/proc/softirqs");
	s->irq1 = slurp(SNAP "/proc/interrupts");
	s->soft1 = slurp(SNAP "/proc/softirqs");
	s->trace = slurp(SNAP "/trace");
	assert_int_equal(cpuiso_ctx_new(SNAP, &s->ctx), 0);
	*state = s;
	return 0;
}

static int snap_teardown(void **state)
{
	struct snap *s = *state;

	free(s->irq0);
	free(s->irq1);
	free(s->soft0);
	free(s->soft1);
	free(s->trace);
	cpuiso_ctx_unref(s->ctx);
	free(s);
	return 0;
}

static struct noise_capture capture(const struct snap *s, const char *trace)
{
	return (struct noise_capture) {
		.cpu = 1,
		.load = CPUISO_LOAD_NONE,
		.irq0 = s->irq0, .irq1 = s->irq1,
		.soft0 = s->soft0, .soft1 = s->soft1,
		.seconds = 1.0,
		.trace = trace,
		.filter = { .cpu = 1 },
	};
}

static const struct cpuiso_noise_source *find(const struct cpuiso_noise *n,
					      enum cpuiso_noise_class cls,
					      const char *name)
{
	for (size_t i = 0; i < cpuiso_noise_nr_sources(n); i++) {
		const struct cpuiso_noise_source *s = cpuiso_noise_get_source(n, i);

		if (s->cls == cls && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* Counted from the recorded /proc files: CPU 1's deltas */
static void test_recorded_counts(void **state)
{
	struct snap *s = *state;
	struct noise_capture cap = capture(s, NULL);
	struct cpuiso_noise *n;
	const struct cpuiso_noise_source *loc;
	const char *note = "x";

	assert_int_equal(noise_compute(s->ctx, &cap, &n), 0);
	loc = find(n, CPUISO_NOISE_IRQ, "LOC");
	assert_non_null(loc);
	assert_int_equal(loc->count, 320);
	assert_string_equal(loc->desc, "Local timer interrupts");
	assert_null(loc->cause);
	assert_int_equal(find(n, CPUISO_NOISE_IRQ, "RES")->count, 68);
	assert_int_equal(find(n, CPUISO_NOISE_IRQ, "36")->count, 19);
	assert_int_equal(find(n, CPUISO_NOISE_SOFTIRQ, "TIMER")->count, 112);
	assert_int_equal(find(n, CPUISO_NOISE_SOFTIRQ, "RCU")->count, 266);
	assert_false(cpuiso_noise_is_traced(n, &note));
	assert_null(note);
	assert_int_equal(cpuiso_noise_get_count(n, CPUISO_NOISE_THREAD), 0);
	/* a row that stayed at 0 is there; one the kernel lacks is not */
	{
		unsigned long long c = 99;

		assert_null(find(n, CPUISO_NOISE_IRQ, "NMI"));
		assert_int_equal(cpuiso_noise_get_row(n, CPUISO_NOISE_IRQ, "NMI", &c), 0);
		assert_int_equal(c, 0);
		assert_int_equal(cpuiso_noise_get_row(n, CPUISO_NOISE_IRQ, "LOC", &c), 0);
		assert_int_equal(c, 320);
		assert_int_equal(cpuiso_noise_get_row(n, CPUISO_NOISE_IRQ, "NOPE", &c), -ENOENT);
		assert_int_equal(cpuiso_noise_get_row(n, CPUISO_NOISE_SOFTIRQ, "LOC", &c), -ENOENT);
	}
	/* sorted by count */
	for (size_t i = 1; i < cpuiso_noise_nr_sources(n); i++)
		assert_true(cpuiso_noise_get_source(n, i - 1)->count >=
			    cpuiso_noise_get_source(n, i)->count);
	assert_false(cpuiso_noise_is_quiet(n, 5));
	assert_true(cpuiso_noise_is_quiet(n, 1e6));
	cpuiso_noise_free(n);
}

/* Named from the recorded trace, and in agreement with the counts */
static void test_recorded_causes(void **state)
{
	struct snap *s = *state;
	struct noise_capture cap = capture(s, s->trace);
	struct cpuiso_noise *n;
	const struct cpuiso_noise_source *src;
	struct cpuiso_osnoise os;
	size_t local_timer = 0;

	assert_int_equal(noise_compute(s->ctx, &cap, &n), 0);
	assert_true(cpuiso_noise_is_traced(n, NULL));
	src = find(n, CPUISO_NOISE_IRQ, "LOC");
	assert_non_null(src->cause);
	assert_non_null(strstr(src->cause, "tick_nohz_handler ("));
	src = find(n, CPUISO_NOISE_IRQ, "RES");
	assert_non_null(strstr(src->cause, "wakeup_preempt from CPU 0 ("));
	src = find(n, CPUISO_NOISE_IRQ, "36");
	assert_string_equal(src->cause, "virtio1-req.0 (19)");
	src = find(n, CPUISO_NOISE_SOFTIRQ, "TIMER");
	assert_non_null(strstr(src->cause, "process_timeout ("));
	/* a worker's source names the work it ran, and only its own */
	src = find(n, CPUISO_NOISE_THREAD, "kworker/1:2");
	assert_non_null(src);
	assert_non_null(src->cause);
	assert_non_null(strstr(src->cause, "delayed_vfree_work (18)"));
	assert_null(strstr(src->cause, "blk_mq_run_work_fn"));
	src = find(n, CPUISO_NOISE_THREAD, "kworker/1:1H");
	assert_string_equal(src->cause, "blk_mq_run_work_fn (5)");
	assert_true(cpuiso_noise_get_count(n, CPUISO_NOISE_THREAD) > 0);
	assert_int_equal(cpuiso_noise_get_osnoise(n, &os), -ENODATA);
	/* the timeline: the trace's local timer entries, against /proc's LOC */
	assert_true(cpuiso_noise_nr_events(n) > 0);
	for (size_t i = 0; i < cpuiso_noise_nr_events(n); i++)
		local_timer += strcmp(cpuiso_noise_get_event(n, i)->name,
				      "local_timer") == 0;
	assert_in_range(local_timer, 320 - 32, 320 + 32);
	cpuiso_noise_free(n);
}

static const char synthetic[] =
	"# tracer: osnoise\n"
	"#\n"
	"          <idle>-0       [002] d.h1.   10.000100: local_timer_entry: vector=236\n"
	"          <idle>-0       [002] d.h1.   10.000110: hrtimer_expire_entry: hrtimer=0000000012345678 function=tick_nohz_handler now=10000100000\n"
	"     cpuiso-spin-99      [002] d.h1.   10.100000: irq_handler_entry: irq=24 name=virtio0-req.0\n"
	"     cpuiso-spin-99      [002] ..s1.   10.200000: softirq_entry: vec=1 [action=TIMER]\n"
	"     cpuiso-spin-99      [002] ..s1.   10.200010: timer_expire_entry: timer=00000000b1ea8c2c function=0xffffffff81001234 now=4294892544 baseclk=4294892544\n"
	"            bash-7       [000] d..2.   10.300000: ipi_send_cpu: cpu=2 callsite=resched_curr+0x5c/0x80 callback=0x0\n"
	"            bash-7       [001] d..2.   10.300000: ipi_send_cpu: cpu=3 callsite=resched_curr+0x5c/0x80 callback=0x0\n"
	"            bash-7       [000] d..2.   10.310000: ipi_send_cpumask: cpumask=00000000,00000004 callsite=on_each_cpu_cond_mask+0x20/0x30 callback=do_flush_tlb_all+0x0/0x10\n"
	"            bash-7       [000] d..2.   10.320000: ipi_send_cpumask: cpumask=00000000,00000002 callsite=on_each_cpu_cond_mask+0x20/0x30 callback=do_flush_tlb_all+0x0/0x10\n"
	"     cpuiso-spin-99      [002] d..2.   10.400000: sched_switch: prev_comm=cpuiso-spin prev_pid=99 prev_prio=120 prev_state=R+ ==> next_comm=kworker/2:1 next_pid=45 next_prio=120\n"
	"     kworker/2:1-45      [002] .....   10.400010: workqueue_execute_start: work struct 000000003fd1a3cb: function vmstat_update\n"
	"     kworker/2:1-45      [002] d..2.   10.400100: sched_switch: prev_comm=kworker/2:1 prev_pid=45 prev_prio=120 prev_state=I ==> next_comm=cpuiso-spin next_pid=99 next_prio=120\n"
	"          <idle>-0       [002] d..2.   10.500000: sched_switch: prev_comm=swapper/2 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=swapper/2 next_pid=0 next_prio=120\n"
	"     cpuiso-spin-99      [002] d.h1.   10.600000: irq_noise: local_timer:236 start 10.599990000 duration 4000 ns\n"
	"     cpuiso-spin-99      [002] d.h1.   10.600100: irq_noise: virtio0-req.0:24 start 10.600090000 duration 12000 ns\n"
	"     cpuiso-spin-99      [002] ..s1.   10.600200: softirq_noise:        TIMER:1 start 10.600150000 duration 3000 ns\n"
	"     kworker/2:1-45      [002] d..3.   10.600300: thread_noise: kworker/2:1:45 start 10.600250000 duration 50000 ns\n"
	"     kworker/2:1-45      [002] d..3.   10.600400: thread_noise: cpuiso-spin:99 start 10.500000000 duration 900000 ns\n"
	"          <idle>-0       [002] d.h1.   10.700000: local_timer_entry: vector=236\n"
	"CPU:2 [LOST 3 EVENTS]\n"
	"          <idle>-0       [002] d.h1.   12.000000: local_timer_entry: vector=236\n";

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001200 t delayed_work_timer_fn\n"
	"ffffffff81001300 t other_fn\n"
	"ffffffffc0000000 t mod_fn	[mod]\n";

static const struct attr *attr(const struct trace_summary *s,
			       enum attr_kind kind, const char *what)
{
	for (size_t i = 0; i < s->n_attrs; i++)
		if (s->attrs[i].kind == kind && strcmp(s->attrs[i].what, what) == 0)
			return &s->attrs[i];
	return NULL;
}

/* Every event kind, the spinner and idle left out, IPIs by target */
static void test_trace_kinds(void **state)
{
	struct trace_filter f = { .cpu = 2, .load_comm = "cpuiso-spin" };
	struct trace_summary s;
	struct symtab *st;
	size_t bad = 99;

	(void)state;
	assert_int_equal(trace_parse(synthetic, &f, &s, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(s.lost, 3);
	assert_false(s.truncated);
	assert_int_equal(attr(&s, ATTR_VECTOR, "local_timer")->count, 3);
	assert_int_equal(attr(&s, ATTR_HRTIMER, "tick_nohz_handler")->count, 1);
	assert_non_null(attr(&s, ATTR_IRQ, "24 virtio0-req.0"));
	assert_non_null(attr(&s, ATTR_SOFTIRQ, "TIMER"));
	assert_non_null(attr(&s, ATTR_TIMER, "0xffffffff81001234"));
	assert_int_equal(attr(&s, ATTR_IPI_RESCHED, "resched_curr")->count, 1);
	assert_int_equal(attr(&s, ATTR_IPI_RESCHED, "resched_curr")->from, 0);
	assert_int_equal(attr(&s, ATTR_IPI_CALL, "do_flush_tlb_all via on_each_cpu_cond_mask")->count, 1);
	assert_int_equal(attr(&s, ATTR_SWITCH, "kworker/2:1")->count, 1);
	assert_null(attr(&s, ATTR_SWITCH, "cpuiso-spin"));
	assert_null(attr(&s, ATTR_SWITCH, "swapper/2"));
	assert_string_equal(attr(&s, ATTR_WORK, "vmstat_update")->task, "kworker/2:1");
	assert_int_equal(attr(&s, ATTR_OSNOISE_IRQ, "virtio0-req.0:24")->ns, 12000);
	assert_int_equal(attr(&s, ATTR_OSNOISE_THREAD, "kworker/2:1:45")->max_ns, 50000);
	assert_null(attr(&s, ATTR_OSNOISE_THREAD, "cpuiso-spin:99"));

	/* the number the kernel could not name, looked up */
	assert_int_equal(symtab_parse(kallsyms, &st), 0);
	assert_string_equal(symtab_lookup(st, 0xffffffff81001234ULL),
			    "delayed_work_timer_fn");
	assert_string_equal(symtab_lookup(st, 0xffffffffc0000010ULL), "mod_fn");
	assert_null(symtab_lookup(st, 0x1000));
	assert_int_equal(trace_resolve(&s, st), 0);
	assert_non_null(attr(&s, ATTR_TIMER, "delayed_work_timer_fn"));
	symtab_free(st);
	trace_summary_free(&s);

	/* another CPU sees the other IPIs; a window leaves the last tick out */
	f = (struct trace_filter) { .cpu = 3, .t0 = 10.0, .t1 = 11.0 };
	assert_int_equal(trace_parse(synthetic, &f, &s, &bad), 0);
	assert_int_equal(s.n_attrs, 1);
	assert_int_equal(attr(&s, ATTR_IPI_RESCHED, "resched_curr")->from, 1);
	trace_summary_free(&s);
	f = (struct trace_filter) { .cpu = 2, .t0 = 10.0, .t1 = 11.0 };
	assert_int_equal(trace_parse(synthetic, &f, &s, &bad), 0);
	assert_int_equal(attr(&s, ATTR_VECTOR, "local_timer")->count, 2);
	assert_int_equal(attr(&s, ATTR_SWITCH, "cpuiso-spin")->count, 1);
	trace_summary_free(&s);
}

/* The osnoise figures as rtla reports them */
static void test_osnoise(void **state)
{
	struct snap *s = *state;
	struct noise_capture cap = capture(s, synthetic);
	struct cpuiso_noise *n;
	struct cpuiso_osnoise os;

	cap.cpu = 2;
	cap.filter = (struct trace_filter) { .cpu = 2, .load_comm = "cpuiso-spin" };
	cap.osnoise = true;
	cap.irq0 = cap.irq1 = "  CPU0 CPU1 CPU2\nLOC: 1 2 3 Local timer interrupts\n";
	cap.soft0 = cap.soft1 = "  CPU0 CPU1 CPU2\nTIMER: 1 2 3\n";
	assert_int_equal(noise_compute(s->ctx, &cap, &n), 0);
	assert_int_equal(cpuiso_noise_get_osnoise(n, &os), 0);
	assert_int_equal(os.count[CPUISO_NOISE_IRQ], 2);
	assert_int_equal(os.count[CPUISO_NOISE_SOFTIRQ], 1);
	assert_int_equal(os.count[CPUISO_NOISE_THREAD], 1);
	assert_int_equal(os.max_single_ns, 50000);
	assert_int_equal(os.total_ns, 4000 + 12000 + 3000 + 50000);
	assert_true(os.available_pct > 99.99 && os.available_pct < 100);
	/* the lost events are said */
	{
		const char *note;

		assert_true(cpuiso_noise_is_traced(n, &note));
		assert_non_null(strstr(note, "lost 3 events"));
	}
	cpuiso_noise_free(n);
}

/* Garbled text: a clear error naming the line, never a crash */
static void test_garbled(void **state)
{
	struct snap *s = *state;
	struct trace_filter f = { .cpu = 1 };
	struct trace_summary sum;
	struct noise_capture cap;
	struct cpuiso_noise *n = NULL;
	struct symtab *st;
	size_t bad;

	assert_int_equal(trace_parse("# x\nnot a trace line\n", &f, &sum, &bad), -EBADMSG);
	assert_int_equal(bad, 2);
	assert_int_equal(trace_parse("   a-1 [001] d..1. 5.0 no_colon\n", &f, &sum, &bad), -EBADMSG);
	assert_int_equal(trace_parse("   a-1 [001] d..1. 5.0: irq_handler_entry: nothing\n",
				     &f, &sum, &bad), -EBADMSG);
	assert_int_equal(trace_parse("   a-1 [001] 5.0: sched_switch: prev_comm=a\n",
				     &f, &sum, &bad), -EBADMSG);
	assert_int_equal(trace_parse("   a-1 [000] 5.0: ipi_send_cpu: cpu=1\n",
				     &f, &sum, &bad), -EBADMSG);
	assert_int_equal(trace_parse("   a-1 [000] 5.0: ipi_send_cpumask: cpumask=zz "
				     "callsite=f+0x1/0x2 callback=0x0\n",
				     &f, &sum, &bad), -EBADMSG);
	cap = capture(s, "   a-1 [001] x.y: softirq_entry: vec=1 [action=TIMER\n");
	assert_int_equal(noise_compute(s->ctx, &cap, &n), -EBADMSG);
	assert_null(n);

	assert_int_equal(symtab_parse("zzz\n", &st), -EBADMSG);
	assert_int_equal(symtab_parse("", &st), -EBADMSG);
	assert_int_equal(symtab_parse("0000000000000000 T _stext\n", &st), -EPERM);

	/* /proc files from different boots: a counter went far backwards */
	cap = capture(s, NULL);
	cap.irq0 = "  CPU0 CPU1\nLOC: 1 99999999999\n";
	cap.irq1 = "  CPU0 CPU1\nLOC: 1 5\n";
	assert_int_equal(noise_compute(s->ctx, &cap, &n), -EBADMSG);
	/* a 32-bit counter that wrapped */
	cap.irq0 = "  CPU0 CPU1\nLOC: 1 4294967290\n";
	assert_int_equal(noise_compute(s->ctx, &cap, &n), 0);
	assert_int_equal(find(n, CPUISO_NOISE_IRQ, "LOC")->count, 11);
	cpuiso_noise_free(n);
}

/* Cut short anywhere: the recorded files refused or read up to the cut */
static void test_truncated(void **state)
{
	struct snap *s = *state;
	size_t len = strlen(s->trace), irqlen = strlen(s->irq1);

	for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
		_cleanup_free_ char *t = strndup(s->trace, cut);
		struct noise_capture cap = capture(s, t);
		struct cpuiso_noise *n = NULL;
		int r = noise_compute(s->ctx, &cap, &n);

		/* cut in a line: that line is left out and said */
		assert_int_equal(r, 0);
		if (cut && t[cut - 1] != '\n') {
			const char *note;

			assert_true(cpuiso_noise_is_traced(n, &note));
			assert_non_null(strstr(note, "last line was cut"));
		}
		cpuiso_noise_free(n);
	}
	for (size_t cut = 0; cut < irqlen; cut += irqlen / 31 + 1) {
		_cleanup_free_ char *t = strndup(s->irq1, cut);
		struct noise_capture cap = capture(s, NULL);
		struct cpuiso_noise *n = NULL;

		cap.irq1 = t;
		assert_int_equal(noise_compute(s->ctx, &cap, &n), -EBADMSG);
		assert_null(n);
	}
}

/* Bytes flipped all over the recorded trace: 0 or -EBADMSG, no crash */
static void test_mangled(void **state)
{
	struct snap *s = *state;
	size_t len = strlen(s->trace);
	_cleanup_free_ char *t = malloc(len + 1);
	unsigned int seed = 14;

	for (int round = 0; round < 40; round++) {
		struct noise_capture cap = capture(s, t);
		struct cpuiso_noise *n = NULL;
		int r;

		memcpy(t, s->trace, len + 1);
		for (int k = 0; k < 50; k++) {
			static const char junk[] = " :[]=-0x9\n#+,";

			seed = seed * 1103515245 + 12345;
			t[(seed >> 8) % len] = junk[(seed >> 4) % (sizeof(junk) - 1)];
		}
		r = noise_compute(s->ctx, &cap, &n);
		assert_true(r == 0 || r == -EBADMSG);
		assert_true((r == 0) == (n != NULL));
		cpuiso_noise_free(n);
	}
}

/* ---- the window, under a root prefix ---------------------------------- */

static const char irq_a[] = "      CPU0 CPU1\nLOC: 10 20 Local timer interrupts\nRES: 1 2 Rescheduling interrupts\n";
static const char irq_b[] = "      CPU0 CPU1\nLOC: 10 27 Local timer interrupts\nRES: 1 2 Rescheduling interrupts\n";
static const char soft_a[] = "   CPU0 CPU1\nTIMER: 5 5\nRCU: 1 1\n";
static const char soft_b[] = "   CPU0 CPU1\nTIMER: 5 6\nRCU: 1 1\n";

static void test_window(void **state)
{
	_cleanup_free_ char *root = NULL;
	struct cpuiso_ctx *ctx;
	struct cpuiso_measure *m;
	struct cpuiso_noise *n;
	struct cpuiso_load_stats ls;
	const char *note;
	char path[512];

	(void)state;
	root = tree_new_machine(2);
	tree_write(root, "/proc/interrupts", irq_a);
	tree_write(root, "/proc/softirqs", soft_a);
	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);

	assert_int_equal(cpuiso_measure_start(ctx, 5, CPUISO_LOAD_NONE, 0, &m), -ENODEV);
	assert_int_equal(cpuiso_measure_start(ctx, 1, 7, 0, &m), -EINVAL);

	/* no tracefs: counted, and said why not traced */
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_NONE, 0, &m), 0);
	tree_write(root, "/proc/interrupts", irq_b);
	tree_write(root, "/proc/softirqs", soft_b);
	assert_int_equal(cpuiso_measure_stop(m, &n), 0);
	assert_int_equal(cpuiso_noise_get_cpu(n), 1);
	assert_int_equal(cpuiso_noise_nr_sources(n), 2);
	assert_string_equal(cpuiso_noise_get_source(n, 0)->name, "LOC");
	assert_int_equal(cpuiso_noise_get_source(n, 0)->count, 7);
	assert_int_equal(cpuiso_noise_get_count(n, CPUISO_NOISE_SOFTIRQ), 1);
	assert_false(cpuiso_noise_is_traced(n, &note));
	assert_non_null(strstr(note, "tracefs is not mounted"));
	assert_int_equal(cpuiso_noise_get_load(n, &ls), -ENODATA);
	cpuiso_noise_free(n);

	/* tracefs there, but the instance is an empty directory (no kernel
	 * behind it): not traced, and the directory is gone again */
	tree_write(root, "/sys/kernel/tracing/trace", "");
	tree_mkdir(root, "/sys/kernel/tracing/instances");
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_NONE, 0, &m), 0);
	assert_int_equal(cpuiso_measure_stop(m, &n), 0);
	assert_false(cpuiso_noise_is_traced(n, &note));
	assert_non_null(strstr(note, "no tracing_on"));
	snprintf(path, sizeof(path), "%s/sys/kernel/tracing/instances/cpuiso", root);
	assert_int_equal(access(path, F_OK), -1);
	cpuiso_noise_free(n);

	/* a stale instance is not ours to remove */
	tree_mkdir(root, "/sys/kernel/tracing/instances/cpuiso");
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_NONE, 0, &m), 0);
	assert_int_equal(cpuiso_measure_stop(m, &n), 0);
	assert_false(cpuiso_noise_is_traced(n, &note));
	assert_non_null(strstr(note, "exists"));
	assert_int_equal(access(path, F_OK), 0);
	cpuiso_noise_free(n);

	/* asked not to trace; abandoned windows free everything */
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_NONE,
					      CPUISO_MEASURE_NO_TRACE, &m), 0);
	assert_int_equal(cpuiso_measure_stop(m, NULL), 0);

	/* a FIFO for a /proc file (a hostile tree): refused, never waited on */
	snprintf(path, sizeof(path), "%s/proc/softirqs", root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_NONE,
					      CPUISO_MEASURE_NO_TRACE, &m), -EINVAL);
	assert_int_equal(unlink(path), 0);
	tree_write(root, "/proc/softirqs", soft_b);

	/* a garbled /proc file at the end: a clear error */
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_NONE,
					      CPUISO_MEASURE_NO_TRACE, &m), 0);
	tree_write(root, "/proc/interrupts", "      CPU0 CPU1\nLOC: 10");
	assert_int_equal(cpuiso_measure_stop(m, &n), -EBADMSG);

	cpuiso_ctx_unref(ctx);
	tree_free(TAKE_PTR(root));
}

/* osnoise is left alone while another instance (rtla's) runs it */
static void test_osnoise_user(void **state)
{
	_cleanup_free_ char *root = NULL;
	const char *dir = "/sys/kernel/tracing";
	struct cpuiso_ctx *ctx;
	char *who;

	(void)state;
	root = tree_new_machine(2);
	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	/* no tracefs at all: nobody */
	assert_int_equal(tracefs_osnoise_user(ctx, dir, &who), 0);
	assert_null(who);
	tree_write(root, "/sys/kernel/tracing/current_tracer", "nop\n");
	tree_write(root, "/sys/kernel/tracing/instances/other/current_tracer", "function\n");
	/* our own instance is not someone else */
	tree_write(root, "/sys/kernel/tracing/instances/cpuiso/current_tracer", "osnoise\n");
	assert_int_equal(tracefs_osnoise_user(ctx, dir, &who), 0);
	assert_null(who);
	/* osnoise_tracer is not osnoise */
	tree_write(root, "/sys/kernel/tracing/instances/other/current_tracer", "osnoise_x\n");
	assert_int_equal(tracefs_osnoise_user(ctx, dir, &who), 0);
	tree_write(root, "/sys/kernel/tracing/instances/osnoise_top/current_tracer", "osnoise\n");
	assert_int_equal(tracefs_osnoise_user(ctx, dir, &who), 1);
	assert_string_equal(who, "instance osnoise_top");
	free(who);
	tree_write(root, "/sys/kernel/tracing/instances/osnoise_top/current_tracer", "nop\n");
	tree_write(root, "/sys/kernel/tracing/current_tracer", "timerlat\n");
	assert_int_equal(tracefs_osnoise_user(ctx, dir, &who), 1);
	assert_string_equal(who, "the top instance");
	free(who);
	cpuiso_ctx_unref(ctx);
	tree_free(TAKE_PTR(root));
}

/* The spinner runs on the CPU and stays in user space */
static void test_spinner(void **state)
{
	_cleanup_free_ char *root = NULL;
	struct cpuiso_ctx *ctx;
	struct cpuiso_measure *m;
	struct cpuiso_noise *n;
	struct cpuiso_load_stats ls;
	cpu_set_t set;
	int cpu = -1;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = CPU_SETSIZE - 1; c >= 0 && cpu < 0; c--)
		if (CPU_ISSET(c, &set))
			cpu = c;
	if (CPU_COUNT(&set) < 2)
		skip();
	root = tree_new_machine(cpu + 1);
	tree_write(root, "/proc/interrupts", "  CPU0\nLOC: 1\n");
	tree_write(root, "/proc/softirqs", "  CPU0\nTIMER: 1\n");
	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	assert_int_equal(cpuiso_measure_start(ctx, cpu, CPUISO_LOAD_SPIN,
					      CPUISO_MEASURE_NO_TRACE, &m), 0);
	/* the caller was moved off the CPU for the window */
	{
		cpu_set_t now;

		assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
		assert_false(CPU_ISSET(cpu, &now));
	}
	usleep(100 * 1000);
	/* CPU 0's column only: the CPU measured has none, said clearly */
	assert_int_equal(cpuiso_measure_stop(m, &n), cpu == 0 ? 0 : -ENODEV);
	if (cpu == 0)
		cpuiso_noise_free(n);
	tree_write(root, "/proc/interrupts", irq_a);
	tree_write(root, "/proc/softirqs", soft_a);
	assert_int_equal(cpuiso_measure_start(ctx, cpu, CPUISO_LOAD_SPIN,
					      CPUISO_MEASURE_NO_TRACE, &m), 0);
	usleep(100 * 1000);
	assert_int_equal(cpuiso_measure_stop(m, &n), cpu <= 1 ? 0 : -ENODEV);
	if (cpu <= 1) {
		assert_int_equal(cpuiso_noise_get_load(n, &ls), 0);
		assert_int_equal(ls.ran_on, cpu);
		assert_true(ls.utime > 0.05);
		cpuiso_noise_free(n);
	}
	/* the caller's affinity is back */
	{
		cpu_set_t now;

		assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
		assert_true(CPU_EQUAL(&now, &set));
	}
	cpuiso_ctx_unref(ctx);
	tree_free(TAKE_PTR(root));
}

/*
 * A CPU the caller may not run on (a compat partition's): the spinner is
 * a child that joins the partition's cgroup.procs (a plain file here)
 * and pins itself there.
 */
static void test_spinner_partition(void **state)
{
	_cleanup_free_ char *root = NULL, *procs = NULL;
	struct cpuiso_ctx *ctx;
	struct cpuiso_measure *m;
	struct cpuiso_noise *n;
	struct cpuiso_load_stats ls;
	cpu_set_t all, one;
	char path[512];

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	if (!CPU_ISSET(0, &all) || !CPU_ISSET(1, &all))
		skip();
	root = tree_new_machine(2);
	tree_write(root, "/proc/interrupts", irq_a);
	tree_write(root, "/proc/softirqs", soft_a);
	tree_write(root, "/sys/fs/cgroup/cpuiso.isolated/cgroup.procs", "");
	assert_int_equal(cpuiso_ctx_new(root, &ctx), 0);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);

	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_SPIN,
					      CPUISO_MEASURE_NO_TRACE, &m), 0);
	usleep(100 * 1000);
	assert_int_equal(cpuiso_measure_stop(m, &n), 0);
	assert_int_equal(cpuiso_noise_get_load(n, &ls), 0);
	assert_int_equal(ls.ran_on, 1);
	assert_true(ls.utime > 0.05);
	cpuiso_noise_free(n);
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/cpuiso.isolated/cgroup.procs", root);
	procs = slurp(path);
	assert_true(atoi(procs) > 0);

	/* a partition it cannot join: said, nothing left running */
	tree_free(strdup(path));
	tree_mkdir(root, "/sys/fs/cgroup/cpuiso.isolated/cgroup.procs");
	assert_int_equal(cpuiso_measure_start(ctx, 1, CPUISO_LOAD_SPIN,
					      CPUISO_MEASURE_NO_TRACE, &m), -EISDIR);

	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	cpuiso_ctx_unref(ctx);
	tree_free(TAKE_PTR(root));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cpuiso_noise_class_to_string(CPUISO_NOISE_SOFTIRQ), "softirq");
	assert_null(cpuiso_noise_class_to_string(_CPUISO_NOISE_CLASS_MAX));
	assert_int_equal(cpuiso_load_from_string("none"), CPUISO_LOAD_NONE);
	assert_int_equal(cpuiso_load_from_string("spin"), CPUISO_LOAD_SPIN);
	assert_int_equal(cpuiso_load_from_string("idle"), -EINVAL);
	assert_string_equal(cpuiso_load_to_string(CPUISO_LOAD_SPIN), "spin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_counts),
		cmocka_unit_test(test_recorded_causes),
		cmocka_unit_test(test_trace_kinds),
		cmocka_unit_test(test_osnoise),
		cmocka_unit_test(test_osnoise_user),
		cmocka_unit_test(test_garbled),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mangled),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_spinner),
		cmocka_unit_test(test_spinner_partition),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, snap_setup, snap_teardown);
}
