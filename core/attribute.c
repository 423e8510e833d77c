// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Attribution: the text of a tracefs `trace` file, as the kernel prints
 * it, turned into the causes that reached one CPU.  Pure functions over
 * text, so recorded traces test them.  Lines look like
 *
 *   <idle>-0       [002] d.h1.   123.456789: local_timer_entry: vector=236
 *
 * (the flags column is absent with the irq-info option off).  The kernel
 * already prints functions by name (%ps, %pS); what it could not name is
 * a number, looked up in /proc/kallsyms by trace_resolve().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "measure.h"

/* The value after "@key=" in @fields, up to the next blank. */
static int field(const char *fields, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key), n;
	const char *p = fields;

	while ((p = strstr(p, key))) {
		if ((p == fields || p[-1] == ' ') && p[klen] == '=')
			break;
		p += klen;
	}
	if (!p)
		return -EBADMSG;
	p += klen + 1;
	n = strcspn(p, " ");
	if (n == 0 || n >= size)
		return -EBADMSG;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

/* "vmstat_update+0x0/0x80" is vmstat_update */
static void strip_offset(char *sym)
{
	char *plus = strchr(sym, '+');

	if (plus && plus != sym)
		*plus = '\0';
}

static bool is_null_sym(const char *sym)
{
	return strcmp(sym, "0x0") == 0 || strcmp(sym, "0") == 0 ||
	       strcmp(sym, "(null)") == 0 || strcmp(sym, "0000000000000000") == 0;
}

static int add_task(struct trace_summary *s, enum attr_kind kind,
		    const char *what, size_t wlen, int from, const char *task,
		    double t, unsigned long long ns)
{
	struct trace_event *ev;
	size_t i;

	for (i = 0; i < s->n_attrs; i++) {
		struct attr *a = &s->attrs[i];

		if (a->kind == kind && a->from == from &&
		    strlen(a->what) == wlen && memcmp(a->what, what, wlen) == 0 &&
		    (!task || strcmp(a->task, task) == 0))
			break;
	}
	if (i == s->n_attrs) {
		struct attr *attrs = realloc(s->attrs, (i + 1) * sizeof(*attrs));

		if (!attrs)
			return -ENOMEM;
		s->attrs = attrs;
		attrs[i] = (struct attr) { .kind = kind, .from = from };
		attrs[i].what = strndup(what, wlen);
		attrs[i].task = task ? strdup(task) : NULL;
		s->n_attrs++;
		if (!attrs[i].what || (task && !attrs[i].task))
			return -ENOMEM;
	}
	s->attrs[i].count++;
	s->attrs[i].ns += ns;
	if (ns > s->attrs[i].max_ns)
		s->attrs[i].max_ns = ns;

	if (s->n_events == s->cap_events) {
		size_t cap = s->cap_events ? 2 * s->cap_events : 256;

		ev = realloc(s->events, cap * sizeof(*ev));
		if (!ev)
			return -ENOMEM;
		s->events = ev;
		s->cap_events = cap;
	}
	s->events[s->n_events++] = (struct trace_event) { .t = t, .attr = i };
	return 0;
}

static int add(struct trace_summary *s, enum attr_kind kind, const char *what,
	       size_t wlen, int from, double t, unsigned long long ns)
{
	return add_task(s, kind, what, wlen, from, NULL, t, ns);
}

static int add_str(struct trace_summary *s, enum attr_kind kind,
		   const char *what, int from, double t)
{
	return add(s, kind, what, strlen(what), from, t, 0);
}

/* "local_timer:236 start 123.456 duration 4000 ns" and the like */
static int osnoise_event(struct trace_summary *s, enum attr_kind kind,
			 const char *fields, const struct trace_filter *f,
			 double t)
{
	const char *start = strstr(fields, "start "), *dur;
	const char *what = fields;
	unsigned long long ns;
	size_t len;
	char *end;

	dur = strstr(fields, "duration ");
	if (!start || !dur)
		return -EBADMSG;
	ns = strtoull(dur + 9, &end, 10);
	if (end == dur + 9)
		return -EBADMSG;
	while (*what == ' ')
		what++;
	len = start > what ? (size_t)(start - what) : 0;
	while (len > 0 && what[len - 1] == ' ')
		len--;
	if (kind == ATTR_OSNOISE_NMI) {
		what = "nmi";
		len = 3;
	}
	if (len == 0)
		return -EBADMSG;
	/* the spinner's own run time is not noise: "cpuiso-spin:123" */
	if (kind == ATTR_OSNOISE_THREAD && f->load_comm &&
	    strncmp(what, f->load_comm, strlen(f->load_comm)) == 0 &&
	    what[strlen(f->load_comm)] == ':')
		return 0;
	return add(s, kind, what, len, -1, t, ns);
}

