/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcpuiso: the userspace model of runtime CPU isolation.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure.  Every file the library reads is resolved under the context's
 * root, so the same code runs against a live system ("/") or against a tree
 * recorded from another machine.
 */
#ifndef CPUISO_H
#define CPUISO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- context ----------------------------------------------------------- */

struct cpuiso_ctx;

typedef void (*cpuiso_log_fn)(void *data, int priority, const char *file,
			      int line, const char *fn, const char *format,
			      va_list args);

int cpuiso_ctx_new(const char *root, struct cpuiso_ctx **ret);
struct cpuiso_ctx *cpuiso_ctx_ref(struct cpuiso_ctx *ctx);
struct cpuiso_ctx *cpuiso_ctx_unref(struct cpuiso_ctx *ctx);
const char *cpuiso_ctx_get_root(const struct cpuiso_ctx *ctx);
void cpuiso_ctx_set_log_fn(struct cpuiso_ctx *ctx, cpuiso_log_fn fn,
			   void *data);
void cpuiso_ctx_set_log_priority(struct cpuiso_ctx *ctx, int priority);
int cpuiso_ctx_get_log_priority(const struct cpuiso_ctx *ctx);

/* ---- CPU sets (the kernel's cpulist syntax) ---------------------------- */

/* The largest NR_CPUS a kernel can be built with (MAXSMP). */
#define CPUISO_MAX_CPUS 8192

struct cpuiso_cpuset;

struct cpuiso_parse_error {
	size_t pos;		/* offset of the offending character */
	const char *reason;	/* static string, never NULL after an error */
};

struct cpuiso_cpuset *cpuiso_cpuset_new(unsigned int nbits);
struct cpuiso_cpuset *cpuiso_cpuset_dup(const struct cpuiso_cpuset *set);
void cpuiso_cpuset_free(struct cpuiso_cpuset *set);
unsigned int cpuiso_cpuset_size(const struct cpuiso_cpuset *set);
int cpuiso_cpuset_set(struct cpuiso_cpuset *set, unsigned int cpu);
int cpuiso_cpuset_clear(struct cpuiso_cpuset *set, unsigned int cpu);
bool cpuiso_cpuset_test(const struct cpuiso_cpuset *set, unsigned int cpu);
unsigned int cpuiso_cpuset_count(const struct cpuiso_cpuset *set);
int cpuiso_cpuset_next(const struct cpuiso_cpuset *set, int prev);
bool cpuiso_cpuset_equal(const struct cpuiso_cpuset *a,
			 const struct cpuiso_cpuset *b);
bool cpuiso_cpuset_is_subset(const struct cpuiso_cpuset *sub,
			     const struct cpuiso_cpuset *super);
int cpuiso_cpuset_parse(const char *str, unsigned int nbits,
			struct cpuiso_cpuset **ret,
			struct cpuiso_parse_error *err);
int cpuiso_cpuset_format(const struct cpuiso_cpuset *set, char **ret);

#define cpuiso_cpuset_foreach(cpu, set) \
	for ((cpu) = cpuiso_cpuset_next((set), -1); (cpu) >= 0; \
	     (cpu) = cpuiso_cpuset_next((set), (cpu)))

/* ---- the machine's CPUs ------------------------------------------------ */

enum cpuiso_state {
	CPUISO_STATE_OFFLINE,
	CPUISO_STATE_ONLINE,
	CPUISO_STATE_ISOLATED,
};

const char *cpuiso_state_to_string(enum cpuiso_state state);
int cpuiso_state_from_string(const char *str);

/* System-wide masks; a mask the kernel does not publish reads as NULL. */
enum cpuiso_mask {
	CPUISO_MASK_POSSIBLE,
	CPUISO_MASK_PRESENT,
	CPUISO_MASK_ONLINE,
	CPUISO_MASK_ISOLATED,		/* cpu/isolated */
	CPUISO_MASK_NOHZ_FULL,		/* cpu/nohz_full */
	CPUISO_MASK_CPUSET_ISOLATED,	/* cgroup v2 cpuset.cpus.isolated */
	CPUISO_MASK_RCU_NOCBS,		/* cpu/rcu_nocbs (patched kernel) */
	_CPUISO_MASK_MAX,
};

const char *cpuiso_mask_to_string(enum cpuiso_mask mask);

