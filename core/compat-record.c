// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The compat backend's record, <root>/run/cpuiso.compat: the CPUs it
 * isolated, whether it put +cpuset in the root, and every mask it changed
 * with the value it had and the one written.  Saved after each change, so
 * that a crash part way still leaves what is needed to give it back.
 *
 *   cpus LIST|-
 *   added-cpuset
 *   irq 25 ORIG SET | kthread 17 ORIG SET | wq ORIG SET | irq-default ORIG SET
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"

void compat_done(struct compat *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->recs[i].what);
		cpuiso_cpuset_free(c->recs[i].orig);
		cpuiso_cpuset_free(c->recs[i].set);
	}
	free(c->recs);
	cpuiso_cpuset_free(c->isolated);
}

/* a list from the state file, "-" for none */
static int list_parse(const char *s, unsigned int nbits, struct cpuiso_cpuset **ret)
{
	if (!strcmp(s, "-")) {
		*ret = cpuiso_cpuset_new(nbits);
		return *ret ? 0 : -ENOMEM;
	}
	return cpuiso_cpuset_parse(s, nbits, ret, NULL) < 0 ? -EBADMSG : 0;
}

int compat_add_record(struct compat *c, const char *what,
		      struct cpuiso_cpuset *orig, struct cpuiso_cpuset *set)
{
	struct record *grown = realloc(c->recs, (c->n + 1) * sizeof(*c->recs));
	char *w = strdup(what);

	if (!grown || !w) {
		free(w);
		if (grown)
			c->recs = grown;
		cpuiso_cpuset_free(orig);
		cpuiso_cpuset_free(set);
		return -ENOMEM;
	}
	c->recs = grown;
	c->recs[c->n++] = (struct record){ w, orig, set };
	return 0;
}

int compat_state_load(struct compat *c)
{
	_cleanup_free_ char *text = NULL;
	char *next, *line;
	int r;

	c->isolated = cpuiso_cpuset_new(c->nbits);
	if (!c->isolated)
		return -ENOMEM;
	r = ctx_read(c->ctx, &text, STATE);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	next = text;
	while ((line = strsep(&next, "\n"))) {
		char *tok[4] = { NULL };
		size_t n = 0, first;
		struct cpuiso_cpuset *orig = NULL, *set = NULL;
		char what[48];

		for (char *t = strtok(line, " "); t && n < 4; t = strtok(NULL, " "))
			tok[n++] = t;
		if (!n)
			continue;
		if (!strcmp(tok[0], "added-cpuset")) {
			c->added_cpuset = true;
			continue;
		}
		if (!strcmp(tok[0], "cpus") && n == 2) {
			cpuiso_cpuset_free(c->isolated);
			c->isolated = NULL;
			r = list_parse(tok[1], c->nbits, &c->isolated);
			if (r < 0)
				return r;
			continue;
		}
		/* "irq 25 ORIG SET", "kthread 17 ORIG SET", "wq ORIG SET" */
		first = !strcmp(tok[0], "irq") || !strcmp(tok[0], "kthread") ? 2 : 1;
		if (n != first + 2)
			return -EBADMSG;
		snprintf(what, sizeof(what), first == 2 ? "%s %s" : "%s", tok[0], tok[1]);
		if (list_parse(tok[first], c->nbits, &orig) < 0 ||
		    list_parse(tok[first + 1], c->nbits, &set) < 0) {
			cpuiso_cpuset_free(orig);
			return -EBADMSG;
		}
		r = compat_add_record(c, what, orig, set);
		if (r < 0)
			return r;
	}
	return 0;
}

int compat_state_save(struct compat *c)
{
	_cleanup_free_ char *path = NULL, *cpus = NULL;
	FILE *f;
	int r;

	r = ctx_path(c->ctx, &path, STATE);
	if (r < 0)
		return r;
	if (cpuiso_cpuset_count(c->isolated) == 0 && c->n == 0 && !c->added_cpuset)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	r = cpuiso_cpuset_format(c->isolated, &cpus);
	if (r < 0)
		return r;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	/* an empty list would not scan back: "-" stands for none */
	fprintf(f, "cpus %s\n", *cpus ? cpus : "-");
	if (c->added_cpuset)
		fputs("added-cpuset\n", f);
	for (size_t i = 0; i < c->n; i++) {
		_cleanup_free_ char *o = NULL, *s = NULL;

		if (cpuiso_cpuset_format(c->recs[i].orig, &o) < 0 ||
		    cpuiso_cpuset_format(c->recs[i].set, &s) < 0)
			break;
		fprintf(f, "%s %s %s\n", c->recs[i].what, *o ? o : "-", *s ? s : "-");
	}
	r = fflush(f) == 0 ? 0 : -errno;
	fclose(f);
	return r;
}

struct record *compat_find_record(struct compat *c, const char *what)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->recs[i].what, what))
			return &c->recs[i];
	return NULL;
}

void compat_drop_record(struct compat *c, struct record *rec)
{
	free(rec->what);
	cpuiso_cpuset_free(rec->orig);
	cpuiso_cpuset_free(rec->set);
	*rec = c->recs[--c->n];
}

/* The CPUs the compat backend isolated, from its record (empty if none). */
int compat_recorded_cpus(struct cpuiso_ctx *ctx, unsigned int nbits,
			 struct cpuiso_cpuset **ret)
{
	struct compat c = { .ctx = ctx, .nbits = nbits };
	int r = compat_state_load(&c);

	if (r == 0)
		*ret = TAKE_PTR(c.isolated);
	compat_done(&c);
	return r;
}