/* One event on the CPU that ran it (@cpu) or, for IPIs, sent it. */
static int event(struct trace_summary *s, const struct trace_filter *f,
		 const char *task, unsigned int cpu, double t,
		 const char *name, size_t nlen, const char *fields)
{
	/* a: up to a hex mask of CPUISO_MAX_CPUS bits with its commas */
	char a[CPUISO_MAX_CPUS / 4 + CPUISO_MAX_CPUS / 32 + 1], b[128], c[128];
	bool here = cpu == f->cpu;

#define IS(str) (nlen == strlen(str) && memcmp(name, str, nlen) == 0)
	if (IS("ipi_send_cpu") || IS("ipi_send_cpumask")) {
		if (field(fields, "callsite", b, sizeof(b)) < 0 ||
		    field(fields, "callback", c, sizeof(c)) < 0)
			return -EBADMSG;
		if (IS("ipi_send_cpu")) {
			if (field(fields, "cpu", a, sizeof(a)) < 0)
				return -EBADMSG;
			if (strtoul(a, NULL, 10) != f->cpu)
				return 0;
		} else {
			_cleanup_(cpuiso_cpuset_freep) struct cpuiso_cpuset *mask = NULL;

			if (field(fields, "cpumask", a, sizeof(a)) < 0 ||
			    cpuset_parse_hex(a, CPUISO_MAX_CPUS, &mask) < 0)
				return -EBADMSG;
			if (!cpuiso_cpuset_test(mask, f->cpu))
				return 0;
		}
		strip_offset(b);
		strip_offset(c);
		if (is_null_sym(c))
			return add_str(s, ATTR_IPI_RESCHED, b, cpu, t);
		/* the function run, and who asked: "do_flush_tlb_all via ..." */
		snprintf(a, sizeof(a), "%s via %s", c, b);
		return add_str(s, ATTR_IPI_CALL, a, cpu, t);
	}
	if (!here)
		return 0;
	if (IS("irq_handler_entry")) {
		const char *nm = strstr(fields, "name=");

		if (field(fields, "irq", a, sizeof(a)) < 0 || !nm)
			return -EBADMSG;
		if ((size_t)snprintf(b, sizeof(b), "%.16s %s", a, nm + 5) >= sizeof(b))
			b[sizeof(b) - 1] = '\0';	/* a long name, cut */
		return add_str(s, ATTR_IRQ, b, -1, t);
	}
	if (IS("softirq_entry")) {
		const char *act = strstr(fields, "[action=");
		size_t n;

		if (!act)
			return -EBADMSG;
		act += 8;
		n = strcspn(act, "]");
		if (n == 0 || act[n] != ']')
			return -EBADMSG;
		return add(s, ATTR_SOFTIRQ, act, n, -1, t, 0);
	}
	if (IS("workqueue_execute_start")) {
		const char *fn = strstr(fields, "function ");

		if (!fn || !fn[9])
			return -EBADMSG;
		snprintf(a, sizeof(a), "%s", fn + 9);
		a[strcspn(a, " ")] = '\0';
		strip_offset(a);
		return add_task(s, ATTR_WORK, a, strlen(a), -1, task, t, 0);
	}
	if (IS("timer_expire_entry") || IS("hrtimer_expire_entry")) {
		if (field(fields, "function", a, sizeof(a)) < 0)
			return -EBADMSG;
		strip_offset(a);
		return add_str(s, IS("timer_expire_entry") ? ATTR_TIMER :
			       ATTR_HRTIMER, a, -1, t);
	}
	if (IS("sched_switch")) {
		const char *next = strstr(fields, "next_comm=");
		const char *pid = next ? strstr(next, " next_pid=") : NULL;
		size_t n;

		if (!next || !pid)
			return -EBADMSG;
		next += 10;
		n = pid - next;
		if ((n >= 7 && strncmp(next, "swapper", 7) == 0) ||
		    (f->load_comm && n == strlen(f->load_comm) &&
		     strncmp(next, f->load_comm, n) == 0))
			return 0;
		return add(s, ATTR_SWITCH, next, n, -1, t, 0);
	}
	if (IS("irq_noise"))
		return osnoise_event(s, ATTR_OSNOISE_IRQ, fields, f, t);
	if (IS("softirq_noise"))
		return osnoise_event(s, ATTR_OSNOISE_SOFTIRQ, fields, f, t);
	if (IS("thread_noise"))
		return osnoise_event(s, ATTR_OSNOISE_THREAD, fields, f, t);
	if (IS("nmi_noise"))
		return osnoise_event(s, ATTR_OSNOISE_NMI, fields, f, t);
	/* irq_vectors: local_timer_entry, reschedule_entry, ... */
	if (nlen > 6 && memcmp(name + nlen - 6, "_entry", 6) == 0 &&
	    strncmp(fields, "vector=", 7) == 0)
		return add(s, ATTR_VECTOR, name, nlen - 6, -1, t, 0);
#undef IS
	return 0;	/* an event we did not ask for */
}