struct cpuiso_system;
struct cpuiso_cpu;

int cpuiso_system_read(struct cpuiso_ctx *ctx, struct cpuiso_system **ret);
void cpuiso_system_free(struct cpuiso_system *sys);
unsigned int cpuiso_system_nr_cpus(const struct cpuiso_system *sys);
const struct cpuiso_cpuset *cpuiso_system_get_mask(const struct cpuiso_system *sys,
						   enum cpuiso_mask mask);
const struct cpuiso_cpu *cpuiso_system_get_cpu(const struct cpuiso_system *sys,
					       unsigned int cpu);
const char *cpuiso_system_hotplug_state_name(const struct cpuiso_system *sys,
					     int state);
int cpuiso_system_hotplug_state_lookup(const struct cpuiso_system *sys,
				       const char *name);

unsigned int cpuiso_cpu_get_id(const struct cpuiso_cpu *cpu);
bool cpuiso_cpu_is_online(const struct cpuiso_cpu *cpu);
bool cpuiso_cpu_is_hotpluggable(const struct cpuiso_cpu *cpu);
enum cpuiso_state cpuiso_cpu_get_state(const struct cpuiso_cpu *cpu);
bool cpuiso_cpu_has_state_file(const struct cpuiso_cpu *cpu);
bool cpuiso_cpu_is_isolated(const struct cpuiso_cpu *cpu);
bool cpuiso_cpu_is_nohz_full(const struct cpuiso_cpu *cpu);
bool cpuiso_cpu_is_rcu_nocb(const struct cpuiso_cpu *cpu);
int cpuiso_cpu_get_deferral(const struct cpuiso_cpu *cpu);
int cpuiso_cpu_get_node(const struct cpuiso_cpu *cpu);
int cpuiso_cpu_get_core(const struct cpuiso_cpu *cpu);
int cpuiso_cpu_get_package(const struct cpuiso_cpu *cpu);
int cpuiso_cpu_get_hotplug_state(const struct cpuiso_cpu *cpu);
const struct cpuiso_cpuset *cpuiso_cpu_get_siblings(const struct cpuiso_cpu *cpu);

/* ---- changing CPUs: plan whole, then apply one CPU at a time ------------ */

enum cpuiso_plan_flags {
	/* allow a NUMA node to keep no online housekeeping CPU */
	CPUISO_PLAN_FORCE = 1 << 0,
};

struct cpuiso_plan;

struct cpuiso_step {
	unsigned int cpu;
	enum cpuiso_state from;
	enum cpuiso_state to;
};

int cpuiso_plan_new(const struct cpuiso_system *sys,
		    const struct cpuiso_cpuset *cpus, enum cpuiso_state target,
		    unsigned int flags, struct cpuiso_plan **ret, char **why);
void cpuiso_plan_free(struct cpuiso_plan *plan);
size_t cpuiso_plan_nr_steps(const struct cpuiso_plan *plan);
const struct cpuiso_step *cpuiso_plan_get_step(const struct cpuiso_plan *plan,
					       size_t i);
int cpuiso_plan_apply(struct cpuiso_ctx *ctx, const struct cpuiso_plan *plan,
		      size_t *done, bool *rolled_back);

int cpuiso_module_load(struct cpuiso_ctx *ctx);

/* Kernels without cpuN/state: cpuset partition, IRQ, workqueue and
 * kthread masks, an offline/online cycle; recorded for an exact release. */
int cpuiso_compat_isolate(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			  const struct cpuiso_cpuset *cpus, unsigned int *moved);
int cpuiso_compat_release(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			  const struct cpuiso_cpuset *cpus);
int cpuiso_compat_report(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			 unsigned int cpu, char **ret);

/* A crash mid-plan leaves a journal; the next run rolls it back. */
int cpuiso_journal_begin(struct cpuiso_ctx *ctx, const struct cpuiso_plan *plan);
int cpuiso_journal_end(struct cpuiso_ctx *ctx);
int cpuiso_journal_recover(struct cpuiso_ctx *ctx, size_t *restored);

/* ---- the persistent policy (/etc/cpuiso.conf) -------------------------- */

/* What happens to the SMT siblings of a CPU the policy isolates */
enum cpuiso_smt {
	CPUISO_SMT_KEEP,	/* nothing: they stay as they are */
	CPUISO_SMT_SIBLINGS,	/* they are isolated too */
	CPUISO_SMT_REFUSE,	/* the policy is refused unless it names them */
};

