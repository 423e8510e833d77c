/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Synthetic /sys and /proc trees in a temporary directory, for tests. */
#ifndef CPUISO_TEST_TREE_H
#define CPUISO_TEST_TREE_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static inline char *tree_new(void)
{
	char tmpl[] = "/tmp/cpuiso-tree-XXXXXX";
	char *dir = mkdtemp(tmpl);

	return dir ? strdup(dir) : NULL;
}

/* Write @content to @root/@rel, creating the directories on the way. */
static inline void tree_write(const char *root, const char *rel,
			      const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	*strrchr(path, '/') = '\0';
	mkdir_p(path);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

static inline void tree_mkdir(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	mkdir_p(path);
}

static inline int rm_one(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void tree_free(char *root)
{
	if (root)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

/* A plain machine of @n CPUs, all online, no isolation. */
static inline char *tree_new_machine(unsigned int n)
{
	char *root = tree_new();
	char buf[256], path[256];

	if (!root)
		return NULL;
	snprintf(buf, sizeof(buf), "0-%u\n", n - 1);
	tree_write(root, "/sys/devices/system/cpu/possible", buf);
	tree_write(root, "/sys/devices/system/cpu/present", buf);
	tree_write(root, "/sys/devices/system/cpu/online", buf);
	tree_write(root, "/sys/devices/system/cpu/kernel_max", "63\n");
	tree_write(root, "/sys/devices/system/cpu/isolated", "\n");
	for (unsigned int i = 0; i < n; i++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/topology/core_id", i);
		snprintf(buf, sizeof(buf), "%u\n", i);
		tree_write(root, path, buf);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/topology/physical_package_id", i);
		tree_write(root, path, "0\n");
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/hotplug/state", i);
		tree_write(root, path, "247\n");
	}
	tree_write(root, "/sys/devices/system/cpu/hotplug/states",
		   "  0: offline\n246: sched:active\n247: online\n");
	tree_write(root, "/proc/cmdline", "console=ttyS0\n");
	return root;
}

/* @n CPUs of a patched kernel: cpuN/state "online", all but 0 hotpluggable */
static inline char *tree_new_patched_machine(unsigned int n)
{
	char *root = tree_new_machine(n);
	char path[128];

	for (unsigned int i = 0; root && i < n; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/state", i);
		tree_write(root, path, "online\n");
		if (i == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", i);
		tree_write(root, path, "1\n");
	}
	return root;
}

/* cpuN/state of a tree, "?" if it cannot be read */
static inline const char *tree_cpu_state(const char *root, int cpu)
{
	static char buf[32];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/state",
		 root, cpu);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		strcpy(buf, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* A directory where cpuN/state was: writing it fails with EISDIR. */
static inline int tree_break_state(const char *root, int cpu)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/state",
		 root, cpu);
	if (remove(path) < 0)
		return -errno;
	return mkdir(path, 0755) < 0 ? -errno : 0;
}

#endif