/* One line of the trace; -EBADMSG if it is not one. */
static int line(struct trace_summary *s, const struct trace_filter *f,
		const char *ln)
{
	const char *p, *br = ln, *name, *colon, *dash;
	char task[64];
	unsigned long long lost;
	unsigned int cpu;
	double t = 0;
	char *end;
	int tok;

	while (*ln == ' ')
		ln++;
	if (!*ln || *ln == '#')
		return 0;
	if (sscanf(ln, "CPU:%u [LOST %llu EVENTS]", &cpu, &lost) == 2) {
		s->lost += lost;
		return 0;
	}
	/* the CPU column: "[002] " after "comm-pid" */
	for (;;) {
		br = strchr(br, '[');
		if (!br)
			return -EBADMSG;
		cpu = strtoul(br + 1, &end, 10);
		if (end > br + 1 && end[0] == ']' && end[1] == ' ')
			break;
		br++;
	}
	/* the task: "kworker/1:2-25452" up to the last '-' */
	for (p = br; p > ln && p[-1] == ' '; p--)
		;
	dash = p;
	while (dash > ln && dash[-1] != '-')
		dash--;
	if (dash > ln)
		dash--;
	else
		dash = p;
	snprintf(task, sizeof(task), "%.*s", (int)(dash - ln), ln);
	p = end + 1;
	/* optional flags, then "123.456789:" */
	for (tok = 0; tok < 2; tok++) {
		while (*p == ' ')
			p++;
		t = strtod(p, &end);
		if (end > p && *end == ':')
			break;
		p += strcspn(p, " ");
	}
	if (tok == 2)
		return -EBADMSG;
	name = end + 1;
	while (*name == ' ')
		name++;
	colon = strchr(name, ':');
	if (!colon || colon == name || memchr(name, ' ', colon - name))
		return -EBADMSG;
	if (f->t1 > f->t0 && (t < f->t0 || t > f->t1))
		return 0;
	p = colon + 1;
	while (*p == ' ')
		p++;
	return event(s, f, task, cpu, t, name, colon - name, p);
}

void trace_summary_free(struct trace_summary *s)
{
	for (size_t i = 0; i < s->n_attrs; i++) {
		free(s->attrs[i].what);
		free(s->attrs[i].task);
	}
	free(s->attrs);
	free(s->events);
	*s = (struct trace_summary) { 0 };
}

/*
 * Everything in @text that reached f->cpu in the window.  A line that is
 * not a trace line fails the whole text with -EBADMSG and its number in
 * *@bad_line; a last line without its newline was cut and is left out.
 */
int trace_parse(const char *text, const struct trace_filter *f,
		struct trace_summary *out, size_t *bad_line)
{
	_cleanup_(trace_summary_free) struct trace_summary s = { 0 };
	size_t no = 0;