struct cpuiso_policy;

int cpuiso_policy_parse(const char *text, const char *source,
			unsigned int nbits, struct cpuiso_policy **ret,
			char **why);
int cpuiso_policy_load(struct cpuiso_ctx *ctx, const char *path,
		       unsigned int nbits, struct cpuiso_policy **ret,
		       char **why);
void cpuiso_policy_free(struct cpuiso_policy *pol);
const struct cpuiso_cpuset *cpuiso_policy_get_isolated(const struct cpuiso_policy *pol);
enum cpuiso_smt cpuiso_policy_get_smt(const struct cpuiso_policy *pol);
bool cpuiso_policy_node_housekeeping(const struct cpuiso_policy *pol);
double cpuiso_policy_get_noise_threshold(const struct cpuiso_policy *pol);
const char *cpuiso_smt_to_string(enum cpuiso_smt smt);
int cpuiso_policy_wanted(const struct cpuiso_system *sys,
			 const struct cpuiso_policy *pol,
			 struct cpuiso_cpuset **ret, char **why);
int cpuiso_policy_changes(const struct cpuiso_system *sys,
			  const struct cpuiso_policy *pol, int only_cpu,
			  struct cpuiso_cpuset **iso, struct cpuiso_cpuset **rel,
			  char **why);
int cpuiso_plan_new_policy(const struct cpuiso_system *sys,
			   const struct cpuiso_policy *pol, int only_cpu,
			   unsigned int flags, struct cpuiso_plan **ret,
			   char **why);

/* ---- measuring what reaches a CPU (noise) ------------------------------
 *
 * cpuiso_measure_start() opens a window on one CPU and returns at once;
 * the caller waits as long as it likes (showing progress if it wants),
 * then cpuiso_measure_stop() closes it and hands back what reached the
 * CPU meanwhile.  With CPUISO_LOAD_SPIN the library starts one thread of
 * its own, pinned to the CPU, that spins in user space and makes no system
 * call in the window; the calling thread is moved off the CPU for the
 * window (its affinity is put back by stop), so that reading the counters
 * does not disturb what it measures.  Counts come from /proc/interrupts
 * and /proc/softirqs; when tracefs is mounted, a tracefs instance
 * "cpuiso" records irq, irq_vectors, ipi, workqueue, timer and sched
 * events (and the osnoise tracer's noise events, with its own workload
 * off) to name what caused them.  Every global tracefs setting changed is
 * put back and the instance removed by stop, on every path.
 */

enum cpuiso_load {
	CPUISO_LOAD_SPIN,	/* a user-space spinner on the CPU */
	CPUISO_LOAD_NONE,	/* observe the CPU as it is */
	CPUISO_LOAD_ISOLATED,	/* the spinner, in task isolation mode */
};

enum cpuiso_measure_flags {
	CPUISO_MEASURE_NO_TRACE = 1 << 0,	/* counts only, leave tracefs alone */
};

/* What kind of thing took the CPU away */
enum cpuiso_noise_class {
	CPUISO_NOISE_IRQ,	/* a hard interrupt: device, timer, IPI */
	CPUISO_NOISE_SOFTIRQ,
	CPUISO_NOISE_THREAD,	/* another task ran (traced only) */
	CPUISO_NOISE_NMI,	/* osnoise only */
	_CPUISO_NOISE_CLASS_MAX,
};

struct cpuiso_noise_source {
	enum cpuiso_noise_class cls;
	const char *name;	/* "LOC", "TIMER", "24", "kworker/2:1" */
	const char *desc;	/* what /proc calls it; "" if nothing */
	unsigned long long count;
	const char *cause;	/* the functions or senders the trace names,
				 * "name (count), ..."; NULL if not traced */
};

/* One traced event on the CPU, seconds from the window's opening */
struct cpuiso_noise_event {
	double t;
	enum cpuiso_noise_class cls;
	const char *name;	/* "local_timer", "tick_nohz_handler", ... */
};

/* As rtla osnoise reports them, from the osnoise tracer's events */
struct cpuiso_osnoise {
	unsigned long long max_single_ns;
	unsigned long long total_ns;
	double available_pct;
	unsigned long long count[_CPUISO_NOISE_CLASS_MAX];
};

