// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: root prefix and logging, reference counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void cpuiso_log(const struct cpuiso_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	va_end(args);
}

/**
 * cpuiso_ctx_new: create a context.
 * @root: directory the system's /sys and /proc are read under; NULL or "/"
 *        for the live system, a recorded tree otherwise.
 *
 * The library logs nothing until a log function is installed.
 */
CPUISO_EXPORT int cpuiso_ctx_new(const char *root, struct cpuiso_ctx **ret)
{
	struct cpuiso_ctx *ctx;
	size_t len;

	if (!ret)
		return -EINVAL;
	if (!root)
		root = "/";
	if (root[0] == '\0')
		return -EINVAL;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_priority = LOG_ERR;
	ctx->root = strdup(root);
	if (!ctx->root) {
		free(ctx);
		return -ENOMEM;
	}
	/* keep "" for "/", and no trailing slash otherwise */
	len = strlen(ctx->root);
	while (len > 0 && ctx->root[len - 1] == '/')
		ctx->root[--len] = '\0';

	*ret = ctx;
	return 0;
}

CPUISO_EXPORT struct cpuiso_ctx *cpuiso_ctx_ref(struct cpuiso_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

CPUISO_EXPORT struct cpuiso_ctx *cpuiso_ctx_unref(struct cpuiso_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	free(ctx->root);
	free(ctx);
	return NULL;
}

/* The root as given, "/" for the live system. */
CPUISO_EXPORT const char *cpuiso_ctx_get_root(const struct cpuiso_ctx *ctx)
{
	return ctx->root[0] ? ctx->root : "/";
}

CPUISO_EXPORT void cpuiso_ctx_set_log_fn(struct cpuiso_ctx *ctx,
					 cpuiso_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

CPUISO_EXPORT void cpuiso_ctx_set_log_priority(struct cpuiso_ctx *ctx,
					       int priority)
{
	ctx->log_priority = priority;
}

CPUISO_EXPORT int cpuiso_ctx_get_log_priority(const struct cpuiso_ctx *ctx)
{
	return ctx->log_priority;
}
