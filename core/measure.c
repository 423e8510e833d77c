// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Measuring what reaches a CPU: the window (spinner, counters, tracefs)
 * and the result, computed from captured text by noise_compute() so the
 * unit tests run it on recorded snapshots.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "internal.h"
#include "irqstat.h"
#include "measure.h"

#define LOAD_COMM "cpuiso-spin"
/* after the spinner starts, before the window opens */
#define SETTLE_NS (200 * 1000 * 1000)

static const char *const class_names[_CPUISO_NOISE_CLASS_MAX] = {
	[CPUISO_NOISE_IRQ] = "irq",
	[CPUISO_NOISE_SOFTIRQ] = "softirq",
	[CPUISO_NOISE_THREAD] = "thread",
	[CPUISO_NOISE_NMI] = "nmi",
};

CPUISO_EXPORT const char *cpuiso_noise_class_to_string(enum cpuiso_noise_class cls)
{
	return cls < _CPUISO_NOISE_CLASS_MAX ? class_names[cls] : NULL;
}

static const char *const load_names[] = {
	[CPUISO_LOAD_SPIN] = "spin",
	[CPUISO_LOAD_NONE] = "none",
	[CPUISO_LOAD_ISOLATED] = "isolated",
};

CPUISO_EXPORT const char *cpuiso_load_to_string(enum cpuiso_load load)
{
	return load < ELEMENTSOF(load_names) ? load_names[load] : NULL;
}