/* The spinner, read by itself after the window closed */
struct cpuiso_load_stats {
	int ran_on;		/* the CPU it was on at the end */
	double wall;		/* seconds from its start to its end */
	double utime, stime;	/* its user and system time */
};

struct cpuiso_measure;
struct cpuiso_noise;

int cpuiso_measure_start(struct cpuiso_ctx *ctx, unsigned int cpu,
			 enum cpuiso_load load, unsigned int flags,
			 struct cpuiso_measure **ret);
/* Always frees @m; @ret may be NULL to abandon the window. */
int cpuiso_measure_stop(struct cpuiso_measure *m, struct cpuiso_noise **ret);

void cpuiso_noise_free(struct cpuiso_noise *noise);
unsigned int cpuiso_noise_get_cpu(const struct cpuiso_noise *noise);
double cpuiso_noise_get_seconds(const struct cpuiso_noise *noise);
/* sorted by count, largest first */
size_t cpuiso_noise_nr_sources(const struct cpuiso_noise *noise);
const struct cpuiso_noise_source *
cpuiso_noise_get_source(const struct cpuiso_noise *noise, size_t i);
/* a /proc row's count, 0 included; -ENOENT if the kernel has no such row */
int cpuiso_noise_get_row(const struct cpuiso_noise *noise,
			 enum cpuiso_noise_class cls, const char *name,
			 unsigned long long *count);
unsigned long long cpuiso_noise_get_count(const struct cpuiso_noise *noise,
					  enum cpuiso_noise_class cls);
/* interruptions (IRQs, softirqs, other threads) per second */
double cpuiso_noise_get_rate(const struct cpuiso_noise *noise);
/* true when the rate is at most @threshold per second */
bool cpuiso_noise_is_quiet(const struct cpuiso_noise *noise, double threshold);
/* whether events were traced; @note says why not, or what was lost */
bool cpuiso_noise_is_traced(const struct cpuiso_noise *noise,
			    const char **note);
size_t cpuiso_noise_nr_events(const struct cpuiso_noise *noise);
const struct cpuiso_noise_event *
cpuiso_noise_get_event(const struct cpuiso_noise *noise, size_t i);
/* -ENODATA without the osnoise tracer / without a spinner */
int cpuiso_noise_get_osnoise(const struct cpuiso_noise *noise,
			     struct cpuiso_osnoise *ret);
int cpuiso_noise_get_load(const struct cpuiso_noise *noise,
			  struct cpuiso_load_stats *ret);
struct cpuiso_task_isolation;
/* CPUISO_LOAD_ISOLATED: the spinner's record; -ENODATA otherwise */
int cpuiso_noise_get_task_isolation(const struct cpuiso_noise *noise,
				    struct cpuiso_task_isolation *ret);
const char *cpuiso_noise_class_to_string(enum cpuiso_noise_class cls);
const char *cpuiso_load_to_string(enum cpuiso_load load);
int cpuiso_load_from_string(const char *str);

/* ---- what this kernel offers ------------------------------------------- */

enum cpuiso_cap {
	CPUISO_CAP_STATE_FILE,		/* patched kernel: cpuN/state */
	CPUISO_CAP_MODULE,		/* cpuiso.ko */
	CPUISO_CAP_CPUSET_PARTITION,	/* cgroup v2 isolated partitions */
	CPUISO_CAP_NOHZ_FULL,		/* CONFIG_NO_HZ_FULL */
	CPUISO_CAP_RCU_NOCB,		/* CONFIG_RCU_NOCB_CPU */
	CPUISO_CAP_BOOT_ISOLATION,	/* isolation on the kernel cmdline */
	_CPUISO_CAP_MAX,
};

enum cpuiso_avail {
	CPUISO_AVAIL_UNKNOWN,
	CPUISO_AVAIL_YES,
	CPUISO_AVAIL_NO,
};

struct cpuiso_probe;

int cpuiso_probe_run(struct cpuiso_ctx *ctx, struct cpuiso_probe **ret);
void cpuiso_probe_free(struct cpuiso_probe *probe);
enum cpuiso_avail cpuiso_probe_get(const struct cpuiso_probe *probe,
				   enum cpuiso_cap cap, const char **reason);
const char *cpuiso_cap_to_string(enum cpuiso_cap cap);
const char *cpuiso_avail_to_string(enum cpuiso_avail avail);

