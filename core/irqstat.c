// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Both files share one shape: a header "CPU0 CPU1 ..." naming the online
 * CPUs (offline ones have no column), then rows "NAME: n0 n1 ... text".
 * Rows with one number (ERR:, MIS:) are system-wide and left out; any
 * other count of numbers than of columns means a CPU went on- or offline
 * while the file was read (-EAGAIN: read it again).  A file that does
 * not end in a newline was cut short: the kernel always ends these with
 * one, so it is refused whole.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "irqstat.h"

/*
 * The column of @cpu in the header line, or -ENODEV if it is offline;
 * *@ncols: how many there are.
 */
static int find_column(const char *header, size_t len, unsigned int cpu,
		       int *ncols)
{
	int col = 0, found = -ENODEV;

	for (size_t i = 0; i < len;) {
		char *end;
		unsigned long v;

		while (i < len && header[i] == ' ')
			i++;
		if (i + 3 >= len || strncmp(header + i, "CPU", 3) != 0)
			break;
		v = strtoul(header + i + 3, &end, 10);
		if (end == header + i + 3)
			return -EBADMSG;
		if (v == cpu)
			found = col;
		col++;
		i = end - header;
	}
	*ncols = col;
	return found;
}

/* Is the next field of a row, before @end, a count (digits alone)? */
static bool one_more_count(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	if (p == end || !isdigit((unsigned char)*p))
		return false;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	return p == end || *p == ' ';
}

/* The text after the counts, blanks squeezed: "IO-APIC 2-edge timer". */
static void copy_desc(char *buf, size_t size, const char *p, const char *end)
{
	size_t n = 0;

	while (p < end && *p == ' ')
		p++;
	for (; p < end && n + 1 < size; p++) {
		if (*p == ' ' && (p + 1 == end || p[1] == ' '))
			continue;
		buf[n++] = *p;
	}
	buf[n] = '\0';
}

int irqstat_parse(const char *text, unsigned int cpu, struct irqstat *out)
{
	const char *line = text, *nl;
	struct irqstat st = { 0 };
	int col, ncols;

	nl = strchr(line, '\n');
	if (!nl || text[strlen(text) - 1] != '\n')
		return -EBADMSG;
	col = find_column(line, nl - line, cpu, &ncols);
	if (col < 0)
		return col;

	for (line = nl + 1; *line; line = nl + 1) {
		const char *p = line, *name, *colon;
		unsigned long long v = 0;
		struct irqstat_row *rows;
		size_t namelen;
		int i;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		while (*p == ' ')
			p++;
		name = p;
		colon = memchr(p, ':', nl - p);
		if (!colon)
			goto next;
		namelen = colon - p;
		p = colon + 1;
		for (i = 0; i < ncols; i++) {
			char *end;
			unsigned long long n = strtoull(p, &end, 10);

			if (end == p || end > nl)
				break;
			if (i == col)
				v = n;
			p = end;
		}
		if (i == 1 && ncols > 1)
			goto next;	/* a system-wide row */
		/*
		 * The kernel prints the header and each row for the CPUs
		 * online at that moment: a CPU that went on- or offline
		 * while the file was read shifts the columns of later rows.
		 */
		if (i < ncols || one_more_count(p, nl)) {
			irqstat_free(&st);
			return -EAGAIN;
		}
		rows = realloc(st.rows, (st.n + 1) * sizeof(*rows));
		if (!rows) {
			irqstat_free(&st);
			return -ENOMEM;
		}
		st.rows = rows;
		if (namelen >= sizeof(rows[st.n].name))
			namelen = sizeof(rows[st.n].name) - 1;
		memcpy(rows[st.n].name, name, namelen);
		rows[st.n].name[namelen] = '\0';
		rows[st.n].count = v;
		copy_desc(rows[st.n].desc, sizeof(rows[st.n].desc), p, nl);
		st.n++;
next:
		if (!*nl)
			break;
	}
	*out = st;
	return 0;
}

void irqstat_free(struct irqstat *st)
{
	free(st->rows);
	st->rows = NULL;
	st->n = 0;
}

const struct irqstat_row *irqstat_find(const struct irqstat *st,
				       const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->rows[i].name, name) == 0)
			return &st->rows[i];
	return NULL;
}

unsigned long long irqstat_total(const struct irqstat *st)
{
	unsigned long long sum = 0;

	for (size_t i = 0; i < st->n; i++)
		sum += st->rows[i].count;
	return sum;
}

/*
 * How much @row (of a later snapshot) grew since @before; a row that is new counts
 * from zero.  The kernel keeps these counters in 32 bits, so one that
 * went down wrapped once; below a value that fits 32 bits it cannot have,
 * and the snapshots do not belong together (-EBADMSG).
 */
int irqstat_delta(const struct irqstat *before,
		  const struct irqstat_row *row, unsigned long long *ret)
{
	const struct irqstat_row *old = irqstat_find(before, row->name);
	unsigned long long was = old ? old->count : 0;

	if (row->count >= was) {
		*ret = row->count - was;
		return 0;
	}
	if (was > 0xffffffffULL)
		return -EBADMSG;
	*ret = row->count + 0x100000000ULL - was;
	return 0;
}
