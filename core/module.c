// SPDX-License-Identifier: LGPL-2.1-or-later
/* cpuiso.ko, found and loaded through libkmod. */
#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* libkmod would print to stderr; its words go to our log instead */
static void kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *format, va_list args)
{
	const struct cpuiso_ctx *ctx = data;

	if (ctx->log_fn && ctx->log_priority >= priority)
		ctx->log_fn(ctx->log_data, priority, file, line, fn, format,
			    args);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_unref_list)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_module *, kmod_module_unref)

/*
 * cpuiso.ko for the running kernel, looked up in lib/modules/<release>
 * and modprobe.d under the root.  -ENOENT if it is not installed,
 * -ENODATA if the kernel release is unknown.
 */
int module_find(struct cpuiso_ctx *ctx, char **release,
		struct kmod_ctx **kctx_ret, struct kmod_module **ret)
{
	_cleanup_free_ char *dir = NULL, *conf1 = NULL, *conf2 = NULL;
	_cleanup_(kmod_unrefp) struct kmod_ctx *kctx = NULL;
	_cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
	int r;

	r = ctx_read(ctx, release, "/proc/sys/kernel/osrelease");
	if (r < 0)
		return -ENODATA;
	if (ctx_path(ctx, &dir, "/lib/modules/%s", *release) < 0 ||
	    ctx_path(ctx, &conf1, "/etc/modprobe.d") < 0 ||
	    ctx_path(ctx, &conf2, "/lib/modprobe.d") < 0)
		return -ENOMEM;

	const char *configs[] = { conf1, conf2, NULL };

	kctx = kmod_new(dir, configs);
	if (!kctx)
		return -ENOMEM;
	kmod_set_log_fn(kctx, kmod_log, ctx);
	r = kmod_module_new_from_lookup(kctx, "cpuiso", &list);
	if (r < 0 || !list)
		return -ENOENT;
	*ret = kmod_module_get_module(list);
	*kctx_ret = TAKE_PTR(kctx);
	return 0;
}

/**
 * cpuiso_module_load: load cpuiso.ko into the running kernel if needed.
 *
 * Returns 0 if it is loaded (or was), -ENOENT if it is not installed,
 * -EOPNOTSUPP for a context whose root is not the live system, or the
 * error of loading it.
 */
CPUISO_EXPORT int cpuiso_module_load(struct cpuiso_ctx *ctx)
{
	_cleanup_(kmod_unrefp) struct kmod_ctx *kctx = NULL;
	_cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
	_cleanup_free_ char *release = NULL;
	int r;

	if (ctx_exists(ctx, "/sys/module/cpuiso") > 0)
		return 0;
	if (ctx->root[0])
		return -EOPNOTSUPP;	/* a recorded tree runs no kernel */
	r = module_find(ctx, &release, &kctx, &mod);
	if (r < 0)
		return r;
	r = kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_LOADED,
					    NULL, NULL, NULL, NULL);
	if (r < 0)
		err(ctx, "cannot load %s: %s", kmod_module_get_path(mod),
		    strerror(-r));
	else
		info(ctx, "loaded %s", kmod_module_get_path(mod));
	return r > 0 ? -EPERM : r;
}