/* ---- a change, from lock to rollback ------------------------------------
 *
 * cpuiso_change() is the one call that changes CPUs; the cpuiso command,
 * the udev rules, a container hook or a daemon all go through it.  In this
 * order it: refuses a caller without root on the live system; takes the
 * lock <root>/run/cpuiso.lock (waiting up to req->lock_timeout seconds,
 * -EWOULDBLOCK / -ETIMEDOUT with a message naming the lock if another run
 * holds it); rolls back the journal of an interrupted run; chooses the
 * backend by the probe (cpuN/state, else compat); validates the request
 * whole in one place for both backends (every CPU present and possible,
 * an online housekeeping CPU left overall and per NUMA node, SMT
 * siblings, CPUs isolated at boot, CPU 0 / CPUs that cannot go offline);
 * loads cpuiso.ko; writes the journal; applies CPU by CPU, calling
 * req->progress around each CPU; rolls back on failure; and fills a
 * structured result.  Nothing is written before validation succeeds.
 *
 * A dry run (CPUISO_CHANGE_DRY_RUN) takes no lock and writes nothing, but
 * validates as the real run would, reports a pending journal the real run
 * would roll back first, and says when the real run needs root.
 *
 * Returns 0 when the machine is as requested (possibly with nothing to
 * do), else a negative errno.  *ret is set whenever the call got as far as
 * allocating it, on failure too: it says what was refused or what failed,
 * and which CPUs changed.
 */

enum cpuiso_change_op {
	CPUISO_CHANGE_ISOLATE,		/* isolate req->cpus */
	CPUISO_CHANGE_RELEASE,		/* give req->cpus back */
	CPUISO_CHANGE_POLICY,		/* match req->policy (req->only_cpu) */
};

enum cpuiso_change_flags {
	CPUISO_CHANGE_DRY_RUN = 1 << 0,	/* validate and plan, write nothing */
	CPUISO_CHANGE_FORCE = 1 << 1,	/* allow a node with no housekeeping CPU */
	/* a journal that cannot be parsed or rolled back is moved aside to
	 * <root>/run/cpuiso.journal.discarded instead of blocking the change */
	CPUISO_CHANGE_DISCARD_JOURNAL = 1 << 2,
};

enum cpuiso_backend {
	CPUISO_BACKEND_NONE,		/* nothing to do, or refused before */
	CPUISO_BACKEND_STATE,		/* patched kernel: cpuN/state */
	CPUISO_BACKEND_COMPAT,		/* stock kernel: cpuset, masks, cycle */
};

/* What an isolated CPU is kept free of; one entry per property. */
enum cpuiso_property {
	CPUISO_PROP_LOAD_BALANCING,	/* scheduler domains */
	CPUISO_PROP_WORKQUEUES,		/* unbound workqueue work */
	CPUISO_PROP_IRQS,		/* device interrupts */
	CPUISO_PROP_KTHREADS,		/* unbound kernel threads */
	CPUISO_PROP_TIMERS,		/* timers placed elsewhere */
	CPUISO_PROP_TICK,		/* nohz_full: the tick stops */
	CPUISO_PROP_RCU_CALLBACKS,	/* RCU callbacks offloaded */
	_CPUISO_PROP_MAX,
};

enum cpuiso_achieved {
	CPUISO_ACHIEVED_UNKNOWN,	/* not read back (JSON: null) */
	CPUISO_ACHIEVED_YES,
	CPUISO_ACHIEVED_BOOT_PARAM,	/* needs a boot parameter; detail names it */
	CPUISO_ACHIEVED_NO,		/* not possible here; detail says why */
};

enum cpuiso_outcome {
	CPUISO_OUTCOME_UNCHANGED,	/* already as requested */
	CPUISO_OUTCOME_PLANNED,		/* dry run: would change */
	CPUISO_OUTCOME_CHANGED,
	CPUISO_OUTCOME_REFUSED,		/* validation refused it: nothing written */
	CPUISO_OUTCOME_FAILED,		/* its step failed; what it did was undone */
	CPUISO_OUTCOME_ROLLED_BACK,	/* changed, then undone after a failure */
	CPUISO_OUTCOME_NOT_UNDONE,	/* changed, and the rollback failed */
	CPUISO_OUTCOME_NOT_REACHED,	/* not attempted: an earlier CPU failed */
};

