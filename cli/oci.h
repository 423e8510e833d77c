/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpuiso-oci-hook: what an OCI runtime hands a hook (the state on stdin,
 * the bundle's config.json) and what the hook does with it.
 */
#ifndef CPUISO_OCI_H
#define CPUISO_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cpuiso.h"

/* the annotation that asks for isolation, and its one "yes" */
#define OCI_ANNOTATION_ISOLATE "cpuiso.io/isolate"

/* inputs larger than these are refused, not read on */
#define OCI_STATE_MAX (1024 * 1024)
#define OCI_CONFIG_MAX (16 * 1024 * 1024)

/* The runtime's state (runtime-spec "State"), as far as the hook needs it. */
struct oci_state {
	char *id;
	char *status;		/* NULL if absent */
	char *bundle;
	int pid;		/* 0 if absent */
	char *isolate;		/* the annotation, NULL if absent */
};

/* The bundle's config.json, as far as the hook needs it. */
struct oci_config {
	char *cpus;		/* linux.resources.cpu.cpus, NULL if absent */
	char *isolate;		/* the annotation, NULL if absent */
	bool has_isolate;
	bool sandbox;		/* a pod's sandbox (pause) container */
};

enum oci_stage {
	OCI_STAGE_ISOLATE,	/* createRuntime, prestart: status "creating" */
	OCI_STAGE_RELEASE,	/* poststop: status "stopped" */
};

void oci_state_done(struct oci_state *st);
void oci_config_done(struct oci_config *cfg);

int oci_state_parse(const char *text, size_t len, struct oci_state *st,
		    char **why);
int oci_config_parse(const char *text, size_t len, struct oci_config *cfg,
		     char **why);
int oci_config_read(const char *bundle, struct oci_config *cfg, char **why);
int oci_stage_get(const char *arg, const char *status, enum oci_stage *ret,
		  char **why);

/* One run of the hook. */
struct oci_hook {
	struct cpuiso_ctx *ctx;	/* the CPUs and /run: under --sysroot */
	const char *stage;	/* argument; NULL: from the state's status */
	const char *proc;	/* where containers' processes are: "/proc" */
	FILE *log;		/* what was done, one line each; may be NULL */
};

int oci_hook_run(const struct oci_hook *h, const char *state, size_t len,
		 char **why);
int oci_hook_reconcile(const struct oci_hook *h, char **why);

/* @s for a message: printable ASCII, the rest as \xNN, cut at 64. */
char *oci_quote(const char *s);

#endif