CPUISO_EXPORT int cpuiso_load_from_string(const char *str)
{
	for (size_t i = 0; i < ELEMENTSOF(load_names); i++)
		if (strcmp(str, load_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static double now(void)
{
	struct timespec ts;

	/* the vDSO: no kernel entry */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the result --------------------------------------------------------- */

struct source {
	struct cpuiso_noise_source pub;
	char *name, *desc, *cause;
};

struct cpuiso_noise {
	unsigned int cpu;
	double seconds;
	size_t n_rows;			/* every /proc row, every task */
	size_t n_sources;		/* those with a count: the first ones */
	struct source *sources;
	unsigned long long count[_CPUISO_NOISE_CLASS_MAX];
	bool traced;
	char *note;
	bool have_osnoise;
	struct cpuiso_osnoise osnoise;
	bool have_load;
	struct cpuiso_load_stats load;
	bool have_task_isol;
	struct cpuiso_task_isolation task_isol;
	struct trace_summary trace;
	size_t n_events;
	struct cpuiso_noise_event *events;
};

CPUISO_EXPORT void cpuiso_noise_free(struct cpuiso_noise *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_rows; i++) {
		free(n->sources[i].name);
		free(n->sources[i].desc);
		free(n->sources[i].cause);
	}
	free(n->sources);
	free(n->note);
	trace_summary_free(&n->trace);
	free(n->events);
	free(n);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_noise *, cpuiso_noise_free)

static int add_source(struct cpuiso_noise *n, enum cpuiso_noise_class cls,
		      const char *name, const char *desc,
		      unsigned long long count)
{
	struct source *s = realloc(n->sources, (n->n_rows + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	n->sources = s;
	s += n->n_rows;
	*s = (struct source) { 0 };
	s->name = strdup(name);
	s->desc = strdup(desc);
	n->n_rows++;
	if (!s->name || !s->desc)
		return -ENOMEM;
	s->pub.cls = cls;
	s->pub.count = count;
	n->count[cls] += count;
	return 0;
}

/* Every row of one /proc file that grew in the window. */
static int add_counts(struct cpuiso_ctx *ctx, struct cpuiso_noise *n,
		      enum cpuiso_noise_class cls, const char *file,
		      const char *before, const char *after)
{
	_cleanup_(irqstat_free) struct irqstat a = { 0 };
	_cleanup_(irqstat_free) struct irqstat b = { 0 };
	int r;

	r = irqstat_parse(before, n->cpu, &a);
	if (r >= 0)
		r = irqstat_parse(after, n->cpu, &b);
	if (r < 0) {
		err(ctx, "%s: %s", file, r == -ENODEV ?
		    "no column for the CPU (offline?)" : r == -EAGAIN ?
		    "its columns moved while it was read (CPU hotplug)" :
		    "not in the kernel's format (cut short or garbled)");
		return r;
	}
	for (size_t i = 0; i < b.n; i++) {
		unsigned long long d;

		r = irqstat_delta(&a, &b.rows[i], &d);
		if (r < 0) {
			err(ctx, "%s: %s went from %llu to %llu: not the same counter",
			    file, b.rows[i].name,
			    irqstat_find(&a, b.rows[i].name)->count,
			    b.rows[i].count);
			return r;
		}
		/* kept at 0 too: a row that is there is a measurement */
		if ((r = add_source(n, cls, b.rows[i].name, b.rows[i].desc, d)) < 0)
			return r;
	}
	return 0;
}

/* Which traced causes explain a /proc row */
static const struct link {
	enum cpuiso_noise_class cls;
	const char *row;
	enum attr_kind kind;
} links[] = {
	{ CPUISO_NOISE_IRQ, "LOC", ATTR_HRTIMER },
	{ CPUISO_NOISE_IRQ, "RES", ATTR_IPI_RESCHED },
	{ CPUISO_NOISE_IRQ, "CAL", ATTR_IPI_CALL },
	{ CPUISO_NOISE_IRQ, "TLB", ATTR_IPI_CALL },
	{ CPUISO_NOISE_IRQ, "IWI", ATTR_IPI_CALL },
	{ CPUISO_NOISE_SOFTIRQ, "TIMER", ATTR_TIMER },
	{ CPUISO_NOISE_SOFTIRQ, "HRTIMER", ATTR_HRTIMER },
	{ CPUISO_NOISE_THREAD, "kworker", ATTR_WORK },
};

static int link_kind(const struct source *s)
{
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (links[i].cls == s->pub.cls &&
		    strncmp(s->name, links[i].row, strlen(links[i].row)) == 0 &&
		    (s->pub.cls == CPUISO_NOISE_THREAD || !s->name[strlen(links[i].row)]))
			return links[i].kind;
	return -1;
}

static int by_count(const void *a, const void *b)
{
	const struct attr *x = *(const struct attr *const *)a;
	const struct attr *y = *(const struct attr *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->what, y->what);
}

/*
 * "tick_nohz_handler (5), ..." from the causes of @kind, most first; of
 * IRQ number @irq's handlers, or of the work items task @task ran.
 */
static int cause_of(const struct trace_summary *t, int kind, const char *irq,
		    const char *task, char **ret)
{
	_cleanup_free_ const struct attr **v = NULL;
	_cleanup_free_ char *out = NULL;
	size_t n = 0, len = 0;

	*ret = NULL;
	v = calloc(t->n_attrs + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_attrs; i++) {
		const struct attr *a = &t->attrs[i];

		if (irq ? a->kind == ATTR_IRQ &&
			  strncmp(a->what, irq, strlen(irq)) == 0 &&
			  a->what[strlen(irq)] == ' ' :
			  (int)a->kind == kind &&
			  (!task || (a->task && strcmp(a->task, task) == 0)))
			v[n++] = a;
	}
	qsort(v, n, sizeof(*v), by_count);
	for (size_t i = 0; i < n; i++) {
		const char *what = v[i]->what;
		char from[32] = "", *o;
		int w;

		if (irq)
			what += strlen(irq) + 1;
		if (v[i]->from >= 0)
			snprintf(from, sizeof(from), " from CPU %d", v[i]->from);
		w = snprintf(NULL, 0, "%s%s%s (%llu)", i ? ", " : "", what,
			     from, v[i]->count);
		o = realloc(out, len + w + 1);
		if (!o)
			return -ENOMEM;
		out = o;
		snprintf(out + len, w + 1, "%s%s%s (%llu)", i ? ", " : "", what,
			 from, v[i]->count);
		len += w;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static bool is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int by_source_count(const void *a, const void *b)
{
	const struct source *x = a, *y = b;

	if (x->pub.count != y->pub.count)
		return x->pub.count < y->pub.count ? 1 : -1;
	if (x->pub.cls != y->pub.cls)
		return x->pub.cls < y->pub.cls ? -1 : 1;
	return strcmp(x->name, y->name);
}

static enum cpuiso_noise_class class_of(enum attr_kind k)
{
	switch (k) {
	case ATTR_SOFTIRQ:
	case ATTR_TIMER:
	case ATTR_OSNOISE_SOFTIRQ:
		return CPUISO_NOISE_SOFTIRQ;
	case ATTR_WORK:
	case ATTR_SWITCH:
	case ATTR_OSNOISE_THREAD:
		return CPUISO_NOISE_THREAD;
	case ATTR_OSNOISE_NMI:
		return CPUISO_NOISE_NMI;
	default:
		return CPUISO_NOISE_IRQ;
	}
}

/* The traced part: threads, causes, osnoise figures, the timeline. */
static int add_trace(struct cpuiso_ctx *ctx, struct cpuiso_noise *n,
		     const struct noise_capture *cap)
{
	bool numbers = false;
	size_t bad;
	int r;

	r = trace_parse(cap->trace, &cap->filter, &n->trace, &bad);
	if (r < 0) {
		err(ctx, "trace: line %zu is not a trace line", bad);
		return r;
	}
	for (size_t i = 0; i < n->trace.n_attrs; i++)
		numbers |= strncmp(n->trace.attrs[i].what, "0x", 2) == 0;
	if (numbers) {
		_cleanup_free_ char *text = NULL;
		struct symtab *st = NULL;

		/* best effort: a number stays a number */
		if (ctx_read_max(ctx, 64u << 20, &text, "/proc/kallsyms") >= 0 &&
		    symtab_parse(text, &st) >= 0) {
			r = trace_resolve(&n->trace, st);
			symtab_free(st);
			if (r < 0)
				return r;
		}
	}
	n->traced = true;
	for (size_t i = 0; i < n->trace.n_attrs; i++) {
		const struct attr *a = &n->trace.attrs[i];

		if (a->kind == ATTR_SWITCH &&
		    (r = add_source(n, CPUISO_NOISE_THREAD, a->what, "", a->count)) < 0)
			return r;
		if (a->kind >= ATTR_OSNOISE_IRQ) {
			enum cpuiso_noise_class c = class_of(a->kind);

			n->osnoise.count[c] += a->count;
			n->osnoise.total_ns += a->ns;
			if (a->max_ns > n->osnoise.max_single_ns)
				n->osnoise.max_single_ns = a->max_ns;
		}
	}
	n->have_osnoise = cap->osnoise;
	if (n->have_osnoise && n->seconds > 0)
		n->osnoise.available_pct = 100.0 *
			(1.0 - n->osnoise.total_ns / (n->seconds * 1e9));
	for (size_t i = 0; i < n->n_rows; i++) {
		struct source *s = &n->sources[i];
		int kind = link_kind(s);

		if (s->pub.cls == CPUISO_NOISE_IRQ && is_number(s->name))
			r = cause_of(&n->trace, -1, s->name, NULL, &s->cause);
		else if (kind >= 0)
			r = cause_of(&n->trace, kind, NULL,
				     s->pub.cls == CPUISO_NOISE_THREAD ? s->name : NULL,
				     &s->cause);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	n->events = calloc(n->trace.n_events + 1, sizeof(*n->events));
	if (!n->events)
		return -ENOMEM;
	for (size_t i = 0; i < n->trace.n_events; i++) {
		const struct trace_event *e = &n->trace.events[i];
		const struct attr *a = &n->trace.attrs[e->attr];

		if (a->kind == ATTR_IPI_CALL || a->kind == ATTR_IPI_RESCHED ||
		    a->kind >= ATTR_OSNOISE_IRQ)
			continue;	/* sent elsewhere, or timed twice */
		n->events[n->n_events++] = (struct cpuiso_noise_event) {
			.t = cap->filter.t1 > cap->filter.t0 ?
			     e->t - cap->filter.t0 : e->t,
			.cls = class_of(a->kind),
			.name = a->what,
		};
	}
	if (n->trace.lost || n->trace.truncated) {
		free(n->note);
		if (asprintf(&n->note, "the trace lost %llu events%s",
			     n->trace.lost, n->trace.truncated ?
			     ", its last line was cut" : "") < 0)
			return -ENOMEM;
	}
	return 0;
}

int noise_compute(struct cpuiso_ctx *ctx, const struct noise_capture *cap,
		  struct cpuiso_noise **ret)
{
	_cleanup_(cpuiso_noise_freep) struct cpuiso_noise *n = NULL;
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cpu = cap->cpu;
	n->seconds = cap->seconds;
	if (cap->note && !(n->note = strdup(cap->note)))
		return -ENOMEM;
	if (cap->load_stats) {
		n->have_load = true;
		n->load = *cap->load_stats;
	}
	if (cap->task_isol) {
		n->have_task_isol = true;
		n->task_isol = *cap->task_isol;
	}
	r = add_counts(ctx, n, CPUISO_NOISE_IRQ, "/proc/interrupts",
		       cap->irq0, cap->irq1);
	if (r < 0)
		return r;
	r = add_counts(ctx, n, CPUISO_NOISE_SOFTIRQ, "/proc/softirqs",
		       cap->soft0, cap->soft1);
	if (r < 0)
		return r;
	if (cap->trace && (r = add_trace(ctx, n, cap)) < 0)
		return r;
	if (n->n_rows)
		qsort(n->sources, n->n_rows, sizeof(*n->sources), by_source_count);
	n->n_sources = n->n_rows;
	while (n->n_sources > 0 && n->sources[n->n_sources - 1].pub.count == 0)
		n->n_sources--;
	for (size_t i = 0; i < n->n_rows; i++) {
		struct source *s = &n->sources[i];

		s->pub.name = s->name;
		s->pub.desc = s->desc;
		s->pub.cause = s->cause;
	}
	*ret = TAKE_PTR(n);
	return 0;
}

/* ---- the window --------------------------------------------------------- */

/* Shared with the spinner, a thread or a child process (MAP_SHARED) */
struct spinner {
	atomic_int running;		/* 1 spinning, -1 could not start */
	atomic_int stop;
	int error;			/* why it could not start */
	struct cpuiso_load_stats stats;
	/* CPUISO_LOAD_ISOLATED: the mode's record, read by the spinner */
	bool isolate;
	struct cpuiso_ctx *ctx;
	int task_isol_error;
	struct cpuiso_task_isolation task_isol;
};

struct cpuiso_measure {
	struct cpuiso_ctx *ctx;
	unsigned int cpu;
	enum cpuiso_load load;
	struct spinner *spin;
	pthread_t thread;		/* the spinner, when it is a thread */
	pid_t pid;			/* or a child, when it is one */
	pid_t parent;			/* the child's, to die with it */
	struct tracefs *trace;
	char *note;
	bool moved;
	cpu_set_t affinity;		/* the caller's, to put back */
	char *irq0, *soft0;
	double t0;
};

static double tv(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

static void spin(struct spinner *s, int who)
{
	struct rusage r0, r1;
	volatile unsigned long spins = 0;
	double t0;

	getrusage(who, &r0);
	t0 = now();
	if (s->isolate) {
		int r = cpuiso_task_isolation_enter(0, 0);

		if (r < 0) {
			s->error = -r;
			atomic_store(&s->running, -1);
			return;
		}
	}
	atomic_store(&s->running, 1);
	/* no system call from here to the end of the window */
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed))
		for (int i = 0; i < 100000; i++)
			spins++;
	if (s->isolate) {
		/* leaving is not an interruption; what follows is not counted */
		(void)cpuiso_task_isolation_leave();
		s->task_isol_error = cpuiso_task_isolation_read(s->ctx, gettid(),
								&s->task_isol);
	}
	s->stats.wall = now() - t0;
	getrusage(who, &r1);
	s->stats.ran_on = sched_getcpu();
	s->stats.utime = tv(&r1.ru_utime) - tv(&r0.ru_utime);
	s->stats.stime = tv(&r1.ru_stime) - tv(&r0.ru_stime);
}

static void *spin_thread(void *arg)
{
	spin(arg, RUSAGE_THREAD);
	return NULL;
}

/*
 * A CPU the caller may not use: on a kernel without cpuN/state, the
 * compat backend's isolated CPUs belong to the cpuset partition
 * cpuiso.isolated, and only its tasks run there.  The spinner is then a
 * child that joins the partition (@procs: its cgroup.procs) and pins
 * itself; between fork and _exit it makes system calls only.
 */
static int spin_child(struct cpuiso_measure *m, const char *procs)
{
	pid_t pid;

	m->parent = getpid();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct spinner *s = m->spin;
		char buf[32];
		cpu_set_t set;
		int fd, n;

		prctl(PR_SET_NAME, LOAD_COMM);
		/* never outlive the measurement, whatever ends it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != m->parent)
			_exit(1);
		n = snprintf(buf, sizeof(buf), "%d", (int)getpid());
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, buf, n) != n)
			goto fail;
		close(fd);
		CPU_ZERO(&set);
		CPU_SET(m->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			goto fail;
		spin(s, RUSAGE_SELF);
		_exit(0);
fail:
		s->error = errno;
		atomic_store(&s->running, -1);
		_exit(1);
	}
	m->pid = pid;
	return 0;
}

static int spinner_start(struct cpuiso_measure *m)
{
	struct timespec pause = { 0, 1000 * 1000 };
	_cleanup_free_ char *procs = NULL;
	pthread_attr_t attr;
	cpu_set_t set;
	int r;

	m->spin = mmap(NULL, sizeof(*m->spin), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->spin == MAP_FAILED) {
		m->spin = NULL;
		return -ENOMEM;
	}
	m->spin->isolate = m->load == CPUISO_LOAD_ISOLATED;
	m->spin->ctx = m->ctx;
	if (!CPU_ISSET(m->cpu, &m->affinity) &&
	    ctx_exists(m->ctx, PARTITION "/cgroup.procs") > 0) {
		r = ctx_path(m->ctx, &procs, PARTITION "/cgroup.procs");
		if (r >= 0)
			r = spin_child(m, procs);
	} else {
		CPU_ZERO(&set);
		CPU_SET(m->cpu, &set);
		r = -pthread_attr_init(&attr);
		if (r == 0) {
			r = -pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
			if (r == 0)
				r = -pthread_create(&m->thread, &attr, spin_thread, m->spin);
			pthread_attr_destroy(&attr);
		}
		if (r == 0)
			pthread_setname_np(m->thread, LOAD_COMM);
	}
	if (r < 0) {
		err(m->ctx, "cannot start a spinner on CPU %u: %s", m->cpu,
		    strerror(-r));
		munmap(m->spin, sizeof(*m->spin));
		m->spin = NULL;
		return r;
	}
	while (!atomic_load(&m->spin->running)) {
		/* a child killed before it could say so */
		if (m->pid > 0 && waitpid(m->pid, NULL, WNOHANG) == m->pid) {
			m->pid = 0;
			m->spin->error = ECHILD;
			atomic_store(&m->spin->running, -1);
			break;
		}
		nanosleep(&pause, NULL);
	}
	if (atomic_load(&m->spin->running) < 0) {
		r = -m->spin->error;
		if (m->pid == 0 && m->spin->isolate)
			err(m->ctx, "cannot enter task isolation mode on CPU %u: %s%s", m->cpu,
			    strerror(-r), r == -EINVAL ? " (the CPU is not isolated with "
			    "nohz_full, or this kernel has no task isolation mode)" : "");
		else
			err(m->ctx, "cannot start a spinner on CPU %u%s%s: %s", m->cpu,
			    m->pid ? " in " : "", m->pid ? PARTITION : "", strerror(-r));
		return r;
	}
	pause.tv_nsec = SETTLE_NS;
	nanosleep(&pause, NULL);
	return 0;
}

static void spinner_stop(struct cpuiso_measure *m)
{
	if (!m->spin || atomic_load(&m->spin->stop))
		return;
	atomic_store(&m->spin->stop, 1);
	if (m->pid > 0)
		(void)waitpid(m->pid, NULL, 0);
	else if (atomic_load(&m->spin->running) != 0)
		pthread_join(m->thread, NULL);
}

/* The caller reads the counters from another CPU than the one measured. */
static int move_off(struct cpuiso_measure *m)
{
	cpu_set_t set;

	if (m->cpu >= CPU_SETSIZE)
		return -ERANGE;
	if (sched_getaffinity(0, sizeof(m->affinity), &m->affinity) < 0)
		return -errno;
	if (!CPU_ISSET(m->cpu, &m->affinity))
		return 0;
	set = m->affinity;
	CPU_CLR(m->cpu, &set);
	if (CPU_COUNT(&set) == 0) {
		err(m->ctx, "no CPU but %u to measure it from", m->cpu);
		return -EBUSY;
	}
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	m->moved = true;
	return 0;
}

static void measure_free(struct cpuiso_measure *m)
{
	if (!m)
		return;
	spinner_stop(m);
	tracefs_close(m->trace);
	if (m->moved)
		(void)sched_setaffinity(0, sizeof(m->affinity), &m->affinity);
	if (m->spin)
		munmap(m->spin, sizeof(*m->spin));
	free(m->note);
	free(m->irq0);
	free(m->soft0);
	cpuiso_ctx_unref(m->ctx);
	free(m);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_measure *, measure_free)

/* The file as it is: the parser checks its last newline. */
static int read_proc(struct cpuiso_ctx *ctx, const char *file, char **ret)
{
	_cleanup_free_ char *text = NULL;
	int r = ctx_read_max(ctx, 1u << 20, &text, "%s", file);

	if (r < 0)
		err(ctx, "cannot read %s: %s", file, strerror(-r));
	else
		*ret = TAKE_PTR(text);
	return r;
}

/*
 * /proc/interrupts, read again while a CPU going on- or offline shifted
 * its columns half way (a few times: hotplug takes milliseconds).
 */
static int read_interrupts(struct cpuiso_ctx *ctx, unsigned int cpu,
			   char **ret)
{
	for (int tries = 0;; tries++) {
		_cleanup_free_ char *text = NULL;
		struct irqstat st;
		int r = read_proc(ctx, "/proc/interrupts", &text);

		if (r < 0)
			return r;
		r = irqstat_parse(text, cpu, &st);
		if (r == 0)
			irqstat_free(&st);
		/* other errors are reported when the window is computed */
		if (r != -EAGAIN || tries == 9) {
			*ret = TAKE_PTR(text);
			return 0;
		}
		usleep(1000);
	}
}

/**
 * cpuiso_measure_start: open a window on @cpu.
 *
 * Returns -ENODEV if the CPU is offline, -EBUSY if it is the only one the
 * caller may run on.  Without tracefs (or with CPUISO_MEASURE_NO_TRACE)
 * the window counts only; cpuiso_noise_is_traced() then says why.
 */
CPUISO_EXPORT int cpuiso_measure_start(struct cpuiso_ctx *ctx, unsigned int cpu,
				       enum cpuiso_load load, unsigned int flags,
				       struct cpuiso_measure **ret)
{
	_cleanup_(measure_freep) struct cpuiso_measure *m = NULL;
	_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *online = NULL;
	int r;

	if (!ctx || !ret || !cpuiso_load_to_string(load))
		return -EINVAL;
	r = ctx_read_cpuset(ctx, CPUISO_MAX_CPUS, &online,
			    "/sys/devices/system/cpu/online");
	if (r < 0)
		return r;
	if (!cpuiso_cpuset_test(online, cpu)) {
		err(ctx, "CPU %u is offline: nothing to measure", cpu);
		return -ENODEV;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ctx = cpuiso_ctx_ref(ctx);
	m->cpu = cpu;
	m->load = load;
	r = move_off(m);
	if (r < 0)
		return r;
	if (flags & CPUISO_MEASURE_NO_TRACE)
		m->note = strdup("tracing not asked for");
	else if ((r = tracefs_open(ctx, cpu, &m->trace, &m->note)) < 0)
		info(ctx, "counting without a trace: %s",
		     m->note ? m->note : strerror(-r));
	if (load != CPUISO_LOAD_NONE && (r = spinner_start(m)) < 0)
		return r;
	if (m->trace && (r = tracefs_set_on(m->trace, true)) < 0)
		return r;
	r = read_interrupts(ctx, cpu, &m->irq0);
	if (r >= 0)
		r = read_proc(ctx, "/proc/softirqs", &m->soft0);
	if (r < 0)
		return r;
	m->t0 = now();
	*ret = TAKE_PTR(m);
	return 0;
}

/**
 * cpuiso_measure_stop: close the window and compute what reached the CPU.
 *
 * Frees @m and puts back everything start changed, whether or not it
 * succeeds.  -EBADMSG: a file was not in the kernel's format (a message
 * names it).
 */
CPUISO_EXPORT int cpuiso_measure_stop(struct cpuiso_measure *m,
				      struct cpuiso_noise **ret)
{
	_cleanup_(measure_freep) struct cpuiso_measure *mm = m;
	_cleanup_free_ char *irq1 = NULL, *soft1 = NULL, *trace = NULL;
	_cleanup_free_ char *why = NULL;
	struct noise_capture cap = { 0 };
	double t1;
	int r;

	if (!m)
		return -EINVAL;
	r = read_interrupts(m->ctx, m->cpu, &irq1);
	if (r >= 0)
		r = read_proc(m->ctx, "/proc/softirqs", &soft1);
	t1 = now();
	if (m->trace)
		(void)tracefs_set_on(m->trace, false);
	spinner_stop(m);
	if (r < 0 || !ret)
		return r;
	/* a trace that cannot be read or understood costs the causes only */
	if (m->trace && (r = tracefs_read(m->trace, &trace)) < 0 &&
	    asprintf(&why, "cannot read the trace: %s", strerror(-r)) < 0)
		return -ENOMEM;
	cap = (struct noise_capture) {
		.cpu = m->cpu,
		.load = m->load,
		.irq0 = m->irq0, .irq1 = irq1,
		.soft0 = m->soft0, .soft1 = soft1,
		.seconds = t1 - m->t0,
		.trace = trace,
		.note = why ? why : m->note,
		.osnoise = m->trace && tracefs_has_osnoise(m->trace),
		.filter = {
			.cpu = m->cpu,
			.t0 = m->trace && tracefs_mono_clock(m->trace) ? m->t0 : 0,
			.t1 = m->trace && tracefs_mono_clock(m->trace) ? t1 : 0,
			.load_comm = m->spin ? LOAD_COMM : NULL,
		},
		.load_stats = m->spin ? &m->spin->stats : NULL,
		.task_isol = m->spin && m->spin->isolate && !m->spin->task_isol_error ?
			     &m->spin->task_isol : NULL,
	};
	r = noise_compute(m->ctx, &cap, ret);
	if (r == -EBADMSG && cap.trace) {
		cap.trace = NULL;
		cap.osnoise = false;
		cap.note = "the trace was not understood (the message above says where)";
		r = noise_compute(m->ctx, &cap, ret);
	}
	return r;
}

/* ---- reading a result --------------------------------------------------- */

CPUISO_EXPORT unsigned int cpuiso_noise_get_cpu(const struct cpuiso_noise *n)
{
	return n->cpu;
}

CPUISO_EXPORT double cpuiso_noise_get_seconds(const struct cpuiso_noise *n)
{
	return n->seconds;
}

CPUISO_EXPORT size_t cpuiso_noise_nr_sources(const struct cpuiso_noise *n)
{
	return n->n_sources;
}

CPUISO_EXPORT const struct cpuiso_noise_source *
cpuiso_noise_get_source(const struct cpuiso_noise *n, size_t i)
{
	return i < n->n_sources ? &n->sources[i].pub : NULL;
}

CPUISO_EXPORT int cpuiso_noise_get_row(const struct cpuiso_noise *n,
				       enum cpuiso_noise_class cls,
				       const char *name,
				       unsigned long long *count)
{
	for (size_t i = 0; i < n->n_rows; i++)
		if (n->sources[i].pub.cls == cls &&
		    strcmp(n->sources[i].name, name) == 0) {
			*count = n->sources[i].pub.count;
			return 0;
		}
	return -ENOENT;
}

CPUISO_EXPORT unsigned long long
cpuiso_noise_get_count(const struct cpuiso_noise *n, enum cpuiso_noise_class cls)
{
	return cls < _CPUISO_NOISE_CLASS_MAX ? n->count[cls] : 0;
}

CPUISO_EXPORT double cpuiso_noise_get_rate(const struct cpuiso_noise *n)
{
	unsigned long long sum = n->count[CPUISO_NOISE_IRQ] +
				 n->count[CPUISO_NOISE_SOFTIRQ] +
				 n->count[CPUISO_NOISE_THREAD];

	return n->seconds > 0 ? sum / n->seconds : (double)sum;
}

CPUISO_EXPORT bool cpuiso_noise_is_quiet(const struct cpuiso_noise *n,
					 double threshold)
{
	return cpuiso_noise_get_rate(n) <= threshold;
}

CPUISO_EXPORT bool cpuiso_noise_is_traced(const struct cpuiso_noise *n,
					  const char **note)
{
	if (note)
		*note = n->note;
	return n->traced;
}

CPUISO_EXPORT size_t cpuiso_noise_nr_events(const struct cpuiso_noise *n)
{
	return n->n_events;
}

CPUISO_EXPORT const struct cpuiso_noise_event *
cpuiso_noise_get_event(const struct cpuiso_noise *n, size_t i)
{
	return i < n->n_events ? &n->events[i] : NULL;
}

CPUISO_EXPORT int cpuiso_noise_get_osnoise(const struct cpuiso_noise *n,
					   struct cpuiso_osnoise *ret)
{
	if (!n->have_osnoise)
		return -ENODATA;
	*ret = n->osnoise;
	return 0;
}

CPUISO_EXPORT int cpuiso_noise_get_load(const struct cpuiso_noise *n,
					struct cpuiso_load_stats *ret)
{
	if (!n->have_load)
		return -ENODATA;
	*ret = n->load;
	return 0;
}

CPUISO_EXPORT int cpuiso_noise_get_task_isolation(const struct cpuiso_noise *n,
						  struct cpuiso_task_isolation *ret)
{
	if (!n->have_task_isol)
		return -ENODATA;
	*ret = n->task_isol;
	return 0;
}