/* The whole change, for exit codes: util-linux's 0 / 1 / 64. */
enum cpuiso_change_status {
	CPUISO_CHANGE_OK,		/* done (or nothing to do, or dry run) */
	CPUISO_CHANGE_REFUSED,		/* refused before anything was written */
	CPUISO_CHANGE_FAILED,		/* failed and rolled back: nothing changed */
	CPUISO_CHANGE_PARTIAL,		/* failed and some CPUs stay changed */
};

/* Around each CPU: BEGIN, then DONE or FAILED; UNDONE during a rollback. */
enum cpuiso_progress {
	CPUISO_PROGRESS_RECOVERED,	/* a CPU of an interrupted run put back */
	CPUISO_PROGRESS_BEGIN,
	CPUISO_PROGRESS_DONE,
	CPUISO_PROGRESS_FAILED,
	CPUISO_PROGRESS_UNDONE,
};

struct cpuiso_change_cpu;	/* one CPU's part of a result */
struct cpuiso_change_result;

typedef void (*cpuiso_progress_fn)(void *data, enum cpuiso_progress event,
				   const struct cpuiso_change_cpu *cpu);

/* Zero-initialise, then set what the operation needs. */
struct cpuiso_change_request {
	enum cpuiso_change_op op;
	const struct cpuiso_cpuset *cpus;	/* ISOLATE, RELEASE */
	const struct cpuiso_policy *policy;	/* POLICY */
	int only_cpu;				/* POLICY: -1 all, else one CPU */
	int lock_timeout;			/* seconds; 0 no wait, -1 forever */
	cpuiso_progress_fn progress;		/* may be NULL */
	void *progress_data;
};

int cpuiso_change(struct cpuiso_ctx *ctx,
		  const struct cpuiso_change_request *req, unsigned int flags,
		  struct cpuiso_change_result **ret);

/*
 * What isolating each of @cpus would use and reach here, without locking,
 * validating the set as a whole or writing anything: the backend, and
 * per CPU outcome PLANNED or REFUSED (with the reason) and the properties.
 */
int cpuiso_change_outlook(struct cpuiso_ctx *ctx,
			  const struct cpuiso_system *sys,
			  const struct cpuiso_cpuset *cpus,
			  struct cpuiso_change_result **ret);

void cpuiso_change_result_free(struct cpuiso_change_result *res);
enum cpuiso_change_status
cpuiso_change_result_get_status(const struct cpuiso_change_result *res);
enum cpuiso_backend
cpuiso_change_result_get_backend(const struct cpuiso_change_result *res);
/* 0, or the negative errno of the refusal or failure */
int cpuiso_change_result_get_error(const struct cpuiso_change_result *res);
/* why it was refused or failed, a sentence; NULL when it succeeded */
const char *cpuiso_change_result_get_message(const struct cpuiso_change_result *res);
/* notes that do not fail the change (module not loaded, journal rolled back) */
size_t cpuiso_change_result_nr_notes(const struct cpuiso_change_result *res);
const char *cpuiso_change_result_get_note(const struct cpuiso_change_result *res,
					  size_t i);
/* CPUs of an interrupted run's journal that were put back first */
size_t cpuiso_change_result_nr_recovered(const struct cpuiso_change_result *res);
size_t cpuiso_change_result_nr_cpus(const struct cpuiso_change_result *res);
const struct cpuiso_change_cpu *
cpuiso_change_result_get_cpu(const struct cpuiso_change_result *res, size_t i);

unsigned int cpuiso_change_cpu_get_id(const struct cpuiso_change_cpu *c);
enum cpuiso_state cpuiso_change_cpu_get_from(const struct cpuiso_change_cpu *c);
enum cpuiso_state cpuiso_change_cpu_get_to(const struct cpuiso_change_cpu *c);
enum cpuiso_outcome cpuiso_change_cpu_get_outcome(const struct cpuiso_change_cpu *c);
/* 0, or the negative errno that refused or failed this CPU */
int cpuiso_change_cpu_get_error(const struct cpuiso_change_cpu *c);
/* why this CPU was refused or failed; NULL otherwise */
const char *cpuiso_change_cpu_get_message(const struct cpuiso_change_cpu *c);
/* @detail: the boot parameter or the reason, NULL if none (may be NULL) */
enum cpuiso_achieved
cpuiso_change_cpu_get_property(const struct cpuiso_change_cpu *c,
			       enum cpuiso_property prop, const char **detail);

