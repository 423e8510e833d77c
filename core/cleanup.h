/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-bound ownership, after systemd: a variable declared _cleanup_free_
 * is freed when it leaves scope, and TAKE_PTR() hands it on instead.
 */
#ifndef CPUISO_CLEANUP_H
#define CPUISO_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)			\
	static inline void func##p(type *p)			\
	{							\
		if (*p)						\
			func(*p);				\
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_PTR(ptr)						\
	({							\
		__typeof__(ptr) _tmp_ = (ptr);			\
		(ptr) = NULL;					\
		_tmp_;						\
	})

#define TAKE_FD(fd)						\
	({							\
		int _fd_ = (fd);				\
		(fd) = -1;					\
		_fd_;						\
	})

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#endif
