/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the library's files share and do not export. */
#ifndef CPUISO_INTERNAL_H
#define CPUISO_INTERNAL_H

#include <syslog.h>

#include "cleanup.h"
#include "cpuiso.h"

#define CPUISO_EXPORT __attribute__((visibility("default")))

struct cpuiso_ctx {
	int refcount;
	char *root;		/* no trailing '/'; "" for the live system */
	cpuiso_log_fn log_fn;
	void *log_data;
	int log_priority;
	/* tests only (ctx_set_affinity_fn): kernel thread masks under a root */
	int (*set_affinity)(const struct cpuiso_ctx *ctx, unsigned int pid,
			    const char *cpulist);
};

/* The test harness's way to see kernel thread masks set under a root. */
static inline void ctx_set_affinity_fn(struct cpuiso_ctx *ctx,
	int (*fn)(const struct cpuiso_ctx *ctx, unsigned int pid, const char *cpulist))
{
	ctx->set_affinity = fn;
}

void cpuiso_log(const struct cpuiso_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

#define cpuiso_log_cond(ctx, prio, ...)					\
	do {								\
		if ((ctx)->log_fn && (ctx)->log_priority >= (prio))	\
			cpuiso_log((ctx), (prio), __FILE__, __LINE__,	\
				   __func__, __VA_ARGS__);		\
	} while (0)

#define dbg(ctx, ...) cpuiso_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) cpuiso_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define err(ctx, ...) cpuiso_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* path.c: files under the context's root */
int ctx_path(const struct cpuiso_ctx *ctx, char **ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ctx_exists(const struct cpuiso_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ctx_read(const struct cpuiso_ctx *ctx, char **ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ctx_read_raw(const struct cpuiso_ctx *ctx, char **ret, size_t *len,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ctx_read_int(const struct cpuiso_ctx *ctx, int *ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ctx_read_cpuset(const struct cpuiso_ctx *ctx, unsigned int nbits,
		    struct cpuiso_cpuset **ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int ctx_read_max(const struct cpuiso_ctx *ctx, size_t max, char **ret,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ctx_mkdir(const struct cpuiso_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ctx_rmdir(const struct cpuiso_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int ctx_write(const struct cpuiso_ctx *ctx, const char *value,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int write_file_atomic(const char *path, const char *tmp, const char *text);
int flock_wait(int fd, int timeout);

/* cpuset.c: hex masks as the kernel prints them ("0000000f,ffffffff") */
int cpuset_parse_hex(const char *s, unsigned int nbits, struct cpuiso_cpuset **ret);
int cpuset_format_hex(const struct cpuiso_cpuset *set, unsigned int width,
		      char **ret);

/* module.c */
struct kmod_ctx;
struct kmod_module;
int module_find(struct cpuiso_ctx *ctx, char **release,
		struct kmod_ctx **kctx_ret, struct kmod_module **ret);

/* plan_build(): per CPU only, no request-wide housekeeping check */
#define PLAN_NO_HOUSEKEEPING (1u << 16)

/* plan.c: the one validation of a request, for both backends */
int plan_build(const struct cpuiso_system *sys,
	       const struct cpuiso_cpuset *compat,
	       const struct cpuiso_cpuset *iso, const struct cpuiso_cpuset *rel,
	       unsigned int flags, struct cpuiso_plan **ret, char **why);
int plan_set_state(struct cpuiso_ctx *ctx, unsigned int cpu,
		   enum cpuiso_state state);
int plan_undo_step(struct cpuiso_ctx *ctx, const struct cpuiso_step *s);

/* change.c: one CPU's part of a change result */
struct change_prop {
	enum cpuiso_achieved achieved;
	char *detail;		/* the boot parameter, or why not */
};

struct cpuiso_change_cpu {
	unsigned int id;
	enum cpuiso_state from, to;
	enum cpuiso_outcome outcome;
	int error;
	char *message;
	struct change_prop props[_CPUISO_PROP_MAX];
};

int change_cpu_set_prop(struct cpuiso_change_cpu *c, enum cpuiso_property prop,
			enum cpuiso_achieved achieved, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* journal.c: @compat marks a compat backend change */
int journal_begin(struct cpuiso_ctx *ctx, const struct cpuiso_plan *plan,
		  bool compat);
typedef void (*journal_step_fn)(void *data, const struct cpuiso_step *undone);
int journal_recover(struct cpuiso_ctx *ctx, size_t *restored,
		    journal_step_fn fn, void *data);

/* compat.c */
int compat_apply(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
		 const struct cpuiso_cpuset *cpus, bool isolate, bool *rolled_back,
		 unsigned int *moved);
int compat_recorded_cpus(struct cpuiso_ctx *ctx, unsigned int nbits,
			 struct cpuiso_cpuset **ret);
int compat_cpu_properties(struct cpuiso_ctx *ctx, const struct cpuiso_system *sys,
			  struct cpuiso_change_cpu *c, bool read_back);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_cpuset *, cpuiso_cpuset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_claims *, cpuiso_claims_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_system *, cpuiso_system_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_probe *, cpuiso_probe_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cpuiso_plan *, cpuiso_plan_free)

#endif