const char *cpuiso_backend_to_string(enum cpuiso_backend backend);
const char *cpuiso_property_to_string(enum cpuiso_property prop);
const char *cpuiso_achieved_to_string(enum cpuiso_achieved achieved);
const char *cpuiso_outcome_to_string(enum cpuiso_outcome outcome);
const char *cpuiso_change_status_to_string(enum cpuiso_change_status status);

/* ---- task isolation mode (kernel series 0018) ---------------------------
 *
 * A thread affine to exactly one isolated CPU asks the kernel not to
 * interrupt it in user mode.  Every kernel entry it still takes is counted
 * by kind with the cause of the last one; in strict mode the first one
 * also sends it a signal (SIGKILL unless @sig) and ends strict mode.
 * Entering fails with -EINVAL when the thread is not alone on one
 * isolated CPU, and on kernels without the mode.
 */

enum { CPUISO_TASK_ISOLATION_STRICT = 1 << 0 };

enum cpuiso_task_isol_mode {
	CPUISO_TASK_ISOL_OFF,
	CPUISO_TASK_ISOL_ON,
	CPUISO_TASK_ISOL_STRICT,
};

enum cpuiso_task_isol_kind {
	CPUISO_TASK_ISOL_SYSCALL,
	CPUISO_TASK_ISOL_EXCEPTION,	/* page fault, trap, unnamed entry */
	CPUISO_TASK_ISOL_IRQ,
	CPUISO_TASK_ISOL_IPI,		/* an interrupt another CPU sent */
	CPUISO_TASK_ISOL_NMI,
	CPUISO_TASK_ISOL_LEFT,		/* the CPU was released, or the task moved */
	_CPUISO_TASK_ISOL_KIND_MAX,
};

/* /proc/PID/task_isolation */
struct cpuiso_task_isolation {
	enum cpuiso_task_isol_mode mode;
	int cpu;			/* -1 before the first mode */
	int signal;
	unsigned long long count[_CPUISO_TASK_ISOL_KIND_MAX];
	unsigned long long total;
	char last[256];			/* the last cause, "" if none */
	char signalled[256];		/* the last strict violation's, "" if none */
};

int cpuiso_task_isolation_enter(unsigned int flags, int sig);
int cpuiso_task_isolation_leave(void);
/* what `cpuiso run` asks of the program it runs: -ENOENT if nothing */
int cpuiso_task_isolation_from_env(unsigned int *flags, int *sig);
/* -EOPNOTSUPP: the kernel has no such mode; -EBADMSG: garbled */
int cpuiso_task_isolation_read(struct cpuiso_ctx *ctx, int pid,
			       struct cpuiso_task_isolation *ret);
const char *cpuiso_task_isol_kind_to_string(enum cpuiso_task_isol_kind kind);

/* ---- CPUs claimed by containers (the OCI hook's records) -------------- */

struct cpuiso_claims;

bool cpuiso_claim_owner_valid(const char *owner);
int cpuiso_claims_lock(struct cpuiso_ctx *ctx, int timeout);
int cpuiso_claims_read(struct cpuiso_ctx *ctx, unsigned int nbits,
		       struct cpuiso_claims **ret);
void cpuiso_claims_free(struct cpuiso_claims *claims);
size_t cpuiso_claims_count(const struct cpuiso_claims *claims);
const char *cpuiso_claims_get_owner(const struct cpuiso_claims *claims, size_t i);
const struct cpuiso_cpuset *cpuiso_claims_get_cpus(const struct cpuiso_claims *claims,
						   size_t i);
const struct cpuiso_cpuset *cpuiso_claims_get_isolated(const struct cpuiso_claims *claims,
						       size_t i);
int cpuiso_claims_get_pid(const struct cpuiso_claims *claims, size_t i,
			  unsigned long long *start);
int cpuiso_claim_write(struct cpuiso_ctx *ctx, const char *owner,
		       const struct cpuiso_cpuset *cpus,
		       const struct cpuiso_cpuset *isolated, int pid,
		       unsigned long long start);
int cpuiso_claim_remove(struct cpuiso_ctx *ctx, const char *owner);

#ifdef __cplusplus
}
#endif

#endif