	*bad_line = 0;
	for (const char *ln = text; *ln;) {
		const char *nl = strchr(ln, '\n');
		_cleanup_free_ char *copy = NULL;
		int r;

		no++;
		if (!nl) {
			s.truncated = true;
			break;
		}
		copy = strndup(ln, nl - ln);
		if (!copy)
			return -ENOMEM;
		r = line(&s, f, copy);
		if (r < 0) {
			*bad_line = no;
			return r;
		}
		ln = nl + 1;
	}
	*out = s;
	s = (struct trace_summary) { 0 };
	return 0;
}

/* ---- /proc/kallsyms ---------------------------------------------------- */

struct sym {
	unsigned long long addr;
	char *name;
};

struct symtab {
	size_t n;
	struct sym *syms;
};

void symtab_free(struct symtab *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->syms[i].name);
	free(st->syms);
	free(st);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct symtab *, symtab_free)

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * "ffffffff81000000 T _stext [module]" per line.  Without the right to
 * see addresses the kernel prints zeros: -EPERM then, nothing to look up.
 */
int symtab_parse(const char *text, struct symtab **ret)
{
	_cleanup_(symtab_freep) struct symtab *st = calloc(1, sizeof(*st));
	bool nonzero = false;
	size_t cap = 0;

	if (!st)
		return -ENOMEM;
	for (const char *ln = text; *ln;) {
		const char *nl = strchr(ln, '\n');
		unsigned long long addr;
		char type, name[256];

		if (!nl)
			break;		/* cut short: the rest is unknown */
		if (sscanf(ln, "%llx %c %255s", &addr, &type, name) != 3)
			return -EBADMSG;
		if (st->n == cap) {
			struct sym *syms;

			cap = cap ? cap * 2 : 1024;
			syms = realloc(st->syms, cap * sizeof(*syms));
			if (!syms)
				return -ENOMEM;
			st->syms = syms;
		}
		st->syms[st->n].addr = addr;
		st->syms[st->n].name = strdup(name);
		if (!st->syms[st->n].name)
			return -ENOMEM;
		st->n++;
		nonzero |= addr != 0;
		ln = nl + 1;
	}
	if (st->n == 0)
		return -EBADMSG;
	if (!nonzero)
		return -EPERM;
	qsort(st->syms, st->n, sizeof(*st->syms), cmp_sym);
	*ret = TAKE_PTR(st);
	return 0;
}

/* The function @addr is in, or NULL. */
const char *symtab_lookup(const struct symtab *st, unsigned long long addr)
{
	size_t lo = 0, hi = st->n;

	if (st->n == 0 || addr < st->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return st->syms[lo].name;
}

/* Name the causes the kernel printed as addresses; merge what then agrees. */
int trace_resolve(struct trace_summary *s, const struct symtab *st)
{
	for (size_t i = 0; i < s->n_attrs; i++) {
		struct attr *a = &s->attrs[i];
		unsigned long long addr;
		const char *name;
		char *end, *dup;

		if (strncmp(a->what, "0x", 2) != 0)
			continue;
		addr = strtoull(a->what, &end, 16);
		if (*end || !(name = symtab_lookup(st, addr)))
			continue;
		dup = strdup(name);
		if (!dup)
			return -ENOMEM;
		free(a->what);
		a->what = dup;
	}
	/* a second address in the same function: one cause */
	for (size_t i = 0; i < s->n_attrs; i++)
		for (size_t j = i + 1; j < s->n_attrs;) {
			struct attr *a = &s->attrs[i], *b = &s->attrs[j];

			if (a->kind != b->kind || a->from != b->from ||
			    strcmp(a->what, b->what) != 0 ||
			    (a->task && strcmp(a->task, b->task) != 0)) {
				j++;
				continue;
			}
			a->count += b->count;
			a->ns += b->ns;
			if (b->max_ns > a->max_ns)
				a->max_ns = b->max_ns;
			free(b->what);
			free(b->task);
			for (size_t k = 0; k < s->n_events; k++)
				if (s->events[k].attr == j)
					s->events[k].attr = i;
				else if (s->events[k].attr > j)
					s->events[k].attr--;
			memmove(b, b + 1, (s->n_attrs - j - 1) * sizeof(*b));
			s->n_attrs--;
		}
	return 0;
}
